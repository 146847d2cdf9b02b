"""The criteria explorer: change weights, thresholds, cohort size and methods; see what changes.

``notebooks/criteria_explorer.ipynb`` is a thin view: it calls :func:`build_explorer`, which builds the
ipywidgets, wires them and shows the ranking, the selection map and what changed against the spec's
nominal selection, recomputed whenever a control is released. The computation is pure and usable without
widgets: :func:`nominal_settings` -> :class:`ExplorerSettings` -> :func:`evaluate` ->
:class:`ExplorerResult` -> :func:`changes_table` / :func:`ranking_table` / :func:`weight_stability` (the
stability interval of each weight at the current setting, shown beside its slider).

Every setting becomes a *new* spec (``dataclasses.replace``) run through the engine
(:func:`smartcity_analysis.engine.selection.run_cohorts`), so the explorer shows exactly what the package would
compute for that spec. Method choices offered are the nominal method plus the alternatives the spec
declares in its ``uncertainty`` block.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import pandas as pd

from smartcity_analysis.engine.selection import run_cohorts
from smartcity_analysis.errors import InputError
from smartcity_analysis.spec import resolve_spec


@dataclass(frozen=True)
class ExplorerSettings:
    """One setting of the explorer's controls.

    Attributes
    ----------
    weights : tuple of (pillar id, weight)
        Pillar weights (any non-negative numbers; the engine renormalises them).
    thresholds : tuple of (rule id, value)
        Threshold of each threshold rule (``value``) or completeness rule (``min_share``).
    size : int
        Cohort size.
    normalisation, aggregation, imputation : str
        Labels of method choices (see :func:`method_options`).
    """

    weights: tuple[tuple[str, float], ...]
    thresholds: tuple[tuple[str, float], ...]
    size: int
    normalisation: str
    aggregation: str
    imputation: str


@dataclass(frozen=True)
class ExplorerResult:
    """The explorer's outcome for one setting, with the nominal outcome to compare against.

    Attributes
    ----------
    settings : ExplorerSettings
    table : DataFrame
        Per-region selection table under the setting (index ``region_code``).
    nominal : DataFrame
        The same for the spec as declared.
    """

    settings: ExplorerSettings
    table: pd.DataFrame
    nominal: pd.DataFrame

    @property
    def selected(self) -> pd.Series:
        return self.table["selected"].fillna(False).astype(bool)

    @property
    def nominal_selected(self) -> pd.Series:
        return self.nominal["selected"].reindex(self.table.index).fillna(False).astype(bool)


def _label(choice) -> str:
    params = ", ".join(f"{k}={v}" for k, v in choice.params)
    return f"{choice.name} ({params})" if params else choice.name


def method_options(spec) -> dict[str, dict[str, Any]]:
    """Method choices per step: label -> ``MethodChoice`` (nominal first, then declared alternatives).

    Returns
    -------
    dict
        ``{"normalisation": {...}, "aggregation": {...}, "imputation": {...}}``.
    """
    unc = spec.uncertainty
    steps = {
        "normalisation": (spec.methods.normalisation, unc.normalisations if unc else ()),
        "aggregation": (spec.methods.aggregation_index, unc.aggregations_index if unc else ()),
        "imputation": (spec.methods.imputation, unc.imputations if unc else ()),
    }
    out = {}
    for step, (nominal, alternatives) in steps.items():
        options = {_label(nominal): nominal}
        for alt in alternatives:
            options.setdefault(_label(alt), alt)
        out[step] = options
    return out


def threshold_rules(spec) -> dict[str, float]:
    """Current threshold of every adjustable eligibility rule (threshold ``value``, completeness
    ``min_share``)."""
    out = {}
    for rule in spec.eligibility:
        if rule.kind == "threshold" and rule.value is not None:
            out[rule.id] = float(rule.value)
        elif rule.kind == "completeness" and rule.min_share is not None:
            out[rule.id] = float(rule.min_share)
    return out


def nominal_settings(spec, cohort: int) -> ExplorerSettings:
    """The settings that reproduce the spec as declared."""
    options = method_options(spec)
    return ExplorerSettings(
        weights=tuple((p.id, float(p.weight if p.weight is not None else 1.0)) for p in spec.pillars),
        thresholds=tuple(threshold_rules(spec).items()),
        size=spec.cohort(cohort).size,
        normalisation=next(iter(options["normalisation"])),
        aggregation=next(iter(options["aggregation"])),
        imputation=next(iter(options["imputation"])),
    )


def apply_settings(spec, cohort: int, settings: ExplorerSettings):
    """A new spec carrying the settings (weights, cohort size, methods); thresholds stay separate.

    Raises
    ------
    InputError
        For negative or all-zero weights, a cohort size below 1, or an unknown method label.
    """
    weights = dict(settings.weights)
    if any(w < 0 for w in weights.values()) or not any(w > 0 for w in weights.values()):
        raise InputError(
            f"Explorer pillar weights must be non-negative with at least one positive. Got {weights}."
        )
    if settings.size < 1:
        raise InputError(f"Explorer cohort size must be at least 1. Got {settings.size}.")
    options = method_options(spec)
    chosen = {}
    for step in ("normalisation", "aggregation", "imputation"):
        label = getattr(settings, step)
        if label not in options[step]:
            raise InputError(
                f"Unknown {step} choice {label!r} in the explorer. Expected one of {list(options[step])}."
            )
        chosen[step] = options[step][label]
    pillars = tuple(dataclasses.replace(p, weight=float(weights.get(p.id, p.weight or 0.0)))
                    for p in spec.pillars)
    cohorts = tuple(dataclasses.replace(c, size=int(settings.size)) if c.year == int(cohort) else c
                    for c in spec.cohorts)
    methods = dataclasses.replace(spec.methods, normalisation=chosen["normalisation"],
                                  aggregation_index=chosen["aggregation"],
                                  imputation=chosen["imputation"])
    return dataclasses.replace(spec, pillars=pillars, cohorts=cohorts, methods=methods)


def _run(spec, cohort: int, thresholds: dict[str, float] | None) -> pd.DataFrame:
    runs = run_cohorts(spec, until=cohort, thresholds=thresholds or None)
    return runs[int(cohort)].table.set_index("region_code")


def evaluate(spec, cohort: int, settings: ExplorerSettings, *, nominal: pd.DataFrame | None = None
             ) -> ExplorerResult:
    """Rank and select under ``settings``; compare with the nominal selection.

    Parameters
    ----------
    spec : Spec
    cohort : int
    settings : ExplorerSettings
    nominal : DataFrame, optional
        The nominal table (from an earlier call), to avoid recomputing it.

    Returns
    -------
    ExplorerResult

    Notes
    -----
    The setting is applied as a new spec (:func:`apply_settings`) and run through
    :func:`smartcity_analysis.engine.selection.run_cohorts` up to ``cohort`` (earlier cohorts shape the pool), with
    the threshold overrides passed to the eligibility rules. Nothing is approximated: the explorer shows
    what ``smartcity rank`` would give for that spec.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, step 7 (uncertainty and
       sensitivity of the ranking to weights and methods).
    """
    variant = apply_settings(spec, cohort, settings)
    table = _run(variant, cohort, dict(settings.thresholds))
    if nominal is None:
        nominal = _run(spec, cohort, None)
    return ExplorerResult(settings=settings, table=table, nominal=nominal)


def changes_table(result: ExplorerResult) -> pd.DataFrame:
    """Regions whose selection differs from the nominal one (``entered`` / ``left``), with ranks.

    Returns
    -------
    DataFrame
        Index ``region_code``; ``region, province, change, rank (nominal), rank (now), score (now)``;
        entered first, then left, each by the new rank.

    Notes
    -----
    With :math:`S` the selection under the setting and :math:`N` the nominal one: entered
    :math:`= S \\setminus N`, left :math:`= N \\setminus S`; :math:`|S| - |N| =` entered :math:`-` left.
    """
    now, before = result.selected, result.nominal_selected
    changed = now != before
    t = result.table.loc[changed]
    out = pd.DataFrame({
        "region": t["name"],
        "province": t["province_name"],
        "change": ["entered" if now[c] else "left" for c in t.index],
        "rank (nominal)": result.nominal["rank_national"].reindex(t.index),
        "rank (now)": t["rank_national"],
        "score (now)": pd.to_numeric(t["score"], errors="coerce").round(2),
    })
    return out.sort_values(["change", "rank (now)"], ascending=[True, True])


def ranking_table(result: ExplorerResult, n: int = 20) -> pd.DataFrame:
    """Top-``n`` regions under the setting: rank, score, selected now, selected nominally, actual."""
    t = result.table.assign(score=pd.to_numeric(result.table["score"], errors="coerce"))
    top = t.sort_values("rank_national").head(n)
    return pd.DataFrame({
        "rank": top["rank_national"],
        "region": top["name"],
        "province": top["province_name"],
        "score": top["score"].round(2),
        "selected": top["selected"].fillna(False).astype(bool).map({True: "yes", False: ""}),
        "nominal": result.nominal_selected[top.index].map({True: "yes", False: ""}),
        "actual cohort": top["actual_cohort"].map(lambda y: "" if pd.isna(y) else str(int(y))),
    })


def summary(result: ExplorerResult) -> pd.DataFrame:
    """One-column summary: selected, kept from the nominal selection, entered, left, Jaccard.

    Notes
    -----
    Jaccard :math:`|S \\cap N| / |S \\cup N|` (1 = the same selection).
    """
    now, before = result.selected, result.nominal_selected
    kept, union = int((now & before).sum()), int((now | before).sum())
    rows = {
        "selected now": int(now.sum()),
        "selected nominally": int(before.sum()),
        "kept": kept,
        "entered": int((now & ~before).sum()),
        "left": int((~now & before).sum()),
        "Jaccard with nominal": round(kept / union, 3) if union else float("nan"),
    }
    return pd.DataFrame({"value": pd.Series(rows, dtype=object)})


#: Columns of :func:`weight_stability`.
WEIGHT_STABILITY_COLUMNS = ["pillar", "weight", "low", "high", "enters_low", "leaves_low", "enters_high",
                            "leaves_high"]


def weight_stability(spec, result: ExplorerResult) -> tuple[pd.DataFrame, str]:
    """The stability interval of each pillar weight at the current setting, in slider units.

    Parameters
    ----------
    spec : Spec
        The spec the explorer runs (for the method of the setting's aggregation label).
    result : ExplorerResult
        The outcome of the current setting (:func:`evaluate`).

    Returns
    -------
    table : DataFrame
        Index: pillar id (every pillar with a score); :data:`WEIGHT_STABILITY_COLUMNS`: the slider
        weight, the slider values ``low``-``high`` between which (the other sliders where they are) the
        selection stays the same, and who enters/leaves just beyond each end (region codes joined by
        ``;``). ``high`` is ``inf`` when no weight, however large, changes the selection. Empty when
        the intervals do not apply (see ``note``).
    note : str
        What the intervals answer, or why they were not computed.

    Notes
    -----
    Computed by :func:`smartcity_analysis.robustness.answers.stability_tables` on the setting's pillar
    scores (which do not depend on the pillar weights) for plain top-``k`` selection among the eligible.
    Moving one slider to :math:`x` with the others at sum :math:`R` gives that pillar the share
    :math:`s = x / (x + R)` and rescales the others proportionally, which is exactly the move the
    intervals describe; so a share interval :math:`[s_l, s_h]` is the slider interval
    :math:`[R s_l / (1 - s_l), R s_h / (1 - s_h)]`. Quotas are not modelled: with a binding quota
    the selection can change inside an interval (the note says when the spec has quotas).
    """
    from smartcity_analysis.robustness.answers import stability_tables

    t = result.table
    weights = dict(result.settings.weights)
    present = [pid for pid in weights if f"pillar_{pid}" in t.columns and weights[pid] > 0]
    empty = pd.DataFrame(columns=WEIGHT_STABILITY_COLUMNS[1:], index=pd.Index([], name="pillar"))
    if len(present) < 2:
        return empty, "Not computed: fewer than two pillars with a score and a positive weight."
    scores = t[[f"pillar_{pid}" for pid in present]].set_axis(present, axis=1)
    eligible = (t["eligible"].fillna(False).astype(bool) & t["in_pool"].fillna(False).astype(bool)).to_numpy()
    method = method_options(spec)["aggregation"][result.settings.aggregation].name
    w = pd.Series({pid: weights[pid] for pid in present})
    quotas = getattr(spec, "quotas", None)
    has_quotas = bool(quotas is not None and quotas.active)
    cohort_table, _, note = stability_tables(scores, w / w.sum(), eligible, int(result.settings.size),
                                             index_aggregation=method, quotas=has_quotas)
    if cohort_table.empty:
        return empty, note
    rows = cohort_table.set_index("criterion")
    total = float(w.sum())

    def to_slider(share, pid):
        rest = total - float(w[pid])
        share = float(share)
        return float("inf") if share >= 1 else rest * share / (1 - share)

    out = pd.DataFrame({
        "weight": w,
        "low": [to_slider(rows.at[pid, "low"], pid) for pid in present],
        "high": [to_slider(rows.at[pid, "high"], pid) for pid in present],
        **{c: rows[c].reindex(present).to_numpy() for c in WEIGHT_STABILITY_COLUMNS[4:]},
    }, index=pd.Index(present, name="pillar"))
    return out, note + " Slider units: the other sliders stay where they are."


def interval_label(table: pd.DataFrame, pillar: str) -> str:
    """The text beside a weight slider: the slider range over which the selection stays the same."""
    if pillar not in table.index:
        return "<span style='color:#7f8c8d'>no interval</span>"
    lo, hi = float(table.at[pillar, "low"]), float(table.at[pillar, "high"])
    hi_text = "any" if hi == float("inf") else f"{hi:.2f}"
    return f"selection unchanged for {lo:.2f} to {hi_text}"


# --------------------------------------------------------------------------------------------------
# widgets
# --------------------------------------------------------------------------------------------------
class Explorer:
    """The wired widget app (UI state lives here; every computation goes through :func:`evaluate`).

    Attributes
    ----------
    widget : ipywidgets.VBox
        Display this (the notebook's last expression).
    controls : dict
        ``weight:<pillar>``, ``threshold:<rule>``, ``size``, ``normalisation``, ``aggregation``,
        ``imputation`` -> widget.
    result : ExplorerResult
        The outcome for the current control values.
    """

    def __init__(self, spec, cohort: int, *, top: int = 20):
        import ipywidgets as w

        self.spec, self.cohort, self.top = spec, int(cohort), top
        self.nominal_settings = nominal_settings(spec, cohort)
        options = method_options(spec)
        style = {"description_width": "220px"}
        layout = w.Layout(width="520px")
        self.controls: dict[str, Any] = {}
        names = {p.id: p.name or p.id for p in spec.pillars}
        for pid, weight in self.nominal_settings.weights:
            self.controls[f"weight:{pid}"] = w.FloatSlider(
                value=weight, min=0.0, max=max(5.0, 2 * weight), step=0.05, description=names[pid][:40],
                continuous_update=False, style=style, layout=layout, readout_format=".2f")
        for rid, value in self.nominal_settings.thresholds:
            rule = next(r for r in spec.eligibility if r.id == rid)
            if rule.kind == "completeness":
                ctl = w.FloatSlider(value=value, min=0.0, max=1.0, step=0.05, readout_format=".2f")
            else:
                ctl = w.FloatText(value=value)
            ctl.description, ctl.style, ctl.layout = f"threshold {rid}", style, layout
            ctl.continuous_update = False
            self.controls[f"threshold:{rid}"] = ctl
        self.controls["size"] = w.IntSlider(
            value=self.nominal_settings.size, min=1, max=150, description="cohort size",
            continuous_update=False, style=style, layout=layout)
        for step in ("normalisation", "aggregation", "imputation"):
            self.controls[step] = w.Dropdown(options=list(options[step]), value=getattr(
                self.nominal_settings, step), description=step, style=style, layout=layout)
        #: the stability interval of each weight at the current setting, beside its slider
        self.interval_labels = {pid: w.HTML() for pid, _ in self.nominal_settings.weights}
        self.stability = pd.DataFrame(columns=WEIGHT_STABILITY_COLUMNS[1:])
        self.reset_button = w.Button(description="Reset to the spec", icon="undo")
        self.reset_button.on_click(lambda _: self.reset())
        self.status = w.HTML()
        self.out_summary, self.out_ranking = w.Output(), w.Output()
        self.out_map, self.out_changes = w.Output(), w.Output()
        for ctl in self.controls.values():
            ctl.observe(self._on_change, names="value")
        tabs = w.Tab(children=[self.out_ranking, self.out_map, self.out_changes])
        for i, title in enumerate(("Ranking", "Selection map", "Changes vs nominal")):
            tabs.set_title(i, title)
        self.widget = w.VBox([
            w.HTML(f"<b>{spec.title}</b>, cohort {self.cohort}"),
            w.HBox([w.VBox([w.HBox([ctl, self.interval_labels[key.split(":", 1)[1]]])
                            if key.startswith("weight:") else ctl for key, ctl in self.controls.items()]
                           + [self.reset_button]), self.out_summary]),
            self.status, tabs,
        ])
        self._nominal_table = None
        self.result = None
        self.update()

    def settings(self) -> ExplorerSettings:
        """Read the controls into an :class:`ExplorerSettings`."""
        c = self.controls
        return ExplorerSettings(
            weights=tuple((pid, float(c[f"weight:{pid}"].value)) for pid, _ in self.nominal_settings.weights),
            thresholds=tuple((rid, float(c[f"threshold:{rid}"].value))
                             for rid, _ in self.nominal_settings.thresholds),
            size=int(c["size"].value),
            normalisation=c["normalisation"].value,
            aggregation=c["aggregation"].value,
            imputation=c["imputation"].value,
        )

    def set(self, settings: ExplorerSettings) -> None:
        """Set every control from ``settings`` and recompute once."""
        self._hold = True
        try:
            c = self.controls
            for pid, v in settings.weights:
                c[f"weight:{pid}"].value = v
            for rid, v in settings.thresholds:
                c[f"threshold:{rid}"].value = v
            c["size"].value = settings.size
            for step in ("normalisation", "aggregation", "imputation"):
                c[step].value = getattr(settings, step)
        finally:
            self._hold = False
        self.update()

    def reset(self) -> None:
        """Back to the spec as declared."""
        self.set(self.nominal_settings)

    def _on_change(self, change) -> None:
        if not getattr(self, "_hold", False):
            self.update()

    def update(self) -> ExplorerResult | None:
        """Recompute for the current controls and refresh the outputs."""
        import matplotlib.pyplot as plt
        from IPython.display import display

        from smartcity_analysis.plots import national

        try:
            result = evaluate(self.spec, self.cohort, self.settings(), nominal=self._nominal_table)
        except Exception as exc:  # show the problem next to the controls, keep the last result
            self.status.value = f"<span style='color:#b2182b'>{type(exc).__name__}: {exc}</span>"
            return None
        self._nominal_table = result.nominal
        self.result = result
        self.status.value = ""
        self.stability, note = weight_stability(self.spec, result)
        for pid, label in self.interval_labels.items():
            label.value = interval_label(self.stability, pid)
            label.tooltip = note
        for out in (self.out_summary, self.out_ranking, self.out_map, self.out_changes):
            out.clear_output(wait=True)
        with self.out_summary:
            display(summary(result))
        with self.out_ranking:
            display(ranking_table(result, self.top))
        with self.out_map:
            ax = national.selection_map(result.selected, result.nominal_selected,
                                        names=("now", "nominal"),
                                        title="Selection now against the spec's nominal selection")
            display(ax.figure)
            plt.close(ax.figure)
        with self.out_changes:
            display(changes_table(result))
        return result


def build_explorer(cohort: int = 2018, spec: str = "", *, top: int = 20) -> Explorer:
    """Build the wired explorer for a spec and cohort (what the notebook calls).

    Parameters
    ----------
    cohort : int
        Cohort year.
    spec : str
        Spec path or shipped name; ``""`` is the package default (see
        :func:`smartcity_analysis.spec.resolve_spec`).
    top : int
        Rows of the ranking table.
    """
    return Explorer(resolve_spec(spec), cohort, top=top)
