"""Reference layers read in Arrow batches and filtered by the plots (bounded memory)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from landlink_gis.io.chunks import read_near, read_vector_chunks
from tests.support.geoms import CRS, square


@pytest.fixture
def grid(tmp_path):
    geoms = [square(20 * i, 20 * j, 20) for j in range(20) for i in range(25)]  # 500 cells of 20 m
    frame = gpd.GeoDataFrame(
        {"BSM": np.arange(1, 501), "DLBM": ["0103"] * 500}, geometry=geoms, crs=CRS
    )
    frame.to_file(tmp_path / "ref.gpkg", layer="landuse")
    frame.to_parquet(tmp_path / "ref.parquet")
    return tmp_path, frame


@pytest.mark.parametrize("name", ["ref.gpkg", "ref.parquet"])
def test_batches_cover_the_layer_once(grid, name):
    folder, frame = grid
    chunks = list(
        read_vector_chunks(
            folder / name, layer="landuse" if name.endswith("gpkg") else None, batch_size=64
        )
    )
    assert max(len(c) for c in chunks) <= 64 and len(chunks) >= 8
    got = np.concatenate([c["BSM"].to_numpy() for c in chunks])
    assert sorted(got.tolist()) == list(range(1, 501))
    assert all(c.crs.equals(frame.crs) for c in chunks)


@pytest.mark.parametrize("name", ["ref.gpkg", "ref.parquet"])
def test_read_near_keeps_exactly_the_features_near_the_plots(grid, name):
    folder, frame = grid
    plots = np.array([square(5, 5, 10), square(203, 143, 30), square(2000, 2000, 5)], dtype=object)
    kept, scanned, _ = read_near(
        folder / name,
        plots,
        crs=CRS,
        layer="landuse" if name.endswith("gpkg") else None,
        batch_size=50,
    )
    # second method: envelope test of every cell against every plot
    env = shapely.envelope(plots)
    near = shapely.intersects(
        shapely.envelope(np.asarray(frame.geometry.array))[:, None], env[None, :]
    ).any(axis=1)
    assert sorted(kept["BSM"].tolist()) == sorted(frame.loc[near, "BSM"].tolist())
    assert len(kept) == 1 + 4  # 1 cell under the first plot, 2×2 cells under the second
    assert scanned <= len(frame)
    assert list(kept.columns) == ["BSM", "DLBM", "geometry"]


def test_read_near_reprojects_to_the_project_crs(grid, tmp_path):
    _, frame = grid
    frame.to_crs("EPSG:4490").to_file(tmp_path / "geo.gpkg", layer="landuse")
    plots = np.array([square(5, 5, 10)], dtype=object)
    kept, _, source_crs = read_near(tmp_path / "geo.gpkg", plots, crs=CRS, layer="landuse")
    assert kept.crs.equals(gpd.GeoSeries(crs=CRS).crs)
    assert source_crs.to_epsg() == 4490
    assert kept["BSM"].tolist() == [1]


def test_prefetched_keeps_order_raises_the_source_error_and_closes_the_source_on_early_stop() -> (
    None
):
    import threading

    from landlink_gis.io.chunks import prefetched

    assert list(prefetched(iter(range(50)), depth=3)) == list(range(50))
    assert list(prefetched(iter([]))) == []

    def failing():
        yield 1
        raise ValueError("batch 2 unreadable")

    got = []
    with pytest.raises(ValueError, match="batch 2 unreadable"):
        for x in prefetched(failing()):
            got.append(x)
    assert got == [1]

    closed = threading.Event()
    threads = set()

    def source():
        try:
            for i in range(1000):
                threads.add(threading.current_thread().name)
                yield i
        finally:
            closed.set()

    it = prefetched(source(), depth=2)
    assert next(it) == 0
    it.close()  # the consumer stops early: the source is closed (on its own thread) and the thread ends
    assert closed.is_set()
    assert threads == {"landlink-prefetch"}
    assert not any(t.name == "landlink-prefetch" for t in threading.enumerate())
