"""The coordinate TXT's format, line by line, as the upload checkers read it.

What the filing systems' upload checkers refuse (e.g. LCChecker for Zhejiang's 报部备案: every plot
line has nine comma-separated fields ending in ``@``, points are ``点号,圈号,X,Y``, a ring has at
least four points, the text is read as GB2312/GBK) is checked here, and every problem is listed
with its file and line instead of stopping at the first. The text is parsed here independently of
:func:`~landlink_gis.io.coordtxt.read_coordtxt` (which repairs what it can).

Tolerable variants that readers accept (DOMAIN.md §3) are ``warning`` problems: UTF-8 text, a ring
not closed, a header without 格式版本号/数据产生单位/数据产生日期 (the seven-key header real
exporters write), 地块面积 written with its unit, 界址点数 counting the closing points or not.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from ..base.errors import DataSourceError
from ..io.coordtxt import HEADER_KEYS
from ..io.coordtxt.content import area_with_unit

__all__ = [
    "FIELD_LIMITS",
    "OPTIONAL_HEADER_KEYS",
    "PLOT_FIELDS",
    "Problem",
    "check_syntax",
]

#: Plot-line fields and the most bytes (GBK) each may hold. The format names no limits; these
#: are this checker's, wide enough for every real file seen and narrow enough to catch garbage.
FIELD_LIMITS: dict[str, int] = {
    "界址点数": 10,
    "地块面积": 20,
    "地块编号": 50,
    "地块名称": 100,
    "图形属性": 10,
    "图幅号": 50,
    "地块用途": 50,
    "地类编码": 20,
}
PLOT_FIELDS: tuple[str, ...] = tuple(FIELD_LIMITS)
#: Header keys that real exporters leave out (their header has the other seven): a warning.
OPTIONAL_HEADER_KEYS: tuple[str, ...] = ("格式版本号", "数据产生单位", "数据产生日期")
_SEVERITY_ZH = {"error": "错误", "warning": "警告"}


@dataclass(frozen=True)
class Problem:
    """One problem of a package file: where (file, 1-based line or ``None``, 地块编号 or
    ``None``), a code, a message, and its severity (``error`` or ``warning``)."""

    file: str
    line: int | None
    code: str
    message: str
    severity: str = "error"
    plot: str | None = None

    def where(self) -> str:
        """File, line and plot: ``txt/demolition/x.txt:13: 地块 CJ001``."""
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: 地块 {self.plot}" if self.plot else where

    def __str__(self) -> str:
        return f"{self.where()}: [{_SEVERITY_ZH.get(self.severity, self.severity)}] {self.message}"


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _whole(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,10}", text.strip()) else None


def decode_txt(data: bytes, name: str, out: list[Problem]) -> str:
    """The text of a coordinate TXT: GBK as the format requires; UTF-8 is a warning.

    Raises
    ------
    DataSourceError
        The bytes are not text (NUL bytes, neither GBK nor UTF-8): not a coordinate TXT.
    """
    if b"\x00" in data[:65536]:
        raise DataSourceError(f"{name}: 不是坐标交换文件（坐标交换格式 TXT）：内容为二进制数据")
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and (not body.isascii() or body is not data):
        out.append(
            Problem(
                name,
                None,
                "encoding",
                "文件为 UTF-8 编码"
                + ("（带 BOM）" if body is not data else "")
                + "；坐标交换文件宜为 GBK 编码（另存为 GBK/ANSI）",
                "warning",
            )
        )
        return text
    try:
        return data.decode("gbk")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        out.append(Problem(name, line, "encoding", "不是 GBK 文本（含无法解码的字节）"))
        return data.decode("gbk", errors="replace")


def _looks_like_txt(lines: list[str], name: str) -> None:
    """Refuse text that is no coordinate TXT at all, in one line instead of one per line."""
    sections = {s.strip() for s in lines if s.strip().startswith(("[", "【", "［"))}
    if sections & {"[属性描述]", "[地块坐标]"}:
        return
    if any(s.strip().endswith(",@") for s in lines[:10000]):
        return
    first = next((s.strip() for s in lines if s.strip()), "")
    raise DataSourceError(
        f"{name}: 不是坐标交换文件（坐标交换格式 TXT）：没有 [属性描述] 或 [地块坐标] 节，也没有以 "
        f"“,@”结尾的地块行；首行为 {first[:40]!r}"
    )


def _check_header(lines: list[str], name: str, out: list[Problem]) -> tuple[int, int | None]:
    """Check ``[属性描述]``; return the index of the ``[地块坐标]`` line (or ``len(lines)``) and
    the 1-based line of the header section."""
    first = next((i for i, s in enumerate(lines) if s.strip()), None)
    if first is None:
        out.append(Problem(name, None, "empty", "文件为空"))
        return len(lines), None
    if lines[first].strip() != "[属性描述]":
        out.append(Problem(name, first + 1, "header", "第一节应为 [属性描述]"))
    end = next((i for i, s in enumerate(lines) if s.strip() == "[地块坐标]"), len(lines))
    if end == len(lines):
        out.append(Problem(name, None, "section", "缺少 [地块坐标] 节"))
    header: dict[str, tuple[int, str]] = {}
    for i in range(first + 1, end):
        text = lines[i].strip()
        if not text:
            continue
        if "=" not in text:
            out.append(Problem(name, i + 1, "header", f"属性描述行 {text[:30]!r} 不是 键=值 格式"))
            continue
        key, _, value = text.partition("=")
        header[key.strip()] = (i + 1, value.strip())
    for key in HEADER_KEYS:
        if key not in header:
            optional = key in OPTIONAL_HEADER_KEYS
            out.append(
                Problem(
                    name,
                    None,
                    "header_key",
                    f"属性描述缺少 {key}" + ("（宜补上）" if optional else ""),
                    "warning" if optional else "error",
                )
            )
    checks = {
        "几度分带": (lambda v: v in ("3", "6"), "应为 3 或 6"),
        "带号": (lambda v: _whole(v) is not None, "应为整数"),
        "精度": (lambda v: _number(v) is not None, "应为数字"),
        "计量单位": (lambda v: v == "米", "应为 米"),
    }
    for key, (ok, expected) in checks.items():  # values may be empty (DOMAIN.md §3)
        if key in header and header[key][1] and not ok(header[key][1]):
            out.append(
                Problem(
                    name, header[key][0], "header_value", f"{key}={header[key][1]!r}，{expected}"
                )
            )
    return end, first + 1


def _check_plot(
    name: str,
    line_no: int,
    tokens: list[str],
    points: list[tuple[int, list[str]]],
    out: list[Problem],
) -> None:
    plot = tokens[2].strip() if len(tokens) > 2 and tokens[2].strip() else None

    def add(line: int, code: str, message: str, severity: str = "error") -> None:
        out.append(Problem(name, line, code, message, severity, plot))

    if len(tokens) != 9:
        add(
            line_no,
            "field_count",
            f"地块行有 {len(tokens)} 个字段，应为 9 个（{','.join(PLOT_FIELDS)},@）",
        )
    for field, value in zip(PLOT_FIELDS, tokens[:8], strict=False):
        size = len(value.encode("gbk", errors="replace"))
        if size > FIELD_LIMITS[field]:
            add(line_no, "field_length", f"{field} 长 {size} 字节，超过 {FIELD_LIMITS[field]}")
    rings: list[tuple[str, list[tuple[int, tuple[float, float]]]]] = []
    for p_line, p in points:
        if len(p) != 4:
            add(p_line, "point_fields", f"坐标行有 {len(p)} 个字段，应为 4 个（点号,圈号,X,Y）")
            continue
        ring, x, y = _whole(p[1]), _number(p[2]), _number(p[3])
        if not p[0].strip():
            add(p_line, "point_fields", "点号为空")
        if ring is None or ring < 1:
            add(p_line, "field_type", f"圈号 {p[1]!r} 不是正整数")
        if x is None or y is None:
            add(p_line, "field_type", f"坐标 {p[2]!r},{p[3]!r} 不是数字")
            continue
        if not rings or rings[-1][0] != p[1]:
            rings.append((p[1], []))
        rings[-1][1].append((p_line, (x, y)))
    closing = 0
    for ring_no, pts in rings:
        closed = len(pts) > 1 and pts[0][1] == pts[-1][1]
        closing += closed
        if len(pts) + (not closed) < 4:
            add(
                pts[0][0],
                "ring",
                f"第 {ring_no} 圈只有 {len(pts) - closed} 个不同的点，至少应有 3 个"
                "（连同闭合点 4 个）",
            )
        elif not closed:
            add(
                pts[-1][0],
                "ring_closed",
                f"第 {ring_no} 圈未闭合：末点宜与首点（第 {pts[0][0]} 行）相同",
                "warning",
            )
    count = _whole(tokens[0]) if tokens else None
    if count is None:
        add(line_no, "field_type", f"界址点数 {tokens[0] if tokens else ''!r} 不是整数")
    elif count not in (len(points), len(points) - closing):
        add(
            line_no,
            "point_count",
            f"界址点数为 {count}，其后有 {len(points)} 个坐标行"
            + (f"（不计闭合点 {len(points) - closing} 个）" if closing else ""),
        )
    text = tokens[1] if len(tokens) > 1 else ""
    area, _unit = area_with_unit(text)
    if area is None or area < 0:
        add(line_no, "field_type", f"地块面积 {text!r} 不是非负数（公顷）")
    if plot is None:
        add(line_no, "plot_id", "地块编号为空")


def check_syntax(text: str, name: str, out: list[Problem]) -> tuple[int, int | None]:
    """Check the format of a decoded coordinate TXT line by line, appending to ``out``.

    Returns
    -------
    tuple
        (number of plot lines, 1-based line of ``[属性描述]`` or ``None``).

    Raises
    ------
    DataSourceError
        The text is no coordinate TXT at all (no section, no plot line).
    """
    lines = text.splitlines()
    _looks_like_txt(lines, name)
    start, header_line = _check_header(lines, name, out)
    plot: tuple[int, list[str]] | None = None
    points: list[tuple[int, list[str]]] = []
    n_plots = 0
    for i in range(start + 1, len(lines)):
        stripped = lines[i].strip()
        if not stripped:
            continue
        tokens = [t.strip() for t in stripped.split(",")]
        if tokens[-1] == "@":
            if plot is not None:
                _check_plot(name, plot[0], plot[1], points, out)
            plot, points, n_plots = (i + 1, tokens), [], n_plots + 1
        elif plot is None:
            out.append(Problem(name, i + 1, "orphan_point", "坐标行前没有地块行（以 @ 结尾）"))
        else:
            points.append((i + 1, tokens))
    if plot is not None:
        _check_plot(name, plot[0], plot[1], points, out)
    if start < len(lines) and n_plots == 0:
        out.append(Problem(name, None, "no_plots", "[地块坐标] 中没有地块"))
    return n_plots, header_line
