"""``coprod serve`` on a real PostgreSQL database (issue 18): one process and ``--workers 2``.

Phones (the load generator of ``coprod loadtest``) answer every activity of the sample
inquiry and vote while one worker is killed with ``kill -9``: the parent starts it again,
the other worker keeps serving, every acknowledged answer is stored exactly once and the
stored tables equal what was acknowledged, per kind (``coprod info URL --json``). The
facilitator's view (:class:`~coprod_analytics.session.live.LiveSession`) polls the same
database and sees both workers' answers; ``coprod session`` reads, writes and exports it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from pg import pg_server, pg_url  # noqa: F401  (fixtures)
from test_live_inquiry_api import inquiry_folder
from test_live_inquiry_load import check_exactly_once, counts_by_kind

from coprod_analytics.io.load import load_inquiry
from coprod_analytics.session import read_events, read_session
from coprod_analytics.session.live import LiveSession
from coprod_apps.live.loadtest import LoadResult, run_load

ROOT = Path(__file__).resolve().parents[1]


def coprod(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coprod_analytics.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        check=False,
    )


def wait_until(cond: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Poll ``cond`` until it holds (a state); ``timeout`` only ends a test that hangs."""
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


class Served:
    """``coprod serve URL ARGS... --port 0 --no-qr --no-dashboard``, its output read live."""

    def __init__(self, url: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "coprod_analytics.cli", "serve", url, *args),
                *("--port", "0", "--no-qr", "--no-dashboard"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            cwd=ROOT,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        wait_until(lambda: self.find(r"Participants: (\S+)") is not None or self.dead(), "serve")
        found = self.find(r"Participants: (\S+)")
        if found is None:
            pytest.fail("coprod serve did not start:\n" + "".join(self.lines))
        self.url = found

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def dead(self) -> bool:
        return self.proc.poll() is not None

    def find(self, pattern: str) -> str | None:
        for line in list(self.lines):
            if m := re.search(pattern, line):
                return m.group(1)
        return None

    def stop(self) -> int:
        if not self.dead():
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(60)
        except subprocess.TimeoutExpired:  # pragma: no cover - a stuck server
            os.killpg(self.proc.pid, signal.SIGKILL)
            raise


@pytest.fixture
def served_workers(pg_url: str, tmp_path: Path) -> Iterator[tuple[str, Served]]:  # noqa: F811
    folder = inquiry_folder(tmp_path)
    srv = Served(
        pg_url,
        *("--from", str(folder), "--open-activities", "--workers", "2"),
        *("--priority-interval", "1"),
    )
    try:
        yield pg_url, srv
    finally:
        srv.stop()


def _pids(srv: Served) -> list[int]:
    found = srv.find(r"Workers: 2 processes on one port \(pids ([\d, ]+)\)")
    assert found is not None, "".join(srv.lines)
    return [int(p) for p in found.split(",")]


def test_two_workers_survive_a_kill_9_and_store_exactly_what_they_acknowledged(
    served_workers: tuple[str, Served], tmp_path: Path
) -> None:
    url, srv = served_workers
    pids = _pids(srv)
    assert len(set(pids)) == 2
    out: dict[str, LoadResult] = {}

    def load() -> None:  # what `coprod loadtest URL --participants 30 --duration 120` runs
        # it ends when every phone has answered everything (a state; 120 s is only a bound,
        # so that a busy machine still gets every phone to its votes)
        out["r"] = asyncio.run(
            run_load(
                srv.url,
                participants=30,
                duration=120,
                think=(0.0, 0.05),
                seed=3,
                timeout=3,
                change=0.2,
                progress=False,
            )
        )

    def stored() -> int:
        return read_events(url).filter(pl.col("kind").is_in(["vote", "answer"])).height

    live = LiveSession(url, recompute_interval=3600)
    t = threading.Thread(target=load)
    t.start()
    wait_until(lambda: stored() >= 300, "300 stored answers")
    os.kill(pids[0], signal.SIGKILL)  # one worker dies mid-load
    before = stored()
    wait_until(lambda: srv.find(r"(Worker 0 \(pid \d+\) exited)") is not None, "the restart")
    t.join(120)
    assert not t.is_alive(), "the load did not end"
    result = out["r"]
    # these phones answer faster than a participant's request limit (5/s): a request still
    # told to wait (429) when the run ends is its only allowed error; nothing else failed
    assert all(" 429 " in m for m in result.error_messages), result.error_messages
    assert stored() > before, "the session did not go on after the kill"
    # both workers served (worker i hands out participant ids equal to i modulo 2)
    joined = read_events(url).filter(pl.col("kind") == "join")["participant_id"].to_list()
    assert {p % 2 for p in joined} == {0, 1}
    # one participant per phone: a join whose worker died is retried with its key
    assert len(joined) == len(set(joined)) == 30
    check_exactly_once(url, result)  # type: ignore[arg-type]  # it reads a URL as a path
    # acknowledged == stored, per kind, as `coprod info URL --json` counts the tables
    info = coprod("info", url, "--json")
    assert info.returncode == 0, info.stderr
    facts = json.loads(info.stdout)
    tables = {k: v for k, v in facts["tables"].items() if k in result.by_kind}
    assert tables == {k: v for k, v in result.by_kind.items() if k in tables}
    assert facts["votes"] == result.by_kind["votes"] > 0
    assert counts_by_kind(read_session(url)) == result.by_kind
    # the facilitator's view polls PostgreSQL and sees every worker's answers
    assert live.poll()
    assert live.counts["votes"] == result.by_kind["votes"]
    assert live.state.last_seq == int(read_events(url)["seq"].max())  # type: ignore[arg-type]
    # the priorities were computed once (by the parent) for both workers: no worker computes
    assert srv.stop() == 0
    assert "Stopped; every acknowledged vote is in postgresql://" in "".join(srv.lines)


def _join_on_a_new_connection(url: str, body: dict[str, Any]) -> dict[str, Any]:
    import http.client
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        conn.request("POST", "/api/join", json.dumps(body), {"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = json.loads(resp.read())
        assert resp.status == 200, data
        return data
    finally:
        conn.close()


def test_a_join_retried_on_the_other_worker_is_the_same_participant(pg_url: str) -> None:  # noqa: F811
    # a phone whose join answer was lost (with the connection, or with the worker that stored
    # it) sends the same key again, and the kernel may hand the retry to the other worker
    srv = Served(pg_url, "--workers", "2", "--priority-interval", "0")
    try:
        url = srv.url.split("#")[0]
        plain = [_join_on_a_new_connection(url, {})["participant_id"] for _ in range(16)]
        assert {p % 2 for p in plain} == {0, 1}, "new connections reached one worker only"
        key = "retried-join-key-0123456789abcdef"
        first = _join_on_a_new_connection(url, {"key": key})
        retries = [_join_on_a_new_connection(url, {"key": key}) for _ in range(16)]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            together = list(
                pool.map(lambda _: _join_on_a_new_connection(url, {"key": key}), range(16))
            )
        assert {r["participant_id"] for r in [first, *retries, *together]} == {
            first["participant_id"]
        }
        assert {r["token"] for r in [first, *retries, *together]} == {first["token"]}
        joins = read_events(pg_url).filter(pl.col("kind") == "join")
        assert joins.filter(pl.col("idem_key") == f"j:{key}").height == 1
        assert joins.height == len(plain) + 1
    finally:
        srv.stop()


def test_session_commands_and_export_on_a_url(pg_url: str, tmp_path: Path) -> None:  # noqa: F811
    srv = Served(pg_url, "--from", str(inquiry_folder(tmp_path)), "--priority-interval", "0")
    try:
        asyncio.run(
            run_load(srv.url, participants=4, duration=3, think=(0.0, 0.05), progress=False)
        )
        closed = coprod("session", "close", pg_url)
        assert closed.returncode == 0, closed.stderr
        assert "is now closed" in closed.stdout
        status = coprod("session", "status", pg_url, "--json")
        assert status.returncode == 0, status.stderr
        facts = json.loads(status.stdout)
        assert facts["open"] is False and facts["path"].startswith("postgresql://")
        assert facts["votes"] == read_session(pg_url).votes.height
    finally:
        assert srv.stop() == 0
    exported = coprod("session", "export", pg_url, "-o", str(tmp_path / "export"))
    assert exported.returncode == 0, exported.stderr
    back, session = load_inquiry(tmp_path / "export"), read_session(pg_url)
    assert set(back.tables) == set(session.tables)
    for name, table in session.tables.items():
        assert back.tables[name].height == table.height, name
    assert back.counts() == {k: v for k, v in session.counts().items() if k in back.counts()}


def test_session_commands_never_create_a_database(pg_url: str) -> None:  # noqa: F811
    got = coprod("session", "close", pg_url)
    assert got.returncode == 2
    assert "not a coprod session database" in got.stderr
    assert "Traceback" not in got.stderr
    status = coprod("session", "status", pg_url)
    assert status.returncode == 2 and "Traceback" not in status.stderr


def test_workers_on_sqlite_are_refused_with_the_reason(tmp_path: Path) -> None:
    got = coprod("serve", str(tmp_path / "s.db"), "--workers", "2", "--no-dashboard")
    assert got.returncode == 2
    assert "needs a PostgreSQL session database" in got.stderr
    assert "Traceback" not in got.stderr
    assert not (tmp_path / "s.db").exists()


def test_a_batch_is_stored_in_one_statement_with_refusals_per_event(pg_url: str) -> None:  # noqa: F811
    from coprod_analytics.session import NewEvent
    from coprod_analytics.session.open import open_store

    with open_store(pg_url) as store:
        store.add_statements(["Buses", "Trams"])
        pid = store.join()
        vote: dict[str, Any] = {"participant_id": pid, "statement_id": 0, "vote": 1}
        (first,) = store.append_each([NewEvent("vote", **vote, key="v:0:k1")])
        out = store.append_each(
            [
                NewEvent("vote", **vote, key="v:0:k1"),  # stored before: refused
                NewEvent("vote", **vote, key="v:0:k2"),
                NewEvent("vote", **vote, key="v:0:k2"),  # the same key twice in one batch
                NewEvent("join", participant_id=pid),  # joined before
                NewEvent("join", participant_id=pid + 1),
                NewEvent("statement", statement_id=9, text="bad\x00text"),  # text PG refuses
            ]
        )
    assert isinstance(first, int)
    assert out[0] is None and out[2] is None and out[3] is None
    assert isinstance(out[1], int) and isinstance(out[4], int) and out[1] < out[4]
    assert isinstance(out[5], ValueError)
    events = read_events(pg_url)
    assert events.filter(pl.col("idem_key") == "v:0:k2").height == 1
    assert sorted(events.filter(pl.col("kind") == "join")["participant_id"]) == [pid, pid + 1]
