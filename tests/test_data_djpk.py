"""DJPK Data Dasar (DAU/DID) and TKDD in the curated tables: values read from the source, data years,
the DKI administrative units, and the cross-source / swapped-code checks.

Known values are those of ../shared/data-raw/djpk-datadasar-betauliansyah/SOURCE.md and the re-keyed
CSVs (Kota Banjarbaru, DAU 2019 data dasar = data year 2017). The committed CSVs store 10
significant digits, so money is compared to 1e-9 relative; the exact rupiah figures are checked on a
fresh build in tests/test_data_build.py.
"""

from __future__ import annotations

import os
import shutil

import numpy as np
import pytest
from data_helpers import raw_or_skip

from smartcity_analysis.curated import checks, loaders
from smartcity_analysis.databuild import djpk
from smartcity_analysis.errors import RawDataError, SmartcityError

#: New indicators and the data years they cover (508 autonomous kab/kota in each).
DJPK_YEARS = {
    "dbh_tax": [2016, 2017, 2018, 2019],
    "dbh_natural_resources": [2016, 2017, 2018, 2019],
    "personnel_spending": [2016, 2017, 2018, 2019],
    "fiscal_capacity": [2016, 2017, 2018, 2019],
    "total_revenue_proxy": [2018, 2019],
    "bpk_opinion": [2016, 2017, 2018],
    "apbd_on_time": [2017, 2018, 2019],
    "e_procurement": [2017, 2018, 2019],
    "e_budgeting": [2018, 2019],
    "djpk_fiscal_health_score": [2016, 2017],
    "government_performance_award": [2016, 2017, 2018],
}

FISCAL = ("own_source_revenue", "dbh_tax", "dbh_natural_resources", "dau", "dak",
          "personnel_spending", "fiscal_capacity", "total_revenue_proxy",
          "fiscal_capacity_per_capita", "own_source_revenue_per_capita",
          "total_revenue_proxy_per_capita", "bpk_opinion", "apbd_on_time", "e_procurement",
          "e_budgeting", "djpk_fiscal_health_score", "government_performance_award")


@pytest.fixture(scope="module")
def long():
    return loaders.load_indicators()


@pytest.fixture(scope="module")
def w17():
    return loaders.load_indicators(2017, wide=True)


def test_banjarbaru_2017_from_dau_2019_data_dasar(w17):
    b = w17.loc["6372"]
    assert b["own_source_revenue"] == pytest.approx(230.563520478, rel=1e-9)
    assert b["dbh_tax"] == pytest.approx(17.880716986, rel=1e-9)
    assert b["dbh_natural_resources"] == pytest.approx(79.435561741, rel=1e-9)
    assert b["fiscal_capacity"] == pytest.approx(230.563520478 + 17.880716986 + 79.435561741,
                                                 rel=1e-9)
    assert b["fiscal_capacity_per_capita"] == pytest.approx(
        b["fiscal_capacity"] * 1e6 / b["population"], abs=1e-4)
    assert b["bpk_opinion"] == 4  # WTP on the 2017 accounts (DID 2019)
    assert loaders.load_indicator_registry()["bpk_opinion"]["labels"][4].startswith("WTP")
    assert b["government_performance_award"] == 0  # not a recipient (SOURCE.md)


def test_dau_is_stored_at_the_year_it_is_allocated_for(long):
    dau = long[(long["indicator"] == "dau") & (long["region_code"] == "6372")]
    by_year = dau.set_index("year")["value"]
    assert by_year[2019] == pytest.approx(450.327791, rel=1e-12)  # 'Alokasi DAU Formula' 2019
    assert 2017 not in by_year.index  # DAU 2019 is revenue of 2019, not of its 2017 inputs
    assert set(dau["source_id"]) == {djpk.DAU_SOURCE}


def test_surabaya_pad_2017(w17):
    assert w17.loc["3578", "own_source_revenue"] == pytest.approx(5161.844571172, rel=1e-9)


@pytest.mark.parametrize("indicator, years", sorted(DJPK_YEARS.items()))
def test_data_years_and_coverage(long, indicator, years):
    sub = long[long["indicator"] == indicator]
    assert sorted(sub["year"].unique()) == years
    assert (sub.groupby("year")["region_code"].nunique() == 508).all()


def test_own_source_revenue_dapoer_to_2015_djpk_from_2016(long):
    osr = long[long["indicator"] == "own_source_revenue"]
    src = osr.groupby("year")["source_id"].agg(set)
    assert all(src[y] == {"fiscal-dapoer-java-partial"} for y in range(2000, 2016))
    assert all(src[y] == {djpk.DAU_SOURCE} for y in range(2016, 2020))


def test_ordinal_and_binary_codes(long):
    sub = long[long["indicator"].isin(["bpk_opinion", "apbd_on_time", "e_procurement",
                                       "e_budgeting", "government_performance_award"])]
    op = sub[sub["indicator"] == "bpk_opinion"]["value"]
    assert set(op) <= {1.0, 2.0, 3.0, 4.0}
    assert set(sub[sub["indicator"] != "bpk_opinion"]["value"]) == {0.0, 1.0}
    award = sub[sub["indicator"] == "government_performance_award"]
    assert (award.groupby("year")["value"].sum() == 20).all()  # top-20 recipients a year
    # SOURCE.md: Banyuwangi and Surabaya are recipients in DID 2018, 2019, 2020 (data years t-2)
    got = award[award["region_code"].isin(["3510", "3578"])].groupby("year")["value"].sum()
    assert got.to_dict() == {2016: 2.0, 2017: 2.0, 2018: 2.0}


@pytest.mark.parametrize("code", djpk.NO_OWN_BUDGET)  # 3171 Jakarta Selatan, 3173 Jakarta Pusat
def test_dki_administrative_units_have_no_fiscal_values(long, code):
    reg = loaders.load_indicator_registry()
    assert long[(long["region_code"] == code) & long["indicator"].isin(FISCAL)].empty
    for ind in FISCAL:
        assert code in reg[ind]["missing_regions"], ind
        assert "never zero" in reg[ind]["caveats"]
    w = loaders.load_indicators(2018, wide=True)
    assert w.loc[code, list(FISCAL)].isna().all()  # missing (NaN), never zero


def test_registry_documents_djpk_indicators_and_sources():
    reg = loaders.load_indicator_registry()
    sources = loaders.load_sources()
    for ind in FISCAL:
        e = reg[ind]
        assert e["name_id"] and e["name_en"] and e["unit"] and e["caveats"]
    assert reg["fiscal_capacity"]["flags"] == ["derived"]
    assert "UU 33/2004" in reg["fiscal_capacity"]["caveats"]
    assert "NOT the EKPPD" in reg["government_performance_award"]["caveats"]
    assert "PAD + DBH Pajak + DBH SDA" in reg["total_revenue_proxy"]["caveats"]
    for sid in (djpk.DAU_SOURCE, djpk.DID_SOURCE, djpk.TKDD_SOURCE):
        assert "public government data" in sources[sid]["licence"]
        assert "BetaUliansyah" in sources[sid]["origin"]


@pytest.fixture(scope="module")
def cross():
    return checks.cross_source_checks(loaders.load_indicators(),
                                      loaders.load_secondary_indicators())


def test_djpk_ipm_equals_bps_ipm_of_t_minus_2(cross):
    assert cross.ipm["year"].tolist() == [2016, 2017, 2018, 2019]
    assert (cross.ipm["n_identical"] == 508).all()


def test_djpk_population_differs_from_bps_and_is_printed(cross):
    pop = cross.population.set_index("year")
    assert (pop["n"] >= 495).all()
    assert (pop["share_far_pct"] > 25).all()  # SOURCE.md: > 10 % off for ~35 % of regions


def test_pad_continuity_across_the_dapoer_djpk_seam(cross):
    row = cross.pad_continuity.iloc[0]
    assert (row["from_year"], row["to_year"], row["n"]) == (2015, 2016, 113)
    assert abs(row["median_change_pct"]) < 25  # no level break between the two sources


def test_reported_swaps_are_corrected_in_curated_tables(cross):
    kp = cross.known_pairs
    assert set(map(tuple, kp[["region_a", "region_b"]].drop_duplicates().to_numpy())) == set(
        checks.KNOWN_SWAP_PAIRS)
    assert not (kp["status"] == "swapped").any()
    # IPM (BPS vs DJPK) and real GRDP (okun vs zenodo) match exactly for each region of each pair
    exact = kp[kp["indicator"].isin(["ipm", "grdp_real"])]
    assert len(exact) >= 9 and (exact["direct_pct"] == 0).all()
    assert (exact["swapped_pct"] > 3).all()
    # the population check catches the Bima swap of the zenodo file
    bima = kp[(kp["region_a"] == "5206") & (kp["indicator"] == "population")]
    assert (bima["status"] == "ok").all() and (bima["swapped_pct"] > 100).all()
    swaps = cross.swaps
    pairs = set(zip(swaps["region_a"], swaps["region_b"], strict=True))
    assert not pairs & set(checks.KNOWN_SWAP_PAIRS)
    assert swaps[swaps["indicator"].isin(["ipm", "grdp_real"])].empty


@pytest.fixture()
def djpk_copy(tmp_path):
    raw = raw_or_skip()
    dest = tmp_path / djpk.SOURCE_ID
    shutil.copytree(raw / djpk.SOURCE_ID, dest, copy_function=os.symlink)
    return tmp_path


def test_reader_keeps_dki_out_and_covers_508(djpk_copy):
    recs = djpk.read(djpk_copy)
    assert recs["region_code"].nunique() == 508
    assert not recs["region_code"].isin(djpk.NO_OWN_BUDGET).any()
    assert np.isfinite(recs["value"]).all()


def test_reader_rejects_unknown_opinion(djpk_copy):
    path = djpk_copy / djpk.SOURCE_ID / djpk.DID_FILE
    text = path.read_text(encoding="utf-8")
    path.unlink()
    path.write_text(text.replace("\n1101,SIMEULUE,Kab. Simeulue,WTP,",
                                 "\n1101,SIMEULUE,Kab. Simeulue,WTP-DPP,", 1), encoding="utf-8")
    with pytest.raises(RawDataError, match="unknown BPK opinions \\['WTP-DPP'\\]"):
        djpk.read_did(djpk_copy)


@pytest.mark.parametrize("name", [djpk.DAU_FILE, djpk.DID_FILE, djpk.TKDD_FILE, djpk.BRIDGE_FILE,
                                  "raw/datadasar-did2019.csv"])
def test_missing_djpk_file_is_one_line_error_naming_it(djpk_copy, name):
    (djpk_copy / djpk.SOURCE_ID / name).unlink()
    with pytest.raises(RawDataError) as err:
        djpk.read(djpk_copy)
    assert isinstance(err.value, SmartcityError)
    msg = str(err.value)
    assert name.split("/")[-1] in msg and "\n" not in msg
