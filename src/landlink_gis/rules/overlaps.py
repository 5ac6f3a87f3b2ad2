"""Overlap rules (OVL001–OVL005): land that must not be counted twice or built on.

All use the one engine, :func:`landlink_gis.engine.overlay.overlay_pairs`; overlaps below
``overlap_tolerance_m2`` are ignored as digitising slivers.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ..base.findings import combine, make
from ..base.roles import PLOT_ROLES
from ..engine.overlay import overlay_pairs
from ..load.context import CheckContext
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
):
    """Raw findings for every overlap between two layers above ``tolerance``."""
    left = ctx.valid_geoms(left_role).copy()
    right = ctx.valid_geoms(right_role).copy()
    if left_mask is not None:
        left[~left_mask] = None
    if right_mask is not None:
        right[~right_mask] = None
    pairs = overlay_pairs(
        left, right, crs=ctx.crs, tolerance_m2=tolerance, area_method=ctx.project.area_method
    )
    if not len(pairs):
        return None
    li, rj = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    plot_area = ctx.area(left_role)[li]
    area = pairs[ctx.area_column].to_numpy()
    left_ids = ctx.plot_ids(left_role) if left_role in PLOT_ROLES else reference_ids(ctx, left_role)
    return make(
        layer=left_role,
        plot_id=left_ids[li],
        other_layer=right_role,
        other_id=reference_ids(ctx, right_role)[rj],
        geometry=pairs["geometry"].to_numpy(),
        measured=area,
        threshold=tolerance,
        unit="m2",
        share=np.where(plot_area > 0, 100.0 * area / np.where(plot_area > 0, plot_area, 1), 0.0),
        left_pos=li,
        crs=ctx.crs,
    )


_MSG = (
    "{layer} {plot_id} 与 {other_layer} {other_id} 重叠 {measured:.2f} m²（占地块 {share:.1f}%）",
    "{layer} plot {plot_id} overlaps {other_layer} {other_id} by {measured:.2f} m² ({share:.1f}% "
    "of the plot)",
)


@rule(
    "OVL001",
    name="overlaps.compensation",
    severity="error",
    title=("拆旧地块与占补平衡已用地重叠", "Demolition plot overlaps land used for 占补平衡"),
    message=_MSG,
    reference=f"{MONITORING_2014} 三(一) 整理复垦的耕地已经作为建设占用耕地占补平衡的，不得调入作为项目区拆旧地块",
    requires=("layer:demolition", "layer:compensation"),
    params=_TOL,
    example="a demolition plot drawn over a 补充耕地 plot of an earlier 占补平衡 project",
)
def compensation(ctx: CheckContext, overlap_tolerance_m2):
    """Land already credited to farmland occupation-compensation cannot be reclaimed again for
    linkage quota."""
    return overlap_findings(ctx, "demolition", "compensation", overlap_tolerance_m2)


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
    return overlap_findings(ctx, "demolition", "construction", overlap_tolerance_m2)


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
    out = [
        overlap_findings(ctx, role, "ledger", overlap_tolerance_m2, right_mask=mask)
        for role in ("demolition", "construction")
        if ctx.has(role)
    ]
    out = [f for f in out if f is not None]
    return combine(out)


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
    return overlap_findings(ctx, "construction", "illegal_land", overlap_tolerance_m2)


#: Date fields tried on the compensation layer for when its land was credited (入库/验收/立项).
_COMP_DATE_FIELDS = ("RKSJ", "YSRQ", "YSSJ", "BCGDRQ", "LXSJ", "date", "DATE")


def _compensation_dates(ctx: CheckContext, field: str) -> tuple[np.ndarray | None, str]:
    """Dates of the compensation features (NaT when unknown) and the field they came from."""
    frame = ctx.raw["compensation"]
    names = (field,) if field else _COMP_DATE_FIELDS
    for name in names:
        match = next((c for c in frame.columns if c.lower() == name.lower()), None)
        if match is not None:
            values = pd.to_datetime(frame[match].astype("string"), errors="coerce", format="mixed")
            return values.dt.date.to_numpy(dtype=object), match
    return None, ""


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
    params={
        **_TOL,
        "compensation_date_field": (
            "",
            "date field of the compensation layer (入库/验收 date); empty: try RKSJ, YSRQ, YSSJ, "
            "BCGDRQ, LXSJ, date",
        ),
    },
    example="a 补充耕地 plot registered in 2023 on a demolition plot whose reclamation was accepted in 2022",
)
def returned_reused(ctx: CheckContext, overlap_tolerance_m2, compensation_date_field):
    """Once the project is accepted (``accepted`` or ``quota_returned``), its reclaimed
    demolition land has been returned as linkage quota; a compensation (占补平衡) feature on
    that land counts it a second time. Reported on the demolition plot, naming the
    compensation feature. Where the compensation layer has a date, only features credited on
    or after the return date count here (earlier ones are OVL001's prior use)."""
    returned = ctx.project.quota_returned or ctx.project.accepted
    dates, _field = _compensation_dates(ctx, compensation_date_field)
    known = (
        np.array([isinstance(d, dt.date) for d in dates], dtype=bool) if dates is not None else None
    )
    mask = None
    if dates is not None:
        mask = np.array(
            [not k or d >= returned for d, k in zip(dates, known, strict=True)], dtype=bool
        )
    raw = overlap_findings(ctx, "demolition", "compensation", overlap_tolerance_m2, right_mask=mask)
    if raw is None:
        return None
    if dates is not None:
        pairs = overlay_pairs(
            ctx.valid_geoms("demolition"),
            np.where(mask, ctx.valid_geoms("compensation"), None),
            crs=ctx.crs,
            tolerance_m2=overlap_tolerance_m2,
            area_method=ctx.project.area_method,
        )
        pos = pairs["right"].to_numpy(dtype=int)
        dated_zh = np.array([f"（{dates[i]}）" if known[i] else "" for i in pos], dtype=object)
        dated_en = np.array([f" ({dates[i]})" if known[i] else "" for i in pos], dtype=object)
    else:
        dated_zh = dated_en = ""
    return raw.assign(returned=returned.isoformat(), dated_zh=dated_zh, dated_en=dated_en)
