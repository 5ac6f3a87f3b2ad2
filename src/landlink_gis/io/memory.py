"""In-memory layers: a GeoDataFrame handed to the loader instead of a file or a database table.

:func:`landlink_gis.project_from_frames` puts the caller's frames into
:class:`~landlink_gis.project.file.LayerSpec` ``frame``; the loader reads them through
:func:`read_frame`, which copies (the caller's frame is never changed), applies the same extent
filter a file read would, and gives them the shape a file read has (a ``RangeIndex`` and a
geometry column named ``geometry``).
"""

from __future__ import annotations

import hashlib
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..base.errors import DataSourceError

__all__ = ["frame_sha256", "read_frame"]


def _check_frame(frame: Any, role: str) -> gpd.GeoDataFrame:
    if not isinstance(frame, gpd.GeoDataFrame):
        raise DataSourceError(
            f"layer '{role}': expected a geopandas.GeoDataFrame, got {type(frame).__name__}; "
            "build one with geopandas.GeoDataFrame(df, geometry=..., crs=...)"
        )
    try:
        frame.geometry  # noqa: B018 - raises when no active geometry column is set
    except AttributeError:
        raise DataSourceError(
            f"layer '{role}': the GeoDataFrame has no active geometry column; call "
            ".set_geometry(...) first"
        ) from None
    return frame


def read_frame(
    frame: gpd.GeoDataFrame,
    *,
    role: str,
    bbox: tuple[float, float, float, float] | None = None,
    bbox_crs: Any = None,
) -> gpd.GeoDataFrame:
    """A copy of an in-memory layer, shaped like a file read.

    Parameters
    ----------
    frame
        The caller's layer; it is not modified.
    role
        Layer role, used in error messages.
    bbox, bbox_crs
        Keep only features whose envelope meets this extent (given in ``bbox_crs``; default:
        the frame's CRS), as an extent-filtered file read would.

    Returns
    -------
    geopandas.GeoDataFrame
        The copy, with a ``RangeIndex`` and the geometry column named ``geometry``.

    Raises
    ------
    DataSourceError
        ``frame`` is not a GeoDataFrame with an active geometry column.
    """
    frame = _check_frame(frame, role)
    out = frame.copy()
    if bbox is not None:
        box = shapely.box(*bbox)
        if bbox_crs is not None and out.crs is not None:
            box = gpd.GeoSeries([box], crs=bbox_crs).to_crs(out.crs).iloc[0]
        geoms = np.asarray(out.geometry.array, dtype=object)
        present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        keep = np.zeros(len(out), dtype=bool)
        keep[present] = shapely.intersects(shapely.envelope(geoms[present]), box)
        out = out.loc[keep]
    out = out.reset_index(drop=True)
    if out.geometry.name != "geometry" and "geometry" not in out.columns:
        out = out.rename_geometry("geometry")
    out.attrs.clear()  # nothing travels on attrs (a reader's notes are a ReadNotes)
    return out


def frame_sha256(frame: gpd.GeoDataFrame) -> str:
    """SHA-256 of a layer's content (geometry as WKB, attributes as text), for ``run_info``.

    Two frames with the same rows, columns and geometries in the same order hash alike, so a
    run on in-memory layers is as traceable as a run on files.
    """
    h = hashlib.sha256()
    h.update(str(frame.crs.to_wkt() if frame.crs is not None else "").encode())
    attrs = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    h.update(",".join(map(str, attrs.columns)).encode())
    if len(attrs.columns):
        h.update(
            pd.util.hash_pandas_object(attrs.astype("string"), index=False).to_numpy().tobytes()
        )
    wkb = shapely.to_wkb(np.asarray(frame.geometry.array, dtype=object))
    h.update(b"\x00".join(b"" if item is None else item for item in wkb))
    return h.hexdigest()
