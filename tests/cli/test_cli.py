"""The `landlink` command: exit codes 0/1/2 and clear messages."""

from __future__ import annotations

import re
import shutil

from click.testing import CliRunner

from landlink_gis.cli.main import cli
from tests.support import SAMPLES


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_clean_project_exits_0(tmp_path):
    out = tmp_path / "clean.gpkg"
    res = run("check", SAMPLES / "bazhong_clean" / "project.toml", "-o", out)
    assert res.exit_code == 0, res.output
    assert out.exists()
    assert "错误 0 条" in res.output
    assert res.output.strip().splitlines()[0] == "结论：可以报备"


def test_errors_exit_1_and_english(tmp_path):
    out = tmp_path / "demo.gpkg"
    res = run("check", SAMPLES / "bazhong_demo" / "project.toml", "-o", out, "--lang", "en")
    assert res.exit_code == 1, res.output
    assert res.output.strip().splitlines()[0] == "Verdict: must be corrected (21 errors)"
    # the area-weighted quality grade of the reclaimed land, net of 田坎, EXPECTED.md: 9.884 over
    # 26455.4 m²
    assert "weighted grade 9.88 (26,455.40 m²)" in res.output
    assert out.exists()


def test_missing_project_file_exits_2(tmp_path):
    res = run("check", tmp_path / "missing.toml", "-o", tmp_path / "x.gpkg")
    assert res.exit_code == 2
    assert "missing.toml" in res.output and "project file not found" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "x.gpkg").exists()


def test_missing_layer_file_exits_2_naming_it(tmp_path):
    proj = tmp_path / "p"
    shutil.copytree(SAMPLES / "bazhong_clean", proj)
    (proj / "建新地块.dbf").unlink()
    res = run("check", proj / "project.toml", "-o", tmp_path / "x.gpkg")
    assert res.exit_code == 2
    assert "建新地块.shp" in res.output and ".dbf" in res.output
    assert not (tmp_path / "x.gpkg").exists()


def test_refuses_to_write_over_an_input(tmp_path):
    proj = tmp_path / "p"
    shutil.copytree(SAMPLES / "bazhong_clean", proj)
    before = (proj / "reference.gpkg").read_bytes()
    res = run("check", proj / "project.toml", "-o", proj / "reference.gpkg")
    assert res.exit_code == 2
    assert "refusing to write over an input" in res.output
    assert (proj / "reference.gpkg").read_bytes() == before


def test_unknown_rule_in_ignore_exits_2(tmp_path):
    res = run(
        "check",
        SAMPLES / "bazhong_clean" / "project.toml",
        "-o",
        tmp_path / "x.gpkg",
        "--ignore",
        "NOPE042",
    )
    assert res.exit_code == 2 and "unknown rule ID 'NOPE042'" in res.output


def test_rules_and_explain():
    res = run("rules")
    assert res.exit_code == 0 and "GEOM001" in res.output and "OVL001" in res.output
    res = run("explain", "OVL001", "--lang", "en")
    assert res.exit_code == 0 and "overlap_tolerance_m2" in res.output
    assert "国土资厅函〔2014〕134号" in res.output and "(004)" not in res.output  # no source tag


def test_chinese_summary_has_no_english_words(tmp_path):
    """Under zh every word the reviewer reads in the printed summary is Chinese (rule IDs and
    units aside)."""
    out = tmp_path / "demo.gpkg"
    res = run("check", SAMPLES / "bazhong_demo" / "project.toml", "-o", out)
    assert res.exit_code == 1, res.output
    text = "\n".join(
        line for line in res.output.splitlines() if not line.startswith("→")
    )  # output paths
    words = re.findall(
        r"[A-Za-z]{2,}", re.sub(r"[A-Z]+\d+", "", text)
    )  # rule IDs and plot ids are codes
    assert words == [], words
    assert "安置地块面积" in text and "[resettlement]" not in text
