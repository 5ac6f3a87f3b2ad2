"""BAL008's ``landuse_change`` table: figures by hand, and where it is written (GeoPackage, xlsx,
HTML)."""

from __future__ import annotations

import pyogrio
import pytest
from openpyxl import load_workbook

import landlink_gis as ll
from landlink_gis.outputs.html import render_html
from landlink_gis.outputs.xlsx import write_xlsx
from landlink_gis.run.runner import check
from tests.support.geoms import rect, square
from tests.support.helpers import frame, write_project


def _checked(tmp_path, layers):
    """BAL008 alone on a planar-area project of ``layers``."""
    path = write_project(tmp_path, layers, project={"area_method": "planar"}, fmt="gpkg")
    return check(path, rules=["BAL008"])


@pytest.fixture
def result(tmp_path):
    # planar areas: D1 20×20 half on 0702 of 甲村, half on 0103 of 乙村 (survey ZLDWMC), reclaimed
    # to
    # 0103;
    # C1 10×10 on 0101 of 乙村, a resettlement plot, becomes homesteads (0702)
    demolition = frame(
        [
            {
                "DKBH": "D1",
                "DLBM": "0702",
                "FKDL": "0103",
                "QSDWMC": "申报村",
                "geometry": square(0, 0, 20),
            }
        ]
    )
    construction = frame(
        [{"DKBH": "C1", "DLBM": "0101", "JXLX": "安置", "geometry": square(100, 0, 10)}]
    )
    landuse = frame(
        [
            {"BSM": "L1", "DLBM": "0702", "ZLDWMC": "甲村", "geometry": rect(-10, -10, 20, 40)},
            {"BSM": "L2", "DLBM": "0103", "ZLDWMC": "乙村", "geometry": rect(10, -10, 20, 40)},
            {"BSM": "L3", "DLBM": "0101", "ZLDWMC": "乙村", "geometry": rect(90, -10, 40, 40)},
        ]
    )
    return _checked(
        tmp_path, {"demolition": demolition, "construction": construction, "landuse": landuse}
    )


def test_table_per_village_and_class(result):
    t = result.extra_layers["landuse_change"]
    key = t.set_index(["side", "village", "land_class"]).sort_index()
    assert key.loc[("demolition", "甲村", "0702"), ["before_m2", "after_m2"]].tolist() == [
        200.0,
        0.0,
    ]
    assert key.loc[("demolition", "甲村", "0103"), ["before_m2", "after_m2"]].tolist() == [
        0.0,
        200.0,
    ]
    assert key.loc[
        ("demolition", "乙村", "0103"), ["before_m2", "after_m2", "change_m2"]
    ].tolist() == [200.0, 200.0, 0.0]
    assert key.loc[("construction", "乙村", "0101"), "change_m2"] == -100.0
    assert key.loc[("construction", "乙村", "0702"), "change_m2"] == 100.0
    assert key.loc[("construction", "乙村", "0702"), "change_mu"] == pytest.approx(0.15)
    assert key.loc[("construction", "乙村", "0702"), "change_ha"] == pytest.approx(0.01)
    assert key.loc[("construction", "乙村", "0702"), "class_name"] == "农村宅基地"
    assert ("construction", "乙村", "20") not in key.index
    subtotal = t[(t["class_name"] == "小计") & (t["side"] == "demolition")].set_index("village")
    assert subtotal.loc["甲村", ["before_m2", "after_m2"]].tolist() == [200.0, 200.0]
    total = key.loc[("total", "")]
    assert total.loc["0103", "change_m2"] == 200.0
    # the village's 0702: −200 (reclaimed homesteads) + 100 (resettlement homesteads)
    assert total.loc["0101", "change_m2"] == -100.0
    assert total.loc["0702", "change_m2"] == -200.0 + 100.0


def test_written_to_gpkg_xlsx_and_html(result, tmp_path):
    out = ll.write_gpkg(result, tmp_path / "out.gpkg")
    table = pyogrio.read_dataframe(out, layer="landuse_change", read_geometry=False)
    assert len(table) == len(result.extra_layers["landuse_change"])
    xlsx = write_xlsx(result, tmp_path / "out.xlsx")
    assert "土地利用结构调整表" in load_workbook(xlsx).sheetnames  # a Chinese sheet name under zh
    xlsx_en = write_xlsx(result, tmp_path / "out_en.xlsx", lang="en")
    assert "landuse_change" in load_workbook(xlsx_en).sheetnames
    html = render_html(result, lang="zh")
    assert "id='landuse-change-table'" in html and "土地利用结构调整表" in html


def test_urban_plots_become_the_construction_group(tmp_path):
    """An urban plot's use is not stated in a plan: its land becomes 20 城镇村及工矿用地; a
    resettlement plot beside it becomes 0702 农村宅基地 (planar 10 m squares: 100 m² each)."""
    construction = frame(
        [
            {"DKBH": "C1", "DLBM": "0103", "JXLX": "安置", "geometry": square(100, 0, 10)},
            {"DKBH": "C2", "DLBM": "0103", "JXLX": "城镇", "geometry": square(200, 0, 10)},
        ]
    )
    demolition = frame(
        [{"DKBH": "D1", "DLBM": "0702", "FKDL": "0103", "geometry": square(0, 0, 20)}]
    )
    t = _checked(tmp_path, {"demolition": demolition, "construction": construction}).extra_layers[
        "landuse_change"
    ]
    cons = t[(t["side"] == "construction") & (t["class_name"] != "小计")]
    got = dict(zip(cons["land_class"], cons["change_m2"], strict=True))
    assert got == {"0103": -200.0, "0702": 100.0, "20": 100.0}


def test_village_is_the_first_filled_of_seat_survey_owner_and_plot_owner(tmp_path):
    # D1 20×20: its left half on L1 (坐落 blank, survey owner 丙村), its right half on L2 (neither
    # filled: the plot's own owner 申报村); D2 10×10 on L3 (坐落 丁村, owner 戊村: 坐落 wins)
    demolition = frame(
        [
            {
                "DKBH": "D1",
                "DLBM": "0702",
                "FKDL": "0103",
                "QSDWMC": "申报村",
                "geometry": square(0, 0, 20),
            },
            {
                "DKBH": "D2",
                "DLBM": "0702",
                "FKDL": "0101",
                "QSDWMC": " ",
                "geometry": square(200, 0, 10),
            },
        ]
    )
    landuse = frame(
        [
            {
                "BSM": "L1",
                "DLBM": "0702",
                "ZLDWMC": " ",
                "QSDWMC": "丙村",
                "geometry": rect(-10, -10, 20, 40),
            },
            {
                "BSM": "L2",
                "DLBM": "0103",
                "ZLDWMC": None,
                "QSDWMC": "",
                "geometry": rect(10, -10, 20, 40),
            },
            {
                "BSM": "L3",
                "DLBM": "0702",
                "ZLDWMC": "丁村",
                "QSDWMC": "戊村",
                "geometry": rect(190, -10, 40, 40),
            },
        ]
    )
    t = _checked(tmp_path, {"demolition": demolition, "landuse": landuse}).extra_layers[
        "landuse_change"
    ]
    key = t[t["side"] == "demolition"].set_index(["village", "land_class"]).sort_index()
    rows = {
        (v, c): (b, a)
        for (v, c), b, a in zip(key.index, key["before_m2"], key["after_m2"], strict=True)
        if v and c  # villages' class rows (not the subtotals and totals)
    }
    assert rows == {
        ("丙村", "0702"): (200.0, 0.0),
        ("丙村", "0103"): (0.0, 200.0),
        ("申报村", "0103"): (200.0, 200.0),
        ("丁村", "0702"): (100.0, 0.0),
        ("丁村", "0101"): (0.0, 100.0),
    }
