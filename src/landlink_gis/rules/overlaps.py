"""Overlap rules (OVL001–OVL005): land that must not be counted twice or built on.

All use the one engine, :func:`landlink_gis.engine.overlay.overlay_pairs`; overlaps below
``overlap_tolerance_m2`` are ignored as digitising slivers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import geopandas as gpd
import numpy as np
import pandas as pd

from ..base.findings import make
from ..base.roles import PLOT_ROLES
from ..engine.overlay import overlay_in_pieces
from ..load.context import CheckContext
from . import _common
from ._citations import MONITORING_2014, PILOT_2008, SHANXI_2018, SICHUAN_2017
from ._common import TOLERANCE as _TOL
from ._common import reference_ids
from ._registry import rule


def overlap_findings(
    ctx: CheckContext,
    left_role: str,
    right_role: str,
    tolerance: float,
    *,
    right_mask=None,
    left_mask=None,
) -> Iterator[gpd.GeoDataFrame]:
    """Raw findings for every overlap between two layers above ``tolerance``, in pieces of
    :data:`~._common.CHUNK_PLOTS` left plots (by position; pairs within a piece by left, then right
    position, as :func:`overlay_pairs` orders them)."""
    left = ctx.valid_geoms(left_role).copy()
    right = ctx.valid_geoms(right_role).copy()  # one array: the engine's tree is built once
    if left_mask is not None:
        left[~left_mask] = None
    if right_mask is not None:
        right[~right_mask] = None
    plot_area = ctx.area(left_role)
    for start, pairs in overlay_in_pieces(
        left,
        right,
        piece=_common.CHUNK_PLOTS,
        crs=ctx.crs,
        tolerance_m2=tolerance,
        area_method=ctx.project.area_method,
    ):
        if not len(pairs):
            continue
        li = pairs["left"].to_numpy() + start
        rj = pairs["right"].to_numpy()
        whole = plot_area[li]
        area = pairs[ctx.area_column].to_numpy()
        yield make(
            layer=left_role,
            plot_id=(
                ctx.plot_ids(left_role, li)
                if left_role in PLOT_ROLES
                else reference_ids(ctx, left_role, li)
            ),
            other_layer=right_role,
            other_id=reference_ids(ctx, right_role, rj),
            geometry=pairs["geometry"].to_numpy(),
            measured=area,
            threshold=tolerance,
            unit="m2",
            share=np.where(whole > 0, 100.0 * area / np.where(whole > 0, whole, 1), 0.0),
            left_pos=li,
            right_pos=rj,
            crs=ctx.crs,
        )


_MSG = (
    "{layer} {plot_id} 与 {other_layer} {other_id} 重叠 {measured:.2f} m²（占地块 {share:.1f}%）",
    "{layer} plot {plot_id} overlaps {other_layer} {other_id} by {measured:.2f} m² ({share:.1f}% "
    "of the plot)",
)


#: Date fields tried on the compensation layer for when its land was credited (入库/验收).
_COMP_DATE_FIELDS = ("RKSJ", "YSRQ", "YSSJ", "BCGDRQ")
_DATE_PARAM = {
    "compensation_date_field": (
        "",
        "date field of the compensation layer (入库/验收 date); empty: try RKSJ, YSRQ, YSSJ, "
        "BCGDRQ",
    ),
}


def _compensation_dates(ctx: CheckContext, field: str) -> tuple[np.ndarray, str]:
    """Date of each compensation feature (None where unknown) and the field it came from ("" when
    the layer has no date field)."""
    frame = ctx.raw["compensation"]
    names = (field,) if field else _COMP_DATE_FIELDS
    for name in names:
        match = next((c for c in frame.columns if c.lower() == name.lower()), None)
        if match is not None:
            values = pd.to_datetime(frame[match].astype("string"), errors="coerce", format="mixed")
            dates = np.array(values.dt.date.to_numpy(dtype=object), dtype=object)
            dates[pd.isna(values).to_numpy()] = None
            return dates, match
    return np.full(len(frame), None, dtype=object), ""


def _after_return(ctx: CheckContext, field: str) -> tuple[np.ndarray, np.ndarray, str]:
    """Masks of the compensation features (``known``: dated; ``later``: credited on or after the
    project returned its quota) and the date field used.

    Only a project that has returned its quota (``quota_returned``, else ``accepted``) can have
    a later use; without that date every use is earlier (OVL001)."""
    dates, column = _compensation_dates(ctx, field)
    known = np.array([isinstance(d, dt.date) for d in dates], dtype=bool)
    returned = ctx.project.quota_returned or ctx.project.accepted
    later = np.zeros(len(dates), dtype=bool)
    if returned is not None:
        later[known] = [d >= returned for d in dates[known]]
    return known, later, column


@rule(
    "OVL001",
    name="overlaps.compensation",
    severity="error",
    title=("拆旧地块与占补平衡已用地重叠", "Demolition plot overlaps land used for 占补平衡"),
    message=(_MSG[0] + "{order_zh}", _MSG[1] + "{order_en}"),
    reference=f"{MONITORING_2014} 三(一) 整理复垦的耕地已经作为建设占用耕地占补平衡的，不得调入作为项目区拆旧地块",
    requires=("layer:demolition", "layer:compensation"),
    params={**_TOL, **_DATE_PARAM},
    example="a demolition plot drawn over a 补充耕地 plot of an earlier 占补平衡 project",
)
def compensation(ctx: CheckContext, overlap_tolerance_m2, compensation_date_field):
    """Land already credited to farmland occupation-compensation cannot be reclaimed again for
    linkage quota. One overlap tells one story (§4b): where the compensation feature is dated
    on or after the day the project returned its quota, the reuse is OVL005's, not this rule's;
    where its date is unknown (no date field — ``compensation_date_field``, else RKSJ, YSRQ,
    YSSJ, BCGDRQ — or an empty date) this rule alone reports it and says the order is
    unknown."""
    known, later, column = _after_return(ctx, compensation_date_field)
    where_zh = f"日期字段 {column} 为空" if column else "占补平衡图层无日期字段"
    where_en = f"its date field {column} is empty" if column else "the layer has no date field"
    order_zh = (
        f"；该占补平衡地块日期未知（{where_zh}），无法判断与本项目归还挂钩指标的先后，"
        "可在规则参数 compensation_date_field 中指定日期字段"
    )
    order_en = (
        f"; the compensation feature's date is unknown ({where_en}), so the order against the "
        "return of this project's quota is unknown; name the date field with the rule parameter "
        "compensation_date_field"
    )
    for raw in overlap_findings(
        ctx, "demolition", "compensation", overlap_tolerance_m2, right_mask=~later
    ):
        pos = _right_positions(raw)
        yield raw.assign(
            order_zh=np.where(known[pos], "", order_zh).astype(object),
            order_en=np.where(known[pos], "", order_en).astype(object),
        )


def _right_positions(raw) -> np.ndarray:
    """Position in the right-hand layer of each overlap finding's other feature."""
    return raw["right_pos"].to_numpy(dtype=int)


@rule(
    "OVL002",
    name="overlaps.own_construction",
    severity="error",
    title=(
        "拆旧地块与本项目建新地块重叠",
        "Demolition plot overlaps a construction plot of the project",
    ),
    message=_MSG,
    reference=f"{PILOT_2008} 拆旧地块和建新地块共同组成建新拆旧项目区; {SHANXI_2018} 一 拆旧地块（拟复垦为耕地）与建新地块（拟用于建设）共同组成项目区，在保证各类土地面积平衡的基础上实施",  # noqa: E501
    requires=("layer:demolition", "layer:construction"),
    params=_TOL,
    example="a resettlement plot drawn on a homestead that is also a demolition plot",
)
def own_construction(ctx: CheckContext, overlap_tolerance_m2):
    """The same land cannot be both reclaimed and built on in one project."""
    yield from overlap_findings(ctx, "demolition", "construction", overlap_tolerance_m2)


@rule(
    "OVL003",
    name="overlaps.other_project",
    severity="error",
    title=("与其他挂钩项目地块重叠（重复使用）", "Plot overlaps another linkage project's plot"),
    message=_MSG,
    reference=f"{SICHUAN_2017} 二(六) 拆旧地区实行台账式动态管理; {MONITORING_2014} 三(一) 不得重复使用",
    requires=("layer:ledger",),
    params=_TOL,
    example="a demolition plot already listed in another project area of the county ledger",
)
def other_project(ctx: CheckContext, overlap_tolerance_m2):
    """A plot already used by another linkage project (ledger layer) would be counted twice."""
    ledger = ctx.raw["ledger"]
    mask = None
    code = ctx.project.code
    for name in ("XMBH", "project_code", "XMDM"):
        if code and name in ledger.columns:
            mask = ledger[name].astype(str).str.strip().ne(code).to_numpy()
            break
    for role in ("demolition", "construction"):
        if ctx.has(role):
            yield from overlap_findings(ctx, role, "ledger", overlap_tolerance_m2, right_mask=mask)


@rule(
    "OVL004",
    name="overlaps.illegal_land",
    severity="error",
    title=("建新地块占用违法违规用地", "Construction plot on illegal land"),
    message=_MSG,
    reference=f"{MONITORING_2014} 三(一) 违法违规用地，不得调入作为项目区建新地块",
    requires=("layer:construction", "layer:illegal_land"),
    params=_TOL,
    example="an urban construction plot on land listed in the 违法用地 layer",
)
def illegal_land(ctx: CheckContext, overlap_tolerance_m2):
    """Illegally used land cannot be legalised as a linkage construction plot."""
    yield from overlap_findings(ctx, "construction", "illegal_land", overlap_tolerance_m2)


@rule(
    "OVL005",
    name="overlaps.returned_reused",
    severity="error",
    title=(
        "已归还挂钩指标的复垦地块又用于占补平衡",
        "Reclaimed land returned as linkage quota reused for 占补平衡",
    ),
    message=(
        "拆旧地块 {plot_id} 已复垦并归还挂钩指标（{returned}），其中 {measured:.2f} m² "
        "又被占补平衡地块 {other_id}{dated_zh}使用，同一复垦耕地不得重复用于占补平衡",
        "Demolition plot {plot_id}, reclaimed and returned as linkage quota on {returned}, is "
        "reused by compensation plot {other_id}{dated_en} over {measured:.2f} m²; the same "
        "reclaimed land cannot also count for 占补平衡",
    ),
    reference=f"{MONITORING_2014} 三(一) 项目区拆旧地块复垦的耕地已作为归还增减挂钩指标的，不得重复用于建设占用耕地占补平衡",  # noqa: E501
    requires=("layer:compensation", "fact:accepted|quota_returned"),
    params={**_TOL, **_DATE_PARAM},
    example="a 补充耕地 plot registered in 2023 on a demolition plot whose reclamation was accepted in 2022",
)
def returned_reused(ctx: CheckContext, overlap_tolerance_m2, compensation_date_field):
    """Once the project is accepted (``accepted`` or ``quota_returned``), its reclaimed
    demolition land has been returned as linkage quota; a compensation (占补平衡) feature on
    that land credited on or after the return date counts it a second time. Reported on the
    demolition plot, naming the compensation feature. Only the dates can show that order: a
    compensation feature without a date (or dated before the return) is OVL001's alone."""
    returned = ctx.project.quota_returned or ctx.project.accepted
    known, later, _column = _after_return(ctx, compensation_date_field)
    if not later.any():
        return
    dates, _ = _compensation_dates(ctx, compensation_date_field)
    for raw in overlap_findings(
        ctx, "demolition", "compensation", overlap_tolerance_m2, right_mask=later
    ):
        pos = _right_positions(raw)
        yield raw.assign(
            returned=returned.isoformat(),
            dated_zh=np.array([f"（{dates[i]}）" for i in pos], dtype=object),
            dated_en=np.array([f" ({dates[i]})" for i in pos], dtype=object),
        )
