"""PostGIS reading/writing against a real PostgreSQL + PostGIS server (see postgis_server.py)."""

from __future__ import annotations

import logging
import os
import re
import socket
import traceback

import geopandas as gpd
import numpy as np
import psycopg
import pytest
import shapely
from psycopg import sql as pgsql
from pyproj import Transformer

import tests.support.postgis_server as postgis_server
from landlink_gis.base.errors import DataSourceError, InputError
from landlink_gis.base.redaction import redact_url
from landlink_gis.io.postgis import explain_postgis, read_postgis, write_postgis

# The `postgis_url` fixture (a live server). tests/ is on sys.path (no __init__.py). Not
# `pytest_plugins`: that warns (an error here) once a conftest has imported postgis_server.
postgis_url = postgis_server.postgis_url

PASSWORD = "landlink-test-pw"
CRS = "EPSG:4545"  # CGCS2000 3-degree GK, CM 108°E (Bazhong)
X0, Y0, CELL = 500_000.0, 3_500_000.0, 100.0
PREFIX = f"ll_t{os.getpid()}_"  # unique names: LANDLINK_TEST_PG_URL may be a shared server


def grid(nx: int, ny: int, cell: float = CELL) -> gpd.GeoDataFrame:
    """Squares of side ``cell``; plot (i, j) has id ``i * 1000 + j``, lower-left corner at i, j."""
    i, j = np.meshgrid(np.arange(nx), np.arange(ny), indexing="ij")
    i, j = i.ravel(), j.ravel()
    x, y = X0 + i * cell, Y0 + j * cell
    geoms = shapely.box(x, y, x + cell, y + cell)
    return gpd.GeoDataFrame(
        {
            "id": i * 1000 + j,
            "DKMC": [f"拆旧地块{k}" for k in range(len(i))],
            "area": shapely.area(geoms),
            "flag": (i + j) % 2 == 0,
        },
        geometry=gpd.GeoSeries(geoms, crs=CRS).values,
        crs=CRS,
    ).rename_geometry("geom")


def wrong_password_url(url: str) -> str:
    return url.replace(f":{PASSWORD}@", ":Wr0ng-s3cret-pw@")


@pytest.fixture(scope="module")
def squares_table(postgis_url: str):
    """A 10 x 10 grid of 100 m squares in PostGIS; yields (table name, GeoDataFrame)."""
    table = PREFIX + "squares"
    gdf = grid(10, 10)
    write_postgis(gdf, postgis_url, table, if_exists="replace")
    yield table, gdf
    with psycopg.connect(postgis_url) as conn:
        conn.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(pgsql.Identifier(table)))


# bbox strictly inside cells i = 2..4, j = 3..5 (ST_Intersects counts touching edges)
BBOX = (X0 + 2 * CELL + 10, Y0 + 3 * CELL + 10, X0 + 4 * CELL + 90, Y0 + 5 * CELL + 90)
BBOX_IDS = sorted(i * 1000 + j for i in range(2, 5) for j in range(3, 6))


def test_round_trip(postgis_url, squares_table):
    table, gdf = squares_table
    got = read_postgis(postgis_url, table=table)
    assert got.crs.to_epsg() == 4545
    assert got.geometry.name == "geom"
    assert list(got.columns) == ["id", "DKMC", "area", "flag", "geom"]
    got = got.sort_values("id").reset_index(drop=True)
    assert got["id"].tolist() == gdf["id"].tolist()
    assert got["DKMC"].tolist() == gdf["DKMC"].tolist()
    assert got["flag"].tolist() == gdf["flag"].tolist()
    np.testing.assert_allclose(got["area"], 10_000.0)
    assert shapely.equals_exact(got.geometry.values, gdf.geometry.values, tolerance=0).all()


@pytest.mark.parametrize("form", ["{t}", "public.{t}", '"public"."{t}"', "PUBLIC.{T}"])
def test_bbox_selects_exactly_the_intersecting_plots(postgis_url, squares_table, form):
    table, _ = squares_table
    got = read_postgis(postgis_url, table=form.format(t=table, T=table.upper()), bbox=BBOX)
    assert sorted(got["id"]) == BBOX_IDS


def test_bbox_in_another_crs_is_transformed_on_the_server(postgis_url, squares_table):
    table, _ = squares_table
    to_geo = Transformer.from_crs(CRS, "EPSG:4490", always_xy=True)
    lon0, lat0 = to_geo.transform(BBOX[0], BBOX[1])
    lon1, lat1 = to_geo.transform(BBOX[2], BBOX[3])
    bbox = (lon0, lat0, lon1, lat1)  # the margins (10 m) dwarf the curvature of the edges
    got = read_postgis(postgis_url, table=table, bbox=bbox, bbox_crs="EPSG:4490")
    assert sorted(got["id"]) == BBOX_IDS
    assert got.crs.to_epsg() == 4545
    same = read_postgis(postgis_url, table=table, bbox=BBOX, bbox_crs=CRS)
    assert sorted(same["id"]) == BBOX_IDS


def test_sql_source_is_filtered_like_a_table(postgis_url, squares_table):
    table, _ = squares_table
    query = (
        f'SELECT id, "DKMC" AS name, geom FROM {table} WHERE id % 2 = 0 AND "DKMC" LIKE \'拆旧%\';'
    )
    got = read_postgis(postgis_url, sql=query, bbox=BBOX)
    assert sorted(got["id"]) == [k for k in BBOX_IDS if k % 2 == 0]
    assert list(got.columns) == ["id", "name", "geom"]
    assert got.crs.to_epsg() == 4545
    everything = read_postgis(postgis_url, sql=query)
    assert len(everything) == 50


def test_empty_result_keeps_columns_and_crs(postgis_url, squares_table):
    table, _ = squares_table
    got = read_postgis(postgis_url, table=table, bbox=(0.0, 0.0, 1.0, 1.0))
    assert len(got) == 0
    assert list(got.columns) == ["id", "DKMC", "area", "flag", "geom"]
    assert got.crs.to_epsg() == 4545


def test_crs_argument_overrides_the_srid(postgis_url, squares_table):
    table, _ = squares_table
    got = read_postgis(postgis_url, table=table, crs="EPSG:4524", bbox=BBOX)
    assert got.crs.to_epsg() == 4524
    assert sorted(got["id"]) == BBOX_IDS


def test_bbox_crs_without_epsg_code_is_transformed_on_the_client(postgis_url, squares_table):
    table, _ = squares_table
    to_geo = Transformer.from_crs(CRS, "EPSG:4490", always_xy=True)
    lon0, lat0 = to_geo.transform(BBOX[0], BBOX[1])
    lon1, lat1 = to_geo.transform(BBOX[2], BBOX[3])
    proj = "+proj=longlat +ellps=GRS80 +no_defs +type=crs"  # no EPSG code
    got = read_postgis(postgis_url, table=table, bbox=(lon0, lat0, lon1, lat1), bbox_crs=proj)
    assert sorted(got["id"]) == BBOX_IDS


def test_view_with_two_geometry_columns_and_numeric(postgis_url, squares_table):
    table, _ = squares_table
    view = PREFIX + "view"
    with psycopg.connect(postgis_url) as conn:
        conn.execute(
            pgsql.SQL(
                "CREATE OR REPLACE VIEW {v} AS SELECT id, area::numeric(12, 2) AS mj, "
                "ST_Centroid(geom) AS centre, geom FROM {t}"
            ).format(v=pgsql.Identifier(view), t=pgsql.Identifier(table))
        )
    try:
        with pytest.raises(DataSourceError, match="geometry_column"):
            read_postgis(postgis_url, table=view)
        got = read_postgis(postgis_url, table=view, geometry_column="geom", bbox=BBOX)
        assert sorted(got["id"]) == BBOX_IDS
        assert got.geometry.name == "geom"
        assert got.crs.to_epsg() == 4545  # untyped view column: SRID probed from the data
        assert got["mj"].dtype == np.float64 and (got["mj"] == 10_000.0).all()
        assert (got["centre"].geom_type == "Point").all()
        assert got["centre"].within(got.geometry).all()
    finally:
        with psycopg.connect(postgis_url) as conn:
            conn.execute(pgsql.SQL("DROP VIEW {}").format(pgsql.Identifier(view)))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://landlink:s3cret@127.0.0.1:5432/landlink",
            "postgresql://landlink:***@127.0.0.1:5432/landlink",
        ),
        (
            "postgres://u:p%40ss@db.example:5432/gis?sslmode=require&password=x1&token=t0k",
            "postgres://u:***@db.example:5432/gis?sslmode=require&password=***&token=***",
        ),
        ("postgresql://u@h/db?PASSWORD=abc", "postgresql://u@h/db?PASSWORD=***"),
        ("postgresql://h/db", "postgresql://h/db"),
        ("host=h dbname=d password='a b' user=u", "host=h dbname=d password=*** user=u"),
    ],
)
def test_redact_url(url, expected):
    assert redact_url(url) == expected


def _assert_secret_free(excinfo, caplog, secret: str) -> str:
    # The exception's own text (a full traceback would quote this test's source lines).
    text = "".join(traceback.format_exception_only(excinfo.value)) + repr(excinfo.value)
    assert secret not in text
    assert excinfo.value.__cause__ is None and excinfo.value.__context__ is None
    for record in caplog.records:
        assert secret not in record.getMessage()
    return str(excinfo.value)


def test_wrong_password_is_a_data_source_error_without_the_password(postgis_url, caplog):
    caplog.set_level(logging.DEBUG)
    url = wrong_password_url(postgis_url)
    with pytest.raises(DataSourceError) as excinfo:
        read_postgis(url, table="plots")
    text = _assert_secret_free(excinfo, caplog, "Wr0ng-s3cret-pw")
    assert "landlink:***@127.0.0.1" in text
    assert "'plots'" in text
    assert "password" in text  # says what to fix
    assert isinstance(excinfo.value, InputError) and isinstance(excinfo.value, ValueError)


def test_malformed_url_never_echoes_the_password(caplog):
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DataSourceError) as excinfo:
        read_postgis("postgresql://u:Sup3r-secret@[::1/db", table="plots")
    _assert_secret_free(excinfo, caplog, "Sup3r-secret")


def test_connection_refused(caplog):
    caplog.set_level(logging.DEBUG)
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"postgresql://landlink:{PASSWORD}@127.0.0.1:{port}/landlink?connect_timeout=5"
    with pytest.raises(DataSourceError) as excinfo:
        read_postgis(url, table="plots")
    text = _assert_secret_free(excinfo, caplog, PASSWORD)
    assert f"127.0.0.1:{port}" in text
    assert "running" in text


def test_missing_table_is_named(postgis_url, caplog):
    with pytest.raises(DataSourceError, match="no_such_plots") as excinfo:
        read_postgis(postgis_url, table="public.no_such_plots")
    _assert_secret_free(excinfo, caplog, PASSWORD)


def test_bad_sql(postgis_url, caplog):
    with pytest.raises(DataSourceError, match="syntax") as excinfo:
        read_postgis(postgis_url, sql="SELECT id, FROM nowhere")
    _assert_secret_free(excinfo, caplog, PASSWORD)
    with pytest.raises(DataSourceError, match="must be one SELECT query"):
        read_postgis(postgis_url, sql="SELEC id FROM nowhere", role="landuse")


def test_sql_cannot_modify_data(postgis_url, squares_table):
    table, _ = squares_table
    query = f"WITH d AS (DELETE FROM {table} RETURNING *) SELECT * FROM d"
    with pytest.raises(DataSourceError):
        read_postgis(postgis_url, sql=query)
    assert len(read_postgis(postgis_url, table=table)) == 100


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "exactly one"),
        ({"table": "a", "sql": "SELECT 1"}, "exactly one"),
        ({"table": "{t}", "geometry_column": "shape"}, "shape"),
        ({"sql": "SELECT 1 AS x"}, "no geometry column"),
        ({"table": "{t}", "bbox": (1.0, 1.0, 0.0, 0.0)}, "bbox"),
        ({"table": "{t}", "bbox": (0.0, 0.0, 1.0, 1.0), "bbox_crs": "EPSG:999999"}, "bbox_crs"),
        ({"table": "a.b.c"}, "not a table name"),
    ],
)
def test_bad_arguments(postgis_url, squares_table, kwargs, match):
    table, _ = squares_table
    kwargs = {k: v.format(t=table) if isinstance(v, str) else v for k, v in kwargs.items()}
    with pytest.raises(DataSourceError, match=match):
        read_postgis(postgis_url, **kwargs)


def test_write_refuses_to_overwrite_unless_asked(postgis_url):
    table = PREFIX + "overwrite"
    write_postgis(grid(2, 2), postgis_url, table, if_exists="replace")
    with pytest.raises(DataSourceError, match="already exists"):
        write_postgis(grid(3, 3), postgis_url, table)
    assert len(read_postgis(postgis_url, table=table)) == 4
    write_postgis(grid(3, 3), postgis_url, table, if_exists="replace")
    assert len(read_postgis(postgis_url, table=table)) == 9
    custom = grid(1, 1).set_crs(
        "+proj=tmerc +lon_0=108 +x_0=500000 +ellps=GRS80", allow_override=True
    )
    with pytest.raises(DataSourceError, match="EPSG"):
        write_postgis(custom, postgis_url, table, if_exists="replace")
    assert len(read_postgis(postgis_url, table=table)) == 9


@pytest.fixture(scope="module")
def big_table(postgis_url: str):
    table = PREFIX + "big"
    write_postgis(grid(200, 100, cell=50.0), postgis_url, table, if_exists="replace")  # 20k
    yield table
    with psycopg.connect(postgis_url) as conn:
        conn.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(pgsql.Identifier(table)))


@pytest.mark.parametrize("source", ["table", "sql"])
def test_bbox_query_uses_the_gist_index(postgis_url, big_table, source):
    bbox = (X0 + 1000, Y0 + 1000, X0 + 1500, Y0 + 1500)  # ~0.5 % of the rows
    kwargs = {"table": big_table} if source == "table" else {"sql": f"SELECT * FROM {big_table}"}
    plan = explain_postgis(postgis_url, bbox=bbox, **kwargs)
    assert f"{big_table}_geom_gist" in plan, plan
    assert "Seq Scan" not in plan, plan
    estimated = int(re.search(r"rows=(\d+)", plan).group(1))  # ANALYZE'd stats, sane filter
    assert 20 <= estimated <= 1000, plan
    got = read_postgis(postgis_url, bbox=bbox, **kwargs)
    assert len(got) == 12 * 12  # cells 19..30 each way: ST_Intersects counts touching edges
    no_filter = explain_postgis(postgis_url, **kwargs)
    assert "Seq Scan" in no_filter
