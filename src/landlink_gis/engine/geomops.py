"""Small vectorised geometry helpers shared by the loader, the overlay engine and the rules."""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["bounds_of", "finite_coordinates", "force_2d", "polygonal", "to_multipolygon"]

_POLY_TYPES = (3, 6)  # Polygon, MultiPolygon
_COLLECTION = 7


def finite_coordinates(geoms) -> np.ndarray:
    """Whether every coordinate of each geometry is a finite number (null geometries: True).

    GEOS refuses NaN/inf coordinates in most operations (``make_valid``, overlays), so such
    geometries are kept away from them and reported by GEOM001 instead.
    """
    arr = np.asarray(geoms, dtype=object)
    coords, owner = shapely.get_coordinates(arr, return_index=True)
    ok = np.ones(len(arr), dtype=bool)
    bad = ~np.isfinite(coords).all(axis=1) if len(coords) else np.zeros(0, dtype=bool)
    ok[np.unique(owner[bad])] = False
    return ok


def force_2d(geoms) -> np.ndarray:
    """Geometries with Z (and M) dropped; null geometries stay null."""
    arr = np.asarray(geoms, dtype=object)
    return shapely.force_2d(arr)


def polygonal(geoms) -> np.ndarray:
    """The polygonal part of each geometry (None when it has none).

    Polygons and multipolygons pass unchanged; from a geometry collection (e.g. the result of an
    intersection that also touches along a line) only the polygons are kept.
    """
    arr = np.asarray(geoms, dtype=object).copy()
    types = shapely.get_type_id(arr)
    out = np.where(np.isin(types, _POLY_TYPES), arr, None)
    coll = np.flatnonzero(types == _COLLECTION)
    if len(coll):
        parts, owner = shapely.get_parts(arr[coll], return_index=True)
        keep = np.isin(shapely.get_type_id(parts), _POLY_TYPES)
        if keep.any():
            # multipolygons() wants indices without gaps: a collection with no polygon (a line
            # and a point where two plots touch) must not leave one, so they are ranked first
            owners, dense = np.unique(owner[keep], return_inverse=True)
            out[coll[owners]] = shapely.multipolygons(parts[keep], indices=dense)
    out[shapely.is_empty(out)] = None
    return out


def to_multipolygon(geoms) -> np.ndarray:
    """Polygons promoted to MultiPolygon (other geometries unchanged)."""
    arr = np.asarray(geoms, dtype=object).copy()
    is_poly = shapely.get_type_id(arr) == 3
    if is_poly.any():
        arr[is_poly] = [shapely.MultiPolygon([g]) for g in arr[is_poly]]
    return arr


def bounds_of(frame) -> tuple[float, float, float, float]:
    """Total bounds of the present (non-null, non-empty) geometries of a frame; NaNs when none."""
    geoms = np.asarray(frame.geometry.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return (np.nan, np.nan, np.nan, np.nan)
    with np.errstate(invalid="ignore"):
        b = shapely.bounds(geoms[present])
    return (
        float(np.nanmin(b[:, 0])),
        float(np.nanmin(b[:, 1])),
        float(np.nanmax(b[:, 2])),
        float(np.nanmax(b[:, 3])),
    )
