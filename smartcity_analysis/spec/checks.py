"""The building blocks of the spec parser: the lazy problem list and the checks of single values.

Every check adds ``(yaml_path, message)`` to a :class:`_Problems` instead of raising, so one
:class:`~smartcity_analysis.errors.SpecError` can list every problem of a spec at once.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from typing import Any

from smartcity_analysis.curated import loaders
from smartcity_analysis.errors import SmartcityError, suggest
from smartcity_analysis.spec.model import (
    KNOWN_INDICATORS,
    MethodChoice,
    _freeze,
)

# --------------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[str, str]] = []

    def add(self, path: str, msg: str) -> None:
        if (path, msg) not in self.items:
            self.items.append((path, msg))


def _known_indicator_codes() -> set[str]:
    codes = set(KNOWN_INDICATORS)
    try:
        codes |= set(loaders.load_indicator_registry())
    except SmartcityError:  # data/ not built (or unreadable) yet: the constant is the fallback
        pass
    return codes


def _registries() -> dict[str, dict[str, Any]]:
    # imported here: the engine's step modules import the spec model, so the parser (which is the
    # spec's door) reaches up to their registries only when it validates a method name
    from smartcity_analysis.engine.aggregation import AGGREGATORS
    from smartcity_analysis.engine.imputation import IMPUTERS
    from smartcity_analysis.engine.normalisation import NORMALISERS
    from smartcity_analysis.engine.outliers import OUTLIER_TREATMENTS
    from smartcity_analysis.engine.weighting import WEIGHTERS

    return {
        "imputation": IMPUTERS,
        "outliers": OUTLIER_TREATMENTS,
        "normalisation": NORMALISERS,
        "weighting": WEIGHTERS,
        "aggregation": AGGREGATORS,
    }


def _accepted_params(func: Any) -> set[str] | None:
    """Keyword parameters a registered method accepts (None when it takes ``**kwargs``)."""
    sig = inspect.signature(func)
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in sig.parameters.values()):
        return None
    reserved = {"regions", "min_coverage"}  # supplied by the pipeline, never by the spec
    return {name for name, p in sig.parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in reserved}


def _method(raw: Any, path: str, family: str, problems: _Problems) -> MethodChoice | None:
    registry = _registries()[family]
    if isinstance(raw, str):
        name, params = raw, {}
    elif isinstance(raw, Mapping):
        if "method" not in raw:
            problems.add(path, f"a {family} method needs a 'method' key. Got keys {sorted(raw)}. "
                               f"Write e.g. {{method: {next(iter(registry))}}}.")
            return None
        name = raw["method"]
        params = {k: v for k, v in raw.items() if k != "method"}
    else:
        problems.add(path, f"expected a {family} method name or a mapping with 'method'. "
                           f"Got {type(raw).__name__} {raw!r}.")
        return None
    if name not in registry:
        problems.add(path, f"unknown {family} method '{name}'." + suggest(name, list(registry)))
        return None
    accepted = _accepted_params(registry[name])
    if accepted is not None:
        for key in params:
            if key not in accepted:
                hint = ", ".join(sorted(accepted)) or "none"
                problems.add(f"{path}.{key}", f"unknown parameter '{key}' of {family} method '{name}'. "
                                              f"Accepted parameters: {hint}.")
    return MethodChoice(str(name), _freeze(params))


def _number(raw: Any, path: str, problems: _Problems, *, positive: bool = False,
            nonneg: bool = False, unit: bool = False, integer: bool = False) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        problems.add(path, f"expected a number. Got {type(raw).__name__} {raw!r}.")
        return None
    x = float(raw)
    if math.isnan(x) or math.isinf(x):
        problems.add(path, f"expected a finite number. Got {raw!r}.")
        return None
    if integer and x != int(x):
        problems.add(path, f"expected a whole number. Got {raw!r}.")
        return None
    if positive and x <= 0:
        problems.add(path, f"must be positive. Got {raw!r}; use a number > 0.")
        return None
    if nonneg and x < 0:
        problems.add(path, f"must not be negative. Got {raw!r}; use a number >= 0.")
        return None
    if unit and not 0 <= x <= 1:
        problems.add(path, f"must be a share between 0 and 1. Got {raw!r}.")
        return None
    return x


def _check_keys(raw: Mapping, allowed: tuple[str, ...], path: str, problems: _Problems) -> None:
    for key in raw:
        if key not in allowed:
            problems.add(f"{path}.{key}" if path else str(key),
                         f"unknown key '{key}'." + suggest(str(key), allowed))


def _str_list(raw: Any, path: str, problems: _Problems) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, str):
        return (raw,)
    if not isinstance(raw, list | tuple):
        problems.add(path, f"expected a list. Got {type(raw).__name__} {raw!r}.")
        return ()
    return tuple(str(x) for x in raw)


