"""Meta-tests of the rule catalogue: every rule documented, tested, and docs/rules.md in step."""

from __future__ import annotations

import csv
import re
from pathlib import Path

from click.testing import CliRunner

from landlink_gis.cli.main import cli
from landlink_gis.rules import REGISTRY, sorted_rules
from landlink_gis.rules.docs import rules_markdown

REPO = Path(__file__).resolve().parents[2]
#: the DOMAIN.md §4 rules this catalogue owns, with their default severities
OWNED = {
    "CRS001": "error",
    "CRS002": "error",
    "CRS003": "error",
    "CRS004": "info",
    "GEOM001": "error",
    "GEOM002": "error",
    "GEOM003": "error",
    "GEOM004": "error",
    "GEOM005": "warning",
    "GEOM006": "warning",
    "ATTR001": "error",
    "ATTR002": "error",
    "ATTR003": "warning",
    "ATTR004": "error",
    "ATTR005": "error",
    "ATTR006": "error",
    "BAL001": "error",
    "BAL002": "error",
    "BAL003": "error",
    "BAL004": "warning",
    "BAL005": "info",
    "BAL006": "error",
    "OVL001": "error",
    "OVL002": "error",
    "OVL003": "error",
    "OVL004": "error",
    "OVL005": "error",
    "TIME001": "error",
    "TIME002": "error",
    "TIME003": "error",
    "TIME004": "warning",
}


#: informational rules that report a figure on every run (their "pass" is the figure's status)
ALWAYS_REPORTS = {"BAL005"}


def test_every_owned_rule_registered_with_its_domain_severity():
    for rid, sev in OWNED.items():
        assert rid in REGISTRY, rid
        assert REGISTRY[rid].severity == sev, rid


def test_every_rule_has_its_doc_sections():
    for r in sorted_rules():
        assert r.title_zh and r.title_en and r.message_zh and r.message_en, r.id
        assert r.purpose and r.reference, r.id
        assert all(p.doc for p in r.params), r.id
    for rid in OWNED:
        assert REGISTRY[rid].example, rid


def test_every_owned_rule_has_firing_and_passing_cases():
    cases = Path(__file__).parents[1] / "rules" / "cases"
    hand = (Path(__file__).parents[1] / "rules" / "test_rules_by_hand.py").read_text(
        encoding="utf-8"
    )
    for rid in OWNED:
        path = cases / f"{rid}.toml"
        if path.exists():
            text = path.read_text(encoding="utf-8")
            assert text.count("[[cases]]") >= 2, rid
            assert "expect = []" in text or rid in ALWAYS_REPORTS, f"{rid}: no passing case"
            assert re.search(r"expect = \[\s*\{", text), f"{rid}: no firing case"
        else:
            assert rid in hand, f"{rid}: no case file and no hand-written test"


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
        and "Reference: 《国土资源部办公厅关于城乡建设用地增减挂钩在线监管工作有关要求的通知》"
        in res.output
        and "(004)" in res.output
        and "Example:" in res.output
    )
    res = CliRunner().invoke(cli, ["explain", "BAL006"])
    assert "sichuan: error" in res.output and "national: off" in res.output
    res = CliRunner().invoke(cli, ["explain", "XYZ001"])
    assert res.exit_code == 2 and "unknown rule ID" in res.output


def test_every_domain_rule_is_registered_with_its_severity():
    """The rulebook's rule table (copied into tests/data/rulebook.csv): every ID there is
    registered."""
    with open(REPO / "tests" / "data" / "rulebook.csv", encoding="utf-8", newline="") as fh:
        table = {row["rule_id"]: row["severity"] for row in csv.DictReader(fh)}
    assert len(table) == 53
    assert set(table) == set(REGISTRY)
    assert {rid: REGISTRY[rid].severity for rid in table} == table
