"""End-to-end runs of the engine on the real curated data (issue 3)."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from smartcity_analysis.cli import main
from smartcity_analysis.engine.selection import HEAD_COLUMNS, TAIL_COLUMNS, quota_violations
from smartcity_analysis.errors import DataError
from smartcity_analysis.paths import specs_dir
from smartcity_analysis.spec import list_specs, load_spec

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def real():
    from smartcity_analysis.curated import loaders

    try:
        return loaders.load_regions(), loaders.load_cohorts()
    except DataError as exc:  # pragma: no cover - data not built in this checkout
        pytest.skip(f"curated data not available: {exc}")


def test_rank_cli_kominfo_2018_writes_514_rows_identically(real, tmp_path):
    spec = str(specs_dir() / "kominfo_prescreen.yml")
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    proc = subprocess.run([sys.executable, "-m", "smartcity_analysis", "rank", "--spec", spec, "--cohort", "2018",
                           "--out", str(a)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert main(["rank", "--spec", spec, "--cohort", "2018", "--out", str(b)]) == 0
    assert a.read_bytes() == b.read_bytes()
    t = pd.read_csv(a, dtype={"region_code": str})
    assert len(t) == 514 and t["region_code"].str.len().eq(4).all()
    pillars = [c for c in t.columns if c.startswith("pillar_")]
    assert list(t.columns) == HEAD_COLUMNS + pillars + TAIL_COLUMNS and pillars
    assert t["selected"].sum() == 50
    assert not (t["selected"] & ~(t["eligible"] & t["in_pool"])).any()
    # the actual 2017 cohort left the pool
    assert (t.loc[t["pool_reason"].fillna("").str.startswith("actual_cohort_2017"), "in_pool"] == False).all()  # noqa: E712
    assert t["pool_reason"].fillna("").str.startswith("actual_cohort_2017").sum() >= 25


@pytest.mark.parametrize("fmt", ["json", "parquet"])
def test_rank_cli_other_formats(real, tmp_path, fmt):
    out = tmp_path / f"r.{fmt}"
    assert main(["rank", "--spec", str(specs_dir() / "equal_weights.yml"), "--cohort", "2019", "--out", str(out),
                 "--format", fmt]) == 0
    t = pd.read_json(out, dtype={"region_code": str}) if fmt == "json" else pd.read_parquet(out)
    assert len(t) == 514 and int(t["selected"].sum()) == 25


@pytest.mark.parametrize("path", list_specs(), ids=lambda p: p.stem)
def test_every_shipped_spec_selects_each_cohort_exactly(real, path):
    from smartcity_analysis import api

    regions, _ = real
    spec = load_spec(path)
    runs = api.cohorts(spec)
    for year, c in runs.items():
        t = c.table
        assert len(t) == 514
        assert int(t["selected"].sum()) == spec.cohort(year).size
        assert not (t["selected"] & ~(t["eligible"] & t["in_pool"])).any()
        assert quota_violations(c.selected, c.cohort.size, regions, spec.quotas) == []
        prov = c.result.provenance
        assert prov["spec_hash"] == spec.spec_hash and prov["data_year"] == spec.cohort(year).data_year
        # unavailable criteria are carried and reported, never computed
        assert set(spec.unavailable_indicators) <= set(c.result.excluded["indicator"])


def test_spec_with_several_mistakes_exits_2_listing_all(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "id: broken\n"
        "methods: {weighting: explicit, aggregation: {pillars: arithmetic, index: geometrik}}\n"
        "indicators:\n  - {code: ipm_index, direction: 1}\n  - {code: poverty_rate, direction: -1}\n"
        "pillars:\n  - {id: human, weight: -2, indicators: {ipm_index: 1, poverty_rate: null}}\n"
    )
    proc = subprocess.run([sys.executable, "-m", "smartcity_analysis", "spec", "validate", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    err = proc.stderr
    assert "4 problems" in err or "5 problems" in err
    for where in ("indicators[0].code", "pillars[0].weight", "methods.aggregation.index",
                  "pillars[0].indicators.poverty_rate"):
        assert where in err


def test_kominfo_build_on_real_data_matches_its_formula(real):
    """Golden check of the v2 reading worked from the spec and the curated CSV: the fiscal criterion is the
    log of the TOTAL fiscal capacity, clipped at its 0.5 % / 99.5 % quantiles and min-maxed onto 0-100;
    the award flag scores 0 or 100; the index is the plain mean of the four scored pillars (the
    administration pillar carries the gate indicators with weight 0)."""
    import numpy as np

    from smartcity_analysis import api
    from smartcity_analysis.paths import data_dir

    res = api.build(specs_dir() / "kominfo_prescreen.yml", 2017)
    long = pd.read_csv(data_dir() / "indicators.csv", dtype={"region_code": str})
    fc = long[(long["year"] == 2017) & (long["indicator"] == "fiscal_capacity")].set_index("region_code")["value"]
    assert len(fc) == 508 and len(res.raw) == 514
    np.testing.assert_allclose(res.raw["fiscal_capacity"].reindex(fc.index), fc.to_numpy())
    # the six DKI units have no budget of their own: imputed (province all missing -> national median)
    dki = ["3101", "3171", "3172", "3173", "3174", "3175"]
    assert res.imputed_mask.loc[dki, "fiscal_capacity"].all() and res.imputed_mask["fiscal_capacity"].sum() == 6
    x = np.log(res.raw["fiscal_capacity"].fillna(fc.median()))
    lo, hi = np.quantile(x, [0.005, 0.995])
    expected = 100 * (x.clip(lo, hi) - lo) / (hi - lo)
    np.testing.assert_allclose(res.normalised["fiscal_capacity"], expected, atol=1e-9)
    np.testing.assert_allclose(res.pillar_scores["fiscal"], expected, atol=1e-9)
    award = res.normalised["government_performance_award"]
    assert set(award.unique()) == {0.0, 100.0} and int((award == 100).sum()) == 20
    ps = res.pillar_scores
    assert list(ps.columns) == ["administration", "fiscal", "ekppd", "leading_sector", "human_development"]
    scored = ["fiscal", "ekppd", "leading_sector", "human_development"]
    np.testing.assert_allclose(res.index, ps[scored].mean(axis=1))
    np.testing.assert_allclose(ps["leading_sector"],
                               (res.normalised["grdp_per_capita"] + res.normalised["grdp_growth"]) / 2)


def _gate_failures_by_hand(year: int, data_year: int) -> dict[str, set[str]]:
    """The v2 gates worked straight from data/indicators.csv and data/programme/cohorts.csv, without the
    engine: reason code -> pool regions failing it."""
    from smartcity_analysis.paths import data_dir

    long = pd.read_csv(data_dir() / "indicators.csv", dtype={"region_code": str})
    wide = long[long["year"] == data_year].pivot(index="region_code", columns="indicator", values="value")
    regions = pd.read_csv(data_dir() / "regions.csv", dtype={"region_code": str})["region_code"]
    wide = wide.reindex(regions)
    coh = pd.read_csv(data_dir() / "programme" / "cohorts.csv", dtype={"region_code": str})
    left = set(coh.loc[(coh["cohort_year"] < year)
                       & coh["status"].isin(["selected", "added_late", "not_awarded", "deferred"]), "region_code"])
    pool = wide.loc[~wide.index.isin(list(left))]
    out = {"ADMIN_BPK_OPINION": set(pool.index[pool["bpk_opinion"] < 3]),
           "ADMIN_BPK_OPINION:missing": set(pool.index[pool["bpk_opinion"].isna()]),
           "BUDGET_BELOW_LEVEL": set(pool.index[pool["fiscal_capacity"] < 80]),
           "BUDGET_BELOW_LEVEL:missing": set(pool.index[pool["fiscal_capacity"].isna()])}
    if "apbd_on_time" in pool.columns and pool["apbd_on_time"].notna().any():
        out["ADMIN_APBD_LATE"] = set(pool.index[pool["apbd_on_time"] == 0])
        out["ADMIN_APBD_LATE:missing"] = set(pool.index[pool["apbd_on_time"].isna()])
    return {k: v for k, v in out.items() if v}


@pytest.mark.parametrize("spec_arg", ["specs/kominfo_prescreen.yml", "kominfo_prescreen"])
def test_rank_cli_kominfo_2018_shows_gate_failures_as_reason_codes(real, tmp_path, capsys, spec_arg, monkeypatch):
    from smartcity_analysis.paths import REPO_ROOT

    monkeypatch.chdir(REPO_ROOT)
    out = tmp_path / "r.csv"
    assert main(["rank", "--spec", spec_arg, "--cohort", "2018", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    t = pd.read_csv(out, dtype={"region_code": str}, keep_default_na=False)
    pool = t[t["in_pool"].astype(str) == "True"]
    expected = _gate_failures_by_hand(2018, 2017)
    assert set(expected) == {"ADMIN_BPK_OPINION", "ADMIN_BPK_OPINION:missing", "BUDGET_BELOW_LEVEL",
                             "BUDGET_BELOW_LEVEL:missing", "ADMIN_APBD_LATE", "ADMIN_APBD_LATE:missing"}
    for code, codes in expected.items():
        has = set(pool.loc[pool["fail_reasons"].str.split(";").apply(lambda r, c=code: c in r), "region_code"])
        assert has == codes, code
        assert f"{code}: {len(codes)}" in printed
    assert "eligibility failures in pool (reason code: regions): " in printed
    # a region is eligible iff it fails no gate (and has the data)
    failing = set().union(*expected.values())
    assert set(pool.loc[pool["eligible"].astype(str) == "True", "region_code"]) <= set(pool["region_code"]) - failing
    assert not (t["selected"].astype(str).eq("True") & t["fail_reasons"].ne("")).any()


def test_rank_cli_kominfo_2017_says_the_apbd_gate_is_not_applied(real, tmp_path, capsys):
    out = tmp_path / "r.csv"
    assert main(["rank", "--spec", "kominfo_prescreen", "--cohort", "2017", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "eligibility rule admin_apbd (ADMIN_APBD_LATE) NOT APPLIED" in printed and "data year 2016" in printed
    t = pd.read_csv(out, dtype={"region_code": str}, keep_default_na=False)
    assert not t["fail_reasons"].str.contains("ADMIN_APBD_LATE").any()
    expected = _gate_failures_by_hand(2017, 2016)
    assert "ADMIN_APBD_LATE" not in expected
    for code, codes in expected.items():
        assert f"{code}: {len(codes)}" in printed
    # the equity quota binds in 2017: it swaps Java regions above the cutoff for regions outside Java,
    # exactly as many as needed to reach ceil(0.5 * 25) = 13 outside Java
    from smartcity_analysis import api
    from smartcity_analysis.engine.selection import quota_effect

    regions, _ = real
    run = api.cohorts("kominfo_prescreen", until=2017, diagnostics=False)[2017]
    taken_in, left_out = quota_effect(run)
    island = regions["island_group"]
    assert len(taken_in) == len(left_out) > 0
    assert (island[list(taken_in)] != "Jawa").all() and (island[list(left_out)] == "Jawa").all()
    assert int((island[list(run.selected)] != "Jawa").sum()) == 13
    assert int((island[list(run.order[:25])] != "Jawa").sum()) == 13 - len(taken_in)
    assert f"quotas bind: {len(taken_in)} region(s) taken in" in printed
