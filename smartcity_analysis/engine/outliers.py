"""Outlier treatment of indicators before normalisation.

Family contract (``OUTLIER_TREATMENTS``)
----------------------------------------
Every treatment is ``f(X, **params) -> (treated, log)`` with

- ``X``: wide ``region_code x indicator`` float frame (NaN = missing, left untouched);
- ``treated``: same index and columns;
- ``log``: a DataFrame with one row per indicator and columns ``indicator, action`` (``none``,
  ``winsorised``, ``log``), ``n_treated``, ``skew_before``, ``kurt_before``, ``skew_after``,
  ``kurt_after``, ``treated_regions`` (``;``-joined region codes of the treated cells). Every changed
  cell is listed, so reports can flag it.

Treatments must preserve the order of the observed values (weakly): winsorising and the log transform
are monotone, so a region never overtakes another on an indicator through treatment.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

LOG_COLUMNS = ["indicator", "action", "n_treated", "skew_before", "kurt_before", "skew_after",
               "kurt_after", "treated_regions"]


def skewness(x: np.ndarray) -> float:
    """Sample skewness (adjusted Fisher-Pearson, type 2; Excel's SKEW and COINr's ``skew``).

    Notes
    -----
    .. math:: G_1 = \\frac{\\sqrt{n(n-1)}}{n-2}\\,\\frac{m_3}{m_2^{3/2}}

    with :math:`m_r` the r-th central sample moment. NaN for fewer than 3 values.

    References
    ----------
    .. [1] Joanes D.N., Gill C.A. (1998). Comparing measures of sample skewness and kurtosis. The
       Statistician 47(1), 183-189.
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 3:
        return float("nan")
    d = x - x.mean()
    m2 = np.sum(d**2)
    if m2 == 0:
        return 0.0
    g = np.sqrt(n) * np.sum(d**3) / m2**1.5
    return float(g * np.sqrt(n * (n - 1)) / (n - 2))


def kurtosis(x: np.ndarray) -> float:
    """Sample excess kurtosis (type 2; Excel's KURT and COINr's ``kurt``).

    Notes
    -----
    .. math:: G_2 = \\frac{(n-1)\\,\\big((n+1)\\,g_2 + 6\\big)}{(n-2)(n-3)}, \\qquad
              g_2 = \\frac{m_4}{m_2^2} - 3

    NaN for fewer than 4 values.

    References
    ----------
    .. [1] Joanes D.N., Gill C.A. (1998), as above.
    """
    x = np.asarray(x, dtype=float)
    x = x[~np.isnan(x)]
    n = x.size
    if n < 4:
        return float("nan")
    d = x - x.mean()
    m2 = np.sum(d**2)
    if m2 == 0:
        return 0.0
    r = n * np.sum(d**4) / m2**2
    return float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def _moments(v):
    """Type-2 skewness and excess kurtosis of an array without NaN (NaN when too short)."""
    n = v.size
    if n < 3:
        return float("nan"), float("nan")
    d = v - v.mean()
    d2 = d * d
    m2 = d2.sum()
    if m2 == 0:
        return 0.0, (0.0 if n >= 4 else float("nan"))
    sk = float(np.sqrt(n) * (d2 * d).sum() / m2**1.5 * np.sqrt(n * (n - 1)) / (n - 2))
    if n < 4:
        return sk, float("nan")
    r = n * (d2 * d2).sum() / m2**2
    return sk, float(((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3)))


def _outlying(x, skew_threshold, kurt_threshold):
    s, k = _moments(x[~np.isnan(x)])
    if np.isnan(s) or np.isnan(k):
        return False
    return abs(s) >= skew_threshold and k >= kurt_threshold


def _log_ct(x):
    lo, hi = np.nanmin(x), np.nanmax(x)
    return np.log(x - lo + 0.01 * (hi - lo))


def _winsorise(x, winmax, skew_threshold, kurt_threshold):
    """COINr's winsorisation: replace the current extreme(s) on the side of the skew by the next value,
    until the column passes or ``winmax`` points are treated. Returns (x, treated_mask)."""
    obs = ~np.isnan(x)
    v = x[obs].copy()
    treated = np.zeros(v.size, bool)
    while treated.sum() < winmax:
        s, k = _moments(v)
        if np.isnan(s) or np.isnan(k) or not (abs(s) >= skew_threshold and k >= kurt_threshold):
            break
        at = v == (v.max() if s >= 0 else v.min())
        rest = v[~at]
        if rest.size == 0:
            break
        v[at] = rest.max() if s >= 0 else rest.min()
        treated |= at
    out = x.copy()
    out[obs] = v
    mask = np.zeros(x.size, bool)
    mask[obs] = treated
    return out, mask


def none(X: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """No treatment (the log records skewness and kurtosis only).

    Notes
    -----
    Identity.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 4.
    """
    rows = []
    for c in X.columns:
        x = X[c].to_numpy(dtype=float)
        s, k = skewness(x), kurtosis(x)
        rows.append([c, "none", 0, s, k, s, k, ""])
    return X.copy(), pd.DataFrame(rows, columns=LOG_COLUMNS)


def coinr(X: pd.DataFrame, *, winmax: int = 5, skew_threshold: float = 2.0,
          kurt_threshold: float = 3.5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """COINr's default outlier rule: winsorise while |skewness| > 2 and kurtosis > 3.5, up to ``winmax``
    points; if the indicator still fails, undo the winsorisation and log-transform it instead.

    Parameters
    ----------
    winmax : int
        Maximum number of points winsorised per indicator (tied extremes count individually).
    skew_threshold, kurt_threshold : float
        The indicator passes when ``|skew| < skew_threshold`` or ``kurtosis < kurt_threshold``.

    Notes
    -----
    Skewness and kurtosis are the type-2 sample statistics (:func:`skewness`, :func:`kurtosis`).
    Winsorising step: on the side of the skew, the extreme value(s) are replaced by the next most extreme
    value. The fallback log transform is COINr's ``log_CT``:

    .. math:: x' = \\ln\\big(x - \\min x + 0.01(\\max x - \\min x)\\big)

    Both steps are monotone, so the order of regions on the indicator is kept (ties may appear).

    References
    ----------
    .. [1] Becker W. et al. (2022). COINr: An R package for developing composite indicators. JOSS 7(78),
       4567 (``Treat``, ``winsorise``, ``log_CT``, ``check_SkewKurt``).
    .. [2] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 4.
    """
    vals = X.to_numpy(dtype=float)
    out = vals.copy()
    rows = []
    for j, c in enumerate(X.columns):
        x = vals[:, j]
        obs = ~np.isnan(x)
        s0, k0 = _moments(x[obs])
        if not _outlying(x, skew_threshold, kurt_threshold):
            rows.append([c, "none", 0, s0, k0, s0, k0, ""])
            continue
        xw, treated = _winsorise(x, int(winmax), skew_threshold, kurt_threshold)
        if not _outlying(xw, skew_threshold, kurt_threshold):
            out[:, j] = xw
            s1, k1 = _moments(xw[obs])
            rows.append([c, "winsorised", int(treated.sum()), s0, k0, s1, k1,
                         ";".join(X.index[treated].astype(str))])
        else:
            xl = _log_ct(x)
            out[:, j] = xl
            s1, k1 = _moments(xl[obs])
            rows.append([c, "log", int(obs.sum()), s0, k0, s1, k1, ";".join(X.index[obs].astype(str))])
    return pd.DataFrame(out, index=X.index, columns=X.columns), pd.DataFrame(rows, columns=LOG_COLUMNS)


def winsorise(X: pd.DataFrame, *, lower: float = 0.01, upper: float = 0.99) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fixed-quantile winsorisation: clip each indicator to its ``[lower, upper]`` quantiles.

    Notes
    -----
    .. math:: x'_{ij} = \\min\\big(\\max(x_{ij}, q_j(l)), q_j(u)\\big)

    with :math:`q_j` the empirical quantile (linear interpolation) over the observed regions.

    References
    ----------
    .. [1] Dixon W.J. (1960). Simplified estimation from censored normal samples. Annals of Mathematical
       Statistics 31(2), 385-391.
    """
    out = X.copy()
    rows = []
    for c in X.columns:
        x = X[c].to_numpy(dtype=float)
        s0, k0 = skewness(x), kurtosis(x)
        if np.all(np.isnan(x)):
            rows.append([c, "none", 0, s0, k0, s0, k0, ""])
            continue
        ql, qu = np.nanquantile(x, [lower, upper])
        xc = np.clip(x, ql, qu)
        changed = ~np.isnan(x) & (xc != x)
        out[c] = xc
        rows.append([c, "winsorised" if changed.any() else "none", int(changed.sum()), s0, k0,
                     skewness(xc), kurtosis(xc), ";".join(X.index[changed].astype(str))])
    return out, pd.DataFrame(rows, columns=LOG_COLUMNS)


#: Registry of outlier treatments (see the module docstring for the contract).
OUTLIER_TREATMENTS = {
    "none": none,
    "coinr": coinr,
    "winsorise": winsorise,
}


def treat(X: pd.DataFrame, method: str = "none", **params) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Treat outliers with a registered method; returns ``(treated, log)``.

    Notes
    -----
    See each method's docstring.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 4.
    """
    return OUTLIER_TREATMENTS[method](X, **params)
