"""Reader of ``grdp-quarcs-indonesia514``: real GRDP per capita 2000-2024 (``gdp_pc.csv``).

The 26 Papua regencies moved to the 2022 provinces carry post-2022 BPS codes (92xx, 95xx-97xx); they
are re-keyed to the 2014-2021 codes by type + name within pre-2022 Papua and Papua Barat.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.matching import NameMatcher
from smartcity_analysis.databuild.rawfiles import require_file, wide_to_long
from smartcity_analysis.errors import RawDataError

SOURCE_ID = "grdp-quarcs-indonesia514"
FILE = "gdp_pc.csv"


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
    df["region_code"] = remap_papua_codes(codes, df["district"], registry, matcher, SOURCE_ID)
    return wide_to_long(df, "region_code", r"grdp_pc_(\d{4})", "grdp_per_capita", SOURCE_ID)
