"""Tests of the coordinate exchange TXT (坐标交换格式) reader and writer."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import CRS
from shapely.geometry import MultiPolygon, Polygon

from landlink_gis.base.errors import DataSourceError, InputError
from landlink_gis.io.coordtxt import (
    ATTRIBUTE_COLUMNS,
    read_coordtxt,
    read_coordtxt_notes,
    write_coordtxt,
)

HEADER = """[属性描述]
格式版本号=1.01版本
数据产生单位=巴州区自然资源局
数据产生日期=2019-05-06
坐标系=2000国家大地坐标系
几度分带=3
投影类型=高斯克吕格
计量单位=米
带号=36
精度=0.001
转换参数=,,,,,,
"""
# Plot 1: 100 m square with a 20 m square hole (closed rings); plot 2: 50 m x 40 m, ring not closed.
PLOTS = """[地块坐标]
10,0.9600,CJ-001,拆旧地块一,面,H48G001001,拆旧,0702,@
J1,1,3530000.000,36500000.000
J2,1,3530000.000,36500100.000
J3,1,3529900.000,36500100.000
J4,1,3529900.000,36500000.000
J1,1,3530000.000,36500000.000
J5,2,3529960.000,36500040.000
J6,2,3529960.000,36500060.000
J7,2,3529940.000,36500060.000
J8,2,3529940.000,36500040.000
J5,2,3529960.000,36500040.000
4,0.2000,CJ-002,拆旧地块二,面,,拆旧,0602,@
J1,1,3531000.125,36501000.250
J2,1,3531000.125,36501050.250
J3,1,3530960.125,36501050.250
J4,1,3530960.125,36501000.250
"""
SAMPLE = HEADER + PLOTS
FIELDS = dict(id_field="DKBH", name_field="DKMC", use_field="DKYT", class_field="DLBM",
              area_field_ha="MJ_HA", sheet_field="TFH")  # fmt: skip


def write_text(tmp_path: Path, text: str, encoding: str = "gbk", name: str = "plots.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    return write_text(tmp_path, SAMPLE)


def test_read_known_plots(sample):
    gdf, notes = read_coordtxt_notes(sample)
    assert list(gdf.columns) == [*ATTRIBUTE_COLUMNS, "geometry"]
    assert gdf.crs.to_epsg() == 4524  # zone 36 with prefix = 4488 + 36
    assert gdf["DKBH"].tolist() == ["CJ-001", "CJ-002"]
    assert gdf["DKMC"].tolist() == ["拆旧地块一", "拆旧地块二"]
    assert gdf["DLBM"].tolist() == ["0702", "0602"]
    assert gdf["TFH"].tolist() == ["H48G001001", None]
    assert gdf["TXSX"].tolist() == ["面", "面"]
    assert gdf["JZDS"].tolist() == [10, 4]
    assert gdf["MJ_HA"].tolist() == [0.96, 0.2]
    first, second = gdf.geometry
    assert isinstance(first, Polygon) and len(first.interiors) == 1
    # x = easting (file Y), y = northing (file X)
    assert first.exterior.coords[0] == (36500000.0, 3530000.0)
    assert first.interiors[0].coords[0] == (36500040.0, 3529960.0)
    assert first.area == pytest.approx(9600.0)
    assert second.area == pytest.approx(2000.0)
    ring = list(second.exterior.coords)
    assert len(ring) == 5 and ring[0] == ring[-1] == (36501000.25, 3531000.125)  # closed
    assert np.allclose(gdf.geometry.area / 1e4, gdf["MJ_HA"])
    assert notes.header["数据产生单位"] == "巴州区自然资源局"
    assert notes.header["转换参数"] == ",,,,,,"
    info = notes.details
    assert info["encoding"] == "GBK" and info["zone_prefix"] and not info["swapped_xy"]
    assert (info["zone"], info["zone_width"], info["epsg"]) == (36, 3, 4524)


def test_round_trip_keeps_coordinates_attributes_and_area(sample, tmp_path):
    first, first_notes = read_coordtxt_notes(sample)
    out = tmp_path / "out.txt"
    write_coordtxt(first, out, header=first_notes.header, **FIELDS)
    second, second_notes = read_coordtxt_notes(out)
    assert second.crs == first.crs
    assert second.geometry.geom_equals_exact(first.geometry, tolerance=0).all()
    for col in ["MJ_HA", "DKBH", "DKMC", "TXSX", "TFH", "DKYT", "DLBM"]:
        assert second[col].tolist() == first[col].tolist(), col
    # 界址点数 counts the written lines: the unclosed ring gained its closing point
    assert second["JZDS"].tolist() == [10, 5]
    assert second_notes.header == first_notes.header
    text = out.read_bytes().decode("gbk")
    assert "\r\n" in text and text.startswith("[属性描述]\r\n格式版本号=1.01版本")
    assert "J5,2,3529960.000,36500040.000\r\nJ6,2" in text  # numbering continues over rings
    assert "J1,1,3531000.125,36501000.250\r\n" in text.split("CJ-002")[1]  # restarts per plot
    # and a second round trip writes the same bytes
    again = tmp_path / "again.txt"
    write_coordtxt(second, again, header=first_notes.header, **FIELDS)
    assert again.read_bytes() == out.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.txt", "out.txt", "plots.txt"]


def random_plots(seed: int = 1, n: int = 20) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    geoms = []
    for i in range(n):
        cx, cy = np.round(
            [400_000 + rng.uniform(0, 150_000), 3_500_000 + rng.uniform(0, 90_000)], 3
        )
        angles = np.sort(rng.uniform(0, 2 * np.pi, 7))
        radius = rng.uniform(20, 80, 7)
        shell = np.round(
            np.column_stack([cx + radius * np.cos(angles), cy + radius * np.sin(angles)]), 3
        )
        poly = Polygon(shell)
        if i % 3 == 0:
            poly = MultiPolygon([poly, shapely.box(cx + 200, cy, cx + 230.5, cy + 40.25)])
        geoms.append(poly)
    return gpd.GeoDataFrame(
        {"DKBH": [f"P{i:03d}" for i in range(n)], "DKMC": [f"地块{i}" for i in range(n)],
         "DLBM": ["0702"] * n, "ZLDB": np.arange(n) % 15 + 1},
        geometry=geoms, crs="EPSG:4545",
    )  # fmt: skip


@pytest.mark.parametrize(("zone_prefix", "epsg"), [(True, 4524), (False, 4545)])
def test_round_trip_from_projected_layer(tmp_path, zone_prefix, epsg):
    gdf = random_plots()
    out = tmp_path / "plots.txt"
    write_coordtxt(gdf, out, id_field="DKBH", name_field="DKMC", class_field="DLBM",
                   extra_fields=["ZLDB"], zone_prefix=zone_prefix)  # fmt: skip
    back, notes = read_coordtxt_notes(out)
    assert back.crs.to_epsg() == epsg
    assert notes.details["extra_columns"] == ["EXTRA_1"]
    assert back["EXTRA_1"].astype(int).tolist() == gdf["ZLDB"].tolist()
    assert back["DKMC"].tolist() == gdf["DKMC"].tolist()
    assert back.geom_type.tolist() == gdf.geom_type.tolist()
    restored = back.to_crs(4545)
    # the writer starts each ring at its north-west-most point, clockwise: compare normalised
    # (to the millimetre the file holds, so that reprojection noise picks the same start)
    a = shapely.get_coordinates(
        shapely.normalize(shapely.set_precision(restored.geometry.values, 1e-3))
    )
    b = shapely.get_coordinates(shapely.normalize(gdf.geometry.to_numpy()))
    assert a.shape == b.shape and np.abs(a - b).max() < 1e-6
    # 地块面积 defaults to the planar area in hectares, to 4 decimals
    assert np.allclose(back["MJ_HA"], np.round(gdf.area / 1e4, 4), atol=1e-9)


def test_multipart_and_island_in_hole(tmp_path):
    text = (
        HEADER
        + """[地块坐标]
16,1.0000,M1,,面,,,0702,@
J1,1,3530000,36500000
J2,1,3530000,36500100
J3,1,3529900,36500100
J4,1,3529900,36500000
J5,2,3529950,36500200
J6,2,3529950,36500210
J7,2,3529940,36500210
J8,2,3529940,36500200
J9,3,3529980,36500020
J10,3,3529980,36500080
J11,3,3529920,36500080
J12,3,3529920,36500020
J13,4,3529960,36500040
J14,4,3529960,36500060
J15,4,3529940,36500060
J16,4,3529940,36500040
"""
    )
    gdf = read_coordtxt(write_text(tmp_path, text))
    geom = gdf.geometry.iloc[0]
    assert isinstance(geom, MultiPolygon) and len(geom.geoms) == 3
    outer, far, island = geom.geoms
    assert len(outer.interiors) == 1 and outer.area == pytest.approx(10000 - 3600)
    assert far.area == pytest.approx(100) and island.area == pytest.approx(400)
    assert gdf["JZDS"].iloc[0] == 16  # counted without closing points: no warning either way


def test_repeated_ring_number_after_closing_starts_a_new_ring(tmp_path):
    text = (
        HEADER
        + """[地块坐标]
10,0.9600,R1,,面,,,0702,@
J1,1,3530000,36500000
J2,1,3530000,36500100
J3,1,3529900,36500100
J4,1,3529900,36500000
J1,1,3530000,36500000
J5,1,3529960,36500040
J6,1,3529960,36500060
J7,1,3529940,36500060
J8,1,3529940,36500040
J5,1,3529960,36500040
"""
    )
    geom = read_coordtxt(write_text(tmp_path, text)).geometry.iloc[0]
    assert isinstance(geom, Polygon) and len(geom.interiors) == 1
    assert geom.area == pytest.approx(9600)


@pytest.mark.parametrize("bom", [False, True])
def test_utf8_file(tmp_path, bom):
    path = write_text(tmp_path, ("\ufeff" if bom else "") + SAMPLE, encoding="utf-8")
    gdf, notes = read_coordtxt_notes(path)
    assert notes.details["encoding"] == "UTF-8"
    assert gdf["DKMC"].tolist() == ["拆旧地块一", "拆旧地块二"]
    assert gdf.geometry.area.sum() == pytest.approx(11600)


def test_explicit_encoding(sample, tmp_path):
    assert read_coordtxt(sample, encoding="GBK")["DKMC"].iloc[0] == "拆旧地块一"
    with pytest.raises(DataSourceError, match=r"line 1: the text is not valid utf-8"):
        read_coordtxt(sample, encoding="utf-8")


def test_swapped_xy(tmp_path, sample):
    lines = []
    for line in SAMPLE.splitlines():
        parts = line.split(",")
        if len(parts) == 4 and parts[0].startswith("J"):
            parts[2], parts[3] = parts[3], parts[2]
        lines.append(",".join(parts))
    gdf, notes = read_coordtxt_notes(write_text(tmp_path, "\n".join(lines), name="swapped.txt"))
    assert notes.details["swapped_xy"] is True
    assert gdf.crs.to_epsg() == 4524
    assert gdf.geometry.geom_equals_exact(read_coordtxt(sample).geometry, 0).all()


def strip_prefix(text: str) -> str:
    return text.replace(",36500", ",500").replace(",36501", ",501")


@pytest.mark.parametrize(
    ("header_changes", "epsg"),
    [
        ({}, 4545),  # prefix-less Y, 带号 36 → CM 108°E
        ({"带号=36": "带号=108"}, 4545),  # some producers write the central meridian
        ({"几度分带=3": "几度分带=6", "带号=36": "带号=18"}, 4507),  # 6° zone 18, CM 105°E
        ({"坐标系=2000国家大地坐标系": "坐标系=1980西安坐标系"}, 2381),
        ({"坐标系=2000国家大地坐标系": "坐标系=1954北京坐标系"}, 2433),
    ],
)
def test_crs_from_header_without_prefix(tmp_path, header_changes, epsg):
    text = strip_prefix(SAMPLE)
    for old, new in header_changes.items():
        text = text.replace(old, new)
    gdf, notes = read_coordtxt_notes(write_text(tmp_path, text))
    assert gdf.crs.to_epsg() == epsg
    assert not notes.details["zone_prefix"]
    name = CRS.from_epsg(epsg).name
    assert ("CM 108E" in name) if epsg != 4507 else ("CM 105E" in name)
    assert gdf.geometry.iloc[0].exterior.coords[0] == (500000.0, 3530000.0)


def test_no_zone_information_gives_no_crs(tmp_path, caplog):
    text = strip_prefix(SAMPLE).replace("带号=36", "带号=")
    with caplog.at_level(logging.WARNING, logger="landlink_gis.io.coordtxt"):
        gdf = read_coordtxt(write_text(tmp_path, text))
    assert gdf.crs is None
    assert "no CRS set" in caplog.text


def test_point_count_mismatch_is_recorded_and_plot_kept(tmp_path, caplog):
    text = SAMPLE.replace("10,0.9600,CJ-001", "7,0.9600,CJ-001").replace(
        "4,0.2000,CJ-002", "6,0.2000,CJ-002"
    )
    with caplog.at_level(logging.WARNING, logger="landlink_gis.io.coordtxt"):
        gdf, notes = read_coordtxt_notes(write_text(tmp_path, text))
    assert "line 13: 界址点数 7 but 10 coordinate lines" in caplog.text
    assert list(notes.read_problems) == [
        {"position": 0, "code": "point_count", "declared": 7, "found": 10, "line": 13},
        {"position": 1, "code": "point_count", "declared": 6, "found": 4, "line": 24},
    ]
    # nothing dropped or fixed: both plots with the geometry read and the declared count
    assert gdf["JZDS"].tolist() == [7, 6] and gdf["DKBH"].tolist() == ["CJ-001", "CJ-002"]
    assert gdf.geometry.area.tolist() == pytest.approx([100 * 100 - 20 * 20, 50 * 40])


@pytest.mark.parametrize(("declared", "problem"), [(10, False), (8, False), (9, True), (11, True)])
def test_point_count_with_or_without_closing_points(tmp_path, declared, problem):
    # plot 1 has 10 lines, of which 2 repeat their ring's first point: 10 and 8 are both right
    text = SAMPLE.replace("10,0.9600,CJ-001", f"{declared},0.9600,CJ-001")
    gdf, notes = read_coordtxt_notes(write_text(tmp_path, text))
    expected = [
        {"position": 0, "code": "point_count", "declared": declared, "found": 10, "line": 13}
    ]
    assert list(notes.read_problems) == (expected if problem else [])


def test_area_is_in_hectares_and_unclosed_rings_are_recorded(sample):
    gdf, notes = read_coordtxt_notes(sample)
    assert notes.area_units == {"MJ_HA": "hm2"}
    assert notes.read_problems == ()
    # hand-computed: (100 m × 100 m − 20 m × 20 m) / 10 000 = 0.96 hm², 50 m × 40 m = 0.2 hm²
    assert gdf["MJ_HA"].tolist() == [0.96, 0.2]
    assert (gdf.geometry.area / 10_000).tolist() == pytest.approx([0.96, 0.2])
    assert notes.details["unclosed_rings"] == [1]  # CJ-002's ring is not closed in the file


def test_extra_columns_of_the_compensation_variant(tmp_path):
    text = SAMPLE.replace("0702,@", "0702,12.5,6,@").replace("0602,@", "0602,3.0,@")
    gdf = read_coordtxt(write_text(tmp_path, text))
    assert gdf["EXTRA_1"].tolist() == ["12.5", "3.0"]
    assert gdf["EXTRA_2"].tolist() == ["6", None]


MALFORMED = [
    ("J3,1,3529900.000,36500100.000", "J3,1,3529900.000", 16, "has 3 fields"),
    ("J3,1,3529900.000,36500100.000", "J3,1,3529900.abc,36500100.000", 16, "are not numbers"),
    ("J6,2,3529960.000", "J6,x,3529960.000", 20, "圈号 'x'"),
    ("10,0.9600,CJ-001,拆旧地块一,面,H48G001001,拆旧,0702,@", "10,0.9600,CJ-001,@", 13, "3 fields before '@'"),
    ("10,0.9600,CJ-001", "ten,0.9600,CJ-001", 13, "JZDS value 'ten'"),
    ("10,0.9600,CJ-001", "10,0.96英亩,CJ-001", 13, "MJ_HA value '0.96英亩'"),  # unknown unit
    ("J7,2,3529940.000,36500060.000\nJ8,2,3529940.000,36500040.000\nJ5,2,3529960.000,36500040.000\n",
     "", 19, "ring (圈号 2) has 2 distinct points"),
    ("[地块坐标]\n", "[地块坐标]\nJ0,1,1,1\n", 13, "before the first plot line"),
    ("4,0.2000,CJ-002", "0,0,X,,面,,,0101,@\n4,0.2000,CJ-002", 24, "plot has no coordinate lines"),
    ("J1,1,3531000.125", "J1,1,3531000.125,36501000.250\n0,0,X,,面,,,0101,@\nJ1,1,3531000.125", 25,
     "ring (圈号 1) has 1 distinct points"),
    ("J2,1,3530000.000,36500100.000", "J2,1,3530000.000,500100.000", 15, "some Y values carry the zone prefix"),
    ("J2,1,3530000.000,36500100.000", "J2,1,3530000.000,37500100.000", 15, "zone prefix 37 differs"),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "line", "message"), MALFORMED)
def test_malformed_lines_name_file_and_line(tmp_path, old, new, line, message):
    assert old in SAMPLE
    path = write_text(tmp_path, SAMPLE.replace(old, new, 1))
    with pytest.raises(DataSourceError) as info:
        read_coordtxt(path)
    text = str(info.value)
    assert str(path) in text and f"line {line}:" in text and message in text
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (HEADER, r"no \[地块坐标\] section"),
        (HEADER + "[地块坐标]\n", "holds no plot"),
        ("hello\n" + SAMPLE, "line 1: text before"),
        (
            PLOTS.replace("J4,1,3530960.125,36501000.250\n", "J4,1,3530960.125,36501000.250\n\n"),
            None,
        ),
    ],
)
def test_structure_errors(tmp_path, text, message):
    path = write_text(tmp_path, text)
    if message is None:  # no header, blank lines: still readable (CRS from the prefix)
        assert read_coordtxt(path).crs.to_epsg() == 4524
        return
    with pytest.raises(DataSourceError, match=message):
        read_coordtxt(path)


def test_missing_file(tmp_path):
    with pytest.raises(DataSourceError, match="cannot read"):
        read_coordtxt(tmp_path / "nope.txt")


def test_write_computed_area_and_header(tmp_path):
    gdf = gpd.GeoDataFrame({"id": [1, 2]}, geometry=[shapely.box(500000, 3530000, 500100, 3530050),
                                                    shapely.box(500200, 3530000, 500233.3, 3530030)],
                           crs="EPSG:4545")  # fmt: skip
    out = tmp_path / "a.txt"
    write_coordtxt(gdf, out, id_field="id", header={"数据产生单位": "某局", "数据产生日期": "2024-01-02"},
                   precision=2)  # fmt: skip
    text = out.read_bytes().decode("gbk")
    assert "数据产生单位=某局\r\n数据产生日期=2024-01-02\r\n" in text
    assert "带号=36\r\n" in text and "几度分带=3\r\n" in text and "精度=0.01\r\n" in text
    assert "\r\n5,0.5000,1,,面,,,,@\r\n" in text
    assert "\r\n5,0.0999,2,,面,,,,@\r\n" in text
    assert ",3530000.00,36500000.00\r\n" in text


def test_write_replaces_existing_file(sample, tmp_path):
    gdf = read_coordtxt(sample)
    out = tmp_path / "existing.txt"
    out.write_text("old")
    write_coordtxt(gdf.iloc[:1], out, id_field="DKBH")
    assert read_coordtxt(out)["DKBH"].tolist() == ["CJ-001"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["existing.txt", "plots.txt"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda g: g.assign(DKMC=["a,b", "c"]), "commas"),
        (lambda g: g.assign(DKMC=["\U0001f600", "c"]), "cannot encode"),
        (lambda g: g.set_crs(None, allow_override=True), "no CRS"),
        (lambda g: g.to_crs(4490), "not a Gauss-Kr"),
        (
            lambda g: g.set_geometry([Polygon(), g.geometry.iloc[1]], crs=g.crs),
            "no polygon geometry",
        ),
        (
            lambda g: g.set_geometry([shapely.Point(0, 0), g.geometry.iloc[1]], crs=g.crs),
            "'CJ-001'",
        ),
        (lambda g: g.drop(columns="DKMC"), "no column DKMC"),
    ],
)
def test_write_errors(sample, tmp_path, change, message):
    gdf = change(read_coordtxt(sample))
    out = tmp_path / "bad.txt"
    with pytest.raises(InputError, match=message):
        write_coordtxt(gdf, out, id_field="DKBH", name_field="DKMC")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plots.txt"]


def test_write_utf8_on_request(sample, tmp_path):
    gdf = read_coordtxt(sample).assign(DKMC=["𠀀地块", "b"])
    out = tmp_path / "u.txt"
    write_coordtxt(gdf, out, id_field="DKBH", name_field="DKMC", encoding="utf-8")
    assert read_coordtxt(out)["DKMC"].tolist() == ["𠀀地块", "b"]
