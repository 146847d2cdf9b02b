"""Reader of ``ntl-lacc-quarcs-indonesia514``: night-time lights (LACC, DMSP-like DN 0-63).

2017 and 2018 come from the re-keyed file (514 each). The verbatim extract also holds 43 rows of 2016
and 31 of 2019; they are re-keyed through the same ``ID_ADMIN -> kode_bps`` mapping (which already
fixes the post-2022 Papua codes and the mislabelled IDN_0318), so those years are partial.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.rawfiles import LONG_COLUMNS, require_file
from smartcity_analysis.errors import RawDataError

SOURCE_ID = "ntl-lacc-quarcs-indonesia514"
FILES = ("ntl_lacc_2017_2018_by_kode_bps.csv",
         "global_nighttime_light_dataset_district_extract_2016_2019.csv")

#: Source statistic -> indicator code.
STATS = {"mean": "night_light_mean", "sum": "night_light_sum"}


def read(raw: Path) -> pd.DataFrame:
    """Long records of ``night_light_mean`` (mean DN) and ``night_light_sum`` (sum of DN)."""
    keyed = pd.read_csv(require_file(raw, SOURCE_ID, "ntl_lacc_2017_2018_by_kode_bps.csv"),
                        dtype={"kode_bps": str})
    extract = pd.read_csv(
        require_file(raw, SOURCE_ID, "global_nighttime_light_dataset_district_extract_2016_2019.csv"))
    keyed["region_code"] = keyed["kode_bps"].str.zfill(4)
    id_map = keyed.drop_duplicates("src_ID_ADMIN").set_index("src_ID_ADMIN")["region_code"]
    extra = extract[~extract["year"].isin(keyed["year"].unique())].copy()
    extra["region_code"] = extra["ID_ADMIN"].map(id_map)
    if extra["region_code"].isna().any():
        raise RawDataError(f"Source '{SOURCE_ID}': ID_ADMIN values "
                           f"{extra.loc[extra['region_code'].isna(), 'ID_ADMIN'].tolist()[:5]} "
                           f"are not in the re-keyed file.")
    frames = []
    for stat, ind in STATS.items():
        for df, col in ((keyed, f"ntl_{stat}"), (extra, stat)):
            frames.append(pd.DataFrame({"region_code": df["region_code"], "year": df["year"].astype(int),
                                        "indicator": ind, "value": df[col].astype(float).round(6),
                                        "source_id": SOURCE_ID, "flag": ""}))
    return pd.concat(frames, ignore_index=True)[LONG_COLUMNS]
