"""Known-answer and property tests of the pure explanation methods (synthetic fixtures only)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from explain_fixtures import cohort_table, one_decides
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from smartcity_analysis.errors import ComputationError, InputError
from smartcity_analysis.explanation import agreement, anomalies, counterfactual, revealed

# --------------------------------------------------------------------------- revealed weights


def test_margin_lp_puts_all_weight_on_the_deciding_indicator():
    X, y = one_decides()
    fit = revealed.fit_margin_weights(X, y, nu=0.001)  # below any single row share: hard margin
    np.testing.assert_allclose(fit.weights, [1, 0, 0, 0], atol=1e-9)
    # hard margin: half the gap between the classes on column 0
    gap = X[y == 1, 0].min() - X[y == 0, 0].max()
    assert fit.info["margin"] == pytest.approx(gap / 2, abs=1e-9)
    assert fit.info["margin_error_share"] == 0


def test_margin_lp_default_nu_also_finds_the_deciding_indicator():
    X, y = one_decides()
    fit = revealed.fit_margin_weights(X, y)
    assert fit.weights[0] == pytest.approx(1.0, abs=1e-9)


def test_logistic_puts_nearly_all_weight_on_the_deciding_indicator():
    X, y = one_decides()
    fit = revealed.fit_logistic_weights(X, y, C=10.0)
    assert fit.weights[0] > 0.9
    assert fit.weights.sum() == pytest.approx(1.0)


def test_logistic_with_constant_noise_gives_exactly_zero_weight():
    # the intercept optimality condition makes the gradient of a constant column zero
    X, y = one_decides()
    X[:, 1:] = 0.5
    fit = revealed.fit_logistic_weights(X, y)
    np.testing.assert_allclose(fit.weights, [1, 0, 0, 0], atol=1e-6)


def test_logistic_matches_scikit_learn_when_bounds_do_not_bind():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(300, 3))
    y = (X @ [1.0, 0.5, 0.3] + rng.normal(size=300) > 0.8).astype(int)
    C = 0.7
    ref = LogisticRegression(C=C, class_weight="balanced", tol=1e-12, max_iter=10000).fit(X, y)
    assert (ref.coef_ > 0).all()
    fit = revealed.fit_logistic_weights(X, y, C=C)
    np.testing.assert_allclose(fit.info["slopes"], ref.coef_[0], rtol=1e-4)
    assert fit.cutoffs[0] == pytest.approx(ref.intercept_[0], rel=1e-4)
    np.testing.assert_allclose(fit.weights, ref.coef_[0] / ref.coef_[0].sum(), rtol=1e-4)


def test_logistic_returns_nan_weights_when_nothing_separates():
    # every criterion is higher for the unselected: the best non-negative slope is zero
    X, y = one_decides()
    X = 1.0 - X
    fit = revealed.fit_logistic_weights(X[:, :1], y)
    assert np.isnan(fit.weights).all()


def test_per_group_cutoffs_let_groups_differ_in_level():
    # SYNTHETIC: same ranking rule, cohort 2 shifted upwards by 0.5 on every criterion
    X1, y1 = one_decides(seed=1)
    X2, y2 = one_decides(seed=2)
    X = np.vstack([X1, X2 * 0.5 + 0.5])
    y = np.r_[y1, y2]
    g = np.r_[np.zeros(len(y1)), np.ones(len(y2))]
    fit = revealed.fit_margin_weights(X, y, g, nu=0.05)
    assert fit.weights[0] == pytest.approx(1.0)
    assert fit.cutoffs[1.0] > fit.cutoffs[0.0]


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    method=st.sampled_from(sorted(revealed.REVEALED_METHODS)),
)
def test_every_method_honours_the_contract(seed, method):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(60, 3))
    y = (X @ rng.uniform(size=3) + 0.3 * rng.normal(size=60) > 0.9).astype(int)
    y[:2] = [0, 1]
    w = revealed.REVEALED_METHODS[method](X, y).weights
    assert w.shape == (3,)
    if not np.isnan(w).all():
        assert (w >= 0).all()
        assert w.sum() == pytest.approx(1.0)


def test_bootstrap_is_seeded_and_keeps_cells():
    X, y = one_decides(n=60, n_pos=6)
    a = revealed.bootstrap_weights(X, y, method="margin", n_boot=5, seed=7)
    b = revealed.bootstrap_weights(X, y, method="margin", n_boot=5, seed=7)
    np.testing.assert_array_equal(a, b)
    lo, hi = revealed.weight_intervals(a)
    assert lo[0] == pytest.approx(1.0) and hi[0] == pytest.approx(1.0)


def test_leave_one_group_out_on_a_shared_rule_scores_perfectly_out_of_sample():
    parts = [one_decides(n=80, n_pos=8, seed=s) for s in (1, 2, 3)]
    X = np.vstack([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    g = np.repeat([2017, 2018, 2019], 80)
    rows = revealed.leave_one_group_out(X, y, g, method="margin", nu=0.05)
    assert [r["group"] for r in rows] == [2017, 2018, 2019]
    for r in rows:
        assert r["auc_out"] == 1.0 and r["precision_at_k_out"] == 1.0
        assert r["auc_in"] == 1.0


def test_identification_flags_constant_collinear_and_wide():
    rng = np.random.default_rng(0)
    a = rng.uniform(size=50)
    X = np.column_stack([a, a * 2 + 0.01 * rng.normal(size=50), np.full(50, 0.3), rng.uniform(size=50)])
    notes = revealed.identification(X, ["a", "b", "c", "d"], [0, 0, 0, 0.05], [0.2, 0.3, 0.1, 0.95])
    assert "collinear with b" in notes[0] and "collinear with a" in notes[1]
    assert "constant" in notes[2]
    assert "spans most" in notes[3] and "collinear" not in notes[3]


def test_precision_at_k_and_auc_hand_worked():
    y = np.array([1, 0, 1, 0, 0])
    s = np.array([0.9, 0.8, 0.1, 0.5, 0.2])
    # top-2 = rows 0, 1 -> one hit
    assert revealed.precision_at_k(y, s) == 0.5
    # pairs (pos, neg): 0.9 beats all 3, 0.1 beats none -> 3/6
    assert revealed.auc_score(y, s) == 0.5


def test_input_errors():
    with pytest.raises(InputError):
        revealed.fit_margin_weights(np.ones((3, 2)), [0, 1, 2])
    with pytest.raises(ComputationError):
        revealed.fit_logistic_weights(np.ones((3, 2)), [1, 1, 1])
    with pytest.raises(InputError):
        revealed.fit_margin_weights(np.array([[np.nan, 1], [0, 1]]), [0, 1])


# --------------------------------------------------------------------------- agreement


def test_cohort_roles_handle_the_quirks():
    allc = [f"{i:04d}" for i in range(1, 10)]
    r17 = agreement.cohort_roles(cohort_table(), 2017, allc)
    assert r17.loc["0001", "role"] == "selected"
    assert r17.loc["0002", "role"] == "selected"  # not_awarded: on the MoU list
    assert r17.loc["0003", "role"] == "excluded"  # added_late
    r19 = agreement.cohort_roles(cohort_table(), 2019, allc)
    # a cancelled 2018 region stays in the pool and counts for 2019; a deferred one was chosen once
    assert r19.loc["0005", "role"] == "selected" and r19.loc["0005", "earlier"] == "2018:cancelled"
    assert r19.loc["0006", "role"] == "left_pool"
    r19b = agreement.cohort_roles(cohort_table(), 2019, allc, leave_statuses=["selected"])
    assert r19b.loc["0006", "role"] == "selected" and r19b.loc["0002", "role"] == "not_selected"
    for c in ("0001", "0002", "0003", "0004"):
        assert r19.loc[c, "role"] == "left_pool"
    assert r19.loc["0009", "role"] == "not_selected"
    done = agreement.cohort_roles(cohort_table(), 2018, allc, definition="completed")
    assert done.loc["0005", "role"] == "excluded" and done.loc["0004", "role"] == "selected"


def test_cohort_roles_reject_unknown_status():
    bad = cohort_table()
    bad.loc[0, "status"] = "moved"
    with pytest.raises(InputError, match="moved"):
        agreement.cohort_roles(bad, 2017, ["0001"])


def test_agreement_hand_worked():
    idx = pd.Index(["0001", "0002", "0003", "0004", "0005"], name="region_code")
    roles = pd.DataFrame({"role": ["selected", "not_selected", "selected", "not_selected",
                                   "left_pool"], "status": ""}, index=idx)
    score = pd.Series([0.9, 0.8, 0.1, 0.5, 0.99], index=idx)
    nominal = agreement.nominal_selection(score, pd.Series(True, index=idx),
                                          roles["role"] != "left_pool", k=2)
    assert list(nominal[nominal].index) == ["0001", "0002"]
    tab = agreement.agreement_table(roles, score, nominal)
    assert list(tab.index) == ["0001", "0002", "0003", "0004"]
    assert tab.loc["0003", "rank_in_pool"] == 4
    summ = agreement.agreement_summary(tab)
    assert summ["precision"] == 0.5 and summ["recall"] == 0.5
    assert summ["auc"] == 0.5 and summ["precision_at_k"] == 0.5
    assert summ["median_rank_actual"] == 2.5


def test_rank_extremes_lists_positions_without_verdicts():
    idx = pd.Index(["0001", "0002", "0003", "0004"], name="region_code")
    tab = pd.DataFrame({"actual": [True, False, True, False], "score": [0.9, 0.8, 0.1, 0.5],
                        "rank_in_pool": [1, 2, 4, 3], "eligible": True, "nominal": False},
                       index=idx)
    out = anomalies.rank_extremes(tab, pd.DataFrame({"x": [1, 2, 3, 4]}, index=idx), n=1)
    assert list(out["region_code"]) == ["0003", "0002"]
    assert list(out["x"]) == [3, 2]
    assert list(out["percentile"]) == [25.0, 75.0]


# --------------------------------------------------------------------------- counterfactual


def test_single_change_matches_the_closed_form_for_a_linear_score():
    W = np.array([0.5, 0.3, 0.2])
    n = np.array([0.2, 0.4, 0.9])
    target = 0.45
    d, ok = counterfactual.single_indicator_changes(n, lambda N: N @ W, target, 1.0, 1.0)
    gap = target - n @ W  # 0.45 - 0.32 = 0.13 -> 0.26, 0.433, 0.65 (> 0.1 available)
    assert ok.tolist() == [True, True, False]  # indicator 3 can rise by 0.1 only
    np.testing.assert_allclose(d[:2], [gap / 0.5, gap / 0.3], rtol=1e-12)
    assert np.isnan(d[2])
    # the returned change always reaches the target
    for j in range(2):
        m = n.copy()
        m[j] += d[j]
        assert m @ W >= target


def test_single_change_respects_plausible_bounds_and_already_selected():
    W = np.array([1.0, 1.0])
    d, ok = counterfactual.single_indicator_changes(np.array([0.1, 0.1]), lambda N: N @ W, 0.5,
                                                    1.0, [0.2, 0.5])
    assert ok.tolist() == [False, True] and d[1] == pytest.approx(0.3)
    d, ok = counterfactual.single_indicator_changes(np.array([0.4, 0.4]), lambda N: N @ W, 0.5,
                                                    1.0, 0.1)
    assert ok.all() and (d == 0).all()


def test_single_change_works_for_a_geometric_score():
    def geo(N):
        return np.sqrt(N[:, 0] * N[:, 1])

    d, ok = counterfactual.single_indicator_changes(np.array([0.25, 0.64]), geo, 0.6, 1.0, 1.0)
    # sqrt(x * 0.64) = 0.6 -> x = 0.5625; sqrt(0.25 * y) = 0.6 -> y = 1.44 > 1
    assert ok.tolist() == [True, False]
    assert d[0] == pytest.approx(0.5625 - 0.25, abs=1e-12)


def test_combined_change_fills_the_heaviest_weight_first():
    d, dist = counterfactual.combined_change(np.array([0.1, 0.1, 0.1]), np.array([0.5, 0.3, 0.2]),
                                             0.3, np.array([0.4, 0.4, 0.4]))
    # 0.4 on the first gives 0.2; the remaining 0.1 needs 1/3 on the second
    np.testing.assert_allclose(d, [0.4, 0.1 / 0.3, 0], atol=1e-9)
    assert dist == pytest.approx(0.4 + 0.1 / 0.3)
    d, dist = counterfactual.combined_change(np.zeros(2), np.array([0.5, 0.5]), 0.9,
                                             np.array([0.5, 0.5]))
    assert d is None and np.isnan(dist)


def test_linear_score_model_recovers_effective_weights():
    rng = np.random.default_rng(0)
    N = rng.uniform(size=(40, 3))
    m = counterfactual.linear_score_model(N, 100 * (N @ [0.5, 0.25, 0.25]))
    assert m.exact
    np.testing.assert_allclose(m.weights, [50, 25, 25], atol=1e-8)
    geo = counterfactual.linear_score_model(N, np.prod(N, axis=1) ** (1 / 3))
    assert not geo.exact


def test_to_raw_units_inverts_min_max_in_both_directions():
    raw = np.array([10.0, 20.0, 30.0, 50.0])
    up = (raw - 10) / 40
    assert counterfactual.to_raw_units(up, raw, 0.5) == pytest.approx(30.0)
    down = (50 - raw) / 40
    assert counterfactual.to_raw_units(down, raw, 0.75) == pytest.approx(20.0)
    assert np.isnan(counterfactual.to_raw_units(up, raw, 1.5))


def test_logistic_flags_a_slope_the_bound_holds_at_zero():
    # SYNTHETIC: column 1 is higher for the unselected, so its unconstrained slope is negative
    X, y = one_decides()
    X[:, 1] = np.where(y == 1, 0.2, 0.8) + 0.05 * np.random.default_rng(1).normal(size=len(y))
    fit = revealed.fit_logistic_weights(X, y)
    assert fit.weights[1] == 0
    assert fit.info["at_bound"][1] and not fit.info["at_bound"][0]


def test_margin_lp_reports_the_whole_optimal_face_for_duplicated_criteria():
    # SYNTHETIC: two identical deciding columns: any split of the weight between them is optimal
    X, y = one_decides(p=3)
    X[:, 1] = X[:, 0]
    fit = revealed.fit_margin_weights(X, y, nu=0.001, optimal_range=True)
    assert fit.weights[0] + fit.weights[1] == pytest.approx(1.0)
    np.testing.assert_allclose(fit.info["optimal_low"], [0, 0, 0], atol=1e-5)
    np.testing.assert_allclose(fit.info["optimal_high"], [1, 1, 0], atol=1e-5)


@settings(max_examples=40, deadline=None)
@given(
    w=st.lists(st.floats(0.05, 1.0), min_size=2, max_size=5),
    seed=st.integers(0, 1000),
    gap=st.floats(0.01, 0.5),
)
def test_combined_change_is_never_costlier_than_any_single_change(w, seed, gap):
    # property: a single-indicator change is a feasible combination, so the LP optimum is <= it
    W = np.asarray(w) / np.sum(w)
    n = np.random.default_rng(seed).uniform(0, 0.6, size=W.size)
    target = float(n @ W) + gap * 0.4
    d, ok = counterfactual.single_indicator_changes(n, lambda N: N @ W, target, 1.0, 1.0)
    delta, dist = counterfactual.combined_change(n, W, target - n @ W, 1.0 - n)
    if ok.any():
        assert delta is not None
        assert dist <= np.nanmin(d[ok]) + 1e-7
    if delta is not None:
        assert (n + delta) @ W >= target - 1e-7
        assert (delta >= -1e-12).all() and (delta <= 1.0 - n + 1e-9).all()


@settings(max_examples=20, deadline=None)
@given(scale=st.floats(0.01, 100.0), seed=st.integers(0, 50))
def test_margin_weights_do_not_depend_on_a_common_scale_of_the_criteria(scale, seed):
    # the LP with scaled X has the solution (w, c t, c rho, c xi): the same weights
    X, y = one_decides(n=60, n_pos=6, seed=seed)
    a = revealed.fit_margin_weights(X, y, nu=0.001).weights
    b = revealed.fit_margin_weights(X * scale, y, nu=0.001).weights
    np.testing.assert_allclose(a, b, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(n_pos=st.integers(1, 8), seed=st.integers(0, 1000))
def test_precision_equals_recall_when_the_nominal_cohort_has_the_actual_size(n_pos, seed):
    rng = np.random.default_rng(seed)
    idx = pd.Index([f"{i:04d}" for i in range(20)], name="region_code")
    role = np.array(["not_selected"] * 20, dtype=object)
    role[rng.choice(20, n_pos, replace=False)] = "selected"
    roles = pd.DataFrame({"role": role, "status": ""}, index=idx)
    score = pd.Series(rng.uniform(size=20), index=idx)
    nominal = agreement.nominal_selection(score, pd.Series(True, index=idx),
                                          pd.Series(True, index=idx), k=n_pos)
    summ = agreement.agreement_summary(agreement.agreement_table(roles, score, nominal))
    assert summ["precision"] == summ["recall"] == summ["precision_at_k"]
    assert 0 <= summ["auc"] <= 1
