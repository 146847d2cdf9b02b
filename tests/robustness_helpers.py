"""Tiny synthetic fixtures for the robustness tests (clearly synthetic: NOT real data).

Random normalised values on a handful of made-up regions, used only to check the kernel's contracts.
"""

from __future__ import annotations

import numpy as np

from smartcity_analysis.robustness import MaxQuota, MinQuota, RobustnessProblem, ThresholdRule


def toy_problem(
    n=12,
    m=4,
    pillars=2,
    k=4,
    seed=0,
    normalisers=("minmax",),
    aggregators_within=("arithmetic",),
    aggregators_across=("arithmetic",),
    threshold=None,
    fixed_fail=(),
    quotas=False,
    missing=False,
    treated=False,
):
    """A synthetic problem: ``n`` fake regions, ``m`` indicators in ``pillars`` pillars.

    ``threshold``: (nominal) threshold of a rule ``raw indicator 0 >= t``; ``fixed_fail``: region
    indices that fail a fixed (non-uncertain) rule.
    """
    rng = np.random.default_rng(seed)
    raw = rng.uniform(1.0, 10.0, size=(n, m))
    if missing:
        raw[1, 0] = np.nan
    from smartcity_analysis.robustness import norm_minmax, norm_zscore

    fns = {"minmax": norm_minmax, "zscore": lambda v, d, r: norm_zscore(v, d, r) + 5.0}
    directions = np.ones(m)
    directions[-1] = -1
    ref = np.ones(n, dtype=bool)
    norm = np.stack([fns[name](raw, directions, ref) + 1.0 for name in normalisers])[None]
    eligible = np.ones(n, dtype=bool)
    eligible[list(fixed_fail)] = False
    rules = ()
    if threshold is not None:
        rules = (ThresholdRule("min_x0", raw[:, 0].copy(), ">=", float(threshold)),)
    maxq, minq = (), ()
    if quotas:
        maxq = (MaxQuota("per_province", np.arange(n) % 3, 2),)
        minq = (MinQuota("outside_java", np.arange(n) >= n // 2, 2),)
    return RobustnessProblem(
        region_codes=tuple(f"{9000 + i:04d}" for i in range(n)),
        indicators=tuple(f"x{j}" for j in range(m)),
        pillars=tuple(f"p{j}" for j in range(pillars)),
        pillar_of=np.arange(m) % pillars,
        within_weights=np.ones(m),
        pillar_weights=np.ones(pillars),
        normalised=norm,
        imputers=("none",),
        normalisers=tuple(normalisers),
        aggregators_within=tuple(aggregators_within),
        aggregators_across=tuple(aggregators_across),
        eligible_fixed=eligible,
        k=k,
        tie_order=np.arange(n),
        threshold_rules=rules,
        max_quotas=maxq,
        min_quotas=minq,
        treated=raw[None] if treated else None,
        directions=directions,
    )
