"""Spec blocks used by other parts: uncertainty (robustness), plausible_change (counterfactuals),
user-supplied indicators, per-level methods (issue 3)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from engine_fixtures import REGIONS, indicators, spec_dict

from smartcity_analysis.curated.inputs import read_user_indicator
from smartcity_analysis.engine.pipeline import build_index, rank_desc
from smartcity_analysis.errors import InputError, SpecError
from smartcity_analysis.spec import MethodChoice, PlausibleChange, load_spec


def test_uncertainty_block_is_parsed_into_frozen_objects():
    d = spec_dict(uncertainty={
        "weights": {"kind": "dirichlet", "concentration": 40},
        "normalisations": ["minmax", {"method": "zscore", "mean": 100, "sd": 10}],
        "aggregations": {"index": ["arithmetic", "geometric"]},
        "imputations": ["none", {"method": "group_median", "group": "province"}],
        "thresholds": {"ipm_floor": [58, 62]},
        "noise": {"relative": 0.05},
        "leave_one_out": True,
        "draws": 1000, "seed": 7,
    })
    u = load_spec(d).uncertainty
    assert u.weights.kind == "dirichlet" and u.weights.concentration == 40
    assert u.normalisations[1] == MethodChoice.make("zscore", mean=100, sd=10)
    assert u.aggregations_index == (MethodChoice("arithmetic"), MethodChoice("geometric"))
    assert u.aggregations_pillars == ()
    assert u.thresholds == (("ipm_floor", 58.0, 62.0),)
    assert u.noise_relative == 0.05 and u.leave_one_out and u.draws == 1000 and u.seed == 7
    hash(u)  # frozen and hashable


def test_uncertainty_mistakes_are_reported_with_paths():
    d = spec_dict(uncertainty={"weights": {"kind": "bounds", "relative": 1.5},
                               "thresholds": {"no_such_rule": [1, 2]},
                               "normalisations": ["minmax", "zscor"]})
    with pytest.raises(SpecError) as err:
        load_spec(d)
    paths = [p for p, _ in err.value.problems]
    assert {"uncertainty.weights.relative", "uncertainty.thresholds.no_such_rule",
            "uncertainty.normalisations[1]"} <= set(paths)


def test_uncertainty_draws_zero_is_rejected_with_its_path():
    # draws: 0 used to be accepted and then silently replaced by the default 10000
    with pytest.raises(SpecError) as err:
        load_spec(spec_dict(uncertainty={"draws": 0, "seed": -1}))
    problems = dict(err.value.problems)
    assert "must be positive. Got 0" in problems["uncertainty.draws"]
    assert "must not be negative" in problems["uncertainty.seed"]
    assert load_spec(spec_dict(uncertainty={"draws": 1, "seed": 0})).uncertainty.seed == 0


def test_plausible_change_bounds():
    d = spec_dict()
    d["indicators"][0]["plausible_change"] = {"lower": -1, "upper": 2}
    d["indicators"][2]["plausible_change"] = {"relative": 0.1}
    spec = load_spec(d)
    assert spec.indicator("ipm").plausible_change.bounds(70) == (-1.0, 2.0)
    assert spec.indicator("poverty_rate").plausible_change.bounds(20) == pytest.approx((-2.0, 2.0))
    assert PlausibleChange(upper=3).bounds(5) == (-math.inf, 3)
    d["indicators"][0]["plausible_change"] = {"lower": 1}
    with pytest.raises(SpecError, match="must be <= 0"):
        load_spec(d)


def test_user_supplied_indicator_is_used_when_given(tmp_path):
    f = tmp_path / "ekppd.csv"
    codes = list(REGIONS.index)
    pd.DataFrame({"region_code": codes, "value": np.linspace(1, 4, len(codes))}).to_csv(f, index=False)
    d = spec_dict()
    d["indicators"][4] = {"code": "ekppd_score", "availability": "user_supplied",
                          "user_supplied": {"format": "csv region_code,value", "path": str(f)}}
    spec = load_spec(d)
    assert spec.unavailable_indicators == ()
    data = indicators()
    data["ekppd_score"] = read_user_indicator(f, "ekppd_score", regions=REGIONS.index).reindex(data.index)
    res = build_index(data, spec, regions=REGIONS)
    assert "ekppd_score" in res.normalised.columns
    w = res.weights.set_index("indicator")
    assert w.loc["ekppd_score", "weight_in_pillar"] == pytest.approx(0.5)
    # without the column the indicator is excluded and the weights renormalised
    res2 = build_index(indicators(), spec, regions=REGIONS)
    assert res2.excluded.set_index("indicator").loc["ekppd_score", "reason"] == "user-supplied file not given"


def test_user_file_errors_name_the_file(tmp_path):
    f = tmp_path / "bad.csv"
    f.write_text("region_code,value\n63,1\n")
    with pytest.raises(InputError, match="row 2, column 'region_code': got '63'"):
        read_user_indicator(f, "x")
    with pytest.raises(InputError, match="not found"):
        read_user_indicator(tmp_path / "none.csv", "x")


def test_per_indicator_normalisation_and_per_pillar_aggregation_overrides():
    d = spec_dict()
    d["indicators"][0]["normalisation"] = {"method": "goalposts", "lower": 40, "upper": 90}
    d["pillars"][0]["aggregation"] = "geometric"
    d["methods"]["aggregation"] = {"pillars": "arithmetic", "index": "harmonic"}
    d["methods"]["normalisation"] = {"method": "minmax", "lower": 1, "upper": 100}
    spec = load_spec(d)
    data = indicators(missing=False)
    res = build_index(data, spec, regions=REGIONS)
    ipm = data["ipm"]
    np.testing.assert_allclose(res.normalised["ipm"], 100 * (ipm - 40) / 50)
    n = res.normalised
    human = np.sqrt(n["ipm"] * n["poverty_rate"])
    np.testing.assert_allclose(res.pillar_scores["human"], human)
    ps = res.pillar_scores
    harmonic = 1 / (0.5 / ps["human"] + 0.25 / ps["economy"] + 0.25 / ps["fiscal"])
    np.testing.assert_allclose(res.index, harmonic)


def test_sparse_indicator_is_excluded_not_imputed():
    data = indicators()
    data.loc[data.index[:8], "poverty_rate"] = np.nan       # 4 of 12 observed < 0.5
    res = build_index(data, load_spec(spec_dict()), regions=REGIONS, data_year=2016)
    reason = res.excluded.set_index("indicator").loc["poverty_rate", "reason"]
    assert reason.startswith("observed for 4/12 regions in data year 2016")
    assert "poverty_rate" not in res.imputed.columns


def test_rank_desc_known_answer():
    np.testing.assert_array_equal(rank_desc(np.array([5.0, 7.0, 7.0, np.nan, 1.0])), [3, 1, 1, np.nan, 4])
    # within groups
    np.testing.assert_array_equal(rank_desc(np.array([5.0, 7.0, 6.0, 1.0]), np.array(["a", "b", "a", "b"])),
                                  [2, 1, 1, 2])


def test_pca_and_entropy_weighting_run_through_the_pipeline():
    for method in ("pca", "entropy", "equal"):
        d = spec_dict()
        d["methods"]["weighting"] = {"indicators": method, "pillars": "explicit"}
        res = build_index(indicators(), load_spec(d), regions=REGIONS)
        w = res.weights
        assert w.groupby("pillar")["weight_in_pillar"].sum().to_numpy() == pytest.approx(1.0)
        assert res.diagnostics is not None and not res.diagnostics.correlation.empty


def test_leave_one_out_declares_scenarios_and_an_explicit_probability():
    # issue 13, defect 4: true means "report the scenarios", with probability 0 in the Monte Carlo
    u = load_spec(spec_dict(uncertainty={"leave_one_out": True})).uncertainty
    assert u.leave_one_out and u.leave_one_out_probability == 0.0
    u = load_spec(spec_dict(uncertainty={"leave_one_out": {"probability": 0.25}})).uncertainty
    assert u.leave_one_out and u.leave_one_out_probability == 0.25
    with pytest.raises(SpecError, match="uncertainty.leave_one_out.probability"):
        load_spec(spec_dict(uncertainty={"leave_one_out": {"probability": 1.5}}))
    with pytest.raises(SpecError, match="uncertainty.leave_one_out"):
        load_spec(spec_dict(uncertainty={"leave_one_out": "sometimes"}))


def test_uniform_weights_are_dirichlet_one_and_take_no_parameters():
    u = load_spec(spec_dict(uncertainty={"weights": {"kind": "uniform"}})).uncertainty
    assert u.weights.kind == "uniform" and u.weights.concentration is None
    with pytest.raises(SpecError, match="kind 'uniform' takes no concentration"):
        load_spec(spec_dict(uncertainty={"weights": {"kind": "uniform", "concentration": 3}}))


def test_a_power_mean_of_z_scores_is_rejected_when_the_spec_loads():
    # issue 13, defect 1: a geometric mean of a negative component is NaN (the region unscored)
    bad = spec_dict(methods={"normalisation": "zscore", "aggregation": "geometric"})
    with pytest.raises(SpecError, match="methods.aggregation.*geometric.*zscore"):
        load_spec(bad)
    ok = spec_dict(methods={"normalisation": {"method": "minmax", "lower": 1, "upper": 100},
                            "aggregation": "geometric"})
    load_spec(ok)
    # the Mazziotta-Pareto index on its own scale (100 + 10 z, population sd) is its definition
    mpi = spec_dict(methods={"normalisation": {"method": "zscore", "mean": 100, "sd": 10, "ddof": 0},
                             "aggregation": "mazziotta_pareto"})
    load_spec(mpi)
    # in the uncertainty block the pairing is rescaled by construction, not rejected
    load_spec(spec_dict(uncertainty={"normalisations": ["zscore"],
                                     "aggregations": {"index": ["geometric"]}}))
