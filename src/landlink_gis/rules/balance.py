"""Balance rules (BAL001–BAL006): area, farmland quantity, quality and paddy, surplus and advance quota.

Every figure comes from :func:`landlink_gis.balance.compute_balance` (computed once per check);
each rule records its pass/fail status on the figure it judges, which the ``balance`` output
table shows. Findings are project-level (``layer = project``).
"""

from __future__ import annotations

import numpy as np

from ..area import to_hectare, to_mu
from ..balance import compute_balance
from ..findings import make
from ._registry import rule


@rule(
    "BAL001",
    name="balance.area",
    severity="error",
    title=("建新面积大于拆旧面积", "New construction exceeds demolition"),
    message=(
        "建新地块总面积 {measured:.2f} m²（{measured_mu:.4f} 亩）{relation}拆旧地块总面积 {threshold:.2f} m²（{threshold_mu:.4f} 亩）",
        "Total new-construction area {measured:.2f} m² ({measured_mu:.4f} mu) {relation_en} total demolition area {threshold:.2f} m² ({threshold_mu:.4f} mu)",
    ),
    reference="001 §1 等面积; 国土资发〔2008〕138号",
    requires=("layer:construction",),
    params={
        "equal_area_warning": (False, "also warn when new construction is not equal to demolition (shanxi)"),
        "equal_area_tol_m2": (1.0, "tolerance (m²) of the equal-area comparison"),
    },
    example='demolition 20 000 m², new construction 21 000 m²',
)
def area_balance(ctx, equal_area_warning, equal_area_tol_m2):
    """New construction must not exceed demolition: the quota comes only from reclaimed land."""
    sheet = compute_balance(ctx)
    demolition = sheet.value("demolition_area")
    construction = sheet.value("construction_area")
    common = dict(layer="project", plot_id="", measured=construction, threshold=demolition, unit="m2",
                  measured_mu=float(to_mu(construction)), threshold_mu=float(to_mu(demolition)), crs=ctx.crs)
    if construction > demolition:
        sheet.set_status("construction_area", "BAL001", "fail")
        return make(relation="大于", relation_en="exceeds", **common)
    sheet.set_status("construction_area", "BAL001", "pass")
    if equal_area_warning and abs(demolition - construction) > equal_area_tol_m2:
        return make(relation="不等于", relation_en="is not equal to", severity="warning", **common)
    return None


@rule(
    "BAL005",
    name="balance.surplus",
    severity="info",
    title=("节余指标", "Surplus quota"),
    message=(
        "节余指标 {measured:.2f} m² = {hectare:.4f} 公顷 = {mu:.4f} 亩（拆旧 {demolition:.2f} m² − 建新 {construction:.2f} m²）",
        "Surplus quota {measured:.2f} m² = {hectare:.4f} ha = {mu:.4f} mu (demolition {demolition:.2f} m² − new construction {construction:.2f} m²)",
    ),
    reference="000, 001 节余指标",
    example='demolition 20 000 m² − new construction 15 000 m² = 5 000 m² = 0.5 公顷 = 7.5 亩',
)
def surplus(ctx):
    """Reports the surplus quota (demolition − new construction) in m², 公顷 and 亩."""
    sheet = compute_balance(ctx)
    value = sheet.value("surplus_quota")
    sheet.set_status("surplus_quota", "BAL005", "pass" if value >= 0 else "fail")
    return make(
        layer="project",
        plot_id="",
        measured=value,
        unit="m2",
        hectare=float(to_hectare(value)),
        mu=float(to_mu(value)),
        demolition=sheet.value("demolition_area"),
        construction=sheet.value("construction_area"),
        crs=ctx.crs,
    )


_SCALE = {"dengbie": ("等别", "dengbie (等别 1–15)"), "dengji": ("等级", "dengji (等级 1–10)")}


@rule(
    "BAL002",
    name="balance.cultivated_quantity",
    severity="error",
    title=("复垦耕地面积少于建新占用耕地面积", "Reclaimed cultivated land less than cultivated land occupied"),
    message=(
        "建新占用耕地 {measured:.2f} m²（{measured_mu:.4f} 亩，{source_zh}）多于拆旧复垦耕地 {threshold:.2f} m²（{threshold_mu:.4f} 亩），耕地数量减少 {shortfall:.2f} m²",
        "Cultivated land occupied by new construction {measured:.2f} m² ({measured_mu:.4f} mu, {source_en}) exceeds cultivated land reclaimed {threshold:.2f} m² ({threshold_mu:.4f} mu): {shortfall:.2f} m² less farmland",
    ),
    reference="002 §6 耕地数量不减少; 国土资发〔2008〕138号",
    requires=("layer:construction",),
    example="demolition reclaimed to 0301 林地 while the construction plots occupy 0103 旱地",
)
def cultivated_quantity(ctx):
    """Cultivated land after reclamation (demolition plots by their class after reclamation) must be at least the cultivated land occupied by new construction (from the land-survey layer when given, else the declared class): 数量不减少."""
    return _occupied_within_reclaimed(ctx, "BAL002", "cultivated")


def _occupied_within_reclaimed(ctx, rule_id: str, what: str):
    """A finding when the ``occupied_<what>`` area exceeds the ``reclaimed_<what>`` area; records the status."""
    sheet = compute_balance(ctx)
    reclaimed = sheet.value(f"reclaimed_{what}")
    occupied = sheet.value(f"occupied_{what}")
    if occupied <= reclaimed:
        sheet.set_status(f"occupied_{what}", rule_id, "pass")
        return None
    sheet.set_status(f"occupied_{what}", rule_id, "fail")
    return make(layer="project", plot_id="", measured=occupied, threshold=reclaimed, unit="m2",
                measured_mu=float(to_mu(occupied)), threshold_mu=float(to_mu(reclaimed)), shortfall=occupied - reclaimed,
                **_source_args(ctx), crs=ctx.crs)


def _source_args(ctx) -> dict:
    if ctx.has("landuse") and ctx.has_field("landuse", "land_class"):
        return {"source_zh": "按三调地类图斑叠加", "source_en": "by overlay with the land-survey layer"}
    return {"source_zh": "按申报地类", "source_en": "by declared class"}


@rule(
    "BAL003",
    name="balance.cultivated_quality",
    severity="error",
    title=("复垦耕地质量低于建新占用耕地质量", "Quality of reclaimed cultivated land below that of the occupied"),
    message=(
        "复垦耕地面积加权质量{scale_zh} {measured:.3f} 劣于建新占用耕地 {threshold:.3f}（{source_zh}；数值越小越好）{note_zh}",
        "Area-weighted quality grade of reclaimed cultivated land {measured:.3f} is worse than that of the occupied {threshold:.3f} ({scale_en}; {source_en}; lower is better){note_en}",
    ),
    reference="002 §§11,15 耕地质量不降低; 000 质量不降",
    requires=("layer:construction",),
    example="reclaimed 旱地 of 等别 12 for occupied 水田 of 等别 9",
)
def cultivated_quality(ctx):
    """The area-weighted quality grade of the reclaimed cultivated land must not be worse (a higher number) than that of the cultivated land occupied, on the project's scale (``quality_scale``); grades on different scales are never compared. When occupied cultivated land has grades but the reclaimed land has none, the comparison cannot be made and an ``info`` finding says so."""
    sheet = compute_balance(ctx)
    rec = sheet.get("reclaimed_quality")
    occ = sheet.get("occupied_quality")
    scale_zh, scale_en = _SCALE[ctx.project.quality_scale]
    common = dict(layer="project", plot_id="", unit="grade", scale_zh=scale_zh, scale_en=scale_en, **_source_args(ctx), crs=ctx.crs)
    if sheet.value("occupied_cultivated") <= 0:
        sheet.set_status("occupied_quality", "BAL003", "pass")
        return None
    if occ is None or not np.isfinite(occ.grade) or rec is None or not np.isfinite(rec.grade):
        sheet.set_status("occupied_quality", "BAL003", "not checked")
        side_zh = "建新占用耕地" if occ is None or not np.isfinite(occ.grade) else "复垦耕地"
        side_en = "occupied" if side_zh == "建新占用耕地" else "reclaimed"
        return make(measured=rec.grade if rec is not None else np.nan, threshold=occ.grade if occ is not None else np.nan,
                    severity="info", note_zh=f"——{side_zh}无有效质量{scale_zh}，无法比较",
                    note_en=f" — the {side_en} cultivated land has no valid grade, so quality could not be compared", **common)
    if rec.grade > occ.grade:
        sheet.set_status("occupied_quality", "BAL003", "fail")
        return make(measured=rec.grade, threshold=occ.grade, note_zh="", note_en="", **common)
    sheet.set_status("occupied_quality", "BAL003", "pass")
    return None


@rule(
    "BAL004",
    name="balance.paddy",
    severity="warning",
    title=("占用水田多于补充水田", "Paddy occupied exceeds paddy reclaimed"),
    message=(
        "建新占用水田 {measured:.2f} m²（{measured_mu:.4f} 亩，{source_zh}）多于复垦水田 {threshold:.2f} m²（{threshold_mu:.4f} 亩）",
        "Paddy occupied by new construction {measured:.2f} m² ({measured_mu:.4f} mu, {source_en}) exceeds paddy reclaimed {threshold:.2f} m² ({threshold_mu:.4f} mu)",
    ),
    reference="003 占水田补水田",
    requires=("layer:construction",),
    example="construction plots on 0101 水田, demolition plots reclaimed to 0103 旱地",
)
def paddy(ctx):
    """Paddy (0101 水田) occupied by new construction should be matched by paddy reclaimed (占水田补水田)."""
    return _occupied_within_reclaimed(ctx, "BAL004", "paddy")


@rule(
    "BAL006",
    name="balance.advance_quota",
    severity="error",
    title=("预支节余指标超过比例", "Advanced surplus quota above the allowed share"),
    message=(
        "预支节余指标 {measured:.2f} m²（{measured_mu:.4f} 亩）超过允许上限 {threshold:.2f} m²（{threshold_mu:.4f} 亩）：{why_zh}",
        "Advanced surplus quota {measured:.2f} m² ({measured_mu:.4f} mu) exceeds the allowed {threshold:.2f} m² ({threshold_mu:.4f} mu): {why_en}",
    ),
    reference="000 §(三) 贫困县可提前使用 30% 的节余指标",
    requires=("fact:advance_quota_m2",),
    params={
        "advance_quota_share": (0.30, "share of the surplus quota that may be used in advance"),
        "advance_poverty_only": (True, "only poverty counties may use surplus quota in advance"),
    },
    example="surplus 10 000 m², advance_quota_m2 = 3 500 (limit 3 000)",
)
def advance_quota(ctx, advance_quota_share, advance_poverty_only):
    """Surplus quota used in advance (预支) must not exceed ``advance_quota_share`` (30 % in Sichuan) of the surplus quota; where ``advance_poverty_only``, only poverty counties (``poverty_county = true``) may advance any."""
    sheet = compute_balance(ctx)
    advanced = float(ctx.project.advance_quota_m2 or 0.0)
    surplus = max(sheet.value("surplus_quota"), 0.0)
    if advance_poverty_only and not ctx.project.poverty_county:
        limit = 0.0
        why = ("非贫困县不得预支节余指标", "only poverty counties may advance surplus quota")
    else:
        limit = advance_quota_share * surplus
        why = (f"节余指标 {surplus:.2f} m² 的 {advance_quota_share:.0%}", f"{advance_quota_share:.0%} of the surplus quota {surplus:.2f} m²")
    if advanced > limit:
        sheet.set_status("advance_quota", "BAL006", "fail")
        return make(layer="project", plot_id="", measured=advanced, threshold=limit, unit="m2", measured_mu=float(to_mu(advanced)),
                    threshold_mu=float(to_mu(limit)), why_zh=why[0], why_en=why[1], crs=ctx.crs)
    sheet.set_status("advance_quota", "BAL006", "pass")
    return None
