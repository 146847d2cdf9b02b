"""Weighting: the weights of the components of one aggregation group (a pillar's indicators, or the
pillars of the index).

Family contract (``WEIGHTERS``)
-------------------------------
Every weighter is ``f(values, nominal, **params) -> ndarray`` with

- ``values``: float array ``(n_regions, k)`` of the group's *normalised* components (NaN = missing);
  data-driven methods learn from it, the others ignore it;
- ``nominal``: array ``(k,)`` of the weights declared in the spec (NaN where none was declared);
- returns ``(k,)`` non-negative weights summing to 1 (components with no observed value get 0).
"""

from __future__ import annotations

import numpy as np

from smartcity_analysis.errors import ComputationError


def _finish(w, values):
    w = np.asarray(w, dtype=float).copy()
    if values is not None:
        v = np.asarray(values, dtype=float)
        if v.ndim == 2 and v.shape[1] == w.size:
            w[np.all(np.isnan(v), axis=0)] = 0.0
    w[~np.isfinite(w)] = 0.0
    total = w.sum()
    if total <= 0:
        raise ComputationError(
            f"The weights of an aggregation group sum to {total} after removing components without data;"
            " they must sum to a positive number. Give at least one available component a positive weight."
        )
    return w / total


def equal(values, nominal=None):
    """Equal weights over the components.

    Notes
    -----
    .. math:: w_j = 1/k

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 6.1.
    """
    k = np.asarray(values).shape[-1] if nominal is None else len(nominal)
    return _finish(np.ones(k), values)


def explicit(values, nominal=None):
    """The weights declared in the spec, renormalised to sum to one over the available components.

    Notes
    -----
    .. math:: w_j = \\omega_j \\Big/ \\sum_{k \\in A} \\omega_k, \\quad j \\in A

    with :math:`A` the components that have data.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook, section 6.1 (participatory / expert weights).
    """
    if nominal is None:
        raise ComputationError("Explicit weighting needs the declared weights; none were given.")
    nom = np.asarray(nominal, dtype=float)
    if np.any(np.isnan(nom)):
        raise ComputationError(
            "Explicit weighting needs a weight for every component; some are missing. Declare them in "
            "the spec or use weighting 'equal'."
        )
    return _finish(nom, values)


def _clean(values):
    v = np.asarray(values, dtype=float)
    keep = ~np.all(np.isnan(v), axis=0)
    sub = v[:, keep]
    rows = ~np.any(np.isnan(sub), axis=1)
    if rows.sum() < 3:
        # mean-fill so data-driven weights remain defined with sparse data
        mu = np.nanmean(sub, axis=0)
        sub = np.where(np.isnan(sub), mu, sub)
        rows = np.ones(sub.shape[0], bool)
    return sub[rows], keep


def pca(values, nominal=None):
    """PCA-derived weights: absolute loadings of the first principal component of the standardised
    components, normalised to sum to one.

    Notes
    -----
    With :math:`Z` the standardised complete cases and :math:`a_1` the first eigenvector of
    :math:`\\mathrm{corr}(Z)`,

    .. math:: w_j = |a_{1j}| \\Big/ \\sum_k |a_{1k}|

    PCA weights reward components that co-vary with the others (they measure statistical redundancy,
    not importance); use them as a contrast, not as a default. One component gets weight 1.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 6.1 (weights based on
       principal components analysis).
    .. [2] COINr ``get_PCA`` (first-component loadings as weights).
    .. [3] scikit-learn ``sklearn.decomposition.PCA``.
    """
    from sklearn.decomposition import PCA

    v = np.asarray(values, dtype=float)
    sub, keep = _clean(v)
    w = np.zeros(v.shape[1])
    if keep.sum() == 1:
        w[keep] = 1.0
        return _finish(w, v)
    sd = sub.std(axis=0, ddof=1)
    sd[sd == 0] = 1.0
    z = (sub - sub.mean(axis=0)) / sd
    comp = PCA(n_components=1, svd_solver="full").fit(z).components_[0]
    w[keep] = np.abs(comp)
    return _finish(w, v)


def entropy(values, nominal=None):
    """Entropy weights: components that differ more across regions get more weight.

    Notes
    -----
    On non-negative values shifted to a minimum of 0, :math:`p_{ij} = x_{ij}/\\sum_i x_{ij}`,

    .. math:: e_j = -\\frac{1}{\\ln n}\\sum_i p_{ij}\\ln p_{ij}, \\qquad
              w_j = \\frac{1 - e_j}{\\sum_k (1 - e_k)}

    (with :math:`0 \\ln 0 = 0`; observed regions only). Equal weights if every :math:`e_j = 1`.

    References
    ----------
    .. [1] Shannon C.E. (1948). A mathematical theory of communication. Bell System Technical Journal 27.
    .. [2] Zou Z. et al. (2006). Entropy method for determination of weight of evaluating indicators in
       fuzzy synthetic evaluation for water quality assessment. J. Environmental Sciences 18(5).
    """
    v = np.asarray(values, dtype=float)
    k = v.shape[1]
    d = np.zeros(k)
    for j in range(k):
        x = v[:, j]
        x = x[~np.isnan(x)]
        if x.size < 2:
            continue
        x = x - x.min()
        s = x.sum()
        if s <= 0:
            continue
        p = x / s
        with np.errstate(divide="ignore", invalid="ignore"):
            e = -np.nansum(np.where(p > 0, p * np.log(p), 0.0)) / np.log(x.size)
        d[j] = max(1.0 - e, 0.0)
    if d.sum() <= 0:
        return equal(v, nominal)
    return _finish(d, v)


#: Registry of weighting methods (see the module docstring for the contract).
WEIGHTERS = {
    "equal": equal,
    "explicit": explicit,
    "pca": pca,
    "entropy": entropy,
}
