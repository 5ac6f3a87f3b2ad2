"""The column-wise fast paths give exactly what their per-cell definitions give.

``io.gpkg_digest._column_text`` joins a whole column at C speed; its definition is
``"\\x1f".join(map(_canon, column))``. ``findings._messages`` renders a message template with only
the columns it names; its definition is :func:`findings._render` on every row's full dict. Both are
compared here on columns built to hit every branch: separators and backslashes inside text, NULLs,
mixed types, NaN, format specs that do not fit a value, and a template that does not parse.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from landlink_gis.base.findings import _messages, _render
from landlink_gis.io import gpkg_digest
from landlink_gis.io.gpkg_digest import _canon, _column_text, content_digest

CELL = st.one_of(
    st.none(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=st.sampled_from(["a", "地", "\\", "\x1f", "\x1e", " ", "0"]), max_size=6),
    st.binary(max_size=4),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(CELL, max_size=12))
def test_column_text_is_the_per_cell_canonical_join_on_mixed_columns(column: list) -> None:
    assert _column_text(column) == "\x1f".join(map(_canon, column))


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(
        [st.integers(), st.floats(allow_nan=True), st.text(max_size=5), st.binary(max_size=4)]
    ).flatmap(lambda s: st.lists(s, min_size=1, max_size=12))
)
def test_column_text_is_the_per_cell_canonical_join_on_one_type_columns(column: list) -> None:
    assert _column_text(column) == "\x1f".join(map(_canon, column))


def _digest_per_cell(path: Path) -> str:
    """The digest as its definition reads: every cell through ``_canon``, text decoded with
    surrogateescape."""
    import hashlib

    h = hashlib.sha256(b"landlink content digest v1\x1e")
    con = sqlite3.connect(f"{path.absolute().as_uri()}?mode=ro&immutable=1", uri=True)
    con.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
    present = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for table in gpkg_digest.DIGEST_LAYERS:
        if table not in present:
            h.update(f"absent\x1e{table}\x1e".encode())
            continue
        info = con.execute(f'PRAGMA table_info("{table}")').fetchall()
        names = [r[1] for r in info]
        rows = con.execute(
            f'SELECT {", ".join(chr(34) + n + chr(34) for n in names)} FROM "{table}" ORDER BY '
            "rowid"
        ).fetchall()
        h.update(f"table\x1e{table}\x1e{len(rows)}\x1e".encode())
        h.update("\x1f".join(names).encode() + b"\x1e")
        for j in range(len(names)):
            h.update(
                "\x1f".join(_canon(r[j]) for r in rows).encode("utf-8", "surrogatepass") + b"\x1e"
            )
    con.close()
    return "sha256:" + h.hexdigest()


def test_digest_reads_text_that_is_not_utf8_the_same_way(tmp_path: Path) -> None:
    """A table whose text is not UTF-8 is read again cell by cell: same digest as the definition,
    no error."""
    path = tmp_path / "t.gpkg"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT)")
    con.execute("CREATE TABLE balance (fid INTEGER PRIMARY KEY, item TEXT, value REAL, note TEXT)")
    con.executemany(
        "INSERT INTO balance (item, value, note) VALUES (?, ?, ?)",
        [("拆旧", 1.5, None), ("a\x1fb", float("inf"), "x\\y"), ("c", -0.0, "ok")],
    )
    con.execute("INSERT INTO balance (item, value, note) VALUES (CAST(X'ff41' AS TEXT), 2.0, 'z')")
    con.commit()
    con.close()
    before = path.read_bytes()
    assert content_digest(path, version=1) == _digest_per_cell(path)
    assert content_digest(path).startswith("sha256v2:")  # version 2 reads the same column texts
    assert path.read_bytes() == before


TEMPLATES = [
    "{layer} {plot_id}: {measured:.2f} m² > {threshold:.1f} ({rule_id})",
    "{plot_id} 缺少 {field}",  # a name that is not a column renders as ?
    "{plot_id} {measured:d}",  # :d does not fit a float: plain rendering
    "no fields at all",
    "{plot_id} {unclosed",  # does not parse: every row falls back
]


@pytest.mark.parametrize("template", TEMPLATES)
def test_messages_render_as_the_row_by_row_definition(template: str) -> None:
    columns = {
        "layer": np.array(["demolition", None, "construction", "demolition"], dtype=object),
        "plot_id": np.array(["CJ1", "CJ2", None, "CJ{4}"], dtype=object),
        "measured": np.array([1.234, np.nan, None, 7.0], dtype=object),
        "threshold": np.array([0.5, 0.5, np.nan, 3], dtype=object),
        "rule_id": np.array(["GEO001"] * 4, dtype=object),
    }
    expected = [
        _render(template, dict(zip(columns, row, strict=True)))
        for row in zip(*columns.values(), strict=True)
    ]
    assert _messages(template, columns, 4) == expected
