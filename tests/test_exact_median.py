"""The median's exact bootstrap interval (``crowd_estimate(..., ci_method="exact")``, the live
panels' median): the quantiles of the distribution of the median over every possible resample.

Golden values come from enumerating every resample (as counts of each value: the
multinomial weights) for samples up to 8 values, with ties and without; larger samples are
checked against a Monte Carlo bootstrap of 200,000 resamples at its own sampling error.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.crowd import crowd_estimate
from coprod_analytics.crowd._common import exact_median_interval
from coprod_analytics.errors import ValidationError


def _every_resample(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every distinct median a resample of ``x`` can have, and its probability."""
    n = x.size
    logf = [math.lgamma(i + 1) for i in range(n + 1)]
    medians, weights = [], []
    for bars in itertools.combinations(range(2 * n - 1), n - 1):  # counts per value
        edges = (-1, *bars, 2 * n - 1)
        counts = [b - a - 1 for a, b in itertools.pairwise(edges)]
        medians.append(float(np.median(np.repeat(x, counts))))
        weights.append(math.exp(logf[n] - sum(logf[c] for c in counts) - n * math.log(n)))
    order = np.argsort(medians, kind="stable")
    m, w = np.asarray(medians)[order], np.asarray(weights)[order]
    values, starts = np.unique(m, return_index=True)
    return values, np.add.reduceat(w, starts)


def _quantile(values: np.ndarray, probs: np.ndarray, q: float) -> float:
    """The smallest value whose cumulative probability reaches ``q`` (up to rounding)."""
    cdf = np.cumsum(probs)
    return float(values[min(int(np.searchsorted(cdf, q - 1e-12)), values.size - 1)])


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=8),
    st.sampled_from([0.05, 0.1, 0.3, 0.5, 0.9]),
    st.booleans(),
)
def test_the_interval_is_the_quantiles_over_every_resample(
    ints: list[int], alpha: float, spread: bool
) -> None:
    # integers (ties) or spread-out values (scaled by an irrational factor: no ties)
    x = np.asarray(ints, dtype=float) * (math.pi if spread else 1.0) + np.arange(len(ints)) * (
        math.e if spread else 0.0
    )
    values, probs = _every_resample(x)
    want = (_quantile(values, probs, alpha / 2), _quantile(values, probs, 1 - alpha / 2))
    assert exact_median_interval(x, alpha) == want


def test_two_values_give_their_three_medians() -> None:
    # resamples of (1, 3): medians 1, 2, 3 with probabilities 1/4, 1/2, 1/4
    assert exact_median_interval(np.array([3.0, 1.0]), 0.05) == (1.0, 3.0)
    assert exact_median_interval(np.array([3.0, 1.0]), 0.6) == (2.0, 2.0)
    assert exact_median_interval(np.array([7.0]), 0.05) == (7.0, 7.0)


@pytest.mark.parametrize("n", [41, 60, 250])
def test_large_samples_agree_with_a_monte_carlo_bootstrap(n: int) -> None:
    rng = np.random.default_rng(n)
    x = np.round(rng.normal(50, 10, n), 1)  # a tenth: some ties, as people's guesses have
    lo, hi = exact_median_interval(x, 0.05)
    draws = 200_000
    medians = np.concatenate(
        [np.median(x[rng.integers(0, n, (20_000, n))], axis=1) for _ in range(draws // 20_000)]
    )
    slack = 4 * math.sqrt(0.025 * 0.975 / draws)  # four standard errors of a share
    for limit, q in ((lo, 0.025), (hi, 0.975)):
        below, at_most = np.mean(medians < limit), np.mean(medians <= limit)
        # the smallest value the median takes whose cumulative probability reaches q
        assert below < q + slack and at_most > q - slack, (limit, below, at_most)
    assert lo in medians and hi in medians  # values the median takes


def test_crowd_estimate_exact_is_deterministic_and_for_the_median_only() -> None:
    guesses = [1100, 1200, 1150, 5000, 1180, 900, 1250, 1000]
    est = crowd_estimate(guesses, ci_method="exact", seed=None, progress=False)
    again = crowd_estimate(guesses, ci_method="exact", seed=7, progress=False)
    assert (est.ci_low, est.ci_high) == (again.ci_low, again.ci_high)
    assert est.ci_low is not None and est.ci_high is not None
    assert est.ci_low <= est.value <= est.ci_high
    assert est.method == "bootstrap-exact" and est.details["seed"] is None
    assert est.provenance is not None and est.provenance.seed is None
    assert crowd_estimate(guesses, ci_method="exact", n_resamples=0).ci_low is None
    with pytest.raises(ValidationError, match=r"ci_method='exact'.*method='mean'"):
        crowd_estimate(guesses, method="mean", ci_method="exact")
