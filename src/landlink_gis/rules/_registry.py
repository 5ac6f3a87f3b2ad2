"""The rule registry: every rule's metadata and function, registered by a decorator.

A rule is a function ``func(ctx: CheckContext, **params) -> raw findings`` (see
:mod:`landlink_gis.base.findings`) plus metadata: its DOMAIN.md ID, a dotted name, a default
severity, typed parameters with defaults, the typed requirements it needs
(:mod:`._requires`), a reference whose parts bind the nation or one province
(:mod:`._citations`), and a title and message in Chinese and English. Parameters share one
namespace (``overlap_tolerance_m2`` means the same to every rule that declares it), so the project
TOML can set them in one flat ``[rules] params`` table.

Everything is checked when a rule registers, so a mistake fails at import rather than in a
check: the severity, an unknown requirement kind or name, a function that does not take
``ctx: CheckContext`` and exactly its declared parameters, an internal source tag in the reference,
and a profile under which the rule runs but whose project would read no document that binds it.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..base.profiles import PROFILE_NAMES, load_profile
from ._citations import Cite, parse_reference, resolve
from ._requires import Requirement, parse_requirements

__all__ = ["REGISTRY", "Judges", "Param", "Rule", "all_params", "get_rule", "rule"]


@dataclass(frozen=True)
class Param:
    """A rule parameter: name, default value, and a one-line description."""

    name: str
    default: Any
    doc: str

    @property
    def type(self) -> type:
        """Python type of the parameter, taken from its default."""
        return type(self.default)


@dataclass(frozen=True)
class Judges:
    """A balance figure a rule judges: it passes where the rule ran and none of the rule's
    findings gave it another outcome.

    Parameters
    ----------
    figure
        The figure's key (``construction_area``).
    needs
        The rule applies to the figure only when the sheet holds one of these figures (the
        other side of its comparison); empty: always.
    measured
        Only when every plot of the figure has a computable area (the rule leaves it alone
        otherwise).
    every_scope
        Every scope of the figure (a quota source's draw), not only ``project``.
    """

    figure: str
    needs: tuple[str, ...] = ()
    measured: bool = False
    every_scope: bool = False


@dataclass(frozen=True)
class Rule:
    """Metadata and function of one rule."""

    id: str
    name: str
    severity: str
    title_zh: str
    title_en: str
    message_zh: str
    message_en: str
    reference: str
    func: Callable[..., Any]
    params: tuple[Param, ...] = ()
    requires: tuple[Requirement, ...] = ()
    purpose: str = ""
    example: str = ""
    cites: tuple[Cite, ...] = ()
    #: the balance figures the rule judges (:func:`._judges.balance_statuses`)
    judges: tuple[Judges, ...] = ()

    def reference_for(self, profile: str) -> str:
        """The reference a project under ``profile`` reads: the national rules and its own
        province's documents, never another province's (DOMAIN.md §5)."""
        return resolve(self.cites, profile) if self.cites else self.reference

    @property
    def family(self) -> str:
        """The family prefix of the ID (``GEOM`` for ``GEOM001``)."""
        return self.id.rstrip("0123456789")

    def title(self, lang: str = "zh") -> str:
        """The rule's title in ``lang`` (``zh`` or ``en``)."""
        return self.title_zh if lang == "zh" else self.title_en

    def message(self, lang: str = "zh") -> str:
        """The rule's message template in ``lang`` (``zh`` or ``en``)."""
        return self.message_zh if lang == "zh" else self.message_en


#: Every registered rule by ID, in registration order.
REGISTRY: dict[str, Rule] = {}

FAMILY_ORDER = ("CRS", "GEOM", "ATTR", "BAL", "OVL", "PLAN", "TIME", "ADJ", "LED", "ACC", "CHK")


def _check_signature(id: str, func: Callable[..., Any], params: tuple[Param, ...]) -> None:
    """The rule function takes ``ctx: CheckContext`` first, then exactly its declared params."""
    sig = inspect.signature(func)
    names = list(sig.parameters)
    if not names or names[0] != "ctx":
        raise TypeError(f"rule {id}: its function must take ctx first, got {names}")
    note = sig.parameters["ctx"].annotation
    if getattr(note, "__name__", note) != "CheckContext":
        raise TypeError(f"rule {id}: annotate its first argument as ctx: CheckContext")
    declared = sorted(p.name for p in params)
    if sorted(names[1:]) != declared:
        raise TypeError(
            f"rule {id}: function parameters {names[1:]} differ from declared params {declared}"
        )


def _check_references(id: str, cites: tuple[Cite, ...]) -> None:
    """Under every profile that runs the rule, its project reads a document that binds it."""
    family = id.rstrip("0123456789")
    for name in PROFILE_NAMES:
        disabled = load_profile(name).disable
        if id in disabled or family in disabled:
            continue
        if not any(c.province in (None, name) for c in cites):
            raise ValueError(
                f"rule {id}: runs under profile {name} but cites only other provinces' "
                "documents; add the national rule (or that province's) that says it"
            )


def rule(
    id: str,
    *,
    name: str,
    severity: str,
    title: tuple[str, str],
    message: tuple[str, str],
    reference: str,
    params: dict[str, tuple[Any, str]] | None = None,
    requires: tuple[Requirement | str, ...] = (),
    example: str = "",
    judges: tuple[Judges, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a rule function under ``id``.

    Parameters
    ----------
    id
        The DOMAIN.md rule ID (``GEOM001``); never reused.
    name
        Dotted name, ``family.what`` (``geometry.invalid``).
    severity
        Default severity: ``error``, ``warning`` or ``info``.
    title, message
        (Chinese, English) title and message template. Templates are formatted with the
        finding's columns (``plot_id``, ``measured``, ``threshold``, ``other_id`` …) and any
        extra values the rule passes to :func:`landlink_gis.base.findings.make`.
    reference
        Source of the rule: parts separated by ``"; "``, each a document title from
        :mod:`._citations` and its clause; a provincial document binds its province only.
    params
        ``{name: (default, one-line doc)}``.
    requires
        Typed requirements (:mod:`._requires`: ``Layer("compensation")``,
        ``Raster("dem", "slope")``, ``Fact("approved")``, ``Field("landuse", "owner")``,
        ``Previous()``, ``Ledger()``) or their ``kind:what`` spelling; an unknown kind or name is
        an error here. When one is missing the rule is skipped and an ``info`` finding says so.
    example
        A short example of a case that fires.
    judges
        The balance figures the rule judges (:class:`Judges`): the ``balance`` table
        shows the rule's outcome on them, derived from its findings
        (:func:`._judges.balance_statuses`).
    """

    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        if id in REGISTRY:
            raise ValueError(f"rule {id} registered twice")
        if severity not in ("error", "warning", "info"):
            raise ValueError(f"rule {id}: bad severity {severity!r}")
        if not all(isinstance(j, Judges) for j in judges):
            raise TypeError(f"rule {id}: judges takes Judges(...) entries, got {judges!r}")
        plist = tuple(Param(k, v[0], v[1]) for k, v in (params or {}).items())
        try:
            reqs = parse_requirements(requires)
            cites = parse_reference(reference)
        except ValueError as exc:
            raise ValueError(f"rule {id}: {exc}") from None
        _check_signature(id, func, plist)
        _check_references(id, cites)
        REGISTRY[id] = Rule(
            id=id,
            name=name,
            severity=severity,
            title_zh=title[0],
            title_en=title[1],
            message_zh=message[0],
            message_en=message[1],
            reference=reference,
            func=func,
            params=plist,
            requires=reqs,
            purpose=(func.__doc__ or "").strip(),
            example=example,
            cites=cites,
            judges=tuple(judges),
        )
        return func

    return decorator


def get_rule(rule_id: str) -> Rule:
    """The registered rule ``rule_id``; ``KeyError`` naming the ID when unknown."""
    try:
        return REGISTRY[rule_id]
    except KeyError:
        raise KeyError(f"unknown rule ID {rule_id!r}") from None


def sorted_rules() -> list[Rule]:
    """All rules in family order (CRS, GEOM, ATTR, BAL, OVL, PLAN, TIME, ADJ, LED, ACC, CHK), then
    by ID."""

    def key(r: Rule) -> tuple[int, str]:
        fam = r.family
        return (FAMILY_ORDER.index(fam) if fam in FAMILY_ORDER else len(FAMILY_ORDER), r.id)

    return sorted(REGISTRY.values(), key=key)


def all_params() -> dict[str, Param]:
    """Every parameter declared by any rule, by name (the first declaration's default wins)."""
    out: dict[str, Param] = {}
    for r in REGISTRY.values():
        for p in r.params:
            out.setdefault(p.name, p)
    return out
