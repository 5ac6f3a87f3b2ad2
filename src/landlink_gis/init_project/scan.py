"""Read every layer of a folder and guess what it is: role, field mapping, encoding and CRS.

The layers are found and read through the reader table (:mod:`landlink_gis.io.formats`: which
suffixes are vector layers, which files hold several layers, which are folders, a content test
for the coordinate TXT) and :func:`~landlink_gis.io.raster.inspect_raster`, so
what :mod:`landlink_gis.init_project` writes is what ``landlink check`` will read; inputs are only
read, never changed. Every guess keeps its evidence (the name or field it came from) so that the
project file can say why.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import CRS

from ..base.contract import FINDINGS_LAYER, PLOT_LAYER_NAMES, RUN_INFO_LAYER
from ..base.crs import GK_ZONES, gk_epsg, inspect_crs
from ..base.errors import DataSourceError
from ..base.fields import DEFAULT_FIELD_NAMES, find_field, normalise_kind
from ..base.roles import LAYER_ROLES, PLOT_ROLES
from ..io.formats import Format, ReadNotes, format_of, list_layers, read_layer
from ..io.raster import inspect_raster
from ..io.shapefile import dbf_part, detect_dbf_encoding, shapefile_encoding
from .guess import PROVINCE_PROFILES, RASTER_NAME_WORDS, crs_from_bounds, guess_role, name_role

logger = logging.getLogger(__name__)

__all__ = ["FolderScan", "LayerGuess", "RasterGuess", "Skipped", "scan_folder"]

_RASTER_SUFFIXES = (".tif", ".tiff", ".img")
_MAX_DEPTH = 3
# a filing GeoPackage written by `landlink check` (an output, not an input)
_OUTPUT_LAYERS = frozenset({FINDINGS_LAYER, RUN_INFO_LAYER, PLOT_LAYER_NAMES["demolition"]})


@dataclass(frozen=True)
class LayerGuess:
    """What one vector layer of the folder seems to be, with the evidence of each guess."""

    source: Path
    layer: str | None
    features: int
    columns: tuple[str, ...]
    role: str | None = None
    #: where the role came from: ``layer_name``, ``file_name``, ``fields`` or ``""`` (none)
    role_basis: str = ""
    role_evidence: str = ""
    id_field: str | None = None
    fields: dict[str, str] = field(default_factory=dict)
    encoding: str | None = None
    #: ``cpg``, ``detected``, ``overruled`` (a wrong .cpg), ``ascii``, ``utf8_format``, ``coordtxt``
    encoding_basis: str = ""
    encoding_note: str | None = None
    crs: str | None = None
    crs_name: str = ""
    #: ``layer`` (declared by the file) or ``coordinates`` (inferred; the file declares none) or
    #: ``""``
    crs_basis: str = ""
    geographic: bool = False
    bounds: tuple[float, float, float, float] | None = None
    area_unit: str | None = None
    kinds: dict[str, int] = field(default_factory=dict)
    admin: tuple[str, str] | None = None

    @property
    def label(self) -> str:
        """``file`` or ``file:layer`` as written in messages."""
        return f"{self.source.name}:{self.layer}" if self.layer else self.source.name


@dataclass(frozen=True)
class RasterGuess:
    """A raster of the folder and the raster role its name suggests."""

    path: Path
    role: str | None
    evidence: str
    crs: str | None


@dataclass(frozen=True)
class Skipped:
    """A file or layer that was not used, and why (``unreadable``, ``output``, ``not_coordtxt``)."""

    path: Path
    layer: str | None
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class FolderScan:
    """Everything :func:`scan_folder` found, and the choice of one layer per role."""

    folder: Path
    layers: tuple[LayerGuess, ...]
    rasters: tuple[RasterGuess, ...]
    skipped: tuple[Skipped, ...]
    chosen: dict[str, LayerGuess]
    alternatives: dict[str, tuple[LayerGuess, ...]]
    unassigned: tuple[LayerGuess, ...]
    chosen_rasters: dict[str, RasterGuess]
    crs: str | None
    #: (basis, label of the layer it came from, detail): basis ``layer``, ``zone_of_longitude``,
    #: ``coordinates``, ``other_layer``
    crs_basis: tuple[str, str, str] = ("", "", "")
    admin: tuple[str, str] | None = None
    ledger_store: Path | None = None

    @property
    def profile_hint(self) -> str | None:
        """The profile the 行政区代码 of the boundary layer points to (None without one)."""
        if self.admin is None:
            return None
        return PROVINCE_PROFILES.get(self.admin[0][:2], "national")


def _epsg_text(crs: CRS) -> tuple[str | None, str]:
    epsg = crs.to_epsg(min_confidence=70)
    return (f"EPSG:{epsg}" if epsg else None), crs.name


def _shapefile_encoding(path: Path) -> tuple[str | None, str, str | None]:
    """(encoding, basis, note) of a shapefile DBF, as the reader resolves it."""
    enc, note = shapefile_encoding(path, None)
    dbf = dbf_part(path)
    found = detect_dbf_encoding(dbf) if dbf is not None else None
    if note:
        return enc, "overruled", note
    if enc:
        return enc, "detected", None
    if found is None:
        return None, "ascii", None
    return found, "cpg", None


def _admin(frame: gpd.GeoDataFrame, columns: list[str]) -> tuple[str, str] | None:
    code_col, name_col = find_field(columns, ("XZQDM",)), find_field(columns, ("XZQMC",))
    if code_col is None:
        return None
    codes = frame[code_col].dropna().astype(str).str.strip().unique()
    names = frame[name_col].dropna().astype(str).str.strip().unique() if name_col else np.array([])
    if len(codes) != 1:
        return None
    return str(codes[0]), str(names[0]) if len(names) == 1 else ""


def _guess_layer(
    source: Path, layer: str | None, frame: gpd.GeoDataFrame, notes: ReadNotes
) -> LayerGuess:
    columns = [c for c in frame.columns if c != frame.geometry.name]
    names = [("layer_name", layer)] if layer else []
    names.append(("file_name", source.stem))
    role, basis, evidence = guess_role(names, columns)
    mapping = {
        canon: col
        for canon, defaults in DEFAULT_FIELD_NAMES.items()
        if (col := find_field(columns, defaults))
    }
    id_field = mapping.pop("plot_id", None)
    area_unit = None
    units = notes.area_units
    if "area_declared" not in mapping and units:
        column, area_unit = next(iter(units.items()))
        mapping["area_declared"] = column
    fmt = format_of(source)
    encoding, enc_basis, enc_note = None, "utf8_format", None
    if fmt is not None and fmt.name == "shapefile":  # how the DBF encoding was found
        encoding, enc_basis, enc_note = _shapefile_encoding(source)
    elif fmt is not None and fmt.encoding:  # a text format whose reader found the encoding
        encoding, enc_basis = notes.details.get("encoding") or notes.encoding, fmt.name
    crs_text, crs_name, crs_basis, geographic = None, "", "", False
    bounds = (
        tuple(float(v) for v in frame.total_bounds)
        if len(frame) and frame.geometry.notna().any()
        else None
    )
    if frame.crs is not None:
        crs_text, crs_name = _epsg_text(frame.crs)
        crs_basis, geographic = "layer", bool(frame.crs.is_geographic)
    elif bounds is not None:
        epsg, detail = crs_from_bounds(bounds)
        if epsg is not None:
            crs_text, crs_name, crs_basis, geographic = (
                f"EPSG:{epsg}",
                detail,
                "coordinates",
                epsg == 4490,
            )
        else:
            crs_name = detail
    kinds: dict[str, int] = {}
    if "kind" in mapping:
        values, counts = np.unique(
            normalise_kind(frame[mapping["kind"]]).astype(str), return_counts=True
        )
        kinds = {str(v) or "unknown": int(n) for v, n in zip(values, counts, strict=True)}
    return LayerGuess(
        source=source,
        layer=layer,
        features=len(frame),
        columns=tuple(columns),
        role=role,
        role_basis=basis,
        role_evidence=evidence,
        id_field=id_field,
        fields=mapping,
        encoding=encoding,
        encoding_basis=enc_basis,
        encoding_note=enc_note,
        crs=crs_text,
        crs_name=crs_name,
        crs_basis=crs_basis,
        geographic=geographic,
        bounds=bounds,
        area_unit=area_unit,
        kinds=kinds,
        admin=_admin(frame, columns),
    )


def _candidates(folder: Path) -> tuple[list[Path], list[Path]]:
    """Vector sources (files and .gdb folders) and rasters under ``folder``, sorted, hidden ones
    left out."""
    vectors: list[Path] = []
    rasters: list[Path] = []

    def walk(d: Path, depth: int) -> None:
        for p in sorted(d.iterdir()):
            if p.name.startswith("."):
                continue
            fmt = format_of(p)
            if p.is_dir():
                if fmt is not None and fmt.folder:
                    vectors.append(p)
                elif depth < _MAX_DEPTH:
                    walk(p, depth + 1)
            elif fmt is not None and not fmt.folder:
                vectors.append(p)
            elif p.suffix.lower() in _RASTER_SUFFIXES:
                rasters.append(p)

    walk(folder, 1)
    return vectors, rasters


def _read_source(path: Path, skipped: list[Skipped]) -> list[LayerGuess]:
    fmt: Format = format_of(path)  # _candidates lists only files of the table's formats
    if fmt.detect is not None and not fmt.detect(path):
        skipped.append(Skipped(path, None, f"not_{fmt.name}"))
        return []
    layers: list[str | None] = [None]
    if fmt.multi_layer:
        try:
            layers = list(list_layers(path))
        except DataSourceError as exc:
            skipped.append(Skipped(path, None, "unreadable", str(exc)))
            return []
        if _OUTPUT_LAYERS <= set(layers):
            skipped.append(Skipped(path, None, "output"))
            return []
        if "ll_projects" in layers:
            skipped.append(Skipped(path, None, "ledger_store"))
            return []
    out = []
    for name in layers:
        try:
            frame, notes = read_layer(role=name or path.stem, path=path, layer=name)
        except DataSourceError as exc:
            skipped.append(Skipped(path, name, "unreadable", str(exc)))
            continue
        out.append(
            _guess_layer(path, name if len(layers) > 1 or fmt.multi_layer else None, frame, notes)
        )
    return out


def _rank(guess: LayerGuess) -> tuple[int, int, str]:
    basis = {"layer_name": 0, "file_name": 1, "fields": 2}.get(guess.role_basis, 3)
    fmt = format_of(guess.source)
    txt = 1 if fmt is not None and fmt.name == "coordtxt" else 0  # a TXT lacks attributes

    return basis, txt, guess.label


def _project_crs(
    chosen: dict[str, LayerGuess], layers: tuple[LayerGuess, ...]
) -> tuple[str | None, tuple[str, str, str]]:
    for role in PLOT_ROLES:
        g = chosen.get(role)
        if g is None or g.crs is None:
            continue
        if not g.geographic:
            return g.crs, (
                "layer" if g.crs_basis == "layer" else "coordinates",
                g.label,
                g.crs_name,
            )
        if g.bounds is not None:
            lon = (g.bounds[0] + g.bounds[2]) / 2
            zone = int(round(lon / 3))
            if zone in GK_ZONES[3]:
                return f"EPSG:{gk_epsg(zone, width=3)}", (
                    "zone_of_longitude",
                    g.label,
                    f"{lon:.2f}",
                )
    projected = [g for g in layers if g.crs and not g.geographic and inspect_crs(g.crs).is_cgcs2000]
    if projected:
        return projected[0].crs, ("other_layer", projected[0].label, projected[0].crs_name)
    return None, ("", "", "")


def scan_folder(folder: str | Path) -> FolderScan:
    """Read every layer and raster in ``folder`` (sub-folders included) and guess the project.

    Parameters
    ----------
    folder
        A folder of shapefiles, GeoPackages, FileGDBs, coordinate TXT files and rasters.

    Returns
    -------
    FolderScan
        One guess per layer, the layer chosen for each role (the best-named one; the others are
        kept as alternatives), the rasters, what was skipped and why, and the project CRS.

    Raises
    ------
    DataSourceError
        ``folder`` is not a folder.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataSourceError(
            f"{folder}: is not a folder; give the folder that holds the project's layers"
        )
    vectors, raster_paths = _candidates(folder)
    skipped: list[Skipped] = []
    layers = tuple(g for path in vectors for g in _read_source(path, skipped))
    by_role: dict[str, list[LayerGuess]] = {}
    for g in layers:
        if g.role:
            by_role.setdefault(g.role, []).append(g)
    chosen: dict[str, LayerGuess] = {}
    alternatives: dict[str, tuple[LayerGuess, ...]] = {}
    for role in LAYER_ROLES:
        ranked = sorted(by_role.get(role, []), key=_rank)
        if ranked:
            chosen[role], alternatives[role] = ranked[0], tuple(ranked[1:])
    rasters = []
    for path in raster_paths:
        hit = name_role(path.stem, RASTER_NAME_WORDS)
        try:
            info = inspect_raster(path, role=hit[0] if hit else "raster")
            crs = _epsg_text(info.crs)[0] if info.crs is not None else None
        except DataSourceError as exc:
            skipped.append(Skipped(path, None, "unreadable", str(exc)))
            continue
        rasters.append(RasterGuess(path, hit[0] if hit else None, hit[1] if hit else "", crs))
    chosen_rasters = {}
    for r in rasters:
        if r.role and r.role not in chosen_rasters:
            chosen_rasters[r.role] = r
    crs, basis = _project_crs(chosen, layers)
    admin = next(
        (
            g.admin
            for g in ([chosen["boundary"]] if "boundary" in chosen else []) + list(layers)
            if g.admin
        ),
        None,
    )
    store = next((s.path for s in skipped if s.reason == "ledger_store"), None)
    unassigned = tuple(g for g in layers if g.role is None)
    logger.info(
        "%s: %d layer(s), %d raster(s); roles found: %s",
        folder,
        len(layers),
        len(rasters),
        ", ".join(chosen) or "none",
    )
    return FolderScan(
        folder=folder,
        layers=layers,
        rasters=tuple(rasters),
        skipped=tuple(skipped),
        chosen=chosen,
        alternatives=alternatives,
        unassigned=unassigned,
        chosen_rasters=chosen_rasters,
        crs=crs,
        crs_basis=basis,
        admin=admin,
        ledger_store=store,
    )
