"""build_index on the synthetic fixture: hand-checkable intermediates (issue 3)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from engine_fixtures import REGIONS, indicators, spec_dict

from smartcity_analysis.engine.pipeline import IndexResult, build_index
from smartcity_analysis.spec import load_spec


@pytest.fixture(scope="module")
def result() -> IndexResult:
    return build_index(indicators(), load_spec(spec_dict()), regions=REGIONS, data_year=2016)


def test_result_is_frozen_and_complete(result):
    assert isinstance(result, IndexResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.index = None
    assert list(result.raw.columns) == ["ipm", "grdp_per_capita", "poverty_rate", "gc_per_capita"]
    assert result.provenance["spec_hash"] == result.spec.spec_hash
    assert result.provenance["data_year"] == 2016
    assert len(result.provenance["data_hash"]) == 16


def test_unavailable_indicator_excluded_and_weights_renormalised(result):
    ex = result.excluded.set_index("indicator")
    assert ex.loc["ekppd_score", "reason"] == "declared unavailable"
    w = result.weights.set_index("indicator")
    assert w.loc["gc_per_capita", "weight_in_pillar"] == pytest.approx(1.0)
    # pillar weights 2:1:1 -> 0.5, 0.25, 0.25; overall weights sum to one
    assert w.loc["ipm", "pillar_weight"] == pytest.approx(0.5)
    assert w["overall_weight"].sum() == pytest.approx(1.0)


def test_derived_indicator_and_imputation(result):
    raw = indicators()
    expected = 1000 * raw["government_consumption"] / raw["population"]
    pd.testing.assert_series_equal(result.raw["gc_per_capita"], expected, check_names=False)
    assert result.imputed_mask.loc["1102", "poverty_rate"]
    assert result.imputed.loc["1102", "poverty_rate"] == pytest.approx(raw["poverty_rate"].median())
    assert result.imputed_mask.values.sum() == 2


def test_index_is_weighted_mean_of_pillars_by_hand(result):
    n = result.normalised
    # minmax of log(grdp) by hand
    lg = np.log(result.imputed["grdp_per_capita"])
    assert n["grdp_per_capita"].to_numpy() == pytest.approx((100 * (lg - lg.min()) / (lg.max() - lg.min())).to_numpy())
    # poverty is negative: the lowest rate scores 100
    assert n["poverty_rate"][result.imputed["poverty_rate"].idxmin()] == pytest.approx(100)
    human = (n["ipm"] + n["poverty_rate"]) / 2
    expected = 0.5 * human + 0.25 * n["grdp_per_capita"] + 0.25 * n["gc_per_capita"]
    assert result.index.to_numpy() == pytest.approx(expected.to_numpy())
    best = result.index.idxmax()
    assert result.ranks.loc[best, "rank_national"] == 1


def test_imputed_and_treated_cells_long_tables(result):
    cells = result.imputed_cells.set_index(["region_code", "indicator"])
    assert set(cells.index) == {("1102", "poverty_rate"), ("6302", "ipm")}
    assert cells.loc[("1102", "poverty_rate"), "value"] == pytest.approx(indicators()["poverty_rate"].median())
    assert list(result.treated_cells.columns) == ["region_code", "indicator", "action"]


def test_treated_cells_list_the_winsorised_outlier():
    data = indicators()
    data["grdp_per_capita"] = np.arange(1.0, 13.0)
    data.loc["6372", "grdp_per_capita"] = 1e6          # synthetic far outlier (no log transform here)
    d = spec_dict()
    d["indicators"][1]["transform"] = None
    d["methods"]["outliers"] = "coinr"
    res = build_index(data, load_spec(d), regions=REGIONS)
    cells = res.treated_cells
    assert ("6372", "grdp_per_capita") in set(zip(cells["region_code"], cells["indicator"], strict=True))
