"""One exception hierarchy for the package.

Every error a user can cause (bad spec, bad data file, unknown region, bad argument) derives from
:class:`SmartcityError`. The CLI turns any ``SmartcityError`` into one line on stderr and exit code 2.
Messages say what, where, what was got, what was expected, and how to fix it.
"""

from __future__ import annotations


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
