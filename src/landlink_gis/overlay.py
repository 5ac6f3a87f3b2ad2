"""The one overlap engine: which plots meet which reference features, where, and by how much.

For two arrays of polygons it finds every intersecting pair with one bulk query of a shapely 2
STRtree, then computes the intersection geometry of all pairs at once. A pair where one polygon
lies wholly inside the other skips the GEOS intersection (the inner polygon *is* the
intersection), which a prepared ``within``/``contains`` test decides far more cheaply. Areas are
ellipsoidal (CGCS2000) by default. Every OVL and PLAN rule, and GEOM004, use this engine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from .area import ellipsoidal_area, planar_area
from .geomops import polygonal

__all__ = ["overlay_pairs", "uncovered_parts"]


def _usable(geoms: np.ndarray) -> np.ndarray:
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def overlay_pairs(
    left,
    right,
    *,
    crs,
    tolerance_m2: float = 0.0,
    self_join: bool = False,
    area_method: str = "ellipsoidal",
) -> pd.DataFrame:
    """Intersecting pairs of two polygon arrays with their intersection geometry and area.

    Parameters
    ----------
    left, right
        Arrays of valid polygonal geometries (None for unusable ones, which are skipped).
    crs
        CRS of both arrays (for the ellipsoidal area).
    tolerance_m2
        Pairs whose overlap area is below this are dropped (slivers from shared boundaries).
    self_join
        ``left`` and ``right`` are the same layer: report each unordered pair once, never a
        feature with itself.
    area_method
        ``ellipsoidal`` (default) or ``planar``: which area ``tolerance_m2`` is compared with.

    Returns
    -------
    pandas.DataFrame
        Columns ``left``, ``right`` (positions in the inputs), ``geometry`` (polygonal overlap),
        ``area_m2`` (ellipsoidal), ``area_planar_m2``; one row per pair with overlap area > 0
        and ≥ ``tolerance_m2``.
    """
    left = np.asarray(left, dtype=object)
    right = np.asarray(right, dtype=object)
    empty = pd.DataFrame(
        {"left": np.zeros(0, int), "right": np.zeros(0, int), "geometry": np.zeros(0, object),
         "area_m2": np.zeros(0), "area_planar_m2": np.zeros(0)}
    )
    if len(left) == 0 or len(right) == 0:
        return empty
    lmask, rmask = _usable(left), _usable(right)
    right_pos = np.flatnonzero(rmask)
    tree = shapely.STRtree(right[right_pos])
    left_pos = np.flatnonzero(lmask)
    li, rj = tree.query(left[left_pos], predicate="intersects")
    li, rj = left_pos[li], right_pos[rj]
    if self_join:
        keep = li < rj
        li, rj = li[keep], rj[keep]
    if len(li) == 0:
        return empty
    lg, rg = left[li], right[rj]
    shapely.prepare(rg)
    inside = shapely.within(lg, rg)  # left wholly inside right: overlap = left
    geoms = np.empty(len(li), dtype=object)
    geoms[inside] = lg[inside]
    rest = np.flatnonzero(~inside)
    if len(rest):
        shapely.prepare(lg[rest])
        covers = shapely.contains(lg[rest], rg[rest])  # right wholly inside left: overlap = right
        geoms[rest[covers]] = rg[rest[covers]]
        cut = rest[~covers]
        if len(cut):
            geoms[cut] = shapely.intersection(lg[cut], rg[cut])
    geoms = polygonal(geoms)
    ok = _usable(geoms)
    li, rj, geoms = li[ok], rj[ok], geoms[ok]
    area = ellipsoidal_area(geoms, crs)
    planar = planar_area(geoms)
    measure = planar if area_method == "planar" else area
    keep = (measure > 0) & (measure >= tolerance_m2)
    return pd.DataFrame(
        {"left": li[keep], "right": rj[keep], "geometry": geoms[keep], "area_m2": area[keep], "area_planar_m2": planar[keep]}
    )


def uncovered_parts(left, right, *, crs, tolerance_m2: float = 0.0) -> pd.DataFrame:
    """The part of each ``left`` polygon not covered by any ``right`` polygon.

    Parameters
    ----------
    left, right
        Arrays of valid polygonal geometries (None skipped).
    crs
        CRS of both arrays.
    tolerance_m2
        Uncovered parts smaller than this are ignored.

    Returns
    -------
    pandas.DataFrame
        Columns ``left``, ``geometry`` (the uncovered part), ``area_m2``, ``area_planar_m2``.
    """
    left = np.asarray(left, dtype=object)
    right = np.asarray(right, dtype=object)
    lmask = _usable(left)
    pairs = overlay_pairs(left, right, crs=crs)
    out = left.copy()
    out[~lmask] = None
    if len(pairs):
        covered = pairs.groupby("left")["geometry"].agg(lambda g: shapely.union_all(np.asarray(g, dtype=object)))
        idx = covered.index.to_numpy()
        out[idx] = shapely.difference(left[idx], covered.to_numpy(dtype=object))
    out = polygonal(out)
    ok = _usable(out)
    pos = np.flatnonzero(ok)
    area = ellipsoidal_area(out[pos], crs)
    keep = (area > 0) & (area >= tolerance_m2)
    return pd.DataFrame(
        {"left": pos[keep], "geometry": out[pos][keep], "area_m2": area[keep], "area_planar_m2": planar_area(out[pos][keep])}
    )
