"""A small on-disk cache of computed results (index builds, robustness runs, explanations).

Build once, report many: a heavy result is computed once per (spec hash, data hash, settings) and stored
under :func:`smartcity_analysis.paths.cache_dir`; every report then loads the same stored result, so all
reports agree and none recomputes.

Layout: ``<cache_dir>/<kind>/<key>/`` where ``kind`` names the result family (``"robustness"``,
``"explanation"``, ...) and ``key`` is :func:`cache_key` of the key parts. An entry is a directory that
holds whatever the ``save`` callable writes into it, plus ``_key.json`` (the key parts, for humans).
Entries are written into a temporary sibling directory and renamed into place, so a reader never sees a
half-written entry and an interrupted run leaves nothing behind.

Typical use::

    from smartcity_analysis.cache import cached, save_tables, load_tables

    result = cached(
        "robustness",
        {"spec": spec.spec_hash, "data": data_hash, "cohort": 2017, "draws": 10_000, "seed": 1},
        compute=lambda: run(...),                    # returns a dict {name: DataFrame | dict | list}
        save=save_tables,                            # save(obj, directory)
        load=load_tables,                            # load(directory) -> obj
    )

:func:`save_tables` / :func:`load_tables` store a mapping of named DataFrames (CSV with a dtype schema
so ``region_code`` stays a 4-character string and bools stay bools) and JSON-serialisable objects. Use
them unless you need something else; any pair of ``save(obj, dir)`` / ``load(dir)`` works.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from smartcity_analysis import paths
from smartcity_analysis.errors import InputError

__all__ = [
    "CACHE_FORMAT_VERSION",
    "cache_key",
    "cached",
    "entry_dir",
    "lookup",
    "load_tables",
    "save_tables",
]

#: Bumped when the on-disk layout of entries changes; part of every key, so old entries are ignored.
CACHE_FORMAT_VERSION = 1

_KEY_FILE = "_key.json"
_SCHEMA_FILE = "_schema.json"
_NA = "<NA>"  # missing-value marker in cached CSVs, so an empty string stays an empty string


def _canonical(obj: Any) -> Any:
    """Turn key parts into a JSON-stable structure (sorted dicts, lists, plain scalars)."""
    if isinstance(obj, Mapping):
        return {str(k): _canonical(v) for k, v in sorted(obj.items(), key=lambda kv: str(kv[0]))}
    if isinstance(obj, (list, tuple)):
        return [_canonical(v) for v in obj]
    if isinstance(obj, (set, frozenset)):
        return sorted(_canonical(v) for v in obj)
    if isinstance(obj, np.generic):
        return _canonical(obj.item())
    if isinstance(obj, float):
        if math.isnan(obj):
            return "NaN"
        return repr(obj)  # exact round-trip text, 0.1 != 0.1000000001
    if isinstance(obj, (str, int, bool)) or obj is None:
        return obj
    if isinstance(obj, Path):
        return str(obj)
    raise InputError(
        f"Cache key parts must be JSON-like (str, int, float, bool, None, list, dict). Got an object "
        f"of type {type(obj).__name__!r}: pass its hash or a plain description instead."
    )


def cache_key(key_parts: Any) -> str:
    """Stable hexadecimal key (SHA-256, 24 hex chars) of JSON-like key parts.

    Parameters
    ----------
    key_parts : dict, list or scalar
        What the result depends on, e.g. ``{"spec": spec_hash, "data": data_hash, "draws": 1000,
        "seed": 0}``. Dict order does not matter; floats are keyed by their exact ``repr``.

    Returns
    -------
    str
        24 lowercase hex characters.

    Notes
    -----
    ``sha256(json.dumps({"format": CACHE_FORMAT_VERSION, "parts": canonical(key_parts)},
    sort_keys=True))``, truncated to 96 bits (collisions are negligible at this cache's size).
    """
    payload = {"format": CACHE_FORMAT_VERSION, "parts": _canonical(key_parts)}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _check_kind(kind: str) -> str:
    if (
        not isinstance(kind, str)
        or not kind
        or not kind.replace("_", "").replace("-", "").isalnum()
    ):
        raise InputError(
            f"Cache kind must be a non-empty name of letters, digits, '-' or '_'. Got {kind!r}."
        )
    return kind


def entry_dir(kind: str, key_parts: Any, root: str | os.PathLike | None = None) -> Path:
    """Directory where the entry of ``(kind, key_parts)`` lives (it may not exist yet)."""
    base = Path(root) if root is not None else paths.cache_dir()
    return base / _check_kind(kind) / cache_key(key_parts)


def _is_complete(directory: Path) -> bool:
    return (directory / _KEY_FILE).is_file()


def lookup(kind: str, key_parts: Any, load: Callable[[Path], Any], *,
           root: str | os.PathLike | None = None) -> Any | None:
    """The stored result of ``(kind, key_parts)``, or None when there is none: never computes.

    For a document that may show a heavy result only when it already exists (the region report's
    P(selected) under the revealed spec) and must not start a Monte Carlo run per report.

    Parameters
    ----------
    kind, key_parts, load, root
        As :func:`cached`.

    Returns
    -------
    object or None
    """
    target = entry_dir(kind, key_parts, root)
    return load(target) if _is_complete(target) else None


def cached(
    kind: str,
    key_parts: Any,
    compute: Callable[[], Any],
    save: Callable[[Any, Path], None],
    load: Callable[[Path], Any],
    *,
    root: str | os.PathLike | None = None,
    refresh: bool = False,
    use_cache: bool = True,
) -> Any:
    """Load a result from the cache, or compute, store and return it.

    Parameters
    ----------
    kind : str
        Result family, used as a sub-directory (``"robustness"``, ``"explanation"``, ``"index"``).
    key_parts : dict, list or scalar
        Everything the result depends on (spec hash, data hash, settings, package version if the
        algorithm may change). See :func:`cache_key`.
    compute : callable
        ``compute() -> obj``; called only on a miss (or ``refresh=True``).
    save : callable
        ``save(obj, directory)`` writes ``obj`` into an existing, empty directory.
    load : callable
        ``load(directory) -> obj`` reads it back. On a miss the returned object is ``load`` of what was
        just saved, so a hit and a miss give the same types.
    root : path, optional
        Cache root; default :func:`smartcity_analysis.paths.cache_dir` (``$SMARTCITY_CACHE_DIR``).
    refresh : bool, default False
        Recompute and overwrite even when an entry exists.
    use_cache : bool, default True
        ``False`` computes and returns without touching the disk.

    Returns
    -------
    object
        The loaded (or freshly computed and reloaded) result.

    Notes
    -----
    Writes are atomic: ``save`` writes into ``<kind>/.tmp-<key>-XXXX/``, then ``_key.json`` is added
    and the directory is renamed onto ``<kind>/<key>``. When two processes race, the first rename wins
    and the other's copy is discarded; both return equal results because the key fixes the inputs.
    """
    if not use_cache:
        return compute()
    target = entry_dir(kind, key_parts, root)
    if _is_complete(target) and not refresh:
        return load(target)
    obj = compute()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{target.name}-", dir=target.parent))
    os.chmod(tmp, 0o755)  # mkdtemp creates 0700; an entry is an ordinary readable folder
    try:
        save(obj, tmp)
        with open(tmp / _KEY_FILE, "w", encoding="utf-8") as fh:
            json.dump(
                {"kind": kind, "key": target.name, "parts": _canonical(key_parts)}, fh, indent=1
            )
        if target.exists():
            if refresh or not _is_complete(target):
                old = target.with_name(f".old-{target.name}-{os.getpid()}")
                os.replace(target, old)
                shutil.rmtree(old, ignore_errors=True)
            else:  # another process finished first
                shutil.rmtree(tmp, ignore_errors=True)
                return load(target)
        try:
            os.replace(tmp, target)
        except OSError:  # lost a race: target appeared in between
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return load(target)


# ---------------------------------------------------------------------------------------------------
# Default serialisation: a mapping of named DataFrames and JSON objects
# ---------------------------------------------------------------------------------------------------


def _json_default(obj: Any) -> Any:
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serialisable")


def _check_name(name: str) -> str:
    if (
        not isinstance(name, str)
        or not name
        or not name.replace("_", "").replace("-", "").isalnum()
    ):
        raise InputError(
            f"Table names in a cached bundle must be letters, digits, '-' or '_'. Got {name!r}."
        )
    return name


def save_tables(tables: Mapping[str, Any], directory: str | os.PathLike) -> None:
    """Write a mapping of named DataFrames / JSON objects into ``directory``.

    Parameters
    ----------
    tables : mapping
        ``{name: DataFrame | dict | list | str | number | None}``. DataFrames go to ``<name>.csv``
        (index included, with a dtype schema so string codes, bools, ints and NaN round-trip);
        everything else to ``<name>.json``.
    directory : path
        Existing directory.
    """
    directory = Path(directory)
    schema: dict[str, Any] = {}
    for name, obj in tables.items():
        _check_name(name)
        if isinstance(obj, pd.DataFrame):
            frame = obj
            index_names = [
                n if n is not None else f"__index_{i}" for i, n in enumerate(frame.index.names)
            ]
            flat = frame.copy()
            flat.index = flat.index.set_names(index_names)
            flat = flat.reset_index()
            if flat.columns.duplicated().any():
                raise InputError(f"Table {name!r} has duplicated column names; cannot cache it.")
            dtypes = {str(c): str(flat[c].dtype) for c in flat.columns}
            flat.columns = [str(c) for c in flat.columns]
            flat.to_csv(directory / f"{name}.csv", index=False, float_format="%.17g", na_rep=_NA)
            schema[name] = {
                "type": "frame",
                "index": index_names,
                "dtypes": dtypes,
                "orig_index_names": list(frame.index.names),
            }
        else:
            with open(directory / f"{name}.json", "w", encoding="utf-8") as fh:
                json.dump(obj, fh, indent=1, default=_json_default, allow_nan=True)
            schema[name] = {"type": "json"}
    with open(directory / _SCHEMA_FILE, "w", encoding="utf-8") as fh:
        json.dump(schema, fh, indent=1)


def _restore_dtype(series: pd.Series, dtype: str) -> pd.Series:
    if dtype == "bool":
        return series.astype(str).map({"True": True, "False": False}).astype(bool)
    if dtype in ("boolean",):
        return series.map({"True": True, "False": False, True: True, False: False}).astype(
            "boolean"
        )
    if dtype.startswith(("int", "uint", "float", "Int", "UInt", "Float")):
        return series.astype(dtype)
    if dtype.startswith("datetime"):
        return pd.to_datetime(series)
    if dtype == "category":
        return series.astype("category")
    # object / str / string: keep text exactly, missing stays missing
    return series.astype(object).where(series.notna(), None) if dtype == "object" else series


def load_tables(directory: str | os.PathLike) -> dict[str, Any]:
    """Read back what :func:`save_tables` wrote: ``{name: DataFrame | JSON object}``."""
    directory = Path(directory)
    with open(directory / _SCHEMA_FILE, encoding="utf-8") as fh:
        schema = json.load(fh)
    out: dict[str, Any] = {}
    for name, info in schema.items():
        if info["type"] == "frame":
            dtypes = info["dtypes"]
            text_cols = [
                c
                for c, d in dtypes.items()
                if not d.startswith(
                    ("int", "uint", "float", "Int", "UInt", "Float", "bool", "datetime")
                )
            ]
            frame = pd.read_csv(
                directory / f"{name}.csv",
                dtype={c: str for c in text_cols},
                keep_default_na=False,
                na_values=[_NA],
            )
            for col, dtype in dtypes.items():
                if col in frame.columns:
                    frame[col] = _restore_dtype(frame[col], dtype)
            frame = frame.set_index(info["index"])
            frame.index = frame.index.set_names(info["orig_index_names"])
            out[name] = frame
        else:
            with open(directory / f"{name}.json", encoding="utf-8") as fh:
                out[name] = json.load(fh)
    return out
