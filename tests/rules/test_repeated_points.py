"""GEOM006's duplicate-vertex test, made a chunk of plots at a time."""

from __future__ import annotations

import numpy as np
import shapely

from landlink_gis.rules.geometry import _repeated_points


def test_repeated_points_found_a_chunk_at_a_time_as_on_the_whole_array():
    # GEOM006's duplicate-vertex test, chunked, against the definition: removing repeated
    # points changes the vertex count
    rng = np.random.default_rng(3)
    geoms = []
    for k in range(40):
        ring = [(0, 0), (10, 0), (10, 10), (0, 10)]
        if k % 3 == 0:
            ring.insert(int(rng.integers(1, 4)), ring[int(rng.integers(0, 3))])
        geoms.append(shapely.Polygon(ring))
    geoms = np.array(geoms, dtype=object)
    want = shapely.get_num_coordinates(
        shapely.remove_repeated_points(geoms, 0.0)
    ) < shapely.get_num_coordinates(geoms)
    assert want.sum() > 5
    for chunk in (1, 3, 7, 1000):
        np.testing.assert_array_equal(_repeated_points(geoms, chunk), want)
