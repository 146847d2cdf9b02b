"""Possible and necessary selection under weight bounds, decided exactly by (mixed-integer) LP with HiGHS.

For linear aggregation over fixed component values (pillar scores, or normalised indicators), a region
is **possibly selected** when some admissible weight vector puts it in the top ``k`` of the eligible
regions, and **necessarily selected** when every admissible weight vector does. The admissible set is
the box of declared weight bounds ``lower <= w <= upper`` (the uncertainty block's ``bounds``: ``w0 (1 +-
x)``; a Dirichlet has the whole simplex as support, i.e. ``0 <= w``). Because a ranking under linear
aggregation does not change when all weights are multiplied by the same positive number, the box
describes exactly the weights the Monte Carlo draws (which renormalise them to sum 1).

Monte Carlo gives probabilities; this gives certainties: necessary implies P(selected) = 1 and not
possible implies P(selected) = 0 under weight-only uncertainty within the same bounds (tested).

Method, per region ``r`` (``d_i = v_i - v_r``, so ``i`` beats ``r`` at ``w`` when ``d_i . w > 0``):

1. Screening on the box: ``i`` always beats ``r`` when ``min_w d_i . w > 0`` and never when
   ``max_w d_i . w < 0`` (closed forms ``sum_j min/max(d_ij lower_j, d_ij upper_j)``). With ``A``
   regions always above and ``S`` regions sometimes above: ``A >= k`` means not possible; ``A + S < k``
   means necessary.
2. Probes: the selection at the box centre, its corners and 256 random admissible weight vectors; a
   region selected at one of them is possible, one left out at one of them is not necessary.
3. Otherwise a mixed-integer LP over ``(w, z)``, ``z_i`` binary for the ``S`` undecided regions
   (``scipy.optimize.milp``, HiGHS): possible iff some ``w`` has at most ``k - 1 - A`` of them above
   ``r`` (``d_i . w <= -eps + M_i z_i``, ``sum z <= k - 1 - A``); necessary iff no ``w`` has ``k - A`` of
   them above ``r`` (``d_i . w >= eps - M_i (1 - z_i)``, ``sum z >= k - A`` infeasible). ``M_i`` are the
   box bounds of ``d_i . w``; ``eps`` (default ``1e-9`` times the value scale) makes "above" strict, and
   ties are resolved by ``tie_order`` exactly as the selection does (a tie is allowed where ``r`` wins it).

Limits (documented in docs/robustness.md):

- Only linear (arithmetic) aggregation over **fixed** component values. Geometric aggregation is linear
  in log-values, so ``geometric`` over fixed positive values with weights normalised to sum 1 is covered
  by passing ``log(values)`` — but only for one level; two levels with uncertain weights at both, a
  change of method, of normalisation, noise or imputation are not covered (use the Monte Carlo).
- Weights perturbed within pillars and renormalised per pillar do not form a box of effective weights:
  pass pillar scores with pillar-weight bounds (exact), or a single pillar with indicator bounds.
- Quotas (caps per province, minimum shares) are **not** modelled: the result is for plain top-``k``
  selection among the eligible; the Monte Carlo handles quotas.
- Eligibility is fixed (no uncertain thresholds).

References
----------
Greco, S., Mousseau, V. & Slowinski, R. (2008). Ordinal regression revisited: multiple criteria ranking
using a set of additive value functions. European Journal of Operational Research 191(2), 416-436
(possible and necessary relations).

Huangfu, Q. & Hall, J. A. J. (2018). Parallelizing the dual revised simplex method. Mathematical
Programming Computation 10(1), 119-142 (HiGHS).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.optimize import Bounds, LinearConstraint, milp

from smartcity_analysis.errors import ComputationError, InputError
from smartcity_analysis.robustness.kernel import select_top_k

__all__ = ["PossibleNecessaryResult", "possible_necessary", "weight_bounds"]


@dataclass(frozen=True)
class PossibleNecessaryResult:
    """Per-region possible/necessary selection.

    ``table`` (index ``region_code``): ``eligible``, ``possible``, ``necessary`` (bool), ``n_always_above``,
    ``n_sometimes_above`` (the screening counts), ``decided_by`` (``"ineligible"``, ``"screening"``,
    ``"probe"`` (settled by the selection at a probe weight vector) or ``"milp"``). ``k``; ``lower``/``upper`` the weight bounds used; ``note`` the limits that apply.
    """

    table: pd.DataFrame
    k: int
    lower: tuple
    upper: tuple
    note: str


def weight_bounds(nominal, kind: str = "bounds", relative: float = 0.25):
    """Admissible weight box of an uncertainty declaration.

    Parameters
    ----------
    nominal : array-like
        Nominal weights (any positive scale).
    kind : {"bounds", "dirichlet", "uniform"}
        ``"bounds"``: ``w0 (1 - relative) <= w <= w0 (1 + relative)`` (w0 normalised to sum 1);
        ``"dirichlet"``: the Dirichlet's support, every non-negative weight vector (``0 <= w <= 1``,
        enough since scale does not matter); ``"uniform"`` (Dirichlet(1)): the same support.
    relative : float
        Relative half-width for ``"bounds"``.

    Returns
    -------
    lower : ndarray
        Lowest admissible weight of each criterion.
    upper : ndarray
        Highest admissible weight of each criterion.
    """
    w0 = np.asarray(nominal, dtype=float)
    if w0.ndim != 1 or w0.size == 0 or (w0 < 0).any() or w0.sum() <= 0:
        raise InputError(
            f"Nominal weights must be non-negative with a positive sum. Got {w0.tolist()}."
        )
    w0 = w0 / w0.sum()
    if kind == "bounds":
        if not 0 <= relative < 1:
            raise InputError(f"The relative weight bound must be in [0, 1). Got {relative}.")
        return w0 * (1 - relative), w0 * (1 + relative)
    if kind in ("dirichlet", "uniform"):
        return np.zeros_like(w0), np.where(w0 > 0, 1.0, 0.0)
    raise InputError(f"Unknown weight uncertainty kind {kind!r}; expected 'bounds', 'dirichlet' or 'uniform'.")


def _box_range(d: np.ndarray, lower: np.ndarray, upper: np.ndarray):
    """Min and max of ``d . w`` over the box, row-wise."""
    a, b = d * lower, d * upper
    return np.minimum(a, b).sum(axis=1), np.maximum(a, b).sum(axis=1)


def _milp_feasible(d, eps, lo_box, hi_box, lower, upper, count, mode) -> bool:
    """Feasibility of the screening-undecided case; ``mode`` "at_most" (possible) or "at_least"."""
    s, p = d.shape
    # variables: w (p, continuous), z (s, binary)
    c = np.zeros(p + s)
    integrality = np.concatenate([np.zeros(p), np.ones(s)])
    bounds = Bounds(np.concatenate([lower, np.zeros(s)]), np.concatenate([upper, np.ones(s)]))
    eye = np.eye(s)
    cons = []
    if not (lower > 0).any():
        # the box contains w = 0, which no draw uses; every other direction of the box can be scaled
        # until some w_j reaches upper_j, so sum(w) >= min positive upper loses nothing
        floor = float(upper[upper > 0].min())
        cons.append(
            LinearConstraint(np.concatenate([np.ones(p), np.zeros(s)])[None, :], floor, np.inf)
        )
    if mode == "at_most":
        # d.w - M z <= -eps  with M = hi_box + eps (so z = 1 relaxes it fully)
        big = np.maximum(hi_box + eps, 0.0)
        a_rows = np.hstack([d, -eye * big[:, None]])
        cons += [
            LinearConstraint(a_rows, -np.inf, -eps),
            LinearConstraint(np.concatenate([np.zeros(p), np.ones(s)])[None, :], -np.inf, count),
        ]
    else:
        # d.w + M (1 - z) >= eps  ->  d.w - M z >= eps - M,  M = eps - lo_box
        big = np.maximum(eps - lo_box, 0.0)
        a_rows = np.hstack([d, -eye * big[:, None]])
        cons += [
            LinearConstraint(a_rows, eps - big, np.inf),
            LinearConstraint(np.concatenate([np.zeros(p), np.ones(s)])[None, :], count, np.inf),
        ]
    res = milp(c, constraints=cons, integrality=integrality, bounds=bounds)
    if res.status == 0:
        return True
    if res.status == 2:  # infeasible
        return False
    raise ComputationError(
        f"The HiGHS mixed-integer solver did not finish (status {res.status}: {res.message}). "
        "Try fewer regions or looser bounds, or rely on the Monte Carlo."
    )


def _probe(v, lower, upper, ranked, k, tie, n_random=256, open_lower=False):
    """Selections at probe weights (box corners, centre, random points): a region selected at one of
    them is possible, one left out at one of them is not necessary, with no LP needed.

    With ``open_lower`` the probes stay strictly inside the box (the boundary is not admissible).
    Returns ``(seen_in, seen_out)`` boolean arrays over regions.
    """
    p = len(lower)
    unit = [np.full(p, 0.5)]
    if p <= 10:
        unit.extend(np.array(np.meshgrid(*[[0, 1]] * p, indexing="ij")).reshape(p, -1).T)
    rng = np.random.default_rng(0)
    unit.extend(rng.random((n_random, p)))
    # random points near the faces too (weights concentrated on few components)
    unit.extend(rng.dirichlet(np.full(p, 0.3), size=n_random) ** 0.5)
    u = np.array(unit, dtype=float)
    if open_lower:
        u = 1e-3 + (1 - 2e-3) * u
    w = lower + u * (upper - lower)
    w = w[w.sum(axis=1) > 0]
    vv = np.where(ranked[:, None], v, 0.0)
    scores = w @ vv.T
    sel, _ = select_top_k(scores, np.broadcast_to(ranked, scores.shape), k, tie)
    return sel.any(axis=0), (~sel).any(axis=0)


def possible_necessary(
    values,
    lower,
    upper,
    eligible,
    k: int,
    *,
    region_codes=None,
    tie_order=None,
    eps: float | None = None,
    quotas_ignored: bool = False,
    open_lower: bool = False,
) -> PossibleNecessaryResult:
    """Decide for every region whether it is possibly / necessarily in the top ``k`` of the eligible.

    Parameters
    ----------
    values : array-like, shape (n, p)
        Fixed component values (pillar scores or normalised indicators); the score is ``values @ w``.
        A region with a missing value is treated as not ranked (neither possible nor necessary).
    lower, upper : array-like, shape (p,)
        Weight bounds (see :func:`weight_bounds`), ``0 <= lower <= upper``, ``upper`` not all 0.
    eligible : array-like of bool, shape (n,)
        Pool membership and eligibility (fixed).
    k : int
        Number of regions selected.
    region_codes : sequence of str, optional
        Index of the result (default ``"0", "1", ...``).
    tie_order : array-like of int, optional
        Lower wins ties of equal score (default: position).
    eps : float, optional
        Strictness margin; default ``1e-9 * max(1, max |values|)``.
    quotas_ignored : bool
        Say in the note that the spec has quotas this analysis does not model.
    open_lower : bool
        The admissible weights are strictly positive where ``lower`` is 0 (a Dirichlet's support is
        the open simplex): a region that is at least as good on every component and better on one
        is then always above. Ties are treated strictly (margin ``eps``) in this mode, so a claim never
        rests on a weight vector on the excluded boundary.

    Returns
    -------
    PossibleNecessaryResult

    Notes
    -----
    See the module docstring for the screening bounds and the two mixed-integer programmes. Necessary
    implies possible; an ineligible region is neither.

    References
    ----------
    Greco, Mousseau & Slowinski (2008), EJOR 191(2), 416-436.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 2:
        raise InputError(f"values must be a 2-D array (regions x components). Got shape {v.shape}.")
    n, p = v.shape
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    elig = np.asarray(eligible, dtype=bool)
    if lower.shape != (p,) or upper.shape != (p,):
        raise InputError(f"lower and upper must have {p} entries (one per column of values).")
    if (lower < 0).any() or (upper < lower).any() or not (upper > 0).any():
        raise InputError(
            f"Weight bounds must satisfy 0 <= lower <= upper with some upper > 0. Got lower="
            f"{lower.tolist()}, upper={upper.tolist()}."
        )
    if elig.shape != (n,):
        raise InputError(f"eligible must have {n} entries.")
    if int(k) < 1:
        raise InputError(f"k must be >= 1. Got {k}.")
    k = int(k)
    codes = [str(i) for i in range(n)] if region_codes is None else [str(c) for c in region_codes]
    tie = np.arange(n) if tie_order is None else np.asarray(tie_order)
    if eps is None:
        finite = np.abs(v[np.isfinite(v)])
        eps = 1e-9 * max(1.0, float(finite.max()) if finite.size else 1.0)
    ranked = elig & np.isfinite(v).all(axis=1)
    idx_ranked = np.flatnonzero(ranked)
    seen_in, seen_out = _probe(v, lower, upper, ranked, k, tie, open_lower=open_lower)

    possible = np.zeros(n, dtype=bool)
    necessary = np.zeros(n, dtype=bool)
    n_always = np.zeros(n, dtype=np.int64)
    n_some = np.zeros(n, dtype=np.int64)
    decided = np.array(["ineligible"] * n, dtype=object)
    for r in idx_ranked:
        others = idx_ranked[idx_ranked != r]
        d = v[others] - v[r]
        lo_box, hi_box = _box_range(d, lower, upper)
        r_wins_tie = tie[others] > tie[r]
        # i is above r at w when d.w > 0, or d.w == 0 and i wins the tie
        i_wins = ~r_wins_tie
        always = np.where(i_wins, lo_box >= 0, lo_box > eps)
        never = np.where(i_wins, hi_box < -eps, hi_box <= 0)
        if open_lower:
            live = upper > 0
            always |= (d[:, live] >= 0).all(axis=1) & (d[:, live] > eps).any(axis=1)
            never |= (d[:, live] <= 0).all(axis=1) & (d[:, live] < -eps).any(axis=1)
        some = ~always & ~never
        a, s = int(always.sum()), int(some.sum())
        n_always[r], n_some[r] = a, s
        decided[r] = "screening"
        if a >= k:
            continue  # neither possible nor necessary
        if a + s <= k - 1:
            possible[r] = necessary[r] = True
            continue
        ds, lo_s, hi_s = d[some], lo_box[some], hi_box[some]
        # "i not above r" needs d.w < 0, or d.w <= 0 where r wins the tie
        eps_not = np.where(r_wins_tie[some] & (not open_lower), 0.0, eps)
        eps_above = np.where(r_wins_tie[some] | open_lower, eps, 0.0)
        decided[r] = "probe"
        if seen_in[r]:
            possible[r] = True
        else:
            decided[r] = "milp"
            possible[r] = _milp_feasible(
                ds, eps_not, lo_s, hi_s, lower, upper, k - 1 - a, "at_most"
            )
        if possible[r]:
            if seen_out[r]:
                necessary[r] = False
            else:
                decided[r] = "milp"
                necessary[r] = not _milp_feasible(
                    ds, eps_above, lo_s, hi_s, lower, upper, k - a, "at_least"
                )
    table = pd.DataFrame(
        {
            "eligible": elig,
            "possible": possible,
            "necessary": necessary,
            "n_always_above": n_always,
            "n_sometimes_above": n_some,
            "decided_by": decided.astype(str),
        },
        index=pd.Index(codes, name="region_code"),
    )
    note = (
        "Linear aggregation over fixed component values; weights anywhere in the declared bounds "
        "(scale-free). Not covered: method changes, value noise, uncertain thresholds"
    )
    note += ", and the spec's quotas (ignored here)." if quotas_ignored else "."
    return PossibleNecessaryResult(
        table=table, k=k, lower=tuple(lower.tolist()), upper=tuple(upper.tolist()), note=note
    )
