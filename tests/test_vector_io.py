"""Reading layers: formats, shapefile encodings (.cpg, explicit, detected), field mapping."""

from __future__ import annotations

import geopandas as gpd
import pytest

from geoms import CRS, square
from landlink_gis.errors import DataSourceError
from landlink_gis.io.vector import detect_dbf_encoding, read_vector

NAMES = ["王家湾村宅基地", "李家沟村宅基地"]


def sample_frame():
    return gpd.GeoDataFrame(
        {"DKBH": ["CJ1", "CJ2"], "DKMC": NAMES, "DLBM": ["0702", "0702"], "MJ": [400.0, 100.0]},
        geometry=[square(0, 0, 20), square(100, 0, 10)],
        crs=CRS,
    )


@pytest.mark.parametrize("suffix", [".shp", ".gpkg", ".geojson", ".parquet"])
def test_formats_round_trip(tmp_path, suffix):
    path = tmp_path / f"plots{suffix}"
    gdf = sample_frame()
    if suffix == ".parquet":
        gdf.to_parquet(path)
    else:
        gdf.to_file(path, encoding="UTF-8") if suffix == ".shp" else gdf.to_file(path)
    got = read_vector(role="demolition", path=path)
    assert list(got["DKMC"]) == NAMES
    assert got.geometry.area.round(6).tolist() == [400.0, 100.0]


def _gbk_shapefile(tmp_path, *, cpg: str | None):
    path = tmp_path / "gbk.shp"
    sample_frame().to_file(path, encoding="GBK")
    cpg_path = path.with_suffix(".cpg")
    if cpg is None:
        cpg_path.unlink(missing_ok=True)
    else:
        cpg_path.write_text(cpg)
    return path


def test_gbk_with_cpg(tmp_path):
    path = _gbk_shapefile(tmp_path, cpg="GBK")
    assert list(read_vector(role="demolition", path=path)["DKMC"]) == NAMES


def test_gbk_detected_without_cpg(tmp_path):
    path = _gbk_shapefile(tmp_path, cpg=None)
    assert detect_dbf_encoding(path.with_suffix(".dbf")) in ("GBK", "GB18030")
    assert list(read_vector(role="demolition", path=path)["DKMC"]) == NAMES


def test_explicit_encoding_wins(tmp_path):
    path = _gbk_shapefile(tmp_path, cpg=None)
    assert list(read_vector(role="demolition", path=path, encoding="GB18030")["DKMC"]) == NAMES


def test_utf8_detected(tmp_path):
    path = tmp_path / "u.shp"
    sample_frame().to_file(path, encoding="UTF-8")
    path.with_suffix(".cpg").unlink(missing_ok=True)
    assert detect_dbf_encoding(path.with_suffix(".dbf")) == "UTF-8"
    assert list(read_vector(role="demolition", path=path)["DKMC"]) == NAMES


def test_missing_file_and_layer(tmp_path):
    with pytest.raises(DataSourceError, match="file not found"):
        read_vector(role="demolition", path=tmp_path / "none.shp")
    gpkg = tmp_path / "ref.gpkg"
    sample_frame().to_file(gpkg, layer="compensation")
    with pytest.raises(DataSourceError, match="has no layer 'dltb'.*compensation"):
        read_vector(role="landuse", path=gpkg, layer="dltb")


def test_shapefile_without_dbf(tmp_path):
    path = tmp_path / "p.shp"
    sample_frame().to_file(path)
    path.with_suffix(".dbf").unlink()
    with pytest.raises(DataSourceError, match=r"missing its \.dbf"):
        read_vector(role="demolition", path=path)


def test_bbox_reads_only_the_extent(tmp_path):
    gpkg = tmp_path / "ref.gpkg"
    sample_frame().to_file(gpkg, layer="ref")
    b = square(95, -5, 20).bounds
    got = read_vector(role="compensation", path=gpkg, layer="ref", bbox=b)
    assert list(got["DKBH"]) == ["CJ2"]
