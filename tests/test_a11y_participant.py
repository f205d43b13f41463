"""Everyone in the room, on the participant's phone page (issue 16), in Debian's headless
Chromium: axe-core (shipped by the ``axe-playwright-python`` wheel, injected with Playwright)
finds no serious or critical WCAG 2.2 violation in any activity state; a keyboard alone casts a
vote and saves an answer with a visible focus; every control is at least 44 x 44 px; a 320 px
wide viewport (a 640 px screen at 200% zoom) never scrolls sideways; landmarks are labelled,
there is one h1 and a title that says what the page is; acknowledgements are announced; chosen
things are marked by more than colour. Low bandwidth and offline (the first load's bytes, the
page usable within 3 s on Chromium's "Slow 3G" profile, no request to another host) are
checked in ``tests/test_slow3g_participant.py``.

One ``coprod serve`` and one browser for the module; each test is a new phone."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from browser import PHONE, coprod_serve, launch, require_chromium
from test_live_phone import FOLDER as KINDS_FOLDER
from test_live_phone import STATEMENTS
from test_live_priorities_phone import FOLDER as PRIORITY_FOLDER
from test_live_priorities_phone import POINTS

from coprod_analytics.session import SessionStore
from coprod_analytics.session.activities import activities_from_folder

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: The tabs of the seeded session: every kind of activity the page draws.
TABS = [
    "Agree or disagree", "About you", "Weigh the evidence", "Ratings", "Questions",
    "Quick poll", "Spend the budget", "Share your points", "Which is better", "Put them in order",
    "Your ideas",
]  # fmt: skip
INTERACTIVE = "button, input, select, textarea, summary, a[href], [role=button], [tabindex]"


def axe_source() -> str:
    """axe-core's script, as the ``axe-playwright-python`` wheel ships it."""
    try:
        import axe_playwright_python
    except ImportError:  # pragma: no cover - the test extra installs it
        from conftest import fail_or_skip

        fail_or_skip("axe-core is missing: pip install axe-playwright-python (the test extra)")
        raise
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text("utf-8")


def seed(db: Path, folder: Path) -> None:
    """A session with statements and every kind of activity open."""
    folder.mkdir()
    for name, text in {**KINDS_FOLDER, **PRIORITY_FOLDER}.items():
        (folder / name).write_text(text)
    with SessionStore(db, title="Riverside inquiry") as s:
        s.add_statements(STATEMENTS)
        statements = {"activity_id": "statements", "kind": "statements", "items": [],
                      "title": "Agree or disagree"}  # fmt: skip
        defs = [statements, *activities_from_folder(folder), POINTS]
        s.define_activities([{**d, "open": True} for d in defs])


@dataclass
class Served:
    url: str
    db: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    require_chromium()
    tmp = tmp_path_factory.mktemp("a11y")
    db = tmp / "s.db"
    seed(db, tmp / "inquiry")
    with coprod_serve(db, dashboard=False) as urls:
        yield Served(urls["participant"], db)


@pytest.fixture(scope="module")
def browser(served: Served) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


@pytest.fixture(scope="module")
def axe() -> str:
    return axe_source()


class Phone:
    def __init__(self, browser: Any, url: str, *, query: str = "", **context: Any) -> None:
        self.context = browser.new_context(**{**PHONE, **context})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.goto(url + query)

    def ready(self) -> None:
        self.page.wait_for_selector("#tabs:not([hidden])")

    def tab(self, title: str) -> None:
        nav = self.page.locator("#tabs")  # its name is translated
        nav.get_by_role("button", name=re.compile(re.escape(title))).click()
        self.page.wait_for_function(
            "t => [document.getElementById('activity-h'), document.getElementById('statements-h')]"
            ".some(h => !h.closest('[hidden]') && h.textContent.startsWith(t))",
            arg=title,
        )

    def axe(self, source: str) -> list[dict[str, Any]]:
        """axe-core's serious and critical violations on the page as it is now."""
        if not self.page.evaluate("() => typeof window.axe === 'object'"):
            self.page.evaluate(source)  # through the DevTools protocol: the page's CSP allows it
        result = self.page.evaluate("async () => await axe.run(document)")
        assert len(result["passes"]) > 20, "axe-core did not check the page"
        return [
            {"id": v["id"], "impact": v["impact"], "nodes": [n["html"] for n in v["nodes"]][:3]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]


@pytest.fixture
def phone(browser: Any, served: Served) -> Iterator[Phone]:
    p = Phone(browser, served.url)
    p.ready()
    yield p
    p.context.close()
    assert p.errors == [], p.errors


def test_tabs_cover_every_kind(phone: Phone) -> None:
    names = phone.page.get_by_role("navigation").get_by_role("button").all_inner_texts()
    for title in TABS:
        assert any(n.startswith(title) for n in names), (title, names)


# ---------------------------------------------------------------- axe-core, every state
def test_axe_no_serious_violation_in_any_activity_state(phone: Phone, axe: str) -> None:
    from playwright.sync_api import expect

    page = phone.page
    found: dict[str, list[dict[str, Any]]] = {}
    found["first view (about you)"] = phone.axe(axe)
    for title in TABS:
        phone.tab(title)
        found[title] = phone.axe(axe)
    # after answering: a vote acknowledged, the "your votes" list open, a saved rating
    phone.tab("Agree or disagree")
    page.get_by_role("button", name="Agree", exact=True).click()
    expect(page.locator("#status")).to_have_text("Vote counted.")
    page.locator("#my-votes summary").click()
    found["after a vote"] = phone.axe(axe)
    phone.tab("Ratings")
    card = page.locator("section.item").first
    card.get_by_label("5").check()
    card.get_by_role("button", name="Save").click()
    expect(card.locator(".item-status")).to_have_text("Saved ✓")
    found["after saving"] = phone.axe(axe)
    # an answer that could not be checked: the error on the card
    phone.tab("Questions")
    est = page.locator("section.item").first
    est.get_by_label("Your estimate").fill("many")
    est.get_by_role("button", name="Save").click()
    expect(est.locator(".item-status")).to_contain_text("Type a number")
    found["error on a card"] = phone.axe(axe)
    # offline: the queue notice and the page's own error line
    phone.context.set_offline(True)
    phone.tab("Ratings")
    card = page.locator("section.item").nth(1)
    card.get_by_label("3").check()
    card.get_by_role("button", name="Save").click()
    expect(page.locator("#queue")).to_contain_text("1 answer waiting to be sent")
    expect(page.locator("#status")).to_contain_text("No connection", timeout=30_000)
    found["offline"] = phone.axe(axe)
    phone.context.set_offline(False)
    expect(page.locator("#queue")).to_be_hidden(timeout=30_000)
    # right to left
    page.select_option("#lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    found["arabic"] = phone.axe(axe)
    assert {k: v for k, v in found.items() if v} == {}


def test_axe_join_form_and_waiting(browser: Any, axe: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    db = tmp_path / "quiet.db"
    with SessionStore(db, title="Quiet room") as s:
        # an agenda with nothing open yet: the phone waits for the facilitator
        s.define_activities([{"activity_id": "r", "kind": "ratings", "title": "Later",
                              "open": False, "items": [{"item_id": 1, "text": "How?"}]}])  # fmt: skip
    with coprod_serve(db, "--join-code", "ABCD", dashboard=False) as urls:
        p = Phone(browser, urls["participant"].split("#")[0])  # without the code in the QR
        try:
            page = p.page
            expect(page.locator("#join")).to_be_visible()
            expect(page.locator("#join-code")).to_be_focused()
            assert p.axe(axe) == []
            page.locator("#join-code").fill("ABCD")
            page.keyboard.press("Enter")
            expect(page.locator("#join")).to_be_hidden()
            expect(page.locator("#waiting")).to_be_visible()
            assert p.axe(axe) == []
            assert p.errors == []
        finally:
            p.context.close()


# ---------------------------------------------------------------- beyond axe
def focus_ring(page: Any) -> dict[str, Any]:
    """The focused control and the outline drawn for it (on the option box for radios)."""
    return page.evaluate(
        """() => {
          const el = document.activeElement;
          const drawn = el.type === 'radio' ? el.nextElementSibling : el;
          const s = getComputedStyle(drawn);
          return {tag: el.tagName, text: (el.textContent || el.value || '').trim(),
                  label: el.getAttribute('aria-label') || '', type: el.type || '',
                  visible: el.matches(':focus-visible'),
                  outline: s.outlineStyle, width: parseFloat(s.outlineWidth)};
        }"""
    )


def tab_to(page: Any, check: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
    """Press Tab until the focused control passes ``check``; every stop shows its focus."""
    for _ in range(80):
        page.keyboard.press("Tab")
        ring = focus_ring(page)
        if ring["tag"] != "BODY":
            assert ring["visible"] and ring["outline"] != "none" and ring["width"] >= 2, ring
        if check(ring):
            return ring
    pytest.fail(f"Tab never reached {what}")


def test_keyboard_alone_casts_a_vote_and_saves_an_answer(phone: Phone) -> None:
    from playwright.sync_api import expect

    page = phone.page
    tab_to(page, lambda r: r["text"].startswith("Agree or disagree"), "the statements tab")
    page.keyboard.press("Enter")
    expect(page.locator("#statements")).to_be_visible()
    first = page.locator("#statement").inner_text()
    tab_to(page, lambda r: r["text"] == "Agree", "the Agree button")
    page.keyboard.press("Space")
    # the acknowledgement is announced: it lands in a polite live region
    expect(page.locator("#status")).to_have_text("Vote counted.")
    assert page.locator("#status").get_attribute("aria-live") == "polite"
    expect(page.locator("#statement")).not_to_have_text(first)

    page.evaluate("() => document.activeElement.blur()")
    tab_to(page, lambda r: r["text"].startswith("Ratings"), "the ratings tab")
    page.keyboard.press("Enter")
    expect(page.locator("#activity-h")).to_have_text("Ratings")
    tab_to(page, lambda r: r["type"] == "radio", "the first rating")
    page.keyboard.press("Space")
    card = page.locator("section.item").first
    expect(card.get_by_role("radio").first).to_be_checked()
    tab_to(page, lambda r: r["text"] == "Save", "Save")
    page.keyboard.press("Enter")
    status = card.locator(".item-status")
    expect(status).to_have_text("Saved ✓")
    assert status.get_attribute("aria-live") == "polite"


def small_targets(page: Any) -> list[dict[str, Any]]:
    """Visible interactive elements under 44 x 44 CSS px."""
    return page.evaluate(
        """sel => Array.from(document.querySelectorAll(sel)).filter(el => {
              if (el.closest('[hidden]') || el.getClientRects().length === 0) return false;
              const r = el.getBoundingClientRect();
              return r.width < 43.5 || r.height < 43.5;
           }).map(el => ({html: el.outerHTML.slice(0, 120),
                          w: el.getBoundingClientRect().width,
                          h: el.getBoundingClientRect().height}))""",
        INTERACTIVE,
    )


def test_touch_targets_at_least_44_px(phone: Phone) -> None:
    from playwright.sync_api import expect

    page = phone.page
    found = {"first view": small_targets(page)}
    for title in TABS:
        phone.tab(title)
        found[title] = small_targets(page)
    phone.tab("Agree or disagree")
    page.get_by_role("button", name="Agree", exact=True).click()
    expect(page.locator("#my-votes")).to_be_visible()
    page.locator("#my-votes summary").click()
    found["your votes"] = small_targets(page)
    assert {k: v for k, v in found.items() if v} == {}


def sideways(page: Any) -> int:
    """How many CSS px the page scrolls sideways (0 when it fits)."""
    return int(
        page.evaluate(
            "() => document.scrollingElement.scrollWidth - document.scrollingElement.clientWidth"
        )
    )


@pytest.mark.parametrize("lang", ["en", "pl", "ar"])
def test_zoom_200_percent_never_scrolls_sideways(browser: Any, served: Served, lang: str) -> None:
    # 200% zoom on a 640 px wide screen: 320 CSS px at twice the pixels
    p = Phone(
        browser,
        served.url,
        query=f"?lang={lang}",
        viewport={"width": 320, "height": 640},
        device_scale_factor=2,
    )
    try:
        p.ready()
        found = {"first view": sideways(p.page)}
        # every open activity's tab, by the title it shows (default titles are translated)
        titles = p.page.locator("#tabs button > span:first-child").all_inner_texts()
        assert len(titles) == len(TABS), titles
        for title in titles:
            p.tab(title)
            found[title] = sideways(p.page)
        assert {k: v for k, v in found.items() if v > 0} == {}
        assert p.errors == []
    finally:
        p.context.close()


def test_landmarks_one_h1_title_and_marks_beyond_colour(phone: Phone) -> None:
    from playwright.sync_api import expect

    page = phone.page
    expect(page).to_have_title("Riverside inquiry — have your say")
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == "Riverside inquiry"
    expect(page.get_by_role("main", name="Riverside inquiry")).to_have_count(1)
    expect(page.get_by_role("navigation", name="Open activities")).to_have_count(1)
    expect(page.get_by_role("banner", name="Language")).to_have_count(1)
    expect(page.get_by_role("combobox", name="Language")).to_be_visible()
    assert page.locator("#status").get_attribute("role") == "status"
    # the open tab is underlined, not only filled
    current = page.locator(".tab[aria-current='true']")
    assert current.evaluate("el => getComputedStyle(el).textDecorationLine") == "underline"
    # a chosen option and a pressed vote carry a check mark
    phone.tab("Ratings")
    card = page.locator("section.item").first
    card.get_by_label("4").check()
    mark = card.locator(".option input:checked + span").evaluate(
        "el => getComputedStyle(el, '::before').content"
    )
    assert "✓" in mark
    phone.tab("Agree or disagree")
    page.get_by_role("button", name="Disagree", exact=True).click()
    expect(page.locator("#my-votes")).to_be_visible()
    page.locator("#my-votes summary").click()
    pressed = page.locator("#my-votes-list button[aria-pressed='true']").first
    assert "✓" in pressed.evaluate("el => getComputedStyle(el, '::before').content")
