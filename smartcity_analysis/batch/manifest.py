"""The batch manifest, ``<out_dir>/<cohort>/manifest.json``: read, write, and the resume checks.

The manifest records one entry per job (status, error, duration, input hash, output and its hash; see
``docs/batch.md``). It is rewritten atomically after every job, so a batch killed at any moment leaves a
valid manifest. ``--resume`` skips a job only when :func:`is_up_to_date` says so.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from smartcity_analysis.files import file_sha256, write_atomic

#: Version of the manifest layout; bump when keys change meaning.
MANIFEST_SCHEMA = 1

#: Key of the national overview job in the manifest (region jobs use their 4-char region code).
OVERVIEW_KEY = "overview"


def write_manifest(path: Path, data: Any) -> None:
    """Write the manifest (JSON) through the one atomic writer (:func:`smartcity_analysis.files.write_atomic`).

    Parameters
    ----------
    path : pathlib.Path
        ``<out_dir>/<cohort>/manifest.json``.
    data : dict
        The manifest.
    """
    write_atomic(path, json.dumps(data, indent=1, sort_keys=True, default=str) + "\n")

def manifest_path(out_dir: str | os.PathLike, cohort: int) -> Path:
    """``<out_dir>/<cohort>/manifest.json``."""
    return Path(out_dir) / str(cohort) / "manifest.json"


def read_manifest(path: str | os.PathLike) -> dict[str, Any]:
    """Read a batch manifest; an absent or unreadable file gives an empty manifest.

    An unreadable manifest is not an error: it only means nothing can be skipped on resume.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"schema": MANIFEST_SCHEMA, "jobs": {}}
    if not isinstance(data, dict) or not isinstance(data.get("jobs"), dict):
        return {"schema": MANIFEST_SCHEMA, "jobs": {}}
    return data


def output_verifies(cohort_dir: Path, entry: Mapping[str, Any]) -> bool:
    """True when a manifest entry's output file exists and has the recorded SHA-256."""
    output, expected = entry.get("output"), entry.get("output_hash")
    if not output or not expected:
        return False
    path = cohort_dir / output
    return path.is_file() and file_sha256(path) == expected


def is_up_to_date(cohort_dir: Path, entry: Mapping[str, Any] | None, input_hash: str) -> bool:
    """Whether a job can be skipped on resume: done before, same inputs, output intact."""
    return bool(
        entry
        and entry.get("status") == "done"
        and entry.get("input_hash") == input_hash
        and output_verifies(cohort_dir, entry)
    )
