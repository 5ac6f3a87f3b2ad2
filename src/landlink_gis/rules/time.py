"""Time rules (TIME001–TIME004): completion, advance-quota return, trade and filing deadlines.

Deadlines in years are calendar years (:func:`landlink_gis.base.workdays.add_years`); the filing
deadline counts Chinese working days (public holidays off, adjusted weekend days on) with the
``chinesecalendar`` package through :mod:`landlink_gis.base.workdays`. For years that package does
not know, Monday–Friday is counted and an ``info`` finding says so. A deadline that has passed
without the event (no acceptance or filing date yet) is measured against today's date
(``ctx.today`` when set, for reproducible runs).
"""

from __future__ import annotations

import datetime as dt

from ..base.findings import combine, make
from ..base.workdays import add_working_days, add_years, working_days_between
from ..load.context import CheckContext
from ._citations import MONITORING_2014, PILOT_2008, SHANXI_2018, SICHUAN_2017
from ._registry import rule

_PENDING = ("（截至 {today} 尚未{event_zh}）", " (not yet {event_en} as of {today})")


def _today(ctx: CheckContext) -> dt.date:
    return ctx.today if ctx.today is not None else dt.date.today()


def _late(
    ctx: CheckContext,
    *,
    start: dt.date,
    years: int,
    done: dt.date | None,
    event_zh: str,
    event_en: str,
    **extra,
):
    """A finding when ``done`` (or today, if not done) is after ``start`` + ``years``; else None."""
    deadline = add_years(start, years)
    actual = done if done is not None else _today(ctx)
    if actual <= deadline:
        return None
    pending = (
        ("", "")
        if done is not None
        else (
            _PENDING[0].format(today=actual, event_zh=event_zh),
            _PENDING[1].format(today=actual, event_en=event_en),
        )
    )
    return make(
        layer="project",
        plot_id="",
        measured=float((actual - deadline).days),
        threshold=0.0,
        unit="days",
        start=start.isoformat(),
        deadline=deadline.isoformat(),
        done=actual.isoformat(),
        years=years,
        pending_zh=pending[0],
        pending_en=pending[1],
        crs=ctx.crs,
        **extra,
    )


@rule(
    "TIME001",
    name="time.completion",
    severity="error",
    title=("项目区未在批准后 3 年内完成验收", "Project not accepted within 3 years of approval"),
    message=(
        "项目区于 {start} 批准，应在 {deadline} 前完成验收，实际 {done}，超期 {measured:.0f} "
        "天{pending_zh}（{wording_zh}）",
        "Approved on {start}, the project had to be accepted by {deadline}; acceptance {done} is "
        "{measured:.0f} days late{pending_en} ({wording_en})",
    ),
    reference=f"{PILOT_2008} 项目区实施期限一般不超过三年; {SICHUAN_2017} 二(三) 挂钩项目需按规定在3年内实施完成，不得延期; {SHANXI_2018} 二(二) 项目拆旧区复垦验收期限原则上不得超过3年",  # noqa: E501
    requires=("fact:approved",),
    params={
        "completion_years": (3, "years from approval within which the project must be accepted"),
        "completion_in_principle": (
            False,
            "the province words the deadline as 原则上不得超过 N 年 (shanxi)",
        ),
        "completion_no_extension": (
            False,
            "the province words the deadline as 不得延期, no extension (sichuan)",
        ),
    },
    example="approved 2019-05-06, accepted 2022-09-15 (deadline 2022-05-06: 132 days late)",
)
def completion(
    ctx: CheckContext, completion_years, completion_in_principle, completion_no_extension
):
    """Reclamation and acceptance must be completed within ``completion_years`` (3) years of the
    project's approval. The message follows the profile's wording: 应在批准后 N 年内完成 (national),
    不得延期 (no extension;
    Sichuan, 川国土资发〔2017〕48号) or, where ``completion_in_principle`` (Shanxi,
    晋政办发〔2018〕24号, where TIME001 is a warning), 原则上不得超过 N 年.
    A construction-only plan reclaims nothing: not applicable (no finding)."""
    p = ctx.project
    if p.kind == "construction_only":
        return None
    if completion_in_principle:
        wording = (
            f"原则上不得超过{completion_years}年",
            f"in principle no more than {completion_years} years",
        )
    elif completion_no_extension:
        wording = ("不得延期", "no extension")
    else:
        wording = (
            f"应在批准后{completion_years}年内完成",
            f"to be completed within {completion_years} years of approval",
        )
    return _late(
        ctx,
        start=p.approved,
        years=completion_years,
        done=p.accepted,
        event_zh="验收",
        event_en="accepted",
        wording_zh=wording[0],
        wording_en=wording[1],
    )


@rule(
    "TIME002",
    name="time.advance_return",
    severity="error",
    title=("预支节余指标未在 1 年内验收归还", "Advanced quota not returned within 1 year"),
    message=(
        "预支节余指标 {quota:.2f} m² 自 {start} 起应在 {deadline} 前验收归还，实际 {done}，超期 "
        "{measured:.0f} 天{pending_zh}",
        "Surplus quota of {quota:.2f} m² advanced from {start} had to be returned (accepted) by "
        "{deadline}; {done} is {measured:.0f} days late{pending_en}",
    ),
    reference=f"{SICHUAN_2017} 二(三) 预支部分的节余指标需在 1 年内验收归还",
    requires=("fact:advance_quota_m2", "fact:advanced|approved"),
    params={
        "advance_return_years": (
            1,
            "years within which advanced surplus quota must be returned by acceptance",
        )
    },
    example="advance_quota_m2 = 1500, approved 2019-05-06, accepted 2022-09-15",
)
def advance_return(ctx: CheckContext, advance_return_years):
    """Surplus quota used in advance must be returned, by accepting the reclamation, within
    ``advance_return_years`` (1) of the advance: the date of the first advance the ledger records
    for the project when the project names a ledger, else ``advanced``, else the approval date.
    The return date is ``quota_returned``, else ``accepted`` (else the ledger's acceptance)."""
    p = ctx.project
    if not p.advance_quota_m2 or p.advance_quota_m2 <= 0:
        return None
    own = ctx.ledger.advance if ctx.ledger is not None else None
    start = own[0] if own is not None else (p.advanced or p.approved)
    done = p.quota_returned or p.accepted or (ctx.ledger.accepted if ctx.ledger else None)
    return _late(
        ctx,
        start=start,
        years=advance_return_years,
        done=done,
        event_zh="归还",
        event_en="returned",
        quota=float(p.advance_quota_m2),
    )


@rule(
    "TIME003",
    name="time.trade_acceptance",
    severity="error",
    title=(
        "交易后 2 年内未完成复垦验收",
        "Traded project not accepted within 2 years of the trade",
    ),
    message=(
        "项目区节余指标于 {start} 交易，应在 {deadline} 前完成复垦验收，实际 {done}，超期 "
        "{measured:.0f} 天{pending_zh}",
        "Surplus quota traded on {start}: reclamation had to be accepted by {deadline}; {done} is "
        "{measured:.0f} days late{pending_en}",
    ),
    reference=f"{SHANXI_2018} 进行易地交易的增减挂钩项目自交易之日起要在 2 年内完成复垦验收",
    requires=("fact:traded",),
    params={
        "trade_acceptance_years": (
            2,
            "years from the trade within which reclamation must be accepted",
        )
    },
    example="traded 2019-08-01, accepted 2022-09-15 (deadline 2021-08-01)",
)
def trade_acceptance(ctx: CheckContext, trade_acceptance_years):
    """A project whose surplus quota was traded must complete reclamation acceptance within
    ``trade_acceptance_years`` (2) of the trade date (Shanxi)."""
    p = ctx.project
    return _late(
        ctx,
        start=p.traded,
        years=trade_acceptance_years,
        done=p.accepted,
        event_zh="验收",
        event_en="accepted",
    )


@rule(
    "TIME004",
    name="time.filing",
    severity="warning",
    title=("验收后未在 10 个工作日内报备", "Acceptance not filed within 10 working days"),
    message=(
        "项目区于 {accepted} 验收，应在 {deadline}（{threshold:.0f} "
        "个工作日）前在线报备，{filed_zh}为第 {measured:.0f} 个工作日{note_zh}",
        "Accepted on {accepted}, the project had to be filed online by {deadline} ({threshold:.0f} "
        "working days); {filed_en} is working day {measured:.0f}{note_en}",
    ),
    reference=f"{MONITORING_2014} 二(二) 项目区实施完成后在验收 10 个工作日内在线报备",
    requires=("fact:accepted",),
    params={
        "filing_working_days": (
            10,
            "working days after acceptance within which the project must be filed",
        )
    },
    example="accepted 2021-09-28, filed 2021-10-19 (deadline 2021-10-18 after the National Day week)",
)
def filing(ctx: CheckContext, filing_working_days):
    """The accepted project must be filed online within ``filing_working_days`` (10) working days
    of acceptance, counting Chinese public holidays and adjusted working days. Without a
    ``filed`` date, today is used once the deadline has passed."""
    p = ctx.project
    deadline, known_deadline = add_working_days(p.accepted, filing_working_days)
    pending = p.filed is None
    filed = p.filed if not pending else _today(ctx)
    if pending and filed <= deadline:
        return None
    count, known = working_days_between(p.accepted, filed)
    out = []
    if not (known and known_deadline):
        out.append(
            make(
                layer="project",
                plot_id="",
                other_id="calendar",
                measured=float(count),
                threshold=float(filing_working_days),
                unit="working_days",
                severity="info",
                accepted=p.accepted.isoformat(),
                deadline=deadline.isoformat(),
                filed_zh=f"{'截至' if pending else '报备日'} {filed}",
                filed_en=f"{'today' if pending else 'filing date'} {filed}",
                note_zh="——节假日历法未覆盖该年份，按周一至周五计算工作日，请人工核对",
                note_en=" — the holiday calendar does not cover that year, so Monday–Friday were counted; check by hand",  # noqa: E501
                crs=ctx.crs,
            )
        )
    if count > filing_working_days:
        out.append(
            make(
                layer="project",
                plot_id="",
                measured=float(count),
                threshold=float(filing_working_days),
                unit="working_days",
                accepted=p.accepted.isoformat(),
                deadline=deadline.isoformat(),
                filed_zh=("截至 " if pending else "报备日 ")
                + filed.isoformat()
                + ("（尚未报备）" if pending else ""),
                filed_en=("today " if pending else "filing date ")
                + filed.isoformat()
                + (" (not yet filed)" if pending else ""),
                note_zh="",
                note_en="",
                crs=ctx.crs,
            )
        )
    return combine(out)
