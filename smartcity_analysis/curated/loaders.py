"""Schema-validated loaders of the curated tables in ``data/``.

Every table is checked when it is read: required columns, types, 4-character region codes, allowed
values, no duplicate keys and finite numbers. A file that fails raises :class:`DataError` naming the
file, the column and the offending rows (file line numbers), so a broken table is never used silently.

Storage is long (``region_code, year, indicator, value, source_id, flag``); computation uses wide
frames ``region_code x indicator`` made by :func:`to_wide`, the one converter.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from smartcity_analysis import paths
from smartcity_analysis.errors import DataError, InputError
from smartcity_analysis.files import parse_yaml

#: Flags allowed in ``data/indicators.csv`` (``imputed`` is only ever set by the engine).
STORED_FLAGS = ("", "estimate", "interpolated", "derived")

#: Cohort status values (see docs/ARCHITECTURE.md).
COHORT_STATUSES = ("selected", "added_late", "not_awarded", "cancelled", "deferred")


@dataclass(frozen=True)
class Column:
    """One column of a table schema.

    ``kind`` is one of ``code4`` (4-digit string), ``code2``, ``str``, ``int``, ``float``.
    ``finite`` requires a finite number (``float``); ``allowed`` restricts string values;
    ``pattern`` is a regular expression each string value must match in full.
    """

    name: str
    kind: str
    finite: bool = True
    allowed: tuple[str, ...] | None = None
    pattern: str | None = None
    nonempty: bool = False


@dataclass(frozen=True)
class TableSchema:
    """Columns (in order) and the columns that form a unique key."""

    columns: tuple[Column, ...]
    key: tuple[str, ...]
    extra_columns_ok: bool = True
    row_count: int | None = None
    notes: dict = field(default_factory=dict)


REGIONS_SCHEMA = TableSchema(
    columns=(
        Column("region_code", "code4"),
        Column("kemendagri_code", "str", pattern=r"\d\d\.\d\d"),
        Column("name", "str", pattern=r"(Kota|Kabupaten) .+"),
        Column("type", "str", allowed=("kota", "kabupaten")),
        Column("province_code", "code2"),
        Column("province_name", "str", nonempty=True),
        Column("island_group", "str", nonempty=True),
        Column("area_km2", "float"),
        Column("lon", "float"),
        Column("lat", "float"),
    ),
    key=("region_code",),
    row_count=514,
)

INDICATORS_SCHEMA = TableSchema(
    columns=(
        Column("region_code", "code4"),
        Column("year", "int"),
        Column("indicator", "str", pattern=r"[a-z][a-z0-9_]*"),
        Column("value", "float"),
        Column("source_id", "str", nonempty=True),
        Column("flag", "str", allowed=STORED_FLAGS),
    ),
    key=("region_code", "year", "indicator"),
)

SECONDARY_SCHEMA = TableSchema(
    columns=INDICATORS_SCHEMA.columns,
    key=("region_code", "year", "indicator", "source_id"),
)

COHORTS_SCHEMA = TableSchema(
    columns=(
        Column("region_code", "code4"),
        Column("cohort_year", "int"),
        Column("status", "str", allowed=COHORT_STATUSES),
        Column("region_name", "str", nonempty=True),
        Column("region_type", "str", allowed=("kota", "kabupaten")),
        Column("province", "str", nonempty=True),
        Column("source", "str", nonempty=True),
    ),
    key=("region_code", "cohort_year"),
)

#: File (relative to the data directory) -> schema.
SCHEMAS = {
    "regions.csv": REGIONS_SCHEMA,
    "indicators.csv": INDICATORS_SCHEMA,
    "indicators_secondary.csv": SECONDARY_SCHEMA,
    "programme/cohorts.csv": COHORTS_SCHEMA,
}


def _rows(mask: pd.Series | np.ndarray, frame: pd.DataFrame) -> str:
    """File line numbers (header = line 1) of the rows where ``mask`` holds, at most 10 shown."""
    idx = np.flatnonzero(np.asarray(mask))
    lines = [str(int(frame.index[i]) + 2) for i in idx[:10]]
    more = f" and {len(idx) - 10} more" if len(idx) > 10 else ""
    return ", ".join(lines) + more


def validate_table(frame: pd.DataFrame, schema: TableSchema, path: str | Path) -> pd.DataFrame:
    """Check and type a table read as strings; return the typed frame.

    Parameters
    ----------
    frame : DataFrame
        The table with every cell as a string (``pd.read_csv(..., dtype=str, keep_default_na=False)``).
    schema : TableSchema
        What the table must look like.
    path : str or Path
        Shown in error messages.

    Returns
    -------
    DataFrame
        Typed copy: code and string columns ``str``, ``int`` columns ``int64``, ``float`` columns
        ``float64``.

    Raises
    ------
    DataError
        Naming the file, the column and the rows (file line numbers) of the first problem found.
    """
    where = f"Data file '{path}'"
    fix = "Rebuild it with 'smartcity data build' or restore it from git."
    missing = [c.name for c in schema.columns if c.name not in frame.columns]
    if missing:
        raise DataError(f"{where} lacks column(s) {missing}; got columns {list(frame.columns)}. {fix}")
    if schema.row_count is not None and len(frame) != schema.row_count:
        raise DataError(f"{where} has {len(frame)} rows; expected {schema.row_count}. {fix}")
    out = frame.copy()
    for col in schema.columns:
        s = frame[col.name].astype(str).str.strip()
        if col.kind in ("code4", "code2"):
            n = 4 if col.kind == "code4" else 2
            bad = ~s.str.fullmatch(rf"\d{{{n}}}")
            if bad.any():
                raise DataError(
                    f"{where}, column '{col.name}': rows {_rows(bad, frame)} are not {n}-digit codes "
                    f"(got {s[bad].head(3).tolist()}; a region_code is a 4-character string such "
                    f"as '6372'). {fix}"
                )
            out[col.name] = s
        elif col.kind == "int":
            num = pd.to_numeric(s, errors="coerce")
            bad = num.isna() | (num != np.round(num))
            if bad.any():
                raise DataError(f"{where}, column '{col.name}': rows {_rows(bad, frame)} are not "
                                f"integers (got {s[bad].head(3).tolist()}). {fix}")
            out[col.name] = num.astype("int64")
        elif col.kind == "float":
            num = pd.to_numeric(s, errors="coerce")
            bad = ~np.isfinite(num.to_numpy(dtype=float)) if col.finite else (num.isna() & (s != ""))
            if bad.any():
                raise DataError(f"{where}, column '{col.name}': rows {_rows(bad, frame)} are not "
                                f"finite numbers (got {s[bad].head(3).tolist()}). {fix}")
            out[col.name] = num.astype("float64")
        else:
            if col.allowed is not None:
                bad = ~s.isin(col.allowed)
                if bad.any():
                    raise DataError(f"{where}, column '{col.name}': rows {_rows(bad, frame)} have "
                                    f"values {sorted(set(s[bad]))[:5]}; expected one of "
                                    f"{list(col.allowed)}. {fix}")
            if col.pattern is not None:
                bad = ~s.str.fullmatch(col.pattern)
                if bad.any():
                    raise DataError(f"{where}, column '{col.name}': rows {_rows(bad, frame)} do not "
                                    f"match '{col.pattern}' (got {s[bad].head(3).tolist()}). {fix}")
            if col.nonempty:
                bad = s == ""
                if bad.any():
                    raise DataError(f"{where}, column '{col.name}': rows {_rows(bad, frame)} are "
                                    f"empty. {fix}")
            out[col.name] = s
    dup = out.duplicated(list(schema.key), keep=False)
    if dup.any():
        raise DataError(f"{where}: rows {_rows(dup, frame)} repeat the key "
                        f"({', '.join(schema.key)}); each key must appear once. {fix}")
    return out


def _file(name: str) -> Path:
    path = paths.data_dir() / name
    if not path.is_file():
        raise DataError(
            f"Data file '{path}' is missing. Run 'smartcity data build' (or 'make data') to create "
            f"it, or set SMARTCITY_DATA_DIR to a folder holding the curated tables."
        )
    return path


@lru_cache(maxsize=16)
def _read_cached(path: str, mtime_ns: int, size: int, name: str) -> pd.DataFrame:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise DataError(f"Data file '{path}' cannot be read as CSV: {exc}.") from exc
    return validate_table(raw, SCHEMAS[name], path)


def read_table(name: str) -> pd.DataFrame:
    """Read and validate one curated CSV (``name`` relative to the data directory); a copy."""
    path = _file(name)
    st = path.stat()
    return _read_cached(str(path), st.st_mtime_ns, st.st_size, name).copy()


def load_regions() -> pd.DataFrame:
    """The 514 kabupaten/kota.

    Returns
    -------
    DataFrame
        Index ``region_code`` (4-char str); columns ``kemendagri_code`` ("63.72"), ``name``
        ("Kota Banjarbaru"), ``type`` (kota|kabupaten), ``province_code``, ``province_name``,
        ``island_group``, ``area_km2``, ``lon``, ``lat``.

    Notes
    -----
    Kota when ``int(region_code) % 100 >= 71``; the loader checks this rule.

    References
    ----------
    BPS-Kemendagri code bridge (sig.bps.go.id/bridging-kode); see ``docs/data.md``.
    """
    df = read_table("regions.csv")
    rule = np.where(df["region_code"].astype(int) % 100 >= 71, "kota", "kabupaten")
    bad = df["type"].to_numpy() != rule
    if bad.any():
        raise DataError(f"Data file '{_file('regions.csv')}', column 'type': rows {_rows(bad, df)} "
                        f"contradict the BPS rule (kota when code % 100 >= 71).")
    return df.set_index("region_code")


def _check_indicators(indicators: Iterable[str] | str | None, known: Sequence[str]) -> list[str] | None:
    if indicators is None:
        return None
    wanted = [indicators] if isinstance(indicators, str) else list(indicators)
    for ind in wanted:
        if ind not in known:
            close = difflib.get_close_matches(ind, known, n=3)
            hint = f" Did you mean {close}?" if close else ""
            raise InputError(f"Unknown indicator '{ind}'. Expected one of the codes in "
                             f"data/indicators.csv ({len(known)} codes).{hint}")
    return wanted


def _select(df: pd.DataFrame, year, indicators) -> pd.DataFrame:
    wanted = _check_indicators(indicators, sorted(df["indicator"].unique()))
    if year is not None:
        years = [year] if isinstance(year, int | np.integer) else list(year)
        df = df[df["year"].isin([int(y) for y in years])]
    if wanted is not None:
        df = df[df["indicator"].isin(wanted)]
    return df.reset_index(drop=True)


def load_indicators(year=None, indicators=None, wide: bool = False) -> pd.DataFrame:
    """Indicator values (one primary source per indicator and year).

    Parameters
    ----------
    year : int or iterable of int, optional
        Keep these data years only (default: all).
    indicators : str or iterable of str, optional
        Keep these indicator codes (default: all). Unknown codes raise :class:`InputError`.
    wide : bool
        ``False``: long frame ``region_code, year, indicator, value, source_id, flag``.
        ``True`` with an int ``year``: ``region_code x indicator`` for all 514 regions (NaN where
        missing); ``True`` with ``year=None`` (or several years): index ``(region_code, year)``.
        The wide columns are every indicator code of the table (or ``indicators`` in the given
        order), whether or not the year has data for them.

    Returns
    -------
    DataFrame

    Notes
    -----
    Flags: ``""`` as published, ``estimate``, ``interpolated``, ``derived`` (computed by the build);
    see :func:`load_indicator_flags` and ``data/indicators.yml``.
    """
    full = read_table("indicators.csv")
    df = _select(full, year, indicators)
    if not wide:
        return df
    # every indicator code is a column (all-NaN in years without data), so columns never depend on
    # the year
    codes = sorted(full["indicator"].unique())
    wanted = _check_indicators(indicators, codes) if indicators is not None else codes
    single = isinstance(year, int | np.integer)
    return to_wide(df, indicators=wanted, year=int(year) if single else None)


def to_wide(long: pd.DataFrame, *, column: str = "value", indicators: Sequence[str] | None = None,
            year: int | None = None, regions: Sequence[str] | None = None) -> pd.DataFrame:
    """Convert a long indicator frame to a wide ``region_code x indicator`` frame.

    Parameters
    ----------
    long : DataFrame
        Columns ``region_code, year, indicator`` and ``column``.
    column : str
        The long column to spread (``value`` or ``flag``).
    indicators : sequence of str, optional
        Column order (default: sorted codes present).
    year : int, optional
        When given, keep that year and index by ``region_code`` only.
    regions : sequence of str, optional
        Row index (default: the 514 codes of ``data/regions.csv``).

    Returns
    -------
    DataFrame
        Index ``region_code`` (or ``(region_code, year)``), columns = indicator codes (NaN, or ``""``
        for flags, where missing).
    """
    codes = list(regions) if regions is not None else list(load_regions().index)
    cols = list(indicators) if indicators is not None else sorted(long["indicator"].unique())
    fill = "" if column == "flag" else np.nan
    if year is not None:
        sub = long[long["year"] == year]
        wide = sub.pivot(index="region_code", columns="indicator", values=column)
        wide = wide.reindex(index=codes, columns=cols)
        wide.index.name = "region_code"
    else:
        wide = long.pivot(index=["region_code", "year"], columns="indicator", values=column)
        years = sorted(long["year"].unique())
        idx = pd.MultiIndex.from_product([codes, years], names=["region_code", "year"])
        wide = wide.reindex(index=idx, columns=cols)
    wide.columns.name = None
    if column == "flag":
        return wide.astype(object).where(wide.notna(), fill).astype(str)
    return wide.astype(float)


def load_indicator_flags(year: int, indicators=None) -> pd.DataFrame:
    """Flags of :func:`load_indicators` ``(year, wide=True)``, same shape, ``""`` where none."""
    full = read_table("indicators.csv")
    df = _select(full, int(year), indicators)
    codes = sorted(full["indicator"].unique())
    wanted = _check_indicators(indicators, codes) if indicators is not None else codes
    return to_wide(df, column="flag", indicators=wanted, year=int(year))


def load_secondary_indicators(year=None, indicators=None) -> pd.DataFrame:
    """Values of non-primary sources (long, with ``source_id``), kept for cross-source checks."""
    df = read_table("indicators_secondary.csv")
    if year is not None:
        years = [year] if isinstance(year, int | np.integer) else list(year)
        df = df[df["year"].isin([int(y) for y in years])]
    if indicators is not None:
        wanted = [indicators] if isinstance(indicators, str) else list(indicators)
        df = df[df["indicator"].isin(wanted)]
    return df.reset_index(drop=True)


def _yaml(name: str) -> dict:
    path = _file(name)
    try:
        obj = parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise DataError(f"Data file '{path}' is not valid YAML: {exc}.") from exc
    if not isinstance(obj, dict):
        raise DataError(f"Data file '{path}' should hold a mapping; got {type(obj).__name__}.")
    return obj


#: Required keys of every entry of data/indicators.yml.
REGISTRY_KEYS = ("name_id", "name_en", "unit", "direction", "sources", "years", "caveats")


def load_indicator_registry() -> dict[str, dict]:
    """Indicator registry from ``data/indicators.yml``.

    Returns
    -------
    dict
        ``code -> {name_id, name_en, unit, direction (1 higher is better, -1 lower is better,
        0 neutral), sources, years, caveats}``.
    """
    obj = _yaml("indicators.yml")
    reg = obj.get("indicators", obj)
    for code, entry in reg.items():
        missing = [k for k in REGISTRY_KEYS if k not in (entry or {})]
        if missing:
            raise DataError(f"Data file '{_file('indicators.yml')}', indicator '{code}': missing "
                            f"keys {missing}; expected {list(REGISTRY_KEYS)}.")
        if entry["direction"] not in (1, -1, 0):
            raise DataError(f"Data file '{_file('indicators.yml')}', indicator '{code}': direction "
                            f"must be 1, -1 or 0; got {entry['direction']!r}.")
    return reg


def load_sources() -> dict[str, dict]:
    """Source registry from ``data/sources.yml``: ``source_id -> {origin, licence, citation, notes}``."""
    obj = _yaml("sources.yml")
    return obj.get("sources", obj)


def load_cohorts() -> pd.DataFrame:
    """The actual 2017-2019 cohorts resolved to region codes.

    Returns
    -------
    DataFrame
        ``region_code, cohort_year, status, region_name, region_type, province, source`` (and
        ``note``); ``status`` in ``selected``, ``added_late``, ``not_awarded``, ``cancelled``,
        ``deferred`` (see docs/ARCHITECTURE.md).
    """
    df = read_table("programme/cohorts.csv")
    codes = set(load_regions().index)
    bad = ~df["region_code"].isin(codes)
    if bad.any():
        raise DataError(f"Data file '{_file('programme/cohorts.csv')}', column 'region_code': rows "
                        f"{_rows(bad, df)} are not codes of data/regions.csv.")
    return df


def load_boundaries() -> dict:
    """Simplified boundaries: a GeoJSON FeatureCollection, ``properties.region_code`` on each feature."""
    path = _file("boundaries.geojson")
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise DataError(f"Data file '{path}' is not valid JSON: {exc}.") from exc
    feats = obj.get("features") if isinstance(obj, dict) else None
    if not isinstance(feats, list):
        raise DataError(f"Data file '{path}' is not a GeoJSON FeatureCollection.")
    codes = [str(f.get("properties", {}).get("region_code", "")) for f in feats]
    bad = [i for i, c in enumerate(codes) if len(c) != 4 or not c.isdigit()]
    if bad:
        raise DataError(f"Data file '{path}': features {bad[:10]} lack a 4-digit "
                        f"properties.region_code.")
    return obj


def data_hash() -> str:
    """SHA-256 (hex) of the curated regions and indicators tables: identifies the data version."""
    h = hashlib.sha256()
    for name in ("regions.csv", "indicators.csv"):
        h.update(name.encode())
        h.update(_file(name).read_bytes())
    return h.hexdigest()
