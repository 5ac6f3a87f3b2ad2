"""The command walkthroughs of docs/ledger.md and docs/filing.md run as written, top to bottom.

Every fenced ``shell`` block of a document is one walkthrough step; the blocks of a document run
in order in one bash session (an ``export`` carries over), from the root of a temporary copy of
the bundled samples, with ``landlink`` on the PATH running this checkout. Each command must exit
with the code its ``# exit N`` comment names (0 when it names none). The figures the walkthrough
leaves in the ledger are then compared with the samples' EXPECTED figures (computed by the sample
generator with ``pyproj.Geod``, independently of the package).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from landlink_gis.ledger import open_ledger
from tests.support import REPO, SAMPLES

_EXIT = re.compile(r"#\s*exit (\d+)")


def shell_commands(text: str) -> list[tuple[str, int]]:
    """The commands of the fenced ``shell`` blocks of a Markdown text: (command, expected exit)."""
    out: list[tuple[str, int]] = []
    inside = False
    pending = ""
    for raw in text.splitlines():
        stripped = raw.strip()
        if stripped.startswith("```"):
            inside = stripped == "```shell" if not inside else False
            continue
        if not inside:
            continue
        line = pending + stripped
        pending = ""
        if line.endswith("\\"):
            pending = line[:-1].rstrip() + " "
            continue
        if not line or line.startswith("#"):
            continue
        match = _EXIT.search(line)
        out.append((line, int(match.group(1)) if match else 0))
    return out


def _script(commands: list[tuple[str, int]]) -> str:
    lines = ["set -u"]
    for n, (cmd, code) in enumerate(commands, start=1):
        lines.append(cmd)
        lines.append(
            f'rc=$?; if [ "$rc" -ne {code} ]; then echo "step {n}: exit $rc, expected {code}: "'
            f"{_quote(cmd)} >&2; exit 100; fi"
        )
    return "\n".join(lines) + "\n"


def _quote(text: str) -> str:
    return "'" + text.replace("'", "'\"'\"'") + "'"


@pytest.fixture
def workdir(tmp_path) -> Path:
    """A folder laid out like the repository root: the samples (without any built ledger) and a
    ``landlink`` command on the PATH that runs this checkout."""
    root = tmp_path / "repo"
    for sample in SAMPLES.iterdir():
        if sample.is_dir():
            shutil.copytree(
                sample,
                root / "data" / "samples" / sample.name,
                ignore=shutil.ignore_patterns("台账*"),
            )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    shim = bin_dir / "landlink"
    shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m landlink_gis.cli.main "$@"\n')
    shim.chmod(0o755)
    return root


def _run_doc(doc: str, root: Path) -> subprocess.CompletedProcess:
    commands = shell_commands((REPO / "docs" / doc).read_text(encoding="utf-8"))
    assert commands, f"docs/{doc} has no ```shell walkthrough"
    env = dict(os.environ)
    env["PATH"] = f"{root.parent / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    env.pop("LANDLINK_LEDGER", None)
    return subprocess.run(
        ["bash", "-c", _script(commands)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_parser_reads_commands_and_exit_codes():
    text = "```shell\nlandlink a   # exit 2: why\n# a comment\nlandlink b \\\n  --x 1\n```\n```\nno\n```"
    assert shell_commands(text) == [("landlink a   # exit 2: why", 2), ("landlink b --x 1", 0)]


def _expected(name: str) -> dict:
    return json.loads((SAMPLES / name / "expected.json").read_text(encoding="utf-8"))["figures"]


def test_ledger_walkthrough_runs_as_written(workdir):
    res = _run_doc("ledger.md", workdir)
    assert res.returncode == 0, res.stderr[-3000:] + res.stdout[-3000:]
    accepted = _expected("bazhong_acceptance")
    drawn = _expected("bazhong_construction_only")["drawn_m2"]
    ledger = open_ledger(workdir / "data/samples/bazhong_construction_only/台账.gpkg")
    acc = ledger.quota_account(accepted["code"])
    assert acc.generated == accepted["surplus_generated_m2"]
    assert acc.returned == accepted["turnover_returned_m2"] == acc.lent
    assert (acc.traded, acc.drawn) == (1000.0, drawn)
    assert acc.surplus_balance == round(accepted["surplus_generated_m2"] - 1000.0 - drawn, 2)
    # the typed and over-limit requests left nothing behind
    events = ledger.quota_events(accepted["code"])
    assert sorted(events["kind"]) == sorted(
        ["lent", "advanced", "traded", "returned", "generated", "drawn"]
    )
    # what the walkthrough's own `ledger quota` printed is the same figure
    shown = [ln for ln in res.stdout.splitlines() if "surplus generated (at acceptance)" in ln]
    assert shown and shown[-1].split()[-1] == f"{accepted['surplus_generated_m2']:.2f}"
    assert (workdir / "out" / "report.xlsx").is_file()


def test_filing_walkthrough_runs_as_written(workdir):
    res = _run_doc("filing.md", workdir)
    assert res.returncode == 0, res.stderr[-3000:] + res.stdout[-3000:]
    manifest = json.loads((workdir / "out" / "验收报备" / "manifest.json").read_text("utf-8"))
    accepted = _expected("bazhong_acceptance")
    assert manifest["filing"] == "acceptance" and manifest["accepted"] == accepted["accepted"]
    # 10 working days after Thu 2023-06-01: 06-02, 06-05 … 06-09, 06-12 … 06-15 (no holiday)
    assert manifest["filing_deadline"] == "2023-06-15"
    import pandas as pd

    summary = pd.read_csv(workdir / "out" / "验收报备" / "summary.csv", encoding="utf-8-sig")
    row = summary.iloc[0]
    assert row["报备类型"] == "验收报备"
    assert row["验收产生节余指标（平方米）"] == accepted["surplus_generated_m2"]
    assert row["验收指标基数（平方米）"] == accepted["accepted_basis_m2"]
    assert row["验收归还周转指标（平方米）"] == accepted["turnover_returned_m2"]
    ledger = open_ledger(workdir / "out" / "county_ledger.gpkg")
    assert ledger.quota_account(accepted["code"]).generated == accepted["surplus_generated_m2"]
