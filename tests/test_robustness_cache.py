"""Tests of the result cache (smartcity_analysis.cache): keys, atomic entries, table round-trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from smartcity_analysis.cache import cache_key, cached, entry_dir, load_tables, save_tables
from smartcity_analysis.errors import InputError


def test_key_ignores_dict_order_and_distinguishes_values():
    assert cache_key({"a": 1, "b": [1, 2]}) == cache_key({"b": [1, 2], "a": 1})
    assert cache_key({"a": 1}) != cache_key({"a": 2})
    assert cache_key({"a": 0.1}) != cache_key({"a": 0.1000000001})
    assert cache_key({"seed": np.int64(3)}) == cache_key({"seed": 3})
    assert len(cache_key("x")) == 24


def test_key_rejects_objects():
    with pytest.raises(InputError, match="JSON-like"):
        cache_key({"a": object()})


def test_cached_computes_once(tmp_path):
    calls = []

    def compute():
        calls.append(1)
        return {"summary": {"n": len(calls)}}

    a = cached("demo", {"k": 1}, compute, save_tables, load_tables, root=tmp_path)
    b = cached("demo", {"k": 1}, compute, save_tables, load_tables, root=tmp_path)
    assert a == b == {"summary": {"n": 1}}
    assert len(calls) == 1
    c = cached("demo", {"k": 1}, compute, save_tables, load_tables, root=tmp_path, refresh=True)
    assert c == {"summary": {"n": 2}}
    # nothing temporary is left behind
    assert [p.name for p in (tmp_path / "demo").iterdir()] == [cache_key({"k": 1})]


def test_failed_compute_or_save_leaves_nothing(tmp_path):
    def bad_save(obj, directory):
        (directory / "partial.txt").write_text("half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        cached("demo", {"k": 2}, lambda: 1, bad_save, load_tables, root=tmp_path)
    assert list((tmp_path / "demo").iterdir()) == []
    assert not entry_dir("demo", {"k": 2}, root=tmp_path).exists()


def test_table_round_trip_keeps_dtypes(tmp_path):
    frame = pd.DataFrame(
        {
            "region_code": ["0101", "6372", "9471"],
            "p": [0.0, 0.123456789012345678, np.nan],
            "n": np.array([1, 2, 3], dtype="int64"),
            "selected": [True, False, True],
            "reasons": ["", "ipm<60", "NA"],
        }
    ).set_index("region_code")
    save_tables({"regions": frame, "summary": {"jaccard": 0.5, "list": ["0101"]}}, tmp_path)
    back = load_tables(tmp_path)
    pd.testing.assert_frame_equal(back["regions"], frame, check_dtype=False)
    assert back["regions"].index.tolist() == ["0101", "6372", "9471"]
    assert back["regions"]["selected"].dtype == bool
    assert back["regions"]["n"].dtype == np.int64
    assert back["regions"].loc["0101", "reasons"] == ""
    assert back["regions"].loc["9471", "reasons"] == "NA"
    assert back["summary"] == {"jaccard": 0.5, "list": ["0101"]}
