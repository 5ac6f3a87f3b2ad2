"""The overlap engine: hand-known overlaps, the covers shortcut, threads, and a brute-force
second method."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from landlink_gis.engine import overlay
from landlink_gis.engine.area import ellipsoidal_area
from landlink_gis.engine.overlay import (
    compute_pairs,
    overlay_pairs,
    set_threads,
    threads,
    uncovered_parts,
)
from tests.support.geoms import CRS, OVERLAP_A, OVERLAP_B, X0, Y0, rect, square


def _random_polys(seed: int, n: int, size: float, extent: float = 2000.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    pts = shapely.points(X0 + rng.uniform(0, extent, n), Y0 + rng.uniform(0, extent, n))
    return shapely.buffer(pts, rng.uniform(0.3, 1.0, n) * size, quad_segs=3)


def test_hand_known_overlap_and_inside_shortcuts():
    big, small, far = square(0, 0, 100), square(10, 10, 20), square(1000, 0, 10)
    left = np.array([OVERLAP_A, small, big, None, far], dtype=object)
    right = np.array([OVERLAP_B, big, square(20, 20, 10)], dtype=object)
    pairs = overlay_pairs(left, right, crs=CRS)
    got = {
        (int(a), int(b)): round(v, 6)
        for a, b, v in zip(pairs["left"], pairs["right"], pairs["area_planar_m2"], strict=True)
    }
    assert got == {(0, 0): 100.0, (1, 1): 400.0, (1, 2): 100.0, (2, 1): 10000.0, (2, 2): 100.0}
    # left inside right: the overlap is the left polygon itself, no GEOS intersection
    inside = pairs[(pairs["left"] == 1) & (pairs["right"] == 1)]["geometry"].iloc[0]
    assert inside is small
    covered = pairs[(pairs["left"] == 2) & (pairs["right"] == 2)]["geometry"].iloc[0]
    assert covered is right[2]
    # ellipsoidal area is the area of the overlap geometry on CGCS2000
    np.testing.assert_allclose(
        pairs["area_m2"], ellipsoidal_area(pairs["geometry"].to_numpy(), CRS)
    )
    assert list(pairs.columns) == ["left", "right", "geometry", "area_m2", "area_planar_m2"]


def test_touching_tolerance_and_empty_inputs():
    left = np.array([square(0, 0, 10), rect(20, 0, 10, 10)], dtype=object)
    right = np.array(
        [square(10, 0, 10), rect(20, 9.95, 10, 10)], dtype=object
    )  # shared edge; 0.5 m² sliver
    pairs = overlay_pairs(left, right, crs=CRS)
    assert pairs[["left", "right"]].values.tolist() == [[1, 1]]
    assert pairs["area_planar_m2"].iloc[0] == pytest.approx(0.5)
    assert len(overlay_pairs(left, right, crs=CRS, tolerance_m2=1.0)) == 0
    assert len(overlay_pairs(left, np.array([], dtype=object), crs=CRS)) == 0
    assert (
        len(overlay_pairs(np.array([None, shapely.Polygon()], dtype=object), right, crs=CRS)) == 0
    )


def test_self_join_reports_each_pair_once():
    geoms = np.array(
        [square(0, 0, 20), square(10, 0, 20), square(15, 0, 20), square(500, 0, 5)], dtype=object
    )
    pairs = overlay_pairs(geoms, geoms, crs=CRS, self_join=True)
    assert pairs[["left", "right"]].values.tolist() == [[0, 1], [0, 2], [1, 2]]
    np.testing.assert_allclose(pairs["area_planar_m2"], [200.0, 100.0, 300.0])


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(overlay, "MIN_CHUNK", 40)


@pytest.mark.parametrize("prepared", [False, True])
def test_threads_give_the_same_pairs_as_brute_force(small_chunks, prepared):
    left = _random_polys(1, 400, 40)
    right = _random_polys(2, 600, 60)
    right[::37] = None
    if prepared:  # a caller may hand the engine prepared geometries
        shapely.prepare(left)
        shapely.prepare(right[~shapely.is_missing(right)])
    results = [compute_pairs(left, right, crs=CRS, n_threads=n) for n in (1, 2, 3)]
    for other in results[1:]:
        pd.testing.assert_frame_equal(
            results[0].drop(columns="geometry"), other.drop(columns="geometry")
        )
    # second method: every pair, no index, no shortcut
    ii, jj = np.meshgrid(
        np.arange(len(left)), np.flatnonzero(~shapely.is_missing(right)), indexing="ij"
    )
    area = shapely.area(shapely.intersection(left[ii.ravel()], right[jj.ravel()]))
    hit = area > 0
    brute = pd.DataFrame(
        {"left": ii.ravel()[hit], "right": jj.ravel()[hit], "area": area[hit]}
    ).sort_values(["left", "right"])
    got = results[1]
    assert got[["left", "right"]].values.tolist() == brute[["left", "right"]].values.tolist()
    # both place each crossing within rounding of a coordinate (about 1e-10 m here): on a sliver
    # of a few cm² that is 1e-9 m² of area, whichever is nearer the exact value
    np.testing.assert_allclose(got["area_planar_m2"], brute["area"], rtol=1e-9, atol=1e-8)


def test_self_join_threads_match_one_thread(small_chunks):
    geoms = _random_polys(3, 800, 50)
    one = compute_pairs(geoms, geoms, crs=CRS, self_join=True, n_threads=1)
    two = compute_pairs(geoms, geoms, crs=CRS, self_join=True, n_threads=2)
    pd.testing.assert_frame_equal(one.drop(columns="geometry"), two.drop(columns="geometry"))
    assert (one["left"] < one["right"]).all() and len(one) > 50


def test_thread_setting(monkeypatch):
    monkeypatch.setenv("LANDLINK_THREADS", "3")
    set_threads(None)
    assert threads() == 3
    set_threads(1)
    try:
        assert threads() == 1
    finally:
        set_threads(None)
    with pytest.raises(ValueError, match="at least 1"):
        set_threads(0)


def test_uncovered_parts_by_hand():
    left = np.array([square(0, 0, 20), square(100, 0, 10), square(200, 0, 10)], dtype=object)
    # two overlapping strips cover x 0..16 of the first square; the second is fully covered; the
    # third not at all
    right = np.array([rect(0, 0, 12, 20), rect(8, 0, 8, 20), square(95, -5, 20)], dtype=object)
    out = uncovered_parts(left, right, crs=CRS)
    assert out["left"].tolist() == [0, 2]
    np.testing.assert_allclose(out["area_planar_m2"], [80.0, 100.0])
    assert shapely.equals(out["geometry"].iloc[0], rect(16, 0, 4, 20))


def test_uncovered_parts_match_union_difference(small_chunks):
    left = _random_polys(4, 300, 60)
    right = _random_polys(5, 600, 40)
    out = uncovered_parts(left, right, crs=CRS)
    # second method: difference with the plain union of every right polygon
    expected = shapely.area(shapely.difference(left, shapely.union_all(right)))
    got = np.zeros(len(left))
    got[out["left"].to_numpy()] = out["area_planar_m2"].to_numpy()
    np.testing.assert_allclose(got, expected, rtol=1e-7, atol=1e-6)


def test_polygonal_keeps_the_polygons_of_collections_after_one_without_any():
    # an intersection that is only a line and a point (two plots touching) before one that also
    # holds polygons: the polygons of the second are kept, the first gives None
    from landlink_gis.engine.geomops import polygonal

    line_and_point = shapely.GeometryCollection(
        [shapely.LineString([(0, 0), (1, 0)]), shapely.Point(5, 5)]
    )
    a, b = shapely.box(0, 0, 1, 1), shapely.box(2, 0, 3, 1)
    mixed = shapely.GeometryCollection([a, shapely.LineString([(1, 1), (2, 2)]), b])
    out = polygonal(np.array([line_and_point, mixed, a, None], dtype=object))
    assert out[0] is None and out[3] is None and out[2] is a
    assert out[1].geom_type == "MultiPolygon" and out[1].equals(shapely.MultiPolygon([a, b]))
