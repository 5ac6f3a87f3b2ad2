"""No password in any message, log or CLI output for a bad PostGIS URL (real server).

Every bad URL (wrong password, unknown host, refused port, malformed URLs with unencoded
``@ : / # %`` or spaces in the password, broken key/value strings) must give a
:class:`DataSourceError` that names the redacted source and the fix, with the password (as
typed, percent-decoded or percent-encoded) absent from ``str(exc)``, ``repr(exc)``, the
exception chain, the log records and the output of ``landlink check``, which exits 2 without a
traceback.
"""

from __future__ import annotations

import logging
import socket
import traceback
from urllib.parse import quote, unquote, urlsplit

import numpy as np
import pytest
from click.testing import CliRunner

from landlink_gis.base.errors import DataSourceError, InputError
from landlink_gis.cli.main import cli
from landlink_gis.io.postgis import explain_postgis, read_postgis, write_postgis
from tests.support.helpers import _toml_value

from .make_corpus import construction, demolition


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# name -> (URL template, password, fragment the message must contain). {hp}: live host:port.
CASES = {
    "wrong_password": (
        "postgresql://landlink:Wr0ng-s3cret-pw@{hp}/landlink",
        "Wr0ng-s3cret-pw",
        "password",
    ),
    "wrong_encoded_specials": (
        "postgresql://landlink:" + quote("p@ss:w/o#rd% x", safe="") + "@{hp}/landlink",
        "p@ss:w/o#rd% x",
        "password",
    ),
    "unknown_host": (
        "postgresql://landlink:Unkn0wn-h0st-pw@no-such-host.invalid:5432/landlink?connect_timeout=3",
        "Unkn0wn-h0st-pw",
        "no-such-host.invalid",
    ),
    "refused": (
        "postgresql://landlink:Refus3d-pw@127.0.0.1:{free}/landlink?connect_timeout=3",
        "Refus3d-pw",
        "running",
    ),
    "malformed_specials": (
        "postgresql://user:p@ss:w/o#rd%@{hp}/db",
        "p@ss:w/o#rd%",
        "percent-encoded",
    ),
    "malformed_spaces": (
        "postgresql://landlink:pa ss@w rd#1@{hp}/landlink",
        "pa ss@w rd#1",
        "percent-encoded",
    ),
    "malformed_percent": (
        "postgresql://landlink:abc%zzdef@{hp}/landlink",
        "abc%zzdef",
        "percent-encoded",
    ),
    "malformed_slash_digits": (
        "postgresql://landlink:12/34@{hp}/landlink",
        "12/34",
        "percent-encoded",
    ),
    "malformed_ipv6": ("postgresql://u:Sup3r-secret@[::1/db", "Sup3r-secret", "Fix"),
    "query_password_bad_percent": (
        "postgresql://landlink@{hp}/landlink?password=Qu3ry%zz-secret",
        "Qu3ry%zz-secret",
        "%25",
    ),
    "query_password_wrong": (
        "postgresql://landlink@{hp}/landlink?password=Qu3ry-wr0ng-pw",
        "Qu3ry-wr0ng-pw",
        "password",
    ),
    "kv_unterminated_quote": (
        "host={h} port={p} user=landlink password='Kv-s3cret dbname=landlink",
        "Kv-s3cret",
        "cannot be parsed",
    ),
    "kv_wrong_password": (
        "host={h} port={p} dbname=landlink user=landlink password='Kv wr0ng s3cret'",
        "Kv wr0ng s3cret",
        "password",
    ),
}


def _url(template: str, live: str) -> str:
    parts = urlsplit(live)
    return template.format(
        hp=f"{parts.hostname}:{parts.port}", h=parts.hostname, p=parts.port, free=_free_port()
    )


def _forms(secret: str) -> set[str]:
    return {s for s in (secret, unquote(secret), quote(secret, safe="")) if len(s) >= 3}


def _assert_absent(text: str, secret: str) -> None:
    for form in _forms(secret):
        assert form not in text, f"{form!r} in {text!r}"


def _chain_text(exc: BaseException) -> str:
    assert exc.__cause__ is None and exc.__context__ is None
    return "".join(traceback.format_exception_only(exc)) + repr(exc)


@pytest.mark.parametrize("name", CASES)
def test_bad_url_error_hides_the_password(postgis_url, caplog, name):
    caplog.set_level(logging.DEBUG)
    template, secret, fragment = CASES[name]
    url = _url(template, postgis_url)
    for call in (
        lambda: read_postgis(url, table="plots"),
        lambda: read_postgis(url, sql="SELECT * FROM plots"),
        lambda: explain_postgis(url, table="plots"),
        lambda: write_postgis(demolition(np.random.default_rng(1)), url, "plots_w"),
    ):
        with pytest.raises(DataSourceError) as excinfo:
            call()
        text = _chain_text(excinfo.value)
        _assert_absent(text, secret)
        assert isinstance(excinfo.value, InputError)
        assert "PostGIS source" in text and "Fix:" in text
        assert fragment in text, text
    for record in caplog.records:
        _assert_absent(record.getMessage(), secret)
    _assert_absent(caplog.text, secret)


def _project(folder, url: str):
    rng = np.random.default_rng(3)
    construction(rng).to_file(folder / "construction.shp")
    lines = [
        "[project]",
        'name = "secrets"',
        'code = "SEC-001"',
        "[layers.demolition]",
        f"url = {_toml_value(url)}",
        'table = "plots"',
        "[layers.construction]",
        'path = "construction.shp"',
    ]
    path = folder / "project.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("name", CASES)
def test_cli_exits_2_without_the_password(postgis_url, caplog, tmp_path, name):
    caplog.set_level(logging.DEBUG)
    template, secret, _ = CASES[name]
    toml = _project(tmp_path, _url(template, postgis_url))
    for flags in ([], ["-vv"]):
        res = CliRunner().invoke(
            cli, ["check", str(toml), "-o", str(tmp_path / "out.gpkg"), *flags]
        )
        assert res.exit_code == 2, res.output
        assert "landlink: error:" in res.output
        assert "Traceback" not in res.output and "internal error" not in res.output
        assert res.exc_info is None or res.exc_info[0] is SystemExit
        _assert_absent(res.output, secret)
        _assert_absent(res.stderr, secret)
        assert not (tmp_path / "out.gpkg").exists()
    for record in caplog.records:
        _assert_absent(record.getMessage(), secret)
