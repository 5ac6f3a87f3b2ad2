"""A project TOML for landlink from layers loaded in QGIS and the facts typed into the dialog."""

import json
import os

from qgis.core import (
    QgsCoordinateTransformContext,
    QgsProcessingException,
    QgsProviderRegistry,
    QgsVectorFileWriter,
)

from .messages import ROLE_WORDS, tr

#: optional reference layer roles (DOMAIN.md §3) → dialog label
REFERENCE_ROLES = {
    "compensation": "占补平衡已用地 (compensation)",
    "basic_farmland": "永久基本农田 (basic farmland)",
    "ecological_redline": "生态保护红线 (ecological red line)",
    "development_boundary": "城镇开发边界 (development boundary)",
    "landuse": "三调地类图斑 DLTB (land use)",
    "boundary": "县域/项目区界线 (boundary)",
    "illegal_land": "违法违规用地 (illegal land)",
    "ledger": "其他挂钩项目地块 (plots of other projects)",
}
_FILE_FORMATS = (".shp", ".gpkg", ".geojson", ".parquet", ".txt")


def _q(value):
    return json.dumps(str(value), ensure_ascii=False)


def _source(layer, role, folder, lang):
    """(path, layer name or None) of a layer: its own file when OGR reads one, else a GeoPackage copy."""
    if layer.providerType() == "ogr":
        parts = QgsProviderRegistry.instance().decodeUri("ogr", layer.source())
        path = parts.get("path") or ""
        if os.path.splitext(path)[1].lower() in _FILE_FORMATS or path.lower().endswith(".gdb"):
            if not layer.subsetString():
                name = None if path.lower().endswith(".shp") else parts.get("layerName") or None
                return path, name
    # memory layers, database layers and filtered layers: write what QGIS shows to a GeoPackage
    target = os.path.join(folder, f"{role}.gpkg")
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName, options.layerName, options.fileEncoding = "GPKG", role, "UTF-8"
    error = QgsVectorFileWriter.writeAsVectorFormatV2(layer, target, QgsCoordinateTransformContext(), options)
    if error[0] != QgsVectorFileWriter.NoError:
        raise QgsProcessingException(tr("copy_failed", lang, name=layer.name(), error=error[1]))
    return target, role


def write_project_toml(path, facts, layers, dem, feedback, lang="zh"):
    """Write the project file at ``path`` and return it.

    Parameters
    ----------
    path
        The TOML to write (in Processing's temporary folder).
    facts
        ``[project]`` keys; empty strings are left out.
    layers
        role → QgsVectorLayer or None.
    dem
        Path of a DEM raster or None.
    lang
        Language of the log lines (``zh``: Chinese).
    """
    folder = os.path.dirname(path)
    lines = ["# written by the landlink-gis QGIS plugin", "[project]"]
    for key, value in facts.items():
        if value in (None, ""):
            continue
        if isinstance(value, bool):
            lines.append(f"{key} = {'true' if value else 'false'}")
        elif isinstance(value, (int, float)):
            lines.append(f"{key} = {value!r}")
        elif key in ("approved", "accepted", "filed", "traded"):
            lines.append(f"{key} = {_q(value.strip())}")
        else:
            lines.append(f"{key} = {_q(value)}")
    for role, layer in layers.items():
        if layer is None:
            continue
        src, name = _source(layer, role, folder, lang)
        lines += ["", f"[layers.{role}]", f"path = {_q(src)}"]
        if name:
            lines.append(f"layer = {_q(name)}")
        where = src + (f"（{name}）" if lang == "zh" else f" ({name})") if name else src
        feedback.pushInfo(tr("layer_source", lang, role=ROLE_WORDS[role] if lang == "zh" else role, src=where))
    if dem:
        lines += ["", "[rasters.dem]", f"path = {_q(dem)}"]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    feedback.pushInfo(tr("project_written", lang, path=path))
    return path
