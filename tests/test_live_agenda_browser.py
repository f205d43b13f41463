"""End to end in Debian's headless Chromium, as a facilitator would run the sample inquiry:
`coprod serve SESSION.db --from data/sample-inquiry`, the dashboard's agenda opens the
evidence activity, a phone gets it without a reload and answers, the dashboard's agenda and
panel count the answer, present mode shows that activity alone, and closing it takes it off
the phone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import PHONE, coprod_serve, launch, require_chromium
from conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAMPLE = ROOT / "data" / "sample-inquiry"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[dict[str, str]]:
    require_chromium()
    with coprod_serve(tmp_path / "inquiry.db", "--from", str(SAMPLE)) as urls:
        yield urls


def test_the_agenda_opens_an_activity_on_the_phones_and_presents_its_result(
    served: dict[str, str],
) -> None:
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            dash = browser.new_page(viewport={"width": 1400, "height": 1000})
            dash.goto(served["dashboard"])
            row = dash.locator(".coprod-agenda-row").filter(has_text="Weigh the evidence")
            expect(row).to_have_count(1, timeout=90_000)
            expect(row.locator(".coprod-agenda-status-closed")).to_have_text("closed")

            phone = browser.new_context(**PHONE).new_page()
            phone.goto(served["participant"])
            phone.wait_for_selector("#tabs:not([hidden]), #waiting:not([hidden])")
            assert phone.get_by_role("heading", name=re.compile("Traffic counts")).count() == 0

            # the facilitator opens the evidence: the phone gets it without a reload
            row.get_by_role("button", name="Open").click()
            expect(row.locator(".coprod-agenda-status-open")).to_have_text("open", timeout=30_000)
            card = phone.locator("section.item").filter(
                has=phone.get_by_role("heading", name=re.compile("^Traffic counts"))
            )
            expect(card).to_have_count(1, timeout=30_000)
            card.get_by_role("group", name="How credible is this evidence?").get_by_label(
                "4"
            ).check()
            card.get_by_role("group", name="How relevant is it to our question?").get_by_label(
                "5"
            ).check()
            card.get_by_role("button", name="Save").click()
            expect(card.locator(".item-status")).to_have_text("Saved ✓")

            # the agenda counts the answer, within the dashboard's polling
            expect(row).to_contain_text("1 answered", timeout=30_000)

            # present mode: that activity alone, for the projector
            row.get_by_role("button", name="Show on screen").click()
            dash.get_by_role("button", name="Present").click()
            present = dash.locator(".coprod-present")
            expect(present).to_be_visible(timeout=30_000)
            expect(present).to_contain_text("Weigh the evidence")
            expect(dash.locator(".coprod-agenda")).to_be_hidden()

            # leave present mode, close the activity: it leaves the phone
            present.get_by_role("button", name="Exit").click()
            expect(dash.locator(".coprod-agenda")).to_be_visible(timeout=30_000)
            row.get_by_role("button", name="Close").click()
            expect(row.locator(".coprod-agenda-status-closed")).to_have_text(
                "closed", timeout=30_000
            )
            expect(card).to_have_count(0, timeout=30_000)
        finally:
            browser.close()
