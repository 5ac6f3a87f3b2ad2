"""``landlink package CHECKED.gpkg -o DIR [--zip]`` and ``landlink package --verify DIR|FILE.txt``.

Exit codes: 0 package written and clean (or ``--force``d) / verified clean; 1 refused (error
findings of the check), written with package findings (missing facts, scale mismatch), or
problems found by ``--verify``; 2 the input could not be read or the folder not written.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from ..filing.package import build_package
from ..filing.verify import verify_package, verify_txt
from .errors import fail, user_errors
from .options import configure_logging, force_option, reason_option, verbosity

logger = logging.getLogger(__name__)

_SEVERITY = {"error": "错误", "warning": "警告", "info": "提示"}


@click.command("package")
@click.argument("source", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Package folder to create (must not exist or be empty).",
)
@click.option("--zip", "make_zip", is_flag=True, help="Also write OUTPUT.zip holding the folder.")
@force_option(
    "Package a check that must be fixed (须整改) or is incomplete (检查不完整), or despite package "
    "errors (needs --reason); replace a non-empty OUTPUT."
)
@reason_option("Why a check that is not 可以报备 is packaged anyway (recorded in the manifest).")
@click.option(
    "--producer",
    help="数据产生单位 written in the coordinate TXT header (default: the project's county).",
)
@click.option(
    "--approved-scale",
    type=float,
    help="Approved project scale in m² (default: the fact approved_scale_m2).",
)
@click.option(
    "--scale-tolerance",
    type=click.FloatRange(0, 1),
    default=0.005,
    show_default=True,
    help="Relative difference between the plots' total area and the approved scale that is reported.",
)
@click.option(
    "--verify",
    is_flag=True,
    help="Check SOURCE (a package folder or one coordinate TXT) instead of packaging.",
)
@click.option(
    "--filing-code", help="With --verify of a single TXT: the 备案编号 its file name must be."
)
@verbosity
def package_cmd(
    source: Path,
    output,
    make_zip,
    force,
    reason,
    producer,
    approved_scale,
    scale_tolerance,
    verify,
    filing_code,
    verbose,
    quiet,
) -> None:
    """Write the online filing package (报部备案) of a checked project, or --verify one.

    SOURCE is the filing GeoPackage written by `landlink check`. The package holds the coordinate
    exchange TXTs named by the 备案编号, the project summary table (xlsx + csv), the GeoPackage and
    its HTML report, and a manifest with the SHA-256 of every file.
    """
    configure_logging(verbose, quiet)
    if verify:
        _verify(source, filing_code, quiet)
        return
    if output is None:
        fail("give the package folder with -o DIR (or --verify to check a package)")
        return
    with user_errors(f"packaging {source}"):
        result = build_package(
            source,
            output,
            make_zip=make_zip,
            force=force,
            reason=reason,
            producer=producer,
            approved_scale_m2=approved_scale,
            scale_tolerance=scale_tolerance,
        )
    for f in result.findings:
        if f.severity != "info" or not quiet:
            click.echo(
                f"[{_SEVERITY.get(f.severity, f.severity)}] {f.message}", err=f.severity == "error"
            )
    if result.refused:
        sys.exit(1)
    if not quiet:
        where = f"{result.folder}" + (f"，{result.zip_path}" if result.zip_path else "")
        forced = "（--force 强制）" if result.forced else ""
        click.echo(f"报备数据包：{where}（{len(result.files)} 个文件）{forced}")
    sys.exit(result.exit_code)


def _verify(source: Path, filing_code: str | None, quiet: bool) -> None:
    with user_errors(f"verifying {source}"):
        problems = (
            verify_package(source)
            if source.is_dir()
            else verify_txt(source, filing_code=filing_code)
        )
    for p in problems:
        click.echo(str(p))
    if not quiet:
        click.echo(
            f"{source}：{'发现 ' + str(len(problems)) + ' 个问题' if problems else '核验通过'}",
            err=bool(problems),
        )
    sys.exit(1 if problems else 0)
