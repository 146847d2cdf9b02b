"""Tiny synthetic fixtures for the explanation tests (SYNTHETIC: invented numbers, never real data)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def one_decides(n=120, n_pos=12, p=4, seed=0, gap=(0.7, 0.3)):
    """SYNTHETIC: column 0 alone separates the classes (positives >= gap[0], negatives <= gap[1]);
    the other columns are uniform noise independent of the class, except for one pinned pair.

    Known answer: the hard-margin LP puts all weight on column 0, with margin (gap[0] - gap[1]) / 2."""
    rng = np.random.default_rng(seed)
    y = np.zeros(n, dtype=int)
    y[:n_pos] = 1
    X = rng.uniform(size=(n, p))
    X[:n_pos, 0] = rng.uniform(gap[0], 1.0, n_pos)
    X[n_pos:, 0] = rng.uniform(0.0, gap[1], n - n_pos)
    # Pin the tightest pair so that the hard-margin answer is provable: the weakest positive is 0 and
    # the strongest negative 1 on every noise column, so any weight off column 0 shrinks the margin.
    X[0, 0], X[0, 1:] = gap[0], 0.0
    X[n_pos, 0], X[n_pos, 1:] = gap[1], 1.0
    return X, y


def codes(n, start=1101):
    """SYNTHETIC region codes as 4-character strings."""
    return [f"{start + i:04d}" for i in range(n)]


def cohort_table():
    """SYNTHETIC cohort table mimicking the real quirks on eight fake regions."""
    rows = [
        ("0001", 2017, "selected"),
        ("0002", 2017, "not_awarded"),
        ("0003", 2017, "added_late"),
        ("0004", 2018, "selected"),
        ("0005", 2018, "cancelled"),
        ("0006", 2018, "deferred"),
        ("0005", 2019, "selected"),
        ("0006", 2019, "selected"),
        ("0007", 2019, "selected"),
    ]
    return pd.DataFrame(rows, columns=["region_code", "cohort_year", "status"])


# ---------------------------------------------------------------------------------------------------
# A tiny synthetic world for the end-to-end explanation tests (SYNTHETIC: invented numbers)
# ---------------------------------------------------------------------------------------------------

WORLD_SIZES = {2017: 3, 2018: 4, 2019: 3}


def world(n=40, seed=0):
    """SYNTHETIC regions, indicators (one wide frame per data year) and actual cohorts.

    Indicator ``ipm`` alone decides the actual cohorts: in each cohort, the highest ``ipm`` values of
    the remaining pool are listed (a 2018 region is ``cancelled`` and listed again in 2019). Indicators
    ``poverty_rate`` (lower is better) and ``unemployment_rate`` are noise.

    Returns
    -------
    regions : DataFrame
    indicators : dict data_year -> wide DataFrame
    cohorts : DataFrame
    """
    rng = np.random.default_rng(seed)
    codes_ = [f"{9101 + i:04d}" for i in range(n)]
    regions = pd.DataFrame({
        "kemendagri_code": [f"91.{i + 1:02d}" for i in range(n)],
        "name": [f"Synthetic {i}" for i in range(n)],
        "type": ["kabupaten"] * n,
        "province_code": ["91"] * n,
        "province_name": ["Synthetica"] * n,
        "island_group": ["Papua"] * n,
        "area_km2": 100.0, "lon": 140.0, "lat": -3.0,
    }, index=pd.Index(codes_, name="region_code"))
    base = rng.permutation(np.linspace(60.0, 80.0, n))
    frames = {}
    for k, year in enumerate((2016, 2017, 2018)):
        frames[year] = pd.DataFrame({
            "ipm": base + 0.1 * k,
            "poverty_rate": rng.uniform(5, 20, n),
            "unemployment_rate": rng.uniform(2, 8, n),
        }, index=pd.Index(codes_, name="region_code"))
    order = [codes_[i] for i in np.argsort(-base)]
    rows = []
    taken = 0
    for cy, size in WORLD_SIZES.items():
        for c in order[taken:taken + size]:
            rows.append((c, cy, "selected"))
        taken += size
    rows[-4] = (rows[-4][0], 2018, "cancelled")  # the last 2018 pick is cancelled ...
    rows.append((rows[-4][0], 2019, "selected"))  # ... and listed again in 2019 (a 4th 2019 pick)
    cohorts = pd.DataFrame(rows, columns=["region_code", "cohort_year", "status"])
    return regions, frames, cohorts


def world_spec(**methods):
    """SYNTHETIC spec over the world's three indicators, one pillar each, equal weights."""
    return {
        "id": "synthetic_world",
        "title": "Synthetic test world",
        "version": "0",
        "cohorts": [{"year": y, "size": s, "data_year": y - 1} for y, s in WORLD_SIZES.items()],
        "indicators": [
            {"code": "ipm", "direction": 1},
            {"code": "poverty_rate", "direction": -1,
             "plausible_change": {"lower": -3, "upper": 3}},
            {"code": "unemployment_rate", "direction": -1},
        ],
        "pillars": [
            {"id": "human", "weight": 1, "indicators": {"ipm": 1}},
            {"id": "poverty", "weight": 1, "indicators": {"poverty_rate": 1}},
            {"id": "labour", "weight": 1, "indicators": {"unemployment_rate": 1}},
        ],
        "methods": {"normalisation": {"method": "minmax", "lower": 0, "upper": 100}, **methods},
    }
