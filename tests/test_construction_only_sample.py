"""The construction-only sample (``data/samples/bazhong_construction_only``): its ledger built
with the real ``landlink`` commands of its EXPECTED.md — the clean project registered from its
check and accepted from its acceptance check (``data/samples/bazhong_acceptance``) — the plan
checked and registered, the draw recorded, and an overdraw refused by BAL009 and by
``landlink ledger add``.

Known answers (the samples' EXPECTED.md, computed by the generator with ``pyproj.Geod``,
independently of the package): the clean project's accepted basis 12392.92 m² − construction
6997.42 m² = 5395.49 m² of surplus generated at acceptance, all of it available; the plan draws
4000 m², which leaves 1395.49 m². The construction area is computed here a second way:
``pyproj.Geod`` on the CGCS2000 ellipsoid over the plots' rectangles, densified to ≤ 10 m (three
40 × 30 m rectangles: 3600 m² planar).

Every test works on a copy of the samples in ``tmp_path``; nothing is written beside the
repository's sample files.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Geod, Transformer

from landlink_gis.cli.main import cli
from landlink_gis.ledger import open_ledger
from tests.support import SAMPLES

SOURCE = "511902-2021-004"
PLAN = "511902-2023-009"
GENERATED, DRAWN = 5395.49, 4000.0
AVAILABLE = GENERATED  # nothing advanced or traded
LEFT = 1395.49  # 5395.49 − 4000
BAL_RULES = {"BAL001", "BAL002", "BAL003", "BAL004", "BAL005"}


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def geod_area(geoms) -> float:
    """Ellipsoidal area (CGCS2000) of EPSG:4545 polygons: densify to 10 m, to lon/lat, Geod."""
    geod = Geod(a=6378137.0, rf=298.257222101)
    to_lonlat = Transformer.from_crs("EPSG:4545", "EPSG:4490", always_xy=True)
    total = 0.0
    for g in shapely.segmentize(np.asarray(geoms, dtype=object), 10.0):
        lon, lat = to_lonlat.transform(*np.asarray(g.exterior.coords).T)
        total += abs(geod.polygon_area_perimeter(lon, lat)[0])
    return total


@pytest.fixture(scope="module")
def source_checked(tmp_path_factory) -> tuple[Path, Path]:
    """The clean project checked as planned and at acceptance (``landlink check``, exit 0)."""
    folder = tmp_path_factory.mktemp("source")
    for name in ("bazhong_clean", "bazhong_acceptance"):
        shutil.copytree(SAMPLES / name, folder / name)
    outs = []
    for name in ("bazhong_clean", "bazhong_acceptance"):
        out = folder / f"{name}_checked.gpkg"
        res = run("check", folder / name / "project.toml", "-o", out, "-q")
        assert res.exit_code == 0, res.output
        outs.append(out)
    return outs[0], outs[1]


@pytest.fixture
def sample(tmp_path, source_checked) -> tuple[Path, str]:
    """A copy of the sample with its ledger built by the commands of EXPECTED.md; (folder,
    ledger)."""
    plan, accepted = source_checked
    folder = tmp_path / "bazhong_construction_only"
    shutil.copytree(SAMPLES / "bazhong_construction_only", folder)
    ledger = str(folder / "台账.gpkg")
    assert run("ledger", "init", ledger, "--crs", "EPSG:4545").exit_code == 0
    res = run("ledger", "-L", ledger, "add", plan)
    assert res.exit_code == 0, res.output
    res = run("ledger", "-L", ledger, "accept", accepted)
    assert res.exit_code == 0, res.output
    assert f"surplus generated {GENERATED:.2f} m²" in res.output
    return folder, ledger


def check(toml: Path, out: Path):
    """``landlink check`` in English; (exit code, findings, balance) read back from the
    GeoPackage."""
    res = run("check", toml, "-o", out, "--lang", "en", "-q")
    assert res.exit_code in (0, 1), res.output
    findings = gpd.read_file(out, layer="findings")
    balance = gpd.read_file(out, layer="balance")
    return res.exit_code, findings, balance


def set_draw(toml: Path, area: float, code: str | None = None) -> None:
    """Change the plan's draw (its one ``[[quota_sources]]`` area) and, if given, its code."""
    text, n = re.subn(r"(?m)^area_m2 = .*$", f"area_m2 = {area}", toml.read_text(encoding="utf-8"))
    assert n == 1
    if code:
        text = text.replace(f'code = "{PLAN}"', f'code = "{code}"')
    toml.write_text(text, encoding="utf-8")


def test_sample_files_say_what_the_test_knows():
    toml = (SAMPLES / "bazhong_construction_only" / "project.toml").read_text(encoding="utf-8")
    assert (
        'kind = "construction_only"' in toml
        and f'code = "{SOURCE}"' in toml
        and f"area_m2 = {DRAWN:.1f}" in toml
    )
    assert 'path = "台账.gpkg"' in toml
    assert (SAMPLES / "bazhong_construction_only" / "建新地块.cpg").read_text() == "GBK"
    accepted = (SAMPLES / "bazhong_acceptance" / "EXPECTED.md").read_text(encoding="utf-8")
    assert f"| surplus_generated_m2 | {GENERATED} |" in accepted
    assert not (SAMPLES / "bazhong_construction_only" / "台账.gpkg").exists()


def test_the_plan_is_checked_and_registered_and_the_draw_recorded(sample, tmp_path):
    folder, ledger = sample
    assert open_ledger(ledger).quota_account(SOURCE).surplus_balance == pytest.approx(
        AVAILABLE, abs=1e-6
    )
    out = tmp_path / "co_checked.gpkg"
    code, findings, balance = check(folder / "project.toml", out)
    # exit 0: no error finding at all; BAL009 passes, BAL002–BAL004 pass against what the draw
    # carries, no overlap with the demo's plots
    assert code == 0
    assert set(findings["severity"]) == {"info"}, findings[["rule_id", "severity", "message"]]
    assert not set(findings["rule_id"]) & (BAL_RULES | {"BAL009", "OVL003", "LED001"})
    bal = balance.set_index(["item", "scope"])
    assert bal.loc[("drawn_quota", SOURCE), ["area_m2", "rule_id", "status"]].tolist() == [
        DRAWN,
        "BAL009",
        "pass",
    ]
    assert bal.loc[("drawn_quota", "project"), "status"] == "pass"
    plots = gpd.read_file(folder / "建新地块.shp")
    assert plots.crs.to_epsg() == 4545 and sorted(plots["JXLX"]) == ["城镇", "城镇", "安置"]
    assert plots.area.sum() == pytest.approx(3600.0, abs=1e-6)
    assert bal.loc[("construction_area", "project"), "area_m2"] == pytest.approx(
        geod_area(plots.geometry), abs=0.01
    )
    assert bal.loc[("construction_area", "project"), "area_m2"] == pytest.approx(
        3598.79, abs=0.005
    )  # EXPECTED.md
    # the farmland the draw carries (EXPECTED.md): 2723.99 m² cultivated, 1811.72 m² paddy
    assert bal.loc[("carried_cultivated", "project"), "area_m2"] == pytest.approx(2723.99, abs=0.01)
    assert bal.loc[("carried_paddy", "project"), "area_m2"] == pytest.approx(1811.72, abs=0.01)
    for item, rule_id in (
        ("occupied_cultivated", "BAL002"),
        ("occupied_paddy", "BAL004"),
        ("occupied_quality", "BAL003"),
    ):
        assert bal.loc[(item, "project"), ["rule_id", "status"]].tolist() == [rule_id, "pass"]
    assert bal.loc[("construction_area", "project"), "area_m2"] <= DRAWN

    res = run("ledger", "-L", ledger, "add", out)
    assert res.exit_code == 0, res.output
    assert f"{PLAN}: registered plan version 1 (3 plots)" in res.output
    led = open_ledger(ledger)
    events = led.quota_events(SOURCE)
    drawn = events[events["kind"] == "drawn"]
    assert drawn[["area_m2", "counterpart"]].values.tolist() == [[DRAWN, PLAN]]
    assert drawn["event_date"].tolist() == [dt.date(2023, 3, 20)]
    acc = led.quota_account(SOURCE)
    assert (acc.generated, acc.advanced, acc.traded, acc.drawn) == (GENERATED, 0.0, 0.0, DRAWN)
    assert acc.surplus_balance == pytest.approx(AVAILABLE - DRAWN, abs=1e-6) == LEFT
    assert led.quota_account(PLAN).lent == 0.0  # the plan borrows no turnover quota
    res = run("ledger", "-L", ledger, "quota", SOURCE)
    assert res.exit_code == 0
    assert [ln.split()[-1] for ln in res.output.splitlines() if "surplus available" in ln] == [
        f"{LEFT:.2f}"
    ]
    # re-checking the registered plan does not count its own draw against it; registering again adds
    # nothing
    code, findings, balance = check(folder / "project.toml", tmp_path / "again.gpkg")
    assert code == 0 and "BAL009" not in set(findings["rule_id"])
    res = run("ledger", "-L", ledger, "add", out)
    assert res.exit_code == 0 and "already registered" in res.output
    assert open_ledger(ledger).quota_account(SOURCE).drawn == DRAWN


def test_an_overdraw_before_registration_is_refused(sample, tmp_path):
    folder, ledger = sample
    set_draw(folder / "project.toml", round(AVAILABLE + 0.01, 2))
    out = tmp_path / "over.gpkg"
    code, findings, _ = check(folder / "project.toml", out)
    assert code == 1
    errors = findings[findings["severity"] == "error"]
    assert errors["rule_id"].tolist() == ["BAL009"]
    assert errors[["other_id", "measured", "threshold"]].values.tolist() == [
        [SOURCE, 5395.50, pytest.approx(AVAILABLE, abs=1e-6)]
    ]
    assert not set(findings["rule_id"]) & BAL_RULES
    res = run("ledger", "-L", ledger, "add", out)
    assert res.exit_code == 1 and "refused" in res.output
    assert open_ledger(ledger).quota_account(SOURCE).drawn == 0.0


def test_a_second_plan_may_draw_only_what_is_left(sample, tmp_path):
    folder, ledger = sample
    code, _, _ = check(folder / "project.toml", tmp_path / "first.gpkg")
    assert code == 0
    assert run("ledger", "-L", ledger, "add", tmp_path / "first.gpkg").exit_code == 0
    # a second construction-only plan: JX002 moved 150 m north (meets neither the demo's nor the
    # first plan's plots) onto the survey's paddy, cut to 20 m × 30 m so that what it occupies
    # (600 m² × (1 − KCXS 0.05) = 570 m²) stays within the paddy the small draw carries
    # (1811.72 × 1395.49 / 4000 = 632 m²): only BAL009 judges the draw
    second = tmp_path / "second"
    shutil.copytree(SAMPLES / "bazhong_construction_only", second)
    plots = gpd.read_file(second / "建新地块.shp", encoding="GBK")
    plots = plots[plots["DKBH"] == "JX002"].copy()
    x0, y0 = plots.total_bounds[:2]
    plots["geometry"] = plots.geometry.scale(0.5, 1.0, origin=(x0, y0)).translate(0.0, 150.0)
    plots["MJ"] = 599.8
    plots.to_file(second / "建新地块.shp", encoding="GBK")
    toml = second / "project.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'path = "台账.gpkg"', f'path = "{Path(ledger).as_posix()}"'
        ),
        encoding="utf-8",
    )
    set_draw(toml, round(LEFT + 0.01, 2), code="511902-2023-010")

    code, findings, _ = check(second / "project.toml", tmp_path / "second.gpkg")
    assert code == 1
    errors = findings[findings["severity"] == "error"]
    assert errors["rule_id"].tolist() == ["BAL009"]
    assert errors["measured"].tolist() == [1395.50] and errors["threshold"].tolist() == [
        pytest.approx(LEFT, abs=1e-6)
    ]
    assert (
        "1395.49" in errors["message"].iloc[0]
        and "drawn by other plans 4000.00" in errors["message"].iloc[0]
    )
    res = run("ledger", "-L", ledger, "add", tmp_path / "second.gpkg")
    assert res.exit_code == 1 and "refused" in res.output
    # forced past its BAL009 error, the ledger's own quota check still refuses the draw (exit 2)
    res = run(
        "ledger",
        "-L",
        ledger,
        "add",
        tmp_path / "second.gpkg",
        "--force",
        "--reason",
        "试图超额使用",
    )
    assert res.exit_code == 2
    assert "exceeds its surplus quota still available 1395.49 m²" in res.output
    led = open_ledger(ledger)
    assert led.quota_account(SOURCE).drawn == DRAWN
    assert "511902-2023-010" not in set(led.projects()["code"])

    # drawing exactly what is left passes and is recorded: nothing remains
    set_draw(second / "project.toml", LEFT)
    code, findings, _ = check(second / "project.toml", tmp_path / "second_edge.gpkg")
    assert code == 0 and "BAL009" not in set(findings["rule_id"])
    assert run("ledger", "-L", ledger, "add", tmp_path / "second_edge.gpkg").exit_code == 0
    acc = open_ledger(ledger).quota_account(SOURCE)
    assert acc.drawn == pytest.approx(
        DRAWN + LEFT, abs=1e-6
    ) and acc.surplus_balance == pytest.approx(0.0, abs=1e-6)
