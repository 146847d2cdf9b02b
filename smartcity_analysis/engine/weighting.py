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


def _varimax(loadings, tol=1e-10, max_iter=500):
    """Varimax rotation of a loading matrix ``(k, f)`` (Kaiser 1958), SVD iteration."""
    L = np.asarray(loadings, dtype=float)
    k, f = L.shape
    if f < 2:
        return L
    R = np.eye(f)
    crit = 0.0
    for _ in range(max_iter):
        Lr = L @ R
        u, s, vt = np.linalg.svd(L.T @ (Lr**3 - Lr @ np.diag((Lr**2).sum(axis=0)) / k))
        R = u @ vt
        new = s.sum()
        if new < crit * (1 + tol):
            break
        crit = new
    return L @ R


def pca(values, nominal=None):
    """Weights from principal components, as the OECD/JRC handbook builds them (Nicoletti et al.).

    Notes
    -----
    With :math:`C` the correlation matrix of the standardised complete cases, eigenvalues
    :math:`\\lambda_f` and eigenvectors :math:`a_f`:

    1. retain the factors with :math:`\\lambda_f > 1` that explain more than 10 % of the variance
       (at least the first);
    2. loadings :math:`L_{jf} = a_{jf} \\sqrt{\\lambda_f}`, varimax-rotated when more than one
       factor is retained;
    3. squared loadings scaled to unity sum per factor, :math:`s_{jf} = L_{jf}^2 / \\sum_i L_{if}^2`;
       each component belongs to the factor with its highest :math:`s_{jf}`;
    4. each factor weighs its share of the explained variance,
       :math:`v_f = \\sum_i L_{if}^2 / \\sum_{g} \\sum_i L_{ig}^2`, so

    .. math:: w_j = s_{j f(j)}\\, v_{f(j)} \\Big/ \\sum_k s_{k f(k)}\\, v_{f(k)}

    A component that loads on no retained factor (all :math:`s_{jf} = 0`) gets 0. The weights
    measure statistical co-variation, not importance; use them as a contrast. One component gets
    weight 1.

    References
    ----------
    .. [1] Nicoletti G., Scarpetta S., Boylaud O. (2000). Summary indicators of product market
       regulation with an extension to employment protection legislation. OECD Economics Department
       Working Papers 226.
    .. [2] OECD/JRC (2008). Handbook on Constructing Composite Indicators, sections 3.1 and 6.1
       (weights based on principal components / factor analysis, Tables 6.1-6.3).
    .. [3] Kaiser H. F. (1958). The varimax criterion for analytic rotation in factor analysis.
       Psychometrika 23, 187-200.
    """
    v = np.asarray(values, dtype=float)
    sub, keep = _clean(v)
    w = np.zeros(v.shape[1])
    if keep.sum() == 1:
        w[keep] = 1.0
        return _finish(w, v)
    sd = sub.std(axis=0, ddof=1)
    sd[sd == 0] = 1.0
    z = (sub - sub.mean(axis=0)) / sd
    corr = np.atleast_2d(np.corrcoef(z, rowvar=False))
    corr = np.where(np.isfinite(corr), corr, 0.0)
    np.fill_diagonal(corr, 1.0)
    lam, vec = np.linalg.eigh(corr)
    order = np.argsort(lam)[::-1]
    lam, vec = np.clip(lam[order], 0.0, None), vec[:, order]
    share = lam / lam.sum()
    retained = (lam > 1.0 + 1e-9) & (share > 0.10)
    retained[0] = True
    L = _varimax(vec[:, retained] * np.sqrt(lam[retained]))
    sq = L**2
    tot = sq.sum(axis=0)
    scaled = sq / np.where(tot > 0, tot, 1.0)
    factor_weight = tot / tot.sum()
    best = scaled.argmax(axis=1)
    rows = np.arange(scaled.shape[0])
    w[keep] = scaled[rows, best] * factor_weight[best]
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
