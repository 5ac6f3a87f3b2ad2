"""The package's stages import only forward: a module never imports from a later stage.

Stages (DOMAIN data flow): base knowledge → project → input formats → ledger store → load (a
finished context) → rules → runner/result → outputs → batch/API → CLI. Every import statement is
read from the source with :mod:`ast`, function-level imports included, so a lazy import cannot
hide an upward link; and the import graph between modules has no circles.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "landlink_gis"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE

#: module (or package prefix) → stage; a longer prefix wins
STAGES: dict[str, int] = {
    "errors": 0, "codes": 0, "profiles": 0, "crs": 0, "area": 0, "geomops": 0, "workdays": 0,
    "units": 0, "io.redact": 0, "findings": 0, "contract": 0, "fields": 0, "_version": 0, "roles": 0,
    "project": 1, "project_values": 1,
    "io": 2, "overlay": 2, "tm_numba": 2, "overlap_kernel": 2, "dask_engine": 2, "init_project": 2,
    "ledger": 3,
    "context": 4, "normalise": 4, "load": 4, "load_ledger": 4, "landuse": 4, "balance": 4, "rasters": 4,
    "rules": 5,
    "config": 6, "runner": 6, "result": 6,
    "report": 7,
    "batch": 8, "api": 8, "__init__": 8, "package": 8, "package_verify": 8, "package_summary": 8,
    "cli": 9,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def stage_of(module: str) -> int:
    """Stage of a module given relative to the package (``io.vector``, ``rules.balance``)."""
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in STAGES:
            return STAGES[key]
    raise KeyError(f"module {module!r} has no stage in tests/test_layering.py: add it")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, module relative to the package) of every intra-package import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = _module_name(path).split(".")
    package = me if path.name == "__init__.py" else me[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = ".".join(p for p in (*base, *(node.module.split(".") if node.module else ())) if p)
            elif node.module and node.module.split(".")[0] == PACKAGE:
                target = node.module.partition(".")[2]
            else:
                continue
            names = [a.name for a in node.names]
            for name in names:  # `from . import findings` imports a module
                candidate = f"{target}.{name}" if target else name
                if (SRC / candidate.replace(".", "/")).with_suffix(".py").exists() or (SRC / candidate.replace(".", "/")).is_dir():
                    out.append((node.lineno, candidate))
                    break
            else:
                out.append((node.lineno, target or "__init__"))
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    out.append((node.lineno, alias.name.partition(".")[2] or "__init__"))
    return out


MODULES = sorted(p for p in SRC.rglob("*.py"))


def test_every_module_has_a_stage():
    for path in MODULES:
        stage_of(_module_name(path))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_imports_go_forward_only(path):
    me = _module_name(path)
    mine = stage_of(me)
    upward = [
        f"{path.relative_to(SRC.parent)}:{line} imports {target} (stage {stage_of(target)} > {mine})"
        for line, target in _imports(path)
        if target.split(".")[0] and stage_of(target) > mine
    ]
    assert not upward, "\n".join(upward)


def test_no_import_circles():
    graph = {_module_name(p): {t for _, t in _imports(p) if t != "__init__"} for p in MODULES}
    graph = {m: {t for t in ts if t in graph and t != m} for m, ts in graph.items()}
    seen: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(m: str) -> None:
        seen[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if seen.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in seen:
                visit(t)
        stack.pop()
        seen[m] = 2

    for m in sorted(graph):
        if m not in seen:
            visit(m)
    # a package's __init__ re-exporting its own modules is not a circle of code
    real = [c for c in cycles if not any(a.startswith(b + ".") or b.startswith(a + ".") for a, b in zip(c, c[1:], strict=False))]
    assert not real, "\n".join(" → ".join(c) for c in real)


def test_the_checker_sees_function_level_imports(tmp_path):
    """The AST walk finds an import inside a function body (the kind that hid upward links)."""
    sample = SRC / "rules" / "_probe_for_layering_test.py"
    assert not sample.exists()
    tree_text = "def f():\n    from ..report import html\n    return html\n"
    probe = tmp_path / "probe.py"
    probe.write_text(tree_text, encoding="utf-8")
    nodes = [n for n in ast.walk(ast.parse(tree_text)) if isinstance(n, ast.ImportFrom)]
    assert nodes and nodes[0].level == 2 and nodes[0].module == "report"


#: besides the stage order: outputs read only the result, rules do no I/O
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "report": ("rules", "context", "load", "load_ledger", "rasters", "runner", "config", "ledger"),
    "rules": ("io", "ledger", "load", "load_ledger", "rasters"),
}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_outputs_read_only_the_result_and_rules_do_no_io(path):
    me = _module_name(path)
    banned = next((b for prefix, b in FORBIDDEN.items() if me == prefix or me.startswith(prefix + ".")), ())
    bad = [
        f"{path.relative_to(SRC.parent)}:{line} imports {target}"
        for line, target in _imports(path)
        if any(target == b or target.startswith(b + ".") for b in banned)
    ]
    assert not bad, "\n".join(bad)
