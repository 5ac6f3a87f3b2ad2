"""The ledger on both backends: register, refuse double use, statuses, quota, append-only
history."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys

import pytest

from landlink_gis.ledger import LedgerError, QuotaError, StatusError, init_ledger, open_ledger
from tests.ledger.ledger_fixtures import checked, grid_project, ledger_location
from tests.support.geoms import square

BACKENDS = ["gpkg", "postgis"]


@pytest.fixture(params=BACKENDS)
def location(request, tmp_path):
    return ledger_location(request.param, tmp_path, request)


def validate_gpkg(path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "osgeo_utils.samples.validate_gpkg", "-k", "--extra", str(path)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and not proc.stdout.strip() and not proc.stderr.strip(), (
        proc.stdout + proc.stderr
    )


def test_register_refuse_force_and_version(location, tmp_path):
    ledger = init_ledger(location, crs="EPSG:4545")
    a = grid_project(tmp_path / "a", "A-001", 0)
    r = ledger.add_checked(a)
    assert (r.status, r.version) == ("registered", 1)
    assert ledger.add_checked(a).status == "already"  # no duplicate
    # B reuses A's plot CJ002 (x 100..140) with a 20 m square inside it: 400 m² planar overlap
    b = checked(
        tmp_path / "b",
        "B-001",
        [("CJ001", square(110, 10, 20)), ("CJ002", square(1000, 0, 40))],
        [("JX001", square(1000, 200, 30), "城镇")],
    )
    refused = ledger.add_checked(b)
    assert refused.status == "refused" and "A-001" in refused.message
    assert list(refused.overlaps["other_id"]) == ["CJ002"]
    assert refused.overlaps["area_m2"].iloc[0] == pytest.approx(
        400.0, rel=2e-3
    )  # ellipsoidal ≈ planar here
    assert len(ledger.projects()) == 1
    with pytest.raises(LedgerError, match="--reason"):
        ledger.add_checked(b, force=True)
    forced = ledger.add_checked(b, force=True, reason="县政府批准复核")
    assert forced.status == "registered"
    row = ledger.projects().set_index("code").loc["B-001"]
    assert bool(row["forced"]) and row["reason"] == "县政府批准复核"
    # a changed plan of A becomes version 2; the other project's plots exclude A's
    a2 = grid_project(tmp_path / "a2", "A-001", 0, n=2)
    assert ledger.add_checked(a2, force=True, reason="调整").version == 2
    assert set(ledger.plots(code="A-001")["plot_id"]) == {"CJ001", "CJ002", "JX001"}
    assert len(ledger.plots(code="A-001", current=False)) == 4 + 3
    if location.endswith(".gpkg"):
        validate_gpkg(location)


def test_status_history_and_replay(location, tmp_path):
    ledger = init_ledger(location, crs="EPSG:4545")
    ledger.add_checked(grid_project(tmp_path / "a", "A-001", 0))
    d = dt.date
    assert ledger.set_status("A-001", ["CJ001", "CJ002"], "demolished", d(2021, 6, 1)) == 2
    ledger.set_status("A-001", ["CJ001"], "reclaimed", d(2021, 9, 1))
    ledger.set_status("A-001", ["JX001"], "built", d(2021, 7, 1))
    with pytest.raises(StatusError, match="only move forward"):
        ledger.set_status("A-001", ["CJ001"], "demolished", d(2021, 10, 1))
    with pytest.raises(StatusError, match="before its previous"):
        ledger.set_status("A-001", ["CJ002"], "reclaimed", d(2021, 5, 1))
    with pytest.raises(StatusError, match="not in the current plan"):
        ledger.set_status("A-001", ["CJ001", "NOPE"], "accepted", d(2022, 1, 1))
    with pytest.raises(StatusError, match="unknown state"):
        ledger.set_status("A-001", ["JX001"], "reclaimed", d(2022, 1, 1))
    # the refused multi-plot change wrote nothing (all or nothing)
    state = ledger.states().set_index(["layer", "plot_id"])["state"]
    assert state[("demolition", "CJ001")] == "reclaimed"
    assert state[("demolition", "CJ003")] == "approved"
    assert state[("construction", "JX001")] == "built"
    before = ledger.states(d(2021, 6, 30)).set_index(["layer", "plot_id"])["state"]
    assert (
        before[("demolition", "CJ001")] == "demolished"
        and before[("construction", "JX001")] == "approved"
    )
    assert len(ledger.states(d(2021, 2, 1))) == 0  # before approval nothing existed
    assert len(ledger.status_history()) == 1 + 4 + 2 + 1 + 1


def test_history_is_append_only(location, tmp_path):
    ledger = init_ledger(location, crs="EPSG:4545")
    ledger.add_checked(grid_project(tmp_path / "a", "A-001", 0))
    backend = ledger.backend
    for sql in (
        "UPDATE ll_status_events SET state = 'accepted'",
        "DELETE FROM ll_quota_events",
        "DELETE FROM ll_plots",
    ):
        with pytest.raises(LedgerError, match="append-only"):
            with backend.transaction(write=True) as tx:
                tx.run(sql)
    assert len(ledger.status_history()) == 5


def test_quota_account(location, tmp_path):
    ledger = init_ledger(location, crs="EPSG:4545")
    ledger.add_checked(grid_project(tmp_path / "a", "A-001", 0))
    acc = ledger.quota_account("A-001")
    assert acc.lent == pytest.approx(900.0, rel=2e-3)  # 30 m resettlement square, lent at approval
    surplus = ledger.projects()["surplus_m2"].iloc[0]
    limit = ledger.advance_limit("A-001")
    assert limit == pytest.approx(0.3 * surplus, abs=0.005)  # Sichuan poverty county, to 0.01 m²
    d = dt.date
    with pytest.raises(QuotaError, match="over the 0.00 m² advanced"):
        ledger.record_quota(
            "A-001", "traded", 100.0, d(2021, 8, 1), counterpart="成都", price_yuan=1e5
        )
    with pytest.raises(LedgerError, match="counterpart"):
        ledger.record_quota("A-001", "traded", 100.0, d(2021, 8, 1))
    ledger.record_quota("A-001", "advanced", limit, d(2021, 8, 1))
    with pytest.raises(QuotaError, match="advance limit"):
        ledger.record_quota("A-001", "advanced", 0.01, d(2021, 8, 2))
    ledger.record_quota("A-001", "traded", 200.0, d(2022, 4, 1), counterpart="重庆", price_yuan=6e5)
    # a back-dated trade before the advance existed breaks an earlier day: refused
    with pytest.raises(QuotaError, match="2021-07-01"):
        ledger.record_quota("A-001", "traded", 50.0, d(2021, 7, 1), counterpart="x", price_yuan=1.0)
    with pytest.raises(QuotaError, match="typed 'returned' amount"):
        ledger.record_quota("A-001", "returned", 100.0, d(2022, 6, 1))
    acc = ledger.quota_account("A-001")
    assert acc.surplus_balance == pytest.approx(limit - 200.0, abs=1e-9)
    assert acc.turnover_outstanding == acc.lent
    assert acc.traded_value_yuan == pytest.approx(6e5)
    assert ledger.quota_account("A-001", d(2022, 3, 31)).traded == 0.0


def test_open_errors_name_the_fix(tmp_path):
    with pytest.raises(LedgerError, match="ledger init"):
        open_ledger(tmp_path / "missing.gpkg")
    with pytest.raises(LedgerError, match="not supported"):
        open_ledger("mysql://x/y")
    init_ledger(tmp_path / "l.gpkg", crs="EPSG:4545")
    with pytest.raises(LedgerError, match="already exists"):
        init_ledger(tmp_path / "l.gpkg", crs="EPSG:4545")


def test_gpkg_ledger_opens_in_gdal(tmp_path):
    import pyogrio

    path = tmp_path / "l.gpkg"
    ledger = init_ledger(path, crs="EPSG:4545")
    ledger.add_checked(grid_project(tmp_path / "a", "A-001", 0))
    plots = pyogrio.read_dataframe(str(path), layer="ll_plots")
    assert len(plots) == 4 and plots.crs.to_epsg() == 4545
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT COUNT(*) FROM rtree_ll_plots_geom").fetchone()[0] == 4
    validate_gpkg(path)
