"""Full garbage collections between the live dashboard's refreshes (IdleCollections): the
interpreter starts none itself while a poller runs, the poller runs them when due, and the
interpreter's thresholds come back when the last poller stops."""

from __future__ import annotations

import asyncio
import gc
import weakref
from pathlib import Path

import pytest

from coprod_analytics.session import SessionStore
from coprod_analytics.session.gc_pacing import IdleCollections


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def _cycle_in_the_old_generation() -> weakref.ref[_Node]:
    """A reference cycle that only a full collection can free: it survives a full
    collection while still referenced (so it sits in the oldest generation), then is
    dropped."""
    a, b = _Node(), _Node()
    a.other, b.other = b, a
    ref = weakref.ref(a)
    gc.collect()
    del a, b
    return ref


def test_the_interpreter_starts_no_full_collection_while_on_and_gets_its_thresholds_back() -> None:
    before = gc.get_threshold()
    with IdleCollections() as one:
        assert gc.get_threshold()[:2] == before[:2]  # the young generations as usual
        assert gc.get_threshold()[2] >= 2**31 - 1
        with IdleCollections():
            assert gc.get_threshold()[2] >= 2**31 - 1
        assert gc.get_threshold()[2] >= 2**31 - 1  # the other one still runs
        one.stop()
        assert gc.get_threshold() == before
        one.stop()  # stopping twice changes nothing
    assert gc.get_threshold() == before


def test_a_collection_runs_when_due_and_only_after_a_change() -> None:
    with IdleCollections(every=0.0) as pacing:
        ref = _cycle_in_the_old_generation()
        junk = [[i] for i in range(50_000)]  # young collections run; none reaches the cycle
        del junk
        assert ref() is not None
        assert not pacing.idle()  # nothing changed since it started
        pacing.changed()
        assert pacing.idle() and ref() is None
        assert pacing.collections == 1 and pacing.seconds >= 0.0
        assert not pacing.idle()  # nothing changed since
    with IdleCollections(every=3600.0) as slow:
        slow.changed()
        assert not slow.idle()  # not due for an hour
    off = IdleCollections(every=0.0)
    off.changed()
    assert not off.idle()  # never started: the interpreter collects


def test_the_dashboard_poller_runs_them_and_gives_them_back(tmp_path: Path) -> None:
    from coprod_widgets.session.views import LiveDashboard

    db = tmp_path / "s.db"
    with SessionStore(db, title="gc") as s:
        (sid,) = s.add_statements(["Buses first"])
        pid = s.join()
    board = LiveDashboard(db, interval=0.05)
    before = gc.get_threshold()

    async def run() -> None:
        task = board.start()
        while gc.get_threshold()[2] < 2**31 - 1:  # the poller took the collections over
            await asyncio.sleep(0.01)
        with SessionStore(db) as s:
            s.record_vote(pid, sid, 1)
        while board.live.state.n_vote_events < 1:
            await asyncio.sleep(0.01)  # the poller showed the vote
        board.stop()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(run())
    assert gc.get_threshold() == before
