"""Field knowledge shared by every stage: the usual input field names and how values are cleaned.

One home for what would otherwise be guessed in several places: the input field names recognised
for each canonical field (DKBH, DLBM, TBMJ …), the construction-kind vocabulary (安置 / 城镇),
field values as clean text, and what counts as a blank id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_FIELD_NAMES",
    "FIELD_LABELS_ZH",
    "KIND_VALUES",
    "NUMERIC_FIELDS",
    "as_text",
    "shared_strings",
    "text_column",
    "blank",
    "find_field",
    "normalise_kind",
    "printable_ids",
]

#: Input field names recognised for each canonical field when the project maps none
#: (case-insensitive).
DEFAULT_FIELD_NAMES: dict[str, tuple[str, ...]] = {
    "plot_id": ("DKBH", "BSM", "TBBH", "id"),
    "land_class": ("DLBM",),
    "area_declared": ("MJ", "TBMJ", "DKMJ"),
    "reclaim_class": ("FKDL", "FKHDL", "FKDLBM"),
    "quality": ("ZLDB", "GDDB", "ZLDJ", "GDZLDJ"),
    "kind": ("JXLX", "DKLX"),
    "owner": ("QSDWMC",),
    "czcsxm": ("CZCSXM",),
    "slope_class": ("GDPDJB",),
    "seat": ("ZLDWMC",),
    "kcxs": ("KCXS",),
    "kcmj": ("KCMJ",),
    "ownership": ("QSXZ",),
}
#: How each canonical field reads in Chinese messages.
FIELD_LABELS_ZH: dict[str, str] = {
    "plot_id": "地块编号",
    "land_class": "地类编码",
    "area_declared": "申报面积",
    "reclaim_class": "复垦后地类编码",
    "quality": "耕地质量等别/等级",
    "kind": "建新类型",
    "owner": "权属单位",
    "czcsxm": "城镇村属性码",
    "slope_class": "坡度级别",
    "seat": "坐落单位",
    "kcxs": "田坎系数",
    "kcmj": "田坎面积",
    "ownership": "权属性质",
}
#: Canonical fields read as numbers (anything else is text).
NUMERIC_FIELDS: frozenset[str] = frozenset(
    {"area_declared", "quality", "slope_class", "kcxs", "kcmj"}
)

#: Values of the construction ``kind`` field that mean resettlement / urban.
KIND_VALUES: dict[str, frozenset[str]] = {
    "resettlement": frozenset({"安置", "安置地块", "安置区", "resettlement", "农民安置", "AZ"}),
    "urban": frozenset({"城镇", "城镇建新", "城镇建设", "urban", "CZ", "建新"}),
}


def find_field(columns: Iterable[str], candidates: Sequence[str]) -> str | None:
    """The first of ``candidates`` present among ``columns`` (case-insensitive), as spelt there."""
    lower = {c.lower(): c for c in columns}
    for cand in candidates:
        if cand and cand.lower() in lower:
            return lower[cand.lower()]
    return None


def _stripped(col: pd.Series) -> pd.Series:
    """Field values as stripped text in a pandas string column (integral numbers without
    ``.0``; missing as NA)."""
    if pd.api.types.is_numeric_dtype(col) and not pd.api.types.is_bool_dtype(col):
        values = col.to_numpy(dtype=float)
        integral = np.isfinite(values) & (values == np.round(values))
        text = col.astype("string")
        if integral.any():
            text[integral] = col[integral].astype("int64").astype("string")
        return text
    return col.astype("string").str.strip()


def as_text(col: pd.Series) -> np.ndarray:
    """Field values as stripped text (integral numbers without ``.0``; missing as None),
    vectorised."""
    return shared_strings(_stripped(col).to_numpy(dtype=object, na_value=None))


def text_column(col: pd.Series) -> pd.api.extensions.ExtensionArray | np.ndarray:
    """:func:`as_text` as a frame column holds it, made without a Python string per value.

    A frame column of text is pandas' ``str`` (Arrow) column, whatever it is built from; built
    from :func:`as_text`'s objects, a layer of millions of features first makes millions of
    Python strings (about 60 bytes each) only to copy them into Arrow. Here the text stays in
    Arrow throughout, and a text column that normalising leaves as it is (already stripped) is
    the read column itself, sharing its buffers. A column with no value at all is None objects,
    as :func:`as_text` gives and a frame keeps it.
    """
    text = _stripped(col)
    if not text.notna().any():
        return np.full(len(text), None, dtype=object)
    out = text.astype("str")
    if out.dtype == col.dtype and out.equals(col):
        # already stripped text: the column as read, its Arrow buffers shared (not a copy)
        return col.array
    return out.array


def shared_strings(values: np.ndarray) -> np.ndarray:
    """``values`` with equal strings made one object, when they repeat.

    A land class or grade column holds a handful of codes over millions of features; read,
    each value is its own Python string (about 55 bytes). Shared, each row costs the 8 bytes of
    its pointer. Values and missing values (None) are unchanged; a column of mostly distinct
    values (plot ids) is returned as it is.
    """
    values = np.asarray(values, dtype=object)
    if len(values) < 2:
        return values
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    if 2 * len(uniques) > len(values):
        return values
    table = np.empty(len(uniques) + 1, dtype=object)
    table[:-1] = uniques
    table[-1] = None  # code -1: a missing value
    return table[codes]


def blank(values: np.ndarray | Sequence) -> np.ndarray:
    """Mask of values that are missing or only whitespace."""
    s = pd.Series(np.asarray(values, dtype=object), dtype=object)
    return (
        (s.isna() | s.astype(str).str.strip().eq("")).to_numpy()
        if len(s)
        else np.zeros(0, dtype=bool)
    )


def printable_ids(ids: np.ndarray | Sequence, numbers: np.ndarray | Sequence) -> np.ndarray:
    """Each id, or ``#n`` (its feature number from ``numbers``) where the id is blank."""
    out = np.asarray(ids, dtype=object).copy()
    empty = blank(out)
    out[empty] = ["#" + str(n) for n in np.asarray(numbers)[empty]]
    return out


def normalise_kind(values: pd.Series) -> np.ndarray:
    """Map construction kind values (安置 / 城镇 …) to ``resettlement`` / ``urban`` (else
    ``''``)."""
    text = values.fillna("").astype(str).str.strip()
    out = np.full(len(text), "", dtype=object)
    for kind, names in KIND_VALUES.items():
        lowered = {n.lower() for n in names}
        hit = text.str.lower().isin(lowered) | text.str.startswith(
            tuple(n for n in names if not n.isascii())
        )
        out[hit.to_numpy()] = kind
    return out
