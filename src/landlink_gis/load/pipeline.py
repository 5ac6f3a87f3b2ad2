"""Load a project's layers: read, reproject to the project CRS, map fields, compute areas.

This is the boundary between I/O and the rules: everything a rule needs ends up in a
:class:`~landlink_gis.load.context.CheckContext`. Inputs are never modified: frames are copied and
files are only read.
"""

from __future__ import annotations

import datetime as dt
import logging
import warnings
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from ..base.errors import DataSourceError, InputError
from ..base.heap import release_freed_memory
from ..base.roles import PLOT_ROLES
from ..base.workdays import run_date
from ..engine.area import ellipsoidal_area
from ..engine.geomops import bounds_of, force_2d
from ..engine.packed import PackedGeometries
from ..io.atomic import protected_paths
from ..io.chunks import NearScan, near_batches, near_positions, plots_tree
from ..io.formats import (
    ReadNotes,
    ensure_readable_source,
    file_sha256,
    is_chunkable,
    read_layer,
)
from ..io.inputs import is_regular_file
from ..io.memory import frame_sha256, read_frame
from ..io.shared import STREAMED_ROLES, SharedLayer, shared_key
from ..project.file import LayerSpec, Project, input_paths
from .context import CheckContext, GeometryRepair, LayerFrames, SourceInfo, geometry_state
from .ledger import merge_ledger_layer, read_ledger_inputs
from .normalise import add_areas, normalise_layer, repair_geometries
from .rasters import open_raster, read_problems

logger = logging.getLogger(__name__)

__all__ = ["load_context"]

#: Reference layers that only matter where they meet the plots (every rule overlays them with the
#: plots): read in batches, keeping the features near a plot, so memory never holds a whole
#: county or province layer. Ledger and boundary layers are read whole (within the extent).


def _plot_geoms(frames: dict[str, gpd.GeoDataFrame]) -> np.ndarray:
    """All plot geometries (demolition and construction) read so far, in the project CRS."""
    return np.concatenate(
        [np.asarray(frames[r].geometry.array, dtype=object) for r in PLOT_ROLES if r in frames]
    )


#: How far around the plots the ``survey_after`` layer is read (ACC003's ``neighbour_m`` ≤ this).
SURVEY_AFTER_MARGIN_M = 1000.0


def _read(spec: LayerSpec, bbox=None, bbox_crs=None) -> tuple[gpd.GeoDataFrame, ReadNotes]:
    """The layer of ``spec`` as read, and what its reader noticed."""
    if spec.frame is not None:
        frame = read_frame(spec.frame, role=spec.role, bbox=bbox, bbox_crs=bbox_crs)
        return frame, spec.frame_notes or ReadNotes()
    return read_layer(
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


def _to_project_crs(
    frame: gpd.GeoDataFrame, crs: CRS, spec: LayerSpec
) -> tuple[gpd.GeoDataFrame, bool]:
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
    previous: str | Path | None = None,
    today: dt.date | None = None,
    profile: str | None = None,
    not_run: tuple[str, ...] = (),
    filing_requires: tuple[str, ...] = (),
) -> CheckContext:
    """Read every input of ``project`` into a finished :class:`CheckContext`.

    Plot layers are read whole; reference layers only where they meet the plots. The ledger
    named by ``[ledger]`` (other projects' plots, and this project's previous plan) and the
    ``previous`` plan file are read here too, and the rasters are opened, so that the context is
    complete when the rules get it.

    Parameters
    ----------
    project
        The project.
    params
        Rule parameters after profile and project overrides.
    lang
        Language of the messages.
    repair
        Replace invalid plot polygons by their ``make_valid(method="structure")`` repair; the
        originals and the areas before/after are kept in ``ctx.repairs``.
    shared
        Reference layers a batch has already read once (:mod:`landlink_gis.io.shared`); used
        instead of reading the file again.
    previous
        A checked GeoPackage holding the previously approved plan (ADJ rules).
    today
        The date deadlines are judged on (default: ``$LANDLINK_TODAY``, else the day of the run).
    profile
        The profile the check runs under (default: the project's).
    not_run
        Rules the profile applies that this check does not run (see
        :attr:`CheckContext.not_run`).
    filing_requires
        The profile's additions to what filing requires.

    Raises
    ------
    DataSourceError
        A configured layer cannot be read, or the project CRS cannot be determined.
    """
    today = run_date(today)  # one day for every rule of the check, fixed before anything is read
    shared = shared or {}
    for (
        spec
    ) in project.layers.values():  # refuse FIFOs, devices, sockets before anything opens them
        if spec.path is not None:
            ensure_readable_source(spec.path, spec.role)
    for rspec in project.rasters.values():
        ensure_readable_source(rspec.path, rspec.role, kind="raster")
    hashes = _hash_inputs(project, skip={Path(k[0]) for k in shared})
    frames, infos = _read_plot_layers(project, hashes)
    crs = _project_crs(
        project,
        frames["demolition"] if "demolition" in frames else next(iter(frames.values()), None),
    )
    extent = None
    for role, frame in list(frames.items()):
        frames[role], infos[role].reprojected = _to_project_crs(frame, crs, project.layers[role])
        b = bounds_of(frames[role])
        if np.all(np.isfinite(b)):
            extent = (
                b
                if extent is None
                else (
                    min(extent[0], b[0]),
                    min(extent[1], b[1]),
                    max(extent[2], b[2]),
                    max(extent[3], b[3]),
                )
            )
    if extent is not None:
        margin = 100.0 if not crs.is_geographic else 0.001
        extent = (extent[0] - margin, extent[1] - margin, extent[2] + margin, extent[3] + margin)
    plots = _plot_geoms(frames)
    packed: dict[str, PackedGeometries] = {}
    states: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for role, spec in project.layers.items():
        if role not in frames:
            wider = extent
            if role == "survey_after" and extent is not None:
                # ACC003 compares with the farmland around the project (neighbour_m, 500 m)
                m = SURVEY_AFTER_MARGIN_M if not crs.is_geographic else 0.01
                wider = (extent[0] - m, extent[1] - m, extent[2] + m, extent[3] + m)
            frames[role], infos[role], read = _read_reference(
                spec, crs, wider, plots, shared, hashes
            )
            if read is not None:  # a big reference layer: its geometries packed as read
                packed[role], states[role], infos[role].had_z = read.geoms, read.state, read.had_z
                # its batches' GEOS geometries are freed: hand them back before the next layer
                release_freed_memory()
    readers = {role: open_raster(spec) for role, spec in project.rasters.items()}
    ledger_inputs = read_ledger_inputs(project, crs, frames, previous=previous)
    if ledger_inputs.ledger_frame is not None:
        frames["ledger"], infos["ledger"] = merge_ledger_layer(
            frames.get("ledger"), infos.get("ledger"), ledger_inputs, crs
        )
    layers = LayerFrames()
    raw: dict[str, gpd.GeoDataFrame] = {}
    repairs: dict[str, GeometryRepair] = {}
    for role, frame in frames.items():
        spec = project.layers.get(role) or ledger_inputs.spec
        if role in packed:  # read, made 2-D and packed above
            raw[role] = frame
            # areas computed only if a rule asks for them
            normalised, missing = normalise_layer(
                frame, spec, crs, areas=False, area_units=infos[role].area_units
            )
            layers.defer(
                role,
                normalised,
                lambda f, state=states[role], g=packed[role]: add_areas(f, crs, state, geoms=g),
            )
            infos[role].missing_fields = missing
            release_freed_memory()
            continue
        frame, had_z = _drop_z(frame, crs, infos[role].had_m)
        if repair and role in PLOT_ROLES:
            frame, fixed = _repair(role, frame, crs)
            if fixed is not None:
                repairs[role] = fixed
        raw[role] = frame
        state = geometry_state(np.asarray(frame.geometry.array, dtype=object))
        states[role] = state
        normalised, missing = normalise_layer(
            frame, spec, crs, state=state, area_units=infos[role].area_units
        )
        layers[role] = normalised
        infos[role].had_z = had_z
        infos[role].missing_fields = missing
    ctx = CheckContext(
        project=project,
        crs=crs,
        params=params,
        lang=lang,
        layers=layers,
        raw=raw,
        sources=infos,
        rasters=readers,
        raster_specs=dict(project.rasters),
        raster_sha256={
            role: file_sha256(spec.path) if is_regular_file(spec.path) else None
            for role, spec in project.rasters.items()
        },
        ledger=ledger_inputs.ledger,
        previous=ledger_inputs.previous,
        repairs=repairs,
        repair_requested=repair,
        today=today,
        profile=profile or project.profile,
        not_run=tuple(not_run),
        filing_requires=tuple(filing_requires),
        inputs=frozenset(protected_paths(input_paths(project), ledger=project.ledger)),
        packed=packed,
    )
    for role, state in states.items():
        ctx.seed(("geometry_state", role), state)
    return ctx


def _read_plot_layers(
    project: Project, hashes: dict[Any, Future]
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, SourceInfo]]:
    """The plot layers, read whole, with their source information (in their own CRS)."""
    frames: dict[str, gpd.GeoDataFrame] = {}
    infos: dict[str, SourceInfo] = {}
    for role in PLOT_ROLES:
        if role not in project.layers:
            continue
        spec = project.layers[role]
        frames[role], notes = _read(spec)
        if len(frames[role]) == 0:
            raise DataSourceError(
                f"{spec.source}: the {role} layer has no features; "
                "check that the right file/layer is named in the project file, or remove the empty "
                "layer"
            )
        infos[role] = _source_info(role, spec, frames[role], notes, hashes)
    if not frames:
        raise InputError(
            f"{project.path}: the project has no plot layer; add [layers.demolition] and/or "
            "[layers.construction]"
        )
    return frames, infos


def _project_crs(project: Project, first: gpd.GeoDataFrame | None) -> CRS:
    """The project CRS: ``[project] crs``, else the first plot layer's."""
    role = "demolition" if "demolition" in project.layers else "construction"
    try:
        crs = (
            CRS.from_user_input(project.crs)
            if project.crs
            else (CRS.from_user_input(first.crs) if first is not None and first.crs else None)
        )
    except Exception as exc:  # noqa: BLE001 - pyproj raises several types
        raise InputError(
            f"{project.path}: project crs {project.crs!r} is not a valid CRS ({exc})"
        ) from None
    if crs is None:
        raise InputError(
            f"{project.layers[role].source}: the {role} layer has no CRS (no .prj) and the project "
            'file sets none; add the .prj file or set `crs = "EPSG:45xx"` in [project]'
        )
    return crs


def _read_reference(
    spec: LayerSpec,
    crs: CRS,
    extent: tuple[float, float, float, float] | None,
    plots: np.ndarray,
    shared: Mapping[tuple[str, str, str], SharedLayer],
    hashes: dict[Any, Future],
) -> tuple[gpd.GeoDataFrame, SourceInfo, PackedRead | None]:
    """A reference layer in the project CRS, keeping (for the big roles) only features near the
    plots.

    Returns the frame, its source information and, for a big role
    (:data:`~landlink_gis.io.shared.STREAMED_ROLES`), the layer packed (:class:`PackedRead`; the
    frame is then its attributes only). A streamed read packs each batch as it comes, so the
    layer's GEOS geometries are never all alive at once.

    One of three sources: the batch's shared copy, a streamed read of a big file in batches, or
    a plain read within the plots' extent (any format, PostGIS included); the same "near the
    plots" filter applies to all three.
    """
    role = spec.role
    streamed = role in STREAMED_ROLES and spec.frame is None and is_chunkable(spec.path)
    pre = shared.get(shared_key(spec.path, spec.layer, crs)) if streamed else None
    if pre is not None or (streamed and extent is not None):
        if pre is not None:  # read once for the whole batch
            read = _pack(pre.near(plots), crs, False)
            source_crs = pre.source_crs
            hashes[spec.path] = _done(pre.sha256)
        else:  # big reference layers: streamed in batches, each packed as it comes
            scan = NearScan()
            batches = near_batches(
                spec.path, plots, crs=crs, layer=spec.layer or None, bbox=extent, scan=scan
            )
            parts = []
            for batch in batches:
                parts.append(_pack(batch, crs, False))
                # the batch's GEOS geometries are freed once packed: hand them back, or the
                # heap grows by a batch's worth of fragments each time
                release_freed_memory()
            if not parts:
                empty = gpd.GeoDataFrame(geometry=gpd.GeoSeries([], crs=crs), crs=crs)
                parts = [_pack(empty if scan.schema is None else scan.schema, crs, False)]
            read, source_crs = PackedRead.join(parts), scan.layer_crs
        frame = read.attributes
        info = _source_info(
            role, spec, frame, ReadNotes(source_crs=source_crs), hashes, bounds=read.bounds
        )
        info.crs = CRS.from_user_input(source_crs) if source_crs is not None else None
        info.reprojected = source_crs is not None and not CRS.from_user_input(source_crs).equals(
            crs
        )
        if info.reprojected and np.all(np.isfinite(info.bounds)):
            # the CRS rules judge coordinates in the layer's own CRS
            back = Transformer.from_crs(crs, info.crs, always_xy=True)
            info.bounds = tuple(back.transform_bounds(*info.bounds))
        return frame, info, read
    frame, notes = _read(spec, bbox=extent, bbox_crs=crs if extent is not None else None)
    info = _source_info(role, spec, frame, notes, hashes)
    frame, info.reprojected = _to_project_crs(frame, crs, spec)
    if role in STREAMED_ROLES and extent is not None:
        keep = near_positions(frame.geometry.array, plots_tree(plots))
        frame = frame.iloc[keep].reset_index(drop=True)
        info.count = len(frame)
    if role in STREAMED_ROLES:
        read = _pack(frame, crs, info.had_m)
        return read.attributes, info, read
    return frame, info, None


@dataclass(frozen=True)
class PackedRead:
    """A big reference layer as the check keeps it: attributes, geometries packed as WKB."""

    #: the attributes as read (no geometry column)
    attributes: gpd.GeoDataFrame
    #: the 2-D geometries, packed
    geoms: PackedGeometries
    #: :func:`~landlink_gis.load.context.geometry_state` of the geometries
    state: tuple[np.ndarray, np.ndarray]
    #: features that had Z (or M) values, dropped on reading
    had_z: np.ndarray
    #: total bounds of the present geometries (NaNs when none)
    bounds: tuple[float, float, float, float]

    @staticmethod
    def join(parts: list[PackedRead]) -> PackedRead:
        """The batches ``parts`` of one layer, in order."""
        if len(parts) == 1:
            return parts[0]
        b = np.array([p.bounds for p in parts], dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN: no geometry anywhere
            bounds = (*np.nanmin(b[:, :2], axis=0), *np.nanmax(b[:, 2:], axis=0))
        return PackedRead(
            attributes=gpd.GeoDataFrame(
                pd.concat([p.attributes for p in parts], ignore_index=True)
            ),
            geoms=PackedGeometries.concat([p.geoms for p in parts]),
            state=tuple(np.concatenate([p.state[k] for p in parts]) for k in (0, 1)),
            had_z=np.concatenate([p.had_z for p in parts]),
            bounds=tuple(float(v) for v in bounds),
        )


def _pack(frame: gpd.GeoDataFrame, crs: CRS, had_m: bool) -> PackedRead:
    """A reference layer (or one batch of it) read: its attributes, its 2-D geometries packed as
    WKB, their geometry state, the features that had Z or M, and its bounds."""
    frame, had_z = _drop_z(frame, crs, had_m)
    geoms = np.asarray(frame.geometry.array, dtype=object)
    return PackedRead(
        attributes=gpd.GeoDataFrame(pd.DataFrame(frame.drop(columns=frame.geometry.name))),
        geoms=PackedGeometries.pack(geoms),
        state=geometry_state(geoms),
        had_z=had_z,
        bounds=bounds_of(frame),
    )


def _drop_z(
    frame: gpd.GeoDataFrame, crs: CRS, had_m: bool = False
) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """``frame`` in 2-D and the mask of features that had Z (or M: ``had_m``, the reader's note)
    values."""
    geoms = np.asarray(frame.geometry.array, dtype=object)
    had_z = np.asarray(shapely.has_z(geoms), dtype=bool) | bool(had_m)
    has_m = shapely.has_m(geoms) if hasattr(shapely, "has_m") else np.ones(len(geoms), dtype=bool)
    if (
        had_z.any() or has_m.any()
    ):  # 2-D already: nothing to drop (saves copying millions of polygons)
        frame = frame.set_geometry(gpd.GeoSeries(force_2d(geoms), crs=crs, index=frame.index))
    return frame, had_z


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
    paths = list(
        dict.fromkeys(project.layers[r].path for r in roles if project.layers[r].path is not None)
    )
    paths = [p for p in paths if Path(p).resolve() not in skip]
    if not paths:
        return {}
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="landlink-sha256")
    try:
        return {path: pool.submit(file_sha256, path) for path in paths}
    finally:
        pool.shutdown(wait=False)


def _source_info(
    role: str,
    spec: LayerSpec,
    frame: gpd.GeoDataFrame,
    notes: ReadNotes,
    hashes: dict[Any, Future] | None = None,
    *,
    bounds: tuple[float, float, float, float] | None = None,
) -> SourceInfo:
    """What was read for ``role``: the frame's CRS and bounds, or ``bounds`` given when the frame
    holds no geometry (a packed reference layer, whose caller sets the CRS it was read in)."""
    geometry = getattr(frame, "active_geometry_name", None)
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
        crs=CRS.from_user_input(frame.crs) if geometry and frame.crs is not None else None,
        bounds=bounds_of(frame) if bounds is None else bounds,
        count=len(frame),
        encoding=spec.encoding or notes.encoding,
        outside_folder=spec.outside,
        encoding_note=notes.encoding_note,
        unclosed=notes.unclosed_rings,
        problems=read_problems(notes.read_problems),
        had_m=notes.had_m,
        area_units=dict(notes.area_units),
    )


def _repair(
    role: str, frame: gpd.GeoDataFrame, crs: CRS
) -> tuple[gpd.GeoDataFrame, GeometryRepair | None]:
    """``frame`` with its invalid polygons repaired, and the record of the repair (None: nothing
    to repair)."""
    before = np.asarray(frame.geometry.array, dtype=object)
    after, fixed = repair_geometries(before)
    if not len(fixed):
        return frame, None
    table = pd.DataFrame(
        {
            "position": fixed,
            # an invalid ring has no defined area: "before" is the planar area a GIS shows for it
            "area_before_m2": shapely.area(before[fixed]),
            "area_after_m2": ellipsoidal_area(after[fixed], crs),
        }
    )
    logger.info("%s: repaired %d invalid geometries with make_valid(structure)", role, len(fixed))
    return frame.set_geometry(gpd.GeoSeries(after, crs=crs, index=frame.index)), GeometryRepair(
        original=before, table=table
    )
