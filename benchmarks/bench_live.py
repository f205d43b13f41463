"""Live inquiry under load: 200 simulated participants for 60 s on loopback, answering
every activity of the sample inquiry (statements, evidence, ratings, questions, plus a panel
poll and population questions), changing some answers.

Prints acknowledged votes and answers (and the latest ones by kind), lost (acknowledged but
not in the store: must be 0), duplicated (stored twice: must be 0), acceptance p50/p95 over
votes and answers (target p95 < 100 ms on 2 cores), the dashboard update latency p95 (an
answer acknowledged -> shown by the facilitator dashboard, refreshed as its poller does;
target < 1 s), the server's peak memory, and, as a baseline measured in the same run, the
same load against a naive server that commits each event in its own transaction (no group
commit).

With ``--priorities`` (issue 13): two sessions, one seeded from a real pabulib file (the
budget ballot; Warsaw 2023 Mokotow, approval, 81 projects) and one with the sample inquiry's
pairwise, ranking and open-question activities, each take the participants (arriving over
the first 80% of the duration) with a kill -9 of the server at half time and a restart on
the same port and database; per kind, what ``coprod info --json`` stores (``"tables"``)
against what the load generator acknowledged (``by_kind``), lost, duplicated, acceptance
p50/p95 (target < 100 ms), and, as the baseline, the same sessions without the kill.

Issue 18's target: ``--participants 1000`` (think time 0.5-1.5 s, so ~1,000 answers a second,
all joining at once) with p95 < 100 ms and nothing lost. The load average of the machine
before and after each run is printed: the figures mean little on a machine that other work
keeps busy (the load generator and the server share its cores and its disk).

Each run also prints the server's CPU per acknowledged vote or answer (all threads, and its
main thread: the event loop) and the cores the server and the load generator used.
``--baseline-src DIR`` makes the baseline the same load against the server run from the code
in ``DIR`` (a folder holding ``coprod_analytics/`` and ``coprod_apps/``, e.g. HEAD's files:
``git archive``), alternating ``--repeat`` times, and prints the ratios of p95 and CPU per
answer. ``--endpoints`` measures the server's main-thread CPU per request of each endpoint
(join, activities, next, answer, next + vote; 500 keep-alive clients), against
``--baseline-src`` when given: CPU time is far less sensitive to a busy machine than
latency. ``--profile OUT`` records the first server with py-spy (``.svg``: a flame graph;
any other name: collapsed stacks).

Run: .venv/bin/python benchmarks/bench_live.py [--participants 200] [--duration 60]
     .venv/bin/python benchmarks/bench_live.py --priorities [--no-baseline]
     .venv/bin/python benchmarks/bench_live.py --participants 1000 --duration 20 \
         --baseline-src /tmp/head --repeat 2
     .venv/bin/python benchmarks/bench_live.py --endpoints --baseline-src /tmp/head
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
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
from typing import Any

import polars as pl

from coprod_analytics.session import read_events
from coprod_analytics.session.activities import activities_from_inquiry
from coprod_analytics.session.open import open_store
from coprod_analytics.simulate import sample_inquiry
from coprod_apps.live.loadtest import LoadResult, run_load

ROOT = Path(__file__).resolve().parents[1]


def start_server(
    db: Path, env: dict[str, str] | None = None, port: int = 0, src: Path | None = None
) -> tuple[subprocess.Popen[str], str]:
    """Start ``coprod serve`` on ``db``; with ``src``, from the code in that folder (one
    holding ``coprod_analytics`` and ``coprod_apps``: see ``--baseline-src``)."""
    env = dict(env or {})
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(src), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
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
            str(port),
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


def cpu_seconds(pid: int) -> tuple[float, float]:
    """CPU seconds (user + system) used so far by process ``pid`` (all its threads) and by
    its main thread alone (the event loop; the writer thread is the rest)."""
    tick = os.sysconf("SC_CLK_TCK")

    def read(path: str) -> float:
        try:
            with open(path) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / tick  # utime, stime

    return read(f"/proc/{pid}/stat"), read(f"/proc/{pid}/task/{pid}/stat")


def start_profile(pid: int, out: str) -> subprocess.Popen[bytes]:
    """``py-spy record`` of the server until the returned process gets SIGINT: a flame graph
    in ``out`` (``.svg``), else collapsed stacks (one line per stack and its samples)."""
    exe = Path(sys.executable).with_name("py-spy")
    fmt = "flamegraph" if out.endswith(".svg") else "raw"
    return subprocess.Popen(
        [str(exe) if exe.exists() else "py-spy", "record", "-f", fmt, "-o", out, "--pid", str(pid)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


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


def seed(db: Path | str) -> None:
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
    with open_store(db, title="bench") as s:
        s.add_statements(inquiry)
        s.define_activities(
            [*defs, {"activity_id": "statements", "kind": "statements", "items": []}]
        )
        for d in [*defs, {"activity_id": "statements"}]:
            s.open_activity(str(d["activity_id"]))


def dashboard_latency(db: Path, stop: Any, out: Any) -> None:
    """Refresh the facilitator dashboard as its poller does; for each newly shown vote or
    answer, now - its time.

    The dashboard itself (:class:`~coprod_widgets.session.views.LiveDashboard`: the poll
    of the store AND the redraw of what changed), refreshed every ``interval`` (its
    default, which the dashboard notebook uses) from the start of the last refresh, as
    its poller does; the time of what it shows is read with the same kind of event reader
    (no scan of the whole log). Runs in a process of its own (as the dashboard's kernel
    does): folding thousands of answers a second holds the interpreter, and in the load
    generator's process it would delay the generator's own clock and inflate the
    acceptance latencies it measures. What the browser then takes to draw the widgets'
    new values is not in it.
    """
    from coprod_analytics.session.gc_pacing import IdleCollections
    from coprod_analytics.session.open import open_event_reader
    from coprod_widgets.session.views import LiveDashboard

    board = LiveDashboard(db, recompute_interval=1e9)
    reader = open_event_reader(str(db))
    seen = 0
    lat: list[float] = []
    took: list[float] = []  # seconds of each refresh that showed something new
    # per refresh: (wall-clock start, seconds, CPU seconds of this process, events read)
    when: list[tuple[float, float, float, int]] = []
    pacing = IdleCollections()  # as the dashboard's poller: full collections between refreshes
    pacing.start()
    while not stop.is_set():
        started, wall, cpu = time.monotonic(), time.time(), time.process_time()
        before = board.live.last_seq
        if board.refresh():
            pacing.changed()
            now = time.time()
            took.append(time.monotonic() - started)
            last = board.live.last_seq
            rows = reader.new_events(seen)
            lat.extend(
                now - r[8] / 1000 for r in rows if r[0] <= last and r[1] in ("vote", "answer")
            )
            seen = max([seen, *(r[0] for r in rows if r[0] <= last)])
            when.append((wall, took[-1], time.process_time() - cpu, last - before))
        pacing.idle()
        time.sleep(max(0.0, board.interval - (time.monotonic() - started)))
    pacing.stop()
    reader.close()
    out.put((lat, took, when, (pacing.collections, pacing.seconds)))


class DashboardWatch:
    """:func:`dashboard_latency` in a process of its own, from :meth:`start` to :meth:`p95_ms`."""

    def __init__(self, db: Path | str) -> None:
        #: p50 and p95 of the refreshes' durations, in ms (set by :meth:`p95_ms`)
        self.refresh_ms = (float("nan"), float("nan"))
        #: per refresh that showed something: (wall-clock start, seconds, CPU seconds,
        #: events read)
        self.refreshes: list[tuple[float, float, float, int]] = []
        #: full garbage collections the dashboard ran between refreshes: (count, seconds)
        self.collections = (0, 0.0)
        ctx = multiprocessing.get_context("spawn")
        self.stop, self.out = ctx.Event(), ctx.Queue()
        self.proc = ctx.Process(
            target=dashboard_latency, args=(db, self.stop, self.out), daemon=True
        )
        self.proc.start()

    def p95_ms(self, timeout: float = 300) -> float:
        """Stop watching; the p95 from acceptance to the view, in ms (NaN: nothing seen).
        The p50 and p95 of the refreshes' own durations are kept in :attr:`refresh_ms`."""
        self.stop.set()
        got, took, self.refreshes, self.collections = self.out.get(timeout=timeout)
        lat = sorted(x * 1000 for x in got)
        durations = sorted(x * 1000 for x in took)
        self.proc.join(60)
        self.refresh_ms = (_pct(durations, 0.5), _pct(durations, 0.95))
        return _pct(lat, 0.95)


def _pct(values: list[float], q: float) -> float:
    """The ``q`` quantile of sorted ``values`` (NaN when there are none)."""
    return values[int(q * (len(values) - 1))] if values else float("nan")


def run_once(
    label: str,
    participants: int,
    duration: float,
    env: dict[str, str] | None,
    ramp: float = 0.0,
    src: Path | None = None,
    profile: str | None = None,
) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-live-"))
    db = tmp / "s.db"
    seed(db)
    proc, url = start_server(db, env, src=src)
    spy = None if profile is None else start_profile(proc.pid, profile)
    watch = DashboardWatch(db)
    t0 = time.perf_counter()
    load0 = os.getloadavg()[0]
    cpu0 = cpu_seconds(proc.pid)
    gen0 = resource.getrusage(resource.RUSAGE_SELF)
    result = asyncio.run(
        run_load(url, participants=participants, duration=duration, seed=1, ramp=ramp)
    )
    wall = time.perf_counter() - t0
    cpu1 = cpu_seconds(proc.pid)
    gen1 = resource.getrusage(resource.RUSAGE_SELF)
    gen_cores = (gen1.ru_utime + gen1.ru_stime - gen0.ru_utime - gen0.ru_stime) / wall
    load1 = os.getloadavg()[0]
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(60)
    time.sleep(1.0)
    p95_dash = watch.p95_ms(timeout=120)
    peak = stop_server(proc)
    votes = read_events(db).filter(pl.col("kind").is_in(["vote", "answer"]))
    stored = {k.split(":", 2)[2] for k in votes["idem_key"].to_list()}
    acked = {v[3] for v in result.votes} | {a[5] for a in result.answers}
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
        "load_avg": (load0, load1),
        # server CPU per acknowledged vote or answer (joins and listings included)
        "cpu_ms": 1000 * (cpu1[0] - cpu0[0]) / max(1, result.acknowledged),
        "main_cpu_ms": 1000 * (cpu1[1] - cpu0[1]) / max(1, result.acknowledged),
        "main_cores": (cpu1[1] - cpu0[1]) / wall,
        "server_cores": (cpu1[0] - cpu0[0]) / wall,
        "generator_cores": gen_cores,
    }


# ------------------------------------------------------------------ CPU per request
async def _endpoint_load(url: str, n: int, clients: int) -> dict[str, tuple[float, int]]:
    """Per endpoint: the server's CPU seconds over ``n`` requests from ``clients``
    participants on keep-alive connections (a request at a time each), and the count."""
    import random

    from coprod_apps.live.loadtest import _Conn, _make_answer, check_loopback

    host, port = check_loopback(url)
    pid = int(os.environ["BENCH_SERVER_PID"])
    conns = [_Conn(host, port, 30.0) for _ in range(clients)]
    cpu0 = cpu_seconds(pid)[1]
    joined = await asyncio.gather(*(c.request("POST", "/api/join", {}) for c in conns))
    assert all(status == 200 for status, _ in joined), [s for s, _ in joined]
    tokens = [data["token"] for _, data in joined]
    out = {"POST /api/join": (cpu_seconds(pid)[1] - cpu0, clients)}
    refused = [0]

    def ok(got: tuple[int, Any]) -> tuple[int, Any]:
        refused[0] += got[0] != 200
        return got

    status, listing = await conns[0].request("GET", "/api/activities", None, tokens[0])
    assert status == 200, listing
    act = next(a for a in listing["activities"] if a["kind"] == "ratings")
    rng = random.Random(0)

    def answer() -> dict[str, Any]:
        item = rng.choice(act["items"])
        body = {"activity_id": act["activity_id"], "item_id": item["item_id"]}
        return {**body, **_make_answer(act, item, rng), "key": f"k{rng.getrandbits(64):x}"}

    async def vote(c: _Conn, token: str) -> None:
        st = ok(await c.request("GET", "/api/next", None, token))[1].get("statement")
        if st is not None:
            body = {"statement_id": st["id"], "vote": 1, "key": f"k{rng.getrandbits(64):x}"}
            ok(await c.request("POST", "/api/vote", body, token))

    calls: dict[str, Any] = {
        "GET /api/activities": lambda c, t: c.request("GET", "/api/activities", None, t),
        "GET /api/next": lambda c, t: c.request("GET", "/api/next", None, t),
        "POST /api/answer": lambda c, t: c.request("POST", "/api/answer", answer(), t),
        "GET /api/next + POST /api/vote": vote,
    }

    async def client(call: Any, left: list[int], c: _Conn, t: str) -> None:
        while left[0] > 0:
            left[0] -= 1
            got = await call(c, t)
            if got is not None:
                ok(got)

    for name, call in calls.items():
        left = [n]
        cpu0 = cpu_seconds(pid)[1]
        await asyncio.gather(
            *(client(call, left, c, t) for c, t in zip(conns, tokens, strict=True))
        )
        out[name] = (cpu_seconds(pid)[1] - cpu0, n)
    for c in conns:
        c.close()
    if refused[0]:
        print(f"  ({refused[0]} requests refused: the figures include them)")
    return out


def run_endpoints(
    label: str, n: int, src: Path | None, profile: str | None = None
) -> dict[str, float]:
    """Main-thread CPU ms per request of each endpoint, on the sample inquiry's session."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-live-cpu-"))
    db = tmp / "s.db"
    seed(db)
    proc, url = start_server(db, src=src)
    os.environ["BENCH_SERVER_PID"] = str(proc.pid)
    spy = None if profile is None else start_profile(proc.pid, profile)
    try:
        # 500 participants, a few requests each per endpoint: under the per-participant limit
        got = asyncio.run(_endpoint_load(url, n, 500))
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(60)
        stop_server(proc)
    return {name: 1000 * sec / count for name, (sec, count) in got.items()}


def main_endpoints(args: argparse.Namespace) -> None:
    print(
        f"bench_live --endpoints: main-thread CPU per request, {args.requests} requests per "
        f"endpoint from 500 keep-alive clients (500 joins); load average {os.getloadavg()[0]:.2f}"
    )
    runs: list[tuple[str, dict[str, float]]] = []
    for i in range(max(1, args.repeat)):
        profile = args.profile if i == 0 else None
        runs.append(("ours", run_endpoints("ours", args.requests, None, profile)))
        if args.baseline_src is not None:
            runs.append(("baseline", run_endpoints("baseline", args.requests, args.baseline_src)))
    names = list(runs[0][1])
    print(f"{'endpoint':34} {'ours ms':>9} {'baseline ms':>12} {'ratio':>6}")
    for name in names:
        ours = [r[name] for label, r in runs if label == "ours"]
        base = [r[name] for label, r in runs if label == "baseline"]
        o = sum(ours) / len(ours)
        if base:
            b = sum(base) / len(base)
            print(f"{name:34} {o:9.3f} {b:12.3f} {o / b:6.2f}")
        else:
            print(f"{name:34} {o:9.3f}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


# ------------------------------------------------------------------ issue 13: priorities
PB_FILE = "poland_warszawa_2023_mokotow.pb"


def seed_priorities(db: Path, which: str) -> None:
    """A session with every activity open: the budget of a real .pb file, or the sample
    inquiry's pairwise, ranking and open-question item lists."""
    from coprod_apps.live.serve import seed_session

    if which == "budget":
        shared = Path(os.environ.get("COPROD_SHARED_DATA", ROOT.parent / "shared" / "data"))
        source = shared / "pabulib" / PB_FILE
    else:
        source = db.parent / "priorities"
        source.mkdir()
        for name in ("pairwise_items", "ranking_items", "open_questions"):
            sample = ROOT / "data" / "sample-inquiry" / f"{name}.csv"
            (source / f"{name}.csv").write_bytes(sample.read_bytes())
    print(f"  {seed_session(db, source, open_activities=True)}")


def stored_tables(db: Path) -> dict[str, int]:
    """``coprod info SESSION.db --json`` ``"tables"``."""
    out = subprocess.run(
        [sys.executable, "-m", "coprod_analytics.cli", "info", str(db), "--json"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return dict(json.loads(out.stdout)["tables"])


def run_priorities(which: str, participants: int, duration: float, kill: bool) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix=f"bench-live-{which}-"))
    db = tmp / "s.db"
    seed_priorities(db, which)
    proc, url = start_server(db)
    port = int(url.rstrip("/").rsplit(":", 1)[1])
    box: dict[str, object] = {}

    def load() -> None:
        box["r"] = asyncio.run(
            run_load(
                url,
                participants=participants,
                duration=duration,
                seed=1,
                ramp=0.8 * duration,
                progress=False,
            )
        )

    t0 = time.perf_counter()
    thread = threading.Thread(target=load)
    thread.start()
    killed_at = None
    if kill:
        thread.join(duration / 2)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)
        killed_at = time.perf_counter() - t0
        proc, _ = start_server(db, port=port)
    thread.join()
    wall = time.perf_counter() - t0
    peak = stop_server(proc)
    result = box["r"]
    assert isinstance(result, LoadResult)
    events = read_events(db).filter(
        pl.col("kind").is_in(["vote", "answer"])
        | ((pl.col("kind") == "statement") & pl.col("idem_key").is_not_null())
    )
    stored = {k.split(":", 2)[2] for k in events["idem_key"].to_list()}
    acked = {a[5] for a in result.answers} | {x[4] for x in result.texts}
    tables = stored_tables(db)
    return {
        "label": f"{which}: {'kill -9 at ' + format(killed_at, '.0f') + ' s' if kill else 'no kill'}",
        "acknowledged": result.acknowledged,
        "by_kind": result.by_kind,
        "stored": {k: tables.get(k) for k in result.by_kind},
        "lost": len(acked - stored),
        "duplicated": events.height - len(stored),
        "errors": result.errors,
        "error_messages": result.error_messages,
        "retries": result.retries,
        "p50_ms": result.p50_ms,
        "p95_ms": result.p95_ms,
        "server_peak_mb": peak,
        "wall_s": wall,
    }


def main_priorities(args: argparse.Namespace) -> None:
    print(
        f"bench_live --priorities: {args.participants} participants x {args.duration:g} s "
        f"(arriving over {0.8 * args.duration:g} s), think 0.5-1.5 s, loopback, "
        f"{os.cpu_count()} cores"
    )
    rows = []
    for which in ("budget", "priorities"):
        rows.append(run_priorities(which, args.participants, args.duration, kill=True))
        if not args.no_baseline:
            rows.append(run_priorities(which, args.participants, args.duration, kill=False))
    ok = True
    for r in rows:
        same = r["stored"] == r["by_kind"]
        ok = ok and same and r["lost"] == 0 and r["duplicated"] == 0
        print(f"\n{r['label']}")
        print(f"  acknowledged              {r['acknowledged']:>8}  (retries {r['retries']})")
        print(
            "  acknowledged by kind      " + ", ".join(f"{k} {n}" for k, n in r["by_kind"].items())
        )
        print(
            "  stored (coprod info)      " + ", ".join(f"{k} {n}" for k, n in r["stored"].items())
        )
        print(f"  stored == acknowledged    {'yes' if same else 'NO'}")
        print(f"  lost / duplicated         {r['lost']:>8} / {r['duplicated']}")
        print(f"  errors                    {r['errors']:>8}  {r['error_messages'] or ''}")
        print(
            f"  acceptance p50 / p95      {r['p50_ms']:>8.1f} / {r['p95_ms']:.1f} ms (target p95 < 100)"
        )
        after = " (after the restart)" if "kill -9" in r["label"] else ""
        print(f"  server peak memory        {r['server_peak_mb']:>8} MB{after}")
    if not args.no_baseline:
        for i in (0, 2):
            ratio = rows[i]["p95_ms"] / rows[i + 1]["p95_ms"]
            print(
                f"\np95 ratio with kill / without ({rows[i]['label'].split(':')[0]}): {ratio:.2f}"
            )
    sys.exit(0 if ok else 1)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--participants", type=int, default=200)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument(
        "--ramp",
        type=float,
        default=0.0,
        help="seconds over which the participants arrive (0: all at once)",
    )
    ap.add_argument(
        "--priorities",
        action="store_true",
        help="issue 13: a pabulib budget session and a pairwise/ranking/open-question "
        "session, each with a kill -9 at half time",
    )
    ap.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="the baseline is the same load against the server run from the code in this "
        "folder (holding coprod_analytics/ and coprod_apps/, e.g. HEAD's files), instead of "
        "one transaction per vote; the two alternate --repeat times",
    )
    ap.add_argument("--repeat", type=int, default=1, help="runs of each (alternating)")
    ap.add_argument(
        "--profile",
        default=None,
        help="py-spy profile of our server's first run: a flame graph (.svg) or collapsed "
        "stacks (any other name)",
    )
    ap.add_argument(
        "--endpoints",
        action="store_true",
        help="main-thread CPU per request of each endpoint (ratios against --baseline-src)",
    )
    ap.add_argument("--requests", type=int, default=3000, help="per endpoint (--endpoints)")
    args = ap.parse_args()
    if args.endpoints:
        main_endpoints(args)
        return
    if args.priorities:
        main_priorities(args)
        return
    print(
        f"bench_live: {args.participants} participants x {args.duration:g} s, "
        f"think 0.5-1.5 s, loopback, {os.cpu_count()} cores"
    )
    rows = []
    for i in range(max(1, args.repeat)):
        rows.append(
            run_once(
                "coprod serve (group commit)",
                args.participants,
                args.duration,
                None,
                args.ramp,
                profile=args.profile if i == 0 else None,
            )
        )
        if args.baseline_src is not None:
            rows.append(
                run_once(
                    f"baseline: the server from {args.baseline_src}",
                    args.participants,
                    args.duration,
                    None,
                    args.ramp,
                    src=args.baseline_src,
                )
            )
        elif not args.no_baseline:
            rows.append(
                run_once(
                    "baseline: one transaction per vote or answer",
                    args.participants,
                    args.duration,
                    {"COPROD_LIVE_MAX_BATCH": "1"},
                    args.ramp,
                )
            )
    ours = rows[0]
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
        print(
            f"  server CPU per answer     {r['cpu_ms']:>8.3f} ms (main thread "
            f"{r['main_cpu_ms']:.3f} ms, {r['main_cores']:.2f} core)"
        )
        print(
            f"  cores used: server        {r['server_cores']:>8.2f}  (load generator "
            f"{r['generator_cores']:.2f})"
        )
        print(f"  machine load average      {r['load_avg'][0]:>8.2f} -> {r['load_avg'][1]:.2f}")
    if len(rows) >= 2:
        mine, base = rows[0::2], rows[1::2]

        def mean(rs: list[dict], k: str) -> float:
            return sum(r[k] for r in rs) / len(rs)

        print(f"\np95 ratio ours / baseline: {mean(mine, 'p95_ms') / mean(base, 'p95_ms'):.2f}")
        print(
            f"server CPU per answer ratio ours / baseline: "
            f"{mean(mine, 'cpu_ms') / mean(base, 'cpu_ms'):.2f} "
            f"(main thread {mean(mine, 'main_cpu_ms') / mean(base, 'main_cpu_ms'):.2f})"
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    print(f"load generator peak memory: {own} MB")
    ok = all(r["lost"] == 0 and r["duplicated"] == 0 for r in rows if r["label"] == ours["label"])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
