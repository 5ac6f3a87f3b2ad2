"""Gauss-Krüger zone logic: what a CRS is, which EPSG code a zone has, and whether coordinates fit.

This is the one home of the zone → EPSG rules (DOMAIN.md §2); readers and writers (the coordinate
exchange TXT among them) ask it rather than keeping their own tables. It is a low-level module: it
imports nothing from ``io``, ``rules`` or ``report``.

EPSG codes of CGCS2000 Gauss-Krüger zones:

* 3° zones 25–45 with the zone number in the easting (36 512 345.678): 4513–4533, i.e. 4488 + 带号;
* 3° zones without prefix, by central meridian 75°E…135°E: 4534–4554;
* 6° zones 13–23 with prefix: 4491–4501; without prefix (CM 75°E…135°E): 4502–4512.

Xian 1980 and Beijing 1954 have the same layout with their own codes (accepted for reading, not for
filing). Geographic CGCS2000 is EPSG:4490. A 3° zone *n* has its central meridian at 3·n °E, a 6°
zone *n* at 6·n − 3 °E.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from pyproj import CRS

__all__ = [
    "DATUM_LABELS_ZH",
    "GK_DATUMS",
    "GK_ZONES",
    "CrsInfo",
    "coordinate_problems",
    "crs_label",
    "gk_epsg",
    "inspect_crs",
    "zone_central_meridian",
    "zone_epsg",
    "zone_of_meridian",
]

#: Chinese names of the datums (as :func:`inspect_crs` names them), as filing data and reviewers
#: write them.
DATUM_LABELS_ZH: dict[str, str] = {
    "CGCS2000": "2000国家大地坐标系",
    "Xian 1980": "1980西安坐标系",
    "Beijing 1954": "1954北京坐标系",
    "WGS 84": "WGS 84",
}

#: Zone numbers of Chinese Gauss-Krüger zones by zone width (degrees).
GK_ZONES: dict[int, range] = {3: range(25, 46), 6: range(13, 24)}
# datum -> zone width -> (EPSG of the first prefixed zone, EPSG of the first zone by CM); the first
# zone is GK_ZONES[width][0] (CM 75°E in both widths)
_GK_EPSG: dict[str, dict[int, tuple[int, int]]] = {
    "CGCS2000": {3: (4513, 4534), 6: (4491, 4502)},
    "Xian 1980": {3: (2349, 2370), 6: (2327, 2338)},
    "Beijing 1954": {3: (2401, 2422), 6: (21413, 21453)},
}
#: Datums with Gauss-Krüger EPSG codes known here.
GK_DATUMS: tuple[str, ...] = tuple(_GK_EPSG)
# EPSG codes of 6° zones without prefix: their CMs (75°, 81°, … 135°) are also 3° CMs, so only the
# code tells a 6° zone from a 3° one
_SIX_DEGREE_CM_EPSG = frozenset(
    table[6][1] + k for table in _GK_EPSG.values() for k in range(len(GK_ZONES[6]))
)

# Northing range of mainland China and its islands (≈ 3°N–54°N), metres
_NORTHING_RANGE = (300_000.0, 6_100_000.0)
# Easting half-width of a zone: 3° zones reach ±~170 km, 6° zones ±~340 km at China's latitudes;
# allow a margin for plots just over a zone edge
_HALF_WIDTH = {3: 260_000.0, 6: 420_000.0}


@dataclass(frozen=True)
class CrsInfo:
    """What a CRS is, in the terms the filing rules use."""

    epsg: int | None
    name: str
    is_geographic: bool
    is_cgcs2000: bool
    datum: str
    zone_width: int | None = None
    central_meridian: float | None = None
    zone: int | None = None
    has_prefix: bool = False
    false_easting: float | None = None


def _check_width(width: int) -> None:
    if width not in GK_ZONES:
        raise ValueError(f"zone width {width!r} is not 3 or 6 (degrees)")


def zone_central_meridian(zone: int, *, width: int = 3) -> float:
    """Central meridian (°E) of Gauss-Krüger zone ``zone``: 3·zone for 3° zones, 6·zone − 3 for 6°.

    Parameters
    ----------
    zone
        The zone number (带号).
    width
        Zone width in degrees, 3 or 6.

    Returns
    -------
    float
        The central meridian in degrees east.

    Raises
    ------
    ValueError
        ``width`` is not 3 or 6.
    """
    _check_width(width)
    return float(3 * zone if width == 3 else 6 * zone - 3)


def zone_of_meridian(central_meridian: float, *, width: int = 3) -> int | None:
    """Zone number whose central meridian is ``central_meridian``, or ``None`` if there is none.

    Parameters
    ----------
    central_meridian
        Degrees east.
    width
        Zone width in degrees, 3 or 6.

    Returns
    -------
    int or None
        The zone (3°: CM / 3; 6°: (CM + 3) / 6) when ``central_meridian`` is a zone's central
        meridian (within 1e-6°), else ``None`` (e.g. 107°E, or 102°E for 6° zones).
    """
    _check_width(width)
    zone = (central_meridian / 3) if width == 3 else (central_meridian + 3) / 6
    nearest = int(round(zone))
    return nearest if abs(zone - nearest) * width < 1e-6 else None


def gk_epsg(zone: int, *, width: int = 3, prefix: bool = False, datum: str = "CGCS2000") -> int:
    """EPSG code of a Chinese Gauss-Krüger zone.

    Parameters
    ----------
    zone
        The zone number (带号): 25–45 for 3° zones, 13–23 for 6° zones.
    width
        Zone width in degrees, 3 or 6.
    prefix
        The CRS whose eastings carry the zone number (false easting zone·10⁶ + 500 000), e.g.
        3° zone 36 → EPSG:4524 (= 4488 + 36); else the CRS named by central meridian, e.g.
        EPSG:4545 (CM 108°E).
    datum
        ``"CGCS2000"`` (default), ``"Xian 1980"`` or ``"Beijing 1954"``.

    Returns
    -------
    int
        The EPSG code.

    Raises
    ------
    ValueError
        Unknown width or datum, or ``zone`` is not a Chinese zone of that width.
    """
    _check_width(width)
    if datum not in _GK_EPSG:
        raise ValueError(
            f"no Gauss-Krüger EPSG codes known for datum {datum!r}; known: {', '.join(GK_DATUMS)}"
        )
    zones = GK_ZONES[width]
    if zone not in zones:
        raise ValueError(f"{width}° zone {zone!r} is not a Chinese zone ({zones[0]}–{zones[-1]})")
    first_prefixed, first_cm = _GK_EPSG[datum][width]
    return (first_prefixed if prefix else first_cm) + zone - zones[0]


def zone_epsg(
    central_meridian: float, *, width: int = 3, prefix: bool = False, datum: str = "CGCS2000"
) -> int:
    """EPSG code of the Gauss-Krüger zone with this central meridian (see :func:`gk_epsg`).

    Parameters
    ----------
    central_meridian
        Degrees east, e.g. 108 (Bazhong, Sichuan).
    width, prefix, datum
        As for :func:`gk_epsg`.

    Returns
    -------
    int
        The EPSG code, e.g. 4545 for CM 108°E, 4524 with ``prefix=True``.

    Raises
    ------
    ValueError
        ``central_meridian`` is not the central meridian of a Chinese zone of that width.
    """
    zone = zone_of_meridian(central_meridian, width=width)
    if zone is None:
        raise ValueError(f"{central_meridian}°E is not the central meridian of a {width}° zone")
    return gk_epsg(zone, width=width, prefix=prefix, datum=datum)


def _datum_kind(crs: CRS) -> str:
    name = (crs.geodetic_crs.datum.name if crs.geodetic_crs else crs.name).lower()
    ellps = crs.ellipsoid.name.lower() if crs.ellipsoid else ""
    if "2000" in name and ("china" in name or "cgcs" in name):
        return "CGCS2000"
    if "xian" in name or "xi'an" in name or "iag 1975" in ellps or "iag_1975" in ellps:
        return "Xian 1980"
    if "beijing" in name or "krassowsky" in ellps or "krasovsky" in ellps:
        return "Beijing 1954"
    if ("wgs" in name and "84" in name) or "world geodetic system 1984" in name:
        return "WGS 84"
    return crs.geodetic_crs.datum.name if crs.geodetic_crs else crs.name


def inspect_crs(crs: Any) -> CrsInfo:
    """Describe ``crs``: datum, geographic or projected, and the Gauss-Krüger zone if any.

    Parameters
    ----------
    crs
        Anything :meth:`pyproj.CRS.from_user_input` accepts.

    Returns
    -------
    CrsInfo
        For a transverse Mercator CRS also the zone width, central meridian, zone, whether the
        eastings carry the zone prefix (false easting above 1 000 000 m) and the false easting. A
        central meridian shared by 3° and 6° zones (75°, 81°, … 135°E) without prefix is taken as a
        6° zone only when the EPSG code is one of the 6° codes, else as the (usual) 3° zone.
    """
    c = CRS.from_user_input(crs)
    epsg = c.to_epsg(min_confidence=70)
    datum = _datum_kind(c)
    info: dict[str, Any] = dict(
        epsg=epsg,
        name=c.name,
        is_geographic=c.is_geographic,
        is_cgcs2000=datum == "CGCS2000",
        datum=datum,
    )
    if c.is_projected and c.coordinate_operation is not None:
        params = {p.name.lower(): p.value for p in c.coordinate_operation.params}
        cm = params.get("longitude of natural origin")
        fe = params.get("false easting")
        method = c.coordinate_operation.method_name.lower()
        if cm is not None and fe is not None and "transverse mercator" in method:
            has_prefix = fe > 1_000_000
            zone_from_fe = int(fe // 1_000_000) if has_prefix else None
            if zone_from_fe is not None:
                width = 3 if abs(zone_central_meridian(zone_from_fe, width=3) - cm) < 1e-6 else 6
            else:
                six = epsg in _SIX_DEGREE_CM_EPSG or zone_of_meridian(cm, width=3) is None
                width = 6 if six else 3
            zone = zone_from_fe if zone_from_fe is not None else zone_of_meridian(cm, width=width)
            if zone is None:  # a CM of neither width (a local TM): keep the nearest zone number
                zone = int(round(cm / 3)) if width == 3 else int(round((cm + 3) / 6))
            info.update(
                zone_width=width,
                central_meridian=cm,
                zone=zone,
                has_prefix=has_prefix,
                false_easting=fe,
            )
    return CrsInfo(**info)


def coordinate_problems(bounds: tuple[float, float, float, float], info: CrsInfo) -> list[str]:
    """Reasons why coordinates with these bounds do not fit a Gauss-Krüger CRS (empty: they fit).

    Parameters
    ----------
    bounds
        (minx, miny, maxx, maxy) of the layer in its own CRS.
    info
        The layer's CRS, from :func:`inspect_crs`.
    """
    minx, miny, maxx, maxy = bounds
    if not np.all(np.isfinite(bounds)):
        return ["coordinates are not finite numbers"]
    problems: list[str] = []
    if info.is_geographic:
        if not (70 <= minx and maxx <= 140 and 0 <= miny and maxy <= 56):
            problems.append(
                f"longitude/latitude {minx:.3f}…{maxx:.3f}, {miny:.3f}…{maxy:.3f} lie outside China"
            )
        return problems
    if info.false_easting is None:
        return problems
    fe = info.false_easting
    half = _HALF_WIDTH.get(info.zone_width or 3, 260_000.0)
    if minx < fe - half or maxx > fe + half:
        if info.has_prefix and fe - 1_000_000 < minx and maxx < fe + 1_000_000 and minx < 1_000_000:
            problems.append(
                f"eastings {minx:.0f}…{maxx:.0f} lack the zone prefix {info.zone} expected by the "
                "CRS"
            )
        elif not info.has_prefix and minx > 1_000_000:
            problems.append(
                f"eastings {minx:.0f}…{maxx:.0f} carry a zone prefix ({int(minx // 1_000_000)}) "
                "that the CRS does not expect"
            )
        else:
            problems.append(
                f"eastings {minx:.0f}…{maxx:.0f} are far from the zone's false easting {fe:.0f} "
                f"(±{half / 1000:.0f} km)"
            )
    if miny < _NORTHING_RANGE[0] or maxy > _NORTHING_RANGE[1]:
        problems.append(f"northings {miny:.0f}…{maxy:.0f} lie outside China")
    return problems


def crs_label(crs: Any, lang: str) -> str:
    """A CRS as a reviewer reads it: its EPSG code, and under ``zh`` the datum in Chinese.

    ``2000国家大地坐标系地理坐标（EPSG:4490）`` under ``zh``; PROJ's name and the code otherwise.
    """
    c = CRS.from_user_input(crs)
    code = c.to_epsg()
    key = f"EPSG:{code}" if code else c.name
    if lang != "zh":
        return f"{c.name} ({key})" if code else c.name
    name = DATUM_LABELS_ZH.get(_datum_kind(c))
    kind = "地理坐标" if c.is_geographic else "投影坐标"
    return f"{name}{kind}（{key}）" if name else key
