"""The batch summary: one row per project as CSV (for Excel) and a small HTML index.

Under ``zh`` (the default) the headers, statuses and link names are Chinese; a value a project
does not have (a project that could not be checked has no name, counts or areas) is an empty
cell, never ``nan``. The summary table itself keeps its codes (:data:`SUMMARY_COLUMNS`,
``ok``/``errors``/``failed``) for programs.
"""

from __future__ import annotations

import html
import math
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..base.errors import OutputError
from ..io.atomic import atomic_path
from ..io.spreadsheet import safe_frame

__all__ = ["SUMMARY_COLUMNS", "SUMMARY_HEADERS", "status_label", "write_batch_summary"]

#: Columns of the batch summary, in order
SUMMARY_COLUMNS = [
    "project_file",
    "name",
    "code",
    "status",
    "exit_code",
    "errors",
    "warnings",
    "infos",
    "demolition_area_m2",
    "construction_area_m2",
    "quota_basis_m2",
    "newly_added_cultivated_m2",
    "surplus_quota_m2",
    "surplus_quota_mu",
    "gpkg",
    "report",
    "xlsx",
    "message",
]
#: Column → its header in the written files, per language
SUMMARY_HEADERS: dict[str, dict[str, str]] = {
    "zh": {
        "project_file": "项目文件",
        "name": "项目区名称",
        "code": "项目区编号",
        "status": "检查结论",
        "exit_code": "退出码",
        "errors": "错误",
        "warnings": "警告",
        "infos": "提示",
        "demolition_area_m2": "拆旧地块面积（m²）",
        "construction_area_m2": "建新地块面积（m²）",
        "quota_basis_m2": "拆旧地块农村建设用地面积（指标基数，m²）",
        "newly_added_cultivated_m2": "新增耕地面积（扣除田坎，m²）",
        "surplus_quota_m2": "节余指标（m²）",
        "surplus_quota_mu": "节余指标（亩）",
        "gpkg": "检查成果（.gpkg）",
        "report": "检查报告（.html）",
        "xlsx": "检查汇总表（.xlsx）",
        "message": "说明",
    },
    "en": {c: c for c in SUMMARY_COLUMNS},
}
#: a checked project's status is its verdict (ok 可以报备, errors 须整改, incomplete 检查不完整)
_STATUS = {
    "zh": {
        "ok": "可以报备",
        "errors": "须整改",
        "incomplete": "检查不完整，暂不能报备",
        "failed": "无法检查",
    },
    "en": {},
}
_TEXT = {
    "zh": {
        "title": "批量检查汇总",
        "totals": "共 {n} 个项目：可以报备 {ok} 个，须整改 {errors} 个，检查不完整 {incomplete} 个，"
        "无法检查 {failed} 个",
        "outputs": "检查成果",
        "gpkg": "数据包",
        "report": "报告",
        "xlsx": "汇总表",
        "areas": ("拆旧（m²）", "建新（m²）", "节余（m²）"),
    },
    "en": {
        "title": "Batch summary",
        "totals": "{n} projects: ok {ok}, errors {errors}, incomplete {incomplete}, failed {failed}",
        "outputs": "outputs",
        "gpkg": "gpkg",
        "report": "report",
        "xlsx": "xlsx",
        "areas": ("demolition m²", "construction m²", "surplus m²"),
    },
}


def _blank(value: Any) -> bool:
    if value is None or value is pd.NA:
        return True
    return isinstance(value, float) and math.isnan(value)


def status_label(status: str, lang: str) -> str:
    """A project's status (its verdict, or ``failed``) as a reader reads it in ``lang``."""
    return _STATUS.get(lang, {}).get(str(status), str(status))


def _text(value: Any) -> str:
    """A cell as text: empty for a missing value (never ``nan``/``None``)."""
    return "" if _blank(value) else str(value)


def _table(summary: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The summary as written: statuses in words, missing values empty, headers in ``lang``."""
    out = summary.astype(object).where(summary.notna(), None)
    out["status"] = [_STATUS.get(lang, {}).get(str(s), _text(s)) for s in summary["status"]]
    for col in ("exit_code", "errors", "warnings", "infos"):  # counts as whole numbers, not 3.0
        out[col] = pd.Series(
            [None if _blank(v) else int(v) for v in summary[col]], index=summary.index, dtype=object
        )
    return out.rename(columns=SUMMARY_HEADERS.get(lang, {}))


def _index_html(summary: pd.DataFrame, csv_name: str, lang: str) -> str:
    t = _TEXT[lang]
    status_words = _STATUS.get(lang, {})

    def link(path: Any, label: str) -> str:
        return (
            f"<a href='{html.escape(Path(path).name)}'>{label}</a>"
            if isinstance(path, str) and path
            else ""
        )

    def num(value: Any, digits: int = 2) -> str:
        return "" if _blank(value) else f"{float(value):,.{digits}f}"

    rows = []
    for r in summary.to_dict("records"):
        status = _text(r["status"])
        cells = [
            html.escape(_text(r["project_file"])),
            html.escape(_text(r["name"])),
            html.escape(_text(r["code"])),
            "<span "
            f"class='st-{html.escape(status)}'>{html.escape(status_words.get(status, status))}</span>",
            *(num(r[k], 0) for k in ("errors", "warnings", "infos")),
            *(
                num(r[k])
                for k in ("demolition_area_m2", "construction_area_m2", "surplus_quota_m2")
            ),
            " ".join(
                x
                for x in (
                    link(r["gpkg"], t["gpkg"]),
                    link(r["report"], t["report"]),
                    link(r["xlsx"], t["xlsx"]),
                )
                if x
            ),
            html.escape(_text(r["message"])),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    h = SUMMARY_HEADERS[lang]
    heads = (
        h["project_file"],
        h["name"],
        h["code"],
        h["status"],
        h["errors"],
        h["warnings"],
        h["infos"],
        *t["areas"],
        t["outputs"],
        h["message"],
    )
    head = "".join(f"<th>{html.escape(x)}</th>" for x in heads)
    n = summary["status"].value_counts()
    totals = t["totals"].format(
        n=len(summary),
        ok=int(n.get("ok", 0)),
        errors=int(n.get("errors", 0)),
        incomplete=int(n.get("incomplete", 0)),
        failed=int(n.get("failed", 0)),
    )
    return (
        f"<!DOCTYPE html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta "
        f"charset='utf-8'><title>{t['title']}</title>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src "
        "'unsafe-inline'\">"
        "<style>body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px}"  # noqa: E501
        ".st-ok{color:#2e7d32}.st-errors{color:#c62828;font-weight:bold}.st-incomplete{color:#8a6100}.st-failed{background:#555;color:#fff;padding:0 4px}</style></head>"  # noqa: E501
        f"<body><h1>{t['title']}</h1><p id='totals'>{totals} · <a "
        f"href='{html.escape(csv_name)}'>CSV</a></p>"
        f"<table id='batch'><tr>{head}</tr>{''.join(rows)}</table></body></html>"
    )


def write_batch_summary(
    summary: pd.DataFrame,
    folder: str | os.PathLike[str],
    *,
    stem: str = "batch_summary",
    lang: str = "zh",
    protected: set[Path] | None = None,
) -> tuple[Path, Path]:
    """Write ``summary`` as ``<stem>.csv`` (UTF-8 with BOM, for Excel) and ``<stem>.html`` in
    ``folder``.

    Links in the HTML index are relative, so they work when outputs sit in the same folder.

    Parameters
    ----------
    summary
        One row per project, the columns :data:`SUMMARY_COLUMNS` (from
        :func:`landlink_gis.batch.run_batch`).
    folder
        Where to write both files.
    stem
        File name without suffix.
    lang
        ``zh`` (Chinese headers and statuses) or ``en`` (the column codes).
    protected
        Files neither output may replace (the batch's inputs).
    """
    if lang not in _TEXT:
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = folder / f"{stem}.csv", folder / f"{stem}.html"
    try:
        with atomic_path(csv_path, protected=protected) as tmp:
            # project names and messages are text from the inputs: neutralise formula-like cells for
            # Excel
            safe_frame(_table(summary, lang)).to_csv(tmp, index=False, encoding="utf-8-sig")
        with atomic_path(html_path, protected=protected) as tmp:
            tmp.write_text(_index_html(summary, csv_path.name, lang), encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write the batch summary ({exc})") from exc
    return csv_path, html_path
