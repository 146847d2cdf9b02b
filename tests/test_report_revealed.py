"""The revealed model in the region report and the national overview (issue 14 item 5), on small
hand-built explanation tables (SYNTHETIC: invented numbers) with answers worked by hand, plus the
real revealed spec's nominal run for the decision box."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from smartcity_analysis import overview, report, robustness
from smartcity_analysis.cache import load_tables, lookup, save_tables
from smartcity_analysis.errors import ComputationError
from smartcity_analysis.report import ReportParams


def _missing(*_args, **_kw):
    raise ComputationError("not computed in this test")


def synthetic_explanation():
    """SYNTHETIC: two cohorts, one family, five (2018) and three (2017) evaluated regions; 6372 is
    second in 2018 under the fit on all cohorts and first when 2018 is held out; 0002 is gated out."""
    scores = pd.DataFrame([
        # cohort, region, actual, score_in, score_out, prob_out
        (2018, "0001", True, 3.0, 1.0, 0.6),
        (2018, "6372", True, 2.0, 4.0, 0.7),
        (2018, "0003", False, 1.0, 0.5, 0.2),
        (2018, "0004", False, 0.5, 0.2, 0.1),
        (2018, "0002", False, -1e6, -1e6, 0.0),
        (2017, "6372", False, 0.1, 0.3, 0.15),
        (2017, "0001", False, 0.2, 0.1, 0.1),
        (2017, "0005", True, 0.9, 0.8, 0.75),
    ], columns=["cohort_year", "region_code", "actual", "score_in", "score_out", "prob_out"])
    scores.insert(0, "method", "screen_rank")
    weights = pd.DataFrame([
        ("screen_rank", "ipm", "ipm", 1, "score", 0.25, 0.10, 0.40, 0.9, "", np.nan),
        ("screen_rank", "fiscal_capacity", "fiscal_capacity", 1, "score+gate", 0.75, 0.50, 0.90, 1.0,
         ">=", 200.0),
    ], columns=["method", "candidate", "indicator", "direction", "role", "weight", "ci_low", "ci_high",
                "stability", "gate_op", "gate_level"])
    validation = pd.DataFrame([
        ("spec", 2017, 0.80, 0.80, 0.30, 0.30, np.nan, np.nan),
        ("spec", 2018, 0.70, 0.70, 0.20, 0.20, np.nan, np.nan),
        ("screen_rank", 2017, 0.95, 0.90, 0.50, 0.40, 0.030, 0.01),
        ("screen_rank", 2018, 0.93, 0.85, 0.60, 0.50, 0.050, 0.02),
        ("baseline_population", 2017, 0.60, 0.60, 0.10, 0.10, 0.060, 0.30),
        ("baseline_population", 2018, 0.62, 0.62, 0.12, 0.12, 0.070, 0.20),
    ], columns=["method", "cohort_year", "auc_in", "auc_out", "precision_at_k_in", "precision_at_k_out",
                "brier_out", "p_value_out"])
    comparison = [
        {"method": "screen_rank", "mean_auc_out": 0.875, "ci_low": 0.80, "ci_high": 0.95,
         "separable_from_chosen": False},
        {"method": "baseline_population", "mean_auc_out": 0.61, "ci_low": 0.55, "ci_high": 0.67,
         "separable_from_chosen": True},
    ]
    why = "highest mean out-of-sample AUC (synthetic)"
    revealed = {"chosen": "screen_rank", "why": why, "families": ["screen_rank", "baseline_population"],
                "comparison": comparison}
    return SimpleNamespace(
        tables={"revealed_scores": scores, "revealed_weights": weights, "validation": validation},
        summary={"revealed": revealed, "chosen_model": {"family": "screen_rank", "why": why,
                                                        "mean_auc_out": 0.875}})


@pytest.fixture(scope="module")
def ctx():
    mp = pytest.MonkeyPatch()
    mp.setattr(report.context, "_load_robustness", _missing)
    mp.setattr(report.context, "_load_explanation", _missing)
    try:
        yield report.load_context(ReportParams(region="Kota Banjarbaru", cohort=2018))
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def ctx_expl(ctx):
    res = synthetic_explanation()
    return dataclasses.replace(ctx, explanation_status=report.Availability(ok=True),
                               explanation={"tables": res.tables, "summary": res.summary})


def test_decision_shows_both_models_and_no_revealed_p_without_a_cached_run(ctx):
    assert ctx.revealed_status.ok and ctx.revealed["spec"].id == "revealed_2017_2019"
    rtable = ctx.revealed["run"].table.set_index("region_code")
    row = rtable.loc["6372"]
    text = str(report.revealed_decision(ctx))
    assert "kominfo_prescreen" in text and "revealed_2017_2019" in text
    n_order = int(pd.to_numeric(rtable["position"], errors="coerce").max())
    assert f"{int(row['position'])} of {n_order} eligible (first 50 selected)" in text
    assert ("<b>selected</b>" in text) == bool(row["selected"])
    # the test session's cache is empty: the revealed P(selected) is never computed by a report
    assert "not computed (no cached robustness run of this spec with 10000 draws, seed 0" in text


def test_decision_shows_the_revealed_p_selected_of_a_cached_run(ctx):
    regions = pd.DataFrame({"p_selected": [0.42]}, index=pd.Index(["6372"], name="region_code"))
    c = dataclasses.replace(ctx, revealed={**ctx.revealed, "robustness": SimpleNamespace(regions=regions)})
    assert "<b>42 %</b>" in str(report.revealed_decision(c))


def test_revealed_model_unavailable_is_said_plainly(ctx):
    c = dataclasses.replace(ctx, revealed={}, revealed_status=report.Availability(False, "no spec"))
    assert "The revealed model is not available: no spec" in str(report.revealed_decision(c))
    assert "not available" in str(report.revealed_text(ctx))  # no explanation in this context
    assert "not available" in str(report.revealed_weights_table(ctx))


def test_revealed_text_known_answer(ctx_expl):
    text = str(report.revealed_text(ctx_expl))
    assert "<code>screen_rank</code> (mean out-of-sample AUC 0.875)" in text
    assert "highest mean out-of-sample AUC (synthetic)" in text
    # largest weight first, with its interval; the gate in raw units
    assert text.index("0.75 [0.50, 0.90]") < text.index("0.25 [0.10, 0.40]")
    assert ">= 200.0" in text
    # 2018: scores 3, 2, 1, 0.5, gated -> 6372 is 2nd of 5; held out (4 > 1 > 0.5 > 0.2) it is 1st
    assert "ranks <b>2 of 5</b> in the 2018 pool" in text
    assert "it ranks 1, P(selected) out of sample 70 %" in text
    assert "passes the model's gates; actually selected in 2018" in text


def test_revealed_tables_known_answer(ctx_expl):
    w = report.revealed_weights_table(ctx_expl).data
    assert list(w["weight"]) == [0.75, 0.25]
    assert list(w["95 % interval"]) == ["0.50-0.90", "0.10-0.40"]
    assert list(w["chosen in"]) == ["100 %", "90 %"] and list(w["gate"]) == [">= 200.0", ""]
    p = report.revealed_place_table(ctx_expl).data
    assert list(p["cohort"]) == ["2017", "2018"]
    # 2017: 0.9 > 0.2 > 0.1 -> 3rd of 3; held out 0.8 > 0.3 > 0.1 -> 2nd
    assert list(p["rank (fit on all)"]) == [3, 2] and list(p["rank (cohort held out)"]) == [2, 1]
    assert list(p["pool"]) == [3, 5] and list(p["actually selected"]) == ["no", "yes"]
    assert p.shape[1] <= 10 and w.shape[1] <= 10


def test_overview_model_comparison_known_answer():
    res = synthetic_explanation()
    ctx = SimpleNamespace(results=SimpleNamespace(explanation_result=res), spec=SimpleNamespace(id="stated"))
    t = overview.model_comparison_table(ctx)
    assert list(t.index) == ["stated (stated)", "screen_rank", "baseline_population"]
    assert t.shape[1] <= 10
    assert t.at["stated (stated)", "AUC in"] == "0.80 / 0.70"
    assert t.at["stated (stated)", "AUC out"] == "(not fitted: = in)"
    assert t.at["screen_rank", "AUC out"] == "0.90 / 0.85"
    assert t.at["screen_rank", "mean AUC out [95 %]"] == "0.875 [0.800, 0.950]"
    assert t.at["screen_rank", "p (out)"] == "0.020"
    assert t.at["screen_rank", "chosen"] == "yes" and t.at["screen_rank", "separable from chosen"] == "-"
    assert t.at["baseline_population", "separable from chosen"] == "yes"
    assert overview.model_comparison_table(SimpleNamespace(
        results=SimpleNamespace(explanation_result=None), spec=None)).empty


def test_model_curves_one_panel_per_cohort():
    import matplotlib.pyplot as plt

    from smartcity_analysis.plots.revealed import cohort_curves

    axes = cohort_curves(synthetic_explanation(), [2017, 2018], kind="precision_at_k")
    assert [ax.get_title() for ax in axes] == ["2017: precision at k (out of sample)",
                                               "2018: precision at k (out of sample)"]
    plt.close("all")


def test_cached_robustness_looks_up_the_same_entry_and_never_computes(tmp_path, monkeypatch):
    monkeypatch.setenv("SMARTCITY_CACHE_DIR", str(tmp_path))
    settings = robustness.RobustnessSettings(draws=8, seed=3, sobol_base=0)
    assert robustness.cached_robustness("kominfo_prescreen", settings, cohort=2018) is None
    assert not any(tmp_path.iterdir())  # nothing computed or written by a lookup
    ran = robustness.run_robustness("kominfo_prescreen", settings, cohort=2018)
    hit = robustness.cached_robustness("kominfo_prescreen", settings, cohort=2018)
    pd.testing.assert_frame_equal(hit.regions, ran.regions)
    assert robustness.cached_robustness("kominfo_prescreen", settings, cohort=2018, seed=4) is None


def test_cache_lookup(tmp_path):
    assert lookup("demo", {"k": 1}, load_tables, root=tmp_path) is None
    from smartcity_analysis.cache import cached

    cached("demo", {"k": 1}, lambda: {"summary": {"n": 1}}, save_tables, load_tables, root=tmp_path)
    assert lookup("demo", {"k": 1}, load_tables, root=tmp_path) == {"summary": {"n": 1}}
