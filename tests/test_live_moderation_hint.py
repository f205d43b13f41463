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
