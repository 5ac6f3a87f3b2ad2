"""Planning rules (PLAN001–PLAN003, PLAN007): plots against the planning zones and the boundary.

Every overlap and every "outside" part is measured by the one engine,
:func:`landlink_gis.engine.overlay.overlay_pairs` /
:func:`~landlink_gis.engine.overlay.uncovered_parts`;
pieces below ``overlap_tolerance_m2`` are ignored as digitising slivers. A finding carries the
geometry of the problem (the overlap or the outside part, dissolved per plot) and its area by
the project's area method (ellipsoidal CGCS2000 by default) as ``measured`` in m².

Choices made here (documented in each rule's purpose):

* PLAN001/PLAN002 give one finding per plot: the overlap with every reference feature it meets,
  dissolved, with the ids of those features in ``other_id``.
* PLAN003 checks every construction plot; ``kind = resettlement`` plots get severity
  ``warning``, every other plot (urban, or kind unknown) the configured one (``error``).

PLAN004–PLAN006 (the land survey and the terrain) are in :mod:`landlink_gis.rules.survey`.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import shapely

from ..base.findings import combine, make
from ..engine.area import ellipsoidal_area, planar_area
from ..engine.overlay import overlay_pairs, uncovered_parts
from ..load.context import CheckContext
from ._citations import (
    CONTROL_LINES_2019,
    JILIN_2017,
    LAND_LAW,
    PILOT_2008,
    SHANXI_2018,
    SICHUAN_2017,
)
from ._common import TOLERANCE as _TOL
from ._common import measure as _measure
from ._common import reference_ids
from ._registry import rule

logger = logging.getLogger(__name__)

_MAX_IDS = 5


def _join_ids(ids: np.ndarray) -> str:
    uniq = list(dict.fromkeys(str(i) for i in ids))
    more = len(uniq) - _MAX_IDS
    return ",".join(uniq[:_MAX_IDS]) + (f",…(+{more})" if more > 0 else "")


def dissolve_pairs(ctx: CheckContext, pairs: pd.DataFrame, other_ids: np.ndarray) -> pd.DataFrame:
    """One row per ``left`` of an :func:`overlay_pairs` result: the overlaps dissolved.

    Parameters
    ----------
    ctx
        The check context (CRS).
    pairs
        Output of :func:`~landlink_gis.engine.overlay.overlay_pairs`.
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
            [shapely.union_all(geoms[starts[k] : starts[k] + counts[k]]) for k in multi],
            dtype=object,
        )
        out_geom[multi] = unions
        area[multi] = ellipsoidal_area(unions, ctx.crs)
        planar[multi] = planar_area(unions)
    rights = pairs["right"].to_numpy()
    ids = [_join_ids(other_ids[rights[s : s + c]]) for s, c in zip(starts, counts, strict=True)]
    return pd.DataFrame(
        {
            "left": left[starts],
            "geometry": out_geom,
            "area_m2": area,
            "area_planar_m2": planar,
            "other_id": ids,
        }
    )


def zone_overlap(ctx: CheckContext, left_role: str, right_role: str, tolerance: float):
    """Raw findings: each plot of ``left_role`` overlapping a zone of ``right_role``, dissolved
    per plot."""
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
        plot_id=ctx.plot_ids(left_role, li),
        other_layer=right_role,
        other_id=per_plot["other_id"].to_numpy(dtype=object),
        geometry=per_plot["geometry"].to_numpy(dtype=object),
        measured=area,
        threshold=tolerance,
        unit="m2",
        share=np.where(plot_area > 0, 100.0 * area / np.where(plot_area > 0, plot_area, 1.0), 0.0),
        crs=ctx.crs,
    )


def outside_parts(ctx: CheckContext, left_role: str, right_role: str, tolerance: float):
    """(positions, geometries, areas, shares) of the parts of ``left_role`` plots outside
    ``right_role``."""
    parts = uncovered_parts(
        ctx.valid_geoms(left_role), ctx.valid_geoms(right_role), crs=ctx.crs, tolerance_m2=tolerance
    )
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
        "建新地块 {plot_id} 占用永久基本农田 {measured:.2f} m²（占地块 {share:.1f}%；图斑 "
        "{other_id}）",
        "construction plot {plot_id} occupies {measured:.2f} m² of permanent basic farmland "
        "({share:.1f}% of the plot; features {other_id})",
    ),
    reference=f"{LAND_LAW} 第三十五条 永久基本农田经依法划定后，任何单位和个人不得擅自占用或者改变其用途",
    requires=("layer:construction", "layer:basic_farmland"),
    params=_TOL,
    example="a resettlement plot half inside a 永久基本农田 polygon: the inside half, in m²",
)
def basic_farmland(ctx: CheckContext, overlap_tolerance_m2):
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
        "建新地块 {plot_id} 位于生态保护红线内 {measured:.2f} m²（占地块 "
        "{share:.1f}%；{other_id}）",
        "construction plot {plot_id} lies {measured:.2f} m² inside the ecological red line "
        "({share:.1f}% of the plot; {other_id})",
    ),
    reference=f"{CONTROL_LINES_2019}：生态保护红线内严格禁止开发性、生产性建设活动",
    requires=("layer:construction", "layer:ecological_redline"),
    params=_TOL,
    example="an urban plot with 300 m² inside a 生态保护红线 polygon",
)
def ecological_redline(ctx: CheckContext, overlap_tolerance_m2):
    """No construction inside the ecological protection red line (生态保护红线).

    One finding per construction plot: the part inside the red line, dissolved, in m².
    """
    return zone_overlap(ctx, "construction", "ecological_redline", overlap_tolerance_m2)


@rule(
    "PLAN003",
    name="planning.development_boundary",
    severity="error",
    title=(
        "建新地块位于城镇开发边界（允许建设区）外",
        "Construction plot outside the development boundary",
    ),
    message=(
        "建新地块 {plot_id}（{kind_zh}）有 {measured:.2f} m² 位于城镇开发边界/允许建设区外（占地块 "
        "{share:.1f}%）",
        "construction plot {plot_id} ({kind_en}) has {measured:.2f} m² outside the urban "
        "development "
        "boundary / allowed construction zone ({share:.1f}% of the plot)",
    ),
    reference=f"{PILOT_2008} 依据土地利用总体规划设置项目区; {JILIN_2017} 第九条(二) 建新区拟占地情况包括符合规划情况; {SHANXI_2018} 二(一) 依据土地利用总体规划编制项目区实施方案",  # noqa: E501
    requires=("layer:construction", "layer:development_boundary"),
    params=_TOL,
    example="an urban plot of 2000 m² with 800 m² beyond the 城镇开发边界",
)
def development_boundary(ctx: CheckContext, overlap_tolerance_m2):
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
    kind_zh = np.where(
        resettle, "安置", np.where(kind == "urban", "城镇建新", "类型未填，按城镇建新")
    )
    kind_en = np.where(
        resettle, "resettlement", np.where(kind == "urban", "urban", "kind unknown, taken as urban")
    )
    return make(
        layer="construction",
        plot_id=ctx.plot_ids("construction", li),
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
    "PLAN007",
    name="planning.outside_boundary",
    severity="error",
    title=("地块超出县域/项目区范围", "Plot outside the county / project boundary"),
    message=(
        "{layer_zh}地块 {plot_id} 有 {measured:.2f} m² 位于县域/项目区范围外（占地块 "
        "{share:.1f}%）",
        "{layer} plot {plot_id} has {measured:.2f} m² outside the county / project boundary "
        "({share:.1f}% of the plot)",
    ),
    reference=f"{PILOT_2008} 项目区应在试点市、县行政辖区内设置; {JILIN_2017} 第八条 拆旧复垦地块与本县域内的建新安置地块组成项目区; {SICHUAN_2017} 二(二) 项目区相对集中、封闭运行",  # noqa: E501
    requires=("layer:boundary",),
    params=_TOL,
    example="a demolition plot drawn across the county line: the part beyond it",
)
def outside_boundary(ctx: CheckContext, overlap_tolerance_m2):
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
                plot_id=ctx.plot_ids(role, li),
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
