"""Options shared by the subcommands."""

from __future__ import annotations

import logging

import click

__all__ = ["configure_logging", "lang_option", "verbosity"]

lang_option = click.option(
    "--lang",
    type=click.Choice(["zh", "en"]),
    default=None,
    help="Language of messages (default: the project's, else zh).",
)


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
