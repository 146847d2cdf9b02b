"""Where things live: the curated data directory, the raw-data directory, specs, notebooks, cache.

The package is installed in editable mode from the repository (``make venv``), so the curated tables in
the repository's top-level ``data/`` are found next to the package. ``SMARTCITY_DATA_DIR`` overrides it
(tests use this to point at fixtures).
"""

from __future__ import annotations

import os
from pathlib import Path

from smartcity_analysis.errors import RawDataError

#: Repository root (the folder holding ``pyproject.toml``, ``data/``, ``specs/``, ``notebooks/``).
REPO_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Curated data directory: ``$SMARTCITY_DATA_DIR`` or ``<repo>/data``."""
    env = os.environ.get("SMARTCITY_DATA_DIR")
    return Path(env) if env else REPO_ROOT / "data"


def specs_dir() -> Path:
    """Directory of the shipped criteria specs."""
    return REPO_ROOT / "specs"


def notebooks_dir() -> Path:
    """Directory of the papermill notebook templates."""
    return REPO_ROOT / "notebooks"


def cache_dir() -> Path:
    """Cache of computed results (index builds, robustness, explanation): ``$SMARTCITY_CACHE_DIR`` or
    ``<repo>/.cache``."""
    env = os.environ.get("SMARTCITY_CACHE_DIR")
    return Path(env) if env else REPO_ROOT / ".cache"


def raw_dir(explicit: str | os.PathLike | None = None) -> Path:
    """Resolve the raw-data directory used by the data build.

    Order: the explicit argument (``--raw-dir``), then ``../shared/data-raw`` next to the repository
    when it exists, then ``$SMARTCITY_RAW_DIR``.

    Raises
    ------
    RawDataError
        When none of these gives an existing directory.
    """
    if explicit is not None:
        path = Path(explicit)
        if not path.is_dir():
            raise RawDataError(
                f"Raw-data directory '{path}' does not exist. Pass an existing folder with --raw-dir."
            )
        return path
    default = REPO_ROOT.parent / "shared" / "data-raw"
    if default.is_dir():
        return default
    env = os.environ.get("SMARTCITY_RAW_DIR")
    if env and Path(env).is_dir():
        return Path(env)
    raise RawDataError(
        f"No raw-data directory found: '{default}' does not exist and SMARTCITY_RAW_DIR is "
        f"{'unset' if not env else repr(env) + ' (not a directory)'}. Pass --raw-dir DIR."
    )


def programme_dir(raw: Path) -> Path:
    """The programme folder (actual cohorts) that sits beside a raw-data directory."""
    return raw.parent / "programme"
