"""Headless tests of the evidence board's state and view (coprod_widgets.evidence)."""

from __future__ import annotations

import polars as pl
import pytest

from coprod_analytics import Inquiry, sample_inquiry
from coprod_analytics.errors import ParameterError
from coprod_analytics.evidence import weigh_evidence
from coprod_widgets.evidence.state import EvidenceState
from coprod_widgets.evidence.views import EvidenceBoard

EVIL = '<img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def inquiry() -> Inquiry:
    return sample_inquiry()


def test_evidence_state_groups_and_suppression(inquiry: Inquiry) -> None:
    state = EvidenceState(inquiry, n_resamples=100)
    assert state.group_source == "opinion_groups"  # the inquiry has votes
    assert "opinion groups found from the votes" in state.source_sentence
    planted = EvidenceState(inquiry, groups="planted_group", n_resamples=100)
    g = planted.group_breakdown()
    assert set(g["group"].to_list()) == {0, 1, 2}
    assert "planted group 1 (drivers)" in g["label"].to_list()
    # petition (3) and cycling report (8) split the groups; casualty statistics (7) do not
    b = planted.board_table()
    gap = dict(b.select("evidence_id", "credibility_group_gap").iter_rows())
    assert gap[3] > 1.0 and gap[8] > 1.0 and gap[7] < 0.7
    # a small threshold hides group cells and the divergence they feed
    strict = EvidenceState(inquiry, groups="planted_group", n_resamples=0, min_cell=25)
    bd = strict.group_breakdown()
    hidden = bd.filter(pl.col("n").is_null())
    assert hidden.height > 0 and hidden["credibility"].null_count() == hidden.height
    sb = strict.board_table()
    flagged = sb.filter(pl.col("divergence_suppressed"))
    assert flagged.height > 0 and flagged["credibility_group_gap"].null_count() == flagged.height
    with pytest.raises(ParameterError, match="polis_group_id"):
        EvidenceState(inquiry, groups="polis_group_id")


def test_evidence_board_view(inquiry: Inquiry) -> None:
    ev = inquiry.tables["evidence"]
    items = inquiry.tables["evidence_items"].with_columns(
        pl.when(pl.col("evidence_id") == 3).then(pl.lit(EVIL)).otherwise("title").alias("title")
    )
    inq = inquiry.with_tables(evidence_items=items)
    state = EvidenceState(inq, groups="planted_group", n_resamples=50, min_cell=5)
    board = EvidenceBoard(state)
    html = board.table.value + board.alt.value + board.groups_alt.value
    assert EVIL not in html and "&lt;img src=x" in html
    assert all(EVIL not in str(tr.customdata) for tr in board.figure.data)
    assert "planted groups" in board.table.value
    board.sort.value = "divergence"
    first = state.board_table()["evidence_id"][0]
    assert first in (3, 4, 8)  # the items that split the planted groups
    board.groups.value = "none"
    assert state.result.group_table is None and "No opinion groups" in board.table.value
    assert ev.height == state.inquiry.tables["evidence"].height


def test_evidence_state_matches_the_core(inquiry: Inquiry) -> None:
    state = EvidenceState(inquiry, groups="none", n_resamples=100, seed=2)
    ref = weigh_evidence(inquiry, n_resamples=100, seed=2)
    assert state.result.table.equals(ref.table)
    state.n_resamples = 0  # observed: recomputes without intervals
    assert state.result.table["credibility_low"].null_count() == state.result.table.height
