"""Write outputs atomically: a temporary file beside the target, renamed over it when complete.

Every writer of the toolkit (filing GeoPackage, reports, coordinate TXT, ledger exports, rule docs)
goes through :class:`atomic_path`, so an existing output is replaced only by a complete new one and
a failed run leaves nothing behind. The temporary file's name carries the writer's process id;
temporaries left by a process that was killed outright (SIGKILL, power loss) are removed by the
next writer of the same target once that process is gone.

Nothing the tool writes may replace one of its inputs or the ledger: :func:`refuse_protected` is
the one guard (resolved paths *and* device/inode, so symbolic and hard links are caught), and
:func:`protected_paths` the one list of what it protects for a project. :class:`atomic_path`
calls the guard when it is given ``protected``, and again just before its rename. Environment
faults (disk full, read-only folder, no permission) become an
:class:`~landlink_gis.base.errors.OutputError`
that names the file and what to do.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
from collections.abc import Iterable
from pathlib import Path

from ..base.errors import LandlinkError, OutputError
from .formats import SQLITE_JOURNALS, sidecar_files

logger = logging.getLogger(__name__)

__all__ = [
    "atomic_path",
    "os_error_message",
    "protected_paths",
    "refuse_protected",
    "staging_path",
    "write_bytes_atomic",
    "write_text_atomic",
]


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
        for path in (leftover, *(Path(str(leftover) + s) for s in SQLITE_JOURNALS)):
            path.unlink(missing_ok=True)
        logger.info("removed %s left by an interrupted run", leftover.name)


_ADVICE = {
    errno.ENOSPC: "the disk is full; free space or choose another output folder (-o)",
    errno.EDQUOT: "the disk quota is used up; free space or choose another output folder (-o)",
    errno.EROFS: "the folder is on a read-only file system; choose another output folder (-o)",
    errno.EACCES: "no permission to write there; choose another output folder (-o) or ask for write access",
    errno.EPERM: "no permission to write there; choose another output folder (-o) or ask for write access",
    errno.ENOENT: "the folder does not exist and could not be created; check the output path",
    errno.ENOTDIR: "a part of the output path is a file, not a folder; check the output path",
    errno.EISDIR: "the output path is a folder; give a file name",
}
_ADVICE_TEXT = (
    ("no space left", errno.ENOSPC),
    ("disk full", errno.ENOSPC),
    ("read-only file system", errno.EROFS),
    ("readonly database", errno.EROFS),
    ("permission denied", errno.EACCES),
)


def os_error_message(target: str | os.PathLike[str], exc: BaseException) -> str:
    """One line saying why ``target`` could not be written and what to do.

    Parameters
    ----------
    target
        The output file.
    exc
        The error raised while writing (an :class:`OSError`, or a GDAL/SQLite error whose text
        says the same, e.g. "No space left on device").
    """
    code = getattr(exc, "errno", None)
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    if code not in _ADVICE:
        lowered = str(exc).lower()
        code = next((c for needle, c in _ADVICE_TEXT if needle in lowered), code)
    advice = _ADVICE.get(code, "check that the folder exists, is writable and has free space")
    return f"cannot write {target}: {text}; {advice}"


#: libraries whose errors while writing an output are environment faults, not tool bugs
_WRITER_LIBRARIES = {"pyogrio", "sqlite3", "_sqlite3", "zipfile"}
#: free space (bytes) below which a failed write is blamed on a full disk
_FULL_DISK_BYTES = 1 << 20


def _folder_fault(folder: Path, *, after_failure: bool = False) -> OSError | None:
    """Why nothing can be written in ``folder`` (read-only, no permission, full), or None."""
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):
        return None
    if st.f_flag & getattr(os, "ST_RDONLY", 1):
        return OSError(errno.EROFS, os.strerror(errno.EROFS))
    if not os.access(folder, os.W_OK | os.X_OK):
        return OSError(errno.EACCES, os.strerror(errno.EACCES))
    if after_failure and st.f_bavail * st.f_frsize < _FULL_DISK_BYTES:
        return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    return None


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def protected_paths(
    inputs: Iterable[str | os.PathLike[str]] = (),
    *,
    ledger: str | os.PathLike[str] | None = None,
    extra: Iterable[str | os.PathLike[str]] = (),
) -> set[Path]:
    """Every file a run must never write over: a project's inputs, the ledger, further inputs.

    Parameters
    ----------
    inputs
        The files a project reads (its TOML, every layer and raster file:
        :func:`landlink_gis.project.file.input_paths`), as plain paths; the files that belong to
        each (a shapefile's ``.shx``, ``.dbf`` …: the reader table's sidecars) are added.
    ledger
        A ledger location (``-L``); a ``postgresql://`` URL protects no file.
    extra
        Further input files (a ``--previous`` plan, the checked GeoPackage of ``export-txt`` …).

    Returns
    -------
    set of pathlib.Path
        Resolved paths, to pass as ``protected`` to :func:`refuse_protected` / :class:`atomic_path`.
    """
    paths = {f for p in inputs for f in sidecar_files(Path(p).resolve())}
    candidates = [ledger, *extra]
    for item in candidates:
        if item is None or "://" in str(item) or not str(item):
            continue
        p = Path(item).resolve()
        paths.add(p)
        # a SQLite ledger's journals belong to it
        paths.update(Path(f"{p}{s}") for s in SQLITE_JOURNALS)
    return paths


def refuse_protected(
    target: str | os.PathLike[str], protected: Iterable[str | os.PathLike[str]] | None
) -> None:
    """Raise :class:`~landlink_gis.base.errors.OutputError` when ``target`` is one of ``protected``.

    The same file is recognised by its resolved path (symbolic links, ``..``) and, when both
    exist, by device and inode (hard links). The message names both files.

    Parameters
    ----------
    target
        The output about to be written.
    protected
        Input files (see :func:`protected_paths`); None or empty protects nothing.

    Raises
    ------
    OutputError
        ``target`` names a protected file.
    """
    if not protected:
        return
    target = Path(target)
    resolved = target.resolve()
    ident = _identity(target)
    for item in protected:
        p = Path(item)
        same = resolved == p.resolve()
        if not same and ident is not None:
            same = _identity(p) == ident
        if same:
            how = "" if target.absolute() == p.absolute() else " (the same file through a link)"
            raise OutputError(
                f"{target}: refusing to write over an input: it is {p}{how}; choose another output "
                "path"
            )


def staging_path(target: str | os.PathLike[str]) -> Path:
    """A fresh temporary name beside ``target`` (removed by later writers if its process dies).

    Writing to a staging path through :class:`atomic_path` writes it directly (it is already a
    temporary file); the caller renames it over ``target`` when all its outputs are complete.
    """
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        _remove_stale(folder, target.stem, target.suffix)
    except OSError:  # the folder may not exist yet; the writer reports what is wrong with it
        pass
    return folder / f".{target.stem}.{os.getpid()}.{secrets.token_hex(4)}.tmp{target.suffix}"


def _is_own_staging(path: Path) -> bool:
    parts = path.name.split(".")
    # "", stem…, pid, token, "tmp", suffix
    return (
        path.name.startswith(".")
        and len(parts) >= 5
        and parts[-2] == "tmp"
        and parts[-4] == str(os.getpid())
    )


class atomic_path:  # noqa: N801 - used as a context manager like open()
    """Context manager yielding a temporary path beside ``target``; renamed over it on success.

    Parameters
    ----------
    target
        The output file.
    protected
        Files that must never be written (the inputs, the ledger; see :func:`protected_paths`):
        writing one raises :class:`~landlink_gis.base.errors.OutputError` before anything is
        written.

    Notes
    -----
    The temporary path does not exist yet when it is yielded (GDAL and SQLite must create the file
    themselves). On an exception it is removed and ``target`` is left as it was; an
    :class:`OSError` of the writer (disk full, read-only folder) becomes an ``OutputError``
    naming ``target`` and what to do.
    """

    def __init__(
        self, target: str | Path, *, protected: Iterable[str | os.PathLike[str]] | None = None
    ):
        self.target = Path(target)
        self.protected = list(protected or ())
        refuse_protected(self.target, self.protected)
        self.tmp: Path | None = None
        self.direct = False

    def __enter__(self) -> Path:
        folder = self.target.parent if str(self.target.parent) else Path(".")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(os_error_message(self.target, exc)) from None
        fault = _folder_fault(folder)
        if fault is not None:
            raise OutputError(os_error_message(self.target, fault))
        self.direct = _is_own_staging(self.target)
        self.tmp = self.target if self.direct else staging_path(self.target)
        return self.tmp

    def _discard(self) -> None:
        assert self.tmp is not None
        for leftover in (self.tmp, *(Path(str(self.tmp) + s) for s in SQLITE_JOURNALS)):
            try:
                leftover.unlink(missing_ok=True)
            except OSError:  # pragma: no cover - a folder that refuses deletes too
                logger.warning("could not remove the temporary file %s", leftover)

    def __exit__(self, exc_type, exc, tb) -> None:
        assert self.tmp is not None
        if exc_type is None:
            if self.direct:  # a staging file of this process: its caller renames it
                return
            try:
                refuse_protected(
                    self.target, self.protected
                )  # the target may have become a link meanwhile
                os.replace(self.tmp, self.target)
            except OutputError:
                self._discard()
                raise
            except OSError as err:
                self._discard()
                raise OutputError(os_error_message(self.target, err)) from None
            return
        self._discard()
        if isinstance(exc, LandlinkError) or not isinstance(exc, Exception):
            return
        fault = _folder_fault(
            self.target.parent if str(self.target.parent) else Path("."), after_failure=True
        )
        if fault is not None:
            # GDAL and SQLite report a full disk in their own words ("no such table …")
            raise OutputError(os_error_message(self.target, fault)) from None
        if isinstance(exc, OSError) or type(exc).__module__.split(".")[0] in _WRITER_LIBRARIES:
            raise OutputError(os_error_message(self.target, exc)) from None


def write_bytes_atomic(
    path: str | Path, data: bytes, *, protected: Iterable[str | os.PathLike[str]] | None = None
) -> None:
    """Write ``data`` to ``path`` atomically (fsynced before the rename), never over
    ``protected``."""
    with atomic_path(path, protected=protected) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def write_text_atomic(
    path: str | Path,
    text: str,
    *,
    encoding: str = "utf-8",
    protected: Iterable[str | os.PathLike[str]] | None = None,
) -> None:
    """Write ``text`` to ``path`` atomically with ``\\n`` line endings, never over ``protected``."""
    write_bytes_atomic(path, text.encode(encoding), protected=protected)
