"""CLI of the data layer: 'smartcity data check' prints the tables; bad arguments exit 2, one line."""

from __future__ import annotations

import subprocess
import sys

import pytest

from smartcity_analysis.cli import main


def test_data_check_prints_coverage_and_disagreements(capsys):
    assert main(["data", "check", "--years", "2016-2019", "--max-rows", "2"]) == 0
    out = capsys.readouterr().out
    assert "Coverage" in out
    cov = out.split("Cross-source")[0]
    ipm_line = next(line for line in cov.splitlines() if line.startswith("ipm "))
    assert ipm_line.split()[1:] == ["514", "514", "514", "514"]
    assert "poverty_rate" in out and "fsva-bkp-jakpost" in out  # the poverty cross-check is shown
    assert "Kabupaten Gorontalo" in out  # its largest disagreement is printed, not hidden
    assert "Source seams" in out
    # DJPK cross-source checks (issue 12)
    assert "DJPK IPM" in out and "DJPK population" in out
    ipm = out.split("DJPK IPM")[1].splitlines()[2].split()
    assert ipm[:3] == ["2016", "508", "508"]  # identical for every region
    assert "INDO-DAPOER -> DJPK" in out
    assert "Swapped region codes" in out and "swapped: 0" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["data", "build", "--bogus"],
        ["data", "check", "--years", "abc"],
        ["data", "check", "--tolerance", "x"],
        ["data"],
        ["data", "build", "--raw-dir", "/nonexistent/raw"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, capsys):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    assert code == 2
    err = capsys.readouterr().err.strip()
    assert err and len(err.splitlines()) == 1
    assert "error" in err


def test_help_explains_subcommands():
    out = subprocess.run([sys.executable, "-m", "smartcity_analysis", "data", "build", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "--raw-dir" in out and "--programme-dir" in out and "--out" in out
    out = subprocess.run([sys.executable, "-m", "smartcity_analysis", "data", "check", "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "coverage" in out.lower()
