"""Wrong join codes across ``coprod serve --workers 2`` (issue 18): each worker keeps its own
token buckets, so the per-address and server-wide budgets are divided over the workers;
together the two workers let no more wrong codes through than one server would.

A real PostgreSQL (tests/pg.py) and the real ``coprod serve`` with two worker processes; the
wrong codes come over new connections, which the kernel spreads over both workers."""

from __future__ import annotations

import http.client
import json
import time
import urllib.parse

from pg import pg_server, pg_url  # noqa: F401  (fixtures)
from test_serve_postgres import Served

from coprod_apps.live.config import ServerConfig


def wrong_code(url: str) -> int:
    """POST /api/join with a wrong code on a new connection: the status."""
    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        body = json.dumps({"join_code": "WRONG1"})
        conn.request("POST", "/api/join", body, {"Content-Type": "application/json"})
        return conn.getresponse().status
    finally:
        conn.close()


def test_two_workers_together_allow_no_more_wrong_codes_than_one(pg_url: str) -> None:  # noqa: F811
    srv = Served(pg_url, "--workers", "2", "--join-code", "K7QZPX", "--priority-interval", "0")
    try:
        url = srv.url.split("#")[0]
        t0 = time.monotonic()
        statuses = [wrong_code(url) for _ in range(80)]
        elapsed = time.monotonic() - t0
        assert set(statuses) <= {403, 429}, statuses
        wrong = statuses.count(403)
        # one server: a burst of 10 wrong codes per address, then 0.2 per second
        one = ServerConfig()
        rate, burst = one.join_fail_rate
        assert wrong <= burst + rate * elapsed + 1, (wrong, elapsed)
        # more than one worker's share (5): both workers answered, each within its half
        assert wrong > burst / 2, statuses
        assert statuses.count(429) > 0
        # and the right code still joins from the same address
        parts = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
        deadline = time.monotonic() + 120
        while True:  # a worker's bucket of this address may be empty: wait as told
            conn.request(
                "POST",
                "/api/join",
                json.dumps({"join_code": "K7QZPX"}),
                {"Content-Type": "application/json"},
            )
            resp = conn.getresponse()
            data = json.loads(resp.read())
            if resp.status != 429 or time.monotonic() > deadline:
                break
            time.sleep(float(data.get("retry_after", 1.0)))
        conn.close()
        assert resp.status == 200, data
    finally:
        srv.stop()
