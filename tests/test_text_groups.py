"""Topics x opinion groups (topic_votes) and topics x categories of open answers
(topic_mentions): counts checked by hand, Wilson intervals against statsmodels, verdicts,
small-cell suppression, and the free_text input table."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import require_shared
from statsmodels.stats.proportion import proportion_confint

import coprod_analytics as ca
from coprod_analytics.consensus import opinion_groups
from coprod_analytics.errors import ValidationError
from coprod_analytics.text import TopicMentions, TopicVotes, topic_mentions, topic_votes, topics


@pytest.fixture(scope="module")
def biodiversity():
    inq = ca.load_inquiry(require_shared("polis", "scoop-hivemind.biodiversity"))
    groups = opinion_groups(inq, bridging=False, progress=False)
    return inq, groups, topics(inq, n_topics=6, progress=False)


@pytest.mark.shared_data
def test_counts_match_a_hand_tally(biodiversity):
    inq, groups, top = biodiversity
    tv = topic_votes(top, inq, groups=groups)
    assert isinstance(tv, TopicVotes)
    row = tv.table.filter((pl.col("topic") == 2) & (pl.col("group") == "A")).row(0, named=True)
    members = groups.participants.filter(pl.col("group") == 0)["participant_id"]
    sids = top.assignments.filter(pl.col("topic") == 2)["text_id"].cast(pl.Int64)
    votes = inq.votes.filter(
        pl.col("participant_id").is_in(members.to_list())
        & pl.col("statement_id").is_in(sids.to_list())
    )
    assert row["agree"] == (votes["vote"] == 1).sum()
    assert row["disagree"] == (votes["vote"] == -1).sum()
    assert row["pass"] == (votes["vote"] == 0).sum()
    assert row["voters"] == votes["participant_id"].n_unique()
    lo, hi = proportion_confint(row["agree"], row["n_votes"], alpha=0.05, method="wilson")
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi))


@pytest.mark.shared_data
def test_intervals_and_verdicts_follow_their_definition(biodiversity):
    inq, groups, top = biodiversity
    tv = topic_votes(top, inq, groups=groups)
    t = tv.table
    assert set(t["group"]) == {"A", "B"}
    assert ((t["ci_low"] <= t["agree_rate"]) & (t["agree_rate"] <= t["ci_high"])).all()
    narrow = tv.conf_int(alpha=0.2)
    assert (narrow["ci_high"] - narrow["ci_low"] < t["ci_high"] - t["ci_low"]).all()
    assert tv.conf_int().columns[-3:] == ["ci_low", "ci_high", "alpha"]
    for v in tv.verdicts.iter_rows(named=True):
        part = t.filter(pl.col("topic") == v["topic"])
        if v["verdict"] == "bridges":
            assert (part["ci_low"] > 0.5).all()
        elif v["verdict"] == "divides":
            assert (part["ci_low"] > 0.5).any() and (part["ci_high"] < 0.5).any()
        assert v["gap"] == pytest.approx(part["agree_rate"].max() - part["agree_rate"].min())
    assert "Topics by opinion group" in tv.summary()
    assert "\n" not in repr(tv)


@pytest.mark.shared_data
def test_small_cells_are_suppressed(biodiversity):
    inq, groups, top = biodiversity
    tv = topic_votes(top, inq, groups=groups, min_cell=10_000)
    assert tv.table["agree_rate"].null_count() == tv.table.height
    assert tv.table["voters"].null_count() == tv.table.height
    assert "fewer than 10000 voters" in tv.note


def test_topic_votes_needs_matching_inputs():
    inq = ca.simulate_inquiry(40, 10, seed=1)
    other = topics(pl.DataFrame({"text_id": ["x1", "x2"], "text": ["a bus", "a tree"]}), n_topics=1)
    with pytest.raises(ValidationError, match="no votes of clustered participants"):
        topic_votes(other, inq, progress=False)
    with pytest.raises(ValidationError, match="needs a Topics result"):
        topic_votes("topics", inq)  # type: ignore[arg-type]


def _answers() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Open answers: north writes about buses (8 people), south about trees (8 people) and
    3 south people also about buses (our construction)."""
    rows = []
    for p in range(8):
        rows.append((f"n{p}", p, "we need more buses and trams at night"))
    for p in range(8, 16):
        rows.append((f"s{p}", p, "plant more trees and hedges in the parks"))
    for p in range(8, 11):
        rows.append((f"x{p}", p, "more night buses and trams too"))
    answers = pl.DataFrame(rows, schema=["text_id", "participant_id", "text"], orient="row")
    people = pl.DataFrame(
        {"participant_id": list(range(16)), "area": ["north"] * 8 + ["south"] * 8}
    )
    return answers, people


def test_topic_mentions_counts_people_and_suppresses_small_cells():
    answers, people = _answers()
    top = topics(answers, n_topics=2, progress=False)
    res = topic_mentions(top, people, by="area")
    assert isinstance(res, TopicMentions)
    buses = top.assignments.filter(pl.col("text_id") == "n0")["topic"][0]
    t = res.table
    north = t.filter((pl.col("area") == "north") & (pl.col("topic") == buses)).row(0, named=True)
    assert (north["people"], north["writers"], north["share"]) == (8, 8, 1.0)
    south_buses = t.filter((pl.col("area") == "south") & (pl.col("topic") == buses)).row(
        0, named=True
    )
    assert south_buses["people"] is None and south_buses["share"] is None  # 3 people < 5
    assert "fewer than 5 people" in res.note
    assert "area north: most often topic" in res.summary()
    assert topic_mentions(top, people, by="area", min_cell=0).table["people"].null_count() == 0


def test_topic_mentions_needs_participants():
    top = topics(["a bus", "a tree"], n_topics=1)
    with pytest.raises(ValidationError, match="column 'participant_id'"):
        topic_mentions(top, pl.DataFrame({"participant_id": [1], "area": ["n"]}), by="area")
    answers, people = _answers()
    top = topics(answers, n_topics=2, progress=False)
    with pytest.raises(ValidationError, match="no column 'age'"):
        topic_mentions(top, people, by="age")


def test_topic_mentions_by_opinion_group_of_an_inquiry_with_free_text():
    inq = ca.simulate_inquiry(60, 12, n_groups=2, seed=3)
    answers, _ = _answers()
    # our construction: the free_text writers are the inquiry's first 16 voters
    free = answers.with_columns(pl.col("participant_id").cast(pl.Int64))
    top = topics(free, n_topics=2, progress=False)
    res = topic_mentions(top, inq, by="group", min_cell=0)
    assert set(res.table["group"]) <= {"A", "B", "C", "D", "E"}
    assert res.table["people"].sum() >= 16


def test_free_text_table_validates_through_the_input_schemas():
    """Passes once coprod_analytics/inputs.py lists TEXT_SCHEMAS in _family_schemas."""
    from coprod_analytics.inputs import validate_input

    ok = validate_input(
        "free_text", {"text_id": ["a", "b"], "text": ["x", "y"], "participant_id": [1, 2]}
    )
    assert ok.columns == ["text_id", "text", "participant_id"]
    with pytest.raises(ValidationError, match="table 'free_text', row 2, column 'text'"):
        validate_input("free_text", {"text_id": ["a", "b"], "text": ["x", ""]})
    with pytest.raises(ValidationError, match="duplicate row for \\(text_id='a'\\)"):
        validate_input("free_text", {"text_id": ["a", "a"], "text": ["x", "y"]})
