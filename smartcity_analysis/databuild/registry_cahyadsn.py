"""Reader of ``registry-cahyadsn-wilayah``: Kemendagri 2018 names, BIG area, Dukcapil population.

``wilayah_2018.sql`` gives the Kemendagri names of the 2018 edition (the programme years);
``wilayah_luas.sql`` (2025 code list, BIG areas) gives ``area_km2``; ``wilayah_penduduk.sql`` gives
the 2024/25 Dukcapil registration counts (kept only as a cross-check, not a 2017 figure).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.matching import name_key, split_type
from smartcity_analysis.databuild.rawfiles import require_file
from smartcity_analysis.errors import RawDataError

SOURCE_ID = "registry-cahyadsn-wilayah"

#: Raw files this reader needs.
FILES = ("wilayah_2018.sql", "wilayah_luas.sql", "wilayah_penduduk.sql")

_KABKOTA = re.compile(r"\('(\d\d\.\d\d)','([^']*)'((?:,[^)]*)?)\)")

#: Kemendagri 2025 provinces that hold the regencies of pre-2022 Papua (91) / Papua Barat (92).
_PAPUA_2025 = {"91", "92", "93", "94", "95", "96"}


def _rows(path: Path) -> list[tuple[str, str, list[str]]]:
    text = path.read_text(encoding="utf-8")
    out = []
    for m in _KABKOTA.finditer(text):
        extra = [x.strip().strip("'") for x in m.group(3).split(",")[1:]] if m.group(3) else []
        out.append((m.group(1), m.group(2), extra))
    return out


def read_names_2018(raw: Path) -> pd.DataFrame:
    """Kemendagri 2018 names: ``kode_dagri`` (4 digits, no dot), ``nama_dagri_2018``."""
    path = require_file(raw, SOURCE_ID, "wilayah_2018.sql")
    rows = _rows(path)
    df = pd.DataFrame(
        [(k.replace(".", ""), n) for k, n, _ in rows], columns=["kode_dagri", "nama_dagri_2018"]
    ).drop_duplicates()
    if len(df) != 514:
        raise RawDataError(f"'{path}' should list 514 kab/kota (NN.NN codes); found {len(df)}.")
    return df


def _match_2025(registry: pd.DataFrame, table: pd.DataFrame) -> pd.Series:
    """Map 2025 Kemendagri codes to BPS codes: by code outside Papua, by type + name inside it."""
    by_dagri = dict(zip(registry["kode_dagri"], registry["region_code"], strict=True))
    papua = registry[registry["province_code"].isin(["91", "94"])]
    papua_keys = {}
    for row in papua.itertuples(index=False):
        # zakiego's nama_dagri is truncated for some regions: key on the BPS name.
        papua_keys[(row.type, name_key(row.nama_bps))] = row.region_code
    codes = []
    for kode, nama in zip(table["kode"], table["nama"], strict=True):
        if kode[:2] in _PAPUA_2025:
            kind, bare = split_type(nama)
            codes.append(papua_keys.get((kind, name_key(bare))))
        else:
            codes.append(by_dagri.get(kode.replace(".", "")))
    return pd.Series(codes, index=table.index)


def read_area(raw: Path, registry: pd.DataFrame) -> pd.Series:
    """BIG area (km2) by BPS ``region_code`` for the regions listed in ``wilayah_luas.sql`` (510).

    Notes
    -----
    The file uses the 2025 code list: outside Papua the Kemendagri code is unchanged since 2018;
    the regencies moved to the four new Papua provinces in 2022 are matched by type + name.
    """
    path = require_file(raw, SOURCE_ID, "wilayah_luas.sql")
    rows = _rows(path)
    table = pd.DataFrame(
        [(k, n, float(x[0])) for k, n, x in rows if x], columns=["kode", "nama", "luas"]
    )
    table["region_code"] = _match_2025(registry, table)
    table = table.dropna(subset=["region_code"])
    if table["region_code"].duplicated().any():
        raise RawDataError(f"'{path}': several rows map to the same BPS code.")
    return table.set_index("region_code")["luas"].sort_index()


def read_population_dukcapil(raw: Path, registry: pd.DataFrame) -> pd.Series:
    """Dukcapil registered population (~2024/25) by BPS ``region_code`` (cross-check only)."""
    path = require_file(raw, SOURCE_ID, "wilayah_penduduk.sql")
    rows = _rows(path)
    table = pd.DataFrame(
        [(k, n, float(x[-1])) for k, n, x in rows if x], columns=["kode", "nama", "total"]
    )
    table["region_code"] = _match_2025(registry, table)
    table = table.dropna(subset=["region_code"]).drop_duplicates("region_code")
    return table.set_index("region_code")["total"].sort_index()
