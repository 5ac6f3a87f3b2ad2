"""Write the filing GeoPackage of DOMAIN.md §5, atomically and never over an input.

The file is written to a temporary file in the destination folder and renamed over the target
only when complete, so an existing output survives a failed or interrupted run. GeoPackage 1.2
is written by default for the older GIS used by filing offices.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import logging
import os
import re
import sqlite3
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..base.contract import (
    BALANCE_LAYER,
    FINDING_POINTS_LAYER,
    FINDINGS_LAYER,
    PLOT_LAYER_NAMES,
    RUN_INFO_LAYER,
    RUN_INFO_STANDARD_URI,
    STYLES_LAYER,
    run_info_table,
)
from ..base.errors import OutputError
from ..base.fields import DEFAULT_FIELD_NAMES, find_field
from ..base.findings import FINDING_COLUMNS
from ..base.redaction import redact_text
from ..engine.geomops import polygonal
from ..io.atomic import atomic_path
from ..io.gdal_options import gdal_config
from ..io.gpkg_digest import DIGEST_KEY, content_digest
from .display import balance_notes, verdict_line

logger = logging.getLogger(__name__)

__all__ = ["PLOT_LAYER_NAMES", "STYLED_LAYERS", "redact_obj", "write_checked_gpkg"]

#: layer → style file stem in ``landlink_gis/styles`` (QML + SLD, stored in ``layer_styles``)
STYLED_LAYERS = {
    PLOT_LAYER_NAMES["demolition"]: "plots",
    PLOT_LAYER_NAMES["construction"]: "plots",
    FINDINGS_LAYER: "findings",
    FINDING_POINTS_LAYER: "finding_points",
}
_STYLE_TITLES = {
    "plots": "按检查状态着色（字段 ll_status）",
    "findings": "按严重程度着色（字段 severity）",
    "finding_points": "按严重程度着色（字段 severity）",
}


def _plot_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with only polygonal geometries: a point, line or empty geometry becomes null.

    The row (and its attributes) stays; the finding that says why (GEOM002/GEOM003) is in
    ``findings``. A collection keeps its polygons. So the MultiPolygon layer holds what it declares.
    """
    out = frame.copy()
    geoms = polygonal(np.asarray(out.geometry.array, dtype=object))
    out = out.set_geometry(gpd.GeoSeries(geoms, crs=frame.crs, index=frame.index))
    return out


def _split_findings(findings: gpd.GeoDataFrame, crs) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    geoms = np.asarray(findings.geometry.array, dtype=object)
    types = shapely.get_type_id(geoms)
    is_point = np.isin(types, (0, 4))
    attrs = pd.DataFrame(findings[list(FINDING_COLUMNS)]).reset_index(drop=True)
    if not is_point.any():  # the usual case: no row copies
        empty = gpd.GeoDataFrame(attrs.iloc[:0], geometry=gpd.GeoSeries([], crs=crs), crs=crs)
        return gpd.GeoDataFrame(
            attrs, geometry=gpd.GeoSeries(polygonal(geoms), crs=crs), crs=crs
        ), empty
    points = gpd.GeoDataFrame(
        attrs[is_point].reset_index(drop=True),
        geometry=gpd.GeoSeries(geoms[is_point], crs=crs),
        crs=crs,
    )
    rest = polygonal(geoms[~is_point])
    polys = gpd.GeoDataFrame(
        attrs[~is_point].reset_index(drop=True), geometry=gpd.GeoSeries(rest, crs=crs), crs=crs
    )
    return polys, points


def _write_findings(result, path: Path, crs, *, first: bool, gpkg_version: str) -> None:
    """The ``findings`` and ``finding_points`` layers, from the result's spool piece by piece
    when it has one (the same rows in the same order as from the whole table)."""
    spool = getattr(result, "findings_spool", None)
    pieces = spool.batches() if spool is not None and len(spool) else [result.findings]
    made = {FINDINGS_LAYER: False, FINDING_POINTS_LAYER: False}
    schema = None
    for piece in pieces:
        polys, points = _split_findings(piece, crs)
        schema = points.iloc[:0] if schema is None else schema
        for layer, frame, kind in (
            (FINDINGS_LAYER, polys, "MultiPolygon"),
            (FINDING_POINTS_LAYER, points, "Point"),
        ):
            if made[layer] and not len(frame):
                continue
            if layer == FINDING_POINTS_LAYER and not len(frame):
                continue  # made empty at the end if no piece has points (after ``findings``)
            _write(
                frame,
                path,
                layer,
                first=first and not made[FINDINGS_LAYER],
                geometry_type=kind,
                gpkg_version=gpkg_version,
                append=made[layer],
            )
            made[layer] = True
    if not made[FINDING_POINTS_LAYER]:
        _write(schema, path, FINDING_POINTS_LAYER, first=False, geometry_type="Point")


def _write(
    frame, path: Path, layer: str, *, first: bool, geometry_type: str | None = None, **kwargs: Any
) -> None:
    options: dict[str, Any] = {}
    if first:
        options["dataset_options"] = {"VERSION": kwargs.pop("gpkg_version", "1.2")}
    else:
        kwargs.pop("gpkg_version", None)
    if geometry_type is not None:
        options["geometry_type"] = geometry_type
        options["promote_to_multi"] = geometry_type.startswith("Multi")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        # GDAL's Arrow write path: the same content (columns, types, values) at about 1.5× the speed
        pyogrio.write_dataframe(
            frame, str(path), layer=layer, driver="GPKG", use_arrow=True, **options, **kwargs
        )


#: Plot rows written at a time (each slice appended to the layer).
PLOT_ROWS_PER_WRITE = 100_000

#: SQLite settings for GDAL while it writes the temporary file: no journal, no sync per transaction.
#: A failed write discards the temporary file anyway, and the whole file is synced once before the
#: rename (:func:`_fsync`), so the finished output is as durable as before, written faster.
_TEMP_FILE_SQLITE = {"OGR_SQLITE_SYNCHRONOUS": "OFF", "OGR_SQLITE_JOURNAL": "OFF"}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def redact_obj(value: Any) -> Any:
    """``value`` with every string in it (nested dicts/lists included) passed through
    :func:`redact_text`."""
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {redact_text(str(k)): redact_obj(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [redact_obj(v) for v in value]
    return value


def _style_text(stem: str, suffix: str) -> str:
    return (
        resources.files("landlink_gis.outputs.styles")
        .joinpath(f"{stem}.{suffix}")
        .read_text(encoding="utf-8")
    )


#: the label expression of the plot style, replaced per layer by the layer's own plot id column
_LABEL_EXPRESSION = re.compile(r'fieldName="coalesce\(attribute\(@feature[^"]*"')


def plot_id_column(result, role: str) -> str | None:
    """The input column that holds the plot ids of ``role`` (the project's ``id``, else the usual
    names)."""
    frame = result.plots.get(role)
    if frame is None:
        return None
    spec = result.project.layers.get(role)
    wanted = ((spec.id_field,) if spec is not None and spec.id_field else ()) + DEFAULT_FIELD_NAMES[
        "plot_id"
    ]
    return find_field([c for c in frame.columns if c != frame.geometry.name], wanted)


def _label_qml(qml: str, column: str | None) -> str:
    """The plot style labelling ``column`` (the feature number when the layer has no id column)."""
    expression = '"' + column.replace('"', '""') + '"' if column else "'#' || to_string($id)"
    return _LABEL_EXPRESSION.sub(
        lambda _m: f'fieldName="{html.escape(expression, quote=True)}"', qml, count=1
    )


def _write_styles(
    path: Path,
    layers: list[str],
    label_columns: dict[str, str | None] | None = None,
    verdict: str = "",
) -> None:
    """Store a default QGIS style (QML and SLD) per layer in ``layer_styles``, as QGIS does itself.

    Plot layers are labelled with their own plot id column (``label_columns``: layer → column);
    each style's description (what QGIS shows beside it) ends with the check's ``verdict`` line.
    """
    rows = []
    now = pd.Timestamp(dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
    for layer in layers:
        stem = STYLED_LAYERS.get(layer)
        if stem is None:
            continue
        rows.append(
            {
                "f_table_catalog": "",
                "f_table_schema": "",
                "f_table_name": layer,
                "f_geometry_column": "geom",
                "styleName": f"landlink_{stem}",
                "styleQML": _label_qml(_style_text(stem, "qml"), (label_columns or {}).get(layer))
                if layer in (label_columns or {})
                else _style_text(stem, "qml"),
                "styleSLD": _style_text(stem, "sld"),
                "useAsDefault": True,
                "description": f"{_STYLE_TITLES[stem]} — {verdict}"
                if verdict
                else _STYLE_TITLES[stem],
                "owner": "landlink-gis",
                "ui": None,
                "update_time": now,
            }
        )
    if rows:
        _write(pd.DataFrame(rows), path, STYLES_LAYER, first=False, layer_options={"FID": "id"})


def _write_metadata(path: Path, run_info: dict[str, Any], layers: list[str]) -> None:
    """Add the run information as JSON to ``gpkg_metadata``, referenced by the dataset and every
    layer.

    GDAL already stores the dataset metadata items (GDAL XML, ``md_scope`` dataset); this adds a
    plain JSON document that any SQLite client can read, and registers the metadata extension.
    """
    doc = json.dumps(run_info, ensure_ascii=False, default=str, indent=1)
    con = sqlite3.connect(path)
    try:
        with con:
            con.execute(
                "CREATE TABLE IF NOT EXISTS gpkg_metadata (id INTEGER CONSTRAINT m_pk PRIMARY KEY "
                "ASC NOT NULL,"
                " md_scope TEXT NOT NULL DEFAULT 'dataset', md_standard_uri TEXT NOT NULL,"
                " mime_type TEXT NOT NULL DEFAULT 'text/xml', metadata TEXT NOT NULL DEFAULT '')"
            )
            con.execute(
                "CREATE TABLE IF NOT EXISTS gpkg_metadata_reference (reference_scope TEXT NOT NULL,"
                " table_name TEXT, column_name TEXT, row_id_value INTEGER,"
                " timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),"
                " md_file_id INTEGER NOT NULL, md_parent_id INTEGER,"
                " CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),"
                " CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id))"
            )
            for table in ("gpkg_metadata", "gpkg_metadata_reference"):
                exists = con.execute(
                    "SELECT 1 FROM gpkg_extensions WHERE table_name = ? AND extension_name = "
                    "'gpkg_metadata'",
                    (table,),
                ).fetchone()
                if not exists:
                    con.execute(
                        "INSERT INTO gpkg_extensions (table_name, column_name, extension_name, "
                        "definition, scope)"
                        " VALUES (?, NULL, 'gpkg_metadata', "
                        "'http://www.geopackage.org/spec120/#extension_metadata', 'read-write')",
                        (table,),
                    )
            cur = con.execute(
                "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) VALUES "
                "('dataset', ?, 'application/json', ?)",
                (RUN_INFO_STANDARD_URI, doc),
            )
            md_id = cur.lastrowid
            con.execute(
                "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, md_file_id) "
                "VALUES ('geopackage', NULL, ?)",
                (md_id,),
            )
            con.executemany(
                "INSERT INTO gpkg_metadata_reference (reference_scope, table_name, md_file_id) "
                "VALUES ('table', ?, ?)",
                [(layer, md_id) for layer in layers],
            )
    finally:
        con.close()


def write_checked_gpkg(result, path: str | Path, *, gpkg_version: str = "1.2") -> Path:
    """Write a :class:`~landlink_gis.run.result.CheckResult` as the filing GeoPackage.

    Besides the layers of DOMAIN.md §5 the file holds ``layer_styles`` (a default QGIS style per
    layer in QML and SLD: plots coloured by ``ll_status``, findings by ``severity``) and the run
    information in the GeoPackage metadata tables (GDAL's dataset metadata and a JSON document in
    ``gpkg_metadata`` referenced by every layer). Passwords in connection strings are redacted.
    ``run_info`` also holds ``content_sha256``, the digest of the plot layers, findings and balance
    (:func:`~landlink_gis.io.gpkg_digest.content_digest`), so that ``landlink ledger add`` can tell
    a file edited after the check.

    Parameters
    ----------
    result
        The check result.
    path
        Output ``.gpkg`` path; must not be one of the inputs.
    gpkg_version
        GeoPackage version (``1.2`` default; ``1.4`` for newer GIS).

    Returns
    -------
    pathlib.Path
        The written file.
    """
    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise OutputError(f"{path}: the filing output must be a .gpkg file")
    crs = result.crs
    run_info = redact_obj(result.run_info)
    layers: list[str] = []
    with (
        atomic_path(path, protected=result.protected) as tmp,
        gdal_config(_TEMP_FILE_SQLITE),
    ):
        first = True
        for role, name in PLOT_LAYER_NAMES.items():
            if role in result.plots:
                frame = result.plots[role]
                # a slice at a time (a county's plot layer is a million rows): the same rows in
                # the same order as one write, without the whole layer converted at once
                for k, start in enumerate(range(0, max(len(frame), 1), PLOT_ROWS_PER_WRITE)):
                    _write(
                        _plot_frame(frame.iloc[start : start + PLOT_ROWS_PER_WRITE]),
                        tmp,
                        name,
                        first=first and k == 0,
                        geometry_type="MultiPolygon",
                        gpkg_version=gpkg_version,
                        append=k > 0,
                    )
                layers.append(name)
                first = False
        _write_findings(result, tmp, crs, first=first, gpkg_version=gpkg_version)
        # ``note``: why a figure is not checked, the same words as the report and the summary
        lang = result.run_info.get("language") or getattr(result, "lang", "zh")
        balance = result.balance.assign(note=balance_notes(result, lang))
        _write(balance, tmp, BALANCE_LAYER, first=False)
        layers += [FINDINGS_LAYER, FINDING_POINTS_LAYER, BALANCE_LAYER, RUN_INFO_LAYER]
        for name, extra in result.extra_layers.items():  # CHANGES_LAYER, LANDUSE_CHANGE_LAYER
            spatial = isinstance(extra, gpd.GeoDataFrame)
            _write(
                _plot_frame(extra) if spatial else extra,
                tmp,
                name,
                first=False,
                geometry_type="MultiPolygon" if spatial else None,
            )
            layers.append(name)
        # the digest of what the filing rests on, once those layers are final (ledger add checks it)
        run_info = {**run_info, DIGEST_KEY: content_digest(tmp)}
        verdict = verdict_line(
            run_info, result.counts()["error"], str(run_info.get("language", "zh"))
        )
        meta = {
            "landlink_verdict": str(run_info.get("verdict", "")),
            "landlink_verdict_text": verdict,
            "landlink_tool_version": str(run_info.get("tool_version", "")),
            "landlink_profile": str(run_info.get("profile", "")),
            "landlink_run_info": json.dumps(run_info, ensure_ascii=False, default=str),
        }
        _write(run_info_table(run_info), tmp, RUN_INFO_LAYER, first=False, dataset_metadata=meta)
        _write_styles(
            tmp,
            layers,
            {
                name: plot_id_column(result, role)
                for role, name in PLOT_LAYER_NAMES.items()
                if role in result.plots
            },
            verdict,
        )
        _write_metadata(tmp, run_info, layers)
        _fsync(tmp)
    logger.info("wrote %s", path)
    return path
