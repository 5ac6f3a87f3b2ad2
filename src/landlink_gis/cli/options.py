"""Options shared by the subcommands: one definition each, the help text given where it differs."""

from __future__ import annotations

import logging

import click

from ..base.profiles import PROFILE_NAMES

__all__ = [
    "configure_logging",
    "engine_options",
    "force_option",
    "lang_option",
    "language",
    "profile_option",
    "reason_option",
    "verbosity",
]


def language(
    default: str | None = None,
    help: str = "Language of messages (default: the project's, else zh).",  # noqa: A002
):
    """``--lang zh|en`` with ``default`` (None: the project's language)."""
    return click.option(
        "--lang",
        type=click.Choice(["zh", "en"]),
        default=default,
        show_default=default is not None,
        help=help,
    )


#: ``--lang`` of the commands that read a project (default: the project's, else zh)
lang_option = language()


def profile_option(help: str = "Provincial profile (default: the project's)."):  # noqa: A002
    """``--profile`` naming one of the provincial profiles."""
    return click.option("--profile", type=click.Choice(PROFILE_NAMES), help=help)


def force_option(help: str):  # noqa: A002
    """``--force``: go on despite what would refuse (the command says what, and needs --reason
    where it records one)."""
    return click.option("--force", is_flag=True, help=help)


def reason_option(help: str):  # noqa: A002
    """``--reason TEXT``: why ``--force`` was given (recorded)."""
    return click.option("--reason", help=help)


def engine_options(func):
    """``--engine local|dask`` and ``--scheduler ADDRESS``: where the overlaps are computed."""
    func = click.option(
        "--scheduler",
        metavar="ADDRESS",
        help="With --engine dask: address of an existing dask scheduler (default: a LocalCluster; "
        "required for a batch with several worker processes).",
    )(func)
    func = click.option(
        "--engine",
        type=click.Choice(["local", "dask"]),
        default="local",
        show_default=True,
        help="Overlap engine: local (all cores of this machine) or dask (a dask cluster; for "
        "several projects one cluster serves every check).",
    )(func)
    return func


def configure_logging(verbose: int, quiet: bool) -> None:
    """Map -v/-q to logging levels (the library itself never configures handlers)."""
    level = (
        logging.ERROR if quiet else (logging.WARNING, logging.INFO, logging.DEBUG)[min(verbose, 2)]
    )
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def verbosity(func):
    """Add -v/--verbose (repeatable) and -q/--quiet."""
    func = click.option("-q", "--quiet", is_flag=True, help="Print only errors (for scripts).")(
        func
    )
    func = click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")(
        func
    )
    return func
