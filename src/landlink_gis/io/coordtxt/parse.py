"""Decoding and line-by-line parsing of a coordinate exchange TXT into plain lists.

One pass over the lines, linear in the file size whatever it holds: nothing is sized from a
declared count (界址点数), sections are found without regular expressions, and every malformed line
ends in a :class:`~landlink_gis.base.errors.DataSourceError` naming the file, the line and the fix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from landlink_gis.base.errors import InputError

from .format import (
    ATTR_HELP,
    COORD_SECTION,
    HEADER_SECTION,
    MAX_PLOT_FIELDS,
    fail,
    logger,
    section_name,
    short,
)

__all__ = ["Parsed", "decode", "parse"]


@dataclass
class Parsed:
    """What :func:`parse` found: the header, each plot's fields and every point with its ring."""

    header: dict[str, str] = field(default_factory=dict)
    plots: list[list[str]] = field(default_factory=list)  # attribute fields before '@'
    plot_lines: list[int] = field(default_factory=list)
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # source line of each point
    ring_of_point: list[int] = field(default_factory=list)
    ring_plot: list[int] = field(default_factory=list)  # plot index of each ring
    ring_no: list[int] = field(default_factory=list)  # 圈号 of each ring
    # each ring: closed in the file (its first point repeated)?
    ring_closed: list[bool] = field(default_factory=list)


def decode(data: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    """Decode the file: explicit encoding, else BOM, else UTF-8 if it decodes, else GBK (GB18030).

    Returns
    -------
    tuple of str
        The text and the encoding's label (``"GBK"``, ``"UTF-8"`` or the name given).

    Raises
    ------
    InputError
        ``encoding`` is not a known codec.
    DataSourceError
        The bytes do not decode; the message names the line of the first bad byte.
    """
    if encoding:
        candidates = [encoding]
    elif data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for i, enc in enumerate(candidates):
        try:
            text = data.decode(enc)
        except LookupError as exc:
            raise InputError(
                f"{path}: unknown text encoding {enc!r}; use e.g. 'GBK' or 'UTF-8'"
            ) from exc
        except UnicodeDecodeError as exc:
            if i + 1 < len(candidates):
                continue
            line = data[: exc.start].count(b"\n") + 1
            raise fail(
                path,
                line,
                f"the text is not valid {enc} (byte {exc.start})",
                "Save the file as GBK or UTF-8, or give the right encoding",
            ) from exc
        label = {"gb18030": "GBK", "utf-8-sig": "UTF-8", "utf-8": "UTF-8"}.get(enc, enc)
        return text, label
    raise AssertionError("unreachable")  # pragma: no cover


def _lines(text: str) -> list[str]:
    """Lines of ``text`` ending in CRLF, LF or a lone CR (old Mac files)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text.split("\n")


def parse(text: str, path: Path) -> Parsed:
    """Parse the decoded text.

    Raises
    ------
    DataSourceError
        Text outside the sections, no ``[地块坐标]`` section or no plot in it, a plot line with
        too few or too many fields, a coordinate line that is not ``点号,圈号,X,Y`` with a whole
        圈号 and finite X/Y, a plot without coordinate lines, a ring of fewer than 3 points.
    """
    out = Parsed()
    section: str | None = None
    seen_coords = False
    prev_ring_no: int | None = None
    ring_first: tuple[float, float] | None = None
    ring_len = 0
    ring_closed = False
    for lineno, raw in enumerate(_lines(text), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        name = section_name(line)
        if name is not None:
            section = name
            seen_coords |= section == COORD_SECTION
            if section not in (HEADER_SECTION, COORD_SECTION):
                logger.warning(
                    "%s, line %d: unknown section [%s] ignored", path, lineno, short(section)[1:-1]
                )
            continue
        if section == HEADER_SECTION:
            key, sep, value = line.partition("=")
            if sep:
                out.header[key.strip()] = value.strip()
            else:
                logger.warning(
                    "%s, line %d: header line without '=' ignored: %s", path, lineno, short(line)
                )
            continue
        if section != COORD_SECTION:
            if section is None:
                raise fail(
                    path,
                    lineno,
                    "text before the [属性描述]/[地块坐标] sections",
                    "Is this a 坐标交换格式 file? It must start with [属性描述] or [地块坐标]",
                )
            continue
        commas = line.count(",")
        if commas > 4 * MAX_PLOT_FIELDS:  # garbage: do not build a huge list of fields
            raise fail(
                path,
                lineno,
                f"line has {commas + 1} comma-separated fields: neither a plot line (at most "
                f"{MAX_PLOT_FIELDS} before '@') nor a coordinate line (点号,圈号,X,Y)",
                "Fix or remove the line",
            )
        fields = [f.strip() for f in line.split(",")]
        while len(fields) > 1 and fields[-1] == "" and "@" not in fields:
            fields.pop()
        if "@" in fields or len(fields) >= 8:
            attrs = fields[: fields.index("@")] if "@" in fields else fields
            if len(attrs) < 8:
                raise fail(
                    path,
                    lineno,
                    f"plot line has {len(attrs)} fields before '@', expected 8 or more",
                    f"Write it as {ATTR_HELP}",
                )
            if len(attrs) > MAX_PLOT_FIELDS:
                raise fail(
                    path,
                    lineno,
                    f"plot line has more than {MAX_PLOT_FIELDS} fields before '@'",
                    f"Write it as {ATTR_HELP} (the 占补平衡 variant adds a few columns before '@')",
                )
            if out.plots:
                _end_plot(path, out, ring_len, ring_closed)
            out.plots.append(attrs)
            out.plot_lines.append(lineno)
            prev_ring_no, ring_len = None, 0
            continue
        if len(fields) != 4:
            raise fail(
                path,
                lineno,
                f"coordinate line has {len(fields)} fields, expected 4 (点号,圈号,X,Y)",
                "Fix or remove the line",
            )
        if not out.plots:
            raise fail(
                path,
                lineno,
                "coordinate line before the first plot line",
                f"Start each plot with a line {ATTR_HELP}",
            )
        try:
            ring_no = int(fields[1])
        except ValueError:
            raise fail(
                path,
                lineno,
                f"圈号 {short(fields[1])} is not a whole number",
                "Number the rings 1, 2, …",
            ) from None
        try:
            x, y = float(fields[2]), float(fields[3])
        except ValueError:
            raise fail(
                path,
                lineno,
                f"X/Y {short(fields[2])}, {short(fields[3])} are not numbers",
                "Write the coordinates as decimal numbers in metres",
            ) from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise fail(
                path,
                lineno,
                f"X/Y {short(fields[2])}, {short(fields[3])} are not finite numbers",
                "Write the coordinates as decimal numbers in metres",
            )
        if ring_no != prev_ring_no or ring_closed:  # a new ring starts
            if ring_len:
                _check_ring(path, out, ring_len, ring_closed)
            out.ring_plot.append(len(out.plots) - 1)
            out.ring_no.append(ring_no)
            out.ring_closed.append(False)
            ring_first, ring_len, ring_closed = (x, y), 0, False
        elif ring_len >= 3 and (x, y) == ring_first:
            ring_closed = True  # a later point with the same 圈号 starts another ring
            out.ring_closed[-1] = True
        ring_len += 1
        prev_ring_no = ring_no
        out.xs.append(x)
        out.ys.append(y)
        out.lines.append(lineno)
        out.ring_of_point.append(len(out.ring_no) - 1)
    if not seen_coords:
        raise fail(
            path,
            None,
            "no [地块坐标] section found",
            "Is this a 坐标交换格式 file? Plots must follow a line [地块坐标]",
        )
    if not out.plots:
        raise fail(path, None, "the [地块坐标] section holds no plot", "Add at least one plot")
    _end_plot(path, out, ring_len, ring_closed)
    return out


def _end_plot(path: Path, out: Parsed, ring_len: int, ring_closed: bool) -> None:
    """Checks at the end of a plot's point lines: it has points, and its last ring is complete."""
    if not _plot_has_points(out):
        raise fail(
            path,
            out.plot_lines[-1],
            "plot has no coordinate lines",
            "Add its 点号,圈号,X,Y lines or remove the plot",
        )
    if ring_len:
        _check_ring(path, out, ring_len, ring_closed)


def _plot_has_points(out: Parsed) -> bool:
    return bool(out.ring_plot) and out.ring_plot[-1] == len(out.plots) - 1


def _check_ring(path: Path, out: Parsed, n: int, closed: bool) -> None:
    if n - closed < 3:
        first = out.lines[len(out.lines) - n]
        raise fail(
            path,
            first,
            f"ring (圈号 {out.ring_no[-1]}) has {n - closed} distinct points, needs 3",
            "Complete the ring or remove its lines",
        )
