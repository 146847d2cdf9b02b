"""Imputation of missing indicator values.

Family contract (``IMPUTERS``)
------------------------------
Every imputer is ``f(X, *, regions=None, **params) -> DataFrame`` with

- ``X``: wide ``region_code x indicator`` float frame, NaN = missing;
- ``regions``: the region table (``loaders.load_regions()``), needed by the group imputers
  (``province_code``, ``type``);
- returns a frame with the same index and columns in which every observed cell is unchanged; missing
  cells are filled where the method can (a column with no observed value stays NaN).

Imputed cells are ``imputed.notna() & X.isna()``; the pipeline keeps that mask (``IndexResult.
imputed_mask``) so reports can flag every imputed value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartcity_analysis.errors import InputError

GROUPS = {"province": "province_code", "type": "type"}


def none(X: pd.DataFrame, *, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Leave missing values missing (the aggregation's ``min_coverage`` then decides).

    Notes
    -----
    Identity: :math:`\\hat x_{ij} = x_{ij}`.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 3 (case deletion).
    """
    return X.copy()


def mean(X: pd.DataFrame, *, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fill a missing value with the indicator's mean over all observed regions.

    Notes
    -----
    .. math:: \\hat x_{ij} = \\frac{1}{|O_j|}\\sum_{k \\in O_j} x_{kj}

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook, section 3 (unconditional mean substitution).
    """
    return X.fillna(X.mean(axis=0))


def median(X: pd.DataFrame, *, regions: pd.DataFrame | None = None) -> pd.DataFrame:
    """Fill a missing value with the indicator's median over all observed regions.

    Notes
    -----
    .. math:: \\hat x_{ij} = \\operatorname{median}_{k \\in O_j} x_{kj}

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook, section 3 (unconditional median substitution).
    """
    return X.fillna(X.median(axis=0))


def _group_fill(X, regions, group, stat):
    if group not in GROUPS:
        raise InputError(f"Unknown imputation group '{group}'. Expected one of {sorted(GROUPS)}.")
    if regions is None:
        raise InputError(f"Group imputation by '{group}' needs the region table; pass regions=.")
    col = GROUPS[group]
    if col not in regions.columns:
        raise InputError(f"The region table has no column '{col}' needed to impute by {group}.")
    keys = regions[col].reindex(X.index)
    vals = X.to_numpy(dtype=float)
    missing = np.isnan(vals)
    if not missing.any():
        return X.copy()
    codes, uniques = pd.factorize(keys, use_na_sentinel=False)
    need = missing.any(axis=0)
    sub = X.loc[:, need]
    grouped = sub.groupby(pd.Series(codes, index=X.index, name="_group"), sort=True)
    table = getattr(grouped, stat)().reindex(range(len(uniques))).to_numpy()
    # groups with no observed value fall back to the national statistic
    national = getattr(sub, stat)(axis=0).to_numpy()
    table = np.where(np.isnan(table), national, table)
    filled = vals.copy()
    filled[:, need] = np.where(missing[:, need], table[codes], vals[:, need])
    return pd.DataFrame(filled, index=X.index, columns=X.columns)


def group_mean(X: pd.DataFrame, *, regions: pd.DataFrame | None = None, group: str = "province") -> pd.DataFrame:
    """Fill with the mean of the region's group (``province`` or ``type``); national mean when the
    group has no observed value.

    Notes
    -----
    .. math:: \\hat x_{ij} = \\frac{1}{|O_j \\cap G_i|}\\sum_{k \\in O_j \\cap G_i} x_{kj}

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook, section 3 (conditional mean substitution); COINr ``Impute``
       with ``use_group``.
    """
    return _group_fill(X, regions, group, "mean")


def group_median(X: pd.DataFrame, *, regions: pd.DataFrame | None = None,
                 group: str = "province") -> pd.DataFrame:
    """Fill with the median of the region's group (``province`` or ``type``); national median when the
    group has no observed value.

    Notes
    -----
    .. math:: \\hat x_{ij} = \\operatorname{median}_{k \\in O_j \\cap G_i} x_{kj}

    References
    ----------
    .. [1] COINr ``Impute`` with ``use_group`` (Becker et al. 2022).
    """
    return _group_fill(X, regions, group, "median")


def _standardise(X):
    mu = X.mean(axis=0)
    sd = X.std(axis=0).replace(0, 1.0).fillna(1.0)
    return (X - mu) / sd, mu, sd


def _sklearn_fill(X, imputer):
    cols = [c for c in X.columns if X[c].notna().any()]
    out = X.copy()
    if not cols or not X[cols].isna().any().any():
        return out
    Z, mu, sd = _standardise(X[cols])
    filled = imputer.fit_transform(Z.to_numpy(dtype=float))
    back = pd.DataFrame(filled, index=X.index, columns=cols) * sd + mu
    out[cols] = X[cols].where(X[cols].notna(), back)
    return out


def knn(X: pd.DataFrame, *, regions: pd.DataFrame | None = None, n_neighbors: int = 5) -> pd.DataFrame:
    """K-nearest-neighbour imputation on standardised indicators (scikit-learn ``KNNImputer``).

    Notes
    -----
    Indicators are z-scored first so that no unit dominates the distance
    :math:`d(a, b) = \\sqrt{\\tfrac{p}{|C_{ab}|}\\sum_{j \\in C_{ab}} (z_{aj} - z_{bj})^2}` (NaN-Euclidean,
    over the jointly observed columns); a missing value is the mean of its :math:`k` nearest donors,
    transformed back to the indicator's units.

    References
    ----------
    .. [1] Troyanskaya O. et al. (2001). Missing value estimation methods for DNA microarrays.
       Bioinformatics 17(6), 520-525.
    .. [2] scikit-learn ``sklearn.impute.KNNImputer``.
    """
    from sklearn.impute import KNNImputer

    return _sklearn_fill(X, KNNImputer(n_neighbors=int(n_neighbors)))


def iterative(X: pd.DataFrame, *, regions: pd.DataFrame | None = None, max_iter: int = 10,
              seed: int = 0) -> pd.DataFrame:
    """Iterative (chained-equations) imputation: each indicator regressed on the others in turn
    (scikit-learn ``IterativeImputer`` with Bayesian ridge), on standardised values.

    Notes
    -----
    Round-robin: for each indicator :math:`j` with missing values, fit
    :math:`x_j \\sim f(x_{-j})` on the observed rows and predict the missing ones; repeat until
    ``max_iter`` or convergence. Deterministic for a given ``seed``.

    References
    ----------
    .. [1] van Buuren S., Groothuis-Oudshoorn K. (2011). mice: Multivariate Imputation by Chained
       Equations in R. Journal of Statistical Software 45(3).
    .. [2] scikit-learn ``sklearn.impute.IterativeImputer``.
    """
    from sklearn.experimental import enable_iterative_imputer  # noqa: F401
    from sklearn.impute import IterativeImputer

    return _sklearn_fill(X, IterativeImputer(max_iter=int(max_iter), random_state=int(seed)))


#: Registry of imputers (see the module docstring for the contract).
IMPUTERS = {
    "none": none,
    "mean": mean,
    "median": median,
    "group_mean": group_mean,
    "group_median": group_median,
    "knn": knn,
    "iterative": iterative,
}


def impute(X: pd.DataFrame, method: str = "none", *, regions: pd.DataFrame | None = None,
           **params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Impute with a registered method and return ``(imputed, imputed_mask)``.

    Parameters
    ----------
    X : DataFrame
        Wide ``region_code x indicator`` values.
    method : str
        Key of :data:`IMPUTERS`.
    regions : DataFrame, optional
        Region table (for group imputers).

    Returns
    -------
    imputed : DataFrame
    imputed_mask : DataFrame of bool
        True where a missing value was filled.

    Notes
    -----
    Observed cells are never changed: ``imputed[X.notna()] == X[X.notna()]``.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 3.
    """
    if method not in IMPUTERS:
        raise InputError(f"Unknown imputation method '{method}'. Expected one of {sorted(IMPUTERS)}.")
    out = IMPUTERS[method](X, regions=regions, **params)
    out = X.where(X.notna(), out)
    mask = X.isna() & out.notna()
    return out, mask
