"""Orchestrator of the data build: read every raw source, choose one primary source per
(indicator, year), derive the few computed indicators, and write the curated tables.

Adding a source = one reader module returning long records + one entry in :data:`INDICATOR_READERS`
(and its indicators in :data:`PRIMARY`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from smartcity_analysis import paths
from smartcity_analysis.databuild import (
    bps_exports,
    dapoer,
    djpk,
    fsva,
    geo_quarcs,
    gov_consumption,
    grdp_pop_zenodo,
    grdp_quarcs,
    metadata,
    nendrahub,
    ntl_lacc,
    poverty_cani,
    programme,
    quarcs_data,
    registry_cahyadsn,
    registry_zakiego,
)
from smartcity_analysis.databuild.matching import NameMatcher
from smartcity_analysis.databuild.output import (
    csv_bytes,
    json_bytes,
    yaml_bytes,
)
from smartcity_analysis.databuild.rawfiles import LONG_COLUMNS
from smartcity_analysis.databuild.region_table import build_regions
from smartcity_analysis.errors import RawDataError
from smartcity_analysis.files import write_atomic

#: ``source_id`` of values computed by the build from other published values (flag ``derived``).
DERIVED = "derived"

#: Indicator -> source ids in order of preference. For each (indicator, year) the first source with
#: values for that year is primary (stored in indicators.csv); the others go to
#: indicators_secondary.csv for the cross-source check.
PRIMARY: dict[str, tuple[str, ...]] = {
    # BPS projections (zenodo) to 2017; from 2018 derived from real GRDP / GRDP per capita.
    "population": (grdp_pop_zenodo.SOURCE_ID, DERIVED),
    # okun.dta (2008-2020) equals zenodo RGDP from 2014 and reaches 2020; zenodo fills 2000-2007.
    "grdp_real": (quarcs_data.SOURCE_ID, grdp_pop_zenodo.SOURCE_ID),
    # zenodo RGDPPC (= its RGDP / POP) to 2017; gdp_pc.csv from 2018, where it is consistent
    # (see GDP_PC_CONSISTENCY_TOL); derived (GRDP / population) where neither is usable.
    "grdp_per_capita": (grdp_pop_zenodo.SOURCE_ID, grdp_quarcs.SOURCE_ID, DERIVED),
    # BPS exports are the official tables (2010-2024); nendrahub (2020-2024) is the cross-check.
    "ipm": (bps_exports.SOURCE_ID, nendrahub.SOURCE_ID),
    "expenditure_per_capita": (bps_exports.SOURCE_ID, nendrahub.SOURCE_ID),
    "poverty_line": (bps_exports.SOURCE_ID,),
    # mys.csv 2010-2018, nendrahub RLS 2020-2024 (2019: no source).
    "mean_years_schooling": (quarcs_data.SOURCE_ID, nendrahub.SOURCE_ID),
    # FSVA (2017-2019 reference years), nendrahub UHH 2020-2024.
    "life_expectancy": (fsva.SOURCE_ID, nendrahub.SOURCE_ID),
    # BPS P0 series to 2018 (cani); FSVA's poverty input (= BPS March Susenas) for 2019.
    "poverty_rate": (poverty_cani.SOURCE_ID, fsva.SOURCE_ID),
    "unemployment_rate": (quarcs_data.SOURCE_ID,),
    # INDO-DAPOER (Java, realisation) to 2015; DJPK DAU data dasar (508 kab/kota) 2016-2019.
    "own_source_revenue": (dapoer.SOURCE_ID, djpk.DAU_SOURCE),
    # INDO-DAPOER to 2015; DJPK allocations 2018-2021 (TKDD realisation 2018-2019 = cross-check).
    "dau": (dapoer.SOURCE_ID, djpk.DAU_SOURCE, djpk.TKDD_SOURCE),
    "dak": (dapoer.SOURCE_ID, djpk.TKDD_SOURCE),
}

#: (indicator, source) pairs that are only ever used as a cross-check, never as primary.
SECONDARY_ONLY: set[tuple[str, str]] = {
    ("population", dapoer.SOURCE_ID),  # Java only, to 2015
    ("population", registry_cahyadsn.SOURCE_ID),  # Dukcapil registrations ~2024/25
    ("area_km2", dapoer.SOURCE_ID),  # compared with regions.csv area
    ("ipm", djpk.DAU_SOURCE),  # BPS IPM of t-2 as used in the DAU formula (cross-check)
    ("population", djpk.DAU_SOURCE),  # DJPK's administrative population, not BPS (cross-check)
    ("dau", djpk.TKDD_SOURCE),  # TKDD realisation vs the data-dasar allocation
}


#: gdp_pc.csv is used for a region only if, in ``GDP_PC_CHECK_YEAR``, the population it implies
#: (real GRDP / GRDP per capita) is within this relative tolerance of the published population.
#: It fails for the 11 Jambi regions (implied population ~66 % of BPS/Dukcapil from 2016: the lab's
#: 2016+ Jambi values look like current-price GRDP per capita) and for Kolaka / Kolaka Timur
#: (-23 % / +45 %); their gdp_pc.csv values from 2016 are moved to indicators_secondary.csv.
GDP_PC_CONSISTENCY_TOL = 0.10
GDP_PC_CHECK_YEAR = 2017


def split_inconsistent_gdp_pc(recs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Remove gdp_pc.csv records (year >= 2016) of regions failing the consistency test.

    Returns ``(kept records, removed records, failing region codes)``.

    Notes
    -----
    implied = ``grdp_real[okun] * 1e6 / grdp_per_capita[gdp_pc]`` in ``GDP_PC_CHECK_YEAR``, compared
    with ``population[zenodo]`` of that year; fails when ``|implied / population - 1| > tol``.
    """
    y = GDP_PC_CHECK_YEAR

    def pick(ind, src):
        m = (recs["indicator"] == ind) & (recs["source_id"] == src) & (recs["year"] == y)
        return recs[m].set_index("region_code")["value"]

    implied = pick("grdp_real", quarcs_data.SOURCE_ID) * 1e6 / pick("grdp_per_capita",
                                                                     grdp_quarcs.SOURCE_ID)
    ratio = (implied / pick("population", grdp_pop_zenodo.SOURCE_ID)).dropna()
    failing = sorted(ratio.index[(ratio - 1).abs() > GDP_PC_CONSISTENCY_TOL])
    drop = ((recs["indicator"] == "grdp_per_capita") & (recs["source_id"] == grdp_quarcs.SOURCE_ID)
            & (recs["year"] >= 2016) & recs["region_code"].isin(failing))
    return recs[~drop], recs[drop], failing


@dataclass(frozen=True)
class RawInputs:
    """What the readers share: the raw folder, the registry and the name matcher."""

    raw: Path
    registry: pd.DataFrame
    matcher: NameMatcher


#: Indicator readers: name -> callable(RawInputs) -> long records.
INDICATOR_READERS: dict[str, Callable[[RawInputs], pd.DataFrame]] = {
    "grdp-pop-quarcs-zenodo": lambda r: grdp_pop_zenodo.read(r.raw),
    "grdp-quarcs-indonesia514": lambda r: grdp_quarcs.read(r.raw, r.registry, r.matcher),
    "quarcs-data/mys": lambda r: quarcs_data.read_mys(r.raw),
    "quarcs-data/okun": lambda r: quarcs_data.read_okun(r.raw),
    "poverty-quarcs-cani": lambda r: poverty_cani.read(r.raw),
    "bps-ipm-raw-cluster-web": lambda r: bps_exports.read(r.raw, r.matcher),
    "fsva-bkp-jakpost": lambda r: fsva.read(r.raw, r.matcher),
    "ipm-components-nendrahub": lambda r: nendrahub.read(r.raw, r.matcher),
    "ntl-lacc-quarcs-indonesia514": lambda r: ntl_lacc.read(r.raw),
    "gov-consumption-quarcs-indonesia514": lambda r: gov_consumption.read(r.raw),
    "fiscal-dapoer-java-partial": lambda r: dapoer.read(r.raw, r.matcher),
    "djpk-datadasar-betauliansyah": lambda r: djpk.read(r.raw, set(r.registry["region_code"])),
}


#: Reader modules whose ``FILES`` must all be present before the build starts.
SOURCE_MODULES = (registry_zakiego, registry_cahyadsn, geo_quarcs, grdp_pop_zenodo, grdp_quarcs,
                  quarcs_data, poverty_cani, bps_exports, fsva, nendrahub, ntl_lacc,
                  gov_consumption, dapoer, djpk)


def check_raw_files(raw: Path) -> None:
    """Fail before reading anything when a needed raw file is missing, naming every missing file.

    Raises
    ------
    RawDataError
        Listing each missing ``folder/file`` of the raw directory.
    """
    missing = [f"{m.SOURCE_ID}/{name}" for m in SOURCE_MODULES for name in m.FILES
               if not (Path(raw) / m.SOURCE_ID / name).is_file()]
    if missing:
        shown = ", ".join(f"'{Path(raw) / rel}'" for rel in missing[:5])
        more = f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        raise RawDataError(
            f"The raw-data directory '{raw}' lacks {len(missing)} file(s) the build needs: "
            f"{shown}{more}. Restore them from the sources given in each folder's SOURCE.md or "
            f"point --raw-dir at a complete raw-data directory.")


@dataclass(frozen=True)
class BuildResult:
    """Tables produced by :func:`build` (also written to ``out_dir``)."""

    regions: pd.DataFrame
    indicators: pd.DataFrame
    secondary: pd.DataFrame
    cohorts: pd.DataFrame
    area_from_geometry: tuple[str, ...]
    gdp_pc_inconsistent: tuple[str, ...] = field(default=())
    written: tuple[Path, ...] = field(default=())


def select_primary(recs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split records into primary (one source per indicator and year) and secondary.

    Notes
    -----
    For each (indicator, year) the primary source is the first of ``PRIMARY[indicator]`` that has
    any value in that year; indicators missing from :data:`PRIMARY` use their only source.
    """
    recs = recs.copy()
    rank = []
    for ind, src in zip(recs["indicator"], recs["source_id"], strict=True):
        order = PRIMARY.get(ind, ())
        if (ind, src) in SECONDARY_ONLY:
            rank.append(99)
        elif src in order:
            rank.append(order.index(src))
        else:
            rank.append(50)
    recs["_rank"] = rank
    best = recs[recs["_rank"] < 99].groupby(["indicator", "year"])["_rank"].min().rename("_best")
    recs = recs.join(best, on=["indicator", "year"])
    is_primary = recs["_rank"] == recs["_best"]
    primary = recs[is_primary].drop(columns=["_rank", "_best"])
    secondary = recs[~is_primary].drop(columns=["_rank", "_best"])
    several = primary.groupby(["indicator", "year"])["source_id"].nunique()
    if (several > 1).any():
        raise RawDataError(f"Several primary sources for {several[several > 1].index.tolist()}; "
                           f"list them in PRIMARY in databuild/orchestrator.py.")
    return primary.reset_index(drop=True), secondary.reset_index(drop=True)


def _derive(primary: pd.DataFrame, secondary: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    """Add derived indicators (flag ``derived``, source ``derived``).

    Notes
    -----
    - ``population`` for years without a published series:
      ``grdp_real [bn IDR] * 1e6 / grdp_per_capita [thousand IDR]``, rounded to persons.
    - ``grdp_per_capita`` where no usable published value exists (Bima pair 2000-2017):
      ``grdp_real * 1e6 / population`` (thousand IDR), rounded to 0.1.
    - ``grdp_growth`` (%): ``100 * (grdp_real_t / grdp_real_{t-1} - 1)`` with both years from
      one source: the primary source of year ``t`` when it also has ``t-1``, else another source.
    - ``population_density`` (persons/km2): ``population / area_km2`` (area: BIG 2024, static).
    - ``government_consumption_pct_grdp`` (%): ``100 * government_consumption / grdp_real``
      (both billion IDR at constant 2010 prices).
    """
    def series(ind):
        s = primary[primary["indicator"] == ind]
        return s.set_index(["region_code", "year"])

    out = [primary]
    pop = series("population")
    gdp = series("grdp_real")
    pc = series("grdp_per_capita")
    pop_years = set(pop.index.get_level_values("year"))
    both = gdp[["value"]].join(pc[["value"]].rename(columns={"value": "value_pc"}), how="inner")
    both = both[~both.index.get_level_values("year").isin(pop_years)]
    both = both[both["value_pc"] > 0]
    new_pop = (both["value"] * 1e6 / both["value_pc"]).round(0)
    if len(new_pop):
        out.append(_records(new_pop, "population"))
    all_pop = pd.concat([pop["value"], new_pop]).sort_index()

    pc_missing = gdp[["value"]].join(all_pop.rename("pop").to_frame(), how="inner")
    pc_missing = pc_missing[~pc_missing.index.isin(pc.index) & (pc_missing["pop"] > 0)]
    out.append(_records((pc_missing["value"] * 1e6 / pc_missing["pop"]).round(1),
                        "grdp_per_capita"))

    allg = pd.concat([primary, secondary])
    allg = allg[allg["indicator"] == "grdp_real"][["region_code", "year", "source_id", "value"]]
    prev = allg.assign(year=allg["year"] + 1)
    g = allg.merge(prev, on=["region_code", "year", "source_id"], suffixes=("", "_prev"))
    g = g[g["value_prev"] > 0]
    g["growth"] = (100 * (g["value"] / g["value_prev"] - 1)).round(4)
    prim_src = gdp["source_id"].groupby(level="year").first()
    g["_pref"] = (g["source_id"] != g["year"].map(prim_src)).astype(int)
    g = g.sort_values(["region_code", "year", "_pref", "source_id"]).drop_duplicates(
        ["region_code", "year"])
    out.append(_records(g.set_index(["region_code", "year"])["growth"], "grdp_growth"))

    gs = series("government_consumption")
    share = gs[["value"]].join(gdp[["value"]].rename(columns={"value": "value_gdp"}), how="inner")
    share = share[share["value_gdp"] > 0]
    out.append(_records((100 * share["value"] / share["value_gdp"]).round(4),
                        "government_consumption_pct_grdp"))

    area = regions.set_index("region_code")["area_km2"]
    dens = all_pop / all_pop.index.get_level_values("region_code").map(area).to_numpy()
    out.append(_records(dens.round(4), "population_density"))
    out.extend(_derive_fiscal(primary, all_pop))
    return pd.concat(out, ignore_index=True)


#: Parts of the DAU formula's fiscal-capacity term (UU 33/2004), all from one DJPK data dasar.
FISCAL_CAPACITY_PARTS = ("own_source_revenue", "dbh_tax", "dbh_natural_resources")

#: Parts of ``total_revenue_proxy`` besides the fiscal-capacity term.
TOTAL_REVENUE_PROXY_EXTRA = ("dau", "dak")

#: Money indicators with a per-capita variant (thousand IDR per person, BPS population).
PER_CAPITA = ("fiscal_capacity", "own_source_revenue", "total_revenue_proxy")


def _derive_fiscal(primary: pd.DataFrame, population: pd.Series) -> list[pd.DataFrame]:
    """Fiscal capacity, the total-revenue proxy and per-capita variants (flag ``derived``).

    Notes
    -----
    - ``fiscal_capacity`` (billion IDR) = PAD + DBH Pajak + DBH SDA of the DJPK DAU data dasar, the
      three parts from the same file and data year; only where all three are published.
    - ``total_revenue_proxy`` (billion IDR) = ``fiscal_capacity + dau + dak`` of the same year, where
      ``dau`` is the DAU allocation of that budget year and ``dak`` the TKDD DAK Fisik + Non Fisik
      realisation: PAD plus the balancing funds (dana perimbangan), which make up most of a kab/kota's
      revenue; it omits Dana Desa, DID, Otsus and other "lain-lain pendapatan".
    - ``<x>_per_capita`` (thousand IDR per person) = ``x * 1e6 / population`` (BPS population of
      the same year), rounded to 0.0001.
    """
    def series(ind, source=None):
        s = primary[primary["indicator"] == ind]
        if source is not None:
            s = s[s["source_id"] == source]
        return s.set_index(["region_code", "year"])["value"]

    parts = [series(FISCAL_CAPACITY_PARTS[0], djpk.DAU_SOURCE).rename(FISCAL_CAPACITY_PARTS[0])]
    parts += [series(ind).rename(ind) for ind in FISCAL_CAPACITY_PARTS[1:]]
    kpf = pd.concat(parts, axis=1, join="inner").sum(axis=1).round(9)
    extra = pd.concat([kpf.rename("kpf")] + [series(ind).rename(ind)
                                             for ind in TOTAL_REVENUE_PROXY_EXTRA],
                      axis=1, join="inner")
    proxy = extra.sum(axis=1).round(9)
    money = {"fiscal_capacity": kpf, "own_source_revenue": series("own_source_revenue"),
             "total_revenue_proxy": proxy}
    out = [_records(kpf, "fiscal_capacity"), _records(proxy, "total_revenue_proxy")]
    pop = population[population > 0]
    for ind in PER_CAPITA:
        both = pd.concat([money[ind].rename("x"), pop.rename("pop")], axis=1, join="inner")
        out.append(_records((both["x"] * 1e6 / both["pop"]).round(4), f"{ind}_per_capita"))
    return out


def _records(values: pd.Series, indicator: str) -> pd.DataFrame:
    df = values.rename("value").reset_index()
    df["indicator"] = indicator
    df["source_id"] = DERIVED
    df["flag"] = "derived"
    return df[LONG_COLUMNS]


def sort_long(df: pd.DataFrame, codes: set[str]) -> pd.DataFrame:
    """Keep registry codes and finite values, sort by indicator, year, region_code, source."""
    df = df[df["region_code"].isin(codes) & np.isfinite(df["value"])]
    df = df.astype({"year": int, "value": float})
    return df.sort_values(["indicator", "year", "region_code", "source_id"]).reset_index(drop=True)


def build(
    raw_dir: str | Path | None = None,
    programme_dir: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    progress: bool = True,
    write: bool = True,
) -> BuildResult:
    """Build the curated data tables from the raw sources.

    Parameters
    ----------
    raw_dir : path, optional
        Raw-data directory (default: :func:`smartcity_analysis.paths.raw_dir`).
    programme_dir : path, optional
        Folder of the actual cohorts (default: ``programme`` beside the raw directory).
    out_dir : path, optional
        Where to write (default: :func:`smartcity_analysis.paths.data_dir`).
    progress : bool
        Show a tqdm progress bar over the sources.
    write : bool
        Write the files (``False`` only returns the tables).

    Returns
    -------
    BuildResult

    Raises
    ------
    RawDataError
        When a raw file is missing (the message names it) or malformed.
    """
    raw = paths.raw_dir(raw_dir)
    prog_dir = Path(programme_dir) if programme_dir is not None else paths.programme_dir(raw)
    out = Path(out_dir) if out_dir is not None else paths.data_dir()
    check_raw_files(raw)
    if not (prog_dir / programme.FILE).is_file():
        raise RawDataError(
            f"Programme file '{prog_dir / programme.FILE}' is missing. Pass --programme-dir "
            f"pointing at the folder that holds {programme.FILE} (default: the 'programme' folder "
            f"beside the raw-data directory).")

    steps = ["registry", "geometry", *INDICATOR_READERS, "programme", "write"]
    bar = tqdm(total=len(steps), desc="data build", disable=not progress, unit="step")

    def step(name):
        bar.set_postfix_str(name)

    step("registry")
    registry = registry_zakiego.read(raw)
    names_2018 = registry_cahyadsn.read_names_2018(raw)
    area = registry_cahyadsn.read_area(raw, registry)
    dukcapil = registry_cahyadsn.read_population_dukcapil(raw, registry)
    registry_named = registry.merge(names_2018, on="kode_dagri", how="left")
    registry_named["nama_dagri_2018"] = registry_named["nama_dagri_2018"].fillna(
        registry_named["nama_dagri"])
    matcher = NameMatcher(registry_named, ["nama_bps", "nama_dagri_2018"],
                          registry_zakiego.province_keys())
    bar.update()

    step("geometry")
    polygons = geo_quarcs.read_polygons(raw)
    centroids = geo_quarcs.read_centroids(raw)
    geom_area = pd.Series({c: geo_quarcs.geodesic_area_km2(g) for c, g in polygons.items()})
    regions, from_geom = build_regions(registry, names_2018, area, geom_area, centroids)
    bar.update()

    inputs = RawInputs(raw=raw, registry=registry, matcher=matcher)
    parts = []
    for name, reader in INDICATOR_READERS.items():
        step(name)
        parts.append(reader(inputs))
        bar.update()
    dk = dukcapil.rename("value").rename_axis("region_code").reset_index()
    dk = dk.assign(year=2024, indicator="population", source_id=registry_cahyadsn.SOURCE_ID, flag="")
    parts.append(dk[LONG_COLUMNS])

    codes = set(regions["region_code"])
    recs = sort_long(pd.concat(parts, ignore_index=True), codes)
    recs, inconsistent, gdp_pc_failing = split_inconsistent_gdp_pc(recs)
    primary, secondary = select_primary(recs)
    indicators = sort_long(_derive(primary, secondary, regions), codes)
    secondary = sort_long(pd.concat([secondary, inconsistent]), codes)
    dup = indicators.duplicated(["region_code", "year", "indicator"])
    if dup.any():
        raise RawDataError(f"Duplicate primary records: {indicators[dup].head().to_dict('records')}.")

    step("programme")
    names = dict(zip(regions["region_code"], regions["name"], strict=True))
    cohorts = programme.read(prog_dir, matcher, names)
    bar.update()

    step("write")
    written = []
    ind_reg = metadata.indicator_registry(indicators, secondary)
    used = set(indicators["source_id"]) | set(secondary["source_id"]) | {
        registry_zakiego.SOURCE_ID, registry_cahyadsn.SOURCE_ID, geo_quarcs.SOURCE_ID, "programme"}
    src_reg = metadata.source_registry(used)
    header = "# Generated by 'smartcity data build' - do not edit; change databuild/metadata.py.\n"
    if write:
        files = {
            "indicators.yml": yaml_bytes({"indicators": ind_reg}, header),
            "sources.yml": yaml_bytes({"sources": src_reg}, header),
            "datapackage.json": json_bytes(metadata.datapackage(ind_reg, src_reg)),
            "regions.csv": csv_bytes(regions),
            "indicators.csv": csv_bytes(indicators),
            "indicators_secondary.csv": csv_bytes(secondary),
            "programme/cohorts.csv": csv_bytes(cohorts),
            "boundaries.geojson": json_bytes(
                geo_quarcs.simplified_boundaries(polygons, names), indent=None),
        }
        for rel, data in files.items():
            write_atomic(out / rel, data)
            written.append(out / rel)
    bar.update()
    bar.close()
    return BuildResult(regions=regions, indicators=indicators, secondary=secondary,
                       cohorts=cohorts, area_from_geometry=tuple(from_geom),
                       gdp_pc_inconsistent=tuple(gdp_pc_failing), written=tuple(written))
