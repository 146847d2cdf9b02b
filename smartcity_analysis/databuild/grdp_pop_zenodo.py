"""Reader of ``grdp-pop-quarcs-zenodo``: population, real GRDP, GRDP per capita 2000-2017.

Values for region splits / missing years were interpolated by the authors and population is the BPS
projection series; records are stored as published (flag ``""``), with the caveat in the registry.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.rawfiles import require_file, wide_to_long
from smartcity_analysis.errors import RawDataError

SOURCE_ID = "grdp-pop-quarcs-zenodo"
FILE = "GRDP_PerCapita_Indonesia_Districts_until_2017.csv"
FILES = (FILE,)

#: Rows whose ``KDJ`` (and X/Y) belong to the other region of a pair: the values follow the
#: ``District_name`` (checked against gdp_pc.csv, whose codes match names, and BPS population
#: levels: Karanganyar ~0.87 M, Karangasem ~0.41 M in 2017). Not in SOURCE.md; found by the build's
#: name check. District_name -> (code in the file, correct BPS code).
CODE_SWAPS = {
    "Karanganyar": ("5107", "3313"),
    "Karangasem": ("3313", "5107"),
    "Tulang Bawang": ("1812", "1808"),
    "Tulang Bawang Barat": ("1808", "1812"),
}


def fix_codes(names: pd.Series, codes: pd.Series) -> pd.Series:
    """Apply :data:`CODE_SWAPS`; raise if a listed row no longer carries the wrong code."""
    out = codes.copy()
    for name, (wrong, right) in CODE_SWAPS.items():
        hit = names.str.strip() == name
        if hit.sum() != 1 or codes[hit].iloc[0] != wrong:
            raise RawDataError(
                f"Source '{SOURCE_ID}': expected one row {name!r} with the swapped code {wrong}; "
                f"got {codes[hit].tolist()}. The file changed: review CODE_SWAPS.")
        out[hit] = right
    return out


def read(raw: Path) -> pd.DataFrame:
    """Long records: ``population`` (persons), ``grdp_real`` (bn IDR, 2010 prices),
    ``grdp_per_capita`` (thousand IDR, 2010 prices)."""
    df = pd.read_csv(require_file(raw, SOURCE_ID, FILE), dtype={"KDJ": str})
    df["region_code"] = fix_codes(df["District_name"], df["KDJ"].str.strip().str.zfill(4))
    return pd.concat(
        [
            wide_to_long(df, "region_code", r"POP(\d{4})", "population", SOURCE_ID),
            wide_to_long(df, "region_code", r"RGDP(\d{4})", "grdp_real", SOURCE_ID),
            wide_to_long(df, "region_code", r"RGDPPC(\d{4})", "grdp_per_capita", SOURCE_ID),
        ],
        ignore_index=True,
    )
