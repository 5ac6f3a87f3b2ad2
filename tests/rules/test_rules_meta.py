"""Meta-tests of the rule catalogue: every rule documented, tested, and docs/rules.md in step."""

from __future__ import annotations

import ast
import csv
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from landlink_gis.cli.main import cli
from landlink_gis.rules import REGISTRY, sorted_rules
from landlink_gis.rules.docs import rules_markdown

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

REPO = Path(__file__).resolve().parents[2]
CASES = Path(__file__).parent / "cases"
RULEBOOK = REPO / "tests" / "data" / "rulebook.csv"

#: informational rules that report a figure on every run (their "pass" is the figure's status)
ALWAYS_REPORTS = {"BAL005", "BAL008"}
#: rules whose cases need what a WKT case file cannot hold (a CRS-less or WGS 84 layer, a DEM, a
#: previous plan, a ledger): the hand-written tests that fire and pass them, by file and function
HAND_WRITTEN = {
    "CRS001": ("rules/test_rules_by_hand.py", "test_crs001_missing_crs_and_crs003_prefix"),
    "CRS002": ("rules/test_rules_by_hand.py", "test_crs002_and_crs004_wgs84_reference_layer"),
    "CRS003": ("rules/test_rules_by_hand.py", "test_crs001_missing_crs_and_crs003_prefix"),
    "CRS004": ("rules/test_rules_by_hand.py", "test_crs002_and_crs004_wgs84_reference_layer"),
    "GEOM001": ("rules/test_rules_by_hand.py", "test_geom001_002_003_006"),
    "GEOM002": ("rules/test_rules_by_hand.py", "test_geom001_002_003_006"),
    "GEOM003": ("rules/test_rules_by_hand.py", "test_geom001_002_003_006"),
    "GEOM006": ("rules/test_rules_by_hand.py", "test_geom001_002_003_006"),
    "PLAN001": ("rules/test_planning.py", "test_plan001_half_inside_basic_farmland_exact_area"),
    "PLAN002": ("rules/test_planning.py", "test_plan002_ecological_redline"),
    "PLAN003": (
        "rules/test_planning.py",
        "test_plan003_outside_development_boundary_severity_by_kind",
    ),
    "PLAN004": ("rules/test_planning.py", "test_plan004_demolition_on_farmland_reports_classes"),
    "PLAN005": ("rules/test_planning.py", "test_plan005_farmland_occupied_per_construction_plot"),
    "PLAN006": ("rules/test_planning.py", "test_plan006_steep_plot_from_dem"),
    "PLAN007": ("rules/test_planning.py", "test_plan007_outside_the_boundary"),
    "ADJ001": ("ledger/test_adjustments.py", "test_adj001_and_led001_from_ledger"),
    "ADJ002": ("ledger/test_adjustments.py", "test_adjustment_rules_against_previous_file"),
    "ADJ003": ("ledger/test_adjustments.py", "test_adjustment_rules_against_previous_file"),
    "ADJ004": ("rules/test_adj004_reasons.py", "test_urban_plot_moved_needs_a_planning_reason"),
    "ADJ005": ("ledger/test_adjustments.py", "test_adjustment_rules_against_previous_file"),
    "LED001": ("ledger/test_adjustments.py", "test_adj001_and_led001_from_ledger"),
    "BAL009": (
        "test_construction_only_sample.py",
        "test_an_overdraw_before_registration_is_refused",
    ),
}


def _rulebook() -> dict[str, str]:
    with open(RULEBOOK, encoding="utf-8", newline="") as fh:
        return {row["rule_id"]: row["severity"] for row in csv.DictReader(fh)}


def _all_ids() -> list[str]:
    return sorted(set(REGISTRY) | set(_rulebook()))


def test_every_rulebook_rule_registered_with_its_domain_severity():
    """The rulebook's rule table (copied into tests/data/rulebook.csv) and the registry hold the
    same IDs with the same default severities."""
    table = _rulebook()
    assert set(table) == set(REGISTRY), set(table) ^ set(REGISTRY)
    assert {rid: REGISTRY[rid].severity for rid in table} == table


def test_every_rule_has_its_doc_sections():
    for r in sorted_rules():
        assert r.title_zh and r.title_en and r.message_zh and r.message_en, r.id
        assert r.purpose and r.reference, r.id
        assert all(p.doc for p in r.params), r.id
        assert r.example, r.id


def _function_source(rel: str, name: str) -> str:
    path = REPO / "tests" / rel
    src = path.read_text(encoding="utf-8")
    for node in ast.parse(src).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return ast.get_source_segment(src, node) or ""
    raise AssertionError(f"tests/{rel} has no test {name}")


@pytest.mark.parametrize("rule_id", _all_ids())
def test_every_rule_has_a_firing_and_a_passing_case(rule_id):
    """Each rule of the registry and the rulebook: a case file with a firing case and a passing
    case, or a named hand-written test that exercises it."""
    path = CASES / f"{rule_id}.toml"
    if path.exists():
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
        assert doc["rule"] == rule_id
        expects = [c.get("expect", []) for c in doc["cases"]]
        assert any(expects), f"{rule_id}: no firing case"
        assert any(not e for e in expects) or rule_id in ALWAYS_REPORTS, (
            f"{rule_id}: no passing case"
        )
    else:
        assert rule_id in HAND_WRITTEN, f"{rule_id}: no case file and no hand-written test"
        assert rule_id.lower() in _function_source(*HAND_WRITTEN[rule_id]).lower(), rule_id


def test_docs_rules_md_in_step_with_registry():
    doc = REPO / "docs" / "rules.md"
    assert doc.read_text(encoding="utf-8") == rules_markdown(), (
        "docs/rules.md is stale: run `landlink rules --markdown`"
    )


def test_cli_rules_markdown_writes_the_doc(tmp_path):
    out = tmp_path / "rules.md"
    res = CliRunner().invoke(cli, ["rules", "--markdown", str(out)])
    assert res.exit_code == 0, res.output
    assert out.read_text(encoding="utf-8") == rules_markdown()


def test_cli_rules_lists_profile_severities_and_explain():
    res = CliRunner().invoke(cli, ["rules", "--lang", "en"])
    assert res.exit_code == 0
    line = next(x for x in res.output.splitlines() if x.startswith("BAL006"))
    assert line.split()[1:5] == ["off", "error", "off", "off"]
    res = CliRunner().invoke(cli, ["explain", "TIME004", "--lang", "en"])
    assert res.exit_code == 0
    assert (
        "filing_working_days = 10" in res.output
        and "Reference (national, sichuan, shanxi, jilin): 《国土资源部办公厅关于城乡建设用地增减挂钩"
        "在线监管工作有关要求的通知》"
        in res.output
        and "(004)" not in res.output
        and "Example:" in res.output
    )
    res = CliRunner().invoke(cli, ["explain", "BAL006"])
    assert "sichuan: error" in res.output and "national: off" in res.output
    res = CliRunner().invoke(cli, ["explain", "XYZ001"])
    assert res.exit_code == 2 and "unknown rule ID" in res.output
