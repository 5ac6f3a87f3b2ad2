"""Project facts of construction-only plans and quota, a BOM, bare-string layers, and declared
area units."""

from __future__ import annotations

import numpy as np
import pytest

from landlink_gis.base.errors import ProjectFileError
from landlink_gis.project.file import QuotaSource, load_project
from tests.support.geoms import square
from tests.support.helpers import frame, load_ctx, write_project

BASE = '[project]\nname = "x"\ncode = "C-1"\n'


def write(tmp_path, text: str, *, bom: bool = False):
    path = tmp_path / "project.toml"
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def test_new_facts_and_quota_sources(tmp_path):
    text = (
        '[project]\nkind = "construction_only"\ncode = "C-1"\nturnover_quota_m2 = '
        '1200\nfiling_code = "BA-2023-7"\n'
        "households = 42\nfunds_wan_yuan = 318.5\n"
        '[layers]\nconstruction = "建新.shp"\n'
        '[[quota_sources]]\ncode = "A-001"\narea_m2 = 800\n[[quota_sources]]\ncode = '
        '"B-002"\narea_m2 = 400.5\n'
    )
    p = load_project(write(tmp_path, text))
    assert (p.kind, p.turnover_quota_m2, p.filing_code, p.households, p.funds_wan_yuan) == (
        "construction_only",
        1200.0,
        "BA-2023-7",
        42,
        318.5,
    )
    assert p.quota_sources == (QuotaSource("A-001", 800.0), QuotaSource("B-002", 400.5))
    assert p.layers["construction"].path.name == "建新.shp" and "demolition" not in p.layers


def test_bom_and_bare_string_layer(tmp_path):
    p = load_project(write(tmp_path, BASE + '[layers]\ndemolition = "拆旧.shp"\n', bom=True))
    assert p.name == "x" and p.layers["demolition"].path == (tmp_path / "拆旧.shp").resolve()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (BASE + "turnover_quota_m2 = nan\n", "turnover_quota_m2"),
        (BASE + "turnover_quota_m2 = inf\n", "turnover_quota_m2"),
        (BASE + "turnover_quota_m2 = -1.0\n", "turnover_quota_m2"),
        (BASE + 'turnover_quota_m2 = "1200"\n', "turnover_quota_m2"),
        (BASE + "households = 3.5\n", "households"),
        (BASE + "households = -2\n", "households"),
        (BASE + "funds_wan_yuan = -0.5\n", "funds_wan_yuan"),
        (BASE + "advance_quota_m2 = nan\n", "advance_quota_m2"),
        (BASE + 'kind = "other"\n', "kind"),
        (BASE + "filing_code = 7\n", "filing_code"),
        (BASE + "[layers]\ndemolition = 3\n", "layers.demolition"),
        (BASE + '[layers.demolition]\npath = "a.shp"\narea_unit = "acre"\n', "area_unit"),
        (
            BASE
            + '[layers.demolition]\npath = "a.shp"\n[[quota_sources]]\ncode = "A"\narea_m2 = 1\n',
            "construction_only",
        ),
        (
            BASE + 'kind = "construction_only"\n[layers.construction]\npath = "c.shp"\n',
            "quota_sources",
        ),
        (
            BASE
            + 'kind = "construction_only"\n[layers.construction]\npath = "c.shp"\n[[quota_sources]]\ncode = "A"\narea_m2 = -5\n',  # noqa: E501
            "area_m2",
        ),
        (
            BASE
            + 'kind = "construction_only"\n[layers.demolition]\npath = "d.shp"\n[layers.construction]\npath = "c.shp"\n[[quota_sources]]\ncode = "A"\narea_m2 = 5\n',  # noqa: E501
            "demolition",
        ),
    ],
)
def test_bad_facts_name_the_key(tmp_path, text, fragment):
    if "[layers" not in text:
        text += '[layers.demolition]\npath = "a.shp"\n'
    with pytest.raises(ProjectFileError, match=fragment.replace(".", r"\.")):
        load_project(write(tmp_path, text))


@pytest.mark.parametrize(
    ("unit", "factor"),
    [
        ("hm2", 10000.0),
        ("公顷", 10000.0),
        ("mu", 10000.0 / 15.0),
        ("亩", 10000.0 / 15.0),
        ("m2", 1.0),
    ],
)
def test_declared_area_unit_is_converted_to_m2(tmp_path, unit, factor):
    plots = frame([{"DKBH": "D1", "DLBM": "0702", "MJ": 0.06, "geometry": square(0, 0, 20)}])
    path = write_project(
        tmp_path,
        {"demolition": plots},
        layer_options={"demolition": {"area_unit": unit}},
        fmt="gpkg",
    )
    ctx = load_ctx(path)
    assert ctx.layer("demolition")["area_declared"].iloc[0] == pytest.approx(0.06 * factor)


def test_reader_declared_unit_is_honoured_when_the_project_sets_none():
    import geopandas as gpd

    from landlink_gis.load.normalise import normalise_layer
    from landlink_gis.project.file import LayerSpec

    gdf = gpd.GeoDataFrame(
        {"DKBH": ["D1"], "MJ": [0.04]}, geometry=[square(0, 0, 20)], crs="EPSG:4545"
    )
    units = {"MJ": "hm2"}  # what the reader noticed (ReadNotes.area_units)
    out, _ = normalise_layer(
        gdf, LayerSpec(role="demolition"), gdf.crs, areas=False, area_units=units
    )
    assert out["area_declared"].iloc[0] == pytest.approx(400.0)
    out, _ = normalise_layer(
        gdf, LayerSpec(role="demolition", area_unit="mu"), gdf.crs, areas=False, area_units=units
    )
    assert out["area_declared"].iloc[0] == pytest.approx(0.04 * 10000.0 / 15.0)
    assert np.isfinite(out["area_declared"].to_numpy()).all()


def test_tiankan_table_by_slope_class_and_terraced(tmp_path):
    text = (
        BASE
        + '[layers.demolition]\npath = "a.shp"\n'
        + "[tiankan]\n2 = 0.03\n3 = 0.08\n4 = 0.12\nterraced = { 3 = 0.06, 4 = 0.10 }\n"
    )
    table = load_project(write(tmp_path, text)).tiankan
    assert table.by_class == ((2, 0.03), (3, 0.08), (4, 0.12))
    assert table.terraced == ((3, 0.06), (4, 0.10))
    # class 1 is not named: nothing deducted; terraced class 2 is not named there: the plain one
    assert [table.coefficient(c) for c in (1, 2, 3, 4, 5)] == [0.0, 0.03, 0.08, 0.12, 0.0]
    assert [table.coefficient(c, terraced=True) for c in (2, 3, 4)] == [0.03, 0.06, 0.10]
    assert (
        load_project(write(tmp_path, BASE + '[layers.demolition]\npath = "a.shp"\n')).tiankan
        is None
    )


@pytest.mark.parametrize(
    ("table", "fragment"),
    [
        ("6 = 0.1\n", "unknown key '6' in \\[tiankan\\]"),
        ("slope2 = 0.1\n", "unknown key 'slope2' in \\[tiankan\\]"),
        ("2 = 1.2\n", "\\[tiankan\\] 2 = 1.2"),
        ("2 = -0.01\n", "\\[tiankan\\] 2 = -0.01"),
        ('2 = "0.03"\n', "\\[tiankan\\] 2 = '0.03'"),
        ("terraced = 0.06\n", "terraced must be a table"),
        ("terraced = { 0 = 0.06 }\n", "unknown key '0' in \\[tiankan.terraced\\]"),
        ("terraced = { 3 = 1.0 }\n", "\\[tiankan.terraced\\] 3 = 1.0"),
    ],
)
def test_bad_tiankan_table_names_the_key(tmp_path, table, fragment):
    text = BASE + '[layers.demolition]\npath = "a.shp"\n[tiankan]\n' + table
    with pytest.raises(ProjectFileError, match=fragment):
        load_project(write(tmp_path, text))
