"""Maps of the 514 kabupaten/kota drawn with plain matplotlib (``PolyCollection``; no geopandas).

Boundaries come from :func:`smartcity_analysis.curated.loaders.load_boundaries` (a GeoJSON FeatureCollection
in WGS84 lon/lat with ``properties.region_code``). Every function takes ``ax=None`` and returns the
Axes; none calls ``show()`` or ``savefig()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.collections import PolyCollection

#: Colours of the locator maps.
BASE_FACE = "#e3e6ea"
BASE_EDGE = "#ffffff"
PROVINCE_FACE = "#b8c7d9"
REGION_FACE = "#c0392b"
SEA = "#f4f8fb"


def _rings(geometry: Mapping) -> list[np.ndarray]:
    """Exterior rings of a (Multi)Polygon as ``(n, 2)`` lon/lat arrays (holes are ignored: at this
    scale they are invisible, and a PolyCollection cannot draw them)."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates") or []
    if kind == "Polygon":
        polys = [coords]
    elif kind == "MultiPolygon":
        polys = coords
    else:
        return []
    return [np.asarray(poly[0], dtype=float)[:, :2] for poly in polys if poly and len(poly[0]) >= 3]


def _parse_rings(boundaries: Mapping) -> dict[str, list[np.ndarray]]:
    out: dict[str, list[np.ndarray]] = {}
    for feat in boundaries.get("features", []):
        code = str(feat.get("properties", {}).get("region_code", ""))
        out.setdefault(code, []).extend(_rings(feat.get("geometry") or {}))
    return out


# The rings of the curated boundaries file, parsed once per process (and kernel: module state survives
# the batch's ``%reset -f``). Keyed on the file's path and content hash, so an edited file is re-read.
_RINGS_MEMO: dict[tuple[str, str], dict[str, list[np.ndarray]]] = {}


def _default_rings() -> dict[str, list[np.ndarray]]:
    import hashlib

    from smartcity_analysis.curated.loaders import _file, load_boundaries

    path = _file("boundaries.geojson")
    key = (str(path.resolve()), hashlib.sha256(path.read_bytes()).hexdigest())
    rings = _RINGS_MEMO.get(key)
    if rings is None:
        rings = _parse_rings(load_boundaries())
        for arrays in rings.values():
            for arr in arrays:
                arr.setflags(write=False)  # shared by every map of the process: never edited in place
        _RINGS_MEMO.clear()
        _RINGS_MEMO[key] = rings
    return rings


def boundary_rings(boundaries: Mapping | None = None) -> dict[str, list[np.ndarray]]:
    """``region_code -> list of exterior rings`` of a GeoJSON FeatureCollection.

    Parameters
    ----------
    boundaries : dict, optional
        GeoJSON FeatureCollection; default :func:`smartcity_analysis.curated.loaders.load_boundaries`, parsed
        once per process and reused while the file's content is unchanged (its ring arrays are then
        read-only).
    """
    if boundaries is None:
        return {code: list(arrays) for code, arrays in _default_rings().items()}
    return _parse_rings(boundaries)


def _collection(rings: dict[str, list[np.ndarray]], codes: Iterable[str], **kw) -> PolyCollection:
    verts = [ring for code in codes for ring in rings.get(code, [])]
    return PolyCollection(verts, **kw)


def _extent(rings: dict[str, list[np.ndarray]], codes: Iterable[str], pad: float = 0.08):
    pts = [ring for code in codes for ring in rings.get(code, [])]
    if not pts:
        return None
    allp = np.vstack(pts)
    (x0, y0), (x1, y1) = allp.min(axis=0), allp.max(axis=0)
    dx, dy = max(x1 - x0, 0.2), max(y1 - y0, 0.2)
    return x0 - pad * dx, x1 + pad * dx, y0 - pad * dy, y1 + pad * dy


def _finish(ax, title: str | None) -> None:
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor(SEA)
    for spine in ax.spines.values():
        spine.set_edgecolor("#b0b7c0")
        spine.set_linewidth(0.6)
    if title:
        ax.set_title(title, fontsize=9, loc="left")


def locator_map(
    region_code: str,
    *,
    province_codes: Iterable[str] = (),
    boundaries: Mapping | None = None,
    zoom: bool = False,
    title: str | None = None,
    ax=None,
):
    """Locator map: all regions in grey, the region's province in blue-grey, the region in red.

    Parameters
    ----------
    region_code : str
        BPS code of the region to highlight.
    province_codes : iterable of str
        BPS codes of the regions of the same province (shaded).
    boundaries : dict, optional
        GeoJSON FeatureCollection; default :func:`smartcity_analysis.curated.loaders.load_boundaries`.
    zoom : bool
        ``False``: the whole country, with a ring around the region so small kota stay visible.
        ``True``: zoom to the province.
    title : str, optional
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    rings = boundary_rings(boundaries)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 2.4))
    province = [c for c in province_codes if c != region_code]
    others = [c for c in rings if c not in province and c != region_code]
    lw = 0.15 if not zoom else 0.4
    ax.add_collection(_collection(rings, others, facecolor=BASE_FACE, edgecolor=BASE_EDGE, linewidth=lw))
    ax.add_collection(
        _collection(rings, province, facecolor=PROVINCE_FACE, edgecolor=BASE_EDGE, linewidth=lw)
    )
    ax.add_collection(
        _collection(rings, [region_code], facecolor=REGION_FACE, edgecolor="#7b1d14", linewidth=0.4)
    )
    if zoom:
        ext = _extent(rings, [*province, region_code])
    else:
        ext = _extent(rings, list(rings), pad=0.01)
    if ext is not None:
        ax.set_xlim(ext[0], ext[1])
        ax.set_ylim(ext[2], ext[3])
    if not zoom and region_code in rings:
        centre = np.vstack(rings[region_code]).mean(axis=0)
        ax.plot(*centre, marker="o", markersize=11, markerfacecolor="none",
                markeredgecolor=REGION_FACE, markeredgewidth=1.4)
    _finish(ax, title)
    return ax


def choropleth(
    values: pd.Series,
    *,
    boundaries: Mapping | None = None,
    cmap: str = "viridis",
    highlight: str | None = None,
    title: str | None = None,
    label: str | None = None,
    ax=None,
):
    """Choropleth of one value per region (regions without a value are hatched grey).

    Parameters
    ----------
    values : pandas.Series
        Indexed by ``region_code``.
    boundaries : dict, optional
        GeoJSON FeatureCollection; default :func:`smartcity_analysis.curated.loaders.load_boundaries`.
    cmap : str
        Matplotlib colour map.
    highlight : str, optional
        Region code outlined in black.
    title, label : str, optional
        Axes title and colour-bar label.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.axes.Axes
    """
    rings = boundary_rings(boundaries)
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 2.8))
    vals = pd.to_numeric(values, errors="coerce")
    have = [c for c in rings if c in vals.index and np.isfinite(vals[c])]
    missing = [c for c in rings if c not in set(have)]
    ax.add_collection(
        _collection(rings, missing, facecolor=BASE_FACE, edgecolor="#999999", linewidth=0.1, hatch="////")
    )
    verts, arr = [], []
    for code in have:
        for ring in rings[code]:
            verts.append(ring)
            arr.append(vals[code])
    coll = PolyCollection(verts, array=np.asarray(arr, dtype=float), cmap=cmap, edgecolor="white",
                          linewidth=0.1)
    ax.add_collection(coll)
    constant = bool(arr) and np.nanmin(arr) == np.nanmax(arr)
    if constant:  # one value everywhere: centre it instead of a colour bar spanning nothing
        coll.set_clim(arr[0] - 0.5, arr[0] + 0.5)
    if highlight is not None and highlight in rings:
        ax.add_collection(_collection(rings, [highlight], facecolor="none", edgecolor="black", linewidth=1.0))
    ext = _extent(rings, list(rings), pad=0.01)
    if ext is not None:
        ax.set_xlim(ext[0], ext[1])
        ax.set_ylim(ext[2], ext[3])
    if have:
        cbar = ax.figure.colorbar(coll, ax=ax, fraction=0.025, pad=0.01)
        if label:
            cbar.set_label(label, fontsize=8)
        cbar.ax.tick_params(labelsize=7)
        if constant:
            cbar.set_ticks([arr[0]])
            cbar.set_ticklabels([f"{arr[0]:g}"])
    _finish(ax, title)
    return ax
