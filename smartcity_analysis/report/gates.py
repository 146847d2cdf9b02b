"""How a spec's gates read in the documents: a rule's level and declared range, a region's value in the
indicator's own terms (BPK opinion as WTP/WDP/TW/TMP, money in bn IDR, 0/1 as yes/no), the v2 model of
each criterion (gate / scored / quota / unavailable) and what the gates and quotas did in each cohort.

Shared by the region report's decision box (:mod:`smartcity_analysis.report.decision`) and the national
overview's criteria table (:mod:`smartcity_analysis.overview`), so both say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from smartcity_analysis.engine.selection import quota_effect, reason_counts

#: How a comparison operator reads in a level.
OPS = {">=": "≥", ">": ">", "<=": "≤", "<": "<", "==": "=", "!=": "≠"}

#: Label of a region the registry lists under ``missing_regions`` (the six DKI Jakarta administrative
#: units: no budget of their own, so no DJPK value; see data/indicators.yml).
MISSING_BY_NATURE = "missing by nature (no own budget)"


def _num(x: Any) -> bool:
    try:
        return x is not None and np.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _g(x: float) -> str:
    """A level or a bound: no trailing zeros (80, 2.5, 0.75)."""
    return f"{float(x):,.2f}".rstrip("0").rstrip(".")


def _labels(entry: Mapping) -> dict[int, str]:
    """Short labels of an ordinal indicator (``4: "WTP - ..."`` -> ``{4: "WTP"}``)."""
    raw = entry.get("labels") or {}
    return {int(k): str(v).split(" - ")[0].strip() for k, v in raw.items()}


def value_text(code: str, value: Any, registry: Mapping[str, Mapping]) -> str:
    """A region's value of ``code`` in the indicator's own terms.

    ``bpk_opinion`` 4 -> ``"WTP"``; a billion-IDR value -> ``"327.9 bn IDR"``; a 0/1 value -> ``"yes (1)"``
    / ``"no (0)"``; missing -> ``"missing"``.
    """
    if not _num(value):
        return "missing"
    entry = registry.get(code) or {}
    v = float(value)
    labels = _labels(entry)
    if labels and int(round(v)) in labels:
        return labels[int(round(v))]
    unit = str(entry.get("unit") or "")
    if unit == "billion IDR":
        return f"{v:,.1f} bn IDR"
    if unit == "0/1":
        return "yes (1)" if v >= 0.5 else "no (0)"
    return f"{v:,.2f}".rstrip("0").rstrip(".") + (f" {unit}" if unit and unit not in ("index", "score") else "")


def _ordinal_pass(labels: dict[int, str], op: str, level: float) -> str:
    """Which labels pass ``code op level`` (ordinal indicators with ``>=``/``>``)."""
    passing = sorted(c for c in labels if (c >= level if op == ">=" else c > level))
    if not passing:
        return "nobody"
    if len(passing) == 1:
        return f"{labels[passing[0]]} only"
    return f"{labels[passing[0]]} or better"


def level_text(rule, registry: Mapping[str, Mapping], value: float | None = None) -> str:
    """The nominal level of an eligibility rule (``value`` overrides the rule's own level).

    Threshold on an ordinal: ``"WDP or better (≥ 3)"``; on money: ``"≥ 80 bn IDR"``; on 0/1: ``"yes (≥ 1)"``;
    completeness: ``"≥ 75 % of the indicators observed"``; region type: ``"one of kota"``.
    """
    if rule.kind == "threshold":
        t = rule.value if value is None else value
        entry = registry.get(rule.indicator) or {}
        labels = _labels(entry)
        unit = str(entry.get("unit") or "")
        op = OPS.get(rule.op, rule.op)
        if labels and rule.op in (">=", ">"):
            return f"{_ordinal_pass(labels, rule.op, t)} ({op} {_g(t)})"
        if unit == "billion IDR":
            return f"{op} {_g(t)} bn IDR"
        if unit == "0/1" and rule.op in (">=", ">"):
            return f"yes ({op} {_g(t)})"
        return f"{op} {_g(t)}" + (f" {unit}" if unit else "")
    if rule.kind == "completeness":
        share = rule.min_share if value is None else value
        return f"≥ {_g(100 * share)} % of the indicators observed"
    return "one of " + ", ".join(rule.allowed)


def threshold_range(spec, rule_id: str) -> tuple[float, float] | None:
    """``(low, high)`` declared for a rule in the spec's ``uncertainty.thresholds`` (None when none)."""
    unc = getattr(spec, "uncertainty", None)
    for rid, lo, hi in (unc.thresholds if unc is not None else ()):
        if rid == rule_id:
            return float(lo), float(hi)
    return None


def range_text(spec, rule, registry: Mapping[str, Mapping]) -> str:
    """The declared range of a rule's level, in the indicator's terms, or why there is none.

    ``budget_level`` [40, 180] -> ``"40–180 bn IDR"``; ``admin_bpk`` [2.5, 3.5] -> ``"2.5–3.5: WDP or
    better … WTP only"``; a 0/1 rule -> ``"none (a 0/1 criterion)"``; a rule without a declared range
    -> ``"not varied"``.
    """
    rng = threshold_range(spec, rule.id)
    if rng is None:
        if rule.kind == "threshold" and str((registry.get(rule.indicator) or {}).get("unit")) == "0/1":
            return "none (a 0/1 criterion)"
        return "not varied"
    lo, hi = rng
    if rule.kind == "completeness":
        return f"{_g(100 * lo)}–{_g(100 * hi)} %"
    entry = registry.get(rule.indicator) or {}
    labels = _labels(entry)
    if labels and rule.op in (">=", ">"):
        return f"{_g(lo)}–{_g(hi)}: {_ordinal_pass(labels, rule.op, lo)} … {_ordinal_pass(labels, rule.op, hi)}"
    unit = " bn IDR" if str(entry.get("unit")) == "billion IDR" else ""
    return f"{_g(lo)}–{_g(hi)}{unit}"


def rule_result(rule, fail_reasons: str, skipped: tuple[str, ...], data_year: int) -> str:
    """``pass``, ``FAIL``, ``FAIL (missing)``, ``pass (missing)`` or ``not applied (no data for data year
    Y)`` for one rule, from the engine's ``fail_reasons`` and ``skipped_rules`` (the authority)."""
    if rule.id in skipped:
        return f"not applied (no data for data year {data_year})"
    codes = {c.strip() for c in str(fail_reasons or "").split(";") if c.strip()}
    if f"{rule.reason}:missing" in codes:
        return "FAIL (missing)"
    if rule.reason in codes:
        return "FAIL"
    return "pass"


def gate_rules(spec, code: str) -> list:
    """The threshold rules of the spec on indicator ``code``."""
    return [r for r in spec.eligibility if r.kind == "threshold" and r.indicator == code]


def criterion_model(spec, code: str, overall_weight: float | None) -> str:
    """The v2 model of one indicator: ``gate``, ``scored``, ``gate + scored`` or ``unavailable``."""
    ind = spec.indicator(code)
    if ind.availability == "unavailable":
        return "unavailable"
    gate = bool(gate_rules(spec, code))
    scored = _num(overall_weight) and float(overall_weight) > 0
    if gate and scored:
        return "gate + scored"
    if gate:
        return "gate"
    return "scored" if scored else "not scored (weight 0)"


def weight_text(spec, code: str, overall_weight: float | None) -> str:
    """An indicator's overall weight: ``"25.0 %"``, ``"gate only"`` (a gate indicator of weight 0),
    ``"not computed"``."""
    if not _num(overall_weight):
        return "gate only" if gate_rules(spec, code) else "not computed"
    w = float(overall_weight)
    if w == 0 and gate_rules(spec, code):
        return "gate only"
    return f"{100 * w:.1f} %"


def gate_effects(spec, runs: Mapping[int, Any]) -> dict[str, dict[int, str]]:
    """Per rule id (and ``"quota"``), per cohort: what the gate or the quota did to the pool.

    Returns
    -------
    dict
        ``rule id -> {cohort year -> text}``: ``"113 fail + 6 missing"`` (pool regions failing, from
        :func:`~smartcity_analysis.engine.selection.reason_counts`), ``"not applied (no data 2016)"``
        (``skipped_rules``); ``"quota"`` -> ``"binds: 4 in, 4 out"`` or ``"does not bind"``
        (:func:`~smartcity_analysis.engine.selection.quota_effect`).
    """
    out: dict[str, dict[int, str]] = {r.id: {} for r in spec.eligibility}
    out["quota"] = {}
    for year, run in runs.items():
        counts = reason_counts(run.table)
        for rule in spec.eligibility:
            if rule.id in run.skipped_rules:
                out[rule.id][year] = f"not applied (no data {run.cohort.data_year})"
                continue
            n, m = counts.get(rule.reason, 0), counts.get(f"{rule.reason}:missing", 0)
            out[rule.id][year] = f"{n} fail" + (f" + {m} missing" if m else "")
        if spec.quotas.active:
            taken_in, left_out = quota_effect(run)
            out["quota"][year] = (f"binds: {len(taken_in)} in, {len(left_out)} out" if taken_in or left_out
                                  else "does not bind")
    return out
