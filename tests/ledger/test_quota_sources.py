"""Construction-only plans (``kind = "construction_only"``): BAL009 against the ledger, and the draw
recorded when the plan is registered.

Figures by hand: the source project A-001 records 3000 m² of generated surplus quota; a draw is
allowed up to generated − advanced − traded − drawn by other plans.
"""

from __future__ import annotations

import datetime as dt

import pytest

import landlink_gis as ll
from landlink_gis.ledger import QuotaError, init_ledger
from landlink_gis.run.runner import check
from tests.ledger.ledger_fixtures import grid_project
from tests.support.geoms import square
from tests.support.helpers import frame, write_project


def _plan(folder, code: str, ledger: str, sources: list[tuple[str, float]], x0: float = 5000.0):
    cons = frame([{"DKBH": "JX001", "DLBM": "0103", "JXLX": "城镇", "geometry": square(x0, 0, 30)}])
    path = write_project(
        folder,
        {"construction": cons},
        project={
            "code": code,
            "kind": "construction_only",
            "approved": "2023-03-01",
            "profile": "sichuan",
        },
        fmt="gpkg",
    )
    text = path.read_text(encoding="utf-8")
    text += "".join(f'\n[[quota_sources]]\ncode = "{c}"\narea_m2 = {a}\n' for c, a in sources)
    text += f'\n[ledger]\npath = "{ledger}"\n'
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ledger(tmp_path):
    location = str(tmp_path / "ledger.gpkg")
    led = init_ledger(location, crs="EPSG:4545")
    led.add_checked(grid_project(tmp_path / "a", "A-001", 0))
    led.record_quota("A-001", "generated", 3000.0, dt.date(2022, 3, 1))
    led.set_status("A-001", [], "accepted", dt.date(2022, 3, 1))
    led.add_checked(grid_project(tmp_path / "b", "B-001", 2000))  # registered, not accepted
    return led, location


def _bal009(path):
    result = check(path, rules=["BAL"], lang="en")
    return result, result.findings[result.findings["rule_id"] == "BAL009"]


def test_draw_within_the_available_surplus_passes_at_the_edge(ledger, tmp_path):
    _, location = ledger
    result, found = _bal009(_plan(tmp_path / "c", "C-001", location, [("A-001", 3000.0)]))
    assert found.empty
    # no demolition side: BAL001–BAL005 give no finding; the balance lists the draw
    assert not set(result.findings["rule_id"]) & {"BAL001", "BAL002", "BAL003", "BAL004", "BAL005"}
    bal = result.balance.set_index(["item", "scope"])
    assert bal.loc[("drawn_quota", "A-001"), ["area_m2", "status"]].tolist() == [3000.0, "pass"]


def test_draw_above_the_surplus_or_from_an_unaccepted_or_unknown_source_fires(ledger, tmp_path):
    _, location = ledger
    _, found = _bal009(
        _plan(
            tmp_path / "c", "C-001", location, [("A-001", 3000.5), ("B-001", 10.0), ("Z-999", 5.0)]
        )
    )
    found = found.set_index("other_id")
    assert set(found.index) == {"A-001", "B-001", "Z-999"} and set(found["severity"]) == {"error"}
    assert found.loc["A-001", "measured"] == 3000.5 and found.loc["A-001", "threshold"] == 3000.0
    assert "not accepted" in found.loc["B-001", "message"]
    assert "not in the ledger" in found.loc["Z-999", "message"]


def test_registering_the_plan_records_the_draw_in_the_same_transaction(ledger, tmp_path):
    led, location = ledger
    toml = _plan(tmp_path / "c", "C-001", location, [("A-001", 2500.0)])
    out = tmp_path / "c_checked.gpkg"
    ll.write_gpkg(check(toml, rules=["GEOM", "ATTR", "BAL"]), out)
    assert led.add_checked(out).status == "registered"
    acc = led.quota_account("A-001")
    assert acc.drawn == 2500.0 and acc.surplus_balance == pytest.approx(500.0)
    assert (
        led.quota_account("C-001").lent == 0.0
    )  # a construction-only plan borrows no turnover quota
    # re-checking the registered plan does not hold its own draw against it
    _, found = _bal009(toml)
    assert found.empty
    # another plan may draw only what is left: 500 m²
    _, found = _bal009(_plan(tmp_path / "d", "D-001", location, [("A-001", 600.0)], x0=7000.0))
    assert found["threshold"].tolist() == [500.0]
    # and the ledger refuses to record an overdraw even when the check was forced past BAL009
    d_out = tmp_path / "d_checked.gpkg"
    ll.write_gpkg(
        check(
            _plan(tmp_path / "d2", "D-001", location, [("A-001", 600.0)], x0=7000.0), rules=["GEOM"]
        ),
        d_out,
    )
    with pytest.raises(QuotaError, match="500.00 m²"):
        led.add_checked(d_out)
    assert led.quota_account("A-001").drawn == 2500.0
