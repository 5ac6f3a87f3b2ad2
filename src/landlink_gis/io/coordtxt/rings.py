"""A plot's rings (圈号) sorted into parts and holes by containment, as the reader and the content
checks build them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon

from .format import fail

__all__ = ["MAX_RINGS_PER_PLOT", "assemble"]

#: A plot with more rings (圈号) than this is refused: assembling holes and parts compares rings
#: pairwise, and no real plot comes near it.
MAX_RINGS_PER_PLOT = 2_000
# point-in-ring tests allowed for one plot's assembly (bounded time for pathological nesting)
_MAX_CONTAINMENT_TESTS = 20_000_000


def _containment(polys: np.ndarray, points: Sequence[np.ndarray], path: Path, line: int) -> tuple:
    """Pairs (i, j) of rings where every point of ring i is covered by the larger ring j.

    Candidates come from an STRtree and bounding-box containment (exact as a pre-filter: points
    covered by ring j lie in its box), so spread-out rings cost little; the point tests are one
    vectorised call, with a per-pair fallback when GEOS refuses an invalid ring.
    """
    areas = shapely.area(polys)
    box = shapely.bounds(polys)
    ii, jj = shapely.STRtree(polys).query(polys)
    keep = (
        (areas[jj] > areas[ii])
        & (box[jj, :2] <= box[ii, :2]).all(1)
        & (box[jj, 2:] >= box[ii, 2:]).all(1)
    )
    ii, jj = ii[keep], jj[keep]
    sizes = np.array([len(p) for p in points])[ii]
    if sizes.sum() > _MAX_CONTAINMENT_TESTS:
        raise fail(
            path,
            line,
            f"plot has {len(polys)} rings nested too deeply to sort into parts and holes "
            f"({int(sizes.sum())} point tests)",
            "Split the plot into several plots",
        )
    if not len(ii):
        return ii, jj
    xy = np.concatenate([points[i] for i in ii])
    starts = np.r_[0, np.cumsum(sizes)[:-1]]
    try:  # a point intersects a polygon exactly when the polygon covers it
        shapely.prepare(polys)
        covered = shapely.intersects_xy(polys[np.repeat(jj, sizes)], xy[:, 0], xy[:, 1])
        inside = np.logical_and.reduceat(covered, starts)
    except GEOSException:  # an invalid ring: GEOM001 reports it later; test pair by pair
        inside = np.zeros(len(ii), dtype=bool)
        for k, (i, j) in enumerate(zip(ii.tolist(), jj.tolist(), strict=True)):
            try:
                inside[k] = bool(shapely.covers(polys[j], shapely.points(points[i])).all())
            except GEOSException:
                inside[k] = False
    return ii[inside], jj[inside]


def assemble(
    rings: np.ndarray, points: Sequence[np.ndarray], path: Path, line: int
) -> Polygon | MultiPolygon:
    """One plot's rings → polygon: a ring inside an odd number of others is a hole, else a part."""
    n = len(rings)
    if n > MAX_RINGS_PER_PLOT:
        raise fail(
            path,
            line,
            f"plot has {n} rings (圈号), more than {MAX_RINGS_PER_PLOT}",
            "Split the plot into several plots",
        )
    polys = shapely.polygons(rings)
    areas = shapely.area(polys)
    ii, jj = _containment(polys, points, path, line)  # ring ii lies in ring jj
    depth = np.bincount(ii, minlength=n)
    # a hole's parent: the smallest of its containers one level up (lowest index on ties)
    direct = (depth[ii] % 2 == 1) & (depth[jj] == depth[ii] - 1)
    hi, hj = ii[direct], jj[direct]
    order = np.lexsort((hj, areas[hj], hi))
    hi, hj = hi[order], hj[order]
    first = np.r_[True, hi[1:] != hi[:-1]] if len(hi) else np.zeros(0, dtype=bool)
    parent = dict(zip(hi[first].tolist(), hj[first].tolist(), strict=True))
    exteriors = [i for i in range(n) if depth[i] % 2 == 0]
    holes: dict[int, list[Any]] = {i: [] for i in exteriors}
    for i in range(n):
        if depth[i] % 2 == 1:
            if i in parent:
                holes[parent[i]].append(rings[i])
            else:  # inconsistent nesting (e.g. crossing rings): keep the ring as a part
                exteriors.append(i)
                holes[i] = []
    exteriors.sort()
    parts = [Polygon(rings[i], holes[i]) for i in exteriors]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)
