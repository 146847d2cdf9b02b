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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

from smartcity_analysis.errors import ComputationError, InputError

__all__ = [
    "ARRAY_AGGREGATORS",
    "ARRAY_NORMALISERS",
    "DrawOutcome",
    "DrawPlan",
    "Factor",
    "MaxQuota",
    "MinQuota",
    "RobustnessProblem",
    "ThresholdRule",
    "UncertaintySettings",
    "classify",
    "draw_plan",
    "evaluate_plan",
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

#: Number of draws whose value-noise streams share one seed block (fixed, so results do not depend on
#: the memory chunk size).
_NOISE_BLOCK = 1


# ---------------------------------------------------------------------------------------------------
# Settings and problem
# ---------------------------------------------------------------------------------------------------


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
        Dirichlet concentration (larger = closer to nominal; mean is ``w0``, variance
        ``w0 (1 - w0) / (concentration + 1)``).
    bound : float
        Relative half-width for ``"bounds"`` (0.25 = +-25 %).
    weight_level : {"pillar", "indicator", "both"}
        Which level of the hierarchy varies: pillar weights, within-pillar indicator weights, or both.
    normalisers, imputers : tuple of str
        Alternatives (the nominal one included or not: the nominal is always added first). One is
        drawn uniformly per draw when there are two or more.
    aggregators_within, aggregators_across : tuple of str
        Alternative aggregation methods within pillars and across pillars (drawn uniformly).
    thresholds : dict
        ``rule_id -> (low, high)``: that eligibility rule's threshold is uniform in ``[low, high]``.
    noise : float
        Relative noise on indicator values: each value is multiplied by ``1 + noise * z``, ``z ~ N(0, 1)``
        independently per region, indicator and draw (scores only; eligibility rules use the published
        values so a non-uncertain rule stays exact).
    leave_one_out : float
        Probability that a draw drops one indicator (chosen uniformly); 0 disables the factor.
    """

    weights: str = "none"
    concentration: float = 50.0
    bound: float = 0.25
    weight_level: str = "pillar"
    normalisers: tuple[str, ...] = ()
    imputers: tuple[str, ...] = ()
    aggregators_within: tuple[str, ...] = ()
    aggregators_across: tuple[str, ...] = ()
    thresholds: dict = field(default_factory=dict)
    noise: float = 0.0
    leave_one_out: float = 0.0

    def __post_init__(self):
        problems = []
        if self.weights not in ("none", "dirichlet", "bounds"):
            problems.append(
                f"weights must be 'none', 'dirichlet' or 'bounds'; got {self.weights!r}"
            )
        if self.weight_level not in ("pillar", "indicator", "both"):
            problems.append(
                f"weight_level must be 'pillar', 'indicator' or 'both'; got {self.weight_level!r}"
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
                    f"thresholds[{rule!r}] must be (low, high) with low <= high; got {rng!r}"
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
            "normalisers": list(self.normalisers),
            "imputers": list(self.imputers),
            "aggregators_within": list(self.aggregators_within),
            "aggregators_across": list(self.aggregators_across),
            "thresholds": {
                k: [float(v[0]), float(v[1])] for k, v in sorted(self.thresholds.items())
            },
            "noise": float(self.noise),
            "leave_one_out": float(self.leave_one_out),
        }


@dataclass(frozen=True)
class ThresholdRule:
    """An eligibility rule ``value >= threshold`` (op ``">="``) or ``value <= threshold`` (``"<="``).

    ``values`` are the published (raw) values of the rule's indicator, one per region; NaN fails the
    rule (a region without the figure cannot be shown to pass it).
    """

    rule_id: str
    values: np.ndarray
    op: str
    threshold: float

    def passes(self, thresholds: np.ndarray) -> np.ndarray:
        """Pass mask ``(draws, regions)`` for a vector of thresholds, one per draw."""
        v = self.values[None, :]
        t = np.asarray(thresholds, dtype=float)[:, None]
        with np.errstate(invalid="ignore"):
            if self.op == ">=":
                out = v >= t
            elif self.op == ">":
                out = v > t
            elif self.op == "<=":
                out = v <= t
            elif self.op == "<":
                out = v < t
            else:
                raise InputError(f"Rule {self.rule_id!r}: unknown operator {self.op!r}.")
        return out & ~np.isnan(v)


@dataclass(frozen=True)
class MaxQuota:
    """At most ``cap`` selected regions per group (e.g. per province). ``labels``: int per region."""

    name: str
    labels: np.ndarray
    cap: int


@dataclass(frozen=True)
class MinQuota:
    """At least ``minimum`` selected regions among ``members`` (bool per region), e.g. outside Java."""

    name: str
    members: np.ndarray
    minimum: int


@dataclass(frozen=True)
class RobustnessProblem:
    """Everything the vectorised kernel needs, as arrays (regions in a fixed order).

    Parameters
    ----------
    region_codes : tuple of str
        ``n`` 4-character BPS codes (all regions; the pool is a mask).
    indicators : tuple of str
        ``m`` indicator codes.
    pillars : tuple of str
        ``P`` pillar codes.
    pillar_of : ndarray of int, shape (m,)
        Pillar index of each indicator.
    within_weights : ndarray, shape (m,)
        Nominal indicator weights within their pillar (any positive scale; renormalised per pillar).
    pillar_weights : ndarray, shape (P,)
        Nominal pillar weights (renormalised to sum 1).
    normalised : ndarray, shape (I, N, n, m)
        Normalised values for every (imputer, normaliser) alternative; ``[0, 0]`` is the nominal.
    imputers, normalisers : tuple of str
        Names along the first two axes of ``normalised``.
    treated : ndarray, shape (I, n, m), optional
        Values entering normalisation (after imputation and outlier treatment), needed only when
        ``noise > 0``; the noisy values are normalised with :data:`ARRAY_NORMALISERS`.
    aggregators_within, aggregators_across : tuple of str
        Aggregation alternatives (``[0]`` nominal), names in :data:`ARRAY_AGGREGATORS`.
    eligible_fixed : ndarray of bool, shape (n,)
        Pool membership and every eligibility rule whose threshold is not uncertain.
    threshold_rules : tuple of ThresholdRule
        Rules whose threshold is drawn (the nominal threshold is used in the nominal plan).
    k : int
        Cohort size.
    tie_order : ndarray of int, shape (n,)
        Priority among equal scores (lower wins), e.g. ``argsort`` of the region codes.
    max_quotas, min_quotas : tuple
        :class:`MaxQuota` / :class:`MinQuota` constraints of the cohort.
    directions : ndarray, shape (m,)
        +1 / -1 indicator directions (used by the array normalisers under noise).
    norm_reference : ndarray of bool, shape (n,), optional
        Regions whose values define the normalisation (min/max, mean/sd); default all.
    min_coverage : float
        Minimum share of (weighted) indicator data for a pillar / index score; below it, NaN.
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
    max_quotas: tuple = ()
    min_quotas: tuple = ()
    treated: np.ndarray | None = None
    directions: np.ndarray | None = None
    norm_reference: np.ndarray | None = None
    min_coverage: float = 0.0
    cohort: int | None = None

    def __post_init__(self):
        n, m, p = len(self.region_codes), len(self.indicators), len(self.pillars)
        problems = []
        if self.normalised.shape[2:] != (n, m):
            problems.append(
                f"normalised has shape {self.normalised.shape}, expected (I, N, {n}, {m})"
            )
        if self.normalised.shape[:2] != (len(self.imputers), len(self.normalisers)):
            problems.append("normalised's first two axes must match imputers x normalisers")
        if np.asarray(self.pillar_of).shape != (m,) or (
            m and (self.pillar_of.min() < 0 or self.pillar_of.max() >= p)
        ):
            problems.append(f"pillar_of must be {m} ints in [0, {p})")
        if np.asarray(self.eligible_fixed).shape != (n,):
            problems.append(f"eligible_fixed must have {n} entries")
        if not (1 <= self.k):
            problems.append(f"k must be >= 1; got {self.k}")
        if np.any(np.asarray(self.within_weights) < 0) or np.any(
            np.asarray(self.pillar_weights) < 0
        ):
            problems.append("weights must be >= 0")
        for name in tuple(self.aggregators_within) + tuple(self.aggregators_across):
            if name not in ARRAY_AGGREGATORS:
                problems.append(
                    f"aggregator {name!r} has no array version; expected one of "
                    f"{sorted(ARRAY_AGGREGATORS)}"
                )
        if problems:
            raise InputError("Invalid robustness problem: " + "; ".join(problems) + ".")

    @property
    def n(self) -> int:
        return len(self.region_codes)


# ---------------------------------------------------------------------------------------------------
# Array-level methods (draws x regions x indicators)
# ---------------------------------------------------------------------------------------------------


def _weighted(values: np.ndarray, weights: np.ndarray, min_coverage: float):
    """Shared preparation: weights broadcast to values, zeroed where values are missing."""
    present = ~np.isnan(values)
    w = np.broadcast_to(weights, values.shape) * present
    wsum = w.sum(axis=-1)
    total = np.broadcast_to(weights, values.shape).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        coverage = np.where(total > 0, wsum / total, 0.0)
    ok = (wsum > 0) & (coverage >= min_coverage - 1e-12)
    return np.where(present, values, 0.0), w, wsum, ok


def agg_arithmetic(values, weights, min_coverage=0.0):
    """Weighted arithmetic mean over the last axis, weights renormalised over present values.

    Notes
    -----
    ``y = sum_j w_j x_j / sum_j w_j`` over non-missing ``x_j``; NaN when the present weight share is
    below ``min_coverage`` or zero.
    """
    x, w, wsum, ok = _weighted(values, weights, min_coverage)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = (w * x).sum(axis=-1) / wsum
    return np.where(ok, y, np.nan)


def agg_geometric(values, weights, min_coverage=0.0):
    """Weighted geometric mean over the last axis (values must be > 0; a value <= 0 gives NaN).

    Notes
    -----
    ``y = exp(sum_j w_j log x_j / sum_j w_j)`` over non-missing ``x_j``.
    """
    bad = np.any((values <= 0) & (np.broadcast_to(weights, values.shape) > 0), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.log(np.where(values > 0, values, np.nan))
    x, w, wsum, ok = _weighted(logs, weights, min_coverage)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        y = np.exp((w * x).sum(axis=-1) / wsum)
    return np.where(ok & ~bad, y, np.nan)


def agg_harmonic(values, weights, min_coverage=0.0):
    """Weighted harmonic mean over the last axis (values must be > 0).

    Notes
    -----
    ``y = sum_j w_j / sum_j (w_j / x_j)`` over non-missing ``x_j``.
    """
    bad = np.any((values <= 0) & (np.broadcast_to(weights, values.shape) > 0), axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(values > 0, 1.0 / values, np.nan)
    x, w, wsum, ok = _weighted(inv, weights, min_coverage)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = wsum / (w * x).sum(axis=-1)
    return np.where(ok & ~bad, y, np.nan)


#: Array aggregators: ``f(values[..., j], weights[..., j], min_coverage) -> values[...]``.
ARRAY_AGGREGATORS: dict[str, Callable] = {
    "arithmetic": agg_arithmetic,
    "geometric": agg_geometric,
    "harmonic": agg_harmonic,
}


def norm_minmax(values, directions, reference):
    """Min-max to [0, 100] over the reference regions (axis -2), direction applied.

    Notes
    -----
    ``y = 100 (d x - min(d x)) / (max(d x) - min(d x))``, ``d`` = +-1; a constant column gives 50.
    """
    x = values * directions
    ref = np.where(reference[:, None], x, np.nan)
    lo = np.nanmin(ref, axis=-2, keepdims=True)
    hi = np.nanmax(ref, axis=-2, keepdims=True)
    span = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(span > 0, 100.0 * (x - lo) / span, 50.0)
    return np.where(np.isnan(x), np.nan, y)


def norm_zscore(values, directions, reference):
    """z-score over the reference regions (population sd), direction applied.

    Notes
    -----
    ``y = (d x - mean) / sd``; a constant column gives 0.
    """
    x = values * directions
    ref = np.where(reference[:, None], x, np.nan)
    mu = np.nanmean(ref, axis=-2, keepdims=True)
    sd = np.nanstd(ref, axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(sd > 0, (x - mu) / sd, 0.0)
    return np.where(np.isnan(x), np.nan, y)


#: Array normalisers used under value noise: ``f(values (..., n, m), directions (m,), reference (n,))``.
ARRAY_NORMALISERS: dict[str, Callable] = {
    "minmax": norm_minmax,
    "zscore": norm_zscore,
}


# ---------------------------------------------------------------------------------------------------
# Factors, draw plans
# ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Factor:
    """One column block of the unit sample: ``name``, ``group`` (for Sobol), ``size`` (columns)."""

    name: str
    group: str
    size: int


def _alternatives(nominal: tuple, declared: tuple) -> tuple:
    out = list(nominal[:1])
    for name in list(nominal[1:]) + list(declared):
        if name not in out:
            out.append(name)
    return tuple(out)


def factor_layout(problem: RobustnessProblem, settings: UncertaintySettings) -> list[Factor]:
    """The random factors of a problem under settings, in column order of the unit sample.

    Weights form one group (``"weights"``) however many columns they take; every method choice,
    threshold, the noise seed and the left-out indicator is its own group.
    """
    factors: list[Factor] = []
    if settings.weights != "none":
        if settings.weight_level in ("pillar", "both") and len(problem.pillars) > 1:
            factors.append(Factor("pillar_weights", "weights", len(problem.pillars)))
        if settings.weight_level in ("indicator", "both"):
            factors.append(Factor("indicator_weights", "weights", len(problem.indicators)))
    if len(problem.imputers) > 1:
        factors.append(Factor("imputation", "imputation", 1))
    if len(problem.normalisers) > 1:
        factors.append(Factor("normalisation", "normalisation", 1))
    if len(problem.aggregators_within) > 1:
        factors.append(Factor("aggregation_within", "aggregation_within", 1))
    if len(problem.aggregators_across) > 1:
        factors.append(Factor("aggregation_across", "aggregation_across", 1))
    rule_ids = {r.rule_id for r in problem.threshold_rules}
    for rid in sorted(settings.thresholds):
        if rid in rule_ids:
            factors.append(Factor(f"threshold:{rid}", f"threshold:{rid}", 1))
    if settings.noise > 0:
        factors.append(Factor("noise", "noise", 1))
    if settings.leave_one_out > 0 and len(problem.indicators) > 1:
        factors.append(Factor("leave_one_out", "leave_one_out", 1))
    return factors


@dataclass(frozen=True)
class DrawPlan:
    """Parameters of every draw (row ``d``), shared by the vectorised and the reference paths.

    ``within_weights`` (D, m) are normalised per pillar and already zero for a left-out indicator;
    ``pillar_weights`` (D, P) sum to 1 (a pillar emptied by leave-one-out gets weight 0). Indices point
    into the problem's alternatives; ``thresholds`` (D, R) follow ``problem.threshold_rules``;
    ``left_out`` is -1 for none; ``noise_seed`` is -1 for no noise.
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

    @property
    def draws(self) -> int:
        return self.within_weights.shape[0]

    def take(self, rows) -> DrawPlan:
        """Sub-plan of the given rows."""
        rows = np.asarray(rows)
        kw = {
            name: getattr(self, name)[rows]
            for name in (
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
        }
        return DrawPlan(noise=self.noise, **kw)


def _normalise_within(w: np.ndarray, pillar_of: np.ndarray, n_pillars: int) -> np.ndarray:
    """Scale indicator weights to sum 1 within each pillar (rows of ``w``)."""
    onehot = np.eye(n_pillars)[pillar_of]  # (m, P)
    sums = w @ onehot  # (D, P)
    per_ind = sums @ onehot.T  # (D, m)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(per_ind > 0, w / per_ind, 0.0)


def _weights_from_unit(u: np.ndarray, nominal: np.ndarray, settings: UncertaintySettings, groups):
    """Map uniforms (D, k) to weights around ``nominal`` (k,), normalised within each group.

    Notes
    -----
    Dirichlet: ``g_j = F^{-1}_{Gamma(a_j, 1)}(u_j)``, ``a_j = c * w0_j`` (w0 normalised within its group),
    ``w_j = g_j / sum_{group} g``: a Dirichlet(``c w0``) vector per group (Gamma representation).
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
        agg_within=level("aggregation_within", len(problem.aggregators_within)),
        agg_across=level("aggregation_across", len(problem.aggregators_across)),
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


def _within_group_rank(order: np.ndarray, labels: np.ndarray, allowed_sorted: np.ndarray):
    """For each row: 0-based count of earlier allowed entries of the same group, in sorted order."""
    lab = labels[order]  # (C, n) group label at each sorted position
    c, n = lab.shape
    g = int(labels.max()) + 1 if labels.size else 1
    # stable sort positions by group; within a group they stay in score order
    key = lab.astype(np.int64) * (n + 1) + np.arange(n)[None, :]
    key = np.where(allowed_sorted, key, np.int64(g) * (n + 1) + n + 1)  # disallowed last
    idx = np.argsort(key, axis=1, kind="stable")
    lab_sorted = np.take_along_axis(np.where(allowed_sorted, lab, -1), idx, axis=1)
    # position within its run of equal labels
    start = np.ones_like(lab_sorted, dtype=bool)
    start[:, 1:] = lab_sorted[:, 1:] != lab_sorted[:, :-1]
    pos = np.arange(n)[None, :].repeat(c, axis=0)
    run_start = np.maximum.accumulate(np.where(start, pos, 0), axis=1)
    rank_sorted = pos - run_start
    out = np.empty_like(rank_sorted)
    np.put_along_axis(out, idx, rank_sorted, axis=1)
    return out


def select_top_k(
    scores: np.ndarray,
    eligible: np.ndarray,
    k: int,
    tie_order: np.ndarray,
    max_quotas: Sequence[MaxQuota] = (),
    min_quotas: Sequence[MinQuota] = (),
):
    """Select ``k`` regions per row among the eligible by descending score, with quotas.

    Parameters
    ----------
    scores : ndarray, shape (C, n)
        Scores (NaN = no score, never selected).
    eligible : ndarray of bool, shape (C, n)
    k : int
    tie_order : ndarray of int, shape (n,)
        Lower value wins a tie of equal scores.
    max_quotas, min_quotas : sequence
        Caps per group and minimum counts per member set.

    Returns
    -------
    selected : ndarray of bool, shape (C, n)
        Exactly ``min(k, number of admissible regions)`` per row.
    rank : ndarray of int32, shape (C, n)
        1-based rank among eligible regions with a score (0 = not ranked).

    Notes
    -----
    Order: descending score, ties by ``tie_order``. Caps are applied greedily in that order (a region is
    admissible when fewer than ``cap`` better admissible regions share its group), which equals the
    greedy "walk down the ranking, skip a region whose group is full". Minimum quotas reserve, in
    declared order, the best admissible members of their set until the minimum is met; the remaining
    seats go to the best admissible regions not yet reserved.
    """
    scores = np.asarray(scores, dtype=float)
    ok = np.asarray(eligible, dtype=bool) & ~np.isnan(scores)
    c, n = scores.shape
    perm = np.argsort(np.asarray(tie_order), kind="stable")  # tie priority order
    key = np.where(ok, -scores, np.inf)[:, perm]
    order = perm[np.argsort(key, axis=1, kind="stable")]  # (C, n) regions best first
    ok_sorted = np.take_along_axis(ok, order, axis=1)

    rank = np.zeros((c, n), dtype=np.int32)
    np.put_along_axis(rank, order, np.where(ok_sorted, np.cumsum(ok_sorted, axis=1), 0), axis=1)

    allowed_sorted = ok_sorted.copy()
    for q in max_quotas:
        wr = _within_group_rank(order, np.asarray(q.labels), allowed_sorted)
        allowed_sorted &= wr < int(q.cap)
    taken_sorted = np.zeros_like(allowed_sorted)
    for q in min_quotas:
        member_sorted = np.asarray(q.members, dtype=bool)[order] & allowed_sorted
        have = (taken_sorted & member_sorted).sum(axis=1, keepdims=True)
        need = np.maximum(int(q.minimum) - have, 0)
        cand = member_sorted & ~taken_sorted
        taken_sorted |= cand & (np.cumsum(cand, axis=1) <= need)
    room = np.maximum(k - taken_sorted.sum(axis=1, keepdims=True), 0)
    cand = allowed_sorted & ~taken_sorted
    taken_sorted |= cand & (np.cumsum(cand, axis=1) <= room)

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


def _noisy_normalised(problem: RobustnessProblem, plan: DrawPlan, rows: np.ndarray) -> np.ndarray:
    """Normalised values under value noise for the draws ``rows`` -> (C, n, m)."""
    if problem.treated is None:
        raise ComputationError(
            "Value noise needs the treated (pre-normalisation) values in the problem; build it with "
            "problem_from_spec() or pass treated=..."
        )
    n, m = problem.n, len(problem.indicators)
    directions = (
        np.ones(m) if problem.directions is None else np.asarray(problem.directions, dtype=float)
    )
    reference = np.ones(n, dtype=bool) if problem.norm_reference is None else problem.norm_reference
    out = np.empty((len(rows), n, m))
    base = problem.treated[plan.imputer[rows]]  # (C, n, m)
    for i, r in enumerate(rows):
        z = np.random.default_rng(int(plan.noise_seed[r])).standard_normal((n, m))
        base[i] *= 1.0 + plan.noise * z
    for j, name in enumerate(problem.normalisers):
        sel = plan.normaliser[rows] == j
        if not sel.any():
            continue
        if name not in ARRAY_NORMALISERS:
            raise ComputationError(
                f"Value noise with normaliser {name!r} is not supported: it has no array version "
                f"(available: {sorted(ARRAY_NORMALISERS)}). Set noise to 0 or drop that alternative."
            )
        out[sel] = ARRAY_NORMALISERS[name](base[sel], directions, reference)
    return out


def _scores_chunk(problem: RobustnessProblem, plan: DrawPlan, rows: np.ndarray) -> np.ndarray:
    """Index scores (C, n) for the draws ``rows``."""
    if plan.noise > 0 and np.any(plan.noise_seed[rows] >= 0):
        values = _noisy_normalised(problem, plan, rows)
    else:
        values = problem.normalised[plan.imputer[rows], plan.normaliser[rows]]  # (C, n, m)
    c, n, m = values.shape
    p = len(problem.pillars)
    pillar_of = np.asarray(problem.pillar_of)
    within = plan.within_weights[rows]  # (C, m)
    pillar_scores = np.empty((c, n, p))
    for a_idx, a_name in enumerate(problem.aggregators_within):
        sel = plan.agg_within[rows] == a_idx
        if not sel.any():
            continue
        fn = ARRAY_AGGREGATORS[a_name]
        for j in range(p):
            members = np.flatnonzero(pillar_of == j)
            pillar_scores[sel, :, j] = fn(
                values[sel][:, :, members],
                within[sel][:, None, members],
                problem.min_coverage,
            )
    pw = plan.pillar_weights[rows]
    scores = np.empty((c, n))
    for a_idx, a_name in enumerate(problem.aggregators_across):
        sel = plan.agg_across[rows] == a_idx
        if not sel.any():
            continue
        scores[sel] = ARRAY_AGGREGATORS[a_name](
            pillar_scores[sel], pw[sel][:, None, :], problem.min_coverage
        )
    return scores


def evaluate_plan(
    problem: RobustnessProblem,
    plan: DrawPlan,
    *,
    chunk_size: int = 512,
    progress: bool = False,
    return_scores: bool = False,
):
    """Vectorised evaluation of every draw of a plan.

    Parameters
    ----------
    problem : RobustnessProblem
    plan : DrawPlan
    chunk_size : int
        Draws per chunk (memory ~ ``chunk_size * n * m * 8 * 4`` bytes).
    progress : bool
        Show a tqdm progress bar over chunks.
    return_scores : bool
        Also return the (D, n) score matrix.

    Returns
    -------
    DrawOutcome, or (DrawOutcome, ndarray) with ``return_scores``.
    """
    d, n = plan.draws, problem.n
    selected = np.zeros((d, n), dtype=bool)
    eligible = np.zeros((d, n), dtype=bool)
    rank = np.zeros((d, n), dtype=np.int32)
    all_scores = np.empty((d, n)) if return_scores else None
    starts = range(0, d, max(int(chunk_size), 1))
    if progress:
        from tqdm.auto import tqdm

        starts = tqdm(starts, desc="robustness draws", unit="chunk", leave=False)
    fixed = np.asarray(problem.eligible_fixed, dtype=bool)
    for s in starts:
        rows = np.arange(s, min(s + chunk_size, d))
        scores = _scores_chunk(problem, plan, rows)
        elig = np.broadcast_to(fixed, (len(rows), n)).copy()
        for i, rule in enumerate(problem.threshold_rules):
            elig &= rule.passes(plan.thresholds[rows, i])
        sel, rk = select_top_k(
            scores, elig, problem.k, problem.tie_order, problem.max_quotas, problem.min_quotas
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
    tie = np.asarray(problem.tie_order)
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
