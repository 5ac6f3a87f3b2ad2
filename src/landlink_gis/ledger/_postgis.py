"""PostGIS ledger backend: the shared office ledger, in one schema of a PostgreSQL database.

Every write is one transaction that first takes a transaction-scoped advisory lock
(``pg_advisory_xact_lock``) on the ledger schema, so concurrent writers are serialised exactly
as the GeoPackage backend's ``BEGIN IMMEDIATE`` serialises them; PostgreSQL rolls back the
transaction of a client that dies. The URL may carry ``?schema=NAME`` (default
``landlink_ledger``). Connections go through :func:`landlink_gis.io.pg_session.pg_session`
(driver errors become :class:`LedgerError` with the URL redacted; passwords never appear in
messages).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import numpy as np
import shapely
from pyproj import CRS

from ..base.redaction import redact_url
from .errors import LedgerError
from .schema import apply_migrations

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_SCHEMA", "PostgisBackend", "split_schema"]

DEFAULT_SCHEMA = "landlink_ledger"
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def split_schema(url: str) -> tuple[str, str]:
    """``(libpq URL without the schema parameter, schema name)`` of a ledger URL.

    Works on the raw string (the query starts at the first ``?`` after the last ``@``), so a
    password is passed on exactly as typed and a malformed URL reaches
    :func:`~landlink_gis.io.pg_session.pg_session`, which explains it without quoting it.
    """
    at = url.rfind("@")
    start = at + 1 if at >= 0 else (url.find("://") + 3 if "://" in url else len(url))
    q = url.find("?", start)
    schema = DEFAULT_SCHEMA
    if q >= 0:
        rest = []
        for part in url[q + 1 :].split("&"):
            key, _, value = part.partition("=")
            if key == "schema":
                schema = unquote(value)
            elif part:
                rest.append(part)
        url = url[:q] + ("?" + "&".join(rest) if rest else "")
    if not _IDENT.match(schema):
        raise LedgerError(
            f"{redact_url(url)}: schema {schema!r} must be a lower-case SQL identifier (letters, "
            "digits, _)"
        )
    return url, schema


class PostgisBackend:
    """Ledger storage in a PostGIS schema."""

    name = "postgis"
    placeholder = "%s"

    def __init__(self, url: str):
        self.url, self.schema = split_schema(url)
        self.location = redact_url(url)

    def _session(self, action: str, *, read_only: bool = False):
        """A :func:`pg_session` on the ledger database; errors become :class:`LedgerError`."""
        from ..io.pg_session import pg_session  # psycopg only when a PostGIS ledger is used

        return pg_session(
            self.url,
            f"ledger schema {self.schema}",
            read_only=read_only,
            action=action,
            error=LedgerError,
            label="ledger database",
        )

    def _use_schema(self, con) -> None:
        con.execute(f"SET search_path TO {self.schema}, public")
        con.commit()

    @contextlib.contextmanager
    def transaction(self, *, write: bool) -> Iterator[_Tx]:
        """One transaction; ``write`` first takes the ledger's advisory lock."""
        with self._session("the ledger transaction") as con:
            self._use_schema(con)
            with con.transaction():
                tx = _Tx(con)
                if write:
                    self.lock(tx)
                yield tx

    def lock(self, tx: _Tx) -> None:
        """Take the transaction-scoped advisory lock of this ledger schema."""
        tx.run("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"landlink_ledger:{self.schema}",))

    # -- geometry ----------------------------------------------------------------------------
    def geom_in(self) -> str:
        return "ST_GeomFromWKB(%s, %s)"

    def geom_out(self, column: str = "geom") -> str:
        return f"ST_AsBinary({column})"

    def encode(self, geoms, srs_id: int) -> list[Any]:
        return [(None if g is None else shapely.to_wkb(g, byte_order=1), srs_id) for g in geoms]

    def decode(self, values) -> np.ndarray:
        return shapely.from_wkb(
            np.array([None if v is None else bytes(v) for v in values], dtype=object)
        )

    @staticmethod
    def date_param(value: dt.date | None) -> dt.date | None:
        return value

    @staticmethod
    def now_param() -> dt.datetime:
        return dt.datetime.now(dt.timezone.utc)

    # -- schema ------------------------------------------------------------------------------
    def exists(self) -> bool:
        with self._session("looking for the ledger", read_only=True) as con:
            row = con.execute(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = "
                "'ll_migrations'",
                (self.schema,),
            ).fetchone()
            return row is not None

    def srs_id(self, tx: _Tx) -> int:
        return int(tx.rows("SELECT Find_SRID(%s, 'll_plots', 'geom')", (self.schema,))[0][0])

    def crs(self, tx: _Tx) -> CRS:
        return CRS.from_epsg(self.srs_id(tx))

    def create(self, crs: CRS) -> None:
        """Create the ledger schema and tables (the schema must not hold a ledger yet)."""
        epsg = crs.to_epsg()
        if epsg is None:
            raise LedgerError(
                f"ledger CRS {crs.name!r} has no EPSG code; use a CGCS2000 EPSG code such as "
                "EPSG:4545"
            )
        with self._session("creating the ledger") as con, con.transaction():
            tx = _Tx(con)
            tx.run(
                "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"landlink_ledger:{self.schema}",)
            )
            if not tx.rows("SELECT 1 FROM pg_extension WHERE extname = 'postgis'"):
                raise LedgerError(
                    f"{self.location}: the database has no PostGIS; run `CREATE EXTENSION postgis` "
                    "as its owner first"
                )
            if not tx.rows("SELECT 1 FROM spatial_ref_sys WHERE srid = %s", (epsg,)):
                raise LedgerError(
                    f"{self.location}: EPSG:{epsg} is not in PostGIS's spatial_ref_sys"
                )
            if tx.rows(
                "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = "
                "'ll_migrations'",
                (self.schema,),
            ):
                raise LedgerError(
                    f"{self.location}: schema {self.schema} already holds a ledger; use it, or "
                    "pick another ?schema="
                )
            tx.run(f"CREATE SCHEMA IF NOT EXISTS {self.schema}")
            tx.run(f"SET LOCAL search_path TO {self.schema}, public")
            tx.run(
                "CREATE TABLE ll_migrations (id INTEGER PRIMARY KEY, description TEXT NOT NULL, "
                "applied_at TIMESTAMPTZ NOT NULL)"
            )
            self._migrate(tx, epsg)

    def _migrate(self, tx: _Tx, srs_id: int) -> None:
        apply_migrations(tx, self.name, srs_id, self.now_param(), str(self.location))

    def migrate(self) -> None:
        """Apply pending migrations (one transaction, under the advisory lock)."""
        with self.transaction(write=True) as tx:
            self._migrate(tx, self.srs_id(tx))


class _Tx:
    """A transaction on a psycopg connection; SQL uses ``?`` placeholders like sqlite3."""

    def __init__(self, con):
        self.con = con

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    def rows(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        cur = self.con.execute(self._sql(sql), tuple(params) or None)
        return cur.fetchall() if cur.description else []

    def run(self, sql: str, params: tuple | list = ()) -> None:
        self.con.execute(self._sql(sql), tuple(params) or None)

    def many(self, sql: str, seq: list[tuple]) -> None:
        with self.con.cursor() as cur:
            cur.executemany(self._sql(sql), seq)

    def insert(self, sql: str, params: tuple | list = ()) -> int:
        sql = self._sql(sql)
        key = "fid" if "ll_plots" in sql else "id"
        return int(self.con.execute(sql + f" RETURNING {key}", tuple(params)).fetchone()[0])
