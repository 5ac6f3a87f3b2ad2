"""``landlink export-txt``: plots without geometry, never over the input, atomic output, no
traceback.

The input is a small filing-style GeoPackage written here (layer ``demolition_plots`` with the
columns ``landlink check`` writes), so the areas and coordinates are known by hand.
"""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from click.testing import CliRunner
from shapely.geometry import Polygon

from landlink_gis.base.errors import OutputError
from landlink_gis.cli.main import cli
from landlink_gis.io.atomic import refuse_protected
from landlink_gis.io.coordtxt import read_coordtxt


def make_gpkg(
    path: Path, *, missing: tuple[str, ...] = ("B",), empty: tuple[str, ...] = ("D",)
) -> Path:
    """Plots A–D in EPSG:4545: squares of 100, 50, 20, 10 m; ``missing`` get no geometry,
    ``empty`` an empty one."""
    ids, sides = ["A", "B", "C", "D"], [100.0, 50.0, 20.0, 10.0]
    geoms = []
    for i, (pid, side) in enumerate(zip(ids, sides, strict=True)):
        if pid in missing:
            geoms.append(None)
        elif pid in empty:
            geoms.append(Polygon())
        else:
            x0 = 500_000.0 + 1_000 * i
            geoms.append(shapely.box(x0, 3_530_000.0, x0 + side, 3_530_000.0 + side))
    gdf = gpd.GeoDataFrame(
        {
            "DKBH": ids,
            "DKMC": [f"地块{p}" for p in ids],
            "DLBM": ["0702"] * 4,
            "ll_area_m2": [s * s + 1.0 for s in sides],  # "ellipsoidal": 1 m² more than planar
            "ll_area_planar_m2": [s * s for s in sides],
        },
        geometry=geoms,
        crs="EPSG:4545",
    )
    gdf.to_file(path, layer="demolition_plots", driver="GPKG")
    return path


def export(*args: str):
    return CliRunner().invoke(cli, ["export-txt", *args])


def test_plots_without_geometry_are_listed_and_skipped(tmp_path):
    gpkg = make_gpkg(tmp_path / "checked.gpkg")
    out = tmp_path / "out.txt"
    res = export(str(gpkg), "-o", str(out))
    assert res.exit_code == 0, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
    assert "warning: 2 plot(s) of layer demolition_plots" in res.stderr
    assert "have no geometry: B, D; skipped" in res.stderr
    assert "2 plots → " in res.stdout and "(2 without geometry skipped)" in res.stdout
    back = read_coordtxt(out)
    assert back["DKBH"].tolist() == ["A", "C"]
    # ellipsoidal area column / 10 000, hand-computed: (100² + 1) m², (20² + 1) m² in 公顷
    assert back["MJ_HA"].tolist() == [1.0001, 0.0401]
    assert back.geometry.area.tolist() == pytest.approx([10_000.0, 400.0])
    assert back.crs.to_epsg() == 4524  # zone prefix written: 4488 + 36


def test_strict_refuses_plots_without_geometry(tmp_path):
    gpkg = make_gpkg(tmp_path / "checked.gpkg", missing=("C",), empty=())
    out = tmp_path / "out.txt"
    res = export(str(gpkg), "-o", str(out), "--strict")
    assert res.exit_code == 2
    assert (
        "1 plot(s) of layer demolition_plots" in res.stderr and "have no geometry: C" in res.stderr
    )
    assert "--strict refuses" in res.stderr and "Traceback" not in res.output
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["checked.gpkg"]


def test_no_plot_with_geometry_is_an_error(tmp_path):
    gpkg = make_gpkg(tmp_path / "checked.gpkg", missing=("A", "B"), empty=("C", "D"))
    res = export(str(gpkg), "-o", str(tmp_path / "out.txt"))
    assert res.exit_code == 2 and "no plot with geometry is left to write" in res.stderr
    assert "A, B, C, D" in res.stderr and not (tmp_path / "out.txt").exists()


def test_long_lists_are_cut(tmp_path):
    gdf = gpd.GeoDataFrame(
        {"DKBH": [f"P{i}" for i in range(30)], "ll_area_m2": [1.0] * 30},
        geometry=[shapely.box(500_000, 3_530_000, 500_010, 3_530_010)] + [None] * 29,
        crs="EPSG:4545",
    )
    gpkg = tmp_path / "checked.gpkg"
    gdf.to_file(gpkg, layer="demolition_plots", driver="GPKG")
    res = export(str(gpkg), "-o", str(tmp_path / "out.txt"))
    assert res.exit_code == 0, res.output
    assert "29 plot(s)" in res.stderr and "P1, P2," in res.stderr and "… (9 more)" in res.stderr
    assert "P29" not in res.stderr


@pytest.mark.parametrize("how", ["same", "dotted", "symlink", "hardlink"])
def test_output_never_replaces_the_input(tmp_path, how):
    gpkg = make_gpkg(tmp_path / "checked.gpkg")
    if how == "same":
        out = gpkg
    elif how == "dotted":
        (tmp_path / "sub").mkdir()
        out = tmp_path / "sub" / ".." / "checked.gpkg"
    elif how == "symlink":
        out = tmp_path / "link.txt"
        out.symlink_to(gpkg)
    else:
        out = tmp_path / "hard.txt"
        os.link(gpkg, out)
    before = gpkg.read_bytes()
    res = export(str(gpkg), "-o", str(out))
    assert res.exit_code == 2, res.output
    assert f"{out}: refusing to write over an input" in res.stderr and str(gpkg) in res.stderr
    assert "Traceback" not in res.output
    assert gpkg.read_bytes() == before
    assert os.stat(out).st_ino == os.stat(gpkg).st_ino  # the link is untouched too
    assert not [p for p in tmp_path.rglob("*.tmp*")]


def test_same_file_compares_paths_and_inodes(tmp_path):
    a = tmp_path / "a.txt"
    a.write_text("x")
    b = tmp_path / "b.txt"
    b.write_text("x")  # same content, another file
    os.link(a, tmp_path / "h.txt")
    (tmp_path / "s.txt").symlink_to(a)
    for target, protected in (
        (a, a),
        (tmp_path / "h.txt", a),
        (tmp_path / "s.txt", a),
        (a, tmp_path / "s.txt"),
    ):
        with pytest.raises(OutputError, match="refusing to write over an input"):
            refuse_protected(target, {protected})
    refuse_protected(b, {a})  # same content, another file: allowed
    refuse_protected(tmp_path / "new.txt", {a})


def test_existing_output_is_replaced_atomically(tmp_path):
    gpkg = make_gpkg(tmp_path / "checked.gpkg")
    out = tmp_path / "out.txt"
    out.write_text("old content")
    res = export(str(gpkg), "-o", str(out), "--area", "planar", "--no-zone-prefix")
    assert res.exit_code == 0, res.output
    back = read_coordtxt(out)
    assert back["MJ_HA"].tolist() == [1.0, 0.04] and back.crs.to_epsg() == 4545
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "checked.gpkg",
        "out.txt",
    ]  # no temporaries


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda g: g.assign(ll_area_m2=["a", "b", "c", "d"]), "area column is not numeric"),
        (lambda g: g.drop(columns="ll_area_m2"), "has no ll_area_m2"),
        (lambda g: g.to_crs(4490), "not a Gauss-Kr"),
        (lambda g: g.assign(DKMC=["a,b", "c", "d", "e"]), "cannot hold commas"),
    ],
)
def test_bad_inputs_exit_2_without_traceback(tmp_path, change, message):
    gpkg = make_gpkg(tmp_path / "base.gpkg", missing=(), empty=())
    bad = change(gpd.read_file(gpkg, layer="demolition_plots"))
    path = tmp_path / "checked.gpkg"
    bad.to_file(path, layer="demolition_plots", driver="GPKG")
    res = export(str(path), "-o", str(tmp_path / "out.txt"))
    assert res.exit_code == 2, res.output
    assert message in res.stderr and "Traceback" not in res.output
    assert not (tmp_path / "out.txt").exists()
