"""Known-answer tests of the data checks (tiny synthetic frames, clearly made up)."""

from __future__ import annotations

import pandas as pd
import pytest

from smartcity_analysis.curated import checks


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


def test_find_swaps_detects_exchanged_values():
    """Made-up values: regions 0001 and 0002 are exchanged in source b, 0003 merely disagrees."""
    a = _long([("0001", 2017, "x", 100.0), ("0002", 2017, "x", 40.0),
                    ("0003", 2017, "x", 70.0), ("0004", 2017, "x", 55.0)], "a")
    b = _long([("0001", 2017, "x", 40.0), ("0002", 2017, "x", 100.0),
                    ("0003", 2017, "x", 90.0), ("0004", 2017, "x", 55.0)], "b")
    swaps = checks.find_swaps(a, b, tolerance_pct=1.0)
    assert swaps[["region_a", "region_b"]].to_numpy().tolist() == [["0001", "0002"]]
    kp = checks.known_swap_pairs(a, b, pairs=[("0001", "0002"), ("0003", "0004")])
    assert kp.set_index("region_a")["status"].to_dict() == {"0001": "swapped", "0003": "ok"}
    kp = checks.known_swap_pairs(a, b, pairs=[("0003", "0002")])
    assert kp["status"].tolist() == ["neither"]


def test_pad_continuity_compares_the_seam_with_each_side():
    """Made-up PAD: source 'old' to 2015, 'new' from 2016; +10 % a year, +20 % across the seam."""
    p = "own_source_revenue"
    old = _long([("0001", 2014, p, 100.0), ("0001", 2015, p, 110.0),
                 ("0002", 2014, p, 50.0), ("0002", 2015, p, 55.0)], "old")
    new = _long([("0001", 2016, p, 132.0), ("0001", 2017, p, 145.2),
                 ("0002", 2016, p, 66.0), ("0002", 2017, p, 72.6), ("0003", 2016, p, 9.0)], "new")
    row = checks.pad_continuity(pd.concat([old, new])).iloc[0]
    assert (row["from_year"], row["to_year"], row["n"]) == (2015, 2016, 2)
    assert row["median_change_pct"] == pytest.approx(20.0)
    assert row["median_change_before_pct"] == pytest.approx(10.0)
    assert row["median_change_after_pct"] == pytest.approx(10.0)
    assert row["n_beyond_25pct"] == 0


def test_ipm_agreement_counts_identical_values():
    bps = _long([("0001", 2017, "ipm", 70.00), ("0002", 2017, "ipm", 65.50)], "bps")
    dj = _long([("0001", 2017, "ipm", 70.00), ("0002", 2017, "ipm", 65.60)], checks.DJPK_DAU_SOURCE)
    row = checks.ipm_agreement(bps, dj).iloc[0]
    assert (row["n"], row["n_identical"], row["differing"]) == (2, 1, "0002")
    assert row["max_abs_diff"] == pytest.approx(0.1)
