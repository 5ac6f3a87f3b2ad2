"""Hand-written tests for the CRS and geometry rules (CRS001–CRS004, GEOM001–GEOM003, GEOM006)
and for messages in both languages."""

from __future__ import annotations

import pytest
import shapely

from landlink_gis.run.runner import check
from tests.support.geoms import BOWTIE, X0, Y0, square
from tests.support.helpers import frame, write_project


def _rule(result, rid):
    return result.findings[result.findings["rule_id"] == rid].reset_index(drop=True)


def test_crs001_missing_crs_and_crs003_prefix(tmp_path):
    dem = frame([{"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 20)}], crs=None)
    with pytest.warns(UserWarning, match="crs"):
        path = write_project(
            tmp_path, {"demolition": dem}, project={"crs": "EPSG:4545"}, fmt="gpkg"
        )
    res = check(path, rules=["CRS"], lang="en")
    crs001 = _rule(res, "CRS001")
    assert (
        len(crs001) == 1
        and crs001.loc[0, "layer"] == "demolition"
        and crs001.loc[0, "severity"] == "error"
    )
    assert _rule(res, "CRS003").empty and _rule(res, "CRS002").empty

    # easting 900 km: 400 km from the zone's false easting 500 000 (a 3° zone reaches ±~170 km)
    shifted = frame(
        [
            {
                "DKBH": "D1",
                "DLBM": "0702",
                "geometry": shapely.affinity.translate(square(0, 0, 20), 518_000),
            }
        ]
    )
    path = write_project(tmp_path / "b", {"demolition": shifted}, fmt="gpkg")
    crs003 = _rule(check(path, rules=["CRS003"], lang="en"), "CRS003")
    assert (
        len(crs003) == 1 and "far from the zone's false easting 500000" in crs003.loc[0, "message"]
    )
    path = write_project(
        tmp_path / "c",
        {"demolition": frame([{"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 20)}])},
        fmt="gpkg",
    )
    assert _rule(check(path, rules=["CRS003"]), "CRS003").empty


def test_crs002_and_crs004_wgs84_reference_layer(tmp_path):
    dem = frame([{"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 20)}])
    comp = frame([{"DKBH": "B1", "geometry": square(10, 10, 20)}]).to_crs("EPSG:4326")
    path = write_project(tmp_path, {"demolition": dem, "compensation": comp}, fmt="gpkg")
    res = check(path, rules=["CRS", "OVL001"], lang="en")
    assert _rule(res, "CRS002")["layer"].tolist() == ["compensation"]
    assert "WGS 84" in _rule(res, "CRS002").loc[0, "message"]
    crs004 = _rule(res, "CRS004")
    assert crs004["layer"].tolist() == ["compensation"] and crs004.loc[0, "severity"] == "info"
    # reprojected, the 10 m × 10 m overlap is still found (ellipsoidal ≈ 100 m²)
    assert abs(_rule(res, "OVL001").loc[0, "measured"] - 100.0) < 0.1


def test_geom001_002_003_006(tmp_path):
    two_parts = shapely.MultiPolygon([square(200, 0, 10), square(220, 0, 10)])
    dup = shapely.Polygon(
        [(X0 + 300, Y0), (X0 + 320, Y0), (X0 + 320, Y0), (X0 + 320, Y0 + 20), (X0 + 300, Y0 + 20)]
    )
    dem = frame(
        [
            {"DKBH": "D1", "DLBM": "0702", "geometry": BOWTIE},
            {"DKBH": "D2", "DLBM": "0702", "geometry": None},
            {
                "DKBH": "D3",
                "DLBM": "0702",
                "geometry": shapely.LineString([(X0 + 100, Y0), (X0 + 120, Y0)]),
            },
            {"DKBH": "D4", "DLBM": "0702", "geometry": two_parts},
            {"DKBH": "D5", "DLBM": "0702", "geometry": dup},
            {"DKBH": "D6", "DLBM": "0702", "geometry": square(400, 0, 20)},
        ]
    )
    path = write_project(tmp_path, {"demolition": dem}, fmt="gpkg")
    res = check(path, rules=["GEOM001", "GEOM002", "GEOM003", "GEOM006"], lang="en")
    g1 = _rule(res, "GEOM001")
    assert g1["plot_id"].tolist() == ["D1"] and "Self-intersection" in g1.loc[0, "message"]
    assert shapely.equals_exact(g1.loc[0, "geometry"], shapely.Point(X0 + 10, Y0 + 10), 1e-6)
    assert _rule(res, "GEOM002")["plot_id"].tolist() == ["D2"]
    g3 = _rule(res, "GEOM003")
    assert g3["plot_id"].tolist() == ["D3"] and "LineString" in g3.loc[0, "message"]
    g6 = _rule(res, "GEOM006").sort_values("plot_id")
    assert g6["plot_id"].tolist() == ["D4", "D5"]
    assert "multipart" in g6.iloc[0]["message"] and "duplicate vertices" in g6.iloc[1]["message"]


def test_messages_name_plot_figure_and_threshold_in_both_languages(tmp_path):
    dem = frame([{"DKBH": "CJ001", "DLBM": "0702", "MJ": 410.0, "geometry": square(0, 0, 20)}])
    path = write_project(
        tmp_path, {"demolition": dem}, project={"area_method": "planar"}, fmt="gpkg"
    )
    zh = _rule(check(path, rules=["ATTR003"], lang="zh"), "ATTR003").loc[0, "message"]
    en = _rule(check(path, rules=["ATTR003"], lang="en"), "ATTR003").loc[0, "message"]
    for text in (zh, en):
        assert "CJ001" in text and "410.00" in text and "10.00" in text and "2.00" in text
    assert "申报面积" in zh and "declared area" in en


def test_chinese_messages_name_layers_in_chinese_and_keep_role_codes(tmp_path):
    """The zh message reads 拆旧地块 D1 …; the layer/other_layer columns stay role codes."""
    from landlink_gis.run.runner import check
    from tests.support.geoms import square
    from tests.support.helpers import frame, write_project

    toml = write_project(
        tmp_path,
        {
            "demolition": frame([{"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 20)}]),
            "compensation": frame([{"XMBH": "B1", "geometry": square(10, 10, 20)}]),
        },
    )
    res = check(toml, rules=["OVL001"], lang="zh")
    row = res.findings.iloc[0]
    assert row["layer"] == "demolition" and row["other_layer"] == "compensation"
    assert row["message"].startswith("拆旧地块 D1 与 占补平衡已用地 B1 重叠")
    en = check(toml, rules=["OVL001"], lang="en").findings.iloc[0]
    assert en["message"].startswith("demolition plot D1 overlaps compensation B1")
