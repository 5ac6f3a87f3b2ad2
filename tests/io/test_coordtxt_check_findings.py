"""A coordinate TXT input to ``landlink check`` whose 地块面积 or 带号 is wrong is a finding there.

The 带号 against the zone prefix is the content check of ``package --verify``
(:func:`landlink_gis.io.coordtxt.content.zone_problems`), kept by the reader as a read problem and
reported by CRS003; a wrong 地块面积 (公顷, converted on loading) is ATTR003's declared-area
check. Each bad file is the good one changed in exactly one way.
"""

from __future__ import annotations

import geopandas as gpd
import pytest

from landlink_gis.io.coordtxt import read_coordtxt_notes, write_coordtxt
from landlink_gis.run.runner import check
from tests.support.geoms import CRS, square


def _project(tmp_path, change: tuple[str, str] | None):
    plots = gpd.GeoDataFrame(
        {"DKBH": ["T1", "T2"], "DLBM": ["0702", "0702"], "HA": [0.16, 0.09]},
        geometry=[square(0.0, 0.0, 40.0), square(100.0, 0.0, 30.0)],
        crs=CRS,
    )
    txt = tmp_path / "demolition.txt"
    write_coordtxt(plots, txt, id_field="DKBH", class_field="DLBM", area_field_ha="HA")
    if change is not None:
        text = txt.read_bytes().decode("gbk")
        assert text.count(change[0]) == 1
        txt.write_bytes(text.replace(*change).encode("gbk"))
    toml = tmp_path / "project.toml"
    toml.write_text(
        '[project]\nname = "TXT"\ncode = "T-1"\nprofile = "national"\ncrs = "' + CRS + '"\n'
        '[layers.demolition]\npath = "demolition.txt"\nid = "DKBH"\n',
        encoding="utf-8",
    )
    return toml


CASES = [
    pytest.param(None, {}, id="good"),
    pytest.param(
        ("带号=36", "带号=37"),
        {("CRS003", ""): "坐标交换文件属性描述的带号 37 与坐标 Y 的带号前缀 36 不符"},
        id="zone",
    ),
    # 0.16 公顷 written as 8.0000 (50 ×): ATTR003 names the plot
    pytest.param((",0.1600,", ",8.0000,"), {("ATTR003", "T1"): ""}, id="area"),
]


@pytest.mark.parametrize(("change", "expected"), CASES)
def test_wrong_header_or_area_is_a_finding(tmp_path, change, expected):
    result = check(_project(tmp_path, change), rules=["CRS003", "ATTR003"])
    f = result.findings
    found = {(r, p): m for r, p, m in zip(f["rule_id"], f["plot_id"], f["message"], strict=True)}
    assert set(found) == set(expected)
    for key, text in expected.items():
        assert text in found[key]


def test_reader_records_the_zone_mismatch(tmp_path):
    toml = _project(tmp_path, ("带号=36", "带号=37"))
    frame, notes = read_coordtxt_notes(toml.parent / "demolition.txt")
    assert frame.crs.to_epsg() == 4524  # the coordinates' zone wins, as before
    assert [(p["code"], p["declared"], p["found"]) for p in notes.read_problems] == [
        ("zone", 37, 36)
    ]
