"""A county ledger holding projects at every stage at once — planned, advanced, accepted,
construction-only, one without dates — works with every ledger command and every check reading it,
and every figure it shows for a project is the check's (GeoPackage and PostGIS).

TIME002's year runs from the advance's date in the ledger.
"""

from __future__ import annotations

import datetime as dt

import pyogrio
import pytest
from click.testing import CliRunner

import landlink_gis as ll
from landlink_gis.cli.main import cli
from landlink_gis.ledger import init_ledger
from landlink_gis.run.runner import check
from tests.ledger.ledger_fixtures import (
    acceptance_checked,
    checked,
    complete_check,
    grid_plots,
    ledger_location,
    project,
    with_filing_inputs,
)
from tests.support.geoms import square
from tests.support.helpers import frame, write_project

D = dt.date


@pytest.fixture(params=["gpkg", "postgis"])
def location(request, tmp_path):
    return ledger_location(request.param, tmp_path, request)


def _undated(folder, code, x0):
    """A checked plan whose TOML has no dates at all."""
    demo, cons = grid_plots(x0)
    toml = project(folder, code, demo, cons)
    toml.write_text(
        "\n".join(
            ln for ln in toml.read_text("utf-8").splitlines() if not ln.startswith("approved")
        )
        + "\n",
        encoding="utf-8",
    )
    out = folder / f"{code}.gpkg"
    ll.write_gpkg(check(toml, rules=["GEOM", "ATTR", "BAL001"]), out)
    return out


def _construction_only(folder, code, location, draw):
    cons = frame(
        [{"DKBH": "JX001", "DLBM": "0702", "JXLX": "城镇", "geometry": square(9000, 0, 20)}]
    )
    layers, rasters = with_filing_inputs(folder, {"construction": cons})
    path = write_project(
        folder,
        layers,
        project={"code": code, "kind": "construction_only", "approved": "2023-09-01"},
        fmt="gpkg",
        rasters=rasters,
    )
    key = "url" if "://" in location else "path"
    path.write_text(
        path.read_text(encoding="utf-8")
        + f'\n[[quota_sources]]\ncode = "P-ACC"\narea_m2 = {draw}\n\n[ledger]\n{key} = "{location}"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture
def county(location, tmp_path):
    ledger = init_ledger(location, crs="EPSG:4545")
    checks = {}
    for code, x0 in (("P-PLAN", 0), ("P-ADV", 2000), ("P-ACC", 4000)):
        checks[code] = checked(tmp_path / code, code, *grid_plots(x0))
        assert ledger.add_checked(checks[code]).status == "registered"
    checks["P-NODATE"] = _undated(tmp_path / "nodate", "P-NODATE", 6000)
    # without an approval date the check is incomplete (检查不完整): registered only when forced
    assert ledger.add_checked(checks["P-NODATE"]).status == "refused"
    forced = ledger.add_checked(checks["P-NODATE"], force=True, reason="补录：批准日期待查")
    assert forced.status == "registered"
    limit = ledger.advance_limit("P-ADV")
    ledger.record_quota("P-ADV", "advanced", limit, D(2021, 8, 1))
    ledger.record_quota("P-ADV", "traded", round(limit / 2, 2), D(2021, 9, 1), counterpart="甲")
    acc = acceptance_checked(tmp_path / "acc", "P-ACC", *grid_plots(4000), accepted="2023-06-01")
    assert ledger.accept_checked(acc).status == "accepted"
    co = _construction_only(tmp_path / "co", "C-ONLY", location, 500.0)
    out = tmp_path / "co.gpkg"
    ll.write_gpkg(complete_check(co), out)
    checks["C-ONLY"] = out
    assert ledger.add_checked(out).status == "registered"
    return ledger, checks


def _run(location, *args):
    return CliRunner().invoke(cli, ["ledger", "-L", location, *map(str, args)])


def test_every_ledger_command_works_on_a_ledger_at_every_stage(county, location, tmp_path):
    ledger, checks = county
    res = _run(location, "list")
    assert res.exit_code == 0, res.output
    for code in checks:
        assert code in res.output
        q = _run(location, "quota", code)
        assert q.exit_code == 0, q.output
        assert _run(location, "quota", code, "--at", "2021-12-31").exit_code == 0
    res = _run(location, "report", "--month", "2023-06", "--xlsx", tmp_path / "r.xlsx")
    assert res.exit_code == 0, res.output
    assert "P-ACC" in res.output  # accepted this month: filing due within 10 working days
    res = _run(location, "export", "-o", tmp_path / "e.gpkg", "--xlsx", tmp_path / "e.xlsx")
    assert res.exit_code == 0, res.output
    # an undated plan's plots are approved on the day it was registered
    res = _run(
        location,
        "status",
        "P-NODATE",
        "CJ001",
        "--set",
        "demolished",
        "--date",
        dt.date.today().isoformat(),
    )
    assert res.exit_code == 0, res.output
    # the figures every command shows for a project are the check's, to 0.01 m²
    projects = pyogrio.read_dataframe(str(tmp_path / "e.gpkg"), layer="projects")
    for code in ("P-PLAN", "P-ADV", "P-ACC", "P-NODATE"):
        balance = pyogrio.read_dataframe(str(checks[code]), layer="balance")
        shown = balance[(balance["item"] == "surplus_quota") & (balance["scope"] == "project")]
        want = f"{shown['area_m2'].iloc[0]:.2f}"
        row = projects[projects["code"] == code].iloc[-1]
        assert f"{row['surplus_m2']:.2f}" == want
        q = _run(location, "quota", code).output
        assert [ln.split()[-1] for ln in q.splitlines() if "planned surplus" in ln] == [want]
        assert want in _run(location, "list").output


def test_checks_reading_the_ledger_work_at_every_stage(county, location, tmp_path):
    ledger, _ = county
    # a new project overlapping P-NODATE's plot and P-ACC's plot: OVL003/LED001 name both
    demo = [("CJ001", square(6005, 5, 20)), ("CJ002", square(4005, 5, 20))]
    cons = [("JX001", square(8000, 200, 10), "安置")]
    toml = project(tmp_path / "new", "P-NEW", demo, cons, ledger=location)
    result = check(toml, rules=["OVL003", "LED001", "BAL"], lang="en")
    hit = result.findings[result.findings["rule_id"] == "OVL003"]
    assert {str(o).split(":")[0] for o in hit["other_id"]} == {"P-NODATE", "P-ACC"}
    # the construction-only plan re-checked against the ledger holding its own draw
    co = _construction_only(tmp_path / "co2", "C-ONLY", location, 500.0)
    result = check(co, rules=["BAL"], lang="en")
    errors = result.findings[result.findings["severity"] == "error"]
    assert errors.empty, errors["message"].tolist()


def test_time002_runs_from_the_advance_date_in_the_ledger(location, tmp_path):
    ledger = init_ledger(location, crs="EPSG:4545")
    demo, cons = grid_plots(0)
    ledger.add_checked(checked(tmp_path / "p", "A-001", demo, cons))
    ledger.record_quota("A-001", "advanced", 100.0, D(2021, 8, 1))
    facts = {"advance_quota_m2": 100.0, "accepted": "2022-06-01"}
    # from the approval (2021-03-01) the return was due 2022-03-01: 92 days late
    alone = project(tmp_path / "alone", "A-001", demo, cons, facts=facts)
    found = check(alone, rules=["TIME002"], lang="en").findings
    assert found["measured"].tolist() == [92.0]
    # the ledger dates the advance 2021-08-01: due 2022-08-01, returned in time
    linked = project(tmp_path / "linked", "A-001", demo, cons, facts=facts, ledger=location)
    found = check(linked, rules=["TIME002"], lang="en").findings
    assert found[found["rule_id"] == "TIME002"].empty
