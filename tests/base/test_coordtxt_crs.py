"""Gauss-Krüger zone → EPSG (landlink_gis.base.crs), checked against pyproj's own CRS definitions.

The second, independent method: for every code the CRS definition pyproj holds (its EPSG database)
must be a transverse Mercator with the zone's central meridian, false easting and datum.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pyproj import CRS

import landlink_gis.base.crs as crs_module
from landlink_gis.base.crs import (
    GK_DATUMS,
    GK_ZONES,
    gk_epsg,
    inspect_crs,
    zone_central_meridian,
    zone_epsg,
    zone_of_meridian,
)

_DATUM_WORD = {"CGCS2000": "China 2000", "Xian 1980": "Xian 1980", "Beijing 1954": "Beijing 1954"}


def pyproj_zone(epsg: int) -> tuple[float, float, float, str]:
    """(central meridian, false easting, scale factor, datum name) of ``epsg`` as pyproj defines
    it."""
    c = CRS.from_epsg(epsg)
    op = c.coordinate_operation
    assert "transverse mercator" in op.method_name.lower(), (epsg, op.method_name)
    params = {p.name: p.value for p in op.params}
    return (
        params["Longitude of natural origin"],
        params["False easting"],
        params["Scale factor at natural origin"],
        c.geodetic_crs.datum.name,
    )


def test_documented_ranges_of_cgcs2000_codes():
    # DOMAIN.md §2: 3° with prefix 4513–4533 = 4488 + 带号; without 4534–4554; 6°: 4491–4501 /
    # 4502–4512
    assert [gk_epsg(z, prefix=True) for z in GK_ZONES[3]] == [4488 + z for z in range(25, 46)]
    assert [gk_epsg(z) for z in GK_ZONES[3]] == list(range(4534, 4555))
    assert [gk_epsg(z, width=6, prefix=True) for z in GK_ZONES[6]] == list(range(4491, 4502))
    assert [gk_epsg(z, width=6) for z in GK_ZONES[6]] == list(range(4502, 4513))
    # Bazhong (~106.75°E): 3° zone with CM 108°E → 4545, or 4524 with prefix
    assert zone_epsg(108) == 4545 and zone_epsg(108, prefix=True) == 4524 == 4488 + 36


@pytest.mark.parametrize("datum", GK_DATUMS)
@pytest.mark.parametrize("width", [3, 6])
@pytest.mark.parametrize("prefix", [True, False])
def test_every_code_matches_pyproj_definition(datum, width, prefix):
    codes = set()
    for zone in GK_ZONES[width]:
        epsg = gk_epsg(zone, width=width, prefix=prefix, datum=datum)
        codes.add(epsg)
        cm, fe, k, datum_name = pyproj_zone(epsg)
        # independently: 3° zone n has CM 3n, 6° zone n has CM 6n − 3 (75°E … 135°E)
        assert cm == pytest.approx(3 * zone if width == 3 else 6 * zone - 3)
        assert fe == pytest.approx(zone * 1_000_000 + 500_000 if prefix else 500_000)
        assert k == pytest.approx(1.0)
        assert _DATUM_WORD[datum] in datum_name
        assert zone_central_meridian(zone, width=width) == cm
        assert zone_of_meridian(cm, width=width) == zone
        assert zone_epsg(cm, width=width, prefix=prefix, datum=datum) == epsg
        # and inspect_crs reads the same zone back from pyproj's definition
        info = inspect_crs(f"EPSG:{epsg}")
        assert (info.zone, info.zone_width, info.has_prefix, info.datum) == (
            zone,
            width,
            prefix,
            datum,
        )
        assert info.central_meridian == cm and info.false_easting == fe
    assert len(codes) == len(GK_ZONES[width])


def test_six_degree_cm_codes_of_other_datums_are_six_degree():
    # CM 105°E is both 3° zone 35 and 6° zone 18: the EPSG code decides, for every datum
    for epsg, datum in [(4507, "CGCS2000"), (2343, "Xian 1980"), (21458, "Beijing 1954")]:
        cm, fe, _, _ = pyproj_zone(epsg)
        assert (cm, fe) == (105.0, 500_000.0)
        info = inspect_crs(epsg)
        assert (info.zone_width, info.zone, info.datum) == (6, 18, datum)
    assert pyproj_zone(4544)[:2] == (105.0, 500_000.0)  # CGCS2000 3° CM 105E
    assert (inspect_crs(4544).zone_width, inspect_crs(4544).zone) == (3, 35)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: gk_epsg(24), "not a Chinese zone"),
        (lambda: gk_epsg(46, prefix=True), "not a Chinese zone"),
        (lambda: gk_epsg(24, width=6), "not a Chinese zone"),
        (lambda: gk_epsg(36, width=4), "not 3 or 6"),
        (lambda: gk_epsg(36, datum="WGS 84"), "no Gauss-Krüger EPSG codes"),
        (lambda: zone_epsg(107), "not the central meridian"),
        (lambda: zone_epsg(108, width=6), "not the central meridian"),
    ],
)
def test_invalid_zones_raise(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_zone_of_meridian_rejects_non_central_meridians():
    assert zone_of_meridian(107.0) is None and zone_of_meridian(108.001) is None
    assert zone_of_meridian(105.0, width=6) == 18 and zone_of_meridian(108.0, width=6) is None


def test_crs_module_is_low_level_and_used():
    tree = ast.parse(Path(crs_module.__file__).read_text(encoding="utf-8"))
    imported = [
        node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    ] + [a.name for node in ast.walk(tree) if isinstance(node, ast.Import) for a in node.names]
    assert not [
        m for m in imported if m.startswith(("landlink_gis", ".")) or m in ("io", "rules", "report")
    ]
    # the coordinate TXT reader and writer use crs.py, and keep no zone table of their own
    from landlink_gis.io.coordtxt import read, write

    assert read.gk_epsg is gk_epsg and write.inspect_crs is inspect_crs
    for module in (read, write):
        code = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
        numbers = {
            n.value
            for n in ast.walk(code)
            if isinstance(n, ast.Constant) and isinstance(n.value, int)
        }
        assert not numbers & {
            2327,
            2338,
            2349,
            2370,
            2401,
            2422,
            4488,
            4491,
            4502,
            4513,
            4534,
            21413,
            21453,
        }
