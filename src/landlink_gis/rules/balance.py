"""Balance rules (BAL001–BAL008): quota basis, farmland quantity, quality and paddy, surplus,
advance and turnover quota, land-use structure.

Every figure comes from :func:`landlink_gis.figures.balance.compute_balance` (computed once per
check), which the rules only read. Each rule declares the figure it judges (``judges``) and marks
its findings that decide about a figure (:func:`landlink_gis.base.findings.judgement`: fail, "not
checked", and BAL005's pass); the ``balance`` output table's status is derived from them
(:func:`._judges.balance_statuses`). Findings are project-level (``layer = project``). A figure that needs the area of
a plot whose area could not be computed (no geometry, CRS not usable) is never judged: the rule
reports ``info`` "not checked" naming those plots. Construction-only plans (``kind =
"construction_only"``) have no demolition side: BAL009 (:mod:`.quota_sources`) replaces
BAL001–BAL005.
"""

from __future__ import annotations

import numpy as np

from ..base.amounts import centi
from ..base.findings import JUDGED, combine, judgement, make
from ..engine.area import to_hectare, to_mu
from ..figures.balance import BASIS_LABELS, compute_balance
from ..figures.landuse.change import landuse_change_table
from ..figures.landuse.reclaim import NEAR_M, reclaim_coefficients
from ..load.context import CheckContext
from ._citations import (
    BAZHONG_CASE,
    FARMLAND_2017,
    JILIN_2017,
    LAND_LAW,
    PILOT_2008,
    SHANXI_2018,
    SICHUAN_2017,
    SURVEY_TDT1055,
)
from ._common import MAX_IDS, ids_text
from ._registry import Judges, rule
from ._requires import Layer

_SCALE = {"dengbie": ("等别", "dengbie (等别 1–15)"), "dengji": ("等级", "dengji (等级 1–10)")}


def _project(
    ctx: CheckContext,
    *,
    measured=np.nan,
    threshold=np.nan,
    unit="m2",
    severity=None,
    judged: str = "",
    zh: str,
    en: str,
):
    """One project-level finding whose message text is ``zh``/``en`` (the rule's template wraps
    it); ``judged``: what it decides about balance figures (:func:`judgement`)."""
    return make(
        layer="project",
        plot_id="",
        measured=measured,
        threshold=threshold,
        unit=unit,
        severity=severity,
        detail_zh=zh,
        detail_en=en,
        crs=ctx.crs,
        judged=judged,
    )


def _not_checked(ctx: CheckContext, sheet, figures):
    """An ``info`` finding when any of ``figures`` (keys) needs a plot without a computable area,
    marking them "not checked"; else None."""
    unknown = []
    for key in figures:
        f = sheet.get(key)
        if f is not None:
            unknown += [u for u in f.unmeasured if u not in unknown]
    if not unknown:
        return None
    ids = ids_text(unknown)
    return _project(
        ctx,
        severity="info",
        unit="",
        judged=judgement("not checked", *figures),
        zh=f"未检查：地块 {ids} 的面积无法计算（无图形或坐标系不可用），不能按 0 计入，请先修正这些地块",
        en=f"not checked: the area of plot(s) {', '.join(unknown)} could not be computed (no geometry or unusable CRS) and is never counted as 0; fix those plots first",  # noqa: E501
    )


def _decide(supply, demand, *, supply_m2: float | None = None) -> str:
    """``pass``, ``fail`` or ``not checked`` for "supply ≥ demand" from the known plots (§4b
    *Partial knowledge*).

    ``supply`` and ``demand`` are balance figures (``supply`` may be None with a fixed
    ``supply_m2``, e.g. an issued quota). A figure with unmeasured plots is a lower bound
    (``bound = "lower"``: those plots can only add), an upper bound (``upper``) or unknown in
    direction (``""``); the known sums decide where every unknown part can only move the
    comparison further the way it already goes.
    """
    s = supply.m2 if supply is not None else float(supply_m2)
    d = demand.m2

    def free(f, way: str) -> bool:
        return f is None or not f.unmeasured or f.bound == way

    if s >= d:
        return "pass" if free(supply, "lower") and free(demand, "upper") else "not checked"
    return "fail" if free(supply, "upper") and free(demand, "lower") else "not checked"


_BOUND_ZH = {"lower": "不少于", "upper": "不多于"}
_BOUND_EN = {"lower": "at least", "upper": "at most"}


def _bound_text(f, zh: bool) -> str:
    """A figure with what its unmeasured plots allow: "不少于 X" / "at most X" …"""
    value = _m2(f.m2) if zh else _m2_en(f.m2)
    name = f.label_zh if zh else f.label_en
    if not f.unmeasured:
        return f"{name} {value}"
    words = _BOUND_ZH if zh else _BOUND_EN
    if f.bound in words:
        return f"{name} {words[f.bound]} {value}"
    return (
        f"{name} 已知地块合计 {value}（未知地块可增可减）"
        if zh
        else f"{name}: {value} from the known plots (the unknown plots may add or take away)"
    )


def _undecided(ctx: CheckContext, figures, also: tuple[str, ...] = ()):
    """The ``info`` "not checked" finding of a rule the known plots cannot decide, giving what
    they prove (the bounds); it marks ``also`` (keys) and ``figures`` "not checked"."""
    unknown: list[str] = []
    for f in figures:
        unknown += [u for u in f.unmeasured if u not in unknown]
    ids = ids_text(unknown)
    zh = "；".join(_bound_text(f, True) for f in figures)
    en = "; ".join(_bound_text(f, False) for f in figures)
    return _project(
        ctx,
        severity="info",
        unit="",
        judged=judgement("not checked", *also, *((f.key, f.scope) for f in figures)),
        zh=f"未检查：地块 {ids} 的面积无法计算（无图形或坐标系不可用），不能按 0 计入；已知地块只能说明：{zh}，不足以判断，请先修正这些地块",  # noqa: E501
        en=f"not checked: the area of plot(s) {', '.join(unknown)} could not be computed (no geometry or unusable CRS) and is never counted as 0; the known plots only show: {en}, which does not decide; fix those plots first",  # noqa: E501
    )


def _partial_note(figures) -> tuple[str, str]:
    """The note a decided finding adds when some plots' areas are unknown (they cannot change
    the outcome)."""
    unknown: list[str] = []
    for f in figures:
        if f is not None:
            unknown += [u for u in f.unmeasured if u not in unknown]
    if not unknown:
        return "", ""
    return (
        f"（地块 {ids_text(unknown)} 的面积无法计算，未计入；计入后只会使差距更大，结论不变）",
        f" (the area of plot(s) {', '.join(unknown)} could not be computed and is left out; "
        "it could only widen the gap, so the outcome stands)",
    )


def _construction_only(ctx: CheckContext) -> bool:
    return ctx.project.kind == "construction_only"


def _m2(v: float) -> str:
    return f"{v:.2f} m²（{float(to_mu(v)):.4f} 亩）"


def _m2_en(v: float) -> str:
    return f"{v:.2f} m² ({float(to_mu(v)):.4f} mu)"


@rule(
    "BAL001",
    name="balance.area",
    severity="error",
    title=(
        "建新面积大于拆旧指标基数",
        "New construction exceeds the quota basis of the demolition plots",
    ),
    message=(
        "建新面积与拆旧指标基数：{detail_zh}",
        "New construction against the quota basis: {detail_en}",
    ),
    reference=f"{PILOT_2008}建新地块总面积必须小于拆旧地块总面积; {SICHUAN_2017} 二(六) 确保拆旧图斑合法性、真实性（以三调为准）",  # noqa: E501
    requires=("layer:construction",),
    example="demolition plots with 20 000 m² of rural construction land in the land survey, new construction 21 000 m²",
    judges=(Judges("construction_area", needs=("quota_basis",)),),
)
def area_balance(ctx: CheckContext):
    """New construction must not exceed the **quota basis** of the demolition plots: the part of
    them the land-survey layer (三调) shows as rural construction land (the classes of
    ATTR005), or — without a survey layer — the area of the plots whose declared class is
    rural construction land (an ``info`` finding then says the basis is declared, not
    surveyed). Only rural construction land can be reclaimed into quota, so farmland inside a
    demolition plot counts for nothing. With plot areas unknown (no geometry, unusable CRS) it
    passes when the known construction fits the known basis and only demolition plots are
    unknown (they can only add), fails when the known construction alone exceeds the basis and
    only construction plots are unknown, and else reports "not checked" giving the bounds."""
    if _construction_only(ctx):
        return None
    sheet = compute_balance(ctx)
    basis = sheet.get("quota_basis")
    if basis is None:
        return _project(
            ctx,
            severity="info",
            unit="",
            zh="未检查：缺少拆旧地块图层",
            en="not checked: no demolition layer",
        )
    out = []
    if basis.basis == "declared":
        out.append(
            _project(
                ctx,
                severity="info",
                measured=basis.m2,
                zh=f"指标基数 {_m2(basis.m2)} 按申报地类计算（项目未提供三调地类图斑图层），未经三调核实",
                en=f"the quota basis {_m2_en(basis.m2)} comes from the declared classes (no land-survey layer), not from the survey",  # noqa: E501
            )
        )
    con = sheet.get("construction_area")
    state = _decide(basis, con)
    if state == "not checked":
        return combine([*out, _undecided(ctx, (basis, con))])
    construction = con.m2
    if state == "fail":
        note_zh, note_en = _partial_note((basis, con))
        out.append(
            _project(
                ctx,
                measured=construction,
                threshold=basis.m2,
                judged=judgement("fail", "construction_area"),
                zh=f"建新地块总面积 {_m2(construction)} 大于拆旧地块农村建设用地面积（指标基数，{BASIS_LABELS[basis.basis][0]}）{_m2(basis.m2)}{note_zh}",  # noqa: E501
                en=f"total new-construction area {_m2_en(construction)} exceeds the rural construction land of the demolition plots (quota basis, {BASIS_LABELS[basis.basis][1]}) {_m2_en(basis.m2)}{note_en}",  # noqa: E501
            )
        )
    return combine(out) if out else None


@rule(
    "BAL005",
    name="balance.surplus",
    severity="info",
    title=("节余指标", "Surplus quota"),
    message=("节余指标：{detail_zh}", "Surplus quota: {detail_en}"),
    reference=f"{SICHUAN_2017} 二(三) 节余指标; {PILOT_2008}节余指标",
    example="quota basis 20 000 m² − new construction 15 000 m² = 5 000 m² = 0.5 公顷 = 7.5 亩",
    judges=(Judges("surplus_quota", needs=("quota_basis",)),),
)
def surplus(ctx: CheckContext):
    """Reports the surplus quota = quota basis of the demolition plots (see BAL001) − new
    construction, in m², 公顷 and 亩, and which basis it used. With plot areas unknown it
    reports a bound (at least / at most) where the known plots prove the sign, else "not
    checked"."""
    if _construction_only(ctx) or not ctx.has("demolition"):
        return None
    sheet = compute_balance(ctx)
    f = sheet.get("surplus_quota")
    value = f.m2
    # the known plots decide the sign where the unknown ones can only push it further
    decided = not f.unmeasured or (f.bound == "lower" if value >= 0 else f.bound == "upper")
    if not decided:
        return _undecided(ctx, (sheet.get("quota_basis"), sheet.get("construction_area"), f))
    basis_m2 = sheet.value("quota_basis")
    construction = sheet.value("construction_area")
    zh_b, en_b = BASIS_LABELS[f.basis]
    pre_zh = _BOUND_ZH.get(f.bound, "") if f.unmeasured else ""
    pre_en = _BOUND_EN.get(f.bound, "") if f.unmeasured else ""
    note_zh = note_en = ""
    if f.unmeasured:
        ids = ids_text(f.unmeasured)
        note_zh = f"；地块 {ids} 的面积无法计算，未计入，节余指标只会{'更多' if f.bound == 'lower' else '更少'}"  # noqa: E501
        note_en = f"; the area of plot(s) {', '.join(f.unmeasured)} could not be computed and is left out: the surplus can only be {'larger' if f.bound == 'lower' else 'smaller'}"  # noqa: E501
    return _project(
        ctx,
        measured=value,
        judged=judgement("pass" if value >= 0 else "fail", "surplus_quota"),
        zh=f"{pre_zh}{value:.2f} m² = {float(to_hectare(value)):.4f} 公顷 = {float(to_mu(value)):.4f} 亩（指标基数 {basis_m2:.2f} m²，{zh_b} − 建新 {construction:.2f} m²{note_zh}）",  # noqa: E501
        en=f"{pre_en + ' ' if pre_en else ''}{value:.2f} m² = {float(to_hectare(value)):.4f} ha = {float(to_mu(value)):.4f} mu (quota basis {basis_m2:.2f} m², {en_b} − new construction {construction:.2f} m²{note_en})",  # noqa: E501
    )


@rule(
    "BAL002",
    name="balance.cultivated_quantity",
    severity="error",
    title=(
        "新增耕地面积少于建新占用耕地面积",
        "Newly added cultivated land less than cultivated land occupied",
    ),
    message=(
        "耕地数量（扣除田坎后）：{detail_zh}",
        "Cultivated land (net of field ridges): {detail_en}",
    ),
    reference=f"{PILOT_2008} 拆旧地块整理复垦耕地的数量应比建新占用耕地的数量有增加; {LAND_LAW} 第三十条 按照“占多少，垦多少”的原则补充耕地; {JILIN_2017} 第四条(二) 严格落实耕地占补数量质量双平衡; {SHANXI_2018} 一 增加耕地有效面积; {SURVEY_TDT1055} 耕地面积扣除田坎",  # noqa: E501
    requires=("layer:construction",),
    example="demolition reclaimed to 0301 林地 while the construction plots occupy 0103 旱地",
    judges=(Judges("occupied_cultivated", needs=("newly_added_cultivated", "drawn_quota")),),
)
def cultivated_quantity(ctx: CheckContext):
    """The **newly added** cultivated land (新增耕地: what the demolition plots become by their class
    after reclamation, minus the cultivated land the survey already shows inside them; nothing
    from a plot whose mean slope is over 25°) must be at least the cultivated land occupied by
    new construction (from the land-survey layer when given, else the declared class):
    数量不减少. Both sides are net of field ridges (田坎): occupied and existing land at the
    ``KCXS`` (or ``KCMJ``/``TBMJ``) of the survey polygon it lies on, reclaimed land by the
    county's ``[tiankan]`` table by slope class, else at the area-weighted ``KCXS`` of the
    survey's polygons of its class within 100 m (an ``info`` finding then says so). With plot
    areas unknown it decides where the known plots prove it, else reports "not checked" with
    the bound."""
    out = [
        _occupied_within_reclaimed(ctx, "cultivated", ("耕地", "cultivated land")),
        _ridge_note(ctx),
    ]
    out = [f for f in out if f is not None]
    return combine(out) if out else None


def _ridge_note(ctx: CheckContext):
    """The ``info`` finding saying how 田坎 on reclaimed cultivated land was estimated where the
    county's ``[tiankan]`` table did not give it (none, or a plot's slope class unknown)."""
    if _construction_only(ctx) or not ctx.has("demolition"):
        return None
    coef = reclaim_coefficients(ctx)
    src = coef["source"].to_numpy(dtype=object)
    ids = ctx.plot_ids("demolition")
    survey, none = src == "survey", src == "none"
    if not (survey.any() or none.any()):
        return None
    why_zh = "未提供县田坎系数表 [tiankan]" if ctx.project.tiankan is None else "坡度级别未知"
    why_en = (
        "no county 田坎 table [tiankan] in the project file"
        if ctx.project.tiankan is None
        else "slope class unknown"
    )
    parts_zh, parts_en = [], []
    if survey.any():
        k = coef["kcxs"].to_numpy(dtype=float)[survey]
        shown = [f"{i} {v:.4f}" for i, v in zip(ids[survey][:MAX_IDS], k[:MAX_IDS], strict=True)]
        more = int(survey.sum()) - len(shown)
        pairs = "、".join(shown) + (f" 等 {int(survey.sum())} 块" if more > 0 else "")
        pairs_en = ", ".join(shown) + (f" and {more} more" if more > 0 else "")
        parts_zh.append(
            f"复垦耕地按周边 {NEAR_M:.0f} 米内三调同类耕地的面积加权平均田坎系数（KCXS）扣除田坎：{pairs}"
        )
        parts_en.append(
            "field ridges on reclaimed cultivated land deducted at the area-weighted mean KCXS of "
            f"the survey's polygons of that class within {NEAR_M:.0f} m: {pairs_en}"
        )
    if none.any():
        parts_zh.append(f"地块 {ids_text(ids[none])} 周边三调无田坎系数，复垦耕地未扣除田坎")
        parts_en.append(
            f"plot(s) {', '.join(ids[none][:MAX_IDS])}"
            + (f" and {int(none.sum()) - MAX_IDS} more" if none.sum() > MAX_IDS else "")
            + ": no survey coefficient nearby, no 田坎 deducted"
        )
    return _project(
        ctx,
        severity="info",
        unit="",
        zh=f"{why_zh}，" + "；".join(parts_zh) + "（每块所用系数见 demolition_plots 的 ll_kcxs）",
        en=f"{why_en}: " + "; ".join(parts_en) + " (the coefficient of each plot: ll_kcxs)",
    )


def _occupied_within_reclaimed(ctx: CheckContext, what: str, names: tuple[str, str]):
    """A finding when the ``occupied_<what>`` area exceeds the ``newly_added_<what>`` area,
    marked as failing it. Partial knowledge decides where it can (§4b). A construction-only plan
    compares with what its drawn quota carries."""
    if _construction_only(ctx):
        return _carried_within(ctx, what, names)
    if not ctx.has("demolition"):
        return None
    sheet = compute_balance(ctx)
    gain = sheet.get(f"newly_added_{what}")
    occ = sheet.get(f"occupied_{what}")
    state = _decide(gain, occ)
    if state == "not checked":
        return _undecided(ctx, (gain, occ))
    added, occupied = gain.m2, occ.m2
    if state == "pass":
        return None
    src = _source_args(ctx, sheet, what)
    note_zh, note_en = _partial_note((gain, occ))
    return _project(
        ctx,
        measured=occupied,
        threshold=added,
        judged=judgement("fail", f"occupied_{what}"),
        zh=f"建新占用{names[0]} {_m2(occupied)}（{src['source_zh']}）多于新增{names[0]}（复垦减去拆旧地块内已有{names[0]}）{_m2(added)}，减少 {occupied - added:.2f} m²{note_zh}",  # noqa: E501
        en=f"{names[1]} occupied by new construction {_m2_en(occupied)} ({src['source_en']}) exceeds newly added {names[1]} (reclaimed minus what the demolition plots already hold) {_m2_en(added)}: {occupied - added:.2f} m² less{note_en}",  # noqa: E501
    )


def _source_args(ctx: CheckContext, sheet=None, what: str = "cultivated") -> dict:
    basis = (
        sheet.get(f"occupied_{what}").basis
        if sheet is not None and sheet.get(f"occupied_{what}") is not None
        else ""
    )
    if basis in ("landuse", "landuse_kcxs"):
        zh, en = BASIS_LABELS[basis]
        return {"source_zh": "按" + zh, "source_en": "by " + en}
    if ctx.has("landuse") and ctx.has_field("landuse", "land_class"):
        return {
            "source_zh": "按三调地类图斑叠加",
            "source_en": "by overlay with the land-survey layer",
        }
    return {"source_zh": "按申报地类", "source_en": "by declared class"}


@rule(
    "BAL003",
    name="balance.cultivated_quality",
    severity="error",
    title=(
        "新增耕地质量低于建新占用耕地质量",
        "Quality of newly added cultivated land below that of the occupied",
    ),
    message=(
        "耕地质量（{scale_zh}，数值越小越好）：{detail_zh}",
        "Cultivated-land quality ({scale_en}; lower is better): {detail_en}",
    ),
    reference=f"{PILOT_2008} 拆旧地块整理复垦耕地的质量应比建新占用耕地有提高; {LAND_LAW} 第三十条 开垦与所占用耕地的数量和质量相当的耕地; {JILIN_2017} 第四条(二) 严格落实耕地占补数量质量双平衡，第十二条 拆旧复垦耕地的质量等级评定; {SHANXI_2018} 一 提高耕地质量",  # noqa: E501
    requires=("layer:construction",),
    example="reclaimed 旱地 of 等别 12 for occupied 水田 of 等别 9",
    judges=(Judges("occupied_quality", needs=("newly_added_quality", "drawn_quota")),),
)
def cultivated_quality(ctx: CheckContext):
    """The area-weighted quality grade of the newly added cultivated land must not be worse (a
    higher number) than that of the cultivated land occupied, on the project's scale
    (``quality_scale``); grades on different scales are never compared. When occupied
    cultivated land has grades but the newly added land has none, the comparison cannot be made
    and an ``info`` finding says so; so does a plot whose area is unknown (a weighted grade is
    never decided from part of the plots). A construction-only plan compares with the grade its
    drawn quota carries (DOMAIN.md §4b)."""
    if _construction_only(ctx):
        return _carried_quality(ctx, _SCALE[ctx.project.quality_scale])
    if not ctx.has("demolition"):
        return None
    sheet = compute_balance(ctx)
    scale_zh, scale_en = _SCALE[ctx.project.quality_scale]
    common = dict(
        layer="project", plot_id="", unit="grade", scale_zh=scale_zh, scale_en=scale_en, crs=ctx.crs
    )
    missing = _not_checked(ctx, sheet, ("newly_added_quality", "occupied_quality"))
    if missing is not None:
        return make(
            severity="info",
            measured=np.nan,
            threshold=np.nan,
            detail_zh=missing["detail_zh"].iloc[0],
            detail_en=missing["detail_en"].iloc[0],
            judged=missing[JUDGED].iloc[0],
            **common,
        )
    rec = sheet.get("newly_added_quality")
    occ = sheet.get("occupied_quality")
    src = _source_args(ctx, sheet)
    if sheet.value("occupied_cultivated") <= 0:
        return None
    if occ is None or not np.isfinite(occ.grade) or rec is None or not np.isfinite(rec.grade):
        side_zh = "建新占用耕地" if occ is None or not np.isfinite(occ.grade) else "新增耕地"
        side_en = "occupied" if side_zh == "建新占用耕地" else "newly added"
        return make(
            measured=rec.grade if rec is not None else np.nan,
            threshold=occ.grade if occ is not None else np.nan,
            severity="info",
            judged=judgement("not checked", "occupied_quality"),
            detail_zh=f"{side_zh}无有效质量{scale_zh}，无法比较",
            detail_en=f"the {side_en} cultivated land has no valid grade, so quality could not be compared",
            **common,
        )
    if rec.grade > occ.grade:
        return make(
            measured=rec.grade,
            threshold=occ.grade,
            judged=judgement("fail", "occupied_quality"),
            detail_zh=f"新增耕地面积加权质量{scale_zh} {rec.grade:.3f} 劣于建新占用耕地 {occ.grade:.3f}（{src['source_zh']}）",  # noqa: E501
            detail_en=f"area-weighted quality grade of newly added cultivated land {rec.grade:.3f} is worse than that of the occupied {occ.grade:.3f} ({src['source_en']})",  # noqa: E501
            **common,
        )
    return None


@rule(
    "BAL004",
    name="balance.paddy",
    severity="warning",
    title=("占用水田多于新增水田", "Paddy occupied exceeds newly added paddy"),
    message=("水田（扣除田坎后）：{detail_zh}", "Paddy (net of field ridges): {detail_en}"),
    reference=f"{FARMLAND_2017} 占优补优、占水田补水田; {BAZHONG_CASE} 占水田补水田",
    requires=("layer:construction",),
    example="construction plots on 0101 水田, demolition plots reclaimed to 0103 旱地",
    judges=(Judges("occupied_paddy", needs=("newly_added_paddy", "drawn_quota")),),
)
def paddy(ctx: CheckContext):
    """Paddy (0101 水田) occupied by new construction should be matched by newly added paddy
    (占水田补水田: reclaimed paddy minus the paddy already inside the demolition plots); both net
    of field ridges as in BAL002."""
    return _occupied_within_reclaimed(ctx, "paddy", ("水田", "paddy"))


@rule(
    "BAL006",
    name="balance.advance_quota",
    severity="error",
    title=("预支节余指标超过比例", "Advanced surplus quota above the allowed share"),
    message=("预支节余指标：{detail_zh}", "Advanced surplus quota: {detail_en}"),
    reference=f"{SICHUAN_2017} 二(三) 贫困县项目立项审批后可提前使用30%的节余指标",
    requires=("fact:advance_quota_m2",),
    params={
        "advance_quota_share": (0.30, "share of the surplus quota that may be used in advance"),
        "advance_poverty_only": (True, "only poverty counties may use surplus quota in advance"),
    },
    example="surplus 10 000 m², advance_quota_m2 = 3 500 (limit 3 000)",
    judges=(Judges("advance_quota"),),
)
def advance_quota(ctx: CheckContext, advance_quota_share, advance_poverty_only):
    """Surplus quota used in advance (预支) must not exceed ``advance_quota_share`` (30 % in
    Sichuan) of the surplus quota; where ``advance_poverty_only``, only poverty counties
    (``poverty_county = true``) may advance any."""
    sheet = compute_balance(ctx)
    advanced = float(ctx.project.advance_quota_m2 or 0.0)
    f = sheet.get("surplus_quota")
    surplus = max(f.m2, 0.0) if f is not None else 0.0
    if advance_poverty_only and not ctx.project.poverty_county:
        limit, bound = 0.0, ""  # no surplus figure needed: the limit is 0
        why = ("非贫困县不得预支节余指标", "only poverty counties may advance surplus quota")
    else:
        limit = advance_quota_share * surplus
        bound = f.bound if f is not None and f.unmeasured else ""
        pre_zh = _BOUND_ZH.get(bound, "") if bound else ""
        pre_en = (_BOUND_EN.get(bound, "") + " ") if bound else ""
        why = (
            f"节余指标{pre_zh} {surplus:.2f} m² 的 {advance_quota_share:.0%}",
            f"{advance_quota_share:.0%} of the surplus quota {pre_en}{surplus:.2f} m²",
        )
        # partial knowledge: the unknown plots move the limit only one way, or either way
        if f is not None and f.unmeasured:
            if advanced <= limit and bound != "lower" or advanced > limit and bound != "upper":
                return _undecided(
                    ctx,
                    (sheet.get("quota_basis"), sheet.get("construction_area"), f),
                    also=("advance_quota",),
                )
    if advanced > limit:
        limit_zh = _m2(limit) + ("（面积未知的建新地块只会使上限更低）" if bound == "upper" else "")
        limit_en = _m2_en(limit) + (
            " (the construction plots of unknown area could only lower it)"
            if bound == "upper"
            else ""
        )
        return _project(
            ctx,
            measured=advanced,
            threshold=limit,
            judged=judgement("fail", "advance_quota"),
            zh=f"{_m2(advanced)} 超过允许上限 {limit_zh}：{why[0]}",
            en=f"{_m2_en(advanced)} exceeds the allowed {limit_en}: {why[1]}",
        )
    return None


@rule(
    "BAL007",
    name="balance.turnover_quota",
    severity="error",
    title=("建新面积超过下达的周转指标", "New construction exceeds the turnover quota issued"),
    message=("周转指标：{detail_zh}", "Turnover quota: {detail_en}"),
    reference=f"{PILOT_2008} 挂钩周转指标专项用于控制项目区内建新地块的规模; {SHANXI_2018} 三(一) 将年度新增建设用地指标与增减挂钩周转指标一并下达使用，深度贫困县增减挂钩可不受指标规模限制",  # noqa: E501
    requires=(Layer("construction"),),
    params={
        "turnover_exempt_deep_poverty": (
            False,
            "deep-poverty counties (deep_poverty_county = true) are not bound by the turnover "
            "quota (shanxi)",
        )
    },
    example="turnover_quota_m2 = 15000 for 15 994.55 m² of new construction",
    judges=(Judges("turnover_quota"),),
)
def turnover_quota(ctx: CheckContext, turnover_exempt_deep_poverty):
    """The new-construction plots may only use the turnover quota (周转指标) issued for the
    project: their total area must not exceed ``turnover_quota_m2`` when the project states
    it. The edge (equal areas) passes. Where the profile exempts deep-poverty counties
    (``turnover_exempt_deep_poverty``: shanxi, 深度贫困县增减挂钩可不受指标规模限制) and the
    project is one (``deep_poverty_county = true``), the rule does not apply (an ``info`` finding
    says so); without ``turnover_quota_m2`` it is not checked."""
    if turnover_exempt_deep_poverty and ctx.project.deep_poverty_county:
        return _project(
            ctx,
            severity="info",
            judged=judgement("not judged", "turnover_quota"),
            zh="不适用：深度贫困县增减挂钩不受周转指标规模限制",
            en="does not apply: a deep-poverty county's linkage is not bound by the turnover quota",
        )
    if ctx.project.turnover_quota_m2 is None:
        return _project(
            ctx,
            severity="info",
            zh="未检查：缺少项目信息 [project] turnover_quota_m2",
            en="not checked: missing [project] turnover_quota_m2",
        )
    sheet = compute_balance(ctx)
    con = sheet.get("construction_area")
    quota = float(ctx.project.turnover_quota_m2)
    state = _decide(None, con, supply_m2=quota)
    if state == "not checked":
        return _undecided(ctx, (con,), also=("turnover_quota",))
    construction = con.m2
    if state == "pass":
        return None
    return _project(
        ctx,
        measured=construction,
        threshold=quota,
        judged=judgement("fail", "turnover_quota"),
        zh=f"建新地块总面积 {_m2(construction)} 超过下达的周转指标 {_m2(quota)}，超出 {construction - quota:.2f} m²",
        en=f"total new-construction area {_m2_en(construction)} exceeds the turnover quota issued {_m2_en(quota)} by {construction - quota:.2f} m²",  # noqa: E501
    )


@rule(
    "BAL008",
    name="balance.landuse_structure",
    severity="info",
    title=("项目区土地利用结构调整", "Land-use structure before and after"),
    message=(
        "项目区土地利用结构调整表（landuse_change）：{detail_zh}",
        "Land-use structure table (landuse_change): {detail_en}",
    ),
    reference=f"{JILIN_2017} 第十一条 项目区实施规划（土地利用结构调整）; {PILOT_2008}项目区内各类土地面积平衡",  # noqa: E501
    example="拆旧：0702 农村宅基地 −1 200 m² → 0103 旱地 +1 080 m²；建新：0103 旱地 −900 m² → 建设用地 +900 m²",
)
def landuse_structure(ctx: CheckContext):
    """Per land class (三调 classes under the plots when the project has a land-survey layer,
    else the declared classes), the area before and after the project for the demolition side
    (current classes → the class after reclamation) and the construction side (current classes
    → construction land), in m², 公顷 and 亩, with a subtotal per village (the survey's
    坐落单位 ZLDWMC, else its 权属单位 QSDWMC, else the plot's declared owner). The full table
    is the ``landuse_change`` layer of the output; the finding sums its changes per class."""
    table = landuse_change_table(ctx)
    rows = table[(table["village"] == "") & (table["side"] == "total")]
    if not len(rows):
        return None
    parts_zh, parts_en = [], []
    for r in rows.itertuples():
        sign = f"{r.change_m2:+.2f}"
        parts_zh.append(f"{r.land_class} {r.class_name} {sign} m²")
        parts_en.append(f"{r.land_class} {sign} m²")
    change = float(np.abs(rows["change_m2"].to_numpy(dtype=float)).sum()) / 2.0
    return _project(
        ctx,
        measured=change,
        unit="m2",
        zh="各地类面积变化：" + "；".join(parts_zh),
        en="change per land class: " + "; ".join(parts_en),
    )


def _carried_info(ctx: CheckContext, zh: str, en: str, **extra):
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


def _carried_known(ctx: CheckContext, sheet, key: str, **extra):
    """An ``info`` "not checked" finding when the carried figure ``key`` is unknown, else None."""
    fig = sheet.get(key)
    if ctx.ledger is None or fig is None:
        return _carried_info(
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
        return _carried_info(
            ctx,
            f"未检查：台账中没有来源项目 {names} 的验收记录（landlink ledger accept），无法得知其新增耕地",
            f"not checked: the ledger holds no acceptance record (landlink ledger accept) of "
            f"source(s) {', '.join(missing) or 'the sources'}, so their newly added farmland is "
            "unknown",
            **extra,
        )
    return None


def _carried_within(ctx: CheckContext, what: str, names: tuple[str, str]):
    """BAL002 (``cultivated``) / BAL004 (``paddy``) of a construction-only plan: the land its
    construction occupies must not exceed what its drawn quota carries (DOMAIN.md §4b)."""
    if not ctx.project.quota_sources:
        return None
    sheet = compute_balance(ctx)
    occupied = sheet.get(f"occupied_{what}")
    if occupied is None:
        return None
    unchecked = judgement("not checked", f"occupied_{what}")
    problem = _carried_known(ctx, sheet, f"carried_{what}", judged=unchecked)
    if problem is not None:
        return problem
    if occupied.unmeasured:
        return _carried_info(
            ctx,
            f"未检查：地块 {'、'.join(occupied.unmeasured)} 的面积无法计算",
            f"not checked: the area of plot(s) {', '.join(occupied.unmeasured)} could not be "
            "computed",
            judged=unchecked,
        )
    carried = sheet.value(f"carried_{what}")
    if centi(occupied.m2) <= centi(carried):
        return None
    zh, en = names
    return make(
        layer="project",
        plot_id="",
        measured=occupied.m2,
        threshold=carried,
        judged=judgement("fail", f"occupied_{what}"),
        unit="m2",
        detail_zh=f"建新占用{zh} {occupied.m2:.2f} m²（{float(to_mu(occupied.m2)):.4f} 亩）多于使用的"
        f"节余指标所带新增{zh} {carried:.2f} m²（来源项目验收记录，按使用比例），"
        f"减少 {occupied.m2 - carried:.2f} m²",
        detail_en=f"{en} occupied {occupied.m2:.2f} m² exceeds the newly added {en} the drawn "
        f"quota carries {carried:.2f} m² (sources' acceptance records, pro rata): "
        f"{occupied.m2 - carried:.2f} m² less",
        crs=ctx.crs,
    )


def _carried_quality(ctx: CheckContext, scale: tuple[str, str]):
    """BAL003 of a construction-only plan: the grade of the newly added cultivated land the drawn
    quota carries must not be worse (higher) than the grade of the cultivated land occupied."""
    if not ctx.project.quota_sources:
        return None
    sheet = compute_balance(ctx)
    occ = sheet.get("occupied_quality")
    common = {"unit": "grade", "scale_zh": scale[0], "scale_en": scale[1]}
    if occ is None or sheet.value("occupied_cultivated") <= 0:
        return None
    unchecked = judgement("not checked", "occupied_quality")
    problem = _carried_known(ctx, sheet, "carried_quality", judged=unchecked, **common)
    if problem is not None:
        return problem
    car = sheet.get("carried_quality")
    if not np.isfinite(occ.grade):
        return _carried_info(
            ctx,
            f"建新占用耕地无有效质量{scale[0]}，无法比较",
            "the occupied cultivated land has no valid grade, so quality could not be compared",
            judged=unchecked,
            **common,
        )
    if car.grade <= occ.grade + 1e-9:
        return None
    return make(
        layer="project",
        plot_id="",
        measured=car.grade,
        threshold=occ.grade,
        judged=judgement("fail", "occupied_quality"),
        detail_zh=f"使用的节余指标所带新增耕地加权质量{scale[0]} {car.grade:.3f} 劣于建新占用耕地 "
        f"{occ.grade:.3f}（等别不匹配）",
        detail_en=f"the newly added cultivated land the drawn quota carries is graded "
        f"{car.grade:.3f}, worse than the occupied {occ.grade:.3f}",
        crs=ctx.crs,
        **common,
    )
