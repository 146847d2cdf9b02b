"""Known-answer tests of the data checks (tiny synthetic frames, clearly made up)."""

from __future__ import annotations

import pandas as pd
import pytest

from smartcity_analysis import checks


def _long(rows, source):
    return pd.DataFrame([(c, y, i, v, source, "") for c, y, i, v in rows],
                        columns=["region_code", "year", "indicator", "value", "source_id", "flag"])


def test_compare_sources_relative_difference_and_tolerance():
    primary = _long([("0001", 2017, "x", 100.0), ("0002", 2017, "x", 50.0),
                     ("0003", 2017, "x", 0.0)], "a")
    other = _long([("0001", 2017, "x", 102.0), ("0002", 2017, "x", 50.2),
                   ("0003", 2017, "x", 0.0), ("0004", 2017, "x", 9.0)], "b")
    comp, dis = checks.compare_sources(primary, other, tolerance_pct=1.0)
    row = comp.iloc[0]
    assert (row["n"], row["n_disagree"]) == (3, 1)  # 0004 has no primary value: not compared
    assert row["max_abs_rel_diff_pct"] == pytest.approx(2.0)
    assert dis["region_code"].tolist() == ["0001"]
    assert dis["rel_diff_pct"].iloc[0] == pytest.approx(2.0)
    _, dis0 = checks.compare_sources(primary, other, tolerance_pct=5.0)
    assert dis0.empty


def test_coverage_counts_regions_per_indicator_and_year():
    long = _long([("0001", 2016, "x", 1.0), ("0002", 2016, "x", 2.0), ("0001", 2017, "y", 3.0)], "a")
    cov = checks.coverage_table(long, years=[2016, 2017, 2018])
    assert cov.loc["x"].tolist() == [2, 0, 0]
    assert cov.loc["y"].tolist() == [0, 1, 0]


def test_source_seams_report_level_shift():
    a = _long([("0001", 2018, "x", 10.0), ("0002", 2018, "x", 20.0)], "old")
    b = _long([("0001", 2019, "x", 11.0), ("0002", 2019, "x", 30.0)], "new")
    seams = checks.source_seams(pd.concat([a, b]))
    assert len(seams) == 1
    s = seams.iloc[0]
    assert (s["from_source"], s["to_source"], s["n"]) == ("old", "new", 2)
    assert s["median_change_pct"] == pytest.approx(30.0)  # median of +10 % and +50 %
    assert s["max_abs_change_pct"] == pytest.approx(50.0)
    assert s["largest_region"] == "0002"
