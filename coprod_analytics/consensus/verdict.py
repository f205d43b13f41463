"""One verdict on the opinion groups: how many groups the votes support and how distinct
they are — "separate" camps, a "continuum", or "none" beyond noise.

Every page (the result's summary, ``coprod groups``, the report, the dashboard) shows this
one verdict, so they cannot contradict each other. The calibration (false-positive and
false-negative rates on planted data and the verdicts on the shared real conversations) is
in ``docs/guide/groups-verdict.md``; ``tests/test_groups_verdict.py`` re-checks it.

The method
----------
Only participants Pol.is clusters (in the conversation) are used.

1. **Axes beyond noise** (Horn's parallel analysis, with a null made from the votes
   themselves): the singular values of the centred vote matrix (unvoted cells at the
   statement's mean, moderated-out statements zero) are compared with those of
   ``n_null`` matrices in which each statement's votes are shuffled among the people who
   voted on it. The shuffle keeps every statement's agree/disagree/pass mix and who voted on
   what, and destroys only what ties statements together, i.e. opinion structure. ``q``
   is the number of leading axes whose singular value exceeds the null's ``1 - alpha``
   quantile. ``q = 0``: **none** ("no structure beyond noise"), ``supported_k = 1``.
2. **Separate camps or a continuum** (in the ``q`` axes, at most ``max_k - 1``):
   participants are projected with Pol.is's sparsity-aware scaling; for k = 2 ..
   ``max_k`` the silhouette of k-means (scikit-learn, 4 starts) is compared with the
   silhouettes of ``n_reference`` Gaussian samples with the same mean and covariance (the
   reference of the gap statistic and M3C: one blob, no camps). A k is *supported* when its
   silhouette exceeds the reference mean by at least ``min_gain`` and by ``min_z`` reference
   standard deviations, and the gap between every group and its nearest neighbour is
   nearly empty: on the line between their centres the middle band [0.4, 0.6] holds at
   most ``max_valley`` (0.5) times the people in the bands around the centres ("few people
   in between"; a cut through a continuum leaves the middle as full as the ends, a cut
   through one blob fuller). Any supported k: **separate**, ``supported_k`` = the
   supported k with the largest gain. None: **continuum** — opinions differ along the
   ``q`` axes, but by degree; the groups shown cut the continuum, ``supported_k`` = the
   number of groups shown (at least 2).

The thresholds (``min_gain`` 0.10, ``min_z`` 3, ``max_valley`` 0.5) were set on planted
data made outside our simulator (see the guide page) and are deliberately conservative: a
false "separate" is worse than a missed one, because a room told it has camps treats them
as camps.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import polars as pl

from coprod_analytics.consensus.matrix import VoteMatrix
from coprod_analytics.errors import check_param
from coprod_analytics.provenance import Provenance
from coprod_analytics.results import Result, frame_to_html

__all__ = ["Structure", "Verdict", "groups_verdict", "verdict_text"]

Structure = Literal["separate", "continuum", "none"]

_NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}


def _count(k: int) -> str:
    return _NUMBER_WORDS.get(k, str(k))


def verdict_text(supported_k: int, structure: str, *, shown_k: int | None = None) -> str:
    """The verdict in plain words (what every page shows).

    Parameters
    ----------
    supported_k : int
        Number of groups the votes support.
    structure : {"separate", "continuum", "none"}
        How distinct they are.
    shown_k : int, optional
        Number of groups the map shows, when it differs (the text then explains).

    Returns
    -------
    str

    Examples
    --------
    >>> verdict_text(2, "separate")
    'two separate camps: the groups are distinct, with few people in between'
    >>> verdict_text(1, "none", shown_k=2)[:60]
    'no structure beyond noise: the votes look like those of one '
    """
    if structure == "none":
        out = (
            "no structure beyond noise: the votes look like those of one room whose "
            "differences are random, so the groups drawn are not real divisions"
        )
    elif structure == "continuum":
        out = (
            f"{_count(supported_k)} groups along a continuum: opinions differ by degree, "
            "not in separate camps, so where one group ends and the next begins is arbitrary"
        )
    else:
        out = (
            f"{_count(supported_k)} separate camps: the groups are distinct, with few people "
            "in between"
        )
    if shown_k is not None and structure == "separate" and shown_k != supported_k:
        out += (
            f" (the map shows {_count(shown_k)} groups: Pol.is's rule picks the number by "
            f"the silhouette of its base clusters; opinion_groups(..., k={supported_k}) "
            f"draws {_count(supported_k)})"
        )
    return out


@dataclass(frozen=True, eq=False, repr=False)
class Verdict(Result):
    """How many opinion groups the votes support and how distinct they are.

    Attributes
    ----------
    supported_k : int
        Number of groups the votes support (1 when there is no structure).
    structure : {"separate", "continuum", "none"}
        Separate camps, differences by degree along a continuum, or nothing beyond noise.
    text : str
        The verdict in plain words (what every page shows).
    n_axes : int
        Axes of opinion beyond noise (parallel analysis).
    shown_k : int
        Number of groups the result shows.
    table : polars.DataFrame
        Per k tried: ``k``, ``silhouette``, ``reference_mean``, ``reference_sd``, ``gain``,
        ``z``, ``supported`` (empty when ``n_axes`` is 0).
    axes : polars.DataFrame
        Per axis: ``axis``, ``singular_value``, ``null_quantile``, ``beyond_noise``.
    provenance : Provenance

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> m = vote_matrix(simulate_inquiry(90, 24, n_groups=3, separation=4.0, seed=1))
    >>> v = groups_verdict(m, shown_k=3, n_null=9, n_reference=3)
    >>> v.structure, v.supported_k
    ('separate', 3)
    """

    supported_k: int
    structure: Structure
    text: str
    n_axes: int
    shown_k: int
    table: pl.DataFrame
    axes: pl.DataFrame
    provenance: Provenance | None = None

    def to_frame(self) -> pl.DataFrame:
        """Per k tried: silhouette against the no-camps reference.

        Returns
        -------
        polars.DataFrame
        """
        return self.table

    def to_dict(self) -> dict[str, Any]:
        """``{"supported_k", "structure", "text"}`` (the ``verdict`` of ``coprod groups --json``).

        Returns
        -------
        dict
        """
        return {"supported_k": self.supported_k, "structure": self.structure, "text": self.text}

    def summary(self) -> str:
        """The verdict, the axes beyond noise and the per-k table, in plain text.

        Returns
        -------
        str
        """
        lines = [
            f"Verdict: {self.text}",
            f"Axes of opinion beyond noise: {self.n_axes}",
        ]
        if self.table.height:
            lines.append(str(self.table))
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        return f"<p><b>{html.escape(self.text)}</b></p>" + frame_to_html(
            self.table, caption="Silhouette against a no-camps reference"
        )


def _subset_csr(matrix: VoteMatrix, rows: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray]:
    """Centred CSR of the given rows (unvoted = statement mean = 0 after centring;
    excluded statements 0), the statement means, and the votes per row (excluded
    statements with votes count as voted, as in Pol.is's projection)."""
    import scipy.sparse as sp

    n_all, m = matrix.shape
    new_row = np.full(n_all, -1, dtype=np.int64)
    new_row[rows] = np.arange(rows.size)
    keep = new_row[matrix.rows] >= 0
    r = new_row[matrix.rows[keep]]
    c = matrix.cols[keep]
    v = matrix.values[keep].astype(np.float64)
    counts = np.bincount(c, minlength=m).astype(np.float64)
    sums = np.bincount(c, weights=v, minlength=m)
    centre = np.divide(sums, counts, out=np.zeros(m), where=counts > 0)
    centre[matrix.excluded] = 0.0
    cv = v - centre[c]
    cv[matrix.excluded[c]] = 0.0
    csr = sp.csr_matrix((cv, (r, c)), shape=(rows.size, m))
    has_votes = counts > 0
    n_excl = int((matrix.excluded & has_votes).sum())
    n_votes = np.bincount(r[~matrix.excluded[c]], minlength=rows.size) + n_excl
    return csr, centre, n_votes


def _top_singular(
    csr: Any, d: int, *, vectors: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Top ``d`` singular values and (if asked) right singular vectors (rows) of a sparse
    matrix, from the smaller of its two Gram matrices when that is small."""
    n, m = csr.shape
    d = max(1, min(d, n, m))
    if min(n, m) <= 2000:
        small_side = n < m
        gram = np.asarray((csr @ csr.T).toarray() if small_side else (csr.T @ csr).toarray())
        if not vectors:
            w = np.linalg.eigvalsh(gram)[::-1][:d]
            return np.sqrt(np.clip(w, 0.0, None)), None
        w, v = np.linalg.eigh(gram)
        order = np.argsort(w)[::-1][:d]
        sv = np.sqrt(np.clip(w[order], 0.0, None))
        vec = v[:, order]
        if small_side:  # left vectors u: right vectors are X^T u / s
            right = np.asarray(csr.T @ vec).T
            right /= np.where(sv > 0, sv, 1.0)[:, None]
            return sv, right
        return sv, vec.T
    from scipy.sparse.linalg import svds

    k = min(d, min(n, m) - 1)
    _, s, vt = svds(csr, k=k, v0=np.ones(min(n, m)), solver="arpack")
    order = np.argsort(s)[::-1]
    return s[order], vt[order]


def _shuffled_within_statements(csr: Any, rng: np.random.Generator) -> Any:
    """The same matrix with each statement's (column's) values shuffled among its voters."""
    csc = csr.tocsc(copy=True)
    data = csc.data
    ptr = csc.indptr
    col = np.repeat(np.arange(csc.shape[1]), np.diff(ptr))
    order = np.lexsort((rng.random(data.size), col))
    csc.data = data[order]
    return csc.tocsr()


def _worst_valley(x: np.ndarray, labels: np.ndarray, centres: np.ndarray) -> float:
    """How full the gap between neighbouring groups is (the largest over groups).

    For every group and its nearest other group, the members of both are projected on the
    line between the two centres (0 at one centre, 1 at the other); the valley is the
    number of people in the middle band [0.4, 0.6] over the mean number in the bands
    [-0.1, 0.1] and [0.9, 1.1] around the centres. Separate camps leave the middle nearly
    empty (valley near 0); a cut through a continuum leaves it as full as the centres (about
    1); a cut through one blob fuller (above 1).
    """
    k = centres.shape[0]
    worst = 0.0
    dist = ((centres[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    np.fill_diagonal(dist, np.inf)
    for a in range(k):
        b = int(np.argmin(dist[a]))
        axis = centres[b] - centres[a]
        length2 = float(axis @ axis)
        if length2 <= 0:
            return np.inf
        pts = x[(labels == a) | (labels == b)]
        t = (pts - centres[a]) @ axis / length2
        mid = np.count_nonzero((t >= 0.4) & (t <= 0.6))
        ends = 0.5 * (np.count_nonzero(np.abs(t) <= 0.1) + np.count_nonzero(np.abs(t - 1.0) <= 0.1))
        worst = max(worst, mid / max(ends, 1.0))
    return float(worst)


def groups_verdict(
    matrix: VoteMatrix,
    *,
    in_conv: np.ndarray | None = None,
    shown_k: int = 0,
    max_k: int = 5,
    n_null: int = 19,
    n_reference: int = 5,
    alpha: float = 0.05,
    min_gain: float = 0.10,
    min_z: float = 3.0,
    max_valley: float = 0.5,
    max_points: int = 3000,
    seed: int = 0,
) -> Verdict:
    """How many opinion groups the votes support and how distinct they are.

    Parameters
    ----------
    matrix : VoteMatrix
        Latest votes (:func:`~coprod_analytics.consensus.matrix.vote_matrix`).
    in_conv : np.ndarray of bool, optional
        Rows to analyse (Pol.is's in-conversation set); default every row.
    shown_k : int, default 0
        Number of groups the result shows (for the text, and ``supported_k`` of a
        continuum).
    max_k : int, default 5
        Largest number of groups tried.
    n_null : int, default 19
        Shuffled vote matrices for the parallel analysis.
    n_reference : int, default 5
        Gaussian reference samples per k.
    alpha : float, default 0.05
        An axis is beyond noise above the null's ``1 - alpha`` quantile.
    min_gain, min_z : float, default 0.10, 3.0
        A k is supported when its silhouette beats the reference mean by ``min_gain`` and by
        ``min_z`` reference standard deviations ...
    max_valley : float, default 0.5
        ... and when, between every group and its nearest neighbour, the middle band holds
        at most this share of the people in the bands around the two centres.
    max_points : int, default 3000
        Silhouettes are computed on a seeded sample of at most this many participants.
    seed : int, default 0
        Seed of the shuffles, the references and k-means.

    Returns
    -------
    Verdict

    Examples
    --------
    Votes drawn without groups (each statement its own agree rate, people independent):

    >>> rng = np.random.default_rng(0)
    >>> from coprod_analytics.inquiry import Inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> p = rng.uniform(0.2, 0.8, 20)
    >>> votes = np.where(rng.random((120, 20)) < p, 1, -1)
    >>> pid, sid = np.nonzero(np.ones_like(votes))
    >>> inq = Inquiry(votes={"participant_id": pid, "statement_id": sid,
    ...                      "vote": votes.ravel()})
    >>> v = groups_verdict(vote_matrix(inq), shown_k=2, n_null=9, n_reference=3)
    >>> v.to_dict()["structure"], v.supported_k
    ('none', 1)
    """
    func = "groups_verdict"
    check_param(isinstance(matrix, VoteMatrix), "matrix", func, "a VoteMatrix", type(matrix))
    check_param(isinstance(max_k, int) and max_k >= 2, "max_k", func, "an int >= 2", max_k)
    check_param(isinstance(n_null, int) and n_null >= 1, "n_null", func, "an int >= 1", n_null)
    check_param(
        isinstance(n_reference, int) and n_reference >= 2,
        "n_reference",
        func,
        "an int >= 2",
        n_reference,
    )
    check_param(0 < alpha < 1, "alpha", func, "a number in (0, 1)", alpha)
    n_all = matrix.shape[0]
    rows = np.flatnonzero(np.ones(n_all, dtype=bool) if in_conv is None else in_conv)
    rng = np.random.default_rng(seed)
    prov = Provenance(
        method="groups_verdict",
        input_fingerprint="",
        parameters={
            "max_k": max_k,
            "n_null": n_null,
            "n_reference": n_reference,
            "alpha": alpha,
            "min_gain": min_gain,
            "min_z": min_z,
            "max_valley": max_valley,
            "max_points": max_points,
        },
        seed=seed,
    )
    empty_table = pl.DataFrame(
        schema={
            "k": pl.Int64,
            "silhouette": pl.Float64,
            "reference_mean": pl.Float64,
            "reference_sd": pl.Float64,
            "gain": pl.Float64,
            "z": pl.Float64,
            "valley": pl.Float64,
            "supported": pl.Boolean,
        }
    )
    d = max_k  # axes examined (max_k - 1 can carry max_k groups; one more for the test)
    if rows.size < 4:
        return Verdict(
            provenance=prov,
            supported_k=1,
            structure="none",
            text=verdict_text(1, "none"),
            n_axes=0,
            shown_k=int(shown_k),
            table=empty_table,
            axes=pl.DataFrame(
                schema={
                    "axis": pl.Int64,
                    "singular_value": pl.Float64,
                    "null_quantile": pl.Float64,
                    "beyond_noise": pl.Boolean,
                }
            ),
        )
    from threadpoolctl import threadpool_limits

    csr, _, n_votes = _subset_csr(matrix, rows)
    with threadpool_limits(limits=1):  # many small decompositions: threads only add cost
        sv, vecs = _top_singular(csr, d)
        assert vecs is not None
        d = sv.size
        null = np.zeros((n_null, d))
        for b in range(n_null):
            s_b, _ = _top_singular(_shuffled_within_statements(csr, rng), d, vectors=False)
            null[b, : s_b.size] = s_b
    q_thr = np.quantile(null, 1 - alpha, axis=0)
    beyond = sv > q_thr
    q = int(np.argmin(beyond)) if not beyond.all() else d
    axes = pl.DataFrame(
        {
            "axis": np.arange(1, d + 1),
            "singular_value": sv,
            "null_quantile": q_thr,
            "beyond_noise": beyond,
        }
    )
    if q == 0:
        return Verdict(
            provenance=prov,
            supported_k=1,
            structure="none",
            text=verdict_text(1, "none", shown_k=shown_k),
            n_axes=0,
            shown_k=int(shown_k),
            table=empty_table,
            axes=axes,
        )
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    dims = max(1, min(q, max_k - 1))
    n_pol = int(np.count_nonzero(np.bincount(matrix.cols, minlength=matrix.shape[1])))
    scale = np.sqrt(max(n_pol, 1) / np.maximum(n_votes, 1).astype(np.float64))
    emb = np.asarray(csr @ vecs[:dims].T) * scale[:, None]
    if emb.shape[0] > max_points:
        emb = emb[np.sort(rng.choice(emb.shape[0], max_points, replace=False))]
    mean = emb.mean(axis=0)
    cov = np.atleast_2d(np.cov(emb, rowvar=False))
    refs = [
        rng.multivariate_normal(mean, cov, size=emb.shape[0], method="eigh")
        for _ in range(n_reference)
    ]

    def silhouette(x: np.ndarray, k: int, s: int) -> tuple[float, float]:
        km = KMeans(k, n_init=4, random_state=s).fit(x)
        lab = km.labels_
        if np.unique(lab).size < 2:
            return 0.0, np.inf
        return float(silhouette_score(x, lab)), _worst_valley(x, lab, km.cluster_centers_)

    rows_out = []
    seeds = rng.integers(0, 2**31 - 1, size=n_reference + 1)
    with threadpool_limits(limits=1):
        for k in range(2, max_k + 1):
            if k >= emb.shape[0]:
                break
            s_data, valley = silhouette(emb, k, int(seeds[0]))
            s_ref = np.array([silhouette(x, k, int(seeds[i + 1]))[0] for i, x in enumerate(refs)])
            ref_mean, ref_sd = float(s_ref.mean()), float(s_ref.std(ddof=1))
            gain = s_data - ref_mean
            z = gain / max(ref_sd, 1e-3)
            ok = gain >= min_gain and z >= min_z and valley <= max_valley
            rows_out.append((k, s_data, ref_mean, ref_sd, gain, z, valley, ok))
    table = pl.DataFrame(rows_out, schema=empty_table.schema, orient="row")
    supported = table.filter(pl.col("supported"))
    if supported.height:
        best = supported.sort(["gain", "k"], descending=[True, False]).row(0, named=True)
        k_sup, structure = int(best["k"]), "separate"
    else:
        k_sup, structure = max(2, int(shown_k)), "continuum"
    struct: Structure = "separate" if structure == "separate" else "continuum"
    return Verdict(
        provenance=prov,
        supported_k=k_sup,
        structure=struct,
        text=verdict_text(k_sup, struct, shown_k=shown_k),
        n_axes=q,
        shown_k=int(shown_k),
        table=table,
        axes=axes,
    )
