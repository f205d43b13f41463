"""The Pol.is opinion-groups pipeline, sparse from end to end: one math update.

This package implements the algorithm of Pol.is's math worker (``compdemocracy/polis``,
``math/src/polismath/math``; specification in ``docs/design/POLIS_MATH.md``) on a sparse
:class:`~coprod_analytics.consensus.matrix.VoteMatrix`, one responsibility per module:

1. latest-vote matrix (:mod:`~coprod_analytics.consensus.matrix`); moderated-out and meta
   statements zeroed in every row;
2. column-mean imputation, centring and PCA as a truncated SVD of a sparse matrix, and the
   sparsity-aware projections (:mod:`~coprod_analytics.consensus.pca`);
3. the in-conversation rule (here: at least ``min(7, n_statements)`` votes, topped up to 15);
4. 100 base clusters by Pol.is's k-means (:mod:`~coprod_analytics.consensus.kmeans`), cold or
   warm started;
5. group k-means of the base-cluster centres, k by silhouette
   (:mod:`~coprod_analytics.consensus.clustering`);
6. per-group tallies, group-aware consensus, consensus statements and comment priority
   (:mod:`~coprod_analytics.consensus.tallies`), representative statements
   (:mod:`~coprod_analytics.consensus.repness`).

This module runs steps 2-5 as one update (:func:`run_update`) and keeps what Pol.is carries
from one update to the next (:class:`PolisState`); :mod:`~coprod_analytics.consensus.replay`
replays a vote log through it, :mod:`~coprod_analytics.consensus.assemble` turns its output
into an :class:`~coprod_analytics.consensus.result.OpinionGroups` and
:mod:`~coprod_analytics.consensus.groups` is the entry point
(:func:`~coprod_analytics.consensus.opinion_groups`).

Everything here is deterministic; ``seed`` only feeds the starting vector of the iterative
SVD used on large matrices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from coprod_analytics.consensus.clustering import choose_groups
from coprod_analytics.consensus.kmeans import ClusterState, polis_kmeans
from coprod_analytics.consensus.pca import PCAResult, project, sparse_pca, statement_projection

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.consensus.matrix import VoteMatrix

__all__ = [
    "PipelineOutput",
    "PolisState",
    "in_conversation",
    "polis_row_order",
    "reorder_rows",
    "row_keys_for",
    "run_update",
]


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

    Parameters
    ----------
    n_votes : np.ndarray
        Votes per row (passes count).
    n_statements : int
        Statements with at least one vote.
    min_votes : int, default 7
        Votes needed to be in.
    min_participants : int, default 15
        Top up to this many with the heaviest voters.
    sticky : np.ndarray of bool, optional
        Rows that were in before (they stay in).

    Returns
    -------
    np.ndarray of bool

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
    last_k : int
        The best k of the last update (Pol.is's k-smoother).
    last_k_count : int
        Updates in a row that ``last_k`` has won.
    smoothed_k : int
        The k shown.
    key_ids : polars.Series or None
        The participant id of every key (key ``i`` is ``key_ids[i]``).
    n_updates : int
        Updates so far (1 for a cold start).

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> m = vote_matrix(simulate_inquiry(60, 20, n_groups=2, seed=3))
    >>> state = run_update(m, np.arange(m.shape[0])).state
    >>> state.n_updates, state.smoothed_k
    (1, 2)
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
    """Arrays of one pipeline run (before they become polars tables).

    Attributes
    ----------
    matrix : VoteMatrix
        The votes the update ran on.
    pca : PCAResult
        Centre and components.
    xy : np.ndarray
        ``(n_rows, 2)`` participant projection.
    n_votes : np.ndarray
        Votes per row (passes included).
    in_conv : np.ndarray of bool
        Rows in the conversation (clustered).
    labels : np.ndarray
        Group of every row (0..k-1), -1 when not clustered.
    k : int
        Groups shown (after the k-smoother).
    best_k : int
        The best k by silhouette in this update.
    silhouettes : dict of int to float
        Silhouette of every k tried.
    group_ids : np.ndarray
        Pol.is's cluster id of groups 0..k-1.
    stmt_xy : np.ndarray
        ``(n_statements, 2)`` statement projection.
    n_polis_statements : int
        Statements with at least one vote.
    state : PolisState
        What the next update starts from.

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> m = vote_matrix(simulate_inquiry(60, 20, n_groups=2, seed=3))
    >>> out = run_update(m, np.arange(m.shape[0]))
    >>> out.k, out.xy.shape, int(out.in_conv.sum())
    (2, (60, 2), 60)
    """

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
    """One Pol.is math update on a vote matrix (cold start, or warm from ``previous``).

    Parameters
    ----------
    matrix : VoteMatrix
        Latest votes, rows in cold-start order.
    row_keys : np.ndarray
        Stable int64 key of every row (see :func:`row_keys_for`).
    previous : PolisState, optional
        The last update's state: warm starts, sticky membership, the k-smoother.
    min_votes, min_participants, base_k, max_k, base_iters, group_iters, k_buffer
        As in :func:`~coprod_analytics.consensus.opinion_groups`.
    force_k : int, optional
        Force the number of groups.
    seed : int, default 0
        Starting vector of the iterative SVD on large matrices.

    Returns
    -------
    PipelineOutput

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> m = vote_matrix(simulate_inquiry(60, 20, n_groups=2, seed=3))
    >>> cold = run_update(m, np.arange(m.shape[0]))
    >>> warm = run_update(m, np.arange(m.shape[0]), previous=cold.state)
    >>> cold.k, warm.k, warm.state.n_updates
    (2, 2, 2)
    """
    n, m = matrix.shape
    has_votes = np.bincount(matrix.cols, minlength=m) > 0
    n_polis = int(has_votes.sum())
    n_excl = int((matrix.excluded & has_votes).sum())
    raw_votes = matrix.votes_per_participant()
    nonexcl = ~matrix.excluded[matrix.cols]
    n_votes_proj = np.bincount(matrix.rows[nonexcl], minlength=n) + n_excl
    pca = sparse_pca(matrix, seed=seed)
    xy = project(pca, n_votes_proj, n_polis) if n else np.zeros((0, 2))
    stmt_xy = statement_projection(pca, n_polis)
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
    """The same matrix with its rows permuted (``order[i]`` = old row of new row ``i``).

    Parameters
    ----------
    matrix : VoteMatrix
        The votes.
    order : np.ndarray
        A permutation of the rows.

    Returns
    -------
    VoteMatrix

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> m = vote_matrix(simulate_inquiry(60, 20, n_groups=2, seed=3))
    >>> r = reorder_rows(m, np.arange(m.shape[0])[::-1])
    >>> r.participant_ids[0] == m.participant_ids[-1], r.nnz == m.nnz
    (True, True)
    """
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
    then participant id (then time).

    Parameters
    ----------
    matrix : VoteMatrix
        The votes, rows in log order.

    Returns
    -------
    np.ndarray
        ``order[i]`` = the row that comes ``i``-th.

    Examples
    --------
    >>> from coprod_analytics.inquiry import Inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> m = vote_matrix(Inquiry(votes={"participant_id": [9, 3, 3], "statement_id": [2, 2, 1],
    ...                                "vote": [1, 1, 1]}))
    >>> m.participant_ids.to_list(), polis_row_order(m).tolist()
    ([9, 3], [1, 0])
    """
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


def row_keys_for(
    participant_ids: pl.Series, previous: pl.Series | None
) -> tuple[np.ndarray, pl.Series]:
    """Stable integer keys of participants across updates.

    Key ``i`` stands for ``key_ids[i]``; participants already known keep their key and new
    ones get the next keys, in row order.

    Parameters
    ----------
    participant_ids : polars.Series
        Participant of every row.
    previous : polars.Series or None
        ``key_ids`` of the previous state.

    Returns
    -------
    (np.ndarray, polars.Series)
        Key of every row and the updated ``key_ids``.

    Examples
    --------
    >>> import polars as pl
    >>> keys, ids = row_keys_for(pl.Series([7, 5]), pl.Series([5, 6]))
    >>> keys.tolist(), ids.to_list()
    ([2, 0], [5, 6, 7])
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
