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
    names = [f"{t}_2017.csv" for t in ("regions", "winning", "stability", "region_stability",
                                       "scenarios", "sobol")]
    for name in names + ["summary.json"]:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    regions = pd.read_csv(tmp_path / "a" / "regions_2017.csv", dtype={"region_code": str})
    assert len(regions) == 514 and regions["region_code"].str.len().eq(4).all()
    assert regions["p_selected"].sum() == pytest.approx(25)
    # the criteria are the spec's pillars computed for the cohort; the stability table lists those
    # whose nominal weight can move (positive, below 1), in the spec's order
    from smartcity_analysis.robustness.from_spec import problem_from_spec

    problem, _, _ = problem_from_spec(SPEC, 2017)
    pillars = list(problem.pillars)
    criteria = [p for p, w in zip(pillars, problem.pillar_weights, strict=True) if 0 < w < 1]
    assert len(criteria) > 1
    central = regions[[f"central_weight_{c}" for c in pillars]]
    chosen = regions["p_selected"] > 0
    assert central[chosen].sum(axis=1).to_numpy() == pytest.approx(1.0)
    assert central[~chosen].isna().all().all()
    assert regions.loc[chosen, "confidence"].between(0, 1).all()
    winning = pd.read_csv(tmp_path / "a" / "winning_2017.csv", dtype={"region": str, "rival": str})
    assert list(winning.columns) == ["region", "rival", "p_above"] and len(winning) > 25
    stability = pd.read_csv(tmp_path / "a" / "stability_2017.csv")
    assert list(stability.columns) == ["criterion", "weight", "low", "high", "enters_low",
                                       "leaves_low", "enters_high", "leaves_high"]
    assert list(stability["criterion"]) == criteria
    assert (stability["low"] <= stability["weight"]).all()
    assert (stability["weight"] <= stability["high"]).all()
    assert set(regions["robustness_class"]) <= {"robustly_in", "contestable", "robustly_out"}
    summary = json.loads((tmp_path / "a" / "summary.json").read_text())["2017"]
    assert summary["draws"] == 300 and summary["k"] == 25
    assert summary["min_selected"] == summary["max_selected"] == 25
    assert len(summary["expected_selected"]) == 25
    audit = summary["audit"]
    assert audit["k"] == 25 and audit["n_actual"] >= 20
    for fig in ("actual_outside_top_k", "actual_failing_gate", "top_k_not_chosen"):
        assert audit[fig]["p05"] <= audit[fig]["mean"] <= audit[fig]["p95"]
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

    first = robustness.load_or_run_robustness(SPEC, cohort=2019, draws=200, seed=11, sobol_base=0)

    def boom(*args, **kwargs):
        raise AssertionError("recomputed although cached")

    monkeypatch.setattr(robustness_run, "_compute", boom)
    again = robustness.load_or_run_robustness(SPEC, cohort=2019, draws=200, seed=11, sobol_base=0)
    pd.testing.assert_frame_equal(first.regions, again.regions)
    pd.testing.assert_frame_equal(first.rank_draws, again.rank_draws)
    assert first.summary == again.summary
    assert again.regions.index.name == "region_code"
    assert (again.regions.index.str.len() == 4).all()
    assert again.regions["nominal_selected"].dtype == bool
    assert again.rank_draws.shape == (200, 514)
    assert again.sobol_regions.empty and "sobol_base = 0" in again.summary["sobol_note"]
    with pytest.raises(AssertionError, match="recomputed"):
        robustness.load_or_run_robustness(SPEC, cohort=2019, draws=200, seed=12, sobol_base=0)


def _spec_with(draws=None, seed=None):
    import dataclasses

    from smartcity_analysis.spec import UncertaintySpec, load_spec

    spec = load_spec(SPEC)
    u = spec.uncertainty or UncertaintySpec()
    return dataclasses.replace(spec, uncertainty=dataclasses.replace(u, draws=draws, seed=seed))


def test_settings_precedence_argument_then_spec_then_default():
    from smartcity_analysis.robustness import RobustnessSettings

    d = RobustnessSettings()
    assert (d.draws, d.seed, d.sobol_base) == (10_000, 0, 512)
    assert d.key() == {"draws": 10_000, "seed": 0, "sobol_base": 512}
    bare = _spec_with()
    assert RobustnessSettings.for_spec(bare) == d
    declared = _spec_with(draws=300, seed=7)
    assert RobustnessSettings.for_spec(declared) == RobustnessSettings(300, 7, 512)
    assert RobustnessSettings.for_spec(declared, draws=50) == RobustnessSettings(50, 7, 512)
    assert RobustnessSettings.for_spec(declared, seed=0) == RobustnessSettings(300, 0, 512)
    assert RobustnessSettings.for_spec(bare, sobol_base=0).sobol_base == 0


def test_settings_reject_bad_values():
    from smartcity_analysis.errors import InputError
    from smartcity_analysis.robustness import RobustnessSettings, run_robustness

    with pytest.raises(InputError, match="draws must be >= 1, got 0"):
        RobustnessSettings(draws=0)
    with pytest.raises(InputError, match="seed must be >= 0"):
        RobustnessSettings(seed=-1)
    with pytest.raises(InputError, match="whole number"):
        RobustnessSettings(draws=2.5)
    with pytest.raises(TypeError, match="cohort=..."):
        run_robustness(SPEC, 2018)  # the old positional cohort


def test_cli_help_and_defaults_come_from_the_settings(capsys):
    import argparse

    from smartcity_analysis.cli import robustness as cli_robustness
    from smartcity_analysis.robustness import RobustnessSettings

    parser = argparse.ArgumentParser()
    cli_robustness.register(parser.add_subparsers())
    args = parser.parse_args(["robustness", "--spec", SPEC])
    d = RobustnessSettings()
    assert args.draws is None and args.seed is None  # None: the spec's value, else the default
    assert args.sobol == d.sobol_base
    with pytest.raises(SystemExit):
        parser.parse_args(["robustness", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert f"else {d.draws})" in out and f"else {d.seed})" in out
    assert f"(default {d.sobol_base}; 0 skips Sobol)" in out


def test_cli_and_library_defaults_share_one_cache_entry(monkeypatch, capsys):
    from smartcity_analysis.robustness import load_or_run_robustness
    from smartcity_analysis.robustness import run as robustness_run

    keys = []
    summary = {"k": 1, "draws": 1, "seed": 0, "mean_jaccard": 1.0, "jaccard_p05": 1.0,
               "jaccard_p95": 1.0, "n_robustly_in": 1, "n_contestable": 0, "n_robustly_out": 0,
               "sobol_note": "n/a"}

    def fake_cached(kind, key, compute, save, load, **kwargs):
        keys.append(key)
        return {"regions": pd.DataFrame(), "summary": summary, "sobol": pd.DataFrame()}

    monkeypatch.setattr(robustness_run, "cached", fake_cached)
    assert main(["robustness", "--spec", SPEC, "--cohort", "2018", "--no-progress"]) == 0
    load_or_run_robustness(SPEC, cohort=2018)
    assert len(keys) == 2 and keys[0] == keys[1]
    assert (keys[0]["draws"], keys[0]["seed"], keys[0]["sobol_base"]) == (10_000, 0, 512)
