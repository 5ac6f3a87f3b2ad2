"""The check context: a project's layers, normalised and in one CRS, handed to every rule.

Rules read the context and never do I/O. It holds, per layer role, the frame as read (attributes
unchanged, geometry reprojected to the project CRS) and a normalised frame with the canonical
fields of DOMAIN.md §3 (``plot_id``, ``land_class``, ``area_declared`` …) plus computed areas.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from .geomops import finite_coordinates, polygonal
from .project import Project, RasterSpec

__all__ = ["CheckContext", "SourceInfo"]


@dataclass
class SourceInfo:
    """What was read for one layer: where from, its own CRS and extent, and what loading changed."""

    role: str
    source: str
    sha256: str | None
    crs: CRS | None
    bounds: tuple[float, float, float, float]
    count: int
    encoding: str | None = None
    reprojected: bool = False
    had_z: np.ndarray | None = None
    outside_folder: bool = False
    missing_fields: tuple[str, ...] = ()
    #: why the encoding of a shapefile's ``.cpg`` was overruled (None: it was not)
    encoding_note: str | None = None
    #: positions of features whose unclosed rings were closed on reading (GEOM001 reports them)
    unclosed: np.ndarray | None = None


@dataclass
class CheckContext:
    """Everything a rule may look at during one check."""

    project: Project
    crs: CRS
    params: dict[str, Any]
    lang: str = "zh"
    layers: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    raw: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    sources: dict[str, SourceInfo] = field(default_factory=dict)
    rasters: dict[str, RasterSpec] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def has(self, role: str) -> bool:
        """Whether layer ``role`` was given (it may still be empty)."""
        return role in self.layers

    def layer(self, role: str) -> gpd.GeoDataFrame:
        """The normalised frame of layer ``role``."""
        return self.layers[role]

    def has_field(self, role: str, name: str) -> bool:
        """Whether layer ``role`` has canonical field ``name`` mapped to an input field."""
        return role in self.layers and name in self.layers[role].columns and name not in self.sources[role].missing_fields

    def plot_ids(self, role: str) -> np.ndarray:
        """Printable id of each feature of ``role``: its plot id, or ``#n`` (feature number) when empty."""
        frame = self.layers[role]
        ids = frame["plot_id"].to_numpy(dtype=object)
        blank = np.array([v is None or not str(v).strip() for v in ids], dtype=bool) if len(ids) else np.zeros(0, bool)
        out = ids.copy()
        out[blank] = ["#" + str(n) for n in frame["fid"].to_numpy()[blank]]
        return out

    def valid_geoms(self, role: str) -> np.ndarray:
        """Polygonal, valid geometries of layer ``role`` (invalid ones made valid; None if unusable).

        Overlaps and areas are computed on these, so that one invalid plot does not stop the
        checks of the others; the invalidity itself is reported by GEOM001.
        """
        key = ("valid", role)
        if key not in self._cache:
            geoms = np.asarray(self.layers[role].geometry.array, dtype=object)
            out = geoms.copy()
            present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) & finite_coordinates(geoms)
            bad = present & ~shapely.is_valid(geoms)
            if bad.any():
                out[bad] = shapely.make_valid(geoms[bad])
            out[~present] = None
            out = polygonal(out)
            shapely.prepare(out[~shapely.is_missing(out)])
            self._cache[key] = out
        return self._cache[key]

    def area(self, role: str) -> np.ndarray:
        """Area of each plot of ``role`` by the project's area method (ellipsoidal by default)."""
        col = "area_planar_m2" if self.project.area_method == "planar" else "area_m2"
        return self.layers[role][col].to_numpy(dtype=float)

    def cached(self, key: Any, compute):
        """Compute ``compute()`` once per context under ``key`` (shared results between rules)."""
        if key not in self._cache:
            self._cache[key] = compute()
        return self._cache[key]

    @property
    def folder(self) -> Path:
        """The project file's folder."""
        return self.project.folder
