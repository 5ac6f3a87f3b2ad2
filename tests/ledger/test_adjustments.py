"""ADJ001–ADJ005 and LED001 with hand-known answers (40 m squares: 1600 m² planar)."""

from __future__ import annotations

import datetime as dt

import pyogrio
import pytest

import landlink_gis as ll
from landlink_gis.ledger import init_ledger
from landlink_gis.rules.adjustments import reason_allowed
from landlink_gis.run.runner import check
from tests.ledger.ledger_fixtures import checked, project
from tests.support.geoms import square
from tests.support.helpers import frame

APPROVED_DEMO = [
    ("CJ001", square(0, 0, 40)),
    ("CJ002", square(100, 0, 40)),
    ("CJ003", square(200, 0, 40)),
]
APPROVED_CONS = [("JX001", square(0, 200, 30), "安置"), ("JX002", square(100, 200, 30), "城镇")]


def _by_rule(result, rule_id):
    f = result.findings
    return f[f["rule_id"] == rule_id].reset_index(drop=True)


@pytest.fixture
def approved(tmp_path):
    return checked(tmp_path / "v1", "ADJ-001", APPROVED_DEMO, APPROVED_CONS)


def test_adjustment_rules_against_previous_file(tmp_path, approved):
    compensation = frame([{"BSM": "BC01", "geometry": square(500, 0, 20)}])
    illegal = frame([{"WFBH": "WF01", "geometry": square(500, 200, 10)}])
    # removed CJ003; reshaped CJ002 (+ 10 m strip = +400 m²); added CJ004 half on compensation land;
    # added JX003 on illegal land; no reason given
    demo = [
        APPROVED_DEMO[0],
        (
            "CJ002",
            square(100, 0, 40)
            .union(square(140, 0, 10))
            .union(square(140, 10, 10))
            .union(square(140, 20, 10))
            .union(square(140, 30, 10)),
        ),
        ("CJ004", square(490, 0, 20)),
    ]
    cons = [*APPROVED_CONS, ("JX003", square(495, 195, 10), "安置")]
    toml = project(
        tmp_path / "v2",
        "ADJ-001",
        demo,
        cons,
        extra_layers={"compensation": compensation, "illegal_land": illegal},
    )
    result = check(toml, rules=["ADJ"], previous=approved, lang="en")
    adj5 = _by_rule(result, "ADJ005").set_index("layer")
    assert adj5.loc["demolition", "measured"] == pytest.approx(-1600 + 400 + 400, rel=3e-3)
    assert adj5.loc["construction", "measured"] == pytest.approx(100, rel=3e-3)
    assert (
        "1 added" in adj5.loc["demolition", "message"]
        and "1 removed" in adj5.loc["demolition", "message"]
    )
    changes = result.extra_layers["changes"].set_index(["layer", "plot_id"])
    assert changes.loc[("demolition", "CJ003"), "change"] == "removed"
    assert changes.loc[("demolition", "CJ002"), "change"] == "reshaped"
    assert changes.loc[("demolition", "CJ002"), "gained_m2"] == pytest.approx(400, rel=3e-3)
    assert changes.loc[("demolition", "CJ004"), "change"] == "added"
    adj2 = _by_rule(result, "ADJ002")
    assert list(adj2["plot_id"]) == ["CJ004"] and adj2["measured"][0] == pytest.approx(
        200, rel=3e-3
    )
    adj3 = _by_rule(result, "ADJ003")
    assert list(adj3["plot_id"]) == ["JX003"] and adj3["measured"][0] == pytest.approx(25, rel=3e-3)
    assert (
        len(_by_rule(result, "ADJ004")) == 1
        and _by_rule(result, "ADJ004")["severity"][0] == "warning"
    )
    assert len(_by_rule(result, "ADJ001")) == 0  # no confirmed construction plot known from a file
    out = tmp_path / "v2.gpkg"
    ll.write_gpkg(result, out)
    layer = pyogrio.read_dataframe(str(out), layer="changes")
    assert sorted(layer["change"]) == ["added", "added", "removed", "reshaped"]


def test_adj_pass_and_reason(tmp_path, approved):
    toml = project(tmp_path / "same", "ADJ-001", APPROVED_DEMO, APPROVED_CONS)
    result = check(toml, rules=["ADJ"], previous=approved, lang="en")
    assert set(result.findings["severity"]) == {"info"}  # ADJ002/003: no reference layers here
    assert (_by_rule(result, "ADJ005")["measured"] == 0).all()  # nothing changed
    assert reason_allowed("群众意愿发生变化，调整安置点") == "farmers_wishes"
    assert reason_allowed("因国土空间规划调整") == "planning_change"
    assert reason_allowed("施工方便") is None and reason_allowed(None) is None
    toml = project(
        tmp_path / "why",
        "ADJ-001",
        APPROVED_DEMO[:2],
        APPROVED_CONS,
        facts={"adjustment_reason": "群众意愿变化"},
    )
    assert len(_by_rule(check(toml, rules=["ADJ"], previous=approved), "ADJ004")) == 0


def test_adj001_and_led001_from_ledger(tmp_path, approved):
    location = tmp_path / "ledger.gpkg"
    ledger = init_ledger(location, crs="EPSG:4545")
    ledger.add_checked(approved)
    ledger.add_checked(
        checked(
            tmp_path / "other",
            "OTHER-1",
            [("Q1", square(1000, 0, 40)), ("Q2", square(1100, 0, 40))],
            [("QJ1", square(1000, 300, 20), "城镇")],
        )
    )
    ledger.set_status("ADJ-001", ["JX001"], "built", dt.date(2022, 1, 1))
    ledger.set_status("ADJ-001", ["JX001"], "confirmed", dt.date(2022, 6, 1))
    # adjusted plan drops the confirmed JX001, and takes OTHER-1's Q1 whole (same land) and
    # 10 m² of Q2's corner
    demo = [*APPROVED_DEMO, ("CJ010", square(1000, 0, 40)), ("CJ011", square(1138, 38, 10))]
    toml = project(
        tmp_path / "v2",
        "ADJ-001",
        demo,
        APPROVED_CONS[1:],
        ledger=str(location),
        facts={"adjustment_reason": "规划调整"},
    )
    result = check(toml, rules=["ADJ", "LED", "OVL003"], lang="en")
    adj1 = _by_rule(result, "ADJ001")
    assert list(adj1["plot_id"]) == ["JX001"] and adj1["measured"][0] == pytest.approx(
        900, rel=3e-3
    )
    led = _by_rule(result, "LED001")
    assert list(led["plot_id"]) == ["CJ010"] and led["other_id"][0] == "OTHER-1:Q1"
    ovl = _by_rule(result, "OVL003").sort_values("plot_id")
    assert list(ovl["plot_id"]) == ["CJ010", "CJ011"]
    assert ovl["measured"].tolist() == pytest.approx([1600, 4], rel=3e-3)
    assert "plan version 1" in _by_rule(result, "ADJ005")["message"][0]
    # without a ledger or --previous the rules say what they did not check
    plain = check(
        project(tmp_path / "plain", "ADJ-001", APPROVED_DEMO, APPROVED_CONS), rules=["ADJ", "LED"]
    )
    assert set(plain.findings["severity"]) == {"info"} and len(plain.findings) == 6
