"""A load generator for the participant API: many simulated phones answering at once.

Each simulated participant joins, answers every item of every open activity (population
questions, panel poll, evidence, ratings, questions; ``GET /api/activities``, ``POST
/api/answer``), and votes on the statements (``GET /api/next``, ``POST /api/vote``),
"thinking" for a random moment before each answer; with probability ``change`` it changes
the answer it just gave (a new request with a new key: the latest counts). When a request
fails on a connection error, a timeout or a 5xx it retries with the SAME idempotency key, so
an answer the server stored before a crash is never counted twice. Loopback only: this tool
refuses any other host.

The client is a minimal HTTP/1.1 keep-alive client on asyncio streams (one connection per
participant), light enough that 200 participants and the server share two cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import random
import secrets
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from coprod_analytics.errors import CoprodError, check_param

__all__ = ["LoadResult", "check_loopback", "check_reachable", "run_load"]

MAX_PARTICIPANTS = 2000
MAX_DURATION_S = 900.0


def check_loopback(url: str) -> tuple[str, int]:
    """Host and port of ``url``; refuses anything but this machine.

    Parameters
    ----------
    url : str
        A participant address (``http://`` on a loopback host).

    Returns
    -------
    (str, int)
        The host (``localhost`` as ``127.0.0.1``) and port.

    Raises
    ------
    CoprodError
        Not ``http://``, or a host other than ``127.0.0.0/8``, ``::1`` or ``localhost``.

    Examples
    --------
    >>> check_loopback("http://127.0.0.1:8765/")
    ('127.0.0.1', 8765)
    >>> check_loopback("http://example.org/")
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.CoprodError: loadtest only targets this machine ...
    """
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname:
        raise CoprodError(
            f"expected a participant address like http://127.0.0.1:8765/; got {url!r}"
        )
    host = parts.hostname
    from coprod_apps.launcher import is_loopback

    if not is_loopback(host):
        raise CoprodError(
            f"loadtest only targets this machine (127.0.0.1, ::1 or localhost); got host {host!r}"
        )
    return ("127.0.0.1" if host == "localhost" else host), parts.port or 80


@dataclass
class LoadResult:
    """What a load run saw.

    Attributes
    ----------
    acknowledged : int
        Distinct votes and answers the server confirmed (``ok``), changed ones included,
        duplicates of a retry counted once.
    errors : int
        Requests that ended in an error (4xx other than rate limiting, or gave up).
    p50_ms : float
        Median acceptance latency of votes and answers: from the first attempt to the
        acknowledgement, retries included. NaN when nothing was acknowledged (``null`` in
        :meth:`to_dict`).
    p95_ms : float
        95th percentile of the acceptance latency (NaN when nothing was acknowledged).
    participants : int
        Simulated participants.
    duration_s : float
        Seconds the run took.
    requests : int
        Requests sent.
    retries : int
        Of which retries.
    rate_limited : int
        Answers that said "wait" (429).
    finished : int
        Participants who voted on every statement and answered every item of the open
        activities.
    votes : list of tuple
        ``(participant_id, statement_id, vote, key)`` of every acknowledged vote.
    latencies_ms : list of float
        Acceptance latency of each acknowledged vote and answer.
    error_messages : dict of str to int
        How often each error was seen.
    by_kind : dict of str to int
        Distinct LATEST answers acknowledged, by the inquiry table they feed: ``votes``,
        ``estimates``, ``probabilities``, ``choices``, ``predictions`` (rows: one per
        option), ``ratings``, ``evidence``, ``panel``, ``participants`` (population answers:
        one per participant and attribute).
    answers : list of tuple
        ``(participant_id, activity_id, item_id, round, answer, key)`` of every acknowledged
        answer.

    Examples
    --------
    >>> r = LoadResult(10, 0, 3.0, 9.0, 2, 5.0, 24, 0, 0, 2, by_kind={"votes": 10})
    >>> r.to_dict()["acknowledged"], r.to_dict()["by_kind"]
    (10, {'votes': 10})
    """

    acknowledged: int
    errors: int
    p50_ms: float
    p95_ms: float
    participants: int
    duration_s: float
    requests: int
    retries: int
    rate_limited: int
    finished: int
    votes: list[tuple[int, int, int, str]] = field(default_factory=list, repr=False)
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    error_messages: dict[str, int] = field(default_factory=dict)
    by_kind: dict[str, int] = field(default_factory=dict)
    answers: list[tuple[int, str, Any, int, dict[str, Any], str]] = field(
        default_factory=list, repr=False
    )

    def to_dict(self) -> dict[str, Any]:
        """The JSON ``coprod loadtest --json`` prints.

        Returns
        -------
        dict
            The counts and latencies (not the individual votes and answers); a latency that
            was never measured is None, so the dict is valid JSON (no NaN).

        Examples
        --------
        >>> none = LoadResult(0, 3, float("nan"), float("nan"), 2, 1.0, 6, 4, 0, 0)
        >>> none.to_dict()["p50_ms"], none.to_dict()["p95_ms"]
        (None, None)
        """
        return {
            "acknowledged": self.acknowledged,
            "by_kind": dict(self.by_kind),
            "errors": self.errors,
            "p50_ms": _ms(self.p50_ms),
            "p95_ms": _ms(self.p95_ms),
            "participants": self.participants,
            "duration_s": round(self.duration_s, 2),
            "requests": self.requests,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "finished_all_statements": self.finished,
            "error_messages": self.error_messages,
        }


def _ms(value: float) -> float | None:
    """Milliseconds rounded for the report; None when not measured (NaN is not JSON)."""
    return round(value, 2) if math.isfinite(value) else None


async def check_reachable(url: str, *, timeout: float = 5.0) -> None:
    """Refuse to start a load against an address where nothing answers.

    One TCP connection is opened (retried for up to ``min(timeout, 1)`` seconds, for a
    server that is just starting) and closed.

    Parameters
    ----------
    url : str
        The participant address (loopback only, see :func:`check_loopback`).
    timeout : float, default 5
        Seconds before one connection attempt counts as failed.

    Raises
    ------
    CoprodError
        Nothing listens there (connection refused, timed out): the message names the
        address and asks whether ``coprod serve`` runs.

    Examples
    --------
    >>> import asyncio, socket
    >>> with socket.socket() as s:  # a port nobody listens on once it is closed
    ...     s.bind(("127.0.0.1", 0))
    ...     url = f"http://127.0.0.1:{s.getsockname()[1]}/"
    >>> asyncio.run(check_reachable(url, timeout=0.2))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.CoprodError: cannot reach http://127.0.0.1:...: connection refused; is 'coprod serve' running there?
    """
    host, port = check_loopback(url)
    until = time.monotonic() + min(timeout, 1.0)
    while True:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
        except (OSError, TimeoutError) as exc:
            if time.monotonic() < until:
                await asyncio.sleep(0.1)
                continue
            reason = (
                "no answer within the timeout"
                if isinstance(exc, TimeoutError)
                else "connection refused"
                if isinstance(exc, ConnectionRefusedError)
                else (exc.strerror or str(exc)).lower()
            )
            raise CoprodError(
                f"cannot reach {url}: {reason}; is 'coprod serve' running there?"
            ) from None
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return


class _Conn:
    """One keep-alive HTTP/1.1 connection (reconnects on demand)."""

    def __init__(self, host: str, port: int, timeout: float) -> None:
        self.host, self.port, self.timeout = host, port, timeout
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None

    async def request(
        self, method: str, path: str, body: Any = None, token: str | None = None
    ) -> tuple[int, Any]:
        return await asyncio.wait_for(self._request(method, path, body, token), self.timeout)

    async def _request(
        self, method: str, path: str, body: Any, token: str | None
    ) -> tuple[int, Any]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None and self.writer is not None
        data = b"" if body is None else json.dumps(body).encode()
        head = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host}:{self.port}",
            "Connection: keep-alive",
            f"Content-Length: {len(data)}",
        ]
        if body is not None:
            head.append("Content-Type: application/json")
        if token:
            head.append(f"Authorization: Bearer {token}")
        try:
            self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
            await self.writer.drain()
            status_line = await self.reader.readline()
            if not status_line:
                raise ConnectionError("connection closed by the server")
            status = int(status_line.split()[1])
            length = 0
            close = False
            while True:
                line = await self.reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                name, _, value = line.decode("latin-1").partition(":")
                lname = name.strip().lower()
                if lname == "content-length":
                    length = int(value.strip())
                elif lname == "connection" and value.strip().lower() == "close":
                    close = True
            payload = await self.reader.readexactly(length) if length else b""
        except BaseException:
            self.close()
            raise
        if close:
            self.close()
        try:
            return status, json.loads(payload) if payload else {}
        except ValueError:
            return status, {"error": payload[:200].decode("utf-8", "replace")}


class _Stats:
    def __init__(self) -> None:
        self.requests = 0
        self.retries = 0
        self.errors = 0
        self.rate_limited = 0
        self.finished = 0
        self.latencies: list[float] = []
        self.votes: list[tuple[int, int, int, str]] = []
        self.answers: list[tuple[int, str, Any, int, dict[str, Any], str]] = []
        #: the latest acknowledged answer per slot: the tables it feeds and their rows
        self.latest: dict[tuple[Any, ...], tuple[tuple[str, int], ...]] = {}
        self.messages: dict[str, int] = {}

    def error(self, message: str) -> None:
        self.errors += 1
        self.messages[message] = self.messages.get(message, 0) + 1


async def _call(
    conn: _Conn,
    stats: _Stats,
    method: str,
    path: str,
    body: Any,
    token: str | None,
    give_up: float,
) -> tuple[int, Any, float]:
    """Send until an answer that is not a connection error / 5xx / 429, or ``give_up``.

    The latency returned runs from the FIRST attempt to the answer, retries and the waits
    between them included: what the participant's phone lived through.
    """
    attempt = 0
    t0 = time.perf_counter()
    while True:
        attempt += 1
        stats.requests += 1
        try:
            status, data = await conn.request(method, path, body, token)
        except (TimeoutError, OSError, ConnectionError, asyncio.IncompleteReadError, ValueError):
            status, data = 0, None
        ms = (time.perf_counter() - t0) * 1000
        if status == 429:
            stats.rate_limited += 1
        if status and status < 500 and status != 429:
            return status, data, ms
        if time.monotonic() > give_up:
            return status, data, ms
        stats.retries += 1
        await asyncio.sleep(min(0.05 * 2 ** min(attempt, 5), 1.0) * (0.5 + random.random()))


def _make_answer(act: dict[str, Any], item: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """An answer to ``item`` of activity ``act`` the way a participant might give it."""
    kind = act["kind"]
    lo = float(item.get("scale_min", 1.0))
    hi = float(item.get("scale_max", 5.0))

    def on_scale() -> float:
        return float(rng.randint(math.ceil(lo), math.floor(hi)))

    if kind == "evidence":
        return {
            "credibility": on_scale(),
            "relevance": on_scale(),
            "confidence": float(rng.randint(1, max(1, min(5, int(hi))))),
        }
    if kind == "ratings":
        return {"rating": on_scale()}
    if kind == "panel":
        return {"value": on_scale()}
    if kind == "population":
        return {"category": rng.choice(item["options"])}
    qtype = item.get("type", "estimate")
    if qtype == "probability":
        return {"probability": round(rng.random(), 2)}
    if qtype == "choice":
        options = list(item["options"])
        weights = [rng.random() + 0.05 for _ in options]
        total = sum(weights)
        shares = [round(w / total, 3) for w in weights]
        shares[-1] = round(1.0 - sum(shares[:-1]), 3)
        return {
            "answer": rng.choice(options),
            "predictions": dict(zip(options, shares, strict=True)),
        }
    prev = item.get("previous")
    if prev and prev.get("distribution", {}).get("median") is not None:
        mine = float(prev["mine"]["value"])
        value = mine + 0.5 * (float(prev["distribution"]["median"]) - mine)
    else:
        value = rng.lognormvariate(math.log(50.0), 1.0)
    return {"value": round(value, 1), "confidence": float(rng.randint(1, 5))}


def _rows_of(
    act: dict[str, Any], item: dict[str, Any], answer: dict[str, Any]
) -> tuple[tuple[str, int], ...]:
    """The inquiry tables (and rows) one answer feeds."""
    kind = act["kind"]
    if kind == "questions":
        qtype = item.get("type", "estimate")
        if qtype == "estimate":
            return (("estimates", 1),)
        if qtype == "probability":
            return (("probabilities", 1),)
        return (("choices", 1), ("predictions", len(answer.get("predictions") or {})))
    table = {"population": "participants"}.get(kind, kind)
    return ((table, 1),)


async def _participant(
    host: str,
    port: int,
    stats: _Stats,
    *,
    deadline: float,
    grace: float,
    think: tuple[float, float],
    rng: random.Random,
    timeout: float,
    join_code: str | None,
    change: float = 0.0,
    linger: bool = False,
) -> None:
    conn = _Conn(host, port, timeout)
    try:
        body = {"join_code": join_code} if join_code else {}
        status, data, _ = await _call(conn, stats, "POST", "/api/join", body, None, deadline)
        if status != 200:
            stats.error(f"join: {status} {(data or {}).get('error', 'no answer')}")
            return
        token = data["token"]
        pid = int(data["participant_id"])
        done_statements = False
        while time.monotonic() < deadline:
            # the open activities, and this participant's answers so far
            status, data, _ = await _call(
                conn, stats, "GET", "/api/activities", None, token, deadline
            )
            todo: list[tuple[dict[str, Any], dict[str, Any]]] = []
            if status == 200:
                for act in data.get("activities", []):
                    todo += [(act, it) for it in act["items"] if it.get("mine") is None]
            elif status != 404:  # 404: a server without activities
                stats.error(f"activities: {status} {(data or {}).get('error', 'no answer')}")
                return
            if not todo and done_statements:
                if not linger:
                    stats.finished += 1
                    return
                await asyncio.sleep(max(0.5, rng.uniform(*think)))  # wait for the agenda
                done_statements = False  # new statements may have been accepted
                continue
            for act, item in todo:
                n_times = 2 if rng.random() < change else 1
                for _ in range(n_times):
                    await asyncio.sleep(rng.uniform(*think))
                    if time.monotonic() >= deadline:
                        return
                    if not await _answer(conn, stats, pid, token, act, item, rng, deadline + grace):
                        break
            if not done_statements:  # a few votes, then look at the agenda again
                done_statements = await _vote_all(
                    conn, stats, pid, token, rng, think, deadline, grace, change, batch=5
                )
    finally:
        conn.close()


async def _answer(
    conn: _Conn,
    stats: _Stats,
    pid: int,
    token: str,
    act: dict[str, Any],
    item: dict[str, Any],
    rng: random.Random,
    give_up: float,
) -> bool:
    answer = _make_answer(act, item, rng)
    key = secrets.token_hex(12)
    body = {"activity_id": act["activity_id"], "item_id": item["item_id"], "key": key, **answer}
    status, data, ms = await _call(conn, stats, "POST", "/api/answer", body, token, give_up)
    if status == 200 and data.get("ok"):
        rnd = int(data.get("round", 0))
        stats.latencies.append(ms)
        stats.answers.append((pid, act["activity_id"], item["item_id"], rnd, answer, key))
        slot = (pid, act["activity_id"], str(item["item_id"]), rnd)
        stats.latest[slot] = _rows_of(act, item, answer)
        return True
    stats.error(f"answer: {status} {(data or {}).get('code', 'no answer')}")
    return False


async def _vote_all(
    conn: _Conn,
    stats: _Stats,
    pid: int,
    token: str,
    rng: random.Random,
    think: tuple[float, float],
    deadline: float,
    grace: float,
    change: float,
    batch: int = 5,
) -> bool:
    """Vote on up to ``batch`` statements (changing some votes); True once none is left."""
    status, data, _ = await _call(conn, stats, "GET", "/api/next", None, token, deadline)
    if status != 200:
        stats.error(f"next: {status} {(data or {}).get('error', 'no answer')}")
        return True
    statement = data.get("statement")
    voted: set[int] = set()
    while time.monotonic() < deadline:
        if statement is None:
            return True
        if len(voted) >= batch:
            return False
        await asyncio.sleep(rng.uniform(*think))
        if time.monotonic() >= deadline:
            return False
        sid = int(statement["id"])
        if sid in voted:  # the server offers each statement once
            stats.error("server offered a statement already voted on")
            return True
        n_times = 2 if rng.random() < change else 1
        for _ in range(n_times):
            vote = rng.choice((1, -1, 0))
            key = secrets.token_hex(12)
            vote_body: dict[str, Any] = {"statement_id": sid, "vote": vote, "key": key}
            # a vote in flight is retried (same key) past the deadline for a short grace
            status, data, ms = await _call(
                conn, stats, "POST", "/api/vote", vote_body, token, deadline + grace
            )
            if status == 200 and data.get("ok"):
                voted.add(sid)
                stats.latencies.append(ms)
                stats.votes.append((pid, sid, vote, key))
                stats.latest[("v", pid, sid)] = (("votes", 1),)
                statement = data.get("next")
            else:
                stats.error(f"vote: {status} {(data or {}).get('code', 'no answer')}")
                if status == 403:  # voting closed for now
                    return True
                status, data, _ = await _call(
                    conn, stats, "GET", "/api/next", None, token, deadline
                )
                if status != 200:
                    return True
                statement = data.get("statement")
                break
    return False


async def _tick(duration: float, *, enabled: bool) -> None:
    """A progress bar of the seconds of voting (stderr), until cancelled or over."""
    if not enabled:
        return
    from coprod_analytics.progress import progress

    seconds = progress(range(math.ceil(duration)), enabled=True, desc="Simulated voting", unit="s")
    try:
        for _ in seconds:
            await asyncio.sleep(1.0)
    finally:
        close = getattr(seconds, "close", None)
        if close is not None:
            close()


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    pos = (len(s) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


async def run_load(
    url: str,
    *,
    participants: int = 50,
    duration: float = 10.0,
    think: tuple[float, float] = (0.5, 1.5),
    seed: int = 0,
    timeout: float = 5.0,
    grace: float = 30.0,
    join_code: str | None = None,
    progress: bool = True,
    change: float = 0.1,
    linger: bool = False,
) -> LoadResult:
    """Simulate ``participants`` phones answering for ``duration`` seconds against ``url``.

    Parameters
    ----------
    url : str
        The participant address (loopback only).
    participants : int
        Simulated participants, joining at once (at most 2000).
    duration : float
        Seconds of voting (at most 900); votes in flight are retried for up to ``grace``
        more seconds so none is left unconfirmed.
    think : (float, float)
        Each participant waits a uniform random time in this range (seconds) before a vote.
    seed : int
        Random seed of the votes and think times.
    timeout : float
        Seconds before a request counts as failed (and is retried with the same key).
    grace : float, default 30
        Seconds past ``duration`` a vote in flight is still retried.
    join_code : str, optional
        The session's join code, when it has one.
    progress : bool, default True
        Show a progress bar of the seconds of voting on stderr.
    change : float, default 0.1
        The chance that a participant changes an answer or vote just given (one more
        request, a new key: the latest counts).
    linger : bool, default False
        Participants who answered everything keep waiting for the facilitator to open more
        (``coprod demo``) instead of finishing.

    Returns
    -------
    LoadResult
        What the run saw; it ends when ``duration`` is over or when every participant
        has voted on every statement and answered every open activity, whichever comes
        first.

    Raises
    ------
    CoprodError
        A host other than this machine, or nothing listening at ``url``
        (:func:`check_reachable`).

    Examples
    --------
    >>> import asyncio
    >>> asyncio.run(run_load("http://example.org/", duration=1))
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.CoprodError: loadtest only targets this machine ...
    """
    func = "run_load"
    check_param(
        isinstance(participants, int) and 1 <= participants <= MAX_PARTICIPANTS,
        "participants",
        func,
        f"an int in [1, {MAX_PARTICIPANTS}]",
        participants,
    )
    check_param(
        0 < float(duration) <= MAX_DURATION_S,
        "duration",
        func,
        f"in (0, {MAX_DURATION_S:g}]",
        duration,
    )
    check_param(
        len(think) == 2 and 0 <= think[0] <= think[1],
        "think",
        func,
        "(low, high) with 0 <= low <= high",
        think,
    )
    check_param(0 <= change <= 1, "change", func, "in [0, 1]", change)
    host, port = check_loopback(url)
    await check_reachable(url, timeout=timeout)
    stats = _Stats()
    start = time.monotonic()
    deadline = start + float(duration)
    master = random.Random(seed)
    tasks = [
        _participant(
            host,
            port,
            stats,
            deadline=deadline,
            grace=grace,
            think=think,
            rng=random.Random(master.getrandbits(64)),
            timeout=timeout,
            join_code=join_code,
            change=change,
            linger=linger,
        )
        for _ in range(participants)
    ]
    ticker = asyncio.ensure_future(_tick(float(duration), enabled=progress))
    try:
        await asyncio.gather(*tasks)
    finally:
        ticker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await ticker
    keys = {v[3] for v in stats.votes} | {a[5] for a in stats.answers}
    by_kind: dict[str, int] = {}
    for rows in stats.latest.values():
        for table, n in rows:
            by_kind[table] = by_kind.get(table, 0) + n
    return LoadResult(
        acknowledged=len(keys),
        errors=stats.errors,
        p50_ms=_percentile(stats.latencies, 0.5),
        p95_ms=_percentile(stats.latencies, 0.95),
        participants=participants,
        duration_s=time.monotonic() - start,
        requests=stats.requests,
        retries=stats.retries,
        rate_limited=stats.rate_limited,
        finished=stats.finished,
        votes=stats.votes,
        latencies_ms=stats.latencies,
        error_messages=stats.messages,
        by_kind=dict(sorted(by_kind.items())),
        answers=stats.answers,
    )
