"""A batch never writes one project's output over another project's input, and a folder without a
project file points the user to ``landlink init``."""

from __future__ import annotations

import hashlib
import shutil

from click.testing import CliRunner

from landlink_gis.cli.main import cli
from tests.support.geoms import CRS, square
from tests.support.helpers import frame, write_project


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_output_of_one_project_never_replaces_the_input_of_another(tmp_path):
    plots = frame(
        [{"DKBH": "C1", "DLBM": "0702", "geometry": square(500000.0, 3500000.0, 30.0)}], crs=CRS
    )
    a = write_project(tmp_path / "a", {"demolition": plots}, project={"code": "A-1"}, fmt="gpkg")
    b = write_project(tmp_path / "b", {"demolition": plots}, project={"code": "B-1"}, fmt="gpkg")
    shared = tmp_path / "out"
    shared.mkdir()
    # project b reads its plots from the very file project a's output would be written to
    victim = shared / "a_checked.gpkg"
    shutil.copy(b.parent / "demolition.gpkg", victim)
    b.write_text(
        b.read_text(encoding="utf-8").replace(
            'path = "demolition.gpkg"', f'path = "{victim.as_posix()}"'
        ),
        encoding="utf-8",
    )
    before = _sha(victim)
    res = CliRunner().invoke(
        cli, ["check", str(a), str(b), "-o", str(shared), "--workers", "1", "--lang", "en"]
    )
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert "refusing to write over an input" in res.output and "a_checked.gpkg" in res.output
    assert _sha(victim) == before  # b's input is byte-identical
    assert (shared / "b_checked.gpkg").exists()  # the other project was checked and written


def test_folder_without_project_file_suggests_init(tmp_path):
    plots = frame(
        [{"DKBH": "C1", "DLBM": "0702", "geometry": square(500000.0, 3500000.0, 30.0)}], crs=CRS
    )
    plots.to_file(tmp_path / "拆旧地块.shp", encoding="UTF-8")
    res = CliRunner().invoke(cli, ["check", str(tmp_path)])
    assert res.exit_code == 2
    assert f"landlink init {tmp_path}" in res.output and "没有项目文件" in res.output
    res = CliRunner().invoke(cli, ["check", str(tmp_path), "--lang", "en"])
    assert res.exit_code == 2 and f"run: landlink init {tmp_path}" in res.output


def test_with_names_any_writer_of_the_table(tmp_path):
    """``--with KIND`` offers every output of outputs/outputs.py WRITERS, single check and batch
    alike."""
    from landlink_gis.outputs.outputs import WRITERS

    plots = frame(
        [{"DKBH": "C1", "DLBM": "0702", "geometry": square(500000.0, 3500000.0, 30.0)}], crs=CRS
    )
    a = write_project(tmp_path / "a", {"demolition": plots}, project={"code": "A-1"}, fmt="gpkg")
    out = tmp_path / "out" / "a.gpkg"
    res = CliRunner().invoke(
        cli, ["check", str(a), "-o", str(out), "--with", "xlsx", "--with", "report", "-q"]
    )
    assert res.exit_code in (0, 1), res.output
    assert {p.suffix for p in out.parent.iterdir()} == {w.suffix for w in WRITERS.values()}
    b = write_project(tmp_path / "b", {"demolition": plots}, project={"code": "B-1"}, fmt="gpkg")
    res = CliRunner().invoke(
        cli,
        [
            "check",
            str(a),
            str(b),
            "-o",
            str(tmp_path / "batch"),
            "--workers",
            "1",
            "--with",
            "xlsx",
            "-q",
        ],
    )
    assert res.exit_code in (0, 1), res.output
    assert sorted(p.name for p in (tmp_path / "batch").glob("*.xlsx")) == [
        "a_checked.xlsx",
        "b_checked.xlsx",
    ]
