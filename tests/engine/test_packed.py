"""Packed reference layers: geometries held as WKB, made into GEOS a chunk at a time.

Every answer on a packed array must be the answer on the plain array of the same geometries: the
overlay pairs (areas and overlap geometry), the near mask and the areas, whatever the chunk size.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import shapely

from landlink_gis.engine import packed as packed_mod
from landlink_gis.engine.geomops import polygonal
from landlink_gis.engine.overlay import (
    near_mask,
    overlay_in_pieces,
    overlay_pairs,
    uncovered_parts,
)
from landlink_gis.engine.packed import PackedGeometries, per_geometry
from landlink_gis.load.context import geometry_state

CRS = "EPSG:4545"
X0, Y0 = 500_000.0, 3_300_000.0


def _wkb(geoms) -> list:
    return list(shapely.to_wkb(np.asarray(geoms, dtype=object)))


def _layer(rng, n: int, radius: tuple[float, float], extent: float = 4_000.0) -> np.ndarray:
    centres = rng.uniform(0, extent, size=(n, 2)) + (X0, Y0)
    return shapely.buffer(shapely.points(centres), rng.uniform(*radius, n), quad_segs=3)


@pytest.fixture
def survey() -> np.ndarray:
    """Random polygons with the awkward cases: None, an empty polygon, a bow-tie (invalid), a
    multipolygon, a polygon with a hole and a line (not polygonal)."""
    rng = np.random.default_rng(11)
    geoms = _layer(rng, 900, (10, 80))
    bowtie = shapely.Polygon([(X0, Y0), (X0 + 50, Y0 + 50), (X0 + 50, Y0), (X0, Y0 + 50)])
    multi = shapely.MultiPolygon(
        [shapely.box(X0 + 100, Y0, X0 + 150, Y0 + 50), shapely.box(X0 + 200, Y0, X0 + 260, Y0 + 40)]
    )
    holed = shapely.box(X0 + 300, Y0, X0 + 400, Y0 + 100).difference(
        shapely.box(X0 + 330, Y0 + 30, X0 + 370, Y0 + 70)
    )
    line = shapely.LineString([(X0, Y0 + 500), (X0 + 300, Y0 + 500)])
    extra = np.array([None, shapely.Polygon(), bowtie, multi, holed, line], dtype=object)
    out = np.concatenate([geoms, extra])
    return out[rng.permutation(len(out))]


@pytest.fixture
def plots() -> np.ndarray:
    rng = np.random.default_rng(12)
    out = _layer(rng, 300, (5, 40))
    out[[3, 77]] = None
    return out


def test_packing_keeps_every_geometry_bit_for_bit(survey):
    packed = PackedGeometries.pack(survey)
    assert len(packed) == len(survey) and packed.shape == (len(survey),)
    assert _wkb(np.asarray(packed)) == _wkb(survey)
    # indexing as a NumPy object array: an integer, a slice, a mask, positions
    assert shapely.to_wkb(packed[5]) == shapely.to_wkb(survey[5])
    assert _wkb(packed[10:20]) == _wkb(survey[10:20])
    mask = shapely.area(survey) > 5_000
    assert _wkb(packed[mask]) == _wkb(survey[mask])
    pos = np.array([7, 3, 3, len(survey) - 1])
    assert _wkb(packed[pos]) == _wkb(survey[pos])
    assert packed[np.zeros(0, dtype=np.int64)].shape == (0,)


def test_many_parts_index_as_one_array(survey, monkeypatch):
    """Packed in parts of 97 features and joined from batches (as a layer read in batches is):
    any positions — unsorted, repeated, across parts, None included — give the geometries at
    those positions, and joining shares the parts' buffers instead of copying them."""
    monkeypatch.setattr(packed_mod, "CHUNK", 97)
    cuts = [0, 5, 300, 301, 700, len(survey)]
    batches = [PackedGeometries.pack(survey[a:b]) for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
    joined = PackedGeometries.concat(batches)
    assert len(joined._parts) == sum(len(b._parts) for b in batches) > 10
    assert all(
        x is y for x, y in zip(joined._parts, [p for b in batches for p in b._parts], strict=True)
    )
    assert len(joined) == len(survey)
    assert _wkb(np.asarray(joined)) == _wkb(survey)
    rng = np.random.default_rng(5)
    pos = rng.integers(0, len(survey), 500)
    assert _wkb(joined[pos]) == _wkb(survey[pos])
    none_at = int(np.flatnonzero(pd.isna(survey))[0])
    assert joined[none_at] is None
    # the WKB and an 8-byte offset per feature (and a validity bitmap), nothing per object
    wkb_bytes = sum(len(b) for b in _wkb(survey) if b is not None)
    assert wkb_bytes <= joined.nbytes <= wkb_bytes + 9 * len(survey) + 64 * len(joined._parts)
    with pytest.raises(IndexError):
        joined[np.array([len(survey)])]


def test_chunks_cover_the_array_in_order(survey, monkeypatch):
    monkeypatch.setattr(packed_mod, "CHUNK", 97)
    packed = PackedGeometries.pack(survey)
    starts, made = zip(*packed.chunks(), strict=True)
    assert list(starts) == list(range(0, len(survey), 97))
    assert _wkb(np.concatenate(made)) == _wkb(survey)


def test_the_usable_view_is_what_the_context_overlays(survey):
    # valid_geoms: None where not present, make_valid where invalid, the polygonal part of each
    present, invalid = geometry_state(survey)
    assert invalid.sum() == 1 and (~present).sum() == 2  # the bow-tie; None and the empty one
    expected = survey.copy()
    expected[invalid] = shapely.make_valid(survey[invalid])
    expected[~present] = None
    expected = polygonal(expected)
    view = PackedGeometries.pack(survey).usable(present, invalid)
    assert _wkb(np.asarray(view)) == _wkb(expected)
    assert shapely.get_type_id(view[np.flatnonzero(invalid)][0]) == 6  # the bow-tie's two parts


def test_a_copy_leaves_features_out_without_changing_the_original(survey):
    packed = PackedGeometries.pack(survey)
    cut = packed.copy()
    cut[:100] = None
    assert all(g is None for g in cut[:100])
    assert _wkb(cut[100:]) == _wkb(survey[100:])
    assert _wkb(np.asarray(packed)) == _wkb(survey)
    with pytest.raises(TypeError):
        cut[0] = survey[0]


@pytest.mark.parametrize("geometry", [True, False])
@pytest.mark.parametrize("chunk", [1, 50, 10_000])
def test_overlay_pairs_on_a_packed_layer_equal_the_plain_layer(
    plots, survey, geometry, chunk, monkeypatch
):
    present, invalid = geometry_state(survey)
    view = PackedGeometries.pack(survey).usable(present, invalid)
    plain = np.asarray(view)
    whole = overlay_pairs(plots, plain, crs=CRS, tolerance_m2=1.0, geometry=geometry)
    assert len(whole) > 100
    monkeypatch.setattr(packed_mod, "CHUNK", chunk)
    parts = overlay_pairs(plots, view, crs=CRS, tolerance_m2=1.0, geometry=geometry)
    cols = [c for c in whole.columns if c != "geometry"]
    pd.testing.assert_frame_equal(parts[cols], whole[cols])
    if geometry:
        assert _wkb(parts["geometry"]) == _wkb(whole["geometry"])


def test_uncovered_parts_with_a_packed_layer_equal_the_plain_layer(plots, survey, monkeypatch):
    present, invalid = geometry_state(survey)
    view = PackedGeometries.pack(survey).usable(present, invalid)
    whole = uncovered_parts(plots, np.asarray(view), crs=CRS, tolerance_m2=1.0)
    monkeypatch.setattr(packed_mod, "CHUNK", 64)
    parts = uncovered_parts(plots, view, crs=CRS, tolerance_m2=1.0)
    pd.testing.assert_frame_equal(parts.drop(columns="geometry"), whole.drop(columns="geometry"))
    assert _wkb(parts["geometry"]) == _wkb(whole["geometry"])


@pytest.mark.parametrize("chunk", [1, 64, 10_000])
def test_near_mask_of_a_packed_layer_equals_the_plain_layer(plots, survey, chunk, monkeypatch):
    whole = near_mask(survey, plots, 100.0)
    assert 0 < whole.sum() < len(survey)
    monkeypatch.setattr(packed_mod, "CHUNK", chunk)
    assert near_mask(PackedGeometries.pack(survey), plots, 100.0).tolist() == whole.tolist()


def test_per_geometry_measures_the_chosen_features(survey, monkeypatch):
    monkeypatch.setattr(packed_mod, "CHUNK", 13)
    pos = np.flatnonzero(shapely.area(survey) > 1_000)
    got = per_geometry(shapely.area, PackedGeometries.pack(survey), pos)
    np.testing.assert_array_equal(got, shapely.area(survey[pos]))
    np.testing.assert_array_equal(per_geometry(shapely.area, survey, pos), got)


@pytest.mark.parametrize("piece", [1, 7, 120, 10_000])
def test_overlay_in_pieces_gives_each_pieces_pairs(plots, survey, piece, monkeypatch):
    # each piece's pairs are overlay_pairs of that piece with the whole plain layer, whether the
    # right-hand layer is plain or packed (then made into GEOS only where a piece may meet it)
    present, invalid = geometry_state(survey)
    view = PackedGeometries.pack(survey).usable(present, invalid)
    plain = np.asarray(view)
    monkeypatch.setattr(packed_mod, "CHUNK", 64)
    starts = []
    for right in (plain, view):
        got = list(overlay_in_pieces(plots, right, piece=piece, crs=CRS, tolerance_m2=1.0))
        starts.append([start for start, _ in got])
        for start, pairs in got:
            want = overlay_pairs(plots[start : start + piece], plain, crs=CRS, tolerance_m2=1.0)
            pd.testing.assert_frame_equal(
                pairs.drop(columns="geometry"), want.drop(columns="geometry")
            )
            assert _wkb(pairs["geometry"]) == _wkb(want["geometry"])
    assert starts[0] == starts[1] == list(range(0, len(plots), piece))


def test_take_and_pickle_keep_the_view(survey):
    # what the dask engine sends a worker: the features at some positions, the usable view's
    # masks taken along, through pickle (a worker in another process)
    import pickle

    present, invalid = geometry_state(survey)
    view = PackedGeometries.pack(survey).usable(present, invalid)
    pos = np.flatnonzero(np.arange(len(survey)) % 3 == 1)
    sent = pickle.loads(pickle.dumps(view.take(pos)))
    assert len(sent) == len(pos) and len(sent._parts) == 1
    assert _wkb(np.asarray(sent)) == _wkb(view[pos])
    with pytest.raises(ValueError, match="increasing"):
        view.take(pos[::-1])
    assert len(view.take(np.zeros(0, dtype=np.int64))) == 0
