"""Overlap polygons built from the kernel's crossings against GEOS and against hand-known shapes."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from landlink_gis.engine import kernel as K
from landlink_gis.engine.clip import overlap_polygons
from landlink_gis.engine.overlay import compute_pairs
from tests.engine.test_overlap_kernel import polygon
from tests.support.geoms import CRS, X0, Y0, rect, square
from tests.support.helpers import geos_overlap_path

TM = K.tm_params(CRS)


def _classes(a, b):
    left, right = np.array(a, dtype=object), np.array(b, dtype=object)
    idx = np.arange(len(left))
    lr, rr = K.ragged(left), K.ragged(right)
    _p, _e, cls, close = K.pair_areas(lr, rr, idx, idx, TM)
    return left, right, lr, rr, idx, cls, close


def _built(a, b):
    left, right, lr, rr, idx, cls, close = _classes(a, b)
    return overlap_polygons(lr, rr, idx, idx), cls, close


def _same_region(got, want, rel=1e-12):
    """Same region: valid, same type, symmetric difference nil, vertices equal once normalised."""
    assert shapely.is_valid(got)
    assert shapely.get_type_id(got) == shapely.get_type_id(want)
    area = shapely.area(want)
    assert shapely.area(shapely.symmetric_difference(got, want)) <= rel * area
    assert shapely.area(got) == pytest.approx(area, rel=rel)
    assert shapely.equals_exact(shapely.normalize(got), shapely.normalize(want), tolerance=1e-6)


def test_two_crossing_squares_give_the_overlap_square_clockwise_and_closed():
    (got,), cls, close = _built([square(0, 0, 10)], [square(5, 5, 10)])
    assert cls[0] == K.CROSSING and not close[0]
    assert got.geom_type == "Polygon" and len(got.interiors) == 0
    # the crossings at (10, 5) and (5, 10) are exact: the region is the box itself
    assert shapely.equals_exact(shapely.normalize(got), shapely.normalize(square(5, 5, 5)), 0)
    ring = got.exterior
    assert ring.coords[0] == ring.coords[-1] and not ring.is_ccw  # as GEOS gives a shell


def test_a_bar_across_a_u_gives_two_parts():
    # a U (30 × 30 with a 10 × 20 notch from the top) and a bar across both arms: two 10 × 5 parts
    u = shapely.Polygon(
        [(X0, Y0), (X0 + 30, Y0), (X0 + 30, Y0 + 30), (X0 + 20, Y0 + 30),
         (X0 + 20, Y0 + 10), (X0 + 10, Y0 + 10), (X0 + 10, Y0 + 30), (X0, Y0 + 30)]
    )  # fmt: skip
    bar = rect(-5, 20, 40, 5)
    (got,), cls, close = _built([u], [bar])
    assert cls[0] == K.CROSSING and not close[0]
    assert got.geom_type == "MultiPolygon" and len(got.geoms) == 2
    assert sorted(shapely.area(np.array(got.geoms))) == pytest.approx([50.0, 50.0], rel=1e-12)
    _same_region(got, shapely.intersection(u, bar))
    # the same pair the other way round (the bar as the left polygon)
    (back,), _, _ = _built([bar], [u])
    _same_region(back, shapely.intersection(bar, u))


def test_a_hole_edge_crossed_is_built_and_an_overlap_with_a_hole_is_left_to_geos():
    holed = shapely.Polygon(square(0, 0, 100).exterior.coords, [square(40, 40, 20).exterior.coords])
    across_hole_edge = square(30, 30, 20)  # covers the hole's corner: the overlap has no hole
    around_hole = square(-10, -10, 80)  # contains the hole, crosses the shell: overlap has a hole
    got, cls, close = _built([across_hole_edge, around_hole], [holed, holed])
    assert (cls == K.CROSSING).all() and not close.any()
    _same_region(got[0], shapely.intersection(across_hole_edge, holed))
    assert got[1] is None
    # the engine builds that one with GEOS: every kept geometry is the overlap
    pairs = compute_pairs(
        np.array([across_hole_edge, around_hole], dtype=object),
        np.array([holed], dtype=object),
        crs=CRS,
    )
    assert pairs["left"].tolist() == [0, 1]
    with_hole = shapely.intersection(around_hole, holed)
    assert len(pairs["geometry"].iloc[1].interiors) == 1
    _same_region(pairs["geometry"].iloc[1], with_hole)


def test_pairs_the_kernel_did_not_class_as_crossing_are_not_built():
    a = [square(10, 10, 20), square(0, 0, 100), square(0, 0, 10), square(0, 0, 10)]
    b = [square(0, 0, 100), square(10, 10, 20), square(500, 0, 10), square(10, 0, 10)]
    got, cls, close = _built(a, b)
    assert cls.tolist()[:3] == [K.LEFT_INSIDE, K.RIGHT_INSIDE, K.DISJOINT]
    assert close[3]  # the shared edge: a close call, which the engine sends to GEOS
    assert all(g is None for g in got)


def _random_pairs(seed: int, n: int):
    rng = np.random.default_rng(seed)

    def star(r):
        k = int(rng.integers(3, 24))
        ang = np.sort(rng.uniform(0, 2 * np.pi, k))
        rad = r * rng.uniform(0.3, 1.0, k)
        cx, cy = rng.uniform(0, 100, 2)
        return shapely.Polygon(np.c_[X0 + cx + rad * np.cos(ang), Y0 + cy + rad * np.sin(ang)])

    a = np.array([star(20) for _ in range(n)], dtype=object)
    b = np.array([star(30) for _ in range(n)], dtype=object)
    ok = shapely.is_valid(a) & shapely.is_valid(b)
    return a[ok], b[ok]


def test_random_star_pairs_equal_geos_intersection():
    a, b = _random_pairs(7, 3000)
    left, right, lr, rr, idx, cls, close = _classes(a, b)
    sel = np.flatnonzero((cls == K.CROSSING) & ~close)
    assert len(sel) > 500
    got = overlap_polygons(lr, rr, sel, sel)
    assert not shapely.is_missing(got).any()  # hole-free inputs: every overlap is built
    want = shapely.intersection(a[sel], b[sel])
    multi = shapely.get_type_id(got) == 6
    assert multi.sum() > 20  # several pairs overlap in more than one part
    for g, w in zip(got, want, strict=True):
        _same_region(g, w, rel=1e-10)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(polygon(), polygon()), min_size=1, max_size=8))
def test_any_pair_built_is_the_geos_overlap(pairs):
    # holed, tiny, grid-aligned and degenerate pairs too: what is built is the overlap, and what
    # is not built is a pair the engine sends to GEOS (not crossing, a close call or a hole)
    a, b = [p[0] for p in pairs], [p[1] for p in pairs]
    got, cls, close = _built(a, b)
    for g, x, y, c, cc in zip(got, a, b, cls, close, strict=True):
        if g is None:
            continue
        assert c == K.CROSSING and not cc
        _same_region(g, shapely.intersection(x, y), rel=1e-9)


def test_engine_geometry_equals_the_geos_path():
    a, b = _random_pairs(11, 300)
    fast = compute_pairs(a, b, crs=CRS)
    with geos_overlap_path():
        slow = compute_pairs(a, b, crs=CRS)
    assert fast[["left", "right"]].values.tolist() == slow[["left", "right"]].values.tolist()
    assert len(fast) > 10_000
    # the ellipsoidal sum of a ring cancels terms of about 1e7 m² each: where a ring starts moves
    # it by up to 1e-7 m² (the same polygon measured from another vertex)
    np.testing.assert_allclose(fast["area_m2"], slow["area_m2"], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(fast["area_planar_m2"], slow["area_planar_m2"], rtol=1e-9, atol=1e-9)
    assert shapely.equals_exact(
        shapely.normalize(fast["geometry"].to_numpy()),
        shapely.normalize(slow["geometry"].to_numpy()),
        tolerance=1e-6,
    ).all()


def test_close_crossings_are_geos_intersection_with_the_kernel_areas():
    # collinear edges (a close call) and an overlap clearly smaller than both polygons: GEOS's
    # own intersection, without its covered_by/covers, and the kernel's areas
    a = [square(0, 0, 10), square(0, 0, 10), square(0, 0, 10)]
    b = [rect(5, 0, 10, 5), rect(-3, 0, 6, 5), square(0, 0, 10)]
    left, right, lr, rr, idx, cls, close = _classes(a, b)
    assert close.all()
    planar, ell, _, _ = K.pair_areas(lr, rr, idx, idx, TM)
    got = [compute_pairs(left[[k]], right[[k]], crs=CRS) for k in range(3)]
    for k, want_area in enumerate([25.0, 15.0, 100.0]):
        row = got[k].iloc[0]
        assert row["area_planar_m2"] == pytest.approx(want_area, rel=1e-12)
        want = shapely.intersection(left[k], right[k])
        if k < 2:  # clearly smaller: the intersection, the kernel's areas
            assert shapely.equals_exact(row["geometry"], want, tolerance=0)
            assert row["area_planar_m2"] == planar[k] and row["area_m2"] == ell[k]
        else:  # identical: the whole GEOS path, the plot itself
            assert row["geometry"] is left[k]
