"""One overlap, one story (§4b): a demolition plot on 占补平衡 land raises OVL001 or OVL005, never
both, and only the dates can make it OVL005."""

from __future__ import annotations

import datetime as dt

import pytest

from landlink_gis.run.runner import check
from tests.support.geoms import square
from tests.support.helpers import frame, write_project


def _run(tmp_path, compensation: dict, *, accepted=dt.date(2022, 3, 1), params=None):
    demolition = frame([{"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 20)}])
    comp = frame([{"DKBH": "BC1", **compensation, "geometry": square(10, 10, 20)}])
    facts = {"area_method": "planar", **({"accepted": accepted} if accepted else {})}
    path = write_project(
        tmp_path,
        {"demolition": demolition, "compensation": comp},
        project=facts,
        rules={"params": params} if params else None,
        fmt="gpkg",
    )
    found = check(path, rules=["OVL001", "OVL005"]).findings
    return found[found["severity"] != "info"]


def test_no_date_column_gives_exactly_one_finding_naming_the_setting(tmp_path):
    found = _run(tmp_path, {"XMBH": "ZB-2019-01"})
    assert list(found["rule_id"]) == ["OVL001"]
    row = found.iloc[0]
    assert row["measured"] == pytest.approx(100.0)  # the 10 m × 10 m corner
    assert "compensation_date_field" in row["message"] and "先后" in row["message"]


def test_empty_date_gives_exactly_one_finding(tmp_path):
    found = _run(tmp_path, {"RKSJ": ""})
    assert list(found["rule_id"]) == ["OVL001"]
    assert "日期字段 RKSJ 为空" in found["message"].iloc[0]


@pytest.mark.parametrize(
    ("date", "rule_id"),
    [
        ("2023-01-10", "OVL005"),  # credited after the quota was returned on 2022-03-01
        ("2022-03-01", "OVL005"),  # on the day of the return (edge)
        ("2022-02-28", "OVL001"),  # the day before: an earlier use
        ("2018-06-01", "OVL001"),
    ],
)
def test_dates_decide_the_story(tmp_path, date, rule_id):
    found = _run(tmp_path, {"YSRQ": date})
    assert list(found["rule_id"]) == [rule_id]
    assert "compensation_date_field" not in found["message"].iloc[0]


def test_named_date_field_and_a_project_not_yet_accepted(tmp_path):
    found = _run(tmp_path / "a", {"JSRQ": "2023-01-10"}, params={"compensation_date_field": "JSRQ"})
    assert list(found["rule_id"]) == ["OVL005"]
    # not accepted: nothing has been returned, every use is an earlier one (OVL001)
    found = _run(tmp_path / "b", {"YSRQ": "2023-01-10"}, accepted=None)
    assert list(found["rule_id"]) == ["OVL001"]
