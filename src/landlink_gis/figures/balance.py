"""The area balance of a project: demolition vs new construction, surplus quota, in m², 公顷 and 亩.

Figures are computed once per check from the context (cached) and read by the BAL rules, the
``balance`` output table and the reports; nothing writes into them afterwards (the ``rule_id``
and ``status`` the table shows for a figure a rule judges are derived from the rules' findings,
:func:`landlink_gis.rules.balance_statuses`). Areas use the project's area method (ellipsoidal
by default) on the valid polygonal geometry of each plot.

The surplus quota is the **quota basis** of the demolition plots (the part the land survey shows
as rural construction land, :func:`landlink_gis.figures.landuse.quota_basis`) minus the new
construction;
cultivated areas are net of 田坎 where the county's table or the survey gives coefficients, and
the farmland balance counts **newly added** cultivated land (reclaimed minus what is farmland
already, :mod:`.landuse.reclaim`). Each figure says which basis it used (``basis``). A figure that
would need the area of a plot whose area could not be computed keeps the sum of the other plots
but lists those plots in ``unmeasured`` and says in ``bound`` what they can do to it (only add,
only take away): the BAL rules judge it only where that cannot change the outcome.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..base.codes import is_cultivated, is_paddy
from ..base.fields import printable_ids
from ..engine.area import to_hectare, to_mu
from .acceptance import add_acceptance_rows
from .landuse import (
    farmland_reclaimed,
    farmland_under,
    has_survey,
    plot_area,
    quota_basis,
    ridge_netted,
    weighted_grade,
)
from .landuse.reclaim import newly_added, reclaim_coefficients

__all__ = ["BalanceFigure", "BalanceSheet", "compute_balance", "balance_table"]


@dataclass
class BalanceFigure:
    """One balance figure: its key, Chinese and English labels, scope and value in m²."""

    key: str
    label_zh: str
    label_en: str
    m2: float
    scope: str = "project"
    grade: float = float("nan")
    #: the rule that reports the figure where no rule judges it (ACC005's acceptance rows)
    rule_id: str = ""
    #: how the figure was measured (see :data:`BASIS_LABELS`)
    basis: str = ""
    #: plots whose area could not be computed and that this figure would need
    unmeasured: tuple[str, ...] = ()
    #: what the unmeasured plots can do to the figure (§4b *Partial knowledge*): ``lower`` — only
    #: add (the true figure is at least ``m2``), ``upper`` — only take away (at most ``m2``),
    #: ``""`` — either, or nothing is unmeasured
    bound: str = ""


@dataclass
class BalanceSheet:
    """All balance figures of a project, in order."""

    figures: list[BalanceFigure] = field(default_factory=list)

    def add(self, *args, **kwargs) -> BalanceFigure:
        """Append a figure and return it."""
        fig = BalanceFigure(*args, **kwargs)
        self.figures.append(fig)
        return fig

    def get(self, key: str, scope: str = "project") -> BalanceFigure | None:
        """The figure ``key`` of ``scope`` (None if absent)."""
        for f in self.figures:
            if f.key == key and f.scope == scope:
                return f
        return None

    def value(self, key: str, scope: str = "project", default: float = 0.0) -> float:
        """The m² value of figure ``key`` (``default`` if absent)."""
        f = self.get(key, scope)
        return f.m2 if f is not None else default


#: What the ``basis`` codes of the balance table mean: (Chinese, English).
BASIS_LABELS: dict[str, tuple[str, str]] = {
    "plots": ("地块椭球面积", "plot areas"),
    "landuse": ("三调地类图斑叠加", "land-survey overlay"),
    "landuse_kcxs": (
        "三调地类图斑叠加，扣除田坎（KCXS）",
        "land-survey overlay, net of field ridges (KCXS)",
    ),
    "declared": ("申报地类（无三调图层）", "declared classes (no land-survey layer)"),
    "declared_kcxs": (
        "申报复垦地类，按三调同类耕地田坎系数扣除田坎",
        "declared class after reclamation, net of field ridges at the survey's KCXS for that class",
    ),
    "declared_tiankan": (
        "申报复垦地类，按县田坎系数表（坡度级别）扣除田坎",
        "declared class after reclamation, net of field ridges by the county's table (slope class)",
    ),
    "newly_added": (
        "复垦耕地减去拆旧地块内三调已有耕地，均扣除田坎；坡度大于25°的地块不计",
        "reclaimed cultivated land minus the cultivated land the survey already shows inside the "
        "demolition plots, both net of field ridges; nothing from plots steeper than 25°",
    ),
    "newly_added_gross": (
        "复垦耕地减去拆旧地块内已有耕地（无田坎系数，未扣除田坎）；坡度大于25°的地块不计",
        "reclaimed cultivated land minus the cultivated land already inside the demolition plots "
        "(no field-ridge coefficient: gross); nothing from plots steeper than 25°",
    ),
    "project": ("项目信息", "project facts"),
    "ledger": ("台账", "ledger"),
    "survey_after": (
        "验收变更调查/竣工测量，扣除实测田坎",
        "survey after reclamation, net of measured field ridges",
    ),
}


def _ids(ctx, role: str, mask: np.ndarray) -> tuple[str, ...]:
    mask = np.asarray(mask, dtype=bool)
    if not mask.any():  # the usual case: every area known
        return ()

    def build() -> np.ndarray:
        frame = ctx.attributes(role)
        return printable_ids(frame["plot_id"].to_numpy(dtype=object), frame["fid"].to_numpy())

    ids = ctx.cached(("balance_ids", role), build)
    return tuple(str(i) for i in ids[mask])


def _sum(ctx, role: str, values: np.ndarray) -> tuple[float, tuple[str, ...]]:
    """Sum of the known values and the plots whose value is unknown (NaN)."""
    values = np.asarray(values, dtype=float)
    unknown = ~np.isfinite(values)
    return float(values[~unknown].sum()), _ids(ctx, role, unknown)


#: Construction kinds reported separately: (kind, Chinese label, English label).
KINDS: tuple[tuple[str, str, str], ...] = (
    ("resettlement", "安置", "resettlement"),
    ("urban", "城镇建新", "urban"),
)

_SCALE_ZH = {"dengbie": "等别", "dengji": "等级"}


def _bound(values: np.ndarray, adds: np.ndarray) -> str:
    """``lower``/``upper``/``""``: what the plots whose value is unknown can do to the sum (each
    adds where ``adds``, else takes away)."""
    unknown = ~np.isfinite(np.asarray(values, dtype=float))
    if not unknown.any():
        return ""
    if adds[unknown].all():
        return "lower"
    if not adds[unknown].any():
        return "upper"
    return ""


def _demolition_farmland(ctx, sheet: BalanceSheet, scale: str, ridge: bool) -> None:
    """Reclaimed, existing and newly added cultivated land and paddy of the demolition plots."""
    reclaimed = farmland_reclaimed(ctx)
    sources = set(reclaim_coefficients(ctx)["source"].to_numpy(dtype=object)) - {""}
    netted = bool(sources & {"table", "survey"})
    basis = (
        "declared_tiankan"
        if "table" in sources
        else ("declared_kcxs" if "survey" in sources else "declared")
    )
    note_zh, note_en = ("（扣除田坎）", " (net of field ridges)") if netted else ("", "")
    classes = ctx.attributes("demolition")["reclaim_class"].to_numpy(dtype=object)
    n = len(classes)
    gain = newly_added(ctx)
    # what a plot of unknown area can do to the newly added land: one to be reclaimed to that
    # land adds (unless steep: it adds nothing), any other can only take the farmland inside away
    flat = ~gain["steep"].to_numpy(dtype=bool)
    adds = {
        "cultivated": (np.asarray(is_cultivated(classes), dtype=bool) & flat)
        if n
        else np.zeros(0, bool),
        "paddy": (np.asarray(is_paddy(classes), dtype=bool) & flat) if n else np.zeros(0, bool),
    }
    for key, col, zh, en in (
        ("reclaimed_cultivated", "cultivated_m2", "复垦耕地面积", "cultivated land reclaimed"),
        ("reclaimed_paddy", "paddy_m2", "复垦水田面积", "paddy reclaimed"),
    ):
        m2, unknown = _sum(ctx, "demolition", reclaimed[col].to_numpy(dtype=float))
        sheet.add(
            key, zh + note_zh, en + note_en, m2, basis=basis, unmeasured=unknown, bound="lower"
        )
    _add_demolition_quality(
        ctx,
        sheet,
        "reclaimed_quality",
        reclaimed,
        ("复垦耕地", "reclaimed cultivated land"),
        basis,
        scale,
    )
    survey = has_survey(ctx)
    now_basis = ("landuse_kcxs" if ridge else "landuse") if survey else "declared"
    now_zh = (
        "（三调，扣除田坎）" if survey and ridge else ("（三调）" if survey else "（申报地类）")
    )
    now_en = (
        " (land survey, net of field ridges)"
        if survey and ridge
        else (" (land survey)" if survey else " (declared class)")
    )
    for key, col, zh, en in (
        (
            "existing_cultivated",
            "existing_cultivated_m2",
            "拆旧地块内现状耕地面积",
            "cultivated land already inside the demolition plots",
        ),
        (
            "existing_paddy",
            "existing_paddy_m2",
            "拆旧地块内现状水田面积",
            "paddy already inside the demolition plots",
        ),
    ):
        m2, unknown = _sum(ctx, "demolition", gain[col].to_numpy(dtype=float))
        sheet.add(
            key, zh + now_zh, en + now_en, m2, basis=now_basis, unmeasured=unknown, bound="lower"
        )
    net = netted or (survey and ridge)
    new_basis = "newly_added" if net else "newly_added_gross"
    tag_zh = "（扣除田坎）" if net else "（未扣除田坎：无田坎系数）"
    tag_en = " (net of field ridges)" if net else " (gross: no field-ridge coefficient)"
    for key, what, zh, en in (
        ("newly_added_cultivated", "cultivated", "新增耕地面积", "newly added cultivated land"),
        ("newly_added_paddy", "paddy", "新增水田面积", "newly added paddy"),
    ):
        values = gain[f"newly_{what}_m2"].to_numpy(dtype=float)
        m2, unknown = _sum(ctx, "demolition", values)
        sheet.add(
            key,
            zh + tag_zh,
            en + tag_en,
            m2,
            basis=new_basis,
            unmeasured=unknown,
            bound=_bound(values, adds[what]),
        )
    _add_demolition_quality(
        ctx,
        sheet,
        "newly_added_quality",
        gain,
        ("新增耕地", "newly added cultivated land"),
        new_basis,
        scale,
    )


def _add_demolition_quality(
    ctx,
    sheet: BalanceSheet,
    key: str,
    frame: pd.DataFrame,
    what: tuple[str, str],
    basis: str,
    scale: str,
) -> None:
    """The area-weighted grade of the graded part of ``frame`` (one row per demolition plot); the
    plots without a grade are listed as unmeasured."""
    finite = np.isfinite(frame["quality_area_m2"].to_numpy(dtype=float))
    known = frame[finite]
    sheet.add(
        key,
        f"{what[0]}加权质量{_SCALE_ZH[scale]}（已评定面积）",
        f"area-weighted quality grade ({scale}) of {what[1]} (graded area)",
        float(known["quality_area_m2"].sum()),
        grade=weighted_grade(known),
        basis=basis,
        unmeasured=_ids(ctx, "demolition", ~finite),
    )


def _farmland_figures(ctx, sheet: BalanceSheet) -> None:
    """Cultivated, paddy and quality figures: reclaimed (demolition) vs occupied (construction)."""

    scale = ctx.project.quality_scale
    ridge = ridge_netted(ctx)
    if ctx.has("demolition"):
        _demolition_farmland(ctx, sheet, scale, ridge)
    if not ctx.has("construction"):
        return
    occupied = farmland_under(ctx, "construction")
    survey = has_survey(ctx)
    basis = ("landuse_kcxs" if ridge else "landuse") if survey else "declared"
    src_zh = "（三调地类图斑" + ("，扣除田坎）" if ridge else "）") if survey else "（申报地类）"
    src_en = (
        (" (land-survey layer" + (", net of field ridges)" if ridge else ")"))
        if survey
        else " (declared class)"
    )
    kinds = ctx.layer("construction")["kind"].to_numpy(dtype=object)
    scopes = [("project", np.ones(len(kinds), bool), "", "")]
    scopes += [(k, kinds == k, f"{zh}：", f"{en}: ") for k, zh, en in KINDS]
    for scope, mask, pre_zh, pre_en in scopes:
        part = occupied[mask]
        for key, col, zh, en in (
            (
                "occupied_cultivated",
                "cultivated_m2",
                "建新占用耕地面积",
                "cultivated land occupied",
            ),
            ("occupied_paddy", "paddy_m2", "建新占用水田面积", "paddy occupied"),
        ):
            values = np.full(len(kinds), 0.0)
            values[mask] = part[col].to_numpy(dtype=float)
            m2, unknown = _sum(ctx, "construction", values)
            sheet.add(
                key,
                f"{pre_zh}{zh}{src_zh}",
                f"{pre_en}{en}{src_en}",
                m2,
                scope=scope,
                basis=basis,
                unmeasured=unknown,
                bound="lower",
            )
        finite = np.isfinite(part["quality_area_m2"].to_numpy(dtype=float))
        known = part[finite]
        unknown = np.zeros(len(kinds), dtype=bool)
        unknown[np.flatnonzero(mask)[~finite]] = True
        sheet.add(
            "occupied_quality",
            f"{pre_zh}建新占用耕地加权质量{_SCALE_ZH[scale]}（已评定面积）{src_zh}",
            f"{pre_en}area-weighted quality grade ({scale}) of occupied cultivated land (graded "
            f"area){src_en}",
            float(known["quality_area_m2"].sum()),
            scope=scope,
            grade=weighted_grade(known),
            basis=basis,
            unmeasured=_ids(ctx, "construction", unknown),
        )


def _carried_figures(ctx, sheet: BalanceSheet, sources) -> None:
    """What the quota a construction-only plan draws carries (DOMAIN.md §4b): from each source's
    acceptance record, its newly added cultivated land (paddy) minus what its own construction
    occupied, pro rata to the part of its surplus drawn, at its accepted grade. NaN where the
    ledger does not know a source's figures (then BAL002–BAL004 are not checked)."""
    accounts = ctx.ledger.quota_sources
    nan = float("nan")
    cult, qual = [], []
    for what, zh, en in (
        (
            "cultivated",
            "使用指标所带新增耕地",
            "newly added cultivated land the drawn quota carries",
        ),
        ("paddy", "使用指标所带新增水田", "newly added paddy the drawn quota carries"),
    ):
        values = []
        for src in sources:
            acc = accounts.get(src.code)
            value = acc.carried(float(src.area_m2), what) if acc is not None else nan
            values.append(value)
            sheet.add(
                f"carried_{what}",
                f"{zh}（来源 {src.code}，按使用比例）",
                f"{en} (source {src.code}, pro rata)",
                value,
                scope=src.code,
                basis="ledger",
            )
            if what == "cultivated":
                cult.append(value)
                qual.append(acc.quality if acc is not None and acc.quality is not None else nan)
        total = float(sum(values)) if all(np.isfinite(values)) else nan
        sheet.add(
            f"carried_{what}",
            zh + "合计（扣除田坎）",
            en + ", total (net of field ridges)",
            total,
            basis="ledger",
        )
    c = np.asarray(cult, dtype=float)
    q = np.asarray(qual, dtype=float)
    graded = np.isfinite(c) & np.isfinite(q) & (c > 0)
    area = float(c[graded].sum())
    grade = float((c[graded] * q[graded]).sum() / area) if area > 0 else nan
    if not np.all(np.isfinite(c)) or not np.all(np.isfinite(q[c > 0])):
        grade = nan  # a source whose land or grade the ledger does not know
    sheet.add(
        "carried_quality",
        "使用指标所带新增耕地加权质量等别（已评定面积）",
        "area-weighted grade of the newly added cultivated land the drawn quota carries",
        area,
        grade=grade,
        basis="ledger",
    )


def compute_balance(ctx) -> BalanceSheet:
    """The project's balance sheet (cached on the context).

    Figures (scope ``project``; construction-side figures also per kind, scopes
    ``resettlement`` and ``urban``): ``demolition_area`` (gross plot areas),
    ``quota_basis`` (rural construction land of the demolition plots, the land survey's when
    the project has one, else the declared classes'), ``construction_area``,
    ``surplus_quota`` (quota basis − construction), ``reclaimed_cultivated``,
    ``reclaimed_paddy``, ``reclaimed_quality`` (what the demolition plots become, net of 田坎 by
    the county's table or the survey's coefficients), ``existing_cultivated`` and
    ``existing_paddy`` (what the survey already shows inside them), ``newly_added_cultivated``,
    ``newly_added_paddy``, ``newly_added_quality`` (reclaimed minus existing, nothing from plots
    over 25°; BAL002–BAL004 compare these) vs ``occupied_cultivated``, ``occupied_paddy``,
    ``occupied_quality`` (area-weighted grade in ``grade``, graded area in ``m2``) and, when the
    project states them,
    ``advance_quota``, ``turnover_quota`` and (construction-only plans) ``drawn_quota`` per
    source (scope: the source's code) and in total.

    Parameters
    ----------
    ctx
        The check context.

    Returns
    -------
    BalanceSheet
        The same object for every call on one context; the rules read it and never change it.
    """

    def build() -> BalanceSheet:
        sheet = BalanceSheet()
        project = ctx.project
        if ctx.has("demolition"):
            m2, unknown = _sum(ctx, "demolition", plot_area(ctx, "demolition"))
            sheet.add(
                "demolition_area",
                "拆旧地块面积",
                "demolition area",
                m2,
                basis="plots",
                unmeasured=unknown,
                bound="lower",
            )
            qb = quota_basis(ctx)
            source = (
                str(qb["source"].iloc[0])
                if len(qb)
                else ("landuse" if has_survey(ctx) else "declared")
            )
            m2, unknown = _sum(ctx, "demolition", qb["basis_m2"].to_numpy(dtype=float))
            sheet.add(
                "quota_basis",
                "拆旧地块农村建设用地面积（指标基数）",
                "rural construction land of the demolition plots (quota basis)",
                m2,
                basis=source,
                unmeasured=unknown,
                bound="lower",
            )
        if ctx.has("construction"):
            m2, unknown = _sum(ctx, "construction", plot_area(ctx, "construction"))
            sheet.add(
                "construction_area",
                "建新地块面积",
                "new-construction area",
                m2,
                basis="plots",
                unmeasured=unknown,
                bound="lower",
            )
            kinds = ctx.layer("construction")["kind"].to_numpy(dtype=object)
            area = plot_area(ctx, "construction")
            for kind, zh, en in (
                ("resettlement", "安置地块面积", "resettlement area"),
                ("urban", "城镇建新地块面积", "urban new-construction area"),
            ):
                values = np.where(kinds == kind, area, 0.0)
                m2, unknown = _sum(ctx, "construction", values)
                sheet.add(
                    "construction_area",
                    zh,
                    en,
                    m2,
                    scope=kind,
                    basis="plots",
                    unmeasured=unknown,
                    bound="lower",
                )
        else:
            sheet.add(
                "construction_area", "建新地块面积", "new-construction area", 0.0, basis="plots"
            )
        if ctx.has("demolition"):
            qb = sheet.get("quota_basis")
            con = sheet.get("construction_area")
            sheet.add(
                "surplus_quota",
                "节余指标",
                "surplus quota",
                qb.m2 - con.m2,
                basis=qb.basis,
                unmeasured=qb.unmeasured + con.unmeasured,
                # unknown demolition plots only add to the surplus, construction ones only take
                bound=""
                if qb.unmeasured and con.unmeasured
                else ("lower" if qb.unmeasured else ("upper" if con.unmeasured else "")),
            )
        if project.advance_quota_m2 is not None:
            sheet.add(
                "advance_quota",
                "预支节余指标",
                "advanced surplus quota",
                float(project.advance_quota_m2),
                basis="project",
            )
        if getattr(project, "turnover_quota_m2", None) is not None:
            sheet.add(
                "turnover_quota",
                "下达周转指标",
                "turnover quota issued",
                float(project.turnover_quota_m2),
                basis="project",
            )
        sources = getattr(project, "quota_sources", ()) or ()
        if sources:
            for src in sources:
                sheet.add(
                    "drawn_quota",
                    f"使用节余指标（来源 {src.code}）",
                    f"surplus quota drawn (source {src.code})",
                    float(src.area_m2),
                    scope=src.code,
                    basis="project",
                )
            sheet.add(
                "drawn_quota",
                "使用节余指标合计",
                "surplus quota drawn, total",
                float(sum(src.area_m2 for src in sources)),
                basis="project",
            )
        if sources and ctx.ledger is not None:
            _carried_figures(ctx, sheet, sources)
        _farmland_figures(ctx, sheet)
        if project.stage == "acceptance" and ctx.has("survey_after") and ctx.has("demolition"):
            add_acceptance_rows(ctx, sheet)
        return sheet

    return ctx.cached("balance", build)


def balance_table(
    sheet: BalanceSheet, statuses: Mapping[tuple[str, str], tuple[str, str]] | None = None
) -> pd.DataFrame:
    """The ``balance`` output table: one row per figure in m², 公顷 and 亩 with its rule status.

    ``statuses`` gives the rule and status of each judged figure, ``{(key, scope): (rule_id,
    status)}`` (:func:`landlink_gis.rules.balance_statuses`, from the findings of the rules that
    ran); a figure without one shows its own ``rule_id`` and no status. ``grade`` holds the
    area-weighted quality grade of the ``*_quality`` rows (their area columns give the graded
    cultivated area); it is empty for the other rows. ``basis`` says how the figure was measured
    (a key of :data:`BASIS_LABELS`; ``basis_zh`` in words) and ``unmeasured`` lists the plots
    whose area could not be computed (the figure is then the sum of the other plots, and a rule
    judging it says ``not checked`` unless the known plots decide).
    """
    statuses = statuses or {}
    judged = [statuses.get((f.key, f.scope), (f.rule_id, "")) for f in sheet.figures]
    rows = [
        {
            "item": f.key,
            "scope": f.scope,
            "label_zh": f.label_zh,
            "label_en": f.label_en,
            "area_m2": round(f.m2, 4),
            "area_ha": round(float(to_hectare(f.m2)), 6),
            "area_mu": round(float(to_mu(f.m2)), 4),
            "grade": round(f.grade, 4) if np.isfinite(f.grade) else np.nan,
            "rule_id": rule_id,
            "status": status,
            "basis": f.basis,
            "basis_zh": BASIS_LABELS.get(f.basis, ("", ""))[0],
            "unmeasured": ",".join(f.unmeasured),
        }
        for f, (rule_id, status) in zip(sheet.figures, judged, strict=True)
    ]
    columns = [
        "item",
        "scope",
        "label_zh",
        "label_en",
        "area_m2",
        "area_ha",
        "area_mu",
        "grade",
        "rule_id",
        "status",
        "basis",
        "basis_zh",
        "unmeasured",
    ]
    return pd.DataFrame(rows, columns=columns)
