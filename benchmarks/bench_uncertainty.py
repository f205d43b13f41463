"""Benchmark: bootstrap group rates (200 resamples) and consensus-clustering stability
(50 resamples) on vtaiwan.uberx, with naive baselines measured in the same process.

Baselines (written here, not in the package):
- bootstrap: the textbook loop, one resample at a time, drawing participant indices and
  tallying every (group, statement) cell with a polars group_by on the resampled votes;
- stability: the same consensus clustering with sklearn's KMeans(n_init=4) as cluster_fn
  instead of the built-in numpy k-means.

Run: .venv/bin/python benchmarks/bench_uncertainty.py
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("COPROD_SHARED_DATA", ROOT.parent / "shared" / "data"))


def _groups(inq, m):  # type: ignore[no-untyped-def]
    return (
        pl.DataFrame({"participant_id": m.participant_ids})
        .join(inq.participants, on="participant_id", how="left", maintain_order="left")
        .get_column("polis_group_id")
        .fill_null(-1)
        .to_numpy()
    )


def naive_bootstrap(m, groups, n_boot, seed=0):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    votes = pl.DataFrame({"row": m.rows, "col": m.cols, "vote": m.values})
    votes = votes.with_columns(pl.Series("group", groups[m.rows])).filter(pl.col("group") >= 0)
    members = {g: np.flatnonzero(groups == g) for g in np.unique(groups[groups >= 0])}
    out = []
    for _ in range(n_boot):
        draw = np.concatenate([rng.choice(idx, idx.size) for idx in members.values()])
        picked = pl.DataFrame({"row": draw.astype(m.rows.dtype)})
        tally = (
            picked.join(votes, on="row")
            .group_by("group", "col")
            .agg((pl.col("vote") == 1).sum().alias("a"), pl.len().alias("s"))
        )
        out.append(tally)
    return out


def projection(m):  # type: ignore[no-untyped-def]
    import scipy.sparse as sp
    from scipy.sparse.linalg import svds

    x, voted = m.csr(), m.voted_csr()
    cnt = np.asarray(voted.sum(axis=0)).ravel()
    mean = np.asarray(x.sum(axis=0)).ravel() / np.maximum(cnt, 1)
    c = sp.csr_matrix(x - voted.multiply(mean[None, :]))
    c = c @ sp.diags((~m.excluded).astype(float))
    _, _, vt = svds(c, k=2, random_state=0)
    return (c @ vt.T) * np.sqrt(m.shape[1] / np.maximum(np.diff(voted.indptr), 1))[:, None]


def sklearn_kmeans(points, k, seed):  # type: ignore[no-untyped-def]
    from sklearn.cluster import KMeans

    return KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(points)


def timed(fn, *args, **kw):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def peak_mb(fn, *args, **kw):  # type: ignore[no-untyped-def]
    """Peak traced allocation of a separate run (tracemalloc slows the run; not timed)."""
    tracemalloc.start()
    fn(*args, **kw)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main() -> int:
    from coprod_analytics.consensus.bridging import bridging_scores
    from coprod_analytics.consensus.matrix import vote_matrix
    from coprod_analytics.consensus.stability import consensus_clustering
    from coprod_analytics.consensus.uncertainty import bootstrap_group_rates
    from coprod_analytics.io.polis import read_polis

    path = DATA / "polis" / "vtaiwan.uberx"
    if not path.exists():
        print(f"missing {path}", file=sys.stderr)
        return 1
    inq = read_polis(path)
    m = vote_matrix(inq)
    groups = _groups(inq, m)
    print(f"vtaiwan.uberx: {m.shape[0]} participants x {m.shape[1]} statements, {m.nnz} votes")

    bootstrap_group_rates(m, groups, n_boot=5)  # warm-up (imports)
    _, ours = timed(bootstrap_group_rates, m, groups, n_boot=200, seed=0)
    _, base = timed(naive_bootstrap, m, groups, 200)
    mem = peak_mb(bootstrap_group_rates, m, groups, n_boot=200, seed=0)
    print(
        f"bootstrap 200 resamples: ours {ours:.3f} s (peak {mem:.0f} MB traced), "
        f"naive polars loop {base:.3f} s, ratio {base / ours:.1f}x"
    )

    pts = projection(m)
    in_conv = m.votes_per_participant() >= 7
    xy = pts[in_conv]
    res, ours = timed(consensus_clustering, xy, n_resamples=50, seed=0)
    _, base = timed(consensus_clustering, xy, n_resamples=50, seed=0, cluster_fn=sklearn_kmeans)
    print(
        f"stability 50 resamples x k=2..6 (+2 null sets) on {xy.shape[0]} points: ours "
        f"{ours:.2f} s, with sklearn KMeans {base:.2f} s, "
        f"ratio {base / ours:.1f}x"
    )
    print(f"  verdict: {res.verdict}")
    print(res.to_frame().select("k", "pac", "pac_null", "supported"))

    _, ours = timed(bridging_scores, m)
    print(f"bridging scores: {ours:.3f} s (peak {peak_mb(bridging_scores, m):.0f} MB traced)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
