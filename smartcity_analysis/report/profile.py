"""How the region scores: the criterion profile, the indicator dashboard with traffic lights, strengths
and weaknesses, and its peers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from smartcity_analysis.report.context import (
    ReportContext,
    _actual,
    _components,
    _direction,
    _indicator_label,
    _indicator_name,
    _pillar_names,
    _pillar_of,
    _pool_note,
    _source_ids,
    _type_label,
    _unit,
)
from smartcity_analysis.report.text import ReportText, _esc, _fmt, _isnum, _pct, _rank, _style

#: Traffic lights: share of peers the region does better than (direction-adjusted).
LIGHT_GREEN = 2 / 3


LIGHT_RED = 1 / 3


#: How many peers of each kind the peer table lists.
N_PEERS = 5


def _peer_share(ctx: ReportContext, code: str) -> float:
    """Share of same-type peers the region does better than on indicator ``code`` (ties count half),
    using the raw value of the data year in the indicator's good direction; NaN without data."""
    d = _direction(ctx, code)
    if d == 0 or code not in ctx.values.columns:
        return float("nan")
    col = ctx.values[code]
    own = col.get(ctx.region_code, np.nan)
    peers = col.reindex(ctx.peer_codes).dropna()
    if not _isnum(own) or peers.empty:
        return float("nan")
    better = (d * (own - peers) > 0).mean()
    ties = (own == peers).mean()
    return float(better + 0.5 * ties)


def _light(share: float) -> str:
    if not _isnum(share):
        return "none"
    if share >= LIGHT_GREEN:
        return "green"
    if share < LIGHT_RED:
        return "red"
    return "amber"


#: Text of each traffic light in tables (a coloured dot is added by the Styler).
LIGHT_LABELS = {"green": "better than most", "amber": "middle third", "red": "behind most", "none": "n/a"}


def _cutoff_code(ctx: ReportContext) -> str | None:
    """The nominally selected region with the lowest score: the "last selected"."""
    sel = ctx.selection
    chosen = sel[sel["selected"].astype(bool)]
    if chosen.empty:
        return None
    return str(chosen["score"].astype(float).idxmin())


def profile_table(ctx: ReportContext) -> pd.DataFrame:
    """Pillar (criterion) scores of the region, the median of its peers (same type), and the last
    selected region under the nominal model.

    Returns
    -------
    pandas.DataFrame
        Index = pillar names; columns = the region's name, ``median of <type> peers`` and
        ``last selected (<name>)``.
    """
    ps = ctx.result.pillar_scores
    names = _pillar_names(ctx)
    cols = [c for c in ps.columns]
    out = pd.DataFrame(index=[names.get(c, c) for c in cols])
    out[ctx.name] = ps.loc[ctx.region_code, cols].to_numpy(dtype=float) if ctx.region_code in ps.index else np.nan
    peers = ps.reindex(ctx.peer_codes)[cols]
    out[f"median of {_type_label(ctx)} peers"] = peers.median().to_numpy(dtype=float)
    cut = _cutoff_code(ctx)
    if cut is not None and cut in ps.index:
        out[f"last selected ({ctx.selection.at[cut, 'name'] if 'name' in ctx.selection else cut})"] = (
            ps.loc[cut, cols].to_numpy(dtype=float)
        )
    return out


def profile_styled(ctx: ReportContext):
    """:func:`profile_table` for print (one row per criterion, scores with one decimal).

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    df = profile_table(ctx).reset_index(names="criterion")
    # a score without a fixed range (z-scores) lives near 0: one decimal would erase its differences
    digits = 1 if ctx.score_range is not None else 3
    return _style(df, "profile", f"Criterion scores ({ctx.score_scale}, higher is better).", precision=digits)


def fig_profile(ctx: ReportContext, ax=None):
    """Dot chart of :func:`profile_table`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    # matplotlib only where a figure is drawn (a kernel): the CLI imports this package too.
    from smartcity_analysis.plots import pillar_profile

    return pillar_profile(profile_table(ctx), ax=ax, xlabel=f"score ({ctx.score_scale}, higher is better)",
                          scale=ctx.score_range)


def _history(ctx: ReportContext, code: str) -> pd.Series:
    """The region's values of an indicator by year (derived indicators recomputed per year)."""
    h = ctx.history
    try:
        ind = ctx.spec.indicator(code)
    except KeyError:
        ind = None
    if ind is not None and ind.derive is not None:
        d = ind.derive
        num = h[h["indicator"] == d.numerator].set_index("year")["value"]
        den = h[h["indicator"] == d.denominator].set_index("year")["value"]
        out = (d.scale * num / den.replace(0, np.nan)).dropna()
    else:
        out = h[h["indicator"] == code].set_index("year")["value"].dropna()
    out.index = out.index.astype(int)
    return out.sort_index()


#: Years the dashboard's trend shows, ending with the data year.
TREND_YEARS = 5


#: Bars of the trend sparkline, lowest to highest (DejaVu Sans, the print font, has them), and the mark
#: of a year without a value.
SPARK_BARS = "▁▂▃▄▅▆▇█"


SPARK_MISSING = "·"


#: A relative spread below this is drawn flat (and called neither better nor worse).
FLAT_SPREAD = 0.01


def _sparkline(values: list[float]) -> str:
    """One bar per value between the lowest and the highest of them; :data:`SPARK_MISSING` for a
    missing one; all middle bars when they differ by less than :data:`FLAT_SPREAD` (relative)."""
    finite = [float(v) for v in values if _isnum(v)]
    if not finite:
        return SPARK_MISSING * len(values)
    lo, hi = min(finite), max(finite)
    flat = hi - lo <= FLAT_SPREAD * max(abs(lo), abs(hi), 1e-12)
    top = len(SPARK_BARS) - 1
    return "".join(
        SPARK_MISSING if not _isnum(v)
        else SPARK_BARS[top // 2] if flat
        else SPARK_BARS[int(round((float(v) - lo) / (hi - lo) * top))]
        for v in values
    )


def _trend(ctx: ReportContext, code: str) -> str:
    """The last :data:`TREND_YEARS` years up to the data year as a sparkline with its span, e.g.
    ``"2013-2017 ▂▃▅▆█ better"``: every year of the span has its place (· without a value), and
    better/worse compares the first and the last value of the span in the indicator's direction."""
    h = _history(ctx, code)
    y1 = int(ctx.data_year)
    y0 = y1 - TREND_YEARS + 1
    h = h[(h.index >= y0) & (h.index <= y1)]
    if len(h) == 0:
        return "n/a"
    if len(h) == 1:
        return f"n/a (only {int(h.index[0])})"
    values = [h.get(y, np.nan) for y in range(y0, y1 + 1)]
    v0, v1 = float(h.iloc[0]), float(h.iloc[-1])
    d = _direction(ctx, code)
    delta = v1 - v0
    verdict = ""
    if d != 0 and abs(delta) > FLAT_SPREAD * max(abs(v0), abs(v1), 1e-12):
        verdict = " better" if d * delta > 0 else " worse"
    return f"{y0}-{y1} {_sparkline(values)}{verdict}"


def _flag_text(ctx: ReportContext, code: str) -> str:
    parts = []
    mask = ctx.result.imputed_mask
    if code in mask.columns and ctx.region_code in mask.index and bool(mask.at[ctx.region_code, code]):
        parts.append("imputed")
    comps = _components(ctx, code)
    if comps != [code]:
        parts.append("derived")
    if not ctx.flags.empty and ctx.region_code in ctx.flags.index:
        for c in comps:
            if c in ctx.flags.columns:
                f = str(ctx.flags.at[ctx.region_code, c] or "")
                if f and f not in parts:
                    parts.append(f)
    return ", ".join(parts)


def _source_label(ctx: ReportContext, code: str) -> str:
    ids = _source_ids(ctx, code)
    return ", ".join(ids) if ids else "n/a"


def indicator_dashboard(ctx: ReportContext):
    """Indicator dashboard: one row per computed indicator of the spec.

    Columns: indicator, value, unit, data year, source, normalised score, traffic light against the
    same-type peers, trend over the last five years up to the data year (a sparkline), and flags (imputed,
    estimate, interpolated, derived). The unit is the curated registry's, else the one the spec's name
    ends in (the name then does not repeat it), else the one of a derived indicator's components.

    Returns
    -------
    pandas.io.formats.style.Styler

    Notes
    -----
    Traffic light: the share :math:`s` of same-type peers the region does better than on the raw value
    in the indicator's good direction (ties count half): green :math:`s \\ge 2/3`, amber
    :math:`1/3 \\le s < 2/3`, red :math:`s < 1/3`. An imputed value gets a score but no light.

    References
    ----------
    .. [1] Sachs, J. et al. (2023). Sustainable Development Report: SDG dashboards (traffic-light
       rating of each indicator per country).
    .. [2] European Commission (2023). EU Regional Competitiveness Index 2.0: regional profiles with
       peer-group comparison.
    """
    rows = []
    pillar_of = _pillar_of(ctx)
    names = _pillar_names(ctx)
    norm = ctx.result.normalised
    for code in ctx.result.raw.columns:
        value = ctx.values.get(code, pd.Series(dtype=float)).get(ctx.region_code, np.nan)
        flags = _flag_text(ctx, code)
        share = _peer_share(ctx, code) if "imputed" not in flags else float("nan")
        light = _light(share)
        score = norm.at[ctx.region_code, code] if code in norm.columns and ctx.region_code in norm.index else np.nan
        rows.append(
            {
                "indicator": f"{_indicator_label(ctx, code)} [{names.get(pillar_of.get(code), '')}]",
                "value": _fmt(value) if _isnum(value) else "missing",
                "unit": _unit(ctx, code),
                "year": ctx.data_year if _isnum(value) else "-",
                "source": _source_label(ctx, code) if _isnum(value) else "-",
                "score": score,
                "vs peers": LIGHT_LABELS[light],
                "trend": _trend(ctx, code),
                "flag": flags,
            }
        )
    df = pd.DataFrame(rows)
    colours = {v: k for k, v in LIGHT_LABELS.items()}
    palette = {"green": "#d4efdf", "amber": "#fcf3cf", "red": "#f5b7b1", "none": ""}

    def _bg(col):
        return [f"background-color: {palette[colours.get(v, 'none')]}" if palette[colours.get(v, 'none')] else ""
                for v in col]

    styler = _style(df, "dashboard", f"Indicators of the spec, data year {ctx.data_year}; score = normalised value "
                        f"(higher is better); 'vs peers' compares with the {len(ctx.peer_codes)} other "
                        f"{_type_label(ctx)}; trend: one bar per year between the lowest and highest "
                        f"value of the {TREND_YEARS} years, {SPARK_MISSING} no value.", precision=1)
    return styler.apply(_bg, subset=["vs peers"])


def strengths_weaknesses(ctx: ReportContext, n: int = 3) -> ReportText:
    """The indicators on which the region does best and worst relative to its same-type peers.

    Returns
    -------
    ReportText
    """
    shares = {code: _peer_share(ctx, code) for code in ctx.result.raw.columns}
    shares = {c: s for c, s in shares.items() if _isnum(s)}
    if not shares:
        return ReportText("No indicator of the spec has a value for this region and its peers.")
    ordered = sorted(shares, key=lambda c: shares[c], reverse=True)
    strong = [c for c in ordered if shares[c] >= 0.5][:n]
    weak = [c for c in reversed(ordered) if shares[c] < 0.5][:n]

    def _line(code: str) -> str:
        value = ctx.values[code].get(ctx.region_code)
        peers = ctx.values[code].reindex(ctx.peer_codes).median()
        unit = _unit(ctx, code)
        return (f"- **{_esc(_indicator_name(ctx, code))}**: {_fmt(value)} {_esc(unit)} "
                f"(peer median {_fmt(peers)}); better than {_pct(shares[code])} of {_type_label(ctx)}")

    parts = ["**Strengths**", ""] + ([_line(c) for c in strong] or ["- none above the peer median"])
    parts += ["", "**Weaknesses**", ""] + ([_line(c) for c in weak] or ["- none below the peer median"])
    return ReportText("\n".join(parts))


def peers_table(ctx: ReportContext):
    """Peers: the nearest regions by rank in the same province, by score among the same type, and by
    indicator profile (Euclidean distance between normalised indicator vectors).

    Returns
    -------
    pandas.io.formats.style.Styler

    Notes
    -----
    Profile distance :math:`d(i, j) = \\sqrt{\\operatorname{mean}_k (y_{ik} - y_{jk})^2}` over the
    indicators both regions have (normalised values, imputed ones included), among all regions.
    A region that is not in this cohort's pool (selected in an earlier cohort) has no chance here by
    construction: its "model selects" says so (e.g. "selected in 2017, not in this pool") and its
    P(selected) is "-", never a 0 % that would read as a loss.

    References
    ----------
    .. [1] European Commission (2023). EU Regional Competitiveness Index 2.0, regional profiles
       (comparison with regions of similar GDP per head).
    """
    sel = ctx.selection
    me = ctx.region_code
    regions = ctx.regions.reindex(sel.index)
    scored = sel[sel["score"].notna()]
    my_score = sel.at[me, "score"]
    chosen: dict[str, str] = {}

    prov = scored[(regions.loc[scored.index, "province_code"] == ctx.region["province_code"]).to_numpy()]
    if _isnum(my_score):
        for c in (prov["score"] - my_score).abs().sort_values().index:
            if c != me and len(chosen) < N_PEERS:
                chosen.setdefault(c, "same province")
        same_type = scored.reindex(ctx.peer_codes).dropna(subset=["score"])
        n = 0
        for c in (same_type["score"] - my_score).abs().sort_values().index:
            if c not in chosen and n < N_PEERS:
                chosen[c] = "same type, similar score"
                n += 1
    norm = ctx.result.normalised
    if me in norm.index:
        diff = norm.sub(norm.loc[me], axis=1)
        dist = np.sqrt((diff**2).mean(axis=1, skipna=True)).drop(index=me).dropna().sort_values()
        n = 0
        for c in dist.index:
            if c not in chosen and n < N_PEERS:
                chosen[c] = "similar profile"
                n += 1
    rob = ctx.robustness.get("regions") if ctx.robustness_status.ok else None
    rows = []
    for c in [me, *chosen]:
        p = np.nan
        if isinstance(rob, pd.DataFrame) and c in rob.index.astype(str):
            p = rob.set_axis(rob.index.astype(str)).at[c, "p_selected"]
        left = _pool_note(sel.loc[c])
        rows.append(
            {
                "region": ("▶ " if c == me else "") + str(ctx.regions.at[c, "name"]),
                "province": str(ctx.regions.at[c, "province_name"]),
                "peer because": "this report" if c == me else chosen[c],
                "score": sel.at[c, "score"],
                "rank": _rank(sel.at[c, "rank_national"]),
                "model selects": left or ("yes" if bool(sel.at[c, "selected"]) else "no"),
                "P(selected)": "-" if left else (_pct(p) if _isnum(p) else "n/a"),
                "actual cohort": _actual(ctx, c),
            }
        )
    df = pd.DataFrame(rows)
    return _style(df, "peers", "Peers (national rank 1 = best).", precision=1).apply(
        lambda r: ["font-weight: bold" if r["peer because"] == "this report" else "" for _ in r], axis=1
    )
