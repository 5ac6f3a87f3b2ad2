"""The area balance of a project: demolition vs new construction, surplus quota, in m², 公顷 and 亩.

Figures are computed once per check from the context (cached) and read by the BAL rules, the
``balance`` output table and the reports. Areas use the project's area method (ellipsoidal by
default) on the valid polygonal geometry of each plot.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .area import to_hectare, to_mu
from .landuse import farmland_reclaimed, farmland_under, weighted_grade

__all__ = ["BalanceFigure", "BalanceSheet", "compute_balance", "balance_table"]


@dataclass
class BalanceFigure:
    """One balance figure: its key, Chinese and English labels, scope and value in m²."""

    key: str
    label_zh: str
    label_en: str
    m2: float
    scope: str = "project"
    grade: float = float("nan")
    rule_id: str = ""
    status: str = ""


@dataclass
class BalanceSheet:
    """All balance figures of a project, in order."""

    figures: list[BalanceFigure] = field(default_factory=list)

    def add(self, *args, **kwargs) -> BalanceFigure:
        """Append a figure and return it."""
        fig = BalanceFigure(*args, **kwargs)
        self.figures.append(fig)
        return fig

    def get(self, key: str, scope: str = "project") -> BalanceFigure | None:
        """The figure ``key`` of ``scope`` (None if absent)."""
        for f in self.figures:
            if f.key == key and f.scope == scope:
                return f
        return None

    def value(self, key: str, scope: str = "project", default: float = 0.0) -> float:
        """The m² value of figure ``key`` (``default`` if absent)."""
        f = self.get(key, scope)
        return f.m2 if f is not None else default

    def set_status(self, key: str, rule_id: str, status: str, scope: str = "project") -> None:
        """Record the rule and its pass/fail status on a figure."""
        f = self.get(key, scope)
        if f is not None:
            f.rule_id, f.status = rule_id, status


def _area(ctx, role: str) -> np.ndarray:
    if not ctx.has(role):
        return np.zeros(0)
    area = ctx.area(role).copy()
    area[~np.isfinite(area)] = 0.0
    return area


#: Construction kinds reported separately: (kind, Chinese label, English label).
KINDS: tuple[tuple[str, str, str], ...] = (("resettlement", "安置", "resettlement"), ("urban", "城镇建新", "urban"))

_SCALE_ZH = {"dengbie": "等别", "dengji": "等级"}


def _farmland_figures(ctx, sheet: BalanceSheet) -> None:
    """Cultivated, paddy and quality figures: reclaimed (demolition) vs occupied (construction)."""

    scale = ctx.project.quality_scale
    reclaimed = farmland_reclaimed(ctx)
    sheet.add("reclaimed_cultivated", "复垦耕地面积", "cultivated land reclaimed", float(reclaimed["cultivated_m2"].sum()))
    sheet.add("reclaimed_paddy", "复垦水田面积", "paddy reclaimed", float(reclaimed["paddy_m2"].sum()))
    sheet.add(
        "reclaimed_quality",
        f"复垦耕地加权质量{_SCALE_ZH[scale]}（已评定面积）",
        f"area-weighted quality grade ({scale}) of reclaimed cultivated land (graded area)",
        float(reclaimed["quality_area_m2"].sum()),
        grade=weighted_grade(reclaimed),
    )
    if not ctx.has("construction"):
        return
    occupied = farmland_under(ctx, "construction")
    source = str(occupied["source"].iloc[0]) if len(occupied) else "declared"
    src_zh = "（三调地类图斑）" if source == "landuse" else "（申报地类）"
    src_en = " (land-survey layer)" if source == "landuse" else " (declared class)"
    kinds = ctx.layer("construction")["kind"].to_numpy(dtype=object)
    scopes = [("project", np.ones(len(kinds), bool), "", "")]
    scopes += [(k, kinds == k, f"{zh}：", f"{en}: ") for k, zh, en in KINDS]
    for scope, mask, pre_zh, pre_en in scopes:
        part = occupied[mask]
        sheet.add("occupied_cultivated", f"{pre_zh}建新占用耕地面积{src_zh}", f"{pre_en}cultivated land occupied{src_en}", float(part["cultivated_m2"].sum()), scope=scope)
        sheet.add("occupied_paddy", f"{pre_zh}建新占用水田面积{src_zh}", f"{pre_en}paddy occupied{src_en}", float(part["paddy_m2"].sum()), scope=scope)
        sheet.add(
            "occupied_quality",
            f"{pre_zh}建新占用耕地加权质量{_SCALE_ZH[scale]}（已评定面积）{src_zh}",
            f"{pre_en}area-weighted quality grade ({scale}) of occupied cultivated land (graded area){src_en}",
            float(part["quality_area_m2"].sum()),
            scope=scope,
            grade=weighted_grade(part),
        )


def compute_balance(ctx) -> BalanceSheet:
    """The project's balance sheet (cached on the context).

    Figures (scope ``project``; construction-side figures also per kind, scopes
    ``resettlement`` and ``urban``): ``demolition_area``, ``construction_area``,
    ``surplus_quota``, ``reclaimed_cultivated`` vs ``occupied_cultivated``,
    ``reclaimed_paddy`` vs ``occupied_paddy``, ``reclaimed_quality`` vs ``occupied_quality``
    (area-weighted grade in ``grade``, graded area in ``m2``) and, when the project states one,
    ``advance_quota``. Occupied farmland comes from the land-survey layer when the project has
    one, else from the declared classes (:func:`landlink_gis.landuse.farmland_under`).

    Parameters
    ----------
    ctx
        The check context.

    Returns
    -------
    BalanceSheet
        The same object for every call on one context; the BAL rules record their status on it.
    """

    def build() -> BalanceSheet:
        sheet = BalanceSheet()
        demolition = _area(ctx, "demolition")
        construction = _area(ctx, "construction")
        sheet.add("demolition_area", "拆旧地块面积", "demolition area", float(demolition.sum()))
        sheet.add("construction_area", "建新地块面积", "new-construction area", float(construction.sum()))
        if ctx.has("construction"):
            kinds = ctx.layer("construction")["kind"].to_numpy(dtype=object)
            for kind, zh, en in (("resettlement", "安置地块面积", "resettlement area"), ("urban", "城镇建新地块面积", "urban new-construction area")):
                sheet.add("construction_area", zh, en, float(construction[kinds == kind].sum()), scope=kind)
        sheet.add(
            "surplus_quota",
            "节余指标",
            "surplus quota",
            float(demolition.sum() - construction.sum()),
        )
        if ctx.project.advance_quota_m2 is not None:
            sheet.add("advance_quota", "预支节余指标", "advanced surplus quota", float(ctx.project.advance_quota_m2))
        _farmland_figures(ctx, sheet)
        return sheet

    return ctx.cached("balance", build)


def balance_table(sheet: BalanceSheet) -> pd.DataFrame:
    """The ``balance`` output table: one row per figure in m², 公顷 and 亩 with its rule status.

    ``grade`` holds the area-weighted quality grade of the ``*_quality`` rows (their area
    columns give the graded cultivated area); it is empty for the other rows.
    """
    rows = [
        {
            "item": f.key,
            "scope": f.scope,
            "label_zh": f.label_zh,
            "label_en": f.label_en,
            "area_m2": round(f.m2, 4),
            "area_ha": round(float(to_hectare(f.m2)), 6),
            "area_mu": round(float(to_mu(f.m2)), 4),
            "grade": round(f.grade, 4) if np.isfinite(f.grade) else np.nan,
            "rule_id": f.rule_id,
            "status": f.status,
        }
        for f in sheet.figures
    ]
    return pd.DataFrame(rows, columns=["item", "scope", "label_zh", "label_en", "area_m2", "area_ha", "area_mu", "grade", "rule_id", "status"])
