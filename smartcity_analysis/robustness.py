"""Robustness of the *selection*: Monte Carlo over weights, methods, thresholds, noise and indicators.

Published index audits stop at "how robust is the ranking". This module answers "would this region have
been selected if the criteria had been set a little differently?". It draws the uncertain choices of a
criteria spec (weights, normalisation, aggregation, imputation, eligibility thresholds, relative noise
on values, leave-one-indicator-out), recomputes the cohort selection for every draw, and reports per
region P(eligible), P(selected), the rank distribution and a robustness class; per cohort the expected
selected set, the mean Jaccard similarity to the nominal selection and the contestable regions.

Two evaluation paths share one draw plan (:class:`DrawPlan`):

- the **vectorised kernel** (:func:`evaluate_plan`) works on arrays ``draws x regions x indicators``,
  chunked to bound memory, with no Python loop over draws (except for the optional value noise, whose
  random numbers are generated per draw so a draw's noise does not depend on the chunk size);
- the **reference path** (:func:`evaluate_plan_reference`) loops over draws and calls the engine's own
  orchestrator (``selection.run_selection``) on a variant spec per draw. It is slow and exists to prove
  the kernel right: for the same plan both give identical selections (tested).

Layers
------
:class:`RobustnessProblem` holds the arrays (built from a spec by :func:`problem_from_spec`, or by hand in
tests); :class:`UncertaintySettings` the declared uncertainty; :func:`factor_layout` lists the random
factors; :func:`plan_from_unit` maps a matrix of uniforms to a :class:`DrawPlan` (the Monte Carlo uses
i.i.d. uniforms, :mod:`smartcity_analysis.sensitivity` uses SALib's Sobol sequence through the same
mapping); :func:`evaluate_plan` gives a :class:`DrawOutcome`; :func:`summarise` the tables.

References
----------
Saisana, M., Saltelli, A. & Tarantola, S. (2005). Uncertainty and sensitivity analysis techniques as
tools for the quality assessment of composite indicators. J. R. Stat. Soc. A 168(2), 307-323.

OECD/JRC (2008). Handbook on Constructing Composite Indicators, step 7 (uncertainty and sensitivity).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from smartcity_analysis.errors import ComputationError, InputError

__all__ = [
    "DrawOutcome",
    "DrawPlan",
    "RobustnessResult",
    "load_or_run_robustness",
    "run_robustness",
    "Factor",
    "QuotaArrays",
    "RobustnessProblem",
    "SpecContext",
    "ThresholdRule",
    "UncertaintySettings",
    "classify",
    "draw_plan",
    "evaluate_plan",
    "evaluate_plan_reference",
    "problem_from_spec",
    "settings_from_spec",
    "factor_layout",
    "jaccard_to",
    "nominal_plan",
    "plan_from_unit",
    "select_top_k",
    "summarise",
]

#: P(selected) at or above which a region is "robustly in", at or below which "robustly out".
ROBUST_IN = 0.95
ROBUST_OUT = 0.05


# ---------------------------------------------------------------------------------------------------
# Settings and problem
# ---------------------------------------------------------------------------------------------------

WEIGHT_LEVELS = ("pillars", "indicators", "both")


@dataclass(frozen=True)
class UncertaintySettings:
    """Declared sources of uncertainty (the spec's ``uncertainty`` block, as plain values).

    Parameters
    ----------
    weights : {"none", "dirichlet", "bounds"}
        How weights vary. ``"dirichlet"``: ``w ~ Dirichlet(concentration * w0)`` around the nominal
        weights ``w0`` (normalised); ``"bounds"``: each weight uniform in ``w0 * (1 +- bound)``, then
        renormalised to sum 1.
    concentration : float
        Dirichlet concentration (larger = closer to nominal; mean ``w0``, variance
        ``w0 (1 - w0) / (concentration + 1)``).
    bound : float
        Relative half-width for ``"bounds"`` (0.25 = +-25 %).
    weight_level : {"pillars", "indicators", "both"}
        Which level varies: pillar weights, indicator weights within each pillar, or both.
    thresholds : dict
        ``rule_id -> (low, high)``: that eligibility rule's threshold (``value`` of a threshold rule,
        ``min_share`` of a completeness rule) is uniform in ``[low, high]``.
    noise : float
        Relative noise on indicator values: each value is multiplied by ``1 + noise * z``,
        ``z ~ N(0, 1)`` independently per region, indicator and draw (on the published scale, after
        imputation and outlier treatment, before normalisation; scores only: eligibility rules keep the
        published values, so a rule whose threshold is not uncertain stays exact).
    leave_one_out : float
        Probability that a draw leaves one indicator out (chosen uniformly); ``m / (m + 1)`` makes the
        factor uniform over "none" and each of the ``m`` indicators. 0 disables it.
    methods : bool
        Whether the method alternatives carried by the problem (normalisation, imputation,
        aggregation per level) are drawn; False keeps the nominal methods (e.g. weight-only analyses).

    Notes
    -----
    Method alternatives are carried by the :class:`RobustnessProblem` (they need index builds); when
    ``methods`` is True every alternative is equally likely.
    """

    weights: str = "none"
    concentration: float = 50.0
    bound: float = 0.25
    weight_level: str = "both"
    thresholds: dict = field(default_factory=dict)
    noise: float = 0.0
    leave_one_out: float = 0.0
    methods: bool = False

    def __post_init__(self):
        problems = []
        if self.weights not in ("none", "dirichlet", "bounds"):
            problems.append(
                f"weights must be 'none', 'dirichlet' or 'bounds'; got {self.weights!r}"
            )
        if self.weight_level not in WEIGHT_LEVELS:
            problems.append(
                f"weight_level must be one of {WEIGHT_LEVELS}; got {self.weight_level!r}"
            )
        if not (self.concentration > 0):
            problems.append(f"concentration must be > 0; got {self.concentration!r}")
        if not (0 <= self.bound < 1):
            problems.append(f"bound must be in [0, 1); got {self.bound!r}")
        if not (self.noise >= 0):
            problems.append(f"noise must be >= 0; got {self.noise!r}")
        if not (0 <= self.leave_one_out <= 1):
            problems.append(f"leave_one_out must be in [0, 1]; got {self.leave_one_out!r}")
        for rule, rng in self.thresholds.items():
            if len(rng) != 2 or not (float(rng[0]) <= float(rng[1])):
                problems.append(
                    f"thresholds[{rule!r}] must be (low, high), low <= high; got {rng!r}"
                )
        if problems:
            raise InputError("Invalid uncertainty settings: " + "; ".join(problems) + ".")

    def as_dict(self) -> dict:
        """Plain, JSON-able form (used in cache keys and summaries)."""
        return {
            "weights": self.weights,
            "concentration": float(self.concentration),
            "bound": float(self.bound),
            "weight_level": self.weight_level,
            "thresholds": {
                k: [float(v[0]), float(v[1])] for k, v in sorted(self.thresholds.items())
            },
            "noise": float(self.noise),
            "leave_one_out": float(self.leave_one_out),
            "methods": bool(self.methods),
        }


@dataclass(frozen=True)
class ThresholdRule:
    """An eligibility rule whose threshold is drawn: pass iff ``value op threshold``.

    ``values`` has shape ``(L, n)``: the rule's values per leave-one-out variant (row 0: nothing left
    out), e.g. the published values of its indicator, or the observed share for a completeness rule
    (plus the engine's ``1e-12`` tolerance). ``active[l]`` is False where the engine skips the rule
    (its indicator is the one left out). A missing value fails unless ``missing_passes``.
    """

    rule_id: str
    values: np.ndarray
    op: str
    threshold: float
    missing_passes: bool = False
    active: np.ndarray | None = None

    def passes(self, thresholds: np.ndarray, variant: np.ndarray) -> np.ndarray:
        """Pass mask ``(draws, regions)`` for one threshold and one leave-out variant per draw."""
        v = np.asarray(self.values, dtype=float)[np.asarray(variant)]
        t = np.asarray(thresholds, dtype=float)[:, None]
        if self.op not in _OPS:
            raise InputError(f"Rule {self.rule_id!r}: unknown operator {self.op!r}.")
        with np.errstate(invalid="ignore"):
            out = _OPS[self.op](v, t)
        miss = np.isnan(v)
        out = np.where(miss, self.missing_passes, out)
        if self.active is not None:
            out |= ~np.asarray(self.active, dtype=bool)[np.asarray(variant)][:, None]
        return out


_OPS = {
    ">=": np.greater_equal,
    ">": np.greater,
    "<=": np.less_equal,
    "<": np.less,
    "==": np.equal,
    "!=": np.not_equal,
}


@dataclass(frozen=True)
class QuotaArrays:
    """A cohort's quotas as arrays, with the engine's greedy semantics (``selection.select_cohort``).

    ``province`` (n,) int labels and ``max_per_province`` (None = no cap); ``type_labels`` (n,) int with
    ``type_min``/``type_max`` per label (counts; 0 / a large number = no limit); ``outside`` (n,) bool
    (outside Java) with ``min_outside`` (count).
    """

    province: np.ndarray
    type_labels: np.ndarray
    type_min: np.ndarray
    type_max: np.ndarray
    outside: np.ndarray
    min_outside: int = 0
    max_per_province: int | None = None


@dataclass(frozen=True)
class RobustnessProblem:
    """Everything the vectorised kernel needs, as arrays (regions in a fixed order).

    Build it from a spec with :func:`problem_from_spec`; tests build tiny ones by hand.

    Parameters
    ----------
    region_codes : tuple of str
        ``n`` 4-character BPS codes (all regions of the build; the pool is in ``eligible_fixed``).
    indicators : tuple of str
        ``m`` computed indicator codes.
    pillars : tuple of str
        ``P`` pillar ids (those with a computed indicator).
    pillar_of : ndarray of int, shape (m,)
        Pillar index of each indicator.
    within_weights, pillar_weights : ndarray, shapes (m,), (P,)
        Nominal weights (renormalised per pillar / to sum 1).
    normalised : ndarray, shape (I, N, L, n, m)
        Normalised values per imputation alternative, normalisation alternative and leave-one-out
        variant (``L = 1``, or ``m + 1`` with variant ``j + 1`` = indicator ``j`` left out, its column
        NaN). ``[0, 0, 0]`` is the nominal build.
    imputers, normalisers : tuple of str
        Labels of the alternatives along the first two axes.
    aggregators_within : tuple
        Alternatives for the pillar level; each alternative is a tuple of ``P`` ``(name, kwargs)``
        pairs (one per pillar, so per-pillar overrides of the nominal spec are kept).
    aggregators_across : tuple
        Alternatives ``(name, kwargs)`` for the index level.
    eligible_fixed : ndarray of bool, shape (L, n)
        Pool membership and every eligibility rule whose threshold is not uncertain, per variant.
    k : int
        Cohort size.
    tie_order : ndarray of int, shape (L, n)
        Rank of each region in the spec's tie-breaking order (lower wins a tie of equal scores).
    threshold_rules : tuple of ThresholdRule
        Rules whose threshold is drawn.
    quotas : QuotaArrays or None
    min_coverage_within, min_coverage_across : float
        The spec's ``min_coverage`` for pillar and index scores.
    treated : ndarray, shape (I, L, n, m), optional
        Values entering normalisation, needed only for value noise.
    transforms : tuple, optional
        Per indicator ``None``/``"log"``/``"log1p"``: how ``treated`` relates to the published scale.
    normaliser_groups : tuple, optional
        Per normalisation alternative, ``((column indices, name, kwargs), ...)``: how the engine
        normalises the columns (per-indicator overrides included); needed only for value noise.
    directions : ndarray, shape (m,), optional
    cohort : int, optional
    """

    region_codes: tuple
    indicators: tuple
    pillars: tuple
    pillar_of: np.ndarray
    within_weights: np.ndarray
    pillar_weights: np.ndarray
    normalised: np.ndarray
    imputers: tuple
    normalisers: tuple
    aggregators_within: tuple
    aggregators_across: tuple
    eligible_fixed: np.ndarray
    k: int
    tie_order: np.ndarray
    threshold_rules: tuple = ()
    quotas: QuotaArrays | None = None
    min_coverage_within: float = 0.0
    min_coverage_across: float = 0.0
    treated: np.ndarray | None = None
    transforms: tuple | None = None
    normaliser_groups: tuple | None = None
    directions: np.ndarray | None = None
    cohort: int | None = None

    def __post_init__(self):
        n, m, p = len(self.region_codes), len(self.indicators), len(self.pillars)
        problems = []
        shape = np.shape(self.normalised)
        if len(shape) != 5 or shape[3:] != (n, m):
            problems.append(f"normalised has shape {shape}, expected (I, N, L, {n}, {m})")
        elif shape[:2] != (len(self.imputers), len(self.normalisers)):
            problems.append("normalised's first two axes must match imputers x normalisers")
        elif shape[2] not in (1, m + 1):
            problems.append(f"normalised's leave-one-out axis must have 1 or {m + 1} entries")
        pillar_of = np.asarray(self.pillar_of)
        if pillar_of.shape != (m,) or (m and (pillar_of.min() < 0 or pillar_of.max() >= p)):
            problems.append(f"pillar_of must be {m} ints in [0, {p})")
        n_l = shape[2] if len(shape) == 5 else 1
        if np.shape(self.eligible_fixed) != (n_l, n):
            problems.append(f"eligible_fixed must have shape ({n_l}, {n})")
        if np.shape(self.tie_order) != (n_l, n):
            problems.append(f"tie_order must have shape ({n_l}, {n})")
        if not (1 <= self.k):
            problems.append(f"k must be >= 1; got {self.k}")
        if np.any(np.asarray(self.within_weights) < 0) or np.any(
            np.asarray(self.pillar_weights) < 0
        ):
            problems.append("weights must be >= 0")
        for alt in self.aggregators_within:
            if len(alt) != p:
                problems.append(f"each pillar-level aggregation alternative needs {p} entries")
        if problems:
            raise InputError("Invalid robustness problem: " + "; ".join(problems) + ".")

    @property
    def n(self) -> int:
        return len(self.region_codes)

    @property
    def n_variants(self) -> int:
        """Leave-one-out variants ``L`` (1 when leave-one-out is not prepared)."""
        return int(np.shape(self.normalised)[2])


# ---------------------------------------------------------------------------------------------------
# Factors, draw plans
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One column block of the unit sample: ``name``, ``group`` (for Sobol), ``size`` (columns)."""

    name: str
    group: str
    size: int


def factor_layout(problem: RobustnessProblem, settings: UncertaintySettings) -> list[Factor]:
    """The random factors of a problem under settings, in column order of the unit sample.

    Weights form one group (``"weights"``) however many columns they take; every method choice,
    threshold, the noise seed and the left-out indicator is its own group.
    """
    factors: list[Factor] = []
    if settings.weights != "none":
        if settings.weight_level in ("pillars", "both") and len(problem.pillars) > 1:
            factors.append(Factor("pillar_weights", "weights", len(problem.pillars)))
        if settings.weight_level in ("indicators", "both") and len(problem.indicators) > len(
            problem.pillars
        ):
            factors.append(Factor("indicator_weights", "weights", len(problem.indicators)))
    if settings.methods and len(problem.imputers) > 1:
        factors.append(Factor("imputation", "imputation", 1))
    if settings.methods and len(problem.normalisers) > 1:
        factors.append(Factor("normalisation", "normalisation", 1))
    if settings.methods and len(problem.aggregators_within) > 1:
        factors.append(Factor("aggregation_pillars", "aggregation_pillars", 1))
    if settings.methods and len(problem.aggregators_across) > 1:
        factors.append(Factor("aggregation_index", "aggregation_index", 1))
    rule_ids = {r.rule_id for r in problem.threshold_rules}
    for rid in sorted(settings.thresholds):
        if rid in rule_ids:
            factors.append(Factor(f"threshold:{rid}", f"threshold:{rid}", 1))
    if settings.noise > 0:
        factors.append(Factor("noise", "noise", 1))
    if settings.leave_one_out > 0 and problem.n_variants > 1:
        factors.append(Factor("leave_one_out", "leave_one_out", 1))
    return factors


@dataclass(frozen=True)
class DrawPlan:
    """Parameters of every draw (row ``d``), shared by the vectorised and the reference paths.

    ``within_weights`` (D, m) sum to 1 within each pillar and are zero for a left-out indicator;
    ``pillar_weights`` (D, P) sum to 1 (a pillar emptied by leave-one-out gets 0). ``imputer``,
    ``normaliser``, ``agg_within``, ``agg_across`` index the problem's alternatives; ``thresholds``
    (D, R) follow ``problem.threshold_rules``; ``left_out`` is -1 for none; ``noise_seed`` -1 for none.
    """

    within_weights: np.ndarray
    pillar_weights: np.ndarray
    imputer: np.ndarray
    normaliser: np.ndarray
    agg_within: np.ndarray
    agg_across: np.ndarray
    thresholds: np.ndarray
    left_out: np.ndarray
    noise_seed: np.ndarray
    noise: float = 0.0

    _ROW_FIELDS = (
        "within_weights",
        "pillar_weights",
        "imputer",
        "normaliser",
        "agg_within",
        "agg_across",
        "thresholds",
        "left_out",
        "noise_seed",
    )

    @property
    def draws(self) -> int:
        return self.within_weights.shape[0]

    def take(self, rows) -> DrawPlan:
        """Sub-plan of the given rows."""
        rows = np.asarray(rows)
        kw = {name: getattr(self, name)[rows] for name in self._ROW_FIELDS}
        return DrawPlan(noise=self.noise, **kw)


def _normalise_within(w: np.ndarray, pillar_of: np.ndarray, n_pillars: int) -> np.ndarray:
    """Scale indicator weights to sum 1 within each pillar (rows of ``w``)."""
    onehot = np.eye(n_pillars)[pillar_of]  # (m, P)
    per_ind = (w @ onehot) @ onehot.T  # (D, m): the pillar total of each indicator's pillar
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(per_ind > 0, w / np.where(per_ind > 0, per_ind, 1.0), 0.0)


def _weights_from_unit(u: np.ndarray, nominal: np.ndarray, settings: UncertaintySettings, groups):
    """Map uniforms (D, k) to weights around ``nominal`` (k,), normalised within each group.

    Notes
    -----
    Dirichlet: ``g_j = F^{-1}_{Gamma(a_j, 1)}(u_j)``, ``a_j = c * w0_j`` (w0 normalised within its
    group), ``w_j = g_j / sum_group g``: a Dirichlet(``c w0``) vector per group (Gamma representation).
    Bounds: ``w_j = w0_j (1 + b (2 u_j - 1))``, then normalised within the group.
    """
    u = np.clip(u, 1e-12, 1 - 1e-12)
    w0 = np.asarray(nominal, dtype=float)
    out = np.zeros_like(u)
    for members in groups:
        if len(members) == 0:
            continue
        base = w0[members]
        tot = base.sum()
        if tot <= 0:
            continue
        base = base / tot
        uu = u[:, members]
        if settings.weights == "dirichlet":
            shape = settings.concentration * base
            g = np.where(shape > 0, stats.gamma.ppf(uu, np.where(shape > 0, shape, 1.0)), 0.0)
        else:
            g = base * (1.0 + settings.bound * (2.0 * uu - 1.0))
        s = g.sum(axis=1, keepdims=True)
        out[:, members] = np.where(s > 0, g / np.where(s > 0, s, 1.0), base)
    return out


def plan_from_unit(
    problem: RobustnessProblem, settings: UncertaintySettings, unit: np.ndarray
) -> DrawPlan:
    """Map a unit-hypercube sample ``(D, K)`` (columns as in :func:`factor_layout`) to a draw plan.

    Notes
    -----
    A discrete factor with ``L`` levels takes level ``floor(u L)``; a threshold is ``low + u (high -
    low)``; the noise seed is ``floor(u 2^62)``; leave-one-out with probability ``p`` drops indicator
    ``floor((u - (1 - p)) / p * m)`` when ``u >= 1 - p``.
    """
    unit = np.atleast_2d(np.asarray(unit, dtype=float))
    layout = factor_layout(problem, settings)
    k_cols = sum(f.size for f in layout)
    if unit.shape[1] != k_cols:
        raise InputError(
            f"The unit sample has {unit.shape[1]} columns; the factor layout needs {k_cols} "
            f"({', '.join(f.name for f in layout) or 'no factors'})."
        )
    d = unit.shape[0]
    m, p = len(problem.indicators), len(problem.pillars)
    cols: dict[str, np.ndarray] = {}
    start = 0
    for f in layout:
        cols[f.name] = unit[:, start : start + f.size]
        start += f.size

    def level(name, count):
        if name not in cols:
            return np.zeros(d, dtype=np.int64)
        return np.minimum((cols[name][:, 0] * count).astype(np.int64), count - 1)

    pillar_of = np.asarray(problem.pillar_of)
    within0 = _normalise_within(
        np.asarray(problem.within_weights, dtype=float)[None, :], pillar_of, p
    )[0]
    pw0 = np.asarray(problem.pillar_weights, dtype=float)
    pw0 = pw0 / pw0.sum() if pw0.sum() > 0 else np.full(p, 1.0 / p)

    if "indicator_weights" in cols:
        groups = [np.flatnonzero(pillar_of == j) for j in range(p)]
        within = _weights_from_unit(cols["indicator_weights"], within0, settings, groups)
    else:
        within = np.broadcast_to(within0, (d, m)).copy()
    if "pillar_weights" in cols:
        pillar = _weights_from_unit(cols["pillar_weights"], pw0, settings, [np.arange(p)])
    else:
        pillar = np.broadcast_to(pw0, (d, p)).copy()

    left_out = np.full(d, -1, dtype=np.int64)
    if "leave_one_out" in cols:
        prob = settings.leave_one_out
        u = cols["leave_one_out"][:, 0]
        drop = u >= 1.0 - prob
        idx = np.minimum(((u - (1.0 - prob)) / prob * m).astype(np.int64), m - 1)
        left_out = np.where(drop, np.maximum(idx, 0), -1)
        rows = np.flatnonzero(left_out >= 0)
        within[rows, left_out[rows]] = 0.0
        within = _normalise_within(within, pillar_of, p)
        # a pillar whose only indicator was dropped loses its weight
        alive = (within @ np.eye(p)[pillar_of]) > 0
        pillar = np.where(alive, pillar, 0.0)
        s = pillar.sum(axis=1, keepdims=True)
        pillar = np.where(s > 0, pillar / np.where(s > 0, s, 1.0), pillar)

    rules = problem.threshold_rules
    thresholds = np.empty((d, len(rules)))
    for i, rule in enumerate(rules):
        name = f"threshold:{rule.rule_id}"
        if name in cols:
            lo, hi = settings.thresholds[rule.rule_id]
            thresholds[:, i] = float(lo) + cols[name][:, 0] * (float(hi) - float(lo))
        else:
            thresholds[:, i] = rule.threshold

    if "noise" in cols:
        noise_seed = np.floor(cols["noise"][:, 0] * 2.0**62).astype(np.int64)
    else:
        noise_seed = np.full(d, -1, dtype=np.int64)

    return DrawPlan(
        within_weights=within,
        pillar_weights=pillar,
        imputer=level("imputation", len(problem.imputers)),
        normaliser=level("normalisation", len(problem.normalisers)),
        agg_within=level("aggregation_pillars", len(problem.aggregators_within)),
        agg_across=level("aggregation_index", len(problem.aggregators_across)),
        thresholds=thresholds,
        left_out=left_out,
        noise_seed=noise_seed,
        noise=float(settings.noise),
    )


def draw_plan(
    problem: RobustnessProblem, settings: UncertaintySettings, draws: int, seed: int
) -> DrawPlan:
    """Monte Carlo plan: i.i.d. uniforms from ``default_rng(seed)`` mapped by :func:`plan_from_unit`."""
    if int(draws) < 1:
        raise InputError(f"The number of draws must be >= 1. Got {draws}.")
    k_cols = sum(f.size for f in factor_layout(problem, settings))
    unit = np.random.default_rng(seed).random((int(draws), k_cols))
    return plan_from_unit(problem, settings, unit)


def nominal_plan(problem: RobustnessProblem) -> DrawPlan:
    """The one-draw plan of the nominal spec (nominal weights, first method alternatives, nominal
    thresholds, no noise, no indicator left out)."""
    none = UncertaintySettings()
    k_cols = sum(f.size for f in factor_layout(problem, none))
    return plan_from_unit(problem, none, np.zeros((1, k_cols)))


# ---------------------------------------------------------------------------------------------------
# Selection on arrays
# ---------------------------------------------------------------------------------------------------


def _greedy_scan(order, ok_sorted, k, q: QuotaArrays):
    """The engine's greedy quota selection (``selection.select_cohort``), vectorised over draws.

    Walks down the sorted positions once for all draws at the same time; accepts a region unless its
    province is full, its type is at its maximum, or accepting it would leave fewer places than the
    unmet minima need.
    """
    c, n = order.shape
    rows = np.arange(c)
    taken = np.zeros((c, n), dtype=bool)
    count = np.zeros(c, dtype=np.int64)
    n_prov = int(q.province.max()) + 1 if q.province.size else 1
    prov_count = np.zeros((c, n_prov), dtype=np.int64)
    n_types = len(q.type_min)
    type_count = np.zeros((c, n_types), dtype=np.int64)
    nj = np.zeros(c, dtype=np.int64)
    tmin = np.asarray(q.type_min, dtype=np.int64)[None, :]
    tmax = np.asarray(q.type_max, dtype=np.int64)
    last = int(ok_sorted.sum(axis=1).max()) if c else 0
    for pos in range(last):
        active = ok_sorted[:, pos] & (count < k)
        if not active.any():
            if (count >= k).all():
                break
            continue
        r = order[:, pos]
        pr, t, out = q.province[r], q.type_labels[r], q.outside[r].astype(np.int64)
        acc = active
        if q.max_per_province is not None:
            acc = acc & (prov_count[rows, pr] < q.max_per_province)
        acc = acc & (type_count[rows, t] < tmax[t])
        left = k - count - 1
        need_nj = np.maximum(0, q.min_outside - nj - out)
        tc = type_count.copy()
        tc[rows, t] += 1
        need_t = np.maximum(tmin - tc, 0).sum(axis=1)
        acc = acc & (np.maximum(need_nj, need_t) <= left)
        idx = np.flatnonzero(acc)
        taken[idx, pos] = True
        count[idx] += 1
        prov_count[idx, pr[idx]] += 1
        type_count[idx, t[idx]] += 1
        nj[idx] += out[idx]
    return taken


def select_top_k(
    scores: np.ndarray,
    eligible: np.ndarray,
    k: int,
    tie_order: np.ndarray,
    quotas: QuotaArrays | None = None,
):
    """Select ``k`` regions per row among the eligible by descending score, with the engine's quotas.

    Parameters
    ----------
    scores : ndarray, shape (C, n)
        Scores (NaN = no score, never selected).
    eligible : ndarray of bool, shape (C, n)
    k : int
    tie_order : ndarray of int, shape (n,) or (C, n)
        Lower value wins a tie of equal scores.
    quotas : QuotaArrays, optional

    Returns
    -------
    selected : ndarray of bool, shape (C, n)
        Exactly ``min(k, number of eligible regions with a score)`` per row without quotas; with
        quotas, fewer only when the greedy walk cannot meet them.
    rank : ndarray of int32, shape (C, n)
        1-based place in the selection order among eligible regions with a score (0 = not ranked).

    Notes
    -----
    Order: descending score, then ``tie_order`` (lexicographic, as ``selection.selection_order``).
    Without quotas the first ``k`` are selected; with quotas the greedy walk of
    ``selection.select_cohort`` is applied to every row at once.
    """
    scores = np.asarray(scores, dtype=float)
    ok = np.asarray(eligible, dtype=bool) & ~np.isnan(scores)
    c, n = scores.shape
    tie = np.broadcast_to(np.asarray(tie_order), (c, n))
    key = np.where(ok, -scores, np.inf)
    order = np.lexsort((tie, key), axis=-1)  # (C, n) regions best first
    ok_sorted = np.take_along_axis(ok, order, axis=1)
    pos = np.cumsum(ok_sorted, axis=1)
    rank = np.zeros((c, n), dtype=np.int32)
    np.put_along_axis(rank, order, np.where(ok_sorted, pos, 0).astype(np.int32), axis=1)
    if quotas is None:
        taken_sorted = ok_sorted & (pos <= k)
    else:
        taken_sorted = _greedy_scan(order, ok_sorted, int(k), quotas)
    selected = np.zeros((c, n), dtype=bool)
    np.put_along_axis(selected, order, taken_sorted, axis=1)
    return selected, rank


# ---------------------------------------------------------------------------------------------------
# Evaluation
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawOutcome:
    """Per-draw results: ``selected``, ``eligible`` (bool, D x n) and ``rank`` (int32, 0 = unranked)."""

    selected: np.ndarray
    eligible: np.ndarray
    rank: np.ndarray


def _aggregate(values, weights, choice, min_coverage):
    from smartcity_analysis.aggregation import aggregate

    name, kwargs = choice
    return aggregate(values, weights, name, min_coverage=min_coverage, **dict(kwargs))


def noise_factors(seed: int, shape: tuple, relative: float) -> np.ndarray:
    """Multiplicative noise ``1 + relative * z`` of one draw, ``z ~ N(0, 1)`` from ``default_rng(seed)``."""
    return 1.0 + relative * np.random.default_rng(int(seed)).standard_normal(shape)


def apply_noise(treated: np.ndarray, factors: np.ndarray, transforms) -> np.ndarray:
    """Apply multiplicative noise on the published scale to values on the treated scale.

    Notes
    -----
    No transform: ``x (1 + e)``; ``log``: ``x + log(1 + e)``; ``log1p``: ``log1p(expm1(x) (1 + e))``
    (NaN where the noisy value leaves the transform's domain).
    """
    out = np.array(treated, dtype=float, copy=True)
    for j, tr in enumerate(transforms or (None,) * out.shape[-1]):
        f = factors[..., j]
        with np.errstate(invalid="ignore", divide="ignore"):
            if tr is None:
                out[..., j] = out[..., j] * f
            elif tr == "log":
                out[..., j] = out[..., j] + np.log(np.where(f > 0, f, np.nan))
            elif tr == "log1p":
                v = np.expm1(out[..., j]) * f
                out[..., j] = np.log1p(np.where(v > -1, v, np.nan))
            else:
                raise InputError(f"Unknown transform {tr!r} of indicator {j}.")
    return out


def normalise_groups(values: np.ndarray, groups, directions) -> np.ndarray:
    """Normalise ``values (..., n, m)`` column group by column group with the engine's normalisers."""
    from smartcity_analysis.normalisation import NORMALISERS

    out = np.full(values.shape, np.nan)
    d = np.asarray(directions, dtype=float)
    for cols, name, kwargs in groups:
        cols = list(cols)
        out[..., cols] = NORMALISERS[name](values[..., cols], d[cols], **dict(kwargs))
    return out


def _noisy_normalised(problem: RobustnessProblem, plan: DrawPlan, rows: np.ndarray) -> np.ndarray:
    """Normalised values under value noise for the draws ``rows`` -> (C, n, m)."""
    if problem.treated is None or problem.normaliser_groups is None:
        raise ComputationError(
            "Value noise needs the treated (pre-normalisation) values and the normaliser groups in "
            "the problem; build it with problem_from_spec()."
        )
    n, m = problem.n, len(problem.indicators)
    variant = plan.left_out[rows] + 1 if problem.n_variants > 1 else np.zeros(len(rows), int)
    base = problem.treated[plan.imputer[rows], variant]  # (C, n, m)
    factors = np.stack([noise_factors(plan.noise_seed[r], (n, m), plan.noise) for r in rows])
    noisy = apply_noise(base, factors, problem.transforms)
    out = np.empty((len(rows), n, m))
    directions = np.ones(m) if problem.directions is None else problem.directions
    for j, groups in enumerate(problem.normaliser_groups):
        sel = plan.normaliser[rows] == j
        if sel.any():
            out[sel] = normalise_groups(noisy[sel], groups, directions)
    return out


def _variants(problem: RobustnessProblem, plan: DrawPlan, rows: np.ndarray) -> np.ndarray:
    if problem.n_variants == 1:
        if np.any(plan.left_out[rows] >= 0):
            raise ComputationError(
                "The plan leaves indicators out but the problem has no leave-one-out variants; build "
                "the problem with leave_one_out enabled."
            )
        return np.zeros(len(rows), dtype=np.int64)
    return plan.left_out[rows] + 1


def _scores_chunk(problem: RobustnessProblem, plan: DrawPlan, rows: np.ndarray) -> np.ndarray:
    """Index scores (C, n) for the draws ``rows``."""
    variant = _variants(problem, plan, rows)
    if plan.noise > 0 and np.any(plan.noise_seed[rows] >= 0):
        values = _noisy_normalised(problem, plan, rows)
    else:
        values = problem.normalised[plan.imputer[rows], plan.normaliser[rows], variant]  # (C, n, m)
    c, n, _ = values.shape
    p = len(problem.pillars)
    pillar_of = np.asarray(problem.pillar_of)
    within = plan.within_weights[rows]  # (C, m)
    pillar_scores = np.empty((c, n, p))
    members = [np.flatnonzero(pillar_of == j) for j in range(p)]
    for a_idx, alternative in enumerate(problem.aggregators_within):
        sel = np.flatnonzero(plan.agg_within[rows] == a_idx)
        if sel.size == 0:
            continue
        for j in range(p):
            pillar_scores[sel, :, j] = _aggregate(
                values[sel][:, :, members[j]],
                within[sel][:, members[j]],
                alternative[j],
                problem.min_coverage_within,
            )
    pw = plan.pillar_weights[rows]
    scores = np.empty((c, n))
    for a_idx, choice in enumerate(problem.aggregators_across):
        sel = np.flatnonzero(plan.agg_across[rows] == a_idx)
        if sel.size == 0:
            continue
        scores[sel] = _aggregate(pillar_scores[sel], pw[sel], choice, problem.min_coverage_across)
    return scores


def eligibility(problem: RobustnessProblem, plan: DrawPlan, rows: np.ndarray) -> np.ndarray:
    """Eligibility ``(C, n)`` of the draws ``rows``: fixed rules and pool, then drawn thresholds."""
    variant = _variants(problem, plan, rows)
    elig = np.asarray(problem.eligible_fixed, dtype=bool)[variant].copy()
    for i, rule in enumerate(problem.threshold_rules):
        elig &= rule.passes(plan.thresholds[rows, i], variant)
    return elig


def evaluate_plan(
    problem: RobustnessProblem,
    plan: DrawPlan,
    *,
    chunk_size: int = 1024,
    progress: bool = False,
    return_scores: bool = False,
):
    """Vectorised evaluation of every draw of a plan.

    Parameters
    ----------
    problem : RobustnessProblem
    plan : DrawPlan
    chunk_size : int
        Draws per chunk; memory is about ``chunk_size * n * m * 8 * 6`` bytes.
    progress : bool
        Show a tqdm progress bar over chunks.
    return_scores : bool
        Also return the (D, n) score matrix.

    Returns
    -------
    DrawOutcome, or (DrawOutcome, ndarray) with ``return_scores``.

    Notes
    -----
    Per draw: values of the drawn (imputation, normalisation, left-out) variant (noisy and
    re-normalised when value noise is on), pillar scores with the drawn pillar-level aggregation and
    within-pillar weights, index with the drawn index-level aggregation and pillar weights (the engine's
    own aggregators, so ``min_coverage`` and missing values behave as in ``build_index``), eligibility
    with the drawn thresholds, then :func:`select_top_k`.
    """
    d, n = plan.draws, problem.n
    selected = np.zeros((d, n), dtype=bool)
    eligible = np.zeros((d, n), dtype=bool)
    rank = np.zeros((d, n), dtype=np.int32)
    all_scores = np.empty((d, n)) if return_scores else None
    chunk = max(int(chunk_size), 1)
    starts = range(0, d, chunk)
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc="robustness draws", unit="chunk", total=len(starts))
    tie = np.asarray(problem.tie_order)
    for s in starts:
        rows = np.arange(s, min(s + chunk, d))
        scores = _scores_chunk(problem, plan, rows)
        elig = eligibility(problem, plan, rows)
        sel, rk = select_top_k(
            scores, elig, problem.k, tie[_variants(problem, plan, rows)], problem.quotas
        )
        selected[rows], eligible[rows], rank[rows] = sel, elig, rk
        if return_scores:
            all_scores[rows] = scores
    outcome = DrawOutcome(selected=selected, eligible=eligible, rank=rank)
    return (outcome, all_scores) if return_scores else outcome


# ---------------------------------------------------------------------------------------------------
# Summaries
# ---------------------------------------------------------------------------------------------------


def classify(p_selected) -> np.ndarray:
    """Robustness class per region: ``robustly_in`` (P >= 0.95), ``robustly_out`` (P <= 0.05),
    else ``contestable``."""
    p = np.asarray(p_selected, dtype=float)
    return np.where(
        p >= ROBUST_IN, "robustly_in", np.where(p <= ROBUST_OUT, "robustly_out", "contestable")
    )


def jaccard_to(selected: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Jaccard similarity of each row of ``selected`` (D, n) to the ``reference`` set (n,).

    Notes
    -----
    ``J(A, B) = |A & B| / |A | B|`` (1 when both are empty).
    """
    ref = np.asarray(reference, dtype=bool)[None, :]
    inter = (selected & ref).sum(axis=1)
    union = (selected | ref).sum(axis=1)
    return np.where(union > 0, inter / np.maximum(union, 1), 1.0)


def _rank_quantiles(rank: np.ndarray, qs=(0.05, 0.5, 0.95)) -> np.ndarray:
    """Quantiles of ranks per region over the draws where the region is ranked (rank > 0)."""
    r = np.where(rank > 0, rank.astype(float), np.nan)
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanquantile(r, qs, axis=0, method="linear")


def summarise(
    problem: RobustnessProblem,
    outcome: DrawOutcome,
    nominal: DrawOutcome,
) -> tuple[pd.DataFrame, dict]:
    """Per-region table and cohort summary of a Monte Carlo run.

    Returns
    -------
    regions : DataFrame
        Index ``region_code``; columns ``p_eligible, p_selected, rank_median, rank_p05, rank_p95,
        robustness_class, nominal_selected, expected_selected``. Ranks are 1-based ranks among
        eligible regions with a score, over the draws where the region is eligible (NaN if never).
    summary : dict
        ``cohort, k, draws, mean_jaccard, jaccard_p05, jaccard_p50, jaccard_p95,
        n_robustly_in, n_contestable, n_robustly_out, expected_selected (list), contestable (list,
        by descending P), nominal_selected (list), min_selected, max_selected``.

    Notes
    -----
    The expected selected set is the ``k`` regions with the highest P(selected) (ties by the spec's tie
    order); ``sum_i P_i = E|S| = k`` when every draw selects ``k``.
    """
    sel = outcome.selected
    d = sel.shape[0]
    p_sel = sel.mean(axis=0)
    p_elig = outcome.eligible.mean(axis=0)
    q05, q50, q95 = _rank_quantiles(outcome.rank)
    codes = list(problem.region_codes)
    nominal_sel = nominal.selected[0]
    tie = np.asarray(problem.tie_order)[0]
    order = np.lexsort((tie, -p_sel))
    expected = np.zeros(problem.n, dtype=bool)
    expected[order[: problem.k]] = True
    expected &= p_sel > 0
    cls = classify(p_sel)
    table = pd.DataFrame(
        {
            "p_eligible": p_elig,
            "p_selected": p_sel,
            "rank_median": q50,
            "rank_p05": q05,
            "rank_p95": q95,
            "robustness_class": cls,
            "nominal_selected": nominal_sel,
            "expected_selected": expected,
        },
        index=pd.Index(codes, name="region_code"),
    )
    jac = jaccard_to(sel, nominal_sel)
    n_sel = sel.sum(axis=1)
    contest = [codes[i] for i in order if cls[i] == "contestable"]
    summary = {
        "cohort": problem.cohort,
        "k": int(problem.k),
        "draws": int(d),
        "mean_jaccard": float(jac.mean()),
        "jaccard_p05": float(np.quantile(jac, 0.05)),
        "jaccard_p50": float(np.quantile(jac, 0.5)),
        "jaccard_p95": float(np.quantile(jac, 0.95)),
        "n_robustly_in": int((cls == "robustly_in").sum()),
        "n_contestable": int((cls == "contestable").sum()),
        "n_robustly_out": int((cls == "robustly_out").sum()),
        "min_selected": int(n_sel.min()),
        "max_selected": int(n_sel.max()),
        "expected_selected": [codes[i] for i in order[: problem.k] if expected[i]],
        "contestable": contest,
        "nominal_selected": [codes[i] for i in np.flatnonzero(nominal_sel)],
    }
    return table, summary


# ---------------------------------------------------------------------------------------------------
# From a spec: the problem, the settings, and the reference path over the engine's orchestrator
# ---------------------------------------------------------------------------------------------------

#: Bumped when the algorithm changes in a way that changes results (part of the cache key).
ALGORITHM_VERSION = 1


def _choice_pair(choice) -> tuple:
    """``MethodChoice`` -> hashable ``(name, ((key, value), ...))`` with thawed values."""
    return (choice.name, tuple(sorted(choice.kwargs.items())))


def _dedupe(items) -> tuple:
    out = []
    for it in items:
        if it not in out:
            out.append(it)
    return tuple(out)


def settings_from_spec(spec, n_indicators: int) -> UncertaintySettings:
    """The :class:`UncertaintySettings` declared by a spec's ``uncertainty`` block.

    ``leave_one_out: true`` becomes probability ``m / (m + 1)``: the left-out indicator is a discrete
    factor uniform over "none" and each of the ``m`` computed indicators.
    """
    u = spec.uncertainty
    if u is None:
        return UncertaintySettings()
    kw: dict = {"methods": True}
    if u.weights is not None:
        kw["weights"] = u.weights.kind
        if u.weights.concentration is not None:
            kw["concentration"] = float(u.weights.concentration)
        if u.weights.relative is not None:
            kw["bound"] = float(u.weights.relative)
        kw["weight_level"] = u.weights.level
    kw["thresholds"] = {rid: (float(lo), float(hi)) for rid, lo, hi in u.thresholds}
    kw["noise"] = float(u.noise_relative or 0.0)
    if u.leave_one_out and n_indicators > 1:
        kw["leave_one_out"] = n_indicators / (n_indicators + 1.0)
    return UncertaintySettings(**kw)


@dataclass(frozen=True)
class SpecContext:
    """What the reference path and the reports need besides the arrays.

    ``base_spec`` is the spec reduced to the one cohort (with the pool of a ``model`` run frozen at the
    nominal earlier picks); ``imputers``/``normalisers``/``agg_pillars``/``agg_index`` are the
    ``MethodChoice`` alternatives behind the problem's indices (``agg_pillars[0]`` is ``None``: the
    nominal per-pillar methods); ``frames`` the wide data per data year; ``nominal`` the engine's
    nominal per-region table of the cohort; ``data_hash`` a hash of the data used.
    """

    spec: object
    base_spec: object
    cohort: object
    imputers: tuple
    normalisers: tuple
    agg_pillars: tuple
    agg_index: tuple
    frames: dict
    regions: pd.DataFrame
    cohorts: pd.DataFrame | None
    nominal: pd.DataFrame
    data_hash: str


def _variant_spec(
    base,
    *,
    imputation=None,
    normalisation=None,
    left_out=None,
    agg_pillars=None,
    agg_index=None,
    within=None,
    pillar_weights=None,
):
    """A variant of ``base`` (``dataclasses.replace``, never mutation) with the given choices.

    ``within``: ``{indicator: weight}``; ``pillar_weights``: ``{pillar: weight}``; both make the
    weighting explicit. ``left_out``: an indicator code declared unavailable.
    """
    from dataclasses import replace

    from smartcity_analysis.spec import MethodChoice

    methods = base.methods
    changes = {}
    if imputation is not None:
        changes["imputation"] = imputation
    if normalisation is not None:
        changes["normalisation"] = normalisation
    if agg_index is not None:
        changes["aggregation_index"] = agg_index
    if agg_pillars is not None:
        changes["aggregation_pillars"] = agg_pillars
    if within is not None:
        changes["weighting_indicators"] = MethodChoice("explicit")
    if pillar_weights is not None:
        changes["weighting_pillars"] = MethodChoice("explicit")
    methods = replace(methods, **changes)
    pillars = []
    for p in base.pillars:
        kw = {}
        if agg_pillars is not None:
            kw["aggregation"] = None
        if pillar_weights is not None and p.id in pillar_weights:
            kw["weight"] = float(pillar_weights[p.id])
        if within is not None:
            kw["indicators"] = tuple(
                (code, float(within[code]) if code in within else w) for code, w in p.indicators
            )
        pillars.append(replace(p, **kw) if kw else p)
    indicators = base.indicators
    if left_out is not None:
        indicators = tuple(
            replace(ind, availability="unavailable") if ind.code == left_out else ind
            for ind in indicators
        )
    return replace(base, methods=methods, pillars=tuple(pillars), indicators=indicators)


def _load_spec(spec):
    from smartcity_analysis.spec import Spec, load_spec

    return spec if isinstance(spec, Spec) else load_spec(spec)


def problem_from_spec(
    spec,
    cohort: int | None = None,
    *,
    frames: dict | None = None,
    regions: pd.DataFrame | None = None,
    cohorts: pd.DataFrame | None = None,
    settings: UncertaintySettings | None = None,
):
    """Prepare the arrays of one cohort of a spec for the vectorised kernel.

    Parameters
    ----------
    spec : Spec or path
    cohort : int, optional
        Cohort year (default: the spec's first cohort).
    frames : dict, optional
        ``data_year -> wide indicator frame`` (default: the real data, ``api.load_data``).
    regions, cohorts : DataFrame, optional
        Region table and actual cohorts (default: ``loaders``).
    settings : UncertaintySettings, optional
        Override the spec's ``uncertainty`` block.

    Returns
    -------
    problem : RobustnessProblem
    settings : UncertaintySettings
    context : SpecContext

    Notes
    -----
    Everything that needs the engine's step functions is computed here, once, by the engine itself:
    one ``build_index`` per (imputation alternative, normalisation alternative, left-out indicator)
    gives the normalised values (so imputation, transforms, outlier treatment, per-indicator
    normalisation overrides and exclusions are exactly the engine's); ``evaluate_eligibility`` gives
    the fixed rules; ``selection_order`` on a constant score gives the tie-breaking order. Per draw the
    kernel then only re-weights, re-aggregates (engine aggregators), re-thresholds and re-selects.

    Approximations (documented in docs/robustness.md): tie-breaking keys that are pillar scores use the
    nominal pillar scores; with ``pool.previous_cohorts: model`` the pool is the nominal run's (the
    model's earlier picks are not re-drawn); data-driven weights (PCA, entropy) are taken at their
    nominal values and perturbed from there.
    """
    from dataclasses import replace

    from smartcity_analysis import api, loaders
    from smartcity_analysis.pipeline import build_index
    from smartcity_analysis.selection import (
        JAVA,
        evaluate_eligibility,
        run_cohorts,
        selection_order,
    )
    from smartcity_analysis.spec import UncertaintySpec

    spec = _load_spec(spec)
    year = spec.cohorts[0].year if cohort is None else int(cohort)
    coh = spec.cohort(year)
    if regions is None:
        regions = loaders.load_regions()
    if cohorts is None:
        cohorts = loaders.load_cohorts()
    needed = [c for c in spec.cohorts if c.year <= year]
    if frames is None:
        frames = {c.data_year: api.load_data(spec, c.data_year) for c in needed}
    data = frames[coh.data_year]
    runs = run_cohorts(spec, until=year, indicators=frames, regions=regions, cohorts=cohorts)
    nominal_run = runs[year]
    res = nominal_run.result
    pool = spec.pool
    if pool.previous_cohorts == "model":
        earlier = [r for y, run in runs.items() if y < year for r in run.selected]
        pool = replace(
            pool,
            previous_cohorts="none",
            exclude_regions=tuple(pool.exclude_regions) + tuple(sorted(set(earlier))),
        )
    base = replace(spec, cohorts=(coh,), pool=pool)

    codes = list(res.index.index.astype(str))
    cols = list(res.normalised.columns)
    m = len(cols)
    w = res.weights.set_index("indicator")
    pillars = list(res.pillar_scores.columns)
    pillar_of = np.array([pillars.index(w.loc[c, "pillar"]) for c in cols], dtype=np.int64)
    within0 = np.array([float(w.loc[c, "weight_in_pillar"]) for c in cols])
    pw_of = w.groupby("pillar")["pillar_weight"].first()
    pw0 = np.array([float(pw_of[p]) for p in pillars])

    if settings is None:
        settings = settings_from_spec(spec, m)
    u = spec.uncertainty or UncertaintySpec()
    imputers = _dedupe((spec.methods.imputation,) + tuple(u.imputations))
    normalisers = _dedupe((spec.methods.normalisation,) + tuple(u.normalisations))
    pillar_spec = {p.id: p for p in spec.pillars}
    nominal_within = tuple(
        _choice_pair(pillar_spec[p].aggregation or spec.methods.aggregation_pillars)
        for p in pillars
    )
    agg_pillars, agg_within = [None], [nominal_within]
    for alt in u.aggregations_pillars:
        pair = tuple(_choice_pair(alt) for _ in pillars)
        if pair not in agg_within:
            agg_within.append(pair)
            agg_pillars.append(alt)
    agg_index = _dedupe((spec.methods.aggregation_index,) + tuple(u.aggregations_index))

    loo = settings.leave_one_out > 0 and m > 1
    left_options = [None] + (cols if loo else [])
    n_l = len(left_options)
    n = len(codes)
    normalised = np.full((len(imputers), len(normalisers), n_l, n, m), np.nan)
    need_noise = settings.noise > 0
    treated = np.full((len(imputers), n_l, n, m), np.nan) if need_noise else None
    builds = {}
    for i, imp in enumerate(imputers):
        for j, nrm in enumerate(normalisers):
            for lo, code in enumerate(left_options):
                if i == 0 and j == 0 and lo == 0:
                    r = res
                else:
                    vs = _variant_spec(base, imputation=imp, normalisation=nrm, left_out=code)
                    r = build_index(
                        data, vs, regions=regions, data_year=coh.data_year, diagnostics=False
                    )
                if list(r.normalised.index.astype(str)) != codes:
                    raise ComputationError(
                        "A variant index build returned a different set of regions; cannot stack it."
                    )
                normalised[i, j, lo] = r.normalised.reindex(columns=cols).to_numpy(dtype=float)
                if need_noise and j == 0:
                    treated[i, lo] = r.treated.reindex(columns=cols).to_numpy(dtype=float)
                if i == 0 and j == 0:
                    builds[lo] = r

    in_pool = nominal_run.table.set_index("region_code")["in_pool"].reindex(codes).to_numpy(bool)
    uncertain = set(settings.thresholds)
    fixed_spec_rules = tuple(r for r in spec.eligibility if r.id not in uncertain)
    eligible_fixed = np.zeros((n_l, n), dtype=bool)
    tie_order = np.zeros((n_l, n), dtype=np.int64)
    rule_values = {r.id: np.full((n_l, n), np.nan) for r in spec.eligibility if r.id in uncertain}
    rule_active = {rid: np.ones(n_l, dtype=bool) for rid in rule_values}
    for lo in range(n_l):
        r = builds[lo]
        fixed_spec = replace(base, eligibility=fixed_spec_rules)
        elig, _, _ = evaluate_eligibility(fixed_spec, r.raw, regions)
        eligible_fixed[lo] = elig.reindex(codes).fillna(False).to_numpy(bool) & in_pool
        values = pd.concat([r.raw, r.pillar_scores], axis=1)
        zero = pd.Series(0.0, index=pd.Index(codes))
        order = selection_order(zero, codes, spec.tie_breaking, values=values)
        pos = {c: k for k, c in enumerate(order)}
        tie_order[lo] = [pos[c] for c in codes]
        for rule in spec.eligibility:
            if rule.id not in uncertain:
                continue
            if rule.kind == "threshold":
                if rule.indicator in r.raw.columns:
                    rule_values[rule.id][lo] = r.raw[rule.indicator].reindex(codes).to_numpy(float)
                else:
                    rule_active[rule.id][lo] = False
            elif rule.kind == "completeness":
                share = r.raw.notna().mean(axis=1).reindex(codes).to_numpy(float)
                rule_values[rule.id][lo] = share + 1e-12
    rules = []
    for rule in spec.eligibility:
        if rule.id not in uncertain:
            continue
        if rule.kind == "threshold":
            rules.append(
                ThresholdRule(
                    rule.id,
                    rule_values[rule.id],
                    rule.op,
                    float(rule.value),
                    missing_passes=rule.if_missing == "pass",
                    active=rule_active[rule.id],
                )
            )
        elif rule.kind == "completeness":
            rules.append(ThresholdRule(rule.id, rule_values[rule.id], ">=", float(rule.min_share)))

    quotas = None
    if spec.quotas.active:
        reg = regions.reindex(codes)
        prov_labels, _ = pd.factorize(reg["province_code"].astype(str))
        type_names = sorted(
            set(reg["type"].dropna().astype(str)) | {t.type for t in spec.quotas.type_mix}
        )
        type_labels = np.array(
            [type_names.index(t) if t in type_names else 0 for t in reg["type"].astype(str)]
        )
        tmin = np.zeros(len(type_names), dtype=np.int64)
        tmax = np.full(len(type_names), n + coh.size + 1, dtype=np.int64)
        for tm in spec.quotas.type_mix:
            if tm.min_share is not None:
                tmin[type_names.index(tm.type)] = int(np.ceil(tm.min_share * coh.size - 1e-9))
            if tm.max_share is not None:
                tmax[type_names.index(tm.type)] = int(np.floor(tm.max_share * coh.size + 1e-9))
        share_nj = spec.quotas.min_share_outside_java
        quotas = QuotaArrays(
            province=prov_labels.astype(np.int64),
            type_labels=type_labels.astype(np.int64),
            type_min=tmin,
            type_max=tmax,
            outside=(reg["island_group"] != JAVA).to_numpy(bool),
            min_outside=int(np.ceil(share_nj * coh.size - 1e-9)) if share_nj else 0,
            max_per_province=spec.quotas.max_per_province,
        )

    groups = []
    for nrm in normalisers:
        g: dict = {}
        for k_col, c in enumerate(cols):
            choice = spec.indicator(c).normalisation or nrm
            g.setdefault(_choice_pair(choice), []).append(k_col)
        groups.append(tuple((tuple(v), key[0], key[1]) for key, v in g.items()))

    problem = RobustnessProblem(
        region_codes=tuple(codes),
        indicators=tuple(cols),
        pillars=tuple(pillars),
        pillar_of=pillar_of,
        within_weights=within0,
        pillar_weights=pw0,
        normalised=normalised,
        imputers=tuple(i.name for i in imputers),
        normalisers=tuple(x.name for x in normalisers),
        aggregators_within=tuple(agg_within),
        aggregators_across=tuple(_choice_pair(a) for a in agg_index),
        eligible_fixed=eligible_fixed,
        k=int(coh.size),
        tie_order=tie_order,
        threshold_rules=tuple(rules),
        quotas=quotas,
        min_coverage_within=float(spec.methods.min_coverage_pillars),
        min_coverage_across=float(spec.methods.min_coverage_index),
        treated=treated,
        transforms=tuple(spec.indicator(c).transform for c in cols),
        normaliser_groups=tuple(groups),
        directions=np.array([float(spec.indicator(c).direction) for c in cols]),
        cohort=year,
    )
    data_hash = cache_key_data(frames, [c.data_year for c in needed])
    context = SpecContext(
        spec=spec,
        base_spec=base,
        cohort=coh,
        imputers=imputers,
        normalisers=normalisers,
        agg_pillars=tuple(agg_pillars),
        agg_index=agg_index,
        frames={coh.data_year: data},
        regions=regions,
        cohorts=cohorts,
        nominal=nominal_run.table,
        data_hash=data_hash,
    )
    return problem, settings, context


def cache_key_data(frames: dict, years) -> str:
    """Hash of the wide data frames of the given data years (``pipeline.hash_frame`` of each)."""
    from smartcity_analysis.pipeline import hash_frame

    return "-".join(hash_frame(frames[y]) for y in sorted(set(years)))


def _reference_noisy_draw(problem, context, vs, plan, r, thresholds):
    """One noisy draw through the engine's step functions (see :func:`evaluate_plan_reference`)."""
    from smartcity_analysis.aggregation import aggregate
    from smartcity_analysis.pipeline import build_index, normalise_frame
    from smartcity_analysis.selection import evaluate_eligibility, select_cohort, selection_order
    from smartcity_analysis.weighting import WEIGHTERS

    coh = context.cohort
    data = context.frames[coh.data_year]
    res = build_index(data, vs, regions=context.regions, data_year=coh.data_year, diagnostics=False)
    cols = list(problem.indicators)
    treated = res.treated.reindex(columns=cols).to_numpy(dtype=float)
    factors = noise_factors(plan.noise_seed[r], (problem.n, len(cols)), plan.noise)
    noisy = apply_noise(treated, factors, problem.transforms)
    noisy_df = pd.DataFrame(noisy, index=res.treated.index, columns=cols)[list(res.treated.columns)]
    normalised = normalise_frame(noisy_df, vs)
    m = vs.methods
    scores = {}
    nominal_pw = {}
    for p in vs.pillars:
        pc = [c for c in p.indicator_codes if c in normalised.columns]
        if not pc:
            continue
        vals = normalised[pc].to_numpy()
        nominal = np.array(
            [np.nan if p.indicator_weights[c] is None else p.indicator_weights[c] for c in pc]
        )
        w = WEIGHTERS[m.weighting_indicators.name](vals, nominal, **m.weighting_indicators.kwargs)
        agg = p.aggregation or m.aggregation_pillars
        scores[p.id] = aggregate(
            vals, w, agg.name, min_coverage=m.min_coverage_pillars, **agg.kwargs
        )
        nominal_pw[p.id] = np.nan if p.weight is None else p.weight
    ps = pd.DataFrame(scores, index=normalised.index)
    pnom = np.array([nominal_pw[p] for p in ps.columns])
    pw = WEIGHTERS[m.weighting_pillars.name](ps.to_numpy(), pnom, **m.weighting_pillars.kwargs)
    index = pd.Series(
        aggregate(
            ps.to_numpy(),
            pw,
            m.aggregation_index.name,
            min_coverage=m.min_coverage_index,
            **m.aggregation_index.kwargs,
        ),
        index=normalised.index,
    )
    in_pool = context.nominal.set_index("region_code")["in_pool"]
    elig, _, _ = evaluate_eligibility(vs, res.raw, context.regions, thresholds=thresholds)
    elig = elig & in_pool.reindex(elig.index).fillna(False).astype(bool)
    cand = [c for c in index.index if elig[c]]
    order = selection_order(index, cand, vs.tie_breaking, values=pd.concat([res.raw, ps], axis=1))
    return select_cohort(order, coh.size, regions=context.regions, quotas=vs.quotas), elig, order


def evaluate_plan_reference(
    problem: RobustnessProblem,
    context: SpecContext,
    plan: DrawPlan,
    *,
    progress: bool = False,
) -> DrawOutcome:
    """Reference path: one call of the engine's orchestrator per draw (slow; for tests and timing).

    Each draw becomes a variant spec (``dataclasses.replace``: the drawn imputation, normalisation and
    aggregation methods, explicit weights equal to the drawn ones, the left-out indicator declared
    unavailable) and the drawn thresholds go to ``selection.run_cohorts(..., thresholds=...)``.

    Returns
    -------
    DrawOutcome
        ``selected``, ``eligible`` (pool and rules) and ``rank`` (``position`` in the eligible order).

    Draws with value noise cannot go through ``run_cohorts`` (it takes no noise): for them the path
    re-enters the engine below the orchestrator, with the engine's own step functions on the variant
    spec: ``build_index`` for the treated values, the same noise factors (:func:`noise_factors`,
    :func:`apply_noise`), ``pipeline.normalise_frame``, the ``WEIGHTERS`` and ``aggregate`` per pillar
    and for the index (as ``build_index`` does), ``evaluate_eligibility``, ``selection_order`` (tie
    keys from the noisy pillar scores) and ``select_cohort``.
    """
    from smartcity_analysis.selection import run_cohorts

    d, n = plan.draws, problem.n
    codes = list(problem.region_codes)
    selected = np.zeros((d, n), dtype=bool)
    eligible = np.zeros((d, n), dtype=bool)
    rank = np.zeros((d, n), dtype=np.int32)
    rows = range(d)
    if progress:
        from tqdm.auto import tqdm

        rows = tqdm(rows, desc="reference draws", unit="draw")
    base = context.base_spec
    year = context.cohort.year
    for r in rows:
        lo = int(plan.left_out[r])
        within = {c: float(plan.within_weights[r, j]) for j, c in enumerate(problem.indicators)}
        pws = {p: float(plan.pillar_weights[r, j]) for j, p in enumerate(problem.pillars)}
        a_p = int(plan.agg_within[r])
        vs = _variant_spec(
            base,
            imputation=context.imputers[int(plan.imputer[r])],
            normalisation=context.normalisers[int(plan.normaliser[r])],
            left_out=problem.indicators[lo] if lo >= 0 else None,
            agg_pillars=context.agg_pillars[a_p] if a_p > 0 else None,
            agg_index=context.agg_index[int(plan.agg_across[r])],
            within=within,
            pillar_weights=pws,
        )
        thresholds = {
            rule.rule_id: float(plan.thresholds[r, i])
            for i, rule in enumerate(problem.threshold_rules)
        }
        if plan.noise > 0 and plan.noise_seed[r] >= 0:
            sel_codes, elig_s, order = _reference_noisy_draw(
                problem, context, vs, plan, r, thresholds
            )
            selected[r] = np.isin(codes, sel_codes)
            eligible[r] = elig_s.reindex(codes).fillna(False).to_numpy(bool)
            pos = {c: i + 1 for i, c in enumerate(order)}
            rank[r] = [pos.get(c, 0) for c in codes]
            continue
        run = run_cohorts(
            vs,
            indicators=context.frames,
            regions=context.regions,
            cohorts=context.cohorts,
            thresholds=thresholds,
        )[year]
        t = run.table.set_index("region_code").reindex(codes)
        selected[r] = t["selected"].to_numpy(bool)
        eligible[r] = (t["eligible"] & t["in_pool"]).to_numpy(bool)
        rank[r] = t["position"].fillna(0).to_numpy(np.int32)
    return DrawOutcome(selected=selected, eligible=eligible, rank=rank)


# ---------------------------------------------------------------------------------------------------
# One cached run per (spec, data, cohort, draws, seed): what the CLI and the reports use
# ---------------------------------------------------------------------------------------------------

#: Default number of draws and Sobol base sample when neither the call nor the spec gives one.
DEFAULT_DRAWS = 10_000
DEFAULT_SOBOL_BASE = 512

REGION_COLUMNS = [
    "name",
    "province_name",
    "type",
    "in_pool",
    "nominal_eligible",
    "nominal_selected",
    "nominal_position",
    "p_eligible",
    "p_selected",
    "rank_median",
    "rank_p05",
    "rank_p95",
    "robustness_class",
    "expected_selected",
    "possible",
    "necessary",
    "actual_cohort",
    "actual_status",
]


#: Draws whose per-region ranks are kept for plots (``RobustnessResult.rank_draws``).
RANK_DRAWS_KEPT = 1000


@dataclass(frozen=True)
class RobustnessResult:
    """A robustness run of one cohort, as stored in the cache.

    Attributes
    ----------
    regions : DataFrame
        Index ``region_code``; columns :data:`REGION_COLUMNS` (``possible``/``necessary`` are NaN when
        the LP does not apply, see ``summary["possible_note"]``). ``rank_*`` are places in the order of
        the eligible pool (1 = best; the place that decides selection, comparable with the cohort size
        and with ``nominal_position``), over the draws where the region is eligible.
    summary : dict
        Cohort summary (:func:`summarise`) plus ``spec_id, spec_hash, data_hash, package_version,
        seed, settings, factors, sobol_note, possible_note``.
    sobol : DataFrame
        Long table ``output, factor, S1, S1_conf, ST, ST_conf, reliable`` (``output`` is ``"jaccard"``
        or a region code; empty when not computed).
    rank_draws : DataFrame
        Places of every region (columns, region codes) in the first :data:`RANK_DRAWS_KEPT` draws
        (rows); NaN where the region is not eligible in that draw. For histograms.
    sobol_regions : DataFrame
        Derived view of ``sobol`` for the per-region outputs: ``region_code, factor, S1, S1_conf, ST,
        ST_conf, trusted``.
    """

    regions: pd.DataFrame
    summary: dict
    sobol: pd.DataFrame
    rank_draws: pd.DataFrame = field(default_factory=pd.DataFrame)
    sobol_regions: pd.DataFrame = field(init=False, repr=False)

    def __post_init__(self):
        sob = self.sobol
        if isinstance(sob, pd.DataFrame) and not sob.empty and "output" in sob.columns:
            view = sob[sob["output"].astype(str) != "jaccard"].rename(
                columns={"output": "region_code", "reliable": "trusted"}
            )
            view = view.assign(region_code=view["region_code"].astype(str)).reset_index(drop=True)
        else:
            view = pd.DataFrame(
                columns=["region_code", "factor", "S1", "S1_conf", "ST", "ST_conf", "trusted"]
            )
        object.__setattr__(self, "sobol_regions", view)

    def tables(self) -> dict:
        """The result as the mapping stored by :func:`smartcity_analysis.cache.save_tables`."""
        return {
            "regions": self.regions,
            "summary": self.summary,
            "sobol": self.sobol,
            "rank_draws": self.rank_draws,
        }


def _possible_columns(problem, settings, nominal_outcome, context):
    """Possible/necessary selection under the pillar-weight bounds (NaN with a note when N/A)."""
    from smartcity_analysis.possible import possible_necessary, weight_bounds

    n = problem.n
    na = np.full(n, np.nan)
    if settings.weights == "none":
        return na, na, "Not computed: the spec declares no weight uncertainty."
    if problem.aggregators_across[0][0] != "arithmetic":
        return (
            na,
            na,
            (
                f"Not computed: the index aggregation is {problem.aggregators_across[0][0]!r}; the LP "
                "covers linear (arithmetic) aggregation only."
            ),
        )
    table = context.nominal.set_index("region_code").reindex(list(problem.region_codes))
    values = table[[f"pillar_{p}" for p in problem.pillars]].to_numpy(dtype=float)
    eligible = nominal_outcome.eligible[0]
    if np.isnan(values[eligible]).any():
        return (
            na,
            na,
            (
                "Not computed: some eligible regions lack a pillar score, and the index then renormalises "
                "over the pillars present, which is not linear in the weights."
            ),
        )
    lower, upper = weight_bounds(problem.pillar_weights, settings.weights, settings.bound)
    res = possible_necessary(
        values,
        lower,
        upper,
        eligible,
        problem.k,
        region_codes=problem.region_codes,
        tie_order=np.asarray(problem.tie_order)[0],
        quotas_ignored=problem.quotas is not None,
        open_lower=settings.weights == "dirichlet",
    )
    note = (
        "Pillar weights anywhere in the declared "
        + (
            "Dirichlet support (any non-negative weights)"
            if settings.weights == "dirichlet"
            else f"bounds (+-{settings.bound:g} relative)"
        )
        + ", indicator weights within pillars and methods at their nominal values. "
        + res.note
    )
    return (
        res.table["possible"].to_numpy(float),
        res.table["necessary"].to_numpy(float),
        note,
    )


def _compute(spec, year, draws, seed, sobol_base, frames, regions, cohorts, progress, chunk_size):
    from smartcity_analysis import __version__
    from smartcity_analysis.sensitivity import selection_sobol

    problem, settings, context = problem_from_spec(
        spec, year, frames=frames, regions=regions, cohorts=cohorts
    )
    plan = draw_plan(problem, settings, draws, seed)
    outcome = evaluate_plan(problem, plan, chunk_size=chunk_size, progress=progress)
    nominal = evaluate_plan(problem, nominal_plan(problem))
    table, summary = summarise(problem, outcome, nominal)
    nom = context.nominal.set_index("region_code").reindex(list(problem.region_codes))
    for col in ("name", "province_name", "type", "in_pool", "actual_cohort", "actual_status"):
        table[col] = nom[col].to_numpy()
    table["nominal_eligible"] = nominal.eligible[0]
    table["nominal_position"] = nominal.rank[0].astype(float)
    table.loc[table["nominal_position"] == 0, "nominal_position"] = np.nan
    table["actual_cohort"] = pd.to_numeric(table["actual_cohort"], errors="coerce").astype(float)
    table["actual_status"] = table["actual_status"].fillna("").astype(str)
    possible, necessary, possible_note = _possible_columns(problem, settings, nominal, context)
    table["possible"], table["necessary"] = possible, necessary
    table = table[REGION_COLUMNS]

    sobol = pd.DataFrame(columns=["output", "factor", "S1", "S1_conf", "ST", "ST_conf", "reliable"])
    sobol_note = "Not computed (sobol_base = 0)."
    if sobol_base:
        try:
            res = selection_sobol(
                problem,
                settings,
                n_base=int(sobol_base),
                seed=seed,
                regions=summary["contestable"],
                chunk_size=chunk_size,
                progress=progress,
            )
            sobol, sobol_note = res.table, res.note + f" ({res.n_runs} model runs)"
        except ComputationError as exc:
            sobol_note = f"Not computed: {exc}"
    summary.update(
        {
            "spec_id": spec.id,
            "spec_hash": spec.spec_hash,
            "data_hash": context.data_hash,
            "package_version": __version__,
            "algorithm_version": ALGORITHM_VERSION,
            "seed": int(seed),
            "settings": settings.as_dict(),
            "factors": list(dict.fromkeys(f.group for f in factor_layout(problem, settings))),
            "imputers": list(problem.imputers),
            "normalisers": list(problem.normalisers),
            "aggregations_index": [a[0] for a in problem.aggregators_across],
            "quotas": problem.quotas is not None,
            "sobol_base": int(sobol_base or 0),
            "sobol_note": sobol_note,
            "possible_note": possible_note,
        }
    )
    kept = outcome.rank[:RANK_DRAWS_KEPT].astype(float)
    kept[kept == 0] = np.nan
    rank_draws = pd.DataFrame(kept, columns=list(problem.region_codes))
    rank_draws.index.name = "draw"
    return RobustnessResult(regions=table, summary=summary, sobol=sobol, rank_draws=rank_draws)


def run_robustness(
    spec,
    cohort: int | None = None,
    draws: int | None = None,
    seed: int | None = None,
    *,
    sobol_base: int | None = None,
    progress: bool = False,
    chunk_size: int = 1024,
    use_cache: bool = True,
    refresh: bool = False,
    frames: dict | None = None,
    regions: pd.DataFrame | None = None,
    cohorts: pd.DataFrame | None = None,
) -> RobustnessResult:
    """Monte Carlo robustness of one cohort's selection, with Sobol indices and possible/necessary
    selection; cached per (spec hash, data hash, cohort, draws, seed, Sobol size).

    Parameters
    ----------
    spec : Spec or path
    cohort : int, optional
        Cohort year (default: the spec's first cohort).
    draws, seed : int, optional
        Default: the spec's ``uncertainty.draws`` / ``uncertainty.seed``, else 10 000 and 0.
    sobol_base : int, optional
        Sobol base sample (power of two; 0 skips Sobol). Default 512.
    progress : bool
        tqdm progress bars.
    chunk_size : int
        Draws per vectorised chunk.
    use_cache, refresh : bool
        Read/write the result cache (:mod:`smartcity_analysis.cache`, kind ``"robustness"``);
        ``refresh`` recomputes.
    frames, regions, cohorts : optional
        Data overrides (default: the real curated data).

    Returns
    -------
    RobustnessResult

    Notes
    -----
    Per region: :math:`P(\\text{eligible})`, :math:`P(\\text{selected}) = \\frac{1}{D}\\sum_d
    1[i \\in S_d]`, rank quantiles (5, 50, 95 %) over the draws where the region is eligible, class
    robustly in (:math:`P \\ge 0.95`), robustly out (:math:`P \\le 0.05`) or contestable. Per cohort:
    mean Jaccard :math:`|S_d \\cap S_0| / |S_d \\cup S_0|` to the nominal selection :math:`S_0`.

    References
    ----------
    Saisana, Saltelli & Tarantola (2005), J. R. Stat. Soc. A 168(2), 307-323.
    """
    from smartcity_analysis import __version__, api
    from smartcity_analysis.cache import cached, load_tables, save_tables

    spec = _load_spec(spec)
    year = spec.cohorts[0].year if cohort is None else int(cohort)
    coh = spec.cohort(year)
    u = spec.uncertainty
    if draws is None:
        draws = (u.draws if u is not None and u.draws else None) or DEFAULT_DRAWS
    if seed is None:
        seed = (u.seed if u is not None and u.seed is not None else None) or 0
    if sobol_base is None:
        sobol_base = DEFAULT_SOBOL_BASE
    if int(draws) < 1:
        raise InputError(f"The number of draws must be >= 1. Got {draws}.")
    if frames is None:
        frames = {
            c.data_year: api.load_data(spec, c.data_year) for c in spec.cohorts if c.year <= year
        }
    key = {
        "spec": spec.spec_hash,
        "data": cache_key_data(frames, [c.data_year for c in spec.cohorts if c.year <= year]),
        "cohort": coh.year,
        "draws": int(draws),
        "seed": int(seed),
        "sobol_base": int(sobol_base),
        "algorithm": ALGORITHM_VERSION,
        "package": __version__,
    }

    def compute():
        return _compute(
            spec,
            year,
            int(draws),
            int(seed),
            int(sobol_base),
            frames,
            regions,
            cohorts,
            progress,
            chunk_size,
        ).tables()

    tables = cached(
        "robustness", key, compute, save_tables, load_tables, refresh=refresh, use_cache=use_cache
    )
    return RobustnessResult(
        regions=tables["regions"],
        summary=tables["summary"],
        sobol=tables["sobol"],
        rank_draws=tables.get("rank_draws", pd.DataFrame()),
    )


def load_or_run_robustness(
    spec, cohort: int | None = None, draws: int | None = None, seed: int | None = None, **kwargs
) -> RobustnessResult:
    """The cached robustness result of a cohort, computing it once if it is not cached yet.

    For the report notebooks: every report of the same (spec, data, cohort, draws, seed) loads the same
    stored tables, so reports never recompute and always agree. Keyword arguments go to
    :func:`run_robustness` (e.g. ``sobol_base``).

    Returns
    -------
    RobustnessResult
        ``regions`` (per-region table), ``summary`` (cohort summary dict), ``sobol`` (Sobol table).
    """
    return run_robustness(spec, cohort, draws, seed, **kwargs)
