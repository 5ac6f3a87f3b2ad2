"""``landlink package --verify``: a hand-written real-world-style TXT reads and verifies clean;
broken ones are
reported with file and line; exit codes 0 / 1 / 2.

``tests/data/coordtxt_real_holes.txt`` was written by hand following the Ministry format exactly:
GBK,
CRLF, a ``[属性描述]`` header as real files have it (格式版本号=1.01, 数据产生单位,
坐标系=2000国家大地坐标系,
几度分带=3, 投影类型=高斯克吕格, 计量单位=米, 带号=36, 精度=0.01, 转换参数=,,,,,,), Y with the zone
prefix,
points numbered on across rings, each ring closed, 界址点数 counting the closing lines. Plots (by
hand):
CJ001 100 m × 80 m with one 20 × 10 hole (圈号 2): 7 800 m²; CJ002 60 × 50 with two 10 × 10 holes
(圈号 2, 3): 2 800 m²; CJ003 30 × 20: 600 m².
"""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely
from click.testing import CliRunner

from landlink_gis.cli.main import cli
from landlink_gis.filing.verify import verify_package, verify_txt
from landlink_gis.io.coordtxt import read_coordtxt_notes

REAL = Path(__file__).parents[1] / "data" / "coordtxt_real_holes.txt"


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_real_world_style_file_reads_correctly():
    gdf, notes = read_coordtxt_notes(REAL)
    assert gdf.crs.to_epsg() == 4524  # CGCS2000 3° zone 36 with the zone prefix (4488 + 36)
    assert notes.details["encoding"].lower() == "gbk" and notes.read_problems == ()
    header = notes.header
    assert header["格式版本号"] == "1.01" and header["数据产生单位"] == "巴中市巴州区自然资源局"
    assert header["转换参数"] == ",,,,,," and header["精度"] == "0.01" and header["带号"] == "36"
    assert list(gdf["DKBH"]) == ["CJ001", "CJ002", "CJ003"]
    assert list(gdf["DKMC"]) == ["李子垭村宅基地1", "石门村宅基地2", "高峰村闲置地1"]
    assert list(gdf["DKYT"]) == ["拆旧"] * 3 and list(gdf["DLBM"]) == ["0702", "0702", "1201"]
    assert list(gdf["TFH"]) == ["H48G012034"] * 3 and list(gdf["TXSX"]) == ["面"] * 3
    assert list(gdf["JZDS"]) == [10, 15, 5]
    assert list(gdf["MJ_HA"]) == [0.78, 0.28, 0.06]
    geoms = gdf.geometry.to_numpy()
    assert list(shapely.get_type_id(geoms)) == [3, 3, 3]  # holes, not extra parts
    assert list(shapely.get_num_interior_rings(geoms)) == [1, 2, 0]
    assert shapely.area(geoms).tolist() == [7800.0, 2800.0, 600.0]
    assert shapely.bounds(geoms[0]).tolist() == [
        36381000.0,
        3524000.0,
        36381100.0,
        3524080.0,
    ]  # x = Y (easting)
    # its name is not a 备案编号 (the only problem); a copy named by one verifies clean
    assert [p.code for p in verify_txt(REAL)] == ["file_name"]
    assert verify_txt(REAL, filing_code="coordtxt_real_holes") == []


def test_verify_cli_on_a_single_file(tmp_path):
    named = tmp_path / "51190220190001.txt"
    named.write_bytes(REAL.read_bytes())
    res = run("package", "--verify", str(named))
    assert res.exit_code == 0, res.output
    assert f"{named}：3 个地块，错误 0 个，警告 0 个" in res.output
    res = run("package", "--verify", str(named), "--filing-code", "51190220190009")
    assert res.exit_code == 1 and "应为备案编号 '51190220190009'" in res.output
    assert run("package", "--verify", str(REAL)).exit_code == 1  # not named by a 备案编号
    assert run("package", "--verify", "/nonexistent/x.txt").exit_code == 2


def broken(
    tmp_path: Path, old: str, new: str, *, name: str = "51190220190001.txt", encoding: str = "gbk"
) -> Path:
    text = REAL.read_bytes().decode("gbk")
    assert old in text
    path = tmp_path / name
    path.write_bytes(text.replace(old, new, 1).encode(encoding))
    return path


# (what is changed, into what, expected problem code, expected 1-based line or None)
CASES = [
    (
        "10,0.7800,CJ001,李子垭村宅基地1,面,H48G012034,拆旧,0702,@",
        "10,0.7800,CJ001,李子垭村宅基地1,面,拆旧,0702,@",
        "field_count",
        13,
    ),
    ("10,0.7800,CJ001", "9,0.7800,CJ001", "point_count", 13),
    ("5,0.0600,CJ003", "5,约0.06,CJ003", "field_type", 40),
    ("5,0.0600,CJ003", "五,0.0600,CJ003", "field_type", 40),
    ("J1,1,3524400.00,36381300.00\r\n", "J1,1,3524400.00,36381300.00,9\r\n", "point_fields", 41),
    ("J7,2,3524040.00,36381060.00", "J7,2,3524040.00,东", "field_type", 21),
    ("J7,2,", "J7,二,", "field_type", 21),
    ("带号=36\r\n", "", "header_key", None),
    ("几度分带=3", "几度分带=5", "header_value", 6),
    ("计量单位=米", "计量单位=千米", "header_value", 8),
    ("[地块坐标]", "[坐标]", "section", None),
    (",李子垭村宅基地1,", ",李子垭村宅基地1" + "很长" * 60 + ",", "field_length", 13),
    (",CJ002,", ",,", "plot_id", 24),
]


@pytest.mark.parametrize(("old", "new", "code", "line"), CASES)
def test_each_problem_is_reported_with_its_line(tmp_path, old, new, code, line):
    problems = verify_txt(broken(tmp_path, old, new))
    assert (code, line) in [(p.code, p.line) for p in problems], problems
    res = run("package", "--verify", str(tmp_path / "51190220190001.txt"))
    assert res.exit_code == 1


def test_too_few_points_in_a_ring(tmp_path):
    old = "J4,1,3524420.00,36381300.00\r\nJ1,1,3524400.00,36381300.00\r\n"
    path = broken(
        tmp_path, "J3,1,3524420.00,36381330.00\r\n" + old, "J1,1,3524400.00,36381300.00\r\n"
    )
    codes = {(p.code, p.line) for p in verify_txt(path)}
    assert ("ring", 41) in codes and ("point_count", 40) in codes


def test_encoding_and_file_name(tmp_path):
    utf8 = broken(tmp_path, "CJ001", "CJ001", encoding="utf-8")
    assert [(p.code, p.severity) for p in verify_txt(utf8)] == [("encoding", "warning")]
    named = broken(tmp_path, "CJ001", "CJ001", name="拆旧 地块.txt")
    assert [p.code for p in verify_txt(named)] == ["file_name"]  # not a 备案编号
    assert [p.code for p in verify_txt(named, filing_code="51190220190001")] == ["file_name"]
    bad = broken(tmp_path, "CJ001", "CJ001", name="a:b.txt")
    assert [p.code for p in verify_txt(bad)] == ["file_name"]
    undecodable = broken(tmp_path, "李子垭村", "李子垭村", name="51190220190003.txt")
    undecodable.write_bytes(undecodable.read_bytes().replace("李".encode("gbk"), b"\xff\x20"))
    assert "encoding" in {p.code for p in verify_txt(undecodable)}


def test_a_tampered_package_is_reported(tmp_path):
    folder = tmp_path / "pkg"
    (folder / "txt" / "demolition").mkdir(parents=True)
    txt = folder / "txt" / "demolition" / "51190220190001.txt"
    txt.write_bytes(REAL.read_bytes())
    assert {p.code for p in verify_package(folder)} == {"manifest"}
    import hashlib
    import json

    sha = hashlib.sha256(txt.read_bytes()).hexdigest()
    manifest = {
        "filing_code": "51190220190001",
        "files": [{"path": "txt/demolition/51190220190001.txt", "sha256": sha}],
    }
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert verify_package(folder) == []
    (folder / "extra.csv").write_text("x")
    txt.write_bytes(REAL.read_bytes() + b"\r\n")
    assert {p.code for p in verify_package(folder)} == {"unlisted", "sha256"}
    manifest["filing_code"] = "33078220150001"
    manifest["files"].append({"path": "summary.csv", "sha256": "0"})
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    assert {p.code for p in verify_package(folder)} == {
        "unlisted",
        "sha256",
        "missing",
        "file_name",
    }
    assert run("package", "--verify", str(folder)).exit_code == 1
