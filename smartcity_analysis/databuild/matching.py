"""Matching region names of name-only sources to BPS codes, within province.

Name-only sources (BPS table exports, FSVA, nendrahub, DAPOER, the programme list) spell names in many
ways ("Kota Banjar Baru", "kota banjarbaru", "KOTA B A T A M", "Kep. Seribu"). A name is reduced to a
key of upper-case letters and digits with no spaces, plus the kota/kabupaten type; it is then looked up
among the regions of the allowed provinces. Documented aliases (see each source's ``SOURCE.md``) map
renamed regions to the registry name.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

import pandas as pd

from smartcity_analysis.errors import RawDataError

_ABBREVIATIONS = (
    (r"\bKEP\.\s*", "KEPULAUAN "),
    (r"\bKAB\.\s*", "KABUPATEN "),
    (r"\bDAERAH ISTIMEWA\b", "DI"),
    (r"\bADM\.\s*", ""),
)


def name_key(name: str) -> str:
    """Reduce a region or province name to its matching key.

    Notes
    -----
    Upper-case, expand ``KEP.``/``KAB.``, drop ``ADM.``, then keep only ``A-Z`` and ``0-9``:
    ``"Kota Banjar Baru"`` and ``"KOTA BANJARBARU"`` both give ``"KOTABANJARBARU"``.
    """
    s = str(name).upper().strip()
    for pat, rep in _ABBREVIATIONS:
        s = re.sub(pat, rep, s)
    return re.sub(r"[^A-Z0-9]", "", s)


def split_type(name: str) -> tuple[str | None, str]:
    """Split a leading "Kota"/"Kabupaten"/"Kab." off a name: ``("kota", "Banjar Baru")``.

    Returns ``(None, name)`` when the name carries no type prefix.
    """
    s = str(name).strip()
    m = re.match(r"(?i)^(kota\s+adm\.?|kota|kabupaten\s+adm\.?|kabupaten|kab\.?\s*adm\.?|kab\.?)\s+(.*)$", s)
    if not m:
        return None, s
    kind = "kota" if m.group(1).lower().startswith("kota") else "kabupaten"
    return kind, m.group(2)


class NameMatcher:
    """Look up BPS codes by (province, type, name) among the 514 registry regions.

    Parameters
    ----------
    registry : DataFrame
        Columns ``region_code``, ``type``, ``province_code`` and one or more name columns.
    name_columns : sequence of str
        Registry columns whose names are accepted (e.g. BPS short name and Kemendagri name).
    provinces : Mapping[str, str]
        Province name key (see :func:`name_key`) -> BPS province code.
    """

    def __init__(self, registry: pd.DataFrame, name_columns: Iterable[str], provinces: Mapping[str, str]):
        self.provinces = dict(provinces)
        self._index: dict[tuple[str, str, str], set[str]] = {}
        self._nat: dict[tuple[str, str], set[str]] = {}
        for row in registry.itertuples(index=False):
            rec = row._asdict()
            for col in name_columns:
                _, bare = split_type(rec[col])
                key = name_key(bare)
                self._index.setdefault((rec["province_code"], rec["type"], key), set()).add(
                    rec["region_code"]
                )
                self._nat.setdefault((rec["type"], key), set()).add(rec["region_code"])

    def province_code(self, province: str) -> str | None:
        """BPS province code of a province name (any spelling), or ``None``."""
        return self.provinces.get(name_key(province))

    def match(self, name: str, province_codes: Iterable[str] | None, kind: str | None) -> str | None:
        """Return the one BPS code for ``name`` of type ``kind`` in the given provinces, else ``None``.

        ``kind=None`` tries kota first when the name starts with "Kota", then kabupaten.
        ``province_codes=None`` searches nationally (names with type are unique nationally).
        """
        prefix_kind, bare = split_type(name)
        kinds = [kind] if kind else ([prefix_kind, "kabupaten"] if prefix_kind else ["kabupaten"])
        candidates = [(k, bare) for k in kinds]
        if kind is None and prefix_kind == "kota":
            # "kota baru" in FSVA is the kabupaten Kotabaru: also try the full string as a kabupaten.
            candidates.append(("kabupaten", name))
        for k, nm in candidates:
            key = name_key(nm)
            found: set[str] = set()
            if province_codes is None:
                found = self._nat.get((k, key), set())
            else:
                for p in province_codes:
                    found |= self._index.get((p, k, key), set())
            if len(found) == 1:
                return next(iter(found))
        return None


def match_all(
    matcher: NameMatcher,
    items: pd.DataFrame,
    *,
    source: str,
    name_column: str = "name",
    province_column: str | None = "province_codes",
    kind_column: str | None = None,
    aliases: Mapping[str, str] | None = None,
) -> pd.Series:
    """Match every row of ``items`` to a BPS code; raise listing every unmatched name.

    Parameters
    ----------
    aliases : Mapping[str, str]
        Raw name (exactly as in the source) -> name to look up instead (documented renames).

    Returns
    -------
    Series
        ``region_code`` aligned with ``items``.

    Raises
    ------
    RawDataError
        When a name matches no region; the message lists all of them.
    """
    aliases = dict(aliases or {})
    names = items[name_column].tolist()
    provs_all = items[province_column].tolist() if province_column else [None] * len(items)
    kinds = items[kind_column].tolist() if kind_column else [None] * len(items)
    memo: dict[tuple, str | None] = {}
    codes = []
    missing = []
    for raw, provs, kind in zip(names, provs_all, kinds, strict=True):
        key = (raw, tuple(provs) if provs is not None else None, kind)
        if key not in memo:
            memo[key] = matcher.match(aliases.get(raw, raw), key[1], kind)
            if memo[key] is None:
                missing.append(f"{raw!r} (provinces {provs})")
        codes.append(memo[key])
    if missing:
        raise RawDataError(
            f"{len(missing)} region name(s) of source '{source}' match no region of the BPS registry: "
            f"{'; '.join(missing[:10])}. Add a documented alias to the '{source}' reader."
        )
    return pd.Series(codes, index=items.index, name="region_code")
