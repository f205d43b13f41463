"""Tables, charts and the core's sentences in the reader's language (issue 16): a report
exported in Polish has translated column headers, trace names, hover texts and axis titles
(read from the plotly JSON in the page), the core's notes, readings and rule descriptions
are translated where the widgets show them, English stays exactly as the audit reads it, and
the participant page takes its languages and number formatting from coprod_widgets.i18n."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import polars as pl
import pytest

from coprod_analytics import sample_inquiry
from coprod_analytics.cli import main as coprod
from coprod_widgets.columns import COLUMNS, column_header
from coprod_widgets.core_text import core_text, stability_detail, statement_tag
from coprod_widgets.html import table_html
from coprod_widgets.i18n import LANGUAGES, catalog_problems, domains, translate, use_language
from coprod_widgets.report import build_report

FAST = {"opinion_groups": {"n_resamples": 0, "stability": True, "bridging": False}}
OTHER = [k for k in LANGUAGES if k != "en"]


def plotly_figures(page: str) -> list[tuple[list[dict[str, Any]], dict[str, Any]]]:
    """(data, layout) of every ``Plotly.newPlot`` call of a static page."""
    dec = json.JSONDecoder()
    out = []
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', page):
        data, end = dec.raw_decode(page, m.end())
        layout, _ = dec.raw_decode(page, page.index("{", end))
        out.append((data, layout))
    return out


def chart_texts(page: str) -> dict[str, set[str]]:
    """Trace names, hover templates and axis titles of every chart of a page."""
    got: dict[str, set[str]] = {"name": set(), "hovertemplate": set(), "axis": set()}
    for data, layout in plotly_figures(page):
        for trace in data:
            for key in ("name", "hovertemplate"):
                if isinstance(trace.get(key), str):
                    got[key].add(trace[key])
        for key, value in layout.items():
            if key.startswith(("xaxis", "yaxis")) and isinstance(value, dict):
                title = value.get("title")
                text = title.get("text") if isinstance(title, dict) else title
                if isinstance(text, str):
                    got["axis"].add(text)
    return got


def headers(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<th scope="col">([^<]*)</th>', page)]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The sample inquiry exported with ``coprod export`` in English and in Polish."""
    from conftest import ROOT

    folder = tmp_path_factory.mktemp("export")
    source = str(ROOT / "data" / "sample-inquiry")
    pages = {}
    for lang in ("en", "pl"):
        out = folder / f"report-{lang}.html"
        args = ["export", source, "-o", str(out), "--lang", lang, "--n-resamples", "0"]
        assert coprod([*args, "--no-progress"]) == 0
        pages[lang] = out.read_text(encoding="utf-8")
    return pages


def test_every_catalog_is_complete_including_the_column_headers() -> None:
    assert {"columns", "dashboard", "report"} <= set(domains())
    assert catalog_problems() == []
    for lang in OTHER:
        for column in ("agree_rate", "ci_low", "people", "group", "statement_id"):
            assert column in COLUMNS
            assert translate("columns", column, lang) != column


def test_a_polish_export_has_translated_headers_and_charts(exported: dict[str, str]) -> None:
    en, pl_page = exported["en"], exported["pl"]
    assert '<html lang="pl"' in pl_page
    # the same tables with the same number of columns, headers in Polish
    en_heads, pl_heads = headers(en), headers(pl_page)
    assert len(en_heads) == len(pl_heads) > 50
    for english in ("agree_rate", "ci_low", "statement_id", "people", "group", "credibility"):
        assert english in en_heads
        assert english not in pl_heads
    with use_language("pl"):
        assert column_header("agree_rate") in pl_heads
        assert column_header("ci_low") in pl_heads
    # names kept as they are: rules and numbers
    assert "Schulze" in pl_heads and "Borda" in pl_heads
    # charts: trace names, hover texts and axis titles, read from the plotly JSON
    en_charts, pl_charts = chart_texts(en), chart_texts(pl_page)
    assert len(plotly_figures(en)) == len(plotly_figures(pl_page)) > 10
    for english in ("Statements", "actual share", "predicted share", "log-strength", "guesses"):
        assert english in en_charts["name"]
        assert english not in pl_charts["name"]
    assert any(re.fullmatch(r"Group A \(\d+ people\)", n) for n in en_charts["name"])
    assert any(re.fullmatch(r"Grupa A \(\d+ osób\)", n) for n in pl_charts["name"])
    assert "k = %{x}: silhouette %{y:.3f}<extra></extra>" in en_charts["hovertemplate"]
    assert "k = %{x}: sylwetka %{y:.3f}<extra></extra>" in pl_charts["hovertemplate"]
    english_words = re.compile(r"\b(of participants|of voters|forecasts|answered|predicted)\b")
    assert any(english_words.search(h) for h in en_charts["hovertemplate"])
    assert not any(english_words.search(h) for h in pl_charts["hovertemplate"])
    # every hover template keeps plotly's placeholders
    placeholders = re.compile(r"%\{[^}]+\}")
    assert sorted(p for h in en_charts["hovertemplate"] for p in placeholders.findall(h)) == (
        sorted(p for h in pl_charts["hovertemplate"] for p in placeholders.findall(h))
    )


def test_the_core_sentences_are_translated_where_they_are_shown(exported: dict[str, str]) -> None:
    en, pl_page = exported["en"], exported["pl"]
    for english in (
        "Cells with fewer than 5 participants are suppressed",
        "agreement on the order",
        "Method of Equal Shares (no completion)",
        "represents Group A (",
        "chi-square goodness of fit: statistic",
        "Groups: opinion groups found from the votes",
        "participant(s) without a group were left out",
        "exact binomial test per category",
    ):
        assert english in en, english
        assert english not in pl_page, english
    with use_language("pl"):
        assert statement_tag("represents Group A (agree)") in html.unescape(pl_page)
        assert translate("report", "Method of Equal Shares (no completion)") in pl_page


def test_the_english_twin_is_what_the_audit_reads(exported: dict[str, str]) -> None:
    from coprod_widgets.report.audit import COUNT_HEADERS, audit_report

    # English headers are the column names the audit knows ("people", "n", ...)
    assert "people" in headers(exported["en"]) and "people" in COUNT_HEADERS
    assert audit_report(exported["en"], min_cell=5).passed
    assert audit_report(exported["pl"], min_cell=5).passed


@pytest.mark.parametrize("lang", OTHER)
def test_table_headers_follow_the_language(lang: str) -> None:
    frame = pl.DataFrame({"group": ["A"], "agree_rate": [0.5], "Borda": [3], "1": [1]})
    english = table_html(frame)
    assert '<th scope="col">agree_rate</th>' in english
    with use_language(lang):
        page = table_html(frame)
        assert f'<th scope="col">{html.escape(column_header("agree_rate"))}</th>' in page
    assert "agree_rate</th>" not in page and "group</th>" not in page
    assert '<th scope="col">Borda</th>' in page and '<th scope="col">1</th>' in page


def test_the_core_notes_it_matches_are_the_cores_own() -> None:
    # the patterns follow the core's f-strings: run the core and translate what it wrote
    from coprod_analytics.privacy import suppress_small_cells

    frame = pl.DataFrame({"area": ["N", "S", "E", "W"], "n": [40, 3, 30, 2]})
    note = suppress_small_cells(frame, count_column="n", min_cell=5, unit="people").note
    assert note.startswith("Cells with fewer than 5 people are suppressed (2 of 4 rows).")
    assert core_text(note) == note
    for lang in OTHER:
        with use_language(lang):
            text = core_text(note)
        assert "Cells with fewer than" not in text and "are suppressed" not in text
        assert "5" in text and "2" in text and "4" in text


def test_the_stability_detail_is_rebuilt_from_its_numbers() -> None:
    import numpy as np

    from coprod_analytics.consensus.stability import consensus_clustering

    rng = np.random.default_rng(0)
    pts = np.vstack([rng.normal(-3, 0.3, (30, 2)), rng.normal(3, 0.3, (30, 2))])
    stab = consensus_clustering(pts, ks=(2, 3), n_resamples=10, n_null=1, progress=False)
    for k in (2, 3, 4):
        assert stability_detail(stab, k) == stab.detail(k)
        with use_language("cy"):
            welsh = stability_detail(stab, k)
        assert "the split into" not in welsh and str(k) in welsh


def test_the_community_map_note_is_translated() -> None:
    from coprod_analytics.mapping import simulate_places
    from coprod_widgets.mapping.report import CommunityMapSection
    from coprod_widgets.report.context import ReportContext

    inquiry = simulate_places().inquiry()
    english = CommunityMapSection().render(ReportContext(inquiry))
    assert "map cells, hotspots and needs of fewer than 5 people" in english
    with use_language("es"):
        spanish = CommunityMapSection().render(ReportContext(inquiry))
        assert translate("report", "map cells, hotspots and needs of") in spanish
    assert "map cells, hotspots and needs of" not in spanish


def test_the_participant_page_uses_the_widgets_languages() -> None:
    import coprod_widgets.i18n as widgets_i18n
    from coprod_apps.live import i18n as page_i18n

    assert page_i18n.LANGUAGES is widgets_i18n.LANGUAGES
    assert page_i18n.negotiate is widgets_i18n.negotiate
    assert page_i18n.negotiate("cy-GB,cy;q=0.9") == "cy"
    with use_language("pl"):
        expected = widgets_i18n.fmt_pct(0.7)
    assert page_i18n.format_percent(0.7, "pl") == expected
    assert page_i18n.format_number(3.5, "pl") == "3,5"


def test_a_report_in_each_language_names_its_traces_in_it() -> None:
    inquiry = sample_inquiry()
    english = chart_texts(build_report(inquiry, lang="en", options=FAST))["name"]
    assert "Statements" in english
    for lang in ("ar", "zh_Hant"):
        names = chart_texts(build_report(inquiry, lang=lang, options=FAST))["name"]
        assert "Statements" not in names
        assert translate("report", "Statements", lang) in names


def _charts_and_html(widget: Any) -> tuple[list[Any], list[str]]:
    """Every :class:`Chart` and HTML text inside a widget tree."""
    import ipywidgets as widgets

    from coprod_widgets.chart import Chart

    charts, texts, todo = [], [], [widget]
    while todo:
        w = todo.pop()
        if isinstance(w, Chart):
            charts.append(w)
        elif isinstance(w, widgets.HTML | widgets.HTMLMath):
            texts.append(str(w.value))
        todo.extend(getattr(w, "children", ()) or ())
    return charts, texts


def test_the_dashboard_panels_draw_in_the_language() -> None:
    # the facilitator's panels draw with the same figures and tables as the report
    from coprod_widgets.families import panels

    inquiry = sample_inquiry()
    english_names = {"guesses", "actual share", "predicted share", "log-strength", "estimate"}
    seen: dict[str, tuple[set[str], list[str]]] = {}
    for lang in ("en", "pl"):
        names: set[str] = set()
        heads: list[str] = []
        with use_language(lang):
            for panel in panels():
                if not panel.applies(inquiry):
                    continue
                charts, texts = _charts_and_html(panel.build(inquiry, min_cell=5))
                for chart in charts:
                    names |= {t.name for t in chart.data if isinstance(t.name, str)}
                heads += [h for t in texts for h in headers(t)]
        seen[lang] = (names, heads)
    assert english_names <= seen["en"][0]
    assert not (seen["pl"][0] & english_names), seen["pl"][0] & english_names
    for english in ("ci_low", "item_id", "p_value", "group", "credibility", "cost"):
        assert english in seen["en"][1], english
        assert english not in seen["pl"][1], english
    assert len(seen["en"][1]) == len(seen["pl"][1])


def test_the_live_sessions_readiness_sentences_are_translated(tmp_path) -> None:
    # the dashboard's "Enough data yet?" sentence: the core's own words in each of its three
    # shapes (LiveSession.readiness, run on a real session whose counts are set to each
    # stage), then translated with every number kept
    from coprod_analytics.session import SessionStore
    from coprod_analytics.session.live import LiveSession

    db = tmp_path / "s.db"
    SessionStore(db).close()
    live = LiveSession(db)
    live.poll()
    stages = [
        ({"with_min_votes": 3}, None, "3 of the 15 participants with 7+ votes needed"),
        ({"with_min_votes": 20, "median_votes_per_statement": 12.0}, None, "median 12 of 20"),
        ({"with_min_votes": 20, "median_votes_per_statement": 25.0}, 0.5, "50% kept"),
        ({"with_min_votes": 20, "median_votes_per_statement": 31.0}, 0.95, "target 20"),
    ]
    for counts, stability, english in stages:
        live.counts = counts
        live.label_stability = stability
        message = live.readiness().message
        assert english in message, message
        assert core_text(message) == message
        numbers = sorted(re.findall(r"\d+", message))
        for lang in OTHER:
            with use_language(lang):
                text = core_text(message)
            assert text != message and not re.search(
                r"\b(of the|median|per statement|kept|needed)\b", text
            )
            assert sorted(re.findall(r"\d+", text)) == numbers, (lang, text)


def test_the_representation_statuses_are_translated() -> None:
    # every status the core writes (compare_to_population: over, under, ok, missing)
    from coprod_analytics.deliberation.representation import compare_to_population
    from coprod_widgets.core_text import representation_status

    people = pl.DataFrame(
        {"participant_id": range(100), "age": ["16-34"] * 15 + ["35-64"] * 50 + ["65+"] * 35}
    )
    shares = {"16-34": 0.3, "35-64": 0.5, "65+": 0.2}
    statuses = set(compare_to_population(people, shares, attribute="age").table["status"])
    few = compare_to_population(people.head(20), shares, attribute="age", min_cell=0)
    statuses |= set(few.table["status"])
    assert statuses == {"ok", "under", "over", "missing"}
    for status in statuses:
        assert representation_status(status) == status
        for lang in OTHER:
            with use_language(lang):
                word = representation_status(status)
            assert word and word != status, (lang, status)
