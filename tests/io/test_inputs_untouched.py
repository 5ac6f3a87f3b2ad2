"""A full check of each bundled sample leaves its input folder exactly as it was: same files,
same bytes.

GDAL likes to leave ``.aux.xml`` statistics beside rasters and GeoPackages it opens; SQLite may
leave
``-wal``/``-shm`` files. None of that may appear beside a user's inputs.
"""

from __future__ import annotations

import hashlib
import shutil

import pytest
from click.testing import CliRunner

from landlink_gis.cli.main import cli
from tests.support import REPO


def _snapshot(folder) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.mark.parametrize("sample", ["bazhong_demo", "bazhong_clean"])
def test_check_leaves_the_input_folder_byte_identical(sample, tmp_path):
    folder = tmp_path / sample
    shutil.copytree(REPO / "data" / "samples" / sample, folder)
    before = _snapshot(folder)
    out = tmp_path / "out" / f"{sample}.gpkg"
    res = CliRunner().invoke(
        cli, ["check", str(folder / "project.toml"), "-o", str(out), "--report", "--xlsx", "-q"]
    )
    assert res.exit_code in (0, 1), res.output
    assert out.exists()
    assert _snapshot(folder) == before
