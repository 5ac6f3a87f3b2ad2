"""``landlink init``: a project file guessed from the layers of a folder.

The end-to-end check: the samples' layers copied without their project.toml, ``landlink init``,
the facts the generated file leaves as placeholders filled from the sample's own TOML, then the
same findings (rule, layer, plot, severity) as the sample's own project file gives.
"""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
import tomllib
from click.testing import CliRunner

from landlink_gis.base.errors import OutputError
from landlink_gis.cli.main import cli
from landlink_gis.init_project import crs_from_bounds, guess_role, init_project, scan_folder
from landlink_gis.io.coordtxt import write_coordtxt
from landlink_gis.run.runner import check
from tests.support import SAMPLES
from tests.support.helpers import _toml_value


def _copy_layers(sample: Path, dest: Path) -> Path:
    dest.mkdir()
    for f in sample.iterdir():
        if f.suffix.lower() in (".shp", ".shx", ".dbf", ".prj", ".cpg", ".gpkg", ".tif"):
            shutil.copy2(f, dest / f.name)
    assert not (dest / "project.toml").exists()
    return dest


def _fill(generated: Path, sample_toml: Path) -> None:
    """Insert the sample's facts (and [rules], [tiankan]) that the generated file leaves out."""
    text = generated.read_text(encoding="utf-8")
    ours, theirs = tomllib.loads(text), tomllib.loads(sample_toml.read_text(encoding="utf-8"))
    facts = [
        f"{k} = {_toml_value(v)}" for k, v in theirs["project"].items() if k not in ours["project"]
    ]
    text = text.replace("[project]\n", "[project]\n" + "\n".join(facts) + "\n", 1)
    if "rules" in theirs and "rules" not in ours:
        text += (
            "\n[rules]\n"
            + "\n".join(f"{k} = {_toml_value(v)}" for k, v in theirs["rules"].items())
            + "\n"
        )
    if "tiankan" in theirs and "tiankan" not in ours:  # the county's 田坎 table is a fact too
        text += (
            "\n[tiankan]\n"
            + "\n".join(f"{k} = {_toml_value(v)}" for k, v in theirs["tiankan"].items())
            + "\n"
        )
    generated.write_text(text, encoding="utf-8")


def _findings(toml: Path) -> Counter:
    f = check(toml).findings
    return Counter(
        zip(f["rule_id"], f["layer"], f["plot_id"].fillna(""), f["severity"], strict=True)
    )


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


@pytest.mark.parametrize("sample", ["bazhong_demo", "bazhong_clean"])
def test_init_then_check_gives_the_samples_findings(tmp_path, sample):
    folder = _copy_layers(SAMPLES / sample, tmp_path / sample)
    before = _digests(folder)
    result = CliRunner().invoke(cli, ["init", str(folder)])
    assert result.exit_code == 0, result.output
    generated = folder / "project.toml"
    assert "已写入" in result.output and str(generated) in result.output
    # inputs are never changed
    assert {k: v for k, v in _digests(folder).items() if k != "project.toml"} == before

    doc = tomllib.loads(generated.read_text(encoding="utf-8"))
    expected_doc = tomllib.loads((SAMPLES / sample / "project.toml").read_text(encoding="utf-8"))
    # every role of the sample was recognised, from the same file and layer
    for role, spec in expected_doc["layers"].items():
        assert doc["layers"][role]["path"] == spec["path"], role
        assert doc["layers"][role].get("layer") == spec.get("layer"), role
    assert set(doc["layers"]) == set(expected_doc["layers"])
    assert doc["rasters"] == expected_doc["rasters"]
    assert doc["project"] == {"crs": "EPSG:4545"}  # the facts are placeholders
    # id and field mapping as the sample maps them
    for role in ("demolition", "construction"):
        assert doc["layers"][role]["id"] == expected_doc["layers"][role]["id"]
        ours = {
            ("area" if k == "area_declared" else k): v
            for k, v in doc["layers"][role]["fields"].items()
        }
        assert expected_doc["layers"][role]["fields"].items() <= ours.items()

    _fill(generated, SAMPLES / sample / "project.toml")
    got, want = _findings(generated), _findings(SAMPLES / sample / "project.toml")
    assert got == want
    assert sum(want.values()) > 0


def test_comments_say_what_was_guessed_and_what_to_fill(tmp_path):
    folder = _copy_layers(SAMPLES / "bazhong_demo", tmp_path / "demo")
    path, scan = init_project(folder)
    text = path.read_text(encoding="utf-8")
    assert "角色依据：文件名 “拆旧地块” 含 “拆旧”" in text
    assert "角色依据：图层名 “other_projects” 含 “other_project”" in text
    # encodings as the readers resolve them: .cpg for the demolition DBF, detected for construction
    assert "编码 GBK：来自 .cpg 文件" in text and "编码 GBK：没有 .cpg，按 DBF 文本检测" in text
    assert scan.chosen["construction"].kinds == {"resettlement": 4, "urban": 3}
    assert scan.chosen["construction"].encoding_basis == "detected"
    assert scan.chosen["demolition"].encoding_basis == "cpg"
    # the county and profile from the boundary layer's 行政区代码 511902 (Sichuan), as hints only
    assert '# county = "巴州区"' in text and '# profile = "sichuan"' in text
    for key in ("name", "code", "approved", "accepted", "filed", "poverty_county", "quality_scale"):
        assert f"\n# {key} = " in text, key
    assert scan.crs == "EPSG:4545" and scan.crs_basis[0] == "layer"


def test_refuses_to_overwrite_unless_forced(tmp_path):
    folder = _copy_layers(SAMPLES / "bazhong_clean", tmp_path / "clean")
    (folder / "project.toml").write_text("# mine\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["init", str(folder)])
    assert result.exit_code == 2
    assert "--force" in result.output and "Traceback" not in result.output
    assert (folder / "project.toml").read_text(encoding="utf-8") == "# mine\n"
    with pytest.raises(OutputError):
        init_project(folder, lang="en")
    result = CliRunner().invoke(cli, ["init", str(folder), "--force", "--lang", "en"])
    assert result.exit_code == 0, result.output
    text = (folder / "project.toml").read_text(encoding="utf-8")
    assert "role from: file name" in text and "[layers.demolition]" in text


def test_empty_folder_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(cli, ["init", str(tmp_path)])
    assert result.exit_code == 2
    assert "no readable vector layer" in result.output
    assert not (tmp_path / "project.toml").exists()


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("城镇开发边界", "development_boundary"),
        ("拆旧地块边界", "demolition"),
        ("YJJBNT_2020", "basic_farmland"),
        ("STBHHX", "ecological_redline"),
        ("CJDK", "demolition"),
        ("JXDK", "construction"),
        ("安置区", "construction"),
        ("占补平衡项目", "compensation"),
        ("WFYD", "illegal_land"),
        ("DLTB", "landuse"),
        ("XZQ", "boundary"),
        ("行政区界线", "boundary"),
        ("允许建设区", "development_boundary"),
        ("HAZARD", None),  # AZ only as a code of its own (AZ, AZDK), not inside a word
        ("roads", None),
    ],
)
def test_role_from_names(name, role):
    assert guess_role([("file_name", name)], ["FOO"])[0] == role


def test_role_from_fields_when_the_name_tells_nothing():
    assert guess_role([("file_name", "layer1")], ["DKBH", "FKDL", "MJ"])[:2] == (
        "demolition",
        "fields",
    )
    assert guess_role([("file_name", "x")], ["DKBH", "jxlx"])[:2] == ("construction", "fields")
    assert guess_role([("file_name", "x")], ["BSM", "DLBM", "CZCSXM", "TBMJ"])[:2] == (
        "landuse",
        "fields",
    )
    assert guess_role([("file_name", "x")], ["XZQDM"])[:2] == ("boundary", "fields")
    # the layer name wins over the file name
    assert guess_role([("layer_name", "JBNT"), ("file_name", "拆旧")], [])[0] == "basic_farmland"


def test_crs_from_coordinates():
    # zone-prefixed eastings of 3° zone 36 → EPSG:4524 (4488 + 36); geographic → 4490
    assert crs_from_bounds((36_380_000.0, 3_523_000.0, 36_384_000.0, 3_527_000.0)) == (
        4524,
        "prefix:36",
    )
    assert crs_from_bounds((106.7, 31.8, 106.8, 31.9)) == (4490, "geographic")
    assert crs_from_bounds((380_000.0, 3_523_000.0, 384_000.0, 3_527_000.0)) == (None, "no_prefix")
    assert crs_from_bounds((1.0, 2.0, 3.0, 4.0))[0] is None


def _plots(n: int, x0: float, crs) -> gpd.GeoDataFrame:
    geoms = [shapely.box(x0 + 100 * i, 3_523_000, x0 + 100 * i + 50, 3_523_050) for i in range(n)]
    return gpd.GeoDataFrame(
        {"DKBH": [f"P{i}" for i in range(n)], "DLBM": ["0702"] * n, "FKDL": ["0103"] * n},
        geometry=geoms,
        crs=crs,
    )


def test_layer_without_crs_and_coordinate_txt(tmp_path):
    folder = tmp_path / "f"
    folder.mkdir()
    # a demolition shapefile without .prj, eastings with the zone prefix 36
    with pytest.warns(UserWarning, match="crs"):
        _plots(3, 36_380_000.0, None).to_file(folder / "layer_a.shp", encoding="UTF-8")
    # construction plots as a coordinate exchange TXT (GBK, 地块面积 in 公顷)
    jx = _plots(2, 36_381_000.0, "EPSG:4524").drop(columns="FKDL")
    jx["MJ_HA"] = jx.geometry.area / 10_000
    write_coordtxt(
        jx, folder / "建新地块.txt", id_field="DKBH", class_field="DLBM", area_field_ha="MJ_HA"
    )
    (folder / "说明.txt").write_text("not coordinates", encoding="utf-8")
    path, scan = init_project(folder)
    demolition, construction = scan.chosen["demolition"], scan.chosen["construction"]
    assert (demolition.role_basis, demolition.role_evidence) == ("fields", "FKDL")
    assert demolition.crs == "EPSG:4524" and demolition.crs_basis == "coordinates"
    assert scan.crs == "EPSG:4524" and scan.crs_basis[0] == "coordinates"
    assert construction.crs == "EPSG:4524" and construction.crs_basis == "layer"
    assert construction.encoding == "GBK" and construction.area_unit == "hm2"
    doc = tomllib.loads(path.read_text(encoding="utf-8"))
    assert doc["layers"]["construction"]["fields"]["area_declared"] == "MJ_HA"
    assert doc["layers"]["construction"]["area_unit"] == "hm2"
    assert [s.reason for s in scan.skipped] == ["not_coordtxt"]
    assert "按坐标推断" in path.read_text(encoding="utf-8")


def test_filing_output_and_unknown_layers_are_not_inputs(tmp_path):
    folder = _copy_layers(SAMPLES / "bazhong_clean", tmp_path / "clean")
    from landlink_gis.outputs.outputs import write_outputs

    write_outputs(check(SAMPLES / "bazhong_clean" / "project.toml"), folder / "checked.gpkg", [])
    _plots(1, 380_000.0, "EPSG:4545").drop(columns=["FKDL", "DLBM"]).to_file(
        folder / "roads.gpkg", layer="roads"
    )
    scan = scan_folder(folder)
    assert [(s.path.name, s.reason) for s in scan.skipped] == [("checked.gpkg", "output")]
    assert [g.label for g in scan.unassigned] == ["roads.gpkg:roads"]
    assert scan.chosen["demolition"].source.name == "拆旧地块.shp"
