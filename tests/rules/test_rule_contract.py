"""The typed rule contract (issue 23 point 4): checked when a rule registers, not in a check."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from landlink_gis.load.context import CheckContext
from landlink_gis.rules import REGISTRY
from landlink_gis.rules._registry import rule
from landlink_gis.rules._requires import (
    Fact,
    Field,
    Layer,
    Ledger,
    Previous,
    Raster,
    Requirement,
    parse_requirement,
)

SRC = Path(__file__).resolve().parents[2] / "src" / "landlink_gis"
FAMILIES = {
    p.stem for p in (SRC / "rules").glob("*.py") if not p.stem.startswith("_") and p.stem != "docs"
} - {"__init__"}


def _register(rule_id="ZZZ901", **overrides):
    def func(ctx: CheckContext):
        """A probe."""

    kwargs = dict(
        name="probe.rule",
        severity="info",
        title=("探针", "probe"),
        message=("探针", "probe"),
        reference="《中华人民共和国土地管理法》 第三十条",
    )
    kwargs.update(overrides)
    fn = kwargs.pop("func", func)
    try:
        return rule(rule_id, **kwargs)(fn)
    finally:
        REGISTRY.pop(rule_id, None)


def test_every_registered_requirement_is_typed():
    for r in REGISTRY.values():
        assert all(isinstance(q, Requirement) for q in r.requires), r.id


def test_the_compact_spelling_parses_to_the_typed_records():
    assert parse_requirement("layer:compensation") == Layer("compensation")
    assert parse_requirement("raster:dem|slope") == Raster("dem", "slope")
    assert parse_requirement("fact:accepted|quota_returned") == Fact("accepted", "quota_returned")
    assert parse_requirement("field:landuse.owner") == Field("landuse", "owner")
    assert parse_requirement("ledger:previous") == Previous()
    assert parse_requirement("ledger:plots") == Ledger()


@pytest.mark.parametrize(
    "requires",
    [
        ("bogus:compensation",),  # unknown kind
        ("layer:compensatoin",),  # unknown layer role
        ("raster:dsm",),  # unknown raster
        ("fact:aproved",),  # unknown project fact
        ("field:landuse.colour",),  # unknown canonical field
        ("field:landuse",),  # no field named
        ("compensation",),  # no kind at all
        (Layer("nowhere"),),
        (Raster(),),
    ],
)
def test_an_unknown_requirement_fails_at_registration(requires):
    with pytest.raises(ValueError):
        _register(requires=requires)
    assert "ZZZ901" not in REGISTRY


def test_a_rule_function_must_take_ctx_checkcontext_and_its_params():
    def untyped(ctx):
        """No annotation."""

    def wrong_name(context: CheckContext):
        """Not called ctx."""

    def extra(ctx: CheckContext, overlap_tolerance_m2):
        """A parameter it does not declare."""

    for func in (untyped, wrong_name, extra):
        with pytest.raises(TypeError):
            _register(func=func)
    _register(  # the declared parameter matches: registers
        func=extra, params={"overlap_tolerance_m2": (1.0, "slivers")}
    )


def test_a_reference_with_a_source_tag_or_only_another_province_fails():
    with pytest.raises(ValueError, match="source tag"):
        _register(
            reference="《吉林省运用城乡建设用地增减挂钩政策支持脱贫攻坚实施办法》(002) 第八条"
        )
    with pytest.raises(ValueError, match="other provinces"):
        _register(reference="《吉林省运用城乡建设用地增减挂钩政策支持脱贫攻坚实施办法》 第八条")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            out.append("." * node.level + (node.module or ""))
    return out


def test_no_rule_family_imports_another_and_the_runner_imports_none():
    for family in FAMILIES:
        for mod in _imports(SRC / "rules" / f"{family}.py"):
            assert mod.lstrip(".") not in FAMILIES, (family, mod)
    for path in (SRC / "run").glob("*.py"):
        for mod in _imports(path):
            assert not any(mod.endswith(f"rules.{f}") for f in FAMILIES), (path.name, mod)
