"""The notebooks are stored without outputs and in step with their jupytext ``.py`` pairs.

They are executed by ``make test`` (``pytest --nbmake notebooks``).
"""

from __future__ import annotations

import jupytext
import nbformat
import pytest

from tests.support import REPO

NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_exist():
    assert [p.name for p in NOTEBOOKS] == [
        "01_quickstart.ipynb",
        "02_rules_and_profiles.ipynb",
        "03_batch_and_scale.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_outputs_stripped(path):
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (
                f"{path.name}: clear the outputs before saving"
            )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_paired_script_in_step(path):
    nb = jupytext.read(path)
    script = jupytext.read(path.with_suffix(".py"))
    assert [(c.cell_type, c.source) for c in nb.cells] == [
        (c.cell_type, c.source) for c in script.cells
    ], f"{path.name} and {path.stem}.py differ; run `jupytext --sync notebooks/{path.name}`"
