"""Pol.is's k-means, exactly: cold start on the first distinct rows, warm start from the
previous clusters, empty clusters dropped, stop when the sorted centres move less than 0.01.

This is not scikit-learn's k-means on purpose: Pol.is's groups depend on its start rule and
stopping rule, and the golden tests against Pol.is exports
(``tests/test_polis_reproduction.py``) need the same clusters. Plain k-means (the stability
analysis) uses :class:`sklearn.cluster.KMeans`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["ClusterState", "polis_kmeans"]


#: Pol.is stops k-means when every (sorted) centre moved less than this.
_SAME_CLUSTERING_TOL = 0.01
#: Rows per chunk when assigning points to centres (bounds memory at scale).
_CHUNK = 1 << 16


@dataclass(frozen=True, eq=False)
class ClusterState:
    """A clustering as Pol.is keeps it between updates.

    Attributes
    ----------
    ids : np.ndarray
        Cluster ids (int64), stable across warm starts.
    centers : np.ndarray
        ``(n_clusters, 2)`` centres.
    members : tuple of np.ndarray
        Per cluster: the member keys (participant row keys or base-cluster ids).

    Examples
    --------
    >>> state, _ = polis_kmeans(np.array([[0.0, 0.0], [4.0, 0.0]]), 2)
    >>> state.n, state.ids.tolist()
    (2, [0, 1])
    """

    ids: np.ndarray
    centers: np.ndarray
    members: tuple[np.ndarray, ...]

    @property
    def n(self) -> int:
        """Number of clusters."""
        return int(self.ids.shape[0])


def _exact_nearest(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Exact Euclidean nearest centre (ties to the lowest index), any dimension.

    SciPy's ``cdist(..., "sqeuclidean")`` computes the sum over dimensions of the squared
    differences in the same order as the plain NumPy expression, bit for bit
    (``tests/test_groups_kmeans.py`` checks it), in one C loop: 0.24 ms against 0.53 ms for
    the NumPy broadcast on vtaiwan.uberx (1,218 points, 100 centres), the inner step of
    every base k-means iteration.
    """
    from scipy.spatial.distance import cdist

    return np.argmin(cdist(points, centers, "sqeuclidean"), axis=1)


def _two_nearest(
    points: np.ndarray, centers: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Closest centre, its distance and the distance to the second closest (chunked)."""
    n = points.shape[0]
    lab = np.empty(n, dtype=np.int64)
    d1 = np.empty(n)
    d2 = np.full(n, np.inf)
    for s in range(0, n, _CHUNK):
        block = points[s : s + _CHUNK]
        dx = block[:, 0, None] - centers[None, :, 0]
        dy = block[:, 1, None] - centers[None, :, 1]
        dx *= dx
        dy *= dy
        dx += dy
        r = np.arange(block.shape[0])
        best = np.argmin(dx, axis=1)
        lab[s : s + _CHUNK] = best
        d1[s : s + _CHUNK] = dx[r, best]
        if centers.shape[0] > 1:
            dx[r, best] = np.inf
            d2[s : s + _CHUNK] = dx.min(axis=1)
    return lab, np.sqrt(d1), np.sqrt(d2)


class _Hamerly:
    """Exact nearest-centre assignment across k-means iterations with Hamerly's bounds:
    only points whose bounds no longer prove their assignment are recomputed."""

    def __init__(self) -> None:
        self.labels: np.ndarray | None = None
        self.u = np.zeros(0)
        self.l = np.zeros(0)
        self.centers = np.zeros((0, 2))

    def __call__(self, points: np.ndarray, centers: np.ndarray) -> np.ndarray:
        if self.labels is None:
            self.labels, self.u, self.l = _two_nearest(points, centers)
        else:
            labels = self.labels
            delta = np.hypot(*(centers - self.centers).T)
            self.u += delta[labels]
            if delta.shape[0] > 1:
                order = np.argsort(delta)
                m1, m2 = delta[order[-1]], delta[order[-2]]
                self.l -= np.where(labels == order[-1], m2, m1)
                cc = np.hypot(
                    centers[:, None, 0] - centers[None, :, 0],
                    centers[:, None, 1] - centers[None, :, 1],
                )
                np.fill_diagonal(cc, np.inf)
                half = 0.5 * cc.min(axis=1)
            else:
                half = np.full(1, np.inf)
            bound = np.maximum(half[labels], self.l)
            cand = np.flatnonzero(self.u > bound)
            if cand.size:
                own = centers[labels[cand]]
                self.u[cand] = np.hypot(*(points[cand] - own).T)
                cand = cand[self.u[cand] > bound[cand]]
            if cand.size:
                self._reassign(points, centers, cand)
        self.centers = centers.copy()
        return self.labels.copy()

    def _reassign(self, points: np.ndarray, centers: np.ndarray, cand: np.ndarray) -> None:
        """Exact nearest and second-nearest bound for ``cand``, looking only at centres
        within twice the point's distance to its own centre (the nearest must be there)."""
        assert self.labels is not None
        labels = self.labels
        cc = np.hypot(
            centers[:, None, 0] - centers[None, :, 0], centers[:, None, 1] - centers[None, :, 1]
        )
        own = labels[cand]
        order = np.argsort(own, kind="stable")
        cand = cand[order]
        own = own[order]
        starts = np.flatnonzero(np.r_[True, own[1:] != own[:-1]])
        ends = np.r_[starts[1:], own.shape[0]]
        for a0, a1 in zip(starts.tolist(), ends.tolist(), strict=True):
            a = int(own[a0])
            idx = cand[a0:a1]
            u = self.u[idx]
            r = 2.0 * float(u.max())
            near = cc[a] <= r
            nb = np.flatnonzero(near)
            far = cc[a][~near]
            excl = float(far.min()) if far.size else np.inf
            dx = points[idx, 0, None] - centers[None, nb, 0]
            dy = points[idx, 1, None] - centers[None, nb, 1]
            d = np.sqrt(dx * dx + dy * dy)
            rr = np.arange(idx.shape[0])
            best = np.argmin(d, axis=1)
            d1 = d[rr, best]
            if nb.shape[0] > 1:
                d[rr, best] = np.inf
                d2 = d.min(axis=1)
            else:
                d2 = np.full(idx.shape[0], np.inf)
            labels[idx] = nb[best]
            self.u[idx] = d1
            self.l[idx] = np.minimum(d2, excl - u)

    def drop(self, keep: np.ndarray) -> None:
        """Forget empty clusters (their points moved; indices shift down)."""
        assert self.labels is not None
        remap = np.cumsum(keep) - 1
        self.labels = remap[self.labels]
        self.centers = self.centers[keep]


def _first_distinct(points: np.ndarray, k: int) -> np.ndarray:
    """Indices of the first ``k`` distinct rows, in row order (Pol.is's cold start)."""
    n = points.shape[0]
    take = min(n, max(4 * k, 256))
    while True:
        block = points[:take]
        _, first = np.unique(block, axis=0, return_index=True)
        first.sort()
        if first.shape[0] >= k or take >= n:
            return first[:k]
        take = min(n, take * 4)


class _Centres:
    """Weighted cluster means for one point set across iterations: the weighted coordinates
    (``w * points[:, j]``) are computed once, not in every iteration (the same numbers)."""

    def __init__(self, points: np.ndarray, weights: np.ndarray | None) -> None:
        self.weights = weights
        w = np.ones(points.shape[0]) if weights is None else weights
        self.wcols = [w * points[:, j] for j in range(points.shape[1])]

    def __call__(self, labels: np.ndarray, c: int) -> tuple[np.ndarray, np.ndarray]:
        counts = np.bincount(labels, minlength=c)
        wsum: np.ndarray
        if self.weights is None:
            wsum = counts.astype(np.float64)
        else:
            wsum = np.bincount(labels, weights=self.weights, minlength=c)
        centers = np.empty((c, len(self.wcols)))
        with np.errstate(invalid="ignore", divide="ignore"):
            for j, wc in enumerate(self.wcols):
                centers[:, j] = np.bincount(labels, weights=wc, minlength=c) / wsum
        return centers, counts


def _same_clustering(a: np.ndarray, b: np.ndarray) -> bool:
    if a.shape[1] != 2:  # any dimension; the 2-D arithmetic below is Pol.is's
        sa, sb = a[np.lexsort(a.T[::-1])], b[np.lexsort(b.T[::-1])]
        k = min(sa.shape[0], sb.shape[0])
        dist = np.sqrt(((sa[:k] - sb[:k]) ** 2).sum(axis=1))
        return bool(np.all(dist < _SAME_CLUSTERING_TOL))
    sa = a[np.lexsort((a[:, 1], a[:, 0]))]
    sb = b[np.lexsort((b[:, 1], b[:, 0]))]
    k = min(sa.shape[0], sb.shape[0])
    return bool(np.all(np.hypot(*(sa[:k] - sb[:k]).T) < _SAME_CLUSTERING_TOL))


def _clean_start(
    points: np.ndarray,
    keys: np.ndarray,
    weights: np.ndarray | None,
    last: ClusterState,
    k: int,
) -> tuple[np.ndarray, np.ndarray, list[np.ndarray]]:
    """Pol.is's warm start: previous clusters re-centred on the new data, duplicates merged,
    and the most distant points split off until there are ``min(k, distinct points)``.

    Returns ids, centres and member index arrays (indices into ``points``).
    """
    pos = {int(key): i for i, key in enumerate(keys.tolist())}
    w = np.ones(points.shape[0]) if weights is None else weights
    ids: list[int] = []
    members: list[np.ndarray] = []
    for cid, mem in zip(last.ids.tolist(), last.members, strict=True):
        idx = np.array([pos[m] for m in mem.tolist() if m in pos], dtype=np.int64)
        if idx.size:
            ids.append(int(cid))
            members.append(idx)
    if not ids:
        return (
            np.array([0]),
            _wmean(points, w, np.arange(points.shape[0]))[None, :],
            [np.arange(points.shape[0])],
        )
    centers = np.array([_wmean(points, w, m) for m in members])
    # merge clusters whose centres coincide
    u_ids: list[int] = []
    u_mem: list[np.ndarray] = []
    u_ctr: list[np.ndarray] = []
    # exact equality of centres, looked up by value (tuples of floats compare like
    # np.array_equal: -0.0 equals 0.0 and NaN equals nothing) instead of a linear scan
    seen: dict[tuple[float, ...], int] = {}
    for cid, mem, ctr in zip(ids, members, centers, strict=True):
        key = tuple(ctr.tolist())
        hit = seen.get(key)
        if hit is None:
            seen[key] = len(u_ctr)
            u_ids.append(cid)
            u_mem.append(mem)
            u_ctr.append(ctr)
        else:
            if mem.size > u_mem[hit].size:
                u_ids[hit] = cid
            u_mem[hit] = np.concatenate([u_mem[hit], mem])
    possible = min(k, _count_distinct(points, k))
    mem_list = u_mem
    id_list = u_ids
    while True:
        keep = [i for i, mm in enumerate(mem_list) if mm.size]
        mem_list = [mem_list[i] for i in keep]
        id_list = [id_list[i] for i in keep]
        ctrs = np.array([_wmean(points, w, mm) for mm in mem_list])
        if possible <= len(mem_list):
            break
        d = np.sqrt(((points[:, None, :] - ctrs[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
        far = int(np.argmax(d))
        if d[far] <= 0:
            break
        mem_list = [mm[mm != far] for mm in mem_list]
        mem_list.append(np.array([far], dtype=np.int64))
        id_list.append(max(id_list) + 1)
    return np.array(id_list, dtype=np.int64), ctrs, mem_list


def _wmean(points: np.ndarray, w: np.ndarray, idx: np.ndarray) -> np.ndarray:
    ww = w[idx]
    return (points[idx] * ww[:, None]).sum(axis=0) / ww.sum()


def _count_distinct(points: np.ndarray, cap: int) -> int:
    return int(_first_distinct(points, cap).shape[0])


def polis_kmeans(
    points: np.ndarray,
    k: int,
    *,
    keys: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    last: ClusterState | None = None,
    max_iters: int = 20,
) -> tuple[ClusterState, np.ndarray]:
    """Pol.is's k-means: cold start on the first ``k`` distinct rows (or warm start from
    ``last``), empty clusters dropped, stop when sorted centres move less than 0.01.

    Parameters
    ----------
    points : np.ndarray
        ``(n, d)`` points in row order (Pol.is: d = 2).
    k : int
        Maximum number of clusters.
    keys : np.ndarray, optional
        Stable integer key of each point (for warm starts); default ``arange(n)``.
    weights : np.ndarray, optional
        Point weights (Pol.is weights base clusters by size).
    last : ClusterState, optional
        The previous clustering, for a warm start.
    max_iters : int
        Iteration cap (Pol.is: 100 for base clusters, 20 for groups).

    Returns
    -------
    (ClusterState, labels)
        ``labels[i]`` is the index (into ``state.ids``) of the cluster of point ``i``.

    Examples
    --------
    >>> pts = np.array([[0.0, 0.0], [0.1, 0.0], [5.0, 5.0], [5.1, 5.0]])
    >>> state, labels = polis_kmeans(pts, 2)
    >>> labels.tolist()
    [0, 0, 1, 1]
    """
    n = points.shape[0]
    if keys is None:
        keys = np.arange(n, dtype=np.int64)
    if n == 0:
        empty = np.zeros((0, points.shape[1] if points.ndim == 2 else 2))
        return ClusterState(np.zeros(0, np.int64), empty, ()), np.zeros(0, np.int64)
    if last is not None and last.n:
        ids, centers, _ = _clean_start(points, keys, weights, last, k)
    else:
        first = _first_distinct(points, k)
        ids = np.arange(first.shape[0], dtype=np.int64)
        centers = points[first].astype(np.float64)
    bounded = _Hamerly() if n * centers.shape[0] > 4_000_000 and points.shape[1] == 2 else None
    centres_of = _Centres(points, weights)
    it = max_iters
    while True:
        labels = _exact_nearest(points, centers) if bounded is None else bounded(points, centers)
        new_centers, counts = centres_of(labels, centers.shape[0])
        keep = counts > 0
        if not keep.all():
            remap = np.cumsum(keep) - 1
            labels = remap[labels]
            new_centers = new_centers[keep]
            ids = ids[keep]
            if bounded is not None:
                bounded.drop(keep)
        done = it == 0 or _same_clustering(centers, new_centers)
        centers = new_centers
        if done:
            break
        it -= 1
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(ids.shape[0] + 1))
    members = tuple(keys[order[bounds[i] : bounds[i + 1]]] for i in range(ids.shape[0]))
    # Pol.is sorts clusterings by id
    by_id = np.argsort(ids, kind="stable")
    inv = np.empty_like(by_id)
    inv[by_id] = np.arange(by_id.shape[0])
    state = ClusterState(ids[by_id], centers[by_id], tuple(members[i] for i in by_id))
    return state, inv[labels]
