"""``smartcity report``: render a region report (PDF, HTML or executed notebook), or many in batch.

One region::

    smartcity report --region 6372 --cohort 2018 --out reports
    smartcity report --region "Kota Banjarbaru" --format html

Many regions (delegated to :func:`smartcity_analysis.batch.run_batch`)::

    smartcity report --all --cohort 2018 --jobs 2 --resume
    smartcity report --regions 6372,3273 --cohort 2018
    smartcity report --regions regions.txt --scheduler tcp://10.0.0.5:8786

Option names are the fields of :class:`smartcity_analysis.report.ReportParams` (``--region``,
``--cohort``, ``--spec``, ``--draws``, ``--seed``) plus output and batch options.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from smartcity_analysis.batch import run_batch
from smartcity_analysis.curated.regions import load_region_table, resolve_region
from smartcity_analysis.errors import InputError
from smartcity_analysis.report import ReportParams
from smartcity_analysis.results import prepare_shared_results

_DEFAULTS = ReportParams()


def register(subparsers) -> None:
    """Add the ``report`` sub-command."""
    p = subparsers.add_parser(
        "report",
        help="render a region's selection report (PDF/HTML/notebook), or many regions in batch",
        description=(
            "Render the smart-city selection report of one region (why it was or was not selected, "
            "how sure that is, what would change it) as PDF, HTML or executed notebook, written "
            "atomically to OUT/<cohort>/<region_code>-<name>.<ext>. With --all or --regions, render "
            "many regions in parallel."
        ),
    )
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--region",
        metavar="REGION",
        help="BPS code (6372), Kemendagri code (63.72) or name ('Kota Banjarbaru'); a bare 4-digit "
        "code is read as a BPS code first",
    )
    target.add_argument("--all", action="store_true", help="every region of the pool (batch)")
    target.add_argument(
        "--regions",
        metavar="LIST|FILE",
        help="comma-separated region queries, or a file with one query per line (batch)",
    )
    p.add_argument("--cohort", type=int, default=_DEFAULTS.cohort, help="cohort year (default: %(default)s)")
    p.add_argument(
        "--spec",
        default=_DEFAULTS.spec,
        metavar="FILE",
        help="criteria spec: a name in specs/ or a YAML path (default: %(default)s)",
    )
    p.add_argument(
        "--format",
        dest="fmt",
        choices=("pdf", "html", "ipynb"),
        default="pdf",
        help="output format (default: %(default)s)",
    )
    p.add_argument("--out", default="reports", metavar="DIR", help="output directory (default: %(default)s)")
    p.add_argument(
        "--draws",
        type=int,
        default=_DEFAULTS.draws,
        metavar="N",
        help="Monte Carlo draws of the robustness analysis (default: %(default)s)",
    )
    p.add_argument("--seed", type=int, default=_DEFAULTS.seed, metavar="S", help="random seed (default: %(default)s)")
    p.add_argument("--timings", action="store_true",
                   help="with --region: print on stderr where the time went (kernel start-up, notebook, "
                   "HTML, PDF, writing)")
    batch = p.add_argument_group("batch options (with --all or --regions)")
    batch.add_argument("--jobs", type=int, default=2, metavar="N", help="parallel workers (default: %(default)s)")
    batch.add_argument("--resume", action="store_true", help="skip regions whose report is already complete")
    batch.add_argument("--scheduler", metavar="ADDR", default=None, help="Dask scheduler address (scale out)")
    p.set_defaults(func=run)


def _batch_regions(args) -> list[str] | None:
    """Region queries of a batch run: None for --all, else the list from --regions."""
    if args.all:
        return None
    value = args.regions
    path = Path(value)
    if path.is_file():
        lines = path.read_text(encoding="utf-8").splitlines()
        items = [ln.split("#", 1)[0].strip() for ln in lines]
    else:
        items = [v.strip() for v in value.split(",")]
    items = [i for i in items if i]
    if not items:
        raise InputError(f"--regions '{value}' lists no region. Give codes or names, comma-separated, or a file.")
    return items


def run(args: argparse.Namespace) -> int:
    """Execute ``smartcity report``; returns the exit code."""
    if args.region is not None:
        # nbconvert (via rendering) takes ~0.5 s to import; every `smartcity` command imports this
        # module to register its parser, so only a report run pays for it.
        from smartcity_analysis.rendering import STAGES, render_single, stage_times

        params = ReportParams(
            region=str(args.region), cohort=args.cohort, spec=args.spec, draws=args.draws, seed=args.seed
        ).validate()
        resolve_region(params.region)  # a bad region fails in one line before anything is computed
        path = render_single(params, args.out, args.fmt, prepare=lambda: prepare_shared_results(
            cohort=params.cohort, spec=params.spec, draws=params.draws, seed=params.seed))
        print(path)
        if args.timings:
            times = stage_times()
            sys.stderr.write("smartcity: seconds per stage: " + ", ".join(
                f"{s} {times[s]:.2f}" for s in STAGES if s in times) + "\n")
        return 0
    regions = _batch_regions(args)
    if regions is None:
        regions = list(load_region_table().index)
    else:
        regions = [resolve_region(r) for r in regions]
    if args.jobs < 1:
        raise InputError(f"--jobs must be >= 1. Got {args.jobs}.")
    summary = run_batch(
        regions,
        cohort=args.cohort,
        spec=args.spec,
        out_dir=args.out,
        fmt=args.fmt,
        jobs=args.jobs,
        resume=args.resume,
        scheduler=args.scheduler,
        draws=args.draws,
        seed=args.seed,
    )
    failed = getattr(summary, "failed", [])
    if failed:
        sys.stderr.write(f"smartcity: {len(failed)} report(s) failed; see the batch manifest\n")
        return 1
    return 0
