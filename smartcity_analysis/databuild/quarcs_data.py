"""Reader of ``quarcs-data-quarcs-indonesia514``: mean years of schooling (``mys.csv``) and the
``okun.dta`` panel (real GRDP, open unemployment 2008-2020).

Unemployment values that are not at BPS's 2-decimal precision (most years before 2018, e.g. 2016 when
BPS published no kab/kota Sakernas figures) look interpolated by the authors and get flag ``estimate``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from smartcity_analysis.databuild.rawfiles import LONG_COLUMNS, require_file, wide_to_long

SOURCE_ID = "quarcs-data-quarcs-indonesia514"
FILES = ("mys.csv", "okun.dta")

#: okun.dta rows keyed with the swapped codes of grdp-pop-quarcs-zenodo (the panel was merged on
#: them): the ``gdp`` of id 3313 equals the zenodo row "Karangasem" (RGDP 2017 10,008 = GRDP per
#: capita 24,238 x 412,800 persons) and its 2019 unemployment (0.62 %) is Karangasem's (BPS Bali,
#: Aug 2019: 0.60 %), so whole rows are swapped back. Labels (``kabkot``) are right, values are not.
ROW_SWAPS = {"3313": "5107", "5107": "3313", "1808": "1812", "1812": "1808"}

#: Decimals kept for the float32 values of okun.dta (float32 carries ~7 significant digits).
UNEMPLOYMENT_DECIMALS = 4


def read_mys(raw: Path) -> pd.DataFrame:
    """Long records of ``mean_years_schooling`` (years, population 25+), 2010-2018.

    The CSV stores float32 noise (``8.1700001``); values are rounded to 2 decimals as BPS publishes.
    """
    df = pd.read_csv(require_file(raw, SOURCE_ID, "mys.csv"), dtype={"id": str})
    df["region_code"] = df["id"].str.strip().str.zfill(4)
    out = wide_to_long(df, "region_code", r"mys(\d{4})", "mean_years_schooling", SOURCE_ID)
    out["value"] = out["value"].round(2)
    return out


def read_okun(raw: Path) -> pd.DataFrame:
    """Long records of ``grdp_real`` (bn IDR, 2010 prices) and ``unemployment_rate`` (%)."""
    path = require_file(raw, SOURCE_ID, "okun.dta")
    df = pd.read_stata(path, convert_categoricals=False)
    code = df["id"].astype(int).map(lambda c: f"{c:04d}")
    code = code.map(lambda c: ROW_SWAPS.get(c, c))
    year = df["year"].astype(int)
    gdp = pd.DataFrame({"region_code": code, "year": year, "indicator": "grdp_real",
                        "value": df["gdp"].astype(float), "source_id": SOURCE_ID, "flag": ""})
    un = df["un"].astype(float).round(UNEMPLOYMENT_DECIMALS)
    two_dec = np.isclose(un * 100, np.round(un * 100), atol=1e-3)
    unemp = pd.DataFrame({"region_code": code, "year": year, "indicator": "unemployment_rate",
                          "value": un, "source_id": SOURCE_ID,
                          "flag": np.where(two_dec, "", "estimate")})
    out = pd.concat([gdp, unemp], ignore_index=True)[LONG_COLUMNS]
    return out[np.isfinite(out["value"])].reset_index(drop=True)
