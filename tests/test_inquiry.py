"""The Inquiry data model: schemas, validation at the boundary, latest-vote-wins."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coprod_analytics import Inquiry, ValidationError
from coprod_analytics.inquiry import TIME_DTYPE, latest_votes


def _votes(**cols):
    base = {"participant_id": [1, 2, 3], "statement_id": [10, 10, 11], "vote": [1, -1, 0]}
    base.update(cols)
    return base


def test_schemas_are_documented_types():
    inq = Inquiry(_votes(time=[1_000, 2_000, 3_000]))
    assert inq.votes.schema == {
        "participant_id": pl.Int64,
        "statement_id": pl.Int64,
        "vote": pl.Int8,
        "time": TIME_DTYPE,
    }
    assert inq.statements.columns[:6] == [
        "statement_id",
        "text",
        "author_id",
        "moderation",
        "is_meta",
        "created",
    ]
    assert inq.statements.schema["moderation"] == pl.Int8
    assert inq.participants.get_column("participant_id").to_list() == [1, 2, 3]
    assert inq.votes.get_column("time")[0] == dt.datetime(1970, 1, 1, 0, 0, 1, tzinfo=dt.UTC)


def test_vote_words_and_strings_are_parsed():
    inq = Inquiry(_votes(vote=["Agree", "disagree", " pass "]))
    assert inq.votes.get_column("vote").to_list() == [1, -1, 0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (
            {"votes": _votes(vote=[1, 2, 0])},
            r"table 'votes', row 2, column 'vote': expected a vote of 1 \(agree\), -1 \(disagree\) or 0 \(pass\); got 2",
        ),
        ({"votes": _votes(vote=[1, "yes", 0])}, r"row 2, column 'vote'.*got 'yes'"),
        ({"votes": _votes(vote=[1.0, 0.5, 0.0])}, r"row 2, column 'vote'.*got 0.5"),
        (
            {"votes": {"participant_id": [1], "vote": [1]}},
            r"missing required column\(s\) 'statement_id'",
        ),
        (
            {"votes": _votes(participant_id=[1, None, 3])},
            r"row 2, column 'participant_id': missing value",
        ),
        (
            {"votes": _votes(), "statements": {"statement_id": [10]}},
            r"row 3, column 'statement_id': vote for unknown statement 11",
        ),
        (
            {"votes": _votes(), "statements": {"statement_id": [10, 11, 10]}},
            r"table 'statements', row 3.*duplicate id 10 \(rows 1 and 3\)",
        ),
        (
            {"votes": _votes(), "participants": {"participant_id": [1, 1]}},
            r"table 'participants'.*duplicate id 1",
        ),
        (
            {"votes": _votes(), "statements": {"statement_id": [10, 11], "moderation": [1, 5]}},
            r"column 'moderation': expected moderation 1 \(accepted\), 0 \(unmoderated\) or -1",
        ),
        ({"votes": _votes(time=[1, "yesterday", 3])}, r"row 2, column 'time': expected a time"),
        (
            {"votes": _votes(statement_id=[1.5, 2.0, 3.0])},
            r"column 'statement_id': ids must be whole numbers or text",
        ),
    ],
)
def test_bad_input_names_table_row_column(kwargs, match):
    with pytest.raises(ValidationError, match=match):
        Inquiry(**kwargs)


def test_mixed_id_types_become_text():
    inq = Inquiry(
        {"participant_id": ["a", "b"], "statement_id": [1, 1], "vote": [1, 1]},
        statements={"statement_id": ["1"], "text": ["hello"]},
    )
    assert inq.statements.schema["statement_id"] == pl.String
    assert inq.votes.schema["statement_id"] == pl.String
    assert inq.counts()["votes"] == 2


def test_participants_who_voted_are_added_and_attributes_kept():
    inq = Inquiry(_votes(), participants={"participant_id": [1, 9], "age": ["16-24", "65+"]})
    ppl = inq.participants.sort("participant_id")
    assert ppl.get_column("participant_id").to_list() == [1, 2, 3, 9]
    assert ppl.get_column("age").to_list() == ["16-24", None, None, "65+"]
    assert inq.counts()["participants"] == 3  # only those who voted


def test_latest_vote_wins_by_time_then_log_order():
    log = {
        "participant_id": [1, 1, 1, 2, 2],
        "statement_id": [5, 5, 5, 5, 5],
        "vote": [1, -1, 0, 1, -1],
        "time": [30, 10, 30, 5, 5],
    }
    inq = Inquiry(log)
    v = inq.votes.sort("participant_id")
    # participant 1: two events at t=30, the later row (pass) wins; participant 2: tie -> later row
    assert v.get_column("vote").to_list() == [0, -1]
    assert inq.vote_log.height == 5


@st.composite
def _logs(draw):
    n = draw(st.integers(1, 40))
    pids = draw(st.lists(st.integers(0, 4), min_size=n, max_size=n))
    sids = draw(st.lists(st.integers(0, 3), min_size=n, max_size=n))
    votes = draw(st.lists(st.sampled_from([1, -1, 0]), min_size=n, max_size=n))
    times = draw(st.lists(st.one_of(st.none(), st.integers(0, 5)), min_size=n, max_size=n))
    return pids, sids, votes, times


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_logs())
def test_latest_votes_matches_a_reference_implementation(log):
    pids, sids, votes, times = log
    inq = Inquiry({"participant_id": pids, "statement_id": sids, "vote": votes, "time": times})
    # reference: order events by (time with missing first, position) and keep the last per pair
    order = sorted(range(len(pids)), key=lambda i: (times[i] is not None, times[i] or 0, i))
    expected = {}
    for i in order:
        expected[(pids[i], sids[i])] = votes[i]
    got = {
        (r["participant_id"], r["statement_id"]): r["vote"] for r in inq.votes.iter_rows(named=True)
    }
    assert got == expected
    assert inq.vote_log.height == len(pids)


def test_latest_votes_handles_text_ids():
    log = pl.DataFrame(
        {
            "participant_id": ["a", "a"],
            "statement_id": ["s", "s"],
            "vote": [1, -1],
            "time": pl.Series([None, None], dtype=TIME_DTYPE),
        }
    )
    assert latest_votes(log).get_column("vote").to_list() == [-1]


def test_construction_accepts_pandas_and_arrow():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame(_votes())
    assert Inquiry(df).counts()["votes"] == 3
    assert Inquiry(pl.DataFrame(_votes()).to_arrow()).counts()["votes"] == 3


def test_as_of_and_with_votes():
    inq = Inquiry(_votes(time=[1_000, 2_000, 3_000]))
    early = inq.as_of("1970-01-01T00:00:02Z")
    assert early.counts()["votes"] == 2
    more = inq.with_votes(
        {"participant_id": [4], "statement_id": [11], "vote": [1], "time": [4_000]}
    )
    assert more.counts()["votes"] == 4
    with pytest.raises(ValidationError, match="unknown statement 99"):
        inq.with_votes({"participant_id": [4], "statement_id": [99], "vote": [1]})
    assert inq.counts()["votes"] == 3  # the original is untouched


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(
        st.tuples(st.integers(0, 4), st.integers(10, 12), st.sampled_from([-1, 0, 1])),
        min_size=2,
        max_size=30,
    ),
    cut=st.integers(1, 29),
)
def test_with_votes_equals_the_inquiry_of_the_whole_log(
    events: list[tuple[int, int, int]], cut: int
) -> None:
    # the live view grows its inquiry by new events without checking the old ones again;
    # what it holds must be what the whole log gives (new voters added, ids unified)
    log = {
        "participant_id": [e[0] for e in events],
        "statement_id": [e[1] for e in events],
        "vote": [e[2] for e in events],
        "time": list(range(len(events))),
    }
    statements = {"statement_id": [10, 11, 12]}
    people = {"participant_id": [0, 1, 2]}
    cut = min(cut, len(events) - 1)
    head = {k: v[:cut] for k, v in log.items()}
    tail = {k: v[cut:] for k, v in log.items()}
    grown = Inquiry(head, statements, people).with_votes(tail)
    whole = Inquiry(log, statements, people)
    for part in ("vote_log", "votes", "statements"):
        assert getattr(grown, part).equals(getattr(whole, part)), part
    # voters added in two steps are listed in the order they came
    assert grown.participants.sort("participant_id").equals(whole.participants)


def test_with_tables_checks_the_new_tables_only_once_and_refuses_bad_ones():
    inq = Inquiry(_votes()).with_tables(
        ratings={"participant_id": [1], "item_id": [1], "rating": [4]}
    )
    more = inq.with_tables(estimates={"participant_id": [2], "question_id": [1], "value": ["7"]})
    assert more.tables["ratings"].equals(inq.tables["ratings"])
    assert more.tables["estimates"]["value"].dtype == pl.Float64
    assert more.votes.equals(inq.votes)
    with pytest.raises(ValidationError, match="estimates"):
        inq.with_tables(estimates={"participant_id": [2], "question_id": [1], "value": ["x"]})


def test_counts_and_moderation():
    inq = Inquiry(
        _votes(vote=[1, 1, -1]),
        statements={
            "statement_id": [10, 11, 12],
            "moderation": [1, -1, 0],
            "is_meta": [False, False, True],
        },
    )
    c = inq.counts()
    assert c == {
        "participants": 3,
        "voters": 3,
        "statements": 3,
        "votes": 3,
        "vote_events": 3,
        "agree": 2,
        "disagree": 1,
        "pass": 0,
        "moderated_out": 2,
    }
    assert "3 participants" in repr(inq)
    assert "<table>" in inq._repr_html_()


def test_empty_inquiry_is_allowed():
    inq = Inquiry()
    assert inq.counts()["votes"] == 0
    assert inq.statements.height == 0


def test_fingerprint_changes_with_data():
    a = Inquiry(_votes())
    b = Inquiry(_votes(vote=[1, -1, 1]))
    assert a.fingerprint == Inquiry(_votes()).fingerprint
    assert a.fingerprint != b.fingerprint


def test_counts_and_repr_see_everyone_who_answered_anything() -> None:
    # two voted; a third only gave an estimate; a fourth is only listed with attributes
    inq = Inquiry(_votes(vote=[1, 1, -1])).with_tables(
        estimates={"participant_id": [99], "question_id": [1], "value": [2.0]},
        participants={"participant_id": [1000], "age": ["18-24"]},
    )
    voters = inq.counts()["voters"]
    assert inq.counts()["participants"] == voters + 1
    assert f"{voters + 1} participants" in repr(inq)
    assert "estimates (1)" in repr(inq)
    assert "\n" not in repr(inq)


def test_fingerprint_survives_a_parquet_round_trip(tmp_path) -> None:
    # same values, stored and read back (other buffers, other table order): same fingerprint
    from coprod_analytics import read_parquet, sample_inquiry, write_parquet

    inq = sample_inquiry()
    write_parquet(inq, tmp_path / "inq")
    back = read_parquet(tmp_path / "inq")
    assert back.fingerprint == inq.fingerprint
    # and a real change is seen
    changed = back.with_tables(questions=back.tables["questions"].head(3))
    assert changed.fingerprint != inq.fingerprint
