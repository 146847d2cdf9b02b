"""Reader of ``fsva-bkp-jakpost``: Food Security and Vulnerability Atlas (FSVA/IKP) editions 2018-2020.

Each edition mostly uses inputs of the previous year (Susenas March poverty etc.), so edition ``E`` is
stored at data reference year ``E - 1`` (:data:`EDITION_YEAR`). Rows carry no codes: ``Wilayah`` is
``"province - name"`` in lower case and is matched by name within the province. "kota baru"
(Kalimantan Selatan) is the kabupaten Kotabaru: the matcher tries a "kota ..." name as a kabupaten
when no kota of that name exists. NCPR is not stored (89 of 98 kota carry the 50.00 "not applicable"
placeholder).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.matching import NameMatcher, match_all
from smartcity_analysis.databuild.rawfiles import parse_number, records, require_file
from smartcity_analysis.errors import RawDataError

SOURCE_ID = "fsva-bkp-jakpost"

#: FSVA edition -> data reference year of its inputs.
EDITION_YEAR = {2018: 2017, 2019: 2018, 2020: 2019}
FILES = tuple(f"bkp-fsva-{e}.csv" for e in EDITION_YEAR)

#: FSVA name -> registry name (spellings the matcher cannot reconcile).
ALIASES = {"pakpak barat": "pakpak bharat"}

#: Source column -> indicator code.
COLUMNS = {
    "Kemiskinan (%)": "poverty_rate",
    "Pengeluaran Pangan (%)": "food_expenditure_share_pct",
    "Tanpa Listrik (%)": "no_electricity_pct",
    "Tanpa Air Bersih (%)": "no_clean_water_pct",
    "Lama Sekolah Perempuan (tahun)": "female_mean_years_schooling",
    "Rasio Tenaga Kesehatan": "health_worker_ratio",
    "Angka Harapan Hidup (tahun)": "life_expectancy",
    "Stunting (%)": "stunting_pct",
    "IKP": "food_security_index",
}


def read(raw: Path, matcher: NameMatcher) -> pd.DataFrame:
    """Long records of the FSVA indicators at their data reference years (2017-2019)."""
    out = []
    for edition, year in EDITION_YEAR.items():
        path = require_file(raw, SOURCE_ID, f"bkp-fsva-{edition}.csv")
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = [c for c in ["Wilayah", *COLUMNS] if c not in df.columns]
        if missing:
            raise RawDataError(f"'{path}' lacks columns {missing}.")
        parts = df["Wilayah"].str.split(" - ", n=1, expand=True)
        items = pd.DataFrame({"province": parts[0].str.strip(), "name": parts[1].str.strip()})
        provs = []
        for p in items["province"]:
            code = matcher.province_code(p)
            if code is None:
                raise RawDataError(f"'{path}': unknown province {p!r}.")
            provs.append((code,))
        items["province_codes"] = provs
        codes = match_all(matcher, items, source=f"{SOURCE_ID}/{path.name}", aliases=ALIASES)
        if codes.duplicated().any():
            raise RawDataError(f"'{path}': names {items.loc[codes.duplicated(keep=False), 'name'].tolist()} "
                               f"map to the same region.")
        for col, ind in COLUMNS.items():
            out.extend({"region_code": c, "year": year, "indicator": ind, "value": parse_number(v),
                        "source_id": SOURCE_ID, "flag": ""}
                       for c, v in zip(codes, df[col], strict=True))
    return records(out)
