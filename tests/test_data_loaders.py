"""Loader validation: malformed tables raise DataError naming file, column and rows; to_wide."""

from __future__ import annotations

import pandas as pd
import pytest
from data_helpers import TINY_INDICATORS, write_data_dir
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcity_analysis.curated import loaders
from smartcity_analysis.errors import DataError, InputError

HEADER = "region_code,year,indicator,value,source_id,flag\n"


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A copy of data/ the test may break; SMARTCITY_DATA_DIR points at it."""
    d = write_data_dir(tmp_path / "data")
    monkeypatch.setenv("SMARTCITY_DATA_DIR", str(d))
    return d


def _write(data_dir, text, name="indicators.csv"):
    (data_dir / name).write_text(text, encoding="utf-8")


def test_tiny_fixture_loads_long_and_wide(data_dir):
    _write(data_dir, TINY_INDICATORS)
    long = loaders.load_indicators()
    assert long["region_code"].tolist() == ["1101", "1102", "1101"]
    wide = loaders.load_indicators(2017, wide=True)
    assert wide.shape == (514, 2)
    assert wide.loc["1102", "ipm"] == 67.37
    assert pd.isna(wide.loc["1102", "poverty_rate"])
    flags = loaders.load_indicator_flags(2017)
    assert flags.loc["1101", "poverty_rate"] == "estimate"
    assert flags.loc["1102", "poverty_rate"] == ""


@pytest.mark.parametrize(
    "row, column, line",
    [
        ("1101,2017,ipm,64.41,test-fixture,\n", "region_code, year, indicator", "2, 5"),  # duplicate
        ("1103,2017,ipm,nan,test-fixture,\n", "value", "5"),
        ("1103,2017,ipm,inf,test-fixture,\n", "value", "5"),
        ("1103,2017,ipm,,test-fixture,\n", "value", "5"),
        ("110,2017,ipm,1.0,test-fixture,\n", "region_code", "5"),
        ("1103,2017,ipm,1.0,test-fixture,imputed\n", "flag", "5"),
        ("1103,20x7,ipm,1.0,test-fixture,\n", "year", "5"),
    ],
)
def test_malformed_indicators_name_file_column_rows(data_dir, row, column, line):
    _write(data_dir, TINY_INDICATORS + row)
    with pytest.raises(DataError) as err:
        loaders.load_indicators()
    msg = str(err.value)
    assert "indicators.csv" in msg
    assert column in msg
    assert f"rows {line}" in msg


def test_missing_column_and_missing_file(data_dir):
    _write(data_dir, "region_code,year,indicator,value\n1101,2017,ipm,1\n")
    with pytest.raises(DataError, match=r"lacks column\(s\) \['source_id', 'flag'\]"):
        loaders.load_indicators()
    (data_dir / "indicators.csv").unlink()
    with pytest.raises(DataError, match="indicators.csv' is missing.*smartcity data build"):
        loaders.load_indicators()


def test_regions_code_read_as_string_and_type_rule(data_dir):
    text = (data_dir / "regions.csv").read_text()
    # a leading-zero-free int code would be caught by the 4-digit rule; a kota code typed kabupaten
    # is caught by the BPS rule
    _write(data_dir, text.replace(",Kota Banjarbaru,kota,", ",Kota Banjarbaru,kabupaten,"),
           "regions.csv")
    with pytest.raises(DataError, match="column 'type'.*BPS rule"):
        loaders.load_regions()


def test_regions_wrong_row_count(data_dir):
    lines = (data_dir / "regions.csv").read_text().splitlines(keepends=True)
    _write(data_dir, "".join(lines[:-1]), "regions.csv")
    with pytest.raises(DataError, match="513 rows; expected 514"):
        loaders.load_regions()


def test_cohorts_bad_status(data_dir):
    p = data_dir / "programme" / "cohorts.csv"
    p.write_text(p.read_text().replace(",deferred,", ",postponed,", 1))
    with pytest.raises(DataError, match="cohorts.csv', column 'status'.*postponed"):
        loaders.load_cohorts()


def test_registry_bad_direction(data_dir):
    p = data_dir / "indicators.yml"
    p.write_text(p.read_text().replace("direction: -1", "direction: 2", 1))
    with pytest.raises(DataError, match="direction must be 1, -1 or 0"):
        loaders.load_indicator_registry()


def test_unknown_indicator_is_input_error():
    with pytest.raises(InputError, match="Did you mean"):
        loaders.load_indicators(indicators="ipn")


codes = st.sampled_from(["1101", "1102", "6372", "9471"])
records = st.lists(
    st.tuples(codes, st.sampled_from([2016, 2017]), st.sampled_from(["a", "b", "c"]),
              st.floats(-1e6, 1e6, allow_nan=False)),
    min_size=1, max_size=20, unique_by=lambda r: r[:3])


@settings(max_examples=50, deadline=None)
@given(records)
def test_to_wide_round_trips(recs):
    long = pd.DataFrame(recs, columns=["region_code", "year", "indicator", "value"])
    regions = ["1101", "1102", "6372", "9471"]
    wide = loaders.to_wide(long, regions=regions)
    assert wide.index.names == ["region_code", "year"]
    back = wide.stack().dropna().rename("value").reset_index().rename(columns={"level_2": "indicator"})
    got = back.set_index(["region_code", "year", "indicator"])["value"].sort_index()
    exp = long.set_index(["region_code", "year", "indicator"])["value"].sort_index()
    pd.testing.assert_series_equal(got, exp, check_names=False)
    one = loaders.to_wide(long, year=2017, regions=regions)
    assert list(one.index) == regions
