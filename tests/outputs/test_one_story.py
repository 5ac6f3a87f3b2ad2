"""One story across the outputs, read from what each real client shows.

Demolition D1 (50 m square) and D2 (no geometry: its area cannot be computed), construction C1
(30 m square). Every figure that needs D2 is the sum without it — D1's 2,500 m² (planar; the
ellipsoidal area is within 2 m²) — marked 仅供参考 with D2 named. A missing demolition plot can only add to
the basis and the surplus (DOMAIN §4b partial knowledge), so BAL005 is decided from the known
plots: 通过.
The printed summary (the CLI's text), the HTML report as Chromium's DOM has it, the workbook's
balance sheet as LibreOffice shows its cells (CSV export of the shown values) and the GeoPackage's
``balance`` table give the same value, mark and reason. The land-use structure table uses the
same words in the workbook and the report; a project without a name never shows empty brackets.
"""

from __future__ import annotations

import csv
import re
import subprocess
from html import unescape

import pyogrio
import pytest
from openpyxl import load_workbook

import landlink_gis as ll
from landlink_gis.outputs.html import render_html, write_html
from landlink_gis.outputs.summary import summary_text
from landlink_gis.outputs.xlsx import write_xlsx
from landlink_gis.run.runner import check
from tests.outputs.test_report_html import run_chromium
from tests.support.geoms import square
from tests.support.helpers import frame, write_project
from tests.support.pdf import program
from tests.support.small_project import build_small_project

REASON = "仅供参考：不含面积无法计算的地块 D2"


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    folder = tmp_path_factory.mktemp("story")
    layers = {
        "demolition": frame(
            [
                {"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 50)},
                {"DKBH": "D2", "DLBM": "0702", "geometry": None},
            ]
        ),
        "construction": frame([{"DKBH": "C1", "DLBM": "0103", "geometry": square(300, 0, 30)}]),
    }
    result = check(write_project(folder / "p", layers, fmt="gpkg"), lang="zh")
    return folder, result


def _number(text: str) -> float:
    return float(re.search(r"[\d,]+\.\d+", text).group(0).replace(",", ""))


def _summary(result) -> dict[str, str]:
    lines = summary_text(result, lang="zh").splitlines()
    return {
        "demolition_area": next(x for x in lines if x.strip().startswith("拆旧地块面积:")),
        "surplus_quota": next(x for x in lines if x.strip().startswith("节余指标:")),
    }


def _html_rows(folder, result) -> dict[str, list[str]]:
    page = write_html(result, folder / "report.html")
    dom, console = run_chromium(page, folder, "--dump-dom")
    assert console == []
    rows = {}
    for item in ("demolition_area", "surplus_quota"):
        row = re.search(rf'<tr data-item="{item}">(.*?)</tr>', dom, re.S).group(1)
        rows[item] = [
            unescape(re.sub(r"<[^>]+>", "", c))
            for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
    return rows


def _xlsx_rows(folder, result) -> dict[str, dict[str, str]]:
    book = write_xlsx(result, folder / "summary.xlsx")
    soffice = program("soffice", "libreoffice-calc-nogui")
    subprocess.run(
        [
            soffice,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={(folder / 'lo').resolve().as_uri()}",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,76,1",  # UTF-8; the first sheet: 面积平衡
            "--outdir",
            str(folder),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    with open(folder / "summary.csv", encoding="utf-8") as fh:
        table = list(csv.DictReader(fh))
    return {
        r["代码 (key)"]: r for r in table if r["代码 (key)"] in ("demolition_area", "surplus_quota")
    }


def test_not_checked_figures_tell_one_story(story):
    folder, result = story
    summary = _summary(result)
    html = _html_rows(folder, result)
    xlsx = _xlsx_rows(folder, result)
    gpkg = pyogrio.read_dataframe(ll.write_gpkg(result, folder / "out.gpkg"), layer="balance")
    gpkg = gpkg[gpkg["scope"].isin(["project", ""])].set_index("item")
    for item in ("demolition_area", "surplus_quota"):
        values = {
            "summary": _number(summary[item]),
            "html": _number(html[item][2]),
            "xlsx": _number(xlsx[item]["面积（平方米 m²）"]),
            "gpkg": round(float(gpkg.loc[item, "area_m2"]), 2),
        }
        assert len(set(values.values())) == 1, (item, values)
        reasons = {
            "summary": REASON in summary[item],
            "html": html[item][8] == REASON,
            "xlsx": xlsx[item]["说明 (note)"] == REASON,
            "gpkg": gpkg.loc[item, "note"] == REASON,
        }
        assert all(reasons.values()), (item, reasons, html[item], xlsx[item])
    assert _number(summary["demolition_area"]) == pytest.approx(2500, abs=2)
    # the mark: BAL005 通过 in every output (the GeoPackage keeps the code), decided although D2 is
    # unknown, with the same 仅供参考 reason
    assert "BAL005 通过" in summary["surplus_quota"]
    assert html["surplus_quota"][6:8] == ["BAL005", "通过"]
    assert (xlsx["surplus_quota"]["规则 (rule)"], xlsx["surplus_quota"]["结论 (status)"]) == (
        "BAL005",
        "通过",
    )
    assert gpkg.loc["surplus_quota", "status"] == "pass"


def test_landuse_change_uses_the_reports_words(tmp_path):
    result = check(build_small_project(tmp_path / "p"), lang="zh")
    page = render_html(result)
    table = re.search(r"<table id='landuse-change-table'>(.*?)</table>", page, re.S).group(1)
    html_heads = re.findall(r"<th>(.*?)</th>", table)
    html_sides = {
        re.findall(r"<td>(.*?)</td>", r)[0] for r in re.findall(r"<tr>(.*?)</tr>", table)[1:]
    }
    wb = load_workbook(write_xlsx(result, tmp_path / "s.xlsx"))
    ws = wb["土地利用结构调整表"]
    heads = [c.value for c in ws[1]]
    sides = {r[0] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert set(html_heads) <= set(heads)
    assert sides == html_sides and sides <= {"拆旧区", "建新区", "项目区合计"}
    villages = {r[1] for r in ws.iter_rows(min_row=2, values_only=True)}
    assert "全部" in villages and None not in villages


def test_unnamed_project_never_shows_empty_brackets(tmp_path):
    layers = {"demolition": frame([{"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 50)}])}
    result = check(
        write_project(
            tmp_path, layers, project={"name": "", "code": ""}, rules={"select": ["GEOM001"]}
        ),
        lang="zh",
    )
    text = summary_text(result, lang="zh").splitlines()
    assert text[0].startswith("结论：")  # the verdict comes first, then the project line
    first = next(line for line in text if line.startswith("项目区"))
    assert first.startswith("项目区: 未填写 — ") and "()" not in first and "（）" not in first
    page = render_html(result)
    assert (
        "<h1>增减挂钩项目区检查报告：未填写</h1>" in page
        and "<title>增减挂钩项目区检查报告 — 未填写</title>" in page
    )
    wb = load_workbook(write_xlsx(result, tmp_path / "s.xlsx"))
    assert all(ws.oddHeader.center.text.startswith("未填写 — ") for ws in wb.worksheets)
