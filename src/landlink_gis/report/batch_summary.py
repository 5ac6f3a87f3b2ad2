"""The batch summary: one row per project as CSV (for Excel) and a small HTML index."""

from __future__ import annotations

import html
import os
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import OutputError
from ..io.atomic import atomic_path

__all__ = ["SUMMARY_COLUMNS", "write_batch_summary"]

#: Columns of the batch summary, in order
SUMMARY_COLUMNS = [
    "project_file", "name", "code", "status", "exit_code", "errors", "warnings", "infos",
    "demolition_area_m2", "construction_area_m2", "surplus_quota_m2", "surplus_quota_mu",
    "gpkg", "report", "xlsx", "message",
]


def _index_html(summary: pd.DataFrame, csv_name: str) -> str:
    def link(path: Any, label: str) -> str:
        return f"<a href='{html.escape(Path(path).name)}'>{label}</a>" if isinstance(path, str) and path else ""

    rows = []
    for r in summary.to_dict("records"):
        num = lambda v, d=2: "" if v is None or pd.isna(v) else f"{float(v):,.{d}f}"  # noqa: E731
        cells = [
            html.escape(str(r["project_file"])), html.escape(str(r["name"] or "")), html.escape(str(r["code"] or "")),
            f"<span class='st-{r['status']}'>{r['status']}</span>",
            *(num(r[k], 0) for k in ("errors", "warnings", "infos")),
            *(num(r[k]) for k in ("demolition_area_m2", "construction_area_m2", "surplus_quota_m2")),
            " ".join(x for x in (link(r["gpkg"], "gpkg"), link(r["report"], "report"), link(r["xlsx"], "xlsx")) if x),
            html.escape(str(r["message"] or "")),
        ]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{h}</th>" for h in ("项目文件 project", "名称 name", "编号 code", "状态 status", "错误", "警告", "提示",
                                             "拆旧 m²", "建新 m²", "节余 m²", "输出 outputs", "说明 message"))
    n = summary["status"].value_counts()
    return (
        "<!DOCTYPE html><html lang='zh-CN'><head><meta charset='utf-8'><title>landlink batch</title>"
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        "<style>body{font-family:sans-serif;margin:20px}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 6px}"
        ".st-ok{color:#2e7d32}.st-errors{color:#c62828;font-weight:bold}.st-failed{background:#555;color:#fff;padding:0 4px}</style></head>"
        f"<body><h1>批量检查汇总 Batch summary</h1><p id='totals'>{len(summary)} projects: ok {int(n.get('ok', 0))}, "
        f"errors {int(n.get('errors', 0))}, failed {int(n.get('failed', 0))} · <a href='{html.escape(csv_name)}'>CSV</a></p>"
        f"<table id='batch'><tr>{head}</tr>{''.join(rows)}</table></body></html>"
    )


def write_batch_summary(summary: pd.DataFrame, folder: str | os.PathLike[str], *, stem: str = "batch_summary") -> tuple[Path, Path]:
    """Write ``summary`` as ``<stem>.csv`` (UTF-8 with BOM, for Excel) and ``<stem>.html`` in ``folder``.

    Links in the HTML index are relative, so they work when outputs sit in the same folder.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    csv_path, html_path = folder / f"{stem}.csv", folder / f"{stem}.html"
    try:
        with atomic_path(csv_path) as tmp:
            summary.to_csv(tmp, index=False, encoding="utf-8-sig")
        with atomic_path(html_path) as tmp:
            tmp.write_text(_index_html(summary, csv_path.name), encoding="utf-8")
    except OSError as exc:
        raise OutputError(f"{folder}: cannot write the batch summary ({exc})") from exc
    return csv_path, html_path
