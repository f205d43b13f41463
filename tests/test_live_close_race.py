"""A close committed by another process stops answers and votes at once: the server's
writer reads the log inside its write transaction, so no answer or vote committed after the
close is accepted, without waiting for the server's next poll of the log."""

from __future__ import annotations

from pathlib import Path

from test_live_hardening import http, serving

from coprod_analytics.session import SessionStore, read_events
from coprod_apps.live.server import LiveServer

RATINGS = {
    "activity_id": "ratings",
    "kind": "ratings",
    "open": True,
    "items": [{"item_id": 1, "text": "Buses", "scale_min": 1, "scale_max": 5}],
}
#: the server would only notice a close on its own after an hour
SLOW_POLL = 3600.0


def _db(tmp_path: Path) -> Path:
    db = tmp_path / "s.db"
    with SessionStore(db) as s:
        s.add_statements(["Buses should run later.", "Parks need lights."])
        s.define_activities([RATINGS, {"activity_id": "statements", "kind": "statements",
                                       "items": [], "open": True}])  # fmt: skip
    return db


async def _join(port: int) -> str:
    status, data = await http(port, "POST", "/api/join", {})
    assert status == 200, data
    return str(data["token"])


def _answers_after(db: Path, seq: int) -> list[str]:
    ev = read_events(db, since=seq)
    return [k for k in ev.get_column("kind").to_list() if k in ("answer", "vote")]


def test_an_activity_closed_elsewhere_refuses_the_next_answer_at_once(tmp_path: Path) -> None:
    db = _db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        assert srv.config.poll_interval == SLOW_POLL
        token = await _join(port)
        body = {"activity_id": "ratings", "item_id": 1, "rating": 4, "key": "a1"}
        status, data = await http(port, "POST", "/api/answer", body, token=token)
        assert status == 200, data
        with SessionStore(db) as other:  # the facilitator, another connection
            other.close_activity("ratings")
            closed_at = other.state().last_seq
        # the server has not polled: its own state still says open...
        assert srv.rules.state.activities["ratings"].is_open
        status, data = await http(
            port, "POST", "/api/answer", {**body, "rating": 2, "key": "a2"}, token=token
        )
        assert status == 403 and data["code"] == "activity_closed", data
        assert _answers_after(db, closed_at) == []

    serving(db, test, poll_interval=SLOW_POLL)


def test_a_session_closed_elsewhere_refuses_the_next_vote_at_once(tmp_path: Path) -> None:
    db = _db(tmp_path)

    async def test(srv: LiveServer, port: int) -> None:
        token = await _join(port)
        vote = {"statement_id": 0, "vote": 1, "key": "v1"}
        status, data = await http(port, "POST", "/api/vote", vote, token=token)
        assert status == 200, data
        with SessionStore(db) as other:
            other.close_session()
            closed_at = other.state().last_seq
        assert srv.rules.state.is_open
        status, data = await http(
            port, "POST", "/api/vote", {**vote, "vote": -1, "key": "v2"}, token=token
        )
        assert status == 403 and data["code"] == "closed", data
        status, data = await http(
            port,
            "POST",
            "/api/answer",
            {"activity_id": "ratings", "item_id": 1, "rating": 3, "key": "a3"},
            token=token,
        )
        assert status == 403 and data["code"] == "closed", data
        assert _answers_after(db, closed_at) == []
        # reopened elsewhere: taken again (the gate follows the log both ways)
        with SessionStore(db) as other:
            other.reopen_session()
        status, data = await http(
            port, "POST", "/api/vote", {**vote, "vote": -1, "key": "v4"}, token=token
        )
        assert status == 200, data

    serving(db, test, poll_interval=SLOW_POLL)


def test_a_new_delphi_round_elsewhere_refuses_a_late_round_one_answer(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with SessionStore(db) as s:
        s.define_activities(
            [
                {
                    "activity_id": "questions",
                    "kind": "questions",
                    "open": True,
                    "items": [{"item_id": 1, "text": "How many buses?", "type": "estimate"}],
                }
            ]
        )

    async def test(srv: LiveServer, port: int) -> None:
        token = await _join(port)
        with SessionStore(db) as other:
            other.next_round("questions")
        # validated against round 1 by the server, refused by the writer: round 2 began
        body = {"activity_id": "questions", "item_id": 1, "value": 40, "key": "q1"}
        status, data = await http(port, "POST", "/api/answer", body, token=token)
        assert status == 403 and data["code"] == "round_changed", data

    serving(db, test, poll_interval=SLOW_POLL)
