"""The vectorised kernel of the robustness analysis: arrays in, selections out.

Everything here works on arrays ``draws x regions x indicators`` and knows nothing of specs:
:class:`RobustnessProblem` holds the arrays of one cohort (built from a spec by
:func:`~smartcity_analysis.robustness.from_spec.problem_from_spec`, or by hand in tests),
:class:`DrawPlan` the parameters of every draw (made by :mod:`~smartcity_analysis.robustness.plans`),
:func:`evaluate_plan` recomputes the selection of every draw, chunked to bound memory, with no Python
loop over draws (except for the optional value noise, whose random numbers are generated per draw so a
draw's noise does not depend on the chunk size). :func:`select_top_k` is the array twin of the
engine's ``selection.select_cohort`` (quotas and tie-breaking included); :func:`jaccard_to` compares
selections.

The kernel uses only the engine's step functions (``aggregation.aggregate`` and the
``normalisation.NORMALISERS`` registry), never its orchestrator; the slow oracle that proves it right
draw by draw is :mod:`~smartcity_analysis.robustness.reference`.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from smartcity_analysis.engine.aggregation import aggregate
from smartcity_analysis.engine.normalisation import NORMALISERS, positive_scale
from smartcity_analysis.errors import ComputationError, InputError

__all__ = [
    "DrawOutcome",
    "DrawPlan",
    "QuotaArrays",
    "RobustnessProblem",
    "ThresholdRule",
    "eligibility",
    "evaluate_plan",
    "jaccard_to",
    "noise_factors",
    "normalise_groups",
    "select_top_k",
    "treat_noisy",
]


# ---------------------------------------------------------------------------------------------------
# The problem
# ---------------------------------------------------------------------------------------------------


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
    imputed : ndarray, shape (I, L, n, m), optional
        Values on the published scale after imputation (where value noise applies), needed only for
        value noise.
    transforms : tuple, optional
        Per indicator ``None``/``"log"``/``"log1p"``: the spec's declared transform.
    treatments, treat_bounds : ndarray, shapes (I, L, m), (I, L, 2, m), optional
        The nominal outlier treatment per indicator (:data:`TREATMENTS` codes) and the winsorised
        range, replayed on noisy values by :func:`treat_noisy`. None: no treatment.
    normaliser_groups : tuple, optional
        Per normalisation alternative, ``((column indices, name, kwargs), ...)``: how the engine
        normalises the columns (per-indicator overrides included); needed only for value noise.
    directions : ndarray, shape (m,), optional
    cohort : int, optional
    rescale : ndarray of bool, shape (N, A_within, A_across, m), optional
        Columns rescaled onto ``[1, 100]`` (``normalisation.positive_scale``) when a draw pairs
        normalisation alternative ``N`` with the aggregation alternatives ``A_within``, ``A_across``:
        the columns whose normaliser can give negative values, where a geometric, harmonic or
        Mazziotta-Pareto aggregation is drawn (``aggregation.needs_positive_scale``). None: never.
    tie_keys : tuple, optional
        The spec's tie-breaking keys when one of them is a pillar score, in order: ``("values", a,
        ascending)`` with ``a`` of shape ``(L, n)`` (a raw indicator per variant, NaN where the
        engine skips the key) or ``("pillar", j, ascending)`` (the draw's own score of pillar ``j``);
        region code ascending last. None: ``tie_order`` is exact (no key depends on the draw).
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
    imputed: np.ndarray | None = None
    transforms: tuple | None = None
    treatments: np.ndarray | None = None
    treat_bounds: np.ndarray | None = None
    normaliser_groups: tuple | None = None
    directions: np.ndarray | None = None
    cohort: int | None = None
    rescale: np.ndarray | None = None
    tie_keys: tuple | None = None

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
        want = (len(self.normalisers), len(self.aggregators_within), len(self.aggregators_across), m)
        if self.rescale is not None and np.shape(self.rescale) != want:
            problems.append(f"rescale must have shape {want}; got {np.shape(self.rescale)}")
        if problems:
            raise InputError("Invalid robustness problem: " + "; ".join(problems) + ".")

    @property
    def n(self) -> int:
        return len(self.region_codes)

    @property
    def n_variants(self) -> int:
        """Leave-one-out variants ``L`` (1 when leave-one-out is not prepared)."""
        return int(np.shape(self.normalised)[2])


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
    tie_keys: list | None = None,
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
    tie_keys : list of ndarray, shape (C, n) each, optional
        Tie-breaking keys that vary by draw, in order (lower wins, NaN last); when given, a tie of
        equal scores is broken by them and then by ``tie_order``.

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
    # a plain sort is exact where no two ranked regions tie (the usual case with continuous
    # weights); rows with a tie are re-sorted lexicographically with the tie order
    order = np.argsort(key, axis=-1)  # (C, n) regions best first
    sk = np.take_along_axis(key, order, axis=1)
    tied = ((sk[:, 1:] == sk[:, :-1]) & np.isfinite(sk[:, 1:])).any(axis=1)
    if tied.any():
        keys = [tie[tied]]
        for extra in reversed(tie_keys or []):
            extra = np.asarray(extra, dtype=float)[tied]
            keys.append(np.where(np.isnan(extra), np.inf, extra))
        order[tied] = np.lexsort((*keys, key[tied]), axis=-1)
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
    """Per-draw results: ``selected``, ``eligible`` (bool, D x n) and ``rank`` (int32, 0 = unranked).

    ``unscored`` (int, D) counts, per draw, the eligible regions whose index score is NaN (never
    selected in that draw); None when not counted (the reference path).
    """

    selected: np.ndarray
    eligible: np.ndarray
    rank: np.ndarray
    unscored: np.ndarray | None = None


def _aggregate(values, weights, choice, min_coverage):
    name, kwargs = choice
    return aggregate(values, weights, name, min_coverage=min_coverage, **dict(kwargs))


def noise_factors(seed: int, shape: tuple, relative: float) -> np.ndarray:
    """Multiplicative noise ``1 + relative * z`` of one draw, ``z ~ N(0, 1)`` from ``default_rng(seed)``."""
    return 1.0 + relative * np.random.default_rng(int(seed)).standard_normal(shape)


#: Outlier treatments as the kernel replays them on noisy values (``outliers`` log ``action``).
TREATMENTS = {"none": 0, "winsorised": 1, "log": 2}


def treat_noisy(values: np.ndarray, transforms, actions: np.ndarray, bounds: np.ndarray) -> np.ndarray:
    """Replay the nominal build's transforms and outlier treatment on noisy published values.

    Parameters
    ----------
    values : ndarray, shape (C, n, m)
        Values on the published scale (after imputation), noise applied.
    transforms : tuple
        Per indicator ``None``/``"log"``/``"log1p"`` (the spec's declared transform).
    actions : ndarray of int, shape (C, m)
        :data:`TREATMENTS` code of the nominal treatment of each indicator.
    bounds : ndarray, shape (C, 2, m)
        Lowest and highest treated value of each winsorised indicator in the nominal build.

    Returns
    -------
    ndarray, shape (C, n, m)
        Values on the treated scale, ready for normalisation.

    Notes
    -----
    The treatment is fitted once, on the nominal data, and applied to every noisy draw (scikit-learn
    style): a winsorised indicator is clipped to its nominal winsorised range; a log-treated one
    (COINr's ``log_CT``) gets :math:`\\ln(x - \\min x + 0.01 (\\max x - \\min x))` of its noisy
    column. So the noise is relative on the published scale whatever the treatment (issue 13,
    defect 3: it used to multiply the log values).
    """
    out = np.array(values, dtype=float, copy=True)
    for j, tr in enumerate(transforms or (None,) * out.shape[-1]):
        if tr is None:
            continue
        v = out[..., j]
        with np.errstate(invalid="ignore", divide="ignore"):
            if tr == "log":
                out[..., j] = np.log(np.where(v > 0, v, np.nan))
            elif tr == "log1p":
                out[..., j] = np.log1p(np.where(v > -1, v, np.nan))
            else:
                raise InputError(f"Unknown transform {tr!r} of indicator {j}.")
    actions = np.asarray(actions)
    clip = (actions == TREATMENTS["winsorised"])[:, None, :]
    if clip.any():
        lo, hi = bounds[:, 0][:, None, :], bounds[:, 1][:, None, :]
        out = np.where(clip, np.clip(out, lo, hi), out)
    logct = (actions == TREATMENTS["log"])[:, None, :]
    if logct.any():
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo = np.nanmin(out, axis=1, keepdims=True)
            hi = np.nanmax(out, axis=1, keepdims=True)
            out = np.where(logct, np.log(out - lo + 0.01 * (hi - lo)), out)
    return out


def normalise_groups(values: np.ndarray, groups, directions) -> np.ndarray:
    """Normalise ``values (..., n, m)`` column group by column group with the engine's normalisers."""
    out = np.full(values.shape, np.nan)
    d = np.asarray(directions, dtype=float)
    for cols, name, kwargs in groups:
        cols = list(cols)
        out[..., cols] = NORMALISERS[name](values[..., cols], d[cols], **dict(kwargs))
    return out


def _noisy_normalised(problem: RobustnessProblem, plan: DrawPlan, rows: np.ndarray) -> np.ndarray:
    """Normalised values under value noise for the draws ``rows`` -> (C, n, m)."""
    if problem.imputed is None or problem.normaliser_groups is None:
        raise ComputationError(
            "Value noise needs the imputed (published-scale) values and the normaliser groups in "
            "the problem; build it with problem_from_spec()."
        )
    n, m = problem.n, len(problem.indicators)
    variant = plan.left_out[rows] + 1 if problem.n_variants > 1 else np.zeros(len(rows), int)
    imp = plan.imputer[rows]
    base = problem.imputed[imp, variant]  # (C, n, m)
    factors = np.stack([noise_factors(plan.noise_seed[r], (n, m), plan.noise) for r in rows])
    if problem.treatments is None:
        actions = np.zeros((len(rows), m), dtype=np.int64)
        bounds = np.zeros((len(rows), 2, m))
    else:
        actions = np.asarray(problem.treatments)[imp, variant]
        bounds = np.asarray(problem.treat_bounds)[imp, variant]
    noisy = treat_noisy(base * factors, problem.transforms, actions, bounds)
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


def _scores_chunk(problem: RobustnessProblem, plan: DrawPlan, rows: np.ndarray):
    """Index scores (C, n) and pillar scores (C, n, P) for the draws ``rows``."""
    variant = _variants(problem, plan, rows)
    if plan.noise > 0 and np.any(plan.noise_seed[rows] >= 0):
        values = _noisy_normalised(problem, plan, rows)
    else:
        values = problem.normalised[plan.imputer[rows], plan.normaliser[rows], variant]  # (C, n, m)
    if problem.rescale is not None:
        mask = np.asarray(problem.rescale)[
            plan.normaliser[rows], plan.agg_within[rows], plan.agg_across[rows]
        ]  # (C, m)
        hit = np.flatnonzero(mask.any(axis=1))
        if hit.size:
            values = np.array(values, copy=True)
            sub = values[hit]
            values[hit] = np.where(mask[hit][:, None, :], positive_scale(sub), sub)
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
    return scores, pillar_scores


def eligibility(problem: RobustnessProblem, plan: DrawPlan, rows: np.ndarray) -> np.ndarray:
    """Eligibility ``(C, n)`` of the draws ``rows``: fixed rules and pool, then drawn thresholds."""
    variant = _variants(problem, plan, rows)
    elig = np.asarray(problem.eligible_fixed, dtype=bool)[variant].copy()
    for i, rule in enumerate(problem.threshold_rules):
        elig &= rule.passes(plan.thresholds[rows, i], variant)
    return elig


def _tie_keys(problem: RobustnessProblem, variant: np.ndarray, pillar_scores: np.ndarray) -> list:
    """The draws' tie-breaking keys (``problem.tie_keys``), each ``(C, n)``, lower wins, NaN last."""
    keys = []
    for kind, data, ascending in problem.tie_keys:
        if kind == "pillar":
            v = pillar_scores[:, :, int(data)]
        else:
            v = np.asarray(data, dtype=float)[variant]
        keys.append(v if ascending else -v)
    return keys


def evaluate_plan(
    problem: RobustnessProblem,
    plan: DrawPlan,
    *,
    chunk_size: int = 1024,
    progress: bool = False,
    return_scores: bool = False,
    return_pillar_scores: int = 0,
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
    return_pillar_scores : int
        Also return the pillar scores ``(R, n, P)`` of the first ``R`` draws (for the confidence
        factors of :mod:`~smartcity_analysis.robustness.smaa`).

    Returns
    -------
    DrawOutcome, or a tuple ``(DrawOutcome, scores?, pillar_scores?)`` with the requested extras.

    Notes
    -----
    Per draw: values of the drawn (imputation, normalisation, left-out) variant (noisy and
    re-normalised when value noise is on), pillar scores with the drawn pillar-level aggregation and
    within-pillar weights, index with the drawn index-level aggregation and pillar weights (the engine's
    own aggregators, so ``min_coverage`` and missing values behave as in ``build_index``), eligibility
    with the drawn thresholds, then :func:`select_top_k` (a tie-breaking key that is a pillar score
    takes the draw's own pillar scores, as ``selection.selection_order`` does in the engine).
    """
    d, n = plan.draws, problem.n
    selected = np.zeros((d, n), dtype=bool)
    eligible = np.zeros((d, n), dtype=bool)
    rank = np.zeros((d, n), dtype=np.int32)
    unscored = np.zeros(d, dtype=np.int64)
    all_scores = np.empty((d, n)) if return_scores else None
    keep = min(int(return_pillar_scores), d)
    kept = np.empty((keep, n, len(problem.pillars))) if keep else None
    chunk = max(int(chunk_size), 1)
    starts = range(0, d, chunk)
    if progress:
        starts = tqdm(starts, desc="robustness draws", unit="chunk", total=len(starts))
    tie = np.asarray(problem.tie_order)
    if problem.tie_keys is not None:
        # the keys depend on the draw: the region code is the last key, ``tie_order`` not used
        code_rank = np.argsort(np.argsort(np.asarray(problem.region_codes, dtype=str), kind="stable"))
    for s in starts:
        rows = np.arange(s, min(s + chunk, d))
        scores, pillar_scores = _scores_chunk(problem, plan, rows)
        if keep and rows[0] < keep:
            take = rows[rows < keep]
            kept[take] = pillar_scores[: take.size]
        elig = eligibility(problem, plan, rows)
        variant = _variants(problem, plan, rows)
        if problem.tie_keys is None:
            tie_rows, keys = tie[variant], None
        else:
            tie_rows, keys = code_rank, _tie_keys(problem, variant, pillar_scores)
        sel, rk = select_top_k(scores, elig, problem.k, tie_rows, problem.quotas, tie_keys=keys)
        selected[rows], eligible[rows], rank[rows] = sel, elig, rk
        unscored[rows] = (elig & np.isnan(scores)).sum(axis=1)
        if return_scores:
            all_scores[rows] = scores
    outcome = DrawOutcome(selected=selected, eligible=eligible, rank=rank, unscored=unscored)
    extras = ([all_scores] if return_scores else []) + ([kept] if return_pillar_scores else [])
    return (outcome, *extras) if extras else outcome


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
