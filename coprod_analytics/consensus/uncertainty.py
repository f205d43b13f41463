"""How sure are the group tallies? Bootstrap intervals for group rates and group-aware consensus.

Pol.is reports, for each opinion group and statement, how many agreed, disagreed and passed,
and a group-aware consensus per statement,

.. math::

    \\mathrm{GAC}_n = \\prod_g \\frac{A_{gn} + 1}{S_{gn} + 2},

(:math:`A` agrees, :math:`S` all votes, passes included, of group :math:`g` on statement
:math:`n`), but never how much these numbers would move with a different set of people.
:func:`bootstrap_group_rates` answers that with a **participant bootstrap stratified by
group**: each resample redraws, within every group, as many participants as the group has,
with replacement, keeping all of a drawn participant's votes. Group sizes stay fixed (they
are the groups being described); participants who are not clustered (group ``-1``) do not
enter any group tally.

Intervals are percentile intervals of the resampled statistic. A rate whose group cast no
vote on the statement in a resample is undefined there and ignored; when it is undefined in
every resample, its interval is null.

Each resample is a vector of multinomial weights per participant; the tallies of every
(group, statement) cell for a block of resamples are one sparse-matrix product
``votes.T @ weights`` (never a Python loop over votes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.consensus.matrix import VoteMatrix
from coprod_analytics.errors import ValidationError, check_param

__all__ = ["bootstrap_group_rates", "group_aware_consensus"]

_BLOCK_CELLS = 4_000_000  # resamples x cells (or participants) held at once, per array


def _as_groups(groups: Any, n_rows: int, func: str) -> np.ndarray:
    if isinstance(groups, pl.Series):
        groups = groups.fill_null(-1).to_numpy()
    arr = np.asarray(groups)
    check_param(arr.ndim == 1, "groups", func, "a 1-D array with one label per row", arr.shape)
    if arr.shape[0] != n_rows:
        raise ValidationError(
            f"groups has {arr.shape[0]} labels but the vote matrix has {n_rows} rows "
            "(one label per participant row, -1 for not clustered)",
            column="groups",
        )
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        if np.issubdtype(arr.dtype, np.floating) and np.all(np.isnan(arr) | (arr == np.round(arr))):
            arr = np.where(np.isnan(arr), -1, arr)
        else:
            raise ValidationError(
                f"groups must hold integer labels (-1 for not clustered); got dtype {arr.dtype}",
                column="groups",
            )
    arr = arr.astype(np.int64)
    if arr.size and arr.min() < -1:
        row = int(np.argmax(arr < -1)) + 1
        raise ValidationError(
            f"group labels must be >= 0, or -1 for not clustered; got {int(arr[row - 1])}",
            row=row,
            column="groups",
        )
    return arr


def _tallies(matrix: VoteMatrix, gidx: np.ndarray, n_groups: int) -> tuple[Any, Any, Any]:
    """Participants x (group * statements) sparse indicators of agree, disagree and any vote."""
    import scipy.sparse as sp

    m = matrix.shape[1]
    g = gidx[matrix.rows]
    sel = g >= 0
    rows = matrix.rows[sel]
    key = g[sel].astype(np.int64) * m + matrix.cols[sel]
    vals = matrix.values[sel]
    shape = (matrix.shape[0], n_groups * m)

    def build(mask: np.ndarray) -> Any:
        return sp.csc_matrix(
            (np.ones(int(mask.sum())), (rows[mask], key[mask])), shape=shape
        ).T.tocsr()

    return build(vals == 1), build(vals == -1), build(np.ones(vals.shape, dtype=bool))


def group_aware_consensus(agree: np.ndarray, total: np.ndarray) -> np.ndarray:
    """Π over groups of (A_g + 1) / (S_g + 2); groups on axis -2, statements on axis -1.

    Examples
    --------
    >>> agree = np.array([[3, 0], [1, 2]])  # 2 groups x 2 statements
    >>> total = np.array([[4, 1], [2, 2]])
    >>> group_aware_consensus(agree, total).round(4).tolist()  # (4/6)(2/4), (1/3)(3/4)
    [0.3333, 0.25]
    """
    a = np.asarray(agree, dtype=np.float64)
    s = np.asarray(total, dtype=np.float64)
    return np.prod((a + 1.0) / (s + 2.0), axis=-2)


def _percentiles(samples: np.ndarray, alpha: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile limits along axis 0, ignoring NaN; NaN where every sample is NaN."""
    ok = ~np.all(np.isnan(samples), axis=0)
    low = np.full(samples.shape[1:], np.nan)
    high = np.full(samples.shape[1:], np.nan)
    if ok.any():
        q = np.nanquantile(samples[:, ok], [alpha / 2, 1 - alpha / 2], axis=0)
        low[ok], high[ok] = q[0], q[1]
    return low, high


def _null(x: np.ndarray) -> pl.Series:
    return pl.Series(x, dtype=pl.Float64).fill_nan(None)


def bootstrap_group_rates(
    matrix: VoteMatrix,
    groups: Any,
    *,
    n_boot: int = 200,
    alpha: float = 0.05,
    seed: int = 0,
    progress: Callable[[int, int], Any] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per-group agree/disagree/pass rates and group-aware consensus, with bootstrap CIs.

    Parameters
    ----------
    matrix : VoteMatrix
        Latest votes (see :func:`~coprod_analytics.consensus.matrix.vote_matrix`). All
        statements are tallied, moderated-out ones included (as Pol.is tallies them).
    groups : array of int, one per matrix row
        Group label of each participant row; ``-1`` (or null in a polars Series) for a
        participant who is not clustered.
    n_boot : int
        Number of bootstrap resamples.
    alpha : float
        The intervals have coverage ``1 - alpha``.
    seed : int
        Seed of the resampling; the same seed gives the same intervals.
    progress : callable(done, total), optional
        Called after each block of resamples (e.g. to move a notebook progress bar).

    Returns
    -------
    rates : pl.DataFrame
        One row per (statement, group), statements in matrix order, groups ascending:
        ``statement_id``, ``group``, ``n_votes`` (S), ``agree``, ``disagree``, ``pass``
        (counts), and for each of ``agree``, ``disagree``, ``pass``: ``<x>_rate`` (count / S,
        null when S = 0), ``<x>_low`` and ``<x>_high`` (the interval).
    consensus : pl.DataFrame
        One row per statement: ``statement_id``, ``group_aware_consensus``, ``gac_low``,
        ``gac_high``, ``n_votes`` (votes by clustered participants).

    Examples
    --------
    >>> from coprod_analytics.inquiry import Inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> inq = Inquiry(votes={"participant_id": [1, 2, 3, 4, 1, 2, 3, 4],
    ...                      "statement_id": [1, 1, 1, 1, 2, 2, 2, 2],
    ...                      "vote": [1, 1, -1, 0, 1, 1, 1, 1]})
    >>> m = vote_matrix(inq)
    >>> rates, gac = bootstrap_group_rates(m, [0, 0, 1, 1], n_boot=50)
    >>> rates.select("statement_id", "group", "agree_rate").rows()
    [(1, 0, 1.0), (1, 1, 0.0), (2, 0, 1.0), (2, 1, 1.0)]
    >>> gac["group_aware_consensus"].to_list()  # (3/4)(1/4), (3/4)(3/4)
    [0.1875, 0.5625]
    >>> gac["gac_low"][0] <= 0.1875 <= gac["gac_high"][0]
    True
    """
    func = "bootstrap_group_rates"
    check_param(isinstance(matrix, VoteMatrix), "matrix", func, "a VoteMatrix", type(matrix))
    check_param(
        isinstance(n_boot, int) and not isinstance(n_boot, bool) and n_boot >= 1,
        "n_boot",
        func,
        "an int >= 1",
        n_boot,
    )
    check_param(
        isinstance(alpha, (int, float)) and 0 < alpha < 1,
        "alpha",
        func,
        "a float in (0, 1)",
        alpha,
    )
    check_param(progress is None or callable(progress), "progress", func, "a callable", progress)
    n_rows, m = matrix.shape
    labels_in = _as_groups(groups, n_rows, func)
    labels, gidx_pos = np.unique(labels_in[labels_in >= 0], return_inverse=True)
    gidx = np.full(n_rows, -1, dtype=np.int64)
    gidx[labels_in >= 0] = gidx_pos
    n_groups = labels.size
    cells = n_groups * m

    agree_t, disagree_t, total_t = _tallies(matrix, gidx, n_groups)
    ones = np.ones(n_rows)
    a0 = agree_t @ ones
    d0 = disagree_t @ ones
    s0 = total_t @ ones

    members = [np.flatnonzero(gidx == g) for g in range(n_groups)]
    rng = np.random.default_rng(seed)
    boot_a = np.empty((n_boot, cells))
    boot_d = np.empty((n_boot, cells))
    boot_s = np.empty((n_boot, cells))
    block = max(1, min(n_boot, _BLOCK_CELLS // max(cells, n_rows, 1), max(1, n_boot // 20)))
    done = 0
    while done < n_boot:
        size = min(block, n_boot - done)
        weights = np.zeros((n_rows, size))
        for b in range(size):
            for idx in members:
                weights[idx, b] = rng.multinomial(idx.size, np.full(idx.size, 1.0 / idx.size))
        boot_a[done : done + size] = (agree_t @ weights).T
        boot_d[done : done + size] = (disagree_t @ weights).T
        boot_s[done : done + size] = (total_t @ weights).T
        done += size
        if progress is not None:
            progress(done, n_boot)

    with np.errstate(invalid="ignore", divide="ignore"):
        point = {
            "agree": np.where(s0 > 0, a0 / s0, np.nan),
            "disagree": np.where(s0 > 0, d0 / s0, np.nan),
            "pass": np.where(s0 > 0, (s0 - a0 - d0) / s0, np.nan),
        }
        boot = {
            "agree": np.where(boot_s > 0, boot_a / boot_s, np.nan),
            "disagree": np.where(boot_s > 0, boot_d / boot_s, np.nan),
            "pass": np.where(boot_s > 0, (boot_s - boot_a - boot_d) / boot_s, np.nan),
        }

    # cells are group-major (g * m + n); the table is statement-major
    order = (np.arange(n_groups)[None, :] * m + np.arange(m)[:, None]).ravel()
    sids = matrix.statement_ids
    rates: dict[str, Any] = {
        "statement_id": sids.gather(np.repeat(np.arange(m), n_groups)),
        "group": np.tile(labels, m).astype(np.int64),
        "n_votes": s0[order].astype(np.int64),
        "agree": a0[order].astype(np.int64),
        "disagree": d0[order].astype(np.int64),
        "pass": (s0 - a0 - d0)[order].astype(np.int64),
    }
    for name in ("agree", "disagree", "pass"):
        low, high = _percentiles(boot[name], alpha)
        rates[f"{name}_rate"] = _null(point[name][order])
        rates[f"{name}_low"] = _null(low[order])
        rates[f"{name}_high"] = _null(high[order])
    rates_table = pl.DataFrame(rates)

    if n_groups:
        gac = group_aware_consensus(a0.reshape(n_groups, m), s0.reshape(n_groups, m))
        boot_gac = group_aware_consensus(
            boot_a.reshape(n_boot, n_groups, m), boot_s.reshape(n_boot, n_groups, m)
        )
        gac_low, gac_high = _percentiles(boot_gac, alpha)
    else:
        gac = gac_low = gac_high = np.full(m, np.nan)
    gac_table = pl.DataFrame(
        {
            "statement_id": sids,
            "group_aware_consensus": _null(gac),
            "gac_low": _null(gac_low),
            "gac_high": _null(gac_high),
            "n_votes": s0.reshape(max(n_groups, 1), m).sum(axis=0).astype(np.int64)
            if n_groups
            else np.zeros(m, dtype=np.int64),
        }
    )
    return rates_table, gac_table
