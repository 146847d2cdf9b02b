"""The data of a spec: the one door every analysis goes through to get a spec's indicator frames.

:func:`spec_frames` returns, for each cohort's data year, the wide ``region_code x indicator`` frame of
the curated data (``data/indicators.csv``) **plus** the spec's user-supplied indicator files
(``user_supplied.path`` in the spec). Ranking, robustness, the explanation, the region report, the
national overview and the explorer all default to it, so they all describe the same selection; and
:func:`data_key` is the one cache key of those frames, so a cached result changes when a user-supplied
file does.

A user-supplied file is a CSV with the columns ``region_code`` (4-digit BPS code, as text) and
``value`` (a finite number, or empty for "not known"). Anything else is refused with one line naming
the file, the row and the value: a silently dropped row would change a selection without anyone seeing.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from smartcity_analysis.curated import loaders
from smartcity_analysis.errors import InputError, suggest

if TYPE_CHECKING:  # the spec layer sits above this one; only its type is named here
    from smartcity_analysis.spec import Spec

__all__ = ["data_key", "hash_frame", "read_user_indicator", "spec_frames", "user_supplied_files"]

_USER_COLUMNS = ("region_code", "value")
#: Cell texts read as "not known" in a user-supplied ``value`` column (besides an empty cell).
_MISSING_TEXTS = frozenset({"", "na", "nan", "n/a", "null", "none", "-"})


def _rows(numbers) -> str:
    numbers = list(numbers)
    shown = ", ".join(str(n) for n in numbers[:5])
    return shown + (f" and {len(numbers) - 5} more" if len(numbers) > 5 else "")


def read_user_indicator(path: str | os.PathLike, code: str, *, base: str | os.PathLike | None = None,
                        regions: pd.Index | None = None) -> pd.Series:
    """Read and check a user-supplied indicator file (CSV with columns ``region_code`` and ``value``).

    Parameters
    ----------
    path : str or path-like
        The CSV file; a relative path is taken relative to ``base`` (the spec's folder).
    code : str
        The indicator code it supplies (for messages and the series name).
    base : str or path-like, optional
        Folder a relative ``path`` is relative to.
    regions : pandas.Index, optional
        The known region codes (default: the 514 of ``data/regions.csv``).

    Returns
    -------
    pandas.Series
        Float values indexed by ``region_code``; an empty cell is NaN (not known).

    Raises
    ------
    InputError
        When the file is missing, not UTF-8 CSV, has other columns than ``region_code,value``, a code
        that is not a 4-digit BPS code or not a known region, a code twice, or a value that is text or
        infinite. The message names the file, the row (as a spreadsheet shows it: the header is row 1)
        and the value.
    """
    p = Path(path)
    if not p.is_absolute() and base is not None:
        p = Path(base) / p
    where = f"User-supplied file '{p}' for indicator '{code}'"
    if not p.is_file():
        raise InputError(f"{where} not found. Give an existing CSV with columns region_code,value or set "
                         "user_supplied.path to null.")
    try:
        df = pd.read_csv(p, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{where} is not UTF-8 text (byte {exc.start}). Save it as a UTF-8 CSV.") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{where} is not a readable CSV ({str(exc).strip().splitlines()[0]}). Expected "
                         "columns region_code,value.") from None
    cols = [str(c).strip() for c in df.columns]
    if sorted(cols) != sorted(_USER_COLUMNS):
        extra = [c for c in cols if c not in _USER_COLUMNS]
        missing = [c for c in _USER_COLUMNS if c not in cols]
        hint = suggest(extra[0], _USER_COLUMNS) if extra and missing else ""
        raise InputError(f"{where} has columns {cols}; expected exactly region_code,value "
                         f"(missing {missing}, unexpected {extra}).{hint}")
    df.columns = cols
    codes = df["region_code"].str.strip()
    row = pd.Series(range(2, len(df) + 2), index=df.index)  # header is row 1
    bad = ~codes.str.fullmatch(r"\d{4}")
    if bad.any():
        i = bad.idxmax()
        raise InputError(f"{where}, row {row[i]}, column 'region_code': got {df['region_code'][i]!r}; expected a "
                         f"4-digit BPS code written as text (e.g. 6372). Rows affected: {_rows(row[bad])}.")
    known = regions if regions is not None else loaders.load_regions().index
    unknown = ~codes.isin(pd.Index(known).astype(str))
    if unknown.any():
        i = unknown.idxmax()
        raise InputError(f"{where}, row {row[i]}: region_code {codes[i]!r} is not one of the 514 regions of "
                         f"data/regions.csv. Rows affected: {_rows(row[unknown])}. Use BPS codes (e.g. 6372).")
    dup = codes.duplicated(keep="first")
    if dup.any():
        i = dup.idxmax()
        raise InputError(f"{where}, row {row[i]}: region_code {codes[i]} appears more than once (rows "
                         f"{_rows(row[codes == codes[i]])}). Keep one row per region.")
    text = df["value"].str.strip()
    blank = text.str.lower().isin(_MISSING_TEXTS)
    values = pd.to_numeric(text.where(~blank), errors="coerce")
    non_numeric = values.isna() & ~blank
    if non_numeric.any():
        i = non_numeric.idxmax()
        raise InputError(f"{where}, row {row[i]}, column 'value': got {df['value'][i]!r}; expected a number "
                         f"(leave the cell empty, or NA, when the value is not known). Rows affected: "
                         f"{_rows(row[non_numeric])}.")
    infinite = values.map(lambda v: isinstance(v, float) and math.isinf(v))
    if infinite.any():
        i = infinite.idxmax()
        raise InputError(f"{where}, row {row[i]}, column 'value': got {df['value'][i]!r}; expected a finite "
                         f"number (leave the cell empty when the value is not known). Rows affected: "
                         f"{_rows(row[infinite])}.")
    return pd.Series(values.to_numpy(dtype=float), index=codes.to_numpy(), name=code, dtype=float)


def user_supplied_files(spec: Spec) -> dict[str, Path]:
    """The user-supplied files a spec names: ``indicator code -> path`` (absolute when the spec has a file).

    Parameters
    ----------
    spec : Spec

    Returns
    -------
    dict
    """
    base = Path(spec.source).parent if spec.source else None
    out = {}
    for ind in spec.indicators:
        if ind.availability == "user_supplied" and ind.user_supplied and ind.user_supplied.path:
            p = Path(ind.user_supplied.path)
            out[ind.code] = p if p.is_absolute() or base is None else base / p
    return out


def data_frame(spec: Spec, data_year: int) -> pd.DataFrame:
    """The wide ``region_code x indicator`` frame of one data year with the spec's user-supplied files.

    Parameters
    ----------
    spec : Spec
    data_year : int

    Returns
    -------
    pandas.DataFrame
        All 514 regions; a user-supplied indicator is NaN for a region its file does not list.
    """
    wide = loaders.load_indicators(int(data_year), wide=True)
    files = user_supplied_files(spec)
    if files:
        wide = wide.copy()
        regions = wide.index.astype(str)
        for code, path in files.items():
            s = read_user_indicator(path, code, regions=regions)
            wide[code] = s.reindex(regions).to_numpy()
    return wide


def spec_frames(spec: Spec, until: int | None = None) -> dict[int, pd.DataFrame]:
    """The data of a spec: ``data_year -> wide frame`` for every cohort (up to cohort year ``until``).

    Parameters
    ----------
    spec : Spec
    until : int, optional
        Last cohort year whose data year is included (default: every cohort).

    Returns
    -------
    dict
        One wide frame (see :func:`data_frame`) per distinct data year.

    Raises
    ------
    InputError
        When a user-supplied file is missing or malformed (see :func:`read_user_indicator`).
    """
    years = sorted({c.data_year for c in spec.cohorts if until is None or c.year <= until})
    return {y: data_frame(spec, y) for y in years}


def hash_frame(df: pd.DataFrame) -> str:
    """Stable SHA-256 (first 16 hex digits) of a frame's index, columns and values.

    Parameters
    ----------
    df : pandas.DataFrame

    Returns
    -------
    str

    Notes
    -----
    SHA-256 over the column names and pandas' row hashes (``pandas.util.hash_pandas_object``) of the
    frame sorted by index and columns, so the hash does not depend on row or column order.

    References
    ----------
    .. [1] pandas, ``pandas.util.hash_pandas_object``.
    """
    ordered = df.sort_index(axis=0).sort_index(axis=1)
    h = hashlib.sha256()
    h.update("|".join(map(str, ordered.columns)).encode())
    h.update(pd.util.hash_pandas_object(ordered, index=True).to_numpy().tobytes())
    return h.hexdigest()[:16]


def data_key(frames: Mapping[int, pd.DataFrame], years=None) -> str:
    """The one cache key of a spec's data: the hashes of its frames, in data-year order.

    Parameters
    ----------
    frames : mapping
        ``data_year -> wide frame`` (as :func:`spec_frames` returns).
    years : iterable of int, optional
        The data years to cover (default: every year of ``frames``).

    Returns
    -------
    str
        ``"<hash of year 1>-<hash of year 2>-..."`` (see :func:`hash_frame`).

    Raises
    ------
    InputError
        When a requested year has no frame.
    """
    wanted = sorted(set(frames if years is None else years))
    missing = [y for y in wanted if y not in frames]
    if missing:
        raise InputError(f"No indicator frame for data year(s) {missing}; got years {sorted(frames)}.")
    return "-".join(hash_frame(frames[y]) for y in wanted)
