"""The national overview, first part: the declared criteria and which have data (the criteria table,
gate effects, coverage per region, unmeasured criteria), correlations and Cronbach's alpha.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartcity_analysis.curated.inputs import spec_frames
from smartcity_analysis.curated.loaders import load_indicator_registry
from smartcity_analysis.engine.diagnostics import correlation_matrix, cronbach_alpha
from smartcity_analysis.engine.selection import run_cohorts
from smartcity_analysis.overview.context import Markdown, OverviewContext
from smartcity_analysis.report import gates
from smartcity_analysis.report.text import _style
from smartcity_analysis.results import CohortResults


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
