"""The filing GeoPackage: validator-clean, styled for QGIS, run metadata in the metadata tables."""

from __future__ import annotations

import json
import sqlite3
import xml.etree.ElementTree as ET

import pytest

import landlink_gis as ll
from landlink_gis.base.contract import RUN_INFO_STANDARD_URI
from landlink_gis.run.runner import check
from tests.support import SAMPLES
from tests.support.gpkg_validate import assert_valid_gpkg
from tests.support.small_project import build_small_project

SECRET = "s3cr3t-pw"


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    return check(build_small_project(tmp_path_factory.mktemp("small")))


def test_layers_validate_and_read_back(result, tmp_path):
    out = ll.write_gpkg(result, tmp_path / "out.gpkg")
    frames = assert_valid_gpkg(out)
    assert set(frames) == {
        "demolition_plots",
        "construction_plots",
        "findings",
        "finding_points",
        "balance",
        "landuse_change",
        "run_info",
        "layer_styles",
    }
    plots = frames["demolition_plots"].set_index("DKBH")
    # D1 overlaps C1 (OVL002) and D2 holds compensation land (OVL001): both errors; attributes kept
    assert plots.loc["D1", "ll_status"] == "error" and "OVL002" in plots.loc["D1", "ll_rule_ids"]
    assert plots.loc["D2", "ll_status"] == "error" and plots.loc["D2", "DKMC"] == "二号地块"
    # a 40 m square: 1600 m² planar
    assert plots.loc["D2", "ll_area_planar_m2"] == pytest.approx(1600.0, abs=1e-3)
    assert len(frames["findings"]) + len(frames["finding_points"]) == len(result.findings)
    assert (frames["finding_points"]["rule_id"] == "GEOM001").any()


def test_layer_styles_colour_plots_by_status_and_findings_by_severity(result, tmp_path):
    out = ll.write_gpkg(result, tmp_path / "out.gpkg")
    with sqlite3.connect(out) as con:
        rows = con.execute(
            "SELECT f_table_name, f_geometry_column, styleQML, styleSLD, useAsDefault FROM "
            "layer_styles ORDER BY id"
        ).fetchall()
        geom_cols = dict(con.execute("SELECT table_name, column_name FROM gpkg_geometry_columns"))
    by_table = {r[0]: r for r in rows}
    assert set(by_table) == {"demolition_plots", "construction_plots", "findings", "finding_points"}
    expected = {
        "demolition_plots": ("ll_status", {"pass", "warning", "error"}),
        "findings": ("severity", {"error", "warning", "info"}),
    }
    expected["construction_plots"] = expected["demolition_plots"]
    expected["finding_points"] = expected["findings"]
    for table, (_, geom_col, qml, sld, default) in by_table.items():
        attr, values = expected[table]
        assert default == 1 and geom_col == geom_cols[table]
        renderer = ET.fromstring(qml).find("renderer-v2")
        assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == attr
        assert {c.get("value") for c in renderer.iter("category")} == values
        ns = {"ogc": "http://www.opengis.net/ogc"}
        filters = ET.fromstring(sld).findall(".//ogc:PropertyIsEqualTo", ns)
        assert {f.find("ogc:PropertyName", ns).text for f in filters} == {attr}
        assert {f.find("ogc:Literal", ns).text for f in filters} == values


def test_run_info_in_geopackage_metadata(result, tmp_path):
    out = ll.write_gpkg(result, tmp_path / "out.gpkg")
    with sqlite3.connect(out) as con:
        (md_id, doc) = con.execute(
            "SELECT id, metadata FROM gpkg_metadata WHERE md_standard_uri = ? AND mime_type = "
            "'application/json'",
            (RUN_INFO_STANDARD_URI,),
        ).fetchone()
        refs = con.execute(
            "SELECT reference_scope, table_name FROM gpkg_metadata_reference WHERE md_file_id = ?",
            (md_id,),
        ).fetchall()
        gdal_xml = con.execute(
            "SELECT metadata FROM gpkg_metadata WHERE mime_type = 'text/xml'"
        ).fetchone()[0]
    info = json.loads(doc)
    assert info["project_code"] == "TEST-001" and info["crs"] == result.run_info["crs"]
    assert set(info["inputs"]) == set(result.run_info["inputs"])
    assert all(len(v["sha256"]) == 64 for v in info["inputs"].values())
    assert (
        ("geopackage", None) in refs
        and ("table", "findings") in refs
        and ("table", "demolition_plots") in refs
    )
    assert "landlink_run_info" in gdal_xml


def test_passwords_never_reach_the_file(result, tmp_path):
    result.run_info["inputs"]["ledger"] = {
        "source": f"postgresql://landlink:{SECRET}@db.example:5432/ledger table=plots",
        "sha256": None,
    }
    try:
        out = ll.write_gpkg(result, tmp_path / "out.gpkg")
    finally:
        del result.run_info["inputs"]["ledger"]
    assert_valid_gpkg(out)
    data = out.read_bytes()
    assert SECRET.encode() not in data
    assert b"postgresql://landlink:***@db.example" in data


@pytest.mark.parametrize(("version", "user_version"), [("1.2", 10200), ("1.4", 10400)])
def test_geopackage_version(result, tmp_path, version, user_version):
    out = ll.write_gpkg(result, tmp_path / "out.gpkg", gpkg_version=version)
    assert_valid_gpkg(out)
    with sqlite3.connect(out) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == user_version


def test_clean_project_with_empty_finding_layers(tmp_path):
    from tests.support.geoms import square
    from tests.support.helpers import frame, write_project

    demolition = frame([{"DKBH": "D1", "DLBM": "0702", "geometry": square(0, 0, 50)}])
    toml = write_project(
        tmp_path / "p", {"demolition": demolition}, fmt="shp", rules={"select": ["GEOM001"]}
    )
    result = check(toml)
    assert len(result.findings) == 0
    frames = assert_valid_gpkg(ll.write_gpkg(result, tmp_path / "clean.gpkg"))
    assert len(frames["findings"]) == 0 and len(frames["finding_points"]) == 0
    assert list(frames["demolition_plots"]["ll_status"]) == ["pass"]


def test_demo_sample_output_is_valid(tmp_path):
    project = SAMPLES / "bazhong_demo" / "project.toml"
    if not project.exists():
        pytest.fail("data/samples/bazhong_demo is missing; run `make samples`")
    frames = assert_valid_gpkg(ll.write_gpkg(check(project), tmp_path / "demo.gpkg"))
    assert {"error", "pass"} <= set(frames["demolition_plots"]["ll_status"])
