"""The workbook as a reviewer prints and reads it: page set-up, wrapped texts, Chinese words,
empty unknown areas.

The page set-up is read back from the written file with openpyxl (what Excel and LibreOffice
read): A4 landscape, one page wide and as many pages down as needed, the header row repeated on
every page, the header frozen, long texts wrapped instead of cut at the column edge.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from landlink_gis.outputs.xlsx import write_xlsx
from landlink_gis.run.runner import check
from tests.support.geoms import square
from tests.support.helpers import frame, write_project
from tests.support.small_project import build_small_project

ASCII_WORD = re.compile(r"[A-Za-z]")


@pytest.fixture(scope="module")
def workbook(tmp_path_factory):
    folder = tmp_path_factory.mktemp("print")
    layers = {
        "demolition": frame(
            [
                {"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 50)},
                {"DKBH": "D2", "DLBM": "0702", "geometry": None},  # its area cannot be computed
            ]
        ),
        "construction": frame(
            [{"DKBH": "C1", "DLBM": "0103", "JXLX": "安置", "geometry": square(300, 0, 30)}]
        ),
        "compensation": frame([{"DKBH": "K1", "geometry": square(10, 10, 10)}]),
    }
    facts = {"profile": "sichuan", "poverty_county": True, "county": "巴州区"}
    result = check(write_project(folder, layers, project=facts, fmt="gpkg"), lang="zh")
    path = write_xlsx(result, folder / "summary.xlsx")
    return result, load_workbook(path)


def _table(ws) -> list[dict]:
    header = [c.value for c in ws[1]]
    return [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]


def test_every_sheet_prints_landscape_one_page_wide_with_titles(workbook):
    _, wb = workbook
    assert len(wb.worksheets) >= 4
    for ws in wb.worksheets:
        setup = ws.page_setup
        assert (setup.orientation, int(setup.paperSize)) == ("landscape", 9), ws.title  # 9 = A4
        assert (int(setup.fitToWidth), int(setup.fitToHeight)) == (1, 0), ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage is True
        assert ws.print_title_rows in ("1:1", "$1:$1"), ws.print_title_rows
        assert ws.freeze_panes == "A2"
        assert "&P" in ws.oddFooter.center.text and "&N" in ws.oddFooter.center.text


def test_long_texts_wrap_in_their_cells(workbook):
    _, wb = workbook
    ws = wb["检查问题"]
    header = [c.value for c in ws[1]]
    for name in ("说明 (message)", "依据 (reference)"):
        col = header.index(name) + 1
        cells = [row[0] for row in ws.iter_rows(min_row=2, min_col=col, max_col=col)]
        assert cells and all(c.alignment.wrap_text and c.alignment.vertical == "top" for c in cells)
        width = ws.column_dimensions[ws.cell(row=1, column=col).column_letter].width
        assert 30 <= width <= 60
        # some texts are longer than the column is wide: wrapped onto more lines, not cut at the
        # edge
        assert max(len(str(c.value or "")) for c in cells) > width


def test_reviewer_words_are_chinese(workbook):
    result, wb = workbook
    findings = _table(wb["检查问题"])
    assert findings and all(not ASCII_WORD.search(r["图层 (layer)"] or "") for r in findings)
    assert all(not ASCII_WORD.search(r["相关图层 (other_layer)"] or "") for r in findings)
    assert {r["相关图层 (other_layer)"] for r in findings if r["规则 (rule_id)"] == "OVL001"} == {
        "占补平衡已用地"
    }
    assert {r["单位 (unit)"] for r in findings if r["规则 (rule_id)"] == "OVL001"} == {"m²"}
    plots = _table(wb["地块"])
    assert {r["图层 (layer)"] for r in plots} == {"拆旧地块", "建新地块"}
    assert {r["建新类型 (kind)"] for r in plots if r["地块编号 (plot_id)"] == "C1"} == {"安置"}
    info = {r["代码 (key)"]: r for r in _table(wb["运行信息"])}
    assert (
        info["profile"]["项目 (item)"] == "省级规则" and info["profile"]["值 (value)"] == "四川省"
    )
    assert info["language"]["值 (value)"] == "中文"
    assert "贫困县 是" in info["facts"]["值 (value)"]
    assert info["input.compensation"]["项目 (item)"] == "输入数据：占补平衡已用地"
    # times: Beijing time, converted here through the time-zone database as a second method
    started = dt.datetime.fromisoformat(result.run_info["started"]).astimezone(
        ZoneInfo("Asia/Shanghai")
    )
    assert info["started"]["值 (value)"] == started.strftime("%Y-%m-%d %H:%M:%S") + "（北京时间）"
    # every label of the run information is Chinese (parameter names and rule IDs are codes, in the
    # values)
    assert all(not ASCII_WORD.search(r["项目 (item)"]) for r in info.values()), [
        r["项目 (item)"] for r in info.values()
    ]


def test_unknown_area_is_empty_never_zero(workbook):
    _, wb = workbook
    plots = {r["地块编号 (plot_id)"]: r for r in _table(wb["地块"])}
    for column in (
        "椭球面积（平方米 m²）",
        "椭球面积（公顷）",
        "椭球面积（亩）",
        "平面面积（平方米 m²）",
    ):
        assert plots["D2"][column] is None
    assert plots["D1"]["平面面积（平方米 m²）"] == pytest.approx(2500.0, abs=1e-3)
    balance = _table(wb["面积平衡"])
    by_key = {r["代码 (key)"]: r for r in balance if not r["范围 (scope)"]}
    for key in ("demolition_area", "surplus_quota"):  # the sum without D2, marked with the reason
        assert by_key[key]["说明 (note)"] == "仅供参考：不含面积无法计算的地块 D2"
        assert by_key[key]["面积（平方米 m²）"] is not None
    # every figure not checked says why
    assert all(r["说明 (note)"] for r in balance if r["结论 (status)"] == "未检查")


def test_english_workbook_keeps_english_sheet_names(tmp_path):
    result = check(build_small_project(tmp_path / "p"), lang="en")
    wb = load_workbook(write_xlsx(result, tmp_path / "en.xlsx"))
    assert wb.sheetnames[:3] == ["balance", "findings", "plots"] and wb.sheetnames[-1] == "run_info"
    info = {r["代码 (key)"]: r["值 (value)"] for r in _table(wb["run_info"])}
    assert info["profile"] == "national" and info["started"].endswith("(UTC+8, Beijing time)")
