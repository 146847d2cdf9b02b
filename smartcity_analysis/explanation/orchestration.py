"""Explaining the real cohorts of a spec: one orchestrator over the pure methods, cached.

:func:`run_explanation` runs, for every cohort of a spec, the index build and the selection
(``pipeline.build_index``, ``selection.run_selection``), compares them with the actual cohort
(:mod:`.agreement`), fits revealed weights with bootstrap intervals and leave-one-cohort-out validation
(:mod:`.revealed`), lists the rank extremes (:mod:`.anomalies`) and computes what it would take each
region to reach its cohort's cutoff (:mod:`.counterfactual`). :func:`load_or_run_explanation` caches
the result per (spec hash, data hash, settings) so reports only load it. :func:`verify_change` re-runs
the real build with a changed indicator value and says whether the region reaches the cutoff.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from smartcity_analysis import __version__
from smartcity_analysis.errors import ComputationError, InputError
from smartcity_analysis.explanation import agreement as agr
from smartcity_analysis.explanation import anomalies as anom
from smartcity_analysis.explanation import counterfactual as cf
from smartcity_analysis.explanation import revealed as rev

__all__ = [
    "RESULT_FORMAT",
    "TABLES",
    "ExplanationResult",
    "ExplanationSettings",
    "load_or_run_explanation",
    "run_explanation",
    "verify_change",
]

#: Bumped when the tables or their meaning change; part of the cache key.
RESULT_FORMAT = 2

#: Names of the tables of an :class:`ExplanationResult`, in the order they are written.
TABLES = (
    "agreement",
    "agreement_summary",
    "weights",
    "validation",
    "anomalies",
    "counterfactual_regions",
    "counterfactual_single",
    "counterfactual_combined",
)


@dataclass(frozen=True)
class ExplanationSettings:
    """Settings of an explanation run (all part of the cache key).

    Attributes
    ----------
    definition : str
        Outcome definition, key of :data:`~.agreement.OUTCOME_DEFINITIONS` (default ``"mou"``).
    level : str
        ``"pillar"`` (revealed weights over the spec's criteria/pillar scores) or ``"indicator"``
        (over the normalised measured indicators).
    methods : tuple of str
        Revealed-weight methods (keys of :data:`~.revealed.REVEALED_METHODS`).
    n_boot : int
        Bootstrap replicates per fit (0 = no intervals).
    seed : int
    C : float
        Inverse regularisation of the logistic method.
    nu : float
        Margin-error bound of the LP method.
    ci_level : float
    n_anomalies : int
        Rows per group of the rank-extremes table.
    max_change : float
        Default bound on one indicator's change, as a share of its normalised range, where the spec
        declares no ``plausible_change``.
    verify : bool
        Apply every computed counterfactual through the real build and refine it until the region
        reaches the cutoff (or the bounds are exhausted); ``verified`` columns record the outcome.
    """

    definition: str = "mou"
    level: str = "pillar"
    methods: tuple[str, ...] = ("logistic", "margin")
    n_boot: int = 100
    seed: int = 0
    C: float = 1.0
    nu: float = 0.5
    ci_level: float = 0.95
    n_anomalies: int = 10
    max_change: float = cf.DEFAULT_MAX_CHANGE
    verify: bool = True

    def __post_init__(self):
        problems = []
        if self.definition not in agr.OUTCOME_DEFINITIONS:
            problems.append(f"definition must be one of {sorted(agr.OUTCOME_DEFINITIONS)}, got "
                            f"{self.definition!r}")
        if self.level not in ("pillar", "indicator"):
            problems.append(f"level must be 'pillar' or 'indicator', got {self.level!r}")
        bad = [m for m in self.methods if m not in rev.REVEALED_METHODS]
        if bad or not self.methods:
            problems.append(f"methods must be a non-empty subset of {sorted(rev.REVEALED_METHODS)}, "
                            f"got {list(self.methods)}")
        if int(self.n_boot) < 0:
            problems.append(f"n_boot must be >= 0, got {self.n_boot}")
        if not 0 < self.ci_level < 1:
            problems.append(f"ci_level must lie in (0, 1), got {self.ci_level}")
        if not self.C > 0:
            problems.append(f"C must be positive, got {self.C}")
        if not 0 < self.nu <= 1:
            problems.append(f"nu must lie in (0, 1], got {self.nu}")
        if not self.max_change > 0:
            problems.append(f"max_change must be positive, got {self.max_change}")
        if problems:
            raise InputError("Invalid explanation settings: " + "; ".join(problems) + ".")

    def key(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class ExplanationResult:
    """Tables and JSON summary of one explanation run.

    Attributes
    ----------
    tables : dict of DataFrame
        See :data:`TABLES`:

        - ``agreement``: one row per (cohort, evaluated region): ``cohort_year, region_code, name,
          role, status, actual, score, rank_in_pool, eligible, fail_reasons, nominal``;
        - ``agreement_summary``: one row per cohort (precision, recall, AUC, precision at k, ...);
        - ``weights``: ``method, fit, criterion, weight, ci_low, ci_high, nominal_weight, identified,
          note, bound_note`` (``fit`` = ``"pooled"`` or a cohort year; ``note`` says why a weight
          is not identified, ``bound_note`` when the logistic slope is held at zero by the bound);
        - ``validation``: ``method, cohort_year, n, n_selected, auc_in, precision_at_k_in, auc_out,
          precision_at_k_out`` (method ``"spec"`` = the spec's own score, not fitted);
        - ``anomalies``: rank extremes per cohort with criterion values;
        - ``counterfactual_regions``: one row per (cohort, evaluated region): outcome, gap, cheapest
          single change, combined distance;
        - ``counterfactual_single`` / ``counterfactual_combined``: one row per (cohort, region,
          indicator).
    summary : dict
        JSON-serialisable: provenance, settings, definitions, per-cohort metrics, weights with
        intervals, notes on assumptions.
    """

    tables: dict = field(default_factory=dict)
    summary: dict = field(default_factory=dict)

    def __getattr__(self, name):
        tables = object.__getattribute__(self, "tables")
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    def region(self, region_code: str) -> dict:
        """Every table's rows for one region (``{table: DataFrame}``), for the region report."""
        code = str(region_code)
        return {
            name: t[t["region_code"] == code].reset_index(drop=True)
            for name, t in self.tables.items()
            if "region_code" in t.columns
        }


# ---------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------


def _load_spec(spec):
    from smartcity_analysis.spec import Spec, load_spec

    return spec if isinstance(spec, Spec) else load_spec(spec)


def _wide_for(indicators, year: int) -> pd.DataFrame:
    from smartcity_analysis import loaders

    if indicators is None:
        return loaders.load_indicators(year, wide=True)
    if isinstance(indicators, Mapping):
        if year not in indicators:
            raise InputError(
                f"No indicator frame for data year {year} in the 'indicators' mapping (got years "
                f"{sorted(indicators)}). Pass one wide frame per data year of the spec's cohorts."
            )
        return indicators[year]
    if isinstance(indicators, pd.DataFrame):
        if isinstance(indicators.index, pd.MultiIndex):
            return indicators.xs(year, level="year")
        if {"region_code", "year", "indicator", "value"} <= set(indicators.columns):
            from smartcity_analysis.loaders import to_wide

            wide = to_wide(indicators[indicators["year"] == year])
            if isinstance(wide.index, pd.MultiIndex):
                wide = wide.droplevel("year")
            return wide
        return indicators
    raise InputError(
        f"'indicators' must be None, a wide DataFrame, a long DataFrame or a mapping year -> wide "
        f"DataFrame. Got {type(indicators).__name__}."
    )


def _run_cohorts(spec, indicators, regions, cohorts) -> dict:
    """The engine's builds and selections of every cohort: ``{year: (IndexResult, table)}``, the
    table indexed by region_code."""
    from smartcity_analysis import selection

    data = indicators
    if isinstance(indicators, pd.DataFrame):
        data = {c.data_year: _wide_for(indicators, c.data_year) for c in spec.cohorts}
    runs = selection.run_cohorts(spec, indicators=data, regions=regions, cohorts=cohorts)
    out = {}
    for year, run in runs.items():
        t = run.table.copy()
        t["region_code"] = t["region_code"].astype(str)
        out[year] = (run.result, t.set_index("region_code"))
    return out


# ---------------------------------------------------------------------------------------------------
# The orchestrator
# ---------------------------------------------------------------------------------------------------


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


def _plausible_bound(spec, code, raw_value, ncol, rcol, n_value, default_share):
    """Largest plausible increase of the normalised value of one indicator for one region."""
    nrange = float(np.nanmax(ncol) - np.nanmin(ncol))
    try:
        pc = spec.indicator(code).plausible_change
        direction = spec.indicator(code).direction
    except KeyError:
        pc, direction = None, 1
    if pc is None or not np.isfinite(raw_value):
        return default_share * nrange, "default"
    lo, hi = pc.bounds(float(raw_value))
    step = hi if direction >= 0 else lo
    if not np.isfinite(step):
        return np.inf, "declared"
    target_raw = raw_value + step
    # forward map raw -> normalised by monotone interpolation (clamped to the observed range)
    ok = np.isfinite(ncol) & np.isfinite(rcol)
    order = np.argsort(rcol[ok], kind="stable")
    n_at = float(np.interp(target_raw, rcol[ok][order], ncol[ok][order]))
    return max(0.0, n_at - n_value), "declared"


def _apply_values(spec, wide: pd.DataFrame, code: str, new_values: Mapping[str, float]) -> pd.DataFrame:
    """Copy of ``wide`` with the region's indicators set to ``new_values`` (own units); a derived
    indicator ``scale * num / den`` is reached by changing its numerator."""
    changed = wide.copy()
    for c, v in new_values.items():
        try:
            derive = spec.indicator(c).derive
        except KeyError:
            derive = None
        if derive is not None and c not in wide.columns:
            den = float(wide.loc[code, derive.denominator])
            changed.loc[code, derive.numerator] = float(v) * den / derive.scale
        elif c in wide.columns:
            changed.loc[code, c] = float(v)
        else:
            raise InputError(
                f"Indicator {c!r} is neither a column of the data nor a derived indicator of spec "
                f"'{spec.id}'; cannot apply a change to it."
            )
    return changed


def _verifier(spec, cohort, wide, regions, pool_eligible: pd.Index):
    """``check(code, new_values) -> (score_after, cutoff_after)`` through the real build.

    The cutoff after the change is the ``k``-th highest score among the other eligible regions of
    the actual pool (``k`` = cohort size), all recomputed on the changed data."""
    from smartcity_analysis import pipeline

    def check(code, new_values):
        after = pipeline.build_index(_apply_values(spec, wide, code, new_values), spec,
                                     regions=regions, data_year=cohort.data_year,
                                     diagnostics=False)
        others = after.index.reindex(pool_eligible.drop(code, errors="ignore")).dropna()
        others = np.sort(others.to_numpy())[::-1]
        cut = float(others[cohort.size - 1]) if others.size >= cohort.size else float("-inf")
        return float(after.index.get(code, np.nan)), cut

    return check


#: Rounds of "apply through the real build, add the shortfall to the target, recompute".
_REFINEMENTS = 6

#: Aggregators whose score of a region depends on the other regions (not row-wise).
_NOT_ROWWISE = ("copeland",)


def _score_function(spec, build, inds):
    """The build's own aggregation as a row-wise function of normalised values, with the weights
    and normalisation of the build held fixed; None when it cannot be reproduced row by row.

    Returns ``(score_fn, max_abs_error)``: ``score_fn(N) -> scores`` for rows of ``N`` ordered as
    ``inds``; the error is measured by re-scoring every region of the build."""
    from smartcity_analysis.aggregation import aggregate

    m = spec.methods
    w = build.weights
    pillars = list(build.pillar_scores.columns)
    levels = []
    for pid in pillars:
        rows = w[w["pillar"] == pid]
        agg = spec.pillars[spec.pillar_ids.index(pid)].aggregation or m.aggregation_pillars
        if agg.name in _NOT_ROWWISE:
            return None, float("nan")
        levels.append(([inds.index(c) for c in rows["indicator"]],
                       rows["weight_in_pillar"].to_numpy(float), agg))
    if m.aggregation_index.name in _NOT_ROWWISE:
        return None, float("nan")
    pw = w.drop_duplicates("pillar").set_index("pillar")["pillar_weight"].reindex(pillars)
    pw = pw.to_numpy(float)

    def score_fn(N):
        N = np.asarray(N, dtype=float)
        P = np.column_stack([
            aggregate(N[:, cols], wts, agg.name, min_coverage=m.min_coverage_pillars, **agg.kwargs)
            for cols, wts, agg in levels
        ])
        return aggregate(P, pw, m.aggregation_index.name, min_coverage=m.min_coverage_index,
                         **m.aggregation_index.kwargs)

    try:
        ref = build.index.reindex(build.normalised.index).to_numpy(float)
        got = score_fn(build.normalised[inds].to_numpy(float))
    except Exception:  # noqa: BLE001 - any failure means: fall back to the linear map
        return None, float("nan")
    both = np.isfinite(ref) & np.isfinite(got)
    if not both.any() or (np.isfinite(ref) != np.isfinite(got)).any():
        return None, float("nan")
    return score_fn, float(np.abs(ref[both] - got[both]).max())


def _gradient(score_fn, n0, h=1e-4):
    """Forward-difference gradient of ``score_fn`` at ``n0`` (score points per normalised unit)."""
    p = n0.size
    N = np.repeat(n0[None, :], p + 1, axis=0)
    N[np.arange(1, p + 1), np.arange(p)] += h
    s = score_fn(N)
    return np.clip((s[1:] - s[0]) / h, 0, None)


def _counterfactuals(spec, cohort, build, table, settings, cutoff, check=None, progress=False):
    """Counterfactual tables of one cohort: analytic with the normalisation held fixed, then (when
    ``check`` is given) applied through the real build and refined until the region reaches the
    cutoff or the bounds are exhausted."""
    N = build.normalised
    raw = build.raw.reindex(index=N.index, columns=N.columns)
    inds = list(N.columns)
    lin = cf.linear_score_model(N.to_numpy(), build.index.reindex(N.index).to_numpy())
    span = float(np.nanmax(build.index) - np.nanmin(build.index))
    # aim a hair above the cutoff, and accept the model's answer within a tenth of that margin
    # (LP feasibility tolerances are ~1e-7 relative)
    eps = 1e-6 * max(span, 1.0)
    tol = 0.1 * eps
    target = cutoff + eps
    upper = N.max().to_numpy()
    engine_fn, engine_err = (None, float("nan")) if lin.exact else _score_function(spec, build, inds)
    if lin.exact:
        score_fn = lin.score
        approx = "exact linear map"
    elif engine_fn is not None and engine_err <= 1e-6 * max(span, 1.0):
        score_fn = engine_fn
        approx = "the spec's aggregation (linearised for the combined change)"
    else:
        score_fn = lin.score
        approx = "least-squares linearisation of the score"
    approx += "; normalisation and weights held fixed"
    ncols = {c: N[c].to_numpy(float) for c in inds}
    rcols = {c: raw[c].to_numpy(float) for c in inds}

    def raw_at(j, n_value):
        return cf.to_raw_units(ncols[inds[j]], rcols[inds[j]], n_value)

    def verify(code, values):
        """Shortfall (score points) after applying ``values`` through the real build (<= 0: ok)."""
        if check is None:
            return float("nan")
        s_after, cut_after = check(code, values)
        return cut_after - s_after if np.isfinite(s_after) else float("inf")

    from tqdm.auto import tqdm

    regions_rows, single_rows, comb_rows = [], [], []
    for code, row in tqdm(table.iterrows(), total=len(table), disable=not progress, leave=False,
                          desc=f"what it would take {cohort.year}"):
        base = {"cohort_year": cohort.year, "region_code": code}
        rec = {**base, "name": row.get("name", ""), "actual": bool(row["actual"]),
               "score": row["score"], "cutoff": cutoff, "gap": np.nan,
               "rank_in_pool": int(row["rank_in_pool"]), "outcome": "", "best_indicator": "",
               "best_change": np.nan, "best_change_normalised": np.nan,
               "combined_distance": np.nan, "combined_n_indicators": 0, "verified": pd.NA,
               "approximation": ""}
        if row["nominal"]:
            rec["outcome"] = cf.OUTCOMES["already"]
            regions_rows.append(rec)
            continue
        if not row["eligible"]:
            reasons = str(row.get("fail_reasons", "") or "").strip() or "an eligibility rule fails"
            rec["outcome"] = cf.OUTCOMES["ineligible"].format(reasons=reasons)
            regions_rows.append(rec)
            continue
        if code not in N.index or not np.isfinite(row["score"]) or N.loc[code].isna().all():
            rec["outcome"] = cf.OUTCOMES["no_data"]
            regions_rows.append(rec)
            continue
        n_row = N.loc[code].to_numpy(float)
        r_row = raw.loc[code].to_numpy(float)
        bounds, kinds = [], []
        for j, c in enumerate(inds):
            b, kind = _plausible_bound(spec, c, r_row[j], ncols[c], rcols[c], n_row[j],
                                       settings.max_change)
            bounds.append(b)
            kinds.append(kind)
        bounds = np.asarray(bounds)
        room = np.where(np.isfinite(n_row), np.clip(np.minimum(upper - n_row, bounds), 0, None), 0)
        n0 = np.nan_to_num(n_row)
        rec["gap"] = cutoff - row["score"]
        rec["approximation"] = approx

        # --- each indicator alone
        best = (np.inf, -1, np.nan)
        # one bisection gives every indicator's change for the unrefined target; only the
        # refinement rounds of one indicator need a new search
        first = cf.single_indicator_changes(n0, score_fn, target, upper, bounds)
        for j, c in enumerate(inds):
            extra, rounds, out = 0.0, 0, None
            while True:
                d, ok = (first if rounds == 0 else
                         cf.single_indicator_changes(n0, score_fn, target + extra, upper, bounds))
                if not ok[j]:
                    break
                req = raw_at(j, n0[j] + d[j])
                short = verify(code, {c: req})
                out = (d[j], req, not short > 0 if np.isfinite(short) else pd.NA)
                if not (short > 0) or rounds >= _REFINEMENTS:
                    break
                extra += short + eps
                rounds += 1
            reachable = out is not None and out[2] is not False
            single_rows.append({
                **base, "indicator": c, "current_value": r_row[j],
                "required_value": out[1] if reachable else np.nan,
                "change": out[1] - r_row[j] if reachable else np.nan,
                "change_normalised": out[0] if reachable else np.nan,
                "max_change_normalised": room[j], "bound": kinds[j], "reachable": reachable,
                "verified": out[2] if out is not None else pd.NA, "refinements": rounds,
            })
            if reachable and out[0] < best[0]:
                best = (out[0], j, out[1] - r_row[j])
        if best[1] >= 0:
            rec["best_indicator"] = inds[best[1]]
            rec["best_change_normalised"] = best[0]
            rec["best_change"] = best[2]

        # --- cheapest combination
        # sequential LP: linearise at the current point, solve for the increment, repeat until the
        # score function reaches the target; then apply through the real build and add any
        # shortfall to the target
        d = np.zeros_like(n0)
        extra, rounds, found = 0.0, 0, None
        for _ in range(4 * (_REFINEMENTS + 1)):
            n_t = n0 + d
            r = target + extra - float(score_fn(n_t[None, :])[0])
            if r > tol:
                grad = lin.weights if score_fn is lin.score else _gradient(score_fn, n_t)
                e, _ = cf.combined_change(n_row, grad, r, np.clip(room - d, 0, None))
                if e is None:
                    break
                d = d + e
                continue
            moved = np.flatnonzero(d > 1e-12)
            values = {inds[j]: raw_at(j, n0[j] + d[j]) for j in moved}
            short = verify(code, values)
            found = (d.copy(), float(d.sum()), values,
                     not short > 0 if np.isfinite(short) else pd.NA)
            if not (short > 0) or rounds >= _REFINEMENTS:
                break
            extra += short + eps
            rounds += 1
        if found is None or found[3] is False:
            rec["outcome"] = cf.OUTCOMES["unreachable"]
            rec["verified"] = found[3] if found is not None else pd.NA
        else:
            delta, dist, values, verified = found
            rec["outcome"] = cf.OUTCOMES["reachable"]
            rec["combined_distance"] = dist
            rec["combined_n_indicators"] = len(values)
            rec["verified"] = verified
            for c, req in values.items():
                j = inds.index(c)
                comb_rows.append({**base, "indicator": c, "current_value": r_row[j],
                                  "required_value": req, "change": req - r_row[j],
                                  "change_normalised": float(delta[j])})
        regions_rows.append(rec)
    info = {"cutoff": cutoff, "linear_map_exact": lin.exact,
            "linear_map_max_residual": lin.max_residual, "score_function": approx,
            "effective_weights": dict(zip(inds, lin.weights.tolist(), strict=True)),
            "verified_through_real_build": check is not None}
    single_cols = ["cohort_year", "region_code", "indicator", "current_value", "required_value",
                   "change", "change_normalised", "max_change_normalised", "bound", "reachable",
                   "verified", "refinements"]
    comb_cols = ["cohort_year", "region_code", "indicator", "current_value", "required_value",
                 "change", "change_normalised"]
    return (pd.DataFrame(regions_rows), pd.DataFrame(single_rows, columns=single_cols),
            pd.DataFrame(comb_rows, columns=comb_cols), info)


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
        tqdm progress bars.

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
    :mod:`~.counterfactual`); :func:`verify_change` checks one through the real build.

    References
    ----------
    OECD/JRC (2008). Handbook on Constructing Composite Indicators, steps 6-7 and 9 (weights, their
    uncertainty, and links to other variables).
    """
    from tqdm.auto import tqdm

    from smartcity_analysis import loaders

    spec = _load_spec(spec)
    settings = dataclasses.replace(settings or ExplanationSettings(), **overrides)
    regions = loaders.load_regions() if regions is None else regions
    cohorts = loaders.load_cohorts() if cohorts is None else cohorts
    names = regions["name"] if "name" in regions.columns else pd.Series(dtype=str)
    leave = getattr(getattr(spec, "pool", None), "leave_statuses", None)

    runs = _run_cohorts(spec, indicators, regions, cohorts)
    tabs, summaries, builds, cf_parts, cf_info = [], [], {}, [], {}
    for cohort in tqdm(spec.cohorts, desc="cohorts", disable=not progress, leave=False):
        build, sel = runs[cohort.year]
        builds[cohort.year] = build
        roles = agr.cohort_roles(cohorts, cohort.year, regions.index, definition=settings.definition,
                                 leave_statuses=leave)
        score = sel["score"].astype(float)
        eligible = sel["eligible"].astype(bool)
        if getattr(spec.pool, "previous_cohorts", "actual") == "actual" and "selected" in sel:
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

    agreement = pd.concat([t.reset_index() for t in tabs], ignore_index=True)

    # ---- revealed weights -----------------------------------------------------------------------
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
        t = agreement[agreement["cohort_year"] == s["cohort_year"]]
        val_rows.append({"method": "spec", "cohort_year": s["cohort_year"], "n": s["n_pool"],
                         "n_selected": s["n_actual"], "auc_in": s["auc"],
                         "precision_at_k_in": s["precision_at_k"], "auc_out": s["auc"],
                         "precision_at_k_out": s["precision_at_k"],
                         "weights_out": "spec weights (not fitted)"})
        del t
    weights_table = pd.DataFrame(weight_rows)
    validation = pd.DataFrame(val_rows)

    # ---- anomalies --------------------------------------------------------------------------------
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

    cf_regions = pd.concat([p[0] for p in cf_parts], ignore_index=True)
    cf_single = pd.concat([p[1] for p in cf_parts], ignore_index=True)
    cf_comb = pd.concat([p[2] for p in cf_parts], ignore_index=True)

    summary_table = pd.DataFrame([{k: v for k, v in s.items()
                                   if not isinstance(v, (dict, list))} for s in summaries])
    tables = {
        "agreement": agreement,
        "agreement_summary": summary_table,
        "weights": weights_table,
        "validation": validation,
        "anomalies": anomalies_table,
        "counterfactual_regions": cf_regions,
        "counterfactual_single": cf_single,
        "counterfactual_combined": cf_comb,
    }
    first = builds[spec.cohorts[0].year]
    summary = {
        "spec_id": spec.id,
        "spec_hash": spec.spec_hash,
        "data_hashes": {str(y): b.provenance.get("data_hash") for y, b in builds.items()},
        "package_version": __version__,
        "result_format": RESULT_FORMAT,
        "settings": settings.key(),
        "outcome_definition": agr.OUTCOME_DEFINITIONS[settings.definition].description,
        "leave_statuses": list(leave) if leave is not None else None,
        "criteria": common,
        "criteria_scale": scale,
        "not_measured": sorted(set(first.excluded["indicator"])) if len(first.excluded) else [],
        "dropped_pillars": list(first.dropped_pillars),
        "rows_dropped_missing_criteria": {str(k): v for k, v in n_dropped.items()},
        "cohorts": summaries,
        "weights": weight_rows,
        "validation": val_rows,
        "counterfactual": {str(k): v for k, v in cf_info.items()},
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
    return ExplanationResult(tables=tables, summary=_jsonable(summary))


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
    from smartcity_analysis.cache import save_tables

    save_tables({**result.tables, "summary": result.summary}, directory)


def _load(directory) -> ExplanationResult:
    from smartcity_analysis.cache import load_tables

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
    Key: spec hash, the curated data hash (``loaders.data_hash()``), the settings, the package
    version and :data:`RESULT_FORMAT`, under ``<cache_dir>/explanation/``.

    References
    ----------
    Build once, report many: docs/ARCHITECTURE.md; :mod:`smartcity_analysis.cache`.
    """
    from smartcity_analysis import loaders
    from smartcity_analysis.cache import cached

    spec = _load_spec(spec)
    settings = dataclasses.replace(settings or ExplanationSettings(), **overrides)
    key = {"spec": spec.spec_hash, "data": loaders.data_hash(), "settings": settings.key(),
           "version": __version__, "format": RESULT_FORMAT}
    return cached("explanation", key,
                  compute=lambda: run_explanation(spec, settings=settings, progress=progress),
                  save=_save, load=_load, refresh=refresh)


# ---------------------------------------------------------------------------------------------------
# Verification through the real build
# ---------------------------------------------------------------------------------------------------


def verify_change(
    spec,
    region_code: str,
    cohort_year: int,
    new_values: Mapping[str, float],
    *,
    indicators=None,
    regions: pd.DataFrame | None = None,
    cohorts: pd.DataFrame | None = None,
    definition: str = "mou",
) -> dict:
    """Apply new indicator values to one region, rebuild, and compare its score with the cutoff.

    Parameters
    ----------
    spec : Spec, path or dict
    region_code : str
    cohort_year : int
    new_values : mapping indicator -> value
        New raw values (own units) of the region. A derived indicator (``scale * num / den``) is
        reached by changing its numerator.
    indicators, regions, cohorts
        As in :func:`run_explanation`.
    definition : str, default "mou"

    Returns
    -------
    dict
        ``score_before``, ``score_after``, ``cutoff_before``, ``cutoff_after`` (the ``k``-th highest
        score among the other eligible regions of the actual pool after the change, ``k`` the cohort
        size), ``reaches`` (``score_after >= cutoff_after``), ``selected_after`` (the engine's own
        selection on the changed data picks the region: eligibility re-evaluated, tie-breaking and
        quotas applied, within the actual pool).

    Notes
    -----
    The whole build (imputation, treatment, normalisation over all regions, weighting, aggregation)
    is re-run on the changed data, so moved minima/maxima and re-imputed values are accounted for.
    Eligibility is taken from the engine's run on the unchanged data; quotas are not re-applied. The
    pool is the actual pool of the cohort (regions in the evaluation of :func:`run_explanation`).

    References
    ----------
    OECD/JRC (2008). Handbook on Constructing Composite Indicators (the build that is re-run).
    """
    from smartcity_analysis import loaders

    spec = _load_spec(spec)
    cohort = spec.cohort(cohort_year)
    code = str(region_code)
    regions = loaders.load_regions() if regions is None else regions
    cohorts = loaders.load_cohorts() if cohorts is None else cohorts
    wide = _wide_for(indicators, cohort.data_year)
    if code not in wide.index:
        raise InputError(f"Region {code!r} is not in the indicator frame of {cohort.data_year}.")
    build, sel = _run_cohorts(spec, indicators, regions, cohorts)[cohort.year]
    roles = agr.cohort_roles(cohorts, cohort.year, regions.index, definition=definition,
                             leave_statuses=getattr(spec.pool, "leave_statuses", None))
    pool = roles.index[roles["role"].isin(["selected", "not_selected"]).to_numpy()]
    pool_eligible = pool[sel["eligible"].reindex(pool).fillna(False).astype(bool).to_numpy()]
    check = _verifier(spec, cohort, wide, regions, pool_eligible)
    s_after, cut_after = check(code, new_values)
    selected_after = _engine_selects(spec, cohort, wide, regions, pool, code, new_values)
    before = build.index.reindex(pool_eligible.drop(code, errors="ignore")).dropna()
    before = np.sort(before.to_numpy())[::-1]
    cut_before = float(before[cohort.size - 1]) if before.size >= cohort.size else float("-inf")
    return {"region_code": code, "cohort_year": cohort.year,
            "score_before": float(build.index.get(code, np.nan)), "score_after": s_after,
            "cutoff_before": cut_before, "cutoff_after": cut_after,
            "reaches": bool(s_after >= cut_after), "selected_after": selected_after}


def _engine_selects(spec, cohort, wide, regions, pool, code, new_values) -> bool:
    """Whether the engine's own selection (eligibility re-evaluated on the changed data, order with
    tie-breaking, quotas) picks the region from the actual pool after the change."""
    from smartcity_analysis import pipeline, selection

    after = pipeline.build_index(_apply_values(spec, wide, code, new_values), spec,
                                 regions=regions, data_year=cohort.data_year, diagnostics=False)
    eligible, _, _ = selection.evaluate_eligibility(spec, after.raw, regions)
    cand = [r for r in pool if eligible.get(r, False) and np.isfinite(after.index.get(r, np.nan))]
    values = pd.concat([after.raw, after.pillar_scores], axis=1)
    order = selection.selection_order(after.index, cand, spec.tie_breaking, values=values)
    chosen = selection.select_cohort(order, cohort.size, regions=regions, quotas=spec.quotas)
    return code in set(chosen)
