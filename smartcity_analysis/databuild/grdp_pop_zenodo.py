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


#: Population columns swapped between Kabupaten Bima (5206) and Kota Bima (5272) in every year: the
#: file gives the kabupaten ~0.17 M and the kota ~0.48 M people, the reverse of BPS (Dukcapil 2024/25:
#: 543,582 and 165,113; gdp_pc.csv from 2016 implies 477,095 and 166,576). RGDP is right (equals
#: okun.dta), so POP is swapped back and RGDPPC (computed from the wrong POP) is not used.
POP_SWAPS = (("5206", "5272"),)


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
    pop = wide_to_long(df, "region_code", r"POP(\d{4})", "population", SOURCE_ID)
    pc = wide_to_long(df, "region_code", r"RGDPPC(\d{4})", "grdp_per_capita", SOURCE_ID)
    for a, b in POP_SWAPS:
        ia, ib = pop["region_code"] == a, pop["region_code"] == b
        pop.loc[ia, "region_code"], pop.loc[ib, "region_code"] = b, a
        pc = pc[~pc["region_code"].isin([a, b])]
    return pd.concat(
        [pop, wide_to_long(df, "region_code", r"RGDP(\d{4})", "grdp_real", SOURCE_ID), pc],
        ignore_index=True,
    )
