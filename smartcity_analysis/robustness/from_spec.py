"""From a spec to the kernel's arrays: the bridge to the engine's orchestrator.

:func:`problem_from_spec` runs the engine (``selection.run_cohorts``, ``pipeline.build_index`` per
method alternative and left-out indicator) once per cohort and stacks what the vectorised kernel needs
into a :class:`~smartcity_analysis.robustness.kernel.RobustnessProblem`;
:func:`settings_from_spec` reads the spec's ``uncertainty`` block into
:class:`~smartcity_analysis.robustness.plans.UncertaintySettings`; :class:`SpecContext` keeps what the
reference path and the reports need besides the arrays. Variant specs (:func:`_variant_spec`) are new
specs made with ``dataclasses.replace``, never mutation of shared state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from smartcity_analysis.curated import loaders
from smartcity_analysis.curated.inputs import data_key, spec_frames
from smartcity_analysis.engine.aggregation import needs_positive_scale
from smartcity_analysis.engine.pipeline import build_index
from smartcity_analysis.engine.selection import (
    JAVA,
    evaluate_eligibility,
    run_cohorts,
    selection_order,
)
from smartcity_analysis.errors import ComputationError
from smartcity_analysis.robustness.kernel import (
    TREATMENTS,
    QuotaArrays,
    RobustnessProblem,
    ThresholdRule,
)
from smartcity_analysis.robustness.plans import UncertaintySettings
from smartcity_analysis.spec import MethodChoice, UncertaintySpec, resolve_spec

__all__ = [
    "SpecContext",
    "problem_from_spec",
    "settings_from_spec",
]

def _choice_pair(choice) -> tuple:
    """``MethodChoice`` -> hashable ``(name, ((key, value), ...))`` with thawed values."""
    return (choice.name, tuple(sorted(choice.kwargs.items())))


def _dedupe(items) -> tuple:
    out = []
    for it in items:
        if it not in out:
            out.append(it)
    return tuple(out)


def settings_from_spec(spec, n_indicators: int) -> UncertaintySettings:
    """The :class:`UncertaintySettings` declared by a spec's ``uncertainty`` block.

    ``leave_one_out: true`` prepares the "without indicator X" scenarios with probability 0 in the
    Monte Carlo (they are reported separately); ``{probability: p}`` also leaves one indicator out
    in a share ``p`` of the draws.
    """
    u = spec.uncertainty
    if u is None:
        return UncertaintySettings()
    kw: dict = {"methods": True}
    if u.weights is not None:
        kw["weights"] = u.weights.kind
        if u.weights.concentration is not None:
            kw["concentration"] = float(u.weights.concentration)
        if u.weights.relative is not None:
            kw["bound"] = float(u.weights.relative)
        kw["weight_level"] = u.weights.level
    kw["thresholds"] = {rid: (float(lo), float(hi)) for rid, lo, hi in u.thresholds}
    kw["noise"] = float(u.noise_relative or 0.0)
    if u.leave_one_out and n_indicators > 1:
        kw["loo_scenarios"] = True
        kw["leave_one_out"] = float(u.leave_one_out_probability)
    return UncertaintySettings(**kw)


@dataclass(frozen=True)
class SpecContext:
    """What the reference path and the reports need besides the arrays.

    ``base_spec`` is the spec reduced to the one cohort (with the pool of a ``model`` run frozen at the
    nominal earlier picks); ``imputers``/``normalisers``/``agg_pillars``/``agg_index`` are the
    ``MethodChoice`` alternatives behind the problem's indices (``agg_pillars[0]`` is ``None``: the
    nominal per-pillar methods); ``frames`` the wide data per data year; ``nominal`` the engine's
    nominal per-region table of the cohort; ``data_hash`` a hash of the data used.
    """

    spec: object
    base_spec: object
    cohort: object
    imputers: tuple
    normalisers: tuple
    agg_pillars: tuple
    agg_index: tuple
    frames: dict
    regions: pd.DataFrame
    cohorts: pd.DataFrame | None
    nominal: pd.DataFrame
    data_hash: str


def _variant_spec(
    base,
    *,
    imputation=None,
    normalisation=None,
    left_out=None,
    agg_pillars=None,
    agg_index=None,
    within=None,
    pillar_weights=None,
    positive=(),
):
    """A variant of ``base`` (``dataclasses.replace``, never mutation) with the given choices.

    ``within``: ``{indicator: weight}``; ``pillar_weights``: ``{pillar: weight}``; both make the
    weighting explicit. ``left_out``: an indicator code declared unavailable. ``positive``: indicator
    codes normalised by min-max onto ``[1, 100]`` (the positive scale a drawn geometric, harmonic or
    Mazziotta-Pareto aggregation gets; equal to ``normalisation.positive_scale`` of an affine
    normaliser's output).
    """

    methods = base.methods
    changes = {}
    if imputation is not None:
        changes["imputation"] = imputation
    if normalisation is not None:
        changes["normalisation"] = normalisation
    if agg_index is not None:
        changes["aggregation_index"] = agg_index
    if agg_pillars is not None:
        changes["aggregation_pillars"] = agg_pillars
    if within is not None:
        changes["weighting_indicators"] = MethodChoice("explicit")
    if pillar_weights is not None:
        changes["weighting_pillars"] = MethodChoice("explicit")
    methods = replace(methods, **changes)
    pillars = []
    for p in base.pillars:
        kw = {}
        if agg_pillars is not None:
            kw["aggregation"] = None
        if pillar_weights is not None and p.id in pillar_weights:
            kw["weight"] = float(pillar_weights[p.id])
        if within is not None:
            kw["indicators"] = tuple(
                (code, float(within[code]) if code in within else w) for code, w in p.indicators
            )
        pillars.append(replace(p, **kw) if kw else p)
    indicators = base.indicators
    if positive:
        to_positive = MethodChoice.make("minmax", lower=1.0, upper=100.0)
        indicators = tuple(
            replace(ind, normalisation=to_positive) if ind.code in positive else ind
            for ind in indicators
        )
    if left_out is not None:
        indicators = tuple(
            replace(ind, availability="unavailable") if ind.code == left_out else ind
            for ind in indicators
        )
    return replace(base, methods=methods, pillars=tuple(pillars), indicators=indicators)


def problem_from_spec(
    spec,
    cohort: int | None = None,
    *,
    frames: dict | None = None,
    regions: pd.DataFrame | None = None,
    cohorts: pd.DataFrame | None = None,
    settings: UncertaintySettings | None = None,
):
    """Prepare the arrays of one cohort of a spec for the vectorised kernel.

    Parameters
    ----------
    spec : Spec or path
    cohort : int, optional
        Cohort year (default: the spec's first cohort).
    frames : dict, optional
        ``data_year -> wide indicator frame`` (default: the data of the spec,
        :func:`smartcity_analysis.curated.inputs.spec_frames`).
    regions, cohorts : DataFrame, optional
        Region table and actual cohorts (default: ``loaders``).
    settings : UncertaintySettings, optional
        Override the spec's ``uncertainty`` block.

    Returns
    -------
    problem : RobustnessProblem
    settings : UncertaintySettings
    context : SpecContext

    Notes
    -----
    Everything that needs the engine's step functions is computed here, once, by the engine itself:
    one ``build_index`` per (imputation alternative, normalisation alternative, left-out indicator)
    gives the normalised values (so imputation, transforms, outlier treatment, per-indicator
    normalisation overrides and exclusions are exactly the engine's); ``evaluate_eligibility`` gives
    the fixed rules; ``selection_order`` on a constant score gives the tie-breaking order (when a
    tie-breaking key is a pillar score, ``tie_keys`` instead, so the kernel breaks ties with each
    draw's own pillar scores, as the engine does). Per draw the kernel then only re-weights,
    re-aggregates (engine aggregators), re-thresholds and re-selects.

    Approximations (documented in docs/robustness.md): with ``pool.previous_cohorts: model`` the pool is the nominal run's (the
    model's earlier picks are not re-drawn); data-driven weights (PCA, entropy) are taken at their
    nominal values and perturbed from there.
    """

    spec = resolve_spec(spec)
    year = spec.cohorts[0].year if cohort is None else int(cohort)
    coh = spec.cohort(year)
    if regions is None:
        regions = loaders.load_regions()
    if cohorts is None:
        cohorts = loaders.load_cohorts()
    needed = [c for c in spec.cohorts if c.year <= year]
    if frames is None:
        frames = spec_frames(spec, until=year)
    data = frames[coh.data_year]
    runs = run_cohorts(spec, until=year, indicators=frames, regions=regions, cohorts=cohorts)
    nominal_run = runs[year]
    res = nominal_run.result
    pool = spec.pool
    if pool.previous_cohorts == "model":
        earlier = [r for y, run in runs.items() if y < year for r in run.selected]
        pool = replace(
            pool,
            previous_cohorts="none",
            exclude_regions=tuple(pool.exclude_regions) + tuple(sorted(set(earlier))),
        )
    base = replace(spec, cohorts=(coh,), pool=pool)

    codes = list(res.index.index.astype(str))
    cols = list(res.normalised.columns)
    m = len(cols)
    w = res.weights.set_index("indicator")
    pillars = list(res.pillar_scores.columns)
    pillar_of = np.array([pillars.index(w.loc[c, "pillar"]) for c in cols], dtype=np.int64)
    within0 = np.array([float(w.loc[c, "weight_in_pillar"]) for c in cols])
    pw_of = w.groupby("pillar")["pillar_weight"].first()
    pw0 = np.array([float(pw_of[p]) for p in pillars])

    if settings is None:
        settings = settings_from_spec(spec, m)
    u = spec.uncertainty or UncertaintySpec()
    imputers = _dedupe((spec.methods.imputation,) + tuple(u.imputations))
    normalisers = _dedupe((spec.methods.normalisation,) + tuple(u.normalisations))
    pillar_spec = {p.id: p for p in spec.pillars}
    nominal_within = tuple(
        _choice_pair(pillar_spec[p].aggregation or spec.methods.aggregation_pillars)
        for p in pillars
    )
    agg_pillars, agg_within = [None], [nominal_within]
    for alt in u.aggregations_pillars:
        pair = tuple(_choice_pair(alt) for _ in pillars)
        if pair not in agg_within:
            agg_within.append(pair)
            agg_pillars.append(alt)
    agg_index = _dedupe((spec.methods.aggregation_index,) + tuple(u.aggregations_index))

    loo = (settings.leave_one_out > 0 or settings.loo_scenarios) and m > 1
    left_options = [None] + (cols if loo else [])
    n_l = len(left_options)
    n = len(codes)
    normalised = np.full((len(imputers), len(normalisers), n_l, n, m), np.nan)
    need_noise = settings.noise > 0
    imputed = np.full((len(imputers), n_l, n, m), np.nan) if need_noise else None
    treatments = np.zeros((len(imputers), n_l, m), dtype=np.int64) if need_noise else None
    treat_bounds = np.full((len(imputers), n_l, 2, m), np.nan) if need_noise else None
    builds = {}
    for i, imp in enumerate(imputers):
        for j, nrm in enumerate(normalisers):
            for lo, code in enumerate(left_options):
                if i == 0 and j == 0 and lo == 0:
                    r = res
                else:
                    vs = _variant_spec(base, imputation=imp, normalisation=nrm, left_out=code)
                    r = build_index(
                        data, vs, regions=regions, data_year=coh.data_year, diagnostics=False
                    )
                if list(r.normalised.index.astype(str)) != codes:
                    raise ComputationError(
                        "A variant index build returned a different set of regions; cannot stack it."
                    )
                normalised[i, j, lo] = r.normalised.reindex(columns=cols).to_numpy(dtype=float)
                if need_noise and j == 0:
                    imputed[i, lo] = r.imputed.reindex(columns=cols).to_numpy(dtype=float)
                    act = r.treatment_log.set_index("indicator")["action"]
                    treated = r.treated.reindex(columns=cols)
                    for k_col, c in enumerate(cols):
                        a = act.get(c, "none")
                        if a not in TREATMENTS:
                            raise ComputationError(
                                f"Value noise cannot replay the outlier treatment {a!r} of {c!r}."
                            )
                        treatments[i, lo, k_col] = TREATMENTS[a]
                        if c in r.treated.columns:
                            treat_bounds[i, lo, :, k_col] = treated[c].min(), treated[c].max()
                if i == 0 and j == 0:
                    builds[lo] = r

    in_pool = nominal_run.table.set_index("region_code")["in_pool"].reindex(codes).to_numpy(bool)
    uncertain = set(settings.thresholds)
    fixed_spec_rules = tuple(r for r in spec.eligibility if r.id not in uncertain)
    eligible_fixed = np.zeros((n_l, n), dtype=bool)
    tie_order = np.zeros((n_l, n), dtype=np.int64)
    # tie-breaking keys as selection.selection_order reads them (raw indicator, else pillar score)
    key_specs = []
    for key in spec.tie_breaking:
        if key.key == "score":
            continue
        if key.key == "region_code":
            break
        key_specs.append(key)
    tie_values = [np.full((n_l, n), np.nan) for _ in key_specs]
    rule_values = {r.id: np.full((n_l, n), np.nan) for r in spec.eligibility if r.id in uncertain}
    rule_active = {rid: np.ones(n_l, dtype=bool) for rid in rule_values}
    for lo in range(n_l):
        r = builds[lo]
        fixed_spec = replace(base, eligibility=fixed_spec_rules)
        elig, _, _ = evaluate_eligibility(fixed_spec, r.raw, regions)
        eligible_fixed[lo] = elig.reindex(codes).fillna(False).to_numpy(bool) & in_pool
        values = pd.concat([r.raw, r.pillar_scores], axis=1)
        zero = pd.Series(0.0, index=pd.Index(codes))
        order = selection_order(zero, codes, spec.tie_breaking, values=values)
        pos = {c: k for k, c in enumerate(order)}
        tie_order[lo] = [pos[c] for c in codes]
        for t, key in enumerate(key_specs):
            if key.key in r.raw.columns:
                tie_values[t][lo] = r.raw[key.key].reindex(codes).to_numpy(float)
        for rule in spec.eligibility:
            if rule.id not in uncertain:
                continue
            if rule.kind == "threshold":
                if rule.indicator in r.raw.columns:
                    rule_values[rule.id][lo] = r.raw[rule.indicator].reindex(codes).to_numpy(float)
                else:
                    rule_active[rule.id][lo] = False
            elif rule.kind == "completeness":
                share = r.raw.notna().mean(axis=1).reindex(codes).to_numpy(float)
                rule_values[rule.id][lo] = share + 1e-12
    rules = []
    for rule in spec.eligibility:
        if rule.id not in uncertain:
            continue
        if rule.kind == "threshold":
            rules.append(
                ThresholdRule(
                    rule.id,
                    rule_values[rule.id],
                    rule.op,
                    float(rule.value),
                    missing_passes=rule.if_missing == "pass",
                    active=rule_active[rule.id],
                )
            )
        elif rule.kind == "completeness":
            rules.append(ThresholdRule(rule.id, rule_values[rule.id], ">=", float(rule.min_share)))

    # a key that is a pillar score depends on the draw (weights, methods, noise): the kernel then
    # breaks ties with the draw's own pillar scores instead of the nominal order
    tie_keys = None
    if any(key.key not in res.raw.columns and key.key in pillars for key in key_specs):
        tie_keys = tuple(
            ("values", tie_values[t], key.order == "asc")
            if key.key in res.raw.columns or key.key not in pillars
            else ("pillar", pillars.index(key.key), key.order == "asc")
            for t, key in enumerate(key_specs)
        )

    quotas = None
    if spec.quotas.active:
        reg = regions.reindex(codes)
        prov_labels, _ = pd.factorize(reg["province_code"].astype(str))
        type_names = sorted(
            set(reg["type"].dropna().astype(str)) | {t.type for t in spec.quotas.type_mix}
        )
        type_labels = np.array(
            [type_names.index(t) if t in type_names else 0 for t in reg["type"].astype(str)]
        )
        tmin = np.zeros(len(type_names), dtype=np.int64)
        tmax = np.full(len(type_names), n + coh.size + 1, dtype=np.int64)
        for tm in spec.quotas.type_mix:
            if tm.min_share is not None:
                tmin[type_names.index(tm.type)] = int(np.ceil(tm.min_share * coh.size - 1e-9))
            if tm.max_share is not None:
                tmax[type_names.index(tm.type)] = int(np.floor(tm.max_share * coh.size + 1e-9))
        share_nj = spec.quotas.min_share_outside_java
        quotas = QuotaArrays(
            province=prov_labels.astype(np.int64),
            type_labels=type_labels.astype(np.int64),
            type_min=tmin,
            type_max=tmax,
            outside=(reg["island_group"] != JAVA).to_numpy(bool),
            min_outside=int(np.ceil(share_nj * coh.size - 1e-9)) if share_nj else 0,
            max_per_province=spec.quotas.max_per_province,
        )

    groups = []
    for nrm in normalisers:
        g: dict = {}
        for k_col, c in enumerate(cols):
            choice = spec.indicator(c).normalisation or nrm
            g.setdefault(_choice_pair(choice), []).append(k_col)
        groups.append(tuple((tuple(v), key[0], key[1]) for key, v in g.items()))

    rescale = np.zeros((len(normalisers), len(agg_within), len(agg_index), m), dtype=bool)
    for j, grp in enumerate(groups):
        for cols_g, name, kwargs in grp:
            for a, alt in enumerate(agg_within):
                for b, idx_agg in enumerate(agg_index):
                    for c in cols_g:
                        rescale[j, a, b, c] = needs_positive_scale(
                            alt[pillar_of[c]][0], name, dict(kwargs)
                        ) or needs_positive_scale(idx_agg.name, name, dict(kwargs))

    problem = RobustnessProblem(
        region_codes=tuple(codes),
        indicators=tuple(cols),
        pillars=tuple(pillars),
        pillar_of=pillar_of,
        within_weights=within0,
        pillar_weights=pw0,
        normalised=normalised,
        imputers=tuple(i.name for i in imputers),
        normalisers=tuple(x.name for x in normalisers),
        aggregators_within=tuple(agg_within),
        aggregators_across=tuple(_choice_pair(a) for a in agg_index),
        eligible_fixed=eligible_fixed,
        k=int(coh.size),
        tie_order=tie_order,
        threshold_rules=tuple(rules),
        quotas=quotas,
        min_coverage_within=float(spec.methods.min_coverage_pillars),
        min_coverage_across=float(spec.methods.min_coverage_index),
        imputed=imputed,
        treatments=treatments,
        treat_bounds=treat_bounds,
        transforms=tuple(spec.indicator(c).transform for c in cols),
        normaliser_groups=tuple(groups),
        directions=np.array([float(spec.indicator(c).direction) for c in cols]),
        cohort=year,
        rescale=rescale if rescale.any() else None,
        tie_keys=tie_keys,
    )
    data_hash = data_key(frames, [c.data_year for c in needed])
    context = SpecContext(
        spec=spec,
        base_spec=base,
        cohort=coh,
        imputers=imputers,
        normalisers=normalisers,
        agg_pillars=tuple(agg_pillars),
        agg_index=agg_index,
        frames={coh.data_year: data},
        regions=regions,
        cohorts=cohorts,
        nominal=nominal_run.table,
        data_hash=data_hash,
    )
    return problem, settings, context
