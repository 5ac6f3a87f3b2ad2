"""Read and write PostGIS layers (``postgresql://…`` sources of a project file).

Reading pushes the bounding-box filter to the server (``ST_Intersects(geom, envelope)``, which on
PostGIS >= 3 brings its own ``geom && envelope`` index condition; older PostGIS gets the ``&&``
spelled out) so that PostgreSQL can use the GIST index, streams rows through a server-side cursor
and decodes the geometries with one vectorised :func:`shapely.from_wkb` call.

Every connection goes through :func:`~landlink_gis.io.pg_session.pg_session` (read-only for
reads), so secrets never leave this module: messages and logs name the source by
:func:`~landlink_gis.base.redaction.redact_url`, psycopg's texts are scrubbed before they are
quoted,
and the errors raised are not chained to psycopg's.

An ``sql`` source runs as exactly one read-only query. Three layers make sure of it: a light
check of the text (:func:`check_select_sql`: one ``SELECT`` or ``WITH … SELECT``, nothing after
a ``;``) gives a clear message; every statement that embeds it is sent with the extended query
protocol (``prepare=True``, or the ``DECLARE`` of a server-side cursor), which refuses several
statements in one string; and the session and its transaction are read-only
(``default_transaction_read_only=on`` and ``BEGIN READ ONLY``), so DML, DDL, ``nextval`` and
``set_config('transaction_read_only', …)`` fail on the server.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql as pgsql
from psycopg.types.numeric import FloatLoader

from ..base.redaction import redact_url
from .pg_session import pg_session, raise_unchained, source_error, split_table
from .pg_session import run_statement as _run
from .pg_sql import SELECT_HINT, check_select_sql, sql_explainer
from .pg_write import write_postgis

__all__ = ["check_select_sql", "explain_postgis", "read_postgis", "write_postgis"]

log = logging.getLogger(__name__)

_CHUNK_ROWS = 50_000


@dataclass(frozen=True)
class _Source:
    """What a query needs to know about a table or SQL source."""

    relation: pgsql.Composable  # FROM item
    columns: tuple[str, ...]  # in order
    geometry: str  # active geometry column
    geometries: frozenset[str]  # all geometry-typed columns
    srid: int
    label: str  # for messages


def _table_source(conn: psycopg.Connection, table: str, geometry_column: str | None) -> _Source:
    schema, name = split_table(table)
    candidates = [(schema, name)]
    if '"' not in table and table != table.lower():  # DLTB in the TOML, dltb from shp2pgsql
        candidates.append((schema and schema.lower(), name.lower()))
    row = None
    for cand_schema, cand_name in candidates:
        ident = pgsql.Identifier(*((cand_schema, cand_name) if cand_schema else (cand_name,)))
        row = _run(
            conn,
            "SELECT n.nspname, c.relname, c.oid FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(%s)",
            (ident.as_string(conn),),
        ).fetchone()
        if row is not None:
            break
    if row is None:
        raise LookupError(
            f"table {table!r} not found or not visible to this user; check the name "
            "(schema.table, case-sensitive when quoted) and the user's privileges"
        )
    schema, name, oid = row
    columns = _run(
        conn,
        "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a "
        "WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (oid,),
    ).fetchall()
    geoms = [c for c, t in columns if t == "geometry"]
    geom = _pick_geometry(geoms, geometry_column, table)
    found = _run(
        conn,
        "SELECT srid FROM geometry_columns "
        "WHERE f_table_schema = %s AND f_table_name = %s AND f_geometry_column = %s",
        (schema, name, geom),
    ).fetchone()
    srid = int(found[0]) if found else 0
    relation = pgsql.Identifier(schema, name)
    if srid == 0:  # untyped column (e.g. a view): ask the data
        srid = _probe_srid(conn, relation, geom)
    return _Source(
        relation, tuple(c for c, _ in columns), geom, frozenset(geoms), srid, f"table {table!r}"
    )


def _sql_source(conn: psycopg.Connection, query: str, geometry_column: str | None) -> _Source:
    # ``query`` passed check_select_sql; the newline keeps a trailing ``--`` comment inside.
    relation = pgsql.SQL("({}\n) AS _ll_src").format(pgsql.SQL(query))  # type: ignore[arg-type]
    desc = _run(conn, pgsql.SQL("SELECT * FROM {} LIMIT 0").format(relation)).description or []
    geom_oids = {
        r[0] for r in _run(conn, "SELECT oid FROM pg_type WHERE typname = 'geometry'").fetchall()
    }
    columns = tuple(d.name for d in desc)
    if len(set(columns)) != len(columns):
        raise LookupError("the SQL returns duplicate column names; give each column an alias")
    geoms = [d.name for d in desc if d.type_code in geom_oids]
    geom = _pick_geometry(geoms, geometry_column, "the SQL")
    srid = _probe_srid(conn, relation, geom)
    return _Source(relation, columns, geom, frozenset(geoms), srid, "sql query")


def _pick_geometry(geoms: Sequence[str], wanted: str | None, what: str) -> str:
    if wanted is not None:
        if wanted not in geoms:
            raise LookupError(
                f"{what} has no geometry column {wanted!r} (geometry columns: {list(geoms)})"
            )
        return wanted
    if len(geoms) == 1:
        return geoms[0]
    if not geoms:
        raise LookupError(f"{what} has no geometry column")
    raise LookupError(f"{what} has several geometry columns {list(geoms)}; pass geometry_column")


def _probe_srid(conn: psycopg.Connection, relation: pgsql.Composable, geom: str) -> int:
    row = _run(
        conn,
        pgsql.SQL("SELECT ST_SRID({g}) FROM {r} WHERE {g} IS NOT NULL LIMIT 1").format(
            g=pgsql.Identifier(geom), r=relation
        ),
    ).fetchone()
    return int(row[0]) if row else 0


def _crs_of_srid(conn: psycopg.Connection, srid: int) -> object | None:
    if srid <= 0:
        return None
    row = _run(
        conn, "SELECT auth_name, auth_srid, srtext FROM spatial_ref_sys WHERE srid = %s", (srid,)
    ).fetchone()
    if row is None:
        log.warning("SRID %d is not in spatial_ref_sys; the layer has no CRS", srid)
        return None
    auth, code, wkt = row
    if auth and auth.upper() == "EPSG" and code:
        return f"EPSG:{int(code)}"
    return wkt or None


def _envelope(
    bbox: Sequence[float], bbox_crs: object | None, srid: int, crs: object | None
) -> pgsql.Composable:
    """SQL for the filter envelope, in the source's SRID (transformed server-side if needed)."""
    if len(bbox) != 4:
        raise ValueError(f"bbox must be (xmin, ymin, xmax, ymax), got {tuple(bbox)}")
    xmin, ymin, xmax, ymax = (float(v) for v in bbox)
    if not all(map(math.isfinite, (xmin, ymin, xmax, ymax))) or xmin > xmax or ymin > ymax:
        raise ValueError(f"bbox must be finite (xmin, ymin, xmax, ymax), got {tuple(bbox)}")
    bbox_srid = srid
    if bbox_crs is not None:
        from pyproj import CRS, Transformer  # imported only when a bbox CRS is given
        from pyproj.exceptions import CRSError

        try:
            given = CRS.from_user_input(bbox_crs)
            target = CRS.from_user_input(crs) if crs is not None else None
        except CRSError as exc:
            raise ValueError(f"bbox_crs/crs not understood: {exc}") from None
        if target is None and srid > 0:
            try:
                target = CRS.from_epsg(srid)
            except CRSError:  # a custom SRID: the server still knows it
                target = None
        code = given.to_epsg()
        if target is not None and given.equals(target):
            pass
        elif code is not None and srid > 0:  # transform on the server (spatial_ref_sys)
            bbox_srid = code
        elif target is not None:  # bbox CRS without EPSG code, or layer SRID 0
            tr = Transformer.from_crs(given, target, always_xy=True)
            xmin, ymin, xmax, ymax = tr.transform_bounds(xmin, ymin, xmax, ymax, densify_pts=64)
        else:
            raise ValueError("bbox_crs is given but the layer has no SRID; pass crs= as well")
    env = pgsql.SQL("ST_MakeEnvelope({}, {}, {}, {}, {})").format(
        *(pgsql.Literal(v) for v in (xmin, ymin, xmax, ymax)), pgsql.Literal(bbox_srid)
    )
    if bbox_srid == srid:
        return env
    step = max(xmax - xmin, ymax - ymin) / 64 or 1.0  # densify: transformed edges curve
    return pgsql.SQL("ST_Transform(ST_Segmentize({}, {}), {})").format(
        env, pgsql.Literal(step), pgsql.Literal(srid)
    )


def _select(src: _Source, env: pgsql.Composable | None, explicit_bbox: bool) -> pgsql.Composed:
    fields = [
        pgsql.SQL("ST_AsBinary({c}) AS {c}").format(c=pgsql.Identifier(c))
        if c in src.geometries
        else pgsql.Identifier(c)
        for c in src.columns
    ]
    query = pgsql.SQL("SELECT {} FROM {}").format(pgsql.SQL(", ").join(fields), src.relation)
    if env is not None:
        g = pgsql.Identifier(src.geometry)
        # PostGIS >= 3 adds `geom && env` to ST_Intersects itself (index support function); a
        # second explicit `&&` would square the selectivity estimate (1 row estimated for 144).
        where = (
            "{g} && {e} AND ST_Intersects({g}, {e})" if explicit_bbox else "ST_Intersects({g}, {e})"
        )
        query += pgsql.SQL(" WHERE " + where).format(g=g, e=env)
    return query


def _postgis_major(conn: psycopg.Connection) -> int:
    row = _run(conn, "SELECT postgis_lib_version()").fetchone()
    return int(str(row[0]).split(".")[0]) if row else 0


def _what(table: str | None, sql: str | None) -> str:
    return f"table {table!r}" if table is not None else "sql query"


def _prepare_args(
    url: str, table: str | None, sql_text: str | None, role: str | None
) -> str | None:
    """Check the arguments before connecting; return the checked SQL (or ``None`` for a table)."""
    what = _what(table, sql_text)
    if (table is None) == (sql_text is None):
        raise_unchained(
            source_error(url, "layer", "reading failed", "give exactly one of table= or sql=")
        )
    if sql_text is None:
        return None
    try:
        return check_select_sql(sql_text, role)
    except ValueError as exc:
        problem = str(exc)
    raise_unchained(source_error(url, what, problem, SELECT_HINT))


def _plan(conn, url, table, sql_text, bbox, bbox_crs, geometry_column, crs):
    """Resolve the source and build the SELECT; raises DataSourceError (psycopg errors pass)."""
    what = _what(table, sql_text)
    problem: str | None = None
    try:
        if table is not None:
            src = _table_source(conn, table, geometry_column)
        else:
            src = _sql_source(conn, sql_text, geometry_column)
        env = _envelope(bbox, bbox_crs, src.srid, crs) if bbox is not None else None
        return src, _select(src, env, explicit_bbox=_postgis_major(conn) < 3)
    except (LookupError, ValueError) as exc:
        problem = str(exc)
    raise_unchained(source_error(url, what, "inspecting the layer failed", problem))


def read_postgis(
    url: str,
    *,
    table: str | None = None,
    sql: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    bbox_crs: object | None = None,
    geometry_column: str | None = None,
    crs: object | None = None,
    chunk_size: int = _CHUNK_ROWS,
    role: str | None = None,
) -> gpd.GeoDataFrame:
    """Read a PostGIS table or query into a GeoDataFrame.

    Parameters
    ----------
    url
        ``postgresql://user:password@host:port/dbname`` (libpq URL; key/value strings work too).
        Special characters in the password must be percent-encoded (``@`` → ``%40``).
    table
        Table or view name, optionally schema-qualified (``schema.table``; quote mixed-case names
        as ``"Schema"."Table"``). Exactly one of ``table`` and ``sql``.
    sql
        One read-only ``SELECT`` (or ``WITH … SELECT``); it is wrapped as a subquery so the bbox
        filter still applies. Several statements, DML, DDL, ``SET``, ``COMMIT`` … are refused
        (checked on the client, and impossible on the server: extended protocol, read-only
        transaction).
    bbox
        ``(xmin, ymin, xmax, ymax)``: only features intersecting it are read; filtered on the
        server with ``&&`` (GIST index) and ``ST_Intersects``.
    bbox_crs
        CRS of ``bbox``; default: the layer's. Transformed to the layer's SRID on the server.
    geometry_column
        Geometry column to use; default: the only one (several are an error).
    crs
        CRS of the result; default: from the column's SRID.
    chunk_size
        Rows fetched per round trip from the server-side cursor.
    role
        The layer's role in the project (``demolition``, ``landuse`` …), named in messages.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns in table order; the geometry column keeps its name and is the active geometry.
        Other geometry columns are decoded too. ``numeric`` columns are read as floats.

    Raises
    ------
    DataSourceError
        The URL is malformed, the server cannot be reached, authentication fails, the table,
        column or SQL is wrong (``the sql of layer X must be one SELECT query``), or the
        arguments are inconsistent. The message names the redacted URL, never a password.
    """
    what = _what(table, sql)
    sql = _prepare_args(url, table, sql, role)
    started = time.perf_counter()
    explain = sql_explainer(role) if sql is not None else None
    with pg_session(url, what, read_only=True, action="reading", explain=explain) as conn:
        conn.adapters.register_loader("numeric", FloatLoader)
        src, query = _plan(conn, url, table, sql, bbox, bbox_crs, geometry_column, crs)
        result_crs = crs if crs is not None else _crs_of_srid(conn, src.srid)
        rows: list[tuple] = []
        with conn.cursor(name="landlink_read") as cur:  # DECLARE: extended protocol
            cur.itersize = chunk_size
            cur.execute(query)
            while chunk := cur.fetchmany(chunk_size):
                rows.extend(chunk)
    frame = pd.DataFrame.from_records(rows, columns=list(src.columns), coerce_float=True)
    for col in src.geometries:
        wkb = np.asarray(frame[col].to_numpy(dtype=object), dtype=object)
        frame[col] = gpd.GeoSeries(shapely.from_wkb(wkb), index=frame.index, crs=result_crs)
    gdf = gpd.GeoDataFrame(frame, geometry=src.geometry, crs=result_crs)
    log.info(
        "read %d features from %s (%s) in %.2f s",
        len(gdf),
        redact_url(url),
        src.label,
        time.perf_counter() - started,
    )
    return gdf


def explain_postgis(
    url: str,
    *,
    table: str | None = None,
    sql: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    bbox_crs: object | None = None,
    geometry_column: str | None = None,
    analyze: bool = False,
    role: str | None = None,
) -> str:
    """Return PostgreSQL's ``EXPLAIN`` plan of the query :func:`read_postgis` would run.

    For checking that a bbox read uses the spatial index (benchmarks, tests, support). Runs in a
    read-only session like :func:`read_postgis` (``analyze=True`` executes the query).

    Raises
    ------
    DataSourceError
        As :func:`read_postgis`.
    """
    what = _what(table, sql)
    sql = _prepare_args(url, table, sql, role)
    explain = sql_explainer(role) if sql is not None else None
    with pg_session(
        url, what, read_only=True, action="explaining the query", explain=explain
    ) as conn:
        _, query = _plan(conn, url, table, sql, bbox, bbox_crs, geometry_column, None)
        prefix = pgsql.SQL("EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN ")
        lines = [r[0] for r in _run(conn, prefix + query).fetchall()]
    return "\n".join(lines)
