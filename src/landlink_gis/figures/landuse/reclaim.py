"""What reclamation adds: 田坎 on reclaimed land, steep plots, newly added cultivated land.

* **田坎 on reclaimed land** (:func:`reclaim_coefficients`): with the county's table
  (``[tiankan]`` in the project file), the coefficient of the plot's slope class — ``GDPDJB`` of
  the demolition plot, else the class of its mean slope on the DEM (1: ≤ 2°, 2: 2–6°, 3: 6–15°,
  4: 15–25°, 5: > 25°) — from the ``terraced`` sub-table for a 梯田 plot (field ``TTLX`` or
  ``PDLX`` = 梯田) where it names the class; a class the table does not name deducts 0. Without a
  table (or for a plot whose slope class is unknown), the area-weighted mean ``KCXS`` of the
  land-survey polygons of the plot's class after reclamation among those within
  :data:`NEAR_M` of the project's plots (all cultivated ones there when none is of that class;
  0 when none carries a coefficient).
* **Steep plots** (:func:`steep_plots`): mean slope above ``max_slope_deg`` (25°, PLAN006's
  parameter) on the slope raster or DEM; without a raster value, slope class 5 in ``GDPDJB``.
* **Newly added cultivated land** (:func:`newly_added`): per demolition plot, the reclaimed
  cultivated (paddy) land net of 田坎 minus the cultivated (paddy) land the survey already shows
  inside it (net of the survey's KCXS); a steep plot adds nothing (it may still take farmland
  away, when reclaimed to another class). A plot whose area is unknown is NaN where its area
  would count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from ...base.codes import is_cultivated, normalise_code, valid_quality
from ...base.fields import find_field
from ...engine.overlay import near_mask
from ...engine.packed import per_geometry
from . import farmland_reclaimed, farmland_under, has_survey, survey_kcxs

__all__ = [
    "NEAR_M",
    "TERRACED_FIELDS",
    "TERRACED_VALUES",
    "mean_slope",
    "newly_added",
    "reclaim_coefficients",
    "reclaim_kcxs",
    "slope_classes",
    "steep_plots",
    "terraced_plots",
]

#: Survey polygons within this distance (m) of the project's plots give the mean KCXS.
NEAR_M = 100.0
#: Fields of the demolition layer that say a plot is 梯田, and the values that say so.
TERRACED_FIELDS = ("TTLX", "PDLX")
TERRACED_VALUES = frozenset({"梯田", "TT"})
#: Upper bounds (degrees) of slope classes 1–4 (耕地坡度级别; above the last: class 5).
_CLASS_BOUNDS = (2.0, 6.0, 15.0, 25.0)


def mean_slope(ctx) -> np.ndarray:
    """Mean slope (degrees) of each demolition plot: the slope raster, else the DEM; NaN without
    either or where no raster value lies under the plot."""
    n = len(ctx.attributes("demolition"))
    raster = "slope" if "slope" in ctx.rasters else ("dem" if "dem" in ctx.rasters else None)
    if raster is None or not n:
        return np.full(n, np.nan)
    return ctx.zonal_stats(raster, "demolition")["mean"].to_numpy(dtype=float)


def slope_classes(ctx) -> np.ndarray:
    """耕地坡度级别 1–5 of each demolition plot: ``GDPDJB`` where valid, else from the mean slope;
    0 where unknown."""

    def build() -> np.ndarray:
        n = len(ctx.attributes("demolition"))
        declared = np.zeros(n)
        if ctx.has_field("demolition", "slope_class"):
            declared = np.nan_to_num(
                ctx.attributes("demolition")["slope_class"].to_numpy(dtype=float)
            )
        valid = np.isin(declared, (1, 2, 3, 4, 5))
        slope = mean_slope(ctx)
        derived = np.where(
            np.isfinite(slope),
            np.digitize(np.nan_to_num(slope), _CLASS_BOUNDS, right=True) + 1,
            0,
        )
        return np.where(valid, declared, derived).astype(int)

    return ctx.cached("slope_classes", build)


def steep_plots(ctx) -> np.ndarray:
    """Demolition plots steeper than ``max_slope_deg`` (mean slope; else ``GDPDJB`` = 5)."""

    def build() -> np.ndarray:
        limit = float(ctx.params.get("max_slope_deg", 25.0))
        slope = mean_slope(ctx)
        declared = np.zeros(len(slope))
        if ctx.has_field("demolition", "slope_class"):
            declared = np.nan_to_num(
                ctx.attributes("demolition")["slope_class"].to_numpy(dtype=float)
            )
        return np.where(np.isfinite(slope), np.nan_to_num(slope) > limit, declared == 5)

    return ctx.cached("steep_plots", build)


def terraced_plots(ctx) -> np.ndarray:
    """Demolition plots marked 梯田 in ``TTLX`` or ``PDLX``."""
    frame = ctx.raw["demolition"] if "demolition" in ctx.raw else ctx.attributes("demolition")
    out = np.zeros(len(frame), dtype=bool)
    for name in TERRACED_FIELDS:
        column = find_field(frame.columns, (name,))
        if column is not None:
            text = frame[column].astype("string").str.strip().str.upper()
            out |= text.isin({v.upper() for v in TERRACED_VALUES}).fillna(False).to_numpy(bool)
    return out


def _near_survey(ctx) -> np.ndarray:
    """Mask of the land-survey polygons within :data:`NEAR_M` of a project plot."""
    plots = [ctx.valid_geoms(role) for role in ("demolition", "construction") if ctx.has(role)]
    plots = np.concatenate(plots) if plots else np.zeros(0, object)
    return near_mask(ctx.geoms("landuse"), plots, NEAR_M)


def _survey_means(ctx, reclaim: np.ndarray) -> np.ndarray:
    """Area-weighted mean KCXS of the near survey polygons of each class in ``reclaim`` (all near
    cultivated polygons for a class without any; NaN when no near polygon has a coefficient)."""
    out = np.full(len(reclaim), np.nan)
    if not has_survey(ctx) or not len(reclaim):
        return out
    at, table = ctx.text_codes("landuse", "land_class")
    codes = np.asarray(normalise_code(table), dtype=object)[at]  # each distinct class once
    k = survey_kcxs(ctx)
    use = np.asarray(is_cultivated(codes), dtype=bool) & np.isfinite(k) & _near_survey(ctx)
    # planar areas of whole polygons as weights: one scale factor, so it cancels in the mean
    weight = per_geometry(shapely.area, ctx.geoms("landuse"), np.flatnonzero(use))
    table = pd.DataFrame({"code": codes[use], "kw": k[use] * weight, "w": weight})
    if not len(table) or table["w"].sum() <= 0:
        return out
    overall = float(table["kw"].sum() / table["w"].sum())
    per_class = table.groupby("code")[["kw", "w"]].sum()
    per_class = (per_class["kw"] / per_class["w"]).to_dict()
    return np.array([per_class.get(c, overall) for c in reclaim], dtype=float)


def reclaim_coefficients(ctx) -> pd.DataFrame:
    """田坎 coefficient of each demolition plot's reclaimed cultivated land and where it came from.

    Returns
    -------
    pandas.DataFrame
        Indexed like the demolition layer: ``kcxs`` (0 ≤ k < 1; 0 where nothing deducts, NaN for
        a plot not reclaimed to cultivated land), ``source`` (``table``: the county's
        ``[tiankan]``; ``survey``: the survey's mean KCXS; ``none``: no coefficient known, nothing
        deducted; ``""`` for a plot not reclaimed to cultivated land) and ``slope_class`` (the
        class the table was read at; 0 without a table or where unknown).
    """

    def build() -> pd.DataFrame:
        frame = ctx.attributes("demolition")
        n = len(frame)
        reclaim = np.asarray(
            normalise_code(frame["reclaim_class"].to_numpy(dtype=object)) if n else [],
            dtype=object,
        )
        cultivated = np.asarray(is_cultivated(reclaim), dtype=bool) if n else np.zeros(0, bool)
        table = ctx.project.tiankan
        # the slope class is only needed for the county's table (it may need the DEM)
        classes = slope_classes(ctx) if n and table is not None else np.zeros(n, int)
        kcxs = np.full(n, np.nan)
        source = np.full(n, "", dtype=object)
        by_table = cultivated & (classes > 0) if table is not None else np.zeros(n, bool)
        if by_table.any():
            terraced = terraced_plots(ctx)
            kcxs[by_table] = [
                table.coefficient(int(c), bool(t))
                for c, t in zip(classes[by_table], terraced[by_table], strict=True)
            ]
            source[by_table] = "table"
        rest = cultivated & ~by_table
        if rest.any():
            means = _survey_means(ctx, reclaim[rest])
            kcxs[rest] = np.nan_to_num(means)
            source[rest] = np.where(np.isfinite(means), "survey", "none")
        return pd.DataFrame(
            {"kcxs": kcxs, "source": source, "slope_class": classes}, index=frame.index
        )

    return ctx.cached("reclaim_coefficients", build)


def reclaim_kcxs(ctx) -> np.ndarray:
    """田坎 coefficient applied to each demolition plot's reclaimed cultivated land (0 where none)."""
    return np.nan_to_num(reclaim_coefficients(ctx)["kcxs"].to_numpy(dtype=float))


def newly_added(ctx) -> pd.DataFrame:
    """Per demolition plot: what reclamation adds to the cultivated land and paddy.

    Returns
    -------
    pandas.DataFrame
        Indexed like the demolition layer: ``existing_cultivated_m2``, ``existing_paddy_m2``
        (what the survey — else the declared class — shows there today, net of its KCXS),
        ``newly_cultivated_m2``, ``newly_paddy_m2`` (reclaimed minus existing; a steep plot adds
        nothing), ``quality_area_product`` and ``quality_area_m2`` (the positive newly added
        cultivated land with a valid grade on the project's scale, for the weighted grade),
        ``steep``. NaN where the plot's area is unknown and would count.
    """

    def build() -> pd.DataFrame:
        frame = ctx.attributes("demolition")
        rec = farmland_reclaimed(ctx)
        now = farmland_under(ctx, "demolition")
        steep = steep_plots(ctx) if len(frame) else np.zeros(0, bool)
        out = {}
        for what in ("cultivated", "paddy"):
            existing = now[f"{what}_m2"].to_numpy(dtype=float)
            gain = rec[f"{what}_m2"].to_numpy(dtype=float) - existing
            out[f"existing_{what}_m2"] = existing
            out[f"newly_{what}_m2"] = np.where(steep, np.minimum(gain, 0.0), gain)
        grade = frame["quality"].to_numpy(dtype=float)
        reclaim = frame["reclaim_class"].to_numpy(dtype=object)
        graded = (
            np.asarray(is_cultivated(reclaim), dtype=bool)
            & np.asarray(valid_quality(grade, ctx.project.quality_scale), dtype=bool)
            if len(frame)
            else np.zeros(0, bool)
        )
        positive = np.clip(out["newly_cultivated_m2"], 0.0, None)  # NaN stays NaN
        out["quality_area_m2"] = np.where(graded, positive, 0.0)
        out["quality_area_product"] = np.where(graded, np.nan_to_num(grade) * positive, 0.0)
        out["steep"] = steep
        return pd.DataFrame(out, index=frame.index)

    return ctx.cached("newly_added", build).copy()
