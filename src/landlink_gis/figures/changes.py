"""The changes between the previously approved plan and the current one (ADJ005's table).

The previous plan (``ctx.previous``: the ledger's latest registered plan of this project code, or
``landlink check --previous APPROVED_CHECKED.gpkg``) has columns ``layer``, ``plot_id``,
``area_m2``, ``state`` and geometry. Plots are matched by layer and plot id: a plot only in the
new plan is *added*, only in the old one *removed*, in both with more than ``overlap_tolerance_m2``
gained or lost *reshaped*. The ADJ rules and the run's ``changes`` layer read this one table.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..base.roles import PLOT_ROLES
from ..engine.area import ellipsoidal_area
from ..engine.geomops import polygonal

__all__ = ["CHANGE_COLUMNS", "current_plots", "plan_changes"]

#: Columns of the ``changes`` table (ADJ005).
CHANGE_COLUMNS: tuple[str, ...] = (
    "change",
    "layer",
    "plot_id",
    "area_before_m2",
    "area_after_m2",
    "delta_m2",
    "gained_m2",
    "lost_m2",
)


def current_plots(ctx, role: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Printable ids (text), valid geometries and areas of the current plan's plots of ``role``."""
    return ctx.plot_ids(role).astype(str), ctx.valid_geoms(role), ctx.area(role)


def plan_changes(ctx) -> gpd.GeoDataFrame:
    """Plots added, removed and reshaped between the previous and the current plan.

    Returns
    -------
    geopandas.GeoDataFrame
        :data:`CHANGE_COLUMNS` plus geometry: the new plot (added/reshaped) or the old one
        (removed).
    """

    def compute() -> gpd.GeoDataFrame:
        prev = ctx.previous.plots
        tol = float(ctx.params.get("overlap_tolerance_m2", 1.0))
        parts = []
        for role in PLOT_ROLES:
            if not ctx.has(role):
                continue
            ids, geoms, areas = current_plots(ctx, role)
            old = prev[prev["layer"] == role]
            old_ids = old["plot_id"].astype(str).to_numpy()
            old_geoms = polygonal(np.asarray(old.geometry.array, dtype=object))
            old_areas = old["area_m2"].to_numpy(dtype=float)
            cur_pos = {p: i for i, p in enumerate(ids)}
            old_pos = {p: i for i, p in enumerate(old_ids)}
            added = np.array([p not in old_pos for p in ids], dtype=bool)
            removed = np.array([p not in cur_pos for p in old_ids], dtype=bool)
            both_c = np.flatnonzero(~added)
            both_o = np.array([old_pos[ids[i]] for i in both_c], dtype=int)
            a, b = geoms[both_c], old_geoms[both_o]
            ok = ~(shapely.is_missing(a) | shapely.is_missing(b))
            gained = np.zeros(len(both_c))
            lost = np.zeros(len(both_c))
            if ok.any():
                gained[ok] = ellipsoidal_area(polygonal(shapely.difference(a[ok], b[ok])), ctx.crs)
                lost[ok] = ellipsoidal_area(polygonal(shapely.difference(b[ok], a[ok])), ctx.crs)
            reshaped = (gained > tol) | (lost > tol) | (ok == False)  # noqa: E712 - element-wise
            rows = {
                "change": ["added"] * int(added.sum())
                + ["removed"] * int(removed.sum())
                + ["reshaped"] * int(reshaped.sum()),
                "layer": role,
                "plot_id": np.concatenate([ids[added], old_ids[removed], ids[both_c[reshaped]]]),
                "area_before_m2": np.concatenate(
                    [np.zeros(added.sum()), old_areas[removed], old_areas[both_o[reshaped]]]
                ),
                "area_after_m2": np.concatenate(
                    [areas[added], np.zeros(removed.sum()), areas[both_c[reshaped]]]
                ),
                "gained_m2": np.concatenate(
                    [areas[added], np.zeros(removed.sum()), gained[reshaped]]
                ),
                "lost_m2": np.concatenate(
                    [np.zeros(added.sum()), old_areas[removed], lost[reshaped]]
                ),
                "geometry": np.concatenate(
                    [geoms[added], old_geoms[removed], geoms[both_c[reshaped]]]
                ),
            }
            parts.append(pd.DataFrame(rows))
        frame = (
            pd.concat(parts, ignore_index=True)
            if parts
            else pd.DataFrame(columns=[*CHANGE_COLUMNS, "geometry"])
        )
        frame["delta_m2"] = frame["area_after_m2"].astype(float) - frame["area_before_m2"].astype(
            float
        )
        for col in ("area_before_m2", "area_after_m2", "delta_m2", "gained_m2", "lost_m2"):
            frame[col] = np.round(frame[col].astype(float), 4)
        geoms = polygonal(frame["geometry"].to_numpy(dtype=object))
        return gpd.GeoDataFrame(
            frame[list(CHANGE_COLUMNS)], geometry=gpd.GeoSeries(geoms, crs=ctx.crs), crs=ctx.crs
        )

    return ctx.cached(("adjustments", "changes"), compute)
