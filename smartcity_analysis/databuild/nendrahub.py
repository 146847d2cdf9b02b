"""Reader of ``ipm-components-nendrahub``: IPM and its four components, 2020-2024 (BPS).

Names are upper case with the type prefix ("KOTA BANJAR BARU", "KOTA B A T A M"); they are matched
nationally on type + name (kab/kota names with their type are unique nationally).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.matching import NameMatcher, match_all, split_type
from smartcity_analysis.databuild.rawfiles import records, require_file
from smartcity_analysis.errors import RawDataError

SOURCE_ID = "ipm-components-nendrahub"
FILES = ("data_ipm.csv",)

COLUMNS = {
    "UHH": "life_expectancy",
    "HLS": "expected_years_schooling",
    "RLS": "mean_years_schooling",
    "Pengeluaran": "expenditure_per_capita",
    "IPM": "ipm",
}

#: Source name -> registry name (renamed regions).
ALIASES = {
    "KABUPATEN TOBA": "KABUPATEN TOBA SAMOSIR",
    "KABUPATEN MAHAKAM ULU": "KABUPATEN MAHAKAM HULU",
    "KOTA MAKASAR": "KOTA MAKASSAR",
    "KABUPATEN MLUKU TENGGARA BARAT": "KABUPATEN MALUKU TENGGARA BARAT",  # typo in the source
}


def read(raw: Path, matcher: NameMatcher) -> pd.DataFrame:
    """Long records of the five series, 2020-2024."""
    path = require_file(raw, SOURCE_ID, "data_ipm.csv")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    kinds = [split_type(n)[0] for n in df["Cakupan"]]
    if None in kinds:
        raise RawDataError(f"'{path}': rows without KABUPATEN/KOTA prefix: "
                           f"{df.loc[[k is None for k in kinds], 'Cakupan'].tolist()[:5]}.")
    items = pd.DataFrame({"name": df["Cakupan"], "kind": kinds})
    names = items["name"].drop_duplicates()
    lookup = match_all(matcher, items.loc[names.index], source=str(path), kind_column="kind", province_column=None,
                       aliases=ALIASES)
    codes = items["name"].map(dict(zip(items.loc[names.index, "name"], lookup, strict=True)))
    out = []
    for col, ind in COLUMNS.items():
        out.extend({"region_code": c, "year": int(y), "indicator": ind,
                    "value": float(v) if v.strip() else float("nan"),
                    "source_id": SOURCE_ID, "flag": ""}
                   for c, y, v in zip(codes, df["Tahun"], df[col], strict=True))
    recs = records(out)
    if recs.duplicated(["region_code", "year", "indicator"]).any():
        raise RawDataError(f"'{path}': a region appears twice in one year.")
    return recs
