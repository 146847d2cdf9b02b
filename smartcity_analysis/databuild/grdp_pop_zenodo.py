"""Reader of ``grdp-pop-quarcs-zenodo``: population, real GRDP, GRDP per capita 2000-2017.

Values for region splits / missing years were interpolated by the authors and population is the BPS
projection series; records are stored as published (flag ``""``), with the caveat in the registry.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.rawfiles import require_file, wide_to_long

SOURCE_ID = "grdp-pop-quarcs-zenodo"
FILE = "GRDP_PerCapita_Indonesia_Districts_until_2017.csv"


def read(raw: Path) -> pd.DataFrame:
    """Long records: ``population`` (persons), ``grdp_real`` (bn IDR, 2010 prices),
    ``grdp_per_capita`` (thousand IDR, 2010 prices)."""
    df = pd.read_csv(require_file(raw, SOURCE_ID, FILE), dtype={"KDJ": str})
    df["region_code"] = df["KDJ"].str.strip().str.zfill(4)
    return pd.concat(
        [
            wide_to_long(df, "region_code", r"POP(\d{4})", "population", SOURCE_ID),
            wide_to_long(df, "region_code", r"RGDP(\d{4})", "grdp_real", SOURCE_ID),
            wide_to_long(df, "region_code", r"RGDPPC(\d{4})", "grdp_per_capita", SOURCE_ID),
        ],
        ignore_index=True,
    )
