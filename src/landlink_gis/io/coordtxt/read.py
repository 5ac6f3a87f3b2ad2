"""Reading a coordinate exchange TXT into a GeoDataFrame: CRS, polygons, attribute columns,
problems."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from landlink_gis.base.crs import GK_ZONES, gk_epsg, zone_of_meridian
from landlink_gis.base.errors import DataSourceError

from ..notes import ReadNotes
from .content import area_with_unit, header_zone, zone_problems
from .format import (
    AREA_COLUMN,
    AREA_UNIT,
    ATTRIBUTE_COLUMNS,
    HEADER_KEYS,
    datum_of_label,
    fail,
    logger,
    short,
)
from .parse import Parsed, decode, parse
from .rings import MAX_RINGS_PER_PLOT, assemble

__all__ = ["MAX_RINGS_PER_PLOT", "read_coordtxt", "read_coordtxt_notes"]

_INT64_MAX = np.iinfo(np.int64).max


def _digits(values: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        return np.floor(np.log10(np.maximum(np.abs(values), 1.0))).astype(int) + 1


def _header_int(header: Mapping[str, str], key: str) -> int | None:
    m = re.search(r"\d+", header.get(key, "") or "")
    return int(m.group()) if m and len(m.group()) <= 6 else None


def _resolve_crs(
    path: Path, header: Mapping[str, str], prefix: int | None, info: dict[str, Any]
) -> int | None:
    """EPSG code from the zone prefix of Y, or from the header's 带号 and 几度分带 (via crs.py)."""
    label = header.get("坐标系", "")
    datum = datum_of_label(label)
    if not label:
        logger.info("%s: header gives no 坐标系; assuming CGCS2000", path)
    if datum is None:
        logger.warning(
            "%s: coordinate system %s is not a Gauss-Krüger system known here; no CRS set",
            path,
            short(label),
        )
        return None
    width = _header_int(header, "几度分带")
    zone = _header_int(header, "带号")
    if width not in GK_ZONES:
        width = 6 if prefix is not None and prefix in GK_ZONES[6] else 3
    if zone is not None and zone >= 70:  # some producers write the central meridian
        by_cm = zone_of_meridian(zone, width=width)
        if by_cm is None:
            logger.warning(
                "%s: header 带号 %d is neither a zone nor the central meridian of a %d° zone",
                path,
                zone,
                width,
            )
        zone = by_cm
    if prefix is not None:
        if zone is not None and zone != prefix:
            logger.warning(
                "%s: header 带号 %s differs from the zone prefix %d of Y; using %d",
                path,
                zone,
                prefix,
                prefix,
            )
        if prefix not in GK_ZONES[width]:
            other = 6 if width == 3 else 3
            if prefix not in GK_ZONES[other]:
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
    if zone is None or zone not in GK_ZONES[width]:
        logger.warning(
            "%s: no usable zone (Y has no prefix, header 带号=%s); no CRS set",
            path,
            short(header.get("带号", "")),
        )
        return None
    epsg = gk_epsg(zone, width=width, prefix=prefix is not None, datum=datum)
    info.update(datum=datum, zone=zone, zone_width=width, epsg=epsg)
    return epsg


def _number_column(
    path: Path, parsed: Parsed, table: pd.DataFrame, col: str, what: str
) -> pd.api.extensions.ExtensionArray:
    """``table[col]`` as Int64 (界址点数) or float64 (地块面积); a bad value fails naming its
    line."""
    whole = col == "JZDS"
    values: list[Any] = []
    for i, v in enumerate(table[col]):
        if v is None:
            values.append(None)
            continue
        try:
            number = int(v) if whole else float(v)
        except ValueError:
            number, unit = (None, None) if whole else area_with_unit(v)
            if number is not None:  # 「5.7089公顷」: a real variant, read with a warning
                logger.warning(
                    "%s, line %d: 地块面积 %s is written with its unit; read as %s 公顷",
                    path,
                    parsed.plot_lines[i],
                    short(v),
                    number,
                )
                values.append(number)
                continue
            raise fail(
                path,
                parsed.plot_lines[i],
                f"{col} value {short(v)} is not a number",
                "Fix the plot line",
            ) from None
        if whole and abs(number) > _INT64_MAX:
            raise fail(
                path,
                parsed.plot_lines[i],
                f"{col} ({what}) value {short(v)} is not a plausible count",
                "Write the number of the plot's coordinate lines",
            )
        if not whole and not np.isfinite(number):
            raise fail(
                path,
                parsed.plot_lines[i],
                f"{col} ({what}) value {short(v)} is not a finite number",
                "Write the plot's area in 公顷",
            )
        values.append(number)
    return pd.array(values, dtype="Int64" if whole else "float64")


def read_coordtxt(path: str | os.PathLike[str], *, encoding: str | None = None) -> gpd.GeoDataFrame:
    """Read a coordinate exchange TXT (坐标交换格式) into a GeoDataFrame.

    The frame of :func:`read_coordtxt_notes`, without the notes: what the reader noticed (the
    header, the encoding, swapped X/Y, the problems of the plots) is in the
    :class:`~landlink_gis.io.notes.ReadNotes` that function returns beside it.

    Parameters
    ----------
    path
        The TXT file.
    encoding
        Text encoding; by default a BOM decides, else UTF-8 if the file decodes as UTF-8, else GBK.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per plot, as :func:`read_coordtxt_notes` describes it.

    Raises
    ------
    DataSourceError
        The file cannot be read or is malformed; the message names the file, the line and the fix.
    InputError
        ``encoding`` is not a known text encoding.
    """
    return read_coordtxt_notes(path, encoding=encoding)[0]


def read_coordtxt_notes(
    path: str | os.PathLike[str], *, encoding: str | None = None
) -> tuple[gpd.GeoDataFrame, ReadNotes]:
    """Read a coordinate exchange TXT (坐标交换格式): the frame and what the reader noticed.

    Parameters
    ----------
    path
        The TXT file.
    encoding
        Text encoding; by default a BOM decides, else UTF-8 if the file decodes as UTF-8, else GBK.

    Returns
    -------
    tuple of geopandas.GeoDataFrame and ReadNotes
        The frame: one row per plot with columns ``JZDS`` (Int64), ``MJ_HA`` (float, 公顷), ``DKBH``, ``DKMC``,
        ``TXSX``, ``TFH``, ``DKYT``, ``DLBM`` (text, ``None`` when empty), ``EXTRA_1``… for extra
        columns of the 占补平衡 variant, and Polygon/MultiPolygon geometry (x = easting, y =
        northing, as in the file). The CRS is CGCS2000 Gauss-Krüger (Xian 1980 or Beijing 1954 when
        the header says so): with the zone prefix when Y carries it (3°: EPSG 4488 + zone), else
        the zone of the header's 带号 (3°: EPSG 4534 + zone − 25); ``None`` when neither tells.
        The notes: ``header`` the ``[属性描述]`` header; ``details`` what was detected (encoding,
        swapped X/Y, zone prefix, zone, EPSG, extra columns, ``unclosed_rings``: positions of plots
        with a ring the file did not close); ``area_units`` ``{"MJ_HA": "hm2"}``;
        ``read_problems`` (empty when none) ``{"position", "code", "declared", "found",
        "line"}`` dicts, code ``"point_count"`` when 界址点数 is neither the number of coordinate
        lines nor that number less the closing points (the plot is kept as read), ``"zone"`` when
        the header's 带号 contradicts the zone prefix. Unclosed rings are closed; X/Y written the
        wrong way round (detected by digit count) are swapped back (both logged and recorded in
        ``details``).

    Raises
    ------
    DataSourceError
        The file cannot be read or is malformed; the message names the file, the line and the fix.
    InputError
        ``encoding`` is not a known text encoding.
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataSourceError(
            f"{path}: cannot read the coordinate TXT ({exc.strerror or exc})"
        ) from exc
    text, enc = decode(data, encoding, path)
    parsed = parse(text, path)
    missing = [k for k in HEADER_KEYS if k not in parsed.header]
    if parsed.header and missing:  # e.g. the seven-key header some exporters write
        logger.warning("%s: the [属性描述] header lacks %s; read anyway", path, "、".join(missing))

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
        raise fail(
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
            raise fail(
                path,
                parsed.lines[bad],
                f"zone prefix {zones[bad]} differs from {zones[0]} on earlier lines",
                "A file holds one zone; split it or reproject the plots",
            )
        prefix = int(zones[0])
    info["zone_prefix"] = prefix is not None
    epsg = _resolve_crs(path, parsed.header, prefix, info)
    # 带号 against the zone prefix: the content check of ``package --verify``, kept for the rules
    # (CRS003 reports it)
    zone_mismatch = [p for p in zone_problems(parsed.header, prefix) if p.code == "zone"]

    ring_of_point = np.asarray(parsed.ring_of_point)
    rings = shapely.linearrings(np.column_stack([ys, xs]), indices=ring_of_point)
    ring_plot = np.asarray(parsed.ring_plot)
    n_plots = len(parsed.plots)
    rings_per_plot = np.bincount(ring_plot, minlength=n_plots)
    geoms = np.empty(n_plots, dtype=object)
    single = rings_per_plot == 1
    first_ring = np.searchsorted(ring_plot, np.arange(n_plots))
    geoms[single] = shapely.polygons(rings[first_ring[single]])
    if not single.all():
        coords = np.column_stack([ys, xs])
        starts = np.searchsorted(ring_of_point, np.arange(len(rings) + 1))
        for p in np.flatnonzero(~single):
            idx = np.arange(first_ring[p], first_ring[p] + rings_per_plot[p])
            pts = [coords[starts[r] : starts[r + 1]] for r in idx]
            geoms[p] = assemble(rings[idx], pts, path, parsed.plot_lines[p])

    width = max(len(a) for a in parsed.plots)
    columns = list(ATTRIBUTE_COLUMNS) + [f"EXTRA_{i}" for i in range(1, width - 7)]
    rows = [[v or None for v in a] + [None] * (width - len(a)) for a in parsed.plots]
    table = pd.DataFrame(rows, columns=columns, dtype=object)
    table["JZDS"] = _number_column(path, parsed, table, "JZDS", "界址点数")
    table[AREA_COLUMN] = _number_column(path, parsed, table, AREA_COLUMN, "地块面积")

    n_lines = np.bincount(ring_plot[ring_of_point], minlength=n_plots)
    closed = np.bincount(
        ring_plot, weights=np.asarray(parsed.ring_closed, dtype=float), minlength=n_plots
    )
    problems: list[dict[str, Any]] = []
    if zone_mismatch:
        problems.append(
            {
                "position": 0,
                "code": "zone",
                "declared": header_zone(parsed.header)[1],
                "found": prefix,
                "line": None,
            }
        )
    for i, declared in enumerate(table["JZDS"].tolist()):
        if declared is pd.NA or declared in (n_lines[i], n_lines[i] - int(closed[i])):
            continue
        logger.warning(
            "%s, line %d: 界址点数 %d but %d coordinate lines",
            path,
            parsed.plot_lines[i],
            declared,
            n_lines[i],
        )
        problems.append(
            {
                "position": i,
                "code": "point_count",
                "declared": int(declared),
                "found": int(n_lines[i]),
                "line": parsed.plot_lines[i],
            }
        )
    unclosed = rings_per_plot - closed
    info["unclosed_rings"] = np.flatnonzero(unclosed > 0).tolist()
    info["extra_columns"] = columns[8:]
    gdf = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geoms, crs=epsg))
    return gdf, ReadNotes(
        read_problems=tuple(problems),
        area_units={AREA_COLUMN: AREA_UNIT},
        header=dict(parsed.header),
        details=info,
    )
