"""Confidence intervals shared by the methods and the views."""

from __future__ import annotations

from statistics import NormalDist
from typing import Any

import numpy as np

__all__ = ["wilson_interval"]


def wilson_interval(k: Any, n: Any, *, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``k`` successes in ``n`` trials (NaN where ``n == 0``).

    Parameters
    ----------
    k, n : array-like
        Successes and trials (``n`` may be a scalar).
    alpha : float
        1 − confidence level.

    Examples
    --------
    >>> lo, hi = wilson_interval(np.array([8]), np.array([10]))
    >>> round(float(lo[0]), 3), round(float(hi[0]), 3)
    (0.49, 0.943)
    >>> wilson_interval([0], [0])[0].tolist()
    [nan]
    """
    z = NormalDist().inv_cdf(1 - alpha / 2)
    k = np.asarray(k, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    lo = np.where(n > 0, np.clip(centre - half, 0, 1), np.nan)
    hi = np.where(n > 0, np.clip(centre + half, 0, 1), np.nan)
    return lo, hi
