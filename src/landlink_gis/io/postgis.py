"""Read and write PostGIS layers (``postgresql://…`` sources of a project file).

Reading pushes the bounding-box filter to the server (``ST_Intersects(geom, envelope)``, which on
PostGIS >= 3 brings its own ``geom && envelope`` index condition; older PostGIS gets the ``&&``
spelled out) so that PostgreSQL can use the GIST index, streams rows through a server-side cursor
and decodes the geometries with one vectorised :func:`shapely.from_wkb` call.

Every connection goes through :func:`~landlink_gis.io.pg_session.pg_session` (read-only for
reads), so secrets never leave this module: messages and logs name the source by
:func:`~landlink_gis.io.redact.redact_url`, psycopg's texts are scrubbed before they are quoted,
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
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql as pgsql
from psycopg.types.numeric import FloatLoader

from .pg_session import pg_session, raise_unchained, source_error
from .redact import redact_url

__all__ = ["check_select_sql", "explain_postgis", "read_postgis", "write_postgis"]

log = logging.getLogger(__name__)

_CHUNK_ROWS = 50_000


def _run(
    conn: psycopg.Connection, query: Any, params: Sequence[Any] | None = None
) -> psycopg.Cursor:
    """Execute ``query`` with the extended query protocol: one statement, never several."""
    return conn.execute(query, params, prepare=True)


# -- the SQL of an ``sql`` layer -----------------------------------------------------------------
# Comments, string literals (also E'' and dollar-quoted) and quoted identifiers: masked before the
# text is looked at, so a ";" or a keyword inside them does not count.
_OPAQUE = re.compile(
    r"--[^\n]*"
    r"|/\*.*?(?:\*/|$)"
    r"|[Ee]'(?:[^'\\]|\\.|'')*(?:'|$)"
    r"|'(?:[^']|'')*(?:'|$)"
    r'|"(?:[^"]|"")*(?:"|$)'
    r"|(\$[A-Za-z_]*\$).*?(?:\1|$)",
    re.S,
)
_DML_IN_WITH = re.compile(
    r"(?i)\bAS\s*(?:NOT\s+)?(?:MATERIALIZED\s*)?\(\s*(?:INSERT|UPDATE|DELETE|MERGE)\b"
)
_LOCKING = re.compile(r"(?i)\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b|\bINTO\b")
# SQLSTATEs of a statement that tries to write or is not a plain query.
_WRITE_STATES = {"25006", "0A000", "2F002", "2F003", "2F004", "25001"}
_SELECT_HINT = (
    "write a single SELECT (or WITH … SELECT) that only reads, without a second statement after "
    "a ';' and without anything that changes the database"
)


def _not_one_select(role: str | None, why: str) -> str:
    layer = f"layer '{role}'" if role else "this layer"
    return f"the sql of {layer} must be one SELECT query ({why})"


def check_select_sql(query: str, role: str | None = None) -> str:
    """Check that ``query`` is one ``SELECT`` / ``WITH … SELECT``; return it without a trailing ``;``.

    A light client-side check for a clear message, **not** the guarantee: the query is also sent
    with the extended protocol (one statement only) inside a read-only transaction.

    Parameters
    ----------
    query
        The ``sql`` of a layer entry.
    role
        The layer's role, named in the message.

    Returns
    -------
    str
        The query, stripped, without trailing ``;``.

    Raises
    ------
    ValueError
        ``the sql of layer X must be one SELECT query (why)``.
    """
    if not isinstance(query, str) or not query.strip():
        raise ValueError(_not_one_select(role, "it is empty"))
    text = query.strip()
    # Same length as ``text``: opaque parts become spaces ("x" for literals, so they stay words).
    masked = _OPAQUE.sub(
        lambda m: ("x" if m.group(0)[:1] not in "-/" else " ") * len(m.group(0)), text
    )
    body = masked.rstrip().rstrip(";").rstrip()
    while body.endswith(";"):
        body = body.rstrip(";").rstrip()
    if ";" in body:
        raise ValueError(_not_one_select(role, "it holds several statements separated by ';'"))
    words = re.findall(r"[A-Za-z_]+", body)
    first = words[0].upper() if words else ""
    if first not in ("SELECT", "WITH"):
        raise ValueError(_not_one_select(role, f"it starts with {first or body[:10]!r}"))
    if _DML_IN_WITH.search(body):
        raise ValueError(_not_one_select(role, "its WITH clause changes data"))
    if _LOCKING.search(body):
        raise ValueError(
            _not_one_select(role, "SELECT … INTO and FOR UPDATE/SHARE write or lock rows")
        )
    return text[: len(body)].rstrip()


def _sql_explainer(role: str | None) -> Callable[[psycopg.Error], tuple[str, str] | None]:
    """Messages for what the server refuses in an ``sql`` source (see :func:`pg_session`)."""

    def explain(exc: psycopg.Error) -> tuple[str, str] | None:
        if getattr(exc, "sqlstate", None) in _WRITE_STATES or "multiple commands" in str(exc):
            return _not_one_select(role, "the server refused it"), _SELECT_HINT
        return None

    return explain


def _split_table(table: str) -> tuple[str | None, str]:
    """``schema.table`` / ``"My Schema"."Tbl"`` / ``table`` → (schema, table)."""
    tokens = re.findall(r'"(?:[^"]|"")*"|[^."]+', table.strip())
    parts = [t[1:-1].replace('""', '"') if t.startswith('"') else t.strip() for t in tokens]
    if not 1 <= len(parts) <= 2 or not all(parts):
        raise ValueError(f"{table!r} is not a table name; use 'table' or 'schema.table'")
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])


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
    schema, name = _split_table(table)
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
    raise_unchained(source_error(url, what, problem, _SELECT_HINT))


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
    explain = _sql_explainer(role) if sql is not None else None
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
    explain = _sql_explainer(role) if sql is not None else None
    with pg_session(
        url, what, read_only=True, action="explaining the query", explain=explain
    ) as conn:
        _, query = _plan(conn, url, table, sql, bbox, bbox_crs, geometry_column, None)
        prefix = pgsql.SQL("EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN ")
        lines = [r[0] for r in _run(conn, prefix + query).fetchall()]
    return "\n".join(lines)


def _pg_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "boolean"
    if pd.api.types.is_integer_dtype(series):
        return "bigint"
    if pd.api.types.is_float_dtype(series):
        return "double precision"
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        return "timestamptz"
    if pd.api.types.is_datetime64_dtype(series):
        return "timestamp"
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    return {"date": "date", "decimal": "numeric", "bytes": "bytea"}.get(inferred, "text")


def _py_values(series: pd.Series, pg_type: str) -> list:
    """Python values for COPY, with NULL for every kind of missing value."""
    if pg_type in ("timestamp", "timestamptz"):
        values = list(series.dt.to_pydatetime())
    else:
        values = series.tolist()
    mask = series.isna().to_numpy()
    out = [None if missing else v for v, missing in zip(values, mask, strict=True)]
    if pg_type == "text":
        out = [None if v is None else str(v) for v in out]
    return out


def _geometry_type(geoms: np.ndarray) -> str:
    present = geoms[~shapely.is_missing(geoms)]
    if len(present) == 0:
        return "Geometry"
    names = set(shapely.get_type_id(present).tolist())
    with_z = shapely.has_z(present)
    suffix = "Z" if with_z.all() else ""
    if len(names) == 1:
        return gpd.GeoSeries(present[:1]).geom_type.iloc[0] + suffix
    return "Geometry" + suffix


def write_postgis(
    gdf: gpd.GeoDataFrame,
    url: str,
    table: str,
    *,
    if_exists: str = "fail",
    spatial_index: bool = True,
) -> None:
    """Write a GeoDataFrame to a new PostGIS table with ``COPY``, a GIST index and ``ANALYZE``.

    For tests, benchmarks and preparing shared reference layers. The whole write is one
    transaction: on any error the database is left as it was.

    Parameters
    ----------
    gdf
        Features to write; the CRS must have an EPSG code (it becomes the column's SRID) or be
        unset (SRID 0). Every geometry column is written; the index is not.
    url
        ``postgresql://…`` URL of a role allowed to create tables.
    table
        Table name, optionally schema-qualified (``schema.table``).
    if_exists
        ``"fail"`` (default): raise if the table exists; ``"replace"``: drop it first.
    spatial_index
        Create a GIST index on the active geometry column.

    Raises
    ------
    DataSourceError
        Connection, permission or SQL errors, an existing table with ``if_exists="fail"``, or a
        CRS without an EPSG code. The message names the redacted URL, never a password.
    """
    what = f"table {table!r}"
    if if_exists not in ("fail", "replace"):
        raise_unchained(
            source_error(url, what, "writing failed", "if_exists must be 'fail' or 'replace'")
        )
    srid = 0
    if gdf.crs is not None:
        code = gdf.crs.to_epsg()
        if code is None:
            raise_unchained(
                source_error(
                    url,
                    what,
                    "writing failed",
                    "reproject the data to a CRS with an EPSG code first",
                )
            )
        srid = int(code)
    problem: str | None = None
    try:
        schema, name = _split_table(table)
    except ValueError as exc:
        problem = str(exc)
    if problem is not None:
        raise_unchained(source_error(url, what, "writing failed", problem))
    ident = pgsql.Identifier(schema, name) if schema else pgsql.Identifier(name)
    geom_cols = [c for c in gdf.columns if isinstance(gdf[c].dtype, gpd.array.GeometryDtype)]
    defs, data = [], []
    for col in gdf.columns:
        if col in geom_cols:
            geoms = np.asarray(gdf[col].array, dtype=object)
            gtype = _geometry_type(geoms)
            defs.append(
                pgsql.SQL("{} geometry({}, {})").format(
                    pgsql.Identifier(str(col)), pgsql.SQL(gtype), pgsql.Literal(srid)
                )
            )
            hexwkb = shapely.to_wkb(shapely.set_srid(geoms, srid), hex=True, include_srid=True)
            data.append(hexwkb.tolist())
        else:
            pg_type = _pg_type(gdf[col])
            defs.append(pgsql.SQL("{} {}").format(pgsql.Identifier(str(col)), pgsql.SQL(pg_type)))
            data.append(_py_values(gdf[col], pg_type))
    started = time.perf_counter()
    with pg_session(url, what, read_only=False, action="writing") as conn:
        exists = _run(conn, "SELECT to_regclass(%s)", (ident.as_string(conn),)).fetchone()
        if exists and exists[0] is not None:
            if if_exists == "fail":
                raise_unchained(
                    source_error(
                        url,
                        what,
                        "writing failed",
                        f"table {table!r} already exists; pass if_exists='replace'",
                    )
                )
            _run(conn, pgsql.SQL("DROP TABLE {}").format(ident))
        _run(conn, pgsql.SQL("CREATE TABLE {} ({})").format(ident, pgsql.SQL(", ").join(defs)))
        names = pgsql.SQL(", ").join(pgsql.Identifier(str(c)) for c in gdf.columns)
        with conn.cursor() as cur:
            with cur.copy(pgsql.SQL("COPY {} ({}) FROM STDIN").format(ident, names)) as copy:
                for row in zip(*data, strict=True):
                    copy.write_row(row)
        if spatial_index and gdf.geometry.name in geom_cols:
            geom = str(gdf.geometry.name)
            _run(
                conn,
                pgsql.SQL("CREATE INDEX {} ON {} USING GIST ({})").format(
                    pgsql.Identifier(f"{name}_{geom}_gist"[:63]), ident, pgsql.Identifier(geom)
                ),
            )
        _run(conn, pgsql.SQL("ANALYZE {}").format(ident))
        conn.commit()
    log.info(
        "wrote %d features to %s (%s) in %.2f s",
        len(gdf),
        redact_url(url),
        what,
        time.perf_counter() - started,
    )
