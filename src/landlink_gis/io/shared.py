"""One read of a reference layer shared by every project of a batch.

Projects of one county name the same land-survey, compensation and planning layers. Instead of
each project streaming the county-wide file again, a batch reads each shared layer **once**,
keeping only the features near the plots of any project of the batch
(:func:`~landlink_gis.io.chunks.read_near`), and hands the result to every check, which then
keeps what lies near its own plots. Findings are the same as with separate reads (tested).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from ..base.errors import LandlinkError
from .chunks import read_near
from .formats import file_sha256, is_chunkable, read_vector

logger = logging.getLogger(__name__)

__all__ = [
    "STREAMED_ROLES",
    "SharedLayer",
    "SharedRequest",
    "preload_shared_layers",
    "shared_key",
]

#: The big county-wide reference roles: streamed near the plots, and read once per batch.
STREAMED_ROLES = frozenset(
    {
        "landuse",
        "compensation",
        "basic_farmland",
        "ecological_redline",
        "development_boundary",
        "illegal_land",
    }
)


@dataclass(frozen=True)
class SharedLayer:
    """A reference layer read once for a batch: features near any plot, in ``crs``."""

    frame: gpd.GeoDataFrame
    crs: str
    source_crs: str | None
    sha256: str
    scanned: int

    @cached_property
    def tree(self) -> shapely.STRtree:
        """Spatial index of the features (built once per process, on first use)."""
        return shapely.STRtree(np.asarray(self.frame.geometry.array, dtype=object))

    def near(self, plots) -> gpd.GeoDataFrame:
        """The features whose envelope meets the envelope of one of ``plots`` (in file order)."""
        plots = np.asarray(plots, dtype=object)
        plots = plots[~(shapely.is_missing(plots) | shapely.is_empty(plots))]
        hit = (
            np.unique(self.tree.query(shapely.envelope(plots))[1])
            if len(plots)
            else np.zeros(0, dtype=int)
        )
        return self.frame.iloc[hit].reset_index(drop=True)


def shared_key(path: Path, layer: str | None, crs: CRS) -> tuple[str, str, str]:
    """The key of a shared layer: file, layer name and the project CRS it was reprojected to."""
    return (str(Path(path).resolve()), layer or "", crs.to_wkt())


@dataclass(frozen=True)
class SharedRequest:
    """What one project of a batch asks of the shared read, as plain values.

    Attributes
    ----------
    name
        How log messages name the project (its file).
    crs
        The project CRS as written in its file (None: its first plot layer's).
    plots
        ``(role, path, layer, encoding)`` of each plot layer file.
    references
        ``(role, path, layer)`` of each reference layer file.
    """

    name: str
    crs: str | None
    plots: tuple[tuple[str, Path, str | None, str | None], ...]
    references: tuple[tuple[str, Path, str | None], ...]


def _project_plots(request: SharedRequest) -> tuple[CRS, np.ndarray] | None:
    """The project CRS and its plot geometries in it (None when the plots cannot be read)."""
    frames = []
    try:
        for role, path, layer, encoding in request.plots:
            frames.append(read_vector(role=role, path=path, layer=layer, encoding=encoding))
        if not frames:
            return None
        crs_in = request.crs or frames[0].crs
        if crs_in is None:
            return None
        crs = CRS.from_user_input(crs_in)
        geoms = [
            np.asarray((f if f.crs is None else f.to_crs(crs)).geometry.array, dtype=object)
            for f in frames
        ]
    except (LandlinkError, ValueError, RuntimeError) as exc:
        logger.info(
            "%s: not part of the shared read (%s); it reads its own layers", request.name, exc
        )
        return None
    return crs, np.concatenate(geoms)


def preload_shared_layers(
    requests: Iterable[SharedRequest],
) -> dict[tuple[str, str, str], SharedLayer]:
    """Read once each reference layer that several projects share.

    Parameters
    ----------
    requests
        What each project of the batch reads (:class:`SharedRequest`).

    Returns
    -------
    dict
        :func:`shared_key` → :class:`SharedLayer`, for every chunkable reference file (GeoPackage,
        FileGDB, GeoParquet …) named by at least two projects with the same project CRS. A project
        whose plots cannot be read is left out (its own check reports why).
    """
    users: dict[tuple[str, str, str], list[np.ndarray]] = {}
    specs: dict[tuple[str, str, str], tuple[Path, str | None, CRS]] = {}
    for request in requests:
        plots = _project_plots(request)
        if plots is None:
            continue
        crs, geoms = plots
        for role, path, layer in request.references:
            if role not in STREAMED_ROLES or not is_chunkable(path):
                continue
            key = shared_key(path, layer, crs)
            users.setdefault(key, []).append(geoms)
            specs[key] = (path, layer, crs)
    out: dict[tuple[str, str, str], SharedLayer] = {}
    for key, plot_sets in users.items():
        if len(plot_sets) < 2:
            continue
        path, layer, crs = specs[key]
        try:
            frame, scanned, source = read_near(
                path, np.concatenate(plot_sets), crs=crs, layer=layer or None
            )
            sha = file_sha256(path)
        except (LandlinkError, OSError) as exc:
            logger.info("%s: not shared (%s); each project reads it", path, exc)
            continue
        out[key] = SharedLayer(
            frame,
            crs.to_wkt(),
            CRS.from_user_input(source).to_wkt() if source is not None else None,
            sha,
            scanned,
        )
        logger.info(
            "%s:%s read once for %d projects (%d of %d features kept)",
            path.name,
            layer or "",
            len(plot_sets),
            len(frame),
            scanned,
        )
    return out
