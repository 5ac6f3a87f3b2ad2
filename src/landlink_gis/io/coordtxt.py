"""The Ministry's coordinate exchange TXT (坐标交换格式), read and written.

A file has a ``[属性描述]`` section of ``key=value`` lines (格式版本号, 数据产生单位, 数据产生日期,
坐标系, 几度分带, 投影类型, 计量单位, 带号, 精度, 转换参数; values may be empty) and a ``[地块坐标]``
section. Each plot starts with an attribute line::

    界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,地块用途,地类编码,@

(the 占补平衡 variant adds columns before ``@``) followed by ``点号,圈号,X,Y`` lines, X being the
northing and Y the easting, usually with the zone number in front (36 512 345.678). 地块面积 is in
公顷. 圈号 1 is the outer ring; higher numbers are holes or further parts, decided here by
containment. Files are GBK text as a rule; UTF-8 (with or without BOM) is detected.

Column names of the result follow the common filing field names: ``JZDS`` 界址点数, ``MJ_HA``
地块面积 (公顷), ``DKBH`` 地块编号, ``DKMC`` 地块名称, ``TXSX`` 图形属性, ``TFH`` 图幅号, ``DKYT``
地块用途, ``DLBM`` 地类编码, then ``EXTRA_1``, ``EXTRA_2``, … for the variant's extra columns.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.errors import GEOSException
from shapely.geometry import MultiPolygon, Polygon

from landlink_gis.errors import DataSourceError, InputError
from landlink_gis.io.atomic import write_bytes_atomic

__all__ = ["ATTRIBUTE_COLUMNS", "HEADER_KEYS", "read_coordtxt", "write_coordtxt"]

logger = logging.getLogger(__name__)

#: Header keys of ``[属性描述]``, in the order files write them.
HEADER_KEYS: tuple[str, ...] = (
    "格式版本号",
    "数据产生单位",
    "数据产生日期",
    "坐标系",
    "几度分带",
    "投影类型",
    "计量单位",
    "带号",
    "精度",
    "转换参数",
)
#: Result columns for the eight standard fields of a plot's attribute line, in file order.
ATTRIBUTE_COLUMNS: tuple[str, ...] = (
    "JZDS",
    "MJ_HA",
    "DKBH",
    "DKMC",
    "TXSX",
    "TFH",
    "DKYT",
    "DLBM",
)

_HEADER_SECTION, _COORD_SECTION = "属性描述", "地块坐标"
_SECTION = re.compile(r"^\s*[\[【［]\s*(.*?)\s*[\]】］]\s*$")
_ATTR_HELP = "界址点数,地块面积,地块编号,地块名称,图形属性,图幅号,地块用途,地类编码,@"
# datum -> zone width -> (EPSG of the first prefixed zone, first zone, EPSG of the first CM zone)
_GK_EPSG = {
    "CGCS2000": {3: (4513, 25, 4534), 6: (4491, 13, 4502)},
    "Xian 1980": {3: (2349, 25, 2370), 6: (2327, 13, 2338)},
    "Beijing 1954": {3: (2401, 25, 2422), 6: (21413, 13, 21453)},
}
_ZONES = {3: range(25, 46), 6: range(13, 24)}
_DATUM_LABEL = {
    "CGCS2000": "2000国家大地坐标系",
    "Xian 1980": "1980西安坐标系",
    "Beijing 1954": "1954北京坐标系",
}


def _fail(path: Path | str, line: int | None, problem: str, fix: str) -> DataSourceError:
    where = f"{path}, line {line}" if line is not None else str(path)
    return DataSourceError(f"{where}: {problem}. {fix}")


# ============================================================================ reading
@dataclass
class _Parsed:
    header: dict[str, str] = field(default_factory=dict)
    plots: list[list[str]] = field(default_factory=list)  # attribute fields before '@'
    plot_lines: list[int] = field(default_factory=list)
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # source line of each point
    ring_of_point: list[int] = field(default_factory=list)
    ring_plot: list[int] = field(default_factory=list)  # plot index of each ring
    ring_no: list[int] = field(default_factory=list)  # 圈号 of each ring


def _decode(data: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    """Decode the file: explicit encoding, else BOM, else UTF-8 if it decodes, else GBK (GB18030)."""
    if encoding:
        candidates = [encoding]
    elif data.startswith(b"\xef\xbb\xbf"):
        candidates = ["utf-8-sig"]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        candidates = ["utf-16"]
    else:
        candidates = ["utf-8", "gb18030"]
    for i, enc in enumerate(candidates):
        try:
            text = data.decode(enc)
        except LookupError as exc:
            raise InputError(
                f"{path}: unknown text encoding {enc!r}; use e.g. 'GBK' or 'UTF-8'"
            ) from exc
        except UnicodeDecodeError as exc:
            if i + 1 < len(candidates):
                continue
            line = data[: exc.start].count(b"\n") + 1
            raise _fail(
                path,
                line,
                f"the text is not valid {enc} (byte {exc.start})",
                "Save the file as GBK or UTF-8, or give the right encoding",
            ) from exc
        label = {"gb18030": "GBK", "utf-8-sig": "UTF-8", "utf-8": "UTF-8"}.get(enc, enc)
        return text, label
    raise AssertionError("unreachable")  # pragma: no cover


def _parse(text: str, path: Path) -> _Parsed:
    out = _Parsed()
    section: str | None = None
    seen_coords = False
    prev_ring_no: int | None = None
    ring_first: tuple[float, float] | None = None
    ring_len = 0
    ring_closed = False
    for lineno, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip().lstrip("\ufeff")
        if not line:
            continue
        m = _SECTION.match(line)
        if m:
            section = m.group(1)
            seen_coords |= section == _COORD_SECTION
            if section not in (_HEADER_SECTION, _COORD_SECTION):
                logger.warning("%s, line %d: unknown section [%s] ignored", path, lineno, section)
            continue
        if section == _HEADER_SECTION:
            key, sep, value = line.partition("=")
            if sep:
                out.header[key.strip()] = value.strip()
            else:
                logger.warning(
                    "%s, line %d: header line without '=' ignored: %s", path, lineno, line
                )
            continue
        if section != _COORD_SECTION:
            if section is None:
                raise _fail(
                    path,
                    lineno,
                    "text before the [属性描述]/[地块坐标] sections",
                    "Is this a 坐标交换格式 file? It must start with [属性描述] or [地块坐标]",
                )
            continue
        fields = [f.strip() for f in line.split(",")]
        while len(fields) > 1 and fields[-1] == "" and "@" not in fields:
            fields.pop()
        if "@" in fields or len(fields) >= 8:
            attrs = fields[: fields.index("@")] if "@" in fields else fields
            if len(attrs) < 8:
                raise _fail(
                    path,
                    lineno,
                    f"plot line has {len(attrs)} fields before '@', expected 8 or more",
                    f"Write it as {_ATTR_HELP}",
                )
            if out.plots and not _plot_has_points(out):
                raise _fail(
                    path,
                    out.plot_lines[-1],
                    "plot has no coordinate lines",
                    "Add its 点号,圈号,X,Y lines or remove the plot",
                )
            if ring_len:
                _check_ring(path, out, ring_len, ring_closed)
            out.plots.append(attrs)
            out.plot_lines.append(lineno)
            prev_ring_no, ring_len = None, 0
            continue
        if len(fields) != 4:
            raise _fail(
                path,
                lineno,
                f"coordinate line has {len(fields)} fields, expected 4 (点号,圈号,X,Y)",
                "Fix or remove the line",
            )
        if not out.plots:
            raise _fail(
                path,
                lineno,
                "coordinate line before the first plot line",
                f"Start each plot with a line {_ATTR_HELP}",
            )
        try:
            ring_no = int(fields[1])
        except ValueError:
            raise _fail(
                path,
                lineno,
                f"圈号 {fields[1]!r} is not a whole number",
                "Number the rings 1, 2, …",
            ) from None
        try:
            x, y = float(fields[2]), float(fields[3])
        except ValueError:
            raise _fail(
                path,
                lineno,
                f"X/Y {fields[2]!r}, {fields[3]!r} are not numbers",
                "Write the coordinates as decimal numbers in metres",
            ) from None
        if not (np.isfinite(x) and np.isfinite(y)):
            raise _fail(path, lineno, "X/Y are not finite numbers", "Fix the coordinates")
        if ring_no != prev_ring_no or ring_closed:  # a new ring starts
            if ring_len:
                _check_ring(path, out, ring_len, ring_closed)
            out.ring_plot.append(len(out.plots) - 1)
            out.ring_no.append(ring_no)
            ring_first, ring_len, ring_closed = (x, y), 0, False
        elif ring_len >= 3 and (x, y) == ring_first:
            ring_closed = True  # a later point with the same 圈号 starts another ring
        ring_len += 1
        prev_ring_no = ring_no
        out.xs.append(x)
        out.ys.append(y)
        out.lines.append(lineno)
        out.ring_of_point.append(len(out.ring_no) - 1)
    if not seen_coords:
        raise _fail(
            path,
            None,
            "no [地块坐标] section found",
            "Is this a 坐标交换格式 file? Plots must follow a line [地块坐标]",
        )
    if not out.plots:
        raise _fail(path, None, "the [地块坐标] section holds no plot", "Add at least one plot")
    if not _plot_has_points(out):
        raise _fail(
            path,
            out.plot_lines[-1],
            "plot has no coordinate lines",
            "Add its 点号,圈号,X,Y lines or remove the plot",
        )
    if ring_len:
        _check_ring(path, out, ring_len, ring_closed)
    return out


def _plot_has_points(out: _Parsed) -> bool:
    return bool(out.ring_plot) and out.ring_plot[-1] == len(out.plots) - 1


def _check_ring(path: Path, out: _Parsed, n: int, closed: bool) -> None:
    if n - closed < 3:
        first = out.lines[len(out.lines) - n]
        raise _fail(
            path,
            first,
            f"ring (圈号 {out.ring_no[-1]}) has {n - closed} distinct points, needs 3",
            "Complete the ring or remove its lines",
        )


def _digits(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore"):
        return np.floor(np.log10(np.maximum(np.abs(values), 1.0))).astype(int) + 1


def _header_int(header: Mapping[str, str], key: str) -> int | None:
    m = re.search(r"\d+", header.get(key, "") or "")
    return int(m.group()) if m else None


def _datum(label: str) -> str | None:
    text = label.upper()
    if not text or "2000" in text or "CGCS" in text:
        return "CGCS2000"
    if "西安" in text or "XIAN" in text or "80" in text:
        return "Xian 1980"
    if "北京" in text or "BEIJING" in text or "54" in text:
        return "Beijing 1954"
    return None


def _resolve_crs(
    path: Path, header: Mapping[str, str], prefix: int | None, info: dict[str, Any]
) -> int | None:
    """EPSG code from the zone prefix of Y, or from the header's 带号 and 几度分带."""
    label = header.get("坐标系", "")
    datum = _datum(label)
    if not label:
        logger.info("%s: header gives no 坐标系; assuming CGCS2000", path)
    if datum is None:
        logger.warning(
            "%s: coordinate system %r is not a Gauss-Krüger system known here; no CRS set",
            path,
            label,
        )
        return None
    width = _header_int(header, "几度分带")
    zone = _header_int(header, "带号")
    if width not in (3, 6):
        width = 6 if prefix is not None and prefix in _ZONES[6] else 3
    if zone is not None and zone >= 70:  # some producers write the central meridian
        zone = zone // 3 if width == 3 else (zone + 3) // 6
    if prefix is not None:
        if zone is not None and zone != prefix:
            logger.warning(
                "%s: header 带号 %s differs from the zone prefix %d of Y; using %d",
                path,
                zone,
                prefix,
                prefix,
            )
        if prefix not in _ZONES[width]:
            other = 6 if width == 3 else 3
            if prefix not in _ZONES[other]:
                logger.warning(
                    "%s: zone prefix %d is not a Chinese Gauss-Krüger zone; no CRS set",
                    path,
                    prefix,
                )
                return None
            logger.warning(
                "%s: zone %d does not exist with 几度分带=%d; using %d° zones",
                path,
                prefix,
                width,
                other,
            )
            width = other
        zone = prefix
    if zone is None or zone not in _ZONES[width]:
        logger.warning(
            "%s: no usable zone (Y has no prefix, header 带号=%r); no CRS set",
            path,
            header.get("带号"),
        )
        return None
    first_prefixed, first_zone, first_cm = _GK_EPSG[datum][width]
    epsg = (first_prefixed if prefix is not None else first_cm) + zone - first_zone
    info.update(datum=datum, zone=zone, zone_width=width, epsg=epsg)
    return epsg


def _assemble(rings: Sequence[Any], points: Sequence[np.ndarray]) -> Polygon | MultiPolygon:
    """One plot's rings → polygon: a ring inside an odd number of others is a hole, else a part."""
    polys = [Polygon(r) for r in rings]
    areas = np.array([p.area for p in polys])
    n = len(polys)
    inside = np.zeros((n, n), dtype=bool)  # inside[i, j]: ring i lies in ring j
    for j in range(n):
        for i in range(n):
            if i != j and areas[j] > areas[i]:
                try:
                    inside[i, j] = bool(shapely.covers(polys[j], shapely.points(points[i])).all())
                except GEOSException:  # an invalid ring: GEOM001 reports it later
                    inside[i, j] = False
    depth = inside.sum(axis=1)
    exteriors = [i for i in range(n) if depth[i] % 2 == 0]
    holes: dict[int, list[Any]] = {i: [] for i in exteriors}
    for i in range(n):
        if depth[i] % 2 == 1:
            parents = [j for j in exteriors if inside[i, j] and depth[j] == depth[i] - 1]
            if parents:
                holes[min(parents, key=lambda j: areas[j])].append(rings[i])
            else:  # inconsistent nesting (e.g. crossing rings): keep the ring as a part
                exteriors.append(i)
                holes[i] = []
    exteriors.sort()
    parts = [Polygon(rings[i], holes[i]) for i in exteriors]
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def read_coordtxt(path: str | os.PathLike[str], *, encoding: str | None = None) -> gpd.GeoDataFrame:
    """Read a coordinate exchange TXT (坐标交换格式) into a GeoDataFrame.

    Parameters
    ----------
    path
        The TXT file.
    encoding
        Text encoding; by default a BOM decides, else UTF-8 if the file decodes as UTF-8, else GBK.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per plot with columns ``JZDS`` (Int64), ``MJ_HA`` (float, 公顷), ``DKBH``, ``DKMC``,
        ``TXSX``, ``TFH``, ``DKYT``, ``DLBM`` (text, ``None`` when empty), ``EXTRA_1``… for extra
        columns of the 占补平衡 variant, and Polygon/MultiPolygon geometry (x = easting, y =
        northing, as in the file). The CRS is CGCS2000 Gauss-Krüger (Xian 1980 or Beijing 1954 when
        the header says so): with the zone prefix when Y carries it (3°: EPSG 4488 + zone), else
        the zone of the header's 带号 (3°: EPSG 4534 + zone − 25); ``None`` when neither tells.
        ``attrs["coordtxt_header"]`` holds the header; ``attrs["coordtxt"]`` what was detected
        (encoding, swapped X/Y, zone prefix, zone, EPSG). Unclosed rings are closed; X/Y written
        the wrong way round (detected by digit count) are swapped back.

    Raises
    ------
    DataSourceError
        The file cannot be read or is malformed; the message names the file, the line and the fix.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataSourceError(
            f"{path}: cannot read the coordinate TXT ({exc.strerror or exc})"
        ) from exc
    text, enc = _decode(data, encoding, path)
    parsed = _parse(text, path)

    xs, ys = np.asarray(parsed.xs), np.asarray(parsed.ys)  # file X (northing), Y (easting)
    info: dict[str, Any] = {"path": str(path), "encoding": enc, "swapped_xy": False}
    info.update(datum=None, zone=None, zone_width=None, epsg=None)
    xd, yd = _digits(xs), _digits(ys)
    if np.mean((xd == 8) | ((xd == 6) & (yd == 7))) > 0.5 and np.mean(yd == 7) > 0.5:
        logger.warning("%s: X holds eastings and Y northings (digit count); swapping them", path)
        xs, ys, xd, yd = ys, xs, yd, xd
        info["swapped_xy"] = True
    prefixed = yd == 8
    if prefixed.any() and not prefixed.all():
        bad = int(np.flatnonzero(prefixed != prefixed[0])[0])
        raise _fail(
            path,
            parsed.lines[bad],
            "some Y values carry the zone prefix and others do not",
            "Write every easting the same way (all with or all without the zone number)",
        )
    prefix = None
    if prefixed.all():
        zones = (ys // 1_000_000).astype(int)
        if (zones != zones[0]).any():
            bad = int(np.flatnonzero(zones != zones[0])[0])
            raise _fail(
                path,
                parsed.lines[bad],
                f"zone prefix {zones[bad]} differs from {zones[0]} on earlier lines",
                "A file holds one zone; split it or reproject the plots",
            )
        prefix = int(zones[0])
    info["zone_prefix"] = prefix is not None
    epsg = _resolve_crs(path, parsed.header, prefix, info)

    rings = shapely.linearrings(np.column_stack([ys, xs]), indices=np.asarray(parsed.ring_of_point))
    ring_plot = np.asarray(parsed.ring_plot)
    n_plots = len(parsed.plots)
    rings_per_plot = np.bincount(ring_plot, minlength=n_plots)
    geoms = np.empty(n_plots, dtype=object)
    single = rings_per_plot == 1
    first_ring = np.searchsorted(ring_plot, np.arange(n_plots))
    geoms[single] = shapely.polygons(rings[first_ring[single]])
    if not single.all():
        coords = np.column_stack([ys, xs])
        starts = np.searchsorted(parsed.ring_of_point, np.arange(len(rings) + 1))
        for p in np.flatnonzero(~single):
            idx = np.arange(first_ring[p], first_ring[p] + rings_per_plot[p])
            pts = [coords[starts[r] : starts[r + 1]] for r in idx]
            geoms[p] = _assemble(list(rings[idx]), pts)

    width = max(len(a) for a in parsed.plots)
    columns = list(ATTRIBUTE_COLUMNS) + [f"EXTRA_{i}" for i in range(1, width - 7)]
    rows = [[v or None for v in a] + [None] * (width - len(a)) for a in parsed.plots]
    table = pd.DataFrame(rows, columns=columns, dtype=object)
    for col, kind, conv in (("JZDS", "Int64", int), ("MJ_HA", "float64", float)):
        for i, v in enumerate(table[col]):
            if v is not None:
                try:
                    conv(v)
                except ValueError:
                    raise _fail(
                        path,
                        parsed.plot_lines[i],
                        f"{col} value {v!r} is not a number",
                        "Fix the plot line",
                    ) from None
        table[col] = pd.array([None if v is None else conv(v) for v in table[col]], dtype=kind)
    n_lines = np.bincount(ring_plot[np.asarray(parsed.ring_of_point)], minlength=n_plots)
    declared = table["JZDS"].to_numpy(dtype=float, na_value=np.nan)
    off = np.isfinite(declared) & (declared != n_lines) & (declared != n_lines - rings_per_plot)
    for i in np.flatnonzero(off):
        logger.warning(
            "%s, line %d: 界址点数 %d but %d coordinate lines",
            path,
            parsed.plot_lines[i],
            int(declared[i]),
            n_lines[i],
        )
    info["extra_columns"] = columns[8:]
    gdf = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, crs=epsg))
    gdf.attrs["coordtxt_header"] = dict(parsed.header)
    gdf.attrs["coordtxt"] = info
    return gdf


# ============================================================================ writing
def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _gk_zone(gdf: gpd.GeoDataFrame) -> tuple[str, int, int, bool]:
    """(datum, zone width, zone, coordinates carry the prefix) of a Gauss-Krüger CRS."""
    from landlink_gis.crs import inspect_crs

    hint = "reproject first, e.g. gdf.to_crs('EPSG:4545') for the 3° zone with CM 108°E"
    if gdf.crs is None:
        raise InputError(f"cannot write a coordinate TXT: the data has no CRS; set it or {hint}")
    info = inspect_crs(gdf.crs)
    if info.zone is None or info.zone_width is None:
        raise InputError(
            f"cannot write a coordinate TXT in {info.name}: not a Gauss-Krüger zone; {hint}"
        )
    return info.datum, int(info.zone_width), int(info.zone), bool(info.has_prefix)


def write_coordtxt(
    gdf: gpd.GeoDataFrame,
    path: str | os.PathLike[str],
    *,
    id_field: str,
    name_field: str | None = None,
    use_field: str | None = None,
    class_field: str | None = None,
    area_field_ha: str | None = None,
    header: Mapping[str, Any] | None = None,
    zone_prefix: bool = True,
    precision: int = 3,
    sheet_field: str | None = None,
    extra_fields: Sequence[str] = (),
    encoding: str = "gbk",
) -> None:
    """Write polygons as a coordinate exchange TXT (坐标交换格式), atomically.

    Each plot's rings are numbered by 圈号: the exterior of the first part 1, then its holes, then
    the next part and its holes. Rings are closed (the first point repeated, with its point number);
    points are numbered ``J1``, ``J2``, … continuing across a plot's rings and restarting per plot;
    界址点数 counts the coordinate lines written (closing points included). Vertex order is kept.

    Parameters
    ----------
    gdf
        Polygon/MultiPolygon plots in a Gauss-Krüger CRS (CGCS2000 for filing).
    path
        The TXT file to write; replaced atomically (a temporary file in the same folder, then a rename).
    id_field, name_field, use_field, class_field, sheet_field
        Columns written as 地块编号, 地块名称, 地块用途, 地类编码 and 图幅号 (empty when ``None``).
    area_field_ha
        Column with 地块面积 in 公顷 (e.g. the ellipsoidal area / 10 000). When ``None`` the planar
        area of the geometry in its CRS / 10 000 is written. Four decimals (1 m²) are written.
    header
        ``[属性描述]`` values that replace or add to the defaults derived from the CRS (坐标系,
        几度分带, 带号, 精度 …; 数据产生日期 defaults to today).
    zone_prefix
        Write Y with the zone number in front (36 512 345.678), as most files do.
    precision
        Decimals of the coordinates.
    extra_fields
        Columns written after 地类编码 (the 占补平衡 variant).
    encoding
        Text encoding; GBK by default, as the format requires.

    Raises
    ------
    InputError
        A field is missing, the CRS is not Gauss-Krüger, a geometry is empty or not a polygon, or a
        value cannot be written (a comma, a line break, a character outside ``encoding``).
    OutputError
        The file cannot be written.
    """
    fields = [
        id_field,
        name_field,
        use_field,
        class_field,
        area_field_ha,
        sheet_field,
        *extra_fields,
    ]
    missing = [f for f in fields if f is not None and f not in gdf.columns]
    if missing:
        raise InputError(
            f"cannot write {path}: no column {', '.join(missing)}; columns are {', '.join(map(str, gdf.columns))}"
        )
    datum, width, zone, has_prefix = _gk_zone(gdf)
    geoms = gdf.geometry.to_numpy()
    ids = [_text(v) for v in gdf[id_field]]
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    bad |= ~np.isin(shapely.get_type_id(geoms), (3, 6))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"cannot write {path}: plot {ids[i]!r} has no polygon geometry ({geoms[i]!r:.60}); fix or drop it"
        )

    number, ring_no, plot_of_point, coords = _numbered_points(geoms)
    shift = zone * 1_000_000 * ((zone_prefix and not has_prefix) - (has_prefix and not zone_prefix))
    point_lines = [
        f"J{n},{r},{north:.{precision}f},{east:.{precision}f}"
        for n, r, north, east in zip(
            number.tolist(),
            ring_no.tolist(),
            coords[:, 1].tolist(),
            (coords[:, 0] + shift).tolist(),
            strict=True,
        )
    ]
    areas = (
        gdf[area_field_ha].to_numpy(dtype=float, na_value=np.nan)
        if area_field_ha
        else shapely.area(geoms) / 10_000.0
    )
    n_points = np.bincount(plot_of_point, minlength=len(gdf))

    def column(name: str | None) -> list[str]:
        return [""] * len(gdf) if name is None else [_text(v) for v in gdf[name]]

    cols = [
        ids,
        column(name_field),
        ["面"] * len(gdf),
        column(sheet_field),
        column(use_field),
        column(class_field),
        *(column(f) for f in extra_fields),
    ]
    names = ["地块编号", "地块名称", "图形属性", "图幅号", "地块用途", "地类编码", *extra_fields]
    for name, values in zip(names, cols, strict=True):
        for i, v in enumerate(values):
            if "," in v or "\n" in v or "\r" in v or v == "@":
                raise InputError(
                    f"cannot write {path}: {name} of plot {ids[i]!r} is {v!r}; "
                    "the format cannot hold commas, line breaks or '@' in a field"
                )

    defaults: dict[str, Any] = {
        "格式版本号": "1.01版本",
        "数据产生单位": "",
        "数据产生日期": date.today().isoformat(),
        "坐标系": _DATUM_LABEL.get(datum, datum),
        "几度分带": width,
        "投影类型": "高斯克吕格",
        "计量单位": "米",
        "带号": zone,
        "精度": f"{10.0**-precision:.{max(precision, 0)}f}",
        "转换参数": ",,,,,,",
    }
    defaults.update(header or {})
    chunks: list[tuple[str, str]] = [
        (
            "header",
            "\r\n".join(
                ["[属性描述]", *(f"{k}={_text(v)}" for k, v in defaults.items()), "[地块坐标]", ""]
            ),
        )
    ]
    bounds = np.r_[np.searchsorted(plot_of_point, np.arange(len(gdf))), len(coords)].tolist()
    for i in range(len(gdf)):
        area = "" if not np.isfinite(areas[i]) else f"{areas[i]:.4f}"
        attrs = ",".join([str(n_points[i]), area, *(c[i] for c in cols), "@"])
        body = "\r\n".join(point_lines[bounds[i] : bounds[i + 1]])
        chunks.append((ids[i], f"{attrs}\r\n{body}\r\n"))

    encoded = []
    for plot_id, chunk in chunks:
        try:
            encoded.append(chunk.encode(encoding))
        except UnicodeEncodeError as exc:
            raise InputError(
                f"cannot write {path}: {plot_id!r} holds {exc.object[exc.start : exc.end]!r}, "
                f"which {encoding} cannot encode; replace it or pass encoding='utf-8'"
            ) from exc
        except LookupError as exc:
            raise InputError(f"cannot write {path}: unknown encoding {encoding!r}") from exc
    write_bytes_atomic(Path(path), b"".join(encoded))
    logger.info("wrote %d plots to %s", len(gdf), path)


def _numbered_points(geoms: np.ndarray) -> tuple[np.ndarray, ...]:
    """Point numbers, 圈号 and plot of every coordinate of ``geoms``, and the coordinates.

    Rings are numbered per plot (part 1's exterior 1, its holes, part 2's exterior, …); points
    ``1, 2, …`` continue across a plot's rings and the closing point repeats its ring's first number.
    """
    n_plots = len(geoms)
    parts, part_plot = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, point_ring = shapely.get_coordinates(rings, return_index=True)
    ring_plot = part_plot[ring_part]
    ring_no = np.arange(len(rings)) - np.searchsorted(ring_plot, np.arange(n_plots))[ring_plot] + 1
    ring_start = np.searchsorted(point_ring, np.arange(len(rings)))
    is_closing = np.zeros(len(coords), dtype=bool)
    is_closing[np.r_[ring_start[1:], len(coords)] - 1] = True
    counted = np.cumsum(~is_closing)
    plot_of_point = ring_plot[point_ring]
    plot_first_point = np.searchsorted(plot_of_point, np.arange(n_plots))
    number = counted - np.r_[0, counted][plot_first_point][plot_of_point]
    number[is_closing] = number[ring_start[point_ring[is_closing]]]
    return number, ring_no[point_ring], plot_of_point, coords


