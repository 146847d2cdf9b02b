"""End-to-end test of ``smartcity robustness`` on the real data (small run, cached, atomic outputs)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from smartcity_analysis.cli import main
from smartcity_analysis.paths import specs_dir

SPEC = str(specs_dir() / "kominfo_prescreen.yml")


@pytest.mark.slow
def test_cli_writes_tables_and_identical_reruns(tmp_path, capsys):
    args = [
        "robustness",
        "--spec",
        SPEC,
        "--cohort",
        "2017",
        "--draws",
        "300",
        "--seed",
        "5",
        "--sobol",
        "64",
        "--no-progress",
    ]
    assert main(args + ["--out", str(tmp_path / "a")]) == 0
    first = capsys.readouterr().out
    assert "cohort 2017 (k=25, 300 draws, seed 5)" in first
    assert "too uncertain to trust" in first  # N=64 Sobol is flagged
    # second run loads the cache and writes byte-identical files
    assert main(args + ["--out", str(tmp_path / "b")]) == 0
    for name in ("regions_2017.csv", "sobol_2017.csv", "summary.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    regions = pd.read_csv(tmp_path / "a" / "regions_2017.csv", dtype={"region_code": str})
    assert len(regions) == 514 and regions["region_code"].str.len().eq(4).all()
    assert regions["p_selected"].sum() == pytest.approx(25)
    assert set(regions["robustness_class"]) <= {"robustly_in", "contestable", "robustly_out"}
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())["2017"]
    assert summary["draws"] == 300 and summary["k"] == 25
    assert summary["min_selected"] == summary["max_selected"] == 25
    assert len(summary["expected_selected"]) == 25
    assert not list((tmp_path / "a").glob(".*"))  # no temporary files left


def test_cli_bad_input_exits_2(tmp_path, capsys):
    assert main(["robustness", "--spec", str(tmp_path / "missing.yml"), "--draws", "3"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("smartcity: error:") and "Traceback" not in err
    assert main(["robustness", "--spec", SPEC, "--cohort", "2020", "--draws", "3"]) == 2
    assert "declared cohorts: 2017, 2018, 2019" in capsys.readouterr().err


@pytest.mark.slow
def test_load_or_run_reads_the_cache_without_recomputing(monkeypatch):
    from smartcity_analysis import robustness
    from smartcity_analysis.robustness import run as robustness_run

    first = robustness.load_or_run_robustness(SPEC, 2019, draws=200, seed=11, sobol_base=0)

    def boom(*args, **kwargs):
        raise AssertionError("recomputed although cached")

    monkeypatch.setattr(robustness_run, "_compute", boom)
    again = robustness.load_or_run_robustness(SPEC, 2019, draws=200, seed=11, sobol_base=0)
    pd.testing.assert_frame_equal(first.regions, again.regions)
    pd.testing.assert_frame_equal(first.rank_draws, again.rank_draws)
    assert first.summary == again.summary
    assert again.regions.index.name == "region_code"
    assert (again.regions.index.str.len() == 4).all()
    assert again.regions["nominal_selected"].dtype == bool
    assert again.rank_draws.shape == (200, 514)
    assert again.sobol_regions.empty and "sobol_base = 0" in again.summary["sobol_note"]
    with pytest.raises(AssertionError, match="recomputed"):
        robustness.load_or_run_robustness(SPEC, 2019, draws=200, seed=12, sobol_base=0)
