"""Opinion groups with the defaults against red-dwarf's ``run_pipeline`` (issue 14: >= 10x).

Run: ``.venv/bin/python benchmarks/bench_groups.py [--repeat 9] [--rounds 3]``

On vtaiwan.uberx (shared data), in the same process and interleaved so that both see the
same machine load, four calls:

- ``opinion_groups(inquiry, seed=0)`` exactly as a user calls it (the defaults: bridging on,
  its scores fitted on the first read of the statements table);
- the same call followed by reading ``result.statements`` (bridging fitted: what the summary,
  the report and the dashboard pay);
- ``opinion_groups(inquiry, seed=0, bridging=False)``;
- red-dwarf 0.4.0's ``run_pipeline`` on the same votes
  (``tests/test_polis_reproduction.red_dwarf_groups``).

The whole measurement runs in fresh processes, alternately single-threaded
(``OMP_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``, ``MKL_NUM_THREADS`` and
``POLARS_MAX_THREADS`` = 1: the fair figure, since both sides then use one core) and with
the libraries' default threads, ``--rounds`` times each. Every process prints the median
wall-clock time of ``--repeat`` interleaved runs of each call; the summary is the median
ratio (red-dwarf / ours) over the rounds of each setting.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

CALLS = ("default", "default+statements", "bridging=False", "red-dwarf")
LABELS = {
    "default": "opinion_groups(inq, seed=0)",
    "default+statements": "  ... then result.statements",
    "bridging=False": "opinion_groups(bridging=False)",
    "red-dwarf": "red-dwarf 0.4.0 run_pipeline",
}
_THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "POLARS_MAX_THREADS")


def measure(repeat: int) -> dict[str, dict[str, float]]:
    """One process: median and best wall-clock and CPU seconds of each call."""
    from _common import shared_data
    from test_polis_reproduction import red_dwarf_groups

    from coprod_analytics.consensus import opinion_groups
    from coprod_analytics.io.polis import read_polis

    inq = read_polis(shared_data() / "polis" / "vtaiwan.uberx")

    def with_statements() -> Any:
        res = opinion_groups(inq, seed=0)
        return res.statements

    runs: dict[str, Callable[[], Any]] = {
        "default": lambda: opinion_groups(inq, seed=0),
        "default+statements": with_statements,
        "bridging=False": lambda: opinion_groups(inq, seed=0, bridging=False),
        "red-dwarf": lambda: red_dwarf_groups(inq),
    }
    for fn in runs.values():  # warm-up: imports, caches
        fn()
    wall: dict[str, list[float]] = {k: [] for k in runs}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    names = list(runs)
    for i in range(repeat):
        # rotate the order (whatever runs after red-dwarf finds its garbage and cold caches)
        # and collect garbage outside the timings
        for name in names[i % len(names) :] + names[: i % len(names)]:
            fn = runs[name]
            gc.collect()
            w, c = time.perf_counter(), time.process_time()
            fn()
            wall[name].append(time.perf_counter() - w)
            cpu[name].append(time.process_time() - c)
    return {
        k: {
            "wall": statistics.median(wall[k]),
            "cpu": statistics.median(cpu[k]),
            "best": min(wall[k]),
        }
        for k in runs
    }


def _child(threads: str, repeat: int) -> dict[str, dict[str, float]]:
    env = dict(os.environ)
    for var in _THREAD_VARS:
        env.pop(var, None)
        if threads == "1":
            env[var] = "1"
    env["PYTHONWARNINGS"] = "ignore"
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--repeat", str(repeat)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    got: dict[str, dict[str, float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return got


def main(repeat: int = 9, rounds: int = 3) -> None:
    print(
        "vtaiwan.uberx (1,921 participants x 197 statements, 49,443 votes); per process the "
        f"median of {repeat} interleaved runs, {rounds} processes per setting, alternating"
    )
    results: dict[str, list[dict[str, dict[str, float]]]] = {"1": [], "default": []}
    for r in range(rounds):
        for threads in ("1", "default"):
            got = _child(threads, repeat)
            results[threads].append(got)
            rd = got["red-dwarf"]["wall"]
            cells = "  ".join(
                f"{k} {got[k]['wall'] * 1000:6.1f} ms ({rd / got[k]['wall']:4.1f}x)"
                for k in CALLS[:3]
            )
            print(f"threads={threads:7s} round {r + 1}: red-dwarf {rd * 1000:6.1f} ms  {cells}")
    for threads, label in (("1", "single-threaded"), ("default", "default threads")):
        print(f"\n{label}: median over {rounds} processes")
        print(f"{'':34s} {'wall ms':>9s} {'cpu ms':>9s} {'best ms':>9s} {'red-dwarf/ours':>15s}")
        for k in CALLS:
            w = statistics.median(g[k]["wall"] for g in results[threads])
            c = statistics.median(g[k]["cpu"] for g in results[threads])
            b = min(g[k]["best"] for g in results[threads])
            ratio = statistics.median(
                g["red-dwarf"]["wall"] / g[k]["wall"] for g in results[threads]
            )
            shown = "" if k == "red-dwarf" else f"{ratio:14.1f}x"
            print(f"{LABELS[k]:34s} {w * 1000:9.1f} {c * 1000:9.1f} {b * 1000:9.1f} {shown:>15s}")
    single = statistics.median(g["red-dwarf"]["wall"] / g["default"]["wall"] for g in results["1"])
    multi = statistics.median(
        g["red-dwarf"]["wall"] / g["default"]["wall"] for g in results["default"]
    )
    print(
        f"\nthe default call: {single:.1f}x red-dwarf single-threaded, {multi:.1f}x with "
        "default threads (target >= 10x)"
    )


if __name__ == "__main__":
    rep = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 9
    if "--child" in sys.argv:
        print(json.dumps(measure(rep)))
    else:
        rnd = int(sys.argv[sys.argv.index("--rounds") + 1]) if "--rounds" in sys.argv else 3
        main(rep, rnd)
