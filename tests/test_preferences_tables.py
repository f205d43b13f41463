"""The preferences family's tables connect: what an Inquiry stores (read from a ``.pb`` or
PrefLib file, or built by hand) goes straight into every rule, with one column vocabulary
and one way to name a user's differently named columns; every result follows the result
protocol."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from conftest import require_shared

import coprod_analytics as ca
from coprod_analytics import Inquiry
from coprod_analytics.errors import ValidationError
from coprod_analytics.io.pabulib import PBElection, election_from_tables, pb_election
from coprod_analytics.io.preflib import read_preflib_data, write_preflib
from coprod_analytics.preferences import (
    BradleyTerryResult,
    BudgetOutcome,
    OutcomeAnalysis,
    RankingResult,
    RuleComparison,
    approval_voting,
    ballots_from_orders,
    borda,
    bradley_terry_pairwise,
    compare_budget_rules,
    copeland,
    cumulative_voting,
    equal_shares_budget,
    greedy_budget,
    kemeny_young,
    majority_matrix,
    outcome_analysis,
    pairwise_counts,
    phragmen_budget,
    schulze,
    score_voting,
    suggest_next_pair,
)
from coprod_analytics.provenance import Provenance
from coprod_analytics.results import Result

KRAKOW = ("pabulib", "poland_krakow_2019_bienczyce.pb")  # ordinal, 9 projects, 1,045 voters
ZABRZE = ("pabulib", "poland_zabrze_2021_.pb")  # approval, 7 projects, 7,784 voters
GDANSK = ("pabulib", "poland_gdansk_2020_zaspa-rozstaje.pb")  # cumulative, 1,226 voters


# --------------------------------------------------------------------------- readers
@pytest.mark.shared_data
def test_top_level_read_pabulib_returns_an_inquiry_holding_the_ballots() -> None:
    inq = ca.read_pabulib(require_shared(*KRAKOW))
    assert isinstance(inq, Inquiry)
    assert set(inq.tables) == {"budget_projects", "budget_votes", "budget_meta"}
    votes = inq.tables["budget_votes"]
    assert votes.columns == ["participant_id", "project_id", "rank"]
    assert votes["participant_id"].n_unique() == 1045
    assert inq.metadata["source_format"] == "pabulib"
    assert inq.metadata["title"] == "District PB in Kraków, BIEŃCZYCE"
    # the election stays reachable, and equals the lower-level reader's
    election = election_from_tables(inq)
    assert isinstance(election, PBElection)
    direct = ca.io.pabulib.read_pabulib_election(require_shared(*KRAKOW))
    assert election.meta == direct.meta and election.projects.equals(direct.projects)
    # the ballots are the file's (voter attributes such as age are not carried over)
    assert election.votes.equals(direct.votes.select(election.votes.columns))
    assert election.n_voters == 1045


def test_top_level_read_preflib_returns_an_inquiry(tmp_path: Path) -> None:
    path = write_preflib(ballots_from_orders(["abc", "bca"], weights=[3, 2]), tmp_path / "x.soc")
    inq = ca.read_preflib(path)
    assert isinstance(inq, Inquiry)
    assert inq.tables["rankings"].columns == ["participant_id", "item_id", "rank", "weight"]
    assert read_preflib_data(path).n_voters == 5
    assert schulze(inq).winners == ["a"] and schulze(inq).n_voters == 5


@pytest.mark.shared_data
def test_write_pabulib_takes_the_inquiry_and_reproduces_the_file(tmp_path: Path) -> None:
    src = require_shared(*GDANSK)
    inq = ca.read_pabulib(src)
    out = ca.write_pabulib(inq, tmp_path / "back.pb")
    assert election_from_tables(ca.read_pabulib(out)) == election_from_tables(inq)


# --------------------------------------------------------------------------- counts (lead)
@pytest.mark.shared_data
def test_a_pb_inquiry_counts_its_voters() -> None:
    # Kraków 2019, Bieńczyce: 1,045 voters cast ordinal ballots (META num_votes 1045). The
    # Inquiry's counts and repr are the lead's (coprod_analytics/inquiry.py); they must say
    # so, not "0 participants, 0 statements, 0 votes".
    inq = ca.read_pabulib(require_shared(*KRAKOW))
    assert inq.counts()["participants"] == 1045
    text = repr(inq)
    assert "1,045 participants" in text or "1045 participants" in text
    assert "0 participants" not in text


def test_a_preflib_inquiry_counts_voters_not_distinct_orders(tmp_path: Path) -> None:
    # Three orders cast by 3 + 2 + 1 = 6 voters: PrefLib keeps one row per distinct order
    # with its count as ``weight``, so the people are the sum of the weights, not the 3
    # distinct ``participant_id`` values (counts() is the lead's, in inquiry.py).
    path = write_preflib(
        ballots_from_orders(["abc", "bca", "cab"], weights=[3, 2, 1]), tmp_path / "w.soc"
    )
    inq = ca.read_preflib(path)
    assert inq.counts()["participants"] == 6


# --------------------------------------------------------------------------- tables connect
@pytest.mark.shared_data
def test_pb_ballots_go_straight_into_the_ranking_rules() -> None:
    inq = ca.read_pabulib(require_shared(*KRAKOW))
    votes = inq.tables["budget_votes"]
    for rule in (borda, copeland, schulze, kemeny_young):
        from_table = rule(votes)
        assert from_table.n_voters == 1045
        assert rule(inq).winners == from_table.winners  # the Inquiry itself works too
        assert set(from_table.scores["item_id"]) == set(inq.tables["budget_projects"]["project_id"])
    # Borda on ranks equals counting ballot positions by hand: a ballot ranks 3 of 9 projects,
    # so a project ranked r-th beats 3 - r listed ones and the 6 unlisted ones, and ties the
    # other unlisted ones (half a point each)
    b = borda(votes).scores
    by_hand = (
        votes.with_columns(pts=(3 - pl.col("rank")) + 6)
        .group_by("project_id")
        .agg(pl.col("pts").sum())
    )
    n_listed = votes.group_by("project_id").len()
    m = 9
    expect = {r["project_id"]: float(r["pts"]) for r in by_hand.iter_rows(named=True)}
    listed = dict(n_listed.iter_rows())
    for row in b.iter_rows(named=True):
        unlisted_ballots = 1045 - listed.get(row["item_id"], 0)
        want = expect.get(row["item_id"], 0.0) + unlisted_ballots * 0.5 * (m - 3 - 1)
        assert row["score"] == pytest.approx(want)


@pytest.mark.shared_data
def test_approval_and_cumulative_pb_ballots_go_into_the_cardinal_rules() -> None:
    zabrze = ca.read_pabulib(require_shared(*ZABRZE))
    votes_col = zabrze.tables["budget_projects"].select("project_id", "votes")
    res = approval_voting(zabrze.tables["budget_votes"], items=votes_col["project_id"])
    assert dict(res.scores.select("item_id", "score").iter_rows()) == {
        p: float(v) for p, v in votes_col.iter_rows()
    }  # the file's own vote counts
    gdansk = ca.read_pabulib(require_shared(*GDANSK))
    cum = cumulative_voting(gdansk)
    score_col = gdansk.tables["budget_projects"].select("project_id", "score")
    assert dict(cum.scores.select("item_id", "score").iter_rows()) == {
        p: float(v) for p, v in score_col.iter_rows()
    }  # the file's own points


@pytest.mark.shared_data
def test_budget_rules_take_the_inquiry_as_it_is() -> None:
    inq = ca.read_pabulib(require_shared(*GDANSK))
    election = election_from_tables(inq)
    for rule in (greedy_budget, equal_shares_budget, phragmen_budget):
        assert rule(inq).selected == rule(election).selected
    a = outcome_analysis(inq, greedy_budget(inq))
    assert a.satisfaction.columns == ["participant_id", "n_funded", "cost_funded"]
    assert a.satisfaction.height == 1226
    assert compare_budget_rules(inq).projects.height == 5


def test_budget_rules_take_the_tables_by_name_too() -> None:
    e = pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]], budget=1)
    tables = dict(e.to_inquiry().tables)
    assert greedy_budget(tables).selected == ("a",)
    with pytest.raises(ValidationError, match="budget_votes is missing"):
        greedy_budget({"budget_projects": tables["budget_projects"]})


def test_ranking_rules_ask_for_ballots_the_inquiry_does_not_hold() -> None:
    with pytest.raises(ValidationError, match="holds no 'rankings' or 'budget_votes' table"):
        schulze(Inquiry())
    with pytest.raises(ValidationError, match="holds no 'pairwise' table"):
        bradley_terry_pairwise(Inquiry())


def test_pairwise_table_of_an_inquiry_goes_straight_into_bradley_terry() -> None:
    comps = pl.DataFrame(
        {
            "winner": ["a", "a", "b", "c"],
            "loser": ["b", "b", "c", "a"],
            "participant_id": [1, 2, 1, 2],
        }
    )
    inq = Inquiry(tables={"pairwise": comps})
    a = bradley_terry_pairwise(inq)
    b = bradley_terry_pairwise(inq.tables["pairwise"])
    np.testing.assert_allclose(a.log_strength, b.log_strength)
    assert suggest_next_pair(inq).height == 1
    assert pairwise_counts(inq).columns == ["item_id", "a", "b", "c"]


# --------------------------------------------------------------------------- naming columns
def test_columns_named_differently_are_named_by_canonical_keywords() -> None:
    canon = ballots_from_orders(["abc", "abc", "bca", "cab"])
    mine = canon.rename({"participant_id": "voter", "item_id": "option", "rank": "place"})
    keys = {"participant_id": "voter", "item_id": "option", "rank": "place"}
    for rule in (borda, copeland, schulze, kemeny_young):
        assert rule(mine, **keys).ranking == rule(canon).ranking
    assert majority_matrix(mine, **keys).equals(majority_matrix(canon))
    with pytest.raises(ValidationError, match=r"missing column\(s\) \['participant_id'"):
        borda(mine)
    scores = pl.DataFrame({"who": [1, 1, 2], "what": ["x", "y", "y"], "stars": [5, 1, 6]})
    res = score_voting(scores, participant_id="who", item_id="what", score="stars")
    assert res.winners == ["y"]
    pairs = pl.DataFrame({"preferred": ["a", "a", "b"], "other": ["b", "b", "a"]})
    bt = bradley_terry_pairwise(pairs, winner="preferred", loser="other")
    assert bt.winners == ["a"]


def test_errors_name_the_users_column() -> None:
    bad = pl.DataFrame({"voter": [1, 1], "option": ["a", "b"], "place": [1, 0]})
    with pytest.raises(ValidationError, match=r"row 2, column 'place': expected an integer rank"):
        borda(bad, participant_id="voter", item_id="option", rank="place")


# --------------------------------------------------------------------------- result protocol
def _results() -> list[Result]:
    e = pb_election({"a": 1, "b": 1, "c": 1}, [["a", "b"]] * 3 + [["c"]] * 2, budget=2)
    out = greedy_budget(e)
    comps = pl.DataFrame({"winner": ["a", "a", "b", "c"], "loser": ["b", "b", "c", "a"]})
    return [
        schulze(ballots_from_orders(["ab", "ba", "ab"])),
        approval_voting(pl.DataFrame({"participant_id": [1, 2], "item_id": ["a", "a"]})),
        bradley_terry_pairwise(comps),
        out,
        outcome_analysis(e, out),
        compare_budget_rules(e),
    ]


@pytest.mark.parametrize("index", range(6))
def test_every_result_follows_the_protocol(index: int) -> None:
    res = _results()[index]
    assert isinstance(res, Result)
    assert isinstance(
        res, RankingResult | BradleyTerryResult | BudgetOutcome | OutcomeAnalysis | RuleComparison
    )
    text = repr(res)
    assert "\n" not in text and len(text) < 140 and text.startswith(f"<{type(res).__name__}: ")
    assert isinstance(res.to_frame(), pl.DataFrame) and res.to_frame().height >= 1
    assert res.to_pandas().shape == res.to_frame().shape
    assert res.summary().strip()
    assert "<table>" in res._repr_html_()
    assert isinstance(res.provenance, Provenance)
    assert len(res.provenance.input_fingerprint) == 64


def test_provenance_fingerprints_the_input_and_records_the_parameters() -> None:
    a = schulze(ballots_from_orders(["ab", "ba", "ab"]), strength="margin")
    b = schulze(ballots_from_orders(["ab", "ba", "ba"]), strength="margin")
    assert a.provenance is not None and b.provenance is not None
    assert a.provenance.method == "schulze" and a.provenance.parameters == {"strength": "margin"}
    assert a.provenance.input_fingerprint != b.provenance.input_fingerprint
    e = pb_election({"a": 1}, [["a"]], budget=1)
    out = equal_shares_budget(e, utility="cardinality")
    assert out.provenance is not None
    assert out.provenance.parameters == {"utility": "cardinality", "completion": "none"}


def test_bradley_terry_conf_int_takes_alpha_and_ends_in_the_protocol_columns() -> None:
    comps = pl.DataFrame({"winner": ["a", "a", "b", "c"], "loser": ["b", "b", "c", "a"]})
    res = bradley_terry_pairwise(comps)
    ci95 = res.conf_int()
    ci80 = res.conf_int(alpha=0.2)
    assert ci95.columns == ["item_id", "ci_low", "ci_high", "alpha"]
    assert ci95["alpha"].to_list() == [0.05] * 3 and ci80["alpha"].to_list() == [0.2] * 3
    # Wald: the half-width is z(1 - alpha/2) * se, so the 80% interval is narrower by
    # z(0.9) / z(0.975) = 1.2816 / 1.9600
    w95 = (ci95["ci_high"] - ci95["ci_low"]).to_numpy()
    w80 = (ci80["ci_high"] - ci80["ci_low"]).to_numpy()
    np.testing.assert_allclose(w80 / w95, 1.2815516 / 1.9599640, rtol=1e-6)
    np.testing.assert_allclose(w95, 2 * 1.9599640 * res.se, rtol=1e-6)
    # to_frame's interval is the fit's alpha
    framed = res.to_frame().sort("item_id")
    np.testing.assert_allclose(framed["ci_low"].to_numpy(), ci95["ci_low"].to_numpy())
