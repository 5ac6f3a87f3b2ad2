"""Run every hostile-input case through ``landlink check`` and check the guarantees.

For each case: the expected exit code and message fragments or findings; no traceback and no
"internal error"; every input byte-identical afterwards (SHA-256 of every file before and after);
no output file (and no temporary file) when the run failed; no secret in the output.
"""

from __future__ import annotations

import hashlib
import json
import math
import sqlite3
import time
import warnings
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from landlink_gis.cli.main import cli
from tests.support.gpkg_validate import run_validator

from .cases import CASES, Case, case_id
from .make_corpus import SECRET, build


def _hashes(root: Path) -> dict[str, str]:
    """SHA-256 of every input file under ``root`` (the output folder excluded)."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "out" not in p.relative_to(root).parts
    }


def _read(path: Path, layer: str) -> gpd.GeoDataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NaN coordinates in the NaN/inf case
        return gpd.read_file(path, layer=layer)


def _findings(out: Path) -> pd.DataFrame:
    return pd.concat([_read(out, "findings"), _read(out, "finding_points")], ignore_index=True)


def _run_info(out: Path) -> dict[str, str]:
    table = _read(out, "run_info")
    return dict(zip(table["key"], table["value"], strict=True))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_case(case: Case, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    kwargs = {"pg_url": request.getfixturevalue("postgis_url")} if case.needs_postgis else {}
    toml = build(case.name, tmp_path, **kwargs)
    out = tmp_path / "out" / "checked.gpkg"
    before = _hashes(tmp_path)
    assert before, "the case wrote no inputs"
    args = [a.replace("{in}", str(tmp_path / "in")) for a in case.args]
    if "-o" not in args:
        args += ["-o", str(out)]
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["check", str(toml), "--lang", "en", *args])
    elapsed = time.monotonic() - start
    text = result.output
    if case.max_seconds is not None:
        assert elapsed < case.max_seconds, f"took {elapsed:.2f} s"
    assert result.exit_code == case.exit_code, text
    assert "Traceback" not in text and "internal error" not in text, text
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), repr(result.exception)
    assert _hashes(tmp_path) == before, "an input file changed"
    assert SECRET not in text

    if case.exit_code == 2:
        for fragment in case.fragments:
            assert fragment in text, f"{fragment!r} not in: {text}"
        assert text.startswith("landlink: error: ")
        leftovers = list((tmp_path / "out").glob("*")) if (tmp_path / "out").exists() else []
        assert leftovers == [], leftovers
        assert len(_hashes(tmp_path)) == len(before)
        return

    assert out.exists()
    assert SECRET.encode() not in out.read_bytes()
    validation = run_validator(out)  # GDAL's GeoPackage validator passes on every output
    assert validation.returncode == 0, validation.stdout + validation.stderr
    assert [p.name for p in out.parent.iterdir()] == [out.name], (
        "temporary files left beside the output"
    )
    findings = _findings(out)
    present = set(findings["rule_id"]) | {
        f"{r}:{s}" for r, s in zip(findings["rule_id"], findings["severity"], strict=True)
    }
    for rule_id in case.rules:
        assert rule_id in present, f"{rule_id} missing; findings: {sorted(present)}"
    if case.exit_code == 0:
        assert not (findings["severity"] == "error").any()
    # never silently clean: what was not checked is said
    assert (findings["severity"] == "info").any()
    if case.extra:
        EXTRA[case.extra](out, findings, tmp_path)


# ----------------------------------------------------------------------------- extra checks
def _gbk_text(out: Path, findings: pd.DataFrame, root: Path) -> None:
    plots = _read(out, "demolition_plots")
    assert list(plots["DKMC"]) == [f"拆旧地块{i}" for i in range(3)]


def _gbk_text_overruled(out: Path, findings: pd.DataFrame, root: Path) -> None:
    _gbk_text(out, findings, root)
    meta = json.loads(_run_info(out)["input.demolition"])
    assert meta["encoding"] == "GBK"
    assert "demolition.cpg" in meta["encoding_note"]


def _geos_location(out: Path, findings: pd.DataFrame, root: Path) -> None:
    row = findings[(findings["rule_id"] == "GEOM001") & (findings["severity"] == "error")].iloc[0]
    assert "Self-intersection" in row["message"]
    # the bow-tie of tests/geoms.py moved 200 m north crosses itself at its centre
    assert row.geometry.x == pytest.approx(382_010.0) and row.geometry.y == pytest.approx(
        3_525_210.0
    )


def _unclosed(out: Path, findings: pd.DataFrame, root: Path) -> None:
    row = findings[findings["rule_id"] == "GEOM001"].iloc[0]
    assert row["plot_id"] == "CJ002" and "ring not closed" in row["message"]
    plots = _read(out, "demolition_plots")
    assert plots.geometry.iloc[1].area == pytest.approx(1600.0)  # the 40 m square, closed


def _nan_inf(out: Path, findings: pd.DataFrame, root: Path) -> None:
    rows = findings[findings["rule_id"] == "GEOM001"]
    assert sorted(rows["plot_id"]) == ["CJ002", "CJ003"]
    assert all("Invalid Coordinate" in m for m in rows["message"])
    plots = _read(out, "demolition_plots")
    assert (
        plots["ll_area_m2"].iloc[1:].isna().all()
    )  # no area (NULL, never 0) for a plot without finite coordinates
    assert plots["ll_area_m2"].iloc[0] > 0


def _repaired(out: Path, findings: pd.DataFrame, root: Path) -> None:
    info = findings[(findings["rule_id"] == "GEOM001") & (findings["severity"] == "info")].iloc[0]
    assert "make_valid" in info["message"] and info["unit"] == "m2"
    # a 20 m bow-tie: its signed area cancels to 0 before, two 100 m² triangles after
    assert info["threshold"] == pytest.approx(0.0, abs=1e-6)
    assert info["measured"] == pytest.approx(200.0, rel=2e-3)
    plots = _read(out, "demolition_plots")
    geom = plots.geometry.iloc[1]
    assert geom.is_valid and geom.geom_type == "MultiPolygon" and geom.area == pytest.approx(200.0)
    assert json.loads(_run_info(out)["repair"]) is True


def _curve_area(out: Path, findings: pd.DataFrame, root: Path) -> None:
    plots = _read(out, "demolition_plots")
    geom = plots.geometry.iloc[1]
    assert geom.geom_type in ("Polygon", "MultiPolygon") and geom.is_valid
    # the CircularString circle of radius 20 m, linearised: π r² within 0.5 %
    assert geom.area == pytest.approx(math.pi * 20.0**2, rel=5e-3)
    assert plots["ll_area_m2"].iloc[1] == pytest.approx(math.pi * 20.0**2, rel=5e-3)


def _outside_recorded(out: Path, findings: pd.DataFrame, root: Path) -> None:
    info = _run_info(out)
    assert json.loads(info["input.demolition"])["outside_project_folder"] is True
    assert json.loads(info["input.construction"])["outside_project_folder"] is False
    con = sqlite3.connect(out)
    try:
        assert con.execute("SELECT count(*) FROM demolition_plots").fetchone()[0] == 3
    finally:
        con.close()


def _wal_edit_read(out: Path, findings: pd.DataFrame, root: Path) -> None:
    from .make_corpus2 import EDITED

    plots = _read(out, "demolition_plots")
    assert len(plots) == 3
    assert list(plots["DKMC"]) == [
        "拆旧地块0",
        EDITED,
        "拆旧地块2",
    ]  # the edit still in the -wal is read
    assert (root / "in" / "demolition.gpkg-wal").stat().st_size > 0


def _plan006(findings: pd.DataFrame, severity: str) -> pd.DataFrame:
    rows = findings[(findings["rule_id"] == "PLAN006") & (findings["severity"] == severity)]
    assert len(rows) == 3, rows
    return rows


def _slope_31deg(out: Path, findings: pd.DataFrame, root: Path) -> None:
    rows = _plan006(findings, "error")  # to be reclaimed to 旱地 (0103) on a 31° slope
    # the plane z = 0.6·E, written on a grid in degrees: atan(0.6) after warping to metres
    assert rows["measured"].to_numpy() == pytest.approx(math.degrees(math.atan(0.6)), abs=0.3)


def _not_on_raster(out: Path, findings: pd.DataFrame, root: Path) -> None:
    rows = _plan006(findings, "info")
    assert rows["measured"].isna().all()


def _polygonal_only(out: Path, findings: pd.DataFrame, root: Path) -> None:
    """A point and a line plot keep their rows with a null geometry; the file passes GDAL's
    validator."""
    proc = run_validator(out)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    plots = _read(out, "demolition_plots")
    assert list(plots["DKBH"]) == ["CJ001", "CJ002", "CJ003", "CJ004"]
    assert list(plots.geometry.isna()) == [False, True, True, False]
    assert set(plots.geometry.dropna().geom_type) == {"MultiPolygon"}
    assert list(plots["ll_status"].iloc[1:3]) == ["error", "error"]
    geom003 = findings[findings["rule_id"] == "GEOM003"]
    assert sorted(geom003["plot_id"]) == ["CJ002", "CJ003"]


def _three_plots_read(out: Path, findings: pd.DataFrame, root: Path) -> None:
    plots = _read(out, "demolition_plots")
    assert list(plots["DKBH"]) == ["CJ001", "CJ002", "CJ003"]
    assert len(_read(out, "construction_plots")) == 2
    assert _run_info(out)["project_code"] == "HOSTILE-001"


EXTRA = {
    "three_plots_read": _three_plots_read,
    "polygonal_only": _polygonal_only,
    "wal_edit_read": _wal_edit_read,
    "slope_31deg": _slope_31deg,
    "not_on_raster": _not_on_raster,
    "gbk_text": _gbk_text,
    "gbk_text_overruled": _gbk_text_overruled,
    "geos_location": _geos_location,
    "unclosed": _unclosed,
    "nan_inf": _nan_inf,
    "repaired": _repaired,
    "curve_area": _curve_area,
    "outside_recorded": _outside_recorded,
}


def test_corpus_is_deterministic(tmp_path: Path) -> None:
    """The seeded generator writes byte-identical layer files on every run (GeoPackages differ by
    timestamps)."""
    a, b = build("dbf_gbk_no_cpg", tmp_path / "a"), build("dbf_gbk_no_cpg", tmp_path / "b")
    assert _hashes(a.parent) == _hashes(b.parent)


def test_every_builder_has_a_case() -> None:
    from .make_corpus import BUILDERS

    assert {c.name for c in CASES} == set(BUILDERS)
