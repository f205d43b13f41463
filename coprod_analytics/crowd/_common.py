"""Plumbing shared by the crowd and evidence families (private).

- :func:`table_of` and :func:`canonical_columns`: one way in for an inquiry table — the
  :class:`~coprod_analytics.inquiry.Inquiry` itself, its table exactly as stored, or a user's
  table whose columns are named with keywords called after the canonical column
  (``participant_id="rater"``);
- :func:`make_provenance`: what produced a result;
- :func:`check_resampling`: the one check of ``n_resamples``, ``alpha`` and ``seed``;
- :func:`bootstrap_interval`: a percentile / basic / BCa bootstrap interval by
  :func:`scipy.stats.bootstrap`, with a tqdm progress bar.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.progress import progress as progress_bar
from coprod_analytics.provenance import Provenance, fingerprint_frames


def table_of(data: Any, name: str, func: str) -> Any:
    """``data.tables[name]`` when ``data`` is an Inquiry (an error naming the table when it
    has none), else ``data`` unchanged."""
    if isinstance(data, Inquiry):
        table = data.tables.get(name)
        if table is None or table.height == 0:
            raise ValidationError(
                f"{func} needs the inquiry's '{name}' table; this inquiry has none "
                f"(it holds {sorted(data.tables) or 'no further tables'})",
                table=name,
            )
        return table
    return data


def canonical_columns(
    df: Any,
    names: Mapping[str, str],
    *,
    required: Sequence[str],
    func: str,
    table: str,
) -> pl.DataFrame:
    """The columns ``names`` (canonical name -> the user's column) of ``df``, renamed to
    their canonical names, in the order of ``names``; optional columns that are absent are
    left out. A missing required column is an error that says which keyword names it."""
    if not isinstance(df, pl.DataFrame):
        raise ValidationError(
            f"{func} needs a polars DataFrame (or an Inquiry) for the {table} table; got "
            f"{type(df).__name__}",
            table=table,
        )
    for canon in required:
        col = names[canon]
        if col not in df.columns:
            want = [names[c] for c in required]
            hint = f" (name yours with {canon}='...')" if col == canon else ""
            raise ValidationError(
                f"{func} needs columns {want}; column '{col}' is missing (found "
                f"{df.columns}){hint}",
                column=col,
                table=table,
            )
    present = [(canon, col) for canon, col in names.items() if col in df.columns]
    return df.select(pl.col(col).alias(canon) for canon, col in present)


def data_fingerprint(data: Any) -> str:
    """SHA-256 of a table (:func:`fingerprint_frames`) or of an array's shape and bytes."""
    if isinstance(data, pl.DataFrame):
        return fingerprint_frames(data)
    arr = np.ascontiguousarray(np.asarray(data, dtype=float))
    h = hashlib.sha256(repr(arr.shape).encode())
    h.update(arr.data.cast("B"))  # the array's own buffer: no copy of a large matrix
    return h.hexdigest()


def make_provenance(
    func: str, data: Any, parameters: Mapping[str, Any], seed: int | None = None
) -> Provenance:
    """The provenance of a result of ``func`` computed on ``data``."""
    return Provenance(
        method=f"coprod_analytics.{func}",
        input_fingerprint=data_fingerprint(data),
        parameters=dict(parameters),
        seed=seed,
    )


def check_resampling(func: str, n_resamples: int, alpha: float, seed: int | None) -> int:
    """Check the resampling parameters; return the seed to use (drawn when ``seed`` is None)."""
    check_param(
        isinstance(n_resamples, int | np.integer)
        and not isinstance(n_resamples, bool)
        and n_resamples >= 0,
        "n_resamples",
        func,
        "an int >= 0",
        n_resamples,
    )
    check_param(
        isinstance(alpha, float | int) and not isinstance(alpha, bool) and 0 < alpha < 1,
        "alpha",
        func,
        "a float in (0, 1)",
        alpha,
    )
    check_param(
        seed is None or (isinstance(seed, int | np.integer) and not isinstance(seed, bool)),
        "seed",
        func,
        "an int or None",
        seed,
    )
    if seed is None:
        return int(np.random.SeedSequence().entropy % (2**32))  # type: ignore[operator]
    return int(seed)


def percentile_interval(boot: np.ndarray, alpha: float) -> tuple[float | None, float | None]:
    """Percentile limits of the finite bootstrap values (None, None when there are none)."""
    ok = boot[np.isfinite(boot)]
    if ok.size == 0:
        return None, None
    lo, hi = np.quantile(ok, [alpha / 2, 1 - alpha / 2])
    return float(lo), float(hi)


#: A percentile bootstrap resamples counts of the distinct observations (see
#: :func:`bootstrap_interval`) when there are at least this many observations per distinct one.
COUNTED_FROM = 4


def bootstrap_interval(
    data: tuple[np.ndarray, ...],
    statistic: Callable[..., Any],
    *,
    n_resamples: int,
    alpha: float,
    seed: int,
    method: str = "percentile",
    progress: bool = True,
    desc: str = "Bootstrap",
    counted: Callable[[tuple[np.ndarray, ...], np.ndarray], np.ndarray] | None = None,
) -> tuple[float | None, float | None]:
    """A bootstrap interval of ``statistic`` by :func:`scipy.stats.bootstrap` (private helper).

    The observations (paired when ``data`` holds several arrays) are resampled with
    replacement. A resample whose statistic is undefined (NaN) is left out of a percentile
    or basic interval, as scipy would otherwise return NaN. The progress bar advances once
    per batch of resamples.

    ``counted``, when given, is the same statistic of a sample given as counts of distinct
    observations: ``counted(values, counts)`` with ``values`` one array per array of
    ``data`` (the K distinct observations) and ``counts`` of shape (resamples, K), giving
    one value per resample. A percentile interval of data with few distinct observations
    (ratings on a scale: at least :data:`COUNTED_FROM` observations per distinct one) then
    draws each resample's counts from the multinomial distribution of the observed shares
    instead of drawing n indices: the same bootstrap distribution, at a cost that does not
    grow with n (a live room's thousands of ratings per item).
    """
    if counted is not None and method == "percentile":
        rows = np.column_stack(data)
        distinct, seen = np.unique(rows, axis=0, return_counts=True)
        n = rows.shape[0]
        if len(distinct) * COUNTED_FROM <= n:
            draws = np.random.default_rng(seed).multinomial(n, seen / n, size=n_resamples)
            with np.errstate(invalid="ignore", divide="ignore"):
                boot = np.asarray(counted(tuple(distinct.T), draws), dtype=float)
            return percentile_interval(boot, alpha)
    from scipy.stats import bootstrap

    n = data[0].size
    batch = max(1, min(n_resamples, 2_000_000 // max(n, 1)))
    ticks: Iterator[int] = iter(
        progress_bar(
            range(math.ceil(n_resamples / batch)), enabled=progress, desc=desc, unit="batch"
        )
    )

    def stat(*xs: np.ndarray, axis: int = -1) -> Any:
        if xs[0].ndim > 1:
            next(ticks, None)
        with np.errstate(invalid="ignore", divide="ignore"):
            return statistic(*xs, axis=axis)

    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.filterwarnings("ignore", message=".*confidence interval cannot be calculated")
        res = bootstrap(
            data,
            stat,
            n_resamples=n_resamples,
            vectorized=True,
            paired=len(data) > 1,
            confidence_level=1 - alpha,
            method="BCa" if method == "BCa" else method,
            rng=np.random.default_rng(seed),
            batch=batch,
        )
    for _ in ticks:  # close the bar
        pass
    lo, hi = float(res.confidence_interval.low), float(res.confidence_interval.high)
    if method != "BCa" and not (np.isfinite(lo) and np.isfinite(hi)):
        lo_, hi_ = percentile_interval(np.asarray(res.bootstrap_distribution), alpha)
        if lo_ is None or hi_ is None:
            return None, None
        lo, hi = lo_, hi_
        if method == "basic":
            theta = float(statistic(*data, axis=-1))
            lo, hi = 2 * theta - hi, 2 * theta - lo
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return None, None
    return lo, hi


def exact_median_interval(values: np.ndarray, alpha: float) -> tuple[float, float]:
    """The percentile interval of the median's bootstrap distribution, computed exactly.

    The limit of :func:`bootstrap_interval` with the median as the statistic as the number
    of resamples grows (no Monte Carlo error, no seed): the ``alpha / 2`` and ``1 - alpha /
    2`` quantiles (the smallest value whose probability of not being exceeded reaches them)
    of the median of n draws with replacement from the n values.

    With the values sorted and ``C_k`` the number of the n draws among the k smallest
    (``C_k ~ Binomial(n, k / n)``), the resample's median is, for odd n, the value of rank
    ``J = min{k : C_k >= (n + 1) / 2}``, so ``P(J <= k) = P(C_k >= (n + 1) / 2)``. For even
    n = 2m it is the mean of the values of ranks ``J1 <= J2`` (where ``C_k`` reaches m and
    m + 1); for a < b,

        ``P(J1 = a, J2 = b) = C(n, m) / n^n * (a^m - (a-1)^m) * ((n-b+1)^m - (n-b)^m)``

    (``C_a = m`` reached at a, the other m draws above a, the first of them at b), and
    ``P(J1 = J2 = a) = P(J1 = a) - sum over b > a``. The quantiles are found by bisection
    on the value, each step summing these probabilities in log space (O(n log n)).

    Parameters
    ----------
    values : numpy.ndarray
        The sample (finite; at least one value).
    alpha : float
        The interval's level is ``1 - alpha``.

    Returns
    -------
    tuple of float
        The lower and upper limits, each a value the resample's median can take.

    Examples
    --------
    >>> exact_median_interval(np.array([3.0, 1.0]), 0.05)  # medians 1, 2, 3: 1/4, 1/2, 1/4
    (1.0, 3.0)
    >>> exact_median_interval(np.array([3.0, 1.0]), 0.6)  # the 0.3 and 0.7 quantiles
    (2.0, 2.0)
    """
    from scipy.special import gammaln
    from scipy.stats import binom

    xs = np.sort(np.asarray(values, dtype=float))
    n = xs.size
    ranks = np.arange(1, n + 1, dtype=float)
    if n % 2:  # the value of rank J; P(J <= k) = P(C_k >= (n + 1) / 2)
        cdf = binom.sf((n + 1) // 2 - 1, n, ranks / n)
        cdf[-1] = 1.0

        def quantile_odd(q: float) -> float:
            return float(xs[min(int(np.searchsorted(cdf, q, side="left")), n - 1)])

        return quantile_odd(alpha / 2), quantile_odd(1 - alpha / 2)
    m = n // 2
    with np.errstate(divide="ignore", invalid="ignore"):
        # log(k^m - (k-1)^m) - m log n, for k = a (lower rank) and k = n - b + 1 (upper)
        lu = m * np.log(ranks / n) + np.log(-np.expm1(m * np.log1p(-1 / ranks)))
        up = n - ranks + 1
        lv = m * np.log(up / n) + np.log(-np.expm1(m * np.log1p(-1 / up)))
    log_c = float(gammaln(n + 1) - 2 * gammaln(m + 1))
    reach_m = binom.sf(m - 1, n, ranks / n)  # P(J1 <= k)
    reach_m1 = binom.sf(m, n, ranks / n)  # P(J2 <= k)
    # the ranks that matter: J1 below the first or J2 above the last has a probability
    # under 1e-17, below what a sum of probabilities in floating point resolves
    first = int(np.searchsorted(reach_m, 1e-17, side="left"))
    last = min(int(np.searchsorted(reach_m1, 1 - 1e-17, side="left")), n - 1) + 1
    xs, lu, lv = xs[first:last], lu[first:last], lv[first:last]
    # P(J1 = a): the binomial tails' difference
    p_first = np.diff(reach_m, prepend=0.0)[first:last]
    w = xs.size
    # suffix[i]: log of the sum of exp(lv) from i on (lv falls with the rank, so a sum over
    # (a, B] is the difference of two suffixes that differ by their largest terms: no
    # cancellation, as a difference of prefix sums would have)
    suffix = np.append(np.logaddexp.accumulate(lv[::-1])[::-1], -np.inf)

    def log_between(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
        """log(exp(hi) - exp(lo)) for hi >= lo (-inf when equal or both -inf)."""
        with np.errstate(divide="ignore", invalid="ignore"):
            return hi + np.log1p(-np.exp(np.minimum(lo - hi, 0.0)))

    # the pairs a = b: P(J1 = a) less the pairs a < b
    above = suffix[1:]  # log of the sum over b > a
    diagonal = np.clip(p_first - np.exp(log_c + lu + above), 0.0, None)
    index = np.arange(w)

    def reach(t: float) -> np.ndarray:
        """Per lower rank a: how many values b give a median ``(x_a + x_b) / 2 <= t``, the
        mean computed as the median computes it (``x_b <= 2t - x_a`` rounds otherwise
        near the boundary, where the search ends)."""
        count = np.searchsorted(xs, 2 * t - xs, side="right")
        while True:
            nxt = xs[np.minimum(count, w - 1)]
            grow = (count < w) & ((xs + nxt) / 2 <= t)
            prev = xs[np.maximum(count - 1, 0)]
            shrink = (count > 0) & ((xs + prev) / 2 > t)
            if not (grow.any() or shrink.any()):
                return count
            count = np.where(grow, np.searchsorted(xs, nxt, side="right"), count)
            count = np.where(shrink, np.searchsorted(xs, prev, side="left"), count)

    def cdf_even(t: float) -> float:
        count = reach(t)
        pairs = count > index + 1  # some b above a within reach
        a = index[pairs]
        mass = np.exp(log_c + lu[a] + log_between(suffix[a + 1], suffix[count[a]]))
        return float(diagonal[xs <= t].sum() + mass.sum())

    def between(lo: float, hi: float) -> tuple[float, float]:
        """The least and the largest value the median can take in (lo, hi]."""
        c_lo, c_hi = reach(lo), reach(hi)
        new = (c_hi > np.maximum(c_lo, index + 1)) | ((xs > lo) & (xs <= hi))
        if not new.any():
            return np.inf, -np.inf
        a = index[new]
        low_b = np.where(xs[a] > lo, a, np.maximum(c_lo[a], a + 1))
        high_b = np.where(c_hi[a] > a + 1, c_hi[a] - 1, a)
        return float(np.min((xs[a] + xs[low_b]) / 2)), float(np.max((xs[a] + xs[high_b]) / 2))

    def quantile_even(q: float) -> float:
        lo, hi = float(xs[0]), float(xs[-1])
        if cdf_even(lo) >= q:
            return lo
        while True:  # F(lo) < q <= F(hi): halve until one value the median takes is left
            least, most = between(lo, hi)
            if least == most:
                return least
            mid = lo + (hi - lo) / 2
            if not lo < mid < hi:
                return least
            if cdf_even(mid) >= q:
                hi = mid
            else:
                lo = mid

    return quantile_even(alpha / 2), quantile_even(1 - alpha / 2)
