"""``coprod serve --workers 2`` on PostgreSQL under load, one worker killed with -9 midway.

2,000 simulated participants (think time 0.5-1.5 s, arriving evenly over the first
``--ramp`` seconds, 10 by default: a room joining within a minute, and the server's join
limit of 100 a second per worker with bursts of 1,000; then about 2,000 answers a second) answer every activity of the sample inquiry (as ``benchmarks/bench_live.py``
seeds it) against ``coprod serve postgresql://... --workers 2``; at half time one worker is
killed with ``kill -9`` and the parent starts it again. Prints acknowledged answers, lost
(acknowledged but not stored: must be 0), duplicated (stored twice: must be 0), errors,
retries, acceptance p50/p95 (target p95 < 100 ms; the latency of an answer includes its
retries), and, as the baseline measured in the same run, the same load on the same
PostgreSQL with ``--workers 1`` and no kill; the ratio of the two p95s; and how busy the
machine was (load average, CPU seconds of the load generator).

The PostgreSQL server is Debian's, started here in a temporary folder (initdb + pg_ctl; as
root it runs as the ``postgres`` user, as ``tests/pg.py`` does) WITH ``fsync`` (the tests'
server runs without it): a commit is on disk before an answer is acknowledged.

Run: .venv/bin/python benchmarks/bench_workers.py [--participants 2000] [--duration 60]
     [--workers 2] [--ramp 10] [--no-baseline] [--no-kill] [--baseline-src DIR]
     [--profile OUT] [--dashboard]

``--dashboard`` also runs the facilitator's view in a process of its own, polling the
database and redrawing as the dashboard does (``LiveDashboard.refresh`` every 0.5 s, its
poller's cadence), and prints the p95 from an
answer's acceptance to the moment that view holds it, for the answers of every worker
(target < 1 s). It is left out by default: folding every answer costs CPU, which on 2 cores
the workers would feel.

Each run prints the CPU seconds per acknowledged answer of the server's processes (the
workers apart) and of PostgreSQL: far less sensitive to a busy machine than latency.
``--baseline-src DIR`` makes the baseline the same run against the code in ``DIR``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import polars as pl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_live import seed  # noqa: E402

from coprod_analytics.session import read_events  # noqa: E402
from coprod_apps.live.loadtest import LoadResult, run_load  # noqa: E402


def start_postgres() -> object:
    """Debian's PostgreSQL in a temporary folder, with fsync (unlike the tests' server)."""
    import pg

    bindir = pg._bindir()
    if bindir is None:
        sys.exit("PostgreSQL is missing: run bash scripts/ensure-postgres.sh")
    as_user: list[str] = []
    folder = Path(tempfile.mkdtemp(prefix="bench-workers-pg-"))
    if os.geteuid() == 0:
        as_user = ["runuser", "-u", "postgres", "--"]
        shutil.chown(folder, "postgres", "postgres")
    folder.chmod(0o700)
    (folder / "socket").mkdir()
    if as_user:
        shutil.chown(folder / "socket", "postgres", "postgres")
    server = pg.PgServer(folder, pg._free_port(), as_user, bindir)
    init = server.run(
        str(bindir / "initdb"), "-D", str(folder / "data"), "-U", "postgres", "-A", "trust"
    )
    if init.returncode:
        sys.exit(f"initdb failed: {init.stderr}")
    options = (
        f"-p {server.port} -k {server.socket_dir} -c listen_addresses=127.0.0.1 "
        "-c max_connections=60 -c shared_buffers=256MB"
    )
    started = server.run(
        str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-o", options,
        "-l", str(folder / "server.log"), "-w", "-t", "60", "start",
    )  # fmt: skip
    if started.returncode:
        sys.exit(f"pg_ctl start failed: {started.stderr}")
    return server


def _proc_stats() -> dict[int, tuple[int, int, float]]:
    """Every process's ``(ppid, pgrp, CPU seconds)`` from ``/proc``."""
    tick = os.sysconf("SC_CLK_TCK")
    out: dict[int, tuple[int, int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(entry)] = (
            int(fields[1]),
            int(fields[2]),
            (int(fields[11]) + int(fields[12])) / tick,
        )
    return out


class CpuSampler(threading.Thread):
    """CPU seconds of the server's processes (its process group: the workers, a worker killed
    midway counted up to its last sample, and the parent with its priority process) and of PostgreSQL (the postmaster
    and its children), sampled every 0.2 s until :meth:`finish`."""

    def __init__(self, pgrp: int, postmaster: int | None) -> None:
        super().__init__(daemon=True)
        self.pgrp, self.postmaster = pgrp, postmaster
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}
        self.kind: dict[int, str] = {}
        self.done = threading.Event()
        self._sample()

    def _sample(self) -> None:
        for pid, (ppid, pgrp, cpu) in _proc_stats().items():
            if pgrp == self.pgrp:
                kind = "parent"  # and the process computing the Pol.is priorities
                if pid not in self.kind:
                    try:
                        with open(f"/proc/{pid}/environ", "rb") as f:
                            if b"COPROD_SERVE_WORKER=" in f.read():
                                kind = "workers"
                    except OSError:
                        continue
                else:
                    kind = self.kind[pid]
            elif self.postmaster is not None and self.postmaster in (pid, ppid):
                kind = "postgres"
            else:
                continue
            self.kind[pid] = kind
            self.first.setdefault(pid, cpu if not self.last else 0.0)
            self.last[pid] = cpu

    def run(self) -> None:
        while not self.done.wait(0.2):
            self._sample()

    def finish(self) -> dict[str, float]:
        self.done.set()
        self.join()
        self._sample()
        out = {"workers": 0.0, "parent": 0.0, "postgres": 0.0}
        for pid, cpu in self.last.items():
            out[self.kind[pid]] += cpu - self.first[pid]
        return out


def _pg_counts(url: str) -> tuple[int, int]:
    """Transactions committed so far in the database of ``url``, and rows of ``events``
    read by sequential scans (PostgreSQL's statistics; the second should stay near 0:
    every query of a running server goes through an index)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_stat_force_next_flush()")
        row = conn.execute(
            "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()),"
            " (SELECT coalesce(seq_tup_read, 0) FROM pg_stat_user_tables WHERE relname = 'events')"
        ).fetchone()
    return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)


def _postmaster(folder: Path) -> int | None:
    """The PostgreSQL server's pid (first line of its ``postmaster.pid``)."""
    try:
        return int((folder / "data" / "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


class Served:
    """``coprod serve URL --workers N --port 0``: its address and its workers' pids."""

    def __init__(self, url: str, workers: int, port: int = 0, src: Path | None = None) -> None:
        env = dict(os.environ)
        if src is not None:  # the code in that folder (coprod_analytics/, coprod_apps/)
            env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "coprod_analytics.cli", "serve", url),
                *("--workers", str(workers), "--port", str(port), "--no-qr", "--no-dashboard"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            cwd=ROOT,
            env=env,
        )
        self.lines: list[str] = []
        self.url = ""
        self.pids: list[int] = []
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)
            if m := re.match(r"Participants: (\S+)", line):
                self.url = m.group(1)
            if m := re.search(r"\(pids ([\d, ]+)\)", line):
                self.pids = [int(p) for p in m.group(1).split(",")]
            if line.startswith("Press Ctrl+C"):
                break
        if not self.url:
            sys.exit("coprod serve did not start:\n" + "".join(self.lines))
        threading.Thread(target=self._drain, daemon=True).start()

    def _drain(self) -> None:
        for line in self.proc.stdout or []:
            self.lines.append(line)

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(60)


def run_once(
    server: object,
    name: str,
    participants: int,
    duration: float,
    workers: int,
    kill: bool,
    ramp: float = 10.0,
    src: Path | None = None,
    profile: str | None = None,
    dashboard: bool = False,
) -> dict:
    import pg

    assert isinstance(server, pg.PgServer)
    server.admin(f"CREATE DATABASE {name}")
    url = server.url(name)
    seed(url)
    srv = Served(url, workers, src=src)
    box: dict[str, LoadResult] = {}

    def load() -> None:
        box["r"] = asyncio.run(
            run_load(
                srv.url,
                participants=participants,
                duration=duration,
                seed=1,
                progress=False,
                ramp=ramp,
            )
        )

    spy = None
    if profile is not None:  # the last worker (the first one may be killed)
        from bench_live import start_profile

        spy = start_profile(srv.pids[-1], profile)
    # the facilitator's view, in a process of its own (as the dashboard is)
    watch = None
    if dashboard:
        from bench_live import DashboardWatch

        watch = DashboardWatch(url)
    load_avg0 = os.getloadavg()
    commits0, scanned0 = _pg_counts(url)
    sampler = CpuSampler(os.getpgid(srv.proc.pid), _postmaster(server.folder))
    sampler.start()
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    t0, t0_wall = time.perf_counter(), time.time()
    thread = threading.Thread(target=load)
    thread.start()
    killed = None
    if kill:
        thread.join(duration / 2)
        os.kill(srv.pids[0], signal.SIGKILL)
        killed = time.perf_counter() - t0
    thread.join()
    wall = time.perf_counter() - t0
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = sampler.finish()
    time.sleep(1.0)  # the statistics reach the shared counters within a second
    commits, scanned = (a - b for a, b in zip(_pg_counts(url), (commits0, scanned0), strict=True))
    if spy is not None:
        spy.send_signal(signal.SIGINT)
        spy.wait(60)
    load_avg1 = os.getloadavg()
    dash_p95 = None if watch is None else watch.p95_ms()
    refresh_ms = None if watch is None else watch.refresh_ms
    collections = None if watch is None else watch.collections
    restarted = any("exited" in line for line in srv.lines)
    srv.stop()
    result = box["r"]
    events = read_events(url).filter(pl.col("kind").is_in(["vote", "answer"]))
    stored = {k.split(":", 2)[2] for k in events["idem_key"].to_list()}
    acked = {v[3] for v in result.votes} | {a[5] for a in result.answers}
    server.admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    label = f"--workers {workers}" + (f", worker 0 killed -9 at {killed:.0f} s" if kill else "")
    if src is not None:
        label += f" (code of {src})"
    return {
        "label": label,
        "acknowledged": result.acknowledged,
        "lost": len(acked - stored),
        "duplicated": events.height - len(stored),
        "errors": result.errors,
        "error_messages": result.error_messages,
        "retries": result.retries,
        "p50_ms": result.p50_ms,
        "p95_ms": result.p95_ms,
        "phases": _phases(result, killed),
        "timeline": _timeline(result),
        "restarted": restarted,
        "wall_s": wall,
        "per_s": result.acknowledged / duration,
        "server_cpu_ms": 1000 * (cpu["workers"] + cpu["parent"]) / max(1, result.acknowledged),
        "workers_cpu_ms": 1000 * cpu["workers"] / max(1, result.acknowledged),
        "postgres_cpu_ms": 1000 * cpu["postgres"] / max(1, result.acknowledged),
        "commits_per_answer": commits / max(1, result.acknowledged),
        "seq_scanned_per_answer": scanned / max(1, result.acknowledged),
        "loadgen_cpu_s": (cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime),
        "load_avg": (load_avg0[0], load_avg1[0]),
        "dashboard_p95_ms": dash_p95,
        "refresh_ms": refresh_ms,
        "collections": collections,
        "refresh_timeline": [] if watch is None else _refresh_timeline(watch.refreshes, t0_wall),
    }


def _refresh_timeline(
    refreshes: list[tuple[float, float, float, int]], t0: float, step: float = 2.0
) -> list[str]:
    """Per ``step`` seconds of the run: the dashboard's refreshes, the longest (and the CPU
    it took: the rest is waiting for a core) and the events they read."""
    bins: dict[int, list[tuple[float, float, int]]] = {}
    for start, took, cpu, n in refreshes:
        bins.setdefault(int((start - t0) // step), []).append((took, cpu, n))
    out = []
    for k in sorted(bins):
        took, cpu, _ = max(bins[k])
        n = sum(r[2] for r in bins[k])
        out.append(
            f"{k * step:5.0f} s {len(bins[k]):3d} refreshes  longest {1000 * took:6.0f} ms"
            f" (CPU {1000 * cpu:4.0f} ms)  events read {n:6d}"
        )
    return out


def _phases(result: LoadResult, killed: float | None) -> str:
    """p95 acceptance before the kill, in the 5 s after it, and after those (the answers
    acknowledged in each phase), or '' without a kill."""
    if killed is None:
        return ""
    bounds = [("before the kill", -1.0, killed), ("the 5 s after", killed, killed + 5)]
    bounds.append(("then", killed + 5, float("inf")))
    parts = []
    for what, lo, hi in bounds:
        got = sorted(
            ms for ms, t in zip(result.latencies_ms, result.acked_at_s, strict=True) if lo <= t < hi
        )
        if got:
            parts.append(f"{what} {got[min(len(got) - 1, int(0.95 * len(got)))]:.1f} ms")
    return "p95 " + ", ".join(parts)


def _timeline(result: LoadResult, step: float = 2.0) -> list[str]:
    """Per ``step`` seconds of the run: answers acknowledged, p50 and p95 acceptance."""
    bins: dict[int, list[float]] = {}
    for ms, t in zip(result.latencies_ms, result.acked_at_s, strict=True):
        bins.setdefault(int(t // step), []).append(ms)
    out = []
    for k in sorted(bins):
        got = sorted(bins[k])
        p50, p95 = got[len(got) // 2], got[min(len(got) - 1, int(0.95 * len(got)))]
        out.append(f"{k * step:5.0f} s {len(got):6d} answers  p50 {p50:7.1f}  p95 {p95:7.1f} ms")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--participants", type=int, default=2000)
    ap.add_argument("--duration", type=float, default=60.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--ramp", type=float, default=10.0, help="seconds over which they arrive")
    ap.add_argument("--no-baseline", action="store_true")
    ap.add_argument("--no-kill", action="store_true")
    ap.add_argument(
        "--baseline-src",
        type=Path,
        default=None,
        help="the baseline is the same run (same workers, same kill) of the server run from "
        "the code in this folder (holding coprod_analytics/ and coprod_apps/, e.g. HEAD's "
        "files) instead of --workers 1 without a kill",
    )
    ap.add_argument(
        "--dashboard",
        action="store_true",
        help="also measure the facilitator's view: acceptance -> held by a polling "
        "LiveSession, p95 (costs CPU the workers share)",
    )
    ap.add_argument(
        "--timeline",
        action="store_true",
        help="also print the acknowledged answers and p50/p95 acceptance per 2 s (and the "
        "dashboard's refreshes, with --dashboard)",
    )
    ap.add_argument(
        "--profile",
        default=None,
        help="py-spy profile of the last worker of the first run: a flame graph (.svg) or "
        "collapsed stacks (any other name)",
    )
    args = ap.parse_args()
    print(
        f"bench_workers: {args.participants} participants x {args.duration:g} s, think "
        f"0.5-1.5 s, arriving over {args.ramp:g} s, --workers {args.workers} on PostgreSQL (fsync on), loopback, "
        f"{os.cpu_count()} cores; load average before {os.getloadavg()[0]:.2f}"
    )
    server = start_postgres()
    rows = []
    try:
        rows.append(
            run_once(
                server, "bench_workers", args.participants, args.duration, args.workers,
                kill=not args.no_kill,
                ramp=args.ramp,
                profile=args.profile,
                dashboard=args.dashboard,
            )
        )  # fmt: skip
        if not args.no_baseline:
            rows.append(
                run_once(
                    server,
                    "bench_one",
                    args.participants,
                    args.duration,
                    1 if args.baseline_src is None else args.workers,
                    kill=args.baseline_src is not None and not args.no_kill,
                    ramp=args.ramp,
                    src=args.baseline_src,
                    dashboard=args.dashboard,
                )
            )
    finally:
        server.stop()  # type: ignore[attr-defined]
        shutil.rmtree(server.folder, ignore_errors=True)  # type: ignore[attr-defined]
    ok = True
    for r in rows:
        ok = ok and r["lost"] == 0 and r["duplicated"] == 0
        print(f"\n{r['label']}")
        print(f"  acknowledged              {r['acknowledged']:>8}  ({r['per_s']:.0f}/s)")
        print(f"  lost / duplicated         {r['lost']:>8} / {r['duplicated']}")
        print(
            f"  errors / retries          {r['errors']:>8} / {r['retries']}  {r['error_messages']}"
        )
        print(
            f"  acceptance p50 / p95      {r['p50_ms']:>8.1f} / {r['p95_ms']:.1f} ms "
            "(target p95 < 100)"
        )
        if r["phases"]:
            print(f"  by phase                  {r['phases']}")
        if args.timeline:
            print("  timeline:\n    " + "\n    ".join(r["timeline"]))
            if r["refresh_timeline"]:
                print("  dashboard refreshes:\n    " + "\n    ".join(r["refresh_timeline"]))
        print(
            f"  CPU per answer            {r['server_cpu_ms']:>8.3f} ms server (workers "
            f"{r['workers_cpu_ms']:.3f} ms, the rest its parent and the priorities), "
            f"{r['postgres_cpu_ms']:.3f} ms PostgreSQL"
        )
        print(
            f"  total CPU per answer      {r['server_cpu_ms'] + r['postgres_cpu_ms']:>8.3f} ms; "
            f"{r['commits_per_answer']:.3f} PostgreSQL transactions per answer (all of them: "
            "the writers' group commits, the pollers' reads); "
            f"{r['seq_scanned_per_answer']:.1f} events rows read by sequential scans per answer"
        )
        if r["dashboard_p95_ms"] is not None:
            print(
                f"  dashboard view p95        {r['dashboard_p95_ms']:>8.0f} ms from acceptance, "
                "every worker's answers (target < 1000); a refresh took "
                f"{r['refresh_ms'][0]:.0f} ms (p50), {r['refresh_ms'][1]:.0f} ms (p95); "
                f"{r['collections'][0]} full garbage collections between refreshes, "
                f"{r['collections'][1]:.2f} s"
            )
        if "killed" in r["label"]:
            print(f"  killed worker restarted   {'yes' if r['restarted'] else 'NO'}")
        print(
            f"  load generator CPU        {r['loadgen_cpu_s']:>8.1f} s over {r['wall_s']:.0f} s; "
            f"load average {r['load_avg'][0]:.2f} -> {r['load_avg'][1]:.2f}"
        )
    if len(rows) == 2:
        print(
            f"\np95 ratio {rows[0]['label']} / {rows[1]['label']}: "
            f"{rows[0]['p95_ms'] / rows[1]['p95_ms']:.2f}; server CPU per answer ratio "
            f"{rows[0]['server_cpu_ms'] / rows[1]['server_cpu_ms']:.2f}; total (server + "
            "PostgreSQL) "
            f"{(rows[0]['server_cpu_ms'] + rows[0]['postgres_cpu_ms']) / (rows[1]['server_cpu_ms'] + rows[1]['postgres_cpu_ms']):.2f}"
        )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
