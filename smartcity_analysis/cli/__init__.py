"""Command-line interface: ``smartcity <command> ...``.

Each command group lives in its own module of this package and exposes ``register(subparsers)``, which
adds its sub-parser(s) and sets ``func`` (a callable taking the parsed ``argparse.Namespace`` and
returning an exit code). Any :class:`~smartcity_analysis.errors.SmartcityError` becomes one line on
stderr and exit code 2; argparse errors also exit 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from smartcity_analysis import __version__
from smartcity_analysis.errors import SmartcityError

#: Modules of this package that register commands, in the order they appear in ``--help``.
COMMAND_MODULES = ("data", "spec", "rank", "robustness", "explain", "report", "explore")


class _Parser(argparse.ArgumentParser):
    """ArgumentParser whose errors are a single line (usage hint) and exit code 2."""

    def error(self, message: str) -> None:  # pragma: no cover - exercised through main()
        sys.stderr.write(f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every command registered."""
    parser = _Parser(
        prog="smartcity",
        description=(
            "Audit and explore how Indonesia selected the regions of the 'Gerakan Menuju 100 Smart "
            "City' programme (2017-2019): data build, criteria specs, ranking and selection, "
            "robustness, explanation of the real cohorts, and per-region PDF reports."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for name in COMMAND_MODULES:
        importlib.import_module(f"smartcity_analysis.cli.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code (0 ok, 1 work failed, 2 bad input)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except SmartcityError as exc:
        msg = " ".join(str(exc).split("\n"))
        sys.stderr.write(f"smartcity: error: {msg}\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("smartcity: interrupted\n")
        return 130


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
