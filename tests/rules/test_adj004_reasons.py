"""ADJ004: the allowed adjustment reason depends on the plots changed (004 (一)): farmers' wishes
for
demolition and resettlement plots, planning or administrative change for urban construction plots."""

from __future__ import annotations

import pytest

from landlink_gis.run.runner import check
from tests.support.geoms import square
from tests.support.helpers import frame, write_project

DEMO = [("CJ001", square(0, 0, 40)), ("CJ002", square(100, 0, 40))]


def _plan(folder, demo, cons, reason=None):
    facts = {"code": "ADJ-9", "approved": "2021-03-01"} | (
        {"adjustment_reason": reason} if reason else {}
    )
    d = frame([{"DKBH": i, "DLBM": "0702", "FKDL": "0103", "geometry": g} for i, g in demo])
    c = frame([{"DKBH": i, "DLBM": "0103", "JXLX": k, "geometry": g} for i, g, k in cons])
    return write_project(folder, {"demolition": d, "construction": c}, project=facts, fmt="gpkg")


@pytest.fixture
def approved(tmp_path):
    import landlink_gis as ll

    path = _plan(
        tmp_path / "v1",
        DEMO,
        [("JX001", square(0, 200, 30), "安置"), ("JX002", square(300, 200, 30), "城镇")],
    )
    out = tmp_path / "v1.gpkg"
    ll.write_gpkg(check(path, rules=["GEOM"]), out)
    return out


def _adj004(tmp_path, approved, demo, cons, reason):
    found = check(
        _plan(tmp_path / "v2", demo, cons, reason), rules=["ADJ004"], previous=approved, lang="en"
    ).findings
    return found[found["rule_id"] == "ADJ004"]


def test_urban_plot_moved_needs_a_planning_reason(tmp_path, approved):
    cons = [
        ("JX001", square(0, 200, 30), "安置"),
        ("JX002", square(400, 200, 30), "城镇"),
    ]  # JX002 moved
    found = _adj004(tmp_path, approved, DEMO, cons, "群众意愿发生变化")
    assert len(found) == 1 and found["measured"].iloc[0] == 1.0
    assert (
        "urban construction" in found["message"].iloc[0]
        and "planning or administrative change" in found["message"].iloc[0]
    )
    assert _adj004(tmp_path, approved, DEMO, cons, "城镇建设规划调整").empty


def test_demolition_plot_removed_needs_the_farmers_wishes(tmp_path, approved):
    cons = [("JX001", square(0, 200, 30), "安置"), ("JX002", square(300, 200, 30), "城镇")]
    found = _adj004(tmp_path, approved, DEMO[:1], cons, "行政区划调整")
    assert (
        len(found) == 1
        and "CJ002" in found["message"].iloc[0]
        and "farmers' wishes" in found["message"].iloc[0]
    )
    assert _adj004(tmp_path, approved, DEMO[:1], cons, "农民意愿发生变化").empty
