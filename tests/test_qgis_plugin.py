"""The QGIS plugin in Debian's real QGIS 3.22, headless (offscreen), run by /usr/bin/python3.

A script initialises QgsApplication and Processing, registers the plugin's provider, configures
this venv's ``landlink`` executable and runs the algorithms with ``processing.run``. The counts it
reports are compared with the sample's own layers (read here with pyogrio) and with the CLI run
directly. scripts/ci/system-deps.sh installs python3-qgis and qgis-providers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest

from tests.support import REPO, SAMPLES

QGIS_PYTHON = "/usr/bin/python3"
PLUGIN_ROOT = REPO / "qgis_plugin"
LANDLINK = Path(sys.executable).with_name("landlink")

SCRIPT = r"""
import json, os, sys
sys.path.insert(0, os.environ["PLUGIN_ROOT"])
sys.path.append("/usr/share/qgis/python/plugins")
from qgis.core import QgsApplication, QgsProcessingException
QgsApplication.setPrefixPath("/usr", True)
app = QgsApplication([], False)
app.initQgis()
from processing.core.Processing import Processing
Processing.initialize()
import processing
from processing.core.ProcessingConfig import ProcessingConfig
from landlink_qgis import classFactory

plugin = classFactory(None)
plugin.initProcessing()
ProcessingConfig.setSettingValue("LANDLINK_EXECUTABLE", os.environ["LANDLINK_EXE"])
out = {"algorithms": sorted(a.id() for a in plugin.provider.algorithms())}
tmp = os.environ["TMP_OUT"]

def check(project, name):
    res = processing.run("landlink:check_project", {
        "PROJECT": project, "OUTPUT": os.path.join(tmp, name), "REPORT": True, "LOAD_LAYERS": True, "OPEN_REPORT": False})
    layers = [{"name": l.name(), "valid": l.isValid(), "count": l.featureCount(), "source": l.source(),
               "renderer": l.renderer().type() if l.renderer() else None,
               "attr": getattr(l.renderer(), "classAttribute", lambda: None)()} for l in res["LAYERS"]]
    return {"output": res["OUTPUT"], "findings": res["FINDINGS"], "errors": res["ERRORS"],
            "exit_code": res["EXIT_CODE"], "report": res["REPORT_HTML"], "layers": layers}

def error_of(alg, params):
    try:
        processing.run(alg, params)
    except QgsProcessingException as exc:
        return str(exc)
    return None

out["demo"] = check(os.environ["DEMO"], "demo_checked.gpkg")
# the same project from layers loaded in QGIS and the facts typed into the dialog
from qgis.core import QgsRasterLayer, QgsVectorLayer
folder = os.path.dirname(os.environ["DEMO"])
params = {"OUTPUT": os.path.join(tmp, "layers_checked.gpkg"), "OPEN_REPORT": False, "REPORT": False,
          "DEMOLITION": QgsVectorLayer(os.path.join(folder, "拆旧地块.shp"), "cj", "ogr"),
          "CONSTRUCTION": QgsVectorLayer(os.path.join(folder, "建新地块.shp"), "jx", "ogr"),
          "DEM": QgsRasterLayer(os.path.join(folder, "dem.tif"), "dem")}
ref = os.path.join(folder, "reference.gpkg")
for role, name in (("compensation", "compensation"), ("basic_farmland", "basic_farmland"), ("ecological_redline", "ecological_redline"),
                   ("development_boundary", "development_boundary"), ("landuse", "landuse"), ("boundary", "boundary"),
                   ("illegal_land", "illegal_land"), ("ledger", "other_projects")):
    params[role.upper()] = QgsVectorLayer(ref + "|layername=" + name, name, "ogr")
params.update(json.loads(os.environ["DEMO_FACTS"]))
res = processing.run("landlink:check_project", params)
out["layers_mode"] = {"findings": res["FINDINGS"], "errors": res["ERRORS"], "exit_code": res["EXIT_CODE"]}
del params, res  # layers must go before QgsApplication does
out["clean"] = check(os.environ["CLEAN"], "clean_checked.gpkg")
ledger = os.path.join(tmp, "ledger.gpkg")
out["ledger_clean"] = processing.run("landlink:ledger_add", {"CHECKED": out["clean"]["output"], "LEDGER": ledger})["EXIT_CODE"]
out["ledger_demo_error"] = error_of("landlink:ledger_add", {"CHECKED": out["demo"]["output"], "LEDGER": ledger})
out["bad_project_error"] = error_of("landlink:check_project", {"PROJECT": os.environ["BAD"], "OUTPUT": os.path.join(tmp, "bad.gpkg"), "OPEN_REPORT": False})
pkg = processing.run("landlink:build_package", {"INPUT": out["clean"]["output"], "OUTPUT": os.path.join(tmp, "pkg_clean")})
out["package_clean"] = {"exit_code": pkg["EXIT_CODE"], "files": sorted(os.listdir(pkg["OUTPUT"]))}
out["package_demo_error"] = error_of("landlink:build_package", {"INPUT": out["demo"]["output"], "OUTPUT": os.path.join(tmp, "pkg_demo")})
ProcessingConfig.setSettingValue("LANDLINK_EXECUTABLE", os.environ["STUB_EXE"])
out["package_error"] = error_of("landlink:build_package", {"INPUT": out["clean"]["output"], "OUTPUT": os.path.join(tmp, "pkg")})
with open(os.path.join(tmp, "result.json"), "w", encoding="utf-8") as fh:
    json.dump(out, fh, ensure_ascii=False)
app.exitQgis()
"""  # noqa: E501


#: the facts of data/samples/bazhong_demo/project.toml as the dialog's parameters
DEMO_FACTS = {
    "NAME": "巴州区曾口镇城乡建设用地增减挂钩示范项目区",
    "CODE": "511902-2019-001",
    "COUNTY": "巴州区",
    "PROFILE": 1,
    "APPROVED": "2019-05-06",
    "ACCEPTED": "2022-09-15",
    "FILED": "2022-10-25",
    "TRADED": "2019-08-01",
    "POVERTY_COUNTY": True,
    "ADVANCE_QUOTA_M2": 1500.0,
}


def _count(path: Path, layer: str | None = None) -> int:
    return int(pyogrio.read_info(path, layer=layer)["features"])


@pytest.fixture(scope="module")
def qgis_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("qgis")
    assert Path(QGIS_PYTHON).exists() and LANDLINK.exists()
    # QGIS and GDAL may leave .aux.xml files beside what they open: work on copies of the samples
    samples = tmp / "samples"
    for name in ("bazhong_demo", "bazhong_clean"):
        shutil.copytree(SAMPLES / name, samples / name)
    subprocess.run(
        [str(LANDLINK), "ledger", "init", str(tmp / "ledger.gpkg"), "--crs", "EPSG:4545"],
        check=True,
        capture_output=True,
    )
    bad = tmp / "bad.toml"
    bad.write_text(
        '[project]\nname = "x"\n[layers.demolition]\npath = "missing.shp"\n', encoding="utf-8"
    )
    stub = tmp / "landlink_without_package"
    stub.write_text(
        '#!/bin/sh\necho "Usage: landlink [OPTIONS] COMMAND [ARGS]..." >&2\n'
        "echo \"Error: No such command 'package'.\" >&2\nexit 2\n",
        encoding="utf-8",
    )
    stub.chmod(0o755)
    script = tmp / "run_plugin.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PLUGIN_ROOT=str(PLUGIN_ROOT),
        LANDLINK_EXE=str(LANDLINK),
        TMP_OUT=str(tmp),
        DEMO=str(samples / "bazhong_demo" / "project.toml"),
        CLEAN=str(samples / "bazhong_clean" / "project.toml"),
        BAD=str(bad),
        STUB_EXE=str(stub),
        XDG_RUNTIME_DIR=str(tmp),
        DEMO_FACTS=json.dumps(DEMO_FACTS),
    )
    env.pop("PYTHONPATH", None)
    proc = subprocess.run(
        [QGIS_PYTHON, str(script)], env=env, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    return tmp, json.loads((tmp / "result.json").read_text(encoding="utf-8"))


def _cli_findings(project: Path, out: Path) -> int:
    rc = subprocess.run(
        [str(LANDLINK), "check", str(project), "-o", str(out), "-q"], capture_output=True
    ).returncode
    assert rc in (0, 1)
    return _count(out, "findings") + _count(out, "finding_points")


def test_provider_has_the_three_algorithms(qgis_run):
    _, out = qgis_run
    assert out["algorithms"] == [
        "landlink:build_package",
        "landlink:check_project",
        "landlink:ledger_add",
    ]


@pytest.mark.parametrize("sample", ["demo", "clean"])
def test_check_loads_the_styled_filing_layers(qgis_run, tmp_path, sample):
    tmp, out = qgis_run
    run = out[sample]
    folder = SAMPLES / f"bazhong_{sample}"
    gpkg = Path(run["output"])
    assert gpkg.exists() and Path(run["report"]).exists()
    layers = {layer["name"].rsplit(" — ", 1)[1]: layer for layer in run["layers"]}
    assert all(layer["valid"] for layer in layers.values())
    # the plot layers hold every plot of the sample's shapefiles
    assert layers["demolition_plots"]["count"] == _count(folder / "拆旧地块.shp")
    assert layers["construction_plots"]["count"] == _count(folder / "建新地块.shp")
    # styles embedded in the GeoPackage were applied: categorised on status / severity
    assert (layers["demolition_plots"]["renderer"], layers["demolition_plots"]["attr"]) == (
        "categorizedSymbol",
        "ll_status",
    )
    assert (layers["findings"]["renderer"], layers["findings"]["attr"]) == (
        "categorizedSymbol",
        "severity",
    )
    # the same number of findings as the CLI run directly
    cli = _cli_findings(folder / "project.toml", tmp_path / "cli.gpkg")
    assert (
        run["findings"]
        == cli
        == layers["findings"]["count"] + layers.get("finding_points", {"count": 0})["count"]
    )
    assert run["exit_code"] == (1 if sample == "demo" else 0)
    assert (run["errors"] > 0) == (sample == "demo")


def test_ledger_add_and_refusal(qgis_run):
    tmp, out = qgis_run
    assert out["ledger_clean"] == 0
    listed = subprocess.run(
        [str(LANDLINK), "ledger", "-L", str(tmp / "ledger.gpkg"), "list"],
        capture_output=True,
        text=True,
    )
    assert "511902-2021-004" in listed.stdout
    assert (
        out["ledger_demo_error"]
        and "landlink ledger add failed (exit code 1)" in out["ledger_demo_error"]
    )


def test_uncheckable_project_and_missing_package_command_are_clear_errors(qgis_run):
    _, out = qgis_run
    assert "exit code 2" in out["bad_project_error"] and "missing.shp" in out["bad_project_error"]
    assert "no `landlink package` command" in out["package_error"]


def test_layers_loaded_in_qgis_give_the_same_findings_as_the_project_file(qgis_run):
    _, out = qgis_run
    assert out["layers_mode"] == {k: out["demo"][k] for k in ("findings", "errors", "exit_code")}
    assert out["layers_mode"]["findings"] > 0


def test_build_package_runs_landlink_package(qgis_run):
    tmp, out = qgis_run
    # written, with exit code 1: the clean sample lacks the facts a filing needs (备案编号,
    # households,
    # funds)
    assert out["package_clean"]["exit_code"] == 1
    assert {"manifest.json", "summary.csv", "txt"} <= set(out["package_clean"]["files"]), out[
        "package_clean"
    ]
    assert (tmp / "pkg_clean.zip").exists()
    # the demo has error findings: landlink refuses to package it, and says so
    assert "landlink package failed (exit code" in out["package_demo_error"]
