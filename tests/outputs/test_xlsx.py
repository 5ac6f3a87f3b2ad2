"""The Excel summary: sheets, Chinese headers, number formats, values equal to the result."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from landlink_gis.base.errors import OutputError
from landlink_gis.outputs.xlsx import FORMAT_HA, FORMAT_M2, FORMAT_MU, write_xlsx
from landlink_gis.run.runner import check
from tests.support.small_project import build_small_project

SECRET = "s3cr3t-pw"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return check(build_small_project(tmp_path_factory.mktemp("small")))


@pytest.fixture(scope="module")
def workbook(result, tmp_path_factory):
    result.run_info["inputs"]["ledger"] = {
        "source": f"postgresql://u:{SECRET}@h/db",
        "sha256": None,
    }
    try:
        path = write_xlsx(result, tmp_path_factory.mktemp("x") / "summary.xlsx")
    finally:
        del result.run_info["inputs"]["ledger"]
    return path, load_workbook(path)


def rows(ws):
    header = [c.value for c in ws[1]]
    return header, [
        dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)
    ]


def test_sheets_and_chinese_headers(workbook):
    _, wb = workbook
    assert wb.sheetnames[:3] == ["面积平衡", "检查问题", "地块"] and wb.sheetnames[-1] == "运行信息"
    header, _ = rows(wb["面积平衡"])
    assert header[:5] == [
        "项目 (item)",
        "范围 (scope)",
        "面积（平方米 m²）",
        "面积（公顷）",
        "面积（亩）",
    ]
    assert "严重程度 (severity)" in rows(wb["检查问题"])[0]
    assert "椭球面积（亩）" in rows(wb["地块"])[0]


def test_balance_values_and_unit_conversions(workbook, result):
    _, wb = workbook
    ws = wb["面积平衡"]
    _, data = rows(ws)
    assert len(data) == len(result.balance)
    first = data[0]
    assert first["项目 (item)"] == "拆旧地块面积"
    assert first["面积（平方米 m²）"] == pytest.approx(result.balance["area_m2"].iloc[0])
    # 1 公顷 = 10 000 m²; 1 亩 = 10 000/15 m²
    assert first["面积（公顷）"] == pytest.approx(first["面积（平方米 m²）"] / 10_000, abs=1e-6)
    assert first["面积（亩）"] == pytest.approx(first["面积（平方米 m²）"] * 15 / 10_000, abs=1e-4)
    # the three areas of 50 m + 40 m squares + the bow-tie's two 100 m² triangles ≈ 4300 m²
    # (ellipsoidal ≈ planar)
    assert first["面积（平方米 m²）"] == pytest.approx(2500 + 1600 + 200, rel=2e-3)
    assert (
        ws["C2"].number_format == FORMAT_M2
        and ws["D2"].number_format == FORMAT_HA
        and ws["E2"].number_format == FORMAT_MU
    )
    statuses = {r["规则 (rule)"]: r["结论 (status)"] for r in data if r["规则 (rule)"]}
    assert statuses.get("BAL001") == "通过"


def test_findings_sheet_matches_result(workbook, result):
    _, wb = workbook
    _, data = rows(wb["检查问题"])
    assert len(data) == len(result.findings)
    assert {r["编号 (finding_id)"] for r in data} == set(result.findings["finding_id"])
    sev = [r["严重程度 (severity)"] for r in data]
    assert sev == sorted(sev, key=["错误", "警告", "提示"].index)  # errors first
    ovl = next(r for r in data if r["规则 (rule_id)"] == "OVL002")
    assert (ovl["地块编号 (plot_id)"], ovl["相关要素 (other_id)"]) == ("D1", "C1")
    assert ovl["实测值 (measured)"] == pytest.approx(400, rel=2e-3)  # 20 m × 20 m overlap


def test_plots_sheet(workbook):
    _, wb = workbook
    ws = wb["地块"]
    header, data = rows(ws)
    assert [r["地块编号 (plot_id)"] for r in data] == ["D1", "D2", "D3", "C1", "C2"]
    by_id = {r["地块编号 (plot_id)"]: r for r in data}
    assert (
        by_id["D1"]["检查结论 (ll_status)"] == "错误"
        and "OVL002" in by_id["D1"]["问题规则 (ll_rule_ids)"]
    )
    assert by_id["C2"]["检查结论 (ll_status)"] == "通过"
    assert by_id["C2"]["平面面积（平方米 m²）"] == pytest.approx(900.0, abs=1e-3)
    assert by_id["C2"]["椭球面积（亩）"] == pytest.approx(
        by_id["C2"]["椭球面积（平方米 m²）"] / 666.6667, rel=1e-6
    )
    col = header.index("椭球面积（公顷）") + 1
    assert ws.cell(row=2, column=col).number_format == FORMAT_HA


def test_no_password_in_workbook(workbook):
    path, wb = workbook
    values = [
        str(c) for ws in wb for row in ws.iter_rows(values_only=True) for c in row if c is not None
    ]
    assert not any(SECRET in v for v in values)
    assert any("postgresql://u:***@h/db" in v for v in values)


def test_refuses_wrong_suffix(result, tmp_path):
    with pytest.raises(OutputError, match=r"\.xlsx"):
        write_xlsx(result, tmp_path / "summary.csv")
    assert not (tmp_path / "summary.csv").exists()
