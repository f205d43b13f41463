"""Are the opinion groups real? Resampling consensus clustering (Monti et al. 2003).

The method
----------
Draw ``n_resamples`` subsamples of ``fraction`` of the points (without replacement) and
cluster each into k groups for every k in ``ks``. The consensus matrix of k is

.. math::

    M_k(i, j) = \\frac{\\#\\{\\text{resamples where } i, j \\text{ fall in the same cluster}\\}}
                     {\\#\\{\\text{resamples holding both } i \\text{ and } j\\}} .

A split the data really has gives values near 0 or 1; an arbitrary split gives values in
between. From the empirical CDF of :math:`M_k` over all pairs :math:`i \\ne j`:

* ``area`` :math:`A(k)`: the area under the CDF (100-bin histogram, as in
  ConsensusClusterPlus), and ``delta`` :math:`\\Delta(k)`: :math:`A(k)` for the smallest k
  in ``ks``, else :math:`(A(k) - A(k_{prev})) / A(k_{prev})` (Monti et al.);
* ``pac``: the proportion of ambiguous clustering, :math:`\\mathrm{CDF}(0.9) -
  \\mathrm{CDF}(0.1)`, the share of pairs that are sometimes together and sometimes not
  (Şenbabaoğlu et al., Sci. Rep. 4, 2014). ``stability`` = 1 - pac.

When is a split "supported"? (our criterion)
--------------------------------------------
PAC alone over-calls structure: a featureless but elongated cloud is cut the same way every
time. So every k is also run on ``n_null`` reference data sets with **no structure**:
Gaussian samples with the points' own mean and covariance (the null of M3C, John et al.
2020), clustered with the same resamples. ``pac_null`` is their mean PAC. A k >= 2 is
*supported* when all three hold:

1. ``pac <= pac_threshold`` (default 0.10: at most one pair in ten is ambiguous);
2. ``pac <= null_ratio * pac_null`` (default 0.5: at most half as ambiguous as no structure);
3. ``pac_null - pac >= min_gain`` (default 0.05: a real gain, not 0 versus 0).

The k the data supports is the largest supported k whose PAC is within ``tie_tolerance``
(0.02) of the lowest PAC among supported k: when a finer split is as reproducible as a coarser
one, the coarser one merely merges real groups the same way every time. When no k >= 2 is
supported the answer is k = 1 and the verdict says "one room, no stable split". The table
also reports ``relative_stability`` = ``log((pac_null + 0.01) / (pac + 0.01))``.

Known limitation: k-means cuts a flat-topped or elongated group the same way in every
resample, so such a group can look like two stable groups (on simulated Pol.is maps with 2
planted groups we saw k = 3 or 4 chosen in 2 of 4 cases; with 3 or 4 planted groups the
planted k in 12 of 12). On featureless Gaussian clouds (60-250 points, 20 resamples,
k = 2..4) a split was called "supported" in 3 of 12 clouds with the default scikit-learn
k-means (2 of 12 with the hand-written Lloyd k-means it replaced; both found a planted k = 3
in 9 of 12 blob sets). Read ``pac`` across k, not only the chosen k.

Consensus groups and membership confidence
------------------------------------------
The groups at the chosen k come from average-linkage hierarchical clustering of
:math:`1 - M_k` (Monti et al.). A point's *membership confidence* in a labelling (the
consensus groups, or ``labels`` you pass, e.g. Pol.is's groups) is its mean consensus
:math:`M_{k_L}(i, j)` with the other members j of its group, :math:`k_L` being the number of
groups of that labelling. Null for a point alone in its group or not labelled (-1).

Memory
------
The matrices are n x n (float32). Above ``max_points`` (default 5,000: about 100 MB per
matrix) a seeded random subset of ``max_points`` points is analysed; every other point joins
the consensus group with the nearest centre and takes its confidence from its nearest
analysed neighbour (its consensus with the group is approximated by that neighbour's).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.progress import progress as progress_bar
from coprod_analytics.provenance import Provenance, fingerprint_frames
from coprod_analytics.results import Result, frame_to_html

__all__ = ["ClusterFn", "StabilityResult", "consensus_clustering", "kmeans_labels"]

ClusterFn = Callable[[np.ndarray, int, int], np.ndarray]
"""``cluster_fn(points, k, seed) -> labels``: any clustering of an (n, d) array into k groups."""

_BINS = 100
_EPS = 1e-6  # M is stored in float32: 1/10 is a hair above 0.1
_ROW_BLOCK = 512


def _plain_kmeans_plusplus(x: np.ndarray, k: int, random_state: Any) -> np.ndarray:
    """k-means++ with one candidate per step (Arthur & Vassilvitskii), not scikit-learn's
    greedy default: the support criterion's thresholds were set with these starts, and
    greedy starts cut featureless clouds the same way more often (lower PAC)."""
    from sklearn.cluster import kmeans_plusplus

    centres, _ = kmeans_plusplus(x, k, random_state=random_state, n_local_trials=1)
    return np.asarray(centres)


def kmeans_labels(points: np.ndarray, k: int, seed: int = 0, *, n_init: int = 4) -> np.ndarray:
    """Plain k-means (:class:`sklearn.cluster.KMeans`: k-means++ starts, best of
    ``n_init``), seeded; clusters numbered by first appearance.

    The default ``cluster_fn`` of :func:`consensus_clustering`. (Pol.is's own k-means, with
    its start and stopping rules, is :func:`~coprod_analytics.consensus.kmeans.polis_kmeans`;
    it is kept where the groups must match Pol.is.) Measured against the hand-written Lloyd
    iterations this replaced (3 blobs, k = 2 and 4, n_init = 4, one thread): scikit-learn
    takes 0.34-3.6x their time (slower below ~1,000 points, up to 3x faster at 4,000); the
    whole stability run of ``benchmarks/bench_uncertainty.py`` (vTaiwan, 1,218 points, 50
    resamples, k = 2..6, 2 null sets) took 4.7 s against 3.6 s, with the same verdict.
    :func:`consensus_clustering` runs it under ``threadpool_limits(1)``: thousands of
    small fits with a thread pool were 50-130x slower on a busy 2-core machine.

    Parameters
    ----------
    points : np.ndarray
        ``(n, d)`` points.
    k : int
        Number of clusters (capped at ``n``; k <= 1 gives one cluster).
    seed : int, default 0
        ``random_state`` of the k-means++ starts.
    n_init : int, default 4
        Starts; the one with the lowest inertia is kept.

    Returns
    -------
    np.ndarray
        Cluster (0..k-1) of every point, numbered by first appearance.

    Examples
    --------
    >>> pts = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    >>> kmeans_labels(pts, 2, 0).tolist()
    [0, 0, 1, 1]
    """
    from sklearn.cluster import KMeans

    x = np.asarray(points, dtype=np.float64)
    n = x.shape[0]
    if k <= 1 or n <= 1:
        return np.zeros(n, dtype=np.int64)
    k = min(k, n)
    distinct = np.unique(x, axis=0).shape[0]
    if distinct < k:  # scikit-learn warns and leaves clusters empty; use what exists
        k = distinct
        if k <= 1:
            return np.zeros(n, dtype=np.int64)
    raw = (
        KMeans(n_clusters=k, init=_plain_kmeans_plusplus, n_init=n_init, random_state=int(seed))
        .fit(x)
        .labels_
    )
    # number clusters by first appearance, so equal partitions give equal labels
    _, first, inverse = np.unique(raw, return_index=True, return_inverse=True)
    rank = np.empty(first.size, dtype=np.int64)
    rank[np.argsort(first)] = np.arange(first.size)
    return rank[inverse]


@dataclass(frozen=True, eq=False, repr=False)
class StabilityResult(Result):
    """Outcome of :func:`consensus_clustering`.

    Attributes
    ----------
    table : pl.DataFrame
        One row per evaluated k: ``k``, ``pac``, ``pac_null``, ``stability`` (1 - pac),
        ``relative_stability`` (log((pac_null + 0.01) / (pac + 0.01))), ``area`` (A(k)),
        ``delta`` (Δ(k)), ``supported`` (Boolean).
    k : int
        The number of groups the data supports (1: no stable split).
    verdict : str
        The answer in plain language.
    consensus_labels : np.ndarray
        Consensus group (0 = largest) of every point at ``k``.
    labels : np.ndarray
        The labelling ``confidence`` refers to: the ``labels`` passed in, else
        ``consensus_labels``.
    confidence : np.ndarray
        Membership confidence of every point in ``labels`` (NaN when undefined).
    n_points : int
        Points given.
    n_analysed : int
        Points in the consensus matrices (fewer than ``n_points`` above ``max_points``).
    params : dict
        Every parameter, the seed included.
    provenance : Provenance or None
        Method, input fingerprint, parameters and seed.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> blobs = np.concatenate([rng.normal(c, 0.3, (30, 2)) for c in ((0, 0), (4, 0), (2, 3))])
    >>> res = consensus_clustering(blobs, ks=(2, 3), n_resamples=10, progress=False)
    >>> res  # doctest: +ELLIPSIS
    <StabilityResult: Verdict: the data supports k = 3 groups (PAC 0.000; no-structure reference ...)>
    >>> res.membership_frame().columns
    ['point', 'label', 'consensus_label', 'confidence']
    """

    table: pl.DataFrame
    k: int
    verdict: str
    consensus_labels: np.ndarray
    labels: np.ndarray
    confidence: np.ndarray
    n_points: int
    n_analysed: int
    params: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """The stability of every k tried.

        Returns
        -------
        polars.DataFrame
            Per k: ``k``, ``pac``, ``pac_null``, ``stability``, ``relative_stability``,
            ``area``, ``delta``, ``supported``.
        """
        return self.table

    def detail(self, k: int) -> str:
        """How reproducible the split into ``k`` groups is, in words that make no claim on
        the number of groups (that is the one verdict's job:
        :attr:`~coprod_analytics.consensus.OpinionGroups.verdict`).

        Parameters
        ----------
        k : int
            The number of groups shown.

        Returns
        -------
        str

        Examples
        --------
        >>> rng = np.random.default_rng(0)
        >>> pts = np.vstack([rng.normal(-3, 0.3, (30, 2)), rng.normal(3, 0.3, (30, 2))])
        >>> consensus_clustering(pts, ks=(2,), n_resamples=10, n_null=1,
        ...                      progress=False).detail(2)[:61]
        'the split into 2 groups was redrawn the same way in resamples'
        """
        row = self.table.filter(pl.col("k") == k)
        if row.height == 0 or row["pac"][0] is None:
            return f"the split into {k} groups was not resampled"
        pac = float(row["pac"][0])
        pnull = row["pac_null"][0]
        how = (
            "redrawn the same way in resamples"
            if pac <= 0.10
            else "redrawn differently in some resamples"
        )
        ref = f"; data without structure: {float(pnull):.2f}" if pnull is not None else ""
        return f"the split into {k} groups was {how} (share of ambiguous pairs {pac:.2f}{ref})"

    def membership_frame(self) -> pl.DataFrame:
        """How firmly every point is in its group.

        Returns
        -------
        polars.DataFrame
            Per point: ``point`` (row index), ``label``, ``consensus_label`` (groups
            numbered 0, 1, ... as in the tables; the summaries call them A, B, ...),
            ``confidence``.
        """
        return pl.DataFrame(
            {
                "point": np.arange(self.n_points, dtype=np.int64),
                "label": self.labels.astype(np.int64),
                "consensus_label": self.consensus_labels.astype(np.int64),
                "confidence": pl.Series(self.confidence, dtype=pl.Float64).fill_nan(None),
            }
        )

    def summary(self) -> str:
        """The verdict first, then PAC per k and the membership confidence, in plain text.

        Returns
        -------
        str
        """
        lines = [
            f"Verdict: {self.verdict}",
            f"Consensus clustering of {self.n_points} points "
            f"({self.params.get('n_resamples')} resamples of "
            f"{100 * float(self.params.get('fraction', 0)):.0f}%"
            + (f", {self.n_analysed} points analysed" if self.n_analysed < self.n_points else "")
            + f", seed {self.params.get('seed')})",
            "   k     PAC  PAC(null)  stability  supported",
        ]
        for row in self.table.iter_rows(named=True):
            pac = row["pac"]
            pnull = row["pac_null"]
            lines.append(
                f"{row['k']:>4} "
                + (f"{pac:7.3f}" if pac is not None else "      -")
                + (f"  {pnull:9.3f}" if pnull is not None else "          -")
                + (f"  {row['stability']:9.3f}" if row["stability"] is not None else "          -")
                + f"  {'yes' if row['supported'] else 'no':>9}"
            )
        conf = self.confidence[~np.isnan(self.confidence)]
        if conf.size:
            lines.append(
                f"Membership confidence: median {np.median(conf):.2f}, "
                f"{np.mean(conf < 0.5) * 100:.0f}% of points below 0.5"
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(self.verdict)}</b></p>" + frame_to_html(
            self.table, caption="Stability of the number of groups"
        )


def _check_points(points: Any, func: str) -> np.ndarray:
    x = np.asarray(points, dtype=np.float64)
    if x.ndim == 1:
        x = x[:, None]
    check_param(x.ndim == 2, "points", func, "an (n, d) array", x.shape)
    check_param(x.shape[0] >= 1, "points", func, "an array with at least one point", x.shape)
    bad = ~np.isfinite(x)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        raise ValidationError(
            f"points must be finite; got {x[row, col]} in coordinate {col}",
            row=int(row) + 1,
            column="points",
        )
    return x


def _consensus(resample_labels: np.ndarray, co_sampled: np.ndarray) -> np.ndarray:
    """M = co-clustered / co-sampled (float32, NaN where never co-sampled)."""
    h, n = resample_labels.shape
    k = int(resample_labels.max()) + 1 if resample_labels.size else 1
    onehot = np.zeros((h * max(k, 1), n), dtype=np.float32)
    sampled = resample_labels >= 0
    hh, ii = np.nonzero(sampled)
    onehot[hh * k + resample_labels[hh, ii], ii] = 1.0
    m = onehot.T @ onehot
    with np.errstate(invalid="ignore", divide="ignore"):
        np.divide(m, co_sampled, out=m)
    return m


def _cdf_stats(m: np.ndarray, window: tuple[float, float]) -> tuple[float, float]:
    """PAC and CDF area over pairs i != j with a defined consensus."""
    n = m.shape[0]
    hist = np.zeros(_BINS, dtype=np.int64)
    ambiguous = 0
    lo, hi = window[0] + _EPS, window[1] + _EPS
    for start in range(0, n, _ROW_BLOCK):
        blk = m[start : start + _ROW_BLOCK].astype(np.float64)
        rows = np.arange(blk.shape[0])
        blk[rows, start + rows] = np.nan
        vals = blk[~np.isnan(blk)]
        ambiguous += int(np.count_nonzero((vals > lo) & (vals <= hi)))
        idx = np.minimum((vals * _BINS + _EPS).astype(np.int64), _BINS - 1)
        hist += np.bincount(idx, minlength=_BINS)
    total = int(hist.sum())
    if total == 0:
        return float("nan"), float("nan")
    cdf = np.cumsum(hist) / total
    return ambiguous / total, float(cdf.sum() / _BINS)


def _cluster_resamples(
    x: np.ndarray,
    k: int,
    samples: list[np.ndarray],
    seeds: np.ndarray,
    cluster_fn: ClusterFn,
) -> np.ndarray:
    out = np.full((len(samples), x.shape[0]), -1, dtype=np.int32)
    for h, (idx, s) in enumerate(zip(samples, seeds, strict=True)):
        if k == 1:
            lab = np.zeros(idx.size, dtype=np.int64)
        else:
            lab = np.asarray(cluster_fn(x[idx], k, int(s)))
            if lab.shape != (idx.size,):
                raise ValidationError(
                    f"cluster_fn returned {lab.shape} labels for {idx.size} points",
                    column="cluster_fn",
                )
            _, lab = np.unique(lab, return_inverse=True)
        out[h, idx] = lab
    return out


def _group_means(m: np.ndarray, co_sampled: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """R[a, g] = mean over j != a with label g (and co-sampled with a) of M(a, j)."""
    n = m.shape[0]
    valid = labels >= 0
    _, codes = np.unique(labels[valid], return_inverse=True)
    g = int(codes.max()) + 1 if codes.size else 0
    onehot = np.zeros((n, max(g, 1)), dtype=np.float64)
    onehot[np.flatnonzero(valid), codes] = 1.0
    sums = np.zeros((n, onehot.shape[1]))
    cnts = np.zeros((n, onehot.shape[1]))
    for start in range(0, n, _ROW_BLOCK):
        blk = m[start : start + _ROW_BLOCK].astype(np.float64)
        ok = co_sampled[start : start + _ROW_BLOCK] > 0
        rows = np.arange(blk.shape[0])
        ok[rows, start + rows] = False
        sums[start : start + blk.shape[0]] = np.where(ok, blk, 0.0) @ onehot
        cnts[start : start + blk.shape[0]] = ok.astype(np.float64) @ onehot
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(cnts > 0, sums / np.maximum(cnts, 1), np.nan)


def _hierarchical(m: np.ndarray, k: int) -> np.ndarray:
    """Average-linkage clusters of 1 - M, numbered by size (0 = largest)."""
    n = m.shape[0]
    if k <= 1 or n <= 1:
        return np.zeros(n, dtype=np.int64)
    from scipy.cluster.hierarchy import fcluster, linkage

    iu = np.triu_indices(n, 1)
    dist = 1.0 - np.nan_to_num(m[iu].astype(np.float64), nan=0.0)
    raw = fcluster(linkage(dist, method="average"), t=k, criterion="maxclust")
    return _by_size(raw)


def _by_size(raw: np.ndarray) -> np.ndarray:
    ids, codes, counts = np.unique(raw, return_inverse=True, return_counts=True)
    order = np.lexsort((ids, -counts))
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    return rank[codes].astype(np.int64)


def consensus_clustering(
    points: Any,
    *,
    ks: Sequence[int] = (2, 3, 4, 5, 6),
    n_resamples: int = 50,
    fraction: float = 0.8,
    cluster_fn: ClusterFn | None = None,
    labels: Any = None,
    pac_window: tuple[float, float] = (0.1, 0.9),
    pac_threshold: float = 0.10,
    null_ratio: float = 0.5,
    min_gain: float = 0.05,
    n_null: int = 2,
    tie_tolerance: float = 0.02,
    max_points: int = 5000,
    seed: int = 0,
    progress: bool = True,
) -> StabilityResult:
    """How many groups do the points support, and how firmly is each point in its group?

    Parameters
    ----------
    points : array of shape (n, d)
        E.g. participants' 2-D opinion-map positions.
    ks : sequence of int
        Numbers of groups to try (k = 1 may be listed; it is the "no split" answer anyway).
    n_resamples : int
        Subsamples per k (Monti et al.'s H).
    fraction : float
        Share of the points in each subsample.
    cluster_fn : callable(points, k, seed) -> labels, optional
        The clustering to test; default :func:`kmeans_labels`. The Pol.is pipeline passes
        its own.
    labels : array of int, optional
        A labelling of the points (``-1``: not labelled) to report membership confidence
        for, e.g. the pipeline's groups; its number of groups is evaluated too.
    pac_window : (float, float)
        The ambiguous interval of consensus values (Şenbabaoğlu: 0.1, 0.9).
    pac_threshold, null_ratio, min_gain : float
        The support criterion (see the module docs).
    tie_tolerance : float
        Supported k whose PAC is within this of the lowest count as equally stable; the
        largest of them is chosen.
    n_null : int
        Reference data sets without structure (0 skips the comparison: only
        ``pac_threshold`` then decides).
    max_points : int
        Largest number of points put in the n x n consensus matrices.
    seed : int, default 0
        Seed of the subsamples, the clusterings and the reference data.
    progress : bool, default True
        Show a progress bar over the k tried.

    Returns
    -------
    StabilityResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> blobs = np.concatenate([rng.normal(c, 0.3, (30, 2)) for c in ((0, 0), (4, 0), (2, 3))])
    >>> res = consensus_clustering(blobs, ks=(2, 3, 4), n_resamples=15, n_null=1,
    ...                            progress=False)
    >>> res.k, res.verdict
    (3, 'the data supports k = 3 groups (PAC 0.000; no-structure reference 0.3...)')
    >>> res.to_frame().select("k", "supported").rows()
    [(2, False), (3, True), (4, False)]
    >>> cloud = np.random.default_rng(0).normal(0, 1, (150, 2))  # no structure
    >>> consensus_clustering(cloud, ks=(2, 3), n_resamples=15, progress=False).k
    1
    """
    func = "consensus_clustering"
    x = _check_points(points, func)
    ks_list = [int(k) for k in ks] if isinstance(ks, Sequence) else []
    check_param(
        len(ks_list) >= 1
        and all(isinstance(k, (int, np.integer)) and k >= 1 for k in ks)
        and len(set(ks_list)) == len(ks_list),
        "ks",
        func,
        "a non-empty sequence of distinct ints >= 1",
        ks,
    )
    check_param(
        isinstance(n_resamples, int) and n_resamples >= 2,
        "n_resamples",
        func,
        "an int >= 2",
        n_resamples,
    )
    check_param(
        isinstance(fraction, (int, float)) and 0 < fraction <= 1,
        "fraction",
        func,
        "a float in (0, 1]",
        fraction,
    )
    check_param(
        cluster_fn is None or callable(cluster_fn), "cluster_fn", func, "a callable", cluster_fn
    )
    check_param(
        len(pac_window) == 2 and 0 <= pac_window[0] < pac_window[1] <= 1,
        "pac_window",
        func,
        "a pair (low, high) with 0 <= low < high <= 1",
        pac_window,
    )
    check_param(0 <= pac_threshold <= 1, "pac_threshold", func, "a float in [0, 1]", pac_threshold)
    check_param(null_ratio > 0, "null_ratio", func, "a float > 0", null_ratio)
    check_param(min_gain >= 0, "min_gain", func, "a float >= 0", min_gain)
    check_param(isinstance(n_null, int) and n_null >= 0, "n_null", func, "an int >= 0", n_null)
    check_param(
        isinstance(max_points, int) and max_points >= 2,
        "max_points",
        func,
        "an int >= 2",
        max_points,
    )
    fn: ClusterFn = cluster_fn if cluster_fn is not None else kmeans_labels
    n = x.shape[0]
    given: np.ndarray | None = None
    if labels is not None:
        given = np.asarray(labels)
        if given.shape != (n,):
            raise ValidationError(
                f"labels has shape {given.shape}; expected one label per point ({n},)",
                column="labels",
            )
        given = given.astype(np.int64)

    rng = np.random.default_rng(seed)
    sub = np.sort(rng.choice(n, size=max_points, replace=False)) if n > max_points else None
    xs = x[sub] if sub is not None else x
    ns = xs.shape[0]
    size = max(1, round(fraction * ns))
    samples = [np.sort(rng.choice(ns, size=size, replace=False)) for _ in range(n_resamples)]
    seeds = rng.integers(0, 2**31 - 1, size=n_resamples)
    ind = np.zeros((n_resamples, ns), dtype=np.float32)
    for h, idx in enumerate(samples):
        ind[h, idx] = 1.0
    co_sampled = ind.T @ ind

    k_given = None
    if given is not None:
        k_given = max(1, int(np.unique(given[given >= 0]).size))
    ks_eval = sorted(set(ks_list) | ({k_given} if k_given is not None else set()))
    feasible = [k for k in ks_eval if k <= size]

    nulls = []
    if n_null and ns > 1:
        cov = np.atleast_2d(np.cov(xs, rowvar=False))
        mean = xs.mean(axis=0)
        nulls = [rng.multivariate_normal(mean, cov, size=ns, method="eigh") for _ in range(n_null)]

    stats: dict[int, dict[str, float]] = {}
    resample_labels: dict[int, np.ndarray] = {}
    from threadpoolctl import threadpool_limits

    if fn is kmeans_labels:
        # load scikit-learn's OpenMP runtime first: threadpoolctl limits only the thread
        # pools already loaded when the limit is set (measured: 46x slower otherwise)
        import sklearn.cluster  # noqa: F401

    # thousands of small clusterings: a thread pool per fit only adds overhead
    with threadpool_limits(limits=1):
        for k in progress_bar(feasible, enabled=progress, desc="Stability", unit="k"):
            rl = _cluster_resamples(xs, k, samples, seeds, fn)
            resample_labels[k] = rl
            pac, area = _cdf_stats(_consensus(rl, co_sampled), pac_window)
            pnull = float("nan")
            if nulls:
                vals = []
                for xn in nulls:
                    rln = _cluster_resamples(xn, k, samples, seeds, fn)
                    vals.append(_cdf_stats(_consensus(rln, co_sampled), pac_window)[0])
                pnull = float(np.mean(vals))
            stats[k] = {"pac": pac, "pac_null": pnull, "area": area}

    def supported(k: int) -> bool:
        if k < 2 or k not in stats or k not in ks_list:
            return False
        s = stats[k]
        if np.isnan(s["pac"]) or s["pac"] > pac_threshold + 1e-12:
            return False
        if nulls:
            return bool(
                s["pac"] <= null_ratio * s["pac_null"] and s["pac_null"] - s["pac"] >= min_gain
            )
        return True

    def rel(k: int) -> float:
        s = stats[k]
        if np.isnan(s["pac_null"]):
            return float(-np.log(s["pac"] + 0.01))
        return float(np.log((s["pac_null"] + 0.01) / (s["pac"] + 0.01)))

    good = [k for k in ks_eval if supported(k)]
    best_k = 1
    if good:
        lowest = min(stats[k]["pac"] for k in good)
        best_k = max(k for k in good if stats[k]["pac"] <= lowest + tie_tolerance)

    rows: list[tuple[Any, ...]] = []
    prev_area: float | None = None
    for k in ks_eval:
        s = stats.get(k)
        if s is None:
            rows.append((k, None, None, None, None, None, None, False))
            continue
        area = s["area"]
        delta = area if prev_area is None else (area - prev_area) / prev_area
        prev_area = area
        rows.append(
            (
                k,
                s["pac"],
                None if np.isnan(s["pac_null"]) else s["pac_null"],
                1.0 - s["pac"],
                rel(k),
                area,
                delta,
                supported(k),
            )
        )
    table = pl.DataFrame(
        rows,
        schema={
            "k": pl.Int64,
            "pac": pl.Float64,
            "pac_null": pl.Float64,
            "stability": pl.Float64,
            "relative_stability": pl.Float64,
            "area": pl.Float64,
            "delta": pl.Float64,
            "supported": pl.Boolean,
        },
        orient="row",
    )

    # consensus groups at the chosen k, on the analysed points
    if best_k >= 2:
        m_best = _consensus(resample_labels[best_k], co_sampled)
        cons_sub = _hierarchical(m_best, best_k)
    else:
        m_best = None
        cons_sub = np.zeros(ns, dtype=np.int64)
    if sub is None:
        cons = cons_sub
        nearest = np.arange(n)
    else:
        from scipy.spatial import cKDTree

        centres = np.stack([xs[cons_sub == g].mean(axis=0) for g in range(int(cons_sub.max()) + 1)])
        d = ((x[:, None, :] - centres[None, :, :]) ** 2).sum(axis=-1)
        cons = np.argmin(d, axis=1).astype(np.int64)
        cons[sub] = cons_sub
        nearest = cKDTree(xs).query(x)[1].astype(np.int64)
        nearest[sub] = np.arange(ns)

    target = given if given is not None else cons
    k_target = k_given if given is not None else best_k
    assert k_target is not None
    if k_target <= 1 or k_target not in resample_labels:
        m_target = None
    elif k_target == best_k and m_best is not None:
        m_target = m_best
    else:
        m_target = _consensus(resample_labels[k_target], co_sampled)
    target_sub = target if sub is None else target[sub]
    if m_target is None:
        # one group: everyone is always together; k beyond the subsample size: unknown
        conf = np.where(target >= 0, 1.0 if k_target <= 1 else np.nan, np.nan)
    else:
        means = _group_means(m_target, co_sampled, target_sub)
        present = np.unique(target_sub[target_sub >= 0]).tolist()
        code_of = {v: i for i, v in enumerate(present)}
        col = np.array([code_of.get(int(v), -1) for v in target], dtype=np.int64)
        ok = (target >= 0) & (col >= 0)
        conf = np.full(n, np.nan)
        conf[ok] = means[nearest[ok], col[ok]]

    verdict = _verdict(best_k, stats, ks_list, k_given, pac_threshold, bool(nulls))
    params = {
        "ks": tuple(ks_list),
        "n_resamples": n_resamples,
        "fraction": float(fraction),
        "cluster_fn": getattr(fn, "__name__", repr(fn)),
        "pac_window": tuple(pac_window),
        "pac_threshold": pac_threshold,
        "null_ratio": null_ratio,
        "min_gain": min_gain,
        "n_null": n_null,
        "tie_tolerance": tie_tolerance,
        "max_points": max_points,
        "seed": seed,
    }
    prov = Provenance(
        method="consensus_clustering",
        input_fingerprint=fingerprint_frames(pl.DataFrame(x)),
        parameters={key: v for key, v in params.items() if key != "seed"},
        seed=seed,
    )
    return StabilityResult(
        provenance=prov,
        table=table,
        k=best_k,
        verdict=verdict,
        consensus_labels=cons,
        labels=target,
        confidence=conf,
        n_points=n,
        n_analysed=ns,
        params=params,
    )


def _verdict(
    k: int,
    stats: dict[int, dict[str, float]],
    ks: list[int],
    k_given: int | None,
    pac_threshold: float,
    with_null: bool,
) -> str:
    tried = [j for j in ks if j >= 2]
    if k == 1:
        span = f"{min(tried)}..{max(tried)}" if tried else "none"
        out = (
            "one room, no stable split: opinions may still differ, but along a continuum "
            "rather than in separate camps, so any grouping cuts it at an arbitrary point "
            f"(no k in {span} has PAC <= {pac_threshold:.2f}"
            + (" and clearly below data without structure" if with_null else "")
            + ")"
        )
    else:
        s = stats[k]
        out = f"the data supports k = {k} groups (PAC {s['pac']:.3f}"
        if with_null:
            out += f"; no-structure reference {s['pac_null']:.3f}"
        out += ")"
    if k_given is not None and k_given != k:
        s2 = stats.get(k_given)
        detail = f" (PAC {s2['pac']:.3f})" if s2 is not None and k_given >= 2 else ""
        out += f"; the given labelling has {k_given} group{'s' if k_given != 1 else ''}{detail}"
    return out
