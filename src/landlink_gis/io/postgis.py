"""Read and write PostGIS layers (``postgresql://…`` sources of a project file).

Reading pushes the bounding-box filter to the server (``ST_Intersects(geom, envelope)``, which on
PostGIS >= 3 brings its own ``geom && envelope`` index condition; older PostGIS gets the ``&&``
spelled out) so that PostgreSQL can use the GIST index, streams rows through a server-side cursor
and decodes the geometries with one vectorised :func:`shapely.from_wkb` call.

Secrets never leave this module: every message, log record and exception names the source by
:func:`redact_url`, and psycopg's own error texts are scrubbed of the password before they are
quoted. Errors raised by psycopg are not chained (``__cause__``/``__context__``) for the same reason.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import quote, unquote

import geopandas as gpd
import numpy as np
import pandas as pd
import psycopg
import shapely
from psycopg import sql as pgsql
from psycopg.types.numeric import FloatLoader

from landlink_gis.errors import DataSourceError

__all__ = ["explain_postgis", "read_postgis", "redact_url", "write_postgis"]

log = logging.getLogger(__name__)

_SECRET_KEYS = r"password|passwd|pwd|sslpassword|token|access_token|api_key|apikey|secret"
_QUERY_SECRET = re.compile(rf"(?i)(^|[?&;])({_SECRET_KEYS})=([^&;#\s]*)")
_KV_SECRET = re.compile(rf"(?i)\b({_SECRET_KEYS})\s*=\s*('(?:[^'\\]|\\.)*'|\S+)")
_URL_USERINFO = re.compile(r"(?i)\b(postgres(?:ql)?://[^:/@\s?#]*):([^@\s/?#]*)@")
_CONNECT_TIMEOUT_S = 10
_CHUNK_ROWS = 50_000


def redact_url(url: str) -> str:
    """Return ``url`` with its password and secret query parameters replaced by ``***``.

    Handles URLs (``postgresql://user:pw@host/db?password=…&token=…``) and libpq key/value
    strings (``host=… password=…``).

    Examples
    --------
    >>> redact_url("postgresql://landlink:pw@127.0.0.1:5432/landlink?token=abc&sslmode=require")
    'postgresql://landlink:***@127.0.0.1:5432/landlink?token=***&sslmode=require'
    """
    if "://" not in url:
        return _KV_SECRET.sub(lambda m: f"{m.group(1)}=***", url)
    head, sep, query = url.partition("?")
    scheme, _, rest = head.partition("://")
    netloc, slash, path = rest.partition("/")
    if "@" in netloc:
        userinfo, _, hosts = netloc.rpartition("@")
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{hosts}"
    if sep:
        query = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}=***", query)
    return f"{scheme}://{netloc}{slash}{path}{sep}{query}"


def _secrets_of(url: str) -> list[str]:
    """Literal secret values in ``url`` (raw and percent-decoded), longest first."""
    found: set[str] = set()
    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        params = {}
    for key in ("password", "sslpassword"):
        if params.get(key):
            found.add(str(params[key]))
    for m in _URL_USERINFO.finditer(url):
        found.add(m.group(2))
    for m in _QUERY_SECRET.finditer(url):
        found.add(m.group(3))
    for m in _KV_SECRET.finditer(url):
        found.add(m.group(2).strip("'"))
    more = {unquote(s) for s in found} | {quote(s, safe="") for s in found}
    return sorted((s for s in found | more if s), key=len, reverse=True)


def _scrub(text: str, url: str) -> str:
    """Remove every trace of the secrets in ``url`` from ``text`` (e.g. a psycopg message)."""
    text = _URL_USERINFO.sub(lambda m: f"{m.group(1)}:***@", text)
    text = _KV_SECRET.sub(lambda m: f"{m.group(1)}=***", text)
    text = _QUERY_SECRET.sub(lambda m: f"{m.group(1)}{m.group(2)}=***", text)
    for secret in _secrets_of(url):
        text = text.replace(secret, "***")
    return text.strip()


_HINTS = {
    "28P01": "check the user name and password (in the URL, PGPASSWORD or ~/.pgpass)",
    "28000": "the server refuses this user/host; check the user name and the server's pg_hba.conf",
    "3D000": "the database does not exist; check the database name in the URL",
    "42P01": "the table does not exist or is not visible; check its name (schema.table)",
    "42703": "a column does not exist; check the geometry_column and the SQL",
    "42601": "the SQL has a syntax error",
    "42501": "the user lacks permission; ask the database owner for SELECT on it",
    "25006": "the SQL tries to modify data; a layer query must be a read-only SELECT",
}


def _source_error(
    exc: BaseException | None, url: str, what: str, action: str, hint: str | None = None
) -> DataSourceError:
    """A :class:`DataSourceError` naming the redacted source; never quotes a secret."""
    where = redact_url(url)
    detail = _scrub(str(exc), url) if exc is not None else ""
    sqlstate = getattr(exc, "sqlstate", None)
    if hint is None:
        if sqlstate in _HINTS:
            hint = _HINTS[sqlstate]
        elif isinstance(exc, psycopg.OperationalError) and sqlstate is None:
            hint = "check that the server is running and the host, port and URL are right"
        else:
            hint = "check the connection URL and the layer entry of the project file"
    msg = f"PostGIS source {where} ({what}): {action} failed"
    if detail:
        msg += f": {detail}"
    return DataSourceError(f"{msg}. Fix: {hint}.")


def _connect(url: str, what: str, *, read_only: bool) -> psycopg.Connection:
    if not re.match(r"(?i)^postgres(ql)?://", url) and "=" not in url:
        raise _source_error(
            None, url, what, "opening", "use a URL of the form postgresql://user@host:port/db"
        )
    err: DataSourceError | None = None
    try:
        params = psycopg.conninfo.conninfo_to_dict(url)
        extra = {} if "connect_timeout" in params else {"connect_timeout": _CONNECT_TIMEOUT_S}
        conn = psycopg.connect(url, application_name="landlink-gis", **extra)
    except psycopg.Error as exc:
        err = _source_error(exc, url, what, "connecting")
    if err is not None:
        raise err  # outside the except block: no chained psycopg text
    conn.read_only = read_only
    conn.adapters.register_loader("numeric", FloatLoader)
    return conn


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
        row = conn.execute(
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
    columns = conn.execute(
        "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_attribute a "
        "WHERE a.attrelid = %s AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum",
        (oid,),
    ).fetchall()
    geoms = [c for c, t in columns if t == "geometry"]
    geom = _pick_geometry(geoms, geometry_column, table)
    found = conn.execute(
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
    query = query.strip().rstrip(";").strip()
    relation = pgsql.SQL("({}) AS _ll_src").format(pgsql.SQL(query))  # type: ignore[arg-type]
    with conn.cursor() as cur:
        cur.execute(pgsql.SQL("SELECT * FROM {} LIMIT 0").format(relation))
        desc = cur.description or []
    geom_oids = {
        r[0] for r in conn.execute("SELECT oid FROM pg_type WHERE typname = 'geometry'").fetchall()
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
    row = conn.execute(
        pgsql.SQL("SELECT ST_SRID({g}) FROM {r} WHERE {g} IS NOT NULL LIMIT 1").format(
            g=pgsql.Identifier(geom), r=relation
        )
    ).fetchone()
    return int(row[0]) if row else 0


def _crs_of_srid(conn: psycopg.Connection, srid: int) -> object | None:
    if srid <= 0:
        return None
    row = conn.execute(
        "SELECT auth_name, auth_srid, srtext FROM spatial_ref_sys WHERE srid = %s", (srid,)
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
    row = conn.execute("SELECT postgis_lib_version()").fetchone()
    return int(str(row[0]).split(".")[0]) if row else 0


def _plan(conn, url, table, sql_text, bbox, bbox_crs, geometry_column, crs):
    """Resolve the source and build the SELECT; raises DataSourceError."""
    if (table is None) == (sql_text is None):
        raise _source_error(None, url, "layer", "reading", "give exactly one of table= or sql=")
    what = f"table {table!r}" if table is not None else "sql query"
    err: DataSourceError | None = None
    try:
        if table is not None:
            src = _table_source(conn, table, geometry_column)
        else:
            src = _sql_source(conn, sql_text, geometry_column)
        env = _envelope(bbox, bbox_crs, src.srid, crs) if bbox is not None else None
        return src, _select(src, env, explicit_bbox=_postgis_major(conn) < 3)
    except psycopg.Error as exc:
        err = _source_error(exc, url, what, "inspecting the layer")
    except (LookupError, ValueError) as exc:
        err = _source_error(None, url, what, "inspecting the layer", str(exc))
    raise err


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
) -> gpd.GeoDataFrame:
    """Read a PostGIS table or query into a GeoDataFrame.

    Parameters
    ----------
    url
        ``postgresql://user:password@host:port/dbname`` (libpq URL; key/value strings work too).
    table
        Table or view name, optionally schema-qualified (``schema.table``; quote mixed-case names
        as ``"Schema"."Table"``). Exactly one of ``table`` and ``sql``.
    sql
        A read-only SELECT; it is wrapped as a subquery so the bbox filter still applies.
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

    Returns
    -------
    geopandas.GeoDataFrame
        Columns in table order; the geometry column keeps its name and is the active geometry.
        Other geometry columns are decoded too. ``numeric`` columns are read as floats.

    Raises
    ------
    DataSourceError
        The server cannot be reached, authentication fails, the table, column or SQL is wrong,
        or the arguments are inconsistent. The message names the redacted URL, never a password.
    """
    what = f"table {table!r}" if table is not None else "sql query"
    started = time.perf_counter()
    conn = _connect(url, what, read_only=True)
    err: DataSourceError | None = None
    try:
        src, query = _plan(conn, url, table, sql, bbox, bbox_crs, geometry_column, crs)
        result_crs = crs if crs is not None else _crs_of_srid(conn, src.srid)
        rows: list[tuple] = []
        with conn.cursor(name="landlink_read") as cur:
            cur.itersize = chunk_size
            cur.execute(query)
            while chunk := cur.fetchmany(chunk_size):
                rows.extend(chunk)
    except DataSourceError as exc:
        err = exc
    except psycopg.Error as exc:
        err = _source_error(exc, url, what, "reading")
    finally:
        conn.close()
    if err is not None:
        raise err
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
) -> str:
    """Return PostgreSQL's ``EXPLAIN`` plan of the query :func:`read_postgis` would run.

    For checking that a bbox read uses the spatial index (benchmarks, tests, support).
    """
    what = f"table {table!r}" if table is not None else "sql query"
    conn = _connect(url, what, read_only=True)
    err: DataSourceError | None = None
    try:
        _, query = _plan(conn, url, table, sql, bbox, bbox_crs, geometry_column, None)
        prefix = pgsql.SQL("EXPLAIN (ANALYZE, BUFFERS) " if analyze else "EXPLAIN ")
        lines = [r[0] for r in conn.execute(prefix + query).fetchall()]
    except DataSourceError as exc:
        err = exc
    except psycopg.Error as exc:
        err = _source_error(exc, url, what, "explaining the query")
    finally:
        conn.close()
    if err is not None:
        raise err
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
        raise _source_error(None, url, what, "writing", "if_exists must be 'fail' or 'replace'")
    srid = 0
    if gdf.crs is not None:
        code = gdf.crs.to_epsg()
        if code is None:
            raise _source_error(
                None, url, what, "writing", "reproject the data to a CRS with an EPSG code first"
            )
        srid = int(code)
    try:
        schema, name = _split_table(table)
    except ValueError as exc:
        raise _source_error(None, url, what, "writing", str(exc)) from None
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
    conn = _connect(url, what, read_only=False)
    err: DataSourceError | None = None
    try:
        exists = conn.execute("SELECT to_regclass(%s)", (ident.as_string(conn),)).fetchone()
        if exists and exists[0] is not None:
            if if_exists == "fail":
                raise LookupError(f"table {table!r} already exists; pass if_exists='replace'")
            conn.execute(pgsql.SQL("DROP TABLE {}").format(ident))
        conn.execute(pgsql.SQL("CREATE TABLE {} ({})").format(ident, pgsql.SQL(", ").join(defs)))
        names = pgsql.SQL(", ").join(pgsql.Identifier(str(c)) for c in gdf.columns)
        with conn.cursor() as cur:
            with cur.copy(pgsql.SQL("COPY {} ({}) FROM STDIN").format(ident, names)) as copy:
                for row in zip(*data, strict=True):
                    copy.write_row(row)
        if spatial_index and gdf.geometry.name in geom_cols:
            geom = str(gdf.geometry.name)
            conn.execute(
                pgsql.SQL("CREATE INDEX {} ON {} USING GIST ({})").format(
                    pgsql.Identifier(f"{name}_{geom}_gist"[:63]), ident, pgsql.Identifier(geom)
                )
            )
        conn.execute(pgsql.SQL("ANALYZE {}").format(ident))
        conn.commit()
    except psycopg.Error as exc:
        err = _source_error(exc, url, what, "writing")
    except LookupError as exc:
        err = _source_error(None, url, what, "writing", str(exc))
    finally:
        conn.close()  # without commit: rolled back
    if err is not None:
        raise err
    log.info(
        "wrote %d features to %s (%s) in %.2f s",
        len(gdf),
        redact_url(url),
        what,
        time.perf_counter() - started,
    )
