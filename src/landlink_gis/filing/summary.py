"""The project summary table of a filing package (项目汇总表): the facts the online filing form
asks.

One row per project with Chinese headers, as a csv (UTF-8 with BOM, so Excel opens it) and an
xlsx. The figures follow the online filing contents of 国土资厅函〔2014〕134号 (seed 004 §二(一)):
project scale, location and approval; demolition and reclamation area, new-construction area,
resettled households and funds. Areas are the ellipsoidal areas of the checked plots, in m², 公顷
and 亩. Missing required facts become package findings (listed in the 备注 column too).

Project facts read from ``run_info["facts"]`` (all with ``.get``; any may be missing):
``filing_code``,
``approved``, ``accepted``, ``kind``, ``households``, ``funds_wan_yuan``, ``turnover_quota_m2``,
``approved_scale_m2``, ``quota_basis_m2``, ``newly_added_cultivated_m2``, ``layer_fields``; from
``run_info``: ``project_code``,
``project_name``, ``county``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..base.amounts import round_m2
from ..base.fields import DEFAULT_FIELD_NAMES
from ..base.workdays import add_working_days
from ..engine.area import SQM_PER_HECTARE, SQM_PER_MU
from ..io.spreadsheet import safe_cell
from ..ledger.checked import CheckedProject

logger = logging.getLogger(__name__)

__all__ = [
    "PackageFinding",
    "REQUIRED_FACTS",
    "required_fact_findings",
    "summary_row",
    "write_summary",
]

#: Facts the filing form cannot do without: key → (Chinese label, needed for construction-only plans
#: too).
REQUIRED_FACTS: dict[str, tuple[str, bool]] = {
    "filing_code": ("备案编号", True),
    "project_code": ("项目区编号", True),
    "project_name": ("项目区名称", True),
    "county": ("所在县（市、区）", True),
    "approved": ("批准日期", True),
    "households": ("搬迁安置户数", False),
    "funds_wan_yuan": ("投入资金（万元）", True),
}


@dataclass(frozen=True)
class PackageFinding:
    """A problem of the package (not of the plots): a code, ``error``/``warning``/``info``, a
    message."""

    code: str
    severity: str
    message: str

    def as_dict(self) -> dict[str, str]:
        """The finding as a JSON-ready dict."""
        return {"code": self.code, "severity": self.severity, "message": self.message}


def _value(project: CheckedProject, key: str) -> Any:
    if key in ("project_code", "project_name", "county"):
        return {
            "project_code": project.code,
            "project_name": project.name,
            "county": project.county,
        }[key]
    return project.facts.get(key)


def _blank(value: Any) -> bool:
    return (
        value is None
        or (isinstance(value, str) and not value.strip())
        or (isinstance(value, float) and np.isnan(value))
    )


def required_fact_findings(project: CheckedProject) -> list[PackageFinding]:
    """One ``error`` finding per required fact the checked project lacks (``[project]`` key
    named)."""
    construction_only = project.facts.get("kind") == "construction_only"
    out = []
    for key, (label, always) in REQUIRED_FACTS.items():
        if not always and construction_only:
            continue
        if _blank(_value(project, key)):
            toml = {"project_code": "code", "project_name": "name"}.get(key, key)
            out.append(
                PackageFinding(
                    "PKG_FACT",
                    "error",
                    f"缺少{label}：在项目 TOML 的 [project] 中填写 {toml}，重新运行 landlink check",
                )
            )
    return out


def _attr(attributes: pd.Series, names: tuple[str, ...]) -> np.ndarray:
    """Values of the first of ``names`` present in each plot's attribute JSON (case-insensitive)."""
    wanted = [n.lower() for n in names]
    out = []
    for text in attributes:
        record = {
            str(k).lower(): v
            for k, v in (json.loads(text) if isinstance(text, str) else {}).items()
        }
        out.append(next((record[n] for n in wanted if record.get(n) not in (None, "")), None))
    return np.asarray(out, dtype=object)


def _areas(label: str, m2: float | None) -> dict[str, Any]:
    if m2 is None:
        return {f"{label}（平方米）": None, f"{label}（公顷）": None, f"{label}（亩）": None}
    return {
        f"{label}（平方米）": round_m2(m2),
        f"{label}（公顷）": round(m2 / SQM_PER_HECTARE, 4),
        f"{label}（亩）": round(m2 / SQM_PER_MU, 4),
    }


def summary_row(
    project: CheckedProject,
    findings: list[PackageFinding],
    *,
    approved_scale_m2: float | None = None,
) -> dict[str, Any]:
    """The summary table's one row (ordered Chinese headers → values)."""
    plots = project.plots
    demo = plots[plots["layer"] == "demolition"]
    cons = plots[plots["layer"] == "construction"]
    fields = (project.facts.get("layer_fields") or {}).get("demolition") or {}
    reclaim_names = (
        (fields.get("reclaim_class"),) if fields.get("reclaim_class") else ()
    ) + DEFAULT_FIELD_NAMES["reclaim_class"]
    reclaim = (
        _attr(demo["attributes"], reclaim_names) if len(demo) else np.asarray([], dtype=object)
    )
    has_reclaim = np.asarray([v is not None and str(v).strip() != "" for v in reclaim], dtype=bool)
    to_farmland = np.asarray([str(v).strip().startswith("01") for v in reclaim], dtype=bool)
    area = demo["area_m2"].to_numpy(dtype=float)
    basis = project.facts.get("quota_basis_m2")
    construction = _figure(project, "construction_area", project.construction_m2)
    surplus = (
        _figure(project, "surplus_quota", float(basis) - construction)
        if isinstance(basis, (int, float))
        else None
    )
    accepted = project.date("accepted")
    deadline = add_working_days(accepted, 10)[0] if accepted else None
    row: dict[str, Any] = {
        "备案编号": project.facts.get("filing_code"),
        "项目区编号": project.code,
        "项目区名称": project.name,
        "所在县（市、区）": project.county,
        "项目类型": {"construction_only": "单独建新", "linkage": "增减挂钩"}.get(
            str(project.facts.get("kind") or "linkage"), project.facts.get("kind")
        ),
        "报备类型": "验收报备" if project.stage == "acceptance" else "方案报备",
        "批准日期": project.facts.get("approved"),
        "验收日期": project.facts.get("accepted"),
        "验收后报备截止日期（10个工作日）": deadline.isoformat()
        if isinstance(deadline, dt.date)
        else None,
        "拆旧地块数": len(demo),
        **_areas("拆旧面积", _figure(project, "demolition_area", project.demolition_m2)),
        **_areas("复垦面积", float(area[has_reclaim].sum())),
        **_areas("其中复垦为耕地（地块面积，未扣除田坎）", float(area[to_farmland].sum())),
        # the check's own figures, with the labels of its balance table
        **_areas("拆旧地块农村建设用地面积（指标基数）", _float(basis)),
        **_areas(
            "新增耕地面积（扣除田坎）", _float(project.facts.get("newly_added_cultivated_m2"))
        ),
        "建新地块数": len(cons),
        **_areas("建新面积", construction),
        **_areas("其中安置", float(cons.loc[cons["kind"] == "resettlement", "area_m2"].sum())),
        **_areas("其中城镇建新", float(cons.loc[cons["kind"] == "urban", "area_m2"].sum())),
        **_areas("节余指标", surplus),
        **_areas("周转指标", _float(project.facts.get("turnover_quota_m2"))),
        **_areas("批准规模", approved_scale_m2),
        **(_acceptance(project) if project.stage == "acceptance" else {}),
        "搬迁安置户数": project.facts.get("households"),
        "投入资金（万元）": project.facts.get("funds_wan_yuan"),
        "检查错误数": project.errors,
        "检查警告数": project.warnings,
        "备注": "；".join(f.message for f in findings if f.severity != "info") or None,
    }
    return row


def _figure(project: CheckedProject, item: str, fallback: float) -> float:
    """The check's own balance figure ``item`` (as the check printed it), else ``fallback``."""
    value = project.figure(item)
    return value if value is not None else fallback


def _acceptance(project: CheckedProject) -> dict[str, Any]:
    """The acceptance filing's columns (ACC005's rows of the check's balance table)."""
    plots = project.plots
    demo = plots[plots["layer"] == "demolition"]
    f = project.findings
    failing = (
        set(f.loc[f["rule_id"].isin(["ACC001", "ACC004"]), "plot_id"].astype(str))
        if len(f)
        else set()
    )
    grade = project.grade("accepted_quality")
    return {
        "验收通过拆旧地块数": int((~demo["plot_id"].astype(str).isin(failing)).sum()),
        **_areas("验收指标基数", project.figure("accepted_basis")),
        **_areas("验收产生节余指标", project.figure("surplus_generated")),
        **_areas("验收归还周转指标", project.figure("turnover_returned")),
        **_areas("验收新增耕地（扣除实测田坎）", project.figure("accepted_newly_added_cultivated")),
        **_areas("验收新增水田（扣除实测田坎）", project.figure("accepted_newly_added_paddy")),
        "验收新增耕地质量等别": None if grade is None else round(grade, 2),
    }


def _float(value: Any) -> float | None:
    try:
        return None if _blank(value) else float(value)
    except (TypeError, ValueError):
        return None


def write_summary(row: dict[str, Any], folder: Path, stem: str = "summary") -> list[Path]:
    """Write the summary as ``stem.csv`` (UTF-8 with BOM) and ``stem.xlsx`` into ``folder``.

    Text cells that a spreadsheet would read as a formula get a leading apostrophe in both files
    (:func:`~landlink_gis.io.spreadsheet.safe_cell`).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    cells = {k: safe_cell(v) for k, v in row.items()}
    csv_path, xlsx_path = folder / f"{stem}.csv", folder / f"{stem}.xlsx"
    pd.DataFrame([cells]).to_csv(csv_path, index=False, encoding="utf-8-sig")
    wb = Workbook()
    ws = wb.active
    ws.title = "项目汇总表"
    ws.append(list(cells))
    ws.append([None if _blank(v) else v for v in cells.values()])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    for cell in ws[2]:
        if isinstance(cell.value, str):
            cell.data_type = "s"
    for col in ws.columns:
        ws.column_dimensions[col[0].column_letter].width = 16
    ws.freeze_panes = "A2"
    wb.save(xlsx_path)
    return [csv_path, xlsx_path]
