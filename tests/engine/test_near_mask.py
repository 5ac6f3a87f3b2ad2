"""``near_mask``: survey polygons near the project's plots, without prepared geometries."""

from __future__ import annotations

import numpy as np
import shapely

from landlink_gis.engine.overlay import near_mask


def _square(x: float, y: float, side: float = 10.0):
    return shapely.box(x, y, x + side, y + side)


def test_gaps_either_side_of_the_distance_are_decided_by_hand():
    plot = _square(0.0, 0.0)
    # right-hand gaps from the plot's edge at x = 10: 99.9, exactly 100, 100.1; one overlapping;
    # one diagonal whose nearest point is the plot's corner (gap √(70² + 70²) = 98.99 m)
    geoms = np.array(
        [
            _square(109.9, 0.0),
            _square(110.0, 0.0),
            _square(110.1, 0.0),
            _square(5.0, 5.0),
            _square(80.0, 80.0),
            None,
            shapely.Polygon(),
        ],
        dtype=object,
    )
    got = near_mask(geoms, np.array([plot]), 100.0)
    assert got.tolist() == [True, True, False, True, True, False, False]


def test_same_answer_as_the_prepared_dwithin_query_on_random_polygons():
    rng = np.random.default_rng(7)
    centres = rng.uniform(0, 5_000, size=(3_000, 2))
    survey = shapely.buffer(shapely.points(centres), rng.uniform(5, 60, 3_000), quad_segs=3)
    plot_centres = rng.uniform(0, 5_000, size=(150, 2))
    plots = shapely.buffer(shapely.points(plot_centres), rng.uniform(5, 40, 150), quad_segs=2)
    got = near_mask(survey, plots, 100.0, chunk=700)  # several rounds of candidates
    assert not shapely.is_prepared(survey).any() and not shapely.is_prepared(plots).any()
    expected = np.zeros(len(survey), dtype=bool)
    tree = shapely.STRtree(plots)
    expected[np.unique(tree.query(survey, predicate="dwithin", distance=100.0)[0])] = True
    assert 0 < got.sum() < len(survey)  # the case has both answers
    np.testing.assert_array_equal(got, expected)


def test_nothing_is_near_an_empty_layer():
    assert not near_mask(np.array([_square(0, 0)]), np.zeros(0, dtype=object), 100.0).any()


def test_many_candidates_each_same_answer_as_the_prepared_query():
    # dense plots: each survey polygon has dozens of candidates, near ones and ones whose grown
    # envelope meets it but that lie farther (diagonals); found near at whatever round, or
    # never after all its candidates
    rng = np.random.default_rng(8)
    survey = shapely.buffer(
        shapely.points(rng.uniform(0, 1_000, size=(800, 2))), rng.uniform(2, 30, 800), quad_segs=2
    )
    plots = shapely.buffer(
        shapely.points(rng.uniform(0, 1_000, size=(2_000, 2))),
        rng.uniform(1, 6, 2_000),
        quad_segs=1,
    )
    tree = shapely.STRtree(plots)
    for distance in (0.0, 3.0, 12.0):
        got = near_mask(survey, plots, distance, chunk=300)
        expected = np.zeros(len(survey), dtype=bool)
        expected[np.unique(tree.query(survey, predicate="dwithin", distance=distance)[0])] = True
        assert 0 < expected.sum() < len(survey), distance
        np.testing.assert_array_equal(got, expected)
