"""Hand-worked known answers for every method of the engine (issue 3).

Each expected value below is worked out by hand from the method's formula (see the comments)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from smartcity_analysis.engine import aggregation as agg
from smartcity_analysis.engine import imputation as imp
from smartcity_analysis.engine import normalisation as norm
from smartcity_analysis.engine import outliers as out
from smartcity_analysis.engine import weighting as wt
from smartcity_analysis.engine.diagnostics import (
    cronbach_alpha,
    effective_weights,
    pca_explained_variance,
)
from smartcity_analysis.errors import ComputationError

NAN = np.nan


def col(*v):
    return np.array(v, dtype=float)[:, None]


# ---------------------------------------------------------------- normalisation


def test_minmax_known_answer_and_direction():
    x = col(1, 2, 3, NAN)
    np.testing.assert_allclose(norm.minmax(x, 1, lower=0, upper=10)[:, 0], [0, 5, 10, NAN])
    np.testing.assert_allclose(norm.minmax(x, -1, lower=0, upper=10)[:, 0], [10, 5, 0, NAN])
    # constant indicator -> midpoint
    np.testing.assert_allclose(norm.minmax(col(4, 4), 1, lower=1, upper=3)[:, 0], [2, 2])


def test_zscore_known_answer():
    # mean 2, sample sd 1
    np.testing.assert_allclose(norm.zscore(col(1, 2, 3))[:, 0], [-1, 0, 1])
    np.testing.assert_allclose(norm.zscore(col(1, 2, 3), -1, mean=100, sd=10)[:, 0], [110, 100, 90])


def test_goalposts_known_answer():
    x = col(20, 50, 80, 110)
    np.testing.assert_allclose(norm.goalposts(x, 1, lower=20, upper=80)[:, 0], [0, 50, 100, 100])
    np.testing.assert_allclose(norm.goalposts(x, -1, lower=20, upper=80)[:, 0], [100, 50, 0, 0])
    np.testing.assert_allclose(norm.goalposts(x, 1, lower=20, upper=80, cap=False)[:, 0], [0, 50, 100, 150])
    # log goalposts: ln 10 is half way between ln 1 and ln 100
    np.testing.assert_allclose(norm.goalposts(col(1, 10, 100), 1, lower=1, upper=100, log=True)[:, 0],
                               [0, 50, 100])


def test_distance_to_target_known_answer():
    # (x - 2) / (10 - 2)
    np.testing.assert_allclose(norm.distance_to_target(col(2, 4, 6), 1, target=10)[:, 0], [0, 25, 50])
    # negative: (6 - x) / (6 - 1)
    np.testing.assert_allclose(norm.distance_to_target(col(2, 4, 6), -1, target=1)[:, 0], [80, 40, 0])
    # beyond the target is capped
    np.testing.assert_allclose(norm.distance_to_target(col(2, 12), 1, target=10)[:, 0], [0, 100])


def test_rank_based_normalisers_known_answer():
    x = col(10, 20, 20, 40, NAN)
    # min ranks 1, 2, 2, 4 of n = 4 -> (r - 1) / 3
    np.testing.assert_allclose(norm.percentile_rank(x)[:, 0], [0, 100 / 3, 100 / 3, 100, NAN])
    np.testing.assert_allclose(norm.borda(x)[:, 0], [0, 1, 1, 3, NAN])
    # lower is better: 40 is worst (0), the two 20s beat 10? no: -20 > -40 only -> 1 each, 10 beats all -> 3
    np.testing.assert_allclose(norm.borda(x, -1)[:, 0], [3, 1, 1, 0, NAN])
    np.testing.assert_allclose(norm.rank(x)[:, 0], [1, 2, 2, 4, NAN])


def test_normalise_frame_uses_directions():
    X = pd.DataFrame({"a": [1.0, 3.0], "b": [1.0, 3.0]}, index=["1101", "1102"])
    y = norm.normalise(X, "minmax", {"a": 1, "b": -1})
    assert y.loc["1102", "a"] == 100 and y.loc["1102", "b"] == 0


# ---------------------------------------------------------------- aggregation


def test_arithmetic_known_answer_and_coverage():
    v = np.array([[1.0, 3.0], [2.0, NAN]])
    # (1*1 + 3*3) / 4 = 2.5 ; second region: only the first component -> 2
    np.testing.assert_allclose(agg.arithmetic(v, [1, 3]), [2.5, 2.0])
    np.testing.assert_allclose(agg.arithmetic(v, [1, 3], min_coverage=0.75), [2.5, NAN])


def test_geometric_and_harmonic_known_answer():
    np.testing.assert_allclose(agg.geometric(np.array([[1.0, 4.0]]), [1, 1]), [2.0])
    # 8^(1/3) * 1^(2/3) = 2
    np.testing.assert_allclose(agg.geometric(np.array([[8.0, 1.0]]), [1, 2]), [2.0])
    np.testing.assert_allclose(agg.geometric(np.array([[0.0, 5.0]]), [1, 1]), [0.0])
    # 2 / (1/1 + 1/4) = 1.6
    np.testing.assert_allclose(agg.harmonic(np.array([[1.0, 4.0]]), [1, 1]), [1.6])
    np.testing.assert_allclose(agg.harmonic(np.array([[0.0, 4.0]]), [1, 1]), [0.0])


def test_mazziotta_pareto_known_answer():
    # M = 100, population S = 10, cv = 0.1 -> 100 - 10 * 0.1 = 99
    np.testing.assert_allclose(agg.mazziotta_pareto(np.array([[90.0, 110.0], [100.0, 100.0]]), [1, 1]),
                               [99.0, 100.0])
    np.testing.assert_allclose(agg.mazziotta_pareto(np.array([[90.0, 110.0]]), [1, 1], penalty="positive"),
                               [101.0])


def test_copeland_known_answer():
    # A beats B and C on 2 of 3 indicators; B beats C on 2 of 3
    v = np.array([[3.0, 3.0, 1.0], [2.0, 2.0, 2.0], [1.0, 1.0, 3.0]])
    np.testing.assert_allclose(agg.copeland(v, [1, 1, 1]), [2, 0, -2])
    # third indicator weighs 3/5: every pair is decided by it -> order C > B > A
    np.testing.assert_allclose(agg.copeland(v, [1, 1, 3]), [-2, 0, 2])


def test_aggregators_accept_stacked_draws():
    rng = np.random.default_rng(1)
    v = rng.uniform(1, 100, size=(3, 6, 4))
    w = rng.uniform(0.1, 1, size=(3, 4))
    for name, f in agg.AGGREGATORS.items():
        stacked = f(v, w)
        each = np.stack([f(v[d], w[d]) for d in range(3)])
        np.testing.assert_allclose(stacked, each, err_msg=name)


def test_aggregation_rejects_negative_weights():
    with pytest.raises(ComputationError, match="non-negative"):
        agg.arithmetic(np.ones((2, 2)), [1, -1])


# ---------------------------------------------------------------- imputation


@pytest.fixture
def grouped():
    X = pd.DataFrame({"a": [1.0, 3.0, NAN, 10.0, NAN, NAN], "b": [NAN, NAN, NAN, 1.0, 2.0, 3.0]},
                     index=["1101", "1102", "1103", "3201", "3202", "6301"])
    regions = pd.DataFrame({"province_code": ["11", "11", "11", "32", "32", "63"],
                            "type": ["kabupaten"] * 6}, index=X.index)
    return X, regions


def test_mean_and_median_imputation(grouped):
    X, _ = grouped
    assert imp.mean(X).loc["1103", "a"] == pytest.approx((1 + 3 + 10) / 3)
    assert imp.median(X).loc["1103", "a"] == 3.0


def test_group_median_with_national_fallback(grouped):
    X, regions = grouped
    out_, mask = imp.impute(X, "group_median", regions=regions, group="province")
    assert out_.loc["1103", "a"] == 2.0           # province 11: median(1, 3)
    assert out_.loc["3202", "a"] == 10.0          # province 32: median(10)
    assert out_.loc["6301", "a"] == 3.0           # province 63 has no value: national median(1, 3, 10)
    assert out_.loc["1101", "b"] == 2.0           # province 11 has no b: national median(1, 2, 3)
    assert mask.to_numpy().sum() == X.isna().to_numpy().sum()
    g, _ = imp.impute(X, "group_mean", regions=regions, group="province")
    assert g.loc["1103", "a"] == 2.0


def test_knn_imputation_uses_nearest_donor():
    X = pd.DataFrame({"a": [0.0, 10.0, 1.0, 9.0], "b": [0.0, 10.0, NAN, 10.0]},
                     index=["1101", "1102", "1103", "1104"])
    out_, _ = imp.impute(X, "knn", n_neighbors=1)
    assert out_.loc["1103", "b"] == pytest.approx(0.0)


def test_iterative_imputation_recovers_linear_relation():
    a = np.arange(1.0, 21.0)
    X = pd.DataFrame({"a": a, "b": 2 * a}, index=[f"{1100 + i}" for i in range(1, 21)])
    X.iloc[4, 1] = NAN
    out_, mask = imp.impute(X, "iterative", seed=0)
    assert mask.iloc[4, 1]
    assert out_.iloc[4, 1] == pytest.approx(2 * a[4], rel=0.02)


# ---------------------------------------------------------------- outliers


def test_skewness_and_kurtosis_match_scipy_unbiased():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 30, 100], dtype=float)
    assert out.skewness(x) == pytest.approx(stats.skew(x, bias=False))
    assert out.kurtosis(x) == pytest.approx(stats.kurtosis(x, bias=False))


def test_coinr_rule_winsorises_the_high_outlier():
    # 1..20 plus 100: skew ~4.3, kurtosis ~19 -> fails; replacing 100 by the next value (20) passes
    x = list(range(1, 21)) + [100]
    X = pd.DataFrame({"a": np.array(x, dtype=float)}, index=[f"{1100 + i}" for i in range(1, 22)])
    assert out.skewness(X["a"]) > 2 and out.kurtosis(X["a"]) > 3.5
    t, log = out.coinr(X)
    assert t["a"].iloc[-1] == 20.0
    assert (t["a"].iloc[:-1] == X["a"].iloc[:-1]).all()
    row = log.iloc[0]
    assert row["action"] == "winsorised" and row["n_treated"] == 1 and row["treated_regions"] == "1121"


def test_coinr_rule_falls_back_to_log_ct():
    # winmax=1 cannot fix two far outliers -> log(x - min + 0.01 (max - min)) of the original values
    x = np.array(list(range(1, 21)) + [500, 1000], dtype=float)
    X = pd.DataFrame({"a": x}, index=[f"{1100 + i}" for i in range(1, 23)])
    t, log = out.coinr(X, winmax=1)
    expected = np.log(x - 1 + 0.01 * (1000 - 1))
    np.testing.assert_allclose(t["a"], expected)
    assert log.iloc[0]["action"] == "log"


def test_quantile_winsorise():
    X = pd.DataFrame({"a": np.arange(0.0, 101.0)}, index=[f"{1000 + i:04d}" for i in range(101)])
    t, log = out.winsorise(X, lower=0.05, upper=0.95)
    assert t["a"].min() == 5.0 and t["a"].max() == 95.0
    assert log.iloc[0]["n_treated"] == 10


# ---------------------------------------------------------------- weighting


def test_equal_and_explicit_weights():
    v = np.ones((3, 3))
    np.testing.assert_allclose(wt.equal(v), [1 / 3] * 3)
    np.testing.assert_allclose(wt.explicit(v, [2, 1, 1]), [0.5, 0.25, 0.25])
    v[:, 2] = NAN  # a component with no data gets 0, the rest is renormalised
    np.testing.assert_allclose(wt.explicit(v, [2, 1, 1]), [2 / 3, 1 / 3, 0])
    with pytest.raises(ComputationError):
        wt.explicit(np.ones((2, 2)), [NAN, 1])


def test_pca_weights_known_answer():
    # x1 = x2, x3 uncorrelated with both -> first component loads (1/sqrt2, 1/sqrt2, 0)
    v = np.array([[1, 1, 1], [2, 2, -1], [3, 3, -1], [4, 4, 1]], dtype=float)
    np.testing.assert_allclose(wt.pca(v), [0.5, 0.5, 0.0], atol=1e-9)


def test_pca_weights_follow_the_handbook_with_two_retained_factors():
    # a, c, e mutually orthogonal and centred; columns (a, a, c, c, e): correlation eigenvalues
    # 2, 2, 1, 0, 0. Retained: the two factors with eigenvalue > 1 (the third has exactly 1).
    # Varimax gives simple structure: factor 1 loads 1 on the a-pair, factor 2 1 on the c-pair;
    # squared loadings scaled per factor: 1/2 each; factor weights 2/4 each -> w = 1/4 for the
    # four paired columns, 0 for e. The old |PC1 loading| rule depended on an arbitrary mix of the
    # two tied components and gave e weight only by accident of the solver.
    a = np.array([1, -1, 1, -1, 0, 0], dtype=float)
    c = np.array([1, 1, -1, -1, 0, 0], dtype=float)
    e = np.array([1, 1, 1, 1, -2, -2], dtype=float)
    v = np.column_stack([a, a, c, c, e]) + 10.0
    np.testing.assert_allclose(wt.pca(v), [0.25, 0.25, 0.25, 0.25, 0.0], atol=1e-9)


def test_entropy_weights_known_answer():
    # x1 = (0, 0, 1): p = (0, 0, 1), e = 0, d = 1 ; x2 = (0, 1, 1): e = ln2 / ln3
    v = np.array([[0, 0], [0, 1], [1, 1]], dtype=float)
    d2 = 1 - math.log(2) / math.log(3)
    np.testing.assert_allclose(wt.entropy(v), [1 / (1 + d2), d2 / (1 + d2)])


# ---------------------------------------------------------------- diagnostics


def test_cronbach_alpha_known_answer():
    # identical items -> alpha = k/(k-1) (1 - k var / (k^2 var)) = 1
    X = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [1.0, 2, 3, 4]})
    assert cronbach_alpha(X) == pytest.approx(1.0)
    # uncorrelated items with equal variance -> var(sum) = sum var -> alpha = 0
    Y = pd.DataFrame({"a": [1.0, -1, 1, -1], "b": [1.0, 1, -1, -1]})
    assert cronbach_alpha(Y) == pytest.approx(0.0)


def test_pca_explained_variance_known_answer():
    X = pd.DataFrame({"a": [1.0, 2, 3, 4], "b": [2.0, 4, 6, 8]})
    np.testing.assert_allclose(pca_explained_variance(X), [1.0, 0.0], atol=1e-12)


def test_effective_weights_of_a_linear_index():
    # b has twice a's spread, so with equal nominal weights it carries far more of the variance: the
    # shares must follow w_j cov(x_j, y) / var(y) for every component (their sum is 1 for any
    # linear index, so the sum alone could not catch a wrong formula)
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(200, 2)) * [1.0, 2.0], columns=["a", "b"])
    y = 0.5 * X["a"] + 0.5 * X["b"]
    e = effective_weights(X, y, pd.Series({"a": 0.5, "b": 0.5}))
    for c in ("a", "b"):
        assert e.loc[c, "cov_share"] == pytest.approx(0.5 * X[c].cov(y) / y.var())
    assert e.loc["b", "cov_share"] > 0.7


def test_output_range_is_the_interval_every_score_lies_in():
    x = np.array([[3.0], [-7.0], [12.5], [np.nan], [0.2]])
    cases = [("minmax", {}), ("minmax", {"lower": 1, "upper": 100}), ("percentile_rank", {}),
             ("goalposts", {"lower": 0, "upper": 10}), ("distance_to_target", {"target": 10})]
    for method, params in cases:
        lo, hi = norm.output_range(method, params)
        y = norm.NORMALISERS[method](x, 1, **params)
        finite = y[np.isfinite(y)]
        assert finite.min() >= lo - 1e-12 and finite.max() <= hi + 1e-12, (method, params)
    assert norm.output_range("minmax", {"lower": 1, "upper": 100}) == (1.0, 100.0)
    for method, params in [("zscore", {}), ("rank", {}), ("borda", {}), ("goalposts", {"cap": False})]:
        assert norm.output_range(method, params) is None, method


def test_score_range_of_the_shipped_specs():
    from smartcity_analysis.engine.pipeline import score_range
    from smartcity_analysis.spec import resolve_spec

    assert score_range(resolve_spec("kominfo_prescreen")) == (0.0, 100.0)
    assert score_range(resolve_spec("six_pillars")) == (1.0, 100.0)  # min-max onto 1-100, geometric
    # z-scores have no fixed range: the reports must not print "(0-100)" for them
    assert score_range(resolve_spec("revealed_2017_2019")) is None
