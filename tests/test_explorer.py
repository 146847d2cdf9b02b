"""Criteria explorer (issue 7): pure evaluation, widget wiring, headless notebook run."""

from __future__ import annotations

import dataclasses

import pytest
from scipy.stats import spearmanr

from smartcity_analysis import explorer
from smartcity_analysis.errors import InputError
from smartcity_analysis.paths import notebooks_dir
from smartcity_analysis.spec import resolve_spec

COHORT = 2018


@pytest.fixture(scope="module")
def spec():
    return resolve_spec("")


@pytest.fixture(scope="module")
def nominal(spec):
    return explorer.evaluate(spec, COHORT, explorer.nominal_settings(spec, COHORT))


def test_nominal_settings_reproduce_the_spec(spec, nominal):
    s = explorer.nominal_settings(spec, COHORT)
    assert s.size == spec.cohort(COHORT).size
    assert dict(s.weights) == {p.id: float(p.weight) for p in spec.pillars}
    assert explorer.apply_settings(spec, COHORT, s).spec_hash == spec.spec_hash
    assert nominal.selected.equals(nominal.nominal_selected)
    assert explorer.changes_table(nominal).empty
    assert explorer.summary(nominal).loc["Jaccard with nominal", "value"] == 1.0


@pytest.mark.parametrize("size", [5, 30, 80])
def test_cohort_size_is_respected_and_changes_are_consistent(spec, nominal, size):
    s = dataclasses.replace(explorer.nominal_settings(spec, COHORT), size=size)
    res = explorer.evaluate(spec, COHORT, s, nominal=nominal.nominal)
    assert int(res.selected.sum()) == size
    changes = explorer.changes_table(res)
    entered = set(changes.index[changes["change"] == "entered"])
    left = set(changes.index[changes["change"] == "left"])
    now, before = set(res.selected[res.selected].index), set(res.nominal_selected[res.nominal_selected].index)
    assert entered == now - before and left == before - now
    nominal_size = spec.cohort(COHORT).size
    assert len(entered) - len(left) == size - nominal_size


def test_single_pillar_weight_ranks_by_that_pillar(spec, nominal):
    """With every weight on the IPM pillar the score is a monotone function of IPM."""
    weights = tuple((pid, 1.0 if pid == "human_development" else 0.0) for pid, _ in
                    explorer.nominal_settings(spec, COHORT).weights)
    s = dataclasses.replace(explorer.nominal_settings(spec, COHORT), weights=weights)
    res = explorer.evaluate(spec, COHORT, s, nominal=nominal.nominal)
    t = res.table.dropna(subset=["score", "pillar_human_development"])
    rho = spearmanr(t["score"], t["pillar_human_development"]).statistic
    assert rho == pytest.approx(1.0)


def test_bad_settings_are_rejected(spec):
    base = explorer.nominal_settings(spec, COHORT)
    with pytest.raises(InputError, match="non-negative"):
        explorer.apply_settings(spec, COHORT, dataclasses.replace(
            base, weights=tuple((p, -1.0) for p, _ in base.weights)))
    with pytest.raises(InputError, match="at least 1"):
        explorer.apply_settings(spec, COHORT, dataclasses.replace(base, size=0))
    with pytest.raises(InputError, match="Unknown normalisation"):
        explorer.apply_settings(spec, COHORT, dataclasses.replace(base, normalisation="magic"))


def test_method_options_offer_nominal_first_then_declared_alternatives(spec):
    options = explorer.method_options(spec)
    norm = list(options["normalisation"].values())
    assert norm[0] == spec.methods.normalisation
    assert set(norm[1:]) <= set(spec.uncertainty.normalisations)


def test_widgets_are_wired(spec):
    app = explorer.Explorer(spec, COHORT, top=10)
    assert int(app.result.selected.sum()) == spec.cohort(COHORT).size
    app.controls["size"].value = 12  # as a user releasing the slider
    assert int(app.result.selected.sum()) == 12
    assert len(explorer.ranking_table(app.result, 10)) == 10
    alt = list(app.controls["normalisation"].options)[-1]
    app.controls["normalisation"].value = alt
    assert app.result.settings.normalisation == alt
    app.controls["weight:human_development"].value = -1.0  # clamped by the slider to its minimum 0
    assert dict(app.result.settings.weights)["human_development"] == 0.0
    app.reset()
    assert app.result.settings == explorer.nominal_settings(spec, COHORT)
    assert explorer.changes_table(app.result).empty


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_explorer_notebook_runs_headless_with_defaults(tmp_path):
    import papermill

    nb = papermill.execute_notebook(
        str(notebooks_dir() / "criteria_explorer.ipynb"), str(tmp_path / "out.ipynb"),
        cwd=str(notebooks_dir()), progress_bar=False, kernel_name="python3",
    )
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    kinds = {k for o in outputs for k in o.get("data", {})}
    assert "application/vnd.jupyter.widget-view+json" in kinds  # the app was displayed
    html = "".join(o["data"].get("text/html", "") for o in outputs if "data" in o)
    assert "Jaccard with nominal" in html


# ------------------------------------------------------------------ weight stability beside the sliders
def _selected_with(spec, nominal, pillar, value):
    base = explorer.nominal_settings(spec, COHORT)
    weights = tuple((p, value if p == pillar else v) for p, v in base.weights)
    res = explorer.evaluate(spec, COHORT, dataclasses.replace(base, weights=weights), nominal=nominal.nominal)
    return set(res.selected[res.selected].index)


def test_weight_stability_worked_by_hand(spec):
    """Two pillars, three eligible regions, k = 1: A = (0.9, 0.2), B = (0.2, 0.8), C = (0.5, 0.5) at
    weights (1, 1) select A. With share s of pillar a, A = 0.2 + 0.7 s beats B = 0.8 - 0.6 s iff
    s > 6/13 (and C = 0.5 iff s > 3/7 < 6/13), for any s up to 1: slider a in [6/7, inf) with the other
    at 1 (x = s / (1 - s)); B enters and A leaves below. With share t of pillar b, A = 0.9 - 0.7 t beats
    B = 0.2 + 0.6 t iff t < 7/13: slider b in [0, 7/6]; B enters and A leaves above."""
    import pandas as pd

    table = pd.DataFrame(
        {"pillar_a": [0.9, 0.2, 0.5], "pillar_b": [0.2, 0.8, 0.5], "eligible": True, "in_pool": True,
         "selected": [True, False, False]},
        index=pd.Index(["A", "B", "C"], name="region_code"),
    )
    base = explorer.nominal_settings(spec, COHORT)
    settings = dataclasses.replace(base, weights=(("a", 1.0), ("b", 1.0)), size=1)
    result = explorer.ExplorerResult(settings=settings, table=table, nominal=table)
    tab, note = explorer.weight_stability(spec, result)
    assert tab.at["a", "low"] == pytest.approx(6 / 7) and tab.at["a", "high"] == float("inf")
    assert (tab.at["a", "enters_low"], tab.at["a", "leaves_low"]) == ("B", "A")
    assert tab.at["b", "low"] == pytest.approx(0.0, abs=1e-12)
    assert tab.at["b", "high"] == pytest.approx(7 / 6)
    assert (tab.at["b", "enters_high"], tab.at["b", "leaves_high"]) == ("B", "A")
    assert "Slider units" in note
    assert explorer.interval_label(tab, "a") == "selection unchanged for 0.86 to any"
    assert explorer.interval_label(tab, "green_city").endswith("no interval</span>")


def test_moving_a_weight_outside_its_interval_changes_the_selection_and_inside_does_not(spec, nominal):
    tab, _ = explorer.weight_stability(spec, nominal)
    assert {"fiscal", "human_development"} <= set(tab.index)
    base = set(nominal.selected[nominal.selected].index)
    for pillar in ("fiscal", "human_development"):
        lo, hi, w = (float(tab.at[pillar, c]) for c in ("low", "high", "weight"))
        assert lo < w < hi
        assert _selected_with(spec, nominal, pillar, w + 0.98 * (lo - w)) == base
        assert _selected_with(spec, nominal, pillar, w + 0.98 * (hi - w)) == base
        below = _selected_with(spec, nominal, pillar, lo * (1 - 1e-3))
        # just beyond the end exactly the regions the table names enter and leave
        assert below - base == set(tab.at[pillar, "enters_low"].split(";"))
        assert base - below == set(tab.at[pillar, "leaves_low"].split(";"))
        above = _selected_with(spec, nominal, pillar, hi * (1 + 1e-3))
        assert above - base == set(tab.at[pillar, "enters_high"].split(";"))
        assert base - above == set(tab.at[pillar, "leaves_high"].split(";"))


def test_interval_labels_beside_the_sliders_follow_the_sliders(spec):
    app = explorer.Explorer(spec, COHORT, top=5)
    nominal = set(app.result.selected[app.result.selected].index)
    label = app.interval_labels["fiscal"]
    lo, hi = float(app.stability.at["fiscal", "low"]), float(app.stability.at["fiscal", "high"])
    assert label.value == explorer.interval_label(app.stability, "fiscal")
    assert f"{lo:.2f}" in label.value and f"{hi:.2f}" in label.value
    first = app.interval_labels["human_development"].value
    app.controls["weight:fiscal"].value = 0.95  # inside [lo, hi]: the same selection
    assert lo < 0.95 < hi
    assert set(app.result.selected[app.result.selected].index) == nominal
    assert app.interval_labels["human_development"].value != first  # recomputed at the new weights
    app.controls["weight:fiscal"].value = 0.85  # outside: the selection changes
    assert 0.85 < lo
    assert set(app.result.selected[app.result.selected].index) != nominal
    assert float(app.stability.at["fiscal", "weight"]) == 0.85
