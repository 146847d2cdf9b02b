"""The chosen revealed model as a spec: round trip through 'spec validate' and 'rank', and the
shipped specs/revealed_2017_2019.yml equals a fresh export (real data)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smartcity_analysis.cli import main
from smartcity_analysis.curated.inputs import spec_frames
from smartcity_analysis.errors import InputError
from smartcity_analysis.explanation import ExplanationSettings
from smartcity_analysis.explanation.criteria_search import revealed_criteria
from smartcity_analysis.explanation.export import revealed_spec, revealed_spec_text
from smartcity_analysis.spec import load_spec, resolve_spec

SHIPPED = Path(__file__).resolve().parents[1] / "specs" / "revealed_2017_2019.yml"


@pytest.fixture(scope="module")
def real_search():
    spec = resolve_spec("kominfo_prescreen")
    rc = revealed_criteria(spec, spec_frames(spec),
                           families=("sparse_logistic", "screen_rank", "baseline_single"),
                           n_perm=0, n_boot=0, progress=False)
    return spec, rc


@pytest.mark.parametrize("family", ["screen_rank", "sparse_logistic"])
def test_exported_spec_round_trips_through_spec_validate_and_rank(real_search, family, tmp_path,
                                                                  capsys):
    spec, rc = real_search
    path = tmp_path / "revealed.yml"
    path.write_text(revealed_spec_text(rc, spec, family=family), encoding="utf-8")
    assert main(["spec", "validate", str(path)]) == 0
    out = tmp_path / "rank.csv"
    assert main(["rank", "--spec", str(path), "--out", str(out)]) == 0
    capsys.readouterr()
    ranked = pd.read_csv(out, dtype={"region_code": str})
    scores = rc.tables["revealed_scores"]
    scores = scores[scores["method"] == family]
    for year, s in scores.groupby("cohort_year"):
        r = ranked[ranked["cohort_year"] == year].set_index("region_code").reindex(s["region_code"])
        passes = s["score_in"].to_numpy() > -1e5
        # the engine's eligibility is the model's gates, its score ranks as the model's
        np.testing.assert_array_equal(r["eligible"].to_numpy(bool), passes)
        a = r["score"].to_numpy(float)[passes]
        b = s["score_in"].to_numpy(float)[passes]
        assert pd.Series(a).rank().equals(pd.Series(b).rank())
        assert int(r["selected"].sum()) == spec.cohort(int(year)).size


def test_exported_gates_are_threshold_rules_and_weights_sum_to_one(real_search):
    spec, rc = real_search
    d = revealed_spec(rc, spec, family="screen_rank")
    loaded = load_spec(d)
    w = dict(loaded.pillars[0].indicators)
    assert sum(w.values()) == pytest.approx(1.0, abs=1e-4)
    gates = rc.tables["revealed_weights"]
    gates = gates[(gates["method"] == "screen_rank") & (gates["gate_op"] != "")]
    assert {r.indicator for r in loaded.eligibility} == set(gates["indicator"])
    assert all(r.kind == "threshold" for r in loaded.eligibility)
    assert [c.year for c in loaded.cohorts] == [c.year for c in spec.cohorts]


def test_export_without_a_revealed_search_says_how_to_get_one():
    class Empty:
        tables: dict = {}
        summary: dict = {}

    with pytest.raises(InputError, match="--export-spec"):
        revealed_spec(Empty(), resolve_spec("kominfo_prescreen"))


def test_shipped_revealed_spec_is_valid_and_ranks(tmp_path, capsys):
    spec = load_spec(SHIPPED)
    assert spec.id == "revealed_2017_2019"
    text = SHIPPED.read_text(encoding="utf-8")
    assert "data hash" in text and "GENERATED" in text
    assert main(["spec", "validate", str(SHIPPED)]) == 0
    out = tmp_path / "rank.csv"
    assert main(["rank", "--spec", str(SHIPPED), "--cohort", "2018", "--out", str(out)]) == 0
    capsys.readouterr()
    assert int(pd.read_csv(out)["selected"].sum()) == 50


@pytest.mark.slow
def test_shipped_revealed_spec_equals_a_fresh_export():
    # the settings of 'make revealed-spec' are the explanation defaults
    d = ExplanationSettings()
    spec = resolve_spec("kominfo_prescreen")
    rc = revealed_criteria(spec, spec_frames(spec), definition=d.definition, families=d.families,
                           n_perm=d.n_perm, n_boot=d.n_stability, seed=d.seed,
                           ci_level=d.ci_level, progress=False)
    assert revealed_spec_text(rc, spec) == SHIPPED.read_text(encoding="utf-8"), (
        "specs/revealed_2017_2019.yml is stale: run 'make revealed-spec' and commit it.")
