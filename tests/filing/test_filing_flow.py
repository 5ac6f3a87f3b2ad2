"""The filing flow of docs/filing.md runs end to end on the clean sample:
``check → package → package --verify [--against] → ledger add``.

The clean sample carries the facts a package needs (filing_code 51190220210004, households,
funds_wan_yuan, approved_scale_m2). Also here: the package's permissions and zip entry names, the
manifest naming its source by file name only, ``--area planar``, and a package whose coordinates
were edited after the check.
"""

from __future__ import annotations

import json
import os
import re
import stat
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner

from landlink_gis.cli.main import cli
from landlink_gis.filing.codes import filing_code_problem
from landlink_gis.filing.verify import verify
from landlink_gis.io.coordtxt import read_coordtxt
from landlink_gis.ledger.checked import read_checked
from tests.support import REPO, SAMPLES

CODE = "51190220210004"


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def clean_checked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("flow")
    gpkg = folder / "clean_checked.gpkg"
    res = run("check", SAMPLES / "bazhong_clean" / "project.toml", "-o", gpkg, "--report", "-q")
    assert res.exit_code == 0, res.output
    return gpkg


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_check_package_verify_ledger(clean_checked, tmp_path, umask_022):
    out = tmp_path / "报备"  # the docs' folder name: not ASCII, so not in the zip's entries
    res = run("package", clean_checked, "-o", out, "--zip", "--producer", "巴中市巴州区自然资源局")
    assert res.exit_code == 0, res.output
    res = run("package", "--verify", out)
    assert res.exit_code == 0, res.output
    assert f"txt/demolition/{CODE}.txt：21 个地块，错误 0 个，警告 0 个" in res.output
    assert f"txt/construction/{CODE}.txt：3 个地块，错误 0 个，警告 0 个" in res.output
    res = run("package", "--verify", out, "--against", clean_checked)
    assert res.exit_code == 0, res.output

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["source"] == "clean_checked.gpkg"  # the file's name, no machine path
    assert manifest["filing_code"] == CODE and manifest["area_basis"] == "ellipsoidal"
    assert manifest["findings"] == [] and manifest["profile"] == "sichuan"

    # ordinary permissions (umask 022): folders 0755, files 0644
    modes = {p: stat.S_IMODE(p.stat().st_mode) for p in [out, *out.rglob("*")]}
    assert {m for p, m in modes.items() if p.is_dir()} == {0o755}
    assert {m for p, m in modes.items() if p.is_file()} == {0o644}
    # zip entries as docs/filing.md lays the folder out, ASCII besides the 备案编号
    with zipfile.ZipFile(f"{out}.zip") as zf:
        names = sorted(zf.namelist())
    assert names == sorted(
        [
            "clean_checked.gpkg",
            "clean_checked.html",
            "manifest.json",
            "manifest.txt",
            "summary.csv",
            "summary.xlsx",
            f"txt/construction/{CODE}.txt",
            f"txt/demolition/{CODE}.txt",
        ]
    )
    assert all(n.isascii() for n in names)

    ledger = tmp_path / "ledger.gpkg"
    assert run("ledger", "init", ledger, "--crs", "EPSG:4545").exit_code == 0
    res = run("ledger", "-L", ledger, "add", clean_checked)
    assert res.exit_code == 0, res.output
    assert "511902-2021-004" in res.output and "24 plots" in res.output


def test_edited_coordinates_are_caught(clean_checked, tmp_path):
    out = tmp_path / "pkg"
    assert run("package", clean_checked, "-o", out).exit_code == 0
    txt = out / "txt" / "demolition" / f"{CODE}.txt"
    text = txt.read_bytes().decode("gbk")
    first = re.search(r"^J1,1,(\d+\.\d+),(\d+\.\d+)\r$", text, flags=re.M)
    moved = f"J1,1,{float(first.group(1)) + 5:.3f},{first.group(2)}\r"  # 5 m north
    txt.write_bytes(text.replace(first.group(0), moved).encode("gbk"))
    plot = read_coordtxt(txt)["DKBH"].iloc[0]
    res = run("package", "--verify", out, "--against", clean_checked)
    assert res.exit_code == 1
    assert "SHA-256 与 manifest.json 记录不符" in res.output
    assert f"地块 {plot}: [错误] 地块 {plot} 的坐标与检查结果不同" in res.output


def _first_plot(text: str) -> re.Match:
    """The first plot of a TXT: its plot line (group 1: 地块面积, 2: 地块编号) and point lines."""
    return re.search(r"^\d+,(\d+\.\d+),([^,]+),[^\r]*,@\r\n(?:J[^\r]*\r\n)+", text, flags=re.M)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        # 地块面积 of the first plot + 0.0002 公顷: inside the 0.5 % content tolerance, not the check's
        (lambda m: m.group(0).replace(f",{m.group(1)},", f",{float(m.group(1)) + 0.0002:.4f},", 1),
         "against_area"),
        (lambda m: "", "against_missing"),  # the first plot left out of the TXT
    ],
    ids=["area", "plot_left_out"],
)  # fmt: skip
def test_package_against_the_check(clean_checked, tmp_path, change, code):
    out = tmp_path / "pkg"
    assert run("package", clean_checked, "-o", out).exit_code == 0
    txt = out / "txt" / "demolition" / f"{CODE}.txt"
    text = txt.read_bytes().decode("gbk")
    m = _first_plot(text)
    txt.write_bytes((text[: m.start()] + change(m) + text[m.end() :]).encode("gbk"))
    report = verify(out, against=clean_checked)
    assert {p.code for p in report.errors} == {"sha256", code}
    (problem,) = [p for p in report.errors if p.code == code]
    assert m.group(2) in problem.message
    assert {p.code for p in verify(out).errors} == {"sha256"}  # only --against tells


def test_planar_area_basis(clean_checked, tmp_path):
    out = tmp_path / "pkg"
    assert run("package", clean_checked, "-o", out, "--area", "planar").exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["area_basis"] == "planar"
    plots = read_checked(clean_checked).plots
    demolition = plots[plots["layer"] == "demolition"]
    txt = read_coordtxt(out / "txt" / "demolition" / f"{CODE}.txt")
    planar = demolition.geometry.area.to_numpy() / 1e4  # the plots' own planar area
    assert np.allclose(txt["MJ_HA"].to_numpy(float), planar, atol=0.00005)
    assert not np.allclose(txt["MJ_HA"].to_numpy(float), demolition["area_m2"] / 1e4, atol=5e-5)
    assert run("package", "--verify", out, "--against", clean_checked).exit_code == 0


def test_docs_example_filing_code_is_valid():
    docs = (REPO / "docs" / "filing.md").read_text(encoding="utf-8")
    codes = re.findall(r'filing_code = "([^"]+)"', docs)
    assert codes, "docs/filing.md shows a filing_code"
    for code in codes:
        assert filing_code_problem(code, project_code="511902-2021-004") is None, code
    toml = (SAMPLES / "bazhong_clean" / "project.toml").read_text(encoding="utf-8")
    assert f'filing_code = "{CODE}"' in toml
