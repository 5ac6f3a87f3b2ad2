"""The one way a subcommand reports that it cannot go on: a message on stderr and exit code 2.

Exit codes of every subcommand: 0 done (no error findings), 1 error findings or a refusal,
2 the inputs could not be checked or the command could not run (:data:`EXIT_INPUT`). Errors the
user can fix (:class:`~landlink_gis.base.errors.LandlinkError`: a bad project file, an unreadable
layer, an output that would replace an input) print their message; anything else is a bug of the
tool and prints one line that says so (the traceback with ``-vv``). Every message is redacted
(no database password is ever printed).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from ..base.errors import LandlinkError
from ..base.redaction import redact_text

__all__ = ["EXIT_FINDINGS", "EXIT_INPUT", "EXIT_OK", "fail", "say_error", "user_errors"]

logger = logging.getLogger(__name__)

EXIT_OK, EXIT_FINDINGS, EXIT_INPUT = 0, 1, 2


def say_error(message: str) -> None:
    """Print ``landlink: error: MESSAGE`` (redacted) on stderr and go on (a batch's failed row)."""
    click.echo(f"landlink: error: {redact_text(message)}", err=True)


def fail(message: str) -> NoReturn:
    """Print ``landlink: error: MESSAGE`` (redacted) on stderr and exit with code 2."""
    say_error(message)
    sys.exit(EXIT_INPUT)


@contextmanager
def user_errors(
    doing: str | None = None, *, also: tuple[type[Exception], ...] = ()
) -> Iterator[None]:
    """Turn an exception raised inside the block into one message and exit code 2.

    Parameters
    ----------
    doing
        What the command was doing, for the message of an internal error ("checking P.toml").
    also
        Further exception types whose message is meant for the user (e.g. ``ValueError`` where a
        library function validates its arguments with it).

    Notes
    -----
    ``LandlinkError`` and ``also``: the exception's message. ``OSError``: the message with the
    file it names. Any other exception: ``internal error [while DOING]: TYPE: MESSAGE (run with
    -vv for details and report it)``, the traceback logged at debug level. click's own
    exceptions and ``SystemExit`` pass through.
    """
    try:
        yield
    except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
        raise
    except (LandlinkError, *also) as exc:
        fail(str(exc))
    except OSError as exc:
        name = f"{exc.filename}: " if exc.filename else ""
        fail(f"{name}{exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - a bug in the tool: say so, no traceback unless -v
        logger.debug("internal error", exc_info=True)
        where = f" while {doing}" if doing else ""
        fail(
            f"internal error{where}: {type(exc).__name__}: {exc} (run with -vv for details and "
            "report it)"
        )
