"""The Pol.is opinion-groups pipeline, sparse from end to end.

This module implements the algorithm of Pol.is's math worker (``compdemocracy/polis``,
``math/src/polismath/math``; specification in ``docs/POLIS_MATH.md``) on a sparse
:class:`~coprod_analytics.consensus.matrix.VoteMatrix`:

1. latest-vote matrix; moderated-out and meta statements zeroed in every row;
2. column-mean imputation and centring: unvoted cells become exactly 0, so the centred
   matrix keeps the sparsity of the votes and PCA is a truncated SVD of a sparse matrix;
3. sparsity-aware projection of participants (scaled by ``sqrt(n_statements / n_votes)``)
   and of statements (a virtual participant agreeing with that statement only; its norm is
   the statement's extremity);
4. the in-conversation rule (at least ``min(7, n_statements)`` votes, topped up to 15);
5. 100 base clusters by k-means with Pol.is's cold start (the first distinct rows) or warm
   start (the previous clusters, re-centred), stopping when centres move less than 0.01;
6. weighted k-means of the base-cluster centres for k = 2 .. min(5, 2 + n_base // 12), k by
   the silhouette of the base-cluster centres (a base cluster alone in its group scores 0);
7. per-group vote tallies, group-aware consensus, representative statements with their
   tests, consensus statements and comment priority.

Everything here is deterministic; ``seed`` only feeds the starting vector of the iterative
SVD used on large matrices and the optional cold-start shuffle of
:func:`cluster_projection`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError, check_param

if TYPE_CHECKING:  # pragma: no cover
    import scipy.sparse as sp

    from coprod_analytics.consensus.matrix import VoteMatrix

__all__ = [
    "SIGNIFICANCE_Z",
    "ClusterState",
    "PolisState",
    "cluster_projection",
    "group_aware_consensus",
    "group_vote_counts",
    "polis_kmeans",
    "project",
    "silhouette_of_centres",
    "sparse_pca",
]

#: One-sided 90% z threshold of Pol.is's representativeness and consensus tests.
SIGNIFICANCE_Z = 1.2816
#: Pol.is stops k-means when every (sorted) centre moved less than this.
_SAME_CLUSTERING_TOL = 0.01
#: Rows per chunk when assigning points to centres (bounds memory at scale).
_CHUNK = 1 << 16


# --------------------------------------------------------------------------- PCA
@dataclass(frozen=True, eq=False)
class PCAResult:
    """Centre and principal components of the imputed, centred, zeroed vote matrix.

    Attributes
    ----------
    center : np.ndarray
        Per statement: mean of its votes (0 for excluded statements and unvoted ones).
    comps : np.ndarray
        ``(n_comps, n_statements)`` unit principal axes (sign normalised so that the
        largest loading is positive).
    singular_values : np.ndarray
        Singular values of the centred matrix for each component.
    centred : scipy.sparse.csr_matrix
        The centred matrix (votes minus column means at voted cells, 0 elsewhere and in
        excluded columns).
    """

    center: np.ndarray
    comps: np.ndarray
    singular_values: np.ndarray
    centred: Any


def _centred_csr(
    matrix: VoteMatrix, row_of: np.ndarray | None = None, n_rows: int | None = None
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Centred sparse matrix and the column means (Pol.is's ``center``)."""
    import scipy.sparse as sp

    n, m = matrix.shape
    rows = matrix.rows if row_of is None else row_of[matrix.rows]
    n = n if n_rows is None else n_rows
    cols = matrix.cols
    vals = matrix.values.astype(np.float64)
    counts = np.bincount(cols, minlength=m).astype(np.float64)
    sums = np.bincount(cols, weights=vals, minlength=m)
    center = np.divide(sums, counts, out=np.zeros(m), where=counts > 0)
    center[matrix.excluded] = 0.0
    cvals = vals - center[cols]
    cvals[matrix.excluded[cols]] = 0.0
    csr = sp.csr_matrix((cvals, (rows, cols)), shape=(n, m))
    return csr, center


def sparse_pca(matrix: VoteMatrix, *, n_comps: int = 2, seed: int = 0) -> PCAResult:
    """Principal components of the Pol.is vote matrix without densifying it.

    Missing votes are imputed with the statement's mean and the matrix is centred on the
    statement means, so unvoted cells are exactly 0 and the centred matrix is as sparse as
    the votes. Moderated-out and meta statements are zero columns. The components are the
    top right singular vectors of that sparse matrix (any exact solver gives Pol.is's power
    iteration result up to sign).

    Parameters
    ----------
    matrix : VoteMatrix
        Latest votes (see :func:`~coprod_analytics.consensus.matrix.vote_matrix`).
    n_comps : int
        Number of components (Pol.is uses 2).
    seed : int
        Starting vector of the iterative solver on large matrices.

    Returns
    -------
    PCAResult

    Examples
    --------
    >>> from coprod_analytics.inquiry import Inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> inq = Inquiry(votes={"participant_id": [1, 1, 2, 2, 3], "statement_id": [1, 2, 1, 2, 1],
    ...                      "vote": [1, 1, -1, -1, 1]})
    >>> pca = sparse_pca(vote_matrix(inq))
    >>> pca.center.round(3).tolist()
    [0.333, 0.0]
    >>> pca.comps.shape
    (2, 2)
    """
    csr, center = _centred_csr(matrix)
    comps, sv = _top_right_singular_vectors(csr, n_comps, seed)
    return PCAResult(center=center, comps=comps, singular_values=sv, centred=csr)


def _top_right_singular_vectors(
    csr: sp.csr_matrix, n_comps: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    n, m = csr.shape
    d = max(0, min(n_comps, n, m))
    comps = np.zeros((n_comps, m))
    sv = np.zeros(n_comps)
    if d == 0:
        return comps, sv
    indptr = csr.indptr
    row_nnz = np.diff(indptr).astype(np.float64)
    gram_cost = float(np.dot(row_nnz, row_nnz))
    if csr.nnz == 0 or not np.any(csr.data):
        return comps, sv
    if min(n, m) <= d + 1 or m <= 64:
        gram = (csr.T @ csr).toarray()
        w, v = np.linalg.eigh(gram)
        order = np.argsort(w)[::-1][:d]
        vecs = v[:, order].T
        vals = np.sqrt(np.clip(w[order], 0.0, None))
    elif m <= 3000 and gram_cost <= 5e7:
        from scipy.sparse.linalg import ArpackError, eigsh

        csc = csr.tocsc()
        gram = (csc.T @ csc).toarray()
        v0 = np.random.default_rng(seed).standard_normal(m)
        try:
            w, v = eigsh(gram, k=d, which="LA", v0=v0, tol=1e-12)
        except ArpackError:
            w, v = np.linalg.eigh(gram)
        order = np.argsort(w)[::-1][:d]
        vecs = v[:, order].T
        vals = np.sqrt(np.clip(w[order], 0.0, None))
    else:
        from scipy.sparse.linalg import svds

        rng = np.random.default_rng(seed)
        v0 = rng.standard_normal(min(n, m))
        _, s, vt = svds(csr, k=d, v0=v0, solver="arpack", tol=1e-10)
        order = np.argsort(s)[::-1]
        vecs = vt[order]
        vals = s[order]
    dead = np.bincount(csr.indices, weights=csr.data**2, minlength=m) == 0
    vecs = np.array(vecs, dtype=np.float64)
    vecs[:, dead] = 0.0
    for i in range(d):
        vec = vecs[i]
        j = int(np.argmax(np.abs(vec)))
        if vec[j] < 0:
            vec = -vec
        comps[i] = vec
        sv[i] = vals[i]
    return comps, sv


def project(pca: PCAResult, n_votes: np.ndarray, n_statements: int) -> np.ndarray:
    """Pol.is's sparsity-aware projection of every row of ``pca.centred``.

    ``p_k = sum over voted statements of (x - centre) * pc_k``, scaled by
    ``sqrt(n_statements / max(n_votes, 1))``.

    Parameters
    ----------
    pca : PCAResult
    n_votes : np.ndarray
        Per row: statements voted on, where every excluded statement counts as voted
        (Pol.is zeroes those columns in every row).
    n_statements : int
        Columns of Pol.is's matrix: statements with at least one vote.

    Returns
    -------
    np.ndarray
        ``(n_rows, 2)`` coordinates.
    """
    raw = np.asarray(pca.centred @ pca.comps[:2].T)
    scale = np.sqrt(n_statements / np.maximum(n_votes, 1).astype(np.float64))
    return raw * scale[:, None]


def _statement_projection(pca: PCAResult, n_statements: int) -> np.ndarray:
    """A virtual participant who agreed with one statement only, for every statement."""
    x = (1.0 - pca.center)[None, :] * pca.comps[:2]
    return (x * np.sqrt(float(n_statements))).T


# --------------------------------------------------------------------------- k-means
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
    """

    ids: np.ndarray
    centers: np.ndarray
    members: tuple[np.ndarray, ...]

    @property
    def n(self) -> int:
        return int(self.ids.shape[0])


def _nearest(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Index of the closest centre for every point (chunked; first minimum on ties)."""
    n = points.shape[0]
    out = np.empty(n, dtype=np.int64)
    if centers.shape[0] == 1:
        out[:] = 0
        return out
    cn = np.einsum("ij,ij->i", centers, centers)
    ct = centers.T.copy()
    for s in range(0, n, _CHUNK):
        block = points[s : s + _CHUNK]
        d = block @ ct
        d *= -2.0
        d += cn
        out[s : s + _CHUNK] = np.argmin(d, axis=1)
    return out


def _exact_nearest(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Exact Euclidean nearest centre (used on small inputs where ties matter)."""
    dx = points[:, 0, None] - centers[None, :, 0]
    dy = points[:, 1, None] - centers[None, :, 1]
    dx *= dx
    dy *= dy
    dx += dy
    return np.argmin(dx, axis=1)


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


def _weighted_centres(
    points: np.ndarray, weights: np.ndarray | None, labels: np.ndarray, c: int
) -> tuple[np.ndarray, np.ndarray]:
    w = np.ones(points.shape[0]) if weights is None else weights
    wsum = np.bincount(labels, weights=w, minlength=c)
    cx = np.bincount(labels, weights=w * points[:, 0], minlength=c)
    cy = np.bincount(labels, weights=w * points[:, 1], minlength=c)
    counts = np.bincount(labels, minlength=c)
    with np.errstate(invalid="ignore", divide="ignore"):
        centers = np.column_stack([cx / wsum, cy / wsum])
    return centers, counts


def _same_clustering(a: np.ndarray, b: np.ndarray) -> bool:
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
        ``(n, 2)`` points in row order.
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
        return ClusterState(np.zeros(0, np.int64), np.zeros((0, 2)), ()), np.zeros(0, np.int64)
    if last is not None and last.n:
        ids, centers, _ = _clean_start(points, keys, weights, last, k)
    else:
        first = _first_distinct(points, k)
        ids = np.arange(first.shape[0], dtype=np.int64)
        centers = points[first].astype(np.float64)
    bounded = _Hamerly() if n * centers.shape[0] > 4_000_000 else None
    it = max_iters
    while True:
        labels = _exact_nearest(points, centers) if bounded is None else bounded(points, centers)
        new_centers, counts = _weighted_centres(points, weights, labels, centers.shape[0])
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


def silhouette_of_centres(centers: np.ndarray, labels: np.ndarray) -> float:
    """Pol.is's silhouette: over points (base-cluster centres), unweighted; a point alone in
    its cluster scores 0.

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
    d = np.sqrt(((centers[:, None, :] - centers[None, :, :]) ** 2).sum(axis=2))
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


@dataclass(frozen=True, eq=False)
class GroupChoice:
    """Group k-means over base centres for each k, and the silhouette choice."""

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
    and the best k by silhouette (ties go to the larger k, as in Pol.is)."""
    weights = np.array([m.shape[0] for m in base.members], dtype=np.float64)
    top = min(max_k, 2 + base.n // 12)
    ks = [force_k] if force_k is not None else list(range(2, max(top, 2) + 1))
    clusterings: dict[int, tuple[ClusterState, np.ndarray]] = {}
    sil: dict[int, float] = {}
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
        sil[k] = silhouette_of_centres(base.centers, lab)
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


# --------------------------------------------------------------------------- tallies
def group_vote_counts(
    matrix: VoteMatrix, groups: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (group, statement): agrees, disagrees and all votes (passes included).

    ``groups`` gives each row's group (0 .. n_groups-1) or -1 when not clustered.
    Returns three ``(n_groups, n_statements)`` int64 arrays.
    """
    m = matrix.shape[1]
    g = groups[matrix.rows]
    ok = g >= 0
    key = g[ok].astype(np.int64) * m + matrix.cols[ok]
    v = matrix.values[ok]
    size = n_groups * m
    agree = np.bincount(key[v == 1], minlength=size).reshape(n_groups, m)
    disagree = np.bincount(key[v == -1], minlength=size).reshape(n_groups, m)
    total = np.bincount(key, minlength=size).reshape(n_groups, m)
    return agree, disagree, total


def _groups_for_rows(matrix: VoteMatrix, groups: Any) -> np.ndarray:
    """Accept per-row labels or a participant_id -> group table; return int labels (-1)."""
    n = matrix.shape[0]
    if isinstance(groups, pl.DataFrame):
        if "participant_id" not in groups.columns or "group" not in groups.columns:
            raise ValidationError(
                f"expected columns 'participant_id' and 'group'; found {groups.columns}",
                table="groups",
            )
        pids = pl.DataFrame({"participant_id": matrix.participant_ids})
        g = groups.select(
            pl.col("participant_id").cast(matrix.participant_ids.dtype, strict=False),
            pl.col("group"),
        )
        joined = pids.join(g, on="participant_id", how="left", maintain_order="left")
        col = joined.get_column("group")
        if col.dtype == pl.String or col.dtype == pl.Categorical:
            codes = col.cast(pl.String)
            uniq = sorted(set(codes.drop_nulls().to_list()))
            lut = {u: i for i, u in enumerate(uniq)}
            return np.array([lut[c] if c is not None else -1 for c in codes.to_list()])
        return col.fill_null(-1).cast(pl.Int64).to_numpy()
    arr = np.asarray(groups)
    if arr.shape != (n,):
        raise ValidationError(
            f"expected one group label per participant row ({n}); got shape {arr.shape}",
            table="groups",
        )
    if arr.dtype.kind == "f":
        out = np.where(np.isnan(arr), -1, arr).astype(np.int64)
    elif arr.dtype.kind in "iu":
        out = arr.astype(np.int64)
    else:
        vals = [None if v is None else v for v in arr.tolist()]
        uniq = sorted({v for v in vals if v is not None}, key=str)
        lut = {u: i for i, u in enumerate(uniq)}
        out = np.array([lut[v] if v is not None else -1 for v in vals], dtype=np.int64)
    return out


def group_aware_consensus(matrix: VoteMatrix, groups: Any) -> pl.DataFrame:
    """Pol.is's group-aware consensus of every statement.

    ``GAC = prod over groups g of (A_g + 1) / (S_g + 2)`` with ``A_g`` the agrees and
    ``S_g`` all votes (passes included) of group g on the statement, over the unmoderated
    latest votes of clustered participants.

    Parameters
    ----------
    matrix : VoteMatrix
    groups : array-like or polars.DataFrame
        One label per matrix row (-1, None or NaN when not clustered), or a table with
        columns ``participant_id`` and ``group`` (null when not clustered).

    Returns
    -------
    polars.DataFrame
        ``statement_id``, ``group_aware_consensus``.

    Examples
    --------
    >>> from coprod_analytics.inquiry import Inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> inq = Inquiry(votes={"participant_id": [1, 2, 3, 4], "statement_id": [1, 1, 1, 1],
    ...                      "vote": [1, 1, -1, 0]})
    >>> gac = group_aware_consensus(vote_matrix(inq), [0, 0, 1, 1])
    >>> gac["group_aware_consensus"].to_list()  # (3/4) * (1/4)
    [0.1875]
    """
    labels = _groups_for_rows(matrix, groups)
    gs = np.unique(labels[labels >= 0])
    dense = np.full(labels.shape[0], -1, dtype=np.int64)
    dense[labels >= 0] = np.searchsorted(gs, labels[labels >= 0])
    agree, _, total = group_vote_counts(matrix, dense, int(gs.shape[0]))
    gac = np.prod((agree + 1.0) / (total + 2.0), axis=0)
    return pl.DataFrame({"statement_id": matrix.statement_ids, "group_aware_consensus": gac})


def _prop_test(succ: np.ndarray, n: np.ndarray) -> np.ndarray:
    s1 = succ + 1.0
    n1 = n + 1.0
    return 2.0 * np.sqrt(n1) * (s1 / n1 - 0.5)


def _two_prop_test(
    succ_in: np.ndarray, succ_out: np.ndarray, n_in: np.ndarray, n_out: np.ndarray
) -> np.ndarray:
    s1, s2, n1, n2 = succ_in + 1.0, succ_out + 1.0, n_in + 1.0, n_out + 1.0
    pi1 = s1 / n1
    pi2 = s2 / n2
    pi = (s1 + s2) / (n1 + n2)
    var = pi * (1.0 - pi) * (1.0 / n1 + 1.0 / n2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = (pi1 - pi2) / np.sqrt(var)
    return np.where(pi == 1.0, 0.0, np.nan_to_num(z, nan=0.0, posinf=0.0, neginf=0.0))


@dataclass(frozen=True, eq=False)
class Repness:
    """Pol.is's representativeness statistics, each ``(n_groups, n_statements)``."""

    na: np.ndarray
    nd: np.ndarray
    ns: np.ndarray
    pa: np.ndarray
    pd: np.ndarray
    pat: np.ndarray
    pdt: np.ndarray
    ra: np.ndarray
    rd: np.ndarray
    rat: np.ndarray
    rdt: np.ndarray


def repness_stats(agree: np.ndarray, disagree: np.ndarray, total: np.ndarray) -> Repness:
    """Representativeness of each statement for each group (one group vs the rest)."""
    na, nd, ns = (a.astype(np.float64) for a in (agree, disagree, total))
    ra_rest = na.sum(axis=0, keepdims=True) - na
    rd_rest = nd.sum(axis=0, keepdims=True) - nd
    rs_rest = ns.sum(axis=0, keepdims=True) - ns
    pa = (na + 1.0) / (ns + 2.0)
    pd = (nd + 1.0) / (ns + 2.0)
    return Repness(
        na=na,
        nd=nd,
        ns=ns,
        pa=pa,
        pd=pd,
        pat=_prop_test(na, ns),
        pdt=_prop_test(nd, ns),
        ra=pa / ((1.0 + ra_rest) / (2.0 + rs_rest)),
        rd=pd / ((1.0 + rd_rest) / (2.0 + rs_rest)),
        rat=_two_prop_test(na, ra_rest, ns, rs_rest),
        rdt=_two_prop_test(nd, rd_rest, ns, rs_rest),
    )


@dataclass(frozen=True)
class RepStatement:
    """One representative statement of a group."""

    column: int
    direction: str  # "agree" | "disagree"
    n_success: int
    n_trials: int
    p_success: float
    p_test: float
    repness: float
    repness_test: float
    best_agree: bool = False


def select_representative(
    rep: Repness, excluded: np.ndarray, *, pick_max: int = 5, z: float = SIGNIFICANCE_Z
) -> list[list[RepStatement]]:
    """Pol.is's choice of representative statements for each group.

    Significant statements ((rat and pat) or (rdt and pdt) above ``z``) are ranked by
    repness x repness-test x p-success x p-test; the best agreed statement goes first; at
    most ``pick_max`` are kept, agrees before disagrees. A group with no significant
    statement gets its best agreed one (or else its best one by test), so every group has at
    least one. Excluded (moderated-out/meta) statements are never chosen.
    """
    n_groups, m = rep.na.shape
    out: list[list[RepStatement]] = []
    allowed = ~excluded
    for g in range(n_groups):

        def fin(j: int, best_agree: bool = False, g: int = g) -> RepStatement:
            if rep.rat[g, j] > rep.rdt[g, j]:
                vals = ("agree", rep.na, rep.pa, rep.pat, rep.ra, rep.rat)
            else:
                vals = ("disagree", rep.nd, rep.pd, rep.pdt, rep.rd, rep.rdt)
            return RepStatement(
                column=j,
                direction=str(vals[0]),
                n_success=int(vals[1][g, j]),
                n_trials=int(rep.ns[g, j]),
                p_success=float(vals[2][g, j]),
                p_test=float(vals[3][g, j]),
                repness=float(vals[4][g, j]),
                repness_test=float(vals[5][g, j]),
                best_agree=best_agree,
            )

        sufficient: list[int] = []
        best: int | None = None
        best_agree: int | None = None
        for j in range(m):
            if not allowed[j]:
                continue
            passes = (rep.rat[g, j] > z and rep.pat[g, j] > z) or (
                rep.rdt[g, j] > z and rep.pdt[g, j] > z
            )
            if passes:
                sufficient.append(j)
            if not sufficient and (
                best is None
                or max(rep.rat[g, j], rep.rdt[g, j]) > max(rep.rat[g, best], rep.rdt[g, best])
            ):
                best = j
            if _beats_best_agree(rep, g, j, best_agree, z):
                best_agree = j
        head: list[RepStatement] = []
        if best_agree is not None:
            head = [fin(best_agree, True)]
        if not sufficient:
            if head:
                out.append(head)
            elif best is not None:
                out.append([fin(best)])
            else:
                out.append([])
            continue
        cands = [fin(j) for j in sufficient if j != best_agree]
        cands.sort(key=lambda r: -(r.repness * r.repness_test * r.p_success * r.p_test))
        chosen = (head + cands)[:pick_max]
        chosen = [r for r in chosen if r.direction == "agree"] + [
            r for r in chosen if r.direction == "disagree"
        ]
        out.append(chosen)
    return out


def _beats_best_agree(rep: Repness, g: int, j: int, cur: int | None, z: float) -> bool:
    if rep.na[g, j] == 0 and rep.nd[g, j] == 0:
        return False
    metric = rep.ra[g, j] * rep.rat[g, j] * rep.pa[g, j] * rep.pat[g, j]
    if cur is not None and rep.ra[g, cur] > 1.0:
        return bool(metric > rep.ra[g, cur] * rep.rat[g, cur] * rep.pa[g, cur] * rep.pat[g, cur])
    if cur is not None:
        return bool(rep.pa[g, j] * rep.pat[g, j] > rep.pa[g, cur] * rep.pat[g, cur])
    return bool(rep.pat[g, j] > z or (rep.ra[g, j] > 1.0 and rep.pa[g, j] > 0.5))


def select_consensus(
    agree: np.ndarray,
    disagree: np.ndarray,
    total: np.ndarray,
    excluded: np.ndarray,
    *,
    pick_max: int = 5,
    z: float = SIGNIFICANCE_Z,
) -> tuple[list[int], list[int]]:
    """Pol.is's consensus statements over all participants: columns of the top agreed and
    the top disagreed statements (p > 0.5 and significant test, ranked by p x test)."""
    na, nd, ns = (a.astype(np.float64) for a in (agree, disagree, total))
    pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
    pat, pdt = _prop_test(na, ns), _prop_test(nd, ns)

    def top(p: np.ndarray, t: np.ndarray) -> list[int]:
        ok = np.flatnonzero((p > 0.5) & (t > z) & ~excluded)
        order = np.argsort(-(p[ok] * t[ok]), kind="stable")
        return [int(i) for i in ok[order][:pick_max]]

    return top(pa, pat), top(pd, pdt)


def comment_priority(
    agree: np.ndarray,
    disagree: np.ndarray,
    total: np.ndarray,
    extremity: np.ndarray,
    is_meta: np.ndarray,
) -> np.ndarray:
    """Pol.is's comment priority from group vote totals (summed over groups) and extremity.

    ``importance = (1 - (P+1)/(S+2)) (E+1) (A+1)/(S+2)``;
    ``priority = (importance (1 + 8 * 2^(-S/5)))^2``; meta statements get 49.

    Examples
    --------
    >>> comment_priority(np.array([1]), np.array([0]), np.array([1]), np.array([0.0]),
    ...                  np.array([False])).round(4).tolist()
    [12.5297]
    """
    a, d, s = (x.astype(np.float64) for x in (agree, disagree, total))
    p = s - (a + d)
    importance = (1.0 - (p + 1.0) / (s + 2.0)) * (extremity + 1.0) * (a + 1.0) / (s + 2.0)
    pri = (importance * (1.0 + 8.0 * np.power(2.0, -s / 5.0))) ** 2
    return np.where(is_meta, 49.0, pri)


# --------------------------------------------------------------------------- in-conv
def in_conversation(
    n_votes: np.ndarray,
    n_statements: int,
    *,
    min_votes: int = 7,
    min_participants: int = 15,
    sticky: np.ndarray | None = None,
) -> np.ndarray:
    """Pol.is's in-conversation rule as a boolean mask over rows.

    A participant is in when they voted on at least ``min(min_votes, n_statements)``
    statements (passes count) or were in before (``sticky``); when fewer than
    ``min_participants`` are in, the heaviest voters are added (ties by row order).

    Examples
    --------
    >>> in_conversation(np.array([9, 1, 7, 3]), 20, min_participants=3).tolist()
    [True, False, True, True]
    """
    mask = n_votes >= min(min_votes, n_statements)
    if sticky is not None:
        mask |= sticky
    short = min_participants - int(mask.sum())
    if short > 0:
        cand = np.flatnonzero(~mask & (n_votes > 0))
        order = cand[np.argsort(-n_votes[cand], kind="stable")]
        mask[order[:short]] = True
    return mask


# --------------------------------------------------------------------------- one update
@dataclass(frozen=True, eq=False)
class PolisState:
    """What Pol.is carries from one update to the next (for warm starts and replay).

    Attributes
    ----------
    row_keys : np.ndarray
        Stable int64 key of every matrix row (participant), matching ``base.members``.
    in_conv_keys : np.ndarray
        Keys of participants in the conversation (sticky).
    base : ClusterState
        Base clusters (members are row keys).
    group_clusterings : dict of int to ClusterState
        Group clustering for every k tried (members are base-cluster ids).
    last_k, last_k_count, smoothed_k : int
        Pol.is's k-smoother.
    """

    row_keys: np.ndarray
    in_conv_keys: np.ndarray
    base: ClusterState
    group_clusterings: dict[int, ClusterState] = field(default_factory=dict)
    last_k: int = 0
    last_k_count: int = 0
    smoothed_k: int = 0
    key_ids: pl.Series | None = None
    n_updates: int = 1


@dataclass(frozen=True, eq=False)
class PipelineOutput:
    """Arrays of one pipeline run (before they become polars tables)."""

    matrix: VoteMatrix
    pca: PCAResult
    xy: np.ndarray
    n_votes: np.ndarray
    in_conv: np.ndarray
    labels: np.ndarray  # per row: 0..k-1 or -1
    k: int
    best_k: int
    silhouettes: dict[int, float]
    group_ids: np.ndarray  # Pol.is cluster id of group 0..k-1
    stmt_xy: np.ndarray
    n_polis_statements: int
    state: PolisState


def run_update(
    matrix: VoteMatrix,
    row_keys: np.ndarray,
    *,
    previous: PolisState | None = None,
    min_votes: int = 7,
    min_participants: int = 15,
    base_k: int = 100,
    max_k: int = 5,
    base_iters: int = 100,
    group_iters: int = 20,
    k_buffer: int = 4,
    force_k: int | None = None,
    seed: int = 0,
) -> PipelineOutput:
    """One Pol.is math update on a vote matrix (cold start, or warm from ``previous``)."""
    n, m = matrix.shape
    has_votes = np.bincount(matrix.cols, minlength=m) > 0
    n_polis = int(has_votes.sum())
    n_excl = int((matrix.excluded & has_votes).sum())
    raw_votes = matrix.votes_per_participant()
    nonexcl = ~matrix.excluded[matrix.cols]
    n_votes_proj = np.bincount(matrix.rows[nonexcl], minlength=n) + n_excl
    pca = sparse_pca(matrix, seed=seed)
    xy = project(pca, n_votes_proj, n_polis) if n else np.zeros((0, 2))
    stmt_xy = _statement_projection(pca, n_polis)
    sticky = None
    if previous is not None:
        sticky = np.isin(row_keys, previous.in_conv_keys)
    in_conv = in_conversation(
        raw_votes, n_polis, min_votes=min_votes, min_participants=min_participants, sticky=sticky
    )
    idx = np.flatnonzero(in_conv)
    labels = np.full(n, -1, dtype=np.int64)
    pts = xy[idx]
    base, blab = polis_kmeans(
        pts,
        base_k,
        keys=row_keys[idx],
        last=None if previous is None else previous.base,
        max_iters=base_iters,
    )
    silhouettes: dict[int, float] = {}
    group_states: dict[int, ClusterState] = {}
    last_k = last_count = smoothed = 0
    if base.n == 0:
        k = best_k = 0
        gids = np.zeros(0, dtype=np.int64)
    else:
        choice = choose_groups(
            base,
            max_k=max_k,
            group_iters=group_iters,
            last=None if previous is None else previous.group_clusterings,
            force_k=force_k,
        )
        silhouettes = choice.silhouettes
        group_states = {kk: st for kk, (st, _) in choice.clusterings.items()}
        best_k = choice.best_k
        if previous is not None and force_k is None:
            same = previous.last_k == best_k
            last_count = previous.last_k_count + 1 if same else 1
            smoothed = best_k if last_count >= k_buffer else (previous.smoothed_k or best_k)
            if smoothed not in choice.clusterings:
                smoothed = best_k
        else:
            last_count, smoothed = 1, best_k
        last_k = best_k
        gstate, glab = choice.clusterings[smoothed]
        k = gstate.n
        gids = gstate.ids
        labels[idx] = glab[blab]
    state = PolisState(
        row_keys=row_keys,
        in_conv_keys=row_keys[in_conv],
        base=base,
        group_clusterings=group_states,
        last_k=last_k,
        last_k_count=last_count,
        smoothed_k=smoothed,
        n_updates=1 if previous is None else previous.n_updates + 1,
    )
    return PipelineOutput(
        matrix=matrix,
        pca=pca,
        xy=xy,
        n_votes=raw_votes,
        in_conv=in_conv,
        labels=labels,
        k=k,
        best_k=best_k,
        silhouettes=silhouettes,
        group_ids=gids,
        stmt_xy=stmt_xy,
        n_polis_statements=n_polis,
        state=state,
    )


# --------------------------------------------------------------------------- row order
def reorder_rows(matrix: VoteMatrix, order: np.ndarray) -> VoteMatrix:
    """The same matrix with its rows permuted (``order[i]`` = old row of new row ``i``)."""
    from coprod_analytics.consensus.matrix import VoteMatrix

    inv = np.empty_like(order)
    inv[order] = np.arange(order.shape[0], dtype=order.dtype)
    return VoteMatrix(
        participant_ids=matrix.participant_ids.gather(order),
        statement_ids=matrix.statement_ids,
        rows=inv[matrix.rows].astype(np.int32),
        cols=matrix.cols,
        values=matrix.values,
        excluded=matrix.excluded,
        times=matrix.times,
    )


def polis_row_order(matrix: VoteMatrix) -> np.ndarray:
    """Row order of a Pol.is reload: first appearance in votes sorted by statement id,
    then participant id (then time)."""
    n, m = matrix.shape
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    srank = np.empty(m, dtype=np.int64)
    srank[matrix.statement_ids.arg_sort().to_numpy()] = np.arange(m)
    rowmin = np.full(n, m, dtype=np.int64)
    np.minimum.at(rowmin, matrix.rows, srank[matrix.cols])
    prank = np.empty(n, dtype=np.int64)
    prank[matrix.participant_ids.arg_sort().to_numpy()] = np.arange(n)
    return np.lexsort((prank, rowmin))


def check_common_params(
    func: str,
    *,
    min_votes: int,
    min_participants: int,
    base_k: int,
    max_k: int,
    k: int | None,
    base_iters: int,
    group_iters: int,
) -> None:
    """Validate the parameters shared by the batch and replay entry points."""

    def is_int(v: Any) -> bool:
        return isinstance(v, int | np.integer) and not isinstance(v, bool)

    check_param(is_int(min_votes) and min_votes >= 1, "min_votes", func, "an int >= 1", min_votes)
    check_param(
        is_int(min_participants) and min_participants >= 0,
        "min_participants",
        func,
        "an int >= 0",
        min_participants,
    )
    check_param(is_int(base_k) and base_k >= 1, "base_k", func, "an int >= 1", base_k)
    check_param(is_int(max_k) and max_k >= 2, "max_k", func, "an int >= 2", max_k)
    check_param(k is None or (is_int(k) and k >= 1), "k", func, "None or an int >= 1", k)
    check_param(
        is_int(base_iters) and base_iters >= 1, "base_iters", func, "an int >= 1", base_iters
    )
    check_param(
        is_int(group_iters) and group_iters >= 1, "group_iters", func, "an int >= 1", group_iters
    )


def hungarian_relabel(
    new_labels: Sequence[int] | np.ndarray,
    new_keys: np.ndarray,
    old_labels: np.ndarray,
    old_keys: np.ndarray,
    k: int,
) -> np.ndarray:
    """Map new group labels (0..k-1) to previous labels by maximum member overlap.

    Returns ``mapping`` with ``mapping[new] = label to show``; groups that match nothing
    get the smallest labels not used by a match.
    """
    from scipy.optimize import linear_sum_assignment

    new_labels = np.asarray(new_labels)
    old_ok = old_labels >= 0
    if k == 0 or not old_ok.any():
        return np.arange(k)
    k_old = int(old_labels[old_ok].max()) + 1
    old_map = dict(zip(old_keys[old_ok].tolist(), old_labels[old_ok].tolist(), strict=True))
    overlap = np.zeros((k, k_old))
    for key, lab in zip(new_keys.tolist(), new_labels.tolist(), strict=True):
        if lab >= 0 and key in old_map:
            overlap[lab, old_map[key]] += 1
    r, c = linear_sum_assignment(-overlap)
    mapping = np.full(k, -1, dtype=np.int64)
    for i, j in zip(r.tolist(), c.tolist(), strict=True):
        if overlap[i, j] > 0:
            mapping[i] = j
    used = set(mapping[mapping >= 0].tolist())
    free = (x for x in range(k + k_old) if x not in used)
    for i in range(k):
        if mapping[i] < 0:
            mapping[i] = next(free)
    return mapping


# --------------------------------------------------------------------------- entry point
def row_keys_for(
    participant_ids: pl.Series, previous: pl.Series | None
) -> tuple[np.ndarray, pl.Series]:
    """Stable integer keys of participants across updates.

    Key ``i`` stands for ``key_ids[i]``; participants already known keep their key and new
    ones get the next keys, in row order.
    """
    if previous is None or previous.len() == 0:
        return np.arange(participant_ids.len(), dtype=np.int64), participant_ids
    prev = previous
    if prev.dtype != participant_ids.dtype:
        prev = prev.cast(pl.String)
        participant_ids = participant_ids.cast(pl.String)
    known = pl.DataFrame({"pid": prev, "key": np.arange(prev.len(), dtype=np.int64)})
    rows = pl.DataFrame({"pid": participant_ids}).join(
        known, on="pid", how="left", maintain_order="left"
    )
    key = rows.get_column("key")
    new_mask = key.is_null()
    n_new = int(new_mask.sum())
    if n_new:
        fresh = np.arange(prev.len(), prev.len() + n_new, dtype=np.int64)
        key_np = key.to_numpy().copy()
        key_np[new_mask.to_numpy()] = fresh
        new_ids = pl.concat([prev, participant_ids.filter(new_mask)])
        return key_np.astype(np.int64), new_ids
    return key.to_numpy().astype(np.int64), prev


def _statement_meta(inquiry: Any, matrix: VoteMatrix) -> pl.DataFrame:
    stmts = inquiry.statements
    cols = ["statement_id", "text", "moderation", "is_meta"]
    return stmts.select(cols)


def assemble(
    out: PipelineOutput,
    inquiry: Any,
    *,
    mode: str,
    as_of: str | None,
    parameters: dict[str, Any],
    seed: int,
    previous: Any = None,
    bridging: bool = True,
    n_boot: int = 0,
    alpha: float = 0.05,
    stability: bool = False,
    progress: bool = False,
) -> Any:
    """Turn one pipeline run into an :class:`OpinionGroups` result."""
    from coprod_analytics.consensus.result import OpinionGroups
    from coprod_analytics.provenance import Provenance

    matrix = out.matrix
    n, m = matrix.shape
    k = out.k
    labels = out.labels
    notes: list[str] = []
    # ---- display labels (stable against the previous result)
    mapping = np.arange(k)
    if previous is not None and previous.participants.height and k:
        prev_p = previous.participants
        pk, _ = row_keys_for(matrix.participant_ids, None)
        old = pl.DataFrame({"participant_id": matrix.participant_ids}).join(
            prev_p.select("participant_id", "group").with_columns(
                pl.col("participant_id").cast(matrix.participant_ids.dtype, strict=False)
            ),
            on="participant_id",
            how="left",
            maintain_order="left",
        )
        old_labels = old.get_column("group").fill_null(-1).to_numpy().astype(np.int64)
        mapping = hungarian_relabel(labels, pk, old_labels, pk, k)
    shown = np.where(labels >= 0, mapping[np.maximum(labels, 0)], -1)
    # ---- tallies
    agree, disagree, total = group_vote_counts(matrix, labels, k)
    all_agree, all_disagree, all_total = matrix.counts()
    rep = repness_stats(agree, disagree, total)
    excluded = matrix.excluded
    reps = select_representative(rep, excluded) if k >= 1 else []
    cons_a, cons_d = select_consensus(all_agree, all_disagree, all_total, excluded)
    extremity = np.hypot(out.stmt_xy[:, 0], out.stmt_xy[:, 1])
    is_meta_arr = (
        inquiry.statements.get_column("is_meta").to_numpy().astype(bool)
        if "is_meta" in inquiry.statements.columns
        else np.zeros(m, dtype=bool)
    )
    priority = comment_priority(
        agree.sum(axis=0), disagree.sum(axis=0), total.sum(axis=0), extremity, is_meta_arr
    )
    gac = np.prod((agree + 1.0) / (total + 2.0), axis=0) if k else np.ones(m)
    z = SIGNIFICANCE_Z
    if k >= 2:
        sig_a = (rep.pa > 0.5) & (rep.pat > z)
        sig_d = (rep.pd > 0.5) & (rep.pdt > z)
        n_a, n_d = sig_a.sum(axis=0), sig_d.sum(axis=0)
        both = (sig_a & sig_d).sum(axis=0)
        divisive = (n_a >= 1) & (n_d >= 1) & ((n_a + n_d - both) >= 2) & ~excluded
    else:
        divisive = np.zeros(m, dtype=bool)
    sids = matrix.statement_ids
    sid_list = sids.to_list()
    consensus: list[str | None] = [None] * m
    for j in cons_a:
        consensus[j] = "agree"
    for j in cons_d:
        if consensus[j] is None:
            consensus[j] = "disagree"
    rep_for: list[list[int]] = [[] for _ in range(m)]
    rank = np.full((k, m), -1, dtype=np.int64)
    for g, lst in enumerate(reps):
        for r, rs in enumerate(lst):
            rank[g, rs.column] = r + 1
            rep_for[rs.column].append(int(mapping[g]))
    # ---- bridging, intervals and stability (their own modules; see their docs)
    bridging_col = pl.Series("bridging", [None] * m, dtype=pl.Float64)
    factor_col = pl.Series("bridging_factor", [None] * m, dtype=pl.Float64)
    if bridging:
        from coprod_analytics.consensus.bridging import bridging_scores

        try:
            bs = bridging_scores(matrix, seed=seed)
        except (ValueError, RuntimeError) as exc:
            notes.append(f"bridging scores not computed: {exc}")
        else:
            joined = pl.DataFrame({"statement_id": sids}).join(
                bs.select(
                    "statement_id",
                    pl.col("bridging").cast(pl.Float64),
                    pl.col("factor").cast(pl.Float64).alias("bridging_factor"),
                ),
                on="statement_id",
                how="left",
                maintain_order="left",
            )
            bridging_col = joined.get_column("bridging")
            factor_col = joined.get_column("bridging_factor")
    gac_lo = np.full(m, np.nan)
    gac_hi = np.full(m, np.nan)
    rate_lo = np.full((k, m), np.nan)
    rate_hi = np.full((k, m), np.nan)
    if n_boot and k:
        gac_lo, gac_hi, rate_lo, rate_hi = _bootstrap(
            matrix, labels, k, n_boot=n_boot, alpha=alpha, seed=seed, progress=progress
        )
    confidence = np.full(n, np.nan)
    stab: dict[str, Any] | None = None
    if stability:
        got = _stability(out, seed=seed, notes=notes, progress=progress)
        if got is not None:
            confidence, stab = got
    # ---- tables
    meta = _statement_meta(inquiry, matrix)
    with np.errstate(invalid="ignore", divide="ignore"):
        agree_rate = np.where(all_total > 0, all_agree / np.maximum(all_total, 1), np.nan)
    statements = meta.with_columns(
        excluded=pl.Series(excluded),
        agree=pl.Series(all_agree.astype(np.int64)),
        disagree=pl.Series(all_disagree.astype(np.int64)),
        **{"pass": pl.Series((all_total - all_agree - all_disagree).astype(np.int64))},
        n_votes=pl.Series(all_total.astype(np.int64)),
        agree_rate=pl.Series(agree_rate).fill_nan(None),
        x=pl.Series(out.stmt_xy[:, 0]),
        y=pl.Series(out.stmt_xy[:, 1]),
        extremity=pl.Series(extremity),
        group_aware_consensus=pl.Series(gac),
        gac_ci_low=pl.Series(gac_lo).fill_nan(None),
        gac_ci_high=pl.Series(gac_hi).fill_nan(None),
        bridging=bridging_col,
        bridging_factor=factor_col,
        consensus=pl.Series(consensus, dtype=pl.String),
        is_consensus=pl.Series([c is not None for c in consensus], dtype=pl.Boolean),
        is_divisive=pl.Series(divisive),
        representative_for=pl.Series(rep_for, dtype=pl.List(pl.Int64)),
        priority=pl.Series(priority),
    )
    participants = pl.DataFrame(
        {
            "participant_id": matrix.participant_ids,
            "x": out.xy[:, 0] if n else np.zeros(0),
            "y": out.xy[:, 1] if n else np.zeros(0),
            "group": pl.Series(np.where(shown >= 0, shown, 0)).cast(pl.Int64),
            "in_conv": out.in_conv,
            "n_votes": out.n_votes.astype(np.int64),
            "confidence": pl.Series(confidence).fill_nan(None),
        }
    ).with_columns(
        pl.when(pl.Series(shown >= 0)).then(pl.col("group")).otherwise(None).alias("group")
    )
    gv_rows = k * m
    g_idx = np.repeat(np.arange(k), m)
    with np.errstate(invalid="ignore", divide="ignore"):
        tot = total.reshape(-1).astype(np.float64)

        def rate(a: np.ndarray) -> pl.Series:
            return pl.Series(np.where(tot > 0, a.reshape(-1) / np.maximum(tot, 1), np.nan))

    passes = total - agree - disagree
    group_votes = pl.DataFrame(
        {
            "group": pl.Series(mapping[g_idx] if gv_rows else np.zeros(0, np.int64)).cast(pl.Int64),
            "statement_id": pl.concat([sids] * k) if k else sids.clear(),
            "agree": agree.reshape(-1),
            "disagree": disagree.reshape(-1),
            "pass": passes.reshape(-1),
            "total": total.reshape(-1),
            "agree_rate": rate(agree).fill_nan(None),
            "disagree_rate": rate(disagree).fill_nan(None),
            "pass_rate": rate(passes).fill_nan(None),
            "pa": rep.pa.reshape(-1),
            "pd": rep.pd.reshape(-1),
            "pat": rep.pat.reshape(-1),
            "pdt": rep.pdt.reshape(-1),
            "ra": rep.ra.reshape(-1),
            "rd": rep.rd.reshape(-1),
            "rat": rep.rat.reshape(-1),
            "rdt": rep.rdt.reshape(-1),
            "repful_for": pl.Series(
                np.where(rep.rat.reshape(-1) > rep.rdt.reshape(-1), "agree", "disagree")
            ).cast(pl.String),
            "rep_rank": pl.Series(rank.reshape(-1)),
            "agree_ci_low": pl.Series(rate_lo.reshape(-1)).fill_nan(None),
            "agree_ci_high": pl.Series(rate_hi.reshape(-1)).fill_nan(None),
        }
    ).with_columns(
        pl.when(pl.col("rep_rank") > 0).then(pl.col("rep_rank")).otherwise(None).alias("rep_rank")
    )
    sizes = np.bincount(labels[labels >= 0], minlength=k) if k else np.zeros(0, np.int64)
    centers = np.zeros((k, 2))
    if k:
        lab_ok = labels >= 0
        for ax in range(2):
            centers[:, ax] = np.bincount(
                labels[lab_ok], weights=out.xy[lab_ok, ax], minlength=k
            ) / np.maximum(sizes, 1)
    groups = pl.DataFrame(
        {
            "group": pl.Series(mapping, dtype=pl.Int64),
            "size": pl.Series(sizes.astype(np.int64), dtype=pl.Int64),
            "x": pl.Series(centers[:, 0], dtype=pl.Float64),
            "y": pl.Series(centers[:, 1], dtype=pl.Float64),
            "representative": pl.Series(
                [[sid_list[r.column] for r in reps[g]] for g in range(k)],
                dtype=pl.List(sids.dtype),
            ),
            "representative_direction": pl.Series(
                [[r.direction for r in reps[g]] for g in range(k)], dtype=pl.List(pl.String)
            ),
        }
    ).sort("group")
    fingerprint = inquiry.fingerprint
    prov = Provenance(
        method="opinion_groups", input_fingerprint=fingerprint, parameters=parameters, seed=seed
    )
    state = out.state
    return OpinionGroups(
        participants=participants,
        statements=statements,
        group_votes=group_votes.sort("group", maintain_order=True),
        groups=groups,
        k=int(k),
        best_k=int(out.best_k),
        silhouettes={int(a): float(b) for a, b in out.silhouettes.items()},
        consensus_agree=[sid_list[j] for j in cons_a],
        consensus_disagree=[sid_list[j] for j in cons_d],
        stability=stab,
        mode=mode,
        as_of=as_of,
        parameters=parameters,
        seed=seed,
        fingerprint=fingerprint,
        provenance=prov,
        notes=tuple(notes),
        state=state,
    )


def _bootstrap(
    matrix: VoteMatrix,
    labels: np.ndarray,
    k: int,
    *,
    n_boot: int,
    alpha: float,
    seed: int,
    progress: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bootstrap intervals (:func:`~coprod_analytics.consensus.uncertainty.bootstrap_group_rates`)
    as arrays: GAC low/high per statement, agree-rate low/high per (group, statement)."""
    from coprod_analytics.consensus.uncertainty import bootstrap_group_rates

    callback = _progress_printer("bootstrap") if progress else None
    rates, gac = bootstrap_group_rates(
        matrix, labels, n_boot=n_boot, alpha=alpha, seed=seed, progress=callback
    )
    m = matrix.shape[1]
    sid_index = pl.DataFrame(
        {"statement_id": matrix.statement_ids, "_col": np.arange(m, dtype=np.int64)}
    )
    gac_lo = np.full(m, np.nan)
    gac_hi = np.full(m, np.nan)
    g = gac.join(sid_index, on="statement_id", how="inner")
    idx = g.get_column("_col").to_numpy()
    gac_lo[idx] = g.get_column("gac_low").cast(pl.Float64).fill_null(np.nan).to_numpy()
    gac_hi[idx] = g.get_column("gac_high").cast(pl.Float64).fill_null(np.nan).to_numpy()
    rate_lo = np.full((k, m), np.nan)
    rate_hi = np.full((k, m), np.nan)
    r = rates.join(sid_index, on="statement_id", how="inner")
    gi = r.get_column("group").cast(pl.Int64).to_numpy()
    ok = (gi >= 0) & (gi < k)
    ci = r.get_column("_col").to_numpy()
    lo = r.get_column("agree_low").cast(pl.Float64).fill_null(np.nan).to_numpy()
    hi = r.get_column("agree_high").cast(pl.Float64).fill_null(np.nan).to_numpy()
    rate_lo[gi[ok], ci[ok]] = lo[ok]
    rate_hi[gi[ok], ci[ok]] = hi[ok]
    return gac_lo, gac_hi, rate_lo, rate_hi


def _progress_printer(what: str) -> Any:
    """A ``progress(done, total)`` callback drawing a text progress bar on stderr (it
    updates in place in a terminal and in a notebook's output; no Jupyter imports)."""
    import sys

    def show(done: int, total: int) -> None:
        width = 30
        filled = int(width * done / max(total, 1))
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if done >= total else ""
        print(f"\r{what} [{bar}] {done}/{total}", end=end, file=sys.stderr, flush=True)

    return show


def _stability(
    out: PipelineOutput, *, seed: int, notes: list[str], progress: bool
) -> tuple[np.ndarray, dict[str, Any]] | None:
    """Resampling stability (:func:`~coprod_analytics.consensus.stability.consensus_clustering`)
    of the clustered participants, with Pol.is's own clustering as the clustering function."""
    from coprod_analytics.consensus.stability import consensus_clustering

    idx = np.flatnonzero(out.in_conv)
    if idx.size < 4:
        notes.append("stability analysis skipped: fewer than 4 clustered participants")
        return None

    def polis_clusters(points: np.ndarray, k: int, seed: int) -> np.ndarray:
        return cluster_projection(points, k, seed=seed)

    res = consensus_clustering(
        out.xy[idx], cluster_fn=polis_clusters, labels=out.labels[idx], seed=seed
    )
    conf = np.full(out.xy.shape[0], np.nan)
    conf[idx] = np.asarray(res.confidence, dtype=np.float64)
    table = res.to_frame()
    summary: dict[str, Any] = {
        "supported_k": int(res.k),
        "verdict": str(res.verdict),
        "per_k": table.to_dicts(),
    }
    summary["polis_k"] = int(out.k)
    return conf, summary


_FUNC = "opinion_groups"


def opinion_groups(
    inquiry: Any,
    *,
    mode: str = "batch",
    as_of: Any = None,
    seed: int = 0,
    previous: Any = None,
    min_votes: int = 7,
    min_participants: int = 15,
    base_k: int = 100,
    max_k: int = 5,
    k: int | None = None,
    base_iters: int = 100,
    group_iters: int = 20,
    row_order: str = "polis",
    cadence: Any = 500,
    k_buffer: int = 4,
    bridging: bool = True,
    n_boot: int = 0,
    alpha: float = 0.05,
    stability: bool = False,
    progress: bool = False,
) -> Any:
    """Pol.is-compatible opinion groups, consensus and divisions of an inquiry.

    Parameters
    ----------
    inquiry : Inquiry
        Agree/disagree/pass votes (latest vote wins) and statements with moderation.
    mode : {"batch", "replay"}
        ``"batch"``: one recomputation from scratch with Pol.is's cold start (what Pol.is
        computes after a full reload). ``"replay"``: replay the vote log in time order
        through Pol.is's update rules (warm starts, sticky in-conversation membership, the
        ``k_buffer``-update k-smoother), one update every ``cadence``.
    as_of : time, optional
        Only votes (and statements) up to this time (epoch ms, ISO 8601 or datetime): what
        Pol.is would have shown then.
    seed : int
        Random seed (iterative SVD start on large data, resampling, bridging, bootstrap).
    previous : OpinionGroups, optional
        An earlier result on the same inquiry: warm-start from its state (like one more
        Pol.is update) and keep its group labels where members overlap (Hungarian matching).
    min_votes : int
        In-conversation threshold: votes needed to be clustered (Pol.is: 7).
    min_participants : int
        Top up the in-conversation set with the heaviest voters until this many (15).
    base_k : int
        Number of base clusters (100).
    max_k : int
        Largest number of groups tried (5); at most ``2 + n_base // 12``.
    k : int, optional
        Force the number of groups instead of choosing by silhouette.
    base_iters, group_iters : int
        Iteration caps of the base and group k-means (100, 20).
    row_order : {"polis", "log"}
        Row order for the batch cold start: ``"polis"`` (votes sorted by statement,
        participant, time, as a Pol.is reload reads them) or ``"log"`` (first appearance in
        the vote log).
    cadence : int or str or datetime.timedelta
        Replay only: update every ``cadence`` votes (int) or every time window (e.g.
        ``"1h"``, ``"1d"``).
    k_buffer : int
        Replay/warm start: a new best k is shown after winning this many updates in a row.
    bridging : bool
        Add Community-Notes-style bridging scores (:mod:`~coprod_analytics.consensus.bridging`).
    n_boot : int
        Bootstrap resamples for intervals on group agree rates and group-aware consensus
        (0: none).
    alpha : float
        Interval level ``1 - alpha``.
    stability : bool
        Resampling consensus clustering: membership confidence and the k the data supports.
    progress : bool
        Show a progress bar for long resampling runs.

    Returns
    -------
    OpinionGroups

    Raises
    ------
    ParameterError
        For an out-of-range parameter.

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> inq = simulate_inquiry(60, 20, n_groups=2, seed=3)
    >>> res = opinion_groups(inq, bridging=False)
    >>> res.k, res.participants.columns[:4]
    (2, ['participant_id', 'x', 'y', 'group'])
    >>> opinion_groups(inq, bridging=False).participants.equals(res.participants)
    True
    """
    func = _FUNC
    check_param(mode in ("batch", "replay"), "mode", func, "'batch' or 'replay'", mode)
    check_param(row_order in ("polis", "log"), "row_order", func, "'polis' or 'log'", row_order)
    check_param(
        isinstance(seed, int | np.integer) and not isinstance(seed, bool),
        "seed",
        func,
        "an int",
        seed,
    )
    check_common_params(
        func,
        min_votes=min_votes,
        min_participants=min_participants,
        base_k=base_k,
        max_k=max_k,
        k=k,
        base_iters=base_iters,
        group_iters=group_iters,
    )
    check_param(
        isinstance(k_buffer, int) and not isinstance(k_buffer, bool) and k_buffer >= 1,
        "k_buffer",
        func,
        "an int >= 1",
        k_buffer,
    )
    check_param(
        isinstance(n_boot, int) and not isinstance(n_boot, bool) and n_boot >= 0,
        "n_boot",
        func,
        "an int >= 0",
        n_boot,
    )
    check_param(
        isinstance(alpha, float | int) and 0 < float(alpha) < 1,
        "alpha",
        func,
        "a number in (0, 1)",
        alpha,
    )
    from coprod_analytics.inquiry import Inquiry

    if not isinstance(inquiry, Inquiry):
        raise ValidationError(
            f"expected an Inquiry (see coprod_analytics.Inquiry or load_inquiry); got "
            f"{type(inquiry).__name__}"
        )
    if previous is not None:
        from coprod_analytics.consensus.result import OpinionGroups

        check_param(
            isinstance(previous, OpinionGroups),
            "previous",
            func,
            "None or an OpinionGroups result",
            type(previous).__name__,
        )
    as_of_str = None
    if as_of is not None:
        inquiry = inquiry.as_of(as_of)
        as_of_str = str(inquiry.metadata.get("as_of"))
    parameters: dict[str, Any] = {
        "mode": mode,
        "as_of": as_of_str,
        "min_votes": min_votes,
        "min_participants": min_participants,
        "base_k": base_k,
        "max_k": max_k,
        "k": k,
        "base_iters": base_iters,
        "group_iters": group_iters,
        "row_order": row_order,
        "k_buffer": k_buffer,
        "bridging": bridging,
        "n_boot": n_boot,
        "alpha": alpha,
        "stability": stability,
        "warm_start": previous is not None,
    }
    common: dict[str, Any] = {
        "min_votes": min_votes,
        "min_participants": min_participants,
        "base_k": base_k,
        "max_k": max_k,
        "base_iters": base_iters,
        "group_iters": group_iters,
        "k_buffer": k_buffer,
        "force_k": k,
        "seed": seed,
    }
    from coprod_analytics.consensus.matrix import vote_matrix

    if mode == "replay":
        from coprod_analytics.consensus.replay import replay_updates

        parameters["cadence"] = str(cadence) if not isinstance(cadence, int) else cadence
        out = replay_updates(inquiry, cadence=cadence, **common)
    else:
        matrix = vote_matrix(inquiry)
        if row_order == "polis":
            matrix = reorder_rows(matrix, polis_row_order(matrix))
        prev_state = previous.state if previous is not None else None
        keys, key_ids = row_keys_for(
            matrix.participant_ids, None if prev_state is None else prev_state.key_ids
        )
        out = run_update(matrix, keys, previous=prev_state, **common)
        out = _with_key_ids(out, key_ids)
    return assemble(
        out,
        inquiry,
        mode=mode,
        as_of=as_of_str,
        parameters=parameters,
        seed=int(seed),
        previous=previous,
        bridging=bridging,
        n_boot=n_boot,
        alpha=float(alpha),
        stability=stability,
        progress=progress,
    )


def _with_key_ids(out: PipelineOutput, key_ids: pl.Series) -> PipelineOutput:
    from dataclasses import replace

    return replace(out, state=replace(out.state, key_ids=key_ids))


def update(previous: Any, inquiry: Any, **overrides: Any) -> Any:
    """Recompute after new votes, warm-started from ``previous`` with its parameters.

    Group labels follow the previous result (members matched by the Hungarian algorithm),
    so a facilitator's screen does not reshuffle colours on every vote.

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> inq = simulate_inquiry(60, 20, n_groups=2, seed=3)
    >>> first = opinion_groups(inq, bridging=False)
    >>> more = inq.with_votes({"participant_id": [inq.votes["participant_id"][0]],
    ...                        "statement_id": [inq.statements["statement_id"][0]],
    ...                        "vote": [1]})
    >>> update(first, more).k
    2
    """
    from coprod_analytics.consensus.result import OpinionGroups

    check_param(
        isinstance(previous, OpinionGroups),
        "previous",
        "update",
        "an OpinionGroups result",
        type(previous).__name__,
    )
    params = dict(previous.parameters)
    kw: dict[str, Any] = {
        key: params[key]
        for key in (
            "min_votes",
            "min_participants",
            "base_k",
            "max_k",
            "k",
            "base_iters",
            "group_iters",
            "row_order",
            "k_buffer",
            "bridging",
            "n_boot",
            "alpha",
            "stability",
        )
        if key in params
    }
    kw["seed"] = previous.seed
    kw.update(overrides)
    return opinion_groups(inquiry, mode="batch", previous=previous, **kw)
