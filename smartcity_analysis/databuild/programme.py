"""Reader of ``programme/selected_regions_2017_2019.csv``: the actual 2017-2019 cohorts.

Each row is resolved to one BPS ``region_code`` on type + name + province (kota and kabupaten of the
same name are kept apart). The quirks documented in ``programme/SOURCE.md`` are kept as data in the
``status`` column (see :data:`STATUS_QUIRKS`); every other row is ``selected``.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from smartcity_analysis.databuild.matching import NameMatcher, match_all
from smartcity_analysis.errors import RawDataError

FILE = "selected_regions_2017_2019.csv"

#: The allowed ``status`` values, in order of the contract (docs/ARCHITECTURE.md).
STATUSES = ("selected", "added_late", "not_awarded", "cancelled", "deferred")

#: (cohort_year, region_type, region_name) -> (status, note), from programme/SOURCE.md.
STATUS_QUIRKS = {
    (2017, "kabupaten", "Purwakarta"): (
        "not_awarded", "On the May-2017 MoU list but not among the 24 awarded in November 2017; "
        "masterplan year unclear."),
    (2017, "kota", "Singkawang"): (
        "not_awarded", "On the May-2017 MoU list but not among the 24 awarded in November 2017; "
        "did its masterplan only in 2022."),
    (2017, "kabupaten", "Lombok Timur"): (
        "added_late", "Not on the May-2017 MoU list; added in 2017 and awarded in November 2017."),
    (2018, "kota", "Depok"): (
        "cancelled", "Announced in the 2018 list, then cancelled; selected again in 2019."),
    (2018, "kabupaten", "Banyumas"): (
        "deferred", "On the 2018 list but did its masterplan with the 2019 cohort."),
}  # fmt: skip

COLUMNS = ["region_code", "cohort_year", "status", "region_name", "region_type", "province",
           "source", "note"]


def read(programme: Path, matcher: NameMatcher, names: dict[str, str]) -> pd.DataFrame:
    """Resolve the cohort list.

    Parameters
    ----------
    programme : Path
        The ``programme`` folder.
    matcher : NameMatcher
        Registry name matcher.
    names : dict
        ``region_code`` -> curated region name ("Kota Banjarbaru").

    Returns
    -------
    DataFrame
        Columns :data:`COLUMNS`, sorted by cohort year and region code.
    """
    path = Path(programme) / FILE
    if not path.is_file():
        raise RawDataError(
            f"Programme file '{path}' is missing. Pass --programme-dir pointing at the folder that "
            f"holds {FILE} (default: the 'programme' folder beside the raw-data directory)."
        )
    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    need = ["cohort_year", "province", "region_type", "region_name", "source"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise RawDataError(f"'{path}' lacks columns {missing}; expected {need}.")
    df["cohort_year"] = df["cohort_year"].astype(int)
    bad_type = df[~df["region_type"].isin(["kota", "kabupaten"])]
    if len(bad_type):
        raise RawDataError(f"'{path}' rows {list(bad_type.index + 2)}: region_type must be kota or "
                           f"kabupaten; got {sorted(set(bad_type['region_type']))}.")
    provs = []
    for i, p in df["province"].items():
        code = matcher.province_code(p)
        if code is None:
            raise RawDataError(f"'{path}' row {i + 2}: unknown province {p!r}.")
        provs.append((code,))
    df["province_codes"] = provs
    df["region_code"] = match_all(matcher, df, source=str(path), name_column="region_name",
                                  kind_column="region_type")
    status, note = [], []
    used = set()
    for row in df.itertuples(index=False):
        key = (row.cohort_year, row.region_type, row.region_name)
        s, n = STATUS_QUIRKS.get(key, ("selected", ""))
        if key in STATUS_QUIRKS:
            used.add(key)
        status.append(s)
        note.append(n)
    unused = sorted(set(STATUS_QUIRKS) - used)
    if unused:
        raise RawDataError(f"'{path}': documented quirks {unused} match no row; the list changed, "
                           f"update STATUS_QUIRKS in databuild/programme.py.")
    df["status"] = status
    df["note"] = note
    df["region_name"] = df["region_code"].map(names)
    dup = df[df.duplicated(["cohort_year", "region_code"], keep=False)]
    if len(dup):
        raise RawDataError(f"'{path}': regions listed twice in one cohort: {dup['region_name'].tolist()}.")
    return df[COLUMNS].sort_values(["cohort_year", "region_code"]).reset_index(drop=True)
