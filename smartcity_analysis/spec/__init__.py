"""Criteria specs: the declarative description of an index, its eligibility rules and its cohorts.

A spec is a YAML file (or a dict of the same shape) validated on load into frozen dataclasses. Every
problem is collected and reported at once in one :class:`~smartcity_analysis.errors.SpecError`, each with
its YAML path (``pillars[2].indicators.ipm``) and a hint on how to fix it.

Layout of a spec (every block except ``id``, ``indicators`` and ``pillars`` is optional)::

    id: kominfo_prescreen            # short identifier, [a-z0-9_]
    title: ...
    version: "1.0"
    description: ...
    cohorts:                         # run in sequence; earlier selections leave the pool
      - {year: 2017, size: 25, data_year: 2016}
    pool:
      previous_cohorts: actual       # actual | model | none
      leave_statuses: [selected, added_late, not_awarded, deferred]
      exclude_regions: []            # 4-char BPS codes
      exclude_types: []              # kota | kabupaten
    eligibility:
      - {id: ipm_floor, kind: threshold, indicator: ipm, op: ">=", value: 60, reason: IPM_LOW}
      - {id: complete, kind: completeness, min_share: 0.75, reason: DATA_INCOMPLETE}
      - {id: kota_only, kind: region_type, allowed: [kota], reason: NOT_KOTA}
    indicators:
      - code: ipm
        direction: 1                 # 1 higher is better, -1 lower is better
        transform: null              # null | log | log1p
        availability: measured       # measured | unavailable | user_supplied
        proxy_for: null              # the criterion this indicator stands in for, if a proxy
        note: ...
        normalisation: null          # per-indicator override: {method: goalposts, lower: 40, upper: 90}
        derive: null                 # {numerator: a, denominator: b, scale: 1}
        user_supplied: null          # {format: "...", path: null}
        plausible_change: null       # {lower: -2, upper: 5} in own units, or {relative: 0.1}
    pillars:                         # hierarchy indicator -> pillar -> index
      - id: human
        weight: 1
        aggregation: null            # per-pillar override of methods.aggregation.pillars
        indicators: {ipm: 1}         # indicator code -> weight within the pillar
    methods:
      imputation: none               # or {method: group_median, group: province}
      outliers: none
      normalisation: {method: minmax, lower: 0, upper: 100}
      weighting: explicit            # or {indicators: explicit, pillars: equal}
      aggregation: {pillars: arithmetic, index: arithmetic}
      min_coverage: 0.5              # or {indicators: 0.5, pillars: 0.5, index: 0.5}
    quotas:
      max_per_province: null
      min_share_outside_java: null
      type_mix: {kota: {min_share: 0.2, max_share: 0.8}}
    tie_breaking: [{key: ipm, order: desc}]     # region_code ascending is always the last key
    uncertainty: ...                 # see :class:`UncertaintySpec`

Unavailable indicators (and user-supplied ones whose file is not given) stay in the spec so reports can
list them, but are excluded from computation; weights are renormalised over what remains and the fact is
recorded in :class:`~smartcity_analysis.engine.pipeline.IndexResult`.
"""

from smartcity_analysis.spec.model import (  # noqa: F401 - the package face
    AVAILABILITIES,
    COHORT_STATUSES,
    DEFAULT_LEAVE_STATUSES,
    DEFAULT_SPEC,
    KNOWN_INDICATORS,
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
    MethodChoice,
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
from smartcity_analysis.spec.parse import load_spec
from smartcity_analysis.spec.resolve import list_specs, resolve_spec, spec_location

__all__ = [
    "AVAILABILITIES",
    "COHORT_STATUSES",
    "CohortSpec",
    "DEFAULT_LEAVE_STATUSES",
    "DEFAULT_SPEC",
    "DeriveSpec",
    "EligibilityRule",
    "IndicatorSpec",
    "KNOWN_INDICATORS",
    "LEVELS",
    "MethodChoice",
    "MethodsSpec",
    "OPERATORS",
    "PREVIOUS_MODES",
    "PillarSpec",
    "PlausibleChange",
    "PoolSpec",
    "QuotaSpec",
    "REGION_TYPES",
    "RULE_KINDS",
    "Spec",
    "TRANSFORMS",
    "TieBreakKey",
    "TypeMix",
    "UncertaintySpec",
    "UserSuppliedSpec",
    "WeightUncertainty",
    "list_specs",
    "load_spec",
    "resolve_spec",
    "spec_location",
]
