"""The criteria explorer: change weights, thresholds, cohort size and methods; see what changes.

``notebooks/criteria_explorer.ipynb`` is a thin view: it calls :func:`build_explorer`, which builds the
ipywidgets, wires them and shows the ranking, the selection map and what changed against the spec's
nominal selection, recomputed whenever a control is released. The computation is pure and usable without
widgets: :func:`nominal_settings` -> :class:`ExplorerSettings` -> :func:`evaluate` ->
:class:`ExplorerResult` -> :func:`changes_table` / :func:`ranking_table`.

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

    Notes
    -----
    With :math:`S` the selection under the setting and :math:`N` the nominal one: entered
    :math:`= S \\setminus N`, left :math:`= N \\setminus S`; :math:`|S| - |N| =` entered :math:`-` left.

    Returns
    -------
    DataFrame
        Index ``region_code``; ``region, province, change, rank (nominal), rank (now), score (now)``;
        entered first, then left, each by the new rank.
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
            w.HBox([w.VBox(list(self.controls.values()) + [self.reset_button]), self.out_summary]),
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
