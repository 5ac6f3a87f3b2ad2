"""Reading big reference layers in bounded memory: Arrow batches, filtered by the plots as they
come.

A county or province land-survey layer can hold millions of polygons while a project's plots meet
a few thousand of them. :func:`read_vector_chunks` streams a layer in Arrow record batches (GDAL's
Arrow stream through pyogrio for GeoPackage, FileGDB, GeoJSON …; pyarrow row-group batches for
GeoParquet), restricted to an extent. :func:`read_near` keeps, from each batch, only the features
whose envelope meets the envelope of some plot, so memory holds one batch plus what is kept —
never the whole layer.
"""

from __future__ import annotations

import logging
import queue
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from ..base.errors import DataSourceError
from .formats import CHUNKABLE_SUFFIXES, ensure_readable_source, format_of, gdal_source

logger = logging.getLogger(__name__)

__all__ = [
    "CHUNKABLE_SUFFIXES",
    "NearScan",
    "near_batches",
    "near_positions",
    "prefetched",
    "read_near",
    "read_vector_chunks",
]

# Which files are streamed, and how (GDAL's Arrow stream or pyarrow row groups), is the ``chunks``
# column of the reader table (:mod:`landlink_gis.io.formats`); others (shapefiles with encoding
# detection, coordinate TXT, PostGIS) are read whole by :func:`landlink_gis.io.formats.read_layer`.


def _box_in(bbox, bbox_crs, layer_crs) -> tuple[float, float, float, float] | None:
    if bbox is None:
        return None
    if (
        bbox_crs is None
        or layer_crs is None
        or CRS.from_user_input(bbox_crs).equals(CRS.from_user_input(layer_crs))
    ):
        return tuple(bbox)
    geom = gpd.GeoSeries([shapely.box(*bbox)], crs=bbox_crs).to_crs(layer_crs).iloc[0]
    return tuple(geom.bounds)


def _frame(table, geometry_name: str, crs) -> gpd.GeoDataFrame:
    geoms = shapely.from_wkb(
        np.asarray(table.column(geometry_name).to_numpy(zero_copy_only=False), dtype=object)
    )
    attrs = table.drop_columns([geometry_name]).to_pandas()
    return gpd.GeoDataFrame(
        attrs, geometry=gpd.GeoSeries(geoms, crs=crs, index=attrs.index), crs=crs
    )


def read_vector_chunks(
    path: str | Path,
    *,
    layer: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    bbox_crs: Any = None,
    batch_size: int = 100_000,
) -> Iterator[gpd.GeoDataFrame]:
    """Yield the features of a layer in batches of at most ``batch_size`` (attributes unchanged).

    Parameters
    ----------
    path
        A GeoPackage, FileGDB, GeoJSON, FlatGeobuf or GeoParquet file.
    layer
        Layer name in a multi-layer file.
    bbox, bbox_crs
        Only features meeting this extent (given in ``bbox_crs``; default: the layer's CRS).
    batch_size
        Features per batch.

    Raises
    ------
    DataSourceError
        The file cannot be opened or read.
    """
    path = ensure_readable_source(path, layer or Path(path).stem)
    fmt = format_of(path)
    if fmt is not None and fmt.chunks == "parquet":
        yield from _parquet_chunks(path, bbox, bbox_crs, batch_size)
        return
    try:
        with gdal_source(path) as (src, options):
            yield from _ogr_chunks(src, options, layer, bbox, bbox_crs, batch_size)
    except DataSourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types
        raise DataSourceError(
            f"{path}: cannot read layer '{layer or path.stem}' in batches ({type(exc).__name__}: "
            f"{exc})"
        ) from None


def _ogr_chunks(
    src: str, options: dict[str, Any], layer, bbox, bbox_crs, batch_size: int
) -> Iterator[gpd.GeoDataFrame]:
    """Batches of a GDAL source opened with ``options`` (see :func:`read_vector_chunks`)."""
    info = pyogrio.read_info(src, layer=layer, **options)
    box = _box_in(bbox, bbox_crs, info.get("crs"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pyogrio.open_arrow(
            src, layer=layer, bbox=box, batch_size=batch_size, use_pyarrow=True, **options
        ) as (meta, reader):
            name = meta.get("geometry_name") or "wkb_geometry"
            for batch in reader:
                if batch.num_rows:
                    import pyarrow as pa

                    yield _frame(pa.Table.from_batches([batch]), name, meta.get("crs"))


def _parquet_chunks(path: Path, bbox, bbox_crs, batch_size: int) -> Iterator[gpd.GeoDataFrame]:
    import json

    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
        geo = json.loads((pf.schema_arrow.metadata or {}).get(b"geo", b"{}"))
        name = geo.get("primary_column", "geometry")
        crs_meta = geo.get("columns", {}).get(name, {}).get("crs", "OGC:CRS84")
        crs = (
            CRS.from_json_dict(crs_meta)
            if isinstance(crs_meta, dict)
            else (CRS.from_user_input(crs_meta) if crs_meta else None)
        )
        box = _box_in(bbox, bbox_crs, crs)
        for batch in pf.iter_batches(batch_size=batch_size):
            import pyarrow as pa

            frame = _frame(pa.Table.from_batches([batch]), name, crs)
            if box is not None:
                b = shapely.bounds(np.asarray(frame.geometry.array, dtype=object))
                keep = (
                    (b[:, 0] <= box[2])
                    & (b[:, 2] >= box[0])
                    & (b[:, 1] <= box[3])
                    & (b[:, 3] >= box[1])
                )
                frame = frame[keep]
            if len(frame):
                yield frame
    except Exception as exc:  # noqa: BLE001
        raise DataSourceError(
            f"{path}: cannot read GeoParquet in batches ({type(exc).__name__}: {exc})"
        ) from None


def prefetched(items: Iterator, depth: int = 2) -> Iterator:
    """``items``, produced on a background thread up to ``depth`` ahead of the consumer.

    Reading a batch (GDAL, pyarrow) and decoding its WKB (shapely) release the GIL, so the next
    batch is read and decoded on a second core while the caller filters the current one. The
    source iterator is used on that one thread only (GDAL handles are not shared) and is closed
    there when the consumer stops early; its exceptions are raised in the consumer.
    """
    q: queue.Queue = queue.Queue(maxsize=max(1, depth))
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(("item", item)):
                    return
            put(("end", None))
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put(("error", exc))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=produce, name="landlink-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, value = q.get()
            if kind == "item":
                yield value
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()
        worker.join()


def near_positions(geoms, tree: shapely.STRtree | None) -> np.ndarray:
    """Positions of ``geoms`` whose envelope meets one of the envelopes in ``tree`` (sorted)."""
    if tree is None:
        return np.zeros(0, dtype=int)
    return np.unique(tree.query(np.asarray(geoms, dtype=object))[0])


def plots_tree(near) -> shapely.STRtree | None:
    """STRtree of the envelopes of the usable geometries in ``near`` (None when there are none)."""
    near = np.asarray(near, dtype=object)
    near = near[~(shapely.is_missing(near) | shapely.is_empty(near))]
    return shapely.STRtree(shapely.envelope(near)) if len(near) else None


@dataclass
class NearScan:
    """What :func:`near_batches` found while it read: features scanned, the layer's own CRS and
    an empty frame with the layer's columns (None until a batch was read)."""

    scanned: int = 0
    layer_crs: Any = None
    schema: gpd.GeoDataFrame | None = None


def near_batches(
    path: str | Path,
    near,
    *,
    crs,
    layer: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    batch_size: int = 100_000,
    scan: NearScan | None = None,
) -> Iterator[gpd.GeoDataFrame]:
    """The features of each batch of a layer whose envelope meets the envelope of one of
    ``near``, batch by batch (in file order, attributes unchanged, geometry in ``crs``).

    Parameters as :func:`read_near`; ``scan`` is filled as the batches are read. A caller that
    keeps each batch in another form (the check packs the geometries as WKB) never holds the
    layer's GEOS geometries whole.
    """
    scan = NearScan() if scan is None else scan
    near = np.asarray(near, dtype=object)
    near = near[~(shapely.is_missing(near) | shapely.is_empty(near))]
    tree = plots_tree(near)
    if bbox is None and len(near):
        b = shapely.bounds(near)
        bbox = (
            float(b[:, 0].min()),
            float(b[:, 1].min()),
            float(b[:, 2].max()),
            float(b[:, 3].max()),
        )
    kept = 0
    for chunk in prefetched(
        read_vector_chunks(path, layer=layer, bbox=bbox, bbox_crs=crs, batch_size=batch_size)
    ):
        scan.scanned += len(chunk)
        scan.layer_crs = chunk.crs
        if scan.schema is None:
            scan.schema = chunk.iloc[:0]
        if chunk.crs is not None and not CRS.from_user_input(chunk.crs).equals(crs):
            chunk = chunk.to_crs(crs)
        else:
            chunk = chunk.set_crs(crs, allow_override=True)
        hit = near_positions(chunk.geometry.array, tree)
        if len(hit):
            kept += len(hit)
            yield chunk.iloc[hit]
    logger.info(
        "%s: kept %d of %d features near the plots (read in batches of %d)",
        Path(path).name,
        kept,
        scan.scanned,
        batch_size,
    )
    if scan.layer_crs is None and not scan.scanned:
        # nothing near the plots: the CRS from the layer itself
        scan.layer_crs = _layer_crs(path, layer)


def read_near(
    path: str | Path,
    near,
    *,
    crs,
    layer: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    batch_size: int = 100_000,
) -> tuple[gpd.GeoDataFrame, int, Any]:
    """Features of a layer whose envelope meets the envelope of one of ``near``, read in batches.

    Parameters
    ----------
    path, layer
        The layer (see :func:`read_vector_chunks`).
    near
        Geometries (in ``crs``) the kept features must come near: the project's plots.
    crs
        The project CRS: each batch is reprojected to it before filtering, and the result is in it.
    bbox
        The plots' extent in ``crs`` (read filter), default: the envelope of ``near``.
    batch_size
        Features per batch.

    Returns
    -------
    (frame, scanned, source_crs)
        The kept features (in file order, attributes unchanged, geometry in ``crs``), how many
        features were scanned, and the layer's own CRS.
    """
    scan = NearScan()
    kept = list(
        near_batches(path, near, crs=crs, layer=layer, bbox=bbox, batch_size=batch_size, scan=scan)
    )
    if kept:
        frame = pd.concat(kept, ignore_index=True)
        frame = gpd.GeoDataFrame(frame, geometry=frame.geometry.name, crs=crs)
    elif scan.schema is not None:
        frame = scan.schema.set_crs(crs, allow_override=True)
    else:
        frame = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs), crs=crs)
    return frame, scan.scanned, scan.layer_crs


def _layer_crs(path: str | Path, layer: str | None) -> str | None:
    """The CRS a layer declares (None when it declares none or cannot be asked)."""
    try:
        with gdal_source(path) as (src, options):
            return pyogrio.read_info(src, layer=layer, **options).get("crs")
    except Exception:  # noqa: BLE001 - reading went through already; the CRS rules report None
        return None
