"""Hide passwords and tokens in connection strings before they reach a log, message or output."""

from __future__ import annotations

import re

__all__ = ["redact_text", "redact_url"]

_USERINFO = re.compile(r"(?P<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)(?P<user>[^:/@\s]*):(?P<pw>[^@\s]*)@")
_QUERY = re.compile(r"(?i)(?P<key>password|passwd|pwd|token|access_token|secret|api_key)=(?P<val>[^&\s]*)")
_KV = re.compile(r"(?i)(?P<key>password|passwd|pwd|token|secret)\s*=\s*(?P<q>'?)(?P<val>[^'\s]*)(?P=q)")


def redact_url(url: str) -> str:
    """``url`` with its password and secret query parameters replaced by ``***``."""
    if not url:
        return url
    out = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@", url)
    return _QUERY.sub(lambda m: f"{m['key']}=***", out)


def redact_text(text: str, *secrets: str) -> str:
    """``text`` with URLs redacted, ``key=value`` secrets hidden and each of ``secrets`` removed."""
    out = redact_url(text)
    out = _KV.sub(lambda m: f"{m['key']}=***", out)
    for s in secrets:
        if s:
            out = out.replace(s, "***")
    return out
