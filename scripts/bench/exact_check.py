"""Which side is right on the slivers: the engine's kernel and GEOS against an exact rational area.

``python scripts/bench/exact_check.py DATA_DIR [N]`` takes the pairs where the engine (kernel) and
``engine_geos`` differ by more than 1e-6 relative in DATA_DIR/results (a ``run.py`` run), recomputes
N of
them (the worst half and a random half) with the kernel, with GEOS (``shapely.intersection``) and
exactly
with ``fractions.Fraction`` (the overlap boundary = the parts of A's edges inside B plus the parts
of B's
edges inside A, split at the exact crossings; every float coordinate is an exact rational), and
prints
each method's relative error. Pairs with holes, or a degenerate piece (a midpoint on the other
boundary),
are left out.
"""

from __future__ import annotations

import sys
from fractions import Fraction as F  # noqa: N817
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from methods import read_geoms  # noqa: E402

from landlink_gis.engine.overlay import compute_pairs, set_kernel  # noqa: E402

NAMES = {
    "demolition×landuse": ("demolition", "landuse"),
    "construction×landuse": ("construction", "landuse"),
    "demolition×compensation": ("demolition", "compensation"),
}


def ring(g):
    c = shapely.get_coordinates(shapely.get_exterior_ring(g))
    pts = [(F(float(x)), F(float(y))) for x, y in c]
    assert pts[0] == pts[-1]
    return pts


def cross(ax, ay, bx, by):
    return ax * by - ay * bx


def inside(p, poly):
    """+1 inside, 0 on boundary, -1 outside (exact)."""
    x, y = p
    wn = 0
    for (x1, y1), (x2, y2) in zip(poly[:-1], poly[1:], strict=True):
        c = cross(x2 - x1, y2 - y1, x - x1, y - y1)
        if c == 0 and min(x1, x2) <= x <= max(x1, x2) and min(y1, y2) <= y <= max(y1, y2):
            return 0
        if y1 <= y < y2 and c > 0:
            wn += 1
        elif y2 <= y < y1 and c < 0:
            wn -= 1
    return 1 if wn else -1


def part_inside(a, b):
    """Sum of cross terms of a's sub-edges inside b; None if degenerate."""
    s = F(0)
    for (x1, y1), (x2, y2) in zip(a[:-1], a[1:], strict=True):
        ts = [F(0), F(1)]
        dx, dy = x2 - x1, y2 - y1
        for (u1, v1), (u2, v2) in zip(b[:-1], b[1:], strict=True):
            ex, ey = u2 - u1, v2 - v1
            den = cross(dx, dy, ex, ey)
            if den == 0:
                continue
            t = cross(u1 - x1, v1 - y1, ex, ey) / den
            u = cross(u1 - x1, v1 - y1, dx, dy) / den
            if 0 <= t <= 1 and 0 <= u <= 1:
                ts.append(t)
        ts = sorted(set(ts))
        for t0, t1 in zip(ts[:-1], ts[1:], strict=True):
            tm = (t0 + t1) / 2
            w = inside((x1 + tm * dx, y1 + tm * dy), b)
            if w == 0:
                return None
            if w > 0:
                p0 = (x1 + t0 * dx, y1 + t0 * dy)
                p1 = (x1 + t1 * dx, y1 + t1 * dy)
                s += cross(p0[0], p0[1], p1[0], p1[1])
    return s


def exact_area(ga, gb):
    a, b = ring(ga), ring(gb)

    # orient both counter-clockwise
    def signed(r):
        return sum(cross(p[0], p[1], q[0], q[1]) for p, q in zip(r[:-1], r[1:], strict=True)) / 2

    if signed(a) < 0:
        a = a[::-1]
    if signed(b) < 0:
        b = b[::-1]
    sa, sb = part_inside(a, b), part_inside(b, a)
    if sa is None or sb is None:
        return None
    return (sa + sb) / 2


def disagreeing(res: Path) -> pd.DataFrame:
    """Pairs where engine and engine_geos differ by more than 1e-6 relative (either area above
    1e-6 m²)."""
    a, b = pd.read_parquet(res / "engine.parquet"), pd.read_parquet(res / "engine_geos.parquet")
    m = a.merge(b, on=["set", "left", "right"], how="outer", suffixes=("_k", "_g")).fillna(0.0)
    m["rel"] = (m.area_k - m.area_g).abs() / np.maximum(m.area_k.abs(), m.area_g.abs()).clip(1e-300)
    return m[((m.area_k > 1e-6) | (m.area_g > 1e-6)) & (m.rel > 1e-6)]


def main() -> None:
    data = Path(sys.argv[1])
    k = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    bad = disagreeing(data / "results")
    geoms, _ = read_geoms(data)
    sample = (
        bad
        if len(bad) <= k
        else pd.concat(
            [bad.sort_values("rel").tail(k // 2), bad.sample(k - k // 2, random_state=1)]
        )
    )
    set_kernel("kernel")
    rows = []
    for r in sample.itertuples():
        ga, gb = geoms[NAMES[r.set][0]][int(r.left)], geoms[NAMES[r.set][1]][int(r.right)]
        if shapely.get_num_interior_rings(ga) or shapely.get_num_interior_rings(gb):
            continue
        exact = exact_area(ga, gb)
        if exact is None or exact == 0:
            continue
        e = float(exact)
        kern = float(
            compute_pairs(
                np.array([ga]), np.array([gb]), crs="EPSG:4545", geometry=False, n_threads=1
            )["area_planar_m2"].sum()
        )
        geos = float(shapely.area(shapely.intersection(ga, gb)))
        rows.append(
            (r.set, int(r.left), int(r.right), e, kern, geos, abs(kern - e) / e, abs(geos - e) / e)
        )
    out = pd.DataFrame(
        rows,
        columns=[
            "set",
            "left",
            "right",
            "exact",
            "kernel",
            "geos",
            "rel_err_kernel",
            "rel_err_geos",
        ],
    )
    sys.stdout.write(f"{len(bad):,} disagreeing pairs; {len(out)} checked exactly\n")
    sys.stdout.write(
        f"kernel closer to exact: {int((out.rel_err_kernel < out.rel_err_geos).sum())}, GEOS "
        "closer: "
        f"{int((out.rel_err_geos < out.rel_err_kernel).sum())}\n"
    )
    sys.stdout.write(
        f"relative error, max / median: kernel {out.rel_err_kernel.max():.2e} / "
        f"{out.rel_err_kernel.median():.2e}, "
        f"GEOS {out.rel_err_geos.max():.2e} / {out.rel_err_geos.median():.2e}; areas "
        f"{out.exact.min():.2g}–{out.exact.max():.2g} m²\n"
    )


if __name__ == "__main__":
    main()
