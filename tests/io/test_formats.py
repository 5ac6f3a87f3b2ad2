"""The reader table (io/formats.py): every place that dispatches on an input format asks it."""

from __future__ import annotations

import dataclasses
import re
import sqlite3

import geopandas as gpd
import pytest
import shapely

from landlink_gis.io import formats
from landlink_gis.io.chunks import read_vector_chunks
from landlink_gis.io.formats import (
    CHUNKABLE_SUFFIXES,
    FORMATS,
    VECTOR_SUFFIXES,
    ReadNotes,
    file_sha256,
    format_of,
    is_chunkable,
    read_layer,
    sidecar_files,
)
from tests.support import REPO
from tests.support.geoms import CRS, square
from tests.support.helpers import file_hashes, write_with_pending_wal

SRC = REPO / "src" / "landlink_gis"
#: suffix literals of input formats and of the files beside them; only the table (and the
#: shapefile module, the reader of a shapefile's parts) may name them
_INPUT_SUFFIX = re.compile(
    r"""["']\.(shp|shx|dbf|qix|sbn|sbx|parquet|geoparquet|geojson|json|fgb|gdb|gdbtable"""
    r"""|sqlite|spatialite|db)["']|["']-(wal|journal|shm)["']"""
)
_ALLOWED = {"io/formats.py", "io/shapefile.py"}


def test_no_suffix_dispatch_outside_the_table():
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel in _ALLOWED:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if _INPUT_SUFFIX.search(line):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert not offenders, "ask io/formats.py instead:\n" + "\n".join(offenders)


def test_rows_are_consistent():
    suffixes = [s for f in FORMATS for s in f.suffixes]
    assert len(suffixes) == len(set(suffixes)) and all(s == s.lower() for s in suffixes)
    assert set(VECTOR_SUFFIXES) == set(suffixes)
    assert set(CHUNKABLE_SUFFIXES) == {s for f in FORMATS if f.chunks for s in f.suffixes}
    assert all(f.chunks in (None, "arrow", "parquet") for f in FORMATS)
    assert format_of("a/B.SHP").name == "shapefile" and format_of("x.gdb").folder
    assert format_of("notes.docx") is None and not is_chunkable(None)
    assert is_chunkable("county.gpkg") and not is_chunkable("plots.shp")


def test_sidecars_come_from_the_table(tmp_path):
    shp = tmp_path / "p.shp"
    assert sidecar_files(shp) == [
        shp,
        *(shp.with_suffix(s) for s in (".shx", ".dbf", ".prj", ".cpg")),
    ]
    assert sidecar_files(tmp_path / "r.tif") == [tmp_path / "r.tif"]
    # the hash covers the parts that exist, in the table's order
    import hashlib

    for s, data in ((".shp", b"a"), (".dbf", b"b"), (".cpg", b"c")):
        shp.with_suffix(s).write_bytes(data)
    assert file_sha256(shp) == hashlib.sha256(b"abc").hexdigest()


def test_a_new_format_is_one_row(tmp_path, monkeypatch):
    # a row for a made-up suffix: read_layer, the chunk flag and the sidecars follow it
    calls = []

    def read(path, *, role, layer, encoding, bbox, bbox_crs):
        calls.append((path.name, role))
        frame = gpd.GeoDataFrame({"DKBH": ["X"]}, geometry=[square(0, 0, 10)], crs=CRS)
        return frame, ReadNotes(area_units={"MJ": "hm2"})

    row = formats.Format("demo", (".demo",), read, sidecars=(".demoidx",))
    monkeypatch.setattr(formats, "FORMATS", (*formats.FORMATS, row))
    monkeypatch.setitem(formats._BY_SUFFIX, ".demo", row)
    path = tmp_path / "plots.demo"
    path.write_bytes(b"made up")
    frame, notes = read_layer(role="demolition", path=path)
    assert calls == [("plots.demo", "demolition")] and list(frame["DKBH"]) == ["X"]
    assert notes.area_units == {"MJ": "hm2"}
    assert sidecar_files(path)[1] == tmp_path / "plots.demoidx"


def test_readers_note_what_they_noticed_in_a_typed_record(tmp_path):
    ring = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)])
    frame = gpd.GeoDataFrame({"DKBH": ["A"]}, geometry=[ring], crs=CRS)
    frame.to_file(tmp_path / "p.gpkg", layer="plots")
    got, notes = read_layer(role="demolition", path=tmp_path / "p.gpkg", layer="plots")
    assert isinstance(notes, ReadNotes) and not got.attrs
    assert notes.unclosed_rings is None and notes.had_m is False and notes.read_problems == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        notes.encoding = "x"


def test_chunked_reading_dispatches_by_the_table(tmp_path):
    frame = gpd.GeoDataFrame(
        {"k": [1, 2, 3]}, geometry=[square(i * 20, 0, 10) for i in range(3)], crs=CRS
    )
    frame.to_parquet(tmp_path / "a.parquet")
    frame.to_file(tmp_path / "a.gpkg", layer="a")
    for path in (tmp_path / "a.parquet", tmp_path / "a.gpkg"):
        chunks = list(read_vector_chunks(path, batch_size=2))
        assert [len(c) for c in chunks] == [2, 1]


def test_the_input_guard_asks_the_table(tmp_path, monkeypatch):
    # sidecars, indexes (either case) and journals of a row are type-checked; folders of a folder
    # row are data folders when they hold one of its members
    import os

    from landlink_gis.base.errors import DataSourceError
    from landlink_gis.io.formats import ensure_readable_source

    def read(path, **_):
        raise AssertionError("the guard reads nothing")

    rows = (
        formats.Format(
            "demo", (".demo",), read, sidecars=(".dside",), indexes=(".didx",), journals=("-lock",)
        ),
        formats.Format("demofolder", (".dfold",), read, folder=True, members=(".part",)),
    )
    monkeypatch.setattr(formats, "FORMATS", (*formats.FORMATS, *rows))
    monkeypatch.setitem(formats._BY_SUFFIX, ".demo", rows[0])
    monkeypatch.setitem(formats._BY_SUFFIX, ".dfold", rows[1])
    path = tmp_path / "plots.demo"
    path.write_bytes(b"made up")
    for name in ("plots.dside", "plots.DIDX", "plots.demo-lock"):
        os.mkfifo(tmp_path / name)
        with pytest.raises(DataSourceError, match="named pipe") as err:
            ensure_readable_source(path, "demolition")
        assert str(tmp_path / name) in str(err.value)
        (tmp_path / name).unlink()
        (tmp_path / name).write_bytes(b"")
    assert ensure_readable_source(path, "demolition") == path

    folder = tmp_path / "county.dfold"
    folder.mkdir()
    (folder / "a.shp").write_bytes(b"")  # a shapefile makes a plain folder a source, not this one
    with pytest.raises(DataSourceError, match="is a folder"):
        ensure_readable_source(folder, "landuse")
    (folder / "a.PART").write_bytes(b"")
    assert ensure_readable_source(folder, "landuse") == folder
    plain = tmp_path / "plain"
    plain.mkdir()
    (plain / "a.part").write_bytes(b"")
    with pytest.raises(DataSourceError, match="is a folder"):
        ensure_readable_source(plain, "landuse")
    (plain / "B.SHP").write_bytes(b"")
    assert ensure_readable_source(plain, "landuse") == plain


def test_spatialite_files_are_a_row_read_without_changing_them(tmp_path):
    # a SQLite file with a geometry table is detected, and a pending WAL is read through a copy
    frame = gpd.GeoDataFrame(
        {"DKMC": ["a", "b"]}, geometry=[square(0, 0, 10), square(20, 0, 10)], crs=CRS
    )
    path = tmp_path / "plots.sqlite"
    write_with_pending_wal(
        frame, path, driver="SQLite", edit="UPDATE plots SET dkmc = 'edited' WHERE ogc_fid = 2"
    )
    before = file_hashes(tmp_path)
    assert format_of(path).name == "spatialite" and format_of(path).detect(path)
    got, _ = read_layer(role="demolition", path=path, layer="plots")
    assert list(got["dkmc"]) == ["a", "edited"]
    assert formats.list_layers(path) == ["plots"]
    after = file_hashes(tmp_path)
    assert after == before and set(before) == {
        "plots.sqlite",
        "plots.sqlite-wal",
        "plots.sqlite-shm",
    }

    plain = tmp_path / "notes.db"
    con = sqlite3.connect(plain)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    text = tmp_path / "words.db"
    text.write_text("not a database")
    assert not format_of(plain).detect(plain) and not format_of(text).detect(text)
