"""The dask backend gives exactly the local engine's pairs and findings (sample and small bench
size)."""

from __future__ import annotations

import sys

import distributed  # noqa: E402  (the [dask] extra, installed by `make venv`)
import numpy as np
import pandas as pd
import pytest
import shapely
from click.testing import CliRunner

from landlink_gis.base.errors import InputError
from landlink_gis.engine.dask_engine import dask_engine  # noqa: E402
from landlink_gis.engine.overlay import compute_pairs, overlay_pairs
from landlink_gis.run.runner import check
from tests.support import REPO, SAMPLES
from tests.support.geoms import CRS, X0, Y0
from tests.support.helpers import geos_overlap_path

sys.path.insert(0, str(REPO / "scripts" / "bench"))


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as c:
        yield c


def _polys(seed, n, size):
    rng = np.random.default_rng(seed)
    return shapely.buffer(
        shapely.points(X0 + rng.uniform(0, 3000, n), Y0 + rng.uniform(0, 3000, n)),
        size,
        quad_segs=3,
    )


def _same_findings(a, b):
    cols = [c for c in a.findings.columns if c != "geometry"]
    pd.testing.assert_frame_equal(
        a.findings[cols].reset_index(drop=True), b.findings[cols].reset_index(drop=True)
    )
    wa = shapely.to_wkb(np.asarray(a.findings.geometry.array, dtype=object))
    wb = shapely.to_wkb(np.asarray(b.findings.geometry.array, dtype=object))
    assert list(wa) == list(wb)


def test_pairs_identical_to_local_engine(cluster):
    left, right = _polys(1, 1500, 15), _polys(2, 2500, 20)
    right[::31] = None
    local = compute_pairs(left, right, crs=CRS)
    local_self = compute_pairs(left, left, crs=CRS, self_join=True)
    with dask_engine(cluster.scheduler_address, npartitions=6):
        dist = overlay_pairs(left, right, crs=CRS)
        dist_self = overlay_pairs(left, left, crs=CRS, self_join=True)
    for a, b in ((local, dist), (local_self, dist_self)):
        assert len(a) > 100
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
        assert shapely.equals_exact(
            a["geometry"].to_numpy(), b["geometry"].to_numpy(), tolerance=0
        ).all()


def test_sample_findings_identical(cluster):
    project = SAMPLES / "bazhong_demo" / "project.toml"
    local = check(project)
    with dask_engine(cluster.scheduler_address, npartitions=3):
        dist = check(project)
    assert len(local.findings) > 10
    _same_findings(local, dist)


def test_small_bench_findings_identical(cluster, tmp_path):
    from generate import generate

    generate(tmp_path, "small")
    local = check(tmp_path / "project.toml")
    with dask_engine(cluster.scheduler_address, npartitions=4):
        dist = check(tmp_path / "project.toml")
    assert (local.findings["rule_id"] == "GEOM004").any() or (
        local.findings["rule_id"] == "OVL001"
    ).any()
    _same_findings(local, dist)


def test_holes_noise_findings_identical_and_spooled(cluster, tmp_path):
    # plots re-digitised into survey holes (half their vertices snapped): the kernel's close
    # calls decide them on the workers as locally, and the spooled check gives the same findings
    from generate import generate

    generate(tmp_path, "small", plots=1500, landuse=4000, shape="holes_noise")
    local = check(tmp_path / "project.toml")
    with dask_engine(cluster.scheduler_address, npartitions=4):
        dist = check(tmp_path / "project.toml", spool=True)
    assert dist.findings_spool is not None and dist.counts() == local.counts()
    assert len(local.findings) > 500
    assert not local.findings["message"].str.contains("运行出错").any()  # no rule crashed
    _same_findings(local, dist)


def test_cli_engine_dask_with_scheduler(cluster, tmp_path):
    from landlink_gis.cli.main import cli

    project = str(SAMPLES / "bazhong_demo" / "project.toml")
    runner = CliRunner()
    local = runner.invoke(cli, ["check", project, "-o", str(tmp_path / "local.gpkg"), "-q"])
    dist = runner.invoke(
        cli,
        [
            "check",
            project,
            "-o",
            str(tmp_path / "dask.gpkg"),
            "-q",
            "--engine",
            "dask",
            "--scheduler",
            cluster.scheduler_address,
        ],
    )
    assert local.exit_code == dist.exit_code == 1, dist.output
    import geopandas as gpd

    a = gpd.read_file(tmp_path / "local.gpkg", layer="findings")
    b = gpd.read_file(tmp_path / "dask.gpkg", layer="findings")
    pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))


def _batch(tmp_path, *extra):
    from landlink_gis.cli.main import cli

    projects = [str(SAMPLES / name / "project.toml") for name in ("bazhong_demo", "bazhong_clean")]
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["check", *projects, "-o", str(out), "-q", *extra])
    return result, out


def test_batch_runs_its_overlaps_on_the_scheduler(cluster, tmp_path, monkeypatch):
    # several projects with --engine dask --scheduler in one process: one dask_engine for the
    # batch, on that cluster, and the findings equal a local batch's
    from landlink_gis.engine import dask_engine as module

    local, local_out = _batch(tmp_path / "local", "--workers", "1")
    calls = []
    real = module.dask_engine

    def spy(scheduler=None, **kw):
        calls.append(scheduler)
        return real(scheduler, **kw)

    monkeypatch.setattr("landlink_gis.batch.dask_engine", spy)
    dist, dist_out = _batch(
        tmp_path / "dask",
        "--workers",
        "1",
        "--engine",
        "dask",
        "--scheduler",
        cluster.scheduler_address,
    )
    assert local.exit_code == dist.exit_code == 1, dist.output
    assert calls == [cluster.scheduler_address]  # one cluster for the batch run in this process
    import geopandas as gpd

    for name in ("bazhong_demo", "bazhong_clean"):
        a = gpd.read_file(local_out / f"{name}_checked.gpkg", layer="findings")
        b = gpd.read_file(dist_out / f"{name}_checked.gpkg", layer="findings")
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))


def test_batch_in_several_worker_processes_runs_on_the_scheduler(tmp_path):
    # `landlink check projects/ --engine dask --scheduler ADDRESS --workers 2`: each worker
    # process connects to that scheduler and runs its check's overlaps there; the findings equal
    # a local-engine batch of the same projects. A TCP scheduler, so that the spawned worker
    # processes can reach it (an in-process cluster's default inproc:// address cannot be).
    import shutil

    import geopandas as gpd

    from landlink_gis.cli.main import cli

    projects = tmp_path / "projects"
    for name in ("p1", "p2"):
        shutil.copytree(SAMPLES / "bazhong_clean", projects / name)
    runner = CliRunner()
    local = runner.invoke(cli, ["check", str(projects), "-o", str(tmp_path / "local"), "-q"])
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        protocol="tcp",
        dashboard_address=":0",
    ) as tcp:
        address = tcp.scheduler_address
        assert address.startswith("tcp://")
        dist = runner.invoke(
            cli,
            [
                "check",
                str(projects),
                "-o",
                str(tmp_path / "dask"),
                "-q",
                "--engine",
                "dask",
                "--scheduler",
                address,
                "--workers",
                "2",
            ],
        )
        scheduler = tcp.scheduler
        events = [e for _, e in scheduler.get_events("all")]
        finished = {
            t[0]  # (key, start, finish, …): the scheduler's record of every transition
            for t in scheduler.transition_log
            if str(t[0]).startswith("_partition_task") and t[2] == "memory"
        }
        erred = [t[0] for t in scheduler.transition_log if t[2] == "erred"]
    assert local.exit_code == dist.exit_code == 0, dist.output
    # what the cluster saw: one client per project's check (opened in the worker processes;
    # this process ran none), each scattering its reference partitions, and the overlap
    # partitions computed there without error
    clients = [e["client"] for e in events if e.get("action") == "add-client"]
    assert len(clients) == len(set(clients)) == 2
    scattered = {e.get("client") for e in events if e.get("action") == "scatter"}
    assert scattered == set(clients)
    assert len(finished) >= 2 and not erred
    for name in ("p1", "p2"):
        a = gpd.read_file(tmp_path / "local" / f"{name}_checked.gpkg", layer="findings")
        b = gpd.read_file(tmp_path / "dask" / f"{name}_checked.gpkg", layer="findings")
        assert len(a) > 0
        pd.testing.assert_frame_equal(a.drop(columns="geometry"), b.drop(columns="geometry"))
        assert list(a.geometry.to_wkb()) == list(b.geometry.to_wkb())


def test_batch_with_dask_on_several_workers_needs_a_scheduler(tmp_path):
    result, out = _batch(tmp_path, "--workers", "2", "--engine", "dask")
    assert result.exit_code == 2
    assert "--engine dask with several worker processes needs --scheduler" in result.output
    assert not out.exists() or not any(out.iterdir())


def test_scheduler_without_engine_dask_is_refused(tmp_path):
    from landlink_gis.cli.main import cli

    project = str(SAMPLES / "bazhong_demo" / "project.toml")
    result = CliRunner().invoke(
        cli, ["check", project, "-o", str(tmp_path / "x.gpkg"), "--scheduler", "tcp://h:1"]
    )
    assert result.exit_code == 2 and "--scheduler names the dask scheduler" in result.output
    assert not (tmp_path / "x.gpkg").exists()


def test_unreachable_scheduler_is_a_clear_error():
    with pytest.raises(InputError, match="cannot reach the dask scheduler"):
        with dask_engine("tcp://127.0.0.1:9", timeout="1s"):
            pass


def test_area_only_pairs_identical_with_the_kernel(cluster):
    # the compiled area kernel runs inside each partition: the dask pairs equal the local ones, and
    # both agree with the forced GEOS path to 1e-9 relative
    left, right = _polys(3, 1200, 15), _polys(4, 2000, 20)
    local = compute_pairs(left, right, crs=CRS, geometry=False)
    with dask_engine(cluster.scheduler_address, npartitions=5):
        dist = overlay_pairs(left, right, crs=CRS, geometry=False)
    assert "geometry" not in dist.columns and len(local) > 100
    pd.testing.assert_frame_equal(local, dist)
    with geos_overlap_path():
        by_geos = compute_pairs(left, right, crs=CRS)
    assert local[["left", "right"]].values.tolist() == by_geos[["left", "right"]].values.tolist()
    np.testing.assert_allclose(
        local["area_planar_m2"], by_geos["area_planar_m2"], rtol=1e-9, atol=1e-6
    )
    np.testing.assert_allclose(local["area_m2"], by_geos["area_m2"], rtol=1e-9, atol=1e-6)


def test_packed_reference_layer_streams_to_the_workers(cluster, monkeypatch):
    # a packed layer (as the check context holds the land survey), through its usable view
    # (missing geometries dropped, an invalid one repaired): each partition is sent its WKB
    # and walked a chunk at a time on the worker; pairs, areas and geometry equal the local
    # engine's on the same geometries, and the client never makes the whole layer
    from landlink_gis.engine import packed as packed_mod
    from landlink_gis.engine.packed import PackedGeometries
    from landlink_gis.load.context import geometry_state

    left, right = _polys(5, 1200, 15), _polys(6, 2200, 20)
    right[::37] = None
    right[5] = shapely.Polygon(
        [(X0, Y0), (X0 + 400, Y0 + 400), (X0 + 400, Y0), (X0, Y0 + 400)]
    )  # a bow-tie
    present, invalid = geometry_state(right)
    assert invalid.sum() == 1
    monkeypatch.setattr(packed_mod, "CHUNK", 150)  # several chunks per partition
    view = PackedGeometries.pack(right).usable(present, invalid)
    monkeypatch.setattr(
        PackedGeometries,
        "__array__",
        lambda *a, **k: pytest.fail("the whole packed layer was made on the client"),
    )
    usable = view.copy()
    for geometry in (True, False):
        local = compute_pairs(left, usable, crs=CRS, geometry=geometry)
        with dask_engine(cluster.scheduler_address, npartitions=5):
            dist = overlay_pairs(left, view, crs=CRS, geometry=geometry)
        assert len(local) > 100 and (local["right"] == 5).any()
        if geometry:
            assert shapely.equals_exact(
                local["geometry"].to_numpy(), dist["geometry"].to_numpy(), tolerance=0
            ).all()
            local, dist = local.drop(columns="geometry"), dist.drop(columns="geometry")
        pd.testing.assert_frame_equal(local, dist)
