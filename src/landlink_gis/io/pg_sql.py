"""The SQL of an ``sql`` layer: one read-only ``SELECT``, checked before it is sent.

The text check gives the clear message (one ``SELECT`` or ``WITH … SELECT``, nothing after a
``;``, no data-changing statement inside ``WITH``, no ``INTO`` or row locks); the guarantees
are the extended query protocol and the read-only session of
:func:`~landlink_gis.io.pg_session.pg_session`.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import psycopg

__all__ = ["SELECT_HINT", "check_select_sql", "sql_explainer"]


_OPAQUE = re.compile(
    r"--[^\n]*"
    r"|/\*.*?(?:\*/|$)"
    r"|[Ee]'(?:[^'\\]|\\.|'')*(?:'|$)"
    r"|'(?:[^']|'')*(?:'|$)"
    r'|"(?:[^"]|"")*(?:"|$)'
    r"|(\$[A-Za-z_]*\$).*?(?:\1|$)",
    re.S,
)
_DML_IN_WITH = re.compile(
    r"(?i)\bAS\s*(?:NOT\s+)?(?:MATERIALIZED\s*)?\(\s*(?:INSERT|UPDATE|DELETE|MERGE)\b"
)
_LOCKING = re.compile(r"(?i)\bFOR\s+(?:NO\s+KEY\s+)?(?:UPDATE|SHARE|KEY\s+SHARE)\b|\bINTO\b")
# SQLSTATEs of a statement that tries to write or is not a plain query.
_WRITE_STATES = {"25006", "0A000", "2F002", "2F003", "2F004", "25001"}
SELECT_HINT = (
    "write a single SELECT (or WITH … SELECT) that only reads, without a second statement after "
    "a ';' and without anything that changes the database"
)


def _not_one_select(role: str | None, why: str) -> str:
    layer = f"layer '{role}'" if role else "this layer"
    return f"the sql of {layer} must be one SELECT query ({why})"


def check_select_sql(query: str, role: str | None = None) -> str:
    """Check that ``query`` is one ``SELECT`` / ``WITH … SELECT``; return it without a trailing
    ``;``.

    A light client-side check for a clear message, **not** the guarantee: the query is also sent
    with the extended protocol (one statement only) inside a read-only transaction.

    Parameters
    ----------
    query
        The ``sql`` of a layer entry.
    role
        The layer's role, named in the message.

    Returns
    -------
    str
        The query, stripped, without trailing ``;``.

    Raises
    ------
    ValueError
        ``the sql of layer X must be one SELECT query (why)``.
    """
    if not isinstance(query, str) or not query.strip():
        raise ValueError(_not_one_select(role, "it is empty"))
    text = query.strip()
    # Same length as ``text``: opaque parts become spaces ("x" for literals, so they stay words).
    masked = _OPAQUE.sub(
        lambda m: ("x" if m.group(0)[:1] not in "-/" else " ") * len(m.group(0)), text
    )
    body = masked.rstrip().rstrip(";").rstrip()
    while body.endswith(";"):
        body = body.rstrip(";").rstrip()
    if ";" in body:
        raise ValueError(_not_one_select(role, "it holds several statements separated by ';'"))
    words = re.findall(r"[A-Za-z_]+", body)
    first = words[0].upper() if words else ""
    if first not in ("SELECT", "WITH"):
        raise ValueError(_not_one_select(role, f"it starts with {first or body[:10]!r}"))
    if _DML_IN_WITH.search(body):
        raise ValueError(_not_one_select(role, "its WITH clause changes data"))
    if _LOCKING.search(body):
        raise ValueError(
            _not_one_select(role, "SELECT … INTO and FOR UPDATE/SHARE write or lock rows")
        )
    return text[: len(body)].rstrip()


def sql_explainer(role: str | None) -> Callable[[psycopg.Error], tuple[str, str] | None]:
    """Messages for what the server refuses in an ``sql`` source (see :func:`pg_session`)."""

    def explain(exc: psycopg.Error) -> tuple[str, str] | None:
        if getattr(exc, "sqlstate", None) in _WRITE_STATES or "multiple commands" in str(exc):
            return _not_one_select(role, "the server refused it"), SELECT_HINT
        return None

    return explain
