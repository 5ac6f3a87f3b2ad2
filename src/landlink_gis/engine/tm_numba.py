"""The Transverse Mercator (Gauss–Krüger) inverse in compiled code, for the overlap-area kernel.

The Krüger series of the Transverse Mercator projection (6th order in n, the series PROJ
evaluates), so that :mod:`landlink_gis.engine.kernel` can turn projected piece ends into geodetic
coordinates without a pyproj call per pair. :func:`tm_params` reads the projection of a CRS and
gives ``None`` for any CRS that is not a Transverse Mercator with latitude of origin 0.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from pyproj import CRS

__all__ = ["inverse_point", "tm_inverse", "tm_params", "zone_area"]


def tm_params(crs) -> np.ndarray | None:
    """Constants of the inverse Transverse Mercator for ``crs``, or ``None`` when the kernel
    cannot serve it.

    Returns
    -------
    numpy.ndarray or None
        ``[k0·A, x0, y0, λ0, β1..β6, δ1..δ6, b, e², e]``: A the rectifying radius, β the
        Krüger coefficients of the inverse series, δ those from conformal to geodetic latitude,
        b, e², e of the ellipsoid (for the zone integral G of :mod:`landlink_gis.engine.area`).
    """
    try:
        c = CRS.from_user_input(crs)
    except Exception:  # noqa: BLE001 - any CRS pyproj cannot read is not served
        return None
    op = c.coordinate_operation if c.is_projected else None
    if op is None or op.method_name != "Transverse Mercator":
        return None
    axis = c.axis_info
    if len(axis) < 2 or any(a.unit_conversion_factor != 1.0 for a in axis[:2]):
        return None
    vals = {}
    for p in op.params:
        factor = p.unit_conversion_factor or 1.0
        vals[p.name] = (
            p.value * factor
            if "metre" in (p.unit_name or "") or p.unit_name == "unity"
            else p.value
        )
        if p.unit_name and p.unit_name not in ("degree", "metre", "unity"):
            return None
    try:
        lat0 = vals["Latitude of natural origin"]
        lon0 = vals["Longitude of natural origin"]
        k0 = vals["Scale factor at natural origin"]
        x0, y0 = vals["False easting"], vals["False northing"]
    except KeyError:
        return None
    if lat0 != 0.0:
        return None
    ell = c.ellipsoid
    a = ell.semi_major_metre
    f = 1.0 / ell.inverse_flattening if ell.inverse_flattening else 0.0
    if f <= 0.0:
        return None
    n = f / (2.0 - f)
    n2, n3, n4, n5, n6 = n**2, n**3, n**4, n**5, n**6
    big_a = a / (1.0 + n) * (1.0 + n2 / 4.0 + n4 / 64.0 + n6 / 256.0)
    beta = [
        n / 2 - 2 * n2 / 3 + 37 * n3 / 96 - n4 / 360 - 81 * n5 / 512 + 96199 * n6 / 604800,
        n2 / 48 + n3 / 15 - 437 * n4 / 1440 + 46 * n5 / 105 - 1118711 * n6 / 3870720,
        17 * n3 / 480 - 37 * n4 / 840 - 209 * n5 / 4480 + 5569 * n6 / 90720,
        4397 * n4 / 161280 - 11 * n5 / 504 - 830251 * n6 / 7257600,
        4583 * n5 / 161280 - 108847 * n6 / 3991680,
        20648693 * n6 / 638668800,
    ]
    delta = [
        2 * n - 2 * n2 / 3 - 2 * n3 + 116 * n4 / 45 + 26 * n5 / 45 - 2854 * n6 / 675,
        7 * n2 / 3 - 8 * n3 / 5 - 227 * n4 / 45 + 2704 * n5 / 315 + 2323 * n6 / 945,
        56 * n3 / 15 - 136 * n4 / 35 - 1262 * n5 / 105 + 73814 * n6 / 2835,
        4279 * n4 / 630 - 332 * n5 / 35 - 399572 * n6 / 14175,
        4174 * n5 / 315 - 144838 * n6 / 6237,
        601676 * n6 / 22275,
    ]
    e2 = f * (2.0 - f)
    b = a * (1.0 - f)
    return np.array(
        [k0 * big_a, x0, y0, math.radians(lon0), *beta, *delta, b, e2, math.sqrt(e2)],
        dtype=np.float64,
    )


@numba.njit(cache=True, nogil=True)
def inverse_point(tm, x, y):
    """Geodetic (λ, B) in radians of projected (x, y): the Krüger series, summed with Clenshaw's
    recurrence."""
    xi = (y - tm[2]) / tm[0]
    eta = (x - tm[1]) / tm[0]
    # ζ' = ζ − Σ β_j sin(2jζ), ζ = ξ + iη (complex Clenshaw: one sin/cos/exp for all six terms)
    s2, c2 = math.sin(2.0 * xi), math.cos(2.0 * xi)
    ex = math.exp(2.0 * eta)
    sh2, ch2 = 0.5 * (ex - 1.0 / ex), 0.5 * (ex + 1.0 / ex)
    sin2z = complex(s2 * ch2, c2 * sh2)
    w = 2.0 * complex(c2 * ch2, -s2 * sh2)
    b1 = complex(0.0, 0.0)
    b2 = complex(0.0, 0.0)
    for j in range(6, 0, -1):
        b0 = tm[3 + j] + w * b1 - b2
        b2 = b1
        b1 = b0
    d = b1 * sin2z
    xp, ep = xi - d.real, eta - d.imag
    e1 = math.exp(ep)
    shp, chp = 0.5 * (e1 - 1.0 / e1), 0.5 * (e1 + 1.0 / e1)
    sx, cx = math.sin(xp), math.cos(xp)
    schi = sx / chp
    chi = math.asin(schi)
    lam = tm[3] + math.atan2(shp, cx)
    # B = χ + Σ δ_j sin(2jχ)
    cchi = math.sqrt(max(0.0, 1.0 - schi * schi))
    s2c, c2c = 2.0 * schi * cchi, 1.0 - 2.0 * schi * schi
    u1 = 0.0
    u2 = 0.0
    for j in range(6, 0, -1):
        u0 = tm[9 + j] + 2.0 * c2c * u1 - u2
        u2 = u1
        u1 = u0
    return lam, chi + u1 * s2c


@numba.njit(cache=True, nogil=True)
def zone_area(tm, lat):
    """G(B) of :mod:`landlink_gis.engine.area` (area from the equator to latitude B per radian of
    longitude)."""
    b, e2, e = tm[16], tm[17], tm[18]
    s = math.sin(lat)
    return (
        b
        * b
        * (s / (2.0 * (1.0 - e2 * s * s)) + math.log((1.0 + e * s) / (1.0 - e * s)) / (4.0 * e))
    )


@numba.njit(cache=True, nogil=True)
def _inverse_many(tm, x, y, lam, lat):
    for i in range(len(x)):
        lam[i], lat[i] = inverse_point(tm, x[i], y[i])


def tm_inverse(tm: np.ndarray, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitude and latitude (radians) of projected points with the kernel's series (for tests)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    lam, lat = np.empty_like(x), np.empty_like(x)
    _inverse_many(tm, x, y, lam, lat)
    return lam, lat
