"""SMAA answers and weight stability intervals on tiny hand-solved cases (synthetic, NOT real data).

Every expected value below is worked on paper in the test's docstring.
"""

from __future__ import annotations

import numpy as np
import pytest

from smartcity_analysis.robustness.kernel import DrawPlan, RobustnessProblem, evaluate_plan
from smartcity_analysis.robustness.smaa import (
    audit_figures,
    central_weights,
    confidence_factors,
    decision_entropy,
    stability_intervals,
    winning_indices,
)

#: Regions A, B, C on two criteria x, y (one indicator each).
ABC = np.array([[1.0, 0.0], [0.0, 1.0], [0.45, 0.45]])


def _problem(values, k):
    n, m = values.shape
    return RobustnessProblem(
        region_codes=tuple("ABCD"[:n]),
        indicators=("x", "y"),
        pillars=("x", "y"),
        pillar_of=np.array([0, 1]),
        within_weights=np.ones(2),
        pillar_weights=np.array([0.5, 0.5]),
        normalised=values[None, None, None],
        imputers=("none",),
        normalisers=("given",),
        aggregators_within=((("arithmetic", ()), ("arithmetic", ())),),
        aggregators_across=(("arithmetic", ()),),
        eligible_fixed=np.ones((1, n), dtype=bool),
        k=k,
        tie_order=np.arange(n)[None],
    )


def _plan(wx):
    d = len(wx)
    wx = np.asarray(wx, dtype=float)
    zeros = np.zeros(d, dtype=np.int64)
    return DrawPlan(
        within_weights=np.ones((d, 2)),
        pillar_weights=np.column_stack([wx, 1 - wx]),
        imputer=zeros,
        normaliser=zeros,
        agg_within=zeros,
        agg_across=zeros,
        thresholds=np.zeros((d, 0)),
        left_out=np.full(d, -1),
        noise_seed=np.full(d, -1),
    )


def test_central_weights_confidence_winning_and_entropy_by_hand():
    """A = (1, 0), B = (0, 1), C = (0.45, 0.45); k = 1; four draws with w_x = 0.2, 0.4, 0.6, 0.8.

    Scores t x + (1 - t) y: A = t, B = 1 - t, C = 0.45.
    t = 0.2: A .2, B .8, C .45 -> B.   t = 0.4: A .4, B .6, C .45 -> B.
    t = 0.6: A .6, B .4, C .45 -> A.   t = 0.8: A .8, B .2, C .45 -> A.
    P(selected) = (1/2, 1/2, 0). Central weights: A (0.7, 0.3), B (0.3, 0.7), C none.
    Confidence: A at w_x = 0.7 scores .7 > .45 > .3 -> chosen: 1; B at w_x = 0.3 likewise: 1.
    Winning indices (places): A above B when t > 1/2: 2 of 4 -> 1/2; A above C when t > .45: 1/2;
    C above B when 0.45 > 1 - t, t > .55: 1/2; C above A when t < .45: 1/2.
    Decision entropy: H(1/2) + H(1/2) + H(0) = 2 bits.
    """
    problem = _problem(ABC, 1)
    plan = _plan([0.2, 0.4, 0.6, 0.8])
    out, pillar_scores = evaluate_plan(problem, plan, return_pillar_scores=4)
    np.testing.assert_array_equal(out.selected.mean(axis=0), [0.5, 0.5, 0.0])
    cw = central_weights(out.selected, plan.pillar_weights)
    np.testing.assert_allclose(cw[:2], [[0.7, 0.3], [0.3, 0.7]])
    assert np.isnan(cw[2]).all()
    conf = confidence_factors(
        problem, pillar_scores, out.eligible, plan.agg_across, cw, candidates=[0, 1, 2]
    )
    np.testing.assert_allclose(conf[:2], [1.0, 1.0])
    assert np.isnan(conf[2])
    p = winning_indices(out.rank, [(0, 1), (0, 2), (2, 1), (2, 0)])
    np.testing.assert_allclose(p, [0.5, 0.5, 0.5, 0.5])
    assert decision_entropy(out.selected.mean(axis=0)) == pytest.approx(2.0)


def test_confidence_factor_below_one_when_other_factors_decide():
    """Four regions on x, y; k = 1; the same weights (0.5, 0.5) in both draws, but the 'other
    uncertainty' differs: in draw 2 region A is ineligible (a threshold).

    A = (1, 0.2): 0.6; B = (0.2, 0.9): 0.55; C = (0.5, 0.5): 0.5; D = (0, 0): 0.
    Draw 1: A chosen. Draw 2 (A ineligible): B chosen. P(selected) A 1/2, B 1/2.
    Central weights: both (0.5, 0.5). Confidence: A 1/2 (still ineligible in draw 2), B 1/2.
    """
    values = np.array([[1.0, 0.2], [0.2, 0.9], [0.5, 0.5], [0.0, 0.0]])
    problem = _problem(values, 1)
    plan = _plan([0.5, 0.5])
    scores = values @ [0.5, 0.5]
    ps = np.stack([values, values])
    eligible = np.array([[True, True, True, True], [False, True, True, True]])
    sel = np.array([[True, False, False, False], [False, True, False, False]])
    cw = central_weights(sel, plan.pillar_weights)
    np.testing.assert_allclose(cw[:2], [[0.5, 0.5], [0.5, 0.5]])
    conf = confidence_factors(problem, ps, eligible, plan.agg_across, cw, candidates=[0, 1])
    np.testing.assert_allclose(conf[:2], [0.5, 0.5])
    assert scores[0] > scores[1] > scores[2]


def test_stability_intervals_by_hand():
    """A = (1, 0), B = (0, 1), C = (0.45, 0.45); nominal weights (0.6, 0.4); k = 2.

    With w_x = t (w_y = 1 - t): A = t, B = 1 - t, C = .45. Nominal t = .6: A .6, C .45, B .4 ->
    {A, C}. Crossings: A = C at t = .45, B = C at t = .55, A = B at t = .5.
    t < .45: B and C above A -> {B, C}; .45 < t < .55: A and B above C -> {A, B}; t > .55: {A, C}.
    Cohort interval of w_x: [.55, 1]; beyond .55, B enters and C leaves; the high end is the simplex.
    Region intervals of w_x: A selected for t > .45 -> [.45, 1]; C selected around .6 -> [.55, 1];
    B not selected for t > .55 -> [.55, 1].
    For w_y = s = 1 - t (nominal .4): cohort interval [0, .45], B enters and C leaves beyond .45.
    """
    got = stability_intervals(
        ABC, np.array([0.6, 0.4]), np.ones(3, bool), 2, criteria=["x", "y"], region_codes="ABC"
    )
    x, y = got
    assert (x.criterion, x.weight) == ("x", pytest.approx(0.6))
    assert (x.low, x.high) == (pytest.approx(0.55), 1.0)
    assert (x.enters_low, x.leaves_low) == (("B",), ("C",))
    assert (x.enters_high, x.leaves_high) == ((), ())
    np.testing.assert_allclose(x.region_low, [0.45, 0.55, 0.55])
    np.testing.assert_allclose(x.region_high, [1.0, 1.0, 1.0])
    assert (y.low, y.high) == (0.0, pytest.approx(0.45))
    assert (y.enters_high, y.leaves_high) == (("B",), ("C",))
    assert (y.enters_low, y.leaves_low) == ((), ())


def test_stability_interval_agrees_with_a_fine_grid():
    rng = np.random.default_rng(3)
    x = rng.uniform(0, 1, size=(30, 3))
    w = np.array([0.5, 0.3, 0.2])
    elig = rng.random(30) < 0.9
    k = 6
    for si, c in zip(stability_intervals(x, w, elig, k), range(3), strict=True):
        for t in np.linspace(0, 1, 401):
            wt = w * (1 - t) / (1 - w[c])
            wt[c] = t
            s = np.where(elig, x @ wt, -np.inf)
            top = set(np.argsort(-s)[:k])
            s0 = np.where(elig, x @ w, -np.inf)
            nominal = set(np.argsort(-s0)[:k])
            inside = si.low + 1e-9 < t < si.high - 1e-9
            if inside:
                assert top == nominal, (c, t)
        assert si.low <= w[c] <= si.high


def test_audit_figures_by_hand():
    """Four regions, k = 2; actual cohort {A, D}. Nominal row: selects {A, B}, D fails a gate.
    Draw rows: {A, D} (all eligible), {B, C} (all eligible).
    Nominal: actual outside the top k = 1 (D), failing the gate = 1 (D), top k not chosen = 1 (B).
    Draws: outside (0, 2) -> mean 1; gate (0, 0) -> 0; not chosen (0, 2) -> mean 1.
    D is not ranked in the nominal model (ineligible): places_beyond_k has no ranked entry.
    """
    sel = np.array([[1, 1, 0, 0], [1, 0, 0, 1], [0, 1, 1, 0]], dtype=bool)
    elig = np.array([[1, 1, 1, 0], [1, 1, 1, 1], [1, 1, 1, 1]], dtype=bool)
    rank = np.array([[1, 2, 3, 0], [1, 3, 4, 2], [3, 1, 2, 4]])
    fig = audit_figures(sel, elig, rank, np.array([1, 0, 0, 1], dtype=bool), 2)
    assert fig["actual_outside_top_k"]["nominal"] == 1 and fig["actual_outside_top_k"]["mean"] == 1
    assert fig["actual_failing_gate"] == {"nominal": 1, "mean": 0.0, "p05": 0.0, "p95": 0.0}
    assert fig["top_k_not_chosen"]["nominal"] == 1 and fig["top_k_not_chosen"]["mean"] == 1
    assert fig["places_beyond_k"] == {"median": None, "max": None, "not_ranked": 1}


def test_stability_of_a_geometric_index_through_its_logarithms():
    """A geometric index ranks as the arithmetic mean of the logs: with A = (e, 1), B = (1, e),
    C = (e^0.45, e^0.45) the logs are the hand-solved case above, so the intervals are the same."""
    from smartcity_analysis.engine.aggregation import geometric

    x = np.exp(ABC)
    w = np.array([0.6, 0.4])
    (xi, _) = stability_intervals(np.log(x), w, np.ones(3, bool), 2, region_codes="ABC")
    assert (xi.low, xi.high) == (pytest.approx(0.55), 1.0)
    for t in (0.56, 0.7, 0.99):
        s = geometric(x, [t, 1 - t])
        assert set(np.argsort(-s)[:2]) == {0, 2}
    s = geometric(x, [0.54, 0.46])
    assert set(np.argsort(-s)[:2]) == {0, 1}


def test_stability_tables_follow_the_slider_weights():
    """The hand-solved case as tables, at the nominal (0.6, 0.4) and at slider weights (0.3, 0.7).

    At w_x = t = 0.3: A .3, B .7, C .45 -> {B, C}, which holds for t < .45 (A = C there); just
    above .45 the selection is {A, B}: A enters and C leaves at the high end; the low end is 0.
    """
    import pandas as pd

    from smartcity_analysis.robustness.answers import stability_tables

    frame = pd.DataFrame(ABC, index=pd.Index(list("ABC"), name="region_code"), columns=["x", "y"])
    nominal, per_region, note = stability_tables(frame, {"x": 0.6, "y": 0.4}, [True] * 3, 2)
    row = nominal.set_index("criterion").loc["x"]
    assert (row["low"], row["high"]) == (pytest.approx(0.55), 1.0)
    assert (row["enters_low"], row["leaves_low"]) == ("B", "C")
    assert per_region.set_index(["region_code", "criterion"]).loc[("A", "x"), "low"] == \
        pytest.approx(0.45)
    slider, _, _ = stability_tables(frame, {"x": 0.3, "y": 0.7}, [True] * 3, 2)
    row = slider.set_index("criterion").loc["x"]
    assert (row["low"], row["high"]) == (0.0, pytest.approx(0.45))
    assert (row["enters_high"], row["leaves_high"]) == ("A", "C")
    assert "Exact" in note
    _, _, why = stability_tables(frame, {"x": 0.6, "y": 0.4}, [True] * 3, 2,
                                 index_aggregation="copeland")
    assert why.startswith("Not computed")
