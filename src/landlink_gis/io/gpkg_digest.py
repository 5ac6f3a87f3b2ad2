"""A digest of a filing GeoPackage's content, so that a file edited after the check is recognised.

``landlink check`` stores :func:`content_digest` of the layers a filing rests on — the plot layers
(with their ``ll_status``), ``findings``, ``finding_points`` and ``balance`` — in ``run_info``
under :data:`DIGEST_KEY`, computed after those layers are written. ``landlink ledger add``
computes it again from the file: a file whose plots, statuses or findings were edited afterwards
no longer matches.

The digest is SHA-256 over, per layer in a fixed order: the column names, then every column's
values in primary-key order, each value tagged with its SQLite type; geometries as canonical
little-endian ISO WKB (the GeoPackage header, which a tool may rewrite without changing the
geometry, is left out). It reads the file with :mod:`sqlite3` only, through a private copy when
the file has a pending journal, so the file is never changed.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import shapely

from .inputs import gdal_source

__all__ = ["DIGEST_KEY", "DIGEST_LAYERS", "content_digest", "no_aux_files", "stored_digest"]

#: run_info key of the digest
DIGEST_KEY = "content_sha256"
#: the layers the digest covers, in hashing order
DIGEST_LAYERS = ("demolition_plots", "construction_plots", "findings", "finding_points", "balance")
_PREFIX = "sha256:"


@contextlib.contextmanager
def no_aux_files() -> Iterator[None]:
    """Within the block GDAL writes no ``.aux.xml`` beside what it reads.

    GDAL keeps a GeoPackage's dataset metadata (which ``landlink check`` writes) in a
    ``NAME.gpkg.aux.xml`` beside the file when it opens it read-only; reading a checked
    GeoPackage must not add files beside it.
    """
    import pyogrio

    before = pyogrio.get_gdal_config_option("GDAL_PAM_ENABLED")
    pyogrio.set_gdal_config_options({"GDAL_PAM_ENABLED": "NO"})
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options({"GDAL_PAM_ENABLED": before})


def _envelope_size(flags: int) -> int:
    return {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0b111, 0)


def _as_bytes(value):
    return value if value is None or type(value) is bytes else bytes(value)


def _canonical_wkb(blobs: list) -> list[bytes | None]:
    """Canonical ISO WKB of GeoPackage geometry blobs (None stays None; an unreadable blob as is)."""
    wkbs = np.array([None if b is None else b[8 + _envelope_size(b[3]) :] if len(b) > 8 and b[:2] == b"GP" else b for b in map(_as_bytes, blobs)], dtype=object)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # NaN coordinates are hashed as they are
            geoms = shapely.from_wkb(wkbs, on_invalid="raise")
            return list(shapely.to_wkb(geoms, byte_order=1, flavor="iso", output_dimension=4))
    except shapely.errors.GEOSException:
        return [_as_bytes(b) for b in blobs]


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
_FAST = {str: ("t", None), float: ("f", float.hex), int: ("i", int.__repr__), bytes: ("b", bytes.hex)}


def _column_text(column: list) -> str:
    """``"\\x1f".join(map(_canon, column))``, computed with one C-level join where the column allows.

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


def _table_digest(con: sqlite3.Connection, table: str, h) -> None:
    info = con.execute(f'PRAGMA table_info("{table}")').fetchall()
    names = [row[1] for row in info]
    pk = next((row[1] for row in info if row[5] == 1), None)
    geom = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)).fetchone()
    geom_col = geom[0] if geom else None
    order = f' ORDER BY "{pk}"' if pk else " ORDER BY rowid"
    rows = con.execute(f'SELECT {", ".join(f"{chr(34)}{n}{chr(34)}" for n in names)} FROM "{table}"{order}').fetchall()
    h.update(f"table\x1e{table}\x1e{len(rows)}\x1e".encode())
    h.update("\x1f".join(names).encode() + b"\x1e")
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in names]
    for name, column in zip(names, columns, strict=True):
        if name == geom_col:
            column = _canonical_wkb(column)
        h.update(_column_text(column).encode("utf-8", "surrogatepass") + b"\x1e")


def content_digest(path: str | Path) -> str:
    """The content digest (``sha256:…``) of the layers :data:`DIGEST_LAYERS` of a GeoPackage.

    Parameters
    ----------
    path
        A GeoPackage written by ``landlink check`` (or its temporary file while it is written).

    Raises
    ------
    sqlite3.Error
        The file is not a readable SQLite database.
    """
    h = hashlib.sha256(b"landlink content digest v1\x1e")
    with gdal_source(path) as (src, _options):
        uri = f"{Path(src).absolute().as_uri()}?mode=ro&immutable=1"
        with contextlib.closing(sqlite3.connect(uri, uri=True)) as con:
            present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            for table in DIGEST_LAYERS:
                if table in present:
                    try:  # sqlite3 decodes UTF-8 text in C; text that is not UTF-8 is read again, kept as bytes escapes
                        con.text_factory = str
                        part = h.copy()
                        _table_digest(con, table, part)
                    except sqlite3.OperationalError:
                        con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
                        part = h.copy()
                        _table_digest(con, table, part)
                    h = part
                else:
                    h.update(f"absent\x1e{table}\x1e".encode())
    return _PREFIX + h.hexdigest()


def stored_digest(run_info: dict) -> str | None:
    """The digest a check stored in ``run_info`` (None: the file has none, e.g. an older version)."""
    value = run_info.get(DIGEST_KEY)
    return value if isinstance(value, str) and value.startswith(_PREFIX) else None
