"""Resolve which rules run, with which severity and parameters: registry → profile → project → call.

Rule IDs may be given exactly (``GEOM005``) or by family prefix (``GEOM``). Unknown IDs and
unknown parameters are a :class:`~landlink_gis.errors.ProjectFileError` naming them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .errors import ProjectFileError
from .profiles import load_profile
from .project import Project
from .rules import REGISTRY, all_params, sorted_rules

__all__ = ["RunConfig", "expand_rule_ids", "resolve_config"]


@dataclass(frozen=True)
class RunConfig:
    """The resolved configuration of one check."""

    profile: str
    rules: tuple[str, ...]
    severity: dict[str, str]
    params: dict[str, Any]


def expand_rule_ids(ids: Iterable[str], *, where: str, strict: bool = True) -> list[str]:
    """Rule IDs or family prefixes → the registered IDs they name (error on an unknown one if ``strict``)."""
    out: list[str] = []
    for raw in ids:
        rid = str(raw).strip().upper()
        if rid in REGISTRY:
            out.append(rid)
            continue
        family = [r for r in REGISTRY if r.rstrip("0123456789") == rid]
        if not family and strict:
            raise ProjectFileError(f"{where}: unknown rule ID {raw!r}; run `landlink rules` for the list")
        out.extend(family)
    return out


def _coerce_param(name: str, value: Any, default: Any, where: str) -> Any:
    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise ProjectFileError(f"{where}: parameter {name} must be true or false, got {value!r}")
        return value
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ProjectFileError(f"{where}: parameter {name} must be a number, got {value!r}")
        return type(default)(value) if isinstance(default, float) else value
    if not isinstance(value, type(default)):
        raise ProjectFileError(f"{where}: parameter {name} must be a {type(default).__name__}, got {value!r}")
    return value


def resolve_config(
    project: Project,
    *,
    profile: str | None = None,
    rules: Iterable[str] | None = None,
    ignore: Iterable[str] = (),
    params: dict[str, Any] | None = None,
) -> RunConfig:
    """The rules, severities and parameters of a check of ``project``.

    Parameters
    ----------
    project
        The project; its ``profile``, ``[rules]`` ignore/select/params/severity apply.
    profile
        Profile name overriding the project's.
    rules
        Run only these rule IDs/prefixes (overrides the profile's disabled list and ``select``).
    ignore
        Extra rule IDs/prefixes to skip.
    params
        Extra parameter values (win over the profile and the project file).
    """
    where = str(project.path) if project.path else "project"
    prof = load_profile(profile or project.profile)
    select = list(rules) if rules is not None else list(project.select)
    if select:
        enabled = set(expand_rule_ids(select, where=where))
    else:
        enabled = set(REGISTRY) - set(expand_rule_ids(prof.disable, where=f"profile {prof.name}", strict=False))
    enabled -= set(expand_rule_ids(project.ignore, where=f"{where} [rules] ignore"))
    enabled -= set(expand_rule_ids(ignore, where="ignore"))
    severity = {rid: r.severity for rid, r in REGISTRY.items()}
    for source, table in ((f"profile {prof.name}", prof.severity), (f"{where} [rules] severity", project.severity)):
        for rid, sev in table.items():
            for r in expand_rule_ids([rid], where=source):
                if sev not in ("error", "warning", "info"):
                    raise ProjectFileError(f"{source}: severity of {rid} must be error, warning or info, got {sev!r}")
                severity[r] = sev
    known = all_params()
    values = {name: p.default for name, p in known.items()}
    for source, table in ((f"profile {prof.name}", prof.params), (f"{where} [rules] params", project.params), ("params", params or {})):
        for name, value in table.items():
            if name not in known:
                raise ProjectFileError(
                    f"{source}: unknown parameter {name!r}; known parameters: {', '.join(sorted(known))}"
                )
            values[name] = _coerce_param(name, value, known[name].default, source)
    ordered = tuple(r.id for r in sorted_rules() if r.id in enabled)
    return RunConfig(profile=prof.name, rules=ordered, severity=severity, params=values)
