"""Explaining the real cohorts of a spec: one short orchestrator over the pure methods, cached.

:func:`run_explanation` runs, for every cohort of a spec, the index build and the selection
(``pipeline.build_index``, ``selection.run_selection``), compares them with the actual cohort
(:mod:`.agreement`) and computes what it would take each region to reach its cohort's cutoff
(:mod:`.what_it_would_take`); then it fits revealed weights with bootstrap intervals and
leave-one-cohort-out validation (:mod:`.revealed`) and lists the rank extremes (:mod:`.anomalies`).
Each of the three parts is one helper. :func:`load_or_run_explanation` caches the result per (spec
hash, data hash, settings) so reports only load it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from smartcity_analysis import __version__
from smartcity_analysis.cache import cached, load_tables, save_tables
from smartcity_analysis.curated import loaders
from smartcity_analysis.curated.inputs import data_key, spec_frames
from smartcity_analysis.errors import ComputationError
from smartcity_analysis.explanation import agreement as agr
from smartcity_analysis.explanation import anomalies as anom
from smartcity_analysis.explanation import revealed as rev
from smartcity_analysis.explanation.criteria_search import revealed_criteria
from smartcity_analysis.explanation.inputs import _indicators_or_spec_data, _run_cohorts, _wide_for
from smartcity_analysis.explanation.settings import (
    RESULT_FORMAT,
    TABLES,
    ExplanationResult,
    ExplanationSettings,
)
from smartcity_analysis.explanation.what_it_would_take import _counterfactuals, _verifier
from smartcity_analysis.spec import resolve_spec

__all__ = ["load_or_run_explanation", "run_explanation"]


def _criteria(build, level: str) -> pd.DataFrame:
    frame = build.pillar_scores if level == "pillar" else build.normalised
    return frame.loc[:, frame.notna().any()]


def _nominal_weights(build, level: str, names: Sequence[str]) -> np.ndarray:
    w = build.weights
    if level == "pillar":
        s = w.drop_duplicates("pillar").set_index("pillar")["pillar_weight"]
    else:
        s = w.groupby("indicator")["overall_weight"].sum()
    s = s.reindex(list(names)).astype(float)
    total = s.sum()
    return (s / total).to_numpy() if total > 0 else s.to_numpy()


@dataclass(frozen=True)
class _CohortParts:
    """Per cohort: the agreement table (index ``region_code``), its summary, the engine's build and
    the counterfactual tables and notes."""

    tabs: list
    summaries: list
    builds: dict
    cf_parts: list
    cf_info: dict


@dataclass(frozen=True)
class _RevealedParts:
    """The revealed-weight fits and the facts the summary reports about them."""

    weights: pd.DataFrame
    validation: pd.DataFrame
    weight_rows: list
    val_rows: list
    fitted: dict
    crit: dict
    common: list
    scale: float
    n_dropped: dict
    unusable: list
    usable: list


def run_explanation(
    spec,
    *,
    settings: ExplanationSettings | None = None,
    indicators=None,
    regions: pd.DataFrame | None = None,
    cohorts: pd.DataFrame | None = None,
    progress: bool = True,
    **overrides,
) -> ExplanationResult:
    """Explain the actual cohorts with a spec's measured criteria.

    Parameters
    ----------
    spec : Spec, path or dict
    settings : ExplanationSettings, optional
        Defaults: outcome definition ``"mou"``, pillar level, both methods, 100 bootstrap replicates,
        seed 0 (the defaults of ``smartcity explain``, so the CLI and the reports share one cached
        result). Keyword ``overrides`` replace single fields (``n_boot=50``).
    indicators : DataFrame or mapping, optional
        Wide frame(s) per data year; default ``loaders.load_indicators(data_year, wide=True)``.
    regions, cohorts : DataFrame, optional
        Default ``loaders.load_regions()`` / ``loaders.load_cohorts()``.
    progress : bool, default True
        Show tqdm progress bars.

    Returns
    -------
    ExplanationResult

    Notes
    -----
    Per cohort ``c`` (pool = regions not actually selected in an earlier cohort, see
    :func:`~.agreement.cohort_roles`): the spec's score and nominal selection come from the engine;
    agreement metrics compare them with the actual list. Revealed weights are fitted on the evaluated
    regions of all cohorts together (``fit="pooled"``, one cutoff/intercept per cohort) and on each
    cohort alone; criteria are the spec's pillar scores (or normalised indicators) divided by one
    common factor (the largest value), so weight ratios stay comparable with the spec's weights.
    Rows with a missing criterion are left out of the fit and counted in the summary.
    Counterfactuals hold the other regions' normalised values fixed (see
    :mod:`~.counterfactual`); :func:`~.what_it_would_take.verify_change` checks one through the real
    build.

    References
    ----------
    OECD/JRC (2008). Handbook on Constructing Composite Indicators, steps 6-7 and 9 (weights, their
    uncertainty, and links to other variables).
    """
    spec = resolve_spec(spec)
    settings = dataclasses.replace(settings or ExplanationSettings(), **overrides)
    indicators = _indicators_or_spec_data(spec, indicators)
    regions = loaders.load_regions() if regions is None else regions
    cohorts = loaders.load_cohorts() if cohorts is None else cohorts
    names = regions["name"] if "name" in regions.columns else pd.Series(dtype=str)
    leave = spec.pool.leave_statuses

    runs = _run_cohorts(spec, indicators, regions, cohorts)
    parts = _agreement_and_counterfactuals(spec, settings, runs, indicators, regions, cohorts,
                                           names, leave, progress)
    fits = _revealed_weights(spec, settings, parts, progress)
    search = _revealed_search(spec, settings, indicators, regions, cohorts, progress)
    tables = {
        "agreement": pd.concat([t.reset_index() for t in parts.tabs], ignore_index=True),
        "agreement_summary": pd.DataFrame([{k: v for k, v in s.items()
                                            if not isinstance(v, (dict, list))}
                                           for s in parts.summaries]),
        "weights": fits.weights,
        "validation": fits.validation,
        "anomalies": _rank_extremes(settings, parts, fits, names),
        "counterfactual_regions": pd.concat([p[0] for p in parts.cf_parts], ignore_index=True),
        "counterfactual_single": pd.concat([p[1] for p in parts.cf_parts], ignore_index=True),
        "counterfactual_combined": pd.concat([p[2] for p in parts.cf_parts], ignore_index=True),
    }
    summary = _summary(spec, settings, leave, parts, fits)
    if search is not None:
        tables["validation"] = pd.concat([tables["validation"], search.tables["validation"]],
                                         ignore_index=True)
        tables.update({k: v for k, v in search.tables.items() if k != "validation"})
        summary["revealed"] = search.summary
        summary["chosen_model"] = search.summary["chosen_model"]
    return ExplanationResult(tables=tables, summary=_jsonable(summary))


def _revealed_search(spec, settings, indicators, regions, cohorts, progress):
    """Part 4: the revealed-criteria search over every measured indicator (None when
    ``settings.families`` is empty)."""
    if not settings.families:
        return None
    frames = {c.data_year: _wide_for(indicators, c.data_year) for c in spec.cohorts}
    return revealed_criteria(spec, frames, regions=regions, cohorts=cohorts,
                             definition=settings.definition, families=settings.families,
                             n_perm=settings.n_perm, n_boot=settings.n_stability,
                             seed=settings.seed, ci_level=settings.ci_level, progress=progress)


def _agreement_and_counterfactuals(spec, settings, runs, indicators, regions, cohorts, names, leave,
                                   progress) -> _CohortParts:
    """Part 1, per cohort: the spec's nominal selection against the actual cohort (agreement table
    and summary), and what it would take each evaluated region to reach the cutoff."""
    tabs, summaries, builds, cf_parts, cf_info = [], [], {}, [], {}
    for cohort in tqdm(spec.cohorts, desc="cohorts", disable=not progress, leave=False):
        build, sel = runs[cohort.year]
        builds[cohort.year] = build
        roles = agr.cohort_roles(cohorts, cohort.year, regions.index, definition=settings.definition,
                                 leave_statuses=leave)
        score = sel["score"].astype(float)
        eligible = sel["eligible"].astype(bool)
        if spec.pool.previous_cohorts == "actual" and "selected" in sel:
            nominal = sel["selected"].astype(bool)
            nominal_source = "engine selection (quotas and tie-breaking of the spec)"
        else:
            nominal = agr.nominal_selection(score, eligible, roles["role"] != "left_pool",
                                            cohort.size)
            nominal_source = "top-k of the actual pool by score (the spec's pool is not 'actual')"
        table = agr.agreement_table(roles, score, nominal, eligible=eligible)
        table["fail_reasons"] = sel["fail_reasons"].reindex(table.index).fillna("").astype(str) \
            if "fail_reasons" in sel else ""
        table.insert(0, "name", names.reindex(table.index).fillna(""))
        table.insert(0, "cohort_year", cohort.year)
        summ = agr.agreement_summary(table)
        summ.update({"cohort_year": cohort.year, "cohort_size": cohort.size,
                     "data_year": cohort.data_year, "nominal_source": nominal_source,
                     "roles": agr.role_counts(roles),
                     "actual_not_in_pool": sorted(roles.index[(roles["role"] == "left_pool")
                                                              & (roles["status"] != "")]),
                     "excluded": sorted(roles.index[roles["role"] == "excluded"])})
        act = table[table["actual"]].sort_values("rank_in_pool")
        summ["actual_ranks"] = [
            {"region_code": c, "name": r["name"], "status": r["status"],
             "rank_in_pool": int(r["rank_in_pool"]), "score": r["score"],
             "eligible": bool(r["eligible"]), "nominal": bool(r["nominal"])}
            for c, r in act.iterrows()
        ]
        quirks = roles[(roles["status"] != "") & (roles["role"].isin(["excluded", "left_pool"])
                                                  | ~roles["status"].eq("selected")
                                                  | roles["earlier"].ne(""))]
        summ["quirks"] = [
            {"region_code": c, "name": names.get(c, ""), "status": r["status"], "role": r["role"],
             "earlier": r["earlier"]}
            for c, r in quirks.iterrows()
        ]
        summaries.append(summ)
        tabs.append(table)
        cutoff = float(score[nominal & score.notna()].min()) if nominal.any() else float("nan")
        summ["cutoff"] = cutoff
        check = None
        if settings.verify:
            pool_eligible = table.index[table["eligible"].to_numpy(bool)]
            check = _verifier(spec, cohort, _wide_for(indicators, cohort.data_year), regions,
                              pool_eligible)
        cf_regions, cf_single, cf_comb, info = _counterfactuals(spec, cohort, build, table,
                                                                settings, cutoff, check, progress)
        cf_parts.append((cf_regions, cf_single, cf_comb))
        cf_info[cohort.year] = info
    return _CohortParts(tabs=tabs, summaries=summaries, builds=builds, cf_parts=cf_parts,
                        cf_info=cf_info)


def _revealed_weights(spec, settings, parts: _CohortParts, progress) -> _RevealedParts:
    """Part 2: the non-negative weights the actual choices reveal (pooled over the cohorts and per
    cohort), with bootstrap intervals, identification notes and leave-one-cohort-out validation."""
    tabs, summaries, builds = parts.tabs, parts.summaries, parts.builds
    crit = {y: _criteria(b, settings.level) for y, b in builds.items()}
    common = sorted(set.intersection(*(set(c.columns) for c in crit.values())),
                    key=list(next(iter(crit.values())).columns).index)
    if not common:
        raise ComputationError(
            f"No {settings.level} of spec '{spec.id}' is measured in every cohort's data year; "
            "revealed weights need at least one common criterion."
        )
    Xs, ys, gs, codes_fit = [], [], [], []
    n_dropped, unusable = {}, []
    for t in tabs:
        year = int(t["cohort_year"].iloc[0])
        X = crit[year].reindex(t.index)[common]
        ok = X.notna().all(axis=1)
        n_dropped[year] = int((~ok).sum())
        classes = set(t.loc[ok, "actual"])
        if classes != {True, False}:
            unusable.append(year)
            continue
        Xs.append(X[ok].to_numpy(float))
        ys.append(t.loc[ok, "actual"].to_numpy(int))
        gs.append(np.full(int(ok.sum()), year))
        codes_fit.append(X.index[ok])
    if not Xs:
        raise ComputationError(
            f"No cohort of spec '{spec.id}' has both actually selected and unselected regions with "
            f"complete criteria (cohorts {sorted(builds)}); revealed weights cannot be fitted. Check "
            "that the spec's cohort years appear in data/programme/cohorts.csv."
        )
    X_all = np.vstack(Xs)
    scale = float(np.nanmax(np.abs(X_all))) or 1.0
    X_all = X_all / scale
    y_all = np.concatenate(ys)
    g_all = np.concatenate(gs)
    nominal_w = _nominal_weights(builds[spec.cohorts[0].year], settings.level, common)
    opts = {"logistic": {"C": settings.C}, "margin": {"nu": settings.nu}}

    weight_rows, val_rows, fitted = [], [], {}
    usable = [y for y in builds if y not in unusable]
    fits = [("pooled", np.ones(len(y_all), dtype=bool))] + [(str(y), g_all == y) for y in usable]
    for method in settings.methods:
        for fit_name, m in fits:
            Xf, yf, gf = X_all[m], y_all[m], g_all[m]
            extra = {"optimal_range": True} if method == "margin" else {}
            fit = rev.REVEALED_METHODS[method](Xf, yf, gf, **opts[method], **extra)
            fitted[(method, fit_name)] = fit
            if settings.n_boot > 0:
                reps = rev.bootstrap_weights(Xf, yf, gf, method=method, n_boot=settings.n_boot,
                                             seed=settings.seed, progress=progress,
                                             desc=f"bootstrap {method} {fit_name}",
                                             **opts[method])
                lo, hi = rev.weight_intervals(reps, settings.ci_level)
            else:
                lo = hi = np.full(len(common), np.nan)
            notes = rev.identification(Xf, common, lo if settings.n_boot else None,
                                       hi if settings.n_boot else None)
            if "optimal_low" in fit.info:
                for j in range(len(common)):
                    a, b = fit.info["optimal_low"][j], fit.info["optimal_high"][j]
                    if np.isfinite(a) and np.isfinite(b) and b - a > 0.05:
                        notes[j] = (notes[j] + "; " if notes[j] else "") + (
                            f"LP optimum not unique: any weight in [{a:.2f}, {b:.2f}] is optimal")
            if np.isnan(fit.weights).all():
                notes = [(n + "; " if n else "") + "no non-negative weighting separates the classes"
                         for n in notes]
            at_bound = fit.info.get("at_bound", [False] * len(common))
            for j, c in enumerate(common):
                sign = ("held at 0 by the non-negativity bound (unconstrained, it would be "
                        "negative)") if at_bound[j] else ""
                weight_rows.append({"method": method, "fit": fit_name, "criterion": c,
                                    "weight": fit.weights[j], "ci_low": lo[j], "ci_high": hi[j],
                                    "nominal_weight": nominal_w[j], "identified": not notes[j],
                                    "note": notes[j], "bound_note": sign})
        if len(usable) >= 2:
            for r in rev.leave_one_group_out(X_all, y_all, g_all, method=method, **opts[method]):
                val_rows.append({"method": method, "cohort_year": int(r["group"]), "n": r["n"],
                                 "n_selected": r["n_selected"], "auc_in": r["auc_in"],
                                 "precision_at_k_in": r["precision_at_k_in"],
                                 "auc_out": r["auc_out"],
                                 "precision_at_k_out": r["precision_at_k_out"],
                                 "weights_out": "; ".join(
                                     f"{c}={w:.3f}" for c, w in zip(common, r["weights_out"],
                                                                    strict=True))})
    for s in summaries:
        val_rows.append({"method": "spec", "cohort_year": s["cohort_year"], "n": s["n_pool"],
                         "n_selected": s["n_actual"], "auc_in": s["auc"],
                         "precision_at_k_in": s["precision_at_k"], "auc_out": s["auc"],
                         "precision_at_k_out": s["precision_at_k"],
                         "weights_out": "spec weights (not fitted)"})
    weights_table = pd.DataFrame(weight_rows)
    validation = pd.DataFrame(val_rows)
    return _RevealedParts(weights=weights_table, validation=validation, weight_rows=weight_rows,
                          val_rows=val_rows, fitted=fitted, crit=crit, common=common, scale=scale,
                          n_dropped=n_dropped, unusable=unusable, usable=usable)


def _rank_extremes(settings, parts: _CohortParts, fits: _RevealedParts, names) -> pd.DataFrame:
    """Part 3: the rank extremes of every cohort, with the pooled revealed ranking when it exists."""
    tabs, builds = parts.tabs, parts.builds
    fitted, crit, common, scale = fits.fitted, fits.crit, fits.common, fits.scale
    anom_parts = []
    pooled = fitted.get((settings.methods[0], "pooled"))
    for t in tabs:
        year = int(t["cohort_year"].iloc[0])
        b = builds[year]
        values = b.pillar_scores.add_prefix("pillar_").join(b.raw.add_prefix("value_"))
        extra = {}
        if pooled is not None and np.isfinite(pooled.weights).all():
            s_rev = pd.Series(crit[year].reindex(t.index)[common].to_numpy(float) / scale
                              @ pooled.weights, index=t.index)
            extra[f"revealed_{settings.methods[0]}"] = s_rev.rank(ascending=False, method="min")
        part = anom.rank_extremes(t, values, n=settings.n_anomalies, extra_ranks=extra)
        part.insert(0, "cohort_year", year)
        part.insert(2, "name", part["region_code"].map(names).fillna(""))
        anom_parts.append(part)
    anomalies_table = pd.concat(anom_parts, ignore_index=True)
    return anomalies_table


def _summary(spec, settings, leave, parts: _CohortParts, fits: _RevealedParts) -> dict:
    """The JSON summary of a run: provenance, settings, per-cohort metrics, fits, warnings."""
    builds, common, unusable, usable = parts.builds, fits.common, fits.unusable, fits.usable
    first = builds[spec.cohorts[0].year]
    return {
        "spec_id": spec.id,
        "spec_hash": spec.spec_hash,
        "data_hashes": {str(y): b.provenance.get("data_hash") for y, b in builds.items()},
        "package_version": __version__,
        "result_format": RESULT_FORMAT,
        "settings": settings.key(),
        "outcome_definition": agr.OUTCOME_DEFINITIONS[settings.definition].description,
        "leave_statuses": list(leave),
        "criteria": common,
        "criteria_scale": fits.scale,
        "not_measured": sorted(set(first.excluded["indicator"])) if len(first.excluded) else [],
        "dropped_pillars": list(first.dropped_pillars),
        "rows_dropped_missing_criteria": {str(k): v for k, v in fits.n_dropped.items()},
        "cohorts": parts.summaries,
        "weights": fits.weight_rows,
        "validation": fits.val_rows,
        "counterfactual": {str(k): v for k, v in parts.cf_info.items()},
        "warnings": _warnings(spec, settings, common, builds) + [
            f"Cohort {y} has no actually selected (or no unselected) region with complete criteria: "
            "it is in no revealed-weight fit." for y in unusable] + (
            ["Only one cohort can be fitted: no leave-one-cohort-out validation."]
            if len(usable) < 2 else []),
        "notes": [
            "Revealed weights describe which non-negative weighting of the measured criteria best "
            "separates the listed regions from the rest of the pool; they are not Kominfo's weights, "
            "which were never published.",
            "Counterfactuals hold the other regions' normalised values fixed; a change that moves an "
            "indicator's minimum or maximum, or that depends on imputation or outlier treatment, is "
            "approximate: verify_change re-runs the real build.",
            "Criteria declared unavailable are not part of any fit (see not_measured).",
        ],
    }


def _warnings(spec, settings, common, builds) -> list[str]:
    """Things a reader of the revealed weights must know about this spec."""
    out = []
    if len(common) == 1:
        out.append(f"Only one {settings.level} is measured ({common[0]}): its revealed weight is 1 "
                   "by construction. Use level 'indicator' to reveal weights within it.")
    m = spec.methods
    aggs = {m.aggregation_index.name} | {(p.aggregation or m.aggregation_pillars).name
                                         for p in spec.pillars}
    if settings.level == "pillar" and m.aggregation_index.name != "arithmetic":
        out.append(f"The spec aggregates pillars with '{m.aggregation_index.name}', but revealed "
                   "weights fit a weighted sum: compare them with the spec's weights as relative "
                   "importances, not as the same parameters.")
    elif settings.level == "indicator" and aggs != {"arithmetic"}:
        out.append("The spec's aggregation is not arithmetic at every level, but revealed weights "
                   "fit a weighted sum of indicators: compare them with the spec's effective "
                   "weights as relative importances.")
    fixed = ("explicit", "equal")
    if m.weighting_indicators.name not in fixed or m.weighting_pillars.name not in fixed:
        out.append("The spec's weights are derived from the data (not explicit); the 'spec' "
                   "weights shown are those of the first cohort's build.")
    return out


def _jsonable(obj):
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not np.isfinite(obj):
        return None
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist())
    return obj


# ---------------------------------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------------------------------


def _save(result: ExplanationResult, directory) -> None:
    save_tables({**result.tables, "summary": result.summary}, directory)


def _load(directory) -> ExplanationResult:
    loaded = load_tables(directory)
    summary = loaded.pop("summary")
    return ExplanationResult(tables={k: loaded[k] for k in TABLES if k in loaded}, summary=summary)


def load_or_run_explanation(
    spec,
    *,
    settings: ExplanationSettings | None = None,
    refresh: bool = False,
    progress: bool = True,
    **overrides,
) -> ExplanationResult:
    """The cached explanation of ``spec`` on the curated data; computed on the first call.

    Parameters
    ----------
    spec : Spec, path or dict
    settings : ExplanationSettings, optional
    refresh : bool, default False
        Recompute even when cached.
    progress : bool, default True
    **overrides
        Fields of :class:`ExplanationSettings`.

    Returns
    -------
    ExplanationResult
        Tables reloaded from the cache (so a hit and a miss give the same types).

    Notes
    -----
    Key: spec hash, the data key of the spec's frames (:func:`smartcity_analysis.curated.inputs.data_key`
    of :func:`~smartcity_analysis.curated.inputs.spec_frames`: user-supplied files included), the
    settings, the package version and :data:`RESULT_FORMAT`, under ``<cache_dir>/explanation/``.

    References
    ----------
    Build once, report many: docs/ARCHITECTURE.md; :mod:`smartcity_analysis.cache`.
    """
    spec = resolve_spec(spec)
    settings = dataclasses.replace(settings or ExplanationSettings(), **overrides)
    key = {"spec": spec.spec_hash, "data": data_key(spec_frames(spec)), "settings": settings.key(),
           "version": __version__, "format": RESULT_FORMAT}
    return cached("explanation", key,
                  compute=lambda: run_explanation(spec, settings=settings, progress=progress),
                  save=_save, load=_load, refresh=refresh)
