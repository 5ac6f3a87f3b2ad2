"""More hostile-input cases: paths that would hang, shapefile parts that disagree, broken ``.cpg``
files, GeoPackages left with a pending SQLite journal, and rasters that cannot be used as given.

The builders register themselves in :data:`make_corpus.BUILDERS` on import (``make_corpus``
imports this module at its end), so ``build(name, root)`` writes any case of either module.
"""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import tempfile
from pathlib import Path

import numpy as np
import rasterio
from affine import Affine

if __package__:
    from .make_corpus import CRS, X0, Y0, case, demolition, standard, toml
else:  # make_corpus.py run as a script
    from make_corpus import CRS, X0, Y0, case, demolition, standard, toml

# ----------------------------------------------------------------------------- paths that would
# hang


@case("layer_is_fifo")
def _fifo(folder, rng):
    standard(folder, rng)
    os.mkfifo(folder / "demolition.gpkg")
    return toml(folder, {"demolition": "demolition.gpkg", "construction": "construction.shp"})


@case("layer_is_dev_zero")
def _dev_zero(folder, rng):
    standard(folder, rng)
    (folder / "demolition.gpkg").symlink_to("/dev/zero")
    return toml(folder, {"demolition": "demolition.gpkg", "construction": "construction.shp"})


@case("layer_is_dev_urandom")
def _dev_urandom(folder, rng):
    standard(folder, rng)
    return toml(folder, {"demolition": "/dev/urandom", "construction": "construction.shp"})


@case("layer_is_socket")
def _socket(folder, rng):
    standard(folder, rng)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(str(folder / "demolition.gpkg"))
    finally:
        sock.close()
    return toml(folder, {"demolition": "demolition.gpkg", "construction": "construction.shp"})


@case("layer_is_plain_folder")
def _plain_folder(folder, rng):
    standard(folder, rng)
    (folder / "plots").mkdir()
    (folder / "plots" / "readme.txt").write_text("the plots are elsewhere\n", encoding="utf-8")
    return toml(folder, {"demolition": "plots", "construction": "construction.shp"})


@case("shx_is_fifo")
def _shx_fifo(folder, rng):
    path = standard(folder, rng)
    (folder / "demolition.shx").unlink()
    os.mkfifo(folder / "demolition.shx")
    return path


@case("cpg_is_fifo")
def _cpg_fifo(folder, rng):
    path = standard(folder, rng)
    (folder / "demolition.cpg").unlink(missing_ok=True)
    os.mkfifo(folder / "demolition.cpg")
    return path


@case("raster_is_fifo")
def _raster_fifo(folder, rng):
    standard(folder, rng)
    os.mkfifo(folder / "dem.tif")
    return toml(
        folder,
        {"demolition": "demolition.shp", "construction": "construction.shp"},
        extra='[rasters.dem]\npath = "dem.tif"',
    )


# ----------------------------------------------------------------------------- shapefile parts that
# disagree
def _drop_last_dbf_record(dbf: Path) -> None:
    data = bytearray(dbf.read_bytes())
    n = int.from_bytes(data[4:8], "little")
    header_len, rec_len = (
        int.from_bytes(data[8:10], "little"),
        int.from_bytes(data[10:12], "little"),
    )
    data[4:8] = (n - 1).to_bytes(4, "little")
    dbf.write_bytes(bytes(data[: header_len + (n - 1) * rec_len]) + b"\x1a")


def _duplicate_last_dbf_record(dbf: Path) -> None:
    data = bytearray(dbf.read_bytes())
    n = int.from_bytes(data[4:8], "little")
    header_len, rec_len = (
        int.from_bytes(data[8:10], "little"),
        int.from_bytes(data[10:12], "little"),
    )
    data[4:8] = (n + 1).to_bytes(4, "little")
    last = data[header_len + (n - 1) * rec_len : header_len + n * rec_len]
    dbf.write_bytes(bytes(data[: header_len + n * rec_len]) + bytes(last) + b"\x1a")


def _drop_last_shx_entry(shx: Path) -> None:
    data = bytearray(shx.read_bytes())
    size = len(data) - 8
    data[24:28] = (size // 2).to_bytes(4, "big")
    shx.write_bytes(bytes(data[:size]))


@case("dbf_fewer_records")
def _dbf_fewer(folder, rng):
    path = standard(folder, rng)
    _drop_last_dbf_record(folder / "demolition.dbf")
    return path


@case("dbf_more_records")
def _dbf_more(folder, rng):
    path = standard(folder, rng)
    _duplicate_last_dbf_record(folder / "demolition.dbf")
    return path


@case("shx_fewer_records")
def _shx_fewer(folder, rng):
    path = standard(folder, rng)
    _drop_last_shx_entry(folder / "demolition.shx")
    return path


# ----------------------------------------------------------------------------- .cpg files that say
# nothing useful
def _gbk_with_cpg(folder, rng, cpg: bytes) -> Path:
    path = standard(folder, rng, write_kwargs={"encoding": "GBK"})
    (folder / "demolition.cpg").write_bytes(cpg)
    return path


@case("dbf_gbk_cpg_garbage")
def _cpg_garbage(folder, rng):
    return _gbk_with_cpg(folder, rng, bytes(rng.integers(0, 256, 40, dtype=np.uint8)))


@case("dbf_gbk_cpg_empty")
def _cpg_empty(folder, rng):
    return _gbk_with_cpg(folder, rng, b"")


@case("dbf_gbk_cpg_unknown")
def _cpg_unknown(folder, rng):
    return _gbk_with_cpg(folder, rng, b"KOI-99-FOO\r\n")


# ----------------------------------------------------------------------------- GeoPackages with a
# SQLite journal
EDITED = "在QGIS中编辑"


def _wal_gpkg(folder: Path, rng, *, checkpoint: bool) -> None:
    """``demolition.gpkg`` in WAL mode; unless ``checkpoint``, plot 2's name edited in a pending
    ``-wal``."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp) / "demolition.gpkg"
        demolition(rng).to_file(scratch, layer="demolition", driver="GPKG")
        con = sqlite3.connect(scratch)
        for fn in ("ST_IsEmpty", "ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"):
            con.create_function(fn, 1, lambda g: 0)  # GDAL's rtree triggers call them
        con.execute("PRAGMA journal_mode=WAL")
        if checkpoint:
            con.close()
            shutil.copyfile(scratch, folder / "demolition.gpkg")
            return
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute("UPDATE demolition SET DKMC = ? WHERE fid = 2", (EDITED,))
        con.commit()
        # copied while QGIS (this connection) still holds it open: the edit lives only in the -wal
        for suffix in ("", "-wal", "-shm"):
            shutil.copyfile(f"{scratch}{suffix}", f"{folder / 'demolition.gpkg'}{suffix}")
        con.close()


@case("gpkg_pending_wal")
def _pending_wal(folder, rng):
    standard(folder, rng)
    _wal_gpkg(folder, rng, checkpoint=False)
    return toml(folder, {"demolition": "demolition.gpkg", "construction": "construction.shp"})


@case("gpkg_wal_mode")
def _wal_mode(folder, rng):
    standard(folder, rng)
    _wal_gpkg(folder, rng, checkpoint=True)
    return toml(folder, {"demolition": "demolition.gpkg", "construction": "construction.shp"})


# ----------------------------------------------------------------------------- rasters that cannot
# be used as given
def _dem(path: Path, *, crs: str | None, x0: float, y0: float, res: float, n: int = 200) -> None:
    """A DEM ``n`` × ``n`` pixels from (x0, y0) upwards whose surface is the plane z = 500 +
    0.6·(E − X0).

    E is the EPSG:4545 easting of each pixel centre, so the slope is atan(0.6) = 30.96° whatever
    CRS the grid is written in.
    """
    from pyproj import Transformer

    cx = x0 + (np.arange(n) + 0.5) * res
    cy = y0 + (n - np.arange(n) - 0.5) * res
    xx, yy = np.meshgrid(cx, cy)
    if crs is not None and crs != CRS:
        xx, yy = Transformer.from_crs(crs, CRS, always_xy=True).transform(xx, yy)
    z = (500.0 + 0.6 * (xx - X0)).astype("float32")
    profile = {"driver": "GTiff", "width": n, "height": n, "count": 1, "dtype": "float32"}
    with rasterio.open(
        path, "w", crs=crs, transform=Affine(res, 0.0, x0, 0.0, -res, y0 + n * res), **profile
    ) as ds:
        ds.write(z, 1)


def _with_dem(folder, rng, **dem) -> Path:
    standard(folder, rng)
    _dem(folder / "dem.tif", **dem)
    return toml(
        folder,
        {"demolition": "demolition.shp", "construction": "construction.shp"},
        extra='[rasters.dem]\npath = "dem.tif"',
    )


@case("dem_geographic")
def _dem_geographic(folder, rng):
    from pyproj import Transformer

    lon, lat = Transformer.from_crs(CRS, "EPSG:4490", always_xy=True).transform(
        X0 - 200.0, Y0 - 200.0
    )
    return _with_dem(
        folder, rng, crs="EPSG:4490", x0=lon, y0=lat, res=8e-5
    )  # ~7.5 m × 8.9 m pixels


@case("dem_far_from_plots")
def _dem_far(folder, rng):
    return _with_dem(folder, rng, crs=CRS, x0=X0 + 50_000.0, y0=Y0, res=5.0)


@case("dem_no_crs")
def _dem_no_crs(folder, rng):
    return _with_dem(folder, rng, crs=None, x0=X0 - 200.0, y0=Y0 - 200.0, res=5.0)


# ----------------------------------------------------------------------------- project files as
# editors save them
@case("toml_utf8_bom")
def _toml_bom(folder, rng):
    """Saved by Windows Notepad: a UTF-8 byte-order mark before ``[project]`` (and CRLF line
    ends)."""
    path = standard(folder, rng)
    text = path.read_text(encoding="utf-8").replace("\n", "\r\n")
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    return path


@case("layer_bare_string")
def _bare_string(folder, rng):
    """``demolition = "拆旧地块.shp"`` under ``[layers]``: the path shorthand (a Chinese file
    name too)."""
    dem = demolition(rng)
    dem.to_file(folder / "拆旧地块.shp", encoding="UTF-8")
    standard(folder, rng)
    path = folder / "project.toml"
    path.write_text(
        '[project]\nname = "hostile"\ncode = "HOSTILE-001"\n\n[layers]\ndemolition = '
        '"拆旧地块.shp"\n'
        'construction = "construction.shp"\n',
        encoding="utf-8",
    )
    return path


@case("toml_bom_and_bare_strings")
def _bom_bare(folder, rng):
    path = _bare_string(folder, rng)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    return path
