"""Robustness on the real curated data with the shipped Kominfo pre-screen spec.

The vectorised kernel must reproduce the engine's orchestrator draw by draw (same plan -> identical
selections, eligibility and positions), including the spec's quota (minimum share outside Java).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from smartcity_analysis.paths import specs_dir
from smartcity_analysis.robustness.from_spec import problem_from_spec
from smartcity_analysis.robustness.kernel import apply_noise, evaluate_plan, normalise_groups
from smartcity_analysis.robustness.plans import draw_plan, nominal_plan
from smartcity_analysis.robustness.reference import evaluate_plan_reference
from smartcity_analysis.robustness.run import summarise

SPEC = specs_dir() / "kominfo_prescreen.yml"


@pytest.fixture(scope="module")
def prepared_2018():
    return problem_from_spec(SPEC, 2018)


@pytest.mark.slow
def test_nominal_plan_reproduces_engine_selection(prepared_2018):
    problem, _, ctx = prepared_2018
    nom = evaluate_plan(problem, nominal_plan(problem))
    engine = set(ctx.nominal.loc[ctx.nominal["selected"], "region_code"])
    kernel = {c for c, s in zip(problem.region_codes, nom.selected[0], strict=True) if s}
    assert kernel == engine
    assert len(kernel) == problem.k == 50


@pytest.mark.slow
def test_vectorised_equals_reference_loop(prepared_2018):
    problem, settings, ctx = prepared_2018
    no_noise = dataclasses.replace(settings, noise=0.0)
    plan = draw_plan(problem, no_noise, 24, seed=20170501)
    # the plan exercises every declared factor but noise (next test)
    assert len(set(plan.imputer)) > 1 and len(set(plan.normaliser)) > 1
    assert (
        len(set(plan.agg_across)) > 1 and (plan.left_out >= 0).any() and (plan.left_out < 0).any()
    )
    fast = evaluate_plan(problem, plan, chunk_size=7)
    slow = evaluate_plan_reference(problem, ctx, plan)
    np.testing.assert_array_equal(fast.selected, slow.selected)
    np.testing.assert_array_equal(fast.eligible, slow.eligible)
    np.testing.assert_array_equal(fast.rank, slow.rank)


@pytest.mark.slow
def test_vectorised_equals_reference_with_value_noise(prepared_2018):
    # noisy draws re-enter the engine below the orchestrator (its own step functions)
    problem, settings, ctx = prepared_2018
    assert settings.noise > 0
    plan = draw_plan(problem, settings, 12, seed=5)
    assert (plan.noise_seed >= 0).all()
    fast = evaluate_plan(problem, plan, chunk_size=5)
    slow = evaluate_plan_reference(problem, ctx, plan)
    np.testing.assert_array_equal(fast.selected, slow.selected)
    np.testing.assert_array_equal(fast.eligible, slow.eligible)
    np.testing.assert_array_equal(fast.rank, slow.rank)
    # the noise really moves the selection away from the noise-free draws
    quiet = evaluate_plan(problem, dataclasses.replace(plan, noise=0.0))
    assert not np.array_equal(quiet.rank, fast.rank)


@pytest.mark.slow
def test_noise_machinery_reproduces_engine_normalisation(prepared_2018):
    problem, _, _ = prepared_2018
    ones = np.ones(problem.treated.shape[-2:])
    for i in range(len(problem.imputers)):
        base = apply_noise(problem.treated[i, 0], ones, problem.transforms)
        for j, groups in enumerate(problem.normaliser_groups):
            got = normalise_groups(base, groups, problem.directions)
            np.testing.assert_allclose(got, problem.normalised[i, j, 0], rtol=1e-12, atol=1e-12)


@pytest.mark.slow
def test_monte_carlo_contracts_on_real_data(prepared_2018):
    problem, settings, _ = prepared_2018
    plan = draw_plan(problem, settings, 400, seed=7)
    a = evaluate_plan(problem, plan)
    b = evaluate_plan(problem, draw_plan(problem, settings, 400, seed=7), chunk_size=64)
    np.testing.assert_array_equal(a.selected, b.selected)
    n_sel = a.selected.sum(axis=1)
    assert (n_sel == problem.k).all()
    table, summary = summarise(problem, a, evaluate_plan(problem, nominal_plan(problem)))
    assert table["p_selected"].sum() == pytest.approx(problem.k)
    assert table["p_selected"].between(0, 1).all()
    # regions outside the pool (actual 2017 cohort) are never selected
    out_of_pool = ~problem.eligible_fixed.any(axis=0)
    assert out_of_pool.sum() >= 25
    assert (table["p_selected"].to_numpy()[out_of_pool] == 0).all()
    assert summary["n_robustly_in"] + summary["n_contestable"] + summary["n_robustly_out"] == 514


@pytest.mark.slow
def test_possible_necessary_agree_with_weight_only_monte_carlo():
    # the shipped spec without its quota (the LP does not model quotas) and weights as the only
    # uncertainty, at the pillar level where the LP is exact
    from smartcity_analysis.robustness.plans import UncertaintySettings
    from smartcity_analysis.robustness.possible import possible_necessary, weight_bounds
    from smartcity_analysis.spec import QuotaSpec, load_spec

    spec = dataclasses.replace(load_spec(SPEC), quotas=QuotaSpec())
    weights_only = UncertaintySettings(weights="bounds", bound=0.5, weight_level="pillars")
    problem, _, ctx = problem_from_spec(spec, 2017, settings=weights_only)
    out = evaluate_plan(problem, draw_plan(problem, weights_only, 3000, seed=3))
    p_sel = out.selected.mean(axis=0)
    nom = evaluate_plan(problem, nominal_plan(problem))
    table = ctx.nominal.set_index("region_code").reindex(list(problem.region_codes))
    values = table[[f"pillar_{p}" for p in problem.pillars]].to_numpy(float)
    lower, upper = weight_bounds(problem.pillar_weights, "bounds", 0.5)
    res = possible_necessary(
        values, lower, upper, nom.eligible[0], problem.k, tie_order=problem.tie_order[0]
    ).table
    necessary, possible = res["necessary"].to_numpy(), res["possible"].to_numpy()
    assert necessary.any() and (~possible).any() and (possible & ~necessary).any()
    assert (p_sel[necessary] == 1.0).all()
    assert (p_sel[~possible] == 0.0).all()


@pytest.mark.slow
def test_fixed_rule_failures_are_never_selected_on_real_data():
    # the spec's completeness rule with its threshold held fixed (no 'thresholds' entry): every region
    # that fails it nominally must have P(selected) = 0 whatever else varies
    from smartcity_analysis.robustness.from_spec import settings_from_spec
    from smartcity_analysis.robustness.plans import UncertaintySettings
    from smartcity_analysis.spec import load_spec

    spec = load_spec(SPEC)
    declared = settings_from_spec(spec, 4)
    fixed = UncertaintySettings(**{**declared.as_dict(), "thresholds": {}})
    problem, _, ctx = problem_from_spec(spec, 2019, settings=fixed)
    assert problem.threshold_rules == ()
    out = evaluate_plan(problem, draw_plan(problem, fixed, 300, seed=9))
    failing = (
        ctx.nominal.set_index("region_code")
        .reindex(list(problem.region_codes))["fail_reasons"]
        .str.contains("DATA_INCOMPLETE")
        .to_numpy()
    )
    # leaving an indicator out re-evaluates completeness on the remaining ones (as the engine does), so
    # the exact statement is about regions that fail in every leave-out variant
    in_pool = ctx.nominal.set_index("region_code").reindex(list(problem.region_codes))["in_pool"]
    always_failing = failing & ~problem.eligible_fixed.any(axis=0) & in_pool.to_numpy(bool)
    assert always_failing.any()
    assert (out.selected[:, always_failing] == 0).all()
    assert (out.eligible[:, always_failing] == 0).all()
    assert (out.selected.sum(axis=1) == problem.k).all()
