"""Planning rules against the land survey and the terrain (PLAN004–PLAN006).

* PLAN004 counts a demolition plot as construction land when construction classes (建设用地,
  :func:`landlink_gis.base.codes.is_construction`) cover at least ``min_construction_share`` of its
  area in the land-survey layer (default 0.5: the area-weighted majority class decides); a part
  no survey polygon covers counts as not shown to be construction land.
* PLAN005 reports the cultivated, paddy and quality-weighted area each construction plot
  occupies (the figures BAL002–BAL004 sum).
* PLAN006 uses a slope raster when one is given, else the DEM (Horn's method); zonal means are
  weighted by the share of each pixel inside the plot, through
  :meth:`landlink_gis.load.context.CheckContext.zonal_stats`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from ..base.codes import class_name, is_construction, is_cultivated, normalise_code
from ..base.findings import join_runs, make
from ..engine.geomops import polygonal
from ..engine.overlay import elementwise
from ..figures.balance import BASIS_LABELS
from ..figures.landuse import farmland_under, survey_pairs
from ..load.context import CheckContext
from . import _common
from ._citations import JILIN_2017, PILOT_2008, SICHUAN_2017, SOIL_WATER_LAW, SURVEY_TDT1055
from ._common import TOLERANCE as _TOL
from ._common import measure as _measure
from ._registry import rule


@rule(
    "PLAN004",
    name="planning.demolition_not_construction",
    severity="error",
    title=(
        "拆旧地块在三调中不是建设用地",
        "Demolition plot is not construction land in the land survey",
    ),
    message=(
        "拆旧地块 {plot_id} 在三调地类图斑中建设用地仅占 {construction_pct:.1f}%（要求不少于 "
        "{min_pct:.0f}%）；"
        "非建设用地 {measured:.2f} m²；地类：{classes}",
        "demolition plot {plot_id}: construction land covers only {construction_pct:.1f}% of it in "
        "the land "
        "survey (at least {min_pct:.0f}% required); non-construction land {measured:.2f} m²; "
        "classes: {classes}",
    ),
    reference=f"{SICHUAN_2017} 二(六) 确保拆旧图斑和农民集中居住区的合法性、真实性; {SURVEY_TDT1055}（三调地类）",
    requires=("layer:demolition", "layer:landuse", "field:landuse.land_class"),
    params={
        **_TOL,
        "min_construction_share": (
            0.5,
            "least share (0–1) of a demolition plot that construction classes must cover in the "
            "land survey",
        ),
    },
    example="a demolition plot drawn on 0103 旱地: 100 % non-construction land",
)
def demolition_not_construction(ctx: CheckContext, overlap_tolerance_m2, min_construction_share):
    """A demolition plot must be construction land (建设用地) in the land-survey layer (三调 DLTB).

    The plot is overlaid with the survey polygons; the area of each class under it is summed.
    It fires when construction classes cover less than ``min_construction_share`` of the plot
    (default 0.5, the area-weighted majority) and the non-construction part is at least
    ``overlap_tolerance_m2``. A part no survey polygon covers counts as non-construction
    (listed as ``无图斑``). ``measured`` is the non-construction area, ``threshold`` the
    non-construction area the share allows; the message lists every class with its area.
    """
    plots = ctx.valid_geoms("demolition")
    pairs = survey_pairs(ctx, "demolition")
    n = len(plots)
    plot_area = np.nan_to_num(ctx.area("demolition"))
    li = pairs["left"].to_numpy()
    codes = normalise_code(ctx.text("landuse", "land_class", pairs["right"].to_numpy()))
    codes = (
        np.array(["?" if c is None else c for c in codes], dtype=object)
        if len(pairs)
        else np.zeros(0, object)
    )
    area = _measure(ctx, pairs)
    built = np.asarray(is_construction(codes), dtype=bool) if len(pairs) else np.zeros(0, bool)
    built_m2 = np.bincount(li, weights=np.where(built, area, 0.0), minlength=n)
    covered_m2 = np.bincount(li, weights=area, minlength=n)
    uncovered_m2 = np.clip(plot_area - covered_m2, 0.0, None)
    other_m2 = np.clip(plot_area - built_m2, 0.0, None)
    share = np.where(plot_area > 0, built_m2 / np.where(plot_area > 0, plot_area, 1.0), 1.0)
    usable = ~shapely.is_missing(plots)
    fire = np.flatnonzero(
        usable & (share < min_construction_share) & (other_m2 >= overlap_tolerance_m2)
    )
    if not len(fire):
        return
    dem = _Plan004Inputs(li, codes, area, built, plots, plot_area, share, other_m2, uncovered_m2)
    step = _common.CHUNK_PLOTS
    for start in range(0, len(fire), step):  # a piece at a time: bounded memory
        yield _plan004_findings(
            ctx, dem, fire[start : start + step], overlap_tolerance_m2, min_construction_share
        )


@dataclass(frozen=True)
class _Plan004Inputs:
    """PLAN004's per-pair (``li``, ``codes``, ``area``, ``built``) and per-plot figures."""

    li: np.ndarray
    codes: np.ndarray
    area: np.ndarray
    built: np.ndarray
    plots: np.ndarray
    plot_area: np.ndarray
    share: np.ndarray
    other_m2: np.ndarray
    uncovered_m2: np.ndarray


def _plan004_findings(
    ctx: CheckContext, dem: _Plan004Inputs, fire: np.ndarray, tolerance: float, min_share: float
):
    """PLAN004's raw findings for the firing plots ``fire`` (sorted positions)."""
    li, codes, area, built = dem.li, dem.codes, dem.area, dem.built
    # classes found under each firing plot, largest first
    mine = np.isin(li, fire)
    table = pd.DataFrame({"left": li[mine], "code": codes[mine], "area": area[mine]})
    table = table.groupby(["left", "code"], as_index=False)["area"].sum()
    table["name"] = (
        class_name(table["code"].to_numpy(dtype=object), lang=ctx.lang) if len(table) else []
    )
    table = table.sort_values(["left", "area"], ascending=[True, False])
    # one "code name area" piece per row, joined per plot (rows are sorted by plot): no per-group
    # Python loop
    left = table["left"].to_numpy()
    piece = [
        f"{c} {nm or ''} {a:.2f} m²".replace("  ", " ")
        for c, nm, a in zip(table["code"], table["name"], table["area"], strict=True)
    ]
    last = np.r_[left[1:] != left[:-1], True] if len(left) else np.zeros(0, dtype=bool)
    joined = join_runs(piece, last, "; ")
    classes = np.full(len(fire), "", dtype=object)
    classes[np.searchsorted(fire, left[last])] = (
        joined  # both sorted; every plot in the table fires
    )
    none_label = "无图斑" if ctx.lang == "zh" else "no survey polygon"
    for i in np.flatnonzero(dem.uncovered_m2[fire] >= tolerance):  # parts no survey polygon covers
        gap = f"{none_label} {dem.uncovered_m2[fire[i]]:.2f} m²"
        classes[i] = f"{classes[i]}; {gap}" if classes[i] else gap
    # the problem geometry: the plot minus its construction-class parts
    geoms = dem.plots[fire].copy()
    keep = built & mine
    if keep.any():
        # geometry only for the plots that become findings (the pair table holds areas only): each
        # plot minus its construction-class parts; a plot with one such part needs no union (most
        # of them)
        bl = li[keep]
        order = np.argsort(bl, kind="stable")
        right = survey_pairs(ctx, "demolition")["right"].to_numpy()
        bl, parts = bl[order], ctx.valid_geoms("landuse")[right[keep][order]]
        owners, first, count = np.unique(bl, return_index=True, return_counts=True)
        at = np.searchsorted(fire, owners)
        rest = geoms[at]
        for k in range(int(count.max())):
            # round k takes each plot's k-th part away (vectorised, all cores)
            sel = np.flatnonzero(count > k)
            rest[sel] = elementwise(shapely.difference, rest[sel], parts[first[sel] + k])
        geoms[at] = polygonal(rest)
    return make(
        layer="demolition",
        plot_id=ctx.plot_ids("demolition", fire),
        other_layer="landuse",
        geometry=geoms,
        measured=dem.other_m2[fire],
        threshold=(1.0 - min_share) * dem.plot_area[fire],
        unit="m2",
        construction_pct=100.0 * dem.share[fire],
        min_pct=100.0 * min_share,
        classes=classes,
        crs=ctx.crs,
    )


@rule(
    "PLAN005",
    name="planning.farmland_occupied",
    severity="info",
    title=("建新地块占用耕地情况", "Farmland occupied by each construction plot"),
    message=(
        "建新地块 {plot_id} 占用耕地 {measured:.2f} m²（其中水田 {paddy_m2:.2f} m²），"
        "耕地质量等别加权 {grade}（来源：{source}）{raster_note}",
        "construction plot {plot_id} occupies {measured:.2f} m² of cultivated land ({paddy_m2:.2f} "
        "m² paddy), "
        "area-weighted quality grade {grade} (from {source}){raster_note}",
    ),
    reference=f"{PILOT_2008} 建新占用耕地的数量、质量（复垦耕地应比建新占用耕地数量有增加、质量有提高）; {JILIN_2017} 第九条(二) 建新区拟占地的地类及耕地质量等级，第十条(二) 建新占用耕地质量等级的说明",  # noqa: E501
    requires=("layer:construction",),
    example="a resettlement plot on 2998.98 m² of 0101 水田, 等别 11",
)
def farmland_occupied(ctx: CheckContext):
    """Cultivated, paddy and quality-weighted area occupied by every construction plot.

    Figures come from :func:`landlink_gis.figures.landuse.farmland_under` (land-survey overlay when
    the
    project has a ``landuse`` layer, else the plot's declared class), the same figures the
    balance rules BAL002–BAL004 sum. When a ``quality`` raster is given, its area-weighted mean
    under the plot is added to the message.
    """
    frame = ctx.layer("construction")
    if not len(frame):
        return
    farm = farmland_under(ctx, "construction")
    qa = farm["quality_area_m2"].to_numpy(dtype=float)
    grade = np.where(
        qa > 0,
        farm["quality_area_product"].to_numpy(dtype=float) / np.where(qa > 0, qa, 1.0),
        np.nan,
    )
    mean = ctx.zonal_stats("quality", "construction")["mean"] if "quality" in ctx.rasters else None
    label = "；质量等别栅格均值 " if ctx.lang == "zh" else "; quality raster mean "
    sources = farm["source"].to_numpy(dtype=object)
    ids, geoms = ctx.plot_ids("construction"), ctx.valid_geoms("construction")
    step = _common.CHUNK_PLOTS
    for start in range(0, len(frame), step):  # one finding per plot: a piece at a time
        part = slice(start, start + step)
        note = (
            np.array(
                ["" if np.isnan(m) else f"{label}{m:.2f}" for m in mean.to_numpy()[part]],
                dtype=object,
            )
            if mean is not None
            else ""
        )
        yield make(
            layer="construction",
            plot_id=ids[part],
            geometry=geoms[part],
            measured=farm["cultivated_m2"].to_numpy(dtype=float)[part],
            unit="m2",
            paddy_m2=farm["paddy_m2"].to_numpy(dtype=float)[part],
            grade=np.array(["—" if np.isnan(g) else f"{g:.2f}" for g in grade[part]], dtype=object),
            source=np.array(
                [BASIS_LABELS.get(v, (v, v))[0 if ctx.lang == "zh" else 1] for v in sources[part]],
                dtype=object,
            ),
            raster_note=note,
            crs=ctx.crs,
        )


@rule(
    "PLAN006",
    name="planning.steep_demolition",
    severity="error",
    title=("拆旧地块平均坡度大于 25°", "Demolition plot mean slope above 25°"),
    message=(
        "拆旧地块 {plot_id} 平均坡度 {measured:.2f}°（最大 {max_deg:.2f}°），大于 "
        "{threshold:.0f}°，不宜复垦为耕地{use_zh}",
        "demolition plot {plot_id} has a mean slope of {measured:.2f}° (max {max_deg:.2f}°), above "
        "{threshold:.0f}°: not suitable for reclamation to cultivated land{use_en}",
    ),
    reference=f"{SOIL_WATER_LAW} 第二十条 禁止在二十五度以上陡坡地开垦种植农作物; {SURVEY_TDT1055} 耕地坡度分级（>25° 为第 5 级）",  # noqa: E501
    requires=("layer:demolition", "raster:dem|slope"),
    params={
        "max_slope_deg": (
            25.0,
            "demolition plots steeper than this mean slope (degrees) are flagged",
        )
    },
    example="a homestead on a 36.9° hillside",
)
def steep_demolition(ctx: CheckContext, max_slope_deg):
    """Land steeper than 25° should not be reclaimed to cultivated land.

    Mean slope per demolition plot, from the ``slope`` raster (degrees) when given, else from
    the ``dem`` by Horn's method; each pixel is weighted by the share of it inside the plot,
    so partial pixels and plots smaller than a pixel are handled. A steep plot to be reclaimed
    to cultivated land (01xx) is an error (the configured severity); one to be reclaimed to
    another class a warning. Either way it adds no cultivated land to BAL002–BAL004. A plot
    with a geometry but no valid raster value under it (nodata, or off the raster) gets an
    ``info`` finding saying its slope was not checked.
    """
    geoms = ctx.valid_geoms("demolition")
    stats = ctx.zonal_stats("slope" if "slope" in ctx.rasters else "dem", "demolition")
    mean = stats["mean"].to_numpy(dtype=float)
    peak = stats["max"].to_numpy(dtype=float)
    has_geom = ~shapely.is_missing(geoms)
    steep = np.flatnonzero(has_geom & (mean > max_slope_deg))
    unknown = np.flatnonzero(has_geom & np.isnan(mean))
    idx = np.r_[steep, unknown]
    if not len(idx):
        return None
    reclaim = ctx.attributes("demolition")["reclaim_class"].to_numpy(dtype=object)[steep]
    to_farmland = np.asarray(is_cultivated(reclaim), dtype=bool) if len(steep) else []
    return make(
        layer="demolition",
        plot_id=ctx.plot_ids("demolition", idx),
        geometry=geoms[idx],
        measured=mean[idx],
        threshold=max_slope_deg,
        unit="deg",
        severity=np.r_[
            np.where(to_farmland, None, "warning").astype(object),
            np.full(len(unknown), "info", dtype=object),
        ],
        max_deg=peak[idx],
        use_zh=np.r_[
            np.where(to_farmland, "，拟复垦为耕地，不计入新增耕地", "，不计入新增耕地"),
            np.full(len(unknown), "", dtype=object),
        ],
        use_en=np.r_[
            np.where(
                to_farmland,
                "; it is to be reclaimed to cultivated land and adds none",
                "; it adds no cultivated land",
            ),
            np.full(len(unknown), "", dtype=object),
        ],
        crs=ctx.crs,
    )
