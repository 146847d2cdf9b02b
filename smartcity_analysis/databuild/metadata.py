"""Descriptions of the indicators and the sources, written to ``data/indicators.yml``,
``data/sources.yml`` and ``data/datapackage.json`` by the build.

Years and sources of each indicator are not typed here: the build fills them from the data, so the
registry never disagrees with ``indicators.csv``.
"""

from __future__ import annotations

import pandas as pd

#: code -> name_id, name_en, unit, direction (1 higher is better, -1 lower is better, 0 context),
#: caveats. ``sources`` and ``years`` are added by :func:`indicator_registry`.
INDICATORS: dict[str, dict] = {
    "population": dict(
        name_id="Jumlah penduduk", name_en="Population", unit="persons", direction=0,
        caveats="2000-2017: BPS projections as compiled by Santos-Marquez, Gunawan & Mendez (zenodo), "
                "interpolated by the authors where regions split. 2018-2020: derived (flag 'derived') "
                "as real GRDP / real GRDP per capita of the quarcs series (rounded to persons; GRDP "
                "per capita is published to 1,000 IDR, so +-0.005 % noise); none for the 13 regions "
                "whose gdp_pc.csv is inconsistent (Jambi, Kolaka, Kolaka Timur). 2020 reflects the "
                "SP2020 census level (large upward revisions in Papua, e.g. Intan Jaya x2.7). The "
                "zenodo file swaps the populations of Kab. and Kota Bima; swapped back. Dukcapil 2024/25 "
                "registrations and DAPOER (Java, to 2015) are kept only as cross-checks."),
    "population_density": dict(
        name_id="Kepadatan penduduk", name_en="Population density", unit="persons per km2",
        direction=0,
        caveats="Derived: population / area_km2 of data/regions.csv (BIG 2024 area, one value for "
                "all years; 4 regions' area from the boundary polygons)."),
    "grdp_real": dict(
        name_id="PDRB atas dasar harga konstan 2010", name_en="Real GRDP (constant 2010 prices)",
        unit="billion IDR", direction=1,
        caveats="2008-2020 from quarcs okun.dta (BPS); 2000-2007 from the zenodo panel (rebased/"
                "interpolated by the authors). okun.dta rows of 3313/5107 and 1808/1812 are swapped "
                "back (see docs/data.md)."),
    "grdp_per_capita": dict(
        name_id="PDRB per kapita ADHK 2010", name_en="Real GRDP per capita (constant 2010 prices)",
        unit="thousand IDR per person", direction=1,
        caveats="2000-2017 zenodo RGDPPC (= its RGDP / POP); 2018-2024 quarcs gdp_pc.csv (Papua block "
                "re-keyed by position). gdp_pc.csv is not used for the 11 Jambi regions, Kolaka and "
                "Kolaka Timur, where from 2016 it implies a population 23-45 % off the published one "
                "(values kept in indicators_secondary.csv), so these 13 have no value after 2017. Kab./"
                "Kota Bima 2000-2017: derived (GRDP / corrected population). Mining regions "
                "(Mimika, Teluk Bintuni, Morowali, Sumbawa Barat) have very high, volatile values."),
    "grdp_growth": dict(
        name_id="Laju pertumbuhan PDRB riil", name_en="Real GRDP growth", unit="percent per year",
        direction=1,
        caveats="Derived: 100 * (GRDP_t / GRDP_t-1 - 1) with both years from one source."),
    "ipm": dict(
        name_id="Indeks Pembangunan Manusia (metode baru)", name_en="Human Development Index (new "
        "method)", unit="index 0-100", direction=1,
        caveats="BPS table exports matched by name within province (aliases in docs/data.md). "
                "2010-2013 miss regions created later (484-511 of 514)."),
    "expenditure_per_capita": dict(
        name_id="Pengeluaran per kapita disesuaikan", name_en="Adjusted per-capita expenditure",
        unit="thousand IDR per person per year", direction=1,
        caveats="BPS IPM component (PPP-adjusted); from 2015 only."),
    "mean_years_schooling": dict(
        name_id="Rata-rata lama sekolah", name_en="Mean years of schooling (25+)", unit="years",
        direction=1,
        caveats="2010-2018 quarcs mys.csv (float32 noise rounded to 2 decimals); 2020-2024 BPS RLS via "
                "nendrahub; no source for 2019."),
    "expected_years_schooling": dict(
        name_id="Harapan lama sekolah", name_en="Expected years of schooling", unit="years",
        direction=1, caveats="2020-2024 only (nendrahub compilation of BPS HLS)."),
    "life_expectancy": dict(
        name_id="Angka harapan hidup", name_en="Life expectancy at birth", unit="years", direction=1,
        caveats="2017-2019 from FSVA editions 2018-2020 stored at their data reference year "
                "(edition - 1); 2020-2024 BPS UHH via nendrahub (pre-SP2020 series for 2020-2022)."),
    "poverty_rate": dict(
        name_id="Persentase penduduk miskin (P0)", name_en="Poverty rate (P0)",
        unit="percent of population", direction=-1,
        caveats="2010-2018 BPS March Susenas via Miranti (2020) (licence CC BY-NC-SA 4.0); 2019 from "
                "the FSVA 2020 edition (same BPS figure). FSVA 2018/2019 editions kept as cross-check."),
    "poverty_line": dict(
        name_id="Garis kemiskinan", name_en="Poverty line", unit="IDR per capita per month",
        direction=0,
        caveats="A price-level threshold, not a welfare outcome (direction 0). Kab. Mempawah appears "
                "under its old name 'Pontianak' in the exports."),
    "unemployment_rate": dict(
        name_id="Tingkat pengangguran terbuka", name_en="Open unemployment rate", unit="percent",
        direction=-1,
        caveats="quarcs okun.dta (BPS Sakernas August). Values not at BPS 2-decimal precision "
                "(most years before 2018; all of 2016, when BPS published no kab/kota figures) are "
                "flagged 'estimate' and stored to 4 decimals."),
    "no_electricity_pct": dict(
        name_id="Rumah tangga tanpa akses listrik", name_en="Households without electricity",
        unit="percent of households", direction=-1,
        caveats="FSVA; edition E stored at year E-1 (2018 edition -> 2017 inputs)."),
    "no_clean_water_pct": dict(
        name_id="Rumah tangga tanpa akses air bersih", name_en="Households without clean water",
        unit="percent of households", direction=-1,
        caveats="FSVA; edition E stored at year E-1."),
    "stunting_pct": dict(
        name_id="Prevalensi balita stunting", name_en="Stunting prevalence (under five)",
        unit="percent", direction=-1,
        caveats="FSVA; edition E stored at year E-1; underlying surveys differ between editions "
                "(PSG / Riskesdas), so year-to-year changes are not comparable."),
    "food_security_index": dict(
        name_id="Indeks Ketahanan Pangan (IKP)", name_en="Food security index", unit="score 0-100",
        direction=1,
        caveats="FSVA composite; ranks are computed within kabupaten and within kota separately, "
                "so scores of the two types are not strictly comparable."),
    "food_expenditure_share_pct": dict(
        name_id="Rumah tangga dengan pangsa pengeluaran pangan > 65 %",
        name_en="Households spending > 65 % on food", unit="percent of households", direction=-1,
        caveats="FSVA; edition E stored at year E-1."),
    "female_mean_years_schooling": dict(
        name_id="Rata-rata lama sekolah perempuan 15+", name_en="Female mean years of schooling (15+)",
        unit="years", direction=1, caveats="FSVA; edition E stored at year E-1."),
    "health_worker_ratio": dict(
        name_id="Rasio penduduk per tenaga kesehatan", name_en="Population per health worker "
        "(density-relative)", unit="ratio", direction=-1,
        caveats="FSVA indicator; higher = fewer health workers; kabupaten median ~3.2 vs kota ~0.09."),
    "night_light_mean": dict(
        name_id="Rata-rata intensitas cahaya malam", name_en="Night-time light, mean DN",
        unit="DN 0-63 (mean over ~1 km pixels)", direction=1,
        caveats="LACC product (Tang et al. 2025), DMSP-like scale; saturates at 63 in dense cores; "
                "2017-2018 complete, 2016 (43) and 2019 (31) partial. 19 districts have true zeros."),
    "night_light_sum": dict(
        name_id="Total cahaya malam", name_en="Night-time light, sum of DN", unit="DN sum",
        direction=1, caveats="As night_light_mean; the sum still ranks size where the mean saturates."),
    "government_consumption": dict(
        name_id="Pengeluaran konsumsi pemerintah (PDRB pengeluaran)",
        name_en="Government final consumption (proxy)", unit="billion IDR, constant 2010 prices",
        direction=0,
        caveats="PROXY of government size, NOT the APBD and NOT fiscal capacity: counts every "
                "government unit located in the district (central, provincial, local), so capitals "
                "and Jakarta are inflated. Zeros before a region existed are dropped. Papua rows "
                "were re-keyed by name in the source folder (lower confidence)."),
    "government_consumption_pct_grdp": dict(
        name_id="Konsumsi pemerintah terhadap PDRB", name_en="Government consumption share of GRDP",
        unit="percent", direction=0,
        caveats="Derived: 100 * government_consumption / grdp_real (both constant 2010 prices); "
                "same proxy caveat."),
    "own_source_revenue": dict(
        name_id="Pendapatan asli daerah (PAD)", name_en="Own-source revenue", unit="billion IDR",
        direction=1,
        caveats="INDO-DAPOER, Java only (113 kab/kota, no DKI), 2000-2015, realisation; nominal IDR. "
                "Before a region split, values cover the parent's territory (e.g. Kab. Bandung "
                "before 2007 includes Bandung Barat). Reported zeros dropped as missing."),
    "dau": dict(
        name_id="Dana alokasi umum (DAU)", name_en="General allocation grant", unit="billion IDR",
        direction=0, caveats="INDO-DAPOER, Java only, 2000-2015; transfers are larger where fiscal "
                             "capacity is low (direction 0)."),
    "dak": dict(
        name_id="Dana alokasi khusus (DAK)", name_en="Special allocation grant", unit="billion IDR",
        direction=0, caveats="INDO-DAPOER, Java only, 2000-2015."),
    "total_revenue": dict(
        name_id="Total pendapatan daerah", name_en="Total regional revenue", unit="billion IDR",
        direction=1, caveats="INDO-DAPOER, Java only, 2000-2015; nominal IDR."),
    "urban_population_pct": dict(
        name_id="Persentase penduduk perkotaan", name_en="Urban population share (Susenas)",
        unit="percent", direction=0, caveats="INDO-DAPOER, Java only, 2000-2015."),
}

_QUARCS = "Mendez, C., Abdulah, R. & Arvianto, A. (2026). Indonesia514. GitHub quarcs-lab/indonesia514."

#: source_id -> origin, licence, citation, notes (+ files used).
SOURCES: dict[str, dict] = {
    "registry-bps-kemendagri-zakiego": dict(
        origin="https://github.com/zakiego/Kode-Wilayah-Administrasi-Indonesia-Relasi-BPS-Kemendagri "
               "(csv/kabkota.csv, csv/provinsi.csv, commit 8d5e83e7), scraped from "
               "https://sig.bps.go.id/bridging-kode/index on 2022-05-22",
        licence="none stated; BPS/Kemendagri public reference codes",
        citation="BPS, Bridging kode wilayah BPS-Kemendagri (2020 semester 2), via zakiego (2022).",
        notes="Backbone of the build: 514 BPS codes of the 2014-2021 structure. Its nama_dagri is "
              "truncated for some regions (e.g. 'KAB. OGAN KOMERING ULU' for 1608/1609), so names "
              "come from the cahyadsn 2018 list."),
    "registry-cahyadsn-wilayah": dict(
        origin="https://github.com/cahyadsn/wilayah (db/archive/wilayah_2018.sql, db/wilayah_luas.sql, "
               "db/wilayah_penduduk.sql; commit b7ad440a)",
        licence="MIT",
        citation="cahyadsn/wilayah; area: Badan Informasi Geospasial letter B-16.10/DIGD-BIG/"
                 "IGD.04.04/12/2024; population: Dukcapil (Kepmendagri 300.2.2-2430/2025).",
        notes="Region names (Kemendagri 2018), area_km2 (BIG 2024; 2025 code list, Papua matched by "
              "name), Dukcapil 2024/25 population (cross-check only)."),
    "geo-quarcs-indonesia514": dict(
        origin="https://github.com/quarcs-lab/data-quarcs (indonesia_WestEst/, commit e5226529)",
        licence="none stated in data-quarcs; the sister repo quarcs-lab/indonesia514 declares MIT",
        citation="QuaRCS-lab, 514-district map of Indonesia (BPS 2014-2021 codes).",
        notes="Centroids (lon/lat), area of 4 regions missing from BIG's list, simplified "
              "boundaries (data/boundaries.geojson)."),
    "grdp-pop-quarcs-zenodo": dict(
        origin="https://github.com/quarcs-lab/data-indonesia-regional-zenodo (commit c3ae42cc), "
               "Zenodo doi:10.5281/zenodo.4428102",
        licence="CC BY 4.0",
        citation="Santos-Marquez, F., Gunawan, A. B. & Mendez, C. (2021). Regional income "
                 "disparities, distributional convergence, and spatial effects: evidence from "
                 "Indonesia. GeoJournal. doi:10.1007/s10708-021-10377-7",
        notes="Population (primary to 2017), real GRDP (primary 2000-2007), GRDP per capita "
              "(cross-check). KDJ of Karanganyar/Karangasem and Tulang Bawang/Tulang Bawang Barat "
              "are swapped in the file and corrected by name."),
    "grdp-quarcs-indonesia514": dict(
        origin="https://github.com/quarcs-lab/indonesia514 (gdp/gdp_pc.csv, commit e2c0e6db)",
        licence="MIT", citation=_QUARCS,
        notes="Real GRDP per capita 2000-2024 (primary). Papua block re-keyed by position; "
              "1808/1812 swapped back for 2000-2015."),
    "quarcs-data-quarcs-indonesia514": dict(
        origin="https://github.com/quarcs-lab/data-quarcs (indonesia514/mys.csv, indonesia514/"
               "okun.dta, commit e5226529)",
        licence="none stated (lab data collection of BPS figures)",
        citation="QuaRCS-lab data-quarcs, indonesia514 panels (BPS data).",
        notes="Mean years of schooling 2010-2018, real GRDP 2008-2020, open unemployment 2008-2020 "
              "(non-BPS-precision values flagged 'estimate'). Rows of 3313/5107 and 1808/1812 "
              "swapped back."),
    "poverty-quarcs-cani": dict(
        origin="https://github.com/quarcs-lab/tutorial-distribution-dynamics--Master-s-Thesis-Cani-"
               "Chapter-2 (data/poverty.csv, commit efbf2928)",
        licence="CC BY-NC-SA 4.0 (non-commercial, share-alike: applies to poverty_rate 2010-2018)",
        citation="Miranti, R. C. (2020). Regional Poverty Convergence across Districts in Indonesia. "
                 "Data: BPS.",
        notes="Poverty rate 2010-2018 (primary). Code typo 911 -> 9111 (Manokwari Selatan)."),
    "bps-ipm-raw-cluster-web": dict(
        origin="https://github.com/Nicholas-Eugene/cluster-web-dataset (data_mentah/, commit "
               "65f61546); unmodified BPS dynamic-table downloads from bps.go.id",
        licence="BPS terms of use: reuse allowed with citation of title, access date and link",
        citation="BPS, [Metode Baru] Indeks Pembangunan Manusia; Garis Kemiskinan Menurut "
                 "Kabupaten/Kota; [Metode Baru] Pengeluaran per Kapita Disesuaikan (bps.go.id).",
        notes="IPM 2010-2024, poverty line 2010-2024, adjusted expenditure 2015-2024; matched by "
              "name within province."),
    "ipm-components-nendrahub": dict(
        origin="https://github.com/nendrahub/IPM-Prediction (data_ipm.csv, commit 5283e5b0)",
        licence="none stated (compiled BPS tables)",
        citation="BPS IPM components via nendrahub/IPM-Prediction.",
        notes="Life expectancy, expected/mean years of schooling 2020-2024 (primary); IPM and "
              "expenditure 2020-2024 (cross-check). Typo 'MLUKU TENGGARA BARAT' aliased."),
    "fsva-bkp-jakpost": dict(
        origin="https://github.com/dzulfiqarfr/jakpost-graphics (2021/2021-07-21-food-security-rise/"
               "data/bkp-fsva-{2018,2019,2020}.csv, commit e7d234b8)",
        licence="repository MIT; underlying data are government publications (Badan Ketahanan "
                "Pangan, Kementan)",
        citation="Badan Ketahanan Pangan (2018, 2019, 2020). Food Security and Vulnerability Atlas "
                 "/ Indeks Ketahanan Pangan; compiled by D. F. Rahman for The Jakarta Post.",
        notes="Edition E stored at data year E-1. NCPR not stored (placeholder 50.00 for kota)."),
    "ntl-lacc-quarcs-indonesia514": dict(
        origin="https://github.com/quarcs-lab/indonesia514 (ntl/global_nighttime_light_dataset_"
               "district_1992_2022.csv, commit 5151d43c; extract of 2016-2019)",
        licence="repository MIT; underlying Scientific Data product (normally CC BY 4.0, not "
                "verified)",
        citation="Tang, H., Zhong, Y., Deng, J., Xia, H. & Wei, J. (2025). Global nighttime light "
                 "dataset from 1992 to 2022 with focus on low-light areas. Scientific Data 12, 982. "
                 "doi:10.1038/s41597-025-05246-8",
        notes="Mean and sum of DN per district; 2017-2018 complete."),
    "gov-consumption-quarcs-indonesia514": dict(
        origin="https://github.com/quarcs-lab/indonesia514 (gs/gs.csv, commit 02e30a51)",
        licence="repository MIT; BPS terms of use",
        citation="BPS, [Seri 2010] PDRB ADHK menurut pengeluaran kabupaten/kota, komponen "
                 "Pengeluaran Konsumsi Pemerintah; via " + _QUARCS,
        notes="Size-of-government proxy, not the APBD."),
    "fiscal-dapoer-java-partial": dict(
        origin="https://github.com/panjialalam/4.-The-Impact-of-2006-Yogyakarta-Earthquake "
               "(Data/WBG/, commit 742ec434); World Bank DataBank INDO-DAPOER (source 45)",
        licence="CC BY 4.0 (World Bank open data)",
        citation="World Bank. Indonesia Database for Policy and Economic Research (INDO-DAPOER).",
        notes="PAD, DAU, DAK, total revenue (IDR -> billion IDR), population and urban share; Java "
              "only, 2000-2015. GDP workbooks not used (2000 prices, excluding oil and gas)."),
    "derived": dict(
        origin="computed by smartcity_analysis.databuild.orchestrator from other published values",
        licence="as the inputs",
        citation="smartcity-analysis data build (see data/indicators.yml caveats for formulas).",
        notes="population 2018-2020, population_density, grdp_growth, "
              "government_consumption_pct_grdp; flag 'derived'."),
    "programme": dict(
        origin="../shared/programme/selected_regions_2017_2019.csv, compiled from public news and "
               "official Kominfo/regional pages (addresses in the 'source' column of cohorts.csv)",
        licence="facts compiled from public pages; cite the pages in the 'source' column",
        citation="Kominfo, Gerakan Menuju 100 Smart City MoU lists 2017 (May), 2018 (8 May), "
                 "2019 (15 May).",
        notes="Quirks kept as 'status' (see data/programme/cohorts.csv)."),
}


def indicator_registry(primary: pd.DataFrame, secondary: pd.DataFrame) -> dict[str, dict]:
    """The registry written to ``data/indicators.yml``: metadata plus sources and years from data.

    Raises
    ------
    KeyError
        When an indicator in the data has no entry in :data:`INDICATORS` (add one).
    """
    reg = {}
    for code in sorted(primary["indicator"].unique()):
        meta = INDICATORS[code]
        sub = primary[primary["indicator"] == code]
        years = sorted(int(y) for y in sub["year"].unique())
        counts = sub.groupby("year")["region_code"].nunique()
        by_source = {}
        for src, grp in sub.groupby("source_id"):
            ys = sorted(int(y) for y in grp["year"].unique())
            if len(ys) == 1:
                by_source[str(src)] = str(ys[0])
            elif ys == list(range(ys[0], ys[-1] + 1)):
                by_source[str(src)] = f"{ys[0]}-{ys[-1]}"
            else:
                by_source[str(src)] = ys
        other = sorted(set(secondary.loc[secondary["indicator"] == code, "source_id"]))
        reg[code] = {
            "name_id": meta["name_id"],
            "name_en": meta["name_en"],
            "unit": meta["unit"],
            "direction": meta["direction"],
            "sources": sorted(by_source),
            "years": years,
            "caveats": meta["caveats"],
            "primary_source_by_years": by_source,
            "cross_check_sources": other,
            "years_complete": [int(y) for y, n in counts.items() if n == 514],
            "flags": sorted({str(f) for f in sub["flag"].unique() if f}),
        }
    return reg


def source_registry(used: set[str]) -> dict[str, dict]:
    """The registry written to ``data/sources.yml`` (only sources that appear in the data)."""
    return {sid: dict(SOURCES[sid]) for sid in SOURCES if sid in used}


def datapackage(indicator_reg: dict, source_reg: dict) -> dict:
    """A Frictionless Data Package descriptor of the curated tables."""
    units = {code: e["unit"] for code, e in indicator_reg.items()}
    return {
        "profile": "data-package",
        "name": "smartcity-analysis-data",
        "title": "Curated data for auditing the Gerakan Menuju 100 Smart City selections (514 "
                 "kabupaten/kota of Indonesia)",
        "description": "Built by 'smartcity data build' from the raw sources listed below; see "
                       "docs/data.md. Values are as published except where flagged.",
        "licenses": [{"name": "mixed", "title": "Each source keeps its own licence (see sources); "
                      "poverty_rate 2010-2018 is CC BY-NC-SA 4.0."}],
        "sources": [{"title": sid, "path": s["origin"].split(" ")[0], "licence": s["licence"]}
                    for sid, s in source_reg.items()],
        "resources": [
            {
                "name": "regions", "path": "regions.csv", "format": "csv", "encoding": "utf-8",
                "schema": {"primaryKey": ["region_code"], "fields": [
                    {"name": "region_code", "type": "string", "constraints": {"pattern": "[0-9]{4}"},
                     "description": "BPS 4-digit code (kota when code % 100 >= 71)"},
                    {"name": "kemendagri_code", "type": "string",
                     "constraints": {"pattern": "[0-9]{2}\\.[0-9]{2}"}},
                    {"name": "name", "type": "string"},
                    {"name": "type", "type": "string", "constraints": {"enum": ["kota", "kabupaten"]}},
                    {"name": "province_code", "type": "string"},
                    {"name": "province_name", "type": "string"},
                    {"name": "island_group", "type": "string"},
                    {"name": "area_km2", "type": "number", "unit": "km2"},
                    {"name": "lon", "type": "number", "unit": "degrees east (WGS84)"},
                    {"name": "lat", "type": "number", "unit": "degrees north (WGS84)"},
                ]},
            },
            {
                "name": "indicators", "path": "indicators.csv", "format": "csv", "encoding": "utf-8",
                "description": "Long table, one primary source per (indicator, year).",
                "schema": {"primaryKey": ["region_code", "year", "indicator"], "fields": [
                    {"name": "region_code", "type": "string"},
                    {"name": "year", "type": "integer"},
                    {"name": "indicator", "type": "string", "constraints": {"enum": sorted(units)}},
                    {"name": "value", "type": "number", "unit": "per indicator, see units"},
                    {"name": "source_id", "type": "string"},
                    {"name": "flag", "type": "string",
                     "constraints": {"enum": ["", "estimate", "interpolated", "derived"]}},
                ]},
                "units": units,
            },
            {
                "name": "indicators_secondary", "path": "indicators_secondary.csv", "format": "csv",
                "encoding": "utf-8",
                "description": "Values of non-primary sources, kept for the cross-source check.",
                "schema": {"primaryKey": ["region_code", "year", "indicator", "source_id"],
                           "fields": [{"name": n, "type": t} for n, t in (
                               ("region_code", "string"), ("year", "integer"),
                               ("indicator", "string"), ("value", "number"),
                               ("source_id", "string"), ("flag", "string"))]},
            },
            {
                "name": "cohorts", "path": "programme/cohorts.csv", "format": "csv",
                "encoding": "utf-8",
                "schema": {"primaryKey": ["region_code", "cohort_year"], "fields": [
                    {"name": "region_code", "type": "string"},
                    {"name": "cohort_year", "type": "integer"},
                    {"name": "status", "type": "string", "constraints": {"enum": [
                        "selected", "added_late", "not_awarded", "cancelled", "deferred"]}},
                    {"name": "region_name", "type": "string"},
                    {"name": "region_type", "type": "string"},
                    {"name": "province", "type": "string",
                     "description": "province at the time of the cohort"},
                    {"name": "source", "type": "string", "description": "addresses, ' | '-separated"},
                    {"name": "note", "type": "string"},
                ]},
            },
            {"name": "boundaries", "path": "boundaries.geojson", "format": "geojson",
             "mediatype": "application/geo+json",
             "description": "Simplified polygons (tolerance 0.005 deg, 4 decimals), "
                            "properties.region_code"},
            {"name": "indicator-registry", "path": "indicators.yml", "format": "yaml"},
            {"name": "source-registry", "path": "sources.yml", "format": "yaml"},
        ],
    }
