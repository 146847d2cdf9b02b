"""Tiny synthetic fixtures for the revealed-criteria tests (SYNTHETIC: invented numbers, never real
data)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartcity_analysis.explanation.candidates import CandidateSet


def candidate_set(X, y, groups, names=None, R=None) -> CandidateSet:
    """SYNTHETIC: a CandidateSet around given arrays (raw values = the z-scores unless given)."""
    X = np.asarray(X, dtype=float)
    names = names or [f"x{j}" for j in range(X.shape[1])]
    cols = pd.DataFrame({"name": names, "indicator": names, "direction": 1, "registry_direction": 1,
                         "transform": None, "derive_numerator": None, "derive_denominator": None,
                         "derive_scale": None, "form": "other", "unit": ""})
    groups = np.asarray(groups)
    return CandidateSet(X=X, R=X.copy() if R is None else np.asarray(R, float),
                        y=np.asarray(y, int), groups=groups,
                        region_codes=np.array([f"{9000 + i % 999:04d}" for i in range(len(y))]),
                        columns=cols, excluded=pd.DataFrame(columns=["indicator", "reason"]),
                        indicator_spec={}, data_hash="synthetic",
                        data_years={int(g): int(g) - 1 for g in np.unique(groups)})


def one_decides(n=60, k=6, p=4, years=(2017, 2018, 2019), seed=0):
    """SYNTHETIC: in every pool the k highest values of column 0 are chosen; the other columns are
    noise; the last column is called 'population' (noise too)."""
    rng = np.random.default_rng(seed)
    X, y, g = [], [], []
    for yr in years:
        x = rng.normal(size=(n, p))
        yy = np.zeros(n, int)
        yy[np.argsort(-x[:, 0])[:k]] = 1
        X.append(x)
        y.append(yy)
        g.append(np.full(n, yr))
    names = [f"x{j}" for j in range(p - 1)] + ["population"]
    return candidate_set(np.vstack(X), np.concatenate(y), np.concatenate(g), names)


def noise(n=80, k=8, p=5, years=(2017, 2018, 2019), seed=1):
    """SYNTHETIC: labels independent of every column."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n * len(years), p))
    y = np.concatenate([rng.permutation(np.r_[np.ones(k, int), np.zeros(n - k, int)])
                        for _ in years])
    g = np.repeat(years, n)
    names = [f"x{j}" for j in range(p - 1)] + ["population"]
    return candidate_set(X, y, g, names)


def conditional_logit_choices(beta, n=300, k=30, pools=3, seed=2):
    """SYNTHETIC: k-of-n choices drawn exactly from the conditional logit P(S) ~ prod exp(x_i beta).

    Conditional Poisson sampling: independent Bernoulli draws with odds c * exp(x_i beta),
    accepted when exactly k are drawn; the accepted set has exactly the conditional-logit law."""
    rng = np.random.default_rng(seed)
    beta = np.asarray(beta, dtype=float)
    Xs, ys, gs = [], [], []
    for g in range(pools):
        X = rng.normal(size=(n, beta.size))
        v = X @ beta
        # odds scale c so that the expected number drawn is k
        lo, hi = -30.0, 30.0
        for _ in range(100):
            mid = (lo + hi) / 2
            if (1 / (1 + np.exp(-(v + mid)))).sum() > k:
                hi = mid
            else:
                lo = mid
        p = 1 / (1 + np.exp(-(v + lo)))
        while True:
            draw = rng.random(n) < p
            if draw.sum() == k:
                break
        Xs.append(X)
        ys.append(draw.astype(int))
        gs.append(np.full(n, g))
    return np.vstack(Xs), np.concatenate(ys), np.concatenate(gs)
