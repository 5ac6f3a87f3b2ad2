"""Planning rules (PLAN001–PLAN007): plots against the planning and survey layers and the terrain.

Every overlap and every "outside" part is measured by the one engine,
:func:`landlink_gis.overlay.overlay_pairs` / :func:`~landlink_gis.overlay.uncovered_parts`;
pieces below ``overlap_tolerance_m2`` are ignored as digitising slivers. A finding carries the
geometry of the problem (the overlap or the outside part, dissolved per plot) and its area by
the project's area method (ellipsoidal CGCS2000 by default) as ``measured`` in m².

Choices made here (documented in each rule's purpose):

* PLAN001/PLAN002 give one finding per plot: the overlap with every reference feature it meets,
  dissolved, with the ids of those features in ``other_id``.
* PLAN003 checks every construction plot; ``kind = resettlement`` plots get severity
  ``warning``, every other plot (urban, or kind unknown) the configured one (``error``).
* PLAN004 counts a demolition plot as construction land when construction classes (建设用地,
  :func:`landlink_gis.codes.is_construction`) cover at least ``min_construction_share`` of its
  area in the land-survey layer (default 0.5: the area-weighted majority class decides); a part
  no survey polygon covers counts as not shown to be construction land.
* PLAN006 uses a slope raster when one is given, else the DEM (Horn's method); zonal means are
  weighted by the share of each pixel inside the plot (:mod:`landlink_gis.io.raster`).
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import shapely

from ..area import ellipsoidal_area, planar_area
from ..codes import class_name, is_construction, normalise_code
from ..findings import combine, make
from ..geomops import polygonal
from ..landuse import farmland_under, survey_pairs
from ..overlay import overlay_pairs, uncovered_parts
from ._citations import (
    JILIN_2017,
    LAND_LAW,
    SHANXI_2018,
    SICHUAN_2017,
    SOIL_WATER_LAW,
    SURVEY_TDT1055,
)
from ._registry import rule
from .overlaps import reference_ids

logger = logging.getLogger(__name__)

_TOL = {"overlap_tolerance_m2": (1.0, "overlaps smaller than this (m²) are ignored as digitising slivers")}
_MAX_IDS = 5


def _measure(ctx, frame: pd.DataFrame) -> np.ndarray:
    """The area column of an overlay result by the project's area method."""
    col = "area_planar_m2" if ctx.project.area_method == "planar" else "area_m2"
    return frame[col].to_numpy(dtype=float)


def _join_ids(ids: np.ndarray) -> str:
    uniq = list(dict.fromkeys(str(i) for i in ids))
    more = len(uniq) - _MAX_IDS
    return ",".join(uniq[:_MAX_IDS]) + (f",…(+{more})" if more > 0 else "")


def dissolve_pairs(ctx, pairs: pd.DataFrame, other_ids: np.ndarray) -> pd.DataFrame:
    """One row per ``left`` of an :func:`overlay_pairs` result: the overlaps dissolved.

    Parameters
    ----------
    ctx
        The check context (CRS).
    pairs
        Output of :func:`~landlink_gis.overlay.overlay_pairs`.
    other_ids
        Printable ids of the ``right`` features.

    Returns
    -------
    pandas.DataFrame
        Columns ``left``, ``geometry`` (union of the plot's overlaps), ``area_m2``,
        ``area_planar_m2`` (of the union, so overlapping reference features do not count twice),
        ``other_id`` (the ids of the features met, comma-separated).
    """
    pairs = pairs.sort_values(["left", "right"], kind="stable")
    left = pairs["left"].to_numpy()
    starts = np.flatnonzero(np.r_[True, left[1:] != left[:-1]]) if len(left) else np.zeros(0, int)
    counts = np.diff(np.r_[starts, len(left)])
    geoms = pairs["geometry"].to_numpy(dtype=object)
    out_geom = geoms[starts].copy()
    area = pairs["area_m2"].to_numpy(dtype=float)[starts].copy()
    planar = pairs["area_planar_m2"].to_numpy(dtype=float)[starts].copy()
    multi = np.flatnonzero(counts > 1)
    if len(multi):
        unions = np.array(
            [shapely.union_all(geoms[starts[k] : starts[k] + counts[k]]) for k in multi], dtype=object
        )
        out_geom[multi] = unions
        area[multi] = ellipsoidal_area(unions, ctx.crs)
        planar[multi] = planar_area(unions)
    rights = pairs["right"].to_numpy()
    ids = [_join_ids(other_ids[rights[s : s + c]]) for s, c in zip(starts, counts, strict=True)]
    return pd.DataFrame(
        {"left": left[starts], "geometry": out_geom, "area_m2": area, "area_planar_m2": planar, "other_id": ids}
    )


def zone_overlap(ctx, left_role: str, right_role: str, tolerance: float):
    """Raw findings: each plot of ``left_role`` overlapping a zone of ``right_role``, dissolved per plot."""
    pairs = overlay_pairs(
        ctx.valid_geoms(left_role),
        ctx.valid_geoms(right_role),
        crs=ctx.crs,
        tolerance_m2=tolerance,
        area_method=ctx.project.area_method,
    )
    if not len(pairs):
        return None
    per_plot = dissolve_pairs(ctx, pairs, reference_ids(ctx, right_role))
    li = per_plot["left"].to_numpy()
    area = _measure(ctx, per_plot)
    plot_area = ctx.area(left_role)[li]
    return make(
        layer=left_role,
        plot_id=ctx.plot_ids(left_role)[li],
        other_layer=right_role,
        other_id=per_plot["other_id"].to_numpy(dtype=object),
        geometry=per_plot["geometry"].to_numpy(dtype=object),
        measured=area,
        threshold=tolerance,
        unit="m2",
        share=np.where(plot_area > 0, 100.0 * area / np.where(plot_area > 0, plot_area, 1.0), 0.0),
        crs=ctx.crs,
    )


def outside_parts(ctx, left_role: str, right_role: str, tolerance: float):
    """(positions, geometries, areas, shares) of the parts of ``left_role`` plots outside ``right_role``."""
    parts = uncovered_parts(ctx.valid_geoms(left_role), ctx.valid_geoms(right_role), crs=ctx.crs, tolerance_m2=tolerance)
    if not len(parts):
        return None
    li = parts["left"].to_numpy()
    area = _measure(ctx, parts)
    keep = area >= tolerance
    li, area = li[keep], area[keep]
    if not len(li):
        return None
    plot_area = ctx.area(left_role)[li]
    share = np.where(plot_area > 0, 100.0 * area / np.where(plot_area > 0, plot_area, 1.0), 0.0)
    return li, parts["geometry"].to_numpy(dtype=object)[keep], area, share


@rule(
    "PLAN001",
    name="planning.basic_farmland",
    severity="error",
    title=("建新地块占用永久基本农田", "Construction plot occupies permanent basic farmland"),
    message=(
        "建新地块 {plot_id} 占用永久基本农田 {measured:.2f} m²（占地块 {share:.1f}%；图斑 {other_id}）",
        "construction plot {plot_id} occupies {measured:.2f} m² of permanent basic farmland "
        "({share:.1f}% of the plot; features {other_id})",
    ),
    reference=f"{LAND_LAW} 第三十五条 永久基本农田经依法划定后，任何单位和个人不得擅自占用或者改变其用途",
    requires=("layer:construction", "layer:basic_farmland"),
    params=_TOL,
    example="a resettlement plot half inside a 永久基本农田 polygon: the inside half, in m²",
)
def basic_farmland(ctx, overlap_tolerance_m2):
    """New construction must not occupy permanent basic farmland (永久基本农田).

    One finding per construction plot: its overlap with every basic-farmland feature it meets,
    dissolved, measured in m² (ellipsoidal), with the ids of the features met.
    """
    return zone_overlap(ctx, "construction", "basic_farmland", overlap_tolerance_m2)


@rule(
    "PLAN002",
    name="planning.ecological_redline",
    severity="error",
    title=("建新地块位于生态保护红线内", "Construction plot inside the ecological red line"),
    message=(
        "建新地块 {plot_id} 位于生态保护红线内 {measured:.2f} m²（占地块 {share:.1f}%；{other_id}）",
        "construction plot {plot_id} lies {measured:.2f} m² inside the ecological red line "
        "({share:.1f}% of the plot; {other_id})",
    ),
    reference="《关于在国土空间规划中统筹划定落实三条控制线的指导意见》（中办发〔2019〕48号）：生态保护红线内严格禁止开发性、生产性建设活动",
    requires=("layer:construction", "layer:ecological_redline"),
    params=_TOL,
    example="an urban plot with 300 m² inside a 生态保护红线 polygon",
)
def ecological_redline(ctx, overlap_tolerance_m2):
    """No construction inside the ecological protection red line (生态保护红线).

    One finding per construction plot: the part inside the red line, dissolved, in m².
    """
    return zone_overlap(ctx, "construction", "ecological_redline", overlap_tolerance_m2)


@rule(
    "PLAN003",
    name="planning.development_boundary",
    severity="error",
    title=("建新地块位于城镇开发边界（允许建设区）外", "Construction plot outside the development boundary"),
    message=(
        "建新地块 {plot_id}（{kind_zh}）有 {measured:.2f} m² 位于城镇开发边界/允许建设区外（占地块 {share:.1f}%）",
        "construction plot {plot_id} ({kind_en}) has {measured:.2f} m² outside the urban development "
        "boundary / allowed construction zone ({share:.1f}% of the plot)",
    ),
    reference=f"{JILIN_2017} 第九条(二) 建新区拟占地情况包括符合规划情况; {SHANXI_2018} 二(一) 依据土地利用总体规划编制项目区实施方案",
    requires=("layer:construction", "layer:development_boundary"),
    params=_TOL,
    example="an urban plot of 2000 m² with 800 m² beyond the 城镇开发边界",
)
def development_boundary(ctx, overlap_tolerance_m2):
    """Urban new construction must lie inside the urban development boundary / allowed zone.

    The part of each construction plot that no feature of the development-boundary layer
    covers is reported. Resettlement plots (``kind = resettlement``, 安置) get severity
    ``warning`` (village resettlement may be planned outside the urban boundary but needs a
    look); urban plots and plots of unknown kind get the configured severity (``error``).
    """
    found = outside_parts(ctx, "construction", "development_boundary", overlap_tolerance_m2)
    if found is None:
        return None
    li, geoms, area, share = found
    kind = ctx.layer("construction")["kind"].to_numpy(dtype=object)[li]
    resettle = kind == "resettlement"
    kind_zh = np.where(resettle, "安置", np.where(kind == "urban", "城镇建新", "类型未填，按城镇建新"))
    kind_en = np.where(resettle, "resettlement", np.where(kind == "urban", "urban", "kind unknown, taken as urban"))
    return make(
        layer="construction",
        plot_id=ctx.plot_ids("construction")[li],
        other_layer="development_boundary",
        geometry=geoms,
        measured=area,
        threshold=overlap_tolerance_m2,
        unit="m2",
        severity=np.where(resettle, "warning", None),
        share=share,
        kind_zh=kind_zh,
        kind_en=kind_en,
        crs=ctx.crs,
    )


@rule(
    "PLAN004",
    name="planning.demolition_not_construction",
    severity="error",
    title=("拆旧地块在三调中不是建设用地", "Demolition plot is not construction land in the land survey"),
    message=(
        "拆旧地块 {plot_id} 在三调地类图斑中建设用地仅占 {construction_pct:.1f}%（要求不少于 {min_pct:.0f}%）；"
        "非建设用地 {measured:.2f} m²；地类：{classes}",
        "demolition plot {plot_id}: construction land covers only {construction_pct:.1f}% of it in the land "
        "survey (at least {min_pct:.0f}% required); non-construction land {measured:.2f} m²; classes: {classes}",
    ),
    reference=f"{SICHUAN_2017} 二(六) 确保拆旧图斑和农民集中居住区的合法性、真实性; {SURVEY_TDT1055}（三调地类）",
    requires=("layer:demolition", "layer:landuse", "field:landuse.land_class"),
    params={
        **_TOL,
        "min_construction_share": (
            0.5,
            "least share (0–1) of a demolition plot that construction classes must cover in the land survey",
        ),
    },
    example="a demolition plot drawn on 0103 旱地: 100 % non-construction land",
)
def demolition_not_construction(ctx, overlap_tolerance_m2, min_construction_share):
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
    codes = normalise_code(ctx.attributes("landuse")["land_class"].to_numpy(dtype=object)[pairs["right"].to_numpy()])
    codes = np.array(["?" if c is None else c for c in codes], dtype=object) if len(pairs) else np.zeros(0, object)
    area = _measure(ctx, pairs)
    built = np.asarray(is_construction(codes), dtype=bool) if len(pairs) else np.zeros(0, bool)
    built_m2 = np.bincount(li, weights=np.where(built, area, 0.0), minlength=n)
    covered_m2 = np.bincount(li, weights=area, minlength=n)
    uncovered_m2 = np.clip(plot_area - covered_m2, 0.0, None)
    other_m2 = np.clip(plot_area - built_m2, 0.0, None)
    share = np.where(plot_area > 0, built_m2 / np.where(plot_area > 0, plot_area, 1.0), 1.0)
    usable = ~shapely.is_missing(plots)
    fire = np.flatnonzero(usable & (share < min_construction_share) & (other_m2 >= overlap_tolerance_m2))
    if not len(fire):
        return None
    # classes found under each firing plot, largest first
    table = pd.DataFrame({"left": li, "code": codes, "area": area})
    table = table[table["left"].isin(fire)].groupby(["left", "code"], as_index=False)["area"].sum()
    table["name"] = class_name(table["code"].to_numpy(dtype=object), lang=ctx.lang) if len(table) else []
    table = table.sort_values(["left", "area"], ascending=[True, False])
    text = {
        k: "; ".join(f"{c} {nm or ''} {a:.2f} m²".replace("  ", " ") for c, nm, a in zip(g["code"], g["name"], g["area"], strict=True))
        for k, g in table.groupby("left")
    }
    none_label = "无图斑" if ctx.lang == "zh" else "no survey polygon"
    classes = []
    for k in fire:
        parts = [text[k]] if k in text else []
        if uncovered_m2[k] >= overlap_tolerance_m2:
            parts.append(f"{none_label} {uncovered_m2[k]:.2f} m²")
        classes.append("; ".join(parts))
    # the problem geometry: the plot minus its construction-class parts
    geoms = plots[fire].copy()
    built_pairs = pairs.loc[built & np.isin(li, fire)]
    if len(built_pairs):
        # geometry only for the pairs of plots that become findings (the pair table holds areas only)
        built_pairs = built_pairs.assign(
            geometry=shapely.intersection(plots[built_pairs["left"].to_numpy()], ctx.valid_geoms("landuse")[built_pairs["right"].to_numpy()])
        )
        built_union = built_pairs.groupby("left")["geometry"].agg(lambda g: shapely.union_all(np.asarray(g, dtype=object)))
        at = np.searchsorted(fire, built_union.index.to_numpy())
        geoms[at] = polygonal(shapely.difference(geoms[at], built_union.to_numpy(dtype=object)))
    return make(
        layer="demolition",
        plot_id=ctx.plot_ids("demolition")[fire],
        other_layer="landuse",
        geometry=geoms,
        measured=other_m2[fire],
        threshold=(1.0 - min_construction_share) * plot_area[fire],
        unit="m2",
        construction_pct=100.0 * share[fire],
        min_pct=100.0 * min_construction_share,
        classes=np.asarray(classes, dtype=object),
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
        "construction plot {plot_id} occupies {measured:.2f} m² of cultivated land ({paddy_m2:.2f} m² paddy), "
        "area-weighted quality grade {grade} (from {source}){raster_note}",
    ),
    reference=f"{JILIN_2017} 第九条(二) 建新区拟占地的地类及耕地质量等级，第十条(二) 建新占用耕地质量等级的说明",
    requires=("layer:construction",),
    example="a resettlement plot on 2998.98 m² of 0101 水田, 等别 11",
)
def farmland_occupied(ctx):
    """Cultivated, paddy and quality-weighted area occupied by every construction plot.

    Figures come from :func:`landlink_gis.landuse.farmland_under` (land-survey overlay when the
    project has a ``landuse`` layer, else the plot's declared class), the same figures the
    balance rules BAL002–BAL004 sum. When a ``quality`` raster is given, its area-weighted mean
    under the plot is added to the message.
    """
    frame = ctx.layer("construction")
    if not len(frame):
        return None
    farm = farmland_under(ctx, "construction")
    qa = farm["quality_area_m2"].to_numpy(dtype=float)
    grade = np.where(qa > 0, farm["quality_area_product"].to_numpy(dtype=float) / np.where(qa > 0, qa, 1.0), np.nan)
    grade_text = np.array(["—" if np.isnan(g) else f"{g:.2f}" for g in grade], dtype=object)
    note = np.full(len(frame), "", dtype=object)
    if "quality" in ctx.rasters:
        stats = ctx.zonal_stats("quality", "construction")
        label = "；质量等别栅格均值 " if ctx.lang == "zh" else "; quality raster mean "
        note = np.array(["" if np.isnan(m) else f"{label}{m:.2f}" for m in stats["mean"].to_numpy()], dtype=object)
    return make(
        layer="construction",
        plot_id=ctx.plot_ids("construction"),
        geometry=ctx.valid_geoms("construction"),
        measured=farm["cultivated_m2"].to_numpy(dtype=float),
        unit="m2",
        paddy_m2=farm["paddy_m2"].to_numpy(dtype=float),
        grade=grade_text,
        source=farm["source"].to_numpy(dtype=object),
        raster_note=note,
        crs=ctx.crs,
    )


@rule(
    "PLAN006",
    name="planning.steep_demolition",
    severity="warning",
    title=("拆旧地块平均坡度大于 25°", "Demolition plot mean slope above 25°"),
    message=(
        "拆旧地块 {plot_id} 平均坡度 {measured:.2f}°（最大 {max_deg:.2f}°），大于 {threshold:.0f}°，不宜复垦为耕地",
        "demolition plot {plot_id} has a mean slope of {measured:.2f}° (max {max_deg:.2f}°), above "
        "{threshold:.0f}°: not suitable for reclamation to cultivated land",
    ),
    reference=f"{SOIL_WATER_LAW} 第二十条 禁止在二十五度以上陡坡地开垦种植农作物; {SURVEY_TDT1055} 耕地坡度分级（>25° 为第 5 级）",
    requires=("layer:demolition", "raster:dem|slope"),
    params={"max_slope_deg": (25.0, "demolition plots steeper than this mean slope (degrees) are flagged")},
    example="a homestead on a 36.9° hillside",
)
def steep_demolition(ctx, max_slope_deg):
    """Land steeper than 25° should not be reclaimed to cultivated land.

    Mean slope per demolition plot, from the ``slope`` raster (degrees) when given, else from
    the ``dem`` by Horn's method; each pixel is weighted by the share of it inside the plot,
    so partial pixels and plots smaller than a pixel are handled. A plot with a geometry but
    no valid raster value under it (nodata, or off the raster) gets an ``info`` finding saying
    its slope was not checked.
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
    return make(
        layer="demolition",
        plot_id=ctx.plot_ids("demolition")[idx],
        geometry=geoms[idx],
        measured=mean[idx],
        threshold=max_slope_deg,
        unit="deg",
        severity=np.r_[np.full(len(steep), None, dtype=object), np.full(len(unknown), "info", dtype=object)],
        max_deg=peak[idx],
        crs=ctx.crs,
    )


@rule(
    "PLAN007",
    name="planning.outside_boundary",
    severity="error",
    title=("地块超出县域/项目区范围", "Plot outside the county / project boundary"),
    message=(
        "{layer_zh}地块 {plot_id} 有 {measured:.2f} m² 位于县域/项目区范围外（占地块 {share:.1f}%）",
        "{layer} plot {plot_id} has {measured:.2f} m² outside the county / project boundary ({share:.1f}% of the plot)",
    ),
    reference=f"{JILIN_2017} 第八条 拆旧复垦地块与本县域内的建新安置地块组成项目区; {SICHUAN_2017} 二(二) 项目区相对集中、封闭运行",
    requires=("layer:boundary",),
    params=_TOL,
    example="a demolition plot drawn across the county line: the part beyond it",
)
def outside_boundary(ctx, overlap_tolerance_m2):
    """Every plot (demolition and construction) must lie inside the county / project boundary.

    The part of each plot no boundary feature covers is reported, in m².
    """
    out = []
    for role in ("demolition", "construction"):
        if not ctx.has(role):
            continue
        found = outside_parts(ctx, role, "boundary", overlap_tolerance_m2)
        if found is None:
            continue
        li, geoms, area, share = found
        out.append(
            make(
                layer=role,
                plot_id=ctx.plot_ids(role)[li],
                other_layer="boundary",
                geometry=geoms,
                measured=area,
                threshold=overlap_tolerance_m2,
                unit="m2",
                share=share,
                layer_zh="拆旧" if role == "demolition" else "建新",
                crs=ctx.crs,
            )
        )
    return combine(out)
