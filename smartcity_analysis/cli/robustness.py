"""``smartcity robustness --spec SPEC [--cohort YEAR] --draws N --seed S --out DIR``.

Monte Carlo robustness of a spec's cohort selection (P(selected), rank intervals, robustness class),
Sobol sensitivity and possible/necessary selection; results are cached so reports only load them.
Method: docs/robustness.md.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

from smartcity_analysis.files import write_atomic


def register(subparsers) -> None:
    """Add the ``robustness`` command."""
    from smartcity_analysis.robustness import RobustnessSettings

    # the defaults are those of RobustnessSettings (draws and seed through for_spec, so a spec's
    # uncertainty.draws/seed still win), so the CLI fills the cache entry the reports load
    d = RobustnessSettings()
    p = subparsers.add_parser(
        "robustness",
        help="probability of selection, rank intervals, Sobol sensitivity, possible/necessary",
        description=(
            "Draw the uncertain choices declared in the spec's 'uncertainty' block (weights, "
            "normalisation, aggregation, imputation, eligibility thresholds, value noise, "
            "leave-one-indicator-out), recompute the cohort selection for every draw (vectorised), "
            "and write per region P(eligible), P(selected), rank median and 5-95 % interval and a "
            "robustness class; per cohort the expected set, mean Jaccard to the nominal selection and "
            "the contestable regions; Sobol indices (SALib) and possible/necessary selection (LP). "
            "Results are cached per (spec, data, cohort, draws, seed, Sobol size). Method: "
            "docs/robustness.md."
        ),
    )
    p.add_argument("--spec", required=True, metavar="SPEC",
                   help="criteria spec: a shipped name (e.g. kominfo_prescreen) or the path of a YAML file")
    p.add_argument(
        "--cohort",
        type=int,
        default=None,
        metavar="YEAR",
        help="cohort year (default: every cohort of the spec)",
    )
    p.add_argument(
        "--draws",
        type=int,
        default=None,
        metavar="N",
        help=f"Monte Carlo draws (default: the spec's uncertainty.draws, else {d.draws})",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="S",
        help=f"random seed (default: the spec's uncertainty.seed, else {d.seed})",
    )
    p.add_argument(
        "--sobol",
        type=int,
        default=d.sobol_base,
        metavar="N",
        help=f"Sobol base sample, a power of two (default {d.sobol_base}; 0 skips Sobol)",
    )
    p.add_argument(
        "--out",
        default=None,
        metavar="DIR",
        help="folder for the tables and summary.json (created if missing; default: "
        "print and cache only)",
    )
    p.add_argument("--refresh", action="store_true", help="recompute even if cached")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.set_defaults(func=_robustness)


def _clean(obj):
    """JSON-safe copy (NaN -> None)."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def write_robustness(results: dict, out: str | os.PathLike) -> list[Path]:
    """Write the tables of every cohort and one ``summary.json`` into ``out``.

    Per cohort: ``regions_<year>.csv`` (``p_selected``, ``confidence``, one
    ``central_weight_<criterion>`` per criterion, ...), ``winning_<year>.csv`` (``region, rival,
    p_above``), ``stability_<year>.csv`` (``criterion, weight, low, high, enters_low, leaves_low,
    enters_high, leaves_high``), ``region_stability_<year>.csv``, ``scenarios_<year>.csv`` ("without
    indicator X") and ``sobol_<year>.csv``. ``summary.json`` holds each cohort's summary, its
    ``audit`` figures included. ``results`` maps cohort year ->
    :class:`~smartcity_analysis.robustness.RobustnessResult`. Every file goes through
    :func:`smartcity_analysis.files.write_atomic`: nothing half-written is left behind.
    """
    from smartcity_analysis.errors import InputError

    out = Path(out)
    if not out.parent.exists():
        raise InputError(
            f"Parent folder of --out '{out}' does not exist. Create it or choose another --out."
        )
    out.mkdir(exist_ok=True)
    written = []
    for year, res in results.items():
        tables = (
            ("regions", res.regions.reset_index()),
            ("winning", res.winning.rename(columns={"region_code": "region"})),
            ("stability", res.stability),
            ("region_stability", res.region_stability),
            ("scenarios", res.scenarios),
            ("sobol", res.sobol),
        )
        for name, table in tables:
            path = out / f"{name}_{year}.csv"
            write_atomic(
                path,
                lambda tmp, t=table: t.to_csv(
                    tmp, index=False, float_format="%.10g", lineterminator="\n"
                ),
            )
            written.append(path)
    path = out / "summary.json"
    summary = {str(y): _clean(dict(r.summary)) for y, r in results.items()}
    write_atomic(path, json.dumps(summary, indent=1, sort_keys=True) + "\n")
    written.append(path)
    return written


def _robustness(args) -> int:
    from smartcity_analysis.robustness import RobustnessSettings, run_robustness
    from smartcity_analysis.spec import resolve_spec

    spec = resolve_spec(args.spec)
    settings = RobustnessSettings.for_spec(
        spec, draws=args.draws, seed=args.seed, sobol_base=args.sobol
    )
    years = (
        [spec.cohort(args.cohort).year]
        if args.cohort is not None
        else [c.year for c in spec.cohorts]
    )
    results = {}
    for year in years:
        res = run_robustness(
            spec,
            settings,
            cohort=year,
            progress=not args.no_progress,
            refresh=args.refresh,
        )
        results[year] = res
        s = res.summary
        print(
            f"cohort {year} (k={s['k']}, {s['draws']} draws, seed {s['seed']}): mean Jaccard to the "
            f"nominal selection {s['mean_jaccard']:.3f} (5-95 %: {s['jaccard_p05']:.3f}-"
            f"{s['jaccard_p95']:.3f}); robustly in {s['n_robustly_in']}, contestable "
            f"{s['n_contestable']}, robustly out {s['n_robustly_out']}"
        )
        a = s.get("audit", {})
        if a:
            o = a["actual_outside_top_k"]
            print(
                f"  audit: {o['nominal']} of the {a['n_actual']} actual picks outside the model's top "
                f"{a['k']} (Monte Carlo {o['mean']:.1f}, 5-95 %: {o['p05']:.0f}-{o['p95']:.0f}); "
                f"{a['actual_failing_gate']['nominal']} fail a gate; mean confidence "
                f"{s['mean_confidence'] or float('nan'):.2f}, decision entropy "
                f"{s['decision_entropy_bits']:.1f} bits"
            )
        print(f"  Sobol: {s['sobol_note']}")
    if args.out:
        for path in write_robustness(results, args.out):
            print(f"wrote {path}")
    return 0
