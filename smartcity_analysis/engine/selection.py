"""Selection: pool -> eligibility (reason codes) -> scores -> ranks -> cohort selection with quotas.

Cohorts run in sequence (2017, 2018, 2019). Before each cohort the pool loses the regions of earlier
cohorts: the *actual* earlier cohorts (``pool.previous_cohorts: actual``, default; statuses in
``pool.leave_statuses``), the model's own earlier picks (``model``), or nobody (``none``).

Public functions
----------------
- :func:`evaluate_eligibility` -> ``(eligible, fail_reasons)`` per region;
- :func:`selection_order` -> the pool's regions sorted by score and the spec's tie-breaking keys;
- :func:`select_cohort` -> the greedy selection of ``size`` regions in that order under quotas;
- :func:`run_cohorts` -> a :class:`CohortSelection` per cohort (table, index result, selected codes);
- :func:`quota_effect` -> which regions the quotas swap in and out of a cohort (empty when none binds);
- :func:`reason_counts` -> how many pool regions fail each eligibility reason code;
- :func:`run_selection` -> the per-region table of one cohort (or all cohorts), the contract of
  ``smartcity rank`` (columns: :data:`TABLE_COLUMNS`, plus one ``pillar_<id>`` column per pillar).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from smartcity_analysis.curated import loaders
from smartcity_analysis.curated.inputs import data_frame
from smartcity_analysis.engine.pipeline import IndexResult, build_index
from smartcity_analysis.errors import DataError, InputError, SpecError
from smartcity_analysis.spec import CohortSpec, QuotaSpec, Spec, TieBreakKey

JAVA = "Jawa"
_OPS = {">=": operator.ge, ">": operator.gt, "<=": operator.le, "<": operator.lt, "==": operator.eq,
        "!=": operator.ne}

#: Columns of the per-region table, in order; ``pillar_<id>`` columns follow ``score``.
HEAD_COLUMNS = ["region_code", "name", "province_name", "type", "cohort_year", "in_pool", "eligible",
                "fail_reasons", "score"]
TAIL_COLUMNS = ["rank_national", "rank_province", "rank_type", "selected", "selected_cohort",
                "margin_points", "margin_places", "actual_cohort", "actual_status", "pool_reason",
                "position", "n_imputed"]


@dataclass(frozen=True)
class CohortSelection:
    """The outcome of one cohort.

    Attributes
    ----------
    cohort : CohortSpec
    table : DataFrame
        One row per region (see :func:`run_selection`).
    result : IndexResult
        The index build on the cohort's data year.
    selected : tuple of str
        Selected region codes, in selection order.
    order : tuple of str
        Eligible pool regions with a score, in selection order (score, then tie-breaking keys).
    shortfall : int
        ``size - len(selected)`` (> 0 when too few regions are eligible or quotas cannot be met).
    skipped_rules : tuple of str
        Threshold rules not evaluated because their indicator is not computed (unavailable).
    """

    cohort: CohortSpec
    table: pd.DataFrame
    result: IndexResult
    selected: tuple[str, ...]
    order: tuple[str, ...]
    shortfall: int
    skipped_rules: tuple[str, ...]


def evaluate_eligibility(spec: Spec, raw: pd.DataFrame, regions: pd.DataFrame | None = None,
                         *, thresholds: Mapping[str, float] | None = None,
                         ) -> tuple[pd.Series, pd.Series, tuple[str, ...]]:
    """Apply the spec's eligibility rules to every region.

    Parameters
    ----------
    spec : Spec
    raw : DataFrame
        ``region_code x indicator`` raw values (``IndexResult.raw``: before imputation).
    regions : DataFrame, optional
        Region table (needed by ``region_type`` rules).
    thresholds : mapping, optional
        Rule id -> value overriding the rule's threshold (``value`` of a threshold rule, ``min_share`` of
        a completeness rule); used by the robustness analysis.

    Returns
    -------
    eligible : Series of bool
    fail_reasons : Series of str
        Reason codes of the failed rules joined by ``;`` (``""`` when eligible). A threshold rule on a
        missing value fails with ``<reason>:missing`` unless ``if_missing: pass``.
    skipped : tuple of str
        Ids of threshold rules whose indicator is not computed (they are not applied).

    Notes
    -----
    Threshold: eligible iff :math:`x_{ij} \\; op \\; t`. Completeness: eligible iff
    :math:`|O_i| / J \\ge s` with :math:`O_i` the observed computed indicators.

    References
    ----------
    .. [1] Kominfo (2017-2019), Gerakan Menuju 100 Smart City: pre-screen on national indices (see
       docs/methodology.md for what is and is not public).
    """
    thresholds = dict(thresholds or {})
    unknown = set(thresholds) - {r.id for r in spec.eligibility if r.kind != "region_type"}
    if unknown:
        raise InputError(f"Threshold overrides for unknown rule(s) {sorted(unknown)}; spec '{spec.id}' has "
                         f"threshold/completeness rules {[r.id for r in spec.eligibility if r.kind != 'region_type']}.")
    idx = raw.index
    reasons: dict[str, list[str]] = {r: [] for r in idx}
    skipped = []
    for rule in spec.eligibility:
        if rule.kind == "threshold":
            if rule.indicator not in raw.columns:
                skipped.append(rule.id)
                continue
            t = thresholds.get(rule.id, rule.value)
            x = raw[rule.indicator]
            ok = _OPS[rule.op](x, t)
            missing = x.isna()
            for r in idx[missing.to_numpy()]:
                if rule.if_missing == "fail":
                    reasons[r].append(f"{rule.reason}:missing")
            for r in idx[(~ok & ~missing).to_numpy()]:
                reasons[r].append(rule.reason)
        elif rule.kind == "completeness":
            s = thresholds.get(rule.id, rule.min_share)
            share = raw.notna().mean(axis=1)
            for r in idx[(share + 1e-12 < s).to_numpy()]:
                reasons[r].append(rule.reason)
        elif rule.kind == "region_type":
            if regions is None:
                raise InputError(f"Eligibility rule '{rule.id}' (region_type) needs the region table; "
                                 "pass regions=.")
            types = regions["type"].reindex(idx)
            for r in idx[~types.isin(rule.allowed).to_numpy()]:
                reasons[r].append(rule.reason)
    fail = pd.Series({r: ";".join(v) for r, v in reasons.items()}, dtype=object, name="fail_reasons")
    fail = fail.reindex(idx)
    eligible = (fail == "").rename("eligible")
    return eligible, fail, tuple(skipped)


def selection_order(scores: pd.Series, candidates: Sequence[str] | pd.Index,
                    tie_breaking: Sequence[TieBreakKey] = (), *, values: pd.DataFrame | None = None
                    ) -> list[str]:
    """Candidates with a score, best first: score descending, then each tie-breaking key, then
    ``region_code`` ascending (so the order is total and deterministic).

    Parameters
    ----------
    scores : Series
        Index score per region.
    candidates : sequence of str
    tie_breaking : sequence of TieBreakKey
    values : DataFrame, optional
        Columns the tie-breaking keys refer to (raw indicators, pillar scores).

    Notes
    -----
    Lexicographic order on :math:`(-I_i, \\pm k_{1i}, \\dots, c_i)`; a missing key value sorts last.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators, section 6 (ranking).
    """
    cand = [c for c in candidates if c in scores.index and pd.notna(scores.get(c))]
    df = pd.DataFrame({"score": scores.reindex(cand).to_numpy(dtype=float)}, index=pd.Index(cand))
    by, asc = ["score"], [False]
    for j, key in enumerate(tie_breaking):
        if key.key == "score":
            continue
        if key.key == "region_code":
            break
        col = f"_k{j}"
        if values is not None and key.key in values.columns:
            df[col] = values[key.key].reindex(cand).to_numpy(dtype=float)
            by.append(col)
            asc.append(key.order == "asc")
    df["_code"] = df.index.astype(str)
    by.append("_code")
    asc.append(True)
    return list(df.sort_values(by, ascending=asc, na_position="last", kind="mergesort").index)


def _limits(quotas: QuotaSpec, size: int):
    req_nj = math.ceil(quotas.min_share_outside_java * size - 1e-9) if quotas.min_share_outside_java else 0
    tmin, tmax = {}, {}
    for tm in quotas.type_mix:
        if tm.min_share is not None:
            tmin[tm.type] = math.ceil(tm.min_share * size - 1e-9)
        if tm.max_share is not None:
            tmax[tm.type] = math.floor(tm.max_share * size + 1e-9)
    return req_nj, tmin, tmax


def select_cohort(order: Sequence[str], size: int, *, regions: pd.DataFrame | None = None,
                  quotas: QuotaSpec | None = None) -> list[str]:
    """Select ``size`` regions in ``order`` (best first), respecting the quotas.

    Parameters
    ----------
    order : sequence of str
        Eligible pool regions, best first (:func:`selection_order`).
    size : int
    regions : DataFrame, optional
        Region table (``province_code``, ``type``, ``island_group``); required when quotas are active.
    quotas : QuotaSpec, optional

    Returns
    -------
    list of str
        The selected codes in selection order; shorter than ``size`` only when the candidates run out
        or the quotas cannot be met.

    Notes
    -----
    Greedy: walk down the order and accept a region unless (a) its province already has
    ``max_per_province`` selected, (b) its type already has its maximum share, or (c) accepting it would
    leave fewer remaining places than the minima still unmet need,
    :math:`\\max(n^{\\text{outside Java}}_{\\text{need}}, \\sum_t n^{t}_{\\text{need}}) \\le` places left.
    Without quotas this is the top ``size`` of the order. The greedy rule checks feasibility through
    counts, not through the remaining candidates; if the candidates cannot meet a minimum the cohort is
    left short rather than breaking a quota.

    References
    ----------
    .. [1] Kominfo, Gerakan Menuju 100 Smart City (equity dimension "Pemerataan dan Kewilayahan").
    """
    quotas = quotas or QuotaSpec()
    if not quotas.active:
        return list(order[:size])
    if regions is None:
        raise InputError("Quotas need the region table (province_code, type, island_group); pass regions=.")
    reg = regions.reindex(list(order))
    prov = reg["province_code"].to_dict()
    typ = reg["type"].to_dict()
    outside = (reg["island_group"] != JAVA).to_dict()
    req_nj, tmin, tmax = _limits(quotas, size)
    sel: list[str] = []
    n_prov: dict[str, int] = {}
    n_type: dict[str, int] = {}
    n_nj = 0
    for r in order:
        if len(sel) >= size:
            break
        if quotas.max_per_province is not None and n_prov.get(prov[r], 0) >= quotas.max_per_province:
            continue
        t = typ[r]
        if t in tmax and n_type.get(t, 0) >= tmax[t]:
            continue
        left = size - len(sel) - 1
        need_nj = max(0, req_nj - n_nj - int(outside[r]))
        need_t = sum(max(0, m - n_type.get(tt, 0) - int(tt == t)) for tt, m in tmin.items())
        if max(need_nj, need_t) > left:
            continue
        sel.append(r)
        n_prov[prov[r]] = n_prov.get(prov[r], 0) + 1
        n_type[t] = n_type.get(t, 0) + 1
        n_nj += int(outside[r])
    return sel


def quota_violations(selected: Sequence[str], size: int, regions: pd.DataFrame, quotas: QuotaSpec) -> list[str]:
    """Human-readable list of the quotas a selection breaks (empty when all hold).

    Notes
    -----
    Uses the same limits as :func:`select_cohort`: ``ceil(share * size)`` for minima, ``floor(share * size)``
    for maxima.

    References
    ----------
    .. [1] docs/methodology.md, section 7.
    """
    out = []
    reg = regions.reindex(list(selected))
    if quotas.max_per_province is not None:
        counts = reg["province_code"].value_counts()
        for p, n in counts[counts > quotas.max_per_province].items():
            out.append(f"province {p}: {n} selected > max_per_province {quotas.max_per_province}")
    req_nj, tmin, tmax = _limits(quotas, size)
    nj = int((reg["island_group"] != JAVA).sum())
    if nj < req_nj:
        out.append(f"outside Java: {nj} < {req_nj}")
    tc = reg["type"].value_counts()
    for t, m in tmin.items():
        if tc.get(t, 0) < m:
            out.append(f"type {t}: {tc.get(t, 0)} < min {m}")
    for t, m in tmax.items():
        if tc.get(t, 0) > m:
            out.append(f"type {t}: {tc.get(t, 0)} > max {m}")
    return out


def quota_effect(run: CohortSelection) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Regions the quotas swap: ``(taken_in, left_out)`` against the unconstrained top of the order.

    Parameters
    ----------
    run : CohortSelection

    Returns
    -------
    taken_in : tuple of str
        Selected regions outside the first ``size`` of the eligible order (placed by a quota).
    left_out : tuple of str
        Regions among the first ``size`` of the order that were not selected (displaced by a quota).
        Both are empty when no quota binds.

    Notes
    -----
    Without quotas :func:`select_cohort` takes ``order[:size]``; the quota binds iff the selection differs
    from that set. When the candidates run out both sets can be empty and ``shortfall > 0``.

    References
    ----------
    .. [1] docs/methodology.md, section 7 (quotas).
    """
    top = run.order[:run.cohort.size]
    chosen = set(run.selected)
    top_set = set(top)
    return (tuple(r for r in run.selected if r not in top_set), tuple(r for r in top if r not in chosen))


def reason_counts(table: pd.DataFrame) -> dict[str, int]:
    """Number of pool regions failing each eligibility reason code (a region may fail several).

    Parameters
    ----------
    table : DataFrame
        A cohort's per-region table (:func:`run_selection`), with ``in_pool`` and ``fail_reasons``.

    Returns
    -------
    dict
        Reason code (``BUDGET_BELOW_LEVEL``, ``ADMIN_BPK_OPINION:missing``, ...) -> count, largest first,
        then by code.

    Notes
    -----
    One count per (region, code) pair: a region failing two rules counts once under each code.

    References
    ----------
    .. [1] docs/methodology.md (eligibility rules and reason codes).
    """
    pool = table.loc[table["in_pool"].astype(bool), "fail_reasons"].fillna("")
    codes = [c for text in pool for c in str(text).split(";") if c]
    counts: dict[str, int] = {}
    for c in codes:
        counts[c] = counts.get(c, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _actual(cohorts: pd.DataFrame | None, year: int, codes: pd.Index) -> tuple[pd.Series, pd.Series]:
    if cohorts is None or cohorts.empty:
        return (pd.Series(pd.NA, index=codes, dtype="Int64"), pd.Series("", index=codes, dtype=object))
    c = cohorts.copy()
    c["region_code"] = c["region_code"].astype(str)
    c["cohort_year"] = c["cohort_year"].astype(int)
    c["_pref"] = (c["cohort_year"] != year).astype(int)  # this cohort's row first, then the earliest
    c = c.sort_values(["region_code", "_pref", "cohort_year"]).drop_duplicates("region_code")
    c = c.set_index("region_code")
    year_s = c["cohort_year"].reindex(codes).astype("Int64")
    status = c["status"].reindex(codes).fillna("").astype(object)
    return year_s, status


def _data_for(spec: Spec, indicators, data_year: int):
    if indicators is None:  # the one door to a spec's data: curated tables + user-supplied files
        return data_frame(spec, data_year)
    if isinstance(indicators, pd.DataFrame):
        return indicators
    if isinstance(indicators, Mapping):
        if data_year not in indicators:
            raise DataError(f"No indicator frame for data year {data_year}; got years "
                            f"{sorted(indicators)}. Pass a frame for each cohort's data_year.")
        return indicators[data_year]
    raise InputError(f"indicators must be a DataFrame, a dict data_year -> DataFrame or None. Got "
                     f"{type(indicators).__name__}.")


def _table(spec: Spec, cohort: CohortSpec, res: IndexResult, regions: pd.DataFrame | None, in_pool: pd.Series,
           pool_reason: pd.Series, eligible: pd.Series, fail: pd.Series, order: list[str],
           selected: list[str], first_selected: dict[str, int], cohorts: pd.DataFrame | None) -> pd.DataFrame:
    codes = res.index.index
    t = pd.DataFrame(index=codes)
    t["region_code"] = codes.astype(str)
    reg = regions.reindex(codes) if regions is not None else None
    for col in ("name", "province_name", "type"):
        t[col] = reg[col].to_numpy() if reg is not None and col in reg.columns else ""
    t["cohort_year"] = cohort.year
    t["in_pool"] = in_pool.reindex(codes).fillna(False).astype(bool)
    t["eligible"] = eligible.reindex(codes).fillna(False).astype(bool)
    t["fail_reasons"] = fail.reindex(codes).fillna("")
    t["score"] = res.index
    for p in res.pillar_scores.columns:
        t[f"pillar_{p}"] = res.pillar_scores[p]
    for col in ("rank_national", "rank_province", "rank_type"):
        t[col] = res.ranks[col].astype("Int64") if col in res.ranks.columns else pd.array([pd.NA] * len(t),
                                                                                          dtype="Int64")
    sel = set(selected)
    t["selected"] = t.index.isin(list(sel))
    t["selected_cohort"] = pd.array([first_selected.get(c, pd.NA) for c in codes], dtype="Int64")
    pos = {r: i + 1 for i, r in enumerate(order)}
    t["position"] = pd.array([pos.get(c, pd.NA) for c in codes], dtype="Int64")
    score = res.index
    last_in = min((score[r] for r in selected), default=np.nan)
    out_scores = [score[r] for r in order if r not in sel]
    first_out = max(out_scores) if out_scores else np.nan
    mp = pd.Series(np.nan, index=codes)
    in_order = t.index.isin(order)
    mp[in_order & t["selected"]] = score[in_order & t["selected"]] - first_out
    mp[in_order & ~t["selected"]] = score[in_order & ~t["selected"]] - last_in
    t["margin_points"] = mp
    t["margin_places"] = (cohort.size - t["position"]).astype("Int64")
    act_year, act_status = _actual(cohorts, cohort.year, codes)
    t["actual_cohort"] = act_year
    t["actual_status"] = act_status
    t["pool_reason"] = pool_reason.reindex(codes).fillna("")
    t["n_imputed"] = res.imputed_mask.sum(axis=1).reindex(codes).fillna(0).astype(int)
    pillar_cols = [f"pillar_{p}" for p in res.pillar_scores.columns]
    return t[HEAD_COLUMNS + pillar_cols + TAIL_COLUMNS].reset_index(drop=True)


def run_cohorts(spec: Spec, *, until: int | None = None, indicators=None, regions: pd.DataFrame | None = None,
                cohorts: pd.DataFrame | None = None, diagnostics: bool = False,
                thresholds: Mapping[str, float] | None = None) -> dict[int, CohortSelection]:
    """Run the spec's cohorts in sequence (up to and including ``until``).

    Parameters
    ----------
    spec : Spec
    until : int, optional
        Last cohort year to run (default: all).
    indicators : DataFrame, dict or None
        A wide frame used for every cohort, a dict ``data_year -> wide frame``, or None for the data of
        the spec (:func:`smartcity_analysis.curated.inputs.data_frame`: the curated tables of each
        cohort's ``data_year`` plus the spec's user-supplied files).
    regions, cohorts : DataFrame, optional
        Region table and actual cohorts (default: loaded from ``data/``).
    diagnostics : bool
        Compute index diagnostics for each build.
    thresholds : mapping, optional
        Eligibility threshold overrides (see :func:`evaluate_eligibility`).

    Returns
    -------
    dict
        Cohort year -> :class:`CohortSelection`.

    Notes
    -----
    Pool of cohort :math:`c`: all regions minus ``exclude_regions``/``exclude_types`` minus the regions
    of earlier cohorts (actual or model, per ``pool.previous_cohorts``). Selection: the first ``size``
    eligible pool regions in :func:`selection_order`, under the quotas (:func:`select_cohort`).

    References
    ----------
    .. [1] Kominfo, Gerakan Menuju 100 Smart City 2017-2019 (cohorts of 25, 50, 25).
    """
    if regions is None or cohorts is None:
        if regions is None:
            regions = loaders.load_regions()
        if cohorts is None:
            try:
                cohorts = loaders.load_cohorts()
            except DataError:
                if spec.pool.previous_cohorts == "actual":
                    raise
                cohorts = None
    if not spec.cohorts:
        raise SpecError([("cohorts", f"spec '{spec.id}' declares no cohort; add e.g. "
                                     "{year: 2018, size: 50, data_year: 2017} to run a selection.")], spec.source)
    if until is not None:
        spec.cohort(until)  # raises a SpecError naming the declared cohorts
    out: dict[int, CohortSelection] = {}
    model_taken: dict[str, int] = {}
    for cohort in spec.cohorts:
        if until is not None and cohort.year > until:
            break
        data = _data_for(spec, indicators, cohort.data_year)
        res = build_index(data, spec, regions=regions, data_year=cohort.data_year, diagnostics=diagnostics)
        codes = res.index.index
        reason = pd.Series("", index=codes, dtype=object)
        excl = set(spec.pool.exclude_regions)
        reason[codes.isin(list(excl))] = "excluded_region"
        if spec.pool.exclude_types and regions is not None:
            types = regions["type"].reindex(codes)
            reason[(reason == "") & types.isin(spec.pool.exclude_types).to_numpy()] = "excluded_type"
        if spec.pool.previous_cohorts == "actual" and cohorts is not None:
            c = cohorts[(cohorts["cohort_year"].astype(int) < cohort.year)
                        & cohorts["status"].isin(spec.pool.leave_statuses)]
            first = c.groupby(c["region_code"].astype(str))["cohort_year"].min()
            for r, y in first.items():
                if r in reason.index and reason[r] == "":
                    reason[r] = f"actual_cohort_{int(y)}"
        elif spec.pool.previous_cohorts == "model":
            for r, y in model_taken.items():
                if r in reason.index and reason[r] == "":
                    reason[r] = f"model_cohort_{y}"
        in_pool = reason == ""
        eligible, fail, skipped = evaluate_eligibility(spec, res.raw, regions, thresholds=thresholds)
        cand = [r for r in codes if in_pool[r] and eligible[r]]
        values = pd.concat([res.raw, res.pillar_scores], axis=1)
        order = selection_order(res.index, cand, spec.tie_breaking, values=values)
        selected = select_cohort(order, cohort.size, regions=regions, quotas=spec.quotas)
        for r in selected:
            model_taken.setdefault(r, cohort.year)
        first_sel = {r: y for r, y in model_taken.items()}
        table = _table(spec, cohort, res, regions, in_pool, reason, eligible, fail, order, selected,
                       first_sel, cohorts)
        out[cohort.year] = CohortSelection(cohort, table, res, tuple(selected), tuple(order),
                                           cohort.size - len(selected), skipped)
    return out


def run_selection(spec: Spec, *, cohort: int | None = None, indicators=None, regions: pd.DataFrame | None = None,
                  cohorts: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per-region selection table for one cohort (or every cohort, stacked).

    Parameters
    ----------
    spec : Spec
    cohort : int, optional
        Cohort year; default all cohorts of the spec (one block of rows per cohort).
    indicators, regions, cohorts
        See :func:`run_cohorts`.

    Returns
    -------
    DataFrame
        One row per region (514 per cohort), sorted by ``region_code``, columns
        ``region_code, name, province_name, type, cohort_year, in_pool, eligible, fail_reasons, score,
        pillar_<id>..., rank_national, rank_province, rank_type, selected, selected_cohort,
        margin_points, margin_places, actual_cohort, actual_status, pool_reason, position, n_imputed``.

        ``fail_reasons``: eligibility reason codes (``;``-joined). ``selected_cohort``: first cohort of
        this run in which the model selected the region. ``margin_points``: for a selected region its
        score minus the best unselected eligible score, for an unselected eligible pool region its score
        minus the lowest selected score. ``margin_places``: ``size - position`` (``position`` = place in
        the eligible pool's order; >= 0 means inside the cutoff when no quota binds).
        ``actual_cohort``/``actual_status``: the region's row in the actual cohorts for this cohort year,
        else its earliest row. ``pool_reason``: why a region is not in the pool.

    Notes
    -----
    See :func:`run_cohorts`.

    References
    ----------
    .. [1] OECD/JRC (2008). Handbook on Constructing Composite Indicators.
    """
    if cohort is not None:
        spec.cohort(cohort)
    runs = run_cohorts(spec, until=cohort, indicators=indicators, regions=regions, cohorts=cohorts)
    years = [cohort] if cohort is not None else list(runs)
    frames = [runs[y].table for y in years]
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
