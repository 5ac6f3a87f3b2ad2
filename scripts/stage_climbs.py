"""Count the climbs back of one check: calls that return to loading after it has handed on.

Traces ``landlink check PROJECT.toml`` with :func:`sys.setprofile` and records every call from one
module of the package into another (library frames in between are skipped, so a callback through
pandas still counts). A *climb back* is a call into ``project/``, into an ``io/`` reader
(everything in ``io/`` but the writing helpers ``atomic``, ``gdal_options`` and ``gpkg_digest``)
or into ``load/`` (but ``load.context``, the finished context every rule reads) from a stage after
loading, or from ``io/`` into ``project/``. The hand-overs that start a stage are not climbs: ``cli`` parsing the
project file, the runner calling the loader. Stages are those of ``tests/test_layering.py``.

Usage: ``PYTHONPATH=src python scripts/stage_climbs.py [PROJECT.toml]`` (default: the demo).
"""

from __future__ import annotations

import collections
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.test_layering import STAGES  # noqa: E402

SRC = str(REPO / "src" / "landlink_gis") + "/"
LOADING = ("project", "io", "load")
NOT_LOADING = {"io.atomic", "io.gdal_options", "io.gpkg_digest", "load.context"}
HAND_OVERS = {("cli.check", "project.file"), ("run.runner", "load.pipeline")}


def _module(filename: str) -> str | None:
    if not filename.startswith(SRC):
        return None
    name = filename[len(SRC) : -3].replace("/", ".")
    return name[: -len(".__init__")] if name.endswith(".__init__") else name


def _stage(module: str) -> int:
    return STAGES[module.split(".")[0]]


def trace(project: str) -> tuple[collections.Counter, dict]:
    """(caller module, callee module) → number of calls, and → the callee functions."""
    from landlink_gis.cli.main import cli

    edges: collections.Counter = collections.Counter()
    funcs: dict = collections.defaultdict(set)

    def profile(frame, event, arg):
        if event != "call":
            return
        callee = _module(frame.f_code.co_filename)
        if callee is None:
            return
        back = frame.f_back
        while back is not None and _module(back.f_code.co_filename) is None:
            back = back.f_back
        caller = None if back is None else _module(back.f_code.co_filename)
        if caller is None or caller == callee:
            return
        edges[(caller, callee)] += 1
        funcs[(caller, callee)].add(frame.f_code.co_name)

    with tempfile.TemporaryDirectory() as tmp:
        sys.setprofile(profile)
        try:
            cli(["check", project, "-o", str(Path(tmp) / "out.gpkg"), "-q"], standalone_mode=False)
        except SystemExit:
            pass  # the exit code of the check
        finally:
            sys.setprofile(None)
    return edges, funcs


def climbs(edges: collections.Counter) -> dict:
    """The climbs back among ``edges`` (see the module docstring)."""
    out = {}
    for (caller, callee), n in edges.items():
        if callee.split(".")[0] not in LOADING or callee in NOT_LOADING:
            continue
        if (caller, callee) in HAND_OVERS:
            continue
        if _stage(caller) > _stage("load") or (
            caller.startswith("io") and callee.startswith("project")
        ):
            out[(caller, callee)] = n
    return out


def main() -> None:
    project = sys.argv[1] if len(sys.argv) > 1 else "data/samples/bazhong_demo/project.toml"
    edges, funcs = trace(project)
    back = {e: n for e, n in edges.items() if 0 < _stage(e[1]) < _stage(e[0])}
    found = climbs(edges)
    print(f"module-to-module call edges: {len(edges)}")
    print(f"edges into an earlier stage (base excluded): {len(back)}, {sum(back.values())} calls")
    print(f"climbs back: {len(found)} edges, {sum(found.values())} calls")
    for edge in sorted(found):
        print(f"  {edge[0]} -> {edge[1]}: {found[edge]} ({', '.join(sorted(funcs[edge]))})")


if __name__ == "__main__":
    main()
