"""Benchmarks of the opinion-groups pipeline (issue 3).

Run: ``.venv/bin/python benchmarks/bench_consensus.py [--skip-large]``

1. vtaiwan.uberx: our full pipeline (no resampling, no bridging, like red-dwarf) vs
   red-dwarf 0.4.0 ``run_pipeline`` on the same votes, same process, median of 5; plus the
   ARI table of both against Pol.is's own groups on the four conversations; plus one run
   with ``n_resamples=200, stability=True`` (the slow path, which shows progress bars).
2. A 200 participant x 100 statement session: recompute after one new vote (``update``).
3. simulate_inquiry(1_000_000, 10_000, votes_per_participant=50): pipeline time and peak RSS,
   measured in a subprocess with resource.getrusage (target: < 60 s, < 8 GB).
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

LARGE = """
import json, resource, sys, time
from coprod_analytics.simulate import simulate_inquiry
from coprod_analytics.consensus import opinion_groups
t0 = time.perf_counter()
inq = simulate_inquiry(N_P, N_S, votes_per_participant=50.0, seed=0)
t1 = time.perf_counter()
rss_sim = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
res = opinion_groups(inq, bridging=False)
t2 = time.perf_counter()
print(json.dumps({"simulate_s": t1 - t0, "pipeline_s": t2 - t1, "k": res.k,
                  "votes": inq.votes.height, "peak_rss_after_sim_gb": rss_sim / 1e6,
                  "peak_rss_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6}))
"""


def bench_vtaiwan() -> None:
    from test_polis_reproduction import ari_with_polis, red_dwarf_groups

    from coprod_analytics.consensus import opinion_groups
    from coprod_analytics.io.polis import read_polis

    data = ROOT.parent / "shared" / "data" / "polis"
    print("ARI with Pol.is's group-id (participants both clustered)")
    print(f"{'conversation':30s} {'ours':>7s} {'red-dwarf':>10s} {'k ours':>7s} {'k Pol.is':>9s}")
    aris = []
    for name in (
        "london.youth.policing",
        "bg2050-volunteers",
        "scoop-hivemind.biodiversity",
        "vtaiwan.uberx",
    ):
        inq = read_polis(data / name)
        ours = opinion_groups(inq, bridging=False)
        rd = red_dwarf_groups(inq)
        a, b = ari_with_polis(inq, ours.participants), ari_with_polis(inq, rd)
        aris.append((a, b))
        pk = inq.participants["polis_group_id"].drop_nulls().n_unique()
        print(f"{name:30s} {a:7.3f} {b:10.3f} {ours.k:7d} {pk:9d}")
    print(
        f"{'mean':30s} {statistics.mean(x for x, _ in aris):7.3f} "
        f"{statistics.mean(y for _, y in aris):10.3f}"
    )

    inq = read_polis(data / "vtaiwan.uberx")
    ours_t, rd_t, full_t = [], [], []
    for _ in range(5):
        t = time.perf_counter()
        opinion_groups(inq, bridging=False)
        ours_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        opinion_groups(inq, bridging=True)
        full_t.append(time.perf_counter() - t)
        t = time.perf_counter()
        red_dwarf_groups(inq)
        rd_t.append(time.perf_counter() - t)
    o, f, r = statistics.median(ours_t), statistics.median(full_t), statistics.median(rd_t)
    print(
        f"\nvtaiwan.uberx pipeline: ours {o * 1000:.1f} ms, red-dwarf run_pipeline "
        f"{r * 1000:.1f} ms, ratio {r / o:.1f}x (target >= 5x); "
        f"ours with bridging {f * 1000:.1f} ms"
    )
    t = time.perf_counter()
    opinion_groups(inq, bridging=False, n_resamples=200, stability=True, progress=False)
    print(
        f"vtaiwan.uberx with 200 bootstrap resamples and stability: "
        f"{time.perf_counter() - t:.1f} s (one run)"
    )


def bench_live_update() -> None:
    from coprod_analytics.consensus import opinion_groups, update
    from coprod_analytics.simulate import simulate_inquiry

    inq = simulate_inquiry(200, 100, votes_per_participant=40, seed=1)
    first = opinion_groups(inq, bridging=False)
    pid = inq.votes["participant_id"][3]
    sids = inq.statements["statement_id"]
    times = []
    cold = []
    for i in range(20):
        more = inq.with_votes(
            {"participant_id": [pid], "statement_id": [sids[i]], "vote": [1 - (i % 3)]}
        )
        t = time.perf_counter()
        update(first, more)
        times.append(time.perf_counter() - t)
        t = time.perf_counter()
        opinion_groups(more, bridging=False)
        cold.append(time.perf_counter() - t)
    print(
        f"200 x 100 session, recompute after one new vote: update() median "
        f"{statistics.median(times) * 1000:.1f} ms (target < 50 ms); cold batch "
        f"{statistics.median(cold) * 1000:.1f} ms"
    )


def bench_large(n_p: int, n_s: int) -> None:
    code = LARGE.replace("N_P", str(n_p)).replace("N_S", str(n_s))
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=ROOT
    )
    if out.returncode != 0:
        print("large run failed:", out.stderr[-2000:])
        return
    r = json.loads(out.stdout.strip().splitlines()[-1])
    print(
        f"simulate_inquiry({n_p:,}, {n_s:,}, 50 votes each): {r['votes']:,} votes; "
        f"simulator {r['simulate_s']:.1f} s; pipeline {r['pipeline_s']:.1f} s (target < 60 s); "
        f"peak RSS {r['peak_rss_gb']:.2f} GB (target < 8 GB; {r['peak_rss_after_sim_gb']:.2f} GB "
        f"was the simulator's); k = {r['k']}"
    )


if __name__ == "__main__":
    bench_vtaiwan()
    bench_live_update()
    if "--skip-large" not in sys.argv:
        bench_large(1_000_000, 10_000)
