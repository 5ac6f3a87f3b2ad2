"""BAL009: a construction-only plan draws surplus quota only from accepted projects that still
have it.

A county that uses surplus quota from other projects may file a construction-only plan (单独编制
建新实施方案, ``[project] kind = "construction_only"``) that names its sources
(``[[quota_sources]]``: the source project's code and the m² drawn). Loading reads each source's
quota account from the ledger (:attr:`landlink_gis.load.context.LedgerView.quota_sources`); this
rule
compares every draw with the source's surplus still available: generated − advanced − traded −
drawn by other plans.
"""

from __future__ import annotations

import numpy as np

from ..base.amounts import centi
from ..base.findings import combine, make
from ..engine.area import to_mu
from ..figures.balance import compute_balance
from ._citations import SICHUAN_2017
from ._registry import rule


@rule(
    "BAL009",
    name="balance.quota_sources",
    severity="error",
    title=(
        "使用的节余指标超过来源项目可用节余指标",
        "Surplus quota drawn exceeds what the source project has left",
    ),
    message=("节余指标：{detail_zh}", "Surplus quota drawn: {detail_en}"),
    reference=f"{SICHUAN_2017} 二(六) 节余指标使用方可单独编制建新实施方案，详细说明节余指标来源; {SICHUAN_2017} 二(六) 分别按台账方式管理",  # noqa: E501
    example="[[quota_sources]] code = 511902-2019-001, area_m2 = 9000 while the ledger shows 8 000 m² generated and 1 500 m² advanced",  # noqa: E501
)
def quota_sources(ctx):
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
    failed = False
    con = sheet.get("construction_area")
    total = float(sum(q.area_m2 for q in project.quota_sources))
    if con is not None and not con.unmeasured and centi(con.m2) > centi(total):
        failed = True
        sheet.set_status("construction_area", "BAL009", "fail")
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
    elif con is not None and not con.unmeasured:
        sheet.set_status("construction_area", "BAL009", "pass")
    if ctx.ledger is None:
        sheet.set_status("drawn_quota", "BAL009", "not checked")
        out = make(
            layer="project",
            plot_id="",
            other_layer="ledger",
            other_id=",".join(q.code for q in project.quota_sources),
            measured=total,
            unit="m2",
            severity="info",
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
        else:
            sheet.set_status("drawn_quota", "BAL009", "pass", scope=src.code)
            continue
        failed = True
        sheet.set_status("drawn_quota", "BAL009", "fail", scope=src.code)
    sheet.set_status("drawn_quota", "BAL009", "fail" if failed else "pass")
    return _rows(ctx, rows) if rows else None


def _rows(ctx, rows):
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
    )


def _info(ctx, zh: str, en: str, **extra):
    return make(
        layer="project",
        plot_id="",
        measured=np.nan,
        threshold=np.nan,
        unit=extra.pop("unit", "m2"),
        severity="info",
        detail_zh=zh,
        detail_en=en,
        crs=ctx.crs,
        **extra,
    )


def _carried_known(ctx, sheet, key: str, **extra):
    """An ``info`` "not checked" finding when the carried figure ``key`` is unknown, else None."""
    fig = sheet.get(key)
    if ctx.ledger is None or fig is None:
        return _info(
            ctx,
            "未检查：项目未指定台账（[ledger]），无法得知使用的节余指标所带的新增耕地",
            "not checked: the project names no ledger ([ledger]), so what the drawn quota carries "
            "is unknown",
            **extra,
        )
    if not np.isfinite(fig.m2) or (key == "carried_quality" and not np.isfinite(fig.grade)):
        missing = [
            q.code
            for q in ctx.project.quota_sources
            if (acc := ctx.ledger.quota_sources.get(q.code)) is None
            or acc.surplus_generated is None
        ]
        names = "、".join(missing) or "来源项目"
        return _info(
            ctx,
            f"未检查：台账中没有来源项目 {names} 的验收记录（landlink ledger accept），无法得知其新增耕地",
            f"not checked: the ledger holds no acceptance record (landlink ledger accept) of "
            f"source(s) {', '.join(missing) or 'the sources'}, so their newly added farmland is "
            "unknown",
            **extra,
        )
    return None


def carried_within(ctx, rule_id: str, what: str, names: tuple[str, str]):
    """BAL002 (``cultivated``) / BAL004 (``paddy``) of a construction-only plan: the land its
    construction occupies must not exceed what its drawn quota carries (DOMAIN.md §4b)."""
    if not ctx.project.quota_sources:
        return None
    sheet = compute_balance(ctx)
    occupied = sheet.get(f"occupied_{what}")
    if occupied is None:
        return None
    problem = _carried_known(ctx, sheet, f"carried_{what}")
    if problem is not None:
        sheet.set_status(f"occupied_{what}", rule_id, "not checked")
        return problem
    if occupied.unmeasured:
        sheet.set_status(f"occupied_{what}", rule_id, "not checked")
        return _info(
            ctx,
            f"未检查：地块 {'、'.join(occupied.unmeasured)} 的面积无法计算",
            f"not checked: the area of plot(s) {', '.join(occupied.unmeasured)} could not be "
            "computed",
        )
    carried = sheet.value(f"carried_{what}")
    if centi(occupied.m2) <= centi(carried):
        sheet.set_status(f"occupied_{what}", rule_id, "pass")
        return None
    sheet.set_status(f"occupied_{what}", rule_id, "fail")
    zh, en = names
    return make(
        layer="project",
        plot_id="",
        measured=occupied.m2,
        threshold=carried,
        unit="m2",
        detail_zh=f"建新占用{zh} {occupied.m2:.2f} m²（{float(to_mu(occupied.m2)):.4f} 亩）多于使用的"
        f"节余指标所带新增{zh} {carried:.2f} m²（来源项目验收记录，按使用比例），"
        f"减少 {occupied.m2 - carried:.2f} m²",
        detail_en=f"{en} occupied {occupied.m2:.2f} m² exceeds the newly added {en} the drawn "
        f"quota carries {carried:.2f} m² (sources' acceptance records, pro rata): "
        f"{occupied.m2 - carried:.2f} m² less",
        crs=ctx.crs,
    )


def carried_quality(ctx, scale: tuple[str, str]):
    """BAL003 of a construction-only plan: the grade of the newly added cultivated land the drawn
    quota carries must not be worse (higher) than the grade of the cultivated land occupied."""
    if not ctx.project.quota_sources:
        return None
    sheet = compute_balance(ctx)
    occ = sheet.get("occupied_quality")
    common = {"unit": "grade", "scale_zh": scale[0], "scale_en": scale[1]}
    if occ is None or sheet.value("occupied_cultivated") <= 0:
        if occ is not None:
            sheet.set_status("occupied_quality", "BAL003", "pass")
        return None
    problem = _carried_known(ctx, sheet, "carried_quality", **common)
    if problem is not None:
        sheet.set_status("occupied_quality", "BAL003", "not checked")
        return problem
    car = sheet.get("carried_quality")
    if not np.isfinite(occ.grade):
        sheet.set_status("occupied_quality", "BAL003", "not checked")
        return _info(
            ctx,
            f"建新占用耕地无有效质量{scale[0]}，无法比较",
            "the occupied cultivated land has no valid grade, so quality could not be compared",
            **common,
        )
    if car.grade <= occ.grade + 1e-9:
        sheet.set_status("occupied_quality", "BAL003", "pass")
        return None
    sheet.set_status("occupied_quality", "BAL003", "fail")
    return make(
        layer="project",
        plot_id="",
        measured=car.grade,
        threshold=occ.grade,
        detail_zh=f"使用的节余指标所带新增耕地加权质量{scale[0]} {car.grade:.3f} 劣于建新占用耕地 "
        f"{occ.grade:.3f}（等别不匹配）",
        detail_en=f"the newly added cultivated land the drawn quota carries is graded "
        f"{car.grade:.3f}, worse than the occupied {occ.grade:.3f}",
        crs=ctx.crs,
        **common,
    )
