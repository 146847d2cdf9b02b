"""Descriptions of the indicators and the sources, written to ``data/indicators.yml``,
``data/sources.yml`` and ``data/datapackage.json`` by the build.

Years and sources of each indicator are not typed here: the build fills them from the data, so the
registry never disagrees with ``indicators.csv``.
"""

from __future__ import annotations

import pandas as pd

from smartcity_analysis.databuild import djpk

#: The six DKI Jakarta administrative units: no budget of their own, so no DJPK value (not zero).
_NO_BUDGET = list(djpk.NO_OWN_BUDGET)
_NO_BUDGET_NOTE = (" Missing by nature for the six DKI Jakarta administrative units (3101, 3171-3175: "
                   "no budget of their own; listed under missing_regions), never zero.")
_DJPK_DAU = ("DJPK Kemenkeu Data Dasar DAU 2018-2021; DAU year t is computed from data of year t-2, "
             "so DAU 2018 -> data year 2016 ... DAU 2021 -> 2019.")
#: Labels of the bpk_opinion codes (from databuild/djpk.py).
_OPINION_LABELS = dict(djpk.BPK_OPINION_LABELS)
_DJPK_DID = "DJPK Kemenkeu Data Dasar DID 2018-2020 (criteria of the regional incentive fund). "

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
        direction=1, missing_regions=_NO_BUDGET,
        caveats="2000-2015: INDO-DAPOER, Java only (113 kab/kota, no DKI), realisation; before a "
                "region split, values cover the parent's territory (e.g. Kab. Bandung before 2007 "
                "includes Bandung Barat); reported zeros dropped as missing. 2016-2019: DJPK Data "
                "Dasar DAU 2018-2021 (508 autonomous kab/kota), the PAD of DAU year t stored at data "
                "year t-2 (lagged realisation by the DAU methodology; the lag is not independently "
                "verified). The 2015 -> 2016 seam is a source change (see 'smartcity data check'). "
                "Nominal IDR." + _NO_BUDGET_NOTE),
    "dau": dict(
        name_id="Dana alokasi umum (DAU)", name_en="General allocation grant", unit="billion IDR",
        direction=0, missing_regions=_NO_BUDGET,
        caveats="2000-2015: INDO-DAPOER, Java only (realisation). 2018-2021: DJPK Data Dasar "
                "'Alokasi DAU' (2019: 'Alokasi DAU Formula', without the DAU tambahan for kelurahan) "
                "stored at the budget year it is allocated FOR (not at the t-2 data year of its "
                "inputs); 2020 is the original APBN allocation, before the APBN-P cut. TKDD realisation "
                "2018-2019 kept as cross-check (2018 identical; 2019 about 1 % higher, DAU tambahan). "
                "Transfers are larger where fiscal capacity is low (direction 0)." + _NO_BUDGET_NOTE),
    "dak": dict(
        name_id="Dana alokasi khusus (DAK)", name_en="Special allocation grant", unit="billion IDR",
        direction=0, missing_regions=_NO_BUDGET,
        caveats="2000-2015: INDO-DAPOER, Java only. 2018-2019: DJPK TKDD realisation of DAK Fisik + "
                "DAK Non Fisik (SP2D), all 508 autonomous kab/kota; the scraper-corrupted TKDD total "
                "and DBH columns are not used." + _NO_BUDGET_NOTE),
    "total_revenue": dict(
        name_id="Total pendapatan daerah", name_en="Total regional revenue", unit="billion IDR",
        direction=1, caveats="INDO-DAPOER, Java only, 2000-2015; nominal IDR."),
    "urban_population_pct": dict(
        name_id="Persentase penduduk perkotaan", name_en="Urban population share (Susenas)",
        unit="percent", direction=0, caveats="INDO-DAPOER, Java only, 2000-2015."),
    "dbh_tax": dict(
        name_id="Dana bagi hasil pajak (DBH Pajak)", name_en="Tax revenue-sharing fund",
        unit="billion IDR", direction=1, missing_regions=_NO_BUDGET,
        caveats=_DJPK_DAU + " Part of the DAU formula's fiscal-capacity term." + _NO_BUDGET_NOTE),
    "dbh_natural_resources": dict(
        name_id="Dana bagi hasil sumber daya alam (DBH SDA)",
        name_en="Natural-resource revenue-sharing fund", unit="billion IDR", direction=1,
        missing_regions=_NO_BUDGET,
        caveats=_DJPK_DAU + " Part of the DAU formula's fiscal-capacity term; very large and "
                "volatile in oil, gas and mining regions." + _NO_BUDGET_NOTE),
    "personnel_spending": dict(
        name_id="Belanja pegawai", name_en="Personnel spending", unit="billion IDR", direction=0,
        missing_regions=_NO_BUDGET,
        caveats=_DJPK_DAU + " The civil-servant wage bill used for the DAU basic allocation "
                "(alokasi dasar)." + _NO_BUDGET_NOTE),
    "fiscal_capacity": dict(
        name_id="Kapasitas fiskal (PAD + DBH Pajak + DBH SDA)",
        name_en="Fiscal capacity (DAU formula term)", unit="billion IDR", direction=1,
        missing_regions=_NO_BUDGET,
        caveats="Derived (flag 'derived'): own_source_revenue + dbh_tax + dbh_natural_resources of "
                "the same DJPK data dasar and data year, the fiscal-capacity term KpF of the DAU "
                "formula (UU 33/2004, art. 31). " + _DJPK_DAU + " NOT the PMK 'Indeks Kapasitas "
                "Fiskal' (which nets out earmarked revenue and some spending and is divided by the "
                "poor population); that index is not available per kab/kota." + _NO_BUDGET_NOTE),
    "total_revenue_proxy": dict(
        name_id="Proksi total pendapatan APBD (PAD + DBH + DAU + DAK)",
        name_en="Total APBD revenue proxy (PAD + DBH + DAU + DAK)", unit="billion IDR",
        direction=1, missing_regions=_NO_BUDGET,
        caveats="Derived (flag 'derived'): fiscal_capacity + dau + dak of one budget year = PAD + "
                "DBH Pajak + DBH SDA (DJPK data dasar, data year t) + DAU allocation for year t + "
                "DAK Fisik + DAK Non Fisik realisation of year t (TKDD). PAD plus the balancing "
                "funds (dana perimbangan) are the bulk of a kab/kota's APBD revenue, so this ranks "
                "regions by total budget size; it omits 'lain-lain pendapatan' (Dana Desa, DID, "
                "Otsus/DTI, provincial tax sharing, grants), so it understates the APBD, most in "
                "kabupaten with many desa and in Papua/Aceh (Otsus). Only 2018 and 2019 (the years "
                "with both DAU allocations and clean TKDD DAK)." + _NO_BUDGET_NOTE),
    "fiscal_capacity_per_capita": dict(
        name_id="Kapasitas fiskal per kapita", name_en="Fiscal capacity per capita",
        unit="thousand IDR per person", direction=1, missing_regions=_NO_BUDGET,
        caveats="Derived: fiscal_capacity * 1e6 / population (BPS series of data/indicators.csv, "
                "not DJPK's own population); none where that population is missing (Jambi, Kolaka, "
                "Kolaka Timur from 2018)." + _NO_BUDGET_NOTE),
    "own_source_revenue_per_capita": dict(
        name_id="PAD per kapita", name_en="Own-source revenue per capita",
        unit="thousand IDR per person", direction=1, missing_regions=_NO_BUDGET,
        caveats="Derived: own_source_revenue * 1e6 / population (BPS series); same source seam as "
                "own_source_revenue (INDO-DAPOER to 2015, DJPK 2016-2019)." + _NO_BUDGET_NOTE),
    "total_revenue_proxy_per_capita": dict(
        name_id="Proksi total pendapatan APBD per kapita", name_en="Total APBD revenue proxy per "
        "capita", unit="thousand IDR per person", direction=0, missing_regions=_NO_BUDGET,
        caveats="Derived: total_revenue_proxy * 1e6 / population (BPS series). Transfers make it "
                "high in small, remote regions, so it is context, not capacity (direction 0)."
                + _NO_BUDGET_NOTE),
    "bpk_opinion": dict(
        name_id="Opini BPK atas LKPD", name_en="BPK audit opinion on the regional accounts",
        unit="ordinal 1-4", direction=1, missing_regions=_NO_BUDGET,
        labels=_OPINION_LABELS,
        caveats=_DJPK_DID + "Stored at the year of the audited accounts: DID year t holds the "
                "opinion on LKPD t-2 (DID 2018 -> 2016, 2019 -> 2017, 2020 -> 2018). Ordinal codes: "
                "WTP=4 > WDP=3 > TW=2 > TMP=1 (see labels); an order, not an interval scale. No TW "
                "opinion occurs in these years." + _NO_BUDGET_NOTE),
    "apbd_on_time": dict(
        name_id="Perda APBD ditetapkan tepat waktu", name_en="APBD regulation passed on time",
        unit="0/1", direction=1, missing_regions=_NO_BUDGET,
        caveats=_DJPK_DID + "Stored at the APBD (budget) year: DID year t holds the timing of the "
                "APBD of t-1, which is passed by the end of t-2 (DID 2018 -> 2017, 2019 -> 2018, "
                "2020 -> 2019). 1 = 'Tepat Waktu', 0 = 'Tidak Tepat Waktu'/'Terlambat'."
                + _NO_BUDGET_NOTE),
    "e_procurement": dict(
        name_id="Penggunaan e-procurement", name_en="Uses e-procurement", unit="0/1",
        direction=1, missing_regions=_NO_BUDGET,
        caveats=_DJPK_DID + "Status at the DID assessment, stored at year t-1 of DID year t (DID "
                "2018 -> 2017, 2019 -> 2018, 2020 -> 2019; an assumption: the files give no year). "
                "Nearly every region uses it (497-501 of 508)." + _NO_BUDGET_NOTE),
    "e_budgeting": dict(
        name_id="Penggunaan e-budgeting", name_en="Uses e-budgeting", unit="0/1", direction=1,
        missing_regions=_NO_BUDGET,
        caveats=_DJPK_DID + "Criterion from DID 2019 only: DID 2019 -> 2018, 2020 -> 2019 "
                "(assessment year t-1, an assumption). 497-503 of 508 use it." + _NO_BUDGET_NOTE),
    "djpk_fiscal_health_score": dict(
        name_id="Skor kesehatan fiskal dan pengelolaan keuangan daerah (DJPK)",
        name_en="DJPK fiscal-health score", unit="score 0-100", direction=1,
        missing_regions=_NO_BUDGET,
        caveats=_DJPK_DID + "DJPK's DID category score, published for DID 2018 and 2019 only; "
                "stored at t-2 (DID 2018 -> 2016, 2019 -> 2017), the realisation year it is assumed "
                "to rest on (DJPK does not state the year per column)." + _NO_BUDGET_NOTE),
    "government_performance_award": dict(
        name_id="Penerima DID kategori penyelenggaraan pemerintahan",
        name_en="Government performance award (DID 'penyelenggaraan pemerintahan' recipient)",
        unit="0/1", direction=1, missing_regions=_NO_BUDGET,
        caveats=_DJPK_DID + "1 = one of the 20 kab/kota a year rewarded for 'penyelenggaraan "
                "pemerintahan' (Kemendagri's assessment), 0 = not rewarded. A top-20 recipient flag, "
                "NOT the EKPPD score (no full EKPPD table is available). Stored at t-2 (DID 2018 -> "
                "2016, 2019 -> 2017, 2020 -> 2018), the LPPD year the EKPPD assessment evaluates "
                "(an assumption)." + _NO_BUDGET_NOTE),
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
    "djpk-datadasar-dau": dict(
        origin="https://github.com/BetaUliansyah/automasi-datadasar (data/datadasar-dau2018.csv, "
               "datadasar-dau2019.csv, datadasar-dautambahan2019.csv; HEAD 84c14364) and "
               "https://github.com/BetaUliansyah/danarakca (danarakca/datasets/csv/datadasar-"
               "dau2020.csv, datadasar-dau2021.csv; HEAD d72af7c7); scraped from "
               "djpk.kemenkeu.go.id/datadasar; re-keyed to BPS codes in "
               "../shared/data-raw/djpk-datadasar-betauliansyah/",
        licence="public government data (DJPK Kemenkeu); the scraper repositories: "
                "automasi-datadasar no licence file, danarakca LGPL-2.1 (code package)",
        citation="DJPK Kemenkeu, Data Dasar Perhitungan DAU 2018-2021; scraped by B. Uliansyah "
                 "(automasi-datadasar, danarakca).",
        notes="PAD, DBH Pajak, DBH SDA, personnel spending (data year t-2 of DAU year t), DAU "
              "allocation (stored at t), IPM and DJPK population (cross-checks, t-2). 508 "
              "autonomous kab/kota; Rupiah -> billion IDR."),
    "djpk-datadasar-did": dict(
        origin="https://github.com/BetaUliansyah/automasi-datadasar (data/datadasar-did2018.csv, "
               "did2019, did2020; HEAD 84c14364); scraped from djpk.kemenkeu.go.id/datadasar; "
               "re-keyed to BPS codes in ../shared/data-raw/djpk-datadasar-betauliansyah/",
        licence="public government data (DJPK Kemenkeu); scraper repository without licence file",
        citation="DJPK Kemenkeu, Data Dasar Dana Insentif Daerah (DID) 2018-2020; scraped by "
                 "B. Uliansyah (automasi-datadasar).",
        notes="BPK opinion (LKPD t-2), APBD on time (APBD t-1), e-procurement / e-budgeting "
              "(t-1), fiscal-health score (t-2, DID 2018-2019), 'penyelenggaraan pemerintahan' "
              "award recipients (t-2; top 20 a year, not the EKPPD score)."),
    "djpk-tkdd": dict(
        origin="https://github.com/BetaUliansyah/danarakca (tkdd-2018-2021.csv, commit 25e76c6, "
               "scraped from the DJPK TKDD portal); re-keyed to BPS codes in "
               "../shared/data-raw/djpk-datadasar-betauliansyah/",
        licence="public government data (DJPK Kemenkeu); danarakca declares LGPL-2.1 (code package)",
        citation="DJPK Kemenkeu, Realisasi Transfer ke Daerah dan Dana Desa (TKDD) 2018-2019; "
                 "scraped by B. Uliansyah (danarakca).",
        notes="DAK Fisik + DAK Non Fisik realisation 2018-2019 (dak), DAU realisation "
              "(cross-check). The scraper-corrupted TKD total, DBH and Dana Desa columns are not "
              "used."),
    "derived": dict(
        origin="computed by smartcity_analysis.databuild.orchestrator from other published values",
        licence="as the inputs",
        citation="smartcity-analysis data build (see data/indicators.yml caveats for formulas).",
        notes="population 2018-2020, population_density, grdp_growth, "
              "government_consumption_pct_grdp, fiscal_capacity, total_revenue_proxy and the "
              "per-capita fiscal indicators; flag 'derived'."),
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
        if "labels" in meta:
            reg[code]["labels"] = {int(k): str(v) for k, v in meta["labels"].items()}
        if "missing_regions" in meta:
            reg[code]["missing_regions"] = list(meta["missing_regions"])
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
