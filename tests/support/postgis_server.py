"""A real PostgreSQL + PostGIS server for the tests (pytest plugin module).

Fixture ``postgis_url`` (session scope): the URL of a database ``landlink`` with the postgis
extension, owned by role ``landlink`` (password auth over 127.0.0.1). By default it installs
PostGIS with ``scripts/postgis/install.sh`` when missing, starts a throw-away server with
``scripts/postgis/start.sh`` in a temporary directory on a free loopback port, and stops it and
removes the directory at the end of the session. ``LANDLINK_TEST_PG_URL`` points the tests at an
existing server instead (it must allow creating tables).

A server that cannot be installed or started fails the tests that need it; it never skips them.

Use from a conftest with ``pytest_plugins = ["tests.support.postgis_server"]`` or
``from tests.support.postgis_server import *``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["postgis_url"]

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "postgis"
PG_MAJOR = os.environ.get("PG_MAJOR", "15")
POSTGIS_CONTROL = Path(f"/usr/share/postgresql/{PG_MAJOR}/extension/postgis.control")
ENV_URL = "LANDLINK_TEST_PG_URL"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", *args], capture_output=True, text=True, timeout=timeout, check=False
    )


def _ensure_postgis() -> None:
    if POSTGIS_CONTROL.exists():
        return
    started = time.perf_counter()
    try:
        proc = _run([str(SCRIPTS / "install.sh")], timeout=1800)
    except subprocess.TimeoutExpired:
        pytest.fail("scripts/postgis/install.sh did not finish in 30 min", pytrace=False)
    if proc.returncode != 0 or not POSTGIS_CONTROL.exists():
        pytest.fail(
            f"cannot install PostgreSQL/PostGIS (scripts/postgis/install.sh, exit "
            f"{proc.returncode}); PostGIS tests need a real server. Output:\n"
            f"{_tail(proc.stdout + proc.stderr)}",
            pytrace=False,
        )
    print(f"postgis_server: installed PostGIS in {time.perf_counter() - started:.1f} s")


def _start(datadir: Path) -> str:
    errors = []
    for _ in range(3):  # a free port can be taken between probing and binding
        port = _free_port()
        try:
            proc = _run([str(SCRIPTS / "start.sh"), str(datadir), str(port)], timeout=180)
        except subprocess.TimeoutExpired:
            errors.append(f"port {port}: start.sh timed out")
            continue
        lines = proc.stdout.strip().splitlines()
        if proc.returncode == 0 and lines and lines[-1].startswith("postgresql://"):
            return lines[-1]
        errors.append(f"port {port}: exit {proc.returncode}\n{_tail(proc.stdout + proc.stderr)}")
        _run([str(SCRIPTS / "stop.sh"), str(datadir)], timeout=120)
    pytest.fail(
        "cannot start a PostgreSQL/PostGIS test server (scripts/postgis/start.sh):\n"
        + "\n".join(errors),
        pytrace=False,
    )


# Kept on the pytest config, not in this module: the module may be imported twice (as
# `postgis_server` and `tests.postgis_server`), and both copies must share one server.
_STATE = "_landlink_postgis_server"


@pytest.fixture(scope="session")
def postgis_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """URL ``postgresql://landlink:…@127.0.0.1:PORT/landlink`` of a live PostGIS database."""
    external = os.environ.get(ENV_URL)
    if external:
        yield external
        return
    config = request.config
    state = getattr(config, _STATE, None)
    if state is None:
        state = {"users": 0, "error": None, "url": None, "datadir": None}
        setattr(config, _STATE, state)
        try:
            _ensure_postgis()
            # Short path (unix socket limit) that `postgres` can reach when we run as root.
            base = "/tmp" if Path("/tmp").is_dir() else None
            state["datadir"] = Path(tempfile.mkdtemp(prefix="landlink-pg-", dir=base))
            started = time.perf_counter()
            state["url"] = _start(state["datadir"])
            print(f"postgis_server: started in {time.perf_counter() - started:.1f} s")
        except pytest.fail.Exception as exc:
            state["error"] = str(exc)
            _shutdown(state)
            raise
    if state["error"]:
        pytest.fail(state["error"], pytrace=False)
    state["users"] += 1
    try:
        yield state["url"]
    finally:
        state["users"] -= 1
        if state["users"] == 0:
            _shutdown(state)
            delattr(config, _STATE)


def _shutdown(state: dict) -> None:
    datadir = state.get("datadir")
    if datadir is not None:
        _run([str(SCRIPTS / "stop.sh"), str(datadir)], timeout=120)
        shutil.rmtree(datadir, ignore_errors=True)
        state["datadir"] = None
