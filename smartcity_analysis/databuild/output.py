"""Deterministic, atomic writers of the curated tables (same bytes on every run).

Rows are sorted by the caller, floats use one fixed format (``%.10g``), line endings are ``\\n``,
YAML/JSON keys keep their declared order, and nothing carries a timestamp. Each file is written to a
temporary file in the target folder and then renamed over the target, so an interrupted build never
leaves a half-written table.
"""

from __future__ import annotations

import io
import json

import pandas as pd
import yaml

#: The single float format of every curated CSV.
FLOAT_FORMAT = "%.10g"


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """Serialise a frame as UTF-8 CSV with the fixed float format and ``\\n`` line endings."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, float_format=FLOAT_FORMAT, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


class _Dumper(yaml.SafeDumper):
    """Safe dumper writing lists of scalars on one line (``[2017, 2018]``)."""


def _list(dumper: yaml.SafeDumper, data: list) -> yaml.Node:
    flow = all(isinstance(x, str | int | float) for x in data)
    return dumper.represent_sequence("tag:yaml.org,2002:seq", data, flow_style=flow)


_Dumper.add_representer(list, _list)


def yaml_bytes(obj: object, header: str = "") -> bytes:
    """Serialise to YAML, keeping the declared key order; short lists in flow style."""
    text = yaml.dump(obj, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return (header + text).encode("utf-8")


def json_bytes(obj: object, indent: int | None = 2) -> bytes:
    """Serialise to JSON (UTF-8, declared key order, trailing newline)."""
    seps = (",", ": ") if indent else (",", ":")
    return (json.dumps(obj, indent=indent, ensure_ascii=False, separators=seps) + "\n").encode()
