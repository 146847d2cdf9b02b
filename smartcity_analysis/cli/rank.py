"""``smartcity rank --spec SPEC [--cohort YEAR] --out FILE [--format csv|json|parquet]``."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

FORMATS = ("csv", "json", "parquet")


def register(subparsers) -> None:
    """Add the ``rank`` command."""
    p = subparsers.add_parser(
        "rank",
        help="score, rank and select the regions of a cohort under a criteria spec",
        description=("Build the index of a spec on the real data, apply the pool and eligibility rules, "
                     "select each cohort in sequence, and write one row per region (514 per cohort)."),
    )
    p.add_argument("--spec", required=True, metavar="SPEC",
                   help="criteria spec: a shipped name (e.g. kominfo_prescreen) or the path of a YAML file")
    p.add_argument("--cohort", type=int, default=None, metavar="YEAR",
                   help="cohort year (default: every cohort of the spec, stacked)")
    p.add_argument("--out", required=True, metavar="FILE", help="output file")
    p.add_argument("--format", choices=FORMATS, default=None,
                   help="output format (default: from the file extension, else csv)")
    p.set_defaults(func=_rank)


def _format(args) -> str:
    if args.format:
        return args.format
    ext = Path(args.out).suffix.lower().lstrip(".")
    return ext if ext in FORMATS else "csv"


def write_table(table, path: str | os.PathLike, fmt: str) -> None:
    """Write ``table`` as ``fmt`` through the one atomic writer (:func:`smartcity_analysis.files.write_atomic`).

    Raises
    ------
    InputError
        When the output folder does not exist, or parquet is asked for without pyarrow.
    """
    from smartcity_analysis.errors import InputError
    from smartcity_analysis.files import write_atomic

    path = Path(path)
    if not path.parent.exists():
        raise InputError(f"Output folder '{path.parent}' does not exist. Create it or choose another --out.")

    def write(tmp: str) -> None:
        if fmt == "csv":
            table.to_csv(tmp, index=False, float_format="%.10g", lineterminator="\n")
        elif fmt == "json":
            table.to_json(tmp, orient="records", indent=1, double_precision=10)
        else:
            try:
                table.to_parquet(tmp, index=False)
            except ImportError as exc:
                raise InputError("Writing parquet needs pyarrow (pip install pyarrow); use --format csv "
                                 "or json.") from exc

    write_atomic(path, write)


def _rank(args: argparse.Namespace) -> int:
    from smartcity_analysis import api
    from smartcity_analysis.engine.selection import quota_effect, reason_counts
    from smartcity_analysis.errors import InputError
    from smartcity_analysis.spec import resolve_spec

    if not Path(args.out).resolve().parent.is_dir():
        raise InputError(f"Output folder '{Path(args.out).parent}' does not exist. Create it or choose "
                         "another --out.")
    spec = resolve_spec(args.spec)
    if args.cohort is not None:
        spec.cohort(args.cohort)  # fail fast on an undeclared cohort
    import pandas as pd

    runs = api.cohorts(spec, until=args.cohort, diagnostics=False)
    years = [args.cohort] if args.cohort is not None else list(runs)
    table = pd.concat([runs[y].table for y in years], ignore_index=True)
    fmt = _format(args)
    write_table(table, args.out, fmt)
    for year in years:
        run = runs[year]
        block = run.table
        n_el = int((block["eligible"] & block["in_pool"]).sum())
        print(f"cohort {year} (data {run.cohort.data_year}): {len(block)} regions, {int(block['in_pool'].sum())} "
              f"in pool, {n_el} eligible in pool, {len(run.selected)} selected of {run.cohort.size}")
        ex = run.result.excluded
        if len(ex):
            print("  not computed: " + ", ".join(f"{r.indicator} ({r.reason})" for r in ex.itertuples()))
        if run.result.dropped_pillars:
            print(f"  pillars without data (weights renormalised): {', '.join(run.result.dropped_pillars)}")
        counts = reason_counts(block)
        if counts:
            print("  eligibility failures in pool (reason code: regions): "
                  + ", ".join(f"{code}: {n}" for code, n in counts.items()))
        for rid in run.skipped_rules:
            rule = next(r for r in spec.eligibility if r.id == rid)
            print(f"  eligibility rule {rid} ({rule.reason}) NOT APPLIED: its indicator {rule.indicator} has no "
                  f"data for data year {run.cohort.data_year}, so nobody is gated on it in this cohort")
        if spec.quotas.active:
            taken_in, left_out = quota_effect(run)
            if taken_in or left_out:
                print(f"  quotas bind: {len(taken_in)} region(s) taken in ({', '.join(taken_in)}) in place of "
                      f"{len(left_out)} above the cutoff ({', '.join(left_out)})")
            else:
                print("  quotas do not bind (the first regions of the order already meet them)")
        if run.shortfall:
            print(f"  shortfall: {run.shortfall} places left empty (too few eligible regions or quotas)")
    print(f"wrote {args.out} ({fmt}, {len(table)} rows)")
    return 0
