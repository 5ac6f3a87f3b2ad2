"""Property tests (hypothesis, fixed budget, derandomised so CI runs are reproducible).

1. The overlap area of two plots is symmetric and never above either plot's area.
2. The area balance does not depend on the order of the plots, nor on splitting a plot in two.
3. The ellipsoidal area agrees with pyproj's geodesic area on the same ellipsoid (a second method).
4. The findings are the same whether the plots come as shapefile, GeoPackage or GeoParquet.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Geod, Transformer
from shapely import affinity

from landlink_gis.engine.area import ellipsoidal_area
from landlink_gis.engine.overlay import overlay_pairs
from landlink_gis.run.runner import check
from tests.support.geoms import CRS, X0, Y0
from tests.support.helpers import write_project

BUDGET = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SMALL_BUDGET = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
GEOD = Geod(a=6378137.0, rf=298.257222101)  # CGCS2000
TO_4490 = Transformer.from_crs(CRS, "EPSG:4490", always_xy=True)

coord = st.floats(min_value=0.0, max_value=2000.0, allow_nan=False, allow_infinity=False)


@st.composite
def polygons(draw, max_points: int = 12, span: float = 2000.0) -> shapely.Polygon:
    """A valid polygon with a non-trivial area: the convex hull of random points in a square."""
    n = draw(st.integers(min_value=3, max_value=max_points))
    pts = draw(st.lists(st.tuples(coord, coord), min_size=n, max_size=n))
    hull = shapely.convex_hull(
        shapely.MultiPoint([(X0 + x * span / 2000, Y0 + y * span / 2000) for x, y in pts])
    )
    if hull.geom_type != "Polygon" or hull.area < 1.0:
        hull = shapely.box(X0, Y0, X0 + 10.0, Y0 + 10.0)
    return hull


@BUDGET
@given(polygons(), polygons())
def test_overlap_symmetric_and_bounded(a: shapely.Polygon, b: shapely.Polygon) -> None:
    ab = overlay_pairs(np.array([a]), np.array([b]), crs=CRS)
    ba = overlay_pairs(np.array([b]), np.array([a]), crs=CRS)
    area_ab = float(ab["area_m2"].sum())
    area_ba = float(ba["area_m2"].sum())
    assert np.isclose(area_ab, area_ba, rtol=1e-9, atol=1e-6)
    area_a, area_b = ellipsoidal_area([a, b], CRS)
    assert area_ab <= min(area_a, area_b) * (1 + 1e-9) + 1e-6


@BUDGET
@given(polygons(max_points=16, span=20_000.0), st.floats(min_value=-60_000.0, max_value=60_000.0))
def test_ellipsoidal_matches_geodesic(poly: shapely.Polygon, shift: float) -> None:
    """Polygons up to 20 km across, anywhere ±60 km from Bazhong in the zone: same area as Geod."""
    poly = affinity.translate(poly, xoff=shift, yoff=shift)
    dense = shapely.segmentize(poly, 10.0)
    x, y = np.asarray(dense.exterior.coords).T
    lon, lat = TO_4490.transform(x, y)
    geodesic = abs(GEOD.polygon_area_perimeter(lon, lat)[0])
    ours = ellipsoidal_area([poly], CRS)[0]
    assert np.isclose(ours, geodesic, rtol=1e-6, atol=1e-3)


# ----------------------------------------------------------------------------- balance
def _plots(sizes: list[float], kinds: str) -> gpd.GeoDataFrame:
    geoms = [
        shapely.box(X0 + 300.0 * i, Y0, X0 + 300.0 * i + s, Y0 + s) for i, s in enumerate(sizes)
    ]
    if kinds == "demolition":
        attrs = {
            "DKBH": [f"CJ{i:03d}" for i in range(len(sizes))],
            "DLBM": ["0702"] * len(sizes),
            "FKDL": ["0103"] * len(sizes),
        }
    else:
        attrs = {
            "DKBH": [f"JX{i:03d}" for i in range(len(sizes))],
            "DLBM": ["0103"] * len(sizes),
            "JXLX": ["安置"] * len(sizes),
        }
    return gpd.GeoDataFrame(attrs, geometry=geoms, crs=CRS).assign(
        geometry=lambda f: f.geometry.translate(0, 0 if kinds == "demolition" else 1000)
    )


def _balance(dem: gpd.GeoDataFrame, con: gpd.GeoDataFrame, fmt: str = "gpkg") -> pd.Series:
    with tempfile.TemporaryDirectory() as tmp:
        toml = write_project(Path(tmp), {"demolition": dem, "construction": con}, fmt=fmt)
        table = check(toml, rules=["BAL"]).balance
    return table.set_index(["item", "scope"])["area_m2"].astype(float)


sizes = st.lists(st.floats(min_value=5.0, max_value=200.0), min_size=2, max_size=5)


@SMALL_BUDGET
@given(sizes, sizes, st.randoms(use_true_random=False))
def test_balance_invariant_to_plot_order(dem_sizes, con_sizes, rnd) -> None:
    dem, con = _plots(dem_sizes, "demolition"), _plots(con_sizes, "construction")
    base = _balance(dem, con)
    order_d, order_c = list(range(len(dem))), list(range(len(con)))
    rnd.shuffle(order_d)
    rnd.shuffle(order_c)
    shuffled = _balance(
        dem.iloc[order_d].reset_index(drop=True), con.iloc[order_c].reset_index(drop=True)
    )
    pd.testing.assert_series_equal(base, shuffled.loc[base.index], rtol=1e-9, atol=1e-6)


@SMALL_BUDGET
@given(sizes, sizes, st.floats(min_value=0.1, max_value=0.9))
def test_balance_invariant_to_splitting_a_plot(dem_sizes, con_sizes, at) -> None:
    dem, con = _plots(dem_sizes, "demolition"), _plots(con_sizes, "construction")
    base = _balance(dem, con)
    minx, miny, maxx, maxy = dem.geometry.iloc[0].bounds
    cut = minx + at * (maxx - minx)
    halves = dem.iloc[[0, 0]].copy()
    halves["DKBH"] = ["CJ000a", "CJ000b"]
    halves = halves.set_geometry(
        [shapely.box(minx, miny, cut, maxy), shapely.box(cut, miny, maxx, maxy)], crs=CRS
    )
    split = pd.concat([halves, dem.iloc[1:]], ignore_index=True)
    pd.testing.assert_series_equal(base, _balance(split, con).loc[base.index], rtol=1e-7, atol=1e-4)


# ----------------------------------------------------------------------------- formats
def _findings(dem: gpd.GeoDataFrame, con: gpd.GeoDataFrame, fmt: str) -> pd.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        if fmt == "parquet":
            toml = write_project(folder, {"demolition": dem, "construction": con}, fmt="gpkg")
            for role, frame in (("demolition", dem), ("construction", con)):
                frame.to_parquet(folder / f"{role}.parquet")
            toml.write_text(
                toml.read_text(encoding="utf-8").replace(".gpkg", ".parquet"), encoding="utf-8"
            )
        else:
            toml = write_project(folder, {"demolition": dem, "construction": con}, fmt=fmt)
        found = check(toml, lang="en").findings
    cols = ["rule_id", "severity", "layer", "plot_id", "other_id", "unit"]
    out = pd.DataFrame(found[cols]).astype(str)
    out["measured"] = np.round(found["measured"].to_numpy(dtype=float), 3)
    out["source_free_message"] = [m.split(" (")[0] for m in found["message"]]
    return out.sort_values(cols + ["measured"]).reset_index(drop=True)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sizes, sizes, st.integers(min_value=0, max_value=3))
def test_findings_identical_across_formats(dem_sizes, con_sizes, overlap) -> None:
    dem, con = _plots(dem_sizes, "demolition"), _plots(con_sizes, "construction")
    if overlap:  # plant an overlap between two demolition plots (GEOM004) and a sliver (GEOM005)
        geoms = np.asarray(dem.geometry.array, dtype=object)
        geoms[1] = affinity.translate(geoms[0], xoff=overlap * 2.0, yoff=overlap * 2.0)
        geoms[-1] = shapely.box(X0 - 500.0, Y0, X0 - 400.0, Y0 + 0.05)
        dem = dem.set_geometry(gpd.GeoSeries(geoms, crs=CRS))
    shp = _findings(dem, con, "shp")
    pd.testing.assert_frame_equal(shp, _findings(dem, con, "gpkg"))
    pd.testing.assert_frame_equal(shp, _findings(dem, con, "parquet"))
