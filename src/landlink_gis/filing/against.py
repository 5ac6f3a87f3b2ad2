"""A package's coordinate TXTs against the checked GeoPackage they were written from.

``landlink package --verify DIR --against CHECKED.gpkg``: every plot of the checked project is in the
TXT of its role (拆旧 → ``txt/demolition``, 安置/城镇建新 → ``txt/construction``) and no other; each
plot's coordinates are those that were checked (the symmetric difference is at most
``tolerance_m2``), and its 地块面积 is the checked area (ellipsoidal or planar, as the package
records) to the 0.0001 公顷 the file holds. A package whose coordinates were edited after the check
is caught here.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import shapely
from pyproj import CRS, Transformer

from ..base.errors import DataSourceError, InputError
from ..io.coordtxt.content import TxtContent
from ..ledger.checked import read_checked
from .syntax import Problem

__all__ = ["against_problems"]

_ROLE_ZH = {"demolition": "拆旧地块", "construction": "建新地块"}


def _role(content: TxtContent, role: str | None) -> str:
    if role is not None:
        return role
    uses = [u for u in content.uses if u]
    demolition = sum(u == "拆旧" for u in uses)
    return "demolition" if uses and demolition * 2 >= len(uses) else "construction"


def against_problems(
    contents: Sequence[tuple[TxtContent, str | None]],
    checked: Path,
    *,
    area_basis: str = "ellipsoidal",
    tolerance_m2: float = 1.0,
    whole_package: bool = False,
) -> list[Problem]:
    """Problems of the TXTs against the checked GeoPackage ``checked``.

    Parameters
    ----------
    contents
        Each TXT's content and its role (``None``: decided by its 地块用途).
    checked
        The filing GeoPackage written by ``landlink check``.
    area_basis
        ``ellipsoidal`` or ``planar``: which checked area 地块面积 must equal.
    tolerance_m2
        Coordinates may differ from the checked plot by this area (rounding to the file's
        precision).
    whole_package
        ``contents`` are all the TXTs of a package: plots of a role without a TXT are missing too
        (one TXT is compared with the plots of its own role only).

    Raises
    ------
    DataSourceError
        ``checked`` is not a checked project.
    """
    try:
        project = read_checked(checked)
    except InputError as exc:
        raise DataSourceError(str(exc)) from None
    plots = project.plots
    plots = plots[~(plots.geometry.isna() | plots.geometry.is_empty)]
    column = "area_m2" if area_basis == "ellipsoidal" else "area_planar_m2"
    out: list[Problem] = []
    seen: dict[str, set[str]] = {"demolition": set(), "construction": set()}
    names: dict[str, str] = {}
    for content, role in contents:
        role = _role(content, role)
        names.setdefault(role, content.name)
        mine = plots[plots["layer"] == role]
        by_id = {str(pid): k for k, pid in enumerate(mine["plot_id"].astype(str))}
        geoms = content.geoms
        if content.epsg is not None and plots.crs is not None and len(geoms):
            t = Transformer.from_crs(CRS.from_epsg(content.epsg), plots.crs, always_xy=True)
            ok = ~shapely.is_missing(geoms)
            moved = np.full(len(geoms), None, dtype=object)
            moved[ok] = shapely.transform(
                geoms[ok], lambda xy, t=t: np.column_stack(t.transform(*xy.T))
            )
            geoms = moved
        seen[role].update(content.ids)
        k = np.array([by_id.get(pid, -1) for pid in content.ids], dtype=int)
        for i in np.flatnonzero(k < 0).tolist():
            out.append(
                Problem(
                    content.name,
                    content.lines[i],
                    "against_extra",
                    f"地块 {content.ids[i]} 不在检查结果（{checked.name}）的{_ROLE_ZH[role]}中",
                    plot=content.ids[i],
                )
            )
        diff = np.zeros(len(k))
        if len(geoms):
            both = np.flatnonzero((k >= 0) & ~shapely.is_missing(geoms))
            theirs = mine.geometry.to_numpy()[k[both]]
            diff[both] = shapely.area(shapely.symmetric_difference(geoms[both], theirs))
        expected = np.full(len(k), np.nan)
        expected[k >= 0] = mine[column].to_numpy(dtype=float)[k[k >= 0]] / 10_000.0
        declared = content.declared_ha if len(content.declared_ha) == len(k) else expected
        with np.errstate(invalid="ignore"):
            area_off = np.abs(declared - expected) > 0.0001 + 1e-9
        for i in np.flatnonzero(diff > tolerance_m2).tolist():
            out.append(
                Problem(
                    content.name,
                    content.lines[i],
                    "against_geometry",
                    f"地块 {content.ids[i]} 的坐标与检查结果不同（相差 {diff[i]:.1f} 平方米）："
                    "检查后坐标被改动，须重新检查",
                    plot=content.ids[i],
                )
            )
        for i in np.flatnonzero(area_off).tolist():
            out.append(
                Problem(
                    content.name,
                    content.lines[i],
                    "against_area",
                    f"地块 {content.ids[i]} 的地块面积 {declared[i]:.4f} 公顷，检查结果为 "
                    f"{expected[i]:.4f} 公顷",
                    plot=content.ids[i],
                )
            )
    for role, ids in seen.items():
        mine = plots[plots["layer"] == role]
        missing = [str(p) for p in mine["plot_id"].astype(str) if str(p) not in ids]
        if missing and (role in names or whole_package):
            listed = "、".join(missing[:20]) + (
                f" 等 {len(missing)} 个" if len(missing) > 20 else ""
            )
            out.append(
                Problem(
                    names.get(role, checked.name),
                    None,
                    "against_missing",
                    f"检查结果中的{_ROLE_ZH[role]} {listed} 不在坐标文件中",
                )
            )
    return out
