"""The ledger's monthly report and export read in Chinese under zh (the default): sheet names,
column headers, figures, states and yes/no; the codes stay in the stored tables and under en."""

from __future__ import annotations

import re

import pandas as pd
from click.testing import CliRunner
from openpyxl import load_workbook

from landlink_gis.cli.main import cli
from landlink_gis.ledger.report import labelled
from tests.ledger.ledger_fixtures import acceptance_checked, grid_plots, grid_project


def test_labelled_translates_words_and_headers_only_under_zh():
    frame = pd.DataFrame(
        {"figure": ["reclaimed"], "plots": [1], "month_m2": [1600.0], "filed_in_time": [True]}
    )
    zh = labelled(frame, "zh")
    assert list(zh.columns) == ["指标", "本月地块数", "本月面积（m²）", "按时报备"]
    assert zh.iloc[0].tolist() == ["拆旧地块已复垦", 1, 1600.0, "是"]
    assert labelled(frame, "en").equals(frame)
    assert frame["figure"].iloc[0] == "reclaimed"  # the input is not changed


def test_report_and_export_in_chinese(tmp_path):
    run = CliRunner().invoke
    loc = str(tmp_path / "county.gpkg")
    assert run(cli, ["ledger", "init", loc, "--crs", "EPSG:4545"]).exit_code == 0
    assert run(cli, ["ledger", "-L", loc, "add", str(grid_project(tmp_path / "a", "A-001", 0))])
    # the acceptance comes from the acceptance check (`ledger accept`), filed in time
    accepted = acceptance_checked(
        tmp_path / "aa",
        "A-001",
        *grid_plots(0),
        accepted="2022-04-28",
        facts={"filed": "2022-05-06"},
    )
    for args in (
        ["status", "A-001", "CJ001", "--set", "reclaimed", "--date", "2022-04-05"],
        ["accept", str(accepted)],
    ):
        res = run(cli, ["ledger", "-L", loc, *args])
        assert res.exit_code == 0, res.output
    out = tmp_path / "m.xlsx"
    res = run(cli, ["ledger", "-L", loc, "report", "--month", "2022-04", "--xlsx", str(out)])
    assert res.exit_code == 0, res.output
    assert "增减挂钩月度进展报表 2022-04" in res.output
    assert "拆旧地块已复垦" in res.output and "报备期限（验收后10个工作日）" in res.output
    # no English figure code or column name is printed (paths aside)
    printed = res.output.replace(loc, "")
    for word in ("reclaimed", "cumulative", "filing_deadline", "month_m2", "none"):
        assert word not in printed, word
    wb = load_workbook(out)
    assert wb.sheetnames == ["月度进展", "本月验收项目"]
    header = [c.value for c in wb["月度进展"][1]]
    assert header[:3] == ["指标", "本月地块数", "本月面积（m²）"]
    # 10 working days after Thu 2022-04-28 end on 2022-05-16 (May Day holiday, 05-07 worked)
    acc = [c.value for c in wb["本月验收项目"][2]]
    assert acc[0] == "A-001" and "2022-05-16" in acc
    exported = tmp_path / "e.xlsx"
    assert run(cli, ["ledger", "-L", loc, "export", "--xlsx", str(exported)]).exit_code == 0
    names = load_workbook(exported).sheetnames
    assert names == ["拆旧台账", "安置台账", "城镇建新台账", "项目区", "状态记录", "指标台账"]
    for name in names:
        header = [c.value for c in load_workbook(exported)[name][1]]
        assert not [h for h in header if h and re.fullmatch(r"[a-z_0-9]+", str(h))], (name, header)
