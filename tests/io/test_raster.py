"""Rasters: Horn slope against analytic surfaces, zonal statistics with known answers."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import rasterio
import shapely
from affine import Affine
from pyproj import Transformer

from landlink_gis.base.errors import DataSourceError
from landlink_gis.io.raster import (
    inspect_raster,
    plot_slope,
    raster_mean,
    slope_degrees,
    zonal_stats,
)
from tests.support.geoms import CRS, X0, Y0, rect

PIXEL = 5.0


def write_tif(path, values, *, x0=X0, y0=Y0, xres=PIXEL, yres=PIXEL, crs=CRS, nodata=None):
    """Write a float32 GeoTIFF whose upper-left corner is (x0, y0 + rows * yres)."""
    values = np.asarray(values, dtype="float32")
    top = y0 + values.shape[0] * yres
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype="float32",
        crs=crs,
        transform=Affine(xres, 0.0, x0, 0.0, -yres, top),
        nodata=nodata,
    ) as ds:
        ds.write(values, 1)
    return path


def plane(gx: float, gy: float, shape=(80, 80), xres=PIXEL, yres=PIXEL) -> np.ndarray:
    """Elevations z = 500 + gx·x + gy·y at pixel centres (rows north to south)."""
    rows, cols = shape
    x = (np.arange(cols) + 0.5) * xres
    y = (rows - np.arange(rows) - 0.5) * yres
    xx, yy = np.meshgrid(x, y)
    return 500.0 + gx * xx + gy * yy


def test_horn_slope_of_inclined_plane_is_analytic():
    z = plane(0.3, -0.4)
    s = slope_degrees(z, xres=PIXEL, yres=PIXEL)
    expected = math.degrees(math.atan(0.5))  # |gradient| = 0.5 → 26.565°
    assert np.allclose(s[1:-1, 1:-1], expected, atol=1e-9)
    assert np.isnan(s[0]).all() and np.isnan(s[:, -1]).all()  # edges: no full 3×3 window


def test_horn_slope_with_rectangular_pixels():
    z = plane(0.2, 0.1, xres=5.0, yres=10.0)
    s = slope_degrees(z, xres=5.0, yres=10.0)
    assert np.allclose(s[1:-1, 1:-1], math.degrees(math.atan(math.hypot(0.2, 0.1))), atol=1e-9)


def test_horn_slope_of_quadratic_is_exact_at_centres():
    # z = a·x²: Horn's weighted central difference is exact for a quadratic → atan(2·a·x)
    a = 0.002
    x = (np.arange(60) + 0.5) * PIXEL
    z = np.tile(a * x**2, (7, 1))
    s = slope_degrees(z, xres=PIXEL, yres=PIXEL)
    assert np.allclose(s[1:-1, 1:-1], np.degrees(np.arctan(2 * a * x[1:-1])), atol=1e-9)


def test_nodata_cells_poison_only_their_neighbourhood():
    z = plane(0.3, 0.0, shape=(10, 10))
    z[5, 5] = -9999.0
    s = slope_degrees(z, xres=PIXEL, yres=PIXEL, nodata=-9999.0)
    assert np.isnan(s[4:7, 4:7]).all()
    assert np.allclose(s[2, 2], math.degrees(math.atan(0.3)))


@pytest.mark.parametrize(("gx", "gy"), [(0.3, -0.4), (0.0, 0.75), (0.05, 0.02)])
def test_plot_slope_from_dem_file_equals_analytic_angle(tmp_path, gx, gy):
    dem = write_tif(tmp_path / "dem.tif", plane(gx, gy), nodata=-9999.0)
    plots = np.array(
        [rect(50, 60, 37, 23), rect(100.5, 100.5, 2, 2), rect(201, 151, 55, 70)], dtype=object
    )
    stats = plot_slope(plots, crs=CRS, dem=dem)
    expected = math.degrees(math.atan(math.hypot(gx, gy)))
    assert np.allclose(stats["mean"], expected, atol=0.1)
    assert np.allclose(stats["max"], expected, atol=0.1)


def test_plot_slope_with_plots_in_another_crs(tmp_path):
    dem = write_tif(tmp_path / "dem.tif", plane(0.3, -0.4))
    plot = rect(100, 100, 50, 40)
    to_geo = Transformer.from_crs(CRS, "EPSG:4490", always_xy=True)
    geo_plot = shapely.transform(
        shapely.segmentize(plot, 5.0), lambda c: np.column_stack(to_geo.transform(c[:, 0], c[:, 1]))
    )
    stats = plot_slope(np.array([geo_plot], dtype=object), crs="EPSG:4490", dem=dem)
    assert stats["mean"].iloc[0] == pytest.approx(math.degrees(math.atan(0.5)), abs=0.1)


def test_slope_raster_is_used_as_is(tmp_path):
    values = np.full((20, 20), 12.0)
    values[:, 10:] = 30.0
    slope = write_tif(tmp_path / "slope.tif", values)
    # 10 m in the 12° half, 30 m in the 30° half → area-weighted mean 12·1/4 + 30·3/4
    stats = plot_slope(np.array([rect(40, 10, 40, 20)], dtype=object), crs=CRS, slope=slope)
    assert stats["mean"].iloc[0] == pytest.approx(12.0 * 0.25 + 30.0 * 0.75)
    assert stats["max"].iloc[0] == pytest.approx(30.0)


def _grid():
    # 2 × 3 pixels of 5 m: row 0 (north) = 1, nodata, 3; row 1 = 4, 5, 6
    values = np.array([[1.0, -9999.0, 3.0], [4.0, 5.0, 6.0]])
    transform = Affine(PIXEL, 0.0, X0, 0.0, -PIXEL, Y0 + 10.0)
    return values, transform


def test_zonal_nodata_is_left_out():
    values, transform = _grid()
    whole = rect(0, 0, 15, 10)
    stats = zonal_stats([whole], values, transform=transform, crs=CRS, nodata=-9999.0)
    assert stats["mean"].iloc[0] == pytest.approx((1 + 3 + 4 + 5 + 6) / 5)
    assert stats["max"].iloc[0] == 6.0
    assert stats["pixels"].iloc[0] == pytest.approx(5.0)
    only_nodata = rect(6, 6, 3, 3)  # inside the nodata pixel
    stats = zonal_stats([only_nodata], values, transform=transform, crs=CRS, nodata=-9999.0)
    assert np.isnan(stats["mean"].iloc[0]) and np.isnan(stats["max"].iloc[0])


def test_zonal_nan_counts_as_nodata():
    values, transform = _grid()
    values = values.copy()
    values[0, 1] = np.nan
    stats = zonal_stats([rect(0, 0, 15, 10)], values, transform=transform, crs=CRS)
    assert stats["mean"].iloc[0] == pytest.approx(3.8)


def test_zonal_partial_pixels_are_weighted_by_coverage():
    values, transform = _grid()
    # all of pixel (1,0)=4 and the western 2 m (40 %) of pixel (1,1)=5
    plot = rect(0, 0, 7, 5)
    stats = zonal_stats([plot], values, transform=transform, crs=CRS, nodata=-9999.0)
    assert stats["mean"].iloc[0] == pytest.approx((4 * 1.0 + 5 * 0.4) / 1.4)
    assert stats["max"].iloc[0] == 5.0
    assert stats["pixels"].iloc[0] == pytest.approx(1.4)


def test_zonal_plot_smaller_than_a_pixel_takes_its_value():
    values, transform = _grid()
    tiny = rect(11, 6, 1, 1)  # 1 m² inside pixel (0,2) = 3
    straddling = rect(4.5, 2, 1, 1)  # half in pixel (1,0)=4, half in (1,1)=5
    stats = zonal_stats(
        [tiny, straddling, None], values, transform=transform, crs=CRS, nodata=-9999.0
    )
    assert stats["mean"].iloc[0] == pytest.approx(3.0)
    assert stats["pixels"].iloc[0] == pytest.approx(1 / 25)
    assert stats["mean"].iloc[1] == pytest.approx(4.5)
    assert np.isnan(stats["mean"].iloc[2])


def test_quality_raster_area_weighted_mean(tmp_path):
    grades = np.full((10, 10), 5.0)
    grades[:, 5:] = 9.0
    grades[0, 0] = 0.0  # nodata
    path = write_tif(tmp_path / "quality.tif", grades, nodata=0.0)
    # 15 m in grade 5 and 5 m in grade 9 (of a 20 m × 10 m plot) → 6.0
    stats = raster_mean(
        np.array([rect(10, 10, 20, 10), rect(0, 45, 5, 5)], dtype=object), path, crs=CRS
    )
    assert stats["mean"].iloc[0] == pytest.approx(6.0)
    assert np.isnan(stats["mean"].iloc[1])  # the nodata corner pixel only


def test_quality_raster_in_geographic_crs_uses_cell_areas(tmp_path):
    grades = np.array([[2.0, 8.0]])
    lon0, lat0, d = 106.75, 31.85, 0.001
    with rasterio.open(
        tmp_path / "q.tif",
        "w",
        driver="GTiff",
        width=2,
        height=1,
        count=1,
        dtype="float32",
        crs="EPSG:4490",
        transform=Affine(d, 0.0, lon0, 0.0, -d, lat0 + d),
    ) as ds:
        ds.write(grades.astype("float32"), 1)
    plot = shapely.box(lon0, lat0, lon0 + 2 * d, lat0 + d)
    stats = raster_mean(np.array([plot], dtype=object), tmp_path / "q.tif", crs="EPSG:4490")
    assert stats["mean"].iloc[0] == pytest.approx(5.0, abs=1e-6)


def test_bad_rasters_are_clear_errors(tmp_path):
    with pytest.raises(DataSourceError, match="raster file not found"):
        inspect_raster(tmp_path / "missing.tif", role="dem")
    (tmp_path / "junk.tif").write_text("not a raster")
    with pytest.raises(DataSourceError, match="cannot open as a raster"):
        inspect_raster(tmp_path / "junk.tif", role="dem")
    good = write_tif(tmp_path / "dem.tif", plane(0.1, 0.1, shape=(5, 5)))
    with pytest.raises(DataSourceError, match="band 2 does not exist"):
        inspect_raster(good, band=2)


def _warp(src, dst, crs: str):
    """Write ``src`` reprojected to ``crs`` (bilinear) as ``dst``, as a GIS user would with
    gdalwarp."""
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    with rasterio.open(src) as ds, warnings.catch_warnings():
        warnings.simplefilter(
            "ignore", PendingDeprecationWarning
        )  # rasterio multiplies Affine with `*`
        transform, width, height = calculate_default_transform(
            ds.crs, crs, ds.width, ds.height, *ds.bounds
        )
        profile = ds.profile | {
            "crs": crs,
            "transform": transform,
            "width": width,
            "height": height,
            "nodata": -9999.0,
        }
        with rasterio.open(dst, "w", **profile) as out:
            reproject(
                rasterio.band(ds, 1),
                rasterio.band(out, 1),
                resampling=Resampling.bilinear,
                dst_nodata=-9999.0,
            )
    return dst


def test_geographic_dem_is_warped_to_metres_before_the_slope(tmp_path):
    projected = write_tif(tmp_path / "dem.tif", plane(0.3, -0.4, shape=(120, 120)))
    geo = _warp(projected, tmp_path / "dem_4490.tif", "EPSG:4490")
    with rasterio.open(geo) as ds:
        assert ds.crs.is_geographic
    plots = np.array([rect(150, 200, 80, 60), rect(300, 300, 100, 100)], dtype=object)
    stats = plot_slope(plots, crs=CRS, dem=geo)
    # the analytic 26.565° survives the round trip through degrees (bilinear resampling twice)
    assert np.allclose(stats["mean"], math.degrees(math.atan(0.5)), atol=0.3)
    assert stats["reason"].isna().all()
    # plots given in degrees too: a local transverse Mercator is used
    to_geo = Transformer.from_crs(CRS, "EPSG:4490", always_xy=True)
    geo_plots = [
        shapely.transform(
            shapely.segmentize(p, 5.0),
            lambda c: np.column_stack(to_geo.transform(c[:, 0], c[:, 1])),
        )
        for p in plots
    ]
    stats = plot_slope(np.array(geo_plots, dtype=object), crs="EPSG:4490", dem=geo)
    assert np.allclose(stats["mean"], math.degrees(math.atan(0.5)), atol=0.3)


def test_unusable_rasters_give_nan_with_a_reason_never_an_exception(tmp_path):
    plots = np.array([rect(100, 100, 40, 40), None], dtype=object)
    # no CRS
    nocrs = tmp_path / "nocrs.tif"
    with rasterio.open(
        nocrs,
        "w",
        driver="GTiff",
        width=30,
        height=30,
        count=1,
        dtype="float32",
        transform=Affine(PIXEL, 0.0, X0, 0.0, -PIXEL, Y0 + 150.0),
    ) as ds:
        ds.write(plane(0.3, 0.0, shape=(30, 30)).astype("float32"), 1)
    junk = tmp_path / "junk.tif"
    junk.write_bytes(b"II*\x00" + b"\x00" * 50)
    for kwargs in (
        {"dem": nocrs},
        {"slope": nocrs},
        {"dem": junk},
        {"dem": tmp_path / "missing.tif"},
    ):
        stats = plot_slope(plots, crs=CRS, **kwargs)
        assert stats["mean"].isna().all()
        assert (
            "not usable" in stats["reason"].iloc[0]
            and Path(next(iter(kwargs.values()))).name in stats["reason"].iloc[0]
        )
        assert stats["reason"].iloc[1] == "the plot has no usable geometry"
    stats = raster_mean(plots, nocrs, crs=CRS)
    assert "no CRS" in stats["reason"].iloc[0]
    # a CRS that cannot reach the plots' CRS: a raster in an engineering CRS is "not usable", not a
    # crash
    local = tmp_path / "local.tif"
    with rasterio.open(
        local,
        "w",
        driver="GTiff",
        width=30,
        height=30,
        count=1,
        dtype="float32",
        crs='LOCAL_CS["site grid",UNIT["metre",1]]',
        transform=Affine(PIXEL, 0.0, 0.0, 0.0, -PIXEL, 150.0),
    ) as ds:
        ds.write(np.ones((30, 30), dtype="float32"), 1)
    stats = plot_slope(plots, crs=CRS, dem=local)
    assert stats["mean"].isna().all() and "not usable" in stats["reason"].iloc[0]


def test_dem_in_another_projected_crs_and_off_raster_plots(tmp_path):
    dem = write_tif(tmp_path / "dem.tif", plane(0.3, -0.4, shape=(120, 120)))
    other = _warp(dem, tmp_path / "dem_4546.tif", "EPSG:4546")  # the neighbouring 3° zone
    plots = np.array(
        [rect(200, 200, 80, 60), rect(50_000, 0, 10, 10), shapely.Polygon()], dtype=object
    )
    stats = plot_slope(plots, crs=CRS, dem=other)
    assert stats["mean"].iloc[0] == pytest.approx(math.degrees(math.atan(0.5)), abs=0.3)
    assert pd.isna(stats["reason"].iloc[0])
    assert stats["reason"].iloc[1] == "the plot does not lie on the raster"
    assert stats["reason"].iloc[2] == "the plot has no usable geometry"


def test_plots_off_the_raster_get_nan(tmp_path):
    dem = write_tif(tmp_path / "dem.tif", plane(0.3, 0.0, shape=(10, 10)))
    stats = plot_slope(np.array([rect(5000, 5000, 10, 10)], dtype=object), crs=CRS, dem=dem)
    assert np.isnan(stats["mean"].iloc[0])
    assert stats["reason"].iloc[0] == "the plot does not lie on the raster"


def test_raster_paths_that_would_hang_are_refused(tmp_path):
    import os
    import time

    fifo = tmp_path / "dem.tif"
    os.mkfifo(fifo)
    start = time.monotonic()
    with pytest.raises(DataSourceError, match=r"named pipe.*raster 'dem'"):
        inspect_raster(fifo, role="dem")
    with pytest.raises(DataSourceError, match="character device"):
        inspect_raster("/dev/zero", role="dem")
    stats = plot_slope(np.array([rect(0, 0, 10, 10)], dtype=object), crs=CRS, dem=fifo)
    assert "named pipe" in stats["reason"].iloc[0]
    assert time.monotonic() - start < 2.0
