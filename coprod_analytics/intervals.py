"""Confidence intervals shared by the methods and the views.

:func:`wilson_interval` gives exactly the numbers of statsmodels'
``proportion_confint(method="wilson")`` (``tests/test_privacy.py`` checks it against
statsmodels on random counts) but is written out here, in numpy only, because it is on the
first-look path (:mod:`coprod_analytics.first_look`, the opinion-group board): importing
``statsmodels.stats.proportion`` costs about 2.7 s (``python -X importtime``) and made the
first look of the sample inquiry about ten times slower (0.4 s -> 3.5 s, measured). A test
asserts that computing an interval imports neither statsmodels nor scipy.
"""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np

from coprod_analytics.errors import check_param

__all__ = ["wilson_interval"]


def wilson_interval(k: Any, n: Any, *, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``k`` successes in ``n`` trials (NaN where ``n == 0``).

    The interval of Wilson (1927), the same numbers as
    ``statsmodels.stats.proportion.proportion_confint(k, n, alpha, method="wilson")``, for
    arrays of counts and without the heavy import (see the module notes). Like
    ``proportion_confint`` it returns the two bounds, here always as arrays, so that a row
    of counts maps onto a row of bounds (``lo, hi = wilson_interval(k, n)``).

    Parameters
    ----------
    k : array-like of int
        Successes.
    n : array-like of int or int
        Trials (a scalar applies to every ``k``).
    alpha : float, default 0.05
        The intervals have coverage ``1 - alpha``.

    Returns
    -------
    tuple of numpy.ndarray
        ``(low, high)``: the lower and upper bounds, each of the broadcast shape of ``k``
        and ``n``, within [0, 1], NaN where ``n == 0``.

    Examples
    --------
    >>> lo, hi = wilson_interval(np.array([8]), np.array([10]))
    >>> round(float(lo[0]), 3), round(float(hi[0]), 3)
    (0.49, 0.943)
    >>> wilson_interval([0], [0])[0].tolist()
    [nan]
    >>> wilson_interval([0, 10], 10)[0].round(3).tolist()
    [0.0, 0.722]
    """
    check_param(
        isinstance(alpha, float | int) and 0 < alpha < 1,
        "alpha",
        "wilson_interval",
        "a float in (0, 1)",
        alpha,
    )
    z = NormalDist().inv_cdf(1 - alpha / 2)
    k_arr, n_arr = np.broadcast_arrays(
        np.asarray(k, dtype=np.float64), np.asarray(n, dtype=np.float64)
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k_arr / n_arr
        denom = 1 + z**2 / n_arr
        centre = (p + z**2 / (2 * n_arr)) / denom
        half = z * np.sqrt(p * (1 - p) / n_arr + z**2 / (4 * n_arr**2)) / denom
    ok = n_arr > 0
    lo = np.where(ok, np.clip(centre - half, 0.0, 1.0), np.nan)
    hi = np.where(ok, np.clip(centre + half, 0.0, 1.0), np.nan)
    return lo, hi
