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

__all__ = ["CheckContext", "LayerFrames", "SourceInfo"]

#: Columns a :class:`LayerFrames` entry may get only when it is first looked at.
LAZY_COLUMNS = ("area_m2", "area_planar_m2")


class LayerFrames(dict):
    """Role → normalised frame, where a frame's area columns may be computed on first access.

    Reference layers (land survey, compensation, planning zones) hold up to millions of features
    whose areas few rules need; :meth:`defer` registers a function that adds the area columns in
    place, and every way of getting the frame out (``[role]``, ``get``, ``values``, ``items``)
    runs it first, so a frame taken from here always has its area columns. :meth:`peek` gives the
    frame without them, for code that only needs geometry or attributes.
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pending: dict[str, Any] = {}

    def defer(self, role: str, frame: gpd.GeoDataFrame, fill) -> None:
        """Store ``frame`` under ``role``; ``fill(frame)`` adds its lazy columns on first access."""
        dict.__setitem__(self, role, frame)
        self._pending[role] = fill

    def peek(self, role: str) -> gpd.GeoDataFrame:
        """The frame of ``role`` without computing pending columns."""
        return dict.__getitem__(self, role)

    def pending(self, role: str) -> bool:
        """Whether the lazy columns of ``role`` are not computed yet."""
        return role in self._pending

    def __getitem__(self, role: str) -> gpd.GeoDataFrame:
        frame = dict.__getitem__(self, role)
        fill = self._pending.pop(role, None)
        if fill is not None:
            fill(frame)
        return frame

    def __setitem__(self, role: str, frame: gpd.GeoDataFrame) -> None:
        self._pending.pop(role, None)
        dict.__setitem__(self, role, frame)

    def __delitem__(self, role: str) -> None:
        self._pending.pop(role, None)
        dict.__delitem__(self, role)

    def get(self, role, default=None):  # noqa: D102 - as dict.get, with the pending columns
        return self[role] if role in self else default

    def values(self):  # noqa: D102 - as dict.values, with the pending columns
        return [self[r] for r in self]

    def items(self):  # noqa: D102 - as dict.items, with the pending columns
        return [(r, self[r]) for r in self]

    def pop(self, role, *default):  # noqa: D102 - as dict.pop, with the pending columns
        if role not in self:
            return dict.pop(self, role, *default)
        frame = self[role]
        dict.__delitem__(self, role)
        return frame

    def copy(self) -> LayerFrames:  # noqa: D102 - a copy sharing the pending work
        out = LayerFrames(dict(dict.items(self)))
        out._pending = dict(self._pending)
        return out


def geometry_state(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks ``(present, invalid)`` of ``geoms`` (see :meth:`CheckContext.geometry_state`), on all cores."""
    from .overlay import elementwise

    geoms = np.asarray(geoms, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    present[present] = finite_coordinates(geoms[present])
    invalid = np.zeros(len(geoms), dtype=bool)
    pos = np.flatnonzero(present)
    if len(pos):
        invalid[pos] = ~elementwise(shapely.is_valid, geoms[pos])
    return present, invalid


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
    layers: LayerFrames = field(default_factory=LayerFrames)
    raw: dict[str, gpd.GeoDataFrame] = field(default_factory=dict)
    sources: dict[str, SourceInfo] = field(default_factory=dict)
    rasters: dict[str, RasterSpec] = field(default_factory=dict)
    extras: dict[str, Any] = field(default_factory=dict)
    _cache: dict[Any, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.layers, LayerFrames):
            self.layers = LayerFrames(self.layers)

    def attributes(self, role: str) -> gpd.GeoDataFrame:
        """Normalised frame of ``role`` for its geometry and attributes: pending area columns are not computed.

        Use it where a rule reads classes, grades or ids of a big reference layer; ``layer(role)``
        gives the frame with its area columns.
        """
        return self.layers.peek(role)

    _frame = attributes

    def column(self, role: str, name: str) -> np.ndarray:
        """Values of column ``name`` of layer ``role`` (areas computed only when asked for)."""
        frame = self.layers[role] if name in LAZY_COLUMNS else self._frame(role)
        return frame[name].to_numpy()

    def has(self, role: str) -> bool:
        """Whether layer ``role`` was given (it may still be empty)."""
        return role in self.layers

    def layer(self, role: str) -> gpd.GeoDataFrame:
        """The normalised frame of layer ``role``."""
        return self.layers[role]

    def has_field(self, role: str, name: str) -> bool:
        """Whether layer ``role`` has canonical field ``name`` mapped to an input field."""
        if role not in self.layers:
            return False
        frame = self.layers[role] if name in LAZY_COLUMNS else self._frame(role)
        return name in frame.columns and name not in self.sources[role].missing_fields

    def plot_ids(self, role: str) -> np.ndarray:
        """Printable id of each feature of ``role``: its plot id, or ``#n`` (feature number) when empty."""
        frame = self._frame(role)
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
            geoms = np.asarray(self._frame(role).geometry.array, dtype=object)
            out = geoms.copy()
            present, bad = self.geometry_state(role)
            if bad.any():
                out[bad] = shapely.make_valid(geoms[bad])
            out[~present] = None
            out = polygonal(out)
            shapely.prepare(out[~shapely.is_missing(out)])
            self._cache[key] = out
        return self._cache[key]

    def geometry_state(self, role: str) -> tuple[np.ndarray, np.ndarray]:
        """Masks ``(present, invalid)`` of the geometries of ``role``, computed once per layer.

        ``present``: not null, not empty, all coordinates finite; ``invalid``: present and not
        GEOS-valid. Loading (area repair), :meth:`valid_geoms` and GEOM001 share them.
        """
        key = ("geometry_state", role)
        if key not in self._cache:
            geoms = np.asarray(self._frame(role).geometry.array, dtype=object)
            self._cache[key] = geometry_state(geoms)
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
