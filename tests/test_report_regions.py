"""Region queries: BPS codes, Kemendagri codes, names; ambiguity and suggestions (real registry)."""

from __future__ import annotations

import pytest

from smartcity_analysis.curated.regions import load_region_table, region_name, resolve_region
from smartcity_analysis.errors import AmbiguousRegionError, RegionNotFoundError, SmartcityError


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("6372", "6372"),  # BPS code
        (6372, "6372"),  # an int is accepted and returned as a 4-char string
        ("63.72", "6372"),  # Kemendagri code with its dot
        ("Kota Banjarbaru", "6372"),
        ("  kota   BANJARBARU ", "6372"),
        ("banjarbaru", "6372"),  # unique without the prefix
        ("Kab. Bandung Barat", "3217"),
        ("Kabupaten Bandung", "3204"),
        ("Kota Bandung", "3273"),
        ("11.09", "1101"),  # Kemendagri 11.09 is Simeulue (BPS 1101) ...
        ("1109", "1109"),  # ... but a bare 4-digit code is a BPS code first
        ("1472", "1473"),  # no BPS 1472: read as Kemendagri 14.72 (Kota Dumai, BPS 1473)
    ],
)
def test_resolve_region(query, code):
    assert resolve_region(query) == code


def test_resolved_codes_are_registry_strings():
    regions = load_region_table()
    assert len(regions) == 514
    code = resolve_region("Kota Medan")
    assert isinstance(code, str) and len(code) == 4 and code in regions.index
    assert region_name(code) == "Kota Medan"


@pytest.mark.parametrize("name", ["Bandung", "bogor", "Jayapura", "Banjar"])
def test_names_shared_by_kota_and_kabupaten_are_ambiguous(name):
    with pytest.raises(AmbiguousRegionError) as info:
        resolve_region(name)
    msg = str(info.value)
    assert f"Kota {name.title()}" in msg and f"Kabupaten {name.title()}" in msg
    assert "\n" not in msg


def test_unknown_code_says_what_was_tried():
    with pytest.raises(RegionNotFoundError, match=r"'9999'.*BPS code.*Kemendagri code '99.99'"):
        resolve_region("9999")


@pytest.mark.parametrize(
    ("query", "suggested"),
    [("Banjarbru", "Kota Banjarbaru"), ("Kota Bogr", "Kota Bogor"), ("Kabupaten Banjarbaru", "Kota Banjarbaru")],
)
def test_unknown_name_suggests_closest(query, suggested):
    with pytest.raises(RegionNotFoundError, match="Did you mean") as info:
        resolve_region(query)
    assert suggested in str(info.value)


@pytest.mark.parametrize("query", ["", "   ", "xyzzy", "63.99", "12345"])
def test_errors_are_smartcity_errors(query):
    with pytest.raises(SmartcityError):
        resolve_region(query)
