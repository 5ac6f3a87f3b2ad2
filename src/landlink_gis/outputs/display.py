"""How the outputs show codes to a reviewer: layers, profiles, yes/no, units, scopes and times.

The stored data keep their codes (``sichuan``, ``True``, ISO times in UTC, role names); the HTML
report, the workbook and the printed summary show them through these functions, so that under
``zh`` every word a reviewer reads is Chinese and every time is Beijing time (Asia/Shanghai).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..base.contract import VERDICTS
from ..base.profiles import PROFILE_LABELS
from ..base.roles import LAYER_LABELS, RASTER_LABELS
from ..figures.balance import KINDS

__all__ = [
    "CHINA_TZ",
    "LANDUSE_CHANGE_HEADERS",
    "balance_notes",
    "landuse_change_frame",
    "project_title",
    "fact_text",
    "input_text",
    "layer_label",
    "local_time",
    "profile_label",
    "run_info_rows",
    "scope_label",
    "unit_label",
    "verdict_line",
    "verdict_parts",
    "yes_no",
]

#: Beijing time. China has kept UTC+8 without daylight saving since 1991, so a fixed offset equals
#: Asia/Shanghai for every date a check can carry, without needing a time-zone database (Windows).
CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

#: statuses of balance figures and plots as a reviewer reads them (each output adds its word for
#: ``error``)
STATUS_LABELS_ZH: dict[str, str] = {
    "pass": "通过",
    "fail": "不通过",
    "warning": "警告",
    "not checked": "未检查",
}
_UNITS = {
    "zh": {
        "m2": "m²",
        "%": "%",
        "count": "个",
        "days": "天",
        "working_days": "工作日",
        "deg": "°",
        "grade": "等",
        "plots": "块",
        "ratio": "比值",
    },
    "en": {"m2": "m²", "working_days": "working days", "deg": "°"},
}
_YES_NO = {"zh": ("是", "否"), "en": ("yes", "no")}
_QUALITY_SCALES = {
    "zh": {
        "dengbie": "耕地质量等别（1–15，GB/T 28407）",
        "dengji": "耕地质量等级（1–10，GB/T 33469）",
    },
    "en": {
        "dengbie": "quality 等别 (1–15, GB/T 28407)",
        "dengji": "quality 等级 (1–10, GB/T 33469)",
    },
}
_AREA_METHODS = {
    "zh": {"ellipsoidal": "椭球面积（CGCS2000 椭球）", "planar": "平面面积（投影坐标）"},
    "en": {},
}
_LANGUAGES = {"zh": {"zh": "中文", "en": "英文"}, "en": {"zh": "Chinese", "en": "English"}}
_KIND_LABELS = {"zh": {k: zh for k, zh, _ in KINDS}, "en": {k: en for k, _, en in KINDS}}

#: Project facts and run information: key → (zh, en)
FACT_LABELS: dict[str, tuple[str, str]] = {
    "name": ("项目区名称", "Name"),
    "code": ("项目区编号", "Code"),
    "county": ("县（区）", "County"),
    "profile": ("省级规则", "Profile"),
    "kind": ("项目类型", "Kind"),
    "filing_code": ("备案编号", "Filing code"),
    "approved": ("批准日期", "Approved"),
    "accepted": ("验收日期", "Accepted"),
    "filed": ("报备日期", "Filed"),
    "traded": ("交易日期", "Traded"),
    "advanced": ("预支日期", "Quota advanced"),
    "quota_returned": ("指标归还日期", "Quota returned"),
    "poverty_county": ("贫困县", "Poverty county"),
    "deep_poverty_county": ("深度贫困县", "Deep-poverty county"),
    "advance_quota_m2": ("预支节余指标（m²）", "Advanced quota (m²)"),
    "turnover_quota_m2": ("周转指标（m²）", "Turnover quota (m²)"),
    "households": ("搬迁户数", "Households"),
    "funds_wan_yuan": ("投入资金（万元）", "Funds (10 000 yuan)"),
    "quality_scale": ("质量评价体系", "Quality scale"),
    "adjustment_reason": ("调整原因", "Adjustment reason"),
    "tiankan": ("田坎系数表（按坡度级别）", "field-ridge (田坎) coefficients:"),
}
_PROJECT_KINDS = {
    "zh": {"linkage": "增减挂钩项目区", "construction_only": "单独建新方案"},
    "en": {},
}
_RUN_INFO_LABELS: dict[str, tuple[str, str]] = {
    "verdict": ("结论代码", "Verdict code"),
    "verdict_text": ("结论", "Verdict"),
    "verdict_missing": ("未完成的报备所需检查", "Checks filing requires that did not run"),
    "tool": ("检查工具", "Tool"),
    "tool_version": ("工具版本", "Tool version"),
    "python": ("运行环境版本", "Python"),
    "project_file": ("项目文件", "Project file"),
    "project_toml": ("项目文件内容", "Project file contents"),
    "project_name": ("项目区名称", "Project name"),
    "project_code": ("项目区编号", "Project code"),
    "county": ("县（区）", "County"),
    "profile": ("省级规则", "Profile"),
    "language": ("报告语言", "Language"),
    "crs": ("项目坐标系", "CRS"),
    "area_method": ("面积计算方法", "Area method"),
    "rules": ("执行的规则", "Rules run"),
    "params": ("规则参数", "Rule parameters"),
    "started": ("检查开始时间", "Started"),
    "finished": ("检查结束时间", "Finished"),
    "repair": ("自动修复几何", "Geometry repair"),
    "facts": ("项目事实", "Project facts"),
}


#: the reason beside a balance figure that misses plots, and the word for an unnamed project
_NOTES = {
    "zh": {
        "partial": "仅供参考：不含面积无法计算的地块 {ids}",
        "not_checked": "未检查",
        "unnamed": "未填写",
    },
    "en": {
        "partial": "for reference only: without plot(s) {ids}, whose area could not be computed",
        "not_checked": "not checked",
        "unnamed": "not given",
    },
}


def _project_infos(result) -> pd.DataFrame:
    """``rule_id`` and ``message`` of the project-level ``info`` findings, in order, without
    reading a spooled check's findings back whole (piece by piece, only where the index has such
    rows)."""
    spool = getattr(result, "findings_spool", None)
    if spool is not None:
        index = spool.index
        wanted = (index["severity"] == "info") & (index["layer"].astype(str) == "project")
        pieces = spool.batches() if wanted.any() else []
    else:
        pieces = [result.findings]
    keep = [
        pd.DataFrame(f.loc[(f["severity"] == "info") & (f["layer"].astype(str) == "project")])[
            ["rule_id", "message"]
        ]
        for f in pieces
        if len(f)
    ]
    return (
        pd.concat(keep, ignore_index=True) if keep else pd.DataFrame(columns=["rule_id", "message"])
    )


def balance_notes(result, lang: str) -> list[str]:
    """The reason beside each row of ``result.balance``, the same in every output.

    A figure summed without plots whose area could not be computed keeps the sum of the other
    plots, marked 仅供参考 with those plots named; any other figure a rule did not check
    (status ``not checked``) carries the message of that rule's ``info`` finding (its "未检查…"
    one first: no ledger, a plot without area …); a checked figure has none (``""``).

    Parameters
    ----------
    result
        A :class:`~landlink_gis.run.result.CheckResult`.
    lang
        ``zh`` or ``en``.
    """
    words = _NOTES.get(lang, _NOTES["en"])
    info = _project_infos(result)
    messages: dict[str, str] = {}
    if len(info):
        said = info["message"].astype(str)
        first = said.str.contains("未检查|not checked", regex=True)  # the rule's own "not checked"
        for rule_id, message in zip(
            pd.concat([info["rule_id"][first], info["rule_id"][~first]]),
            pd.concat([said[first], said[~first]]),
            strict=True,
        ):
            messages.setdefault(str(rule_id), message)
    sep = "、" if lang == "zh" else ", "
    notes = []
    balance = result.balance
    unmeasured = (
        balance["unmeasured"].fillna("").astype(str)
        if "unmeasured" in balance.columns
        else [""] * len(balance)
    )
    for missing, status, rule_id in zip(
        unmeasured, balance["status"].astype(str), balance["rule_id"].astype(str), strict=True
    ):
        if missing.strip():
            ids = sep.join(x for x in missing.split(",") if x)
            notes.append(words["partial"].format(ids=ids))
        elif status == "not checked":
            notes.append(messages.get(rule_id, words["not_checked"]))
        else:
            notes.append("")
    return notes


#: column → (zh, en) header of the land-use structure table (BAL008), the same in the report and
#: the workbook
LANDUSE_CHANGE_HEADERS: dict[str, tuple[str, str]] = {
    "side": ("范围", "side"),
    "village": ("村", "village"),
    "land_class": ("地类编码", "class"),
    "class_name": ("地类名称", "name"),
    "before_m2": ("调整前 m²", "before m²"),
    "after_m2": ("调整后 m²", "after m²"),
    "change_m2": ("变化 m²", "change m²"),
    "before_ha": ("调整前 公顷", "before ha"),
    "after_ha": ("调整后 公顷", "after ha"),
    "change_ha": ("变化 公顷", "change ha"),
    "before_mu": ("调整前 亩", "before mu"),
    "after_mu": ("调整后 亩", "after mu"),
    "change_mu": ("变化 亩", "change mu"),
}
_LANDUSE_SIDES = {
    "demolition": ("拆旧区", "demolition"),
    "construction": ("建新区", "construction"),
    "total": ("项目区合计", "project total"),
}


def landuse_change_frame(table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The land-use structure table (BAL008) as the reviewer reads it: sides in words, a row for
    every village 全部 (``all``); the numbers unchanged."""
    zh = lang == "zh"
    out = table.copy()
    out["side"] = [_LANDUSE_SIDES.get(v, (v, v))[0 if zh else 1] for v in out["side"]]
    out["village"] = [v if v else ("全部" if zh else "all") for v in out["village"].fillna("")]
    return out


def project_title(name: Any, code: Any, lang: str) -> str:
    """A project's name and code for a heading: ``name (code)``, ``name``, ``code`` or 未填写 —
    never empty brackets."""
    name = "" if name is None else str(name).strip()
    code = "" if code is None else str(code).strip()
    if name and code:
        return f"{name}（{code}）" if lang == "zh" else f"{name} ({code})"
    return name or code or _NOTES.get(lang, _NOTES["en"])["unnamed"]


def layer_label(role: Any, lang: str) -> str:
    """A layer role as the reviewer reads it (``compensation`` → 占补平衡已用地; ``raster:dem`` →
    数字高程模型)."""
    role = "" if role is None else str(role)
    if role.startswith("raster:"):
        name = role.removeprefix("raster:")
        return RASTER_LABELS.get(lang, {}).get(name, name)
    return LAYER_LABELS.get(lang, {}).get(role, role)


def profile_label(name: Any, lang: str) -> str:
    """A profile name as the reviewer reads it (``sichuan`` → 四川省)."""
    name = "" if name is None else str(name)
    return PROFILE_LABELS.get(lang, {}).get(name, name)


def yes_no(value: Any, lang: str) -> str:
    """``True``/``False`` (or their text) as 是/否; empty when unknown."""
    if value is None or value == "":
        return ""
    text = str(value).strip().lower()
    yes, no = _YES_NO.get(lang, _YES_NO["en"])
    if text in ("true", "1", "yes", "y", "是"):
        return yes
    if text in ("false", "0", "no", "n", "否"):
        return no
    return str(value)


def unit_label(unit: Any, lang: str) -> str:
    """A findings unit code as printed (``m2`` → m², ``working_days`` → 工作日)."""
    unit = "" if unit is None else str(unit)
    return _UNITS.get(lang, {}).get(unit, unit)


def scope_label(scope: Any, lang: str) -> str:
    """A balance scope as printed: empty for the whole project, 安置/城镇建新 for a kind, else as
    is."""
    scope = "" if scope is None else str(scope)
    if scope in ("", "project"):
        return ""
    return _KIND_LABELS.get(lang, {}).get(scope, scope)


def local_time(value: Any, lang: str) -> str:
    """An ISO time (UTC when it has no zone) as Beijing time: ``2024-05-01
    14:03:22（北京时间）``."""
    if value is None or value == "":
        return ""
    try:
        when = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    text = when.astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")
    return f"{text}（北京时间）" if lang == "zh" else f"{text} (UTC+8, Beijing time)"


def fact_text(key: str, value: Any, lang: str) -> str:
    """A project fact as printed: yes/no, profile, scale and kind names; dates as YYYY-MM-DD."""
    if value is None or value == "":
        return ""
    if key in ("poverty_county", "deep_poverty_county") or isinstance(value, bool):
        return yes_no(value, lang)
    if key == "profile":
        return profile_label(value, lang)
    if key == "quality_scale":
        return _QUALITY_SCALES.get(lang, {}).get(str(value), str(value))
    if key == "kind":
        return _PROJECT_KINDS.get(lang, {}).get(str(value), str(value))
    if key == "tiankan" and isinstance(value, Mapping):
        zh = lang == "zh"
        plain = [
            f"{c}级 {k:g}" if zh else f"class {c} {k:g}"
            for c, k in value.items()
            if c != "terraced"
        ]
        terraced = [
            f"{c}级 {k:g}" if zh else f"class {c} {k:g}"
            for c, k in (value.get("terraced") or {}).items()
        ]
        text = "、".join(plain) if zh else ", ".join(plain)
        if terraced:
            text += (f"；梯田 {'、'.join(terraced)}") if zh else f"; terraced {', '.join(terraced)}"
        return text
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def input_text(meta: Mapping[str, Any], lang: str) -> str:
    """One input of ``run_info["inputs"]`` as a line: source, feature count, encoding, SHA-256."""
    zh = lang == "zh"
    parts = [str(meta.get("source") or "")]
    if meta.get("features") is not None:
        parts.append(f"要素 {meta['features']} 个" if zh else f"{meta['features']} features")
    if meta.get("encoding"):
        parts.append(f"编码 {meta['encoding']}" if zh else f"encoding {meta['encoding']}")
    if meta.get("outside_project_folder"):
        parts.append("位于项目文件夹之外" if zh else "outside the project folder")
    if meta.get("sha256"):
        parts.append(f"SHA-256 {meta['sha256']}")
    return ("；" if zh else "; ").join(p for p in parts if p)


def _facts_text(facts: Mapping[str, Any], lang: str) -> str:
    parts = []
    for key, value in facts.items():
        if key not in FACT_LABELS or value is None or value == "":
            continue
        label = FACT_LABELS[key][0 if lang == "zh" else 1]
        parts.append(f"{label} {fact_text(key, value, lang)}")
    return ("；" if lang == "zh" else "; ").join(parts)


def run_info_rows(run_info: Mapping[str, Any], lang: str) -> list[tuple[str, str, str]]:
    """``run_info`` as (label, value, key) rows for a reader: inputs one row each, times in
    Beijing time.

    The stored ``run_info`` (GeoPackage, JSON) keeps its codes and ISO UTC times; this is only how
    it is shown.
    """
    i = 0 if lang == "zh" else 1
    rows: list[tuple[str, str, str]] = []
    for key, value in run_info.items():
        label = _RUN_INFO_LABELS.get(key, (key, key))[i]
        if key == "inputs":
            for role, meta in (value or {}).items():
                head = "输入数据：" if lang == "zh" else "Input: "
                rows.append(
                    (
                        f"{head}{layer_label(role, lang)}",
                        input_text(meta or {}, lang),
                        f"input.{role}",
                    )
                )
            continue
        if key in ("started", "finished"):
            text = local_time(value, lang)
        elif key == "profile":
            text = profile_label(value, lang)
        elif key == "language":
            text = _LANGUAGES.get(lang, {}).get(str(value), str(value))
        elif key == "area_method":
            text = _AREA_METHODS.get(lang, {}).get(str(value), str(value))
        elif key == "repair":
            text = yes_no(value, lang)
        elif key == "rules":
            text = ", ".join(map(str, value or ()))
        elif key == "verdict_missing":
            text = ("；" if lang == "zh" else "; ").join(map(str, value or ())) or (
                "无" if lang == "zh" else "none"
            )
        elif key == "facts" and isinstance(value, Mapping):
            text = _facts_text(value, lang)
        elif key == "project_toml":  # kept whole in the GeoPackage's run_info table
            lines = len(str(value or "").splitlines())
            text = (
                f"{lines} 行，完整内容保存在 GeoPackage 的 run_info 表（project_toml）"
                if lang == "zh"
                else f"{lines} lines, kept whole in the GeoPackage's run_info table (project_toml)"
            )
        elif isinstance(value, str):
            text = value
        else:
            text = json.dumps(value, ensure_ascii=False, default=str)
        rows.append((label, text, key))
    return rows


def verdict_parts(
    run_info: Mapping[str, Any], errors: int, lang: str
) -> tuple[str, str, list[str]]:
    """``(code, words, missing)`` of a check's verdict (DOMAIN.md §4b) in ``lang``.

    The code and the list of what did not run come from ``run_info`` (``verdict``,
    ``verdict_missing``); a result written before verdicts existed is judged by its error count.
    """
    code = run_info.get("verdict")
    if code not in VERDICTS:
        code = "must_fix" if errors else "fileable"
    zh, en = VERDICTS[code]
    missing = run_info.get("verdict_missing") or []
    if isinstance(missing, str):
        try:
            missing = json.loads(missing)
        except ValueError:
            missing = [missing]
    return str(code), zh if lang == "zh" else en, [str(m) for m in missing]


def verdict_line(run_info: Mapping[str, Any], errors: int, lang: str) -> str:
    """The verdict as one line, the same in every output: the words, then why (the error count,
    or what did not run)."""
    code, words, missing = verdict_parts(run_info, errors, lang)
    if code == "must_fix":
        why = f"（错误 {errors} 条）" if lang == "zh" else f" ({errors} errors)"
    elif code == "incomplete":
        why = ("：" + "；".join(missing)) if lang == "zh" else (": " + "; ".join(missing))
    else:
        why = ""
    return (f"结论：{words}" if lang == "zh" else f"Verdict: {words}") + why
