"""Build small projects on disk for tests: layers as shapefiles/GeoPackages plus a TOML."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sqlite3
import tempfile
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
    rasters: dict[str, Path] | None = None,
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
    for role, raster in (rasters or {}).items():
        lines += [f"\n[rasters.{role}]", f"path = {_toml_value(str(raster))}"]
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


def filing_inputs(
    folder: Path, plots: dict[str, gpd.GeoDataFrame], *, margin: float = 100.0
) -> tuple[dict[str, gpd.GeoDataFrame], dict[str, Path]]:
    """The reference layers and the DEM that filing requires (DOMAIN.md §4b), none of them
    raising a finding against ``plots``: the land survey shows rural homesteads (0702) over the
    plots' extent, the development boundary and the county boundary cover it, the 占补平衡 land,
    basic farmland, red line and other projects lie 1 km away, and the DEM is flat (slope 0).

    Returns the layers to add to ``plots`` and ``rasters`` for :func:`write_project`.
    """
    import numpy as np
    import rasterio
    import shapely
    from affine import Affine

    bounds = [g.total_bounds for g in plots.values()]
    x0 = min(b[0] for b in bounds) - margin
    y0 = min(b[1] for b in bounds) - margin
    x1 = max(b[2] for b in bounds) + margin
    y1 = max(b[3] for b in bounds) + margin
    cover = shapely.box(x0, y0, x1, y1)
    far = [
        shapely.box(x1 + 1000 + 20 * i, y1 + 1000, x1 + 1010 + 20 * i, y1 + 1010) for i in range(4)
    ]
    layers = {
        "landuse": frame([{"BSM": "L1", "DLBM": "0702", "geometry": cover}]),
        "development_boundary": frame([{"BSM": "K1", "geometry": cover}]),
        "boundary": frame([{"BSM": "X1", "geometry": cover.buffer(margin)}]),
        "compensation": frame([{"DKBH": "B1", "geometry": far[0]}]),
        "basic_farmland": frame([{"BSM": "J1", "geometry": far[1]}]),
        "ecological_redline": frame([{"BSM": "E1", "geometry": far[2]}]),
        "ledger": frame([{"DKBH": "Q1", "XMBH": "OTHER-1", "geometry": far[3]}]),
    }
    folder.mkdir(parents=True, exist_ok=True)
    dem = folder / "dem.tif"
    width, height = int((x1 - x0) // 10) + 1, int((y1 - y0) // 10) + 1
    with rasterio.open(
        dem,
        "w",
        driver="GTiff",
        width=width,
        height=height,
        count=1,
        dtype="float32",
        crs=CRS,
        transform=Affine(10.0, 0.0, x0, 0.0, -10.0, y1),
    ) as dst:
        dst.write(np.full((1, height, width), 500.0, dtype="float32"))
    return layers, {"dem": dem}


def write_with_pending_wal(frame: gpd.GeoDataFrame, path: Path, *, driver: str, edit: str) -> None:
    """Write ``frame`` as layer ``plots`` of a SQLite-based file (``driver`` GPKG or SQLite) at
    ``path`` with one committed edit (the SQL ``edit``) left in its write-ahead log: ``-wal`` and
    ``-shm`` lie beside it, not checkpointed into the file."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / path.name
        frame.to_file(scratch, layer="plots", driver=driver)
        con = sqlite3.connect(scratch)
        # the GeoPackage's R-tree triggers call SpatiaLite functions that plain sqlite3 lacks
        for fn in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
            con.create_function(fn, 1, lambda g: 0)
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute(edit)
        con.commit()
        for suffix in ("", "-wal", "-shm"):
            shutil.copyfile(f"{scratch}{suffix}", f"{path}{suffix}")
        con.close()


def file_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of each file in ``folder``, by name."""
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}


@contextlib.contextmanager
def geos_overlap_path():
    """Inside the block the overlap engine takes its GEOS path (``set_kernel("geos")``), the
    comparison every kernel test makes; the kernel is restored however the block ends."""
    from landlink_gis.engine.overlay import set_kernel

    set_kernel("geos")
    try:
        yield
    finally:
        set_kernel(None)
