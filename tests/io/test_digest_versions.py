"""The filing digest: version 2 (per-column hashes, on worker processes for big files) and
version 1.

Known answers come from a second computation: version 2 in worker processes against the same
digest computed in this process; version 1 digests (what earlier releases stored) still verify;
an edit changes both; and a caller's script without a ``__main__`` guard is not run again by the
workers.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from landlink_gis import api
from landlink_gis.io import gpkg_digest
from landlink_gis.io.gpkg_digest import content_digest, digest_matches, stored_digest

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "data" / "samples" / "bazhong_demo" / "project.toml"


@pytest.fixture(scope="module")
def checked(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("digest") / "checked.gpkg"
    api.write_gpkg(api.check(DEMO), out)
    return out


def _edit(path: Path) -> None:
    con = sqlite3.connect(path)
    for (trigger,) in con.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    ).fetchall():
        con.execute(f'DROP TRIGGER "{trigger}"')
    assert (
        con.execute(
            "UPDATE demolition_plots SET ll_status = 'pass' WHERE ll_status = 'error'"
        ).rowcount
        > 0
    )
    con.commit()
    con.close()


def test_the_check_stores_a_version_2_digest_that_matches(checked: Path) -> None:
    import json

    con = sqlite3.connect(checked)
    row = con.execute(
        "SELECT value FROM run_info WHERE key = ?", (gpkg_digest.DIGEST_KEY,)
    ).fetchone()
    con.close()
    stored = json.loads(row[0]) if row[0].startswith('"') else row[0]
    assert stored.startswith("sha256v2:")
    assert stored_digest({gpkg_digest.DIGEST_KEY: stored}) == stored
    assert digest_matches(checked, stored)


def test_workers_give_the_digest_computed_in_this_process(checked: Path, monkeypatch) -> None:
    monkeypatch.setattr(gpkg_digest, "PARALLEL_CELLS", 0)  # the demo is small: force the workers
    assert content_digest(checked, workers=2) == content_digest(checked, workers=1)


def test_version_1_digests_still_verify_and_an_edit_changes_both(
    checked: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "copy.gpkg"
    shutil.copy(checked, copy)
    v1, v2 = content_digest(copy, version=1), content_digest(copy)
    assert v1.startswith("sha256:") and v2.startswith("sha256v2:")
    assert stored_digest({gpkg_digest.DIGEST_KEY: v1}) == v1
    assert digest_matches(copy, v1) and digest_matches(copy, v2)
    _edit(copy)
    assert not digest_matches(copy, v1)
    assert not digest_matches(copy, v2)
    with pytest.raises(ValueError):
        content_digest(copy, version=3)


def test_workers_do_not_run_the_callers_script_again(checked: Path, tmp_path: Path) -> None:
    script = tmp_path / "no_guard.py"
    script.write_text(
        "import sys\n"
        "print('TOP-LEVEL', flush=True)\n"
        "import landlink_gis.io.gpkg_digest as G\n"
        "G.PARALLEL_CELLS = 0\n"
        "print(G.content_digest(sys.argv[1], workers=2) == G.content_digest(sys.argv[1], "
        "workers=1))\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, str(script), str(checked)],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    ).stdout
    assert out.split() == ["TOP-LEVEL", "True"]


@pytest.mark.parametrize("damage", ["none", "unreadable_geometry", "not_utf8"])
def test_columns_hashed_in_batches_give_the_whole_columns_digest(
    checked: Path, tmp_path: Path, monkeypatch, damage: str
) -> None:
    # each column is read and hashed BATCH_ROWS rows at a time (a county's overlap polygons are
    # never one string); any batch size gives the digest of the whole column at once, also when
    # one geometry blob is unreadable (the column is then hashed as stored) or a text cell is
    # not UTF-8 (read again as byte escapes), in both versions
    path = tmp_path / "c.gpkg"
    shutil.copy(checked, path)
    if damage != "none":
        con = sqlite3.connect(path)
        for (trigger,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall():
            con.execute(f'DROP TRIGGER "{trigger}"')
        rows = con.execute("SELECT count(*) FROM findings").fetchone()[0]
        assert rows > 10
        at = rows // 2
        if damage == "unreadable_geometry":
            con.execute("UPDATE findings SET geom = x'4750000101000000ffff' WHERE rowid = ?", (at,))
        else:
            con.execute(
                "UPDATE findings SET message = CAST(x'e4ff20' AS TEXT) WHERE rowid = ?", (at,)
            )
        con.commit()
        con.close()
    monkeypatch.setattr(gpkg_digest, "BATCH_ROWS", 10**9)
    whole = [content_digest(path, version=v, workers=1) for v in (1, 2)]
    for batch in (1, 3, 7):
        monkeypatch.setattr(gpkg_digest, "BATCH_ROWS", batch)
        assert [content_digest(path, version=v, workers=1) for v in (1, 2)] == whole, batch
    if damage != "none":
        assert whole != [content_digest(checked, version=v, workers=1) for v in (1, 2)]
