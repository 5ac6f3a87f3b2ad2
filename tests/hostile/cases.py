"""The hostile-input corpus: each case of ``make_corpus.py`` with its expected outcome.

An outcome is either exit code 2 with fragments the message must contain (the file, layer or
feature, and what to do), or exit code 0/1 with the rule IDs that must be among the findings
(``"GEOM001:info"`` also pins the severity). ``extra`` names a further check in
``test_corpus.py``; ``args`` are extra CLI arguments (``{in}`` is the case's input folder).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    """One corpus case and what the CLI must do with it."""

    name: str
    exit_code: int
    fragments: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    extra: str | None = None
    args: tuple[str, ...] = ()
    needs_postgis: bool = False
    #: wall-clock limit of the whole CLI run (a path that could block must be refused at once)
    max_seconds: float | None = None


def _fail(name: str, *fragments: str, **kw) -> Case:
    return Case(name, 2, fragments=fragments, **kw)


def _found(name: str, exit_code: int, *rules: str, **kw) -> Case:
    return Case(name, exit_code, rules=rules, **kw)


def _hang(name: str, *fragments: str) -> Case:
    return Case(name, 2, fragments=fragments, max_seconds=2.0)


_REGULAR = "give the path of a regular file"


CASES: tuple[Case, ...] = (
    # shapefile damage
    _fail(
        "truncated_shp",
        "demolition.shp",
        "truncated",
        "layer 'demolition'",
        "copy the complete shapefile",
    ),
    _fail("missing_shx", "demolition.shp", ".shx", "layer 'demolition'", "copy every part"),
    _fail("missing_dbf", "demolition.shp", ".dbf", "layer 'demolition'", "copy every part"),
    _fail("missing_prj_no_project_crs", "demolition.shp", "no CRS", "add the .prj", "crs ="),
    _found("missing_prj_with_project_crs", 1, "CRS001"),
    _fail("not_a_shapefile", "demolition.shp", "not a shapefile", "layer 'demolition'"),
    _fail("gpkg_is_text", "demolition.gpkg", "cannot read layer", "supported format"),
    # CRS
    _found("xian80_prj", 1, "CRS002"),
    _found("beijing54_prj", 1, "CRS002"),
    _found("wgs84_degrees", 1, "CRS002"),
    _found("gk_lacking_prefix", 1, "CRS003"),
    _found("gk_wrong_prefix", 1, "CRS003"),
    # encodings
    _found("dbf_gbk_no_cpg", 0, extra="gbk_text"),
    _found("dbf_gbk_cpg_utf8", 0, extra="gbk_text_overruled"),
    _found("dbf_gbk_cpg_latin1", 0, extra="gbk_text_overruled"),
    # geometry types and emptiness
    _found("mixed_geometry_types", 1, "GEOM003", extra="polygonal_only"),
    _found("points_not_polygons", 1, "GEOM003"),
    _found("lines_not_polygons", 1, "GEOM003"),
    _fail("empty_layer", "demolition.shp", "no features", "demolition"),
    _found("null_and_empty_geometries", 1, "GEOM002"),
    _found("null_shape_in_shapefile", 1, "GEOM002"),
    # invalid rings
    _found("self_intersecting_ring", 1, "GEOM001:error", extra="geos_location"),
    _found("spike_ring", 1, "GEOM001:error"),
    _found("zero_area_ring", 1, "GEOM001:error"),
    _found("unclosed_ring", 1, "GEOM001:error", extra="unclosed"),
    _found("nan_inf_coordinates", 1, "GEOM001:error", "CRS003", extra="nan_inf"),
    _found(
        "self_intersecting_ring",
        1,
        "GEOM001:error",
        "GEOM001:info",
        args=("--repair",),
        extra="repaired",
    ),
    # dimensions and curves
    _found("z_geometries", 0, "GEOM006"),
    _found("m_geometries", 0, "GEOM006"),
    _found("curved_geometries", 0, extra="curve_area"),
    # attributes
    _found("duplicate_ids", 1, "ATTR002"),
    _found("whitespace_ids", 1, "ATTR001"),
    _found("huge_declared_area", 0, "ATTR003"),
    # project file
    _fail("toml_syntax_error", "project.toml", "not valid TOML", "line 2"),
    _fail("toml_not_utf8", "project.toml", "UTF-8"),
    _fail("toml_unknown_key", "project.toml", "unknown key", "colour", "[project]"),
    _fail("toml_unknown_rule", "project.toml", "unknown rule ID", "GEOM999", "landlink rules"),
    _fail("toml_unknown_param", "project.toml", "unknown parameter", "overlap_tolerance"),
    _fail(
        "toml_missing_file",
        "拆旧地块.shp",
        "file not found",
        "layer 'demolition'",
        "check the path",
    ),
    _fail(
        "toml_missing_layer", "demolition.gpkg", "no layer 'chaijiu'", "layers found: demolition"
    ),
    _found("path_outside_folder", 0, extra="outside_recorded"),
    _fail(
        "output_over_input",
        "demolition.gpkg",
        "refusing to write over an input",
        args=("-o", "{in}/demolition.gpkg"),
    ),
    # PostGIS and coordinate TXT
    _fail(
        "postgis_refused",
        "postgresql://landlink:***@127.0.0.1",
        "Connection refused",
        "check that the server is running",
    ),
    _fail("postgis_wrong_password", "postgresql://landlink:***@", "password", needs_postgis=True),
    _fail(
        "coordtxt_broken_line", "demolition.txt", "line 20", "expected 4", "Fix or remove the line"
    ),
    # paths that would block or never end: refused before any open, in under 2 s
    _hang("layer_is_fifo", "demolition.gpkg", "named pipe", "layer 'demolition'", _REGULAR),
    _hang("layer_is_dev_zero", "/dev/zero", "character device", "layer 'demolition'", _REGULAR),
    _hang(
        "layer_is_dev_urandom", "/dev/urandom", "character device", "layer 'demolition'", _REGULAR
    ),
    _hang("layer_is_socket", "demolition.gpkg", "socket", "layer 'demolition'", _REGULAR),
    _hang(
        "layer_is_plain_folder",
        "plots",
        "is a folder",
        "not a FileGDB",
        "give the path of the data file",
    ),
    _hang("shx_is_fifo", "demolition.shx", "named pipe", "layer 'demolition'", _REGULAR),
    _hang("cpg_is_fifo", "demolition.cpg", "named pipe", "layer 'demolition'", _REGULAR),
    _hang("raster_is_fifo", "dem.tif", "named pipe", "raster 'dem'", _REGULAR),
    # shapefile parts that disagree on the number of records: never a dropped or invented plot
    _fail(
        "dbf_fewer_records",
        "demolition.shp",
        "disagree",
        ".shp 3, .shx 3, .dbf 2",
        "export the layer again",
    ),
    _fail(
        "dbf_more_records",
        "demolition.shp",
        "disagree",
        ".shp 3, .shx 3, .dbf 4",
        "export the layer again",
    ),
    _fail(
        "shx_fewer_records",
        "demolition.shp",
        "disagree",
        ".shp 3, .shx 2, .dbf 3",
        "export the layer again",
    ),
    # .cpg files that name no usable code page: detection, a note, never mojibake
    _found("dbf_gbk_cpg_garbage", 0, extra="gbk_text_overruled"),
    _found("dbf_gbk_cpg_empty", 0, extra="gbk_text_overruled"),
    _found("dbf_gbk_cpg_unknown", 0, extra="gbk_text_overruled"),
    # GeoPackages in WAL mode, with and without a pending -wal: read, never changed
    _found("gpkg_pending_wal", 0, extra="wal_edit_read"),
    _found("gpkg_wal_mode", 0),
    # rasters that cannot be used as given: reprojected, or "not checked" — never a crashed rule
    # a 31° plot to be reclaimed to 旱地: PLAN006 is an error (DOMAIN §4 PLAN006)
    _found("dem_geographic", 1, "PLAN006:error", extra="slope_31deg"),
    _found("dem_far_from_plots", 0, "PLAN006:info", extra="not_on_raster"),
    _fail("dem_no_crs", "dem.tif", "no CRS", "gdal_edit.py -a_srs"),
    # project files as editors save them: a UTF-8 BOM, a layer given as a bare path string
    _found("toml_utf8_bom", 0, extra="three_plots_read"),
    _found("layer_bare_string", 0, extra="three_plots_read"),
    _found("toml_bom_and_bare_strings", 0, extra="three_plots_read"),
)


def case_id(case: Case) -> str:
    """Test id of a case (its name, plus the CLI flags that vary it)."""
    flags = "".join(a for a in case.args if a.startswith("--"))
    return case.name + flags.replace("--", "+")
