"""Checking the values of a project file: facts, key sets and the ``[[quota_sources]]`` tables.

Every problem is a :class:`~landlink_gis.base.errors.ProjectFileError` naming the file and the key,
so that a wrong project file ends in one clear message (exit 2), never in a traceback.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..base.errors import ProjectFileError

__all__ = [
    "QuotaSource",
    "Tiankan",
    "check_keys",
    "coerce_fact",
    "project_error",
    "quota_sources",
    "tiankan_table",
]

#: Facts that are amounts: finite and not negative.
_AMOUNT_KEYS = (
    "advance_quota_m2",
    "turnover_quota_m2",
    "households",
    "funds_wan_yuan",
    "approved_scale_m2",
)
_QUOTA_SOURCE_KEYS = {"code", "area_m2"}


@dataclass(frozen=True)
class QuotaSource:
    """One ``[[quota_sources]]`` entry: surplus quota a construction-only plan draws from a
    project."""

    code: str
    area_m2: float


#: 耕地坡度级别 (GDPDJB) a ``[tiankan]`` table may name.
SLOPE_CLASSES = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class Tiankan:
    """The county's 田坎 coefficient table (``[tiankan]``): slope class → coefficient.

    ``terraced`` holds the coefficients of 梯田 where the county distinguishes them; a class a
    table does not name deducts 0 (:meth:`coefficient`).
    """

    by_class: tuple[tuple[int, float], ...] = ()
    terraced: tuple[tuple[int, float], ...] = ()

    def coefficient(self, slope_class: int, terraced: bool = False) -> float:
        """The coefficient of ``slope_class`` (the terraced one where given for a 梯田 plot)."""
        if terraced and slope_class in dict(self.terraced):
            return dict(self.terraced)[slope_class]
        return dict(self.by_class).get(slope_class, 0.0)


def _coefficients(path: Path, where: str, table: dict[str, Any]) -> tuple[tuple[int, float], ...]:
    out = []
    for key, value in table.items():
        try:
            cls = int(str(key).strip())
        except ValueError:
            cls = None
        if cls not in SLOPE_CLASSES or str(key).strip() != str(cls):
            raise project_error(
                path,
                f"unknown key {key!r} in [{where}]; use the slope classes (耕地坡度级别) 1–5"
                + (" or terraced" if where == "tiankan" else ""),
            )
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(float(value))
            or not 0.0 <= float(value) < 1.0
        ):
            raise project_error(
                path,
                f"[{where}] {key} = {value!r}: a 田坎 coefficient is a fraction of the area "
                "(0 ≤ k < 1, e.g. 0.08)",
            )
        out.append((cls, float(value)))
    return tuple(sorted(out))


def tiankan_table(path: Path, raw: Any) -> Tiankan | None:
    """The ``[tiankan]`` table: 田坎 coefficients by slope class, optional ``terraced`` sub-table."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise project_error(
            path, "[tiankan] must be a table of slope class = coefficient (e.g. 2 = 0.03)"
        )
    terraced = raw.get("terraced", {})
    if not isinstance(terraced, dict):
        raise project_error(
            path, "[tiankan] terraced must be a table such as terraced = { 3 = 0.06, 4 = 0.10 }"
        )
    plain = {k: v for k, v in raw.items() if k != "terraced"}
    return Tiankan(
        by_class=_coefficients(path, "tiankan", plain),
        terraced=_coefficients(path, "tiankan.terraced", terraced),
    )


def project_error(path: Path, msg: str) -> ProjectFileError:
    return ProjectFileError(f"{path}: {msg}")


def check_keys(path: Path, where: str, table: dict[str, Any], allowed: set[str] | dict) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise project_error(
            path,
            f"unknown key(s) {', '.join(unknown)} in [{where}]; allowed: "
            f"{', '.join(sorted(allowed))}",
        )


def coerce_fact(path: Path, key: str, value: Any, kind: type) -> Any:
    if kind is float and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = float(value)
        if not math.isfinite(value):
            raise project_error(path, f"[project] {key} = {value!r} is not a finite number")
        if key in _AMOUNT_KEYS and value < 0:
            raise project_error(path, f"[project] {key} = {value!r} must not be negative")
        return value
    if (
        kind is int
        and isinstance(value, int)
        and not isinstance(value, bool)
        and key in _AMOUNT_KEYS
        and value < 0
    ):
        raise project_error(path, f"[project] {key} = {value!r} must not be negative")
    if kind is dt.date and isinstance(value, dt.datetime):
        return value.date()
    if kind is dt.date and isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise project_error(
                path, f"[project] {key} = {value!r} is not a date (use YYYY-MM-DD)"
            ) from None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise project_error(path, f"[project] {key} must be a {kind.__name__}, got {value!r}")
    return value


def quota_sources(path: Path, raw: Any, construction_only: bool) -> tuple[QuotaSource, ...]:
    """The ``[[quota_sources]]`` tables: required (and only allowed) for construction-only plans."""
    if raw is None:
        if construction_only:
            raise project_error(
                path,
                '[[quota_sources]] is required for kind = "construction_only" (one table per '
                "source project: code, area_m2)",
            )
        return ()
    if not construction_only:
        raise project_error(
            path, '[[quota_sources]] is only for [project] kind = "construction_only"'
        )
    if not isinstance(raw, list) or not raw or not all(isinstance(t, dict) for t in raw):
        raise project_error(
            path, "quota_sources must be [[quota_sources]] tables with code and area_m2"
        )
    out = []
    for i, table in enumerate(raw, start=1):
        where = f"quota_sources #{i}"
        check_keys(path, where, table, _QUOTA_SOURCE_KEYS)
        code = table.get("code")
        if not isinstance(code, str) or not code.strip():
            raise project_error(
                path, f"[{where}] code must be the source project's code (a non-empty string)"
            )
        area = table.get("area_m2")
        if (
            isinstance(area, bool)
            or not isinstance(area, (int, float))
            or not math.isfinite(float(area))
            or float(area) <= 0
        ):
            raise project_error(
                path, f"[{where}] area_m2 = {area!r} must be a positive number of m²"
            )
        out.append(QuotaSource(code=code.strip(), area_m2=float(area)))
    codes = [q.code for q in out]
    if len(set(codes)) != len(codes):
        raise project_error(
            path, "[[quota_sources]] names a source code twice; give one table per source project"
        )
    return tuple(out)
