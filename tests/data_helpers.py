"""Helpers for the data-layer tests (imported explicitly by tests/test_data*.py).

The raw sources live outside the repository (../shared/data-raw); tests that need them skip with a
clear reason when they are absent (e.g. a CI runner without the shared folder).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from smartcity_analysis import paths
from smartcity_analysis.errors import RawDataError


def raw_or_skip() -> Path:
    """The raw-data directory, or skip the test when none is available."""
    try:
        return paths.raw_dir()
    except RawDataError as exc:
        pytest.skip(f"raw data not available: {exc}")


def linked_copy(raw: Path, dest: Path) -> tuple[Path, Path]:
    """Mirror ``raw`` and its sibling ``programme/`` under ``dest`` with symlinked files.

    Returns ``(raw_copy, programme_copy)``; deleting a link removes the file from the copy only.
    """
    raw_copy = dest / "data-raw"
    prog_copy = dest / "programme"
    shutil.copytree(raw, raw_copy, copy_function=os.symlink)
    shutil.copytree(paths.programme_dir(raw), prog_copy, copy_function=os.symlink)
    return raw_copy, prog_copy


#: A tiny, clearly synthetic long indicator table (two made-up regions) for loader tests.
TINY_INDICATORS = (
    "region_code,year,indicator,value,source_id,flag\n"
    "1101,2017,ipm,64.41,test-fixture,\n"
    "1102,2017,ipm,67.37,test-fixture,\n"
    "1101,2017,poverty_rate,20.2,test-fixture,estimate\n"
)


def write_data_dir(dest: Path, **files: str) -> Path:
    """Copy the committed data/ into ``dest`` and overwrite the given files (name=text).

    File names use ``__`` for ``/`` and ``_csv`` for ``.csv``: ``indicators_csv="..."``.
    """
    shutil.copytree(paths.REPO_ROOT / "data", dest, dirs_exist_ok=True)
    for key, text in files.items():
        rel = key.replace("__", "/").replace("_csv", ".csv")
        (dest / rel).write_text(text, encoding="utf-8")
    return dest
