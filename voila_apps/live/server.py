"""The participant server: a light HTML page and a small JSON API on its own port.

Participants' phones never get a Jupyter kernel (see VOILA_NOTES.md: a kernel per phone does
not scale); they load one static page and talk to this API.

Why tornado: it is already installed with Jupyter/Voila (the facilitator side), it is
asyncio-native, and one thread serves hundreds of keep-alive connections; the stdlib's
``ThreadingHTTPServer`` would need a thread per phone.

The server is put together from parts one can read one at a time:

- :mod:`~coprod_apps.live.rules` — what a join, a vote or a statement must satisfy, which
  statement comes next, idempotency (in memory, no HTTP, no threads);
- :mod:`~coprod_apps.live.ratelimit` — the token buckets the rules use;
- :mod:`~coprod_apps.live.writer` — the one writer thread (group commit: a vote is
  acknowledged only once it is on disk);
- :mod:`~coprod_apps.live.handlers` — the HTTP handlers and security headers;
- :mod:`~coprod_apps.live.hotpath` — the busiest calls (vote, answer, next, activities)
  answered without tornado's per-request handler machinery, exactly as the handlers would;
- :mod:`~coprod_apps.live.hotwire` — the listening sockets: plain requests of those calls
  read and answered straight off the socket, every other request handed to tornado;
- :mod:`~coprod_apps.live.lock` — one server per database;
- this module — the lifecycle: open the database (a SQLite file or a PostgreSQL URL, through
  :mod:`coprod_analytics.session.open`), start the writer, bind (or take sockets already
  bound: the workers of ``coprod serve --workers N``), poll for events other processes
  appended (the dashboard's moderation and settings, other workers' answers), recompute
  Pol.is priorities in a worker process (or read them from the file the parent writes),
  stop cleanly.

API (JSON; participant calls carry ``Authorization: Bearer <token>``)
---------------------------------------------------------------------
``GET /``
    the page, with its style, scripts, the catalog of the language picked (``?lang=``,
    ``--lang``, ``Accept-Language``) and the session's description inline, under a
    Content-Security-Policy nonce (:mod:`~coprod_apps.live.page`): on a weak signal a first
    visit is this document and one join.
``GET /api/session``
    title, open, join_code_required, allow_submissions, max_text, agenda (each activity's
    ``activity_id``, ``kind``, ``title``, ``open``).
``POST /api/join`` ``{"join_code": ...}``
    a new anonymous participant: ``{"token", "participant_id", "activities"}`` with what
    ``GET /api/activities`` would answer next, and ``next`` (what ``GET /api/next``
    would) when statements are open. Join attempts are rate
    limited per client address (wrong join codes much more strictly, before the code is
    even compared) and over the whole server.
``GET /api/next``
    the next statement for this participant (``{"statement": {"id", "text"} | null, ...}``).
``POST /api/vote`` ``{"statement_id", "vote": 1 | -1 | 0, "key"}``
    stores the vote; answers ``{"ok", "duplicate", "next"}``.
``POST /api/statements`` ``{"text", "key"}``
    submits a statement (waits for moderation unless the facilitator turned that off).
``GET /api/activities``
    the open activities with their items and this participant's own latest answers
    (``mine``); in Delphi round 2+ an estimate the participant answered in the previous
    round also carries ``previous`` (their answer and that round's anonymous distribution).
    Never anyone else's answers to an open question.
``POST /api/answer`` ``{"activity_id", "item_id", "key", ...fields}``
    stores an answer (fields per activity kind: see
    :mod:`coprod_analytics.session.activities`); answering again changes it (the latest
    counts). 400 ``bad_answer`` names the ``field``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
from pathlib import Path
from typing import Any

import tornado.httpserver
import tornado.netutil

from coprod_analytics.session import NewEvent
from coprod_analytics.session.gate import AgendaGate
from coprod_analytics.session.open import (
    EventReader,
    is_session_url,
    open_event_reader,
    open_store,
    probe_writable,
)
from coprod_analytics.session.store import BaseSessionStore, StoreUnwritable
from coprod_apps.live.config import ServerConfig
from coprod_apps.live.handlers import MAX_DISCARD_BYTES, make_app, parse_networks
from coprod_apps.live.hotpath import HotApplication
from coprod_apps.live.hotwire import HotFront
from coprod_apps.live.lock import Lock, serve_lock
from coprod_apps.live.rules import SessionRules
from coprod_apps.live.writer import GroupCommitWriter

__all__ = ["LiveServer"]

log = logging.getLogger("coprod_apps.live.server")


class LiveServer:
    """A live session's participant server (page + JSON API) over a session database.

    Parameters
    ----------
    db : str or Path
        The session database (created when missing): a SQLite file or a
        ``postgresql://`` URL.
    config : ServerConfig, optional
        Join code, rate limits, intervals (defaults: :class:`ServerConfig`).
    lock : bool, default True
        Take the one-server lock of the database (the workers of ``coprod serve --workers
        N`` leave it to their parent).

    Attributes
    ----------
    db : str or Path
        The session database (a ``Path``, or the URL as given).
    rules : SessionRules
        The session's rules and in-memory state (what the handlers call).
    port : int or None
        The bound port once started.

    Raises
    ------
    CoprodError
        When another server runs on the same database.
    StoreUnwritable
        When the database cannot be written (read-only, immutable, its folder read-only):
        a server that cannot store answers is not started.

    Notes
    -----
    Use :meth:`start` inside a running asyncio loop (tornado's IOLoop), or
    :func:`coprod_apps.live.serve.serve` for the whole ``coprod serve`` process.

    Examples
    --------
    >>> import asyncio, tempfile, pathlib
    >>> async def main(db):
    ...     server = LiveServer(db, ServerConfig(priority_interval=0))
    ...     port = await server.start("127.0.0.1", 0)
    ...     await server.stop()
    ...     return port > 0
    >>> asyncio.run(main(pathlib.Path(tempfile.mkdtemp()) / "s.db"))
    True
    """

    def __init__(
        self, db: str | os.PathLike[str], config: ServerConfig | None = None, *, lock: bool = True
    ) -> None:
        self.db: str | Path = str(db) if is_session_url(db) else Path(db)
        cfg = config or ServerConfig()
        self._trusted = parse_networks(cfg.trusted_proxies)
        self._lock: Lock | None = serve_lock(self.db) if lock else None
        store: BaseSessionStore | None = None
        try:
            store = open_store(self.db)
            meta = store.meta()
            self.rules = SessionRules(
                store.state(),
                secret=bytes.fromhex(meta["token_secret"]),
                session_id=meta["session_id"],
                config=cfg,  # the rules strip the join code and refuse an empty one
                write=self._write,
            )
        except BaseException:
            if self._lock is not None:
                self._lock.release()
            if store is not None:
                store.close()
            raise
        self.rules.refresh = self.poll_external
        self._store = store
        self._priority_votes = -1
        self._writer: GroupCommitWriter | None = None
        self._http: tornado.httpserver.HTTPServer | None = None
        self._front: HotFront | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._pool: Any = None
        self._reader: EventReader | None = None
        self._probed = 0.0
        self._priorities_mtime: int | None = None
        self.port: int | None = None

    @property
    def config(self) -> ServerConfig:
        """The configuration in force (join code stripped)."""
        return self.rules.config

    @property
    def session_id(self) -> str:
        """The session's id."""
        return self.rules.session_id

    # ------------------------------------------------------------------ lifecycle
    async def start(
        self, host: str = "127.0.0.1", port: int = 0, *, sockets: list[socket.socket] | None = None
    ) -> int:
        """Bind and start serving.

        Parameters
        ----------
        host : str, default "127.0.0.1"
            The interface to bind.
        port : int, default 0
            The port (0 picks a free one).
        sockets : list of socket, optional
            Listening sockets to serve instead of binding (a worker's share of its parent's
            socket); ``host`` and ``port`` are then ignored.

        Returns
        -------
        int
            The bound port.

        Raises
        ------
        OSError
            When the port cannot be bound (nothing is left running then).
        """
        loop = asyncio.get_running_loop()
        if any(a.kind == "pairwise" for a in self.rules.state.activities.values()):
            # imported on the first pairwise listing otherwise: numpy and the preferences
            # family take ~0.4 s, and every request waits for that first one
            import coprod_analytics.preferences.pairwise  # noqa: F401
        if sockets is None:
            sockets = tornado.netutil.bind_sockets(port, address=host, backlog=1024)
        try:
            self._reader = open_event_reader(self.db)
        except BaseException:
            for sock in sockets:
                sock.close()
            raise
        self._writer = GroupCommitWriter(
            self._store, loop, gate=AgendaGate.from_state(self.rules.state)
        )
        self._writer.start()
        app = make_app(self.rules, health=self.health, trusted_proxies=self._trusted)
        self._http = tornado.httpserver.HTTPServer(
            app, max_body_size=MAX_DISCARD_BYTES, idle_connection_timeout=120
        )
        if os.environ.get("COPROD_LIVE_TORNADO_ONLY"):  # tornado alone, as before the wire
            self._http.add_sockets(sockets)
        else:  # the busiest calls straight off the socket, the rest handed to tornado
            assert isinstance(app, HotApplication)
            self._front = HotFront(app, self._http)
            await self._front.serve(sockets)
        self.port = int(sockets[0].getsockname()[1])
        self._tasks.append(loop.create_task(self._poll_loop()))
        if self.config.priorities_file is not None:
            self._tasks.append(loop.create_task(self._priorities_file_loop()))
        elif self.config.priority_interval > 0:
            self._tasks.append(loop.create_task(self._priority_loop()))
        return self.port

    async def stop(self) -> None:
        """Stop accepting requests, commit every queued write and close the database."""
        if self._front is not None:
            await self._front.close()
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
        if self._reader is not None:
            with contextlib.suppress(Exception):
                self._reader.close()
        if self._lock is not None:
            self._lock.release()

    async def health(self) -> tuple[bool, dict[str, Any]]:
        """Whether the server can store answers: ``(ok, details)`` for ``/healthz``.

        After a failed write (a full disk, a read-only file system) the database's place is
        tried again at most once a second (a trial write beside it), so health recovers as
        soon as space returns, before the next vote.

        Returns
        -------
        (bool, dict)
            ``(True, {"store": "writable"})``, or ``(False, {"store": "unwritable",
            "reason": ..., "error": ...})``.
        """
        writer = self._writer
        if writer is None:
            return False, {"store": "not started"}
        failure = writer.failure
        if failure is not None:
            loop = asyncio.get_running_loop()
            if loop.time() - self._probed >= 1.0:
                self._probed = loop.time()
                try:
                    await loop.run_in_executor(None, probe_writable, self.db)
                except StoreUnwritable as exc:
                    failure = writer.failure = exc
                else:
                    writer.failure = failure = None
        if failure is not None:
            return False, {"store": "unwritable", "reason": failure.reason, "error": str(failure)}
        return True, {"store": "writable"}

    async def _write(self, event: NewEvent) -> int | None:
        if self._writer is None:
            raise RuntimeError("the server is not started")
        return await self._writer.submit(event)

    # ------------------------------------------------------------------ background
    async def _poll_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.poll_interval)
            try:
                self.poll_external()
            except Exception:  # pragma: no cover - a locked or vanished file
                log.exception("reading the session log failed")

    def poll_external(self) -> None:
        """Apply the events other processes appended (the dashboard's moderation, settings,
        other workers' joins and answers)."""
        if self._reader is None:
            return
        rules = self.rules
        seq = rules.skip_own_events()  # ours are folded in already
        rules.apply_external(self._reader.new_events(seq))

    async def _priorities_file_loop(self) -> None:
        """A worker's priorities: the parent computes them once for all workers and writes
        them to ``config.priorities_file``; read it whenever it changed."""
        path = Path(str(self.config.priorities_file))
        while True:
            try:
                mtime = path.stat().st_mtime_ns
                if mtime != self._priorities_mtime:
                    data = json.loads(path.read_text())
                    self.rules.priorities = {int(k): float(v) for k, v in data.items()}
                    self._priorities_mtime = mtime
            except FileNotFoundError:
                pass
            except (OSError, ValueError):  # pragma: no cover - replaced while read
                log.warning("the priorities file %s could not be read", path)
            await asyncio.sleep(self.config.poll_interval)

    async def _priority_loop(self) -> None:
        import concurrent.futures
        import multiprocessing
        import os

        from coprod_analytics.session.priority import compute_priorities

        self._pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_worker_init,  # dies with the server, leaves Ctrl+C to it
            initargs=(os.getpid(),),
        )
        loop = asyncio.get_running_loop()
        while True:
            n_votes = self.rules.state.n_vote_events
            if n_votes != self._priority_votes:
                self._priority_votes = n_votes
                try:
                    self.rules.priorities = await loop.run_in_executor(
                        self._pool, compute_priorities, str(self.db)
                    )
                except Exception:  # pragma: no cover - the worker process died
                    log.exception("priority computation failed; using fewest votes")
                    self.rules.priorities = {}
            await asyncio.sleep(self.config.priority_interval)


def _worker_init(server_pid: int) -> None:
    """In the priority worker: end with the server (even after a ``kill -9`` of it) and
    leave Ctrl+C to the server (no traceback from the worker)."""
    import signal

    from coprod_apps.launcher import watch_parent

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_parent(server_pid)
