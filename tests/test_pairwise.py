"""Bradley–Terry from pairwise comparisons: golden case, choix cross-checks, intervals,
regularisation, ties, next-pair suggestion and bad input."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from conftest import require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.errors import ParameterError, ValidationError
from coprod_analytics.preferences import (
    BradleyTerryResult,
    bradley_terry_pairwise,
    pairwise_counts,
    suggest_next_pair,
    validate_comparisons,
)


def _simulate(seed: int, n_items: int, n_comp: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=n_items)
    a = rng.integers(0, n_items, n_comp)
    b = (a + rng.integers(1, n_items, n_comp)) % n_items
    win = rng.random(n_comp) < 1 / (1 + np.exp(theta[b] - theta[a]))
    return np.where(win[:, None], np.c_[a, b], np.c_[b, a]), theta


@pytest.mark.shared_data
@pytest.mark.parametrize("method", ["newton", "mm"])
def test_golden_bradley_terry_estimate(method: str) -> None:
    cases = json.loads(require_shared("reference", "worked_examples.json").read_text())["cases"]
    case = next(c for c in cases if c["id"] == "bradley_terry_choix_pairwise_2")
    data = np.array(case["input"]["comparisons_winner_loser"])
    res = bradley_terry_pairwise(data, method=method)
    np.testing.assert_allclose(
        res.log_strength, case["expected"]["log_strengths"], atol=case["tolerance"]
    )
    assert res.items == (0, 1, 2)
    assert res.winners == [0]


def test_two_items_closed_form_estimate_and_standard_error() -> None:
    # 2 wins of a, 1 of b: θa − θb = log 2; var(θa − θb) = 1 / (n p (1 − p)) = 1.5
    df = pl.DataFrame({"winner": ["a", "a", "b"], "loser": ["b", "b", "a"]})
    res = bradley_terry_pairwise(df)
    np.testing.assert_allclose(res.log_strength, [np.log(2) / 2, -np.log(2) / 2], atol=1e-12)
    np.testing.assert_allclose(res.se, [np.sqrt(1.5) / 2] * 2, atol=1e-12)
    assert res.probability("a", "b") == pytest.approx(2 / 3)
    ci = res.conf_int(0.10)
    assert ci["ci_high"][0] - ci["ci_low"][0] == pytest.approx(2 * 1.6448536 * np.sqrt(1.5) / 2)


@pytest.mark.parametrize("seed,n_items,n_comp", [(0, 5, 60), (1, 20, 800), (2, 60, 5000)])
def test_matches_choix_ilsr_pairwise(seed: int, n_items: int, n_comp: int) -> None:
    import choix

    data, _ = _simulate(seed, n_items, n_comp)
    expected = choix.ilsr_pairwise(n_items, data.tolist(), tol=1e-12, max_iter=1000)
    for method in ("newton", "mm"):
        res = bradley_terry_pairwise(data, method=method)
        np.testing.assert_allclose(res.log_strength, expected, atol=1e-6)
    assert abs(res.log_strength.mean()) < 1e-12


def test_l2_matches_choix_opt_pairwise_on_disconnected_graph() -> None:
    import choix

    # item 3 never loses and item 0 never wins: no MLE, but the MAP exists
    data = np.array([[1, 0], [2, 1], [1, 2], [3, 2], [3, 1], [2, 0]])
    with pytest.raises(ValidationError, match=r"not strongly connected.*pass l2 > 0"):
        bradley_terry_pairwise(data)
    res = bradley_terry_pairwise(data, l2=0.8)
    expected = choix.opt_pairwise(4, data.tolist(), alpha=0.4, tol=1e-10)
    np.testing.assert_allclose(res.log_strength, expected, atol=1e-6)
    assert res.ranking[0] == (3,) and res.ranking[-1] == (0,)
    # with a prior the covariance is the inverse of information + l2·I
    assert np.all(res.se < 1 / np.sqrt(0.8) + 1e-12)


def test_wald_intervals_cover_at_about_the_nominal_rate() -> None:
    hits = total = 0
    for seed in range(150):
        data, theta = _simulate(1000 + seed, 5, 300)
        res = bradley_terry_pairwise(data)
        truth = theta - theta.mean()
        ci = res.conf_int()
        hits += int(
            np.sum((ci["ci_low"].to_numpy() <= truth) & (truth <= ci["ci_high"].to_numpy()))
        )
        total += truth.size
    assert 0.92 <= hits / total <= 0.98


def test_ties_count_half_a_win_each() -> None:
    tied = pl.DataFrame(
        {"winner": ["a", "b", "a"], "loser": ["b", "c", "c"], "tie": [True, False, "no"]},
        strict=False,
    )
    halves = pl.DataFrame(
        {"winner": ["a", "b", "b", "a"], "loser": ["b", "a", "c", "c"], "weight": [0.5, 0.5, 1, 1]}
    )
    # a tie column of strings (CSV) and of booleans both work
    tied = tied.with_columns(pl.Series("tie", ["true", "0", "no"]))
    x = bradley_terry_pairwise(tied, l2=0.1)
    y = bradley_terry_pairwise(halves, l2=0.1)
    np.testing.assert_allclose(x.log_strength, y.log_strength, atol=1e-10)
    only_ties = pl.DataFrame({"winner": ["a", "b"], "loser": ["b", "c"], "tie": [True, True]})
    res = bradley_terry_pairwise(only_ties)
    np.testing.assert_allclose(res.log_strength, 0, atol=1e-12)
    assert res.winners == ["a", "b", "c"]  # reported as a three-way tie
    assert pairwise_counts(only_ties).rows()[0] == ("a", 0.0, 0.5, 0.0)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000), st.randoms(use_true_random=False))
def test_invariant_to_comparison_order_and_item_relabelling(seed: int, rnd) -> None:  # type: ignore[no-untyped-def]
    data, _ = _simulate(seed, 6, 120)
    try:
        base = bradley_terry_pairwise(data)
    except ValidationError:
        base = None
    rows = data.tolist()
    rnd.shuffle(rows)
    names = np.array(list("uvwxyz"))
    relabelled = pl.DataFrame(
        {"winner": names[[r[0] for r in rows]], "loser": names[[r[1] for r in rows]]}
    )
    if base is None:
        with pytest.raises(ValidationError):
            bradley_terry_pairwise(relabelled)
        return
    other = bradley_terry_pairwise(relabelled)
    np.testing.assert_allclose(other.log_strength, base.log_strength, atol=1e-8)
    np.testing.assert_allclose(other.se, base.se, atol=1e-8)


def test_items_never_compared_need_l2() -> None:
    df = pl.DataFrame({"winner": ["a", "b"], "loser": ["b", "a"]})
    with pytest.raises(ValidationError, match=r"2 groups.*\['c'\]"):
        bradley_terry_pairwise(df, items=["a", "b", "c"])
    res = bradley_terry_pairwise(df, items=["a", "b", "c"], l2=1.0)
    assert res.se[2] == pytest.approx(1.0)  # the prior alone
    assert res.comparisons.tolist() == [2.0, 2.0, 0.0]


# --------------------------------------------------------------------------- next pair
def test_suggestion_score_equals_exact_trace_reduction() -> None:
    data, _ = _simulate(5, 6, 40)
    res = bradley_terry_pairwise(data, l2=0.5)
    table = suggest_next_pair(res, top=15)
    assert table.height == 15
    prec = np.linalg.inv(res.cov)
    for row in table.iter_rows(named=True):
        i, j = row["item_a"], row["item_b"]
        e = np.zeros(6)
        e[i], e[j] = 1, -1
        p = res.probability(i, j)
        after = np.linalg.inv(prec + p * (1 - p) * np.outer(e, e))
        assert row["score"] == pytest.approx(np.trace(res.cov) - np.trace(after), rel=1e-9)
    assert table["score"].is_sorted(descending=True)


def test_suggestion_prefers_uncertain_close_pairs() -> None:
    # a and b compared a lot and evenly; c and d never: ask about c or d first
    rows = [("a", "b")] * 20 + [("b", "a")] * 20
    df = pl.DataFrame(rows, schema=["winner", "loser"], orient="row")
    best = suggest_next_pair(df, items=["a", "b", "c", "d"]).row(0, named=True)
    assert {best["item_a"], best["item_b"]} == {"c", "d"}
    assert best["p_a_wins"] == pytest.approx(0.5)
    with pytest.raises(ParameterError, match="The 'l2' parameter of suggest_next_pair"):
        suggest_next_pair(df, l2=0)


# --------------------------------------------------------------------------- result object
def test_result_frame_summary_html() -> None:
    data, _ = _simulate(9, 4, 100)
    res = bradley_terry_pairwise(data)
    assert isinstance(res, BradleyTerryResult)
    frame = res.to_frame()
    assert frame.columns == [
        "item_id",
        "log_strength",
        "se",
        "ci_low",
        "ci_high",
        "strength",
        "wins",
        "comparisons",
        "rank",
    ]
    assert frame["log_strength"].is_sorted(descending=True)
    assert frame["comparisons"].sum() == 200
    assert "Bradley–Terry (newton): 4 items, 100 comparisons" in res.summary()
    assert res._repr_html_().startswith("<table>")


# --------------------------------------------------------------------------- bad input
def test_bad_comparisons_are_named() -> None:
    with pytest.raises(ValidationError, match=r"missing column\(s\) \['loser'\]"):
        bradley_terry_pairwise(pl.DataFrame({"winner": ["a"]}))
    with pytest.raises(ValidationError, match=r"pairs.csv, line 3, column 'loser': an item cannot"):
        validate_comparisons(
            pl.DataFrame({"winner": ["a", "b"], "loser": ["b", "b"]}), file="pairs.csv"
        )
    with pytest.raises(ValidationError, match=r"row 2, column 'tie': expected a tie flag"):
        validate_comparisons(
            pl.DataFrame({"winner": ["a", "b"], "loser": ["b", "a"], "tie": ["yes", "maybe"]})
        )
    with pytest.raises(ValidationError, match=r"row 1, column 'weight'"):
        validate_comparisons(pl.DataFrame({"winner": ["a"], "loser": ["b"], "weight": [-1]}))
    with pytest.raises(ValidationError, match="at least two items"):
        bradley_terry_pairwise(pl.DataFrame({"winner": [], "loser": []}))
    with pytest.raises(ParameterError, match="The 'method' parameter of bradley_terry_pairwise"):
        bradley_terry_pairwise(np.array([[0, 1], [1, 0]]), method="mm", l2=1.0)
    with pytest.raises(ParameterError, match="The 'l2' parameter"):
        bradley_terry_pairwise(np.array([[0, 1], [1, 0]]), l2=-1.0)
