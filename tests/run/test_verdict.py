"""The verdict (DOMAIN.md §4b): 可以报备 only when every check filing requires ran and no finding is
an error; 须整改 with errors; 检查不完整，暂不能报备 when a required input is missing or a rule was
ignored. Each missing requirement is taken away from a project known to be complete, and the
expected words are written here, not taken from the code."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from landlink_gis.base.profiles import Profile, load_profile
from landlink_gis.cli.main import cli
from landlink_gis.run.runner import check
from tests.support.geoms import square
from tests.support.helpers import filing_inputs, frame, write_project

APPROVED = {"approved": "2025-06-01"}  # the 3-year deadline lies ahead


def _plots(reclaim: str = "0103"):
    return {
        "demolition": frame(
            [{"DKBH": "D1", "DLBM": "0702", "FKDL": reclaim, "geometry": square(0, 0, 40)}]
        ),
        "construction": frame(
            [{"DKBH": "C1", "DLBM": "0702", "JXLX": "安置", "geometry": square(100, 0, 20)}]
        ),
    }


def _project(folder: Path, *, drop=(), reclaim="0103", project=None, rules=None) -> Path:
    plots = _plots(reclaim)
    refs, rasters = filing_inputs(folder, plots)
    layers = {**plots, **{k: v for k, v in refs.items() if k not in drop}}
    rasters = {} if "dem" in drop else rasters
    facts = {} if "approved" in drop else dict(APPROVED)
    facts.update(project or {})
    return write_project(folder, layers, project=facts, rules=rules, fmt="gpkg", rasters=rasters)


def _chk(result):
    return result.findings[result.findings["rule_id"] == "CHK001"]


def test_a_complete_clean_project_is_fileable(tmp_path):
    res = check(_project(tmp_path), lang="zh")
    assert res.counts()["error"] == 0 and _chk(res).empty
    assert res.run_info["verdict"] == "fileable"
    assert res.run_info["verdict_text"] == "可以报备"
    assert res.run_info["verdict_missing"] == []


#: what is taken away → the words CHK001 must name (zh), written by hand from DOMAIN.md §4b
MISSING = {
    "landuse": "图层 三调地类图斑（PLAN004 未检查）",
    "compensation": "图层 占补平衡已用地（OVL001、OVL005 未检查）",
    "basic_farmland": "图层 永久基本农田（PLAN001 未检查）",
    "ecological_redline": "图层 生态保护红线（PLAN002 未检查）",
    "development_boundary": "图层 城镇开发边界（PLAN003 未检查）",
    "boundary": "图层 县域/项目区界线（PLAN007 未检查）",
    "ledger": "图层 其他挂钩项目地块或台账（[ledger] path/url）（OVL003、LED001 未检查）",
    "approved": "项目信息 [project] approved（TIME001 未检查）",
    "dem": "数字高程模型（DEM）或坡度栅格（有拆旧地块拟复垦为耕地）（PLAN006 未检查）",
}


@pytest.mark.parametrize("missing", sorted(MISSING))
def test_each_missing_requirement_makes_the_check_incomplete(tmp_path, missing):
    res = check(_project(tmp_path, drop=(missing,)), lang="zh")
    chk = _chk(res)
    assert len(chk) == 1 and chk["severity"].iloc[0] == "warning"
    message = chk["message"].iloc[0]
    assert MISSING[missing] in message, message
    assert chk["measured"].iloc[0] == 1.0  # one thing missing, one item listed
    assert res.run_info["verdict"] == "incomplete"
    assert res.run_info["verdict_text"] == "检查不完整，暂不能报备"
    assert res.run_info["verdict_missing"] == [MISSING[missing]]
    assert res.exit_code == 0  # no error finding
    assert "可以报备" not in message.replace("暂不能报备", "")


def test_no_dem_is_needed_when_nothing_is_reclaimed_to_cultivated_land(tmp_path):
    res = check(_project(tmp_path, drop=("dem",), reclaim="0301"), lang="zh")
    assert res.run_info["verdict"] == "fileable", res.run_info["verdict_missing"]


def test_a_rule_ignored_in_the_toml_counts_as_not_run(tmp_path):
    res = check(_project(tmp_path, rules={"ignore": ["GEOM005"]}), lang="zh")
    assert res.run_info["verdict"] == "incomplete"
    assert res.run_info["verdict_missing"] == ["规则 GEOM005 未运行（已忽略或未选择）"]
    # the national profile applies TIME001 and TIME004 only (TIME002/TIME003 are provincial)
    res = check(_project(tmp_path / "b"), ignore=["TIME"], lang="en")
    assert res.run_info["verdict_missing"] == [
        "rules TIME001, TIME004 not run (ignored or not selected)"
    ]


def test_ignoring_chk001_itself_does_not_make_a_check_fileable(tmp_path):
    res = check(_project(tmp_path, drop=("basic_farmland",)), ignore=["CHK001"], lang="zh")
    assert _chk(res).empty
    assert res.run_info["verdict"] == "incomplete"
    assert len(res.run_info["verdict_missing"]) == 2  # the layer, and CHK001 not run


def test_errors_make_it_must_fix_even_when_incomplete(tmp_path):
    plots = _plots()
    plots["construction"] = frame(  # 1 600 m² of construction on 40 m × 40 m of basis: 0 surplus
        [{"DKBH": "C1", "DLBM": "0702", "JXLX": "安置", "geometry": square(100, 0, 41)}]
    )
    path = write_project(tmp_path, plots, project=APPROVED, fmt="gpkg")
    res = check(path, lang="zh")
    assert res.counts()["error"] >= 1
    assert res.run_info["verdict"] == "must_fix" and res.run_info["verdict_text"] == "须整改"


def test_a_profile_may_add_requirements(tmp_path, monkeypatch):
    base = load_profile("sichuan")
    extra = Profile(
        name=base.name,
        title=base.title,
        disable=base.disable,
        severity=base.severity,
        params=base.params,
        filing_requires=("raster:quality", "fact:filing_code"),
    )
    monkeypatch.setattr("landlink_gis.run.config.load_profile", lambda name: extra)
    res = check(_project(tmp_path, project={"profile": "sichuan"}), lang="zh")
    assert res.run_info["verdict"] == "incomplete"
    assert res.run_info["verdict_missing"] == [
        "耕地质量等别栅格",
        "项目信息 [project] filing_code",
    ]


def test_an_unknown_profile_requirement_is_a_project_file_error(tmp_path, monkeypatch):
    from landlink_gis.base.errors import ProjectFileError

    bad = Profile(name="national", filing_requires=("layer:nowhere",))
    monkeypatch.setattr("landlink_gis.run.config.load_profile", lambda name: bad)
    with pytest.raises(ProjectFileError, match="nowhere"):
        check(_project(tmp_path))


def test_construction_only_requires_the_ledger_not_compensation_or_dem(tmp_path):
    cons = {"construction": _plots()["construction"]}
    refs, _ = filing_inputs(tmp_path, cons)
    refs = {k: v for k, v in refs.items() if k not in ("compensation", "ledger")}
    path = write_project(
        tmp_path,
        {**cons, **refs},
        project={
            **APPROVED,
            "kind": "construction_only",
        },
        fmt="gpkg",
    )
    text = path.read_text(encoding="utf-8")
    path.write_text(text + '\n[[quota_sources]]\ncode = "S-1"\narea_m2 = 500.0\n', "utf-8")
    res = check(path, lang="zh")
    assert res.run_info["verdict_missing"] == ["台账（[ledger] path/url）（BAL009、LED001 未检查）"]
    assert res.run_info["verdict"] in ("incomplete", "must_fix")


def test_every_output_shows_the_same_verdict(tmp_path):
    path = _project(tmp_path, drop=("boundary",))
    out = tmp_path / "out.gpkg"
    res = CliRunner().invoke(cli, ["check", str(path), "-o", str(out), "--report", "--xlsx"])
    assert res.exit_code == 0, res.output
    line = "结论：检查不完整，暂不能报备：图层 县域/项目区界线（PLAN007 未检查）"
    assert res.output.strip().splitlines()[0] == line
    html = out.with_suffix(".html").read_text(encoding="utf-8")
    assert f"data-verdict='incomplete'>{line}</p>" in html
    wb = load_workbook(out.with_suffix(".xlsx"))
    assert wb.properties.subject == line
    assert all(ws.oddHeader.center.text.endswith("检查不完整，暂不能报备") for ws in wb.worksheets)
    with sqlite3.connect(out) as con:
        info = dict(con.execute("SELECT key, value FROM run_info").fetchall())
        styles = [d for (d,) in con.execute("SELECT description FROM layer_styles")]
    assert info["verdict"] == "incomplete" and info["verdict_text"] == "检查不完整，暂不能报备"
    assert styles and all(d.endswith(line) for d in styles)


def test_a_reference_layer_with_nothing_near_the_plots_keeps_its_crs(tmp_path):
    """The county's 占补平衡 land usually lies away from a project: read with nothing near the
    plots, the layer still has its CRS (no false CRS001), so a complete project stays fileable."""
    res = check(_project(tmp_path), lang="zh")
    assert not (res.findings["rule_id"] == "CRS001").any()


def test_a_batch_shows_each_projects_verdict(tmp_path):
    ok = _project(tmp_path / "a")
    part = _project(tmp_path / "b", drop=("boundary",))
    out = tmp_path / "out"
    res = CliRunner().invoke(cli, ["check", str(ok), str(part), "-o", str(out)])
    assert res.exit_code == 0, res.output
    lines = [ln for ln in res.output.splitlines() if "project.toml" in ln]
    assert lines[0].startswith("可以报备  ") and lines[1].startswith("检查不完整，暂不能报备  ")
    csv = (out / "batch_summary.csv").read_text(encoding="utf-8-sig")
    assert "可以报备" in csv and "检查不完整，暂不能报备" in csv and "通过" not in csv
    html = (out / "batch_summary.html").read_text(encoding="utf-8")
    assert "可以报备 1 个" in html and "检查不完整 1 个" in html
