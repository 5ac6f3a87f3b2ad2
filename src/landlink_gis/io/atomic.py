"""Write outputs atomically: a temporary file beside the target, renamed over it when complete.

Every writer of the toolkit (filing GeoPackage, reports, coordinate TXT, ledger exports, rule docs)
goes through :class:`atomic_path`, so an existing output is replaced only by a complete new one and
a failed run leaves nothing behind. The temporary file's name carries the writer's process id;
temporaries left by a process that was killed outright (SIGKILL, power loss) are removed by the
next writer of the same target once that process is gone.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from ..errors import OutputError

logger = logging.getLogger(__name__)

__all__ = ["atomic_path", "write_bytes_atomic", "write_text_atomic"]

_SIDE_FILES = ("-journal", "-wal", "-shm")


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_stale(folder: Path, stem: str, suffix: str) -> None:
    """Remove temporaries of ``stem`` whose writing process no longer exists."""
    for leftover in folder.glob(f".{stem}.*.tmp{suffix}"):
        parts = leftover.name[len(stem) + 2 :].split(".")
        if not parts or not parts[0].isdigit() or _pid_alive(int(parts[0])):
            continue
        for path in (leftover, *(Path(str(leftover) + s) for s in _SIDE_FILES)):
            path.unlink(missing_ok=True)
        logger.info("removed %s left by an interrupted run", leftover.name)


class atomic_path:  # noqa: N801 - used as a context manager like open()
    """Context manager yielding a temporary path beside ``target``; renamed over it on success.

    Parameters
    ----------
    target
        The output file.
    protected
        Resolved paths that must never be written (the inputs): writing one raises
        :class:`~landlink_gis.errors.OutputError` before anything is written.

    Notes
    -----
    The temporary path does not exist yet when it is yielded (GDAL and SQLite must create the file
    themselves). On an exception it is removed and ``target`` is left as it was.
    """

    def __init__(self, target: str | Path, *, protected: set[Path] | None = None):
        self.target = Path(target)
        if protected and self.target.resolve() in protected:
            raise OutputError(f"{self.target}: refusing to write over an input file; choose another output path")
        self.tmp: Path | None = None

    def __enter__(self) -> Path:
        folder = self.target.parent if str(self.target.parent) else Path(".")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _remove_stale(folder, self.target.stem, self.target.suffix)
        except OSError as exc:
            raise OutputError(f"cannot write {self.target}: {exc.strerror or exc}") from None
        name = f".{self.target.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp{self.target.suffix}"
        self.tmp = folder / name
        return self.tmp

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.tmp is not None
        if exc_type is None:
            try:
                os.replace(self.tmp, self.target)
            except OSError as err:
                self.tmp.unlink(missing_ok=True)
                raise OutputError(f"cannot write {self.target}: {err.strerror or err}") from None
            return
        for leftover in (self.tmp, *(Path(str(self.tmp) + s) for s in _SIDE_FILES)):
            leftover.unlink(missing_ok=True)


def write_bytes_atomic(path: str | Path, data: bytes, *, protected: set[Path] | None = None) -> None:
    """Write ``data`` to ``path`` atomically (fsynced before the rename)."""
    with atomic_path(path, protected=protected) as tmp:
        try:
            with open(tmp, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None


def write_text_atomic(path: str | Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` atomically with ``\\n`` line endings."""
    write_bytes_atomic(path, text.encode(encoding))
