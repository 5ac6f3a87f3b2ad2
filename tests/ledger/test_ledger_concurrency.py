"""Concurrent writers and a writer killed mid-transaction, on both backends (real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import geopandas as gpd
import pytest

import landlink_gis as ll
from landlink_gis.ledger import init_ledger, open_ledger
from landlink_gis.ledger.store import MARKER_ENV, PAUSE_ENV
from tests.ledger.ledger_fixtures import (
    CLI,
    acceptance_checked,
    checked,
    complete_check,
    grid_plots,
    grid_project,
    ledger_location,
    with_filing_inputs,
)
from tests.support.geoms import square
from tests.support.helpers import frame, write_project


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


def _accepted_source(location, tmp_path):
    """Source A-001 registered and accepted: its generated surplus, as the ledger shows it."""
    ledger = init_ledger(location, crs="EPSG:4545")
    ledger.add_checked(grid_project(tmp_path / "a", "A-001", 0))
    ledger.accept_checked(acceptance_checked(tmp_path / "aa", "A-001", *grid_plots(0)))
    return ledger, ledger.quota_account("A-001").generated


def _construction_only(folder, code, location, draw, x0):
    cons = frame([{"DKBH": "JX001", "DLBM": "0702", "JXLX": "城镇", "geometry": square(x0, 0, 20)}])
    layers, rasters = with_filing_inputs(folder, {"construction": cons})
    path = write_project(
        folder,
        layers,
        project={"code": code, "kind": "construction_only", "approved": "2023-03-01"},
        fmt="gpkg",
        rasters=rasters,
    )
    key = "url" if "://" in location else "path"
    path.write_text(
        path.read_text(encoding="utf-8")
        + f'\n[[quota_sources]]\ncode = "A-001"\narea_m2 = {draw}\n'
        + f'\n[ledger]\n{key} = "{location}"\n',
        encoding="utf-8",
    )
    out = folder / f"{code}.gpkg"
    ll.write_gpkg(complete_check(path), out)
    return out


def _cli(location, *args, pause=1.0):
    env = dict(os.environ, **{PAUSE_ENV: str(pause)})
    return subprocess.Popen(
        [*CLI, "ledger", "-L", location, *map(str, args)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_clerks_drawing_from_one_source_at_once_cannot_overdraw(location, tmp_path):
    """Two construction-only plans, each within what is available alone, together over it: both
    checks pass BAL009 (the ledger has neither draw yet); registered at once, exactly one gets in
    and the other is refused (exit 2) naming the draw and what is left; nothing half-written."""
    ledger, gen = _accepted_source(location, tmp_path)
    draw = round(0.6 * gen, 2)
    plans = [
        _construction_only(tmp_path / f"p{i}", f"C-00{i}", location, draw, 5000 + 500 * i)
        for i in (1, 2)
    ]
    for plan in plans:
        errors = gpd.read_file(plan, layer="findings").query("severity == 'error'")
        assert errors.empty, errors["message"].tolist()
    procs = [_cli(location, "add", plan) for plan in plans]
    outs = [p.communicate(timeout=180) for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes == [0, 2], outs
    refused = next(o for p, o in zip(procs, outs, strict=True) if p.returncode == 2)
    left = round(gen - draw, 2)
    assert f"drawing {draw:.2f} m²" in refused[1] and f"available {left:.2f} m²" in refused[1]
    after = open_ledger(location)
    assert after.quota_account("A-001").drawn == draw
    assert len(set(after.projects()["code"]) & {"C-001", "C-002"}) == 1


def test_two_clerks_trading_at_once_cannot_exceed_what_was_generated(location, tmp_path):
    ledger, gen = _accepted_source(location, tmp_path)
    trade = round(0.6 * gen, 2)
    args = ("quota", "A-001", "--record", "traded", "--area", f"{trade:.2f}", "--date")
    procs = [
        _cli(location, *args, "2023-07-01", "--counterpart", "甲"),
        _cli(location, *args, "2023-07-02", "--counterpart", "乙"),
    ]
    outs = [p.communicate(timeout=180) for p in procs]
    assert sorted(p.returncode for p in procs) == [0, 2], outs
    refused = next(o for p, o in zip(procs, outs, strict=True) if p.returncode == 2)
    assert f"{2 * trade:.2f} m²" in refused[1] and f"{gen:.2f} m²" in refused[1]
    acc = open_ledger(location).quota_account("A-001")
    assert acc.traded == trade and acc.surplus_balance == round(gen - trade, 2)
