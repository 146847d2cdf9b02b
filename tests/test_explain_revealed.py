"""Known-answer tests of the revealed-criteria search (synthetic fixtures, plus the real data for
the exported spec)."""

from __future__ import annotations

import numpy as np
import pytest
from revealed_fixtures import conditional_logit_choices, noise, one_decides

from smartcity_analysis.explanation import models as mdl
from smartcity_analysis.explanation.validation import (
    permuted_labels,
    stratified_counts,
    validate_families,
)

FITTED = ("sparse_logistic", "conditional_logit", "screen_rank", "baseline_single")


def test_registry_contract_every_family_gives_non_negative_slopes_per_label_vector():
    cs = one_decides()
    Y = permuted_labels(cs.y, cs.groups, 3, seed=0)
    for name, fit in mdl.MODEL_FAMILIES.items():
        out = fit(cs.X, cs.R, Y, cs.groups, population=cs.column("population"))
        assert out.slopes.shape == (3, cs.X.shape[1]), name
        assert (out.slopes >= 0).all(), name
        assert len(out.gates) == 3 and len(out.chosen) == 3, name
        s = out.scores(cs.X, cs.R)
        assert s.shape == (len(cs.y), 3)


@pytest.mark.parametrize("family", FITTED)
def test_one_indicator_decides_so_every_family_puts_all_weight_on_it(family):
    cs = one_decides()
    fit = mdl.MODEL_FAMILIES[family](cs.X, cs.R, cs.y, cs.groups, population=cs.column("population"))
    w = fit.weights()[0]
    assert w[0] == pytest.approx(1.0, abs=1e-6), (family, w)
    # and the held-out cohorts are then ranked perfectly
    v = validate_families(cs, [family], n_perm=0, n_boot=0, n_auc_boot=10, progress=False)
    assert (v.validation["auc_out"] == 1.0).all()
    assert (v.validation["precision_at_k_out"] == 1.0).all()


def test_population_baseline_is_population_alone():
    cs = one_decides()
    fit = mdl.fit_baseline_population(cs.X, cs.R, cs.y, cs.groups, population=3)
    np.testing.assert_array_equal(fit.weights()[0], [0, 0, 0, 1])


def test_conditional_likelihood_equals_statsmodels():
    from statsmodels.discrete.conditional_models import ConditionalLogit

    X, y, g = conditional_logit_choices([1.0, 0.5], n=60, k=6, pools=3)
    ref = ConditionalLogit(y, X, groups=g).fit(disp=0)
    for beta in (ref.params, np.array([0.3, -0.2])):
        ll = mdl.conditional_log_likelihood((X @ beta)[:, None], y[:, None].astype(float), g)[0]
        assert ll[0] == pytest.approx(ConditionalLogit(y, X, groups=g).loglike(beta), rel=1e-10)
    # the family's estimate (all terms kept, no ridge) is statsmodels' maximum likelihood
    fit = mdl.fit_conditional_logit(X, X, y, g, lambdas=(1e-8,), ridge=0.0)
    np.testing.assert_allclose(fit.slopes[0], ref.params, atol=2e-3)


def test_conditional_logit_recovers_known_coefficients_on_simulated_k_of_n_choices():
    beta = np.array([1.0, 0.5, 0.0])
    X, y, g = conditional_logit_choices(beta, n=300, k=30, pools=4, seed=5)
    fit = mdl.fit_conditional_logit(X, X, y, g, lambdas=(1e-8,), ridge=0.0)
    # 120 choices: standard errors about 0.1
    np.testing.assert_allclose(fit.slopes[0], beta, atol=0.25)
    assert fit.slopes[0, 0] > fit.slopes[0, 1] > fit.slopes[0, 2]


def test_inclusion_probabilities_sum_to_k_and_follow_the_score():
    v = np.linspace(-2, 2, 50)
    p = mdl.inclusion_probabilities(v, 7)
    assert p.sum() == pytest.approx(7)
    assert (np.diff(p) > 0).all()
    np.testing.assert_allclose(mdl.inclusion_probabilities(np.zeros(10), 3), 0.3)


def test_weighted_auc_equals_scikit_learn_and_handles_ties():
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 200)
    s = np.round(rng.normal(size=200), 1)  # many ties
    assert mdl.auc_columns(s, y[:, None])[0] == pytest.approx(roc_auc_score(y, s))
    # a multiplicity of 2 equals the row written twice
    w = np.ones(200)
    w[:10] = 2
    dup = np.r_[np.arange(200), np.arange(10)]
    assert mdl.auc_columns(s, y[:, None], w[:, None])[0] == pytest.approx(
        roc_auc_score(y[dup], s[dup]))


def test_on_pure_noise_the_permutation_p_value_is_large_and_auc_near_half():
    cs = noise()
    v = validate_families(cs, ["sparse_logistic", "baseline_single"], n_perm=60, n_boot=0,
                          n_auc_boot=100, progress=False)
    comp = v.comparison.set_index("method")
    for fam in ("sparse_logistic", "baseline_single"):
        assert abs(comp.loc[fam, "mean_auc_out"] - 0.5) < 0.1
        assert comp.loc[fam, "p_value_mean_auc"] > 0.1
    assert v.validation["p_value_out"].between(0, 1).all()


def test_information_from_the_held_out_cohort_cannot_change_its_fold():
    cs = one_decides(seed=3)
    held = 2019
    m = cs.groups == held
    rng = np.random.default_rng(9)
    X2, y2 = cs.X.copy(), cs.y.copy()
    X2[m] = rng.normal(size=X2[m].shape) * 5
    y2[m] = rng.permutation(y2[m])
    cs2 = type(cs)(**{**cs.__dict__, "X": X2, "R": X2.copy(), "y": y2})
    fams = list(mdl.MODEL_FAMILIES)
    a = validate_families(cs, fams, n_perm=5, n_boot=0, n_auc_boot=10, progress=False)
    b = validate_families(cs2, fams, n_perm=5, n_boot=0, n_auc_boot=10, progress=False)
    for f in fams:
        fa, fb = a.results[f].folds[held], b.results[f].folds[held]
        np.testing.assert_array_equal(fa.slopes, fb.slopes)
        assert fa.gates == fb.gates and fa.chosen == fb.chosen
        # the held-out rows' scores follow from the unchanged fit applied to the changed rows
        np.testing.assert_allclose(b.results[f].oos_score[m], fb.scores(X2[m], X2[m])[:, 0])
        # the other folds did see the change (it is training data there)
    assert not np.array_equal(a.results["sparse_logistic"].final.slopes,
                              b.results["sparse_logistic"].final.slopes)


def test_permutations_keep_each_pool_and_its_size():
    cs = one_decides()
    Y = permuted_labels(cs.y, cs.groups, 20, seed=1)
    for g in np.unique(cs.groups):
        np.testing.assert_array_equal(Y[cs.groups == g].sum(axis=0), cs.y[cs.groups == g].sum())
    W = stratified_counts(cs.y, cs.groups, 20, seed=1)
    for g in np.unique(cs.groups):
        for c in (0, 1):
            m = (cs.groups == g) & (cs.y == c)
            np.testing.assert_array_equal(W[m].sum(axis=0), m.sum())


def test_screen_gate_keeps_the_declared_share_of_selections():
    cs = one_decides(seed=4)
    fit = mdl.fit_screen_rank(cs.X, cs.R, cs.y, cs.groups, min_recall=0.9)
    passes = fit.passes(cs.R)[:, 0]
    for g in np.unique(cs.groups):
        m = (cs.groups == g) & (cs.y == 1)
        assert passes[m].mean() >= 0.9
    assert fit.gates[0] and fit.gates[0][0].column == 0


def test_validation_tables_have_the_documented_columns():
    cs = one_decides()
    v = validate_families(cs, list(mdl.MODEL_FAMILIES), n_perm=10, n_boot=5, n_auc_boot=20,
                          progress=False)
    need = {"method", "cohort_year", "auc_in", "auc_out", "precision_at_k_in",
            "precision_at_k_out", "brier_out", "p_value_out"}
    assert need <= set(v.validation.columns)
    assert set(v.validation["method"]) == set(mdl.MODEL_FAMILIES)
    assert len(v.validation) == 3 * len(mdl.MODEL_FAMILIES)
    assert v.chosen in mdl.MODEL_FAMILIES and v.summary["why"]
    cal = v.calibration
    assert (cal.groupby("method")["n"].sum() == len(cs.y)).all()


@pytest.fixture(scope="module")
def explained_world():
    from explain_fixtures import world, world_spec

    from smartcity_analysis.explanation import run_explanation
    from smartcity_analysis.spec import load_spec

    regions, frames, cohorts = world()
    return run_explanation(load_spec(world_spec()), indicators=frames, regions=regions,
                           cohorts=cohorts, n_boot=0, verify=False, n_perm=5, n_stability=3,
                           progress=False)


def test_summary_names_the_chosen_model_and_why(explained_world):
    s = explained_world.summary
    assert s["chosen_model"]["family"] in s["revealed"]["families"]
    assert "out-of-sample AUC" in s["chosen_model"]["why"]
    # the synthetic world has no population: that baseline is skipped and the summary says so
    assert "baseline_population" not in s["revealed"]["families"]
    assert any("population" in n for n in s["revealed"]["notes"])


def test_report_views_of_the_revealed_search(explained_world):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from smartcity_analysis.explanation.criteria_search import (
        model_comparison,
        region_revealed,
        revealed_weights,
    )
    from smartcity_analysis.plots.revealed import precision_at_k_curves, roc_curves

    res = explained_world
    fams = res.summary["revealed"]["families"]
    mc = model_comparison(res)
    assert set(mc["method"]) == {"spec", *fams}
    assert len(mc) == 3 * (len(fams) + 1) and mc["chosen"].sum() == 3
    code = res.tables["revealed_scores"]["region_code"].iloc[0]
    place = region_revealed(res, code)
    assert {"rank_in", "rank_out", "p_selected_out", "passes_gates"} <= set(place.columns)
    assert (place["rank_in"] >= 1).all() and (place["rank_in"] <= place["n_pool"]).all()
    w = revealed_weights(res)
    assert w["weight"].sum() == pytest.approx(1.0)
    fig, axes = plt.subplots(1, 2)
    assert roc_curves(res, 2018, ax=axes[0]) is axes[0]
    assert precision_at_k_curves(res, 2018, ax=axes[1]) is axes[1]
    plt.close(fig)
