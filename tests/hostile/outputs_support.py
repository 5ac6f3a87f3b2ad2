"""Shared pieces of the write-side hostile tests (``test_outputs_*.py``).

Every test there asserts the same guarantees: the exit code, a one-line message naming the file
and what to do, no traceback, every input byte-identical (SHA-256 of every file under the input
folder, sidecars included) and no partial output.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from click.testing import CliRunner, Result

from landlink_gis.cli.main import cli

from .make_corpus import build


def hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (links are read through)."""
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def project(tmp_path: Path, case: str = "dbf_gbk_no_cpg") -> Path:
    """A valid hostile-corpus project under ``tmp_path/in``; returns its TOML."""
    return build(case, tmp_path)


def invoke(*args: str) -> Result:
    """Run ``landlink ARGS`` in-process (English messages where the command has ``--lang``)."""
    return CliRunner().invoke(cli, [str(a) for a in args])


def assert_refused(result: Result, *fragments: str) -> None:
    """Exit 2 with one ``landlink: error:`` line containing ``fragments``; no traceback."""
    text = result.output
    assert result.exit_code == 2, text
    assert text.startswith("landlink: error: "), text
    assert "Traceback" not in text and "internal error" not in text, text
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    for fragment in fragments:
        assert str(fragment) in text, f"{fragment!r} not in: {text}"


def files(folder: Path) -> list[str]:
    """Names of everything in ``folder`` (hidden temporaries included); [] when it does not
    exist."""
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []
