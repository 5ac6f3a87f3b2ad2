"""The table of output writers: one place that knows every output a check can write.

Single runs (``landlink check``), batches and the Python API write through
:func:`write_outputs`, so the outputs, their file names beside the filing GeoPackage and their
order are defined once. A new output format is one entry in :data:`WRITERS`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from ..result import CheckResult
from .gpkg import write_checked_gpkg
from .html import write_html
from .xlsx import write_xlsx

__all__ = ["CHECKED_SUFFIX", "WRITERS", "OutputWriter", "default_output", "output_paths", "write_outputs"]

#: what a filing GeoPackage's name adds to the project's: ``project.toml`` → ``project_checked.gpkg``
CHECKED_SUFFIX = "_checked.gpkg"


@dataclass(frozen=True)
class OutputWriter:
    """One output: its file suffix, the function writing it, and how progress names it."""

    kind: str
    suffix: str
    write: Callable[[CheckResult, Path], Path]
    step: str


#: every output, in the order they are written (the GeoPackage first: the others sit beside it)
WRITERS: dict[str, OutputWriter] = {
    "gpkg": OutputWriter("gpkg", ".gpkg", write_checked_gpkg, "writing GeoPackage"),
    "report": OutputWriter("report", ".html", write_html, "writing HTML report"),
    "xlsx": OutputWriter("xlsx", ".xlsx", write_xlsx, "writing xlsx"),
}


def default_output(project_file: str | os.PathLike[str], folder: str | os.PathLike[str] | None = None, *, name: str | None = None) -> Path:
    """The filing GeoPackage of a project file: beside it, or in ``folder`` under ``name``."""
    project_file = Path(project_file)
    stem = name or project_file.stem
    return (Path(folder) if folder is not None else project_file.parent) / f"{stem}{CHECKED_SUFFIX}"


def output_paths(gpkg: str | os.PathLike[str]) -> dict[str, Path]:
    """Each output's path beside the filing GeoPackage (same stem)."""
    gpkg = Path(gpkg)
    return {kind: gpkg.with_suffix(w.suffix) for kind, w in WRITERS.items()}


def write_outputs(
    result: CheckResult,
    gpkg: str | os.PathLike[str],
    kinds: Iterable[str] = ("gpkg",),
    *,
    on_step: Callable[[str], None] | None = None,
) -> dict[str, Path]:
    """Write the filing GeoPackage and the other outputs asked for beside it.

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

    Returns
    -------
    dict
        Kind → path of each file written, in writing order.
    """
    wanted = {"gpkg", *kinds}
    unknown = wanted - set(WRITERS)
    if unknown:
        raise ValueError(f"unknown output kinds: {', '.join(sorted(unknown))}")
    paths = output_paths(gpkg)
    written: dict[str, Path] = {}
    for kind, writer in WRITERS.items():
        if kind in wanted:
            if on_step is not None:
                on_step(writer.step)
            written[kind] = writer.write(result, paths[kind])
    return written
