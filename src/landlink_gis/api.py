"""The notebook-friendly API: projects from files or GeoDataFrames, checks, rules, layers.

Everything here is a thin layer over the modules that do the work (:mod:`.project`,
:mod:`.runner`, :mod:`.rules`, :mod:`.io.formats`). Nothing is global: every call takes what it
needs as arguments and returns new objects; the caller's GeoDataFrames are never modified.

Examples
--------
>>> import landlink_gis as ll
>>> result = ll.check(ll.load_project("data/samples/bazhong_demo/project.toml"))  # doctest: +SKIP
>>> result.findings[["rule_id", "severity", "plot_id"]]                            # doctest: +SKIP
>>> ll.write_gpkg(result, "out.gpkg")                                              # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from .base.errors import InputError
from .base.roles import LAYER_ROLES, RASTER_ROLES
from .io.formats import read_vector
from .io.notes import ReadNotes
from .outputs.maps_interactive import explore_result, plot_result
from .outputs.outputs import WRITERS, write_outputs
from .outputs.summary import summary_text
from .project.file import Project, load_project, parse_project
from .rules import REGISTRY, sorted_rules
from .run.result import CheckResult
from .run.runner import check

__all__ = [
    "check",
    "explain",
    "explore",
    "load_project",
    "plot",
    "project_from_frames",
    "read_layer",
    "rules_table",
    "summary",
    "write",
    "write_gpkg",
]

LayerInput = gpd.GeoDataFrame | tuple[gpd.GeoDataFrame, ReadNotes] | str | Path | Mapping[str, Any]

_IN_MEMORY = "<in-memory project>"


def _layer_table(
    role: str, value: Any
) -> tuple[dict[str, Any], gpd.GeoDataFrame | None, ReadNotes | None]:
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], gpd.GeoDataFrame)
        and isinstance(value[1], ReadNotes)
    ):  # a reader's result: the frame and what the reader noticed
        return {"path": f"__in_memory_{role}__"}, value[0], value[1]
    if isinstance(value, gpd.GeoDataFrame):
        # a placeholder path lets parse_project validate ids and field mappings; replaced below
        return {"path": f"__in_memory_{role}__"}, value, None
    if isinstance(value, (str, Path)):
        text = str(value)
        return (
            (
                {"url": text}
                if text.startswith(("postgresql://", "postgres://"))
                else {"path": text}
            ),
            None,
            None,
        )
    if isinstance(value, Mapping):
        return dict(value), None, None
    raise InputError(
        f"layer '{role}': expected a GeoDataFrame, a (GeoDataFrame, ReadNotes) pair, a file path "
        f"or a table of project-file keys (path/url/layer/table/…), got {type(value).__name__}"
    )


def project_from_frames(
    demolition: LayerInput,
    construction: LayerInput | None = None,
    *,
    fields: Mapping[str, Mapping[str, str]] | None = None,
    ids: Mapping[str, str] | None = None,
    rasters: Mapping[str, str | Path] | None = None,
    ignore: list[str] | tuple[str, ...] = (),
    select: list[str] | tuple[str, ...] = (),
    params: Mapping[str, Any] | None = None,
    severity: Mapping[str, str] | None = None,
    folder: str | Path | None = None,
    **layers_and_facts: Any,
) -> Project:
    """Build a project from GeoDataFrames (and, where convenient, files) instead of a TOML file.

    Parameters
    ----------
    demolition, construction
        The plot layers: GeoDataFrames (used as they are, never modified), a frame with what its
        reader noticed (the ``(frame, ReadNotes)`` pair of
        :func:`~landlink_gis.io.coordtxt.read_coordtxt_notes`, whose 地块面积 is then read in
        公顷 as from the file), file paths, or tables of project-file layer keys such as
        ``{"path": "ref.gpkg", "layer": "landuse"}``.
    fields
        Field mapping per layer role, as in the project file:
        ``{"demolition": {"land_class": "DLBM", "area": "MJ"}}``. Without one, the common
        names of DOMAIN.md §3 are recognised (``DKBH``, ``DLBM``, ``MJ`` …).
    ids
        Plot-id field per layer role (default: ``DKBH``, ``BSM``, ``TBBH`` or ``id``).
    rasters
        Raster files by role (``dem``, ``slope``, ``quality``).
    ignore, select, params, severity
        The ``[rules]`` table of the project file.
    folder
        Folder that relative file paths are resolved against (default: the current folder).
    **layers_and_facts
        Further layer roles (``compensation=…``, ``basic_farmland=…``, ``landuse=…``,
        ``ledger=…`` …) and project facts of the ``[project]`` table (``name``, ``code``,
        ``county``, ``profile``, ``crs``, ``approved`` …; dates as ``datetime.date`` or
        ``"YYYY-MM-DD"``).

    Returns
    -------
    Project
        A frozen project whose in-memory layers are read from the given frames; pass it to
        :func:`check`. Its ``path`` is ``None``.

    Raises
    ------
    ProjectFileError
        An unknown fact, layer role, raster role, canonical field or a bad value; the message
        names it, as it would for a project file.
    InputError
        A layer is given as something other than a frame, a path or a table.

    Examples
    --------
    >>> project = project_from_frames(                                  # doctest: +SKIP
    ...     demolition=plots, construction=new_plots, compensation=used_land,
    ...     name="示例项目区", profile="sichuan", crs="EPSG:4545",
    ...     fields={"construction": {"kind": "JXLX"}})
    """
    inputs: dict[str, Any] = {"demolition": demolition}
    if construction is not None:
        inputs["construction"] = construction
    facts: dict[str, Any] = {}
    for key, value in layers_and_facts.items():
        if key in LAYER_ROLES:
            if value is not None:
                inputs[key] = value
        elif key in RASTER_ROLES:
            raise InputError(f"{key!r} is a raster role; pass it as rasters={{{key!r}: path}}")
        else:
            facts[key] = value
    for what, table in (("fields", fields), ("ids", ids)):
        extra = sorted(set(table or {}) - set(inputs))
        if extra:
            raise InputError(
                f"{what} given for layer role(s) {', '.join(extra)} that have no layer"
            )

    layers: dict[str, dict[str, Any]] = {}
    frames: dict[str, tuple[gpd.GeoDataFrame, ReadNotes | None]] = {}
    for role, value in inputs.items():
        table, frame, notes = _layer_table(role, value)
        if frame is not None:
            frames[role] = (frame, notes)
        if fields and role in fields:
            table["fields"] = dict(fields[role])
        if ids and role in ids:
            table["id"] = ids[role]
        layers[role] = table
    doc: dict[str, Any] = {"project": facts, "layers": layers}
    if rasters:
        doc["rasters"] = {role: {"path": str(path)} for role, path in rasters.items()}
    rules = {
        "ignore": list(ignore),
        "select": list(select),
        "params": dict(params or {}),
        "severity": dict(severity or {}),
    }
    doc["rules"] = {k: v for k, v in rules.items() if v}
    base = Path(folder) if folder is not None else Path.cwd()
    project = parse_project(doc, base / _IN_MEMORY)
    specs = dict(project.layers)
    for role, (frame, notes) in frames.items():
        specs[role] = replace(specs[role], path=None, outside=False, frame=frame, frame_notes=notes)
    return replace(project, path=None, layers=specs)


def read_layer(
    source: str | Path,
    *,
    layer: str | None = None,
    table: str | None = None,
    sql: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    bbox_crs: Any = None,
    encoding: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one vector layer, optionally only where it meets an extent.

    The same reader a check uses: shapefiles (GBK detection), GeoPackage, GeoJSON, FileGDB,
    GeoParquet, the Ministry coordinate TXT, and PostGIS.

    Parameters
    ----------
    source
        A file path, or a ``postgresql://`` URL (then ``table`` or ``sql`` is needed).
    layer
        Layer name inside a multi-layer file (GeoPackage, FileGDB).
    table, sql
        PostGIS table (``schema.table``) or query.
    bbox, bbox_crs
        Read only features meeting this extent, given in ``bbox_crs`` (default: the layer's
        CRS). The filter runs in GDAL or in the database: what lies outside is never loaded.
    encoding
        Text encoding of a shapefile DBF (default: ``.cpg`` or detection).

    Returns
    -------
    geopandas.GeoDataFrame
        The features with their attributes unchanged.

    Raises
    ------
    DataSourceError
        The source cannot be opened or read; the message says which and why.
    """
    text = str(source)
    is_url = text.startswith(("postgresql://", "postgres://"))
    return read_vector(
        role=layer or table or "layer",
        path=None if is_url else Path(source),
        url=text if is_url else None,
        layer=layer,
        table=table,
        sql=sql,
        encoding=encoding,
        bbox=bbox,
        bbox_crs=bbox_crs,
    )


def rules_table(lang: str = "zh") -> pd.DataFrame:
    """Every registered rule as a table: ID, family, default severity, title, parameters,
    requirements.

    Parameters
    ----------
    lang
        Language of the titles, ``zh`` or ``en``.
    """
    rows = [
        {
            "rule_id": r.id,
            "family": r.family,
            "severity": r.severity,
            "title": r.title(lang),
            "params": ", ".join(f"{p.name}={p.default!r}" for p in r.params),
            "requires": ", ".join(map(str, r.requires)),
            "reference": r.reference,
        }
        for r in sorted_rules()
    ]
    return pd.DataFrame(
        rows, columns=["rule_id", "family", "severity", "title", "params", "requires", "reference"]
    )


def explain(rule_id: str, lang: str = "zh") -> str:
    """What a rule checks, why, its parameters and an example, as text (``landlink explain``).

    Parameters
    ----------
    rule_id
        A rule ID such as ``OVL001`` (case-insensitive).
    lang
        Language of the title, ``zh`` or ``en``.

    Raises
    ------
    InputError
        The ID is not a registered rule.
    """
    r = REGISTRY.get(rule_id.strip().upper())
    if r is None:
        raise InputError(f"unknown rule ID {rule_id!r}; rules_table() lists them")
    lines = [f"{r.id} — {r.title(lang)} ({r.name}, default severity {r.severity})", "", r.purpose]
    if r.params:
        lines += ["", "Parameters:"] + [f"  {p.name} = {p.default!r}  — {p.doc}" for p in r.params]
    if r.requires:
        lines += ["", "Requires: " + ", ".join(map(str, r.requires))]
    lines += ["", f"Reference: {r.reference}"]
    if r.example:
        lines.append(f"Example: {r.example}")
    return "\n".join(lines)


def write(
    result: CheckResult,
    path: str | Path,
    kinds: Iterable[str] = ("gpkg",),
    *,
    protected: Iterable[str | Path] = (),
) -> dict[str, Path]:
    """Write the outputs of ``result`` through the writer table, exactly as ``landlink check``.

    Parameters
    ----------
    result
        The check result.
    path
        The filing GeoPackage (``.gpkg``); every other output is written beside it with its own
        suffix (``report`` → ``.html``, ``xlsx`` → ``.xlsx``).
    kinds
        Keys of :data:`landlink_gis.outputs.outputs.WRITERS` (``gpkg``, ``report``, ``xlsx`` …);
        the GeoPackage is always written. All or nothing: a failure removes this call's outputs.
    protected
        Further files no output may replace (the project's inputs and ledger always are).

    Returns
    -------
    dict
        Kind → path of each file written.
    """
    return write_outputs(result, path, kinds, protected=protected)


def write_gpkg(result: CheckResult, path: str | Path, **kwargs: Any) -> Path:
    """Write the filing GeoPackage of ``result`` atomically, exactly as ``landlink check`` does.

    The ``gpkg`` writer of the writer table; keyword arguments go to it (``gpkg_version``).
    """
    return WRITERS["gpkg"].write(result, Path(path), **kwargs)


def summary(result: CheckResult, lang: str | None = None) -> str:
    """A short text summary: plots checked, findings by severity, the area balance."""
    return summary_text(result, lang=lang or result.lang)


def explore(result: CheckResult, **kwargs: Any) -> Any:
    """An interactive folium map: plots coloured by ``ll_status``, findings as popups.

    Keyword arguments go to :func:`landlink_gis.outputs.maps_interactive.explore_result` (``lang``,
    ``tiles``, ``findings``, ``width``, ``height``). Needs the ``notebook`` extra (folium).
    """
    return explore_result(result, **kwargs)


def plot(result: CheckResult, **kwargs: Any) -> Any:
    """A static matplotlib map of plots by status and the findings; returns the Axes.

    Keyword arguments go to :func:`landlink_gis.outputs.maps_interactive.plot_result` (``ax``,
    ``lang``, ``findings``, ``figsize``). Needs the ``notebook`` extra (matplotlib).
    """
    return plot_result(result, **kwargs)
