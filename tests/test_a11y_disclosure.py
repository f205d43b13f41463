"""Folded report sections open with the keyboard alone (issue 16), in the Voila report served
in Arabic, in Debian's headless Chromium: Tab reaches each section's button (a real
``<button aria-expanded aria-controls>``), Enter and Space open it and show the part it
controls; the page is ``<html lang="ar" dir="rtl">`` with translated buttons and title, and
axe-core finds no serious or critical violation on it."""

from __future__ import annotations

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
from browser import launch, require_chromium, until
from test_a11y_pages import RENDER_MS, SAMPLE, axe_violations, voila_report_ready
from test_a11y_participant import axe_source

pytestmark = [pytest.mark.browser, pytest.mark.slow]

FOCUSED = """() => { const b = document.activeElement;
  return b && b.classList.contains('coprod-disclosure-button')
    ? {expanded: b.getAttribute('aria-expanded'), controls: b.getAttribute('aria-controls'),
       text: b.textContent} : null; }"""
SHOWN = """(id) => { const el = document.getElementById(id);
  return !!el && el.getClientRects().length > 0; }"""


@pytest.fixture(scope="module")
def arabic_report_url() -> Iterator[str]:
    require_chromium()
    from coprod_apps.launcher import start_voila
    from coprod_apps.report_app import INPUT_ENV, LANG_ENV, MIN_CELL_ENV, report_notebook_path

    env = {INPUT_ENV: str(SAMPLE), MIN_CELL_ENV: "5", LANG_ENV: "ar"}
    server = start_voila(report_notebook_path(), env=env)
    yield server.url
    server.stop()


def tab_to_folded_button(page: Any) -> dict[str, Any]:
    """Press Tab until a folded section's button has the focus (keyboard only)."""
    for _ in range(400):
        page.keyboard.press("Tab")
        got = page.evaluate(FOCUSED)
        if got and got["expanded"] == "false":
            return dict(got)
    pytest.fail("Tab never reached a folded section's button")


def test_folded_sections_open_with_the_keyboard_in_arabic(arabic_report_url: str) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(arabic_report_url, timeout=RENDER_MS)
            voila_report_ready(page)
            until(lambda: page.evaluate("() => document.documentElement.dir") == "rtl", "rtl", 120)
            assert page.evaluate("() => document.documentElement.lang") == "ar"
            # the page's title and landmark in Arabic too
            until(lambda: page.title() == "تقرير الاستشارة: مجموعات الرأي والإجماع", "title", 120)
            assert page.locator(
                "main[aria-label='تقرير الاستشارة: مجموعات الرأي والإجماع']"
            ).count()
            page.wait_for_selector("button.coprod-disclosure-button[aria-controls]")
            texts = page.locator("button.coprod-disclosure-button").all_text_contents()
            assert any("نظرة أولى" in t for t in texts), texts  # "First look", translated
            for key in ("Enter", " "):
                first = tab_to_folded_button(page)
                assert first["controls"]
                assert not page.evaluate(SHOWN, first["controls"])
                page.keyboard.press(key)
                until(
                    lambda: (page.evaluate(FOCUSED) or {}).get("expanded") == "true",
                    f"the section to open with {key!r}",
                    120,
                )
                until(partial(page.evaluate, SHOWN, first["controls"]), "the section shown", 120)
            # right to left, with two sections open: still no serious or critical violation
            assert axe_violations(page, axe_source()) == []
        finally:
            page.close()
            browser.close()
