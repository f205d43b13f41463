"""Voting rules on ranked and cardinal ballots: golden example, pref_voting cross-checks,
properties, ties and bad input."""

from __future__ import annotations

import itertools
import json

import numpy as np
import polars as pl
import pytest
from conftest import require_shared
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics.errors import ParameterError, ValidationError
from coprod_analytics.preferences import (
    RankingResult,
    approval_voting,
    ballots_from_orders,
    borda,
    copeland,
    cumulative_voting,
    kemeny_young,
    majority_matrix,
    quadratic_voting,
    rank_ballots,
    schulze,
    score_voting,
    validate_ballots,
)

RULES = {"borda": borda, "copeland": copeland, "schulze": schulze, "kemeny": kemeny_young}


def _schulze_case() -> dict:
    path = require_shared("reference", "worked_examples.json")
    cases = json.loads(path.read_text())["cases"]
    return next(c for c in cases if c["id"] == "schulze_45_voters")


def _case_ballots(case: dict) -> pl.DataFrame:
    pairs = case["input"]["ballots_count_and_order_best_first"]
    return ballots_from_orders([o for _, o in pairs], weights=[c for c, _ in pairs])


# --------------------------------------------------------------------------- golden example
@pytest.mark.shared_data
def test_schulze_45_voter_example_all_rules_elect_e() -> None:
    case = _schulze_case()
    ballots = _case_ballots(case)
    exp = case["expected"]
    for name, rule in RULES.items():
        res = rule(ballots)
        assert res.winners == [exp[f"{name}_winner"]], name
        assert res.n_voters == 45
    sch = schulze(ballots)
    assert "".join(g[0] for g in sch.ranking) == exp["schulze_order"]
    assert all(len(g) == 1 for g in sch.ranking)


@pytest.mark.shared_data
def test_schulze_45_voter_path_strengths_match_published_table() -> None:
    # Schulze (2011), the d and p matrices of this example (winning votes).
    ballots = _case_ballots(_schulze_case())
    mm = majority_matrix(ballots)
    assert mm.filter(pl.col("item_id") == "A")["B"][0] == 20
    assert mm.filter(pl.col("item_id") == "B")["A"][0] == 25
    p = schulze(ballots).details["path_strength"]
    expected_p = np.array(
        [
            [0, 28, 28, 30, 24],
            [25, 0, 28, 33, 24],
            [25, 29, 0, 29, 24],
            [25, 28, 28, 0, 24],
            [25, 28, 28, 31, 0],
        ]
    )
    np.testing.assert_array_equal(p, expected_p)


# --------------------------------------------------------------------------- pref_voting
def _random_profile(rng: np.random.Generator, m: int, n: int) -> list[tuple[int, ...]]:
    return [tuple(int(x) for x in rng.permutation(m)) for _ in range(n)]


def _ours(orders: list[tuple[int, ...]]) -> pl.DataFrame:
    return ballots_from_orders([[str(a) for a in o] for o in orders])


@pytest.mark.parametrize("seed", range(25))
def test_winners_match_pref_voting_on_random_profiles(seed: int) -> None:
    from pref_voting.profiles import Profile
    from pref_voting.voting_methods import beat_path
    from pref_voting.voting_methods import borda as pv_borda
    from pref_voting.voting_methods import copeland as pv_copeland
    from pref_voting.voting_methods import kemeny_young as pv_kemeny

    rng = np.random.default_rng(seed)
    m = int(rng.integers(3, 7))
    n = int(rng.integers(2, 12))
    orders = _random_profile(rng, m, n)
    prof = Profile([list(o) for o in orders])
    ballots = _ours(orders)
    for ours, theirs in (
        (borda, pv_borda),
        (copeland, pv_copeland),
        (schulze, beat_path),  # margins ≡ winning votes on complete strict ballots
        (kemeny_young, pv_kemeny),
    ):
        got = sorted(int(w) for w in ours(ballots).winners)
        assert got == sorted(int(w) for w in theirs(prof)), (ours.__name__, orders)


@pytest.mark.parametrize("seed", range(10))
def test_kemeny_optimal_rankings_match_pref_voting(seed: int) -> None:
    from pref_voting.profiles import Profile
    from pref_voting.voting_methods import kemeny_young_rankings

    rng = np.random.default_rng(100 + seed)
    m, n = 5, int(rng.integers(2, 8))
    orders = _random_profile(rng, m, n)
    theirs, distance = kemeny_young_rankings(Profile([list(o) for o in orders]))
    res = kemeny_young(_ours(orders), max_rankings=200)  # 5! = 120 at most
    ours = {tuple(int(a) for a in r) for r in res.details["optimal_rankings"]}
    assert ours == {tuple(int(a) for a in r) for r in theirs}
    assert res.details["n_optimal"] == len(theirs)
    # Kemeny distance = pairs x voters − agreement
    assert res.details["kemeny_score"] == m * (m - 1) // 2 * n - int(distance)


def test_borda_scores_match_classic_points_on_strict_ballots() -> None:
    from pref_voting.profiles import Profile

    rng = np.random.default_rng(7)
    orders = _random_profile(rng, 5, 9)
    prof = Profile([list(o) for o in orders])
    ours = borda(_ours(orders)).scores
    theirs = prof.borda_scores()
    for row in ours.iter_rows(named=True):
        assert row["score"] == theirs[int(row["item_id"])]


# --------------------------------------------------------------------------- Kemeny exact vs brute force
def _brute_kemeny(N: np.ndarray) -> tuple[float, set[tuple[int, ...]]]:
    best, arg = -1.0, set()
    for perm in itertools.permutations(range(N.shape[0])):
        s = sum(N[perm[i], perm[j]] for i in range(len(perm)) for j in range(i + 1, len(perm)))
        if s > best + 1e-9:
            best, arg = s, {perm}
        elif abs(s - best) <= 1e-9:
            arg.add(perm)
    return best, arg


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.lists(st.integers(1, 3), min_size=6, max_size=6), min_size=1, max_size=6),
)
def test_kemeny_exact_equals_brute_force_with_ties_and_partial(ranks: list[list[int]]) -> None:
    alts = list("abcdef")
    rows = [
        (v, a, r)
        for v, rr in enumerate(ranks)
        for a, r in zip(alts, rr, strict=True)
        if not (r == 3 and a in "ef")  # leave some alternatives unranked
    ]
    df = pl.DataFrame(rows, schema=["participant_id", "item_id", "rank"], orient="row")
    res = kemeny_young(df, items=alts, max_rankings=10_000)
    N = majority_matrix(df, items=alts).drop("item_id").to_numpy()
    best, arg = _brute_kemeny(N)
    assert res.details["kemeny_score"] == pytest.approx(best)
    assert res.details["n_optimal"] == len(arg)
    assert {tuple(alts.index(a) for a in r) for r in res.details["optimal_rankings"]} == arg
    assert set(res.winners) == {alts[o[0]] for o in arg}


def test_kemeny_exact_up_to_16_and_heuristic_beyond() -> None:
    rng = np.random.default_rng(3)
    names = [f"x{i:02d}" for i in range(16)]
    # a noisy common order: Kemeny should recover it
    base = list(names)
    orders = []
    for _ in range(40):
        o = list(base)
        i = int(rng.integers(0, 15))
        o[i], o[i + 1] = o[i + 1], o[i]
        orders.append(o)
    res = kemeny_young(ballots_from_orders(orders))
    assert res.details["exact"] is True
    assert [g[0] for g in res.ranking] == base
    heur = kemeny_young(ballots_from_orders(orders), exact_max=8)
    assert heur.details["exact"] is False and heur.details["n_optimal"] is None
    assert heur.details["kemeny_score"] <= res.details["kemeny_score"]
    assert heur.winners == ["x00"]


def test_kemeny_heuristic_never_beats_exact_on_random_profiles() -> None:
    rng = np.random.default_rng(11)
    for _ in range(5):
        orders = _random_profile(rng, 7, 9)
        exact = kemeny_young(_ours(orders))
        heur = kemeny_young(_ours(orders), exact_max=3)
        assert heur.details["kemeny_score"] <= exact.details["kemeny_score"] + 1e-9


# --------------------------------------------------------------------------- properties
orders_st = st.integers(3, 5).flatmap(
    lambda m: st.lists(st.permutations(list(range(m))), min_size=1, max_size=9)
)


@settings(max_examples=40, deadline=None)
@given(orders_st)
def test_condorcet_winner_wins_copeland_schulze_kemeny(orders: list[list[int]]) -> None:
    ballots = _ours([tuple(o) for o in orders])
    N = majority_matrix(ballots).drop("item_id").to_numpy()
    m = N.shape[0]
    cw = [a for a in range(m) if all(N[a, b] > N[b, a] for b in range(m) if b != a)]
    for rule in (copeland, schulze, kemeny_young):
        res = rule(ballots)
        if cw:
            assert res.winners == [str(cw[0])], rule.__name__
        # consistency of the result object: the winners are exactly the first tie group
        # (Kemeny: every item first in some optimal ranking, which the first group holds)
        if rule is kemeny_young:
            tops = {r[0] for r in res.details["optimal_rankings"]}
            assert tops <= set(res.winners)
            if res.details["n_optimal"] == len(res.details["optimal_rankings"]):
                # every optimal ranking listed: the winners are exactly their first items,
                # all in the first tie group
                assert set(res.winners) == tops
                assert set(res.winners) <= set(res.ranking[0])
        else:
            assert res.winners == list(res.ranking[0])
        assert res.scores.filter(pl.col("rank") == 1)["item_id"].to_list() == sorted(res.ranking[0])
        assert sorted(a for g in res.ranking for a in g) == sorted(map(str, range(m)))


@settings(max_examples=30, deadline=None)
@given(orders_st, st.randoms(use_true_random=False))
def test_neutrality_and_anonymity(orders: list[list[int]], rnd) -> None:  # type: ignore[no-untyped-def]
    m = len(orders[0])
    perm = list(range(m))
    rnd.shuffle(perm)
    letters = "pqrstu"
    ballots = _ours([tuple(o) for o in orders])
    renamed = ballots_from_orders([[letters[perm[a]] for a in o] for o in orders][::-1])
    for rule in RULES.values():
        a = rule(ballots)
        b = rule(renamed)
        mapped = sorted(letters[perm[int(w)]] for w in a.winners)
        assert mapped == b.winners, rule.__name__
        assert {frozenset(letters[perm[int(x)]] for x in g) for g in a.ranking} == {
            frozenset(g) for g in b.ranking
        }


@settings(max_examples=30, deadline=None)
@given(orders_st)
def test_weights_equal_repeated_ballots(orders: list[list[int]]) -> None:
    doubled = _ours([tuple(o) for o in orders + orders])
    weighted = ballots_from_orders(
        [[str(a) for a in o] for o in orders], weights=[2.0] * len(orders)
    )
    for rule in RULES.values():
        x, y = rule(doubled), rule(weighted)
        assert x.winners == y.winners and x.ranking == y.ranking
        np.testing.assert_allclose(x.scores["score"], y.scores["score"])


# --------------------------------------------------------------------------- ties
def test_condorcet_cycle_is_reported_as_a_tie_by_every_rule() -> None:
    ballots = ballots_from_orders(["abc", "bca", "cab"])
    for rule in RULES.values():
        res = rule(ballots)
        assert res.winners == ["a", "b", "c"] and res.tied
        assert res.ranking == (("a", "b", "c"),)
        assert res.scores["rank"].to_list() == [1, 1, 1]
    assert kemeny_young(ballots).details["n_optimal"] == 3


def test_partial_ballots_rank_unlisted_alternatives_last_and_ties_share_rank() -> None:
    df = pl.DataFrame(
        {"participant_id": [1, 1, 2, 2], "item_id": ["a", "b", "c", "b"], "rank": [1, 1, 1, 2]}
    )
    res = borda(df, items=["a", "b", "c", "d"])
    # ballot 1: a = b > {c, d};  ballot 2: c > b > {a, d}  (unranked tied at the bottom)
    # a: (2 + 0.5) + 0.5;  b: (2 + 0.5) + 2;  c: 0.5 + 3;  d: 0.5 + 0.5
    scores = dict(res.scores.select("item_id", "score").iter_rows())
    assert scores == {"a": 3.0, "b": 4.5, "c": 3.5, "d": 1.0}
    assert res.ranking == (("b",), ("c",), ("a",), ("d",))
    assert res.scores["rank"].to_list() == [1, 2, 3, 4]
    two_way = borda(ballots_from_orders(["ab", "ba"]))
    assert two_way.scores["rank"].to_list() == [1, 1] and two_way.winners == ["a", "b"]


def test_copeland_counts_wins_losses_ties() -> None:
    res = copeland(ballots_from_orders(["abc", "bac", "abc", "bac"]))
    row = res.scores.filter(pl.col("item_id") == "c").row(0, named=True)
    assert (row["wins"], row["losses"], row["ties"], row["score"]) == (0, 2, 0, -2.0)
    assert res.ranking == (("a", "b"), ("c",))


# --------------------------------------------------------------------------- cardinal rules
def test_approval_score_cumulative_quadratic() -> None:
    appr = pl.DataFrame(
        {"participant_id": [1, 1, 2, 3], "item_id": ["a", "b", "b", "a"], "approved": [1, 1, 1, 0]}
    )
    res = approval_voting(appr, items=["a", "b", "c"])
    assert dict(res.scores.select("item_id", "score").iter_rows()) == {
        "b": 2.0,
        "a": 1.0,
        "c": 0.0,
    }
    assert res.scores["supporters"].to_list() == [2.0, 1.0, 0.0]
    sc = pl.DataFrame(
        {"participant_id": [1, 1, 2, 2], "item_id": ["a", "b", "a", "b"], "score": [4, 2, 1, 3]}
    )
    assert score_voting(sc).winners == ["a", "b"]  # 5 = 5: a tie, reported
    cum = pl.DataFrame(
        {"participant_id": [1, 1, 2], "item_id": ["a", "b", "b"], "points": [6, 4, 10]}
    )
    assert cumulative_voting(cum, budget=10).winners == ["b"]
    with pytest.raises(
        ValidationError,
        match=r"row 1, column 'points': participant 1 spends 10 \(points\), over the budget of 9",
    ):
        cumulative_voting(cum, budget=9)
    qv = pl.DataFrame(
        {"participant_id": [1, 1, 2, 2], "item_id": ["a", "b", "a", "b"], "votes": [3, 1, -2, 2]}
    )
    res = quadratic_voting(qv, budget=10)
    assert dict(res.scores.select("item_id", "score").iter_rows()) == {"b": 3.0, "a": 1.0}
    with pytest.raises(
        ValidationError, match=r"row 1, column 'votes'.*spends 10 \(votes squared\)"
    ):
        quadratic_voting(qv, budget=9)


# --------------------------------------------------------------------------- result object
def test_result_object_frame_summary_html() -> None:
    res = schulze(ballots_from_orders(["ab", "ab", "ba"]))
    assert isinstance(res, RankingResult)
    assert res.to_frame().columns[:3] == ["item_id", "score", "rank"]
    assert res.summary().startswith("schulze: winner a;")
    html = schulze(ballots_from_orders([["<b>", "x"]]))._repr_html_()
    assert "&lt;b&gt;" in html and "<b>" not in html
    assert rank_ballots(ballots_from_orders(["ab"]), method="kemeny").winners == ["a"]


# --------------------------------------------------------------------------- bad input
def test_bad_ballots_name_row_and_column() -> None:
    with pytest.raises(ValidationError, match=r"missing column\(s\) \['rank'\]"):
        borda(pl.DataFrame({"participant_id": [1], "item_id": ["a"]}))
    bad = pl.DataFrame({"participant_id": [1, 1], "item_id": ["a", "b"], "rank": [1.0, 1.5]})
    with pytest.raises(ValidationError, match=r"row 2, column 'rank': expected an integer rank"):
        borda(bad)
    dup = pl.DataFrame({"participant_id": [1, 1], "item_id": ["a", "a"], "rank": [1, 2]})
    with pytest.raises(ValidationError, match=r"row 2, column 'item_id': participant 1 lists"):
        copeland(dup)
    with pytest.raises(ValidationError, match=r"votes.csv, line 3, column 'item_id'"):
        validate_ballots(
            pl.DataFrame({"participant_id": [1, 2], "item_id": ["a", None], "rank": [1, 1]}),
            file="votes.csv",
        )
    w = pl.DataFrame(
        {"participant_id": [1, 1], "item_id": ["a", "b"], "rank": [1, 2], "weight": [1, 2]}
    )
    with pytest.raises(ValidationError, match="different weights"):
        borda(w)
    with pytest.raises(ParameterError, match="The 'method' parameter of rank_ballots"):
        rank_ballots(ballots_from_orders(["ab"]), method="plurality")
    with pytest.raises(ParameterError, match="The 'exact_max' parameter of kemeny_young"):
        kemeny_young(ballots_from_orders(["ab"]), exact_max=40)
