"""Ellipsoidal area against an independent method: pyproj's geodesic polygon area on CGCS2000."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer

from landlink_gis.engine.area import ellipsoidal_area, planar_area, to_hectare, to_mu

GEOD = Geod(a=6378137.0, rf=298.257222101)


def geodesic_area(poly: shapely.Polygon, epsg: int) -> float:
    """Area by pyproj.Geod after densifying edges to 1 m (so edge paths agree)."""
    to_ll = Transformer.from_crs(epsg, 4490, always_xy=True)
    dense = shapely.segmentize(poly, 1.0)

    def ring_area(ring) -> float:
        x, y = np.asarray(ring.coords).T
        lon, lat = to_ll.transform(x, y)
        return abs(GEOD.polygon_area_perimeter(lon, lat)[0])

    return ring_area(dense.exterior) - sum(ring_area(r) for r in dense.interiors)


def plot(x0: float, y0: float, size: float) -> shapely.Polygon:
    """An irregular quadrilateral plot of roughly size × size."""
    return shapely.Polygon(
        [
            (x0, y0),
            (x0 + size, y0 + 0.3 * size),
            (x0 + 0.8 * size, y0 + size),
            (x0 - 0.2 * size, y0 + 0.7 * size),
        ]
    )


@pytest.mark.parametrize(
    "easting, label",
    [
        (500_000.0, "central meridian"),
        (382_000.0, "Bazhong, 1.25° west"),
        (345_000.0, "zone edge, ~1.5° west"),
    ],
)
@pytest.mark.parametrize("size", [12.0, 38.0, 120.0, 900.0])
def test_ellipsoidal_matches_geodesic(easting, label, size):
    poly = plot(easting, 3_525_000.0, size)
    ours = ellipsoidal_area([poly], "EPSG:4545")[0]
    assert ours == pytest.approx(geodesic_area(poly, 4545), abs=0.01), label


def test_hole_and_multipolygon_and_empty():
    outer = shapely.box(382_000, 3_525_000, 382_030, 3_525_030)
    hole = shapely.box(382_010, 3_525_010, 382_020, 3_525_020)
    holed = shapely.Polygon(outer.exterior.coords, [hole.exterior.coords])
    multi = shapely.MultiPolygon([outer, shapely.box(382_100, 3_525_000, 382_110, 3_525_010)])
    areas = ellipsoidal_area(
        [holed, multi, None, shapely.Polygon(), shapely.Point(0, 0)], "EPSG:4545"
    )
    assert areas[0] == pytest.approx(geodesic_area(holed, 4545), abs=0.01)
    assert areas[1] == pytest.approx(
        geodesic_area(outer, 4545) + geodesic_area(multi.geoms[1], 4545), abs=0.01
    )
    assert list(areas[2:]) == [0.0, 0.0, 0.0]


def test_zone_prefixed_crs_gives_same_area():
    poly = plot(382_000.0, 3_525_000.0, 50.0)
    prefixed = shapely.affinity.translate(poly, xoff=36_000_000)
    a = ellipsoidal_area([poly], "EPSG:4545")[0]
    b = ellipsoidal_area([prefixed], "EPSG:4524")[0]
    assert a == pytest.approx(b, abs=1e-6)


def test_scale_factor_effect_near_zone_edge():
    # GK scale factor k ≈ 1 + y²/(2R²): at 118 km off the CM planar area is ~0.034 % larger
    poly = shapely.box(382_000, 3_525_000, 382_100, 3_525_100)
    ratio = planar_area([poly])[0] / ellipsoidal_area([poly], "EPSG:4545")[0]
    y = 118_000.0
    assert ratio == pytest.approx((1 + y**2 / (2 * 6_371_000.0**2)) ** 2, rel=1e-4)


def test_units():
    assert to_hectare(10_000.0) == pytest.approx(1.0)
    assert to_mu(10_000.0) == pytest.approx(15.0)
    assert to_mu(666.6666666666) == pytest.approx(1.0)
