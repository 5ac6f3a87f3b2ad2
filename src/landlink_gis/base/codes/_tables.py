"""Land-class, 城镇村属性码, quality-grade and slope-class tables (the loader behind :mod:`.codes`).

The tables are package data (``landclass.csv``, ``czcsxm.csv``) read once and cached. Every
public function takes a scalar or an array-like (list, numpy array, pandas Series) and answers
element-wise: an array for array input, a scalar for scalar input.

Land classes cover GB/T 21010-2017 (first and second level) and the working classification
of the Third National Land Survey (三调, TD/T 1055-2019: ``05H1``, ``0508``, ``08H1``, ``08H2``,
``08H2A``, ``0810A``, the ``K`` codes for adjustable land, ``1104A``, ``1107A``). The column
``scheme`` says where a code comes from: ``both``, ``gbt`` (GB/T 21010-2017 only) or
``sandiao`` (三调 only). The 三调 wetland group (湿地: 0303, 0304, 0306, 0402, 0603, 1105, 1106,
1108) keeps its GB/T parents.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from io import StringIO
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "RURAL_CZCSXM",
    "class_name",
    "czcsxm_classes",
    "is_construction",
    "is_cultivated",
    "is_known",
    "is_paddy",
    "is_rural_construction",
    "is_rural_construction_land",
    "land_classes",
    "normalise_code",
    "normalise_czcsxm",
]

logger = logging.getLogger(__name__)


#: 城镇村属性码 values in which construction land counts as rural (村庄 and 采矿).
RURAL_CZCSXM: frozenset[str] = frozenset({"203", "203A", "204", "204A"})

_FLAGS = ("cultivated", "paddy", "construction", "rural_construction_eligible")
_NUMERIC_FLOAT = re.compile(r"^\d+\.0*$")


# --------------------------------------------------------------------------- tables
def _read_csv(name: str) -> pd.DataFrame:
    text = resources.files(__package__).joinpath(name).read_text(encoding="utf-8")
    return pd.read_csv(StringIO(text), dtype=str, keep_default_na=False)


@lru_cache(maxsize=1)
def _land_table() -> pd.DataFrame:
    df = _read_csv("landclass.csv")
    df["level"] = df["level"].astype(np.int8)
    df["parent"] = df["parent"].replace("", None)
    for flag in _FLAGS:
        df[flag] = df[flag].astype(int).astype(bool)
    return df


@lru_cache(maxsize=1)
def _czcsxm_table() -> pd.DataFrame:
    df = _read_csv("czcsxm.csv")
    df["rural"] = df["rural"].astype(int).astype(bool)
    return df


@lru_cache(maxsize=1)
def _land_lookup() -> dict[str, dict[str, Any]]:
    return _land_table().set_index("code").to_dict(orient="index")


def land_classes() -> pd.DataFrame:
    """Return the land-class table (GB/T 21010-2017 and 三调 working codes).

    Returns
    -------
    pandas.DataFrame
        One row per code with columns ``code``, ``name_zh``, ``name_en``, ``level`` (1 or 2),
        ``parent`` (first-level code, ``None`` for level 1), boolean ``cultivated``, ``paddy``,
        ``construction``, ``rural_construction_eligible`` and ``scheme``
        (``both``/``gbt``/``sandiao``). A copy: changing it does not change the cache.
    """
    return _land_table().copy()


def czcsxm_classes() -> pd.DataFrame:
    """Return the 城镇村属性码 (CZCSXM) table.

    Returns
    -------
    pandas.DataFrame
        Columns ``code`` (201 … 205, 201A … 204A), ``name_zh``, ``name_en``, ``base`` (the
        three-digit code) and boolean ``rural`` (村庄 or 采矿: 203, 203A, 204, 204A). A copy.
    """
    return _czcsxm_table().copy()


# --------------------------------------------------------------------------- helpers
def _as_array(values: Any) -> tuple[np.ndarray, bool]:
    """Return ``values`` as a 1-D object array and whether the input was a scalar."""
    if isinstance(values, (str, bytes)) or np.ndim(values) == 0:
        return np.array([values], dtype=object), True
    return np.asarray(values, dtype=object).ravel(), False


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and np.isnan(value)


def _clean_token(value: Any) -> str | None:
    """Common normalisation of a code token: text, NFKC, strip, upper; integral floats lose
    ``.0``."""
    if _is_missing(value):
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        text = str(int(value))
    elif isinstance(value, (float, np.floating)):
        text = str(int(value)) if float(value).is_integer() else str(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip().upper()
        if _NUMERIC_FLOAT.match(text):
            text = text.split(".", 1)[0]
    return text or None


def _map_unique(values: Any, func: Callable[[Any], Any]) -> tuple[np.ndarray, bool]:
    """Apply ``func`` once per distinct value and broadcast back (vectorised over repeats)."""
    arr, scalar = _as_array(values)
    if arr.size == 0:
        return np.empty(0, dtype=object), scalar
    codes, uniques = pd.factorize(pd.Series(arr, dtype=object), use_na_sentinel=True)
    mapped = np.array([func(u) for u in uniques] + [func(None)], dtype=object)
    return mapped[codes], scalar  # sentinel -1 picks the trailing func(None)


def _normalise_one(value: Any) -> str | None:
    text = _clean_token(value)
    if text is None:
        return None
    known = _land_lookup()
    if text not in known and ("0" + text) in known:
        return "0" + text
    return text


# --------------------------------------------------------------------------- land classes
def normalise_code(values: Any) -> Any:
    """Normalise land-class codes (地类编码) as written by the many tools that produce them.

    Each value is turned into text (NFKC, so full-width digits become ASCII), stripped and
    upper-cased (``"0201k"`` → ``"0201K"``); integral numbers lose a ``.0`` (``101.0`` → ``"101"``).
    A leading zero lost to a numeric field (or a spreadsheet) is restored only when that is
    unambiguous: the value is not itself a known code and ``"0" + value`` is one (``101`` →
    ``"0101"``, ``9`` → ``"09"``, ``"201K"`` → ``"0201K"``; ``"1001"`` and ``"10"`` are kept, and
    ``"104"`` stays ``"104"`` because ``0104`` does not exist).
    Anything else is returned as cleaned but otherwise unchanged (so unknown codes stay
    visible). Missing values (``None``, NaN, empty text) become ``None``.

    Parameters
    ----------
    values
        A scalar or an array-like of codes.

    Returns
    -------
    str or None, or numpy.ndarray of object
        Normalised codes, same shape as a 1-D input.
    """
    result, scalar = _map_unique(values, _normalise_one)
    return result[0] if scalar else result


def _flag(values: Any, flag: str) -> Any:
    lookup = _land_lookup()
    result, scalar = _map_unique(
        values, lambda v: bool(lookup[c][flag]) if (c := _normalise_one(v)) in lookup else False
    )
    out = result.astype(bool)
    return bool(out[0]) if scalar else out


def is_known(values: Any) -> Any:
    """Tell whether each code is a GB/T 21010-2017 or 三调 land class (after
    :func:`normalise_code`).

    Parameters
    ----------
    values
        A scalar or an array-like of codes.

    Returns
    -------
    bool or numpy.ndarray of bool
    """
    lookup = _land_lookup()
    result, scalar = _map_unique(values, lambda v: _normalise_one(v) in lookup)
    out = result.astype(bool)
    return bool(out[0]) if scalar else out


def is_cultivated(values: Any) -> Any:
    """Tell whether each code is cultivated land (耕地: 01, 0101, 0102, 0103).

    Parameters
    ----------
    values
        A scalar or an array-like of codes; unknown or missing codes give ``False``.

    Returns
    -------
    bool or numpy.ndarray of bool
    """
    return _flag(values, "cultivated")


def is_paddy(values: Any) -> Any:
    """Tell whether each code is paddy field (水田 0101).

    Parameters
    ----------
    values
        A scalar or an array-like of codes; unknown or missing codes give ``False``.

    Returns
    -------
    bool or numpy.ndarray of bool
    """
    return _flag(values, "paddy")


def is_construction(values: Any) -> Any:
    """Tell whether each code is construction land (建设用地).

    Construction land is 05*, 06*, 07*, 08*, 09*, 1001–1005, 1007–1009, 1109 水工建筑用地 and
    1201 空闲地 (三调 三大类). 1006 农村道路 and 1202 设施农用地 are agricultural land.

    Parameters
    ----------
    values
        A scalar or an array-like of codes; unknown or missing codes give ``False``.

    Returns
    -------
    bool or numpy.ndarray of bool
    """
    return _flag(values, "construction")


def normalise_czcsxm(values: Any) -> Any:
    """Normalise 城镇村属性码 values: text, stripped, upper-cased, ``203.0`` → ``"203"``.

    Parameters
    ----------
    values
        A scalar or an array-like; missing values become ``None``.

    Returns
    -------
    str or None, or numpy.ndarray of object
    """
    result, scalar = _map_unique(values, _clean_token)
    return result[0] if scalar else result


def is_rural_construction(codes: Any, czcsxm: Any = None) -> Any:
    """Tell whether each plot is rural construction land (DOMAIN.md rule ATTR005).

    The land class must be one of the 城镇村 construction codes 05*, 06*, 07* except 0701
    城镇住宅用地, 08*, 09*, 1004, 1005 or 1201 (column ``rural_construction_eligible``). When
    ``czcsxm`` is given, the plot must also lie in 村庄 or 采矿 (203, 203A, 204, 204A); a missing
    CZCSXM value then gives ``False``.

    Parameters
    ----------
    codes
        A scalar or an array-like of land-class codes.
    czcsxm
        ``None`` to check the land class only, or a scalar (applied to every code) or an
        array-like of the same length as ``codes``.

    Returns
    -------
    bool or numpy.ndarray of bool

    Raises
    ------
    ValueError
        If ``codes`` and ``czcsxm`` have different lengths.
    """
    eligible = _flag(codes, "rural_construction_eligible")
    if czcsxm is None:
        return eligible
    cz, cz_scalar = _map_unique(czcsxm, lambda v: _clean_token(v) in RURAL_CZCSXM)
    rural = cz.astype(bool)
    if np.ndim(eligible) == 0:
        if not cz_scalar:
            raise ValueError("codes is a scalar but czcsxm is an array")
        return bool(eligible and rural[0])
    if cz_scalar:
        return eligible & rural[0]
    if rural.shape != eligible.shape:
        raise ValueError(f"codes and czcsxm differ in length ({eligible.size} and {rural.size})")
    return eligible & rural


def is_rural_construction_land(codes: Any, czcsxm: Any = None) -> np.ndarray:
    """Rural construction land as ATTR005 and the quota basis judge it, element by element.

    The land class must be eligible (:func:`is_rural_construction` without ``czcsxm``) and,
    where a 城镇村属性码 is filled in, it must be 村庄 or 采矿 (203/203A/204/204A); a blank
    CZCSXM (or ``czcsxm=None``) does not disqualify the land. This is the one definition shared
    by rule ATTR005 (declared class of a demolition plot) and the quota basis of the balance
    (land-survey classes under a demolition plot).

    Parameters
    ----------
    codes
        An array-like of land-class codes.
    czcsxm
        ``None`` or an array-like of 城镇村属性码 of the same length.

    Returns
    -------
    numpy.ndarray of bool
    """
    values = np.asarray(codes, dtype=object)
    if not len(values):
        return np.zeros(0, dtype=bool)
    eligible = np.asarray(_flag(values, "rural_construction_eligible"), dtype=bool)
    if czcsxm is None:
        return eligible
    cz = np.asarray(czcsxm, dtype=object)
    if cz.shape != values.shape:
        raise ValueError(f"codes and czcsxm differ in length ({values.size} and {cz.size})")
    cleaned = np.asarray(normalise_czcsxm(cz), dtype=object)
    blank = np.array([c is None for c in cleaned], dtype=bool)
    return eligible & (blank | np.isin(cleaned, sorted(RURAL_CZCSXM)))


def class_name(values: Any, *, lang: str = "zh") -> Any:
    """Return the land-class name of each code.

    Parameters
    ----------
    values
        A scalar or an array-like of codes.
    lang
        ``"zh"`` (地类名称, default) or ``"en"``.

    Returns
    -------
    str or None, or numpy.ndarray of object
        ``None`` for unknown or missing codes.

    Raises
    ------
    ValueError
        If ``lang`` is neither ``"zh"`` nor ``"en"``.
    """
    if lang not in ("zh", "en"):
        raise ValueError(f"lang must be 'zh' or 'en', not {lang!r}")
    column = f"name_{lang}"
    lookup = _land_lookup()
    result, scalar = _map_unique(
        values, lambda v: lookup[c][column] if (c := _normalise_one(v)) in lookup else None
    )
    return result[0] if scalar else result


# --------------------------------------------------------------------------- quality, slope
