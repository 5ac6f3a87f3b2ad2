"""Reading layers: formats, shapefile encodings (.cpg, explicit, detected), field mapping."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from landlink_gis.base.errors import DataSourceError
from landlink_gis.io.formats import read_layer, read_vector
from landlink_gis.io.vector import detect_dbf_encoding
from tests.support.geoms import CRS, square
from tests.support.helpers import file_hashes, write_with_pending_wal

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


# ----------------------------------------------------------------------------- hostile paths and
# parts
def test_non_regular_paths_are_refused_before_any_open(tmp_path):
    import os
    import socket
    import time

    from landlink_gis.io.formats import ensure_readable_source, file_sha256

    fifo = tmp_path / "plots.gpkg"
    os.mkfifo(fifo)
    sock_path = tmp_path / "plots.shp"
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(sock_path))
    sock.close()
    (tmp_path / "empty").mkdir()
    start = time.monotonic()
    for path, words in (
        (fifo, "named pipe"),
        ("/dev/zero", "character device"),
        ("/dev/urandom", "character device"),
        (sock_path, "socket"),
        (tmp_path / "empty", "is a folder"),
    ):
        with pytest.raises(DataSourceError, match=words) as err:
            read_vector(role="demolition", path=Path(path))
        assert str(path) in str(err.value) and "layer 'demolition'" in str(err.value)
        with pytest.raises(DataSourceError, match=words):
            ensure_readable_source(path, "demolition")
    for path in (fifo, "/dev/zero"):
        with pytest.raises(DataSourceError, match="not a regular file"):
            file_sha256(path)
    assert time.monotonic() - start < 2.0


def test_shapefile_folder_and_filegdb_folder_are_accepted(tmp_path):
    from landlink_gis.io.formats import ensure_readable_source

    sample_frame().to_file(tmp_path / "plots.shp", encoding="UTF-8")
    assert ensure_readable_source(tmp_path, "demolition") == tmp_path
    gdb = tmp_path / "county.gdb"
    gdb.mkdir()
    (gdb / "a00000001.gdbtable").write_bytes(b"")
    assert ensure_readable_source(gdb, "landuse") == gdb


def test_a_hashing_thread_on_a_fifo_never_keeps_the_process_alive(tmp_path):
    import os
    import subprocess
    import sys

    fifo = tmp_path / "plots.shp"
    os.mkfifo(fifo)
    code = (
        "import sys; from concurrent.futures import ThreadPoolExecutor\n"
        "from landlink_gis.io.formats import file_sha256\n"
        "pool = ThreadPoolExecutor(1); fut = pool.submit(file_sha256, sys.argv[1]); "
        "pool.shutdown(wait=False)\n"
        "print(type(fut.exception(timeout=5)).__name__)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(fifo)], capture_output=True, text=True, timeout=30
    )
    assert done.returncode == 0 and done.stdout.strip() == "DataSourceError", done.stderr


def test_record_counts_of_parts(tmp_path):
    from landlink_gis.io.shapefile import record_counts

    gdf = sample_frame()
    gdf.loc[1, "geometry"] = None  # a null shape is still a record
    gdf.to_file(tmp_path / "plots.shp", encoding="UTF-8")
    assert record_counts(tmp_path / "plots.shp") == (2, 2, 2)
    dbf = tmp_path / "plots.dbf"
    data = bytearray(dbf.read_bytes())
    data[4:8] = (1).to_bytes(4, "little")
    dbf.write_bytes(bytes(data))
    with pytest.raises(DataSourceError, match=r"\.shp 2, \.shx 2, \.dbf 1"):
        read_vector(role="demolition", path=tmp_path / "plots.shp")


def test_gpkg_with_pending_wal_is_read_with_its_edits_and_left_unchanged(tmp_path):
    from landlink_gis.io.chunks import read_vector_chunks
    from landlink_gis.io.formats import list_layers

    path = tmp_path / "plots.gpkg"
    write_with_pending_wal(
        sample_frame(), path, driver="GPKG", edit="UPDATE plots SET DKMC = 'edited' WHERE fid = 2"
    )
    before = file_hashes(tmp_path)
    assert set(before) == {"plots.gpkg", "plots.gpkg-wal", "plots.gpkg-shm"}
    gdf = read_vector(
        role="demolition", path=path, layer="plots", bbox=(-1e7, -1e7, 1e8, 1e8), bbox_crs=CRS
    )
    assert list(gdf["DKMC"]) == [NAMES[0], "edited"]
    assert list_layers(path) == ["plots"]
    chunks = list(read_vector_chunks(path, layer="plots", batch_size=1))
    assert [c["DKMC"].iloc[0] for c in chunks] == [NAMES[0], "edited"]
    assert file_hashes(tmp_path) == before


@pytest.mark.parametrize("cpg", [b"", b"\xff\xfe\x00garbage\x01\x02", b"KOI-99-FOO\r\n", b"   \n"])
def test_unusable_cpg_falls_back_to_detection_with_a_note(tmp_path, cpg):
    path = tmp_path / "plots.shp"
    sample_frame().to_file(path, encoding="GBK")
    (tmp_path / "plots.cpg").write_bytes(cpg)
    gdf, notes = read_layer(role="demolition", path=path)
    assert list(gdf["DKMC"]) == NAMES
    assert notes.encoding == "GBK" and not gdf.attrs  # the notes are typed, not frame.attrs
    assert "plots.cpg" in notes.encoding_note and "GBK" in notes.encoding_note
