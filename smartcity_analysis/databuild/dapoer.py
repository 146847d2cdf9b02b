"""Reader of ``fiscal-dapoer-java-partial``: World Bank INDO-DAPOER, Java only (113 kab/kota), 2000-2015.

Fiscal revenue (PAD, DAU, DAK, total revenue; IDR, stored as billion IDR), population and urban share
(Susenas). Names "Bandung, Kab." / "Cilegon, Kota" are matched within the province given in ``Level``.
Values before a region split (e.g. Kab. Bandung before Bandung Barat, 2007) refer to the parent's
territory. Zeros of DAU, PAD, total revenue, population and area are dropped as "not reported".
The area and GDP workbooks are read for completeness checks only (GDP is at 2000 prices, excluding oil
and gas: not comparable with the 2010-base series); area feeds the cross-source check.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.matching import NameMatcher, match_all
from smartcity_analysis.databuild.rawfiles import require_file, wide_to_long
from smartcity_analysis.errors import RawDataError

SOURCE_ID = "fiscal-dapoer-java-partial"

#: (workbook, series code) -> (indicator, scale).
SERIES = {
    ("Revenue_IndoDapoer.xlsx", "REV.OSRV.CR"): ("own_source_revenue", 1e-9),
    ("Revenue_IndoDapoer.xlsx", "REV.DAU.CR"): ("dau", 1e-9),
    ("Revenue_IndoDapoer.xlsx", "REV.DAK.CR"): ("dak", 1e-9),
    ("Revenue_IndoDapoer.xlsx", "REV.TOTL.CR"): ("total_revenue", 1e-9),
    ("Population_IndoDapoer.xlsx", "SP.POP.TOTL"): ("population", 1.0),
    ("Population_IndoDapoer.xlsx", "SP.URB.TOTL.ZS.SUS"): ("urban_population_pct", 100.0),
    ("Area_IndoDapoer.xlsx", "LND.TOTL.K2"): ("area_km2", 1.0),
}

#: Indicators whose zeros are missing values, not real zeros.
ZERO_MEANS_MISSING = ("dau", "own_source_revenue", "total_revenue", "population", "area_km2")

#: Workbooks that must be present (GDP ones are checked, not used: other price base).
WORKBOOKS = ("Revenue_IndoDapoer.xlsx", "Population_IndoDapoer.xlsx", "Area_IndoDapoer.xlsx",
             "GDP_IndoDapoer.xlsx", "GDP_Sector_IndoDapoer.xlsx")
FILES = WORKBOOKS


def _read_sheet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_excel(path, sheet_name="Data", dtype=str)
    except (ValueError, KeyError) as exc:
        raise RawDataError(f"'{path}' has no readable 'Data' sheet: {exc}.") from exc


def read(raw: Path, matcher: NameMatcher) -> pd.DataFrame:
    """Long records (billion IDR for revenue, persons, %, km2)."""
    paths = {w: require_file(raw, SOURCE_ID, w) for w in WORKBOOKS}
    sheets: dict[str, pd.DataFrame] = {}
    frames = []
    for (book, code), (indicator, scale) in SERIES.items():
        if book not in sheets:
            df = _read_sheet(paths[book]).dropna(subset=["Series Code", "Provinces Name"])
            m = df["Provinces Name"].str.extract(r"^(.*),\s*(Kab\.|Kota)\s*$")
            df["name"] = m[0].str.strip()
            df["kind"] = m[1].map({"Kab.": "kabupaten", "Kota": "kota"})
            df["province_codes"] = [
                (matcher.province_code(re.sub(r",\s*Prop\.$", "", lv)),) for lv in df["Level"]]
            bad = df["kind"].isna() | df["province_codes"].map(lambda t: t[0] is None)
            if bad.any():
                raise RawDataError(f"'{paths[book]}': cannot read region/province of rows "
                                   f"{df.loc[bad, 'Provinces Name'].tolist()[:5]}.")
            df["region_code"] = match_all(matcher, df, source=f"{SOURCE_ID}/{book}", kind_column="kind")
            sheets[book] = df
        sub = sheets[book][sheets[book]["Series Code"] == code]
        if sub.empty:
            raise RawDataError(f"'{paths[book]}' has no series '{code}'.")
        frames.append(wide_to_long(sub, "region_code", r"(\d{4}) \[YR\d{4}\]", indicator,
                                   SOURCE_ID, scale=scale))
    out = pd.concat(frames, ignore_index=True)
    out["value"] = out["value"].round(6)
    # a region always receives DAU and has revenue: zeros there mean "not reported" (DAK zeros are
    # plausible in the early 2000s, when few regions received DAK, and are kept)
    zero_is_missing = out["indicator"].isin(ZERO_MEANS_MISSING) & (out["value"] == 0)
    return out[~zero_is_missing].reset_index(drop=True)
