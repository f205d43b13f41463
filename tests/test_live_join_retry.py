"""A phone whose join answer is lost joins once (issue 18: nothing stored twice).

The server stores the join, then the connection drops before the phone reads the answer (a
weak signal, or a worker killed with -9 after it committed). The phone retries with the key it
kept for this join -- also after a reload, the key being kept in the browser until the phone
has its token -- and the server answers with the same participant: the session counts one
person, not one per try. Debian's headless Chromium, the real ``coprod serve`` on SQLite; Playwright
lets the first join reach the server and then resets the connection.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from browser import PHONE, coprod_serve, launch, require_chromium

from coprod_analytics.session import SessionStore, read_events

pytestmark = [pytest.mark.browser]

#: Join answers lost: every try of the first page load (the phone's retries), then a reload.
LOST = 5
#: The phone's vote card, ready for a vote (the state the test waits for).
READY = "#vote:not([hidden]) button:not([disabled])"


def test_a_join_whose_answer_is_lost_is_one_participant(tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    db = tmp_path / "s.db"
    with SessionStore(db, title="Join retry") as s:
        s.add_statements(["More trees on the high street", "Fewer cars near the school"])
    seen: list[dict[str, Any]] = []

    def drop_first_answers(route: Any) -> None:
        seen.append(route.request.post_data_json)
        if len(seen) <= LOST:
            route.fetch()  # the server stores the join and answers...
            route.abort("connectionreset")  # ...but the phone never reads the answer
        else:
            route.continue_()

    with coprod_serve(db, dashboard=False) as urls, sync_playwright() as pw:
        browser = launch(pw)
        try:
            page = browser.new_context(**PHONE).new_page()
            page.route("**/api/join", drop_first_answers)
            page.goto(urls["participant"])
            # the phone gives up after its tries and says so; the participant reloads
            expect(page.locator("#status.error")).to_be_visible(timeout=60_000)
            assert len(seen) == LOST
            page.reload()
            expect(page.locator(READY).first).to_be_visible(timeout=60_000)
            page.locator(READY).first.click()  # a vote, so the participant is the phone's
            deadline = time.monotonic() + 60  # bounds a hang; the test waits for the state
            while read_events(db).filter(pl.col("kind") == "vote").height == 0:
                assert time.monotonic() < deadline, "the phone's vote never arrived"
                page.wait_for_timeout(50)
            keys = page.evaluate("() => Object.keys(localStorage)")
        finally:
            browser.close()
    assert len(seen) == LOST + 1, seen
    assert all(body == seen[0] for body in seen), seen  # every try sent the same key
    assert len(seen[0]["key"]) >= 16
    events = read_events(db)
    joins = events.filter(pl.col("kind") == "join")
    assert joins.height == 1, joins  # one person, not one per try
    assert joins["idem_key"].to_list() == [f"j:{seen[0]['key']}"]
    votes = events.filter(pl.col("kind") == "vote")
    assert votes["participant_id"].to_list() == joins["participant_id"].to_list()
    assert not any(k.startswith("coprod-joinkey-") for k in keys), keys  # forgotten once joined
