"""The community map in the reader's language (issue 16): the "Community map" report section
built in Polish and Arabic has translated layer and trace names, hover labels and coordinate
headers (read from the plotly JSON in the page), the core's notes on how the map is published
are translated where the widgets show them, English stays as it was, and every catalog is
complete."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

from coprod_analytics.mapping import publishable_points, simulate_places
from coprod_widgets.core_text import core_text
from coprod_widgets.i18n import catalog_problems, translate, use_language

pytest.importorskip("plotly")

from coprod_widgets.mapping.figures import map_alt, map_figure
from coprod_widgets.mapping.report import CommunityMapSection
from coprod_widgets.report.context import ReportContext

#: English words of the map's traces that must not reach a translated page.
ENGLISH = ("layer ", "places by", "hotspot of", " people", "area names")


def map_traces(page: str) -> list[dict[str, Any]]:
    """The traces of the community map (the plotly figure that draws the grey layer lines)."""
    dec = json.JSONDecoder()
    for m in re.finditer(r'Plotly\.newPlot\(\s*"[^"]+",\s*', page):
        data, _end = dec.raw_decode(page, m.end())
        if any(t.get("line", {}).get("color") == "#888888" for t in data):
            return list(data)
    raise AssertionError("no community map in the page")


def headers(page: str) -> list[str]:
    return [html.unescape(t) for t in re.findall(r'<th scope="col">([^<]*)</th>', page)]


def cell_texts(page: str) -> set[str]:
    return {html.unescape(t) for t in re.findall(r"<td[^>]*>([^<]*)</td>", page)}


#: The core's words in the tables' cells (kinds of place, statuses) the section translates.
CORE_WORDS = {"asset", "need", "nobody mapped", "mapped", "no clear change", "less pressing"}


@pytest.fixture(scope="module")
def town() -> Any:
    return simulate_places()


@pytest.fixture(scope="module")
def sections(town: Any) -> dict[str, str]:
    """The Community map section rendered in English, Polish and Arabic."""
    out = {}
    for lang in ("en", "pl", "ar"):
        with use_language(lang):
            ctx = ReportContext(
                town.inquiry(), options={"mapping": {"layers": [town.areas_geojson]}}
            )
            out[lang] = CommunityMapSection().render(ctx)
    return out


def test_english_section_keeps_the_english_words(sections: dict[str, str]) -> None:
    data = map_traces(sections["en"])
    names = {t.get("name") for t in data}
    hovers = {t.get("hovertemplate") for t in data if t.get("hovertemplate")}
    assert {"layer 1", "needs (cells)", "assets (cells)", "hotspot centres"} <= names
    assert "needs: %{customdata[0]} places by %{customdata[1]} people<extra></extra>" in hovers
    assert (
        "hotspot of %{customdata[1]}: %{customdata[0]} (%{customdata[2]} people)<extra></extra>"
        in hovers
    )
    hotspots = next(t for t in data if t.get("name") == "hotspot centres")
    assert {row[1] for row in hotspots["customdata"]} <= {"assets", "needs", "ideas"}
    assert {"lat", "lon"} <= set(headers(sections["en"]))
    assert CORE_WORDS <= cell_texts(sections["en"])
    assert "Places are counted in cells of 250 m" in sections["en"]


@pytest.mark.parametrize("lang", ["pl", "ar"])
def test_section_has_translated_layers_traces_and_hovers(
    sections: dict[str, str], lang: str
) -> None:
    page = sections[lang]
    data = map_traces(page)
    names = [t["name"] for t in data if isinstance(t.get("name"), str)]
    hovers = [t["hovertemplate"] for t in data if isinstance(t.get("hovertemplate"), str)]
    with use_language(lang):
        layer = translate("dashboard", "layer {n}").format(n=1)
        needs = translate("dashboard", "needs")
        cells = translate("dashboard", "{kind} (cells)").format(kind=needs)
        centres = translate("dashboard", "hotspot centres")
        hover = translate("dashboard", "{kind}: {places} places by {people} people")
    assert layer != "layer 1" and layer in names
    assert cells in names and centres in names
    assert (
        hover.format(kind=needs, places="%{customdata[0]}", people="%{customdata[1]}")
        + "<extra></extra>"
        in hovers
    )
    for text in names + hovers:
        assert not any(word in text for word in ENGLISH), text
    hotspots = next(t for t in data if t.get("name") == centres)
    kinds = {row[1] for row in hotspots["customdata"]}
    assert kinds and not kinds & {"asset", "need", "idea", "assets", "needs", "ideas"}
    assert "lat" not in headers(page) and "lon" not in headers(page)
    assert not CORE_WORDS & cell_texts(page)
    # the text alternative's summary: the core's note on the cells, translated
    with use_language(lang):
        note = translate("report", "Places are counted in cells of {size} {unit};")
    assert note.split("{size}")[0] in page


def test_jittered_map_and_plan_map_in_polish(town: Any) -> None:
    jitter = publishable_points(town.places, method="jitter", radius_m=80)
    with use_language("pl"):
        fig = map_figure(jitter, layers=[town.areas_geojson])
        alt = map_alt(jitter)
        needs = translate("dashboard", "needs")
    hovers = {t.hovertemplate for t in fig.data if t.hovertemplate}
    assert f"{needs}<extra></extra>" in hovers
    assert "Each place is shown moved at random" not in alt
    assert "przesunięte losowo" in alt  # the Polish of the core's jitter note


@pytest.mark.parametrize(
    ("english", "polish"),
    [
        (
            "Places are counted in cells of 250 m; 60 cells of fewer than 5 people not shown.",
            "Miejsca są liczone w komórkach o boku 250 m; nie pokazano komórek z mniej niż 5 "
            "osobami: 60.",
        ),
        (
            "Places are counted in cells of 1500 plan units; every cell is shown. "
            "1 places given by area only are not on the map.",
            "Miejsca są liczone w komórkach o boku 1\xa0500 jednostki planu; pokazano wszystkie "
            "komórki. 1 miejsce podane tylko przez obszar nie jest na mapie.",
        ),
        (
            "Each place is shown moved at random by up to 80 m (jitter), never where it was "
            "mapped; 4 cells (of 250 m) of fewer than 5 people not shown.",
            "Każde miejsce jest pokazane przesunięte losowo o najwyżej 80 m (jitter), nigdy "
            "tam, gdzie je zaznaczono; nie pokazano komórek (o boku 250 m) z mniej niż 5 "
            "osobami: 4.",
        ),
        (
            "Group 27<br>membership confidence: %{customdata[0]}<extra></extra>",
            "Grupa 27<br>pewność przynależności: %{customdata[0]}<extra></extra>",
        ),
        (
            "Group B<br>membership confidence: not computed<extra></extra>",
            "Grupa B<br>pewność przynależności: nie obliczono<extra></extra>",
        ),
    ],
)
def test_core_notes_of_the_map_and_the_membership_hover(english: str, polish: str) -> None:
    assert core_text(english) == english
    with use_language("pl"):
        assert core_text(english) == polish


def test_membership_hover_translates_in_every_language() -> None:
    for lang in ("es", "fr", "zh_Hant", "ar", "cy"):
        with use_language(lang):
            for group in ("A", "30"):
                text = f"Group {group}<br>membership confidence: %{{customdata[0]}}"
                got = core_text(text)
                assert "membership confidence" not in got and group in got, (lang, got)
                assert "%{customdata[0]}" in got


def test_the_catalogs_stay_complete() -> None:
    assert catalog_problems("dashboard") == []
    assert catalog_problems("report") == []
