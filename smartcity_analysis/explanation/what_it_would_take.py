"""What it would take: counterfactuals of one cohort on the real build, and their verification.

:func:`_counterfactuals` computes, for every evaluated region of a cohort, the cheapest change of one
indicator and of a combination of indicators that lifts its score to the cohort's cutoff (the pure
methods are in :mod:`.counterfactual`), then applies each answer through the real build
(``pipeline.build_index``) and refines it until the region reaches the cutoff or the bounds are
exhausted. :func:`verify_change` re-runs the real build with given indicator values of one region and
says whether it reaches the cutoff and whether the engine's own selection would pick it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from smartcity_analysis.curated import loaders
from smartcity_analysis.engine import pipeline, selection
from smartcity_analysis.engine.aggregation import aggregate
from smartcity_analysis.errors import InputError
from smartcity_analysis.explanation import agreement as agr
from smartcity_analysis.explanation import counterfactual as cf
from smartcity_analysis.explanation.inputs import _indicators_or_spec_data, _run_cohorts, _wide_for
from smartcity_analysis.spec import resolve_spec

__all__ = ["verify_change"]

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


def _cutoff(spec, cohort, build, regions, candidates) -> float:
    """The cohort's cutoff among ``candidates``: the lowest score the engine's own selection picks
    (tie-breaking and quotas applied, as the search's cutoff is), ``-inf`` when fewer than ``k``.

    Without quotas this is the ``k``-th highest score; with quotas it can be lower (a region taken
    to meet a minimum) or the quota can pass over a higher one.
    """
    scores = build.index.reindex(candidates)
    cand = [c for c in candidates if np.isfinite(scores.get(c, np.nan))]
    if len(cand) < cohort.size:
        return float("-inf")
    values = pd.concat([build.raw, build.pillar_scores], axis=1)
    order = selection.selection_order(build.index, cand, spec.tie_breaking, values=values)
    chosen = selection.select_cohort(order, cohort.size, regions=regions, quotas=spec.quotas)
    return float(build.index.reindex(list(chosen)).min()) if len(chosen) else float("-inf")


def _verifier(spec, cohort, wide, regions, pool_eligible: pd.Index):
    """``check(code, new_values) -> (score_after, cutoff_after)`` through the real build.

    The cutoff after the change is :func:`_cutoff` among the other eligible regions of the actual
    pool, all recomputed on the changed data: the same definition (quotas included) as the cutoff
    the search aims at, so a verified change means what the search promised."""
    def check(code, new_values):
        after = pipeline.build_index(_apply_values(spec, wide, code, new_values), spec,
                                     regions=regions, data_year=cohort.data_year,
                                     diagnostics=False)
        cut = _cutoff(spec, cohort, after, regions, list(pool_eligible.drop(code, errors="ignore")))
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
        ``score_before``, ``score_after``, ``cutoff_before``, ``cutoff_after`` (the lowest score the
        engine's selection, quotas applied, picks among the other eligible regions of the actual pool,
        before and after the change), ``reaches`` (``score_after >= cutoff_after``), ``selected_after`` (the engine's own
        selection on the changed data picks the region: eligibility re-evaluated, tie-breaking and
        quotas applied, within the actual pool).

    Notes
    -----
    The whole build (imputation, treatment, normalisation over all regions, weighting, aggregation)
    is re-run on the changed data, so moved minima/maxima and re-imputed values are accounted for.
    Eligibility is taken from the engine's run on the unchanged data; the cutoff applies the spec's
    quotas, as the search's cutoff does. The pool is the actual pool of the cohort (regions in the evaluation of :func:`run_explanation`).

    References
    ----------
    OECD/JRC (2008). Handbook on Constructing Composite Indicators (the build that is re-run).
    """
    spec = resolve_spec(spec)
    indicators = _indicators_or_spec_data(spec, indicators)
    cohort = spec.cohort(cohort_year)
    code = str(region_code)
    regions = loaders.load_regions() if regions is None else regions
    cohorts = loaders.load_cohorts() if cohorts is None else cohorts
    wide = _wide_for(indicators, cohort.data_year)
    if code not in wide.index:
        raise InputError(f"Region {code!r} is not in the indicator frame of {cohort.data_year}.")
    build, sel = _run_cohorts(spec, indicators, regions, cohorts)[cohort.year]
    roles = agr.cohort_roles(cohorts, cohort.year, regions.index, definition=definition,
                             leave_statuses=spec.pool.leave_statuses)
    pool = roles.index[roles["role"].isin(["selected", "not_selected"]).to_numpy()]
    pool_eligible = pool[sel["eligible"].reindex(pool).fillna(False).astype(bool).to_numpy()]
    check = _verifier(spec, cohort, wide, regions, pool_eligible)
    s_after, cut_after = check(code, new_values)
    selected_after = _engine_selects(spec, cohort, wide, regions, pool, code, new_values)
    cut_before = _cutoff(spec, cohort, build, regions, list(pool_eligible.drop(code, errors="ignore")))
    return {"region_code": code, "cohort_year": cohort.year,
            "score_before": float(build.index.get(code, np.nan)), "score_after": s_after,
            "cutoff_before": cut_before, "cutoff_after": cut_after,
            "reaches": bool(s_after >= cut_after), "selected_after": selected_after}


def _engine_selects(spec, cohort, wide, regions, pool, code, new_values) -> bool:
    """Whether the engine's own selection (eligibility re-evaluated on the changed data, order with
    tie-breaking, quotas) picks the region from the actual pool after the change."""
    after = pipeline.build_index(_apply_values(spec, wide, code, new_values), spec,
                                 regions=regions, data_year=cohort.data_year, diagnostics=False)
    eligible, _, _ = selection.evaluate_eligibility(spec, after.raw, regions)
    cand = [r for r in pool if eligible.get(r, False) and np.isfinite(after.index.get(r, np.nan))]
    values = pd.concat([after.raw, after.pillar_scores], axis=1)
    order = selection.selection_order(after.index, cand, spec.tie_breaking, values=values)
    chosen = selection.select_cohort(order, cohort.size, regions=regions, quotas=spec.quotas)
    return code in set(chosen)
