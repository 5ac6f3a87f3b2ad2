"""Plan adjustment rules (ADJ001–ADJ005): an adjusted plan checked against the approved one.

The previous plan (``ctx.previous``: the ledger's latest registered plan of this
project code, or ``landlink check --previous APPROVED_CHECKED.gpkg``) has columns ``layer``,
``plot_id``, ``area_m2``, ``state`` and geometry. Plots are matched by layer and plot id: a plot
only in the new plan is *added*, only in the old one *removed*, in both with more than
``overlap_tolerance_m2`` gained or lost *reshaped*.
"""

from __future__ import annotations

import re

import numpy as np
import shapely

from ..base.findings import make
from ..base.roles import PLOT_ROLES
from ..engine.geomops import polygonal
from ..engine.overlay import overlay_pairs, uncovered_parts
from ..figures.changes import CHANGE_COLUMNS, current_plots, plan_changes
from ..load.context import CheckContext
from ._citations import MONITORING_2014
from ._common import TOLERANCE, reference_ids
from ._registry import rule

__all__ = ["ALLOWED_REASONS", "CHANGE_COLUMNS", "plan_changes", "reason_allowed"]


#: Allowed adjustment reasons (004 可调整情形) and words that name them.
ALLOWED_REASONS: dict[str, tuple[str, ...]] = {
    "farmers_wishes": (
        "群众意愿",
        "农民意愿",
        "村民意愿",
        "意愿变化",
        "意愿发生变化",
        "farmers' wishes",
        "farmers wishes",
        "wishes changed",
    ),
    "planning_change": (
        "规划调整",
        "规划变更",
        "规划修编",
        "国土空间规划",
        "行政区划",
        "区划调整",
        "planning change",
        "administrative change",
        "administrative division",
    ),
}
_LAYER_ZH = {"demolition": "拆旧", "construction": "建新"}


def reason_allowed(reason: str | None) -> str | None:
    """Which allowed reason ``reason`` names (``farmers_wishes`` / ``planning_change``), or None."""
    if not reason or not reason.strip():
        return None
    text = re.sub(r"\s+", " ", reason.strip().lower())
    for key, words in ALLOWED_REASONS.items():
        if any(w.lower() in text for w in words):
            return key
    return None


def _moved_in(ctx: CheckContext, role: str) -> tuple[np.ndarray, np.ndarray]:
    """Ids and geometries of the land a plan adds to ``role``: added plots whole, reshaped plots'
    gained part."""
    changes = plan_changes(ctx)
    prev = ctx.previous.plots
    ids, geoms, _ = current_plots(ctx, role)
    pos = {p: i for i, p in enumerate(ids)}
    mine = changes[(changes["layer"] == role) & changes["change"].isin(["added", "reshaped"])]
    out_ids = mine["plot_id"].to_numpy(dtype=object)
    out = np.array([geoms[pos[p]] for p in out_ids], dtype=object)
    reshaped = (mine["change"] == "reshaped").to_numpy()
    if reshaped.any():
        old = prev[prev["layer"] == role]
        old_geom = dict(
            zip(
                old["plot_id"].astype(str),
                polygonal(np.asarray(old.geometry.array, dtype=object)),
                strict=True,
            )
        )
        olds = np.array([old_geom.get(p) for p in out_ids[reshaped]], dtype=object)
        has_old = ~shapely.is_missing(olds) & ~shapely.is_missing(out[reshaped])
        sub = out[reshaped]
        sub[has_old] = polygonal(shapely.difference(sub[has_old], olds[has_old]))
        out[reshaped] = sub
    return out_ids, out


def _moved_in_overlaps(ctx: CheckContext, role: str, other: str, tol: float):
    ids, geoms = _moved_in(ctx, role)
    if not len(ids):
        return None
    pairs = overlay_pairs(
        geoms,
        ctx.valid_geoms(other),
        crs=ctx.crs,
        tolerance_m2=tol,
        area_method=ctx.project.area_method,
    )
    if not len(pairs):
        return None

    li, rj = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    col = ctx.area_column
    return make(
        layer=role,
        plot_id=ids[li],
        other_layer=other,
        other_id=reference_ids(ctx, other, rj),
        geometry=pairs["geometry"].to_numpy(),
        measured=pairs[col].to_numpy(),
        threshold=tol,
        unit="m2",
        crs=ctx.crs,
    )


@rule(
    "ADJ001",
    name="adjustments.removes_confirmed",
    severity="error",
    title=(
        "调整方案调出已建成并经变更调查确认的建新地块",
        "Adjusted plan removes a built, survey-confirmed construction plot",
    ),
    message=(
        "调整方案调出已建成并经土地变更调查确认的建新地块 {plot_id}：{measured:.2f} m² "
        "不在新方案的建新地块内",
        "The adjusted plan drops {measured:.2f} m² of construction plot {plot_id}, already built "
        "and confirmed by the land-use change survey",
    ),
    reference=f"{MONITORING_2014} 三(一) 已建成并经变更调查确认的建新地块不得调出",
    requires=("ledger:previous",),
    params=TOLERANCE,
    example="the approved plan's JX001 is built and confirmed (ledger status `confirmed`); the adjusted plan no longer has it",  # noqa: E501
)
def removes_confirmed(ctx: CheckContext, overlap_tolerance_m2):
    """A construction plot that is built and confirmed by the change survey cannot leave the
    plan."""
    prev = ctx.previous.plots
    done = prev[(prev["layer"] == "construction") & (prev["state"].astype(str) == "confirmed")]
    if not len(done):
        return None
    old = polygonal(np.asarray(done.geometry.array, dtype=object))
    cur = ctx.valid_geoms("construction") if ctx.has("construction") else np.array([], dtype=object)
    parts = uncovered_parts(old, cur, crs=ctx.crs, tolerance_m2=overlap_tolerance_m2)
    if not len(parts):
        return None
    col = ctx.area_column
    return make(
        layer="construction",
        plot_id=done["plot_id"].astype(str).to_numpy()[parts["left"].to_numpy()],
        geometry=parts["geometry"].to_numpy(),
        measured=parts[col].to_numpy(),
        threshold=overlap_tolerance_m2,
        unit="m2",
        crs=ctx.crs,
    )


@rule(
    "ADJ002",
    name="adjustments.demolition_on_compensation",
    severity="error",
    title=(
        "调整方案调入的拆旧地块占用占补平衡已用地",
        "Adjusted plan adds a demolition plot on land used for 占补平衡",
    ),
    message=(
        "调整方案调入的拆旧地块 {plot_id} 与占补平衡已用地 {other_id} 重叠 {measured:.2f} m²",
        "Demolition plot {plot_id} added by the adjustment overlaps 占补平衡 land {other_id} by "
        "{measured:.2f} m²",
    ),
    reference=f"{MONITORING_2014} 三(一) 已用于占补平衡的不得调入作为拆旧地块",
    requires=("ledger:previous", "layer:compensation"),
    params=TOLERANCE,
    example="the adjusted plan adds demolition plot CJ004, half of which is reclaimed land already used for 占补平衡",
)
def demolition_on_compensation(ctx: CheckContext, overlap_tolerance_m2):
    """Land already credited to 占补平衡 cannot be adjusted into the plan as a demolition plot."""
    return _moved_in_overlaps(ctx, "demolition", "compensation", overlap_tolerance_m2)


@rule(
    "ADJ003",
    name="adjustments.construction_on_illegal_land",
    severity="error",
    title=(
        "调整方案调入的建新地块占用违法违规用地",
        "Adjusted plan adds a construction plot on illegal land",
    ),
    message=(
        "调整方案调入的建新地块 {plot_id} 与违法违规用地 {other_id} 重叠 {measured:.2f} m²",
        "Construction plot {plot_id} added by the adjustment overlaps illegal land {other_id} by "
        "{measured:.2f} m²",
    ),
    reference=f"{MONITORING_2014} 三(一) 违法违规用地不得调入作为建新地块",
    requires=("ledger:previous", "layer:construction", "layer:illegal_land"),
    params=TOLERANCE,
    example="the adjusted plan adds resettlement plot JX003 on a mapped illegal-use patch",
)
def construction_on_illegal_land(ctx: CheckContext, overlap_tolerance_m2):
    """Illegally used land cannot be adjusted into the plan as a construction plot."""
    return _moved_in_overlaps(ctx, "construction", "illegal_land", overlap_tolerance_m2)


#: The allowed reason of each plot type (004 (一)): (1) farmers' wishes for demolition and
#: resettlement plots, (2) planning or administrative change for (urban) construction plots.
REASON_FOR_TYPE: dict[str, str] = {
    "demolition": "farmers_wishes",
    "resettlement": "farmers_wishes",
    "urban": "planning_change",
}
_TYPE_ZH = {"demolition": "拆旧地块", "resettlement": "安置地块", "urban": "城镇建新地块"}
_TYPE_EN = {
    "demolition": "demolition",
    "resettlement": "resettlement",
    "urban": "urban construction",
}
_REASON_ZH = {"farmers_wishes": "农民意愿发生变化", "planning_change": "规划或行政区划调整"}
_REASON_EN = {
    "farmers_wishes": "farmers' wishes changed",
    "planning_change": "planning or administrative change",
}


def _change_types(ctx: CheckContext, changes) -> np.ndarray:
    """Plot type of each change: ``demolition``, ``resettlement`` or ``urban`` (construction of
    unknown kind: ``urban``)."""
    types = np.where(
        changes["layer"].to_numpy(dtype=object) == "demolition", "demolition", "urban"
    ).astype(object)
    con = np.flatnonzero(changes["layer"].to_numpy(dtype=object) == "construction")
    if len(con):
        kinds = {}
        prev = ctx.previous.plots
        if "kind" in prev.columns:
            old = prev[prev["layer"] == "construction"]
            kinds.update(zip(old["plot_id"].astype(str), old["kind"].astype(str), strict=True))
        if ctx.has("construction"):
            kinds.update(
                zip(
                    ctx.plot_ids("construction").astype(str),
                    ctx.layer("construction")["kind"].astype(str),
                    strict=True,
                )
            )
        ids = changes["plot_id"].astype(str).to_numpy()[con]
        types[con] = ["resettlement" if kinds.get(i) == "resettlement" else "urban" for i in ids]
    return types


@rule(
    "ADJ004",
    name="adjustments.reason",
    severity="warning",
    title=("方案调整缺少允许的调整理由", "Adjustment without an allowed reason"),
    message=(
        "方案调整了 {measured:.0f} 个{type_zh}（{ids}），但 [project] "
        "adjustment_reason（{reason}）不是该类地块允许的情形：{allowed_zh}",
        "{measured:.0f} {type_en} plot(s) changed ({ids}) but [project] adjustment_reason "
        "({reason}) is not the case allowed for them: {allowed_en}",
    ),
    reference=f"{MONITORING_2014} 三(一) 严格在线报备信息修改条件：(1) 农民意愿发生变化，造成拆旧地块无法复垦和安置地块无法落实的；(2) 规划或行政区划调整，需对建新地块进行调整的",  # noqa: E501
    requires=("ledger:previous",),
    example="a demolition plot removed with adjustment_reason = 规划调整 (demolition plots need 农民意愿发生变化)",
)
def reason(ctx: CheckContext):
    """A plan may only be adjusted for the reason allowed for the plots it changes: demolition
    and resettlement plots when the farmers' wishes changed (the land cannot be reclaimed or
    the resettlement cannot be placed), urban construction plots when planning or
    administrative divisions changed. One finding per allowed reason the stated
    ``adjustment_reason`` does not give (farmers' wishes for the changed demolition and
    resettlement plots; planning change for the changed urban plots), naming the plots."""
    changes = plan_changes(ctx)
    if not len(changes):
        return None
    stated = reason_allowed(ctx.project.adjustment_reason)
    types = _change_types(ctx, changes)
    needed = np.array([REASON_FOR_TYPE[t] for t in types], dtype=object)
    ids_all = changes["plot_id"].astype(str).to_numpy()
    rows = []
    for need in (
        "farmers_wishes",
        "planning_change",
    ):  # one finding per allowed reason that is missing
        mask = needed == need
        if not mask.any() or stated == need:
            continue
        kinds = [k for k in ("demolition", "resettlement", "urban") if (mask & (types == k)).any()]
        ids = list(dict.fromkeys(ids_all[mask]))
        rows.append(
            (need, kinds, float(mask.sum()), ",".join(ids[:10]) + (",…" if len(ids) > 10 else ""))
        )
    if not rows:
        return None
    return make(
        layer="",
        plot_id="",
        measured=np.array([r[2] for r in rows]),
        threshold=None,
        unit="plots",
        reason=ctx.project.adjustment_reason or "—",
        ids=np.array([r[3] for r in rows], dtype=object),
        type_zh=np.array(["、".join(_TYPE_ZH[k] for k in r[1]) for r in rows], dtype=object),
        type_en=np.array([", ".join(_TYPE_EN[k] for k in r[1]) for r in rows], dtype=object),
        allowed_zh=np.array([_REASON_ZH[r[0]] for r in rows], dtype=object),
        allowed_en=np.array([_REASON_EN[r[0]] for r in rows], dtype=object),
        crs=ctx.crs,
    )


@rule(
    "ADJ005",
    name="adjustments.summary",
    severity="info",
    title=("方案调整变化汇总", "Plan change summary"),
    message=(
        "{layer_zh}：新增 {added} 块（+{added_m2:.2f} m²），调出 {removed} 块（−{removed_m2:.2f} "
        "m²），形状调整 {reshaped} 块（{reshaped_m2:+.2f} m²）；面积变化 {measured:+.2f} "
        "m²（{delta_mu:+.2f} 亩），对比 {source}",
        "{layer}: {added} added (+{added_m2:.2f} m²), {removed} removed (−{removed_m2:.2f} m²), "
        "{reshaped} reshaped ({reshaped_m2:+.2f} m²); area change {measured:+.2f} m² "
        "({delta_mu:+.2f} mu) against {source}",
    ),
    reference=f"{MONITORING_2014} 三 严格增减挂钩在线报备信息修改",
    requires=("ledger:previous",),
    example="拆旧：新增 1 块（+400 m²），调出 1 块（−1600 m²）…",
)
def summary(ctx: CheckContext):
    """Summarise what the adjustment changes, per layer, so the filing shows it (details: the
    ``changes`` layer)."""
    changes = plan_changes(ctx)
    roles = [r for r in PLOT_ROLES if ctx.has(r)]
    cols: dict[str, list] = {
        k: []
        for k in (
            "added",
            "removed",
            "reshaped",
            "added_m2",
            "removed_m2",
            "reshaped_m2",
            "delta",
            "geometry",
        )
    }
    for role in roles:
        mine = changes[changes["layer"] == role]
        for kind in ("added", "removed", "reshaped"):
            sel = mine[mine["change"] == kind]
            cols[kind].append(len(sel))
            cols[f"{kind}_m2"].append(
                float(sel["delta_m2"].sum()) * (-1 if kind == "removed" else 1)
            )
        cols["delta"].append(float(mine["delta_m2"].sum()))
        geoms = np.asarray(mine.geometry.array, dtype=object)
        geoms = geoms[~shapely.is_missing(geoms)]
        cols["geometry"].append(shapely.union_all(geoms) if len(geoms) else None)
    delta = np.asarray(cols["delta"], dtype=float)
    return make(
        layer=np.asarray(roles, dtype=object),
        plot_id="",
        geometry=np.asarray(cols["geometry"], dtype=object),
        measured=delta,
        unit="m2",
        layer_zh=np.asarray([_LAYER_ZH[r] for r in roles], dtype=object),
        added=np.asarray(cols["added"]),
        removed=np.asarray(cols["removed"]),
        reshaped=np.asarray(cols["reshaped"]),
        added_m2=np.asarray(cols["added_m2"]),
        removed_m2=np.asarray(cols["removed_m2"]),
        reshaped_m2=np.asarray(cols["reshaped_m2"]),
        delta_mu=delta * 15.0 / 10000.0,
        source=ctx.previous.source,
        crs=ctx.crs,
    )
