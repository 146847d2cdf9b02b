"""YAML -> :class:`~smartcity_analysis.spec.model.Spec`: lazy validation, every problem with its YAML path.

Problems are collected in ``_Problems`` and raised together as one
:class:`~smartcity_analysis.errors.SpecError` (pandera's lazy validation); method names and their
parameters are checked against the engine's registries and the registered functions' signatures
(the xclim pattern: the schema knows the registry).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from smartcity_analysis.errors import SpecError, suggest
from smartcity_analysis.files import parse_yaml
from smartcity_analysis.spec.checks import (
    _check_keys,
    _known_indicator_codes,
    _method,
    _number,
    _Problems,
    _str_list,
)
from smartcity_analysis.spec.model import (
    _CODE_RE,
    _ID_RE,
    AVAILABILITIES,
    COHORT_STATUSES,
    DEFAULT_LEAVE_STATUSES,
    LEVELS,
    OPERATORS,
    PREVIOUS_MODES,
    REGION_TYPES,
    RULE_KINDS,
    TRANSFORMS,
    CohortSpec,
    DeriveSpec,
    EligibilityRule,
    IndicatorSpec,
    MethodsSpec,
    PillarSpec,
    PlausibleChange,
    PoolSpec,
    QuotaSpec,
    Spec,
    TieBreakKey,
    TypeMix,
    UncertaintySpec,
    UserSuppliedSpec,
    WeightUncertainty,
)

_TOP_KEYS = ("id", "title", "version", "description", "cohorts", "pool", "eligibility", "indicators",
             "pillars", "methods", "quotas", "tie_breaking", "uncertainty")
_IND_KEYS = ("code", "name", "direction", "transform", "availability", "proxy_for", "note",
             "normalisation", "derive", "user_supplied", "plausible_change")


def _parse_cohorts(raw: Any, problems: _Problems) -> tuple[CohortSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add("cohorts", f"expected a list of {{year, size, data_year}}. Got {type(raw).__name__}.")
        return ()
    out, seen = [], set()
    for i, c in enumerate(raw):
        path = f"cohorts[{i}]"
        if not isinstance(c, Mapping):
            problems.add(path, "expected a mapping {year, size, data_year}.")
            continue
        _check_keys(c, ("year", "size", "data_year"), path, problems)
        ok = True
        vals = {}
        for key in ("year", "size", "data_year"):
            if key not in c:
                problems.add(f"{path}.{key}", f"missing '{key}'. Add e.g. "
                             "{year: 2018, size: 50, data_year: 2017}.")
                ok = False
                continue
            v = _number(c[key], f"{path}.{key}", problems, positive=True, integer=True)
            ok = ok and v is not None
            vals[key] = v
        if not ok:
            continue
        if vals["data_year"] > vals["year"]:
            problems.add(f"{path}.data_year", f"data_year {int(vals['data_year'])} is after the cohort year "
                         f"{int(vals['year'])}; a pre-screen can only use earlier data.")
        if vals["year"] in seen:
            problems.add(f"{path}.year", f"cohort year {int(vals['year'])} is declared twice.")
        seen.add(vals["year"])
        out.append(CohortSpec(int(vals["year"]), int(vals["size"]), int(vals["data_year"])))
    years = [c.year for c in out]
    if years != sorted(years):
        problems.add("cohorts", f"cohorts must be listed in year order (they run in sequence). Got {years}.")
    return tuple(out)


def _parse_pool(raw: Any, problems: _Problems) -> PoolSpec:
    if raw is None:
        return PoolSpec()
    if not isinstance(raw, Mapping):
        problems.add("pool", f"expected a mapping. Got {type(raw).__name__}.")
        return PoolSpec()
    _check_keys(raw, ("previous_cohorts", "leave_statuses", "exclude_regions", "exclude_types"),
                "pool", problems)
    prev = raw.get("previous_cohorts", "actual")
    if prev not in PREVIOUS_MODES:
        problems.add("pool.previous_cohorts", f"got {prev!r}." + suggest(str(prev), PREVIOUS_MODES))
        prev = "actual"
    statuses = _str_list(raw.get("leave_statuses", list(DEFAULT_LEAVE_STATUSES)), "pool.leave_statuses",
                         problems)
    for j, s in enumerate(statuses):
        if s not in COHORT_STATUSES:
            problems.add(f"pool.leave_statuses[{j}]", f"unknown cohort status '{s}'."
                         + suggest(s, COHORT_STATUSES))
    regions = _str_list(raw.get("exclude_regions"), "pool.exclude_regions", problems)
    for j, r in enumerate(regions):
        if not _CODE_RE.match(r):
            problems.add(f"pool.exclude_regions[{j}]", f"region codes are 4-digit BPS codes as strings "
                         f"(e.g. '6372'). Got {r!r}; quote it in YAML.")
    types = _str_list(raw.get("exclude_types"), "pool.exclude_types", problems)
    for j, t in enumerate(types):
        if t not in REGION_TYPES:
            problems.add(f"pool.exclude_types[{j}]", f"unknown region type '{t}'." + suggest(t, REGION_TYPES))
    return PoolSpec(str(prev), statuses, tuple(sorted(regions)), types)


def _parse_rules(raw: Any, indicator_codes: set[str], problems: _Problems) -> tuple[EligibilityRule, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add("eligibility", f"expected a list of rules. Got {type(raw).__name__}.")
        return ()
    out, seen = [], set()
    for i, r in enumerate(raw):
        path = f"eligibility[{i}]"
        if not isinstance(r, Mapping):
            problems.add(path, "expected a mapping with id, kind, reason.")
            continue
        _check_keys(r, ("id", "kind", "reason", "indicator", "op", "value", "if_missing", "min_share",
                        "allowed", "note"), path, problems)
        rid = str(r.get("id", f"rule{i}"))
        if rid in seen:
            problems.add(f"{path}.id", f"rule id '{rid}' is used twice; rule ids must be unique.")
        seen.add(rid)
        kind = r.get("kind")
        if kind not in RULE_KINDS:
            problems.add(f"{path}.kind", f"got {kind!r}." + suggest(str(kind), RULE_KINDS))
            continue
        reason = r.get("reason")
        if not isinstance(reason, str) or not reason:
            problems.add(f"{path}.reason", "every rule needs a non-empty reason code (e.g. IPM_BELOW_60).")
            reason = rid
        if kind == "threshold":
            ind = r.get("indicator")
            if ind not in indicator_codes:
                problems.add(f"{path}.indicator", f"unknown indicator {ind!r}; a threshold rule must use an "
                             "indicator declared under 'indicators'." + suggest(str(ind), sorted(indicator_codes)))
            op = r.get("op")
            if op not in OPERATORS:
                problems.add(f"{path}.op", f"got {op!r}." + suggest(str(op), OPERATORS))
            value = _number(r.get("value"), f"{path}.value", problems)
            miss = r.get("if_missing", "fail")
            if miss not in ("fail", "pass"):
                problems.add(f"{path}.if_missing", f"got {miss!r}; expected 'fail' or 'pass'.")
            out.append(EligibilityRule(rid, kind, reason, indicator=str(ind), op=op, value=value,
                                       if_missing=str(miss)))
        elif kind == "completeness":
            share = _number(r.get("min_share"), f"{path}.min_share", problems, unit=True)
            out.append(EligibilityRule(rid, kind, reason, min_share=share))
        else:
            allowed = _str_list(r.get("allowed"), f"{path}.allowed", problems)
            if not allowed:
                problems.add(f"{path}.allowed", "list the allowed region types, e.g. [kota].")
            for j, t in enumerate(allowed):
                if t not in REGION_TYPES:
                    problems.add(f"{path}.allowed[{j}]", f"unknown region type '{t}'."
                                 + suggest(t, REGION_TYPES))
            out.append(EligibilityRule(rid, kind, reason, allowed=allowed))
    return tuple(out)


def _parse_indicators(raw: Any, known: set[str], problems: _Problems) -> tuple[IndicatorSpec, ...]:
    if not isinstance(raw, list) or not raw:
        problems.add("indicators", "expected a non-empty list of indicators ({code, direction, ...}).")
        return ()
    out, seen = [], set()
    for i, r in enumerate(raw):
        path = f"indicators[{i}]"
        if not isinstance(r, Mapping):
            problems.add(path, "expected a mapping with at least 'code'.")
            continue
        _check_keys(r, _IND_KEYS, path, problems)
        code = r.get("code")
        if not isinstance(code, str) or not _ID_RE.match(code):
            problems.add(f"{path}.code", f"indicator codes are lower_snake_case strings. Got {code!r}.")
            continue
        if code in seen:
            problems.add(f"{path}.code", f"indicator '{code}' is declared twice.")
        seen.add(code)
        availability = r.get("availability", "measured")
        if availability not in AVAILABILITIES:
            problems.add(f"{path}.availability", f"got {availability!r}." + suggest(str(availability),
                                                                                     AVAILABILITIES))
            availability = "measured"
        direction = r.get("direction", 1)
        if direction not in (1, -1):
            problems.add(f"{path}.direction", f"direction must be 1 (higher is better) or -1 (lower is "
                         f"better). Got {direction!r}.")
            direction = 1
        transform = r.get("transform")
        if transform not in TRANSFORMS:
            problems.add(f"{path}.transform", f"got {transform!r}; expected null, 'log' or 'log1p'.")
            transform = None
        derive = None
        if r.get("derive") is not None:
            d = r["derive"]
            if not isinstance(d, Mapping) or "numerator" not in d or "denominator" not in d:
                problems.add(f"{path}.derive", "expected {numerator: CODE, denominator: CODE, scale: 1}.")
            else:
                _check_keys(d, ("numerator", "denominator", "scale"), f"{path}.derive", problems)
                for part in ("numerator", "denominator"):
                    if d[part] not in known:
                        problems.add(f"{path}.derive.{part}", f"unknown data indicator {d[part]!r}."
                                     + suggest(str(d[part]), sorted(known)))
                scale = _number(d.get("scale", 1.0), f"{path}.derive.scale", problems, positive=True)
                derive = DeriveSpec(str(d["numerator"]), str(d["denominator"]), scale or 1.0)
        if availability == "measured" and derive is None and code not in known:
            problems.add(f"{path}.code", f"unknown indicator '{code}': it is not in the curated data."
                         + suggest(code, sorted(known))
                         + " Declare it 'availability: unavailable' or 'user_supplied', or add 'derive'.")
        user = None
        if availability == "user_supplied":
            u = r.get("user_supplied") or {}
            if not isinstance(u, Mapping):
                problems.add(f"{path}.user_supplied", "expected {format: TEXT, path: FILE or null}.")
                u = {}
            _check_keys(u, ("format", "path"), f"{path}.user_supplied", problems)
            user = UserSuppliedSpec(**{k: (str(v) if v is not None else None) for k, v in u.items()
                                       if k in ("format", "path")})
        elif r.get("user_supplied") is not None:
            problems.add(f"{path}.user_supplied", "only indicators with 'availability: user_supplied' take a "
                         "user_supplied block; remove it or change the availability.")
        norm = None
        if r.get("normalisation") is not None:
            norm = _method(r["normalisation"], f"{path}.normalisation", "normalisation", problems)
        plaus = None
        if r.get("plausible_change") is not None:
            p = r["plausible_change"]
            if not isinstance(p, Mapping):
                problems.add(f"{path}.plausible_change", "expected {lower: X, upper: Y} or {relative: R}.")
            else:
                _check_keys(p, ("lower", "upper", "relative"), f"{path}.plausible_change", problems)
                if "relative" in p and ("lower" in p or "upper" in p):
                    problems.add(f"{path}.plausible_change", "give either relative or lower/upper, not both.")
                rel = lo = hi = None
                if "relative" in p:
                    rel = _number(p["relative"], f"{path}.plausible_change.relative", problems, nonneg=True)
                if "lower" in p:
                    lo = _number(p["lower"], f"{path}.plausible_change.lower", problems)
                    if lo is not None and lo > 0:
                        problems.add(f"{path}.plausible_change.lower", f"lower is a change and must be <= 0. "
                                     f"Got {lo}.")
                if "upper" in p:
                    hi = _number(p["upper"], f"{path}.plausible_change.upper", problems)
                    if hi is not None and hi < 0:
                        problems.add(f"{path}.plausible_change.upper", f"upper is a change and must be >= 0. "
                                     f"Got {hi}.")
                plaus = PlausibleChange(lo, hi, rel)
        out.append(IndicatorSpec(
            code=code, direction=int(direction), name=r.get("name"), transform=transform,
            availability=str(availability), proxy_for=r.get("proxy_for"), note=r.get("note"),
            normalisation=norm, derive=derive, user_supplied=user, plausible_change=plaus,
        ))
    return tuple(out)


def _parse_methods(raw: Any, problems: _Problems) -> MethodsSpec:
    if raw is None:
        return MethodsSpec()
    if not isinstance(raw, Mapping):
        problems.add("methods", f"expected a mapping. Got {type(raw).__name__}.")
        return MethodsSpec()
    _check_keys(raw, ("imputation", "outliers", "normalisation", "weighting", "aggregation", "min_coverage"),
                "methods", problems)
    d = MethodsSpec()
    kw: dict[str, Any] = {}
    for key, family in (("imputation", "imputation"), ("outliers", "outliers"),
                        ("normalisation", "normalisation")):
        if key in raw:
            m = _method(raw[key], f"methods.{key}", family, problems)
            if m is not None:
                kw[key] = m
    for key, levels in (("weighting", ("indicators", "pillars")), ("aggregation", LEVELS)):
        if key not in raw:
            continue
        val = raw[key]
        if isinstance(val, Mapping) and "method" not in val:
            _check_keys(val, levels, f"methods.{key}", problems)
            items = {lvl: (val[lvl], f"methods.{key}.{lvl}") for lvl in levels if lvl in val}
        else:
            items = {lvl: (val, f"methods.{key}") for lvl in levels}
        for lvl, (v, path) in items.items():
            m = _method(v, path, key, problems)
            if m is not None:
                kw[f"{key}_{lvl}"] = m
    if "min_coverage" in raw:
        mc = raw["min_coverage"]
        levels = ("indicators",) + LEVELS
        if isinstance(mc, Mapping):
            _check_keys(mc, levels, "methods.min_coverage", problems)
            for lvl in levels:
                if lvl in mc:
                    v = _number(mc[lvl], f"methods.min_coverage.{lvl}", problems, unit=True)
                    if v is not None:
                        kw[f"min_coverage_{lvl}"] = v
        else:
            v = _number(mc, "methods.min_coverage", problems, unit=True)
            if v is not None:
                kw["min_coverage_pillars"] = kw["min_coverage_index"] = v
    from dataclasses import replace

    return replace(d, **kw)


def _parse_pillars(raw: Any, indicators: tuple[IndicatorSpec, ...], methods: MethodsSpec,
                   problems: _Problems) -> tuple[PillarSpec, ...]:
    if not isinstance(raw, list) or not raw:
        problems.add("pillars", "expected a non-empty list of pillars ({id, weight, indicators}).")
        return ()
    codes = {ind.code for ind in indicators}
    used: dict[str, str] = {}
    need_ind_w = methods.weighting_indicators.name == "explicit"
    need_pil_w = methods.weighting_pillars.name == "explicit"
    out, seen = [], set()
    for i, p in enumerate(raw):
        path = f"pillars[{i}]"
        if not isinstance(p, Mapping):
            problems.add(path, "expected a mapping {id, weight, indicators}.")
            continue
        _check_keys(p, ("id", "name", "weight", "indicators", "aggregation", "note"), path, problems)
        pid = p.get("id")
        if not isinstance(pid, str) or not _ID_RE.match(pid):
            problems.add(f"{path}.id", f"pillar ids are lower_snake_case strings. Got {pid!r}.")
            continue
        if pid in seen:
            problems.add(f"{path}.id", f"pillar '{pid}' is declared twice.")
        if pid in codes or pid in ("score", "region_code"):
            problems.add(f"{path}.id", f"pillar id '{pid}' is also an indicator code or a reserved key; "
                         f"rename the pillar (e.g. '{pid}_pillar') so tie-breaking keys stay unambiguous.")
        seen.add(pid)
        weight = None
        if p.get("weight") is not None:
            weight = _number(p["weight"], f"{path}.weight", problems, nonneg=True)
        elif need_pil_w:
            problems.add(f"{path}.weight", f"missing weight of pillar '{pid}' while methods.weighting.pillars "
                         "is 'explicit'. Add 'weight: 1' (or use weighting 'equal').")
        inds = p.get("indicators")
        pairs: list[tuple[str, float | None]] = []
        if isinstance(inds, list):
            inds = {str(k): None for k in inds}
        if not isinstance(inds, Mapping) or not inds:
            problems.add(f"{path}.indicators", "expected a mapping indicator_code -> weight (or a list of "
                         "codes when weights are derived).")
            inds = {}
        for code, w in inds.items():
            ipath = f"{path}.indicators.{code}"
            if code not in codes:
                problems.add(ipath, f"unknown indicator '{code}'; declare it under 'indicators' first."
                             + suggest(str(code), sorted(codes)))
                continue
            if code in used:
                problems.add(ipath, f"indicator '{code}' is already in pillar '{used[code]}'; an indicator "
                             "belongs to one pillar.")
            used[str(code)] = pid
            wv = None
            if w is None:
                if need_ind_w:
                    problems.add(ipath, f"missing weight of indicator '{code}' while "
                                 "methods.weighting.indicators is 'explicit'. Give a number (e.g. 1).")
            else:
                wv = _number(w, ipath, problems, nonneg=True)
            pairs.append((str(code), wv))
        if need_ind_w and pairs and all(w is not None for _, w in pairs) and sum(w for _, w in pairs) <= 0:
            problems.add(f"{path}.indicators", f"the weights of pillar '{pid}' must sum to a positive number. "
                         "Got 0 instead.")
        agg = None
        if p.get("aggregation") is not None:
            agg = _method(p["aggregation"], f"{path}.aggregation", "aggregation", problems)
        out.append(PillarSpec(pid, p.get("name"), weight, tuple(pairs), agg, p.get("note")))
    if need_pil_w and out and all(p.weight is not None for p in out) and sum(p.weight for p in out) <= 0:
        problems.add("pillars", "the pillar weights must sum to a positive number. Got 0 instead.")
    for ind in indicators:
        if ind.code not in used:
            problems.add("indicators", f"indicator '{ind.code}' is declared but in no pillar; add it to a "
                         "pillar's indicators (weight 0 is fine to carry it) or remove it.")
    return tuple(out)


def _parse_quotas(raw: Any, problems: _Problems) -> QuotaSpec:
    if raw is None:
        return QuotaSpec()
    if not isinstance(raw, Mapping):
        problems.add("quotas", f"expected a mapping. Got {type(raw).__name__}.")
        return QuotaSpec()
    _check_keys(raw, ("max_per_province", "min_share_outside_java", "type_mix"), "quotas", problems)
    mpp = None
    if raw.get("max_per_province") is not None:
        v = _number(raw["max_per_province"], "quotas.max_per_province", problems, positive=True, integer=True)
        mpp = int(v) if v is not None else None
    share = None
    if raw.get("min_share_outside_java") is not None:
        share = _number(raw["min_share_outside_java"], "quotas.min_share_outside_java", problems, unit=True)
    mix = []
    tm = raw.get("type_mix") or {}
    if not isinstance(tm, Mapping):
        problems.add("quotas.type_mix", "expected {kota: {min_share: X, max_share: Y}}.")
        tm = {}
    for t, b in tm.items():
        path = f"quotas.type_mix.{t}"
        if t not in REGION_TYPES:
            problems.add(path, f"unknown region type '{t}'." + suggest(str(t), REGION_TYPES))
            continue
        if not isinstance(b, Mapping):
            problems.add(path, "expected {min_share: X, max_share: Y}.")
            continue
        _check_keys(b, ("min_share", "max_share"), path, problems)
        lo = _number(b["min_share"], f"{path}.min_share", problems, unit=True) if "min_share" in b else None
        hi = _number(b["max_share"], f"{path}.max_share", problems, unit=True) if "max_share" in b else None
        if lo is not None and hi is not None and lo > hi:
            problems.add(path, f"min_share {lo} exceeds max_share {hi}.")
        mix.append(TypeMix(str(t), lo, hi))
    return QuotaSpec(mpp, share, tuple(mix))


def _parse_ties(raw: Any, indicator_codes: set[str], pillar_ids: set[str],
                problems: _Problems) -> tuple[TieBreakKey, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add("tie_breaking", "expected a list of {key, order}.")
        return ()
    valid = indicator_codes | pillar_ids | {"region_code", "score"}
    out = []
    for i, t in enumerate(raw):
        path = f"tie_breaking[{i}]"
        if isinstance(t, str):
            t = {"key": t}
        if not isinstance(t, Mapping):
            problems.add(path, "expected {key: CODE, order: desc|asc}.")
            continue
        _check_keys(t, ("key", "order"), path, problems)
        key, order = t.get("key"), t.get("order", "desc")
        if key not in valid:
            problems.add(f"{path}.key", f"unknown tie-breaking key {key!r}; use an indicator code, a pillar id,"
                         " 'score' or 'region_code'." + suggest(str(key), sorted(valid)))
            continue
        if order not in ("asc", "desc"):
            problems.add(f"{path}.order", f"got {order!r}; expected 'asc' or 'desc'.")
            order = "desc"
        out.append(TieBreakKey(str(key), str(order)))
    return tuple(out)


def _check_method_pairing(methods: MethodsSpec, pillars: tuple[PillarSpec, ...],
                          indicators: tuple[IndicatorSpec, ...], problems: _Problems) -> None:
    """Reject a nominal aggregation that cannot take the values its normalisation gives.

    A geometric or harmonic mean of a component that can be negative (z-scores) is NaN: the region
    would be silently unscored (issue 13, defect 1). The uncertainty block's pairings are not rejected:
    the robustness analysis rescales them onto a positive scale by construction.
    """
    # imported here: the engine's step modules import the spec model (the schema knows the registry)
    from smartcity_analysis.engine.aggregation import needs_positive_scale

    by_code = {i.code: i for i in indicators}

    def norm_of(code):
        ind = by_code.get(code)
        return (ind.normalisation if ind is not None and ind.normalisation else methods.normalisation)

    def bad(agg, codes):
        return sorted({f"{n.name}" for n in (norm_of(c) for c in codes)
                       if needs_positive_scale(agg.name, n.name, n.kwargs)})

    fix = ("Normalise onto a positive scale (e.g. {method: minmax, lower: 1, upper: 100}; for "
           "mazziotta_pareto {method: zscore, mean: 100, sd: 10, ddof: 0}) or aggregate arithmetically.")
    for i, p in enumerate(pillars):
        agg = p.aggregation or methods.aggregation_pillars
        found = bad(agg, p.indicator_codes)
        if found:
            where = f"pillars[{i}].aggregation" if p.aggregation else "methods.aggregation"
            problems.add(where, f"aggregation '{agg.name}' of pillar '{p.id}' gets components normalised "
                         f"by {', '.join(found)}, which can be negative or centred on 0. {fix}")
    codes = [c for p in pillars for c in p.indicator_codes]
    found = bad(methods.aggregation_index, codes)
    if found and not all(bad(p.aggregation or methods.aggregation_pillars, p.indicator_codes)
                         for p in pillars):
        problems.add("methods.aggregation", f"index aggregation '{methods.aggregation_index.name}' gets "
                     f"pillar scores of components normalised by {', '.join(found)}, which can be "
                     f"negative or centred on 0. {fix}")


def _parse_uncertainty(raw: Any, rules: tuple[EligibilityRule, ...],
                       problems: _Problems) -> UncertaintySpec | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        problems.add("uncertainty", f"expected a mapping. Got {type(raw).__name__}.")
        return None
    _check_keys(raw, ("weights", "normalisations", "aggregations", "imputations", "thresholds", "noise",
                      "leave_one_out", "draws", "seed"), "uncertainty", problems)
    kw: dict[str, Any] = {}
    w = raw.get("weights")
    if w is not None:
        if not isinstance(w, Mapping) or w.get("kind") not in ("dirichlet", "bounds", "uniform"):
            problems.add("uncertainty.weights", "expected {kind: dirichlet, concentration: C}, "
                         "{kind: bounds, relative: R} or {kind: uniform}.")
        else:
            _check_keys(w, ("kind", "concentration", "relative", "level"), "uncertainty.weights", problems)
            level = w.get("level", "both")
            if level not in ("indicators", "pillars", "both"):
                problems.add("uncertainty.weights.level", f"got {level!r}; expected indicators, pillars or both.")
            if w["kind"] == "uniform":
                if w.get("concentration") is not None or w.get("relative") is not None:
                    problems.add("uncertainty.weights", "kind 'uniform' takes no concentration or relative "
                                 "(it is Dirichlet(1, ..., 1)); use kind 'dirichlet' to centre on the "
                                 "nominal weights.")
                kw["weights"] = WeightUncertainty("uniform", level=str(level))
            elif w["kind"] == "dirichlet":
                c = _number(w.get("concentration"), "uncertainty.weights.concentration", problems, positive=True)
                kw["weights"] = WeightUncertainty("dirichlet", concentration=c, level=str(level))
            else:
                r = _number(w.get("relative"), "uncertainty.weights.relative", problems, nonneg=True)
                if r is not None and r >= 1:
                    problems.add("uncertainty.weights.relative", f"must be below 1 (weights stay positive). "
                                 f"Got {r}.")
                kw["weights"] = WeightUncertainty("bounds", relative=r, level=str(level))
    for key, family in (("normalisations", "normalisation"), ("imputations", "imputation")):
        if raw.get(key) is not None:
            items = raw[key] if isinstance(raw[key], list) else [raw[key]]
            ms = [_method(m, f"uncertainty.{key}[{j}]", family, problems) for j, m in enumerate(items)]
            kw[key] = tuple(m for m in ms if m is not None)
    if raw.get("aggregations") is not None:
        a = raw["aggregations"]
        per = a if isinstance(a, Mapping) else {"pillars": a, "index": a}
        if isinstance(a, Mapping):
            _check_keys(a, LEVELS, "uncertainty.aggregations", problems)
        for lvl in LEVELS:
            items = per.get(lvl) or []
            items = items if isinstance(items, list) else [items]
            ms = [_method(m, f"uncertainty.aggregations.{lvl}[{j}]", "aggregation", problems)
                  for j, m in enumerate(items)]
            kw[f"aggregations_{lvl}"] = tuple(m for m in ms if m is not None)
    if raw.get("thresholds") is not None:
        th = raw["thresholds"]
        rule_ids = {r.id: r for r in rules}
        out = []
        if not isinstance(th, Mapping):
            problems.add("uncertainty.thresholds", "expected {rule_id: [low, high]}.")
            th = {}
        for rid, rng in th.items():
            path = f"uncertainty.thresholds.{rid}"
            if rid not in rule_ids or rule_ids[rid].kind not in ("threshold", "completeness"):
                problems.add(path, f"unknown threshold or completeness rule '{rid}'."
                             + suggest(str(rid), [r.id for r in rules if r.kind != "region_type"]))
                continue
            if not isinstance(rng, list) or len(rng) != 2:
                problems.add(path, f"expected [low, high]. Got {rng!r}.")
                continue
            lo = _number(rng[0], f"{path}[0]", problems)
            hi = _number(rng[1], f"{path}[1]", problems)
            if lo is not None and hi is not None:
                if lo > hi:
                    problems.add(path, f"low {lo} exceeds high {hi}.")
                out.append((str(rid), lo, hi))
        kw["thresholds"] = tuple(out)
    if raw.get("noise") is not None:
        n = raw["noise"]
        val = n.get("relative") if isinstance(n, Mapping) else n
        kw["noise_relative"] = _number(val, "uncertainty.noise.relative", problems, nonneg=True)
    if raw.get("leave_one_out") is not None:
        loo = raw["leave_one_out"]
        if isinstance(loo, bool):
            kw["leave_one_out"] = loo
        elif isinstance(loo, Mapping):
            _check_keys(loo, ("probability",), "uncertainty.leave_one_out", problems)
            pr = _number(loo.get("probability", 0.0), "uncertainty.leave_one_out.probability", problems,
                         unit=True)
            kw["leave_one_out"] = True
            kw["leave_one_out_probability"] = float(pr) if pr is not None else 0.0
        else:
            problems.add("uncertainty.leave_one_out", "expected true, false or {probability: P} (P in "
                         f"[0, 1], the share of draws leaving one indicator out). Got {loo!r}.")
    # draws: 0 is no run at all (it used to mean "the default" silently); seed 0 is a valid seed
    for key, positive in (("draws", True), ("seed", False)):
        if raw.get(key) is not None:
            v = _number(raw[key], f"uncertainty.{key}", problems, positive=positive,
                        nonneg=not positive, integer=True)
            kw[key] = int(v) if v is not None else None
    return UncertaintySpec(**kw)


def _read(source: str | os.PathLike | Mapping) -> tuple[dict, str | None]:
    if isinstance(source, Mapping):
        return dict(source), None
    path = Path(source)
    if not path.is_file():
        raise SpecError([("file", f"'{path}' does not exist or is not a file. Pass the path of a YAML spec, e.g. "
                              "specs/kominfo_prescreen.yml.")], str(path))
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise SpecError([("file", f"not UTF-8 text (byte {exc.start}: {exc.object[exc.start:exc.start + 1]!r}); "
                              "a spec is a YAML text file. Save it as UTF-8.")], str(path)) from None
    except OSError as exc:
        raise SpecError([("file", f"cannot be read ({exc.strerror}). Check the path and its permissions.")],
                        str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        raise SpecError([("file", f"not valid YAML at {where}: {getattr(exc, 'problem', exc)}. Fix the syntax.")],
                        str(path)) from None
    if not isinstance(data, Mapping):
        raise SpecError([("file", f"the top level must be a mapping (id, title, indicators, ...). "
                              f"Got {type(data).__name__}.")], str(path))
    return dict(data), str(path)


def load_spec(source: str | os.PathLike | Mapping, *, known_indicators: set[str] | None = None) -> Spec:
    """Load and validate a criteria spec.

    Parameters
    ----------
    source : path or mapping
        A YAML file or a dict of the same structure (see the module docstring).
    known_indicators : set of str, optional
        Indicator codes present in the data. Default: the curated registry (``data/indicators.yml``) when
        it loads, else :data:`KNOWN_INDICATORS`.

    Returns
    -------
    Spec
        Frozen, validated spec.

    Raises
    ------
    SpecError
        Listing every problem found, each as ``(yaml_path, message with a fix hint)``.

    Notes
    -----
    Validation is lazy (all problems collected before raising), following pandera's lazy validation.
    Method names are checked against the registries and method parameters against the signature of the
    registered function, so a typo in a parameter is reported rather than ignored.

    References
    ----------
    .. [1] pandera, "Lazy validation", https://pandera.readthedocs.io/en/stable/lazy_validation.html
    """
    data, path = _read(source)
    known = set(known_indicators) if known_indicators is not None else _known_indicator_codes()
    problems = _Problems()
    _check_keys(data, _TOP_KEYS, "", problems)
    sid = data.get("id")
    if not isinstance(sid, str) or not _ID_RE.match(sid):
        problems.add("id", f"expected a lower_snake_case identifier (e.g. kominfo_prescreen). Got {sid!r}.")
        sid = str(sid)
    title = str(data.get("title") or sid)
    version = str(data.get("version", "0"))
    description = str(data.get("description") or "").strip()
    cohorts = _parse_cohorts(data.get("cohorts"), problems)
    pool = _parse_pool(data.get("pool"), problems)
    indicators = _parse_indicators(data.get("indicators"), known, problems)
    methods = _parse_methods(data.get("methods"), problems)
    pillars = _parse_pillars(data.get("pillars"), indicators, methods, problems)
    codes = {i.code for i in indicators}
    rules = _parse_rules(data.get("eligibility"), codes, problems)
    quotas = _parse_quotas(data.get("quotas"), problems)
    for c in cohorts:
        if quotas.max_per_province is not None and quotas.max_per_province * 34 < c.size:
            problems.add("quotas.max_per_province", f"{quotas.max_per_province} per province x 34 provinces "
                         f"cannot fill cohort {c.year} of size {c.size}.")
    ties = _parse_ties(data.get("tie_breaking"), codes, {p.id for p in pillars}, problems)
    unc = _parse_uncertainty(data.get("uncertainty"), rules, problems)
    if methods is not None and pillars:
        _check_method_pairing(methods, pillars, indicators, problems)
    if problems.items:
        raise SpecError(problems.items, path)
    return Spec(id=sid, title=title, version=version, description=description, cohorts=cohorts, pool=pool,
                eligibility=rules, indicators=indicators, pillars=pillars, methods=methods, quotas=quotas,
                tie_breaking=ties, uncertainty=unc, source=path)


