"""The quota account through acceptance, on real ledgers (GeoPackage and PostGIS).

Figures are computed independently: each plot's ellipsoidal area with pyproj ``Geod`` on the
CGCS2000 ellipsoid (a second method beside the toolkit's own), rounded half up to 0.01 m² with
:class:`decimal.Decimal` here, not through the toolkit's helpers.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from decimal import ROUND_HALF_UP, Decimal

import pytest
from pyproj import Geod, Transformer

from landlink_gis.ledger import LedgerError, QuotaError, StatusError, init_ledger, open_ledger
from landlink_gis.ledger.checked import read_checked
from tests.ledger.ledger_fixtures import (
    CLI,
    acceptance_checked,
    checked,
    grid_plots,
    ledger_location,
)

GEOD = Geod(a=6378137.0, rf=298.257222101)
TO_LONLAT = Transformer.from_crs("EPSG:4545", "EPSG:4490", always_xy=True)
D = dt.date


def geod_area(poly) -> float:
    lon, lat = TO_LONLAT.transform(*poly.exterior.coords.xy)
    return abs(GEOD.polygon_area_perimeter(lon, lat)[0])


def c(m2: float) -> Decimal:
    """m² rounded half up to 0.01 m²."""
    return Decimal(repr(m2)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.fixture(params=["gpkg", "postgis"])
def location(request, tmp_path):
    return ledger_location(request.param, tmp_path, request)


def _register(location, tmp_path, code="A-001", x0=0.0, n=3, facts=None):
    demo, cons = grid_plots(x0, n)
    ledger = init_ledger(location, crs="EPSG:4545")
    plan = checked(tmp_path / "plan", code, demo, cons, facts=facts)
    assert ledger.add_checked(plan).status == "registered"
    return ledger, demo, cons


def test_add_keeps_the_checks_figures_and_lends_the_construction(location, tmp_path):
    ledger, demo, cons = _register(location, tmp_path)
    basis = sum(geod_area(g) for _, g in demo)
    construction = geod_area(cons[0][1])
    row = ledger.projects().iloc[0]
    assert Decimal(repr(float(row["basis_m2"]))) == pytest.approx(c(basis), abs=Decimal("0.011"))
    assert row["surplus_m2"] == pytest.approx(basis - construction, abs=0.011)
    # stored as the check's figures, to 0.01 m²
    for col in ("basis_m2", "construction_m2", "surplus_m2", "turnover_m2"):
        assert round(row[col], 2) == row[col]
    assert row["turnover_source"] == "construction"
    acc = ledger.quota_account("A-001")
    assert acc.lent == row["construction_m2"] == pytest.approx(construction, abs=0.011)
    assert acc.generated == 0.0 and not acc.accepted


def test_issued_turnover_quota_is_lent(location, tmp_path):
    ledger, _, _ = _register(location, tmp_path, facts={"turnover_quota_m2": 1000.005})
    assert ledger.quota_account("A-001").lent == 1000.01  # half up to 0.01 m²
    assert ledger.projects().iloc[0]["turnover_source"] == "issued"


def test_typed_amounts_are_refused_and_change_nothing(location, tmp_path):
    ledger, _, _ = _register(location, tmp_path)
    before = len(ledger.quota_events())
    for kind in ("generated", "lent", "returned", "drawn"):
        with pytest.raises(QuotaError, match=f"typed '{kind}' amount is refused"):
            ledger.record_quota("A-001", kind, 50000.0, D(2022, 1, 1), counterpart="x")
    with pytest.raises(StatusError, match="ledger accept"):
        ledger.set_status("A-001", [], "accepted", D(2022, 1, 1))
    assert len(ledger.quota_events()) == before


def test_advance_limit_edge_and_trades_before_acceptance(location, tmp_path):
    ledger, _, _ = _register(location, tmp_path)
    surplus = Decimal(repr(float(ledger.projects().iloc[0]["surplus_m2"])))
    limit = (surplus * Decimal("0.30")).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert Decimal(repr(ledger.advance_limit("A-001"))) == limit
    # before any advance nothing can be traded
    with pytest.raises(QuotaError, match=r"over the 0\.00 m² advanced"):
        ledger.record_quota("A-001", "traded", 1.0, D(2021, 8, 1), counterpart="成都")
    # one cent over the limit is refused, naming both figures; the figure shown is accepted
    over = float(limit + Decimal("0.01"))
    with pytest.raises(QuotaError, match=f"{over:.2f} m².*{float(limit):.2f} m²"):
        ledger.record_quota("A-001", "advanced", over, D(2021, 8, 1))
    ledger.record_quota("A-001", "advanced", float(limit), D(2021, 8, 1))
    half = (limit / 2).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    ledger.record_quota("A-001", "traded", float(half), D(2021, 9, 1), counterpart="成都")
    left = limit - half
    with pytest.raises(QuotaError, match=f"{float(left):.2f} m² left"):
        ledger.record_quota(
            "A-001", "traded", float(left + Decimal("0.01")), D(2021, 9, 2), counterpart="x"
        )
    acc = ledger.quota_account("A-001")
    assert Decimal(repr(acc.surplus_balance)) == left


def test_accept_generates_returns_and_is_idempotent(location, tmp_path):
    ledger, demo, cons = _register(location, tmp_path)
    limit = ledger.advance_limit("A-001")
    ledger.record_quota("A-001", "advanced", limit, D(2021, 8, 1))
    ledger.record_quota("A-001", "traded", limit, D(2021, 8, 2), counterpart="成都")
    # CJ002 is reclaimed, but to state-owned land (ACC004): it is not accepted
    rows = [
        {
            "BSM": f"S{pid}",
            "DLBM": "0103",
            "QSXZ": "20" if pid == "CJ002" else "30",
            "KCXS": 0.1,
            "GDDB": 8,
            "geometry": g,
        }
        for pid, g in demo
    ]
    path = acceptance_checked(tmp_path / "acc", "A-001", demo, cons, survey_after=rows)
    project = read_checked(path)
    assert project.stage == "acceptance"
    with pytest.raises(LedgerError, match="acceptance check"):
        ledger.add_checked(path)
    # ACC004 found an error: refused unless forced
    with pytest.raises(LedgerError, match="error finding"):
        ledger.accept_checked(path)
    result = ledger.accept_checked(path, force=True, reason="CJ002 权属待更正")
    assert result.status == "accepted"
    areas = {pid: geod_area(g) for pid, g in demo}
    basis = areas["CJ001"] + areas["CJ003"]
    construction = geod_area(cons[0][1])
    acc = ledger.quota_account("A-001")
    assert acc.accepted
    assert acc.generated == pytest.approx(basis - construction, abs=0.011)
    assert acc.returned == pytest.approx(min(acc.lent, basis), abs=0.011) == acc.lent
    assert acc.turnover_outstanding == 0.0
    # the advance is surplus generated early: what is left is generated − traded
    assert acc.surplus_balance == pytest.approx(acc.generated - limit, abs=1e-9)
    states = ledger.states()
    plot_state = {r.plot_id: r.state for r in states[states["layer"] == "demolition"].itertuples()}
    assert plot_state == {"CJ001": "accepted", "CJ002": "approved", "CJ003": "accepted"}
    project_state = states[states["layer"] == ""]["state"].iloc[0]
    assert project_state == "accepted"
    assert ledger.accepted_dates() == {"A-001": D(2023, 6, 1)}
    record = ledger.acceptances().iloc[0]
    assert record["plots_not_accepted"] == "CJ002"
    assert record["newly_added_cultivated_m2"] == pytest.approx(
        0.9 * (areas["CJ001"] + areas["CJ003"]), abs=0.011
    )
    # the same check again changes nothing
    counts = (len(ledger.quota_events()), len(ledger.status_history()), len(ledger.acceptances()))
    again = ledger.accept_checked(path, force=True, reason="again")
    assert again.status == "already"
    assert counts == (
        len(ledger.quota_events()),
        len(ledger.status_history()),
        len(ledger.acceptances()),
    )
    # after acceptance: no advance; trades within what is generated, the edge accepted
    with pytest.raises(QuotaError, match="only possible before acceptance"):
        ledger.record_quota("A-001", "advanced", 1.0, D(2023, 7, 1))
    left = acc.surplus_balance
    with pytest.raises(QuotaError, match=f"{left:.2f} m² left"):
        ledger.record_quota("A-001", "traded", left + 0.01, D(2023, 7, 1), counterpart="重庆")
    ledger.record_quota("A-001", "traded", left, D(2023, 7, 1), counterpart="重庆")
    assert ledger.quota_account("A-001").surplus_balance == 0.0


def test_accept_refuses_a_plan_check_and_an_unregistered_project(location, tmp_path):
    ledger, demo, cons = _register(location, tmp_path)
    plan = tmp_path / "plan" / "A-001_checked.gpkg"
    with pytest.raises(LedgerError, match="not an acceptance check"):
        ledger.accept_checked(plan)
    other = acceptance_checked(tmp_path / "b", "B-001", *grid_plots(5000))
    with pytest.raises(LedgerError, match="not in the ledger"):
        ledger.accept_checked(other)
    assert len(ledger.acceptances()) == 0


def test_unmeasured_basis_registers_with_surplus_unknown(location, tmp_path):
    demo, cons = grid_plots(0)
    ledger = init_ledger(location, crs="EPSG:4545")
    project = read_checked(checked(tmp_path / "p", "U-001", demo, cons))
    project.facts["quota_basis_m2"] = None  # as a check that could not measure the basis
    assert ledger.add_project(project).status == "registered"
    row = ledger.projects().iloc[0]
    assert row["surplus_m2"] is None or row["surplus_m2"] != row["surplus_m2"]
    assert ledger.advance_limit("U-001") == 0.0
    with pytest.raises(QuotaError, match="surplus is unknown"):
        ledger.record_quota("U-001", "advanced", 1.0, D(2021, 8, 1))


def test_draws_need_an_accepted_source_with_surplus_left():
    import pandas as pd

    from landlink_gis.ledger.quota import pending_draws

    events = pd.DataFrame(
        [
            {"kind": "generated", "area_m2": 1000.0, "counterpart": None},
            {"kind": "traded", "area_m2": 400.0, "counterpart": "x"},
            {"kind": "drawn", "area_m2": 100.0, "counterpart": "OTHER"},
        ]
    )
    with pytest.raises(QuotaError, match="not accepted"):
        pending_draws("C-001", [{"code": "S", "area_m2": 1.0}], {"S"}, set(), lambda _: events)
    # 1000 − 400 − 100 = 500 left: the figure shown is accepted, a cent more refused
    assert pending_draws(
        "C-001", [{"code": "S", "area_m2": 500.0}], {"S"}, {"S"}, lambda _: events
    ) == [("S", 500.0)]
    with pytest.raises(QuotaError, match=r"500\.01 m².*500\.00 m²"):
        pending_draws("C-001", [{"code": "S", "area_m2": 500.01}], {"S"}, {"S"}, lambda _: events)


def test_cli_accept_and_refusals_exit_2(location, tmp_path):
    ledger, demo, cons = _register(location, tmp_path)
    path = acceptance_checked(tmp_path / "acc", "A-001", demo, cons)
    run = lambda *a: subprocess.run(  # noqa: E731
        [*CLI, "ledger", "-L", location, *a], capture_output=True, text=True
    )
    bad = run("quota", "A-001", "--record", "generated", "--area", "50000", "--date", "2022-01-01")
    assert bad.returncode == 2 and "refused" in bad.stderr and "ledger accept" in bad.stderr
    ok = run("accept", str(path))
    assert ok.returncode == 0, ok.stderr
    assert "accepted on 2023-06-01" in ok.stdout
    again = run("accept", str(path))
    assert again.returncode == 0 and "nothing changed" in again.stdout
    shown = run("quota", "A-001")
    acc = open_ledger(location).quota_account("A-001")
    assert f"{acc.generated:.2f}" in shown.stdout and "construction area" in shown.stdout
    over = run(
        "quota", "A-001", "--record", "traded", "--area", f"{acc.surplus_balance + 0.01:.2f}",
        "--date", "2023-07-01", "--counterpart", "x",
    )  # fmt: skip
    assert over.returncode == 2
    assert f"{acc.surplus_balance + 0.01:.2f}" in over.stderr
    assert f"{acc.generated:.2f}" in over.stderr
    assert open_ledger(location).quota_account("A-001") == acc


@pytest.mark.parametrize("verdict", ["must_fix", "incomplete"])
def test_add_and_accept_refuse_an_unfinished_verdict_unless_forced(location, tmp_path, verdict):
    """``run_info["verdict"]`` decides (HELPERS contract): 须整改 and 检查不完整 are refused
    unless ``--force --reason``; a file without the key is judged by its error count."""
    demo, cons = grid_plots(0)
    ledger = init_ledger(location, crs="EPSG:4545")
    plan = read_checked(checked(tmp_path / "p", "A-001", demo, cons))
    assert plan.verdict == "fileable" and plan.unfinished is None  # a complete check
    del plan.run_info["verdict"]
    assert plan.verdict == "fileable" and plan.unfinished is None  # no key, no errors: as before
    plan.run_info["verdict"] = verdict
    result = ledger.add_project(plan)
    assert result.status == "refused" and (
        "须整改" in result.message or "检查不完整" in result.message
    )
    assert ledger.add_project(plan, force=True, reason="核实后登记").status == "registered"
    assert ledger.projects().iloc[0]["verdict"] == verdict
    assert read_checked(checked(tmp_path / "q", "B-001", *grid_plots(3000))).unfinished is None


def test_a_ledger_written_before_acceptance_records_migrates_and_keeps_working(
    location, tmp_path, monkeypatch
):
    """A county ledger of schema 1 (typed generated quota, project-level 'accepted' status) opens,
    migrates to schema 2, and every command works on it: its old project is accepted (by its
    status), its typed generated quota counts, a new plan registers beside it."""
    from landlink_gis.ledger import schema

    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
    old = init_ledger(location, crs="EPSG:4545")
    assert old.schema_version() == 1
    with old.backend.transaction(write=True) as tx:
        now = old.backend.now_param()
        d = old.backend.date_param
        tx.insert(
            "INSERT INTO ll_projects (code, version, name, profile, approved, poverty_county, "
            "demolition_m2, construction_m2, surplus_m2, error_count, warning_count, forced, "
            "source_sha256, registered_at) VALUES ('OLD-1', 1, '旧项目', 'sichuan', ?, ?, 5000.0, "
            "2000.0, 3000.0, 0, 0, ?, 'x', ?)",
            (d(D(2019, 5, 6)), True, False, now),
        )
        tx.many(
            "INSERT INTO ll_quota_events (project_code, kind, event_date, area_m2, recorded_at) "
            "VALUES ('OLD-1', ?, ?, ?, ?)",
            [("lent", d(D(2019, 5, 6)), 2000.0, now), ("generated", d(D(2021, 9, 1)), 3000.0, now)],
        )
        tx.many(
            "INSERT INTO ll_status_events (project_code, layer, plot_id, state, event_date, "
            "recorded_at) VALUES ('OLD-1', '', '', ?, ?, ?)",
            [("approved", d(D(2019, 5, 6)), now), ("accepted", d(D(2021, 9, 1)), now)],
        )
    monkeypatch.undo()
    ledger = open_ledger(location)
    assert ledger.schema_version() == 2
    assert ledger.accepted_dates() == {"OLD-1": D(2021, 9, 1)}
    acc = ledger.quota_account("OLD-1")
    assert acc.accepted and acc.generated == 3000.0 and acc.surplus_balance == 3000.0
    ledger.record_quota("OLD-1", "traded", 3000.0, D(2022, 1, 1), counterpart="甲")
    with pytest.raises(QuotaError, match="0.00 m² left"):
        ledger.record_quota("OLD-1", "traded", 0.01, D(2022, 1, 2), counterpart="乙")
    assert ledger.add_checked(checked(tmp_path / "n", "NEW-1", *grid_plots(0))).status == (
        "registered"
    )
    res = subprocess.run([*CLI, "ledger", "-L", location, "list"], capture_output=True, text=True)
    assert res.returncode == 0 and "OLD-1" in res.stdout and "NEW-1" in res.stdout
