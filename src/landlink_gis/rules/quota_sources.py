"""BAL009: a construction-only plan draws surplus quota only from accepted projects that still
have it.

A county that uses surplus quota from other projects may file a construction-only plan (单独编制
建新实施方案, ``[project] kind = "construction_only"``) that names its sources
(``[[quota_sources]]``: the source project's code and the m² drawn). Loading reads each source's
quota account from the ledger (:attr:`landlink_gis.load.context.LedgerView.quota_sources`); this
rule
compares every draw with the source's surplus still available: generated − advanced − traded −
drawn by other plans. Its findings mark what fails (the construction area, a source's draw, the
total draw) for the ``balance`` table (:func:`landlink_gis.base.findings.judgement`).
"""

from __future__ import annotations

import numpy as np

from ..base.amounts import centi
from ..base.findings import combine, judgement, make
from ..engine.area import to_mu
from ..figures.balance import compute_balance
from ..load.context import CheckContext
from ._citations import JILIN_2017, POVERTY_2016, SICHUAN_2017
from ._registry import Judges, rule


@rule(
    "BAL009",
    name="balance.quota_sources",
    severity="error",
    title=(
        "使用的节余指标超过来源项目可用节余指标",
        "Surplus quota drawn exceeds what the source project has left",
    ),
    message=("节余指标：{detail_zh}", "Surplus quota drawn: {detail_en}"),
    reference=f"{POVERTY_2016} 增减挂钩节余指标在省域范围内流转使用; {SICHUAN_2017} 二(六) 节余指标使用方可单独编制建新实施方案，详细说明节余指标来源，分别按台账方式管理; {JILIN_2017} 第九条(四) 节余指标情况，包括来源、规模",  # noqa: E501
    example="[[quota_sources]] code = 511902-2019-001, area_m2 = 9000 while the ledger shows 8 000 m² generated and 1 500 m² advanced",  # noqa: E501
    judges=(
        Judges("construction_area", needs=("drawn_quota",), measured=True),
        Judges("drawn_quota", every_scope=True),
    ),
)
def quota_sources(ctx: CheckContext):
    """For a construction-only plan (``kind = "construction_only"``), the construction area must
    not exceed the total drawn from the sources, and each ``[[quota_sources]]`` draw must be
    covered by its source project's surplus quota still available in the ledger (generated −
    traded − drawn by other plans; the advance is surplus generated early, its trades among the
    trades), and the source must be registered and accepted (``landlink ledger accept``), since
    only accepted reclamation yields surplus quota. The edge (a draw equal to what is available,
    construction equal to the draw) passes; amounts are compared in 0.01 m². ``measured`` is the
    draw (the construction area), ``threshold`` what is available (the total drawn). Other
    projects: not applicable (no finding). Without a ledger the draws are not checked
    (``info``)."""
    project = ctx.project
    if project.kind != "construction_only" or not project.quota_sources:
        return None
    sheet = compute_balance(ctx)
    rows = []
    con = sheet.get("construction_area")
    total = float(sum(q.area_m2 for q in project.quota_sources))
    if con is not None and not con.unmeasured and centi(con.m2) > centi(total):
        rows.append(
            (
                "",
                con.m2,
                total,
                f"建新面积 {con.m2:.2f} m²（{float(to_mu(con.m2)):.4f} 亩）超过使用的节余指标合计 "
                f"{total:.2f} m²",
                f"the construction area {con.m2:.2f} m² ({float(to_mu(con.m2)):.4f} mu) exceeds "
                f"the total surplus quota drawn {total:.2f} m²",
            )
        )
    if ctx.ledger is None:
        out = make(
            layer="project",
            plot_id="",
            other_layer="ledger",
            other_id=",".join(q.code for q in project.quota_sources),
            measured=total,
            unit="m2",
            severity="info",
            judged=judgement(
                "not checked",
                *(("drawn_quota", q.code) for q in project.quota_sources),
                "drawn_quota",
            ),
            detail_zh="未检查：项目未指定台账（[ledger] path/url），无法核对来源项目的可用节余指标",
            detail_en="not checked: the project names no ledger ([ledger] path/url), so the sources' surplus quota cannot be verified",  # noqa: E501
            crs=ctx.crs,
        )
        return combine([_rows(ctx, rows), out]) if rows else out
    accounts = ctx.ledger.quota_sources
    for src in project.quota_sources:
        acc = accounts.get(src.code)
        if acc is None or not acc.registered:
            rows.append(
                (
                    src.code,
                    src.area_m2,
                    np.nan,
                    f"来源项目不在台账 {ctx.ledger.location} 中",
                    f"the source project is not in the ledger {ctx.ledger.location}",
                )
            )
        elif not acc.accepted:
            rows.append(
                (
                    src.code,
                    src.area_m2,
                    acc.available,
                    "来源项目尚未验收（landlink ledger accept），不能使用其节余指标",
                    "the source project is not accepted yet (landlink ledger accept), so it has "
                    "no surplus quota to draw",
                )
            )
        elif centi(src.area_m2) > centi(acc.available):
            rows.append(
                (
                    src.code,
                    src.area_m2,
                    acc.available,
                    f"使用 {src.area_m2:.2f} m²（{float(to_mu(src.area_m2)):.4f} "
                    f"亩）超过可用节余指标 {acc.available:.2f} m²"
                    f"（验收产生 {acc.generated:.2f} − 交易 {acc.traded:.2f} "
                    f"− 其他方案已使用 {acc.drawn:.2f}）",
                    f"drawing {src.area_m2:.2f} m² ({float(to_mu(src.area_m2)):.4f} mu) exceeds "
                    f"the surplus still available {acc.available:.2f} m² "
                    f"(generated {acc.generated:.2f} − traded {acc.traded:.2f} − drawn by other "
                    f"plans {acc.drawn:.2f})",
                )
            )
    return _rows(ctx, rows) if rows else None


def _rows(ctx, rows):
    """The findings of ``rows`` (source code or "" for the construction area, draw, available,
    Chinese, English), each marked as failing what it is about and the total draw."""
    return make(
        layer="project",
        plot_id="",
        other_layer=np.array(["ledger" if r[0] else "" for r in rows], dtype=object),
        other_id=np.array([r[0] for r in rows], dtype=object),
        measured=np.array([r[1] for r in rows], dtype=float),
        threshold=np.array([r[2] for r in rows], dtype=float),
        unit="m2",
        detail_zh=np.array([(f"来源 {r[0]}：" if r[0] else "") + r[3] for r in rows], dtype=object),
        detail_en=np.array(
            [(f"source {r[0]}: " if r[0] else "") + r[4] for r in rows], dtype=object
        ),
        crs=ctx.crs,
        judged=np.array(
            [
                judgement(
                    "fail", ("drawn_quota", r[0]) if r[0] else "construction_area", "drawn_quota"
                )
                for r in rows
            ],
            dtype=object,
        ),
    )
