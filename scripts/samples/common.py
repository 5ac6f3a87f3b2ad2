"""Shared pieces of the sample generator: constants, shapes, the Sample record, land survey and DEM."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import rasterio
import rasterio.features
import shapely
import shapely.affinity
from pyproj import Geod, Transformer
from rasterio.transform import from_origin
from shapely.geometry import Polygon, box

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
    #: the county's 田坎 table written as ``[tiankan]`` (slope class → coefficient); None: none,
    #: the check then nets reclaimed land at the survey's KCXS
    tiankan: dict[int, float] | None = None

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
