"""The one thread that writes to the session database: :class:`GroupCommitWriter`.

Request handlers never touch the database. They hand each validated event to this thread,
which appends whatever has queued up in ONE durable SQLite transaction (group commit,
``synchronous=FULL``) and only then resolves each event's future with its sequence number,
so a vote is acknowledged only once it is on disk. An event that cannot be stored fails
alone: the others of its batch are stored.

Under load (the last transaction held more than one event) a batch waits a few
milliseconds for more events before it commits (``gather_ms``, 5 by default): fewer, larger
transactions, about a tenth less CPU per answer on PostgreSQL (``benchmarks/bench_workers.py``).

Inside each transaction the writer first reads what other processes committed (a
facilitator's ``session close`` or ``activity close``) into its
:class:`~coprod_analytics.session.gate.AgendaGate` and refuses the queued votes and answers
that agenda no longer allows (:class:`~coprod_analytics.session.gate.Refused`): once a close
has committed, nothing committed after it is accepted, without waiting for the next poll.

When the database cannot be written (a full disk, a read-only file system), every event of
the batch fails with :class:`~coprod_analytics.session.store.StoreUnwritable` (nothing of it
is stored or acknowledged), :attr:`GroupCommitWriter.failure` says why until a later commit
succeeds, and the log gets one line per distinct failure per minute (never a traceback per
request).
"""

from __future__ import annotations

import asyncio
import logging
import os
import queue
import threading
import time

from coprod_analytics.session import NewEvent
from coprod_analytics.session.gate import AgendaGate, Refused
from coprod_analytics.session.store import BaseSessionStore, StoreUnwritable
from coprod_apps.live.ratelimit import LogLimiter

__all__ = ["GroupCommitWriter"]

log = logging.getLogger("coprod_apps.live.writer")

_Item = tuple[NewEvent, "asyncio.Future[int | None]"]


class GroupCommitWriter(threading.Thread):
    """Group-commits queued events in a thread, then resolves their futures in ``loop``.

    Parameters
    ----------
    store : BaseSessionStore
        The session store (:class:`SessionStore` on SQLite, ``PgSessionStore`` on
        PostgreSQL); the thread closes it when it stops.
    loop : asyncio.AbstractEventLoop
        The loop whose futures :meth:`submit` returns.
    max_batch : int, optional
        Most events per transaction (default: ``COPROD_LIVE_MAX_BATCH`` or 1000; 1 turns
        group commit off, the benchmark's baseline).
    gate : AgendaGate, optional
        The agenda as of the store's state (default: folded from the store now).
    gather_ms : float, optional
        Under load (the last transaction held more than one event), wait up to this many
        milliseconds for more events before committing: fewer, larger transactions, at the
        price of that much latency (default: ``COPROD_LIVE_GATHER_MS`` or 5; 0: never).

    Examples
    --------
    >>> import asyncio, tempfile, pathlib
    >>> from coprod_analytics.session import SessionStore, NewEvent
    >>> async def main(db):
    ...     writer = GroupCommitWriter(SessionStore(db), asyncio.get_running_loop())
    ...     writer.start()
    ...     seq = await writer.submit(NewEvent("join", participant_id=0))
    ...     writer.stop()
    ...     writer.join()
    ...     return seq
    >>> asyncio.run(main(pathlib.Path(tempfile.mkdtemp()) / "s.db")) > 0
    True
    """

    def __init__(
        self,
        store: BaseSessionStore,
        loop: asyncio.AbstractEventLoop,
        *,
        max_batch: int | None = None,
        gate: AgendaGate | None = None,
        gather_ms: float | None = None,
    ) -> None:
        super().__init__(name="coprod-session-writer", daemon=True)
        self.store = store
        self.gate = gate if gate is not None else AgendaGate.from_state(store.state())
        self.loop = loop
        self.q: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()
        #: transactions committed so far
        self.batches = 0
        #: why the last transaction failed (None once one succeeded again)
        self.failure: StoreUnwritable | None = None
        self._log_limit = LogLimiter(60.0)
        if max_batch is None:
            max_batch = int(os.environ.get("COPROD_LIVE_MAX_BATCH", "1000"))
        self.max_batch = max(1, max_batch)
        if gather_ms is None:
            gather_ms = float(os.environ.get("COPROD_LIVE_GATHER_MS", "5"))
        #: seconds a batch waits for more events when the last one held several (0: never)
        self.gather = max(0.0, gather_ms) / 1000

    def submit(self, event: NewEvent) -> asyncio.Future[int | None]:
        """Queue ``event`` for the next transaction.

        Parameters
        ----------
        event : NewEvent
            The event to store.

        Returns
        -------
        asyncio.Future
            Resolves to the event's sequence number once it is on disk (``None`` when the
            log refused it as a repeat), or to the exception that kept it out.
        """
        fut: asyncio.Future[int | None] = self.loop.create_future()
        self.q.put((event, fut))
        return fut

    def stop(self) -> None:
        """Ask the thread to commit what is queued and end (join it to wait)."""
        self.q.put(None)

    def run(self) -> None:
        """The thread's loop: take a batch, commit it, resolve its futures."""
        # SQLite: WAL checkpoints in a thread of their own, never inside a batch's commit
        housekeeping = self.store.background_checkpoints()
        try:
            self._loop()
        finally:
            if housekeeping is not None:
                housekeeping.stop()
            self.store.close()

    def _loop(self) -> None:
        stopping = False
        busy = False  # the last batch held more than one event
        while not stopping:
            item = self.q.get()
            if item is None:
                break
            batch = [item]
            deadline = time.monotonic() + self.gather if busy and self.gather > 0 else 0.0
            while len(batch) < self.max_batch:
                try:
                    nxt = self.q.get_nowait()
                except queue.Empty:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    try:  # busy: wait a moment for more (fewer, larger transactions)
                        nxt = self.q.get(timeout=left)
                    except queue.Empty:
                        break
                if nxt is None:
                    stopping = True
                    break
                batch.append(nxt)
            busy = len(batch) > 1
            self._commit(batch)

    def _log_once(self, failure: str, *, exc_info: BaseException | None = None) -> None:
        """Log ``failure`` unless it was logged less than a minute ago."""
        admit, skipped = self._log_limit.admit(failure)
        if admit:
            more = f" ({skipped} more like it in the last minute)" if skipped else ""
            log.error("%s%s", failure, more, exc_info=exc_info)

    def _commit(self, batch: list[_Item]) -> None:
        outcomes: list[int | BaseException | None]
        try:
            seqs = self.store.append_each([ev for ev, _ in batch], gate=self.gate)
        except StoreUnwritable as exc:  # disk full, read-only, I/O error: nothing stored
            self.failure = exc
            self._log_once(f"storing answers failed: {exc}")
            outcomes = [exc] * len(batch)
        except BaseException as exc:  # pragma: no cover - a bug: the traceback once a minute
            self._log_once(f"storing answers failed: {exc!r}", exc_info=exc)
            outcomes = [exc] * len(batch)
        else:
            self.batches += 1
            if self.failure is not None:
                where = getattr(self.store, "url", None) or getattr(self.store, "path", "")
                log.warning("storing answers works again (%s)", where)
                self.failure = None
            outcomes = list(seqs)
            for seq in seqs:
                if isinstance(seq, Exception) and not isinstance(seq, Refused):
                    self._log_once(f"an event could not be stored: {type(seq).__name__}")
        # one wake-up of the loop per batch (not one per event): it resolves them all
        self.loop.call_soon_threadsafe(_resolve, [fut for _, fut in batch], outcomes)


def _resolve(
    futures: list[asyncio.Future[int | None]], outcomes: list[int | BaseException | None]
) -> None:
    """Resolve each future with its event's sequence number or exception (in the loop)."""
    for fut, outcome in zip(futures, outcomes, strict=True):
        if fut.done():
            continue
        if isinstance(outcome, BaseException):
            fut.set_exception(outcome)
        else:
            fut.set_result(outcome)
