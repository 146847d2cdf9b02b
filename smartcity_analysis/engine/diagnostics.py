"""Multivariate diagnostics of an index: correlations, Cronbach's alpha per pillar, PCA explained variance
and effective weights (how much each indicator actually drives the index)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Diagnostics:
    """Diagnostics of one index build.

    Attributes
    ----------
    correlation : DataFrame
        Pearson correlation between the normalised indicators (pairwise complete).
    pillar_correlation : DataFrame
        Pearson correlation between pillar scores and the index.
    cronbach_alpha : Series
        Cronbach's alpha per pillar (NaN for pillars with fewer than two indicators).
    pca_explained : DataFrame
        Explained-variance ratio of each principal component, per pillar and for all indicators
        (``group, component, explained_variance_ratio``).
    effective_weights : DataFrame
        Per indicator: ``nominal_weight`` (pillar weight x weight in pillar), ``corr_index`` (Pearson
        correlation with the index), ``r2_share`` (squared correlation normalised over indicators) and
        ``cov_share`` (covariance share of the index variance).
    """

    correlation: pd.DataFrame
    pillar_correlation: pd.DataFrame
    cronbach_alpha: pd.Series
    pca_explained: pd.DataFrame
    effective_weights: pd.DataFrame


def correlation_matrix(X: pd.DataFrame, method: str = "pearson") -> pd.DataFrame:
    """Correlation matrix of the columns of ``X`` (pairwise-complete observations).

    Notes
    -----
    .. math:: r_{jk} = \\frac{\\operatorname{cov}(x_j, x_k)}{\\sigma_j \\sigma_k}

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 4 (multivariate
       analysis).
    """
    return X.corr(method=method)


def cronbach_alpha(X: pd.DataFrame) -> float:
    """Cronbach's alpha of the columns of ``X`` (complete cases; NaN with fewer than two columns or rows).

    Notes
    -----
    .. math:: \\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum_j \\sigma_j^2}{\\sigma^2_{\\Sigma}}\\right)

    with :math:`\\sigma^2_\\Sigma` the variance of the row sums. Values above about 0.7 are usually read as
    internal consistency of a pillar.

    References
    ----------
    .. [1] Cronbach L.J. (1951). Coefficient alpha and the internal structure of tests. Psychometrika
       16(3), 297-334.
    .. [2] OECD/JRC (2008). Handbook, section 4.
    """
    Z = X.dropna(axis=1, how="all").dropna(axis=0, how="any")
    k = Z.shape[1]
    if k < 2 or Z.shape[0] < 2:
        return float("nan")
    item_var = Z.var(axis=0, ddof=1).sum()
    total_var = Z.sum(axis=1).var(ddof=1)
    if total_var == 0:
        return float("nan")
    return float(k / (k - 1) * (1 - item_var / total_var))


def pca_explained_variance(X: pd.DataFrame) -> np.ndarray:
    """Explained-variance ratios of the principal components of the standardised columns of ``X``.

    Notes
    -----
    Eigenvalues :math:`\\lambda_1 \\ge \\dots \\ge \\lambda_k` of the correlation matrix of the complete
    cases; ratio :math:`\\lambda_m / \\sum \\lambda`. A dominant first component supports aggregating the
    group into one score.

    References
    ----------
    .. [1] Jolliffe I.T. (2002). Principal Component Analysis, 2nd ed. Springer.
    .. [2] OECD/JRC (2008). Handbook, section 4.
    """
    Z = X.dropna(axis=1, how="all").dropna(axis=0, how="any")
    if Z.shape[1] == 0 or Z.shape[0] < 2:
        return np.array([])
    sd = Z.std(ddof=1).replace(0, np.nan)
    Z = ((Z - Z.mean()) / sd).dropna(axis=1)
    if Z.shape[1] == 0:
        return np.array([])
    ev = np.linalg.eigvalsh(np.atleast_2d(np.cov(Z.to_numpy(), rowvar=False)))[::-1]
    ev = np.clip(ev, 0, None)
    return ev / ev.sum()


def effective_weights(normalised: pd.DataFrame, index: pd.Series, nominal: pd.Series) -> pd.DataFrame:
    """How much each indicator actually drives the index.

    Parameters
    ----------
    normalised : DataFrame
        Normalised indicators (regions x indicators).
    index : Series
        Index scores.
    nominal : Series
        Overall nominal weight of each indicator (pillar weight x weight within pillar).

    Returns
    -------
    DataFrame
        Index = indicator; columns ``nominal_weight``, ``corr_index``, ``r2_share``, ``cov_share``.

    Notes
    -----
    ``r2_share``: :math:`r_j^2 / \\sum_k r_k^2` with :math:`r_j = \\mathrm{corr}(x_j, y)`; the squared
    correlation is the first-order sensitivity measure (correlation ratio) under linearity, as used in
    the JRC audits. ``cov_share``: for an arithmetic index :math:`y = \\sum_j W_j x_j`,
    :math:`\\mathrm{Var}(y) = \\sum_j W_j \\mathrm{cov}(x_j, y)`, so :math:`W_j \\mathrm{cov}(x_j, y) /
    \\mathrm{Var}(y)` is indicator :math:`j`'s share of the index variance (exact on complete data with
    arithmetic aggregation at both levels; an approximation otherwise; normalised to sum to one).

    References
    ----------
    .. [1] Paruolo P., Saisana M., Saltelli A. (2013). Ratings and rankings: voodoo or science? J. R.
       Statist. Soc. A 176(3), 609-634.
    .. [2] Becker W., Saisana M., Paruolo P., Vandecasteele I. (2017). Weights and importance in
       composite indicators: closing the gap. Ecological Indicators 80, 12-22.
    """
    cols = list(normalised.columns)
    y = index.reindex(normalised.index)
    corr = normalised.corrwith(y)
    r2 = corr**2
    r2_share = r2 / r2.sum() if r2.sum() > 0 else r2 * np.nan
    ok = y.notna()
    cov = normalised[ok].apply(lambda c: c.cov(y[ok]))
    w = nominal.reindex(cols).fillna(0.0)
    contrib = w * cov
    cov_share = contrib / contrib.sum() if contrib.sum() != 0 else contrib * np.nan
    out = pd.DataFrame({"nominal_weight": w, "corr_index": corr, "r2_share": r2_share,
                        "cov_share": cov_share})
    out.index.name = "indicator"
    return out


def compute_diagnostics(normalised: pd.DataFrame, pillar_scores: pd.DataFrame, index: pd.Series,
                        members: dict[str, list[str]], nominal: pd.Series) -> Diagnostics:
    """All diagnostics of one build (see :class:`Diagnostics`).

    Notes
    -----
    See :func:`correlation_matrix`, :func:`cronbach_alpha`, :func:`pca_explained_variance` and
    :func:`effective_weights`.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, sections 4 and 7.
    """
    alpha = pd.Series({p: cronbach_alpha(normalised[c]) for p, c in members.items()}, dtype=float,
                      name="cronbach_alpha")
    rows = []
    groups = dict(members)
    groups["__all__"] = list(normalised.columns)
    for g, cols in groups.items():
        for m, r in enumerate(pca_explained_variance(normalised[cols]), start=1):
            rows.append((g, m, float(r)))
    pca = pd.DataFrame(rows, columns=["group", "component", "explained_variance_ratio"])
    both = pillar_scores.copy()
    both["index"] = index
    return Diagnostics(
        correlation=correlation_matrix(normalised),
        pillar_correlation=correlation_matrix(both),
        cronbach_alpha=alpha,
        pca_explained=pca,
        effective_weights=effective_weights(normalised, index, nominal),
    )
