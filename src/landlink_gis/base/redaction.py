"""Hide passwords and tokens in connection strings before they reach a log, message or output.

The one home of URL redaction in landlink-gis. It works on the **raw string** and never lets a
URL parser read it first: a password typed into a URL without percent-encoding (spaces, ``@``,
``:``, ``/``, ``#``, ``%`` …) makes such parsers split the URL in the wrong place and then
quote pieces of the password back. The rules, applied to the original text and merged:

* URL userinfo: after ``scheme://user:`` everything up to the **last** ``@`` of the text is the
  secret (``postgresql://user:p@ss:w/o#rd%@host/db`` → ``postgresql://user:***@host/db``).
  When the text has other ``@`` further on, more than the password is hidden; that is the price
  of never showing a part of it.
* Query parameters ``?password=…`` / ``&token=…`` (and the other secret keys): the value up to
  the next ``&`` (or the end; in free text also whitespace).
* libpq key/value strings ``password=secret`` or ``password='a b'`` (quoted, ``\\'`` escapes).

This module is deliberately low level: it imports nothing from the rest of the package.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

__all__ = ["MASK", "SECRET_KEYS", "redact_text", "redact_url", "url_password", "url_secrets"]

#: What a secret is replaced with.
MASK = "***"
#: Parameter names whose values are secrets (case-insensitive).
SECRET_KEYS = (
    "password",
    "passwd",
    "pwd",
    "sslpassword",
    "pgpassword",
    "token",
    "access_token",
    "api_key",
    "apikey",
    "secret",
)

_KEYS = "|".join(sorted(SECRET_KEYS, key=len, reverse=True))
# ``scheme://user:`` — the secret starts right after the colon.
_SCHEME_USER = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*://[^:@/\s]*:")
# ``?password=…`` / ``&token=…`` in a URL query (``;`` is accepted as a separator too).
_QUERY_URL = re.compile(rf"(?i)[?&;](?:{_KEYS})=([^&]*)")
_QUERY_TEXT = re.compile(rf"(?i)[?&;](?:{_KEYS})=([^&\s]*)")
# libpq key/value form: ``password=x`` / ``password = 'a b'`` (not inside a URL query).
_KV = re.compile(
    rf"(?is)(?<![\w?&;.\-])(?:{_KEYS})\s*=\s*('(?:[^'\\]|\\.|\\$)*'?|[^\s'][^\s]*|(?=\s|$))"
)


def _userinfo_spans(text: str) -> list[tuple[int, int]]:
    """Spans of URL passwords: from ``scheme://user:`` to the last ``@`` after it."""
    spans = []
    pos = 0
    while (m := _SCHEME_USER.search(text, pos)) is not None:
        start = m.end()
        at = text.rfind("@", start)
        if at < start:  # ``host:port`` without userinfo, and no ``@`` later on
            pos = m.end()
            continue
        spans.append((start, at))
        pos = at + 1
    return spans


def _spans(text: str, *, whole: bool) -> list[tuple[int, int]]:
    """Merged, sorted spans of ``text`` that hold secrets.

    ``whole``: ``text`` is a single URL or connection string (query values run to the next ``&``
    or the end), not free text (where whitespace ends them too).
    """
    spans = _userinfo_spans(text)
    query = _QUERY_URL if whole else _QUERY_TEXT
    spans += [m.span(1) for m in query.finditer(text)]
    spans += [m.span(1) for m in _KV.finditer(text)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    out, last = [], 0
    for start, end in spans:
        out += [text[last:start], MASK]
        last = end
    out.append(text[last:])
    return "".join(out)


def redact_url(url: str) -> str:
    """``url`` with its password and secret parameters replaced by ``***``.

    Works on the raw string, so a malformed URL (unencoded ``@ : / # %`` or spaces in the
    password) is redacted too; also handles libpq key/value strings.

    Parameters
    ----------
    url
        A connection URL (``postgresql://user:pw@host/db?token=…``) or key/value string.

    Returns
    -------
    str
        The same text with each secret replaced by ``***``.

    Examples
    --------
    >>> redact_url("postgresql://landlink:pw@127.0.0.1:5432/landlink?token=abc&sslmode=require")
    'postgresql://landlink:***@127.0.0.1:5432/landlink?token=***&sslmode=require'
    >>> redact_url("postgresql://user:p@ss:w/o#rd%@host:5432/db")
    'postgresql://user:***@host:5432/db'
    >>> redact_url("host=h password='a b' user=u")
    'host=h password=*** user=u'
    """
    if not url:
        return url
    return _mask(url, _spans(url, whole=True))


def redact_text(text: str, *secrets: str) -> str:
    """``text`` with every embedded URL password, ``key=value`` secret and each of ``secrets``
    hidden.

    Parameters
    ----------
    text
        Free text: a message, a log line, a driver's error text.
    *secrets
        Literal strings to remove as well wherever they appear (e.g. from :func:`url_secrets`).

    Returns
    -------
    str
        The redacted text.
    """
    if not text:
        return text
    out = _mask(text, _spans(text, whole=False))
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        out = out.replace(secret, MASK)
    return out


def url_password(url: str) -> str | None:
    """The raw password of the first ``scheme://user:password@`` in ``url`` (last-``@`` rule).

    ``None`` when the URL has no password in its userinfo. The value is exactly as typed (not
    percent-decoded), so a caller can check it for characters that should have been encoded.
    """
    spans = _userinfo_spans(url)
    return url[spans[0][0] : spans[0][1]] if spans else None


def url_secrets(url: str) -> list[str]:
    """Every secret value in ``url`` as literal strings, longest first.

    Each secret is given as typed, percent-decoded and percent-encoded (and unquoted/unescaped
    for quoted key/value values), so that a driver message quoting any of those forms can be
    scrubbed with :func:`redact_text`.
    """
    found: set[str] = set()
    for start, end in _spans(url, whole=True):
        raw = url[start:end]
        found.add(raw)
        if len(raw) >= 2 and raw.startswith("'") and raw.endswith("'"):
            found.add(re.sub(r"\\(.)", r"\1", raw[1:-1]))
    more = {unquote(s) for s in found} | {quote(s, safe="") for s in found}
    return sorted((s for s in found | more if s), key=len, reverse=True)
