"""Guards run before any input is opened: only regular files (or data folders) are read, never
written.

Two classes of hostile input are handled here, before GDAL, SQLite or rasterio see a path:

* **Paths that would hang or never end**: a named pipe (FIFO) blocks ``open()`` until a writer
  appears, ``/dev/zero`` and ``/dev/urandom`` never reach end-of-file, a socket cannot be read.
  :func:`ensure_readable_source` checks the file type with :func:`os.stat` (which never blocks)
  and refuses anything but a regular file or a data folder (a FileGDB ``.gdb`` or a folder of
  shapefiles), sidecar files included. :func:`open_regular` opens with ``O_NONBLOCK`` and checks
  the type of what was actually opened (``fstat``), so a path swapped after the check cannot hang
  a reader either.
* **SQLite inputs that a reader would change**: GDAL opening a GeoPackage that has a pending
  ``-wal`` (QGIS leaves one while a project is open, or after a crash) checkpoints it into the
  ``.gpkg`` and deletes the ``-wal`` even for a read-only open, and SQLite's ``immutable`` mode
  would instead silently ignore the edits in the ``-wal``. :func:`gdal_source` therefore reads
  such a file through a private copy (the ``.gpkg`` and its journal copied byte for byte into a
  temporary folder, the journal applied there), so the input folder is byte-identical afterwards
  and the latest edits are read. A GeoPackage without a journal is opened with the GDAL open
  option ``IMMUTABLE=YES``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sqlite3
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from ..base.errors import DataSourceError

logger = logging.getLogger(__name__)

__all__ = [
    "SQLITE_SUFFIXES",
    "ensure_readable_source",
    "file_kind",
    "gdal_source",
    "is_regular_file",
    "open_regular",
    "sqlite_journals",
]

#: Files that are SQLite databases (opened through :func:`gdal_source`).
SQLITE_SUFFIXES = (".gpkg", ".sqlite", ".db", ".spatialite")
#: Files SQLite keeps beside a database while it is open or after a crash.
_JOURNALS = ("-wal", "-journal", "-shm")
#: Sidecar files of a shapefile (checked for their type like the ``.shp``).
_SHP_PARTS = (".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx")

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str:
    """Words for the file type of an ``st_mode`` (``"a named pipe (FIFO)"`` …)."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a folder"
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is (or links to) a regular file; never blocks, never raises."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def _is_data_folder(path: Path) -> bool:
    """A FileGDB (``*.gdb`` holding ``.gdbtable`` files) or a folder holding shapefiles."""
    try:
        names = [entry.name.lower() for entry in os.scandir(path)]
    except OSError:
        return False
    if path.suffix.lower() == ".gdb":
        return any(n.endswith(".gdbtable") for n in names)
    return any(n.endswith(".shp") for n in names)


def _refuse(path: Path, what: str, role: str, kind: str) -> DataSourceError:
    return DataSourceError(
        f"{path}: is {what}, not a data file ({kind} '{role}'); reading it could block or never "
        "end: "
        "give the path of a regular file (a .shp, .gpkg, .gdb folder, .txt …) in the project file"
    )


def ensure_readable_source(path: str | os.PathLike[str], role: str, *, kind: str = "layer") -> Path:
    """Refuse, without opening it, a path that is not a regular file or a data folder.

    Call it for every configured input path before anything reads it. It only calls
    :func:`os.stat` and :func:`os.scandir`, so it returns at once even for a FIFO.

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
    suffix = p.suffix.lower()
    sidecars: list[Path] = []
    if suffix == ".shp":
        sidecars = [p.with_suffix(s) for s in _SHP_PARTS] + [
            p.with_suffix(s.upper()) for s in _SHP_PARTS
        ]
    elif suffix in SQLITE_SUFFIXES:
        sidecars = [Path(f"{p}{j}") for j in _JOURNALS]
    for part in sidecars:
        try:
            part_mode = os.stat(part).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(part_mode):
            raise _refuse(part, file_kind(part_mode), role, kind)
    return p


@contextlib.contextmanager
def open_regular(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Open a regular file for binary reading, refusing (never blocking on) anything else.

    The file is opened with ``O_NONBLOCK`` (a FIFO opens at once instead of waiting for a
    writer), its type is checked on the open descriptor, and only then is it read.

    Raises
    ------
    DataSourceError
        ``path`` is not a regular file.
    OSError
        It cannot be opened.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise DataSourceError(
                f"{path}: is {file_kind(mode)}, not a regular file; give the path of a data file"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        yield fh


def sqlite_journals(path: str | os.PathLike[str]) -> list[Path]:
    """The SQLite journal files (``-wal``, ``-journal``, ``-shm``) that exist beside ``path``."""
    return [Path(f"{path}{j}") for j in _JOURNALS if os.path.lexists(f"{path}{j}")]


def _private_copy(path: Path, folder: Path) -> Path:
    """Copy a SQLite file and its pending journal into ``folder`` and apply the journal there."""
    copy = folder / path.name
    shutil.copyfile(path, copy)
    for journal in ("-wal", "-journal"):
        src = Path(f"{path}{journal}")
        if src.exists():
            shutil.copyfile(src, Path(f"{copy}{journal}"))
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
        Any vector source. Only SQLite files (GeoPackage …) are treated specially.

    Yields
    ------
    (str, dict)
        The path to open (the input itself, or a private copy that is deleted when the block
        ends) and the dataset open options (``IMMUTABLE=YES`` for a GeoPackage).
    """
    p = Path(path)
    if p.suffix.lower() not in SQLITE_SUFFIXES or not is_regular_file(p):
        yield str(p), {}
        return
    options = {"IMMUTABLE": "YES"} if p.suffix.lower() == ".gpkg" else {}
    if not sqlite_journals(p):
        yield str(p), options
        return
    with tempfile.TemporaryDirectory(prefix="landlink-ro-") as tmp:
        try:
            copy = _private_copy(p, Path(tmp))
        except (OSError, sqlite3.Error) as exc:
            raise DataSourceError(
                f"{p}: has a pending SQLite journal "
                f"({', '.join(j.name for j in sqlite_journals(p))}) and a "
                f"private copy to read it could not be made ({exc}); close the file in QGIS/ArcGIS "
                "and try again"
            ) from None
        logger.info(
            "%s: pending SQLite journal; read through a private copy so the input stays unchanged",
            p.name,
        )
        yield str(copy), options
