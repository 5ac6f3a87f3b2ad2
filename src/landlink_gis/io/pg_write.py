"""Write a GeoDataFrame to a PostGIS table (tests, benchmarks and the ledger's PostGIS backend).

Rows go in with ``COPY``; the table is created with a GIST index on its geometry and analysed.
Every connection goes through :func:`~landlink_gis.io.pg_session.pg_session`.
"""

from __future__ import annotations

import logging
import time

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from psycopg import sql as pgsql

from ..base.redaction import redact_url
from .pg_session import pg_session, raise_unchained, source_error, split_table
from .pg_session import run_statement as _run

log = logging.getLogger(__name__)

__all__ = ["write_postgis"]


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
        schema, name = split_table(table)
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
