"""Farmland under the plots: cultivated, paddy and quality-weighted area, per plot.

Two questions feed the balance rules (BAL002–BAL004) and PLAN005:

* what farmland a plot **occupies** (:func:`farmland_under`): from the land-survey layer
  (三调 地类图斑, role ``landuse``: ``DLBM`` class, ``GDDB`` grade) by overlay when the project
  has one, else from the plot's own declared class (``land_class``) and grade (``quality``);
* what farmland a demolition plot **yields** once reclaimed (:func:`farmland_reclaimed`): from
  its declared class after reclamation (``reclaim_class``) and grade (``quality``).

Quality grades are only counted when they are valid on the project's scale
(``quality_scale``: 等别 1–15 or 等级 1–10, lower is better); grades are never compared
across scales. The area-weighted grade of a set of plots is
``Σ quality_area_product / Σ quality_area_m2``.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from .codes import is_cultivated, is_paddy, valid_quality
from .overlay import overlay_pairs

__all__ = ["FARMLAND_COLUMNS", "farmland_reclaimed", "farmland_under", "weighted_grade"]

logger = logging.getLogger(__name__)

#: Columns of the frames returned by :func:`farmland_under` and :func:`farmland_reclaimed`.
FARMLAND_COLUMNS: tuple[str, ...] = (
    "cultivated_m2",
    "paddy_m2",
    "quality_area_product",
    "quality_area_m2",
    "source",
)


def _declared(ctx, role: str, class_field: str) -> pd.DataFrame:
    """Farmland figures from each plot's own class field and quality grade."""
    frame = ctx.layer(role)
    area = ctx.area(role).copy()
    area[~np.isfinite(area)] = 0.0
    classes = frame[class_field].to_numpy(dtype=object)
    cultivated = np.asarray(is_cultivated(classes), dtype=bool) if len(frame) else np.zeros(0, bool)
    paddy = np.asarray(is_paddy(classes), dtype=bool) if len(frame) else np.zeros(0, bool)
    grade = frame["quality"].to_numpy(dtype=float)
    graded = cultivated & (np.asarray(valid_quality(grade, ctx.project.quality_scale), dtype=bool) if len(frame) else np.zeros(0, bool))
    cult_m2 = np.where(cultivated, area, 0.0)
    qa = np.where(graded, cult_m2, 0.0)
    return pd.DataFrame(
        {
            "cultivated_m2": cult_m2,
            "paddy_m2": np.where(paddy, area, 0.0),
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
    pairs = overlay_pairs(
        ctx.valid_geoms(role), ctx.valid_geoms("landuse"), crs=ctx.crs, area_method=ctx.project.area_method
    )
    n = len(frame)
    out = {k: np.zeros(n) for k in ("cultivated_m2", "paddy_m2", "quality_area_product", "quality_area_m2")}
    if len(pairs):
        li = pairs["left"].to_numpy()
        rj = pairs["right"].to_numpy()
        area = (pairs["area_planar_m2"] if ctx.project.area_method == "planar" else pairs["area_m2"]).to_numpy(dtype=float)
        classes = landuse["land_class"].to_numpy(dtype=object)[rj]
        grade = landuse["quality"].to_numpy(dtype=float)[rj]
        cultivated = np.asarray(is_cultivated(classes), dtype=bool)
        paddy = np.asarray(is_paddy(classes), dtype=bool)
        graded = cultivated & np.asarray(valid_quality(grade, ctx.project.quality_scale), dtype=bool)
        cult_m2 = np.where(cultivated, area, 0.0)
        for key, values in (
            ("cultivated_m2", cult_m2),
            ("paddy_m2", np.where(paddy, area, 0.0)),
            ("quality_area_product", np.where(graded, np.nan_to_num(grade) * cult_m2, 0.0)),
            ("quality_area_m2", np.where(graded, cult_m2, 0.0)),
        ):
            out[key] = np.bincount(li, weights=values, minlength=n)
    result = pd.DataFrame(out, index=frame.index)
    result["source"] = "landuse"
    return result


def farmland_under(ctx, role: str) -> pd.DataFrame:
    """Cultivated land, paddy and graded area occupied by each plot of layer ``role``.

    Parameters
    ----------
    ctx
        The :class:`~landlink_gis.context.CheckContext` of the check.
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
        if ctx.has("landuse") and ctx.has_field("landuse", "land_class"):
            return _from_landuse(ctx, role)
        if ctx.has("landuse"):
            logger.info("land-use layer has no land-class field; using the declared classes of %s", role)
        return _declared(ctx, role, "land_class")

    return ctx.cached(("farmland_under", role), build).copy()


def farmland_reclaimed(ctx) -> pd.DataFrame:
    """Cultivated land, paddy and graded area each demolition plot yields once reclaimed.

    Uses the declared class after reclamation (``reclaim_class``) and the declared grade of the
    reclaimed land (``quality``) of the ``demolition`` layer.

    Parameters
    ----------
    ctx
        The :class:`~landlink_gis.context.CheckContext` of the check.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``ctx.layers["demolition"]`` with the columns of :func:`farmland_under`;
        ``source`` is ``declared``.
    """
    return ctx.cached("farmland_reclaimed", lambda: _declared(ctx, "demolition", "reclaim_class")).copy()


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
