"""The participant server: a light HTML page and a small JSON API on its own port.

Participants' phones never get a Jupyter kernel (see VOILA_NOTES.md: a kernel per phone does
not scale); they load one static page and talk to this API. The server exposes nothing but
the participant page and API: no Jupyter handlers, no dashboard, no moderation, no one
else's votes.

Why tornado: it is already installed with Jupyter/Voila (the facilitator side), it is
asyncio-native, and one thread serves hundreds of keep-alive connections; the stdlib's
``ThreadingHTTPServer`` would need a thread per phone.

Durability and speed: handlers validate everything in memory, then hand the event to ONE
writer thread that appends whatever has queued up in a single durable SQLite transaction
(group commit, ``synchronous=FULL``) and only then acknowledges. A vote is acknowledged only
after it is on disk; a retried request carrying the same idempotency key is answered from
the log and never stored twice.

API (JSON; participant calls carry ``Authorization: Bearer <token>``)
--------------------------------------------------------------------
``GET /api/session``
    title, open, join_code_required, allow_submissions, max_text.
``POST /api/join`` ``{"join_code": ...}``
    a new anonymous participant: ``{"token", "participant_id"}``. Join attempts are rate
    limited per client address (wrong join codes much more strictly, before the code is
    even compared) and over the whole server.
``GET /api/next``
    the next statement for this participant (``{"statement": {"id", "text"} | null, ...}``).
``POST /api/vote`` ``{"statement_id", "vote": 1 | -1 | 0, "key"}``
    stores the vote; answers ``{"ok", "duplicate", "next"}``.
``POST /api/statements`` ``{"text", "key"}``
    submits a statement (waits for moderation unless the facilitator turned that off).

Request bodies must be JSON sent as ``Content-Type: application/json`` (415 otherwise, which
also keeps other web sites' plain form posts out). Errors are
``{"error": message, "code": code}`` with a 4xx status, and nothing is stored.

One server per database: the server holds an exclusive lock on ``<database>-serve.lock``
while it runs, so a second server on the same database is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hmac
import json
import logging
import os
import queue
import random
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.netutil
import tornado.web

from coprod_analytics.errors import CoprodError, check_param
from coprod_analytics.session import MAX_STATEMENT_CHARS, NewEvent, SessionStore, now_ms
from coprod_analytics.session.priority import choose_statement
from coprod_analytics.session.store import _connect
from coprod_apps.live.tokens import make_token, parse_token

__all__ = ["LiveServer", "RateLimit", "ServerConfig", "normalize_join_code"]

log = logging.getLogger("coprod_apps.live.server")

STATIC_DIR = Path(__file__).resolve().parent / "static"
MAX_BODY_BYTES = 8 * 1024
_KEY_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")  # used with fullmatch

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@dataclass
class RateLimit:
    """A token bucket per key: ``rate`` requests per second on average, bursts up to
    ``burst``. At most ``max_keys`` buckets are kept: full (idle) buckets are forgotten
    first, then the least recently used."""

    rate: float
    burst: float
    max_keys: int = 10_000
    _buckets: dict[Any, tuple[float, float]] = field(default_factory=dict)

    def _tokens(self, who: Any, t: float) -> float:
        tokens, last = self._buckets.get(who, (self.burst, t))
        return min(self.burst, tokens + max(0.0, t - last) * self.rate)

    def wait(self, who: Any, now: float | None = None) -> float:
        """Seconds ``who`` must wait before its next request (0.0: now); takes nothing."""
        t = time.monotonic() if now is None else now
        tokens = self._tokens(who, t)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def allow(self, who: Any, now: float | None = None) -> float:
        """0.0 when ``who`` may proceed (a token is taken), else seconds to wait."""
        t = time.monotonic() if now is None else now
        tokens = self._tokens(who, t)
        self._buckets.pop(who, None)  # re-insert: the dict stays in least-recent order
        if tokens >= 1.0:
            self._buckets[who] = (tokens - 1.0, t)
            wait = 0.0
        else:
            self._buckets[who] = (tokens, t)
            wait = (1.0 - tokens) / self.rate
        if len(self._buckets) > self.max_keys:
            self._prune(t)
        return wait

    def _prune(self, t: float) -> None:
        full = [
            k
            for k, (tok, last) in self._buckets.items()
            if tok + (t - last) * self.rate >= self.burst
        ]
        for k in full:
            del self._buckets[k]
        excess = len(self._buckets) - self.max_keys // 2
        if excess > 0:
            for k in list(self._buckets)[:excess]:
                del self._buckets[k]

    def __len__(self) -> int:
        return len(self._buckets)


@dataclass
class ServerConfig:
    """Tunables of :class:`LiveServer`."""

    join_code: str | None = None
    #: requests per second per participant token (average, burst)
    request_rate: tuple[float, float] = (5.0, 30.0)
    #: statement submissions per participant (per second, burst)
    submit_rate: tuple[float, float] = (1 / 20, 3.0)
    #: join attempts per second over the whole server (per second, burst)
    join_rate: tuple[float, float] = (100.0, 400.0)
    #: join attempts per client address (per second, burst)
    join_ip_rate: tuple[float, float] = (20.0, 200.0)
    #: WRONG join codes per client address (per second, burst); checked before comparing
    join_fail_rate: tuple[float, float] = (0.2, 10.0)
    #: seconds between Pol.is priority recomputations (0 turns them off)
    priority_interval: float = 10.0
    #: seconds between reads of events other processes appended (moderation, settings)
    poll_interval: float = 0.5
    seed: int | None = None


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.extra = extra


class _Writer(threading.Thread):
    """The one thread that writes: group-commits queued events, then resolves futures."""

    def __init__(self, store: SessionStore, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(name="coprod-session-writer", daemon=True)
        self.store = store
        self.loop = loop
        self.q: queue.SimpleQueue[tuple[NewEvent, asyncio.Future[int | None]] | None] = (
            queue.SimpleQueue()
        )
        self.batches = 0
        # events per transaction at most (1 = no group commit: the benchmark's baseline)
        self.max_batch = max(1, int(os.environ.get("COPROD_LIVE_MAX_BATCH", "1000")))

    def submit(self, event: NewEvent) -> asyncio.Future[int | None]:
        fut: asyncio.Future[int | None] = self.loop.create_future()
        self.q.put((event, fut))
        return fut

    def stop(self) -> None:
        self.q.put(None)

    def run(self) -> None:
        stopping = False
        while not stopping:
            item = self.q.get()
            if item is None:
                break
            batch = [item]
            while len(batch) < self.max_batch:
                try:
                    nxt = self.q.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stopping = True
                    break
                batch.append(nxt)
            try:
                seqs = self.store.append_each([ev for ev, _ in batch])
            except BaseException as exc:  # pragma: no cover - disk full, I/O error
                log.exception("writing %d events failed", len(batch))
                for _, fut in batch:
                    self.loop.call_soon_threadsafe(_set_exc, fut, exc)
                continue
            self.batches += 1
            for (_, fut), seq in zip(batch, seqs, strict=True):
                if isinstance(seq, Exception):  # this event alone could not be stored
                    log.error("an event could not be stored: %r", seq)
                    self.loop.call_soon_threadsafe(_set_exc, fut, seq)
                else:
                    self.loop.call_soon_threadsafe(_set_result, fut, seq)
        self.store.close()


def _set_result(fut: asyncio.Future[int | None], value: int | None) -> None:
    if not fut.done():
        fut.set_result(value)


def _set_exc(fut: asyncio.Future[int | None], exc: BaseException) -> None:
    if not fut.done():
        fut.set_exception(exc)


class LiveServer:
    """A live session's participant server (page + JSON API) over a session database.

    Parameters
    ----------
    db_path : str or Path
        The session database (created when missing).
    config : ServerConfig, optional

    Notes
    -----
    Use :meth:`start` inside a running asyncio loop (tornado's IOLoop), or
    :func:`coprod_apps.live.serve.run_server` for the whole ``coprod serve`` process.
    """

    def __init__(self, db_path: str | Path, config: ServerConfig | None = None) -> None:
        self.db_path = Path(db_path)
        cfg = config or ServerConfig()
        self.config = dataclasses.replace(cfg, join_code=normalize_join_code(cfg.join_code))
        self._lock = _ServeLock(self.db_path)
        try:
            store = SessionStore(self.db_path)
        except BaseException:
            self._lock.release()
            raise
        meta = store.meta()
        self.session_id = meta["session_id"]
        self._secret = bytes.fromhex(meta["token_secret"])
        self.state = store.state()
        self._store = store
        self._poll_seq = self.state.last_seq
        self._own_seqs: set[int] = set()
        self._inflight: dict[str, asyncio.Future[int | None]] = {}
        self._claimed: set[tuple[int, int]] = set()
        self._next_pid = self.state.next_participant_id
        self._next_sid = self.state.next_statement_id
        self._rng = random.Random(self.config.seed)
        rr, rb = self.config.request_rate
        sr, sb = self.config.submit_rate
        jr, jb = self.config.join_rate
        self.request_limit = RateLimit(rr, rb)
        self.submit_limit = RateLimit(sr, sb)
        self.join_limit = RateLimit(jr, jb)
        self.join_ip_limit = RateLimit(*self.config.join_ip_rate)
        self.join_fail_limit = RateLimit(*self.config.join_fail_rate)
        self.priorities: dict[int, float] = {}
        self._priority_votes = -1
        self._writer: _Writer | None = None
        self._http: tornado.httpserver.HTTPServer | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._pool: Any = None
        self._read_conn: Any = None
        self.port: int | None = None

    # ------------------------------------------------------------------ lifecycle
    def make_app(self) -> tornado.web.Application:
        handlers: list[Any] = [
            (r"/", _PageHandler, {"server": self}),
            (r"/api/session", _SessionHandler, {"server": self}),
            (r"/api/join", _JoinHandler, {"server": self}),
            (r"/api/next", _NextHandler, {"server": self}),
            (r"/api/vote", _VoteHandler, {"server": self}),
            (r"/api/statements", _StatementHandler, {"server": self}),
            (r"/healthz", _HealthHandler, {"server": self}),
            (r"/static/(participant\.(?:js|css))", _StaticHandler, {"path": str(STATIC_DIR)}),
        ]
        return tornado.web.Application(
            handlers,
            default_handler_class=_NotFoundHandler,
            default_handler_args={"server": self},
            xsrf_cookies=False,  # no cookies are used: the token travels in a header
            compress_response=False,
            log_function=_quiet_log,
        )

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> int:
        """Bind and start serving; returns the port (``port=0`` picks a free one)."""
        loop = asyncio.get_running_loop()
        sockets = tornado.netutil.bind_sockets(port, address=host, backlog=1024)
        try:
            self._read_conn = _connect(self.db_path, readonly=True)
        except BaseException:
            for sock in sockets:
                sock.close()
            raise
        self._writer = _Writer(self._store, loop)
        self._writer.start()
        self._http = tornado.httpserver.HTTPServer(
            self.make_app(), max_body_size=64 * 1024, idle_connection_timeout=120, xheaders=False
        )
        self._http.add_sockets(sockets)
        self.port = int(sockets[0].getsockname()[1])
        self._tasks.append(loop.create_task(self._poll_loop()))
        if self.config.priority_interval > 0:
            self._tasks.append(loop.create_task(self._priority_loop()))
        return self.port

    async def stop(self) -> None:
        """Stop accepting requests, finish pending writes and close the database."""
        if self._http is not None:
            self._http.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._http.close_all_connections(), 2)
        for t in self._tasks:
            t.cancel()
        if self._writer is not None:
            self._writer.stop()
            await asyncio.get_running_loop().run_in_executor(None, self._writer.join, 10)
        else:  # never started: the writer thread did not take the store over
            self._store.close()
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self._read_conn is not None:
            self._read_conn.close()
        self._lock.release()

    # ------------------------------------------------------------------ background
    async def _poll_loop(self) -> None:
        """Apply events other processes appended (the dashboard's moderation, settings)."""
        while True:
            await asyncio.sleep(self.config.poll_interval)
            try:
                self.poll_external()
            except Exception:  # pragma: no cover - a locked or vanished file
                log.exception("reading the session log failed")

    def poll_external(self) -> None:
        rows = self._read_conn.execute(
            "SELECT seq, kind, idem_key, participant_id, statement_id, vote, text, value, "
            "time_ms FROM events WHERE seq > ? ORDER BY seq",
            (self._poll_seq,),
        ).fetchall()
        for row in rows:
            seq = row[0]
            self._poll_seq = max(self._poll_seq, seq)
            if seq in self._own_seqs:
                self._own_seqs.discard(seq)
                continue
            self.state.apply(row)
            if row[1] == "statement":
                self._next_sid = max(self._next_sid, int(row[4]) + 1)
            elif row[1] == "join":
                self._next_pid = max(self._next_pid, int(row[3]) + 1)

    async def _priority_loop(self) -> None:
        import concurrent.futures
        import multiprocessing

        from coprod_analytics.session.priority import compute_priorities

        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=1, mp_context=multiprocessing.get_context("spawn")
        )
        loop = asyncio.get_running_loop()
        while True:
            if self.state.n_votes != self._priority_votes:
                self._priority_votes = self.state.n_votes
                try:
                    self.priorities = await loop.run_in_executor(
                        self._pool, compute_priorities, str(self.db_path)
                    )
                except Exception:  # pragma: no cover - keep serving on fewest votes
                    log.exception("priority computation failed; using fewest votes")
                    self.priorities = {}
            await asyncio.sleep(self.config.priority_interval)

    # ------------------------------------------------------------------ operations
    async def _commit(self, event: NewEvent, key: str | None = None) -> int | None:
        """Hand an event to the writer; once durable, fold it into the in-memory state."""
        assert self._writer is not None
        fut = self._writer.submit(event)
        if key is not None:
            self._inflight[key] = fut
        try:
            seq = await asyncio.shield(fut)
        finally:
            if key is not None:
                self._inflight.pop(key, None)
        if seq is None:
            return None
        if seq <= self._poll_seq:  # the poller already read and applied it
            return seq
        self._own_seqs.add(seq)
        value = None if event.value is None else json.dumps(event.value)
        self.state.apply(
            (
                seq,
                event.kind,
                event.key,
                event.participant_id,
                event.statement_id,
                event.vote,
                event.text,
                value,
                event.time_ms or now_ms(),
            )
        )
        return seq

    def participant(self, token: str | None) -> int:
        pid = parse_token(self._secret, self.session_id, token)
        if pid is None or pid not in self.state.participants:
            raise ApiError(401, "bad_token", "missing or invalid participant token; join again")
        return pid

    def check_rate(self, limit: RateLimit, who: Any) -> None:
        wait = limit.allow(who)
        if wait > 0:
            raise ApiError(
                429,
                "rate_limited",
                "too many requests; wait a moment and try again",
                retry_after=round(wait, 2),
            )

    async def join(self, join_code: Any, client: str = "") -> dict[str, Any]:
        """A new participant. Rate limits (per ``client`` address, for wrong codes, over the
        whole server) are all checked BEFORE the code is compared."""
        self.check_rate(self.join_ip_limit, client)
        code = self.config.join_code
        if code is not None:
            wait = self.join_fail_limit.wait(client)
            if wait > 0:
                raise ApiError(
                    429,
                    "rate_limited",
                    "too many wrong join codes; wait a moment and try again",
                    retry_after=round(wait, 2),
                )
        self.check_rate(self.join_limit, "join")
        if code is not None and not _code_matches(join_code, code):
            self.join_fail_limit.allow(client)
            raise ApiError(403, "bad_join_code", "that join code is not right")
        for _ in range(100):
            pid = self._next_pid
            self._next_pid += 1
            seq = await self._commit(NewEvent("join", participant_id=pid, time_ms=now_ms()))
            if seq is not None:
                break
            # another writer took this id (the log refuses a second join of one id)
        else:  # pragma: no cover - 100 ids taken by others in a row
            raise ApiError(409, "conflict", "please try again")
        return {"token": make_token(self._secret, self.session_id, pid), "participant_id": pid}

    def next_statement(self, pid: int) -> dict[str, Any] | None:
        st = self.state
        voted = st.voted.get(pid, set())
        candidates = [s for s in st.votable() if s not in voted and (pid, s) not in self._claimed]
        counts = {s: st.statements[s].n_votes for s in candidates}
        sid = choose_statement(candidates, counts, self.priorities, self._rng)
        if sid is None:
            return None
        return {"id": sid, "text": st.statements[sid].text}

    def progress(self, pid: int) -> dict[str, Any]:
        st = self.state
        voted = st.voted.get(pid, set())
        votable = st.votable()
        return {
            "voted": len(voted),
            "remaining": sum(1 for s in votable if s not in voted),
            "open": st.is_open,
            "allow_submissions": bool(st.settings.get("allow_submissions", True)),
        }

    async def vote(self, pid: int, body: dict[str, Any]) -> dict[str, Any]:
        sid = body.get("statement_id")
        vote = body.get("vote")
        key = body.get("key")
        if not isinstance(sid, int) or isinstance(sid, bool):
            raise ApiError(400, "bad_request", "'statement_id' must be an integer")
        if vote not in (1, -1, 0) or isinstance(vote, bool):
            raise ApiError(400, "bad_vote", "'vote' must be 1 (agree), -1 (disagree) or 0 (pass)")
        if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
            raise ApiError(
                400, "bad_key", "'key' must be 1 to 64 letters, digits, '-' or '_' (one per vote)"
            )
        full_key = f"v:{pid}:{key}"
        dup = await self._duplicate(full_key, ("vote", pid, sid, vote))
        if dup:
            return {"ok": True, "duplicate": True, "next": self.next_statement(pid)}
        st = self.state
        rec = st.statements.get(sid)
        if rec is None or rec.moderation != 1 or rec.is_meta:
            raise ApiError(404, "unknown_statement", f"statement {sid} is not open for votes")
        if not st.is_open:
            raise ApiError(403, "closed", "this session is closed")
        if sid in st.voted.get(pid, set()) or (pid, sid) in self._claimed:
            raise ApiError(409, "already_voted", f"you already voted on statement {sid}")
        self._claimed.add((pid, sid))
        event = NewEvent(
            "vote", participant_id=pid, statement_id=sid, vote=vote, key=full_key, time_ms=now_ms()
        )
        try:
            seq = await self._commit(event, full_key)
        finally:
            self._claimed.discard((pid, sid))
        if seq is None:  # pragma: no cover - the log refused it (state out of step)
            raise ApiError(409, "already_voted", f"you already voted on statement {sid}")
        return {"ok": True, "duplicate": False, "next": self.next_statement(pid)}

    async def submit(self, pid: int, body: dict[str, Any]) -> dict[str, Any]:
        text = body.get("text")
        key = body.get("key")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "bad_text", "'text' must be a non-empty string")
        if len(text) > MAX_STATEMENT_CHARS:
            raise ApiError(
                413,
                "text_too_long",
                f"the statement is {len(text)} characters long; at most {MAX_STATEMENT_CHARS}",
            )
        if not _encodable(text):
            raise ApiError(400, "bad_text", "'text' is not valid Unicode (a lone surrogate)")
        if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
            raise ApiError(400, "bad_key", "'key' must be 1 to 64 letters, digits, '-' or '_'")
        full_key = f"s:{pid}:{key}"
        if await self._duplicate(full_key, ("statement", pid, None, None, text.strip())):
            return {"ok": True, "duplicate": True, "status": "received"}
        st = self.state
        if not st.is_open:
            raise ApiError(403, "closed", "this session is closed")
        if not st.settings.get("allow_submissions", True):
            raise ApiError(403, "submissions_off", "the facilitator is not taking statements now")
        self.check_rate(self.submit_limit, pid)
        moderation = 0 if st.settings.get("moderate_submissions", True) else 1
        sid = self._next_sid
        self._next_sid += 1
        event = NewEvent(
            "statement",
            participant_id=pid,
            statement_id=sid,
            text=text.strip(),
            value={"moderation": moderation},
            key=full_key,
            time_ms=now_ms(),
        )
        seq = await self._commit(event, full_key)
        if seq is None:  # pragma: no cover
            raise ApiError(409, "conflict", "please try again")
        status = "waiting for the facilitator" if moderation == 0 else "accepted"
        return {"ok": True, "duplicate": False, "statement_id": sid, "status": status}

    async def _duplicate(self, full_key: str, payload: tuple[Any, ...]) -> bool:
        """True when this idempotency key was already stored with the same payload."""
        fut = self._inflight.get(full_key)
        if fut is not None:
            with contextlib.suppress(Exception):
                await asyncio.shield(fut)
        seen = self.state.keys.get(full_key)
        if seen is None:
            return False
        kind, pid, sid, vote, text = seen
        same = (
            (kind, pid, sid, vote) == payload[:4]
            if kind == "vote"
            else (kind, pid, text) == (payload[0], payload[1], payload[4])
        )
        if not same:
            raise ApiError(
                409, "key_reused", "this request key was already used for a different request"
            )
        return True


def normalize_join_code(code: str | None, *, func: str = "LiveServer") -> str | None:
    """The configured join code without surrounding spaces; an empty or non-Unicode code is
    refused (``None`` means no code is required)."""
    if code is None:
        return None
    stripped = code.strip() if isinstance(code, str) else ""
    check_param(
        bool(stripped) and _encodable(stripped),
        "join_code",
        func,
        "a non-empty code (or None for no code)",
        code,
    )
    return stripped


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _code_matches(given: Any, code: str) -> bool:
    if not isinstance(given, str) or not _encodable(given):
        return False
    return hmac.compare_digest(given.strip().upper().encode(), code.upper().encode())


class _ServeLock:
    """An exclusive lock on ``<db>-serve.lock`` for as long as a server runs on ``db``."""

    def __init__(self, db: Path) -> None:
        self.path = db.with_name(db.name + "-serve.lock")
        self._fd: int | None = None
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX: no lock
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            raise CoprodError(
                f"another 'coprod serve' is already running on {db} (it holds {self.path}); "
                "stop it first: two servers on one database would hand out the same ids"
            ) from exc
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor releases the lock
            self._fd = None


def _quiet_log(handler: tornado.web.RequestHandler) -> None:
    status = handler.get_status()
    if status >= 500:
        log.error("%d %s", status, handler._request_summary())


# ---------------------------------------------------------------------- handlers
class _Base(tornado.web.RequestHandler):
    server: LiveServer

    def initialize(self, server: LiveServer) -> None:
        self.server = server

    def set_default_headers(self) -> None:
        for k, v in SECURITY_HEADERS.items():
            self.set_header(k, v)
        self.set_header("Server", "coprod")

    def reply(self, status: int, payload: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(payload, ensure_ascii=False))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, tornado.web.HTTPError) and status_code < 500:
            self.reply(status_code, {"error": exc.log_message or self._reason, "code": "http"})
        else:
            self.reply(status_code, {"error": "internal error", "code": "internal"})

    def body_json(self) -> dict[str, Any]:
        ctype = self.request.headers.get("Content-Type", "")
        if ctype.split(";", 1)[0].strip().lower() != "application/json":
            raise ApiError(
                415, "bad_content_type", "send the request body as Content-Type: application/json"
            )
        if len(self.request.body) > MAX_BODY_BYTES:
            raise ApiError(413, "too_large", f"request body over {MAX_BODY_BYTES} bytes")
        try:
            data = json.loads(self.request.body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "bad_json", f"the request body is not valid JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise ApiError(400, "bad_json", "the request body must be a JSON object")
        return data

    def token(self) -> str | None:
        auth = self.request.headers.get("Authorization", "")
        return auth[7:].strip() if auth.startswith("Bearer ") else None

    def authed(self) -> int:
        pid = self.server.participant(self.token())
        self.server.check_rate(self.server.request_limit, pid)
        return pid

    async def guarded(self, fn: Callable[[], Any]) -> None:
        try:
            result = fn()
            if asyncio.iscoroutine(result):
                result = await result
            self.reply(200, result)
        except ApiError as err:
            if err.status == 429:
                self.set_header("Retry-After", str(max(1, round(err.extra.get("retry_after", 1)))))
            self.reply(err.status, {"error": err.message, "code": err.code, **err.extra})


class _PageHandler(_Base):
    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish((STATIC_DIR / "participant.html").read_bytes())


class _StaticHandler(tornado.web.StaticFileHandler):
    def set_default_headers(self) -> None:
        for k, v in SECURITY_HEADERS.items():
            if k != "Cache-Control":
                self.set_header(k, v)


class _HealthHandler(_Base):
    def get(self) -> None:
        self.reply(200, {"ok": True})


class _NotFoundHandler(_Base):
    def prepare(self) -> None:
        self.reply(404, {"error": f"no such page or API: {self.request.path}", "code": "not_found"})


class _SessionHandler(_Base):
    def get(self) -> None:
        st = self.server.state
        self.reply(
            200,
            {
                "session_id": self.server.session_id,
                "title": st.title or "Live session",
                "open": st.is_open,
                "join_code_required": self.server.config.join_code is not None,
                "allow_submissions": bool(st.settings.get("allow_submissions", True)),
                "max_text": MAX_STATEMENT_CHARS,
            },
        )


class _JoinHandler(_Base):
    async def post(self) -> None:
        await self.guarded(
            lambda: self.server.join(
                self.body_json().get("join_code"), self.request.remote_ip or ""
            )
        )


class _NextHandler(_Base):
    async def get(self) -> None:
        def run() -> dict[str, Any]:
            pid = self.authed()
            return {"statement": self.server.next_statement(pid), **self.server.progress(pid)}

        await self.guarded(run)


class _VoteHandler(_Base):
    async def post(self) -> None:
        async def run() -> dict[str, Any]:
            pid = self.authed()
            out = await self.server.vote(pid, self.body_json())
            return {**out, **self.server.progress(pid)}

        await self.guarded(run)


class _StatementHandler(_Base):
    async def post(self) -> None:
        async def run() -> dict[str, Any]:
            pid = self.authed()
            return await self.server.submit(pid, self.body_json())

        await self.guarded(run)
