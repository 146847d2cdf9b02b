"""Locating and reading raw source files, and turning wide source tables into our long records.

Every reader asks for its files through :func:`require_file`, so a raw directory that lacks a needed
file fails with one message naming that file (and the folder it should be in).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from smartcity_analysis.errors import RawDataError

#: Columns of every long indicator record produced by a reader.
LONG_COLUMNS = ["region_code", "year", "indicator", "value", "source_id", "flag"]


def require_file(raw: Path, folder: str, name: str) -> Path:
    """Return ``raw/folder/name`` or raise :class:`RawDataError` naming the missing file.

    Parameters
    ----------
    raw : Path
        The raw-data directory (one sub-folder per source).
    folder : str
        The source folder, which is also the ``source_id``.
    name : str
        File name inside the folder.

    Returns
    -------
    Path
        The existing file.
    """
    path = Path(raw) / folder / name
    if not path.is_file():
        raise RawDataError(
            f"Raw source file '{path}' is missing (source '{folder}'). The data build needs it; "
            f"restore it from the source given in '{Path(raw) / folder / 'SOURCE.md'}' or point "
            f"--raw-dir at a complete raw-data directory."
        )
    return path


def parse_number(text: object) -> float:
    """Parse a published number such as ``" 21,966 "``, ``"-"`` or ``".."`` to a float (NaN if none).

    Notes
    -----
    Thousands separators (``,``) and surrounding spaces are removed; ``"-"``, ``".."`` and empty
    strings mean "not published" and give NaN.
    """
    if text is None:
        return float("nan")
    if isinstance(text, int | float | np.integer | np.floating):
        return float(text)
    s = str(text).strip().replace(",", "")
    if s in {"", "-", "..", "NA", "nan"}:
        return float("nan")
    try:
        return float(s)
    except ValueError:
        return float("nan")


def wide_to_long(
    frame: pd.DataFrame,
    code_column: str,
    pattern: str,
    indicator: str,
    source_id: str,
    *,
    scale: float = 1.0,
    flag: str = "",
) -> pd.DataFrame:
    """Melt year columns matching ``pattern`` (one group = the year) into long indicator records.

    Parameters
    ----------
    frame : DataFrame
        Source table with one row per region.
    code_column : str
        Column holding the 4-char BPS ``region_code``.
    pattern : str
        Regular expression with one group capturing the 4-digit year, e.g. ``r"POP(\\d{4})"``.
    indicator, source_id : str
        Values of the record columns.
    scale : float
        Multiplier applied to the published numbers (unit conversion).
    flag : str
        Value of the record's ``flag`` column.

    Returns
    -------
    DataFrame
        Columns :data:`LONG_COLUMNS`; rows with no value are dropped.
    """
    rx = re.compile(pattern)
    parts = []
    for col in frame.columns:
        m = rx.fullmatch(str(col))
        if not m:
            continue
        vals = frame[col].map(parse_number) * scale
        parts.append(
            pd.DataFrame(
                {
                    "region_code": frame[code_column].to_numpy(),
                    "year": int(m.group(1)),
                    "indicator": indicator,
                    "value": vals.to_numpy(dtype=float),
                    "source_id": source_id,
                    "flag": flag,
                }
            )
        )
    if not parts:
        raise RawDataError(
            f"No year columns matching '{pattern}' found in the '{source_id}' table; got columns "
            f"{list(frame.columns)[:8]}... The raw file layout changed."
        )
    out = pd.concat(parts, ignore_index=True)
    return out[np.isfinite(out["value"])].reset_index(drop=True)


def records(rows: Iterable[dict]) -> pd.DataFrame:
    """Long records from an iterable of dicts with the :data:`LONG_COLUMNS` keys."""
    out = pd.DataFrame(list(rows), columns=LONG_COLUMNS)
    out["year"] = out["year"].astype(int)
    out["value"] = out["value"].astype(float)
    return out[np.isfinite(out["value"])].reset_index(drop=True)
