"""End to end in Debian's headless Chromium (issue 19): `coprod serve` of a mapping session;
the facilitator's dashboard shows the "Community map" panel (the map of grid cells, named
for assistive technology, with its tables); a place's text waits in the moderation queue and
reaches another participant's phone only once the facilitator approves it there; present
mode draws the published cells only."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import PHONE, coprod_serve, launch, require_chromium
from test_live_map_panel import mapped_session

from coprod_analytics.session import SessionStore

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[dict[str, str], list[int]]]:
    require_chromium()
    db, ids = mapped_session(tmp_path, people=12)
    with SessionStore(db) as s:
        s.close_activity("appraisal")  # the phones show the map
    with coprod_serve(db) as urls:
        yield urls, ids


def test_the_dashboard_maps_moderates_and_presents(
    served: tuple[dict[str, str], list[int]],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    urls, _ids = served
    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            errors: list[str] = []
            dash = browser.new_page(viewport={"width": 1400, "height": 1000})
            dash.on("pageerror", lambda exc: errors.append(str(exc)))
            dash.goto(urls["dashboard"])
            panel = dash.locator(".coprod-live-panel-mapping")
            expect(panel).to_contain_text("Community map: Map your area", timeout=120_000)
            # the map: a chart named for assistive technology, with its text alternative
            chart = panel.get_by_role("figure", name="Community map (places counted in cells)")
            expect(chart).to_have_count(1, timeout=60_000)
            expect(chart.locator("svg.main-svg").first).to_be_visible()
            expect(panel.get_by_role("table", name="Needs ranked by support")).to_be_visible()
            expect(panel.get_by_role("table", name="Hotspots")).to_be_visible()
            expect(panel.locator("details.alt")).to_contain_text("Places are counted in cells")

            # a phone of someone else sees the need without its words
            phone = browser.new_context(**PHONE).new_page()
            phone.goto(urls["participant"])
            needs = phone.locator("ul.needs")
            expect(needs).to_contain_text("lighting", timeout=60_000)
            assert "Dark corner 0" not in needs.inner_text()

            # the facilitator approves the text in the moderation queue
            row = dash.locator(".coprod-live-queue-place").filter(has_text="Dark corner 0")
            expect(row).to_have_count(1, timeout=30_000)
            expect(row).to_contain_text("Place text for Map your area: need, lighting")
            row.get_by_role("button", name="Approve").click()
            expect(row).to_have_count(0, timeout=30_000)
            expect(dash.locator(".coprod-live-queue")).not_to_contain_text("Dark corner 0")
            expect(needs).to_contain_text("Dark corner 0", timeout=60_000)
            assert "Dark corner 1" not in needs.inner_text()

            # present mode: the published cells only, drawn without a script
            agenda_row = dash.locator(".coprod-agenda-row").filter(has_text="Map your area")
            agenda_row.get_by_role("button", name="Show on screen").click()
            dash.get_by_role("button", name="Present").click()
            present = dash.locator(".coprod-present")
            expect(present).to_be_visible(timeout=30_000)
            drawing = present.get_by_role("img", name="Community map: 2 cells of places")
            expect(drawing).to_have_count(1, timeout=30_000)
            n_rects: Any = drawing.locator("rect").count()
            assert n_rects == 3  # the background and the two cells of 9 people
            expect(present).not_to_contain_text("Dark corner")
            assert errors == []
        finally:
            browser.close()
