"""Eligibility, pool, cohort sequence, quotas and selection properties (issue 3), on synthetic data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from engine_fixtures import EMPTY_COHORTS, REGIONS, indicators, spec_dict
from hypothesis import given, settings
from hypothesis import strategies as st

from smartcity_analysis.engine.selection import (
    HEAD_COLUMNS,
    TAIL_COLUMNS,
    CohortSelection,
    evaluate_eligibility,
    quota_effect,
    quota_violations,
    reason_counts,
    run_cohorts,
    run_selection,
    select_cohort,
    selection_order,
)
from smartcity_analysis.spec import QuotaSpec, TieBreakKey, TypeMix, load_spec


def frames():
    return {2016: indicators(seed=1), 2017: indicators(seed=2)}


def test_eligibility_reason_codes_by_hand():
    spec = load_spec(spec_dict())
    raw = indicators(seed=1, missing=False)[["ipm", "poverty_rate"]].copy()
    raw.loc["1101", "ipm"] = 59.9          # below the floor of 60
    raw.loc["1102", "ipm"] = 60.0          # exactly on it: passes (>=)
    raw.loc["6302", ["ipm", "poverty_rate"]] = np.nan   # missing ipm + incomplete (0/2 < 0.6)
    eligible, fail, skipped = evaluate_eligibility(spec, raw, REGIONS)
    assert fail["1101"] == "IPM_LOW"
    assert eligible["1102"]
    assert fail["6302"] == "IPM_LOW:missing;DATA_INCOMPLETE"
    assert skipped == ()
    _, fail2, _ = evaluate_eligibility(spec, raw, REGIONS, thresholds={"ipm_floor": 50})
    assert fail2["1101"] == ""


def test_selection_order_uses_tie_breaking_then_code():
    scores = pd.Series({"1101": 5.0, "1102": 7.0, "1103": 7.0, "1171": 7.0, "3201": np.nan})
    vals = pd.DataFrame({"ipm": [1, 2, 3, 2, 9]}, index=scores.index, dtype=float)
    order = selection_order(scores, list(scores.index), [TieBreakKey("ipm", "desc")], values=vals)
    assert order == ["1103", "1102", "1171", "1101"]     # NaN score is never ranked


def test_run_selection_table_and_model_pool():
    spec = load_spec(spec_dict())
    runs = run_cohorts(spec, indicators=frames(), regions=REGIONS, cohorts=EMPTY_COHORTS)
    t17, t18 = runs[2017].table, runs[2018].table
    assert len(t17) == len(t18) == 12
    pillar_cols = ["pillar_human", "pillar_economy", "pillar_fiscal"]
    assert list(t18.columns) == HEAD_COLUMNS + pillar_cols + TAIL_COLUMNS
    assert t17["selected"].sum() == 3 and t18["selected"].sum() == 4
    # model mode: the 2017 picks are out of the 2018 pool, with their reason
    picked17 = set(runs[2017].selected)
    t18i = t18.set_index("region_code")
    assert not t18i.loc[list(picked17), "in_pool"].any()
    assert (t18i.loc[list(picked17), "pool_reason"] == "model_cohort_2017").all()
    assert (t18i.loc[list(picked17), "selected_cohort"] == 2017).all()
    # selected = top of the eligible pool order; margins consistent with the cutoff
    sel = t18[t18["selected"]]
    assert set(sel["region_code"]) == set(runs[2018].order[:4])
    assert (sel["margin_places"] >= 0).all() and (sel["margin_points"] >= 0).all()
    rest = t18[t18["in_pool"] & t18["eligible"] & ~t18["selected"] & t18["score"].notna()]
    assert (rest["margin_places"] < 0).all() and (rest["margin_points"] <= 0).all()
    assert not (t18["selected"] & ~t18["eligible"]).any()


def test_actual_pool_removes_actual_earlier_cohorts():
    spec = load_spec(spec_dict(pool={"previous_cohorts": "actual"}))
    actual = pd.DataFrame({"region_code": ["1101", "3271", "6372"], "cohort_year": [2017, 2017, 2018],
                           "status": ["selected", "cancelled", "selected"]})
    t = run_selection(spec, cohort=2018, indicators=frames(), regions=REGIONS, cohorts=actual).set_index(
        "region_code")
    assert t.loc["1101", "pool_reason"] == "actual_cohort_2017"
    assert t.loc["3271", "in_pool"]                 # cancelled does not leave the pool by default
    assert t.loc["6372", "actual_cohort"] == 2018 and t.loc["6372", "actual_status"] == "selected"
    assert t.loc["6372", "in_pool"]


def test_quotas_by_hand():
    order = ["3201", "3202", "3203", "3271", "1101", "6301", "1102"]
    # at most 2 per province, at least half of 4 outside Java -> 3201, 3202, then Java is capped
    sel = select_cohort(order, 4, regions=REGIONS, quotas=QuotaSpec(max_per_province=2, min_share_outside_java=0.5))
    assert sel == ["3201", "3202", "1101", "6301"]
    # at least 3 of 4 outside Java: only one Java region can come in
    sel = select_cohort(order, 4, regions=REGIONS, quotas=QuotaSpec(min_share_outside_java=0.75))
    assert sel == ["3201", "1101", "6301", "1102"]
    # at least one kota in 3
    sel = select_cohort(["1101", "1102", "1103", "1171"], 3, regions=REGIONS,
                        quotas=QuotaSpec(type_mix=(TypeMix("kota", min_share=0.3),)))
    assert sel == ["1101", "1102", "1171"]


def test_quota_effect_by_hand():
    """The order of test_quotas_by_hand with at least 3 of 4 outside Java: the unconstrained top 4 is
    3201, 3202, 3203, 3271 (all Java); the quota takes 1101, 6301, 1102 in their place and keeps 3201."""
    from smartcity_analysis.spec import CohortSpec

    order = ("3201", "3202", "3203", "3271", "1101", "6301", "1102")
    sel = select_cohort(order, 4, regions=REGIONS, quotas=QuotaSpec(min_share_outside_java=0.75))

    def run(selected):
        return CohortSelection(CohortSpec(2018, 4, 2017), pd.DataFrame(), None, tuple(selected), order, 0, ())

    assert quota_effect(run(sel)) == (("1101", "6301", "1102"), ("3202", "3203", "3271"))
    assert quota_effect(run(order[:4])) == ((), ())  # no quota binds


def test_reason_counts_by_hand():
    t = pd.DataFrame({"in_pool": [True, True, True, False, True],
                      "fail_reasons": ["A;B", "A", "", "A", "B:missing"]})
    # the region out of the pool is not counted; a region failing two rules counts under both codes
    assert reason_counts(t) == {"A": 2, "B": 1, "B:missing": 1}
    assert list(reason_counts(t)) == ["A", "B", "B:missing"]


# ---------------------------------------------------------------- hypothesis properties

codes = list(REGIONS.index)


@settings(max_examples=100, deadline=None)
@given(
    scores=st.lists(st.floats(0, 100), min_size=12, max_size=12),
    eligible=st.lists(st.booleans(), min_size=12, max_size=12),
    size=st.integers(1, 8),
    max_pp=st.one_of(st.none(), st.integers(1, 4)),
    share=st.one_of(st.none(), st.sampled_from([0.25, 0.5, 0.75])),
)
def test_selection_properties(scores, eligible, size, max_pp, share):
    s = pd.Series(scores, index=codes)
    cand = [c for c, e in zip(codes, eligible, strict=True) if e]
    order = selection_order(s, cand)
    quotas = QuotaSpec(max_per_province=max_pp, min_share_outside_java=share)
    sel = select_cohort(order, size, regions=REGIONS, quotas=quotas)
    assert set(sel) <= set(cand)                                   # no ineligible region is selected
    assert len(sel) == len(set(sel)) <= size
    assert quota_violations(sel, size, REGIONS, quotas) == [] or len(sel) < size
    if not quotas.active:
        assert len(sel) == min(size, len(cand))                    # exact cohort size when enough
        assert sel == order[:size]
    else:
        # quotas hold whenever the cohort is filled
        if len(sel) == size:
            assert quota_violations(sel, size, REGIONS, quotas) == []
        # enough eligible regions in every category -> the cohort is filled
        reg = REGIONS.loc[cand]
        nj_cap = (reg["island_group"] != "Jawa").groupby(reg["province_code"]).sum()
        nj_avail = int(nj_cap.clip(upper=max_pp).sum()) if max_pp else int(nj_cap.sum())
        cap_total = int(reg["province_code"].value_counts().clip(upper=max_pp).sum()) if max_pp else len(cand)
        need_nj = int(np.ceil(share * size - 1e-9)) if share else 0
        if cap_total >= size and nj_avail >= size:
            assert len(sel) == size
        if len(sel) == size:
            assert int((REGIONS.loc[sel, "island_group"] != "Jawa").sum()) >= need_nj


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), size=st.integers(1, 6))
def test_each_cohort_selects_exactly_its_size_when_enough_eligible(seed, size):
    d = spec_dict(cohorts=[{"year": 2017, "size": size, "data_year": 2016},
                           {"year": 2018, "size": 2, "data_year": 2017}])
    d["eligibility"] = d["eligibility"][1:]      # completeness only: almost everyone is eligible
    spec = load_spec(d)
    runs = run_cohorts(spec, indicators={2016: indicators(seed), 2017: indicators(seed + 1)},
                       regions=REGIONS, cohorts=EMPTY_COHORTS)
    for c in runs.values():
        t = c.table
        n_cand = int((t["in_pool"] & t["eligible"] & t["score"].notna()).sum())
        assert t["selected"].sum() == min(c.cohort.size, n_cand)
        assert not (t["selected"] & ~(t["eligible"] & t["in_pool"])).any()


def test_unknown_threshold_override_and_missing_cohorts_are_errors():
    from smartcity_analysis.errors import InputError, SpecError

    spec = load_spec(spec_dict())
    with pytest.raises(InputError, match="unknown rule"):
        evaluate_eligibility(spec, indicators(), REGIONS, thresholds={"nope": 1})
    with pytest.raises(SpecError, match="declares no cohort"):
        run_cohorts(load_spec(spec_dict(cohorts=[])), indicators=indicators(), regions=REGIONS,
                    cohorts=EMPTY_COHORTS)
