"""Figures of the national overview and the criteria explorer.

Every function takes the data it draws (tables from :mod:`smartcity_analysis.overview`) and ``ax=None``,
and returns the Axes; none calls ``show()`` or ``savefig()``. Maps reuse the boundary rings of
:mod:`smartcity_analysis.plots.maps`.
"""

from __future__ import annotations

from collections.abc import Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection
from matplotlib.patches import Patch

from smartcity_analysis.plots.maps import boundary_rings, choropleth

#: Colours of the selection map categories (colour-blind safe, print friendly).
SELECTION_COLOURS = {
    "both": "#1b7837",
    "nominal only": "#5aae61",
    "actual only": "#c2a5cf",
    "neither": "#eeeeee",
    "not in pool": "#bdbdbd",
}


def _axes(ax, figsize):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


#: Colour of the regions whose values are missing by nature on the coverage map.
MISSING_BY_NATURE_COLOUR = "#f4a582"


def coverage_chart(criteria: pd.DataFrame, *, ax=None):
    """Horizontal bars: share of regions with data per declared criterion and data year (unavailable
    ones marked).

    Parameters
    ----------
    criteria : DataFrame
        :func:`smartcity_analysis.overview.criteria_table` (index criterion; ``% with data <year>``
        columns, ``model``); rows without any coverage column value that are not indicators (data
        rules, quotas) are left out.
    """
    cols = [c for c in criteria.columns if str(c).startswith("% with data ")]
    crit = criteria[criteria["indicator"].astype(str).str.fullmatch(r"[a-z0-9_]+")
                    & (criteria["model"].astype(str) != "quota")]
    n, k = len(crit), max(len(cols), 1)
    ax = _axes(ax, (6.5, 0.18 * n * k + 1.0))
    height = 0.8 / k
    y0 = np.arange(n)[::-1]
    shades = ["#92c5de", "#4393c3", "#2166ac", "#053061"]
    unavailable = crit["model"].astype(str) == "unavailable"
    for j, col in enumerate(cols):
        cov = pd.to_numeric(crit[col], errors="coerce")
        y = y0 + 0.4 - (j + 0.5) * height
        ax.barh(y, cov.fillna(0).to_numpy(), height=height * 0.9, color=shades[j % len(shades)],
                label=col.removeprefix("% with data "))
        for yi, c, u in zip(y, cov, unavailable, strict=True):
            text = f"{c:.0f}%" if np.isfinite(c) else ("unavailable" if u else "no data")
            if u and j:
                continue
            ax.text((c if np.isfinite(c) else 0) + 1, yi, text, va="center", fontsize=6)
    ax.set_yticks(y0, [str(i) for i in crit.index], fontsize=7)
    ax.set_xlim(0, 115)
    ax.set_xlabel("regions with a value in the data year (%)", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    if cols:
        ax.legend(title="data year", fontsize=6, title_fontsize=6, frameon=False, loc="upper left",
                  bbox_to_anchor=(1.0, 1.0))
    ax.set_title("Declared criteria and data coverage per data year", fontsize=9, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def coverage_map(counts: pd.DataFrame | pd.Series, *, boundaries: Mapping | None = None, ax=None):
    """Map: number of the spec's indicators with data, per region; regions missing values by nature
    (the DKI administrative units: no own budget) drawn in their own colour with a legend entry, not as
    a low count.

    Parameters
    ----------
    counts : DataFrame or Series
        :func:`smartcity_analysis.overview.coverage_by_region` (``indicators with data``, ``missing by
        nature``), or a bare Series of counts.
    """
    if isinstance(counts, pd.DataFrame):
        nature = counts["missing by nature"].astype(str) if "missing by nature" in counts else None
        values = counts["indicators with data"]
    else:
        nature, values = None, counts
    flagged = [] if nature is None else list(nature.index[nature != ""].astype(str))
    ax = choropleth(values.drop(flagged, errors="ignore"), boundaries=boundaries, cmap="Blues", ax=ax,
                    title="Indicators with data per region", label="indicators")
    if flagged:
        rings = boundary_rings(boundaries)
        verts = [ring for code in flagged for ring in rings.get(code, [])]
        ax.add_collection(PolyCollection(verts, facecolors=MISSING_BY_NATURE_COLOUR, edgecolors="#444444",
                                         linewidths=0.3))
        label = str(nature[nature != ""].iloc[0])
        ax.legend(handles=[Patch(facecolor=MISSING_BY_NATURE_COLOUR, edgecolor="#444444",
                                 label=f"{label}: {len(flagged)}"),
                           Patch(facecolor="#eeeeee", edgecolor="#999999", hatch="////", label="no data")],
                  fontsize=6, loc="lower left", frameon=False)
    return ax


def distributions(normalised: pd.DataFrame, *, ax=None):
    """Box plots of the normalised indicators (one per indicator, same scale)."""
    ax = _axes(ax, (6.5, 0.3 * normalised.shape[1] + 0.8))
    cols = list(normalised.columns)
    data = [normalised[c].dropna().to_numpy() for c in cols]
    ax.boxplot(data, orientation="horizontal", widths=0.6, flierprops={"markersize": 2, "alpha": 0.4})
    ax.set_yticks(np.arange(1, len(cols) + 1), cols, fontsize=7)
    ax.set_xlabel("normalised value", fontsize=8)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_title("Distribution of the normalised indicators", fontsize=9, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def correlation_heatmap(corr: pd.DataFrame, *, ax=None, annotate: bool = True):
    """Heat map of a correlation matrix (diverging, -1..1), values written in the cells."""
    n = corr.shape[0]
    ax = _axes(ax, (0.45 * n + 2, 0.45 * n + 1.2))
    im = ax.imshow(corr.to_numpy(dtype=float), cmap="RdBu_r", vmin=-1, vmax=1)
    ax.set_xticks(range(n), corr.columns, rotation=60, ha="right", fontsize=7)
    ax.set_yticks(range(n), corr.index, fontsize=7)
    if annotate and n <= 16:
        for i in range(n):
            for j in range(n):
                v = corr.iat[i, j]
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6,
                            color="white" if abs(v) > 0.6 else "black")
    cbar = ax.figure.colorbar(im, ax=ax, fraction=0.04, pad=0.02)
    cbar.ax.tick_params(labelsize=7)
    ax.set_title("Correlation of the normalised indicators (Pearson)", fontsize=9, loc="left")
    return ax


def selection_categories(nominal: pd.Series, actual: pd.Series, in_pool: pd.Series | None = None, *,
                         names: tuple[str, str] = ("nominal", "actual")) -> pd.Series:
    """Per region: ``both``, ``<first> only``, ``<second> only``, ``neither`` or ``not in pool``."""
    first, second = names
    nominal = nominal.fillna(False).astype(bool)
    actual = actual.reindex(nominal.index).fillna(False).astype(bool)
    cat = pd.Series("neither", index=nominal.index, dtype=object)
    cat[nominal & actual] = "both"
    cat[nominal & ~actual] = f"{first} only"
    cat[~nominal & actual] = f"{second} only"
    if in_pool is not None:
        out = ~in_pool.reindex(nominal.index).fillna(True).astype(bool)
        cat[out & ~actual & ~nominal] = "not in pool"
    return cat


def category_map(categories: pd.Series, colours: Mapping[str, str], *, boundaries: Mapping | None = None,
                 title: str | None = None, ax=None):
    """Map of one category per region with a legend (regions without a category stay white)."""
    rings = boundary_rings(boundaries)
    ax = _axes(ax, (7, 2.8))
    verts, faces = [], []
    for code, polys in rings.items():
        colour = colours.get(categories.get(code), "#ffffff")
        for ring in polys:
            verts.append(ring)
            faces.append(colour)
    ax.add_collection(PolyCollection(verts, facecolors=faces, edgecolors="#888888", linewidths=0.1))
    allv = np.vstack(verts) if verts else np.zeros((1, 2))
    ax.set_xlim(allv[:, 0].min() - 0.5, allv[:, 0].max() + 0.5)
    ax.set_ylim(allv[:, 1].min() - 0.5, allv[:, 1].max() + 0.5)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    present = [k for k in colours if (categories == k).any()]
    counts = categories.value_counts()
    ax.legend(handles=[Patch(facecolor=colours[k], edgecolor="#888888", label=f"{k} ({counts[k]})")
                       for k in present], fontsize=6, loc="lower left", frameon=False, ncol=2)
    if title:
        ax.set_title(title, fontsize=9, loc="left")
    return ax


def selection_map(nominal: pd.Series, actual: pd.Series, in_pool: pd.Series | None = None, *,
                  names: tuple[str, str] = ("nominal", "actual"), boundaries: Mapping | None = None,
                  title: str | None = None, ax=None):
    """Map of two selections against each other (default: the spec's nominal one and the actual
    cohort): both / first only / second only / neither / not in pool."""
    cats = selection_categories(nominal, actual, in_pool, names=names)
    first, second = names
    colours = {"both": SELECTION_COLOURS["both"], f"{first} only": SELECTION_COLOURS["nominal only"],
               f"{second} only": SELECTION_COLOURS["actual only"], "neither": SELECTION_COLOURS["neither"],
               "not in pool": SELECTION_COLOURS["not in pool"]}
    return category_map(cats, colours, boundaries=boundaries,
                        title=title or f"{first.capitalize()} selection against the {second} one", ax=ax)


def flag_map(flags: pd.Series, *, label: str, colour: str = "#1b7837", boundaries: Mapping | None = None,
             title: str | None = None, ax=None):
    """Map of one yes/no flag per region (e.g. the nominal selection alone)."""
    cats = flags.fillna(False).astype(bool).map({True: label, False: "other"})
    return category_map(cats, {label: colour, "other": "#eeeeee"}, boundaries=boundaries, title=title,
                        ax=ax)


def java_comparison(equity: pd.DataFrame, *, ax=None):
    """Grouped bars: share of the pool, of the nominal and of the actual selection in each group.

    Parameters
    ----------
    equity : DataFrame
        :func:`smartcity_analysis.overview.equity_table` (index group; ``pool %``, ``nominal %``,
        ``actual %``).
    """
    ax = _axes(ax, (5, 2.6))
    cols = ["pool %", "nominal %", "actual %"]
    x = np.arange(len(equity.index))
    width = 0.26
    for i, (col, colour) in enumerate(zip(cols, ["#bdbdbd", "#5aae61", "#762a83"], strict=True)):
        vals = pd.to_numeric(equity[col], errors="coerce").fillna(0).to_numpy()
        bars = ax.bar(x + (i - 1) * width, vals, width, label=col.replace(" %", ""), color=colour)
        ax.bar_label(bars, fmt="%.0f", fontsize=6, padding=1)
    ax.set_xticks(x, equity.index, fontsize=8)
    ax.set_ylabel("share (%)", fontsize=8)
    ax.set_ylim(0, 100)
    ax.tick_params(axis="y", labelsize=7)
    ax.legend(fontsize=7, frameon=False)
    ax.set_title("Java versus outside Java", fontsize=9, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax


def ranking_bars(scores: pd.Series, selected: pd.Series, *, changed: pd.Series | None = None,
                 n: int = 30, title: str | None = None, ax=None):
    """Top-``n`` scores as horizontal bars, selected regions dark, changed ones outlined in red."""
    top = scores.dropna().sort_values(ascending=False).head(n)
    ax = _axes(ax, (6, 0.2 * len(top) + 0.8))
    y = np.arange(len(top))[::-1]
    sel = selected.reindex(top.index).fillna(False).astype(bool)
    ax.barh(y, top.to_numpy(), color=np.where(sel, "#1b7837", "#a6dba0"), height=0.75)
    if changed is not None:
        ch = changed.reindex(top.index).fillna(False).astype(bool).to_numpy()
        ax.barh(y[ch], top.to_numpy()[ch], fill=False, edgecolor="#b2182b", linewidth=1.2, height=0.75)
    ax.set_yticks(y, [str(i) for i in top.index], fontsize=6)
    ax.tick_params(axis="x", labelsize=7)
    ax.set_xlabel("score", fontsize=8)
    ax.set_title(title or f"Top {len(top)} scores", fontsize=9, loc="left")
    ax.spines[["top", "right"]].set_visible(False)
    return ax
