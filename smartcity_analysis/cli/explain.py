"""``smartcity explain --spec SPEC [--out DIR] [--bootstrap N] ...``: explain the actual cohorts."""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

from smartcity_analysis.files import write_atomic


def register(subparsers) -> None:
    """Add the ``explain`` command."""
    from smartcity_analysis.explanation import ExplanationSettings
    from smartcity_analysis.explanation.agreement import OUTCOME_DEFINITIONS
    from smartcity_analysis.explanation.models import MODEL_FAMILIES
    from smartcity_analysis.explanation.revealed import REVEALED_METHODS

    # the defaults are those of ExplanationSettings, so the CLI fills the cache entry the reports load
    d = ExplanationSettings()
    p = subparsers.add_parser(
        "explain",
        help="how well a spec's measured criteria explain the actual 2017-2019 cohorts",
        description=(
            "Compare a spec's nominal selection with the actual cohorts (precision, recall, ROC AUC, "
            "precision at k), fit the non-negative weights the actual choices reveal (logistic and "
            "max-margin LP, bootstrap intervals, leave-one-cohort-out validation), list rank "
            "extremes, and compute per region what it would take to reach the cutoff. Results are "
            "cached; --out writes the tables (CSV) and summary.json. Method: docs/explanation.md."
        ),
    )
    p.add_argument("--spec", required=True, metavar="SPEC",
                   help="criteria spec: a shipped name (e.g. kominfo_prescreen) or the path of a YAML file")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="folder for the tables and summary.json (created if missing; default: "
                        "print and cache only)")
    p.add_argument("--bootstrap", type=int, default=d.n_boot, metavar="N",
                   help=f"bootstrap replicates per weight fit (default {d.n_boot}; 0 = no intervals)")
    p.add_argument("--seed", type=int, default=d.seed, metavar="S",
                   help=f"bootstrap seed (default {d.seed})")
    p.add_argument("--definition", choices=sorted(OUTCOME_DEFINITIONS), default=d.definition,
                   help="which cohort statuses count as selected (default mou: on the MoU list)")
    p.add_argument("--level", choices=("pillar", "indicator"), default=d.level,
                   help="revealed weights over the spec's pillars/criteria or its indicators")
    p.add_argument("--methods", nargs="+", choices=sorted(REVEALED_METHODS),
                   default=list(d.methods), help="revealed-weight methods")
    p.add_argument("--C", type=float, default=d.C, metavar="C", dest="C",
                   help=f"inverse L2 regularisation of the logistic method (default {d.C})")
    p.add_argument("--nu", type=float, default=d.nu, metavar="NU",
                   help=f"margin-error bound of the LP method, in (0, 1] (default {d.nu})")
    p.add_argument("--anomalies", type=int, default=d.n_anomalies, metavar="N",
                   help=f"rows per group in the rank-extremes table (default {d.n_anomalies})")
    p.add_argument("--no-verify", action="store_true",
                   help="skip re-running counterfactuals through the real build (faster)")
    p.add_argument("--families", nargs="*", choices=sorted(MODEL_FAMILIES),
                   default=list(d.families), metavar="FAMILY",
                   help="model families of the revealed-criteria search over every measured "
                        f"indicator (default: all: {', '.join(d.families)}; none = no search)")
    p.add_argument("--permutations", type=int, default=d.n_perm, metavar="N",
                   help=f"label shuffles of the permutation test (default {d.n_perm})")
    p.add_argument("--stability", type=int, default=d.n_stability, metavar="N",
                   help="bootstrap replicates of the stability of the chosen indicators "
                        f"(default {d.n_stability})")
    p.add_argument("--export-spec", default=None, metavar="FILE",
                   help="write the chosen revealed model as a criteria spec (YAML) that rank, "
                        "robustness and report run unchanged")
    p.add_argument("--refresh", action="store_true", help="recompute even if cached")
    p.add_argument("--no-progress", action="store_true", help="hide progress bars")
    p.set_defaults(func=_explain)


def write_explanation(result, out: str | os.PathLike) -> list[Path]:
    """Write every table as ``<name>.csv`` and the summary as ``summary.json`` into ``out``.

    Each file is written to a temporary name and renamed, so no half-written file is left behind.
    """
    from smartcity_analysis.errors import InputError

    out = Path(out)
    if not out.parent.exists():
        raise InputError(f"Parent folder of --out '{out}' does not exist. Create it or choose "
                         "another --out.")
    out.mkdir(exist_ok=True)
    written = []
    for name, table in result.tables.items():
        path = out / f"{name}.csv"
        write_atomic(path, lambda tmp, t=table: t.to_csv(tmp, index=False, float_format="%.10g",
                                                         lineterminator="\n"))
        written.append(path)
    path = out / "summary.json"

    def dump(tmp):
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(result.summary, fh, indent=1, allow_nan=False, default=str)
            fh.write("\n")

    write_atomic(path, dump)
    written.append(path)
    return written


def _f(x, nd=2) -> str:
    return "  -  " if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{nd}f}"


def format_report(result) -> str:
    """Plain-text summary: per cohort agreement and in/out-of-sample scores, then revealed weights."""
    s = result.summary
    val = result.tables["validation"]
    lines = [f"spec {s['spec_id']} ({s['spec_hash']}); outcome definition "
             f"'{s['settings']['definition']}'; criteria: {', '.join(s['criteria'])}"]
    if s.get("not_measured"):
        lines.append(f"not measured (declared unavailable, in no fit): {', '.join(s['not_measured'])}")
    lines.append(f"outcome definition: {s['outcome_definition']}")
    for c in s["cohorts"]:
        for q in c.get("quirks", []):
            role = {"selected": "counted as selected", "not_selected": "counted as not selected",
                    "excluded": "left out of the evaluation",
                    "left_pool": "not in the pool (left earlier)"}[q["role"]]
            earlier = f" (earlier: {q['earlier']})" if q["earlier"] else ""
            lines.append(f"  {c['cohort_year']}: {q['region_code']} {q['name']}: status "
                         f"{q['status']}{earlier} -> {role}")
    lines.append("")
    lines.append("agreement and validation per cohort (AUC / precision at k, k = actual cohort size)")
    head = f"{'cohort':>6} {'pool':>5} {'actual':>6} {'method':<9} {'prec':>5} {'recall':>6} " \
           f"{'AUC in':>7} {'P@k in':>7} {'AUC out':>8} {'P@k out':>8}"
    lines.append(head)
    rev = s.get("revealed")
    if rev:
        val = val[~val["method"].isin(rev["families"])]
    for c in s["cohorts"]:
        y = c["cohort_year"]
        lines.append(f"{y:>6} {c['n_pool']:>5} {c['n_actual']:>6} {'spec':<9} "
                     f"{_f(c['precision']):>5} {_f(c['recall']):>6} {_f(c['auc']):>7} "
                     f"{_f(c['precision_at_k']):>7} {'(not fitted)':>17}")
        for _, r in val[(val["cohort_year"] == y) & (val["method"] != "spec")].iterrows():
            lines.append(f"{'':>6} {'':>5} {'':>6} {r['method']:<9} {'':>5} {'':>6} "
                         f"{_f(r['auc_in']):>7} {_f(r['precision_at_k_in']):>7} "
                         f"{_f(r['auc_out']):>8} {_f(r['precision_at_k_out']):>8}")
    lines.append("")
    lines.append("rank in the pool of each actually selected region under the spec's score "
                 "(* = in the spec's nominal selection)")
    for c in s["cohorts"]:
        ranks = ", ".join(f"{r['rank_in_pool']}{'*' if r['nominal'] else ''}"
                          for r in c.get("actual_ranks", []))
        lines.append(f"{c['cohort_year']:>6}  {ranks}")
    w = result.tables["weights"]
    level = int(round(100 * s["settings"]["ci_level"]))
    lines.append("")
    lines.append(f"revealed weights (pooled over cohorts; {level}% bootstrap interval, "
                 f"{s['settings']['n_boot']} replicates; spec = the spec's own weight)")
    lines.append(f"{'method':<9} {'criterion':<28} {'weight':>6} {'interval':>15} {'spec':>5}  note")
    for _, r in w[w["fit"] == "pooled"].iterrows():
        ci = f"[{_f(r['ci_low'])}, {_f(r['ci_high'])}]"
        note = r["note"] if isinstance(r["note"], str) and r["note"] else ""
        if not r["identified"]:
            note = "NOT IDENTIFIED: " + note
        bound = r.get("bound_note", "")
        if isinstance(bound, str) and bound:
            note = f"{note}; {bound}" if note else bound
        lines.append(f"{r['method']:<9} {str(r['criterion'])[:28]:<28} {_f(r['weight']):>6} "
                     f"{ci:>15} {_f(r['nominal_weight']):>5}  {note}")
    fits = [f for f in w["fit"].drop_duplicates() if f != "pooled"]
    if fits:
        lines.append("")
        lines.append("revealed weights fitted on each cohort alone (weight [interval])")
        lines.append(f"{'method':<9} {'criterion':<28} " + " ".join(f"{f:>20}" for f in fits))
        for (method, crit), g in w[w["fit"] != "pooled"].groupby(["method", "criterion"],
                                                                  sort=False):
            cells = []
            for f in fits:
                r = g[g["fit"] == f]
                cells.append("" if r.empty else
                             f"{_f(r['weight'].iloc[0])} [{_f(r['ci_low'].iloc[0])}, "
                             f"{_f(r['ci_high'].iloc[0])}]{'' if r['identified'].iloc[0] else '!'}")
            lines.append(f"{method:<9} {str(crit)[:28]:<28} " + " ".join(f"{c:>20}" for c in cells))
        lines.append("(! = not identified; the reason is in weights.csv)")
    for wtext in s.get("warnings", []):
        lines.append(f"warning: {wtext}")
    if rev:
        lines.append("")
        lines.extend(format_revealed(result))
    cr = result.tables["counterfactual_regions"]
    lines.append("")
    lines.append("what it would take (regions per outcome)")
    for y, g in cr.groupby("cohort_year"):
        counts = g["outcome"].where(~g["outcome"].str.startswith("ineligible"),
                                    "ineligible").value_counts()
        lines.append(f"{y:>6}  " + "; ".join(f"{k}: {v}" for k, v in counts.items()))
    return "\n".join(lines)


def format_revealed(result) -> list[str]:
    """Lines of the revealed-criteria search: validation per family and held-out cohort, the
    comparison of the families and the chosen model's weights and gates."""
    rev = result.summary["revealed"]
    val = result.tables["validation"]
    val = val[val["method"].isin(rev["families"])]
    lines = [f"revealed criteria: every measured indicator ({rev['n_candidates']} candidate columns; "
             f"nested leave-one-cohort-out, {rev['n_perm']} within-pool label permutations)",
             f"{'method':<20} {'cohort':>6} {'AUC in':>7} {'AUC out':>8} {'P@k in':>7} "
             f"{'P@k out':>8} {'Brier':>6} {'p out':>6}"]
    for _, r in val.iterrows():
        lines.append(f"{r['method']:<20} {int(r['cohort_year']):>6} {_f(r['auc_in']):>7} "
                     f"{_f(r['auc_out']):>8} {_f(r['precision_at_k_in']):>7} "
                     f"{_f(r['precision_at_k_out']):>8} {_f(r['brier_out'], 3):>6} "
                     f"{_f(r['p_value_out'], 3):>6}")
    level = int(round(100 * result.summary["settings"]["ci_level"]))
    lines.append("")
    lines.append(f"mean out-of-sample AUC over the cohorts ({level}% paired-bootstrap interval; "
                 "separable = the interval of the difference to the chosen model excludes 0)")
    for r in rev["comparison"]:
        sep = "chosen" if r["method"] == rev["chosen"] else (
            "separable" if r["separable_from_chosen"] else "not separable")
        lines.append(f"{r['method']:<20} {_f(r['mean_auc_out'], 3):>6} "
                     f"[{_f(r['ci_low'], 3)}, {_f(r['ci_high'], 3)}]  p {_f(r['p_value_mean_auc'], 3)}"
                     f"  {r['n_terms']} indicator(s)  {sep}")
    lines.append("")
    lines.append(f"chosen model: {rev['chosen']} - {rev['why']}")
    lines.append(f"{'candidate':<36} {'role':<10} {'weight':>6} {'interval':>15} {'stable':>6}")
    for r in rev["chosen_model"]["weights"]:
        gate = (f"  gate {r['gate_op']} {r['gate_level']:.6g}" if r.get("gate_op") else "")
        lines.append(f"{r['candidate'][:36]:<36} {r['role']:<10} {_f(r['weight'], 3):>6} "
                     f"[{_f(r['ci_low'])}, {_f(r['ci_high'])}] {_f(r['stability']):>6}{gate}")
    return lines


def settings_from_args(args: argparse.Namespace):
    """The :class:`~smartcity_analysis.explanation.ExplanationSettings` of parsed CLI options."""
    from smartcity_analysis.explanation import ExplanationSettings

    return ExplanationSettings(definition=args.definition, level=args.level,
                               methods=tuple(args.methods), n_boot=args.bootstrap,
                               seed=args.seed, C=args.C, nu=args.nu,
                               n_anomalies=args.anomalies, verify=not args.no_verify,
                               families=tuple(args.families), n_perm=args.permutations,
                               n_stability=args.stability)


def _explain(args: argparse.Namespace) -> int:
    from smartcity_analysis.errors import InputError
    from smartcity_analysis.explanation import load_or_run_explanation
    from smartcity_analysis.spec import resolve_spec

    if args.bootstrap < 0:
        raise InputError(f"--bootstrap must be 0 or a positive integer. Got {args.bootstrap}.")
    if args.anomalies < 1:
        raise InputError(f"--anomalies must be a positive integer. Got {args.anomalies}.")
    if args.permutations < 0 or args.stability < 0:
        raise InputError(f"--permutations and --stability must be 0 or positive. Got "
                         f"{args.permutations} and {args.stability}.")
    if args.export_spec and not args.families:
        raise InputError("--export-spec needs the revealed-criteria search; give --families (or "
                         "leave the default: all families).")
    if args.out and not Path(args.out).parent.exists():
        raise InputError(f"Parent folder of --out '{args.out}' does not exist. Create it or choose "
                         "another --out.")
    spec = resolve_spec(args.spec)
    settings = settings_from_args(args)
    result = load_or_run_explanation(spec, settings=settings, refresh=args.refresh,
                                     progress=not args.no_progress)
    print(format_report(result))
    if args.out:
        files = write_explanation(result, args.out)
        print(f"\nwrote {len(files)} files to {args.out}")
    if args.export_spec:
        from smartcity_analysis.explanation.export import write_revealed_spec

        path = write_revealed_spec(result, spec, args.export_spec)
        print(f"wrote the chosen revealed model as a spec to {path}")
    return 0
