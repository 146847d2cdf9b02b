"""One door per chore: the one atomic writer, the one spec resolver, the one door to a spec's data.

Each door is tested once here; every caller goes through it, so these tests cover them all.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from smartcity_analysis import cli
from smartcity_analysis.curated import loaders
from smartcity_analysis.curated.inputs import data_key, read_user_indicator, spec_frames
from smartcity_analysis.errors import InputError, SpecError
from smartcity_analysis.files import file_sha256, tree_sha256, write_atomic
from smartcity_analysis.paths import specs_dir
from smartcity_analysis.spec import DEFAULT_SPEC, resolve_spec, spec_location

SHIPPED = sorted(p.stem for p in specs_dir().glob("*.yml"))


# --------------------------------------------------------------------------------------------------
# files.write_atomic, file_sha256, tree_sha256
# --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", ["text é", b"\x00bytes", lambda tmp: Path(tmp).write_text("by a writer")])
def test_write_atomic_writes_0644_under_umask_022_and_creates_folders(tmp_path, data):
    old = os.umask(0o022)
    try:
        target = write_atomic(tmp_path / "a" / "b" / "out.txt", data)
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert target.read_bytes() in ("text é".encode(), b"\x00bytes", b"by a writer")
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]  # no temporary file left


def test_write_atomic_failure_keeps_the_old_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out.csv"
    write_atomic(target, "old\n")

    def half_then_fail(tmp):
        Path(tmp).write_text("half")
        raise KeyboardInterrupt  # an interrupt in the middle of a write

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, half_then_fail)
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]
    with pytest.raises(TypeError, match="str, bytes or a writer"):
        write_atomic(target, 3)


def test_hashes_known_answer_and_tree_sensitivity(tmp_path):
    (tmp_path / "t").mkdir()
    f = tmp_path / "t" / "a.txt"
    f.write_bytes(b"abc")
    assert file_sha256(f) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    before = tree_sha256(tmp_path / "t")
    (tmp_path / "t" / ".hidden").write_text("ignored")
    assert tree_sha256(tmp_path / "t") == before
    f.write_bytes(b"abd")
    assert tree_sha256(tmp_path / "t") != before
    assert tree_sha256(tmp_path / "none") == "missing"


# --------------------------------------------------------------------------------------------------
# spec.resolve_spec / spec_location
# --------------------------------------------------------------------------------------------------
def test_spec_location_names_paths_and_default(tmp_path, monkeypatch):
    assert spec_location("") == (specs_dir() / f"{DEFAULT_SPEC}.yml").resolve()
    assert spec_location("six_pillars") == spec_location("six_pillars.yml") == (specs_dir() / "six_pillars.yml")
    shutil.copy(specs_dir() / "equal_weights.yml", tmp_path / "mine.yml")
    monkeypatch.chdir(tmp_path)
    got = spec_location("mine.yml")
    assert got.is_absolute() and got == (tmp_path / "mine.yml").resolve()
    assert resolve_spec("mine.yml").source == str(got)


def test_unknown_spec_suggests_the_closest_shipped_name():
    with pytest.raises(SpecError, match="Did you mean 'kominfo_prescreen'") as info:
        spec_location("kominfo_prescren")
    assert "\n" not in str(info.value)
    with pytest.raises(SpecError, match="no such file"):
        spec_location("sub/none.yml")


def _cli(args, capsys):
    code = cli.main(args)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("name", SHIPPED)
def test_spec_validate_takes_a_shipped_name(name, capsys):
    code, out, _ = _cli(["spec", "validate", name], capsys)
    assert code == 0 and f"spec '{name}'" in out


def test_rank_takes_a_shipped_name_and_writes_0644(tmp_path, capsys):
    old = os.umask(0o022)
    try:
        code, out, err = _cli(["rank", "--spec", "kominfo_prescreen", "--cohort", "2017",
                               "--out", str(tmp_path / "t.csv")], capsys)
    finally:
        os.umask(old)
    assert code == 0, err
    assert stat.S_IMODE((tmp_path / "t.csv").stat().st_mode) == 0o644
    assert len(pd.read_csv(tmp_path / "t.csv")) == 514


def test_a_binary_spec_is_one_line_and_exit_2(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_bytes(b"\xff\xfe\x00id: x\n\x80\x81")
    proc = subprocess.run([sys.executable, "-m", "smartcity_analysis", "spec", "validate", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "not UTF-8" in proc.stderr and "bad.yml" in proc.stderr


# --------------------------------------------------------------------------------------------------
# curated.inputs: user-supplied files
# --------------------------------------------------------------------------------------------------
BAD_FILES = {
    "text value": ("region_code,value\n6372,1.5\n6371,abc\n", "row 3, column 'value': got 'abc'"),
    "inf": ("region_code,value\n6372,inf\n", "row 2, column 'value': got 'inf'"),
    "minus inf": ("region_code,value\n6372,2\n6371,-inf\n", "row 3, column 'value': got '-inf'"),
    "unknown code": ("region_code,value\n6372,1\n9999,2\n", "row 3: region_code '9999' is not one of"),
    "wrong columns": ("code,value\n6372,1\n", "expected exactly region_code,value"),
    "duplicate": ("region_code,value\n6372,1\n6372,2\n", "row 3: region_code 6372 appears more than once"),
    "not a code": ("region_code,value\n63-72,1\n", "row 2, column 'region_code': got '63-72'"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_user_supplied_file_is_refused_naming_file_row_and_value(case, tmp_path):
    content, message = BAD_FILES[case]
    f = tmp_path / "supplied.csv"
    f.write_text(content)
    with pytest.raises(InputError) as info:
        read_user_indicator(f, "spbe_index")
    assert message in str(info.value) and str(f) in str(info.value)


def test_user_supplied_empty_and_na_cells_are_missing(tmp_path):
    f = tmp_path / "ok.csv"
    f.write_text("region_code,value\n6372,3.5\n6371,\n3578,NA\n")
    s = read_user_indicator(f, "spbe_index")
    assert s["6372"] == 3.5 and s[["6371", "3578"]].isna().all()


def _spec_with_user_file(tmp_path, content: str) -> Path:
    (tmp_path / "spbe.csv").write_text(content)
    text = (specs_dir() / "six_pillars.yml").read_text(encoding="utf-8")
    assert "user_supplied:" in text
    spec = resolve_spec("six_pillars")
    code = next(i.code for i in spec.indicators if i.availability == "user_supplied")
    import yaml

    raw = yaml.safe_load(text)
    for ind in raw["indicators"]:
        if ind["code"] == code:
            ind["user_supplied"]["path"] = "spbe.csv"  # relative to the spec's folder
    path = tmp_path / "six_user.yml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", ["text value", "inf", "unknown code", "wrong columns"])
def test_bad_user_supplied_file_through_the_cli_is_exit_2_one_line_no_file(case, tmp_path):
    spec_path = _spec_with_user_file(tmp_path, BAD_FILES[case][0])
    out = tmp_path / "rank.csv"
    proc = subprocess.run([sys.executable, "-m", "smartcity_analysis", "rank", "--spec", str(spec_path),
                           "--cohort", "2017", "--out", str(out)], capture_output=True, text=True)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert BAD_FILES[case][1] in proc.stderr and "spbe.csv" in proc.stderr
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["six_user.yml", "spbe.csv"]


def test_spec_frames_carry_user_files_and_data_key_sees_them(tmp_path):
    codes = loaders.load_regions().index
    rows = "\n".join(f"{c},{i % 5}" for i, c in enumerate(codes))
    spec_path = _spec_with_user_file(tmp_path, "region_code,value\n" + rows + "\n")
    spec = resolve_spec(spec_path)
    frames = spec_frames(spec, until=2018)
    code = next(i.code for i in spec.indicators if i.availability == "user_supplied")
    assert sorted(frames) == sorted({c.data_year for c in spec.cohorts if c.year <= 2018})
    assert all(frames[y][code].notna().sum() == 514 for y in frames)
    plain = spec_frames(resolve_spec("six_pillars"), until=2018)
    assert all(code not in plain[y].columns or plain[y][code].isna().all() for y in plain)
    assert data_key(frames) != data_key(plain)
    with pytest.raises(InputError, match="No indicator frame for data year"):
        data_key(frames, years=[1990])


# --------------------------------------------------------------------------------------------------
# one data door for every document: the 14-of-50 regression (RENOVATION §1.6b)
# --------------------------------------------------------------------------------------------------
@pytest.fixture
def no_heavy_shared_results(monkeypatch):
    """The shared results without robustness and explanation (their own tests cover them): this test
    is about which selection every door sees."""
    from smartcity_analysis import results

    monkeypatch.setattr(results, "_robustness", lambda spec, params: (None, None, "robustness skipped (test)"))
    monkeypatch.setattr(results, "_explanation", lambda spec: (None, None, "explanation skipped (test)"))
    results._cohort_results.cache_clear()
    yield
    results._cohort_results.cache_clear()


@pytest.mark.slow
def test_a_user_supplied_file_changes_every_door_the_same_way(tmp_path, no_heavy_shared_results):
    """With a user-supplied indicator in six_pillars, rank/report (api.cohorts), the overview and the
    index page (results.load_cohort_results), the explorer (explorer.evaluate) and the explanation
    (explanation.inputs) select the same 50 regions for 2018; the file really changes the selection."""
    from smartcity_analysis import api, explorer, results
    from smartcity_analysis.engine.selection import run_cohorts
    from smartcity_analysis.explanation.inputs import _indicators_or_spec_data, _run_cohorts
    from smartcity_analysis.report import ReportParams, load_context

    codes = list(loaders.load_regions().index)
    # a deterministic stand-in for an SPBE score (1-5) that is unrelated to the curated indicators
    rows = "\n".join(f"{c},{1 + (int(c) * 7919) % 401 / 100:.2f}" for c in codes)
    spec_path = _spec_with_user_file(tmp_path, "region_code,value\n" + rows + "\n")
    spec = resolve_spec(spec_path)

    by_api = set(api.cohorts(spec_path, until=2018)[2018].selected)
    by_engine_default = set(run_cohorts(spec, until=2018)[2018].selected)
    by_results = set(results.load_cohort_results(cohort=2018, spec=str(spec_path)).run.selected)
    ex = explorer.evaluate(spec, 2018, explorer.nominal_settings(spec, 2018))
    by_explorer = set(ex.table.index[ex.selected.to_numpy(bool)].astype(str))
    runs = _run_cohorts(spec, _indicators_or_spec_data(spec, None), loaders.load_regions(), loaders.load_cohorts())
    table = runs[2018][1]
    by_explanation = set(table.index[table["selected"].to_numpy(bool)].astype(str))
    ctx = load_context(ReportParams(region="6372", cohort=2018, spec=str(spec_path), draws=10))
    by_report = set(ctx.selection.index[ctx.selection["selected"].to_numpy(bool)])

    assert len(by_api) == 50
    assert by_api == by_engine_default == by_results == by_explorer == by_explanation == by_report
    without = set(api.cohorts("six_pillars", until=2018)[2018].selected)
    assert by_api != without  # the file changes the selection, so ignoring it anywhere would show


@pytest.mark.slow
def test_robustness_cli_then_report_defaults_compute_once(tmp_path, monkeypatch, capsys, no_heavy_shared_results):
    """`smartcity robustness` with default options and a report with default parameters share one
    cached robustness run (one seed default, one draws default, one data key)."""
    from smartcity_analysis import results
    from smartcity_analysis.robustness import run as rob_run

    monkeypatch.setenv("SMARTCITY_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(results, "_robustness", _REAL_ROBUSTNESS_DOOR)  # this test needs the real one
    calls = []
    real = rob_run._compute

    def counting(*args, **kwargs):
        calls.append(args[1])
        return real(*args, **kwargs)

    monkeypatch.setattr(rob_run, "_compute", counting)
    code, _, err = _cli(["robustness", "--spec", "kominfo_prescreen", "--cohort", "2019"], capsys)
    assert code == 0, err
    assert calls == [2019]
    shared = results.load_cohort_results(params=results.RunParams(cohort=2019))
    assert shared.robustness_result is not None
    assert shared.robustness_result.summary["draws"] == results.RunParams().draws
    assert calls == [2019]  # the documents' door found the CLI's entry: nothing computed twice


from smartcity_analysis import results as _results  # noqa: E402 - the real door, before any test patches it

_REAL_ROBUSTNESS_DOOR = _results._robustness
