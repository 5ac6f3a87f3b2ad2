"""The GDAL and GeoParquet readers of the reader table (:mod:`landlink_gis.io.formats`).

:func:`read_ogr` reads one layer of any GDAL vector format through pyogrio (shapefile, GeoPackage,
FileGDB, GeoJSON, FlatGeobuf …) with an encoding, an extent filter and clear errors, closing
unclosed rings; :func:`read_parquet` reads GeoParquet within an extent in bounded memory. Which
reader a file gets, the shapefile encoding (explicit value → ``.cpg`` → detection) and what the
readers noticed are the table's business (:func:`landlink_gis.io.formats.read_layer`).
"""

from __future__ import annotations

import logging
import sqlite3
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..base.errors import DataSourceError
from ..base.redaction import redact_url
from .shapefile import detect_dbf_encoding

logger = logging.getLogger(__name__)

__all__ = [
    "bbox_geometry",
    "describe_source",
    "detect_dbf_encoding",
    "gpkg_has_m",
    "layer_names",
    "read_ogr",
    "read_parquet",
    "shp_has_m",
]


def shp_has_m(path: Path, layer: str | None = None) -> bool:
    """Whether a shapefile declares M (measure) values, which GDAL drops when reading."""
    try:
        with path.open("rb") as fh:
            head = fh.read(36)
    except OSError:
        return False
    return len(head) == 36 and int.from_bytes(head[32:36], "little") in (21, 23, 25, 28)


def gpkg_has_m(path: Path, layer: str | None = None) -> bool:
    """Whether a GeoPackage layer declares M values (``layer`` None: any layer).

    ``path`` is the file GDAL reads (:func:`landlink_gis.io.formats.gdal_source`): one without a
    pending journal, which this immutable read would ignore.
    """
    try:
        con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            rows = con.execute("SELECT table_name, m FROM gpkg_geometry_columns").fetchall()
        finally:
            con.close()
    except (OSError, sqlite3.Error):
        return False
    return any(m in (1, 2) for name, m in rows if layer is None or name == layer)


def _read_fixing_rings(path: str, kwargs: dict[str, Any]) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Read a layer whose WKB has unclosed rings: close them, and list the features that had one.

    GEOS refuses a ring whose last point differs from its first; shapely's ``on_invalid="fix"``
    closes it. The positions of those features are returned with the frame, so that GEOM001
    reports them.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        meta, _, wkb, field_data = pyogrio.raw.read(str(path), **kwargs)
    wkb = np.asarray(wkb, dtype=object)
    strict = shapely.from_wkb(wkb, on_invalid="ignore")
    fixed = shapely.from_wkb(wkb, on_invalid="fix")
    repaired = np.flatnonzero(shapely.is_missing(strict) & ~shapely.is_missing(fixed))
    data = pd.DataFrame(
        {name: values for name, values in zip(meta["fields"], field_data, strict=True)}
    )
    gdf = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(fixed, crs=meta["crs"]), crs=meta["crs"])
    return gdf, repaired


def layer_names(src: str) -> list[str]:
    """Names of the layers GDAL finds in ``src`` (a path :func:`landlink_gis.io.formats.gdal_source`
    hands out; :func:`landlink_gis.io.formats.list_layers` for a configured input)."""
    return [str(name) for name in pyogrio.list_layers(src)[:, 0]]


def read_ogr(
    path: Path,
    src: str,
    options: dict[str, Any],
    *,
    role: str,
    layer: str | None = None,
    encoding: str | None = None,
    bbox: Any = None,
    bbox_crs: Any = None,
    has_m=None,
) -> tuple[gpd.GeoDataFrame, np.ndarray | None, bool]:
    """Read one layer of a GDAL vector file.

    ``src`` and ``options`` are what :func:`landlink_gis.io.formats.gdal_source` hands out for
    ``path`` (the file itself, or a private copy of a GeoPackage with journals); ``path`` is named
    in messages.

    Returns
    -------
    tuple
        The frame as read; the positions of features whose unclosed rings were closed (None:
        none); whether the layer declared M values (by ``has_m(src, layer)``, else False).
    """
    kwargs: dict[str, Any] = {"encoding": encoding} if encoding else {}
    gdf, unclosed = _read_ogr(
        path, src, options, role=role, layer=layer, bbox=bbox, bbox_crs=bbox_crs, kwargs=kwargs
    )
    had_m = bool(has_m(Path(src), layer)) if has_m is not None else False
    return gdf, unclosed, had_m


def _read_ogr(
    path: Path,
    src: str,
    options: dict[str, Any],
    *,
    role: str,
    layer: str | None,
    bbox: Any,
    bbox_crs: Any,
    kwargs: dict[str, Any],
) -> tuple[gpd.GeoDataFrame, np.ndarray | None]:
    """Read ``src`` (``path`` itself or a private copy of it) through pyogrio with open
    ``options``; the frame and the positions of features whose unclosed rings were closed."""
    if layer:
        try:
            names = layer_names(src)
        except Exception:  # noqa: BLE001 - GDAL raises many types; the read below reports it
            names = None
        if names is not None and layer not in names:
            raise DataSourceError(
                f"{path}: has no layer '{layer}' (layer role '{role}'); layers found: "
                f"{', '.join(names) or 'none'}"
            )
        kwargs["layer"] = layer
    if bbox is not None:
        kwargs["bbox"] = _bbox_in_layer_crs(src, layer, bbox, bbox_crs, options)
    unclosed = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            gdf = pyogrio.read_dataframe(src, use_arrow=False, **kwargs, **options)
    except shapely.errors.GEOSException as exc:
        if "closed linestring" not in str(exc):
            raise DataSourceError(
                f"{path}: layer '{layer or role}' has a geometry GEOS cannot read ({exc}); repair "
                "it in a GIS"
            ) from None
        gdf, unclosed = _read_fixing_rings(src, {**kwargs, **options})
        logger.warning(
            "%s: %d feature(s) with unclosed rings; closed them for the check",
            path,
            len(unclosed),
        )
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types
        raise DataSourceError(
            f"{path}: cannot read layer '{layer or role}' ({type(exc).__name__}: {exc}); "
            "check that the file is complete and in a supported format"
        ) from None
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise DataSourceError(
            f"{path}: layer '{layer or role}' has no geometry column; a spatial layer is needed"
        )
    return gdf, unclosed


def bbox_geometry(bbox, bbox_crs, target_crs):
    """The extent ``bbox`` (in ``bbox_crs``) as a polygon in ``target_crs``."""
    geom = shapely.box(*bbox)
    if bbox_crs is not None and target_crs is not None:
        geom = gpd.GeoSeries([geom], crs=bbox_crs).to_crs(target_crs).iloc[0]
    return geom


def _bbox_in_layer_crs(
    path: str, layer: str | None, bbox, bbox_crs, options=None
) -> tuple[float, float, float, float]:
    if bbox_crs is None:
        return tuple(bbox)
    try:
        info = pyogrio.read_info(path, layer=layer, **(options or {}))
    except Exception:  # noqa: BLE001
        return tuple(bbox)
    layer_crs = info.get("crs")
    if not layer_crs:
        return tuple(bbox)
    return tuple(bbox_geometry(bbox, bbox_crs, layer_crs).bounds)


def _parquet_geo(path: Path) -> dict[str, Any]:
    """The GeoParquet ``geo`` metadata of a file (read from the footer only)."""
    import json

    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    if b"geo" not in meta:
        raise DataSourceError(
            f"{path}: a Parquet file without GeoParquet metadata ('geo'); write it with "
            "GeoDataFrame.to_parquet or ogr2ogr -f Parquet"
        )
    return json.loads(meta[b"geo"])


def _geo_column_crs(column: dict[str, Any]) -> Any:
    """CRS of a GeoParquet column: PROJJSON, missing → OGC:CRS84 (the spec's default), null →
    unknown."""
    from pyproj import CRS

    if "crs" not in column:
        return CRS.from_user_input("OGC:CRS84")
    return None if column["crs"] is None else CRS.from_user_input(column["crs"])


def read_parquet(path: Path, role: str, bbox, bbox_crs) -> gpd.GeoDataFrame:
    """Read a GeoParquet file, only the features meeting ``bbox`` when one is given.

    A file with a bbox covering column (GeoParquet 1.1) is filtered by pyarrow on the covering
    statistics (row groups skipped). A plain WKB file has no such statistics: it is read in
    record batches and each batch is filtered by bounds and ``intersects`` before the next is
    read, so memory holds the kept features plus one batch, never the whole file.
    """
    try:
        if bbox is None:
            return gpd.read_parquet(path)
        geo = _parquet_geo(path)
        primary = geo.get("primary_column", "geometry")
        column = geo.get("columns", {}).get(primary, {})
        crs = _geo_column_crs(column)
        box = (
            bbox_geometry(bbox, bbox_crs, crs).bounds
            if bbox_crs is not None and crs is not None
            else tuple(bbox)
        )
        if column.get("covering") or str(column.get("encoding", "WKB")).upper() != "WKB":
            return gpd.read_parquet(path, bbox=tuple(box))
        return _parquet_batches_in_box(path, primary, crs, tuple(box))
    except DataSourceError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise DataSourceError(
            f"{path}: cannot read GeoParquet (layer role '{role}'): {exc}"
        ) from None


def _parquet_batches_in_box(
    path: Path,
    primary: str,
    crs: Any,
    box: tuple[float, float, float, float],
    batch_size: int = 65536,
) -> gpd.GeoDataFrame:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq
    import shapely

    target = shapely.box(*box)
    shapely.prepare(target)
    pf = pq.ParquetFile(path)
    batches, geoms = [], []
    for batch in pf.iter_batches(batch_size=batch_size):
        g = shapely.from_wkb(batch.column(primary).to_numpy(zero_copy_only=False))
        with np.errstate(invalid="ignore"):
            b = shapely.bounds(g)
            cand = np.flatnonzero(
                (b[:, 0] <= box[2])
                & (b[:, 2] >= box[0])
                & (b[:, 1] <= box[3])
                & (b[:, 3] >= box[1])
            )
        hit = cand[shapely.intersects(g[cand], target)]
        if len(hit):
            batches.append(batch.take(pa.array(hit)))
            geoms.append(g[hit])
    table = (
        pa.Table.from_batches(batches, schema=pf.schema_arrow)
        if batches
        else pf.schema_arrow.empty_table()
    )
    position = table.schema.get_field_index(primary)
    frame = table.drop_columns([primary]).to_pandas()
    values = np.concatenate(geoms) if geoms else np.zeros(0, dtype=object)
    frame.insert(position, primary, gpd.GeoSeries(values, index=frame.index, crs=crs))
    logger.info(
        "%s: %d of %d features meet the extent", path.name, len(frame), pf.metadata.num_rows
    )
    return gpd.GeoDataFrame(frame, geometry=primary, crs=crs)


def describe_source(path: Path | None, url: str | None, layer: str | None) -> str:
    """A printable name of a source, with any password hidden."""
    base = str(path) if path is not None else redact_url(url or "")
    return f"{base}:{layer}" if layer else base
