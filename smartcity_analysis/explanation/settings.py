"""Settings and result of an explanation run: what the cache key and the stored tables are made of.

:class:`ExplanationSettings` owns the defaults of a run (``smartcity explain`` reads its help and
defaults from it, so the CLI and the reports share one cache entry); :class:`ExplanationResult` holds
the tables named in :data:`TABLES` and the JSON summary; :data:`RESULT_FORMAT` is bumped when the
tables or their meaning change.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from smartcity_analysis.errors import InputError
from smartcity_analysis.explanation import agreement as agr
from smartcity_analysis.explanation import counterfactual as cf
from smartcity_analysis.explanation import models as mdl
from smartcity_analysis.explanation import revealed as rev
from smartcity_analysis.explanation.criteria_search import REVEALED_TABLES

__all__ = [
    "RESULT_FORMAT",
    "TABLES",
    "ExplanationResult",
    "ExplanationSettings",
]

#: Bumped when the tables or their meaning change; part of the cache key.
RESULT_FORMAT = 3

#: Names of the tables of an :class:`ExplanationResult`, in the order they are written.
TABLES = (
    "agreement",
    "agreement_summary",
    "weights",
    "validation",
    "anomalies",
    "counterfactual_regions",
    "counterfactual_single",
    "counterfactual_combined",
    *REVEALED_TABLES,
)


@dataclass(frozen=True)
class ExplanationSettings:
    """Settings of an explanation run (all part of the cache key).

    Attributes
    ----------
    definition : str
        Outcome definition, key of :data:`~.agreement.OUTCOME_DEFINITIONS` (default ``"mou"``).
    level : str
        ``"pillar"`` (revealed weights over the spec's criteria/pillar scores) or ``"indicator"``
        (over the normalised measured indicators).
    methods : tuple of str
        Revealed-weight methods (keys of :data:`~.revealed.REVEALED_METHODS`).
    n_boot : int
        Bootstrap replicates per fit (0 = no intervals).
    seed : int
    C : float
        Inverse regularisation of the logistic method.
    nu : float
        Margin-error bound of the LP method.
    ci_level : float
    n_anomalies : int
        Rows per group of the rank-extremes table.
    max_change : float
        Default bound on one indicator's change, as a share of its normalised range, where the spec
        declares no ``plausible_change``.
    verify : bool
        Apply every computed counterfactual through the real build and refine it until the region
        reaches the cutoff (or the bounds are exhausted); ``verified`` columns record the outcome.
    families : tuple of str
        Model families of the revealed-criteria search over every measured indicator (keys of
        :data:`~.models.MODEL_FAMILIES`); empty = no search.
    n_perm : int
        Label shuffles of the permutation test of the out-of-sample AUC (0 = no test).
    n_stability : int
        Bootstrap replicates of the stability of the indicators each family chooses.
    """

    definition: str = "mou"
    level: str = "pillar"
    methods: tuple[str, ...] = ("logistic", "margin")
    n_boot: int = 100
    seed: int = 0
    C: float = 1.0
    nu: float = 0.5
    ci_level: float = 0.95
    n_anomalies: int = 10
    max_change: float = cf.DEFAULT_MAX_CHANGE
    verify: bool = True
    families: tuple[str, ...] = tuple(mdl.MODEL_FAMILIES)
    n_perm: int = 200
    n_stability: int = 30

    def __post_init__(self):
        problems = []
        if self.definition not in agr.OUTCOME_DEFINITIONS:
            problems.append(f"definition must be one of {sorted(agr.OUTCOME_DEFINITIONS)}, got "
                            f"{self.definition!r}")
        if self.level not in ("pillar", "indicator"):
            problems.append(f"level must be 'pillar' or 'indicator', got {self.level!r}")
        bad = [m for m in self.methods if m not in rev.REVEALED_METHODS]
        if bad or not self.methods:
            problems.append(f"methods must be a non-empty subset of {sorted(rev.REVEALED_METHODS)}, "
                            f"got {list(self.methods)}")
        if int(self.n_boot) < 0:
            problems.append(f"n_boot must be >= 0, got {self.n_boot}")
        if not 0 < self.ci_level < 1:
            problems.append(f"ci_level must lie in (0, 1), got {self.ci_level}")
        if not self.C > 0:
            problems.append(f"C must be positive, got {self.C}")
        if not 0 < self.nu <= 1:
            problems.append(f"nu must lie in (0, 1], got {self.nu}")
        if not self.max_change > 0:
            problems.append(f"max_change must be positive, got {self.max_change}")
        bad = [f for f in self.families if f not in mdl.MODEL_FAMILIES]
        if bad:
            problems.append(f"families must be a subset of {sorted(mdl.MODEL_FAMILIES)}, got "
                            f"{list(self.families)}")
        if int(self.n_perm) < 0 or int(self.n_stability) < 0:
            problems.append(f"n_perm and n_stability must be >= 0, got {self.n_perm} and "
                            f"{self.n_stability}")
        if problems:
            raise InputError("Invalid explanation settings: " + "; ".join(problems) + ".")

    def key(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ExplanationResult:
    """Tables and JSON summary of one explanation run.

    Attributes
    ----------
    tables : dict of DataFrame
        See :data:`TABLES`:

        - ``agreement``: one row per (cohort, evaluated region): ``cohort_year, region_code, name,
          role, status, actual, score, rank_in_pool, eligible, fail_reasons, nominal``;
        - ``agreement_summary``: one row per cohort (precision, recall, AUC, precision at k, ...);
        - ``weights``: ``method, fit, criterion, weight, ci_low, ci_high, nominal_weight, identified,
          note, bound_note`` (``fit`` = ``"pooled"`` or a cohort year; ``note`` says why a weight
          is not identified, ``bound_note`` when the logistic slope is held at zero by the bound);
        - ``validation``: ``method, cohort_year, n, n_selected, auc_in, precision_at_k_in, auc_out,
          precision_at_k_out, brier_out, p_value_out, n_perm, weights_out`` (method ``"spec"`` =
          the spec's own score, not fitted; the revealed-criteria families and baselines add one
          row per held-out cohort, see :mod:`.validation`);
        - ``revealed_weights``, ``revealed_comparison``, ``revealed_calibration``,
          ``revealed_candidates``, ``revealed_scores``: the revealed-criteria search over every
          measured indicator (:mod:`.criteria_search`);
        - ``anomalies``: rank extremes per cohort with criterion values;
        - ``counterfactual_regions``: one row per (cohort, evaluated region): outcome, gap, cheapest
          single change, combined distance;
        - ``counterfactual_single`` / ``counterfactual_combined``: one row per (cohort, region,
          indicator).
    summary : dict
        JSON-serialisable: provenance, settings, definitions, per-cohort metrics, weights with
        intervals, notes on assumptions.
    """

    tables: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)

    def __getattr__(self, name):
        tables = object.__getattribute__(self, "tables")
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def region(self, region_code: str) -> dict:
        """Every table's rows for one region (``{table: DataFrame}``), for the region report."""
        code = str(region_code)
        return {
            name: t[t["region_code"] == code].reset_index(drop=True)
            for name, t in self.tables.items()
            if "region_code" in t.columns
        }
