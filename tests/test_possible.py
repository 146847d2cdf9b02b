"""Tests of possible/necessary selection by mixed-integer LP (HiGHS), against brute force and the
Monte Carlo (synthetic toy data only)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from robustness_helpers import toy_problem

from smartcity_analysis.engine.aggregation import arithmetic
from smartcity_analysis.errors import InputError
from smartcity_analysis.robustness.kernel import evaluate_plan, select_top_k
from smartcity_analysis.robustness.plans import UncertaintySettings, draw_plan
from smartcity_analysis.robustness.possible import possible_necessary, weight_bounds


def test_hand_worked_two_criteria():
    # scores w1 a + w2 b, weights each in [0.25, 0.75] (w1 + w2 = 1 after scaling), k = 1
    values = np.array([[10.0, 0.0], [0.0, 10.0], [4.0, 4.0], [1.0, 1.0]])
    lo, hi = weight_bounds([1, 1], "bounds", 0.5)
    np.testing.assert_allclose(lo, [0.25, 0.25])
    res = possible_necessary(values, lo, hi, np.ones(4, bool), 1, region_codes=list("ABCD"))
    t = res.table
    # A wins when w1 > w2, B when w2 > w1; C scores 4 < 5 <= max(A, B) always; D never
    assert t["possible"].tolist() == [True, True, False, False]
    assert not t["necessary"].any()
    # k = 2: at w = (0.5, 0.5) A = B = 5 > C = 4, but at w = (0.75, 0.25) A = 7.5, C = 4 > B = 2.5,
    # so C is possible and neither A nor B is necessary (A drops at w = (0.25, 0.75) symmetrically)
    res2 = possible_necessary(values, lo, hi, np.ones(4, bool), 2, region_codes=list("ABCD"))
    assert res2.table["possible"].tolist() == [True, True, True, False]
    assert res2.table["necessary"].tolist() == [False, False, False, False]
    # ineligible regions are neither; without A, C (4) beats B (10 w2 = 2.5) at w = (0.75, 0.25)
    res3 = possible_necessary(values, lo, hi, np.array([False, True, True, True]), 1)
    assert res3.table["possible"].tolist() == [False, True, True, False]
    assert res3.table["necessary"].tolist() == [False, False, False, False]
    # narrower bounds +-10 %: w2 >= 0.45 so B >= 4.5 > C = 4: B is necessarily first
    lo, hi = weight_bounds([1, 1], "bounds", 0.1)
    res4 = possible_necessary(values, lo, hi, np.array([False, True, True, True]), 1)
    assert res4.table["necessary"].tolist() == [False, True, False, False]
    assert res4.table["possible"].tolist() == [False, True, False, False]
    assert res3.table["decided_by"].iloc[0] == "ineligible"


def test_ties_follow_tie_order():
    values = np.array([[1.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    lo, hi = weight_bounds([1, 1], "bounds", 0.2)
    res = possible_necessary(values, lo, hi, np.ones(3, bool), 1, tie_order=[1, 0, 2])
    assert res.table["necessary"].tolist() == [False, True, False]
    assert res.table["possible"].tolist() == [False, True, False]


def _grid_selection(values, lo, hi, eligible, k, steps=2001):
    """Brute force for two components: selection at every weight on a fine grid of the box edge."""
    t = np.linspace(0, 1, steps)
    w = np.stack([lo[0] + t * (hi[0] - lo[0]), hi[1] - t * (hi[1] - lo[1])], axis=1)
    w = np.vstack([w, [[lo[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]], [hi[0], lo[1]]]])
    scores = w @ values.T
    sel, _ = select_top_k(
        scores, np.broadcast_to(eligible, scores.shape), k, np.arange(len(values))
    )
    return sel


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 100_000), st.integers(1, 4), st.floats(0.05, 0.9))
def test_two_components_agree_with_grid(seed, k, rel):
    rng = np.random.default_rng(seed)
    values = rng.uniform(0, 10, size=(9, 2))
    eligible = rng.random(9) < 0.85
    lo, hi = weight_bounds(rng.uniform(0.2, 1, 2), "bounds", rel)
    res = possible_necessary(values, lo, hi, eligible, k)
    sel = _grid_selection(values, lo, hi, eligible, k)
    # anything selected on the grid is possible; anything necessary is selected at every grid point
    assert (res.table["possible"].to_numpy() >= sel.any(axis=0)).all()
    assert (sel[:, res.table["necessary"].to_numpy()]).all()
    # and (no exact ties in random data) the grid finds every possible region and only necessary ones
    # are always in, up to regions whose winning interval is narrower than the grid step: those
    # must be confirmed by a 100x finer grid
    possible = res.table["possible"].to_numpy().astype(bool)
    necessary = res.table["necessary"].to_numpy().astype(bool)
    missed = possible & ~sel.any(axis=0)
    extra = ~necessary & sel.all(axis=0)
    if missed.any() or extra.any():
        fine = _grid_selection(values, lo, hi, eligible, k, steps=200_001)
        assert fine[:, missed].any(axis=0).all()
        assert (~fine[:, extra]).any(axis=0).all()


def _pillar_scores(p):
    values = p.normalised[0, 0, 0]
    within = p.within_weights
    cols = []
    for j in range(len(p.pillars)):
        m = np.flatnonzero(p.pillar_of == j)
        cols.append(arithmetic(values[:, m], within[m]))
    return np.stack(cols, axis=1)


@pytest.mark.parametrize("kind", ["bounds", "dirichlet"])
def test_agrees_with_monte_carlo_under_weight_only_uncertainty(kind):
    p = toy_problem(n=25, m=6, pillars=3, k=6, seed=5, fixed_fail=(3,))
    s = UncertaintySettings(weights=kind, bound=0.6, concentration=3.0, weight_level="pillars")
    out = evaluate_plan(p, draw_plan(p, s, 3000, 11))
    p_sel = out.selected.mean(axis=0)
    lo, hi = weight_bounds(p.pillar_weights, kind, 0.6)
    res = possible_necessary(
        _pillar_scores(p),
        lo,
        hi,
        p.eligible_fixed[0],
        p.k,
        region_codes=p.region_codes,
        open_lower=kind == "dirichlet",
    )
    t = res.table
    assert (p_sel[t["necessary"].to_numpy()] == 1.0).all()
    assert (p_sel[~t["possible"].to_numpy()] == 0.0).all()
    assert t["necessary"].sum() < p.k < t["possible"].sum()  # the case is not trivial
    assert (t["possible"] >= t["necessary"]).all()
    assert not t.loc["9003", "possible"]
    assert (t["decided_by"] == "milp").any()


def test_bad_bounds():
    with pytest.raises(InputError, match="lower <= upper"):
        possible_necessary(np.ones((3, 2)), [0.5, 0.5], [0.4, 0.6], np.ones(3, bool), 1)
    with pytest.raises(InputError, match="relative"):
        weight_bounds([1, 1], "bounds", 1.5)
    with pytest.raises(InputError, match="2 entries"):
        possible_necessary(np.ones((3, 2)), [0.5], [0.6], np.ones(3, bool), 1)
