"""Read a checked project GeoPackage (``landlink check`` output) for the ledger or as a previous
plan."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

from ..base.contract import (
    BALANCE_LAYER,
    FINDING_POINTS_LAYER,
    FINDINGS_LAYER,
    PLOT_LAYER_NAMES,
    RUN_INFO_LAYER,
    VERDICTS,
    parse_run_info,
    verdict_of,
)
from ..base.fields import DEFAULT_FIELD_NAMES, as_text, find_field, normalise_kind, printable_ids
from ..engine.area import ellipsoidal_area, planar_area
from ..engine.geomops import polygonal
from ..io.gpkg_digest import digest_matches, no_aux_files, stored_digest
from .errors import LedgerError

logger = logging.getLogger(__name__)

__all__ = ["CheckedProject", "PLAN_COLUMNS", "plan_frame", "read_checked"]

#: Columns of a plan frame (plots of one plan, both layers).
PLAN_COLUMNS: tuple[str, ...] = (
    "layer",
    "kind",
    "plot_id",
    "land_class",
    "area_m2",
    "area_planar_m2",
    "attributes",
    "state",
    "geometry",
)


@dataclass
class CheckedProject:
    """A checked project as the ledger needs it."""

    source: str
    code: str
    name: str
    county: str
    profile: str
    facts: dict[str, Any]
    plots: gpd.GeoDataFrame
    errors: int
    warnings: int
    sha256: str
    run_info: dict[str, Any] = field(default_factory=dict)
    #: balance figures by item (scope ``project``): item → ``(area_m2, grade)`` (grade NaN when
    #: the row has none); empty for a file without a ``balance`` table
    figures: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: findings as ``(rule_id, severity, layer, plot_id)`` rows
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: whether the file is as ``landlink check`` wrote it: ``verified``, ``changed`` (its plots,
    #: statuses, findings or balance were edited afterwards) or ``unverified`` (no digest: an older
    #: version)
    content: str = "verified"

    @property
    def content_problem(self) -> str | None:
        """Why the file cannot be trusted as the check's output, or None when it can."""
        if self.content == "changed":
            return (
                f"{self.source} was changed after `landlink check` (its plots, statuses, findings "
                "or balance differ "
                "from what the check wrote): check it again"
            )
        if self.content == "unverified":
            return (
                f"{self.source} carries no content digest (written by an older landlink-gis, or "
                "its run_info was "
                "edited), so it cannot be shown to be unchanged since `landlink check`: check it "
                "again"
            )
        return None

    @property
    def demolition_m2(self) -> float:
        """Total ellipsoidal area of the demolition plots."""
        return float(self.plots.loc[self.plots["layer"] == "demolition", "area_m2"].sum())

    @property
    def construction_m2(self) -> float:
        """Total ellipsoidal area of the construction plots."""
        return float(self.plots.loc[self.plots["layer"] == "construction", "area_m2"].sum())

    @property
    def stage(self) -> str:
        """``plan`` or ``acceptance`` (``[project] stage``)."""
        return str(self.facts.get("stage") or "plan")

    @property
    def verdict(self) -> str:
        """The check's verdict code (``fileable``, ``must_fix``, ``incomplete``): ``run_info``'s
        ``verdict``, or for a file that predates verdicts its error count (:func:`verdict_of`)."""
        return verdict_of(self.run_info, self.errors)

    @property
    def unfinished(self) -> str | None:
        """Why the check does not allow registering (its verdict is ``must_fix`` or
        ``incomplete``), or None."""
        verdict = self.verdict
        if verdict == "must_fix":
            return f"the check found {self.errors} error finding(s) ({VERDICTS[verdict][0]})"
        if verdict == "incomplete":
            return f"a check that filing requires did not run ({VERDICTS[verdict][0]})"
        return None

    def figure(self, item: str) -> float | None:
        """The m² of balance row ``item`` (scope ``project``), None when absent or unknown."""
        value = self.figures.get(item, (np.nan, np.nan))[0]
        return float(value) if np.isfinite(value) else None

    def grade(self, item: str) -> float | None:
        """The grade of balance row ``item`` (scope ``project``), None when absent or empty."""
        value = self.figures.get(item, (np.nan, np.nan))[1]
        return float(value) if np.isfinite(value) else None

    def date(self, key: str) -> dt.date | None:
        """A project date fact (``approved``, ``accepted`` …) or None."""
        value = self.facts.get(key)
        return dt.date.fromisoformat(str(value)) if value else None


def _run_info(path: Path) -> dict[str, Any]:
    try:
        table = pyogrio.read_dataframe(str(path), layer=RUN_INFO_LAYER, read_geometry=False)
    except Exception:  # noqa: BLE001 - a missing layer is reported below
        return {}
    return parse_run_info(table)


def _balance(path: Path, names: set[str]) -> dict[str, tuple[float, float]]:
    if BALANCE_LAYER not in names:
        return {}
    table = pyogrio.read_dataframe(str(path), layer=BALANCE_LAYER, read_geometry=False)
    if not {"item", "area_m2"} <= set(table.columns):
        return {}
    if "scope" in table.columns:
        table = table[table["scope"].astype(str) == "project"]
    grade = (
        pd.to_numeric(table["grade"], errors="coerce")
        if "grade" in table.columns
        else pd.Series(np.nan, index=table.index)
    )
    area = pd.to_numeric(table["area_m2"], errors="coerce")
    out: dict[str, tuple[float, float]] = {}
    for item, a, g in zip(table["item"].astype(str), area, grade, strict=True):
        out.setdefault(item, (float(a), float(g)))
    return out


def _findings(path: Path, names: set[str]) -> pd.DataFrame:
    cols = ["rule_id", "severity", "layer", "plot_id"]
    parts = []
    for name in (FINDINGS_LAYER, FINDING_POINTS_LAYER):
        if name in names:
            frame = pyogrio.read_dataframe(str(path), layer=name, read_geometry=False)
            parts.append(frame.reindex(columns=cols).astype(object))
    if not parts:
        return pd.DataFrame(columns=cols)
    return pd.concat(parts, ignore_index=True)


def _pick(columns, preferred: str | None, defaults: tuple[str, ...]) -> str | None:
    return find_field(columns, ((preferred,) if preferred else ()) + defaults)


def plan_frame(
    layers: dict[str, gpd.GeoDataFrame],
    crs: CRS,
    *,
    fields: dict[str, dict[str, str]] | None = None,
) -> gpd.GeoDataFrame:
    """One frame of a plan's plots (``demolition`` and ``construction``) in ``crs``.

    Parameters
    ----------
    layers
        Role → plot frame with the input attributes (``ll_*`` columns are dropped).
    crs
        Target CRS (plots are reprojected).
    fields
        Role → canonical field → input field name, as the project mapped them.
    """
    parts = []
    for role, frame in layers.items():
        if frame.crs is not None and not CRS.from_user_input(frame.crs).equals(crs):
            frame = frame.to_crs(crs)
        mapping = (fields or {}).get(role, {})
        cols = [c for c in frame.columns if c != frame.geometry.name]
        id_col = _pick(cols, mapping.get("plot_id"), DEFAULT_FIELD_NAMES["plot_id"])
        class_col = _pick(cols, mapping.get("land_class"), DEFAULT_FIELD_NAMES["land_class"])
        kind_col = _pick(cols, mapping.get("kind"), DEFAULT_FIELD_NAMES["kind"])
        n = len(frame)
        ids = printable_ids(
            as_text(frame[id_col]) if id_col else np.full(n, None, dtype=object),
            np.arange(1, n + 1),
        )
        geoms = polygonal(np.asarray(frame.geometry.array, dtype=object))
        bad = ~shapely.is_missing(geoms)
        bad[bad] = ~shapely.is_valid(geoms[bad])
        if bad.any():
            geoms[bad] = polygonal(shapely.make_valid(geoms[bad]))
        own = [c for c in cols if not c.startswith("ll_")]
        attrs = [
            json.dumps(r, ensure_ascii=False, default=str)
            for r in frame[own].astype(object).where(frame[own].notna(), None).to_dict("records")
        ]
        state = (
            frame["ll_state"].astype(object).to_numpy()
            if "ll_state" in frame.columns
            else np.full(n, None, dtype=object)
        )
        kind = (
            normalise_kind(frame[kind_col])
            if (kind_col and role == "construction")
            else np.full(n, "", dtype=object)
        )
        parts.append(
            pd.DataFrame(
                {
                    "layer": role,
                    "kind": kind,
                    "plot_id": ids,
                    "land_class": as_text(frame[class_col])
                    if class_col
                    else np.full(n, None, dtype=object),
                    "area_m2": ellipsoidal_area(geoms, crs),
                    "area_planar_m2": planar_area(geoms)
                    if not crs.is_geographic
                    else np.full(n, np.nan),
                    "attributes": attrs,
                    "state": state,
                    "geometry": geoms,
                }
            )
        )
    data = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(PLAN_COLUMNS))
    )
    return gpd.GeoDataFrame(
        data, geometry=gpd.GeoSeries(data["geometry"].to_numpy(dtype=object), crs=crs), crs=crs
    )


def plan_digest(plots: gpd.GeoDataFrame) -> str:
    """SHA-256 of a plan's content (layers, ids, geometries), independent of file and run times."""
    order = plots.sort_values(["layer", "plot_id"], kind="stable")
    h = hashlib.sha256()
    wkb = shapely.to_wkb(
        np.asarray(order.geometry.array, dtype=object), byte_order=1, output_dimension=2
    )
    for layer, pid, blob in zip(order["layer"], order["plot_id"], wkb, strict=True):
        h.update(f"{layer}\x1f{pid}\x1f".encode())
        h.update(blob if blob is not None else b"")
        h.update(b"\x1e")
    return h.hexdigest()


def read_checked(path: str | Path, crs: CRS | None = None) -> CheckedProject:
    """Read a ``landlink check`` GeoPackage (nothing is written beside it).

    Parameters
    ----------
    path
        The checked GeoPackage.
    crs
        CRS to bring the plots into (default: the file's).

    Raises
    ------
    LedgerError
        The file is missing or is not a checked project (no plot layers).
    """
    path = Path(path)
    if not path.is_file():
        raise LedgerError(
            f"{path}: file not found; pass the GeoPackage written by `landlink check`"
        )
    with no_aux_files():
        return _read_checked(path, crs)


def _read_checked(path: Path, crs: CRS | None) -> CheckedProject:
    try:
        names = {str(n) for n in pyogrio.list_layers(str(path))[:, 0]}
    except Exception as exc:  # noqa: BLE001 - GDAL raises several types
        raise LedgerError(f"{path}: not a readable GeoPackage ({exc})") from None
    layers = {}
    for role, name in PLOT_LAYER_NAMES.items():
        if name in names:
            layers[role] = pyogrio.read_dataframe(str(path), layer=name)
    if not layers:
        raise LedgerError(
            f"{path}: no demolition_plots/construction_plots layer; is this the output of "
            "`landlink check`?"
        )
    info = _run_info(path)
    facts = info.get("facts") if isinstance(info.get("facts"), dict) else {}
    file_crs = next(
        (CRS.from_user_input(f.crs) for f in layers.values() if f.crs is not None), None
    )
    target = crs or file_crs
    if target is None:
        raise LedgerError(f"{path}: the plot layers have no CRS")
    plots = plan_frame(layers, target, fields=facts.get("layer_fields"))
    findings = _findings(path, names)
    errors = int((findings["severity"] == "error").sum())
    warnings = int((findings["severity"] == "warning").sum())
    stored = stored_digest(info)
    try:
        content = (
            "unverified"
            if stored is None
            else ("verified" if digest_matches(path, stored) else "changed")
        )
    except Exception as exc:  # noqa: BLE001 - sqlite3 and GDAL errors: the file cannot be verified
        logger.debug("content digest of %s failed: %s", path, exc)
        content = "changed"
    code = str(info.get("project_code") or "").strip()
    if not code:
        raise LedgerError(
            f"{path}: the project has no code ([project] code in its TOML); the ledger keys "
            "projects by code"
        )
    return CheckedProject(
        source=str(path),
        code=code,
        name=str(info.get("project_name") or ""),
        county=str(info.get("county") or ""),
        profile=str(info.get("profile") or ""),
        facts=facts,
        plots=plots,
        errors=errors,
        warnings=warnings,
        sha256=plan_digest(plots),
        run_info=info,
        figures=_balance(path, names),
        findings=findings,
        content=content,
    )
