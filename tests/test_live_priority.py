"""The live next-statement priority: a broken pipeline is logged (with its traceback) and
the server falls back to the statements with the fewest votes."""

from __future__ import annotations

import logging
import random
from pathlib import Path

import pytest

from coprod_analytics.session import NewEvent, SessionStore
from coprod_analytics.session import priority as priority_mod
from coprod_analytics.session.priority import MIN_VOTES, choose_statement, compute_priorities


def _session(tmp_path: Path, n_people: int = 8, n_statements: int = 4) -> Path:
    db = tmp_path / "s.db"
    with SessionStore(db) as store:
        store.add_statements([f"s{i}" for i in range(n_statements)])
        events = []
        for _ in range(n_people):
            pid = store.join()
            events += [
                NewEvent("vote", participant_id=pid, statement_id=s, vote=(1, -1)[(pid + s) % 2])
                for s in range(n_statements)
            ]
        store.append(events)
    return db


def test_priorities_are_computed_for_a_working_pipeline(tmp_path: Path) -> None:
    db = _session(tmp_path)
    prio = compute_priorities(str(db))
    assert set(prio) == {0, 1, 2, 3}
    assert all(p >= 0 for p in prio.values())


def test_a_broken_pipeline_is_logged_and_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    db = _session(tmp_path)

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug deep in the pipeline")

    monkeypatch.setattr("coprod_analytics.consensus.opinion_groups", broken)
    monkeypatch.setattr(priority_mod, "_previous", None)
    with caplog.at_level(logging.WARNING, logger="coprod_analytics.session.priority"):
        assert compute_priorities(str(db)) == {}
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "fewest votes" in errors[0].getMessage() and str(db) in errors[0].getMessage()
    # the traceback is attached, naming the real cause
    assert errors[0].exc_info is not None and errors[0].exc_info[0] is ZeroDivisionError
    assert "a bug deep in the pipeline" in caplog.text


def test_too_few_votes_is_not_an_error(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    db = _session(tmp_path, n_people=2, n_statements=4)  # 8 votes
    assert 8 < MIN_VOTES
    with caplog.at_level(logging.WARNING, logger="coprod_analytics.session.priority"):
        assert compute_priorities(str(db)) == {}
    assert caplog.records == []


def test_without_priorities_the_fewest_voted_statement_comes_next() -> None:
    counts = {0: 5, 1: 2, 2: 2, 3: 9}
    picks = {choose_statement([0, 1, 2, 3], counts, {}, random.Random(s)) for s in range(50)}
    assert picks == {1, 2}
    # with priorities the draw follows them instead (statement 3 dominates)
    prio = {0: 1e-6, 1: 1e-6, 2: 1e-6, 3: 1.0}
    drawn = [choose_statement([0, 1, 2, 3], counts, prio, random.Random(s)) for s in range(50)]
    assert drawn.count(3) >= 45


def test_the_server_hands_out_fewest_votes_when_priorities_are_empty(tmp_path: Path) -> None:
    from coprod_analytics.session.state import SessionState
    from coprod_apps.live.config import ServerConfig
    from coprod_apps.live.rules import SessionRules

    db = _session(tmp_path, n_people=3, n_statements=4)
    with SessionStore(db) as store:
        pid = store.join()
        store.append([NewEvent("statement", statement_id=4, text="new", value={"moderation": 1})])
        state: SessionState = store.state()

    async def write(event: NewEvent) -> int:
        return 10_000

    rules = SessionRules(state, secret=b"k", session_id="s", config=ServerConfig(), write=write)
    rules.priorities = {}  # what the server sets when compute_priorities failed
    assert rules.next_statement(pid) == {"id": 4, "text": "new"}
