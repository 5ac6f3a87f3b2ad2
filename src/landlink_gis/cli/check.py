"""``landlink check PROJECT.toml -o OUT.gpkg``."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from ..errors import LandlinkError
from ..io.redact import redact_text
from .options import configure_logging, lang_option, verbosity

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


def fail(message: str) -> None:
    """Print a user-facing error and exit with code 2."""
    click.echo(f"landlink: error: {redact_text(message)}", err=True)
    sys.exit(EXIT_INPUT)


@click.command("check")
@click.argument("project_file", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Filing GeoPackage to write (default: PROJECT_checked.gpkg beside the TOML).")
@click.option("--profile", type=click.Choice(["national", "sichuan", "shanxi", "jilin"]), help="Provincial profile (default: the project's).")
@click.option("--rules", "select", help="Run only these rule IDs/prefixes, comma-separated.")
@click.option("--ignore", help="Skip these rule IDs/prefixes, comma-separated.")
@lang_option
@verbosity
def check_cmd(project_file: Path, output: Path | None, profile, select, ignore, lang, verbose, quiet) -> None:
    """Check one project and write the filing GeoPackage."""
    from ..runner import check

    configure_logging(verbose, quiet)
    try:
        result = check(
            project_file,
            profile=profile,
            rules=[s for s in select.split(",") if s.strip()] if select else None,
            ignore=[s for s in ignore.split(",") if s.strip()] if ignore else (),
            lang=lang,
        )
        out = output or project_file.with_name(project_file.stem + "_checked.gpkg")
        result.to_gpkg(out)
    except LandlinkError as exc:
        fail(str(exc))
        return
    except Exception as exc:  # noqa: BLE001 - a bug in the tool: say so, no traceback unless -v
        logger.debug("internal error", exc_info=True)
        fail(f"internal error while checking {project_file}: {type(exc).__name__}: {exc} (run with -vv for details and report it)")
        return
    if not quiet:
        click.echo(result.summary(lang=result.run_info["language"]))
        click.echo(f"→ {out}")
    sys.exit(result.exit_code)
