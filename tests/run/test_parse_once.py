"""A project file is parsed once per check, and once per project in a batch.

Every Python-level open of a file raises the ``open`` audit event (``sys.addaudithook``), whoever
opens it (pathlib, ``open``, tomllib); the recorder counts the opens of the project TOML files
while a command runs. Before this was enforced, ``landlink check`` of a batch opened each project
file three times (four with ``--shared-reads``).
"""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from landlink_gis.cli.main import cli
from tests.support.small_project import build_small_project

_WATCHED: set[str] = set()
_OPENS: Counter = Counter()


def _audit(event: str, args: tuple) -> None:
    if event == "open" and _WATCHED and args and isinstance(args[0], (str, bytes, os.PathLike)):
        path = os.path.realpath(os.fsdecode(args[0]))
        if path in _WATCHED:
            _OPENS[path] += 1


sys.addaudithook(_audit)  # audit hooks cannot be removed: it counts only while _WATCHED is set


def _count_opens(files: list[Path], args: list[str]) -> tuple[Counter, object]:
    _OPENS.clear()
    _WATCHED.update(os.path.realpath(f) for f in files)
    try:
        result = CliRunner().invoke(cli, args)
    finally:
        _WATCHED.clear()
    return Counter(_OPENS), result


@pytest.fixture(scope="module")
def projects(tmp_path_factory) -> list[Path]:
    root = tmp_path_factory.mktemp("parse_once")
    return [
        build_small_project(root / "alpha", name="甲项目", code="A-1"),
        build_small_project(root / "beta", name="乙项目", code="B-2"),
    ]


def test_recorder_sees_an_open(projects):
    _OPENS.clear()
    _WATCHED.add(os.path.realpath(projects[0]))
    try:
        projects[0].read_bytes()
        projects[0].read_bytes()
    finally:
        _WATCHED.clear()
    assert _OPENS[os.path.realpath(projects[0])] == 2


def test_one_check_reads_its_project_file_once(projects, tmp_path):
    opens, result = _count_opens(
        projects[:1], ["check", str(projects[0]), "-o", str(tmp_path / "a.gpkg"), "-q", "--report"]
    )
    assert result.exit_code == 1, result.output  # the small project has error findings
    assert opens == {os.path.realpath(projects[0]): 1}


@pytest.mark.parametrize("extra", [[], ["--shared-reads"]])
def test_a_batch_reads_each_project_file_once(projects, tmp_path, extra):
    args = ["check", *map(str, projects), "-o", str(tmp_path / "out"), "--workers", "1", "-q"]
    opens, result = _count_opens(projects, [*args, *extra])
    assert result.exit_code == 1, result.output
    assert opens == {os.path.realpath(p): 1 for p in projects}
    assert (tmp_path / "out" / "batch_summary.csv").is_file()
