"""Bradley–Terry on 200 items and 100,000 comparisons: ours vs choix.ilsr_pairwise.

Run: ``.venv/bin/python benchmarks/bench_pairwise.py``. Prints the best-of-3 time of each
(measured in this process), the ratio, the largest difference between the estimates (both
mean-zero log-strengths, unregularised MLE) and our peak traced memory. Also times the exact
Kemeny–Young dynamic programme on 16 alternatives.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

N_ITEMS, N_COMP, REPEATS = 200, 100_000, 3


def best_of(fn: Callable[[], Any], repeats: int = REPEATS) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> None:
    import choix

    from coprod_analytics.preferences import (
        ballots_from_orders,
        bradley_terry_pairwise,
        kemeny_young,
    )

    rng = np.random.default_rng(2024)
    theta = rng.normal(size=N_ITEMS)
    a = rng.integers(0, N_ITEMS, N_COMP)
    b = (a + rng.integers(1, N_ITEMS, N_COMP)) % N_ITEMS
    win = rng.random(N_COMP) < 1 / (1 + np.exp(theta[b] - theta[a]))
    data = np.where(win[:, None], np.c_[a, b], np.c_[b, a])
    table = pl.DataFrame({"winner": data[:, 0], "loser": data[:, 1]})
    as_list = data.tolist()

    t_ours, ours = best_of(lambda: bradley_terry_pairwise(data))
    t_table, ours_t = best_of(lambda: bradley_terry_pairwise(table))
    t_mm, ours_mm = best_of(lambda: bradley_terry_pairwise(data, method="mm"))
    t_choix, ref = best_of(lambda: choix.ilsr_pairwise(N_ITEMS, as_list))

    tracemalloc.start()
    bradley_terry_pairwise(data)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    print(f"Bradley–Terry, {N_ITEMS} items, {N_COMP:,} comparisons (best of {REPEATS})")
    print(f"  choix.ilsr_pairwise          {t_choix:8.3f} s")
    for name, t, res in (
        ("ours, newton, numpy input", t_ours, ours),
        ("ours, newton, polars table", t_table, ours_t),
        ("ours, Hunter MM, numpy input", t_mm, ours_mm),
    ):
        diff = float(np.max(np.abs(res.log_strength - ref)))
        print(
            f"  {name:28s} {t:8.3f} s   ratio choix/ours {t_choix / t:6.1f}x   "
            f"max |Δθ| {diff:.2e}   iterations {res.n_iter}"
        )
    print(f"  our peak traced memory: {peak / 2**20:.1f} MiB (incl. standard errors)")

    names = [f"x{i:02d}" for i in range(16)]
    orders = [list(rng.permutation(names)) for _ in range(200)]
    ballots = ballots_from_orders(orders)
    t_k, res = best_of(lambda: kemeny_young(ballots), repeats=1)
    print(
        f"Kemeny–Young exact, 16 alternatives, 200 ballots: {t_k:.3f} s "
        f"({res.details['n_optimal']} optimal ranking(s))"
    )


if __name__ == "__main__":
    main()
