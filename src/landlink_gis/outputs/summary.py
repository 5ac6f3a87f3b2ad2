"""The short text summary printed after a check (plots, findings by severity, the balance)."""

from __future__ import annotations

from ..engine.area import to_hectare, to_mu
from .display import (
    STATUS_LABELS_ZH,
    balance_notes,
    profile_label,
    project_title,
    scope_label,
    verdict_line,
)

__all__ = ["summary_text"]

_STATUS = {"zh": STATUS_LABELS_ZH, "en": {}}

_LABELS = {
    "zh": {
        "title": "项目区",
        "profile": "省级规则",
        "plots": "检查地块：拆旧 {d} 个，建新 {c} 个",
        "findings": "检查结果：错误 {error} 条，警告 {warning} 条，提示 {info} 条",
        "balance": "面积平衡",
        "by_rule": "按规则",
        "grade": "加权等别",
    },
    "en": {
        "title": "Project",
        "profile": "profile",
        "plots": "Plots checked: {d} demolition, {c} new construction",
        "findings": "Findings: {error} errors, {warning} warnings, {info} info",
        "balance": "Area balance",
        "by_rule": "By rule",
        "grade": "weighted grade",
    },
}


def summary_text(result, *, lang: str = "zh") -> str:
    """Plain-text summary of a check result, its verdict first.

    Parameters
    ----------
    result
        A :class:`~landlink_gis.run.result.CheckResult`.
    lang
        ``zh`` or ``en``.
    """
    t = _LABELS[lang]
    p = result.project
    lines = [
        verdict_line(result.run_info, result.counts()["error"], lang),
        f"{t['title']}: {project_title(p.name, p.code, lang)} — {t['profile']} "
        f"{profile_label(result.run_info.get('profile'), lang)}",
    ]
    nd = len(result.plots.get("demolition", []))
    nc = len(result.plots.get("construction", []))
    lines.append(t["plots"].format(d=nd, c=nc))
    lines.append(t["findings"].format(**result.counts()))
    index = result.finding_index  # rule and severity of each finding, without reading a spool
    if len(index):
        counts = index.groupby(["rule_id", "severity"]).size().reset_index(name="n")
        parts = [f"{r.rule_id}:{r.n}" for r in counts.itertuples() if r.severity != "info"]
        if parts:
            lines.append(f"{t['by_rule']}: " + ", ".join(parts))
    lines.append(f"{t['balance']}:")
    label = "label_zh" if lang == "zh" else "label_en"
    notes = balance_notes(result, lang)
    for row, note in zip(result.balance.itertuples(), notes, strict=True):
        scope = _scope(getattr(row, label), row.scope, lang)
        status = (
            f"  {row.rule_id} {_STATUS.get(lang, {}).get(row.status, row.status)}"
            if row.rule_id
            else ""
        )
        if note:  # the same reason as the report, workbook and GeoPackage give
            status += f"（{note}）" if lang == "zh" else f" ({note})"
        grade = getattr(row, "grade", None)
        if grade is not None and grade == grade:  # an area-weighted quality grade (NaN elsewhere)
            lines.append(
                f"  {getattr(row, label)}{scope}: {t['grade']} {grade:.2f} ({row.area_m2:,.2f} "
                f"m²){status}"
            )
            continue
        lines.append(
            f"  {getattr(row, label)}{scope}: {row.area_m2:,.2f} m² = "
            f"{float(to_hectare(row.area_m2)):.4f} 公顷 = {float(to_mu(row.area_m2)):.4f} "
            f"亩{status}"
        )
    return "\n".join(lines)


def _scope(label: str, scope, lang: str) -> str:
    """The scope after a balance line's label: none for the project or when the label already
    names it."""
    text = scope_label(scope, lang)
    if not text or str(label).startswith(text):
        return ""
    return f"（{text}）" if lang == "zh" else f" [{text}]"
