"""Report sections on the real data, with hand-checkable answers; the robustness and explanation results
are made unavailable here (their sections must say so plainly) so these tests need no Monte Carlo run.
The sections with those results are exercised by tests/test_notebooks_papermill.py."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smartcity_analysis import api, report
from smartcity_analysis.cli import main
from smartcity_analysis.curated import loaders
from smartcity_analysis.errors import ComputationError
from smartcity_analysis.report import ReportParams


def _missing(*_args, **_kw):
    raise ComputationError("not computed in this test")


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
def table():
    return api.rank("specs/kominfo_prescreen.yml", cohort=2018).set_index("region_code")


def test_context_resolves_the_region_and_the_cohort_data_year(ctx):
    assert ctx.region_code == "6372" and ctx.params.region == "6372"
    assert ctx.name == "Kota Banjarbaru"
    assert ctx.data_year == 2017 and ctx.cohort_size == 50
    # known value from the curated data (issue 2): IPM 2017 of Kota Banjarbaru
    assert ctx.values.at["6372", "ipm"] == pytest.approx(78.32)


def test_unavailable_results_are_said_plainly(ctx):
    assert not ctx.robustness_status.ok and not ctx.explanation_status.ok
    assert "Robustness results are not available" in str(report.robustness_summary(ctx))
    assert "not available" in str(report.decision_box(ctx))
    assert "Counterfactuals are not available" in str(report.what_it_would_take_text(ctx))
    assert report.fig_rank(ctx) is None
    assert "missing" in str(report.rivals_table(ctx))


def test_decision_box_reports_the_engine_row(ctx, table):
    row = table.loc["6372"]
    text = str(report.decision_box(ctx))
    verdict = "Selected under the nominal model" if row["selected"] else "Not selected under the nominal model"
    assert verdict in text
    assert f"{row['score']:.2f} (0-100)" in text
    assert f"{int(row['position'])} of " in text
    assert "selected in cohort 2018" in text  # Kota Banjarbaru is on the 2018 MoU list


def test_eligibility_table_values_and_results(ctx, table):
    elig = report.eligibility_table(ctx)
    assert list(elig.columns) == ["rule", "reason", "indicator", "value", "level", "range", "result"]
    assert list(elig["rule"]) == [r.id for r in ctx.spec.eligibility]
    failed = set(filter(None, str(table.at["6372", "fail_reasons"]).split(";")))
    for rule, res in zip(ctx.spec.eligibility, elig["result"], strict=True):
        assert (res == "FAIL") == (rule.reason in failed)


def _raw_value(code: str, indicator: str, year: int) -> float:
    """A value read straight from data/indicators.csv (not through the engine)."""
    long = loaders.read_table("indicators.csv")
    hit = long[(long["region_code"] == code) & (long["indicator"] == indicator) & (long["year"] == year)]
    assert len(hit) == 1, (code, indicator, year)
    return float(hit["value"].iloc[0])


def test_banjarbaru_2018_gate_rows_known_answer(ctx):
    """Kota Banjarbaru, cohort 2018 (data year 2017 = DAU 2019 / DID 2019 data dasar): WTP, APBD on
    time, fiscal capacity = PAD 230.563520478 + DBH Pajak 17.880716986 + DBH SDA 79.435561741 bn
    (issue 12), all four gates pass; the quota does not bind in 2018."""
    elig = report.eligibility_table(ctx).set_index("rule")
    assert _raw_value("6372", "bpk_opinion", 2017) == 4
    assert _raw_value("6372", "apbd_on_time", 2017) == 1
    kpf = _raw_value("6372", "fiscal_capacity", 2017)
    assert kpf == pytest.approx(230.563520478 + 17.880716986 + 79.435561741, abs=1e-6)
    assert elig.loc["admin_bpk"].to_dict() == {
        "reason": "ADMIN_BPK_OPINION", "indicator": "BPK audit opinion on the regional accounts",
        "value": "WTP", "level": "WDP or better (≥ 3)", "range": "2.5–3.5: WDP or better … WTP only",
        "result": "pass"}
    assert elig.loc["admin_apbd", "value"] == "yes (1)" and elig.loc["admin_apbd", "result"] == "pass"
    assert elig.loc["admin_apbd", "range"] == "none (a 0/1 criterion)"
    assert elig.loc["budget_level", "value"] == "327.9 bn IDR" == f"{kpf:,.1f} bn IDR"
    assert elig.loc["budget_level", "level"] == "≥ 80 bn IDR"
    assert elig.loc["budget_level", "range"] == "40–180 bn IDR"
    assert elig.loc["data_complete", "value"] == "100 % (7 of 7)"
    assert list(elig["result"]) == ["pass"] * 4
    box = str(report.decision_box(ctx))
    assert "<th>declared range</th>" in box and "<code>BUDGET_BELOW_LEVEL</code>" in box
    assert "Quota (at least 50 % outside Java, an assumption): does not bind in cohort 2018" in box
    assert len(elig.columns) + 1 <= 10  # the HTML table (rule + columns) fits A4


def test_2017_report_shows_the_apbd_gate_not_applied_and_the_quota_binding(monkeypatch):
    monkeypatch.setattr(report.context, "_load_robustness", _missing)
    monkeypatch.setattr(report.context, "_load_explanation", _missing)
    c = report.load_context(ReportParams(region="6372", cohort=2017, draws=50))
    assert c.run.skipped_rules == ("admin_apbd",)
    elig = report.eligibility_table(c).set_index("rule")
    assert elig.loc["admin_apbd", "result"] == "not applied (no data for data year 2016)"
    assert elig.loc["admin_apbd", "value"] == "no data for 2016"
    assert elig.loc["budget_level", "value"] == f"{_raw_value('6372', 'fiscal_capacity', 2016):,.1f} bn IDR"
    box = str(report.decision_box(c))
    assert "not applied (no data for data year 2016)" in box
    # the quota binds in 2017: four regions below the cutoff taken in for four Java regions above it
    assert "<b>binds</b> in cohort 2017: 4 region(s) below the cutoff taken in place of 4 above it" in box
    assert "Kota Banjarbaru is neither taken in nor displaced by it" in box
    gaps = str(report.not_measured(c))
    assert "Gate **admin_apbd** (<code>ADMIN_APBD_LATE</code>" in gaps
    assert "not applied in cohort 2017, no data for data year 2016" in gaps


def test_a_dki_unit_fails_the_budget_gate_as_missing_by_nature(monkeypatch):
    """Kota Jakarta Pusat (3173) has no budget of its own: no DJPK value, never zero."""
    monkeypatch.setattr(report.context, "_load_robustness", _missing)
    monkeypatch.setattr(report.context, "_load_explanation", _missing)
    c = report.load_context(ReportParams(region="3173", cohort=2018))
    elig = report.eligibility_table(c).set_index("rule")
    for rule in ("admin_bpk", "admin_apbd", "budget_level"):
        assert elig.loc[rule, "value"] == "missing by nature (no own budget)"
        assert elig.loc[rule, "result"] == "FAIL (missing)"
    assert "BUDGET_BELOW_LEVEL:missing" in str(c.row["fail_reasons"])
    gaps = str(report.not_measured(c))
    assert "missing by nature (a DKI Jakarta administrative unit has no budget of its own), not zero" in gaps
    assert "the gate(s) budget_level, admin_bpk, admin_apbd fail as missing" in gaps


def test_quota_line_names_a_region_taken_in_or_displaced(monkeypatch):
    from smartcity_analysis.engine.selection import quota_effect

    monkeypatch.setattr(report.context, "_load_robustness", _missing)
    monkeypatch.setattr(report.context, "_load_explanation", _missing)
    c = report.load_context(ReportParams(region="6372", cohort=2017, draws=50))
    taken_in, left_out = quota_effect(c.run)
    assert len(taken_in) == len(left_out) == 4
    inn = report.load_context(ReportParams(region=taken_in[0], cohort=2017, draws=50))
    out = report.load_context(ReportParams(region=left_out[0], cohort=2017, draws=50))
    assert "was <b>taken in</b> by it" in report.decision.quota_text(inn)
    assert "was <b>displaced</b> by it" in report.decision.quota_text(out)


def test_profile_table_is_region_vs_peer_median_vs_last_selected(ctx, table):
    prof = report.profile_table(ctx)
    ps = ctx.result.pillar_scores
    kota = [c for c in table.index if table.at[c, "type"] == "kota" and c != "6372"
            and pd.notna(table.at[c, "score"])]
    np.testing.assert_allclose(prof.iloc[:, 0].to_numpy(), ps.loc["6372"].to_numpy())
    np.testing.assert_allclose(prof.iloc[:, 1].to_numpy(), ps.loc[kota].median().to_numpy())
    chosen = table[table["selected"]]
    last = chosen["score"].astype(float).idxmin()
    assert table.at[last, "name"] in prof.columns[2]
    np.testing.assert_allclose(prof.iloc[:, 2].to_numpy(), ps.loc[last].to_numpy())


def test_peer_share_and_traffic_lights_by_hand(ctx):
    # poverty rate: lower is better, so the share is of kota with a HIGHER poverty rate (ties half)
    pov = ctx.values["poverty_rate"]
    peers = pov.reindex(ctx.peer_codes).dropna()
    own = pov["6372"]
    expected = ((peers > own).sum() + 0.5 * (peers == own).sum()) / len(peers)
    assert report.profile._peer_share(ctx, "poverty_rate") == pytest.approx(expected)
    assert len(ctx.peer_codes) == 97  # the other 97 kota
    assert report.profile._light(0.9) == "green" and report.profile._light(0.5) == "amber" and report.profile._light(0.1) == "red"
    assert report.profile._light(2 / 3) == "green" and report.profile._light(1 / 3) == "amber"
    assert report.profile._light(float("nan")) == "none"


def test_dashboard_rows_are_the_computed_indicators(ctx):
    df = report.indicator_dashboard(ctx).data
    assert len(df) == ctx.result.raw.shape[1]
    assert df.shape[1] <= 10  # fits an A4 portrait page
    ipm = df[df["indicator"].str.startswith("Human Development Index")].iloc[0]
    assert ipm["value"] == "78.32" and ipm["year"] == 2017


@pytest.mark.parametrize(("name", "expected"), [
    ("Kapasitas fiskal: PAD + DBH Pajak + DBH SDA, billion IDR (DJPK)",
     ("Kapasitas fiskal: PAD + DBH Pajak + DBH SDA (DJPK)", "billion IDR")),
    ("Government consumption (PK-P) per capita, million IDR (constant 2010)",
     ("Government consumption (PK-P) per capita", "million IDR (constant 2010)")),
    ("Indeks SPBE (e-government maturity, KemenPANRB, 1-5)",
     ("Indeks SPBE (e-government maturity, KemenPANRB)", "scale 1-5")),
    ("Real GRDP per capita (constant 2010 prices)", ("Real GRDP per capita (constant 2010 prices)", "")),
    ("Indeks Kapasitas Fiskal Daerah (Peta Kapasitas Fiskal, PMK)",
     ("Indeks Kapasitas Fiskal Daerah (Peta Kapasitas Fiskal, PMK)", "")),
])
def test_a_unit_at_the_end_of_an_indicator_name_is_split_off(name, expected):
    assert report.context._split_unit(name) == expected


def test_dashboard_unit_is_never_blank_and_the_name_does_not_repeat_it(ctx):
    """The unit of government consumption per capita (six-pillar spec) is only in its spec name, and
    the unit of a derived per-capita indicator without one follows from its components:
    1e6 x billion IDR / persons = thousand IDR per person."""
    import dataclasses

    from smartcity_analysis.spec import resolve_spec

    dash = report.indicator_dashboard(ctx).data
    assert (dash["unit"] != "").all()
    fiscal = dash[dash["indicator"].str.startswith("Kapasitas fiskal")].iloc[0]
    assert fiscal["unit"] == "billion IDR" and "billion IDR" not in fiscal["indicator"]
    assert fiscal["indicator"].startswith("Kapasitas fiskal: PAD + DBH Pajak + DBH SDA (DJPK) [")
    six = dataclasses.replace(ctx, spec=resolve_spec("six_pillars"))
    assert report.context._unit(six, "government_consumption_per_capita") == "million IDR (constant 2010)"
    assert report.context._indicator_label(six, "government_consumption_per_capita") == (
        "Government consumption (PK-P) per capita")
    revealed = dataclasses.replace(ctx, spec=resolve_spec("revealed_2017_2019"))
    assert report.context._unit(revealed, "personnel_spending_per_capita") == "thousand IDR per person"
    for spec in (six, revealed):
        for code in spec.spec.indicator_codes:
            if spec.spec.indicator(code).availability == "measured":
                assert report.context._unit(spec, code), code


def test_sparkline_by_hand():
    spark = report.profile._sparkline
    assert spark([0.0, 1.0, 3.0, 7.0]) == "▁▂▄█"  # (v - 0) / (7 - 0) * 7 -> bars 0, 1, 3, 7 of 0..7
    assert spark([1.0, float("nan"), 3.0]) == "▁·█"  # a missing year keeps its place
    assert spark([4.0, 4.0, 4.02]) == "▄▄▄"  # under 1 % apart: flat, not a cliff
    assert spark([float("nan")] * 2) == "··"


def test_trend_is_the_last_five_years_to_the_data_year(ctx):
    """Kota Banjarbaru, real GRDP per capita 2013-2017: 18,953.8, 19,613.2, 20,356.6, 21,137.8, 21,966.6
    (data/indicators.csv); scaled to 0..7 between the lowest and the highest: 0, 1.53, 3.26, 5.07, 7.
    The growth rate used to read "2001-2017: 0.0454 -> 6.96"."""
    for year, v in {2013: 18953.8, 2014: 19613.2, 2015: 20356.6, 2016: 21137.8, 2017: 21966.6}.items():
        assert _raw_value("6372", "grdp_per_capita", year) == pytest.approx(v, abs=0.1)
    trend = report.profile._trend
    assert trend(ctx, "grdp_per_capita") == "2013-2017 ▁▃▄▆█ better"
    assert trend(ctx, "grdp_growth").startswith("2013-2017 ")
    assert trend(ctx, "fiscal_capacity") == "2013-2017 ···▄▄"  # data from 2016 on; 330.3 -> 327.9 is flat
    assert trend(ctx, "apbd_on_time") == "n/a (only 2017)"
    dash = report.indicator_dashboard(ctx).data
    assert all(t.startswith("2013-2017 ") or t.startswith("n/a") for t in dash["trend"])
    assert not dash["trend"].str.contains("→").any()


def test_tables_fit_a4_and_have_fixed_distinct_uuids(ctx):
    stylers = [report.indicator_dashboard(ctx), report.peers_table(ctx), report.methodology_table(ctx),
               report.profile_styled(ctx)]
    uuids = [s.uuid for s in stylers]
    assert len(set(uuids)) == len(uuids) and all(u.startswith("smartcity-") for u in uuids)
    assert all(s.data.shape[1] <= 10 for s in stylers)
    assert stylers[0].to_html() == report.indicator_dashboard(ctx).to_html()  # stable HTML


def test_not_measured_names_every_unavailable_criterion(ctx):
    text = str(report.not_measured(ctx))
    for code in ctx.spec.unavailable_indicators:
        assert ctx.spec.indicator(code).name in text
    assert "Not measurable by any spec" in text
    # only what is really missing: the award flag stands in for EKPPD, partially, top 20 only
    assert "In its place, as a partial proxy: Government performance award" in text
    assert "a top-20 flag, not the EKPPD score" in text
    assert "All levels and weights are assumptions" in text
    assert "published a few months after the selection" in text  # BPK timing
    assert "is not the total APBD" in text
    assert "Gate **" not in text  # every gate applies in 2018
    assert "For Kota Banjarbaru, no 2017 value" not in text  # Banjarbaru has every value


def test_methodology_lists_every_spec_indicator_and_sources_with_licences(ctx):
    meth = report.methodology_table(ctx).data
    assert len(meth) == len(ctx.spec.indicators)
    by_code = dict(zip([i.code for i in ctx.spec.indicators], meth["weight"], strict=True))
    # gate-only indicators say so, never "0.0 %"; fiscal capacity is scored and gated
    assert by_code["bpk_opinion"] == by_code["apbd_on_time"] == "gate only"
    assert by_code["fiscal_capacity"] == "25.0 % + gate"
    assert "0.0 %" not in set(meth["weight"])
    weights = (meth["weight"].str.replace(" + gate", "", regex=False).str.rstrip(" %")
               .replace({"0 (not computed)": "0", "gate only": "0"}).astype(float))
    assert weights.sum() == pytest.approx(100.0, abs=0.2)
    src = dict(zip([i.code for i in ctx.spec.indicators], meth["source"], strict=True))
    assert src["fiscal_capacity"] == "derived from djpk-datadasar-dau"
    text = str(report.methodology_text(ctx))
    for sid in set(ctx.sources_used["source_id"]) | {"djpk-datadasar-dau", "djpk-datadasar-did", "djpk-tkdd"}:
        assert f"<code>{sid}</code>" in text
        if sid.startswith("djpk"):
            assert loaders.load_sources()[sid]["licence"] in text
    assert "Licence" in text
    # data year 2017 is read from the DAU 2019 and DID 2019 data dasar, the APBD timing from DID 2018
    assert "own_source_revenue 2017 = Data Dasar DAU 2019" in text
    assert "bpk_opinion 2017 = Data Dasar DID 2019" in text and "apbd_on_time 2017 = Data Dasar DID 2018" in text
    prov = str(report.provenance(ctx))
    assert ctx.spec.spec_hash in prov and loaders.data_hash()[:16] in prov


def test_djpk_year_mapping_agrees_with_the_data_build():
    from smartcity_analysis.databuild import djpk
    from smartcity_analysis.report.methodology import DJPK_YEAR_MAPPING

    for indicator, _scale, lag in djpk.DAU_COLUMNS.values():
        if indicator in DJPK_YEAR_MAPPING:
            assert DJPK_YEAR_MAPPING[indicator] == ("Data Dasar DAU", -lag)


def test_peers_table_lists_the_region_first_then_three_kinds(ctx):
    df = report.peers_table(ctx).data
    assert df.iloc[0]["peer because"] == "this report"
    kinds = set(df["peer because"][1:])
    assert kinds == {"same province", "same type, similar score", "similar profile"}
    prov = df[df["peer because"] == "same province"]
    assert (prov["province"] == "Kalimantan Selatan").all()


def test_report_params_make_the_spec_mean_the_same_file_everywhere(tmp_path, monkeypatch):
    import shutil

    from smartcity_analysis.errors import SpecError
    from smartcity_analysis.paths import specs_dir

    assert report.ReportParams(spec="six_pillars").validate().spec == "six_pillars"
    assert report.ReportParams(spec="").validate().spec == ""
    (tmp_path / "sub").mkdir()
    shutil.copy(specs_dir() / "equal_weights.yml", tmp_path / "sub" / "mine.yml")
    monkeypatch.chdir(tmp_path)
    p = report.ReportParams(spec="sub/mine.yml").validate()
    assert p.spec == str((tmp_path / "sub" / "mine.yml").resolve())
    with pytest.raises(SpecError, match="kominfo_prescreen"):
        report.ReportParams(spec="no_such_spec").validate()


@pytest.mark.parametrize(
    ("region", "message"),
    [("9999", "No region has the code '9999'"), ("Bandung", "matches 2 regions")],
)
def test_cli_bad_region_one_line_exit_2_no_file(region, message, tmp_path, capsys):
    code = main(["report", "--region", region, "--out", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert list(tmp_path.rglob("*")) == []


def test_cli_batch_options_delegate_or_fail_clearly(tmp_path, capsys, monkeypatch):
    import smartcity_analysis.cli.report as cli_report

    seen = {}

    class Summary:
        failed = []

    def fake_run_batch(regions, **kw):
        seen["regions"], seen["kw"] = regions, kw
        return Summary()

    monkeypatch.setattr(cli_report, "run_batch", fake_run_batch)
    code = main(["report", "--regions", "6372,Kota Bandung", "--cohort", "2019", "--out", str(tmp_path),
                 "--jobs", "3", "--draws", "500", "--seed", "7"])
    assert code == 0
    assert seen["regions"] == ["6372", "3273"]
    assert seen["kw"] == {"cohort": 2019, "spec": "kominfo_prescreen", "out_dir": str(tmp_path),
                          "fmt": "pdf", "jobs": 3, "resume": False, "scheduler": None, "draws": 500,
                          "seed": 7}


def test_six_pillars_2016_papua_regency_names_every_missing_value():
    """Kab. Pegunungan Arfak (Papua Barat) under the six-pillar spec, cohort 2017 (data 2016): most
    health, environment and society indicators start in 2017, so three pillars are empty."""
    mp = pytest.MonkeyPatch()
    mp.setattr(report.context, "_load_robustness", _missing)
    mp.setattr(report.context, "_load_explanation", _missing)
    try:
        c = report.load_context(ReportParams(region="9112", cohort=2017, spec="six_pillars"))
    finally:
        mp.undo()
    gaps = str(report.not_measured(c))
    assert len(c.result.excluded) >= 10 and len(c.result.dropped_pillars) >= 2
    for code in c.result.excluded["indicator"]:
        assert report.context._indicator_name(c, code) in gaps
    names = {p.id: p.name or p.id for p in c.spec.pillars}
    for pid in c.result.dropped_pillars:
        assert f"Criterion **{names[pid]}** has no measured indicator" in gaps
    dash = report.indicator_dashboard(c).data
    assert len(dash) == c.result.raw.shape[1]  # only what could be computed
    assert "estimate" in set(dash["flag"])  # the 2016 unemployment rate is a published estimate
    prof = report.profile_table(c)
    assert set(prof.index) == {names[p] for p in c.result.pillar_scores.columns}


def test_a_failing_optional_result_becomes_a_notice_not_a_crash(monkeypatch):
    def boom(*_a, **_k):
        raise ComputationError("simulated failure")

    monkeypatch.setattr(report.context, "_load_robustness", boom)
    monkeypatch.setattr(report.context, "_load_explanation", _missing)
    c = report.load_context(ReportParams(region="6372", cohort=2018))
    assert not c.robustness_status.ok
    assert "could not be computed: simulated failure" in c.robustness_status.message
    assert "simulated failure" in str(report.robustness_summary(c))


@pytest.mark.parametrize("error", [ModuleNotFoundError("no module", name="smartcity_analysis.robustness"),
                                   AttributeError("typo in the loader")])
def test_a_packaging_or_programming_error_fails_the_report_loudly(monkeypatch, error):
    def broken(*_a, **_k):
        raise error

    monkeypatch.setattr(report.context, "_load_robustness", broken)
    monkeypatch.setattr(report.context, "_load_explanation", _missing)
    with pytest.raises(type(error)):
        report.load_context(ReportParams(region="6372", cohort=2018))


def test_region_selected_in_an_earlier_cohort_is_out_of_the_pool(monkeypatch):
    monkeypatch.setattr(report.context, "_load_robustness", _missing)
    monkeypatch.setattr(report.context, "_load_explanation", _missing)
    cohorts = loaders.load_cohorts()
    code = cohorts.loc[(cohorts["cohort_year"].astype(int) == 2017)
                       & (cohorts["status"] == "selected"), "region_code"].iloc[0]
    c = report.load_context(ReportParams(region=code, cohort=2018))
    text = str(report.decision_box(c))
    assert "Not in the 2018 pool: already selected in cohort 2017" in text
    assert "n/a (not in this cohort's pool)" in text and "disagree" not in text
    assert "not in the pool of cohort 2018" in str(report.robustness_summary(c))


def _with_zero_p_selected(c):
    """The context with a robustness table in which every region has P(selected) 0 (what the Monte
    Carlo run gives a region that is not in the pool)."""
    import dataclasses

    regions = pd.DataFrame({"p_selected": 0.0}, index=pd.Index(c.selection.index, name="region_code"))
    return dataclasses.replace(c, robustness_status=report.Availability(ok=True),
                               robustness={"regions": regions})


def test_peers_selected_in_an_earlier_cohort_say_so_not_a_lost_0_percent(ctx):
    """Kota Jambi (1571) was selected in 2017, so it is not in the 2018 pool: among Kota Banjarbaru's
    peers it read "model selects no, P(selected) 0 %" as if it had lost."""
    df = report.peers_table(_with_zero_p_selected(ctx)).data.set_index("region")
    assert "Kota Jambi" in df.index
    assert df.at["Kota Jambi", "model selects"] == "selected in 2017, not in this pool"
    assert df.at["Kota Jambi", "P(selected)"] == "-"
    assert df.at["Kota Jambi", "actual cohort"] == "2017"
    out = ctx.selection.index[~ctx.selection["in_pool"].astype(bool)]
    names = set(ctx.regions.loc[out, "name"])
    for region, row in df.iterrows():
        if region in names:
            assert row["model selects"].endswith(", not in this pool") and row["P(selected)"] == "-"
        else:
            assert row["model selects"] in ("yes", "no") and row["P(selected)"] != "-"


def test_region_selected_in_an_earlier_cohort_has_no_0_percent_in_its_own_boxes(monkeypatch):
    monkeypatch.setattr(report.context, "_load_robustness", _missing)
    monkeypatch.setattr(report.context, "_load_explanation", _missing)
    c = _with_zero_p_selected(report.load_context(ReportParams(region="1571", cohort=2018)))
    peers = report.peers_table(c).data
    me = peers[peers["peer because"] == "this report"].iloc[0]
    assert me["model selects"] == "selected in 2017, not in this pool" and me["P(selected)"] == "-"
    box = str(report.revealed_decision(c))
    assert "selected in 2017, not in this pool" in box
    assert "0 %" not in box
    assert "Not in the 2018 pool: already selected in cohort 2017." in str(report.decision_box(c))


def test_only_a_combined_change_reaches_the_cutoff(ctx):
    # Hand-made explanation rows (a test fixture, not data): the combined LP reaches the cutoff but no
    # single indicator can within its bounds. Seen on 25 real regions (e.g. Kota Medan 1275, cohort 2018),
    # where the section used to raise IndexError and failed the whole report.
    import dataclasses

    import pandas as pd

    code, cohort = ctx.region_code, ctx.params.cohort
    regions = pd.DataFrame([{"region_code": code, "cohort_year": cohort, "outcome": "reachable",
                             "score": 57.36, "cutoff": 59.94, "gap": 2.58, "combined_n_indicators": 3}])
    single = pd.DataFrame([{"region_code": code, "cohort_year": cohort, "indicator": "ipm",
                            "reachable": False, "current_value": 70.0, "required_value": float("nan"),
                            "change_normalised": float("nan")}])
    c = dataclasses.replace(
        ctx,
        explanation_status=report.Availability(ok=True),
        explanation={"tables": {"counterfactual_regions": regions, "counterfactual_single": single}},
    )
    text = str(report.what_it_would_take_text(c))
    assert "No single indicator can close it" in text
    assert "moves 3 indicator(s)" in text and "2.58 points" in text


def test_context_memo_is_shared_across_regions_and_keyed_on_the_spec_content(tmp_path, monkeypatch):
    monkeypatch.setattr(report.context, "_load_robustness", lambda spec, params: {})
    monkeypatch.setattr(report.context, "_load_explanation", lambda spec, params: {})
    report.clear_context_memo()
    spec_file = tmp_path / "spec.yml"
    text = Path("specs/kominfo_prescreen.yml").read_text()
    spec_file.write_text(text)
    a = report.load_context(ReportParams(region="6372", spec=str(spec_file)))
    b = report.load_context(ReportParams(region="3273", spec=str(spec_file)))
    assert b.region_code == "3273" and b.region["name"] != a.region["name"]
    assert b.result is a.result and b.values is a.values  # built once, reused
    assert set(b.history["region_code"]) == {"3273"}
    # a changed spec (same path) must never be served the old results
    spec_file.write_text(text.replace("{year: 2018, size: 50,", "{year: 2018, size: 49,"))
    c = report.load_context(ReportParams(region="6372", spec=str(spec_file)))
    assert c.cohort_size == 49 and c.result is not a.result
    # other parameters are part of the key too
    d = report.load_context(ReportParams(region="6372", spec=str(spec_file), seed=7))
    assert d.result is not c.result
    report.clear_context_memo()


def test_default_boundary_rings_are_parsed_once_and_equal_the_file():
    from smartcity_analysis.plots.maps import boundary_rings

    fresh = boundary_rings(loaders.load_boundaries())
    a, b = boundary_rings(), boundary_rings()
    assert a.keys() == fresh.keys() and a is not b
    code = next(iter(fresh))
    assert a[code][0] is b[code][0]  # the same parsed arrays, reused
    assert all(np.array_equal(x, y) for x, y in zip(a[code], fresh[code], strict=True))
    assert not a[code][0].flags.writeable


def test_rank_figure_without_a_kept_draw_for_the_region_draws_the_interval_only():
    """Kabupaten Bolaang Mongondow Selatan (7110), cohort 2018, failed in the full batch: eligible in
    some draws but in none of the first kept ones, its histogram had only NaN places."""
    import matplotlib.pyplot as plt
    import numpy as np

    from smartcity_analysis.plots import rank_interval

    ax = rank_interval(120.0, 80.0, 200.0, nominal_rank=None, cutoff=50, pool_size=300,
                       ranks=np.array([np.nan, np.nan]), xlabel="place")
    assert len(ax.patches) == 0 and len(ax.lines) >= 1  # no histogram bars; the 5-95 % interval line
    ax2 = rank_interval(120.0, 80.0, 200.0, cutoff=50, pool_size=300, ranks=np.array([100.0, 130.0, np.nan]),
                        xlabel="place")
    assert len(ax2.patches) > 0
    plt.close("all")


def test_score_scale_says_the_range_or_that_there_is_none():
    from types import SimpleNamespace

    from smartcity_analysis.report.context import ReportContext
    from smartcity_analysis.spec import resolve_spec

    def scale(spec):  # the properties' computation, on a stand-in holding a spec
        stand_in = SimpleNamespace(spec=spec)
        stand_in.score_range = ReportContext.score_range.func(stand_in)
        return ReportContext.score_scale.func(stand_in)

    assert scale(resolve_spec("kominfo_prescreen")) == "0-100"
    assert scale(resolve_spec("six_pillars")) == "1-100"
    assert scale(resolve_spec("revealed_2017_2019")) == "weighted z-scores, no fixed range"
