"""Batched appends on PostgreSQL: one INSERT per batch against one savepoint + INSERT per event.

The participant server's writer hands the store a batch of queued events at a time
(``append_each``). ``PgSessionStore`` inserts a batch in ONE statement (``unnest`` of the
columns, ``ON CONFLICT DO NOTHING RETURNING``) and falls back to one savepoint and INSERT per
event only when that statement fails. This benchmark measures events per second at several
batch sizes for the fallback path (the old behaviour, the baseline), the one-statement path
and SQLite, all in this process, and prints the ratios.

Starts its own PostgreSQL as ``tests/pg.py`` does (Debian's ``postgresql``; as root it runs
as the ``postgres`` user). That server runs with ``fsync=off``, so the figures are the
round trips and the server's work, not the disk's; the ratio is what the change buys.

Run: ``.venv/bin/python benchmarks/bench_pg_store.py``
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from coprod_analytics.session import NewEvent  # noqa: E402
from coprod_analytics.session.open import open_store  # noqa: E402
from coprod_analytics.session.store import BaseSessionStore  # noqa: E402

N_EVENTS = 3000
BATCHES = (1, 10, 100, 1000)


def _rate(store: BaseSessionStore, batch: int, start_pid: int) -> float:
    """Events per second appending ``N_EVENTS`` votes (and their joins) ``batch`` at a time."""
    n_people = N_EVENTS // 10
    store.append_each([NewEvent("join", participant_id=start_pid + p) for p in range(n_people)])
    events = [
        NewEvent(
            "vote",
            participant_id=start_pid + i % n_people,
            statement_id=i % 10,
            vote=(i % 3) - 1,
            key=f"v:{start_pid}:{i}",
        )
        for i in range(N_EVENTS)
    ]
    t = time.perf_counter()
    for at in range(0, N_EVENTS, batch):
        out = store.append_each(events[at : at + batch])
        assert all(isinstance(s, int) for s in out)
    return N_EVENTS / (time.perf_counter() - t)


def main() -> None:
    from pg import _start, fresh_database

    server = _start()
    tmp = Path(tempfile.mkdtemp(prefix="coprod-bench-pg-"))
    try:
        with fresh_database(server) as url:
            pg = open_store(url)
            lite = open_store(tmp / "s.db")
            for s in (pg, lite):
                s.add_statements([f"Statement {i}" for i in range(10)])
            pid = 0
            print(f"{N_EVENTS} votes per run, events/s (higher is better)")
            print(
                f"{'batch':>6} {'pg one-by-one':>14} {'pg one INSERT':>14} {'ratio':>6} "
                f"{'sqlite':>9} {'pg/sqlite':>9}"
            )
            for batch in BATCHES:
                pg.bulk_insert = False  # type: ignore[attr-defined]
                slow = _rate(pg, batch, pid)
                pid += N_EVENTS
                pg.bulk_insert = True  # type: ignore[attr-defined]
                fast = _rate(pg, batch, pid)
                pid += N_EVENTS
                sq = _rate(lite, batch, pid)
                print(
                    f"{batch:>6} {slow:>14,.0f} {fast:>14,.0f} {fast / slow:>5.1f}x "
                    f"{sq:>9,.0f} {fast / sq:>8.2f}x"
                )
            pg.close()
            lite.close()
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
