"""What reclamation adds (figures/landuse/reclaim.py): 田坎 on reclaimed land, steep plots, newly
added cultivated land — against hand-worked coefficients and pyproj's geodesic areas.

Ellipsoidal areas are checked against pyproj's ``Geod`` polygon area on the CGCS2000 ellipsoid (a
second, independent method); coefficients are worked out by hand from rectangles.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely
from pyproj import CRS, Geod, Transformer

from landlink_gis.run.runner import check
from tests.io.test_raster import PIXEL, write_tif
from tests.support.geoms import CRS as EPSG
from tests.support.geoms import X0, Y0, rect, square
from tests.support.helpers import frame, write_project

GEOD = Geod(a=6378137.0, f=1 / 298.257222101)
TO_LONLAT = Transformer.from_crs(CRS.from_user_input(EPSG), CRS.from_epsg(4490), always_xy=True)


def geodesic_area(poly: shapely.Polygon) -> float:
    """Ellipsoidal area by pyproj Geod (densified edges, then lon/lat)."""
    dense = shapely.segmentize(poly, 1.0)
    lon, lat = TO_LONLAT.transform(*np.asarray(dense.exterior.coords).T)
    return abs(GEOD.polygon_area_perimeter(lon, lat)[0])


def _append(path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _dem(path, split_x: float = 100.0):
    """300 m × 300 m DEM: 30° west of ``split_x`` (m east of X0), 10° east of it."""
    cols = rows = 60
    x = (np.arange(cols) + 0.5) * PIXEL
    z = 500.0 + math.tan(math.radians(30.0)) * np.minimum(x, split_x)
    z = z + math.tan(math.radians(10.0)) * np.maximum(x - split_x, 0.0)
    return write_tif(path, np.tile(z, (rows, 1)), x0=X0, y0=Y0)


def _row(pid, geom, fkdl, gdpdjb=None, zldb=None, ttlx=None):
    return {
        "DKBH": pid,
        "DLBM": "0702",
        "FKDL": fkdl,
        "ZLDB": zldb,
        "GDPDJB": gdpdjb,
        "TTLX": ttlx,
        "geometry": geom,
    }


@pytest.fixture(scope="module")
def table_project(tmp_path_factory):
    """Six plots, the county's table ``2 = 0.03, 3 = 0.08, 4 = 0.12, terraced = {3 = 0.06}``.

    D1–D4 on the 10° side (class 3 on the DEM), D5 and D6 on the 30° side:
    D1 GDPDJB 1 → 0 (class 1 not in the table); D2 GDPDJB 3 → 0.08; D3 GDPDJB 3, 梯田 → 0.06;
    D4 no GDPDJB → DEM 10° → class 3 → 0.08; D5 GDPDJB 4 → 0.12 but 30°: adds nothing, PLAN006
    error (to 0103); D6 30°, to 0301 林地: PLAN006 warning, no coefficient.
    """
    tmp = tmp_path_factory.mktemp("tiankan")
    plots = {
        "D1": square(150, 20, 20),
        "D2": rect(150, 60, 30, 20),
        "D3": square(150, 100, 25),
        "D4": rect(200, 20, 20, 40),
        "D5": square(30, 20, 30),
        "D6": square(30, 100, 20),
    }
    demolition = frame(
        [
            _row("D1", plots["D1"], "0103", 1, 8),
            _row("D2", plots["D2"], "0103", 3, 10),
            _row("D3", plots["D3"], "0103", 3, 12, "梯田"),
            _row("D4", plots["D4"], "0103", None, None),
            _row("D5", plots["D5"], "0103", 4, 5),
            _row("D6", plots["D6"], "0301", None, None),
        ]
    )
    construction = frame(
        [{"DKBH": "C1", "DLBM": "0103", "JXLX": "安置", "geometry": square(150, 200, 10)}]
    )
    path = write_project(tmp, {"demolition": demolition, "construction": construction}, fmt="gpkg")
    _dem(tmp / "dem.tif")
    _append(
        path,
        '\n[rasters.dem]\npath = "dem.tif"\n\n[tiankan]\n2 = 0.03\n3 = 0.08\n4 = 0.12\n'
        "terraced = { 3 = 0.06 }\n",
    )
    result = check(path, rules=["BAL", "PLAN006"])
    return result, {k: geodesic_area(g) for k, g in plots.items()}


def test_tiankan_table_by_slope_class_writes_ll_kcxs(table_project):
    result, _ = table_project
    plots = result.plots["demolition"].set_index("DKBH")
    kcxs = plots["ll_kcxs"]
    assert kcxs[["D1", "D2", "D3", "D4", "D5"]].tolist() == [0.0, 0.08, 0.06, 0.08, 0.12]
    assert np.isnan(kcxs["D6"])  # not reclaimed to cultivated land: no coefficient


def test_reclaimed_and_newly_added_net_of_the_table(table_project):
    result, a = table_project
    bal = result.balance.set_index(["item", "scope"])
    reclaimed = a["D1"] + 0.92 * a["D2"] + 0.94 * a["D3"] + 0.92 * a["D4"] + 0.88 * a["D5"]
    newly = a["D1"] + 0.92 * a["D2"] + 0.94 * a["D3"] + 0.92 * a["D4"]  # D5 (30°) adds nothing
    assert bal.loc[("reclaimed_cultivated", "project"), "area_m2"] == pytest.approx(
        reclaimed, abs=0.01
    )
    row = bal.loc[("newly_added_cultivated", "project")]
    assert row["area_m2"] == pytest.approx(newly, abs=0.01)
    assert "新增耕地" in row["label_zh"] and "扣除田坎" in row["label_zh"]
    assert bal.loc[("reclaimed_cultivated", "project"), "basis"] == "declared_tiankan"
    assert bal.loc[("existing_cultivated", "project"), "area_m2"] == 0.0
    grade = (8 * a["D1"] + 10 * 0.92 * a["D2"] + 12 * 0.94 * a["D3"]) / (
        a["D1"] + 0.92 * a["D2"] + 0.94 * a["D3"]
    )
    assert bal.loc[("newly_added_quality", "project"), "grade"] == pytest.approx(grade, abs=1e-4)
    # the table covered every reclaimed plot: no info about a survey mean; 100 m² occupied passes
    bal002 = result.findings[result.findings["rule_id"] == "BAL002"]
    assert bal002.empty, bal002["message"].tolist()


def test_steep_plot_plan006_error_when_reclaimed_to_cultivated(table_project):
    result, _ = table_project
    found = result.findings[result.findings["rule_id"] == "PLAN006"].set_index("plot_id")
    assert set(found.index) == {"D5", "D6"}
    assert found.loc["D5", "severity"] == "error" and found.loc["D6", "severity"] == "warning"
    assert found.loc["D5", "measured"] == pytest.approx(30.0, abs=0.1)
    assert "不计入新增耕地" in found.loc["D5", "message"]


@pytest.fixture(scope="module")
def survey_project(tmp_path_factory):
    """No table: the survey's mean KCXS of 0103 within 100 m of the plots.

    D1 (20 m square) lies half on L1 (0702) and half on L2 (0103, KCXS 0.1, 800 m²); L3 (0103,
    KCXS 0.2, 1200 m²) is 82 m from D1; L4 (0103, KCXS 0.5) is read (inside the L-shaped D2's
    envelope) but 160 m from every plot. Mean: (0.1 × 800 + 0.2 × 1200) / 2000 = 0.16.
    """
    tmp = tmp_path_factory.mktemp("survey_mean")
    d1 = square(0, 0, 20)
    d2 = shapely.union(rect(0, 500, 400, 20), rect(380, 100, 20, 420))
    demolition = frame(
        [
            {"DKBH": "D1", "DLBM": "0702", "FKDL": "0103", "ZLDB": 9, "geometry": d1},
            {"DKBH": "D2", "DLBM": "0702", "FKDL": "0301", "ZLDB": None, "geometry": d2},
        ]
    )
    construction = frame(
        [{"DKBH": "C1", "DLBM": "0702", "JXLX": "安置", "geometry": square(0, -200, 10)}]
    )
    landuse = frame(
        [
            {"BSM": "L1", "DLBM": "0702", "KCXS": None, "geometry": rect(-10, -10, 20, 40)},
            {"BSM": "L2", "DLBM": "0103", "KCXS": 0.1, "geometry": rect(10, -10, 20, 40)},
            {"BSM": "L3", "DLBM": "0103", "KCXS": 0.2, "geometry": rect(40, 100, 30, 40)},
            {"BSM": "L4", "DLBM": "0103", "KCXS": 0.5, "geometry": rect(200, 200, 20, 20)},
        ]
    )
    path = write_project(
        tmp,
        {"demolition": demolition, "construction": construction, "landuse": landuse},
        fmt="gpkg",
    )
    return check(path, rules=["BAL"]), d1


def test_survey_mean_kcxs_area_weighted_within_100_m(survey_project):
    result, _ = survey_project
    plots = result.plots["demolition"].set_index("DKBH")
    assert plots.loc["D1", "ll_kcxs"] == pytest.approx(0.16, abs=1e-9)
    info = result.findings[result.findings["rule_id"] == "BAL002"]
    assert list(info["severity"]) == ["info"]
    assert "[tiankan]" in info["message"].iloc[0] and "D1 0.1600" in info["message"].iloc[0]


def test_newly_added_is_reclaimed_minus_the_farmland_already_there(survey_project):
    result, d1 = survey_project
    bal = result.balance.set_index(["item", "scope"])
    east = geodesic_area(rect(10, 0, 10, 20))  # the half of D1 on 旱地 (KCXS 0.1)
    reclaimed = 0.84 * geodesic_area(d1)
    assert bal.loc[("reclaimed_cultivated", "project"), "area_m2"] == pytest.approx(
        reclaimed, abs=0.01
    )
    assert bal.loc[("existing_cultivated", "project"), "area_m2"] == pytest.approx(
        0.9 * east, abs=0.01
    )
    assert bal.loc[("newly_added_cultivated", "project"), "area_m2"] == pytest.approx(
        reclaimed - 0.9 * east, abs=0.01
    )
    assert bal.loc[("newly_added_paddy", "project"), "area_m2"] == 0.0
    assert bal.loc[("newly_added_quality", "project"), "grade"] == pytest.approx(9.0)


def test_the_table_used_is_recorded_in_run_info(table_project, survey_project):
    result, _ = table_project
    assert result.run_info["facts"]["tiankan"] == {
        "2": 0.03,
        "3": 0.08,
        "4": 0.12,
        "terraced": {"3": 0.06},
    }
    assert survey_project[0].run_info["facts"]["tiankan"] is None
