"""End to end on the bundled samples: findings and balance against EXPECTED.md / expected.json.

The expected figures were computed independently by ``scripts/make_samples.py`` from the
planted rectangles (planar by hand, ellipsoidal with pyproj.Geod), not by this package.
"""

from __future__ import annotations

import json

import numpy as np
import pyogrio
import pytest

import landlink_gis as ll
from landlink_gis.run.runner import check
from tests.support import SAMPLES

DEMO = SAMPLES / "bazhong_demo"
CLEAN = SAMPLES / "bazhong_clean"


@pytest.fixture(scope="module")
def demo():
    return check(DEMO / "project.toml"), json.loads(
        (DEMO / "expected.json").read_text(encoding="utf-8")
    )


def _tolerance(exp) -> float:
    if exp.get("tolerance") is not None:
        return float(exp["tolerance"])
    if exp.get("unit") == "ratio":
        return 1e-4
    return 0.006  # figures are rounded to 0.01


def test_every_planted_finding_is_found(demo):
    result, expected = demo
    found = result.findings
    checked = 0
    for exp in expected["findings"]:
        if exp["rule_id"] not in result.config.rules:
            continue
        rows = found[found["rule_id"] == exp["rule_id"]]
        if exp["plot_id"] is not None:
            rows = rows[(rows["plot_id"] == exp["plot_id"]) & (rows["layer"] == exp["layer"])]
        if exp["plot_id"] is None and exp.get("layer"):
            rows = rows[rows["layer"] == exp["layer"]]
        assert len(rows), f"{exp['rule_id']} not reported for {exp['plot_id'] or exp.get('layer')}"
        assert set(rows["severity"]) <= (
            {exp["severity"]} if exp.get("severity") else {"error", "warning"}
        )
        if exp.get("measured") is not None and exp.get("unit") not in ("parts",):
            assert rows["measured"].to_numpy()[0] == pytest.approx(
                exp["measured"], abs=_tolerance(exp)
            ), exp
        if exp.get("other_id"):
            assert exp["other_id"] in set(rows["other_id"]), exp
        checked += 1
    assert checked >= 15


def test_no_unexpected_problems(demo):
    result, expected = demo
    allowed = set()
    for exp in expected["findings"]:
        allowed.add((exp["rule_id"], exp["plot_id"] or ""))
        for extra in exp.get("may_also", []):
            rid = extra.split()[0].split("/")[0]
            allowed.add((rid, exp["plot_id"] or ""))
        if exp.get("other_id"):
            allowed.add((exp["rule_id"], exp["other_id"]))
    problems = result.findings[result.findings["severity"].isin(["error", "warning"])]
    unexpected = [
        (r.rule_id, r.plot_id)
        for r in problems.itertuples()
        if (r.rule_id, r.plot_id) not in allowed
    ]
    assert not unexpected, unexpected


def test_clean_plots_pass(demo):
    result, expected = demo
    for role, ids in expected["clean_plots"].items():
        plots = result.plots[role]
        status = dict(zip(plots["DKBH"], plots["ll_status"], strict=True))
        assert len(ids) > 0
        bad = {pid: status.get(pid) for pid in ids if status.get(pid) != "pass"}
        assert not bad, role


def test_balance_figures(demo):
    result, expected = demo
    bal = result.balance.set_index(["item", "scope"])
    exp = expected["balance"]
    assert bal.loc[("demolition_area", "project"), "area_m2"] == pytest.approx(
        exp["demolition_m2"], abs=0.02
    )
    assert bal.loc[("construction_area", "project"), "area_m2"] == pytest.approx(
        exp["construction_m2"], abs=0.02
    )
    basis = bal.loc[("quota_basis", "project")]
    assert basis["area_m2"] == pytest.approx(exp["quota_basis_m2"], abs=0.02)
    assert basis["basis"] == exp["quota_basis_source"] == "landuse"
    surplus = bal.loc[("surplus_quota", "project")]
    assert surplus["area_m2"] == pytest.approx(exp["surplus_m2"], abs=0.02)
    assert surplus["area_ha"] == pytest.approx(exp["surplus_hm2"], abs=1e-4)
    assert surplus["area_mu"] == pytest.approx(exp["surplus_mu"], abs=0.01)
    # the plot without geometry is never counted as 0; it is a demolition plot, so it can only add
    # to the surplus: the known plots prove it positive (§4b partial knowledge)
    assert surplus["status"] == exp["surplus_status"] == "pass"
    assert surplus["unmeasured"] == ",".join(exp["unmeasured_plots"]) == "CJ001"
    for item in (
        "occupied_cultivated",
        "occupied_paddy",
        "reclaimed_cultivated",
        "reclaimed_paddy",
        "existing_cultivated",
        "existing_paddy",
        "newly_added_cultivated",
        "newly_added_paddy",
    ):
        assert bal.loc[(item, "project"), "area_m2"] == pytest.approx(
            exp[f"{item}_m2"], abs=0.02
        ), item
    assert bal.loc[("occupied_cultivated", "project"), "basis"] == "landuse_kcxs"
    assert bal.loc[("reclaimed_cultivated", "project"), "basis"] == "declared_kcxs"
    assert bal.loc[("newly_added_cultivated", "project"), "basis"] == "newly_added"
    assert "新增耕地" in bal.loc[("newly_added_cultivated", "project"), "label_zh"]
    assert "扣除田坎" in bal.loc[("newly_added_cultivated", "project"), "label_zh"]
    assert bal.loc[("occupied_quality", "project"), "grade"] == pytest.approx(
        exp["occupied_quality_weighted"], abs=1e-3
    )
    assert bal.loc[("reclaimed_quality", "project"), "grade"] == pytest.approx(
        exp["reclaimed_quality_weighted"], abs=1e-3
    )
    assert bal.loc[("newly_added_quality", "project"), "grade"] == pytest.approx(
        exp["newly_added_quality_weighted"], abs=1e-3
    )
    # each balance rule ends as the known plots prove: pass (no finding), fail, or not checked
    # (an info finding naming CJ001)
    where = {
        "BAL001": "construction_area",
        "BAL002": "occupied_cultivated",
        "BAL003": "occupied_quality",
        "BAL004": "occupied_paddy",
        "BAL005": "surplus_quota",
        "BAL006": "advance_quota",
    }
    for rule, status in exp["rule_status"].items():
        assert bal.loc[(where[rule], "project"), "status"] == status, rule
        found = result.findings[result.findings["rule_id"] == rule]
        problems = found[found["severity"] != "info"]
        if status == "fail":
            assert len(problems) == 1, rule
        else:
            assert problems.empty, rule
        if status == "not checked":
            assert found["message"].str.contains("未检查.*CJ001").any(), rule


def test_quota_basis_per_plot(demo):
    """CJ061 lies wholly on 0103 旱地 (PLAN004): no quota; the partly-farmland plot counts its
    hamlet part only."""
    result, expected = demo
    exp = expected["balance"]
    plots = result.plots["demolition"]
    cols = list(plots.columns)
    at = cols.index("ll_area_m2")
    assert cols[at : at + 6] == [
        "ll_area_m2",
        "ll_area_planar_m2",
        "ll_quota_basis_m2",
        "ll_kcxs",
        "ll_status",
        "ll_rule_ids",
    ]
    basis = dict(zip(plots["DKBH"], plots["ll_quota_basis_m2"], strict=True))
    plan004 = next(e["plot_id"] for e in expected["findings"] if e["rule_id"] == "PLAN004")
    assert (
        basis[plan004] == pytest.approx(exp["plan004_plot_basis_m2"], abs=0.01)
        and exp["plan004_plot_basis_m2"] == 0.0
    )
    assert basis[exp["partly_farmland_plot"]] == pytest.approx(
        exp["partly_farmland_plot_basis_m2"], abs=0.01
    )
    assert np.isnan(basis["CJ001"])


def test_clean_sample_has_no_problems():
    result = check(CLEAN / "project.toml")
    problems = result.findings[result.findings["severity"].isin(["error", "warning"])]
    assert problems.empty, problems[["rule_id", "plot_id", "message"]].to_string()
    assert result.exit_code == 0
    assert set(result.plots["demolition"]["ll_status"]) == {"pass"}


def test_gpkg_output_contract(demo, tmp_path):
    result, _ = demo
    out = ll.write_gpkg(result, tmp_path / "demo_checked.gpkg")
    layers = dict(pyogrio.list_layers(out))
    assert layers == {
        "demolition_plots": "MultiPolygon",
        "construction_plots": "MultiPolygon",
        "findings": "MultiPolygon",
        "finding_points": "Point",
        "balance": None,
        "run_info": None,
    } | {
        k: v
        for k, v in layers.items()
        if k
        not in (
            "demolition_plots",
            "construction_plots",
            "findings",
            "finding_points",
            "balance",
            "run_info",
        )
    }
    plots = pyogrio.read_dataframe(out, layer="demolition_plots")
    for col in (
        "DKBH",
        "DKMC",
        "MJ",
        "ll_area_m2",
        "ll_area_planar_m2",
        "ll_status",
        "ll_rule_ids",
    ):
        assert col in plots.columns
    assert len(plots) == 62
    assert "ll_quota_basis_m2" in plots.columns
    # the 田坎 coefficient used per plot: the survey's KCXS of the reclaim class (one per class in
    # the sample), NULL where the plot is not reclaimed to cultivated land
    kcxs = dict(zip(plots["DKBH"], plots["ll_kcxs"], strict=False))
    reclaim = dict(zip(plots["DKBH"], plots["FKDL"], strict=False))
    exp_k = json.loads((DEMO / "expected.json").read_text(encoding="utf-8"))["balance"]["kcxs"]
    for pid, code in reclaim.items():
        if str(code).startswith("01"):
            assert kcxs[pid] == pytest.approx(exp_k[code]), pid
        else:
            assert np.isnan(kcxs[pid]), pid
    assert "landuse_change" in layers
    findings = pyogrio.read_dataframe(out, layer="findings")
    points = pyogrio.read_dataframe(out, layer="finding_points")
    cols = [
        "finding_id",
        "rule_id",
        "severity",
        "layer",
        "plot_id",
        "other_layer",
        "other_id",
        "measured",
        "threshold",
        "unit",
        "message",
        "reference",
    ]
    assert list(findings.columns[:-1]) == cols and list(points.columns[:-1]) == cols
    assert len(findings) + len(points) == len(result.findings)
    gp = points[points["rule_id"] == "GEOM001"]
    assert gp.geometry.iloc[0].x == pytest.approx(382330.0) and gp.geometry.iloc[
        0
    ].y == pytest.approx(3526030.0)
    assert pyogrio.read_info(out, layer="findings")["crs"] == "EPSG:4545"


def test_every_planted_rule_is_registered_and_runs_in_the_demo(demo):
    result, expected = demo
    planted = {e["rule_id"] for e in expected["findings"]}
    assert planted <= set(result.config.rules), planted - set(result.config.rules)
    families = {rid.rstrip("0123456789") for rid in planted}
    assert families >= {"CRS", "GEOM", "ATTR", "BAL", "OVL", "PLAN", "TIME"}


def test_clean_sample_nets_reclaimed_land_by_the_county_table():
    """The clean sample carries a [tiankan] table (2 = 0.03, 3 = 0.08, 4 = 0.12): each plot to be
    reclaimed to cultivated land is netted at its GDPDJB class (class 1: nothing), written as
    ll_kcxs; the figures agree with those computed independently by the generator."""
    result = check(CLEAN / "project.toml")
    exp = json.loads((CLEAN / "expected.json").read_text(encoding="utf-8"))["balance"]
    assert exp["tiankan"] == {"2": 0.03, "3": 0.08, "4": 0.12}
    plots = result.plots["demolition"]
    got = dict(zip(plots["DKBH"], plots["ll_kcxs"], strict=True))
    assert {pid: got[pid] for pid in exp["ll_kcxs"]} == pytest.approx(exp["ll_kcxs"])
    assert len(set(exp["ll_kcxs"].values())) > 1  # more than one slope class in the sample
    bal = result.balance.set_index(["item", "scope"])
    for item in (
        "reclaimed_cultivated",
        "existing_cultivated",
        "newly_added_cultivated",
        "newly_added_paddy",
        "occupied_cultivated",
    ):
        assert bal.loc[(item, "project"), "area_m2"] == pytest.approx(
            exp[f"{item}_m2"], abs=0.02
        ), item
    assert bal.loc[("reclaimed_cultivated", "project"), "basis"] == "declared_tiankan"
    assert bal.loc[("newly_added_quality", "project"), "grade"] == pytest.approx(
        exp["newly_added_quality_weighted"], abs=1e-3
    )
    # the table covered every plot: no info about a survey mean
    assert not (result.findings["rule_id"] == "BAL002").any()
