"""The curated region table (``data/regions.csv``) from the registry, the Kemendagri 2018 names,
BIG area and the boundary file.

Area comes from ``wilayah_luas.sql`` (BIG 2024) through the Kemendagri code; the 4 regions it lacks get
the ellipsoidal area of their polygon (:data:`AREA_FROM_GEOMETRY` lists them in the output of
:func:`build_regions`).
"""

from __future__ import annotations

import re

import pandas as pd

from smartcity_analysis.databuild.matching import split_type
from smartcity_analysis.databuild.registry_zakiego import ISLAND_GROUPS, PROVINCE_NAMES
from smartcity_analysis.errors import RawDataError

REGION_COLUMNS = ["region_code", "kemendagri_code", "name", "type", "province_code",
                  "province_name", "island_group", "area_km2", "lon", "lat"]

_LOWER_WORDS = {"dan"}


def title_name(nama_dagri: str) -> str:
    """Indonesian title case of a Kemendagri name: ``"KAB. BANJAR"`` -> ``"Kabupaten Banjar"``.

    Notes
    -----
    The prefix becomes "Kabupaten"/"Kota" ("ADM." is dropped: "KOTA ADM. JAKARTA PUSAT" ->
    "Kota Jakarta Pusat"), "KEP." becomes "Kepulauan", each word is capitalised (also after a
    hyphen: "Toli-Toli"), and the conjunction "dan" stays lower case ("Pangkajene dan Kepulauan").
    """
    kind, bare = split_type(nama_dagri)
    bare = re.sub(r"(?i)\bADM\.\s*", "", bare)
    bare = re.sub(r"(?i)\bKEP\.\s*", "KEPULAUAN ", bare)
    words = []
    for w in bare.split():
        lw = w.lower()
        words.append(lw if lw in _LOWER_WORDS else "-".join(p.capitalize() for p in lw.split("-")))
    prefix = {"kota": "Kota", "kabupaten": "Kabupaten"}[kind or "kabupaten"]
    return f"{prefix} {' '.join(words)}"


def build_regions(
    registry: pd.DataFrame,
    names_2018: pd.DataFrame,
    area: pd.Series,
    geometry_area: pd.Series,
    centroids: pd.DataFrame,
) -> tuple[pd.DataFrame, list[str]]:
    """Assemble the 514-row region table.

    Returns
    -------
    (DataFrame, list of str)
        The table (columns :data:`REGION_COLUMNS`, sorted by code) and the codes whose area was
        computed from the geometry because BIG's list lacks them.
    """
    df = registry.merge(names_2018, on="kode_dagri", how="left")
    if df["nama_dagri_2018"].isna().any():
        missing = df.loc[df["nama_dagri_2018"].isna(), "kode_dagri"].tolist()
        raise RawDataError(f"Kemendagri codes {missing} of the BPS bridge are not in the 2018 "
                           f"Kemendagri list (wilayah_2018.sql); the two registries disagree.")
    df["name"] = df["nama_dagri_2018"].map(title_name)
    df["kemendagri_code"] = df["kode_dagri"].str[:2] + "." + df["kode_dagri"].str[2:]
    df["province_name"] = df["province_code"].map(PROVINCE_NAMES)
    df["island_group"] = df["province_code"].map(ISLAND_GROUPS)
    df["area_km2"] = df["region_code"].map(area)
    from_geom = sorted(df.loc[df["area_km2"].isna(), "region_code"])
    df.loc[df["area_km2"].isna(), "area_km2"] = df["region_code"].map(geometry_area)
    df["area_km2"] = df["area_km2"].round(3)
    df["lon"] = df["region_code"].map(centroids["lon"]).round(6)
    df["lat"] = df["region_code"].map(centroids["lat"]).round(6)
    return df[REGION_COLUMNS].sort_values("region_code").reset_index(drop=True), from_geom
