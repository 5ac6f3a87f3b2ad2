"""GeoPackage ledger backend: one SQLite file, written with :mod:`sqlite3`, readable by GDAL/QGIS.

Writers take the database lock up front (``BEGIN IMMEDIATE``) and wait for each other with a
busy timeout, so two processes never interleave their checks and inserts. SQLite's rollback
journal makes each transaction atomic: a writer killed mid-transaction leaves a hot journal that
the next connection rolls back. The GeoPackage spatial functions the R-tree triggers call
(``ST_IsEmpty``, ``ST_MinX`` …) are registered on every connection, as GDAL does.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

from .errors import LedgerError
from .schema import apply_migrations

logger = logging.getLogger(__name__)

__all__ = ["GpkgBackend", "decode_gpkg_geometry", "describe_non_sqlite", "encode_gpkg_geometry"]

BUSY_TIMEOUT_S = 60.0
_APPLICATION_ID = 0x47504B47  # "GPKG"
_USER_VERSION = 10200  # GeoPackage 1.2


def encode_gpkg_geometry(geom, srs_id: int) -> bytes | None:
    """GeoPackage binary (header with XY envelope + little-endian ISO WKB) of one geometry."""
    if geom is None:
        return None
    if shapely.is_empty(geom):
        header = b"GP" + bytes([0, 0b00010001]) + struct.pack("<i", srs_id)
        return header + shapely.to_wkb(geom, byte_order=1)
    minx, miny, maxx, maxy = shapely.bounds(geom)
    header = (
        b"GP"
        + bytes([0, 0b00000011])
        + struct.pack("<i", srs_id)
        + struct.pack("<4d", minx, maxx, miny, maxy)
    )
    return header + shapely.to_wkb(geom, byte_order=1)


def _envelope_size(flags: int) -> int:
    return {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get((flags >> 1) & 0b111, 0)


def decode_gpkg_geometry(blobs) -> np.ndarray:
    """Shapely geometries of GeoPackage binary blobs (None stays None)."""
    wkbs = np.array(
        [None if b is None else bytes(b)[8 + _envelope_size(b[3]) :] for b in blobs], dtype=object
    )
    return shapely.from_wkb(wkbs)


def _header_flags(blob) -> tuple[bool, tuple[float, float, float, float] | None]:
    flags = blob[3]
    empty = bool(flags & 0b00010000)
    if empty:
        return True, None
    if _envelope_size(flags):
        little = flags & 1
        minx, maxx, miny, maxy = struct.unpack("<4d" if little else ">4d", bytes(blob[8:40]))
        return False, (minx, maxx, miny, maxy)
    geom = decode_gpkg_geometry([blob])[0]
    b = shapely.bounds(geom)
    return bool(shapely.is_empty(geom)), (b[0], b[2], b[1], b[3])


def _st(index: int):
    def func(blob):
        if blob is None:
            return None
        empty, env = _header_flags(blob)
        return None if empty or env is None else env[index]

    return func


def _st_is_empty(blob):
    return None if blob is None else int(_header_flags(blob)[0])


_MAGIC = (
    (b"PK\x03\x04", "a ZIP archive (an .xlsx/.docx workbook or zipped data)"),
    (b"%PDF", "a PDF document"),
    (b"\x00\x00\x27\x0a", "an ESRI shapefile geometry file (.shp)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office file (.xls/.doc/.mdb)"),
)


def describe_non_sqlite(path: Path) -> str | None:
    """What ``path`` is when it is not a SQLite database (``"an empty file"`` …), else None."""
    if path.is_dir():
        return "a folder"
    if not path.is_file():
        return "not a regular file"
    with open(path, "rb") as fh:
        head = fh.read(512)
    if head.startswith(b"SQLite format 3\x00"):
        return None
    if not head:
        return "an empty file (0 bytes)"
    for magic, what in _MAGIC:
        if head.startswith(magic):
            return what
    if b"\x00" not in head:
        for encoding in ("utf-8", "gbk"):
            try:
                text = head.decode(encoding)
            except UnicodeDecodeError:
                continue
            first = text.strip().splitlines()[0][:40] if text.strip() else ""
            return f"a text file (it starts with {first!r})"
    return f"a binary file that is not SQLite (it starts with bytes {head[:8].hex(' ')})"


class GpkgBackend:
    """Ledger storage in a GeoPackage file."""

    name = "gpkg"
    placeholder = "?"

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.location = str(self.path)

    # -- connections -------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        con = sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_S, isolation_level=None)
        con.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        con.execute("PRAGMA foreign_keys = ON")
        for name, func in (
            ("ST_MinX", _st(0)),
            ("ST_MaxX", _st(1)),
            ("ST_MinY", _st(2)),
            ("ST_MaxY", _st(3)),
        ):
            con.create_function(name, 1, func, deterministic=True)
        con.create_function("ST_IsEmpty", 1, _st_is_empty, deterministic=True)
        return con

    @contextlib.contextmanager
    def transaction(self, *, write: bool) -> Iterator[_Tx]:
        """One transaction; ``write`` takes the write lock at once (``BEGIN IMMEDIATE``)."""
        if not self.path.exists():
            raise LedgerError(
                f"{self.path}: no ledger here; create it with `landlink ledger init {self.path} "
                "--crs EPSG:45xx`"
            )
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE" if write else "BEGIN")
            tx = _Tx(con)
            try:
                yield tx
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")
        except sqlite3.Error as exc:
            raise LedgerError(
                f"{self.path}: ledger database error ({exc}); nothing was written"
            ) from None
        finally:
            con.close()

    # -- geometry ----------------------------------------------------------------------------
    def geom_in(self) -> str:
        """SQL for a geometry parameter."""
        return "?"

    def geom_out(self, column: str = "geom") -> str:
        """SQL expression selecting a geometry column as something :meth:`decode` reads."""
        return column

    def encode(self, geoms, srs_id: int) -> list[Any]:
        """Geometry parameters for inserts, one tuple per geometry (spliced into the row)."""
        return [(encode_gpkg_geometry(g, srs_id),) for g in geoms]

    def decode(self, values) -> np.ndarray:
        """Shapely geometries from selected geometry values."""
        return decode_gpkg_geometry(values)

    @staticmethod
    def date_param(value: dt.date | None) -> str | None:
        """A date as stored (ISO text)."""
        return value.isoformat() if value is not None else None

    @staticmethod
    def now_param() -> str:
        """The current UTC time as stored."""
        now = dt.datetime.now(dt.timezone.utc)
        return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z"

    # -- schema ------------------------------------------------------------------------------
    def exists(self) -> bool:
        """Whether the file exists and has the ledger tables.

        Raises
        ------
        LedgerError
            The path exists but is not a ledger: a folder, a file that is not SQLite (saying what
            it looks like), or a SQLite/GeoPackage file without the ledger tables.
        """
        if not self.path.exists():
            return False
        what = describe_non_sqlite(self.path)
        if what is not None:
            raise LedgerError(
                f"{self.path}: not a ledger: {what}, not a GeoPackage (SQLite) ledger; give the "
                "ledger file made by "
                "`landlink ledger init`, or create one with `landlink ledger init NEW.gpkg --crs "
                "EPSG:45xx`"
            )
        try:
            with contextlib.closing(
                sqlite3.connect(f"{self.path.absolute().as_uri()}?mode=ro", uri=True)
            ) as con:
                if (
                    con.execute(
                        "SELECT 1 FROM sqlite_master WHERE name = 'll_migrations'"
                    ).fetchone()
                    is not None
                ):
                    return True
                tables = [
                    r[0]
                    for r in con.execute(
                        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                        "'gpkg%' AND name NOT LIKE 'rtree%' ORDER BY name LIMIT 8"
                    )
                ]
        except sqlite3.Error as exc:
            raise LedgerError(
                f"{self.path}: not a readable SQLite database ({exc}); give the ledger file made "
                "by `landlink ledger init`"
            ) from None
        raise LedgerError(
            f"{self.path}: a GeoPackage/SQLite file but not a ledger (no ll_migrations table; "
            f"tables: {', '.join(tables) or 'none'}); "
            "give the ledger's path (a `landlink check` output is registered with `landlink "
            "ledger add`), "
            f"or create a ledger with `landlink ledger init NEW.gpkg --crs EPSG:45xx`"
        )

    def srs_id(self, tx: _Tx) -> int:
        """SRS id of the plots' geometry column."""
        return int(
            tx.rows("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = 'll_plots'")[0][0]
        )

    def crs(self, tx: _Tx) -> CRS:
        """CRS of the ledger."""
        row = tx.rows(
            "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys "
            "WHERE srs_id = ?",
            (self.srs_id(tx),),
        )[0]
        if str(row[0]).upper() == "EPSG":
            return CRS.from_epsg(int(row[1]))
        return CRS.from_wkt(row[2])

    def create(self, crs: CRS) -> None:
        """Create a new GeoPackage ledger in ``crs`` (the file must not exist)."""
        if self.path.exists():
            raise LedgerError(
                f"{self.path}: already exists; a ledger is created once (use it, or choose a new "
                "path)"
            )
        if self.path.suffix.lower() != ".gpkg":
            raise LedgerError(f"{self.path}: a GeoPackage ledger needs a .gpkg file name")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        epsg = crs.to_epsg()
        if epsg is None:
            raise LedgerError(
                f"ledger CRS {crs.name!r} has no EPSG code; use a CGCS2000 EPSG code such as "
                "EPSG:4545"
            )
        con = self._connect()
        try:
            con.execute("BEGIN IMMEDIATE")
            con.execute(f"PRAGMA application_id = {_APPLICATION_ID}")
            con.execute(f"PRAGMA user_version = {_USER_VERSION}")
            for stmt in _GPKG_CORE:
                con.execute(stmt)
            con.execute(
                "INSERT INTO gpkg_spatial_ref_sys VALUES (?, ?, 'EPSG', ?, ?, NULL)",
                (crs.name, epsg, epsg, crs.to_wkt("WKT1_GDAL")),
            )
            con.execute(
                "CREATE TABLE ll_migrations (id INTEGER PRIMARY KEY NOT NULL, description TEXT NOT "
                "NULL, applied_at DATETIME NOT NULL)"
            )
            con.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) VALUES "
                "('ll_migrations', 'attributes', 'll_migrations', 'landlink ledger: applied schema "
                "migrations')"
            )
            self._migrate(_Tx(con), epsg)
            con.execute("COMMIT")
        except BaseException:
            con.close()
            self.path.unlink(missing_ok=True)
            raise
        con.close()

    def _migrate(self, tx: _Tx, srs_id: int) -> None:
        apply_migrations(tx, self.name, srs_id, self.now_param(), str(self.path))

    def migrate(self) -> None:
        """Apply pending migrations (one transaction)."""
        with self.transaction(write=True) as tx:
            self._migrate(tx, self.srs_id(tx))

    def lock(self, tx: _Tx) -> None:
        """Serialise writers (``BEGIN IMMEDIATE`` already holds the write lock)."""


class _Tx:
    """A transaction on a sqlite3 connection with ``?`` placeholders."""

    def __init__(self, con: sqlite3.Connection):
        self.con = con

    def rows(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        return self.con.execute(sql, tuple(params)).fetchall()

    def run(self, sql: str, params: tuple | list = ()) -> None:
        self.con.execute(sql, tuple(params))

    def many(self, sql: str, seq: list[tuple]) -> None:
        self.con.executemany(sql, seq)

    def insert(self, sql: str, params: tuple | list = ()) -> int:
        return int(self.con.execute(sql, tuple(params)).lastrowid)


_GPKG_CORE = (
    "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL,srs_id INTEGER NOT NULL PRIMARY "
    "KEY,organization TEXT NOT NULL,organization_coordsys_id INTEGER NOT NULL,definition  TEXT NOT "
    "NULL,description TEXT)",
    "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined Cartesian SRS', -1, 'NONE', -1, "
    "'undefined', 'undefined Cartesian coordinate reference system')",
    "INSERT INTO gpkg_spatial_ref_sys VALUES ('Undefined geographic SRS', 0, 'NONE', 0, "
    "'undefined', 'undefined geographic coordinate reference system')",
    """INSERT INTO gpkg_spatial_ref_sys VALUES ('WGS 84 geodetic', 4326, 'EPSG', 4326, 'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]', 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid')""",  # noqa: E501
    "CREATE TABLE gpkg_contents (table_name TEXT NOT NULL PRIMARY KEY,data_type TEXT NOT "
    "NULL,identifier TEXT UNIQUE,description TEXT DEFAULT '',last_change DATETIME NOT NULL DEFAULT "
    "(strftime('%Y-%m-%dT%H:%M:%fZ','now')),min_x DOUBLE, min_y DOUBLE,max_x DOUBLE, max_y "
    "DOUBLE,srs_id INTEGER,CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES "
    "gpkg_spatial_ref_sys(srs_id))",
    "CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL,column_name TEXT NOT "
    "NULL,geometry_type_name TEXT NOT NULL,srs_id INTEGER NOT NULL,z TINYINT NOT NULL,m TINYINT "
    "NOT NULL,CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),CONSTRAINT "
    "uk_gc_table_name UNIQUE (table_name),CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES "
    "gpkg_contents(table_name),CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES "
    "gpkg_spatial_ref_sys (srs_id))",
    "CREATE TABLE gpkg_extensions (table_name TEXT,column_name TEXT,extension_name TEXT NOT "
    "NULL,definition TEXT NOT NULL,scope TEXT NOT NULL,CONSTRAINT ge_tce UNIQUE (table_name, "
    "column_name, extension_name))",
)
