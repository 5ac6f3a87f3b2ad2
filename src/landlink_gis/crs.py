"""CGCS2000 Gauss-Krüger zone logic: what a CRS is, and whether coordinates fit it.

EPSG codes (DOMAIN.md §2): 3° zones without prefix 4534–4554 (CM 75°E…135°E), 3° zones with the
zone number in the easting 4513–4533 (zones 25–45), 6° zones 4491–4501 (prefix, zones 13–23) and
4502–4512 (no prefix). Geographic CGCS2000 is EPSG:4490.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pyproj import CRS

__all__ = ["CrsInfo", "coordinate_problems", "inspect_crs", "zone_epsg"]

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


def zone_epsg(central_meridian: float, *, width: int = 3, prefix: bool = False) -> int:
    """EPSG code of the CGCS2000 Gauss-Krüger zone with this central meridian."""
    if width == 3:
        zone = int(round(central_meridian / 3))
        return 4488 + zone if prefix else 4534 + (zone - 25)
    zone = int(round((central_meridian + 3) / 6))
    return 4491 + (zone - 13) if prefix else 4502 + (zone - 13)


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


def inspect_crs(crs) -> CrsInfo:
    """Describe ``crs``: datum, geographic or projected, and the Gauss-Krüger zone if any."""
    c = CRS.from_user_input(crs)
    epsg = c.to_epsg(min_confidence=70)
    datum = _datum_kind(c)
    info = dict(epsg=epsg, name=c.name, is_geographic=c.is_geographic, is_cgcs2000=datum == "CGCS2000", datum=datum)
    if c.is_projected and c.coordinate_operation is not None:
        params = {p.name.lower(): p.value for p in c.coordinate_operation.params}
        cm = params.get("longitude of natural origin")
        fe = params.get("false easting")
        method = c.coordinate_operation.method_name.lower()
        if cm is not None and fe is not None and "transverse mercator" in method:
            has_prefix = fe > 1_000_000
            zone_from_fe = int(fe // 1_000_000) if has_prefix else None
            if zone_from_fe is not None:
                width = 3 if abs(zone_from_fe * 3 - cm) < 1e-6 else 6
            else:
                # 6° zones have CM 3°+6k; 3° zones CM 3k, so CMs like 105° are ambiguous: the EPSG code
                # decides, else the finer 3° zone is assumed (the usual filing choice)
                width = 6 if (epsg and 4502 <= epsg <= 4512) or (abs(cm / 3 - round(cm / 3)) > 1e-9) else 3
            zone = zone_from_fe if zone_from_fe is not None else (int(round(cm / 3)) if width == 3 else int(round((cm + 3) / 6)))
            info.update(zone_width=width, central_meridian=cm, zone=zone, has_prefix=has_prefix, false_easting=fe)
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
            problems.append(f"longitude/latitude {minx:.3f}…{maxx:.3f}, {miny:.3f}…{maxy:.3f} lie outside China")
        return problems
    if info.false_easting is None:
        return problems
    fe = info.false_easting
    half = _HALF_WIDTH.get(info.zone_width or 3, 260_000.0)
    if minx < fe - half or maxx > fe + half:
        if info.has_prefix and fe - 1_000_000 < minx and maxx < fe + 1_000_000 and minx < 1_000_000:
            problems.append(f"eastings {minx:.0f}…{maxx:.0f} lack the zone prefix {info.zone} expected by the CRS")
        elif not info.has_prefix and minx > 1_000_000:
            problems.append(
                f"eastings {minx:.0f}…{maxx:.0f} carry a zone prefix ({int(minx // 1_000_000)}) that the CRS does not expect"
            )
        else:
            problems.append(
                f"eastings {minx:.0f}…{maxx:.0f} are far from the zone's false easting {fe:.0f} (±{half / 1000:.0f} km)"
            )
    if miny < _NORTHING_RANGE[0] or maxy > _NORTHING_RANGE[1]:
        problems.append(f"northings {miny:.0f}…{maxy:.0f} lie outside China")
    return problems
