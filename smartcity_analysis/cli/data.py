"""``smartcity data build`` and ``smartcity data check``."""

from __future__ import annotations

import argparse
import sys


def register(subparsers) -> None:
    """Add the ``data`` command group."""
    p = subparsers.add_parser(
        "data",
        help="build the curated data tables from the raw sources, or check them",
        description="Build data/ from the raw sources (../shared/data-raw) or check the built tables.",
    )
    sub = p.add_subparsers(dest="data_command", metavar="SUBCOMMAND", parser_class=type(p))
    sub.required = True

    b = sub.add_parser(
        "build",
        help="rebuild data/ from the raw sources (deterministic)",
        description=(
            "Read every raw source and write the curated tables (regions.csv, indicators.csv, "
            "indicators_secondary.csv, indicators.yml, sources.yml, datapackage.json, "
            "boundaries.geojson, programme/cohorts.csv). Same inputs give the same bytes."
        ),
    )
    b.add_argument("--raw-dir", metavar="DIR", default=None,
                   help="raw-data directory (default: ../shared/data-raw, else $SMARTCITY_RAW_DIR)")
    b.add_argument("--programme-dir", metavar="DIR", default=None,
                   help="folder with selected_regions_2017_2019.csv (default: 'programme' beside "
                        "the raw directory)")
    b.add_argument("--out", metavar="DIR", default=None,
                   help="output directory (default: the package's data/ or $SMARTCITY_DATA_DIR)")
    b.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    b.set_defaults(func=_build)

    c = sub.add_parser(
        "check",
        help="print the coverage table, cross-source disagreements and swapped-code check",
        description=(
            "Print a coverage table (indicator x year -> number of regions with a value), the "
            "cross-source disagreements where two sources give the same indicator and year, the "
            "source seams, and the DJPK cross-source checks (IPM and population vs BPS, PAD "
            "continuity after INDO-DAPOER) with a check for swapped region codes between sources."
        ),
    )
    c.add_argument("--years", metavar="Y0-Y1", default="2010-2024",
                   help="year range of the coverage table (default 2010-2024)")
    c.add_argument("--tolerance", metavar="PCT", type=float, default=1.0,
                   help="relative difference (percent) above which two sources disagree (default 1)")
    c.add_argument("--max-rows", metavar="N", type=int, default=10,
                   help="largest disagreements listed per indicator (default 10)")
    c.set_defaults(func=_check)


def _build(args: argparse.Namespace) -> int:
    from smartcity_analysis.databuild import build

    result = build(args.raw_dir, args.programme_dir, args.out, progress=not args.no_progress)
    for path in result.written:
        print(f"wrote {path}")
    print(f"{len(result.regions)} regions, {len(result.indicators)} indicator values "
          f"({result.indicators['indicator'].nunique()} indicators), "
          f"{len(result.cohorts)} cohort rows")
    return 0


def _check(args: argparse.Namespace) -> int:
    from smartcity_analysis.curated import checks
    from smartcity_analysis.errors import InputError

    try:
        y0, y1 = (int(x) for x in args.years.split("-"))
    except ValueError:
        raise InputError(f"--years must look like 2010-2024; got {args.years!r}.") from None
    if args.tolerance < 0 or args.max_rows < 0:
        raise InputError("--tolerance and --max-rows must be non-negative.")
    report = checks.check_data(years=range(y0, y1 + 1), tolerance_pct=args.tolerance)
    sys.stdout.write(checks.format_report(report, max_rows=args.max_rows))
    return 0
