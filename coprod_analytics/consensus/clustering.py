"""Pol.is's two-level clustering: groups are a weighted k-means of the base-cluster
centres for k = 2 .. min(max_k, 2 + n_base // 12), k chosen by the silhouette of the centres.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coprod_analytics.consensus.kmeans import ClusterState, polis_kmeans

__all__ = ["GroupChoice", "choose_groups", "cluster_projection", "silhouette_of_centres"]


def silhouette_of_centres(
    centers: np.ndarray, labels: np.ndarray, *, distances: np.ndarray | None = None
) -> float:
    """Pol.is's silhouette: over points (base-cluster centres), unweighted; a point alone in
    its cluster scores 0.

    Parameters
    ----------
    centers : np.ndarray
        ``(n, 2)`` base-cluster centres.
    labels : np.ndarray
        Group of every centre.
    distances : np.ndarray, optional
        ``(n, n)`` Euclidean distances between the centres, when already computed
        (:func:`choose_groups` computes them once for every k).

    Returns
    -------
    float
        Mean silhouette (0 with fewer than two groups).

    Examples
    --------
    >>> c = np.array([[0.0, 0.0], [0.0, 1.0], [10.0, 0.0], [10.0, 1.0]])
    >>> round(silhouette_of_centres(c, np.array([0, 0, 1, 1])), 3)
    0.9
    >>> silhouette_of_centres(c, np.array([0, 0, 0, 1])) < 0.9
    True
    """
    n = centers.shape[0]
    if n == 0:
        return 0.0
    d = _centre_distances(centers) if distances is None else distances
    groups = np.unique(labels)
    if groups.shape[0] < 2:
        return 0.0
    onehot = (labels[:, None] == groups[None, :]).astype(np.float64)
    sizes = onehot.sum(axis=0)
    sums = d @ onehot  # (n, G): sum of distances to members of each group
    own = np.searchsorted(groups, labels)
    own_size = sizes[own] - 1
    a = np.divide(sums[np.arange(n), own], own_size, out=np.zeros(n), where=own_size > 0)
    mean_other = sums / sizes[None, :]
    mean_other[np.arange(n), own] = np.inf
    b = mean_other.min(axis=1)
    denom = np.maximum(a, b)
    s = np.divide(b - a, denom, out=np.zeros(n), where=denom > 0)
    s[own_size == 0] = 0.0
    return float(s.mean())


def _centre_distances(centers: np.ndarray) -> np.ndarray:
    return np.sqrt(((centers[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))


@dataclass(frozen=True, eq=False)
class GroupChoice:
    """Group k-means over base centres for each k, and the silhouette choice.

    Attributes
    ----------
    clusterings : dict of int to (ClusterState, np.ndarray)
        For every k tried: the group clustering and the group of every base cluster.
    silhouettes : dict of int to float
        Silhouette of every k tried.
    best_k : int
        The k with the best silhouette (ties: the larger k).

    Examples
    --------
    >>> from coprod_analytics.consensus.kmeans import polis_kmeans
    >>> rng = np.random.default_rng(0)
    >>> pts = np.vstack([rng.normal(-3, 0.3, (40, 2)), rng.normal(3, 0.3, (40, 2))])
    >>> base, _ = polis_kmeans(pts, 30)
    >>> choose_groups(base).best_k
    2
    """

    clusterings: dict[int, tuple[ClusterState, np.ndarray]]
    silhouettes: dict[int, float]
    best_k: int


def choose_groups(
    base: ClusterState,
    *,
    max_k: int = 5,
    group_iters: int = 20,
    last: dict[int, ClusterState] | None = None,
    force_k: int | None = None,
) -> GroupChoice:
    """Weighted k-means of base-cluster centres for k = 2 .. min(max_k, 2 + n_base // 12)
    and the best k by silhouette (ties go to the larger k, as in Pol.is).

    Parameters
    ----------
    base : ClusterState
        Base clusters (weighted by their sizes).
    max_k : int, default 5
        Largest k tried.
    group_iters : int, default 20
        Iteration cap of each group k-means.
    last : dict of int to ClusterState, optional
        Previous group clusterings per k (warm starts).
    force_k : int, optional
        Try only this k.

    Returns
    -------
    GroupChoice

    Examples
    --------
    >>> from coprod_analytics.consensus.kmeans import polis_kmeans
    >>> pts = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    >>> base, _ = polis_kmeans(pts, 4)
    >>> choice = choose_groups(base, force_k=2)
    >>> choice.best_k, choice.clusterings[2][1].tolist()
    (2, [0, 0, 1, 1])
    """
    weights = np.array([m.shape[0] for m in base.members], dtype=np.float64)
    top = min(max_k, 2 + base.n // 12)
    ks = [force_k] if force_k is not None else list(range(2, max(top, 2) + 1))
    clusterings: dict[int, tuple[ClusterState, np.ndarray]] = {}
    sil: dict[int, float] = {}
    dist = _centre_distances(base.centers) if base.n else None
    for k in ks:
        st, lab = polis_kmeans(
            base.centers,
            k,
            keys=base.ids,
            weights=weights,
            last=None if last is None else last.get(k),
            max_iters=group_iters,
        )
        clusterings[k] = (st, lab)
        sil[k] = silhouette_of_centres(base.centers, lab, distances=dist)
    best = max(ks, key=lambda kk: (sil[kk], kk))
    return GroupChoice(clusterings=clusterings, silhouettes=sil, best_k=best)


def cluster_projection(
    xy: np.ndarray,
    k: int | None = None,
    *,
    seed: int | None = None,
    base_k: int = 100,
    max_k: int = 5,
    base_iters: int = 100,
    group_iters: int = 20,
) -> np.ndarray:
    """Cluster 2-D points as Pol.is does: base clusters, then group k-means of their centres.

    The clustering callable for resampling (stability) analyses.

    Parameters
    ----------
    xy : np.ndarray
        ``(n, 2)`` projected points, in the row order used for the cold start.
    k : int, optional
        Number of groups; None picks k by silhouette (2 .. ``max_k``).
    seed : int, optional
        None keeps the given row order for the cold start; an int shuffles it first with
        that seed (a different, reproducible cold start).
    base_k, max_k, base_iters, group_iters : int
        Pol.is's parameters.

    Returns
    -------
    np.ndarray
        Group label (0 .. k-1) of every point, in the input order.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> xy = np.vstack([rng.normal(-3, 0.3, (30, 2)), rng.normal(3, 0.3, (30, 2))])
    >>> labels = cluster_projection(xy)
    >>> len(set(labels[:30].tolist())), len(set(labels[30:].tolist())), bool(labels[0] != labels[-1])
    (1, 1, True)
    """
    pts = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
    n = pts.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    perm = np.arange(n) if seed is None else np.random.default_rng(seed).permutation(n)
    base, blab = polis_kmeans(pts[perm], base_k, max_iters=base_iters)
    if k is not None and k <= 1:
        return np.zeros(n, dtype=np.int64)
    choice = choose_groups(base, max_k=max_k, group_iters=group_iters, force_k=k)
    _, glab = choice.clusterings[choice.best_k]
    out = np.empty(n, dtype=np.int64)
    out[perm] = glab[blab]
    return out
