"""The bundled samples show the three verdicts (DOMAIN.md §4b): the clean sample, its acceptance
check and the construction-only plan (with its ledger built by the commands of its EXPECTED.md) are
可以报备, the
demo with its planted errors 须整改, and the construction-only plan checked before its ledger exists
检查不完整，暂不能报备 with CHK001 naming the ledger."""

from __future__ import annotations

import shutil

from click.testing import CliRunner

from landlink_gis.cli.main import cli
from landlink_gis.run.runner import check
from tests.support import SAMPLES
from tests.test_construction_only_sample import sample, source_checked  # noqa: F401 - fixtures


def test_the_clean_sample_is_fileable(tmp_path):
    res = CliRunner().invoke(
        cli,
        ["check", str(SAMPLES / "bazhong_clean" / "project.toml"), "-o", str(tmp_path / "c.gpkg")],
    )
    assert res.exit_code == 0, res.output
    assert res.output.strip().splitlines()[0] == "结论：可以报备"


def test_the_acceptance_sample_is_fileable():
    res = check(SAMPLES / "bazhong_acceptance" / "project.toml")
    assert res.counts()["error"] == 0, res.findings[["rule_id", "message"]]
    assert res.run_info["verdict"] == "fileable", res.run_info["verdict_missing"]


def test_the_demo_must_be_fixed():
    res = check(SAMPLES / "bazhong_demo" / "project.toml")
    assert res.run_info["verdict"] == "must_fix" and res.run_info["verdict_text"] == "须整改"
    assert res.exit_code == 1


def test_the_construction_only_plan_is_fileable_with_its_ledger(sample):  # noqa: F811
    folder, _ = sample
    res = check(folder / "project.toml")
    assert res.counts()["error"] == 0, res.findings[["rule_id", "message"]]
    assert res.run_info["verdict"] == "fileable", res.run_info["verdict_missing"]


def test_the_construction_only_plan_without_its_ledger_is_incomplete(tmp_path):
    folder = tmp_path / "co"
    shutil.copytree(SAMPLES / "bazhong_construction_only", folder)
    text = (folder / "project.toml").read_text(encoding="utf-8")
    start = text.index("[ledger]")
    (folder / "project.toml").write_text(text[:start], encoding="utf-8")
    res = check(folder / "project.toml", lang="zh")
    assert res.run_info["verdict"] == "incomplete"
    assert res.run_info["verdict_missing"] == ["台账（[ledger] path/url）（BAL009、LED001 未检查）"]


def test_the_clean_sample_packages_end_to_end(tmp_path):
    """DOMAIN.md §4c: a fileable sample carries the facts a package needs."""
    import json

    gpkg = tmp_path / "clean.gpkg"
    run = CliRunner().invoke
    assert run(cli, ["check", str(SAMPLES / "bazhong_clean" / "project.toml"), "-o", str(gpkg)])
    res = run(cli, ["package", str(gpkg), "-o", str(tmp_path / "pkg")])
    assert res.exit_code == 0, res.output
    manifest = json.loads((tmp_path / "pkg" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["verdict"] == "fileable" and manifest["filing_code"] == "51190220210004"
    assert not [f for f in manifest["findings"] if f["severity"] == "error"]
    assert run(cli, ["package", "--verify", str(tmp_path / "pkg")]).exit_code == 0
