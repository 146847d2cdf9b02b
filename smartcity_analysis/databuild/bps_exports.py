"""Reader of ``bps-ipm-raw-cluster-web``: BPS dynamic-table exports, one CSV per year.

IPM 2010-2024, poverty line 2010-2024 and adjusted per-capita expenditure 2015-2024. The files carry
no codes: rows are matched by name within their province section (upper-case rows), with the aliases
documented in the source's SOURCE.md. Rows of the post-2022 Papua provinces are matched inside
pre-2022 Papua / Papua Barat; "-" rows (not published) are dropped; duplicated Papua rows of
2022-2023 (same value twice) are de-duplicated.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.matching import NameMatcher, match_all, name_key
from smartcity_analysis.databuild.rawfiles import parse_number, records, require_file
from smartcity_analysis.databuild.registry_zakiego import NEW_PAPUA_PROVINCES
from smartcity_analysis.errors import RawDataError

SOURCE_ID = "bps-ipm-raw-cluster-web"

#: indicator -> (file-name pattern, years held).
TABLES = {
    "ipm": ("[Metode Baru] Indeks Pembangunan Manusia, {year}.csv", range(2010, 2025)),
    "poverty_line": ("Garis Kemiskinan Menurut Kabupaten_Kota, {year}.csv", range(2010, 2025)),
    "expenditure_per_capita": (
        "[Metode Baru] Pengeluaran per Kapita Disesuaikan, {year}.csv",
        range(2015, 2025),
    ),
}

#: Raw files this reader needs (one per indicator and year).
FILES = tuple(pattern.format(year=y) for pattern, years in TABLES.values() for y in years)

#: Export name -> registry name (SOURCE.md: 508/514 match directly, these 6 need an alias).
ALIASES = {
    "Toba Samosir / Toba": "Toba Samosir",
    "Kep. Seribu": "Kepulauan Seribu",
    "Mahakam Ulu": "Mahakam Hulu",
    "Kota Makasar": "Kota Makassar",
    "Mamuju Utara / Pasangkayu": "Pasangkayu",
    "Maluku Tenggara Barat / Kepulauan Tanimbar": "Kepulauan Tanimbar",
    # Not in SOURCE.md: the poverty-line exports keep the pre-2014 name of Kab. Mempawah (6104).
    "Pontianak": "Mempawah",
}


def read_table(path: Path, matcher: NameMatcher) -> pd.DataFrame:
    """Parse one export: ``name``, ``value``, ``province_codes``, ``region_code`` per kab/kota row."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))[3:]
    items = []
    provinces: tuple[str, ...] | None = None
    for row in rows:
        if not row or not row[0].strip():
            continue
        name = row[0].strip()
        value = parse_number(row[1] if len(row) > 1 else "")
        if name.isupper():  # province header (or INDONESIA)
            key = name_key(name)
            code = matcher.province_code(name)
            provinces = (code,) if code else NEW_PAPUA_PROVINCES.get(key)
            if provinces is None and key != "INDONESIA":
                raise RawDataError(f"'{path}': unknown province section {name!r}.")
            continue
        if provinces is None:
            raise RawDataError(f"'{path}': region row {name!r} before any province row.")
        if value == value:  # drop "-" (not published) rows
            items.append({"name": name, "value": value, "province_codes": provinces})
    df = pd.DataFrame(items, columns=["name", "value", "province_codes"])
    df["region_code"] = match_all(matcher, df, source=f"{SOURCE_ID}/{path.name}", aliases=ALIASES)
    return df


def read(raw: Path, matcher: NameMatcher) -> pd.DataFrame:
    """Long records of ``ipm`` (0-100), ``poverty_line`` (IDR/capita/month) and
    ``expenditure_per_capita`` (thousand IDR/person/year, adjusted)."""
    out = []
    for indicator, (pattern, years) in TABLES.items():
        for year in years:
            path = require_file(raw, SOURCE_ID, pattern.format(year=year))
            df = read_table(path, matcher)
            dup = df[df["region_code"].duplicated(keep=False)]
            if (dup.groupby("region_code")["value"].nunique() > 1).any():
                raise RawDataError(f"'{path}': a region is listed twice with different values: "
                                   f"{dup.sort_values('region_code').head(6).to_dict('records')}.")
            df = df.drop_duplicates("region_code")
            out.extend({"region_code": c, "year": year, "indicator": indicator, "value": v,
                        "source_id": SOURCE_ID, "flag": ""}
                       for c, v in zip(df["region_code"], df["value"], strict=True))
    return records(out)
