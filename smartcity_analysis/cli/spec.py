"""``smartcity spec validate SPEC``: check a criteria spec and summarise it."""

from __future__ import annotations

import argparse


def register(subparsers) -> None:
    """Add the ``spec`` command group."""
    p = subparsers.add_parser(
        "spec",
        help="validate a criteria spec (YAML)",
        description="Work with criteria specs (specs/*.yml).",
    )
    sub = p.add_subparsers(dest="spec_command", metavar="SUBCOMMAND", parser_class=type(p))
    sub.required = True
    v = sub.add_parser(
        "validate",
        help="validate a spec and print a summary; every problem is listed at once",
        description=("Load FILE, report every problem with its YAML path and a fix hint (exit 2), or "
                     "print a summary of the valid spec (exit 0)."),
    )
    v.add_argument("file", metavar="SPEC",
                   help="spec: the path of a YAML file (e.g. my_spec.yml) or a shipped name (kominfo_prescreen)")
    v.set_defaults(func=_validate)


def _validate(args: argparse.Namespace) -> int:
    from smartcity_analysis.spec import resolve_spec

    spec = resolve_spec(args.file)
    measured = [i.code for i in spec.indicators if i.code not in spec.unavailable_indicators]
    print(f"OK {args.file}: spec '{spec.id}' version {spec.version} (hash {spec.spec_hash})")
    print("  cohorts: " + ", ".join(f"{c.year} (size {c.size}, data {c.data_year})" for c in spec.cohorts))
    print(f"  pillars: {', '.join(spec.pillar_ids)}")
    print(f"  computed indicators ({len(measured)}): {', '.join(measured)}")
    if spec.unavailable_indicators:
        print(f"  not computed ({len(spec.unavailable_indicators)}): {', '.join(spec.unavailable_indicators)}")
    if spec.proxies:
        print("  declared proxies: " + ", ".join(f"{i.code} for {i.proxy_for}" for i in spec.proxies))
    print(f"  eligibility rules: {', '.join(r.id for r in spec.eligibility) or 'none'}")
    return 0
