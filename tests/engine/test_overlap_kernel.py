"""The compiled intersection-area kernel against GEOS: hand-known pairs, degenerate pairs, random
pairs."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pyproj
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from landlink_gis.engine import kernel as K
from landlink_gis.engine.area import ellipsoidal_area
from landlink_gis.engine.overlay import compute_pairs
from tests.support.geoms import CRS, X0, Y0, square
from tests.support.helpers import geos_overlap_path

TM = K.tm_params(CRS)


def _run(a, b, close=False):
    left, right = np.array(a, dtype=object), np.array(b, dtype=object)
    idx = np.arange(len(left))
    out = K.pair_areas(K.ragged(left), K.ragged(right), idx, idx, TM)
    return out if close else out[:3]


def _check_against_geos(a, b):
    planar, ell, cls = _run(a, b)
    inter = shapely.intersection(np.array(a, dtype=object), np.array(b, dtype=object))
    decided = cls != K.FALLBACK
    ga, ge = shapely.area(inter), ellipsoidal_area(inter, CRS)
    np.testing.assert_allclose(planar[decided], ga[decided], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(ell[decided], ge[decided], rtol=1e-9, atol=1e-6)
    return cls


def test_series_matches_pyproj():
    tr = pyproj.Transformer.from_crs(CRS, pyproj.CRS(CRS).geodetic_crs, always_xy=True)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(350_000, 650_000, 2000), rng.uniform(2.0e6, 5.5e6, 2000)
    lam, lat = tr.transform(x, y, radians=True)
    klam, klat = K.tm_inverse(TM, x, y)
    assert np.abs(klam - lam).max() < 1e-14 and np.abs(klat - lat).max() < 1e-14
    assert K.tm_params("EPSG:4326") is None and K.tm_params("EPSG:3857") is None


def test_hand_known_pairs_and_classes():
    big, small = square(0, 0, 100), square(10, 10, 20)
    holed = shapely.Polygon(
        shapely.get_exterior_ring(square(0, 0, 100)).coords,
        [shapely.get_exterior_ring(square(40, 40, 20)).coords],
    )
    cases = [
        (small, big, 400.0, K.LEFT_INSIDE),
        (big, small, 400.0, K.RIGHT_INSIDE),
        (square(0, 0, 10), square(5, 5, 10), 25.0, K.CROSSING),
        (square(0, 0, 10), square(500, 0, 10), 0.0, K.DISJOINT),
        (
            shapely.buffer(shapely.Point(X0 + 50, Y0 + 50), 15, quad_segs=8),
            holed,
            None,
            K.CROSSING,
        ),  # overlaps the hole
        (square(45, 45, 5), holed, 0.0, K.DISJOINT),  # inside the hole
    ]
    planar, _, cls = _run([c[0] for c in cases], [c[1] for c in cases])
    assert cls.tolist() == [c[3] for c in cases]
    for (a, b, want, _), got in zip(cases, planar, strict=True):
        assert got == pytest.approx(
            shapely.area(shapely.intersection(a, b)) if want is None else want, rel=1e-12, abs=1e-9
        )


def test_degenerate_pairs_are_decided_by_the_kernel_and_the_engine_still_agrees():
    # exactly zero orientations are broken by the symbolic perturbation: no pair left to GEOS,
    # the areas are the true ones, and the engine's kept geometry is what GEOS builds
    a = square(0, 0, 10)
    pairs = [
        (a, a),  # identical
        (a, square(10, 0, 10)),  # shared edge, zero area
        (a, square(5, 0, 10)),  # collinear edges
        (a, square(10, 10, 10)),  # touching corner
        (
            shapely.Polygon(
                [(X0, Y0), (X0 + 5, Y0), (X0 + 10, Y0), (X0 + 10, Y0 + 10), (X0, Y0 + 10)]
            ),
            square(2, -5, 5),
        ),  # touches along an edge with a collinear vertex
    ]
    cls = _check_against_geos([p[0] for p in pairs], [p[1] for p in pairs])
    assert (cls != K.FALLBACK).all()
    planar, _ell, _cls, close = _run([p[0] for p in pairs], [p[1] for p in pairs], close=True)
    assert close.all()
    np.testing.assert_allclose(planar, [100.0, 0.0, 50.0, 0.0, 0.0], atol=1e-9)
    left, right = (
        np.array([p[0] for p in pairs], dtype=object),
        np.array([p[1] for p in pairs], dtype=object),
    )
    fast = compute_pairs(left, right, crs=CRS)
    with geos_overlap_path():
        slow = compute_pairs(left, right, crs=CRS)
    assert fast[["left", "right"]].values.tolist() == slow[["left", "right"]].values.tolist()
    # identical polygons take the whole GEOS path (areas of the geometry); the collinear pair,
    # clearly smaller than both squares, keeps the kernel's areas: the same planar 50 m², and an
    # ellipsoidal sum that follows the right square's bottom edge (see below, 6e-8 relative)
    np.testing.assert_array_equal(fast["area_planar_m2"], slow["area_planar_m2"])
    np.testing.assert_allclose(fast["area_m2"], slow["area_m2"], rtol=1e-7)
    assert fast["area_m2"].iloc[0] == slow["area_m2"].iloc[0]
    assert shapely.equals_exact(
        fast["geometry"].to_numpy(), slow["geometry"].to_numpy(), tolerance=0
    ).all()
    areas = compute_pairs(left, right, crs=CRS, geometry=False)
    assert areas[["left", "right"]].values.tolist() == fast[["left", "right"]].values.tolist()
    np.testing.assert_allclose(areas["area_planar_m2"], fast["area_planar_m2"], rtol=1e-12)
    # the ellipsoidal sum depends on how the boundary is cut into edges: the kernel follows the
    # right square's bottom edge where GEOS keeps the left polygon with its collinear vertex, and
    # ellipsoidal_area itself differs by 6e-8 relative between those two rings of one square
    np.testing.assert_allclose(areas["area_m2"], fast["area_m2"], rtol=1e-7)


def test_geometry_false_has_no_geometry_and_kept_geometry_is_the_input_when_inside():
    left = np.array([square(10, 10, 20), square(0, 0, 10)], dtype=object)
    right = np.array([square(0, 0, 100), square(5, 5, 10)], dtype=object)
    areas = compute_pairs(left, right, crs=CRS, geometry=False)
    assert "geometry" not in areas.columns
    assert areas[["left", "right"]].values.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    np.testing.assert_allclose(areas["area_planar_m2"], [400.0, 25.0, 100.0, 25.0], rtol=1e-12)
    full = compute_pairs(left, right, crs=CRS)
    assert full["geometry"].iloc[0] is left[0]
    np.testing.assert_allclose(areas["area_planar_m2"], full["area_planar_m2"], rtol=1e-12)


coord = st.floats(min_value=-60, max_value=60, allow_nan=False, allow_infinity=False)


@st.composite
def polygon(draw):
    kind = draw(st.sampled_from(["star", "box", "holed", "tiny", "grid"]))
    cx, cy = draw(coord), draw(coord)
    if kind == "box" or kind == "grid":
        # grid boxes share edges and vertices with each other: collinear and touching cases
        w, h = draw(st.integers(1, 6)) * 5.0, draw(st.integers(1, 6)) * 5.0
        x0, y0 = (round(cx / 5) * 5, round(cy / 5) * 5) if kind == "grid" else (cx, cy)
        return (
            square(x0, y0, w) if w == h else shapely.box(X0 + x0, Y0 + y0, X0 + x0 + w, Y0 + y0 + h)
        )
    k = draw(st.integers(3, 12))
    radii = draw(st.lists(st.floats(0.3, 1.0), min_size=k, max_size=k))
    size = 1e-3 if kind == "tiny" else draw(st.floats(2.0, 60.0))
    ang = np.arange(k) / k * 2 * np.pi
    ring = np.c_[
        X0 + cx + size * np.asarray(radii) * np.cos(ang),
        Y0 + cy + size * np.asarray(radii) * np.sin(ang),
    ]
    poly = shapely.Polygon(ring)
    if kind == "holed":
        poly = poly.difference(
            shapely.buffer(shapely.Point(X0 + cx, Y0 + cy), 0.2 * size, quad_segs=3)
        )
    return poly if poly.is_valid and not poly.is_empty else square(cx, cy, 5)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(polygon(), polygon()), min_size=1, max_size=8))
def test_random_and_degenerate_pairs_agree_with_geos(pairs):
    a = [p[0] for p in pairs] + [p[0] for p in pairs]
    b = [p[1] for p in pairs] + [
        p[0] for p in pairs
    ]  # every polygon also against itself (identical)
    cls = _check_against_geos(a, b)
    assert (cls != K.FALLBACK).all()


def _exact_overlap_area(a: shapely.Polygon, b: shapely.Polygon) -> Fraction:
    """Exact area of a ∩ b (simple polygons, no holes, general position) in rational arithmetic.

    The overlap's boundary is the parts of a's edges inside b plus the parts of b's edges inside a:
    each edge is split at its exact crossings with the other ring, each piece kept when its midpoint
    is inside (exact winding number), and the shoelace terms of the kept pieces summed.
    """

    def ring(g):
        pts = [(Fraction(x), Fraction(y)) for x, y in shapely.get_coordinates(g.exterior)]
        twice = sum(p[0] * q[1] - q[0] * p[1] for p, q in itertools.pairwise(pts))
        return pts if twice > 0 else pts[::-1]

    def inside(x, y, pts):
        wn = 0
        for (x1, y1), (x2, y2) in itertools.pairwise(pts):
            c = (x2 - x1) * (y - y1) - (y2 - y1) * (x - x1)
            assert c != 0 or not (
                min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2)
            ), "degenerate"
            wn += 1 if (y1 <= y < y2 and c > 0) else -1 if (y2 <= y < y1 and c < 0) else 0
        return wn != 0

    def kept(p, q):
        total = Fraction(0)
        for (x1, y1), (x2, y2) in itertools.pairwise(p):
            dx, dy, ts = x2 - x1, y2 - y1, {Fraction(0), Fraction(1)}
            for (u1, v1), (u2, v2) in itertools.pairwise(q):
                ex, ey = u2 - u1, v2 - v1
                den = dx * ey - dy * ex
                if den:
                    t, u = (
                        ((u1 - x1) * ey - (v1 - y1) * ex) / den,
                        ((u1 - x1) * dy - (v1 - y1) * dx) / den,
                    )
                    if 0 <= t <= 1 and 0 <= u <= 1:
                        ts.add(t)
            ts = sorted(ts)
            for t0, t1 in itertools.pairwise(ts):
                if inside(x1 + (t0 + t1) / 2 * dx, y1 + (t0 + t1) / 2 * dy, q):
                    total += (x1 + t0 * dx) * (y1 + t1 * dy) - (x1 + t1 * dx) * (y1 + t0 * dy)
        return total

    pa, pb = ring(a), ring(b)
    return (kept(pa, pb) + kept(pb, pa)) / 2


def _redigitised_neighbours(n: int, seed: int) -> tuple[list, list]:
    """Pairs of neighbouring parcels whose shared, bent edge is digitised twice (±1 mm noise):
    slivers."""
    rng = np.random.default_rng(seed)
    lefts, rights = [], []
    for _ in range(n):
        x0, y0 = X0 + rng.uniform(0, 5000), Y0 + rng.uniform(0, 5000)
        ys = y0 + np.linspace(0.0, 50.0, 6)
        xs = x0 + 50.0 + rng.uniform(-3.0, 3.0, 6)
        edge = np.column_stack([xs, ys])
        again = edge + rng.uniform(-0.001, 0.001, edge.shape)
        lefts.append(shapely.Polygon([(x0, y0 - 10.0), *edge, (x0, y0 + 60.0)]))
        rights.append(
            shapely.Polygon([*again[::-1], (x0 + 100.0, y0 - 10.0), (x0 + 100.0, y0 + 60.0)])
        )
    return lefts, rights


def test_redigitised_slivers_match_the_exact_rational_area():
    # the overlap of two digitisings of one edge: millimetre slivers between nearly parallel edges.
    # The kernel shares each crossing point between the two polygons' pieces; placing it on each
    # edge separately (before) was off by 1e-7 relative here (up to 3e-4 on µm² slivers); GEOS by
    # 2e-7.
    lefts, rights = _redigitised_neighbours(40, seed=7)
    planar, _ell, cls = _run(lefts, rights)
    decided = np.flatnonzero(cls == K.CROSSING)
    assert len(decided) >= 30
    exact = np.array([float(_exact_overlap_area(lefts[k], rights[k])) for k in decided])
    assert (exact > 0).all() and exact.max() < 0.5  # slivers: m² at most
    np.testing.assert_allclose(planar[decided], exact, rtol=1e-9)
    swapped, _ell, cls2 = _run(rights, lefts)
    both = decided[cls2[decided] == K.CROSSING]
    np.testing.assert_allclose(swapped[both], exact[np.isin(decided, both)], rtol=1e-9)


def test_exact_rational_area_is_right_on_a_hand_known_pair():
    # the reference method itself: a unit square against a square shifted by (0.5, 0.25): 0.375 m²
    a, b = square(0, 0, 1), square(0.5, 0.25, 1)
    assert _exact_overlap_area(a, b) == Fraction(3, 8)


def _hamlets_in_holes(n: int, seed: int, snapped: float):
    """Farmland squares with a star hole, the hamlet filling it, and a plot that is the hole
    digitised again: each vertex moved by up to ±1 mm, or snapped onto the hole's vertex with
    probability ``snapped`` (shared vertices, collinear edges where two snapped vertices meet)."""
    rng = np.random.default_rng(seed)
    farms, hamlets, plots = [], [], []
    for _ in range(n):
        x0, y0 = X0 + rng.uniform(0, 5000), Y0 + rng.uniform(0, 5000)
        k = 8
        ang = (np.arange(k) + rng.uniform(-0.3, 0.3, k)) / k * 2 * np.pi
        rad = rng.uniform(6.0, 9.0, k)
        ring = np.c_[x0 + 25 + rad * np.cos(ang), y0 + 25 + rad * np.sin(ang)]
        moved = ring + np.where(
            rng.uniform(size=(k, 1)) < snapped, 0.0, rng.uniform(-0.001, 0.001, (k, 2))
        )
        hamlets.append(shapely.Polygon(ring))
        farms.append(shapely.Polygon(shapely.box(x0, y0, x0 + 50, y0 + 50).exterior, [ring[::-1]]))
        plots.append(shapely.Polygon(moved))
    return farms, hamlets, plots


def _exact_area(g: shapely.Polygon) -> Fraction:
    pts = [(Fraction(x), Fraction(y)) for x, y in shapely.get_coordinates(g.exterior)]
    return abs(sum(p[0] * q[1] - q[0] * p[1] for p, q in itertools.pairwise(pts))) / 2


def test_plots_redigitised_into_holes_match_the_exact_area():
    # a plot re-digitised into a hole (±1 mm): its overlap with the hamlet is exact in rational
    # arithmetic, and its overlap with the holed farmland is the rest of the plot
    farms, hamlets, plots = _hamlets_in_holes(30, seed=11, snapped=0.0)
    p_h, _e, c_h, close_h = _run(plots, hamlets, close=True)
    p_f, _e, c_f = _run(plots, farms)
    assert (c_h == K.CROSSING).all() and (c_f == K.CROSSING).all()
    exact_h = np.array(
        [float(_exact_overlap_area(p, h)) for p, h in zip(plots, hamlets, strict=True)]
    )
    exact_f = np.array(
        [
            float(_exact_area(p) - _exact_overlap_area(p, h))
            for p, h in zip(plots, hamlets, strict=True)
        ]
    )
    np.testing.assert_allclose(p_h, exact_h, rtol=1e-12)
    np.testing.assert_allclose(p_f, exact_f, rtol=1e-7, atol=1e-9)
    assert exact_f.max() < 0.05  # slivers of the hole's ring


def test_snapped_vertices_are_decided_and_the_plot_is_shared_out_exactly():
    # half the vertices snapped onto the hole's: exactly zero orientations everywhere, decided by
    # the perturbation; the plot's overlaps with the two survey polygons it lies on (the holed
    # farmland and the hamlet) add up to the plot, and agree with GEOS
    farms, hamlets, plots = _hamlets_in_holes(60, seed=12, snapped=0.5)
    p_h, e_h, c_h, close_h = _run(plots, hamlets, close=True)
    p_f, e_f, c_f, close_f = _run(plots, farms, close=True)
    assert (c_h != K.FALLBACK).all() and (c_f != K.FALLBACK).all()
    assert close_h.all() and close_f.all()
    whole = np.array([float(_exact_area(p)) for p in plots])
    np.testing.assert_allclose(p_h + p_f, whole, rtol=1e-12)
    both = np.array(plots + plots, dtype=object)
    geos = shapely.area(shapely.intersection(both, np.array(hamlets + farms, dtype=object)))
    np.testing.assert_allclose(np.r_[p_h, p_f], geos, rtol=1e-6, atol=1e-8)
    ell_whole = ellipsoidal_area(np.array(plots, dtype=object), CRS)
    np.testing.assert_allclose(e_h + e_f, ell_whole, rtol=1e-7)


def test_ragged_rings_of_holed_polygons_as_geos_gives_them():
    # rings found in each polygon's coordinates (a ring ends where its first point returns) are
    # GEOS's rings; a multipolygon among them takes GEOS's parts and rings
    holed = shapely.Polygon(
        square(0, 0, 100).exterior.coords,
        [square(10, 10, 5).exterior.coords, square(50, 50, 20).exterior.coords],
    )
    geoms = np.array([square(0, 0, 3), holed, None, shapely.Polygon(), holed], dtype=object)
    xs, ys, ring_ptr, geom_ptr, is_hole, ok = K.ragged(geoms)
    assert ok.tolist() == [True, True, False, False, True]
    assert geom_ptr.tolist() == [0, 1, 4, 4, 4, 7]
    assert is_hole.tolist() == [False, False, True, True, False, True, True]
    rings = [shapely.get_exterior_ring(square(0, 0, 3))] + 2 * list(shapely.get_rings(holed))
    for r, ring in enumerate(rings):
        a, b = ring_ptr[r], ring_ptr[r + 1]
        np.testing.assert_array_equal(np.c_[xs[a:b], ys[a:b]], shapely.get_coordinates(ring))
    with_multi = K.ragged(np.append(geoms, shapely.MultiPolygon([square(200, 0, 5)])))
    for got, want in zip(with_multi[:5], (xs, ys, ring_ptr, geom_ptr, is_hole), strict=True):
        np.testing.assert_array_equal(got[: len(want)], want)
