"""Reader of ``gov-consumption-quarcs-indonesia514``: government final consumption (PK-P) from the
expenditure side of regional GDP, billion IDR at constant 2010 prices, 2010-2025.

This is a size-of-government PROXY, not the APBD: it counts every government unit located in the
district (central, provincial, local), so provincial capitals and Jakarta are inflated. Zeros mark
years before a region existed and are dropped. Papua block rows were re-keyed by name in the source
folder (lower confidence).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.rawfiles import require_file, wide_to_long

SOURCE_ID = "gov-consumption-quarcs-indonesia514"
FILES = ("gs.csv", "gs_by_kode_bps.csv")


def read(raw: Path) -> pd.DataFrame:
    """Long records of ``government_consumption`` (bn IDR, constant 2010 prices)."""
    require_file(raw, SOURCE_ID, "gs.csv")  # the verbatim source the re-keyed file derives from
    df = pd.read_csv(require_file(raw, SOURCE_ID, "gs_by_kode_bps.csv"), dtype={"kode_bps": str})
    df["region_code"] = df["kode_bps"].str.zfill(4)
    out = wide_to_long(df, "region_code", r"gs_(\d{4})", "government_consumption", SOURCE_ID)
    return out[out["value"] > 0].reset_index(drop=True)
