"""The coordinate exchange TXT format itself: header keys, plot-line fields, limits and validation.

Shared by :mod:`.parse`, :mod:`.read` and :mod:`.write`; nothing here reads or writes a file.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from landlink_gis.base.crs import DATUM_LABELS_ZH
from landlink_gis.base.errors import DataSourceError, InputError

__all__ = [
    "AREA_COLUMN",
    "AREA_UNIT",
    "ATTRIBUTE_COLUMNS",
    "ATTR_HELP",
    "COORD_SECTION",
    "DATUM_LABEL",
    "HEADER_KEYS",
    "HEADER_SECTION",
    "MAX_PLOT_FIELDS",
    "datum_of_label",
    "fail",
    "field_text",
    "section_name",
    "short",
    "validate_field",
]

#: One logger for the whole format, named as before the split (``landlink_gis.io.coordtxt``).
logger = logging.getLogger("landlink_gis.io.coordtxt")

#: Header keys of ``[属性描述]``, in the order files write them.
HEADER_KEYS: tuple[str, ...] = (
    "格式版本号",
    "数据产生单位",
    "数据产生日期",
    "坐标系",
    "几度分带",
    "投影类型",
    "计量单位",
    "带号",
    "精度",
    "转换参数",
)
#: Result columns for the eight standard fields of a plot's attribute line, in file order.
ATTRIBUTE_COLUMNS: tuple[str, ...] = (
    "JZDS",
    "MJ_HA",
    "DKBH",
    "DKMC",
    "TXSX",
    "TFH",
    "DKYT",
    "DLBM",
)
#: Column holding 地块面积, and its unit as recorded in ``ReadNotes.area_units`` (公顷).
AREA_COLUMN, AREA_UNIT = "MJ_HA", "hm2"

HEADER_SECTION, COORD_SECTION = "属性描述", "地块坐标"
ATTR_HELP = "界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,地块用途,地类编码,@"
#: At most this many fields before ``@`` (8 standard + the variant's few extra columns, with room);
#: more means the line is not a plot line (and would make a frame with absurdly many columns).
MAX_PLOT_FIELDS = 64
#: Header 坐标系 labels written for each datum (the one table in :mod:`landlink_gis.base.crs`).
DATUM_LABEL: dict[str, str] = DATUM_LABELS_ZH
_OPEN, _CLOSE = "[【［", "]】］"


def fail(path: Path | str, line: int | None, problem: str, fix: str) -> DataSourceError:
    """A :class:`DataSourceError` naming the file, the line (when known), the problem and the
    fix."""
    where = f"{path}, line {line}" if line is not None else str(path)
    return DataSourceError(f"{where}: {problem}. {fix}")


def short(value: str, limit: int = 40) -> str:
    """``repr(value)``, cut to about ``limit`` characters (for garbage lines in messages)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…'"


def section_name(line: str) -> str | None:
    """Name of a section line such as ``[地块坐标]`` (full-width brackets too), else ``None``.

    ``line`` is already stripped. Plain string tests, no regular expression: a long line that
    merely starts with a bracket costs linear time.
    """
    if len(line) >= 2 and line[0] in _OPEN and line[-1] in _CLOSE:
        return line[1:-1].strip()
    return None


def datum_of_label(label: str) -> str | None:
    """Datum named by the header's 坐标系 (empty: CGCS2000), or ``None`` when it is none of ours."""
    text = label.upper()
    if not text or "2000" in text or "CGCS" in text:
        return "CGCS2000"
    if "西安" in text or "XIAN" in text or "80" in text:
        return "Xian 1980"
    if "北京" in text or "BEIJING" in text or "54" in text:
        return "Beijing 1954"
    return None


def field_text(value: Any) -> str:
    """A value as the format writes it: empty for missing, whole floats without ``.0``."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def validate_field(path: Path | str, what: str, owner: str, value: str) -> None:
    """Refuse a value the format cannot hold (a comma, a line break or a lone ``@``).

    Parameters
    ----------
    path
        The file being written (for the message).
    what
        The field's name, e.g. ``地块名称``.
    owner
        Whose value it is, e.g. ``plot 'CJ-001'`` or ``header``.
    value
        The text to write.

    Raises
    ------
    InputError
        The value cannot be written.
    """
    if "," in value or "\n" in value or "\r" in value or value == "@":
        raise InputError(
            f"cannot write {path}: {what} of {owner} is {value!r}; "
            "the format cannot hold commas, line breaks or '@' in a field"
        )
