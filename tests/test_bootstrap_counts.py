"""A percentile bootstrap of ratings on a scale resamples counts of the distinct ratings.

Resampling n ratings with replacement from data with K distinct (rating, weight) pairs is
the same as drawing the K counts from a multinomial with the observed shares: the same
bootstrap distribution, at a cost that does not grow with n (a live room's thousands of
ratings per evidence item were 40 ms of bootstrap each, every refresh). Checked here:

- the statistics of a sample given as counts equal the statistics of the sample itself
  (exactly, any counts: a property);
- the interval drawn from counts equals scipy's, drawn from indices, within the Monte Carlo
  error of both (the same distribution);
- small or continuous data keep scipy's draws (published examples stay as they were).
"""

from __future__ import annotations

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from coprod_analytics.crowd._common import bootstrap_interval
from coprod_analytics.evidence import weigh_evidence
from coprod_analytics.evidence.weighing import (
    _counted_median,
    _counted_weighted_mean,
    _median,
    _weighted_mean,
)

SCALE = np.array([1.0, 2.0, 3.0, 4.0, 5.0])


@settings(max_examples=200, deadline=None)
@given(
    counts=arrays(np.int64, st.tuples(st.integers(1, 6), st.just(5)), elements=st.integers(0, 7)),
    weights=arrays(np.float64, 5, elements=st.sampled_from([0.5, 1.0, 2.0, 3.0])),
)
def test_statistics_of_counts_equal_those_of_the_sample(
    counts: np.ndarray, weights: np.ndarray
) -> None:
    counts = counts[counts.sum(axis=1) > 0]
    for row, mean, median in zip(
        counts,
        _counted_weighted_mean((SCALE, weights), counts),
        _counted_median((SCALE,), counts),
        strict=True,
    ):
        x, w = np.repeat(SCALE, row), np.repeat(weights, row)
        assert np.isclose(mean, _weighted_mean(x, w))
        assert median == _median(x)


def _ratings(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.choice(SCALE, size=n, p=[0.1, 0.15, 0.2, 0.3, 0.25])
    w = rng.choice([1.0, 2.0, 3.0], size=n)
    return x, w


def test_the_interval_from_counts_is_scipys_interval() -> None:
    x, w = _ratings(600, seed=3)
    args = {"n_resamples": 20_000, "alpha": 0.05, "progress": False}
    for data, stat, counted in (
        ((x, w), _weighted_mean, _counted_weighted_mean),
        ((x,), _median, _counted_median),
    ):
        lo_c, hi_c = bootstrap_interval(data, stat, seed=1, counted=counted, **args)
        lo_s, hi_s = bootstrap_interval(data, stat, seed=2, **args)
        assert lo_c is not None and hi_c is not None and lo_s is not None and hi_s is not None
        # Monte Carlo error of a 2.5% quantile of 20,000 resamples: ~0.005 on this scale
        assert abs(lo_c - lo_s) < 0.03 and abs(hi_c - hi_s) < 0.03
        assert lo_c <= float(stat(*data)) <= hi_c


def test_few_ratings_keep_scipys_draws() -> None:
    # fewer than 4 ratings per distinct rating: the counts path is not taken, so an interval
    # is exactly what scipy gives with the same seed
    x, w = _ratings(12, seed=5)
    args = {"n_resamples": 500, "alpha": 0.1, "seed": 7, "progress": False}
    with_counts = bootstrap_interval((x, w), _weighted_mean, counted=_counted_weighted_mean, **args)
    assert with_counts == bootstrap_interval((x, w), _weighted_mean, **args)


def test_weighing_thousands_of_ratings_gives_intervals_around_the_means() -> None:
    x, w = _ratings(4_000, seed=11)
    table = pl.DataFrame(
        {
            "participant_id": np.arange(4_000) % 2_000,
            "evidence_id": np.arange(4_000) // 2_000,
            "credibility": x,
            "relevance": x[::-1],
            "confidence": w,
        }
    )
    res = weigh_evidence(table, scale=(1, 5), progress=False).table
    for col in ("credibility", "relevance"):
        assert (res[f"{col}_low"] < res[col]).all() and (res[col] < res[f"{col}_high"]).all()
        assert ((res[f"{col}_high"] - res[f"{col}_low"]) < 0.2).all()
