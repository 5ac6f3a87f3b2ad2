"""One way to open, use and close a PostgreSQL/PostGIS connection.

:func:`pg_session` is the only place that connects to PostgreSQL: it checks the URL before any
driver sees it, connects (read-only where asked: ``default_transaction_read_only`` for the
session *and* ``BEGIN READ ONLY`` for the transaction), turns every psycopg error into a
:class:`~landlink_gis.base.errors.DataSourceError` (or another
:class:`~landlink_gis.base.errors.InputError`
class, e.g. the ledger's) whose message names the redacted source and what to do, and always
closes the connection (rolling back what was not committed).

Secrets never leave this module: messages name the source with
:func:`~landlink_gis.base.redaction.redact_url`, driver texts are scrubbed of every form of the
password before they are quoted, driver texts about an unparsable URL are never quoted (libpq
quotes fragments of it), and the errors raised are not chained to the psycopg exception.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NoReturn

import psycopg

from ..base.errors import DataSourceError, InputError
from ..base.redaction import redact_text, redact_url, url_password, url_secrets

__all__ = [
    "run_statement",
    "split_table",
    "CONNECT_TIMEOUT_S",
    "check_url",
    "pg_session",
    "raise_unchained",
    "scrub",
    "source_error",
]

log = logging.getLogger(__name__)

#: Seconds to wait for a connection unless the URL sets ``connect_timeout``.
CONNECT_TIMEOUT_S = 10
#: Literal secrets shorter than this are only removed where they stand in a URL (replacing every
#: "a" of a message for a one-letter password would hide the message, not the password).
_MIN_LITERAL = 3

_HINTS = {
    "28P01": "check the user name and password (in the URL, PGPASSWORD or ~/.pgpass)",
    "28000": "the server refuses this user/host; check the user name and the server's pg_hba.conf",
    "3D000": "the database does not exist; check the database name in the URL",
    "42P01": "the table does not exist or is not visible; check its name (schema.table)",
    "42703": "a column does not exist; check the geometry_column and the SQL",
    "42601": "the SQL has a syntax error",
    "42501": "the user lacks permission; ask the database owner for SELECT on it",
    "25006": "the SQL tries to modify data; a layer query must be a read-only SELECT",
}
_NOT_RUNNING = "check that the server is running and the host, port and URL are right"
_DEFAULT_HINT = "check the connection URL and the layer entry of the project file"
# Characters that must be percent-encoded in the password of a URL; ``%`` only when it does not
# start a %XX escape. libpq and URL parsers split such URLs in the wrong place and then quote
# pieces of the password in their errors.
_BAD_IN_PASSWORD = re.compile(r"[\s@/?#\[\]]|%(?![0-9A-Fa-f]{2})")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_URL_FORM = re.compile(r"(?i)^postgres(?:ql)?://")


def scrub(text: str, url: str) -> str:
    """``text`` (e.g. a psycopg message) without any trace of the secrets of ``url``.

    Parameters
    ----------
    text
        Text that may quote the URL or parts of it.
    url
        The connection URL or key/value string whose secrets must not appear.

    Returns
    -------
    str
        The redacted, stripped text.
    """
    secrets = [s for s in url_secrets(url) if len(s) >= _MIN_LITERAL]
    return redact_text(str(text), *secrets).strip()


def source_error(
    url: str,
    what: str,
    problem: str,
    hint: str | None = None,
    *,
    exc: BaseException | None = None,
    error: type[InputError] = DataSourceError,
    label: str = "PostGIS source",
) -> InputError:
    """An ``error`` naming the redacted source, the problem and the fix; never quotes a secret.

    Parameters
    ----------
    url
        The connection URL (redacted in the message).
    what
        What was being used: ``"table 'dltb'"``, ``"sql query"``, ``"ledger schema x"``.
    problem
        What went wrong, e.g. ``"cannot connect"`` or ``"reading failed"``.
    hint
        What to do; default: chosen from the SQLSTATE of ``exc``.
    exc
        The driver exception whose (scrubbed) text is quoted, if any.
    error
        The exception class to build (a subclass of :class:`InputError`).
    label
        How the source is introduced in the message.

    Returns
    -------
    InputError
        Of class ``error``, message ``"<label> <url> (<what>): <problem>: <detail>. Fix: <hint>."``.
    """
    detail = scrub(str(exc), url) if exc is not None else ""
    if hint is None:
        sqlstate = getattr(exc, "sqlstate", None)
        if sqlstate in _HINTS:
            hint = _HINTS[str(sqlstate)]
        elif isinstance(exc, psycopg.OperationalError) and sqlstate is None:
            hint = _NOT_RUNNING
        else:
            hint = _DEFAULT_HINT
    msg = f"{label} {redact_url(url)} ({what}): {problem}"
    if detail:
        msg += f": {detail}"
    return error(f"{msg}. Fix: {hint.rstrip('.')}.")


def raise_unchained(err: BaseException) -> NoReturn:
    """Raise ``err`` with no ``__cause__`` and no ``__context__`` (no driver text rides along)."""
    err.__cause__ = None
    err.__suppress_context__ = True
    try:
        raise err
    finally:
        err.__context__ = None


def check_url(url: str) -> tuple[str, str] | None:
    """Why ``url`` cannot be handed to the driver and what to do, or ``None`` when it can.

    Checks the form (``postgresql://…`` or libpq ``key=value`` pairs), characters that must be
    percent-encoded in the password (read with the last-``@`` rule of
    :mod:`landlink_gis.base.redaction`) and malformed ``%`` escapes in secret parameters, then lets
    psycopg parse it — without ever quoting psycopg's text, which can hold pieces of the URL.

    Returns
    -------
    tuple of (str, str) or None
        ``(problem, fix)`` for a message, or ``None`` when the URL can be used.
    """
    form = "use a URL of the form postgresql://user@host:port/dbname"
    if not isinstance(url, str) or not url.strip():
        return "the connection URL is empty", form
    is_url = bool(_URL_FORM.match(url.strip()))
    if not is_url and "=" not in url:
        return "not a PostgreSQL URL", form
    password = url_password(url) if is_url else None
    if password is not None and _BAD_IN_PASSWORD.search(password):
        return (
            "the URL is malformed: its password holds characters that must be percent-encoded "
            "(a space, @ / ? # [ ] or a % that does not start %XX)",
            "write them as %20 %40 %2F %3F %23 %5B %5D %25, or leave the password out of the URL "
            "and use PGPASSWORD or ~/.pgpass",
        )
    if is_url and any(s in url and _BAD_PERCENT.search(s) for s in url_secrets(url)):
        return (
            "the URL is malformed: a secret parameter holds a % that does not start a %XX escape",
            "write % as %25",
        )
    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return (
            "the connection string cannot be parsed",
            "check its form: postgresql://user@host:port/dbname with special characters "
            "percent-encoded, or key=value pairs with quoted values such as password='a b'",
        )
    return None


def _connect_kwargs(url: str, read_only: bool) -> dict[str, object]:
    params = psycopg.conninfo.conninfo_to_dict(url)
    kwargs: dict[str, object] = {}
    if "connect_timeout" not in params:
        kwargs["connect_timeout"] = CONNECT_TIMEOUT_S
    if "application_name" not in params:
        kwargs["application_name"] = "landlink-gis"
    if read_only:  # every transaction of the session starts read-only, on the server side
        options = str(params.get("options") or "")
        kwargs["options"] = f"{options} -c default_transaction_read_only=on".strip()
    return kwargs


@contextmanager
def pg_session(
    url: str,
    what: str,
    *,
    read_only: bool = True,
    action: str = "reading",
    error: type[InputError] = DataSourceError,
    label: str = "PostGIS source",
    explain: Callable[[psycopg.Error], tuple[str, str] | None] | None = None,
) -> Iterator[psycopg.Connection]:
    """Connect to ``url``, yield the connection, turn driver errors into ``error``, always close.

    Parameters
    ----------
    url
        ``postgresql://user:password@host:port/dbname`` or a libpq key/value string.
    what
        What the session is for, named in messages (``"table 'dltb'"``, ``"sql query"``).
    read_only
        Make the session read-only: ``default_transaction_read_only=on`` is set at connection
        time (``options``) and every transaction starts with ``BEGIN READ ONLY``.
    action
        What the body does, for messages: ``"<action> failed"``.
    error
        Exception class raised (default :class:`DataSourceError`; the ledger passes its own).
    label
        How the source is introduced in messages (``"PostGIS source"``, ``"ledger database"``).
    explain
        Optional ``exc -> (problem, hint)`` for errors raised by the body that deserve a
        better message than ``"<action> failed"``; return ``None`` to keep the default.

    Yields
    ------
    psycopg.Connection
        An open connection in a transaction (not autocommit). Nothing is committed unless the
        body commits; the connection is closed when the block ends, whatever happens.

    Raises
    ------
    InputError
        Of class ``error`` (default :class:`DataSourceError`): the URL is malformed, the server
        cannot be reached, authentication fails, or a statement of the body fails. The message
        names the redacted URL, ``what`` and the fix, never a password, and the exception is not
        chained to the psycopg one. Other exceptions of the body pass through unchanged.
    """
    bad = check_url(url)
    if bad is not None:
        raise_unchained(source_error(url, what, bad[0], bad[1], error=error, label=label))
    err: InputError | None = None
    conn: psycopg.Connection | None = None
    try:
        conn = psycopg.connect(url, **_connect_kwargs(url, read_only))  # type: ignore[arg-type]
        conn.read_only = read_only
    except psycopg.Error as exc:
        err = source_error(url, what, "cannot connect", exc=exc, error=error, label=label)
        if conn is not None:
            conn.close()
    if err is not None or conn is None:
        raise_unchained(err or source_error(url, what, "cannot connect", error=error, label=label))
    log.debug("connected to %s (%s, read_only=%s)", redact_url(url), what, read_only)
    try:
        yield conn
    except psycopg.Error as exc:
        found = explain(exc) if explain is not None else None
        if found is not None:
            err = source_error(url, what, found[0], found[1], exc=exc, error=error, label=label)
        else:
            err = source_error(url, what, f"{action} failed", exc=exc, error=error, label=label)
    finally:
        conn.close()  # without commit: rolled back
    if err is not None:
        raise_unchained(err)


def run_statement(
    conn: psycopg.Connection, query: Any, params: Sequence[Any] | None = None
) -> psycopg.Cursor:
    """Execute ``query`` with the extended query protocol: one statement, never several."""
    return conn.execute(query, params, prepare=True)


def split_table(table: str) -> tuple[str | None, str]:
    """``schema.table`` / ``"My Schema"."Tbl"`` / ``table`` → (schema, table)."""
    tokens = re.findall(r'"(?:[^"]|"")*"|[^."]+', table.strip())
    parts = [t[1:-1].replace('""', '"') if t.startswith('"') else t.strip() for t in tokens]
    if not 1 <= len(parts) <= 2 or not all(parts):
        raise ValueError(f"{table!r} is not a table name; use 'table' or 'schema.table'")
    return (parts[0], parts[1]) if len(parts) == 2 else (None, parts[0])
