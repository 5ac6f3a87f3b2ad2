"""The QGIS plugin in Debian's real QGIS 3.22, headless (offscreen), run by /usr/bin/python3.

A script initialises QgsApplication and Processing, registers the plugin's provider, configures
this venv's ``landlink`` executable and runs the algorithms with ``processing.run``. The counts it
reports are compared with the sample's own layers (read here with pyogrio) and with the CLI run
directly. scripts/ci/system-deps.sh installs python3-qgis and qgis-providers.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest

from tests.support import REPO, SAMPLES

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

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

from qgis.core import QgsProcessingFeedback

class Recorder(QgsProcessingFeedback):
    # every line the algorithms push to the Processing log, with its kind
    def __init__(self):
        super().__init__()
        self.lines = []
    def pushInfo(self, info):
        self.lines.append(["info", info])
    def pushConsoleInfo(self, info):
        self.lines.append(["console", info])
    def pushWarning(self, info):
        self.lines.append(["warning", info])
    def pushDebugInfo(self, info):
        self.lines.append(["debug", info])
    def pushCommandInfo(self, info):
        self.lines.append(["command", info])
    def reportError(self, error, fatalError=False):
        self.lines.append(["error", error])

# the clean sample from layers loaded in QGIS with every fact filing needs, then packaged
folder = os.path.dirname(os.environ["CLEAN"])
params = {"OUTPUT": os.path.join(tmp, "clean_layers.gpkg"), "OPEN_REPORT": False, "REPORT": True, "LANG": 0,
          "DEMOLITION": QgsVectorLayer(os.path.join(folder, "拆旧地块.shp"), "cj", "ogr"),
          "CONSTRUCTION": QgsVectorLayer(os.path.join(folder, "建新地块.shp"), "jx", "ogr"),
          "DEM": QgsRasterLayer(os.path.join(folder, "dem.tif"), "dem")}
ref = os.path.join(folder, "reference.gpkg")
for role, name in (("compensation", "compensation"), ("basic_farmland", "basic_farmland"), ("ecological_redline", "ecological_redline"),
                   ("development_boundary", "development_boundary"), ("landuse", "landuse"), ("boundary", "boundary"),
                   ("illegal_land", "illegal_land"), ("ledger", "other_projects")):
    params[role.upper()] = QgsVectorLayer(ref + "|layername=" + name, name, "ogr")
params.update(json.loads(os.environ["CLEAN_FACTS"]))
fb = Recorder()
res = processing.run("landlink:check_project", params, feedback=fb)
out["clean_layers"] = {"output": res["OUTPUT"], "findings": res["FINDINGS"], "errors": res["ERRORS"],
                       "exit_code": res["EXIT_CODE"], "log": fb.lines}
del params, res
fb = Recorder()
pkg = processing.run("landlink:build_package", {"INPUT": out["clean_layers"]["output"], "OUTPUT": os.path.join(tmp, "pkg_layers"), "LANG": 0}, feedback=fb)
out["package_layers"] = {"exit_code": pkg["EXIT_CODE"], "files": sorted(os.listdir(pkg["OUTPUT"])), "log": fb.lines}
# a new ledger from the toolbox, then the clean project registered in it
fb = Recorder()
made = processing.run("landlink:ledger_init", {"LEDGER": os.path.join(tmp, "toolbox_ledger.gpkg"), "CRS": "EPSG:4545", "LANG": 0}, feedback=fb)
out["ledger_init"] = {"exit_code": made["EXIT_CODE"], "ledger": made["LEDGER"], "log": fb.lines}
out["ledger_init_again"] = error_of("landlink:ledger_init", {"LEDGER": made["LEDGER"], "CRS": "EPSG:4545"})
out["ledger_toolbox_add"] = processing.run("landlink:ledger_add", {"CHECKED": out["clean_layers"]["output"], "LEDGER": made["LEDGER"]})["EXIT_CODE"]
out["need_project_error"] = error_of("landlink:check_project", {"OUTPUT": os.path.join(tmp, "none.gpkg"), "OPEN_REPORT": False})
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
#: the facts of data/samples/bazhong_clean/project.toml, plus the ones filing needs
CLEAN_FACTS = {
    "NAME": "巴州区清江镇城乡建设用地增减挂钩项目区",
    "CODE": "511902-2021-004",
    "COUNTY": "巴州区",
    "PROFILE": 1,
    "APPROVED": "2021-03-01",
    "ACCEPTED": "2023-06-01",
    "FILED": "2023-06-09",
    "POVERTY_COUNTY": True,
    "ADVANCE_QUOTA_M2": 0.0,
    "FILING_CODE": "51190220230017",  # county 511902, 2023, serial 0017
    "HOUSEHOLDS": 12,
    "FUNDS_WAN_YUAN": 356.5,
    "APPROVED_SCALE_M2": 19590.0,  # 1.9590 公顷: the demolition and construction plots
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
    # the venv's landlink running this checkout's code (an editable install of another checkout
    # would otherwise answer)
    exe = tmp / "landlink"
    exe.write_text(
        f'#!/bin/sh\nPYTHONPATH="{REPO / "src"}" exec "{LANDLINK}" "$@"\n', encoding="utf-8"
    )
    exe.chmod(0o755)
    script = tmp / "run_plugin.py"
    script.write_text(SCRIPT, encoding="utf-8")
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        PLUGIN_ROOT=str(PLUGIN_ROOT),
        LANDLINK_EXE=str(exe),
        TMP_OUT=str(tmp),
        DEMO=str(samples / "bazhong_demo" / "project.toml"),
        CLEAN=str(samples / "bazhong_clean" / "project.toml"),
        BAD=str(bad),
        STUB_EXE=str(stub),
        XDG_RUNTIME_DIR=str(tmp),
        DEMO_FACTS=json.dumps(DEMO_FACTS),
        CLEAN_FACTS=json.dumps(CLEAN_FACTS),
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
        "landlink:ledger_init",
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
        and "landlink ledger add 失败（退出码 1）" in out["ledger_demo_error"]
    )


def test_uncheckable_project_and_missing_package_command_are_clear_errors(qgis_run):
    _, out = qgis_run
    assert "退出码 2" in out["bad_project_error"] and "missing.shp" in out["bad_project_error"]
    assert "没有 `landlink package` 命令" in out["package_error"]
    assert out["need_project_error"] == "请给出项目文件（TOML），或至少给出拆旧地块图层"


def test_layers_loaded_in_qgis_give_the_same_findings_as_the_project_file(qgis_run):
    _, out = qgis_run
    assert out["layers_mode"] == {k: out["demo"][k] for k in ("findings", "errors", "exit_code")}
    assert out["layers_mode"]["findings"] > 0


def test_build_package_runs_landlink_package(qgis_run):
    tmp, out = qgis_run
    # the clean sample carries the facts a filing needs (备案编号, households, funds) and reaches
    # 可以报备: packaged with exit code 0
    assert out["package_clean"]["exit_code"] == 0
    assert {"manifest.json", "summary.csv", "txt"} <= set(out["package_clean"]["files"]), out[
        "package_clean"
    ]
    assert (tmp / "pkg_clean.zip").exists()
    # the demo has error findings: landlink refuses to package it, and says so
    assert "landlink package 失败（退出码" in out["package_demo_error"]


CJK = re.compile(r"[\u4e00-\u9fff]")


def test_layers_mode_takes_the_filing_facts_and_packages(qgis_run):
    tmp, out = qgis_run
    run = out["clean_layers"]
    assert run["exit_code"] == 0 and run["errors"] == 0
    info = _run_info(Path(run["output"]))
    toml = tomllib.loads(info["project_toml"])["project"]
    assert {
        k: toml[k] for k in ("filing_code", "households", "funds_wan_yuan", "approved_scale_m2")
    } == {
        "filing_code": "51190220230017",
        "households": 12,
        "funds_wan_yuan": 356.5,
        "approved_scale_m2": 19590.0,
    }
    # with those facts the package has nothing left to fix
    assert out["package_layers"]["exit_code"] == 0, out["package_layers"]["log"]
    assert {"manifest.json", "summary.csv", "txt"} <= set(out["package_layers"]["files"])


def test_run_info_keeps_the_project_file_to_reproduce_the_check(qgis_run, tmp_path):
    _, out = qgis_run
    gpkg = Path(out["clean_layers"]["output"])
    text = _run_info(gpkg)["project_toml"]
    assert text.startswith("# written by the landlink-gis QGIS plugin")
    again = tmp_path / "reproduced.toml"
    again.write_text(
        text, encoding="utf-8"
    )  # the plugin's temporary file is gone; this copy is all
    assert _cli_findings(again, tmp_path / "again.gpkg") == out["clean_layers"]["findings"]


def test_toolbox_creates_a_ledger(qgis_run):
    tmp, out = qgis_run
    made = out["ledger_init"]
    assert made["exit_code"] == 0 and Path(made["ledger"]).exists()
    assert out["ledger_toolbox_add"] == 0
    listed = subprocess.run(
        [str(LANDLINK), "ledger", "-L", made["ledger"], "list"], capture_output=True, text=True
    )
    assert listed.returncode == 0 and "511902-2021-004" in listed.stdout
    # a second init on the same file is refused, in Chinese
    assert out["ledger_init_again"].startswith("landlink ledger init 失败（退出码")


@pytest.mark.parametrize("run", ["clean_layers", "package_layers", "ledger_init"])
def test_log_is_chinese_without_blank_lines(qgis_run, run):
    _, out = qgis_run
    log = out[run]["log"]
    assert log
    assert all(text.strip() for _, text in log), log
    # the command line itself is code; "Results: {…}" is QGIS's own line after every algorithm
    said = [text for kind, text in log if kind != "command" and not text.startswith("Results: {")]
    foreign = [t for t in said if not CJK.search(t) and not t.startswith("→ ")]
    assert foreign == [], foreign


def _run_info(gpkg: Path) -> dict:
    table = pyogrio.read_dataframe(gpkg, layer="run_info")
    return dict(zip(table["key"], table["value"], strict=True))
