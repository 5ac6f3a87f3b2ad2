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

__all__ = ["BalanceFigure", "BalanceSheet", "compute_balance", "balance_table"]


@dataclass
class BalanceFigure:
    """One balance figure: its key, Chinese and English labels, scope and value in m²."""

    key: str
    label_zh: str
    label_en: str
    m2: float
    scope: str = "project"
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


def compute_balance(ctx) -> BalanceSheet:
    """The project's balance sheet (cached on the context)."""

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
        return sheet

    return ctx.cached("balance", build)


def balance_table(sheet: BalanceSheet) -> pd.DataFrame:
    """The ``balance`` output table: one row per figure in m², 公顷 and 亩 with its rule status."""
    rows = [
        {
            "item": f.key,
            "scope": f.scope,
            "label_zh": f.label_zh,
            "label_en": f.label_en,
            "area_m2": round(f.m2, 4),
            "area_ha": round(float(to_hectare(f.m2)), 6),
            "area_mu": round(float(to_mu(f.m2)), 4),
            "rule_id": f.rule_id,
            "status": f.status,
        }
        for f in sheet.figures
    ]
    return pd.DataFrame(rows, columns=["item", "scope", "label_zh", "label_en", "area_m2", "area_ha", "area_mu", "rule_id", "status"])
