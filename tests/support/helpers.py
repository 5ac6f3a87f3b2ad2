"""Build small projects on disk for tests: layers as shapefiles/GeoPackages plus a TOML."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd

from tests.support.geoms import CRS


def frame(rows: list[dict[str, Any]], crs: str = CRS) -> gpd.GeoDataFrame:
    """GeoDataFrame from dicts with a ``geometry`` key."""
    geoms = [r.pop("geometry") for r in rows]
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"'


def write_project(
    folder: Path,
    layers: dict[str, gpd.GeoDataFrame],
    *,
    project: dict[str, Any] | None = None,
    layer_options: dict[str, dict[str, Any]] | None = None,
    rules: dict[str, Any] | None = None,
    fmt: str = "shp",
) -> Path:
    """Write ``layers`` (role → frame) and a project TOML into ``folder``; return the TOML path.

    Plot layers are written as ``fmt`` (``shp``, ``gpkg``, ``geojson``); reference layers go
    into ``reference.gpkg``.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["[project]"]
    facts = {"name": "测试项目", "code": "TEST-001", "profile": "national"}
    facts.update(project or {})
    lines += [f"{k} = {_toml_value(v)}" for k, v in facts.items()]
    for role, gdf in layers.items():
        opts = dict((layer_options or {}).get(role, {}))
        lines.append(f"\n[layers.{role}]")
        if role in ("demolition", "construction"):
            if fmt == "shp":
                name = f"{role}.shp"
                gdf.to_file(folder / name, encoding=opts.pop("_write_encoding", "UTF-8"))
            elif fmt == "gpkg":
                name = f"{role}.gpkg"
                gdf.to_file(folder / name, layer=role, driver="GPKG")
            else:
                name = f"{role}.geojson"
                gdf.to_file(folder / name, driver="GeoJSON")
            lines.append(f'path = "{name}"')
        else:
            gdf.to_file(folder / "reference.gpkg", layer=role, driver="GPKG")
            lines.append('path = "reference.gpkg"')
            lines.append(f'layer = "{role}"')
        opts.pop("_write_encoding", None)
        lines += [f"{k} = {_toml_value(v)}" for k, v in opts.items()]
    if rules:
        lines.append("\n[rules]")
        lines += [f"{k} = {_toml_value(v)}" for k, v in rules.items()]
    path = folder / "project.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def load_ctx(path: Path | str, **check_options: Any):
    """The finished check context of a project file, as the runner builds it (for tests of rule
    helpers)."""
    from landlink_gis.load.pipeline import load_context
    from landlink_gis.project.file import load_project
    from landlink_gis.run.config import resolve_config

    project = load_project(path)
    config = resolve_config(project, **check_options)
    return load_context(project, params=config.params, lang=project.language)
