"""Normalisation: bring indicators of different units onto one scale where higher is better.

Family contract (``NORMALISERS``)
---------------------------------
Every normaliser is ``f(x, direction=1, *, **params) -> ndarray`` with

- ``x``: float array of shape ``(..., n_regions, n_indicators)``; NaN marks a missing value. Each
  indicator column is normalised along the regions axis (``axis=-2``), independently of the other
  columns and of any leading axes, so a stack of Monte Carlo draws ``(draws, regions, indicators)`` is
  normalised in one call.
- ``direction``: ``+1`` (higher is better) or ``-1`` (lower is better), a scalar or an array
  broadcastable to ``(n_indicators,)``.
- keyword parameters: scalars or arrays broadcastable to ``(n_indicators,)`` (per-indicator goalposts
  or targets).
- returns a float array of the same shape, NaN exactly where ``x`` is NaN, oriented so that a higher
  value is always better (non-decreasing in ``direction * x``).

:func:`normalise` applies a normaliser to a wide ``region_code x indicator`` DataFrame.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
import pandas as pd

from smartcity_analysis.errors import ComputationError, suggest


def _prep(x, direction):
    x = np.asarray(x, dtype=float)
    if x.ndim < 2:
        raise ComputationError(
            f"Normalisers expect an array of shape (..., regions, indicators). Got shape {x.shape}; "
            "reshape a single indicator with x[:, None]."
        )
    d = np.broadcast_to(np.asarray(direction, dtype=float), x.shape[-1:])
    return x, d


def _nanmin_max(x):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmin(x, axis=-2, keepdims=True), np.nanmax(x, axis=-2, keepdims=True)


def minmax(x, direction=1, *, lower=0.0, upper=100.0):
    """Min-max normalisation onto ``[lower, upper]``.

    Parameters
    ----------
    x : ndarray, shape (..., n_regions, n_indicators)
    direction : int or array of +-1
    lower, upper : float or array
        Bounds of the output scale.

    Returns
    -------
    ndarray
        Same shape; the best observed value maps to ``upper`` and the worst to ``lower``. A constant
        indicator maps to the midpoint ``(lower + upper) / 2``.

    Notes
    -----
    .. math:: y_{ij} = l + (u - l)\\,\\frac{x_{ij} - \\min_i x_{ij}}{\\max_i x_{ij} - \\min_i x_{ij}}

    for a positive indicator; for a negative one, :math:`\\max_i x_{ij} - x_{ij}` replaces the numerator.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 5.
    .. [2] Becker W. et al. (2022). COINr: An R package for developing composite indicators. JOSS 7(78),
       4567 (``n_minmax``).
    """
    x, d = _prep(x, direction)
    lo, hi = _nanmin_max(x)
    rng = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(d > 0, (x - lo) / rng, (hi - x) / rng)
    frac = np.where(rng == 0, 0.5, frac)
    frac = np.where(np.isnan(x), np.nan, frac)
    lower = np.asarray(lower, dtype=float)
    upper = np.asarray(upper, dtype=float)
    return lower + (upper - lower) * frac


def zscore(x, direction=1, *, mean=0.0, sd=1.0, ddof=1):
    """Standardisation (z-score), optionally rescaled to a chosen mean and standard deviation.

    Parameters
    ----------
    mean, sd : float
        Centre and spread of the output scale.
    ddof : {1, 0}
        Delta degrees of freedom of the standard deviation: 1 (sample sd, COINr ``n_zscore`` and the
        handbook's default) or 0 (population sd, what the Mazziotta-Pareto index prescribes).

    Notes
    -----
    .. math:: y_{ij} = m + s\\,d_j\\,\\frac{x_{ij} - \\bar x_j}{\\sigma_j}

    with :math:`\\sigma_j` the standard deviation over the observed regions (divisor
    :math:`n_j - \\mathrm{ddof}`) and :math:`d_j` the direction. A constant indicator maps to ``mean``.
    ``mean=100, sd=10, ddof=0`` is the scale the Mazziotta-Pareto index is defined on.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 5.
    .. [2] COINr ``n_zscore``.
    .. [3] Mazziotta M., Pareto A. (2016). Social Indicators Research 127, 983-1003 (population sd).
    """
    if ddof not in (0, 1):
        raise ComputationError(f"zscore's ddof must be 0 or 1. Got {ddof!r}.")
    x, d = _prep(x, direction)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mu = np.nanmean(x, axis=-2, keepdims=True)
        sigma = np.nanstd(x, axis=-2, ddof=int(ddof), keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = d * (x - mu) / sigma
    z = np.where((sigma == 0) | ~np.isfinite(sigma), 0.0, z)
    z = np.where(np.isnan(x), np.nan, z)
    return np.asarray(mean, dtype=float) + np.asarray(sd, dtype=float) * z


def goalposts(x, direction=1, *, lower=None, upper=None, scale=100.0, log=False, cap=True):
    """Goalpost normalisation: position between fixed lower and upper goalposts.

    Parameters
    ----------
    lower, upper : float or array, optional
        Goalposts in the indicator's units (``lower < upper``). Default: observed min and max.
    scale : float
        Output scale (100 gives 0-100).
    log : bool
        Apply the natural log to values and goalposts first (as the UNDP income index does).
    cap : bool
        Clip the result to ``[0, scale]``.

    Notes
    -----
    .. math:: y_{ij} = s\\,\\frac{x_{ij} - L_j}{U_j - L_j} \\ \\text{(positive)}, \\qquad
              y_{ij} = s\\,\\frac{U_j - x_{ij}}{U_j - L_j} \\ \\text{(negative)}

    References
    ----------
    .. [1] UNDP (2020). Human Development Report, Technical notes (goalposts of the HDI).
    .. [2] COINr ``n_goalposts``.
    """
    x, d = _prep(x, direction)
    lo_obs, hi_obs = _nanmin_max(x)
    lo = lo_obs if lower is None else np.broadcast_to(np.asarray(lower, dtype=float), x.shape[-1:])
    hi = hi_obs if upper is None else np.broadcast_to(np.asarray(upper, dtype=float), x.shape[-1:])
    if log:
        with np.errstate(invalid="ignore", divide="ignore"):
            x, lo, hi = np.log(x), np.log(lo), np.log(hi)
    rng = hi - lo
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(d > 0, (x - lo) / rng, (hi - x) / rng)
    frac = np.where(rng == 0, 0.5, frac)
    if cap:
        frac = np.clip(frac, 0.0, 1.0)
    frac = np.where(np.isnan(x), np.nan, frac)
    return np.asarray(scale, dtype=float) * frac


def distance_to_target(x, direction=1, *, target=None, scale=100.0, cap=True):
    """Distance to a target: the share of the way from the worst observed value to the target.

    Parameters
    ----------
    target : float or array, optional
        Target value(s) in the indicator's units. Default: the best observed value.
    scale : float
    cap : bool
        Values beyond the target score ``scale``.

    Notes
    -----
    .. math:: y_{ij} = s\\,\\frac{x_{ij} - \\min_i x_{ij}}{t_j - \\min_i x_{ij}} \\ \\text{(positive)},
              \\qquad y_{ij} = s\\,\\frac{\\max_i x_{ij} - x_{ij}}{\\max_i x_{ij} - t_j}
              \\ \\text{(negative)}

    References
    ----------
    .. [1] COINr ``n_dist2targ`` (Becker et al. 2022).
    """
    x, d = _prep(x, direction)
    lo, hi = _nanmin_max(x)
    if target is None:
        t = np.where(d > 0, hi, lo)
    else:
        t = np.broadcast_to(np.asarray(target, dtype=float), x.shape[-1:])
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(d > 0, (x - lo) / (t - lo), (hi - x) / (hi - t))
    frac = np.where(np.isfinite(frac) | np.isnan(x), frac, 1.0)
    if cap:
        frac = np.minimum(frac, 1.0)
    frac = np.where(np.isnan(x), np.nan, frac)
    return np.asarray(scale, dtype=float) * frac


def _ranks(x, d, method):
    # scipy.stats costs ~0.7 s to import; every command and report kernel imports this module.
    from scipy.stats import rankdata

    y = x * d
    return rankdata(y, method=method, axis=-2, nan_policy="omit")


def percentile_rank(x, direction=1, *, scale=100.0):
    """Percentile rank ("sport" ranking, ties share the lowest rank).

    Notes
    -----
    .. math:: y_{ij} = s\\,\\frac{r_{ij} - 1}{n_j - 1}

    with :math:`r_{ij}` the minimum rank of :math:`d_j x_{ij}` among the :math:`n_j` observed regions.

    References
    ----------
    .. [1] COINr ``n_prank`` (Becker et al. 2022).
    """
    x, d = _prep(x, direction)
    r = _ranks(x, d, "min")
    n = np.sum(~np.isnan(x), axis=-2, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        y = (r - 1.0) / (n - 1.0)
    y = np.where(n <= 1, 0.5, y)
    y = np.where(np.isnan(x), np.nan, y)
    return np.asarray(scale, dtype=float) * y


def borda(x, direction=1):
    """Borda score: the number of regions a region beats on the indicator.

    Notes
    -----
    .. math:: y_{ij} = \\#\\{k : d_j x_{kj} < d_j x_{ij}\\} = r^{\\min}_{ij} - 1

    References
    ----------
    .. [1] Borda, J.-C. de (1781). Memoire sur les elections au scrutin.
    .. [2] COINr ``n_borda``; OECD/JRC (2008) Handbook, section 6.
    """
    x, d = _prep(x, direction)
    r = _ranks(x, d, "min")
    return np.where(np.isnan(x), np.nan, r - 1.0)


def rank(x, direction=1):
    """Plain rank (1 = worst, n = best; ties share the lowest rank).

    Notes
    -----
    .. math:: y_{ij} = r^{\\min}_{ij}

    References
    ----------
    .. [1] COINr ``n_rank``.
    """
    x, d = _prep(x, direction)
    return np.where(np.isnan(x), np.nan, _ranks(x, d, "min"))


#: Registry of normalisers (see the module docstring for the contract).
NORMALISERS = {
    "minmax": minmax,
    "zscore": zscore,
    "goalposts": goalposts,
    "distance_to_target": distance_to_target,
    "percentile_rank": percentile_rank,
    "borda": borda,
    "rank": rank,
}


def output_range(method: str, params: Mapping | None = None) -> tuple[float, float] | None:
    """The interval every score of a normaliser lies in, or None when it has no fixed one.

    Parameters
    ----------
    method : str
        Key of :data:`NORMALISERS`.
    params : mapping, optional
        The method's keyword parameters as the spec gives them.

    Returns
    -------
    tuple of float or None
        ``(low, high)``: min-max (its ``lower``/``upper``), percentile rank and capped goalposts or
        distance to target (``0`` to ``scale``); None for z-scores, ranks, Borda counts and uncapped
        methods, whose scale depends on the data.
    """
    p = dict(params or {})
    if method == "minmax":
        lo, hi = float(p.get("lower", 0.0)), float(p.get("upper", 100.0))
    elif method in ("goalposts", "distance_to_target"):
        if not p.get("cap", True):
            return None
        lo, hi = 0.0, float(p.get("scale", 100.0))
    elif method == "percentile_rank":
        lo, hi = 0.0, float(p.get("scale", 100.0))
    else:
        return None
    return (min(lo, hi), max(lo, hi))


def can_be_negative(method: str, params: Mapping | None = None) -> bool:
    """Whether a normaliser, with these parameters, can return a negative value on some data.

    Parameters
    ----------
    method : str
        Key of :data:`NORMALISERS`.
    params : mapping, optional
        The method's parameters (as declared in a spec).

    Returns
    -------
    bool
        True for ``zscore`` (always: values below the mean are negative unless shifted, and no shift
        bounds them, since :math:`|z| \\le \\sqrt{n - 1}` grows with the number of regions), for
        ``minmax`` with a negative ``lower``, ``goalposts`` without ``cap`` or with ``log`` (values
        outside the goalposts), ``distance_to_target`` with a declared target; False for the rank-based methods.

    Notes
    -----
    Geometric and harmonic means (and the Mazziotta-Pareto index's coefficient of variation) are
    defined on positive values only; :mod:`smartcity_analysis.engine.aggregation` uses this to decide when a
    pairing needs its documented rescaling (``positive_scale``).
    """
    p = dict(params or {})
    if method == "zscore":
        return True
    if method == "minmax":
        return min(float(p.get("lower", 0.0)), float(p.get("upper", 100.0))) < 0
    if method == "goalposts":
        return not p.get("cap", True) or bool(p.get("log", False)) or float(p.get("scale", 100.0)) < 0
    if method == "distance_to_target":
        # a declared target below the worst observed value flips the sign of the denominator
        return float(p.get("scale", 100.0)) < 0 or "target" in p
    if method in ("percentile_rank",):
        return float(p.get("scale", 100.0)) < 0
    return False


def positive_scale(x) -> np.ndarray:
    """Rescale oriented, normalised values onto the positive scale ``[1, 100]`` per indicator.

    Parameters
    ----------
    x : ndarray, shape (..., n_regions, n_indicators)
        Values already oriented so that higher is better.

    Returns
    -------
    ndarray
        :func:`minmax` onto ``[1, 100]`` along the regions axis.

    Notes
    -----
    .. math:: y_{ij} = 1 + 99\\,\\frac{x_{ij} - \\min_i x_{ij}}{\\max_i x_{ij} - \\min_i x_{ij}}

    The handbook's positive scale for geometric aggregation. For an affine normaliser (z-score,
    min-max, plain goalposts) the result equals min-max onto ``[1, 100]`` of the treated values: the
    rescaling keeps the normaliser's order and proportions of differences, and removes its sign.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, sections 5 and 6.2
       (geometric aggregation needs strictly positive values).
    """
    return minmax(x, 1, lower=1.0, upper=100.0)


def normalise(X: pd.DataFrame, method: str = "minmax", directions: Mapping[str, int] | pd.Series | None = None,
              **params) -> pd.DataFrame:
    """Normalise a wide ``region_code x indicator`` frame with one registered method.

    Parameters
    ----------
    X : DataFrame
        Wide frame, one column per indicator.
    method : str
        Key of :data:`NORMALISERS`.
    directions : mapping or Series, optional
        Indicator code -> +1/-1 (default +1 for every column).
    **params
        Passed to the normaliser (scalars or per-column sequences).

    Returns
    -------
    DataFrame
        Same index and columns; higher is better.

    Notes
    -----
    See the normaliser's own docstring for its formula.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 5.
    """
    if method not in NORMALISERS:
        raise ComputationError(f"Unknown normalisation method '{method}'.{suggest(method, NORMALISERS)}")
    d = np.ones(X.shape[1]) if directions is None else np.array(
        [float(pd.Series(directions).get(c, 1)) for c in X.columns])
    y = NORMALISERS[method](X.to_numpy(dtype=float), d, **params)
    return pd.DataFrame(y, index=X.index, columns=X.columns)
