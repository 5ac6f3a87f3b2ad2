"""A coordinate TXT plot whose 界址点数 disagrees with its point lines is an error finding for
that plot.

The reader keeps the plot (never drops or silently fixes it) and records the problem; loading
carries
it into the context and GEOM001 reports it at error severity, so such a file can never end
"可以报备".
"""

from __future__ import annotations

import re

import geopandas as gpd
from click.testing import CliRunner

from landlink_gis.cli.main import cli
from landlink_gis.io.coordtxt import read_coordtxt_notes, write_coordtxt
from landlink_gis.run.runner import check
from tests.support.geoms import CRS, square


def _txt_project(tmp_path, *, tamper: bool):
    plots = gpd.GeoDataFrame(
        {"DKBH": ["T1", "T2"], "DLBM": ["0702", "0702"]},
        geometry=[square(500000.0, 3500000.0, 40.0), square(500100.0, 3500000.0, 30.0)],
        crs=CRS,
    )
    txt = tmp_path / "demolition.txt"
    write_coordtxt(plots, txt, id_field="DKBH", class_field="DLBM")
    if tamper:
        text = txt.read_bytes().decode("gbk")
        # the second plot line: 界址点数 5 (4 corners + the closing point) → 7
        lines = text.splitlines()
        plot_lines = [i for i, line in enumerate(lines) if line.rstrip().endswith("@")]
        fields = lines[plot_lines[1]].split(",")
        assert fields[0] == "5"
        fields[0] = "7"
        lines[plot_lines[1]] = ",".join(fields)
        txt.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    toml = tmp_path / "project.toml"
    toml.write_text(
        '[project]\nname = "TXT"\ncode = "T-1"\nprofile = "national"\ncrs = "' + CRS + '"\n'
        '[layers.demolition]\npath = "demolition.txt"\nid = "DKBH"\n',
        encoding="utf-8",
    )
    return toml


def test_reader_keeps_the_plot_and_records_the_mismatch(tmp_path):
    toml = _txt_project(tmp_path, tamper=True)
    frame, notes = read_coordtxt_notes(toml.parent / "demolition.txt")
    assert len(frame) == 2  # never a dropped plot
    problems = notes.read_problems
    assert [(p["position"], p["code"], p["declared"], p["found"]) for p in problems] == [
        (1, "point_count", 7, 5)
    ]


def test_mismatch_is_a_geom001_error_for_that_plot(tmp_path):
    result = check(_txt_project(tmp_path, tamper=True), rules=["GEOM001"])
    f = result.findings
    assert list(zip(f["rule_id"], f["plot_id"], f["severity"], strict=True)) == [
        ("GEOM001", "T2", "error")
    ]
    assert "界址点数为 7" in f["message"].iloc[0] and "5 行" in f["message"].iloc[0]
    assert result.exit_code == 1


def test_consistent_file_has_no_finding(tmp_path):
    result = check(_txt_project(tmp_path, tamper=False), rules=["GEOM001"])
    assert len(result.findings) == 0


def test_cli_exits_1_naming_the_plot(tmp_path):
    toml = _txt_project(tmp_path, tamper=True)
    res = CliRunner().invoke(
        cli,
        [
            "check",
            str(toml),
            "-o",
            str(tmp_path / "out.gpkg"),
            "--rules",
            "GEOM001",
            "--lang",
            "en",
        ],
    )
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    assert re.search(r"GEOM001:1", res.output)


def test_txt_plot_area_in_hectares_is_the_declared_area_checked_by_attr003(tmp_path):
    """地块面积 is in 公顷: the file's own 0.16 hm² passes; a declared 0.2 hm² is 2000 m², not
    0.2 m²."""
    toml = _txt_project(tmp_path, tamper=False)
    txt = tmp_path / "demolition.txt"
    lines = txt.read_bytes().decode("gbk").splitlines()
    plot_lines = [i for i, line in enumerate(lines) if line.rstrip().endswith("@")]
    fields = lines[plot_lines[0]].split(",")
    assert abs(float(fields[1]) - 0.16) < 0.001  # the writer's own 地块面积 for T1, in 公顷
    result = check(toml, rules=["ATTR003"])
    assert len(result.findings) == 0  # hectares read as hectares: no mismatch
    fields[1] = "0.2000"  # declare 2000 m² for a 1600 m² plot
    lines[plot_lines[0]] = ",".join(fields)
    txt.write_bytes(("\r\n".join(lines) + "\r\n").encode("gbk"))
    f = check(toml, rules=["ATTR003"]).findings
    assert list(f["plot_id"]) == ["T1"]
    # declared 0.2 hm² = 2000.00 m² against the computed area (a 40 m square, scale factor < 1 here)
    assert "申报面积 2000.00 m²" in f["message"].iloc[0]
    assert 1590.0 < float(f["measured"].iloc[0]) < 1600.0
