"""Headless tests of the consensus widgets: set traits, assert state and what views draw."""

from __future__ import annotations

import html
import re
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

pytest.importorskip("ipywidgets")
pytest.importorskip("plotly")

from coprod_analytics import sample_inquiry
from coprod_analytics.errors import ParameterError
from coprod_analytics.inquiry import Inquiry
from coprod_widgets.consensus.state import ConsensusState, wilson_interval
from coprod_widgets.consensus.views import EVERYONE, OpinionMap, StabilityView, StatementBoard
from coprod_widgets.dashboard import ConsensusDashboard
from coprod_widgets.style import group_label, hover_text

EVIL = '<script>alert("x")</script><img src=x onerror="alert(1)"> & co'


@pytest.fixture(scope="module")
def state() -> ConsensusState:
    return ConsensusState(sample_inquiry(), seed=0)


def evil_inquiry() -> Inquiry:
    """Two clear camps voting on 12 statements, one of whose text is hostile HTML."""
    rng = np.random.default_rng(5)
    rows = []
    for p in range(60):
        camp = p % 2
        for s in range(12):
            lean = 1 if (s < 4 or (s % 2 == camp)) else -1
            vote = lean if rng.random() < 0.9 else -lean
            rows.append((p, s, vote))
    votes = pl.DataFrame(rows, schema=["participant_id", "statement_id", "vote"], orient="row")
    texts = [f"statement {i}" for i in range(12)]
    texts[0] = EVIL
    texts[5] = EVIL + " (divisive)"
    statements = pl.DataFrame({"statement_id": list(range(12)), "text": texts})
    return Inquiry(votes, statements, metadata={"title": "<b>Title</b> & more"})


@pytest.fixture(scope="module")
def evil_dashboard() -> ConsensusDashboard:
    return ConsensusDashboard(evil_inquiry(), seed=0)


def test_state_holds_core_result(state: ConsensusState) -> None:
    res = state.result
    assert state.status == "ready"
    assert state.group_ids == sorted(res.groups["group"].to_list())
    assert state.overview is not None
    g = state.group_table()
    assert g["size"].sum() == int(res.participants["in_conv"].sum())
    assert g["label"].to_list() == [group_label(x) for x in state.group_ids]


def test_selected_group_validated_and_drives_board(state: ConsensusState) -> None:
    state.selected_group = None
    state.board_kind = "consensus"
    before = state.board_table()["statement_id"].to_list()
    g = state.group_ids[-1]
    state.selected_group = g
    assert state.board_kind == "representative"
    after = state.board_table()
    reps = (
        state.result.group_votes.filter((pl.col("group") == g) & pl.col("rep_rank").is_not_null())
        .sort("rep_rank")["statement_id"]
        .to_list()
    )
    assert after["statement_id"].to_list() == reps
    assert after["statement_id"].to_list() != before
    with pytest.raises(Exception, match="selected_group must be None or one of"):
        state.selected_group = 99
    assert state.selected_group == g
    with pytest.raises(ParameterError, match="'group' parameter of select_group"):
        state.select_group(42)
    state.select_group(None)
    assert state.selected_group is None


def test_board_filter_and_sort(state: ConsensusState) -> None:
    state.selected_group = None
    state.board_kind = "all"
    state.sort_by = "agree"
    rates = state.board_table()["agree_rate"].to_list()
    assert rates == sorted(rates, reverse=True)
    state.sort_by = "id"
    ids = state.board_table()["statement_id"].to_list()
    assert ids == sorted(ids)
    excluded = state.result.statements.filter(pl.col("excluded")).height
    assert len(ids) == state.result.statements.height - excluded
    word = "bus"
    state.filter_text = word.upper()
    texts = state.board_table()["text"].to_list()
    assert texts and all(word in t.lower() for t in texts)
    state.filter_text = str(ids[3])
    hits = state.board_table()
    assert ids[3] in hits["statement_id"].to_list()
    others = hits.filter(pl.col("statement_id") != ids[3])["text"].to_list()
    assert all(str(ids[3]) in t for t in others)
    state.filter_text = "no statement says this"
    assert state.board_table().height == 0
    state.filter_text = ""
    state.board_kind = "divisive"
    assert set(state.board_table()["statement_id"]) == set(
        state.result.statements.filter(pl.col("is_divisive"))["statement_id"]
    )
    state.board_kind = "consensus"
    consensus = set(state.result.consensus_agree + state.result.consensus_disagree)
    assert consensus <= set(state.board_table()["statement_id"])


def test_group_votes_fall_back_to_wilson_and_suppress_small_cells() -> None:
    st_ = ConsensusState(sample_inquiry(), seed=0, min_cell=30)
    gv = st_.group_votes()
    small = gv.filter(pl.col("total").is_null())
    assert small.height > 0  # sample groups have cells under 30 voters
    assert small["agree_rate"].null_count() == small.height
    assert small["agree_ci_low"].null_count() == small.height
    raw = st_.result.group_votes
    big = gv.filter(pl.col("total").is_not_null())
    assert (big["total"] >= 30).all()
    assert (big["ci_method"] == "wilson").all()
    row = big.row(0, named=True)
    lo, hi = wilson_interval(np.array([row["agree"]]), np.array([row["total"]]))
    assert row["agree_ci_low"] == pytest.approx(lo[0])
    assert row["agree_ci_high"] == pytest.approx(hi[0])
    assert raw.height == gv.height


def test_wilson_matches_statsmodels() -> None:
    from statsmodels.stats.proportion import proportion_confint

    k = np.array([0, 3, 17, 40])
    n = np.array([5, 10, 40, 40])
    lo, hi = wilson_interval(k, n)
    slo, shi = proportion_confint(k, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(lo, slo, atol=1e-12)
    np.testing.assert_allclose(hi, shi, atol=1e-12)


def test_group_buttons_select_a_group_and_the_drawn_map_follows(state: ConsensusState) -> None:
    from coprod_widgets.chart import PLOTLY_MIME

    view = OpinionMap(state)
    state.selected_group = None

    def drawn() -> list[dict]:
        return view.figure.outputs[0]["data"][PLOTLY_MIME]["data"]

    groups = [tr for tr in view.figure.data if (tr.meta or {}).get("group") is not None]
    assert [tr.meta["group"] for tr in groups] == state.group_ids
    target = groups[1].meta["group"]
    view.group_buttons.value = target  # the reader picks group B
    assert state.selected_group == target
    # what the browser draws (the chart's output), not only the Python figure, is dimmed
    opacity = {
        t["meta"]["group"]: t["marker"]["opacity"]
        for t in drawn()
        if (t.get("meta") or {}).get("group") is not None
    }
    assert opacity[target] > opacity[groups[0].meta["group"]]
    state.selected_group = None  # selecting elsewhere (the board) moves the buttons too
    assert view.group_buttons.value == EVERYONE
    opacity = {
        t["meta"]["group"]: t["marker"]["opacity"]
        for t in drawn()
        if (t.get("meta") or {}).get("group") is not None
    }
    assert len(set(opacity.values())) == 1
    stmts = next(t for t in drawn() if t.get("name") == "Statements")
    assert stmts["visible"] is False
    view.statements_toggle.value = True
    stmts = next(t for t in drawn() if t.get("name") == "Statements")
    assert state.show_statements is True and stmts["visible"] is True
    state.show_statements = False
    assert view.statements_toggle.value is False


def test_board_widgets_are_linked(state: ConsensusState) -> None:
    board = StatementBoard(state)
    state.selected_group = None
    board.kind.value = "divisive"
    assert state.board_kind == "divisive"
    n_div = state.board_table().height
    assert board.cards.value.count('class="card"') == min(n_div, board.max_rows)
    board.filter.value = "zzzz-nothing"
    assert "No statement matches" in board.cards.value
    state.filter_text = ""
    assert board.filter.value == ""
    state.selected_group = state.group_ids[0]
    assert "Group A" in board.title.value
    assert board.kind.value == "representative"
    state.selected_group = None


def test_stability_view_degrades_when_not_computed(state: ConsensusState) -> None:
    view = StabilityView(state)
    text = view.verdict.value
    assert "not computed" in text
    assert f"{state.result.k} groups" in text
    assert len(view.figures) == 1  # silhouette per k only
    k_bars = view.figures[0].data[0].x
    assert list(k_bars) == [str(k) for k in sorted(state.result.silhouettes)]


def test_every_chart_has_a_text_alternative(evil_dashboard: ConsensusDashboard) -> None:
    html_values = [evil_dashboard.opinion_map.alt.value] + [
        c.value for c in evil_dashboard.build_stability().children if hasattr(c, "value")
    ]
    alts = [v for v in html_values if "<details" in v]
    assert len(alts) >= 2
    for v in alts:
        assert re.search(r'<table aria-label="[^"]+"', v)
    assert 'role="img" aria-label="Group A: ' in evil_dashboard.board.cards.value


def test_untrusted_text_is_escaped_everywhere(evil_dashboard: ConsensusDashboard) -> None:
    state = evil_dashboard.state
    state.selected_group = None
    state.board_kind = "all"
    state.sort_by = "id"
    widgets_html = [
        evil_dashboard.header.value,
        evil_dashboard.first_look.value,
        evil_dashboard.board.cards.value,
        evil_dashboard.footer.value,
    ]
    for value in widgets_html:
        assert "<script" not in value.lower()
        assert "<img" not in value.lower()
        assert "<b>Title" not in value
    assert html.escape(EVIL, quote=True) in evil_dashboard.board.cards.value
    assert "&lt;b&gt;Title&lt;/b&gt;" in evil_dashboard.header.value
    # plotly hover labels: the text is escaped before plotly parses its pseudo-HTML
    state.show_statements = True
    stmts = next(tr for tr in evil_dashboard.opinion_map.figure.data if tr.name == "Statements")
    hover = [row[2] for row in stmts.customdata]
    assert all("<script" not in h and "<img" not in h for h in hover)
    assert any("&lt;script&gt;" in h for h in hover)


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=300))
def test_hover_text_never_leaks_tags(text: str) -> None:
    out = hover_text(text)
    assert "<" not in out.replace("<br>", "")
    assert html.unescape(out.replace("<br>", " ")).split() == " ".join(text.split()).split() or (
        "…" in out
    )


def test_dashboard_composes_views_without_displaying(capsys: pytest.CaptureFixture[str]) -> None:
    dash = ConsensusDashboard(sample_inquiry(), seed=0, min_cell=5)
    assert capsys.readouterr().out == ""
    assert dash.state.min_cell == 5
    assert "Riverside" in dash.header.value
    assert (
        "fingerprint" in dash.footer.value and dash.state.inquiry.fingerprint in dash.footer.value
    )
    assert "Small cells suppressed" in dash.footer.value
    assert dash.stability is None  # folded away: built when opened
    dash._stability_box.selected_index = 0
    assert dash.stability is not None and dash._stability_box.body.children == (dash.stability,)
    again = ConsensusDashboard(dash.state)
    assert again.state is dash.state


def test_report_app_shows_an_error_for_bad_input(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from coprod_apps.report_app import app_parameters, report_app

    bad = tmp_path / "x.json"
    bad.write_text("{}")
    w = report_app(str(bad))
    assert "cannot be shown" in w.value and "unsupported file type" in w.value
    assert app_parameters({"COPROD_INPUT": "a", "COPROD_MIN_CELL": "0"})["min_cell"] == 0


def test_report_notebook_is_the_packaged_one_and_builds_the_report_app() -> None:
    import nbformat

    import coprod_apps
    from coprod_apps.report_app import report_notebook_path

    path = report_notebook_path()
    # one copy: the notebook shipped inside the app package, no second copy in Python
    assert path.parent == Path(coprod_apps.__file__).parent
    nb = nbformat.read(str(path), as_version=4)
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert "report_app(" in code


def test_widgets_layer_keeps_core_clean() -> None:
    import subprocess
    import sys

    code = (
        "import sys, coprod_analytics, coprod_analytics.consensus;"
        "bad=[m for m in ('ipywidgets','plotly','IPython','voila','tornado') if m in sys.modules];"
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_representative_tags_carry_each_groups_own_direction() -> None:
    from coprod_analytics import sample_inquiry as sample

    state = ConsensusState(sample(), seed=0)
    gv = state.result.group_votes.filter(pl.col("rep_rank").is_not_null())
    expected = {
        (r["statement_id"], f"represents {group_label(r['group'])} ({r['repful_for']})")
        for r in gv.iter_rows(named=True)
    }
    state.board_kind = "all"
    shown = {
        (r["statement_id"], t)
        for r in state.board_table().iter_rows(named=True)
        for t in r["tags"]
        if t.startswith("represents")
    }
    assert shown == expected
    # the sample has statements that set one group apart by agreeing and another by disagreeing
    both = gv.group_by("statement_id").agg(pl.col("repful_for").n_unique().alias("n"))
    assert (both.get_column("n") > 1).any()


def test_board_cards_carry_the_selection_they_were_rendered_for(state: ConsensusState) -> None:
    board = StatementBoard(state)
    before = (state.selected_group, state.filter_text)
    try:
        state.selected_group = None
        assert 'data-board="everyone|' in board.cards.value
        state.selected_group = 1
        # the cards and their marker change in one update of the cards widget
        assert 'data-board="B|' in board.cards.value
        assert board.render_key().startswith("B|")
        state.filter_text = "zzzz-no-such-text"
        assert board.cards.value.startswith('<div class="coprod-board-render" data-board="B|')
        assert "No statement matches" in board.cards.value
    finally:
        state.selected_group, state.filter_text = before
