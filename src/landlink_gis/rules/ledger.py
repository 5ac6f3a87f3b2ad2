"""Ledger rule (LED001): the same land already registered for another project.

OVL003 reports any overlap with another project's plot; LED001 reports a plot that *is* a
registered plot of another project: it overlaps one that has the same plot id, or the two cover
each other to at least ``ledger_match_share`` of both areas.
"""

from __future__ import annotations

import numpy as np

from ..base.findings import combine, make
from ..base.roles import PLOT_ROLES
from ..engine.overlay import overlay_pairs
from ..load.context import CheckContext
from ._citations import MONITORING_2014, SICHUAN_2017
from ._registry import rule


@rule(
    "LED001",
    name="ledger.registered_elsewhere",
    severity="error",
    title=(
        "地块已在台账中登记于其他项目",
        "Plot already registered in the ledger for another project",
    ),
    message=(
        "{layer} {plot_id} 已作为项目 {other_project} 的地块 {other_plot} 登记在台账中（重叠 "
        "{measured:.2f} m²，占本地块 {share:.1f}%），同一土地不得重复使用",
        "{layer} plot {plot_id} is already registered in the ledger as plot {other_plot} of "
        "project {other_project} (overlap {measured:.2f} m², {share:.1f}% of the plot): the same "
        "land cannot be used twice",
    ),
    reference=f"{SICHUAN_2017} 二(六) 拆旧地区实行台账式动态管理; {MONITORING_2014} 三(一) 不得重复使用",
    requires=("ledger:plots",),
    params={
        "overlap_tolerance_m2": (
            1.0,
            "overlaps smaller than this (m²) are ignored as digitising slivers",
        ),
        "ledger_match_share": (
            0.9,
            "share of both plots' areas above which two plots count as the same land",
        ),
    },
    example="demolition plot CJ010 is plot Q1 of project 511902-2019-003, already registered in the ledger",
)
def registered_elsewhere(ctx: CheckContext, overlap_tolerance_m2, ledger_match_share):
    """A plot of this project is the same land as a plot another project registered in the
    ledger."""
    others = ctx.ledger.plots
    if not len(others):
        return None
    right = np.asarray(others.geometry.array, dtype=object)
    right_area = others["area_m2"].to_numpy(dtype=float)
    out = []
    for role in PLOT_ROLES:
        if not ctx.has(role):
            continue
        pairs = overlay_pairs(
            ctx.valid_geoms(role), right, crs=ctx.crs, tolerance_m2=overlap_tolerance_m2
        )
        if not len(pairs):
            continue
        li, rj = pairs["left"].to_numpy(), pairs["right"].to_numpy()
        area = pairs["area_m2"].to_numpy()
        ids = ctx.plot_ids(role).astype(str)
        other_ids = others["plot_id"].astype(str).to_numpy()
        left_area = ctx.layer(role)["area_m2"].to_numpy(dtype=float)[li]
        share_l = np.where(left_area > 0, area / np.where(left_area > 0, left_area, 1), 0.0)
        share_r = np.where(
            right_area[rj] > 0, area / np.where(right_area[rj] > 0, right_area[rj], 1), 0.0
        )
        hit = (ids[li] == other_ids[rj]) | (np.minimum(share_l, share_r) >= ledger_match_share)
        if not hit.any():
            continue
        li, rj = li[hit], rj[hit]
        out.append(
            make(
                layer=role,
                plot_id=ids[li],
                other_layer="ledger",
                other_id=(
                    others["project_code"].astype(str).to_numpy()[rj] + ":" + other_ids[rj]
                ).astype(object),
                geometry=pairs["geometry"].to_numpy()[hit],
                measured=area[hit],
                threshold=ledger_match_share,
                unit="m2",
                other_project=others["project_code"].astype(str).to_numpy()[rj],
                other_plot=other_ids[rj],
                share=100.0 * share_l[hit],
                crs=ctx.crs,
            )
        )
    return combine(out)
