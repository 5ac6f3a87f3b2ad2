"""The one overlap engine: which plots meet which reference features, where, and by how much.

For two arrays of polygons it finds every intersecting pair with one bulk query of a shapely 2
STRtree, then computes the intersection geometry of all pairs at once. A pair where one polygon
lies wholly inside the other skips the GEOS intersection (the inner polygon *is* the
intersection), which a ``covered_by``/``covers`` test decides far more cheaply; pairs whose
envelopes meet but whose polygons do not give an empty intersection and are dropped. Areas are
ellipsoidal
(CGCS2000) by default. Every OVL and PLAN rule, and GEOM004, use this engine.

All cores are used: shapely 2 releases the GIL inside its vectorised functions, so the plots are
cut into chunks that a thread pool runs side by side, each chunk doing its whole pipeline (tree
query, covered-by/covers shortcut, intersection, polygonal part, areas) in a few large vectorised
calls, with no hand-over between phases. GEOS prepared geometries build caches lazily, are not
safe to share between threads and keep what they built for as long as the geometry lives (on a
county's land survey, gigabytes); shapely uses the prepared form of a predicate's first argument
when it has one, so the predicates take the chunk's own plot first (``left covered_by right``,
``left covers right``): no prepared geometry is touched by two threads. Nothing here prepares a
geometry, and the check context prepares none either: most reference features meet one plot, where
preparing costs more than it saves. The result is sorted by (left, right), so it does not depend
on the chunking.

Areas without GEOS: the compiled kernel of :mod:`landlink_gis.engine.kernel` computes every pair's
exact planar and ellipsoidal intersection area and whether one polygon lies inside the other, from
the
coordinate arrays, in the same chunk threads (it runs without the GIL), shared and collinear edges and
touching vertices included (exact predicates, ties broken by a symbolic perturbation). GEOS is used
only for the few pairs the kernel leaves undecided (other geometry types, CRSs other than Transverse
Mercator, huge pairs) and, with ``geometry=True``, for the overlap geometry of the close calls
(pairs the kernel decided only exactly or by the perturbation: their overlap is the one GEOS
builds) and of the crossings whose overlap has a hole. The overlap polygon of every other crossing
pair is built from the kernel's own crossings (:mod:`landlink_gis.engine.clip`). A crossing keeps
the kernel's areas; a polygon inside the other is the overlap itself and is measured as such, and
a close call that may be one polygon's cover takes the whole GEOS path (covered_by, covers,
intersection, areas of the geometry). ``geometry=False`` (figures that need only areas) builds no
geometry at all, and gives the same pairs and, except for inside pairs and those close calls, the
same areas. ``LANDLINK_OVERLAP_KERNEL=geos`` or :func:`set_kernel` forces the GEOS path for comparison.

Another backend (the dask engine, :mod:`landlink_gis.engine.dask_engine`) can take over the pair
computation for a block of code with :func:`use_backend`; the rules do not change.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import os
import threading
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import shapely

from ..base.heap import release_freed_memory
from .area import ellipsoidal_area, planar_area
from .geomops import polygonal
from .packed import PackedGeometries, is_packed

logger = logging.getLogger(__name__)

__all__ = [
    "compute_pairs",
    "elementwise",
    "kernel",
    "near_mask",
    "overlay_pairs",
    "set_kernel",
    "set_threads",
    "threads",
    "uncovered_parts",
    "use_backend",
]

#: Pairs (or features) per chunk below which splitting the work is not worth a thread hand-off.
MIN_CHUNK = 4_000
#: Plots per chunk of the overlay pipeline, at least (each plot gives a few candidate pairs).
MIN_LEFT_CHUNK = 1_000

_threads: int | None = None
_kernel: str | None = None
#: relative slack of the kernel's tolerance pre-filter (its areas agree with GEOS to ~1e-12)
_PREFILTER_SLACK = 1e-9
_backend: contextvars.ContextVar[Callable[..., pd.DataFrame] | None] = contextvars.ContextVar(
    "landlink_overlay_backend", default=None
)


def threads() -> int:
    """Number of threads the engine uses: :func:`set_threads`, else ``LANDLINK_THREADS``, else
    the usable cores."""
    if _threads is not None:
        return _threads
    env = os.environ.get("LANDLINK_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def set_threads(n: int | None) -> None:
    """Set the engine's thread count (``None``: back to ``LANDLINK_THREADS`` / the core count)."""
    global _threads
    if n is not None and int(n) < 1:
        raise ValueError(f"thread count must be at least 1, got {n}")
    _threads = None if n is None else int(n)


def kernel() -> str:
    """The area path: ``"kernel"`` (compiled, GEOS for undecided pairs) or ``"geos"``.

    :func:`set_kernel`, else ``LANDLINK_OVERLAP_KERNEL`` (``geos`` / ``kernel``), else ``"kernel"``.
    """
    if _kernel is not None:
        return _kernel
    env = os.environ.get("LANDLINK_OVERLAP_KERNEL", "").strip().lower()
    return "geos" if env == "geos" else "kernel"


def set_kernel(name: str | None) -> None:
    """Force the area path (``"kernel"`` or ``"geos"``; ``None``: back to
    ``LANDLINK_OVERLAP_KERNEL``)."""
    global _kernel
    if name not in (None, "kernel", "geos"):
        raise ValueError(f"overlap kernel must be 'kernel' or 'geos', got {name!r}")
    _kernel = name


def _kernel_module(crs):
    """(the kernel module, its TM constants for ``crs``) or None when the GEOS path must be used."""
    if kernel() == "geos" or crs is None:
        return None
    try:
        from . import kernel as overlap_kernel
    except ImportError:  # pragma: no cover - numba is a dependency
        logger.info("numba is not installed: overlap areas by GEOS")
        return None
    tm = overlap_kernel.tm_params(crs)
    if tm is None:
        logger.debug("CRS %s is not Transverse Mercator: overlap areas by GEOS", crs)
        return None
    return overlap_kernel, tm


@contextlib.contextmanager
def use_backend(backend: Callable[..., pd.DataFrame] | None) -> Iterator[None]:
    """Route :func:`overlay_pairs` to ``backend`` (same signature) inside a ``with`` block."""
    token = _backend.set(backend)
    try:
        yield
    finally:
        _backend.reset(token)


def _usable(geoms: np.ndarray) -> np.ndarray:
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def _empty(geometry: bool = True) -> pd.DataFrame:
    cols = {
        "left": np.zeros(0, np.int64),
        "right": np.zeros(0, np.int64),
        "geometry": np.zeros(0, object),
        "area_m2": np.zeros(0),
        "area_planar_m2": np.zeros(0),
    }
    if not geometry:
        del cols["geometry"]
    return pd.DataFrame(cols)


def _map(func, parts: list, n_threads: int) -> list:
    if n_threads <= 1 or len(parts) <= 1:
        return [func(p) for p in parts]
    with ThreadPoolExecutor(max_workers=n_threads, thread_name_prefix="landlink-overlay") as pool:
        return list(pool.map(func, parts))


def _elementwise(func, *arrays: np.ndarray, n_threads: int | None = None) -> np.ndarray:
    """``func(*arrays)`` for an elementwise shapely/numpy function, in chunks on the thread pool."""
    nt = threads() if n_threads is None else n_threads
    parts = _bounds(len(arrays[0]), _n_chunks(len(arrays[0]), nt))
    if len(parts) <= 1:
        return func(*arrays)
    return np.concatenate(_map(lambda ab: func(*(x[ab[0] : ab[1]] for x in arrays)), parts, nt))


def elementwise(func, *arrays: np.ndarray, n_threads: int | None = None) -> np.ndarray:
    """``func(*arrays)`` for an elementwise shapely/numpy function, run in chunks on all cores.

    Parameters
    ----------
    func
        A function of equal-length arrays returning one value per element (``shapely.is_valid`` …)
        that releases the GIL; it must not touch prepared geometries shared between chunks.
    *arrays
        Its arguments.
    n_threads
        Overrides :func:`threads`.

    Returns
    -------
    numpy.ndarray
        The concatenated result, as ``func(*arrays)`` would give it.
    """
    return _elementwise(func, *arrays, n_threads=n_threads)


def _n_chunks(n: int, n_threads: int) -> int:
    # a few chunks per thread balance uneven chunks; none smaller than MIN_CHUNK
    return max(1, min(4 * n_threads, n // MIN_CHUNK))


def compute_pairs(
    left: np.ndarray,
    right: np.ndarray,
    *,
    crs,
    tolerance_m2: float = 0.0,
    self_join: bool = False,
    area_method: str = "ellipsoidal",
    geometry: bool = True,
    n_threads: int | None = None,
) -> pd.DataFrame:
    """The local engine behind :func:`overlay_pairs` (same parameters and result).

    ``n_threads`` overrides :func:`threads`. Backends call this on their own pieces of the data.
    """
    if is_packed(right) and not self_join:
        return _pairs_by_chunks(
            left,
            right,
            crs=crs,
            tolerance_m2=tolerance_m2,
            area_method=area_method,
            geometry=geometry,
            n_threads=n_threads,
        )
    left = np.asarray(left, dtype=object)
    right = np.asarray(right, dtype=object)
    if len(left) == 0 or len(right) == 0:
        return _empty(geometry)
    nt = threads() if n_threads is None else max(1, int(n_threads))
    left_pos = np.flatnonzero(_usable(left))
    right_pos = np.flatnonzero(_usable(right))
    if len(left_pos) == 0 or len(right_pos) == 0:
        return _empty(geometry)
    # a self-join's tree is of plots no later overlay takes as its right side: not kept
    tree = shapely.STRtree(right[right_pos]) if self_join else _tree(right, right_pos)
    use_planar = area_method == "planar"
    fast = _kernel_module(crs)

    def geos(li: np.ndarray, rj: np.ndarray) -> tuple[np.ndarray, ...]:
        # the GEOS path: predicates, intersection, areas of the geometry, in a few large calls
        lg, rg = left[li], right[rj]
        # left wholly inside right: the overlap is the left plot; `covered_by` with the plot as
        # first argument, so only this chunk's plots could be used as prepared (if a caller
        # prepared them)
        within = shapely.covered_by(lg, rg)
        geoms = np.where(within, lg, None)
        rest = np.flatnonzero(~within)
        if len(rest):
            # right wholly inside left, else a true intersection; no `intersects` filter first:
            # GEOS answers a disjoint pair's intersection (empty, dropped below) about as fast
            # as the test itself, and most candidates do intersect
            covered = shapely.covers(lg[rest], rg[rest])
            geoms[rest[covered]] = rg[rest[covered]]
            todo = rest[~covered]
            if len(todo):
                geoms[todo] = shapely.intersection(lg[todo], rg[todo])
        geoms = polygonal(geoms)
        area, planar = ellipsoidal_area(geoms, crs), planar_area(geoms)
        value = planar if use_planar else area
        keep = _usable(geoms) & (value > 0) & (value >= tolerance_m2)
        return li[keep], rj[keep], geoms[keep], area[keep], planar[keep]

    def work(pos: np.ndarray) -> tuple[np.ndarray, ...]:
        # the whole pipeline for one chunk of left plots, in a few large calls that release the GIL
        qi, qj = tree.query(left[pos])
        li, rj = pos[qi], right_pos[qj]
        if self_join:
            keep = li < rj
            li, rj = li[keep], rj[keep]
        if fast is None:
            return geos(li, rj)
        return _by_kernel(
            fast,
            left,
            right,
            li,
            rj,
            geos,
            crs=crs,
            use_planar=use_planar,
            tolerance_m2=tolerance_m2,
            geometry=geometry,
        )

    # chunks of plots, not of pairs: a plot meets several reference features, so plot chunks
    # are smaller than pair chunks; more of them balance the threads' loads
    n_chunks = 1 if nt <= 1 else max(1, min(8 * nt, len(left_pos) // MIN_LEFT_CHUNK))
    found = _map(work, np.array_split(left_pos, n_chunks), nt)
    li, rj, geoms, area, planar = (np.concatenate([f[k] for f in found]) for k in range(5))
    order = np.lexsort((rj, li))
    cols = {
        "left": li[order].astype(np.int64),
        "right": rj[order].astype(np.int64),
        "geometry": geoms[order],
        "area_m2": area[order],
        "area_planar_m2": planar[order],
    }
    if not geometry:
        del cols["geometry"]
    return pd.DataFrame(cols)


def _pairs_by_chunks(left, right: PackedGeometries, **kw) -> pd.DataFrame:
    """:func:`compute_pairs` with a packed ``right``, made into GEOS geometries a chunk at a time.

    Each chunk is overlaid with the plots whose envelope meets the chunk's extent; every pair is
    decided by itself, so the pairs of all chunks, sorted by (left, right), are the pairs of the
    whole array.
    """
    left = np.asarray(left, dtype=object)
    if len(left) == 0 or len(right) == 0:
        return _empty(kw.get("geometry", True))
    lb = shapely.bounds(left)
    parts = []
    for start, chunk in right.chunks():
        use = _usable(chunk)
        if not use.any():
            continue
        xmin, ymin, xmax, ymax = shapely.total_bounds(chunk[use])
        near = np.flatnonzero(
            (lb[:, 0] <= xmax) & (lb[:, 2] >= xmin) & (lb[:, 1] <= ymax) & (lb[:, 3] >= ymin)
        )
        if not len(near):
            continue
        pairs = compute_pairs(left[near], chunk, **kw)
        if len(pairs):
            pairs["left"] = near[pairs["left"].to_numpy()].astype(np.int64)
            pairs["right"] = pairs["right"].to_numpy() + np.int64(start)
            parts.append(pairs)
        # the chunk's GEOS geometries and tree, and the threads' work, are freed: hand them
        # back before the next chunk (each would otherwise leave its fragments in the heap)
        del chunk, use, near, pairs
        release_freed_memory()
    if not parts:
        return _empty(kw.get("geometry", True))
    out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    order = np.lexsort((out["right"].to_numpy(), out["left"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def _by_kernel(
    fast, left, right, li, rj, geos, *, crs, use_planar, tolerance_m2, geometry
) -> tuple[np.ndarray, ...]:
    """One chunk's pairs by the compiled kernel; undecided pairs (and kept pairs' geometry) by
    GEOS."""
    module, tm = fast
    n = len(li)
    if n == 0:
        return geos(li, rj)
    ul, linv = np.unique(li, return_inverse=True)
    ur, rinv = np.unique(rj, return_inverse=True)
    lrag, rrag = module.ragged(left[ul]), module.ragged(right[ur])
    planar, area, cls, close = module.pair_areas(lrag, rrag, linv, rinv, tm)
    undecided = np.flatnonzero(cls == module.FALLBACK)
    value = planar if use_planar else area
    floor = tolerance_m2 * (1.0 - _PREFILTER_SLACK) - _PREFILTER_SLACK if tolerance_m2 > 0 else 0.0
    keep = np.flatnonzero(
        (cls != module.FALLBACK) & (cls != module.DISJOINT) & (value > 0) & (value >= floor)
    )
    parts = [geos(li[undecided], rj[undecided])] if len(undecided) else []
    if geometry:
        # close calls (decided exactly or by the perturbation) get their geometry as the GEOS
        # path builds it (covered_by, covers, intersection), so the overlap is the one GEOS gave
        # when it decided these pairs
        near = np.flatnonzero(close & (cls != module.FALLBACK))
        if len(near):
            # a crossing whose overlap is clearly smaller than both polygons is covered by
            # neither: GEOS's covered_by and covers would both say no, so its intersection is
            # made at once, and it keeps the kernel's areas (exact for the region, as for every
            # other crossing); the others (inside, or as large as a polygon) take the whole path
            nl, nr = li[near], rj[near]
            smaller = np.minimum(shapely.area(left[nl]), shapely.area(right[nr]))
            direct = (cls[near] == module.CROSSING) & (planar[near] < (1.0 - 1e-9) * smaller)
            whole = near[~direct]
            if len(whole):
                parts.append(geos(li[whole], rj[whole]))
            direct = near[direct]
            direct = direct[(value[direct] > 0) & (value[direct] >= tolerance_m2)]
            if len(direct):
                built = polygonal(shapely.intersection(left[li[direct]], right[rj[direct]]))
                ok = _usable(built)
                d = direct[ok]
                parts.append((li[d], rj[d], built[ok], area[d], planar[d]))
            keep = keep[~close[keep]]
        if len(keep):
            k_li, k_rj, k_cls = li[keep], rj[keep], cls[keep]
            geoms = np.where(
                k_cls == module.LEFT_INSIDE,
                left[k_li],
                np.where(k_cls == module.RIGHT_INSIDE, right[k_rj], None),
            )
            # a plot inside a feature (or a feature inside a plot) keeps its areas as measured
            # on that polygon, as on the GEOS path; an overlap built from the kernel's crossings
            # keeps the kernel's areas, the exact areas of the ring it is built from (measuring
            # it again would only add rounding: the ellipsoidal sum cancels terms of 1e7 m²)
            g_area, g_planar = area[keep].copy(), planar[keep].copy()
            measure = k_cls != module.CROSSING
            cross = np.flatnonzero(~measure)
            if len(cross):
                # built from the kernel's crossings; what it leaves (an overlap with a hole) by
                # GEOS, and measured on that geometry
                from .clip import overlap_polygons

                geoms[cross] = overlap_polygons(lrag, rrag, linv[keep[cross]], rinv[keep[cross]])
                rest = cross[shapely.is_missing(geoms[cross])]
                if len(rest):
                    geoms[rest] = polygonal(
                        shapely.intersection(left[k_li[rest]], right[k_rj[rest]])
                    )
                    measure[rest] = True
            g_area[measure] = ellipsoidal_area(geoms[measure], crs)
            g_planar[measure] = planar_area(geoms[measure])
            g_value = g_planar if use_planar else g_area
            ok = _usable(geoms) & (g_value > 0) & (g_value >= tolerance_m2)
            parts.append((k_li[ok], k_rj[ok], geoms[ok], g_area[ok], g_planar[ok]))
    else:
        exact = keep[(value[keep] >= tolerance_m2)]
        parts.append(
            (
                li[exact],
                rj[exact],
                np.full(len(exact), None, dtype=object),
                area[exact],
                planar[exact],
            )
        )
    if not parts:
        return geos(li[:0], rj[:0])
    return tuple(np.concatenate([p[k] for p in parts]) for k in range(5))


#: STRtrees of recently used right-hand arrays, by ``id``: (weak reference, usable positions, tree).
_TREES: dict[int, tuple[weakref.ref, np.ndarray, shapely.STRtree]] = {}
_TREES_LOCK = threading.Lock()


def _tree(right: np.ndarray, right_pos: np.ndarray) -> shapely.STRtree:
    """STRtree of ``right[right_pos]``, shared by the calls that overlay the same array.

    A check overlays several plot layers with the same reference array (the land survey under
    the demolition and the construction plots); the tree is built once while that array lives.
    Arrays given to the engine are not modified in place (the check context's are cached).
    """
    key = id(right)
    with _TREES_LOCK:
        hit = _TREES.get(key)
    if hit is not None and hit[0]() is right and np.array_equal(hit[1], right_pos):
        return hit[2]
    tree = shapely.STRtree(right[right_pos])
    try:
        ref = weakref.ref(right, lambda _r, key=key: _TREES.pop(key, None))
    except TypeError:  # pragma: no cover - ndarrays support weak references
        return tree
    with _TREES_LOCK:
        _TREES[key] = (ref, right_pos, tree)
    return tree


def _bounds(n: int, n_chunks: int) -> list[tuple[int, int]]:
    edges = np.linspace(0, n, max(1, n_chunks) + 1).astype(np.int64)
    return [(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True) if b > a]


def near_mask(geoms, others, distance: float, *, chunk: int = 25_000) -> np.ndarray:
    """Which of ``geoms`` lie within ``distance`` of some geometry of ``others``.

    The same answer as ``STRtree(others).query(geoms, predicate="dwithin", distance=distance)``
    (GEOS distance ≤ ``distance``), without its cost: on prepared geometries that query builds a
    distance index in each, kept as long as the geometry lives (about 1.3 KB per land-survey
    polygon, gigabytes on a county), and it runs on one core. Here candidate pairs come from the
    envelopes grown by ``distance``, in chunks of ``chunk`` geometries, and their distances are
    computed without preparing anything, on all cores.

    Parameters
    ----------
    geoms, others
        Geometry arrays (None and empty geometries are never near anything).
    distance
        Metres (units of the CRS); 0 means touching or overlapping.
    chunk
        Geometries of ``geoms`` per round (bounds the memory of the candidate pairs).

    Returns
    -------
    numpy.ndarray
        Boolean mask over ``geoms``.
    """
    others = np.asarray(others, dtype=object)
    others = others[_usable(others)]
    out = np.zeros(len(geoms), dtype=bool)
    if not len(others) or not len(geoms):
        return out
    tree = shapely.STRtree(others)
    near = (others, shapely.bounds(others), tree)
    if is_packed(geoms):  # a packed layer: GEOS geometries of one chunk at a time
        for start, part in geoms.chunks():
            out[start : start + len(part)] = _near(part, near, distance, chunk)
            del part
            release_freed_memory()  # the chunk's geometries and candidates, before the next
        return out
    return _near(np.asarray(geoms, dtype=object), near, distance, chunk)


def _near(geoms: np.ndarray, near_to: tuple, distance: float, chunk: int) -> np.ndarray:
    """:func:`near_mask` of a geometry array; ``near_to``: the usable ``others``, their bounds and
    their STRtree.

    A geometry is near as soon as one candidate is: the candidates are measured in rounds (round
    k measures the k-th candidate of each geometry not yet found near), those whose envelopes
    overlap the geometry's first, so most geometries take one GEOS distance instead of one per
    candidate; a geometry that is near nothing has all of its candidates measured, as before.
    """
    others, other_bounds, tree = near_to
    out = np.zeros(len(geoms), dtype=bool)
    pos = np.flatnonzero(_usable(geoms))
    for start in range(0, len(pos), max(1, chunk)):
        part = pos[start : start + chunk]
        bounds = shapely.bounds(geoms[part])
        xmin, ymin, xmax, ymax = bounds.T
        boxes = shapely.box(xmin - distance, ymin - distance, xmax + distance, ymax + distance)
        qi, qj = tree.query(boxes)
        if not len(qi):
            continue
        # each geometry's candidates together, those whose envelope meets its own first
        ob = other_bounds[qj]
        gb = bounds[qi]
        apart = (
            (ob[:, 0] > gb[:, 2])
            | (ob[:, 2] < gb[:, 0])
            | (ob[:, 1] > gb[:, 3])
            | (ob[:, 3] < gb[:, 1])
        )
        order = np.lexsort((apart, qi))
        qi, qj = qi[order], qj[order]
        first = np.flatnonzero(np.r_[True, qi[1:] != qi[:-1]])
        count = np.diff(np.r_[first, len(qi)])
        del ob, gb, apart, order
        near = np.zeros(len(first), dtype=bool)
        live = np.arange(len(first))
        k = 0
        while len(live):
            live = live[count[live] > k]
            if not len(live):
                break
            at = first[live] + k
            gap = elementwise(shapely.distance, geoms[part[qi[at]]], others[qj[at]])
            hit = gap <= distance
            near[live[hit]] = True
            live = live[~hit]
            k += 1
        out[part[qi[first[near]]]] = True
    return out


def overlay_pairs(
    left,
    right,
    *,
    crs,
    tolerance_m2: float = 0.0,
    self_join: bool = False,
    area_method: str = "ellipsoidal",
    geometry: bool = True,
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
    geometry
        False: areas only, no ``geometry`` column; no GEOS geometry is built except for the few
        pairs the compiled kernel leaves to GEOS (figures such as the balance need only areas).

    Returns
    -------
    pandas.DataFrame
        Columns ``left``, ``right`` (positions in the inputs), ``geometry`` (polygonal overlap),
        ``area_m2`` (ellipsoidal), ``area_planar_m2``; one row per pair with overlap area > 0
        and ≥ ``tolerance_m2``, sorted by (left, right).
    """
    backend = _backend.get()
    kw = {} if geometry else {"geometry": False}
    if backend is not None:
        return backend(
            left,
            right,
            crs=crs,
            tolerance_m2=tolerance_m2,
            self_join=self_join,
            area_method=area_method,
            **kw,
        )
    return compute_pairs(
        left,
        right,
        crs=crs,
        tolerance_m2=tolerance_m2,
        self_join=self_join,
        area_method=area_method,
        **kw,
    )


def overlay_in_pieces(left, right, *, piece: int, **kw) -> Iterator[tuple[int, pd.DataFrame]]:
    """:func:`overlay_pairs` of each run of ``piece`` left features with all of ``right``.

    Yields ``(start, pairs)`` for ``left[start : start + piece]`` in order, ``pairs["left"]``
    counted from ``start``; the pairs are exactly ``overlay_pairs(left[start : start + piece],
    right, **kw)``. A caller bounds its memory by the piece (findings with overlap geometry).

    With a packed ``right`` (:class:`~landlink_gis.engine.packed.PackedGeometries`), one pass
    over its chunks finds which right features each piece may meet (envelopes that meet, as the
    engine's own tree query), and each piece then makes only those into GEOS geometries, instead
    of the whole layer once per piece.
    """
    left = np.asarray(left, dtype=object)
    piece = max(1, int(piece))
    starts = range(0, len(left), piece)
    if not is_packed(right) or _backend.get() is not None or len(left) <= piece:
        for start in starts:
            yield start, overlay_pairs(left[start : start + piece], right, **kw)
        return
    lpos = np.flatnonzero(_usable(left))
    # per piece, the right features it may meet: each chunk adds its own (sorted, distinct),
    # so a piece's list is sorted and distinct with no table of every candidate pair
    needs: list[list[np.ndarray]] = [[] for _ in starts]
    if len(lpos):
        tree = shapely.STRtree(left[lpos])
        for first, chunk in right.chunks():
            rpos = np.flatnonzero(_usable(chunk))
            qi, qj = tree.query(chunk[rpos])
            met = np.unique((lpos[qj] // piece) * np.int64(len(chunk)) + rpos[qi])
            which, local = met // len(chunk), met % len(chunk)
            bounds = np.searchsorted(which, np.arange(len(starts) + 1))  # ``which`` is sorted
            for k in np.flatnonzero(np.diff(bounds)):
                needs[k].append(local[bounds[k] : bounds[k + 1]] + np.int64(first))
            del chunk, qi, qj, met, which, local
            release_freed_memory()
        del tree
    for k, start in enumerate(starts):
        need = np.concatenate(needs[k]) if needs[k] else np.zeros(0, np.int64)
        needs[k] = []
        part = left[start : start + piece]
        if not len(need):
            yield start, overlay_pairs(part, np.zeros(0, dtype=object), **kw)
            continue
        pairs = overlay_pairs(part, right[need], **kw)
        pairs["right"] = need[pairs["right"].to_numpy()].astype(np.int64)
        yield start, pairs


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
    right = right if is_packed(right) else np.asarray(right, dtype=object)
    lmask = _usable(left)
    pairs = overlay_pairs(left, right, crs=crs)
    out = left.copy()
    out[~lmask] = None
    if len(pairs):
        li = pairs["left"].to_numpy()
        pieces = pairs["geometry"].to_numpy(dtype=object)
        owners, first, count = np.unique(li, return_index=True, return_counts=True)
        single = count == 1
        covered = np.empty(len(owners), dtype=object)
        covered[single] = pieces[first[single]]
        if (~single).any():
            # several pieces per plot: gather them into one multipolygon per plot and union the
            # overlapping parts with make_valid's "structure" method (vectorised over plots)
            many = np.isin(li, owners[~single])
            parts, part_owner = shapely.get_parts(pieces[many], return_index=True)
            group = np.searchsorted(owners[~single], li[many][part_owner])
            merged = shapely.multipolygons(parts, indices=group)
            covered[~single] = _elementwise(
                lambda g: shapely.make_valid(g, method="structure", keep_collapsed=False), merged
            )
        out[owners] = _elementwise(shapely.difference, left[owners], covered)
    out = _elementwise(polygonal, out)
    ok = _usable(out)
    pos = np.flatnonzero(ok)
    area = _elementwise(lambda g: ellipsoidal_area(g, crs), out[pos])
    keep = (area > 0) & (area >= tolerance_m2)
    return pd.DataFrame(
        {
            "left": pos[keep],
            "geometry": out[pos][keep],
            "area_m2": area[keep],
            "area_planar_m2": planar_area(out[pos][keep]),
        }
    )
