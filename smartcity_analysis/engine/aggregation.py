"""Aggregation: combine normalised components (indicators of a pillar, or pillars) into one score.

Family contract (``AGGREGATORS``)
---------------------------------
Every aggregator is ``f(values, weights, *, min_coverage=0.0, **params) -> ndarray`` with

- ``values``: float array ``(..., n_regions, k)`` of normalised component scores (higher is better;
  NaN = missing). Leading axes (e.g. Monte Carlo draws) are carried through.
- ``weights``: non-negative array broadcastable to ``(..., k)`` (e.g. ``(k,)`` or ``(draws, 1, k)``);
  they need not sum to one: each region's available weights are renormalised to one.
- ``min_coverage``: the minimum share of the ``k`` components (by count, counting only components with
  a positive weight) a region must have observed; below it the score is NaN instead of computed from
  too little.
- returns ``(..., n_regions)``; non-decreasing in each component with a positive weight (arithmetic,
  geometric, harmonic; Mazziotta-Pareto only while the penalty does not dominate; Copeland in the
  pairwise-majority sense).

Geometric and harmonic means need non-negative values: a zero component gives a zero score (no
compensation), a negative component gives NaN; the Mazziotta-Pareto index needs a positive mean. The
pairing of an aggregation with a normalisation is therefore checked (:func:`needs_positive_scale`): a
spec whose nominal methods pair them wrongly is rejected when it loads, and the robustness analysis
rescales the components of such a drawn pairing onto ``[1, 100]``
(:func:`smartcity_analysis.engine.normalisation.positive_scale`). :func:`copeland` compares every pair of regions and costs
``O(n_regions^2 k)`` memory per leading index: loop over draws rather than stacking many of them.
"""

from __future__ import annotations

import warnings

import numpy as np

from smartcity_analysis.engine.normalisation import can_be_negative
from smartcity_analysis.errors import ComputationError, suggest

#: Aggregators defined on positive components only (see :func:`needs_positive_scale`).
POSITIVE_SCALE_AGGREGATORS = ("geometric", "harmonic", "mazziotta_pareto")


def needs_positive_scale(aggregation: str, normalisation: str, params=None) -> bool:
    """Whether ``aggregation`` over components normalised by ``normalisation`` can go wrong.

    Parameters
    ----------
    aggregation : str
        Key of :data:`AGGREGATORS`.
    normalisation : str
        Key of ``normalisation.NORMALISERS``.
    params : mapping, optional
        The normaliser's parameters.

    Returns
    -------
    bool
        True when the aggregation is geometric or harmonic and the normaliser can return negative
        values (the score would be NaN: the region silently unscored), or when it is Mazziotta-Pareto
        and the normaliser is neither non-negative nor a z-score centred on a positive mean (the MPI's
        own scale is ``100 + 10 z``).

    Notes
    -----
    :func:`smartcity_analysis.engine.normalisation.can_be_negative` decides the normaliser's side.
    """
    if aggregation not in POSITIVE_SCALE_AGGREGATORS:
        return False
    p = dict(params or {})
    if aggregation == "mazziotta_pareto" and normalisation == "zscore":
        return not float(p.get("mean", 0.0)) > 0
    return can_be_negative(normalisation, p)


def _prep(values, weights):
    v = np.asarray(values, dtype=float)
    if v.ndim < 2:
        raise ComputationError(
            f"Aggregators expect values of shape (..., regions, components). Got shape {v.shape}."
        )
    w = np.asarray(weights, dtype=float)
    if w.ndim == 1 and w.shape[0] != v.shape[-1]:
        raise ComputationError(
            f"Got {w.shape[0]} weights for {v.shape[-1]} components; pass one weight per component."
        )
    if np.any(w < 0) or np.any(~np.isfinite(w)):
        raise ComputationError("Aggregation weights must be finite and non-negative. Got "
                               f"{np.asarray(weights).tolist()!r}.")
    if 2 <= w.ndim < v.ndim:
        # (..., k) weights with leading axes: insert the regions axis to broadcast against (..., n, k)
        w = np.expand_dims(w, axis=-2)
    w = np.broadcast_to(w, v.shape)
    present = ~np.isnan(v)
    wp = np.where(present, w, 0.0)
    return v, w, wp, present


def _coverage_mask(w, present, min_coverage):
    active = w > 0
    n_active = active.sum(axis=-1)
    n_present = (active & present).sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = n_present / n_active
    return (n_present > 0) & (share + 1e-12 >= min_coverage)


def arithmetic(values, weights, *, min_coverage=0.0):
    """Weighted arithmetic mean over the observed components.

    Notes
    -----
    .. math:: y_i = \\frac{\\sum_{j \\in O_i} w_j x_{ij}}{\\sum_{j \\in O_i} w_j}

    with :math:`O_i` the components observed for region :math:`i`. Fully compensatory.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 6.2.
    """
    v, w, wp, present = _prep(values, weights)
    tot = wp.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = np.where(present, v * wp, 0.0).sum(axis=-1) / tot
    return np.where(_coverage_mask(w, present, min_coverage), y, np.nan)


def geometric(values, weights, *, min_coverage=0.0):
    """Weighted geometric mean over the observed components.

    Notes
    -----
    .. math:: y_i = \\prod_{j \\in O_i} x_{ij}^{\\,w_j / \\sum_{k \\in O_i} w_k}

    Partially compensatory: a low component is harder to offset. Requires :math:`x_{ij} \\ge 0`; a zero
    component gives 0 and a negative one gives NaN.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 6.2.
    .. [2] COINr ``a_gmean``.
    """
    v, w, wp, present = _prep(values, weights)
    tot = wp.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.where(present & (wp > 0), np.log(np.where(present, v, 1.0)), 0.0)
        y = np.exp((logs * wp / tot).sum(axis=-1))
    neg = np.any(present & (wp > 0) & (v < 0), axis=-1)
    y = np.where(neg, np.nan, y)
    return np.where(_coverage_mask(w, present, min_coverage), y, np.nan)


def harmonic(values, weights, *, min_coverage=0.0):
    """Weighted harmonic mean over the observed components.

    Notes
    -----
    .. math:: y_i = \\frac{\\sum_{j \\in O_i} w_j}{\\sum_{j \\in O_i} w_j / x_{ij}}

    The least compensatory of the three power means. A zero component gives 0, a negative one NaN.

    References
    ----------
    .. [1] COINr ``a_hmean`` (Becker et al. 2022).
    """
    v, w, wp, present = _prep(values, weights)
    tot = wp.sum(axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = np.where(present & (wp > 0), wp / np.where(present, v, 1.0), 0.0).sum(axis=-1)
        y = tot / inv
    zero = np.any(present & (wp > 0) & (v == 0), axis=-1)
    y = np.where(zero, 0.0, y)
    neg = np.any(present & (wp > 0) & (v < 0), axis=-1)
    y = np.where(neg, np.nan, y)
    return np.where(_coverage_mask(w, present, min_coverage), y, np.nan)


def mazziotta_pareto(values, weights, *, min_coverage=0.0, penalty="negative"):
    """Mazziotta-Pareto index: mean penalised by the imbalance between components.

    Parameters
    ----------
    penalty : {"negative", "positive"}
        ``"negative"`` (default) subtracts the penalty, for components where higher is better.

    Notes
    -----
    With weighted mean :math:`M_i = \\sum_j \\tilde w_{ij} x_{ij}`, weighted standard deviation
    :math:`S_i = (\\sum_j \\tilde w_{ij} (x_{ij} - M_i)^2)^{1/2}` and :math:`cv_i = S_i / M_i`,

    .. math:: MPI_i^{\\mp} = M_i \\mp S_i\\, cv_i

    With equal weights this is the original MPI: :math:`S_i` is the population standard deviation of
    the region's components (divisor :math:`k`, not :math:`k - 1`). The components are defined on the
    MPI's z-score scale of mean 100 and sd 10, standardised with the population sd
    (``{method: zscore, mean: 100, sd: 10, ddof: 0}``).

    References
    ----------
    .. [1] Mazziotta M., Pareto A. (2016). On a generalized non-compensatory composite index for measuring
       socio-economic phenomena. Social Indicators Research 127, 983-1003.
    .. [2] Mazziotta M., Pareto A. (2013). Methods for constructing composite indicators: one for all or
       all for one? Rivista Italiana di Economia Demografia e Statistica 67(2), 67-80.
    .. [3] R package Compind (Vidoli F., Fusco E.), function ``ci_mpi``.
    """
    if penalty not in ("negative", "positive"):
        raise ComputationError(f"penalty must be 'negative' or 'positive'. Got {penalty!r}.")
    v, w, wp, present = _prep(values, weights)
    tot = wp.sum(axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        wn = wp / tot
        m = np.where(present, v * wn, 0.0).sum(axis=-1)
        s = np.sqrt(np.where(present, wn * (v - m[..., None]) ** 2, 0.0).sum(axis=-1))
        cv = s / m
    sign = -1.0 if penalty == "negative" else 1.0
    y = m + sign * s * cv
    return np.where(_coverage_mask(w, present, min_coverage), y, np.nan)


def copeland(values, weights, *, min_coverage=0.0):
    """Weighted Copeland score: pairwise majority wins minus losses over all other regions.

    Notes
    -----
    For regions :math:`a, b` with both components observed in :math:`O_{ab}`,
    :math:`e_{ab} = \\sum_{j \\in O_{ab}} \\tilde w_j (1[x_{aj} > x_{bj}] + \\tfrac12 1[x_{aj} = x_{bj}])`
    with weights renormalised over :math:`O_{ab}`. Then

    .. math:: C_a = \\sum_{b \\ne a} \\big(1[e_{ab} > 1/2] - 1[e_{ab} < 1/2]\\big)

    A non-compensatory, outranking-based aggregation. Cost ``O(n^2 k)`` per leading index.

    References
    ----------
    .. [1] Munda G., Nardo M. (2009). Noncompensatory/nonlinear composite indicators for ranking
       countries: a defensible setting. Applied Economics 41(12), 1513-1523.
    .. [2] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 6.3.
    """
    v, w, wp, present = _prep(values, weights)
    out_shape = v.shape[:-1]
    vv = v.reshape((-1,) + v.shape[-2:])
    ww = w.reshape((-1,) + w.shape[-2:])
    pp = present.reshape((-1,) + present.shape[-2:])
    res = np.empty(vv.shape[:-1])
    for t in range(vv.shape[0]):
        x, wt, pr = vv[t], ww[t][0], pp[t]
        both = pr[:, None, :] & pr[None, :, :]
        wb = np.where(both, wt, 0.0)
        tot = wb.sum(axis=-1)
        gt = (x[:, None, :] > x[None, :, :]) & both
        eq = (x[:, None, :] == x[None, :, :]) & both
        with np.errstate(invalid="ignore", divide="ignore"):
            e = (np.where(gt, wb, 0.0) + 0.5 * np.where(eq, wb, 0.0)).sum(axis=-1) / tot
        score = np.where(e > 0.5 + 1e-12, 1.0, np.where(e < 0.5 - 1e-12, -1.0, 0.0))
        score = np.where(tot > 0, score, 0.0)
        np.fill_diagonal(score, 0.0)
        res[t] = score.sum(axis=-1)
    y = res.reshape(out_shape)
    return np.where(_coverage_mask(w, present, min_coverage), y, np.nan)


#: Registry of aggregators (see the module docstring for the contract).
AGGREGATORS = {
    "arithmetic": arithmetic,
    "geometric": geometric,
    "harmonic": harmonic,
    "mazziotta_pareto": mazziotta_pareto,
    "copeland": copeland,
}


def aggregate(values, weights, method: str = "arithmetic", *, min_coverage: float = 0.0, **params):
    """Aggregate with a registered method (see :data:`AGGREGATORS`).

    Parameters
    ----------
    values : array-like, shape (..., n_regions, k)
    weights : array-like, broadcastable to (..., k)
    method : str
    min_coverage : float
        Minimum share of components observed.

    Returns
    -------
    ndarray, shape (..., n_regions)

    Notes
    -----
    See each method's docstring for its formula.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 6.
    """
    if method not in AGGREGATORS:
        raise ComputationError(f"Unknown aggregation method '{method}'.{suggest(method, AGGREGATORS)}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return AGGREGATORS[method](values, weights, min_coverage=min_coverage, **params)
