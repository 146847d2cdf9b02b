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

from smartcity_analysis.curated import loaders
from smartcity_analysis.databuild.djpk import DAU_SOURCE as DJPK_DAU_SOURCE

#: Region pairs a raw file is reported to swap (zenodo KDJ of Karanganyar/Karangasem and Tulang
#: Bawang/Tulang Bawang Barat, zenodo populations of Kab./Kota Bima): the curated tables must hold
#: each region's own values (checked by :func:`known_swap_pairs`).
KNOWN_SWAP_PAIRS = (("3313", "5107"), ("1808", "1812"), ("5206", "5272"))

#: IPM values of two sources differing by at most this are "identical" (BPS publishes 2 decimals).
IPM_IDENTICAL_ABS = 0.005

#: DJPK population counts as "far" from BPS above this relative difference (percent).
POPULATION_FAR_PCT = 10.0


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
    cross_source : CrossSourceReport, optional
        The DJPK cross-source checks and the swapped-code check (:func:`cross_source_checks`).
    """

    coverage: pd.DataFrame
    comparisons: pd.DataFrame
    disagreements: pd.DataFrame
    tolerance_pct: float
    seams: pd.DataFrame | None = None
    cross_source: CrossSourceReport | None = None


@dataclass(frozen=True)
class CrossSourceReport:
    """Result of :func:`cross_source_checks`.

    Attributes
    ----------
    ipm : DataFrame
        DJPK IPM (DAU data dasar, t-2) vs BPS IPM per year: ``n, n_identical, max_abs_diff,
        differing`` (region codes).
    population : DataFrame
        DJPK population vs BPS population per year: ``n`` and the distribution of
        ``100 * (djpk / bps - 1)`` (``p05, p25, median, p75, p95``), ``share_far_pct`` (share of
        regions beyond :data:`POPULATION_FAR_PCT`), ``largest_region``, ``largest_rel_pct``.
    pad_continuity : DataFrame
        own_source_revenue across the INDO-DAPOER -> DJPK seam (:func:`pad_continuity`).
    swaps : DataFrame
        Pairs of regions whose values look exchanged between two sources (:func:`find_swaps`).
    known_pairs : DataFrame
        The reported swaps checked in the curated tables (:func:`known_swap_pairs`).
    """

    ipm: pd.DataFrame
    population: pd.DataFrame
    pad_continuity: pd.DataFrame
    swaps: pd.DataFrame
    known_pairs: pd.DataFrame


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


def _pairs(primary: pd.DataFrame, secondary: pd.DataFrame, indicator: str,
           other_source: str) -> pd.DataFrame:
    """Primary and ``other_source`` values of one indicator side by side (``value, value_other``)."""
    keys = ["region_code", "year"]
    p = primary[primary["indicator"] == indicator][keys + ["value", "source_id"]]
    o = secondary[(secondary["indicator"] == indicator)
                  & (secondary["source_id"] == other_source)][keys + ["value"]]
    return p.merge(o, on=keys, suffixes=("", "_other"))


def ipm_agreement(primary: pd.DataFrame, secondary: pd.DataFrame) -> pd.DataFrame:
    """DJPK's IPM (DAU year t, stored at t-2) against the primary BPS IPM of the same year.

    Notes
    -----
    Identical means ``|djpk - bps| <= IPM_IDENTICAL_ABS``; DJPK copies BPS's IPM of t-2, so every
    region should be identical.
    """
    m = _pairs(primary, secondary, "ipm", DJPK_DAU_SOURCE)
    rows = []
    for year, g in m.groupby("year"):
        diff = (g["value_other"] - g["value"]).abs()
        rows.append({"year": int(year), "n": len(g),
                     "n_identical": int((diff <= IPM_IDENTICAL_ABS).sum()),
                     "max_abs_diff": float(diff.max()),
                     "differing": " ".join(sorted(g.loc[diff > IPM_IDENTICAL_ABS,
                                                        "region_code"]))})
    return pd.DataFrame(rows, columns=["year", "n", "n_identical", "max_abs_diff", "differing"])


def population_distribution(primary: pd.DataFrame, secondary: pd.DataFrame) -> pd.DataFrame:
    """Distribution of DJPK's (administrative) population relative to the BPS population, per year.

    Notes
    -----
    ``rel = 100 * (djpk / bps - 1)``; the two are known to differ (DJPK uses Dukcapil-based
    figures), so this is printed, not failed.
    """
    m = _pairs(primary, secondary, "population", DJPK_DAU_SOURCE)
    m = m[m["value"] > 0]
    rows = []
    for year, g in m.groupby("year"):
        rel = 100 * (g["value_other"] / g["value"] - 1)
        q = rel.quantile([0.05, 0.25, 0.5, 0.75, 0.95])
        big = rel.abs().idxmax()
        rows.append({"year": int(year), "n": len(g), "p05": q[0.05], "p25": q[0.25],
                     "median": q[0.5], "p75": q[0.75], "p95": q[0.95],
                     "share_far_pct": float(100 * (rel.abs() > POPULATION_FAR_PCT).mean()),
                     "largest_region": str(g.loc[big, "region_code"]),
                     "largest_rel_pct": float(rel[big])})
    return pd.DataFrame(rows, columns=["year", "n", "p05", "p25", "median", "p75", "p95",
                                       "share_far_pct", "largest_region", "largest_rel_pct"])


def pad_continuity(primary: pd.DataFrame) -> pd.DataFrame:
    """Own-source revenue across the change of primary source (INDO-DAPOER -> DJPK).

    The two sources share no data year (INDO-DAPOER ends 2015, DJPK starts 2016), so continuity is
    judged on the regions both cover (Java): the change across the seam ``s -> t`` against the
    change within each source just before (``s-1 -> s``) and just after (``t -> t+1``).

    Returns
    -------
    DataFrame
        One row per seam: ``from_year, to_year, from_source, to_source, n`` (regions in both),
        ``median_change_pct`` across the seam, ``median_change_before_pct``,
        ``median_change_after_pct``, ``n_beyond_25pct`` (regions changing more than 25 %),
        ``largest_region``, ``largest_change_pct``.
    """
    osr = primary[primary["indicator"] == "own_source_revenue"]
    wide = osr.pivot(index="region_code", columns="year", values="value")
    src = osr.groupby("year")["source_id"].first().sort_index()
    years = list(src.index)

    def change(a, b):
        if a not in wide or b not in wide:
            return pd.Series(dtype=float)
        both = wide[[a, b]].dropna()
        both = both[both[a] > 0]
        return 100 * (both[b] / both[a] - 1)

    rows = []
    for s_, t in zip(years[:-1], years[1:], strict=True):
        if src[s_] == src[t]:
            continue
        across = change(s_, t)
        big = across.abs().idxmax() if len(across) else ""
        rows.append({"from_year": int(s_), "to_year": int(t), "from_source": src[s_],
                     "to_source": src[t], "n": len(across),
                     "median_change_pct": float(across.median()),
                     "median_change_before_pct": float(change(s_ - 1, s_).median()),
                     "median_change_after_pct": float(change(t, t + 1).median()),
                     "n_beyond_25pct": int((across.abs() > 25).sum()),
                     "largest_region": str(big),
                     "largest_change_pct": float(across[big]) if len(across) else np.nan})
    return pd.DataFrame(rows, columns=["from_year", "to_year", "from_source", "to_source", "n",
                                       "median_change_pct", "median_change_before_pct",
                                       "median_change_after_pct", "n_beyond_25pct",
                                       "largest_region", "largest_change_pct"])


def find_swaps(primary: pd.DataFrame, secondary: pd.DataFrame,
               tolerance_pct: float = 1.0) -> pd.DataFrame:
    """Pairs of regions whose values look exchanged between the primary and another source.

    Returns
    -------
    DataFrame
        ``indicator, year, primary_source, other_source, region_a, region_b, direct_pct``
        (larger of the two direct differences), ``crossed_pct`` (larger crosswise difference).

    Notes
    -----
    Within one (indicator, year, other source), regions ``a`` and ``b`` are a swap candidate when
    both disagree with themselves (``rel(primary_a, other_a) > tol`` and likewise for ``b``) but
    agree crosswise almost exactly (``rel(primary_a, other_b) <= tol / 10`` and
    ``rel(primary_b, other_a) <= tol / 10``), with ``rel(x, y) = 100 * |y - x| / |x|``. The
    tenfold stricter crosswise test keeps loosely agreeing sources (populations of two
    publishers) from pairing unrelated regions of similar size.
    """
    keys = ["region_code", "year", "indicator"]
    m = secondary.merge(primary[keys + ["value", "source_id"]], on=keys, suffixes=("_other", ""))
    m = m[m["value"] != 0]
    rows = []
    for (ind, year, src, other), g in m.groupby(["indicator", "year", "source_id",
                                                  "source_id_other"]):
        rel_direct = 100 * (g["value_other"] - g["value"]).abs() / g["value"].abs()
        d = g[rel_direct > tolerance_pct]
        if len(d) < 2:
            continue
        p = d["value"].to_numpy()
        o = d["value_other"].to_numpy()
        cross = 100 * np.abs(o[None, :] - p[:, None]) / np.abs(p[:, None])  # [i, j]: p_i vs o_j
        ok = (cross <= tolerance_pct / 10) & (cross.T <= tolerance_pct / 10)
        codes = d["region_code"].to_numpy()
        direct = rel_direct[rel_direct > tolerance_pct].to_numpy()
        for i, j in zip(*np.nonzero(np.triu(ok, 1)), strict=True):
            a, b = sorted((codes[i], codes[j]))
            rows.append({"indicator": ind, "year": int(year), "primary_source": src,
                         "other_source": other, "region_a": a, "region_b": b,
                         "direct_pct": float(max(direct[i], direct[j])),
                         "crossed_pct": float(max(cross[i, j], cross[j, i]))})
    out = pd.DataFrame(rows, columns=["indicator", "year", "primary_source", "other_source",
                                      "region_a", "region_b", "direct_pct", "crossed_pct"])
    return out.sort_values(["indicator", "year", "region_a", "region_b",
                            "other_source"]).reset_index(drop=True)


def known_swap_pairs(primary: pd.DataFrame, secondary: pd.DataFrame,
                     pairs: Iterable[tuple[str, str]] = KNOWN_SWAP_PAIRS,
                     tolerance_pct: float = 1.0) -> pd.DataFrame:
    """Check the reported swaps: does each region of a pair match its own value in the other sources.

    For each pair, a region "matches its own" when it agrees with its own value in the other sources
    better than with its partner's.

    Notes
    -----
    For every (indicator, other source) with values for both regions, over the common years:
    ``direct_pct`` = median of ``rel(primary_a, other_a)`` and ``rel(primary_b, other_b)``,
    ``swapped_pct`` = median of ``rel(primary_a, other_b)`` and ``rel(primary_b, other_a)``;
    ``status`` is ``ok`` when ``direct_pct <= swapped_pct`` (each region is closer to its own
    value), ``swapped`` when the crosswise values agree within ``tolerance_pct`` and the direct
    ones do not, else ``neither`` (both far: a disagreement, not a swap).
    """
    keys = ["region_code", "year", "indicator"]
    m = secondary.merge(primary[keys + ["value", "source_id"]], on=keys, suffixes=("_other", ""))
    rows = []
    for a, b in pairs:
        sub = m[m["region_code"].isin([a, b])]
        for (ind, src, other), g in sub.groupby(["indicator", "source_id", "source_id_other"]):
            w = g.pivot(index="year", columns="region_code", values=["value", "value_other"])
            if set(g["region_code"]) != {a, b}:
                continue
            w = w.dropna()
            if w.empty or (w["value"] == 0).any().any():
                continue
            pa, pb = w[("value", a)], w[("value", b)]
            oa, ob = w[("value_other", a)], w[("value_other", b)]
            direct = pd.concat([(oa - pa).abs() / pa.abs(), (ob - pb).abs() / pb.abs()]) * 100
            swapped = pd.concat([(ob - pa).abs() / pa.abs(), (oa - pb).abs() / pb.abs()]) * 100
            d_, s_ = float(direct.median()), float(swapped.median())
            status = ("ok" if d_ <= s_ else "swapped" if s_ <= tolerance_pct < d_ else "neither")
            rows.append({"region_a": a, "region_b": b, "indicator": ind, "primary_source": src,
                         "other_source": other, "years": f"{int(w.index.min())}-"
                                                         f"{int(w.index.max())}",
                         "direct_pct": d_, "swapped_pct": s_, "status": status})
    return pd.DataFrame(rows, columns=["region_a", "region_b", "indicator", "primary_source",
                                       "other_source", "years", "direct_pct", "swapped_pct",
                                       "status"])


def cross_source_checks(primary: pd.DataFrame, secondary: pd.DataFrame,
                        tolerance_pct: float = 1.0) -> CrossSourceReport:
    """The DJPK cross-source checks and the swapped-region-code check (see
    :class:`CrossSourceReport`)."""
    return CrossSourceReport(ipm=ipm_agreement(primary, secondary),
                             population=population_distribution(primary, secondary),
                             pad_continuity=pad_continuity(primary),
                             swaps=find_swaps(primary, secondary, tolerance_pct),
                             known_pairs=known_swap_pairs(primary, secondary,
                                                          tolerance_pct=tolerance_pct))


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
    cross = cross_source_checks(primary, secondary, tolerance_pct)
    return DataCheckReport(coverage=coverage_table(primary, years), comparisons=comp,
                           disagreements=dis, tolerance_pct=tolerance_pct, seams=seams,
                           cross_source=cross)


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
    if report.cross_source is not None:
        out.append("")
        out.extend(format_cross_source(report.cross_source, max_rows))
    return "\n".join(out) + "\n"


def format_cross_source(cs: CrossSourceReport, max_rows: int = 10) -> list[str]:
    """Lines of the cross-source section of ``smartcity data check``."""
    def table(df):
        return df.to_string(index=False, float_format=lambda v: f"{v:.4g}") if len(df) else "  none"

    out = [f"DJPK IPM (DAU data dasar, data year t-2) vs BPS IPM: identical = |diff| <= "
           f"{IPM_IDENTICAL_ABS:g}", table(cs.ipm), "",
           "DJPK population vs BPS population: 100 * (DJPK / BPS - 1), distribution over regions "
           f"(share_far_pct: beyond {POPULATION_FAR_PCT:g} %)", table(cs.population), "",
           "PAD (own_source_revenue) continuity across the INDO-DAPOER -> DJPK seam (no common "
           "year; median change across the seam vs within each source)",
           table(cs.pad_continuity), "",
           "Swapped region codes: the reported pairs in the curated tables (ok = each region "
           "is closer to its own value in the other source than to its partner's; neither = "
           "both far, a disagreement, not a swap)",
           table(cs.known_pairs)]
    counts = cs.known_pairs["status"].value_counts() if len(cs.known_pairs) else pd.Series()
    out.append("  " + ", ".join(f"{k}: {int(counts.get(k, 0))}"
                                for k in ("ok", "swapped", "neither")))
    out.append("")
    out.append(f"Swap candidates: pairs of regions that agree crosswise but not directly "
               f"(up to {max_rows})")
    out.append(table(cs.swaps.head(max_rows)))
    if len(cs.swaps) > max_rows:
        out.append(f"({len(cs.swaps)} candidate pairs in total)")
    return out
