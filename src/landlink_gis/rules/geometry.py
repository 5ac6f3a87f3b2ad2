"""Geometry rules (GEOM001–GEOM006) on the plot layers."""

from __future__ import annotations

import re

import numpy as np
import shapely

from ..base.findings import combine, make
from ..base.roles import PLOT_ROLES
from ..engine.geomops import finite_coordinates
from ..engine.overlay import overlay_pairs
from ..load.context import CheckContext
from ._citations import JILIN_2017, MONITORING_2014, OGC_SFA, SURVEY_TDT1055
from ._registry import rule

_LOCATION = re.compile(r"\[\s*(-?[\d.eE+]+)\s+(-?[\d.eE+]+)")


def _plot_layers(ctx: CheckContext):
    return [r for r in PLOT_ROLES if ctx.has(r)]


def _geoms(ctx: CheckContext, role) -> np.ndarray:
    return np.asarray(ctx.layer(role).geometry.array, dtype=object)


def _present(geoms: np.ndarray) -> np.ndarray:
    return ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))


def invalid_reasons(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions, GEOS reasons and locations (points) of the invalid geometries in ``geoms``."""
    present = _present(geoms)
    bad = np.flatnonzero(present & ~shapely.is_valid(geoms))
    reasons = shapely.is_valid_reason(geoms[bad]) if len(bad) else np.zeros(0, object)
    points = np.empty(len(bad), dtype=object)
    for i, reason in enumerate(reasons):
        m = _LOCATION.search(reason or "")
        points[i] = (
            shapely.Point(float(m.group(1)), float(m.group(2)))
            if m
            else _first_finite_point(geoms[bad[i]])
        )
    return bad, np.asarray(reasons, dtype=object), points


#: GEOS validity reasons (``shapely.is_valid_reason`` prefixes) in Chinese; longer prefixes first
_GEOS_REASONS_ZH: tuple[tuple[str, str], ...] = (
    ("Ring Self-intersection", "环自相交"),
    ("Self-intersection", "自相交"),
    ("Too few distinct points in geometry component", "几何部件的有效点数过少"),
    ("Too few points in geometry component", "几何部件的点数过少"),
    ("Hole lies outside shell", "内环（洞）位于外环之外"),
    ("Holes are nested", "内环相互嵌套"),
    ("Nested holes", "内环相互嵌套"),
    ("Nested shells", "外环相互嵌套"),
    ("Interior is disconnected", "面内部不连通（被内环分割）"),
    ("Invalid Coordinate", "坐标无效（非有限数值）"),
    ("Duplicate Rings", "存在重复的环"),
    ("Ring is not closed", "环未闭合"),
    ("Repeated Point", "重复点"),
    ("Topology Validation Error", "拓扑错误"),
)


def translate_reasons(reasons: np.ndarray, lang: str) -> np.ndarray:
    """GEOS validity reasons in ``lang``: under ``zh`` the reason words in Chinese, the location
    kept.

    ``"Ring Self-intersection[5 0]"`` becomes ``"环自相交，位置 [5 0]"``; a reason GEOS may add
    later that has no translation is kept as GEOS wrote it.
    """
    out = np.asarray(reasons, dtype=object).copy()
    if lang != "zh":
        return out
    for i, reason in enumerate(out):
        text = str(reason or "")
        for prefix, zh in _GEOS_REASONS_ZH:
            if text.startswith(prefix):
                rest = text[len(prefix) :].strip()
                out[i] = f"{zh}，位置 {rest}" if rest.startswith("[") else f"{zh}{rest}"
                break
    return out


def _first_finite_point(geom) -> shapely.Point | None:
    """A location for a geometry GEOS gives none for: its first finite vertex (None if it has
    none)."""
    coords = shapely.get_coordinates(geom)
    finite = coords[np.isfinite(coords).all(axis=1)]
    return shapely.Point(finite[0]) if len(finite) else None


_UNCLOSED = {"zh": "环未闭合（读取时已闭合）", "en": "ring not closed (closed when read)"}
_UNMEASURED = {
    "zh": "面积无法计算（坐标超出投影的有效范围或边长异常）：请核对该地块的坐标与坐标系",
    "en": "its area cannot be computed (coordinates beyond the projection's valid range or an absurd edge): check the plot's coordinates and CRS",  # noqa: E501
}
_POINT_COUNT = {
    "zh": "界址点数为 {declared}，但坐标行有 {found} 行：请核对坐标文件中该地块的界址点",
    "en": "the plot line declares {declared} boundary points but {found} point lines follow: check the plot's points in the coordinate file",  # noqa: E501
}


def _num(value) -> str:
    """A count as text (``?`` when unknown)."""
    return "?" if value is None else str(int(value)) if float(value).is_integer() else str(value)


_REPAIRED = {
    "zh": "已用 make_valid(structure) 修复：原图形平面面积 {before:.2f} m²，修复后椭球面积 {after:.2f} m²",
    "en": "repaired with make_valid(structure): planar area of the stored geometry {before:.2f} m², ellipsoidal area after repair {after:.2f} m²",  # noqa: E501
}


@rule(
    "GEOM001",
    name="geometry.invalid",
    severity="error",
    title=("几何图形无效", "Invalid geometry"),
    message=(
        "{layer} {plot_id} 几何图形无效：{reason}",
        "{layer} plot {plot_id} has an invalid geometry: {reason}",
    ),
    reference=f"{OGC_SFA} §6.1.11 Polygon（环不自相交、闭合）; {JILIN_2017} 第二十一条 做到界址、面积和权属清楚",
    example="a bow-tie polygon (ring self-intersection)",
)
def invalid(ctx: CheckContext):
    """Polygons must be valid (no self-intersecting rings, no spikes, closed rings); the finding
    is located at the point GEOS reports."""
    out = []
    for role in _plot_layers(ctx):
        # with --repair the layer holds the repaired geometries; the invalidity is the original's
        repair = ctx.repairs.get(role)
        geoms = repair.original if repair is not None else _geoms(ctx, role)
        bad, reasons, points = invalid_reasons(geoms)
        if len(bad):
            out.append(
                make(
                    layer=role,
                    plot_id=ctx.plot_ids(role, bad),
                    geometry=points,
                    reason=translate_reasons(reasons, ctx.lang),
                    crs=ctx.crs,
                )
            )
        unclosed = ctx.sources[role].unclosed
        if unclosed is not None and len(unclosed):
            first = shapely.get_point(
                shapely.get_exterior_ring(shapely.get_geometry(geoms[unclosed], 0)), 0
            )
            out.append(
                make(
                    layer=role,
                    plot_id=ctx.plot_ids(role, unclosed),
                    geometry=first,
                    reason=_UNCLOSED[ctx.lang],
                    crs=ctx.crs,
                )
            )
        # a present, GEOS-valid geometry whose area could not be computed (coordinates far outside
        # the
        # projection's range): an error for that plot, so that its row never reads "pass"
        present, invalid_mask = ctx.geometry_state(role)
        unmeasured = np.flatnonzero(present & ~invalid_mask & ~np.isfinite(ctx.area(role)))
        if len(unmeasured):
            out.append(
                make(
                    layer=role,
                    plot_id=ctx.plot_ids(role, unmeasured),
                    geometry=_geoms(ctx, role)[unmeasured],
                    reason=_UNMEASURED[ctx.lang],
                    crs=ctx.crs,
                )
            )
        problems = [p for p in ctx.sources[role].problems if p.code == "point_count"]
        if problems:
            pos = np.array([p.position for p in problems], dtype=int)
            text = [
                _POINT_COUNT[ctx.lang].format(declared=_num(p.declared), found=_num(p.found))
                for p in problems
            ]
            out.append(
                make(
                    layer=role,
                    plot_id=ctx.plot_ids(role, pos),
                    geometry=_geoms(ctx, role)[pos],
                    reason=np.asarray(text, dtype=object),
                    crs=ctx.crs,
                )
            )
        if repair is not None and len(repair.table):
            pos = repair.table["position"].to_numpy()
            before, after = (
                repair.table["area_before_m2"].to_numpy(),
                repair.table["area_after_m2"].to_numpy(),
            )
            text = [
                _REPAIRED[ctx.lang].format(before=b, after=a)
                for b, a in zip(before, after, strict=True)
            ]
            out.append(
                make(
                    layer=role,
                    plot_id=ctx.plot_ids(role, pos),
                    geometry=_geoms(ctx, role)[pos],
                    measured=after,
                    threshold=before,
                    unit="m2",
                    severity="info",
                    reason=np.asarray(text, dtype=object),
                    crs=ctx.crs,
                )
            )
    return combine(out)


@rule(
    "GEOM002",
    name="geometry.empty",
    severity="error",
    title=("几何图形为空", "Empty or null geometry"),
    message=(
        "{layer} {plot_id} 没有几何图形（空或 NULL）",
        "{layer} plot {plot_id} has an empty or null geometry",
    ),
    reference=f"{JILIN_2017} 第二十一条 做到界址、面积和权属清楚; {MONITORING_2014} 二(一) 报备信息完整、准确",
    example="a shapefile record with a NULL shape",
)
def empty(ctx: CheckContext):
    """Every plot needs a geometry."""
    out = []
    for role in _plot_layers(ctx):
        bad = np.flatnonzero(~_present(_geoms(ctx, role)))
        if len(bad):
            out.append(
                make(
                    layer=role,
                    plot_id=ctx.plot_ids(role, bad),
                    geometry=np.full(len(bad), None),
                    crs=ctx.crs,
                )
            )
    return combine(out)


@rule(
    "GEOM003",
    name="geometry.not_polygon",
    severity="error",
    title=("不是面状图形", "Not a polygon"),
    message=(
        "{layer} {plot_id} 的几何类型为 {geom_type}，应为面（Polygon/MultiPolygon）",
        "{layer} plot {plot_id} is a {geom_type}; a polygon is required",
    ),
    reference=f"{SURVEY_TDT1055} 图斑为闭合的面状要素; {OGC_SFA} §6.1.11 Polygon、§6.1.14 MultiPolygon",
    example="a plot stored as a LineString (its boundary) in a GeoJSON layer",
)
def not_polygon(ctx: CheckContext):
    """Plots are areas: points, lines and collections are not plots."""
    out = []
    for role in _plot_layers(ctx):
        geoms = _geoms(ctx, role)
        types = shapely.get_type_id(geoms)
        bad = np.flatnonzero(_present(geoms) & ~np.isin(types, (3, 6)))
        if len(bad):
            names = shapely.get_type_id(geoms[bad])
            labels = np.array(
                [
                    "Point",
                    "LineString",
                    "LinearRing",
                    "Polygon",
                    "MultiPoint",
                    "MultiLineString",
                    "MultiPolygon",
                    "GeometryCollection",
                ],
                dtype=object,
            )[names]
            out.append(
                make(
                    layer=role,
                    plot_id=ctx.plot_ids(role, bad),
                    geometry=shapely.point_on_surface(geoms[bad]),
                    geom_type=labels,
                    crs=ctx.crs,
                )
            )
    return combine(out)


@rule(
    "GEOM004",
    name="geometry.self_overlap",
    severity="error",
    title=("同一图层地块相互重叠", "Plots of the same layer overlap"),
    message=(
        "{layer} {plot_id} 与地块 {other_id} 重叠 {measured:.2f} m²（容差 {threshold:g} m²）",
        "{layer} plot {plot_id} overlaps plot {other_id} by {measured:.2f} m² (tolerance "
        "{threshold:g} m²)",
    ),
    reference=f"{SURVEY_TDT1055} 图斑之间不重叠（数据库拓扑检查）; {JILIN_2017} 第二十一条 做到界址、面积和权属清楚",
    params={
        "overlap_tolerance_m2": (
            1.0,
            "overlaps smaller than this (m²) are ignored as digitising slivers",
        )
    },
    example="two demolition plots sharing a 10 m × 10 m corner (100 m²)",
)
def self_overlap(ctx: CheckContext, overlap_tolerance_m2):
    """Plots of one layer must not overlap: the overlap would be counted twice."""
    out = []
    for role in _plot_layers(ctx):
        geoms = ctx.valid_geoms(role)
        pairs = overlay_pairs(
            geoms,
            geoms,
            crs=ctx.crs,
            tolerance_m2=overlap_tolerance_m2,
            self_join=True,
            area_method=ctx.project.area_method,
        )
        if len(pairs):
            ids = ctx.plot_ids(role)
            out.append(
                make(
                    layer=role,
                    plot_id=ids[pairs["left"].to_numpy()],
                    other_layer=role,
                    other_id=ids[pairs["right"].to_numpy()],
                    geometry=pairs["geometry"].to_numpy(),
                    measured=pairs[ctx.area_column].to_numpy(),
                    threshold=overlap_tolerance_m2,
                    unit="m2",
                    crs=ctx.crs,
                )
            )
    return combine(out)


@rule(
    "GEOM005",
    name="geometry.sliver",
    severity="warning",
    title=("碎小或狭长图斑", "Sliver plot"),
    message=(
        "{layer} {plot_id} 为碎小或狭长图斑：面积 {area:.2f} m²（下限 {min_area:g} m²），紧凑度 "
        "4πA/P² = {compactness:.3f}（下限 {min_compactness:g}）",
        "{layer} plot {plot_id} is a sliver: area {area:.2f} m² (minimum {min_area:g} m²), "
        "compactness 4πA/P² = {compactness:.3f} (minimum {min_compactness:g})",
    ),
    reference=f"{SURVEY_TDT1055} 最小上图图斑面积（碎小、狭长图斑应核实）",
    params={
        "min_plot_area_m2": (10.0, "plots smaller than this (m²) are slivers"),
        "min_compactness": (0.05, "plots with 4πA/P² below this are slivers"),
    },
    example="a 100 m × 0.05 m strip (5 m², compactness 0.0016)",
)
def sliver(ctx: CheckContext, min_plot_area_m2, min_compactness):
    """Tiny or very thin plots are usually digitising errors."""
    out = []
    for role in _plot_layers(ctx):
        geoms = ctx.valid_geoms(role)
        present = _present(geoms)
        area = ctx.area(role)
        planar = shapely.area(geoms)
        perim = shapely.length(geoms)
        with np.errstate(invalid="ignore", divide="ignore"):
            compact = np.where(perim > 0, 4 * np.pi * planar / perim**2, 0.0)
        bad = np.flatnonzero(present & ((area < min_plot_area_m2) | (compact < min_compactness)))
        if len(bad):
            small = area[bad] < min_plot_area_m2
            out.append(
                make(
                    layer=role,
                    plot_id=ctx.plot_ids(role, bad),
                    geometry=geoms[bad],
                    measured=np.where(small, area[bad], compact[bad]),
                    threshold=np.where(small, min_plot_area_m2, min_compactness),
                    unit=np.where(small, "m2", "ratio").astype(object),
                    area=area[bad],
                    compactness=compact[bad],
                    min_area=min_plot_area_m2,
                    min_compactness=min_compactness,
                    crs=ctx.crs,
                )
            )
    return combine(out)


def _repeated_points(geoms: np.ndarray, chunk: int = 50_000) -> np.ndarray:
    """Whether each geometry has two equal consecutive vertices, ``chunk`` geometries at a time
    (the copies without them are made only to be counted: a million plots' copies at once would
    take half a gigabyte)."""
    out = np.zeros(len(geoms), dtype=bool)
    for start in range(0, len(geoms), chunk):
        part = geoms[start : start + chunk]
        cleaned = shapely.remove_repeated_points(part, 0.0)
        out[start : start + chunk] = shapely.get_num_coordinates(
            cleaned
        ) < shapely.get_num_coordinates(part)
    return out


@rule(
    "GEOM006",
    name="geometry.irregular",
    severity="warning",
    title=("多部件、重复节点或 Z/M 值", "Multipart plot, duplicate vertices or Z/M values"),
    message=("{layer} {plot_id}：{reason}", "{layer} plot {plot_id}: {reason}"),
    reference=f"{OGC_SFA} §6.1.11 Polygon、§6.1.14 MultiPolygon（二维坐标、无重复节点）; {JILIN_2017} 第二十一条 界址清楚",  # noqa: E501
    example="a plot of two separate polygons, or a PolygonZ from a CAD export",
)
def irregular(ctx: CheckContext):
    """One plot should be one polygon with distinct vertices in 2D; anything else is reported so
    it can be cleaned."""
    out = []
    for role in _plot_layers(ctx):
        geoms = _geoms(ctx, role)
        present = _present(geoms) & finite_coordinates(
            geoms
        )  # NaN/inf vertices: GEOM001's business
        multi = present & (shapely.get_num_geometries(geoms) > 1)
        dup = np.zeros(len(geoms), bool)
        dup[present] = _repeated_points(geoms[present])
        had_z = ctx.sources[role].had_z
        z = had_z if had_z is not None and len(had_z) == len(geoms) else np.zeros(len(geoms), bool)
        for mask, zh, en in (
            (multi, "多部件地块", "multipart plot"),
            (dup, "存在重复节点", "duplicate vertices"),
            (z, "含 Z/M 值，已去除", "Z/M values dropped"),
        ):
            bad = np.flatnonzero(mask)
            if len(bad):
                reason = zh if ctx.lang == "zh" else en
                out.append(
                    make(
                        layer=role,
                        plot_id=ctx.plot_ids(role, bad),
                        geometry=geoms[bad],
                        reason=reason,
                        crs=ctx.crs,
                    )
                )
    return combine(out)
