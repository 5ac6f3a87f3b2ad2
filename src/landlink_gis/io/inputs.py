"""Regular-file helpers: read only regular files, and never block on anything else.

A named pipe (FIFO) blocks ``open()`` until a writer appears, ``/dev/zero`` and ``/dev/urandom``
never reach end-of-file, a socket cannot be read. :func:`is_regular_file` tests a path with
:func:`os.stat` (which never blocks); :func:`open_regular` opens with ``O_NONBLOCK`` and checks the
type of what was actually opened (``fstat``), so a path swapped after a check cannot hang a reader;
:func:`file_kind` names a file type in messages. Which inputs are data files, data folders or the
sidecars and journals of one is the reader table's business
(:func:`landlink_gis.io.formats.ensure_readable_source`), which builds on these helpers.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from typing import IO

from ..base.errors import DataSourceError

__all__ = ["file_kind", "is_regular_file", "open_regular"]

_KINDS = (
    (stat.S_ISFIFO, "a named pipe (FIFO)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def file_kind(mode: int) -> str:
    """Words for the file type of an ``st_mode`` (``"a named pipe (FIFO)"`` …)."""
    if stat.S_ISREG(mode):
        return "a regular file"
    if stat.S_ISDIR(mode):
        return "a folder"
    return next((words for test, words in _KINDS if test(mode)), "not a regular file")


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is (or links to) a regular file; never blocks, never raises."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


@contextlib.contextmanager
def open_regular(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """Open a regular file for binary reading, refusing (never blocking on) anything else.

    The file is opened with ``O_NONBLOCK`` (a FIFO opens at once instead of waiting for a
    writer), its type is checked on the open descriptor, and only then is it read.

    Raises
    ------
    DataSourceError
        ``path`` is not a regular file.
    OSError
        It cannot be opened.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise DataSourceError(
                f"{path}: is {file_kind(mode)}, not a regular file; give the path of a data file"
            )
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        fh = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with fh:
        yield fh
