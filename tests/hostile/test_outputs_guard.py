"""Nothing the tool writes replaces an input or the ledger, however the output path reaches it.

Generated cases: for ``landlink check`` (the filing GeoPackage, the HTML report, the xlsx), the
ledger exports and the monthly report, an output path that *is* a protected file — directly,
through a symbolic link, or as a hard link — is refused with exit 2 naming both files, before
anything is written; every input stays byte-identical and no output appears.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from landlink_gis.base.errors import OutputError
from landlink_gis.io.atomic import atomic_path, protected_paths, refuse_protected

from .outputs_support import assert_refused, files, hashes, invoke, project

#: input file of the corpus project (shapefile sidecars included) → how the output reaches it
INPUTS = (
    "project.toml",
    "demolition.shp",
    "demolition.dbf",
    "demolition.shx",
    "demolition.prj",
    "construction.shp",
)
LINKS = ("direct", "symlink", "hardlink")


def _reach(target: Path, victim: Path, how: str) -> Path:
    """Make ``target`` reach ``victim`` (``direct``: the victim itself) and return the output
    path."""
    if how == "direct":
        return victim
    target.parent.mkdir(parents=True, exist_ok=True)
    if how == "symlink":
        target.symlink_to(victim)
    else:
        os.link(victim, target)
    return target


def _check_refused(
    tmp_path: Path,
    args: list[str],
    victim: Path,
    before: dict[str, str],
    out_before: list[str],
    shown: Path,
) -> None:
    result = invoke("check", *args, "--lang", "en")
    assert_refused(
        result,
        "refusing to write over an input",
        str(shown),
        victim.name,
        "choose another output path",
    )
    assert hashes(tmp_path / "in") == before, "an input changed"
    assert files(tmp_path / "out") == out_before, "an output or a temporary file was written"


@pytest.mark.parametrize("how", LINKS)
@pytest.mark.parametrize("name", INPUTS)
def test_check_gpkg_never_replaces_an_input(tmp_path: Path, name: str, how: str) -> None:
    toml = project(tmp_path)
    victim = tmp_path / "in" / name
    out = _reach(tmp_path / "out" / "checked.gpkg", victim, how)
    before, out_before = hashes(tmp_path / "in"), files(tmp_path / "out")
    _check_refused(tmp_path, [str(toml), "-o", str(out)], victim, before, out_before, out)


@pytest.mark.parametrize(
    ("kind", "flag", "how", "name"),
    [
        ("html", "--report", "symlink", "project.toml"),
        ("html", "--report", "hardlink", "demolition.dbf"),
        ("xlsx", "--xlsx", "symlink", "demolition.shp"),
        ("xlsx", "--xlsx", "hardlink", "demolition.cpg"),
    ],
)
def test_check_report_and_xlsx_never_replace_an_input(
    tmp_path: Path, kind: str, flag: str, how: str, name: str
) -> None:
    toml = project(tmp_path, "dbf_gbk_cpg_utf8")  # has a .cpg sidecar
    victim = tmp_path / "in" / name
    link = _reach(tmp_path / "out" / f"checked.{kind}", victim, how)
    before, out_before = hashes(tmp_path / "in"), files(tmp_path / "out")
    # the GeoPackage itself is fine: the run stops before writing it, because its sibling is refused
    _check_refused(
        tmp_path,
        [str(toml), "-o", str(tmp_path / "out" / "checked.gpkg"), flag],
        victim,
        before,
        out_before,
        link,
    )


def _with_ledger(tmp_path: Path) -> tuple[Path, Path]:
    toml = project(tmp_path)
    ledger = tmp_path / "in" / "county_ledger.gpkg"
    assert invoke("ledger", "init", ledger, "--crs", "EPSG:4545").exit_code == 0
    with toml.open("a", encoding="utf-8") as fh:
        fh.write('\n[ledger]\npath = "county_ledger.gpkg"\n')
    return toml, ledger


@pytest.mark.parametrize("how", LINKS)
def test_check_never_replaces_the_ledger(tmp_path: Path, how: str) -> None:
    toml, ledger = _with_ledger(tmp_path)
    out = _reach(tmp_path / "out" / "checked.gpkg", ledger, how)
    before, out_before = hashes(tmp_path / "in"), files(tmp_path / "out")
    _check_refused(tmp_path, [str(toml), "-o", str(out)], ledger, before, out_before, out)


@pytest.mark.parametrize("how", LINKS)
def test_check_never_replaces_the_previous_plan(tmp_path: Path, how: str) -> None:
    toml = project(tmp_path)
    previous = tmp_path / "in" / "approved_checked.gpkg"
    assert invoke("check", toml, "-o", previous, "-q").exit_code == 0
    out = _reach(tmp_path / "out" / "checked.gpkg", previous, how)
    before, out_before = hashes(tmp_path / "in"), files(tmp_path / "out")
    _check_refused(
        tmp_path,
        [str(toml), "--previous", str(previous), "-o", str(out)],
        previous,
        before,
        out_before,
        out,
    )


@pytest.mark.parametrize("how", LINKS)
@pytest.mark.parametrize("command", ["export-gpkg", "export-xlsx", "report-xlsx"])
def test_ledger_outputs_never_replace_the_ledger(tmp_path: Path, command: str, how: str) -> None:
    _toml, ledger = _with_ledger(tmp_path)
    suffix = ".gpkg" if command == "export-gpkg" else ".xlsx"
    out = _reach(tmp_path / "out" / f"ledger_out{suffix}", ledger, how)
    before, out_before = hashes(tmp_path / "in"), files(tmp_path / "out")
    args = {
        "export-gpkg": ["export", "-o", out],
        "export-xlsx": ["export", "--xlsx", out],
        "report-xlsx": ["report", "--month", "2024-01", "--xlsx", out],
    }[command]
    result = invoke("ledger", "-L", ledger, *args)
    assert_refused(result, "refusing to write over an input", str(out), ledger.name)
    assert hashes(tmp_path / "in") == before
    assert files(tmp_path / "out") == out_before


def test_ledger_export_is_all_or_nothing_when_the_second_output_is_refused(tmp_path: Path) -> None:
    _toml, ledger = _with_ledger(tmp_path)
    before = hashes(tmp_path / "in")
    result = invoke(
        "ledger",
        "-L",
        ledger,
        "export",
        "-o",
        tmp_path / "out" / "ok.gpkg",
        "--xlsx",
        _reach(tmp_path / "out" / "x.xlsx", ledger, "symlink"),
    )
    assert_refused(result, "refusing to write over an input", "x.xlsx")
    assert files(tmp_path / "out") == ["x.xlsx"] and hashes(tmp_path / "in") == before


# ----------------------------------------------------------------------------- the guard itself
def test_guard_names_both_files_and_sees_links(tmp_path: Path) -> None:
    victim = tmp_path / "in.shp"
    victim.write_bytes(b"input")
    os.link(victim, tmp_path / "hard.gpkg")
    (tmp_path / "soft.gpkg").symlink_to(victim)
    (tmp_path / "sub").mkdir()
    for target in (
        victim,
        tmp_path / "hard.gpkg",
        tmp_path / "soft.gpkg",
        tmp_path / "sub" / ".." / "in.shp",
    ):
        with pytest.raises(OutputError) as err:
            refuse_protected(target, {victim})
        assert str(target) in str(err.value) and str(victim) in str(err.value)
        with pytest.raises(OutputError):
            with atomic_path(target, protected={victim}):
                raise AssertionError("never reached")
    refuse_protected(tmp_path / "other.gpkg", {victim})  # a different file is fine
    assert victim.read_bytes() == b"input"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hard.gpkg", "in.shp", "soft.gpkg", "sub"]


def test_guard_checks_again_before_the_rename(tmp_path: Path) -> None:
    """A link to an input that appears while the output is written is still refused."""
    victim = tmp_path / "in.dbf"
    victim.write_bytes(b"input")
    target = tmp_path / "out.gpkg"
    with pytest.raises(OutputError, match="refusing to write over an input"):
        with atomic_path(target, protected={victim}) as tmp:
            tmp.write_bytes(b"new")
            target.symlink_to(victim)
    assert victim.read_bytes() == b"input"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.dbf", "out.gpkg"]


def test_protected_paths_of_a_project(tmp_path: Path) -> None:
    from landlink_gis.project.file import input_paths, load_project

    toml, ledger = _with_ledger(tmp_path)
    project = load_project(toml)
    paths = protected_paths(
        input_paths(project), ledger=project.ledger, extra=[tmp_path / "prev.gpkg"]
    )
    folder = (tmp_path / "in").resolve()
    expected = {
        folder / n
        for n in (
            "project.toml",
            "demolition.shp",
            "demolition.shx",
            "demolition.dbf",
            "demolition.prj",
            "construction.shp",
        )
    }
    assert expected | {ledger.resolve(), (tmp_path / "prev.gpkg").resolve()} <= paths
    assert protected_paths(ledger="postgresql://u@h/db") == set()
