"""The participant page in seven languages (issue 16): the gettext catalogs are complete (a
message missing, empty or fuzzy in any language fails), keep every {placeholder} and plural
form, and the scripts the page loads are generated from them as they are now; in Debian's
headless Chromium the page follows ?lang=, the browser's languages and its own switcher
(remembered), shows translated labels in every language, lays Arabic out right to left, keeps
user text in its own direction, and formats numbers for the language.

One ``coprod serve`` and one browser for the module (browser tests); the catalog tests need
neither."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import PHONE, coprod_serve, launch, require_chromium

from coprod_analytics.errors import ValidationError
from coprod_analytics.session import SessionStore
from coprod_apps.live import i18n
from coprod_apps.live.i18n import (
    LANGUAGES,
    catalog_script,
    extract_messages,
    missing_translations,
    page_catalogs,
    read_catalog,
    script_name,
)

TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")


# ---------------------------------------------------------------- the catalogs
def test_the_page_has_messages_to_translate() -> None:
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in extract_messages() if m.id}
    # from the scripts, the HTML (data-t, data-t-aria) and plural calls alike
    assert {"Agree", "Saved ✓", "Language", "Open activities", "Your rating"} <= ids
    assert "Answers from {n} person (yours included)." in ids
    assert len(ids) > 120


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_complete_and_not_fuzzy(lang: str) -> None:
    assert missing_translations(lang) == []
    assert not any(m.fuzzy for m in read_catalog(lang) if m.id)


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_every_placeholder(lang: str) -> None:
    bad = []
    cat = read_catalog(lang)
    for m in cat:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        want = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for s in strings:
            if set(PLACEHOLDER.findall(s)) != want:
                bad.append((ids[0], s))
        if isinstance(m.id, tuple):
            assert len(strings) == cat.num_plurals, (lang, m.id)
    assert bad == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_are_text_not_python_literals(lang: str) -> None:
    # a fill script once wrote a dict of every language's text as the translation
    bad = [
        (m.id, s)
        for m in read_catalog(lang)
        if m.id
        for s in (m.string if isinstance(m.string, tuple) else (m.string,))
        if s.lstrip().startswith(("{'", '{"', "['")) or "': '" in s
    ]
    assert bad == []


@pytest.mark.parametrize("lang", TRANSLATED)
def test_default_activity_titles_are_translated(lang: str) -> None:
    # the titles the server gives activities without one of their own are shown translated
    script = (i18n.STATIC_DIR / "participant.js").read_text("utf-8")
    cat = read_catalog(lang)
    for title in ("Weigh the evidence", "Spend the budget", "Map your area", "Your ideas"):
        assert f'case "{title}": return t("{title}");' in script
        assert cat[title].string and cat[title].string != title, (lang, title)


def test_a_missing_or_fuzzy_message_is_found(tmp_path: Path) -> None:
    src = i18n.LOCALE_DIR / "es" / "LC_MESSAGES" / "participant.po"
    dst = tmp_path / "es" / "LC_MESSAGES" / "participant.po"
    dst.parent.mkdir(parents=True)
    text = src.read_text("utf-8")
    text = text.replace('msgstr "De acuerdo"', 'msgstr ""', 1)
    text = text.replace('msgid "Vote counted."', '#, fuzzy\nmsgid "Vote counted."', 1)
    dst.write_text(text, "utf-8")
    assert missing_translations("es", locale_dir=tmp_path) == ["Agree", "Vote counted."]
    with pytest.raises(ValidationError, match="The 'lang' parameter must be one of"):
        missing_translations("de")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_generated_scripts_are_up_to_date(lang: str) -> None:
    path = i18n.STATIC_DIR / script_name(lang)
    assert path.exists(), f"run: python -m coprod_apps.live.i18n ({path.name} is missing)"
    assert path.read_text("utf-8") == catalog_script(page_catalogs()[lang]), (
        f"{path.name} is older than its .po file: run python -m coprod_apps.live.i18n"
    )
    # the server's static route serves participant-<letters>.js only
    assert re.fullmatch(r"participant(?:-[a-z]+)?\.(?:js|css)", path.name)


def test_numbers_formatted_with_babel() -> None:
    assert i18n.format_number(3.5, "pl") == "3,5"
    assert i18n.format_percent(0.7, "fr") == "70\xa0%"
    assert i18n.negotiate("cy-GB,cy;q=0.9,en;q=0.8") == "cy"
    assert i18n.negotiate("zh-HK") == "zh_Hant"
    assert i18n.negotiate("zh-CN") == "en"  # no Simplified Chinese catalog


# ---------------------------------------------------------------- in the browser
@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    db = tmp_path_factory.mktemp("i18n") / "s.db"
    with SessionStore(db, title="Riverside inquiry") as s:
        s.add_statements(["Buses should run every ten minutes."])
        s.define_activities(
            [
                {"activity_id": "statements", "kind": "statements", "title": "Vote",
                 "open": True, "items": []},
                {"activity_id": "q", "kind": "questions", "title": "Guess", "open": True,
                 "items": [{"item_id": 1, "text": "كم حافلة في الساعة؟ How many buses?",
                            "type": "estimate"},
                           {"item_id": 2, "text": "Bridge by 2027?", "type": "probability"}]},
            ]
        )  # fmt: skip
    with coprod_serve(db, dashboard=False) as urls:
        yield urls["participant"]


@pytest.fixture(scope="module")
def browser(served: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


def open_phone(browser: Any, url: str, **context: Any) -> tuple[Any, Any, list[str]]:
    ctx = browser.new_context(**{**PHONE, **context})
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    page.wait_for_selector("#tabs:not([hidden])")
    return ctx, page, errors


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_every_language_shows_translated_labels(browser: Any, served: str, lang: str) -> None:
    from playwright.sync_api import expect

    code = lang.replace("_", "-")
    messages = page_catalogs()[lang].messages if lang != "en" else {}

    def tr(msgid: str) -> str:
        got = messages.get(msgid, msgid)
        return got if isinstance(got, str) else got[0]

    ctx, page, errors = open_phone(browser, served + f"?lang={code}")
    try:
        html = page.locator("html")
        expect(html).to_have_attribute("lang", code)
        expect(html).to_have_attribute("dir", "rtl" if lang == "ar" else "ltr")
        expect(page).to_have_title(tr("{title} — have your say").replace("{title}",
                                                                          "Riverside inquiry"))  # fmt: skip
        expect(page.locator("label[for=lang]")).to_have_text(tr("Language"))
        assert page.get_by_role("navigation").get_attribute("aria-label") == tr("Open activities")
        page.get_by_role("navigation").get_by_role("button", name=re.compile("Vote")).click()
        buttons = page.locator("#vote .buttons button")
        expect(buttons).to_have_text([tr("Agree"), tr("Disagree"), tr("Pass / unsure")])
        page.get_by_role("navigation").get_by_role("button", name=re.compile("Guess")).click()
        card = page.locator("section.item").first
        expect(card.get_by_role("button")).to_have_text(tr("Save"))
        expect(card.locator("label").first).to_have_text(tr("Your estimate"))
        # the user's words keep their own direction
        assert card.locator("h3").get_attribute("dir") == "auto"
        if lang == "ar":
            page.screenshot(path=str(Path("/tmp/work/phone_ar.png")))
        assert errors == []
    finally:
        ctx.close()


def test_browser_language_switcher_and_memory(browser: Any, served: str) -> None:
    from playwright.sync_api import expect

    es = page_catalogs()["es"].messages
    cy = page_catalogs()["cy"].messages
    # the browser's languages (Accept-Language / navigator.languages): Welsh first
    ctx, page, errors = open_phone(browser, served, locale="cy-GB")
    try:
        expect(page.locator("html")).to_have_attribute("lang", "cy")
        expect(page.locator("label[for=lang]")).to_have_text(str(cy["Language"]))
        # the switcher names each language in itself
        names = page.locator("#lang option").all_inner_texts()
        assert names == list(LANGUAGES.values())
        page.select_option("#lang", "es")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        expect(page.locator("label[for=lang]")).to_have_text(str(es["Language"]))
        # remembered on this phone: a new visit opens in Spanish
        page.reload()
        page.wait_for_selector("#tabs:not([hidden])")
        expect(page.locator("html")).to_have_attribute("lang", "es")
        # numbers for the language: a decimal comma in Polish, typed and shown
        page.select_option("#lang", "pl")
        page.get_by_role("navigation").get_by_role("button", name=re.compile("Guess")).click()
        card = page.locator("section.item").first
        card.get_by_role("textbox").fill("1234,5")
        card.get_by_role("button", name="Zapisz").click()
        expect(card.locator(".item-status")).to_have_text("Zapisano ✓")
        expect(card.locator(".mine")).to_have_text("Twoja odpowiedź: 1234,5")
        assert errors == []
    finally:
        ctx.close()


def test_coprod_serve_lang_sets_the_page_language_and_refuses_an_unknown_one(
    tmp_path: Path,
) -> None:
    """``coprod serve --lang cy`` tells phones that have not chosen a language to use Welsh
    (``/api/session``); a language without a catalog is refused before anything starts."""
    import json
    import subprocess
    import sys
    import urllib.request

    from browser import coprod_serve

    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "coprod_analytics.cli",
            "serve",
            str(tmp_path / "x.db"),
            "--lang",
            "de",
            "--no-dashboard",
        ],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2
    assert "lang" in bad.stderr and "zh_Hant" in bad.stderr
    assert not (tmp_path / "x.db").exists()
    with coprod_serve(tmp_path / "s.db", "--lang", "cy-GB", dashboard=False) as urls:
        with urllib.request.urlopen(urls["participant"] + "api/session") as resp:
            assert json.load(resp)["lang"] == "cy"


def test_the_page_is_sent_in_its_language_before_any_script_runs(served: str) -> None:
    """The raw HTTP body (no script run): ``<html lang dir>`` is the chosen language's, from
    the browser's ``Accept-Language`` or ``?lang=``, gzipped or not."""
    import gzip
    import urllib.request

    cases = [
        ("", "ar,en;q=0.5", {}, '<html lang="ar" dir="rtl">'),
        ("?lang=ar", "en", {"Accept-Encoding": "gzip"}, '<html lang="ar" dir="rtl">'),
        ("", "zh-TW", {}, '<html lang="zh-Hant" dir="ltr">'),
        ("", "cy-GB,cy;q=0.9", {"Accept-Encoding": "gzip"}, '<html lang="cy" dir="ltr">'),
        ("", "de", {}, '<html lang="en" dir="ltr">'),
    ]
    for query, accept, extra, want in cases:
        req = urllib.request.Request(served + query, headers={"Accept-Language": accept, **extra})
        with urllib.request.urlopen(req) as resp:
            raw = resp.read()
            zipped = resp.headers.get("Content-Encoding") == "gzip"
        assert zipped == bool(extra), (query, accept)
        body = (gzip.decompress(raw) if zipped else raw).decode("utf-8")
        before_scripts = body[: body.index("<script")]
        assert re.findall(r"<html\b[^>]*>", before_scripts) == [want], (query, accept)
        assert body.startswith("<!doctype html>\n" + want), body[:80]
