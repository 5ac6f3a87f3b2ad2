"""Small projects for the ledger tests: checked GeoPackages with hand-known plots."""

from __future__ import annotations

import datetime as dt
import sys
import uuid
from pathlib import Path

import shapely

import landlink_gis as ll
from landlink_gis.run.runner import check
from tests.support.geoms import square
from tests.support.helpers import filing_inputs, frame, write_project

REPO = Path(__file__).resolve().parents[2]
#: the day the fixtures' checks are made: after approval (2021-03-01) and acceptance
#: (2023-06-01), before any deadline, so that no time rule fires by the day of the run
TODAY = dt.date(2023, 6, 2)


def ledger_location(kind: str, tmp_path: Path, request) -> str:
    """A fresh ledger location of ``kind`` (``gpkg`` or ``postgis``; a new schema per test)."""
    if kind == "gpkg":
        return str(tmp_path / "ledger.gpkg")
    url = request.getfixturevalue("postgis_url")
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}schema=t_{uuid.uuid4().hex[:12]}"


def project(
    folder: Path,
    code: str,
    demolition: list[tuple],
    construction: list[tuple],
    *,
    facts: dict | None = None,
    ledger: str | None = None,
    extra_layers: dict | None = None,
) -> Path:
    """A project TOML: ``demolition`` rows ``(id, geometry)``, ``construction`` rows ``(id,
    geometry, kind)``."""
    demo = frame(
        [{"DKBH": pid, "DLBM": "0702", "FKDL": "0103", "geometry": g} for pid, g in demolition]
    )
    cons = frame(
        [
            {"DKBH": pid, "DLBM": "0103", "JXLX": kind, "geometry": g}
            for pid, g, kind in construction
        ]
    )
    layers, rasters = with_filing_inputs(
        folder, {"demolition": demo, "construction": cons, **(extra_layers or {})}
    )
    facts = {
        "code": code,
        "name": f"项目 {code}",
        "approved": "2021-03-01",
        "profile": "sichuan",
        "poverty_county": True,
        **(facts or {}),
    }
    path = write_project(folder, layers, project=facts, fmt="gpkg", rasters=rasters)
    if ledger:
        with path.open("a", encoding="utf-8") as fh:
            fh.write(f'\n[ledger]\n{"url" if "://" in ledger else "path"} = "{ledger}"\n')
    return path


def with_filing_inputs(folder: Path, layers: dict) -> tuple[dict, dict]:
    """``layers`` with the reference layers and the DEM filing requires (away from or around the
    plots, :func:`tests.support.helpers.filing_inputs`) where not given: (layers, rasters). A
    check of them is complete, so that ``ledger add``/``accept`` take it (its verdict is
    可以报备, or 须整改 where a test plants an error)."""
    plots = {k: v for k, v in layers.items() if k in ("demolition", "construction") and len(v)}
    references, rasters = filing_inputs(folder, plots)
    if "demolition" not in plots:  # a construction-only plan: no 占补平衡 layer (nothing to meet)
        references.pop("compensation")
    # the land survey shows each plot's declared class (the hand figures use them), 0702 around
    cover = references["landuse"].geometry.iloc[0]
    rows = [
        {"BSM": f"L{i}", "DLBM": str(cls), "geometry": g}
        for i, (cls, g) in enumerate(
            (c, g)
            for frame_ in plots.values()
            for c, g in zip(frame_["DLBM"], frame_.geometry, strict=True)
        )
    ]
    rest = shapely.difference(cover, shapely.union_all([r["geometry"] for r in rows]))
    references["landuse"] = frame([{"BSM": "L", "DLBM": "0702", "geometry": rest}, *rows])
    return {**layers, **{k: v for k, v in references.items() if k not in layers}}, rasters


def complete_check(toml: Path, **options):
    """``check(toml)`` with every rule, on :data:`TODAY`; asserts that it is complete."""
    result = check(toml, today=TODAY, **options)
    assert result.run_info["verdict"] != "incomplete", result.run_info["verdict_missing"]
    return result


def checked(folder: Path, code: str, demolition, construction, **kwargs) -> Path:
    """Check a small project and write its checked GeoPackage; returns the .gpkg path."""
    toml = project(folder, code, demolition, construction, **kwargs)
    out = folder / f"{code}_checked.gpkg"
    ll.write_gpkg(complete_check(toml), out)
    return out


def grid_project(folder: Path, code: str, x0: float, n: int = 3) -> Path:
    """``n`` 40 m demolition squares and one 30 m resettlement square starting at ``x0`` (m)."""
    demo = [(f"CJ{i + 1:03d}", square(x0 + 100 * i, 0, 40)) for i in range(n)]
    cons = [("JX001", square(x0, 200, 30), "安置")]
    return checked(folder, code, demo, cons)


def acceptance_checked(
    folder: Path,
    code: str,
    demolition,
    construction,
    *,
    accepted: str = "2023-06-01",
    survey_after: list[dict] | None = None,
    facts: dict | None = None,
) -> Path:
    """The acceptance check of a project registered with :func:`checked` (same plots):
    ``survey_after`` rows (``geometry``, ``DLBM``, ``QSXZ``, ``KCXS``, ``GDDB``) default to each
    demolition plot reclaimed to 0103, collectively owned (30), KCXS 0.1, grade 8."""
    rows = survey_after
    if rows is None:
        rows = [
            {"BSM": f"S{pid}", "DLBM": "0103", "QSXZ": "30", "KCXS": 0.1, "GDDB": 8, "geometry": g}
            for pid, g in demolition
        ]
    toml = project(
        folder,
        code,
        demolition,
        construction,
        facts={"stage": "acceptance", "accepted": accepted, **(facts or {})},
        extra_layers={"survey_after": frame(rows)},
    )
    out = folder / f"{code}_accepted.gpkg"
    ll.write_gpkg(complete_check(toml), out)
    return out


def grid_plots(x0: float, n: int = 3):
    """The plots of :func:`grid_project`: (demolition rows, construction rows)."""
    demo = [(f"CJ{i + 1:03d}", square(x0 + 100 * i, 0, 40)) for i in range(n)]
    cons = [("JX001", square(x0, 200, 30), "安置")]
    return demo, cons


CLI = [sys.executable, "-m", "landlink_gis.cli.main"]
