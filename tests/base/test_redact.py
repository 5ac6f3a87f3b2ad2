"""URL redaction (landlink_gis.base.redaction): one implementation, raw-string rules,
property-tested.

A password must never survive redaction, also when it is typed into the URL without
percent-encoding (spaces, ``@``, ``:``, ``/``, ``#``, ``%``) so that a URL parser would split the
URL in the wrong place.
"""

from __future__ import annotations

import ast
import string
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from landlink_gis.base import redaction as redact
from landlink_gis.base.redaction import MASK, redact_text, redact_url, url_password, url_secrets

SRC = Path(redact.__file__).resolve().parents[1]
SPECIALS = " @:/#%?&=;'\"\\$"
PASSWORDS = st.text(alphabet=string.printable + SPECIALS * 3, min_size=1, max_size=40)


def _leaks(out: str, password: str, skeleton: str) -> bool:
    """``password`` in ``out``, unless it is a piece of the URL's non-secret text anyway."""
    return password not in skeleton and password in out


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://user:p@ss:w/o#rd%@host:5432/db", "postgresql://user:***@host:5432/db"),
        ("postgresql://user:pa ss word@host/db", "postgresql://user:***@host/db"),
        (
            "postgresql://user:a@b@c@h:1/db?sslmode=require",
            "postgresql://user:***@h:1/db?sslmode=require",
        ),
        (
            "postgresql://u:pw@h/db?password=x1&token=t%40k&sslmode=require",
            "postgresql://u:***@h/db?password=***&token=***&sslmode=require",
        ),
        ("postgresql://u@h/db?PASSWORD=abc", "postgresql://u@h/db?PASSWORD=***"),
        ("postgresql://h:5432/db", "postgresql://h:5432/db"),
        ("postgresql://u:@h/db", "postgresql://u:@h/db"),
        ("host=h password='a b\\' c' user=u", "host=h password=*** user=u"),
        ("host=h password=x sslpassword=y", "host=h password=*** sslpassword=***"),
        (
            "postgresql://landlink:***@127.0.0.1:5432/landlink",
            "postgresql://landlink:***@127.0.0.1:5432/landlink",
        ),
        ("", ""),
    ],
)
def test_redact_url_examples(url, expected):
    assert redact_url(url) == expected


def test_redact_text_finds_urls_and_key_values_in_messages():
    msg = "cannot open postgresql://u:p@ss w#rd@db.local/gis (table 'x'); PGPASSWORD=zz9 password = 'q r'"
    out = redact_text(msg)
    assert (
        out
        == "cannot open postgresql://u:***@db.local/gis (table 'x'); PGPASSWORD=*** password = ***"
    )
    assert redact_text("token x and s3cr3t", "s3cr3t") == "token x and ***"


def test_url_password_and_secrets():
    url = "postgresql://user:p@ss:w/o#rd%41@host/db?token=t%20k"
    assert url_password(url) == "p@ss:w/o#rd%41"
    found = url_secrets(url)
    assert {"p@ss:w/o#rd%41", "p@ss:w/o#rdA", "t%20k", "t k"} <= set(found)
    assert found == sorted(found, key=len, reverse=True)
    assert url_password("postgresql://h:5432/db") is None


@settings(max_examples=400, deadline=None)
@given(password=PASSWORDS)
@example(password="p@ss:w/o#rd%")
@example(password="a b@c")
@example(password="://x:y@")
def test_userinfo_password_never_survives(password):
    url = f"postgresql://user:{password}@db.example:5432/gis?sslmode=require"
    skeleton = "postgresql://user:***@db.example:5432/gis?sslmode=require cannot connect to"
    assert not _leaks(redact_url(url), password, skeleton)
    assert not _leaks(
        redact_text(f"cannot connect to {url}: refused"), password, skeleton + ": refused"
    )
    encoded = f"postgresql://user:{quote(password, safe='')}@db.example:5432/gis?sslmode=require"
    assert not _leaks(redact_url(encoded), quote(password, safe=""), skeleton)
    assert not _leaks(redact_url(encoded), password, skeleton)


@settings(max_examples=300, deadline=None)
@given(
    password=PASSWORDS.filter(lambda p: "&" not in p),
    key=st.sampled_from(["password", "PASSWORD", "token", "sslpassword"]),
)
def test_query_password_never_survives(password, key):
    url = f"postgresql://user@db.example:5432/gis?sslmode=require&{key}={password}"
    skeleton = f"postgresql://user@db.example:5432/gis?sslmode=require&{key}=***"
    assert not _leaks(redact_url(url), password, skeleton)
    assume(not any(c.isspace() for c in password))  # in free text a query value ends at a space
    assert not _leaks(redact_text(f"failed: {url}"), password, "failed: " + skeleton)


@settings(max_examples=300, deadline=None)
@given(password=PASSWORDS)
def test_quoted_key_value_password_never_survives(password):
    quoted = "'" + password.replace("\\", "\\\\").replace("'", "\\'") + "'"
    dsn = f"host=db.example port=5432 password={quoted} dbname=gis user=u"
    skeleton = "host=db.example port=5432 password=*** dbname=gis user=u"
    assert not _leaks(redact_url(dsn), password, skeleton)
    assert not _leaks(redact_text(dsn), password, skeleton)


@settings(max_examples=200, deadline=None)
@given(
    password=st.text(
        alphabet=string.ascii_letters + string.digits + "!$%*+,-.^_~@:/#", min_size=1, max_size=30
    )
)
def test_unquoted_key_value_password_never_survives(password):
    dsn = f"host=db.example password={password} user=u"
    assert not _leaks(redact_url(dsn), password, "host=db.example password=*** user=u")


def test_redaction_is_idempotent():
    for url in ("postgresql://u:p@ss@h/db?token=x", "host=h password='a b'"):
        once = redact_url(url)
        assert redact_url(once) == once and MASK in once


def test_one_implementation_and_a_low_level_module():
    """``redact_url``/``redact_text`` are defined once, in base/redaction.py, which imports nothing of
    the package."""
    defined = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        defined += [
            (path.name, n.name)
            for n in ast.walk(tree)
            if isinstance(n, ast.FunctionDef) and n.name in ("redact_url", "redact_text")
        ]
    assert sorted(defined) == [("redaction.py", "redact_text"), ("redaction.py", "redact_url")]
    tree = ast.parse((SRC / "base" / "redaction.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert (
                node.level == 0 or node.module in (None, "errors") or node.module.endswith("errors")
            ), node.module
            assert (
                not (node.module or "").startswith("landlink_gis")
                or node.module == "landlink_gis.base.errors"
            )
