"""Factors and draw plans: from declared uncertainty to the parameters of every draw.

:class:`UncertaintySettings` is the spec's ``uncertainty`` block as plain values (made from a spec by
:func:`~smartcity_analysis.robustness.from_spec.settings_from_spec`); :func:`factor_layout` lists the
random factors of a problem under those settings; :func:`plan_from_unit` maps a matrix of uniforms to a
:class:`~smartcity_analysis.robustness.kernel.DrawPlan`. The Monte Carlo uses i.i.d. uniforms
(:func:`draw_plan`), :mod:`~smartcity_analysis.robustness.sobol` uses SALib's Sobol sequence through
the same mapping, and :func:`nominal_plan` is the one draw of the nominal spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from smartcity_analysis.errors import InputError
from smartcity_analysis.robustness.kernel import DrawPlan, RobustnessProblem

__all__ = [
    "WEIGHT_LEVELS",
    "Factor",
    "UncertaintySettings",
    "draw_plan",
    "factor_layout",
    "nominal_plan",
    "plan_from_unit",
    "scenario_plan",
]

WEIGHT_LEVELS = ("pillars", "indicators", "both")


@dataclass(frozen=True)
class UncertaintySettings:
    """Declared sources of uncertainty (the spec's ``uncertainty`` block, as plain values).

    Parameters
    ----------
    weights : {"none", "dirichlet", "bounds", "uniform"}
        How weights vary. ``"dirichlet"``: ``w ~ Dirichlet(concentration * w0)`` around the nominal
        weights ``w0`` (normalised); ``"bounds"``: each weight uniform in ``w0 * (1 +- bound)``, then
        renormalised to sum 1 (not uniform on the simplex: renormalising biases towards ``w0``);
        ``"uniform"``: uniform on the simplex of the positive nominal weights, Dirichlet(1, ..., 1)
        (SMAA's "no preference information").
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
        Probability that a draw leaves one indicator out (chosen uniformly among the ``m``); 0 (the
        default, and what ``leave_one_out: true`` declares) keeps every indicator in every draw.
    methods : bool
        Whether the method alternatives carried by the problem (normalisation, imputation,
        aggregation per level) are drawn; False keeps the nominal methods (e.g. weight-only analyses).
    loo_scenarios : bool
        Prepare the ``m`` "without indicator X" variants and report them as separate scenarios
        (``leave_one_out: true`` in the spec).

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
    loo_scenarios: bool = False

    def __post_init__(self):
        problems = []
        if self.weights not in ("none", "dirichlet", "bounds", "uniform"):
            problems.append(
                f"weights must be 'none', 'dirichlet', 'bounds' or 'uniform'; got {self.weights!r}"
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
            "loo_scenarios": bool(self.loo_scenarios),
        }


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
    Uniform: ``a_j = 1`` for every positive ``w0_j`` (Dirichlet(1): uniform on the simplex; the
    Gamma(1) quantile is ``-log(1 - u)``, the normalised-exponential construction).
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
        if settings.weights in ("dirichlet", "uniform"):
            shape = settings.concentration * base if settings.weights == "dirichlet" else (
                np.where(base > 0, 1.0, 0.0)
            )
            # scipy.stats costs ~0.7 s to import; reports import this module without drawing.
            from scipy import stats

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


def scenario_plan(problem: RobustnessProblem) -> DrawPlan:
    """The ``m`` "without indicator X" scenarios: draw ``j`` is the nominal spec with indicator ``j``
    left out (its pillar's weights renormalised, a pillar left empty dropped), nothing else drawn.

    Needs a problem prepared with the leave-one-out variants (``loo_scenarios``).
    """
    m = len(problem.indicators)
    loo = UncertaintySettings(leave_one_out=1.0)
    if problem.n_variants == 1 or m < 2:
        raise InputError(
            "The 'without indicator X' scenarios need the leave-one-out variants of the problem; "
            "declare leave_one_out: true in the spec's uncertainty block."
        )
    unit = ((np.arange(m) + 0.5) / m)[:, None]
    return plan_from_unit(problem, loo, unit)
