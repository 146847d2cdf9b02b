"""Tests of the Sobol sensitivity wrapper around SALib (analytic known answers + selection contract)."""

from __future__ import annotations

import numpy as np
import pytest
from robustness_helpers import toy_problem

from smartcity_analysis.errors import ComputationError, InputError
from smartcity_analysis.robustness.plans import UncertaintySettings
from smartcity_analysis.robustness.sobol import salib_problem, selection_sobol, sobol_indices


def test_additive_linear_model_matches_analytic_indices():
    # Y = sum_i a_i X_i, X_i ~ U(0, 1) independent: S_i = S_Ti = a_i^2 / sum_j a_j^2
    # (var X_i = 1/12 cancels). Groups: {x0, x1} with a = (1, 1), {x2} with 2, {x3} with 0.5.
    a = np.array([1.0, 1.0, 2.0, 0.5])
    problem = salib_problem(["x0", "x1", "x2", "x3"], ["g1", "g1", "g2", "g3"])
    res = sobol_indices(problem, lambda X: {"y": X @ a}, n_base=1024, seed=3)
    total = (a**2).sum()
    expect = {"g1": (1 + 1) / total, "g2": 4 / total, "g3": 0.25 / total}
    t = res.table.set_index("factor")
    for g, s in expect.items():
        assert t.loc[g, "S1"] == pytest.approx(s, abs=max(0.03, t.loc[g, "S1_conf"]))
        assert t.loc[g, "ST"] == pytest.approx(s, abs=max(0.03, t.loc[g, "ST_conf"]))
        assert t.loc[g, "S1_conf"] > 0 and t.loc[g, "ST_conf"] > 0
    assert res.factors == ("g1", "g2", "g3")
    assert res.n_runs == 1024 * (3 + 2)


def test_interaction_model_total_exceeds_first_order():
    # Y = X0 * X1 on U(0,1)^2: V = 7/144, V1 = V2 = 1/48, so S1 = 3/7, ST = 4/7 each
    problem = salib_problem(["x0", "x1"], ["a", "b"])
    res = sobol_indices(problem, lambda X: {"y": X[:, 0] * X[:, 1]}, n_base=2048, seed=1)
    t = res.table.set_index("factor")
    assert t.loc["a", "S1"] == pytest.approx(3 / 7, abs=0.04)
    assert t.loc["a", "ST"] == pytest.approx(4 / 7, abs=0.04)


def test_small_sample_is_flagged():
    problem = salib_problem(["x0", "x1"], ["a", "b"])
    res = sobol_indices(problem, lambda X: {"y": X[:, 0]}, n_base=64, seed=0)
    assert not res.table["reliable"].any()
    assert "too uncertain to trust" in res.note


def test_constant_output_gives_nan_and_unreliable():
    problem = salib_problem(["x0", "x1"], ["a", "b"])
    res = sobol_indices(problem, lambda X: {"y": np.zeros(len(X))}, n_base=256, seed=0)
    assert res.table["S1"].isna().all() and not res.table["reliable"].any()


def test_bad_inputs():
    with pytest.raises(InputError, match="power of two"):
        sobol_indices(salib_problem(["a", "b"], ["a", "b"]), lambda X: {}, n_base=100)
    with pytest.raises(ComputationError, match="at least one uncertain factor"):
        salib_problem([], [])
    with pytest.raises(ComputationError, match="two factor groups"):
        salib_problem(["w0", "w1"], ["weights", "weights"])


def test_selection_sobol_irrelevant_factor_has_no_effect():
    # threshold range [0, 0.5] is below every raw value (toy values are in [1, 10]): it never changes
    # eligibility, so its indices must be ~0 while the weights explain the variance of the Jaccard
    p = toy_problem(n=20, k=5, threshold=0.0)
    s = UncertaintySettings(
        weights="dirichlet", concentration=5, weight_level="both", thresholds={"min_x0": (0.0, 0.5)}
    )
    res = selection_sobol(p, s, n_base=256, seed=0, num_resamples=50)
    t = res.table[res.table["output"] == "jaccard"].set_index("factor")
    assert set(t.index) == {"weights", "threshold:min_x0"}
    assert t.loc["threshold:min_x0", "ST"] == pytest.approx(0.0, abs=1e-9)
    assert t.loc["weights", "ST"] == pytest.approx(1.0, abs=0.05)
    # per-region outputs only for regions whose outcome varies
    region_outputs = set(res.table["output"]) - {"jaccard"}
    assert region_outputs and region_outputs <= set(p.region_codes)


def test_seed_zero_gives_identical_confidence_intervals():
    # SALib treats seed=0 as "no seed" in its bootstrap; the wrapper must stay reproducible for 0 too.
    a = np.array([1.0, 2.0])
    problem = salib_problem(["x0", "x1"], ["g0", "g1"])
    first = sobol_indices(problem, lambda X: {"y": X @ a}, n_base=64, seed=0).table
    second = sobol_indices(problem, lambda X: {"y": X @ a}, n_base=64, seed=0).table
    assert (
        first[["S1_conf", "ST_conf"]].to_numpy().tolist()
        == second[["S1_conf", "ST_conf"]].to_numpy().tolist()
    )
