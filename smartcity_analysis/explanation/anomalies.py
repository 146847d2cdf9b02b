"""Regions whose actual outcome the criteria rank furthest from: a table of numbers, no verdicts.

Pure: takes the agreement table of a cohort (:func:`~smartcity_analysis.explanation.agreement.
agreement_table`) and a frame of criterion values, returns the actually selected regions with the
lowest ranks in the pool and the unselected regions with the highest ranks, with their values.
"""

from __future__ import annotations

import pandas as pd

from smartcity_analysis.errors import InputError

__all__ = ["rank_extremes"]


def rank_extremes(
    table: pd.DataFrame,
    values: pd.DataFrame | None = None,
    *,
    n: int = 10,
    extra_ranks: dict[str, pd.Series] | None = None,
) -> pd.DataFrame:
    """Actually selected regions ranked lowest and unselected regions ranked highest.

    Parameters
    ----------
    table : DataFrame
        One cohort's agreement table: index ``region_code``, columns ``actual`` (bool), ``score``,
        ``rank_in_pool``, ``eligible``, ``nominal``.
    values : DataFrame, optional
        Criterion values to attach (index ``region_code``), e.g. pillar scores or raw indicators.
    n : int, default 10
        Rows per group.
    extra_ranks : dict of Series, optional
        Further rankings to attach as ``rank_<name>`` (e.g. the rank under revealed weights).

    Returns
    -------
    DataFrame
        Columns ``group`` (``"selected, lowest rank"`` or ``"not selected, highest rank"``),
        ``region_code``, ``rank_in_pool``, ``n_pool``, ``percentile`` (share of the pool ranked at or
        below, 0-100), ``score``, ``eligible``, ``nominal``, extra ranks, then the values. Selected
        regions are sorted from the lowest rank up, unselected from the highest rank down.

    Notes
    -----
    ``percentile = 100 * (n_pool - rank + 1) / n_pool``: 100 for the top-ranked region. The labels
    describe the position only; the table draws no conclusion about why.

    References
    ----------
    OECD/JRC (2008). Handbook on Constructing Composite Indicators, step 5 ("back to the data": the
    units whose outcome the index explains least).
    """
    if n < 1:
        raise InputError(f"n must be a positive integer. Got {n!r}.")
    need = {"actual", "score", "rank_in_pool"}
    if need - set(table.columns):
        raise InputError(
            f"The agreement table lacks column(s) {sorted(need - set(table.columns))}."
        )
    n_pool = len(table)
    sel = table[table["actual"]].sort_values(["rank_in_pool", "score"], ascending=False).head(n)
    uns = table[~table["actual"]].sort_values(["rank_in_pool", "score"]).head(n)
    out = pd.concat(
        [sel.assign(group="selected, lowest rank"), uns.assign(group="not selected, highest rank")]
    )
    out["n_pool"] = n_pool
    out["percentile"] = 100.0 * (n_pool - out["rank_in_pool"] + 1) / n_pool
    cols = ["group", "rank_in_pool", "n_pool", "percentile", "score"]
    cols += [c for c in ("eligible", "nominal", "status") if c in out.columns]
    res = out[cols].copy()
    for name, ranks in (extra_ranks or {}).items():
        res[f"rank_{name}"] = ranks.reindex(res.index)
    if values is not None:
        res = res.join(values, how="left")
    res.index.name = "region_code"
    return res.reset_index()
