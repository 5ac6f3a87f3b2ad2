"""Ellipsoidal area of geometries GEOS cannot densify: not computable (NaN), the others
unaffected."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

import landlink_gis.engine.area as area_mod
from landlink_gis.engine.area import MAX_EDGE_SPAN_M, ellipsoidal_area

X0, Y0 = 500_000.0, 3_500_000.0  # EPSG:4545, near the central meridian


def test_an_absurd_edge_gives_nan_and_leaves_the_others() -> None:
    square = shapely.box(X0, Y0, X0 + 100.0, Y0 + 100.0)
    absurd = shapely.Polygon(
        [(X0, Y0), (X0 + 100.0, Y0), (X0 + 1e300, Y0 + 100.0), (X0, Y0 + 100.0)]
    )
    big = shapely.box(X0, Y0, X0 + 2_000.0, Y0 + 2_000.0)  # long edges, densified as usual
    out = ellipsoidal_area([square, absurd, big], "EPSG:4545")
    assert np.isnan(out[1])
    # near the central meridian the Gauss-Krüger scale is ~1 (k0 = 1 for CGCS2000 3° zones)
    assert out[0] == pytest.approx(10_000.0, rel=1e-3) and out[2] == pytest.approx(4e6, rel=1e-3)


def test_an_edge_just_below_the_limit_is_densified() -> None:
    edge = 0.5 * MAX_EDGE_SPAN_M
    tri = shapely.Polygon([(X0, Y0), (X0 + edge, Y0), (X0, Y0 + 100.0)])
    geoms, absurd = area_mod._densified(np.array([tri], dtype=object), 50.0)
    assert not absurd[0] and shapely.get_num_coordinates(geoms[0]) > 4


def test_a_geos_refusal_marks_only_that_geometry(monkeypatch: pytest.MonkeyPatch) -> None:
    real = shapely.segmentize
    victim = shapely.box(X0, Y0, X0 + 300.0, Y0 + 300.0)

    def segmentize(geoms, tol, **kw):
        arr = np.atleast_1d(np.asarray(geoms, dtype=object))
        if any(g is not None and g.equals(victim) for g in arr):
            raise shapely.errors.GEOSException("Tolerance is too small compared to geometry length")
        return real(geoms, tol, **kw)

    monkeypatch.setattr(shapely, "segmentize", segmentize)
    other = shapely.box(X0, Y0 + 1000.0, X0 + 200.0, Y0 + 1200.0)
    out = ellipsoidal_area([victim, other], "EPSG:4545")
    assert np.isnan(out[0]) and out[1] == pytest.approx(40_000.0, rel=1e-3)


def test_a_plot_whose_area_cannot_be_computed_is_a_geom001_error(tmp_path) -> None:
    """Such a plot never reads ``pass``: GEOM001 names it, and its ll_area_m2 is NULL."""
    import geopandas as gpd

    from landlink_gis.run.runner import check

    absurd = shapely.Polygon(
        [(X0, Y0), (X0 + 100.0, Y0), (X0 + 1e12, Y0 + 100.0), (X0, Y0 + 100.0)]
    )
    plots = gpd.GeoDataFrame(
        {"DKBH": ["OK1", "BAD1"], "DLBM": ["0702", "0702"]},
        geometry=[shapely.box(X0, Y0 + 500.0, X0 + 50.0, Y0 + 550.0), absurd],
        crs="EPSG:4545",
    )
    plots.to_file(tmp_path / "demolition.gpkg", layer="demolition", driver="GPKG")
    (tmp_path / "project.toml").write_text(
        '[project]\nname = "x"\ncode = "X-1"\n[layers.demolition]\npath = "demolition.gpkg"\n',
        encoding="utf-8",
    )
    result = check(tmp_path / "project.toml", rules=["GEOM001"])
    f = result.findings
    assert list(zip(f["plot_id"], f["severity"], strict=True)) == [("BAD1", "error")]
    assert "面积无法计算" in f["message"].iloc[0]
    plots_out = result.plots["demolition"]
    assert list(plots_out["ll_status"]) == ["pass", "error"]
    assert plots_out["ll_area_m2"].isna().tolist() == [False, True]
