"""Environment faults while writing, and inputs that used to crash: clear exit-2 messages,
nothing half-written.

Generated cases: a full disk (ENOSPC) at each output of a run — inside the GeoPackage (as an
``OSError`` and as GDAL reports it, in its own words on a full disk), the HTML report and the
xlsx —, a read-only output folder, a ledger path that is not a SQLite ledger, and a plot with a
coordinate of absurd magnitude (GEOS refuses to densify it). Every case: exit code, a message
naming the file and what to do, no traceback, inputs byte-identical, and no output of the run
left (an earlier complete output stays byte-identical).
"""

from __future__ import annotations

import errno
import os
import types
from pathlib import Path

import numpy as np
import pyogrio
import pytest

import landlink_gis.outputs.gpkg as gpkg_writer
from landlink_gis.io import atomic

from .make_corpus import _gpkg_set_blobs, _polygon_wkb, demolition, standard
from .outputs_support import assert_refused, files, hashes, invoke, project

ENOSPC = OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _full_disk_statvfs(folder: Path):
    real = os.statvfs

    def fake(path):
        st = real(path)
        if Path(path).resolve() == folder.resolve():
            return types.SimpleNamespace(f_flag=0, f_bavail=0, f_frsize=st.f_frsize)
        return st

    return fake


def _gdal_full_disk(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    """The third layer write fails as GDAL fails on a full disk (a FeatureError, no errno)."""
    real, calls = pyogrio.write_dataframe, []

    def write(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            monkeypatch.setattr(os, "statvfs", _full_disk_statvfs(folder))
            raise pyogrio.errors.FeatureError(
                "Could not add feature to layer at index 0: no such table: gpkg_contents"
            )
        return real(*args, **kwargs)

    monkeypatch.setattr(pyogrio, "write_dataframe", write)


def _gpkg_oserror(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    real, calls = gpkg_writer._write, []

    def write(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise ENOSPC
        return real(*args, **kwargs)

    monkeypatch.setattr(gpkg_writer, "_write", write)


def _html_full(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    real = Path.write_text

    def write_text(self, data, *args, **kwargs):
        if self.suffix == ".html":
            real(self, data[: len(data) // 2], *args, **kwargs)  # half of it reached the disk
            raise ENOSPC
        return real(self, data, *args, **kwargs)

    monkeypatch.setattr(Path, "write_text", write_text)


def _xlsx_full(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    from openpyxl import Workbook

    def save(self, filename):
        Path(filename).write_bytes(b"PK\x03\x04 half a workbook")
        raise ENOSPC

    monkeypatch.setattr(Workbook, "save", save)


def _read_only(monkeypatch: pytest.MonkeyPatch, folder: Path) -> None:
    real = os.statvfs

    def fake(path):
        st = real(path)
        if Path(path).resolve() == folder.resolve():
            return types.SimpleNamespace(
                f_flag=os.ST_RDONLY, f_bavail=st.f_bavail, f_frsize=st.f_frsize
            )
        return st

    monkeypatch.setattr(os, "statvfs", fake)
    monkeypatch.setattr(atomic.os, "statvfs", fake)


FAULTS = {
    "gpkg_enospc": (_gpkg_oserror, "checked.gpkg", "the disk is full"),
    "gpkg_gdal_full_disk": (_gdal_full_disk, "checked.gpkg", "the disk is full"),
    "html_enospc": (_html_full, "checked.html", "the disk is full"),
    "xlsx_enospc": (_xlsx_full, "checked.xlsx", "the disk is full"),
    "read_only_folder": (_read_only, "checked.gpkg", "read-only"),
}


@pytest.mark.parametrize("earlier", [False, True], ids=["fresh", "over_earlier_outputs"])
@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_a_fault_while_writing_leaves_no_output_of_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fault: str, earlier: bool
) -> None:
    toml = project(tmp_path)
    out_dir = tmp_path / "out"
    args = [
        "check",
        toml,
        "-o",
        out_dir / "checked.gpkg",
        "--report",
        "--xlsx",
        "--lang",
        "en",
        "-q",
    ]
    if earlier:
        assert invoke(*args).exit_code == 0
    before_out = hashes(out_dir) if out_dir.exists() else {}
    out_dir.mkdir(exist_ok=True)
    before = hashes(tmp_path / "in")
    inject, name, advice = FAULTS[fault]
    inject(monkeypatch, out_dir)
    result = invoke(*args)
    monkeypatch.undo()
    assert_refused(result, f"cannot write {out_dir / name}", advice, "(-o)")
    assert hashes(tmp_path / "in") == before
    # nothing of this run: no temporaries, no new output; earlier outputs byte-identical
    assert hashes(out_dir) == before_out
    assert files(out_dir) == sorted(Path(p).name for p in before_out)


def test_a_later_output_failing_removes_the_earlier_ones_of_the_same_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The GeoPackage and the HTML were complete when the xlsx failed: neither is left."""
    toml = project(tmp_path)
    seen: list[list[str]] = []
    from openpyxl import Workbook

    def save(self, filename):
        seen.append(files(tmp_path / "out"))  # what the run had written when the xlsx failed
        raise ENOSPC

    monkeypatch.setattr(Workbook, "save", save)
    result = invoke(
        "check", toml, "-o", tmp_path / "out" / "checked.gpkg", "--report", "--xlsx", "-q"
    )
    assert_refused(result, "checked.xlsx", "the disk is full")
    assert any(n.startswith(".checked.") and n.endswith(".tmp.gpkg") for n in seen[0]), seen
    assert any(n.startswith(".checked.") and n.endswith(".tmp.html") for n in seen[0]), seen
    assert files(tmp_path / "out") == []


def test_batch_output_fault_is_one_failed_project(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = project(tmp_path)
    _xlsx_full(monkeypatch, tmp_path / "out")
    from landlink_gis.batch import check_one

    row = check_one(
        str(toml), str(tmp_path / "out" / "a_checked.gpkg"), {"xlsx": True, "report": True}
    )
    assert row["status"] == "failed" and row["exit_code"] == 2
    assert "a_checked.xlsx" in row["message"] and "the disk is full" in row["message"]
    assert files(tmp_path / "out") == []


# ----------------------------------------------------------------------------- a ledger that is not
# one
NOT_LEDGERS = {
    "text": (b"project,plots\nA,3\n", "a text file"),
    "empty": (b"", "an empty file"),
    "zip_workbook": (b"PK\x03\x04" + bytes(60), "a ZIP archive"),
    "shapefile": (b"\x00\x00\x27\x0a" + bytes(96), "shapefile"),
    "random_binary": (bytes(range(256)) * 2, "binary file that is not SQLite"),
}


@pytest.mark.parametrize("kind", sorted(NOT_LEDGERS))
@pytest.mark.parametrize("how", ["ledger_cli", "project_ledger"])
def test_a_ledger_that_is_not_sqlite_is_named_and_described(
    tmp_path: Path, kind: str, how: str
) -> None:
    toml = project(tmp_path)
    data, what = NOT_LEDGERS[kind]
    ledger = tmp_path / "in" / "county_ledger.gpkg"
    ledger.write_bytes(data)
    if how == "project_ledger":
        with toml.open("a", encoding="utf-8") as fh:
            fh.write('\n[ledger]\npath = "county_ledger.gpkg"\n')
    before = hashes(tmp_path / "in")
    if how == "ledger_cli":
        result = invoke("ledger", "-L", ledger, "list")
    else:
        result = invoke("check", toml, "-o", tmp_path / "out" / "c.gpkg", "--lang", "en")
    assert_refused(result, str(ledger), "not a ledger", what, "landlink ledger init")
    assert hashes(tmp_path / "in") == before and files(tmp_path / "out") == []


def test_a_geopackage_that_is_not_a_ledger(tmp_path: Path) -> None:
    toml = project(tmp_path)
    other = tmp_path / "out" / "c.gpkg"
    assert invoke("check", toml, "-o", other, "-q").exit_code == 0
    before = hashes(other.parent)
    assert_refused(
        invoke("ledger", "-L", other, "list"),
        str(other),
        "not a ledger",
        "no ll_migrations table",
        "ledger add",
    )
    assert hashes(other.parent) == before


# ----------------------------------------------------------------------------- coordinates GEOS
# cannot handle
@pytest.mark.filterwarnings(
    "ignore::RuntimeWarning"
)  # overflow notes, printed (not raised) by the real CLI
@pytest.mark.parametrize("magnitude", [1e12, 1e150, 1e300])
def test_a_plot_with_an_absurd_coordinate_is_a_finding_not_a_crash(
    tmp_path: Path, magnitude: float
) -> None:
    """The area of such a plot is not computable (NaN), never an internal error or a 0 counted
    in."""
    folder = tmp_path / "in"
    folder.mkdir(parents=True)
    rng = np.random.default_rng(311)
    dem = demolition(rng)
    toml = standard(folder, rng, dem, fmt="gpkg")
    x0, y0, x1, y1 = dem.geometry.iloc[1].bounds
    ring = [
        (x0, y0),
        (x1, y0),
        (x1 + magnitude, y1),
        (x0, y1),
        (x0, y0),
    ]  # one vertex flung far away
    _gpkg_set_blobs(folder / "demolition.gpkg", "demolition", {2: _polygon_wkb(ring)})
    before = hashes(folder)
    out = tmp_path / "out" / "c.gpkg"
    result = invoke("check", toml, "-o", out, "--lang", "en")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert hashes(folder) == before
    plots = pyogrio.read_dataframe(out, layer="demolition_plots")
    assert np.isnan(plots["ll_area_m2"].iloc[1])
    assert (plots["ll_area_m2"].iloc[[0, 2]] > 0).all()
    findings = pyogrio.read_dataframe(out, layer="findings", read_geometry=False)
    assert "CRS003" in set(findings.loc[findings["severity"] == "error", "rule_id"])
