"""Tiny SYNTHETIC fixtures for the index-engine tests (issue 3).

Every number here is made up for testing the mechanics; none is a real value of a real region. The
region codes follow the BPS pattern (kota when code % 100 >= 71) only so the type rule holds.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd

#: 12 synthetic regions in 3 provinces (one on Java).
REGIONS = pd.DataFrame(
    {
        "region_code": ["1101", "1102", "1103", "1171", "3201", "3202", "3203", "3271",
                        "6301", "6302", "6371", "6372"],
        "name": [f"Synthetic {i}" for i in range(12)],
        "type": ["kabupaten"] * 3 + ["kota"] + ["kabupaten"] * 3 + ["kota"] + ["kabupaten"] * 2 + ["kota"] * 2,
        "province_code": ["11"] * 4 + ["32"] * 4 + ["63"] * 4,
        "province_name": ["Aceh"] * 4 + ["Jawa Barat"] * 4 + ["Kalimantan Selatan"] * 4,
        "island_group": ["Sumatera"] * 4 + ["Jawa"] * 4 + ["Kalimantan"] * 4,
    }
).set_index("region_code")


def indicators(seed: int = 0, missing: bool = True) -> pd.DataFrame:
    """Synthetic wide frame region_code x indicator (ipm, grdp_per_capita, poverty_rate, population,
    government_consumption); two cells missing when ``missing``."""
    rng = np.random.default_rng(seed)
    n = len(REGIONS)
    df = pd.DataFrame(
        {
            "ipm": np.round(rng.uniform(55, 82, n), 2),
            "grdp_per_capita": np.round(rng.lognormal(3.3, 0.6, n), 2),
            "poverty_rate": np.round(rng.uniform(3, 30, n), 2),
            "population": np.round(rng.uniform(5e4, 2e6, n)),
            "government_consumption": np.round(rng.uniform(100, 3000, n), 1),
        },
        index=REGIONS.index.copy(),
    )
    if missing:
        df.loc["1102", "poverty_rate"] = np.nan
        df.loc["6302", "ipm"] = np.nan
    return df


SPEC = {
    "id": "synthetic_test",
    "title": "Synthetic test spec",
    "version": "0.1",
    "cohorts": [{"year": 2017, "size": 3, "data_year": 2016}, {"year": 2018, "size": 4, "data_year": 2017}],
    "pool": {"previous_cohorts": "model"},
    "eligibility": [
        {"id": "ipm_floor", "kind": "threshold", "indicator": "ipm", "op": ">=", "value": 60,
         "reason": "IPM_LOW"},
        {"id": "complete", "kind": "completeness", "min_share": 0.6, "reason": "DATA_INCOMPLETE"},
    ],
    "indicators": [
        {"code": "ipm", "direction": 1},
        {"code": "grdp_per_capita", "direction": 1, "transform": "log"},
        {"code": "poverty_rate", "direction": -1},
        {"code": "gc_per_capita", "derive": {"numerator": "government_consumption",
                                             "denominator": "population", "scale": 1000},
         "proxy_for": "fiscal capacity"},
        {"code": "ekppd_score", "availability": "unavailable"},
    ],
    "pillars": [
        {"id": "human", "weight": 2, "indicators": {"ipm": 1, "poverty_rate": 1}},
        {"id": "economy", "weight": 1, "indicators": {"grdp_per_capita": 1}},
        {"id": "fiscal", "weight": 1, "indicators": {"gc_per_capita": 1, "ekppd_score": 1}},
    ],
    "methods": {"imputation": "median", "normalisation": {"method": "minmax", "lower": 0, "upper": 100}},
}


def spec_dict(**overrides) -> dict:
    """A deep copy of :data:`SPEC` with top-level keys replaced."""
    d = copy.deepcopy(SPEC)
    d.update(overrides)
    return d


EMPTY_COHORTS = pd.DataFrame(columns=["region_code", "cohort_year", "status"])
