"""Rasters (rasterio): slope from a DEM, and zonal statistics per plot.

Three things the rules need from rasters (DOMAIN.md §3):

* **slope in degrees** from a DEM in a projected CRS with metre units, by **Horn's method**
  (Horn 1981, the 3×3 weighted finite difference used by ``gdaldem slope``, ArcGIS and QGIS):
  for the window ``a b c / d e f / g h i`` around a cell,
  ``dz/dx = ((c + 2f + i) − (a + 2d + g)) / (8 Δx)``,
  ``dz/dy = ((g + 2h + i) − (a + 2b + c)) / (8 Δy)``, slope = ``atan(√(dz/dx² + dz/dy²))``.
  A cell whose 3×3 window touches nodata or the raster edge has no slope (NaN), as in
  ``gdaldem`` without ``-compute_edges``. Or a given **slope raster** (degrees) is used as is.
* **zonal mean and max per plot**, computed with `exactextract`_, which weights every pixel by
  the fraction of it that the polygon covers: partial pixels count by their covered share,
  a plot smaller than a pixel takes the value of the pixel(s) it lies in, nodata (and NaN)
  pixels are left out, and a plot over nodata only gets NaN. ``max`` is over every pixel the
  plot covers any part of.
* the **area-weighted mean of a quality-grade raster** per plot: the coverage-weighted mean;
  in a projected CRS every cell has the same area, so it is the area-weighted mean; in a
  geographic CRS each cell is weighted by its spherical area.

Only the window of the raster around the plots is read (plus one pixel for the slope kernel),
so a province-wide DEM is never loaded whole. Plots in another CRS than the raster are
transformed to the raster's CRS for the statistics.

.. _exactextract: https://isciences.github.io/exactextract/
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..base.errors import DataSourceError
from .formats import ensure_readable_source
from .rasterprep import REASONS, metric_crs, reason_column, slope_degrees, warp_to_metric

logger = logging.getLogger(__name__)

__all__ = [
    "RasterInfo",
    "inspect_raster",
    "plot_slope",
    "raster_mean",
    "read_window",
    "slope_degrees",
    "zonal_stats",
]


@dataclass(frozen=True)
class RasterInfo:
    """What a raster file is: its CRS, grid and nodata value (one band)."""

    path: Path
    band: int
    crs: CRS | None
    transform: Any
    width: int
    height: int
    nodata: float | None

    @property
    def res(self) -> tuple[float, float]:
        """Pixel size (x, y), positive, in CRS units."""
        return (abs(self.transform.a), abs(self.transform.e))


def inspect_raster(path: str | Path, *, band: int = 1, role: str = "raster") -> RasterInfo:
    """Open a raster and check it can be used for zonal statistics.

    Parameters
    ----------
    path
        A raster file GDAL can read (GeoTIFF …).
    band
        1-based band number.
    role
        Raster role (``dem``, ``slope``, ``quality``), used in error messages.

    Returns
    -------
    RasterInfo

    Raises
    ------
    DataSourceError
        The file is missing or not a raster, the band does not exist, the CRS is missing, or
        the grid is rotated; the message names the file and what to do.
    """
    import rasterio

    path = ensure_readable_source(path, role, kind="raster")
    if path.is_dir():
        raise DataSourceError(
            f"{path}: is a folder, not a raster file (raster '{role}'); give the path of a GeoTIFF"
        )
    try:
        with (
            rasterio.Env(GDAL_PAM_ENABLED="NO"),
            rasterio.open(path) as ds,
        ):  # no .aux.xml beside an input
            count, crs, transform = ds.count, ds.crs, ds.transform
            width, height = ds.width, ds.height
            nodata = ds.nodatavals[band - 1] if 1 <= band <= count else None
    except Exception as exc:  # noqa: BLE001 - rasterio/GDAL raise several types
        raise DataSourceError(
            f"{path}: cannot open as a raster (raster '{role}'): {exc}; check that the file is a "
            "complete GeoTIFF"
        ) from None
    if not 1 <= band <= count:
        raise DataSourceError(
            f"{path}: raster '{role}' has {count} band(s); band {band} does not exist"
        )
    if crs is None:
        raise DataSourceError(
            f"{path}: raster '{role}' has no CRS; assign one (e.g. gdal_edit.py -a_srs EPSG:4545 "
            f"{path.name})"
        )
    if transform.b != 0 or transform.d != 0 or transform.e >= 0:
        raise DataSourceError(
            f"{path}: raster '{role}' is rotated or not north-up; warp it to a north-up grid "
            "(gdalwarp)"
        )
    return RasterInfo(path, band, CRS.from_user_input(crs), transform, width, height, nodata)


def read_window(
    info: RasterInfo, bounds: tuple[float, float, float, float], *, pad: int = 0
) -> tuple[np.ndarray, Any] | None:
    """Read the part of a raster band covering ``bounds`` (in the raster's CRS), plus ``pad``
    pixels.

    Returns
    -------
    (array, transform) or None
        float64 values with nodata as NaN and the window's affine transform; None when
        ``bounds`` lies outside the raster.
    """
    import rasterio
    from affine import Affine
    from rasterio.windows import Window

    t = info.transform
    xmin, ymin, xmax, ymax = bounds
    col0 = math.floor((xmin - t.c) / t.a) - pad
    col1 = math.ceil((xmax - t.c) / t.a) + pad
    row0 = math.floor((ymax - t.f) / t.e) - pad
    row1 = math.ceil((ymin - t.f) / t.e) + pad
    col0, row0 = max(col0, 0), max(row0, 0)
    col1, row1 = min(col1, info.width), min(row1, info.height)
    if col1 <= col0 or row1 <= row0:
        return None
    window = Window(col0, row0, col1 - col0, row1 - row0)
    with (
        rasterio.Env(GDAL_PAM_ENABLED="NO"),
        rasterio.open(info.path) as ds,
    ):  # no .aux.xml beside an input
        data = ds.read(info.band, window=window, masked=True)
    transform = Affine(t.a, 0.0, t.c + col0 * t.a, 0.0, t.e, t.f + row0 * t.e)
    values = np.ma.filled(data.astype(float), np.nan)
    return values, transform


_NAMES = ("mean", "max", "pixels")


def _stats_frame(n: int, names: tuple[str, ...]) -> pd.DataFrame:
    return pd.DataFrame({name: np.full(n, np.nan) for name in names})


def _exact_extract(
    source, geoms: np.ndarray, crs: CRS, ops: list[str], n: int, names: tuple[str, ...]
) -> pd.DataFrame:
    """Run exactextract over the usable geometries; rows for unusable ones stay NaN."""
    import geopandas as gpd
    from exactextract import exact_extract

    out = _stats_frame(n, names)
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    pos = np.flatnonzero(usable)
    if len(pos) == 0:
        return out
    vec = gpd.GeoDataFrame(geometry=gpd.GeoSeries(geoms[pos], crs=crs))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        result = exact_extract(source, vec, ops, output="pandas")
    for name, col in zip(names, result.columns, strict=True):
        out.loc[pos, name] = result[col].to_numpy(dtype=float)
    return out


def zonal_stats(
    geoms,
    values: np.ndarray,
    *,
    transform: Any,
    crs: Any,
    nodata: float | None = None,
) -> pd.DataFrame:
    """Coverage-weighted zonal mean, max and covered pixel count of an in-memory raster.

    Parameters
    ----------
    geoms
        Polygons in ``crs`` (None/empty give NaN rows).
    values
        2-D array of the raster (rows north to south).
    transform
        Affine transform of ``values`` (north-up).
    crs
        CRS of both the raster and ``geoms``.
    nodata
        Value marking missing pixels (NaN always does).

    Returns
    -------
    pandas.DataFrame
        One row per geometry: ``mean`` (weighted by the covered fraction of each pixel), ``max``
        (over every pixel covered in part), ``pixels`` (Σ covered fractions of valid pixels;
        0.25 for a plot a quarter of a pixel in size).
    """
    from exactextract.raster import NumPyRasterSource

    geoms = np.asarray(geoms, dtype=object)
    crs = CRS.from_user_input(crs)
    arr = np.asarray(values, dtype=float)
    height, width = arr.shape
    xmin, ymax = transform.c, transform.f
    xmax, ymin = xmin + width * transform.a, ymax + height * transform.e
    nd = (
        None
        if nodata is None or (isinstance(nodata, float) and math.isnan(nodata))
        else float(nodata)
    )
    source = NumPyRasterSource(arr, xmin, ymin, xmax, ymax, nodata=nd, srs_wkt=crs.to_wkt())
    return _exact_extract(
        source, geoms, crs, ["mean", "max", "count"], len(geoms), ("mean", "max", "pixels")
    )


def _transform(geoms: np.ndarray, src: Any, dst: Any) -> np.ndarray:
    import geopandas as gpd

    return np.asarray(gpd.GeoSeries(geoms, crs=src).to_crs(dst).array, dtype=object)


def _to_raster_crs(geoms: np.ndarray, crs: Any, info: RasterInfo) -> np.ndarray:
    src = CRS.from_user_input(crs)
    if info.crs is None or src.equals(info.crs):
        return geoms
    return _transform(geoms, src, info.crs)


def _bounds(geoms: np.ndarray) -> tuple[float, float, float, float] | None:
    usable = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not usable.any():
        return None
    b = shapely.bounds(geoms[usable])
    return (float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max()))


def plot_slope(
    geoms,
    *,
    crs: Any,
    dem: str | Path | None = None,
    slope: str | Path | None = None,
    band: int = 1,
) -> pd.DataFrame:
    """Mean and max slope (degrees) of each plot, from a slope raster or computed from a DEM.

    Parameters
    ----------
    geoms
        Plot polygons in ``crs``.
    crs
        CRS of ``geoms``.
    dem
        DEM file (elevations in metres, projected CRS in metres); slope by Horn's method over
        the window around the plots (read with a one-pixel margin).
    slope
        A slope raster in degrees; used as is and preferred over ``dem`` when both are given.
    band
        Band of the raster.

    Returns
    -------
    pandas.DataFrame
        ``mean``, ``max`` (degrees) and ``pixels`` (covered valid pixels) per plot, and
        ``reason``: missing (None/NaN) where the plot has a value, else why it has none (a text for
        the
        rule's "not checked" info): the plot has no geometry, lies off the raster, has only
        nodata under it, or the raster cannot be used at all (missing, unreadable, no CRS,
        rotated, CRS not transformable — the whole column then carries that message).
        A DEM in a geographic CRS is not refused: the window around the plots is warped to a
        metric CRS (the plots' CRS when projected) before the slope is computed.

    Raises
    ------
    ValueError
        Neither ``dem`` nor ``slope`` is given (a programming error). An unusable raster never
        raises: its plots get NaN with a reason, so the rule reports them as not checked.
    """
    if slope is None and dem is None:
        raise ValueError("plot_slope needs a dem or a slope raster")
    geoms = np.asarray(geoms, dtype=object)
    path = Path(slope if slope is not None else dem)
    role = "slope" if slope is not None else "dem"
    return _guarded(
        geoms, path, role, lambda: _plot_slope(geoms, CRS.from_user_input(crs), path, role, band)
    )


def _guarded(geoms: np.ndarray, path: Path, role: str, compute) -> pd.DataFrame:
    """``compute()``, or NaN rows whose ``reason`` says why when the raster cannot be used."""
    try:
        return compute()
    except Exception as exc:  # noqa: BLE001 - an unusable raster is "not checked", never a crashed rule
        reason = (
            f"raster '{role}' not usable: {exc}"
            if isinstance(exc, DataSourceError)
            else (f"raster '{role}' ({path.name}) not usable: {type(exc).__name__}: {exc}")
        )
        logger.warning("%s", reason)
        logger.debug("raster failure", exc_info=True)
        out = _stats_frame(len(geoms), _NAMES)
        out["reason"] = reason_column(geoms, out["mean"].to_numpy(), reason)
        return out


def _with_reasons(
    stats: pd.DataFrame, geoms: np.ndarray, local: np.ndarray, info: RasterInfo
) -> pd.DataFrame:
    """Add the ``reason`` column: no geometry, off the raster, or only nodata under the plot."""
    t = info.transform
    extent = shapely.box(t.c, t.f + info.height * t.e, t.c + info.width * t.a, t.f)
    reasons = reason_column(geoms, stats["mean"].to_numpy(dtype=float))
    present = ~(shapely.is_missing(local) | shapely.is_empty(local))
    off = present & ~shapely.intersects(local, extent) & (reasons != None)  # noqa: E711
    reasons[off] = REASONS["off_raster"]
    stats["reason"] = reasons
    return stats


def _metric(crs: CRS | None) -> bool:
    return (
        crs is not None
        and crs.is_projected
        and all(a.unit_name in ("metre", "meter") for a in crs.axis_info)
    )


def _plot_slope(geoms: np.ndarray, crs: CRS, path: Path, role: str, band: int) -> pd.DataFrame:
    info = inspect_raster(path, band=band, role=role)
    local = _to_raster_crs(geoms, crs, info)
    bounds = _bounds(local)
    window = None if bounds is None else read_window(info, bounds, pad=1 if role == "dem" else 0)
    if window is None:
        if bounds is not None:
            logger.info("%s: no plot lies on the raster; no slope", path)
        return _with_reasons(_stats_frame(len(geoms), _NAMES), geoms, local, info)
    values, transform = window
    if role == "slope":
        stats = zonal_stats(local, values, transform=transform, crs=info.crs)
    elif _metric(info.crs):
        values = slope_degrees(values, xres=abs(transform.a), yres=abs(transform.e))
        stats = zonal_stats(local, values, transform=transform, crs=info.crs)
    else:
        # degrees (or feet) cannot be mixed with metres of elevation: warp the window to metres
        # first
        target = metric_crs(crs, geoms)
        grid = read_window(info, bounds, pad=3) or window
        warped, wt = warp_to_metric(grid[0], grid[1], info.crs, target)
        values = slope_degrees(warped, xres=abs(wt.a), yres=abs(wt.e))
        plots = geoms if target.equals(crs) else _transform(geoms, crs, target)
        stats = zonal_stats(plots, values, transform=wt, crs=target)
    return _with_reasons(stats.drop(columns="reason", errors="ignore"), geoms, local, info)


def raster_mean(
    geoms, path: str | Path, *, crs: Any, band: int = 1, role: str = "quality"
) -> pd.DataFrame:
    """Area-weighted mean of a raster (e.g. quality grade) per plot.

    Parameters
    ----------
    geoms
        Plot polygons in ``crs``.
    path
        The raster file.
    crs
        CRS of ``geoms``.
    band
        Band of the raster.
    role
        Raster role, for error messages.

    Returns
    -------
    pandas.DataFrame
        ``mean`` (each pixel weighted by the area of it inside the plot), ``max`` and
        ``pixels`` per plot; NaN where a plot has no valid pixel, with ``reason`` saying why
        (see :func:`plot_slope`). Never raises for an unusable raster.
    """
    geoms = np.asarray(geoms, dtype=object)
    path = Path(path)
    return _guarded(
        geoms, path, role, lambda: _raster_mean(geoms, CRS.from_user_input(crs), path, role, band)
    )


def _raster_mean(geoms: np.ndarray, crs: CRS, path: Path, role: str, band: int) -> pd.DataFrame:
    info = inspect_raster(path, band=band, role=role)
    local = _to_raster_crs(geoms, crs, info)
    bounds = _bounds(local)
    window = None if bounds is None else read_window(info, bounds)
    if window is None:
        return _with_reasons(_stats_frame(len(geoms), _NAMES), geoms, local, info)
    values, transform = window
    if info.crs is not None and info.crs.is_geographic:
        from exactextract.raster import NumPyRasterSource

        height, width = values.shape
        xmin, ymax = transform.c, transform.f
        source = NumPyRasterSource(
            values,
            xmin,
            ymax + height * transform.e,
            xmin + width * transform.a,
            ymax,
            srs_wkt=info.crs.to_wkt(),
        )
        ops = ["mean(coverage_weight=area_spherical_m2)", "max", "count"]
        stats = _exact_extract(source, local, info.crs, ops, len(geoms), _NAMES)
    else:
        stats = zonal_stats(local, values, transform=transform, crs=info.crs)
    return _with_reasons(stats.drop(columns="reason", errors="ignore"), geoms, local, info)
