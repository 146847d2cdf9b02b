"""Criteria spec loading and validation (issue 3)."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest
from engine_fixtures import spec_dict

from smartcity_analysis.errors import SpecError
from smartcity_analysis.paths import specs_dir
from smartcity_analysis.spec import MethodChoice, Spec, load_spec


def test_fixture_spec_loads_into_frozen_objects():
    spec = load_spec(spec_dict())
    assert isinstance(spec, Spec)
    assert spec.pillar_ids == ("human", "economy", "fiscal")
    assert spec.unavailable_indicators == ("ekppd_score",)
    assert spec.indicator("poverty_rate").direction == -1
    assert spec.methods.normalisation == MethodChoice.make("minmax", lower=0, upper=100)
    with pytest.raises(dataclasses.FrozenInstanceError):
        spec.id = "other"


def test_spec_hash_is_stable_and_content_sensitive():
    a, b = load_spec(spec_dict()), load_spec(spec_dict())
    assert a.spec_hash == b.spec_hash
    c = load_spec(spec_dict(version="0.2"))
    assert c.spec_hash != a.spec_hash


def test_many_mistakes_are_reported_together_with_paths():
    d = spec_dict()
    d["indicators"][0]["code"] = "ipmm"                     # unknown indicator
    d["pillars"][1]["weight"] = -1                          # negative weight
    d["methods"]["normalisation"] = "minmaxx"               # unknown method
    d["pillars"][2]["indicators"]["gc_per_capita"] = None   # missing weight
    with pytest.raises(SpecError) as err:
        load_spec(d)
    paths = [p for p, _ in err.value.problems]
    assert "indicators[0].code" in paths
    assert "pillars[1].weight" in paths
    assert "methods.normalisation" in paths
    assert "pillars[2].indicators.gc_per_capita" in paths
    text = str(err.value)
    assert "Did you mean 'ipm'" in text and "Did you mean 'minmax'" in text


@pytest.mark.parametrize("path", sorted(specs_dir().glob("*.yml")), ids=lambda p: p.name)
def test_shipped_specs_validate(path):
    spec = load_spec(path)
    assert spec.cohorts and spec.pillars


def test_cli_validate_exits_2_without_traceback(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text("id: Bad Id\nindicators: [{code: ipmm}]\npillars: [{id: p, weight: -1, indicators: {ipmm: 1}}]\n"
                   "methods: {aggregation: arithmetc}\n")
    proc = subprocess.run([sys.executable, "-m", "smartcity_analysis", "spec", "validate", str(bad)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1
    for path in ("id:", "indicators[0].code", "pillars[0].weight", "methods.aggregation"):
        assert path in proc.stderr


def test_spec_hash_is_the_same_in_another_process():
    path = specs_dir() / "kominfo_prescreen.yml"
    code = ("from smartcity_analysis.spec import load_spec; "
            f"print(load_spec({str(path)!r}).spec_hash)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={"PYTHONHASHSEED": "123", "PATH": ""}, check=True).stdout.strip()
    assert out == load_spec(path).spec_hash
