"""Load a project's layers: read, reproject to the project CRS, map fields, compute areas.

This is the boundary between I/O and the rules: everything a rule needs ends up in a
:class:`~landlink_gis.context.CheckContext`. Inputs are never modified: frames are copied and
files are only read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from .area import ellipsoidal_area, planar_area
from .context import CheckContext, SourceInfo, geometry_state
from .errors import DataSourceError, InputError
from .geomops import finite_coordinates, force_2d, polygonal
from .io.chunks import CHUNKABLE_SUFFIXES, near_positions, plots_tree, read_near
from .io.memory import frame_sha256, read_frame
from .io.shared import STREAMED_ROLES, SharedLayer, shared_key
from .io.vector import file_sha256, read_vector
from .project import PLOT_ROLES, LayerSpec, Project

logger = logging.getLogger(__name__)

__all__ = ["DEFAULT_FIELD_NAMES", "add_areas", "layer_areas", "load_context", "normalise_layer"]

#: Reference layers that only matter where they meet the plots (every rule overlays them with the
#: plots): read in batches, keeping the features near a plot, so memory never holds a whole
#: county or province layer. Ledger and boundary layers are read whole (within the extent).

#: Input field names recognised for each canonical field when the project maps none (case-insensitive).
DEFAULT_FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "plot_id": ("DKBH", "BSM", "TBBH", "id"),
    "land_class": ("DLBM",),
    "area_declared": ("MJ", "TBMJ", "DKMJ"),
    "reclaim_class": ("FKDL", "FKHDL", "FKDLBM"),
    "quality": ("ZLDB", "GDDB", "ZLDJ", "GDZLDJ"),
    "kind": ("JXLX", "DKLX"),
    "owner": ("QSDWMC",),
    "czcsxm": ("CZCSXM",),
    "slope_class": ("GDPDJB",),
}
_NUMERIC = {"area_declared", "quality", "slope_class"}

# Values of the construction `kind` field that mean resettlement / urban
_KIND_VALUES = {
    "resettlement": {"安置", "安置地块", "安置区", "resettlement", "农民安置", "AZ"},
    "urban": {"城镇", "城镇建新", "城镇建设", "urban", "CZ", "建新"},
}


def _find_field(columns: list[str], candidates: tuple[str, ...]) -> str | None:
    lower = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand.lower() in lower:
            return lower[cand.lower()]
    return None


def _repaired_for_area(geoms: np.ndarray, state: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Geometries whose area can be measured: invalid polygons are made valid first.

    The area of an invalid ring is not defined (a bow-tie's signed parts cancel); the area of
    its valid repair (GEOS ``make_valid``) is what a surveyor would measure. GEOM001 still
    reports the invalidity. ``state`` is :func:`~landlink_gis.context.geometry_state` of
    ``geoms`` when already known.
    """
    present, bad = geometry_state(geoms) if state is None else state
    out = geoms.copy()
    out[~present] = None  # NaN/inf coordinates: no area (GEOM001 reports them); null/empty: none
    if bad.any():
        out[bad] = polygonal(shapely.make_valid(out[bad]))
    return out


def layer_areas(geoms: np.ndarray, crs: CRS, state: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Ellipsoidal and planar area (m²) of each geometry of a layer, invalid ones repaired first.

    The ellipsoidal area is computed in chunks on all cores; the planar area is NaN in a
    geographic CRS.
    """
    from .overlay import elementwise

    measurable = _repaired_for_area(geoms, state)
    area = elementwise(lambda g: ellipsoidal_area(g, crs), measurable) if len(measurable) else np.zeros(0)
    planar = planar_area(measurable) if not crs.is_geographic else np.full(len(geoms), np.nan)
    return area, planar


def repair_geometries(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Invalid polygons repaired with ``make_valid(method="structure")``, kept polygonal.

    Returns the geometries (valid ones unchanged) and the positions that were repaired.
    Geometries with NaN/inf coordinates cannot be repaired and are left as they are.
    """
    out = np.asarray(geoms, dtype=object).copy()
    present = ~(shapely.is_missing(out) | shapely.is_empty(out)) & finite_coordinates(out)
    bad = np.flatnonzero(present & ~shapely.is_valid(out) & np.isin(shapely.get_type_id(out), (3, 6)))
    if len(bad):
        out[bad] = polygonal(shapely.make_valid(out[bad], method="structure", keep_collapsed=False))
    return out, bad


def _as_text(col: pd.Series) -> np.ndarray:
    """Field values as stripped text (integral numbers without ``.0``; missing as None), vectorised."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        values = col.to_numpy(dtype=float)
        integral = np.isfinite(values) & (values == np.round(values))
        text = col.astype("string")
        if integral.any():
            text[integral] = col[integral].astype("int64").astype("string")
    else:
        text = col.astype("string").str.strip()
    return text.to_numpy(dtype=object, na_value=None)


def normalise_kind(values: pd.Series) -> np.ndarray:
    """Map construction kind values (安置 / 城镇 …) to ``resettlement`` / ``urban`` (else ``''``)."""
    text = values.fillna("").astype(str).str.strip()
    out = np.full(len(text), "", dtype=object)
    for kind, names in _KIND_VALUES.items():
        lowered = {n.lower() for n in names}
        hit = text.str.lower().isin(lowered) | text.str.startswith(tuple(n for n in names if not n.isascii()))
        out[hit.to_numpy()] = kind
    return out


def normalise_layer(
    frame: gpd.GeoDataFrame,
    spec: LayerSpec,
    crs: CRS,
    *,
    areas: bool = True,
    state: tuple[np.ndarray, np.ndarray] | None = None,
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
        :func:`~landlink_gis.context.geometry_state` of the geometries when already known.

    Returns
    -------
    (frame, missing)
        The normalised frame (canonical columns, ``fid``, areas, geometry) and the canonical
        fields that the project maps explicitly but the layer lacks.
    """
    columns = [c for c in frame.columns if c != frame.geometry.name]
    data: dict[str, Any] = {"fid": np.arange(1, len(frame) + 1)}
    missing: list[str] = []
    mapping = dict(spec.fields)
    if spec.id_field:
        mapping["plot_id"] = spec.id_field
    for canon, defaults in DEFAULT_FIELD_NAMES.items():
        source = mapping.get(canon)
        if source is not None:
            found = _find_field(columns, (source,))
            if found is None:
                missing.append(canon)
        else:
            found = _find_field(columns, defaults)
            if found is None:
                missing.append(canon)
        if found is None:
            data[canon] = np.full(len(frame), np.nan if canon in _NUMERIC else None, dtype=float if canon in _NUMERIC else object)
            continue
        col = frame[found]
        if canon in _NUMERIC:
            data[canon] = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float)
        else:
            data[canon] = _as_text(col)
    if "kind" in data:
        data["kind"] = normalise_kind(pd.Series(data["kind"]))
    geoms = np.asarray(frame.geometry.array, dtype=object)
    if areas:
        data["area_m2"], data["area_planar_m2"] = layer_areas(geoms, crs, state)
    out = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geoms, crs=crs, index=frame.index), index=frame.index, crs=crs)
    return out, tuple(missing)


def add_areas(frame: gpd.GeoDataFrame, crs: CRS, state: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Insert ``area_m2`` and ``area_planar_m2`` before the geometry column of a frame made with ``areas=False`` (in place)."""
    area, planar = layer_areas(np.asarray(frame.geometry.array, dtype=object), crs, state)
    at = frame.columns.get_loc(frame.geometry.name)
    frame.insert(at, "area_m2", area)
    frame.insert(at + 1, "area_planar_m2", planar)


def _plot_geoms(frames: dict[str, gpd.GeoDataFrame]) -> np.ndarray:
    """All plot geometries (demolition and construction) read so far, in the project CRS."""
    return np.concatenate([np.asarray(frames[r].geometry.array, dtype=object) for r in PLOT_ROLES if r in frames])


def _read(spec: LayerSpec, bbox=None, bbox_crs=None) -> gpd.GeoDataFrame:
    if spec.frame is not None:
        return read_frame(spec.frame, role=spec.role, bbox=bbox, bbox_crs=bbox_crs)
    return read_vector(
        role=spec.role,
        path=spec.path,
        url=spec.url,
        layer=spec.layer,
        table=spec.table,
        sql=spec.sql,
        encoding=spec.encoding,
        bbox=bbox,
        bbox_crs=bbox_crs,
        geometry_column=spec.geometry_column,
    )


def _bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    geoms = np.asarray(frame.geometry.array, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not present.any():
        return (np.nan, np.nan, np.nan, np.nan)
    with np.errstate(invalid="ignore"):
        b = shapely.bounds(geoms[present])
    return (float(np.nanmin(b[:, 0])), float(np.nanmin(b[:, 1])), float(np.nanmax(b[:, 2])), float(np.nanmax(b[:, 3])))


def _to_project_crs(frame: gpd.GeoDataFrame, crs: CRS, spec: LayerSpec) -> tuple[gpd.GeoDataFrame, bool]:
    if frame.crs is None:
        return frame.set_crs(crs, allow_override=True), False
    if CRS.from_user_input(frame.crs).equals(crs):
        return frame.set_crs(crs, allow_override=True), False
    try:
        return frame.to_crs(crs), True
    except Exception as exc:  # noqa: BLE001 - pyproj raises several types
        raise DataSourceError(
            f"{spec.source}: cannot reproject layer '{spec.role}' from {frame.crs} to {crs} ({exc})"
        ) from None


def load_context(
    project: Project,
    *,
    params: dict[str, Any],
    lang: str = "zh",
    repair: bool = False,
    shared: Mapping[tuple[str, str, str], SharedLayer] | None = None,
) -> CheckContext:
    """Read every layer of ``project`` into a :class:`CheckContext`.

    Plot layers are read whole; reference layers only where they meet the plots' extent. With
    ``repair``, invalid plot polygons are replaced by their ``make_valid(method="structure")``
    repair; the originals and the areas before/after go to ``ctx.extras["repairs"]``. ``shared``
    holds reference layers a batch has already read once (:mod:`landlink_gis.io.shared`); they
    are used instead of reading the file again.

    Raises
    ------
    DataSourceError
        A configured layer cannot be read, or the project CRS cannot be determined.
    """
    frames: dict[str, gpd.GeoDataFrame] = {}
    infos: dict[str, SourceInfo] = {}
    shared = shared or {}
    hashes = _hash_inputs(project, skip={Path(k[0]) for k in shared})
    for role in PLOT_ROLES:
        if role in project.layers:
            frames[role] = _read(project.layers[role])
            if len(frames[role]) == 0:
                raise DataSourceError(
                    f"{project.layers[role].source}: the {role} layer has no features; "
                    "check that the right file/layer is named in the project file, or remove the empty layer"
                )
    demolition = frames["demolition"]
    try:
        crs = CRS.from_user_input(project.crs) if project.crs else (CRS.from_user_input(demolition.crs) if demolition.crs else None)
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"{project.path}: project crs {project.crs!r} is not a valid CRS ({exc})") from None
    if crs is None:
        raise InputError(
            f"{project.layers['demolition'].source}: the demolition layer has no CRS (no .prj) and the project "
            "file sets none; add the .prj file or set `crs = \"EPSG:45xx\"` in [project]"
        )
    extent = None
    for role, frame in list(frames.items()):
        spec = project.layers[role]
        infos[role] = _source_info(role, spec, frame, hashes)
        projected, moved = _to_project_crs(frame, crs, spec)
        infos[role].reprojected = moved
        frames[role] = projected
        b = _bounds(projected)
        if np.all(np.isfinite(b)):
            extent = b if extent is None else (min(extent[0], b[0]), min(extent[1], b[1]), max(extent[2], b[2]), max(extent[3], b[3]))
    if extent is not None:
        margin = 100.0 if not crs.is_geographic else 0.001
        extent = (extent[0] - margin, extent[1] - margin, extent[2] + margin, extent[3] + margin)
    for role, spec in project.layers.items():
        if role in frames:
            continue
        streamed = role in STREAMED_ROLES and spec.path is not None and spec.path.suffix.lower() in CHUNKABLE_SUFFIXES
        pre = shared.get(shared_key(spec.path, spec.layer, crs)) if streamed else None
        if pre is not None:
            # read once for the whole batch: keep what lies near this project's plots
            frame = pre.near(_plot_geoms(frames))
            hashes[spec.path] = _done(pre.sha256)
        elif streamed and extent is not None:
            # big reference layers: streamed in batches, keeping only features near the plots
            frame, _ = read_near(spec.path, _plot_geoms(frames), crs=crs, layer=spec.layer or None, bbox=extent)
        if pre is not None or (streamed and extent is not None):
            infos[role] = _source_info(role, spec, frame, hashes)
            source_crs = frame.attrs.get("source_crs")
            infos[role].crs = CRS.from_user_input(source_crs) if source_crs is not None else None
            infos[role].reprojected = source_crs is not None and not CRS.from_user_input(source_crs).equals(crs)
            if infos[role].reprojected and np.all(np.isfinite(infos[role].bounds)):
                # the CRS rules judge coordinates in the layer's own CRS
                back = Transformer.from_crs(crs, infos[role].crs, always_xy=True)
                infos[role].bounds = tuple(back.transform_bounds(*infos[role].bounds))
            frames[role] = frame
            continue
        frame = _read(spec, bbox=extent, bbox_crs=crs if extent is not None else None)
        infos[role] = _source_info(role, spec, frame, hashes)
        frames[role], infos[role].reprojected = _to_project_crs(frame, crs, spec)
        if role in STREAMED_ROLES and extent is not None:
            # the same "near the plots" filter as the streamed path, whatever the source (PostGIS, shapefile …)
            keep = near_positions(frames[role].geometry.array, plots_tree(_plot_geoms(frames)))
            frames[role] = frames[role].iloc[keep].reset_index(drop=True)
            infos[role].count = len(frames[role])

    from .io.raster import inspect_raster  # rasters are read lazily by the rules; fail early here

    for rspec in project.rasters.values():
        inspect_raster(rspec.path, band=rspec.band, role=rspec.role)
    ctx = CheckContext(project=project, crs=crs, params=params, lang=lang, rasters=dict(project.rasters))
    for role, frame in frames.items():
        spec = project.layers[role]
        had_z = np.asarray(shapely.has_z(np.asarray(frame.geometry.array, dtype=object)), dtype=bool)
        had_z |= bool(frame.attrs.get("had_m", False))
        geoms = np.asarray(frame.geometry.array, dtype=object)
        has_m = shapely.has_m(geoms) if hasattr(shapely, "has_m") else np.ones(len(geoms), dtype=bool)
        if had_z.any() or has_m.any():  # 2-D already: nothing to drop (saves copying millions of polygons)
            frame = frame.set_geometry(gpd.GeoSeries(force_2d(geoms), crs=crs, index=frame.index))
        if repair and role in PLOT_ROLES:
            frame = _repair(ctx, role, frame, crs)
        ctx.raw[role] = frame
        state = geometry_state(np.asarray(frame.geometry.array, dtype=object))
        ctx._cache[("geometry_state", role)] = state
        if role in STREAMED_ROLES:
            # reference layers: their areas are computed only if a rule asks for them
            normalised, missing = normalise_layer(frame, spec, crs, areas=False)
            ctx.layers.defer(role, normalised, lambda f, state=state: add_areas(f, crs, state))
        else:
            ctx.layers[role], missing = normalise_layer(frame, spec, crs, state=state)
        infos[role].had_z = had_z
        infos[role].missing_fields = missing
        ctx.sources[role] = infos[role]
    return ctx


def _done(value: Any) -> Future:
    """A future that already holds ``value``."""
    fut: Future = Future()
    fut.set_result(value)
    return fut


def _hash_inputs(project: Project, skip: set[Path] | frozenset = frozenset()) -> dict[Any, Future]:
    """SHA-256 of every layer file, computed on a background thread while the layers are read.

    ``hashlib`` and file reads release the GIL, so on a second core the hash of a big
    reference layer costs no wall time; :func:`_source_info` takes the result.
    """
    # the plot layers' files first: they are read (and their hash wanted) first
    roles = sorted(project.layers, key=lambda role: role not in PLOT_ROLES)
    paths = list(dict.fromkeys(project.layers[r].path for r in roles if project.layers[r].path is not None))
    paths = [p for p in paths if Path(p).resolve() not in skip]
    if not paths:
        return {}
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="landlink-sha256")
    try:
        return {path: pool.submit(file_sha256, path) for path in paths}
    finally:
        pool.shutdown(wait=False)


def _source_info(role: str, spec: LayerSpec, frame: gpd.GeoDataFrame, hashes: dict[Any, Future] | None = None) -> SourceInfo:
    sha = frame_sha256(spec.frame) if spec.frame is not None else None
    if spec.path is not None:
        try:
            pending = (hashes or {}).get(spec.path)
            sha = pending.result() if pending is not None else file_sha256(spec.path)
        except OSError:
            sha = None
    return SourceInfo(
        role=role,
        source=spec.source,
        sha256=sha,
        crs=CRS.from_user_input(frame.crs) if frame.crs is not None else None,
        bounds=_bounds(frame),
        count=len(frame),
        encoding=spec.encoding or frame.attrs.get("encoding"),
        outside_folder=spec.outside,
        encoding_note=frame.attrs.get("encoding_note"),
        unclosed=frame.attrs.get("unclosed_rings"),
    )


def _repair(ctx: CheckContext, role: str, frame: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    """``frame`` with its invalid polygons repaired; the originals are kept in ``ctx.extras``."""
    before = np.asarray(frame.geometry.array, dtype=object)
    after, fixed = repair_geometries(before)
    if not len(fixed):
        return frame
    ctx.extras.setdefault("unrepaired", {})[role] = before
    ctx.extras.setdefault("repairs", {})[role] = pd.DataFrame(
        {
            "position": fixed,
            # an invalid ring has no defined area: "before" is the planar area a GIS shows for it
            "area_before_m2": shapely.area(before[fixed]),
            "area_after_m2": ellipsoidal_area(after[fixed], crs),
        }
    )
    logger.info("%s: repaired %d invalid geometries with make_valid(structure)", role, len(fixed))
    return frame.set_geometry(gpd.GeoSeries(after, crs=crs, index=frame.index))
