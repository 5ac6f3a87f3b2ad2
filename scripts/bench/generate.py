"""Seeded synthetic county / province data for the benchmark (``python scripts/bench/generate.py
--size county``).

A land-survey layer (三调 DLTB-like ``landuse``) is an exact coverage of a grid of jittered cells
(default 50 m): cell corners and three points on every edge are jittered, and neighbouring cells
share them, so the layer tiles the plane without gaps or overlaps, with 16 vertices per polygon.
Every random number is a counter-based hash of (seed, what, i, j), so a province is written in
row bands without holding it in memory, and the plots placed on it agree with the bands.

Plot layers (10 irregular star-shaped vertices, rotated and stretched):

- ``demolition``: homesteads on rural construction cells (0702), 12-35 m across, mostly inside
  one land-survey polygon (the ``covers`` shortcut), some crossing a cell edge;
- ``construction``: 40-110 m plots crossing several cells (true intersections), resettlement or
  urban;
- ``compensation``: 25-70 m reclaimed plots anywhere.

Data shapes (``--shape``), the same layers and land-survey coverage each time:

- ``containment`` (default): the plots above; many plot–polygon pairs are containments (the land
  survey is enlarged when 80 % of its 0702/0602 cells cannot hold the homesteads: 1M plots need
  7.8M);
- ``partial``: star-shaped plots of 5–12 vertices at random positions (not cell centres), so most
  pairs truly cross;
- ``slivers``: plots that are land-survey cells digitised a second time with ±1 mm noise on every
  vertex (compensation plots: the right-hand neighbour cells, digitised again), so neighbours share
  edges up to millimetres and most pairs are slivers;
- ``holes``: the partial plots with a hole (an inner star at 30–50 % of the size);
- ``holes_noise``: farmland with hamlets in its holes. 60 % of the land-survey cells have a hole
  (an 8-vertex star 12–20 m across), filled by a rural-construction (0702) polygon of its own; the
  demolition plots are those holes digitised again, half of their vertices moved by up to ±1 mm
  and half snapped onto the survey's vertex (shared vertices, nearly shared edges), and the
  compensation plots are the holed cells around them, digitised again the same way; construction
  plots as in ``partial``. The survey is enlarged when 80 % of its holed cells cannot hold the
  plots.

Sizes (demolition / construction / compensation / landuse):
``small`` 2 000 / 400 / 4 000 / 20 000; ``county`` 100 000 / 20 000 / 200 000 / 1 000 000;
``province`` the same plots over 10 000 000 land-survey polygons. ``--landuse N`` overrides the
land-survey count (to measure memory at a size the machine can hold). Output: a folder with
``plots.gpkg`` (demolition, construction, compensation), ``landuse.gpkg`` and ``landuse.parquet``,
and ``project.toml`` for ``landlink check``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio
import pyproj
import shapely

logger = logging.getLogger("bench.generate")

CRS = "EPSG:4545"  # CGCS2000 3-degree Gauss-Krüger, CM 108°E (Bazhong)
X0, Y0 = 470_000.0, 3_480_000.0
CELL = 50.0

SHAPES = ("containment", "partial", "slivers", "holes", "holes_noise")

SIZES = {
    "small": {"demolition": 2_000, "construction": 400, "compensation": 4_000, "landuse": 20_000},
    "county": {
        "demolition": 100_000,
        "construction": 20_000,
        "compensation": 200_000,
        "landuse": 1_000_000,
    },
    "province": {
        "demolition": 100_000,
        "construction": 20_000,
        "compensation": 200_000,
        "landuse": 10_000_000,
    },
}

# land classes of the survey layer: code, share, 城镇村属性码
CLASSES = [
    ("0101", 0.14, ""),
    ("0102", 0.05, ""),
    ("0103", 0.24, ""),
    ("0201", 0.05, ""),
    ("0301", 0.18, ""),
    ("0404", 0.03, ""),
    ("0702", 0.14, "203"),
    ("0602", 0.02, "203"),
    ("0701", 0.03, "201"),
    ("1006", 0.05, ""),
    ("1101", 0.02, ""),
    ("1104", 0.03, ""),
    ("1202", 0.02, ""),
]
_CODES = np.array([c[0] for c in CLASSES], dtype=object)
_CZ = np.array([c[2] for c in CLASSES], dtype=object)
_CUM = np.cumsum([c[1] for c in CLASSES])
_CUM = _CUM / _CUM[-1]
_CULTIVATED = np.isin(_CODES, ["0101", "0102", "0103"])
RURAL_SHARE = 0.16  # share of 0702 + 0602 cells in the survey
RURAL_USE = 0.8  # at most this share of them carries a containment homestead
HOLE_SHARE = 0.6  # holes_noise: share of land-survey cells with a hamlet in a hole
HOLE_VERTICES = 8


# ---------------------------------------------------------------- counter-based random numbers
def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser (vectorised, wrapping uint64 arithmetic)."""
    x = x.astype(np.uint64, copy=True)
    x ^= x >> np.uint64(30)
    x *= np.uint64(0xBF58476D1CE4E5B9)
    x ^= x >> np.uint64(27)
    x *= np.uint64(0x94D049BB133111EB)
    x ^= x >> np.uint64(31)
    return x


def uniform(seed: int, stream: int, i, j=0, k=0) -> np.ndarray:
    """A uniform number in [0, 1) for each (i, j, k), the same every time for the same inputs."""
    i, j, k = (np.asarray(v, dtype=np.uint64) for v in (i, j, k))
    with np.errstate(over="ignore"):
        key = _mix(np.uint64(seed) * np.uint64(0x9E3779B97F4A7C15) + np.uint64(stream))
        h = _mix(key ^ _mix(i * np.uint64(0x632BE59BD9B4E019) + j * np.uint64(0x85157AF5) + k))
    return (h >> np.uint64(11)).astype(np.float64) / float(1 << 53)


# ---------------------------------------------------------------- the land-survey coverage
def _corner(seed, i, j):
    """Jittered corner (i, j) of the cell grid."""
    x = X0 + i * CELL + (uniform(seed, 1, i, j) - 0.5) * 0.36 * CELL
    y = Y0 + j * CELL + (uniform(seed, 2, i, j) - 0.5) * 0.36 * CELL
    return x, y


def _edge_points(seed, stream, a, b, i, j):
    """Three jittered points on the edge a→b (shared by both cells, keyed by the edge)."""
    ax, ay = a
    bx, by = b
    dx, dy = bx - ax, by - ay
    length = np.hypot(dx, dy)
    nx, ny = -dy / length, dx / length
    out = []
    for k, t in enumerate((0.25, 0.5, 0.75)):
        off = (uniform(seed, stream, i, j, k) - 0.5) * 0.12 * CELL
        out.append((ax + t * dx + off * nx, ay + t * dy + off * ny))
    return out


def cell_polygons(seed: int, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Polygons of cells (i, j): 16 vertices, exactly sharing edges with their neighbours."""
    c00, c10, c11, c01 = (
        _corner(seed, i, j),
        _corner(seed, i + 1, j),
        _corner(seed, i + 1, j + 1),
        _corner(seed, i, j + 1),
    )
    bottom = _edge_points(seed, 3, c00, c10, i, j)  # horizontal edge (i, j)
    right = _edge_points(seed, 4, c10, c11, i + 1, j)  # vertical edge (i+1, j)
    top = _edge_points(seed, 3, c01, c11, i, j + 1)[::-1]  # horizontal edge (i, j+1), reversed
    left = _edge_points(seed, 4, c00, c01, i, j)[::-1]  # vertical edge (i, j), reversed
    ring = [c00, *bottom, c10, *right, c11, *top, c01, *left, c00]
    coords = np.stack([np.stack([p[0], p[1]], axis=-1) for p in ring], axis=1)
    return shapely.polygons(coords)


def cell_class(seed: int, i, j) -> np.ndarray:
    """Index into CLASSES of the land class of cell (i, j)."""
    return np.searchsorted(_CUM, uniform(seed, 5, i, j), side="right").clip(0, len(CLASSES) - 1)


def holed(seed: int, i, j) -> np.ndarray:
    """Whether cell (i, j) has a hamlet in a hole (``holes_noise``)."""
    return uniform(seed, 8, i, j) < HOLE_SHARE


def hole_rings(seed: int, i, j) -> np.ndarray:
    """The hole of cell (i, j) (``holes_noise``): a counter-clockwise 8-vertex star, 12–20 m
    across, around the cell centre (inside the cell whatever its jitter)."""
    cx, cy = _centre(seed, i, j)
    k = np.arange(HOLE_VERTICES)
    ang = k[None, :] + (uniform(seed, 9, i[:, None], j[:, None], k[None, :]) - 0.5) * 0.6
    ang = ang / HOLE_VERTICES * 2 * math.pi
    size = 12.0 + 8.0 * uniform(seed, 10, i, j)
    rad = (0.75 + 0.25 * uniform(seed, 11, i[:, None], j[:, None], k[None, :])) * size[:, None] / 2
    x, y = cx[:, None] + rad * np.cos(ang), cy[:, None] + rad * np.sin(ang)
    coords = np.stack(
        [np.concatenate([x, x[:, :1]], axis=1), np.concatenate([y, y[:, :1]], axis=1)], axis=-1
    )
    return shapely.linearrings(coords)


def landuse_frame(seed: int, nx: int, j0: int, j1: int, shape: str = "") -> gpd.GeoDataFrame:
    """The land-survey polygons of cell rows j0..j1-1 (``holes_noise``: holed cells and, after
    them, their hamlets)."""
    jj, ii = np.meshgrid(
        np.arange(j0, j1, dtype=np.int64), np.arange(nx, dtype=np.int64), indexing="ij"
    )
    i, j = ii.ravel(), jj.ravel()
    geoms = cell_polygons(seed, i, j)
    cls = cell_class(seed, i, j)
    bsm = (j * nx + i + 1).astype(np.int64)
    if shape == "holes_noise":
        h = np.flatnonzero(holed(seed, i, j))
        rings = hole_rings(seed, i[h], j[h])
        geoms[h] = shapely.polygons(
            shapely.get_exterior_ring(geoms[h]), holes=shapely.reverse(rings)[:, None]
        )
        cls[h] = np.where(_CULTIVATED[cls[h]], cls[h], 0)  # farmland around the hamlets
        geoms = np.concatenate([geoms, shapely.polygons(rings)])
        cls = np.concatenate([cls, np.full(len(h), int(np.flatnonzero(_CODES == "0702")[0]))])
        bsm = np.concatenate([bsm, bsm[h] + 10 * nx * nx])
        i, j = np.concatenate([i, i[h]]), np.concatenate([j, j[h]])
    grade = np.where(_CULTIVATED[cls], 1 + np.floor(uniform(seed, 6, i, j) * 12), 0).astype(
        np.int32
    )
    return gpd.GeoDataFrame(
        {
            "BSM": bsm,
            "DLBM": _CODES[cls],
            "CZCSXM": _CZ[cls],
            "TBMJ": np.round(shapely.area(geoms), 2),
            "GDDB": grade,
        },
        geometry=gpd.GeoSeries(geoms, crs=CRS),
    )


# ---------------------------------------------------------------- plots
def star_polygons(seed: int, stream: int, cx, cy, size_lo: float, size_hi: float) -> np.ndarray:
    """Irregular star-shaped 10-gons (always simple) centred on (cx, cy)."""
    n = len(cx)
    idx = np.arange(n, dtype=np.int64)
    k = 10
    base = np.arange(k) / k * 2 * math.pi
    jitter = (
        (uniform(seed, stream, idx[:, None], np.arange(k)[None, :]) - 0.5) * (2 * math.pi / k) * 0.6
    )
    ang = base[None, :] + jitter
    rad = 0.85 + 0.3 * uniform(seed, stream + 1, idx[:, None], np.arange(k)[None, :])
    size = size_lo + (size_hi - size_lo) * uniform(seed, stream + 2, idx)
    stretch = 0.6 + 0.4 * uniform(seed, stream + 3, idx)
    theta = uniform(seed, stream + 4, idx) * math.pi
    px = np.cos(ang) * rad * size[:, None] / 2
    py = np.sin(ang) * rad * size[:, None] / 2 * stretch[:, None]
    ct, st = np.cos(theta)[:, None], np.sin(theta)[:, None]
    x = cx[:, None] + px * ct - py * st
    y = cy[:, None] + px * st + py * ct
    coords = np.stack(
        [np.concatenate([x, x[:, :1]], axis=1), np.concatenate([y, y[:, :1]], axis=1)], axis=-1
    )
    return shapely.polygons(coords)


def star_polygons_var(
    seed: int, stream: int, cx, cy, size_lo: float, size_hi: float, *, hole: bool = False
) -> np.ndarray:
    """Star-shaped polygons of 5–12 vertices centred on (cx, cy) (with an inner star hole when
    ``hole``)."""
    n = len(cx)
    idx = np.arange(n, dtype=np.int64)
    k = 5 + np.floor(uniform(seed, stream, idx, 99) * 8).astype(np.int64)
    owner = np.repeat(idx, k + 1)
    pos = np.arange(len(owner)) - np.repeat(np.cumsum(k + 1) - (k + 1), k + 1)
    kk = k[owner]
    j = np.where(pos == kk, 0, pos)  # closing vertex = first
    ang = (j + (uniform(seed, stream + 1, owner, j) - 0.5) * 0.6) / kk * 2 * math.pi
    rad = 0.75 + 0.25 * uniform(seed, stream + 2, owner, j)
    size = (size_lo + (size_hi - size_lo) * uniform(seed, stream + 3, idx))[owner]
    theta = (uniform(seed, stream + 4, idx) * math.pi)[owner]
    px, py = np.cos(ang) * rad * size / 2, np.sin(ang) * rad * size / 2 * 0.8
    x = cx[owner] + px * np.cos(theta) - py * np.sin(theta)
    y = cy[owner] + px * np.sin(theta) + py * np.cos(theta)
    shells = shapely.linearrings(np.stack([x, y], axis=1), indices=owner)
    if not hole:
        return shapely.polygons(shells)
    f = (0.3 + 0.2 * uniform(seed, stream + 5, idx))[owner]
    hx, hy = cx[owner] + (x - cx[owner]) * f * 0.7, cy[owner] + (y - cy[owner]) * f * 0.7
    holes = shapely.reverse(shapely.linearrings(np.stack([hx, hy], axis=1), indices=owner))
    return shapely.polygons(shells, holes=holes[:, None])


def _redigitised(seed: int, stream: int, i, j) -> np.ndarray:
    """Land-survey cells (i, j) digitised again: every vertex moved by up to ±1 mm (the ring kept
    closed)."""
    return _noisy(seed, stream, cell_polygons(seed, i, j))


def _noisy(seed: int, stream: int, geoms: np.ndarray, snapped: float = 0.0) -> np.ndarray:
    """``geoms`` (rings, or polygons with or without holes) digitised again: each vertex moved by
    up to ±1 mm, or kept where it is with probability ``snapped`` (rings kept closed)."""
    rings, ring_owner = (
        shapely.get_rings(geoms, return_index=True)
        if shapely.get_type_id(geoms[0]) == 3
        else (geoms, np.arange(len(geoms)))
    )
    xy, owner = shapely.get_coordinates(rings, return_index=True)
    pos = np.arange(len(owner)) - np.searchsorted(owner, owner)
    last = np.r_[owner[1:] != owner[:-1], True]
    key = np.where(last, 0, pos)
    dx = (uniform(seed, stream, owner, key) - 0.5) * 0.002
    dy = (uniform(seed, stream + 1, owner, key) - 0.5) * 0.002
    keep = uniform(seed, stream + 2, owner, key) < snapped
    xy = xy + np.where(keep[:, None], 0.0, np.stack([dx, dy], axis=1))
    moved = shapely.linearrings(xy, indices=owner)
    if shapely.get_type_id(geoms[0]) == 2:
        return moved
    first = np.r_[True, ring_owner[1:] != ring_owner[:-1]]
    shells = moved[first]
    out = shapely.polygons(shells)
    with_holes = np.unique(ring_owner[~first])
    if len(with_holes):
        slot = np.flatnonzero(first)[np.searchsorted(ring_owner[first], with_holes)]
        out[with_holes] = shapely.polygons(
            shells[np.searchsorted(ring_owner[first], with_holes)], holes=moved[slot + 1][:, None]
        )
    return out


def _shaped(
    seed: int, shape: str, layer: str, n: int, nx: int, ny: int, size: tuple[float, float]
) -> np.ndarray:
    """Geometries of one plot layer for the data shapes other than ``containment``."""
    stream = {"demolition": 400, "construction": 500, "compensation": 600}[layer]
    idx = np.arange(n, dtype=np.int64)
    if shape == "holes_noise" and layer != "construction":
        # the same holed cells for both layers: each demolition plot lies in its compensation
        # plot's hole
        i, j = _cells(seed, 700, n, nx, ny, keep=lambda i, j: holed(seed, i, j))
        if layer == "demolition":
            return shapely.polygons(_noisy(seed, stream + 10, hole_rings(seed, i, j), 0.5))
        cells = shapely.polygons(
            shapely.get_exterior_ring(cell_polygons(seed, i, j)),
            holes=shapely.reverse(hole_rings(seed, i, j))[:, None],
        )
        return _noisy(seed, stream + 10, cells, 0.5)
    if shape == "slivers":
        i, j = _cells(seed, stream, n, nx - 1, ny)
        if layer == "compensation":
            i = (
                i + 1
            )  # the right-hand neighbour of a random cell: shares one edge with it, twice digitised
        return _redigitised(seed, stream + 10, i, j)
    cx = X0 + uniform(seed, stream + 20, idx) * nx * CELL
    cy = Y0 + uniform(seed, stream + 21, idx) * ny * CELL
    return star_polygons_var(seed, stream + 30, cx, cy, *size, hole=shape == "holes")


def _cells(
    seed: int, stream: int, n: int, nx: int, ny: int, want=None, keep=None
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` distinct random cells (optionally of the classes ``want``, or where ``keep(i, j)``)."""
    got_i, got_j, start = [], [], 0
    seen: set[int] = set()
    while sum(len(x) for x in got_i) < n:
        if start > 40 * max(n, 1000):
            raise ValueError(
                f"cannot place {n} plots on distinct cells of a {nx}×{ny} grid; use more "
                "land-survey polygons"
            )
        m = max(4 * n, 1000)
        idx = np.arange(start, start + m, dtype=np.int64)
        start += m
        i = np.floor(uniform(seed, stream, idx) * nx).astype(np.int64)
        j = np.floor(uniform(seed, stream + 1, idx) * ny).astype(np.int64)
        ok = np.ones(m, bool) if want is None else np.isin(_CODES[cell_class(seed, i, j)], want)
        if keep is not None:
            ok &= keep(i, j)
        flat = j[ok] * nx + i[ok]
        flat, first = np.unique(flat, return_index=True)
        fresh = np.array([f not in seen for f in flat.tolist()], dtype=bool)
        seen.update(flat[fresh].tolist())
        got_i.append(i[ok][first][fresh])
        got_j.append(j[ok][first][fresh])
    return np.concatenate(got_i)[:n], np.concatenate(got_j)[:n]


def _centre(seed, i, j):
    corners = [_corner(seed, i + a, j + b) for a, b in ((0, 0), (1, 0), (1, 1), (0, 1))]
    return sum(c[0] for c in corners) / 4, sum(c[1] for c in corners) / 4


def plot_layers(
    seed: int, counts: dict[str, int], nx: int, ny: int, shape: str = "containment"
) -> dict[str, gpd.GeoDataFrame]:
    """The demolition, construction and compensation layers."""
    out = {}
    if shape == "containment":
        # homesteads on distinct rural construction cells (0702/0602, 16 % of the grid; generate()
        # makes
        # the grid big enough)
        i, j = _cells(seed, 100, counts["demolition"], nx, ny, want=["0702", "0602"])
        cx, cy = _centre(seed, i, j)
        # a tenth of the homesteads are shifted towards a cell edge, so they cross into a neighbour
        shift = np.where(uniform(seed, 110, i, j) < 0.1, 0.35 * CELL, 0.0)
        g = star_polygons(seed, 120, cx + shift, cy, 12.0, 35.0)
        demolition_class = _CODES[cell_class(seed, i, j)]
    else:
        # the plots are placed by the shape; only the declared land class is drawn, 0702 : 0602 as
        # in
        # the survey (no distinct 0702/0602 cells are needed, so any plot count up to the grid
        # works)
        g = _shaped(seed, shape, "demolition", counts["demolition"], nx, ny, (20.0, 45.0))
        demolition_class = np.where(
            uniform(seed, 100, np.arange(len(g))) < 0.14 / 0.16, "0702", "0602"
        ).astype(object)
    n = len(g)
    area = shapely.area(g)
    out["demolition"] = gpd.GeoDataFrame(
        {
            "DKBH": np.char.add("CJ", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(
                object
            ),
            "DLBM": demolition_class,
            "MJ": np.round(area * (1 + 0.002 * (uniform(seed, 130, np.arange(n)) - 0.5)), 2),
            "FKDL": np.where(uniform(seed, 131, np.arange(n)) < 0.8, "0103", "0101").astype(object),
            "ZLDB": (4 + np.floor(uniform(seed, 132, np.arange(n)) * 8)).astype(np.int32),
        },
        geometry=gpd.GeoSeries(g, crs=CRS),
    )
    i, j = _cells(seed, 200, counts["construction"], nx, ny)
    cx, cy = _centre(seed, i, j)
    g = (
        star_polygons(seed, 220, cx, cy, 40.0, 110.0)
        if shape == "containment"
        else _shaped(seed, shape, "construction", counts["construction"], nx, ny, (40.0, 110.0))
    )
    n = len(g)
    cls = cell_class(seed, i, j)
    out["construction"] = gpd.GeoDataFrame(
        {
            "DKBH": np.char.add("JX", np.char.zfill(np.arange(1, n + 1).astype(str), 6)).astype(
                object
            ),
            "JXLX": np.where(uniform(seed, 230, np.arange(n)) < 0.6, "安置", "城镇").astype(object),
            "DLBM": _CODES[cls],
            "MJ": np.round(shapely.area(g), 2),
            "ZLDB": (4 + np.floor(uniform(seed, 232, np.arange(n)) * 8)).astype(np.int32),
        },
        geometry=gpd.GeoSeries(g, crs=CRS),
    )
    i, j = _cells(seed, 300, counts["compensation"], nx, ny)
    cx, cy = _centre(seed, i, j)
    g = (
        star_polygons(seed, 320, cx + 0.2 * CELL, cy - 0.1 * CELL, 25.0, 70.0)
        if shape == "containment"
        else _shaped(seed, shape, "compensation", counts["compensation"], nx, ny, (25.0, 70.0))
    )
    n = len(g)
    out["compensation"] = gpd.GeoDataFrame(
        {
            "XMBH": np.char.add("BC", np.char.zfill(np.arange(1, n + 1).astype(str), 7)).astype(
                object
            ),
            "MJ": np.round(shapely.area(g), 2),
        },
        geometry=gpd.GeoSeries(g, crs=CRS),
    )
    return out


PROJECT_TOML = """# Generated by scripts/bench/generate.py (seed {seed}, size {size}) - synthetic benchmark data.
[project]
name = "bench-{size}"
code = "BENCH-{size}"
county = "synthetic"
profile = "national"
crs = "{crs}"
quality_scale = "dengbie"

[layers.demolition]
path = "plots.gpkg"
layer = "demolition"
id = "DKBH"
fields = {{ land_class = "DLBM", area = "MJ", reclaim_class = "FKDL", quality = "ZLDB" }}

[layers.construction]
path = "plots.gpkg"
layer = "construction"
id = "DKBH"
fields = {{ kind = "JXLX", land_class = "DLBM", area = "MJ", quality = "ZLDB" }}

[layers.compensation]
path = "plots.gpkg"
layer = "compensation"

[layers.landuse]
path = "{landuse}"
id = "BSM"
fields = {{ land_class = "DLBM", area = "TBMJ", quality = "GDDB", czcsxm = "CZCSXM" }}
"""


def generate(
    out: Path,
    size: str,
    *,
    seed: int = 20240601,
    landuse: int | None = None,
    band_rows: int = 200,
    shape: str = "containment",
    plots: int | None = None,
) -> dict:
    """Write the benchmark data set of ``size`` and ``shape`` to ``out``; returns its description.

    ``plots`` overrides the demolition count (construction = plots / 5, compensation = plots).
    """
    if shape not in SHAPES:
        raise ValueError(f"unknown data shape {shape!r}; one of {SHAPES}")
    counts = dict(SIZES[size])
    if landuse:
        counts["landuse"] = int(landuse)
    if plots:
        counts.update(
            demolition=int(plots), construction=max(1, int(plots) // 5), compensation=int(plots)
        )
    if (
        shape == "containment"
        and counts["demolition"] > RURAL_USE * RURAL_SHARE * counts["landuse"]
    ):
        # distinct 0702/0602 cells for every homestead: at most 80 % of them used (the pick slows
        # beyond)
        need = int(math.ceil(counts["demolition"] / (RURAL_USE * RURAL_SHARE)))
        logger.info(
            "containment: %d homesteads need %d land-survey polygons (not %d)",
            counts["demolition"],
            need,
            counts["landuse"],
        )
        counts["landuse"] = need
    if shape == "holes_noise" and counts["demolition"] > RURAL_USE * HOLE_SHARE * counts["landuse"]:
        need = int(math.ceil(counts["demolition"] / (RURAL_USE * HOLE_SHARE)))
        logger.info(
            "holes_noise: %d plots in holes need %d land-survey cells (not %d)",
            counts["demolition"],
            need,
            counts["landuse"],
        )
        counts["landuse"] = need
    n_land = counts["landuse"]
    nx = int(math.ceil(math.sqrt(n_land)))
    ny = int(math.ceil(n_land / nx))
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    land_path, parquet_path = out / "landuse.gpkg", out / "landuse.parquet"
    for p in (land_path, parquet_path, out / "plots.gpkg"):
        p.unlink(missing_ok=True)
    writer = None
    written = 0
    for j0 in range(0, ny, band_rows):
        j1 = min(ny, j0 + band_rows)
        frame = landuse_frame(seed, nx, j0, j1, shape)
        pyogrio.write_dataframe(
            frame, land_path, layer="landuse", append=j0 > 0, SPATIAL_INDEX="YES"
        )
        table = pa.table(
            {
                **{c: frame[c].to_numpy() for c in frame.columns if c != "geometry"},
                "geometry": shapely.to_wkb(frame.geometry.array, flavor="iso"),
            }
        )
        if writer is None:
            meta = {
                "version": "1.0.0",
                "primary_column": "geometry",
                "columns": {
                    "geometry": {
                        "encoding": "WKB",
                        "geometry_types": ["Polygon"],
                        "crs": json.loads(pyproj.CRS(CRS).to_json()),
                    }
                },
            }
            schema = table.schema.with_metadata({b"geo": json.dumps(meta).encode()})
            writer = pq.ParquetWriter(parquet_path, schema, compression="zstd")
        writer.write_table(table.cast(writer.schema), row_group_size=100_000)
        written += len(frame)
        logger.info(
            "landuse rows %d-%d: %d polygons (%.0f s)",
            j0,
            j1,
            written,
            time.perf_counter() - started,
        )
    if writer is not None:
        writer.close()
    layers = plot_layers(seed, counts, nx, ny, shape)
    for name, frame in layers.items():
        pyogrio.write_dataframe(frame, out / "plots.gpkg", layer=name, SPATIAL_INDEX="YES")
    (out / "project.toml").write_text(
        PROJECT_TOML.format(seed=seed, size=size, crs=CRS, landuse="landuse.gpkg"), encoding="utf-8"
    )
    info = {
        "size": size,
        "shape": shape,
        "seed": seed,
        "counts": {**{k: len(v) for k, v in layers.items()}, "landuse": written},
        "grid": [nx, ny],
        "cell_m": CELL,
        "seconds": round(time.perf_counter() - started, 1),
    }
    (out / "dataset.json").write_text(json.dumps(info, indent=2), encoding="utf-8")
    return info


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument(
        "--out", type=Path, default=None, help="output folder (default: out/bench/SIZE)"
    )
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument(
        "--landuse",
        type=int,
        default=None,
        help="number of land-survey polygons (overrides the size's)",
    )
    ap.add_argument(
        "--shape",
        choices=SHAPES,
        default="containment",
        help="data shape (see the module docstring)",
    )
    ap.add_argument(
        "--plots",
        type=int,
        default=None,
        help="demolition plots (overrides the size's; construction = /5)",
    )
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    out = args.out or Path("out/bench") / args.size
    info = generate(
        out, args.size, seed=args.seed, landuse=args.landuse, shape=args.shape, plots=args.plots
    )
    print(json.dumps(info))


if __name__ == "__main__":
    main()
