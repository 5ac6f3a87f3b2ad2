"""Farmland under the plots: cultivated, paddy and quality-weighted area, per plot.

Two questions feed the balance rules (BAL002–BAL004) and PLAN005:

* what farmland a plot **occupies** (:func:`farmland_under`): from the land-survey layer
  (三调 地类图斑, role ``landuse``: ``DLBM`` class, ``GDDB`` grade) by overlay when the project
  has one, else from the plot's own declared class (``land_class``) and grade (``quality``);
* what farmland a demolition plot **yields** once reclaimed (:func:`farmland_reclaimed`): from
  its declared class after reclamation (``reclaim_class``) and grade (``quality``);
  :mod:`.reclaim` subtracts the farmland already there (newly added cultivated land).

Cultivated areas are **net of field ridges** (田坎) wherever the land-survey layer says how much
of a cultivated polygon its ridges take: ``KCXS`` (扣除系数, a fraction), else ``KCMJ / TBMJ``
(:func:`survey_kcxs`). Occupied land counts ``overlap × (1 − KCXS)`` of the survey polygon it
lies on. Reclaimed land has no survey yet, so a demolition plot reclaimed to a cultivated class
counts ``area × (1 − k)`` with ``k`` from the county's 田坎 table by slope class, else the
area-weighted mean coefficient of the nearby survey polygons of that class
(:func:`landlink_gis.figures.landuse.reclaim.reclaim_coefficients`).

The quota basis of a demolition plot (:func:`quota_basis`) is the part of it the survey shows
as rural construction land (:func:`landlink_gis.base.codes.is_rural_construction_land`, the classes
of ATTR005); without a survey, its whole area when its declared class is rural construction
land, else 0. An area that could not be computed (no geometry, CRS not usable) stays NaN in
every per-plot figure it would change: the balance never counts it as 0.

Quality grades are only counted when they are valid on the project's scale
(``quality_scale``: 等别 1–15 or 等级 1–10, lower is better); grades are never compared
across scales. The area-weighted grade of a set of plots is
``Σ quality_area_product / Σ quality_area_m2``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ...base.codes import (
    is_cultivated,
    is_paddy,
    is_rural_construction_land,
    valid_quality,
)
from ...engine.overlay import overlay_pairs

__all__ = [
    "FARMLAND_COLUMNS",
    "farmland_reclaimed",
    "farmland_under",
    "has_survey",
    "layer_kcxs",
    "plot_area",
    "quota_basis",
    "ridge_netted",
    "survey_kcxs",
    "weighted_grade",
]

logger = logging.getLogger(__name__)

#: Columns of the frames returned by :func:`farmland_under` and :func:`farmland_reclaimed`.
FARMLAND_COLUMNS: tuple[str, ...] = (
    "cultivated_m2",
    "paddy_m2",
    "quality_area_product",
    "quality_area_m2",
    "source",
)


def survey_pairs(ctx, role: str) -> pd.DataFrame:
    """Areas of every plot of ``role`` × land-survey polygon overlap, computed once per check.

    Areas only (``left``, ``right``, ``area_m2``, ``area_planar_m2``; no geometry): the balance,
    PLAN004/PLAN005, ATTR007 and the land-use structure table all sum these same figures, so
    the overlay runs once and on the compiled area kernel of :mod:`landlink_gis.engine.overlay`.
    """
    return ctx.cached(
        ("survey_pairs", role),
        lambda: overlay_pairs(
            ctx.valid_geoms(role),
            ctx.valid_geoms("landuse"),
            crs=ctx.crs,
            area_method=ctx.project.area_method,
            geometry=False,
        ),
    )


def plot_area(ctx, role: str) -> np.ndarray:
    """Area of each plot of ``role`` (project's area method), NaN where it could not be computed.

    A plot without a geometry (null or empty), with non-finite coordinates, or whose area the
    CRS does not allow is NaN here — never 0 — so the balance can say it was not checked.
    """

    def build() -> np.ndarray:
        area = ctx.area(role).astype(float).copy()
        present, _ = ctx.geometry_state(role)
        area[~present] = np.nan
        return area

    return ctx.cached(("plot_area", role), build)


def has_survey(ctx) -> bool:
    """Whether the project has a land-survey layer with land classes (三调 DLTB)."""
    return ctx.has("landuse") and ctx.has_field("landuse", "land_class")


def layer_kcxs(ctx, role: str) -> np.ndarray:
    """田坎 coefficient (fraction of the polygon) of each feature of a land-survey layer (``landuse``,
    or ``survey_after`` at acceptance); NaN where unknown (cached per layer).

    ``KCXS`` when the layer has it, else ``KCMJ / TBMJ`` (``kcmj`` over ``area_declared``).
    Values outside [0, 1) are not coefficients and are ignored (logged).
    """

    def build() -> np.ndarray:
        frame = ctx.attributes(role)
        k = np.full(len(frame), np.nan)
        if ctx.has_field(role, "kcxs"):
            k = frame["kcxs"].to_numpy(dtype=float).copy()
        if ctx.has_field(role, "kcmj") and ctx.has_field(role, "area_declared"):
            kcmj = frame["kcmj"].to_numpy(dtype=float)
            tbmj = frame["area_declared"].to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio = np.where(tbmj > 0, kcmj / np.where(tbmj > 0, tbmj, 1.0), np.nan)
            k = np.where(np.isfinite(k), k, ratio)
        bad = np.isfinite(k) & ((k < 0) | (k >= 1))
        if bad.any():
            logger.warning(
                "%s layer: %d 田坎 coefficient(s) outside [0, 1) ignored", role, int(bad.sum())
            )
            k[bad] = np.nan
        return k

    return ctx.cached(("kcxs", role), build)


def survey_kcxs(ctx) -> np.ndarray:
    """田坎 coefficient of each land-survey (三调) feature; NaN where unknown (:func:`layer_kcxs`)."""
    return layer_kcxs(ctx, "landuse")


def ridge_netted(ctx) -> bool:
    """Whether any cultivated land-survey feature carries a 田坎 coefficient (areas are netted)."""
    if not has_survey(ctx):
        return False
    codes, table = ctx.text_codes("landuse", "land_class")
    if not len(codes):
        return False
    cultivated = np.asarray(is_cultivated(table), dtype=bool)[codes]
    return bool(np.isfinite(survey_kcxs(ctx)[cultivated]).any())


def _declared(ctx, role: str, class_field: str, ridge: np.ndarray | None = None) -> pd.DataFrame:
    """Farmland figures from each plot's own class field and quality grade (``ridge``: 田坎 share
    per plot)."""
    frame = ctx.layer(role)
    area = plot_area(ctx, role)
    classes = frame[class_field].to_numpy(dtype=object)
    cultivated = np.asarray(is_cultivated(classes), dtype=bool) if len(frame) else np.zeros(0, bool)
    paddy = np.asarray(is_paddy(classes), dtype=bool) if len(frame) else np.zeros(0, bool)
    grade = frame["quality"].to_numpy(dtype=float)
    graded = cultivated & (
        np.asarray(valid_quality(grade, ctx.project.quality_scale), dtype=bool)
        if len(frame)
        else np.zeros(0, bool)
    )
    net = area * (1.0 - ridge) if ridge is not None else area
    # a plot whose area is unknown stays NaN only where its class makes the area count
    cult_m2 = np.where(cultivated, net, 0.0)
    qa = np.where(graded, cult_m2, 0.0)
    return pd.DataFrame(
        {
            "cultivated_m2": cult_m2,
            "paddy_m2": np.where(paddy, net, 0.0),
            "quality_area_product": np.where(graded, np.nan_to_num(grade) * cult_m2, 0.0),
            "quality_area_m2": qa,
            "source": "declared",
        },
        index=frame.index,
    )


def _from_landuse(ctx, role: str) -> pd.DataFrame:
    """Farmland figures from the overlay of the plots with the land-survey layer."""
    frame = ctx.layer(role)
    landuse = ctx.attributes("landuse")  # classes and grades only: no need for its areas
    pairs = survey_pairs(ctx, role)
    n = len(frame)
    out = {
        k: np.zeros(n)
        for k in ("cultivated_m2", "paddy_m2", "quality_area_product", "quality_area_m2")
    }
    if len(pairs):
        li = pairs["left"].to_numpy()
        rj = pairs["right"].to_numpy()
        area = pairs[ctx.area_column].to_numpy(dtype=float)
        classes = ctx.text("landuse", "land_class", rj)
        grade = landuse["quality"].to_numpy(dtype=float)[rj]
        cultivated = np.asarray(is_cultivated(classes), dtype=bool)
        paddy = np.asarray(is_paddy(classes), dtype=bool)
        graded = cultivated & np.asarray(
            valid_quality(grade, ctx.project.quality_scale), dtype=bool
        )
        net = area * (1.0 - np.nan_to_num(survey_kcxs(ctx)[rj]))  # 田坎 deducted where known
        cult_m2 = np.where(cultivated, net, 0.0)
        for key, values in (
            ("cultivated_m2", cult_m2),
            ("paddy_m2", np.where(paddy, net, 0.0)),
            ("quality_area_product", np.where(graded, np.nan_to_num(grade) * cult_m2, 0.0)),
            ("quality_area_m2", np.where(graded, cult_m2, 0.0)),
        ):
            out[key] = np.bincount(li, weights=values, minlength=n)
    result = pd.DataFrame(out, index=frame.index)
    unknown = ~np.isfinite(plot_area(ctx, role))
    result.loc[unknown, list(out)] = np.nan  # no area: the plot's farmland is unknown, not 0
    result["source"] = "landuse"
    return result


def farmland_under(ctx, role: str) -> pd.DataFrame:
    """Cultivated land, paddy and graded area occupied by each plot of layer ``role``.

    Parameters
    ----------
    ctx
        The :class:`~landlink_gis.load.context.CheckContext` of the check.
    role
        A layer role (``construction`` for the occupied side; ``demolition`` for what a
        demolition plot stands on today).

    Returns
    -------
    pandas.DataFrame
        Indexed like ``ctx.layers[role]``, with columns ``cultivated_m2``, ``paddy_m2``,
        ``quality_area_product`` (Σ grade × cultivated area that has a valid grade on the
        project's scale), ``quality_area_m2`` (cultivated area with a valid grade) and
        ``source`` (``landuse`` when measured by overlay with the land-survey layer,
        ``declared`` when taken from the plot's own ``land_class`` and ``quality``). Areas use
        the project's area method (ellipsoidal by default), in m².
    """

    def build() -> pd.DataFrame:
        if has_survey(ctx):
            return _from_landuse(ctx, role)
        if ctx.has("landuse"):
            logger.info(
                "land-use layer has no land-class field; using the declared classes of %s", role
            )
        return _declared(ctx, role, "land_class")

    return ctx.cached(("farmland_under", role), build).copy()


def farmland_reclaimed(ctx) -> pd.DataFrame:
    """Cultivated land, paddy and graded area each demolition plot yields once reclaimed.

    Uses the declared class after reclamation (``reclaim_class``) and the declared grade of the
    reclaimed land (``quality``) of the ``demolition`` layer; cultivated and paddy areas are net
    of 田坎 by :func:`landlink_gis.figures.landuse.reclaim.reclaim_kcxs`.

    Parameters
    ----------
    ctx
        The :class:`~landlink_gis.load.context.CheckContext` of the check.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``ctx.layers["demolition"]`` with the columns of :func:`farmland_under`;
        ``source`` is ``declared``.
    """
    from .reclaim import reclaim_kcxs  # the module builds on this one

    return ctx.cached(
        "farmland_reclaimed",
        lambda: _declared(ctx, "demolition", "reclaim_class", reclaim_kcxs(ctx)),
    ).copy()


def quota_basis(ctx) -> pd.DataFrame:
    """The quota basis of each demolition plot: the rural construction land it can turn into quota.

    Parameters
    ----------
    ctx
        The :class:`~landlink_gis.load.context.CheckContext` of the check.

    Returns
    -------
    pandas.DataFrame
        Indexed like the ``demolition`` layer: ``basis_m2`` (m², the project's area method) and
        ``source`` (``landuse``: the plot's overlap with land-survey polygons of rural
        construction classes — ATTR005's classes, CZCSXM 村庄/采矿 where filled in; ``declared``:
        the plot's own area when its declared class is rural construction land, else 0).
        ``basis_m2`` is NaN where the plot's area could not be computed.
    """

    def build() -> pd.DataFrame:
        frame = ctx.attributes("demolition")
        area = plot_area(ctx, "demolition")
        n = len(frame)
        if has_survey(ctx):
            pairs = survey_pairs(ctx, "demolition")
            li, rj = pairs["left"].to_numpy(), pairs["right"].to_numpy()
            cz = ctx.text("landuse", "czcsxm", rj) if ctx.has_field("landuse", "czcsxm") else None
            rural = is_rural_construction_land(ctx.text("landuse", "land_class", rj), cz)
            col = ctx.area_column
            weights = (
                np.where(rural, pairs[col].to_numpy(dtype=float), 0.0)
                if len(pairs)
                else np.zeros(0)
            )
            basis = (
                np.bincount(li, weights=weights, minlength=n).astype(float) if n else np.zeros(0)
            )
            basis = np.minimum(basis, np.where(np.isfinite(area), area, np.inf))
            basis[~np.isfinite(area)] = np.nan
            source = "landuse"
        else:
            cz = (
                frame["czcsxm"].to_numpy(dtype=object)
                if ctx.has_field("demolition", "czcsxm")
                else None
            )
            rural = is_rural_construction_land(frame["land_class"].to_numpy(dtype=object), cz)
            basis = np.where(rural, area, 0.0) if n else np.zeros(0)
            source = "declared"
        return pd.DataFrame({"basis_m2": basis, "source": source}, index=frame.index)

    return ctx.cached("quota_basis", build).copy()


def weighted_grade(frame: pd.DataFrame) -> float:
    """Area-weighted quality grade of the rows of a farmland frame (NaN when none is graded).

    Parameters
    ----------
    frame
        Rows of :func:`farmland_under` or :func:`farmland_reclaimed`.

    Returns
    -------
    float
        ``Σ quality_area_product / Σ quality_area_m2``.
    """
    area = float(frame["quality_area_m2"].sum())
    return float(frame["quality_area_product"].sum()) / area if area > 0 else float("nan")
