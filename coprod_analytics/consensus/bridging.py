"""Bridging scores: which statements are liked across opinion divides (Community Notes style).

Community Notes (Wojcik et al., arXiv 2210.15723; ``twitter/communitynotes``) explains every
rating with a matrix factorisation that has intercepts,

.. math::

    \\hat r_{un} = \\mu + i_u + i_n + f_u f_n ,

with one-dimensional factors :math:`f_u, f_n`. The factor term soaks up what a statement's
approval owes to *which side* a participant is on; what is left in the statement intercept
:math:`i_n` is approval shared across sides. A statement "bridges" when :math:`i_n` is high
and :math:`|f_n|` small.

How agree/disagree/pass votes become ratings
--------------------------------------------
agree = 1, disagree = 0 (Community Notes' helpful / not helpful). Passes are **left out** by
default (a pass says "no opinion", not "unhelpful"); ``pass_rating=0.5`` counts them as a
half-way rating instead. Moderated-out and meta statements are left out of the fit
entirely (their rows in the result carry null scores).

The fit
-------
Regularised least squares over the observed ratings only (the Community Notes docs' form):

.. math::

    \\sum_{(u,n)} (r_{un} - \\hat r_{un})^2
    + \\lambda_i (\\mu^2 + \\textstyle\\sum_u i_u^2 + \\sum_n i_n^2)
    + \\lambda_f (\\textstyle\\sum_u f_u^2 + \\sum_n f_n^2),

with :math:`\\lambda_i = 0.15`, :math:`\\lambda_f = 0.03`. It is minimised by alternating
least squares: with the participant parameters fixed, each statement's :math:`(i_n, f_n)`
solves a 2 x 2 ridge system in closed form whose sums are one sparse product of the
participants x statements rating matrix with a few dense columns, and vice versa;
:math:`\\mu` has a closed form. Every step is O(number of votes). After every sweep the
parameters are moved along the directions that leave all predictions unchanged to where the
penalty is smallest (see ``bridging_als._fix_gauge``); without this, alternating least
squares needs thousands of sweeps. The sweeps are Anderson-accelerated (memory 3), and the first start
is the leading singular pair of the centred rating matrix (15 power iterations) rather than
random values: together 16 sweeps instead of 48 on vtaiwan.uberx (49,443 ratings), and on
every shared Pol.is conversation the spectral start reached the lowest penalised loss of
all starts tried (random starts on bg2050-volunteers stopped in worse local minima). The
factor's sign is arbitrary and is fixed so that the statement with the largest
:math:`|f_n|` has a positive factor.

The threshold 0.40 is Community Notes' (their ratings, their data). On Pol.is data the
intercepts are measured against the room's mean agreement, so a statement can be the most
bridging one of a conversation without reaching 0.40: rank by ``bridging`` as well as
reading the flag.
"""

from __future__ import annotations

import os
from typing import Any, Literal

import numpy as np
import polars as pl

from coprod_analytics.consensus.bridging_als import (
    _AA_MEMORY,
    _POWER_ITERS,
    _fix_gauge,
    _ridge2,
    check_bridging_params,
)
from coprod_analytics.consensus.matrix import VoteMatrix
from coprod_analytics.errors import check_param
from coprod_analytics.inquiry import Inquiry

__all__ = ["bridging_scores"]


class _Design:
    """The ratings as two sparse participants x statements matrices, built once per fit:
    ``c`` (1 where a participant rated a statement) and ``r`` (the rating), with their
    transposes, all CSR (row-wise products are the fastest here: a 4-column product took
    0.45 ms against 0.59 ms through a CSC view and 0.2-0.5 ms dense on vtaiwan.uberx, whose
    dense matrix is 87% empty), so that every sum of a sweep is one sparse product with a
    few dense columns."""

    def __init__(self, u: np.ndarray, n: np.ndarray, r: np.ndarray, n_u: int, n_n: int) -> None:
        from scipy import sparse

        self.r_item = np.bincount(n, weights=r, minlength=n_n)  # ratings summed per statement
        self.r_user = np.bincount(u, weights=r, minlength=n_u)
        self.shape = (n_u, n_n)

        def csr(rows: np.ndarray, cols: np.ndarray, size: tuple[int, int]) -> tuple[Any, Any]:
            # straight from a stable sort by row (each (u, n) pair is unique)
            # (16-bit keys get NumPy's radix sort: 0.5 ms against 7 ms for 50,000 int64)
            keys = rows.astype(np.uint16) if size[0] <= 65535 else rows
            order = np.argsort(keys, kind="stable")
            indptr = np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=size[0]))])
            idx = cols[order].astype(np.int32)
            ones = sparse.csr_matrix((np.ones(r.size), idx, indptr), shape=size)
            rated = sparse.csr_matrix((r[order].astype(np.float64), idx, indptr), shape=size)
            return ones, rated

        self.c, self.r = csr(u, n, (n_u, n_n))
        self.ct, self.rt = csr(n, u, (n_n, n_u))


def _start(
    design: _Design, r: np.ndarray, rng: np.random.Generator, svd: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Starting factors: the leading singular pair of the ratings minus their mean (a few
    power iterations on the sparse matrix), or small random values."""
    n_u, n_n = design.shape
    if not svd:
        return rng.normal(0.0, 0.1, n_u), rng.normal(0.0, 0.1, n_n)
    mean = float(r.mean()) if r.size else 0.0
    v = rng.normal(0.0, 1.0, n_n)
    w = np.zeros(n_u)
    for _ in range(_POWER_ITERS):
        w = design.r @ v - mean * (design.c @ v)
        v = design.rt @ w - mean * (design.ct @ w)
        norm = float(np.linalg.norm(v))
        if norm == 0:
            return rng.normal(0.0, 0.1, n_u), rng.normal(0.0, 0.1, n_n)
        v /= norm
    w = design.r @ v - mean * (design.c @ v)
    s = float(np.linalg.norm(w))
    if s == 0:
        return rng.normal(0.0, 0.1, n_u), rng.normal(0.0, 0.1, n_n)
    return 0.5 * w / np.sqrt(s), 0.5 * v * np.sqrt(s)


def _fit(
    design: _Design,
    u: np.ndarray,
    n: np.ndarray,
    r: np.ndarray,
    count_u: np.ndarray,
    count_n: np.ndarray,
    lam_i: float,
    lam_f: float,
    rng: np.random.Generator,
    n_iter: int,
    tol: float,
    svd_start: bool = True,
) -> tuple[float, np.ndarray, np.ndarray]:
    """One alternating-least-squares run, Anderson-accelerated: (loss, i_n, f_n).

    One sweep (the map ``G``) solves every statement's and then every participant's 2 x 2
    ridge system in closed form, then ``mu`` and the gauge. Anderson acceleration (memory
    3; Walker & Ni 2011) extrapolates from the last sweeps; a step that makes the change
    per sweep grow is dropped for a plain sweep, so it never does worse than plain ALS.
    """
    n_u, n_n = count_u.size, count_n.size
    f_u, f_n = _start(design, r, rng, svd_start)
    total = float(r.sum())
    x = np.concatenate([[0.0], np.zeros(n_u), np.zeros(n_n), f_u, f_n])
    s_u, s_n = slice(1, 1 + n_u), slice(1 + n_u, 1 + n_u + n_n)
    s_fu, s_fn = slice(1 + n_u + n_n, 1 + 2 * n_u + n_n), slice(1 + 2 * n_u + n_n, None)

    def sweep(x: np.ndarray) -> np.ndarray:
        mu, i_u, f_u = float(x[0]), x[s_u], x[s_fu]
        new_i_n, new_f_n = _ridge2(
            design.ct, design.rt, design.r_item, f_u, i_u, mu, count_n, lam_i, lam_f
        )
        new_i_u, new_f_u = _ridge2(
            design.c, design.r, design.r_user, new_f_n, new_i_n, mu, count_u, lam_i, lam_f
        )
        # mu in closed form from sums of the fitted parts over the ratings
        fit_sum = (
            float(count_u @ new_i_u)
            + float(count_n @ new_i_n)
            + float(new_f_u @ (design.c @ new_f_n))
        )
        new_mu = (total - fit_sum) / (r.size + lam_i)
        out = _fix_gauge(new_mu, new_i_u, new_i_n, new_f_u, new_f_n, lam_i, lam_f)
        return np.concatenate([[out[0]], out[1], out[2], out[3], out[4]])

    if r.size:
        xs: list[np.ndarray] = []
        gs: list[np.ndarray] = []
        last = np.inf
        for _ in range(n_iter):
            gx = sweep(x)
            f = gx - x
            size = float(np.max(np.abs(f)))
            if size < tol:
                x = gx
                break
            if size > last:  # the extrapolation overshot: forget it, plain sweep
                xs.clear()
                gs.clear()
            last = size
            xs.append(x)
            gs.append(gx)
            if len(xs) > _AA_MEMORY + 1:
                xs.pop(0)
                gs.pop(0)
            if len(xs) >= 2:
                fs = [g - y for g, y in zip(gs, xs, strict=True)]
                d_f = np.stack([fs[i + 1] - fs[i] for i in range(len(fs) - 1)], axis=1)
                d_g = np.stack([gs[i + 1] - gs[i] for i in range(len(gs) - 1)], axis=1)
                # least squares by the (tiny) normal equations, lightly regularised
                gram = d_f.T @ d_f
                gram[np.diag_indices_from(gram)] *= 1.0 + 1e-10
                try:
                    gamma = np.linalg.solve(gram, d_f.T @ f)
                except np.linalg.LinAlgError:
                    gamma = np.zeros(d_f.shape[1])
                x = gx - d_g @ gamma
            else:
                x = gx
    mu, i_u, i_n, f_u, f_n = float(x[0]), x[s_u], x[s_n], x[s_fu], x[s_fn]
    e = mu + i_u[u] + i_n[n] + f_u[u] * f_n[n] - r
    loss = float(
        e @ e + lam_i * (mu * mu + i_u @ i_u + i_n @ i_n) + lam_f * (f_u @ f_u + f_n @ f_n)
    )
    return loss, i_n.copy(), f_n.copy()


def _dense_codes(values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(values, return_inverse=True)`` for ints in ``[0, size)``, in O(n)."""
    present = np.bincount(values, minlength=size) > 0
    code = np.cumsum(present) - 1
    return np.flatnonzero(present), code[values]


def bridging_scores(
    matrix: VoteMatrix | Inquiry | pl.DataFrame | str | os.PathLike[str],
    *,
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
    engine: Literal["local", "dask"] = "local",
    client: Any = None,
    progress: bool = True,
) -> pl.DataFrame:
    """Community-Notes-style bridging score of every statement.

    Parameters
    ----------
    matrix : VoteMatrix, or (``engine="dask"``) a Parquet votes dataset, Inquiry or votes table
        Latest votes (see :func:`~coprod_analytics.consensus.matrix.vote_matrix`). With
        ``engine="dask"`` also a Parquet votes dataset (file, folder or glob, read piece by
        piece), an Inquiry or a votes table.
    lambda_intercept, lambda_factor : float
        Ridge penalties on the intercepts (:math:`\\mu`, :math:`i_u`, :math:`i_n`) and on the
        factors (Community Notes: 0.15 and 0.03).
    threshold : float
        A statement bridges when its intercept is at least this (Community Notes: 0.40) ...
    factor_limit : float
        ... and the absolute value of its factor is below this (Community Notes: 0.5) ...
    min_votes : int
        ... and it has at least this many ratings in the fit (an intercept fitted on one or
        two votes is mostly prior; Community Notes asks for 5).
    pass_rating : float, optional
        ``None`` (default) leaves passes out; a number in [0, 1] rates them with it.
    n_iter : int
        Maximum alternating-least-squares sweeps.
    tol : float
        Stop when no parameter moves by more than this in a sweep (the default moves the
        scores by less than 1e-6 against a 1e-9 run on vtaiwan.uberx, five times faster).
    n_init : int, optional
        Starts; the fit with the smallest penalised loss is kept. The first start is
        spectral (the leading singular pair of the centred ratings), the others random. The
        problem is not convex: on sparse data different starts can end in different local
        minima. Default: 10 below 10,000 ratings, else 1 (the spectral start, which reached
        the lowest loss on every shared Pol.is conversation).
    seed : int
        Seed of the random starting factors.
    engine : {"local", "dask"}, default "local"
        ``"dask"``: alternating least squares over participant partitions on a Dask cluster
        (:func:`~coprod_analytics.consensus.dask_bridging.bridging_scores_dask`; the same
        scores up to rounding and the stopping tolerance, see ``docs/guide/dask.md``).
    client : distributed.Client, optional
        The Dask client of ``engine="dask"`` (default: a LocalCluster for the call).
    progress : bool, default True
        Progress bars (``engine="dask"`` only; the local fit takes milliseconds).

    Returns
    -------
    pl.DataFrame
        One row per statement, in the matrix's column order: ``statement_id``, ``bridging``
        (the intercept :math:`i_n`; null when the statement is moderated out, meta or has no
        rating), ``factor`` (:math:`f_n`, null likewise), ``is_bridging`` (Boolean) and
        ``n_votes`` (ratings used in the fit).

    Examples
    --------
    Two camps of three; statement 0 pleases camp A, 1 camp B, and everyone agrees with 2:

    >>> from coprod_analytics.inquiry import Inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> rows = [(p, s, 1 if s == 2 or (s == 0) == (p < 3) else -1)
    ...         for p in range(6) for s in range(3)]
    >>> inq = Inquiry(votes=dict(zip(["participant_id", "statement_id", "vote"], zip(*rows))))
    >>> out = bridging_scores(vote_matrix(inq), min_votes=1)
    >>> out.select("statement_id", pl.col("bridging").round(3), "is_bridging").rows()
    [(0, -0.015, False), (1, -0.015, False), (2, 0.473, True)]
    """
    func = "bridging_scores"
    check_param(engine in ("local", "dask"), "engine", func, "'local' or 'dask'", engine)
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
    if engine == "dask":
        from coprod_analytics.consensus.dask_bridging import bridging_scores_dask

        return bridging_scores_dask(
            matrix,
            client=client,
            lambda_intercept=lambda_intercept,
            lambda_factor=lambda_factor,
            threshold=threshold,
            factor_limit=factor_limit,
            min_votes=min_votes,
            pass_rating=pass_rating,
            n_iter=n_iter,
            tol=tol,
            n_init=n_init,
            seed=seed,
            progress=progress,
        )
    check_param(isinstance(matrix, VoteMatrix), "matrix", func, "a VoteMatrix", type(matrix))
    assert isinstance(matrix, VoteMatrix)
    n_items = matrix.shape[1]
    keep = ~matrix.excluded[matrix.cols]
    if pass_rating is None:
        keep &= matrix.values != 0
    vals = matrix.values[keep]
    r = np.where(vals == 1, 1.0, np.where(vals == -1, 0.0, float(pass_rating or 0.0)))
    # only participants and statements with ratings are parameters of the model
    users, u = _dense_codes(matrix.rows[keep], matrix.shape[0])
    items, n = _dense_codes(matrix.cols[keep], n_items)
    u, n = u.astype(np.intp), n.astype(np.intp)
    n_u, n_n = users.size, items.size
    count_u = np.bincount(u, minlength=n_u).astype(np.float64)
    count_n = np.bincount(n, minlength=n_n).astype(np.float64)

    rng = np.random.default_rng(seed)
    lam_i, lam_f = float(lambda_intercept), float(lambda_factor)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    starts = n_init if n_init is not None else (10 if r.size < 10_000 else 1)
    design = _Design(u, n, r, n_u, n_n)
    for start in range(starts if r.size else 1):
        fit = _fit(design, u, n, r, count_u, count_n, lam_i, lam_f, rng, n_iter, tol, start == 0)
        if best is None or fit[0] < best[0] - 1e-12:
            best = fit
    assert best is not None
    _, i_n, f_n = best
    if f_n.size and np.any(f_n != 0):
        # the factor's sign is arbitrary: make the most polarising statement's factor positive
        f_n = f_n * np.sign(f_n[np.argmax(np.abs(f_n))])
    counts = np.zeros(n_items, dtype=np.int64)
    counts[items] = count_n.astype(np.int64)
    intercept = np.full(n_items, np.nan)
    intercept[items] = i_n
    factor = np.full(n_items, np.nan)
    factor[items] = f_n
    fitted = counts > 0
    is_bridging = (
        fitted
        & (counts >= min_votes)
        & (np.nan_to_num(intercept, nan=-np.inf) >= threshold)
        & (np.abs(np.nan_to_num(factor, nan=np.inf)) < factor_limit)
    )
    return pl.DataFrame(
        {
            "statement_id": matrix.statement_ids,
            "bridging": pl.Series("bridging", intercept, nan_to_null=True),
            "factor": pl.Series("factor", factor, nan_to_null=True),
            "is_bridging": is_bridging,
            "n_votes": counts,
        }
    )
