"""Figures of the revealed-criteria search: ROC curves and precision at k per held-out cohort.

Every function takes ``ax=None`` and returns the Axes it drew on; none calls ``show()`` or
``savefig()``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import roc_curve

__all__ = ["cohort_curves", "precision_at_k_curves", "roc_curves"]


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


#: The curve functions :func:`cohort_curves` draws, by name.
CURVES = {"roc": roc_curves, "precision_at_k": precision_at_k_curves}


def cohort_curves(result, years, *, kind: str = "roc", which: str = "out", axes=None):
    """One panel per cohort of :func:`roc_curves` or :func:`precision_at_k_curves`, side by side.

    Parameters
    ----------
    result : ExplanationResult
    years : sequence of int
        Cohort years, one panel each.
    kind : {"roc", "precision_at_k"}
    which : {"out", "in"}
    axes : sequence of matplotlib Axes, optional
        One per year; default a new figure with one row of panels.

    Returns
    -------
    numpy array of matplotlib Axes
    """
    years = [int(y) for y in years]
    if axes is None:
        _, axes = plt.subplots(1, len(years), figsize=(3.0 * len(years), 3.0), squeeze=False)
        axes = axes[0]
    axes = np.asarray(axes).ravel()
    for year, ax in zip(years, axes, strict=True):
        CURVES[kind](result, year, which=which, ax=ax)
        ax.title.set_fontsize(8)
        ax.xaxis.label.set_fontsize(7)
        ax.yaxis.label.set_fontsize(7)
        ax.tick_params(labelsize=7)
        ax.legend(fontsize=6, frameon=False)
    fig = axes[0].figure
    if fig.get_layout_engine() is None:  # the report style sets constrained layout; keep it
        fig.tight_layout()
    return axes
