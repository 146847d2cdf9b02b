"""Tiny synthetic fixtures for the robustness tests (clearly synthetic: NOT real data).

Random values on a handful of made-up regions ("9000".. codes that exist nowhere), used only to check
the kernel's contracts; the real-data tests build their problem from the shipped spec instead.
"""

from __future__ import annotations

import numpy as np

from smartcity_analysis.engine.normalisation import NORMALISERS
from smartcity_analysis.robustness.kernel import QuotaArrays, RobustnessProblem, ThresholdRule

#: Normalisation alternatives of the toy problem (engine names and parameters): positive scales so the
#: geometric / harmonic alternatives are defined.
TOY_NORMALISERS = {
    "minmax": ("minmax", (("lower", 1.0), ("upper", 100.0))),
    "zscore": ("zscore", (("mean", 100.0), ("sd", 10.0))),
}


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
    pillar_weights=None,
    loo=False,
):
    """A synthetic problem: ``n`` fake regions, ``m`` indicators in ``pillars`` pillars.

    ``threshold``: (nominal) threshold of a rule ``raw indicator 0 >= t``; ``fixed_fail``: region
    indices that fail a fixed (non-uncertain) rule; ``loo``: prepare the ``m + 1`` leave-one-out
    variants (variant ``j + 1``: column ``j`` missing, as when the engine excludes it); ``quotas``: at most 2 per fake province (3 of
    them) and at least 2 of the second half ("outside Java").
    """
    rng = np.random.default_rng(seed)
    raw = rng.uniform(1.0, 10.0, size=(n, m))
    if missing:
        raw[1, 0] = np.nan
    directions = np.ones(m)
    directions[-1] = -1
    groups = tuple(((tuple(range(m)), *TOY_NORMALISERS[name]),) for name in normalisers)
    norm = np.stack([NORMALISERS[g[0][1]](raw, directions, **dict(g[0][2])) for g in groups])[
        None, :, None
    ]
    n_l = m + 1 if loo else 1
    if loo:
        variants = [norm[:, :, 0]]
        for j in range(m):
            v = norm[:, :, 0].copy()
            v[..., j] = np.nan
            variants.append(v)
        norm = np.stack(variants, axis=2)
    eligible = np.ones((n_l, n), dtype=bool)
    eligible[:, list(fixed_fail)] = False
    rules = ()
    if threshold is not None:
        values = np.repeat(raw[None, :, 0], n_l, axis=0)
        rules = (ThresholdRule("min_x0", values, ">=", float(threshold)),)
    q = None
    if quotas:
        q = QuotaArrays(
            province=np.arange(n) % 3,
            type_labels=np.zeros(n, dtype=np.int64),
            type_min=np.zeros(1, dtype=np.int64),
            type_max=np.full(1, n + 1),
            outside=np.arange(n) >= n // 2,
            min_outside=2,
            max_per_province=2,
        )
    return RobustnessProblem(
        region_codes=tuple(f"{9000 + i:04d}" for i in range(n)),
        indicators=tuple(f"x{j}" for j in range(m)),
        pillars=tuple(f"p{j}" for j in range(pillars)),
        pillar_of=np.arange(m) % pillars,
        within_weights=np.ones(m),
        pillar_weights=np.ones(pillars) if pillar_weights is None else np.asarray(pillar_weights),
        normalised=norm,
        imputers=("none",),
        normalisers=tuple(normalisers),
        aggregators_within=tuple(
            tuple((a, ()) for _ in range(pillars)) for a in aggregators_within
        ),
        aggregators_across=tuple((a, ()) for a in aggregators_across),
        eligible_fixed=eligible,
        k=k,
        tie_order=np.repeat(np.arange(n)[None, :], n_l, axis=0),
        threshold_rules=rules,
        quotas=q,
        imputed=np.repeat(raw[None, None], n_l, axis=1) if treated else None,
        transforms=(None,) * m,
        normaliser_groups=groups,
        directions=directions,
    )
