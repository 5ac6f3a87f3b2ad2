"""Peak memory and time of `landlink check`, this tree against a baseline revision, in one run.

``python scripts/bench/memory.py DATA_DIR --baseline REV [--results FILE]`` checks the project
``DATA_DIR/project.toml`` (from ``generate.py``) twice, each ``landlink check … -o checked.gpkg -q``
in its own process measured by ``/usr/bin/time -v`` semantics (``resource.getrusage`` of the
child: peak RSS, user + system CPU seconds) and wall-clock seconds:

1. the baseline: revision ``REV`` of this repository, exported with ``git archive`` into a
   temporary folder and imported from there (``PYTHONPATH``), in the same Python environment;
2. this working tree.

Both GeoPackages' content digests (``run_info.content_sha256``) are compared: the same findings,
plots, balance and land-use change, row for row. The results (a Markdown table with the ratios
current ÷ baseline) are appended to ``FILE`` (default ``scripts/bench/MEMORY.md``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _digest(gpkg: Path) -> str:
    con = sqlite3.connect(gpkg)
    try:
        row = con.execute("SELECT value FROM run_info WHERE key = 'content_sha256'").fetchone()
        return row[0] if row else ""
    finally:
        con.close()


def _findings(gpkg: Path) -> int:
    con = sqlite3.connect(gpkg)
    try:
        return sum(
            con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0]
            for (t,) in con.execute(
                "SELECT table_name FROM gpkg_contents WHERE table_name LIKE 'finding%'"
            )
        )
    finally:
        con.close()


def measure(src: Path, project: Path, out: Path) -> dict:
    """Run one check with ``src`` on the import path; its peak RSS, CPU and wall seconds (the
    child's own resource usage, from ``os.wait4``)."""
    env = dict(os.environ, PYTHONPATH=str(src))
    cmd = [sys.executable, "-m", "landlink_gis.cli.main", "check", str(project)]
    cmd += ["-o", str(out), "-q"]
    start = time.perf_counter()
    with open(os.devnull, "w") as sink, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, env=env, stdout=sink, stderr=err)
        _pid, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        if proc.returncode not in (0, 1):  # 1: the check found errors (generated data has some)
            err.seek(0)
            raise SystemExit(f"check failed ({proc.returncode}): {err.read()[-2000:]}")
    return {
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_gib": usage.ru_maxrss / 2**20,  # kB on Linux
        "digest": _digest(out),
        "findings": _findings(out),
    }


def warm_up(src: Path, folder: Path) -> None:
    """One check of a tiny generated project with ``src``: numba compiles (or loads) its kernel
    into that tree's cache, so the timed check does not pay for it."""
    sys.path.insert(0, str(Path(__file__).parent))
    from generate import generate

    tiny = folder / "tiny"
    if not (tiny / "project.toml").exists():
        generate(tiny, "small", plots=200, landuse=2000, shape="partial")
    measure(src, tiny / "project.toml", folder / "tiny.gpkg")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("data", type=Path, help="a folder from generate.py (holds project.toml)")
    ap.add_argument("--baseline", required=True, help="git revision to compare with")
    ap.add_argument("--results", type=Path, default=REPO / "scripts" / "bench" / "MEMORY.md")
    args = ap.parse_args()
    project = args.data / "project.toml"
    info = args.data / "dataset.json"
    meta = json.loads(info.read_text(encoding="utf-8")) if info.exists() else {}
    with tempfile.TemporaryDirectory(prefix="landlink-mem-") as tmp:
        tmp = Path(tmp)
        base_tree = tmp / "baseline"
        base_tree.mkdir()
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", args.baseline, "src"],
            check=True,
            capture_output=True,
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(base_tree)], input=archive, check=True)
        base_rev = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", args.baseline],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        here_rev = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        warm_up(base_tree / "src", tmp)
        warm_up(REPO / "src", tmp)
        load_before = os.getloadavg()[0]
        base = measure(base_tree / "src", project, tmp / "baseline.gpkg")
        here = measure(REPO / "src", project, tmp / "current.gpkg")
        load_after = os.getloadavg()[0]
    same = base["digest"] == here["digest"] and base["digest"] != ""
    lines = [
        f"\n## {args.data.name}: {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC\n",
        f"`python scripts/bench/memory.py {args.data} --baseline {args.baseline}`; "
        f"{platform.machine()}, {os.cpu_count()} cores, load average {load_before:.1f} before / "
        f"{load_after:.1f} after.\n",
        f"Data: shape {meta.get('shape')}, "
        + ", ".join(f"{k} {v:,}" for k, v in meta.get("counts", {}).items())
        + " (each check reads only the features near the plots).\n"
        if meta
        else "",
        "| code | peak RSS GiB | wall s | CPU s | findings |",
        "|---|---|---|---|---|",
        f"| baseline {base_rev} | {base['peak_gib']:.2f} | {base['wall_s']:.1f} | "
        f"{base['cpu_s']:.1f} | {base['findings']:,} |",
        f"| this tree ({here_rev}) | {here['peak_gib']:.2f} | {here['wall_s']:.1f} | "
        f"{here['cpu_s']:.1f} | {here['findings']:,} |",
        f"| ratio (this ÷ baseline) | {here['peak_gib'] / base['peak_gib']:.2f}× | "
        f"{here['wall_s'] / base['wall_s']:.2f}× | {here['cpu_s'] / base['cpu_s']:.2f}× | |",
        "",
        f"Same GeoPackage content digest: {'yes' if same else 'NO'} (`{here['digest']}`). "
        f"Peak RSS under 4 GiB: {'yes' if here['peak_gib'] < 4 else 'no'}.\n",
    ]
    text = "\n".join(line for line in lines if line is not None)
    with args.results.open("a", encoding="utf-8") as fh:
        if fh.tell() == 0:
            fh.write(
                "# Peak memory of `landlink check` (scripts/bench/memory.py)\n\n"
                "Each section: one invocation, the baseline revision first, then this tree, "
                "on the same data.\n"
            )
        fh.write(text)
    print(text)


if __name__ == "__main__":
    main()
