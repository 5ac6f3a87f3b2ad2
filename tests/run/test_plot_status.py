"""Each checked plot's ``ll_status`` and ``ll_rule_ids`` match its findings, recomputed here per
plot with plain Python from the findings table."""

from __future__ import annotations

import sys

import pytest

from landlink_gis.run.runner import check
from tests.support import REPO, SAMPLES

sys.path.insert(0, str(REPO / "scripts" / "bench"))

_RANK = {"warning": 1, "error": 2}
_NAMES = {0: "pass", 1: "warning", 2: "error"}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from generate import generate

    folder = tmp_path_factory.mktemp("bench")
    generate(folder, "small", plots=2000, landuse=10_000, shape="partial")
    return folder / "project.toml"


@pytest.mark.parametrize("which", ["bazhong_demo", "bazhong_clean", "generated"])
def test_status_and_rule_ids_are_the_plots_findings(which, generated):
    project = generated if which == "generated" else SAMPLES / which / "project.toml"
    result = check(project)
    findings = result.findings
    several = 0
    for role, frame in result.plots.items():
        worst: dict[str, int] = {}
        rules: dict[str, set[str]] = {}
        for layer, pid, sev, rid in zip(
            findings["layer"],
            findings["plot_id"],
            findings["severity"],
            findings["rule_id"],
            strict=True,
        ):
            if layer == role and sev in _RANK:
                worst[str(pid)] = max(worst.get(str(pid), 0), _RANK[sev])
                rules.setdefault(str(pid), set()).add(rid)
        ids = [str(i) for i in result.plot_ids(role)]
        assert frame["ll_status"].tolist() == [_NAMES[worst.get(i, 0)] for i in ids]
        assert frame["ll_rule_ids"].tolist() == [",".join(sorted(rules.get(i, ()))) for i in ids]
        several += sum(len(r) > 1 for r in rules.values())
    if which == "generated":
        assert several > 10  # plots with several rules (OVL001 and PLAN004 on one plot)
