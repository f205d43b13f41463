"""The participant server's write path (issue 18): the group-commit writer resolves every
event of a batch with its own outcome (one wake-up of the event loop per batch), and on
SQLite the WAL checkpoints run in a thread of their own, never inside a batch's commit."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from coprod_analytics.session import NewEvent, SessionStore, read_events
from coprod_apps.live.writer import GroupCommitWriter


def wait_until(cond, what: str, timeout: float = 120.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def _votes(n: int, start: int = 0) -> list[NewEvent]:
    return [
        NewEvent("statement", statement_id=start + i, text=f"Statement {start + i} " + "x" * 300)
        for i in range(n)
    ]


def test_commits_never_checkpoint_and_the_thread_does(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    wal = db.with_name("s.db-wal")
    store = SessionStore(db)
    work = store.background_checkpoints(interval=3600)  # the thread waits: none yet
    try:
        for b in range(40):  # ~10,000 pages of text: ten times the default autocheckpoint
            store.append_each(_votes(250, start=b * 250))
        size_before = db.stat().st_size
        # with SQLite's default, the commits themselves would have copied the log into the
        # database file past 1,000 pages; here it holds everything
        assert wal.stat().st_size > 4 * 1024 * 1024
        assert size_before < 1024 * 1024
    finally:
        work.stop()
    work = store.background_checkpoints(interval=0.01)
    try:
        wait_until(lambda: db.stat().st_size > 4 * 1024 * 1024, "the thread's checkpoint")
    finally:
        work.stop()
        store.close()
    assert read_events(db).filter(read_events(db)["kind"] == "statement").height == 10_000


def test_a_batch_is_resolved_event_by_event(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    SessionStore(db).close()

    async def main() -> list[object]:
        loop = asyncio.get_running_loop()
        writer = GroupCommitWriter(SessionStore(db), loop)
        # queued before the thread starts: they make one batch
        futs = [
            writer.submit(NewEvent("join", participant_id=1)),
            writer.submit(NewEvent("join", participant_id=1)),  # a second join: refused
            writer.submit(NewEvent("vote", participant_id=1, statement_id=0, vote=1, key="k")),
            writer.submit(NewEvent("statement", statement_id=5, text="bad \ud800")),  # alone
            writer.submit(NewEvent("vote", participant_id=1, statement_id=0, vote=1, key="k")),
        ]
        writer.start()
        out = await asyncio.gather(*futs, return_exceptions=True)
        writer.stop()
        await loop.run_in_executor(None, writer.join)
        assert writer.batches == 1
        return out

    out = asyncio.run(main())
    assert isinstance(out[0], int) and out[1] is None
    assert isinstance(out[2], int) and out[2] > out[0]
    assert isinstance(out[3], UnicodeEncodeError)
    assert out[4] is None  # the same key again: stored once
    events = read_events(db)
    assert events["kind"].to_list().count("join") == 1
    assert events["idem_key"].drop_nulls().to_list() == ["k"]
