"""`coprod serve --lang` sets the facilitator dashboard's language too (issue 16): the
dashboard's Voila kernel gets ``COPROD_DASHBOARD_LANG`` and its chrome is drawn in that
language, in Debian's headless Chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser import coprod_serve, launch, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]


def test_coprod_serve_lang_draws_the_dashboard_in_that_language(tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    require_chromium()
    db = tmp_path / "s.db"
    with coprod_serve(db, "--from", str(ROOT / "data" / "sample-inquiry"), "--lang", "fr") as urls:
        with sync_playwright() as pw:
            browser = launch(pw)
            try:
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.goto(urls["dashboard"])
                # the agenda's buttons and heading, in French (widgets/locale/fr dashboard.po)
                show = page.get_by_role("button", name="Afficher à l'écran")
                expect(show.first).to_be_visible(timeout=120_000)
                expect(page.get_by_text("Ordre du jour").first).to_be_visible()
                assert page.get_by_role("button", name="Show on screen").count() == 0
            finally:
                browser.close()
