"""The table of output writers: one place that knows every output a check can write.

Single runs (``landlink check``), batches and the Python API write through
:func:`write_outputs`, so the outputs, their file names beside the filing GeoPackage and their
order are defined once. A new output format is one entry in :data:`WRITERS`.

The outputs of one run are all or nothing: each is written to a temporary file beside its target,
and only when every one is complete are they renamed over the targets. A failure part-way (a full
disk while writing the xlsx) removes what this run wrote and leaves earlier outputs as they were.
No output may be one of the run's inputs or the ledger
(:func:`~landlink_gis.io.atomic.refuse_protected`).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..base.errors import LandlinkError, OutputError
from ..io.atomic import os_error_message, protected_paths, refuse_protected, staging_path
from ..io.formats import SQLITE_JOURNALS
from ..run.result import CheckResult
from .gpkg import write_checked_gpkg
from .html import write_html
from .xlsx import write_xlsx

logger = logging.getLogger(__name__)

__all__ = [
    "CHECKED_SUFFIX",
    "WRITERS",
    "OutputWriter",
    "default_output",
    "output_paths",
    "write_outputs",
]

#: what a filing GeoPackage's name adds to the project's: ``project.toml`` →
#: ``project_checked.gpkg``
CHECKED_SUFFIX = "_checked.gpkg"


@dataclass(frozen=True)
class OutputWriter:
    """One output: its file suffix, the function writing it, and how progress names it.

    ``write(result, path, **options) -> path`` writes atomically (``io/atomic.py``) and never over
    ``result.protected``.
    """

    kind: str
    suffix: str
    write: Callable[..., Path]
    step: str


#: every output, in the order they are written (the GeoPackage first: the others sit beside it)
WRITERS: dict[str, OutputWriter] = {
    "gpkg": OutputWriter("gpkg", ".gpkg", write_checked_gpkg, "writing GeoPackage"),
    "report": OutputWriter("report", ".html", write_html, "writing HTML report"),
    "xlsx": OutputWriter("xlsx", ".xlsx", write_xlsx, "writing xlsx"),
}


def default_output(
    project_file: str | os.PathLike[str],
    folder: str | os.PathLike[str] | None = None,
    *,
    name: str | None = None,
) -> Path:
    """The filing GeoPackage of a project file: beside it, or in ``folder`` under ``name``."""
    project_file = Path(project_file)
    stem = name or project_file.stem
    return (Path(folder) if folder is not None else project_file.parent) / f"{stem}{CHECKED_SUFFIX}"


def output_paths(gpkg: str | os.PathLike[str]) -> dict[str, Path]:
    """Each output's path beside the filing GeoPackage (same stem)."""
    gpkg = Path(gpkg)
    return {kind: gpkg.with_suffix(w.suffix) for kind, w in WRITERS.items()}


def _remove(path: Path) -> None:
    for p in (path, *(Path(f"{path}{s}") for s in SQLITE_JOURNALS)):
        try:
            p.unlink(missing_ok=True)
        except OSError:  # pragma: no cover - a folder that refuses deletes too
            logger.warning("could not remove %s", p)


def write_outputs(
    result: CheckResult,
    gpkg: str | os.PathLike[str],
    kinds: Iterable[str] = ("gpkg",),
    *,
    on_step: Callable[[str], None] | None = None,
    protected: Iterable[str | os.PathLike[str]] = (),
) -> dict[str, Path]:
    """Write the filing GeoPackage and the other outputs asked for beside it, all or nothing.

    Parameters
    ----------
    result
        The check result.
    gpkg
        The filing GeoPackage path; the others take its stem.
    kinds
        Outputs to write, keys of :data:`WRITERS` (the GeoPackage is always written).
    on_step
        Called with each step's description before it runs (progress display).
    protected
        Further files no output may replace (a ``--previous`` plan); the project's inputs and its
        ``[ledger]`` file are always protected.

    Returns
    -------
    dict
        Kind → path of each file written, in writing order.

    Raises
    ------
    OutputError
        An output would replace an input or the ledger (nothing is written), or one cannot be
        written (full disk, read-only folder): the outputs of this run are removed.
    """
    wanted = {"gpkg", *kinds}
    unknown = wanted - set(WRITERS)
    if unknown:
        raise ValueError(f"unknown output kinds: {', '.join(sorted(unknown))}")
    guard = set(result.protected) | protected_paths(extra=protected)
    refuse_protected(gpkg, guard)
    if Path(gpkg).suffix.lower() != ".gpkg":
        raise OutputError(f"{gpkg}: the filing output must be a .gpkg file; give -o NAME.gpkg")
    paths = output_paths(gpkg)
    order = [kind for kind in WRITERS if kind in wanted]
    for kind in order:
        refuse_protected(paths[kind], guard)
    staged: dict[str, Path] = {}
    committed: list[Path] = []
    try:
        for kind in order:
            writer = WRITERS[kind]
            if on_step is not None:
                on_step(writer.step)
            staged[kind] = staging_path(paths[kind])
            try:
                writer.write(result, staged[kind])
            except LandlinkError as exc:  # name the real output, not its temporary
                raise OutputError(str(exc).replace(str(staged[kind]), str(paths[kind]))) from None
        for kind in order:
            refuse_protected(paths[kind], guard)  # a link may have appeared meanwhile
            try:
                os.replace(staged[kind], paths[kind])
            except OSError as exc:
                raise OutputError(os_error_message(paths[kind], exc)) from None
            committed.append(paths[kind])
    except BaseException:
        for path in (*staged.values(), *committed):
            _remove(path)
        if committed:
            logger.warning(
                "removed %s: a later output of the same run failed", ", ".join(map(str, committed))
            )
        raise
    return {kind: paths[kind] for kind in order}
