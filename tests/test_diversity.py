"""Tests of coprod_analytics.crowd.diversity."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from conftest import require_shared
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from coprod_analytics.crowd.diversity import (
    bimodality_coefficient,
    effective_number,
    esteban_ray_polarization,
    gini,
    participation_gini,
    rao_quadratic_entropy,
    shannon_diversity,
    simpson_diversity,
    vote_diversity,
)
from coprod_analytics.errors import ParameterError, ValidationError

counts_st = st.lists(st.integers(0, 100), min_size=2, max_size=10).filter(lambda c: sum(c) > 0)


def test_shannon_matches_scipy_entropy() -> None:
    c = np.array([5, 3, 0, 2])
    assert shannon_diversity(c) == pytest.approx(stats.entropy(c))
    assert shannon_diversity(c, base=2) == pytest.approx(stats.entropy(c, base=2))
    assert shannon_diversity(c, normalize=True) == pytest.approx(stats.entropy(c) / np.log(4))


@settings(max_examples=50, deadline=None)
@given(counts_st, st.integers(0, 1000))
def test_distribution_measures_bounds_and_order(counts, seed) -> None:
    c = np.array(counts, dtype=float)
    k = c.size
    h = shannon_diversity(c, normalize=True)
    assert -1e-12 <= h <= 1 + 1e-12
    s = simpson_diversity(c)
    assert -1e-12 <= s <= 1 - 1 / k + 1e-12
    # Hill numbers decrease with order and lie between 1 and the number of positions held
    held = int((c > 0).sum())
    e0, e1, e2 = (effective_number(c, order=q) for q in (0, 1, 2))
    assert e0 == held
    assert 1 - 1e-9 <= e2 <= e1 + 1e-9 <= e0 + 2e-9
    assert e2 == pytest.approx(1 / (1 - s))
    # Rao with unit distances is Gini–Simpson
    assert rao_quadratic_entropy(c, distances=1 - np.eye(k)) == pytest.approx(s)
    # relabelling positions changes nothing
    perm = np.random.default_rng(seed).permutation(k)
    assert shannon_diversity(c[perm]) == pytest.approx(shannon_diversity(c))
    assert simpson_diversity(c[perm]) == pytest.approx(s)


@settings(max_examples=50, deadline=None)
@given(counts_st, st.floats(0.1, 1.6))
def test_esteban_ray_properties(counts, alpha) -> None:
    c = np.array(counts, dtype=float)
    y = np.arange(c.size, dtype=float)
    p = esteban_ray_polarization(c, y, identification=alpha)
    assert p >= 0
    # scale-invariant in counts, linear in distances
    assert esteban_ray_polarization(3 * c, y, identification=alpha) == pytest.approx(p)
    assert esteban_ray_polarization(c, 2 * y, identification=alpha) == pytest.approx(2 * p)
    # direct double sum
    sh = c / c.sum()
    direct = sum(
        sh[i] ** (1 + alpha) * sh[j] * abs(y[i] - y[j])
        for i in range(c.size)
        for j in range(c.size)
    )
    assert p == pytest.approx(direct)


def test_esteban_ray_two_equal_camps_beat_spread() -> None:
    two = esteban_ray_polarization([50, 0, 0, 0, 50], [1, 2, 3, 4, 5])
    spread = esteban_ray_polarization([20, 20, 20, 20, 20], [1, 2, 3, 4, 5])
    assert two > spread


def test_bimodality_coefficient_matches_formula() -> None:
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.normal(-2, 0.5, 60), rng.normal(2, 0.5, 40)])
    g, k, n = stats.skew(x, bias=False), stats.kurtosis(x, bias=False), x.size
    expected = (g**2 + 1) / (k + 3 * (n - 1) ** 2 / ((n - 2) * (n - 3)))
    assert bimodality_coefficient(x) == pytest.approx(expected)
    assert bimodality_coefficient(x) > 5 / 9
    assert bimodality_coefficient(rng.normal(size=500)) < 5 / 9


def test_gini_known_values() -> None:
    assert gini([3, 3, 3]) == 0.0
    assert gini([0, 0, 0, 0, 10]) == pytest.approx(0.8)
    # mean absolute difference definition
    x = np.array([1.0, 2, 7, 3, 9])
    mad = np.abs(x[:, None] - x[None, :]).mean()
    assert gini(x) == pytest.approx(mad / (2 * x.mean()))


def test_participation_gini() -> None:
    votes = pl.DataFrame({"participant_id": ["a"] * 8 + ["b"] * 1 + ["c"] * 1})
    assert participation_gini(votes) == pytest.approx(gini([8, 1, 1]))
    assert participation_gini(votes, n_participants=5) == pytest.approx(gini([8, 1, 1, 0, 0]))
    with pytest.raises(ParameterError, match="The 'n_participants' parameter"):
        participation_gini(votes, n_participants=2)
    with pytest.raises(ValidationError, match="column 'participant_id' is missing"):
        participation_gini(votes.rename({"participant_id": "voter"}))
    # a user's own column name, by keyword
    renamed = votes.rename({"participant_id": "voter"})
    assert participation_gini(renamed, participant_id="voter") == participation_gini(votes)


def test_diversity_takes_the_inquiry() -> None:
    from coprod_analytics import sample_inquiry

    inquiry = sample_inquiry()
    per = inquiry.votes.group_by("participant_id").len()["len"].to_numpy()
    n = inquiry.participants.height
    expected = gini(np.concatenate([per, np.zeros(n - per.size)]))
    assert participation_gini(inquiry) == pytest.approx(expected)
    assert vote_diversity(inquiry).equals(vote_diversity(inquiry.votes))


@pytest.mark.shared_data
def test_vote_measures_on_real_polis_conversation() -> None:
    path = require_shared("polis", "london.youth.policing", "votes.csv")
    votes = pl.read_csv(path)
    # the export keeps every vote ever cast; keep the last per (voter, comment)
    votes = votes.sort("timestamp").unique(["voter-id", "comment-id"], keep="last")
    # the export's own column names, named by keyword (no renaming by hand)
    g = participation_gini(votes, participant_id="voter-id")
    per = votes.group_by("voter-id").len()["len"].to_numpy()
    assert g == pytest.approx(gini(per))
    assert 0 < g < 1
    table = vote_diversity(votes, statement_id="comment-id")
    assert table.height == votes["comment-id"].n_unique()
    assert table["n"].sum() == votes.height
    shares = table.select(pl.col("agree") + pl.col("pass") + pl.col("disagree")).to_series()
    assert np.allclose(shares.to_numpy(), 1.0)
    # sorted by polarisation; the first row really is the largest
    assert table["polarization"][0] == table["polarization"].max()
    first = table.row(0, named=True)
    direct = esteban_ray_polarization(
        [first["disagree"], first["pass"], first["agree"]], [-1, 0, 1]
    )
    assert first["polarization"] == pytest.approx(direct)


def test_validation_messages() -> None:
    with pytest.raises(ValidationError, match="position 1 has -1"):
        shannon_diversity([1, -1, 3])
    with pytest.raises(ValidationError, match="all counts are 0"):
        simpson_diversity([0, 0])
    with pytest.raises(
        ParameterError, match="The 'identification' parameter of esteban_ray_polarization"
    ):
        esteban_ray_polarization([1, 1], [0, 1], identification=2.0)
    with pytest.raises(ValidationError, match="exactly one of distances= or positions="):
        rao_quadratic_entropy([1, 1])
    with pytest.raises(ValidationError, match="all values are equal"):
        bimodality_coefficient([2, 2, 2, 2])
    with pytest.raises(ValidationError, match=r"row 2, column 'vote'.*got 2"):
        vote_diversity(pl.DataFrame({"statement_id": [1, 1], "vote": [1, 2]}))
