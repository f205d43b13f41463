"""Resampling glue of the pipeline: bootstrap intervals of the group tallies
(:mod:`~coprod_analytics.consensus.uncertainty`) and the stability of the groups
(:mod:`~coprod_analytics.consensus.stability`) for one pipeline run.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from coprod_analytics.consensus.clustering import cluster_projection
from coprod_analytics.consensus.matrix import VoteMatrix
from coprod_analytics.consensus.pipeline import PipelineOutput
from coprod_analytics.consensus.stability import StabilityResult, consensus_clustering
from coprod_analytics.consensus.uncertainty import bootstrap_group_rates

__all__ = ["bootstrap_arrays", "pipeline_stability", "polis_cluster_fn"]


def bootstrap_arrays(
    matrix: VoteMatrix,
    labels: np.ndarray,
    k: int,
    *,
    n_resamples: int,
    alpha: float = 0.05,
    seed: int = 0,
    progress: bool = True,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bootstrap intervals of :func:`~coprod_analytics.consensus.uncertainty.bootstrap_group_rates`
    as the pipeline's arrays.

    Parameters
    ----------
    matrix : VoteMatrix
        Latest votes.
    labels : np.ndarray
        Group (0..k-1) of every matrix row, -1 when not clustered.
    k : int
        Number of groups.
    n_resamples : int
        Bootstrap resamples.
    alpha : float, default 0.05
        Interval level ``1 - alpha``.
    seed : int, default 0
        Seed of the resampling.
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    tuple of np.ndarray
        Group-aware-consensus low and high per statement, agree-rate low and high per
        (group, statement); NaN where undefined.

    Examples
    --------
    >>> from coprod_analytics.inquiry import Inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> inq = Inquiry(votes={"participant_id": [1, 2, 3, 4], "statement_id": [1, 1, 1, 1],
    ...                      "vote": [1, 1, -1, 0]})
    >>> lo, hi, rlo, rhi = bootstrap_arrays(vote_matrix(inq), np.array([0, 0, 1, 1]), 2,
    ...                                     n_resamples=20, progress=False)
    >>> rlo.shape, bool(lo[0] <= 0.1875 <= hi[0])
    ((2, 1), True)
    """
    boot = bootstrap_group_rates(
        matrix, labels, n_resamples=n_resamples, alpha=alpha, seed=seed, progress=progress
    )
    m = matrix.shape[1]
    sid_index = pl.DataFrame(
        {"statement_id": matrix.statement_ids, "_col": np.arange(m, dtype=np.int64)}
    )
    gac_lo = np.full(m, np.nan)
    gac_hi = np.full(m, np.nan)
    g = boot.consensus.join(sid_index, on="statement_id", how="inner")
    idx = g.get_column("_col").to_numpy()
    gac_lo[idx] = g.get_column("gac_low").cast(pl.Float64).fill_null(np.nan).to_numpy()
    gac_hi[idx] = g.get_column("gac_high").cast(pl.Float64).fill_null(np.nan).to_numpy()
    rate_lo = np.full((k, m), np.nan)
    rate_hi = np.full((k, m), np.nan)
    r = boot.rates.join(sid_index, on="statement_id", how="inner")
    gi = r.get_column("group").cast(pl.Int64).to_numpy()
    ok = (gi >= 0) & (gi < k)
    ci = r.get_column("_col").to_numpy()
    lo = r.get_column("agree_low").cast(pl.Float64).fill_null(np.nan).to_numpy()
    hi = r.get_column("agree_high").cast(pl.Float64).fill_null(np.nan).to_numpy()
    rate_lo[gi[ok], ci[ok]] = lo[ok]
    rate_hi[gi[ok], ci[ok]] = hi[ok]
    return gac_lo, gac_hi, rate_lo, rate_hi


def polis_cluster_fn(points: np.ndarray, k: int, seed: int) -> np.ndarray:
    """Pol.is's two-level clustering as a ``cluster_fn`` of
    :func:`~coprod_analytics.consensus.stability.consensus_clustering` (a seeded cold start).

    Parameters
    ----------
    points : np.ndarray
        ``(n, 2)`` projected points.
    k : int
        Number of groups.
    seed : int
        Shuffles the row order of the cold start.

    Returns
    -------
    np.ndarray
        Group label of every point.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> xy = np.vstack([rng.normal(-3, 0.3, (20, 2)), rng.normal(3, 0.3, (20, 2))])
    >>> len(set(polis_cluster_fn(xy, 2, 0).tolist()))
    2
    """
    return cluster_projection(points, k, seed=seed)


def pipeline_stability(
    out: PipelineOutput, *, seed: int = 0, progress: bool = True
) -> tuple[np.ndarray, StabilityResult] | None:
    """Resampling stability (:func:`~coprod_analytics.consensus.stability.consensus_clustering`)
    of the clustered participants, with Pol.is's own clustering as the clustering function.

    Parameters
    ----------
    out : PipelineOutput
        One pipeline update.
    seed : int, default 0
        Seed of the resamples.
    progress : bool, default True
        Show a progress bar.

    Returns
    -------
    (np.ndarray, StabilityResult) or None
        Membership confidence of every matrix row (NaN when not clustered) and the
        stability result; None when fewer than 4 participants are clustered.

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> from coprod_analytics.consensus.pipeline import run_update
    >>> m = vote_matrix(simulate_inquiry(40, 12, n_groups=2, seed=3))
    >>> conf, res = pipeline_stability(run_update(m, np.arange(m.shape[0])), progress=False)
    >>> conf.shape[0] == m.shape[0], res.k >= 1
    (True, True)
    """
    idx = np.flatnonzero(out.in_conv)
    if idx.size < 4:
        return None
    res = consensus_clustering(
        out.xy[idx],
        cluster_fn=polis_cluster_fn,
        labels=out.labels[idx],
        seed=seed,
        progress=progress,
    )
    conf = np.full(out.xy.shape[0], np.nan)
    conf[idx] = np.asarray(res.confidence, dtype=np.float64)
    return conf, res
