"""Generate the landlink-gis sample projects near Bazhong, Sichuan.

Four projects are written under ``--out`` (default ``data/samples``):

``bazhong_demo``
    A realistic linkage project (~60 demolition plots in five villages, seven
    new-construction plots) with **planted violations**: at least one case for every
    rule family of ``DOMAIN.md`` §4 (CRS excepted). Each planted violation sits on its
    own axis-aligned rectangle, so the expected figures are exact.
``bazhong_clean``
    A smaller project (~20 demolition plots, three construction plots) that passes every
    rule.
``bazhong_acceptance``
    The acceptance check of ``bazhong_clean`` (``stage = "acceptance"``): its plots and reference
    layers by path, and ``竣工测量_2023.gpkg`` (layer ``survey_after``), the completion survey of
    the reclaimed land; ``project.toml``, ``EXPECTED.md`` and ``expected.json``.
``bazhong_construction_only``
    A construction-only plan (``kind = "construction_only"``, three new-construction plots near
    the demo's) that draws surplus quota from the accepted clean project through
    ``[[quota_sources]]`` and a ledger the commands of its EXPECTED.md build; ``建新地块.shp``
    (with ``.cpg``), ``reference.gpkg`` (the demo's county layers filing requires),
    ``project.toml``, ``EXPECTED.md`` and ``expected.json``.

The first two folders hold ``拆旧地块.shp`` (GBK DBF with a ``.cpg``), ``建新地块.shp`` (GBK DBF
*without* ``.cpg``, so a loader has to detect the encoding), ``reference.gpkg`` (compensation,
basic farmland, ecological red line, development boundary, land survey DLTB, county
boundary, illegal land, other projects), ``dem.tif`` (5 m, float32, nodata -9999),
``project.toml``, ``EXPECTED.md`` and ``expected.json``.

Everything is in EPSG:4545 (CGCS2000 3-degree Gauss-Krüger, CM 108°E, no zone prefix).
Expected figures are computed here, independently of the ``landlink_gis`` package: planar
areas from the rectangle coordinates and ellipsoidal areas with ``pyproj.Geod`` on the
CGCS2000 ellipsoid after densifying edges to ≤ 10 m.

The script is seeded and deterministic: running it twice gives byte-identical SHP, DBF and
TIF files (and GeoPackages, because ``OGR_CURRENT_DATE`` is pinned).

Usage::

    python scripts/make_samples.py --out data/samples
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from samples.acceptance import write_acceptance
from samples.clean import build_clean
from samples.construction_only import write_construction_only
from samples.demo import build_demo
from samples.write import generate


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("data/samples"), help="output folder")
    parser.add_argument("--seed", type=int, default=20190506, help="random seed")
    args = parser.parse_args(argv)
    demo = generate(build_demo, np.random.default_rng([args.seed, 1]), args.out / "bazhong_demo")
    clean = generate(build_clean, np.random.default_rng([args.seed, 2]), args.out / "bazhong_clean")
    accepted = write_acceptance(
        clean, clean.landuse, args.out / "bazhong_clean", args.out / "bazhong_acceptance"
    )
    clean_balance = json.loads(
        (args.out / "bazhong_clean" / "expected.json").read_text(encoding="utf-8")
    )["balance"]
    write_construction_only(
        demo,
        args.out / "bazhong_demo",
        accepted,
        clean_balance,
        args.out / "bazhong_construction_only",
    )
    print(
        f"wrote {args.out / 'bazhong_demo'}, {args.out / 'bazhong_clean'}, "
        f"{args.out / 'bazhong_acceptance'} and {args.out / 'bazhong_construction_only'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
