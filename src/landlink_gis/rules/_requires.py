"""Typed requirements: what a rule (or filing) needs from a project, checked when it registers.

A rule's ``requires`` is a tuple of these small frozen records. Each names one kind of input —
a layer role, a canonical field of a layer, a raster, a project fact, the previously approved
plan, the county ledger — with alternatives where any one will do (``Raster("dem", "slope")``).
They are validated when the rule registers (an unknown role, raster, fact or field is an error at
import), they tell the runner whether the rule can run (:meth:`Requirement.met`) and they name
what is missing in each language (:meth:`Requirement.describe`). The same records list what
filing requires (:func:`filing_requirements`, DOMAIN.md §4b *Verdict*), so CHK001 names a missing
input the way a skipped rule does.

The older spelling ``"kind:what|alt"`` (``"layer:compensation"``, ``"raster:dem|slope"``) is
parsed into these records by :func:`parse_requirement`; an unknown kind is an error.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, ClassVar

from ..base.fields import FIELD_LABELS_ZH
from ..base.roles import LAYER_LABELS, LAYER_ROLES, RASTER_LABELS, RASTER_ROLES
from ..project.file import CANONICAL_FIELDS, Project

if TYPE_CHECKING:  # pragma: no cover
    from ..load.context import CheckContext

__all__ = [
    "FILING_BASE",
    "AnyOf",
    "When",
    "Fact",
    "Field",
    "Layer",
    "Ledger",
    "Previous",
    "Raster",
    "Requirement",
    "filing_gaps",
    "filing_requirements",
    "parse_requirement",
    "parse_requirements",
]

#: project facts a requirement may name (the attributes of :class:`Project` that are facts)
_FACTS: frozenset[str] = frozenset(
    f.name
    for f in fields(Project)
    if f.name not in ("path", "layers", "rasters", "ignore", "select", "params", "severity", "text")
)


class Requirement:
    """Base of the typed requirements: ``kind``, validation, ``met(ctx)`` and ``describe(lang)``."""

    kind: ClassVar[str] = ""

    def validate(self) -> None:
        """Raise ``ValueError`` naming what is unknown (called when a rule registers)."""

    def met(self, ctx: CheckContext) -> bool:
        """Whether the check context holds what this requires."""
        raise NotImplementedError

    def describe(self, lang: str = "zh") -> str:
        """What this requires, as a message names it in ``lang``."""
        raise NotImplementedError

    def spec(self) -> str:
        """The compact ``kind:what|alt`` spelling (docs, ``landlink explain``)."""
        raise NotImplementedError

    def __str__(self) -> str:
        return self.spec()


def _sep(lang: str) -> str:
    return "或" if lang == "zh" else "|"


def _options(options: tuple[str, ...], allowed, what: str) -> None:
    if not options:
        raise ValueError(f"{what} requirement names nothing")
    unknown = [o for o in options if o not in allowed]
    if unknown:
        raise ValueError(
            f"unknown {what} {', '.join(map(repr, unknown))}; known: {', '.join(sorted(allowed))}"
        )


@dataclass(frozen=True, init=False)
class Layer(Requirement):
    """A layer of one of these roles (``Layer("ledger")``)."""

    roles: tuple[str, ...]
    kind: ClassVar[str] = "layer"

    def __init__(self, *roles: str) -> None:
        object.__setattr__(self, "roles", tuple(roles))

    def validate(self) -> None:  # noqa: D102
        _options(self.roles, LAYER_ROLES, "layer role")

    def met(self, ctx: CheckContext) -> bool:  # noqa: D102
        return any(ctx.has(r) for r in self.roles)

    def describe(self, lang: str = "zh") -> str:  # noqa: D102
        names = _sep(lang).join(LAYER_LABELS[lang].get(r, r) for r in self.roles)
        return f"图层 {names}" if lang == "zh" else f"layer {names}"

    def spec(self) -> str:  # noqa: D102
        return "layer:" + "|".join(self.roles)


@dataclass(frozen=True, init=False)
class Field(Requirement):
    """A canonical field of a layer, ``Field("landuse", "owner")``; alternatives as
    ``Field(("landuse", "owner"), ("landuse", "land_class"))``."""

    options: tuple[tuple[str, str], ...]
    kind: ClassVar[str] = "field"

    def __init__(self, *args) -> None:
        if len(args) == 2 and all(isinstance(a, str) for a in args):
            args = (tuple(args),)
        object.__setattr__(self, "options", tuple(tuple(a) for a in args))

    def validate(self) -> None:  # noqa: D102
        if not self.options or any(len(o) != 2 for o in self.options):
            raise ValueError(f"field requirement must name (role, field) pairs: {self.options!r}")
        _options(tuple(r for r, _ in self.options), LAYER_ROLES, "layer role")
        _options(tuple(f for _, f in self.options), CANONICAL_FIELDS, "canonical field")

    def met(self, ctx: CheckContext) -> bool:  # noqa: D102
        return any(ctx.has_field(r, f) for r, f in self.options)

    def describe(self, lang: str = "zh") -> str:  # noqa: D102
        if lang == "zh":
            shown = [
                f"{LAYER_LABELS['zh'].get(r, r)}.{FIELD_LABELS_ZH.get(f, f)}"
                for r, f in self.options
            ]
            return "字段 " + _sep(lang).join(shown)
        return "field " + "|".join(f"{r}.{f}" for r, f in self.options)

    def spec(self) -> str:  # noqa: D102
        return "field:" + "|".join(f"{r}.{f}" for r, f in self.options)


@dataclass(frozen=True, init=False)
class Raster(Requirement):
    """A raster of one of these roles (``Raster("dem", "slope")``)."""

    roles: tuple[str, ...]
    kind: ClassVar[str] = "raster"

    def __init__(self, *roles: str) -> None:
        object.__setattr__(self, "roles", tuple(roles))

    def validate(self) -> None:  # noqa: D102
        _options(self.roles, RASTER_ROLES, "raster role")

    def met(self, ctx: CheckContext) -> bool:  # noqa: D102
        return any(r in ctx.rasters for r in self.roles)

    def describe(self, lang: str = "zh") -> str:  # noqa: D102
        return _sep(lang).join(RASTER_LABELS[lang].get(r, r) for r in self.roles)

    def spec(self) -> str:  # noqa: D102
        return "raster:" + "|".join(self.roles)


@dataclass(frozen=True, init=False)
class Fact(Requirement):
    """A project fact (``[project]`` key) of these names, any one set (``Fact("approved")``)."""

    names: tuple[str, ...]
    kind: ClassVar[str] = "fact"

    def __init__(self, *names: str) -> None:
        object.__setattr__(self, "names", tuple(names))

    def validate(self) -> None:  # noqa: D102
        _options(self.names, _FACTS, "project fact")

    def met(self, ctx: CheckContext) -> bool:  # noqa: D102
        def given(value) -> bool:
            return value is not None and not (isinstance(value, (tuple, list)) and not value)

        return any(given(getattr(ctx.project, n, None)) for n in self.names)

    def describe(self, lang: str = "zh") -> str:  # noqa: D102
        names = _sep(lang).join(self.names)
        return f"项目信息 [project] {names}" if lang == "zh" else f"[project] {names}"

    def spec(self) -> str:  # noqa: D102
        return "fact:" + "|".join(self.names)


@dataclass(frozen=True)
class Previous(Requirement):
    """The previously approved plan (``--previous`` or the project's plan in ``[ledger]``)."""

    kind: ClassVar[str] = "previous"

    def met(self, ctx: CheckContext) -> bool:  # noqa: D102
        return ctx.previous is not None

    def describe(self, lang: str = "zh") -> str:  # noqa: D102
        if lang == "zh":
            return "原批准方案（--previous 或 [ledger]）"
        return "previous approved plan (--previous or [ledger])"

    def spec(self) -> str:  # noqa: D102
        return "ledger:previous"


@dataclass(frozen=True)
class Ledger(Requirement):
    """The county ledger named by ``[ledger]`` (path or url)."""

    kind: ClassVar[str] = "ledger"

    def met(self, ctx: CheckContext) -> bool:  # noqa: D102
        return ctx.ledger is not None

    def describe(self, lang: str = "zh") -> str:  # noqa: D102
        return "台账（[ledger] path/url）" if lang == "zh" else "[ledger] path/url"

    def spec(self) -> str:  # noqa: D102
        return "ledger:plots"


@dataclass(frozen=True)
class AnyOf(Requirement):
    """Any one of several requirements (``AnyOf(Layer("ledger"), Ledger())``)."""

    options: tuple[Requirement, ...]
    kind: ClassVar[str] = "any"

    def validate(self) -> None:  # noqa: D102
        if len(self.options) < 2 or not all(isinstance(o, Requirement) for o in self.options):
            raise ValueError(f"AnyOf needs two or more requirements: {self.options!r}")
        for o in self.options:
            o.validate()

    def met(self, ctx: CheckContext) -> bool:  # noqa: D102
        return any(o.met(ctx) for o in self.options)

    def describe(self, lang: str = "zh") -> str:  # noqa: D102
        return _sep(lang).join(o.describe(lang) for o in self.options)

    def spec(self) -> str:  # noqa: D102
        return " or ".join(o.spec() for o in self.options)


@dataclass(frozen=True)
class When(Requirement):
    """A requirement that applies only where a named condition holds for the project.

    ``condition`` is a key of :data:`CONDITIONS` (e.g. ``reclaims_cultivated``: a demolition plot
    is to be reclaimed to cultivated land), so the record stays printable and comparable.
    """

    condition: str
    then: Requirement
    kind: ClassVar[str] = "when"

    def validate(self) -> None:  # noqa: D102
        if self.condition not in CONDITIONS:
            raise ValueError(
                f"unknown condition {self.condition!r}; known: {', '.join(sorted(CONDITIONS))}"
            )
        self.then.validate()

    def applies(self, ctx: CheckContext) -> bool:
        """Whether the condition holds for the checked project."""
        return bool(CONDITIONS[self.condition][0](ctx))

    def met(self, ctx: CheckContext) -> bool:  # noqa: D102
        return not self.applies(ctx) or self.then.met(ctx)

    def describe(self, lang: str = "zh") -> str:  # noqa: D102
        cond = CONDITIONS[self.condition][1 if lang == "zh" else 2]
        what = self.then.describe(lang)
        return f"{what}（{cond}）" if lang == "zh" else f"{what} ({cond})"

    def spec(self) -> str:  # noqa: D102
        return f"{self.then.spec()} when {self.condition}"


def _reclaims_cultivated(ctx: CheckContext) -> bool:
    """Whether a demolition plot is to be reclaimed to cultivated land (reclaim class 01xx)."""
    if not ctx.has_field("demolition", "reclaim_class"):
        return False
    values = ctx.column("demolition", "reclaim_class")
    return any(str(v).strip().startswith("01") for v in values if v is not None)


def _acceptance_stage(ctx: CheckContext) -> bool:
    """Whether the check is an acceptance check (``[project] stage = "acceptance"``)."""
    return ctx.project.stage == "acceptance"


#: condition name → (test of the context, how it reads in zh, in en)
CONDITIONS = {
    "reclaims_cultivated": (
        _reclaims_cultivated,
        "有拆旧地块拟复垦为耕地",
        "a demolition plot is to be reclaimed to cultivated land",
    ),
    "acceptance_stage": (
        _acceptance_stage,
        "验收检查",
        "an acceptance check",
    ),
}

_KINDS: dict[str, type[Requirement]] = {
    "layer": Layer,
    "raster": Raster,
    "fact": Fact,
}


def parse_requirement(text: str | Requirement) -> Requirement:
    """A requirement from its compact spelling (``"layer:compensation"``, ``"raster:dem|slope"``,
    ``"fact:approved"``, ``"field:landuse.owner"``, ``"ledger:previous"``, ``"ledger:plots"``),
    validated.

    Raises
    ------
    ValueError
        The kind is unknown, or a name is not a known role, raster, fact or field.
    """
    if isinstance(text, Requirement):
        req = text
    elif isinstance(text, str):
        kind, sep, what = text.partition(":")
        options = tuple(o.strip() for o in what.split("|") if o.strip())
        if not sep:
            raise ValueError(f"requirement {text!r} has no kind (write kind:what)")
        if kind in _KINDS:
            req = _KINDS[kind](*options)
        elif kind == "field":
            bad = [o for o in options if "." not in o]
            if bad:
                raise ValueError(f"field requirement {text!r}: write role.field")
            req = Field(*(tuple(o.split(".", 1)) for o in options))
        elif kind == "ledger" and what == "previous":
            req = Previous()
        elif kind == "ledger" and what in ("plots", "sources", ""):
            req = Ledger()
        else:
            raise ValueError(
                f"unknown requirement kind in {text!r}; use layer:, field:, raster:, fact:, "
                "ledger:previous or ledger:plots"
            )
    else:
        raise ValueError(f"a requirement must be a Requirement or a text, got {text!r}")
    req.validate()
    return req


def parse_requirements(items) -> tuple[Requirement, ...]:
    """Each of ``items`` through :func:`parse_requirement`."""
    return tuple(parse_requirement(i) for i in items)


#: What filing requires of every project, per plan kind (DOMAIN.md §4b *Verdict*); a profile's
#: ``[filing] requires`` adds to it. Each entry names the rules it feeds, so that CHK001 can say
#: which checks did not run.
FILING_BASE: dict[str, tuple[tuple[Requirement, tuple[str, ...]], ...]] = {
    "linkage": (
        (Layer("landuse"), ("PLAN004",)),
        (Field("landuse", "land_class"), ("PLAN004",)),
        (Layer("compensation"), ("OVL001", "OVL005")),
        (Layer("basic_farmland"), ("PLAN001",)),
        (Layer("ecological_redline"), ("PLAN002",)),
        (Layer("development_boundary"), ("PLAN003",)),
        (Layer("boundary"), ("PLAN007",)),
        (AnyOf((Layer("ledger"), Ledger())), ("OVL003", "LED001")),
        (Fact("approved"), ("TIME001",)),
        (When("reclaims_cultivated", Raster("dem", "slope")), ("PLAN006",)),
        (
            When("acceptance_stage", Layer("survey_after")),
            ("ACC001", "ACC002", "ACC003", "ACC004", "ACC005"),
        ),
    ),
    "construction_only": (
        (Layer("landuse"), ()),
        (Field("landuse", "land_class"), ()),
        (Layer("basic_farmland"), ("PLAN001",)),
        (Layer("ecological_redline"), ("PLAN002",)),
        (Layer("development_boundary"), ("PLAN003",)),
        (Layer("boundary"), ("PLAN007",)),
        (Ledger(), ("BAL009", "LED001")),
        (Fact("approved"), ()),
        (Fact("quota_sources"), ("BAL009",)),
    ),
}
for _entries in FILING_BASE.values():
    for _req, _ in _entries:
        _req.validate()


def filing_requirements(
    kind: str, extra: tuple[str | Requirement, ...] = ()
) -> tuple[Requirement, ...]:
    """What filing a plan of ``kind`` requires: the base list and a profile's additions
    (never fewer)."""
    base = tuple(req for req, _ in FILING_BASE.get(kind, FILING_BASE["linkage"]))
    added = tuple(r for r in parse_requirements(extra) if r not in base)
    return base + added


def filing_gaps(ctx: CheckContext, lang: str = "zh") -> list[str]:
    """What filing requires that this check lacks, each named in ``lang`` (empty: complete).

    Every requirement of :func:`filing_requirements` for the plan's kind (with the profile's
    additions, ``ctx.filing_requires``) that the context does not meet, with the rules it feeds;
    then the rules the profile applies that the check did not run (``ctx.not_run``: ignored in the
    TOML or the call, or left out by a selection). A field is named only where its layer is
    there (a missing layer is named once), a conditional requirement only where it applies.
    """
    kind = ctx.project.kind if ctx.project.kind in FILING_BASE else "linkage"
    entries = list(FILING_BASE[kind])
    base = {req for req, _ in entries}
    entries += [(r, ()) for r in parse_requirements(ctx.filing_requires) if r not in base]
    out = []
    for req, rules in entries:
        if isinstance(req, Field) and not any(ctx.has(r) for r, _ in req.options):
            continue
        if isinstance(req, When) and not req.applies(ctx):
            continue
        if req.met(ctx):
            continue
        text = req.describe(lang)
        if rules:
            ids = "、".join(rules) if lang == "zh" else ", ".join(rules)
            text += f"（{ids} 未检查）" if lang == "zh" else f" ({ids} not checked)"
        out.append(text)
    if ctx.not_run:
        ids = "、".join(ctx.not_run) if lang == "zh" else ", ".join(ctx.not_run)
        out.append(
            f"规则 {ids} 未运行（已忽略或未选择）"
            if lang == "zh"
            else f"rules {ids} not run (ignored or not selected)"
        )
    return out
