"""Batch checks and the check CLI's --report/--xlsx/--quiet: outputs, summary rows, exit codes."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from landlink_gis.batch import SUMMARY_COLUMNS, find_projects, run_batch, write_batch_summary
from landlink_gis.cli.main import cli
from tests.support.gpkg_validate import assert_valid_gpkg
from tests.support.small_project import build_small_project


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("batch")
    build_small_project(root / "alpha", name="甲项目", code="A-1")
    build_small_project(root / "beta", name="乙项目", code="B-2")
    (root / "broken").mkdir()
    (root / "broken" / "project.toml").write_text(
        '[project]\nname = "坏"\n[layers.demolition]\npath = "nope.shp"\n', encoding="utf-8"
    )
    (root / "alpha" / "ruff.toml").write_text(
        "line-length = 100\n", encoding="utf-8"
    )  # not a project
    return root


def test_find_projects_skips_other_toml(folder):
    found = find_projects([folder])
    assert [p.parent.name for p in found] == ["alpha", "beta", "broken"]
    assert find_projects([folder / "alpha" / "project.toml", folder]) == found  # no duplicates


def test_batch_in_parallel_keeps_going_past_a_broken_project(folder, tmp_path):
    seen = []
    summary = run_batch(
        find_projects([folder]),
        out_dir=tmp_path,
        workers=2,
        report=True,
        xlsx=True,
        on_done=seen.append,
    )
    assert list(summary.columns) == SUMMARY_COLUMNS and len(seen) == 3
    rows = summary.set_index(summary["project_file"].map(lambda p: p.split("/")[-2]))
    assert rows.loc["broken", "status"] == "failed" and rows.loc["broken", "exit_code"] == 2
    assert "nope.shp" in rows.loc["broken", "message"]
    for name in ("alpha", "beta"):
        r = rows.loc[name]
        assert (
            r["status"] == "errors" and r["exit_code"] == 1 and r["errors"] >= 3
        )  # OVL001, OVL002, GEOM001
        # 50 m + 40 m squares + bow-tie (2 × 100 m²) ≈ 4300 m²; surplus = demolition − construction
        assert r["demolition_area_m2"] == pytest.approx(4300, rel=2e-3)
        assert r["surplus_quota_m2"] == pytest.approx(
            r["demolition_area_m2"] - r["construction_area_m2"], abs=1e-3
        )
        assert r["gpkg"].endswith(f"{name}_checked.gpkg")
        assert_valid_gpkg(r["gpkg"])
        assert (tmp_path / f"{name}_checked.html").exists() and (
            tmp_path / f"{name}_checked.xlsx"
        ).exists()
    csv_path, html_path = write_batch_summary(summary, tmp_path)
    with open(csv_path, encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert [r["检查结论"] for r in table] == ["须整改", "须整改", "无法检查"] and table[0][
        "项目区名称"
    ] == "甲项目"
    # the project that could not be checked: empty cells, never "nan"; counts as whole numbers
    broken = table[2]
    assert (
        broken["项目区名称"] == ""
        and broken["错误"] == ""
        and broken["拆旧地块面积（m²）"] == ""
        and broken["退出码"] == "2"
    )
    assert table[0]["错误"] == str(int(summary["errors"].iloc[0]))
    index = html_path.read_text(encoding="utf-8")
    assert (
        "无法检查 1 个" in index
        and "href='alpha_checked.html'" in index
        and "http" not in index.replace("http-equiv", "")
    )
    assert "nan" not in index.lower().replace("nanum", "") and "None" not in index
    # English: the column codes and status codes
    csv_en, html_en = write_batch_summary(summary, tmp_path / "en", lang="en")
    with open(csv_en, encoding="utf-8-sig", newline="") as fh:
        table = list(csv.DictReader(fh))
    assert list(table[0]) == SUMMARY_COLUMNS and [r["status"] for r in table] == [
        "errors",
        "errors",
        "failed",
    ]
    assert table[2]["name"] == "" and "failed 1" in html_en.read_text(encoding="utf-8")


def test_cli_single_project_with_report_and_xlsx_quiet(folder, tmp_path):
    out = tmp_path / "one.gpkg"
    res = CliRunner().invoke(
        cli,
        [
            "check",
            str(folder / "alpha" / "project.toml"),
            "-o",
            str(out),
            "--report",
            "--xlsx",
            "-q",
        ],
    )
    assert res.exit_code == 1 and res.output == ""
    assert_valid_gpkg(out)
    assert (tmp_path / "one.html").stat().st_size > 1000 and (
        tmp_path / "one.xlsx"
    ).stat().st_size > 1000


def test_cli_batch_exit_code_and_summary(folder, tmp_path):
    res = CliRunner().invoke(cli, ["check", str(folder), "-o", str(tmp_path), "--workers", "1"])
    assert res.exit_code == 2  # the worst project: one could not be read
    assert "无法检查" in res.output and "batch_summary.csv" in res.output  # zh: the status in words
    assert (tmp_path / "batch_summary.html").exists() and (tmp_path / "alpha_checked.gpkg").exists()
    res = CliRunner().invoke(
        cli,
        [
            "check",
            str(folder / "alpha" / "project.toml"),
            str(folder / "beta" / "project.toml"),
            "-o",
            str(tmp_path / "x.gpkg"),
        ],
    )
    assert res.exit_code == 2 and "output folder" in res.output
