"""A real PostgreSQL server for the tests: Debian's ``postgresql`` package, started by the
tests in a temporary folder (initdb + pg_ctl), never the system service.

PostgreSQL refuses to run as root and CI runs as root, so as root the server runs as the
``postgres`` user that the package creates, in a folder that user owns. It listens on a
free port on localhost and on a unix socket in that folder, trusts local connections, and
stops when the test session ends. Each test gets a database of its own (``pg_url``).

Import the fixtures into a test module: ``from pg import pg_server, pg_url``.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import fail_or_skip

__all__ = ["PgServer", "fresh_database", "pg_server", "pg_url"]

_DB_NUMBERS = itertools.count()


def _bindir() -> Path | None:
    """The folder of Debian's initdb and pg_ctl (the newest version installed)."""
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    """A running test server: ``url(dbname, user=...)`` addresses one of its databases."""

    folder: Path
    port: int
    as_user: list[str]
    bindir: Path

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def url(self, dbname: str = "postgres", *, user: str = "postgres") -> str:
        """A URL through the unix socket (trust authentication)."""
        return f"postgresql://{user}@/{dbname}?host={self.socket_dir}&port={self.port}"

    def admin(self, sql: str) -> None:
        """Run ``sql`` as the superuser on the ``postgres`` database (autocommit)."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.as_user, *args], capture_output=True, text=True, timeout=120, check=False
        )

    def stop(self) -> None:
        self.run(
            str(self.bindir / "pg_ctl"), "-D", str(self.folder / "data"), "-m", "fast", "-w", "stop"
        )


def _start() -> PgServer:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        fail_or_skip('psycopg is missing: .venv/bin/pip install "psycopg[binary]"')
    bindir = _bindir()
    if bindir is None or not (bindir / "initdb").exists():
        fail_or_skip(
            "Debian's postgresql is missing (initdb, pg_ctl): run bash scripts/ensure-postgres.sh"
        )
        raise AssertionError  # unreachable: fail_or_skip raised
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="coprod-pg-"))
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            fail_or_skip("running PostgreSQL as root needs runuser (util-linux)")
        as_user = [str(runuser), "-u", "postgres", "--"]
        shutil.chown(folder, "postgres", "postgres")
    folder.chmod(0o700)
    (folder / "socket").mkdir()
    if as_user:
        shutil.chown(folder / "socket", "postgres", "postgres")
    server = PgServer(folder, _free_port(), as_user, bindir)
    init = server.run(
        str(bindir / "initdb"),
        "-D",
        str(folder / "data"),
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--no-sync",
    )
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"initdb failed:\n{init.stdout}\n{init.stderr}")
    # a test server: no fsync (the store's own durability setting is tested by reading it)
    options = (
        f"-p {server.port} -k {server.socket_dir} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c full_page_writes=off -c max_connections=60"
    )
    started = server.run(
        str(bindir / "pg_ctl"),
        "-D",
        str(folder / "data"),
        "-o",
        options,
        "-l",
        str(folder / "server.log"),
        "-w",
        "-t",
        "60",
        "start",
    )
    if started.returncode != 0:
        log = (
            (folder / "server.log").read_text(errors="replace")
            if (folder / "server.log").exists()
            else ""
        )
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"pg_ctl start failed:\n{started.stdout}\n{started.stderr}\n{log}")
    return server


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """A PostgreSQL server for the whole test session (skipped locally when missing)."""
    server = _start()
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)


@contextlib.contextmanager
def fresh_database(server: PgServer) -> Iterator[str]:
    """A new, empty database on ``server`` (dropped afterwards): its URL."""
    name = f"coprod_test_{os.getpid()}_{next(_DB_NUMBERS)}"
    server.admin(f"CREATE DATABASE {name}")
    try:
        yield server.url(name)
    finally:
        server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def pg_url(pg_server: PgServer) -> Iterator[str]:
    """A URL to a new, empty database of its own (dropped afterwards)."""
    with fresh_database(pg_server) as url:
        yield url
