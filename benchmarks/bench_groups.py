"""Opinion groups with the defaults (bridging included) against red-dwarf's ``run_pipeline``.

Run: ``.venv/bin/python benchmarks/bench_groups.py [--repeat 7]``

On vtaiwan.uberx (shared data), in the same process and interleaved so that both see the
same machine load: ``opinion_groups(inquiry, seed=0)`` exactly as a user calls it (bridging
on), the same with ``bridging=False``, the bridging scores alone, and red-dwarf 0.4.0's
``run_pipeline`` on the same votes (``tests/test_polis_reproduction.red_dwarf_groups``).
Prints medians of wall-clock and CPU time and the ratios (target: >= 10x with the defaults).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _timed(fn: Callable[[], Any]) -> tuple[float, float]:
    w, c = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w, time.process_time() - c


def main(repeat: int = 7) -> None:
    from _common import shared_data
    from test_polis_reproduction import red_dwarf_groups

    from coprod_analytics.consensus import opinion_groups
    from coprod_analytics.consensus.bridging import bridging_scores
    from coprod_analytics.consensus.matrix import vote_matrix
    from coprod_analytics.io.polis import read_polis

    inq = read_polis(shared_data() / "polis" / "vtaiwan.uberx")
    matrix = vote_matrix(inq)
    runs: dict[str, Callable[[], Any]] = {
        "opinion_groups (defaults, bridging on)": lambda: opinion_groups(inq, seed=0),
        "opinion_groups(bridging=False)": lambda: opinion_groups(inq, seed=0, bridging=False),
        "bridging_scores alone": lambda: bridging_scores(matrix, seed=0),
        "red-dwarf 0.4.0 run_pipeline": lambda: red_dwarf_groups(inq),
    }
    for fn in runs.values():  # warm-up: imports, caches
        fn()
    wall: dict[str, list[float]] = {k: [] for k in runs}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(repeat):
        for name, fn in runs.items():
            w, c = _timed(fn)
            wall[name].append(w)
            cpu[name].append(c)
    print(
        f"vtaiwan.uberx: {matrix.shape[0]} participants x {matrix.shape[1]} statements, "
        f"{matrix.nnz} votes; median of {repeat} interleaved runs"
    )
    print(f"{'':42s} {'wall ms':>9s} {'cpu ms':>9s} {'best wall':>10s}")
    med = {k: (statistics.median(wall[k]), statistics.median(cpu[k])) for k in runs}
    for name, (w, c) in med.items():
        print(f"{name:42s} {w * 1000:9.1f} {c * 1000:9.1f} {min(wall[name]) * 1000:10.1f}")
    rd_w, rd_c = med["red-dwarf 0.4.0 run_pipeline"]
    d_w, d_c = med["opinion_groups (defaults, bridging on)"]
    n_w, n_c = med["opinion_groups(bridging=False)"]
    print(
        f"\nred-dwarf / ours with the defaults: {rd_w / d_w:.1f}x wall, {rd_c / d_c:.1f}x cpu "
        f"(target >= 10x); without bridging: {rd_w / n_w:.1f}x wall, {rd_c / n_c:.1f}x cpu"
    )
    best = min(wall["red-dwarf 0.4.0 run_pipeline"]) / min(
        wall["opinion_groups (defaults, bridging on)"]
    )
    print(f"best against best (least disturbed by other load): {best:.1f}x")


if __name__ == "__main__":
    rep = 9
    if "--repeat" in sys.argv:
        rep = int(sys.argv[sys.argv.index("--repeat") + 1])
    main(rep)
