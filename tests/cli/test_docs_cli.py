"""Every ``landlink …`` command line in README.md and docs/*.md names only subcommands and
options that exist.

Command lines are taken from fenced code blocks (a line starting with ``landlink``, after an
optional ``$ ``, with ``\\`` continuations joined) and from inline code spans; each is walked
through the click command objects (``cli.commands``, each command's parameters), so a renamed or
removed option fails here instead of in a user's terminal.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest

from landlink_gis.cli.main import cli

REPO = Path(__file__).resolve().parents[2]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
_STOP = {"|", ">", ">>", "&&", "||", ";", "#", "2>&1", "<"}


def command_lines(text: str) -> list[str]:
    """The ``landlink …`` command lines of a Markdown text."""
    lines: list[str] = []
    fenced = False
    pending = ""
    for raw in text.splitlines():
        if raw.lstrip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            line = pending + raw.strip().removeprefix("$ ")
            pending = ""
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            if line.startswith("landlink "):
                lines.append(line)
        else:
            lines += [m.group(1) for m in re.finditer(r"`(landlink [^`]+)`", raw)]
    return lines


def _tokens(line: str) -> list[str]:
    try:
        tokens = shlex.split(line, comments=True)
    except ValueError:
        tokens = line.split()
    out = []
    for tok in tokens[1:]:
        if tok in _STOP:
            break
        tok = tok.strip("[]")
        if tok and tok not in ("…", "...", "|"):
            out.append(tok)
    return out


def _options(command: click.Command, ctx: click.Context) -> dict[str, click.Parameter]:
    opts: dict[str, click.Parameter] = {}
    for param in command.get_params(ctx):
        if isinstance(param, click.Option):
            for name in (*param.opts, *param.secondary_opts):
                opts[name] = param
    return opts


def problems(line: str) -> list[str]:
    """What in ``line`` the CLI does not know (empty when every subcommand and option exists)."""
    found = []
    command: click.Command = cli
    ctx = click.Context(cli, info_name="landlink")
    tokens = _tokens(line)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        i += 1
        if tok.startswith("-") and len(tok) > 1 and not re.fullmatch(r"-?\d[\d.]*", tok):
            name = tok.split("=", 1)[0]
            param = _options(command, ctx).get(name)
            if param is None:
                found.append(f"{command.name or 'landlink'} has no option {name}")
                continue
            if not param.is_flag and not param.count and "=" not in tok:
                i += param.nargs
            continue
        if isinstance(command, click.Group):
            sub = command.get_command(ctx, tok)
            if sub is None:
                if re.fullmatch(r"[a-z][a-z-]*", tok):  # a word where a subcommand must be
                    found.append(f"{command.name} has no subcommand {tok!r}")
                break
            command = sub
            ctx = click.Context(sub, info_name=tok, parent=ctx)
    return found


CASES = [
    (doc.relative_to(REPO).as_posix(), line)
    for doc in DOCS
    for line in command_lines(doc.read_text(encoding="utf-8"))
]


def test_the_docs_show_command_lines() -> None:
    assert len(CASES) >= 10, CASES


@pytest.mark.parametrize(("doc", "line"), CASES, ids=[f"{d}:{n}" for n, (d, _) in enumerate(CASES)])
def test_command_line_exists(doc: str, line: str) -> None:
    assert problems(line) == [], f"{doc}: {line}"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("landlink check p.toml --previous old.gpkg -o out.gpkg", []),
        ("landlink check p.toml --no-such-flag", ["check has no option --no-such-flag"]),
        ("landlink ledger -L l.gpkg add x.gpkg --force --reason 'why'", []),
        ("landlink ledger -L l.gpkg remove x", ["ledger has no subcommand 'remove'"]),
        ("landlink ledger report --month 2024-01 --xlsx r.xlsx | tee log", []),
        ("landlink rules --markdown docs/rules.md", []),
    ],
)
def test_the_walker_itself(line: str, expected: list[str]) -> None:
    assert problems(line) == expected
