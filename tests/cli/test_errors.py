"""One CLI error helper: every subcommand turns what it cannot do into one message and exit 2."""

from __future__ import annotations

import ast
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from landlink_gis.base.errors import InputError, OutputError
from landlink_gis.cli.errors import user_errors
from landlink_gis.cli.main import cli
from tests.support import REPO

CLI = REPO / "src" / "landlink_gis" / "cli"


def _command(exc: BaseException, **kw):
    @click.command()
    def cmd():
        with user_errors("doing it", **kw):
            raise exc

    return cmd


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (InputError("a.shp: no such layer; fix it"), "landlink: error: a.shp: no such layer"),
        (OutputError("out.gpkg: disk full"), "landlink: error: out.gpkg: disk full"),
        (
            InputError("cannot connect to postgresql://u:secret@h/db"),
            "postgresql://u:***@h/db",
        ),
        (PermissionError(13, "Permission denied", "/x/y.gpkg"), "/x/y.gpkg: Permission denied"),
        (
            KeyError("boom"),
            "internal error while doing it: KeyError: 'boom' (run with -vv for details",
        ),
    ],
)
def test_an_error_is_one_line_and_exit_2(exc, expected):
    result = CliRunner().invoke(_command(exc))
    assert result.exit_code == 2
    assert expected in result.output
    assert "Traceback" not in result.output and "secret" not in result.output


def test_value_errors_are_the_users_only_when_asked():
    plain = CliRunner().invoke(_command(ValueError("bad month")))
    asked = CliRunner().invoke(_command(ValueError("bad month"), also=(ValueError,)))
    assert plain.exit_code == asked.exit_code == 2
    assert "internal error while doing it: ValueError: bad month" in plain.output
    assert asked.output.strip() == "landlink: error: bad month"


def test_click_usage_errors_pass_through():
    result = CliRunner().invoke(_command(click.BadParameter("nope")))
    assert result.exit_code == 2 and "Invalid value: nope" in result.output


def test_no_subcommand_prints_or_exits_on_its_own():
    # every "landlink: error" line and every exit code 2 comes from cli/errors.py
    for path in sorted(CLI.glob("*.py")):
        if path.name == "errors.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "landlink: error" not in text, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ExceptHandler) and node.type is not None:
                names = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
                names |= {n.attr for n in ast.walk(node.type) if isinstance(n, ast.Attribute)}
                assert not names & {"LandlinkError", "InputError", "OSError"}, (
                    f"{path.name}:{node.lineno} catches errors itself; use cli.errors.user_errors"
                )
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", None) == "exit"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and node.args[0].value == 2
            ):
                raise AssertionError(f"{path.name}:{node.lineno}: sys.exit(2); use cli.errors.fail")


@pytest.mark.parametrize(
    "args",
    [
        ["check", "{missing}"],
        ["package", "{missing}", "-o", "{tmp}/pkg"],
        ["package", "--verify", "{missing}"],
        ["export-txt", "{missing}", "-o", "{tmp}/x.txt"],
        ["ledger", "-L", "{tmp}/no_ledger.gpkg", "list"],
        ["init", "{tmp}/no_folder"],
        ["rules", "--markdown", "{tmp}/a_file/rules.md"],
        ["explain", "NOPE999"],
    ],
)
def test_every_subcommand_reports_through_the_helper(tmp_path: Path, args):
    missing = tmp_path / "nothing_here.gpkg"
    (tmp_path / "a_file").write_text("not a folder", encoding="utf-8")
    argv = [a.format(missing=missing, tmp=tmp_path) for a in args]
    result = CliRunner().invoke(cli, argv)
    assert result.exit_code == 2, result.output
    assert result.output.count("landlink: error: ") == 1, result.output
    assert "Traceback" not in result.output
