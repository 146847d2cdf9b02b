"""The data build on the real raw sources: deterministic, reproduces data/, fails loudly.

These run the whole build (about 3 s each) and skip when ../shared/data-raw is not available.
"""

from __future__ import annotations

import filecmp
import os
from pathlib import Path

import pytest
from data_helpers import linked_copy, raw_or_skip

from smartcity_analysis import paths
from smartcity_analysis.databuild import build
from smartcity_analysis.databuild.matching import NameMatcher, name_key, split_type
from smartcity_analysis.databuild.region_table import title_name
from smartcity_analysis.errors import RawDataError
from smartcity_analysis.files import write_atomic

OUTPUTS = ("regions.csv", "indicators.csv", "indicators_secondary.csv", "indicators.yml",
           "sources.yml", "datapackage.json", "boundaries.geojson", "programme/cohorts.csv")


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


@pytest.mark.slow
def test_two_builds_are_byte_identical_and_equal_committed_data(tmp_path):
    raw = raw_or_skip()
    a = build(raw, out_dir=tmp_path / "a", progress=False)
    build(raw, out_dir=tmp_path / "b", progress=False)
    assert sorted(_files(tmp_path / "a")) == sorted(OUTPUTS)
    assert _files(tmp_path / "b") == _files(tmp_path / "a")
    committed = paths.REPO_ROOT / "data"
    for rel in OUTPUTS:
        assert filecmp.cmp(tmp_path / "a" / rel, tmp_path / "b" / rel, shallow=False), rel
        assert filecmp.cmp(tmp_path / "a" / rel, committed / rel, shallow=False), (
            f"data/{rel} differs from a fresh build: run 'smartcity data build' and commit")
    assert len(a.regions) == 514
    assert not list((tmp_path / "a").rglob("*.tmp"))  # no temporary files left behind


@pytest.mark.slow
@pytest.mark.parametrize(
    "missing",
    [
        "registry-bps-kemendagri-zakiego/kabkota.csv",
        "registry-cahyadsn-wilayah/wilayah_luas.sql",
        "geo-quarcs-indonesia514/indonesiaEast232.geojson",
        "grdp-pop-quarcs-zenodo/GRDP_PerCapita_Indonesia_Districts_until_2017.csv",
        "quarcs-data-quarcs-indonesia514/okun.dta",
        "bps-ipm-raw-cluster-web/[Metode Baru] Indeks Pembangunan Manusia, 2017.csv",
        "fsva-bkp-jakpost/bkp-fsva-2019.csv",
        "ntl-lacc-quarcs-indonesia514/ntl_lacc_2017_2018_by_kode_bps.csv",
        "fiscal-dapoer-java-partial/Revenue_IndoDapoer.xlsx",
        "gov-consumption-quarcs-indonesia514/gs_by_kode_bps.csv",
        "ipm-components-nendrahub/data_ipm.csv",
        "poverty-quarcs-cani/poverty.csv",
        "djpk-datadasar-betauliansyah/dau_datadasar_2018_2021_by_kode_bps.csv",
        "djpk-datadasar-betauliansyah/did_2018_2020_key_by_kode_bps.csv",
        "djpk-datadasar-betauliansyah/raw/tkdd-2018-2021.csv",
    ],
)
def test_missing_raw_file_names_it(tmp_path, missing):
    raw = raw_or_skip()
    raw_copy, prog = linked_copy(raw, tmp_path)
    (raw_copy / missing).unlink()
    out = tmp_path / "out"
    with pytest.raises(RawDataError) as err:
        build(raw_copy, prog, out, progress=False)
    assert missing.split("/")[-1] in str(err.value)
    assert "\n" not in str(err.value)  # one line
    assert not out.exists()  # nothing half-written


@pytest.mark.slow
def test_djpk_values_exact_in_a_fresh_build():
    """Exact rupiah figures of the DAU 2019 data dasar (data year 2017), before CSV rounding."""
    raw = raw_or_skip()
    ind = build(raw, progress=False, write=False).indicators
    v = ind.set_index(["region_code", "year", "indicator"])["value"]
    assert v[("6372", 2017, "own_source_revenue")] == 230.563520478
    assert v[("6372", 2017, "dbh_tax")] == 17.880716986
    assert v[("6372", 2017, "dbh_natural_resources")] == 79.435561741
    assert v[("6372", 2017, "fiscal_capacity")] == round(
        230.563520478 + 17.880716986 + 79.435561741, 9)
    assert v[("6372", 2019, "dau")] == 450.327791
    assert v[("3578", 2017, "own_source_revenue")] == 5161.844571172
    assert v[("6372", 2017, "bpk_opinion")] == 4
    assert not ind["region_code"].isin(["3101", "3171", "3172", "3173", "3174", "3175"])[
        ind["indicator"] == "fiscal_capacity"].any()


@pytest.mark.slow
def test_missing_programme_file_names_it(tmp_path):
    raw = raw_or_skip()
    raw_copy, prog = linked_copy(raw, tmp_path)
    (prog / "selected_regions_2017_2019.csv").unlink()
    with pytest.raises(RawDataError, match="selected_regions_2017_2019.csv"):
        build(raw_copy, prog, tmp_path / "out", progress=False, write=False)


def test_raw_dir_that_does_not_exist(tmp_path):
    with pytest.raises(RawDataError, match="does not exist"):
        build(tmp_path / "nope", out_dir=tmp_path / "out", progress=False)


def test_atomic_write_leaves_target_untouched_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "t.csv"
    target.write_bytes(b"old\n")

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["t.csv"]


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("KAB. BANJAR", "Kabupaten Banjar"),
        ("KOTA BANJARBARU", "Kota Banjarbaru"),
        ("KOTA ADM. JAKARTA PUSAT", "Kota Jakarta Pusat"),
        ("KAB. ADM. KEP. SERIBU", "Kabupaten Kepulauan Seribu"),
        ("KAB. PANGKAJENE DAN KEPULAUAN", "Kabupaten Pangkajene dan Kepulauan"),
        ("KAB. TOLI-TOLI", "Kabupaten Toli-Toli"),
    ],
)
def test_title_name(raw, expected):
    assert title_name(raw) == expected


def test_name_key_and_split_type():
    assert name_key("Kota Banjar Baru") == name_key("KOTA BANJARBARU") == "KOTABANJARBARU"
    assert name_key("KOTA B A T A M") == "KOTABATAM"
    assert name_key("Kep. Seribu") == "KEPULAUANSERIBU"
    assert name_key("D I YOGYAKARTA") == name_key("DI Yogyakarta")
    assert split_type("kota baru") == ("kota", "baru")
    assert split_type("Bandung, Kab.") == (None, "Bandung, Kab.")


def test_matcher_keeps_same_name_kota_and_kabupaten_apart():
    import pandas as pd

    reg = pd.DataFrame({
        "region_code": ["3204", "3273", "6302"],
        "type": ["kabupaten", "kota", "kabupaten"],
        "province_code": ["32", "32", "63"],
        "nama_bps": ["BANDUNG", "BANDUNG", "KOTABARU"],
    })  # a tiny synthetic registry
    m = NameMatcher(reg, ["nama_bps"], {"JAWABARAT": "32", "KALIMANTANSELATAN": "63"})
    assert m.match("Bandung", ("32",), "kabupaten") == "3204"
    assert m.match("Bandung", ("32",), "kota") == "3273"
    assert m.match("Kota Bandung", ("32",), None) == "3273"
    assert m.match("Bandung", ("32",), None) == "3204"
    # FSVA writes the kabupaten Kotabaru as "kota baru": no kota BARU exists, so it is the kabupaten
    assert m.match("kota baru", ("63",), None) == "6302"
    assert m.match("Bandung", ("63",), "kota") is None
