"""National overview and the batch index page (issue 7)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from smartcity_analysis import overview, rendering
from smartcity_analysis.batch import index_page
from smartcity_analysis.errors import InputError, SpecError
from smartcity_analysis.plots import national


@pytest.fixture(scope="module")
def ctx():
    return overview.load_overview(overview.OverviewParams(cohort=2018, draws=50))


# ------------------------------------------------------------------------------ overview tables
def test_params_validate():
    assert overview.OverviewParams().validate().cohort == 2018
    for bad in ({"cohort": "2018"}, {"draws": 0}, {"spec": 3}, {"seed": -1}):
        with pytest.raises(InputError):
            overview.OverviewParams(**bad).validate()
    with pytest.raises(SpecError, match="no cohort 2020 in spec 'kominfo_prescreen'; declared cohorts: 2017"):
        overview.OverviewParams(cohort=2020).validate()


def test_overview_defaults_are_the_region_report_defaults():
    """Same defaults -> the overview, the index page and the reports read the same cache entries."""
    from smartcity_analysis.report import ReportParams

    o, r = overview.OverviewParams(), ReportParams()
    assert (o.cohort, o.spec, o.draws, o.seed) == (r.cohort, r.spec, r.draws, r.seed)


def test_overview_notebook_parameters_match_overview_params():
    import dataclasses
    import typing

    import nbformat
    from report_helpers import declared_parameters

    from smartcity_analysis.paths import notebooks_dir

    nb = nbformat.read(notebooks_dir() / "national_overview.ipynb", as_version=4)
    hints = typing.get_type_hints(overview.OverviewParams)
    expected = [(f.name, hints[f.name].__name__, f.default)
                for f in dataclasses.fields(overview.OverviewParams)]
    assert [(n, t, d) for n, t, d, _ in declared_parameters(nb)] == expected


def test_agreement_counts_add_up(ctx):
    a = overview.agreement_table(ctx)["value"]
    n, act, both = a["nominal selection (spec)"], a["actual cohort (MoU list)"], a["in both"]
    assert n == ctx.spec.cohort(2018).size
    assert both + a["nominal only"] == n and both + a["actual only"] == act
    assert a["Jaccard"] == pytest.approx(both / (n + act - both), abs=1e-3)


def test_actual_cohort_comes_from_the_programme_list(ctx):
    from smartcity_analysis.curated.loaders import load_cohorts

    c = load_cohorts()
    expected = set(c[(c["cohort_year"] == 2018) & c["status"].isin(overview.ACTUAL_SELECTED_STATUSES)]
                   ["region_code"])
    t = ctx.table
    assert set(t.index[t["actual"]]) == expected


def test_equity_table_partitions_the_selection(ctx):
    eq = overview.equity_table(ctx)
    t = ctx.table
    assert list(eq.index) == ["Java", "outside Java"]
    assert eq["nominal"].sum() == int(t["selected"].sum())
    assert eq["actual"].sum() == int(t["actual"].sum())
    assert eq["pool"].sum() == int(t["in_pool"].sum())
    assert eq.loc["Java", "pool"] == int((t["in_pool"] & (t["island_group"] == "Jawa")).sum())
    assert eq["nominal %"].sum() == pytest.approx(100, abs=0.2)


def test_criteria_table_lists_every_declared_criterion(ctx):
    crit = overview.criteria_table(ctx)
    n = len(ctx.spec.indicators)
    assert list(crit["indicator"])[:n] == [i.code for i in ctx.spec.indicators]
    assert list(crit.index[n:]) == ["data completeness (not a Kominfo rule)", "pemerataan (equity quota)"]
    assert crit.shape[1] <= 10
    ind = crit.iloc[:n]
    unavailable = ind[ind["model"] == "unavailable"]
    cov = [c for c in crit.columns if c.startswith("% with data ")]
    assert cov == ["% with data 2016", "% with data 2017", "% with data 2018"]  # the spec's data years
    assert unavailable[cov].isna().all().all()  # never filled in
    text = overview.unmeasured_criteria(ctx)
    for name in unavailable.index:
        assert name in text
    measured = ind[ind["model"] != "unavailable"][cov].stack().dropna()
    assert ((measured >= 0) & (measured <= 100)).all()
    # every criterion is labelled by a name, never by its bare code (registry names for measured ones)
    from smartcity_analysis.curated.loaders import load_indicator_registry

    registry = load_indicator_registry()
    for name, code in zip(ind.index, ind["indicator"], strict=True):
        assert name != code
        if code in registry and ctx.spec.indicator(code).name is None:
            assert name == registry[code]["name_en"]


def test_criteria_table_v2_models_levels_and_cohort_effects(ctx):
    """Known answers of the v2 Kominfo spec: the model of each criterion, the assumed levels with their
    declared ranges, coverage (508 of 514: the DKI units have no budget), and per cohort the gate
    failures of reason_counts and whether the quota binds (quota_effect)."""
    from smartcity_analysis.engine.selection import quota_effect, reason_counts

    crit = overview.criteria_table(ctx).set_index("indicator", append=True).droplevel(0)
    assert crit.loc["fiscal_capacity", "model"] == "gate + scored"
    assert crit.loc["bpk_opinion", "model"] == crit.loc["apbd_on_time", "model"] == "gate"
    assert crit.loc["bpk_opinion", "weight"] == "gate only"
    assert crit.loc["ekppd_score", "model"] == "unavailable"
    assert crit.loc["government_performance_award", "model"] == "scored"
    assert crit.loc["island_group", "model"] == "quota"
    assert crit.loc["fiscal_capacity", "level"] == "≥ 80 bn IDR"
    assert crit.loc["fiscal_capacity", "range"] == "40–180 bn IDR"
    assert crit.loc["bpk_opinion", "range"] == "2.5–3.5: WDP or better … WTP only"
    assert crit.loc["fiscal_capacity", "% with data 2017"] == round(100 * 508 / 514, 1)
    assert np.isnan(crit.loc["apbd_on_time", "% with data 2016"])  # APBD years 2017-2019 only
    runs = overview.cohort_runs(ctx)
    assert list(runs) == [2017, 2018, 2019]
    counts = reason_counts(runs[2018].table)
    n, m = counts["BUDGET_BELOW_LEVEL"], counts["BUDGET_BELOW_LEVEL:missing"]
    assert m == 6
    eff = overview.gate_effects_table(ctx)
    assert list(eff.columns) == [2017, 2018, 2019]
    assert eff.loc["budget_level (BUDGET_BELOW_LEVEL)", 2018] == f"{n} fail + 6 missing"
    assert eff.loc["admin_apbd (ADMIN_APBD_LATE)", 2017] == "not applied (no data 2016)"
    taken_in, left_out = quota_effect(runs[2017])
    assert (len(taken_in), len(left_out)) == (4, 4)
    assert list(eff.loc["quota"]) == ["binds: 4 in, 4 out", "does not bind", "does not bind"]
    text = overview.unmeasured_criteria(ctx)
    assert "**Gates not applied**: admin_apbd in cohort 2017 (no data for data year 2016)" in text
    assert "| quota | binds: 4 in, 4 out | does not bind | does not bind |" in text
    assert "**Missing by nature**: 6 regions" in text and "Kota Jakarta Pusat" in text


def test_criteria_names_read_on_one_or_two_lines_in_print(ctx):
    """The first table of the overview squeezed the criterion names into a narrow column (up to five
    lines each): laid out with the print template, every name now takes one or two lines."""
    import nbformat
    from report_helpers import cell_line_counts

    from smartcity_analysis.paths import notebooks_dir

    styled = overview.criteria_styled(ctx)
    crit = overview.criteria_table(ctx)
    assert list(styled.data["criterion"]) == list(crit.index) and styled.data.shape[1] <= 10
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("overview.criteria_styled(ctx)")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": styled.to_html()})]
    nb.cells = [cell]
    lines = cell_line_counts(rendering.notebook_to_html(nb), "td", "col0")
    assert len(lines) == len(crit) and max(lines) <= 2, lines
    notebook = nbformat.read(notebooks_dir() / "national_overview.ipynb", as_version=4)
    assert any(c.source == "overview.criteria_styled(ctx)" for c in notebook.cells)


def test_coverage_map_shows_the_dki_units_as_missing_by_nature(ctx):
    import matplotlib.pyplot as plt

    cov = overview.coverage_by_region(ctx)
    flagged = set(cov.index[cov["missing by nature"] != ""])
    assert flagged == {"3101", "3171", "3172", "3173", "3174", "3175"}
    assert (cov.loc[sorted(flagged), "indicators with data"] > 0).all()  # not zero: the BPS values exist
    ax = national.coverage_map(cov)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "missing by nature (no own budget): 6" in legend
    plt.close("all")


def test_coverage_of_one_count_everywhere_is_one_line_not_a_map(ctx, monkeypatch):
    """Cohort 2018 (data year 2017): the 508 regions with a budget have all 7 computed indicators, the
    six DKI units 3 (their fiscal and administrative values are missing by nature). The map was then
    one colour; it is one line instead, and the map comes back when the counts differ."""
    import matplotlib.pyplot as plt

    plt.close("all")
    assert overview.coverage_note(ctx) == (
        "Every region has data for all 7 indicators the spec computes (data year 2017), except the 6 "
        "regions missing values by nature (no own budget), which have 3 of them; no map is drawn.")
    assert overview.fig_coverage_map(ctx) is None and plt.get_fignums() == []
    cov = overview.coverage_by_region(ctx).copy()
    cov.loc["6372", "indicators with data"] = 6
    monkeypatch.setattr(overview.criteria, "coverage_by_region", lambda _ctx: cov)  # where coverage_note looks
    assert overview.coverage_note(ctx) is None
    assert isinstance(overview.fig_coverage_map(ctx), plt.Axes)
    plt.close("all")


def test_reliability_table_matches_cronbach_on_the_normalised_data(ctx):
    from smartcity_analysis.engine.diagnostics import cronbach_alpha

    rel = overview.reliability_table(ctx)
    assert rel.loc["all indicators", "Cronbach alpha"] == pytest.approx(
        cronbach_alpha(ctx.index_result.normalised), abs=0.005)


def test_revealed_weights_are_a_distribution(ctx):
    rw = overview.revealed_weights_table(ctx)
    for col in ("revealed (pooled)", "revealed (2018)", "spec weight"):
        w = rw[col]
        assert (w >= 0).all() and w.sum() == pytest.approx(1, abs=0.01), col
    val = overview.validation_table(ctx)
    assert {"logistic", "spec"} <= set(val.index)
    assert ((val["AUC in sample"] >= 0) & (val["AUC in sample"] <= 1)).all()


def test_overview_agrees_with_the_explanation(ctx):
    summary = ctx.results.explanation["agreement_summary"]
    row = summary[summary["cohort_year"] == 2018].iloc[0]
    a = overview.agreement_table(ctx)["value"]
    assert a["actual cohort (MoU list)"] == row["n_actual"]
    assert a["in both"] == row["n_both"]


def test_contestable_regions_are_the_most_uncertain(ctx):
    table = overview.contestable_table(ctx, n=10)
    p = table["P(selected)"]
    assert len(table) == 10 and ((p > 0) & (p < 1)).all()
    rob = ctx.results.robustness.set_index("region_code")["p_selected"]
    others = rob[(rob > 0) & (rob < 1)]
    # nobody left out is closer to 0.5 than the last one listed
    assert (others - 0.5).abs().nsmallest(10).max() == pytest.approx((p - 0.5).abs().max(), abs=0.006)


def test_audit_figures_count_the_nominal_model_against_the_actual_cohort(ctx):
    """The nominal column recounted from the per-region robustness table; the counts fit together
    (|A| - |A minus S| = |S| - |S minus A| = the regions in both); draws bracket their mean."""
    from smartcity_analysis.robustness.run import ACTUAL_STATUSES

    audit = overview.audit_table(ctx)
    r = ctx.results.robustness_result.regions
    actual = (pd.to_numeric(r["actual_cohort"], errors="coerce") == 2018) & r["actual_status"].isin(ACTUAL_STATUSES)
    sel = r["nominal_selected"].astype(bool)
    elig = r["nominal_eligible"].astype(bool) & r["in_pool"].astype(bool)
    n = audit["nominal model"]
    assert n["actual cohort (selected or added late)"] == int(actual.sum())
    assert n["cohort size k of the model"] == ctx.spec.cohort(2018).size
    assert n["actual cohort outside the model's selection"] == int((actual & ~sel).sum())
    assert n["actual cohort failing a stated gate (or outside the pool)"] == int((actual & ~elig).sum())
    assert n["model's selection not in the actual cohort"] == int((sel & ~actual).sum())
    both = int((actual & sel).sum())
    assert n["actual cohort (selected or added late)"] - n["actual cohort outside the model's selection"] == both
    for figure in overview.AUDIT_ROWS.values():
        lo, hi = (int(v) for v in audit.at[figure, "5-95 % of draws"].split("-"))
        assert lo <= audit.at[figure, "Monte Carlo mean"] <= hi
    pos = pd.to_numeric(r["nominal_position"], errors="coerce")
    beyond = (pos[actual & ~sel] - ctx.spec.cohort(2018).size).dropna()
    med, mx = audit.at["places beyond the cutoff, median / max (nominal)", "nominal model"].split(" / ")
    assert int(mx) == int(beyond.max()) and int(med) == int(round(float(beyond.median())))
    assert len(audit.columns) <= 10


def test_settledness_is_the_decision_entropy_of_p_selected(ctx):
    p = ctx.results.robustness_result.regions["p_selected"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        h = -(np.where(p > 0, p * np.log2(p), 0) + np.where(p < 1, (1 - p) * np.log2(1 - p), 0))
    table = overview.settledness_table(ctx)
    assert table.at["decision entropy", "value"] == f"{np.nansum(h):.1f} bits"
    conf = ctx.results.robustness_result.summary["mean_confidence"]
    assert table.at["mean confidence factor (expected selection)", "value"] == f"{100 * conf:.0f} %"


def test_audit_and_settledness_are_empty_without_robustness(ctx):
    import dataclasses

    bare = dataclasses.replace(ctx, results=dataclasses.replace(ctx.results, robustness_result=None))
    assert overview.audit_table(bare).empty and overview.settledness_table(bare).empty


def test_selection_categories_known_answer():
    idx = pd.Index(["1101", "1102", "1103", "1104", "1105"])
    nominal = pd.Series([True, True, False, False, False], index=idx)
    actual = pd.Series([True, False, True, False, False], index=idx)
    in_pool = pd.Series([True, True, True, True, False], index=idx)
    cats = national.selection_categories(nominal, actual, in_pool)
    assert list(cats) == ["both", "nominal only", "actual only", "neither", "not in pool"]


def test_figures_return_axes(ctx):
    import matplotlib.pyplot as plt

    axes = [
        national.coverage_chart(overview.criteria_table(ctx)),
        national.coverage_map(overview.coverage_by_region(ctx)),
        national.distributions(ctx.index_result.normalised),
        national.correlation_heatmap(overview.correlation(ctx)),
        national.selection_map(**overview.selection_flags(ctx)),
        national.java_comparison(overview.equity_table(ctx)),
    ]
    for ax in axes:
        assert isinstance(ax, plt.Axes)
    legend = [t.get_text() for t in axes[4].get_legend().get_texts()]
    both = int(overview.agreement_table(ctx).loc["in both", "value"])
    assert f"both ({both})" in legend
    plt.close("all")


def test_choropleth_of_one_value_everywhere_centres_it():
    """Every region with the same count (e.g. full coverage): the colour bar shows that one value,
    not a range of nothing."""
    import matplotlib.pyplot as plt

    from smartcity_analysis.plots.maps import boundary_rings, choropleth

    codes = list(boundary_rings(None))
    ax = choropleth(pd.Series(7.0, index=codes), label="indicators with data")
    coll = next(c for c in ax.collections if c.get_array() is not None)
    assert coll.get_clim() == (6.5, 7.5)
    cbar_ax = ax.figure.axes[-1]
    assert [t.get_text() for t in cbar_ax.get_yticklabels()] == ["7"]
    plt.close("all")


# ----------------------------------------------------------------------------------- index page
def _regions():
    return pd.DataFrame(
        {"name": ["Kota A", "Kabupaten B", "Kota C"], "province_name": ["P1", "P1", "P2"],
         "type": ["kota", "kabupaten", "kota"]},
        index=pd.Index(["1171", "1101", "1271"], name="region_code"))


def test_index_table_known_answer():
    selection = pd.DataFrame({
        "region_code": ["1171", "1101", "1271"], "score": [80.0, 50.0, np.nan],
        "rank_national": [1, 2, np.nan], "in_pool": [True, True, False],
        "eligible": [True, False, True], "selected": [True, False, False],
        "actual_cohort": [2018, np.nan, 2017], "actual_status": ["selected", None, "added_late"]})
    robustness = pd.DataFrame({"region_code": ["1171", "1101"], "p_selected": [0.93, 0.0]})
    manifest = {"jobs": {"1171": {"status": "done", "output": "1171-kota-a.pdf"},
                         "1101": {"status": "failed", "output": None}}}
    t = index_page.index_table(_regions(), selection=selection, robustness=robustness, manifest=manifest)
    assert list(t["nominal"]) == ["selected", "ineligible", "not in pool"]
    assert list(t["actual"]) == ["2018", "", "2017 (added_late)"]
    assert t.loc["1171", "p_selected"] == 0.93 and np.isnan(t.loc["1271", "p_selected"])
    assert list(t["report"]) == ["1171-kota-a.pdf", "", ""]

    page = index_page.render_index_html(t, cohort=2018, overview_href="national-overview.pdf",
                                  notes=["robustness <missing>"])
    assert page.count("<tr class=\"selected\">") == 1
    assert '<a href="1171-kota-a.pdf">PDF</a>' in page
    assert '<a href="national-overview.pdf">' in page
    assert "robustness &lt;missing&gt;" in page  # escaped
    assert 'data-v="0.93"' in page and "sortable" in page


def test_write_index_for_a_cohort(tmp_path):
    from smartcity_analysis.batch.manifest import write_manifest

    cohort_dir = tmp_path / "2018"
    (cohort_dir).mkdir()
    (cohort_dir / "6372-kota-banjarbaru.pdf").write_bytes(b"%PDF")
    write_manifest(cohort_dir / "manifest.json", {"jobs": {
        "6372": {"status": "done", "output": "6372-kota-banjarbaru.pdf"},
        "overview": {"status": "done", "output": "national-overview.pdf"}}})
    path = index_page.write_index(tmp_path, cohort=2018, draws=50)
    page = path.read_text()
    assert path == cohort_dir / "index.html"
    assert page.count("<tr") == 514 + 1  # header row + one per region
    assert '<a href="6372-kota-banjarbaru.pdf">PDF</a>' in page
    assert "Kota Banjarbaru" in page and "national-overview.pdf" in page
    assert json.loads((cohort_dir / "manifest.json").read_text())  # untouched, still valid


# ---------------------------------------------------------------------------------- end to end
@pytest.mark.slow
@pytest.mark.timeout(180)
def test_overview_notebook_renders_headless_to_pdf(tmp_path):
    from pypdf import PdfReader

    path = rendering.render_overview({"cohort": 2018, "draws": 50}, tmp_path, "pdf")
    assert path == tmp_path / "2018" / "national-overview.pdf"
    reader = PdfReader(str(path))
    text = "\n".join(p.extract_text() or "" for p in reader.pages)
    assert "National overview, cohort 2018" in text
    for section in ("criteria and which have data", "Spatial equity", "Java"):
        assert section in text
    assert len(reader.pages) >= 3
