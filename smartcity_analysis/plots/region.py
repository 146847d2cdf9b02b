"""Figures of the region report.

Every function takes plain data (pandas objects, numbers) plus ``ax=None`` and returns the Axes it drew
on; none calls ``show()`` or ``savefig()``. :func:`use_report_style` sets the report's matplotlib style
explicitly (module state such as ``rcParams`` survives a kernel's ``%reset``, so the notebook sets it at
the top of every run).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from smartcity_analysis.plots.maps import boundary_rings, locator_map

#: Colours of the three series of the profile chart and of the robustness figures.
REGION_COLOUR = "#c0392b"
PEER_COLOUR = "#5d6d7e"
CUTOFF_COLOUR = "#1f618d"

#: The report's matplotlib style (A4 print, PNG at 100 dpi).
REPORT_RC = {
    "figure.dpi": 100,
    "savefig.dpi": 100,
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.titlesize": 9,
    "axes.labelsize": 8,
    "xtick.labelsize": 7.5,
    "ytick.labelsize": 7.5,
    "legend.fontsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "figure.autolayout": False,
    "figure.constrained_layout.use": True,
}


def use_report_style() -> None:
    """Set the report's matplotlib style and make notebooks emit PNG figures (~100 dpi).

    Notes
    -----
    In IPython, pyplot's REPL display hook is uninstalled: the inline backend still shows every figure
    a cell makes, drawn once instead of twice. PNG rather than SVG: nbval skips PNG outputs when comparing golden notebooks, while SVG text changes
    across matplotlib versions; PNG at 100 dpi prints well on A4.
    """
    mpl.rcParams.update(mpl.rcParamsDefault)
    mpl.rcParams.update(REPORT_RC)
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython is a report dependency
        return
    shell = get_ipython()
    if shell is not None:
        from matplotlib_inline.backend_inline import set_matplotlib_formats

        set_matplotlib_formats("png")
        shell.run_line_magic("matplotlib", "inline")
        # pyplot's own post-execute hook redraws every stale figure before the inline backend prints it
        # (which draws it again): without the hook each figure is drawn once (~0.25 s a report).
        plt.uninstall_repl_displayhook()
        cfg = shell.config
        cfg.InlineBackend.rc = dict(REPORT_RC)
        cfg.InlineBackend.print_figure_kwargs = {"bbox_inches": "tight", "dpi": 100}


def locator(
    region_code: str,
    province_codes: Iterable[str],
    *,
    boundaries: Mapping | None = None,
    province_name: str | None = None,
    ax=None,
):
    """National locator map with an inset zoomed on the region's province.

    Parameters
    ----------
    region_code : str
        The region (red).
    province_codes : iterable of str
        The regions of its province (shaded).
    boundaries : dict, optional
        GeoJSON FeatureCollection; default :func:`smartcity_analysis.curated.loaders.load_boundaries`.
    province_name : str, optional
        Title of the inset.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
        The national map (the inset is a child Axes of it).
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.2, 2.6))
    codes = list(province_codes)
    locator_map(region_code, province_codes=codes, boundaries=boundaries, ax=ax)
    # North of Papua and east of Halmahera is open sea: room for the province inset; for a region that
    # lies under that corner (Papua Barat, Maluku Utara) use the Indian Ocean south-west of Sumatra.
    rect = [0.74, 0.5, 0.26, 0.5]
    rings = boundary_rings(boundaries).get(region_code, [])
    if rings:
        lon, lat = np.vstack(rings).mean(axis=0)
        fx, fy = ax.transAxes.inverted().transform(ax.transData.transform((lon, lat)))
        if fx >= rect[0] - 0.03 and fy >= rect[1] - 0.05:
            rect = [0.0, 0.0, 0.26, 0.5]
    inset = ax.inset_axes(rect)
    locator_map(region_code, province_codes=codes, boundaries=boundaries, zoom=True, ax=inset)
    if province_name:
        inset.text(0.5, 0.02, province_name, transform=inset.transAxes, ha="center", va="bottom",
                   fontsize=6.5, color="#333333",
                   bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8, "pad": 1})
    return ax


def pillar_profile(profile: pd.DataFrame, *, ax=None, xlabel: str = "score (0-100, higher is better)",
                   scale: tuple[float, float] | None = (0.0, 100.0)):
    """Dot chart of the pillar (criterion) scores of the region against reference series.

    Parameters
    ----------
    profile : pandas.DataFrame
        One row per pillar (index = pillar labels, in display order), one column per series; the first
        column is the region, the others references (e.g. "median of kota peers", "last selected").
        NaN values are not drawn.
    ax : matplotlib Axes, optional
    xlabel : str
    scale : tuple of float or None
        The fixed range of the scores, always shown whole; None for scores without one (the axis then
        spans the values).

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 0.45 * max(len(profile), 2) + 0.9))
    y = np.arange(len(profile))[::-1]
    markers = ["o", "D", "s", "^", "v"]
    colours = [REGION_COLOUR, PEER_COLOUR, CUTOFF_COLOUR, "#7d3c98", "#229954"]
    values = profile.apply(pd.to_numeric, errors="coerce")
    lo = np.nanmin(values.to_numpy(dtype=float), axis=1) if len(values) else []
    hi = np.nanmax(values.to_numpy(dtype=float), axis=1) if len(values) else []
    for yi, a, b in zip(y, lo, hi, strict=False):
        if np.isfinite(a) and np.isfinite(b):
            ax.plot([a, b], [yi, yi], color="#d5d8dc", linewidth=3, zorder=1, solid_capstyle="round")
    for i, col in enumerate(values.columns):
        size = 8 if i == 0 else 6
        ax.plot(values[col].to_numpy(dtype=float), y, linestyle="none", marker=markers[i % 5],
                markersize=size, color=colours[i % 5], label=str(col), zorder=3 if i == 0 else 2)
    ax.set_yticks(y)
    ax.set_yticklabels([str(i) for i in profile.index])
    ax.set_xlabel(xlabel)
    finite = values.to_numpy(dtype=float)
    finite = finite[np.isfinite(finite)]
    if finite.size:
        lo_x, hi_x = scale if scale is not None else (finite.min(), finite.max())
        span = max(finite.max() - finite.min(), 1.0 if scale is not None else 1e-9)
        ax.set_xlim(min(lo_x, finite.min() - 0.05 * span), max(hi_x, finite.max() + 0.05 * span))
    ax.set_ylim(-0.7, len(profile) - 0.3)
    ax.grid(axis="x", color="#eeeeee", linewidth=0.6)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18 if len(profile) > 3 else -0.3),
              ncol=len(values.columns), frameon=False)
    return ax


def rank_interval(
    rank_median: float,
    rank_p05: float,
    rank_p95: float,
    *,
    nominal_rank: float | None = None,
    cutoff: int | None = None,
    pool_size: int | None = None,
    ranks: np.ndarray | None = None,
    xlabel: str = "national rank (1 = best)",
    ax=None,
):
    """The region's rank under uncertainty: histogram of ranks over draws when given, else the 5-95 %
    interval as a bar, with the cohort's cutoff (rank of the last selected) as a vertical line.

    Parameters
    ----------
    rank_median, rank_p05, rank_p95 : float
        Median and 5 %/95 % quantiles of the region's national rank over the draws (1 = best).
    nominal_rank : float, optional
        Rank under the nominal spec.
    cutoff : int, optional
        Number of regions selected (a rank <= cutoff is within the cohort size; quotas may move it).
    pool_size : int, optional
        Number of ranked regions (x-axis limit).
    ranks : numpy.ndarray, optional
        Ranks in every draw, for the histogram.
    xlabel : str
        What the rank is (national rank, place in the eligible pool...).
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 1.7))
    if ranks is not None:
        ranks = np.asarray(ranks, dtype=float)
        ranks = ranks[np.isfinite(ranks)]
        # eligible in some draws but in none of the kept ones (or never): no histogram to draw
        ranks = ranks if ranks.size else None
    if ranks is not None:
        r = ranks
        width = max(1, int(np.ceil((r.max() - r.min() + 1) / 40)))  # whole places per bin
        bins = np.arange(r.min() - 0.5, r.max() + width + 0.5, width)
        ax.hist(r, bins=bins, color="#aab7b8", edgecolor="white", linewidth=0.3)
        ax.set_ylabel("draws")
        ax.set_yticks([])
    else:
        ax.set_yticks([])
    ymid = 0.5 if ranks is None else ax.get_ylim()[1] * 0.5
    if np.isfinite([rank_p05, rank_p95]).all():
        ax.plot([rank_p05, rank_p95], [ymid, ymid], color=REGION_COLOUR, linewidth=4 if ranks is None else 2,
                solid_capstyle="butt", label="5-95 % of draws")
    if np.isfinite(rank_median):
        ax.plot([rank_median], [ymid], marker="o", color=REGION_COLOUR, markersize=7, linestyle="none",
                label="median")
    if nominal_rank is not None and np.isfinite(nominal_rank):
        ax.plot([nominal_rank], [ymid], marker="D", color="black", markersize=5, linestyle="none",
                label="nominal spec")
    if cutoff is not None:
        ax.axvline(cutoff + 0.5, color=CUTOFF_COLOUR, linestyle="--", linewidth=1)
        ax.text(cutoff + 0.5, 1.0, f" cohort size {cutoff}", transform=ax.get_xaxis_transform(),
                color=CUTOFF_COLOUR, fontsize=7, va="top")
    # Zoom on where the action is (the interval and the cutoff), not the whole pool.
    reach = [v for v in (rank_p95, cutoff or 0, nominal_rank or 0) if v is not None and np.isfinite(v)]
    if ranks is not None and len(ranks):
        reach.append(float(np.nanmax(ranks)))
    hi = max(reach) * 1.15 + 3 if reach else 10
    if pool_size:
        hi = min(hi, pool_size + 1)
    ax.set_xlim(0, hi)
    if ranks is None:
        ax.set_ylim(0, 1)
    ax.set_xlabel(xlabel)
    ax.spines["left"].set_visible(False)
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, -0.35), ncol=3, frameon=False)
    return ax


def sobol_drivers(indices: pd.DataFrame, *, ax=None, top: int = 8):
    """Horizontal bars of first-order (S1) and total (ST) Sobol indices with confidence intervals.

    Parameters
    ----------
    indices : pandas.DataFrame
        Index = factor labels; columns ``S1``, ``ST`` and optionally ``S1_conf``, ``ST_conf``.
    ax : matplotlib Axes, optional
    top : int
        Show the ``top`` factors with the largest ST.

    Returns
    -------
    matplotlib.axes.Axes
    """
    data = indices.sort_values("ST", ascending=False).head(top).iloc[::-1]
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 0.32 * max(len(data), 2) + 0.8))
    y = np.arange(len(data))
    h = 0.38
    ax.barh(y + h / 2, data["ST"].clip(lower=0), height=h, color=CUTOFF_COLOUR, label="total (ST)",
            xerr=data["ST_conf"] if "ST_conf" in data else None, error_kw={"linewidth": 0.6})
    ax.barh(y - h / 2, data["S1"].clip(lower=0), height=h, color="#85c1e9", label="first order (S1)",
            xerr=data["S1_conf"] if "S1_conf" in data else None, error_kw={"linewidth": 0.6})
    ax.set_yticks(y)
    ax.set_yticklabels([str(i) for i in data.index])
    ax.set_xlabel("share of the variance of the outcome")
    ax.set_xlim(0, max(1.0, float(np.nanmax(data[["S1", "ST"]].to_numpy())) * 1.05) if len(data) else 1)
    ax.legend(loc="lower right", frameon=False)
    return ax


def central_weights(central: pd.Series, nominal: pd.Series, *, ax=None,
                    xlabel: str = "weight of the criterion (weights sum to 1)"):
    """The typical weights that select a region (its SMAA central weight vector) beside the nominal
    weights of the spec, one pair of horizontal bars per criterion.

    Parameters
    ----------
    central : Series
        Criterion label -> central weight (mean weight over the draws that select the region); NaN
        everywhere when the region is never selected (then only the nominal bars are drawn).
    nominal : Series
        Criterion label -> nominal weight, same labels.
    ax : matplotlib Axes, optional
    xlabel : str

    Returns
    -------
    matplotlib.axes.Axes
    """
    labels = list(nominal.index)
    c = pd.to_numeric(central.reindex(labels), errors="coerce").to_numpy(dtype=float)
    w = pd.to_numeric(nominal, errors="coerce").to_numpy(dtype=float)
    if ax is None:
        _, ax = plt.subplots(figsize=(7.0, 0.45 * len(labels) + 0.9))
    y = np.arange(len(labels))
    h = 0.38
    ax.barh(y - h / 2, w, height=h, color="#d5d8dc", edgecolor="#7f8c8d", linewidth=0.5,
            label="nominal weights (spec)")
    if np.isfinite(c).any():
        ax.barh(y + h / 2, np.nan_to_num(c), height=h, color=REGION_COLOUR,
                label="typical weights that select the region")
        for yi, v in zip(y, c, strict=True):
            if np.isfinite(v):
                ax.text(v, yi + h / 2, f" {v:.2f}", va="center", fontsize=7)
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    top = np.nanmax(np.concatenate([w, c[np.isfinite(c)]])) if len(labels) else 1.0
    ax.set_xlim(0, min(1.0, top * 1.25 + 0.02))
    ax.set_xlabel(xlabel)
    ax.legend(loc="upper right", bbox_to_anchor=(1.0, -0.35 if len(labels) < 4 else -0.18), ncol=2,
              frameon=False)
    return ax
