"""One benchmark method, run in its own process so that its peak RSS is its own.

``python scripts/bench/methods.py METHOD DATA_DIR OUT_DIR [--url URL]`` writes
``OUT_DIR/METHOD.json``
(timings) and, for the methods that compute overlaps, ``OUT_DIR/METHOD.parquet`` with one row per
(pair set, left position, right position) and the planar overlap area. The pair sets are the
overlap figures every method computes:

- ``demolition×landuse`` (PLAN004: what land each demolition plot stands on),
- ``construction×landuse`` (PLAN005: the farmland each construction plot occupies),
- ``demolition×compensation`` (OVL001).

Methods: ``engine`` (landlink's engine, all cores, areas only: the compiled kernel), ``engine1``
(the
same on one thread), ``engine_geom`` (the engine, all cores, building every pair's overlap
geometry as the overlap findings need it), ``engine_geos`` (the engine forced onto its GEOS path,
LANDLINK_OVERLAP_KERNEL=geos),
``floor`` (one core: STRtree bulk query + vectorised intersection, no shortcut), ``geopandas``
(``geopandas.overlay`` + groupby, as analysts do today), ``postgis`` (GIST-indexed tables, one SQL
join; load+index and query timed apart), ``arrow`` (reading the layers with pyogrio's Arrow path,
the I/O lower bound), ``scaling`` (the engine on 10 % and 100 % of the plots).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import shapely

PAIR_SETS = [("demolition", "landuse"), ("construction", "landuse"), ("demolition", "compensation")]
LAYERS = {
    "demolition": ("plots.gpkg", "demolition"),
    "construction": ("plots.gpkg", "construction"),
    "compensation": ("plots.gpkg", "compensation"),
    "landuse": ("landuse.gpkg", "landuse"),
}
CRS = "EPSG:4545"
X_WARM, Y_WARM = 470_000.0, 3_480_000.0  # a point of the data sets (CGCS2000 / 108°E)


def read_geoms(data: Path) -> tuple[dict[str, np.ndarray], float]:
    """Geometry arrays of the four layers via pyogrio's Arrow path, and the seconds it took."""
    t = time.perf_counter()
    out = {}
    for name, (file, layer) in LAYERS.items():
        _, table = pyogrio.read_arrow(str(data / file), layer=layer, columns=[])
        out[name] = shapely.from_wkb(
            np.asarray(
                table[
                    "wkb_geometry"
                    if "wkb_geometry" in table.column_names
                    else table.column_names[-1]
                ]
            )
        )
    return out, time.perf_counter() - t


def pairs_frame(parts: list[pd.DataFrame]) -> pd.DataFrame:
    return (
        pd.concat(parts, ignore_index=True)
        if parts
        else pd.DataFrame(columns=["set", "left", "right", "area"])
    )


def m_arrow(data: Path, args) -> dict:
    geoms, secs = read_geoms(data)
    return {"read_s": secs, "features": {k: len(v) for k, v in geoms.items()}}


def m_engine(
    data: Path, args, n_threads=None, path: str = "kernel", geometry: bool = False
) -> dict:
    from landlink_gis.engine.overlay import compute_pairs, set_kernel, threads

    set_kernel(path)

    geoms, read_s = read_geoms(data)
    warmup_s = warm_up(n_threads)
    t = time.perf_counter()
    parts, per_set = [], {}
    for left, right in PAIR_SETS:
        t0 = time.perf_counter()
        p = compute_pairs(
            geoms[left], geoms[right], crs=CRS, n_threads=n_threads, geometry=geometry
        )
        per_set[f"{left}×{right}"] = time.perf_counter() - t0
        parts.append(
            pd.DataFrame(
                {
                    "set": f"{left}×{right}",
                    "left": p["left"],
                    "right": p["right"],
                    "area": p["area_planar_m2"],
                }
            )
        )
    secs = time.perf_counter() - t
    pairs_frame(parts).to_parquet(args.out / f"{args.method}.parquet")
    return {
        "read_s": read_s,
        "warmup_s": warmup_s,
        "overlap_s": secs,
        "per_set_s": per_set,
        "threads": n_threads or threads(),
        "pairs": int(sum(len(p) for p in parts)),
    }


def warm_up(n_threads=None) -> float:
    """Run the engine once on one tiny crossing pair (loads/compiles the kernel); the one-off
    seconds.

    numba compiles the kernel on its first call in a process (or loads it from its on-disk cache),
    a one-off cost per process that is reported apart from the timed overlap step.
    """
    from landlink_gis.engine.overlay import compute_pairs

    a = shapely.box(X_WARM, Y_WARM, X_WARM + 10, Y_WARM + 10)
    b = shapely.box(X_WARM + 5, Y_WARM + 5, X_WARM + 15, Y_WARM + 15)
    t = time.perf_counter()
    compute_pairs(np.array([a, b]), np.array([b, a]), crs=CRS, n_threads=n_threads, geometry=False)
    return time.perf_counter() - t


def m_floor(data: Path, args) -> dict:
    geoms, read_s = read_geoms(data)
    t = time.perf_counter()
    parts = []
    for left, right in PAIR_SETS:
        tree = shapely.STRtree(geoms[right])
        li, rj = tree.query(geoms[left], predicate="intersects")
        area = shapely.area(shapely.intersection(geoms[left][li], geoms[right][rj]))
        parts.append(
            pd.DataFrame({"set": f"{left}×{right}", "left": li, "right": rj, "area": area})
        )
    secs = time.perf_counter() - t
    return {"read_s": read_s, "overlap_s": secs, "pairs": int(sum(len(p) for p in parts))}


def m_geopandas(data: Path, args) -> dict:
    import geopandas as gpd

    geoms, read_s = read_geoms(data)
    frames = {
        k: gpd.GeoDataFrame({"pos": np.arange(len(v))}, geometry=gpd.GeoSeries(v, crs=CRS))
        for k, v in geoms.items()
    }
    t = time.perf_counter()
    parts, per_set = [], {}
    for left, right in PAIR_SETS:
        t0 = time.perf_counter()
        ov = gpd.overlay(
            frames[left].rename(columns={"pos": "left"}),
            frames[right].rename(columns={"pos": "right"}),
            how="intersection",
            keep_geom_type=True,
        )
        ov["area"] = ov.geometry.area
        g = ov.groupby(["left", "right"], as_index=False)["area"].sum()
        per_set[f"{left}×{right}"] = time.perf_counter() - t0
        g.insert(0, "set", f"{left}×{right}")
        parts.append(g)
    secs = time.perf_counter() - t
    pairs_frame(parts).to_parquet(args.out / "geopandas.parquet")
    return {"read_s": read_s, "overlap_s": secs, "per_set_s": per_set}


def m_postgis(data: Path, args) -> dict:
    import psycopg

    geoms, read_s = read_geoms(data)
    conn = psycopg.connect(args.url, autocommit=True)
    t = time.perf_counter()
    load = {}
    for name, g in geoms.items():
        t0 = time.perf_counter()
        conn.execute(f"DROP TABLE IF EXISTS bench_{name}")
        conn.execute(
            f"CREATE UNLOGGED TABLE bench_{name} (pos integer, geom geometry(Polygon, 4545))"
        )
        wkb = shapely.to_wkb(shapely.set_srid(g, 4545), include_srid=True)
        with (
            conn.cursor() as cur,
            cur.copy(f"COPY bench_{name} (pos, geom) FROM STDIN WITH (FORMAT BINARY)") as copy,
        ):
            copy.set_types(["int4", "bytea"])
            for i in range(len(wkb)):
                copy.write_row((i, wkb[i]))
        conn.execute(f"CREATE INDEX ON bench_{name} USING GIST (geom)")
        conn.execute(f"ANALYZE bench_{name}")
        load[name] = time.perf_counter() - t0
    load_s = time.perf_counter() - t
    workers = conn.execute("SHOW max_parallel_workers_per_gather").fetchone()[0]
    t = time.perf_counter()
    parts, per_set = [], {}
    for left, right in PAIR_SETS:
        t0 = time.perf_counter()
        rows = conn.execute(
            f"SELECT l.pos, r.pos, ST_Area(ST_Intersection(l.geom, r.geom)) FROM bench_{left} l "
            f"JOIN bench_{right} r ON ST_Intersects(l.geom, r.geom)"
        ).fetchall()
        per_set[f"{left}×{right}"] = time.perf_counter() - t0
        arr = np.array(rows, dtype=float).reshape(-1, 3)
        parts.append(
            pd.DataFrame(
                {
                    "set": f"{left}×{right}",
                    "left": arr[:, 0].astype(np.int64),
                    "right": arr[:, 1].astype(np.int64),
                    "area": arr[:, 2],
                }
            )
        )
    query_s = time.perf_counter() - t
    version = conn.execute("SELECT postgis_full_version()").fetchone()[0].split(" GEOS")[0]
    pg_version = conn.execute("SHOW server_version").fetchone()[0]
    for name in geoms:
        conn.execute(f"DROP TABLE IF EXISTS bench_{name}")
    conn.close()
    pairs_frame(parts).to_parquet(args.out / "postgis.parquet")
    return {
        "read_s": read_s,
        "load_index_s": load_s,
        "load_per_layer_s": load,
        "query_s": query_s,
        "overlap_s": query_s,
        "per_set_s": per_set,
        "parallel_workers_per_gather": workers,
        "postgis": version,
        "postgresql": pg_version,
    }


def m_scaling(data: Path, args) -> dict:
    from landlink_gis.engine.overlay import compute_pairs

    geoms, _ = read_geoms(data)
    warm_up()
    plots = np.concatenate([geoms["demolition"], geoms["construction"]])
    out = {}
    for share in (0.1, 1.0):
        # every 10th plot: the same mix of demolition and construction plots as the whole
        sub = plots[:: int(round(1 / share))]
        best = np.inf
        for _ in range(2):
            t = time.perf_counter()
            compute_pairs(sub, geoms["landuse"], crs=CRS)
            best = min(best, time.perf_counter() - t)
        out[f"{share:g}"] = {"plots": len(sub), "overlap_s": best}
    out["ratio"] = out["1"]["overlap_s"] / out["0.1"]["overlap_s"]
    return out


METHODS = {
    "arrow": m_arrow,
    "engine": m_engine,
    "engine1": lambda d, a: m_engine(d, a, n_threads=1),
    "engine_geos": lambda d, a: m_engine(d, a, path="geos"),
    # with the overlap geometry of every pair, as the overlap findings need it
    "engine_geom": lambda d, a: m_engine(d, a, geometry=True),
    "floor": m_floor,
    "geopandas": m_geopandas,
    "postgis": m_postgis,
    "scaling": m_scaling,
}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("method", choices=sorted(METHODS))
    ap.add_argument("data", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--url", default=None)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    result = METHODS[args.method](args.data, args)
    result["wall_s"] = time.perf_counter() - t
    (args.out / f"{args.method}.json").write_text(
        json.dumps(result, indent=2, default=str), encoding="utf-8"
    )
    json.dump(result, sys.stdout, default=str)


if __name__ == "__main__":
    main()
