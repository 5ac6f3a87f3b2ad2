"""Monthly progress report and exports of the ledger (004 在线报备: monthly figures)."""

from __future__ import annotations

import calendar
import datetime as dt
import os
import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from ..base.contract import VERDICTS
from ..base.errors import OutputError
from ..base.workdays import add_working_days
from ..engine.area import to_hectare, to_mu
from ..io.atomic import (
    atomic_path,
    os_error_message,
    protected_paths,
    refuse_protected,
    staging_path,
)
from ..io.spreadsheet import safe_frame
from .history import replay
from .schema import states_for
from .store import Ledger

__all__ = [
    "export_ledger",
    "labelled",
    "ledger_layers",
    "ledger_guard",
    "month_bounds",
    "monthly_report",
    "write_monthly_xlsx",
]

#: (figure, layer, construction kind or None, state) of the monthly report.
_FIGURES = (
    ("demolished", "demolition", None, "demolished"),
    ("reclaimed", "demolition", None, "reclaimed"),
    ("demolition_accepted", "demolition", None, "accepted"),
    ("construction_built", "construction", None, "built"),
    ("resettlement_built", "construction", "resettlement", "built"),
    ("urban_built", "construction", "urban", "built"),
    ("construction_confirmed", "construction", None, "confirmed"),
)
_SHEETS = {"demolition": "拆旧台账", "resettlement": "安置台账", "urban": "城镇建新台账"}
#: sheet names of the report and the export under zh (the codes under en)
_TABLE_SHEETS = {
    "progress": "月度进展",
    "acceptances": "本月验收项目",
    "projects": "项目区",
    "status_history": "状态记录",
    "quota_events": "指标台账",
}
#: how a reader reads the figures, states, kinds and columns of the ledger's tables under zh
_FIGURE_LABELS = {
    "demolished": "拆旧地块已拆除",
    "reclaimed": "拆旧地块已复垦",
    "demolition_accepted": "拆旧地块已验收",
    "construction_built": "建新地块已建成",
    "resettlement_built": "安置地块已建成",
    "urban_built": "城镇建新地块已建成",
    "construction_confirmed": "建新地块经变更调查确认",
}
_VALUE_LABELS = {
    "approved": "已批准",
    "demolished": "已拆除",
    "reclaimed": "已复垦",
    "accepted": "已验收",
    "built": "已建成",
    "confirmed": "已确认",
    "filed": "已报备",
    "demolition": "拆旧",
    "construction": "建新",
    "resettlement": "安置",
    "urban": "城镇建新",
    "lent": "周转指标下达",
    "returned": "周转指标归还",
    "generated": "节余指标产生",
    "advanced": "节余指标预支",
    "traded": "节余指标交易",
    "drawn": "节余指标使用",
    "linkage": "增减挂钩",
    "construction_only": "单独建新",
    "plan": "方案",
    "acceptance": "验收",
    "issued": "下达的周转指标",
    "newly_added": "新增耕地",
    **{code: words[0] for code, words in VERDICTS.items()},
}
_VALUE_COLUMNS = (
    "figure",
    "state",
    "ll_state",
    "layer",
    "plot_layer",
    "kind",
    "stage",
    "verdict",
    "turnover_source",
    "newly_added_source",
)
_COLUMN_LABELS = {
    "figure": "指标",
    "plots": "本月地块数",
    "month_m2": "本月面积（m²）",
    "month_hm2": "本月面积（公顷）",
    "month_mu": "本月面积（亩）",
    "cumulative_m2": "累计面积（m²）",
    "cumulative_hm2": "累计面积（公顷）",
    "cumulative_mu": "累计面积（亩）",
    "code": "项目区编号",
    "project_code": "项目区编号",
    "name": "项目区名称",
    "project_name": "项目区名称",
    "accepted": "验收日期",
    "filing_deadline": "报备期限（验收后10个工作日）",
    "filed": "报备日期",
    "filed_in_time": "按时报备",
    "id": "序号",
    "version": "方案版本",
    "plan_version": "方案版本",
    "county": "县（区）",
    "profile": "省级规则",
    "approved": "批准日期",
    "poverty_county": "贫困县",
    "advance_quota_m2": "预支节余指标（m²）",
    "demolition_m2": "拆旧面积（m²）",
    "construction_m2": "建新面积（m²）",
    "surplus_m2": "节余指标（m²）",
    "error_count": "错误数",
    "warning_count": "警告数",
    "forced": "强制登记",
    "reason": "理由",
    "source": "来源文件",
    "source_sha256": "来源文件 SHA-256",
    "registered_at": "登记时间",
    "layer": "图层",
    "plot_layer": "图层",
    "kind": "类型",
    "plot_id": "地块编号",
    "land_class": "地类编码",
    "area_m2": "面积（m²）",
    "area_planar_m2": "平面面积（m²）",
    "state": "状态",
    "ll_state": "状态",
    "event_date": "日期",
    "ll_state_date": "状态日期",
    "note": "备注",
    "recorded_at": "记录时间",
    "counterpart": "交易对方",
    "price_yuan": "价格（元）",
    "stage": "检查阶段",
    "verdict": "检查结论",
    "basis_m2": "指标基数（m²）",
    "turnover_m2": "周转指标（m²）",
    "turnover_source": "周转指标依据",
    "newly_added_cultivated_m2": "新增耕地（m²）",
    "newly_added_paddy_m2": "新增水田（m²）",
    "newly_added_quality": "新增耕地质量等别",
    "newly_added_source": "新增耕地依据",
    "occupied_cultivated_m2": "建新占用耕地（m²）",
    "occupied_paddy_m2": "建新占用水田（m²）",
    "occupied_quality": "建新占用耕地质量等别",
    "accepted_basis_m2": "验收指标基数（m²）",
    "surplus_generated_m2": "验收产生节余指标（m²）",
    "turnover_returned_m2": "验收归还周转指标（m²）",
}


def labelled(frame: pd.DataFrame, lang: str = "zh") -> pd.DataFrame:
    """A ledger table as a reader reads it in ``lang``: under ``zh`` Chinese column headers, the
    figures, states, layers and kinds in words, yes/no as 是/否; under ``en`` unchanged.

    The stored tables keep their codes; only what is printed or written for a reader changes.
    """
    if lang != "zh":
        return frame
    out = pd.DataFrame(frame).copy()
    for col in _VALUE_COLUMNS:
        if col in out.columns:
            labels = _FIGURE_LABELS if col == "figure" else _VALUE_LABELS
            out[col] = [labels.get(v, v) if isinstance(v, str) else v for v in out[col]]
    for col in ("filed_in_time", "forced", "poverty_county"):
        if col in out.columns:
            out[col] = [
                v if v is None or pd.isna(v) else ("是" if bool(v) else "否") for v in out[col]
            ]
    return out.rename(columns=_COLUMN_LABELS)


def _sheet(name: str, lang: str) -> str:
    return _TABLE_SHEETS.get(name, name) if lang == "zh" else name


def month_bounds(month: str) -> tuple[dt.date, dt.date]:
    """First and last day of ``YYYY-MM``."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        first = dt.date(year, mon, 1)
    except ValueError:
        raise ValueError(f"month {month!r} must be YYYY-MM, e.g. 2023-06") from None
    return first, dt.date(year, mon, calendar.monthrange(year, mon)[1])


def _rank(layers, states) -> np.ndarray:
    out = []
    for lay, s in zip(layers, states, strict=True):
        order = states_for(lay)
        out.append(order.index(s) if isinstance(s, str) and s in order else -1)
    return np.asarray(out, dtype=int)


def _state_rank(plots: pd.DataFrame, events: pd.DataFrame, at: dt.date) -> np.ndarray:
    state = replay(events, at)
    merged = plots[["project_code", "layer", "plot_id"]].merge(
        state, how="left", on=["project_code", "layer", "plot_id"]
    )
    return _rank(merged["layer"].to_numpy(), merged["state"].to_numpy())


def monthly_report(ledger: Ledger, month: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Progress figures of one month and the projects accepted in it.

    A plot counts for a figure in the month when it reached that state (or a later one) during
    the month: on the month's last day its state is at least the figure's, the day before the
    month it was not. Cumulative figures count every plot at least in that state at month end.

    Returns
    -------
    (figures, acceptances)
        ``figures``: ``figure``, ``plots``, ``month_m2``, ``month_hm2``, ``month_mu``,
        ``cumulative_m2``, ``cumulative_hm2``, ``cumulative_mu``. ``acceptances``: projects
        accepted in the month: ``code``, ``name``, ``accepted``, ``filing_deadline`` (10 working
        days later), ``filed``, ``filed_in_time``.
    """
    first, last = month_bounds(month)
    plots = pd.DataFrame(ledger.plots().drop(columns="geometry"))
    events = ledger.status_history()
    before = _state_rank(plots, events, first - dt.timedelta(days=1))
    after = _state_rank(plots, events, last)
    rows = []
    for name, layer, kind, state in _FIGURES:
        target = states_for(layer).index(state)
        sel = (plots["layer"] == layer).to_numpy() & (
            (plots["kind"] == kind).to_numpy() if kind else True
        )
        reached = sel & (after >= target) & (before < target)
        cumulative = sel & (after >= target)
        area = plots["area_m2"].to_numpy(dtype=float)
        m, c = float(area[reached].sum()), float(area[cumulative].sum())
        rows.append(
            {
                "figure": name,
                "plots": int(reached.sum()),
                "month_m2": round(m, 2),
                "month_hm2": round(float(to_hectare(m)), 4),
                "month_mu": round(float(to_mu(m)), 2),
                "cumulative_m2": round(c, 2),
                "cumulative_hm2": round(float(to_hectare(c)), 4),
                "cumulative_mu": round(float(to_mu(c)), 2),
            }
        )
    figures = pd.DataFrame(rows)
    proj = events[events["layer"] == ""]
    in_month = np.array([first <= d <= last for d in proj["event_date"]], dtype=bool)
    accepted = proj[(proj["state"] == "accepted").to_numpy() & in_month]
    filed = proj[proj["state"] == "filed"].groupby("project_code")["event_date"].min()
    names = ledger.projects().set_index("code")["name"]
    acc_rows = []
    for code, date in zip(accepted["project_code"], accepted["event_date"], strict=True):
        deadline, _ = add_working_days(date, 10)
        f = filed.get(code)
        acc_rows.append(
            {
                "code": code,
                "name": names.get(code, ""),
                "accepted": date,
                "filing_deadline": deadline,
                "filed": f,
                "filed_in_time": None if f is None else bool(f <= deadline),
            }
        )
    acceptances = pd.DataFrame(
        acc_rows, columns=["code", "name", "accepted", "filing_deadline", "filed", "filed_in_time"]
    )
    return figures, acceptances


def ledger_layers(ledger: Ledger, at: dt.date | None = None) -> dict[str, gpd.GeoDataFrame]:
    """The separate ledgers (000 §(五)): ``demolition``, ``resettlement``, ``urban`` plots of the
    current plans with project facts and the state on ``at``."""
    plots = ledger.plots(with_state=True, at=at)
    projects = ledger.projects()[
        ["code", "name", "county", "approved", "accepted", "forced", "reason"]
    ]
    plots = plots.merge(
        projects.rename(columns={"code": "project_code", "name": "project_name"}),
        how="left",
        on="project_code",
    )
    plots = plots.drop(columns=["fid", "project_id", "attributes"]).rename(
        columns={"layer": "plot_layer"}
    )
    for col in ("ll_state_date", "approved", "accepted"):
        plots[col] = plots[col].map(
            lambda d: d.isoformat() if d is not None and not pd.isna(d) else None
        )
    out = {}
    for name in ("demolition", "resettlement", "urban"):
        sel = (
            plots["plot_layer"] == "demolition"
            if name == "demolition"
            else (plots["plot_layer"] == "construction") & (plots["kind"] == name)
        )
        out[name] = gpd.GeoDataFrame(
            plots[sel.to_numpy()].reset_index(drop=True), geometry="geometry", crs=plots.crs
        )
    return out


def _table(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if out[col].map(lambda v: isinstance(v, (dt.date, dt.datetime))).any():
            out[col] = out[col].map(
                lambda v: v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else v
            )
    return out


def _write_xlsx(path: Path, sheets: dict[str, pd.DataFrame], protected: set[Path]) -> None:
    """Write ``sheets`` (name → table) as one workbook, text that could run as a formula
    neutralised."""
    with atomic_path(path, protected=protected) as tmp:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            for name, frame in sheets.items():
                safe_frame(pd.DataFrame(frame)).to_excel(writer, sheet_name=name, index=False)


def ledger_guard(ledger: Ledger, protected=()) -> set[Path]:
    """The files an output made from ``ledger`` must not replace: the ledger file and
    ``protected``."""
    location = getattr(getattr(ledger, "backend", None), "path", None)
    return protected_paths(ledger=location, extra=protected or ())


def write_monthly_xlsx(
    figures: pd.DataFrame,
    acceptances: pd.DataFrame,
    path: str | Path,
    *,
    ledger: Ledger | None = None,
    protected=(),
    lang: str = "zh",
) -> Path:
    """Write the monthly report (sheets 月度进展 and 本月验收项目; ``progress`` and ``acceptances``
    under ``en``) atomically, never over the ledger.

    Parameters
    ----------
    figures, acceptances
        The tables of :func:`monthly_report`.
    path
        The ``.xlsx`` to write.
    ledger
        The ledger the report was made from (its file is protected).
    protected
        Further files the workbook must not replace.
    lang
        ``zh`` (Chinese sheets, headers and words) or ``en`` (the codes).
    """
    path = Path(path)
    guard = (
        ledger_guard(ledger, protected) if ledger is not None else protected_paths(extra=protected)
    )
    refuse_protected(path, guard)
    if path.suffix.lower() != ".xlsx":
        raise OutputError(f"{path}: the report must be an .xlsx file")
    sheets = {"progress": figures, "acceptances": acceptances}
    _write_xlsx(
        path,
        {_sheet(k, lang): labelled(_table(v), lang) for k, v in sheets.items()},
        guard,
    )
    return path


def _write_gpkg(
    path: Path,
    layers: dict[str, gpd.GeoDataFrame],
    tables: dict[str, pd.DataFrame],
    protected: set[Path],
) -> None:
    with atomic_path(path, protected=protected) as tmp:
        first = True
        for name, frame in layers.items():
            options = {"dataset_options": {"VERSION": "1.2"}} if first else {}
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                pyogrio.write_dataframe(
                    frame,
                    str(tmp),
                    layer=f"{name}_ledger",
                    driver="GPKG",
                    geometry_type="MultiPolygon",
                    promote_to_multi=True,
                    **options,
                )
            first = False
        for name, frame in tables.items():
            pyogrio.write_dataframe(frame, str(tmp), layer=name, driver="GPKG")


def export_ledger(
    ledger: Ledger,
    gpkg: str | Path | None = None,
    xlsx: str | Path | None = None,
    *,
    protected=(),
    lang: str = "zh",
) -> list[Path]:
    """Write the ledger as a GeoPackage (``demolition_ledger``, ``resettlement_ledger``,
    ``urban_ledger``, ``projects``, ``status_history``, ``quota_events``) and/or an xlsx workbook
    (one sheet per ledger and table; under ``lang = "zh"`` Chinese sheet names, headers and
    words, while the GeoPackage keeps the codes).

    Both are written to temporary files and renamed when both are complete (all or nothing);
    neither may replace the ledger itself or a file of ``protected``; text cells of the workbook
    that a spreadsheet would run as a formula are neutralised.

    Raises
    ------
    OutputError
        An output is the ledger (or another protected file), or cannot be written.
    """
    guard = ledger_guard(ledger, protected)
    targets = [Path(p) for p in (gpkg, xlsx) if p is not None]
    for target in targets:
        refuse_protected(target, guard)
    if gpkg is not None and xlsx is not None and Path(gpkg).resolve() == Path(xlsx).resolve():
        raise OutputError(f"{gpkg}: -o and --xlsx name the same file; give two different files")
    if xlsx is not None and Path(xlsx).suffix.lower() != ".xlsx":
        raise OutputError(f"{xlsx}: the workbook must be an .xlsx file")
    layers = ledger_layers(ledger)
    tables = {
        "projects": _table(ledger.projects(all_versions=True)),
        "status_history": _table(ledger.status_history()),
        "quota_events": _table(ledger.quota_events()),
    }
    staged: list[tuple[Path, Path]] = []
    done: list[Path] = []
    try:
        if gpkg is not None:
            staged.append((staging_path(gpkg), Path(gpkg)))
            _write_gpkg(staged[-1][0], layers, tables, guard)
        if xlsx is not None:
            staged.append((staging_path(xlsx), Path(xlsx)))
            sheets = {
                _SHEETS[name]: labelled(frame.drop(columns="geometry"), lang)
                for name, frame in layers.items()
            } | {_sheet(k, lang): labelled(v, lang) for k, v in tables.items()}
            _write_xlsx(staged[-1][0], sheets, guard)
        for tmp, target in staged:
            refuse_protected(target, guard)
            try:
                os.replace(tmp, target)
            except OSError as exc:
                raise OutputError(os_error_message(target, exc)) from None
            done.append(target)
    except BaseException as exc:
        for path in [t for t, _ in staged] + done:
            path.unlink(missing_ok=True)
        if isinstance(exc, OutputError):
            message = str(exc)
            for tmp, target in staged:
                message = message.replace(str(tmp), str(target))
            raise OutputError(message) from None
        raise
    return [target for _, target in staged]
