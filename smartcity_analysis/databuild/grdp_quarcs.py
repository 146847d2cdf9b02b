"""Reader of ``grdp-quarcs-indonesia514``: real GRDP per capita 2000-2024 (``gdp_pc.csv``).

Papua block: the 42 rows of Papua / Papua Barat are labelled with the post-2022 codes and names in
*new*-code order, but their values are in *old*-code order (9101, ..., 9112, 9171, 9401, ..., 9471).
Matching by name (what SOURCE.md suggests) would scramble them: e.g. the row labelled "9471 Kota
Jayapura" carries Mimika's series (320,021 vs zenodo Mimika 320,122 in 2017). Every one of the 42 rows
matches the zenodo series of the old code at the same position within 2 % over 2010-2017, so the
rows are re-keyed by position (:func:`rekey_papua_block`). Not in SOURCE.md; found by the build's
cross-source check.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.matching import NameMatcher
from smartcity_analysis.databuild.rawfiles import require_file, wide_to_long
from smartcity_analysis.errors import RawDataError

SOURCE_ID = "grdp-quarcs-indonesia514"
FILE = "gdp_pc.csv"
FILES = (FILE,)

#: (code, code) pairs whose values are swapped in some years: 2000-2015 of 1808 Tulang Bawang and
#: 1812 Tulang Bawang Barat carry each other's series (the lab's early years follow the swapped codes
#: of grdp-pop-quarcs-zenodo), visible as breaks 24,064 -> 31,038 and 29,829 -> 25,117 in 2015-2016.
#: Not in SOURCE.md; found by the build's cross-source check.
YEAR_SWAPS = {("1808", "1812"): range(2000, 2016)}


#: BPS province codes of the Papua block in the file (old 91/94 and post-2022 92, 95, 96, 97).
PAPUA_BLOCK = ("91", "92", "94", "95", "96", "97")


def rekey_papua_block(codes: pd.Series, registry: pd.DataFrame) -> pd.Series:
    """Give the Papua-block rows (in file order) the registry codes of 91xx/94xx in ascending order."""
    block = codes.str[:2].isin(PAPUA_BLOCK)
    old = sorted(registry.loc[registry["province_code"].isin(["91", "94"]), "region_code"])
    if block.sum() != len(old):
        raise RawDataError(f"Source '{SOURCE_ID}': the Papua block has {int(block.sum())} rows; "
                           f"expected {len(old)} (the 91xx and 94xx regions). The file changed.")
    out = codes.copy()
    out[block] = old
    return out


def remap_papua_codes(codes: pd.Series, names: pd.Series, registry: pd.DataFrame,
                      matcher: NameMatcher, source: str) -> pd.Series:
    """Replace codes not in the registry (post-2022 Papua codes) by the registry code of the name.

    Only regions of pre-2022 Papua (94) / Papua Barat (91) are searched; kota when the code says so.
    """
    known = set(registry["region_code"])
    out = codes.copy()
    bad = []
    for i, code in codes.items():
        if code in known:
            continue
        kind = "kota" if int(code) % 100 >= 71 else "kabupaten"
        new = matcher.match(str(names[i]), ("91", "94"), kind) if code[:1] == "9" else None
        if new is None:
            bad.append(f"{code} {names[i]!r}")
        out[i] = new
    if bad:
        raise RawDataError(f"Source '{source}': codes not in the BPS registry and not matched by "
                           f"name within Papua/Papua Barat: {', '.join(bad)}.")
    if out.duplicated().any():
        raise RawDataError(f"Source '{source}': after re-keying Papua codes, codes "
                           f"{sorted(out[out.duplicated()].unique())} appear twice.")
    return out


def read(raw: Path, registry: pd.DataFrame, matcher: NameMatcher) -> pd.DataFrame:
    """Long records of ``grdp_per_capita`` (thousand IDR per person, constant 2010 prices)."""
    path = require_file(raw, SOURCE_ID, FILE)
    df = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    df = df[df["districtID"].str.strip() != ""].reset_index(drop=True)
    codes = df["districtID"].str.strip().str.zfill(4)
    df["region_code"] = rekey_papua_block(codes, registry)
    out = wide_to_long(df, "region_code", r"grdp_pc_(\d{4})", "grdp_per_capita", SOURCE_ID)
    for (a, b), years in YEAR_SWAPS.items():
        sel = out["year"].isin(list(years))
        ca, cb = sel & (out["region_code"] == a), sel & (out["region_code"] == b)
        out.loc[ca, "region_code"], out.loc[cb, "region_code"] = b, a
    return out
