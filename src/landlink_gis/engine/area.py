"""Planar and ellipsoidal (CGCS2000) areas of polygon arrays, vectorised.

The official area of a plot is its **ellipsoidal area** (椭球面积) on the CGCS2000 ellipsoid,
computed
as in the Third National Land Survey (TD/T 1055-2019): the Gauss-Krüger coordinates are converted
to geodetic longitude/latitude and the polygon area is integrated on the ellipsoid as a sum of
ellipsoidal trapezoids between each edge and the equator,

    S = | Σ_edges  Δλ · ∫ G'(B) dB |,   G(B) = b² [ sinB / (2 (1 − e² sin²B)) + ln((1 + e sinB)/(1 −
    e sinB)) / (4e) ],

where G is the area of the ellipsoidal zone from the equator to latitude B per radian of longitude.
Each edge contributes ``Δλ · Ḡ`` with Ḡ the mean of G along the edge (Simpson's rule, exact for
the quadratic variation of G over a plot edge). Edges longer than ``max_edge_m`` are densified in
the
projected plane first, so that long straight edges follow the same path in every method.

Everything works on whole arrays: one coordinate transformation per call and ``numpy.bincount``
per ring — no Python loop over features.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Transformer

#: CGCS2000 ellipsoid (identical in a and f to GRS 80).
CGCS2000_A = 6378137.0
CGCS2000_RF = 298.257222101

SQM_PER_HECTARE = 10_000.0
SQM_PER_MU = 10_000.0 / 15.0
#: no edge of a land plot is longer than this (m): a longer one comes from a broken coordinate
MAX_EDGE_SPAN_M = 1.0e7

__all__ = [
    "CGCS2000_A",
    "CGCS2000_RF",
    "MAX_EDGE_SPAN_M",
    "SQM_PER_HECTARE",
    "SQM_PER_MU",
    "ellipsoidal_area",
    "planar_area",
    "to_hectare",
    "to_mu",
]


def to_hectare(m2):
    """Square metres to 公顷 (hm²)."""
    return np.asarray(m2, dtype=float) / SQM_PER_HECTARE


def to_mu(m2):
    """Square metres to 亩 (1 亩 = 10000/15 m²)."""
    return np.asarray(m2, dtype=float) / SQM_PER_MU


def planar_area(geoms) -> np.ndarray:
    """Planar (projected-plane) area of each geometry; 0 for null or empty geometries."""
    arr = np.asarray(geoms, dtype=object)
    out = shapely.area(arr)
    return np.nan_to_num(np.asarray(out, dtype=float), nan=0.0)


def _zone_integral(lat_rad: np.ndarray) -> np.ndarray:
    """G(B): area between the equator and latitude B per radian of longitude, on CGCS2000."""
    f = 1.0 / CGCS2000_RF
    e2 = f * (2.0 - f)
    e = np.sqrt(e2)
    b = CGCS2000_A * (1.0 - f)
    s = np.sin(lat_rad)
    return (
        b * b * (s / (2.0 * (1.0 - e2 * s * s)) + np.log((1.0 + e * s) / (1.0 - e * s)) / (4.0 * e))
    )


def _to_geographic(crs) -> Transformer | None:
    """Transformer from ``crs`` to CGCS2000 geographic lon/lat, or None when already geographic."""
    src = CRS.from_user_input(crs)
    if src.is_geographic:
        return None
    dst = src.geodetic_crs or CRS.from_epsg(4490)
    return Transformer.from_crs(src, dst, always_xy=True)


def ellipsoidal_area(geoms, crs, *, max_edge_m: float = 50.0) -> np.ndarray:
    """Ellipsoidal area (m²) of each polygon on the CGCS2000 ellipsoid.

    Parameters
    ----------
    geoms
        Array-like of shapely geometries (polygons, multipolygons; other types and null or empty
        geometries give 0). Polygons are expected valid (make invalid ones valid first; the
        area of a self-intersecting ring is not defined).
    crs
        CRS of the coordinates: a projected CGCS2000 Gauss-Krüger CRS or a geographic CRS.
    max_edge_m
        Edges longer than this (in CRS units, projected CRS only) are densified first.

    Returns
    -------
    numpy.ndarray
        Area in square metres, one value per input geometry; NaN where it is not computable (an
        edge longer than :data:`MAX_EDGE_SPAN_M`, or coordinates outside the projection's domain).
    """
    arr = np.asarray(geoms, dtype=object)
    n = len(arr)
    out = np.zeros(n, dtype=float)
    if n == 0:
        return out
    type_id = shapely.get_type_id(arr)
    keep = np.isin(type_id, (3, 6)) & ~shapely.is_empty(arr)
    if not keep.any():
        return out
    idx = np.flatnonzero(keep)
    work = arr[idx]
    transformer = _to_geographic(crs)
    absurd = np.zeros(len(work), dtype=bool)
    if transformer is not None and max_edge_m:
        work, absurd = _densified(work, max_edge_m)
    coords, ring_of_coord, ring_part, is_hole, part_owner, n_parts = _ring_coordinates(
        work, type_id[idx]
    )
    n_rings = len(is_hole)
    # coordinates outside the projection's domain give a NaN area, silently: CRS003 reports why
    with np.errstate(invalid="ignore", over="ignore"):
        if transformer is not None:
            lam, lat = transformer.transform(coords[:, 0], coords[:, 1], radians=True)
        else:
            lam, lat = np.radians(coords[:, 0]), np.radians(coords[:, 1])
        del coords
        same_ring = ring_of_coord[1:] == ring_of_coord[:-1]
        # Simpson's rule per edge: G at both ends (once per vertex) and at the middle
        g_vertex = _zone_integral(lat)
        g_mid = _zone_integral(0.5 * (lat[:-1] + lat[1:]))
        g_mean = (g_vertex[:-1] + 4.0 * g_mid + g_vertex[1:]) / 6.0
        contrib = np.diff(lam) * g_mean
        ring_area = np.abs(
            np.bincount(
                ring_of_coord[:-1][same_ring], weights=contrib[same_ring], minlength=n_rings
            )
        )
        signed = np.where(is_hole, -ring_area, ring_area)
        part_area = np.bincount(ring_part, weights=signed, minlength=n_parts)
        geom_area = np.bincount(part_owner, weights=part_area, minlength=len(work))
    # an edge longer than any plot can have: the coordinates are broken, the area is not computable
    geom_area[absurd] = np.nan
    out[idx] = geom_area
    return out


def _ring_coordinates(geoms: np.ndarray, type_id: np.ndarray) -> tuple[np.ndarray, ...]:
    """Coordinates of every ring of the (multi)polygons ``geoms``, each ring contiguous, in order.

    Returns ``(coords, ring_of_coord, ring_part, is_hole, part_owner, n_parts)``. Rings come
    part by part (exterior first, then the holes), parts geometry by geometry, as
    ``get_parts`` / ``get_rings`` give them; but no part or ring geometry is created for the
    common cases (a polygon is its own part; a part without holes is one ring whose
    coordinates are the part's), which would clone every geometry while holding the GIL.
    """
    poly = type_id == 3
    if poly.all():
        parts, part_owner = geoms, np.arange(len(geoms))
    else:
        # parts of the multipolygons; a polygon is its own part (order within a geometry kept)
        multi = np.flatnonzero(~poly)
        sub, sub_owner = shapely.get_parts(geoms[multi], return_index=True)
        single = np.flatnonzero(poly)
        parts = np.concatenate([geoms[single], sub])
        part_owner = np.concatenate([single, multi[sub_owner]])
    n_parts = len(parts)
    holes = shapely.get_num_interior_rings(parts)
    plain = np.flatnonzero(holes == 0)
    holed = np.flatnonzero(holes > 0)
    # a part without holes: one ring, numbered as the part's position among the plain parts
    coords, ring_of_coord = shapely.get_coordinates(parts[plain], return_index=True)
    ring_part = plain
    is_hole = np.zeros(len(plain), dtype=bool)
    if len(holed):
        rings, ring_sub = shapely.get_rings(parts[holed], return_index=True)
        ring_count = holes[holed] + 1
        first_ring = np.repeat(np.cumsum(ring_count) - ring_count, ring_count)
        hole_coords, hole_ring = shapely.get_coordinates(rings, return_index=True)
        coords = np.concatenate([coords, hole_coords])
        ring_of_coord = np.concatenate([ring_of_coord, hole_ring + len(plain)])
        ring_part = np.concatenate([plain, holed[ring_sub]])
        is_hole = np.concatenate([is_hole, np.arange(len(rings)) != first_ring])
    return coords, ring_of_coord, ring_part, is_hole, part_owner, n_parts


def _densified(geoms: np.ndarray, max_edge_m: float) -> tuple[np.ndarray, np.ndarray]:
    """``geoms`` with every edge longer than ``max_edge_m`` split (``shapely.segmentize``).

    Only geometries that have such an edge are passed to GEOS: a geometry whose envelope diagonal
    is at most ``max_edge_m`` cannot have one, and for the others the edge lengths are measured
    on the coordinate array. Densifying a geometry without a long edge changes nothing (for the
    valid polygons this module is given), so the result equals ``segmentize`` of the whole array.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        The densified geometries, and a mask of those left as they were because an edge is longer
        than :data:`MAX_EDGE_SPAN_M` (a broken coordinate; GEOS refuses to split such an edge,
        "Tolerance is too small compared to geometry length"): their area is not computable.
    """
    absurd = np.zeros(len(geoms), dtype=bool)
    bounds = shapely.bounds(geoms)
    with np.errstate(invalid="ignore"):
        wide = np.flatnonzero(
            ~(np.hypot(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]) <= max_edge_m)
        )
    if not len(wide):
        return geoms, absurd
    xy, owner = shapely.get_coordinates(geoms[wide], return_index=True)
    with np.errstate(invalid="ignore"):
        edge = np.hypot(np.diff(xy[:, 0]), np.diff(xy[:, 1]))
        same = owner[1:] == owner[:-1]
        # an "edge" between two rings of one geometry can only flag it needlessly, never miss one
        long_edge = same & ~(edge <= max_edge_m)
        too_long = same & ~(edge <= max(MAX_EDGE_SPAN_M, max_edge_m))
    absurd[wide[np.unique(owner[1:][too_long])]] = True
    flagged = wide[np.unique(owner[1:][long_edge])]
    flagged = flagged[~absurd[flagged]]
    if not len(flagged):
        return geoms, absurd
    out = geoms.copy()
    try:
        out[flagged] = shapely.segmentize(geoms[flagged], max_edge_m)
    except shapely.errors.GEOSException:
        # one geometry GEOS cannot split: find it, keep the others densified
        for i in flagged:
            try:
                out[i] = shapely.segmentize(geoms[i], max_edge_m)
            except shapely.errors.GEOSException:
                absurd[i] = True
    return out, absurd
