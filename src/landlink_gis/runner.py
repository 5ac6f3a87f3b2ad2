"""``check(project) -> CheckResult``: load, run the selected rules, collect findings.

A rule that crashes does not stop the run: its exception is logged with the traceback and
recorded as an ``error`` finding, so a result is never silently clean. A rule whose input is
missing is skipped and an ``info`` finding says what was not checked.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from . import __version__
from . import findings as fnd
from .balance import balance_table, compute_balance
from .config import RunConfig, resolve_config
from .context import CheckContext
from .load import load_context
from .project import LAYER_LABELS, PLOT_ROLES, Project, load_project
from .result import CheckResult
from .rules import REGISTRY, Rule

logger = logging.getLogger(__name__)

__all__ = ["check", "missing_requirements"]

_MISSING_MSG = {
    "zh": "规则 {rule_id}（{title}）未检查：缺少 {missing}",
    "en": "Rule {rule_id} ({title}) not checked: missing {missing}",
}
_CRASH_MSG = {
    "zh": "规则 {rule_id} 运行出错，未完成检查：{error}（请报告此问题）",
    "en": "Rule {rule_id} failed and did not complete: {error} (please report this)",
}


def missing_requirements(rule: Rule, ctx: CheckContext) -> list[str]:
    """What ``rule`` needs that the project lacks (empty: it can run)."""
    missing = []
    for req in rule.requires:
        kind, _, what = req.partition(":")
        options = what.split("|")
        if kind == "layer" and not any(ctx.has(o) for o in options):
            missing.append(f"layer {what}")
        elif kind == "raster" and not any(o in ctx.rasters for o in options):
            missing.append(f"raster {what}")
        elif kind == "fact" and not any(getattr(ctx.project, o, None) is not None for o in options):
            missing.append(f"[project] {what}")
        elif kind == "field":
            if not any(ctx.has_field(*o.split(".", 1)) for o in options):
                missing.append(f"field {what}")
        elif kind == "ledger" and ctx.extras.get("previous" if what == "previous" else "ledger_plots") is None:
            missing.append("previous approved plan (--previous or [ledger])" if what == "previous" else "[ledger] path/url")
    return missing


def _run_rule(rule: Rule, ctx: CheckContext, config: RunConfig, lang: str) -> gpd.GeoDataFrame:
    severity = config.severity[rule.id]
    missing = missing_requirements(rule, ctx)
    if missing:
        raw = fnd.make(layer="", plot_id="", missing=", ".join(missing), title=rule.title(lang), crs=ctx.crs)
        return fnd.finalise(raw, rule_id=rule.id, severity="info", template=_MISSING_MSG[lang], reference=rule.reference, crs=ctx.crs, labels=LAYER_LABELS[lang])
    kwargs = {p.name: config.params[p.name] for p in rule.params}
    try:
        raw = rule.func(ctx, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a rule crash must not stop the run
        logger.exception("rule %s crashed", rule.id)
        raw = fnd.make(layer="", plot_id="", error=f"{type(exc).__name__}: {exc}", crs=ctx.crs)
        return fnd.finalise(raw, rule_id=rule.id, severity="error", template=_CRASH_MSG[lang], reference=rule.reference, crs=ctx.crs, labels=LAYER_LABELS[lang])
    if raw is None or len(raw) == 0:
        return fnd.empty_findings(ctx.crs)
    if raw.crs is None:
        raw = raw.set_crs(ctx.crs, allow_override=True)
    return fnd.finalise(raw, rule_id=rule.id, severity=severity, template=rule.message(lang), reference=rule.reference, crs=ctx.crs, labels=LAYER_LABELS[lang])


def _plot_outputs(ctx: CheckContext, findings: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    out = {}
    relevant = findings[findings["severity"].isin(["error", "warning"])]
    for role in PLOT_ROLES:
        if not ctx.has(role):
            continue
        frame = ctx.raw[role].copy()
        ids = ctx.plot_ids(role)
        mine = relevant[relevant["layer"] == role]
        worst = {}
        rule_ids: dict[str, set[str]] = {}
        for pid, sev, rid in zip(mine["plot_id"], mine["severity"], mine["rule_id"], strict=True):
            worst[pid] = max(worst.get(pid, 0), fnd.SEVERITY_RANK[sev])
            rule_ids.setdefault(pid, set()).add(rid)
        status_names = {0: "pass", 1: "warning", 2: "error"}
        norm = ctx.layer(role)
        frame["ll_area_m2"] = np.round(norm["area_m2"].to_numpy(dtype=float), 4)
        frame["ll_area_planar_m2"] = np.round(norm["area_planar_m2"].to_numpy(dtype=float), 4)
        frame["ll_status"] = [status_names[worst.get(str(i), 0)] for i in ids]
        frame["ll_rule_ids"] = [",".join(sorted(rule_ids.get(str(i), ()))) for i in ids]
        out[role] = frame
    return out


def _run_info(ctx: CheckContext, config: RunConfig, started: dt.datetime, lang: str) -> dict[str, Any]:
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
    for role, spec in ctx.rasters.items():
        from .io.vector import file_sha256

        inputs[f"raster:{role}"] = {
            "source": str(spec.path),
            "sha256": file_sha256(spec.path) if Path(spec.path).exists() else None,
            "outside_project_folder": spec.outside,
        }
    return {
        "tool": "landlink-gis",
        "tool_version": __version__,
        "python": platform.python_version(),
        "project_file": str(project.path) if project.path else "",
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
        "repair": bool(ctx.extras.get("repair_requested", False)),
        "facts": _facts(project),
    }


def _facts(project: Project) -> dict[str, Any]:
    """Project facts the ledger reads back from a checked GeoPackage."""
    facts: dict[str, Any] = {k: getattr(project, k) for k in ("approved", "accepted", "filed", "traded", "poverty_county", "advance_quota_m2", "adjustment_reason")}
    facts = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in facts.items()}
    facts["layer_fields"] = {r: {**s.fields, **({"plot_id": s.id_field} if s.id_field else {})} for r, s in project.layers.items() if r in PLOT_ROLES}
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
) -> CheckResult:
    """Check a linkage project against the rulebook.

    Parameters
    ----------
    project
        A :class:`~landlink_gis.project.Project` or the path of its TOML file.
    profile
        Provincial profile (``national``, ``sichuan``, ``shanxi``, ``jilin``); default: the project's.
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
    ctx = load_context(project, params=config.params, lang=lang, repair=repair, shared=shared)
    ctx.extras["repair_requested"] = repair
    if project.ledger or previous is not None:
        from .ledger.attach import attach_ledger

        attach_ledger(ctx, previous=previous)
    frames = []
    for rid in config.rules:
        frames.append(_run_rule(REGISTRY[rid], ctx, config, lang))
    findings = fnd.concat(frames, crs=ctx.crs)
    sheet = compute_balance(ctx)
    result = CheckResult(
        project=project,
        findings=findings,
        balance=balance_table(sheet),
        plots=_plot_outputs(ctx, findings),
        run_info=_run_info(ctx, config, started, lang),
        config=config,
        crs=ctx.crs,
        context=ctx,
        extra_layers=ctx.extras.get("extra_layers", {}),
    )
    logger.info("checked %s: %s", project.name or project.path, result.counts())
    return result


def run_info_table(run_info: dict[str, Any]) -> pd.DataFrame:
    """``run_info`` as a key/value table (nested values as JSON)."""
    rows = []
    for key, value in run_info.items():
        if key == "inputs":
            for role, meta in value.items():
                rows.append({"key": f"input.{role}", "value": json.dumps(meta, ensure_ascii=False, default=str)})
        else:
            text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)
            rows.append({"key": key, "value": text})
    return pd.DataFrame(rows, columns=["key", "value"])
