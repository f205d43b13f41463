"""The listening sockets' own protocol (``coprod_apps.live.hotwire``): plain hot requests
answered straight off the socket, on keep-alive connections, in order, with the same
answers as tornado's path; any other request hands the connection to tornado with the bytes
already read (pipelined requests included), and the connection keeps working. On asyncio's
loop and on uvloop (``coprod serve`` runs on uvloop when it is installed)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import fail_or_skip

from coprod_analytics.session import SessionStore, read_events
from coprod_apps.live.config import ServerConfig
from coprod_apps.live.handlers import SECURITY_HEADERS
from coprod_apps.live.server import LiveServer

Reply = tuple[int, dict[str, str], bytes]


def _loop_factory(name: str) -> Callable[[], asyncio.AbstractEventLoop]:
    if name == "asyncio":
        return asyncio.new_event_loop
    try:
        import uvloop
    except ImportError:
        fail_or_skip("uvloop is not installed (pip install coprod-analytics[live])")
    return uvloop.new_event_loop


async def read_reply(reader: asyncio.StreamReader) -> Reply:
    """One answer off a keep-alive connection: status, headers (lower-case), body."""
    status = int((await reader.readline()).split()[1])
    headers: dict[str, str] = {}
    while (line := await reader.readline()) != b"\r\n":
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers["content-length"]))
    return status, headers, body


def request(method: str, path: str, body: bytes = b"", token: str = "", *extra: str) -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", *extra]
    if method == "POST":
        head += [f"Content-Length: {len(body)}", "Content-Type: application/json"]
    if token:
        head.append(f"Authorization: Bearer {token}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def serving(tmp_path: Path, loop: str, test: Any) -> None:
    factory = _loop_factory(loop)
    db = tmp_path / "s.db"
    with SessionStore(db, title="T") as s:
        s.add_statements([f"statement {i}" for i in range(12)])

    async def main() -> None:
        srv = LiveServer(db, ServerConfig(priority_interval=0))
        port = await srv.start("127.0.0.1", 0)
        try:
            await asyncio.wait_for(test(srv, port), 60)
        finally:
            await srv.stop()

    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main())


def vote_body(sid: int, key: str) -> bytes:
    return json.dumps({"statement_id": sid, "vote": 1, "key": key}).encode()


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_keep_alive_pipelined_and_handed_over(tmp_path: Path, loop: str) -> None:
    async def test(srv: LiveServer, port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request("POST", "/api/join", b"{}"))
        status, headers, body = await read_reply(reader)
        assert status == 200 and "connection" not in headers
        for name, value in SECURITY_HEADERS.items():
            assert headers[name.lower()] == value
        assert headers["vary"] == "Accept-Encoding" and headers["date"].endswith("GMT")
        token = json.loads(body)["token"]
        sid = json.loads(body)["next"]["statement"]["id"]
        # a vote whose body arrives after its head, on the same connection
        vote = request("POST", "/api/vote", vote_body(sid, "k1"), token)
        cut = vote.index(b"\r\n\r\n") + 6
        writer.write(vote[:cut])
        await writer.drain()
        writer.write(vote[cut:])
        status, _, body = await read_reply(reader)
        assert status == 200 and json.loads(body)["duplicate"] is False
        # three requests in one write: hot, one tornado answers (the connection is handed
        # over with the third already read), hot again: answered in order
        second = json.loads(body)["next"]["id"]
        writer.write(
            request("POST", "/api/vote", vote_body(second, "k2"), token)
            + request("GET", "/healthz")
            + request("POST", "/api/vote", vote_body(second, "k2"), token)
        )
        first, health, again = [await read_reply(reader) for _ in range(3)]
        assert first[0] == 200 and json.loads(first[2])["duplicate"] is False
        assert health[0] == 200 and json.loads(health[2])["store"] == "writable"
        assert again[0] == 200 and json.loads(again[2])["duplicate"] is True  # same key
        # the connection is tornado's now and still serves the hot calls (its hot path)
        writer.write(request("GET", "/api/next", b"", token))
        status, headers, body = await read_reply(reader)
        assert status == 200 and json.loads(body)["voted"] == 2
        assert headers["x-frame-options"] == "DENY"
        writer.close()
        # a client that asks to close: told so, and the server closes
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request("GET", "/api/next", b"", token, "Connection: close"))
        status, headers, body = await read_reply(reader)
        assert status == 200 and headers["connection"] == "close"
        assert await reader.read() == b""
        writer.close()
        await srv.stop()  # what was acknowledged is in the log, once each
        votes = read_events(srv.db).filter(kind="vote")
        assert sorted(votes["idem_key"].to_list()) == ["v:0:k1", "v:0:k2"]

    serving(tmp_path, loop, test)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_declined_requests_get_tornados_answers(tmp_path: Path, loop: str) -> None:
    """What the wire does not answer itself (HTTP/1.0, a header twice, a malformed line, an
    oversized head) gets tornado's answer, exactly as before the wire existed."""

    async def test(srv: LiveServer, port: int) -> None:
        async def once(data: bytes) -> bytes:
            reader, writer = await asyncio.open_connection("127.0.0.1", port)
            writer.write(data)
            got = await reader.read()
            writer.close()
            return got

        got = await once(b"GET /api/next HTTP/1.0\r\nHost: x\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 401 ") and b'"code":"bad_token"' in got
        got = await once(
            b"GET /api/next HTTP/1.1\r\nHost: x\r\nX-A: 1\r\nX-A: 2\r\nConnection: close\r\n\r\n"
        )
        assert got.startswith(b"HTTP/1.1 401 ") and b"Connection: close" in got
        got = await once(b"GET /api/next HTTP/1.1\r\nConnection: close\r\n\r\n")  # no Host
        assert got.startswith(b"HTTP/1.1 400 ")
        got = await once(b"GET /api/next HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n")
        assert got.startswith(b"HTTP/1.1 400 ")
        got = await once(
            b"GET /api/next HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n"
        )
        assert got == b"" or got.startswith(b"HTTP/1.1 431") or got.startswith(b"HTTP/1.1 400")
        # and the server goes on answering on the wire
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request("GET", "/api/activities", b"", "forged"))
        status, _, body = await read_reply(reader)
        assert status == 401 and json.loads(body)["code"] == "bad_token"
        writer.close()

    serving(tmp_path, loop, test)


@pytest.mark.parametrize(
    "head",
    [
        b"GET /api/next HTTP/1.1\r\nHost: x\r\nBad Name: 1",  # a name that is no token
        b"GET /api/next HTTP/1.1\r\nHost: x\r\nX-A: b\x01",  # a control character
        b"GET /api/next HTTP/1.1\r\nHost: x\r\n folded",  # an obsolete folded line
        b"GET /api/next HTTP/1.1\r\nHost: x\r\nX-A :1",  # a space before the colon
        b"GET /api/next HTTP/1.1\r\nHost",  # a known name without its colon
        b"GET /api/next?\t HTTP/1.1\r\nHost: x",  # a tab in the target
        b"GET /api/next HTTP/1.1\r\nHost: a b",  # a host tornado refuses
    ],
)
def test_heads_tornado_refuses_are_refused(tmp_path: Path, head: bytes) -> None:
    """A head tornado refuses is refused (400 and a close), never answered on the wire."""

    async def test(srv: LiveServer, port: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        # a plain request first: the wire knows the names, then the malformed one
        writer.write(request("GET", "/api/next", b"", "forged") + head + b"\r\n\r\n")
        status, _, _ = await read_reply(reader)
        assert status == 401
        rest = await reader.read()
        assert rest.startswith(b"HTTP/1.1 400 "), rest
        writer.close()

    serving(tmp_path, "asyncio", test)


def test_tornado_only_leaves_the_sockets_to_tornado(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``COPROD_LIVE_TORNADO_ONLY=1``: no wire, tornado serves the same answers."""
    monkeypatch.setenv("COPROD_LIVE_TORNADO_ONLY", "1")

    async def test(srv: LiveServer, port: int) -> None:
        assert srv._front is None
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(request("POST", "/api/join", b"{}"))
        status, headers, body = await read_reply(reader)
        assert status == 200 and headers["x-frame-options"] == "DENY"
        token = json.loads(body)["token"]
        writer.write(request("GET", "/api/next", b"", token))
        status, _, body = await read_reply(reader)
        assert status == 200 and json.loads(body)["statement"]["id"] >= 0
        writer.close()

    serving(tmp_path, "asyncio", test)
