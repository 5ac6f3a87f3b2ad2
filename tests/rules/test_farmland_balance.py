"""Farmland under the plots (landuse.py) and the balance sheet, with independently known answers.

Ellipsoidal areas are checked against pyproj's geodesic polygon area on the CGCS2000 ellipsoid
(a second, independent method); planar figures against hand-computed squares.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod, Transformer

from landlink_gis.figures.landuse import farmland_reclaimed, farmland_under, weighted_grade
from landlink_gis.run.runner import check
from tests.support.geoms import CRS as EPSG
from tests.support.geoms import rect, square
from tests.support.helpers import frame, load_ctx, write_project

GEOD = Geod(a=6378137.0, f=1 / 298.257222101)
TO_LONLAT = Transformer.from_crs(CRS.from_user_input(EPSG), CRS.from_epsg(4490), always_xy=True)


def geodesic_area(poly: shapely.Polygon, densify: float = 1.0) -> float:
    """Ellipsoidal area of a projected polygon by pyproj Geod (densified edges, then lon/lat)."""
    dense = shapely.segmentize(poly, densify)
    lon, lat = TO_LONLAT.transform(*np.asarray(dense.exterior.coords).T)
    return abs(GEOD.polygon_area_perimeter(lon, lat)[0])


def _project(tmp_path, *, landuse=True, **facts):
    demolition = frame(
        [
            {"DKBH": "D1", "DLBM": "0702", "FKDL": "0101", "ZLDB": 6, "geometry": square(0, 0, 20)},
            {
                "DKBH": "D2",
                "DLBM": "0702",
                "FKDL": "0103",
                "ZLDB": 12,
                "geometry": rect(30, 0, 20, 10),
            },
            {
                "DKBH": "D3",
                "DLBM": "0702",
                "FKDL": "0301",
                "ZLDB": 3,
                "geometry": square(60, 0, 20),
            },
        ]
    )
    construction = frame(
        [
            {
                "DKBH": "C1",
                "DLBM": "0702",
                "JXLX": "安置",
                "ZLDB": 9,
                "geometry": square(100, 0, 20),
            },
            {
                "DKBH": "C2",
                "DLBM": "0101",
                "JXLX": "城镇",
                "ZLDB": 5,
                "geometry": square(130, 0, 20),
            },
        ]
    )
    layers = {"demolition": demolition, "construction": construction}
    if landuse:
        # C1 lies half on 旱地 (等别 10) and half on 水田 (等别 7); C2 wholly on 村庄 (0702)
        layers["landuse"] = frame(
            [
                {"BSM": "L1", "DLBM": "0103", "GDDB": 10, "geometry": rect(90, -10, 20, 40)},
                {"BSM": "L2", "DLBM": "0101", "GDDB": 7, "geometry": rect(110, -10, 15, 40)},
                {"BSM": "L3", "DLBM": "0702", "GDDB": 0, "geometry": rect(125, -10, 40, 40)},
            ]
        )
    path = write_project(tmp_path, layers, project=facts, fmt="gpkg")
    return check(path, rules=["BAL"]), load_ctx(path)


def test_farmland_from_landuse_overlay_matches_geodesic_area(tmp_path):
    result, ctx = _project(tmp_path)
    occ = farmland_under(ctx, "construction")
    assert list(occ.columns) == [
        "cultivated_m2",
        "paddy_m2",
        "quality_area_product",
        "quality_area_m2",
        "source",
    ]
    assert (occ["source"] == "landuse").all()
    left = geodesic_area(rect(100, 0, 10, 20))
    right = geodesic_area(rect(110, 0, 10, 20))
    assert occ.loc[0, "cultivated_m2"] == pytest.approx(left + right, rel=1e-6)
    assert occ.loc[0, "paddy_m2"] == pytest.approx(right, rel=1e-6)
    assert occ.loc[0, "quality_area_product"] == pytest.approx(10 * left + 7 * right, rel=1e-6)
    assert occ.loc[1, ["cultivated_m2", "paddy_m2", "quality_area_m2"]].tolist() == [0.0, 0.0, 0.0]
    assert weighted_grade(occ) == pytest.approx((10 * left + 7 * right) / (left + right), rel=1e-7)


def test_farmland_declared_without_landuse(tmp_path):
    result, ctx = _project(tmp_path, landuse=False, area_method="planar")
    occ = farmland_under(ctx, "construction")
    assert (occ["source"] == "declared").all()
    assert occ["cultivated_m2"].tolist() == [0.0, 400.0]
    assert occ["paddy_m2"].tolist() == [0.0, 400.0]
    assert occ["quality_area_product"].tolist() == [0.0, 2000.0]
    rec = farmland_reclaimed(ctx)
    # D1 paddy 400 m² of 等别 6, D2 旱地 200 m² of 等别 12, D3 forest (its grade is ignored)
    assert rec["cultivated_m2"].tolist() == [400.0, 200.0, 0.0]
    assert rec["paddy_m2"].tolist() == [400.0, 0.0, 0.0]
    assert weighted_grade(rec) == pytest.approx((6 * 400 + 12 * 200) / 600)


def test_balance_table_per_kind_in_three_units(tmp_path):
    result, _ = _project(tmp_path, landuse=False, area_method="planar", advance_quota_m2=30.0)
    table = result.balance.set_index(["item", "scope"])
    assert table.loc[("demolition_area", "project"), "area_m2"] == 1000.0
    assert table.loc[("construction_area", "resettlement"), "area_m2"] == 400.0
    assert table.loc[("construction_area", "urban"), "area_m2"] == 400.0
    surplus = table.loc[("surplus_quota", "project")]
    assert surplus["area_m2"] == 200.0 and surplus["area_ha"] == 0.02
    assert surplus["area_mu"] == pytest.approx(0.3)
    assert table.loc[("occupied_cultivated", "urban"), "area_m2"] == 400.0
    assert table.loc[("occupied_cultivated", "resettlement"), "area_m2"] == 0.0
    assert table.loc[("occupied_quality", "project"), "grade"] == 5.0
    assert table.loc[("reclaimed_quality", "project"), "grade"] == pytest.approx(8.0)
    assert math.isnan(table.loc[("occupied_quality", "resettlement"), "grade"])
    assert table.loc[("advance_quota", "project"), "area_m2"] == 30.0
    # statuses derived from the rules' findings: 600 reclaimed ≥ 400 occupied; grade 8 worse than 5;
    # paddy 400 ≥ 400
    assert table.loc[("occupied_cultivated", "project"), ["rule_id", "status"]].tolist() == [
        "BAL002",
        "pass",
    ]
    assert table.loc[("occupied_quality", "project"), ["rule_id", "status"]].tolist() == [
        "BAL003",
        "fail",
    ]
    assert table.loc[("occupied_paddy", "project"), ["rule_id", "status"]].tolist() == [
        "BAL004",
        "pass",
    ]
    assert set(result.findings["rule_id"]) == {
        "BAL001",
        "BAL002",
        "BAL003",
        "BAL005",
        "BAL006",
        "BAL007",
        "BAL008",
    }
    # BAL001: only the info that the quota basis is declared (no land-survey layer); BAL002: only
    # the info that no 田坎 coefficient was found for the reclaimed land; BAL007: no turnover quota
    assert set(
        result.findings.loc[
            result.findings["rule_id"].isin(["BAL001", "BAL002", "BAL007", "BAL008"]), "severity"
        ]
    ) == {"info"}


def test_balance_with_landuse_ellipsoidal(tmp_path):
    result, _ = _project(tmp_path)
    table = result.balance.set_index(["item", "scope"])
    c1 = geodesic_area(square(100, 0, 20))
    assert table.loc[("occupied_cultivated", "resettlement"), "area_m2"] == pytest.approx(
        c1, rel=1e-6
    )
    assert table.loc[("occupied_cultivated", "urban"), "area_m2"] == 0.0
    assert table.loc[("reclaimed_paddy", "project"), "area_m2"] == pytest.approx(
        geodesic_area(square(0, 0, 20)), rel=1e-6
    )
    assert "三调" in table.loc[("occupied_paddy", "project"), "label_zh"]
