"""Bridging scores on Dask: the local engine's alternating least squares over partitions.

The model, penalties, spectral start, closed-form gauge and Anderson acceleration are those
of :func:`~coprod_analytics.consensus.bridging.bridging_scores`; only where the numbers live
changes. Every participant's intercept and factor (and their Anderson history) stay on the
worker holding the participant's partition (:class:`BridgeBlock`); the statement side (``m``
intercepts and factors, ``mu``) lives on the client. One sweep is three passes over the
partitions, each returning a small array that is summed pairwise on the workers:

1. the statements' ridge sums ``C^T [f_u, f_u^2, i_u, f_u i_u]`` and ``R^T f_u``
   (``m x 5``); the client solves every statement's 2 x 2 system;
2. every participant's 2 x 2 system, on the workers; back come the sums ``mu`` and the
   gauge need (six numbers);
3. the gauge shift applied on the workers; back come the largest change and the
   participant part of Anderson's small least-squares problem (at most 3 x 3).

The client decides (stop, plain sweep, or extrapolate with the coefficients it solved) and
the next sweep starts with that decision applied on the workers. The sums are the local
engine's sums taken in another order, so the scores agree with it up to rounding and the
stopping tolerance (see ``docs/guide/dask.md``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.consensus import dask_blocks as blk
from coprod_analytics.consensus.bridging_als import (
    _AA_MEMORY,
    _POWER_ITERS,
    _gauge_shift,
    _ridge2,
    _solve2,
    check_bridging_params,
)
from coprod_analytics.consensus.dask_cluster import (
    client_for,
    import_distributed,
    load_blocks,
    map_over,
    tree_sum,
)
from coprod_analytics.consensus.matrix import VoteMatrix
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.progress import progress as _progress

__all__ = ["BridgeBlock", "bridging_scores_dask", "fit_bridging_blocks"]


@dataclass(frozen=True, eq=False)
class BridgeBlock:
    """One partition's ratings and participant parameters during a Dask bridging fit.

    Attributes
    ----------
    c : scipy.sparse.csr_matrix
        Rated (1), participants with a rating x statements with a rating.
    r : scipy.sparse.csr_matrix
        The ratings, in the same layout.
    count_u : np.ndarray
        Ratings per participant.
    r_user : np.ndarray
        Sum of the ratings per participant.
    x : np.ndarray
        ``(2, n)``: current intercepts and factors.
    gx : np.ndarray or None
        The sweep's new intercepts and factors (before the client's decision).
    xs : tuple of np.ndarray
        Anderson history of the iterates (at most ``_AA_MEMORY + 1``).
    gs : tuple of np.ndarray
        Anderson history of the sweeps' results (at most ``_AA_MEMORY + 1``).

    Examples
    --------
    >>> import scipy.sparse as sp
    >>> one = sp.csr_matrix(np.ones((1, 1)))
    >>> BridgeBlock(one, one, np.ones(1), np.ones(1), np.zeros((2, 1))).x.shape
    (2, 1)
    """

    c: Any
    r: Any
    count_u: np.ndarray
    r_user: np.ndarray
    x: np.ndarray
    gx: np.ndarray | None = None
    xs: tuple[np.ndarray, ...] = ()
    gs: tuple[np.ndarray, ...] = ()


def _ratings(
    block: blk.VoteBlock, excluded: np.ndarray, pass_rating: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row, column and rating of the block's ratings kept in the fit."""
    rows = np.repeat(np.arange(block.n_rows), np.diff(block.indptr))
    keep = ~excluded[block.indices]
    if pass_rating is None:
        keep &= block.values != 0
    v = block.values[keep]
    r = np.where(v == 1, 1.0, np.where(v == -1, 0.0, float(pass_rating or 0.0)))
    return rows[keep], block.indices[keep].astype(np.int64), r


def _column_counts(
    block: blk.VoteBlock, excluded: np.ndarray, pass_rating: float | None
) -> np.ndarray:
    """Ratings per column and their sum, ``(2, n_columns)``, for the statement side."""
    _, cols, r = _ratings(block, excluded, pass_rating)
    m = block.n_columns
    return np.vstack(
        [np.bincount(cols, minlength=m).astype(np.float64), np.bincount(cols, r, minlength=m)]
    )


def _prepare(
    block: blk.VoteBlock, excluded: np.ndarray, pass_rating: float | None, code: np.ndarray
) -> BridgeBlock:
    """The block's ratings as CSR over the fitted statements (``code``: column -> item)."""
    import scipy.sparse as sp

    rows, cols, r = _ratings(block, excluded, pass_rating)
    present = np.bincount(rows, minlength=block.n_rows) > 0
    urow = (np.cumsum(present) - 1)[rows]
    n_u = int(present.sum())
    n_n = int(code.max()) + 1 if code.size else 0
    items = code[cols].astype(np.int32)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(urow, minlength=n_u))]).astype(np.int64)
    c = sp.csr_matrix((np.ones(r.size), items, indptr), shape=(n_u, n_n))
    rr = sp.csr_matrix((r, items, indptr), shape=(n_u, n_n))
    count_u = np.bincount(urow, minlength=n_u).astype(np.float64)
    r_user = np.bincount(urow, r, minlength=n_u)
    return BridgeBlock(c, rr, count_u, r_user, np.zeros((2, n_u)))


def _power_step(bb: BridgeBlock, v: np.ndarray, mean: float) -> np.ndarray:
    """``R^T w - mean C^T w`` with ``w = R v - mean C v`` (the block's part of one power
    iteration on the centred ratings)."""
    w = bb.r @ v - mean * (bb.c @ v)
    return np.asarray(bb.r.T @ w - mean * (bb.c.T @ w))


def _start_factors(bb: BridgeBlock, v: np.ndarray, mean: float) -> BridgeBlock:
    """The block with ``w = R v - mean C v`` as its factors (scaled later)."""
    w = bb.r @ v - mean * (bb.c @ v)
    return replace(bb, x=np.vstack([np.zeros_like(w), w]))


def _random_factors(bb: BridgeBlock, seed: list[int]) -> BridgeBlock:
    """The block with small random factors (a random start)."""
    f = np.random.default_rng(seed).normal(0.0, 0.1, bb.count_u.size)
    return replace(bb, x=np.vstack([np.zeros_like(f), f]))


def _scale_factors(bb: BridgeBlock, scale: float) -> BridgeBlock:
    """The block with its factors multiplied by ``scale``."""
    return replace(bb, x=np.vstack([bb.x[0], bb.x[1] * scale]))


def _factor_norm2(bb: BridgeBlock) -> np.ndarray:
    """``[f_u . f_u]``."""
    return np.array([float(bb.x[1] @ bb.x[1])])


def _stmt_sums(bb: BridgeBlock) -> np.ndarray:
    """``(n_items, 5)``: the statements' ridge sums from this block's participants."""
    i_u, f_u = bb.x
    s = np.asarray(bb.c.T @ np.column_stack([f_u, f_u * f_u, i_u, f_u * i_u]))
    return np.column_stack([s, bb.r.T @ f_u])


def _user_update(
    bb: BridgeBlock, mu: float, i_n: np.ndarray, f_n: np.ndarray, lam_i: float, lam_f: float
) -> tuple[BridgeBlock, np.ndarray]:
    """Every participant's 2 x 2 ridge solution; the sums for ``mu`` and the gauge.

    Returns the block with ``gx`` set and ``[count_u . i_u, f_u . (C f_n), n, sum i_u,
    sum f_u, i_u . f_u, f_u . f_u]``.
    """
    i_u, f_u = _ridge2(bb.c, bb.r, bb.r_user, f_n, i_n, mu, bb.count_u, lam_i, lam_f)
    sums = np.array(
        [
            float(bb.count_u @ i_u),
            float(f_u @ (bb.c @ f_n)),
            float(i_u.size),
            float(i_u.sum()),
            float(f_u.sum()),
            float(i_u @ f_u),
            float(f_u @ f_u),
        ]
    )
    return replace(bb, gx=np.vstack([i_u, f_u])), sums


def _history(bb: BridgeBlock, gx: np.ndarray) -> tuple[list[np.ndarray], list[np.ndarray]]:
    xs, gs = [*bb.xs, bb.x], [*bb.gs, gx]
    if len(xs) > _AA_MEMORY + 1:
        xs.pop(0)
        gs.pop(0)
    return xs, gs


def _gauge_apply(
    bb: BridgeBlock, a: float, e: float, d: float, c: float
) -> tuple[BridgeBlock, np.ndarray]:
    """The gauge shift on the block's new parameters; its part of the stopping test and of
    Anderson's least squares, as if the sweep is appended to the history.

    Returns the block (``gx`` shifted) and ``[max |gx - x|, then D^T D (k x k) and D^T f
    (k) flattened]`` where ``D`` holds the differences of successive ``g - x`` (k <= 3).
    """
    assert bb.gx is not None
    i_u, f_u = bb.gx
    gx = np.vstack([i_u - a - e * f_u, (f_u + d) * c])
    f = gx - bb.x
    size = float(np.max(np.abs(f))) if f.size else 0.0
    xs, gs = _history(bb, gx)
    fs = [(g - x).ravel() for g, x in zip(gs, xs, strict=True)]
    if len(fs) >= 2:
        d_f = np.stack([fs[i + 1] - fs[i] for i in range(len(fs) - 1)], axis=1)
        extra = np.concatenate([(d_f.T @ d_f).ravel(), d_f.T @ f.ravel()])
    else:
        extra = np.zeros(0)
    return replace(bb, gx=gx), np.concatenate([[size], extra])


def _advance(bb: BridgeBlock, mode: str, gamma: np.ndarray | None) -> BridgeBlock:
    """Apply the client's decision: ``"stop"`` (take the sweep), ``"clear"`` (forget the
    history, take the sweep), ``"append"`` (extrapolate with ``gamma`` when there is history)."""
    assert bb.gx is not None
    gx = bb.gx
    if mode == "stop":
        return replace(bb, x=gx, gx=None)
    if mode == "clear":
        return replace(bb, x=gx, gx=None, xs=(bb.x,), gs=(gx,))
    xs, gs = _history(bb, gx)
    x = gx
    if gamma is not None and len(xs) >= 2:
        d_g = np.stack([gs[i + 1] - gs[i] for i in range(len(gs) - 1)], axis=2)
        x = gx - d_g @ gamma
    return replace(bb, x=x, gx=None, xs=tuple(xs), gs=tuple(gs))


def _loss_sums(bb: BridgeBlock, mu: float, i_n: np.ndarray, f_n: np.ndarray) -> np.ndarray:
    """``[sum of squared errors, i_u . i_u, f_u . f_u]`` of the block."""
    i_u, f_u = bb.x
    u = np.repeat(np.arange(bb.count_u.size), np.diff(bb.c.indptr))
    n = bb.c.indices
    e = mu + i_u[u] + i_n[n] + f_u[u] * f_n[n] - bb.r.data
    return np.array([float(e @ e), float(i_u @ i_u), float(f_u @ f_u)])


@dataclass(frozen=True)
class BridgingFit:
    """What :func:`fit_bridging_blocks` returns.

    Attributes
    ----------
    intercept, factor : np.ndarray
        Per column of the dataset (NaN where not fitted).
    counts : np.ndarray
        Ratings used per column.
    sweeps : int
        Sweeps of the kept start.

    Examples
    --------
    >>> BridgingFit(np.zeros(1), np.zeros(1), np.ones(1, dtype=np.int64), 3).sweeps
    3
    """

    intercept: np.ndarray
    factor: np.ndarray
    counts: np.ndarray
    sweeps: int


def fit_bridging_blocks(
    client: Any,
    blocks: list[Any],
    excluded: np.ndarray,
    *,
    lambda_intercept: float = 0.15,
    lambda_factor: float = 0.03,
    pass_rating: float | None = None,
    n_iter: int = 500,
    tol: float = 1e-7,
    n_init: int | None = None,
    seed: int = 0,
    progress: bool = False,
) -> BridgingFit:
    """The bridging model fitted over vote blocks on the workers (see the module docstring).

    Parameters
    ----------
    client : distributed.Client
    blocks : list of Future
        :class:`~coprod_analytics.consensus.dask_blocks.VoteBlock` futures, one per partition.
    excluded : np.ndarray of bool
        Moderated-out or meta columns (left out of the fit).
    lambda_intercept, lambda_factor, pass_rating, n_iter, tol, n_init, seed
        As in :func:`~coprod_analytics.consensus.bridging.bridging_scores`.
    progress : bool, default False
        A progress bar of the sweeps.

    Returns
    -------
    BridgingFit

    Examples
    --------
    >>> from coprod_analytics.consensus.dask_cluster import dask_client, load_blocks
    >>> client = dask_client(n_workers=1, processes=False, dashboard_address=None)
    >>> votes = pl.DataFrame({"participant_id": [p for p in range(6) for _ in range(3)],
    ...                       "statement_id": [s for _ in range(6) for s in range(3)],
    ...                       "vote": [1 if s == 2 or (s == 0) == (p < 3) else -1
    ...                                for p in range(6) for s in range(3)]})
    >>> loaded = load_blocks(client, votes, None, 2)
    >>> fit = fit_bridging_blocks(client, loaded.blocks, np.zeros(3, bool))
    >>> client.close()
    >>> np.round(fit.intercept, 3).tolist()
    [-0.015, -0.015, 0.473]
    """
    lam_i, lam_f = float(lambda_intercept), float(lambda_factor)
    m = int(excluded.shape[0])
    per_col = tree_sum(
        client, map_over(client, _column_counts, blocks, excluded=excluded, pass_rating=pass_rating)
    )
    counts_all = per_col[0]
    items = np.flatnonzero(counts_all > 0)
    code = np.full(m, -1, dtype=np.int64)
    code[items] = np.arange(items.size)
    count_n = counts_all[items]
    r_item = per_col[1][items]
    n_ratings = float(count_n.sum())
    total = float(r_item.sum())
    n_n = items.size
    bbs0 = map_over(client, _prepare, blocks, excluded=excluded, pass_rating=pass_rating, code=code)
    rng = np.random.default_rng(seed)
    starts = n_init if n_init is not None else (10 if n_ratings < 10_000 else 1)
    best: tuple[float, np.ndarray, np.ndarray, int] | None = None
    bar = _progress(iter(range(10**9)), enabled=progress, desc="Bridging (ALS)", unit="sweep")
    for start in range(starts if n_ratings else 1):
        bbs, f_n = _start(client, bbs0, rng, n_n, n_ratings, total, start, seed)
        fit = _fit(
            client, bbs, f_n, count_n, r_item, n_ratings, total, lam_i, lam_f, n_iter, tol, bar
        )
        if best is None or fit[0] < best[0] - 1e-12:
            best = fit
    getattr(bar, "close", lambda: None)()  # a generator: closing it closes the tqdm bar
    assert best is not None
    _, i_n, f_n, sweeps = best
    if f_n.size and np.any(f_n != 0):
        f_n = f_n * np.sign(f_n[np.argmax(np.abs(f_n))])
    intercept = np.full(m, np.nan)
    factor = np.full(m, np.nan)
    intercept[items] = i_n
    factor[items] = f_n
    return BridgingFit(intercept, factor, counts_all.astype(np.int64), sweeps)


def _start(
    client: Any,
    bbs0: list[Any],
    rng: np.random.Generator,
    n_n: int,
    n_ratings: float,
    total: float,
    start: int,
    seed: int,
) -> tuple[list[Any], np.ndarray]:
    """Starting participant factors on the workers and statement factors here (spectral
    for the first start, as in the local engine; random afterwards)."""

    def random() -> tuple[list[Any], np.ndarray]:
        # participant factors drawn per partition (not the local engine's draws)
        bbs = [client.submit(_random_factors, b, [seed, start, i]) for i, b in enumerate(bbs0)]
        return bbs, rng.normal(0.0, 0.1, n_n)

    if start > 0:
        return random()
    mean = total / n_ratings if n_ratings else 0.0
    v = rng.normal(0.0, 1.0, n_n)
    for _ in range(_POWER_ITERS):
        v = tree_sum(client, map_over(client, _power_step, bbs0, v=v, mean=mean))
        norm = float(np.linalg.norm(v))
        if norm == 0:
            return random()
        v /= norm
    bbs = map_over(client, _start_factors, bbs0, v=v, mean=mean)
    s = float(np.sqrt(tree_sum(client, map_over(client, _factor_norm2, bbs))[0]))
    if s == 0:
        return random()
    bbs = map_over(client, _scale_factors, bbs, scale=0.5 / np.sqrt(s))
    return bbs, 0.5 * v * np.sqrt(s)


def _fit(
    client: Any,
    bbs: list[Any],
    f_n: np.ndarray,
    count_n: np.ndarray,
    r_item: np.ndarray,
    n_ratings: float,
    total: float,
    lam_i: float,
    lam_f: float,
    n_iter: int,
    tol: float,
    bar: Any,
) -> tuple[float, np.ndarray, np.ndarray, int]:
    """One Anderson-accelerated alternating-least-squares run: (loss, i_n, f_n, sweeps)."""
    import operator

    n_n = f_n.size
    # the client's part of x: [mu, i_n, f_n]
    x = np.concatenate([[0.0], np.zeros(n_n), f_n])
    xs: list[np.ndarray] = []
    gs: list[np.ndarray] = []
    last = np.inf
    sweeps = 0
    for _ in range(n_iter if n_ratings else 0):
        sweeps += 1
        next(bar, None)
        mu, i_n, f_n = float(x[0]), x[1 : 1 + n_n], x[1 + n_n :]
        sums = tree_sum(client, map_over(client, _stmt_sums, bbs))
        new_i_n, new_f_n = _solve2(sums[:, :4], sums[:, 4], r_item, mu, count_n, lam_i, lam_f)
        upd = map_over(
            client, _user_update, bbs, mu=mu, i_n=new_i_n, f_n=new_f_n, lam_i=lam_i, lam_f=lam_f
        )
        bbs = [client.submit(operator.getitem, u, 0) for u in upd]
        us = tree_sum(client, [client.submit(operator.getitem, u, 1) for u in upd])
        fit_sum = us[0] + float(count_n @ new_i_n) + us[1]
        new_mu = (total - fit_sum) / (n_ratings + lam_i)
        items = (
            float(n_n),
            float(new_i_n.sum()),
            float(new_f_n.sum()),
            float(new_i_n @ new_f_n),
            float(new_f_n @ new_f_n),
        )
        a, b, d, e = _gauge_shift(new_mu, (us[2], us[3], us[4], us[5], us[6]), items, lam_i, lam_f)
        g_mu = new_mu + a + b - d * e
        g_in = new_i_n - b - d * new_f_n
        g_fn = new_f_n + e
        nu2 = us[6] + 2 * d * us[4] + us[2] * d * d
        nn2 = float(g_fn @ g_fn)
        c = (nn2 / nu2) ** 0.25 if nu2 > 0 and nn2 > 0 else 1.0
        g_fn = g_fn / c
        gx = np.concatenate([[g_mu], g_in, g_fn])
        app = map_over(client, _gauge_apply, bbs, a=a, e=e, d=d, c=c)
        bbs = [client.submit(operator.getitem, t, 0) for t in app]
        stats = client.gather([client.submit(operator.getitem, t, 1) for t in app])
        f = gx - x
        size = max([float(np.max(np.abs(f)))] + [float(s[0]) for s in stats])
        if size < tol:
            x = gx
            bbs = map_over(client, _advance, bbs, mode="stop", gamma=None)
            break
        if size > last:
            xs.clear()
            gs.clear()
            mode = "clear"
        else:
            mode = "append"
        last = size
        xs.append(x)
        gs.append(gx)
        if len(xs) > _AA_MEMORY + 1:
            xs.pop(0)
            gs.pop(0)
        gamma = None
        if len(xs) >= 2:
            k = len(xs) - 1
            fs = [g - y for g, y in zip(gs, xs, strict=True)]
            d_f = np.stack([fs[i + 1] - fs[i] for i in range(k)], axis=1)
            d_g = np.stack([gs[i + 1] - gs[i] for i in range(k)], axis=1)
            gram = d_f.T @ d_f
            rhs = d_f.T @ f
            for s in stats:  # the participants' parts (same history length on every block)
                gram = gram + s[1 : 1 + k * k].reshape(k, k)
                rhs = rhs + s[1 + k * k : 1 + k * k + k]
            gram[np.diag_indices_from(gram)] *= 1.0 + 1e-10
            try:
                gamma = np.linalg.solve(gram, rhs)
            except np.linalg.LinAlgError:
                gamma = np.zeros(k)
            x = gx - d_g @ gamma
        else:
            x = gx
        bbs = map_over(client, _advance, bbs, mode=mode, gamma=gamma)
    mu, i_n, f_n = float(x[0]), x[1 : 1 + n_n], x[1 + n_n :]
    ls = tree_sum(client, map_over(client, _loss_sums, bbs, mu=mu, i_n=i_n, f_n=f_n))
    loss = float(ls[0] + lam_i * (mu * mu + ls[1] + i_n @ i_n) + lam_f * (ls[2] + f_n @ f_n))
    return loss, i_n.copy(), f_n.copy(), sweeps


def bridging_scores_dask(
    data: VoteMatrix | Inquiry | pl.DataFrame | str | os.PathLike[str],
    *,
    statements: pl.DataFrame | None = None,
    client: Any = None,
    lambda_intercept: float = 0.15,
    lambda_factor: float = 0.03,
    threshold: float = 0.40,
    factor_limit: float = 0.5,
    min_votes: int = 5,
    pass_rating: float | None = None,
    n_iter: int = 500,
    tol: float = 1e-7,
    n_init: int | None = None,
    seed: int = 0,
    n_partitions: int | None = None,
    progress: bool = True,
) -> pl.DataFrame:
    """Community-Notes-style bridging scores computed on a Dask cluster.

    Parameters
    ----------
    data : VoteMatrix, Inquiry, polars.DataFrame, path or str
        The votes: a Parquet votes dataset (file, folder or glob; read piece by piece), an
        Inquiry or votes table, or a VoteMatrix (sent to the workers in pieces).
    statements : polars.DataFrame, optional
        Statements table (its order is the output's; moderated-out and meta statements are
        left out of the fit). Default: the Inquiry's or VoteMatrix's, else every statement
        voted on.
    client : distributed.Client, optional
        The cluster; None starts a LocalCluster for the call.
    lambda_intercept, lambda_factor, threshold, factor_limit, min_votes, pass_rating, n_iter, tol, n_init, seed
        As in :func:`~coprod_analytics.consensus.bridging.bridging_scores` (same defaults).
        The first start is the same spectral start; further random starts (the default
        below 10,000 ratings) draw the participants' factors per partition.
    n_partitions : int, optional
        Partitions of participants.
    progress : bool, default True
        Progress bars on stderr.

    Returns
    -------
    polars.DataFrame
        As the local engine: ``statement_id``, ``bridging``, ``factor``, ``is_bridging``,
        ``n_votes``, one row per statement.

    Examples
    --------
    >>> from coprod_analytics.consensus.dask_cluster import dask_client
    >>> client = dask_client(n_workers=1, processes=False, dashboard_address=None)
    >>> rows = [(p, s, 1 if s == 2 or (s == 0) == (p < 3) else -1)
    ...         for p in range(6) for s in range(3)]
    >>> votes = pl.DataFrame(rows, schema=["participant_id", "statement_id", "vote"],
    ...                      orient="row")
    >>> out = bridging_scores_dask(votes, client=client, min_votes=1, progress=False)
    >>> client.close()
    >>> out.select("statement_id", pl.col("bridging").round(3), "is_bridging").rows()
    [(0, -0.015, False), (1, -0.015, False), (2, 0.473, True)]
    """

    func = "bridging_scores(engine='dask')"
    check_bridging_params(
        func,
        lambda_intercept=lambda_intercept,
        lambda_factor=lambda_factor,
        threshold=threshold,
        factor_limit=factor_limit,
        min_votes=min_votes,
        pass_rating=pass_rating,
        n_iter=n_iter,
        tol=tol,
        n_init=n_init,
    )
    if isinstance(data, VoteMatrix):
        data, matrix_statements = _matrix_votes(data)
        statements = statements if statements is not None else matrix_statements
    elif statements is None and isinstance(data, Inquiry):
        statements = data.statements
    import_distributed()
    with client_for(client) as cl:
        loaded = load_blocks(cl, data, statements, n_partitions)
        stmts = loaded.statements
        excluded = np.asarray(
            ((stmts.get_column("moderation") == -1) | stmts.get_column("is_meta")).to_numpy(),
            dtype=bool,
        )
        fit = fit_bridging_blocks(
            cl,
            loaded.blocks,
            excluded,
            lambda_intercept=lambda_intercept,
            lambda_factor=lambda_factor,
            pass_rating=pass_rating,
            n_iter=n_iter,
            tol=tol,
            n_init=n_init,
            seed=seed,
            progress=progress,
        )
    return _bridging_frame(
        stmts.get_column("statement_id"), fit, threshold, factor_limit, min_votes
    )


def _bridging_frame(
    statement_ids: pl.Series,
    fit: BridgingFit,
    threshold: float,
    factor_limit: float,
    min_votes: int,
) -> pl.DataFrame:
    """The local engine's output table from a fit."""
    fitted = fit.counts > 0
    is_bridging = (
        fitted
        & (fit.counts >= min_votes)
        & (np.nan_to_num(fit.intercept, nan=-np.inf) >= threshold)
        & (np.abs(np.nan_to_num(fit.factor, nan=np.inf)) < factor_limit)
    )
    return pl.DataFrame(
        {
            "statement_id": statement_ids,
            "bridging": pl.Series("bridging", fit.intercept, nan_to_null=True),
            "factor": pl.Series("factor", fit.factor, nan_to_null=True),
            "is_bridging": is_bridging,
            "n_votes": fit.counts,
        }
    )


def _matrix_votes(matrix: VoteMatrix) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A VoteMatrix as a votes table and a statements table (excluded columns moderated out)."""
    votes = pl.DataFrame(
        {
            "participant_id": matrix.participant_ids.gather(matrix.rows),
            "statement_id": matrix.statement_ids.gather(matrix.cols),
            "vote": pl.Series(matrix.values, dtype=pl.Int8),
        }
    )
    statements = pl.DataFrame(
        {
            "statement_id": matrix.statement_ids,
            "moderation": pl.Series(np.where(matrix.excluded, -1, 0), dtype=pl.Int64),
        }
    )
    return votes, statements
