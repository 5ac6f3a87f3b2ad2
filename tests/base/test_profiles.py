"""Provincial profiles: package data naming only registered rules and parameters, resolved as
documented."""

from __future__ import annotations

import pytest

from landlink_gis.base.errors import ProjectFileError
from landlink_gis.base.profiles import PROFILE_NAMES, load_profile
from landlink_gis.project.file import Project
from landlink_gis.rules import REGISTRY, all_params
from landlink_gis.run.config import resolve_config


def _ids(entries):
    out = set()
    for e in entries:
        e = e.upper()
        assert e in REGISTRY or any(r.rstrip("0123456789") == e for r in REGISTRY), (
            f"unknown rule {e}"
        )
        out |= {r for r in REGISTRY if r == e or r.rstrip("0123456789") == e}
    return out


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_profile_names_only_registered_rules_and_params(name):
    prof = load_profile(name)
    _ids(prof.disable)
    _ids(prof.severity)
    assert set(prof.severity.values()) <= {"error", "warning", "info"}
    known = all_params()
    for key, value in prof.params.items():
        assert key in known, f"{name}: unknown parameter {key}"
        assert isinstance(value, type(known[key].default)) or (
            isinstance(value, int) and isinstance(known[key].default, float)
        )


@pytest.mark.parametrize(
    ("profile", "on", "off", "params"),
    [
        (
            "national",
            {"BAL001", "TIME001", "TIME004"},
            {"BAL006", "TIME002", "TIME003"},
            {"completion_in_principle": False},
        ),
        (
            "sichuan",
            {"BAL006", "TIME002"},
            {"TIME003"},
            {"advance_quota_share": 0.30, "advance_return_years": 1},
        ),
        (
            "shanxi",
            {"TIME003", "BAL001"},
            {"BAL006", "TIME002"},
            {"completion_in_principle": True, "trade_acceptance_years": 2},
        ),
        (
            "jilin",
            {"ATTR001"},
            {"BAL006", "TIME002", "TIME003"},
            {"require_occupied_quality": True},
        ),
    ],
)
def test_profile_resolution(profile, on, off, params):
    cfg = resolve_config(Project(path=None, profile=profile))
    assert on <= set(cfg.rules) and not off & set(cfg.rules)
    for key, value in params.items():
        assert cfg.params[key] == value


def test_project_ignore_and_params_override_profile():
    project = Project(
        path=None, profile="sichuan", ignore=("TIME",), params={"advance_quota_share": 0.2}
    )
    cfg = resolve_config(project)
    assert not any(r.startswith("TIME") for r in cfg.rules)
    assert cfg.params["advance_quota_share"] == 0.2


@pytest.mark.parametrize(
    ("changes", "text"),
    [
        ({"ignore": ("BAL999",)}, "unknown rule ID 'BAL999'"),
        ({"params": {"advance_share": 0.3}}, "unknown parameter 'advance_share'"),
        ({"params": {"advance_quota_share": "30%"}}, "must be a number"),
        ({"severity": {"BAL004": "fatal"}}, "must be error, warning or info"),
    ],
)
def test_unknown_ids_and_params_are_clear_errors(changes, text):
    with pytest.raises(ProjectFileError, match=text):
        resolve_config(Project(path=None, profile="national", **changes))


def test_unknown_profile():
    with pytest.raises(ProjectFileError, match="unknown profile"):
        load_profile("hainan")
