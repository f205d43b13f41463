"""Batched appends on PostgreSQL: two round trips per batch against one savepoint + INSERT
per event.

The participant server's writer hands the store a batch of queued events at a time
(``append_each``, with the agenda gate as the server passes it). ``PgSessionStore`` sends a
batch in libpq's pipeline mode: ``BEGIN``, the write lock and the gate's read in one round
trip, then ONE INSERT of the batch (``unnest`` of the columns, ``ON CONFLICT DO NOTHING
RETURNING``) and ``COMMIT`` in a second; it falls back to one savepoint and INSERT per event
only when PostgreSQL refuses a row. This benchmark measures events per second, and the CPU
per event of this process's thread and of its PostgreSQL backend (``/proc/PID/schedstat``),
at several batch sizes for the fallback path (the baseline), the batched path and SQLite,
all in this process, and prints the ratios.

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
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from coprod_analytics.session import NewEvent  # noqa: E402
from coprod_analytics.session.gate import AgendaGate  # noqa: E402
from coprod_analytics.session.open import open_store  # noqa: E402
from coprod_analytics.session.store import BaseSessionStore  # noqa: E402

N_EVENTS = 3000
BATCHES = (1, 10, 100, 1000)


def _cpu(pid: int | None) -> float:
    """CPU seconds of process ``pid`` so far (nanoseconds in ``/proc/PID/schedstat``)."""
    if pid is None:
        return 0.0
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0]) / 1e9


def _rate(store: BaseSessionStore, batch: int, start_pid: int) -> tuple[float, float, float]:
    """Events per second appending ``N_EVENTS`` votes (and their joins) ``batch`` at a time,
    and the CPU milliseconds per event of this thread and of the PostgreSQL backend."""
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
    gate = AgendaGate.from_state(store.state())
    conn: Any = getattr(store, "_conn", None)
    backend = conn.info.backend_pid if conn is not None and hasattr(conn, "info") else None
    t, c, b = time.perf_counter(), time.thread_time(), _cpu(backend)
    for at in range(0, N_EVENTS, batch):
        out = store.append_each(events[at : at + batch], gate=gate)
        assert all(isinstance(s, int) for s in out)
    wall = time.perf_counter() - t
    return (
        N_EVENTS / wall,
        1000 * (time.thread_time() - c) / N_EVENTS,
        1000 * (_cpu(backend) - b) / N_EVENTS,
    )


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
            print(
                f"{N_EVENTS} votes per run, events/s (higher is better); CPU ms per event "
                "(this thread + its PostgreSQL backend; lower is better)"
            )
            print(
                f"{'batch':>6} {'pg one-by-one':>14} {'pg batched':>14} {'ratio':>6} "
                f"{'sqlite':>9} {'pg/sqlite':>9} {'CPU one-by-one':>16} {'CPU batched':>14}"
            )
            for batch in BATCHES:
                pg.bulk_insert = False  # type: ignore[attr-defined]
                slow, slow_c, slow_b = _rate(pg, batch, pid)
                pid += N_EVENTS
                pg.bulk_insert = True  # type: ignore[attr-defined]
                fast, fast_c, fast_b = _rate(pg, batch, pid)
                pid += N_EVENTS
                sq = _rate(lite, batch, pid)[0]
                print(
                    f"{batch:>6} {slow:>14,.0f} {fast:>14,.0f} {fast / slow:>5.1f}x "
                    f"{sq:>9,.0f} {fast / sq:>8.2f}x "
                    f"{slow_c:>7.3f}+{slow_b:.3f} {fast_c:>7.3f}+{fast_b:.3f}"
                )
            pg.close()
            lite.close()
    finally:
        server.stop()
        shutil.rmtree(server.folder, ignore_errors=True)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
