"""The day deadlines are judged on: the check's ``today``, else ``$LANDLINK_TODAY``, else the run's.

A project approved on 2023-06-01 and not accepted has its TIME001 deadline on 2026-06-01: on that
day it is not yet due (no finding), the next day it is one day late. The branches are taken by a
frozen "today" from each source, so the test does not depend on the day it runs.
"""

from __future__ import annotations

import datetime as dt

import pytest

from landlink_gis.base.errors import InputError
from landlink_gis.base.workdays import TODAY_ENV, run_date
from landlink_gis.run.runner import check
from tests.support.geoms import square
from tests.support.helpers import frame, write_project


@pytest.fixture(scope="module")
def pending(tmp_path_factory):
    folder = tmp_path_factory.mktemp("today")
    plots = frame([{"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 20)}])
    return write_project(
        folder,
        {"demolition": plots},
        project={"profile": "national", "approved": dt.date(2023, 6, 1)},
        fmt="gpkg",
    )


def _time001(result):
    return result.findings[result.findings["rule_id"] == "TIME001"]


def test_run_date_sources():
    assert run_date(dt.date(2020, 1, 2), {TODAY_ENV: "2021-03-04"}) == dt.date(2020, 1, 2)
    assert run_date(None, {TODAY_ENV: " 2021-03-04 "}) == dt.date(2021, 3, 4)
    assert run_date(None, {}) == dt.date.today()
    assert run_date(None, {TODAY_ENV: ""}) == dt.date.today()
    with pytest.raises(InputError, match="LANDLINK_TODAY='2021-13-01' is not a date"):
        run_date(None, {TODAY_ENV: "2021-13-01"})


@pytest.mark.parametrize(
    ("today", "late"), [(dt.date(2026, 6, 1), None), (dt.date(2026, 6, 2), 1.0)]
)
def test_today_parameter_takes_both_branches(pending, today, late, monkeypatch):
    monkeypatch.setenv(TODAY_ENV, "2040-01-01")  # the parameter wins over the environment
    found = _time001(check(pending, rules=["TIME001"], lang="en", today=today))
    if late is None:
        assert found.empty
    else:
        assert found["measured"].tolist() == [late]
        assert f"not yet accepted as of {today}" in found["message"].iloc[0]


@pytest.mark.parametrize(("env", "late"), [("2026-06-01", None), ("2026-06-02", 1.0)])
def test_environment_takes_both_branches(pending, env, late, monkeypatch):
    monkeypatch.setenv(TODAY_ENV, env)
    found = _time001(check(pending, rules=["TIME001"], lang="en"))
    assert (found.empty and late is None) or found["measured"].tolist() == [late]


def test_a_bad_environment_date_is_an_input_error(pending, monkeypatch):
    monkeypatch.setenv(TODAY_ENV, "tomorrow")
    with pytest.raises(InputError, match="LANDLINK_TODAY='tomorrow' is not a date"):
        check(pending, rules=["TIME001"])
