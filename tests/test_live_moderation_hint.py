"""The moderation queue says when a submitted statement looks like one already there."""

from __future__ import annotations

from pathlib import Path

from coprod_analytics.session import SessionStore
from coprod_widgets.session.views import LiveDashboard


def test_a_near_duplicate_submission_is_flagged_in_the_queue(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with SessionStore(db, title="Travel") as store:
        ids = store.add_statements(["More buses on Sundays", "Plant trees on the High Street"])
        store.set_setting("moderate_submissions", True)
        who = store.join()
        store.submit_statement(who, "more buses on sundays!", key="k1")
        store.submit_statement(who, "A new cycle lane to the station", key="k2")
    board = LiveDashboard(db)
    labels = [row.children[0].value for row in board.queue_box.children]
    assert len(labels) == 2
    flagged = next(t for t in labels if t.startswith("more buses"))
    assert f"looks like #{ids[0]}" in flagged
    fresh = next(t for t in labels if t.startswith("A new cycle"))
    assert "looks like" not in fresh


def test_the_queue_is_redrawn_only_when_it_changes(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    with SessionStore(db, title="Travel") as store:
        store.add_statements(["More buses on Sundays", "Plant trees on the High Street"])
        store.set_setting("moderate_submissions", True)
        who = store.join()
        store.submit_statement(who, "A new cycle lane", key="k1")
    board = LiveDashboard(db)
    first = board.queue_box.children
    with SessionStore(db) as store:
        store.record_vote(who, 1, 1, key="v1")  # a vote changes the counts, not the queue
    assert board.refresh()
    assert board.queue_box.children is first
    with SessionStore(db) as store:
        store.submit_statement(who, "Another idea", key="k2")
    assert board.refresh()
    assert len(board.queue_box.children) == 2
