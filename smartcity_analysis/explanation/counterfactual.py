"""What it would take: the smallest change that puts a region at or above its cohort's cutoff.

The pure core works on one region's normalised criteria (higher is better) and a score function:

- :func:`single_indicator_changes`: for each indicator alone, the smallest increase of its normalised
  value that lifts the score to the target, searched by bisection (exact for any score that is
  monotone in each indicator, e.g. arithmetic or geometric aggregation over fixed normalised values);
- :func:`combined_change`: the cheapest change over all indicators together, by linear programming
  (scipy HiGHS), in normalised units (L1 distance), each indicator bounded;
- :func:`to_raw_units`: converts a target normalised value back to the indicator's own units by
  monotone interpolation through the observed (raw, normalised) pairs;
- :func:`linear_score_model`: recovers the linear map normalised values -> score from an index build
  (and says whether it is exact).

The approximation: the normalisation (min/max, mean/sd, ranks) of the other regions is held fixed
while one region changes. It is exact while the changed value stays inside the observed range of the
indicator and the region is not itself the current minimum/maximum; beyond that the bounds move. The
search never goes beyond the observed best value of an indicator, and :func:`verify_change` in
:mod:`smartcity_analysis.explanation` re-runs the real build to check a change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from smartcity_analysis.errors import ComputationError, InputError

__all__ = [
    "DEFAULT_MAX_CHANGE",
    "OUTCOMES",
    "LinearScoreModel",
    "combined_change",
    "linear_score_model",
    "single_indicator_changes",
    "to_raw_units",
]

#: Default bound on the change of one indicator, in normalised units (share of the indicator's
#: observed min-max range) when the spec declares no plausible change for it.
DEFAULT_MAX_CHANGE = 0.25

#: Outcome labels used in the counterfactual tables.
OUTCOMES = {
    "already": "already selected",
    "reachable": "reachable",
    "unreachable": "not reachable within bounds",
    "ineligible": "ineligible because {reasons}",
    "no_data": "no data",
}


@dataclass(frozen=True)
class LinearScoreModel:
    """``score = intercept + normalised @ weights`` recovered from an index build.

    Attributes
    ----------
    weights : numpy.ndarray
        Effective weight of each indicator (score points per normalised unit).
    intercept : float
    exact : bool
        Whether the linear map reproduces the build's scores (max residual below ``tol``).
    max_residual : float
    """

    weights: np.ndarray
    intercept: float
    exact: bool
    max_residual: float

    def score(self, N) -> np.ndarray:
        """Score of each row of ``N`` (normalised values)."""
        return self.intercept + np.asarray(N, dtype=float) @ self.weights


def linear_score_model(normalised, score, *, tol: float = 1e-7) -> LinearScoreModel:
    """Least-squares linear map from normalised indicators to the composite score.

    Parameters
    ----------
    normalised : array (n, p)
        Normalised indicator values of every region (complete rows are used).
    score : array (n,)
        The build's composite score.
    tol : float
        Relative residual (to the score range) below which the map counts as exact.

    Returns
    -------
    LinearScoreModel

    Notes
    -----
    With arithmetic aggregation at every level and no missing values, the score is exactly
    ``sum_j W_j n_j`` with effective weights ``W_j = w_pillar(j) * w_j`` (times the score scale), so the
    least-squares fit recovers it with zero residual. With geometric or other non-linear aggregation
    the fit is a linearisation (``exact=False``); the single-indicator search then uses it as a score
    function and :func:`verify_change` must confirm a result through the real build.

    References
    ----------
    OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 6 (effective weights of
    a linear aggregation).
    """
    N = np.asarray(normalised, dtype=float)
    s = np.asarray(score, dtype=float)
    ok = np.isfinite(N).all(axis=1) & np.isfinite(s)
    if ok.sum() < N.shape[1] + 2:
        raise ComputationError(
            f"Too few complete regions ({int(ok.sum())}) to recover the score's linear map over "
            f"{N.shape[1]} indicators."
        )
    A = np.column_stack([np.ones(ok.sum()), N[ok]])
    coef, *_ = np.linalg.lstsq(A, s[ok], rcond=None)
    resid = np.abs(A @ coef - s[ok])
    span = max(float(np.ptp(s[ok])), 1e-12)
    return LinearScoreModel(
        weights=coef[1:], intercept=float(coef[0]),
        exact=bool(resid.max() <= tol * span), max_residual=float(resid.max()),
    )


def single_indicator_changes(
    n_row,
    score_fn: Callable[[np.ndarray], np.ndarray],
    target: float,
    upper,
    max_change,
    *,
    iterations: int = 60,
) -> tuple[np.ndarray, np.ndarray]:
    """Smallest increase of each indicator alone (normalised units) that reaches ``target``.

    Parameters
    ----------
    n_row : array (p,)
        The region's normalised values (higher is better).
    score_fn : callable
        ``score_fn(N) -> scores`` for a matrix of rows, non-decreasing in every column.
    target : float
        Score to reach (the cohort cutoff).
    upper : array (p,)
        Highest attainable normalised value per indicator (e.g. the observed best).
    max_change : array (p,)
        Largest plausible increase per indicator, normalised units.
    iterations : int, default 60
        Bisection steps (the interval shrinks by 2**-60).

    Returns
    -------
    delta : numpy.ndarray (p,)
        Required increase; 0 when already at or above target, NaN when not reachable (or value
        missing).
    reachable : numpy.ndarray of bool (p,)

    Notes
    -----
    For each ``j`` the score along ``n_j -> n_j + d`` is monotone, so the smallest ``d`` in
    ``[0, min(upper_j - n_j, max_change_j)]`` with ``score >= target`` is found by bisection on the
    upper end (the result always satisfies the target). For an arithmetic score this equals
    ``(target - score) / W_j``.

    References
    ----------
    Wachter, S., Mittelstadt, B., Russell, C. (2018). Counterfactual explanations without opening the
    black box. Harvard J. Law & Technology 31(2), 841-887.
    """
    n_row = np.asarray(n_row, dtype=float)
    p = n_row.size
    upper = np.broadcast_to(np.asarray(upper, dtype=float), (p,))
    max_change = np.broadcast_to(np.asarray(max_change, dtype=float), (p,))
    base = float(score_fn(n_row[None, :])[0])
    if base >= target:
        return np.zeros(p), np.ones(p, dtype=bool)
    hi = np.clip(np.minimum(upper - n_row, max_change), 0.0, None)
    hi = np.where(np.isfinite(n_row), hi, 0.0)

    def scores_at(d):
        N = np.repeat(n_row[None, :], p, axis=0)
        N[np.arange(p), np.arange(p)] += d
        return score_fn(N)

    reachable = (scores_at(hi) >= target) & np.isfinite(n_row)
    lo = np.zeros(p)
    h = hi.copy()
    for _ in range(iterations):
        mid = 0.5 * (lo + h)
        ok = scores_at(mid) >= target
        h = np.where(ok, mid, h)
        lo = np.where(ok, lo, mid)
    return np.where(reachable, h, np.nan), reachable


def combined_change(
    n_row,
    weights,
    gap: float,
    max_change,
) -> tuple[np.ndarray | None, float]:
    """Cheapest combined change (L1 in normalised units) that raises a linear score by ``gap``.

    Parameters
    ----------
    n_row : array (p,)
        Current normalised values (used only to skip missing ones).
    weights : array (p,)
        Effective weights (score points per normalised unit).
    gap : float
        Score increase needed (<= 0: nothing to do).
    max_change : array (p,)
        Upper bound of each indicator's increase (already limited by the attainable maximum).

    Returns
    -------
    delta : numpy.ndarray (p,) or None
        The change; None when the bounds do not allow reaching the gap.
    distance : float
        ``sum(delta)`` (NaN when unreachable).

    Notes
    -----
    Linear programme (HiGHS): ``min sum_j d_j`` s.t. ``sum_j W_j d_j >= gap``, ``0 <= d_j <= u_j``.
    Its solution fills the indicators in decreasing order of ``W_j`` (a fractional knapsack), so the
    cheapest route spends on the most heavily weighted criteria first.

    References
    ----------
    Dantzig, G. B. (1957). Discrete-variable extremum problems. Operations Research 5(2), 266-288.
    Wachter, S., Mittelstadt, B., Russell, C. (2018). Counterfactual explanations without opening the
    black box. Harvard J. Law & Technology 31(2), 841-887.
    """
    n_row = np.asarray(n_row, dtype=float)
    W = np.asarray(weights, dtype=float)
    p = n_row.size
    if W.shape != (p,):
        raise InputError(f"weights must have {p} entries. Got shape {W.shape}.")
    if gap <= 0:
        return np.zeros(p), 0.0
    ub = np.where(np.isfinite(n_row), np.clip(np.asarray(max_change, dtype=float), 0, None), 0.0)
    if float(np.clip(W, 0, None) @ ub) < gap:
        return None, float("nan")
    res = optimize.linprog(
        np.ones(p), A_ub=-W[None, :], b_ub=[-gap], bounds=list(zip(np.zeros(p), ub, strict=True)),
        method="highs",
    )
    if res.status != 0:
        return None, float("nan")
    d = np.clip(res.x, 0, ub)
    return d, float(d.sum())


def to_raw_units(normalised_col, raw_col, target) -> float:
    """Raw value at which an indicator reaches a normalised value, by monotone interpolation.

    Parameters
    ----------
    normalised_col, raw_col : array (n,)
        The indicator's normalised and raw values over all regions (pairs with a NaN are ignored).
    target : float
        Normalised value to reach.

    Returns
    -------
    float
        The raw value (NaN when fewer than two distinct pairs exist or ``target`` lies outside the
        observed normalised range).

    Notes
    -----
    Pairs are sorted by normalised value; where several raw values share one normalised value (a
    winsorised tail), the one needing the least change in the good direction is kept. Interpolation is linear between observed
    pairs: exact for affine normalisations (min-max, z-score, goalposts) of untreated values,
    approximate between neighbouring observations otherwise (log transform, ranks).

    References
    ----------
    Fritsch, F. N., Carlson, R. E. (1980). Monotone piecewise cubic interpolation. SIAM J. Numer.
    Anal. 17(2), 238-246 (monotone interpolation; here its piecewise-linear special case).
    """
    nc = np.asarray(normalised_col, dtype=float)
    rc = np.asarray(raw_col, dtype=float)
    ok = np.isfinite(nc) & np.isfinite(rc)
    nc, rc = nc[ok], rc[ok]
    if np.unique(nc).size < 2:
        return float("nan")
    increasing = np.corrcoef(nc, rc)[0, 1] >= 0
    order = np.lexsort((rc if increasing else -rc, nc))
    nc, rc = nc[order], rc[order]
    first = np.r_[True, np.diff(nc) > 0]
    xs, ys = nc[first], rc[first]
    if not (xs[0] - 1e-12 <= target <= xs[-1] + 1e-12):
        return float("nan")
    return float(np.interp(target, xs, ys))
