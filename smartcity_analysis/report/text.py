"""Formatting helpers of the report sections, and :class:`ReportText` (Markdown/HTML of one section)."""

from __future__ import annotations

import html
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

#: Fixed uuid of every Styler in the report (stable HTML ids, so golden notebooks do not churn).
STYLER_UUID = "smartcity"


@dataclass(frozen=True)
class ReportText:
    """Markdown/HTML text of a report section; displays as Markdown in notebooks and in the PDF."""

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=False)


def _isnum(x: Any) -> bool:
    try:
        return x is not None and math.isfinite(float(x))
    except (TypeError, ValueError):
        return False


def _fmt(x: Any, digits: int | None = None) -> str:
    """Human number: thousands separators for large values, 1-2 decimals for small ones."""
    if not _isnum(x):
        return "n/a"
    v = float(x)
    if digits is not None:
        return f"{v:,.{digits}f}"
    a = abs(v)
    if a >= 1000:
        return f"{v:,.0f}"
    if a >= 100:
        return f"{v:,.1f}"
    if a >= 1:
        return f"{v:,.2f}"
    return f"{v:.3g}"


def _rank(x: Any) -> str:
    return f"{int(round(float(x)))}" if _isnum(x) else "n/a"


def _pct(p: Any) -> str:
    if not _isnum(p):
        return "n/a"
    p = float(p)
    if 0 < p < 0.01:
        return "<1 %"
    if 0.99 < p < 1:
        return ">99 %"
    return f"{100 * p:.0f} %"


def _table_html(rows: list[tuple[str, str]], cls: str = "keyfacts") -> str:
    body = "".join(f"<tr><th>{_esc(k)}</th><td>{v}</td></tr>" for k, v in rows)
    return f'<table class="{cls}">{body}</table>'


def _style(df: pd.DataFrame, name: str, caption: str | None = None, *, precision: int = 2):
    """A Styler with a fixed, per-table uuid (``smartcity-<name>``: stable across runs, and distinct
    between tables so one table's cell styles never apply to another's), no index, and a caption."""
    styler = (
        df.style.set_uuid(f"{STYLER_UUID}-{name}")
        .hide(axis="index")
        .format(precision=precision, na_rep="n/a")
    )
    if caption:
        styler = styler.set_caption(caption)
    return styler
