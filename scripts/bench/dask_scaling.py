"""The dask engine on 1, 2, 4 … workers: the multi-worker table of ``docs/scale.md``.

``python scripts/bench/dask_scaling.py DATA_DIR --workers 1,2,4,8,16`` times the three overlap
figures of the benchmark (``methods.PAIR_SETS``, areas only, as ``methods.py engine`` does) on a
dask ``LocalCluster`` of N single-threaded worker processes for each N (``--scheduler`` for an
existing cluster instead: then ``--workers`` only labels the row), after a warm-up that loads the
compiled kernel on every worker. The reference side of each figure is packed as the check context
holds it (WKB, :class:`~landlink_gis.engine.packed.PackedGeometries`; ``--unpacked``: GEOS arrays),
so the local engine and the workers walk it a chunk at a time and the client sends each partition
its WKB. Each run's pairs and areas are compared with the local engine's (they must be identical).
Prints a Markdown table and writes ``DATA_DIR/results/dask.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from methods import CRS, PAIR_SETS, X_WARM, Y_WARM, read_geoms  # noqa: E402


def _pairs(func, geoms, refs) -> tuple[float, list]:
    t = time.perf_counter()
    out = [func(geoms[left], refs[right]) for left, right in PAIR_SETS]
    return time.perf_counter() - t, out


def _same(a, b) -> bool:
    return all(
        np.array_equal(x[c].to_numpy(), y[c].to_numpy())
        for x, y in zip(a, b, strict=True)
        for c in ("left", "right", "area_m2", "area_planar_m2")
    )


def main() -> None:
    import shapely
    from dask import distributed

    from landlink_gis.engine.dask_engine import dask_pairs
    from landlink_gis.engine.overlay import compute_pairs

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", type=Path)
    ap.add_argument("--workers", default="1,2", help="worker counts, comma-separated")
    ap.add_argument("--scheduler", default=None, help="an existing cluster (tcp://HOST:8786)")
    ap.add_argument("--npartitions", type=int, default=None)
    ap.add_argument(
        "--unpacked", action="store_true", help="reference layers as GEOS arrays, not packed"
    )
    args = ap.parse_args()
    geoms, _ = read_geoms(args.data)
    refs = dict(geoms)
    if not args.unpacked:
        from landlink_gis.engine.packed import PackedGeometries

        refs = {k: PackedGeometries.pack(v) for k, v in geoms.items()}
    warm = np.array(
        [
            shapely.box(X_WARM, Y_WARM, X_WARM + 10, Y_WARM + 10),
            shapely.box(X_WARM + 5, Y_WARM + 5, X_WARM + 15, Y_WARM + 15),
        ]
    )
    compute_pairs(warm, warm[::-1], crs=CRS, geometry=False)
    local_s, local = _pairs(lambda a, b: compute_pairs(a, b, crs=CRS, geometry=False), geoms, refs)
    rows = []
    for n in [int(w) for w in args.workers.split(",") if w.strip()]:
        if args.scheduler:
            client, cluster = distributed.Client(args.scheduler), None
        else:
            cluster = distributed.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, dashboard_address=None
            )
            client = distributed.Client(cluster)
        try:

            def run(a, b, client=client):
                return dask_pairs(
                    a,
                    b,
                    crs=CRS,
                    geometry=False,
                    client=client,
                    npartitions=args.npartitions,
                )

            run(warm, warm[::-1])  # the workers load the compiled kernel before the timing
            secs, pairs = _pairs(run, geoms, refs)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
        rows.append(
            {
                "workers": n,
                "overlap_s": secs,
                "pairs": int(sum(len(p) for p in pairs)),
                "identical": _same(local, pairs),
            }
        )
        print(f"{n} workers: {secs:.2f} s", file=sys.stderr)
    base = rows[0]["overlap_s"] if rows else None
    print(f"Local engine (threads = {os.cpu_count()} cores): {local_s:.2f} s\n")
    print("| dask workers | overlap step s | speed-up vs first row | pairs | = local engine |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['workers']} | {r['overlap_s']:.2f} | {base / r['overlap_s']:.2f}× | "
            f"{r['pairs']:,} | {'yes' if r['identical'] else 'NO'} |"
        )
    out = args.data / "results"
    out.mkdir(exist_ok=True)
    (out / "dask.json").write_text(
        json.dumps({"local_s": local_s, "packed": not args.unpacked, "rows": rows}, indent=2),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
