"""The filing package's own checker: coordinate TXTs and a package folder, line by line.

What the filing systems' upload checkers refuse (e.g. LCChecker for Zhejiang's 报部备案: the file
name must be the 备案编号, every plot line has nine comma-separated fields ending in ``@``, points
are ``点号,圈号,X,Y``, a ring has at least four points, the text is read as GB2312/GBK) is checked
here before upload, and every problem is listed with its file and line instead of stopping at the
first. The checker parses the text itself (independently of
:func:`~landlink_gis.io.coordtxt.read_coordtxt`, which repairs what it can), so a file that reads
fine may still be reported here.

Checks of one TXT (:func:`verify_txt`):

- the text is GBK (a UTF-8 file, or bytes that are not GBK, is a problem);
- the ``[属性描述]`` header holds every key of the format (格式版本号 … 转换参数); 几度分带 is 3
  or 6,
  带号 and 精度 are numbers, 计量单位 is 米;
- a ``[地块坐标]`` section follows; every plot line has nine fields (``界址点数,地块面积,地块编号,
  地块名称,图形属性,图幅号,地块用途,地类编码,@``), 界址点数 is a whole number equal to the
  coordinate lines that follow, 地块面积 a number ≥ 0 (公顷), 地块编号 not empty, each field within
  :data:`FIELD_LIMITS` (bytes in GBK);
- every coordinate line has four fields, 圈号 a whole number ≥ 1, X and Y numbers; each ring
  (consecutive lines of one 圈号) has at least four points and is closed (last point = first);
- the file name (without ``.txt``) equals the filing code when one is given, and is a usable one.

A package folder (:func:`verify_package`) adds: ``manifest.json`` present, every file it lists
present with the recorded SHA-256, no unlisted file, and every TXT checked as above against the
manifest's filing code.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path

from ..base.errors import DataSourceError
from ..io.coordtxt import HEADER_KEYS

logger = logging.getLogger(__name__)

__all__ = [
    "FIELD_LIMITS",
    "MANIFEST_FILES",
    "Problem",
    "file_sha256",
    "usable_filing_code",
    "verify_package",
    "verify_txt",
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
#: files of a package that its manifest does not list (they hold the list)
MANIFEST_FILES: tuple[str, ...] = ("manifest.json", "manifest.txt")
_BAD_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f]')
_MAX_BYTES = 1 << 30


@dataclass(frozen=True)
class Problem:
    """One problem of a package file: where (file, 1-based line or ``None``), a code and a
    message."""

    file: str
    line: int | None
    code: str
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}: {self.message}"
            if self.line
            else f"{self.file}: {self.message}"
        )


def file_sha256(path: Path) -> str:
    """SHA-256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def usable_filing_code(code: str) -> str | None:
    """Why ``code`` cannot name a coordinate TXT (empty, path characters, not GBK), or ``None``."""
    if not code.strip():
        return "备案编号为空"
    if code != code.strip() or _BAD_NAME.search(code) or code in (".", ".."):
        return f"备案编号 {code!r} 含空白、路径或控制字符，不能作文件名"
    try:
        code.encode("gbk")
    except UnicodeEncodeError:
        return f"备案编号 {code!r} 含 GBK 无法编码的字符"
    return None


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _whole(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{1,10}", text.strip()) else None


def _decode(data: bytes, name: str, out: list[Problem]) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        out.append(
            Problem(
                name,
                None,
                "encoding",
                "文件以 UTF-8 BOM 开头；坐标交换文件须为 GBK 编码（另存为 GBK/ANSI）",
            )
        )
        return data[3:].decode("utf-8", errors="replace")
    try:
        return data.decode("gbk")
    except UnicodeDecodeError as exc:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            line = data[: exc.start].count(b"\n") + 1
            out.append(Problem(name, line, "encoding", "不是 GBK 文本（含无法解码的字节）"))
            return data.decode("gbk", errors="replace")
        out.append(
            Problem(
                name,
                None,
                "encoding",
                "文件为 UTF-8 编码；坐标交换文件须为 GBK 编码（另存为 GBK/ANSI）",
            )
        )
        return text


def _check_header(lines: list[str], name: str, out: list[Problem]) -> int:
    """Check ``[属性描述]``; return the index of the ``[地块坐标]`` line (or ``len(lines)``)."""
    first = next((i for i, s in enumerate(lines) if s.strip()), None)
    if first is None:
        out.append(Problem(name, None, "empty", "文件为空"))
        return len(lines)
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
            out.append(Problem(name, None, "header_key", f"属性描述缺少 {key}"))
    checks = {
        "几度分带": (lambda v: v in ("3", "6"), "应为 3 或 6"),
        "带号": (lambda v: _whole(v) is not None, "应为整数"),
        "精度": (lambda v: _number(v) is not None, "应为数字"),
        "计量单位": (lambda v: v == "米", "应为 米"),
    }
    for key, (ok, expected) in checks.items():
        if key in header and not ok(header[key][1]):
            out.append(
                Problem(
                    name, header[key][0], "header_value", f"{key}={header[key][1]!r}，{expected}"
                )
            )
    return end


def _check_plot(
    name: str,
    line_no: int,
    tokens: list[str],
    points: list[tuple[int, list[str]]],
    out: list[Problem],
) -> None:
    if len(tokens) != 9:
        out.append(
            Problem(
                name,
                line_no,
                "field_count",
                f"地块行有 {len(tokens)} 个字段，应为 9 个（{','.join(PLOT_FIELDS)},@）",
            )
        )
    for field, value in zip(PLOT_FIELDS, tokens[:8], strict=False):
        size = len(value.encode("gbk", errors="replace"))
        if size > FIELD_LIMITS[field]:
            out.append(
                Problem(
                    name,
                    line_no,
                    "field_length",
                    f"{field} 长 {size} 字节，超过 {FIELD_LIMITS[field]}",
                )
            )
    count = _whole(tokens[0]) if tokens else None
    if count is None:
        out.append(
            Problem(
                name, line_no, "field_type", f"界址点数 {tokens[0] if tokens else ''!r} 不是整数"
            )
        )
    elif count != len(points):
        out.append(
            Problem(
                name, line_no, "point_count", f"界址点数为 {count}，其后有 {len(points)} 个坐标行"
            )
        )
    area = _number(tokens[1]) if len(tokens) > 1 else None
    if area is None or area < 0:
        out.append(
            Problem(
                name,
                line_no,
                "field_type",
                f"地块面积 {tokens[1] if len(tokens) > 1 else ''!r} 不是非负数（公顷）",
            )
        )
    if len(tokens) < 3 or not tokens[2].strip():
        out.append(Problem(name, line_no, "plot_id", "地块编号为空"))
    rings: list[tuple[str, list[tuple[int, tuple[float, float]]]]] = []
    for p_line, p in points:
        if len(p) != 4:
            out.append(
                Problem(
                    name,
                    p_line,
                    "point_fields",
                    f"坐标行有 {len(p)} 个字段，应为 4 个（点号,圈号,X,Y）",
                )
            )
            continue
        ring, x, y = _whole(p[1]), _number(p[2]), _number(p[3])
        if not p[0].strip():
            out.append(Problem(name, p_line, "point_fields", "点号为空"))
        if ring is None or ring < 1:
            out.append(Problem(name, p_line, "field_type", f"圈号 {p[1]!r} 不是正整数"))
        if x is None or y is None:
            out.append(Problem(name, p_line, "field_type", f"坐标 {p[2]!r},{p[3]!r} 不是数字"))
            continue
        if not rings or rings[-1][0] != p[1]:
            rings.append((p[1], []))
        rings[-1][1].append((p_line, (x, y)))
    for ring_no, pts in rings:
        if len(pts) < 4:
            out.append(
                Problem(
                    name,
                    pts[0][0],
                    "ring",
                    f"第 {ring_no} 圈只有 {len(pts)} 个点，至少应有 4 个（首尾闭合）",
                )
            )
        elif pts[0][1] != pts[-1][1]:
            out.append(
                Problem(
                    name,
                    pts[-1][0],
                    "ring_closed",
                    f"第 {ring_no} 圈未闭合：末点应与首点（第 {pts[0][0]} 行）相同",
                )
            )


def verify_txt(
    path: str | os.PathLike[str], *, filing_code: str | None = None, display: str | None = None
) -> list[Problem]:
    """Check one coordinate exchange TXT against the filing format.

    Parameters
    ----------
    path
        The TXT file.
    filing_code
        The 备案编号 the file must be named by (``None``: the name is only checked to be usable).
    display
        How problems name the file (default: ``path`` as given).

    Returns
    -------
    list of Problem
        Empty when the file is clean.

    Raises
    ------
    DataSourceError
        The file cannot be read at all (missing, not a regular file, no permission, too large).
    """
    path = Path(path)
    name = display or str(path)
    if not path.is_file():
        raise DataSourceError(
            f"{path}: not a readable file; give a coordinate TXT or a package folder"
        )
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise DataSourceError(
                f"{path}: larger than {_MAX_BYTES >> 20} MiB; not a coordinate TXT of one project"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise DataSourceError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    out: list[Problem] = []
    stem = path.stem if path.suffix.lower() == ".txt" else path.name
    if path.suffix.lower() != ".txt":
        out.append(Problem(name, None, "file_name", "扩展名应为 .txt"))
    if filing_code is not None and stem != filing_code:
        out.append(
            Problem(name, None, "file_name", f"文件名 {stem!r} 应为备案编号 {filing_code!r}")
        )
    elif (why := usable_filing_code(stem)) is not None:
        out.append(Problem(name, None, "file_name", f"文件名须为备案编号：{why}"))
    lines = _decode(data, name, out).splitlines()
    start = _check_header(lines, name, out)
    plot: tuple[int, list[str]] | None = None
    points: list[tuple[int, list[str]]] = []
    n_plots = 0
    for i in range(start + 1, len(lines)):
        text = lines[i].strip()
        if not text:
            continue
        tokens = [t.strip() for t in text.split(",")]
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
    return out


def verify_package(folder: str | os.PathLike[str]) -> list[Problem]:
    """Check a package folder written by ``landlink package``: manifest, SHA-256 of every file,
    every TXT.

    Raises
    ------
    DataSourceError
        ``folder`` is not a readable folder, or a TXT in it cannot be read.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise DataSourceError(f"{folder}: not a folder; give a package folder or a coordinate TXT")
    out: list[Problem] = []
    manifest: dict = {}
    mpath = folder / "manifest.json"
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        if not isinstance(manifest, dict):
            raise ValueError("not an object")
    except FileNotFoundError:
        out.append(
            Problem(
                "manifest.json",
                None,
                "manifest",
                "缺少 manifest.json（不是 landlink package 写出的文件夹？）",
            )
        )
    except (OSError, ValueError) as exc:
        out.append(Problem("manifest.json", None, "manifest", f"无法读取 manifest.json：{exc}"))
        manifest = {}
    listed = {str(f.get("path")): f for f in manifest.get("files", []) if isinstance(f, dict)}
    present = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    for rel in present:
        if rel in MANIFEST_FILES:
            continue
        if manifest and rel not in listed:
            out.append(Problem(rel, None, "unlisted", "文件未列入 manifest.json"))
        elif rel in listed and file_sha256(folder / rel) != listed[rel].get("sha256"):
            out.append(
                Problem(rel, None, "sha256", "SHA-256 与 manifest.json 记录不符（文件被改动）")
            )
    for rel in listed:
        if rel not in present:
            out.append(Problem(rel, None, "missing", "manifest.json 列出的文件不存在"))
    code = manifest.get("filing_code") if isinstance(manifest.get("filing_code"), str) else None
    txts = [rel for rel in present if rel.lower().endswith(".txt") and rel not in MANIFEST_FILES]
    for rel in txts:
        out.extend(verify_txt(folder / rel, filing_code=code, display=rel))
    if manifest and not txts:
        out.append(Problem(str(folder), None, "no_txt", "包中没有坐标交换文件"))
    return out
