"""Write the filing GeoPackage of DOMAIN.md §5, atomically and never over an input.

The file is written to a temporary file in the destination folder and renamed over the target
only when complete, so an existing output survives a failed or interrupted run. GeoPackage 1.2
is written by default for the older GIS used by filing offices.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..errors import OutputError
from ..findings import FINDING_COLUMNS
from ..geomops import polygonal

logger = logging.getLogger(__name__)

__all__ = ["PLOT_LAYER_NAMES", "atomic_path", "input_paths", "write_checked_gpkg"]

PLOT_LAYER_NAMES = {"demolition": "demolition_plots", "construction": "construction_plots"}


def input_paths(project) -> set[Path]:
    """Resolved paths of every file a project reads (shapefile sidecars included)."""
    paths: set[Path] = set()
    if project is None:
        return paths
    if project.path is not None:
        paths.add(Path(project.path).resolve())
    specs = list(project.layers.values()) + list(project.rasters.values())
    for spec in specs:
        p = getattr(spec, "path", None)
        if p is None:
            continue
        p = Path(p).resolve()
        paths.add(p)
        if p.suffix.lower() == ".shp":
            paths.update(p.with_suffix(s) for s in (".shx", ".dbf", ".prj", ".cpg"))
    return paths


class atomic_path:  # noqa: N801 - used as a context manager like open()
    """Context manager yielding a temporary path beside ``target``; renamed over it on success.

    On an exception the temporary file is removed and ``target`` is left as it was.
    """

    def __init__(self, target: str | Path, *, protected: set[Path] | None = None):
        self.target = Path(target)
        if protected and self.target.resolve() in protected:
            raise OutputError(f"{self.target}: refusing to write over an input file; choose another output path")
        self.tmp: Path | None = None

    def __enter__(self) -> Path:
        folder = self.target.parent if str(self.target.parent) else Path(".")
        folder.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{self.target.stem}.", suffix=f".tmp{self.target.suffix}", dir=folder)
        os.close(fd)
        os.unlink(name)  # GDAL must create the file itself
        self.tmp = Path(name)
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.tmp is not None
        if exc_type is None:
            os.replace(self.tmp, self.target)
            return
        for leftover in (self.tmp, Path(str(self.tmp) + "-journal"), Path(str(self.tmp) + "-wal"), Path(str(self.tmp) + "-shm")):
            if leftover.exists():
                leftover.unlink()


def _plot_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = frame.copy()
    geoms = np.asarray(out.geometry.array, dtype=object)
    geoms = np.where(shapely.is_empty(geoms), None, geoms)
    out = out.set_geometry(gpd.GeoSeries(geoms, crs=frame.crs, index=frame.index))
    return out


def _split_findings(findings: gpd.GeoDataFrame, crs) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    geoms = np.asarray(findings.geometry.array, dtype=object)
    types = shapely.get_type_id(geoms)
    is_point = np.isin(types, (0, 4))
    attrs = pd.DataFrame(findings[list(FINDING_COLUMNS)]).reset_index(drop=True)
    points = gpd.GeoDataFrame(attrs[is_point].reset_index(drop=True), geometry=gpd.GeoSeries(geoms[is_point], crs=crs), crs=crs)
    rest = polygonal(geoms[~is_point])
    polys = gpd.GeoDataFrame(attrs[~is_point].reset_index(drop=True), geometry=gpd.GeoSeries(rest, crs=crs), crs=crs)
    return polys, points


def _write(frame, path: Path, layer: str, *, first: bool, geometry_type: str | None = None, **kwargs: Any) -> None:
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
        pyogrio.write_dataframe(frame, str(path), layer=layer, driver="GPKG", **options, **kwargs)


def write_checked_gpkg(result, path: str | Path, *, gpkg_version: str = "1.2") -> Path:
    """Write a :class:`~landlink_gis.result.CheckResult` as the filing GeoPackage.

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
    from ..runner import run_info_table

    path = Path(path)
    if path.suffix.lower() != ".gpkg":
        raise OutputError(f"{path}: the filing output must be a .gpkg file")
    crs = result.crs
    with atomic_path(path, protected=input_paths(result.project)) as tmp:
        first = True
        for role, name in PLOT_LAYER_NAMES.items():
            if role in result.plots:
                _write(_plot_frame(result.plots[role]), tmp, name, first=first, geometry_type="MultiPolygon", gpkg_version=gpkg_version)
                first = False
        polys, points = _split_findings(result.findings, crs)
        _write(polys, tmp, "findings", first=first, geometry_type="MultiPolygon", gpkg_version=gpkg_version)
        _write(points, tmp, "finding_points", first=False, geometry_type="Point")
        _write(result.balance, tmp, "balance", first=False)
        meta = {
            "landlink_tool_version": str(result.run_info.get("tool_version", "")),
            "landlink_profile": str(result.run_info.get("profile", "")),
            "landlink_run_info": json.dumps(result.run_info, ensure_ascii=False, default=str),
        }
        _write(run_info_table(result.run_info), tmp, "run_info", first=False, dataset_metadata=meta)
    logger.info("wrote %s", path)
    return path
