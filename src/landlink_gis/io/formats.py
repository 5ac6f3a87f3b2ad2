"""The reader table: which input formats the toolkit reads, and how.

One row (:class:`Format`) per format: the file suffixes (or URL scheme) it is recognised by, the
function that reads one layer, whether :mod:`landlink_gis.io.chunks` can stream it in batches
(and how), the sidecar, index and journal files that belong to it, whether it holds several
layers, whether it is a folder (and which files make a folder one), whether its text encoding can
be set, and a cheap test of its content for ``landlink init``. Every place that needs to know about
a format asks this table: the input guard (:func:`ensure_readable_source`), reading
(:func:`read_layer`, :func:`list_layers`, :func:`gdal_source`), hashing (:func:`file_sha256`),
streaming big reference layers, the batch's shared reads, the output guard (sidecars) and the
folder scan of ``landlink init``. A new input format is one reader module plus one row here.

Two classes of hostile input are handled here, before GDAL, SQLite or rasterio see a path:

* **Paths that would hang or never end**: a named pipe (FIFO) blocks ``open()`` until a writer
  appears, ``/dev/zero`` and ``/dev/urandom`` never reach end-of-file, a socket cannot be read.
  :func:`ensure_readable_source` checks the file type with :func:`os.stat` (which never blocks)
  and refuses anything but a regular file or a data folder (a FileGDB ``.gdb`` or a folder of
  shapefiles), the sidecar, index and journal files of its row included. Files are opened with
  :func:`landlink_gis.io.inputs.open_regular`, so a path swapped after the check cannot hang a
  reader either.
* **SQLite inputs that a reader would change**: GDAL opening a GeoPackage that has a pending
  ``-wal`` (QGIS leaves one while a project is open, or after a crash) checkpoints it into the
  ``.gpkg`` and deletes the ``-wal`` even for a read-only open, and SQLite's ``immutable`` mode
  would instead silently ignore the edits in the ``-wal``. :func:`gdal_source` therefore reads
  such a file (a row with ``journals``) through a private copy (the file and its journal copied
  byte for byte into a temporary folder, the journal applied there), so the input folder is
  byte-identical afterwards and the latest edits are read. A GeoPackage without a journal is
  opened with its row's open options (``IMMUTABLE=YES``).

A reader returns the frame as read (attributes unchanged, CRS set) and a :class:`ReadNotes`, the
typed record of what it noticed (encoding, unclosed rings, per-feature problems, area units …),
which loading hands on to the rules through the source information of the layer.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import geopandas as gpd

from ..base.errors import DataSourceError
from .inputs import file_kind, is_regular_file, open_regular
from .notes import ReadNotes
from .shapefile import check_shapefile, shapefile_encoding
from .vector import gpkg_has_m, layer_names, read_ogr, read_parquet, shp_has_m

logger = logging.getLogger(__name__)

__all__ = [
    "CHUNKABLE_SUFFIXES",
    "FORMATS",
    "Format",
    "ReadNotes",
    "SQLITE_JOURNALS",
    "VECTOR_SUFFIXES",
    "ensure_readable_source",
    "file_sha256",
    "format_of",
    "gdal_source",
    "is_chunkable",
    "list_layers",
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
        Suffixes of the files that belong to a file of this format (hashed with it, protected,
        their type checked by :func:`ensure_readable_source`).
    indexes
        Suffixes of index files other programs keep beside it (type-checked by
        :func:`ensure_readable_source`, neither hashed nor protected).
    journals
        What a database engine appends to the file's name for the journals it keeps beside it
        while the file is open or after a crash (SQLite's ``-wal``, ``-journal``, ``-shm``):
        type-checked by :func:`ensure_readable_source`; a file with one is read through a private
        copy (:func:`gdal_source`).
    open_options
        GDAL dataset open options for a file without a pending journal (``IMMUTABLE=YES``).
    multi_layer
        Whether a file holds several named layers.
    folder
        Whether the source is a folder (FileGDB).
    members
        For a folder format: suffixes of the files that make a folder of this name a source
        (a FileGDB's ``.gdbtable``).
    in_folders
        Whether a plain folder holding files of this format is one source, a layer per file
        (GDAL's shapefile driver).
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
    indexes: tuple[str, ...] = ()
    journals: tuple[str, ...] = ()
    open_options: tuple[tuple[str, str], ...] = ()
    multi_layer: bool = False
    folder: bool = False
    members: tuple[str, ...] = ()
    in_folders: bool = False
    encoding: bool = False
    detect: Callable[[Path], bool] | None = None


def _read_gdal(has_m: Callable[[Path, str | None], bool] | None = None) -> Reader:
    """A reader of a GDAL format (``has_m``: how to tell that the layer declared M values)."""

    def read(path: Path, *, role: str, layer, encoding, bbox, bbox_crs):
        with gdal_source(path) as (src, options):
            frame, unclosed, had_m = read_ogr(
                path,
                src,
                options,
                role=role,
                layer=layer,
                encoding=encoding,
                bbox=bbox,
                bbox_crs=bbox_crs,
                has_m=has_m,
            )
        return frame, ReadNotes(encoding=encoding or None, unclosed_rings=unclosed, had_m=had_m)

    return read


_read_shapefile_ogr = _read_gdal(shp_has_m)


def _read_shapefile(path: Path, *, role: str, layer, encoding, bbox, bbox_crs):
    """The GDAL reader, after the shapefile's own checks and its encoding (``.cpg``, else detected)."""
    check_shapefile(path, role)
    enc, note = shapefile_encoding(path, encoding)
    frame, notes = _read_shapefile_ogr(
        path, role=role, layer=layer, encoding=enc, bbox=bbox, bbox_crs=bbox_crs
    )
    return frame, replace(notes, encoding_note=note or None)


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


def _is_spatial_sqlite(path: Path) -> bool:
    """A SQLite database with a geometry table (SpatiaLite, or a GeoPackage under another name)."""
    if not _head(path, 16).startswith(b"SQLite format 3\x00"):
        return False
    try:  # immutable: reading changes nothing beside the file (a pending journal is ignored)
        con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            return bool(
                con.execute(
                    "SELECT 1 FROM sqlite_master WHERE type = 'table' AND lower(name) IN "
                    "('geometry_columns', 'gpkg_geometry_columns')"
                ).fetchall()
            )
        finally:
            con.close()
    except (OSError, sqlite3.Error):
        return False


#: The journals SQLite keeps beside a database while it is open or after a crash (appended to
#: the file's name); ``-wal`` and ``-journal`` hold edits, ``-shm`` is the WAL's index.
SQLITE_JOURNALS = ("-wal", "-journal", "-shm")


#: The reader table, one row per input format (PostGIS, a ``postgresql://`` URL, is read by
#: :func:`read_layer` directly: it is a scheme, not a file).
FORMATS: tuple[Format, ...] = (
    Format(
        "shapefile",
        (".shp",),
        _read_shapefile,
        sidecars=(".shx", ".dbf", ".prj", ".cpg"),
        indexes=(".qix", ".sbn", ".sbx"),
        encoding=True,
        in_folders=True,
    ),
    Format(
        "geopackage",
        (".gpkg",),
        _read_gdal(gpkg_has_m),
        chunks="arrow",
        journals=SQLITE_JOURNALS,
        open_options=(("IMMUTABLE", "YES"),),
        multi_layer=True,
    ),
    Format(
        "spatialite",
        (".sqlite", ".db", ".spatialite"),
        _read_gdal(),
        journals=SQLITE_JOURNALS,
        multi_layer=True,
        detect=_is_spatial_sqlite,
    ),
    Format(
        "filegdb",
        (".gdb",),
        _read_gdal(),
        chunks="arrow",
        multi_layer=True,
        folder=True,
        members=(".gdbtable",),
    ),
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


#: suffixes of the files that make a plain folder one source (a folder of shapefiles)
_FOLDER_MEMBERS: tuple[str, ...] = tuple(s for f in FORMATS if f.in_folders for s in f.suffixes)


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


def _is_data_folder(path: Path) -> bool:
    """A folder of a folder format holding one of its member files (a FileGDB ``*.gdb`` holding
    ``.gdbtable`` files), or another folder holding files read by folders (shapefiles)."""
    try:
        names = [entry.name.lower() for entry in os.scandir(path)]
    except OSError:
        return False
    fmt = format_of(path)
    if fmt is not None and fmt.folder:
        return any(n.endswith(fmt.members) for n in names)
    return any(n.endswith(_FOLDER_MEMBERS) for n in names)


def _belonging(path: Path, fmt: Format | None) -> list[Path]:
    """The sidecar, index and journal files the table names for ``path``, whether they exist or
    not (sidecars and indexes in lower and upper case)."""
    if fmt is None:
        return []
    parts = fmt.sidecars + fmt.indexes
    return [
        *(path.with_suffix(s) for s in parts),
        *(path.with_suffix(s.upper()) for s in parts),
        *(Path(f"{path}{j}") for j in fmt.journals),
    ]


def _refuse(path: Path, what: str, role: str, kind: str) -> DataSourceError:
    return DataSourceError(
        f"{path}: is {what}, not a data file ({kind} '{role}'); reading it could block or never "
        "end: "
        "give the path of a regular file (a .shp, .gpkg, .gdb folder, .txt …) in the project file"
    )


def ensure_readable_source(path: str | os.PathLike[str], role: str, *, kind: str = "layer") -> Path:
    """Refuse, without opening it, a path that is not a regular file or a data folder.

    Call it for every configured input path before anything reads it. It only calls
    :func:`os.stat` and :func:`os.scandir`, so it returns at once even for a FIFO. Which folders
    are data folders and which files belong to a file are the rows of :data:`FORMATS`
    (``folder``/``members``, ``in_folders``; ``sidecars``, ``indexes``, ``journals``).

    Parameters
    ----------
    path
        The configured path (a symbolic link is followed).
    role
        Layer or raster role, named in the message.
    kind
        ``"layer"`` or ``"raster"``, named in the message.

    Returns
    -------
    pathlib.Path
        ``path`` as a :class:`~pathlib.Path`.

    Raises
    ------
    DataSourceError
        The path does not exist, is a FIFO, a device, a socket, a folder that is neither a FileGDB
        nor a folder of shapefiles, or a shapefile/GeoPackage sidecar of it is not a regular file.
    """
    p = Path(path)
    try:
        mode = os.stat(p).st_mode
    except FileNotFoundError:
        what = "raster file" if kind == "raster" else "file"
        raise DataSourceError(
            f"{p}: {what} not found ({kind} '{role}'); check the path in the project file"
        ) from None
    except (OSError, ValueError) as exc:
        raise DataSourceError(
            f"{p}: cannot be read ({kind} '{role}': {exc}); check the path and its permissions"
        ) from None
    if stat.S_ISDIR(mode):
        if kind == "layer" and _is_data_folder(p):
            return p
        raise DataSourceError(
            f"{p}: is a folder, not a FileGDB (.gdb) or a folder of shapefiles ({kind} '{role}'); "
            "give the path of the data file itself (e.g. .../plots.shp or .../plots.gpkg)"
        )
    if not stat.S_ISREG(mode):
        raise _refuse(p, file_kind(mode), role, kind)
    for part in _belonging(p, format_of(p)):
        try:
            part_mode = os.stat(part).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(part_mode):
            raise _refuse(part, file_kind(part_mode), role, kind)
    return p


def _journals(path: Path, fmt: Format) -> list[Path]:
    """The journal files of ``fmt`` that exist beside ``path``."""
    return [Path(f"{path}{j}") for j in fmt.journals if os.path.lexists(f"{path}{j}")]


def _private_copy(path: Path, journals: list[Path], folder: Path) -> Path:
    """Copy a SQLite file and its pending journals into ``folder`` and apply them there (the
    ``-shm`` index is not copied: SQLite rebuilds it)."""
    copy = folder / path.name
    shutil.copyfile(path, copy)
    for src in journals:
        if src.exists() and not src.name.endswith("-shm"):
            shutil.copyfile(src, folder / src.name)
    con = sqlite3.connect(copy)
    try:
        # reading the copy recovers the journal into it; DELETE mode folds a WAL into the file
        con.execute("PRAGMA journal_mode=DELETE").fetchall()
    finally:
        con.close()
    return copy


@contextlib.contextmanager
def gdal_source(path: str | os.PathLike[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The path and open options to hand GDAL (pyogrio) so that reading ``path`` changes nothing.

    Parameters
    ----------
    path
        Any vector source. Only files of a row with ``journals`` (GeoPackage, SpatiaLite) are
        treated specially.

    Yields
    ------
    (str, dict)
        The path to open (the input itself, or a private copy that is deleted when the block
        ends) and the dataset open options of its row (``IMMUTABLE=YES`` for a GeoPackage).
    """
    p = Path(path)
    fmt = format_of(p)
    if fmt is None or not fmt.journals or not is_regular_file(p):
        yield str(p), {}
        return
    options = dict(fmt.open_options)
    journals = _journals(p, fmt)
    if not journals:
        yield str(p), options
        return
    with tempfile.TemporaryDirectory(prefix="landlink-ro-") as tmp:
        try:
            copy = _private_copy(p, journals, Path(tmp))
        except (OSError, sqlite3.Error) as exc:
            raise DataSourceError(
                f"{p}: has a pending SQLite journal "
                f"({', '.join(j.name for j in _journals(p, fmt))}) and a "
                f"private copy to read it could not be made ({exc}); close the file in QGIS/ArcGIS "
                "and try again"
            ) from None
        logger.info(
            "%s: pending SQLite journal; read through a private copy so the input stays unchanged",
            p.name,
        )
        yield str(copy), options


def list_layers(path: str | os.PathLike[str]) -> list[str]:
    """Names of the layers in a multi-layer source (GeoPackage, FileGDB …); the file is not
    changed."""
    ensure_readable_source(path, Path(path).stem)
    try:
        with gdal_source(path) as (src, _):
            return layer_names(src)
    except DataSourceError:
        raise
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types
        raise DataSourceError(f"{path}: cannot open as vector data ({exc})") from None


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
