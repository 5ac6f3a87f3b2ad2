"""``ledger add`` registers only what ``landlink check`` wrote: an edited filing GeoPackage is
refused.

The check stores a digest of the plot layers, findings and balance in ``run_info``; ``ledger add``
computes it again. Generated edits — error findings deleted or downgraded, a plot status set to
pass, a plot moved, an id changed, a balance figure changed, the digest removed — are each refused
with exit 2 naming the file and saying to check it again, the ledger and the file unchanged; with
``--force --reason`` the project is registered and the reason records what was not verified.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
import shapely

from landlink_gis.io.gpkg_digest import DIGEST_KEY, content_digest

from .make_corpus import _gpkg_set_blobs
from .outputs_support import assert_refused, hashes, invoke, project


def _sql(*statements: str) -> Callable[[Path], None]:
    def edit(path: Path) -> None:
        con = sqlite3.connect(path)
        try:
            for (trigger,) in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).fetchall():
                con.execute(
                    f'DROP TRIGGER "{trigger}"'
                )  # GDAL's R-tree triggers need its SQL functions
            for stmt in statements:
                assert con.execute(stmt).rowcount != 0, stmt
            con.commit()
        finally:
            con.close()

    return edit


def _move_plot(path: Path) -> None:
    con = sqlite3.connect(path)
    blob = con.execute("SELECT geom FROM demolition_plots WHERE fid = 1").fetchone()[0]
    con.close()
    header = 8 + {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(blob[3] >> 1) & 0b111]
    moved = shapely.affinity.translate(shapely.from_wkb(bytes(blob[header:])), xoff=5.0)
    _gpkg_set_blobs(path, "demolition_plots", {1: shapely.to_wkb(moved, byte_order=1)})


EDITS: dict[str, tuple[Callable[[Path], None], str]] = {
    "error_findings_deleted": (
        _sql("DELETE FROM findings WHERE severity = 'error'"),
        "changed after `landlink check`",
    ),
    "errors_downgraded": (
        _sql("UPDATE findings SET severity = 'warning' WHERE severity = 'error'"),
        "changed after `landlink check`",
    ),
    "status_set_to_pass": (
        _sql("UPDATE demolition_plots SET ll_status = 'pass'"),
        "changed after `landlink check`",
    ),
    "plot_moved": (_move_plot, "changed after `landlink check`"),
    "plot_id_changed": (
        _sql("UPDATE construction_plots SET DKBH = 'JX999' WHERE fid = 1"),
        "changed after `landlink check`",
    ),
    "balance_changed": (
        _sql("UPDATE balance SET area_m2 = area_m2 * 2 WHERE area_m2 > 0"),
        "changed after `landlink check`",
    ),
    "digest_removed": (
        _sql(f"DELETE FROM run_info WHERE key = '{DIGEST_KEY}'"),
        "no content digest",
    ),
}


@pytest.fixture()
def checked(tmp_path: Path) -> tuple[Path, Path]:
    """A checked GeoPackage with error findings (duplicate plot ids) and an empty ledger."""
    toml = project(tmp_path, "duplicate_ids")
    out = tmp_path / "filing" / "checked.gpkg"
    assert invoke("check", toml, "-o", out, "-q").exit_code == 1
    ledger = tmp_path / "ledger" / "county.gpkg"
    assert invoke("ledger", "init", ledger, "--crs", "EPSG:4545").exit_code == 0
    return out, ledger


def test_an_unedited_file_is_registered_and_left_alone(checked: tuple[Path, Path]) -> None:
    out, ledger = checked
    before = hashes(out.parent)
    result = invoke(
        "ledger", "-L", ledger, "add", out, "--force", "--reason", "县政府批准"
    )  # forced for its error findings
    assert result.exit_code == 0 and "registered plan version 1" in result.output, result.output
    assert hashes(out.parent) == before  # nothing written beside it (no .aux.xml)


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_an_edited_file_is_refused(checked: tuple[Path, Path], edit: str) -> None:
    out, ledger = checked
    change, fragment = EDITS[edit]
    change(out)
    before_file, before_ledger = hashes(out.parent), hashes(ledger.parent)
    result = invoke("ledger", "-L", ledger, "add", out)
    assert_refused(result, str(out), fragment, "check it again", "--force --reason")
    assert hashes(out.parent) == before_file and hashes(ledger.parent) == before_ledger
    assert "(none)" in invoke("ledger", "-L", ledger, "list").output

    forced = invoke("ledger", "-L", ledger, "add", out, "--force", "--reason", "复核后登记")
    assert forced.exit_code == 0 and "registered plan version 1" in forced.output, forced.output
    listed = invoke("ledger", "-L", ledger, "list").output
    note = "not verified" if edit == "digest_removed" else "file changed after the check"
    assert "复核后登记" in listed and note in listed, listed
    # the register says the plan went in forced, for the unverifiable content itself
    from landlink_gis.ledger import open_ledger

    row = open_ledger(ledger).projects().iloc[0]
    assert bool(row["forced"]) and row["reason"].startswith("复核后登记")


def test_the_digest_covers_what_the_filing_rests_on(checked: tuple[Path, Path]) -> None:
    out, _ledger = checked
    stored = dict(sqlite3.connect(out).execute("SELECT key, value FROM run_info").fetchall())[
        DIGEST_KEY
    ]
    assert stored == content_digest(out)
    # a change outside the covered layers (the style table) leaves it as it was
    _sql("UPDATE layer_styles SET description = 'edited'")(out)
    assert content_digest(out) == stored
