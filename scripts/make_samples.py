"""Generate the landlink-gis sample projects near Bazhong, Sichuan.

Three projects are written under ``--out`` (default ``data/samples``):

``bazhong_demo``
    A realistic linkage project (~60 demolition plots in five villages, seven
    new-construction plots) with **planted violations**: at least one case for every
    rule family of ``DOMAIN.md`` §4 (CRS excepted). Each planted violation sits on its
    own axis-aligned rectangle, so the expected figures are exact.
``bazhong_clean``
    A smaller project (~20 demolition plots, three construction plots) that passes every
    rule.
``bazhong_construction_only``
    A construction-only plan (``kind = "construction_only"``, three new-construction plots near
    the demo's) that draws surplus quota from the demo through ``[[quota_sources]]`` and a
    ledger the commands of its EXPECTED.md build; only ``建新地块.shp`` (with ``.cpg``),
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
import datetime as dt
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio
import rasterio.features
import shapely
import shapely.affinity
from pyproj import Geod, Transformer
from rasterio.transform import from_origin
from shapely.geometry import MultiPolygon, Polygon, box

CRS = "EPSG:4545"
GEOGRAPHIC_CRS = "EPSG:4490"
GEOD = Geod(a=6378137.0, rf=298.257222101)  # CGCS2000
TO_LONLAT = Transformer.from_crs("EPSG:4545", "EPSG:4490", always_xy=True)
PIXEL = 5.0
NODATA = -9999.0
FIXED_DATE = "2024-01-01"  # DBF "last update" header and GeoPackage timestamps
SQM_PER_MU = 10000.0 / 15.0
#: 田坎 coefficient (扣除系数 KCXS) of the land survey's cultivated polygons, one per class (as a
#: county table per class would give on gentle ground); written as KCXS on the DLTB layer.
KCXS = {"0101": 0.05, "0102": 0.06, "0103": 0.10}
#: Rural construction land (ATTR005, DOMAIN.md §4): land classes, and CZCSXM values (blank counts).
RURAL_CLASSES = ("05", "06", "07", "08", "09", "1004", "1005", "1201")
RURAL_CZCSXM = (None, "", "203", "203A", "204", "204A")

DLMC = {
    "0101": "水田",
    "0102": "水浇地",
    "0103": "旱地",
    "0201": "果园",
    "0301": "乔木林地",
    "0305": "灌木林地",
    "0307": "其他林地",
    "0404": "其他草地",
    "0601": "工业用地",
    "0701": "城镇住宅用地",
    "0702": "农村宅基地",
    "1201": "空闲地",
    "0799": "",
}
#: land-survey background classes and their probabilities (hilly Bazhong: dry land dominates)
BACKGROUND = (["0103", "0101", "0301", "0201", "0307", "0404"], [0.45, 0.2, 0.18, 0.05, 0.07, 0.05])
TOWNSHIP = "曾口镇"
#: rules that a checker may reasonably report as well on a planted plot (not asserted either way)
MAY_ALSO = {
    "GEOM001": [
        "GEOM006 (the repaired bow-tie is two triangles)",
        "ATTR003 (area of an invalid ring)",
    ],
    "ATTR001": ["ATTR004/ATTR005 on the empty class, if not skipped"],
    "ATTR004": ["ATTR005 (0799 is unknown, so not a rural construction class)"],
    "OVL001": ["OVL005 (same overlap seen from the compensation side)"],
    "OVL003": ["LED001 (plot already in the ledger of project 511902-2017-003)"],
    "GEOM004": ["the other plot of the pair carries the same finding"],
    "OVL002": ["the construction plot JX003 is the other party"],
}


# ---------------------------------------------------------------------------------------------
# geometry and area helpers
# ---------------------------------------------------------------------------------------------
def ellipsoidal_area(geom) -> float:
    """Ellipsoidal (CGCS2000) area of a polygon in EPSG:4545, via ``pyproj.Geod``.

    Edges are densified to at most 10 m, the rings transformed to EPSG:4490 lon/lat and
    integrated with ``Geod.polygon_area_perimeter``; holes are subtracted.

    Parameters
    ----------
    geom
        A shapely Polygon or MultiPolygon in EPSG:4545 (invalid input is repaired first).

    Returns
    -------
    float
        Area in m²; 0 for a null or empty geometry.
    """
    if geom is None or geom.is_empty:
        return 0.0
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    geom = shapely.segmentize(geom, 10.0)
    total = 0.0
    for poly in shapely.get_parts(geom):
        if poly.geom_type != "Polygon":
            continue
        for k, ring in enumerate([poly.exterior, *poly.interiors]):
            x, y = np.asarray(ring.coords).T
            lon, lat = TO_LONLAT.transform(x, y)
            a = abs(GEOD.polygon_area_perimeter(lon, lat)[0])
            total += a if k == 0 else -a
    return total


def rect(origin: tuple[float, float], x0: float, y0: float, x1: float, y1: float) -> Polygon:
    """Axis-aligned rectangle from local coordinates (metres from the sample origin)."""
    ox, oy = origin
    return box(ox + x0, oy + y0, ox + x1, oy + y1)


def homestead_shape(rng: np.random.Generator, cx: float, cy: float) -> Polygon:
    """An irregular-ish homestead outline (rotated rectangle, sometimes an L) around a centre.

    Parameters
    ----------
    rng
        The sample's random generator.
    cx, cy
        Centre in EPSG:4545 metres.

    Returns
    -------
    Polygon
        Valid polygon of roughly 150–1500 m², coordinates rounded to 1 mm.
    """
    area = float(np.clip(rng.lognormal(math.log(520.0), 0.5), 160.0, 1450.0))
    aspect = rng.uniform(1.0, 2.0)
    w, h = math.sqrt(area * aspect), math.sqrt(area / aspect)
    pts = np.array([[-w / 2, -h / 2], [w / 2, -h / 2], [w / 2, h / 2], [-w / 2, h / 2]])
    if rng.random() < 0.35:  # L-shape: notch one corner
        cw, ch = w * rng.uniform(0.25, 0.4), h * rng.uniform(0.25, 0.4)
        pts = np.array(
            [
                [-w / 2, -h / 2],
                [w / 2, -h / 2],
                [w / 2, h / 2 - ch],
                [w / 2 - cw, h / 2 - ch],
                [w / 2 - cw, h / 2],
                [-w / 2, h / 2],
            ]
        )
    pts = pts + rng.uniform(-0.6, 0.6, size=pts.shape)
    t = rng.uniform(0.0, math.pi / 2)
    rot = np.array([[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]])
    pts = pts @ rot.T + [cx, cy]
    return Polygon(np.round(pts, 3))


def place_homesteads(rng, zone: Polygon, n: int, forbidden) -> list[Polygon]:
    """Place ``n`` non-overlapping homesteads inside ``zone``, at least 4 m from ``forbidden``.

    Rejection sampling; deterministic for a given generator state.
    """
    inner = zone.buffer(-6.0, join_style="mitre")
    xmin, ymin, xmax, ymax = inner.bounds
    placed: list[Polygon] = []
    blocked = forbidden.buffer(4.0) if forbidden is not None else Polygon()
    for _ in range(4000):
        if len(placed) == n:
            break
        g = homestead_shape(rng, rng.uniform(xmin, xmax), rng.uniform(ymin, ymax))
        if inner.contains(g) and not g.intersects(blocked):
            placed.append(g)
            blocked = blocked.union(g.buffer(4.0))
    if len(placed) < n:
        raise RuntimeError(f"could only place {len(placed)} of {n} homesteads")
    return placed


def jittered_grid(rng, bounds, cell: float, jitter: float) -> list[Polygon]:
    """A gap-free quadrilateral tessellation of ``bounds`` (interior lattice nodes jittered)."""
    xmin, ymin, xmax, ymax = bounds
    nx, ny = int(round((xmax - xmin) / cell)), int(round((ymax - ymin) / cell))
    gx = np.linspace(xmin, xmax, nx + 1)[:, None] + np.zeros((1, ny + 1))
    gy = np.zeros((nx + 1, 1)) + np.linspace(ymin, ymax, ny + 1)[None, :]
    jx = rng.uniform(-jitter, jitter, gx.shape)
    jy = rng.uniform(-jitter, jitter, gy.shape)
    jx[[0, -1], :] = 0.0
    jy[:, [0, -1]] = 0.0
    gx, gy = np.round(gx + jx, 3), np.round(gy + jy, 3)
    cells = []
    for i in range(nx):
        for j in range(ny):
            cells.append(
                Polygon(
                    [
                        (gx[i, j], gy[i, j]),
                        (gx[i + 1, j], gy[i + 1, j]),
                        (gx[i + 1, j + 1], gy[i + 1, j + 1]),
                        (gx[i, j + 1], gy[i, j + 1]),
                    ]
                )
            )
    return cells


# ---------------------------------------------------------------------------------------------
# the sample model
# ---------------------------------------------------------------------------------------------
@dataclass
class Sample:
    """Everything one sample folder holds, before it is written."""

    name: str
    origin: tuple[float, float]
    size: float
    facts: dict
    demolition: list[dict] = field(default_factory=list)
    construction: list[dict] = field(default_factory=list)
    layers: dict[str, list[dict]] = field(default_factory=dict)
    zones: list[tuple[Polygon, str, str | None, int | None]] = field(default_factory=list)
    mesas: list[tuple[float, float]] = field(default_factory=list)
    cut_corner: bool = False
    expected: list[dict] = field(default_factory=list)
    #: reference layers stored in geographic CGCS2000 (EPSG:4490) to plant CRS004 (reprojected)
    geographic_layers: tuple[str, ...] = ()

    @property
    def extent(self) -> tuple[float, float, float, float]:
        ox, oy = self.origin
        return ox, oy, ox + self.size, oy + self.size

    def r(self, x0, y0, x1, y1) -> Polygon:
        """Rectangle in local metres (see :func:`rect`)."""
        return rect(self.origin, x0, y0, x1, y1)


def demolition_row(geom, village: str, dlbm: str = "0702", **attrs) -> dict:
    """A demolition record; ``MJ``, ``DKBH``, ``GDPDJB`` are filled in later."""
    row = {
        "DKBH": None,
        "DKMC": None,
        "DLBM": dlbm,
        "DLMC": DLMC.get(dlbm, ""),
        "QSDWMC": f"{village}股份经济合作联合社",
        "ZLDWMC": f"巴州区{TOWNSHIP}{village}",
        "MJ": None,
        "FKDL": "0103",
        "ZLDB": None,
        "GDPDJB": None,
        "geometry": geom,
        "_village": village,
        "_planted": [],
    }
    row.update(attrs)
    return row


def landuse_tessellation(rng, sample: Sample) -> list[dict]:
    """三调 DLTB polygons covering the sample extent without gaps or overlaps.

    A jittered 250 m grid with random background classes, with the sample's zones
    (villages, construction sites, planted hamlets) cut in. Zones must be disjoint.
    """
    zones = sample.zones
    for i, (zi, *_) in enumerate(zones):
        for zj, *_ in zones[i + 1 :]:
            assert zi.intersection(zj).area < 1e-6, "land-use zones overlap"
    cut = shapely.union_all([z[0] for z in zones])
    names, probs = BACKGROUND
    records = []
    for cell in jittered_grid(rng, sample.extent, 250.0, 40.0):
        code = str(rng.choice(names, p=probs))
        grade = int(rng.integers(9, 14)) if code.startswith("01") else None
        for part in shapely.get_parts(cell.difference(cut)):
            if part.geom_type == "Polygon" and part.area > 0.01:
                records.append(
                    {
                        "DLBM": code,
                        "CZCSXM": None,
                        "GDDB": grade,
                        "geometry": part,
                        "_background": True,
                    }
                )
    for geom, code, czcs, grade in zones:
        records.append(
            {"DLBM": code, "CZCSXM": czcs, "GDDB": grade, "geometry": geom, "_background": False}
        )
    # node all edges so that neighbours share identical vertices (a valid polygonal coverage)
    faces = shapely.get_parts(
        shapely.polygonize([shapely.union_all([shapely.boundary(r["geometry"]) for r in records])])
    )
    owner = shapely.STRtree([r["geometry"] for r in records]).query(
        shapely.point_on_surface(faces), predicate="within"
    )
    assert np.array_equal(np.sort(owner[0]), np.arange(len(faces))), "faces not owned exactly once"
    for k, rec in enumerate(records):
        rec["geometry"] = shapely.coverage_union_all(faces[owner[0][owner[1] == k]])
    for k, rec in enumerate(records, start=1):
        rec["BSM"] = f"51190221{k:010d}"
        rec["TBBH"] = str(k)
        rec["DLMC"] = DLMC[rec["DLBM"]]
        rec["TBMJ"] = round(ellipsoidal_area(rec["geometry"]), 2)
        rec["KCXS"] = KCXS.get(rec["DLBM"])
    return records


def make_dem(rng, sample: Sample) -> tuple[np.ndarray, object]:
    """Gentle hills (< ~12°) plus, for each mesa centre, a flat-topped hill with 36.9° flanks."""
    xmin, ymin, xmax, ymax = sample.extent
    ncol, nrow = int((xmax - xmin) / PIXEL), int((ymax - ymin) / PIXEL)
    transform = from_origin(xmin, ymax, PIXEL, PIXEL)
    xs = xmin + (np.arange(ncol) + 0.5) * PIXEL
    ys = ymax - (np.arange(nrow) + 0.5) * PIXEL
    x, y = np.meshgrid(xs - xmin, ys - ymin)
    z = np.full(x.shape, 420.0)
    for _ in range(3):
        amp, length = rng.uniform(6.0, 14.0), rng.uniform(1500.0, 3000.0)
        theta, phase = rng.uniform(0, math.pi), rng.uniform(0, 2 * math.pi)
        z += amp * np.sin(
            2 * math.pi * (x * math.cos(theta) + y * math.sin(theta)) / length + phase
        )
    for mx, my in sample.mesas:  # radius 150 m, flank width 60 m, height 45 m
        r = np.hypot(x + xmin - mx, y + ymin - my)
        z += 45.0 * np.clip((150.0 - r) / 60.0, 0.0, 1.0)
    z = np.round(z, 2).astype("float32")
    if sample.cut_corner:  # a nodata patch in the far corner, away from every plot
        z[:12, -12:] = NODATA
    return z, transform


def slope_deg(z: np.ndarray) -> np.ndarray:
    """Slope in degrees from central differences (nodata cells give NaN)."""
    zz = np.where(z == NODATA, np.nan, z).astype(float)
    gy, gx = np.gradient(zz, PIXEL)
    return np.degrees(np.arctan(np.hypot(gx, gy)))


def mean_slope(geom, slope: np.ndarray, transform) -> float:
    """Mean slope over the pixels whose centres fall inside ``geom``."""
    mask = rasterio.features.geometry_mask([geom], slope.shape, transform, invert=True)
    if not mask.any():  # thinner than a pixel: take every pixel it touches
        mask = rasterio.features.geometry_mask(
            [geom], slope.shape, transform, invert=True, all_touched=True
        )
    return float(np.nanmean(slope[mask]))


def slope_class(deg: float) -> int:
    """耕地坡度级别 1–5 from a slope in degrees."""
    return int(np.searchsorted([2.0, 6.0, 15.0, 25.0], deg, side="left") + 1)


# ---------------------------------------------------------------------------------------------
# the two samples
# ---------------------------------------------------------------------------------------------
VILLAGES_DEMO = {  # name: local zone rectangle (x0, y0, x1, y1), clean homesteads
    "王家湾村": ((600, 2800, 960, 3100), 9),
    "李子垭村": ((2300, 3000, 2660, 3300), 9),
    "石门村": ((3000, 2000, 3360, 2300), 8),
    "高峰村": ((1300, 1500, 1660, 1800), 9),
    "青龙村": ((500, 700, 860, 1000), 7),
}


def build_demo(rng: np.random.Generator) -> Sample:
    """The demo project with planted violations (see EXPECTED.md for the list)."""
    s = Sample(
        "bazhong_demo",
        (380000.0, 3523000.0),
        4000.0,
        facts={
            "name": "巴州区曾口镇城乡建设用地增减挂钩示范项目区",
            "code": "511902-2019-001",
            "county": "巴州区",
            "approved": dt.date(2019, 5, 6),
            "accepted": dt.date(2022, 9, 15),
            "filed": dt.date(2022, 10, 25),
            "traded": dt.date(2019, 8, 1),
            "poverty_county": True,
        },
        cut_corner=True,
        geographic_layers=("illegal_land",),
    )
    r = s.r
    village_zone = {v: r(*box_) for v, (box_, _) in VILLAGES_DEMO.items()}
    for z in village_zone.values():
        s.zones.append((z, "0702", "203", None))

    # ---- construction plots (JX): 4 resettlement, 3 urban -------------------------------------
    jx = [  # id, name, kind, local rect, land class, quality, planted
        ("JX001", "高峰村集中安置点", "安置", (1700, 1550, 1750, 1590), "0103", 11, ["PLAN001"]),
        ("JX002", "青龙村集中安置点", "安置", (880, 800, 920, 840), "0103", 12, ["OVL004"]),
        ("JX003", "王家湾村集中安置点", "安置", (950, 2900, 990, 2935), "0103", 11, []),
        ("JX004", "李子垭村集中安置点", "安置", (2700, 3100, 2760, 3150), "0101", 11, []),
        ("JX005", "曾口镇城镇建新地块1", "城镇", (2600, 210, 2660, 260), "0103", 12, ["PLAN002"]),
        ("JX006", "曾口镇城镇建新地块2", "城镇", (3770, 800, 3820, 840), "0102", 11, ["PLAN003"]),
        ("JX007", "曾口镇城镇建新地块3", "城镇", (3000, 700, 3060, 750), "0101", 12, []),
    ]
    for pid, name, kind, lr, code, grade, planted in jx:
        g = r(*lr)
        s.construction.append(
            {
                "DKBH": pid,
                "DKMC": name,
                "DLBM": code,
                "DLMC": DLMC[code],
                "QSDWMC": name[:3] + "股份经济合作联合社" if kind == "安置" else "曾口镇人民政府",
                "MJ": None,
                "JXLX": kind,
                "ZLDB": grade,
                "geometry": g,
                "_planted": planted,
            }
        )
        zone = g.buffer(10.0, join_style="mitre").difference(
            shapely.union_all(list(village_zone.values()))
        )
        s.zones.append((zone, code, None, grade))

    # ---- planted demolition plots (axis-aligned rectangles, integer coordinates) --------------
    P = []  # (local rect or geometry, village, planted rules, extra attributes)
    P.append(
        (
            Polygon([(2320, 3020), (2340, 3040), (2340, 3020), (2320, 3040)]),
            "李子垭村",
            ["GEOM001"],
            {},
        )
    )
    P.append((None, "李子垭村", ["GEOM002"], {"MJ": 350.0}))
    P.append(((3020, 2020, 3050, 2040), "石门村", ["GEOM004"], {}))
    P.append(((3045, 2025, 3070, 2050), "石门村", ["GEOM004"], {}))
    P.append(((3100, 2260, 3200, 2260.5), "石门村", ["GEOM005"], {}))
    P.append(
        (
            MultiPolygon([box(1320, 1520, 1335, 1532), box(1345, 1520, 1357, 1530)]),
            "高峰村",
            ["GEOM006"],
            {},
        )
    )
    P.append(((520, 720, 545, 740), "青龙村", ["ATTR001"], {"DLBM": "", "DLMC": ""}))
    P.append(((620, 2820, 645, 2840), "王家湾村", ["ATTR002"], {}))
    P.append(((620, 2860, 640, 2880), "王家湾村", ["ATTR002"], {"_dup_of_previous": True}))
    P.append(((2380, 3020, 2410, 3045), "李子垭村", ["ATTR003"], {"_mj_factor": 1.03}))
    P.append(
        ((2440, 3020, 2465, 3040), "李子垭村", ["ATTR004"], {"DLBM": "0799", "DLMC": "其他宅基地"})
    )
    P.append(
        ((1380, 1520, 1400, 1545), "高峰村", ["ATTR005"], {"DLBM": "0701", "DLMC": DLMC["0701"]})
    )
    P.append(((580, 720, 600, 745), "青龙村", ["ATTR006"], {"ZLDB": 17, "FKDL": "0301"}))
    P.append(((640, 720, 670, 745), "青龙村", ["OVL001"], {}))
    P.append(((930, 2905, 958, 2925), "王家湾村", ["OVL002"], {}))
    P.append(((3300, 2250, 3330, 2275), "石门村", ["OVL003"], {}))
    P.append(((1100, 2400, 1130, 2420), "王家湾村", ["PLAN004"], {}))
    P.append(((2100, 2590, 2125, 2610), "高峰村", ["PLAN006"], {}))
    P.append(((290, 1500, 320, 1520), "青龙村", ["PLAN007"], {}))
    for geom, village, planted, extra in P:
        if isinstance(geom, tuple):
            geom = r(*geom)
        elif geom is not None:
            geom = shapely.affinity.translate(geom, *s.origin)
        s.demolition.append(demolition_row(geom, village, _planted=planted, **extra))
    # hamlet zones for planted plots that lie outside the villages
    s.zones.append((r(1080, 2380, 1150, 2440), "0103", None, 11))  # PLAN004: on dry land
    s.zones.append((r(2095, 2585, 2130, 2615), "0702", "203", None))  # PLAN006: on the mesa flank
    s.zones.append((r(280, 1490, 330, 1530), "0702", "203", None))  # PLAN007: on the county line
    s.zones.append((r(3100, 900, 3700, 1250), "0701", "202", None))  # built-up township
    s.mesas.append((s.origin[0] + 2000, s.origin[1] + 2600))

    # ---- reference layers ----------------------------------------------------------------------
    ref = s.layers
    ref["compensation"] = [
        {
            "XMBH": "511902-BC-2018-007",
            "XMMC": "曾口镇土地整理补充耕地项目",
            "geometry": r(655, 700, 700, 730),
        },
        {
            "XMBH": "511902-BC-2018-007",
            "XMMC": "曾口镇土地整理补充耕地项目",
            "geometry": r(1900, 400, 2010, 480),
        },
        {
            "XMBH": "511902-BC-2020-002",
            "XMMC": "巴州区高标准农田补充耕地项目",
            "geometry": r(120, 3500, 260, 3600),
        },
    ]
    ref["other_projects"] = [
        {"XMBH": "511902-2017-003", "DKBH": "CJ201", "geometry": r(3318, 2265, 3348, 2290)},
        {"XMBH": "511902-2017-003", "DKBH": "CJ202", "geometry": r(3520, 3600, 3550, 3625)},
        {"XMBH": "511902-2017-003", "DKBH": "CJ203", "geometry": r(3580, 3610, 3602, 3640)},
        {"XMBH": "511902-2017-003", "DKBH": "CJ204", "geometry": r(3540, 3680, 3565, 3700)},
    ]
    ref["illegal_land"] = [
        {"WFBH": "WF2020-0311", "geometry": r(900, 820, 950, 870)},
        {"WFBH": "WF2021-0087", "geometry": r(1850, 3350, 1900, 3390)},
    ]
    ref["basic_farmland"] = [{"DLBM": "0103", "geometry": r(1725, 1500, 1800, 1640)}]
    ref["ecological_redline"] = [
        {"HXMC": "巴河湿地生态保护红线", "geometry": r(2640, 150, 2760, 225)}
    ]
    town = shapely.affinity.translate(
        Polygon(
            [
                (2400, 200),
                (2900, 180),
                (3400, 230),
                (3800, 300),
                (3800, 1300),
                (3300, 1340),
                (2800, 1280),
                (2420, 1150),
            ]
        ),
        *s.origin,
    )
    ref["development_boundary"] = [{"GNFQ": "城镇集中建设区", "geometry": town}] + [
        {"GNFQ": "村庄建设区(允许建设区)", "geometry": r(*b)}
        for b in [
            (1690, 1540, 1760, 1600),
            (870, 790, 930, 850),
            (945, 2895, 995, 2940),
            (2690, 3090, 2770, 3160),
        ]
    ]
    ref["boundary"] = [
        {
            "XZQMC": "巴州区",
            "XZQDM": "511902",
            "geometry": shapely.affinity.translate(
                Polygon(
                    [
                        (300, -2500),
                        (300, 1200),
                        (300, 1800),
                        (300, 6500),
                        (5200, 8800),
                        (9800, 6100),
                        (11200, 900),
                        (7600, -3900),
                        (2600, -4600),
                    ]
                ),
                *s.origin,
            ),
        }
    ]

    # ---- clean homesteads ----------------------------------------------------------------------
    forbidden = shapely.union_all(
        [shapely.make_valid(d["geometry"]) for d in s.demolition if d["geometry"] is not None]
        + [c["geometry"] for c in s.construction]
        + [
            f["geometry"]
            for k in (
                "compensation",
                "other_projects",
                "illegal_land",
                "basic_farmland",
                "ecological_redline",
            )
            for f in ref[k]
        ]
    )
    _clean_homesteads(
        rng,
        s,
        {v: (village_zone[v], n) for v, (_, n) in VILLAGES_DEMO.items()},
        forbidden,
        paddy_p=0.08,
    )
    _partly_farmland(s, "王家湾村", (1170, 2300, 1210, 2320), split_x=1200, grade=11)
    return s


def _partly_farmland(s: Sample, village: str, lr, *, split_x: float, grade: int) -> None:
    """A demolition plot 3/4 on a hamlet (0702, 村庄) and 1/4 on 旱地 in the survey: only the
    hamlet part is quota basis; PLAN004 (share 0.75 ≥ 0.5) does not fire. Added after the
    clean homesteads so that their random placement is unchanged."""
    x0, y0, x1, y1 = lr
    s.zones.append((s.r(x0 - 10, y0 - 10, split_x, y1 + 10), "0702", "203", None))
    s.zones.append((s.r(split_x, y0 - 10, x1 + 20, y1 + 10), "0103", None, grade))
    s.demolition.append(demolition_row(s.r(*lr), village, _partly_farmland=True))


def build_clean(rng: np.random.Generator) -> Sample:
    """The clean project: no rule fires."""
    s = Sample(
        "bazhong_clean",
        (376000.0, 3531000.0),
        3000.0,
        facts={
            "name": "巴州区清江镇城乡建设用地增减挂钩项目区",
            "code": "511902-2021-004",
            "county": "巴州区",
            "approved": dt.date(2021, 3, 1),
            "accepted": dt.date(2023, 6, 1),
            "filed": dt.date(2023, 6, 9),
            "traded": None,
            "poverty_county": True,
        },
    )
    r = s.r
    villages = {
        "白庙村": ((500, 2000, 860, 2300), 7),
        "双河村": ((1800, 2200, 2160, 2500), 7),
        "龙背村": ((1200, 800, 1560, 1100), 6),
    }
    village_zone = {v: r(*b) for v, (b, _) in villages.items()}
    for z in village_zone.values():
        s.zones.append((z, "0702", "203", None))
    jx = [
        ("JX001", "白庙村集中安置点", "安置", (900, 2100, 950, 2140), "0103", 11),
        ("JX002", "双河村集中安置点", "安置", (2200, 2300, 2240, 2350), "0101", 11),
        ("JX003", "清江镇城镇建新地块1", "城镇", (2100, 500, 2160, 550), "0103", 12),
    ]
    for pid, name, kind, lr, code, grade in jx:
        g = r(*lr)
        s.construction.append(
            {
                "DKBH": pid,
                "DKMC": name,
                "DLBM": code,
                "DLMC": DLMC[code],
                "QSDWMC": name[:3] + "股份经济合作联合社" if kind == "安置" else "清江镇人民政府",
                "MJ": None,
                "JXLX": kind,
                "ZLDB": grade,
                "geometry": g,
                "_planted": [],
            }
        )
        s.zones.append((g.buffer(10.0, join_style="mitre"), code, None, grade))
    s.zones.append((r(2300, 300, 2800, 700), "0701", "202", None))
    ref = s.layers
    ref["compensation"] = [
        {
            "XMBH": "511902-BC-2019-011",
            "XMMC": "清江镇补充耕地项目",
            "geometry": r(300, 400, 420, 500),
        }
    ]
    ref["other_projects"] = [
        {"XMBH": "511902-2016-002", "DKBH": "CJ301", "geometry": r(2600, 2700, 2625, 2725)}
    ]
    ref["illegal_land"] = [{"WFBH": "WF2022-0150", "geometry": r(1500, 1600, 1540, 1650)}]
    ref["basic_farmland"] = []
    ref["ecological_redline"] = []
    ref["development_boundary"] = [
        {"GNFQ": "城镇集中建设区", "geometry": r(2000, 250, 2900, 900)},
        {"GNFQ": "村庄建设区(允许建设区)", "geometry": r(890, 2090, 960, 2150)},
        {"GNFQ": "村庄建设区(允许建设区)", "geometry": r(2190, 2290, 2250, 2360)},
    ]
    ref["boundary"] = [
        {
            "XZQMC": "巴州区",
            "XZQDM": "511902",
            "geometry": shapely.affinity.translate(
                Polygon([(-4000, -3000), (-1500, 5200), (4200, 6800), (8300, 2500), (5000, -4200)]),
                *s.origin,
            ),
        }
    ]
    forbidden = shapely.union_all(
        [c["geometry"] for c in s.construction]
        + [
            f["geometry"]
            for k in ("compensation", "other_projects", "illegal_land")
            for f in ref[k]
        ]
    )
    _clean_homesteads(
        rng, s, {v: (village_zone[v], n) for v, (_, n) in villages.items()}, forbidden, paddy_p=0.4
    )
    _partly_farmland(s, "龙背村", (1250, 700, 1290, 720), split_x=1280, grade=10)
    return s


def _clean_homesteads(rng, s: Sample, villages: dict, forbidden, *, paddy_p: float) -> None:
    """Add clean homesteads (random shapes, declared class mostly 0702) to ``s.demolition``."""
    for village, (zone, n) in villages.items():
        for g in place_homesteads(rng, zone, n, forbidden):
            code = str(rng.choice(["0702", "0601", "1201"], p=[0.86, 0.08, 0.06]))
            fk = str(rng.choice(["0103", "0101", "0301"], p=[0.9 - paddy_p, paddy_p, 0.1]))
            s.demolition.append(demolition_row(g, village, code, FKDL=fk))


def add_background_reference(rng, s: Sample, landuse: list[dict]) -> None:
    """Add basic farmland (cultivated) and red line (forest) polygons taken from DLTB pieces.

    Only background pieces at least 30 m from every plot and outside the development
    boundary are used, so they never touch a clean plot.
    """
    plots = shapely.union_all(
        [
            shapely.make_valid(p["geometry"])
            for p in s.demolition + s.construction
            if p["geometry"] is not None
        ]
    ).buffer(30.0)
    dev = shapely.union_all([d["geometry"] for d in s.layers["development_boundary"]]).buffer(10.0)
    for rec in landuse:
        if (
            not rec["_background"]
            or rec["geometry"].intersects(plots)
            or rec["geometry"].intersects(dev)
        ):
            continue
        u = rng.random()
        if rec["DLBM"].startswith("01") and u < 0.35:
            s.layers["basic_farmland"].append({"DLBM": rec["DLBM"], "geometry": rec["geometry"]})
        elif rec["DLBM"] in ("0301", "0307") and u < 0.5:
            s.layers["ecological_redline"].append(
                {"HXMC": "米仓山水源涵养生态保护红线", "geometry": rec["geometry"]}
            )
    for k, rec in enumerate(s.layers["basic_farmland"], start=1):
        rec["BSM"] = f"511902JBNT{k:06d}"
    for rec in s.layers["compensation"]:
        rec["BCGDMJ"] = round(ellipsoidal_area(rec["geometry"]), 2)


def finalise_plots(s: Sample, slope: np.ndarray, transform, rng) -> None:
    """Sort and number the plots, fill areas, quality grades and slope classes."""
    villages = list(dict.fromkeys(x["_village"] for x in s.demolition))

    def key(d):
        g = d["geometry"]
        vill = villages.index(d["_village"])
        if g is None:
            return (vill, -math.inf, 0.0)
        c = g.representative_point() if g.is_valid else g.envelope.centroid
        return (vill, -round(c.y, 1), round(c.x, 1))

    s.demolition.sort(key=key)
    for k, d in enumerate(s.demolition, start=1):
        d["DKBH"] = f"CJ{k:03d}"
    for d in s.demolition:
        if d.get("_dup_of_previous"):
            dup = next(x for x in s.demolition if "ATTR002" in x["_planted"] and x is not d)
            d["DKBH"] = dup["DKBH"]
    counters: dict[str, int] = {}
    for d in s.demolition:
        kind = {"0702": "宅基地", "0601": "村办企业用地", "1201": "闲置地"}.get(d["DLBM"], "宅基地")
        counters[d["_village"] + kind] = counters.get(d["_village"] + kind, 0) + 1
        d["DKMC"] = f"{d['_village']}{kind}{counters[d['_village'] + kind]}"
        g = d["geometry"]
        area = ellipsoidal_area(g)
        if d["MJ"] is None:
            d["MJ"] = round(area * d.get("_mj_factor", 1.0), 2)
        if d["ZLDB"] is None:
            d["ZLDB"] = 12 if d["FKDL"] == "0301" else int(rng.integers(9, 12))
        d["_slope"] = mean_slope(shapely.make_valid(g), slope, transform) if g is not None else None
        d["GDPDJB"] = slope_class(d["_slope"]) if g is not None else 2
    for c in s.construction:
        c["MJ"] = round(ellipsoidal_area(c["geometry"]), 2)


# ---------------------------------------------------------------------------------------------
# expected findings
# ---------------------------------------------------------------------------------------------
def working_days_after(start: dt.date, end: dt.date) -> int:
    """Chinese working days in (start, end], counting holidays and adjusted workdays."""
    from chinese_calendar import is_workday

    return sum(is_workday(start + dt.timedelta(days=i)) for i in range(1, (end - start).days + 1))


def expected_findings(s: Sample, landuse: list[dict]) -> list[dict]:
    """The planted findings with their figures, computed independently of the package."""
    ref, out = s.layers, []

    def overlap_entry(plot, layer, rule, other, other_layer, other_id, *, outside=False):
        g = plot["geometry"].difference(other) if outside else plot["geometry"].intersection(other)
        return {
            "plot_id": plot["DKBH"],
            "layer": layer,
            "rule_id": rule,
            "measured": round(ellipsoidal_area(g), 2),
            "measured_planar": round(g.area, 2),
            "unit": "m2",
            "other_layer": other_layer,
            "other_id": other_id,
            "bounds": [round(v, 3) for v in g.bounds],
        }

    def union(name):
        return shapely.union_all([f["geometry"] for f in ref[name]])

    for d in s.demolition:
        for rule in d["_planted"]:
            g, e = d["geometry"], None
            base = {"plot_id": d["DKBH"], "layer": "demolition", "rule_id": rule}
            if rule == "GEOM001":
                reason = shapely.is_valid_reason(g)
                e = {
                    **base,
                    "measured": None,
                    "unit": None,
                    "reason": reason,
                    "location": [round(g.bounds[0] + 10, 3), round(g.bounds[1] + 10, 3)],
                    "repaired_area_m2": round(ellipsoidal_area(g), 2),
                }
            elif rule == "GEOM002":
                e = {**base, "measured": None, "unit": None}
            elif rule == "GEOM004":
                other = next(x for x in s.demolition if "GEOM004" in x["_planted"] and x is not d)
                if other["DKBH"] < d["DKBH"]:
                    continue  # one entry per pair (lower id first)
                e = overlap_entry(
                    d, "demolition", rule, other["geometry"], "demolition", other["DKBH"]
                )
            elif rule == "GEOM005":
                e = {
                    **base,
                    "measured": round(4 * math.pi * g.area / g.length**2, 5),
                    "unit": "ratio",
                    "area_m2": round(ellipsoidal_area(g), 2),
                    "threshold": 0.05,
                }
            elif rule == "GEOM006":
                e = {**base, "measured": float(len(g.geoms)), "unit": "parts"}
            elif rule == "ATTR001":
                e = {**base, "measured": None, "unit": None, "field": "land_class (DLBM)"}
            elif rule == "ATTR002":
                if any(e["rule_id"] == rule and e["plot_id"] == d["DKBH"] for e in out):
                    continue  # one entry per duplicated id
                e = {**base, "measured": None, "unit": None, "count": 2}
            elif rule == "ATTR003":
                area = ellipsoidal_area(g)
                e = {
                    **base,
                    "measured": round(area, 2),
                    "unit": "m2",
                    "declared": d["MJ"],
                    "rel_diff": round((d["MJ"] - area) / area, 5),
                }
            elif rule == "ATTR004":
                e = {**base, "measured": None, "unit": None, "value": d["DLBM"]}
            elif rule == "ATTR005":
                e = {**base, "measured": None, "unit": None, "value": d["DLBM"]}
            elif rule == "ATTR006":
                e = {
                    **base,
                    "measured": float(d["ZLDB"]),
                    "unit": "grade",
                    "field": "quality (ZLDB)",
                    "scale": "dengbie 1-15",
                }
            elif rule == "OVL001":
                e = overlap_entry(
                    d,
                    "demolition",
                    rule,
                    union("compensation"),
                    "compensation",
                    ref["compensation"][0]["XMBH"],
                )
            elif rule == "OVL002":
                jx = next(c for c in s.construction if c["geometry"].intersects(g))
                e = overlap_entry(d, "demolition", rule, jx["geometry"], "construction", jx["DKBH"])
            elif rule == "OVL003":
                led = next(f for f in ref["other_projects"] if f["geometry"].intersects(g))
                e = overlap_entry(d, "demolition", rule, led["geometry"], "ledger", led["DKBH"])
            elif rule == "PLAN004":
                nonbuilt = shapely.union_all(
                    [
                        lu["geometry"]
                        for lu in landuse
                        if lu["DLBM"][:2] not in ("05", "06", "07", "08", "09", "12")
                    ]
                )
                e = overlap_entry(d, "demolition", rule, nonbuilt, "landuse", None)
                e["share"] = round(g.intersection(nonbuilt).area / g.area, 4)
                e["classes"] = sorted(
                    {lu["DLBM"] for lu in landuse if lu["geometry"].intersection(g).area > 1e-6}
                )
            elif rule == "PLAN006":
                e = {
                    **base,
                    "measured": round(d["_slope"], 2),
                    "unit": "deg",
                    "threshold": 25.0,
                    "tolerance": 1.5,
                }
            elif rule == "PLAN007":
                e = overlap_entry(
                    d, "demolition", rule, union("boundary"), "boundary", None, outside=True
                )
            if rule in MAY_ALSO:
                e["may_also"] = MAY_ALSO[rule]
            out.append(e)
    for c in s.construction:
        for rule in c["_planted"]:
            if rule == "PLAN001":
                out.append(
                    overlap_entry(
                        c, "construction", rule, union("basic_farmland"), "basic_farmland", None
                    )
                )
            elif rule == "PLAN002":
                out.append(
                    overlap_entry(
                        c,
                        "construction",
                        rule,
                        union("ecological_redline"),
                        "ecological_redline",
                        None,
                    )
                )
            elif rule == "PLAN003":
                out.append(
                    overlap_entry(
                        c,
                        "construction",
                        rule,
                        union("development_boundary"),
                        "development_boundary",
                        None,
                        outside=True,
                    )
                )
            elif rule == "OVL004":
                ill = next(
                    f for f in ref["illegal_land"] if f["geometry"].intersects(c["geometry"])
                )
                out.append(
                    overlap_entry(
                        c, "construction", rule, ill["geometry"], "illegal_land", ill["WFBH"]
                    )
                )
    return out


def plan005(s: Sample, landuse: list[dict]) -> list[dict]:
    """PLAN005 (info): cultivated and paddy area each construction plot occupies in the DLTB
    layer, net of 田坎."""
    out = []
    for c in s.construction:
        g = c["geometry"]
        parts = [
            (lu, g.intersection(lu["geometry"])) for lu in landuse if lu["geometry"].intersects(g)
        ]
        out.append(
            {
                "plot_id": c["DKBH"],
                "layer": "construction",
                "rule_id": "PLAN005",
                "cultivated_m2": round(
                    sum(
                        ellipsoidal_area(p) * (1.0 - KCXS[lu["DLBM"]])
                        for lu, p in parts
                        if lu["DLBM"] in KCXS
                    ),
                    2,
                )
                + 0.0,
                "paddy_m2": round(
                    sum(
                        ellipsoidal_area(p) * (1.0 - KCXS["0101"])
                        for lu, p in parts
                        if lu["DLBM"] == "0101"
                    ),
                    2,
                )
                + 0.0,
                "declared_class": c["DLBM"],
                "quality": c["ZLDB"],
            }
        )
    return out


def _rural(lu: dict) -> bool:
    """Rural construction land in the survey (ATTR005's classes; CZCSXM 村庄/采矿 or blank)."""
    code = lu["DLBM"]
    return code.startswith(RURAL_CLASSES) and code != "0701" and lu["CZCSXM"] in RURAL_CZCSXM


def balance(s: Sample, landuse: list[dict]) -> dict:
    """Balance figures (ellipsoidal m²) computed from the plots, independently of the package.

    Quota basis: each demolition plot's overlap with the survey's rural construction polygons
    (a plot of an overlapping pair counts in full, like its own area). Cultivated areas are net
    of 田坎: occupied = Σ overlap × (1 − KCXS of the survey class); reclaimed = area × (1 − KCXS
    of the class after reclamation) — the samples use one coefficient per class (:data:`KCXS`),
    so the area-weighted mean over any set of survey polygons of a class is that coefficient.
    A plot without geometry has no area: the figures it would change are "not checked"
    (``unmeasured``); the sums here leave it out.
    """
    dem = [(d, ellipsoidal_area(d["geometry"])) for d in s.demolition if d["geometry"] is not None]
    unmeasured = [d["DKBH"] for d in s.demolition if d["geometry"] is None]
    con = [(c, ellipsoidal_area(c["geometry"])) for c in s.construction]
    dem_m2 = sum(a for _, a in dem)
    con_m2 = sum(a for _, a in con)
    rural = shapely.union_all([lu["geometry"] for lu in landuse if _rural(lu)])
    basis = [
        (d, ellipsoidal_area(shapely.make_valid(d["geometry"]).intersection(rural))) for d, _ in dem
    ]
    basis_m2 = sum(b for _, b in basis)
    planted_err = {
        "GEOM001",
        "GEOM002",
        "GEOM004",
        "GEOM005",
        "ATTR001",
        "ATTR002",
        "ATTR004",
        "ATTR005",
        "ATTR006",
        "OVL001",
        "OVL002",
        "OVL003",
        "PLAN004",
        "PLAN007",
    }
    clean_dem = sum(a for d, a in dem if not set(d["_planted"]) & planted_err)
    net = [
        (d, a * (1.0 - KCXS.get(d["FKDL"], 0.0))) for d, a in dem
    ]  # a list: two plots share an id (ATTR002)
    rec_cult = [(d, a) for d, a in net if d["FKDL"].startswith("01")]
    rec_paddy = sum(a for d, a in net if d["FKDL"] == "0101")
    occ_cult = [(c, a) for c, a in con if c["DLBM"].startswith("01")]
    occ_paddy = sum(a for c, a in con if c["DLBM"] == "0101")
    pieces = [
        (
            lu,
            ellipsoidal_area(c["geometry"].intersection(lu["geometry"])) * (1.0 - KCXS[lu["DLBM"]]),
        )
        for c in s.construction
        for lu in landuse
        if lu["DLBM"] in KCXS and c["geometry"].intersects(lu["geometry"])
    ]
    surplus = basis_m2 - con_m2
    partly = [d for d in s.demolition if d.get("_partly_farmland")]
    return {
        "demolition_m2": round(dem_m2, 2),
        "construction_m2": round(con_m2, 2),
        "quota_basis_m2": round(basis_m2, 2),
        "quota_basis_source": "landuse",
        "unmeasured_plots": unmeasured,
        "partly_farmland_plot": partly[0]["DKBH"] if partly else None,
        "partly_farmland_plot_area_m2": round(ellipsoidal_area(partly[0]["geometry"]), 2)
        if partly
        else None,
        "partly_farmland_plot_basis_m2": round(
            sum(b for d, b in basis if d.get("_partly_farmland")), 2
        )
        if partly
        else None,
        "plan004_plot_basis_m2": round(sum(b for d, b in basis if "PLAN004" in d["_planted"]), 2),
        "surplus_m2": round(surplus, 2),
        "surplus_hm2": round(surplus / 10000.0, 4),
        "surplus_mu": round(surplus / SQM_PER_MU, 2),
        "surplus_status": "not checked" if unmeasured else ("pass" if surplus >= 0 else "fail"),
        "demolition_m2_clean_plots_only": round(clean_dem, 2),
        "reclaimed_cultivated_m2": round(sum(a for _, a in rec_cult), 2),
        "occupied_cultivated_declared_m2": round(sum(a for _, a in occ_cult), 2),
        "occupied_cultivated_m2": round(sum(a for _, a in pieces), 2),
        "reclaimed_paddy_m2": round(rec_paddy, 2),
        "occupied_paddy_declared_m2": round(occ_paddy, 2),
        "occupied_paddy_m2": round(sum(a for lu, a in pieces if lu["DLBM"] == "0101"), 2),
        "reclaimed_quality_weighted": round(
            sum(d["ZLDB"] * a for d, a in rec_cult) / sum(a for _, a in rec_cult), 3
        ),
        "occupied_quality_weighted": round(
            sum(lu["GDDB"] * a for lu, a in pieces) / sum(a for _, a in pieces), 3
        ),
        "advance_quota_m2": s.facts["advance_quota_m2"],
        "advance_quota_limit_m2": round(0.3 * surplus, 2),
        "kcxs": KCXS,
    }


# ---------------------------------------------------------------------------------------------
# writing
# ---------------------------------------------------------------------------------------------
def _frame(rows: list[dict], int_cols=()) -> gpd.GeoDataFrame:
    """Rows → GeoDataFrame in EPSG:4545, dropping the private ``_`` keys."""
    clean = [{k: v for k, v in row.items() if not k.startswith("_")} for row in rows]
    df = gpd.GeoDataFrame(clean, geometry="geometry", crs=CRS)
    for col in int_cols:
        df[col] = df[col].astype("int32")
    return df


def write_shapefile(df: gpd.GeoDataFrame, path: Path, *, cpg: bool) -> None:
    """Write a GBK shapefile with a fixed DBF date; remove the ``.cpg`` when ``cpg`` is false."""
    for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
        path.with_suffix(ext).unlink(missing_ok=True)
    pyogrio.write_dataframe(
        df,
        path,
        driver="ESRI Shapefile",
        encoding="GBK",
        geometry_type="Polygon",
        layer_options={"DBF_DATE_LAST_UPDATE": FIXED_DATE},
    )
    if not cpg:
        path.with_suffix(".cpg").unlink(missing_ok=True)


def write_reference(s: Sample, landuse: list[dict], path: Path) -> None:
    """Write reference.gpkg (GeoPackage 1.2) with every reference layer."""
    path.unlink(missing_ok=True)
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE + "T00:00:00.000Z"})
    order = [
        "compensation",
        "basic_farmland",
        "ecological_redline",
        "development_boundary",
        "landuse",
        "boundary",
        "illegal_land",
        "other_projects",
    ]
    cols = {
        "compensation": ["XMBH", "XMMC", "BCGDMJ"],
        "basic_farmland": ["BSM", "DLBM"],
        "ecological_redline": ["HXMC"],
        "development_boundary": ["GNFQ"],
        "landuse": ["BSM", "TBBH", "DLBM", "DLMC", "CZCSXM", "TBMJ", "GDDB", "KCXS"],
        "boundary": ["XZQDM", "XZQMC"],
        "illegal_land": ["WFBH"],
        "other_projects": ["XMBH", "DKBH"],
    }
    for i, name in enumerate(order):
        rows = landuse if name == "landuse" else s.layers[name]
        if rows:
            df = _frame(rows)[cols[name] + ["geometry"]]
        else:
            df = gpd.GeoDataFrame(
                {c: pd.Series([], dtype="object") for c in cols[name]},
                geometry=gpd.GeoSeries([], crs=CRS),
            )
        if name == "landuse":
            df["GDDB"] = df["GDDB"].astype("Int32")
        if name in s.geographic_layers:
            # densified first so the 1 m edges stay straight in the projected plane after the round
            # trip
            df = df.set_geometry(shapely.segmentize(np.asarray(df.geometry.array), 1.0)).to_crs(
                GEOGRAPHIC_CRS
            )
        pyogrio.write_dataframe(
            df,
            path,
            layer=name,
            driver="GPKG",
            promote_to_multi=True,
            geometry_type="MultiPolygon",
            dataset_options={"VERSION": "1.2"} if i == 0 else None,
        )


def write_dem(z: np.ndarray, transform, path: Path) -> None:
    """Write the DEM as a tiled, deflate-compressed float32 GeoTIFF."""
    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "width": z.shape[1],
        "height": z.shape[0],
        "count": 1,
        "crs": CRS,
        "transform": transform,
        "nodata": NODATA,
        "compress": "deflate",
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    with rasterio.open(path, "w", **profile) as dst:
        dst.write(z, 1)


def project_toml(s: Sample) -> str:
    """The project TOML (DOMAIN.md §3)."""
    f = s.facts
    lines = [
        "# Generated by scripts/make_samples.py - do not edit by hand.",
        "[project]",
        f'name = "{f["name"]}"',
        f'code = "{f["code"]}"',
        f'county = "{f["county"]}"',
        'profile = "sichuan"',
        f'crs = "{CRS}"',
        f"approved = {f['approved'].isoformat()}",
        f"accepted = {f['accepted'].isoformat()}",
        f"filed = {f['filed'].isoformat()}",
    ]
    if f["traded"]:
        lines.append(f"traded = {f['traded'].isoformat()}")
    lines += [
        f"poverty_county = {'true' if f['poverty_county'] else 'false'}",
        f"advance_quota_m2 = {f['advance_quota_m2']:.1f}",
        'quality_scale = "dengbie"',
        "",
        "[layers.demolition]",
        'path = "拆旧地块.shp"',
        'id = "DKBH"',
        'fields = { land_class = "DLBM", area = "MJ", reclaim_class = "FKDL", quality = "ZLDB" }',
        "",
        "[layers.construction]",
        'path = "建新地块.shp"',
        'id = "DKBH"',
        'fields = { kind = "JXLX", land_class = "DLBM", area = "MJ", quality = "ZLDB" }',
        "",
    ]
    for role, layer in [
        ("compensation", "compensation"),
        ("basic_farmland", "basic_farmland"),
        ("ecological_redline", "ecological_redline"),
        ("development_boundary", "development_boundary"),
        ("landuse", "landuse"),
        ("boundary", "boundary"),
        ("illegal_land", "illegal_land"),
        ("ledger", "other_projects"),
    ]:
        lines += [f"[layers.{role}]", 'path = "reference.gpkg"', f'layer = "{layer}"', ""]
    lines += [
        "[rasters.dem]",
        'path = "dem.tif"',
        "",
        "[rules]",
        "params = { overlap_tolerance_m2 = 1.0 }",
        "",
    ]
    return "\n".join(lines)


def expected_markdown(s: Sample, findings: list[dict], bal: dict, project_level: list[dict]) -> str:
    """EXPECTED.md: the planted findings and the balance, human-readable."""
    f = s.facts
    out = [
        f"# Expected results: {s.name}",
        "",
        "Generated by `scripts/make_samples.py` (figures computed independently of landlink_gis:",
        "planar areas from rectangle coordinates, ellipsoidal areas with `pyproj.Geod` on CGCS2000",
        "after densifying edges to ≤ 10 m). Machine-readable copy: `expected.json`.",
        "",
    ]
    if not findings:
        out += [
            "**This project is clean: no rule should report an `error` or `warning`.**",
            "Only `info` findings are expected (BAL005 surplus, PLAN005 per-plot occupation).",
            "",
        ]
    else:
        out += [
            "## Planted plot findings",
            "",
            "| plot | layer | rule | measured | unit | planar | other | note |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for e in findings:
            note = ", ".join(
                f"{k}={e[k]}"
                for k in (
                    "declared",
                    "rel_diff",
                    "value",
                    "reason",
                    "location",
                    "share",
                    "classes",
                    "area_m2",
                    "tolerance",
                    "field",
                )
                if k in e
            )
            if "may_also" in e:
                note += ("; " if note else "") + "may also: " + "; ".join(e["may_also"])
            out.append(
                f"| {e['plot_id']} | {e['layer']} | {e['rule_id']} | {e['measured']} | "
                f"{e['unit'] or ''} | {e.get('measured_planar', '')} | "
                f"{(e.get('other_layer') or '')} {(e.get('other_id') or '')} | {note} |"
            )
        out += [
            "",
            "## Project-level findings",
            "",
            "| rule | measured | unit | note |",
            "|---|---|---|---|",
        ]
        for e in project_level:
            out.append(
                f"| {e['rule_id']} | {e['measured']} | {e['unit'] or ''} | {e.get('note', '')} |"
            )
    if findings:
        out += [
            "",
            "## Not planted / expected to pass",
            "",
            "- CRS001–CRS003: the plot layers are EPSG:4545 (a valid sample cannot carry a CRS "
            "error);"
            " CRS004 (info) is planted: `illegal_land` is stored in EPSG:4490 and reprojected.",
            "- GEOM003: a shapefile cannot mix geometry types. ADJ001–ADJ005: need an adjusted "
            "plan.",
            "- TIME003 is Shanxi-only (profile here is sichuan).",
            *_balance_lines(bal),
            "- Every plot listed under `clean_plots` in expected.json must end with `ll_status = "
            "pass`.",
            "  All balance margins hold even if plots with error findings are left out of the "
            "totals",
            f"  (clean demolition plots alone: {bal['demolition_m2_clean_plots_only']} m²).",
        ]
    out += ["", "## Balance (ellipsoidal m²)", "", "| figure | value |", "|---|---|"]
    out += [f"| {k} | {v} |" for k, v in bal.items()]
    out += [
        "",
        f"Surplus: {bal['surplus_m2']} m² = {bal['surplus_hm2']} 公顷 = {bal['surplus_mu']} 亩.",
        "`demolition_m2` sums every demolition plot with a geometry, each at its own area (the "
        "bow-tie",
        "counted as its two repaired triangles, an overlapping pair counted twice).",
        "",
        "## Project facts",
        "",
        f"approved {f['approved']}, accepted {f['accepted']}, filed {f['filed']}, traded "
        f"{f['traded']}, "
        f"poverty county {f['poverty_county']}, advance quota {f['advance_quota_m2']} m².",
        "",
    ]
    return "\n".join(out)


def _balance_lines(bal: dict) -> list[str]:
    """What EXPECTED.md says about BAL001–BAL006 (quota basis, 田坎, not-checked figures)."""
    lines = [
        f"- Quota basis (BAL001/BAL005): {bal['quota_basis_m2']} m² of rural construction land in "
        "the survey "
        f"(whole demolition plots: {bal['demolition_m2']}); the PLAN004 plot counts "
        f"{bal['plan004_plot_basis_m2']} m², "
        f"the partly-farmland plot {bal['partly_farmland_plot']} counts "
        f"{bal['partly_farmland_plot_basis_m2']} of its "
        f"{bal['partly_farmland_plot_area_m2']} m².",
        f"- Cultivated areas net of 田坎 (KCXS per class {bal['kcxs']}): reclaimed "
        f"{bal['reclaimed_cultivated_m2']} vs "
        f"occupied {bal['occupied_cultivated_m2']} (declared classes, gross: "
        f"{bal['occupied_cultivated_declared_m2']}).",
        f"- BAL003: reclaimed weighted 等别 {bal['reclaimed_quality_weighted']} vs occupied "
        "(survey GDDB) "
        f"{bal['occupied_quality_weighted']}.",
    ]
    if bal["unmeasured_plots"]:
        ids = ", ".join(bal["unmeasured_plots"])
        lines.append(
            f"- BAL001, BAL002, BAL003, BAL005, BAL006: `info` not checked — plot(s) {ids} have no "
            "geometry, so their area is "
            "unknown and is never counted as 0; the balance table keeps the sums of the other "
            "plots (figures "
            "below) with status `not checked`. BAL004 is judged: the unmeasured plot is not "
            "reclaimed to paddy."
        )
    else:
        lines += [
            f"- BAL001 passes: construction {bal['construction_m2']} ≤ quota basis "
            f"{bal['quota_basis_m2']}.",
            f"- BAL002 passes: reclaimed cultivated {bal['reclaimed_cultivated_m2']} ≥ occupied "
            f"{bal['occupied_cultivated_m2']}.",
            f"- BAL006 passes: advance quota {bal['advance_quota_m2']} ≤ 30 % of surplus = "
            f"{bal['advance_quota_limit_m2']}.",
        ]
    return lines


def project_level_findings(s: Sample, bal: dict) -> list[dict]:
    """Project-level expectations: balance and time rules."""
    f, out = s.facts, []
    deadline = f["approved"].replace(year=f["approved"].year + 3)
    if f["accepted"] > deadline:
        out.append(
            {
                "plot_id": None,
                "layer": None,
                "rule_id": "TIME001",
                "measured": float((f["accepted"] - deadline).days),
                "unit": "days",
                "note": f"accepted {f['accepted']} > approved + 3 years = {deadline}",
            }
        )
    wd = working_days_after(f["accepted"], f["filed"])
    if wd > 10:
        out.append(
            {
                "plot_id": None,
                "layer": None,
                "rule_id": "TIME004",
                "measured": float(wd),
                "unit": "working_days",
                "note": f"filed {f['filed']} is working day {wd} after {f['accepted']}",
            }
        )
    if f["advance_quota_m2"] > 0 and (f["accepted"] - f["approved"]).days > 366:
        out.append(
            {
                "plot_id": None,
                "layer": None,
                "rule_id": "TIME002",
                "measured": None,
                "unit": None,
                "note": "advance quota used, acceptance > 1 year after approval and after trade",
            }
        )
    for layer in s.geographic_layers:
        out.append(
            {
                "plot_id": None,
                "layer": layer,
                "rule_id": "CRS004",
                "severity": "info",
                "measured": None,
                "unit": None,
                "note": f"reference layer {layer} is stored in {GEOGRAPHIC_CRS} and reprojected to {CRS}",
            }
        )
    if bal["occupied_paddy_m2"] > bal["reclaimed_paddy_m2"]:
        out.append(
            {
                "plot_id": None,
                "layer": None,
                "rule_id": "BAL004",
                "measured": bal["occupied_paddy_m2"],
                "threshold": bal["reclaimed_paddy_m2"],
                "unit": "m2",
                "note": f"occupied paddy {bal['occupied_paddy_m2']} > reclaimed paddy {bal['reclaimed_paddy_m2']}",
            }
        )
    return out


def write_sample(s: Sample, landuse, z, transform, folder: Path) -> None:
    """Write every file of one sample."""
    folder.mkdir(parents=True, exist_ok=True)
    dem = _frame(s.demolition, int_cols=("ZLDB", "GDPDJB"))
    write_shapefile(dem, folder / "拆旧地块.shp", cpg=True)
    con = _frame(s.construction, int_cols=("ZLDB",))
    write_shapefile(con, folder / "建新地块.shp", cpg=False)
    write_reference(s, landuse, folder / "reference.gpkg")
    write_dem(z, transform, folder / "dem.tif")
    (folder / "project.toml").write_text(project_toml(s), encoding="utf-8")
    findings = expected_findings(s, landuse)
    bal = balance(s, landuse)
    project_level = project_level_findings(s, bal)
    involved = {e.get("other_id") for e in findings}  # the other party of an overlap is not clean
    clean = sorted(
        {d["DKBH"] for d in s.demolition if not d["_planted"]}
        - {d["DKBH"] for d in s.demolition if d["_planted"]}
        - involved
    )
    clean_c = [c["DKBH"] for c in s.construction if not c["_planted"] and c["DKBH"] not in involved]
    doc = {
        "sample": s.name,
        "crs": CRS,
        "findings": findings + project_level,
        "balance": bal,
        "info": plan005(s, landuse),
        "clean_plots": {"demolition": clean, "construction": clean_c},
        "notes": [
            "measured: ellipsoidal m2 for areas (planar in measured_planar)",
            "GEOM004 is listed once per pair (plot_id < other_id)",
            "clean_plots must end with ll_status 'pass'; planted plots must carry at least the "
            "listed rules",
        ],
    }
    (folder / "expected.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (folder / "EXPECTED.md").write_text(
        expected_markdown(s, findings, bal, project_level), encoding="utf-8"
    )


def generate(builder, rng: np.random.Generator, folder: Path) -> Sample:
    """Build one sample with ``builder`` and write it to ``folder``."""
    s = builder(rng)
    landuse = landuse_tessellation(rng, s)
    add_background_reference(rng, s, landuse)
    z, transform = make_dem(rng, s)
    finalise_plots(s, slope_deg(z), transform, rng)
    dem_total = sum(
        ellipsoidal_area(d["geometry"]) for d in s.demolition if d["geometry"] is not None
    )
    con_total = sum(ellipsoidal_area(c["geometry"]) for c in s.construction)
    s.facts["advance_quota_m2"] = (
        float(round(0.1 * (dem_total - con_total), -2)) if s.facts["traded"] else 0.0
    )
    write_sample(s, landuse, z, transform, folder)
    return s


# ---------------------------------------------------------------------------------------------
# the construction-only sample: a plan that only builds, with surplus quota drawn from the demo
# ---------------------------------------------------------------------------------------------
LEDGER_FILE = "台账.gpkg"
CONSTRUCTION_ONLY = {
    "name": "巴州区曾口镇增减挂钩节余指标使用建新实施方案",
    "code": "511902-2023-009",
    "county": "巴州区",
    "approved": dt.date(2023, 3, 20),
    # accepted and filed: TIME001 (3 years) and TIME004 (10 working days) judge dates, not today
    "accepted": dt.date(2025, 6, 18),
    "filed": dt.date(2025, 6, 27),
}
#: id, name, kind, local rectangle (metres from the demo's origin), land class, quality grade
CONSTRUCTION_ONLY_PLOTS = [
    ("JX001", "石门村集中安置点", "安置", (3380, 2100, 3420, 2150), "0103", 11),
    ("JX002", "曾口镇城镇建新地块4", "城镇", (2800, 400, 2850, 440), "0103", 12),
    ("JX003", "曾口镇城镇建新地块5", "城镇", (3300, 450, 3350, 490), "0101", 11),
]
ADVANCE_BUYER = "巴中市公共资源交易中心"


def construction_only_figures(demo: Sample, demo_balance: dict, plots: list[dict]) -> dict:
    """The quota figures of the construction-only sample, from the demo's expected balance.

    The ledger records the demo's surplus (``surplus_m2`` of its EXPECTED.md) as generated at
    acceptance and its advance quota as advanced on the trade date; what a plan may draw is
    generated − advanced. The plan draws its construction area rounded up to whole 100 m².
    """
    f = demo.facts
    generated, advanced = demo_balance["surplus_m2"], f["advance_quota_m2"]
    available = round(generated - advanced, 2)
    con = round(sum(ellipsoidal_area(p["geometry"]) for p in plots), 2)
    draw = float(math.ceil(con / 100.0) * 100)
    left = round(available - draw, 2)
    return {
        "source_code": f["code"],
        "source_accepted": f["accepted"].isoformat(),
        "source_generated_m2": generated,
        "source_advanced_m2": advanced,
        "source_advanced_date": f["traded"].isoformat(),
        "source_available_m2": available,
        "construction_m2": con,
        "construction_planar_m2": round(sum(p["geometry"].area for p in plots), 2),
        "plots_m2": {p["DKBH"]: p["MJ"] for p in plots},
        "drawn_m2": draw,
        "drawn_mu": round(draw / SQM_PER_MU, 4),
        "source_left_after_m2": left,
        "overdraw_before_m2": round(available + 0.01, 2),
        "overdraw_after_m2": round(left + 0.01, 2),
    }


def _construction_only_toml(fig: dict) -> str:
    f = CONSTRUCTION_ONLY
    return "\n".join(
        [
            "# Generated by scripts/make_samples.py - do not edit by hand.",
            "# Build the ledger first: see EXPECTED.md (landlink ledger init / add / status / "
            "quota).",
            "[project]",
            f'name = "{f["name"]}"',
            f'code = "{f["code"]}"',
            f'county = "{f["county"]}"',
            'kind = "construction_only"',
            'profile = "sichuan"',
            f'crs = "{CRS}"',
            f"approved = {f['approved'].isoformat()}",
            f"accepted = {f['accepted'].isoformat()}",
            f"filed = {f['filed'].isoformat()}",
            "",
            "[layers.construction]",
            'path = "建新地块.shp"',
            'id = "DKBH"',
            'fields = { kind = "JXLX", land_class = "DLBM", area = "MJ", quality = "ZLDB" }',
            "",
            "[[quota_sources]]",
            f'code = "{fig["source_code"]}"',
            f"area_m2 = {fig['drawn_m2']:.1f}",
            "",
            "[ledger]",
            f'path = "{LEDGER_FILE}"',
            "",
        ]
    )


def _construction_only_markdown(fig: dict) -> str:
    f, code, src = CONSTRUCTION_ONLY, CONSTRUCTION_ONLY["code"], fig["source_code"]
    deadline = f["approved"].replace(year=f["approved"].year + 3)
    wd = working_days_after(f["accepted"], f["filed"])
    assert f["accepted"] <= deadline and wd <= 10, (
        "the sample's dates must pass TIME001 and TIME004"
    )
    led = f"data/samples/bazhong_construction_only/{LEDGER_FILE}"
    rows = [f"| {k} | {v} |" for k, v in fig.items()]
    return "\n".join(
        [
            "# Expected results: bazhong_construction_only",
            "",
            'A construction-only plan (单独编制建新实施方案, `kind = "construction_only"`), code '
            f"{code}, approved",
            f"{f['approved']}: {len(CONSTRUCTION_ONLY_PLOTS)} new-construction plots near the "
            "demo's (none overlaps a demo plot),",
            f"built with {fig['drawn_m2']} m² ({fig['drawn_mu']} 亩) of surplus quota drawn from "
            f"the demo project {src}",
            "(`[[quota_sources]]`). It has no demolition layer: BAL009 replaces BAL001–BAL005.",
            "",
            "## Build the ledger first",
            "",
            f"`project.toml` names the ledger `{LEDGER_FILE}` beside it (ignored by git). From the "
            "repository root:",
            "",
            "```",
            "landlink check data/samples/bazhong_demo/project.toml -o "
            "out/bazhong_demo_checked.gpkg   # exit 1: planted errors",
            f"landlink ledger init {led} --crs {CRS}",
            f"export LANDLINK_LEDGER={led}",
            "landlink ledger add out/bazhong_demo_checked.gpkg --force --reason "
            '"示例：演示项目区含预置错误，仅作节余指标来源"',
            f"landlink ledger status {src} --set accepted --date {fig['source_accepted']}",
            f"landlink ledger quota {src} --record advanced --area {fig['source_advanced_m2']:g} "
            f"--date {fig['source_advanced_date']} --counterpart {ADVANCE_BUYER}",
            f"landlink ledger quota {src} --record generated --area {fig['source_generated_m2']} "
            f"--date {fig['source_accepted']}",
            "make demo SAMPLE=bazhong_construction_only      # exit 0: BAL009 passes",
            "landlink ledger add out/bazhong_construction_only_checked.gpkg   # records the draw",
            f"landlink ledger quota {src}                # surplus balance "
            f"{fig['source_left_after_m2']}",
            "```",
            "",
            "The demo has planted error findings, so registering it needs `--force --reason`; a "
            "source must be",
            "`accepted` before its surplus can be drawn (BAL009 and `ledger add` both refuse "
            "otherwise).",
            "",
            "## Expected",
            "",
            f"- Source {src}: generated {fig['source_generated_m2']} m² (the demo's `surplus_m2`, "
            "its EXPECTED.md) − advanced",
            f"  {fig['source_advanced_m2']} m² (its `advance_quota_m2`) = "
            f"**{fig['source_available_m2']} m² available**.",
            f"- Construction: {fig['construction_m2']} m² ellipsoidal "
            f"({fig['construction_planar_m2']} m² planar), plots "
            + ", ".join(f"{k} {v}" for k, v in fig["plots_m2"].items())
            + ".",
            f"- `landlink check`: exit 0; BAL009 passes (draw {fig['drawn_m2']} ≤ "
            f"{fig['source_available_m2']}); the balance row",
            f"  `drawn_quota` / {src} is `pass`; no BAL001–BAL005 finding; no OVL003/LED001 (no "
            "plot meets a demo plot);",
            f"  TIME001 passes (accepted {f['accepted']} ≤ approved + 3 years = {deadline}), "
            f"TIME004 passes (filed {f['filed']},",
            f"  working day {wd} after acceptance). Every other finding is `info` (rules whose "
            "layers the plan does not have).",
            "- `landlink ledger add`: registered; the source's quota account gains a `drawn` "
            f"event of {fig['drawn_m2']} m²",
            f"  (counterpart {code}, dated {f['approved']}); its surplus balance drops to "
            f"{fig['source_left_after_m2']} m².",
            "",
            "## Overdraw variants",
            "",
            f"- This plan drawing {fig['overdraw_before_m2']} m² (0.01 m² over what is available) "
            "before it is registered: BAL009",
            f"  `error`, measured {fig['overdraw_before_m2']}, threshold "
            f"{fig['source_available_m2']}; exit 1.",
            "- After this plan is registered, another construction-only plan drawing "
            f"{fig['overdraw_after_m2']} m² from {src}:",
            f"  BAL009 `error` (threshold {fig['source_left_after_m2']}), `ledger add` refuses it "
            "(exit 1: error findings; with",
            "  `--force --reason` exit 2: the ledger's own quota check); drawing exactly "
            f"{fig['source_left_after_m2']} m² passes.",
            "",
            "## Figures (m²)",
            "",
            "| figure | value |",
            "|---|---|",
            *rows,
            "",
            "Areas: ellipsoidal with `pyproj.Geod` on CGCS2000 after densifying edges to ≤ 10 m "
            "(as for the",
            "other samples), independently of landlink_gis.",
            "",
        ]
    )


def write_construction_only(demo: Sample, demo_folder: Path, folder: Path) -> None:
    """Write the construction-only sample (quota drawn from ``demo``, written to ``demo_folder``).

    Raises
    ------
    AssertionError
        A plot meets one of the demo's plots or planted reference features (within 10 m).
    """
    folder.mkdir(parents=True, exist_ok=True)
    taken = shapely.union_all(
        [shapely.make_valid(d["geometry"]) for d in demo.demolition if d["geometry"] is not None]
        + [c["geometry"] for c in demo.construction]
        + [
            f["geometry"]
            for rows in demo.layers.values()
            for f in rows
            if f.get("GNFQ") is None and f.get("XZQDM") is None
        ]
    ).buffer(10.0)
    plots = []
    for pid, name, kind, lr, code, grade in CONSTRUCTION_ONLY_PLOTS:
        g = rect(demo.origin, *lr)
        assert not g.intersects(taken), f"{pid} meets a demo plot or reference feature"
        plots.append(
            {
                "DKBH": pid,
                "DKMC": name,
                "DLBM": code,
                "DLMC": DLMC[code],
                "QSDWMC": name[:3] + "股份经济合作联合社"
                if kind == "安置"
                else f"{TOWNSHIP}人民政府",
                "MJ": round(ellipsoidal_area(g), 2),
                "JXLX": kind,
                "ZLDB": grade,
                "geometry": g,
            }
        )
    demo_balance = json.loads((demo_folder / "expected.json").read_text(encoding="utf-8"))[
        "balance"
    ]
    fig = construction_only_figures(demo, demo_balance, plots)
    write_shapefile(_frame(plots, int_cols=("ZLDB",)), folder / "建新地块.shp", cpg=True)
    (folder / "project.toml").write_text(_construction_only_toml(fig), encoding="utf-8")
    (folder / ".gitignore").write_text(
        f"# the ledger built by the commands of EXPECTED.md\n{LEDGER_FILE}*\n", encoding="utf-8"
    )
    doc = {
        "sample": "bazhong_construction_only",
        "crs": CRS,
        "code": CONSTRUCTION_ONLY["code"],
        "figures": fig,
    }
    (folder / "expected.json").write_text(
        json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    (folder / "EXPECTED.md").write_text(_construction_only_markdown(fig), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("data/samples"), help="output folder")
    parser.add_argument("--seed", type=int, default=20190506, help="random seed")
    args = parser.parse_args(argv)
    demo = generate(build_demo, np.random.default_rng([args.seed, 1]), args.out / "bazhong_demo")
    generate(build_clean, np.random.default_rng([args.seed, 2]), args.out / "bazhong_clean")
    write_construction_only(demo, args.out / "bazhong_demo", args.out / "bazhong_construction_only")
    print(
        f"wrote {args.out / 'bazhong_demo'}, {args.out / 'bazhong_clean'} and "
        f"{args.out / 'bazhong_construction_only'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
