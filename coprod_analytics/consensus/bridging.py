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
solves a 2 x 2 ridge system whose sums are weighted bincounts over the votes, and vice
versa; :math:`\\mu` has a closed form. Every step is O(number of votes); no participants x
statements array is ever built. The factor starts from small seeded random values (the
all-zero factor is a saddle point). After every sweep the parameters are moved along the
directions that leave all predictions unchanged to where the penalty is smallest (see
``_fix_gauge``); without this, alternating least squares needs thousands of sweeps. The
factor's sign is arbitrary and is fixed so that the statement with the largest
:math:`|f_n|` has a positive factor.

The threshold 0.40 is Community Notes' (their ratings, their data). On Pol.is data the
intercepts are measured against the room's mean agreement, so a statement can be the most
bridging one of a conversation without reaching 0.40: rank by ``bridging`` as well as
reading the flag.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from coprod_analytics.consensus.matrix import VoteMatrix
from coprod_analytics.errors import check_param

__all__ = ["bridging_scores"]


def _ridge2(
    idx: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    size: int,
    count: np.ndarray,
    lam_i: float,
    lam_f: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per group of ``idx``: argmin sum (y - a - b x)^2 + lam_i a^2 + lam_f b^2."""
    a11 = count + lam_i
    a12 = np.bincount(idx, weights=x, minlength=size)
    a22 = np.bincount(idx, weights=x * x, minlength=size) + lam_f
    b1 = np.bincount(idx, weights=y, minlength=size)
    b2 = np.bincount(idx, weights=x * y, minlength=size)
    det = a11 * a22 - a12 * a12
    return (a22 * b1 - a12 * b2) / det, (a11 * b2 - a12 * b1) / det


def _fix_gauge(
    mu: float,
    i_u: np.ndarray,
    i_n: np.ndarray,
    f_u: np.ndarray,
    f_n: np.ndarray,
    lam_i: float,
    lam_f: float,
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Move along the directions that leave every prediction unchanged to the cheapest point.

    The data term does not change under ``mu + a + b - d e``, ``i_u - a - e f_u``,
    ``i_n - b - d f_n``, ``f_u + d``, ``f_n + e`` nor under ``f_u c``, ``f_n / c``; only the
    penalty does. Alternating least squares creeps along these flat directions very slowly,
    so after every sweep the penalty is minimised over (a, b, d, e) (four numbers, from
    sums) and over c (closed form). This turns thousands of sweeps into a few dozen.
    """
    from scipy.optimize import minimize

    nu, nn = float(i_u.size), float(i_n.size)
    s_iu, s_fu, s_iufu, s_fu2 = i_u.sum(), f_u.sum(), i_u @ f_u, f_u @ f_u
    s_in, s_fn, s_infn, s_fn2 = i_n.sum(), f_n.sum(), i_n @ f_n, f_n @ f_n

    def penalty(z: np.ndarray) -> tuple[float, np.ndarray]:
        a, b, d, e = z
        g0 = mu + a + b - d * e
        users = nu * a * a + e * e * s_fu2 - 2 * a * s_iu - 2 * e * s_iufu + 2 * a * e * s_fu
        items = nn * b * b + d * d * s_fn2 - 2 * b * s_in - 2 * d * s_infn + 2 * b * d * s_fn
        fac = 2 * d * s_fu + nu * d * d + 2 * e * s_fn + nn * e * e
        val = lam_i * (g0 * g0 + users + items) + lam_f * fac
        grad = np.array(
            [
                lam_i * (2 * g0 + 2 * nu * a - 2 * s_iu + 2 * e * s_fu),
                lam_i * (2 * g0 + 2 * nn * b - 2 * s_in + 2 * d * s_fn),
                lam_i * (-2 * e * g0 + 2 * d * s_fn2 - 2 * s_infn + 2 * b * s_fn)
                + lam_f * (2 * s_fu + 2 * nu * d),
                lam_i * (-2 * d * g0 + 2 * e * s_fu2 - 2 * s_iufu + 2 * a * s_fu)
                + lam_f * (2 * s_fn + 2 * nn * e),
            ]
        )
        return float(val), grad

    a, b, d, e = minimize(penalty, np.zeros(4), jac=True, method="BFGS").x
    mu = mu + a + b - d * e
    i_u = i_u - a - e * f_u
    i_n = i_n - b - d * f_n
    f_u = f_u + d
    f_n = f_n + e
    nu2, nn2 = f_u @ f_u, f_n @ f_n
    if nu2 > 0 and nn2 > 0:
        c = (nn2 / nu2) ** 0.25
        f_u, f_n = f_u * c, f_n / c
    return float(mu), i_u, i_n, f_u, f_n


def _fit(
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
) -> tuple[float, np.ndarray, np.ndarray]:
    """One alternating-least-squares run from a random start: (loss, i_n, f_n)."""
    n_u, n_n = count_u.size, count_n.size
    f_u = rng.normal(0.0, 0.1, n_u)
    f_n = rng.normal(0.0, 0.1, n_n)
    i_u = np.zeros(n_u)
    i_n = np.zeros(n_n)
    mu = 0.0
    if r.size:
        for _ in range(n_iter):
            new_i_n, new_f_n = _ridge2(n, f_u[u], r - mu - i_u[u], n_n, count_n, lam_i, lam_f)
            new_i_u, new_f_u = _ridge2(
                u, new_f_n[n], r - mu - new_i_n[n], n_u, count_u, lam_i, lam_f
            )
            resid = r - new_i_u[u] - new_i_n[n] - new_f_u[u] * new_f_n[n]
            new_mu = float(resid.sum() / (r.size + lam_i))
            new_mu, new_i_u, new_i_n, new_f_u, new_f_n = _fix_gauge(
                new_mu, new_i_u, new_i_n, new_f_u, new_f_n, lam_i, lam_f
            )
            moved = max(
                float(np.max(np.abs(new_i_n - i_n))),
                float(np.max(np.abs(new_f_n - f_n))),
                float(np.max(np.abs(new_i_u - i_u))),
                float(np.max(np.abs(new_f_u - f_u))),
                abs(new_mu - mu),
            )
            i_n, f_n, i_u, f_u, mu = new_i_n, new_f_n, new_i_u, new_f_u, new_mu
            if moved < tol:
                break
    e = mu + i_u[u] + i_n[n] + f_u[u] * f_n[n] - r
    loss = float(
        e @ e + lam_i * (mu * mu + i_u @ i_u + i_n @ i_n) + lam_f * (f_u @ f_u + f_n @ f_n)
    )
    return loss, i_n, f_n


def bridging_scores(
    matrix: VoteMatrix,
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
) -> pl.DataFrame:
    """Community-Notes-style bridging score of every statement.

    Parameters
    ----------
    matrix : VoteMatrix
        Latest votes (see :func:`~coprod_analytics.consensus.matrix.vote_matrix`).
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
        Random starts; the fit with the smallest penalised loss is kept. The problem is not
        convex: on small sparse data different starts can end in different local minima
        (on real conversations we saw none). Default: 10 below 10,000 ratings, else 2.
    seed : int
        Seed of the random starting factors.

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
    check_param(isinstance(matrix, VoteMatrix), "matrix", func, "a VoteMatrix", type(matrix))
    for name, val in (("lambda_intercept", lambda_intercept), ("lambda_factor", lambda_factor)):
        check_param(isinstance(val, (int, float)) and val > 0, name, func, "a number > 0", val)
    check_param(
        isinstance(factor_limit, (int, float)) and factor_limit > 0,
        "factor_limit",
        func,
        "a number > 0",
        factor_limit,
    )
    check_param(isinstance(threshold, (int, float)), "threshold", func, "a number", threshold)
    check_param(
        isinstance(min_votes, int) and min_votes >= 1, "min_votes", func, "an int >= 1", min_votes
    )
    check_param(
        pass_rating is None or (isinstance(pass_rating, (int, float)) and 0 <= pass_rating <= 1),
        "pass_rating",
        func,
        "None or a number in [0, 1]",
        pass_rating,
    )
    check_param(isinstance(n_iter, int) and n_iter >= 1, "n_iter", func, "an int >= 1", n_iter)
    check_param(isinstance(tol, (int, float)) and tol > 0, "tol", func, "a number > 0", tol)
    check_param(
        n_init is None or (isinstance(n_init, int) and n_init >= 1),
        "n_init",
        func,
        "None or an int >= 1",
        n_init,
    )

    n_items = matrix.shape[1]
    keep = ~matrix.excluded[matrix.cols]
    if pass_rating is None:
        keep &= matrix.values != 0
    vals = matrix.values[keep]
    r = np.where(vals == 1, 1.0, np.where(vals == -1, 0.0, float(pass_rating or 0.0)))
    # only participants and statements with ratings are parameters of the model
    users, u = np.unique(matrix.rows[keep], return_inverse=True)
    items, n = np.unique(matrix.cols[keep], return_inverse=True)
    u, n = u.astype(np.intp), n.astype(np.intp)
    n_u, n_n = users.size, items.size
    count_u = np.bincount(u, minlength=n_u).astype(np.float64)
    count_n = np.bincount(n, minlength=n_n).astype(np.float64)

    rng = np.random.default_rng(seed)
    lam_i, lam_f = float(lambda_intercept), float(lambda_factor)
    best: tuple[float, np.ndarray, np.ndarray] | None = None
    starts = n_init if n_init is not None else (10 if r.size < 10_000 else 2)
    for _ in range(starts if r.size else 1):
        fit = _fit(u, n, r, count_u, count_n, lam_i, lam_f, rng, n_iter, tol)
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
            "bridging": pl.Series(intercept).fill_nan(None),
            "factor": pl.Series(factor).fill_nan(None),
            "is_bridging": is_bridging,
            "n_votes": counts,
        }
    )
