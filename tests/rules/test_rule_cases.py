"""Data-driven rule cases: ``cases/<RULE>.toml`` — WKT in, expected findings out.

Each file names one ``rule`` and lists ``[[cases]]``. A case has layers by role (a list of
features: ``wkt`` in metres relative to (X0, Y0) of tests/geoms.py, plus attributes),
optional ``project`` facts, ``params``, ``profile``, ``lang`` and ``expect``: the findings of
that rule, exactly (count and the listed columns; ``measured``/``threshold`` within 0.01 or
1e-6 relative, ``message_contains`` a substring). Expected figures are worked out by hand in
the case files (planar squares with ``area_method = "planar"`` where an edge must be exact).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import shapely

from landlink_gis.run.runner import check
from tests.support.geoms import X0, Y0
from tests.support.helpers import frame, write_project

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CASES = Path(__file__).parent / "cases"
ROLES = (
    "demolition",
    "construction",
    "compensation",
    "ledger",
    "illegal_land",
    "landuse",
    "survey_after",
)


def _load():
    out = []
    for path in sorted(CASES.glob("*.toml")):
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        for i, case in enumerate(doc["cases"]):
            out.append(pytest.param(doc["rule"], case, id=f"{path.stem}-{i}-{case['name']}"))
    return out


def _layer(features):
    rows = []
    for feat in features:
        row = dict(feat)
        geom = shapely.from_wkt(row.pop("wkt")) if row.get("wkt") else None
        row["geometry"] = (
            shapely.transform(geom, lambda c: c + (X0, Y0)) if geom is not None else None
        )
        rows.append(row)
    return frame(rows)


def _close(a, b):
    return abs(a - b) <= max(0.01, 1e-6 * abs(b))


@pytest.mark.parametrize(("rule_id", "case"), _load())
def test_rule_case(tmp_path, rule_id, case):
    layers = {role: _layer(case[role]) for role in ROLES if role in case}
    project = {"profile": case.get("profile", "national"), **case.get("project", {})}
    rules = {"params": case["params"]} if "params" in case else None
    path = write_project(tmp_path, layers, project=project, rules=rules, fmt="gpkg")
    result = check(path, rules=[rule_id], lang=case.get("lang", "en"))
    got = result.findings[result.findings["rule_id"] == rule_id]
    got = got.sort_values(
        ["layer", "plot_id", "other_id", "measured"], na_position="last"
    ).reset_index(drop=True)
    expect = case.get("expect", [])
    assert len(got) == len(expect), got[
        ["plot_id", "other_id", "measured", "threshold", "severity", "message"]
    ].to_string()
    for row, exp in zip(got.itertuples(), expect, strict=True):
        for key, value in exp.items():
            if key == "message_contains":
                assert value in row.message, row.message
            elif key in ("measured", "threshold"):
                assert _close(getattr(row, key), value), (
                    key,
                    getattr(row, key),
                    value,
                    row.message,
                )
            else:
                assert getattr(row, key) == value, (key, getattr(row, key), value, row.message)
