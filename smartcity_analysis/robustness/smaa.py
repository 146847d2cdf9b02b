"""What a region asks of a selection: SMAA-style answers and exact weight stability intervals.

Arrays only, on top of :mod:`~smartcity_analysis.robustness.kernel` (the draws a Monte Carlo run
already made). Per region: the **central weight vector** (:func:`central_weights`: the typical
criterion weights under which it is selected), its **confidence factor** (:func:`confidence_factors`:
P(selected) with the criterion weights fixed at that vector, everything else still drawn) and its
**pairwise winning indices** against its nearest rivals (:func:`winning_indices`). Per cohort: how
settled the decision is (:func:`decision_entropy`), the **weight stability intervals** of each
criterion (:func:`stability_intervals`, exact for arithmetic aggregation over fixed values) and the
**audit figures** that compare the model with the actual cohort (:func:`audit_figures`).

The criteria are the pillars (the index-level components); their weights are the plan's
``pillar_weights``.

References
----------
Lahdelma, R. & Salminen, P. (2001). SMAA-2: Stochastic multicriteria acceptability analysis for group
decision making. Operations Research 49(3), 444-454.

Tervonen, T. & Figueira, J. R. (2008). A survey on stochastic multicriteria acceptability analysis
methods. Journal of Multi-Criteria Decision Analysis 15(1-2), 1-14.

Wolters, W. T. M. & Mareschal, B. (1995). Novel types of sensitivity analysis for additive MCDM
methods. European Journal of Operational Research 81(2), 281-290 (weight stability intervals).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from smartcity_analysis.engine.aggregation import aggregate
from smartcity_analysis.errors import InputError
from smartcity_analysis.robustness.kernel import RobustnessProblem, select_top_k

__all__ = [
    "StabilityInterval",
    "audit_figures",
    "central_weights",
    "confidence_factors",
    "decision_entropy",
    "nearest_rivals",
    "stability_intervals",
    "winning_indices",
]


def central_weights(selected: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Mean criterion weights over the draws in which each region is selected.

    Parameters
    ----------
    selected : ndarray of bool, shape (D, n)
    weights : ndarray, shape (D, P)
        The criterion (pillar) weights of each draw.

    Returns
    -------
    ndarray, shape (n, P)
        Row ``i`` is region ``i``'s central weight vector (sums to 1); NaN where it is never selected.

    Notes
    -----
    .. math:: w^c_i = \\frac{\\sum_d 1[i \\in S_d]\\, w_d}{\\sum_d 1[i \\in S_d]}

    SMAA's central weight vector (Lahdelma & Salminen 2001): "the typical weights under which this
    region is chosen".
    """
    sel = np.asarray(selected, dtype=float)
    w = np.asarray(weights, dtype=float)
    count = sel.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (sel.T @ w) / count[:, None]
    out[count == 0] = np.nan
    return out


def confidence_factors(
    problem: RobustnessProblem,
    pillar_scores: np.ndarray,
    eligible: np.ndarray,
    agg_across: np.ndarray,
    central: np.ndarray,
    candidates,
    *,
    variant: np.ndarray | None = None,
    chunk_regions: int = 32,
) -> np.ndarray:
    """P(selected) of each candidate with the criterion weights fixed at its central weight vector.

    Parameters
    ----------
    problem : RobustnessProblem
    pillar_scores : ndarray, shape (C, n, P)
        Pillar scores of ``C`` draws of the run (everything but the criterion weights drawn).
    eligible : ndarray of bool, shape (C, n)
        Eligibility in those draws.
    agg_across : ndarray of int, shape (C,)
        The index-level aggregation alternative of each draw.
    central : ndarray, shape (n, P)
        Central weight vectors (:func:`central_weights`).
    candidates : sequence of int
        Regions to evaluate (those with a central weight vector).
    variant : ndarray of int, shape (C,), optional
        Leave-one-out variant of each draw (tie order); default 0.

    Returns
    -------
    ndarray, shape (n,)
        Confidence factor per region; NaN where not evaluated.

    Notes
    -----
    .. math:: p^c_i = \\frac{1}{C} \\sum_d 1\\big[i \\in S_d(w = w^c_i)\\big]

    The index of every draw is re-aggregated from its pillar scores with the weights ``w^c_i`` (the
    draw's own index-level method), then selected with the cohort's eligibility, quotas and ties.
    A confidence factor near 1 says: under its typical weights, the region is chosen whatever else
    varies; low means its selection rests on other factors (methods, noise, thresholds).

    References
    ----------
    Lahdelma & Salminen (2001), Operations Research 49(3), 444-454 (confidence factor).
    """
    ps = np.asarray(pillar_scores, dtype=float)
    c, n, _ = ps.shape
    out = np.full(problem.n, np.nan)
    cand = [int(i) for i in candidates if np.isfinite(central[int(i)]).all()]
    tie_all = np.asarray(problem.tie_order)
    v = np.zeros(c, dtype=np.int64) if variant is None else np.asarray(variant)
    tie = tie_all[v]
    for s in range(0, len(cand), max(int(chunk_regions), 1)):
        block = cand[s : s + chunk_regions]
        b = len(block)
        scores = np.empty((b, c, n))
        w = central[block]  # (b, P)
        for a_idx, (name, kwargs) in enumerate(problem.aggregators_across):
            rows = np.flatnonzero(np.asarray(agg_across) == a_idx)
            if rows.size == 0:
                continue
            sub = ps[rows]
            wn = w / w.sum(axis=1, keepdims=True)
            # row-wise means of complete rows are matrix products (the same values as aggregate);
            # the regions with a missing (or, for the geometric mean, non-positive) component go
            # through the engine's aggregator
            odd = np.isnan(sub).any(axis=(0, 2)) | ~(w > 0).all()
            if name == "arithmetic":
                fast = np.einsum("cnp,bp->bcn", np.nan_to_num(sub), wn)
            elif name == "geometric":
                odd |= (sub <= 0).any(axis=(0, 2))
                with np.errstate(divide="ignore", invalid="ignore"):
                    fast = np.exp(np.einsum("cnp,bp->bcn", np.log(np.where(sub > 0, sub, 1.0)), wn))
            else:
                odd[:] = True
                fast = np.empty((b, rows.size, n))
            cols = np.flatnonzero(odd)
            if cols.size:
                part = sub[:, cols]
                fast[:, :, cols] = aggregate(
                    np.broadcast_to(part, (b,) + part.shape),
                    w[:, None, :],
                    name,
                    min_coverage=problem.min_coverage_across,
                    **dict(kwargs),
                )
            scores[:, rows] = fast
        flat = scores.reshape(b * c, n)
        sel, _ = select_top_k(
            flat,
            np.tile(eligible, (b, 1)),
            problem.k,
            np.tile(tie, (b, 1)),
            problem.quotas,
        )
        sel = sel.reshape(b, c, n)
        for bi, i in enumerate(block):
            out[i] = sel[bi, :, i].mean()
    return out


def nearest_rivals(rank_median: np.ndarray, candidates, n_rivals: int = 5) -> dict:
    """The ``n_rivals`` other candidates whose median place is closest to each candidate's.

    Returns ``{i: [j, ...]}`` (ties of distance broken by index).
    """
    cand = np.asarray([int(i) for i in candidates])
    med = np.asarray(rank_median, dtype=float)[cand]
    out = {}
    for a, i in enumerate(cand):
        dist = np.abs(med - med[a])
        dist[a] = np.inf
        order = np.lexsort((cand, dist))
        out[int(i)] = [int(cand[j]) for j in order[:n_rivals] if np.isfinite(dist[j])]
    return out


def winning_indices(rank: np.ndarray, pairs) -> np.ndarray:
    """P(region ``i`` is placed above rival ``j``) over the draws, for each pair ``(i, j)``.

    Parameters
    ----------
    rank : ndarray of int, shape (D, n)
        Place in the eligible order per draw (1 = best, 0 = not eligible or unscored).
    pairs : sequence of (int, int)

    Returns
    -------
    ndarray, shape (len(pairs),)

    Notes
    -----
    .. math:: p_{ij} = \\frac{1}{D} \\sum_d 1\\big[r_{di} > 0 \\wedge (r_{dj} = 0 \\vee r_{di} < r_{dj})\\big]

    An eligible region is above an ineligible one; two ineligible regions are above neither, so
    ``p_ij + p_ji <= 1`` with equality when both are always eligible. SMAA's pairwise winning index
    (Leskinen et al. 2006; Tervonen & Figueira 2008, section 3).
    """
    r = np.asarray(rank)
    pairs = list(pairs)
    if not pairs:
        return np.zeros(0)
    i = np.array([p[0] for p in pairs])
    j = np.array([p[1] for p in pairs])
    ri, rj = r[:, i], r[:, j]
    return ((ri > 0) & ((rj == 0) | (ri < rj))).mean(axis=0)


def decision_entropy(p_selected) -> float:
    """Total binary entropy of the selection decisions, in bits.

    Notes
    -----
    .. math:: H = \\sum_i -p_i \\log_2 p_i - (1 - p_i) \\log_2 (1 - p_i)

    0 when every region is selected with probability 0 or 1 (a settled cohort); each region decided
    by a coin toss adds 1 bit.
    """
    p = np.clip(np.asarray(p_selected, dtype=float), 0.0, 1.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        h = -(np.where(p > 0, p * np.log2(p), 0.0) + np.where(p < 1, (1 - p) * np.log2(1 - p), 0.0))
    return float(np.nansum(h))


@dataclass(frozen=True)
class StabilityInterval:
    """The stability interval of one criterion's weight (see :func:`stability_intervals`).

    ``weight`` is the nominal weight; ``[low, high]`` the weights over which the nominal cohort stays
    the same; ``enters_low``/``leaves_low`` the regions that enter and leave just beyond ``low`` (empty
    at the end of the simplex), likewise at ``high``. ``region_low``/``region_high`` (n,) are each
    eligible region's own interval, over which its status stays unchanged (NaN where not eligible).
    """

    criterion: str
    weight: float
    low: float
    high: float
    enters_low: tuple
    leaves_low: tuple
    enters_high: tuple
    leaves_high: tuple
    region_low: np.ndarray
    region_high: np.ndarray


def _status_runs(ca, cb, t0, k, tie):
    """Per contender, the interval of ``t`` around ``t0`` over which its top-``k`` status stays.

    Scores are the lines ``t ca + (1 - t) cb``. A region is in the top ``k`` iff fewer than ``k``
    contenders are above it; that count changes by one at each crossing with another line, so the
    crossings of each region, sorted outward from ``t0``, give the first ``t`` where its status flips.
    Returns ``(status0, low, high)``.
    """
    q = ca.size
    s0 = t0 * ca + (1 - t0) * cb
    slope = ca - cb
    above0 = (s0[None, :] > s0[:, None]) | ((s0[None, :] == s0[:, None]) & (tie[None, :] < tie[:, None]))
    np.fill_diagonal(above0, False)
    count0 = above0.sum(axis=1)
    status0 = count0 < k
    ds = slope[None, :] - slope[:, None]  # (r, j): j's slope minus r's
    with np.errstate(invalid="ignore", divide="ignore"):
        t = (cb[:, None] - cb[None, :]) / ds  # where line j meets line r
    valid = np.isfinite(t) & (t > 0) & (t < 1) & ~np.eye(q, dtype=bool)
    # moving right past a crossing, j rises above r if its slope is larger, else falls below
    right = np.where(valid & (t > t0), t, np.inf)
    order = np.argsort(right, axis=1)
    tr = np.take_along_axis(right, order, axis=1)
    dr = np.take_along_axis(np.where(ds > 0, 1, -1), order, axis=1)
    cr = count0[:, None] + np.cumsum(np.where(np.isfinite(tr), dr, 0), axis=1)
    flip = ((cr < k) != status0[:, None]) & np.isfinite(tr)
    high = np.where(flip.any(axis=1), tr[np.arange(q), flip.argmax(axis=1)], 1.0)
    left = np.where(valid & (t < t0), t, -np.inf)
    order = np.argsort(-left, axis=1)
    tl = np.take_along_axis(left, order, axis=1)
    dl = np.take_along_axis(np.where(ds > 0, -1, 1), order, axis=1)
    cl = count0[:, None] + np.cumsum(np.where(np.isfinite(tl), dl, 0), axis=1)
    flip = ((cl < k) != status0[:, None]) & np.isfinite(tl)
    low = np.where(flip.any(axis=1), tl[np.arange(q), flip.argmax(axis=1)], 0.0)
    return status0, low, high


def stability_intervals(
    values: np.ndarray,
    weights: np.ndarray,
    eligible: np.ndarray,
    k: int,
    *,
    tie_order: np.ndarray | None = None,
    criteria=None,
    region_codes=None,
) -> list[StabilityInterval]:
    """Exact weight stability intervals of an arithmetic index over fixed component values.

    Parameters
    ----------
    values : ndarray, shape (n, P)
        Component (pillar) scores; no NaN among the eligible.
    weights : ndarray, shape (P,)
        Nominal weights (normalised to sum 1 here).
    eligible : ndarray of bool, shape (n,)
    k : int
        Cohort size: the selection is the top ``k`` eligible regions.
    tie_order : ndarray of int, shape (n,), optional
        Lower wins a tie (default: index order).
    criteria, region_codes : sequence, optional
        Labels (default: indices).

    Returns
    -------
    list of StabilityInterval
        One per criterion with a positive nominal weight below 1.

    Notes
    -----
    Setting criterion ``c``'s weight to ``t`` and rescaling the others proportionally,
    :math:`w_j(t) = w_j (1 - t) / (1 - w_c)`, gives every region the score

    .. math:: S_i(t) = t\\, x_{ic} + (1 - t)\\, b_i, \\qquad
              b_i = \\frac{S_i(w_c) - w_c x_{ic}}{1 - w_c},

    a line in ``t``. Only *contenders* can ever be in the top ``k`` (regions whose best score over
    ``[0, 1]`` reaches the ``k``-th highest worst score). A contender is selected iff fewer than ``k``
    contenders are above it, a count that changes by one at each crossing of its line with
    another's; walking its crossings outward from ``w_c`` gives the exact interval over which its
    status stays (``region_low``, ``region_high``). The cohort stays the same while every region's
    status does: ``low = max region_low``, ``high = min region_high``; the regions whose own bound
    is the cohort's bound enter (not selected) or leave (selected) there. Exact for plain top-``k``
    selection (the question possible/necessary answers); quotas are not modelled.

    References
    ----------
    Wolters & Mareschal (1995), EJOR 81(2), 281-290; Mareschal B. (1988). Weight stability intervals
    in multicriteria decision aid. EJOR 33(1), 54-64.
    """
    x = np.asarray(values, dtype=float)
    n, p = x.shape
    w0 = np.asarray(weights, dtype=float)
    if w0.shape != (p,) or (w0 < 0).any() or w0.sum() <= 0:
        raise InputError(f"Need {p} non-negative weights with a positive sum. Got {w0.tolist()}.")
    w0 = w0 / w0.sum()
    elig = np.asarray(eligible, dtype=bool)
    if np.isnan(x[elig]).any():
        raise InputError(
            "Stability intervals need every eligible region's component scores; some are missing."
        )
    tie = np.arange(n) if tie_order is None else np.asarray(tie_order)
    criteria = list(range(p)) if criteria is None else list(criteria)
    codes = np.asarray(list(range(n)) if region_codes is None else list(region_codes))
    idx = np.flatnonzero(elig)
    kk = min(int(k), idx.size)
    out = []
    s0 = x @ w0
    for c in range(p):
        if not 0 < w0[c] < 1:
            continue
        a = x[idx, c]
        b = (s0[idx] - w0[c] * x[idx, c]) / (1 - w0[c])
        lo_end, hi_end = np.minimum(a, b), np.maximum(a, b)
        kth_worst = np.sort(lo_end)[::-1][kk - 1]
        cont = np.flatnonzero(hi_end >= kth_worst - 1e-12)
        ca, cb = a[cont], b[cont]
        status0, low_c, high_c = _status_runs(ca, cb, float(w0[c]), kk, tie[idx][cont])
        lo, hi = float(low_c.max()), float(high_c.min())
        names = codes[idx][cont]
        at_lo = np.isclose(low_c, lo) & (lo > 0)
        at_hi = np.isclose(high_c, hi) & (hi < 1)
        enters_low = tuple(names[at_lo & ~status0].tolist())
        leaves_low = tuple(names[at_lo & status0].tolist())
        enters_high = tuple(names[at_hi & ~status0].tolist())
        leaves_high = tuple(names[at_hi & status0].tolist())
        r_low = np.full(n, np.nan)
        r_high = np.full(n, np.nan)
        r_low[idx], r_high[idx] = 0.0, 1.0
        r_low[idx[cont]], r_high[idx[cont]] = low_c, high_c
        out.append(
            StabilityInterval(
                criterion=criteria[c],
                weight=float(w0[c]),
                low=lo,
                high=hi,
                enters_low=enters_low,
                leaves_low=leaves_low,
                enters_high=enters_high,
                leaves_high=leaves_high,
                region_low=r_low,
                region_high=r_high,
            )
        )
    return out


def audit_figures(
    selected: np.ndarray,
    eligible: np.ndarray,
    rank: np.ndarray,
    actual: np.ndarray,
    k: int,
) -> dict:
    """Audit figures of a cohort, as audit offices publish them for grant programmes.

    Parameters
    ----------
    selected, eligible : ndarray of bool, shape (D, n)
        Row 0 is the nominal model; the other rows the Monte Carlo draws (at least one).
    rank : ndarray of int, shape (D, n)
        Place in the eligible order (0 = not ranked).
    actual : ndarray of bool, shape (n,)
        The actual cohort.
    k : int

    Returns
    -------
    dict
        Nominal values and, over the draws, mean and 5-95 % interval of: ``actual_outside_top_k``
        (actual regions the model does not select), ``actual_failing_gate`` (actual regions that
        fail an eligibility rule or are outside the pool), ``top_k_not_chosen`` (model selections not
        in the actual cohort); plus ``places_beyond_k`` of the nominal model: for each actual region
        outside the top k, its place minus k (NaN when it is not ranked), as median and maximum.

    Notes
    -----
    Per draw :math:`d`: :math:`|A \\setminus S_d|`, :math:`|A \\setminus E_d|`,
    :math:`|S_d \\setminus A|`.
    """
    sel = np.asarray(selected, dtype=bool)
    elig = np.asarray(eligible, dtype=bool)
    act = np.asarray(actual, dtype=bool)[None, :]
    figures = {
        "actual_outside_top_k": (act & ~sel).sum(axis=1),
        "actual_failing_gate": (act & ~elig).sum(axis=1),
        "top_k_not_chosen": (sel & ~act).sum(axis=1),
    }
    out = {"n_actual": int(act.sum()), "k": int(k)}
    for name, v in figures.items():
        draws = v[1:].astype(float)
        out[name] = {
            "nominal": int(v[0]),
            "mean": float(draws.mean()),
            "p05": float(np.quantile(draws, 0.05)),
            "p95": float(np.quantile(draws, 0.95)),
        }
    r0 = np.asarray(rank)[0]
    outside = np.flatnonzero(act[0] & ~sel[0])
    beyond = np.array([r0[i] - k if r0[i] > 0 else np.nan for i in outside], dtype=float)
    ranked = beyond[np.isfinite(beyond)]
    out["places_beyond_k"] = {
        "median": float(np.median(ranked)) if ranked.size else None,
        "max": float(ranked.max()) if ranked.size else None,
        "not_ranked": int(np.isnan(beyond).sum()),
    }
    return out
