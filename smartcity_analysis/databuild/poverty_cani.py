"""Reader of ``poverty-quarcs-cani``: poverty rate P0 (%), 2010-2018, BPS March Susenas."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.rawfiles import require_file, wide_to_long

SOURCE_ID = "poverty-quarcs-cani"
FILES = ("poverty.csv",)

#: Documented code typo (SOURCE.md): Manokwari Selatan is written 911, it is 9111.
CODE_FIXES = {"911": "9111"}


def read(raw: Path) -> pd.DataFrame:
    """Long records of ``poverty_rate`` (% of population below the poverty line)."""
    df = pd.read_csv(require_file(raw, SOURCE_ID, "poverty.csv"), dtype={"Code": str})
    code = df["Code"].str.strip()
    df["region_code"] = code.map(lambda c: CODE_FIXES.get(c, c)).str.zfill(4)
    return wide_to_long(df, "region_code", r"pov(\d{4})", "poverty_rate", SOURCE_ID)
