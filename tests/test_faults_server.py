"""Hostile places and requests for the live session (issue 18, faults 5-10, item 12, a room
behind one address).

A full disk is a real one: a small tmpfs mounted for the test and filled up (root, as in
CI). Where mounting is refused the disk is made "full" in process instead (the store's
transaction raises SQLite's "database or disk is full"), and the test prints which one ran.
A read-only place is a tmpfs remounted read-only; an immutable file is ``chattr +i``.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import fail_or_skip

from coprod_analytics.cli import main
from coprod_analytics.errors import CoprodError, ValidationError
from coprod_analytics.session import NewEvent, SessionStore, read_events
from coprod_analytics.session.store import StoreUnwritable, connect_readonly, has_visible_text
from coprod_apps.live.config import ServerConfig
from coprod_apps.live.handlers import client_address, parse_networks
from coprod_apps.live.rules import ApiError
from coprod_apps.live.server import LiveServer

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------- helpers
async def http(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str | None = None,
    host: str = "127.0.0.1",
) -> tuple[int, dict[str, str], dict[str, Any]]:
    """One request on its own connection (from ``source``): status, headers, JSON body."""
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}", "Connection: close"]
    head += [f"Content-Length: {len(data)}", "Content-Type: application/json"]
    if token is not None:
        head.append(f"Authorization: Bearer {token}")
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    reader, writer = await asyncio.open_connection(
        host, port, local_addr=(source, 0) if source else None, limit=2**22
    )
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head_bytes, _, payload = answer.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    hdrs = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split(" ", 2)[1]), hdrs, json.loads(payload) if payload else {}


def serving(db: Path, test: Callable[[LiveServer, int], Awaitable[None]], **config: Any) -> None:
    async def run() -> None:
        srv = LiveServer(db, ServerConfig(priority_interval=0, **config))
        port = await srv.start("127.0.0.1", 0)
        try:
            await asyncio.wait_for(test(srv, port), 120)
        finally:
            await srv.stop()

    asyncio.run(run())


def new_db(folder: Path, n_statements: int = 3) -> Path:
    db = folder / "s.db"
    with SessionStore(db, title="T") as s:
        s.add_statements([f"statement {i}" for i in range(n_statements)])
    return db


def cli(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str]:
    status = main([str(a) for a in argv])
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    return status, err


def _mount(folder: Path, options: str) -> bool:
    folder.mkdir(exist_ok=True)
    if os.geteuid() != 0:
        return False
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True
    )
    return proc.returncode == 0


@pytest.fixture
def mounts() -> Iterator[list[Path]]:
    mounted: list[Path] = []
    yield mounted
    for folder in reversed(mounted):
        subprocess.run(["chattr", "-R", "-i", str(folder)], capture_output=True, check=False)
        subprocess.run(["umount", "-l", str(folder)], check=False)


def read_only_db(tmp_path: Path, mounts: list[Path]) -> Path:
    """A session database on a file system mounted read-only."""
    folder = tmp_path / "ro"
    if not _mount(folder, "size=4m,mode=0755"):
        fail_or_skip("a read-only database needs a tmpfs mount as root (mount refused)")
    mounts.append(folder)
    db = new_db(folder)
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
    return db


def immutable_db(tmp_path: Path) -> Path:
    db = new_db(tmp_path / "imm")
    proc = subprocess.run(["chattr", "+i", str(db)], capture_output=True, text=True)
    if proc.returncode != 0:
        fail_or_skip(f"chattr +i is not supported here: {proc.stderr.strip()}")
    return db


def fill(folder: Path) -> Path:
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as fh:
        try:
            while True:
                fh.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


class FullDisk:
    """A folder on a small tmpfs that can be filled and emptied again (or the in-process
    stand-in: every store transaction fails as SQLite fails on a full disk)."""

    def __init__(self, tmp_path: Path, mounts: list[Path], monkeypatch: pytest.MonkeyPatch):
        self.folder = tmp_path / "small"
        self.real = _mount(self.folder, "size=16m,mode=0755")
        self.filler: Path | None = None
        self._full = False
        if self.real:
            mounts.append(self.folder)
            print("full disk: a tmpfs of 16 MB, filled up")
        else:
            print("full disk simulated in process (SQLITE_FULL from every transaction)")
            original = SessionStore._append_each

            def append_each(store: SessionStore, events: Any, gate: Any) -> Any:
                if self._full:
                    err = sqlite3.OperationalError("database or disk is full")
                    err.sqlite_errorname = "SQLITE_FULL"  # type: ignore[attr-defined]
                    raise err
                return original(store, events, gate)

            monkeypatch.setattr(SessionStore, "_append_each", append_each)

    def fill(self) -> None:
        self._full = True
        if self.real:
            self.filler = fill(self.folder)

    def free(self) -> None:
        self._full = False
        if self.filler is not None:
            self.filler.unlink()


# ---------------------------------------------------------------------------- fault 5
def test_session_close_on_an_immutable_database_is_one_line_and_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = immutable_db(tmp_path)
    try:
        before = read_events(db).height
        status, err = cli(capsys, "session", "close", db)
        assert status == 2
        assert len(err.splitlines()) == 1
        assert "the database is read-only" in err and str(db) in err and "immutable" in err
        assert "now closed" not in capsys.readouterr().out
        assert read_events(db).height == before
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=False)


def test_appending_through_a_read_only_connection_raises_instead_of_dropping(
    tmp_path: Path,
) -> None:
    # SQLite falls back to a read-only connection when it cannot open the file for writing;
    # an append then failed per event and was reported as a repeat (None): "now closed"
    db = new_db(tmp_path)
    store = SessionStore(db)
    store._conn.close()
    store._conn = connect_readonly(db)
    try:
        with pytest.raises(StoreUnwritable, match="the database is read-only") as err:
            store.close_session()
        assert err.value.reason == "read_only"
        with pytest.raises(StoreUnwritable):
            store.append([NewEvent("join", participant_id=7)])
    finally:
        store.close()
    assert read_events(db).filter(kind="close").height == 0


def test_session_close_on_a_full_disk_is_one_line_and_changes_nothing(
    tmp_path: Path,
    mounts: list[Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    disk = FullDisk(tmp_path, mounts, monkeypatch)
    db = new_db(disk.folder, n_statements=50)
    before = read_events(db).height
    disk.fill()
    status, err = cli(capsys, "session", "close", db)
    assert status == 2, err
    assert len(err.splitlines()) == 1
    assert "the disk is full" in err and str(db) in err
    disk.free()
    assert read_events(db).height == before
    assert read_events(db).filter(kind="close").height == 0


# ---------------------------------------------------------------------------- fault 6
class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_full_disk_under_load_is_503_health_says_so_and_it_recovers(
    tmp_path: Path, mounts: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = FullDisk(tmp_path, mounts, monkeypatch)
    db = new_db(disk.folder, n_statements=40)
    lines = Lines()
    loggers = [logging.getLogger(n) for n in ("coprod_apps", "tornado")]
    for lg in loggers:
        lg.addHandler(lines)
    acked: set[tuple[int, int]] = set()

    async def test(srv: LiveServer, port: int) -> None:
        tokens = []
        for _ in range(20):
            status, _, data = await http(port, "POST", "/api/join", {})
            assert status == 200, data
            tokens.append((data["participant_id"], data["token"]))
        status, _, health = await http(port, "GET", "/healthz")
        assert (status, health["store"]) == (200, "writable")

        async def vote(pid: int, tok: str, sid: int) -> tuple[int, dict[str, Any]]:
            body = {"statement_id": sid, "vote": 1, "key": f"k{pid}-{sid}"}
            status, hdrs, data = await http(port, "POST", "/api/vote", body, token=tok)
            if status == 200:
                acked.add((pid, sid))
            else:
                assert status == 503, data
                assert data["code"] == "store_unavailable" and data["reason"] == "disk_full"
                assert hdrs["Retry-After"].isdigit()
            return status, data

        disk.fill()
        # every phone votes on every statement while the disk is full
        todo = [(pid, tok, sid) for pid, tok in tokens for sid in range(40)]
        answers = await asyncio.gather(*(vote(*t) for t in todo))
        refused = [t for t, (status, _) in zip(todo, answers, strict=True) if status == 503]
        assert len(refused) > len(todo) // 2
        status, _, health = await http(port, "GET", "/healthz")
        assert status == 503
        assert (health["ok"], health["store"], health["reason"]) == (
            False,
            "unwritable",
            "disk_full",
        )
        assert "the disk is full" in health["error"]

        disk.free()
        deadline = time.monotonic() + 60
        while (await http(port, "GET", "/healthz"))[0] != 200:  # recovers before any vote
            assert time.monotonic() < deadline, "health did not recover"
            await asyncio.sleep(0.2)
        for t in refused:  # the phones send their kept answers again
            status, data = await vote(*t)
            assert status == 200, data

    try:
        serving(db, test, request_rate=(1000.0, 1000.0))
    finally:
        for lg in loggers:
            lg.removeHandler(lines)
    votes = read_events(db).filter(kind="vote")
    assert set(zip(votes["participant_id"], votes["statement_id"], strict=True)) == acked
    assert len(acked) == 20 * 40 and votes.height == 20 * 40  # each stored exactly once
    errors = [r for r in lines.records if r.levelno >= logging.ERROR]
    assert 1 <= len(errors) <= 3, [r.getMessage() for r in errors]  # not one per request
    assert all(r.exc_info is None for r in errors)  # no traceback for a full disk
    assert any("the disk is full" in r.getMessage() for r in errors)


# ---------------------------------------------------------------------------- fault 7
def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _descendants(pid: int) -> set[int]:
    out: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for k in map(int, kids):
                if k not in out:
                    out.add(k)
                    todo.append(k)
    return out


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def test_kill_9_of_serve_takes_the_dashboard_the_worker_and_the_tracker_with_it(
    tmp_path: Path,
) -> None:
    if not Path("/proc/self/task").exists():
        fail_or_skip("needs Linux /proc to list the server's children")
    db = new_db(tmp_path)
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "coprod_analytics.cli", "serve", str(db), "--port", "0"),
            *("--no-qr", "--priority-interval", "0.5"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    children: set[int] = set()
    try:
        assert proc.stdout is not None
        seen = []
        for line in proc.stdout:  # the dashboard address is printed once its kernel is ready
            seen.append(line)
            if line.startswith("Facilitator dashboard"):
                break
        else:
            pytest.fail("serve ended before the dashboard was ready:\n" + "".join(seen))
        deadline = time.monotonic() + 120
        while True:  # Voila, its kernel, the priority worker and the resource tracker
            children = _descendants(proc.pid)
            names = " | ".join(_cmdline(c) for c in children)
            if "voila" in names and "ipykernel" in names and "multiprocessing" in names:
                break
            assert time.monotonic() < deadline, f"children not all started: {names}"
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(30)
        deadline = time.monotonic() + 90
        while alive := [c for c in children if _alive(c)]:
            if time.monotonic() > deadline:
                pytest.fail("still running: " + "; ".join(_cmdline(c) for c in alive))
            time.sleep(0.2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        for c in children:
            if _alive(c):
                os.kill(c, signal.SIGKILL)


# ---------------------------------------------------------------------------- fault 8
def test_the_one_server_lock_holds_through_a_symlink(tmp_path: Path) -> None:
    db = new_db(tmp_path / "real")
    link_dir = tmp_path / "elsewhere"
    link_dir.mkdir()
    (link_dir / "alias.db").symlink_to(db)
    first = LiveServer(db)
    try:
        with pytest.raises(CoprodError, match="another 'coprod serve' is already running"):
            LiveServer(link_dir / "alias.db")
    finally:
        asyncio.run(first.stop())
    LiveServer(link_dir / "alias.db")._lock.release()  # free again once the first stopped


# ---------------------------------------------------------------------------- fault 9
def test_deep_json_is_a_400_and_a_large_body_a_413(tmp_path: Path) -> None:
    db = new_db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        status, _, data = await http(port, "POST", "/api/join", raw=b"[" * 5000)
        assert (status, data["code"]) == (400, "bad_json"), data
        status, _, data = await http(port, "POST", "/api/join", raw=b'{"a":' * 1500 + b"1")
        assert (status, data["code"]) == (400, "bad_json"), data
        for size in (70 * 1024, 1024 * 1024):
            raw = json.dumps({"join_code": "x" * size}).encode()
            status, _, data = await http(port, "POST", "/api/join", raw=raw)
            assert (status, data["code"]) == (413, "too_large"), data
        status, _, data = await http(port, "POST", "/api/join", {})
        assert status == 200, data  # the server is fine

    serving(db, test)
    assert read_events(db).filter(kind="join").height == 1


# ---------------------------------------------------------------------------- fault 10
def test_serving_a_read_only_database_is_refused_naming_file_and_cause(
    tmp_path: Path, mounts: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    db = read_only_db(tmp_path, mounts)
    with pytest.raises(StoreUnwritable, match=r"the database is read-only: .*Read-only file"):
        LiveServer(db)
    status, err = cli(capsys, "serve", db, "--no-dashboard", "--port", "0")
    assert status == 2
    assert err.splitlines() == [
        f"coprod serve: error: the database is read-only: {db} (Read-only file system)"
    ]
    # reading it still works (a read-only copy can be exported and reported)
    assert read_events(db).filter(kind="statement").height == 3


def test_serving_an_immutable_database_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = immutable_db(tmp_path)
    try:
        with pytest.raises(StoreUnwritable, match="the database is read-only") as err:
            LiveServer(db)
        assert "immutable" in str(err.value) and str(db) in str(err.value)
        status, err_line = cli(capsys, "serve", db, "--no-dashboard", "--port", "0")
        assert status == 2 and "the database is read-only" in err_line
    finally:
        subprocess.run(["chattr", "-i", str(db)], check=False)


# ---------------------------------------------------------------------------- item 12
INVISIBLE = ["\u200b", "\u200b\u200c\u200d", " \ufeff\u2060 ", "\u3164", "\u034f\u200e", "\u2800"]


def test_texts_without_a_visible_character_are_refused(tmp_path: Path) -> None:
    assert not any(has_visible_text(t) for t in INVISIBLE)
    assert all(has_visible_text(t) for t in ["a\u200b", "\u0647", "🙂", "中"])
    db = new_db(tmp_path)
    with SessionStore(db) as store:
        for text in INVISIBLE:
            with pytest.raises(ValidationError, match="visible character"):
                store.add_statements([text])
            with pytest.raises(ValidationError, match="visible character"):
                store.submit_statement(None, text)

    async def test(srv: LiveServer, port: int) -> None:
        _, _, data = await http(port, "POST", "/api/join", {})
        tok = data["token"]
        for i, text in enumerate(INVISIBLE):
            body = {"text": text, "key": f"s{i}"}
            status, _, out = await http(port, "POST", "/api/statements", body, token=tok)
            assert (status, out["code"]) == (400, "bad_text"), (text, out)
        status, _, out = await http(
            port, "POST", "/api/statements", {"text": "\u200bBuses", "key": "ok"}, token=tok
        )
        assert status == 200, out

    serving(db, test)
    assert read_events(db).filter(kind="statement").height == 4


# ---------------------------------------------------------------------------- one address
def test_a_thousand_phones_behind_one_address_all_join(tmp_path: Path) -> None:
    db = new_db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        sem = asyncio.Semaphore(50)  # 50 connections at a time, like a busy Wi-Fi

        async def phone() -> int:
            async with sem:
                while True:  # a phone waits as Retry-After says, then tries again
                    status, hdrs, data = await http(
                        port, "POST", "/api/join", {"join_code": "abc7"}
                    )
                    if status != 429:
                        assert status == 200, data
                        return int(data["participant_id"])
                    await asyncio.sleep(float(hdrs["Retry-After"]))

        ids = await asyncio.gather(*(phone() for _ in range(1000)))
        assert sorted(ids) == list(range(1000))

    serving(db, test, join_code="ABC7")
    assert read_events(db).filter(kind="join").height == 1000


def test_wrong_join_codes_are_slow_per_address_and_over_the_server(tmp_path: Path) -> None:
    db = new_db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        codes = []
        for i in range(12):  # from one address: a few wrong tries, then 429 before comparing
            status, _, data = await http(port, "POST", "/api/join", {"join_code": f"G{i:03d}"})
            codes.append(status)
        assert codes[:4] == [403] * 4 and codes[-1] == 429, codes
        status, _, data = await http(port, "POST", "/api/join", {"join_code": "ABC7"})
        assert status == 429, data  # even the right code waits: guessing stays slow
        # from many addresses: the server-wide budget of wrong codes runs out too
        refused = 0
        for i in range(200):
            for guess in ("W", "V"):  # two guesses from each of 200 addresses
                try:
                    await srv.rules.join(f"{guess}{i:03d}", f"198.51.100.{i}")
                except ApiError as err:
                    refused += err.status == 429
        assert refused > 100
        # an address that never sent a wrong code still joins
        assert "token" in await srv.rules.join("abc7", "203.0.113.5")

    serving(db, test, join_code="ABC7", join_fail_rate=(0.01, 5.0))


# ---------------------------------------------------------------------------- proxies
def test_client_address_believes_only_trusted_proxies() -> None:
    nets = parse_networks(["127.0.0.1", "10.0.0.0/8"])
    # right-most untrusted hop, skipping a chain of trusted proxies
    assert client_address("10.1.2.3", ["1.1.1.1, 203.0.113.9, 10.9.9.9"], nets) == "203.0.113.9"
    assert client_address("127.0.0.1", ["203.0.113.9", "198.51.100.2"], nets) == "198.51.100.2"
    # not from a trusted proxy: the header is the client's own words, ignored
    assert client_address("192.0.2.1", ["203.0.113.9"], nets) == "192.0.2.1"
    assert client_address("127.0.0.1", [], nets) == "127.0.0.1"
    assert client_address("127.0.0.1", ["garbage, 10.0.0.5"], nets) == "10.0.0.5"
    assert client_address("::ffff:127.0.0.1", ["2001:db8::1"], nets) == "2001:db8::1"
    with pytest.raises(CoprodError, match="trusted_proxy"):
        parse_networks(["10.0.0.0/33"])


def test_forwarded_headers_count_only_from_a_trusted_proxy(tmp_path: Path) -> None:
    db = new_db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        # from the trusted proxy (127.0.0.1): each forwarded phone has its own budget
        for phone in ("198.51.100.1", "198.51.100.2"):
            for i in range(3):
                fwd = {"X-Forwarded-For": f"6.6.6.{i}, {phone}", "X-Forwarded-Proto": "https"}
                status, hdrs, _ = await http(
                    port, "POST", "/api/join", {"join_code": "no"}, headers=fwd
                )
                assert status == (403 if i < 2 else 429)
                assert "Strict-Transport-Security" in hdrs
        # from 127.0.0.2 (not trusted): forged headers are ignored, its own address counts
        for i in range(3):
            fwd = {"X-Forwarded-For": f"203.0.113.{i}", "X-Forwarded-Proto": "https"}
            status, hdrs, _ = await http(
                port, "POST", "/api/join", {"join_code": "no"}, headers=fwd, source="127.0.0.2"
            )
            assert status == (403 if i < 2 else 429)
            assert "Strict-Transport-Security" not in hdrs
        assert not srv.rules.join_fail_limit.is_full("127.0.0.2")
        assert srv.rules.join_fail_limit.is_full("203.0.113.0")

    serving(db, test, join_code="ABC7", join_fail_rate=(0.001, 2.0), trusted_proxies=("127.0.0.1",))
