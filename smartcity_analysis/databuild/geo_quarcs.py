"""Reader of ``geo-quarcs-indonesia514``: 514 polygons (two files), centroids, simplified boundaries."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import shapely
from pyproj import Geod
from shapely.geometry import mapping, shape

from smartcity_analysis.databuild.rawfiles import require_file
from smartcity_analysis.errors import RawDataError

SOURCE_ID = "geo-quarcs-indonesia514"
POLYGON_FILES = ("indonesiaWest282.geojson", "indonesiaEast232.geojson")
POINTS_FILE = "mapIdonesia514-opt-points.geojson"
FILES = (*POLYGON_FILES, POINTS_FILE)

#: Simplification tolerance in degrees (~0.5 km) and coordinate rounding (~10 m) of the boundaries.
SIMPLIFY_TOLERANCE = 0.005
COORD_DECIMALS = 4

_GEOD = Geod(ellps="WGS84")


def _load(path: Path) -> list[dict]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))["features"]
    except (ValueError, KeyError) as exc:
        raise RawDataError(f"'{path}' is not a GeoJSON FeatureCollection: {exc}.") from exc


def read_polygons(raw: Path) -> dict[str, object]:
    """BPS ``region_code`` -> shapely (Multi)Polygon for the 514 regions."""
    out: dict[str, object] = {}
    for name in POLYGON_FILES:
        path = require_file(raw, SOURCE_ID, name)
        for feat in _load(path):
            code = f"{int(feat['properties']['districtID']):04d}"
            if code in out:
                raise RawDataError(f"'{path}': region {code} appears twice in the polygon files.")
            out[code] = shape(feat["geometry"])
    if len(out) != 514:
        raise RawDataError(f"The polygon files of '{SOURCE_ID}' hold {len(out)} regions; expected 514.")
    return out


def read_centroids(raw: Path) -> pd.DataFrame:
    """Centroid ``lon``, ``lat`` (from ``COORD_X``/``COORD_Y``) indexed by ``region_code``."""
    path = require_file(raw, SOURCE_ID, POINTS_FILE)
    rows = [
        (f"{int(f['properties']['districtID']):04d}", float(f["properties"]["COORD_X"]),
         float(f["properties"]["COORD_Y"]))
        for f in _load(path)
    ]  # fmt: skip
    df = pd.DataFrame(rows, columns=["region_code", "lon", "lat"]).set_index("region_code")
    if len(df) != 514 or df.index.duplicated().any():
        raise RawDataError(f"'{path}' should hold 514 unique centroids; got {df.index.nunique()}.")
    return df.sort_index()


def geodesic_area_km2(geom) -> float:
    """Area of a lon/lat polygon on the WGS84 ellipsoid, km2.

    Notes
    -----
    Uses ``pyproj.Geod.geometry_area_perimeter`` (Karney's algorithm): the exact ellipsoidal area,
    which is what an equal-area projection approximates.

    References
    ----------
    Karney, C. F. F. (2013). Algorithms for geodesics. J. Geodesy 87, 43-55.
    """
    area, _ = _GEOD.geometry_area_perimeter(geom)
    return abs(area) / 1e6


def simplified_boundaries(polygons: dict[str, object], names: dict[str, str]) -> dict:
    """GeoJSON FeatureCollection of simplified polygons keyed by ``properties.region_code``.

    Topology-preserving simplification (``SIMPLIFY_TOLERANCE`` degrees), coordinates rounded to
    ``COORD_DECIMALS``; features sorted by code so the output is deterministic.
    """
    features = []
    for code in sorted(polygons):
        geom = polygons[code].simplify(SIMPLIFY_TOLERANCE, preserve_topology=True)
        geom = shapely.set_precision(geom, 10**-COORD_DECIMALS)
        if geom.is_empty:  # a tiny island region: keep the unsimplified outline instead
            geom = shapely.set_precision(polygons[code], 10**-COORD_DECIMALS)
        features.append(
            {
                "type": "Feature",
                "properties": {"region_code": code, "name": names.get(code, "")},
                "geometry": mapping(geom),
            }
        )
    return {"type": "FeatureCollection", "features": features}
