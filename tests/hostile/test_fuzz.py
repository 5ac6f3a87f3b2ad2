"""The seeded fuzzer (``fuzz.py``) in the normal test run, and pathological sizes in bounded time.

``LANDLINK_FUZZ_CASES`` sets how many seeds run (default 300, about a minute); ``make fuzz``
runs thousands. A failing seed prints its reproducer: ``python tests/hostile/fuzz.py --only SEED
--keep DIR`` writes the damaged project to ``DIR``.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from click.testing import CliRunner

from landlink_gis.cli.main import cli

from .fuzz import KNOWN_FAILURES, case_for, run_case, write_templates

N_CASES = int(os.environ.get("LANDLINK_FUZZ_CASES", "300"))
LIMIT_S = float(os.environ.get("LANDLINK_FUZZ_LIMIT_S", "20"))


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return write_templates(tmp_path_factory.mktemp("fuzz_templates"))


# warnings are printed, not raised, by the real CLI: the in-process run must behave the same
@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("seed", range(N_CASES))
def test_fuzz_case(seed: int, templates: dict[str, Path], tmp_path: Path) -> None:
    outcome = run_case(case_for(seed), templates, tmp_path, limit=LIMIT_S)
    reproducer = (
        f"{outcome.case}: python tests/hostile/fuzz.py --only {seed} --keep DIR\n{outcome.output}"
    )
    if seed in KNOWN_FAILURES:
        assert outcome.problems, (
            f"seed {seed} passes now: remove it from KNOWN_FAILURES ({KNOWN_FAILURES[seed]})"
        )
        return
    assert not outcome.problems, f"{'; '.join(outcome.problems)} — {reproducer}"


def test_fuzz_cases_are_deterministic(templates: dict[str, Path], tmp_path: Path) -> None:
    from .fuzz import build_case

    for seed in (3, 17, 311):
        a = build_case(case_for(seed), templates, tmp_path / f"a{seed}").parent
        b = build_case(case_for(seed), templates, tmp_path / f"b{seed}").parent
        target = case_for(seed).target
        assert (a / target).read_bytes() == (b / target).read_bytes()


def _check(toml: Path, out: Path) -> tuple[int, str, float]:
    start = time.monotonic()
    result = CliRunner().invoke(cli, ["check", str(toml), "--lang", "en", "-o", str(out)])
    return result.exit_code, result.output, time.monotonic() - start


@pytest.mark.filterwarnings("ignore")
def test_polygon_with_a_million_vertices_finishes(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    shutil.copytree(templates["shp"], folder)
    plots = gpd.read_file(folder / "demolition.shp")
    centre = plots.geometry.iloc[0].centroid
    angle = np.linspace(0.0, 2.0 * np.pi, 1_000_000, endpoint=False)
    plots.loc[0, "geometry"] = shapely.Polygon(
        np.column_stack([centre.x + 20 * np.cos(angle), centre.y + 20 * np.sin(angle)])
    )
    plots.to_file(folder / "demolition.shp", encoding="UTF-8")
    code, text, seconds = _check(folder / "project.toml", tmp_path / "out.gpkg")
    assert code in (0, 1) and "Traceback" not in text, text
    assert seconds < 60.0
    checked = gpd.read_file(tmp_path / "out.gpkg", layer="demolition_plots")
    assert len(checked) == 3
    assert checked["ll_area_m2"].iloc[0] == pytest.approx(np.pi * 20.0**2, rel=1e-3)


@pytest.mark.filterwarnings("ignore")
def test_coordtxt_declaring_a_billion_points_finishes(
    templates: dict[str, Path], tmp_path: Path
) -> None:
    folder = tmp_path / "in"
    shutil.copytree(templates["txt"], folder)
    txt = folder / "demolition.txt"
    lines = txt.read_bytes().split(b"\n")
    first = next(i for i, line in enumerate(lines) if line.rstrip(b"\r").endswith(b",@"))
    lines[first] = b"1000000000" + lines[first][lines[first].index(b",") :]
    txt.write_bytes(b"\n".join(lines))
    code, text, seconds = _check(folder / "project.toml", tmp_path / "out.gpkg")
    assert code in (0, 1, 2) and "Traceback" not in text and "internal error" not in text, text
    assert seconds < 20.0
