"""Regressions from the security/reliability review of the participant server, in process
over loopback: odd input gets a 4xx (never a 500 that also fails other people's requests),
join codes cannot be brute-forced, one server per database, unique participant ids."""

from __future__ import annotations

import asyncio
import json
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from coprod_analytics.errors import CoprodError, ParameterError
from coprod_analytics.session import NewEvent, SessionStore, read_events
from coprod_apps.live.config import ServerConfig
from coprod_apps.live.ratelimit import RateLimit
from coprod_apps.live.rules import ApiError
from coprod_apps.live.server import LiveServer
from coprod_apps.live.writer import GroupCommitWriter

ROOT = Path(__file__).resolve().parents[1]


def _db(tmp_path: Path) -> Path:
    db = tmp_path / "s.db"
    with SessionStore(db, title="T") as s:
        s.add_statements(["a", "b", "c"])
    return db


async def http(
    port: int,
    method: str,
    path: str,
    body: Any = None,
    *,
    token: str | None = None,
    ctype: str | None = "application/json",
    raw: bytes | None = None,
) -> tuple[int, dict[str, Any]]:
    """One request on its own connection; header values may hold any latin-1 character."""
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    head.append(f"Content-Length: {len(data)}")
    if ctype is not None:
        head.append(f"Content-Type: {ctype}")
    if token is not None:
        head.append(f"Authorization: Bearer {token}")
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + data)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    status = int(answer.split(b" ", 2)[1])
    payload = answer.split(b"\r\n\r\n", 1)[1]
    return status, json.loads(payload) if payload else {}


def serving(db: Path, test: Callable[[LiveServer, int], Awaitable[None]], **config: Any) -> None:
    async def main() -> None:
        srv = LiveServer(db, ServerConfig(priority_interval=0, **config))
        port = await srv.start("127.0.0.1", 0)
        try:
            await asyncio.wait_for(test(srv, port), 60)
        finally:
            await srv.stop()

    asyncio.run(main())


async def _join(port: int, code: str | None = None) -> tuple[int, str]:
    status, data = await http(port, "POST", "/api/join", {"join_code": code} if code else {})
    assert status == 200, data
    return data["participant_id"], data["token"]


def test_text_that_is_not_unicode_is_a_400_and_others_are_stored(tmp_path: Path) -> None:
    db = _db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        _, tok = await _join(port)
        _, tok2 = await _join(port)
        res = await asyncio.gather(
            http(port, "POST", "/api/statements", token=tok, raw=b'{"text":"x\\ud800","key":"s1"}'),
            http(
                port, "POST", "/api/vote", {"statement_id": 2, "vote": 1, "key": "k3"}, token=tok2
            ),
            http(
                port, "POST", "/api/vote", {"statement_id": 0, "vote": -1, "key": "k4"}, token=tok2
            ),
        )
        assert [r[0] for r in res] == [400, 200, 200], res
        assert res[0][1]["code"] == "bad_text"

    serving(db, test)
    assert read_events(db).filter(kind="vote").height == 2


def test_one_unstorable_event_fails_alone_in_its_group_commit(tmp_path: Path) -> None:
    db = _db(tmp_path)

    async def main() -> None:
        store = SessionStore(db)
        writer = GroupCommitWriter(store, asyncio.get_running_loop())
        pid = store.join()
        good1 = writer.submit(NewEvent("vote", participant_id=pid, statement_id=0, vote=1))
        bad = writer.submit(NewEvent("statement", statement_id=9, text="x\ud800"))
        good2 = writer.submit(NewEvent("vote", participant_id=pid, statement_id=1, vote=0))
        writer.start()  # all three queued already: one batch
        writer.stop()
        assert isinstance(await good1, int)
        assert isinstance(await good2, int)
        with pytest.raises(UnicodeEncodeError):
            await bad
        await asyncio.get_running_loop().run_in_executor(None, writer.join, 10)
        assert writer.batches == 1

    asyncio.run(asyncio.wait_for(main(), 30))
    assert read_events(db).filter(kind="vote").height == 2


def test_wrong_join_codes_are_limited_per_address_before_comparing(tmp_path: Path) -> None:
    db = _db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        for guess in ("0000", "0001", "0002"):
            status, data = await http(port, "POST", "/api/join", {"join_code": guess})
            assert status == 403, data
        # out of wrong guesses: refused before the code is even compared (the right one too)
        for guess in ("0003", "ABCD"):
            status, data = await http(port, "POST", "/api/join", {"join_code": guess})
            assert status == 429, data
        # another address still joins (the limit is per address)
        assert srv.rules.join_fail_limit.wait("192.0.2.7") == 0
        out = await srv.rules.join(" abcd ", "192.0.2.7")
        assert out["participant_id"] == 0

    serving(db, test, join_code="ABCD", join_fail_rate=(0.001, 3.0))


def test_joins_are_limited_over_the_server_not_per_address(tmp_path: Path) -> None:
    # a room of phones shares one address: only the server-wide join rate applies to joins
    # (wrong join codes are limited per address too: tests/test_faults_server.py)
    db = _db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        for _ in range(4):
            await _join(port)
        status, data = await http(port, "POST", "/api/join", {})
        assert status == 429, data
        with pytest.raises(ApiError) as err:  # another address waits too: the limit is global
            await srv.rules.join(None, "192.0.2.8")
        assert err.value.status == 429

    serving(db, test, join_rate=(0.001, 4.0))


def test_rate_limit_buckets_are_bounded() -> None:
    limit = RateLimit(1.0, 2.0, max_keys=100)
    for i in range(5000):
        limit.allow(f"10.0.{i // 256}.{i % 256}", now=1000.0 + i * 1e-4)
        assert len(limit) <= 100
    # a recently limited client is remembered while idle ones are forgotten
    for _ in range(3):
        limit.allow("attacker", now=2000.0)
    for i in range(60):
        limit.allow(f"idle{i}", now=1.0)
    assert limit.wait("attacker", now=2000.0) > 0


def test_json_api_needs_a_json_content_type(tmp_path: Path) -> None:
    db = _db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        for ctype in ("text/plain", None, "application/x-www-form-urlencoded"):
            status, data = await http(port, "POST", "/api/join", {}, ctype=ctype)
            assert (status, data["code"]) == (415, "bad_content_type")
        _, tok = await _join(port)
        vote = {"statement_id": 0, "vote": 1, "key": "k"}
        status, _ = await http(port, "POST", "/api/vote", vote, token=tok, ctype="text/plain")
        assert status == 415
        status, _ = await http(
            port, "POST", "/api/vote", vote, token=tok, ctype="Application/JSON; charset=utf-8"
        )
        assert status == 200

    serving(db, test)
    assert read_events(db).filter(kind="join").height == 1


def test_odd_tokens_keys_and_join_codes_get_4xx(tmp_path: Path) -> None:
    db = _db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        _, tok = await _join(port, "ABCD")
        sid = srv.session_id
        sig = tok.split(".")[2]
        for bad in (f"\u00b2.{sid}.{sig}", f"0.{sid}.\u00e9{sig[1:]}", "000" + tok, "+0" + tok):
            status, data = await http(port, "GET", "/api/next", token=bad)
            assert (status, data.get("code")) == (401, "bad_token"), (bad, status, data)
        status, _ = await http(port, "GET", "/api/next", token=tok)
        assert status == 200
        status, data = await http(port, "POST", "/api/join", raw=b'{"join_code":"\\ud800"}')
        assert (status, data["code"]) == (403, "bad_join_code")
        for key in ("k2\n", "k\n\n", "a b"):
            vote = {"statement_id": 1, "vote": 1, "key": key}
            status, data = await http(port, "POST", "/api/vote", vote, token=tok)
            assert (status, data["code"]) == (400, "bad_key"), key
            text = {"text": "Hello", "key": key}
            status, data = await http(port, "POST", "/api/statements", text, token=tok)
            assert (status, data["code"]) == (400, "bad_key"), key

    serving(db, test, join_code="ABCD")
    assert read_events(db).filter(kind="vote").height == 0


def test_join_takes_the_next_free_id_when_another_writer_took_one(tmp_path: Path) -> None:
    db = _db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        pid0, _ = await _join(port)
        with SessionStore(db) as other:  # e.g. a tool adding a participant meanwhile
            taken = other.join()
        assert taken == pid0 + 1
        pid1, _ = await _join(port)  # before the server's poller read the other join
        assert pid1 == taken + 1

    serving(db, test, poll_interval=3600)
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT participant_id FROM events WHERE kind = 'join'").fetchall()
    conn.close()
    assert sorted(r[0] for r in rows) == [0, 1, 2]


def test_one_server_per_database(tmp_path: Path) -> None:
    db = _db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        with pytest.raises(CoprodError, match="already running"):
            LiveServer(db, ServerConfig(priority_interval=0))

    serving(db, test)
    LiveServer(db)._lock.release()  # free again once the first one stopped


def test_a_second_coprod_serve_on_one_database_exits_2(tmp_path: Path) -> None:
    db = _db(tmp_path)
    srv = LiveServer(db)  # holds the database like a running 'coprod serve'
    try:
        res = subprocess.run(
            [sys.executable, "-m", "coprod_analytics.cli", "serve", str(db), "--no-dashboard"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
        )
    finally:
        srv._lock.release()
        srv._store.close()
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "already running" in res.stderr and "Traceback" not in res.stderr


def test_a_failed_start_leaves_nothing_running(tmp_path: Path) -> None:
    db = _db(tmp_path)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    port = busy.getsockname()[1]

    async def main() -> None:
        srv = LiveServer(db, ServerConfig(priority_interval=0))
        with pytest.raises(OSError):
            await srv.start("127.0.0.1", port)
        assert srv._writer is None  # no writer thread started before the bind failed
        await srv.stop()
        again = LiveServer(db, ServerConfig(priority_interval=0))  # lock released
        await again.start("127.0.0.1", 0)
        await again.stop()

    try:
        asyncio.run(asyncio.wait_for(main(), 30))
    finally:
        busy.close()


def test_join_code_is_stripped_and_an_empty_one_refused(tmp_path: Path) -> None:
    db = _db(tmp_path)
    for empty in ("", "   "):
        with pytest.raises(ParameterError, match="join_code"):
            LiveServer(db, ServerConfig(join_code=empty))
    srv = LiveServer(db, ServerConfig(join_code="  abcd \n"))
    assert srv.config.join_code == "abcd"
    srv._lock.release()
    srv._store.close()
    res = subprocess.run(
        [sys.executable, "-m", "coprod_analytics.cli", "serve", str(db), "--join-code", " "],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert "join_code" in res.stderr and "Traceback" not in res.stderr


@pytest.mark.parametrize("code", ["ABCD", " ABCD "])
def test_padded_join_code_still_admits(tmp_path: Path, code: str) -> None:
    db = _db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        await _join(port, "abcd")

    serving(db, test, join_code=code)


def test_dashboard_token_is_not_on_the_command_line(tmp_path: Path) -> None:
    import urllib.error
    import urllib.parse
    import urllib.request

    from coprod_apps.launcher import start_voila

    nb = tmp_path / "tiny.ipynb"
    nb.write_text(
        json.dumps(
            {
                "cells": [{"cell_type": "markdown", "metadata": {}, "source": ["# Tiny"]}],
                "metadata": {},
                "nbformat": 4,
                "nbformat_minor": 5,
            }
        )
    )
    token = "tok" + "x7" * 12
    voila = start_voila(nb, host="127.0.0.1", token=token, ready_timeout=90)
    try:
        cmdline = Path(f"/proc/{voila.process.pid}/cmdline").read_bytes()
        assert token.encode() not in cmdline
        assert token not in " ".join(map(str, voila.process.args))
        base = voila.url.split("?")[0]
        # without the token: only the login page (the protection still works)
        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as err:
            opener.open(base, timeout=30)
        # a redirect to the login page (the header must be there and point to /login)
        assert err.value.code == 302
        location = err.value.headers.get("Location")
        assert location is not None, "no Location header on the redirect"
        assert urllib.parse.urlsplit(location).path.endswith("/login")
        assert token not in location
        with pytest.raises(urllib.error.HTTPError):
            opener.open(base + "?token=wrong", timeout=30)
        with urllib.request.urlopen(voila.url, timeout=60) as ok:
            assert ok.status == 200
    finally:
        voila.stop()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def test_a_content_length_of_non_ascii_digits_is_a_4xx(tmp_path: Path) -> None:
    # "²".isdigit() is True and int("²") fails: this was a 500 with a traceback
    db = _db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        for path in ("/api/join", "/api/statement"):
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            head = (
                f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                "Content-Type: application/json\r\nContent-Length: \u00b2\r\n\r\n{}"
            )
            writer.write(head.encode("latin-1"))
            await writer.drain()
            answer = await reader.read()
            writer.close()
            status = int(answer.split(b" ", 2)[1]) if answer else 400  # or closed unanswered
            assert 400 <= status < 500, answer[:200]

    serving(db, test)
    assert read_events(db).filter(kind="join").height == 0
