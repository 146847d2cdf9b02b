"""Tests of the curated tables in data/ through the loaders (known values, contracts)."""

from __future__ import annotations

import numpy as np
import pytest

from smartcity_analysis.curated import loaders


@pytest.fixture(scope="module")
def regions():
    return loaders.load_regions()


def test_514_unique_codes_416_kabupaten_98_kota(regions):
    assert len(regions) == 514
    assert regions.index.is_unique
    assert all(isinstance(c, str) and len(c) == 4 and c.isdigit() for c in regions.index)
    assert (regions["type"] == "kabupaten").sum() == 416
    assert (regions["type"] == "kota").sum() == 98


def test_region_names_and_codes(regions):
    assert regions.loc["6372", "name"] == "Kota Banjarbaru"
    assert regions.loc["6372", "kemendagri_code"] == "63.72"
    assert regions.loc["6303", "name"] == "Kabupaten Banjar"
    assert regions.loc["1101", "kemendagri_code"] == "11.09"  # BPS and Kemendagri codes differ
    assert regions.loc["6372", "area_km2"] == pytest.approx(305.153)
    assert regions.loc["6372", "island_group"] == "Kalimantan"
    assert set(regions["island_group"]) == {"Sumatera", "Jawa", "Bali-Nusa Tenggara", "Kalimantan",
                                            "Sulawesi", "Maluku", "Papua"}
    assert np.isfinite(regions[["area_km2", "lon", "lat"]].to_numpy()).all()


@pytest.mark.parametrize(
    "code, indicator, expected, tol",
    [
        ("6372", "ipm", 78.32, 1e-9),
        ("6372", "poverty_rate", 4.68, 1e-9),
        ("6372", "population", 248423, 1e-9),
        ("1275", "unemployment_rate", 9.46, 0.005),  # BPS Aug-2017 9.46; okun.dta float 9.4639
        ("6372", "grdp_real", 5457, 1e-9),
        ("6372", "grdp_per_capita", 21966.6, 1e-9),  # zenodo RGDPPC2017 (SOURCE.md)
        ("6372", "mean_years_schooling", 10.77, 1e-9),
    ],
)
def test_known_values_2017(code, indicator, expected, tol):
    wide = loaders.load_indicators(2017, wide=True)
    assert wide.loc[code, indicator] == pytest.approx(expected, abs=tol)


def test_wide_shape_and_flags_align():
    wide = loaders.load_indicators(2017, wide=True)
    flags = loaders.load_indicator_flags(2017)
    assert wide.shape[0] == 514 and wide.index.name == "region_code"
    assert flags.shape == wide.shape
    assert list(flags.columns) == list(wide.columns)
    assert (flags.to_numpy()[wide.isna().to_numpy()] == "").all()
    assert flags.loc["6372", "population_density"] == "derived"


def test_wide_columns_do_not_depend_on_year():
    w16 = loaders.load_indicators(2016, wide=True)
    w17 = loaders.load_indicators(2017, wide=True)
    assert list(w16.columns) == list(w17.columns)
    assert w16["life_expectancy"].isna().all()  # FSVA life expectancy starts at data year 2017
    assert w17["life_expectancy"].notna().all()
    assert loaders.load_indicator_flags(2016).shape == w16.shape


def test_long_keys_unique_and_codes_are_strings():
    long = loaders.load_indicators()
    assert not long.duplicated(["region_code", "year", "indicator"]).any()
    assert long["region_code"].str.fullmatch(r"\d{4}").all()
    assert np.isfinite(long["value"]).all()


def test_unknown_indicator_suggests_close_name():
    from smartcity_analysis.errors import InputError

    with pytest.raises(InputError, match="poverty_rate"):
        loaders.load_indicators(2017, indicators=["poverty_rat"])


def test_every_cohort_row_resolves_to_one_region(regions):
    cohorts = loaders.load_cohorts()
    assert len(cohorts) == 101
    assert cohorts["region_code"].isin(regions.index).all()
    assert cohorts.groupby("cohort_year").size().to_dict() == {2017: 26, 2018: 50, 2019: 25}
    assert cohorts["region_code"].nunique() == 99
    for row in cohorts.itertuples():
        assert regions.loc[row.region_code, "type"] == row.region_type


def test_same_name_kota_and_kabupaten_kept_apart():
    c = loaders.load_cohorts().set_index(["cohort_year", "region_type", "region_code"])
    codes = {(y, t): set() for y in (2017, 2018, 2019) for t in ("kota", "kabupaten")}
    for y, t, code in c.index:
        codes[(y, t)].add(code)
    assert "3273" in codes[(2017, "kota")]       # Kota Bandung
    assert "3204" in codes[(2018, "kabupaten")]  # Kabupaten Bandung
    assert "3271" in codes[(2017, "kota")]       # Kota Bogor
    assert "3201" in codes[(2018, "kabupaten")]  # Kabupaten Bogor
    assert "6303" in codes[(2019, "kabupaten")]  # Kabupaten Banjar (Kalsel)
    assert "9471" in codes[(2019, "kota")]       # Kota Jayapura
    assert "3308" in codes[(2018, "kabupaten")]  # Kabupaten Magelang
    assert "3371" in codes[(2019, "kota")]       # Kota Magelang


def test_cohort_quirks_kept_as_status():
    c = loaders.load_cohorts().set_index(["cohort_year", "region_code"])["status"]
    assert c[(2017, "3214")] == "not_awarded"  # Purwakarta
    assert c[(2017, "6172")] == "not_awarded"  # Singkawang
    assert c[(2017, "5203")] == "added_late"   # Lombok Timur
    assert c[(2018, "3276")] == "cancelled"    # Depok 2018
    assert c[(2019, "3276")] == "selected"     # Depok 2019
    assert c[(2018, "3302")] == "deferred"     # Banyumas


def test_boundaries_keyed_by_region_code(regions):
    b = loaders.load_boundaries()
    codes = [f["properties"]["region_code"] for f in b["features"]]
    assert sorted(codes) == sorted(regions.index)


def test_source_corrections_hold():
    """Corrections of swapped codes/values found by the cross-source check (see docs/data.md)."""
    w17 = loaders.load_indicators(2017, wide=True)
    w18 = loaders.load_indicators(2018, wide=True)
    # zenodo swaps the KDJ of Karanganyar (3313, ~0.87 M people) and Karangasem (5107, ~0.41 M)
    assert w17.loc["3313", "population"] == 871596
    assert w17.loc["5107", "population"] == 412800
    # okun.dta rows follow those swapped codes: Karanganyar's real GRDP is the larger one
    assert w17.loc["3313", "grdp_real"] == 23666 and w17.loc["5107", "grdp_real"] == 10008
    # zenodo swaps the populations of Kab. Bima (larger) and Kota Bima
    assert w17.loc["5206", "population"] > 2 * w17.loc["5272", "population"]
    # gdp_pc.csv's Papua block is in old-code order: Mimika (mining) is by far the richest per capita
    assert w18.loc["9412", "grdp_per_capita"] > 150_000
    assert w18.loc["9471", "grdp_per_capita"] < 100_000
    # gdp_pc.csv is inconsistent for Jambi from 2016: no GRDP per capita / population after 2017
    assert np.isnan(w18.loc["1571", "grdp_per_capita"]) and np.isnan(w18.loc["1571", "population"])
    assert w17.loc["1571", "population"] > 500_000


def test_fsva_stored_at_reference_year():
    fsva = loaders.load_indicators(indicators=["food_security_index", "stunting_pct"])
    assert sorted(fsva["year"].unique()) == [2017, 2018, 2019]
    w = loaders.load_indicators(2017, wide=True)
    # FSVA 2018 edition (2017 inputs), SOURCE.md: Kota Banjarbaru IKP 70.21, life expectancy 71.50
    assert w.loc["6372", "food_security_index"] == pytest.approx(70.21)
    assert w.loc["6372", "life_expectancy"] == pytest.approx(71.50)
    assert w.loc["6372", "no_electricity_pct"] == 0.0
    assert w.loc["6302", "food_security_index"] == pytest.approx(78.57)  # "kota baru" = Kab. Kotabaru


def test_registry_and_sources_cover_the_data():
    reg = loaders.load_indicator_registry()
    long = loaders.load_indicators()
    assert set(reg) == set(long["indicator"])
    for code, entry in reg.items():
        assert entry["direction"] in (1, -1, 0)
        assert entry["years"] == sorted(long.loc[long["indicator"] == code, "year"].unique())
    assert reg["poverty_rate"]["direction"] == -1 and reg["ipm"]["direction"] == 1
    sources = loaders.load_sources()
    assert set(long["source_id"]) <= set(sources)
    assert "NC-SA" in sources["poverty-quarcs-cani"]["licence"]
    assert "APBD" in reg["government_consumption"]["caveats"]
    assert "2017" in reg["no_electricity_pct"]["caveats"] or "E-1" in reg["no_electricity_pct"]["caveats"]


def test_dapoer_fiscal_known_value_and_java_only(regions):
    fiscal = loaders.load_indicators(indicators=["dau", "own_source_revenue", "dak", "total_revenue"])
    fiscal = fiscal[fiscal["source_id"] == "fiscal-dapoer-java-partial"]  # DJPK: test_data_djpk.py
    # SOURCE.md: Kab. Bandung DAU 2015 = 1,957,538,845,000 IDR (stored in billion IDR)
    dau = fiscal[(fiscal["indicator"] == "dau") & (fiscal["year"] == 2015)].set_index("region_code")
    assert dau.loc["3204", "value"] == pytest.approx(1957.538845)
    provinces = set(regions.loc[fiscal["region_code"].unique(), "province_code"])
    assert provinces == {"32", "33", "34", "35", "36"}  # Java without DKI
    assert fiscal["year"].max() == 2015
    assert (fiscal.loc[fiscal["indicator"] != "dak", "value"] > 0).all()
