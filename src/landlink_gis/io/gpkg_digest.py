"""A digest of a filing GeoPackage's content, so that a file edited after the check is recognised.

``landlink check`` stores :func:`content_digest` of the layers a filing rests on — the plot layers
(with their ``ll_status``), ``findings``, ``finding_points`` and ``balance`` — in ``run_info``
under :data:`DIGEST_KEY`, computed after those layers are written. ``landlink ledger add``
computes it again from the file (:func:`digest_matches`): a file whose plots, statuses or
findings were edited afterwards no longer matches.

Every column is read as text in one canonical form: its values in primary-key order, each tagged
with its SQLite type; geometries as canonical little-endian ISO WKB (the GeoPackage header, which
a tool may rewrite without changing the geometry, is left out). Version 1 (``sha256:``) is one
SHA-256 over the layers' names, row counts, column names and column texts in order. Version 2
(``sha256v2:``, what a check writes now) hashes each column text on its own and then the list of
those hashes with the same names and counts, so that the columns of a big file are hashed on all
cores (:data:`PARALLEL_CELLS`). Both are verified; neither changes the file: it is read with
:mod:`sqlite3` only, through a private copy when the file has a pending journal.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import multiprocessing
import os
import sqlite3
import sys
import types
import warnings
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import shapely

from ..base.contract import DIGEST_LAYERS
from .gdal_options import gdal_config

logger = logging.getLogger(__name__)

__all__ = [
    "DIGEST_KEY",
    "DIGEST_LAYERS",
    "PARALLEL_CELLS",
    "content_digest",
    "digest_matches",
    "no_aux_files",
    "stored_digest",
]

#: run_info key of the digest
DIGEST_KEY = "content_sha256"
_PREFIX = "sha256:"
_PREFIX_V2 = "sha256v2:"
#: a file with at least this many cells (rows × columns) in the digested layers has its columns
#: hashed in worker processes, one per core (at most 4); smaller files are hashed in this process
PARALLEL_CELLS = 2_000_000
#: Rows of a column read and hashed at a time (a column's text is never held whole).
BATCH_ROWS = 50_000


@contextlib.contextmanager
def no_aux_files() -> Iterator[None]:
    """Within the block GDAL writes no ``.aux.xml`` beside what it reads.

    GDAL keeps a GeoPackage's dataset metadata (which ``landlink check`` writes) in a
    ``NAME.gpkg.aux.xml`` beside the file when it opens it read-only; reading a checked
    GeoPackage must not add files beside it.
    """
    with gdal_config({"GDAL_PAM_ENABLED": "NO"}):
        yield


def _envelope_size(flags: int) -> int:
    return {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0b111, 0)


def _as_bytes(value):
    return value if value is None or type(value) is bytes else bytes(value)


def _canonical_wkb(blobs: list, *, raw: bool = False) -> list[bytes | None]:
    """Canonical ISO WKB of GeoPackage geometry blobs (None stays None); ``raw``: the blobs as
    they are (a column with an unreadable blob is hashed as stored, whole).

    Raises
    ------
    shapely.errors.GEOSException
        A blob is unreadable (and ``raw`` is False).
    """
    if raw:
        return [_as_bytes(b) for b in blobs]
    wkbs = np.array(
        [
            None
            if b is None
            else b[8 + _envelope_size(b[3]) :]
            if len(b) > 8 and b[:2] == b"GP"
            else b
            for b in map(_as_bytes, blobs)
        ],
        dtype=object,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN coordinates are hashed as they are
        geoms = shapely.from_wkb(wkbs, on_invalid="raise")
        return list(shapely.to_wkb(geoms, byte_order=1, flavor="iso", output_dimension=4))


def _canon(value) -> str:
    if value is None:
        return "n"
    if isinstance(value, bytes):
        return "b" + value.hex()
    if isinstance(value, float):
        return "f" + value.hex()
    if isinstance(value, int):
        return f"i{value}"
    return "t" + str(value).replace("\\", "\\\\").replace("\x1f", "\\x1f")


#: per SQLite value type: the tag and the text of a value (the same as :func:`_canon`, column-wise)
_FAST = {
    str: ("t", None),
    float: ("f", float.hex),
    int: ("i", int.__repr__),
    bytes: ("b", bytes.hex),
}


def _column_text(column: list) -> str:
    """``"\\x1f".join(map(_canon, column))``, computed with one C-level join where the column
    allows.

    A column of one Python type (SQLite columns usually are) is tagged and joined at once: the
    ``"\\x1f"``-joined values with the tag after every separator. Text that holds a backslash or the
    separator, and columns of mixed types (NULLs included), go cell by cell through :func:`_canon`.
    """
    kinds = set(map(type, column))
    if len(kinds) == 1:
        kind = kinds.pop()
        if kind in _FAST:
            tag, text = _FAST[kind]
            values = column if text is None else list(map(text, column))
            joined = ("\x1f" + tag).join(values)
            if text is not None or ("\\" not in joined and joined.count("\x1f") == len(column) - 1):
                return tag + joined
    return "\x1f".join(map(_canon, column))


def _connect(src: str) -> sqlite3.Connection:
    return sqlite3.connect(f"{Path(src).absolute().as_uri()}?mode=ro&immutable=1", uri=True)


def _feed_column(h, con: sqlite3.Connection, table: str, column: str, order: str, geometry: bool):
    """``h`` (a hashlib object) after hashing one column's canonical text; returns the hasher to
    go on with.

    The column is read :data:`BATCH_ROWS` rows at a time and its text hashed piece by piece, so
    a column of millions of overlap polygons never becomes one string; the pieces are the whole
    column's text (values joined by ``"\\x1f"``). Text that is not UTF-8 is read again, kept as
    byte escapes; a geometry column with an unreadable blob is hashed again, every blob as
    stored: both start the column over from the hasher as it was.
    """
    start, raw = h.copy(), False
    con.text_factory = str
    while True:
        try:
            cursor = con.execute(f'SELECT "{column}" FROM "{table}" ORDER BY {order}')
            sep = b""
            while rows := cursor.fetchmany(BATCH_ROWS):
                values = [r[0] for r in rows]
                if geometry:
                    values = _canonical_wkb(values, raw=raw)
                h.update(sep + _column_text(values).encode("utf-8", "surrogatepass"))
                sep = b"\x1f"
            return h
        except sqlite3.OperationalError:
            if con.text_factory is not str:
                raise
            con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
        except shapely.errors.GEOSException:
            if raw:
                raise
            raw = True
        h = start.copy()


def _v1(src: str) -> str:
    h = hashlib.sha256(b"landlink content digest v1\x1e")
    with contextlib.closing(_connect(src)) as con:
        present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        for table in DIGEST_LAYERS:
            if table not in present:
                h.update(f"absent\x1e{table}\x1e".encode())
                continue
            names, order, geom, rows = _layout(con, table)
            _table_header(h, table, names, rows)
            for name in names:
                h = _feed_column(h, con, table, name, order, name == geom)
                h.update(b"\x1e")
    return _PREFIX + h.hexdigest()


def _table_header(h, table: str, names: list[str], rows: int) -> None:
    h.update(f"table\x1e{table}\x1e{rows}\x1e".encode())
    h.update("\x1f".join(names).encode() + b"\x1e")


def _layout(con: sqlite3.Connection, table: str) -> tuple[list[str], str, str | None, int]:
    """Column names, the ORDER BY column, the geometry column and the row count of ``table``."""
    info = con.execute(f'PRAGMA table_info("{table}")').fetchall()
    names = [row[1] for row in info]
    pk = next((row[1] for row in info if row[5] == 1), None)
    geom = con.execute(
        "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)
    ).fetchone()
    rows = con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
    return names, f'"{pk}"' if pk else "rowid", geom[0] if geom else None, int(rows)


def _column_hash(src: str, table: str, column: str, order: str, geometry: bool) -> str:
    """SHA-256 (hex) of one column's canonical text (version 2; run in a worker process)."""
    with contextlib.closing(_connect(src)) as con:
        return _feed_column(hashlib.sha256(), con, table, column, order, geometry).hexdigest()


def _can_spawn() -> bool:
    """Whether worker processes can be started: a Python interpreter, not an embedding host
    (QGIS)."""
    exe = Path(sys.executable or "").name.lower()
    return exe.startswith("python") and not getattr(sys, "frozen", False)


@contextlib.contextmanager
def _bare_main() -> Iterator[None]:
    """While worker processes start, ``__main__`` is an empty module, so they do not run the
    caller's script.

    A spawned worker re-imports the parent's ``__main__`` (its file, or its module name) before it
    takes a task; a user's script without an ``if __name__ == "__main__":`` guard would run again
    in every worker. The workers need only this module, which they import by name.
    """
    main = sys.modules.get("__main__")
    sys.modules["__main__"] = types.ModuleType("__main__")
    try:
        yield
    finally:
        if main is not None:
            sys.modules["__main__"] = main


def _v2(src: str, workers: int | None) -> str:
    with contextlib.closing(_connect(src)) as con:
        present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        layouts = {t: _layout(con, t) for t in DIGEST_LAYERS if t in present}
    tasks = [
        (src, t, name, order, name == geom)
        for t, (names, order, geom, _) in layouts.items()
        for name in names
    ]
    cells = sum(len(names) * rows for names, _, _, rows in layouts.values())
    n = min(os.cpu_count() or 1, 4) if workers is None else workers
    hashes: list[str] | None = None
    if n > 1 and cells >= PARALLEL_CELLS and _can_spawn():
        try:
            with (
                _bare_main(),
                ProcessPoolExecutor(
                    max_workers=n, mp_context=multiprocessing.get_context("spawn")
                ) as pool,
            ):
                hashes = list(pool.map(_column_hash, *zip(*tasks, strict=True)))
        except (
            OSError,
            RuntimeError,
        ) as exc:  # BrokenProcessPool is a RuntimeError: hash here instead
            logger.debug("digest workers failed (%s); hashing in this process", exc)
    if hashes is None:
        hashes = [_column_hash(*task) for task in tasks]
    h = hashlib.sha256(b"landlink content digest v2\x1e")
    it = iter(hashes)
    for table in DIGEST_LAYERS:
        if table not in layouts:
            h.update(f"absent\x1e{table}\x1e".encode())
            continue
        names, _, _, rows = layouts[table]
        _table_header(h, table, names, rows)
        for _ in names:
            h.update(next(it).encode() + b"\x1e")
    return _PREFIX_V2 + h.hexdigest()


def content_digest(path: str | Path, *, version: int = 2, workers: int | None = None) -> str:
    """The content digest (``sha256v2:…``, or ``sha256:…`` for version 1) of the layers
    :data:`DIGEST_LAYERS`.

    Parameters
    ----------
    path
        A GeoPackage written by ``landlink check`` (or its temporary file while it is written).
    version
        2 (what a check writes) or 1 (what earlier versions wrote).
    workers
        Worker processes for version 2 on a big file (default: one per core, at most 4; 1: none).

    Raises
    ------
    sqlite3.Error
        The file is not a readable SQLite database.
    """
    if version not in (1, 2):
        raise ValueError(f"unknown digest version {version}")
    # imported here: the worker processes import this module and need neither geopandas nor GDAL
    from .formats import gdal_source

    with gdal_source(path) as (src, _options):
        return _v1(str(src)) if version == 1 else _v2(str(src), workers)


def digest_matches(path: str | Path, stored: str) -> bool:
    """Whether the file's content still has the digest ``stored`` (of either version)."""
    version = 2 if stored.startswith(_PREFIX_V2) else 1
    return content_digest(path, version=version) == stored


def stored_digest(run_info: dict) -> str | None:
    """The digest a check stored in ``run_info`` (None: the file has none, e.g. an older
    version)."""
    value = run_info.get(DIGEST_KEY)
    return value if isinstance(value, str) and value.startswith((_PREFIX, _PREFIX_V2)) else None
