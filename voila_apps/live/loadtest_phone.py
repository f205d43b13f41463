"""One simulated phone of ``coprod loadtest`` and its HTTP connection.

``_Conn`` is a minimal HTTP/1.1 keep-alive client on asyncio streams (one connection per
participant); ``_call`` sends a request until an answer that is not a connection error, a
5xx or a 429, or until it gives up (retried with the SAME body, hence the same idempotency
key), counting the latency from the first attempt. ``_participant`` is one participant's whole visit: join,
look at the agenda, answer what is open through its ``_Phone`` (items, ballots, pairs,
places; a stale listing sends it back to the agenda), and vote on the statements a few at a
time (``_vote_all``). Everything seen goes into one shared ``_Stats``, from which
:func:`~coprod_apps.live.loadtest.run_load` makes its
:class:`~coprod_apps.live.loadtest.LoadResult`. The answers come from
:mod:`coprod_apps.live.loadtest_answers`.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import time
from dataclasses import dataclass
from typing import Any

from coprod_apps.live.loadtest_answers import (
    _PLACES_EACH,
    _TEXTS,
    _ballot,
    _make_answer,
    _pair_key,
    _place,
    _priority_rows,
    _rows_of,
    _todo,
)

__all__: list[str] = []


class _StaleConnection(ConnectionError):
    """A kept-alive connection failed before any byte of the answer (its server process
    died, or it closed the connection meanwhile): a browser sends such a request again at
    once on a new connection, and so does :func:`_call`."""


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
        reused = self.writer is not None
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None and self.writer is not None
        status_line = b""
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
        except BaseException as exc:
            self.close()
            if reused and not status_line and isinstance(exc, OSError | EOFError):
                raise _StaleConnection(str(exc)) from exc
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
        #: when each latency's answer was acknowledged (``time.monotonic()``)
        self.acked_at: list[float] = []
        self.votes: list[tuple[int, int, int, str]] = []
        self.answers: list[tuple[int, str, Any, int, dict[str, Any], str]] = []
        self.texts: list[tuple[int, str, Any, str, str]] = []
        self.ideas = 0
        #: the latest acknowledged answer per slot: the tables it feeds and their rows
        self.latest: dict[tuple[Any, ...], tuple[tuple[str, int], ...]] = {}
        self.messages: dict[str, int] = {}

    def acked(self, ms: float) -> None:
        """Count the acceptance latency of an acknowledged vote or answer (and when)."""
        self.latencies.append(ms)
        self.acked_at.append(time.monotonic())

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
    between them included: what the participant's phone lived through. A request lost with
    a kept-alive connection before any answer (:class:`_StaleConnection`) is sent again at
    once, once, on a new connection, as browsers do; every other failure waits before the
    next attempt (exponential backoff with jitter).
    """
    attempt = 0
    fresh = False  # sent again at once on a new connection after a stale one
    t0 = time.perf_counter()
    while True:
        attempt += 1
        stats.requests += 1
        try:
            status, data = await conn.request(method, path, body, token)
        except _StaleConnection:
            if not fresh:  # as a browser does: once, at once, on a new connection
                fresh = True
                stats.retries += 1
                continue
            status, data = 0, None
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


#: Outcome of one answer: acknowledged, refused for good (go on), or the listing is stale
#: (the session or activity closed, the item or pair is gone: look at the agenda again).
_OK, _REFUSED, _STALE = "ok", "refused", "stale"


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
        # a random join key, as a phone sends: a join retried after its answer was lost (or
        # its worker killed) is the same participant (not seeded: runs must not share keys)
        body: dict[str, Any] = {"key": secrets.token_hex(16)}
        if join_code:
            body["join_code"] = join_code
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
            self.stats.acked(ms)
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
                stats.acked(ms)
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
