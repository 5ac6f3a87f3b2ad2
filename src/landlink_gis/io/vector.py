"""Reading vector layers through pyogrio (GDAL), with encodings, extent filters and clear errors.

Sources: ESRI Shapefile, GeoPackage, GeoJSON, FileGDB (OpenFileGDB), GeoParquet, the Ministry
coordinate exchange TXT, and PostGIS (``postgresql://`` URLs). The shapefile encoding is resolved
as explicit value → ``.cpg`` → detection (UTF-8 if the DBF decodes as UTF-8, else GB18030/GBK).
"""

from __future__ import annotations

import hashlib
import logging
import os
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
from .inputs import (
    ensure_readable_source,
    gdal_source,
    is_regular_file,
    open_regular,
    sqlite_journals,
)
from .shapefile import check_shapefile, detect_dbf_encoding, shapefile_encoding

logger = logging.getLogger(__name__)

__all__ = [
    "detect_dbf_encoding",
    "ensure_readable_source",
    "file_sha256",
    "list_layers",
    "read_vector",
]

_SHP_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")  # hashed together, in this order


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file (of all sidecar files together for a shapefile; of every file of a folder).

    Only regular files are read (opened without blocking, see
    :func:`landlink_gis.io.inputs.open_regular`): a FIFO or a device raises at once instead of
    blocking the hashing thread (which would keep the process alive at exit) or never ending.

    Raises
    ------
    DataSourceError
        ``path`` (or a sidecar) is a FIFO, a device, a socket or another non-regular file.
    OSError
        A file cannot be read.
    """
    p = Path(path)
    h = hashlib.sha256()
    if p.is_dir():
        files = sorted(x for x in p.rglob("*") if is_regular_file(x))
    elif p.suffix.lower() == ".shp":
        files = [p.with_suffix(s) for s in _SHP_SIDECARS if os.path.lexists(p.with_suffix(s))]
    else:
        files = [p]
    for f in files:
        with open_regular(f) as fh:
            for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _has_m(path: Path, layer: str | None) -> bool:
    """Whether the layer declares M (measure) values, which GDAL drops when reading."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".shp":
            with path.open("rb") as fh:
                head = fh.read(36)
            return len(head) == 36 and int.from_bytes(head[32:36], "little") in (21, 23, 25, 28)
        if suffix == ".gpkg":
            if sqlite_journals(path):
                return False  # the copy read by GDAL is checked instead (see read_vector)
            con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
            try:
                rows = con.execute("SELECT table_name, m FROM gpkg_geometry_columns").fetchall()
            finally:
                con.close()
            return any(m in (1, 2) for name, m in rows if layer is None or name == layer)
    except (OSError, sqlite3.Error):
        return False
    return False


def _read_fixing_rings(path: str, kwargs: dict[str, Any]) -> gpd.GeoDataFrame:
    """Read a layer whose WKB has unclosed rings: close them, and list the features that had one.

    GEOS refuses a ring whose last point differs from its first; shapely's ``on_invalid="fix"``
    closes it. The positions of those features go to ``attrs["unclosed_rings"]`` so that GEOM001
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
    gdf.attrs["unclosed_rings"] = repaired
    return gdf


def _layer_names(src: str) -> list[str]:
    return [str(name) for name in pyogrio.list_layers(src)[:, 0]]


def list_layers(path: str | Path) -> list[str]:
    """Names of the layers in a multi-layer source (GeoPackage, FileGDB …); the file is not
    changed."""
    ensure_readable_source(path, Path(path).stem)
    try:
        with gdal_source(path) as (src, _):
            return _layer_names(src)
    except DataSourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types
        raise DataSourceError(f"{path}: cannot open as vector data ({exc})") from None


def _check_exists(path: Path, role: str) -> None:
    """Refuse a path that is missing, not a regular file or data folder, or a damaged shapefile."""
    ensure_readable_source(path, role)
    if path.suffix.lower() == ".shp":
        check_shapefile(path, role)


def read_vector(
    *,
    role: str,
    path: Path | None = None,
    url: str | None = None,
    layer: str | None = None,
    table: str | None = None,
    sql: str | None = None,
    encoding: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    bbox_crs: Any = None,
    geometry_column: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one vector layer into a GeoDataFrame.

    Parameters
    ----------
    role
        Layer role, used in error messages.
    path, url
        A file path, or a ``postgresql://`` URL (with ``table`` or ``sql``).
    layer
        Layer name inside a multi-layer file (GeoPackage, FileGDB); default: the only layer.
    encoding
        Text encoding of a shapefile DBF; default: ``.cpg`` or detection.
    bbox, bbox_crs
        Read only features intersecting this extent (given in ``bbox_crs``; default: the layer's
        CRS).

    Returns
    -------
    geopandas.GeoDataFrame
        The features with their attributes unchanged.

    Raises
    ------
    DataSourceError
        The source cannot be opened or read; the message names it and what to do.
    """
    if url is not None:
        from .postgis import read_postgis

        return read_postgis(
            url,
            table=table,
            sql=sql,
            role=role,
            bbox=bbox,
            bbox_crs=bbox_crs,
            geometry_column=geometry_column,
        )
    assert path is not None
    _check_exists(path, role)
    suffix = path.suffix.lower()
    if suffix == ".txt":
        from .coordtxt import read_coordtxt

        gdf = read_coordtxt(path, encoding=encoding)
        return (
            gdf
            if bbox is None
            else gdf.iloc[gdf.sindex.query(_bbox_geom(bbox, bbox_crs, gdf.crs))].copy()
        )
    if suffix in (".parquet", ".geoparquet"):
        return _read_parquet(path, role, bbox, bbox_crs)
    kwargs: dict[str, Any] = {}
    note = None
    if suffix == ".shp":
        enc, note = shapefile_encoding(path, encoding)
        if enc:
            kwargs["encoding"] = enc
    elif encoding:
        kwargs["encoding"] = encoding
    with gdal_source(path) as (src, options):
        gdf = _read_ogr(
            path, src, options, role=role, layer=layer, bbox=bbox, bbox_crs=bbox_crs, kwargs=kwargs
        )
        if _has_m(Path(src), layer):
            gdf.attrs["had_m"] = True
    if kwargs.get("encoding"):
        gdf.attrs["encoding"] = kwargs["encoding"]
    if note:
        gdf.attrs["encoding_note"] = note
    return gdf


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
) -> gpd.GeoDataFrame:
    """Read ``src`` (``path`` itself or a private copy of it) through pyogrio with open
    ``options``."""
    if layer:
        try:
            names = _layer_names(src)
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
        gdf = _read_fixing_rings(src, {**kwargs, **options})
        logger.warning(
            "%s: %d feature(s) with unclosed rings; closed them for the check",
            path,
            len(gdf.attrs["unclosed_rings"]),
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
    return gdf


def _bbox_geom(bbox, bbox_crs, target_crs):
    import shapely

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
    return tuple(_bbox_geom(bbox, bbox_crs, layer_crs).bounds)


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


def _read_parquet(path: Path, role: str, bbox, bbox_crs) -> gpd.GeoDataFrame:
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
            _bbox_geom(bbox, bbox_crs, crs).bounds
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
