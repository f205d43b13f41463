"""A load generator for the participant API: many simulated phones answering at once.

Each simulated participant joins, answers every item of every open activity (population
questions, panel poll, evidence, ratings, questions; ``GET /api/activities``, ``POST
/api/answer``), and votes on the statements (``GET /api/next``, ``POST /api/vote``),
"thinking" for a random moment before each answer; with probability ``change`` it changes
the answer it just gave (a new request with a new key: the latest counts). The priority
activities are answered as a phone does: one budget ballot within the ballot rules the
listing gives (``projects`` for approval and ordinal ballots, ``points`` for cumulative and
scoring ones), every pair of a pairwise activity in the order the server offers them (the
listing's ``pair``, then each reply's; one answer in ten "I can't decide"; a participant in
ten also sends an ``idea``), one ranking of the top ``k``, and a text per open question.
When an answer is refused because the session or activity closed (403), the participant
looks at the agenda again instead of answering its stale list. When a request
fails on a connection error, a timeout or a 5xx it retries with the SAME idempotency key, so
an answer the server stored before a crash is never counted twice. Loopback only: this tool
refuses any other host.

The client is a minimal HTTP/1.1 keep-alive client on asyncio streams (one connection per
participant), light enough that 200 participants and the server share two cores.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
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
        Distinct LATEST answers acknowledged, in rows of the inquiry table they feed (the
        unit of ``coprod info --json`` ``"tables"``): ``votes``, ``estimates``,
        ``probabilities``, ``choices``, ``predictions`` (one row per option), ``ratings``,
        ``evidence``, ``panel``, ``participants`` (population answers: one per participant
        and attribute), ``budget_votes`` (one row per voter and project of the latest
        ballot, not one per ballot), ``pairwise`` (one row per participant and pair, the
        latest answer), ``rankings`` (one row per item of the latest ranking),
        ``free_text`` (every open answer sent: a changed answer is one more row),
        ``places`` (one row per participant and place id, the latest), ``support`` (one row
        per participant and need supported), ``appraisals`` (one per participant, need and
        round).
    answers : list of tuple
        ``(participant_id, activity_id, item_id, round, answer, key)`` of every acknowledged
        answer, as the session stores it (a ballot under ``item_id`` ``"ballot"``, a pair
        under its key ``"a|b"`` with ``winner`` None for "I can't decide").
    texts : list of tuple
        ``(participant_id, activity_id, item_id, text, key)`` of every acknowledged open
        answer and idea (``item_id`` ``"idea"``); the session keeps them as statements
        waiting for moderation.
    ideas : int
        Ideas acknowledged (they join no table until a facilitator accepts them).

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
    texts: list[tuple[int, str, Any, str, str]] = field(default_factory=list, repr=False)
    ideas: int = 0

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
            "ideas": self.ideas,
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
        self.texts: list[tuple[int, str, Any, str, str]] = []
        self.ideas = 0
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
    if kind == "appraisal":
        rules = act.get("settings") or {}
        lo, hi = float(rules.get("scale_min", 1.0)), float(rules.get("scale_max", 5.0))
        return {
            "need_score": float(rng.randint(math.ceil(lo), math.floor(hi))),
            "achievement_score": float(rng.randint(math.ceil(lo), math.floor(hi))),
        }
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
    table = {"population": "participants", "appraisal": "appraisals"}.get(kind, kind)
    return ((table, 1),)


#: Open answers and ideas a simulated participant may send (a topic per line).
_TEXTS = (
    "More buses in the evening.",
    "A safe cycle route to the station.",
    "Fewer cars in the town centre.",
    "More parking near the shops.",
    "Benches and dropped kerbs on the way to the market.",
    "Cheaper fares for young people.",
    "Fix the potholes first.",
    "Longer green lights at crossings.",
)

#: Outcome of one answer: acknowledged, refused for good (go on), or the listing is stale
#: (the session or activity closed, the item or pair is gone: look at the agenda again).
_OK, _REFUSED, _STALE = "ok", "refused", "stale"


def _ballot(act: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A budget ballot within the rules the listing gives (``settings``)."""
    rules = act.get("settings") or {}
    items = list(act["items"])
    vote_type = str(rules.get("vote_type", "approval"))
    if vote_type in ("cumulative", "scoring"):
        cap = int(rules.get("max_sum_points") or len(items))
        floor = max(1, int(rules.get("min_sum_points") or 1))
        per = rules.get("max_points")
        per_max = cap if per is None else int(per)
        total = rng.randint(floor, max(floor, cap))
        points: dict[str, int] = {}
        while sum(points.values()) < total:
            open_ = [it for it in items if points.get(str(it["item_id"]), 0) < per_max]
            if not open_:
                break
            pid = str(rng.choice(open_)["item_id"])
            points[pid] = points.get(pid, 0) + 1
        return {"points": points}
    lo = max(1, int(rules.get("min_length") or 1))
    hi = int(rules.get("max_length") or len(items))
    limit = rules.get("limit")
    want = rng.randint(lo, max(lo, hi))
    for order in (rng.sample(items, len(items)), sorted(items, key=lambda it: it["cost"])):
        chosen: list[Any] = []
        spent = 0.0
        for it in order:
            if len(chosen) >= want:
                break
            if limit is None or spent + float(it.get("cost", 0)) <= float(limit):
                chosen.append(it["item_id"])
                spent += float(it.get("cost", 0))
        if len(chosen) >= lo:
            return {"projects": chosen}
    return {"projects": chosen}


#: Places each simulated participant maps.
_PLACES_EACH = 2


def _place(settings: dict[str, Any], rng: random.Random, place_id: str) -> dict[str, Any]:
    """A place on the map (a point inside its bounds) or, now and then, an area of the list."""
    cats = {k: v for k, v in (settings.get("categories") or {}).items() if v}
    kind = rng.choice(sorted(cats))
    out: dict[str, Any] = {"place_id": place_id, "kind": kind, "category": rng.choice(cats[kind])}
    system, areas = settings.get("system"), list(settings.get("areas") or [])
    if system in ("geo", "plan") and (not areas or rng.random() < 0.7):
        w, south, e, n = (float(b) for b in settings["bounds"])
        a, b = round(rng.uniform(w, e), 6), round(rng.uniform(south, n), 6)
        out.update({"lat": b, "lon": a} if system == "geo" else {"x": a, "y": b})
    else:
        out["area"] = rng.choice(areas)
    if rng.random() < 0.6:
        out["text"] = rng.choice(_TEXTS)
    return out


def _priority_rows(act: dict[str, Any], answer: dict[str, Any]) -> tuple[tuple[str, int], ...]:
    """The table rows one latest priority answer feeds (as ``coprod info`` counts them)."""
    kind = act["kind"]
    if kind == "budget":
        n = len(answer["points"]) if "points" in answer else len(answer["projects"])
        return (("budget_votes", n),)
    if kind == "ranking":
        return (("rankings", len(answer["order"])),)
    return (("pairwise", 1),)


def _pair_key(a: Any, b: Any) -> str:
    x, y = sorted((str(a), str(b)))
    return f"{x}|{y}"


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
    arrive: float = 0.0,
) -> None:
    conn = _Conn(host, port, timeout)
    try:
        if arrive:
            await asyncio.sleep(arrive)
        body = {"join_code": join_code} if join_code else {}
        status, data, _ = await _call(conn, stats, "POST", "/api/join", body, None, deadline)
        if status != 200:
            stats.error(f"join: {status} {(data or {}).get('error', 'no answer')}")
            return
        token = data["token"]
        pid = int(data["participant_id"])
        me = _Phone(conn, stats, pid, token, rng, think, deadline, grace, change)
        done_statements = False
        sent_idea: set[str] = set()
        while time.monotonic() < deadline:
            # the open activities, and this participant's answers so far
            status, data, _ = await _call(
                conn, stats, "GET", "/api/activities", None, token, deadline
            )
            todo: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
            if status == 200:
                for act in data.get("activities", []):
                    todo += _todo(act)
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
                if time.monotonic() >= deadline:
                    return
                if act["kind"] == "pairwise":
                    outcome = await me.pairwise(act, idea=act["activity_id"] not in sent_idea)
                    sent_idea.add(act["activity_id"])
                elif act["kind"] == "mapping":
                    outcome = await me.mapping(act)
                else:
                    outcome = await me.answer(act, item)
                if outcome == _STALE:  # closed, or the list changed: look at the agenda again
                    break
            if not done_statements:  # a few votes, then look at the agenda again
                done_statements = await _vote_all(
                    conn, stats, pid, token, rng, think, deadline, grace, change, batch=5
                )
    finally:
        conn.close()


def _todo(act: dict[str, Any]) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
    """What is left to answer in one open activity: items (``None``: the whole ballot or
    the pairs of a pairwise activity)."""
    kind = act["kind"]
    if kind in ("budget", "ranking"):
        return [(act, None)] if act.get("mine") is None and act["items"] else []
    if kind == "pairwise":
        left = act.get("pair") is not None and act.get("answered", 0) < act.get("pairs", 0)
        return [(act, None)] if left else []
    if kind == "mapping":
        needs = act.get("needs") or []
        support = bool(needs) and not any(n.get("supported") for n in needs)
        return [(act, None)] if act.get("answered", 0) < _PLACES_EACH or support else []
    return [(act, it) for it in act["items"] if it.get("mine") is None]


@dataclass
class _Phone:
    """One simulated participant's answers to the activities (``/api/answer``)."""

    conn: _Conn
    stats: _Stats
    pid: int
    token: str
    rng: random.Random
    think: tuple[float, float]
    deadline: float
    grace: float
    change: float

    async def _post(self, body: dict[str, Any]) -> tuple[str, dict[str, Any], float]:
        """Send one answer (retried with its key); the outcome, the reply and the latency."""
        await asyncio.sleep(self.rng.uniform(*self.think))
        status, data, ms = await _call(
            self.conn,
            self.stats,
            "POST",
            "/api/answer",
            body,
            self.token,
            self.deadline + self.grace,
        )
        if status == 200 and data.get("ok"):
            self.stats.latencies.append(ms)
            return _OK, data, ms
        code = (data or {}).get("code", "no answer")
        field_name = (data or {}).get("field")
        self.stats.error(f"answer: {status} {code}" + (f" ({field_name})" if field_name else ""))
        stale = status in (403, 404) or (status == 400 and (data or {}).get("field") == "pair")
        return (_STALE if stale else _REFUSED), data or {}, ms

    async def answer(self, act: dict[str, Any], item: dict[str, Any] | None) -> str:
        """Answer one item (or a whole ballot), changing it with probability ``change``."""
        n_times = 2 if self.rng.random() < self.change else 1
        outcome = _OK
        for _ in range(n_times):
            if time.monotonic() >= self.deadline:
                return outcome
            kind = act["kind"]
            if kind == "budget":
                answer = _ballot(act, self.rng)
            elif kind == "ranking":
                k = int((act.get("settings") or {}).get("k") or len(act["items"]))
                picks = self.rng.sample(act["items"], min(k, len(act["items"])))
                answer = {"order": [it["item_id"] for it in picks[: self.rng.randint(1, k)]]}
            elif kind == "open_question":
                answer = {"text": self.rng.choice(_TEXTS)}
            else:
                assert item is not None
                answer = _make_answer(act, item, self.rng)
            key = secrets.token_hex(12)
            body = {"activity_id": act["activity_id"], "key": key, **answer}
            if item is not None:
                body["item_id"] = item["item_id"]
            outcome, data, _ = await self._post(body)
            if outcome != _OK:
                return outcome
            self._record(act, item, answer, key, data)
        return outcome

    def _record(
        self,
        act: dict[str, Any],
        item: dict[str, Any] | None,
        answer: dict[str, Any],
        key: str,
        data: dict[str, Any],
    ) -> None:
        st, pid, aid = self.stats, self.pid, act["activity_id"]
        if ("text" in answer or "idea" in answer) and act[
            "kind"
        ] != "mapping":  # kept as a statement (moderated)
            item_id = "idea" if "idea" in answer else item["item_id"] if item else None
            text = str(answer.get("text", answer.get("idea")))
            st.texts.append((pid, aid, item_id, text, key))
            if "text" in answer:  # every open answer is a row of free_text
                st.latest[("t", key)] = (("free_text", 1),)
            return
        rnd = int(data.get("round", 0))
        if act["kind"] == "mapping":
            slot = (
                f"place:{answer['place_id']}"
                if "kind" in answer
                else f"support:{answer['place_id']}"
            )
            st.answers.append((pid, aid, slot, rnd, answer, key))
            rows = (("places", 1),) if "kind" in answer else (("support", 1),)
            st.latest[(pid, aid, slot, rnd)] = rows if answer.get("support", True) else ()
        elif act["kind"] in ("budget", "ranking"):
            st.answers.append((pid, aid, "ballot", rnd, answer, key))
            st.latest[(pid, aid, "ballot", rnd)] = _priority_rows(act, answer)
        elif act["kind"] == "pairwise":
            a, b = answer["pair"]
            stored = {"pair": [a, b], "winner": answer.get("winner")}
            st.answers.append((pid, aid, _pair_key(a, b), rnd, stored, key))
            st.latest[(pid, aid, _pair_key(a, b), rnd)] = _priority_rows(act, stored)
        else:
            assert item is not None
            st.answers.append((pid, aid, item["item_id"], rnd, answer, key))
            st.latest[(pid, aid, str(item["item_id"]), rnd)] = _rows_of(act, item, answer)

    async def mapping(self, act: dict[str, Any]) -> str:
        """Map places until this participant has :data:`_PLACES_EACH` (with probability
        ``change`` a place is moved or its text changed: the same place id, kind and category
        again, the latest wins), then support
        one need someone else mapped."""
        aid = act["activity_id"]
        settings = act.get("settings") or {}
        mapped = int(act.get("answered", 0))
        while mapped < _PLACES_EACH and time.monotonic() < self.deadline:
            place_id = secrets.token_hex(4)
            first: dict[str, Any] = {}
            for _ in range(2 if self.rng.random() < self.change else 1):
                # a moved place keeps what it is (a need stays the need others appraise)
                place = {**_place(settings, self.rng, place_id), **first}
                first = {"kind": place["kind"], "category": place["category"]}
                key = secrets.token_hex(12)
                body = {"activity_id": aid, "item_id": "place", "key": key, **place}
                outcome, data, _ = await self._post(body)
                if outcome != _OK:
                    return outcome
                self._record(act, None, place, key, data)
            mapped += 1
        needs = [n for n in act.get("needs") or [] if not n.get("supported")]
        if needs and not any(n.get("supported") for n in act.get("needs") or []):
            answer = {"place_id": self.rng.choice(needs)["place_id"], "support": True}
            key = secrets.token_hex(12)
            body = {"activity_id": aid, "item_id": "support", "key": key, **answer}
            outcome, data, _ = await self._post(body)
            if outcome != _OK:
                return outcome
            self._record(act, None, answer, key, data)
        return _OK

    async def pairwise(self, act: dict[str, Any], *, idea: bool) -> str:
        """Answer the pairs the server offers, one after another, until each pair of the
        pool has an answer (with probability ``change`` one more: a pair offered again);
        maybe send an idea first."""
        aid = act["activity_id"]
        settings = act.get("settings") or {}
        reply: dict[str, Any] | None = None
        if idea and settings.get("ideas", True) and self.rng.random() < 0.1:
            key = secrets.token_hex(12)
            idea_text = {"idea": self.rng.choice(_TEXTS)}
            outcome, data, _ = await self._post({"activity_id": aid, "key": key, **idea_text})
            if outcome == _OK:
                self.stats.ideas += 1
                self._record(act, None, idea_text, key, data)
                reply = data
            elif outcome == _STALE and data.get("code") != "submissions_off":
                return outcome
        pair = act.get("pair")
        answered, pairs = int(act.get("answered", 0)), int(act.get("pairs", 0))
        if reply is not None:  # the pair the server offers now (it may have restarted since)
            pair = reply.get("pair", pair)
            answered = int(reply.get("answered", answered))
            pairs = answered + int(reply.get("remaining", pairs - answered))
        # the phone shows one pair at a time and moves on: an answer is changed only when the
        # server offers its pair again, once every pair has an answer
        again = self.rng.random() < self.change
        while pair and time.monotonic() < self.deadline and (answered < pairs or again):
            if answered >= pairs:
                again = False
            a, b = pair[0]["item_id"], pair[1]["item_id"]
            if self.rng.random() < 0.1:
                answer: dict[str, Any] = {"pair": [a, b], "cant_decide": True}
            else:
                answer = {"pair": [a, b], "winner": self.rng.choice((a, b))}
            key = secrets.token_hex(12)
            outcome, data, _ = await self._post({"activity_id": aid, "key": key, **answer})
            if outcome != _OK:
                return outcome
            self._record(act, None, answer, key, data)
            answered = int(data.get("answered", answered))
            pairs = answered + int(data.get("remaining", 0))
            pair = data.get("pair")
        return _OK


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


async def _freeze_survivors(every: float = 2.0) -> None:
    """Keep the cycle collector's pauses out of the measured latencies, until cancelled.

    The generator keeps every acknowledged answer (to check what was stored), so its heap
    grows all run long and each full collection walks all of it (~100 ms at 1,000
    participants: every request in flight looks that much slower). Every ``every`` seconds
    what survived so far is frozen (:func:`gc.freeze`) and young collections run less
    often; :func:`run_load` unfreezes at the end.
    """
    while True:
        gc.freeze()
        await asyncio.sleep(every)


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
    ramp: float = 0.0,
) -> LoadResult:
    """Simulate ``participants`` phones answering for ``duration`` seconds against ``url``.

    Parameters
    ----------
    url : str
        The participant address (loopback only).
    participants : int
        Simulated participants, joining at once or over ``ramp`` seconds (at most 2000).
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
    ramp : float, default 0
        Seconds over which the participants arrive, evenly spaced (0: all join at once);
        in ``[0, duration)``.

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
    check_param(0 <= ramp < float(duration), "ramp", func, "in [0, duration)", ramp)
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
            arrive=ramp * i / participants,
        )
        for i in range(participants)
    ]
    ticker = asyncio.ensure_future(_tick(float(duration), enabled=progress))
    thresholds = gc.get_threshold()
    gc.collect()
    gc.set_threshold(max(thresholds[0], 20_000), *thresholds[1:])
    freezer = asyncio.ensure_future(_freeze_survivors())
    try:
        await asyncio.gather(*tasks)
    finally:
        for task in (ticker, freezer):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    keys = {v[3] for v in stats.votes} | {a[5] for a in stats.answers} | {t[4] for t in stats.texts}
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
        texts=stats.texts,
        ideas=stats.ideas,
    )
