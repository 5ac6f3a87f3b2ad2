"""Resolve which rules run, with which severity and parameters: registry → profile → project → call.

Rule IDs may be given exactly (``GEOM005``) or by family prefix (``GEOM``). Unknown IDs and
unknown parameters are a :class:`~landlink_gis.base.errors.ProjectFileError` naming them, and so is
a
parameter value of the wrong type or range (the type comes from the parameter's default: a number
for a numeric default — finite and ≥ 0, 0–1 for shares and ratios, 0–90 for degrees —, a whole
number for an integer default, true/false, a text), wherever it is set: profile, project, call.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..base.errors import ProjectFileError
from ..base.profiles import load_profile
from ..project.file import Project
from ..rules import REGISTRY, all_params, parse_requirements, sorted_rules

__all__ = ["RunConfig", "allowed_values", "expand_rule_ids", "resolve_config"]


@dataclass(frozen=True)
class RunConfig:
    """The resolved configuration of one check."""

    profile: str
    rules: tuple[str, ...]
    severity: dict[str, str]
    params: dict[str, Any]
    #: rules the profile applies that this check does not run (ignored in the TOML or the call,
    #: or left out by a selection): the verdict counts them as checks not done
    not_run: tuple[str, ...] = ()
    #: the profile's additions to what filing requires (DOMAIN.md §4b)
    filing_requires: tuple[str, ...] = ()


def expand_rule_ids(ids: Iterable[str], *, where: str, strict: bool = True) -> list[str]:
    """Rule IDs or family prefixes → the registered IDs they name (error on an unknown one if
    ``strict``)."""
    out: list[str] = []
    for raw in ids:
        rid = str(raw).strip().upper()
        if rid in REGISTRY:
            out.append(rid)
            continue
        family = [r for r in REGISTRY if r.rstrip("0123456789") == rid]
        if not family and strict:
            raise ProjectFileError(
                f"{where}: unknown rule ID {raw!r}; run `landlink rules` for the list"
            )
        out.extend(family)
    return out


def _is_fraction(name: str) -> bool:
    """Whether parameter ``name`` is a share of a whole (0–1): its name says share, ratio or
    relative."""
    return any(word in name for word in ("share", "ratio", "rel_tol", "compactness"))


def allowed_values(name: str, default: Any) -> str:
    """The values parameter ``name`` (with this ``default``) accepts, in words."""
    if isinstance(default, bool):
        return "true or false"
    if isinstance(default, int):
        return "a whole number ≥ 0"
    if isinstance(default, float):
        if _is_fraction(name):
            return "a number from 0 to 1"
        if name.endswith("_deg"):
            return "a number of degrees from 0 to 90"
        return "a finite number ≥ 0"
    return "a text (string)"


def _coerce_param(name: str, value: Any, default: Any, where: str) -> Any:
    """``value`` of parameter ``name`` checked against the type of its ``default`` and its range.

    Raises
    ------
    ProjectFileError
        Wrong type (a string for a number, a list …), NaN or infinite, negative, a share outside
        0–1, or degrees outside 0–90; the message names ``where``, the key and the allowed values.
    """

    def bad() -> ProjectFileError:
        return ProjectFileError(
            f"{where}: parameter {name} = {value!r} is not allowed; it must be "
            f"{allowed_values(name, default)} "
            f"(default {default!r}); fix the value or remove the key"
        )

    if isinstance(default, bool):
        if not isinstance(value, bool):
            raise bad()
        return value
    if isinstance(default, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise bad()
        number = float(value)
        if not math.isfinite(number) or number < 0:
            raise bad()
        if isinstance(default, int):
            if not number.is_integer():
                raise bad()
            return int(number)
        if _is_fraction(name) and number > 1:
            raise bad()
        if name.endswith("_deg") and number > 90:
            raise bad()
        return number
    if not isinstance(value, type(default)):
        raise bad()
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
    applies = set(REGISTRY) - set(
        expand_rule_ids(prof.disable, where=f"profile {prof.name}", strict=False)
    )
    enabled = set(expand_rule_ids(select, where=where)) if select else set(applies)
    enabled -= set(expand_rule_ids(project.ignore, where=f"{where} [rules] ignore"))
    enabled -= set(expand_rule_ids(ignore, where="ignore"))
    severity = {rid: r.severity for rid, r in REGISTRY.items()}
    for source, table in (
        (f"profile {prof.name}", prof.severity),
        (f"{where} [rules] severity", project.severity),
    ):
        for rid, sev in table.items():
            for r in expand_rule_ids([rid], where=source):
                if sev not in ("error", "warning", "info"):
                    raise ProjectFileError(
                        f"{source}: severity of {rid} must be error, warning or info, got {sev!r}"
                    )
                severity[r] = sev
    known = all_params()
    values = {name: p.default for name, p in known.items()}
    for source, table in (
        (f"profile {prof.name}", prof.params),
        (f"{where} [rules] params", project.params),
        ("params", params or {}),
    ):
        for name, value in table.items():
            if name not in known:
                raise ProjectFileError(
                    f"{source}: unknown parameter {name!r}; known parameters: "
                    f"{', '.join(sorted(known))}"
                )
            values[name] = _coerce_param(name, value, known[name].default, source)
    ordered = tuple(r.id for r in sorted_rules() if r.id in enabled)
    try:
        parse_requirements(prof.filing_requires)
    except ValueError as exc:
        raise ProjectFileError(f"profile {prof.name} [filing] requires: {exc}") from None
    return RunConfig(
        profile=prof.name,
        rules=ordered,
        severity=severity,
        params=values,
        not_run=tuple(r.id for r in sorted_rules() if r.id in applies - enabled),
        filing_requires=prof.filing_requires,
    )
