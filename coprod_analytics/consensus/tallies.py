"""Vote tallies per group and what Pol.is derives from them over the whole room:
group-aware consensus, consensus statements and comment priority.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from coprod_analytics.consensus.repness import SIGNIFICANCE_Z, prop_test
from coprod_analytics.errors import ValidationError

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.consensus.matrix import VoteMatrix

__all__ = ["comment_priority", "group_aware_consensus", "group_vote_counts", "select_consensus"]


def group_vote_counts(
    matrix: VoteMatrix, groups: np.ndarray, n_groups: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per (group, statement): agrees, disagrees and all votes (passes included).

    Parameters
    ----------
    matrix : VoteMatrix
        Latest votes.
    groups : np.ndarray
        Each row's group (0 .. n_groups-1) or -1 when not clustered.
    n_groups : int
        Number of groups.

    Returns
    -------
    (np.ndarray, np.ndarray, np.ndarray)
        Agrees, disagrees and all votes, each ``(n_groups, n_statements)`` int64.

    Examples
    --------
    >>> from coprod_analytics.inquiry import Inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> m = vote_matrix(Inquiry(votes={"participant_id": [1, 2, 3], "statement_id": [1, 1, 1],
    ...                                "vote": [1, 0, -1]}))
    >>> [a.tolist() for a in group_vote_counts(m, np.array([0, 0, 1]), 2)]
    [[[1], [0]], [[0], [1]], [[2], [1]]]
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
    the top disagreed statements (p > 0.5 and significant test, ranked by p x test).

    Parameters
    ----------
    agree, disagree, total : np.ndarray
        Per statement: agrees, disagrees, all votes.
    excluded : np.ndarray of bool
        Moderated-out or meta statements (never chosen).
    pick_max : int, default 5
        At most this many per side.
    z : float, default 1.2816
        One-sided significance threshold.

    Returns
    -------
    (list of int, list of int)
        Columns of the agreed and of the disagreed consensus statements, best first.

    Examples
    --------
    >>> select_consensus(np.array([20, 1]), np.array([0, 20]), np.array([20, 21]),
    ...                  np.array([False, False]))
    ([0], [1])
    """
    na, nd, ns = (a.astype(np.float64) for a in (agree, disagree, total))
    pa, pd = (na + 1) / (ns + 2), (nd + 1) / (ns + 2)
    pat, pdt = prop_test(na, ns), prop_test(nd, ns)

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

    Parameters
    ----------
    agree, disagree, total : np.ndarray
        Per statement: agrees, disagrees and all votes of clustered participants.
    extremity : np.ndarray
        Norm of the statement's projection.
    is_meta : np.ndarray of bool
        Meta statements.

    Returns
    -------
    np.ndarray
        Priority of every statement.

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
