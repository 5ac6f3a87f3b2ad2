"""The overlap polygon of crossing polygon pairs, built from the kernel's crossings (numba).

For a pair A, B in general position the boundary of A ∩ B is made of the pieces of A's edges
inside B and the pieces of B's edges inside A, joined at the crossings of the two boundaries
(Weiler–Atherton). With every ring walked with its polygon's interior on the left, each vertex
strictly inside the other polygon and each crossing has exactly one piece leaving it, so the
rings of the overlap are the cycles of that "next point" map. The crossings, their parameters
along the edges and whether a ring's first vertex lies inside the other polygon are found with
the kernel's own exact predicates (:mod:`landlink_gis.engine.kernel`), relative to the same
origin, so a pair is decided here exactly as the area kernel decided it; a crossing's point is
computed once, on the left polygon's edge, and shared by the two pieces that meet there.

What is built here: pairs the kernel classed as crossing and decided without a close call (no
orientation within rounding of zero, so no vertex lies on the other boundary, no edges are
collinear and no two crossings coincide), whose overlap is one or more rings without holes. The
components of the intersection of two polygons without holes have no holes (in the plane, the
components of the intersection of two simply connected regions are simply connected), so that is
every pair of hole-free polygons; a pair whose overlap would have a hole, or that breaks any of
the walk's consistency checks, is left to GEOS (``shapely.intersection``), as are pairs with
more crossings than the buffers hold.

Each overlap is returned as GEOS returns a polygon overlay: a Polygon (one ring) or a
MultiPolygon, shells clockwise and closed. Its vertices are those of the two polygons and the
crossings, in boundary order; only the starting vertex of a ring and the last bits of a
crossing's coordinates can differ from GEOS's OverlayNG result (which computes crossings in
double-double arithmetic), so the same region is described (tests compare with ``shapely``'s
intersection by symmetric difference and area).
"""

from __future__ import annotations

import numba
import numpy as np
import shapely

from .kernel import _MAX_CROSS, _bounds, _inside, _ring_signs, _segments

__all__ = ["overlap_polygons"]


@numba.njit(cache=True, nogil=True)
def _sort_crossings(edge, par, n, order):
    """``order[:n]`` = crossings sorted by (edge, parameter along it); insertion sort (n is
    small)."""
    for c in range(n):
        k = c
        while k > 0 and (
            edge[order[k - 1]] > edge[c]
            or (edge[order[k - 1]] == edge[c] and par[order[k - 1]] > par[c])
        ):
            order[k] = order[k - 1]
            k -= 1
        order[k] = c


@numba.njit(cache=True, nogil=True)
def _link_rings(
    g,
    xs,
    ys,
    ring_ptr,
    geom_ptr,
    sign,
    base,
    id0,
    cross_edge,
    order,
    nc,
    cross_id0,
    other,
    oxs,
    oys,
    oring,
    ogeom,
    ox,
    oy,
    sigma,
    succ,
    seq,
    sst,
):
    """Set ``succ`` for the pieces of polygon g's rings inside polygon ``other``: False if a
    consistency check fails (a ring with an odd number of crossings, a point left twice)."""
    q = 0  # next crossing in (edge, parameter) order
    for r in range(geom_ptr[g], geom_ptr[g + 1]):
        s0, end = ring_ptr[r], ring_ptr[r + 1] - 1
        if end <= s0:
            continue
        st, _cc = _inside(xs[s0] - ox, ys[s0] - oy, other, oxs, oys, oring, ogeom, ox, oy, sigma)
        s = st
        n = 0
        for i in range(s0, end):
            if i == s0 or xs[i] != xs[i - 1] or ys[i] != ys[i - 1]:
                seq[n] = id0 + i - base
                sst[n] = s
                n += 1
            while q < nc and cross_edge[order[q]] == i:
                s ^= 1
                seq[n] = cross_id0 + order[q]
                sst[n] = s
                n += 1
                q += 1
        if s != st:
            return False
        for k in range(n):
            if sst[k]:
                nxt = seq[k + 1] if k + 1 < n else seq[0]
                u, v = (seq[k], nxt) if sign[r] > 0 else (nxt, seq[k])
                if succ[u] != -1:
                    return False
                succ[u] = v
    return q == nc


@numba.njit(cache=True, nogil=True)
def _clip(
    pl,
    pr,
    lx,
    ly,
    lring,
    lgeom,
    lhole,
    lok,
    rx,
    ry,
    rring,
    rgeom,
    rhole,
    rok,
    out_x,
    out_y,
    ring_ptr,
    ring_pair,
    status,
):
    lsign = _ring_signs(lx, ly, lring, lhole)
    rsign = _ring_signs(rx, ry, rring, rhole)
    lbb = _bounds(lx, ly, lring, lgeom)
    rbb = _bounds(rx, ry, rring, rgeom)
    ca_e = np.empty(_MAX_CROSS, np.int64)
    ca_t = np.empty(_MAX_CROSS)
    cb_e = np.empty(_MAX_CROSS, np.int64)
    cb_u = np.empty(_MAX_CROSS)
    order = np.empty(_MAX_CROSS, np.int64)
    n_out = 0
    n_rings = 0
    cap = len(out_x)
    for k in range(len(pl)):
        status[k] = False
        a, b = pl[k], pr[k]
        if not lok[a] or not rok[b]:
            continue
        a0, a1 = lring[lgeom[a]], lring[lgeom[a + 1]]
        b0, b1 = rring[rgeom[b]], rring[rgeom[b + 1]]
        na, nb = a1 - a0, b1 - b0
        ax0, ay0, ax1, ay1 = lbb[a, 0], lbb[a, 1], lbb[a, 2], lbb[a, 3]
        # the kernel's origin, so every predicate is evaluated as the area kernel evaluated it
        ox, oy = 0.5 * (ax0 + ax1), 0.5 * (ay0 + ay1)
        bx0, by0 = max(ax0, rbb[b, 0]) - ox, max(ay0, rbb[b, 1]) - oy
        bx1, by1 = min(ax1, rbb[b, 2]) - ox, min(ay1, rbb[b, 3]) - oy
        nc = 0
        ok = True
        for r in range(lgeom[a], lgeom[a + 1]):
            for i in range(lring[r], lring[r + 1] - 1):
                px, py = lx[i] - ox, ly[i] - oy
                qx, qy = lx[i + 1] - ox, ly[i + 1] - oy
                if (px == qx and py == qy) or (
                    max(px, qx) < bx0 or min(px, qx) > bx1 or max(py, qy) < by0 or min(py, qy) > by1
                ):
                    continue
                for s in range(rgeom[b], rgeom[b + 1]):
                    for j in range(rring[s], rring[s + 1] - 1):
                        sx0, sy0 = rx[j] - ox, ry[j] - oy
                        sx1, sy1 = rx[j + 1] - ox, ry[j + 1] - oy
                        if sx0 == sx1 and sy0 == sy1:
                            continue
                        code, t, u, cc = _segments(px, py, qx, qy, sx0, sy0, sx1, sy1)
                        if code == 2 or cc or (code == 1 and nc >= _MAX_CROSS):
                            ok = False
                            break
                        if code == 1:
                            ca_e[nc], ca_t[nc], cb_e[nc], cb_u[nc] = i, t, j, u
                            nc += 1
                    if not ok:
                        break
                if not ok:
                    break
            if not ok:
                break
        if not ok or nc == 0:
            continue
        n_nodes = na + nb + nc
        succ = np.full(n_nodes, -1, np.int64)
        seq = np.empty(max(na, nb) + nc + 1, np.int64)
        sst = np.empty(max(na, nb) + nc + 1, np.int64)
        _sort_crossings(ca_e, ca_t, nc, order)
        if not _link_rings(
            a, lx, ly, lring, lgeom, lsign, a0, 0, ca_e, order, nc, na + nb,
            b, rx, ry, rring, rgeom, ox, oy, -1, succ, seq, sst,
        ):  # fmt: skip
            continue
        _sort_crossings(cb_e, cb_u, nc, order)
        if not _link_rings(
            b, rx, ry, rring, rgeom, rsign, b0, na, cb_e, order, nc, na + nb,
            a, lx, ly, lring, lgeom, ox, oy, 1, succ, seq, sst,
        ):  # fmt: skip
            continue
        # every crossing starts exactly one piece; follow the pieces into rings
        start_out, start_rings = n_out, n_rings
        visited = np.zeros(n_nodes, np.bool_)
        for c in range(nc):
            if succ[na + nb + c] == -1:
                ok = False
        for node in range(n_nodes):
            if not ok:
                break
            if succ[node] == -1 or visited[node]:
                continue
            first = n_out
            area2 = 0.0
            cur = node
            while True:
                if visited[cur] or n_out + 1 >= cap:
                    ok = False
                    break
                visited[cur] = True
                if cur < na:
                    x, y = lx[a0 + cur], ly[a0 + cur]
                elif cur < na + nb:
                    x, y = rx[b0 + cur - na], ry[b0 + cur - na]
                else:
                    c = cur - na - nb
                    e, t = ca_e[c], ca_t[c]
                    ex0, ey0 = lx[e] - ox, ly[e] - oy
                    x = ex0 + t * ((lx[e + 1] - ox) - ex0) + ox
                    y = ey0 + t * ((ly[e + 1] - oy) - ey0) + oy
                out_x[n_out], out_y[n_out] = x, y
                n_out += 1
                cur = succ[cur]
                if cur == node:
                    break
            if not ok:
                break
            m = n_out - first
            for i in range(m):
                x0, y0 = out_x[first + i] - ox, out_y[first + i] - oy
                j = first + (i + 1) % m
                area2 += x0 * (out_y[j] - oy) - (out_x[j] - ox) * y0
            if m < 3 or not area2 > 0.0 or n_rings + 1 >= len(ring_pair):
                # a hole (clockwise when walked with the interior on the left) or a degenerate
                # ring: GEOS builds this pair
                ok = False
                break
            # clockwise, closed, as GEOS gives a polygon overlay's shells
            i, j = first, n_out - 1
            while i < j:
                out_x[i], out_x[j] = out_x[j], out_x[i]
                out_y[i], out_y[j] = out_y[j], out_y[i]
                i += 1
                j -= 1
            out_x[n_out], out_y[n_out] = out_x[first], out_y[first]
            n_out += 1
            ring_ptr[n_rings] = first
            ring_pair[n_rings] = k
            n_rings += 1
            ring_ptr[n_rings] = n_out
        if not ok or n_rings == start_rings:
            n_out, n_rings = start_out, start_rings
            continue
        status[k] = True
    return n_out, n_rings


def overlap_polygons(
    left: tuple[np.ndarray, ...],
    right: tuple[np.ndarray, ...],
    li: np.ndarray,
    rj: np.ndarray,
) -> np.ndarray:
    """The overlap (A ∩ B) of each pair of polygons (``left[li]``, ``right[rj]``).

    Parameters
    ----------
    left, right
        :func:`landlink_gis.engine.kernel.ragged` of the two geometry arrays.
    li, rj
        Positions of each pair's polygons. Every pair must be one the area kernel classed as
        :data:`~landlink_gis.engine.kernel.CROSSING` without a close call; for other pairs the
        result is None or the overlap, never a wrong geometry.

    Returns
    -------
    numpy.ndarray
        Object array: a Polygon or MultiPolygon per pair, None where it is left to GEOS (see the
        module docstring). Runs without the GIL, except for creating the geometries.
    """
    n = len(li)
    out = np.full(n, None, dtype=object)
    if n == 0:
        return out
    li = np.ascontiguousarray(li, dtype=np.int64)
    rj = np.ascontiguousarray(rj, dtype=np.int64)
    # vertices per geometry: the ring pointers at the geometries' first rings
    per_l = np.diff(left[2][left[3]])
    per_r = np.diff(right[2][right[3]])
    # room for every vertex of both polygons, the crossings and the closing points; a pair that
    # needs more goes to GEOS
    cap = int(2 * (per_l[li].sum() + per_r[rj].sum()) + 16 * n)
    xs, ys = np.empty(cap), np.empty(cap)
    ring_ptr = np.zeros(4 * n + 1, np.int64)
    ring_pair = np.empty(4 * n, np.int64)
    status = np.zeros(n, np.bool_)
    n_out, n_rings = _clip(li, rj, *left, *right, xs, ys, ring_ptr, ring_pair, status)
    if n_rings == 0:
        return out
    ptr = ring_ptr[: n_rings + 1]
    ring_of = np.repeat(np.arange(n_rings), np.diff(ptr))
    rings = shapely.linearrings(np.column_stack([xs[:n_out], ys[:n_out]]), indices=ring_of)
    polys = shapely.polygons(rings)
    pair = ring_pair[:n_rings]
    count = np.bincount(pair, minlength=n)
    single = count[pair] == 1
    out[pair[single]] = polys[single]
    multi = ~single
    if multi.any():
        owners, dense = np.unique(pair[multi], return_inverse=True)
        out[owners] = shapely.multipolygons(polys[multi], indices=dense)
    return out
