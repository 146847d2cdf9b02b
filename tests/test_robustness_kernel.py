"""Tests of the vectorised robustness kernel on tiny synthetic problems (no real data needed)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robustness_helpers import toy_problem

from smartcity_analysis.errors import InputError
from smartcity_analysis.robustness.kernel import (
    QuotaArrays,
    evaluate_plan,
    jaccard_to,
    select_top_k,
)
from smartcity_analysis.robustness.plans import (
    UncertaintySettings,
    draw_plan,
    factor_layout,
    nominal_plan,
)
from smartcity_analysis.robustness.run import classify, summarise

FULL = UncertaintySettings(
    weights="dirichlet",
    concentration=20,
    weight_level="both",
    thresholds={"min_x0": (2.0, 5.0)},
    noise=0.05,
    leave_one_out=0.3,
    methods=True,
)


def _full_problem(**kw):
    base = dict(
        n=30,
        threshold=3.0,
        normalisers=("minmax", "zscore"),
        aggregators_within=("arithmetic", "geometric"),
        aggregators_across=("arithmetic", "harmonic"),
        treated=True,
        loo=True,
    )
    base.update(kw)
    return toy_problem(**base)


NO_NOISE = UncertaintySettings(
    weights="bounds",
    bound=0.3,
    weight_level="both",
    thresholds={"min_x0": (2.0, 5.0)},
    methods=True,
)


def test_method_alternatives_without_noise():
    p = toy_problem(
        n=30,
        threshold=3.0,
        normalisers=("minmax", "zscore"),
        aggregators_within=("arithmetic", "geometric"),
        aggregators_across=("arithmetic", "harmonic"),
    )
    plan = draw_plan(p, NO_NOISE, 400, 2)
    assert set(plan.agg_within) == {0, 1} and set(plan.agg_across) == {0, 1}
    out = evaluate_plan(p, plan, chunk_size=50)
    n_admissible = np.minimum(out.eligible.sum(axis=1), p.k)
    assert (out.selected.sum(axis=1) == n_admissible).all()
    # every draw equals a one-draw evaluation of that draw (no state leaks between rows of a chunk)
    for r in (0, 17, 399):
        one = evaluate_plan(p, plan.take([r]))
        np.testing.assert_array_equal(one.selected[0], out.selected[r])


# --- selection on arrays ---------------------------------------------------------------------------


def test_select_top_k_hand_worked_with_ties_and_caps():
    scores = np.array([[5.0, 9.0, 9.0, 1.0, np.nan, 7.0]])
    eligible = np.array([[True, True, True, True, True, False]])
    sel, rank = select_top_k(scores, eligible, 2, tie_order=np.array([0, 2, 1, 3, 4, 5]))
    # tie 9 vs 9: region 2 has the better tie order; region 5 is ineligible, region 4 has no score
    assert rank.tolist() == [[3, 2, 1, 4, 0, 0]]
    assert sel.tolist() == [[False, True, True, False, False, False]]
    # regions 1 and 2 share a province capped at 1: the next best (region 0) takes the second seat
    cap = _quotas(province=[0, 1, 1, 2, 2, 2], cap=1)
    sel, _ = select_top_k(scores, eligible, 2, np.array([0, 2, 1, 3, 4, 5]), cap)
    assert sel.tolist() == [[True, False, True, False, False, False]]
    # at least one region outside Java (only region 3): region 1 would leave no seat for it, so the
    # greedy walk skips 1 and takes 3 even though it ranks last
    mq = _quotas(outside=[False, False, False, True, False, False], min_outside=1)
    sel, _ = select_top_k(scores, eligible, 2, np.array([0, 2, 1, 3, 4, 5]), mq)
    assert sel.tolist() == [[False, False, True, True, False, False]]


def test_select_top_k_breaks_ties_with_per_draw_keys_then_tie_order():
    # three regions tied at 0 (a geometric index with a zero component); the key (lower wins, NaN
    # last) differs between the two draws, as a pillar score of the draw does; a tie of the key goes
    # to tie_order (the region code)
    scores = np.array([[0.0, 3.0, 0.0, 0.0], [0.0, 3.0, 0.0, 0.0]])
    eligible = np.ones((2, 4), dtype=bool)
    key = np.array([[-2.0, -9.0, -5.0, -5.0], [np.nan, -9.0, -1.0, -4.0]])
    _, rank = select_top_k(scores, eligible, 2, np.arange(4), tie_keys=[key])
    assert rank.tolist() == [[4, 1, 2, 3], [4, 1, 3, 2]]
    _, plain = select_top_k(scores, eligible, 2, np.arange(4))
    assert plain.tolist() == [[2, 1, 3, 4], [2, 1, 3, 4]]


def _quotas(n=6, province=None, cap=None, outside=None, min_outside=0, types=None, tmin=0, tmax=99):
    return QuotaArrays(
        province=np.zeros(n, dtype=np.int64) if province is None else np.asarray(province),
        type_labels=np.zeros(n, dtype=np.int64) if types is None else np.asarray(types),
        type_min=np.array([0, tmin]) if types is not None else np.zeros(1, dtype=np.int64),
        type_max=np.array([99, tmax]) if types is not None else np.full(1, 99),
        outside=np.zeros(n, dtype=bool) if outside is None else np.asarray(outside),
        min_outside=min_outside,
        max_per_province=cap,
    )


def _greedy(scores, eligible, k, tie, labels, cap):
    order = sorted(
        [i for i in range(len(scores)) if eligible[i] and not np.isnan(scores[i])],
        key=lambda i: (-scores[i], tie[i]),
    )
    taken, count = [], {}
    for i in order:
        if len(taken) == k:
            break
        if count.get(labels[i], 0) >= cap:
            continue
        taken.append(i)
        count[labels[i]] = count.get(labels[i], 0) + 1
    return sorted(taken)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(3, 14),
    st.integers(1, 6),
    st.integers(1, 3),
    st.integers(0, 10_000),
)
def test_select_top_k_matches_greedy_loop(n, k, cap, seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 5, size=(3, n)).astype(float)  # many ties on purpose
    eligible = rng.random((3, n)) < 0.8
    tie = rng.permutation(n)
    labels = rng.integers(0, 3, size=n)
    sel, _ = select_top_k(scores, eligible, k, tie, _quotas(n, province=labels, cap=cap))
    for r in range(3):
        expect = _greedy(scores[r], eligible[r], k, tie, labels, cap)
        assert np.flatnonzero(sel[r]).tolist() == expect
        assert sel[r].sum() <= k


# --- Monte Carlo contracts ----------------------------------------------------------------------


def test_same_seed_same_outputs_and_chunk_invariance():
    p = _full_problem()
    a = evaluate_plan(p, draw_plan(p, FULL, 300, 7), chunk_size=64)
    b = evaluate_plan(p, draw_plan(p, FULL, 300, 7), chunk_size=1000)
    np.testing.assert_array_equal(a.selected, b.selected)
    np.testing.assert_array_equal(a.rank, b.rank)
    np.testing.assert_array_equal(a.eligible, b.eligible)
    c = evaluate_plan(p, draw_plan(p, FULL, 300, 8))
    assert not np.array_equal(a.selected, c.selected)


def test_exactly_k_selected_and_probabilities_sum_to_k():
    p = _full_problem(threshold=None)
    out = evaluate_plan(p, draw_plan(p, FULL, 400, 1))
    assert (out.selected.sum(axis=1) == p.k).all()
    table, summary = summarise(p, out, evaluate_plan(p, nominal_plan(p)))
    assert table["p_selected"].sum() == pytest.approx(p.k)
    assert table["p_selected"].between(0, 1).all()
    assert table["p_eligible"].between(0, 1).all()
    assert summary["min_selected"] == summary["max_selected"] == p.k
    assert 0 <= summary["mean_jaccard"] <= 1
    assert len(summary["expected_selected"]) == p.k


def test_fixed_rule_failure_means_never_selected():
    p = _full_problem(fixed_fail=(2, 5))
    out = evaluate_plan(p, draw_plan(p, FULL, 300, 3))
    table, _ = summarise(p, out, evaluate_plan(p, nominal_plan(p)))
    assert table["p_selected"].iloc[[2, 5]].tolist() == [0.0, 0.0]
    assert table["p_eligible"].iloc[[2, 5]].tolist() == [0.0, 0.0]
    assert table["robustness_class"].iloc[2] == "robustly_out"


def test_threshold_range_bounds_eligibility():
    p = _full_problem()
    raw = p.threshold_rules[0].values[0]
    out = evaluate_plan(p, draw_plan(p, FULL, 500, 4))
    p_elig = out.eligible.mean(axis=0)
    assert (p_elig[raw >= 5.0] == 1.0).all()  # passes every threshold in [2, 5]
    assert (p_elig[raw < 2.0] == 0.0).all()
    mid = (raw > 2.5) & (raw < 4.5)
    assert mid.any() and ((p_elig[mid] > 0) & (p_elig[mid] < 1)).all()


def test_nominal_plan_uses_nominal_weights_and_first_methods():
    p = _full_problem()
    plan = nominal_plan(p)
    np.testing.assert_allclose(plan.pillar_weights, [[0.5, 0.5]])
    np.testing.assert_allclose(plan.within_weights, [[0.5, 0.5, 0.5, 0.5]])
    assert plan.normaliser.tolist() == [0] and plan.agg_across.tolist() == [0]
    assert plan.left_out.tolist() == [-1] and plan.noise_seed.tolist() == [-1]
    assert plan.thresholds.tolist() == [[3.0]]


def test_dirichlet_weights_centre_on_nominal():
    p = toy_problem(pillars=2)
    p = toy_problem(pillars=2, pillar_weights=[3.0, 1.0])
    s = UncertaintySettings(weights="dirichlet", concentration=30, weight_level="pillars")
    plan = draw_plan(p, s, 4000, 0)
    w = plan.pillar_weights
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    # Dirichlet(30 * [0.75, 0.25]): mean 0.75, sd sqrt(0.75 * 0.25 / 31) = 0.078
    assert w[:, 0].mean() == pytest.approx(0.75, abs=0.01)
    assert w[:, 0].std() == pytest.approx(np.sqrt(0.75 * 0.25 / 31), rel=0.08)


def test_bounds_weights_stay_within_relative_bounds():
    p = toy_problem(pillars=2)
    s = UncertaintySettings(weights="bounds", bound=0.2, weight_level="pillars")
    w = draw_plan(p, s, 1000, 0).pillar_weights
    # raw w0 (1 +- 0.2) for w0 = 0.5 each, renormalised: share in [0.4 / 1.0, 0.6 / 1.0]
    assert w.min() >= 0.4 - 1e-12 and w.max() <= 0.6 + 1e-12


def test_leave_one_out_zeroes_the_dropped_indicator():
    p = toy_problem(m=4, pillars=2, loo=True)
    s = UncertaintySettings(leave_one_out=1.0)
    plan = draw_plan(p, s, 200, 0)
    assert (plan.left_out >= 0).all()
    rows = np.arange(200)
    assert (plan.within_weights[rows, plan.left_out] == 0).all()
    # the other indicator of the dropped one's pillar carries that whole pillar
    partner = (plan.left_out + 2) % 4
    assert (plan.within_weights[rows, partner] == 1.0).all()
    np.testing.assert_allclose(plan.pillar_weights, 0.5)
    assert set(np.unique(plan.left_out)) == {0, 1, 2, 3}


def test_classify_and_jaccard():
    assert classify([1.0, 0.95, 0.5, 0.05, 0.0]).tolist() == [
        "robustly_in",
        "robustly_in",
        "contestable",
        "robustly_out",
        "robustly_out",
    ]
    sel = np.array([[True, True, False, False], [False, False, True, True]])
    assert jaccard_to(sel, np.array([True, False, True, False])).tolist() == [1 / 3, 1 / 3]
    assert jaccard_to(sel[:1], np.array([True, True, False, False])).tolist() == [1.0]


def test_layout_and_bad_settings():
    p = _full_problem()
    names = [f.name for f in factor_layout(p, FULL)]
    assert names == [
        "pillar_weights",
        "indicator_weights",
        "normalisation",
        "aggregation_pillars",
        "aggregation_index",
        "threshold:min_x0",
        "noise",
        "leave_one_out",
    ]
    with pytest.raises(InputError, match="weights must be"):
        UncertaintySettings(weights="flat")
    with pytest.raises(InputError, match="draws"):
        draw_plan(p, FULL, 0, 1)


@settings(max_examples=60, deadline=None)
@given(
    st.integers(4, 16),
    st.integers(1, 6),
    st.integers(0, 10_000),
    st.sampled_from([None, 1, 2]),
    st.sampled_from([None, 0.3, 0.6]),
    st.sampled_from([(None, None), (0.3, None), (None, 0.5), (0.2, 0.8)]),
)
def test_select_top_k_matches_engine_select_cohort(n, k, seed, cap, outside_share, kota_mix):
    # the vectorised greedy walk must make the engine's choices, quotas included
    import pandas as pd

    from smartcity_analysis.engine.selection import select_cohort, selection_order
    from smartcity_analysis.spec import QuotaSpec, TypeMix

    rng = np.random.default_rng(seed)
    codes = [f"{9000 + i:04d}" for i in range(n)]
    regions = pd.DataFrame(
        {
            "province_code": rng.choice(["91", "92", "93"], size=n),
            "type": rng.choice(["kota", "kabupaten"], size=n),
            "island_group": rng.choice(["Jawa", "Sumatera", "Papua"], size=n),
        },
        index=pd.Index(codes, name="region_code"),
    )
    mix = () if kota_mix == (None, None) else (TypeMix("kota", *kota_mix),)
    quotas = QuotaSpec(max_per_province=cap, min_share_outside_java=outside_share, type_mix=mix)
    scores = rng.integers(0, 6, size=(2, n)).astype(float)
    eligible = rng.random((2, n)) < 0.85
    types = ["kabupaten", "kota"]
    q = None
    if quotas.active:
        tmin, tmax = np.zeros(2, dtype=np.int64), np.full(2, n + k + 1)
        for tm in mix:
            if tm.min_share is not None:
                tmin[1] = int(np.ceil(tm.min_share * k - 1e-9))
            if tm.max_share is not None:
                tmax[1] = int(np.floor(tm.max_share * k + 1e-9))
        q = QuotaArrays(
            province=pd.factorize(regions["province_code"])[0],
            type_labels=np.array([types.index(t) for t in regions["type"]]),
            type_min=tmin,
            type_max=tmax,
            outside=(regions["island_group"] != "Jawa").to_numpy(),
            min_outside=int(np.ceil(outside_share * k - 1e-9)) if outside_share else 0,
            max_per_province=cap,
        )
    tie = np.arange(n)  # region_code ascending, the engine's last key
    sel, rank = select_top_k(scores, eligible, k, tie, q)
    for r in range(2):
        s = pd.Series(scores[r], index=codes)
        cand = [c for c, e in zip(codes, eligible[r], strict=True) if e]
        order = selection_order(s, cand)
        expect = select_cohort(order, k, regions=regions, quotas=quotas)
        got = [codes[i] for i in np.flatnonzero(sel[r])]
        assert sorted(got) == sorted(expect)
        assert [codes[i] for i in np.argsort(np.where(rank[r] > 0, rank[r], n + 1))][
            : len(order)
        ] == order


def test_uniform_weights_are_uniform_on_the_simplex():
    # Dirichlet(1, 1, 1): each weight is Beta(1, 2), so P(w < 1/2) = 1 - (1/2)^2 = 3/4 and the mean
    # is 1/3 whatever the nominal weights; renormalised uniform draws ("bounds") are not
    p = toy_problem(n=8, m=3, pillars=3, pillar_weights=np.array([0.6, 0.3, 0.1]))
    s = UncertaintySettings(weights="uniform", weight_level="pillars")
    w = draw_plan(p, s, 20_000, 3).pillar_weights
    np.testing.assert_allclose(w.sum(axis=1), 1.0)
    np.testing.assert_allclose(w.mean(axis=0), 1 / 3, atol=0.01)
    np.testing.assert_allclose((w < 0.5).mean(axis=0), 0.75, atol=0.01)
