"""The participant server over loopback: API behaviour, bad input, rate limits, security
boundaries, load (every acknowledged vote stored exactly once) and crash (kill -9 mid-load,
restart, nothing lost, retries not double-counted)."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from coprod_analytics.errors import CoprodError
from coprod_analytics.session import SessionStore, read_events, read_session
from coprod_apps.live.loadtest import LoadResult, check_loopback, run_load
from coprod_apps.live.tokens import make_token

ROOT = Path(__file__).resolve().parents[1]


class Server:
    """``coprod serve --no-dashboard`` in a subprocess (its own process group)."""

    def __init__(self, db: Path, *, port: int = 0, extra: tuple[str, ...] = ()) -> None:
        self.db = db
        self.extra = extra
        self.port = port
        self.proc: subprocess.Popen[str] | None = None
        self.start()

    def start(self) -> None:
        cmd = [sys.executable, "-m", "coprod_analytics.cli", "serve", str(self.db)]
        cmd += ["--no-dashboard", "--no-qr", "--port", str(self.port), *self.extra]
        self.proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            cwd=ROOT,
        )
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 60
        lines: list[str] = []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                raise RuntimeError("server exited:\n" + "".join(lines))
            lines.append(line)
            m = re.match(r"Participants: http://127\.0\.0\.1:(\d+)/", line)
            if m:
                self.port = int(m.group(1))
                threading.Thread(target=self._drain, daemon=True).start()
                return
        raise RuntimeError("server did not start:\n" + "".join(lines))

    def _drain(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for _ in self.proc.stdout:
            pass

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def kill9(self) -> None:
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        raw: bytes | None = None,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        payload = resp.read()
        conn.close()
        try:
            parsed = json.loads(payload) if payload else {}
        except ValueError:
            parsed = {"_raw": payload.decode("utf-8", "replace")}
        return resp.status, parsed, {k.lower(): v for k, v in resp.getheaders()}


def _seed(db: Path, n: int = 6) -> None:
    with SessionStore(db, title="Room <b>test</b>") as s:
        s.add_statements([f"Statement {i}" for i in range(n)])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    db = tmp_path_factory.mktemp("live") / "s.db"
    _seed(db)
    srv = Server(db, extra=("--priority-interval", "0"))
    yield srv
    srv.stop()


def _join(srv: Server) -> tuple[int, str]:
    status, data, _ = srv.call("POST", "/api/join", {})
    assert status == 200, data
    return data["participant_id"], data["token"]


def _n_events(db: Path) -> int:
    return read_events(db).height


def test_join_next_vote_stores_the_vote(server: Server) -> None:
    pid, token = _join(server)
    status, nxt, _ = server.call("GET", "/api/next", token=token)
    assert status == 200 and nxt["remaining"] == 6 and nxt["open"] is True
    sid = nxt["statement"]["id"]
    status, out, _ = server.call(
        "POST", "/api/vote", {"statement_id": sid, "vote": -1, "key": "k-1"}, token
    )
    assert status == 200 and out["ok"] and not out["duplicate"] and out["remaining"] == 5
    assert out["next"]["id"] != sid
    votes = read_session(server.db).votes.filter(pl.col("participant_id") == pid)
    assert votes.select("statement_id", "vote").rows() == [(sid, -1)]


def test_retry_with_same_key_is_not_double_counted(server: Server) -> None:
    pid, token = _join(server)
    body = {"statement_id": 0, "vote": 1, "key": "same-key"}
    first = server.call("POST", "/api/vote", body, token)
    again = server.call("POST", "/api/vote", body, token)
    assert first[0] == again[0] == 200
    assert first[1]["duplicate"] is False and again[1]["duplicate"] is True
    log = read_session(server.db).vote_log.filter(pl.col("participant_id") == pid)
    assert log.height == 1
    # the same key for another request is refused, nothing stored
    status, err, _ = server.call(
        "POST", "/api/vote", {"statement_id": 1, "vote": 1, "key": "same-key"}, token
    )
    assert status == 409 and err["code"] == "key_reused"
    # a second vote on the same statement with a fresh key CHANGES the vote (Pol.is lets
    # people change their vote): the latest counts, the log keeps both
    status, out, _ = server.call(
        "POST", "/api/vote", {"statement_id": 0, "vote": -1, "key": "other"}, token
    )
    assert status == 200 and out["ok"] and out["duplicate"] is False
    inq = read_session(server.db)
    assert inq.vote_log.filter(pl.col("participant_id") == pid)["vote"].to_list() == [1, -1]
    mine = inq.votes.filter(pl.col("participant_id") == pid)
    assert mine.select("statement_id", "vote").rows() == [(0, -1)]


def test_a_retried_join_with_its_key_is_the_same_participant(server: Server) -> None:
    # the phone's join answer lost with the connection: the retry carries the same key
    joins = read_events(server.db).filter(pl.col("kind") == "join").height
    key = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    first = server.call("POST", "/api/join", {"key": key})
    again = server.call("POST", "/api/join", {"key": key})
    assert first[0] == again[0] == 200
    assert again[1]["participant_id"] == first[1]["participant_id"]
    assert again[1]["token"] == first[1]["token"]
    other = server.call("POST", "/api/join", {"key": "another-phone-key-0123456789"})
    assert other[0] == 200 and other[1]["participant_id"] != first[1]["participant_id"]
    assert read_events(server.db).filter(pl.col("kind") == "join").height == joins + 2
    # a key that cannot be random (short, spaces, not text) is refused, nothing stored
    for bad in ("short", "spaces are not allowed here!", 12345678901234567890, ["x" * 20]):
        status, err, _ = server.call("POST", "/api/join", {"key": bad})
        assert status == 400 and err["code"] == "bad_key" and err["field"] == "key", err
    assert read_events(server.db).filter(pl.col("kind") == "join").height == joins + 2


@pytest.mark.parametrize(
    ("raw", "status", "code"),
    [
        (b"{not json", 400, "bad_json"),
        (b"[1, 2]", 400, "bad_json"),
        (b'{"statement_id": 1, "vote": 2, "key": "a"}', 400, "bad_vote"),
        (b'{"statement_id": 1, "vote": true, "key": "a"}', 400, "bad_vote"),
        (b'{"statement_id": "1", "vote": 1, "key": "a"}', 400, "bad_request"),
        (b'{"statement_id": 1, "vote": 1}', 400, "bad_key"),
        (b'{"statement_id": 1, "vote": 1, "key": "no spaces allowed"}', 400, "bad_key"),
        (b'{"statement_id": 999, "vote": 1, "key": "a"}', 404, "unknown_statement"),
        (
            b'{"statement_id": 1, "vote": 1, "key": "a", "pad": "' + b"x" * 9000 + b'"}',
            413,
            "too_large",
        ),
    ],
)
def test_bad_votes_get_4xx_and_store_nothing(
    server: Server, raw: bytes, status: int, code: str
) -> None:
    _, token = _join(server)
    before = _n_events(server.db)
    got, err, headers = server.call("POST", "/api/vote", token=token, raw=raw)
    assert (got, err["code"]) == (status, code)
    assert isinstance(err["error"], str) and err["error"]
    assert headers["content-type"].startswith("application/json")
    assert _n_events(server.db) == before


def test_forged_replayed_and_missing_tokens_are_refused(server: Server) -> None:
    pid, token = _join(server)
    body = {"statement_id": 2, "vote": 1, "key": "t1"}
    before = _n_events(server.db)
    forged_sig = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    other_pid = token.replace(f"{pid}.", f"{pid + 1000}.", 1)  # someone else's id, same signature
    other_session = make_token(b"\x00" * 32, "someothersession", pid)
    for bad in (None, "garbage", forged_sig, other_pid, other_session):
        status, err, _ = server.call("POST", "/api/vote", body, bad)
        assert status == 401 and err["code"] == "bad_token", bad
    # a valid token of a participant that never joined this session (signed with its secret)
    with SessionStore(server.db) as s:
        meta = s.meta()
    unknown = make_token(bytes.fromhex(meta["token_secret"]), meta["session_id"], 10_000)
    assert server.call("POST", "/api/vote", body, unknown)[0] == 401
    assert _n_events(server.db) == before


def test_statement_submission_validation_and_moderation(server: Server) -> None:
    _, token = _join(server)
    before = _n_events(server.db)
    status, err, _ = server.call("POST", "/api/statements", {"text": "x" * 501, "key": "s"}, token)
    assert status == 413 and "at most 500" in err["error"]
    status, err, _ = server.call("POST", "/api/statements", {"text": "  ", "key": "s"}, token)
    assert status == 400 and err["code"] == "bad_text"
    assert _n_events(server.db) == before
    text = '<img src=x onerror="alert(1)"> & <script>alert(2)</script>'
    status, out, _ = server.call("POST", "/api/statements", {"text": text, "key": "s1"}, token)
    assert status == 200 and out["status"] == "waiting for the facilitator"
    sid = out["statement_id"]
    remaining = server.call("GET", "/api/next", token=token)[1]["remaining"]
    # the facilitator (another process) approves it: the server picks the event up
    with SessionStore(server.db) as s:
        stored = s.state().statements[sid]
        assert stored.text == text and stored.moderation == 0
        s.moderate(sid, accept=True)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.call("GET", "/api/next", token=token)[1]["remaining"] == remaining + 1:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the approved statement never became votable")


def test_settings_and_closing_from_another_process(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    _seed(db, 3)
    srv = Server(db, extra=("--priority-interval", "0", "--join-code", "ABC123"))
    try:
        assert srv.call("GET", "/api/session")[1]["join_code_required"] is True
        status, err, _ = srv.call("POST", "/api/join", {"join_code": "WRONG"})
        assert status == 403 and err["code"] == "bad_join_code"
        status, data, _ = srv.call("POST", "/api/join", {"join_code": "abc123"})
        assert status == 200
        token = data["token"]
        with SessionStore(db) as s:
            s.set_setting("allow_submissions", False)
            s.close_session()

        def wait_for(check: Any) -> None:
            deadline = time.monotonic() + 10
            while not check():
                assert time.monotonic() < deadline, "the server did not pick up the change"
                time.sleep(0.1)

        wait_for(lambda: srv.call("GET", "/api/session")[1]["open"] is False)
        status, err, _ = srv.call(
            "POST", "/api/vote", {"statement_id": 0, "vote": 1, "key": "a"}, token
        )
        assert status == 403 and err["code"] == "closed"
        with SessionStore(db) as s:
            s.reopen_session()
        wait_for(lambda: srv.call("GET", "/api/session")[1]["open"] is True)
        status, err, _ = srv.call("POST", "/api/statements", {"text": "hi", "key": "b"}, token)
        assert status == 403 and err["code"] == "submissions_off"
        assert (
            srv.call("POST", "/api/vote", {"statement_id": 0, "vote": 1, "key": "a"}, token)[0]
            == 200
        )
    finally:
        srv.stop()


def test_rate_limit_per_token(server: Server) -> None:
    _, token = _join(server)
    statuses = [server.call("GET", "/api/next", token=token) for _ in range(60)]
    limited = [s for s in statuses if s[0] == 429]
    assert limited, "60 requests in a burst were never rate limited"
    _, err, headers = limited[0]
    assert err["code"] == "rate_limited" and int(headers["retry-after"]) >= 1
    # another participant is not affected
    _, other = _join(server)
    assert server.call("GET", "/api/next", token=other)[0] == 200


def test_only_the_participant_surface_is_exposed(server: Server) -> None:
    for path in ("/api/kernels", "/api/contents", "/voila/render", "/api/votes", "/tree", "/lab"):
        status, err, _ = server.call("GET", path)
        assert status == 404 and err["code"] == "not_found", path
    status, _, headers = server.call("GET", "/")
    assert status == 200
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    js = (ROOT / "voila_apps" / "live" / "static" / "participant.js").read_text()
    assert "innerHTML" not in js and "textContent" in js


def test_loadtest_refuses_other_hosts() -> None:
    for url in ("http://10.0.0.1:8765/", "http://example.org/", "https://127.0.0.1/", "ftp://x"):
        with pytest.raises(CoprodError):
            check_loopback(url)
    assert check_loopback("http://[::1]:9/") == ("::1", 9)
    from coprod_analytics.cli import main

    assert main(["loadtest", "http://192.168.1.10:8765/", "--duration", "1"]) == 2


def _stored_votes(db: Path) -> pl.DataFrame:
    return read_events(db).filter(pl.col("kind") == "vote")


def _check_exactly_once(db: Path, result: LoadResult) -> pl.DataFrame:
    votes = _stored_votes(db)
    keys = votes["idem_key"].to_list()
    assert len(keys) == len(set(keys))
    stored = {
        k.split(":", 2)[2]: (p, s, v)
        for k, p, s, v in votes.select("idem_key", "participant_id", "statement_id", "vote").rows()
    }
    acked = {key: (p, s, v) for p, s, v, key in result.votes}
    assert len(acked) == result.acknowledged == len(result.votes)
    missing = set(acked) - set(stored)
    assert not missing, f"{len(missing)} acknowledged votes are not in the store"
    assert all(stored[k] == acked[k] for k in acked)
    # nothing stored that the load generator did not get acknowledged (no orphan writes)
    assert set(stored) == set(acked)
    # some votes were changed: the latest acknowledged one counts
    latest_acked = {(p, s): v for p, s, v, _ in result.votes}
    latest = read_session(db).votes.select("participant_id", "statement_id", "vote").rows()
    assert {(p, s): v for p, s, v in latest} == latest_acked
    assert result.by_kind["votes"] == len(latest_acked) < len(result.votes)
    return votes


def test_load_every_acknowledged_vote_stored_exactly_once(tmp_path: Path) -> None:
    # 50 phones each vote on all 12 statements: the load ends when everyone is done (the
    # duration is only a ceiling), and the counts are checked after it ended
    db = tmp_path / "load.db"
    _seed(db, 12)
    srv = Server(db, extra=("--priority-interval", "2"))
    try:
        result = asyncio.run(
            run_load(srv.url, participants=50, duration=300, think=(0.0, 0.05), seed=1)
        )
    finally:
        srv.stop()
    assert result.errors == 0, result.error_messages
    assert result.finished == 50, "not every simulated participant got through the statements"
    assert result.by_kind["votes"] == 50 * 12
    _check_exactly_once(db, result)
    assert read_session(db).counts()["votes"] == 50 * 12


def _wait_until(check: Any, what: str, timeout: float = 120) -> None:
    """Poll ``check`` until it holds (the timeout only guards against a hung test)."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def _refuses_connections(port: int) -> bool:
    import socket

    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.slow
def test_kill_9_mid_load_loses_nothing_and_continues(tmp_path: Path) -> None:
    # 40 phones each vote on all 30 statements; the server is killed once 100 votes are
    # stored and restarted once it refuses connections. The load ends when everyone is
    # done (the duration is only a ceiling): every vote must be stored exactly once.
    db = tmp_path / "crash.db"
    _seed(db, 30)
    srv = Server(db, extra=("--priority-interval", "0"))
    out: dict[str, LoadResult] = {}

    def load() -> None:
        out["r"] = asyncio.run(
            run_load(srv.url, participants=40, duration=300, think=(0.02, 0.1), seed=2, timeout=2)
        )

    t = threading.Thread(target=load)
    t.start()
    _wait_until(lambda: _stored_votes(db).height >= 100, "100 stored votes")
    srv.kill9()
    killed_at = time.time()
    before_restart = _stored_votes(db).height
    assert before_restart < 40 * 30, "the load finished before the kill"
    _wait_until(lambda: _refuses_connections(srv.port), "the killed server's port to close")
    srv.start()  # same port, same database
    t.join(300)
    assert not t.is_alive(), "the load did not end"
    srv.stop()
    result = out["r"]
    assert result.retries > 0, "the kill did not interrupt any request"
    assert result.errors == 0, result.error_messages
    assert result.finished == 40 and result.by_kind["votes"] == 40 * 30
    votes = _check_exactly_once(db, result)
    after = votes.filter(pl.col("time_ms") > int(killed_at * 1000))
    assert after.height > 0 and votes.height > before_restart, "the session did not continue"
    # participants kept their tokens across the restart: no one joined twice
    joins = read_events(db).filter(pl.col("kind") == "join")
    assert joins.height == 40


def test_loadtest_command_counts_what_the_store_holds(tmp_path: Path) -> None:
    # 5 simulated phones each vote on all 6 statements; the duration is only a ceiling
    db = tmp_path / "lt.db"
    _seed(db, 6)
    srv = Server(db, extra=("--priority-interval", "0"))
    try:
        proc = subprocess.run(
            [
                *(sys.executable, "-m", "coprod_analytics.cli", "loadtest", srv.url),
                *("--participants", "5", "--duration", "300", "--think", "0", "0.01", "--json"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
    finally:
        srv.stop()
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["errors"] == 0, out["error_messages"]
    assert out["finished_all_statements"] == 5
    assert out["by_kind"]["votes"] == 5 * 6 == read_session(db).counts()["votes"]
    assert _stored_votes(db).height == out["acknowledged"]
    assert proc.stderr == ""  # not a terminal: no progress bar


def test_loadtest_progress_bar_goes_to_stderr(
    server: Server, capsys: pytest.CaptureFixture[str]
) -> None:
    asyncio.run(run_load(server.url, participants=1, duration=1.5, think=(0.3, 0.3)))
    captured = capsys.readouterr()
    assert "Simulated voting" in captured.err and captured.out == ""
    asyncio.run(
        run_load(server.url, participants=1, duration=1.5, think=(0.3, 0.3), progress=False)
    )
    assert "Simulated voting" not in capsys.readouterr().err


def _read_until(proc: subprocess.Popen[str], pattern: str, lines: list[str]) -> re.Match[str]:
    assert proc.stdout is not None
    while True:
        line = proc.stdout.readline()
        if not line:
            raise AssertionError("the process ended early:\n" + "".join(lines))
        lines.append(line)
        m = re.search(pattern, line)
        if m:
            return m


@pytest.mark.slow
def test_coprod_demo_serves_the_sample_and_stops_cleanly(tmp_path: Path) -> None:
    """What ``make demo`` runs: the participant page and the dashboard answer; Ctrl+C stops."""
    import urllib.request

    db = tmp_path / "demo.db"
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "coprod_analytics.cli", "demo", "--port", "0"),
            *("--db", str(db), "--participants", "3", "--minutes", "5"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        cwd=tmp_path,
    )
    lines: list[str] = []
    try:
        participant = _read_until(proc, r"Participants: (http://127\.0\.0\.1:\d+/)", lines)[1]
        dashboard = _read_until(proc, r"Facilitator dashboard.*: (http\S+)", lines)[1]
        _read_until(proc, r"simulated participants now vote", lines)
        with urllib.request.urlopen(participant, timeout=60) as page:
            assert page.status == 200
            assert b"participant.js" in page.read()
        with urllib.request.urlopen(dashboard, timeout=120) as dash:
            assert dash.status == 200
        # the sample inquiry's statements are in the session
        assert read_session(db).statements.height == sample_statements()
        proc.send_signal(signal.SIGINT)  # Ctrl+C, while the simulated phones still vote
        rest, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
    output = "".join(lines) + rest
    assert proc.returncode == 0, output
    assert "Stopped. Analyse the session with: coprod summary" in output
    assert "Traceback" not in output


def sample_statements() -> int:
    from coprod_analytics.simulate import sample_inquiry

    return sample_inquiry().statements.height
