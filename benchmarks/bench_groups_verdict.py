"""Calibration of the groups verdict (:mod:`coprod_analytics.consensus.verdict`).

Run: ``.venv/bin/python benchmarks/bench_groups_verdict.py [--seeds 10]``

1. Planted data made outside our simulator (``tests/planted_votes.py``: a logistic vote
   model with Gaussian group centres, 150 participants, 40 statements, 60% of votes cast,
   10% passes): k = 1 (no groups), k = 2, 3, 4 camps at separations 0.5 .. 2.5, and a
   continuum (one latent axis, no camps). For every case: how often the verdict says
   "separate" with the planted k, "separate" with another k, "continuum" or "none", and the
   ARI of Pol.is's groups with the planted ones (how recoverable the camps are at all).
2. The shared real Pol.is conversations: the verdict, the axes beyond noise and the time.

The numbers printed are the ones in ``docs/guide/groups-verdict.md``.
"""

from __future__ import annotations

import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "benchmarks"))

CASES = [
    (1, 0.0, False),
    (2, 0.5, False),
    (2, 1.0, False),
    (2, 1.5, False),
    (2, 2.0, False),
    (2, 2.5, False),
    (3, 1.0, False),
    (3, 1.5, False),
    (3, 2.0, False),
    (3, 2.5, False),
    (4, 1.0, False),
    (4, 1.5, False),
    (4, 2.0, False),
    (4, 2.5, False),
    (1, 1.0, True),
    (1, 2.0, True),
    (1, 3.0, True),
]


def planted(n_seeds: int) -> None:
    from planted_votes import planted_votes
    from sklearn.metrics import adjusted_rand_score

    from coprod_analytics.consensus import opinion_groups
    from coprod_analytics.inquiry import Inquiry

    print(f"Planted data, {n_seeds} seeds per case")
    print(
        f"{'case':24s} {'found k':>8s} {'other k':>8s} {'contin.':>8s} {'none':>6s} "
        f"{'ARI Pol.is':>10s} {'s/run':>6s}"
    )
    for k, sep, cont in CASES:
        tally: Counter[str] = Counter()
        aris = []
        t0 = time.perf_counter()
        for seed in range(n_seeds):
            votes, truth = planted_votes(k, separation=sep, continuum=cont, seed=seed)
            res = opinion_groups(Inquiry(votes=votes), bridging=False, progress=False)
            v = res.verdict
            if v.structure == "separate":
                tally["found" if v.supported_k == k else "other"] += 1
            else:
                tally[v.structure] += 1
            if k > 1:
                p = res.participants.sort("participant_id")
                aris.append(adjusted_rand_score(truth, p["group"].fill_null(-1).to_numpy()))
        per = (time.perf_counter() - t0) / n_seeds
        name = f"continuum slope {sep}" if cont else f"k={k} separation {sep}"
        ari = f"{np.mean(aris):10.2f}" if aris else f"{'':>10s}"
        print(
            f"{name:24s} {tally['found']:8d} {tally['other']:8d} {tally['continuum']:8d} "
            f"{tally['none']:6d} {ari} {per:6.2f}"
        )


def real() -> None:
    from _common import shared_data

    from coprod_analytics.consensus import opinion_groups
    from coprod_analytics.io.polis import read_polis

    print("\nShared Pol.is conversations")
    for name in (
        "london.youth.policing",
        "bg2050-volunteers",
        "scoop-hivemind.biodiversity",
        "vtaiwan.uberx",
    ):
        inq = read_polis(shared_data() / "polis" / name)
        res = opinion_groups(inq, bridging=False, progress=False)
        t = time.perf_counter()
        v = res.verdict
        el = time.perf_counter() - t
        pk = inq.participants["polis_group_id"].drop_nulls().n_unique()
        print(
            f"{name:28s} Pol.is k={pk} ours k={res.k}: {v.structure}, supported_k="
            f"{v.supported_k}, axes beyond noise={v.n_axes} ({el:.2f} s)\n    {v.text}"
        )


if __name__ == "__main__":
    seeds = 10
    if "--seeds" in sys.argv:
        seeds = int(sys.argv[sys.argv.index("--seeds") + 1])
    if "--real-only" not in sys.argv:
        planted(seeds)
    real()
