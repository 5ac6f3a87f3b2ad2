"""A check that spools its findings to disk gives the same findings, GeoPackage and digest as one
that holds them in memory (a generated bench project split into many small pieces)."""

from __future__ import annotations

import sqlite3
import sys

import numpy as np
import pandas as pd
import pytest
import shapely

from landlink_gis.outputs.gpkg import write_checked_gpkg
from landlink_gis.outputs.summary import summary_text
from landlink_gis.run.runner import check
from landlink_gis.run.spool import FindingSpool
from tests.support import REPO, SAMPLES

sys.path.insert(0, str(REPO / "scripts" / "bench"))

#: tables whose rows hold the run's times (run_info, the metadata document) or write times (styles)
_TIMED = {"run_info", "gpkg_metadata", "layer_styles"}


def _tables(path) -> dict[str, list]:
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM gpkg_contents ORDER BY rowid")]
        out = {"(layers in order)": names}
        for name in names:
            out[f"{name} (schema)"] = con.execute(f'PRAGMA table_info("{name}")').fetchall()
            if name not in _TIMED:
                out[name] = con.execute(f'SELECT * FROM "{name}" ORDER BY fid').fetchall()
        out["digest"] = con.execute(
            "SELECT value FROM run_info WHERE key = 'content_sha256'"
        ).fetchall()
        return out
    finally:
        con.close()


def _same_findings(a, b) -> None:
    cols = [c for c in a.columns if c != "geometry"]
    pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True))
    wa = shapely.to_wkb(np.asarray(a.geometry.array, dtype=object))
    wb = shapely.to_wkb(np.asarray(b.geometry.array, dtype=object))
    assert list(wa) == list(wb)


@pytest.fixture(scope="module")
def bench_project(tmp_path_factory):
    from generate import generate

    folder = tmp_path_factory.mktemp("bench")
    generate(folder, "small", plots=3000, landuse=20_000, shape="partial")
    return folder / "project.toml"


@pytest.mark.parametrize("which", ["bench", "sample"])
def test_spooled_check_writes_the_same_geopackage(which, bench_project, tmp_path):
    project = bench_project if which == "bench" else SAMPLES / "bazhong_demo" / "project.toml"
    memory = check(project)
    spool = FindingSpool(memory.crs, batch_rows=97)
    spooled = check(project, spool=spool)
    n = len(memory.findings)
    assert n > (1000 if which == "bench" else 20)
    # the findings went to disk in many pieces, and only the index stayed in memory
    assert spooled.findings_spool is spool and len(spool) == n
    assert len(list(spool.batches())) >= n / 97
    assert spooled.counts() == memory.counts()
    pd.testing.assert_frame_equal(
        spooled.finding_index, memory.finding_index, check_dtype=False, check_index_type=False
    )
    assert summary_text(spooled, lang="en") == summary_text(memory, lang="en")
    for role, frame in memory.plots.items():
        pd.testing.assert_frame_equal(spooled.plots[role], frame)
    a, b = tmp_path / "memory.gpkg", tmp_path / "spooled.gpkg"
    write_checked_gpkg(memory, a)
    write_checked_gpkg(spooled, b)
    assert spooled.findings_spool is spool  # written piece by piece, never read whole
    ta, tb = _tables(a), _tables(b)
    assert ta.keys() == tb.keys()
    for key in ta:
        assert ta[key] == tb[key], key
    assert len(ta["findings"]) + len(ta["finding_points"]) == n
    # read back whole, the findings are the in-memory ones
    _same_findings(spooled.findings, memory.findings)
    assert spooled.findings_spool is None


def test_empty_and_closed_spools(tmp_path):
    spool = FindingSpool("EPSG:4545", batch_rows=5)
    spool.add(None)
    assert len(spool) == 0 and list(spool.batches()) == [] and len(spool.frame()) == 0
    assert list(spool.index.columns) == ["rule_id", "severity", "layer", "plot_id"]
    folder = spool._dir
    assert folder.exists()
    spool.close()
    assert not folder.exists()
    with pytest.raises(ValueError, match="closed"):
        spool.add(check(SAMPLES / "bazhong_demo" / "project.toml").findings)
    with pytest.raises(ValueError, match="at least 1"):
        FindingSpool("EPSG:4545", batch_rows=0)


def test_cli_check_removes_its_spool(tmp_path, monkeypatch):
    # landlink check spools its findings and removes the spool once the outputs are written,
    # also when writing is refused (here: the output would replace the project file)
    import tempfile

    from click.testing import CliRunner

    from landlink_gis.cli.main import cli

    spools = tmp_path / "tmp"
    spools.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spools))
    project = SAMPLES / "bazhong_demo" / "project.toml"
    ok = CliRunner().invoke(cli, ["check", str(project), "-o", str(tmp_path / "c.gpkg"), "-q"])
    assert ok.exit_code == 1, ok.output  # the demo's planted errors
    assert (tmp_path / "c.gpkg").exists() and list(spools.iterdir()) == []
    refused = CliRunner().invoke(cli, ["check", str(project), "-o", str(project), "-q"])
    assert refused.exit_code == 2 and "refusing to write over an input" in refused.output
    assert list(spools.iterdir()) == []


def test_findings_made_in_pieces_are_the_whole_layers_findings(bench_project, monkeypatch):
    # the overlap rules, PLAN004 and PLAN005 (a finding per construction plot) make their
    # findings CHUNK_PLOTS plots at a time; with pieces of 7 plots (hundreds of pieces on the
    # generated project) the findings are those of one piece, in the same order, in memory and
    # spooled
    from landlink_gis.rules import _common

    rules = ["OVL", "PLAN004", "PLAN005"]
    whole = check(bench_project, rules=rules)
    counts = whole.findings["rule_id"].value_counts()
    assert counts["OVL001"] > 100 and counts["PLAN004"] > 100  # both rules fire on many plots
    assert counts["PLAN005"] == len(whole.plot_attributes["construction"]) > 7
    monkeypatch.setattr(_common, "CHUNK_PLOTS", 7)
    pieces = check(bench_project, rules=rules)
    _same_findings(pieces.findings, whole.findings)
    spool = FindingSpool(whole.crs, batch_rows=1000)
    spooled = check(bench_project, rules=rules, spool=spool)
    assert len(list(spool.batches())) > len(whole.findings) / 7 / 10  # a batch per piece
    _same_findings(spooled.findings, whole.findings)


def test_a_rule_that_crashes_midway_keeps_its_pieces_in_memory_and_spooled(monkeypatch):
    # a rule yielding pieces that fails after the first keeps that piece and adds one error
    # finding naming the crash, whether the findings are held or spooled
    from landlink_gis.rules import _common, overlaps
    from landlink_gis.rules._registry import REGISTRY

    real = overlaps.overlap_findings

    def fails_after_one(*args, **kwargs):
        pieces = real(*args, **kwargs)
        yield next(pieces)
        raise RuntimeError("disk full")

    monkeypatch.setattr(overlaps, "overlap_findings", fails_after_one)
    monkeypatch.setattr(_common, "CHUNK_PLOTS", 1)
    project = SAMPLES / "bazhong_demo" / "project.toml"
    assert REGISTRY["OVL001"].func.__module__ == overlaps.__name__
    for spool in (False, True):
        found = check(project, rules=["OVL001"], lang="en", spool=spool).findings
        assert found["rule_id"].tolist() == ["OVL001", "OVL001"], spool
        assert found["severity"].tolist()[1] == "error"
        assert "disk full" in found["message"].iloc[1]
        assert found["plot_id"].iloc[0] != ""  # the first piece: a real overlap


@pytest.mark.parametrize("which", ["bench", "sample"])
def test_reference_layers_made_a_chunk_at_a_time_write_the_same_geopackage(
    which, bench_project, tmp_path, monkeypatch
):
    # the big reference layers are held packed (WKB) and made into GEOS geometries CHUNK features
    # at a time; with one chunk (the whole layer, as an in-memory check holds it) and with small
    # chunks (dozens per layer, and overlap findings made 7 plots at a time) the check writes the
    # same GeoPackage, digest included
    from landlink_gis.engine import packed
    from landlink_gis.rules import _common

    project = bench_project if which == "bench" else SAMPLES / "bazhong_demo" / "project.toml"
    from landlink_gis.outputs import gpkg as gpkg_writer

    monkeypatch.setattr(packed, "CHUNK", 10**9)
    monkeypatch.setattr(gpkg_writer, "PLOT_ROWS_PER_WRITE", 10**9)
    whole = check(project)
    assert whole.counts()["error"] > 0
    monkeypatch.setattr(packed, "CHUNK", 997 if which == "bench" else 3)
    monkeypatch.setattr(_common, "CHUNK_PLOTS", 7)  # and the overlap rules' pieces of plots
    chunked = check(project)
    landuse = chunked.reference_layers["landuse"]
    assert isinstance(landuse, packed.PackedGeometries)
    assert len(landuse) > 5 * packed.CHUNK  # several chunks of the land survey
    a, b = tmp_path / "whole.gpkg", tmp_path / "chunked.gpkg"
    write_checked_gpkg(whole, a)
    # and the plot layers written a few rows at a time
    monkeypatch.setattr(gpkg_writer, "PLOT_ROWS_PER_WRITE", 13 if which == "bench" else 2)
    write_checked_gpkg(chunked, b)
    ta, tb = _tables(a), _tables(b)
    assert ta.keys() == tb.keys()
    for key in ta:
        assert ta[key] == tb[key], key
    _same_findings(chunked.findings, whole.findings)
    pd.testing.assert_frame_equal(chunked.balance, whole.balance)
