"""Quality-grade scales and slope classes: ranges and vectorised checks."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ._tables import _as_array

__all__ = [
    "QUALITY_SCALES",
    "SLOPE_CLASS_BOUNDS",
    "slope_class",
    "valid_quality",
    "valid_slope_class",
]

#: Cultivated-land quality scales: name -> (best, worst). Lower number = better in both.
#: ``dengbie`` 耕地质量等别 (GB/T 28407, 1–15); ``dengji`` 耕地质量等级 (GB/T 33469, 1–10).
QUALITY_SCALES: dict[str, tuple[int, int]] = {"dengbie": (1, 15), "dengji": (1, 10)}
#: Upper bounds (degrees, inclusive) of slope classes 1–4; class 5 is anything steeper.
SLOPE_CLASS_BOUNDS: tuple[float, ...] = (2.0, 6.0, 15.0, 25.0)


def _numeric(values: Any) -> tuple[np.ndarray, bool]:
    arr, scalar = _as_array(values)
    cleaned = pd.Series(arr, dtype=object).map(
        lambda v: v.strip() if isinstance(v, str) else (None if isinstance(v, bool) else v)
    )
    return pd.to_numeric(cleaned, errors="coerce").to_numpy(dtype=float), scalar


def valid_quality(values: Any, scale: str) -> Any:
    """Tell whether each value is a valid grade of the given quality scale.

    A valid grade is an integer (``3``, ``3.0`` or ``"3"``) between the scale's bounds,
    inclusive; missing and non-numeric values are invalid. Never compare grades across scales.

    Parameters
    ----------
    values
        A scalar or an array-like of grades.
    scale
        A key of :data:`QUALITY_SCALES`: ``"dengbie"`` (等别 1–15) or ``"dengji"`` (等级 1–10).

    Returns
    -------
    bool or numpy.ndarray of bool

    Raises
    ------
    ValueError
        If ``scale`` is not a known scale.
    """
    if scale not in QUALITY_SCALES:
        raise ValueError(f"unknown quality scale {scale!r}; use one of {sorted(QUALITY_SCALES)}")
    low, high = QUALITY_SCALES[scale]
    num, scalar = _numeric(values)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(num) & (num == np.round(num)) & (num >= low) & (num <= high)
    return bool(ok[0]) if scalar else ok


def slope_class(degrees: Any) -> Any:
    """Classify slopes in degrees into 耕地坡度级别 1–5.

    Classes: 1 ≤ 2°, 2 (2°, 6°], 3 (6°, 15°], 4 (15°, 25°], 5 > 25°; a boundary value belongs to
    the gentler class. Missing, non-numeric, negative or > 90° values give class 0 (no class).

    Parameters
    ----------
    degrees
        A scalar or an array-like of slopes in degrees.

    Returns
    -------
    int or numpy.ndarray of int8
    """
    num, scalar = _numeric(degrees)
    classes = (np.digitize(num, SLOPE_CLASS_BOUNDS, right=True) + 1).astype(np.int8)
    with np.errstate(invalid="ignore"):
        invalid = ~np.isfinite(num) | (num < 0) | (num > 90)
    classes[invalid] = 0
    return int(classes[0]) if scalar else classes


def valid_slope_class(values: Any) -> Any:
    """Tell whether each value is a valid slope class (an integer 1–5).

    Parameters
    ----------
    values
        A scalar or an array-like of slope classes (``2``, ``2.0`` and ``"2"`` are valid).

    Returns
    -------
    bool or numpy.ndarray of bool
    """
    num, scalar = _numeric(values)
    with np.errstate(invalid="ignore"):
        ok = np.isfinite(num) & (num == np.round(num)) & (num >= 1) & (num <= 5)
    return bool(ok[0]) if scalar else ok
