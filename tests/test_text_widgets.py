"""The free-text widgets, headless: state and view react to traits, the report section
renders real data, every data string is escaped, and the moderation hint."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import require_shared

import coprod_analytics as ca
from coprod_widgets.report.context import ReportContext
from coprod_widgets.text.report import SECTIONS, WhatPeopleWroteSection
from coprod_widgets.text.state import TopicsState, has_text_data, looks_like
from coprod_widgets.text.views import PANELS, TopicsView

EVIL = "<script>alert('x')</script><img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def london():
    return ca.load_inquiry(require_shared("polis", "london.youth.policing"))


def _with_evil(inq: ca.Inquiry) -> ca.Inquiry:
    st = inq.statements.with_columns(
        pl.when(pl.col("statement_id") == 1)  # an accepted statement
        .then(pl.lit(EVIL) + pl.col("text"))
        .otherwise(pl.col("text"))
        .alias("text")
    )
    return ca.Inquiry(inq.vote_log, st, inq.participants, metadata=inq.metadata)


@pytest.mark.shared_data
def test_state_and_view_follow_the_number_of_topics(london):
    state = TopicsState(london)
    view = TopicsView(state)
    assert state.result is not None and state.result.k >= 2
    view.n_topics.value = 4
    assert state.result.k == 4
    assert len(view.topic.options) == 4
    assert view.table.value.count("<tr>") == 4 + 1
    view.topic.value = 3
    ids = state.result.texts(3)["text_id"].to_list()
    assert all(f"#{i}<" in view.texts.value for i in ids)
    assert state.votes is not None and set(state.votes.table["group"]) <= {"A", "B", "C"}
    assert "Group A agrees" in view.groups.value


@pytest.mark.shared_data
def test_report_section_on_real_data_escapes_every_text(london):
    inq = _with_evil(london)
    ctx = ReportContext(inq, seed=0, min_cell=5)
    section = WhatPeopleWroteSection()
    assert section in SECTIONS and section.applies(ctx)
    html = section.render(ctx)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;" in html
    assert "How each opinion group votes per topic" in html
    assert html.count("<figure") == 2 and html.count('<details class="alt">') == 2
    assert any(p["method"] == "coprod_analytics.text.topics" for p in ctx.provenance)


def test_section_and_panel_apply_only_with_texts():
    empty = ca.Inquiry()
    assert not has_text_data(empty)
    assert not WhatPeopleWroteSection().applies(ReportContext(empty))
    assert PANELS[0].applies(ca.simulate_inquiry(30, 12, seed=1))
    free = ca.Inquiry(
        tables={
            "free_text": pl.DataFrame(
                {"text_id": range(12), "text": ["more buses"] * 6 + ["plant trees"] * 6}
            )
        }
    )
    assert has_text_data(free)
    html = WhatPeopleWroteSection().render(ReportContext(free))
    assert "How each opinion group" not in html  # no votes, no topic x group table
    assert "2 topics found in 12 texts" in html


def test_moderation_hint_names_the_statement_it_looks_like(london):
    text = london.statements.filter(pl.col("statement_id") == 5)["text"][0]
    assert looks_like(text.upper() + "!!", london).startswith(" — looks like #5 (1.00)")
    # the waiting statement itself is in the inquiry: it is never its own duplicate
    assert "#5 (1.00)" not in looks_like(text, london, exclude=5)
    assert looks_like("Completely unrelated words about gardening", london) == ""
