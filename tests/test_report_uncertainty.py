"""The SMAA sections of the region report (issue 13 item 9) on hand-made robustness tables with known
answers: typical weights and confidence factor, weights-only possible/necessary, winning indices, weight
stability intervals, "without indicator X" scenarios. The real index and selection of Kota Banjarbaru
2018 are the context; only the robustness part is replaced, so no Monte Carlo is run."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from smartcity_analysis import report
from smartcity_analysis.errors import ComputationError
from smartcity_analysis.report import Availability, ReportParams
from smartcity_analysis.robustness.run import COLUMN_LABELS, RobustnessResult

ME, R1, R2 = "6372", "1171", "3277"  # Kota Banjarbaru, Kota Banda Aceh, Kota Cimahi
CRITERIA = ["administration", "fiscal", "ekppd", "leading_sector", "human_development"]
#: the real loader (the context fixture replaces it for the whole module)
LOAD_ROBUSTNESS = report.context._load_robustness
NOMINAL = {"administration": 0.0, "fiscal": 0.25, "ekppd": 0.25, "leading_sector": 0.25,
           "human_development": 0.25}


def _missing(*_args, **_kw):
    raise ComputationError("not computed in this test")


@pytest.fixture(scope="module")
def base():
    mp = pytest.MonkeyPatch()
    mp.setattr(report.context, "_load_robustness", _missing)
    mp.setattr(report.context, "_load_explanation", _missing)
    try:
        yield report.load_context(ReportParams(region="6372", cohort=2018))
    finally:
        mp.undo()


def _regions(p_me=0.6, central=(0.0, 0.1, 0.2, 0.3, 0.4), confidence=0.8, possible=1.0, necessary=0.0,
             p_wo=0.35):
    rows = {
        ME: dict(p_selected=p_me, robustness_class="contestable", confidence=confidence, possible=possible,
                 necessary=necessary, p_selected_weights_only=p_wo,
                 **{f"central_weight_{c}": w for c, w in zip(CRITERIA, central, strict=True)}),
        R1: dict(p_selected=0.9, robustness_class="contestable"),
        R2: dict(p_selected=0.97, robustness_class="robustly_in"),
    }
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("region_code")


def _robustness(**kw):
    stability = pd.DataFrame(
        [("fiscal", 0.25, 0.2, 0.3, R1, ME, "", ""), ("ekppd", 0.25, 0.1, 1.0, f"{R1};{R2}", "9171", "", "")],
        columns=["criterion", "weight", "low", "high", "enters_low", "leaves_low", "enters_high",
                 "leaves_high"],
    )
    region_stability = pd.DataFrame([(ME, "fiscal", 0.25, 0.15, 1.0), (ME, "ekppd", 0.25, 0.0, 0.4)],
                                    columns=["region_code", "criterion", "weight", "low", "high"])
    scenarios = pd.DataFrame([("ipm", ME, True, False, 44.0)],
                             columns=["left_out", "region_code", "selected", "nominal_selected", "position"])
    summary = {
        "draws": 300, "nominal_weights": NOMINAL, "confidence_draws": 128, "labels": COLUMN_LABELS,
        "possible_note": "Weights only (test note).", "stability_note": "Exact (test note).",
        "scenarios": [{"left_out": "ipm", "jaccard": 0.64, "enters": [ME, R1], "leaves": ["9171", R2]},
                      {"left_out": "grdp_growth", "jaccard": 1.0, "enters": [], "leaves": []}],
    }
    return {
        "regions": _regions(**kw), "summary": summary,
        "winning": pd.DataFrame({"region_code": [ME, ME], "rival": [R1, R2], "p_above": [0.25, 0.6]}),
        "stability": stability, "region_stability": region_stability, "scenarios": scenarios,
        "sobol_regions": pd.DataFrame(), "rank_draws": pd.DataFrame(),
    }


def _ctx(base, **kw):
    return dataclasses.replace(base, robustness=_robustness(**kw), robustness_status=Availability(True))


def test_typical_weights_are_the_central_weights_beside_the_nominal_ones(base):
    ctx = _ctx(base)
    tw = report.typical_weights(ctx)
    names = report.context._pillar_names(ctx)
    # the gates-only criterion (weight 0, never drawn above 0) is left out
    assert list(tw.index) == [names[c] for c in CRITERIA[1:]]
    assert tw["nominal"].tolist() == [0.25] * 4
    assert tw["typical"].tolist() == pytest.approx([0.1, 0.2, 0.3, 0.4])
    text = str(report.typical_weights_text(ctx))
    # leans most towards human development (+0.15), away from fiscal (-0.15)
    assert f"towards **{names['human_development']}** (0.40 instead of 0.25)" in text
    assert f"away from **{names['fiscal']}** (0.10 instead of 0.25)" in text
    assert "**Confidence factor: 80 %**" in text and COLUMN_LABELS["confidence"] in text
    ax = report.fig_typical_weights(ctx)
    assert len(ax.patches) == 8  # nominal and typical bar per criterion
    assert [round(p.get_width(), 2) for p in ax.containers[1]] == [0.1, 0.2, 0.3, 0.4]


def test_a_region_never_selected_is_said_plainly(base):
    ctx = _ctx(base, p_me=0.0, central=(np.nan,) * 5, confidence=np.nan)
    text = str(report.typical_weights_text(ctx))
    assert text.startswith("**No draw selects Kota Banjarbaru**") and "no confidence factor" in text
    assert len(report.fig_typical_weights(ctx).patches) == 4  # the nominal bars only
    # and it has no winning indices
    robustness = dict(ctx.robustness, winning=pd.DataFrame(columns=["region_code", "rival", "p_above"]))
    assert "selected in no draw" in str(report.winning_table(dataclasses.replace(ctx, robustness=robustness)))


def test_possible_is_printed_beside_the_weights_only_probability_never_the_full_one(base):
    # the defect-2 case: "not possible" with a full P(selected) of 47 %
    ctx = _ctx(base, p_me=0.47, possible=0.0, necessary=0.0, p_wo=0.0)
    df = report.weights_only_table(ctx).data
    assert df["question"].tolist() == [COLUMN_LABELS["p_selected_weights_only"], COLUMN_LABELS["possible"],
                                       COLUMN_LABELS["necessary"]]
    assert df["answer"].tolist() == ["0 %", "no", "no"]
    assert "47 %" not in report.weights_only_table(ctx).to_html()
    assert "possible" not in str(report.robustness_summary(ctx))  # the full P(selected) stands alone
    nan = _ctx(base, possible=np.nan, necessary=np.nan)
    assert report.weights_only_table(nan).data["answer"].tolist()[1:] == ["not computed"] * 2


def test_winning_indices_against_the_rivals(base):
    df = report.winning_table(_ctx(base)).data
    assert df["rival"].tolist() == ["Kota Banda Aceh", "Kota Cimahi"]
    assert df["P(Kota Banjarbaru above)"].tolist() == ["25 %", "60 %"]
    assert df["rival P(selected)"].tolist() == ["90 %", "97 %"]
    assert df["rival class"].tolist() == ["contestable", "robustly in"]
    assert len(df.columns) <= 10


def test_stability_intervals_of_the_region_and_the_cohort(base):
    ctx = _ctx(base)
    df = report.stability_table(ctx).data
    status = "stays selected" if bool(ctx.row["selected"]) else "stays not selected"
    assert df[status].tolist() == ["0.15-1.00", "0.00-0.40"]
    assert df["cohort unchanged"].tolist() == ["0.20-0.30", "0.10-1.00"]
    assert df["below: enters"].tolist() == ["Kota Banda Aceh", "Kota Banda Aceh, Kota Cimahi"]
    assert df["below: leaves"].tolist() == ["Kota Banjarbaru", "Kota Sorong"]
    assert df["above: enters"].tolist() == ["-", "-"]
    assert len(df.columns) <= 10
    assert "Exact (test note)." in report.stability_table(ctx).caption


def test_without_indicator_scenarios(base):
    ctx = _ctx(base)
    df = report.scenarios_table(ctx).data
    assert df["Kota Banjarbaru selected"].tolist() == ["yes", "no"]
    assert df["its place"].tolist() == ["44", "-"]
    assert df["cohort overlap (Jaccard)"].tolist() == ["64 %", "100 %"]
    assert df["regions entering"].tolist() == [2, 0] and df["regions leaving"].tolist() == [2, 0]
    robustness = dict(ctx.robustness, summary={**ctx.robustness["summary"], "scenarios": []})
    none = report.scenarios_table(dataclasses.replace(ctx, robustness=robustness))
    assert "declares no" in str(none)


def test_sections_say_plainly_when_robustness_is_missing(base):
    for section in (report.typical_weights_text, report.weights_only_table, report.winning_table,
                    report.stability_table, report.scenarios_table):
        assert "robustness results are missing" in str(section(base))
    assert report.fig_typical_weights(base) is None


def test_context_carries_the_new_robustness_tables(monkeypatch):
    res = RobustnessResult(regions=_regions(), summary={"draws": 1}, sobol=pd.DataFrame(),
                           winning=pd.DataFrame({"region_code": [ME]}), stability=pd.DataFrame({"low": [0.1]}),
                           region_stability=pd.DataFrame({"high": [0.2]}),
                           scenarios=pd.DataFrame({"left_out": ["ipm"]}))
    monkeypatch.setattr(report.context, "load_cohort_results",
                        lambda **_: SimpleNamespace(robustness_result=res, notes=()))
    rob = LOAD_ROBUSTNESS(None, ReportParams())
    for key in ("winning", "stability", "region_stability", "scenarios"):
        assert rob[key] is getattr(res, key)
