"""Check every GeoPackage a test writes: GDAL's validator, then a re-read with pyogrio and fiona.

Use :func:`assert_valid_gpkg` on each file a test writes, or the ``validated_gpkg`` fixture.
The validator (``osgeo_utils.samples.validate_gpkg``, from ``pip install --no-deps gdal-utils``,
done by ``make venv``) needs only sqlite3; ``-k`` skips the check that needs GDAL's bindings.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import fiona
import geopandas as gpd
import pandas as pd
import pyogrio
import pytest


def run_validator(path: str | Path) -> subprocess.CompletedProcess:
    """Run GDAL's GeoPackage validator on ``path`` (``-k --extra``) and return the process."""
    return subprocess.run(
        [sys.executable, "-m", "osgeo_utils.samples.validate_gpkg", "-k", "--extra", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_valid_gpkg(path: str | Path) -> dict[str, pd.DataFrame]:
    """Assert ``path`` passes the validator and reads back with pyogrio and fiona alike.

    Returns
    -------
    dict
        Layer name → the frame read with pyogrio.
    """
    path = Path(path)
    assert path.exists(), f"{path} was not written"
    proc = run_validator(path)
    assert proc.returncode == 0, f"validate_gpkg failed on {path}:\n{proc.stdout}\n{proc.stderr}"
    frames: dict[str, pd.DataFrame] = {}
    names = [str(n) for n, _ in pyogrio.list_layers(path)]
    assert sorted(names) == sorted(fiona.listlayers(path)), "pyogrio and fiona see different layers"
    for name in names:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # GDAL notes on attribute-only layers
            frame = pyogrio.read_dataframe(path, layer=name)
        with fiona.open(path, layer=name) as src:
            records = list(src)
            schema_fields = list(src.schema["properties"])
        assert len(records) == len(frame), (
            f"{name}: fiona reads {len(records)} rows, pyogrio {len(frame)}"
        )
        columns = [c for c in frame.columns if c != "geometry"]
        assert schema_fields == columns, (
            f"{name}: fiona fields {schema_fields} != pyogrio {columns}"
        )
        if isinstance(frame, gpd.GeoDataFrame) and len(records):
            assert all(r.geometry is not None for r in records) == bool(
                frame.geometry.notna().all()
            )
        frames[name] = frame
    return frames


@pytest.fixture
def validated_gpkg():
    """The :func:`assert_valid_gpkg` checker as a fixture."""
    return assert_valid_gpkg
