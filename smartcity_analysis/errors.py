"""One exception hierarchy for the package.

Every error a user can cause (bad spec, bad data file, unknown region, bad argument) derives from
:class:`SmartcityError`. The CLI turns any ``SmartcityError`` into one line on stderr and exit code 2.
Messages say what, where, what was got, what was expected, and how to fix it.
"""

from __future__ import annotations

import difflib


class SmartcityError(Exception):
    """Base class of every user-facing error raised by smartcity-analysis."""


class DataError(SmartcityError):
    """A data file is missing, malformed, or fails its schema (names the file, column and rows)."""


class RawDataError(DataError):
    """A raw source file needed by the data build is missing or unreadable."""


class SpecError(SmartcityError):
    """A criteria spec is invalid. ``problems`` lists every problem as ``(yaml_path, message)``."""

    def __init__(self, problems: list[tuple[str, str]], source: str | None = None):
        self.problems = list(problems)
        self.source = source
        where = f" in {source}" if source else ""
        lines = [f"{path}: {msg}" for path, msg in self.problems]
        if len(lines) == 1:
            text = f"Invalid spec{where}: {lines[0]}"
        else:
            text = f"Invalid spec{where} ({len(lines)} problems): " + "; ".join(lines)
        super().__init__(text)


class RegionNotFoundError(SmartcityError):
    """A region query (BPS code, Kemendagri code or name) matched no region."""


class AmbiguousRegionError(SmartcityError):
    """A region query matched more than one region; the message lists the candidates."""


class InputError(SmartcityError):
    """A user-supplied input (CSV, parameter, option value) is invalid."""


class ComputationError(SmartcityError):
    """A computation cannot proceed with the given data and settings (e.g. too few eligible regions)."""


def suggest(name: str, choices) -> str:
    """The fix hint of an "unknown name" message: " Did you mean 'x'?" or " Expected one of: ...".

    Close spellings first (difflib), then a choice that is a prefix or suffix of the name
    (``ipm_index`` -> ``ipm``).
    """
    names = [str(c) for c in choices]
    close = difflib.get_close_matches(str(name), names, n=1, cutoff=0.6)
    if not close:  # a code with a suffix or prefix added (ipm_index -> ipm)
        close = sorted((c for c in names if len(c) >= 3 and (str(name).startswith(c) or c.startswith(str(name)))),
                       key=len, reverse=True)[:1]
    if close:
        return f" Did you mean '{close[0]}'?"
    return f" Expected one of: {', '.join(sorted(names))}."
