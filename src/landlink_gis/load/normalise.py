"""Normalise a layer as read: canonical fields, areas, repaired geometries.

A layer arrives with its own field names (DKBH, DLBM, MJ …) and possibly invalid polygons; the
rules want canonical fields (:data:`~landlink_gis.base.fields.DEFAULT_FIELD_NAMES`) and measurable
areas. Everything here is a pure function of a frame and the project CRS.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from ..base.fields import (
    DEFAULT_FIELD_NAMES,
    NUMERIC_FIELDS,
    find_field,
    normalise_kind,
    text_column,
)
from ..engine.area import ellipsoidal_area, planar_area
from ..engine.geomops import finite_coordinates, polygonal
from ..engine.overlay import elementwise
from ..engine.packed import PackedGeometries
from ..project.file import LayerSpec
from .context import geometry_state

__all__ = [
    "AREA_FACTORS",
    "add_areas",
    "area_unit_of",
    "layer_areas",
    "normalise_layer",
    "repair_geometries",
]

#: m² per unit of a declared area column (``LayerSpec.area_unit``; 1 亩 = 10000/15 m²).
AREA_FACTORS: dict[str, float] = {"m2": 1.0, "hm2": 10000.0, "mu": 10000.0 / 15.0}
#: canonical fields that hold areas (converted to m² by their column's unit)
_AREA_FIELDS = ("area_declared", "kcmj")
_READER_UNITS = {
    "m2": "m2",
    "m²": "m2",
    "hm2": "hm2",
    "ha": "hm2",
    "公顷": "hm2",
    "mu": "mu",
    "亩": "mu",
}


def area_unit_of(area_units: Mapping[str, str], spec: LayerSpec, column: str) -> str:
    """Unit of an area column: the project's ``area_unit``, else the reader's
    ``area_units[column]`` (:class:`~landlink_gis.io.formats.ReadNotes`; e.g. the coordinate
    TXT's 地块面积 in 公顷), else m².
    """
    if spec.area_unit:
        return spec.area_unit
    declared = (area_units or {}).get(column)
    return (
        _READER_UNITS.get(
            str(declared).strip().lower(), _READER_UNITS.get(str(declared).strip(), "m2")
        )
        if declared
        else "m2"
    )


def _repaired_for_area(
    geoms: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """Geometries whose area can be measured: invalid polygons are made valid first.

    The area of an invalid ring is not defined (a bow-tie's signed parts cancel); the area of
    its valid repair (GEOS ``make_valid``) is what a surveyor would measure. GEOM001 still
    reports the invalidity. ``state`` is :func:`~landlink_gis.load.context.geometry_state` of
    ``geoms`` when already known.
    """
    present, bad = geometry_state(geoms) if state is None else state
    out = geoms.copy()
    out[~present] = None  # NaN/inf coordinates: no area (GEOM001 reports them); null/empty: none
    if bad.any():
        out[bad] = polygonal(shapely.make_valid(out[bad]))
    return out


def layer_areas(
    geoms: np.ndarray, crs: CRS, state: tuple[np.ndarray, np.ndarray] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Ellipsoidal and planar area (m²) of each geometry of a layer, invalid ones repaired first.

    The ellipsoidal area is computed in chunks on all cores; the planar area is NaN in a
    geographic CRS.
    """
    measurable = _repaired_for_area(geoms, state)
    area = (
        elementwise(lambda g: ellipsoidal_area(g, crs), measurable)
        if len(measurable)
        else np.zeros(0)
    )
    planar = planar_area(measurable) if not crs.is_geographic else np.full(len(geoms), np.nan)
    return area, planar


def repair_geometries(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Invalid polygons repaired with ``make_valid(method="structure")``, kept polygonal.

    Returns the geometries (valid ones unchanged) and the positions that were repaired.
    Geometries with NaN/inf coordinates cannot be repaired and are left as they are.
    """
    out = np.asarray(geoms, dtype=object).copy()
    present = ~(shapely.is_missing(out) | shapely.is_empty(out)) & finite_coordinates(out)
    bad = np.flatnonzero(
        present & ~shapely.is_valid(out) & np.isin(shapely.get_type_id(out), (3, 6))
    )
    if len(bad):
        out[bad] = polygonal(shapely.make_valid(out[bad], method="structure", keep_collapsed=False))
    return out, bad


def normalise_layer(
    frame: gpd.GeoDataFrame,
    spec: LayerSpec,
    crs: CRS,
    *,
    areas: bool = True,
    state: tuple[np.ndarray, np.ndarray] | None = None,
    area_units: Mapping[str, str] | None = None,
) -> tuple[gpd.GeoDataFrame, tuple[str, ...]]:
    """Canonical-field frame of one layer (geometry already in the project CRS).

    Parameters
    ----------
    frame, spec, crs
        The layer as read, its specification and the project CRS.
    areas
        Compute ``area_m2`` and ``area_planar_m2`` now; ``False`` leaves them out, for
        :func:`add_areas` to add when first needed.
    state
        :func:`~landlink_gis.load.context.geometry_state` of the geometries when already known.
    area_units
        Column → unit of the area columns the reader knows (``ReadNotes.area_units``).

    Declared areas (``area_declared``, ``kcmj``) are converted to m² by :func:`area_unit_of`.

    Returns
    -------
    (frame, missing)
        The normalised frame (canonical columns, ``fid``, areas, geometry) and the canonical
        fields that the project maps explicitly but the layer lacks.
    """
    geometry = getattr(frame, "active_geometry_name", None)
    columns = [c for c in frame.columns if c != geometry]
    data: dict[str, Any] = {"fid": np.arange(1, len(frame) + 1)}
    missing: list[str] = []
    mapping = dict(spec.fields)
    if spec.id_field:
        mapping["plot_id"] = spec.id_field
    for canon, defaults in DEFAULT_FIELD_NAMES.items():
        source = mapping.get(canon)
        if source is not None:
            found = find_field(columns, (source,))
            if found is None:
                missing.append(canon)
        else:
            found = find_field(columns, defaults)
            if found is None and canon == "area_declared":
                # a reader that knows its area column says so (the coordinate TXT's 地块面积, in
                # 公顷)
                found = find_field(columns, tuple(area_units or ()))
            if found is None:
                missing.append(canon)
        if found is None:
            data[canon] = np.full(
                len(frame),
                np.nan if canon in NUMERIC_FIELDS else None,
                dtype=float if canon in NUMERIC_FIELDS else object,
            )
            continue
        col = frame[found]
        if canon in NUMERIC_FIELDS:
            data[canon] = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
            if canon in _AREA_FIELDS:
                data[canon] = data[canon] * AREA_FACTORS[area_unit_of(area_units, spec, found)]
        else:
            data[canon] = text_column(col)
    if "kind" in data:
        data["kind"] = normalise_kind(pd.Series(data["kind"]))
    if geometry is None:  # a packed reference layer: attributes only
        if areas:
            raise ValueError("areas need the geometries: normalise with areas=False")
        return gpd.GeoDataFrame(pd.DataFrame(data, index=frame.index)), tuple(missing)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    if areas:
        data["area_m2"], data["area_planar_m2"] = layer_areas(geoms, crs, state)
    out = gpd.GeoDataFrame(
        data, geometry=gpd.GeoSeries(geoms, crs=crs, index=frame.index), index=frame.index, crs=crs
    )
    return out, tuple(missing)


def add_areas(
    frame: gpd.GeoDataFrame,
    crs: CRS,
    state: tuple[np.ndarray, np.ndarray] | None = None,
    geoms: PackedGeometries | None = None,
) -> None:
    """Insert ``area_m2`` and ``area_planar_m2`` before the geometry column of a frame made with
    ``areas=False`` (in place).

    ``geoms``: the layer's packed geometries when the frame holds none (a packed reference
    layer); the areas are then measured a chunk at a time and appended as the last columns.
    """
    if geoms is None:
        area, planar = layer_areas(np.asarray(frame.geometry.array, dtype=object), crs, state)
        at = frame.columns.get_loc(frame.geometry.name)
    else:
        area, planar = np.full(len(geoms), np.nan), np.full(len(geoms), np.nan)
        for start, part in geoms.chunks():
            stop = start + len(part)
            piece = None if state is None else (state[0][start:stop], state[1][start:stop])
            area[start:stop], planar[start:stop] = layer_areas(part, crs, piece)
        at = len(frame.columns)
    frame.insert(at, "area_m2", area)
    frame.insert(at + 1, "area_planar_m2", planar)
