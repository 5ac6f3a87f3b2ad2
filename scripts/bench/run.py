"""Benchmark runner: ``python scripts/bench/run.py --size county`` (``make bench``).

Generates the seeded data set when missing (``scripts/bench/generate.py``), then times on the same
files, each in its own process (peak RSS from ``wait4``):

(a) ``landlink check`` with the full rule set (and the engine's overlap step alone, ``engine``);
(b) ``geopandas.overlay`` + groupby, as analysts do today;
(c) PostGIS SQL on GIST-indexed tables (load+index and query apart), on a throw-away server
    started with ``scripts/postgis/start.sh`` (or ``--url`` for an existing one);
(d) pyogrio's Arrow read of the same layers (the I/O lower bound);
plus the one-core floor (STRtree bulk query + vectorised intersection) and the scaling check.
Checks that (a), (b) and (c) agree on every overlap area (1e-6 relative) and writes
``scripts/bench/RESULTS.md`` (``--results`` elsewhere). A pyinstrument profile of the check on one
thread goes into the results as the hot-path summary.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PY = sys.executable
logger = logging.getLogger("bench")

REL_TOL = 1e-6
ABS_FLOOR_M2 = 1e-6  # pairs whose area is below this in every method are zero-area touches


def measured(cmd: list[str], env: dict | None = None) -> dict:
    """Run ``cmd``: wall seconds, CPU seconds and peak RSS (MiB) of exactly this child
    (``wait4``)."""
    t = time.perf_counter()
    with tempfile.TemporaryFile() as fo, tempfile.TemporaryFile() as fe:
        proc = subprocess.Popen(cmd, stdout=fo, stderr=fe, env=env, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - t
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read().decode(errors="replace"), fe.read().decode(errors="replace")
    return {
        "rc": proc.returncode,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_rss_mib": usage.ru_maxrss / 1024,
        "stdout": out,
        "stderr": err,
    }


def start_postgis(workdir: Path) -> tuple[str, Path]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    datadir = Path(tempfile.mkdtemp(prefix="llpg", dir="/tmp"))
    os.chmod(datadir, 0o755)
    proc = subprocess.run(
        ["bash", str(ROOT / "scripts/postgis/start.sh"), str(datadir / "db"), str(port)],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"scripts/postgis/start.sh failed:\n{proc.stderr[-2000:]}")
    return proc.stdout.strip().splitlines()[-1], datadir


def stop_postgis(datadir: Path) -> None:
    subprocess.run(
        ["bash", str(ROOT / "scripts/postgis/stop.sh"), str(datadir / "db")],
        capture_output=True,
        check=False,
    )
    shutil.rmtree(datadir, ignore_errors=True)


def agreement(res: Path, methods: list[str]) -> tuple[pd.DataFrame, list[str]]:
    """Per pair set: pairs per method and the largest relative difference to the engine."""
    frames = {
        m: pd.read_parquet(res / f"{m}.parquet") for m in methods if (res / f"{m}.parquet").exists()
    }
    rows, notes = [], []
    base = frames["engine"]
    for m, f in frames.items():
        if m == "engine":
            continue
        merged = base.merge(f, on=["set", "left", "right"], how="outer", suffixes=("_a", "_b"))
        merged[["area_a", "area_b"]] = merged[["area_a", "area_b"]].fillna(0.0)
        real = (merged["area_a"] > ABS_FLOOR_M2) | (merged["area_b"] > ABS_FLOOR_M2)
        merged = merged[real]
        for name, g in merged.groupby("set"):
            diff = (g["area_a"] - g["area_b"]).abs()
            rel = diff / np.maximum(g["area_a"].abs(), g["area_b"].abs())
            bad = int((rel > REL_TOL).sum())
            rows.append(
                {
                    "pair set": name,
                    "method": m,
                    "pairs": len(g),
                    "max rel diff": float(rel.max()) if len(g) else 0.0,
                    "pairs > 1e-6": bad,
                    "max abs diff m²": float(diff.max()) if len(g) else 0.0,
                    "largest pair > 1e-6 (m²)": float(
                        np.maximum(g["area_a"], g["area_b"])[rel > REL_TOL].max()
                    )
                    if bad
                    else 0.0,
                    "total m² (engine)": float(g["area_a"].sum()),
                    "total m² (method)": float(g["area_b"].sum()),
                }
            )
            if bad:
                worst = g.assign(rel=rel).sort_values("rel").tail(3)
                notes.append(
                    f"{m} {name}: {bad} pairs beyond 1e-6; worst: "
                    + worst[["left", "right", "area_a", "area_b"]].to_json(orient="records")
                )
    return pd.DataFrame(rows), notes


def machine() -> dict:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = next(
            x for x in Path("/proc/meminfo").read_text().splitlines() if x.startswith("MemTotal")
        )
    except (OSError, StopIteration):
        mem = ""
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": " ".join(mem.split()[1:]),
        "os": platform.platform(),
        "python": platform.python_version(),
    }


def versions() -> dict:
    import dask
    import geopandas
    import pyogrio
    import shapely

    import landlink_gis

    return {
        "landlink-gis": landlink_gis.__version__,
        "shapely": shapely.__version__,
        "GEOS": ".".join(map(str, shapely.geos_version)),
        "geopandas": geopandas.__version__,
        "pyogrio": pyogrio.__version__,
        "GDAL": ".".join(map(str, pyogrio.__gdal_version__)),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "dask": dask.__version__,
    }


def profile_check(data: Path, res: Path) -> str:
    """pyinstrument profile of ``landlink check`` on one thread: the top of the call tree."""
    env = {**os.environ, "LANDLINK_THREADS": "1"}
    out = res / "profile.txt"
    cmd = [
        PY,
        "-m",
        "pyinstrument",
        "--show-all",
        "-o",
        str(out),
        "-m",
        "landlink_gis.cli.main",
        "check",
        str(data / "project.toml"),
        "-o",
        str(res / "profiled.gpkg"),
        "-q",
    ]
    r = measured(cmd, env)
    if not out.exists():
        return f"(profile failed: rc {r['rc']}: {r['stderr'][-500:]})"
    import re

    lines = out.read_text().splitlines()
    head = [ln for ln in lines[:6] if "Duration" in ln]
    total = float(re.search(r"Duration:\s*([\d.]+)", head[0]).group(1)) if head else 0.0
    # the call tree without frames under 2 % of the run and without click/runpy plumbing
    keep = []
    for ln in lines:
        m = re.match(r"^([\s│├└─]*)([\d.]+) (\S+)\s+(\S+)", ln)
        if (
            not m
            or float(m.group(2)) < 0.02 * total
            or m.group(4).startswith(("click/", "<frozen"))
        ):
            continue
        keep.append(ln)
    return "\n".join(head + keep[:80])


def main() -> None:  # noqa: PLR0915 - a linear script
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", default="county", choices=["small", "county", "province"])
    ap.add_argument(
        "--data",
        type=Path,
        default=None,
        help="data folder (default out/bench/SIZE; generated when missing)",
    )
    ap.add_argument(
        "--landuse",
        type=int,
        default=None,
        help="land-survey polygons when generating (overrides the size's)",
    )
    ap.add_argument(
        "--methods",
        default="arrow,engine,engine1,engine_geos,floor,check,geopandas,postgis,scaling,profile",
    )
    ap.add_argument(
        "--shape",
        default="containment",
        help="data shape(s), comma-separated: containment,partial,slivers,holes,holes_noise",
    )
    ap.add_argument(
        "--plots",
        type=int,
        default=None,
        help="demolition plots when generating (overrides the size's)",
    )
    ap.add_argument(
        "--first-only",
        default="engine1,scaling,profile",
        help="methods run on the first shape only (the slow diagnostics), comma-separated",
    )
    ap.add_argument(
        "--report-only",
        action="store_true",
        help="rewrite the results file from the shapes' summary.json, no run",
    )
    ap.add_argument("--url", default=None, help="PostGIS URL (default: start a throw-away server)")
    ap.add_argument(
        "--results",
        type=Path,
        default=None,
        help="results file (default scripts/bench/RESULTS.md for county)",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    shapes = [s.strip() for s in args.shape.split(",") if s.strip()]
    results = args.results or (
        HERE / "RESULTS.md"
        if args.size == "county"
        else ROOT / "out" / "bench" / f"RESULTS-{args.size}.md"
    )
    from report import write_sections

    sections = []
    first_only = {m.strip() for m in args.first_only.split(",") if m.strip()}
    for k, shape in enumerate(shapes):
        if args.report_only:
            res = data_dir(args, shape) / "results"
            payload = json.loads((res / "summary.json").read_text(encoding="utf-8"))
            ok = [
                m
                for m in ("engine", "engine_geos", "engine_geom", "geopandas", "postgis")
                if payload["times"].get(m, {}).get("ok")
            ]
            agree, payload["notes"] = agreement(res, ok)
            payload["agreement"] = agree.to_dict(orient="records")
            sections.append(payload)
        else:
            sections.append(run_shape(args, shape, skip=first_only if k else set()))

        write_sections(results, sections)
        logger.info("wrote %s", results)


def shape_command(shape: str) -> str:
    """The command line that measures one shape as this run does: this run's arguments with
    ``--shape`` naming only that shape (and without ``--results`` / ``--report-only``)."""
    out: list[str] = []
    argv = iter(sys.argv[1:])
    for a in argv:
        if a in ("--shape", "--results"):
            next(argv, None)
        elif a == "--report-only" or a.startswith(("--shape=", "--results=")):
            continue
        else:
            out.append(shlex.quote(a) if a else '""')
    return " ".join(["python scripts/bench/run.py", *out, "--shape", shape])


def data_dir(args, shape: str) -> Path:
    """The data folder of one shape: ``--data``, else out/bench/SIZE[-SHAPE][-PLOTS]."""
    name = args.size if shape == "containment" else f"{args.size}-{shape}"
    if args.plots:
        name += f"-{args.plots}"
    return args.data or ROOT / "out" / "bench" / name


def run_shape(args, shape: str, skip: set[str] = frozenset()) -> dict:  # noqa: PLR0915 - a linear script
    """Every method (but ``skip``) on one data shape, side by side; the measurements as a dict."""
    data = data_dir(args, shape)
    name = data.name
    if not (data / "project.toml").exists():
        logger.info("generating %s data in %s", name, data)
        cmd = [
            PY,
            str(HERE / "generate.py"),
            "--size",
            args.size,
            "--out",
            str(data),
            "--shape",
            shape,
        ]
        if args.landuse:
            cmd += ["--landuse", str(args.landuse)]
        if args.plots:
            cmd += ["--plots", str(args.plots)]
        subprocess.run(cmd, check=True, cwd=ROOT)
    dataset = json.loads((data / "dataset.json").read_text())
    res = data / "results"
    res.mkdir(exist_ok=True)
    methods = [m.strip() for m in args.methods.split(",") if m.strip() and m.strip() not in skip]
    load_before = os.getloadavg()
    times: dict[str, dict] = {}
    pg_dir = None
    url = args.url
    try:
        for m in methods:
            logger.info("method %s …", m)
            if m == "profile":
                times["profile"] = {"text": profile_check(data, res)}
                continue
            if m == "check":
                r = measured(
                    [
                        PY,
                        "-m",
                        "landlink_gis.cli.main",
                        "check",
                        str(data / "project.toml"),
                        "-o",
                        str(res / "checked.gpkg"),
                        "-q",
                    ]
                )
                r["ok"] = r["rc"] in (0, 1)
                times[m] = r
                continue
            if m == "postgis" and url is None:
                url, pg_dir = start_postgis(res)
            cmd = [PY, str(HERE / "methods.py"), m, str(data), str(res)] + (
                ["--url", url] if m == "postgis" else []
            )
            r = measured(cmd)
            if r["rc"] != 0:
                logger.error("method %s failed: %s", m, r["stderr"][-3000:])
                times[m] = {**r, "ok": False}
                continue
            r.update(json.loads((res / f"{m}.json").read_text()))
            r["ok"] = True
            times[m] = r
            logger.info("method %s: %.1f s wall, %.0f MiB", m, r["wall_s"], r["peak_rss_mib"])
    finally:
        if pg_dir is not None:
            stop_postgis(pg_dir)
    load_after = os.getloadavg()
    agree, notes = agreement(
        res,
        [
            m
            for m in ("engine", "engine_geos", "engine_geom", "geopandas", "postgis")
            if times.get(m, {}).get("ok")
        ],
    )
    payload = {
        "command": shape_command(shape),
        "size": args.size,
        "shape": shape,
        "dataset": dataset,
        "times": {
            k: {kk: vv for kk, vv in v.items() if kk not in ("stdout", "stderr")}
            for k, v in times.items()
        },
        "agreement": agree.to_dict(orient="records"),
        "notes": notes,
        "machine": machine(),
        "versions": versions(),
        "load_before": load_before,
        "load_after": load_after,
    }
    (res / "summary.json").write_text(json.dumps(payload, indent=2, default=str), encoding="utf-8")
    return payload


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    main()
