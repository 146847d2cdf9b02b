"""The national overview: one parameter model, one context loader, one function per table.

``notebooks/national_overview.ipynb`` is a thin papermill view over this module and
:mod:`smartcity_analysis.plots.national`: a tagged parameters cell (the fields of
:class:`OverviewParams`), one :func:`load_overview` call, then one call per table or figure. Sections:
the declared criteria and which have data; distributions, correlations and Cronbach's alpha; the nominal
selection of the spec against the actual cohort; robustness (the contestable regions, the audit figures
with their Monte Carlo uncertainty, how settled the cohort is); weights revealed by
the actual cohort; the model comparison of the revealed criteria (stated spec, each family,
baselines; in and out of sample; ROC and precision at k per cohort); spatial equity (Java versus outside Java, provinces).

The cohort results (index build, selection, robustness, explanation) come from
:func:`smartcity_analysis.results.load_cohort_results`, the one memo shared with the region reports, the
index page and the explorer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smartcity_analysis.curated.inputs import spec_frames
from smartcity_analysis.curated.loaders import load_indicator_registry, load_regions
from smartcity_analysis.engine.diagnostics import correlation_matrix, cronbach_alpha
from smartcity_analysis.engine.selection import run_cohorts
from smartcity_analysis.explanation import criteria_search
from smartcity_analysis.explanation.revealed import auc_score, fit_logistic_weights
from smartcity_analysis.report import gates
from smartcity_analysis.report.text import _style
from smartcity_analysis.results import CohortResults, RunParams, load_cohort_results

#: Actual-cohort statuses counted as "actually selected" in a cohort: the MoU list (the outcome of the
#: pre-screen and assessment), the explanation's default outcome definition, so that the overview and
#: the explanation count the same regions.
ACTUAL_SELECTED_STATUSES = ("selected", "not_awarded", "cancelled", "deferred")

#: Name of the Java island group in ``regions.island_group``.
JAVA = "Jawa"

#: File name of the overview in ``<out_dir>/<cohort>/``.
OVERVIEW_STEM = "national-overview"


@dataclass(frozen=True)
class OverviewParams(RunParams):
    """Parameters of the national overview (papermill parameters of the overview notebook).

    Parameters
    ----------
    cohort : int
        Cohort year; one of the spec's cohorts.
    spec : str
        Criteria spec: a shipped name or the path of a YAML file; ``""`` means the default spec.
    draws : int
        Monte Carlo draws of the robustness analysis.
    seed : int
        Seed of the robustness draws.

    Notes
    -----
    Exactly the shared :class:`~smartcity_analysis.results.RunParams`: the overview reads the same
    cached results as the region reports and ``smartcity robustness`` with the same defaults.
    """


# --------------------------------------------------------------------------------------------------
# context
# --------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class OverviewContext:
    """Everything the overview sections read, loaded once by :func:`load_overview`."""

    params: OverviewParams
    results: CohortResults
    regions: pd.DataFrame
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def spec(self):
        return self.results.spec

    @property
    def index_result(self):
        return self.results.run.result

    @property
    def table(self) -> pd.DataFrame:
        """Selection table indexed by ``region_code``, with ``island_group`` and ``actual``."""
        t = self.results.selection.set_index("region_code")
        t["island_group"] = self.regions["island_group"].reindex(t.index)
        t["actual"] = actual_selected(t, self.params.cohort)
        return t


def load_overview(params: OverviewParams) -> OverviewContext:
    """Validate the parameters and load every result the overview needs.

    Parameters
    ----------
    params : OverviewParams

    Returns
    -------
    OverviewContext
    """
    params = params.validate()
    results = load_cohort_results(params=params)
    return OverviewContext(params=params, results=results, regions=load_regions(),
                           notes=results.notes)


def actual_selected(table: pd.DataFrame, cohort: int) -> pd.Series:
    """Boolean per region: actually in cohort ``cohort`` (status selected or added late)."""
    year = pd.to_numeric(table["actual_cohort"], errors="coerce")
    status = table["actual_status"].astype(str)
    return (year == cohort) & status.isin(ACTUAL_SELECTED_STATUSES)


# --------------------------------------------------------------------------------------------------
# text and tables (one function per table; each returns a narrow DataFrame or Markdown text)
# --------------------------------------------------------------------------------------------------
class Markdown(str):
    """Markdown text that displays as Markdown in notebooks and the PDF."""

    def _repr_markdown_(self) -> str:
        return str(self)


def header(ctx: OverviewContext) -> Markdown:
    """Title block: spec, cohort, pool and what the overview covers."""
    spec, t = ctx.spec, ctx.table
    cohort = spec.cohort(ctx.params.cohort)
    notes = "".join(f"\n\n> Note: {n}" for n in ctx.notes)
    return Markdown(
        f"# National overview, cohort {ctx.params.cohort}\n\n"
        f"Criteria spec **{spec.title}** (`{spec.id}` v{spec.version}, hash `{spec.spec_hash[:12]}`); "
        f"data year {cohort.data_year}; cohort size {cohort.size}. Pool: {int(t['in_pool'].sum())} of "
        f"{len(t)} regions ({int(t['eligible'].fillna(False).astype(bool).sum())} pass the eligibility "
        f"rules). Robustness: {ctx.params.draws} draws, seed {ctx.params.seed}.{notes}"
    )


_RUNS_MEMO: dict[int, tuple[CohortResults, dict]] = {}


def cohort_runs(ctx: OverviewContext) -> dict:
    """Every cohort of the spec: ``year -> CohortSelection`` (the shared results' own runs up to this
    cohort, and the nominal runs of the later ones: the index build only, no Monte Carlo)."""
    results = ctx.results
    hit = _RUNS_MEMO.get(id(results))
    if hit is not None and hit[0] is results:
        return hit[1]
    runs = dict(results.runs)
    if any(c.year not in runs for c in ctx.spec.cohorts):
        spec = ctx.spec
        runs = {**run_cohorts(spec, indicators=spec_frames(spec)), **runs}
    runs = {c.year: runs[c.year] for c in ctx.spec.cohorts}
    _RUNS_MEMO.clear()
    _RUNS_MEMO[id(results)] = (results, runs)
    return runs


def criteria_table(ctx: OverviewContext) -> pd.DataFrame:
    """The declared criteria as the spec models them, one row per indicator, then one per data rule and
    quota: model (gate / scored / gate + scored / quota / unavailable), indicator, nominal level and
    declared range of a gate, weight and coverage per data year (what each gate and the quota did per
    cohort: :func:`gate_effects_table`).

    Returns
    -------
    DataFrame
        Index ``criterion``; columns ``model, indicator, level, range, weight`` and ``% with data
        <data year>`` for each of the spec's data years (share of the 514 regions with a published value
        before any imputation; NaN when the indicator is unavailable or not in that year's data).
    """
    spec, res = ctx.spec, ctx.index_result
    registry = load_indicator_registry()
    runs = cohort_runs(ctx)
    weights = (res.weights.set_index("indicator")["overall_weight"] if len(res.weights)
               else pd.Series(dtype=float))
    years = {run.cohort.data_year: run for run in runs.values()}
    rows = []

    def _blank() -> dict:
        return {f"% with data {y}": np.nan for y in years}

    for ind in spec.indicators:
        rules = gates.gate_rules(spec, ind.code)
        w = weights.get(ind.code, np.nan)
        row = {
            # the spec names only what is not in the registry (unavailable criteria, derived proxies)
            "criterion": ind.name or registry.get(ind.code, {}).get("name_en") or ind.code,
            "model": gates.criterion_model(spec, ind.code, w),
            "indicator": ind.code,
            "level": "; ".join(gates.level_text(r, registry) for r in rules) or "-",
            "range": "; ".join(gates.range_text(spec, r, registry) for r in rules) or "-",
            "weight": "-" if ind.availability == "unavailable" else gates.weight_text(spec, ind.code, w),
        }
        for y, run in years.items():
            raw = run.result.raw
            row[f"% with data {y}"] = (round(100.0 * raw[ind.code].notna().mean(), 1)
                                      if ind.code in raw.columns else np.nan)
        rows.append(row)
    for rule in spec.eligibility:
        if rule.kind == "threshold":
            continue
        completeness = rule.kind == "completeness"
        rows.append({"criterion": "data completeness (not a Kominfo rule)" if completeness
                     else f"region type ({rule.id})", "model": "gate (data)" if completeness else "gate",
                     "indicator": "-", "level": gates.level_text(rule, registry),
                     "range": gates.range_text(spec, rule, registry), "weight": "gate only",
                     **_blank()})
    q = spec.quotas
    if q.active:
        level = []
        if q.min_share_outside_java is not None:
            level.append(f"≥ {100 * q.min_share_outside_java:g} % of each cohort outside Java")
        if q.max_per_province is not None:
            level.append(f"≤ {q.max_per_province} per province")
        level += [f"{tm.type} share in [{tm.min_share}, {tm.max_share}]" for tm in q.type_mix]
        rows.append({"criterion": "pemerataan (equity quota)", "model": "quota", "indicator": "island_group",
                     "level": "; ".join(level), "range": "not varied", "weight": "-", **_blank()})
    return pd.DataFrame(rows).set_index("criterion")


#: Width of the criterion column of :func:`criteria_styled`: the longest criterion names on two lines.
CRITERION_WIDTH = "68mm"


def criteria_styled(ctx: OverviewContext):
    """:func:`criteria_table` for print: the criterion as a first column wide enough for its name to
    read on one or two lines, indicator codes that may wrap at their underscores, missing coverage as
    ``n/a``.

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    df = criteria_table(ctx).reset_index()
    wide = f"min-width: {CRITERION_WIDTH}; width: {CRITERION_WIDTH};"
    return (_style(df, "criteria", precision=1)
            # a zero-width space after each underscore: long codes (government_performance_award) no
            # longer force the table wide and squeeze the names into a narrow column
            .format(lambda v: str(v).replace("_", "_\u200b"), subset=["indicator"])
            .set_table_styles([{"selector": "th.col0", "props": wide},
                               {"selector": "td.col0", "props": wide + " font-weight: bold;"}]))


def gate_effects_table(ctx: OverviewContext) -> pd.DataFrame:
    """Per gate and quota, per cohort of the spec: what it did to the pool.

    Returns
    -------
    DataFrame
        Index ``gate`` (rule id and reason code, then ``quota``); one column per cohort year: pool
        regions failing the gate, ``n fail + m missing`` (from
        :func:`~smartcity_analysis.engine.selection.reason_counts`), ``not applied (no data Y)`` for a
        rule whose indicator has no data in the cohort's data year, and for the quota ``binds: i in, o
        out`` or ``does not bind`` (:func:`~smartcity_analysis.engine.selection.quota_effect`).
    """
    spec = ctx.spec
    effects = gates.gate_effects(spec, cohort_runs(ctx))
    labels = {r.id: f"{r.id} ({r.reason})" for r in spec.eligibility}
    labels["quota"] = "quota"
    rows = {labels[k]: v for k, v in effects.items() if v}
    out = pd.DataFrame.from_dict(rows, orient="index")
    out.index.name = "gate"
    return out


def coverage_by_region(ctx: OverviewContext) -> pd.DataFrame:
    """Per region: number of the spec's measured indicators with a value in the data year, and which
    regions lack values by nature.

    Returns
    -------
    DataFrame
        Index ``region_code``; ``indicators with data`` (count) and ``missing by nature`` (the label
        :data:`smartcity_analysis.report.gates.MISSING_BY_NATURE` for a region the indicator registry
        lists under ``missing_regions`` of a computed spec indicator: the six DKI Jakarta
        administrative units for ``fiscal_capacity``, ``bpk_opinion``, ``apbd_on_time`` and
        ``government_performance_award``; ``""`` otherwise).
    """
    raw = ctx.index_result.raw
    registry = load_indicator_registry()
    by_nature = {str(c) for code in raw.columns for c in (registry.get(code, {}).get("missing_regions") or ())}
    out = raw.notna().sum(axis=1).rename("indicators with data").to_frame()
    out["missing by nature"] = [gates.MISSING_BY_NATURE if c in by_nature else ""
                                for c in out.index.astype(str)]
    return out


def _uniform_coverage(cov: pd.DataFrame) -> int | None:
    """The one count of :func:`coverage_by_region` shared by every region that is not missing values
    by nature, or None when the counts differ (or there is no such region)."""
    counts = cov.loc[cov["missing by nature"] == "", "indicators with data"].unique()
    return int(counts[0]) if len(counts) == 1 else None


def coverage_note(ctx: OverviewContext) -> Markdown | None:
    """One line in place of the coverage map when every region has data for the same number of the
    spec's indicators (the regions missing values by nature aside, named with their count): a map of
    one colour says nothing. None when the counts differ (then :func:`fig_coverage_map` draws it).

    Returns
    -------
    Markdown or None
    """
    cov = coverage_by_region(ctx)
    same = _uniform_coverage(cov)
    if same is None:
        return None
    n = ctx.index_result.raw.shape[1]
    year = ctx.spec.cohort(ctx.params.cohort).data_year
    what = f"all {n}" if same == n else f"{same} of the {n}"
    line = f"Every region has data for {what} indicators the spec computes (data year {year})"
    nature = cov[cov["missing by nature"] != ""]
    if len(nature):
        counts = ", ".join(str(int(c)) for c in sorted(nature["indicators with data"].unique()))
        line += (f", except the {len(nature)} regions missing values by nature (no own budget), which "
                 f"have {counts} of them")
    return Markdown(line + "; no map is drawn.")


def fig_coverage_map(ctx: OverviewContext, ax=None):
    """The map of :func:`coverage_by_region` (:func:`smartcity_analysis.plots.national.coverage_map`)
    when the regions' counts differ.

    Returns
    -------
    matplotlib.axes.Axes or None
        None (nothing drawn) when every region has the same count: :func:`coverage_note` says it.
    """
    cov = coverage_by_region(ctx)
    if _uniform_coverage(cov) is not None:
        return None
    # matplotlib only where a figure is drawn (a kernel): the CLI imports this module too.
    from smartcity_analysis.plots.national import coverage_map

    return coverage_map(cov, ax=ax)


def unmeasured_criteria(ctx: OverviewContext) -> Markdown:
    """What is really missing: the criteria the spec declares without data (never filled in), the gates
    not applied in a cohort (their indicator has no data in its data year), what the gates and the quota
    did per cohort (:func:`gate_effects_table`, as a Markdown table), and the regions missing values by
    nature (the DKI administrative units: no own budget)."""
    names = {i.code: i.name or i.code for i in ctx.spec.indicators}
    codes = [i.code for i in ctx.spec.indicators if i.availability != "measured"]
    excluded = ctx.index_result.excluded
    if excluded is not None and len(excluded):
        codes += [str(c) for c in excluded["indicator"]]
    missing = sorted({names.get(c, c) for c in codes})
    parts = []
    if missing:
        parts.append("**Not measured** (declared by the spec, no public data; left out of the computation, "
                     "weights renormalised over the rest, never filled in): " + "; ".join(missing) + ".")
    runs = cohort_runs(ctx)
    skipped = [f"{rid} in cohort {y} (no data for data year {run.cohort.data_year})"
               for y, run in runs.items() for rid in run.skipped_rules]
    if skipped:
        parts.append("**Gates not applied**: " + "; ".join(skipped) + ": nobody is gated on them there.")
    effects = gate_effects_table(ctx)
    if len(effects):
        head = "| gate | " + " | ".join(f"cohort {c}" for c in effects.columns) + " |"
        sep = "|---" * (len(effects.columns) + 1) + "|"
        body = ["| " + " | ".join([str(g), *map(str, r)]) + " |" for g, r in zip(effects.index,
                                                                             effects.to_numpy(), strict=True)]
        parts.append("**What the gates and the quota did** (pool regions failing each gate; whether the "
                     "quota binds):\n\n" + "\n".join([head, sep, *body]))
    cov = coverage_by_region(ctx)
    nature = cov.index[cov["missing by nature"] != ""]
    if len(nature):
        regions = ctx.regions.reindex(nature.astype(str))["name"].fillna(pd.Series(nature, index=nature))
        parts.append(f"**Missing by nature**: {len(nature)} regions ({', '.join(map(str, regions))}) have no "
                     "budget of their own, so no fiscal or administrative value: shown as missing, never "
                     "zero; they fail the gates on those values as missing.")
    if not parts:
        return Markdown("Every declared criterion was measured.")
    parts.append("Every level, range and weight is an assumption (Kominfo published none).")
    return Markdown("\n\n".join(parts))


def correlation(ctx: OverviewContext) -> pd.DataFrame:
    """Pearson correlation of the normalised indicators (pairwise complete), rounded to 2 decimals."""

    diag = ctx.index_result.diagnostics
    corr = diag.correlation if diag is not None else correlation_matrix(ctx.index_result.normalised)
    return corr.round(2)


def selection_flags(ctx: OverviewContext) -> dict[str, pd.Series]:
    """``nominal``, ``actual`` and ``in_pool`` flags per region (keyword arguments of the maps)."""
    t = ctx.table
    return {"nominal": t["selected"].fillna(False).astype(bool), "actual": t["actual"],
            "in_pool": t["in_pool"].fillna(False).astype(bool)}


def reliability_table(ctx: OverviewContext) -> pd.DataFrame:
    """Cronbach's alpha and first principal component share per pillar (and all indicators)."""
    diag = ctx.index_result.diagnostics
    spec = ctx.spec
    rows = []
    for p in spec.pillars:
        alpha = diag.cronbach_alpha.get(p.id, np.nan) if diag is not None else np.nan
        rows.append({"pillar": p.name or p.id, "indicators": len(p.indicators),
                     "Cronbach alpha": alpha, "PC1 share": _pc1(diag, p.id)})
    if diag is not None:

        rows.append({"pillar": "all indicators", "indicators": ctx.index_result.normalised.shape[1],
                     "Cronbach alpha": cronbach_alpha(ctx.index_result.normalised),
                     "PC1 share": _pc1(diag, "all")})
    return pd.DataFrame(rows).set_index("pillar").round(2)


def _pc1(diag, group: str) -> float:
    if diag is None or diag.pca_explained is None or not len(diag.pca_explained):
        return np.nan
    pe = diag.pca_explained
    sel = pe[(pe["group"].astype(str) == group)]
    if not len(sel):
        return np.nan
    return float(sel.sort_values("component")["explained_variance_ratio"].iloc[0])


def agreement_table(ctx: OverviewContext) -> pd.DataFrame:
    """Nominal selection of the spec against the actual cohort (counts, Jaccard, precision).

    Notes
    -----
    With :math:`N` the nominal and :math:`A` the actual set: Jaccard :math:`|N\\cap A| / |N\\cup A|`,
    precision :math:`|N\\cap A| / |N|`.
    """
    t = ctx.table
    nominal, actual = t["selected"].fillna(False).astype(bool), t["actual"]
    both = int((nominal & actual).sum())
    union = int((nominal | actual).sum())
    rows = {
        "nominal selection (spec)": int(nominal.sum()),
        "actual cohort (MoU list)": int(actual.sum()),
        "in both": both,
        "nominal only": int((nominal & ~actual).sum()),
        "actual only": int((actual & ~nominal).sum()),
        "actual but ineligible under the spec": int((actual & ~t["eligible"].fillna(False).astype(bool)).sum()),
        "Jaccard": round(both / union, 3) if union else np.nan,
        "precision (share of nominal picks actually selected)": round(both / nominal.sum(), 3)
        if nominal.sum() else np.nan,
    }
    return pd.DataFrame({"value": pd.Series(rows, dtype=object)})


def contestable_table(ctx: OverviewContext, n: int = 25) -> pd.DataFrame:
    """The regions whose selection is least certain under the declared uncertainty.

    Sorted by :math:`|P(\\text{selected}) - 0.5|` ascending (most contestable first); only regions with
    :math:`0 < P < 1`. Empty when the robustness analysis is not available.
    """
    rob = ctx.results.robustness
    cols = ["region", "province", "nominal", "actual", "P(selected)", "rank 5-95%"]
    if rob is None or not len(rob):
        return pd.DataFrame(columns=cols)
    t = ctx.table
    r = rob.set_index("region_code").reindex(t.index)
    p = pd.to_numeric(r["p_selected"], errors="coerce")
    keep = p[(p > 0) & (p < 1)]
    order = (keep - 0.5).abs().sort_values(kind="mergesort").index[:n]
    out = pd.DataFrame({
        "region": t.loc[order, "name"],
        "province": t.loc[order, "province_name"],
        "nominal": np.where(t.loc[order, "selected"].fillna(False).astype(bool), "selected", "-"),
        "actual": np.where(t.loc[order, "actual"], "selected", "-"),
        "P(selected)": p[order].round(2),
    })
    if {"rank_p05", "rank_p95"} <= set(r.columns):
        out["rank 5-95%"] = [f"{int(a)}-{int(b)}" if np.isfinite(a) and np.isfinite(b) else ""
                             for a, b in zip(r.loc[order, "rank_p05"], r.loc[order, "rank_p95"],
                                             strict=True)]
    out.index = pd.RangeIndex(1, len(out) + 1, name="#")
    return out


def robustness_summary(ctx: OverviewContext) -> pd.DataFrame:
    """Count of regions per robustness class (or per P(selected) band when classes are absent)."""
    rob = ctx.results.robustness
    if rob is None or not len(rob):
        return pd.DataFrame({"regions": []})
    if "robustness_class" in rob.columns:
        counts = rob["robustness_class"].astype(str).value_counts()
    else:
        bands = pd.cut(rob["p_selected"], [-0.01, 0.0, 0.1, 0.9, 0.999999, 1.0],
                       labels=["never", "rarely", "contestable", "usually", "always"])
        counts = bands.value_counts().sort_index()
    return counts.rename("regions").to_frame()


#: Rows of :func:`audit_table` (keys of the robustness run's ``summary["audit"]``).
AUDIT_ROWS = {
    "actual_outside_top_k": "actual cohort outside the model's selection",
    "actual_failing_gate": "actual cohort failing a stated gate (or outside the pool)",
    "top_k_not_chosen": "model's selection not in the actual cohort",
}


def _robustness_summary_dict(ctx: OverviewContext) -> dict:
    res = ctx.results.robustness_result
    return dict(res.summary) if res is not None else {}


def audit_table(ctx: OverviewContext) -> pd.DataFrame:
    r"""The audit figures of the cohort, as audit offices publish them for grant programmes: how many of
    the actual cohort the model does not select (and by how many places they miss), how many fail a
    stated eligibility gate, how many of the model's selection were not chosen; for the nominal model
    and over the Monte Carlo draws (mean and 5-95 % interval).

    Returns
    -------
    DataFrame
        Index: figure; columns ``nominal model``, ``Monte Carlo mean``, ``5-95 % of draws``. Empty when
        the robustness analysis is not available.

    Notes
    -----
    With :math:`A` the actual cohort (statuses selected or added late, as the robustness run counts
    them), :math:`S_d` the selection and :math:`E_d` the eligible pool of draw :math:`d`:
    :math:`|A \setminus S_d|`, :math:`|A \setminus E_d|`, :math:`|S_d \setminus A|`. "Places beyond
    the cutoff" is the place in the nominal eligible order minus :math:`k` of each actual region outside
    the nominal selection (median, maximum; regions not ranked are counted apart).
    """
    cols = ["nominal model", "Monte Carlo mean", "5-95 % of draws"]
    audit = _robustness_summary_dict(ctx).get("audit")
    if not audit:
        return pd.DataFrame(columns=cols)
    rows = {"actual cohort (selected or added late)": [int(audit["n_actual"]), "", ""],
            "cohort size k of the model": [int(audit["k"]), "", ""]}
    for key, label in AUDIT_ROWS.items():
        a = audit[key]
        rows[label] = [int(a["nominal"]), round(float(a["mean"]), 1),
                       f"{int(a['p05'])}-{int(a['p95'])}"]
    b = audit.get("places_beyond_k") or {}

    def places(v):
        return "n/a" if v is None else int(round(float(v)))

    rows["places beyond the cutoff, median / max (nominal)"] = [
        f"{places(b.get('median'))} / {places(b.get('max'))}", "", ""]
    rows["actual cohort not ranked at all (nominal)"] = [int(b.get("not_ranked", 0)), "", ""]
    return pd.DataFrame.from_dict(rows, orient="index", columns=cols).rename_axis("figure")


def settledness_table(ctx: OverviewContext) -> pd.DataFrame:
    r"""How settled the cohort's selection is: the mean confidence factor of the expected selection and
    the decision entropy (SMAA; issue 13 item 6).

    Returns
    -------
    DataFrame
        Index: measure; column ``value`` and ``reads`` (how to read it). Empty when the robustness
        analysis is not available.

    Notes
    -----
    Mean confidence: the mean, over the ``k`` regions most often selected, of the confidence factor
    (P(selected) with the weights fixed at the region's central weights, the other uncertainty drawn).
    Decision entropy :math:`H = \sum_i h(p_i)`, :math:`h(p) = -p\log_2 p - (1-p)\log_2(1-p)`: 0 bits
    for a settled cohort, one bit per region decided by a coin toss.
    """
    summ = _robustness_summary_dict(ctx)
    if not summ or summ.get("decision_entropy_bits") is None:
        return pd.DataFrame(columns=["value", "reads"])
    conf = summ.get("mean_confidence")
    rows = {
        "mean confidence factor (expected selection)": [
            "n/a" if conf is None else f"{100 * float(conf):.0f} %",
            "100 % = every expected pick is chosen in every draw under its typical weights"],
        "decision entropy": [
            f"{float(summ['decision_entropy_bits']):.1f} bits",
            "0 = settled; each region decided by a coin toss adds 1 bit"],
        "draws": [f"{int(summ.get('draws', ctx.params.draws)):,}",
                  f"confidence factors on the first {summ.get('confidence_draws', 'n/a')}"],
    }
    return pd.DataFrame.from_dict(rows, orient="index", columns=["value", "reads"]).rename_axis("measure")


def revealed_weights_table(ctx: OverviewContext) -> pd.DataFrame:
    """Pillar weights of the spec against the weights revealed by the actual cohorts.

    From the cached explanation (:mod:`smartcity_analysis.explanation`): the non-negative logistic fit
    pooled over the cohorts with its bootstrap 95 % interval, and the fit of this cohort alone. Without
    the explanation, the logistic fit of this cohort is computed here
    (:func:`smartcity_analysis.explanation.revealed.fit_logistic_weights`).
    """
    tables = ctx.results.explanation or {}
    w = tables.get("weights")
    if w is not None and len(w) and {"method", "fit", "criterion", "weight"} <= set(w.columns):
        w = w[w["method"] == "logistic"]
        pooled = w[w["fit"].astype(str) == "pooled"].set_index("criterion")
        cohort = w[w["fit"].astype(str) == str(ctx.params.cohort)].set_index("criterion")
        out = pd.DataFrame(index=pd.Index(pooled.index, name="criterion"))
        out["spec weight"] = pooled["nominal_weight"].round(3)
        out["revealed (pooled)"] = pooled["weight"].round(3)
        out["95% interval"] = [f"{a:.2f}-{b:.2f}" if np.isfinite(a) and np.isfinite(b) else ""
                               for a, b in zip(pooled["ci_low"], pooled["ci_high"], strict=True)]
        out[f"revealed ({ctx.params.cohort})"] = cohort["weight"].reindex(out.index).round(3)
        return out
    return _revealed_here(ctx)


def validation_table(ctx: OverviewContext) -> pd.DataFrame:
    """How well each weighting ranks the actually selected regions of this cohort above the rest.

    AUC (0.5 = chance) and precision at the cohort size, in sample and out of sample (weights fitted
    without this cohort), for the spec's weights and the revealed ones; from the cached explanation.
    Empty when the explanation is not available.
    """
    v = (ctx.results.explanation or {}).get("validation")
    cols = ["AUC in sample", "AUC out of sample", "precision at k (out)"]
    if v is None or not len(v):
        return pd.DataFrame(columns=cols)
    v = v[v["cohort_year"].astype(int) == ctx.params.cohort].set_index("method")
    out = pd.DataFrame({"AUC in sample": v["auc_in"], "AUC out of sample": v.get("auc_out"),
                        "precision at k (out)": v.get("precision_at_k_out")})
    out.index.name = "weights"
    return out.round(3)


def _revealed_search(ctx: OverviewContext):
    """The cached explanation when it holds the revealed-criteria search, else None."""
    res = ctx.results.explanation_result
    if res is None or "revealed_scores" not in res.tables or "revealed" not in res.summary:
        return None
    return res


def _per_cohort(rows: pd.DataFrame, col: str, digits: int) -> str:
    vals = rows.sort_values("cohort_year")[col]
    return " / ".join("-" if not np.isfinite(v) else f"{v:.{digits}f}" for v in vals.astype(float))


def model_comparison_table(ctx: OverviewContext) -> pd.DataFrame:
    """The stated spec, each revealed family and the baselines, in and out of sample.

    One row per model; per-cohort figures as ``2017 / 2018 / 2019`` (held-out cohorts of the nested
    leave-one-cohort-out), the mean out-of-sample AUC with its paired-bootstrap interval, and whether
    the data can separate the model from the chosen one (:func:`~smartcity_analysis.explanation.
    criteria_search.model_comparison`). The spec's row is its own score, not fitted (in = out).

    Returns
    -------
    DataFrame
        Index ``model``; 8 columns. Empty when the explanation has no revealed-criteria search.
    """
    cols = ["AUC in", "AUC out", "P@k out", "Brier out", "mean AUC out [95 %]", "p (out)",
            "separable from chosen", "chosen"]
    res = _revealed_search(ctx)
    if res is None:
        return pd.DataFrame(columns=cols).rename_axis("model")
    comp = criteria_search.model_comparison(res, spec_label=f"{ctx.spec.id} (stated)")
    rows = {}
    for method, g in comp.groupby("method", sort=False):
        first = g.iloc[0]
        stated = not np.isfinite(float(first["mean_auc_out"]))
        rows[method] = {
            "AUC in": _per_cohort(g, "auc_in", 2),
            "AUC out": "(not fitted: = in)" if stated else _per_cohort(g, "auc_out", 2),
            "P@k out": _per_cohort(g, "precision_at_k_out", 2),
            "Brier out": _per_cohort(g, "brier_out", 3),
            "mean AUC out [95 %]": "-" if stated else (f"{first['mean_auc_out']:.3f} "
                                                        f"[{first['ci_low']:.3f}, {first['ci_high']:.3f}]"),
            "p (out)": "-" if stated else f"{g['p_value_out'].astype(float).max():.3f}",
            "separable from chosen": "-" if stated or bool(first["chosen"]) else (
                "yes" if bool(first["separable_from_chosen"]) else "no"),
            "chosen": "yes" if bool(first["chosen"]) else "",
        }
    return pd.DataFrame.from_dict(rows, orient="index", columns=cols).rename_axis("model")


def fig_model_curves(ctx: OverviewContext, kind: str = "roc", which: str = "out"):
    """ROC (``kind="roc"``) or precision-at-k curves of every revealed family, one panel per cohort
    (:func:`smartcity_analysis.plots.revealed.cohort_curves`); None when the explanation has no
    revealed-criteria search.

    Returns
    -------
    numpy array of matplotlib Axes or None
    """
    res = _revealed_search(ctx)
    if res is None:
        return None
    # matplotlib only where a figure is drawn (a kernel): the CLI imports this module too
    from smartcity_analysis.plots.revealed import cohort_curves

    years = sorted(int(y) for y in res.tables["revealed_scores"]["cohort_year"].unique())
    return cohort_curves(res, years, kind=kind, which=which)


def _revealed_here(ctx: OverviewContext) -> pd.DataFrame:

    t = ctx.table
    cols = [c for c in t.columns if c.startswith("pillar_")]
    pool = t[t["in_pool"].fillna(False).astype(bool)].dropna(subset=cols)
    weights = ctx.index_result.weights
    nominal = (weights.groupby("pillar")["pillar_weight"].first()
               if weights is not None and "pillar_weight" in weights else pd.Series(dtype=float))
    nominal = nominal / nominal.sum() if nominal.sum() else nominal
    out = pd.DataFrame(index=pd.Index([c.removeprefix("pillar_") for c in cols], name="criterion"))
    out["spec weight"] = nominal.reindex(out.index).round(3)
    y = pool["actual"].astype(int).to_numpy()
    if len(cols) == 0 or y.sum() == 0 or y.sum() == len(y):
        out[f"revealed ({ctx.params.cohort})"] = np.nan
        return out
    X = pool[cols].to_numpy(dtype=float)
    fit = fit_logistic_weights(X, y)
    out[f"revealed ({ctx.params.cohort})"] = np.round(fit.weights, 3)
    score = X @ np.nan_to_num(fit.weights)
    out.loc["AUC (in sample)", f"revealed ({ctx.params.cohort})"] = round(float(auc_score(y, score)), 3)
    out.loc["AUC (in sample)", "spec weight"] = round(float(auc_score(y, pool["score"].to_numpy(float))), 3)
    return out


def equity_table(ctx: OverviewContext) -> pd.DataFrame:
    """Java versus outside Java: pool, nominal and actual selections (counts and shares)."""
    t = ctx.table
    group = np.where(t["island_group"].astype(str) == JAVA, "Java", "outside Java")
    nominal = t["selected"].fillna(False).astype(bool)
    frame = pd.DataFrame({"group": group, "pool": t["in_pool"].fillna(False).astype(bool),
                          "nominal": nominal, "actual": t["actual"]})
    out = frame.groupby("group")[["pool", "nominal", "actual"]].sum().astype(int)
    for col in ("nominal", "actual"):
        total = out[col].sum()
        out[f"{col} %"] = (100 * out[col] / total).round(1) if total else np.nan
    out["pool %"] = (100 * out["pool"] / out["pool"].sum()).round(1)
    return out[["pool", "pool %", "nominal", "nominal %", "actual", "actual %"]]


def province_table(ctx: OverviewContext, n: int = 15) -> pd.DataFrame:
    """Provinces with the most nominal or actual selections (pool, nominal, actual counts)."""
    t = ctx.table
    frame = pd.DataFrame({"province": t["province_name"], "pool": t["in_pool"].fillna(False).astype(bool),
                          "nominal": t["selected"].fillna(False).astype(bool), "actual": t["actual"]})
    out = frame.groupby("province")[["pool", "nominal", "actual"]].sum().astype(int)
    out["difference"] = out["nominal"] - out["actual"]
    out = out[(out["nominal"] > 0) | (out["actual"] > 0)]
    return out.sort_values(["actual", "nominal"], ascending=False).head(n)
