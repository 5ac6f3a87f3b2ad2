"""Hook between a check and the ledger: other projects' plots and the previously approved plan.

:func:`attach_ledger` runs right after loading (``runner.check``): it puts the registered plots
of every other project into ``ctx.extras['ledger_plots']`` (LED001) and into the ``ledger``
layer that OVL003 reads (appended to a ``[layers.ledger]`` layer when the project has one), and
the previous plan into ``ctx.extras['previous']`` (ADJ rules) with its change summary as the
``changes`` output layer.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ..context import CheckContext, SourceInfo
from ..load import _bounds, normalise_layer
from ..project import PLOT_ROLES, LayerSpec
from .checked import plan_digest, plan_frame, read_checked
from .store import open_ledger

logger = logging.getLogger(__name__)

__all__ = ["attach_ledger"]


def _to(frame: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    if frame.crs is not None and not CRS.from_user_input(frame.crs).equals(crs):
        return frame.to_crs(crs)
    return frame


def _inject_ledger_layer(ctx: CheckContext, others: gpd.GeoDataFrame, location: str) -> None:
    spec = ctx.project.layers.get("ledger") or LayerSpec(role="ledger", id_field="DKBH")
    ids = (others["project_code"].astype(str) + ":" + others["plot_id"].astype(str)).to_numpy(dtype=object)
    data = {"XMBH": others["project_code"].to_numpy(dtype=object), "DKBH": ids, "DLBM": others["land_class"].to_numpy(dtype=object), "layer": others["layer"].to_numpy(dtype=object)}
    if spec.id_field:
        data[spec.id_field] = ids
    store = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(np.asarray(others.geometry.array, dtype=object), crs=ctx.crs), crs=ctx.crs)
    if ctx.has("ledger"):
        raw = ctx.raw["ledger"]
        store = store.rename_geometry(raw.geometry.name) if raw.geometry.name != store.geometry.name else store
        combined = gpd.GeoDataFrame(pd.concat([raw, store], ignore_index=True), geometry=raw.geometry.name, crs=ctx.crs)
        info = ctx.sources["ledger"]
        info.source = f"{info.source} + ledger {location}"
        info.count = len(combined)
        info.had_z = np.concatenate([np.asarray(info.had_z if info.had_z is not None else np.zeros(len(raw), bool), dtype=bool), np.zeros(len(store), bool)])
    else:
        combined = store
        info = SourceInfo(role="ledger", source=f"ledger {location}", sha256=None, crs=ctx.crs, bounds=(np.nan,) * 4, count=len(combined), had_z=np.zeros(len(combined), bool))
    info.bounds = _bounds(combined)
    ctx.raw["ledger"] = combined
    ctx.layers["ledger"], missing = normalise_layer(combined, spec, ctx.crs)
    info.missing_fields = missing
    ctx.sources["ledger"] = info


def _current_plan(ctx: CheckContext) -> gpd.GeoDataFrame:
    layers = {r: ctx.raw[r] for r in PLOT_ROLES if ctx.has(r)}
    fields = {r: {**s.fields, **({"plot_id": s.id_field} if s.id_field else {})} for r, s in ctx.project.layers.items() if r in PLOT_ROLES}
    return plan_frame(layers, ctx.crs, fields=fields)


def attach_ledger(ctx: CheckContext, *, previous: str | Path | None = None) -> None:
    """Fill ``ctx`` from the project's ledger and/or a previous plan file (see the module doc)."""
    code = ctx.project.code
    if previous is not None:
        prev = read_checked(previous, ctx.crs)
        ctx.extras["previous"] = prev.plots
        ctx.extras["previous_source"] = str(previous)
    if ctx.project.ledger:
        ledger = open_ledger(ctx.project.ledger)
        others = _to(ledger.plots(exclude_code=code or None, with_state=True), ctx.crs)
        ctx.extras["ledger_plots"] = others
        ctx.extras["ledger_location"] = ledger.location
        _inject_ledger_layer(ctx, others, ledger.location)
        if previous is None and code:
            projects = ledger.projects(all_versions=True)
            mine = projects[projects["code"] == code].sort_values("version")
            if len(mine):
                digest = plan_digest(_current_plan(ctx))
                candidates = mine[mine["source_sha256"] != digest]
                if len(mine) and mine.iloc[-1]["source_sha256"] == digest:
                    candidates = candidates[candidates["version"] < mine.iloc[-1]["version"]]
                if len(candidates):
                    version = int(candidates.iloc[-1]["version"])
                    plots = ledger.plots(code=code, current=False, with_state=True)
                    plots = _to(plots[plots["plan_version"] == version].reset_index(drop=True), ctx.crs)
                    ctx.extras["previous"] = plots.rename(columns={"ll_state": "state"})
                    ctx.extras["previous_source"] = f"ledger {ledger.location}: {code} plan version {version}"
        logger.info("ledger %s: %d plots of other projects", ledger.location, len(others))
    if ctx.extras.get("previous") is not None:
        from ..rules.adjustments import plan_changes

        ctx.extras.setdefault("extra_layers", {})["changes"] = plan_changes(ctx)
