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
