"""Acceptance figures (验收): the reclaimed land as the ``survey_after`` layer shows it.

An acceptance check (``[project] stage = "acceptance"``) reads the land-use change survey or
completion survey of the reclaimed land (``survey_after``: class ``DLBM``, 田坎 ``KCXS`` or
``KCMJ``/``TBMJ``, grade ``GDDB``/``ZLDB``, 权属性质 ``QSXZ``) and measures per demolition plot
what ACC001–ACC005 judge (DOMAIN.md §4b *Acceptance*): the share of the plot in its reclaim
class family, whether the land is still collectively owned, the cultivated land and paddy net of
the measured 田坎, their grade, and the planned figures they are compared with. Computed once per
check (cached on the context).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely

from ..base.codes import is_cultivated, is_paddy, valid_quality
from ..base.fields import as_text
from ..engine.area import ellipsoidal_area, planar_area
from ..engine.overlay import overlay_pairs
from .landuse import (
    farmland_reclaimed,
    farmland_under,
    has_survey,
    layer_kcxs,
    plot_area,
    quota_basis,
)

__all__ = [
    "AcceptanceFigures",
    "COLLECTIVE_QSXZ",
    "acceptance_figures",
    "add_acceptance_rows",
    "neighbour_grade",
    "passing",
    "planned",
]

#: 权属性质 codes of collective ownership (集体土地所有权, 30–34).
COLLECTIVE_QSXZ: frozenset[str] = frozenset({"30", "31", "32", "33", "34"})


@dataclass(frozen=True)
class AcceptanceFigures:
    """Per demolition plot (indexed like ``ctx.layers["demolition"]``) and for the project."""

    #: columns: ``area_m2``, ``family``, ``in_family_m2``, ``share``, ``ownership`` (the 权属性质
    #: codes found that are not collective, comma-separated), ``cultivated_m2``, ``paddy_m2``,
    #: ``quality_area_product``, ``quality_area_m2`` (accepted, net of the measured 田坎),
    #: ``existing_cultivated_m2``, ``existing_paddy_m2`` (the plan's survey inside the plot),
    #: ``planned_cultivated_m2``, ``planned_quality``, ``basis_m2`` (the quota basis)
    plots: pd.DataFrame


def _ridge(ctx) -> np.ndarray:
    """The measured 田坎 coefficient of each ``survey_after`` feature (0 where unknown)."""
    return np.nan_to_num(layer_kcxs(ctx, "survey_after"))


def _family(codes) -> np.ndarray:
    text = np.asarray(as_text(pd.Series(codes, dtype=object)), dtype=object)
    return np.array([str(c)[:2] if c else "" for c in text], dtype=object)


def acceptance_figures(ctx, tolerance_m2: float = 1.0) -> AcceptanceFigures:
    """The acceptance figures of every demolition plot (cached on the context).

    Parameters
    ----------
    ctx
        The check context of an acceptance check (``survey_after`` present).
    tolerance_m2
        Overlaps with a ``survey_after`` polygon below this area are slivers: their 权属性质 is not
        judged.
    """

    def build() -> AcceptanceFigures:
        demo = ctx.layer("demolition")
        n = len(demo)
        after = ctx.attributes("survey_after")
        pairs = overlay_pairs(
            ctx.valid_geoms("demolition"),
            ctx.valid_geoms("survey_after"),
            crs=ctx.crs,
            area_method=ctx.project.area_method,
            geometry=False,
        )
        li = pairs["left"].to_numpy(dtype=int)
        rj = pairs["right"].to_numpy(dtype=int)
        area = pairs[ctx.area_column].to_numpy(dtype=float)
        classes = ctx.text("survey_after", "land_class", rj)
        family = _family(demo["reclaim_class"].to_numpy(dtype=object))
        same = _family(classes) == family[li]
        net = area * (1.0 - _ridge(ctx)[rj])
        cultivated = np.asarray(is_cultivated(classes), dtype=bool)
        paddy = np.asarray(is_paddy(classes), dtype=bool)
        grade = (
            after["quality"].to_numpy(dtype=float)[rj]
            if ctx.has_field("survey_after", "quality")
            else np.full(len(rj), np.nan)
        )
        graded = cultivated & np.asarray(
            valid_quality(grade, ctx.project.quality_scale), dtype=bool
        )
        cult = np.where(cultivated, net, 0.0)

        def per_plot(values) -> np.ndarray:
            return np.bincount(li, weights=values, minlength=n)

        owner = (
            np.asarray(as_text(after["ownership"]), dtype=object)[rj]
            if ctx.has_field("survey_after", "ownership")
            else np.full(len(rj), None, dtype=object)
        )
        owner = np.array(
            [str(int(float(o))) if _numeric(o) else (str(o) if o else "") for o in owner],
            dtype=object,
        )
        foreign = (area >= tolerance_m2) & ~np.isin(owner, list(COLLECTIVE_QSXZ))
        found = [""] * n
        for i in np.unique(li[foreign]):
            codes = sorted({o or "空" for o in owner[foreign & (li == i)]})
            found[i] = ",".join(codes)
        plot_m2 = plot_area(ctx, "demolition")
        if has_survey(ctx):
            existing = farmland_under(ctx, "demolition")
            exist_cult = existing["cultivated_m2"].to_numpy(dtype=float)
            exist_paddy = existing["paddy_m2"].to_numpy(dtype=float)
        else:
            exist_cult = exist_paddy = np.zeros(n)
        reclaimed = farmland_reclaimed(ctx)
        rq_area = reclaimed["quality_area_m2"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            planned_q = np.where(
                rq_area > 0,
                reclaimed["quality_area_product"].to_numpy(dtype=float) / rq_area,
                np.nan,
            )
        in_family = per_plot(np.where(same, area, 0.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(plot_m2 > 0, in_family / plot_m2, np.nan)
        table = pd.DataFrame(
            {
                "area_m2": plot_m2,
                "family": family,
                "in_family_m2": in_family,
                "share": share,
                "ownership": np.array(found, dtype=object),
                "cultivated_m2": per_plot(cult),
                "paddy_m2": per_plot(np.where(paddy, net, 0.0)),
                "quality_area_product": per_plot(
                    np.where(graded, np.nan_to_num(grade) * cult, 0.0)
                ),
                "quality_area_m2": per_plot(np.where(graded, cult, 0.0)),
                "existing_cultivated_m2": np.nan_to_num(exist_cult),
                "existing_paddy_m2": np.nan_to_num(exist_paddy),
                "planned_cultivated_m2": reclaimed["cultivated_m2"].to_numpy(dtype=float)
                - np.nan_to_num(exist_cult),
                "planned_quality": planned_q,
                "basis_m2": quota_basis(ctx)["basis_m2"].to_numpy(dtype=float),
            },
            index=demo.index,
        )
        return AcceptanceFigures(plots=table)

    return ctx.cached(("acceptance_figures", float(tolerance_m2)), build)


def _numeric(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return value not in (None, "")


def neighbour_grade(ctx, neighbour_m: float) -> tuple[float, float]:
    """Area-weighted grade of the cultivated land of ``survey_after`` within ``neighbour_m`` of
    the demolition plots, the plots themselves left out; returns ``(grade, graded m²)``."""

    def build() -> tuple[float, float]:
        geoms = ctx.valid_geoms("demolition")
        own = shapely.union_all(geoms[~shapely.is_missing(geoms)])
        if own is None or shapely.is_empty(own):
            return float("nan"), 0.0
        zone = shapely.difference(shapely.buffer(own, neighbour_m), own)
        after = ctx.attributes("survey_after")
        if not ctx.has_field("survey_after", "quality"):
            return float("nan"), 0.0
        classes = after["land_class"].to_numpy(dtype=object)
        grade = after["quality"].to_numpy(dtype=float)
        keep = np.asarray(is_cultivated(classes), dtype=bool) & np.asarray(
            valid_quality(grade, ctx.project.quality_scale), dtype=bool
        )
        survey = ctx.valid_geoms("survey_after")
        keep &= ~shapely.is_missing(survey)
        if not keep.any():
            return float("nan"), 0.0
        parts = shapely.intersection(survey[keep], zone)
        if ctx.project.area_method == "planar":
            area = planar_area(parts)
        else:
            area = ellipsoidal_area(parts, ctx.crs)
        area = np.nan_to_num(np.asarray(area, dtype=float)) * (1.0 - _ridge(ctx)[keep])
        total = float(area.sum())
        if total <= 0:
            return float("nan"), 0.0
        return float((area * grade[keep]).sum() / total), total

    return ctx.cached(("acceptance_neighbours", float(neighbour_m)), build)


def planned(ctx, sheet) -> dict[str, float]:
    """The plan's newly added cultivated land and grade the acceptance is compared with: the
    ``newly_added_*`` figures of ``sheet`` when the check has them, else reclaimed minus
    existing (and the reclaimed grade)."""
    table = acceptance_figures(ctx).plots
    fig = sheet.get("newly_added_cultivated")
    cultivated = fig.m2 if fig is not None else float(np.nansum(table["planned_cultivated_m2"]))
    fig = sheet.get("newly_added_quality") or sheet.get("reclaimed_quality")
    return {"cultivated": cultivated, "quality": fig.grade if fig is not None else float("nan")}


def passing(ctx, min_reclaimed_share: float) -> np.ndarray:
    """Mask of the demolition plots passing ACC001 (share in the reclaim class family) and ACC004
    (still collectively owned): the plots an acceptance accepts."""
    tolerance = float(ctx.params.get("overlap_tolerance_m2", 1.0))
    table = acceptance_figures(ctx, tolerance).plots
    share = table["share"].to_numpy(dtype=float)
    ok_share = np.isfinite(share) & (share >= float(min_reclaimed_share) - 1e-12)
    return ok_share & (table["ownership"].to_numpy(dtype=object) == "")


def add_acceptance_rows(ctx, sheet) -> None:
    """ACC005's rows of the balance sheet: ``accepted_basis`` (quota basis of the plots passing
    ACC001 and ACC004), ``surplus_generated`` (accepted basis − construction),
    ``turnover_returned`` (min(lent, accepted basis); lent = ``turnover_quota_m2``, else the
    construction area), ``accepted_newly_added_cultivated`` / ``_paddy`` (accepted cultivated
    land / paddy net of the measured 田坎 minus what the plan's survey already showed, on the
    passing plots) and ``accepted_quality`` (their area-weighted grade)."""
    share = float(ctx.params.get("min_reclaimed_share", 0.95))
    tolerance = float(ctx.params.get("overlap_tolerance_m2", 1.0))
    table = acceptance_figures(ctx, tolerance).plots
    ok = passing(ctx, share)
    part = table[ok]
    basis = float(np.nansum(part["basis_m2"]))
    con = sheet.get("construction_area")
    con_m2 = con.m2 if con is not None else 0.0
    issued = ctx.project.turnover_quota_m2
    lent = float(issued) if issued is not None else con_m2
    graded = float(part["quality_area_m2"].sum())
    grade = float(part["quality_area_product"].sum()) / graded if graded > 0 else float("nan")
    for key, zh, en, m2, g in (
        (
            "accepted_basis",
            "验收通过地块指标基数",
            "accepted basis (plots passing ACC001, ACC004)",
            basis,
            float("nan"),
        ),
        (
            "surplus_generated",
            "验收产生节余指标",
            "surplus quota generated at acceptance",
            basis - con_m2,
            float("nan"),
        ),
        (
            "turnover_returned",
            "验收归还周转指标",
            "turnover quota returned at acceptance",
            min(lent, basis),
            float("nan"),
        ),
        (
            "accepted_newly_added_cultivated",
            "验收新增耕地面积（扣除实测田坎）",
            "newly added cultivated land at acceptance (net of measured field ridges)",
            float((part["cultivated_m2"] - part["existing_cultivated_m2"]).sum()),
            float("nan"),
        ),
        (
            "accepted_newly_added_paddy",
            "验收新增水田面积（扣除实测田坎）",
            "newly added paddy at acceptance (net of measured field ridges)",
            float((part["paddy_m2"] - part["existing_paddy_m2"]).sum()),
            float("nan"),
        ),
        (
            "accepted_quality",
            "验收新增耕地加权质量等别（已评定面积）",
            "area-weighted grade of the accepted cultivated land (graded area)",
            graded,
            grade,
        ),
    ):
        sheet.add(key, zh, en, m2, grade=g, rule_id="ACC005", basis="survey_after")
