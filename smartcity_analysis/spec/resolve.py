"""From "a spec" (a name, a path, ``""``) to a validated :class:`~smartcity_analysis.spec.model.Spec`: the one door.

A shipped name is looked up in ``specs/``; anything else is a path relative to the caller's working
directory, made absolute at once, so no later process resolves it again from another directory.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path

from smartcity_analysis.errors import SpecError, suggest
from smartcity_analysis.paths import data_dir, specs_dir
from smartcity_analysis.spec.model import DEFAULT_SPEC, Spec
from smartcity_analysis.spec.parse import load_spec


def list_specs() -> list[Path]:
    """The shipped spec files (``specs/*.yml`` and ``specs/*.yaml``), sorted.

    Returns
    -------
    list of pathlib.Path

    Notes
    -----
    Files in the repository's ``specs/`` folder (:func:`smartcity_analysis.paths.specs_dir`).

    References
    ----------
    .. [1] docs/methodology.md, "Shipped specs".
    """
    folder = specs_dir()
    return sorted([*folder.glob("*.yml"), *folder.glob("*.yaml")])


def spec_location(value: str | os.PathLike) -> Path:
    """Where a spec given by name or path lives: the one rule, applied at every boundary.

    Parameters
    ----------
    value : str or path-like
        ``""`` for :data:`DEFAULT_SPEC`; a path to an existing file, relative to the **caller's**
        working directory; or the name of a shipped spec (``kominfo_prescreen``, with or without
        ``.yml``/``.yaml``), looked up in ``specs/``.

    Returns
    -------
    pathlib.Path
        The absolute path of the spec file. Passing it on (to a notebook kernel, a worker, a cache key)
        means nobody has to resolve a relative path again from another working directory.

    Raises
    ------
    SpecError
        When no such file or shipped spec exists; the message lists the shipped specs and suggests the
        closest name.

    Examples
    --------
    >>> spec_location("kominfo_prescreen").name
    'kominfo_prescreen.yml'
    """
    text = os.fspath(value).strip() if value is not None else ""
    text = text or DEFAULT_SPEC
    path = Path(text).expanduser()
    if path.is_file():
        return path.resolve()
    if len(path.parts) == 1:
        for candidate in (specs_dir() / text, specs_dir() / f"{text}.yml", specs_dir() / f"{text}.yaml"):
            if candidate.is_file():
                return candidate.resolve()
    shipped = [p.stem for p in list_specs()]
    stem = path.name.removesuffix(".yml").removesuffix(".yaml")
    hint = suggest(stem, shipped) if shipped else ""
    hint = hint if hint.startswith(" Did you mean") else ""
    raise SpecError([("file", f"no such file ('{path.absolute()}') and no shipped spec named '{stem}'."
                              f"{hint} Give the path of a YAML spec or a shipped name "
                              f"({', '.join(shipped) or 'none shipped'}).")], text)


def resolve_spec(value: Spec | str | os.PathLike | Mapping | None = "") -> Spec:
    """The one door from "a spec" (object, name, path, mapping or ``""``) to a validated :class:`Spec`.

    Parameters
    ----------
    value : Spec, str, path-like, mapping or None
        A :class:`Spec` is returned as it is; a mapping is validated as YAML content; ``""`` or None is
        :data:`DEFAULT_SPEC`; anything else goes through :func:`spec_location` (a shipped name or a
        path relative to the caller's working directory).

    Returns
    -------
    Spec
        Frozen and validated; ``Spec.source`` is the absolute path of its file.

    Raises
    ------
    SpecError
        When the spec is not found or not valid (every problem listed with its YAML path).
    """
    if isinstance(value, Spec):
        return value
    if isinstance(value, Mapping):
        return load_spec(value)
    path = spec_location(value if value is not None else "")
    st = path.stat()
    return _load_spec_file(str(path), st.st_mtime_ns, st.st_size, _registry_stamp())


def _registry_stamp() -> tuple:
    """What a spec's validation depends on besides its file: the indicator registry it checks codes
    against (``data/indicators.yml``)."""
    reg = data_dir() / "indicators.yml"
    if not reg.is_file():
        return (str(reg), "missing")
    st = reg.stat()
    return (str(reg), st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=32)
def _load_spec_file(path: str, mtime_ns: int, size: int, registry: tuple) -> Spec:
    """:func:`load_spec` of a file, memoised on its path, modification time and size (and the registry
    it was validated against): validating a spec takes about a quarter of a second, and a report batch
    resolves the same spec hundreds of times. ``Spec`` is frozen, so sharing one object is safe."""
    del mtime_ns, size, registry  # key parts only
    return load_spec(path)
