"""Spreadsheet cells that cannot run: text that a spreadsheet would read as a formula is
neutralised.

Plot attributes, ids and names come from the inputs, so a text such as ``=HYPERLINK(…)``,
``+cmd|' /C calc'!A0``, ``-2+3`` or ``@SUM(…)`` (also after leading spaces, tabs or line breaks)
would become a live formula when a workbook is opened or a cell is edited (CSV/formula
injection). Every xlsx writer passes its cells through :func:`safe_cell`: such text gets a leading
apostrophe, Excel's own mark for "this is text", and stays visible as written. Numbers — negative
ones included — stay numbers, and text that is just a number (``"-12.5"``) is left as it is.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "is_formula_like", "safe_cell", "safe_frame"]

#: characters that start a formula in Excel, LibreOffice and WPS (after optional whitespace)
FORMULA_PREFIXES = ("=", "+", "-", "@")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_LEADING_CONTROL = ("\t", "\r", "\n")


def is_formula_like(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula (or a command via a control
    character)."""
    if text.startswith(_LEADING_CONTROL):
        return True
    stripped = text.lstrip(" \t\r\n\u3000\u00a0")
    if not stripped.startswith(FORMULA_PREFIXES):
        return False
    return _NUMBER.fullmatch(stripped) is None


def safe_cell(value: Any) -> Any:
    """``value`` as a cell: formula-like text with a leading apostrophe, anything else unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells (and column names) are passed through
    :func:`safe_cell`."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            # a list keeps each value's type (Series.map would infer float for ints beside None)
            out[col] = pd.Series([safe_cell(v) for v in out[col]], index=out.index, dtype=object)
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out
