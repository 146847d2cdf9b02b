"""Resolve what a user types for a region (BPS code, Kemendagri code, or name) to its BPS code.

Accepted queries, tried in this order:

1. a 4-digit BPS code (``"6372"``). A bare 4-digit string is looked up as a **BPS code first**; only
   when no region has that BPS code is it tried as a Kemendagri code written without the dot
   (``"6372"`` is always Kota Banjarbaru, BPS; ``"1472"``, which is no BPS code, is Kemendagri 14.72,
   Kota Dumai, BPS 1473). Write the dot (``"11.09"``) to mean a Kemendagri code unambiguously: bare
   ``"1109"`` is BPS 1109 (Kabupaten Pidie), while ``"11.09"`` is Kemendagri 11.09 (Kabupaten
   Simeulue, BPS 1101);
2. a Kemendagri code with a dot (``"63.72"``);
3. a name, case- and accent-insensitive, with or without the ``Kota``/``Kabupaten``/``Kab.`` prefix
   (``"Kota Banjarbaru"``, ``"banjarbaru"``, ``"Kab. Bandung Barat"``). A name shared by several regions
   (``"Bandung"`` is both Kota Bandung and Kabupaten Bandung) raises :class:`AmbiguousRegionError` listing
   the candidates; add the prefix or use a code.

Unknown queries raise :class:`RegionNotFoundError` with the closest names (``difflib``).
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata

import pandas as pd

from smartcity_analysis.errors import AmbiguousRegionError, RegionNotFoundError

_PREFIXES = {
    "kota": "kota",
    "kabupaten": "kabupaten",
    "kab": "kabupaten",
    "kab.": "kabupaten",
}


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9. ]+", " ", text.lower())
    return " ".join(text.split())


def _split_prefix(norm: str) -> tuple[str | None, str]:
    """``"kab. bandung barat"`` -> ``("kabupaten", "bandung barat")``."""
    head, _, rest = norm.partition(" ")
    if rest and head in _PREFIXES:
        return _PREFIXES[head], rest.replace(".", "").strip()
    return None, norm.replace(".", "").strip()


@functools.lru_cache(maxsize=1)
def _regions() -> pd.DataFrame:
    from smartcity_analysis.curated.loaders import load_regions

    return load_regions()


def load_region_table() -> pd.DataFrame:
    """The region registry (``loaders.load_regions()``), cached for the process."""
    return _regions()


def resolve_region(query: str | int) -> str:
    """Resolve a BPS code, Kemendagri code or region name to the 4-character BPS ``region_code``.

    Parameters
    ----------
    query : str or int
        ``"6372"``, ``6372``, ``"63.72"``, ``"Kota Banjarbaru"``, ``"banjarbaru"``...

    Returns
    -------
    str
        The BPS code, e.g. ``"6372"``.

    Raises
    ------
    RegionNotFoundError
        When nothing matches; the message suggests the closest names.
    AmbiguousRegionError
        When a name matches several regions; the message lists them with their codes.

    Notes
    -----
    A bare 4-digit code is looked up as a BPS code first, then as a Kemendagri code without its dot.
    Name matching ignores case, accents, punctuation and the ``Kota``/``Kabupaten``/``Kab.`` prefix; a
    prefix, when given, must agree with the region's type.

    Examples
    --------
    >>> resolve_region("63.72")  # doctest: +SKIP
    '6372'
    """
    regions = _regions()
    raw = str(query).strip()
    if not raw:
        raise RegionNotFoundError("The region query is empty. Give a BPS code (e.g. 6372), a "
                                  "Kemendagri code (e.g. 63.72) or a name (e.g. 'Kota Banjarbaru').")
    if re.fullmatch(r"\d{4}", raw):
        if raw in regions.index:
            return raw
        dotted = f"{raw[:2]}.{raw[2:]}"
        hits = regions.index[regions["kemendagri_code"].astype(str) == dotted]
        if len(hits) == 1:
            return str(hits[0])
        raise RegionNotFoundError(
            f"No region has the code '{raw}' (tried it as a BPS code, then as Kemendagri code "
            f"'{dotted}'). Expected one of the {len(regions)} BPS codes of 2017-2019, e.g. 6372 for "
            f"Kota Banjarbaru; data/regions.csv lists them."
        )
    if re.fullmatch(r"\d{2}\.\d{2}", raw):
        hits = regions.index[regions["kemendagri_code"].astype(str) == raw]
        if len(hits) == 1:
            return str(hits[0])
        raise RegionNotFoundError(
            f"No region has the Kemendagri code '{raw}'. Expected a code like '63.72' (Kota "
            f"Banjarbaru) or a BPS code like 6372."
        )
    norm = _normalise(raw)
    prefix, bare = _split_prefix(norm)
    names = regions["name"].map(_normalise)
    split = names.map(_split_prefix)
    types = regions["type"].astype(str)
    bare_names = split.map(lambda t: t[1])
    exact = regions.index[names == norm.replace(".", "")]
    if len(exact) == 1:
        return str(exact[0])
    mask = bare_names == bare
    if prefix is not None:
        mask &= types == prefix
    hits = list(regions.index[mask])
    if len(hits) == 1:
        return str(hits[0])
    if len(hits) > 1:
        listed = "; ".join(
            f"{regions.at[c, 'name']} ({c}, {regions.at[c, 'province_name']})" for c in sorted(hits)
        )
        raise AmbiguousRegionError(
            f"The region name '{raw}' matches {len(hits)} regions: {listed}. Add 'Kota' or "
            f"'Kabupaten' to the name, or give the BPS code."
        )
    by_bare: dict[str, list[str]] = {}
    for code in regions.index:
        by_bare.setdefault(bare_names[code], []).append(str(regions.at[code, "name"]))
    close = difflib.get_close_matches(bare, list(by_bare), n=5, cutoff=0.6)
    suggestions = list(dict.fromkeys(n for c in close for n in by_bare[c]))[:6]
    hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
    raise RegionNotFoundError(
        f"No region matches '{raw}'. Expected a BPS code (e.g. 6372), a Kemendagri code (e.g. 63.72) "
        f"or the name of one of the {len(regions)} kabupaten/kota.{hint}"
    )


def region_name(region_code: str) -> str:
    """Official name of a region (``"6372"`` -> ``"Kota Banjarbaru"``)."""
    regions = _regions()
    if region_code not in regions.index:
        raise RegionNotFoundError(f"Unknown BPS region code '{region_code}'.")
    return str(regions.at[region_code, "name"])
