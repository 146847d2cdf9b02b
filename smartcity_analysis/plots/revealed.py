"""Figures of the revealed-criteria search: ROC curves and precision at k per held-out cohort.

Every function takes ``ax=None`` and returns the Axes it drew on; none calls ``show()`` or
``savefig()``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_curve

__all__ = ["precision_at_k_curves", "roc_curves"]


def _scores(result, cohort_year: int, which: str):
    s = result.tables["revealed_scores"]
    s = s[s["cohort_year"] == int(cohort_year)]
    return {m: (g["actual"].to_numpy(bool), g[f"score_{which}"].to_numpy(float))
            for m, g in s.groupby("method", sort=False)}


def roc_curves(result, cohort_year: int, *, which: str = "out", ax=None):
    """ROC curve of every revealed family in one cohort (out of sample by default).

    Parameters
    ----------
    result : ExplanationResult
    cohort_year : int
    which : {"out", "in"}
        Held-out scores (the fit that never saw the cohort) or the fit on all cohorts.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = ax or plt.gca()
    for m, (y, s) in _scores(result, cohort_year, which).items():
        fpr, tpr, _ = roc_curve(y, np.where(np.isfinite(s), s, -np.inf))
        ax.plot(fpr, tpr, lw=1.2, label=m)
    ax.plot([0, 1], [0, 1], color="0.7", lw=0.8, ls="--")
    ax.set(xlabel="share of unselected regions ranked above the cutoff", ylabel="share of selected",
           title=f"{cohort_year}: ROC ({'out of sample' if which == 'out' else 'in sample'})")
    ax.legend(fontsize=7, frameon=False)
    return ax


def precision_at_k_curves(result, cohort_year: int, *, which: str = "out", k_max: int | None = None,
                          ax=None):
    """Share of actual selections among the top k, for k = 1..k_max, per revealed family.

    Parameters
    ----------
    result : ExplanationResult
    cohort_year : int
    which : {"out", "in"}
    k_max : int, optional
        Default: twice the number actually selected.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    ax = ax or plt.gca()
    n_sel = None
    for m, (y, s) in _scores(result, cohort_year, which).items():
        n_sel = int(y.sum())
        kk = k_max or 2 * n_sel
        order = np.argsort(-np.where(np.isfinite(s), s, -np.inf), kind="stable")
        hits = np.cumsum(y[order][:kk]) / np.arange(1, kk + 1)
        ax.plot(np.arange(1, kk + 1), hits, lw=1.2, label=m)
    if n_sel:
        ax.axvline(n_sel, color="0.6", lw=0.8, ls=":")
    ax.set(xlabel="k (regions taken from the top)", ylabel="precision at k",
           title=f"{cohort_year}: precision at k ({which} of sample)")
    ax.legend(fontsize=7, frameon=False)
    return ax
