"""What one Dask worker does to one partition of participants (plain numpy and polars).

The Dask engine (:mod:`~coprod_analytics.consensus.dask_engine`) hashes participants into
partitions; every function here works on one partition and returns a small array the client
adds up (column tallies, Gram blocks, matrix products, k-means sums) or a new version of the
partition. Nothing here imports Dask: the functions run unchanged in a worker, a thread or a
test. A partition is a :class:`VoteBlock`: the latest votes of its participants as CSR rows,
rows sorted in Pol.is's reload order (first statement voted in id order, then participant
id), so that the order of all rows is the local engine's row order.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    import scipy.sparse as sp

    from coprod_analytics.io.parquet_dataset import VotesPiece

__all__ = [
    "VoteBlock",
    "assign_sums",
    "base_labels",
    "build_block",
    "centred_csr",
    "column_stats",
    "first_distinct_in_conv",
    "gram",
    "gram_times",
    "group_tallies",
    "in_conv_count",
    "participant_frame",
    "project_block",
    "split_piece",
    "topup_candidates",
    "with_centred",
    "with_topup",
]


def _register_sizeof() -> None:
    """Tell Dask how big polars frames and vote blocks are (its default, ``sys.getsizeof``,
    says 56 bytes), so that workers spill them to disk before memory runs out."""
    try:
        from dask.sizeof import sizeof
    except ImportError:  # pragma: no cover - Dask is optional
        return

    @sizeof.register(pl.DataFrame)
    def _frame(df: pl.DataFrame) -> int:
        return int(df.estimated_size()) + 200

    @sizeof.register(pl.Series)
    def _series(s: pl.Series) -> int:
        return int(s.estimated_size()) + 100

    @sizeof.register(VoteBlock)
    def _block(b: VoteBlock) -> int:
        arrays = (b.rowmin, b.indptr, b.indices, b.values, b.centred, b.xy, b.in_conv, b.base)
        return int(b.participant_ids.estimated_size()) + sum(
            a.nbytes for a in arrays if a is not None
        )


#: Rows per chunk when assigning points to centres (bounds memory).
_CHUNK = 1 << 16
#: Points x centres above which the nearest centre is found with a k-d tree.
_KDTREE_WORK = 4_000_000


@dataclass(frozen=True, eq=False)
class VoteBlock:
    """The latest votes of one partition of participants, and what was learned about them.

    Attributes
    ----------
    participant_ids : polars.Series
        Participant of every row, rows in Pol.is reload order within the partition.
    rowmin : np.ndarray
        Rank (in statement-id order) of the first statement each row voted on.
    indptr : np.ndarray
        CSR row pointers (int64).
    indices : np.ndarray
        Column of every vote (int32, sorted within a row).
    values : np.ndarray
        The votes (int8: 1 agree, -1 disagree, 0 pass).
    n_columns : int
        Statements (columns) of the whole dataset.
    centred : np.ndarray or None
        The centred votes (float32, aligned with ``values``), kept between the passes of
        the iterative principal axes (after :func:`with_centred`; dropped by
        :func:`project_block`).
    xy : np.ndarray or None
        ``(n_rows, 2)`` projection (after :func:`project_block`).
    in_conv : np.ndarray or None
        Rows in the conversation.
    base : np.ndarray or None
        Base cluster of in-conversation rows (-1 elsewhere), after :func:`base_labels`.

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1]), np.zeros(1, np.int64), np.array([0, 1]),
    ...               np.array([0], np.int32), np.array([1], np.int8), 1)
    >>> b.n_rows, b.n_votes.tolist()
    (1, [1])
    """

    participant_ids: pl.Series
    rowmin: np.ndarray
    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray
    n_columns: int
    centred: np.ndarray | None = None
    xy: np.ndarray | None = None
    in_conv: np.ndarray | None = None
    base: np.ndarray | None = None

    @property
    def n_rows(self) -> int:
        """Participants in the partition."""
        return int(self.participant_ids.len())

    @property
    def n_votes(self) -> np.ndarray:
        """Latest votes of every row (passes included)."""
        return np.diff(self.indptr)


_register_sizeof()


def split_piece(piece: VotesPiece | pl.DataFrame, n_buckets: int) -> tuple[object, ...]:
    """Read one piece and split its rows by a hash of the participant.

    Parameters
    ----------
    piece : VotesPiece or polars.DataFrame
        A piece of the dataset, or a chunk of a validated log already read (``participant_id``,
        ``statement_id``, ``vote``, ``time`` in epoch ms, ``seq``).
    n_buckets : int
        Partitions of participants.

    Returns
    -------
    tuple
        ``n_buckets`` polars frames (one per partition), then the distinct statement ids
        (a Series) and the piece's content hash (int).

    Examples
    --------
    >>> import tempfile
    >>> from coprod_analytics.io.parquet_dataset import votes_dataset
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     pl.DataFrame({"participant_id": [1, 2, 3], "statement_id": [5, 5, 6],
    ...                   "vote": [1, -1, 0]}).write_parquet(f"{tmp}/a.parquet")
    ...     out = split_piece(votes_dataset(tmp).pieces[0], 2)
    >>> sum(f.height for f in out[:2]), sorted(out[2].to_list())
    (3, [5, 6])
    """
    from coprod_analytics.io.parquet_dataset import read_votes_piece

    df = piece if isinstance(piece, pl.DataFrame) else read_votes_piece(piece)
    for name in ("participant_id", "statement_id"):
        if df.schema[name].is_integer():
            df = df.with_columns(pl.col(name).cast(pl.Int64))
    if "time" in df.columns and df.get_column("time").null_count() == df.height:
        df = df.drop("time")  # no times: log order only (saves 8 bytes a vote in the shuffle)
    bucket = (df.get_column("participant_id").hash(seed=7) % n_buckets).cast(pl.Int64)
    parts = df.with_columns(_b=bucket).partition_by("_b", as_dict=True, include_key=False)
    empty = df.clear()
    out: list[object] = [parts.get((b,), empty) for b in range(n_buckets)]
    out.append(df.get_column("statement_id").unique())
    out.append(int(df.hash_rows(seed=3).sum() or 0) if df.height else 0)
    return tuple(out)


def build_block(parts: list[pl.DataFrame], statements: pl.DataFrame) -> VoteBlock:
    """Latest vote wins within one partition; the votes as CSR rows in reload order.

    Parameters
    ----------
    parts : list of polars.DataFrame
        This partition's rows of every piece (:func:`split_piece`).
    statements : polars.DataFrame
        ``statement_id``, ``_col`` (column) and ``_srank`` (rank in id order).

    Returns
    -------
    VoteBlock

    Raises
    ------
    ValidationError
        When a vote names a statement missing from ``statements``.

    Examples
    --------
    >>> votes = pl.DataFrame({"participant_id": [2, 2, 1], "statement_id": [5, 5, 6],
    ...                       "vote": pl.Series([1, -1, 0], dtype=pl.Int8),
    ...                       "time": [None, None, None], "seq": [0, 1, 2]})
    >>> stm = pl.DataFrame({"statement_id": [5, 6], "_col": [0, 1], "_srank": [0, 1]})
    >>> b = build_block([votes], stm)
    >>> b.participant_ids.to_list(), b.values.tolist()
    ([2, 1], [-1, 0])
    """
    df = pl.concat([p for p in parts if p.height] or parts[:1], how="diagonal_relaxed")
    if "time" not in df.columns:
        df = df.with_columns(time=pl.lit(None, dtype=pl.Int64))
    m = statements.height
    if df.height == 0:
        return VoteBlock(
            df.get_column("participant_id").clear(),
            np.zeros(0, np.int64),
            np.zeros(1, np.int64),
            np.zeros(0, np.int32),
            np.zeros(0, np.int8),
            m,
        )
    latest = df.sort(["time", "seq"], nulls_last=False).unique(
        subset=["participant_id", "statement_id"], keep="last"
    )
    sid_dtype = statements.schema["statement_id"]
    joined = latest.with_columns(pl.col("statement_id").cast(sid_dtype, strict=False)).join(
        statements, on="statement_id", how="left"
    )
    unknown = joined.get_column("_col").is_null()
    if unknown.any():
        bad = latest.get_column("statement_id").filter(unknown)[0]
        raise ValidationError(
            f"a vote names statement {bad!r}, which is not in the statements table",
            column="statement_id",
        )
    joined = joined.with_columns(_rowmin=pl.col("_srank").min().over("participant_id")).sort(
        ["_rowmin", "participant_id", "_col"]
    )
    pid = joined.get_column("participant_id")
    new_row = pid.ne_missing(pid.shift(1)).fill_null(True).to_numpy()
    starts = np.flatnonzero(new_row)
    indptr = np.append(starts, joined.height).astype(np.int64)
    return VoteBlock(
        participant_ids=pid.gather(starts),
        rowmin=joined.get_column("_rowmin").to_numpy()[starts].astype(np.int64),
        indptr=indptr,
        indices=joined.get_column("_col").to_numpy().astype(np.int32),
        values=joined.get_column("vote").to_numpy().astype(np.int8),
        n_columns=m,
    )


def column_stats(block: VoteBlock) -> np.ndarray:
    """Per column: agrees, disagrees and all votes, as a ``(3, n_columns)`` int64 array.

    Parameters
    ----------
    block : VoteBlock

    Returns
    -------
    np.ndarray

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1, 2]), np.zeros(2, np.int64), np.array([0, 1, 2]),
    ...               np.array([0, 0], np.int32), np.array([1, 0], np.int8), 1)
    >>> column_stats(b).ravel().tolist()
    [1, 0, 2]
    """
    m = block.n_columns
    v, c = block.values, block.indices
    return np.vstack(
        [
            np.bincount(c[v == 1], minlength=m),
            np.bincount(c[v == -1], minlength=m),
            np.bincount(c, minlength=m),
        ]
    ).astype(np.int64)


def centred_csr(block: VoteBlock, center: np.ndarray, excluded: np.ndarray) -> sp.csr_matrix:
    """The block's rows of the centred matrix (votes minus column means; excluded columns 0).

    A block carrying its centred votes (:func:`with_centred`) gives them (as float64)
    without looking at ``center`` and ``excluded`` again.

    Parameters
    ----------
    block : VoteBlock
    center : np.ndarray
        Column means (0 for excluded columns).
    excluded : np.ndarray of bool
        Moderated-out or meta columns.

    Returns
    -------
    scipy.sparse.csr_matrix
        Float64 values, int32 indices (the block's own column array, not a copy).

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1, 2]), np.zeros(2, np.int64), np.array([0, 1, 2]),
    ...               np.array([0, 0], np.int32), np.array([1, -1], np.int8), 1)
    >>> centred_csr(b, np.array([0.5]), np.array([False])).toarray().ravel().tolist()
    [0.5, -1.5]
    """
    import scipy.sparse as sp

    if block.centred is not None:
        data = block.centred.astype(np.float64)
    else:
        data = _centred_values(block, center, excluded)
    return sp.csr_matrix((data, block.indices, block.indptr), shape=(block.n_rows, block.n_columns))


def with_centred(block: VoteBlock, center: np.ndarray, excluded: np.ndarray) -> VoteBlock:
    """The block with its centred votes kept (float32, 4 bytes a vote), so that every
    later ``C^T (C V)`` pass (:func:`gram_times`) is two sparse products and nothing else.

    Centring in float64 and rounding once to float32 changes a value by at most 6e-8 of
    its size (the votes are -1, 0, 1 and the centres in [-1, 1]); the products are then
    done in float64.

    Parameters
    ----------
    block : VoteBlock
    center, excluded : np.ndarray
        As in :func:`centred_csr`.

    Returns
    -------
    VoteBlock
        With ``centred``.

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1, 2]), np.zeros(2, np.int64), np.array([0, 1, 2]),
    ...               np.array([0, 0], np.int32), np.array([1, -1], np.int8), 1)
    >>> with_centred(b, np.array([0.5]), np.array([False])).centred.tolist()
    [0.5, -1.5]
    """
    return replace(block, centred=_centred_values(block, center, excluded).astype(np.float32))


def _centred_values(block: VoteBlock, center: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """The block's votes minus their statement's centre (float64), 0 where excluded."""
    data = block.values.astype(np.float64) - center[block.indices]
    data[excluded[block.indices]] = 0.0
    return data


def gram(block: VoteBlock, center: np.ndarray, excluded: np.ndarray) -> np.ndarray:
    """``C^T C`` of the block's centred rows, dense ``(n_columns, n_columns)``.

    Parameters
    ----------
    block : VoteBlock
    center, excluded : np.ndarray
        As in :func:`centred_csr`.

    Returns
    -------
    np.ndarray

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1, 2]), np.zeros(2, np.int64), np.array([0, 1, 2]),
    ...               np.array([0, 0], np.int32), np.array([1, -1], np.int8), 1)
    >>> gram(b, np.zeros(1), np.array([False])).tolist()
    [[2.0]]
    """
    c = centred_csr(block, center, excluded)
    return np.asarray((c.T @ c).toarray())


def gram_times(
    block: VoteBlock, center: np.ndarray, excluded: np.ndarray, v: np.ndarray
) -> np.ndarray:
    """``C^T (C V)`` of the block's centred rows: one pass of the iterative principal axes.

    With the block's centred votes kept (:func:`with_centred`) a pass is two sparse
    products; without, the centred rows are rebuilt first.

    Parameters
    ----------
    block : VoteBlock
    center, excluded : np.ndarray
        As in :func:`centred_csr`.
    v : np.ndarray
        ``(n_columns, b)`` block of vectors.

    Returns
    -------
    np.ndarray
        ``(n_columns, b)``.

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1, 2]), np.zeros(2, np.int64), np.array([0, 1, 2]),
    ...               np.array([0, 0], np.int32), np.array([1, -1], np.int8), 1)
    >>> gram_times(b, np.zeros(1), np.array([False]), np.ones((1, 1))).tolist()
    [[2.0]]
    """
    c = centred_csr(block, center, excluded)
    return np.asarray(c.T @ (c @ v))


def project_block(
    block: VoteBlock,
    center: np.ndarray,
    excluded: np.ndarray,
    comps: np.ndarray,
    n_statements: int,
    n_excluded_voted: int,
    min_in: int,
) -> VoteBlock:
    """Pol.is's sparsity-aware projection of the block's rows and the in-conversation rule.

    Parameters
    ----------
    block : VoteBlock
    center, excluded : np.ndarray
        As in :func:`centred_csr`.
    comps : np.ndarray
        ``(2, n_columns)`` principal axes.
    n_statements : int
        Statements with at least one vote (Pol.is's columns).
    n_excluded_voted : int
        Excluded statements with at least one vote (count as voted for everyone).
    min_in : int
        Votes needed to be in the conversation (``min(min_votes, n_statements)``).

    Returns
    -------
    VoteBlock
        With ``xy`` and ``in_conv``.

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1, 2]), np.zeros(2, np.int64), np.array([0, 1, 2]),
    ...               np.array([0, 0], np.int32), np.array([1, -1], np.int8), 1)
    >>> p = project_block(b, np.zeros(1), np.array([False]), np.array([[1.0], [0.0]]), 1, 0, 1)
    >>> p.xy.tolist(), p.in_conv.tolist()
    ([[1.0, 0.0], [-1.0, 0.0]], [True, True])
    """
    c = centred_csr(block, center, excluded)
    n = block.n_rows
    row_of = np.repeat(np.arange(n), np.diff(block.indptr))
    nonexcl = np.bincount(row_of[~excluded[block.indices]], minlength=n) + n_excluded_voted
    scale = np.sqrt(n_statements / np.maximum(nonexcl, 1).astype(np.float64))
    xy = np.asarray(c @ comps[:2].T) * scale[:, None]
    return replace(block, xy=xy, in_conv=block.n_votes >= min_in, centred=None)


def _order_frame(block: VoteBlock) -> pl.DataFrame:
    return pl.DataFrame(
        {"participant_id": block.participant_ids, "rowmin": block.rowmin, "n_votes": block.n_votes}
    )


def in_conv_count(block: VoteBlock) -> int:
    """Rows of the block in the conversation.

    Parameters
    ----------
    block : VoteBlock
        After :func:`project_block`.

    Returns
    -------
    int

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1]), np.zeros(1, np.int64), np.array([0, 1]),
    ...               np.zeros(1, np.int32), np.array([1], np.int8), 1, in_conv=np.array([True]))
    >>> in_conv_count(b)
    1
    """
    assert block.in_conv is not None
    return int(block.in_conv.sum())


def topup_candidates(block: VoteBlock, short: int) -> pl.DataFrame:
    """The block's heaviest voters not yet in the conversation (at most ``short``).

    Parameters
    ----------
    block : VoteBlock
        After :func:`project_block`.
    short : int
        How many are missing in the whole conversation.

    Returns
    -------
    polars.DataFrame
        ``participant_id``, ``rowmin``, ``n_votes``, heaviest first (ties in row order).

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1, 2]), np.zeros(2, np.int64), np.array([0, 1, 3]),
    ...               np.array([0, 0, 1], np.int32), np.array([1, -1, 1], np.int8), 2,
    ...               in_conv=np.array([False, False]))
    >>> topup_candidates(b, 1)["participant_id"].to_list()
    [2]
    """
    assert block.in_conv is not None
    f = _order_frame(block).filter(pl.Series(~block.in_conv) & (pl.col("n_votes") > 0))
    return f.sort(["n_votes", "rowmin", "participant_id"], descending=[True, False, False]).head(
        short
    )


def with_topup(block: VoteBlock, added: pl.Series) -> VoteBlock:
    """The block with the participants in ``added`` put in the conversation.

    Parameters
    ----------
    block : VoteBlock
    added : polars.Series
        Participant ids added by the top-up rule.

    Returns
    -------
    VoteBlock

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1, 2]), np.zeros(2, np.int64), np.array([0, 1, 2]),
    ...               np.array([0, 0], np.int32), np.array([1, -1], np.int8), 1,
    ...               in_conv=np.array([False, False]))
    >>> with_topup(b, pl.Series([2])).in_conv.tolist()
    [False, True]
    """
    assert block.in_conv is not None
    hit = block.participant_ids.is_in(added.cast(block.participant_ids.dtype).implode())
    return replace(block, in_conv=block.in_conv | hit.to_numpy())


def first_distinct_in_conv(block: VoteBlock, k: int) -> pl.DataFrame:
    """The block's first ``k`` distinct in-conversation points in row order.

    The global cold start (the first ``k`` distinct points of all rows) is among the union
    of these over blocks.

    Parameters
    ----------
    block : VoteBlock
        After :func:`project_block`.
    k : int
        Base clusters.

    Returns
    -------
    polars.DataFrame
        ``rowmin``, ``participant_id``, ``x``, ``y``.

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1, 2, 3]), np.zeros(3, np.int64), np.array([0, 1, 2, 3]),
    ...               np.zeros(3, np.int32), np.array([1, 1, -1], np.int8), 1,
    ...               xy=np.array([[1.0, 0.0], [1.0, 0.0], [-1.0, 0.0]]),
    ...               in_conv=np.array([True, True, True]))
    >>> first_distinct_in_conv(b, 5)["participant_id"].to_list()
    [1, 3]
    """
    assert block.xy is not None and block.in_conv is not None
    idx = np.flatnonzero(block.in_conv)
    pts = block.xy[idx]
    take = min(idx.shape[0], max(4 * k, 256))
    while True:
        _, first = np.unique(pts[:take], axis=0, return_index=True)
        first.sort()
        if first.shape[0] >= k or take >= idx.shape[0]:
            break
        take = min(idx.shape[0], take * 4)
    rows = idx[first[:k]]
    return pl.DataFrame(
        {
            "rowmin": block.rowmin[rows],
            "participant_id": block.participant_ids.gather(rows),
            "x": block.xy[rows, 0],
            "y": block.xy[rows, 1],
        }
    )


def _nearest(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Euclidean nearest centre: a k-d tree over the centres on big blocks (like the local
    engine's Hamerly bounds, exact up to ties within rounding), else exact and chunked."""
    if points.shape[0] * centers.shape[0] > _KDTREE_WORK:
        from scipy.spatial import cKDTree

        _, idx = cKDTree(centers).query(points, k=1)
        return np.asarray(idx, dtype=np.int64)
    out = np.empty(points.shape[0], dtype=np.int64)
    for s in range(0, points.shape[0], _CHUNK):
        p = points[s : s + _CHUNK]
        dx = p[:, 0, None] - centers[None, :, 0]
        dy = p[:, 1, None] - centers[None, :, 1]
        dx *= dx
        dy *= dy
        dx += dy
        out[s : s + _CHUNK] = np.argmin(dx, axis=1)
    return out


def assign_sums(block: VoteBlock, centers: np.ndarray) -> np.ndarray:
    """One Lloyd step on the block: per centre, members and sums of x and y.

    Parameters
    ----------
    block : VoteBlock
        After :func:`project_block`.
    centers : np.ndarray
        ``(c, 2)`` current centres.

    Returns
    -------
    np.ndarray
        ``(3, c)``: counts, sums of x, sums of y.

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1, 2]), np.zeros(2, np.int64), np.array([0, 1, 2]),
    ...               np.zeros(2, np.int32), np.array([1, -1], np.int8), 1,
    ...               xy=np.array([[1.0, 0.0], [-1.0, 0.0]]), in_conv=np.array([True, True]))
    >>> assign_sums(b, np.array([[2.0, 0.0], [-2.0, 0.0]])).tolist()
    [[1.0, 1.0], [1.0, -1.0], [0.0, 0.0]]
    """
    assert block.xy is not None and block.in_conv is not None
    pts = block.xy[block.in_conv]
    c = centers.shape[0]
    lab = _nearest(pts, centers)
    return np.vstack(
        [
            np.bincount(lab, minlength=c).astype(np.float64),
            np.bincount(lab, weights=pts[:, 0], minlength=c),
            np.bincount(lab, weights=pts[:, 1], minlength=c),
        ]
    )


def base_labels(block: VoteBlock, centers: np.ndarray, remap: np.ndarray) -> VoteBlock:
    """The block with every in-conversation row's base cluster (``remap`` of its nearest
    centre; -1 for rows not clustered).

    Parameters
    ----------
    block : VoteBlock
    centers : np.ndarray
        The centres of the last Lloyd step.
    remap : np.ndarray
        Index of every centre among the kept (non-empty) clusters, ordered by cluster id.

    Returns
    -------
    VoteBlock

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1, 2]), np.zeros(2, np.int64), np.array([0, 1, 2]),
    ...               np.zeros(2, np.int32), np.array([1, -1], np.int8), 1,
    ...               xy=np.array([[1.0, 0.0], [-1.0, 0.0]]), in_conv=np.array([True, False]))
    >>> base_labels(b, np.array([[2.0, 0.0]]), np.array([0])).base.tolist()
    [0, -1]
    """
    assert block.xy is not None and block.in_conv is not None
    out = np.full(block.n_rows, -1, dtype=np.int64)
    idx = np.flatnonzero(block.in_conv)
    out[idx] = remap[_nearest(block.xy[idx], centers)]
    return replace(block, base=out)


def participant_frame(block: VoteBlock) -> pl.DataFrame:
    """The block's participants: id, order keys, projection, votes, membership, base cluster.

    Parameters
    ----------
    block : VoteBlock
        After :func:`base_labels`.

    Returns
    -------
    polars.DataFrame

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1]), np.zeros(1, np.int64), np.array([0, 1]),
    ...               np.zeros(1, np.int32), np.array([1], np.int8), 1,
    ...               xy=np.zeros((1, 2)), in_conv=np.array([True]), base=np.array([0]))
    >>> participant_frame(b).columns
    ['participant_id', 'rowmin', 'n_votes', 'x', 'y', 'in_conv', 'base']
    """
    assert block.xy is not None and block.in_conv is not None and block.base is not None
    return _order_frame(block).with_columns(
        x=pl.Series(block.xy[:, 0]),
        y=pl.Series(block.xy[:, 1]),
        in_conv=pl.Series(block.in_conv),
        base=pl.Series(block.base),
    )


def group_tallies(block: VoteBlock, group_of_base: np.ndarray, k: int) -> np.ndarray:
    """Per (group, statement): agrees, disagrees, all votes of the block's clustered rows.

    Parameters
    ----------
    block : VoteBlock
        After :func:`base_labels`.
    group_of_base : np.ndarray
        Group (0..k-1) of every base cluster.
    k : int
        Groups.

    Returns
    -------
    np.ndarray
        ``(3, k, n_columns)`` int64.

    Examples
    --------
    >>> b = VoteBlock(pl.Series([1, 2]), np.zeros(2, np.int64), np.array([0, 1, 2]),
    ...               np.zeros(2, np.int32), np.array([1, -1], np.int8), 1,
    ...               base=np.array([0, 1]))
    >>> group_tallies(b, np.array([0, 1]), 2)[:, :, 0].tolist()
    [[1, 0], [0, 1], [1, 1]]
    """
    assert block.base is not None
    m = block.n_columns
    g_row = np.where(block.base >= 0, group_of_base[np.maximum(block.base, 0)], -1)
    g = np.repeat(g_row, np.diff(block.indptr))
    ok = g >= 0
    key = g[ok] * m + block.indices[ok]
    v = block.values[ok]
    size = k * m
    return np.stack(
        [
            np.bincount(key[v == 1], minlength=size).reshape(k, m),
            np.bincount(key[v == -1], minlength=size).reshape(k, m),
            np.bincount(key, minlength=size).reshape(k, m),
        ]
    ).astype(np.int64)
