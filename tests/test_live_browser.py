"""End to end in Debian's headless Chromium: a phone votes on the participant page, and the
facilitator's Voila dashboard shows the counts and the opinion map change without a reload;
statements with HTML/script show as text on both pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import PHONE, coprod_serve, launch, require_chromium

from coprod_analytics.session import NewEvent, SessionStore
from coprod_analytics.simulate import simulate_inquiry

pytestmark = [pytest.mark.browser, pytest.mark.slow]

XSS_VOTE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> Buses & trams'
XSS_QUEUE = '<b onmouseover="window.__xss=3">Late</b> <script>window.__xss=4</script> buses'


def _seed(db: Path) -> None:
    src = simulate_inquiry(40, 8, n_groups=2, seed=11)
    with SessionStore(db, title="Browser <i>test</i>") as s:
        texts = [f"Statement number {i}" for i in range(7)] + [XSS_VOTE]
        s.add_statements(texts)
        ids = {p: s.join() for p in sorted(set(src.votes["participant_id"].to_list()))}
        s.append(
            [
                NewEvent("vote", participant_id=ids[p], statement_id=sid, vote=v)
                for p, sid, v in src.votes.select("participant_id", "statement_id", "vote").rows()
            ]
        )
        s.submit_statement(ids[min(ids)], XSS_QUEUE)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    require_chromium()
    db = tmp_path / "b.db"
    _seed(db)
    with coprod_serve(db) as urls:
        yield urls


def _votes(page) -> int:  # type: ignore[no-untyped-def]
    text = page.locator(".coprod-live-votes").first.inner_text()
    return int(text.strip())


def test_phone_votes_and_dashboard_moves(served: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            dash = browser.new_page(viewport={"width": 1400, "height": 1000})
            # without the token the dashboard only offers Jupyter's login page
            base = served["dashboard"].split("?")[0]
            dash.goto(base)
            assert "/login" in dash.url and dash.locator(".coprod-live-votes").count() == 0
            dash.goto(served["dashboard"])
            dash.wait_for_selector(".coprod-live-votes", timeout=90_000)
            dash.wait_for_selector(".js-plotly-plot .scatterlayer .point", timeout=90_000)
            votes_before = _votes(dash)
            points_before = dash.locator(".js-plotly-plot .scatterlayer .point").count()
            # the submitted statement with markup waits in the queue, shown as text
            queue = dash.locator(".coprod-live-queue")
            queue.get_by_text("<script>", exact=False).wait_for(timeout=30_000)
            assert queue.locator("b").count() == 0 and queue.locator("script").count() == 0

            phone = browser.new_context(**PHONE).new_page()
            phone.goto(served["participant"])
            seen_xss = False
            for _ in range(8):
                phone.wait_for_selector("#vote:not([hidden]), #done:not([hidden])")
                if phone.locator("#done").is_visible():
                    break
                shown = phone.locator("#statement").inner_text()
                if shown == XSS_VOTE:
                    seen_xss = True
                assert phone.locator("#statement img, #statement script").count() == 0
                phone.get_by_role("button", name="Agree", exact=True).click()
                phone.wait_for_function(
                    "old => document.getElementById('statement').textContent !== old "
                    "|| !document.getElementById('done').hidden",
                    arg=shown,
                )
            assert seen_xss, "the statement with markup was never shown as text"
            assert phone.evaluate("window.__xss") is None
            assert phone.locator("#done").is_visible()

            # the dashboard updates without a reload: counts, then the opinion map
            dash.wait_for_function(
                f"() => parseInt(document.querySelector('.coprod-live-votes').textContent) "
                f">= {votes_before + 8}",
                timeout=30_000,
            )
            dash.wait_for_function(
                f"() => document.querySelectorAll('.js-plotly-plot .scatterlayer .point').length "
                f"> {points_before}",
                timeout=60_000,
            )
            assert dash.evaluate("window.__xss") is None
        finally:
            browser.close()
