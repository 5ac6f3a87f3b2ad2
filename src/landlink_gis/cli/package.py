"""``landlink package CHECKED.gpkg -o DIR [--zip]`` and ``landlink package --verify DIR|FILE.txt``.

Exit codes: 0 package written and clean (or ``--force``d) / verified without errors (warnings
allowed); 1 refused (error findings of the check), written with package findings (missing facts,
scale mismatch), or errors found by ``--verify``; 2 the input could not be read (or is not a
coordinate TXT) or the folder not written.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from ..filing.package import build_package
from ..filing.verify import verify as verify_source
from .errors import fail, user_errors
from .options import (
    configure_logging,
    force_option,
    profile_option,
    reason_option,
    verbosity,
)

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
@click.option(
    "--area",
    "area_basis",
    type=click.Choice(["ellipsoidal", "planar"]),
    help="地块面积 basis: ellipsoidal (official, the default when packaging) or planar; recorded "
    "in the manifest. With --verify: the basis to check against (default: the manifest's).",
)
@click.option(
    "--against",
    type=click.Path(path_type=Path),
    help="With --verify: the checked GeoPackage; plots, ids and areas must agree with it.",
)
@profile_option(
    "With --verify of a single TXT: the profile whose 备案编号 pattern applies "
    "(default national; a package folder takes its manifest's)."
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
    area_basis,
    against,
    profile,
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
        _verify(source, filing_code, area_basis, against, profile, quiet)
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
            area_basis=area_basis or "ellipsoidal",
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


def _verify(source: Path, filing_code, area_basis, against, profile, quiet: bool) -> None:
    with user_errors(f"verifying {source}"):
        report = verify_source(
            source,
            filing_code=filing_code,
            profile=profile,
            area_basis=area_basis,
            against=against,
        )
    for p in report.problems:
        if p.severity == "error" or not quiet:
            click.echo(str(p))
    if not quiet:
        for f in report.files:
            click.echo(f"{f.name}：{f.plots} 个地块，错误 {f.errors} 个，警告 {f.warnings} 个")
    errors, warnings = len(report.errors), len(report.warnings)
    if not quiet or errors:
        verdict = f"发现 {errors} 个错误" if errors else "核验通过"
        more = f"，{warnings} 个警告" if warnings else ""
        click.echo(f"{source}：{verdict}{more}", err=bool(errors))
    sys.exit(report.exit_code)
