"""Rule parameters that cannot be right are refused with exit 2 naming the key and the allowed
values.

Generated from the registry: for every declared parameter, values of the wrong type (a string for a
number, a list, a table, a number for a flag), NaN, ±infinity, negative numbers, fractions above 1
for shares and ratios, degrees above 90, and non-whole numbers for whole-number parameters — from
the project's ``[rules] params``, from a profile and from the Python API. Every input unchanged,
no output written.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from landlink_gis.base.errors import ProjectFileError
from landlink_gis.project.file import load_project
from landlink_gis.rules import all_params
from landlink_gis.run.config import allowed_values, resolve_config

from .outputs_support import assert_refused, files, hashes, invoke, project

PARAMS = all_params()


def _bad_values(name: str, default) -> list[tuple[str, str]]:
    """(TOML literal, label) of values ``name`` must refuse."""
    if isinstance(default, bool):
        return [('"yes"', "string"), ("1", "number"), ("[true]", "list")]
    if isinstance(default, (int, float)):
        out = [
            ('"1.0"', "string"),
            ("[1.0]", "list"),
            ("{ value = 1 }", "table"),
            ("true", "bool"),
            ("nan", "nan"),
            ("inf", "inf"),
            ("-inf", "minus_inf"),
            ("-1", "negative"),
        ]
        if isinstance(default, int):
            out.append(("2.5", "not_whole"))
        elif any(w in name for w in ("share", "ratio", "rel_tol", "compactness")):
            out.append(("1.5", "over_one"))
        elif name.endswith("_deg"):
            out.append(("91.0", "over_90"))
        return out
    return [("1", "number"), ('["a"]', "list")]


CASES = [
    (name, literal, label)
    for name, p in sorted(PARAMS.items())
    for literal, label in _bad_values(name, p.default)
]


@pytest.mark.parametrize(
    ("name", "literal", "label"), CASES, ids=[f"{n}-{lab}" for n, _, lab in CASES]
)
def test_project_param_refused(tmp_path: Path, name: str, literal: str, label: str) -> None:
    toml = project(tmp_path)
    with toml.open("a", encoding="utf-8") as fh:
        fh.write(f"\n[rules]\nparams = {{ {name} = {literal} }}\n")
    before = hashes(tmp_path / "in")
    result = invoke("check", toml, "-o", tmp_path / "out" / "c.gpkg", "--lang", "en")
    assert_refused(
        result, str(toml), "[rules] params", name, allowed_values(name, PARAMS[name].default)
    )
    assert hashes(tmp_path / "in") == before and files(tmp_path / "out") == []


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -0.5, "1", [1.0], None])
def test_api_param_refused(tmp_path: Path, value) -> None:
    proj = load_project(project(tmp_path))
    with pytest.raises(ProjectFileError, match="overlap_tolerance_m2") as err:
        resolve_config(proj, params={"overlap_tolerance_m2": value})
    assert "a finite number ≥ 0" in str(err.value)


def test_profile_param_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import landlink_gis.run.config as config

    real = config.load_profile

    def broken(name):
        prof = real(name)
        return type(prof)(
            **{**prof.__dict__, "params": {**prof.params, "advance_quota_share": 1.3}}
        )

    monkeypatch.setattr(config, "load_profile", broken)
    with pytest.raises(
        ProjectFileError, match="profile .*advance_quota_share.*a number from 0 to 1"
    ):
        resolve_config(load_project(project(tmp_path)))


def _good_values() -> list[tuple[str, object, object]]:
    """Edge values every parameter accepts, by the type of its default."""
    out = []
    for name, p in sorted(PARAMS.items()):
        if isinstance(p.default, bool):
            out.append((name, not p.default, not p.default))
        elif isinstance(p.default, int):
            out += [(name, 0, 0), (name, 4.0, 4)]
        elif isinstance(p.default, float):
            top = (
                1
                if any(w in name for w in ("share", "ratio", "rel_tol", "compactness"))
                else (90 if name.endswith("_deg") else 1e6)
            )
            out += [(name, 0, 0.0), (name, top, float(top))]
        else:
            out.append((name, "RKSJ", "RKSJ"))
    return out


@pytest.mark.parametrize(("name", "value", "expected"), _good_values())
def test_good_values_pass_with_the_default_type(tmp_path: Path, name: str, value, expected) -> None:
    cfg = resolve_config(load_project(project(tmp_path)), params={name: value})
    assert cfg.params[name] == expected and type(cfg.params[name]) is type(PARAMS[name].default)
