"""The ``balance`` table's ``rule_id``/``status``: derived from the findings of the rules that ran,
never written into the balance sheet by the rules.

A small planar project with known answers by hand: two demolition plots of declared rural
homestead (0702), 20 × 20 m each, so the quota basis is 800 m²; one construction plot of side
``side`` (20 m: 400 m², 30 m: 900 m²); a turnover quota of 500 m².
"""

from __future__ import annotations

import copy
import dataclasses

import pandas as pd
import pytest

from landlink_gis.base import findings as fnd
from landlink_gis.figures.balance import BalanceSheet, balance_table, compute_balance
from landlink_gis.project.file import load_project
from landlink_gis.rules import REGISTRY, balance_statuses
from landlink_gis.run.config import resolve_config
from landlink_gis.run.runner import _run_rule, check
from tests.support.geoms import square
from tests.support.helpers import frame, load_ctx, write_project


def _project(tmp_path, side: float = 20.0, *, construction: bool = True, **facts):
    demolition = frame(
        [
            {"DKBH": "D1", "DLBM": "0702", "FKDL": "0103", "geometry": square(0, 0, 20)},
            {"DKBH": "D2", "DLBM": "0702", "FKDL": "0103", "geometry": square(30, 0, 20)},
        ]
    )
    layers = {"demolition": demolition}
    if construction:
        layers["construction"] = frame(
            [{"DKBH": "C1", "DLBM": "0702", "JXLX": "安置", "geometry": square(100, 0, side)}]
        )
    project = {"area_method": "planar", "turnover_quota_m2": 500.0, **facts}
    return write_project(tmp_path, layers, project=project, fmt="gpkg")


def _status(result, item: str, scope: str = "project") -> list[str]:
    table = result.balance.set_index(["item", "scope"])
    return table.loc[(item, scope), ["rule_id", "status"]].tolist()


@pytest.mark.parametrize(
    ("side", "outcome", "surplus"),
    [(20.0, "pass", 400.0), (30.0, "fail", -100.0)],
)
@pytest.mark.parametrize("spool", [False, True])
def test_each_figure_shows_the_outcome_of_the_rule_that_judges_it(
    tmp_path, side, outcome, surplus, spool
):
    result = check(_project(tmp_path, side), rules=["BAL"], spool=spool)
    table = result.balance.set_index(["item", "scope"])
    assert table.loc[("construction_area", "project"), "area_m2"] == side * side
    assert table.loc[("surplus_quota", "project"), "area_m2"] == surplus
    # 400 ≤ 800 and 400 ≤ 500 pass; 900 > 800 (BAL001), 800 − 900 < 0 (BAL005), 900 > 500 (BAL007)
    assert _status(result, "construction_area") == ["BAL001", outcome]
    assert _status(result, "surplus_quota") == ["BAL005", outcome]
    assert _status(result, "turnover_quota") == ["BAL007", outcome]
    errors = set(result.findings.loc[result.findings["severity"] == "error", "rule_id"])
    assert errors == (set() if outcome == "pass" else {"BAL001", "BAL007"})
    # the marks the status was derived from are never part of the findings
    assert list(result.findings.columns) == [*fnd.FINDING_COLUMNS, "geometry"]


def test_a_rule_that_did_not_run_leaves_its_figure_without_status(tmp_path):
    path = _project(tmp_path, 30.0)
    assert _status(check(path, rules=["BAL"], ignore=["BAL001"]), "construction_area") == ["", ""]
    without_surplus = check(path, rules=["BAL"], ignore=["BAL005"])
    assert _status(without_surplus, "surplus_quota") == ["", ""]
    assert _status(without_surplus, "construction_area") == ["BAL001", "fail"]
    only = check(path, rules=["BAL007"])
    assert _status(only, "turnover_quota") == ["BAL007", "fail"]
    assert _status(only, "construction_area") == ["", ""]
    assert _status(only, "surplus_quota") == ["", ""]


def test_missing_requirements_and_a_crash_judge_nothing(tmp_path, monkeypatch):
    # no construction layer: BAL001 and BAL007 do not run ("not checked: missing …")
    result = check(_project(tmp_path / "a", construction=False), rules=["BAL"])
    missing = result.findings[result.findings["rule_id"].isin(["BAL001", "BAL007"])]
    assert len(missing) == 2 and set(missing["severity"]) == {"info"}
    assert _status(result, "construction_area") == ["", ""]
    assert _status(result, "turnover_quota") == ["", ""]
    assert _status(result, "surplus_quota") == ["BAL005", "pass"]  # 800 − 0 ≥ 0

    def boom(ctx):
        raise RuntimeError("boom")

    monkeypatch.setitem(REGISTRY, "BAL001", dataclasses.replace(REGISTRY["BAL001"], func=boom))
    crashed = check(_project(tmp_path / "b", 20.0), rules=["BAL"])
    bal001 = crashed.findings[crashed.findings["rule_id"] == "BAL001"]
    assert bal001["severity"].tolist() == ["error"] and "boom" in bal001["message"].iloc[0]
    assert _status(crashed, "construction_area") == ["", ""]
    assert _status(crashed, "turnover_quota") == ["BAL007", "pass"]


def test_a_deep_poverty_exemption_is_not_a_pass(tmp_path):
    path = _project(tmp_path, 30.0, deep_poverty_county=True)
    exempt = check(path, rules=["BAL007"], params={"turnover_exempt_deep_poverty": True})
    assert exempt.findings["message"].str.contains("does not apply|不适用").all()
    assert _status(exempt, "turnover_quota") == ["", ""]
    assert _status(check(path, rules=["BAL007"]), "turnover_quota") == ["BAL007", "fail"]


def test_the_rules_leave_the_balance_sheet_as_computed(tmp_path):
    path = _project(tmp_path, 30.0)
    ctx = load_ctx(path)
    config = resolve_config(load_project(path), rules=["BAL"])
    sheet = compute_balance(ctx)
    before = copy.deepcopy(sheet.figures)
    frames = [_run_rule(REGISTRY[rid], ctx, config, "en") for rid in config.rules]
    assert {"BAL001", "BAL005", "BAL007"} <= set(pd.concat(frames)["rule_id"])  # they fired
    assert compute_balance(ctx) is sheet and sheet.figures == before
    # the sheet holds no status: the table has one only where it is derived from the findings
    assert set(balance_table(sheet)["status"]) == {""}
    marks = pd.concat([fnd.split_judged(f)[1] for f in frames], ignore_index=True)
    derived = balance_statuses(sheet, marks, [REGISTRY[rid] for rid in config.rules])
    assert derived[("construction_area", "project")] == ("BAL001", "fail")
    assert not hasattr(BalanceSheet, "set_status")


def _sheet(unmeasured: tuple[str, ...] = ()) -> BalanceSheet:
    sheet = BalanceSheet()
    sheet.add("construction_area", "建新", "construction", 900.0, unmeasured=unmeasured)
    for scope in ("S-1", "S-2", "project"):
        sheet.add("drawn_quota", "使用", "drawn", 500.0, scope=scope)
    return sheet


def _marks(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["rule_id", fnd.JUDGED], dtype=object)


def test_statuses_follow_the_marks_and_the_order_the_rules_ran():
    bal001, bal009 = REGISTRY["BAL001"], REGISTRY["BAL009"]
    # BAL001 judges construction_area only beside a quota basis; BAL009 beside a draw
    assert balance_statuses(_sheet(), _marks(), [bal001]) == {}
    passed = balance_statuses(_sheet(), _marks(), [bal001, bal009])
    assert passed == {
        ("construction_area", "project"): ("BAL009", "pass"),
        ("drawn_quota", "S-1"): ("BAL009", "pass"),
        ("drawn_quota", "S-2"): ("BAL009", "pass"),
        ("drawn_quota", "project"): ("BAL009", "pass"),
    }
    # a failing source fails its row and the total; the other source passes
    fail = fnd.judgement("fail", ("drawn_quota", "S-2"), "drawn_quota")
    failed = balance_statuses(_sheet(), _marks(("BAL009", fail)), [bal009])
    assert failed[("drawn_quota", "S-1")] == ("BAL009", "pass")
    assert (
        failed[("drawn_quota", "S-2")]
        == failed[("drawn_quota", "project")]
        == (
            "BAL009",
            "fail",
        )
    )
    # within one rule the later mark stands
    later = fnd.judgement("not checked", "drawn_quota")
    both = balance_statuses(_sheet(), _marks(("BAL009", fail), ("BAL009", later)), [bal009])
    assert both[("drawn_quota", "project")] == ("BAL009", "not checked")
    # an unmeasured construction area is left alone by BAL009
    partial = balance_statuses(_sheet(("C1",)), _marks(), [bal009])
    assert ("construction_area", "project") not in partial
    # a rule that did not run judges nothing; a mark for a figure the sheet lacks is ignored
    skipped = _marks(("BAL009", fnd.judgement("not judged")))
    assert balance_statuses(_sheet(), skipped, [bal009]) == {}
    odd = _marks(("BAL009", fnd.judgement("fail", "surplus_quota")))
    assert ("surplus_quota", "project") not in balance_statuses(_sheet(), odd, [bal009])


def test_a_judgement_reads_back_and_refuses_an_unknown_outcome():
    mark = fnd.judgement("fail", "surplus_quota", ("drawn_quota", "511902-2021-004"))
    assert fnd.read_judgement(mark) == (
        "fail",
        (("surplus_quota", "project"), ("drawn_quota", "511902-2021-004")),
    )
    assert fnd.read_judgement("") is None
    with pytest.raises(ValueError, match="outcome"):
        fnd.judgement("passed", "surplus_quota")
