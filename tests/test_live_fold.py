"""The facilitator's view folds new events into its inquiry instead of re-reading the log.

Votes (most of a session's events) are appended to the inquiry the view holds; joins,
statements, moderation, settings and population answers replace only the part they change,
built from the view's state. Either way the view's inquiry must equal what
:func:`read_session` reads from the store: a property over random sessions of joins, votes
and re-votes (on a statement sent in the same read too), answers, population answers,
statements and moderation, polled at random moments.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_live_dashboard import new_session

from coprod_analytics.session import SessionStore, read_session
from coprod_analytics.session.live import LiveSession

STEP = st.one_of(
    st.tuples(st.just("join")),
    st.tuples(st.just("vote"), st.integers(0, 9), st.integers(0, 2), st.sampled_from([-1, 0, 1])),
    st.tuples(st.just("rate"), st.integers(0, 9), st.sampled_from([1, 2]), st.integers(1, 7)),
    st.tuples(st.just("submit"), st.integers(0, 9)),
    st.tuples(st.just("vote_new"), st.integers(0, 9), st.sampled_from([-1, 0, 1])),
    st.tuples(st.just("about"), st.integers(0, 9), st.sampled_from(["16-34", "35-64", "65+"])),
    st.tuples(st.just("moderate"), st.booleans()),
    st.tuples(st.just("setting"), st.booleans()),
    st.tuples(st.just("poll")),
)


def _same(live: LiveSession, db: Path) -> None:
    want = read_session(db)
    got = live.inquiry
    assert got is not None
    assert got.vote_log.equals(want.vote_log)
    assert got.votes.equals(want.votes)
    assert got.participants.equals(want.participants)
    assert got.statements.equals(want.statements)
    assert sorted(got.tables) == sorted(want.tables)
    for name, table in want.tables.items():
        assert got.tables[name].equals(table), name
    assert got.metadata == want.metadata
    assert live.counts == _counts_of(db)


def _counts_of(db: Path) -> dict[str, Any]:
    fresh = LiveSession(db, recompute_interval=1e9)
    fresh.poll()
    return fresh.counts


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(STEP, min_size=1, max_size=40))
def test_the_view_equals_a_fresh_read_after_every_poll(steps: list[tuple[Any, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "s.db"
        new_session(db)
        with SessionStore(db) as s:
            s.open_activity("ratings")
            people = [s.join() for _ in range(2)]
        live = LiveSession(db, recompute_interval=1e9)
        live.poll()
        _same(live, db)
        submitted: list[int] = []
        accepted: list[int] = []
        with SessionStore(db) as s:
            for step in steps:
                op = step[0]
                if op == "join":
                    people.append(s.join())
                elif op == "vote":
                    s.record_vote(people[step[1] % len(people)], step[2], step[3])
                elif op == "rate":
                    pid = people[step[1] % len(people)]
                    s.record_answer(pid, "ratings", step[2], {"rating": step[3]})
                elif op == "submit":
                    pid = people[step[1] % len(people)]
                    sid = s.submit_statement(pid, f"Idea {len(submitted)} from {pid}")
                    if sid is not None:
                        submitted.append(sid)
                elif op == "vote_new" and accepted:  # maybe in the same read as its approval
                    s.record_vote(people[step[1] % len(people)], accepted[-1], step[2])
                elif op == "about":
                    pid = people[step[1] % len(people)]
                    s.record_answer(pid, "population", "age_band", {"category": step[2]})
                elif op == "moderate" and submitted:
                    sid = submitted.pop(0)
                    s.moderate(sid, accept=step[1])
                    if step[1]:
                        accepted.append(sid)
                elif op == "setting":
                    s.set_setting("allow_submissions", step[1])
                elif op == "poll":
                    live.poll()
                    _same(live, db)
        live.poll()
        _same(live, db)
        assert live.inquiry is not None
        assert live.inquiry.vote_log.height == read_session(db).vote_log.height


def _count_reads(monkeypatch: Any) -> list[Any]:
    """Every call of ``read_session`` from now on (a full read of the log), noted in the list
    returned, still reading."""
    import coprod_analytics.session as session_pkg

    reads: list[Any] = []
    real = session_pkg.read_session
    monkeypatch.setattr(session_pkg, "read_session", lambda *a, **k: reads.append(a) or real(*a))
    return reads


def test_votes_alone_do_not_read_the_session_again(tmp_path: Path, monkeypatch: Any) -> None:
    # what makes the view cheap: a poll that brings only votes never re-reads the whole log
    db = tmp_path / "s.db"
    new_session(db)
    with SessionStore(db) as s:
        pids = [s.join() for _ in range(3)]
    live = LiveSession(db, recompute_interval=1e9)
    live.poll()
    reads = _count_reads(monkeypatch)
    with SessionStore(db) as s:
        for p in pids:
            s.record_vote(p, 0, 1)
    assert live.poll()
    assert reads == []
    _same(live, db)
    assert live.counts["votes"] == 3
    assert live.inquiry is not None
    assert live.inquiry.votes.filter(pl.col("statement_id") == 0).height == 3


def test_joins_statements_and_population_answers_do_not_read_the_session_again(
    tmp_path: Path, monkeypatch: Any
) -> None:
    # a room of 2,000 joins, answers "about you" and sends statements all session long: a
    # re-read of the whole log at each (seconds at 100,000 events) would stall the view
    db = tmp_path / "s.db"
    new_session(db)
    live = LiveSession(db, recompute_interval=1e9)
    live.poll()
    reads = _count_reads(monkeypatch)
    with SessionStore(db) as s:
        pids = [s.join() for _ in range(3)]
        sid = s.submit_statement(pids[0], "Open the bridge to bikes")
        assert sid is not None
        s.moderate(sid, accept=True)
        s.record_vote(pids[1], sid, 1)  # in the same read as its statement and approval
        s.record_answer(pids[2], "population", "age_band", {"category": "65+"})
        s.set_setting("allow_submissions", False)
    assert live.poll()
    assert reads == []
    _same(live, db)
    assert live.inquiry is not None
    assert live.inquiry.participants.filter(pl.col("participant_id") == pids[2])[
        "age_band"
    ].to_list() == ["65+"]
    assert live.inquiry.metadata["settings"]["allow_submissions"] is False


def test_a_table_emptied_leaves_the_inquiry_as_a_fresh_read_leaves_it_out(tmp_path: Path) -> None:
    # the only open answer rejected: a fresh read has no free_text table; nor must the view
    from test_live_dashboard_priorities import new_session as priorities_session

    db = tmp_path / "s.db"
    priorities_session(db)
    live = LiveSession(db, recompute_interval=1e9)
    live.poll()
    with SessionStore(db) as s:
        s.record_answer(s.join(), "ideas", 1, {"text": "More light by the pond"})
    live.poll()
    _same(live, db)
    assert live.inquiry is not None and live.inquiry.tables["free_text"].height == 1
    (sid,) = [r.statement_id for r in live.state.statements.values() if r.activity_id == "ideas"]
    with SessionStore(db) as s:
        s.moderate(sid, accept=False)
    live.poll()
    assert "free_text" not in read_session(db).tables
    _same(live, db)
