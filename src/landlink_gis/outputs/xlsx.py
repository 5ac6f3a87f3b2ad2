"""The Excel summary of a check: sheets 面积平衡, 检查问题, 地块 and 运行信息 (``balance``,
``findings``, ``plots``, ``run_info`` in English).

Headers are Chinese (with the English term in brackets where it helps), areas carry number
formats for m² (two decimals), 公顷 (four) and 亩 (four), and status cells are coloured like the
QGIS styles of the GeoPackage. Under ``zh`` layer, unit and kind names are Chinese and times are
Beijing time (:mod:`.display`); an area that could not be computed is an empty cell, never 0. Every
sheet prints on A4 landscape, one page wide, with the header row repeated on every page, long
texts wrapped, each row as high as its longest wrapped text (CJK characters counted double
width, :func:`wrapped_lines`) and the header frozen. The workbook reads only the
:class:`~landlink_gis.run.result.CheckResult`
and is written atomically; passwords in connection strings never reach it.
"""

from __future__ import annotations

import logging
import math
import unicodedata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from ..base.contract import LANDUSE_CHANGE_LAYER
from ..base.errors import OutputError
from ..engine.area import to_hectare, to_mu
from ..io.atomic import atomic_path
from ..io.spreadsheet import safe_cell
from .display import (
    LANDUSE_CHANGE_HEADERS,
    STATUS_LABELS_ZH,
    balance_notes,
    landuse_change_frame,
    layer_label,
    project_title,
    run_info_rows,
    scope_label,
    unit_label,
    verdict_line,
    verdict_parts,
)
from .gpkg import redact_obj

logger = logging.getLogger(__name__)

__all__ = [
    "FORMAT_HA",
    "FORMAT_M2",
    "FORMAT_MU",
    "plots_table",
    "text_width",
    "wrapped_lines",
    "write_xlsx",
]

#: Number formats of the area columns
FORMAT_M2 = '#,##0.00" m²"'
FORMAT_HA = '#,##0.0000" 公顷"'
FORMAT_MU = '#,##0.0000" 亩"'
_FORMAT_GRADE = "0.00"
_FILLS = {
    "error": "F8CBCB",
    "fail": "F8CBCB",
    "warning": "FFE0B2",
    "pass": "D5EDD0",
    "info": "D6E6F4",
}
_SEVERITY_ZH = {"error": "错误", "warning": "警告", "info": "提示"}
_STATUS_ZH = {**STATUS_LABELS_ZH, "error": "错误", "": ""}
#: sheet key → its name (zh, en)
SHEET_NAMES: dict[str, tuple[str, str]] = {
    "balance": ("面积平衡", "balance"),
    "findings": ("检查问题", "findings"),
    "plots": ("地块", "plots"),
    "landuse_change": ("土地利用结构调整表", "landuse_change"),
    "run_info": ("运行信息", "run_info"),
}
#: columns whose text is wrapped in the cell (and their width in characters)
_WRAP_WIDTHS = {
    "message": 50,
    "reference": 40,
    "value": 70,
    "label": 28,
    "label_zh": 36,
    "rule_ids": 24,
    "other_id": 16,
    "note": 40,
}

#: points per printed line of 11-point text (LibreOffice and Excel use about 14.3–15)
_LINE_PT = 15.0
#: the widest a column gets (characters) before its texts wrap
_MAX_WIDTH = 60.0
#: the highest row Excel accepts (points)
_MAX_ROW_PT = 409.0

# (source column, header, number format or None)
_BALANCE_COLUMNS = [
    ("label_zh", "项目 (item)", None),
    ("scope", "范围 (scope)", None),
    ("area_m2", "面积（平方米 m²）", FORMAT_M2),
    ("area_ha", "面积（公顷）", FORMAT_HA),
    ("area_mu", "面积（亩）", FORMAT_MU),
    ("grade", "加权质量等别/等级", _FORMAT_GRADE),
    ("rule_id", "规则 (rule)", None),
    ("status_zh", "结论 (status)", None),
    ("note", "说明 (note)", None),
    ("item", "代码 (key)", None),
]
_LANDUSE_CHANGE_FORMATS = {"m2": FORMAT_M2, "ha": FORMAT_HA, "mu": FORMAT_MU}


def _landuse_change_columns(lang: str) -> list[tuple[str, str, str | None]]:
    """The land-use structure sheet's columns: the report's headers (:mod:`.display`)."""
    return [
        (key, words[0 if lang == "zh" else 1], _LANDUSE_CHANGE_FORMATS.get(key.rsplit("_", 1)[-1]))
        for key, words in LANDUSE_CHANGE_HEADERS.items()
    ]


_FINDING_COLUMNS = [
    ("finding_id", "编号 (finding_id)", None),
    ("rule_id", "规则 (rule_id)", None),
    ("severity_zh", "严重程度 (severity)", None),
    ("layer_zh", "图层 (layer)", None),
    ("plot_id", "地块编号 (plot_id)", None),
    ("other_layer_zh", "相关图层 (other_layer)", None),
    ("other_id", "相关要素 (other_id)", None),
    ("measured", "实测值 (measured)", "#,##0.00"),
    ("threshold", "限值 (threshold)", "#,##0.00"),
    ("unit_zh", "单位 (unit)", None),
    ("message", "说明 (message)", None),
    ("reference", "依据 (reference)", None),
]
_PLOT_COLUMNS = [
    ("layer_zh", "图层 (layer)", None),
    ("plot_id", "地块编号 (plot_id)", None),
    ("land_class", "地类编码 (DLBM)", None),
    ("kind_zh", "建新类型 (kind)", None),
    ("area_declared", "申报面积（平方米）", FORMAT_M2),
    ("area_m2", "椭球面积（平方米 m²）", FORMAT_M2),
    ("area_ha", "椭球面积（公顷）", FORMAT_HA),
    ("area_mu", "椭球面积（亩）", FORMAT_MU),
    ("area_planar_m2", "平面面积（平方米 m²）", FORMAT_M2),
    ("status_zh", "检查结论 (ll_status)", None),
    ("rule_ids", "问题规则 (ll_rule_ids)", None),
]


def plots_table(result, lang: str = "zh") -> pd.DataFrame:
    """One row per checked plot of both plot layers: id, class, kind, areas, status and rule IDs.

    The area of a plot without a usable geometry could not be computed: it is NaN (an empty
    cell), never 0.

    Parameters
    ----------
    result
        A :class:`~landlink_gis.run.result.CheckResult`.
    """
    frames = []
    for role, plots in result.plots.items():
        norm = result.plot_attributes.get(role)
        n = len(plots)

        def canon(name: str, default: Any, norm=norm, n=n) -> np.ndarray:
            if norm is not None and name in norm.columns:
                return norm[name].to_numpy()
            return np.full(n, default, dtype=object)

        geoms = np.asarray(plots.geometry.array, dtype=object)
        unknown = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        area = np.where(unknown, np.nan, plots["ll_area_m2"].to_numpy(dtype=float))
        planar = np.where(unknown, np.nan, plots["ll_area_planar_m2"].to_numpy(dtype=float))
        frames.append(
            pd.DataFrame(
                {
                    "layer": role,
                    "layer_zh": layer_label(role, lang),
                    "plot_id": canon("plot_id", ""),
                    "land_class": canon("land_class", ""),
                    "kind": canon("kind", ""),
                    "area_declared": pd.to_numeric(
                        pd.Series(canon("area_declared", np.nan)), errors="coerce"
                    ).to_numpy(),
                    "area_m2": area,
                    "area_ha": to_hectare(area),
                    "area_mu": to_mu(area),
                    "area_planar_m2": planar,
                    "status": plots["ll_status"].to_numpy(),
                    "rule_ids": plots["ll_rule_ids"].to_numpy(),
                }
            )
        )
    if not frames:
        return pd.DataFrame(
            columns=[
                "layer",
                "layer_zh",
                "plot_id",
                "land_class",
                "kind",
                "area_declared",
                "area_m2",
                "area_ha",
                "area_mu",
                "area_planar_m2",
                "status",
                "rule_ids",
            ]
        )
    return pd.concat(frames, ignore_index=True)


def _cell_value(value: Any) -> Any:
    """A value as an openpyxl cell: NaN/NA empty, numpy scalars plain, formula-like text
    neutralised."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (float, np.floating)):
        return None if not np.isfinite(value) else float(value)
    if isinstance(value, np.integer):
        return int(value)
    return safe_cell(value)


def _fill_sheet(
    ws,
    frame: pd.DataFrame,
    columns: list[tuple[str, str, str | None]],
    *,
    status_column: str | None = None,
) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    present = [c for c in columns if c[0] in frame.columns]
    ws._landlink_columns = [
        c for c, _, _ in present
    ]  # which column holds what, for the print set-up
    ws.append([header for _, header, _ in present])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="E7E6E6")
        cell.alignment = Alignment(wrap_text=True, vertical="center")
    data = frame[[c for c, _, _ in present]]
    formula_like = []
    for i, row in enumerate(data.itertuples(index=False, name=None), start=2):
        values = [_cell_value(v) for v in row]
        ws.append(values)
        formula_like += [
            (i, j)
            for j, v in enumerate(values, start=1)
            if isinstance(v, str) and v.startswith("=")
        ]
    for i, j in formula_like:  # text such as "=3" stays text, never a formula
        ws.cell(row=i, column=j).data_type = "s"
    status_idx = next((i for i, (c, _, _) in enumerate(present) if c == status_column), None)
    for j, (col, header, fmt) in enumerate(present, start=1):
        letter = get_column_letter(j)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.number_format = fmt
        values = [_shown(v, fmt) for v in data[col].head(200)]
        width = max([text_width(header) / 2] + [text_width(v) for v in values])
        ws.column_dimensions[letter].width = min(_MAX_WIDTH, max(10.0, width + 2))
    if status_idx is not None and status_column is not None:
        raw = (
            frame[status_column.removesuffix("_zh")]
            if status_column.removesuffix("_zh") in frame.columns
            else frame[status_column]
        )
        for i, key in enumerate(raw, start=2):
            color = _FILLS.get(str(key))
            if color:
                ws.cell(row=i, column=status_idx + 1).fill = PatternFill("solid", fgColor=color)
    ws.freeze_panes = "A2"
    if ws.max_row > 1:
        ws.auto_filter.ref = ws.dimensions


def text_width(text: Any) -> float:
    """Printed width of ``text`` in character widths of the default font: a CJK (wide or
    full-width) character counts 2, any other 1; the widest of its hard lines.

    Parameters
    ----------
    text
        A cell value (``None`` is empty).
    """
    if text is None:
        return 0.0
    return max(
        (
            sum(2.0 if unicodedata.east_asian_width(ch) in "WF" else 1.0 for ch in line)
            for line in str(text).split("\n")
        ),
        default=0.0,
    )


def wrapped_lines(text: Any, width: float) -> int:
    """How many printed lines ``text`` takes in a wrapped cell ``width`` characters wide.

    Each hard line takes its width over the usable width (a character less than the column for
    the cell padding), rounded up; a line breaks at a space or between CJK characters, so a tenth
    more is allowed for the space left at line ends.
    """
    if text is None or str(text) == "":
        return 1
    usable = max(width - 1.0, 1.0)
    return sum(
        max(1, math.ceil(text_width(line) * (1.1 if " " in line else 1.0) / usable))
        for line in str(text).split("\n")
    )


def _shown(value: Any, fmt: str | None) -> str:
    """A value as its cell shows it: numbers with thousands separators and the format's unit."""
    if fmt and isinstance(value, (int, float, np.integer, np.floating)) and np.isfinite(value):
        digits = len(fmt.split(".")[1].split('"')[0]) if "." in fmt else 0
        unit = fmt.split('"')[1] if '"' in fmt else ""
        return f"{float(value):,.{digits}f}{unit}"
    return "" if value is None or value is pd.NA else str(value)


def _fit_rows(ws) -> None:
    """Wrap every cell's text at the top of the cell and give each row the height its longest
    wrapped text needs, so that a printed row never runs into the next (LibreOffice and WPS print
    the stored height; Excel only recomputes it on edit)."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter

    widths = [
        ws.column_dimensions[get_column_letter(j)].width or 10.0
        for j in range(1, ws.max_column + 1)
    ]
    for i, row in enumerate(ws.iter_rows(), start=1):
        lines = 1
        for cell, width in zip(row, widths, strict=False):
            if isinstance(cell.value, str):
                lines = max(lines, wrapped_lines(cell.value, width))
            if i > 1:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[i].height = min(lines * _LINE_PT + 3, _MAX_ROW_PT)


def _print_setup(ws, header: str) -> None:
    """A4 landscape, one page wide (as many pages down as needed), header row on every page,
    wrapped long texts."""
    from openpyxl.styles import Alignment
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_options.gridLines = True
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.6, bottom=0.6, header=0.3, footer=0.3)
    ws.oddHeader.center.text = header
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    if ws.freeze_panes is None:
        ws.freeze_panes = "A2"
    for j, key in enumerate(getattr(ws, "_landlink_columns", []), start=1):
        width = _WRAP_WIDTHS.get(key)
        if width is None:
            continue
        ws.column_dimensions[get_column_letter(j)].width = width
        for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _sheet(wb, key: str, lang: str, *, first: bool = False):
    name = SHEET_NAMES[key][0 if lang == "zh" else 1]
    if first:
        wb.active.title = name
        return wb.active
    return wb.create_sheet(name)


def write_xlsx(result, path: str | Path, *, lang: str | None = None) -> Path:
    """Write the Excel summary of ``result`` to ``path`` (``.xlsx``), atomically.

    Parameters
    ----------
    result
        A :class:`~landlink_gis.run.result.CheckResult`.
    path
        The workbook to write; must not be one of the inputs.
    lang
        ``zh`` or ``en`` (default: the run's language): sheet names, layer and unit names, times.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    OutputError
        The path is not ``.xlsx``, is an input, or cannot be written.
    """
    from openpyxl import Workbook

    path = Path(path)
    if path.suffix.lower() != ".xlsx":
        raise OutputError(f"{path}: the Excel summary must be an .xlsx file")
    lang = lang or result.run_info.get("language") or getattr(result, "lang", "zh")
    wb = Workbook()
    balance = result.balance.copy()
    balance["status_zh"] = [_STATUS_ZH.get(str(s), str(s)) for s in balance["status"]]
    balance["scope"] = [scope_label(s, lang) for s in balance["scope"]]
    # a figure not checked or missing plots: the same reason as the report, summary and GeoPackage
    balance["note"] = balance_notes(result, lang)
    _fill_sheet(
        _sheet(wb, "balance", lang, first=True),
        balance,
        _BALANCE_COLUMNS,
        status_column="status_zh",
    )

    findings = pd.DataFrame(result.findings.drop(columns="geometry"))
    findings["severity_zh"] = [_SEVERITY_ZH.get(s, s) for s in findings["severity"]]
    findings["layer_zh"] = [layer_label(v, lang) for v in findings["layer"]]
    findings["other_layer_zh"] = [
        layer_label(v, lang) if v else "" for v in findings["other_layer"]
    ]
    findings["unit_zh"] = [unit_label(v, lang) for v in findings["unit"]]
    order = findings["severity"].map({"error": 0, "warning": 1, "info": 2}).fillna(3)
    findings = findings.assign(_order=order).sort_values(
        ["_order", "rule_id", "plot_id"], kind="stable"
    )
    for col in ("message", "reference"):
        findings[col] = [redact_obj(str(v)) for v in findings[col]]
    _fill_sheet(
        _sheet(wb, "findings", lang), findings, _FINDING_COLUMNS, status_column="severity_zh"
    )

    plots = plots_table(result, lang)
    plots["status_zh"] = [_STATUS_ZH.get(str(s), str(s)) for s in plots["status"]]
    plots["kind_zh"] = [scope_label(k, lang) if isinstance(k, str) else "" for k in plots["kind"]]
    _fill_sheet(_sheet(wb, "plots", lang), plots, _PLOT_COLUMNS, status_column="status_zh")

    change = result.extra_layers.get(LANDUSE_CHANGE_LAYER)
    if change is not None:  # BAL008: 项目区土地利用结构调整表
        _fill_sheet(
            _sheet(wb, "landuse_change", lang),
            landuse_change_frame(change, lang),
            _landuse_change_columns(lang),
        )

    info = redact_obj(result.run_info)
    rows = pd.DataFrame(run_info_rows(info, lang), columns=["label", "value", "key"])
    _fill_sheet(
        _sheet(wb, "run_info", lang),
        rows,
        [
            ("label", "项目 (item)", None),
            ("value", "值 (value)", None),
            ("key", "代码 (key)", None),
        ],
    )
    title = project_title(result.project.name, result.project.code, lang)
    errors = result.counts()["error"]
    wb.properties.subject = verdict_line(result.run_info, errors, lang)[:255]
    words = verdict_parts(result.run_info, errors, lang)[1]
    for ws in wb.worksheets:  # the page header names the verdict on every printed page
        _print_setup(ws, f"{title} — {ws.title} — {words}")
        _fit_rows(ws)
    try:
        with atomic_path(path, protected=result.protected) as tmp:
            wb.save(tmp)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write the Excel summary ({exc})") from exc
    logger.info("wrote %s", path)
    return path
