"""Writing and hashing files: the one atomic writer and the one hasher of the package.

Every output the package writes (curated tables, cached results, reports, manifests, the ``rank`` and
``robustness`` tables) goes through :func:`write_atomic`, so every output gets the same guarantees:

- the parent folder is created when missing;
- the bytes go to a temporary file in the destination's folder, are flushed and ``fsync``-ed, then the
  file is renamed onto the destination (``os.replace``): a reader sees the old file or the whole new one,
  never a half-written one, even when the process is killed;
- the file is mode 0644 (``mkstemp`` creates 0600; outputs are ordinary readable files);
- on any error, the temporary file is removed and the destination is left as it was.

Every content fingerprint of files (report memo keys, batch input and output hashes) goes through
:func:`file_sha256` and :func:`tree_sha256`. Every YAML file the package reads (specs, data
descriptors, the indicator registry) is parsed by :func:`parse_yaml`.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

#: libyaml's C parser when PyYAML was built with it (10x faster: the indicator registry and the specs
#: take ~0.6 s with the pure-Python parser in every report kernel), else the pure-Python one.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Mode of every file the package writes.
FILE_MODE = 0o644

__all__ = ["FILE_MODE", "file_sha256", "tree_files", "tree_sha256", "write_atomic"]


def write_atomic(path: str | os.PathLike, data: str | bytes | Callable[[str], Any]) -> Path:
    """Write a file atomically: through a temporary file in the same folder, then a rename.

    Parameters
    ----------
    path : str or path-like
        Destination file. Missing parent folders are created.
    data : str, bytes or callable
        The content: ``str`` is written as UTF-8, ``bytes`` as they are. A callable is called with the
        temporary file's path and writes the file itself (for writers that take a path, such as
        ``DataFrame.to_csv`` or ``DataFrame.to_parquet``).

    Returns
    -------
    pathlib.Path
        The destination path.

    Raises
    ------
    TypeError
        When ``data`` is neither text, bytes nor a callable.

    Notes
    -----
    ``os.replace`` is atomic on POSIX when source and destination are on the same file system, which
    the temporary file in the destination's folder guarantees. The content is ``fsync``-ed before the
    rename, so a crash right after the rename cannot leave an empty file under the final name.

    References
    ----------
    .. [1] POSIX ``rename(2)``; Python ``os.replace`` and ``tempfile.mkstemp``.
    """
    path = Path(path)
    if not (isinstance(data, (str, bytes, bytearray, memoryview)) or callable(data)):
        raise TypeError(f"write_atomic takes str, bytes or a writer callable for '{path}'. "
                        f"Got {type(data).__name__}.")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        if callable(data):
            os.close(fd)
            data(tmp)
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
        else:
            payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
            with os.fdopen(fd, "wb") as fh:
                fh.write(payload)
                fh.flush()
                os.fsync(fh.fileno())
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path


def file_sha256(path: str | os.PathLike) -> str:
    """SHA-256 hex digest of a file's bytes, read in 1 MiB blocks.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    str
        64 hex digits.

    Notes
    -----
    Always reads the file: a check on size and modification time could miss a same-size edit made
    within the file system's timestamp resolution.
    """
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tree_files(root: str | os.PathLike) -> list[Path]:
    """The non-hidden files under ``root``, sorted (a hidden file or folder is skipped with its content).

    Parameters
    ----------
    root : str or path-like
        The folder; a missing folder has no files.

    Returns
    -------
    list of pathlib.Path
    """
    root = Path(root)
    if not root.is_dir():
        return []
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and not any(s.startswith(".") for s in p.parts[len(root.parts):])
    )


def tree_sha256(root: str | os.PathLike) -> str:
    """Hash of every non-hidden file under ``root``: relative names and contents, in sorted order.

    Parameters
    ----------
    root : str or path-like
        The folder.

    Returns
    -------
    str
        64 hex digits, or ``"missing"`` when ``root`` is not a folder.

    Notes
    -----
    The digest covers each file's path relative to ``root`` and its :func:`file_sha256`, so a renamed,
    added, removed or edited file changes it, and where the tree sits on disk does not.
    """
    root = Path(root)
    if not root.is_dir():
        return "missing"
    digest = hashlib.sha256()
    for p in tree_files(root):
        digest.update(p.relative_to(root).as_posix().encode())
        digest.update(file_sha256(p).encode())
    return digest.hexdigest()


def parse_yaml(text: str) -> Any:
    """Parse YAML text with the safe loader (libyaml's C parser when available).

    Parameters
    ----------
    text : str
        The YAML document.

    Returns
    -------
    object
        The parsed document (plain dicts, lists, strings, numbers, dates).

    Raises
    ------
    yaml.YAMLError
        On invalid YAML; ``problem_mark`` gives the position, as with :func:`yaml.safe_load`.
    """
    return yaml.load(text, Loader=_YAML_LOADER)
