"""The project TOML: keys, relative paths, clear errors."""

from __future__ import annotations

import datetime as dt

import pytest

from landlink_gis.base.errors import ProjectFileError
from landlink_gis.project.file import load_project

BASE = """
[project]
name = "示例"
code = "X-1"
profile = "sichuan"
approved = 2019-05-06
advance_quota_m2 = 1200
[layers.demolition]
path = "chj.shp"
fields = { land_class = "DLBM", area = "MJ" }
"""


def write(tmp_path, text, name="project.toml"):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_parses_facts_and_resolves_relative_paths(tmp_path):
    proj = load_project(write(tmp_path, BASE))
    assert proj.name == "示例" and proj.profile == "sichuan"
    assert proj.approved == dt.date(2019, 5, 6)
    assert proj.advance_quota_m2 == 1200.0
    spec = proj.layers["demolition"]
    assert spec.path == (tmp_path / "chj.shp").resolve()
    assert spec.fields == {"land_class": "DLBM", "area_declared": "MJ"}
    assert not spec.outside


def test_path_outside_folder_is_allowed_and_flagged(tmp_path):
    sub = tmp_path / "proj"
    sub.mkdir()
    proj = load_project(write(sub, BASE.replace('"chj.shp"', '"../county/dltb.gpkg"')))
    assert proj.layers["demolition"].outside
    assert proj.layers["demolition"].path == (tmp_path / "county" / "dltb.gpkg").resolve()


@pytest.mark.parametrize(
    "text, fragment",
    [
        (BASE + "\n[layers.construction\npath='x'", "not valid TOML"),
        (BASE.replace('name = "示例"', 'name = "示例"\ncolour = "red"'), "unknown key(s) colour"),
        (BASE + '\n[layers.farmland]\npath = "x.shp"', "unknown layer role(s) farmland"),
        (BASE.replace('profile = "sichuan"', 'profile = "hunan"'), "profile = 'hunan'"),
        (BASE.replace("approved = 2019-05-06", 'approved = "May 2019"'), "is not a date"),
        ('[project]\nname = "x"\n', "[layers.demolition] is required"),
        (BASE + '\n[layers.compensation]\nurl = "postgresql://u:p@h/db"', "needs 'table' or 'sql'"),
        (BASE.replace('area = "MJ"', 'size = "MJ"'), "unknown canonical field 'size'"),
    ],
)
def test_bad_files_give_clear_errors(tmp_path, text, fragment):
    with pytest.raises(ProjectFileError) as err:
        load_project(write(tmp_path, text))
    assert fragment in str(err.value)
    assert "project.toml" in str(err.value)


def test_missing_file(tmp_path):
    with pytest.raises(ProjectFileError, match="project file not found"):
        load_project(tmp_path / "nope.toml")
