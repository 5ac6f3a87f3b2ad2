"""The filing GeoPackage is replaced only when the new one is complete.

A run is interrupted part-way through writing (after its first layer is in the temporary file):
the previous output stays byte-identical. Two runs writing different outputs at once do not
interfere, and a project in a read-only folder can be checked.
"""

from __future__ import annotations

import hashlib
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
from click.testing import CliRunner

from landlink_gis.cli.main import cli
from tests.hostile.make_corpus import build

# Runs `landlink check` with the GeoPackage writer paused after its first layer: it writes a
# marker file, then sleeps until the test interrupts it.
_DRIVER = """
import faulthandler, pathlib, signal, sys, time
faulthandler.register(signal.SIGUSR1, all_threads=True)  # the test asks for stacks if it hangs
# Ctrl-C as a terminal gives it, whatever this process inherited: Python keeps an inherited
# "ignore" for SIGINT, and earlier tests' libraries may leave one in the test process
signal.signal(signal.SIGINT, signal.default_int_handler)
# SIGINT blocked here, before any library starts a thread, so every thread inherits the block:
# the kernel delivers a process-directed signal to any thread that does not block it, and one
# taken by a library's thread pool would not wake the main thread's sleep below
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
import landlink_gis.outputs.gpkg as gpkg
from landlink_gis.cli.main import cli
marker = pathlib.Path(sys.argv[1])
real = gpkg._write
def paused(*args, **kwargs):
    real(*args, **kwargs)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # the main thread takes it
    part = marker.with_name(marker.name + ".part")  # the test polls for the marker: write it whole
    part.write_text(str(args[1]))
    part.rename(marker)
    time.sleep(600)
gpkg._write = paused
cli(["check", sys.argv[2], "-o", sys.argv[3], "-q"])
"""


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _project(tmp_path: Path) -> Path:
    return build("self_intersecting_ring", tmp_path)


def _interrupted(tmp_path: Path, sig: int) -> tuple[Path, str, Path]:
    toml = _project(tmp_path)
    out = tmp_path / "out" / "checked.gpkg"
    first = CliRunner().invoke(cli, ["check", str(toml), "-o", str(out), "-q"])
    assert first.exit_code == 1 and out.exists()
    old = _sha(out)
    marker = tmp_path / "marker"
    proc = subprocess.Popen(
        [sys.executable, "-c", _DRIVER, str(marker), str(toml), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stdout.read().decode()
            assert time.monotonic() < deadline, "the run never reached the writer"
            time.sleep(0.05)
        tmp = Path(marker.read_text())
        assert (
            tmp.exists() and tmp.parent == out.parent and tmp != out
        )  # half written, beside the target
        assert _sha(out) == old
        proc.send_signal(sig)
        # read its output while waiting: a child blocked on a full pipe would never exit
        try:
            output, _ = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGUSR1)  # every thread's stack, to say where it hangs
            time.sleep(2)
            proc.kill()
            output, _ = proc.communicate()
            raise AssertionError(output.decode(errors="replace")) from None
        assert proc.returncode != 0, output.decode(errors="replace")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    return out, old, tmp


def test_ctrl_c_while_writing_keeps_old_output_and_removes_temp(tmp_path: Path) -> None:
    out, old, tmp = _interrupted(tmp_path, signal.SIGINT)
    assert _sha(out) == old
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # no temporary file left
    assert len(gpd.read_file(out, layer="demolition_plots")) == 3


def test_kill_while_writing_keeps_old_output(tmp_path: Path) -> None:
    out, old, tmp = _interrupted(tmp_path, signal.SIGKILL)
    assert _sha(out) == old
    assert len(gpd.read_file(out, layer="demolition_plots")) == 3
    # SIGKILL gives no chance to clean up: the hidden temporary file stays until the next run of the
    # same output, which removes it (its writer is gone) and writes a complete file
    assert tmp.name.startswith(".checked.") and tmp.exists()
    again = CliRunner().invoke(
        cli, ["check", str(tmp_path / "in" / "project.toml"), "-o", str(out), "-q"]
    )
    assert again.exit_code == 1
    assert len(gpd.read_file(out, layer="findings")) > 0
    assert not tmp.exists()
    assert sorted(p.name for p in out.parent.iterdir() if p.name.startswith(".")) == []


def test_two_runs_at_once_do_not_interfere(tmp_path: Path) -> None:
    toml = _project(tmp_path)
    outs = [tmp_path / "out" / "a.gpkg", tmp_path / "out" / "b.gpkg"]
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "landlink_gis.cli.main", "check", str(toml), "-o", str(o), "-q"]
        )
        for o in outs
    ]
    codes = [p.wait(timeout=300) for p in procs]
    assert codes == [1, 1]
    assert sorted(p.name for p in outs[0].parent.iterdir()) == [
        "a.gpkg",
        "b.gpkg",
    ]  # no temporary files
    frames = [
        gpd.read_file(o, layer="findings").sort_values("finding_id").reset_index(drop=True)
        for o in outs
    ]
    assert list(frames[0]["finding_id"]) == list(frames[1]["finding_id"])
    plots = [gpd.read_file(o, layer="demolition_plots") for o in outs]
    assert np.allclose(plots[0]["ll_area_m2"], plots[1]["ll_area_m2"])


def test_read_only_input_folder(tmp_path: Path) -> None:
    toml = _project(tmp_path)
    folder = toml.parent
    files = sorted(folder.iterdir())
    before = {p.name: _sha(p) for p in files}
    for p in files:
        p.chmod(stat.S_IRUSR | stat.S_IRGRP)
    folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        out = tmp_path / "out" / "checked.gpkg"
        result = CliRunner().invoke(cli, ["check", str(toml), "-o", str(out), "-q"])
        assert result.exit_code == 1, result.output
        assert out.exists()
        assert {p.name: _sha(p) for p in sorted(folder.iterdir())} == before
    finally:
        folder.chmod(stat.S_IRWXU)
        for p in files:
            os.chmod(p, stat.S_IRUSR | stat.S_IWUSR)
