"""What a coordinate exchange TXT says, checked against itself: the content checks of a filing.

Used by ``landlink package --verify`` (every check, each problem with its file, line and plot) and by
the reader (the header's 带号 against the zone prefix of the coordinates, so that ``landlink check``
reports a TXT input whose 带号 is wrong). Nothing here reads a file: the checks take what
:func:`~landlink_gis.io.coordtxt.parse.parse` found.

The checks (DOMAIN.md §4c), by problem code:

``datum``
    坐标系 is 2000国家大地坐标系 (an empty value: warning; another datum: error).
``axes``
    X is the northing, Y the easting; X/Y swapped on most points is an error.
``zone_prefix``
    Y carries the zone number of 带号. Missing on every point of a file whose header gives 带号:
    warning; on some points and not others, or missing without 带号: error.
``zone`` / ``zone_width`` / ``zone_header``
    带号 (or the central meridian some producers write there) agrees with the zone prefix; the zone
    is one of 几度分带; 带号 is usable at all.
``easting`` / ``outside_china``
    The easting lies inside the zone (within the half-width of :mod:`landlink_gis.base.crs`);
    the point lies inside China (73°–136°E, 3°–54°N).
``ring_simple`` / ``rings``
    Each ring is simple (a bow-tie is an error); a hole lies inside its outer ring (rings of one
    plot that cross are an error).
``area``
    地块面积 (公顷) agrees with the area of the plot's coordinates within max(0.0001 公顷, 0.5 %),
    ellipsoidal (default) or planar.
``plot_id_duplicate``
    地块编号 is unique within the file.

Across the files of a package (:func:`cross_file_problems`): ``plot_id_duplicate`` across files and
``overlap`` (two plots overlap by more than ``overlap_tolerance_m2``). Ring orientation and start
point are not checked: files from other tools vary.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer

from landlink_gis.base.crs import GK_ZONES, gk_epsg, zone_of_meridian
from landlink_gis.engine.area import ellipsoidal_area

from .format import datum_of_label
from .parse import Parsed
from .rings import assemble

__all__ = [
    "AREA_ABS_TOL_HA",
    "AREA_BASES",
    "AREA_REL_TOL",
    "ContentProblem",
    "TxtContent",
    "area_with_unit",
    "check_content",
    "cross_file_problems",
    "header_zone",
    "zone_problems",
]

#: 地块面积 agrees with the coordinates within max(AREA_ABS_TOL_HA, AREA_REL_TOL × area).
AREA_ABS_TOL_HA, AREA_REL_TOL = 0.0001, 0.005
#: How 地块面积 may be computed: the official ellipsoidal area, or the planar Gauss-Krüger area.
AREA_BASES: tuple[str, ...] = ("ellipsoidal", "planar")
#: Longitude and latitude box of China (mainland and islands), degrees.
CHINA_LON, CHINA_LAT = (73.0, 136.0), (3.0, 54.0)
#: Half-width of a zone's eastings around 500 000 m (3°: ±~170 km at China's latitudes, with a
#: margin for plots just over a zone edge; 6°: ±~340 km), as in :mod:`landlink_gis.base.crs`.
HALF_WIDTH_M = {3: 260_000.0, 6: 420_000.0}
_BASIS_ZH = {"ellipsoidal": "椭球面积", "planar": "平面面积"}
#: units 地块面积 is seen written with → factor to 公顷
_UNITS: dict[str, float] = {
    "公顷": 1.0,
    "hm2": 1.0,
    "hm²": 1.0,
    "ha": 1.0,
    "亩": 1.0 / 15.0,
    "平方米": 1e-4,
    "m2": 1e-4,
    "m²": 1e-4,
}
_AREA = re.compile(r"\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*(\S*)\s*")


@dataclass(frozen=True)
class ContentProblem:
    """One content problem: 1-based line (or ``None``), 地块编号 (or ``None``), code, severity,
    message (Chinese)."""

    line: int | None
    plot: str | None
    code: str
    severity: str
    message: str


@dataclass
class TxtContent:
    """One file as the content checks saw it: its plots and what was found."""

    name: str
    problems: list[ContentProblem] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    uses: list[str] = field(default_factory=list)
    declared_ha: np.ndarray = field(default_factory=lambda: np.zeros(0))
    geoms: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=object))
    epsg: int | None = None


def area_with_unit(text: str) -> tuple[float | None, str | None]:
    """地块面积 in 公顷 from its text, and the unit written after the number (``None``: none).

    ``"5.7089"`` → ``(5.7089, None)``; ``"5.7089公顷"`` → ``(5.7089, "公顷")``; ``"15亩"`` →
    ``(1.0, "亩")``; a number with an unknown unit, or no number, → ``(None, unit)``.
    """
    m = _AREA.fullmatch(text or "")
    if not m:
        return None, None
    unit = m.group(2) or None
    factor = 1.0 if unit is None else _UNITS.get(unit.lower())
    if factor is None:
        return None, unit
    value = float(m.group(1)) * factor
    return (value if np.isfinite(value) else None), unit


def header_zone(header: Mapping[str, str]) -> tuple[int | None, int | None, str | None]:
    """(几度分带, 带号, why 带号 is unusable) from the header; a central meridian becomes its zone."""
    width = _header_int(header, "几度分带")
    width = width if width in GK_ZONES else 3
    zone = _header_int(header, "带号")
    if zone is not None and zone >= 70:  # a central meridian written as 带号
        by_cm = zone_of_meridian(zone, width=width)
        if by_cm is None:
            return width, None, f"带号={zone} 既不是 {width}° 分带的带号，也不是其中央经线"
        zone = by_cm
    return width, zone, None


def _header_int(header: Mapping[str, str], key: str) -> int | None:
    m = re.fullmatch(r"\s*(\d{1,6})\s*", header.get(key, "") or "")
    return int(m.group(1)) if m else None


def zone_problems(
    header: Mapping[str, str], prefix_zone: int | None, *, line: int | None = None
) -> list[ContentProblem]:
    """带号 and 几度分带 against the zone prefix of the coordinates (``None``: no prefix).

    Shared by ``--verify`` and the reader (``landlink check`` reports them under CRS003).
    """
    width, zone, why = header_zone(header)
    out = []
    if why:
        out.append(ContentProblem(line, None, "zone_header", "error", why))
    written = (header.get("带号") or "").strip()
    if prefix_zone is not None and zone is not None and zone != prefix_zone:
        out.append(
            ContentProblem(
                line,
                None,
                "zone",
                "error",
                f"属性描述 带号={written}，坐标 Y 的带号前缀为 {prefix_zone}，二者不符",
            )
        )
    used = prefix_zone if prefix_zone is not None else zone
    if used is not None and used not in GK_ZONES[width]:
        zones = GK_ZONES[width]
        out.append(
            ContentProblem(
                line,
                None,
                "zone_width",
                "error",
                f"带号 {used} 不是 {width}° 分带的带号（{zones[0]}–{zones[-1]}），"
                f"几度分带={header.get('几度分带', '')} 与坐标不符",
            )
        )
    return out


def _digits(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return np.floor(np.log10(np.maximum(np.abs(values), 1.0))).astype(int) + 1


def check_content(
    parsed: Parsed,
    name: str,
    *,
    area_basis: str = "ellipsoidal",
    header_line: int | None = None,
) -> TxtContent:
    """Every content check of one parsed coordinate TXT (see the module's list).

    Parameters
    ----------
    parsed
        What :func:`~landlink_gis.io.coordtxt.parse.parse` found in the file.
    name
        How problems name the file.
    area_basis
        ``"ellipsoidal"`` (official, default) or ``"planar"``: how 地块面积 is compared.
    header_line
        Line of the ``[属性描述]`` section, where file-wide header problems are reported.

    Returns
    -------
    TxtContent
        The problems, and the plots (ids, lines, 地块面积, polygons in the file's CRS) for the
        checks across a package.
    """
    if area_basis not in AREA_BASES:
        raise ValueError(f"area basis {area_basis!r} is not one of {', '.join(AREA_BASES)}")
    out = TxtContent(name)
    add = out.problems.append
    ids = [p[2] if len(p) > 2 else "" for p in parsed.plots]
    out.ids, out.lines = ids, list(parsed.plot_lines)
    out.uses = [p[6] if len(p) > 6 else "" for p in parsed.plots]
    plot_of_point = np.asarray(parsed.ring_plot)[np.asarray(parsed.ring_of_point)]
    lines = np.asarray(parsed.lines)

    def at(point: int, code: str, severity: str, message: str) -> None:
        add(ContentProblem(int(lines[point]), ids[plot_of_point[point]], code, severity, message))

    label = (parsed.header.get("坐标系") or "").strip()
    datum = datum_of_label(label)
    if not label:
        add(
            ContentProblem(
                header_line, None, "datum", "warning", "属性描述未写坐标系，按 CGCS2000 核验"
            )
        )
    elif datum != "CGCS2000":
        add(
            ContentProblem(
                header_line,
                None,
                "datum",
                "error",
                f"坐标系={label}，报备数据须为 2000国家大地坐标系",
            )
        )

    xs, ys = np.asarray(parsed.xs, dtype=float), np.asarray(parsed.ys, dtype=float)
    xd, yd = _digits(xs), _digits(ys)
    if np.mean((xd == 8) | ((xd == 6) & (yd == 7))) > 0.5 and np.mean(yd == 7) > 0.5:
        at(0, "axes", "error", "X 与 Y 颠倒：X 应为纵坐标（北向），Y 应为横坐标（东向，含带号）")
        xs, ys, yd = ys, xs, xd
    prefixed = yd == 8
    width, header_z, _ = header_zone(parsed.header)
    prefix_zone: int | None = None
    if prefixed.any() and not prefixed.all():
        bad = int(np.flatnonzero(prefixed != prefixed[0])[0])
        at(bad, "zone_prefix", "error", "部分点的 Y 带带号前缀、部分不带；全文件应一致")
        return out
    if prefixed.all():
        zones = (ys // 1_000_000).astype(int)
        if (zones != zones[0]).any():
            bad = int(np.flatnonzero(zones != zones[0])[0])
            at(bad, "zone_prefix", "error", f"Y 的带号前缀 {zones[bad]} 与前面的 {zones[0]} 不同")
            return out
        prefix_zone = int(zones[0])
        eastings = ys - prefix_zone * 1_000_000.0
    else:
        eastings = ys
        if header_z is None:
            add(
                ContentProblem(
                    header_line,
                    None,
                    "zone_prefix",
                    "error",
                    "Y 不带带号前缀，属性描述也未给出带号，无法确定分带",
                )
            )
            return out
        add(
            ContentProblem(
                header_line,
                None,
                "zone_prefix",
                "warning",
                f"Y 不带带号前缀（按属性描述 带号={header_z} 读取）；上传前宜在 Y 前加带号",
            )
        )
    zp = zone_problems(parsed.header, prefix_zone, line=header_line)
    out.problems.extend(zp)
    zone = prefix_zone if prefix_zone is not None else header_z
    if zp or zone is None:
        return out

    far = np.abs(eastings - 500_000.0) > HALF_WIDTH_M[width]
    for p in _first_per_plot(far, plot_of_point):
        at(
            p,
            "easting",
            "error",
            f"横坐标 {eastings[p]:.0f} 米不在 {zone} 带内（距中央经线超过 "
            f"{HALF_WIDTH_M[width] / 1000:.0f} 公里）",
        )
    epsg = gk_epsg(zone, width=width, prefix=True, datum=datum or "CGCS2000")
    out.epsg = epsg
    with np.errstate(invalid="ignore", over="ignore"):
        lon, lat = Transformer.from_crs(CRS.from_epsg(epsg), "EPSG:4490", always_xy=True).transform(
            eastings + zone * 1_000_000.0, xs
        )
    outside = ~(
        (lon >= CHINA_LON[0])
        & (lon <= CHINA_LON[1])
        & (lat >= CHINA_LAT[0])
        & (lat <= CHINA_LAT[1])
    )
    for p in _first_per_plot(outside & ~far, plot_of_point):
        at(p, "outside_china", "error", f"点 X={xs[p]:.3f}, Y={ys[p]:.3f} 不在中国境内")

    coords = np.column_stack([eastings + zone * 1_000_000.0, xs])
    out.geoms = _plot_geometries(parsed, coords, ids, out.problems, name)
    out.declared_ha = _declared(parsed, ids, out.problems)
    _area_problems(out, epsg, area_basis, bad_plots=set(plot_of_point[far | outside].tolist()))
    seen: dict[str, int] = {}
    for i, pid in enumerate(ids):
        if pid and pid in seen:
            add(
                ContentProblem(
                    parsed.plot_lines[i],
                    pid,
                    "plot_id_duplicate",
                    "error",
                    f"地块编号 {pid} 与第 {seen[pid]} 行的地块重复",
                )
            )
        seen.setdefault(pid, parsed.plot_lines[i])
    return out


def _first_per_plot(mask: np.ndarray, plot_of_point: np.ndarray) -> list[int]:
    """The first point of each plot where ``mask`` holds."""
    hits = np.flatnonzero(mask)
    if not len(hits):
        return []
    first = np.r_[True, plot_of_point[hits][1:] != plot_of_point[hits][:-1]]
    return hits[first].tolist()


def _plot_geometries(
    parsed: Parsed, coords: np.ndarray, ids: list[str], out: list[ContentProblem], name: str
) -> np.ndarray:
    """Polygons of the plots (holes and parts by containment, as the reader builds them); a
    non-simple ring or crossing rings are problems and leave the plot's geometry ``None``."""
    ring_of_point = np.asarray(parsed.ring_of_point)
    ring_plot = np.asarray(parsed.ring_plot)
    rings = shapely.linearrings(coords, indices=ring_of_point)
    simple = shapely.is_simple(rings)
    starts = np.searchsorted(ring_of_point, np.arange(len(rings) + 1))
    n = len(parsed.plots)
    geoms = np.full(n, None, dtype=object)
    first_ring = np.searchsorted(ring_plot, np.arange(n + 1))
    for r in np.flatnonzero(~simple).tolist():
        out.append(
            ContentProblem(
                parsed.lines[starts[r]],
                ids[ring_plot[r]],
                "ring_simple",
                "error",
                f"第 {parsed.ring_no[r]} 圈自相交（边线交叉，如“8”字形），不是简单闭合环",
            )
        )
    rings_per_plot = np.diff(first_ring)
    usable = np.ones(n, dtype=bool)
    usable[ring_plot[~simple]] = False
    single = usable & (rings_per_plot == 1)
    geoms[single] = shapely.polygons(rings[first_ring[:-1][single]])
    for p in np.flatnonzero(usable & (rings_per_plot > 1)).tolist():  # holes, further parts
        idx = np.arange(first_ring[p], first_ring[p + 1])
        pts = [coords[starts[r] : starts[r + 1]] for r in idx]
        geoms[p] = assemble(rings[idx], pts, name, parsed.plot_lines[p])
    pos = np.flatnonzero(usable)
    invalid = pos[~shapely.is_valid(geoms[pos])]
    for p in invalid.tolist():
        out.append(
            ContentProblem(
                parsed.plot_lines[p],
                ids[p],
                "rings",
                "error",
                "各圈相互交叉（内圈须完全位于外圈之内，其他部分不得与外圈重叠）："
                f"{shapely.is_valid_reason(geoms[p])}",
            )
        )
    geoms[invalid] = None
    return geoms


def _declared(parsed: Parsed, ids: list[str], out: list[ContentProblem]) -> np.ndarray:
    """地块面积 of each plot in 公顷 (NaN where it is not a number); a unit written is a warning."""
    values = np.full(len(parsed.plots), np.nan)
    for i, fields in enumerate(parsed.plots):
        text = fields[1] if len(fields) > 1 else ""
        value, unit = area_with_unit(text)
        if value is not None:
            values[i] = value
            if unit is not None:
                out.append(
                    ContentProblem(
                        parsed.plot_lines[i],
                        ids[i],
                        "area_unit",
                        "warning",
                        f"地块面积 {text} 带单位；应只写数字（公顷）",
                    )
                )
    return values


def _area_problems(content: TxtContent, epsg: int, basis: str, bad_plots: set[int]) -> None:
    geoms = content.geoms
    ok = ~shapely.is_missing(geoms) & np.isfinite(content.declared_ha)
    ok[list(bad_plots)] = False
    if not ok.any():
        return
    idx = np.flatnonzero(ok)
    work = geoms[idx]
    computed = (
        ellipsoidal_area(work, CRS.from_epsg(epsg))
        if basis == "ellipsoidal"
        else shapely.area(work)
    ) / 10_000.0
    declared = content.declared_ha[idx]
    tol = np.maximum(AREA_ABS_TOL_HA, AREA_REL_TOL * np.abs(computed))
    # 地块面积 is written to four decimals: allow its rounding on top of the tolerance
    off = np.abs(declared - computed) > tol + 0.00005
    for k in np.flatnonzero(off).tolist():
        i = int(idx[k])
        content.problems.append(
            ContentProblem(
                content.lines[i],
                content.ids[i],
                "area",
                "error",
                f"地块面积 {declared[k]:.4f} 公顷，按坐标计算的{_BASIS_ZH[basis]} {computed[k]:.4f} "
                f"公顷，相差 {declared[k] - computed[k]:+.4f} 公顷，超过容差 "
                f"max(0.0001 公顷, 0.5%)",
            )
        )


def cross_file_problems(
    contents: Sequence[TxtContent], *, overlap_tolerance_m2: float = 1.0
) -> list[tuple[str, ContentProblem]]:
    """Problems across the files of a package: a 地块编号 used twice, two plots that overlap.

    Returns
    -------
    list of (file name, ContentProblem)
        Each problem with the file it is reported in (the later of the two).
    """
    out: list[tuple[str, ContentProblem]] = []
    first: dict[str, tuple[str, int]] = {}
    for c in contents:
        for pid, line in zip(c.ids, c.lines, strict=True):
            if pid in first and first[pid][0] != c.name:
                out.append(
                    (
                        c.name,
                        ContentProblem(
                            line,
                            pid,
                            "plot_id_duplicate",
                            "error",
                            f"地块编号 {pid} 在 {first[pid][0]} 第 {first[pid][1]} 行已用过",
                        ),
                    )
                )
            first.setdefault(pid, (c.name, line))
    usable = [c for c in contents if c.epsg is not None and len(c.geoms)]
    if not usable:
        return out
    target = CRS.from_epsg(usable[0].epsg)
    owner: list[tuple[TxtContent, int]] = []
    parts: list[Any] = []
    for c in usable:
        keep = [i for i, g in enumerate(c.geoms) if g is not None]
        geoms = c.geoms[keep]
        if c.epsg != usable[0].epsg and len(geoms):
            t = Transformer.from_crs(CRS.from_epsg(c.epsg), target, always_xy=True)
            geoms = shapely.transform(geoms, lambda xy, t=t: np.column_stack(t.transform(*xy.T)))
        owner += [(c, i) for i in keep]
        parts.extend(geoms)
    arr = np.asarray(parts, dtype=object)
    if len(arr) < 2:
        return out
    ii, jj = shapely.STRtree(arr).query(arr, predicate="intersects")
    keep = ii < jj
    ii, jj = ii[keep], jj[keep]
    if not len(ii):
        return out
    area = shapely.area(shapely.intersection(arr[ii], arr[jj]))
    for i, j, a in zip(ii.tolist(), jj.tolist(), area.tolist(), strict=True):
        if a <= overlap_tolerance_m2:
            continue
        (ci, pi), (cj, pj) = owner[i], owner[j]
        where = "" if ci is cj else f"{ci.name} "
        out.append(
            (
                cj.name,
                ContentProblem(
                    cj.lines[pj],
                    cj.ids[pj],
                    "overlap",
                    "error",
                    f"地块 {cj.ids[pj]} 与 {where}地块 {ci.ids[pi]}（第 {ci.lines[pi]} 行）重叠 "
                    f"{a:.1f} 平方米，超过 {overlap_tolerance_m2:g} 平方米",
                ),
            )
        )
    return out
