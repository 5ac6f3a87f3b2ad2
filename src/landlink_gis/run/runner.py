"""``check(project) -> CheckResult``: load, run the selected rules, collect findings.

A rule that crashes does not stop the run: its exception is logged with the traceback and
recorded as an ``error`` finding, so a result is never silently clean. A rule whose input is
missing is skipped and an ``info`` finding says what was not checked.

The ``balance`` table's ``rule_id`` and ``status`` come from the findings: each rule's marks of
what it judged (:func:`landlink_gis.base.findings.judgement`) are taken off its findings as it
returns, and :func:`landlink_gis.rules.balance_statuses` derives the statuses from them and the
rules that ran.
"""

from __future__ import annotations

import datetime as dt
import logging
import platform
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from .._version import __version__
from ..base import findings as fnd
from ..base.contract import CHANGES_LAYER, LANDUSE_CHANGE_LAYER
from ..base.heap import release_freed_memory
from ..base.redaction import redact_text
from ..base.roles import LAYER_LABELS, PLOT_ROLES
from ..figures.balance import balance_table, compute_balance
from ..figures.changes import plan_changes
from ..figures.landuse import quota_basis
from ..figures.landuse.change import landuse_change_table
from ..figures.landuse.reclaim import reclaim_coefficients
from ..load.context import CheckContext
from ..load.pipeline import load_context
from ..project.file import Project, load_project
from ..rules import REGISTRY, Rule, balance_statuses, filing_gaps
from .config import RunConfig, resolve_config
from .result import CheckResult
from .spool import FindingSpool
from .verdict import decide, verdict_fields

logger = logging.getLogger(__name__)

__all__ = ["check", "missing_requirements"]

_MISSING_MSG = {
    "zh": "规则 {rule_id}（{title}）未检查：缺少{missing}",
    "en": "Rule {rule_id} ({title}) not checked: missing {missing}",
}
_CRASH_MSG = {
    "zh": "规则 {rule_id} 运行出错，未完成检查：{error}（请报告此问题）",
    "en": "Rule {rule_id} failed and did not complete: {error} (please report this)",
}


def missing_requirements(rule: Rule, ctx: CheckContext, lang: str = "en") -> list[str]:
    """What ``rule`` needs that the project lacks, named in ``lang`` (empty: it can run)."""
    return [req.describe(lang) for req in rule.requires if not req.met(ctx)]


def _rule_pieces(
    rule: Rule, ctx: CheckContext, config: RunConfig, lang: str
) -> Iterator[gpd.GeoDataFrame]:
    """The finished findings of ``rule``, a piece at a time.

    A rule returns its raw findings (a frame or None) or yields them in pieces (the overlap rules
    do, a hundred thousand plots at a time); each piece is finished as it comes, so a spooled
    check writes it before the next is made. A rule that crashes keeps the pieces it made and
    adds one error finding; a rule that cannot run gives one info finding naming what it lacks.
    """
    severity = config.severity[rule.id]
    missing = missing_requirements(rule, ctx, lang)
    if missing:
        raw = fnd.make(
            layer="",
            plot_id="",
            missing=("、" if lang == "zh" else ", ").join(missing),
            title=rule.title(lang),
            crs=ctx.crs,
            judged=fnd.judgement("not judged"),
        )
        yield fnd.finalise(
            raw,
            rule_id=rule.id,
            severity="info",
            template=_MISSING_MSG[lang],
            reference=rule.reference_for(ctx.profile),
            crs=ctx.crs,
            labels=LAYER_LABELS[lang],
        )
        return
    kwargs = {p.name: config.params[p.name] for p in rule.params}
    try:
        made = rule.func(ctx, **kwargs)
        pieces = made if isinstance(made, Iterator) else iter([made])
        for raw in pieces:
            if raw is None or len(raw) == 0:
                continue
            if raw.crs is None:
                raw = raw.set_crs(ctx.crs, allow_override=True)
            yield fnd.finalise(
                raw,
                rule_id=rule.id,
                severity=severity,
                template=rule.message(lang),
                reference=rule.reference_for(ctx.profile),
                crs=ctx.crs,
                labels=LAYER_LABELS[lang],
            )
    except Exception as exc:  # noqa: BLE001 - a rule crash must not stop the run
        logger.exception("rule %s crashed", rule.id)
        raw = fnd.make(
            layer="",
            plot_id="",
            error=f"{type(exc).__name__}: {exc}",
            crs=ctx.crs,
            judged=fnd.judgement("not judged"),  # whatever it found before is not known
        )
        yield fnd.finalise(
            raw,
            rule_id=rule.id,
            severity="error",
            template=_CRASH_MSG[lang],
            reference=rule.reference_for(ctx.profile),
            crs=ctx.crs,
            labels=LAYER_LABELS[lang],
        )


def _run_rule(rule: Rule, ctx: CheckContext, config: RunConfig, lang: str) -> gpd.GeoDataFrame:
    """All findings of ``rule`` in one frame (see :func:`_rule_pieces`)."""
    return fnd.concat(list(_rule_pieces(rule, ctx, config, lang)), crs=ctx.crs)


#: ``ll_status`` by severity rank (:data:`landlink_gis.base.findings.SEVERITY_RANK`)
_STATUS_NAMES = np.array(["pass", "warning", "error"], dtype=object)


def _plot_outputs(ctx: CheckContext, findings: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    """The checked plot layers: the input attributes plus each plot's areas, status (the worst
    severity of its error and warning findings) and rule ids (sorted, comma-joined).

    Findings are matched to plots by printable id on integer codes (no string grouping or
    sorting: a county has millions of findings).
    """
    out = {}
    severity = findings["severity"].to_numpy(dtype=object)
    relevant = np.isin(severity, ["error", "warning"])
    layers = findings["layer"].to_numpy(dtype=object)[relevant]
    plot_ids = findings["plot_id"].to_numpy(dtype=object)[relevant]
    rule_ids_all = findings["rule_id"].to_numpy(dtype=object)[relevant]
    ranks = (
        pd.Series(severity[relevant], dtype=object).map(fnd.SEVERITY_RANK).to_numpy(dtype=np.int64)
    )
    for role in PLOT_ROLES:
        if not ctx.has(role):
            continue
        frame = ctx.raw[role].copy()
        keys = ctx.plot_ids(role)  # text already: an id, or "#n"
        mine = layers == role
        # plot ids as text, made once per distinct id (not once per finding)
        codes, uniques = pd.factorize(plot_ids[mine], use_na_sentinel=False)
        codes_text, uniques = pd.factorize(np.array([str(u) for u in uniques], dtype=object))
        codes = codes_text[codes] if len(codes) else codes
        # one slot per plot id with findings, and a last one for the plots without any
        worst = np.zeros(len(uniques) + 1, dtype=np.int64)
        np.maximum.at(worst, codes, ranks[mine])
        # per plot: its distinct rule ids in sorted order, from (plot code, rule code) keys
        rcodes, rules = pd.factorize(rule_ids_all[mine], sort=True)
        pair = np.unique(codes.astype(np.int64) * max(len(rules), 1) + rcodes)
        owner, rule_of = pair // max(len(rules), 1), pair % max(len(rules), 1)
        end = np.r_[owner[1:] != owner[:-1], True] if len(owner) else np.zeros(0, dtype=bool)
        text = np.full(len(uniques) + 1, "", dtype=object)
        text[owner[end]] = fnd.join_runs(np.asarray(rules, dtype=object)[rule_of], end, ",")
        at = pd.Index(uniques, dtype=object).get_indexer(keys)
        at[at < 0] = len(uniques)
        norm = ctx.layer(role)
        # a plot whose area could not be computed (no geometry, non-finite coordinates) is NULL,
        # never 0
        present, _ = ctx.geometry_state(role)
        frame["ll_area_m2"] = np.where(
            present, np.round(norm["area_m2"].to_numpy(dtype=float), 4), np.nan
        )
        frame["ll_area_planar_m2"] = np.where(
            present, np.round(norm["area_planar_m2"].to_numpy(dtype=float), 4), np.nan
        )
        if role == "demolition":
            frame["ll_quota_basis_m2"] = np.round(
                quota_basis(ctx)["basis_m2"].to_numpy(dtype=float), 4
            )
            # the 田坎 coefficient deducted from the plot's reclaimed cultivated land (NULL when
            # it is not reclaimed to cultivated land)
            frame["ll_kcxs"] = np.round(reclaim_coefficients(ctx)["kcxs"].to_numpy(dtype=float), 6)
        frame["ll_status"] = _STATUS_NAMES[worst[at]]
        frame["ll_rule_ids"] = text[at]
        out[role] = frame
    return out


def _run_info(
    ctx: CheckContext,
    config: RunConfig,
    started: dt.datetime,
    lang: str,
    findings: gpd.GeoDataFrame,
) -> dict[str, Any]:
    project = ctx.project
    inputs = {
        role: {
            "source": info.source,
            "sha256": info.sha256,
            "features": info.count,
            "outside_project_folder": info.outside_folder,
            **({"encoding": info.encoding} if info.encoding else {}),
            **({"encoding_note": info.encoding_note} if info.encoding_note else {}),
        }
        for role, info in ctx.sources.items()
    }
    for role, spec in ctx.raster_specs.items():
        inputs[f"raster:{role}"] = {
            "source": str(spec.path),
            "sha256": ctx.raster_sha256.get(role),
            "outside_project_folder": spec.outside,
        }
    gaps = filing_gaps(ctx, lang)
    return {
        **verdict_fields(decide(findings, gaps), gaps, lang),
        "tool": "landlink-gis",
        "tool_version": __version__,
        "python": platform.python_version(),
        "project_file": str(project.path) if project.path else "",
        "project_toml": _project_text(project),
        "project_name": project.name,
        "project_code": project.code,
        "county": project.county,
        "profile": config.profile,
        "language": lang,
        "crs": ctx.crs.to_string(),
        "area_method": project.area_method,
        "rules": list(config.rules),
        "params": config.params,
        "inputs": inputs,
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "repair": ctx.repair_requested,
        "facts": _facts(project, compute_balance(ctx)),
    }


def _project_text(project: Project) -> str:
    """The project file as it was checked (a copy kept in ``run_info``, so the check can be
    reproduced from the GeoPackage alone: the QGIS plugin's project file lives in a temporary
    folder), with passwords and tokens of connection strings masked; empty for a project not read
    from a file. The text is the one the parser read: the file is not opened again."""
    return redact_text(project.source_text) if project.source_text else ""


def _facts(project: Project, sheet=None) -> dict[str, Any]:
    """Project facts the ledger reads back from a checked GeoPackage (and the quota basis the
    balance used)."""
    keys = (
        "approved",
        "accepted",
        "filed",
        "traded",
        "poverty_county",
        "deep_poverty_county",
        "advance_quota_m2",
        "adjustment_reason",
        "kind",
        "turnover_quota_m2",
        "filing_code",
        "households",
        "funds_wan_yuan",
        "approved_scale_m2",
        "stage",
    )
    facts: dict[str, Any] = {k: getattr(project, k) for k in keys}
    facts = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in facts.items()}
    facts["quota_sources"] = [{"code": q.code, "area_m2": q.area_m2} for q in project.quota_sources]
    table = getattr(project, "tiankan", None)
    facts["tiankan"] = (
        {
            **{str(c): k for c, k in table.by_class},
            **({"terraced": {str(c): k for c, k in table.terraced}} if table.terraced else {}),
        }
        if table is not None
        else None
    )
    basis = sheet.get("quota_basis") if sheet is not None else None
    facts["quota_basis_m2"] = (
        round(basis.m2, 4) if basis is not None and not basis.unmeasured else None
    )
    # 新增耕地（扣除田坎）: only a figure that is complete and net of 田坎 is passed on
    newly = sheet.get("newly_added_cultivated") if sheet is not None else None
    facts["newly_added_cultivated_m2"] = (
        round(newly.m2, 4)
        if newly is not None and not newly.unmeasured and newly.basis == "newly_added"
        else None
    )
    facts["layer_fields"] = {
        r: {**s.fields, **({"plot_id": s.id_field} if s.id_field else {})}
        for r, s in project.layers.items()
        if r in PLOT_ROLES
    }
    return facts


def check(
    project: Project | str | Path,
    *,
    profile: str | None = None,
    rules: list[str] | None = None,
    ignore: list[str] | tuple[str, ...] = (),
    params: dict[str, Any] | None = None,
    lang: str | None = None,
    previous: str | Path | None = None,
    repair: bool = False,
    shared: Mapping[Any, Any] | None = None,
    today: dt.date | None = None,
    spool: FindingSpool | bool = False,
) -> CheckResult:
    """Check a linkage project against the rulebook.

    Parameters
    ----------
    project
        A :class:`~landlink_gis.project.file.Project` or the path of its TOML file.
    profile
        Provincial profile (``national``, ``sichuan``, ``shanxi``, ``jilin``); default: the
        project's.
    rules
        Run only these rule IDs or family prefixes.
    ignore
        Skip these rule IDs or family prefixes (in addition to the project's ``ignore``).
    params
        Rule parameter values overriding the profile's and the project's.
    lang
        Language of the messages, ``zh`` (default) or ``en``.
    previous
        The previously approved plan (a checked GeoPackage) for the ADJ rules; default: the
        project's latest plan in the ledger named by ``[ledger]``, if any.
    repair
        Repair invalid plot polygons with ``shapely.make_valid(method="structure")`` before the
        rules run; GEOM001 still reports each invalidity and records the repair (info) with the
        ellipsoidal area before and after, and the checked plots carry the repaired geometry.
    shared
        Reference layers a batch has read once for all its projects
        (:func:`landlink_gis.io.shared.preload_shared_layers`); used instead of reading them again.
    today
        The date deadlines (TIME rules) are judged on; default: the date in the environment
        variable ``LANDLINK_TODAY`` (``YYYY-MM-DD``), else the day of the run.
    spool
        Write each rule's findings to a :class:`~landlink_gis.run.spool.FindingSpool` (True: a
        new one in the temporary directory) as soon as the rule returns, instead of holding them
        all: the result's ``findings`` are read back from it only when asked for, and the filing
        GeoPackage is written from it piece by piece. Same findings and outputs either way.

    Returns
    -------
    CheckResult
        Findings, balance, checked plots and run information.

    Raises
    ------
    InputError
        The project or one of its inputs cannot be read (the message says which and why).
    """
    started = dt.datetime.now(dt.timezone.utc)
    if not isinstance(project, Project):
        project = load_project(project)
    lang = lang or project.language
    config = resolve_config(project, profile=profile, rules=rules, ignore=ignore, params=params)
    ctx = load_context(
        project,
        params=config.params,
        lang=lang,
        repair=repair,
        shared=shared,
        previous=previous,
        today=today,
        profile=config.profile,
        not_run=config.not_run,
        filing_requires=config.filing_requires,
    )
    release_freed_memory()  # the reference layers' GEOS geometries, packed on loading
    sink = FindingSpool(ctx.crs) if spool is True else spool
    marks = []  # what each rule's findings say of the balance figures, taken off as they come
    frames = []
    for rid in config.rules:
        for piece in _rule_pieces(REGISTRY[rid], ctx, config, lang):
            frame, judged = fnd.split_judged(piece)
            if len(judged):
                marks.append(judged)
            if isinstance(sink, FindingSpool):  # each piece to disk as soon as it is made
                sink.add(frame)
            else:
                frames.append(frame)
        release_freed_memory()  # the rule's transients, before the next rule's threads allocate
    findings = sink if isinstance(sink, FindingSpool) else fnd.concat(frames, crs=ctx.crs)
    sheet = compute_balance(ctx)
    marked = (
        pd.concat(marks, ignore_index=True)
        if marks
        else pd.DataFrame({"rule_id": [], fnd.JUDGED: []}, dtype=object)
    )
    statuses = balance_statuses(sheet, marked, [REGISTRY[rid] for rid in config.rules])
    # rule, severity, layer and plot id of every finding (held in memory when spooled)
    light = findings.index if findings is sink else findings
    extra_layers: dict[str, Any] = {}
    if ctx.previous is not None:
        extra_layers[CHANGES_LAYER] = plan_changes(ctx)
    extra_layers[LANDUSE_CHANGE_LAYER] = landuse_change_table(ctx)
    if ctx.has("demolition"):  # the figures the plot layers add, made before the pairs go
        quota_basis(ctx)
        reclaim_coefficients(ctx)
    # every figure the outputs need is made: the plot × survey pairs (millions on a county) go
    ctx.forget("survey_pairs")
    release_freed_memory()
    result = CheckResult(
        project=project,
        config=config,
        crs=ctx.crs,
        lang=lang,
        findings=findings,
        balance=balance_table(sheet, statuses),
        plots=_plot_outputs(ctx, light),
        plot_attributes={role: _plot_attributes(ctx, role) for role in PLOT_ROLES if ctx.has(role)},
        reference_layers={
            role: ctx.packed[role] if role in ctx.packed else ctx.raw[role].geometry
            for role in ctx.raw
            if role not in PLOT_ROLES
        },
        rule_titles={
            rid: (REGISTRY[rid].title("zh"), REGISTRY[rid].title("en")) for rid in REGISTRY
        },
        run_info=_run_info(ctx, config, started, lang, light),
        extra_layers=extra_layers,
        protected=ctx.inputs,
    )
    logger.info("checked %s: %s", project.name or project.path, result.counts())
    return result


def _plot_attributes(ctx: CheckContext, role: str) -> pd.DataFrame:
    """The canonical attributes of each plot of ``role`` (printable id first), row for row with
    the plots."""
    norm = ctx.layer(role)
    cols = [
        c
        for c in ("land_class", "reclaim_class", "kind", "quality", "area_declared", "owner")
        if c in norm.columns
    ]
    out = pd.DataFrame({"plot_id": ctx.plot_ids(role)}, index=norm.index)
    for c in cols:
        # a text column as it is held (Arrow), not through a Python string per plot
        out[c] = norm[c].array if isinstance(norm[c].dtype, pd.StringDtype) else norm[c].to_numpy()
    return out
