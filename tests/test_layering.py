"""The package's stage folders import only forward: a module never imports from a later stage.

The tree is the pipeline (``docs/design.md``): ``base`` → ``project`` (the TOML) → ``engine`` and
``io`` (area, overlay, input and output formats) → ``ledger`` (the store) → ``load`` and ``figures``
(a finished context and its figures) → ``rules`` → ``run`` (config, runner, result) → ``outputs`` →
``filing``, ``batch`` and the API → ``cli``. A stage is a folder, never a list of module names:
every
module inside a folder has the folder's stage. Every import statement is read from the source with
:mod:`ast`, function-level imports included, so a lazy import cannot hide an upward link; and the
import graph between modules has no circles.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = "landlink_gis"
SRC = Path(__file__).resolve().parents[1] / "src" / PACKAGE

#: stage folder (or one of the few top-level modules) → stage
STAGES: dict[str, int] = {
    "base": 0,
    "_version": 0,
    "project": 1,
    "engine": 2,
    "io": 2,
    "init_project": 2,
    "ledger": 3,
    "load": 4,
    "figures": 4,
    "rules": 5,
    "run": 6,
    "outputs": 7,
    "filing": 8,
    "batch": 8,
    "api": 8,
    "__init__": 8,
    "cli": 9,
}


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def stage_of(module: str) -> int:
    """Stage of a module given relative to the package (``io.vector``, ``rules.balance``): its
    folder's."""
    top = module.split(".")[0]
    if top not in STAGES:
        raise KeyError(
            f"module {module!r} is in no stage folder: put it in one (tests/test_layering.py)"
        )
    return STAGES[top]


def _imports(path: Path, module: str | None = None) -> list[tuple[int, str]]:
    """(line, module relative to the package) of every intra-package import in ``path``.

    ``module`` names the file's module when it does not lie under the package (the self-test).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = (module or _module_name(path)).split(".")
    package = me if path.name == "__init__.py" else me[:-1]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)] if node.level > 1 else package
                target = ".".join(
                    p for p in (*base, *(node.module.split(".") if node.module else ())) if p
                )
            elif node.module and node.module.split(".")[0] == PACKAGE:
                target = node.module.partition(".")[2]
            else:
                continue
            names = [a.name for a in node.names]
            for name in names:  # `from . import findings` imports a module
                candidate = f"{target}.{name}" if target else name
                if (SRC / candidate.replace(".", "/")).with_suffix(".py").exists() or (
                    SRC / candidate.replace(".", "/")
                ).is_dir():
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
        f"{path.relative_to(SRC.parent)}:{line} imports {target} (stage {stage_of(target)} > "
        f"{mine})"
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
                cycles.append(stack[stack.index(t) :] + [t])
            elif t not in seen:
                visit(t)
        stack.pop()
        seen[m] = 2

    for m in sorted(graph):
        if m not in seen:
            visit(m)
    # a package's __init__ re-exporting its own modules is not a circle of code
    real = [
        c
        for c in cycles
        if not any(
            a.startswith(b + ".") or b.startswith(a + ".") for a, b in zip(c, c[1:], strict=False)
        )
    ]
    assert not real, "\n".join(" → ".join(c) for c in real)


def upward_imports(path: Path, module: str | None = None) -> list[str]:
    """The imports of ``path`` that climb to a later stage than its own."""
    mine = stage_of(module or _module_name(path))
    return [
        f"{path.name}:{line} imports {target} (stage {stage_of(target)} > {mine})"
        for line, target in _imports(path, module)
        if target.split(".")[0] and stage_of(target) > mine
    ]


def test_the_checker_catches_a_function_level_upward_import(tmp_path):
    """The checker itself, on a probe module placed in ``rules``: a lazy import of an output is
    caught,
    a forward import is not."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from ..base.errors import InputError\n\ndef f():\n    from ..outputs import html\n    "
        "return html\n",
        encoding="utf-8",
    )
    found = _imports(probe, "rules.probe")
    assert found == [(1, "base.errors"), (4, "outputs.html")]
    assert upward_imports(probe, "rules.probe") == ["probe.py:4 imports outputs.html (stage 7 > 5)"]
    assert upward_imports(probe, "outputs.probe") == []


#: besides the stage order: outputs read only the result, rules do no I/O
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "outputs": ("rules", "load", "run.runner", "run.config", "ledger"),
    "rules": ("io", "ledger", "load.pipeline", "load.ledger", "load.rasters"),
}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: _module_name(p))
def test_outputs_read_only_the_result_and_rules_do_no_io(path):
    me = _module_name(path)
    banned = next(
        (b for prefix, b in FORBIDDEN.items() if me == prefix or me.startswith(prefix + ".")), ()
    )
    bad = [
        f"{path.relative_to(SRC.parent)}:{line} imports {target}"
        for line, target in _imports(path)
        if any(target == b or target.startswith(b + ".") for b in banned)
    ]
    assert not bad, "\n".join(bad)


def _design_rows() -> dict[str, str]:
    """``docs/design.md``'s table of stages: folder (``top level`` for the package's own modules) → row."""
    text = (SRC.parents[1] / "docs" / "design.md").read_text(encoding="utf-8")
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 4 and (cells[1].startswith("`") or cells[1] == "top level"):
            rows[cells[1].strip("`").rstrip("/")] = cells[2]
    return rows


def test_design_lists_every_stage_folder_and_every_module():
    """The design document draws the tree as it is: each stage folder has a row, and each module is named
    in its folder's row."""
    rows = _design_rows()
    folders = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert folders == set(rows) - {"top level"}
    assert folders | {"batch", "api", "__init__", "_version"} == set(STAGES)
    missing = []
    for path in MODULES:
        rel = path.relative_to(SRC)
        folder = rel.parts[0] if len(rel.parts) > 1 else "top level"
        stem = path.stem if path.stem != "__init__" or len(rel.parts) < 3 else rel.parts[-2]
        if path.stem == "__init__" and len(rel.parts) == 2:
            continue  # the folder itself
        if f"`{stem}`" not in rows[folder] and f"`{stem}/`" not in rows[folder]:
            missing.append(str(rel))
    assert not missing, "modules docs/design.md does not name: " + ", ".join(missing)
