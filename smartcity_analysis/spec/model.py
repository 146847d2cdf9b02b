"""The frozen model of a criteria spec: constants and dataclasses (no parsing, no files).

See :mod:`smartcity_analysis.spec` for the YAML layout.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from smartcity_analysis.errors import SpecError

#: Indicator codes of the curated data (``data/indicators.yml``), used when the registry is not loadable.
#: A test (tests/test_spec.py) pins this list to the registry, so a new indicator cannot be forgotten here.
KNOWN_INDICATORS = (
    "population",
    "population_density",
    "grdp_real",
    "grdp_per_capita",
    "grdp_growth",
    "ipm",
    "expenditure_per_capita",
    "mean_years_schooling",
    "life_expectancy",
    "poverty_rate",
    "poverty_line",
    "unemployment_rate",
    "no_electricity_pct",
    "no_clean_water_pct",
    "stunting_pct",
    "food_security_index",
    "night_light_mean",
    "government_consumption",
    "own_source_revenue",
    "dau",
    "dak",
    "total_revenue",
    "female_mean_years_schooling",
    "food_expenditure_share_pct",
    "government_consumption_pct_grdp",
    "health_worker_ratio",
    "night_light_sum",
    "urban_population_pct",
    "expected_years_schooling",
    # DJPK (Kemenkeu) fiscal and administrative indicators (issue 12)
    "fiscal_capacity",
    "fiscal_capacity_per_capita",
    "own_source_revenue_per_capita",
    "dbh_tax",
    "dbh_natural_resources",
    "personnel_spending",
    "total_revenue_proxy",
    "total_revenue_proxy_per_capita",
    "bpk_opinion",
    "apbd_on_time",
    "e_procurement",
    "e_budgeting",
    "djpk_fiscal_health_score",
    "government_performance_award",
)

AVAILABILITIES = ("measured", "unavailable", "user_supplied")
TRANSFORMS = (None, "log", "log1p")
#: The spec used when none is named (``--spec ""``, ``ReportParams.spec = ""``).
DEFAULT_SPEC = "kominfo_prescreen"

OPERATORS = (">=", ">", "<=", "<", "==", "!=")
RULE_KINDS = ("threshold", "completeness", "region_type")
REGION_TYPES = ("kota", "kabupaten")
PREVIOUS_MODES = ("actual", "model", "none")
COHORT_STATUSES = ("selected", "added_late", "not_awarded", "cancelled", "deferred")
DEFAULT_LEAVE_STATUSES = ("selected", "added_late", "not_awarded", "deferred")
LEVELS = ("pillars", "index")

_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_CODE_RE = re.compile(r"^\d{4}$")


# --------------------------------------------------------------------------------------------------
# frozen dataclasses
# --------------------------------------------------------------------------------------------------


def _freeze(value: Any) -> Any:
    """Turn dicts/lists into sorted tuples so a value is hashable and order-stable."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple) and value and all(
        isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], str) for v in value
    ):
        return {k: _thaw(v) for k, v in value}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value


@dataclass(frozen=True)
class MethodChoice:
    """A method name from one registry plus its keyword parameters (frozen as sorted pairs)."""

    name: str
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def kwargs(self) -> dict[str, Any]:
        """The parameters as a plain dict, ready for ``registry[name](..., **kwargs)``."""
        return {k: _thaw(v) for k, v in self.params}

    @classmethod
    def make(cls, name: str, **params: Any) -> MethodChoice:
        """Build a choice from keyword parameters: ``MethodChoice.make("minmax", lower=1)``."""
        return cls(name, _freeze(params))


@dataclass(frozen=True)
class CohortSpec:
    """One cohort: selection ``year``, number of regions ``size``, indicators of ``data_year``."""

    year: int
    size: int
    data_year: int


@dataclass(frozen=True)
class PoolSpec:
    """Who can be selected.

    ``previous_cohorts``: ``"actual"`` removes the regions actually selected in earlier cohorts (statuses
    in ``leave_statuses``, from ``data/programme/cohorts.csv``); ``"model"`` removes the model's own
    earlier picks; ``"none"`` removes nobody.
    """

    previous_cohorts: str = "actual"
    leave_statuses: tuple[str, ...] = DEFAULT_LEAVE_STATUSES
    exclude_regions: tuple[str, ...] = ()
    exclude_types: tuple[str, ...] = ()


@dataclass(frozen=True)
class EligibilityRule:
    """One eligibility rule; a region failing it gets ``reason`` in its ``fail_reasons``.

    Kinds: ``threshold`` (``indicator op value``; a missing value fails unless ``if_missing="pass"``,
    with reason ``<reason>:missing``), ``completeness`` (share of the computed indicators observed, before
    imputation, at least ``min_share``), ``region_type`` (type in ``allowed``).
    """

    id: str
    kind: str
    reason: str
    indicator: str | None = None
    op: str | None = None
    value: float | None = None
    if_missing: str = "fail"
    min_share: float | None = None
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class PlausibleChange:
    """Bounds on how much an indicator can plausibly change (for counterfactuals, issue 5).

    Either absolute ``lower``/``upper`` changes in the indicator's own units (``lower <= 0 <= upper``), or
    ``relative`` (a fraction of the current value, both ways).
    """

    lower: float | None = None
    upper: float | None = None
    relative: float | None = None

    def bounds(self, value: float) -> tuple[float, float]:
        """Admissible change ``(min_delta, max_delta)`` for a region whose current value is ``value``."""
        if self.relative is not None:
            d = abs(value) * self.relative
            return (-d, d)
        lo = -math.inf if self.lower is None else self.lower
        hi = math.inf if self.upper is None else self.upper
        return (lo, hi)


@dataclass(frozen=True)
class DeriveSpec:
    """A derived indicator ``scale * numerator / denominator`` computed from two data columns."""

    numerator: str
    denominator: str
    scale: float = 1.0


@dataclass(frozen=True)
class UserSuppliedSpec:
    """Expected file for a user-supplied indicator: a description of its ``format`` and an optional
    ``path`` (CSV with columns ``region_code`` (4-char BPS code) and ``value``)."""

    format: str = "CSV with columns region_code (4-character BPS code) and value (float); one row per region"
    path: str | None = None


@dataclass(frozen=True)
class IndicatorSpec:
    """One indicator of the spec (see the module docstring for each field)."""

    code: str
    direction: int = 1
    name: str | None = None
    transform: str | None = None
    availability: str = "measured"
    proxy_for: str | None = None
    note: str | None = None
    normalisation: MethodChoice | None = None
    derive: DeriveSpec | None = None
    user_supplied: UserSuppliedSpec | None = None
    plausible_change: PlausibleChange | None = None

    @property
    def is_proxy(self) -> bool:
        return self.proxy_for is not None


@dataclass(frozen=True)
class PillarSpec:
    """One pillar (criterion): its weight in the index, its indicators with their weights within it
    (``None`` when the weighting method derives them), and an optional aggregation override."""

    id: str
    name: str | None = None
    weight: float | None = None
    indicators: tuple[tuple[str, float | None], ...] = ()
    aggregation: MethodChoice | None = None
    note: str | None = None

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(code for code, _ in self.indicators)

    @property
    def indicator_weights(self) -> dict[str, float | None]:
        return dict(self.indicators)


@dataclass(frozen=True)
class MethodsSpec:
    """The method of each step; ``aggregation_*`` and ``weighting_*`` are per level.

    ``min_coverage_pillars``/``min_coverage_index``: minimum share of a group's components a region must
    have for its score to be computed. ``min_coverage_indicators``: minimum share of regions with an
    observed value for an indicator to be used at all in a data year (else it is excluded, recorded).
    """

    imputation: MethodChoice = MethodChoice("none")
    outliers: MethodChoice = MethodChoice("none")
    normalisation: MethodChoice = MethodChoice("minmax", (("lower", 0.0), ("upper", 100.0)))
    weighting_indicators: MethodChoice = MethodChoice("explicit")
    weighting_pillars: MethodChoice = MethodChoice("explicit")
    aggregation_pillars: MethodChoice = MethodChoice("arithmetic")
    aggregation_index: MethodChoice = MethodChoice("arithmetic")
    min_coverage_pillars: float = 0.5
    min_coverage_index: float = 0.5
    min_coverage_indicators: float = 0.5


@dataclass(frozen=True)
class TypeMix:
    """Share of a region type among the selected: ``min_share <= n_type / size <= max_share``."""

    type: str
    min_share: float | None = None
    max_share: float | None = None


@dataclass(frozen=True)
class QuotaSpec:
    """Quotas on a cohort's selection."""

    max_per_province: int | None = None
    min_share_outside_java: float | None = None
    type_mix: tuple[TypeMix, ...] = ()

    @property
    def active(self) -> bool:
        return bool(
            self.max_per_province is not None or self.min_share_outside_java is not None or self.type_mix
        )


@dataclass(frozen=True)
class TieBreakKey:
    """One tie-breaking key: an indicator code (raw value), a pillar id, ``score`` or ``region_code``."""

    key: str
    order: str = "desc"


@dataclass(frozen=True)
class WeightUncertainty:
    """Weight perturbation: ``kind="dirichlet"`` with ``concentration`` (weights ~ Dirichlet(c * w)),
    ``kind="bounds"`` with ``relative`` (each weight uniform in ``w * (1 +- relative)``, renormalised),
    or ``kind="uniform"`` (weights uniform on the simplex, Dirichlet(1, ..., 1): no preference at all,
    the SMAA default)."""

    kind: str
    concentration: float | None = None
    relative: float | None = None
    level: str = "both"  # indicators | pillars | both


@dataclass(frozen=True)
class UncertaintySpec:
    """Sources of uncertainty for the robustness analysis (issue 4); the engine only parses them.

    ``normalisations``/``imputations``: alternative method choices (the nominal one is included by the
    consumer); ``aggregations_pillars``/``aggregations_index``: alternatives per level; ``thresholds``:
    ``(rule_id, low, high)`` ranges for threshold rules; ``noise_relative``: relative noise on indicator
    values; ``leave_one_out``: report "without indicator X" scenarios, one per indicator;
    ``leave_one_out_probability``: the probability that a Monte Carlo draw leaves one indicator out
    (default 0: the scenarios are reported beside P(selected), not mixed into it).
    """

    weights: WeightUncertainty | None = None
    normalisations: tuple[MethodChoice, ...] = ()
    aggregations_pillars: tuple[MethodChoice, ...] = ()
    aggregations_index: tuple[MethodChoice, ...] = ()
    imputations: tuple[MethodChoice, ...] = ()
    thresholds: tuple[tuple[str, float, float], ...] = ()
    noise_relative: float | None = None
    leave_one_out: bool = False
    leave_one_out_probability: float = 0.0
    draws: int | None = None
    seed: int | None = None


@dataclass(frozen=True)
class Spec:
    """A validated criteria spec. Build it with :func:`load_spec`; derive variants with
    ``dataclasses.replace`` (never mutate)."""

    id: str
    title: str
    version: str
    description: str
    cohorts: tuple[CohortSpec, ...]
    pool: PoolSpec
    eligibility: tuple[EligibilityRule, ...]
    indicators: tuple[IndicatorSpec, ...]
    pillars: tuple[PillarSpec, ...]
    methods: MethodsSpec
    quotas: QuotaSpec = QuotaSpec()
    tie_breaking: tuple[TieBreakKey, ...] = ()
    uncertainty: UncertaintySpec | None = None
    source: str | None = field(default=None, compare=False)

    # --- convenience -------------------------------------------------------------------------------

    @cached_property
    def spec_hash(self) -> str:
        """Stable SHA-256 (first 16 hex digits) of the canonical content (the source path excluded)."""
        content = asdict(self)
        content.pop("source", None)
        text = json.dumps(content, sort_keys=True, default=str, separators=(",", ":"))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def indicator(self, code: str) -> IndicatorSpec:
        """The indicator spec of ``code`` (``KeyError`` when absent)."""
        for ind in self.indicators:
            if ind.code == code:
                return ind
        raise KeyError(code)

    @property
    def indicator_codes(self) -> tuple[str, ...]:
        return tuple(ind.code for ind in self.indicators)

    @property
    def pillar_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.pillars)

    @property
    def unavailable_indicators(self) -> tuple[str, ...]:
        """Indicators declared unavailable, or user-supplied without a file."""
        return tuple(
            ind.code
            for ind in self.indicators
            if ind.availability == "unavailable"
            or (ind.availability == "user_supplied" and (ind.user_supplied is None or not ind.user_supplied.path))
        )

    @property
    def proxies(self) -> tuple[IndicatorSpec, ...]:
        return tuple(ind for ind in self.indicators if ind.is_proxy)

    def cohort(self, year: int) -> CohortSpec:
        """The cohort of ``year``; raises :class:`SpecError` naming the declared years when absent."""
        for c in self.cohorts:
            if c.year == int(year):
                return c
        years = ", ".join(str(c.year) for c in self.cohorts) or "none"
        raise SpecError(
            [("cohorts", f"no cohort {year} in spec '{self.id}'; declared cohorts: {years}. "
                         "Pass one of them or add the cohort to the spec.")],
            self.source,
        )

    def to_dict(self) -> dict[str, Any]:
        """The canonical content as plain Python (for JSON provenance)."""
        content = asdict(self)
        content.pop("source", None)
        return content


