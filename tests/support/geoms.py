"""Canonical test geometries, defined once (as shapely's tests do).

Coordinates are in EPSG:4545 (CGCS2000 3° GK, CM 108°E) near Bazhong: easting ≈ 382 km,
northing ≈ 3 525 km. Squares are axis-aligned so planar overlaps are known by hand.
"""

from __future__ import annotations

import shapely

X0, Y0 = 382_000.0, 3_525_000.0
CRS = "EPSG:4545"


def square(x: float, y: float, size: float) -> shapely.Polygon:
    """Axis-aligned square with lower-left corner (X0 + x, Y0 + y)."""
    return shapely.box(X0 + x, Y0 + y, X0 + x + size, Y0 + y + size)


def rect(x: float, y: float, w: float, h: float) -> shapely.Polygon:
    """Axis-aligned rectangle with lower-left corner (X0 + x, Y0 + y)."""
    return shapely.box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)


#: a 20 m bow-tie: the ring crosses itself at its centre (X0 + 10, Y0 + 10)
BOWTIE = shapely.Polygon([(X0, Y0), (X0 + 20, Y0 + 20), (X0 + 20, Y0), (X0, Y0 + 20)])
#: a 100 m × 0.05 m sliver (5 m²)
SLIVER = rect(500, 0, 100, 0.05)
#: a 30 m square with a 10 m hole in its middle (800 m² planar)
HOLED = shapely.Polygon(
    [(X0 + 1000, Y0), (X0 + 1030, Y0), (X0 + 1030, Y0 + 30), (X0 + 1000, Y0 + 30)],
    [[(X0 + 1010, Y0 + 10), (X0 + 1020, Y0 + 10), (X0 + 1020, Y0 + 20), (X0 + 1010, Y0 + 20)]],
)
#: two 20 m squares overlapping by a 10 m × 10 m square (100 m² planar)
OVERLAP_A = square(2000, 0, 20)
OVERLAP_B = square(2010, 10, 20)
