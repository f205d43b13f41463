"""The building blocks of the bridging fit shared by its local and Dask engines.

The closed-form 2 x 2 ridge solutions of one side given the other (:func:`_ridge2`, from
sums: :func:`_solve2`), the gauge fix after every sweep (:func:`_fix_gauge`, from sums:
:func:`_gauge_shift`), the fit's constants and the parameter checks. The model and the
algorithm are described in :mod:`coprod_analytics.consensus.bridging`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from coprod_analytics.errors import check_param

__all__ = ["check_bridging_params"]

#: Power iterations of the spectral start.
_POWER_ITERS = 8
#: Anderson acceleration memory (sweeps).
_AA_MEMORY = 3


def _ridge2(
    ct: Any,
    rt: Any,
    r_sum: np.ndarray,
    x: np.ndarray,
    off: np.ndarray,
    mu: float,
    count: np.ndarray,
    lam_i: float,
    lam_f: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``ct`` (a statement, or a participant): the closed-form solution of
    argmin sum over its ratings of (r - mu - off - a - b x)^2 + lam_i a^2 + lam_f b^2, where
    ``x`` and ``off`` are the other side's factor and intercept (a 2 x 2 ridge system)."""
    sums = ct @ np.column_stack([x, x * x, off, x * off])
    return _solve2(sums, rt @ x, r_sum, mu, count, lam_i, lam_f)


def _solve2(
    sums: np.ndarray,
    srx: np.ndarray,
    r_sum: np.ndarray,
    mu: float,
    count: np.ndarray,
    lam_i: float,
    lam_f: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The 2 x 2 ridge solutions of :func:`_ridge2` from its sums: ``sums`` has the columns
    sum of x, of x^2, of off, of x off over each row's ratings; ``srx`` sum of r x."""
    sx, sxx, soff, sxoff = sums[:, 0], sums[:, 1], sums[:, 2], sums[:, 3]
    a11 = count + lam_i
    a12 = sx
    a22 = sxx + lam_f
    b1 = r_sum - mu * count - soff
    b2 = srx - mu * sx - sxoff
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
    sums, by Newton's method with the exact Hessian) and over c (closed form). This turns
    thousands of sweeps into a few dozen.
    """
    a, b, d, e = _gauge_shift(
        mu,
        (float(i_u.size), float(i_u.sum()), float(f_u.sum()), float(i_u @ f_u), float(f_u @ f_u)),
        (float(i_n.size), float(i_n.sum()), float(f_n.sum()), float(i_n @ f_n), float(f_n @ f_n)),
        lam_i,
        lam_f,
    )
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


def _gauge_shift(
    mu: float,
    users: tuple[float, float, float, float, float],
    items: tuple[float, float, float, float, float],
    lam_i: float,
    lam_f: float,
) -> tuple[float, float, float, float]:
    """The shift ``(a, b, d, e)`` of :func:`_fix_gauge`, from sums only: ``users`` and
    ``items`` are (count, sum of intercepts, sum of factors, intercepts . factors,
    factors . factors) of each side (the Dask engine adds these up over partitions)."""
    nu, s_iu, s_fu, s_iufu, s_fu2 = users
    nn, s_in, s_fn, s_infn, s_fn2 = items

    def value(a: float, b: float, d: float, e: float) -> float:
        g0 = mu + a + b - d * e
        users = nu * a * a + e * e * s_fu2 - 2 * a * s_iu - 2 * e * s_iufu + 2 * a * e * s_fu
        items = nn * b * b + d * d * s_fn2 - 2 * b * s_in - 2 * d * s_infn + 2 * b * d * s_fn
        fac = 2 * d * s_fu + nu * d * d + 2 * e * s_fn + nn * e * e
        return lam_i * (g0 * g0 + users + items) + lam_f * fac

    # Newton's method on four numbers, in plain floats (this runs once per sweep)
    z = [0.0, 0.0, 0.0, 0.0]
    val = value(*z)
    for _ in range(50):
        a, b, d, e = z
        g0 = mu + a + b - d * e
        grad = [
            lam_i * (2 * g0 + 2 * nu * a - 2 * s_iu + 2 * e * s_fu),
            lam_i * (2 * g0 + 2 * nn * b - 2 * s_in + 2 * d * s_fn),
            lam_i * (-2 * e * g0 + 2 * d * s_fn2 - 2 * s_infn + 2 * b * s_fn)
            + lam_f * (2 * s_fu + 2 * nu * d),
            lam_i * (-2 * d * g0 + 2 * e * s_fu2 - 2 * s_iufu + 2 * a * s_fu)
            + lam_f * (2 * s_fn + 2 * nn * e),
        ]
        dg = (1.0, 1.0, -e, -d)
        h = np.array([[2 * dg[i] * dg[j] for j in range(4)] for i in range(4)])
        h[2, 3] -= 2 * g0
        h[3, 2] -= 2 * g0
        h[0, 0] += 2 * nu
        h[3, 3] += 2 * s_fu2
        h[0, 3] += 2 * s_fu
        h[3, 0] += 2 * s_fu
        h[1, 1] += 2 * nn
        h[2, 2] += 2 * s_fn2
        h[1, 2] += 2 * s_fn
        h[2, 1] += 2 * s_fn
        h *= lam_i
        h[2, 2] += lam_f * 2 * nu
        h[3, 3] += lam_f * 2 * nn
        try:
            step = np.linalg.solve(h, np.array(grad)).tolist()
        except np.linalg.LinAlgError:
            step = grad
        if sum(x * y for x, y in zip(step, grad, strict=True)) <= 0:
            step = grad  # not a descent direction: a gradient step instead
        t = 1.0
        cand = z
        cval = val
        while t > 1e-8:
            cand = [zi - t * si for zi, si in zip(z, step, strict=True)]
            cval = value(*cand)
            if cval <= val:
                break
            t *= 0.5
        else:
            break
        moved = max(abs(ci - zi) for ci, zi in zip(cand, z, strict=True))
        z, val = cand, cval
        if moved < 1e-13:
            break
    a, b, d, e = z
    return a, b, d, e


def check_bridging_params(
    func: str,
    *,
    lambda_intercept: float,
    lambda_factor: float,
    threshold: float,
    factor_limit: float,
    min_votes: int,
    pass_rating: float | None,
    n_iter: int,
    tol: float,
    n_init: int | None,
) -> None:
    """Check the parameters of :func:`bridging_scores` (shared with its Dask engine).

    Parameters
    ----------
    func : str
        The function named in errors.
    lambda_intercept, lambda_factor, threshold, factor_limit, min_votes, pass_rating, n_iter, tol, n_init
        As in :func:`bridging_scores`.

    Raises
    ------
    ParameterError
        For the first parameter out of range.

    Examples
    --------
    >>> check_bridging_params("f", lambda_intercept=0.15, lambda_factor=0.0, threshold=0.4,
    ...                       factor_limit=0.5, min_votes=5, pass_rating=None, n_iter=10,
    ...                       tol=1e-7, n_init=None)
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ParameterError: The 'lambda_factor' parameter of f must be a number > 0. Got 0.0.
    """
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
