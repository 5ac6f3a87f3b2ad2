"""Acceptance rules (ACC001–ACC005): the reclaimed land as the survey after reclamation shows it.

They run only on an acceptance check (``[project] stage = "acceptance"``, the ``accepted`` date and
the ``survey_after`` layer, DOMAIN.md §4b *Acceptance*); on a plan they do not apply (no finding).
Figures come from :mod:`landlink_gis.figures.acceptance` (computed once per check); ACC005's
accepted account is a set of rows of the ``balance`` table that ``landlink ledger accept`` reads.
"""

from __future__ import annotations

import numpy as np

from ..base.findings import make
from ..engine.area import to_mu
from ..figures.acceptance import (
    acceptance_figures,
    neighbour_grade,
    passing,
    planned,
)
from ..figures.balance import compute_balance
from ..load.context import CheckContext
from ._citations import JILIN_2017, LAND_LAW, MONITORING_2014, PILOT_2008, SHANXI_2018
from ._common import ids_text
from ._registry import rule
from ._requires import Layer, When

#: what every acceptance rule needs at an acceptance check (on a plan it does not apply)
_REQUIRES = (When("acceptance_stage", Layer("survey_after")),)


#: ACC001's threshold, which ACC005 shares (the plots it accepts are those passing ACC001)
_SHARE = {
    "min_reclaimed_share": (
        0.95,
        "share of a demolition plot that must be of its reclaim class family at acceptance",
    )
}


def _applies(ctx: CheckContext) -> bool:
    return ctx.project.stage == "acceptance" and ctx.has("survey_after") and ctx.has("demolition")


def _ids(ctx: CheckContext, mask) -> np.ndarray:
    return np.asarray(ctx.attributes("demolition")["plot_id"].astype(str), dtype=object)[
        np.asarray(mask, dtype=bool)
    ]


def _geoms(ctx: CheckContext, mask):
    return ctx.valid_geoms("demolition")[np.asarray(mask, dtype=bool)]


@rule(
    "ACC001",
    name="acceptance.reclaimed_class",
    severity="error",
    title=(
        "拆旧地块未按规划复垦为相应地类",
        "Demolition plot not reclaimed into its planned class family",
    ),
    message=(
        "拆旧地块仅 {share_pct:.1f}% 在验收调查中为复垦地类 {family}*（要求 ≥ {need_pct:.0f}%）",
        "only {share_pct:.1f}% of the plot is of its reclaim class family {family}* in the survey "
        "after reclamation (needs ≥ {need_pct:.0f}%)",
    ),
    reference=f"{MONITORING_2014} 二(一) 项目区验收情况，包括拆旧复垦、建新用地、安置补偿、收益分配等完成情况; {SHANXI_2018} 二(二) 项目区工程竣工并经验收; {JILIN_2017} 第二十二条 拆旧地块复垦验收后，明确地块界址、地类和权属",  # noqa: E501
    requires=_REQUIRES,
    params=_SHARE,
    example="plot to be reclaimed to 0103, survey_after shows 80 % 0103 and 20 % 0702",
)
def reclaimed_class(ctx: CheckContext, min_reclaimed_share):
    """At acceptance each demolition plot must be in its reclaim class family (the first two digits
    of ``reclaim_class``: 01 cultivated, 02 garden, 03 forest, 04 grassland …) on at least
    ``min_reclaimed_share`` (95 %) of its area in ``survey_after``. ``measured`` is the share (%),
    ``threshold`` the minimum. A plot that fails is not accepted: its quota basis does not count
    in ACC005."""
    if not _applies(ctx):
        return None
    table = acceptance_figures(ctx, float(ctx.params.get("overlap_tolerance_m2", 1.0))).plots
    share = table["share"].to_numpy(dtype=float)
    bad = np.isfinite(share) & (share < float(min_reclaimed_share) - 1e-12)
    if not bad.any():
        return None
    return make(
        layer="demolition",
        plot_id=_ids(ctx, bad),
        geometry=_geoms(ctx, bad),
        measured=share[bad] * 100.0,
        threshold=float(min_reclaimed_share) * 100.0,
        unit="%",
        share_pct=share[bad] * 100.0,
        need_pct=float(min_reclaimed_share) * 100.0,
        family=table["family"].to_numpy(dtype=object)[bad],
        crs=ctx.crs,
    )


@rule(
    "ACC002",
    name="acceptance.newly_added",
    severity="warning",
    title=("验收新增耕地少于规划", "Newly added cultivated land at acceptance short of the plan"),
    message=("{detail_zh}", "{detail_en}"),
    reference=f"{PILOT_2008} 拆旧地块整理复垦耕地的数量应比建新占用耕地的数量有增加; {JILIN_2017} 第十二条 拆旧区土地整理复垦新增耕地的验收",  # noqa: E501
    requires=_REQUIRES,
    example="plan: 3 000 m² newly added cultivated land; survey_after net of 田坎 gives 2 800 m²",
)
def newly_added(ctx: CheckContext):
    """The newly added cultivated land the survey after reclamation shows (cultivated land net of
    the 田坎 it measures, KCXS or KCMJ/TBMJ, minus the cultivated land the plan's survey already
    showed inside the plots) must not fall short of the planned newly added cultivated land by more
    than max(1 m², 1 %). Judged for the project as a whole (sums), naming the plots that fall
    short. ``measured`` is the accepted figure, ``threshold`` the planned one."""
    if not _applies(ctx):
        return None
    sheet = compute_balance(ctx)
    table = acceptance_figures(ctx, float(ctx.params.get("overlap_tolerance_m2", 1.0))).plots
    got_each = (table["cultivated_m2"] - table["existing_cultivated_m2"]).to_numpy(dtype=float)
    want_each = table["planned_cultivated_m2"].to_numpy(dtype=float)
    got = float(np.nansum(got_each))
    want = planned(ctx, sheet)["cultivated"]
    if not got < want - max(1.0, 0.01 * abs(want)):
        return None
    short = np.isfinite(want_each) & (
        got_each < want_each - np.maximum(1.0, 0.01 * np.abs(want_each))
    )
    names = ids_text(_ids(ctx, short)) or "（无单块明显不足）"
    return make(
        layer="project",
        plot_id="",
        measured=got,
        threshold=want,
        unit="m2",
        detail_zh=f"验收新增耕地 {got:.2f} m²（{float(to_mu(got)):.4f} 亩，扣除实测田坎）少于规划新增耕地 "
        f"{want:.2f} m²（{float(to_mu(want)):.4f} 亩），相差 {want - got:.2f} m²；不足的地块：{names}",
        detail_en=f"newly added cultivated land at acceptance {got:.2f} m² (net of measured field "
        f"ridges) is short of the planned {want:.2f} m² by {want - got:.2f} m²; plots short: "
        + (", ".join(_ids(ctx, short)) or "none singly"),
        crs=ctx.crs,
    )


@rule(
    "ACC003",
    name="acceptance.quality",
    severity="warning",
    title=(
        "验收耕地质量等别低于规划或周边耕地",
        "Accepted cultivated land graded worse than planned or than the farmland around",
    ),
    message=("{detail_zh}", "{detail_en}"),
    reference=f"{PILOT_2008} 拆旧地块整理复垦耕地的质量应比建新占用耕地有提高; {JILIN_2017} 第十二条 拆旧复垦耕地的质量等级评定，比对周边地块耕地质量",  # noqa: E501
    requires=_REQUIRES,
    params={
        "neighbour_m": (500.0, "distance (m) around the project of the farmland compared (ACC003)")
    },
    example="planned grade 8, assessed 10; cultivated land within 500 m averages 9",
)
def quality(ctx: CheckContext, neighbour_m):
    """The assessed grade of the reclaimed cultivated land (area-weighted ``GDDB``/``ZLDB`` of
    ``survey_after`` inside the demolition plots; lower is better) must not be worse than the
    planned grade, nor than the cultivated land of ``survey_after`` within ``neighbour_m`` (500 m)
    of the project, the project's own plots left out. Judged for the project as a whole, naming
    the plots graded worse. ``measured`` is the assessed grade, ``threshold`` the better of the
    two it is compared with."""
    if not _applies(ctx):
        return None
    sheet = compute_balance(ctx)
    table = acceptance_figures(ctx, float(ctx.params.get("overlap_tolerance_m2", 1.0))).plots
    graded = float(table["quality_area_m2"].sum())
    if graded <= 0:
        return None
    got = float(table["quality_area_product"].sum()) / graded
    want = planned(ctx, sheet)["quality"]
    around, _ = neighbour_grade(ctx, float(neighbour_m))
    limits = [v for v in (want, around) if np.isfinite(v)]
    if not limits or got <= min(limits) + 1e-9:
        return None
    with np.errstate(divide="ignore", invalid="ignore"):
        each = np.where(
            table["quality_area_m2"] > 0,
            table["quality_area_product"] / table["quality_area_m2"],
            np.nan,
        )
    worse = np.isfinite(each) & (each > min(limits) + 1e-9)
    parts_zh, parts_en = [], []
    if np.isfinite(want) and got > want + 1e-9:
        parts_zh.append(f"规划 {want:.2f}")
        parts_en.append(f"planned {want:.2f}")
    if np.isfinite(around) and got > around + 1e-9:
        parts_zh.append(f"周边 {neighbour_m:.0f} m 内耕地 {around:.2f}")
        parts_en.append(f"cultivated land within {neighbour_m:.0f} m {around:.2f}")
    ids = _ids(ctx, worse)
    return make(
        layer="project",
        plot_id="",
        measured=got,
        threshold=min(limits),
        unit="grade",
        detail_zh=f"验收耕地加权质量等别 {got:.2f} 差于{'、'.join(parts_zh)}（数值越小越好）；"
        f"等别较差的地块：{ids_text(ids) or '无'}",
        detail_en=f"assessed grade {got:.2f} of the reclaimed cultivated land is worse than "
        f"{' and '.join(parts_en)} (lower is better); plots graded worse: "
        + (", ".join(ids) or "none"),
        crs=ctx.crs,
    )


@rule(
    "ACC004",
    name="acceptance.ownership",
    severity="error",
    title=("复垦土地不再为集体所有", "Reclaimed land no longer collectively owned"),
    message=(
        "复垦后土地权属性质为 {codes}，不是集体所有（30–34）",
        "the reclaimed land's ownership (QSXZ) is {codes}, not collective (30–34)",
    ),
    reference=f"{LAND_LAW} 第九条 农村和城市郊区的土地，除由法律规定属于国家所有的以外，属于农民集体所有; {JILIN_2017} 第二十二条 复垦后土地所有权仍属集体",  # noqa: E501
    requires=_REQUIRES,
    example="survey_after polygon over a reclaimed plot with QSXZ = 20 (国有)",
)
def ownership(ctx: CheckContext):
    """Reclaimed land stays collectively owned: every ``survey_after`` polygon over a demolition
    plot (slivers below ``overlap_tolerance_m2`` left out) must have 权属性质 ``QSXZ`` 30–34. A
    plot that fails is not accepted (ACC005)."""
    if not _applies(ctx):
        return None
    table = acceptance_figures(ctx, float(ctx.params.get("overlap_tolerance_m2", 1.0))).plots
    codes = table["ownership"].to_numpy(dtype=object)
    bad = codes != ""
    if not bad.any():
        return None
    return make(
        layer="demolition",
        plot_id=_ids(ctx, bad),
        geometry=_geoms(ctx, bad),
        codes=codes[bad],
        crs=ctx.crs,
    )


@rule(
    "ACC005",
    name="acceptance.account",
    severity="info",
    title=("验收指标账", "The accepted quota account"),
    message=("{detail_zh}", "{detail_en}"),
    reference=f"{PILOT_2008} 挂钩周转指标应在规定时间内用拆旧地块整理复垦的耕地面积归还; {SHANXI_2018} 二(二) 工程竣工并经验收后即归还周转指标",  # noqa: E501
    requires=_REQUIRES,
    params=_SHARE,
    example="accepted basis 20 000 m², construction 15 000 m²: surplus generated 5 000 m²",
)
def account(ctx: CheckContext, min_reclaimed_share):
    """The accepted account, from the plots passing ACC001 and ACC004: the accepted basis (their
    quota basis), the surplus generated (accepted basis − construction), the turnover quota
    returned (min(lent, accepted basis)), and the newly added cultivated land, paddy and grade.
    All are rows of the ``balance`` table (rule ACC005), which ``landlink ledger accept`` records.
    ``measured`` is the surplus generated."""
    if not _applies(ctx):
        return None
    sheet = compute_balance(ctx)
    ok = passing(ctx, float(min_reclaimed_share))
    basis = sheet.value("accepted_basis")
    surplus = sheet.value("surplus_generated")
    returned = sheet.value("turnover_returned")
    added = sheet.value("accepted_newly_added_cultivated")
    refused = _ids(ctx, ~ok)
    tail_zh = f"；未通过验收的地块：{ids_text(refused)}" if len(refused) else ""
    tail_en = f"; plots not accepted: {', '.join(refused)}" if len(refused) else ""
    return make(
        layer="project",
        plot_id="",
        measured=surplus,
        unit="m2",
        detail_zh=f"验收通过 {int(ok.sum())}/{len(ok)} 块：指标基数 {basis:.2f} m²，产生节余指标 "
        f"{surplus:.2f} m²（{float(to_mu(surplus)):.4f} 亩），归还周转指标 {returned:.2f} m²，"
        f"新增耕地 {added:.2f} m²" + tail_zh,
        detail_en=f"{int(ok.sum())}/{len(ok)} plots accepted: basis {basis:.2f} m², surplus "
        f"generated {surplus:.2f} m², turnover returned {returned:.2f} m², newly added "
        f"cultivated land {added:.2f} m²" + tail_en,
        crs=ctx.crs,
    )
