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


def _fail(name: str, *fragments: str, **kw) -> Case:
    return Case(name, 2, fragments=fragments, **kw)


def _found(name: str, exit_code: int, *rules: str, **kw) -> Case:
    return Case(name, exit_code, rules=rules, **kw)


CASES: tuple[Case, ...] = (
    # shapefile damage
    _fail("truncated_shp", "demolition.shp", "truncated", "layer 'demolition'", "copy the complete shapefile"),
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
    _found("mixed_geometry_types", 1, "GEOM003"),
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
    _found("self_intersecting_ring", 1, "GEOM001:error", "GEOM001:info", args=("--repair",), extra="repaired"),
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
    _fail("toml_missing_file", "拆旧地块.shp", "file not found", "layer 'demolition'", "check the path"),
    _fail("toml_missing_layer", "demolition.gpkg", "no layer 'chaijiu'", "layers found: demolition"),
    _found("path_outside_folder", 0, extra="outside_recorded"),
    _fail("output_over_input", "demolition.gpkg", "refusing to write over an input", args=("-o", "{in}/demolition.gpkg")),
    # PostGIS and coordinate TXT
    _fail("postgis_refused", "postgresql://landlink:***@127.0.0.1", "Connection refused", "check that the server is running"),
    _fail("postgis_wrong_password", "postgresql://landlink:***@", "password", needs_postgis=True),
    _fail("coordtxt_broken_line", "demolition.txt", "line 20", "expected 4", "Fix or remove the line"),
)


def case_id(case: Case) -> str:
    """Test id of a case (its name, plus the CLI flags that vary it)."""
    flags = "".join(a for a in case.args if a.startswith("--"))
    return case.name + flags.replace("--", "+")
