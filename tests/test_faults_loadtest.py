"""``coprod loadtest`` in a hostile environment (issue 18, fault 11): against a dead server it
says so and exits 2 (it used to print ``"p50_ms": NaN``, which is not JSON, and exit 0);
when nothing is acknowledged the JSON is still valid (null latencies) and the exit status
is 2; the acceptance latency runs from the first attempt, retries included."""

from __future__ import annotations

import asyncio
import json
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from test_live_inquiry_api import seeded
from test_live_server import Server

from coprod_analytics.cli import main
from coprod_apps.live.loadtest import _call, _Conn, _Stats

ROOT = Path(__file__).resolve().parents[1]


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def strict_json(text: str) -> Any:
    """Parse JSON as the standard has it: NaN and Infinity are refused."""

    def refuse(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_dead_server_is_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    url = f"http://127.0.0.1:{closed_port()}/"
    argv = ["loadtest", url, "--json", "--participants", "2", "--duration", "2", "--no-progress"]
    status = main(argv)
    captured = capsys.readouterr()
    assert status == 2
    assert captured.out == ""
    assert captured.err.strip() == (
        f"coprod loadtest: error: cannot reach {url}: connection refused; is 'coprod serve' "
        "running there?"
    )


def test_nothing_acknowledged_is_valid_json_and_exit_2(tmp_path: Path) -> None:
    # a real server with a join code; the simulated phones bring the wrong one
    srv = Server(seeded(tmp_path), extra=("--priority-interval", "0", "--join-code", "tulip"))
    try:
        proc = subprocess.run(
            [
                *(sys.executable, "-m", "coprod_analytics.cli", "loadtest", srv.url),
                *("--participants", "3", "--duration", "3", "--join-code", "rose", "--json"),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=ROOT,
        )
    finally:
        srv.stop()
    assert proc.returncode == 2, proc.stderr
    out = strict_json(proc.stdout)
    assert out["acknowledged"] == 0 and out["errors"] == 3
    assert out["p50_ms"] is None and out["p95_ms"] is None
    assert "Traceback" not in proc.stderr
    err = proc.stderr.strip().splitlines()[-1]
    assert err.startswith("coprod loadtest: error: the server acknowledged no vote or answer (3 ")
    assert "join: 403" in err or "join: 429" in err


async def _read_request(reader: asyncio.StreamReader) -> bool:
    """Read one request, head and body, off a connection; False once the client closed it."""
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return False
    length = next(
        (
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        ),
        0,
    )
    await reader.readexactly(length)
    return True


def _reply(writer: asyncio.StreamWriter, status: bytes, body: bytes) -> None:
    writer.write(
        b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
        b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


def _votes_against(
    handle: Any, keys: list[str], give_up: float = 60.0
) -> tuple[list[int], list[float], _Stats]:
    """Send one vote per key (each retried by ``_call`` until ``give_up`` seconds) to a real
    socket server answering with ``handle``: the statuses, latencies and the client's counts."""

    async def scenario() -> tuple[list[int], list[float], _Stats]:
        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        stats = _Stats()
        conn = _Conn("127.0.0.1", port, timeout=5.0)
        statuses, latencies = [], []
        try:
            for key in keys:
                status, _, ms = await _call(
                    conn, stats, "POST", "/api/vote", {"key": key}, "t", time.monotonic() + give_up
                )
                statuses.append(status)
                latencies.append(ms)
        finally:
            conn.close()
            server.close()
        return statuses, latencies, stats

    return asyncio.run(scenario())


def test_latency_runs_from_the_first_attempt_retries_included() -> None:
    # a real socket server that answers the first two attempts with 503, then ok; the
    # latency the client reports must cover everything from the first request to the ok
    seen: list[float] = []
    answered: list[float] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await _read_request(reader):
            seen.append(time.perf_counter())
            ok = len(seen) > 2
            if ok:
                _reply(writer, b"200 OK", b'{"ok": true}')
            else:
                _reply(writer, b"503 Service Unavailable", b'{"error": "busy"}')
            await writer.drain()
            if ok:
                answered.append(time.perf_counter())

    statuses, latencies, stats = _votes_against(handle, ["k"])
    assert statuses == [200]
    assert stats.requests == 3 and stats.retries == 2
    # causality, not timing: the client started before the server saw the first attempt
    # and finished after the server sent the ok
    assert len(seen) == 3 and len(answered) == 1
    assert latencies[0] >= (answered[0] - seen[0]) * 1000


def test_a_kept_alive_connection_lost_is_replaced_at_once() -> None:
    # a real socket server whose first connection answers one request, then closes without
    # answering the next (its worker died): the client sends that request again on a new
    # connection straight away, as a browser does, and reports it as one retry
    connections: list[int] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections.append(len(connections))
        first = len(connections) == 1
        served = 0
        while await _read_request(reader):
            if first and served == 1:  # the second request on the first connection: gone
                writer.transport.abort()
                return
            served += 1
            _reply(writer, b"200 OK", b'{"ok": true}')
            await writer.drain()

    statuses, _, stats = _votes_against(handle, ["k1", "k2"])
    assert statuses == [200, 200]
    assert len(connections) == 2  # the lost one, and the one the request was sent again on
    assert stats.requests == 3 and stats.retries == 1


def test_a_new_connection_that_fails_waits_before_the_next_attempt() -> None:
    # a connection that fails before it answered anything is not a kept-alive one gone
    # stale: the client does not hammer the server, it backs off (the attempts are spaced)
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.transport.abort()

    statuses, _, stats = _votes_against(handle, ["k"], give_up=0.5)
    assert statuses == [0]  # gave up at its deadline
    assert stats.retries == stats.requests - 1 >= 1
    # each retry slept first: with backoff from 50 ms, half a second holds at most 5 tries
    assert stats.requests <= 6
