"""``landlink init``: write a first project TOML for a folder of layers.

:func:`scan_folder` reads every layer (shapefiles, GeoPackage and FileGDB layers, coordinate TXT,
rasters) with the toolkit's readers and guesses each layer's role from its file and layer names,
else from its fields; the field mapping from the usual field names
(:data:`landlink_gis.base.fields.DEFAULT_FIELD_NAMES`);
the encoding the readers resolve; and the CRS (the layer's, else inferred from its coordinates by
:mod:`landlink_gis.base.crs` zone logic). :func:`render_project` writes that as a commented project
file; :func:`init_project` checks that the text parses as a project file and writes it atomically,
never over an existing ``project.toml`` unless asked to.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from ..base.errors import InputError, OutputError
from ..io.atomic import write_text_atomic
from ..project.file import parse_project
from .guess import crs_from_bounds, guess_role
from .render import render_project
from .scan import FolderScan, LayerGuess, RasterGuess, Skipped, scan_folder

logger = logging.getLogger(__name__)

__all__ = [
    "PROJECT_FILE_NAME",
    "FolderScan",
    "LayerGuess",
    "RasterGuess",
    "Skipped",
    "crs_from_bounds",
    "guess_role",
    "init_project",
    "render_project",
    "scan_folder",
]

#: Name of the project file ``landlink init`` writes (and ``landlink check FOLDER`` finds).
PROJECT_FILE_NAME = "project.toml"
_EXISTS = {
    "zh": "{target}：文件已存在；如要替换请加 --force（原文件将被覆盖）",
    "en": "{target}: already exists; use --force to replace it (the old file is then lost)",
}


def init_project(
    folder: str | Path, *, output: str | Path | None = None, force: bool = False, lang: str = "zh"
) -> tuple[Path, FolderScan]:
    """Guess the project of ``folder`` and write it as a commented project TOML.

    Parameters
    ----------
    folder
        The folder of the project's layers (read only; nothing in it is changed).
    output
        The file to write; default ``FOLDER/project.toml``. Relative paths inside it are written
        relative to its folder.
    force
        Replace an existing file.
    lang
        Language of the comments (``zh`` or ``en``).

    Returns
    -------
    (Path, FolderScan)
        The file written and what the scan found.

    Raises
    ------
    OutputError
        The file exists and ``force`` is not set, or it cannot be written.
    InputError
        ``folder`` is not a folder or holds no readable layer.
    """
    folder = Path(folder)
    target = Path(output) if output is not None else folder / PROJECT_FILE_NAME
    if target.exists() and not force:
        raise OutputError(_EXISTS[lang].format(target=target))
    scan = scan_folder(folder)
    if not scan.layers:
        raise InputError(
            f"{folder}: no readable vector layer found (shapefile, GeoPackage, FileGDB, GeoJSON, "
            "GeoParquet, "
            "coordinate TXT); put the project's layers in the folder and run again"
        )
    if target.parent.resolve() != folder.resolve():
        scan = replace(scan, folder=target.parent)
    text = render_project(scan, lang=lang)
    try:  # what is written must be a project file the parser accepts, placeholders and all
        doc = tomllib.loads(text)
        if "demolition" in doc.get("layers", {}):
            parse_project(doc, target)
    except (
        tomllib.TOMLDecodeError,
        InputError,
    ) as exc:  # pragma: no cover - a bug in render_project
        raise OutputError(
            f"{target}: the generated project file does not parse ({exc}); please report this"
        ) from None
    protected = [g.source for g in scan.layers] + [r.path for r in scan.rasters]
    write_text_atomic(target, text, protected=protected)
    if "demolition" not in scan.chosen:
        logger.warning(
            "%s: no demolition layer recognised; fill in [layers.demolition] before checking",
            target,
        )
    return target, scan
