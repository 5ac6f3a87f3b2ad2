"""io.atomic: complete-or-nothing writes, inputs protected, temporaries of dead writers removed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from landlink_gis.base.errors import OutputError
from landlink_gis.io.atomic import atomic_path, write_text_atomic


def test_replaces_only_when_complete(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("writer failed")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    write_text_atomic(target, "new")
    assert target.read_text() == "new"


def test_refuses_an_input(tmp_path):
    target = tmp_path / "in.gpkg"
    target.write_bytes(b"input")
    with pytest.raises(OutputError, match="refusing to write over an input"):
        with atomic_path(target, protected={target.resolve()}):
            pass
    assert target.read_bytes() == b"input"


def test_removes_temporaries_of_dead_writers_only(tmp_path):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".out.{dead_pid}.abcd1234.tmp.gpkg"
    stale.write_bytes(b"half")
    (tmp_path / (stale.name + "-journal")).write_bytes(b"j")
    live = tmp_path / f".out.{os.getpid()}.ffff0000.tmp.gpkg"  # a writer that is still running
    live.write_bytes(b"busy")
    other = tmp_path / f".other.{dead_pid}.abcd1234.tmp.gpkg"  # another output's temporary
    other.write_bytes(b"x")
    write_text_atomic(tmp_path / "out.gpkg", "done")
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted([live.name, other.name, "out.gpkg"])
