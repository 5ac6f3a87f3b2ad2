"""The public Python API: the same findings as the CLI, GeoDataFrames in and out, nothing global."""

from __future__ import annotations

import copy
import datetime as dt
import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
from click.testing import CliRunner
from geopandas.testing import assert_geodataframe_equal

import landlink_gis as ll
from landlink_gis.cli.main import cli
from tests.support import SAMPLES
from tests.support.geoms import CRS, square

DEMO = SAMPLES / "bazhong_demo"
COMPARED = [
    "finding_id",
    "rule_id",
    "severity",
    "layer",
    "plot_id",
    "other_layer",
    "other_id",
    "unit",
    "message",
    "reference",
]
REFERENCE_LAYERS = {
    "compensation": "compensation",
    "basic_farmland": "basic_farmland",
    "ecological_redline": "ecological_redline",
    "development_boundary": "development_boundary",
    "landuse": "landuse",
    "boundary": "boundary",
    "illegal_land": "illegal_land",
    "ledger": "other_projects",
}


@pytest.fixture(scope="module")
def demo_result():
    return ll.check(ll.load_project(DEMO / "project.toml"))


@pytest.fixture(scope="module")
def demo_frames():
    """The demo's layers read independently of landlink_gis (pyogrio, GBK given explicitly)."""
    frames = {
        "demolition": pyogrio.read_dataframe(DEMO / "拆旧地块.shp"),
        "construction": pyogrio.read_dataframe(DEMO / "建新地块.shp", encoding="GBK"),
    }
    for role, layer in REFERENCE_LAYERS.items():
        frames[role] = pyogrio.read_dataframe(DEMO / "reference.gpkg", layer=layer)
    return frames


def _frames_project(frames):
    """The demo project built from GeoDataFrames, with the facts and mappings of its TOML."""
    p = ll.load_project(DEMO / "project.toml")
    facts = {
        k: getattr(p, k)
        for k in (
            "name",
            "code",
            "county",
            "profile",
            "crs",
            "approved",
            "accepted",
            "filed",
            "traded",
            "poverty_county",
            "advance_quota_m2",
        )
    }
    return ll.project_from_frames(
        **frames,
        fields={role: p.layers[role].fields for role in ("demolition", "construction")},
        ids={"demolition": "DKBH", "construction": "DKBH"},
        rasters={"dem": DEMO / "dem.tif"},
        params=p.params,
        **facts,
    )


def _table(findings: pd.DataFrame) -> pd.DataFrame:
    return (
        pd.DataFrame(findings[COMPARED]).fillna("").sort_values("finding_id").reset_index(drop=True)
    )


def test_api_gives_the_cli_findings(demo_result, tmp_path):
    out = tmp_path / "cli.gpkg"
    run = CliRunner().invoke(cli, ["check", str(DEMO / "project.toml"), "-o", str(out), "-q"])
    assert run.exit_code == demo_result.exit_code == 1
    written = pd.concat(
        [pyogrio.read_dataframe(out, layer=name) for name in ("findings", "finding_points")],
        ignore_index=True,
    )
    assert len(written) == len(demo_result.findings) > 0
    pd.testing.assert_frame_equal(_table(written), _table(demo_result.findings))
    # measured figures too (the file stores them as REAL)
    api = demo_result.findings.set_index("finding_id")["measured"].astype(float)
    cli_measured = written.set_index("finding_id")["measured"].astype(float)
    np.testing.assert_allclose(
        cli_measured.loc[api.index].to_numpy(), api.to_numpy(), rtol=1e-12, equal_nan=True
    )
    # and the checked plots' status
    plots = pyogrio.read_dataframe(out, layer="demolition_plots")
    assert plots["ll_status"].tolist() == demo_result.plots["demolition"]["ll_status"].tolist()


def test_geodataframes_out(demo_result):
    assert isinstance(demo_result.findings, gpd.GeoDataFrame)
    assert demo_result.findings.crs == CRS
    assert isinstance(demo_result.balance, pd.DataFrame)
    for role in ("demolition", "construction"):
        frame = demo_result.plots[role]
        assert isinstance(frame, gpd.GeoDataFrame)
        assert {"ll_area_m2", "ll_area_planar_m2", "ll_status", "ll_rule_ids"} <= set(frame.columns)
        assert frame.crs == CRS
    assert "DKBH" in demo_result.plots["demolition"].columns  # input attributes unchanged


def test_frames_give_the_file_findings(demo_result, demo_frames):
    before = copy.deepcopy(demo_frames)
    result = ll.check(_frames_project(demo_frames))
    pd.testing.assert_frame_equal(_table(result.findings), _table(demo_result.findings))
    pd.testing.assert_frame_equal(result.balance, demo_result.balance)
    for role in ("demolition", "construction"):
        a, b = result.plots[role], demo_result.plots[role]
        assert a["ll_status"].tolist() == b["ll_status"].tolist()
        np.testing.assert_allclose(a["ll_area_m2"], b["ll_area_m2"])
    assert result.project.path is None
    assert result.run_info["inputs"]["demolition"]["source"] == "<GeoDataFrame:demolition>"
    assert len(result.run_info["inputs"]["demolition"]["sha256"]) == 64
    for role, frame in demo_frames.items():  # GeoDataFrames in are never changed
        assert_geodataframe_equal(frame, before[role])


def _small(**extra):
    """Two demolition squares (one 30 m, one 20 m), one 10 m construction square; all plain."""
    demolition = gpd.GeoDataFrame(
        {"DKBH": ["D1", "D2"], "DLBM": ["0702", "0702"]},
        geometry=[square(0, 0, 30), square(100, 0, 20)],
        crs=CRS,
    )
    construction = gpd.GeoDataFrame(
        {"DKBH": ["J1"], "DLBM": ["0103"], "JXLX": ["安置"]}, geometry=[square(300, 0, 10)], crs=CRS
    )
    return ll.project_from_frames(demolition, construction, name="小项目", code="T-1", **extra)


def test_frame_reference_layer_is_extent_filtered():
    # one compensation polygon overlapping D1 by 10 m × 10 m, one 50 km away
    compensation = gpd.GeoDataFrame(
        {"XMBH": ["NEAR", "FAR"]}, geometry=[square(20, 20, 50), square(50_000, 0, 10)], crs=CRS
    )
    result = ll.check(_small(compensation=compensation), rules=["OVL001"])
    assert result.run_info["inputs"]["compensation"]["features"] == 1
    hit = result.findings[result.findings.rule_id == "OVL001"]
    assert hit["plot_id"].tolist() == ["D1"] and hit["other_id"].tolist() == ["NEAR"]
    # planar 100 m²; ellipsoidal slightly smaller (about 0.03 % here)
    assert hit["measured"].iloc[0] == pytest.approx(100.0, rel=2e-3)


def test_frame_in_another_crs_and_other_index_and_geometry_name():
    dem = gpd.GeoDataFrame(
        {"DKBH": ["D1"], "DLBM": ["0702"]},
        geometry=gpd.GeoSeries([square(0, 0, 30)], crs=CRS, index=[7]).to_crs(4490),
        index=[7],
    ).rename_geometry("geom")
    result = ll.check(ll.project_from_frames(dem, crs=CRS), rules=["GEOM"])
    out = result.plots["demolition"]
    assert out.crs == CRS and list(out.index) == [0]
    assert out["ll_area_m2"].iloc[0] == pytest.approx(900.0, rel=2e-3)
    assert result.run_info["inputs"]["demolition"]["features"] == 1


def test_files_and_tables_mix_with_frames(demo_result, demo_frames):
    p = ll.load_project(DEMO / "project.toml")
    result = ll.check(
        ll.project_from_frames(
            demolition=str(DEMO / "拆旧地块.shp"),
            construction=demo_frames["construction"],
            compensation={"path": str(DEMO / "reference.gpkg"), "layer": "compensation"},
            fields={
                "demolition": p.layers["demolition"].fields,
                "construction": p.layers["construction"].fields,
            },
            crs=CRS,
        ),
        rules=["OVL001"],
    )
    expected = demo_result.findings[demo_result.findings.rule_id == "OVL001"]
    assert sorted(result.findings.finding_id) == sorted(expected.finding_id)


def test_facts_are_validated_like_the_project_file():
    with pytest.raises(ll.ProjectFileError, match="approved"):
        _small(approved="2019-13-45")
    with pytest.raises(ll.ProjectFileError, match="colour"):
        _small(colour="red")
    with pytest.raises(ll.ProjectFileError, match="profile"):
        _small(profile="hainan")
    p = _small(approved="2019-05-06", profile="shanxi", params={"min_plot_area_m2": 5})
    assert (
        p.approved == dt.date(2019, 5, 6)
        and p.profile == "shanxi"
        and p.params == {"min_plot_area_m2": 5}
    )


def test_bad_layers_are_clear_errors():
    with pytest.raises(ll.InputError, match="layer 'demolition'.*GeoDataFrame.*got DataFrame"):
        ll.project_from_frames(pd.DataFrame({"DKBH": ["D1"]}))
    with pytest.raises(ll.InputError, match="layer 'construction'"):
        ll.project_from_frames(
            gpd.GeoDataFrame(geometry=[square(0, 0, 10)], crs=CRS), construction=42
        )
    with pytest.raises(ll.InputError, match="no layer"):
        _small(fields={"landuse": {"land_class": "DLBM"}})
    with pytest.raises(ll.InputError, match="raster"):
        _small(dem="dem.tif")
    with pytest.raises(ll.ProjectFileError, match="canonical field"):
        _small(fields={"demolition": {"colour": "DLBM"}})


def test_nothing_global(demo_result):
    project = ll.load_project(DEMO / "project.toml")
    relaxed = ll.check(project, params={"min_compactness": 0.01}, ignore=["ATTR"])
    again = ll.check(project)
    assert "GEOM005" not in set(relaxed.findings.rule_id) and "ATTR002" not in set(
        relaxed.findings.rule_id
    )
    pd.testing.assert_frame_equal(_table(again.findings), _table(demo_result.findings))
    assert project == ll.load_project(DEMO / "project.toml")  # the frozen project is unchanged
    assert logging.getLogger("landlink_gis").handlers == []  # the library configures no logging


def test_rules_table_and_explain():
    table = ll.rules_table(lang="en")
    assert table["rule_id"].is_unique and {"GEOM005", "OVL001", "BAL001"} <= set(table["rule_id"])
    row = table.set_index("rule_id").loc["GEOM005"]
    assert row["severity"] == "warning" and "min_compactness=0.05" in row["params"]
    text = ll.explain("geom005", lang="en")
    assert text.startswith("GEOM005") and "min_plot_area_m2 = 10.0" in text
    with pytest.raises(ll.InputError, match="XYZ999"):
        ll.explain("XYZ999")


def test_read_layer_with_extent_filter():
    full = ll.read_layer(DEMO / "reference.gpkg", layer="landuse")
    # the sample's land-use layer is a coverage; a 200 m box at its lower-left corner
    xmin, ymin = full.total_bounds[:2]
    box = (xmin, ymin, xmin + 200, ymin + 200)
    part = ll.read_layer(DEMO / "reference.gpkg", layer="landuse", bbox=box)
    expected = full[shapely.intersects(shapely.envelope(full.geometry.array), shapely.box(*box))]
    assert 0 < len(part) < len(full)
    assert sorted(part["BSM"]) == sorted(expected["BSM"])


def test_explore_map(demo_result):
    import folium

    fmap = ll.explore(demo_result, lang="en", tiles=None)
    assert isinstance(fmap, folium.Map)
    layers = {c.layer_name: c for c in fmap._children.values() if isinstance(c, folium.GeoJson)}
    assert set(layers) == {"demolition plots", "new-construction plots", "findings"}
    for role, name in (
        ("demolition", "demolition plots"),
        ("construction", "new-construction plots"),
    ):
        plots = demo_result.plots[role]
        drawable = plots[~(plots.geometry.isna() | plots.geometry.is_empty)]
        drawn = pd.Series([f["properties"]["ll_status"] for f in layers[name].data["features"]])
        assert drawn.value_counts().to_dict() == drawable["ll_status"].value_counts().to_dict()
    findings = demo_result.findings
    with_geometry = findings[~(findings.geometry.isna() | findings.geometry.is_empty)]
    popups = [f["properties"]["rule_id"] for f in layers["findings"].data["features"]]
    assert sorted(popups) == sorted(with_geometry["rule_id"])
    html = fmap.get_root().render()
    assert "new-construction plots" in html
    assert all(f'"rule_id": "{rid}"' in html for rid in with_geometry["rule_id"])


def test_static_plot_draws_without_warnings(demo_result):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    from landlink_gis.outputs.maps_interactive import STATUS_COLOURS

    for lang in ("en", "zh"):  # zh falls back to English labels when no CJK font is installed
        ax = ll.plot(demo_result, lang=lang)
        ax.figure.canvas.draw()  # missing glyphs would warn here (warnings are errors in tests)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert len(labels) == 5
        demolition = ax.collections[0]
        colours = {to_hex(c) for c in demolition.get_facecolor()}
        statuses = set(demo_result.plots["demolition"]["ll_status"])
        assert colours == {STATUS_COLOURS[s] for s in statuses}
        plt.close(ax.figure)


def test_write_reaches_every_writer_of_the_table(demo_result, tmp_path):
    # ll.write goes through outputs.WRITERS: every kind it offers, beside the GeoPackage, the
    # GeoPackage with the same digest as the CLI's (run times aside, the same content)
    from landlink_gis.io.gpkg_digest import content_digest
    from landlink_gis.outputs.outputs import WRITERS

    kinds = [k for k in WRITERS if k != "gpkg"]
    written = ll.write(demo_result, tmp_path / "api.gpkg", kinds=kinds)
    assert list(written) == list(WRITERS)  # every kind, in the table's order
    for kind, path in written.items():
        assert path == (tmp_path / "api.gpkg").with_suffix(WRITERS[kind].suffix)
        assert path.is_file() and path.stat().st_size > 0
    cli_out = tmp_path / "cli.gpkg"
    CliRunner().invoke(cli, ["check", str(DEMO / "project.toml"), "-o", str(cli_out), "-q"])
    assert content_digest(written["gpkg"]) == content_digest(cli_out)
    one = ll.write_gpkg(demo_result, tmp_path / "only.gpkg")
    assert content_digest(one) == content_digest(cli_out)
    with pytest.raises(ValueError, match="unknown output kinds: pdf"):
        ll.write(demo_result, tmp_path / "x.gpkg", kinds=["pdf"])


def test_a_reader_result_carries_its_notes_into_a_frame_project(tmp_path):
    # a TXT whose plot CJ-002 declares 6 boundary points (it has 4 lines) and 0.25 公顷 (its
    # 50 m × 40 m square is 2000 m²): read from the file, both are findings
    from landlink_gis.io.coordtxt import read_coordtxt_notes
    from tests.io.test_coordtxt import SAMPLE, write_text

    path = write_text(tmp_path, SAMPLE.replace("4,0.2000,CJ-002", "6,0.2500,CJ-002"))
    frame, notes = read_coordtxt_notes(path)
    assert not frame.attrs  # the notes are typed, nothing rides on frame.attrs

    def demolition_findings(layer):
        f = ll.check(ll.project_from_frames(layer, name="x", code="T-1")).findings
        f = f[f["layer"] == "demolition"]
        return sorted(zip(f["rule_id"], f["plot_id"], f["message"], strict=True))

    from_file = demolition_findings(str(path))
    assert [(r, p) for r, p, _ in from_file] == [("ATTR003", "CJ-002"), ("GEOM001", "CJ-002")]
    assert "2500.00 m²" in from_file[0][2]  # 0.25 公顷 read as 2500 m²
    # the (frame, notes) pair: the same findings as the file; the frame alone knows neither
    # the 公顷 column nor the point-count problem
    assert demolition_findings((frame, notes)) == from_file
    assert demolition_findings(frame) == []
