"""Balance rules (BAL001, BAL005): new construction within demolition; the surplus quota."""

from __future__ import annotations

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
