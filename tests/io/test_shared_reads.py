"""A batch reads each shared reference layer once, and its findings equal separate checks'."""

from __future__ import annotations

import re
import shutil

import pyogrio

import landlink_gis.io.chunks as chunks
from landlink_gis.batch import run_batch
from landlink_gis.run.runner import check
from tests.support import SAMPLES


def two_projects_sharing_reference(tmp_path):
    """The demo twice (under two project codes), both naming one county reference.gpkg."""
    county = tmp_path / "county"
    county.mkdir()
    shutil.copy(SAMPLES / "bazhong_demo" / "reference.gpkg", county / "reference.gpkg")
    files = []
    for name in ("a", "b"):
        folder = tmp_path / name
        shutil.copytree(
            SAMPLES / "bazhong_demo", folder, ignore=shutil.ignore_patterns("reference.gpkg")
        )
        toml = folder / "project.toml"
        text = toml.read_text(encoding="utf-8").replace(
            'path = "reference.gpkg"', 'path = "../county/reference.gpkg"'
        )
        text = re.sub(r'code = "[^"]+"', f'code = "TEST-{name}"', text, count=1)
        toml.write_text(text, encoding="utf-8")
        files.append(toml)
    return files


def _comparable(findings):
    return sorted(
        (
            r.rule_id,
            r.severity,
            r.layer,
            r.plot_id,
            r.other_id,
            round(float(r.measured), 6) if r.measured == r.measured else None,
        )
        for r in findings.itertuples()
    )


def test_batch_reads_each_shared_layer_once_with_identical_findings(tmp_path, monkeypatch):
    files = two_projects_sharing_reference(tmp_path)
    alone = {f: check(f) for f in files}
    calls = []
    real = chunks.read_vector_chunks

    def counting(path, *args, **kwargs):
        calls.append(str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(chunks, "read_vector_chunks", counting)
    summary = run_batch(files, out_dir=tmp_path / "out", workers=1, shared_reads=True)
    assert list(summary["status"]) == ["errors", "errors"]
    # six streamed roles of the shared reference.gpkg, each read once for both projects
    assert len(calls) == 6 and len(set(calls)) == 1
    for f, gpkg in zip(files, summary["gpkg"], strict=True):
        batch = pyogrio.read_dataframe(gpkg, layer="findings")
        points = pyogrio.read_dataframe(gpkg, layer="finding_points")
        got = _comparable(batch) + _comparable(points)
        assert sorted(got) == _comparable(alone[f].findings)
        run_info = pyogrio.read_dataframe(gpkg, layer="run_info")
        landuse = run_info[run_info["key"] == "input.landuse"]["value"].iloc[0]
        assert (
            "county/reference.gpkg" in landuse
            and alone[f].run_info["inputs"]["landuse"]["sha256"] in landuse
        )


def test_parallel_batch_with_shared_layers_matches(tmp_path):
    files = two_projects_sharing_reference(tmp_path)
    summary = run_batch(files, out_dir=tmp_path / "out", workers=2, shared_reads=True)
    alone = [check(f).counts() for f in files]
    assert [int(e) for e in summary["errors"]] == [c["error"] for c in alone]
    assert [int(w) for w in summary["warnings"]] == [c["warning"] for c in alone]


def test_without_shared_reads_each_project_reads_its_own(tmp_path, monkeypatch):
    files = two_projects_sharing_reference(tmp_path)
    calls = []
    real = chunks.read_vector_chunks
    monkeypatch.setattr(
        chunks,
        "read_vector_chunks",
        lambda path, *a, **k: calls.append(str(path)) or real(path, *a, **k),
    )
    run_batch(files, out_dir=tmp_path / "out", workers=1)
    assert len(calls) == 12
