"""``landlink package``: the demo's package round-trips; facts, scale, refusals, atomic folder,
formula cells.

Known answers come from outside the package code: the demo's per-plot ellipsoidal areas from
``read_checked`` are compared with pyproj ``Geod`` areas of the polygons read back from the TXT (a
second method), and the small project's squares have areas known by hand.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner
from openpyxl import load_workbook
from pyproj import CRS, Geod, Transformer

from landlink_gis.cli.main import cli
from landlink_gis.io.coordtxt import read_coordtxt, read_coordtxt_notes
from landlink_gis.ledger.checked import read_checked
from tests.support import SAMPLES
from tests.support.geoms import square
from tests.support.helpers import filing_inputs, frame, write_project

GEOD = Geod(
    ellps="GRS80"
)  # CGCS2000's ellipsoid differs from GRS80 in f by < 1e-10: same areas to 1e-6 m²


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def geod_area_m2(geom, crs) -> float:
    to_ll = Transformer.from_crs(CRS.from_user_input(crs), "EPSG:4490", always_xy=True)
    total = 0.0
    for part in getattr(geom, "geoms", [geom]):
        for k, ring in enumerate([part.exterior, *part.interiors]):
            lon, lat = to_ll.transform(*np.asarray(ring.coords).T)
            a = abs(GEOD.polygon_area_perimeter(lon, lat)[0])
            total += a if k == 0 else -a
    return total


@pytest.fixture(scope="module")
def demo_checked(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    gpkg = folder / "demo_checked.gpkg"
    res = run(
        "check", str(SAMPLES / "bazhong_demo" / "project.toml"), "-o", str(gpkg), "--report", "-q"
    )
    assert res.exit_code == 1, res.output  # planted error findings
    return gpkg


def test_demo_package_round_trips(demo_checked, tmp_path):
    out = tmp_path / "pkg"
    refused = run("package", str(demo_checked), "-o", str(out))
    assert refused.exit_code == 1 and not out.exists()
    assert "未生成报备数据包" in refused.stderr

    res = run(
        "package", str(demo_checked), "-o", str(out), "--zip", "--force", "--reason", "演示数据"
    )
    assert res.exit_code == 0, res.output
    # the forced demo carries its planted problems into the TXTs: --verify names them
    verified = run("package", "--verify", str(out))
    assert verified.exit_code == 1
    assert "地块 CJ059: [错误] 地块编号 CJ059 与第" in verified.output  # planted duplicate id
    assert "地块 CJ025: [错误] 地块 CJ025 与 地块 CJ024" in verified.output  # planted overlap
    assert "txt/construction/511902-2019-001.txt：7 个地块，错误 0 个，警告 0 个" in verified.output

    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["forced"] is True and manifest["reason"] == "演示数据"
    listed = {f["path"]: f["sha256"] for f in manifest["files"]}
    code = manifest["filing_code"]  # the demo's filing_code, else its project code (with a finding)
    assert code == (read_checked(demo_checked).facts.get("filing_code") or "511902-2019-001")
    assert set(listed) == {
        "demo_checked.gpkg",
        "demo_checked.html",
        "summary.csv",
        "summary.xlsx",
        f"txt/demolition/{code}.txt",
        f"txt/construction/{code}.txt",
    }
    for rel, sha in listed.items():
        assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == sha
    assert (out / "demo_checked.gpkg").read_bytes() == demo_checked.read_bytes()
    with zipfile.ZipFile(f"{out}.zip") as zf:
        assert sorted(zf.namelist()) == sorted([*listed, "manifest.json", "manifest.txt"])

    plots = read_checked(demo_checked).plots
    for role, use in (
        ("demolition", {"": "拆旧"}),
        ("construction", {"resettlement": "安置", "urban": "城镇建新"}),
    ):
        txt, notes = read_coordtxt_notes(out / "txt" / role / f"{code}.txt")
        assert notes.read_problems == () and notes.details["encoding"].lower() == "gbk"
        assert (
            txt.crs.to_epsg() == 4524
        )  # zone 36 with the prefix (4488 + 36): the demo is EPSG:4545
        mine = plots[(plots["layer"] == role) & ~plots.geometry.isna()].reset_index(drop=True)
        assert list(txt["DKBH"]) == list(mine["plot_id"])
        assert list(txt["DKYT"]) == [use[k] for k in mine["kind"]]
        # coordinates back within 1 mm (the file has the zone prefix: 36 000 000 m on the easting)
        back = shapely.transform(txt.geometry.to_numpy(), lambda xy: xy - [36_000_000.0, 0.0])
        # (rings are written clockwise from their north-west-most point: compare normalised)
        xy_back, at_back = shapely.get_coordinates(shapely.normalize(back), return_index=True)
        xy_mine, at_mine = shapely.get_coordinates(
            shapely.normalize(mine.geometry.to_numpy()), return_index=True
        )
        assert np.array_equal(at_back, at_mine) and np.abs(xy_back - xy_mine).max() <= 0.001
        assert np.array_equal(
            shapely.get_num_interior_rings(shapely.get_parts(back)),
            shapely.get_num_interior_rings(shapely.get_parts(mine.geometry.to_numpy())),
        )
        # 地块面积 (公顷) = the checked ellipsoidal area, and = a Geod area of the polygon read back
        assert np.allclose(
            txt["MJ_HA"].to_numpy(float), mine["area_m2"].to_numpy() / 1e4, atol=0.0001
        )
        geod = np.array([geod_area_m2(g, txt.crs) for g in txt.geometry])
        assert np.allclose(txt["MJ_HA"].to_numpy(float), geod / 1e4, atol=0.0001)
    no_geometry = plots.loc[plots.geometry.isna() | plots.geometry.is_empty, "plot_id"]
    assert len(
        no_geometry
    )  # the demo plants a plot without geometry: left out of the TXT, with a finding
    assert not set(no_geometry) & set(read_coordtxt(out / f"txt/demolition/{code}.txt")["DKBH"])
    assert all(
        any(f["code"] == "PKG_GEOMETRY" and pid in f["message"] for f in manifest["findings"])
        for pid in no_geometry
    )


def test_demo_summary_figures(demo_checked, tmp_path):
    out = tmp_path / "pkg"
    assert (
        run("package", str(demo_checked), "-o", str(out), "--force", "--reason", "r").exit_code == 0
    )
    row = pd.read_csv(out / "summary.csv", encoding="utf-8-sig").iloc[0]
    plots = read_checked(demo_checked).plots
    cons = plots[plots["layer"] == "construction"]
    assert (
        row["建新地块数"] == len(cons) == 7
        and row["拆旧地块数"] == (plots["layer"] == "demolition").sum()
    )
    assert row["建新面积（平方米）"] == pytest.approx(cons["area_m2"].sum(), abs=0.01)
    assert row["其中安置（公顷）"] == pytest.approx(
        cons.loc[cons["kind"] == "resettlement", "area_m2"].sum() / 1e4, abs=1e-4
    )
    assert row["建新面积（亩）"] == pytest.approx(row["建新面积（平方米）"] * 15 / 10000, abs=1e-3)
    assert (
        row["验收后报备截止日期（10个工作日）"] == "2022-09-29"
    )  # accepted 2022-09-15 (Thu): 10 working days on
    for label in ("备案编号", "搬迁安置户数", "投入资金（万元）"):
        assert label in row["备注"]
    wb = load_workbook(out / "summary.xlsx")
    ws = wb["项目汇总表"]
    headers = [c.value for c in ws[1]]
    assert headers == list(row.index)


def clean_project(folder: Path, **facts) -> Path:
    """Two demolition squares (50 m, 40 m), one resettlement (30 m) and one urban (20 m) square,
    EPSG:4545, with every input filing requires (so that the check can be 可以报备)."""
    demolition = frame(
        [
            {
                "DKBH": "D1",
                "DLBM": "0702",
                "MJ": 2499.2,
                "FKDL": "0103",
                "DKMC": "一号",
                "geometry": square(0, 0, 50),
            },
            {
                "DKBH": "D2",
                "DLBM": "0702",
                "MJ": 1599.5,
                "FKDL": "0301",
                "DKMC": "二号",
                "geometry": square(200, 0, 40),
            },
        ]
    )
    construction = frame(
        [
            {
                "DKBH": "C1",
                "DLBM": "0702",
                "MJ": 899.7,
                "JXLX": "安置",
                "DKMC": "安置点",
                "geometry": square(400, 0, 30),
            },
            {
                "DKBH": "C2",
                "DLBM": "0702",
                "MJ": 399.9,
                "JXLX": "城镇",
                "DKMC": "城镇",
                "geometry": square(600, 0, 20),
            },
        ]
    )
    project = {
        "name": "测试项目区",
        "code": "TEST-001",
        "county": "巴州区",
        "approved": "2019-05-06",
        "accepted": "2021-09-28",
        "filed": "2021-10-15",
        **facts,
    }
    plots = {"demolition": demolition, "construction": construction}
    references, rasters = filing_inputs(folder, plots)
    return write_project(
        folder, {**plots, **references}, project=project, fmt="gpkg", rasters=rasters
    )


FACTS = {"filing_code": "51190220190001", "households": 12, "funds_wan_yuan": 350.5}


def checked_gpkg(folder: Path, **facts) -> Path:
    toml = clean_project(folder, **facts)
    gpkg = folder / "checked.gpkg"
    res = run("check", str(toml), "-o", str(gpkg), "-q")
    assert res.exit_code == 0, res.output
    return gpkg


def test_complete_facts_give_a_clean_package(tmp_path):
    gpkg = checked_gpkg(tmp_path, **FACTS)
    out = tmp_path / "pkg"
    res = run("package", str(gpkg), "-o", str(out), "--producer", "巴州区自然资源局")
    assert res.exit_code == 0, res.output
    txt, notes = read_coordtxt_notes(out / "txt/demolition/51190220190001.txt")
    assert notes.header["数据产生单位"] == "巴州区自然资源局"
    assert list(txt["DKBH"]) == ["D1", "D2"] and list(txt["DKYT"]) == ["拆旧", "拆旧"]
    cons = read_coordtxt(out / "txt/construction/51190220190001.txt")
    assert list(cons["DKYT"]) == ["安置", "城镇建新"]
    row = pd.read_csv(out / "summary.csv", encoding="utf-8-sig", dtype={"备案编号": str}).iloc[0]
    areas = {
        pid: geod_area_m2(g, "EPSG:4545")
        for pid, g in zip(
            ["D1", "D2", "C1", "C2"],
            [square(0, 0, 50), square(200, 0, 40), square(400, 0, 30), square(600, 0, 20)],
            strict=True,
        )
    }
    assert (
        row["备案编号"] == "51190220190001"
        and row["搬迁安置户数"] == 12
        and row["投入资金（万元）"] == 350.5
    )
    assert row["拆旧面积（平方米）"] == pytest.approx(areas["D1"] + areas["D2"], abs=0.01)
    assert row["其中复垦为耕地（地块面积，未扣除田坎）（平方米）"] == pytest.approx(
        areas["D1"], abs=0.01
    )  # D2 is reclaimed to 0301
    assert row["拆旧地块农村建设用地面积（指标基数）（平方米）"] == pytest.approx(
        areas["D1"] + areas["D2"], abs=0.02
    )
    # no land survey and no [tiankan]: no 田坎 coefficient, so no figure "net of 田坎" is claimed
    assert pd.isna(row["新增耕地面积（扣除田坎）（平方米）"])
    assert row["其中城镇建新（平方米）"] == pytest.approx(areas["C2"], abs=0.01)
    assert row["节余指标（平方米）"] == pytest.approx(
        areas["D1"] + areas["D2"] - areas["C1"] - areas["C2"], abs=0.02
    )
    assert (
        row["验收后报备截止日期（10个工作日）"] == "2021-10-18"
    )  # National Day week; 10-09 a working Saturday
    assert pd.isna(row["备注"])
    assert run("package", "--verify", str(out)).exit_code == 0


def test_missing_facts_are_findings(tmp_path):
    gpkg = checked_gpkg(tmp_path)
    out = tmp_path / "pkg"
    res = run("package", str(gpkg), "-o", str(out))
    assert res.exit_code == 1  # written, with findings
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    messages = " ".join(f["message"] for f in manifest["findings"] if f["code"] == "PKG_FACT")
    assert all(k in messages for k in ("filing_code", "households", "funds_wan_yuan"))
    assert (
        out / "txt/demolition/TEST-001.txt"
    ).is_file()  # named by the project code until a filing code is given
    assert "filing_code" in pd.read_csv(out / "summary.csv", encoding="utf-8-sig").iloc[0]["备注"]
    assert "缺少备案编号" in (out / "manifest.txt").read_text(encoding="utf-8")
    assert (
        run("package", str(gpkg), "-o", str(tmp_path / "p2"), "--force").exit_code == 2
    )  # --force needs --reason
    assert (
        run(
            "package", str(gpkg), "-o", str(tmp_path / "p2"), "--force", "--reason", "补录"
        ).exit_code
        == 0
    )


@pytest.mark.parametrize(("ratio", "code"), [(1.0, 0), (1.004, 0), (1.02, 1)])
def test_total_area_against_the_approved_scale(tmp_path, ratio, code):
    gpkg = checked_gpkg(tmp_path, **FACTS)
    total = sum(
        geod_area_m2(square(x, 0, s), "EPSG:4545")
        for x, s in ((0, 50), (200, 40), (400, 30), (600, 20))
    )
    res = run(
        "package", str(gpkg), "-o", str(tmp_path / "pkg"), "--approved-scale", str(total * ratio)
    )
    assert res.exit_code == code, res.output
    assert ("批准规模" in res.stderr) == (code == 1)


def test_output_folder_rules(tmp_path):
    gpkg = checked_gpkg(tmp_path, **FACTS)
    before = gpkg.read_bytes()
    res = run("package", str(gpkg), "-o", str(tmp_path), "--force")  # the folder holds the input
    assert res.exit_code == 2 and "input" in res.stderr and gpkg.read_bytes() == before
    out = tmp_path / "pkg"
    out.mkdir()
    (out / "old.txt").write_text("x")
    assert run("package", str(gpkg), "-o", str(out)).exit_code == 2 and (out / "old.txt").exists()
    assert run("package", str(gpkg), "-o", str(out), "--force").exit_code == 0
    assert not (out / "old.txt").exists() and (out / "manifest.json").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no staging folder left
    assert run("package", str(tmp_path / "nope.gpkg"), "-o", str(tmp_path / "x")).exit_code == 2


def test_never_half_written(tmp_path, monkeypatch):
    import landlink_gis.filing.package as package

    gpkg = checked_gpkg(tmp_path, **FACTS)

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(package, "write_summary", boom)
    res = run("package", str(gpkg), "-o", str(tmp_path / "pkg"))
    assert res.exit_code == 2 and "disk is full" in res.stderr
    assert not (tmp_path / "pkg").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_formula_text_is_neutralised(tmp_path):
    gpkg = checked_gpkg(tmp_path, **{**FACTS, "name": '=HYPERLINK("http://x")'})
    out = tmp_path / "pkg"
    assert run("package", str(gpkg), "-o", str(out)).exit_code == 0
    ws = load_workbook(out / "summary.xlsx")["项目汇总表"]
    name = ws.cell(row=2, column=[c.value for c in ws[1]].index("项目区名称") + 1)
    assert name.value == '\'=HYPERLINK("http://x")' and name.data_type == "s"
    assert (
        pd.read_csv(out / "summary.csv", encoding="utf-8-sig")
        .iloc[0]["项目区名称"]
        .startswith("'=")
    )


@pytest.mark.parametrize(("ratio", "code"), [(1.0, 0), (1.02, 1)])
def test_approved_scale_from_the_project_file(tmp_path, ratio, code):
    """``[project] approved_scale_m2`` travels in run_info to the package, like the
    --approved-scale option."""
    total = sum(
        geod_area_m2(square(x, 0, s), "EPSG:4545")
        for x, s in ((0, 50), (200, 40), (400, 30), (600, 20))
    )
    gpkg = checked_gpkg(tmp_path, **FACTS, approved_scale_m2=round(total * ratio, 4))
    res = run("package", str(gpkg), "-o", str(tmp_path / "pkg"))
    assert res.exit_code == code, res.output
    assert ("批准规模" in res.stderr) == (code == 1)


def _without(folder: Path, role: str) -> Path:
    """The clean project without one reference layer: its check is 检查不完整."""
    toml = clean_project(folder, **FACTS)
    text = toml.read_text(encoding="utf-8")
    start = text.index(f"[layers.{role}]")
    end = text.find("\n[", start + 1)
    toml.write_text(text[:start] + (text[end + 1 :] if end != -1 else ""), encoding="utf-8")
    return toml


def test_an_incomplete_check_is_refused_like_an_error(tmp_path):
    toml = _without(tmp_path, "basic_farmland")
    gpkg = tmp_path / "checked.gpkg"
    res = run("check", str(toml), "-o", str(gpkg))
    assert res.exit_code == 0, res.output  # no error finding: exit codes count errors
    assert res.output.lstrip().startswith("结论：检查不完整，暂不能报备")
    assert "可以报备" not in res.output.replace("暂不能报备", "")
    out = tmp_path / "pkg"
    refused = run("package", str(gpkg), "-o", str(out))
    assert refused.exit_code == 1 and not out.exists()
    assert "检查不完整" in refused.stderr and "永久基本农田" in refused.stderr
    assert run("package", str(gpkg), "-o", str(out), "--force").exit_code == 2  # needs --reason
    assert not out.exists()
    forced = run("package", str(gpkg), "-o", str(out), "--force", "--reason", "红线数据待下发")
    assert forced.exit_code == 0, forced.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["verdict"] == "incomplete" and manifest["forced"] is True
    assert manifest["verdict_text"] == "检查不完整，暂不能报备"
    assert manifest["reason"] == "红线数据待下发"
    assert "结论：检查不完整，暂不能报备" in (out / "manifest.txt").read_text(encoding="utf-8")


def test_a_fileable_check_records_its_verdict_in_the_manifest(tmp_path):
    gpkg = checked_gpkg(tmp_path, **FACTS)
    out = tmp_path / "pkg"
    assert run("package", str(gpkg), "-o", str(out)).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["verdict"], manifest["verdict_text"]) == ("fileable", "可以报备")
    assert manifest["forced"] is False


def test_a_checked_file_from_before_verdicts_is_judged_by_its_errors(tmp_path):
    """A GeoPackage without the ``verdict`` key (written before this round) is packaged as
    before: no error, no refusal."""
    import sqlite3

    gpkg = checked_gpkg(tmp_path, **FACTS)
    with sqlite3.connect(gpkg) as con:
        con.execute("DELETE FROM run_info WHERE key LIKE 'verdict%'")
    out = tmp_path / "pkg"
    assert run("package", str(gpkg), "-o", str(out)).exit_code == 0
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["verdict"] == "fileable"
