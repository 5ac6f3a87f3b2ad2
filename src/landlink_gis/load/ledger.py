"""Read what the ledger knows for a check: other projects' plots and this project's previous plan.

Part of loading: :func:`read_ledger_inputs` runs before the context is made, so the rules find
the ledger's plots (LED001; merged into the ``ledger`` layer that OVL003 reads) and the previously
approved plan (ADJ rules) in the finished :class:`~landlink_gis.load.context.CheckContext`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ..base.roles import PLOT_ROLES
from ..engine.geomops import bounds_of
from ..ledger.checked import plan_digest, plan_frame, read_checked
from ..ledger.store import open_ledger
from ..project.file import LayerSpec, Project
from .context import LedgerView, PreviousPlan, SourceInfo, SourceQuota

logger = logging.getLogger(__name__)

__all__ = ["LedgerInputs", "merge_ledger_layer", "read_ledger_inputs", "source_quotas"]


@dataclass(frozen=True)
class LedgerInputs:
    """What loading takes from the ledger and a previous-plan file."""

    ledger: LedgerView | None
    previous: PreviousPlan | None
    #: the ledger's plots as features of the ``ledger`` layer (None: no ledger)
    ledger_frame: gpd.GeoDataFrame | None
    #: the layer specification the ``ledger`` layer is normalised with
    spec: LayerSpec


def _to(frame: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    if frame.crs is not None and not CRS.from_user_input(frame.crs).equals(crs):
        return frame.to_crs(crs)
    return frame


def _ledger_features(others: gpd.GeoDataFrame, spec: LayerSpec, crs: CRS) -> gpd.GeoDataFrame:
    """Other projects' registered plots as features of the ``ledger`` layer (id ``code:plot``)."""
    ids = (others["project_code"].astype(str) + ":" + others["plot_id"].astype(str)).to_numpy(
        dtype=object
    )
    data = {
        "XMBH": others["project_code"].to_numpy(dtype=object),
        "DKBH": ids,
        "DLBM": others["land_class"].to_numpy(dtype=object),
        "layer": others["layer"].to_numpy(dtype=object),
    }
    if spec.id_field:
        data[spec.id_field] = ids
    return gpd.GeoDataFrame(
        data,
        geometry=gpd.GeoSeries(np.asarray(others.geometry.array, dtype=object), crs=crs),
        crs=crs,
    )


def _current_plan(
    project: Project, frames: dict[str, gpd.GeoDataFrame], crs: CRS
) -> gpd.GeoDataFrame:
    layers = {r: frames[r] for r in PLOT_ROLES if r in frames}
    fields = {
        r: {**s.fields, **({"plot_id": s.id_field} if s.id_field else {})}
        for r, s in project.layers.items()
        if r in PLOT_ROLES
    }
    return plan_frame(layers, crs, fields=fields)


def read_ledger_inputs(
    project: Project,
    crs: CRS,
    frames: dict[str, gpd.GeoDataFrame],
    *,
    previous: str | Path | None = None,
) -> LedgerInputs:
    """Other projects' plots from ``[ledger]`` and the previous plan (``previous`` file, else the
    ledger's).

    Parameters
    ----------
    project
        The project being checked.
    crs
        The project CRS.
    frames
        The plot layers as read, in ``crs`` (to tell the current plan from earlier versions).
    previous
        A checked GeoPackage holding the previously approved plan; default: the latest
        registered version of this project that differs from the plan being checked.
    """
    spec = project.layers.get("ledger") or LayerSpec(role="ledger", id_field="DKBH")
    prev = None
    if previous is not None:
        prev = PreviousPlan(plots=read_checked(previous, crs).plots, source=str(previous))
    if not project.ledger:
        return LedgerInputs(ledger=None, previous=prev, ledger_frame=None, spec=spec)
    ledger = open_ledger(project.ledger)
    code = project.code
    others = _to(ledger.plots(exclude_code=code or None, with_state=True), crs)
    if prev is None and code:
        projects = ledger.projects(all_versions=True)
        mine = projects[projects["code"] == code].sort_values("version")
        if len(mine):
            digest = plan_digest(_current_plan(project, frames, crs))
            candidates = mine[mine["source_sha256"] != digest]
            if mine.iloc[-1]["source_sha256"] == digest:
                candidates = candidates[candidates["version"] < mine.iloc[-1]["version"]]
            if len(candidates):
                version = int(candidates.iloc[-1]["version"])
                plots = ledger.plots(code=code, current=False, with_state=True)
                plots = _to(plots[plots["plan_version"] == version].reset_index(drop=True), crs)
                prev = PreviousPlan(
                    plots=plots.rename(columns={"ll_state": "state"}),
                    source=f"ledger {ledger.location}: {code} plan version {version}",
                )
    logger.info("ledger %s: %d plots of other projects", ledger.location, len(others))
    advance = None
    if code:
        events = ledger.quota_events(code)
        advanced = events[events["kind"] == "advanced"] if len(events) else events
        if len(advanced):
            advance = (min(advanced["event_date"]), round(float(advanced["area_m2"].sum()), 2))
    return LedgerInputs(
        ledger=LedgerView(
            plots=others,
            location=ledger.location,
            quota_sources=source_quotas(ledger, project),
            advance=advance,
            accepted=ledger.accepted_dates().get(code) if code else None,
        ),
        previous=prev,
        ledger_frame=_ledger_features(others, spec, crs),
        spec=spec,
    )


def source_quotas(ledger, project: Project) -> dict[str, SourceQuota]:
    """The quota account of each ``[[quota_sources]]`` project in the ledger (BAL009), with the
    farmland its acceptance record and registered plan carry (BAL002–BAL004 of a
    construction-only plan).

    A source is ``accepted`` when the ledger holds its acceptance (``ledger accept``; a ledger
    written before acceptance records: its project-level ``accepted`` status); draws recorded for
    this plan's own code are left out, so re-checking a registered plan does not count its own draw
    twice.
    """
    if not project.quota_sources:
        return {}
    projects = ledger.projects()
    registered = set(projects["code"].astype(str))
    accepted = ledger.accepted_dates()
    records = ledger.acceptances()
    out = {}
    for src in project.quota_sources:
        events = ledger.quota_events(src.code)
        if len(events) and project.code:
            events = events[
                ~((events["kind"] == "drawn") & (events["counterpart"].astype(str) == project.code))
            ]
        sums = events.groupby("kind")["area_m2"].sum() if len(events) else {}
        rec = records[records["project_code"] == src.code]
        plan = projects[projects["code"] == src.code]
        out[src.code] = SourceQuota(
            code=src.code,
            registered=src.code in registered,
            accepted=src.code in accepted,
            **{
                k: round(float(sums.get(k, 0.0)), 2) if len(events) else 0.0
                for k in ("generated", "advanced", "traded", "drawn")
            },
            surplus_generated=_value(rec, "surplus_generated_m2"),
            newly_added_cultivated=_value(rec, "newly_added_cultivated_m2"),
            newly_added_paddy=_value(rec, "newly_added_paddy_m2"),
            quality=_value(rec, "quality"),
            occupied_cultivated=_value(plan, "occupied_cultivated_m2"),
            occupied_paddy=_value(plan, "occupied_paddy_m2"),
        )
    return out


def _value(frame: pd.DataFrame, column: str) -> float | None:
    if not len(frame) or column not in frame.columns:
        return None
    value = frame[column].iloc[-1]
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if np.isfinite(value) else None


def merge_ledger_layer(
    frame: gpd.GeoDataFrame | None,
    info: SourceInfo | None,
    inputs: LedgerInputs,
    crs: CRS,
) -> tuple[gpd.GeoDataFrame, SourceInfo]:
    """The ``ledger`` layer: the project's ``[layers.ledger]`` (if any) plus the ledger's plots."""
    store = inputs.ledger_frame
    assert store is not None and inputs.ledger is not None
    location = inputs.ledger.location
    if frame is not None and info is not None:
        store = (
            store.rename_geometry(frame.geometry.name)
            if frame.geometry.name != store.geometry.name
            else store
        )
        combined = gpd.GeoDataFrame(
            pd.concat([frame, store], ignore_index=True), geometry=frame.geometry.name, crs=crs
        )
        info.source = f"{info.source} + ledger {location}"
        info.count = len(combined)
    else:
        combined = store
        info = SourceInfo(
            role="ledger",
            source=f"ledger {location}",
            sha256=None,
            crs=crs,
            bounds=(np.nan,) * 4,
            count=len(combined),
        )
    info.bounds = bounds_of(combined)
    return combined, info
