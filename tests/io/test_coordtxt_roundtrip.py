"""Coordinate TXT end to end: TXT as a layer source → landlink check → GeoPackage → export-txt →
TXT."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod
from shapely.geometry.polygon import orient

from landlink_gis.cli.main import cli
from landlink_gis.io.coordtxt import read_coordtxt
from tests.io.test_coordtxt import SAMPLE, write_text
from tests.support.gpkg_validate import assert_valid_gpkg


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("txt")
    txt = write_text(tmp_path, SAMPLE, name="拆旧地块.txt")
    toml = tmp_path / "project.toml"
    toml.write_text(
        '[project]\nname = "坐标文件项目"\ncode = "TXT-001"\ncrs = "EPSG:4545"\n\n'
        '[layers.demolition]\npath = "拆旧地块.txt"\n',
        encoding="utf-8",
    )
    out = tmp_path / "checked.gpkg"
    res = CliRunner().invoke(cli, ["check", str(toml), "-o", str(out), "--quiet"])
    assert res.exit_code in (0, 1), res.output
    assert_valid_gpkg(out)
    return txt, out


def export(checked_gpkg, out, *args):
    res = CliRunner().invoke(cli, ["export-txt", str(checked_gpkg), "-o", str(out), *args])
    assert res.exit_code == 0, res.output
    return read_coordtxt(out)


def test_round_trip_keeps_coordinates_attributes_and_area(checked, tmp_path):
    txt, gpkg = checked
    before = read_coordtxt(txt)
    after = export(gpkg, tmp_path / "back.txt", "--area", "file")
    assert after.crs == before.crs  # zone prefix restored: EPSG:4524 (4488 + zone 36)
    cols = ["DKBH", "DKMC", "TXSX", "TFH", "DKYT", "DLBM", "MJ_HA"]
    assert (
        after[cols].astype(object).where(after[cols].notna(), None).values.tolist()
        == before[cols].astype(object).where(before[cols].notna(), None).values.tolist()
    )
    # every coordinate exactly (3 decimals survive EPSG:4524 → 4545 → TXT); holes and rings kept
    assert all(
        shapely.equals_exact(a, b, tolerance=0)
        for a, b in zip(after.geometry, before.geometry, strict=True)
    )
    text = (tmp_path / "back.txt").read_bytes().decode("gbk")
    assert "J1,1,3530000.000,36500000.000" in text and "J5,2,3529960.000,36500040.000" in text
    assert text.count("\r\n") > 10 and "拆旧地块一" in text


def test_export_ellipsoidal_area_in_hectares(checked, tmp_path):
    _, gpkg = checked
    after = export(gpkg, tmp_path / "ell.txt")
    # independent second method: geodesic area on the CGCS2000 ellipsoid (pyproj Geod)
    geo = after.to_crs(4490)
    geod = Geod(a=6378137.0, f=1 / 298.257222101)
    expected = (
        np.array([abs(geod.geometry_area_perimeter(orient(g, 1.0))[0]) for g in geo.geometry])
        / 10_000
    )
    assert after["MJ_HA"].to_numpy(dtype=float) == pytest.approx(expected, abs=1.5e-4)
    # 100 m square minus a 20 m hole ≈ 0.96 ha; 50 m × 40 m ≈ 0.2 ha
    assert after["MJ_HA"].to_numpy(dtype=float) == pytest.approx([0.96, 0.2], rel=2e-3)


def test_export_without_prefix_and_errors(checked, tmp_path):
    _, gpkg = checked
    flat = export(gpkg, tmp_path / "flat.txt", "--no-zone-prefix")
    assert flat.crs.to_epsg() == 4545  # header 带号 36, no prefix in Y → CM 108°E (4534 + 36 − 25)
    assert flat.geometry.iloc[0].bounds[0] == 500_000.0
    res = CliRunner().invoke(
        cli, ["export-txt", str(gpkg), "-o", str(tmp_path / "c.txt"), "--layer", "construction"]
    )
    assert res.exit_code == 2 and "construction_plots" in res.output
    res = CliRunner().invoke(
        cli, ["export-txt", str(tmp_path / "missing.gpkg"), "-o", str(tmp_path / "m.txt")]
    )
    assert res.exit_code == 2 and "missing.gpkg" in res.output
