"""Benchmark: bootstrap group rates (200 resamples) and consensus-clustering stability
(50 resamples) on vtaiwan.uberx, with naive baselines measured in the same process.

Baselines (written here, not in the package):
- bootstrap: the textbook loop, one resample at a time, drawing participant indices and
  tallying every (group, statement) cell with a polars group_by on the resampled votes;
  and ``scipy.stats.bootstrap`` (percentile, one independent sample per group = the same
  stratified design, vectorised statistic over sparse tallies) -- the library the issue
  asks us to prefer; ours is kept only while it is faster (the printed ratio says so);
- stability: the package's default ``cluster_fn`` is scikit-learn's KMeans (k-means++ with
  one candidate per step, n_init=4); the baseline is the hand-written numpy Lloyd k-means it
  replaced (copied below).

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


def scipy_bootstrap(m, groups, n_resamples, seed=0):  # type: ignore[no-untyped-def]
    """The same stratified percentile bootstrap through scipy.stats.bootstrap."""
    import scipy.sparse as sp
    from scipy.stats import bootstrap

    labels = np.unique(groups[groups >= 0])
    gidx = np.searchsorted(labels, groups)
    gidx[groups < 0] = -1
    n_rows, n_stmt = m.shape
    sel = gidx[m.rows] >= 0
    key = gidx[m.rows][sel] * n_stmt + m.cols[sel]
    shape = (labels.size * n_stmt, n_rows)
    vals = m.values[sel]
    agree = sp.csr_matrix(((vals == 1).astype(float), (key, m.rows[sel])), shape=shape)
    total = sp.csr_matrix((np.ones(vals.size), (key, m.rows[sel])), shape=shape)
    samples = tuple(np.flatnonzero(gidx == g) for g in range(labels.size))

    def statistic(*draws, axis=-1):  # type: ignore[no-untyped-def]
        idx = np.concatenate([np.atleast_2d(d) for d in draws], axis=-1)  # (batch, n)
        w = np.zeros((n_rows, idx.shape[0]))
        for b in range(idx.shape[0]):
            w[:, b] = np.bincount(idx[b], minlength=n_rows)
        a, t = agree @ w, total @ w  # (cells, batch)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(t > 0, a / t, np.nan)
        gac = np.prod(((a + 1) / (t + 2)).reshape(labels.size, n_stmt, -1), axis=0)
        return np.concatenate([rate, gac], axis=0)

    return bootstrap(
        samples,
        statistic,
        n_resamples=n_resamples,
        vectorized=True,
        paired=False,
        method="percentile",
        rng=np.random.default_rng(seed),
    )


def numpy_lloyd_kmeans(points, k, seed, n_init=4):  # type: ignore[no-untyped-def]
    """The hand-written k-means++ / Lloyd k-means the package used before scikit-learn."""
    x = np.asarray(points, dtype=np.float64)
    n = x.shape[0]
    if k <= 1 or n <= 1:
        return np.zeros(n, dtype=np.int64)
    k = min(k, n)
    rng = np.random.default_rng(seed)
    sq = np.einsum("ij,ij->i", x, x)
    best = None
    for _ in range(n_init):
        centres = np.empty((k, x.shape[1]))
        centres[0] = x[rng.integers(n)]
        d2 = np.maximum(sq - 2 * x @ centres[0] + centres[0] @ centres[0], 0.0)
        for c in range(1, k):
            total = d2.sum()
            pick = rng.choice(n, p=d2 / total) if total > 0 else rng.integers(n)
            centres[c] = x[pick]
            d2 = np.minimum(d2, np.maximum(sq - 2 * x @ centres[c] + centres[c] @ centres[c], 0))
        labels = np.zeros(n, dtype=np.int64)
        for it in range(100):
            dist = sq[:, None] - 2 * x @ centres.T + np.einsum("ij,ij->i", centres, centres)
            new = np.argmin(dist, axis=1)
            if it and np.array_equal(new, labels):
                break
            labels = new
            counts = np.bincount(labels, minlength=k)
            for j in range(x.shape[1]):
                sums = np.bincount(labels, weights=x[:, j], minlength=k)
                centres[:, j] = np.where(counts > 0, sums / np.maximum(counts, 1), centres[:, j])
        inertia = float(np.min(dist, axis=1).sum())
        if best is None or inertia < best[0] - 1e-12:
            best = (inertia, labels)
    assert best is not None  # n_init >= 1
    return best[1]


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

    quiet = {"progress": False}
    bootstrap_group_rates(m, groups, n_resamples=5, **quiet)  # warm-up (imports)
    scipy_bootstrap(m, groups, 5)
    _, ours = timed(bootstrap_group_rates, m, groups, n_resamples=200, seed=0, **quiet)
    _, base = timed(naive_bootstrap, m, groups, 200)
    _, sci = timed(scipy_bootstrap, m, groups, 200)
    mem = peak_mb(bootstrap_group_rates, m, groups, n_resamples=200, seed=0, **quiet)
    print(
        f"bootstrap 200 resamples: ours {ours:.3f} s (peak {mem:.0f} MB traced), "
        f"naive polars loop {base:.3f} s (ratio {base / ours:.1f}x), "
        f"scipy.stats.bootstrap {sci:.3f} s (ratio {sci / ours:.1f}x)"
    )

    pts = projection(m)
    in_conv = m.votes_per_participant() >= 7
    xy = pts[in_conv]
    res, ours = timed(consensus_clustering, xy, n_resamples=50, seed=0, **quiet)
    old, base = timed(
        consensus_clustering, xy, n_resamples=50, seed=0, cluster_fn=numpy_lloyd_kmeans, **quiet
    )
    print(
        f"stability 50 resamples x k=2..6 (+2 null sets) on {xy.shape[0]} points: default "
        f"(scikit-learn KMeans) {ours:.2f} s, hand-written numpy Lloyd {base:.2f} s, "
        f"ratio {base / ours:.2f}x; supported k {res.k} vs {old.k}"
    )
    print(f"  verdict: {res.verdict}")
    print(res.to_frame().select("k", "pac", "pac_null", "supported"))

    _, ours = timed(bridging_scores, m)
    print(f"bridging scores: {ours:.3f} s (peak {peak_mb(bridging_scores, m):.0f} MB traced)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
