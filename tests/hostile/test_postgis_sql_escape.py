"""An ``sql`` layer runs as exactly ONE read-only query: escape attempts against a real PostGIS.

Each attempt is run twice: as users write it (the light client-side check answers with "the sql
of layer X must be one SELECT query"), and with that check switched off, to prove that the real
guarantees hold on their own: the extended query protocol (one statement per string) and a
read-only session/transaction. After every attempt the victim table still exists with all its
rows, the sequence was not advanced and no table was created.
"""

from __future__ import annotations

import os
import traceback

import numpy as np
import psycopg
import pytest
from click.testing import CliRunner
from psycopg import sql as pgsql

from landlink_gis.base.errors import DataSourceError
from landlink_gis.cli.main import cli
from landlink_gis.io import postgis
from landlink_gis.io.pg_session import pg_session
from landlink_gis.io.postgis import check_select_sql, read_postgis, write_postgis
from tests.support.helpers import _toml_value

from .make_corpus import construction, demolition

PREFIX = f"ll_esc{os.getpid()}_"
T, SEQ, FN = PREFIX + "victim", PREFIX + "seq", PREFIX + "evil"
ROWS = 5

ATTACKS = {
    "two_statements": "SELECT 1; DROP TABLE {t}",
    "commit_then_drop": "COMMIT; DROP TABLE {t}",
    "select_commit_delete": "SELECT 1; COMMIT; DELETE FROM {t}",
    "rollback_then_drop": "ROLLBACK; DROP TABLE {t}",
    "begin_delete_commit": "BEGIN; DELETE FROM {t}; COMMIT",
    "dml_in_with": "WITH x AS (DELETE FROM {t} RETURNING *) SELECT * FROM x",
    "set_off_then_delete": "SET default_transaction_read_only = off; DELETE FROM {t}",
    "set_config_then_delete": "SELECT set_config('default_transaction_read_only','off',false); DELETE FROM {t}",
    "set_config_tx_read_write": "SELECT set_config('transaction_read_only','off',false) AS x, geom FROM {t}",
    "create_table": "CREATE TABLE {t}_copy AS SELECT * FROM {t}",
    "select_into": "SELECT * INTO {t}_copy FROM {t}",
    "do_block": "DO $$ BEGIN DELETE FROM {t}; END $$",
    "nextval": "SELECT nextval('{s}') AS n, geom FROM {t}",
    "setval": "SELECT setval('{s}', 1000) AS n, geom FROM {t}",
    "side_effect_function": "SELECT {f}() AS n, geom FROM {t}",
    "for_update": "SELECT * FROM {t} FOR UPDATE",
    "plain_delete": "DELETE FROM {t} RETURNING *",
    "truncate": "TRUNCATE {t}",
    "paren_breakout": "SELECT geom FROM {t}) AS a; DROP TABLE {t}; SELECT * FROM (SELECT geom FROM {t}",
    "comment_hidden": "SELECT id, geom FROM {t} /* ; */; DROP TABLE {t}",
    "literal_backslash": "SELECT id, geom FROM {t} WHERE 'a' <> '\\'; DROP TABLE {t}; --'",
    "dollar_quote": "SELECT id, geom FROM {t} WHERE $x$;$x$ <> ''; DROP TABLE {t}",
}


def _fmt(query: str) -> str:
    return query.format(t=T, s=SEQ, f=FN)


def _state(url: str) -> tuple:
    """(victim exists, its row count, sequence value, tables made by this module)."""
    with psycopg.connect(url, autocommit=True) as conn:
        exists = conn.execute("SELECT to_regclass(%s) IS NOT NULL", (T,)).fetchone()[0]
        count = (
            conn.execute(
                pgsql.SQL("SELECT count(*) FROM {}").format(pgsql.Identifier(T))
            ).fetchone()[0]
            if exists
            else -1
        )
        seq = conn.execute(
            pgsql.SQL("SELECT last_value, is_called FROM {}").format(pgsql.Identifier(SEQ))
        ).fetchone()
        tables = conn.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE %s ORDER BY 1", (PREFIX + "%",)
        ).fetchall()
    return exists, count, tuple(seq), tuple(r[0] for r in tables)


@pytest.fixture(scope="module")
def victim(postgis_url: str):
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute(
            pgsql.SQL("DROP TABLE IF EXISTS {}, {}").format(
                pgsql.Identifier(T), pgsql.Identifier(T + "_copy")
            )
        )
        conn.execute(
            pgsql.SQL(
                "CREATE TABLE {t} AS SELECT g AS id, ST_SetSRID(ST_MakePoint(500000 + g, 3500000 + "
                "g), 4545)::geometry(Point, 4545) AS geom "
                "FROM generate_series(1, {n}) AS g"
            ).format(t=pgsql.Identifier(T), n=pgsql.Literal(ROWS))
        )
        conn.execute(
            pgsql.SQL("DROP SEQUENCE IF EXISTS {s}; CREATE SEQUENCE {s}").format(
                s=pgsql.Identifier(SEQ)
            )
        )
        conn.execute(
            pgsql.SQL(
                "CREATE OR REPLACE FUNCTION {f}() RETURNS int LANGUAGE sql VOLATILE AS $$ DELETE "
                "FROM {t}; SELECT 1 $$"
            ).format(f=pgsql.Identifier(FN), t=pgsql.Identifier(T))
        )
    before = _state(postgis_url)
    assert before[:2] == (True, ROWS)
    yield before
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute(pgsql.SQL("DROP FUNCTION IF EXISTS {}()").format(pgsql.Identifier(FN)))
        conn.execute(
            pgsql.SQL("DROP TABLE IF EXISTS {}, {}").format(
                pgsql.Identifier(T), pgsql.Identifier(T + "_copy")
            )
        )
        conn.execute(pgsql.SQL("DROP SEQUENCE IF EXISTS {}").format(pgsql.Identifier(SEQ)))


@pytest.mark.parametrize("name", ATTACKS)
def test_escape_is_refused_with_a_clear_message(postgis_url, victim, name):
    with pytest.raises(DataSourceError) as excinfo:
        read_postgis(postgis_url, sql=_fmt(ATTACKS[name]), role="demolition")
    assert "the sql of layer 'demolition' must be one SELECT query" in str(excinfo.value)
    assert "landlink-test-pw" not in str(excinfo.value)
    assert _state(postgis_url) == victim


@pytest.mark.parametrize("name", ATTACKS)
def test_escape_fails_on_the_server_without_the_client_check(
    postgis_url, victim, name, monkeypatch
):
    """The client-side check is only for the message: protocol and read-only mode hold alone."""
    monkeypatch.setattr(postgis, "check_select_sql", lambda query, role=None: query.strip())
    with pytest.raises(DataSourceError):
        read_postgis(postgis_url, sql=_fmt(ATTACKS[name]), role="demolition")
    assert _state(postgis_url) == victim


def test_the_breakout_attack_is_real_under_the_simple_protocol(postgis_url):
    """Control: the same wrapped text, sent the old way (simple protocol, read-write), drops a
    table."""
    scratch = PREFIX + "scratch"
    with psycopg.connect(postgis_url, autocommit=True) as conn:
        conn.execute(pgsql.SQL("CREATE TABLE {} (geom geometry)").format(pgsql.Identifier(scratch)))
        attack = f"SELECT geom FROM {scratch}) AS a; DROP TABLE {scratch}; SELECT * FROM (SELECT 1"
        conn.execute(f"SELECT * FROM ({attack}\n) AS _ll_src LIMIT 0")
        assert conn.execute("SELECT to_regclass(%s)", (scratch,)).fetchone()[0] is None


def test_set_config_on_the_session_default_changes_nothing(postgis_url, victim):
    """Turning the session default off from inside a SELECT cannot make this transaction
    writable."""
    query = (
        f"SELECT set_config('default_transaction_read_only', 'off', false) AS s, id, geom FROM {T}"
    )
    got = read_postgis(postgis_url, sql=query)
    assert len(got) == ROWS and set(got["s"]) == {"off"}
    assert _state(postgis_url) == victim


@pytest.mark.parametrize(
    "query",
    [
        "SELECT id, geom FROM {t};",
        "  select id, geom from {t} ;; ",
        "SELECT id, geom FROM {t} -- trailing comment",
        "SELECT id, ';' AS semi, geom FROM {t} /* ; */",
        "WITH x AS (SELECT id, geom FROM {t}) SELECT * FROM x",
        "(SELECT id, geom FROM {t})",
        "SELECT id, $$ ; $$ AS d, geom FROM {t}",
    ],
)
def test_honest_queries_still_work(postgis_url, victim, query):
    got = read_postgis(postgis_url, sql=_fmt(query))
    assert sorted(got["id"]) == list(range(1, ROWS + 1))
    assert got.crs.to_epsg() == 4545
    assert _state(postgis_url) == victim


def test_read_only_session_is_read_only_on_the_server(postgis_url, victim):
    with pg_session(postgis_url, f"table {T!r}") as conn:
        assert conn.execute("SHOW transaction_read_only").fetchone()[0] == "on"
        assert conn.execute("SHOW default_transaction_read_only").fetchone()[0] == "on"
    with pytest.raises(DataSourceError, match="read-only") as excinfo:
        with pg_session(postgis_url, f"table {T!r}") as conn:
            conn.autocommit = True  # even outside psycopg's BEGIN READ ONLY: the session default
            conn.execute(pgsql.SQL("DELETE FROM {}").format(pgsql.Identifier(T)))
    assert excinfo.value.__context__ is None and excinfo.value.__cause__ is None
    assert _state(postgis_url) == victim


@pytest.mark.parametrize(
    ("query", "why"),
    [
        ("", "empty"),
        ("SELECT 1; SELECT 2", "several statements"),
        ("UPDATE t SET a = 1", "starts with 'UPDATE'"),
        (
            "WITH d AS MATERIALIZED (DELETE FROM t RETURNING *) SELECT * FROM d",
            "WITH clause changes data",
        ),
        ("SELECT * FROM t FOR NO KEY UPDATE", "lock"),
    ],
)
def test_check_select_sql_messages(query, why):
    with pytest.raises(
        ValueError, match="the sql of layer 'landuse' must be one SELECT query"
    ) as excinfo:
        check_select_sql(query, "landuse")
    assert why in str(excinfo.value)
    assert check_select_sql(" SELECT 'a;b' AS x ;\n") == "SELECT 'a;b' AS x"


def _project(folder, url: str, query: str):
    rng = np.random.default_rng(7)
    construction(rng).to_file(folder / "construction.shp")
    lines = [
        "[project]",
        'name = "escape"',
        'code = "ESC-001"',
        "[layers.demolition]",
        f"url = {_toml_value(url)}",
        f"sql = {_toml_value(query)}",
        "[layers.construction]",
        'path = "construction.shp"',
    ]
    path = folder / "project.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cli_refuses_an_escaping_sql_layer_with_exit_2(postgis_url, victim, tmp_path):
    table = f"ll_cli{os.getpid()}_plots"  # outside PREFIX: not part of _state()
    write_postgis(demolition(np.random.default_rng(7)), postgis_url, table, if_exists="replace")
    try:
        (tmp_path / "ok").mkdir()
        ok = _project(
            tmp_path / "ok", postgis_url, f"SELECT * FROM {table} WHERE \"DLBM\" = '0702'"
        )
        res = CliRunner().invoke(cli, ["check", str(ok), "-o", str(tmp_path / "ok" / "out.gpkg")])
        assert res.exit_code in (0, 1), res.output
        (tmp_path / "bad").mkdir()
        bad = _project(tmp_path / "bad", postgis_url, f"SELECT * FROM {table}; DELETE FROM {T}")
        res = CliRunner().invoke(cli, ["check", str(bad), "-o", str(tmp_path / "bad" / "out.gpkg")])
        assert res.exit_code == 2, res.output
        assert "must be one SELECT query" in res.output
        assert "Traceback" not in res.output and "landlink-test-pw" not in res.output
        assert res.exc_info is None or res.exc_info[0] is SystemExit, traceback.format_exception(
            *res.exc_info
        )
        assert _state(postgis_url) == victim
    finally:
        with psycopg.connect(postgis_url, autocommit=True) as conn:
            conn.execute(pgsql.SQL("DROP TABLE IF EXISTS {}").format(pgsql.Identifier(table)))
