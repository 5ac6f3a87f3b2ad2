"""`landlink ledger …` end to end: init, add, refuse double use, statuses, a trade, report,
export."""

from __future__ import annotations

import pyogrio
import pytest
from click.testing import CliRunner

from landlink_gis.cli.main import cli
from tests.ledger.ledger_fixtures import acceptance_checked, checked, grid_plots, grid_project
from tests.ledger.test_ledger_accept import geod_area
from tests.support.geoms import square


def test_ledger_cli_flow(tmp_path):
    run = CliRunner().invoke
    loc = str(tmp_path / "county.gpkg")
    assert run(cli, ["ledger", "init", loc, "--crs", "EPSG:4545"]).exit_code == 0
    a = grid_project(tmp_path / "a", "A-001", 0)
    res = run(cli, ["ledger", "-L", loc, "add", str(a)])
    assert res.exit_code == 0 and "registered plan version 1" in res.output
    c = checked(
        tmp_path / "c",
        "C-001",
        [("CJ001", square(5, 5, 30))],
        [("JX001", square(5000, 200, 30), "安置")],
    )
    res = run(cli, ["ledger", "-L", loc, "add", str(c)])
    assert res.exit_code == 1 and "refused" in res.output and "A-001" in res.output
    accepted = acceptance_checked(tmp_path / "acc", "A-001", *grid_plots(0), accepted="2022-04-28")
    res = run(cli, ["ledger", "-L", loc, "quota", "A-001", "--record", "generated", "--area", "1",
                    "--unit", "mu", "--date", "2022-04-28"])  # fmt: skip
    assert res.exit_code == 2 and "refused" in res.output
    res = run(cli, ["ledger", "-L", loc, "status", "A-001", "--set", "accepted", "--date",
                    "2022-04-28"])  # fmt: skip
    assert res.exit_code == 2 and "ledger accept" in res.output
    for args in (
        ["status", "A-001", "CJ001", "CJ002", "--set", "demolished", "--date", "2022-03-10"],
        ["status", "A-001", "CJ001", "--set", "reclaimed", "--date", "2022-04-05"],
        ["status", "A-001", "JX001", "--set", "built", "--date", "2022-04-20"],
        ["accept", str(accepted)],
        ["status", "A-001", "--set", "filed", "--date", "2022-05-16"],
        [
            "quota",
            "A-001",
            "--record",
            "traded",
            "--area",
            "600",
            "--date",
            "2022-05-20",
            "--counterpart",
            "成都市",
            "--price",
            "180000",
        ],
    ):
        res = run(cli, ["ledger", "-L", loc, *args])
        assert res.exit_code == 0, res.output
    res = run(
        cli,
        [
            "ledger",
            "-L",
            loc,
            "status",
            "A-001",
            "CJ001",
            "--set",
            "demolished",
            "--date",
            "2022-06-01",
        ],
    )
    assert res.exit_code == 2 and "only move forward" in res.output
    res = run(cli, ["ledger", "-L", loc, "quota", "A-001"])
    generated = 3 * geod_area(square(0, 0, 40)) - geod_area(square(0, 200, 30))
    shown = [ln for ln in res.output.splitlines() if "surplus generated" in ln][0]
    assert float(shown.split()[-1]) == pytest.approx(generated, abs=0.011)
    assert "600.00" in res.output  # 600 m² traded
    res = run(
        cli,
        [
            "ledger",
            "-L",
            loc,
            "report",
            "--month",
            "2022-04",
            "--xlsx",
            str(tmp_path / "r.xlsx"),
            "--lang",
            "en",
        ],
    )
    assert res.exit_code == 0, res.output
    lines = {ln.split()[0]: ln.split() for ln in res.output.splitlines() if ln.strip()}
    # April: CJ001 reclaimed (1600 m²), then all three accepted on 04-28 — an accepted plot has
    # been reclaimed (and demolished); CJ001 and CJ002 were demolished in March
    assert lines["reclaimed"][1] == "3" and float(lines["reclaimed"][2]) == pytest.approx(
        4800, rel=3e-3
    )
    assert lines["demolition_accepted"][1] == "3"
    assert lines["demolished"][1] == "1" and float(lines["demolished"][5]) == pytest.approx(
        4800, rel=3e-3
    )
    assert float(lines["resettlement_built"][2]) == pytest.approx(900, rel=3e-3)
    # 10 working days after Thu 2022-04-28: 04-29, (04-30..05-04 May Day off), 05-05, 05-06,
    # Sat 05-07 (working), 05-09 … 05-13, 05-16
    assert "2022-05-16" in res.output
    res = run(
        cli,
        [
            "ledger",
            "-L",
            loc,
            "export",
            "-o",
            str(tmp_path / "out.gpkg"),
            "--xlsx",
            str(tmp_path / "out.xlsx"),
        ],
    )
    assert res.exit_code == 0, res.output
    layers = {str(n) for n in pyogrio.list_layers(str(tmp_path / "out.gpkg"))[:, 0]}
    assert {
        "demolition_ledger",
        "resettlement_ledger",
        "urban_ledger",
        "status_history",
        "quota_events",
    } <= layers
    demo = pyogrio.read_dataframe(str(tmp_path / "out.gpkg"), layer="demolition_ledger").set_index(
        "plot_id"
    )
    # every plot passed ACC001 and ACC004 of the acceptance check: all accepted
    assert set(demo["ll_state"]) == {"accepted"}
    res = run(cli, ["ledger", "-L", loc, "list"])
    assert "A-001" in res.output and "C-001" not in res.output and "filed" in res.output


def test_ledger_cli_hides_passwords():
    res = CliRunner().invoke(
        cli, ["ledger", "-L", "postgresql://clerk:s3cret-pw@127.0.0.1:1/county", "list"]
    )
    assert res.exit_code == 2 and "s3cret-pw" not in res.output and "cannot connect" in res.output
