"""Variants real exporters write, read with a warning (never refused): 地块面积 written with its unit
(「5.7089公顷」) and the seven-key ``[属性描述]`` header (no 格式版本号, 数据产生单位, 数据产生日期).
Each variant is the known-good hand-written file changed in one way; the control reads without
either warning."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from landlink_gis.io.coordtxt import read_coordtxt_notes
from landlink_gis.io.coordtxt.content import area_with_unit

REAL = Path(__file__).parents[1] / "data" / "coordtxt_real_holes.txt"
SEVEN = "格式版本号=1.01\r\n数据产生单位=巴中市巴州区自然资源局\r\n数据产生日期=2021-06-18\r\n"


def _variant(tmp_path: Path, old: str = "", new: str = "") -> Path:
    text = REAL.read_bytes().decode("gbk")
    if old:
        assert text.count(old) == 1
        text = text.replace(old, new)
    path = tmp_path / "x.txt"
    path.write_bytes(text.encode("gbk"))
    return path


@pytest.mark.parametrize(
    ("old", "new", "areas", "warning"),
    [
        ("", "", [0.78, 0.28, 0.06], None),
        ("10,0.7800,", "10,0.7800公顷,", [0.78, 0.28, 0.06], "written with its unit"),
        (
            "5,0.0600,",
            "5,0.9亩,",
            [0.78, 0.28, 0.06],
            "written with its unit",
        ),  # 0.9 亩 = 0.06 公顷
        (SEVEN, "", [0.78, 0.28, 0.06], "header lacks 格式版本号、数据产生单位、数据产生日期"),
    ],
    ids=["control", "area_unit_hectare", "area_unit_mu", "seven_key_header"],
)
def test_variants_read_with_a_warning(tmp_path, caplog, old, new, areas, warning):
    with caplog.at_level(logging.WARNING, logger="landlink_gis.io.coordtxt"):
        gdf, notes = read_coordtxt_notes(_variant(tmp_path, old, new))
    assert gdf["MJ_HA"].tolist() == pytest.approx(areas)
    assert gdf.crs.to_epsg() == 4524 and notes.read_problems == ()
    messages = [r.getMessage() for r in caplog.records]
    if warning is None:
        assert messages == []
    else:
        assert any(warning in m for m in messages), messages


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5.7089", (5.7089, None)),
        ("5.7089公顷", (5.7089, "公顷")),
        (" 5.7089 公顷 ", (5.7089, "公顷")),
        ("15亩", (1.0, "亩")),
        ("20000平方米", (2.0, "平方米")),
        ("2ha", (2.0, "ha")),
        ("5.7英亩", (None, "英亩")),
        ("约5", (None, None)),
        ("", (None, None)),
    ],
)
def test_area_with_unit(text, expected):
    value, unit = area_with_unit(text)
    assert (value if value is None else pytest.approx(value)) == expected[0]
    assert unit == expected[1]
