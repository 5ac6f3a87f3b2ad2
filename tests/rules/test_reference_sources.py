"""Reference layers from FileGDB, GeoParquet and PostGIS: same findings as from the GeoPackage.

The sample ``bazhong_demo`` keeps its reference layers in ``reference.gpkg``. Here they are
copied into a FileGDB (OpenFileGDB driver), GeoParquet files and PostGIS tables, a copy of the
project TOML is pointed at them, and the overlap/planning findings must be the same as those of
the GeoPackage path. The extent filter (only features near the plots are read) is checked on
each source with a feature planted far away.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from landlink_gis.io.formats import read_vector
from landlink_gis.run.runner import check
from tests.support import SAMPLES
from tests.support.geoms import CRS, rect

DEMO = SAMPLES / "bazhong_demo"
RULES = [
    "OVL001",
    "OVL003",
    "OVL004",
    "PLAN001",
    "PLAN002",
    "PLAN003",
    "PLAN004",
    "PLAN005",
    "PLAN007",
]
FAR = shapely.box(900_000.0, 3_900_000.0, 900_100.0, 3_900_100.0)  # ~500 km from the plots


def reference_layers() -> dict[str, gpd.GeoDataFrame]:
    """The sample's reference layers (GeoPackage layer name → frame)."""
    path = DEMO / "reference.gpkg"
    return {
        str(name): gpd.read_file(path, layer=str(name)) for name in pyogrio.list_layers(path)[:, 0]
    }


def retarget(folder: Path, section_lines) -> Path:
    """Copy the sample's TOML into ``folder`` with plot/raster paths absolute and each
    ``reference.gpkg`` layer replaced by ``section_lines(layer_name)``."""
    text = (DEMO / "project.toml").read_text(encoding="utf-8")

    def replace_ref(m: re.Match) -> str:
        return "\n".join(section_lines(m.group(1))) + "\n"

    text = re.sub(r'path = "reference\.gpkg"\nlayer = "(\w+)"\n', replace_ref, text)
    text = re.sub(
        r'path = "([^"/]+\.(?:shp|tif))"',
        lambda m: f'path = "{(DEMO / m.group(1)).as_posix()}"',
        text,
    )
    assert "reference.gpkg" not in text
    out = folder / "project.toml"
    out.write_text(text, encoding="utf-8")
    return out


def summary(findings: gpd.GeoDataFrame) -> list[tuple]:
    """Comparable findings: feature-number ids (#n depend on read order) are masked."""
    rows = [
        (
            r.rule_id,
            r.severity,
            r.layer,
            r.plot_id,
            re.sub(r"#\d+", "#", r.other_id),
            round(float(r.measured), 2),
        )
        for r in findings.itertuples()
        if r.rule_id in RULES
    ]
    return sorted(rows)


@pytest.fixture(scope="module")
def baseline():
    result = check(DEMO / "project.toml", rules=RULES)
    rows = summary(result.findings)
    assert {r[0] for r in rows} >= {
        "OVL001",
        "OVL003",
        "OVL004",
        "PLAN001",
        "PLAN002",
        "PLAN003",
        "PLAN004",
        "PLAN007",
    }
    counts = {
        role: meta["features"]
        for role, meta in result.run_info["inputs"].items()
        if not role.startswith("raster:")
    }
    assert counts["landuse"] < len(reference_layers()["landuse"])  # the GPKG read is filtered too
    return rows, counts


def assert_same(result, baseline) -> None:
    """Same findings and the same features read per layer (so the far feature was never read)."""
    rows, counts = baseline
    assert summary(result.findings) == rows
    assert {
        role: meta["features"]
        for role, meta in result.run_info["inputs"].items()
        if not role.startswith("raster:")
    } == counts


def with_far_feature(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    far = gdf.iloc[:1].copy()
    far["geometry"] = (
        [shapely.MultiPolygon([FAR])] if gdf.geom_type.iloc[0] == "MultiPolygon" else [FAR]
    )
    out = gpd.GeoDataFrame(
        np.concatenate([gdf.to_numpy(), far.to_numpy()]),
        columns=gdf.columns,
        geometry="geometry",
        crs=gdf.crs,
    )
    return out.astype({c: gdf[c].dtype for c in gdf.columns if c != "geometry"})


def test_filegdb_reference_layers(tmp_path, baseline):
    drivers = pyogrio.list_drivers()
    assert "w" in drivers.get("OpenFileGDB", ""), "GDAL ≥ 3.6 writes OpenFileGDB"
    gdb = tmp_path / "reference.gdb"
    for name, gdf in reference_layers().items():
        pyogrio.write_dataframe(with_far_feature(gdf), gdb, layer=name, driver="OpenFileGDB")
    toml = retarget(tmp_path, lambda layer: [f'path = "{gdb.as_posix()}"', f'layer = "{layer}"'])
    result = check(toml, rules=RULES)
    assert_same(result, baseline)
    assert result.run_info["inputs"]["landuse"]["sha256"]  # a folder source is hashed too


@pytest.mark.parametrize("covering", [False, True], ids=["wkb", "bbox-covering"])
def test_geoparquet_reference_layers(tmp_path, baseline, covering):
    refs = reference_layers()
    for name, gdf in refs.items():
        with_far_feature(gdf).to_parquet(tmp_path / f"{name}.parquet", write_covering_bbox=covering)
    toml = retarget(
        tmp_path, lambda layer: [f'path = "{(tmp_path / f"{layer}.parquet").as_posix()}"']
    )
    assert_same(check(toml, rules=RULES), baseline)


def test_geoparquet_bbox_read_in_batches(tmp_path):
    n = 200_000
    x = np.arange(n, dtype=float) * 10.0
    gdf = gpd.GeoDataFrame(
        {"id": np.arange(n), "name": [f"f{i}" for i in range(n)]},
        geometry=shapely.box(x, 0, x + 5, 5),
        crs=CRS,
    )
    gdf.loc[7, "geometry"] = None
    path = tmp_path / "big.parquet"
    gdf.to_parquet(path)
    got = read_vector(role="landuse", path=path, bbox=(1000.0, 0.0, 1_000_000.0, 1.0), bbox_crs=CRS)
    expected = gdf[gdf.intersects(shapely.box(1000.0, 0.0, 1_000_000.0, 1.0))]
    assert list(got["id"]) == list(expected["id"])
    assert list(got.columns) == ["id", "name", "geometry"] and got.crs == gdf.crs
    assert got.geometry.equals(expected.geometry.reset_index(drop=True))
    # bbox given in another CRS is transformed to the file's
    lonlat = (
        gpd.GeoSeries([shapely.box(0.0, 0.0, 1000.0, 1.0)], crs=CRS)
        .to_crs("EPSG:4490")
        .total_bounds
    )
    near = read_vector(role="landuse", path=path, bbox=tuple(lonlat), bbox_crs="EPSG:4490")
    assert 90 <= len(near) <= 110
    empty = read_vector(
        role="landuse", path=path, bbox=(-500.0, -500.0, -400.0, -400.0), bbox_crs=CRS
    )
    assert len(empty) == 0 and list(empty.columns) == ["id", "name", "geometry"]


def test_plain_parquet_is_a_clear_error(tmp_path):
    import pandas as pd

    from landlink_gis.base.errors import DataSourceError

    pd.DataFrame({"a": [1, 2]}).to_parquet(tmp_path / "plain.parquet")
    with pytest.raises(DataSourceError, match="GeoParquet"):
        read_vector(
            role="landuse", path=tmp_path / "plain.parquet", bbox=(0, 0, 1, 1), bbox_crs=CRS
        )


def test_filegdb_bbox_filter(tmp_path):
    gdf = gpd.GeoDataFrame({"BSM": ["a", "b"]}, geometry=[rect(0, 0, 10, 10), FAR], crs=CRS)
    gdb = tmp_path / "x.gdb"
    pyogrio.write_dataframe(gdf, gdb, layer="t", driver="OpenFileGDB")
    near = read_vector(
        role="landuse", path=gdb, layer="t", bbox=tuple(rect(-5, -5, 30, 30).bounds), bbox_crs=CRS
    )
    assert list(near["BSM"]) == ["a"]


@pytest.mark.parametrize("source", ["table", "sql"])
def test_postgis_reference_layers(tmp_path, baseline, postgis_url, source):
    from landlink_gis.base.redaction import url_password
    from landlink_gis.io.postgis import write_postgis

    tables = {}
    for name, gdf in reference_layers().items():
        table = f"demo_ref_{name}"
        write_postgis(with_far_feature(gdf), postgis_url, table, if_exists="replace")
        tables[name] = table

    def entry(layer: str) -> list[str]:
        if source == "table":
            return [f'url = "{postgis_url}"', f'table = "{tables[layer]}"']
        return [
            f'url = "{postgis_url}"',
            f'sql = "SELECT * FROM {tables[layer]} -- one read-only query;"',
        ]

    toml = retarget(tmp_path, entry)
    result = check(toml, rules=RULES)
    assert_same(result, baseline)
    secret = url_password(postgis_url)
    if secret:
        assert secret not in repr(result.run_info)
        assert not result.findings["message"].str.contains(secret, regex=False).any()
