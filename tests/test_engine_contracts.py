"""Every registered method honours its family's contract; hypothesis properties of the engine (issue 3)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from engine_fixtures import REGIONS, indicators
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from smartcity_analysis.engine.aggregation import AGGREGATORS
from smartcity_analysis.engine.imputation import IMPUTERS
from smartcity_analysis.engine.normalisation import NORMALISERS
from smartcity_analysis.engine.outliers import LOG_COLUMNS, OUTLIER_TREATMENTS
from smartcity_analysis.engine.pipeline import build_index
from smartcity_analysis.engine.weighting import WEIGHTERS
from smartcity_analysis.spec import load_spec

RNG = np.random.default_rng(42)
X_ARR = RNG.lognormal(2, 1, size=(15, 4))
X_ARR[[2, 7], [1, 3]] = np.nan


# ---------------------------------------------------------------- normalisers


@pytest.mark.parametrize("name", sorted(NORMALISERS))
def test_normaliser_contract(name):
    f = NORMALISERS[name]
    d = np.array([1, -1, 1, -1])
    y = f(X_ARR, d)
    assert y.shape == X_ARR.shape
    np.testing.assert_array_equal(np.isnan(y), np.isnan(X_ARR))
    for j in range(X_ARR.shape[1]):
        ok = ~np.isnan(X_ARR[:, j])
        order = np.argsort(d[j] * X_ARR[ok, j], kind="stable")
        assert np.all(np.diff(y[ok, j][order]) >= -1e-12), f"{name} not monotone in the good direction"
    # stacked draws are normalised slice by slice
    stack = np.stack([X_ARR, X_ARR * 2 + 1, X_ARR[::-1]])
    np.testing.assert_allclose(f(stack, d), np.stack([f(s, d) for s in stack]), equal_nan=True)


# ---------------------------------------------------------------- aggregators


@pytest.mark.parametrize("name", sorted(AGGREGATORS))
def test_aggregator_contract(name):
    f = AGGREGATORS[name]
    v = RNG.uniform(1, 100, size=(10, 3))
    v[4, 1] = np.nan
    w = np.array([0.2, 0.3, 0.5])
    y = f(v, w)
    assert y.shape == (10,)
    np.testing.assert_allclose(f(v, 7 * w), y)                     # weights need not sum to one
    perm = RNG.permutation(10)
    np.testing.assert_allclose(f(v[perm], w), y[perm])             # regions are exchangeable
    assert np.isnan(f(v, w, min_coverage=1.0)[4])                  # coverage rule
    if name != "copeland":                                         # means of equal parts
        np.testing.assert_allclose(f(np.full((4, 3), 42.0), w), 42.0)
    # monotone: raising one component never lowers the region's score. The MPI is monotone where the
    # penalty does not dominate: d MPI / d x_j = w_j (1 - 2 (x_j - M) / M + S^2 / M^2) > 0 whenever
    # x_j < 1.5 M, which holds on its own scale (100 + 10 z) within +-1.5 sd: test it there
    if name == "mazziotta_pareto":
        v = RNG.uniform(85, 115, size=(10, 3))
        y = f(v, w)
    for row in range(10):
        for col in range(3):
            v2 = v.copy()
            v2[row, col] += 1.0
            assert f(v2, w)[row] >= y[row] - 1e-9, (name, row, col)


# ---------------------------------------------------------------- imputers


@pytest.mark.parametrize("name", sorted(IMPUTERS))
def test_imputer_contract(name):
    X = indicators(seed=3)
    out = IMPUTERS[name](X, regions=REGIONS)
    assert out.index.equals(X.index) and list(out.columns) == list(X.columns)
    obs = X.notna()
    pd.testing.assert_frame_equal(out[obs], X[obs])
    if name != "none":
        assert out.notna().all().all()


# ---------------------------------------------------------------- outlier treatments


@pytest.mark.parametrize("name", sorted(OUTLIER_TREATMENTS))
def test_outlier_contract(name):
    X = indicators(seed=5)
    X.loc["6372", "grdp_per_capita"] = 5000.0  # synthetic far outlier
    t, log = OUTLIER_TREATMENTS[name](X)
    assert t.shape == X.shape and list(log.columns) == LOG_COLUMNS
    assert list(log["indicator"]) == list(X.columns)
    np.testing.assert_array_equal(t.isna().to_numpy(), X.isna().to_numpy())
    for c in X.columns:
        ok = X[c].notna()
        order = np.argsort(X[c][ok].to_numpy(), kind="stable")
        assert np.all(np.diff(t[c][ok].to_numpy()[order]) >= -1e-12), f"{name} reorders {c}"
        row = log.set_index("indicator").loc[c]
        if row["action"] == "winsorised":
            changed = X.index[ok & (t[c] != X[c])]
            assert set(row["treated_regions"].split(";")) == set(changed)


# ---------------------------------------------------------------- weighters


@pytest.mark.parametrize("name", sorted(WEIGHTERS))
def test_weighter_contract(name):
    v = RNG.uniform(0, 100, size=(20, 4))
    v[:, 1] = v[:, 0] * 0.5 + RNG.normal(0, 5, 20)
    w = WEIGHTERS[name](v, np.array([1.0, 2.0, 3.0, 4.0]))
    assert w.shape == (4,)
    assert np.all(w >= 0) and w.sum() == pytest.approx(1.0)


# ---------------------------------------------------------------- hypothesis properties


def _spec(aggregation: str, lower: float) -> dict:
    return {
        "id": "prop",
        "cohorts": [{"year": 2018, "size": 3, "data_year": 2017}],
        "indicators": [{"code": "ipm", "direction": 1}, {"code": "poverty_rate", "direction": -1},
                       {"code": "grdp_per_capita", "direction": 1}],
        "pillars": [{"id": "a", "weight": 1, "indicators": {"ipm": 1, "poverty_rate": 2}},
                    {"id": "b", "weight": 2, "indicators": {"grdp_per_capita": 1}}],
        "methods": {"normalisation": {"method": "minmax", "lower": lower, "upper": 100},
                    "aggregation": aggregation},
    }


values = st.floats(min_value=0.5, max_value=1000, allow_nan=False, allow_infinity=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.lists(st.tuples(values, values, values), min_size=4, max_size=12),
    region=st.integers(0, 11),
    which=st.sampled_from(["ipm", "poverty_rate", "grdp_per_capita"]),
    step=st.floats(min_value=0.01, max_value=500),
    aggregation=st.sampled_from(["arithmetic", "geometric"]),
)
def test_improving_an_indicator_never_lowers_the_score(data, region, which, step, aggregation):
    spec = load_spec(_spec(aggregation, 1.0 if aggregation == "geometric" else 0.0))
    codes = [f"{1101 + i}" for i in range(len(data))]
    X = pd.DataFrame(data, columns=["ipm", "poverty_rate", "grdp_per_capita"], index=codes)
    r = codes[region % len(codes)]
    before = build_index(X, spec, diagnostics=False).index[r]
    X2 = X.copy()
    X2.loc[r, which] += step * spec.indicator(which).direction
    after = build_index(X2, spec, diagnostics=False).index[r]
    assert after >= before - 1e-9


@settings(max_examples=60, deadline=None)
@given(
    x=st.lists(st.one_of(st.floats(-1e6, 1e6), st.just(float("nan"))), min_size=1, max_size=30),
    lo=st.floats(-100, 100),
    width=st.floats(0.001, 1000),
    direction=st.sampled_from([1, -1]),
)
def test_minmax_stays_in_bounds(x, lo, width, direction):
    y = NORMALISERS["minmax"](np.array(x)[:, None], direction, lower=lo, upper=lo + width)
    ok = ~np.isnan(y)
    assert np.all(y[ok] >= lo - 1e-9) and np.all(y[ok] <= lo + width + 1e-9)
