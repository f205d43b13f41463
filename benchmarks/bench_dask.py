"""Opinion groups at scale: the Dask engine on a planted Parquet dataset, and the in-memory
engine on the same data when it fits (issue 20).

The dataset is written in chunks of participants (never held whole): two planted groups
(60% / 40%), a logistic vote model (statement base rate + group centre, passes 10%), each
participant voting on ``votes / participants`` random statements. The Dask engine runs on a
LocalCluster of ``--workers`` single-threaded processes limited to ``--memory`` each; wall
time and the peak resident memory of the whole process tree (this process and every
child, workers included; sampled every 0.1 s with psutil) are measured for each engine,
and the ratios printed.

    .venv/bin/python benchmarks/bench_dask.py --participants 200000 --statements 2000 \\
        --votes 10000000 --workers 2 --memory 3GB
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import psutil


class TreePeak:
    """Peak resident memory of this process and all its descendants."""

    def __init__(self, interval: float = 0.1, limit: float | None = None) -> None:
        self.interval = interval
        self.limit = limit
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        me = psutil.Process()
        total = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            if self.limit is not None and self.peak > self.limit:
                print(
                    f"ABORT: process tree at {self.peak / 1e9:.2f} GB > limit "
                    f"{self.limit / 1e9:.2f} GB; killing it",
                    flush=True,
                )
                me = psutil.Process()
                for child in me.children(recursive=True):
                    try:
                        child.kill()
                    except psutil.Error:
                        pass
                os._exit(3)
            self._stop.wait(self.interval)

    def __enter__(self) -> TreePeak:
        self.peak = self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._sample())


def _distinct_statements(rng: np.random.Generator, rows: int, m: int, per: int) -> np.ndarray:
    """``rows x per`` statement ids, distinct within each row, in O(rows x per) memory.

    Draw with replacement, then redraw the repeated entries of each row until none is left
    (with ``per`` much smaller than ``m`` a handful of rounds); rows are then shuffled so
    the order carries no information.
    """
    per = min(per, m)
    if per * 4 > m:  # dense: a random permutation per row is cheap enough
        return np.argsort(rng.random((rows, m)), axis=1)[:, :per]
    sid = rng.integers(0, m, size=(rows, per))
    while True:
        srt = np.sort(sid, axis=1)
        order = np.argsort(sid, axis=1, kind="stable")
        dup_sorted = np.zeros_like(srt, dtype=bool)
        dup_sorted[:, 1:] = srt[:, 1:] == srt[:, :-1]
        if not dup_sorted.any():
            return sid
        r, c = np.nonzero(dup_sorted)
        sid[r, order[r, c]] = rng.integers(0, m, size=r.shape[0])


def write_planted(
    folder: Path,
    n: int,
    m: int,
    votes: int,
    *,
    n_files: int,
    seed: int = 0,
    rows_per_chunk: int = 5_000_000,
) -> np.ndarray:
    """Write the planted dataset in ``n_files`` files, each written in chunks of at most
    ``rows_per_chunk`` votes (never held whole); return the planted group per id."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(seed)
    base = rng.normal(0.0, 0.8, m)
    centres = rng.normal(0.0, 1.5, (2, m))
    truth = (rng.random(n) < 0.4).astype(np.int64)
    per = max(1, votes // n)
    folder.mkdir(parents=True, exist_ok=True)
    bounds = np.linspace(0, n, n_files + 1).astype(np.int64)
    step = max(1, rows_per_chunk // per)
    schema = pa.schema(
        [("participant_id", pa.int64()), ("statement_id", pa.int64()), ("vote", pa.int8())]
    )
    for f in range(n_files):
        with pq.ParquetWriter(folder / f"votes-{f:03d}.parquet", schema) as writer:
            for lo in range(int(bounds[f]), int(bounds[f + 1]), step):
                pid = np.arange(lo, min(lo + step, int(bounds[f + 1])))
                rows = np.repeat(pid, per)
                sid = _distinct_statements(rng, pid.shape[0], m, per).ravel()
                logit = base[sid] + centres[truth[rows], sid]
                vote = np.where(rng.random(rows.shape[0]) < 1.0 / (1.0 + np.exp(-logit)), 1, -1)
                vote = np.where(rng.random(rows.shape[0]) < 0.1, 0, vote).astype(np.int8)
                table = pa.table(
                    {"participant_id": rows, "statement_id": sid, "vote": vote}, schema=schema
                )
                writer.write_table(table, row_group_size=500_000)
    np.save(folder / "truth.npy", truth)
    return truth


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=200_000)
    ap.add_argument("--statements", type=int, default=2_000)
    ap.add_argument("--votes", type=int, default=10_000_000)
    ap.add_argument("--files", type=int, default=10)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory", default="3GB", help="memory limit per worker")
    ap.add_argument("--no-local", action="store_true", help="skip the in-memory engine")
    ap.add_argument(
        "--pca",
        choices=("auto", "gram", "iterative"),
        default="auto",
        help="principal axes of the Dask engine (auto: gram up to 4,000 statements)",
    )
    ap.add_argument(
        "--pca-passes", type=int, default=10, help="passes of the iterative principal axes"
    )
    ap.add_argument(
        "--compare-gram",
        action="store_true",
        help="also run the Dask engine with pca='gram' and compare the axes and the groups",
    )
    ap.add_argument("--folder", default=None, help="where to write (default: a temp folder)")
    ap.add_argument(
        "--reuse", action="store_true", help="use the dataset already in --folder (truth.npy)"
    )
    ap.add_argument("--generate-only", action="store_true", help="write the dataset and stop")
    ap.add_argument("--progress", action="store_true", help="show the engine's progress bars")
    ap.add_argument(
        "--kill-above", type=float, default=None, help="GB: kill the process tree above this"
    )
    args = ap.parse_args()
    limit = None if args.kill_above is None else args.kill_above * 1e9

    from sklearn.metrics import adjusted_rand_score

    from coprod_analytics.consensus import opinion_groups
    from coprod_analytics.consensus.dask_cluster import dask_client
    from coprod_analytics.consensus.dask_engine import opinion_groups_dask

    tmp = Path(args.folder or tempfile.mkdtemp(prefix="coprod-bench-dask-"))
    data = tmp / "votes"
    t0 = time.perf_counter()
    if args.reuse:
        truth = np.load(data / "truth.npy")
    else:
        with TreePeak(limit=limit) as mem_w:
            truth = write_planted(
                data, args.participants, args.statements, args.votes, n_files=args.files
            )
    size = sum(f.stat().st_size for f in data.glob("*.parquet"))
    print(
        f"dataset: {args.participants:,} participants x {args.statements:,} statements x "
        f"{args.votes:,} votes in {args.files} files ({size / 1e6:.0f} MB), "
        + (
            "reused"
            if args.reuse
            else f"written in {time.perf_counter() - t0:.1f} s, peak RSS {mem_w.peak / 1e9:.2f} GB"
        ),
        flush=True,
    )
    if args.generate_only:
        return

    def ari(res: Any) -> float:
        pid = res.participants.get_column("participant_id").to_numpy()
        g = res.participants.get_column("group").fill_null(-1).to_numpy()
        return float(adjusted_rand_score(truth[pid], g))

    with TreePeak(limit=limit) as mem_d:
        t0 = time.perf_counter()
        client = dask_client(n_workers=args.workers, memory_limit=args.memory)
        t_start = time.perf_counter() - t0
        res_d = opinion_groups_dask(
            data,
            client=client,
            pca=args.pca,
            pca_passes=args.pca_passes,
            bridging=False,
            progress=args.progress,
        )
        t_dask = time.perf_counter() - t0
        if args.compare_gram:
            t1 = time.perf_counter()
            res_g = opinion_groups_dask(
                data, client=client, pca="gram", bridging=False, progress=args.progress
            )
            t_gram = time.perf_counter() - t1
        client.close()
    print(
        f"dask:   {t_dask:7.1f} s (cluster start {t_start:.1f} s), peak RSS of the process tree "
        f"{mem_d.peak / 1e9:.2f} GB, k = {res_d.k}, ARI vs planted {ari(res_d):.4f}, "
        f"pca = {res_d.parameters['pca']} ({res_d.parameters['pca_passes']} passes), partitions = {res_d.parameters['n_partitions']}"
    )
    if args.compare_gram:
        xd = res_d.participants.get_column("x").to_numpy()
        xg = res_g.participants.get_column("x").to_numpy()
        cos = abs(float(xd @ xg)) / float(np.linalg.norm(xd) * np.linalg.norm(xg))
        same_g = float(
            adjusted_rand_score(
                res_g.participants.get_column("group").fill_null(-1).to_numpy(),
                res_d.participants.get_column("group").fill_null(-1).to_numpy(),
            )
        )
        print(
            f"gram:   {t_gram:7.1f} s, k = {res_g.k}, ARI vs planted {ari(res_g):.4f}; "
            f"{args.pca} vs gram: |cos| of the participants' x {cos:.6f}, ARI {same_g:.4f}"
        )
    if not args.no_local:
        with TreePeak(limit=limit) as mem_l:
            t0 = time.perf_counter()
            votes = pl.read_parquet(data / "*.parquet")
            res_l = opinion_groups(votes, bridging=False, progress=False)
            t_local = time.perf_counter() - t0
        same = float(
            adjusted_rand_score(
                res_l.participants.get_column("group").fill_null(-1).to_numpy(),
                res_d.participants.get_column("group").fill_null(-1).to_numpy(),
            )
        )
        gac = float(
            np.abs(
                res_l.statements["group_aware_consensus"].to_numpy()
                - res_d.statements["group_aware_consensus"].to_numpy()
            ).max()
        )
        print(
            f"local:  {t_local:7.1f} s (read + in-memory engine, bridging off), peak RSS "
            f"{mem_l.peak / 1e9:.2f} GB, k = {res_l.k}, ARI vs planted {ari(res_l):.4f}"
        )
        print(
            f"ratios dask/local: time {t_dask / t_local:.2f}x, peak memory "
            f"{mem_d.peak / mem_l.peak:.2f}x; ARI dask vs local {same:.4f}, "
            f"max |GAC difference| {gac:.1e}"
        )
    if args.folder is None:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
