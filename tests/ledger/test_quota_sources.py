"""Construction-only plans (``kind = "construction_only"``): BAL009 against the ledger, the draw
recorded when the plan is registered, and the farmland the drawn quota carries (BAL002–BAL004).

The source project A-001 (three 40 m demolition squares declared 0702, one 30 m resettlement
square) is accepted from its acceptance check: surplus generated G = 3·A40 − A30 (ellipsoidal
areas, computed here with pyproj ``Geod``); a draw is allowed up to generated − traded − drawn by
other plans. Its accepted newly added cultivated land is 0.9·3·A40 (KCXS 0.1, grade 8) and its own
construction occupied 0103 under its 30 m square: 0.9·3·A40 − A30 carried in all.
"""

from __future__ import annotations

import pytest

import landlink_gis as ll
from landlink_gis.ledger import QuotaError, init_ledger
from landlink_gis.run.runner import check
from tests.ledger.ledger_fixtures import (
    acceptance_checked,
    complete_check,
    grid_plots,
    grid_project,
    with_filing_inputs,
)
from tests.ledger.test_ledger_accept import geod_area
from tests.support.geoms import square
from tests.support.helpers import frame, write_project


def _plan(
    folder,
    code: str,
    ledger: str,
    sources: list[tuple[str, float]],
    x0: float = 5000.0,
    size: float = 30.0,
    land_class: str = "0103",
    quality: int | None = None,
    complete: bool = False,
):
    """A construction-only plan; ``complete``: with the reference layers filing requires (a check
    of it can be registered)."""
    row = {"DKBH": "JX001", "DLBM": land_class, "JXLX": "城镇", "geometry": square(x0, 0, size)}
    if quality is not None:
        row["ZLDB"] = quality
    layers, rasters = {"construction": frame([row])}, {}
    if complete:
        layers, rasters = with_filing_inputs(folder, layers)
    path = write_project(
        folder,
        layers,
        project={
            "code": code,
            "kind": "construction_only",
            "approved": "2023-03-01",
            "profile": "sichuan",
        },
        fmt="gpkg",
        rasters=rasters,
    )
    text = path.read_text(encoding="utf-8")
    text += "".join(f'\n[[quota_sources]]\ncode = "{c}"\narea_m2 = {a}\n' for c, a in sources)
    text += f'\n[ledger]\npath = "{ledger}"\n'
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def ledger(tmp_path):
    location = str(tmp_path / "ledger.gpkg")
    led = init_ledger(location, crs="EPSG:4545")
    led.add_checked(grid_project(tmp_path / "a", "A-001", 0))
    assert (
        led.accept_checked(acceptance_checked(tmp_path / "aa", "A-001", *grid_plots(0))).status
        == "accepted"
    )
    led.add_checked(grid_project(tmp_path / "b", "B-001", 2000))  # registered, not accepted
    return led, location


A40 = geod_area(square(0, 0, 40))
A30 = geod_area(square(0, 200, 30))
G = 3 * A40 - A30
#: the construction-only plans' 30 m square at x0 = 5000 m
C30 = geod_area(square(5000, 0, 30))


def test_the_source_generated_what_its_plots_measure(ledger):
    led, _ = ledger
    acc = led.quota_account("A-001")
    assert acc.generated == pytest.approx(G, abs=0.011)


def _bal009(path):
    result = check(path, rules=["BAL"], lang="en")
    return result, result.findings[result.findings["rule_id"] == "BAL009"]


def test_draw_within_the_available_surplus_passes_at_the_edge(ledger, tmp_path):
    _, location = ledger
    led = ledger[0]
    gen = led.quota_account("A-001").generated
    # the figure shown is the figure compared: drawing exactly what the ledger shows passes
    result, found = _bal009(_plan(tmp_path / "c", "C-001", location, [("A-001", gen)]))
    assert found.empty
    # no demolition side: BAL001–BAL005 find nothing wrong (BAL003: the occupied land has no
    # grade, an info); the balance lists the draw
    bad = result.findings[result.findings["severity"] != "info"]
    assert not set(bad["rule_id"]) & {"BAL001", "BAL002", "BAL003", "BAL004", "BAL005"}
    bal = result.balance.set_index(["item", "scope"])
    assert bal.loc[("drawn_quota", "A-001"), ["area_m2", "status"]].tolist() == [gen, "pass"]


def test_draw_above_the_surplus_or_from_an_unaccepted_or_unknown_source_fires(ledger, tmp_path):
    led, location = ledger
    gen = led.quota_account("A-001").generated
    _, found = _bal009(
        _plan(
            tmp_path / "c",
            "C-001",
            location,
            [("A-001", round(gen + 0.01, 2)), ("B-001", 10.0), ("Z-999", 5.0)],
        )
    )
    found = found.set_index("other_id")
    assert set(found.index) == {"A-001", "B-001", "Z-999"} and set(found["severity"]) == {"error"}
    assert found.loc["A-001", "measured"] == round(gen + 0.01, 2)
    assert found.loc["A-001", "threshold"] == gen
    assert "not accepted" in found.loc["B-001", "message"]
    assert "not in the ledger" in found.loc["Z-999", "message"]


def test_registering_the_plan_records_the_draw_in_the_same_transaction(ledger, tmp_path):
    led, location = ledger
    gen = led.quota_account("A-001").generated
    toml = _plan(tmp_path / "c", "C-001", location, [("A-001", 2500.0)], size=20, complete=True)
    out = tmp_path / "c_checked.gpkg"
    ll.write_gpkg(complete_check(toml), out)
    assert led.add_checked(out).status == "registered"
    acc = led.quota_account("A-001")
    left = round(gen - 2500.0, 2)
    assert acc.drawn == 2500.0 and acc.surplus_balance == left
    assert (
        led.quota_account("C-001").lent == 0.0
    )  # a construction-only plan borrows no turnover quota
    # re-checking the registered plan does not hold its own draw against it
    _, found = _bal009(toml)
    assert found.empty
    # another plan may draw only what is left
    _, found = _bal009(_plan(tmp_path / "d", "D-001", location, [("A-001", left + 100)], x0=7000.0))
    assert found["threshold"].tolist() == [left]
    # and the ledger refuses to record an overdraw even when the check was forced past BAL009
    d_out = tmp_path / "d_checked.gpkg"
    ll.write_gpkg(
        check(
            _plan(tmp_path / "d2", "D-001", location, [("A-001", left + 100)], x0=7000.0),
            rules=["GEOM"],
        ),
        d_out,
    )
    with pytest.raises(QuotaError, match=f"{left:.2f} m²"):
        led.add_checked(d_out, force=True, reason="核实后登记")
    assert led.quota_account("A-001").drawn == 2500.0


def test_construction_beyond_the_total_drawn_fails_bal009(ledger, tmp_path):
    _, location = ledger
    # a 30 m square (≈ A30 m²) built on a draw of 800 m²
    _, found = _bal009(_plan(tmp_path / "c", "C-001", location, [("A-001", 800.0)]))
    assert len(found) == 1
    assert found["measured"].iloc[0] == pytest.approx(C30, abs=0.01)
    assert found["threshold"].iloc[0] == 800.0 and "exceeds the total" in found["message"].iloc[0]
    # without a ledger the construction is still compared with the total drawn
    path = _plan(tmp_path / "e", "E-001", location, [("A-001", 800.0)])
    path.write_text(path.read_text(encoding="utf-8").split("\n[ledger]")[0], encoding="utf-8")
    _, found = _bal009(path)
    assert sorted(found["severity"]) == ["error", "info"]


def _farmland(path):
    result = check(path, rules=["BAL002", "BAL003", "BAL004"], lang="en")
    return result, result.findings.set_index("rule_id")


def test_occupied_farmland_against_what_the_drawn_quota_carries(ledger, tmp_path):
    led, location = ledger
    gen = led.quota_account("A-001").generated
    # the source's accepted newly added cultivated land: 0.9 · 3·A40 (KCXS 0.1), minus its own
    # construction's occupied 0103 (A30), carried pro rata to the share of G drawn
    carried_all = 0.9 * 3 * A40 - A30
    draw = 1500.0
    carried = carried_all * draw / G
    # occupying 0103 of a 30 m square (A30 ≈ 900 m²) against ≈ carried
    result, found = _farmland(_plan(tmp_path / "c", "C-001", location, [("A-001", draw)], size=30))
    bal = result.balance.set_index(["item", "scope"])
    assert bal.loc[("carried_cultivated", "project"), "area_m2"] == pytest.approx(carried, abs=0.02)
    assert bal.loc[("carried_cultivated", "A-001"), "area_m2"] == pytest.approx(carried, abs=0.02)
    assert carried > A30  # ≈ 2466 m² carried for ≈ 900 m² occupied: passes
    assert "BAL002" not in found.index
    # occupying 0101 paddy: the source added no paddy, so BAL004 warns with 0 carried
    result, found = _farmland(
        _plan(tmp_path / "d", "D-001", location, [("A-001", draw)], land_class="0101")
    )
    assert found.loc["BAL004", "severity"] == "warning"
    assert found.loc["BAL004", "threshold"] == 0.0
    assert found.loc["BAL004", "measured"] == pytest.approx(C30, abs=0.01)
    # a small draw carries less than the construction occupies: BAL002 fails
    small = 300.0  # carried ≈ 2466 · 300/G ≈ 190 m² < A30
    result, found = _farmland(_plan(tmp_path / "e", "E-001", location, [("A-001", small)], size=30))
    assert found.loc["BAL002", "severity"] == "error"
    assert found.loc["BAL002", "threshold"] == pytest.approx(carried_all * small / G, abs=0.02)
    # grade: the source's accepted grade is 8; occupying land of grade 6 (better) fails BAL003
    result, found = _farmland(
        _plan(tmp_path / "f", "F-001", location, [("A-001", draw)], quality=6)
    )
    assert found.loc["BAL003", "measured"] == pytest.approx(8.0)
    assert found.loc["BAL003", "threshold"] == pytest.approx(6.0)
    result, found = _farmland(
        _plan(tmp_path / "g", "G-001", location, [("A-001", draw)], quality=9)
    )
    assert "BAL003" not in found.index
    assert gen > 0


def test_an_unaccepted_source_leaves_the_farmland_not_checked(ledger, tmp_path):
    _, location = ledger
    _, found = _farmland(_plan(tmp_path / "c", "C-001", location, [("B-001", 500.0)]))
    assert found.loc["BAL002", "severity"] == "info"
    assert "B-001" in found.loc["BAL002", "message"]
