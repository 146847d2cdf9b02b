"""Tests of the curated tables in data/ through the loaders (known values, contracts)."""

from __future__ import annotations

import numpy as np
import pytest

from smartcity_analysis import loaders


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
        ("6372", "grdp_per_capita", 21966, 1e-9),
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
