"""The distributed overlap engine: dask-geopandas + dask.distributed (``landlink check --engine
dask``).

The reference side of every overlap is spatially partitioned with dask-geopandas' Hilbert distance
(the order ``spatial_shuffle`` uses: runs of it are compact patches of the map), and each partition
is scattered to a worker once. Like dask-geopandas' ``sjoin``, the partition hulls decide which
plots go to which partition (an STRtree query of the plots' envelopes against the hulls); each
partition then runs the local vectorised engine (:func:`landlink_gis.engine.overlay.compute_pairs`)
on a worker. A reference feature lives in exactly one partition, so every pair is found exactly
once; the pairs are gathered, put back into the plots' and features' positions and sorted by
(left, right), so the rules see exactly what the local engine gives them and the findings are
identical.

The big reference layers stream as on one machine: the check context holds them packed as WKB
(:mod:`landlink_gis.engine.packed`), the client reads their bounds a chunk at a time and sends each
partition its features' WKB (with the usable view's masks), and the worker's engine makes them
into GEOS geometries a chunk at a time. The whole layer is never GEOS geometries on the client, and
WKB is what a geometry would be pickled as anyway.

On one machine the local engine is faster (no serialisation, no scheduler); this backend is for a
cluster with more cores than one machine has::

    landlink check project.toml --engine dask                       # a LocalCluster on this machine
    landlink check project.toml --engine dask --scheduler tcp://10.0.0.5:8786   # an existing
    cluster

dask, distributed and dask-geopandas are optional (``pip install 'landlink-gis[dask]'``).
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..base.errors import InputError
from .overlay import _empty, _usable, compute_pairs, use_backend
from .packed import is_packed

logger = logging.getLogger(__name__)

__all__ = ["dask_engine", "dask_pairs"]

#: Reference features per partition aimed at (a partition is one task).
FEATURES_PER_PARTITION = 50_000


def _import_dask():
    try:
        import dask_geopandas
        from dask import distributed
    except ImportError as exc:
        raise InputError(
            f"--engine dask needs dask, distributed and dask-geopandas ({exc.name} is missing); "
            "install them with: pip install 'landlink-gis[dask]'"
        ) from None
    return dask_geopandas, distributed


def _partition_task(
    left_geoms, left_pos, part, right_pos, crs_wkt, tolerance_m2, self_join, area_method, geometry
):
    """One partition on a worker: the local engine (compiled area kernel included), then
    positions mapped back. ``part``: the partition's reference features, a geometry array or,
    for a packed layer, a :class:`~landlink_gis.engine.packed.PackedGeometries` (the engine walks
    it a chunk at a time, as on one machine)."""
    pairs = compute_pairs(
        left_geoms,
        part,
        crs=crs_wkt,
        tolerance_m2=tolerance_m2,
        area_method=area_method,
        geometry=geometry,
        n_threads=1,
    )
    pairs["left"] = left_pos[pairs["left"].to_numpy()]
    pairs["right"] = right_pos[pairs["right"].to_numpy()]
    if self_join:
        pairs = pairs[pairs["left"].to_numpy() < pairs["right"].to_numpy()]
    return pairs


def _bounds_and_usable(geoms) -> tuple[np.ndarray, np.ndarray]:
    """Bounds and usability of each geometry; a packed layer is walked a chunk at a time (its
    GEOS geometries are never all alive on the client)."""
    if not is_packed(geoms):
        return shapely.bounds(geoms), _usable(geoms)
    bounds = np.full((len(geoms), 4), np.nan)
    usable = np.zeros(len(geoms), dtype=bool)
    for start, chunk in geoms.chunks():
        bounds[start : start + len(chunk)] = shapely.bounds(chunk)
        usable[start : start + len(chunk)] = _usable(chunk)
    return bounds, usable


def dask_pairs(
    left,
    right,
    *,
    crs,
    tolerance_m2: float = 0.0,
    self_join: bool = False,
    area_method: str = "ellipsoidal",
    geometry: bool = True,
    client: Any,
    npartitions: int | None = None,
) -> pd.DataFrame:
    """:func:`landlink_gis.engine.overlay.overlay_pairs` computed on a dask cluster (same result).

    Parameters
    ----------
    left, right, crs, tolerance_m2, self_join, area_method, geometry
        As for :func:`~landlink_gis.engine.overlay.overlay_pairs`. A packed ``right`` (the check
        context's big reference layers) streams: the client reads its bounds a chunk at a time
        and sends each partition its features' WKB (:meth:`PackedGeometries.take`), never the
        whole layer as GEOS geometries.
    client
        A ``dask.distributed.Client``.
    npartitions
        Spatial partitions of ``right`` (default: one per ~50 000 features, at least one per
        worker).
    """
    _import_dask()
    from dask_geopandas.hilbert_distance import _continuous_to_discrete_coords, _encode

    left = np.asarray(left, dtype=object)
    if not is_packed(right):
        right = np.asarray(right, dtype=object)
    left_pos = np.flatnonzero(_usable(left)) if len(left) else np.zeros(0, np.int64)
    if len(left_pos) == 0 or len(right) == 0:
        return _empty(geometry)
    bounds, usable = _bounds_and_usable(right)
    right_pos = np.flatnonzero(usable)
    if len(right_pos) == 0:
        return _empty(geometry)
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    n = npartitions or max(workers, math.ceil(len(right_pos) / FEATURES_PER_PARTITION))
    n = max(1, min(n, len(right_pos)))
    # dask-geopandas' Hilbert distance of the envelopes' midpoints orders the features along a
    # space-filling curve; cutting that order into n runs gives compact spatial partitions (what
    # spatial_shuffle does, without shipping the layer through a shuffle); each run is
    # scattered to a worker once
    b = bounds[right_pos]
    total = (b[:, 0].min(), b[:, 1].min(), b[:, 2].max(), b[:, 3].max())
    x, y = _continuous_to_discrete_coords(b, 16, total)
    order = right_pos[np.argsort(np.asarray(_encode(16, x, y)), kind="stable")]
    cuts = np.linspace(0, len(order), n + 1).astype(np.int64)
    runs = [np.sort(order[a:c]) for a, c in zip(cuts[:-1], cuts[1:], strict=True) if c > a]
    hulls = np.array(
        [
            shapely.box(
                bounds[r, 0].min(), bounds[r, 1].min(), bounds[r, 2].max(), bounds[r, 3].max()
            )
            for r in runs
        ],
        dtype=object,
    )
    # which plots may meet which partition: plot envelopes against the partition extents
    pi, li = shapely.STRtree(left[left_pos]).query(hulls)
    crs_wkt = crs.to_wkt() if hasattr(crs, "to_wkt") else crs
    futures, sent = [], []
    for k, run in enumerate(runs):
        cand = left_pos[li[pi == k]]
        if len(cand) == 0:
            continue
        # a key of its own (two calls may send equal content while the last one's is being
        # released), held until gathered: a scattered partition whose future is dropped is
        # forgotten
        part = client.scatter(right.take(run) if is_packed(right) else right[run], hash=False)
        sent.append(part)
        futures.append(
            client.submit(
                _partition_task,
                left[cand],
                cand,
                part,
                run,
                crs_wkt,
                tolerance_m2,
                self_join,
                area_method,
                geometry,
                pure=False,
            )
        )
    results = [r for r in client.gather(futures) if len(r)]
    del sent
    logger.debug("dask engine: %d partitions, %d tasks", len(runs), len(futures))
    if not results:
        return _empty(geometry)
    out = pd.concat(results, ignore_index=True)
    order = np.lexsort((out["right"].to_numpy(), out["left"].to_numpy()))
    return out.iloc[order].reset_index(drop=True).astype({"left": np.int64, "right": np.int64})


@contextlib.contextmanager
def dask_engine(
    scheduler: str | None = None,
    *,
    n_workers: int | None = None,
    processes: bool = True,
    npartitions: int | None = None,
    timeout: str = "20s",
) -> Iterator[Any]:
    """Route every overlap of the checks inside the ``with`` block to a dask cluster.

    Parameters
    ----------
    scheduler
        Address of an existing scheduler (``tcp://host:8786``); default: a ``LocalCluster`` on this
        machine, closed at the end of the block.
    n_workers, processes
        Size and kind of the LocalCluster (ignored with ``scheduler``).
    npartitions
        Spatial partitions per reference layer (default: by size).
    timeout
        How long to wait for the scheduler.

    Yields
    ------
    distributed.Client
        The client in use.

    Raises
    ------
    InputError
        dask is not installed, or the scheduler cannot be reached.
    """
    _, distributed = _import_dask()
    cluster = None
    # distributed logs every worker start and stop at INFO; keep that out unless debugging
    dlog = logging.getLogger("distributed")
    level = dlog.level
    if not logger.isEnabledFor(logging.DEBUG):
        dlog.setLevel(logging.WARNING)
    try:
        if scheduler:
            client = distributed.Client(scheduler, timeout=timeout)
        else:
            cluster = distributed.LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
            )
            client = distributed.Client(cluster)
    except OSError as exc:
        raise InputError(
            f"cannot reach the dask scheduler {scheduler!r} ({exc}); check the address and that it "
            "is running"
        ) from None
    try:
        with use_backend(partial(dask_pairs, client=client, npartitions=npartitions)):
            yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        dlog.setLevel(level)
