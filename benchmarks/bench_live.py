"""Live inquiry under load: 200 simulated participants for 60 s on loopback, answering
every activity of the sample inquiry (statements, evidence, ratings, questions, plus a panel
poll and population questions), changing some answers.

Prints acknowledged votes and answers (and the latest ones by kind), lost (acknowledged but
not in the store: must be 0), duplicated (stored twice: must be 0), acceptance p50/p95 over
votes and answers (target p95 < 100 ms on 2 cores), the dashboard update latency p95 (an
answer acknowledged -> visible to the store-polling dashboard state, polling every 0.25 s;
target < 1 s), the server's peak memory, and, as a baseline measured in the same run, the
same load against a naive server that commits each event in its own transaction (no group
commit).

Run: .venv/bin/python benchmarks/bench_live.py [--participants 200] [--duration 60]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import polars as pl

from coprod_analytics.session import SessionStore, read_events
from coprod_analytics.session.activities import activities_from_inquiry
from coprod_analytics.session.live import LiveSession
from coprod_analytics.simulate import sample_inquiry
from coprod_apps.live.loadtest import run_load

ROOT = Path(__file__).resolve().parents[1]


def start_server(db: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coprod_analytics.cli",
            "serve",
            str(db),
            "--no-dashboard",
            "--no-qr",
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        cwd=ROOT,
        env={**os.environ, **(env or {})},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        m = re.match(r"Participants: (\S+)", line)
        if m:
            threading.Thread(target=lambda: [None for _ in proc.stdout or []], daemon=True).start()
            return proc, m.group(1)
    raise RuntimeError("server did not start")


def stop_server(proc: subprocess.Popen[str]) -> int:
    """Stop and return the server's peak RSS in MB (from /proc while alive)."""
    peak = 0
    try:
        with open(f"/proc/{proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) // 1024
    except OSError:
        pass
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(30)
    return peak


def seed(db: Path) -> None:
    """The sample inquiry's statements and activities, plus a panel poll and population
    questions, all open."""
    inquiry = sample_inquiry().with_tables(
        population={
            "attribute": ["age_band"] * 3 + ["area"] * 2,
            "category": ["16-34", "35-64", "65+", "Riverside", "elsewhere"],
            "share": [0.3, 0.5, 0.2, 0.2, 0.8],
        }
    )
    panel = pl.DataFrame(
        {"item_id": [1, 2], "text": ["Buses serve me well", "I trust the council"]}
    )
    defs = activities_from_inquiry(inquiry, panel_items=panel)
    with SessionStore(db, title="bench") as s:
        s.add_statements(inquiry)
        s.define_activities(
            [*defs, {"activity_id": "statements", "kind": "statements", "items": []}]
        )
        for d in [*defs, {"activity_id": "statements"}]:
            s.open_activity(str(d["activity_id"]))


def dashboard_latency(db: Path, stop: threading.Event, out: list[float]) -> None:
    """Poll like the dashboard does; for each newly visible vote or answer, now - its time."""
    live = LiveSession(db, recompute_interval=1e9)
    seen = 0
    while not stop.is_set():
        if live.poll():
            now = time.time()
            new = read_events(db, since=seen).filter(
                (pl.col("seq") <= live.last_seq) & pl.col("kind").is_in(["vote", "answer"])
            )
            seen = live.last_seq
            out.extend(now - t / 1000 for t in new.get_column("time_ms").to_list())
        time.sleep(0.25)


def run_once(label: str, participants: int, duration: float, env: dict[str, str] | None) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-live-"))
    db = tmp / "s.db"
    seed(db)
    proc, url = start_server(db, env)
    stop = threading.Event()
    lat: list[float] = []
    poller = threading.Thread(target=dashboard_latency, args=(db, stop, lat))
    poller.start()
    t0 = time.perf_counter()
    result = asyncio.run(run_load(url, participants=participants, duration=duration, seed=1))
    wall = time.perf_counter() - t0
    time.sleep(1.0)
    stop.set()
    poller.join()
    peak = stop_server(proc)
    votes = read_events(db).filter(pl.col("kind").is_in(["vote", "answer"]))
    stored = {k.split(":", 2)[2] for k in votes["idem_key"].to_list()}
    acked = {v[3] for v in result.votes} | {a[5] for a in result.answers}
    lat_ms = sorted(x * 1000 for x in lat)
    p95_dash = lat_ms[int(0.95 * (len(lat_ms) - 1))] if lat_ms else float("nan")
    return {
        "label": label,
        "acknowledged": result.acknowledged,
        "by_kind": result.by_kind,
        "lost": len(acked - stored),
        "duplicated": votes.height - len(stored),
        "errors": result.errors,
        "p50_ms": result.p50_ms,
        "p95_ms": result.p95_ms,
        "dashboard_p95_ms": p95_dash,
        "server_peak_mb": peak,
        "wall_s": wall,
        "votes_per_s": result.acknowledged / duration,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--participants", type=int, default=200)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--no-baseline", action="store_true")
    args = ap.parse_args()
    print(
        f"bench_live: {args.participants} participants x {args.duration:g} s, "
        f"think 0.5-1.5 s, loopback, {os.cpu_count()} cores"
    )
    ours = run_once("coprod serve (group commit)", args.participants, args.duration, None)
    rows = [ours]
    if not args.no_baseline:
        rows.append(
            run_once(
                "baseline: one transaction per vote or answer",
                args.participants,
                args.duration,
                {"COPROD_LIVE_MAX_BATCH": "1"},
            )
        )
    for r in rows:
        print(f"\n{r['label']}")
        print(f"  acknowledged              {r['acknowledged']:>8}  ({r['votes_per_s']:.0f}/s)")
        print(
            "  latest by kind            " + ", ".join(f"{k} {n}" for k, n in r["by_kind"].items())
        )
        print(f"  lost / duplicated         {r['lost']:>8} / {r['duplicated']}")
        print(f"  errors                    {r['errors']:>8}")
        print(
            f"  acceptance p50 / p95      {r['p50_ms']:>8.1f} / {r['p95_ms']:.1f} ms (target p95 < 100)"
        )
        print(f"  dashboard update p95      {r['dashboard_p95_ms']:>8.0f} ms (target < 1000)")
        print(f"  server peak memory        {r['server_peak_mb']:>8} MB")
    if len(rows) == 2:
        print(f"\np95 ratio ours / baseline: {rows[0]['p95_ms'] / rows[1]['p95_ms']:.2f}")
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"load generator peak memory: {own} MB")
    ok = ours["lost"] == 0 and ours["duplicated"] == 0
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
