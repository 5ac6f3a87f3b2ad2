"""Writing polygons as a coordinate exchange TXT (坐标交换格式), atomically."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from landlink_gis.base.crs import inspect_crs
from landlink_gis.base.errors import InputError
from landlink_gis.io.atomic import write_bytes_atomic

from .format import DATUM_LABEL, field_text, logger, validate_field

__all__ = ["write_coordtxt"]


def _gk_zone(gdf: gpd.GeoDataFrame) -> tuple[str, int, int, bool]:
    """(datum, zone width, zone, coordinates carry the prefix) of a Gauss-Krüger CRS."""
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
    protected: set[Path] | None = None,
) -> None:
    """Write polygons as a coordinate exchange TXT (坐标交换格式), atomically.

    Each plot's rings are numbered by 圈号: the exterior of the first part 1, then its holes, then
    the next part and its holes. Each ring is written clockwise starting from its north-west-most
    point (the vertex nearest the north-west corner of the ring's bounding box), the 界址点
    convention; rings are closed (the first point repeated, with its point number); points are
    numbered ``J1``, ``J2``, … continuing across a plot's rings and restarting per plot; 界址点数
    counts the coordinate lines written (closing points included).

    Parameters
    ----------
    gdf
        Polygon/MultiPolygon plots in a Gauss-Krüger CRS (CGCS2000 for filing).
    path
        The TXT file to write; replaced atomically (a temporary file in the same folder, then a
        rename).
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
    protected
        Resolved paths that must never be written (the inputs); see
        :class:`~landlink_gis.io.atomic.atomic_path`.

    Raises
    ------
    InputError
        A field is missing, the CRS is not Gauss-Krüger, a geometry is empty or not a polygon, or a
        value cannot be written (a comma, a line break, a character outside ``encoding``).
    OutputError
        The file cannot be written, or ``path`` is one of ``protected``.
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
            f"cannot write {path}: no column {', '.join(missing)}; columns are "
            f"{', '.join(map(str, gdf.columns))}"
        )
    datum, width, zone, has_prefix = _gk_zone(gdf)
    geoms = gdf.geometry.to_numpy()
    ids = [field_text(v) for v in gdf[id_field]]
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    bad |= ~np.isin(shapely.get_type_id(geoms), (3, 6))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"cannot write {path}: plot {ids[i]!r} has no polygon geometry ({geoms[i]!r:.60}); fix "
            "or drop it"
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
        return [""] * len(gdf) if name is None else [field_text(v) for v in gdf[name]]

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
            validate_field(path, name, f"plot {ids[i]!r}", v)

    defaults: dict[str, Any] = {
        "格式版本号": "1.01版本",
        "数据产生单位": "",
        "数据产生日期": date.today().isoformat(),
        "坐标系": DATUM_LABEL.get(datum, datum),
        "几度分带": width,
        "投影类型": "高斯克吕格",
        "计量单位": "米",
        "带号": zone,
        "精度": f"{10.0**-precision:.{max(precision, 0)}f}",
        "转换参数": ",,,,,,",
    }
    defaults.update(header or {})
    for key, value in defaults.items():
        text = field_text(value)
        if "=" in str(key) or any(c in str(key) + text for c in "\r\n"):
            raise InputError(
                f"cannot write {path}: header {key!r}={text!r} holds a line break "
                "(or '=' in the key), which the [属性描述] section cannot hold"
            )
    chunks: list[tuple[str, str]] = [
        (
            "header",
            "\r\n".join(
                [
                    "[属性描述]",
                    *(f"{k}={field_text(v)}" for k, v in defaults.items()),
                    "[地块坐标]",
                    "",
                ]
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
    write_bytes_atomic(Path(path), b"".join(encoded), protected=protected)
    logger.info("wrote %d plots to %s", len(gdf), path)


def clockwise_from_north_west(
    coords: np.ndarray, point_ring: np.ndarray, n_rings: int
) -> tuple[np.ndarray, np.ndarray]:
    """Closed rings (``coords`` grouped by ``point_ring``, each ending on its first point)
    reordered clockwise from their north-west-most point, closed again.

    The north-west-most point is the vertex nearest the north-west corner (min x, max y) of the
    ring's bounding box, the first of them on ties; clockwise is seen with x east and y north.
    Vectorised over all rings.
    """
    if not len(coords):
        return coords, point_ring
    starts = np.searchsorted(point_ring, np.arange(n_rings))
    closing = np.zeros(len(coords), dtype=bool)
    closing[np.r_[starts[1:], len(coords)] - 1] = True
    pts, ring = coords[~closing], point_ring[~closing]
    n = np.bincount(ring, minlength=n_rings)
    first = np.r_[0, np.cumsum(n)[:-1]]
    k = np.arange(len(pts)) - first[ring]
    nxt = first[ring] + (k + 1) % n[ring]
    x = pts[:, 0] - pts[first[ring], 0]  # relative to the ring's first point (precision)
    y = pts[:, 1] - pts[first[ring], 1]
    clockwise = np.bincount(ring, weights=x * y[nxt] - x[nxt] * y, minlength=n_rings) < 0
    minx = np.full(n_rings, np.inf)
    maxy = np.full(n_rings, -np.inf)
    np.minimum.at(minx, ring, x)
    np.maximum.at(maxy, ring, y)
    corner = (x - minx[ring]) ** 2 + (maxy[ring] - y) ** 2
    nearest = np.lexsort((np.arange(len(pts)), corner, ring))[first] - first
    step = np.where(clockwise, 1, -1)
    m = n + 1
    new_ring = np.repeat(np.arange(n_rings), m)
    j = np.arange(int(m.sum())) - np.repeat(np.r_[0, np.cumsum(m)[:-1]], m)
    src = first[new_ring] + (nearest[new_ring] + step[new_ring] * j) % n[new_ring]
    return pts[src], new_ring


def _numbered_points(geoms: np.ndarray) -> tuple[np.ndarray, ...]:
    """Point numbers, 圈号 and plot of every coordinate of ``geoms``, and the coordinates.

    Rings are numbered per plot (part 1's exterior 1, its holes, part 2's exterior, …); points
    ``1, 2, …`` continue across a plot's rings and the closing point repeats its ring's first
    number.
    """
    n_plots = len(geoms)
    parts, part_plot = shapely.get_parts(geoms, return_index=True)
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, point_ring = shapely.get_coordinates(rings, return_index=True)
    ring_plot = part_plot[ring_part]
    ring_no = np.arange(len(rings)) - np.searchsorted(ring_plot, np.arange(n_plots))[ring_plot] + 1
    coords, point_ring = clockwise_from_north_west(coords, point_ring, len(rings))
    ring_start = np.searchsorted(point_ring, np.arange(len(rings)))
    is_closing = np.zeros(len(coords), dtype=bool)
    is_closing[np.r_[ring_start[1:], len(coords)] - 1] = True
    counted = np.cumsum(~is_closing)
    plot_of_point = ring_plot[point_ring]
    plot_first_point = np.searchsorted(plot_of_point, np.arange(n_plots))
    number = counted - np.r_[0, counted][plot_first_point][plot_of_point]
    number[is_closing] = number[ring_start[point_ring[is_closing]]]
    return number, ring_no[point_ring], plot_of_point, coords
