"""Seeded generator of the hostile-input corpus (broken and adversarial projects).

Every case is built from code at test time, never kept as a binary: ``build(name, root)``
writes one project (its TOML, layers and sidecar files) under ``root/in`` and returns the TOML
path. Broken files are made by writing a correct file first and then damaging it in a known way
(truncating the ``.shp``, deleting a sidecar, rewriting a GeoPackage geometry blob, re-encoding a
DBF), so each case's damage is exactly what its name says.

Run ``python tests/hostile/make_corpus.py OUT_DIR`` to write the whole corpus for a look in QGIS.
"""

from __future__ import annotations

import argparse
import sqlite3
import struct
import sys
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely import affinity

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # run as a script: the tests package lies under the repository
    sys.path.insert(0, str(REPO))

from tests.support.geoms import BOWTIE, CRS, X0, Y0  # noqa: E402

SEED = 20_240_607
#: Password used in the PostGIS URLs of the corpus; it must never appear in any output.
SECRET = "Hostile-S3cret-pw"

Builder = Callable[..., Path]
BUILDERS: dict[str, Builder] = {}


def case(name: str) -> Callable[[Builder], Builder]:
    """Register a builder ``f(folder, rng, **kw) -> toml path`` under ``name``."""

    def deco(func: Builder) -> Builder:
        BUILDERS[name] = func
        return func

    return deco


def build(name: str, root: Path, **kwargs: Any) -> Path:
    """Write case ``name`` into ``root / "in"`` (seeded per case) and return its project TOML."""
    folder = root / "in"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED + zlib.crc32(name.encode()))
    return BUILDERS[name](folder, rng, **kwargs)


# ----------------------------------------------------------------------------- base project
def _squares(
    rng: np.random.Generator, n: int, y: float, prefix: str
) -> tuple[list[str], list[shapely.Polygon]]:
    sizes = rng.uniform(30.0, 60.0, n)
    xs = np.arange(n) * 150.0 + rng.uniform(0.0, 20.0, n)
    geoms = list(shapely.box(X0 + xs, Y0 + y, X0 + xs + sizes, Y0 + y + sizes))
    return [f"{prefix}{i + 1:03d}" for i in range(n)], geoms


def demolition(rng: np.random.Generator, n: int = 3, crs: str = CRS) -> gpd.GeoDataFrame:
    """Valid demolition plots: rural homesteads (0702) to be reclaimed to dry land."""
    ids, geoms = _squares(rng, n, 0.0, "CJ")
    return gpd.GeoDataFrame(
        {
            "DKBH": ids,
            "DKMC": [f"拆旧地块{i}" for i in range(n)],
            "DLBM": ["0702"] * n,
            "FKDL": ["0103"] * n,
        },
        geometry=geoms,
        crs=crs,
    )


def construction(rng: np.random.Generator, n: int = 2, crs: str = CRS) -> gpd.GeoDataFrame:
    """Valid construction plots, smaller than the demolition plots, on rural homestead land."""
    ids, _ = _squares(rng, n, 500.0, "JX")
    geoms = [
        shapely.box(X0 + 150.0 * i, Y0 + 500.0, X0 + 150.0 * i + 20.0, Y0 + 520.0) for i in range(n)
    ]
    return gpd.GeoDataFrame(
        {"DKBH": ids, "DLBM": ["0702"] * n, "JXLX": ["安置"] * n}, geometry=geoms, crs=crs
    )


def toml(
    folder: Path, layers: dict[str, str | dict[str, Any]], *, project: str = "", extra: str = ""
) -> Path:
    """Write ``project.toml``; ``layers`` maps role → path or a table of layer keys."""
    lines = ["[project]", 'name = "hostile"', 'code = "HOSTILE-001"', project]
    for role, spec in layers.items():
        table = {"path": spec} if isinstance(spec, str) else spec
        lines.append(f"[layers.{role}]")
        lines += [f"{k} = {v!r}".replace("'", '"') for k, v in table.items()]
    lines.append(extra)
    path = folder / "project.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _write(gdf: gpd.GeoDataFrame, path: Path, **kwargs: Any) -> None:
    if path.suffix == ".gpkg":
        kwargs.setdefault("layer", path.stem)
        gdf.to_file(path, driver="GPKG", **kwargs)
    else:
        gdf.to_file(path, **kwargs)


def standard(
    folder: Path,
    rng: np.random.Generator,
    dem: gpd.GeoDataFrame | None = None,
    *,
    fmt: str = "shp",
    project: str = "",
    extra: str = "",
    write_kwargs: dict[str, Any] | None = None,
) -> Path:
    """A project with ``dem`` (default: valid plots) as demolition and valid construction plots."""
    dem = demolition(rng) if dem is None else dem
    con = construction(rng)
    _write(dem, folder / f"demolition.{fmt}", **(write_kwargs or {}))
    _write(con, folder / "construction.shp")
    return toml(
        folder,
        {"demolition": f"demolition.{fmt}", "construction": "construction.shp"},
        project=project,
        extra=extra,
    )


# ----------------------------------------------------------------------------- helpers that damage
# files
def _gpkg_set_blobs(
    path: Path, table: str, blobs: dict[int, bytes | None], *, m: int | None = None
) -> None:
    """Replace geometry blobs of ``table`` (fid → ISO WKB, None for NULL) bypassing GDAL's
    triggers."""
    con = sqlite3.connect(path)
    try:
        for (trigger,) in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'trigger'"
        ).fetchall():
            con.execute(f'DROP TRIGGER "{trigger}"')
        srs = con.execute("SELECT srs_id FROM gpkg_geometry_columns").fetchone()[0]
        for fid, wkb in blobs.items():
            blob = None if wkb is None else b"GP" + bytes([0, 1]) + struct.pack("<i", srs) + wkb
            con.execute(f'UPDATE "{table}" SET geom = ? WHERE fid = ?', (blob, fid))
        if m is not None:
            con.execute("UPDATE gpkg_geometry_columns SET m = ?", (m,))
        con.commit()
    finally:
        con.close()


def _ring_wkb(points: list[tuple[float, ...]]) -> bytes:
    dims = len(points[0])
    return struct.pack("<I", len(points)) + b"".join(
        struct.pack("<" + "d" * dims, *p) for p in points
    )


def _polygon_wkb(points: list[tuple[float, ...]], type_code: int = 3) -> bytes:
    return struct.pack("<BII", 1, type_code, 1) + _ring_wkb(points)


def _dbf_records_offset(dbf: Path) -> tuple[int, int]:
    head = dbf.read_bytes()[:12]
    return int.from_bytes(head[8:10], "little"), int.from_bytes(head[10:12], "little")


# ----------------------------------------------------------------------------- shapefile damage
@case("truncated_shp")
def _truncated_shp(folder, rng):
    path = standard(folder, rng)
    shp = folder / "demolition.shp"
    data = shp.read_bytes()
    shp.write_bytes(data[: 100 + (len(data) - 100) // 2])
    return path


@case("missing_shx")
def _missing_shx(folder, rng):
    path = standard(folder, rng)
    (folder / "demolition.shx").unlink()
    return path


@case("missing_dbf")
def _missing_dbf(folder, rng):
    path = standard(folder, rng)
    (folder / "demolition.dbf").unlink()
    return path


@case("missing_prj_no_project_crs")
def _missing_prj(folder, rng):
    path = standard(folder, rng)
    (folder / "demolition.prj").unlink()
    return path


@case("missing_prj_with_project_crs")
def _missing_prj_crs(folder, rng):
    path = standard(folder, rng, project='crs = "EPSG:4545"')
    (folder / "demolition.prj").unlink()
    return path


@case("not_a_shapefile")
def _not_a_shapefile(folder, rng):
    path = standard(folder, rng)
    (folder / "demolition.shp").write_bytes(b"this is a text file renamed to .shp\n" * 20)
    return path


@case("gpkg_is_text")
def _gpkg_is_text(folder, rng):
    standard(folder, rng)
    (folder / "demolition.gpkg").write_text("not a GeoPackage", encoding="utf-8")
    return toml(folder, {"demolition": "demolition.gpkg", "construction": "construction.shp"})


# ----------------------------------------------------------------------------- CRS
def _reprojected(rng, epsg: str) -> gpd.GeoDataFrame:
    return demolition(rng).to_crs(epsg)


@case("xian80_prj")
def _xian80(folder, rng):
    return standard(folder, rng, _reprojected(rng, "EPSG:2381"))  # Xian 1980 / 3-degree GK CM 108E


@case("beijing54_prj")
def _beijing54(folder, rng):
    return standard(
        folder, rng, _reprojected(rng, "EPSG:2433")
    )  # Beijing 1954 / 3-degree GK CM 108E


@case("wgs84_degrees")
def _wgs84(folder, rng):
    return standard(folder, rng, _reprojected(rng, "EPSG:4326"))


@case("gk_lacking_prefix")
def _lacking_prefix(folder, rng):
    # eastings of EPSG:4545 (no prefix) labelled as EPSG:4524 (zone 36 prefix expected)
    dem = demolition(rng).set_crs("EPSG:4524", allow_override=True)
    return standard(folder, rng, dem)


@case("gk_wrong_prefix")
def _wrong_prefix(folder, rng):
    # eastings carrying the zone prefix 36 labelled as EPSG:4545 (no prefix expected)
    dem = demolition(rng)
    dem = dem.set_geometry(
        shapely.transform(np.asarray(dem.geometry.array), lambda c: c + [36_000_000.0, 0.0])
    )
    return standard(folder, rng, dem.set_crs(CRS, allow_override=True))


# ----------------------------------------------------------------------------- encodings
def _gbk_project(folder, rng, cpg: str | None) -> Path:
    path = standard(folder, rng, write_kwargs={"encoding": "GBK"})
    cpg_path = folder / "demolition.cpg"
    if cpg is None:
        cpg_path.unlink(missing_ok=True)
    else:
        cpg_path.write_text(cpg, encoding="ascii")
    return path


@case("dbf_gbk_no_cpg")
def _gbk_no_cpg(folder, rng):
    return _gbk_project(folder, rng, None)


@case("dbf_gbk_cpg_utf8")
def _gbk_cpg_utf8(folder, rng):
    return _gbk_project(folder, rng, "UTF-8")


@case("dbf_gbk_cpg_latin1")
def _gbk_cpg_latin1(folder, rng):
    return _gbk_project(folder, rng, "ISO-8859-1")


# ----------------------------------------------------------------------------- geometry types and
# emptiness
@case("mixed_geometry_types")
def _mixed(folder, rng):
    dem = demolition(rng, n=4)
    geoms = np.asarray(dem.geometry.array, dtype=object)
    geoms[1] = shapely.centroid(geoms[1])
    geoms[2] = shapely.get_exterior_ring(geoms[2])
    dem = dem.set_geometry(gpd.GeoSeries(geoms, crs=CRS))
    dem.to_file(
        folder / "demolition.gpkg", layer="demolition", driver="GPKG", geometry_type="Unknown"
    )
    construction(rng).to_file(folder / "construction.shp")
    return toml(folder, {"demolition": "demolition.gpkg", "construction": "construction.shp"})


@case("points_not_polygons")
def _points(folder, rng):
    dem = demolition(rng)
    return standard(folder, rng, dem.set_geometry(dem.geometry.centroid))


@case("lines_not_polygons")
def _lines(folder, rng):
    dem = demolition(rng)
    return standard(folder, rng, dem.set_geometry(dem.geometry.boundary))


@case("empty_layer")
def _empty(folder, rng):
    return standard(folder, rng, demolition(rng).iloc[:0])


@case("null_and_empty_geometries")
def _null_empty(folder, rng):
    dem = demolition(rng, n=4)
    geoms = np.asarray(dem.geometry.array, dtype=object)
    geoms[1] = None
    geoms[2] = shapely.Polygon()
    dem = dem.set_geometry(gpd.GeoSeries(geoms, crs=CRS))
    return standard(folder, rng, dem, fmt="gpkg")


@case("null_shape_in_shapefile")
def _null_shp(folder, rng):
    dem = demolition(rng)
    geoms = np.asarray(dem.geometry.array, dtype=object)
    geoms[0] = None
    return standard(folder, rng, dem.set_geometry(gpd.GeoSeries(geoms, crs=CRS)))


# ----------------------------------------------------------------------------- invalid rings
def _with_geom(rng, geom) -> gpd.GeoDataFrame:
    dem = demolition(rng)
    geoms = np.asarray(dem.geometry.array, dtype=object)
    geoms[1] = geom
    return dem.set_geometry(gpd.GeoSeries(geoms, crs=CRS))


@case("self_intersecting_ring")
def _bowtie(folder, rng):
    return standard(folder, rng, _with_geom(rng, affinity.translate(BOWTIE, 0, 200)))


@case("spike_ring")
def _spike(folder, rng):
    x, y = X0, Y0 + 200
    spike = shapely.Polygon(
        [
            (x, y),
            (x + 40, y),
            (x + 40, y + 20),
            (x + 80, y + 20),
            (x + 40, y + 20),
            (x + 40, y + 40),
            (x, y + 40),
        ]
    )
    return standard(folder, rng, _with_geom(rng, spike))


@case("zero_area_ring")
def _zero_area(folder, rng):
    x, y = X0, Y0 + 200
    flat = shapely.Polygon([(x, y), (x + 30, y), (x + 60, y), (x, y)])
    return standard(folder, rng, _with_geom(rng, flat), fmt="gpkg")


@case("unclosed_ring")
def _unclosed(folder, rng):
    path = standard(folder, rng, fmt="gpkg")
    x, y = X0, Y0 + 200
    _gpkg_set_blobs(
        folder / "demolition.gpkg",
        "demolition",
        {2: _polygon_wkb([(x, y), (x + 40, y), (x + 40, y + 40), (x, y + 40)])},
    )
    return path


@case("nan_inf_coordinates")
def _nan_inf(folder, rng):
    path = standard(folder, rng, fmt="gpkg")
    x, y = X0, Y0 + 200
    _gpkg_set_blobs(
        folder / "demolition.gpkg",
        "demolition",
        {
            2: _polygon_wkb([(x, y), (x + 40, y), (float("nan"), y + 40), (x, y + 40), (x, y)]),
            3: _polygon_wkb([(x + 100, y), (float("inf"), y), (x + 140, y + 40), (x + 100, y)]),
        },
    )
    return path


# ----------------------------------------------------------------------------- dimensions and
# curves
@case("z_geometries")
def _z(folder, rng):
    dem = demolition(rng)
    return standard(
        folder, rng, dem.set_geometry(shapely.force_3d(np.asarray(dem.geometry.array), 412.5))
    )


@case("m_geometries")
def _m(folder, rng):
    path = standard(folder, rng, fmt="gpkg")
    x, y = X0, Y0 + 200
    ring = [(x, y, 0.0), (x + 40, y, 1.0), (x + 40, y + 40, 2.0), (x, y + 40, 3.0), (x, y, 0.0)]
    _gpkg_set_blobs(folder / "demolition.gpkg", "demolition", {2: _polygon_wkb(ring, 2003)}, m=1)
    return path


@case("curved_geometries")
def _curved(folder, rng):
    dem = demolition(rng)
    dem.to_file(
        folder / "demolition.gpkg", layer="demolition", driver="GPKG", geometry_type="Unknown"
    )
    construction(rng).to_file(folder / "construction.shp")
    # plot 2: a CurvePolygon whose ring is a full circle of radius 20 m (two arcs of a
    # CircularString)
    x, y, r = X0 + 150.0, Y0 + 200.0, 20.0
    arc = [(x - r, y), (x, y + r), (x + r, y), (x, y - r), (x - r, y)]
    curve = struct.pack("<BII", 1, 10, 1) + struct.pack("<BI", 1, 8) + _ring_wkb(arc)
    _gpkg_set_blobs(folder / "demolition.gpkg", "demolition", {2: curve})
    return toml(folder, {"demolition": "demolition.gpkg", "construction": "construction.shp"})


# ----------------------------------------------------------------------------- attributes
@case("duplicate_ids")
def _dup(folder, rng):
    dem = demolition(rng)
    dem.loc[2, "DKBH"] = dem.loc[0, "DKBH"]
    return standard(folder, rng, dem)


@case("whitespace_ids")
def _ws(folder, rng):
    dem = demolition(rng)
    dem.loc[1, "DKBH"] = "   "
    return standard(folder, rng, dem, fmt="gpkg")


@case("huge_declared_area")
def _huge(folder, rng):
    dem = demolition(rng)
    dem["MJ"] = np.round(shapely.area(np.asarray(dem.geometry.array)), 2)
    dem.loc[1, "MJ"] = 2.0e9
    return standard(folder, rng, dem)


# ----------------------------------------------------------------------------- project file
@case("toml_syntax_error")
def _toml_syntax(folder, rng):
    path = standard(folder, rng)
    path.write_text(
        path.read_text(encoding="utf-8").replace('name = "hostile"', 'name = "hostile'),
        encoding="utf-8",
    )
    return path


@case("toml_not_utf8")
def _toml_gbk(folder, rng):
    path = standard(folder, rng)
    path.write_bytes(
        path.read_text(encoding="utf-8").replace('"hostile"', '"增减挂钩项目"').encode("gbk")
    )
    return path


@case("toml_unknown_key")
def _toml_unknown_key(folder, rng):
    return standard(folder, rng, project='colour = "red"')


@case("toml_unknown_rule")
def _toml_unknown_rule(folder, rng):
    return standard(folder, rng, extra='[rules]\nignore = ["GEOM999"]')


@case("toml_unknown_param")
def _toml_unknown_param(folder, rng):
    return standard(folder, rng, extra="[rules]\nparams = { overlap_tolerance = 2.0 }")


@case("toml_missing_file")
def _toml_missing_file(folder, rng):
    standard(folder, rng)
    return toml(folder, {"demolition": "拆旧地块.shp", "construction": "construction.shp"})


@case("toml_missing_layer")
def _toml_missing_layer(folder, rng):
    standard(folder, rng, fmt="gpkg")
    return toml(
        folder,
        {
            "demolition": {"path": "demolition.gpkg", "layer": "chaijiu"},
            "construction": "construction.shp",
        },
    )


@case("path_outside_folder")
def _outside(folder, rng):
    shared = folder.parent / "county_data"
    shared.mkdir()
    demolition(rng).to_file(shared / "demolition.shp")
    construction(rng).to_file(folder / "construction.shp")
    return toml(
        folder, {"demolition": "../county_data/demolition.shp", "construction": "construction.shp"}
    )


@case("output_over_input")
def _over_input(folder, rng):
    return standard(folder, rng, fmt="gpkg")


# ----------------------------------------------------------------------------- PostGIS and
# coordinate TXT
@case("postgis_refused")
def _pg_refused(folder, rng, port: int = 9):
    construction(rng).to_file(folder / "construction.shp")
    url = f"postgresql://landlink:{SECRET}@127.0.0.1:{port}/landlink"
    return toml(
        folder, {"demolition": {"url": url, "table": "plots"}, "construction": "construction.shp"}
    )


@case("postgis_wrong_password")
def _pg_password(folder, rng, pg_url: str = ""):
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(pg_url)
    netloc = f"{parts.username}:{SECRET}@{parts.hostname}:{parts.port}"
    url = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    construction(rng).to_file(folder / "construction.shp")
    return toml(
        folder, {"demolition": {"url": url, "table": "plots"}, "construction": "construction.shp"}
    )


@case("coordtxt_broken_line")
def _coordtxt(folder, rng):
    from landlink_gis.io.coordtxt import write_coordtxt

    dem = demolition(rng)
    write_coordtxt(dem, folder / "demolition.txt", id_field="DKBH", class_field="DLBM")
    lines = (folder / "demolition.txt").read_bytes().split(b"\n")
    coord = [i for i, line in enumerate(lines) if line.count(b",") == 3]
    lines[coord[5]] = lines[coord[5]].replace(b",", b";", 2)
    (folder / "demolition.txt").write_bytes(b"\n".join(lines))
    construction(rng).to_file(folder / "construction.shp")
    return toml(
        folder,
        {"demolition": "demolition.txt", "construction": "construction.shp"},
        project='crs = "EPSG:4545"',
    )


def main(argv: list[str] | None = None) -> int:
    """Write every case of the corpus into ``OUT_DIR/<case>/``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    import make_corpus  # noqa: PLC0415 - as a script this module is __main__; its twin holds make_corpus2's cases
    import make_corpus2  # noqa: F401

    BUILDERS.update(make_corpus.BUILDERS)
    for name in BUILDERS:
        if name == "postgis_wrong_password":
            continue
        build(name, args.out_dir / name)
    return 0


if __package__:
    from . import make_corpus2  # noqa: E402,F401 - registers the cases of make_corpus2

if __name__ == "__main__":
    raise SystemExit(main())
