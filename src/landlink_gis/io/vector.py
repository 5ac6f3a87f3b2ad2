"""Reading vector layers through pyogrio (GDAL), with encodings, extent filters and clear errors.

Sources: ESRI Shapefile, GeoPackage, GeoJSON, FileGDB (OpenFileGDB), GeoParquet, the Ministry
coordinate exchange TXT, and PostGIS (``postgresql://`` URLs). The shapefile encoding is resolved
as explicit value → ``.cpg`` → detection (UTF-8 if the DBF decodes as UTF-8, else GB18030/GBK).
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio

from ..errors import DataSourceError
from .redact import redact_url

logger = logging.getLogger(__name__)

__all__ = ["detect_dbf_encoding", "file_sha256", "list_layers", "read_vector"]

_SHP_SIDECARS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file (of all sidecar files together for a shapefile; of every file of a folder)."""
    p = Path(path)
    h = hashlib.sha256()
    if p.is_dir():
        files = sorted(x for x in p.rglob("*") if x.is_file())
    elif p.suffix.lower() == ".shp":
        files = [p.with_suffix(s) for s in _SHP_SIDECARS if p.with_suffix(s).exists()]
    else:
        files = [p]
    for f in files:
        with f.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def _dbf_text(dbf: Path, limit: int = 4 << 20) -> bytes:
    """The record bytes of a DBF file (header skipped), up to ``limit`` bytes."""
    with dbf.open("rb") as fh:
        head = fh.read(32)
        if len(head) < 32:
            return b""
        header_len = int.from_bytes(head[8:10], "little")
        fh.seek(header_len)
        return fh.read(limit)


def detect_dbf_encoding(dbf: str | Path) -> str | None:
    """Guess the text encoding of a DBF file: ``None`` (ASCII only), ``UTF-8``, ``GBK`` or ``GB18030``."""
    data = _dbf_text(Path(dbf))
    if not data or data.isascii():
        return None
    try:
        data.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError as exc:
        # a multi-byte character cut at the read limit is still UTF-8
        if exc.start >= len(data) - 3 and len(data) >= (4 << 20):
            return "UTF-8"
    for enc in ("gbk", "gb18030"):
        try:
            data.decode(enc)
            return enc.upper()
        except UnicodeDecodeError:
            continue
    return "GB18030"


def _shapefile_encoding(path: Path, explicit: str | None) -> str | None:
    if explicit:
        return explicit
    cpg = path.with_suffix(".cpg")
    if cpg.exists():
        return None  # GDAL honours the .cpg itself
    dbf = path.with_suffix(".dbf")
    if not dbf.exists():
        return None
    enc = detect_dbf_encoding(dbf)
    if enc:
        logger.info("%s: no .cpg file; detected DBF encoding %s", path.name, enc)
    return enc


def list_layers(path: str | Path) -> list[str]:
    """Names of the layers in a multi-layer source (GeoPackage, FileGDB …)."""
    try:
        return [str(name) for name in pyogrio.list_layers(str(path))[:, 0]]
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types
        raise DataSourceError(f"{path}: cannot open as vector data ({exc})") from None


def _check_exists(path: Path, role: str) -> None:
    if not path.exists():
        raise DataSourceError(f"{path}: file not found (layer '{role}'); check the path in the project file")
    if path.suffix.lower() == ".shp":
        missing = [s for s in (".shx", ".dbf") if not path.with_suffix(s).exists() and not path.with_suffix(s.upper()).exists()]
        if missing:
            raise DataSourceError(
                f"{path}: shapefile is missing its {' and '.join(missing)} file(s) (layer '{role}'); "
                "copy every part of the shapefile (.shp, .shx, .dbf, .prj, .cpg) together"
            )


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
        Read only features intersecting this extent (given in ``bbox_crs``; default: the layer's CRS).

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

        return read_postgis(url, table=table, sql=sql, bbox=bbox, bbox_crs=bbox_crs, geometry_column=geometry_column)
    assert path is not None
    _check_exists(path, role)
    suffix = path.suffix.lower()
    if suffix == ".txt":
        from .coordtxt import read_coordtxt

        gdf = read_coordtxt(path, encoding=encoding)
        return gdf if bbox is None else gdf.iloc[gdf.sindex.query(_bbox_geom(bbox, bbox_crs, gdf.crs))].copy()
    if suffix in (".parquet", ".geoparquet"):
        return _read_parquet(path, role, bbox, bbox_crs)
    kwargs: dict[str, Any] = {}
    if suffix == ".shp":
        enc = _shapefile_encoding(path, encoding)
        if enc:
            kwargs["encoding"] = enc
    elif encoding:
        kwargs["encoding"] = encoding
    if layer:
        try:
            names = list_layers(path)
        except DataSourceError:
            names = None
        if names is not None and layer not in names:
            raise DataSourceError(
                f"{path}: has no layer '{layer}' (layer role '{role}'); layers found: {', '.join(names) or 'none'}"
            )
        kwargs["layer"] = layer
    if bbox is not None:
        kwargs["bbox"] = _bbox_in_layer_crs(path, layer, bbox, bbox_crs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            gdf = pyogrio.read_dataframe(str(path), use_arrow=False, **kwargs)
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types
        raise DataSourceError(
            f"{path}: cannot read layer '{layer or role}' ({type(exc).__name__}: {exc}); "
            "check that the file is complete and in a supported format"
        ) from None
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise DataSourceError(f"{path}: layer '{layer or role}' has no geometry column; a spatial layer is needed")
    return gdf


def _bbox_geom(bbox, bbox_crs, target_crs):
    import shapely

    geom = shapely.box(*bbox)
    if bbox_crs is not None and target_crs is not None:
        geom = gpd.GeoSeries([geom], crs=bbox_crs).to_crs(target_crs).iloc[0]
    return geom


def _bbox_in_layer_crs(path: Path, layer: str | None, bbox, bbox_crs) -> tuple[float, float, float, float]:
    if bbox_crs is None:
        return tuple(bbox)
    try:
        info = pyogrio.read_info(str(path), layer=layer)
    except Exception:  # noqa: BLE001
        return tuple(bbox)
    layer_crs = info.get("crs")
    if not layer_crs:
        return tuple(bbox)
    return tuple(_bbox_geom(bbox, bbox_crs, layer_crs).bounds)


def _read_parquet(path: Path, role: str, bbox, bbox_crs) -> gpd.GeoDataFrame:
    try:
        if bbox is None:
            return gpd.read_parquet(path)
        meta_crs = gpd.read_parquet(path, columns=[], bbox=None).crs if bbox_crs is not None else None
        box = _bbox_geom(bbox, bbox_crs, meta_crs).bounds if meta_crs is not None else bbox
        return gpd.read_parquet(path, bbox=tuple(box))
    except Exception as exc:  # noqa: BLE001
        raise DataSourceError(f"{path}: cannot read GeoParquet (layer role '{role}'): {exc}") from None


def describe_source(path: Path | None, url: str | None, layer: str | None) -> str:
    """A printable name of a source, with any password hidden."""
    base = str(path) if path is not None else redact_url(url or "")
    return f"{base}:{layer}" if layer else base
