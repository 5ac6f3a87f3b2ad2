"""The reader table: which input formats the toolkit reads, and how.

One row (:class:`Format`) per format: the file suffixes (or URL scheme) it is recognised by, the
function that reads one layer, whether :mod:`landlink_gis.io.chunks` can stream it in batches
(and how), the sidecar files that belong to it, whether it holds several layers, whether it is a
folder, whether its text encoding can be set, and a cheap test of its content for ``landlink init``.
Every place that needs to know about a format asks this table: reading (:func:`read_layer`),
hashing (:func:`file_sha256`), streaming big reference layers, the batch's shared reads, the
output guard (sidecars) and the folder scan of ``landlink init``. A new input format is one
reader module plus one row here.

A reader returns the frame as read (attributes unchanged, CRS set) and a :class:`ReadNotes`, the
typed record of what it noticed (encoding, unclosed rings, per-feature problems, area units …),
which loading hands on to the rules through the source information of the layer.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd

from ..base.errors import DataSourceError
from .inputs import ensure_readable_source, is_regular_file, open_regular
from .notes import ReadNotes
from .shapefile import check_shapefile, shapefile_encoding
from .vector import gpkg_has_m, read_ogr, read_parquet, shp_has_m

__all__ = [
    "CHUNKABLE_SUFFIXES",
    "FORMATS",
    "Format",
    "ReadNotes",
    "VECTOR_SUFFIXES",
    "file_sha256",
    "format_of",
    "is_chunkable",
    "read_layer",
    "read_vector",
    "sidecar_files",
]


#: reader(path, role=, layer=, encoding=, bbox=, bbox_crs=) → (frame, notes)
Reader = Callable[..., tuple[gpd.GeoDataFrame, ReadNotes]]


@dataclass(frozen=True)
class Format:
    """One input format: a row of the reader table.

    Attributes
    ----------
    name
        Short name (``shapefile``, ``geopackage`` …).
    suffixes
        File suffixes (lower case) it is recognised by.
    read
        Reads one layer: ``read(path, role=, layer=, encoding=, bbox=, bbox_crs=)`` →
        ``(frame, ReadNotes)``.
    chunks
        How :func:`landlink_gis.io.chunks.read_vector_chunks` streams it: ``"arrow"`` (GDAL's
        Arrow stream), ``"parquet"`` (pyarrow row groups) or None (read whole).
    sidecars
        Suffixes of the files that belong to a file of this format (hashed with it, protected).
    multi_layer
        Whether a file holds several named layers.
    folder
        Whether the source is a folder (FileGDB).
    encoding
        Whether the project file may set its text encoding.
    detect
        A cheap test of a file's content, for ``landlink init``: None accepts every file with one
        of the suffixes.
    """

    name: str
    suffixes: tuple[str, ...]
    read: Reader
    chunks: str | None = None
    sidecars: tuple[str, ...] = ()
    multi_layer: bool = False
    folder: bool = False
    encoding: bool = False
    detect: Callable[[Path], bool] | None = None


def _read_shapefile(path: Path, *, role: str, layer, encoding, bbox, bbox_crs):
    check_shapefile(path, role)
    enc, note = shapefile_encoding(path, encoding)
    frame, unclosed, had_m = read_ogr(
        path, role=role, layer=layer, encoding=enc, bbox=bbox, bbox_crs=bbox_crs, has_m=shp_has_m
    )
    return frame, ReadNotes(
        encoding=enc or None, encoding_note=note or None, unclosed_rings=unclosed, had_m=had_m
    )


def _read_gdal(has_m: Callable[[Path, str | None], bool] | None = None) -> Reader:
    """A reader of a GDAL format (``has_m``: how to tell that the layer declared M values)."""

    def read(path: Path, *, role: str, layer, encoding, bbox, bbox_crs):
        frame, unclosed, had_m = read_ogr(
            path,
            role=role,
            layer=layer,
            encoding=encoding,
            bbox=bbox,
            bbox_crs=bbox_crs,
            has_m=has_m,
        )
        return frame, ReadNotes(encoding=encoding or None, unclosed_rings=unclosed, had_m=had_m)

    return read


def _read_geoparquet(path: Path, *, role: str, layer, encoding, bbox, bbox_crs):
    return read_parquet(path, role, bbox, bbox_crs), ReadNotes()


def _read_coordtxt(path: Path, *, role: str, layer, encoding, bbox, bbox_crs):
    from .coordtxt import read_coordtxt_notes
    from .vector import bbox_geometry

    frame, notes = read_coordtxt_notes(path, encoding=encoding)
    if bbox is not None:
        frame = frame.iloc[frame.sindex.query(bbox_geometry(bbox, bbox_crs, frame.crs))].copy()
    return frame, notes


def _head(path: Path, size: int = 8192) -> bytes:
    try:
        with open_regular(path) as fh:
            return fh.read(size)
    except (OSError, DataSourceError):
        return b""


#: a coordinate exchange TXT names one of its sections in the first few kilobytes
_TXT_MARKS = tuple(m.encode(enc) for m in ("[属性描述]", "[地块坐标]") for enc in ("gbk", "utf-8"))


def _is_coordtxt(path: Path) -> bool:
    head = _head(path)
    return any(mark in head for mark in _TXT_MARKS)


def _is_geojson(path: Path) -> bool:
    """A JSON file whose first kilobytes name a GeoJSON ``Feature``/``FeatureCollection``."""
    head = _head(path).replace(b" ", b"")
    return b'"Feature' in head and b'"type"' in head


#: The reader table, one row per input format (PostGIS, a ``postgresql://`` URL, is read by
#: :func:`read_layer` directly: it is a scheme, not a file).
FORMATS: tuple[Format, ...] = (
    Format(
        "shapefile",
        (".shp",),
        _read_shapefile,
        sidecars=(".shx", ".dbf", ".prj", ".cpg"),
        encoding=True,
    ),
    Format("geopackage", (".gpkg",), _read_gdal(gpkg_has_m), chunks="arrow", multi_layer=True),
    Format("filegdb", (".gdb",), _read_gdal(), chunks="arrow", multi_layer=True, folder=True),
    Format("geojson", (".geojson", ".json"), _read_gdal(), chunks="arrow", detect=_is_geojson),
    Format("flatgeobuf", (".fgb",), _read_gdal(), chunks="arrow"),
    Format("geoparquet", (".parquet", ".geoparquet"), _read_geoparquet, chunks="parquet"),
    Format("coordtxt", (".txt",), _read_coordtxt, encoding=True, detect=_is_coordtxt),
)

_BY_SUFFIX: dict[str, Format] = {s: f for f in FORMATS for s in f.suffixes}
#: every suffix a vector layer file may have
VECTOR_SUFFIXES: tuple[str, ...] = tuple(_BY_SUFFIX)
#: suffixes of the files :mod:`landlink_gis.io.chunks` streams in batches
CHUNKABLE_SUFFIXES: tuple[str, ...] = tuple(s for f in FORMATS if f.chunks for s in f.suffixes)


def format_of(path: str | os.PathLike[str]) -> Format | None:
    """The row of the reader table for ``path`` (by its suffix); None for an unknown format."""
    return _BY_SUFFIX.get(Path(path).suffix.lower())


def is_chunkable(path: str | os.PathLike[str] | None) -> bool:
    """Whether ``path`` can be streamed in batches (:mod:`landlink_gis.io.chunks`)."""
    fmt = format_of(path) if path is not None else None
    return fmt is not None and fmt.chunks is not None


def sidecar_files(path: str | os.PathLike[str]) -> list[Path]:
    """``path`` and the files that belong to it (a shapefile's ``.shx``, ``.dbf`` …), in the
    table's order; the sidecars whether they exist or not."""
    p = Path(path)
    fmt = format_of(p)
    return [p, *(p.with_suffix(s) for s in (fmt.sidecars if fmt else ()))]


def file_sha256(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file (of all its sidecar files together, in the table's order, for a
    shapefile; of every file of a folder).

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
    else:
        files = [f for f in sidecar_files(p) if f == p or os.path.lexists(f)]
    for f in files:
        with open_regular(f) as fh:
            for chunk in iter(lambda fh=fh: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()


def read_layer(
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
) -> tuple[gpd.GeoDataFrame, ReadNotes]:
    """Read one vector layer with the reader of its format; the frame and what the reader noticed.

    Parameters
    ----------
    role
        Layer role, used in error messages.
    path, url
        A file path (its format by suffix, :data:`FORMATS`), or a ``postgresql://`` URL (with
        ``table`` or ``sql``).
    layer
        Layer name inside a multi-layer file (GeoPackage, FileGDB); default: the only layer.
    encoding
        Text encoding (shapefile DBF, coordinate TXT); default: the format's rule (``.cpg`` or
        detection).
    bbox, bbox_crs
        Read only features intersecting this extent (given in ``bbox_crs``; default: the layer's
        CRS).

    Returns
    -------
    tuple of geopandas.GeoDataFrame and ReadNotes
        The features with their attributes unchanged, and the reader's notes.

    Raises
    ------
    DataSourceError
        The source cannot be opened or read; the message names it and what to do.
    """
    if url is not None:
        from .postgis import read_postgis

        frame = read_postgis(
            url,
            table=table,
            sql=sql,
            role=role,
            bbox=bbox,
            bbox_crs=bbox_crs,
            geometry_column=geometry_column,
        )
        return frame, ReadNotes()
    if path is None:
        raise DataSourceError(f"layer '{role}': give a path or a URL")
    path = Path(path)
    ensure_readable_source(path, role)
    fmt = format_of(path)
    # an unknown suffix is left to GDAL, which knows many more formats than the table names
    read = fmt.read if fmt is not None else _read_gdal()
    return read(path, role=role, layer=layer, encoding=encoding, bbox=bbox, bbox_crs=bbox_crs)


def read_vector(**kwargs: Any) -> gpd.GeoDataFrame:
    """:func:`read_layer` without the notes: the frame as read (the notebook API's
    ``read_layer``)."""
    return read_layer(**kwargs)[0]
