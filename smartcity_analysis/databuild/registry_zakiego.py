"""Reader of ``registry-bps-kemendagri-zakiego``: the BPS <-> Kemendagri code bridge (514 regions).

This is the backbone of the build: every other source is joined to its ``kode_bps``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.matching import name_key
from smartcity_analysis.databuild.rawfiles import require_file
from smartcity_analysis.errors import RawDataError

SOURCE_ID = "registry-bps-kemendagri-zakiego"

#: Raw files this reader needs.
FILES = ("kabkota.csv",)

#: Province display names (Indonesian) by BPS province code, 2014-2021 structure.
PROVINCE_NAMES = {
    "11": "Aceh", "12": "Sumatera Utara", "13": "Sumatera Barat", "14": "Riau", "15": "Jambi",
    "16": "Sumatera Selatan", "17": "Bengkulu", "18": "Lampung", "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau", "31": "DKI Jakarta", "32": "Jawa Barat", "33": "Jawa Tengah",
    "34": "DI Yogyakarta", "35": "Jawa Timur", "36": "Banten", "51": "Bali",
    "52": "Nusa Tenggara Barat", "53": "Nusa Tenggara Timur", "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah", "63": "Kalimantan Selatan", "64": "Kalimantan Timur",
    "65": "Kalimantan Utara", "71": "Sulawesi Utara", "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan", "74": "Sulawesi Tenggara", "75": "Gorontalo", "76": "Sulawesi Barat",
    "81": "Maluku", "82": "Maluku Utara", "91": "Papua Barat", "94": "Papua",
}  # fmt: skip

#: Island group by BPS province code.
ISLAND_GROUPS = {
    **{p: "Sumatera" for p in ("11", "12", "13", "14", "15", "16", "17", "18", "19", "21")},
    **{p: "Jawa" for p in ("31", "32", "33", "34", "35", "36")},
    **{p: "Bali-Nusa Tenggara" for p in ("51", "52", "53")},
    **{p: "Kalimantan" for p in ("61", "62", "63", "64", "65")},
    **{p: "Sulawesi" for p in ("71", "72", "73", "74", "75", "76")},
    **{p: "Maluku" for p in ("81", "82")},
    **{p: "Papua" for p in ("91", "94")},
}

#: Post-2022 provinces carved out of Papua / Papua Barat -> the pre-2022 BPS provinces they belong to.
NEW_PAPUA_PROVINCES = {
    "PAPUABARATDAYA": ("91",),
    "PAPUASELATAN": ("94",),
    "PAPUATENGAH": ("94",),
    "PAPUAPEGUNUNGAN": ("94",),
}


def read(raw: Path) -> pd.DataFrame:
    """Read the 514-row registry.

    Returns
    -------
    DataFrame
        ``region_code`` (4-char BPS), ``nama_bps``, ``kode_dagri`` (4 digits, no dot), ``nama_dagri``,
        ``type`` (kota when ``code % 100 >= 71``), ``province_code`` (2-char BPS).
    """
    path = require_file(raw, SOURCE_ID, "kabkota.csv")
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    need = {"kode_bps", "nama_bps", "kode_dagri", "nama_dagri"}
    if not need <= set(df.columns):
        raise RawDataError(f"'{path}' lacks columns {sorted(need - set(df.columns))}.")
    df = df.rename(columns={"kode_bps": "region_code"})
    df["region_code"] = df["region_code"].str.strip().str.zfill(4)
    df["kode_dagri"] = df["kode_dagri"].str.strip().str.zfill(4)
    df["type"] = ["kota" if int(c) % 100 >= 71 else "kabupaten" for c in df["region_code"]]
    df["province_code"] = df["region_code"].str[:2]
    unknown = sorted(set(df["province_code"]) - set(PROVINCE_NAMES))
    if unknown or len(df) != 514 or df["region_code"].duplicated().any():
        raise RawDataError(
            f"'{path}' should hold 514 unique BPS codes in the 34 provinces of 2014-2021; got "
            f"{df['region_code'].nunique()} unique codes, unknown provinces {unknown}."
        )
    return df[["region_code", "nama_bps", "kode_dagri", "nama_dagri", "type", "province_code"]]


def province_keys() -> dict[str, str]:
    """Province name key -> BPS province code, including common spellings of the 34 names."""
    keys = {name_key(n): c for c, n in PROVINCE_NAMES.items()}
    keys[name_key("Daerah Istimewa Yogyakarta")] = "34"
    keys[name_key("D I Yogyakarta")] = "34"
    keys[name_key("Kep. Bangka Belitung")] = "19"
    keys[name_key("Bangka Belitung")] = "19"
    keys[name_key("Kep. Riau")] = "21"
    return keys
