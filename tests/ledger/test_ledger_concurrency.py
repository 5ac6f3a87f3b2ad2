"""Concurrent writers and a writer killed mid-transaction, on both backends (real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from landlink_gis.ledger import init_ledger, open_ledger
from landlink_gis.ledger.store import MARKER_ENV, PAUSE_ENV
from tests.ledger.ledger_fixtures import CLI, checked, grid_project, ledger_location
from tests.support.geoms import square


@pytest.fixture(params=["gpkg", "postgis"])
def location(request, tmp_path):
    return ledger_location(request.param, tmp_path, request)


def _add(location, path, pause=0.0, marker=None) -> subprocess.Popen:
    env = dict(os.environ)
    if pause:
        env[PAUSE_ENV] = str(pause)
    if marker:
        env[MARKER_ENV] = str(marker)
    return subprocess.Popen(
        [*CLI, "ledger", "-L", location, "add", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_concurrent_writers_lose_and_duplicate_nothing(location, tmp_path):
    init_ledger(location, crs="EPSG:4545")
    a = grid_project(tmp_path / "a", "A-001", 0)
    b = grid_project(tmp_path / "b", "B-001", 2000)
    # C reuses A's plot CJ001: of A and C, exactly one may get in, whichever commits first
    c = checked(
        tmp_path / "c",
        "C-001",
        [("CJ001", square(5, 5, 30))],
        [("JX001", square(5000, 200, 30), "安置")],
    )
    procs = [_add(location, p, pause=1.0) for p in (a, b, c, a)]
    outs = [p.communicate(timeout=180) for p in procs]
    codes = [p.returncode for p in procs]
    ledger = open_ledger(location)
    projects = ledger.projects(all_versions=True)
    assert "B-001" in set(projects["code"])
    assert projects["code"].duplicated().sum() == 0, outs  # A added twice at once: registered once
    registered = set(projects["code"]) & {"A-001", "C-001"}
    assert len(registered) == 1, outs  # the second of A/C saw the first's plots and was refused
    assert sorted(codes).count(1) == 1, (codes, outs)
    # every registered project has all its plots and initial statuses, nothing twice
    plots = ledger.plots()
    assert len(plots) == len(plots.drop_duplicates(["project_code", "layer", "plot_id"]))
    assert len(plots) == 4 + (4 if "A-001" in registered else 2)
    history = ledger.status_history()
    assert len(history) == len(plots) + len(projects)


def test_writer_killed_mid_transaction_leaves_ledger_unchanged(location, tmp_path):
    init_ledger(location, crs="EPSG:4545")
    ledger = open_ledger(location)
    ledger.add_checked(grid_project(tmp_path / "a", "A-001", 0))
    before = (
        len(ledger.projects()),
        len(ledger.plots()),
        len(ledger.status_history()),
        len(ledger.quota_events()),
    )
    marker = tmp_path / "in_write"
    proc = _add(location, grid_project(tmp_path / "b", "B-001", 2000), pause=60, marker=marker)
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "writer never reached the pause"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    after = open_ledger(location)
    assert (
        len(after.projects()),
        len(after.plots()),
        len(after.status_history()),
        len(after.quota_events()),
    ) == before
    # and the ledger still takes writes
    assert after.add_checked(grid_project(tmp_path / "b2", "B-001", 2000)).status == "registered"
    if location.endswith(".gpkg"):
        proc = subprocess.run(
            [sys.executable, "-m", "osgeo_utils.samples.validate_gpkg", "-k", "--extra", location],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
