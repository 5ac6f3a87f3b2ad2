"""Inputs opened by loading for the rules: raster readers and the readers' per-feature problems.

A rule never opens a file. Loading opens each raster of the project here (failing early when it
cannot be read) and hands the rules a reader whose :meth:`OpenedRaster.stats` computes zonal
statistics through :mod:`landlink_gis.io.raster`; rules reach it through
:meth:`landlink_gis.load.context.CheckContext.zonal_stats`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyproj import CRS

from ..io.raster import RasterInfo, inspect_raster, plot_slope, raster_mean
from ..project.file import RasterSpec
from .context import ReadProblem

__all__ = ["OpenedRaster", "open_raster", "read_problems"]


@dataclass(frozen=True)
class OpenedRaster:
    """A raster of the project, inspected on loading; statistics per polygon on demand."""

    role: str
    path: Path
    band: int
    info: RasterInfo

    def stats(self, geoms: np.ndarray, crs: CRS) -> pd.DataFrame:
        """``mean``, ``max`` and ``pixels`` per polygon (slope in degrees for ``dem``/``slope``)."""
        if self.role in ("dem", "slope"):
            return plot_slope(geoms, crs=crs, band=self.band, **{self.role: self.path})
        return raster_mean(geoms, self.path, crs=crs, band=self.band, role=self.role)


def open_raster(spec: RasterSpec) -> OpenedRaster:
    """Open (inspect) the raster of ``spec``; raises a DataSourceError naming it when it cannot
    be read."""
    info = inspect_raster(spec.path, band=spec.band, role=spec.role)
    return OpenedRaster(role=spec.role, path=Path(spec.path), band=spec.band, info=info)


def read_problems(entries: Iterable[Mapping[str, Any]] | None) -> tuple[ReadProblem, ...]:
    """A reader's ``ReadNotes.read_problems`` entries as :class:`ReadProblem` records."""
    out = []
    for entry in entries or ():
        out.append(
            ReadProblem(
                position=int(entry["position"]),
                code=str(entry.get("code", "")),
                declared=entry.get("declared"),
                found=entry.get("found"),
            )
        )
    return tuple(out)
