"""Making a raster usable for the plots: a metric grid for slope, and the reasons a plot gets no
value.

A DEM in a geographic CRS (degrees) cannot give a slope directly: Horn's method divides height
differences in metres by pixel sizes that must be metres too. :func:`warp_to_metric` reprojects
the window around the plots with :func:`rasterio.warp.reproject` (bilinear) to a projected CRS
in metres — the plots' CRS when it is projected, else a transverse Mercator centred on the
plots — so the slope is computed on a metric grid. The ``reason`` column of the statistics
(:data:`REASONS`) says, for every plot that got no value, why.
"""

from __future__ import annotations

import logging
import math
import warnings
from typing import Any

import numpy as np
import shapely
from pyproj import CRS

logger = logging.getLogger(__name__)

__all__ = ["REASONS", "metric_crs", "reason_column", "slope_degrees", "warp_to_metric"]

#: The texts of the ``reason`` column (None where the plot has a value).
REASONS = {
    "no_geometry": "the plot has no usable geometry",
    "off_raster": "the plot does not lie on the raster",
    "nodata": "the raster has only nodata under the plot",
}


def metric_crs(crs: CRS, geoms: np.ndarray) -> CRS:
    """A projected CRS in metres for slope: ``crs`` itself when projected in metres, else local
    TM."""
    if crs.is_projected and all(a.unit_name in ("metre", "meter") for a in crs.axis_info):
        return crs
    usable = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    lon = 105.0
    if len(usable):
        import geopandas as gpd

        west, _, east, _ = gpd.GeoSeries(usable, crs=crs).to_crs("EPSG:4326").total_bounds
        if np.isfinite([west, east]).all():
            lon = float(west + east) / 2.0
    return CRS.from_proj4(
        f"+proj=tmerc +lat_0=0 +lon_0={lon:.6f} +k=1 +x_0=500000 +y_0=0 +ellps=GRS80 +units=m "
        "+no_defs"
    )


def warp_to_metric(
    values: np.ndarray, transform: Any, src_crs: CRS, dst_crs: CRS
) -> tuple[np.ndarray, Any]:
    """Reproject a raster window (NaN = nodata) to ``dst_crs`` on square pixels of about the same
    size.

    Returns
    -------
    (numpy.ndarray, affine.Affine)
        float64 values (NaN where no source value) and their transform in ``dst_crs``.
    """
    from rasterio.warp import Resampling, calculate_default_transform, reproject

    height, width = values.shape
    left, top = transform.c, transform.f
    right, bottom = left + width * transform.a, top + height * transform.e
    with warnings.catch_warnings():
        # rasterio multiplies Affine objects with `*`, which affine ≥ 3 flags
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        dst_transform, dst_width, dst_height = calculate_default_transform(
            src_crs, dst_crs, width, height, left=left, bottom=bottom, right=right, top=top
        )
    # square pixels (Horn's method takes both sizes, but a square grid keeps the interpolation even)
    size = min(abs(dst_transform.a), abs(dst_transform.e))
    from affine import Affine

    dst_width = max(int(np.ceil(dst_width * abs(dst_transform.a) / size)), 1)
    dst_height = max(int(np.ceil(dst_height * abs(dst_transform.e) / size)), 1)
    dst_transform = Affine(size, 0.0, dst_transform.c, 0.0, -size, dst_transform.f)
    out = np.full((dst_height, dst_width), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        reproject(
            source=np.asarray(values, dtype=float),
            destination=out,
            src_transform=transform,
            src_crs=src_crs.to_wkt(),
            dst_transform=dst_transform,
            dst_crs=dst_crs.to_wkt(),
            src_nodata=np.nan,
            dst_nodata=np.nan,
            resampling=Resampling.bilinear,
        )
    logger.info(
        "DEM window warped from %s to %s (%d × %d pixels of %.2f m)",
        src_crs.name,
        dst_crs.name,
        dst_width,
        dst_height,
        size,
    )
    return out, dst_transform


def reason_column(geoms: np.ndarray, mean: np.ndarray, default: str | None = None) -> np.ndarray:
    """The ``reason`` of each row: None where ``mean`` is a number, else why there is none.

    ``default`` is the reason for every plot without a value (a raster-wide problem); without
    it, a plot without geometry gets ``no_geometry`` and any other ``nodata``.
    """
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    out = np.full(len(geoms), None, dtype=object)
    nan = np.isnan(np.asarray(mean, dtype=float))
    out[nan] = default if default is not None else REASONS["nodata"]
    out[nan & missing] = REASONS["no_geometry"]
    return out


def slope_degrees(
    z: np.ndarray, *, xres: float, yres: float, nodata: float | None = None
) -> np.ndarray:
    """Slope in degrees of a DEM array by Horn's method.

    Parameters
    ----------
    z
        Elevations (rows north to south), in the same unit as ``xres``/``yres`` (metres).
    xres, yres
        Pixel size in x and y (positive).
    nodata
        Value marking missing elevations (NaN always does).

    Returns
    -------
    numpy.ndarray
        float64 slope in degrees, same shape as ``z``; NaN where the 3×3 window touches nodata
        or the edge of the array.
    """
    zz = np.asarray(z, dtype=float).copy()
    if nodata is not None and not (isinstance(nodata, float) and math.isnan(nodata)):
        zz[zz == nodata] = np.nan
    out = np.full(zz.shape, np.nan)
    if zz.shape[0] < 3 or zz.shape[1] < 3:
        return out
    a, b, c = zz[:-2, :-2], zz[:-2, 1:-1], zz[:-2, 2:]
    d, f = zz[1:-1, :-2], zz[1:-1, 2:]
    g, h, i = zz[2:, :-2], zz[2:, 1:-1], zz[2:, 2:]
    dzdx = ((c + 2 * f + i) - (a + 2 * d + g)) / (8.0 * xres)
    dzdy = ((g + 2 * h + i) - (a + 2 * b + c)) / (8.0 * yres)
    centre_missing = np.isnan(zz[1:-1, 1:-1])
    slope = np.degrees(np.arctan(np.hypot(dzdx, dzdy)))
    slope[centre_missing] = np.nan
    out[1:-1, 1:-1] = slope
    return out
