"""The short text summary printed after a check (plots, findings by severity, the balance)."""

from __future__ import annotations

from ..engine.area import to_hectare, to_mu
from .display import STATUS_LABELS_ZH, profile_label, scope_label

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
        "partial": "（不含面积无法计算的地块 {ids}，仅供参考）",
        "verdict_ok": "结论：未发现错误，可以报备",
        "verdict_bad": "结论：存在错误，须整改后报备",
    },
    "en": {
        "title": "Project",
        "profile": "profile",
        "plots": "Plots checked: {d} demolition, {c} new construction",
        "findings": "Findings: {error} errors, {warning} warnings, {info} info",
        "balance": "Area balance",
        "by_rule": "By rule",
        "grade": "weighted grade",
        "partial": " (without plot(s) {ids}, whose area could not be computed: for reference only)",
        "verdict_ok": "Verdict: no errors; ready for filing",
        "verdict_bad": "Verdict: errors found; fix them before filing",
    },
}


def summary_text(result, *, lang: str = "zh") -> str:
    """Plain-text summary of a check result.

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
        f"{t['title']}: {p.name} ({p.code}) — {t['profile']} "
        f"{profile_label(result.run_info.get('profile'), lang)}"
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
    for row in result.balance.itertuples():
        scope = _scope(getattr(row, label), row.scope, lang)
        status = (
            f"  {row.rule_id} {_STATUS.get(lang, {}).get(row.status, row.status)}"
            if row.rule_id
            else ""
        )
        missing = str(getattr(row, "unmeasured", "") or "").strip()
        if missing:  # a sum without the plots whose area is unknown: never presented as the figure
            status = t["partial"].format(ids=missing) + status
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
    lines.append(t["verdict_bad"] if result.has_errors else t["verdict_ok"])
    return "\n".join(lines)


def _scope(label: str, scope, lang: str) -> str:
    """The scope after a balance line's label: none for the project or when the label already
    names it."""
    text = scope_label(scope, lang)
    if not text or str(label).startswith(text):
        return ""
    return f"（{text}）" if lang == "zh" else f" [{text}]"
