"""``landlink init FOLDER``: write a first, commented project.toml from the layers of a folder."""

from __future__ import annotations

from pathlib import Path

import click

from ..base.roles import LAYER_LABELS, PLOT_ROLES
from ..init_project import PROJECT_FILE_NAME, init_project
from .errors import user_errors
from .options import configure_logging, force_option, language, verbosity

_MSG = {
    "zh": {
        "wrote": "已写入 {path}",
        "roles": "识别的图层：",
        "role": "  {label:<12} ← {source}（{basis}）",
        "raster": "  栅格 {role:<8} ← {source}",
        "none": "  （没有识别出任何角色）",
        "todo": "待填写：[project] 中的 name、code、county、profile 和日期等（见文件中以 “# ” 开头的占位项）",
        "no_demolition": "注意：未识别出拆旧地块图层，检查前请填写 [layers.demolition]",
        "unassigned": "未识别角色的图层 {n} 个，已列在文件末尾",
        "next": "核对后运行：landlink check {path}",
        "basis": {"layer_name": "图层名", "file_name": "文件名", "fields": "字段"},
    },
    "en": {
        "wrote": "wrote {path}",
        "roles": "layers recognised:",
        "role": "  {label:<20} ← {source} ({basis})",
        "raster": "  raster {role:<8} ← {source}",
        "none": "  (no role recognised)",
        "todo": 'to fill in: name, code, county, profile and the dates in [project] (the placeholders starting with "# ")',  # noqa: E501
        "no_demolition": "note: no demolition layer recognised; fill in [layers.demolition] before checking",
        "unassigned": "{n} layer(s) with no recognised role are listed at the end of the file",
        "next": "after review run: landlink check {path}",
        "basis": {"layer_name": "layer name", "file_name": "file name", "fields": "fields"},
    },
}


@click.command("init")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help=f"Project file to write (default: FOLDER/{PROJECT_FILE_NAME}).",
)
@force_option("Replace an existing project file.")
@language("zh", "Language of the comments and messages.")
@verbosity
def init_cmd(
    folder: Path, output: Path | None, force: bool, lang: str, verbose: int, quiet: bool
) -> None:
    """Guess a project from the layers in FOLDER and write a commented project.toml.

    Every layer (shapefile, GeoPackage and FileGDB layers, GeoJSON, GeoParquet, coordinate TXT)
    and raster is read, never changed; its role is guessed from file and layer names (拆旧, 建新,
    JBNT, DLTB …), else from its fields; the field mapping, encoding and CRS are those the readers
    find. The comments say what each guess came from and which facts are left to fill in.
    Refuses to replace an existing file unless --force is given.
    """
    configure_logging(verbose, quiet)
    with user_errors(f"scanning {folder}"):
        path, scan = init_project(folder, output=output, force=force, lang=lang)
    if quiet:
        return
    m = _MSG[lang]
    labels = LAYER_LABELS.get(lang) or {}
    click.echo(m["wrote"].format(path=path))
    click.echo(m["roles"])
    for role, g in scan.chosen.items():
        click.echo(
            m["role"].format(
                label=labels.get(role, role),
                source=g.label,
                basis=m["basis"].get(g.role_basis, g.role_basis),
            )
        )
    for role, r in scan.chosen_rasters.items():
        click.echo(m["raster"].format(role=role, source=r.path.name))
    if not scan.chosen:
        click.echo(m["none"])
    if scan.unassigned:
        click.echo(m["unassigned"].format(n=len(scan.unassigned)))
    if not any(role in scan.chosen for role in PLOT_ROLES[:1]):
        click.echo(m["no_demolition"], err=True)
    click.echo(m["todo"])
    click.echo(m["next"].format(path=path))
