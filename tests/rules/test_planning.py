"""PLAN001–PLAN007 with known answers (hand-drawn rectangles, analytic DEMs) and on the samples.

Expected areas are computed independently of the package: the planar area of a rectangle by
hand, its ellipsoidal area with pyproj's ``Geod`` on the CGCS2000 ellipsoid after densifying.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

from landlink_gis.run.runner import check
from tests.io.test_raster import plane, write_tif
from tests.support import SAMPLES
from tests.support.geoms import CRS, X0, Y0, rect, square
from tests.support.helpers import frame, write_project

GEOD = Geod(a=6378137.0, rf=298.257222101)
TO_GEO = Transformer.from_crs(CRS, "EPSG:4490", always_xy=True)


def geod_area(poly: shapely.Polygon) -> float:
    """Ellipsoidal area by pyproj Geod (the independent second method)."""
    ring = np.asarray(shapely.segmentize(poly, 1.0).exterior.coords)
    lon, lat = TO_GEO.transform(ring[:, 0], ring[:, 1])
    return abs(GEOD.polygon_area_perimeter(lon, lat)[0])


def demolition(*plots):
    return frame([{"DKBH": pid, "DLBM": "0702", "FKDL": "0103", "geometry": g} for pid, g in plots])


def construction(*plots):
    return frame(
        [{"DKBH": pid, "DLBM": "0103", "JXLX": kind, "geometry": g} for pid, kind, g in plots]
    )


def run(tmp_path, layers, rule_ids, *, rasters=None, params=None, lang="zh"):
    layers = {"demolition": demolition(("D0", square(-500, -500, 20))), **layers}
    path = write_project(tmp_path, layers, fmt="gpkg")
    if rasters:
        text = path.read_text(encoding="utf-8")
        for role, file in rasters.items():
            text += f'\n[rasters.{role}]\npath = "{file}"\n'
        path.write_text(text, encoding="utf-8")
    result = check(path, rules=rule_ids, params=params or {}, lang=lang)
    return result.findings


def test_plan001_half_inside_basic_farmland_exact_area(tmp_path):
    plot = square(0, 0, 40)
    farmland = frame([{"BSM": "JBNT1", "geometry": rect(20, -10, 100, 60)}])
    found = run(
        tmp_path,
        {"construction": construction(("C1", "安置", plot)), "basic_farmland": farmland},
        ["PLAN001"],
    )
    assert len(found) == 1
    row = found.iloc[0]
    half = rect(20, 0, 20, 40)
    assert row["measured"] == pytest.approx(geod_area(half), abs=0.01)
    assert row["measured"] == pytest.approx(800.0, rel=2e-3)  # planar 800 m², scale factor ≈ 0.9997
    assert row["severity"] == "error" and row["plot_id"] == "C1" and row["other_id"] == "JBNT1"
    assert row["unit"] == "m2"
    assert row.geometry.equals(half)


def test_plan001_dissolves_overlapping_features_and_ignores_slivers(tmp_path):
    plot = square(0, 0, 40)
    farmland = frame(
        [
            {"BSM": "A", "geometry": rect(0, 0, 30, 10)},
            {"BSM": "B", "geometry": rect(20, 0, 30, 10)},  # overlaps A: 10 × 10 counted once
        ]
    )
    found = run(
        tmp_path,
        {
            "construction": construction(("C1", "城镇", plot), ("C2", "城镇", square(200, 0, 40))),
            "basic_farmland": frame(
                [*farmland.to_dict("records"), {"BSM": "S", "geometry": rect(239.99, 0, 1, 40)}]
            ),
        },
        ["PLAN001"],
    )
    assert list(found["plot_id"]) == ["C1"]  # C2 meets S by 0.01 × 40 = 0.4 m² < 1 m²
    assert found["measured"].iloc[0] == pytest.approx(geod_area(rect(0, 0, 40, 10)), abs=0.01)
    assert found["other_id"].iloc[0] == "A,B"


def test_plan002_ecological_redline(tmp_path):
    redline = frame([{"HXMC": "红线", "BSM": "HX1", "geometry": rect(30, 0, 50, 50)}])
    found = run(
        tmp_path,
        {
            "construction": construction(
                ("C1", "城镇", square(0, 0, 40)), ("C2", "城镇", square(100, 0, 20))
            ),
            "ecological_redline": redline,
        },
        ["PLAN002"],
        lang="en",
    )
    assert list(found["plot_id"]) == ["C1"]
    assert found["measured"].iloc[0] == pytest.approx(geod_area(rect(30, 0, 10, 40)), abs=0.01)
    assert "25.0% of the plot" in found["message"].iloc[0]


def test_plan003_outside_development_boundary_severity_by_kind(tmp_path):
    boundary = frame([{"GNFQ": "城镇集中建设区", "geometry": rect(0, 0, 1000, 30)}])
    plots = construction(
        ("U1", "城镇", square(0, 0, 40)),  # 10 m strip outside: error
        ("R1", "安置", square(100, 0, 40)),  # same, resettlement: warning
        ("U2", "城镇", square(200, 0, 30)),  # inside: nothing
        ("X1", "", square(300, 10, 40)),  # kind unknown: taken as urban
    )
    found = run(tmp_path, {"construction": plots, "development_boundary": boundary}, ["PLAN003"])
    by_plot = found.set_index("plot_id")
    assert set(by_plot.index) == {"U1", "R1", "X1"}
    assert by_plot.loc["U1", "severity"] == "error"
    assert by_plot.loc["R1", "severity"] == "warning"
    assert by_plot.loc["X1", "severity"] == "error"
    assert by_plot.loc["U1", "measured"] == pytest.approx(geod_area(rect(0, 30, 40, 10)), abs=0.01)
    assert by_plot.loc["X1", "measured"] == pytest.approx(
        geod_area(rect(300, 30, 40, 20)), abs=0.01
    )
    assert by_plot.loc["U1"].geometry.equals(rect(0, 30, 40, 10))


def _landuse():
    return frame(
        [
            {"BSM": "1", "DLBM": "0103", "GDDB": 10, "geometry": rect(0, 0, 60, 100)},
            {"BSM": "2", "DLBM": "0702", "CZCSXM": "203", "geometry": rect(60, 0, 200, 100)},
        ]
    )


def test_plan004_demolition_on_farmland_reports_classes(tmp_path):
    plots = demolition(
        ("D1", rect(36, 0, 40, 10)),  # 24 m on 0103, 16 m on 0702 → 40 % construction
        ("D2", rect(48, 20, 40, 10)),  # 12 m on 0103 → 70 % construction: passes at 0.5
        ("D3", rect(100, 0, 20, 20)),  # all 0702
    )
    found = run(tmp_path, {"demolition": plots, "landuse": _landuse()}, ["PLAN004"])
    assert list(found["plot_id"]) == ["D1"]
    row = found.iloc[0]
    assert row["measured"] == pytest.approx(geod_area(rect(36, 0, 24, 10)), abs=0.01)
    assert row["threshold"] == pytest.approx(0.5 * geod_area(rect(36, 0, 40, 10)), abs=0.01)
    assert "0103 旱地" in row["message"] and "0702 农村宅基地" in row["message"]
    assert "40.0%" in row["message"]
    assert row.geometry.equals(rect(36, 0, 24, 10))
    stricter = run(
        tmp_path / "b",
        {"demolition": plots, "landuse": _landuse()},
        ["PLAN004"],
        params={"min_construction_share": 0.8},
    )
    assert sorted(stricter["plot_id"]) == ["D1", "D2"]


def test_plan004_part_without_survey_polygon_counts_as_not_construction(tmp_path):
    plots = demolition(("D1", rect(240, 0, 40, 10)))  # 20 m on 0702, 20 m beyond the layer
    found = run(
        tmp_path,
        {"demolition": plots, "landuse": _landuse()},
        ["PLAN004"],
        params={"min_construction_share": 0.6},
    )
    assert len(found) == 1
    assert "无图斑" in found["message"].iloc[0]
    assert found["measured"].iloc[0] == pytest.approx(geod_area(rect(260, 0, 20, 10)), abs=0.01)


def test_plan005_farmland_occupied_per_construction_plot(tmp_path):
    landuse = frame(
        [
            {"BSM": "1", "DLBM": "0101", "GDDB": 8, "geometry": rect(0, 0, 20, 100)},
            {"BSM": "2", "DLBM": "0103", "GDDB": 12, "geometry": rect(20, 0, 20, 100)},
            {"BSM": "3", "DLBM": "0702", "geometry": rect(40, 0, 100, 100)},
        ]
    )
    plots = construction(("C1", "安置", rect(10, 0, 40, 10)), ("C2", "安置", rect(60, 0, 20, 20)))
    found = run(tmp_path, {"construction": plots, "landuse": landuse}, ["PLAN005"])
    by_plot = found.set_index("plot_id")
    assert set(found["severity"]) == {"info"}
    assert by_plot.loc["C1", "measured"] == pytest.approx(geod_area(rect(10, 0, 30, 10)), abs=0.01)
    assert by_plot.loc["C2", "measured"] == 0.0
    assert f"{geod_area(rect(10, 0, 10, 10)):.2f}" in by_plot.loc["C1", "message"]  # paddy
    assert "10.67" in by_plot.loc["C1", "message"]  # (8·100 + 12·200) / 300


def test_plan006_steep_plot_from_dem(tmp_path):
    gradient = math.tan(math.radians(30.0))
    dem = write_tif(
        tmp_path / "dem.tif", plane(gradient, 0.0, shape=(60, 60)), x0=X0, y0=Y0, nodata=-9999.0
    )
    flat = write_tif(tmp_path / "flat.tif", plane(0.1, 0.0, shape=(60, 60)), x0=X0, y0=Y0)
    plots = demolition(
        ("D1", rect(20, 20, 30, 20)), ("D2", rect(100, 100, 3, 2)), ("D3", rect(2000, 0, 10, 10))
    )
    found = run(tmp_path / "a", {"demolition": plots}, ["PLAN006"], rasters={"dem": dem})
    by_plot = found.set_index("plot_id")
    assert by_plot.loc["D1", "measured"] == pytest.approx(30.0, abs=0.1)
    assert by_plot.loc["D2", "measured"] == pytest.approx(30.0, abs=0.1)  # smaller than a pixel
    # reclaimed to 0103 (cultivated): an error; it adds no cultivated land
    assert by_plot.loc["D1", "severity"] == "error" and by_plot.loc["D1", "unit"] == "deg"
    assert by_plot.loc["D3", "severity"] == "info" and np.isnan(
        by_plot.loc["D3", "measured"]
    )  # off the DEM
    gentle = run(tmp_path / "b", {"demolition": plots[:2]}, ["PLAN006"], rasters={"dem": flat})
    assert len(gentle) == 0
    # a slope raster takes precedence over the DEM
    slope = write_tif(tmp_path / "slope.tif", np.full((60, 60), 26.0), x0=X0, y0=Y0)
    by_raster = run(
        tmp_path / "c",
        {"demolition": plots[:1]},
        ["PLAN006"],
        rasters={"dem": flat, "slope": slope},
    )
    assert by_raster["measured"].iloc[0] == pytest.approx(26.0)


def test_plan006_unreadable_dem_is_an_input_error(tmp_path):
    from landlink_gis.base.errors import DataSourceError

    (tmp_path / "bad.tif").write_text("no raster")
    with pytest.raises(DataSourceError, match="bad.tif"):
        run(tmp_path, {}, ["PLAN006"], rasters={"dem": "bad.tif"})


def test_plan007_outside_the_boundary(tmp_path):
    county = frame([{"XZQDM": "511902", "geometry": rect(-1000, -1000, 1030, 2000)}])
    layers = {
        "demolition": demolition(("D1", square(0, 0, 50)), ("D2", square(-100, 0, 20))),
        "construction": construction(("C1", "城镇", square(20, 100, 20))),
        "boundary": county,
    }
    found = run(tmp_path, layers, ["PLAN007"])
    got = {(r.layer, r.plot_id): r.measured for r in found.itertuples()}
    assert set(got) == {("demolition", "D1"), ("construction", "C1")}
    assert got[("demolition", "D1")] == pytest.approx(geod_area(rect(30, 0, 20, 50)), abs=0.01)
    assert got[("construction", "C1")] == pytest.approx(geod_area(rect(30, 100, 10, 20)), abs=0.01)


def test_missing_layers_are_reported_not_silent(tmp_path):
    found = run(tmp_path, {}, ["PLAN001", "PLAN004", "PLAN006", "PLAN007"])
    assert set(found["rule_id"]) == {"PLAN001", "PLAN004", "PLAN006", "PLAN007"}
    assert set(found["severity"]) == {"info"}


# --- the samples -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo_plan():
    folder = SAMPLES / "bazhong_demo"
    result = check(folder / "project.toml", rules=["PLAN"])
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    return result.findings, expected


@pytest.mark.parametrize(
    ("rule_id", "plot_id", "value", "tol"),
    [
        ("PLAN001", "JX001", 999.66, 0.006),
        ("PLAN002", "JX005", 299.90, 0.006),
        ("PLAN003", "JX006", 799.73, 0.006),
        ("PLAN004", "CJ061", 599.79, 0.006),
        ("PLAN006", "CJ026", 37.24, 1.5),
        ("PLAN007", "CJ038", 199.93, 0.006),
    ],
)
def test_demo_sample_planted_plan_findings(demo_plan, rule_id, plot_id, value, tol):
    found, expected = demo_plan
    exp = next(
        e for e in expected["findings"] if e["rule_id"] == rule_id and e["plot_id"] == plot_id
    )
    assert exp["measured"] == pytest.approx(value)
    rows = found[(found["rule_id"] == rule_id) & (found["severity"] != "info")]
    assert list(rows["plot_id"]) == [plot_id]  # and nothing else fires
    assert rows["measured"].iloc[0] == pytest.approx(value, abs=tol)
    if rule_id == "PLAN004":
        assert "0103" in rows["message"].iloc[0]


def test_demo_sample_plan005_matches_expected(demo_plan):
    found, expected = demo_plan
    rows = found[found["rule_id"] == "PLAN005"].set_index("plot_id")
    for exp in expected["info"]:
        assert rows.loc[exp["plot_id"], "measured"] == pytest.approx(
            exp["cultivated_m2"], abs=0.006
        )
        assert f"{exp['paddy_m2']:.2f}" in rows.loc[exp["plot_id"], "message"]


def test_clean_sample_has_no_plan_problem():
    found = check(SAMPLES / "bazhong_clean" / "project.toml", rules=["PLAN"]).findings
    assert set(found["severity"]) <= {"info"}
    assert set(found["rule_id"]) == {"PLAN005"}


def test_plan005_adds_the_quality_raster_mean(tmp_path):
    grades = np.full((20, 40), 6.0)
    grades[:, 20:] = 10.0
    quality = write_tif(tmp_path / "quality.tif", grades, x0=X0, y0=Y0)
    plots = construction(("C1", "安置", rect(50, 10, 100, 20)))  # 50 m on grade 6, 50 m on grade 10
    found = run(tmp_path / "p", {"construction": plots}, ["PLAN005"], rasters={"quality": quality})
    assert "质量等别栅格均值 8.00" in found["message"].iloc[0]
