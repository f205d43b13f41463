"""The reports' chrome in seven languages (issue 16): complete catalogs in every domain of the
widgets, ``coprod export --lang`` (Arabic right to left), numbers for the language, and the
keyboard-reachable folded sections of the dashboard (their Python side)."""

from __future__ import annotations

import re

import pytest

from coprod_analytics import sample_inquiry
from coprod_analytics.cli import main as coprod
from coprod_widgets.i18n import (
    LANGUAGES,
    catalog_problems,
    domains,
    fmt_amount,
    fmt_number,
    fmt_pct,
    format_date,
    translate,
    use_language,
)
from coprod_widgets.report import build_report
from coprod_widgets.style import esc

FAST = {"opinion_groups": {"n_resamples": 0, "stability": False, "bridging": False}}


def test_every_domain_and_language_is_complete() -> None:
    # untranslated, fuzzy or placeholder-losing messages in any domain and language fail
    assert "report" in domains()
    assert catalog_problems() == []


def test_the_check_sees_a_missing_translation_and_a_lost_placeholder(tmp_path) -> None:
    import shutil

    from coprod_widgets.i18n import LOCALE_DIR

    shutil.copytree(LOCALE_DIR, tmp_path / "locale")
    po = tmp_path / "locale" / "fr" / "LC_MESSAGES" / "report.po"
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgstr "Sommaire"', 'msgstr ""')
    text = text.replace('msgstr "Groupe {name}"', 'msgstr "Groupe"')
    po.write_text(text, encoding="utf-8")
    problems = catalog_problems("report", locale_dir=tmp_path / "locale")
    assert "report/fr: untranslated: 'Contents'" in problems
    assert any(p.startswith("report/fr: placeholders ['{name}'] lost") for p in problems)


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    inquiry = sample_inquiry()
    return {lang: build_report(inquiry, lang=lang, options=FAST) for lang in LANGUAGES}


@pytest.mark.parametrize("lang", [k for k in LANGUAGES if k != "en"])
def test_each_language_shows_translated_labels(pages: dict[str, str], lang: str) -> None:
    page = pages[lang]
    tag = lang.replace("_", "-")
    assert re.search(rf'<html lang="{tag}" dir="(ltr|rtl)">', page)
    for heading in ("How this report was made", "Opinion groups", "Contents", "First look"):
        assert translate("report", heading, lang) != heading
        assert esc(translate("report", heading, lang)) in page
    # the English chrome is gone (the inquiry's own texts stay as written)
    assert ">How this report was made</h2>" not in pages[lang]
    assert "Skip to the report" not in pages[lang]
    assert ">How this report was made</h2>" in pages["en"]
    # the published-output audit still reads the translated page (no false finding)
    from coprod_widgets.report.audit import audit_report

    assert audit_report(page, min_cell=5).passed


def test_numbers_in_the_report_follow_the_language(pages: dict[str, str]) -> None:
    # the statement cards' shares: "76% agree" in English, "76 % d’accord" (no-break space)
    # in French and Spanish; the user's statements keep their own direction
    share = re.search(r"<span>(\d+)% agree", pages["en"])
    assert share is not None
    assert f"<span>{share.group(1)}\xa0% d’accord" in pages["fr"]
    assert f"<span>{share.group(1)}\xa0% de acuerdo" in pages["es"]
    assert 'class="text" dir="auto"' in pages["ar"]


def test_the_arabic_report_reads_right_to_left(pages: dict[str, str]) -> None:
    page = pages["ar"]
    assert '<html lang="ar" dir="rtl">' in page
    assert ">كيف أُعدّ هذا التقرير</h2>" in page
    assert 'aria-label="المحتويات"' in page
    assert pages["en"].startswith('<!DOCTYPE html>\n<html lang="en" dir="ltr">')


def test_coprod_export_lang(tmp_path, capsys) -> None:
    from conftest import ROOT

    out = tmp_path / "ar.html"
    args = ["export", str(ROOT / "data" / "sample-inquiry"), "-o", str(out), "--lang", "ar"]
    assert coprod([*args, "--no-stability", "--n-resamples", "0", "--no-progress"]) == 0
    page = out.read_text(encoding="utf-8")
    assert '<html lang="ar" dir="rtl">' in page
    assert ">كيف أُعدّ هذا التقرير</h2>" in page
    # a language we do not have: exit 2, one line naming the parameter, nothing written
    bad = tmp_path / "xx.html"
    assert (
        coprod(["export", str(ROOT / "data" / "sample-inquiry"), "-o", str(bad), "--lang", "xx"])
        == 2
    )
    assert "'--lang'" in capsys.readouterr().err
    assert not bad.exists()


def test_coprod_report_rejects_an_unknown_language(capsys) -> None:
    from conftest import ROOT

    assert (
        coprod(["report", str(ROOT / "data" / "sample-inquiry"), "--lang", "de", "--no-browser"])
        == 2
    )
    assert "'--lang'" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("lang", "pct", "number", "amount"),
    [
        ("en", "45.6%", "1.23e+04", "904,700"),
        ("es", "45,6\xa0%", "12.300", "904.700"),
        ("fr", "45,6\xa0%", "12\u202f300", "904\u202f700"),
        ("pl", "45,6%", "12\xa0300", "904\xa0700"),
        ("zh_Hant", "45.6%", "12,300", "904,700"),
        ("ar", "45.6%", "12,300", "904,700"),
        ("cy", "45.6%", "12,300", "904,700"),
    ],
)
def test_numbers_are_written_for_the_language(lang, pct, number, amount) -> None:
    with use_language(lang):
        assert fmt_pct(0.456, 1) == pct
        assert fmt_number(12345.6) == number
        assert fmt_amount(904700) == amount


def test_dates_are_written_for_the_language() -> None:
    import datetime as dt

    day = dt.date(2026, 12, 6)
    assert format_date(day, "en") == "Dec 6, 2026"
    assert format_date(day, "fr") == "6 déc. 2026"
    assert format_date(day, "zh_Hant") == "2026年12月6日"


def test_the_dashboard_folds_behind_real_buttons_in_the_language() -> None:
    from coprod_widgets.dashboard import ConsensusDashboard, Disclosure

    dash = ConsensusDashboard(sample_inquiry(), lang="es", bridging=False)
    folded = [c for c in dash.children if isinstance(c, Disclosure)]
    titles = [d.get_title(0) for d in folded]
    assert "Estimaciones del grupo" in titles  # the crowd panel's title, translated
    assert dash.page_language.lang == "es" and dash.page_language.dir == "ltr"
    box = next(d for d in folded if d.get_title(0) == "Estimaciones del grupo")
    assert box.body.layout.display == "none" and box.button.expanded is False
    box.button.expanded = True  # the reader presses the button (what the page sends)
    assert box.selected_index == 0 and box.body.layout.display == "flex"
    assert box.body.children and box.body.children[0] is dash.panels["crowd-estimates"]
    ar = ConsensusDashboard(sample_inquiry(), lang="ar", bridging=False)
    assert (ar.page_language.lang, ar.page_language.dir) == ("ar", "rtl")


def _voila_head(notebook, env: dict[str, str]) -> str:
    """What a Voila page sends before its first script: the raw HTTP body, no script run."""
    import urllib.request

    from coprod_apps.launcher import start_voila

    with start_voila(notebook, env=env) as server:
        body = b""
        with urllib.request.urlopen(server.url, timeout=300) as resp:
            while b"<script" not in body:
                chunk = resp.read1(4096)
                assert chunk, body[-200:]
                body += chunk
    text = body.decode("utf-8", "replace")
    return text[: text.index("<script")]


@pytest.mark.slow
def test_voila_pages_are_sent_in_their_language(tmp_path) -> None:
    # the coprod Voila template writes <html lang dir> and the title in the language the
    # app's kernel is given (coprod report --lang: COPROD_LANG; coprod serve --lang:
    # COPROD_DASHBOARD_LANG), before any script runs
    from conftest import ROOT

    from coprod_apps import app_notebook
    from coprod_apps.report_app import INPUT_ENV, LANG_ENV, report_notebook_path

    assert LANG_ENV == "COPROD_LANG"  # what coprod_apps.live.page.VoilaPageLanguage reads
    head = _voila_head(
        report_notebook_path(), {INPUT_ENV: str(ROOT / "data" / "sample-inquiry"), LANG_ENV: "ar"}
    )
    assert re.findall(r"<html\b[^>]*>", head) == ['<html lang="ar" dir="rtl">']
    title = translate("report", "Inquiry report: opinion groups and consensus", "ar")
    assert (
        f"<title>{title}</title>" in head
        and title != "Inquiry report: opinion groups and consensus"
    )
    env = {"COPROD_SESSION_DB": str(tmp_path / "s.db"), "COPROD_DASHBOARD_LANG": "cy"}
    head = _voila_head(app_notebook("live_dashboard.ipynb"), env)
    assert re.findall(r"<html\b[^>]*>", head) == ['<html lang="cy" dir="ltr">']
    assert "<title>Sesiwn fyw: dangosfwrdd yr hwylusydd</title>" in head
