"""`coprod serve --lang` sets the facilitator dashboard's language too (issue 16): the
dashboard's Voila kernel gets ``COPROD_DASHBOARD_LANG`` and its chrome is drawn in that
language, in Debian's headless Chromium: the page's heading and explanation, the buttons, the
core's "enough data yet?" sentence and the activities' kinds in the "On screen" choice."""

from __future__ import annotations

import re
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
                # the page's one heading and its explanation, drawn by the dashboard
                # (coprod_widgets.session.intro) in French
                h1 = page.locator("h1")
                expect(h1).to_have_count(1)
                expect(h1).to_have_text("Séance en direct — vue de l'animation")
                expect(page.get_by_text("Cette page suit votre séance en direct.")).to_be_visible()
                expect(page.get_by_text("Inutile de recharger la page.")).to_be_visible()
                assert page.get_by_text("This page follows your session").count() == 0
                assert page.evaluate("document.documentElement.lang") == "fr"
                assert page.title() == "Séance en direct : tableau de bord de l'animation"
                # the core's readiness sentence, translated (widgets/core_text.py)
                ready = page.locator(".coprod-live-readiness")
                expect(ready).to_contain_text("Assez de données ?")
                expect(ready).to_contain_text(
                    re.compile(r"\d+ des 15 participants ayant voté au moins 7 fois|médiane de")
                )
                assert not re.search(r"participants with|needed before|median", ready.inner_text())
                # the kinds in the "On screen" choice, in French
                # (ipywidgets writes the options with no-break spaces)
                options = [
                    o.replace("\xa0", " ") for o in page.locator("select option").all_inner_texts()
                ]
                assert any(o.endswith("(Affirmations)") for o in options), options
                assert not any(o.endswith("(statements)") for o in options), options
                # the core's default titles too (a facilitator's own title stays as written)
                assert "D’accord ou pas d’accord (Affirmations)" in options, options
                # present mode keeps one h1 (visually hidden) for screen readers
                page.get_by_role("button", name="Présenter").click()
                expect(page.locator(".coprod-present")).to_be_visible(timeout=30_000)
                expect(page.locator("h1")).to_have_count(1)
            finally:
                browser.close()
