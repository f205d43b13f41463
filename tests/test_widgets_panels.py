"""Dashboard panels: shown only when the inquiry has their data, built only when opened."""

from __future__ import annotations

import ipywidgets as widgets

from coprod_analytics import Inquiry, sample_inquiry
from coprod_widgets import ConsensusDashboard
from coprod_widgets.dashboard import Disclosure
from coprod_widgets.families import FAMILIES, Panel, panels


def test_panels_apply_fold_and_build_lazily():
    built: list[int] = []

    def build(inquiry: Inquiry, *, min_cell: int) -> widgets.Widget:
        built.append(min_cell)
        return widgets.HTML(f"{inquiry.tables['estimates'].height} estimates")

    panel = Panel(
        "test-estimates", "Estimates (test)", 999, lambda i: "estimates" in i.tables, build
    )
    dash = ConsensusDashboard(sample_inquiry(), min_cell=5, extra_panels=[panel])
    titles = [c.get_title(0) for c in dash.children if isinstance(c, Disclosure)]
    assert "Estimates (test)" in titles
    assert built == []  # folded: not built yet
    box = next(
        c
        for c in dash.children
        if isinstance(c, Disclosure) and c.get_title(0) == "Estimates (test)"
    )
    box.selected_index = 0  # the user opens it
    assert built == [5]
    assert "1000 estimates" in dash.panels["test-estimates"].value
    # an inquiry without estimates does not show the panel
    plain = ConsensusDashboard(
        Inquiry({"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1]}),
        extra_panels=[panel],
    )
    titles = [c.get_title(0) for c in plain.children if isinstance(c, Disclosure)]
    assert "Estimates (test)" not in titles


def test_default_panels_come_from_the_families_list_only():
    # every panel the dashboard folds in is one a family's views module lists
    keys = [p.key for p in panels()]
    assert keys == sorted(set(keys), key=keys.index)  # no duplicates
    assert {"crowd-estimates", "agreement", "evidence", "budget", "rankings"} <= set(keys)
    assert {"deliberation-change", "q-method", "representativeness"} <= set(keys)
    assert FAMILIES[0].key == "consensus"
    dash = ConsensusDashboard(sample_inquiry(), min_cell=5)
    titles = [c.get_title(0) for c in dash.children if isinstance(c, Disclosure)]
    # the sample inquiry holds estimates, ratings and evidence: their panels are offered
    assert "Crowd estimates" in titles and "Weighing the evidence" in titles


def test_opening_the_stability_section_computes_resampling_stability():
    from coprod_analytics import sample_inquiry as sample

    dash = ConsensusDashboard(sample())
    assert dash.state.result.stability is None  # the first page is quick
    groups_before = dash.state.result.participants.get_column("group").to_list()
    dash._stability_box.selected_index = 0  # the reader opens "How sure is the split?"
    assert dash.state.result.stability is not None
    shown = dash.stability.verdict.value
    # the one verdict of the result, and what resampling says of the split (no second verdict)
    assert f"<strong>{dash.state.result.verdict.text}</strong>" in shown
    assert "Resampling: the split into" in shown
    assert dash.state.stability_summary()["per_k"].height >= 2
    # same seed: the groups (and their colours) did not move
    assert dash.state.result.participants.get_column("group").to_list() == groups_before


def test_dashboard_header_can_leave_the_title_to_its_page():
    from coprod_analytics import sample_inquiry as sample

    title = sample().metadata["title"]
    assert "Riverside Citizens" in ConsensusDashboard(sample()).header.value
    bare = ConsensusDashboard(sample(), show_title=False).header.value
    assert "Riverside Citizens" not in bare and title not in bare
    assert "opinion groups" in bare  # what the groups are is still said
