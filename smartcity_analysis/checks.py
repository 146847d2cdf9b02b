"""Data checks of the curated tables: coverage, and cross-source disagreements printed, not hidden.

``smartcity data check`` prints both. Where two sources give the same indicator and year, the primary
value is in ``data/indicators.csv`` and the other in ``data/indicators_secondary.csv``; the check
compares them region by region.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from smartcity_analysis import loaders


@dataclass(frozen=True)
class DataCheckReport:
    """Result of :func:`check_data`.

    Attributes
    ----------
    coverage : DataFrame
        Indicator x year -> number of regions with a value (0 where none).
    comparisons : DataFrame
        One row per (indicator, year, primary source, other source): ``n`` regions compared,
        ``n_disagree`` above the tolerance, ``median_abs_rel_diff_pct``, ``max_abs_rel_diff_pct``.
    disagreements : DataFrame
        Region-level rows above the tolerance: ``indicator, year, region_code, name, primary_source,
        primary_value, other_source, other_value, rel_diff_pct``.
    tolerance_pct : float
    seams : DataFrame
        Level shifts where the primary source changes between consecutive years
        (:func:`source_seams`).
    """

    coverage: pd.DataFrame
    comparisons: pd.DataFrame
    disagreements: pd.DataFrame
    tolerance_pct: float
    seams: pd.DataFrame | None = None


def coverage_table(long: pd.DataFrame, years: Iterable[int] | None = None) -> pd.DataFrame:
    """Count regions with a value per indicator (rows) and year (columns).

    Parameters
    ----------
    long : DataFrame
        Long indicator records (``region_code, year, indicator, value``).
    years : iterable of int, optional
        Columns to show (default: every year present).
    """
    counts = long.groupby(["indicator", "year"])["region_code"].nunique().unstack("year")
    if years is not None:
        counts = counts.reindex(columns=list(years))
    return counts.fillna(0).astype(int)


def compare_sources(primary: pd.DataFrame, secondary: pd.DataFrame,
                    tolerance_pct: float = 1.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Compare primary values with every other source of the same indicator, year and region.

    Notes
    -----
    Relative difference in percent: ``100 * |other - primary| / |primary|`` (``inf`` when the
    primary value is 0 and the other is not). A pair disagrees when it exceeds ``tolerance_pct``.
    """
    keys = ["region_code", "year", "indicator"]
    m = secondary.merge(primary[keys + ["value", "source_id"]], on=keys, suffixes=("_other", ""))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = 100 * (m["value_other"] - m["value"]).abs() / m["value"].abs()
    rel = rel.where(~((m["value"] == 0) & (m["value_other"] == 0)), 0.0)
    m["rel_diff_pct"] = rel
    m["disagree"] = rel > tolerance_pct
    comp = (
        m.groupby(["indicator", "year", "source_id", "source_id_other"])
        .agg(n=("region_code", "size"), n_disagree=("disagree", "sum"),
             median_abs_rel_diff_pct=("rel_diff_pct", "median"),
             max_abs_rel_diff_pct=("rel_diff_pct", "max"))
        .reset_index()
        .rename(columns={"source_id": "primary_source", "source_id_other": "other_source"})
    )
    dis = m[m["disagree"]].rename(columns={
        "source_id": "primary_source", "value": "primary_value",
        "source_id_other": "other_source", "value_other": "other_value"})
    dis = dis[["indicator", "year", "region_code", "primary_source", "primary_value",
               "other_source", "other_value", "rel_diff_pct"]]
    dis = dis.sort_values(["indicator", "year", "rel_diff_pct", "region_code"],
                          ascending=[True, True, False, True]).reset_index(drop=True)
    return comp, dis


def source_seams(primary: pd.DataFrame) -> pd.DataFrame:
    """Jumps where an indicator's primary source changes between two consecutive data years.

    Notes
    -----
    For each indicator and each year ``t`` whose primary source differs from that of the previous
    year with data ``s < t``, the relative change ``100 * (x_t - x_s) / |x_s|`` is summarised over
    regions (median and largest absolute change): a large median reveals a level shift between
    sources (e.g. life expectancy FSVA 2019 -> BPS/nendrahub 2020).
    """
    rows = []
    for ind, sub in primary.groupby("indicator"):
        src = sub.groupby("year")["source_id"].first().sort_index()
        years = list(src.index)
        for prev, cur in zip(years[:-1], years[1:], strict=True):
            if src[prev] == src[cur] or DERIVED_SOURCE in (src[prev], src[cur]):
                continue
            a = sub[sub["year"] == prev].set_index("region_code")["value"]
            b = sub[sub["year"] == cur].set_index("region_code")["value"]
            both = a.to_frame("a").join(b.to_frame("b"), how="inner")
            both = both[both["a"] != 0]
            change = 100 * (both["b"] - both["a"]) / both["a"].abs()
            rows.append({"indicator": ind, "from_year": int(prev), "to_year": int(cur),
                         "from_source": src[prev], "to_source": src[cur], "n": len(change),
                         "median_change_pct": float(change.median()),
                         "max_abs_change_pct": float(change.abs().max()),
                         "largest_region": str(change.abs().idxmax()) if len(change) else ""})
    return pd.DataFrame(rows, columns=["indicator", "from_year", "to_year", "from_source",
                                       "to_source", "n", "median_change_pct",
                                       "max_abs_change_pct", "largest_region"])


#: source_id of values computed by the build (their seams are not source changes).
DERIVED_SOURCE = "derived"


def check_data(years: Iterable[int] | None = range(2010, 2025),
               tolerance_pct: float = 1.0) -> DataCheckReport:
    """Run the coverage and cross-source checks on the curated tables in the data directory.

    Besides indicator pairs, the DAPOER area (``area_km2`` in the secondary table) is compared
    with ``area_km2`` of ``data/regions.csv``.
    """
    primary = loaders.load_indicators()
    secondary = loaders.load_secondary_indicators()
    regions = loaders.load_regions()
    area_years = sorted(secondary.loc[secondary["indicator"] == "area_km2", "year"].unique())
    area = pd.concat([
        pd.DataFrame({"region_code": regions.index, "year": y, "indicator": "area_km2",
                      "value": regions["area_km2"].to_numpy(), "source_id": "regions.csv",
                      "flag": ""}) for y in area_years], ignore_index=True) if area_years else None
    comp, dis = compare_sources(pd.concat([primary, area]) if area is not None else primary,
                                secondary, tolerance_pct)
    dis.insert(3, "name", dis["region_code"].map(regions["name"]))
    seams = source_seams(primary)
    seams["largest_region"] = seams["largest_region"].map(
        lambda c: f"{c} {regions['name'].get(c, '')}".strip())
    return DataCheckReport(coverage=coverage_table(primary, years), comparisons=comp,
                           disagreements=dis, tolerance_pct=tolerance_pct, seams=seams)


def format_report(report: DataCheckReport, max_rows: int = 10) -> str:
    """Plain-text rendering of a :class:`DataCheckReport` (what ``smartcity data check`` prints)."""
    out = []
    cov = report.coverage.copy()
    cov.columns = [str(c)[2:] if isinstance(c, int | np.integer) else str(c) for c in cov.columns]
    out.append("Coverage: regions with a value, by indicator (rows) and year (columns, 'YY'); "
               "514 = complete")
    out.append(cov.to_string())
    out.append("")
    out.append(f"Cross-source comparison (disagree = relative difference > "
               f"{report.tolerance_pct:g} %)")
    if report.comparisons.empty:
        out.append("  no overlapping sources")
    else:
        out.append(report.comparisons.to_string(index=False, float_format=lambda v: f"{v:.3g}"))
    out.append("")
    if report.seams is not None:
        out.append("Source seams: change between consecutive years where the primary source changes")
        out.append(report.seams.to_string(index=False, float_format=lambda v: f"{v:.3g}")
                   if len(report.seams) else "  none")
        out.append("")
    out.append(f"Largest disagreements (up to {max_rows} per indicator and source pair)")
    if report.disagreements.empty:
        out.append("  none")
    else:
        shown = (report.disagreements
                 .groupby(["indicator", "primary_source", "other_source"], sort=True)
                 .head(max_rows))
        out.append(shown.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
        out.append(f"({len(report.disagreements)} region-year pairs disagree in total)")
    return "\n".join(out) + "\n"
