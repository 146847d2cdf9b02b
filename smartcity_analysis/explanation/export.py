"""The chosen revealed model as a criteria spec that ``rank``, ``robustness`` and ``report`` run.

:func:`revealed_spec` turns the chosen family's fit on all cohorts into a spec dict: its indicators
(with the candidates' declared transforms, per-capita derivations and directions), their weights in
one pillar, its gates as threshold eligibility rules, the engine methods the candidate matrix was
built with (:data:`~.candidates.CANDIDATE_METHODS`: province-median imputation, no outlier
treatment, z-scores), and the framing (cohorts, data years, pool) of the spec that was explained.
The engine's score of the exported spec is then ``sum_j w_j z_j / sum_j w_j``: the fitted model's
score up to a positive factor, so it ranks every region of every data year as the fit did.
:func:`revealed_spec_text` adds a header with the provenance of the fit (data hash, family,
validation figures) and is deterministic: the same data and settings give the same bytes.
"""

from __future__ import annotations

import math
import os
import textwrap
from pathlib import Path

import yaml

from smartcity_analysis.errors import InputError
from smartcity_analysis.explanation.candidates import CANDIDATE_METHODS
from smartcity_analysis.files import write_atomic

__all__ = ["REVEALED_SPEC_ID", "revealed_spec", "revealed_spec_text", "write_revealed_spec"]

REVEALED_SPEC_ID = "revealed_2017_2019"
_WEIGHT_DIGITS = 6


def _level(x: float, op: str) -> float:
    """A gate level at 9 significant digits, rounded so that no region changes side: down for
    ``>=``, up for ``<=`` (the stored tables keep 10 digits, so a cached and a fresh result give
    the same file)."""
    if x == 0 or not math.isfinite(x):
        return float(x)
    e = math.floor(math.log10(abs(x))) - 8
    q = x / 10.0**e
    q = math.floor(q + 1e-6) if op == ">=" else math.ceil(q - 1e-6)
    return float(f"{q * 10.0**e:.9g}")


def _num(x, nd=3) -> str:
    return "-" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.{nd}f}"


def _parts(result):
    """(revealed summary, weights table, candidates table) of an ExplanationResult or a
    RevealedCriteria."""
    summary = getattr(result, "summary", {}) or {}
    rev = summary.get("revealed", summary if "chosen" in summary else None)
    if not rev or "revealed_weights" not in result.tables:
        raise InputError(
            "This explanation has no revealed-criteria search (settings.families is empty), so "
            "there is no chosen model to export. Rerun 'smartcity explain' without '--families' "
            "(all families) and with '--export-spec FILE'."
        )
    return rev, result.tables["revealed_weights"], result.tables["revealed_candidates"]


def revealed_spec(result, spec, *, family: str | None = None, spec_id: str = REVEALED_SPEC_ID) -> dict:
    """The chosen (or a named) family's fit on all cohorts as a criteria spec dict.

    Parameters
    ----------
    result : ExplanationResult or RevealedCriteria
    spec : Spec
        The explained spec: its cohorts, data years and pool are copied.
    family : str, optional
        Default: the chosen family (``summary["revealed"]["chosen"]``).
    spec_id : str

    Returns
    -------
    dict
        Loadable by :func:`smartcity_analysis.spec.load_spec`.
    """
    rev, weights, cands = _parts(result)
    family = family or rev["chosen"]
    rows = weights[weights["method"] == family]
    if rows.empty:
        raise InputError(f"Family {family!r} has no weights in this result; families: "
                         f"{sorted(set(weights['method']))}.")
    cands = cands[cands["candidate"].astype(bool)].set_index("name")
    indicators, pillar, rules, thresholds = [], {}, [], {}
    seen = set()
    for _, r in rows.iterrows():
        code = str(r["indicator"])
        c = cands.loc[r["candidate"]]
        if code not in seen:
            seen.add(code)
            entry = {"code": code, "direction": int(r["direction"])}
            if isinstance(c["transform"], str) and c["transform"]:
                entry["transform"] = c["transform"]
            if isinstance(c["derive_numerator"], str) and c["derive_numerator"]:
                entry["derive"] = {"numerator": c["derive_numerator"],
                                   "denominator": c["derive_denominator"],
                                   "scale": float(c["derive_scale"])}
            entry["note"] = (f"revealed ({family}): weight {r['weight']:.3f}, bootstrap "
                             f"interval [{r['ci_low']:.3f}, {r['ci_high']:.3f}], chosen in "
                             f"{r['stability']:.0%} of the resamples")
            indicators.append(entry)
        # a gate-only indicator is carried with weight 0 (the spec format requires a pillar)
        pillar[code] = round(float(r["weight"]), _WEIGHT_DIGITS)
        if isinstance(r["gate_op"], str) and r["gate_op"]:
            rid = f"gate_{code}"
            level = _level(float(r["gate_level"]), r["gate_op"])
            rules.append({"id": rid, "kind": "threshold", "indicator": code, "op": r["gate_op"],
                          "value": level,
                          "reason": f"{code.upper()}_{'BELOW' if r['gate_op'] == '>=' else 'ABOVE'}"
                                    "_GATE",
                          "note": "gate chosen inside the training cohorts (raw units of the data "
                                  "year)"})
            lo, hi = sorted((float(f"{level * 0.8:.6g}"), float(f"{level * 1.2:.6g}")))
            thresholds[rid] = [lo, hi]
    if not any(v > 0 for v in pillar.values()):
        raise InputError(f"Family {family!r} put no positive weight on any indicator: nothing to "
                         "export.")
    out = {
        "id": spec_id,
        "title": f"Revealed criteria of the 2017-2019 cohorts ({family})",
        "version": "1.0",
        "description": (
            "Generated by 'smartcity explain --export-spec' (do not edit; 'make revealed-spec' "
            "regenerates it). The model over every measured indicator that best explains who was "
            "actually selected, as a criteria spec: weights are revealed by the actual choices, "
            "not published by Kominfo."),
        "cohorts": [{"year": c.year, "size": c.size, "data_year": c.data_year} for c in spec.cohorts],
        "pool": {"previous_cohorts": "actual", "leave_statuses": list(spec.pool.leave_statuses)},
    }
    if rules:
        out["eligibility"] = rules
    out["indicators"] = indicators
    out["pillars"] = [{"id": "revealed", "name": f"Revealed criteria ({family})", "weight": 1,
                       "indicators": pillar}]
    out["methods"] = {k: (dict(v) if isinstance(v, dict) else v) for k, v in CANDIDATE_METHODS.items()}
    out["tie_breaking"] = [{"key": "revealed", "order": "desc"}]
    unc = {"weights": {"kind": "dirichlet", "concentration": 20},
           "normalisations": ["zscore", {"method": "minmax", "lower": 0, "upper": 100},
                              "percentile_rank"],
           "noise": {"relative": 0.02},
           "leave_one_out": sum(v > 0 for v in pillar.values()) > 1}
    if thresholds:
        unc["thresholds"] = thresholds
    out["uncertainty"] = unc
    return out


def _header(rev, family, spec) -> list[str]:
    comp = {r["method"]: r for r in rev["comparison"]}[family]
    lines = [
        "Revealed criteria of the 100 Smart City cohorts 2017-2019: GENERATED, do not edit.",
        "Regenerate: make revealed-spec (smartcity explain --export-spec).",
        "",
        f"Fit provenance: family {family}; framing (cohorts, data years, pool) from spec "
        f"'{spec.id}'; data hash {rev['data_hash']}; outcome definition "
        f"'{rev.get('definition', 'mou')}'; seed {rev['seed']}, {rev['n_perm']} permutations, "
        f"{rev['n_boot']} stability resamples; {rev['n_candidates']} candidate columns.",
        (f"Why this family: {rev['why']}." if family == rev["chosen"] else
         f"Exported on request; the chosen family is {rev['chosen']}: {rev['why']}."),
        f"Mean out-of-sample AUC {_num(comp['mean_auc_out'])} "
        f"[{_num(comp['ci_low'])}, {_num(comp['ci_high'])}], permutation p "
        f"{_num(comp['p_value_mean_auc'])}.",
        "Per held-out cohort (nested leave-one-cohort-out): year AUC_in AUC_out P@k_in P@k_out "
        "Brier p",
    ]
    for r in rev.get("validation_rows", []):
        if r["method"] == family:
            lines.append(f"  {int(r['cohort_year'])} {_num(r['auc_in'])} {_num(r['auc_out'])} "
                         f"{_num(r['precision_at_k_in'])} {_num(r['precision_at_k_out'])} "
                         f"{_num(r['brier_out'], 4)} {_num(r['p_value_out'])}")
    lines += [
        "Weights are over z-scores (engine zscore over all regions of a data year) and sum to one;",
        "gates are eligibility rules in the raw units of the data year. Reading: these describe",
        "which measured indicators best separate the listed regions from the rest of each pool; the",
        "assessment stage (vision, regulation, staff, infrastructure) is not observed, so no model",
        "reaches perfect agreement. Kominfo's own weights were never published.",
    ]
    return lines


def revealed_spec_text(result, spec, *, family: str | None = None,
                       spec_id: str = REVEALED_SPEC_ID) -> str:
    """:func:`revealed_spec` as YAML text with the provenance header (deterministic).

    Parameters
    ----------
    result : ExplanationResult or RevealedCriteria
    spec : Spec
    family : str, optional
    spec_id : str

    Returns
    -------
    str
    """
    rev, _, _ = _parts(result)
    family = family or rev["chosen"]
    if "validation_rows" not in rev:
        val = result.tables["validation"]
        rev = {**rev, "validation_rows": val[val["method"] == family].to_dict("records")}
    body = yaml.safe_dump(revealed_spec(result, spec, family=family, spec_id=spec_id),
                          sort_keys=False, allow_unicode=True, width=100)
    head = "".join(f"# {part}".rstrip() + "\n" for line in _header(rev, family, spec)
                   for part in (textwrap.wrap(line, 96, subsequent_indent="  ") or [""]))
    return head + body


def write_revealed_spec(result, spec, path: str | os.PathLike, *, family: str | None = None) -> Path:
    """Write :func:`revealed_spec_text` to ``path`` atomically.

    Returns
    -------
    pathlib.Path
    """
    p = Path(path)
    if not p.parent.exists():
        raise InputError(f"Parent folder of --export-spec '{p}' does not exist. Create it or choose "
                         "another path.")
    return write_atomic(p, revealed_spec_text(result, spec, family=family))
