"""The construction-only sample (``data/samples/bazhong_construction_only``): its ledger built
with the
real ``landlink`` commands of its EXPECTED.md, the plan checked and registered, the draw recorded,
and
an overdraw refused by BAL009 and by ``landlink ledger add``.

Known answers by hand (the sample's EXPECTED.md): the demo project's surplus 15064.64 m²
(``surplus_m2``
of the demo's EXPECTED.md) is recorded as generated and its 1600 m² advance quota as advanced, so
13464.64 m² can be drawn; the plan draws 6000 m², which leaves 7464.64 m². The construction area is
computed here a second way: ``pyproj.Geod`` on the CGCS2000 ellipsoid over the plots' rectangles,
densified to ≤ 10 m (three 40 × 50 m rectangles: 6000 m² planar).

Every test works on a copy of the samples in ``tmp_path``; nothing is written beside the
repository's
sample files.
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

SOURCE = "511902-2019-001"
PLAN = "511902-2023-009"
GENERATED, ADVANCED, DRAWN = 15064.64, 1600.0, 6000.0
AVAILABLE = 13464.64  # 15064.64 − 1600
LEFT = 7464.64  # 13464.64 − 6000
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
def demo_checked(tmp_path_factory) -> Path:
    """The demo project checked once (``landlink check``, exit 1: its planted errors)."""
    folder = tmp_path_factory.mktemp("demo")
    shutil.copytree(SAMPLES / "bazhong_demo", folder / "bazhong_demo")
    out = folder / "bazhong_demo_checked.gpkg"
    res = run("check", folder / "bazhong_demo" / "project.toml", "-o", out, "-q")
    assert res.exit_code == 1, res.output
    return out


@pytest.fixture
def sample(tmp_path, demo_checked) -> tuple[Path, str]:
    """A copy of the sample with its ledger built by the commands of EXPECTED.md; (folder,
    ledger)."""
    folder = tmp_path / "bazhong_construction_only"
    shutil.copytree(SAMPLES / "bazhong_construction_only", folder)
    ledger = str(folder / "台账.gpkg")
    assert run("ledger", "init", ledger, "--crs", "EPSG:4545").exit_code == 0
    res = run("ledger", "-L", ledger, "add", demo_checked)
    assert res.exit_code == 1 and "refused" in res.output  # the demo's planted error findings
    res = run(
        "ledger",
        "-L",
        ledger,
        "add",
        demo_checked,
        "--force",
        "--reason",
        "示例：演示项目区含预置错误，仅作节余指标来源",
    )
    assert res.exit_code == 0, res.output
    for args in (
        ("status", SOURCE, "--set", "accepted", "--date", "2022-09-15"),
        (
            "quota",
            SOURCE,
            "--record",
            "advanced",
            "--area",
            "1600",
            "--date",
            "2019-08-01",
            "--counterpart",
            "巴中市公共资源交易中心",
        ),
        ("quota", SOURCE, "--record", "generated", "--area", "15064.64", "--date", "2022-09-15"),
    ):
        res = run("ledger", "-L", ledger, *args)
        assert res.exit_code == 0, res.output
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
    demo_expected = (SAMPLES / "bazhong_demo" / "EXPECTED.md").read_text(encoding="utf-8")
    assert (
        f"| surplus_m2 | {GENERATED} |" in demo_expected
        and f"advance_quota_m2 = {ADVANCED}"
        in (SAMPLES / "bazhong_demo" / "project.toml").read_text(encoding="utf-8")
    )
    assert not (SAMPLES / "bazhong_construction_only" / "台账.gpkg").exists()


def test_the_plan_is_checked_and_registered_and_the_draw_recorded(sample, tmp_path):
    folder, ledger = sample
    assert open_ledger(ledger).quota_account(SOURCE).surplus_balance == pytest.approx(
        AVAILABLE, abs=1e-6
    )
    out = tmp_path / "co_checked.gpkg"
    code, findings, balance = check(folder / "project.toml", out)
    # exit 0: no error finding at all; BAL009 passes, no BAL001–BAL005, no overlap with the demo's
    # plots
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
    assert plots.area.sum() == pytest.approx(6000.0, abs=1e-6)
    assert bal.loc[("construction_area", "project"), "area_m2"] == pytest.approx(
        geod_area(plots.geometry), abs=0.01
    )
    assert bal.loc[("construction_area", "project"), "area_m2"] == pytest.approx(
        5997.98, abs=0.005
    )  # EXPECTED.md
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
    assert (acc.generated, acc.advanced, acc.traded, acc.drawn) == (GENERATED, ADVANCED, 0.0, DRAWN)
    assert acc.surplus_balance == pytest.approx(AVAILABLE - DRAWN, abs=1e-6) == LEFT
    assert led.quota_account(PLAN).lent == 0.0  # the plan borrows no turnover quota
    res = run("ledger", "-L", ledger, "quota", SOURCE)
    assert res.exit_code == 0
    assert [ln.split()[-1] for ln in res.output.splitlines() if "surplus balance" in ln] == [
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
        [SOURCE, 13464.65, pytest.approx(AVAILABLE, abs=1e-6)]
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
    # first plan's plots)
    second = tmp_path / "second"
    shutil.copytree(SAMPLES / "bazhong_construction_only", second)
    plots = gpd.read_file(second / "建新地块.shp", encoding="GBK")
    plots = plots[plots["DKBH"] == "JX002"].copy()
    plots["geometry"] = plots.geometry.translate(0.0, 150.0)
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
    assert errors["measured"].tolist() == [7464.65] and errors["threshold"].tolist() == [
        pytest.approx(LEFT, abs=1e-6)
    ]
    assert (
        "7464.64" in errors["message"].iloc[0]
        and "drawn by other plans 6000.00" in errors["message"].iloc[0]
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
    assert "exceeds its surplus quota still available 7464.64 m²" in res.output
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
