"""Text from the inputs never becomes a live formula in a workbook the tool writes.

Plot ids and names that start with ``=``, ``+``, ``-`` or ``@`` (also after spaces, a tab or a
line break) are written with a leading apostrophe in the check's xlsx, the ledger export and the
monthly report; numbers — negative ones included — stay numbers, and text that is just a number
stays as it is.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from landlink_gis.io.spreadsheet import is_formula_like, safe_cell

from .make_corpus import construction, demolition, toml
from .outputs_support import hashes, invoke

HOSTILE = [
    '=HYPERLINK("http://x.invalid","点我")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "  =1+1",
    "\t=1+1",
    "\r=1+1",
    "\u3000=1+1",
]
HARMLESS = ["CJ001", "-12.5", "+3", "拆旧=地块", "1e-3"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_is_neutralised(text: str) -> None:
    assert is_formula_like(text) and safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", [*HARMLESS, -5, -2.5, 0, None])
def test_numbers_and_plain_text_stay(value) -> None:
    assert safe_cell(value) == value if value is not None else safe_cell(value) is None


def _project(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(5)
    n = len(HOSTILE)
    dem = demolition(rng, n=n)
    dem["DKBH"] = HOSTILE
    dem["DKMC"] = HOSTILE[::-1]
    dem["MJ"] = -np.arange(1.0, n + 1)  # negative declared areas: numbers, flagged by ATTR003
    dem.to_file(folder / "demolition.gpkg", layer="demolition", driver="GPKG")
    construction(rng).to_file(folder / "construction.gpkg", layer="construction", driver="GPKG")
    path = toml(folder, {"demolition": "demolition.gpkg", "construction": "construction.gpkg"})
    text = path.read_text(encoding="utf-8").replace(
        'path = "demolition.gpkg"', 'path = "demolition.gpkg"\nfields = { area = "MJ" }'
    )
    path.write_text(text.replace("[project]", "[project]\napproved = 2024-01-10"), encoding="utf-8")
    return path


def _cells(path: Path) -> list:
    wb = load_workbook(path)
    return [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]


def _assert_safe(path: Path) -> list:
    cells = _cells(path)
    for cell in cells:
        assert cell.data_type != "f", (
            f"{cell.coordinate} of {path.name} is a formula: {cell.value!r}"
        )
        if isinstance(cell.value, str):
            assert not is_formula_like(cell.value), f"{cell.coordinate}: {cell.value!r}"
    texts = {c.value for c in cells if isinstance(c.value, str)}
    return [t for t in HOSTILE if "'" + t in texts]


def test_check_xlsx(tmp_path: Path) -> None:
    toml_path = _project(tmp_path)
    before = hashes(tmp_path / "in")
    out = tmp_path / "out" / "c.gpkg"
    result = invoke("check", toml_path, "-o", out, "--xlsx", "-q")
    assert result.exit_code in (0, 1), result.output
    assert hashes(tmp_path / "in") == before
    # the ids (cleaned of leading whitespace by loading) are there, neutralised and readable
    assert set(HOSTILE[:4]) <= set(_assert_safe(out.with_suffix(".xlsx")))
    areas = [
        c.value
        for c in _cells(out.with_suffix(".xlsx"))
        if isinstance(c.value, (int, float)) and c.value < 0
    ]
    assert {-1.0, -2.0, -8.0} <= set(areas)  # the negative declared areas stay numbers


def test_ledger_export_and_monthly_report(tmp_path: Path) -> None:
    toml_path = _project(tmp_path)
    out = tmp_path / "out" / "c.gpkg"
    invoke("check", toml_path, "-o", out, "-q")
    ledger = tmp_path / "ledger.gpkg"
    assert invoke("ledger", "init", ledger, "--crs", "EPSG:4545").exit_code == 0
    added = invoke("ledger", "-L", ledger, "add", out, "--force", "--reason", "=cmd|' /C calc'!A0")
    assert added.exit_code == 0, added.output
    assert invoke("ledger", "-L", ledger, "export", "--xlsx", tmp_path / "e.xlsx").exit_code == 0
    assert set(HOSTILE[:4]) <= set(_assert_safe(tmp_path / "e.xlsx"))
    assert (
        invoke(
            "ledger", "-L", ledger, "report", "--month", "2024-01", "--xlsx", tmp_path / "m.xlsx"
        ).exit_code
        == 0
    )
    _assert_safe(tmp_path / "m.xlsx")
