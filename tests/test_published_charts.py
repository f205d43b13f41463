"""Charts and boards of a published report respect min_cell (issue 17): merged histogram
bins, box plots without points, withheld board shares, and the smaller defects."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

pytest.importorskip("plotly")

from coprod_analytics import sample_inquiry
from coprod_analytics.privacy import is_small_cell
from coprod_widgets.consensus.figures import (
    confidence_figure,
    merged_bins,
    opinion_map_figure,
    published_statement_cards,
    withheld_shares,
)
from coprod_widgets.consensus.state import ConsensusState
from coprod_widgets.crowd.figures import estimates_figure, pooling_alt, pooling_figure
from coprod_widgets.crowd.state import CrowdState
from coprod_widgets.report.audit import audit_report


@pytest.fixture(scope="module")
def consensus() -> ConsensusState:
    return ConsensusState(sample_inquiry(), seed=0, min_cell=5)


def test_fifths_count_every_forecast_once() -> None:
    # 0.4 + 0.2 == 0.6000000000000001 once counted 0.6 in two fifths (128 of 125)
    values = [0.0, 0.2, 0.4, 0.6, 0.6, 0.8, 1.0, 0.3, 0.59999, 0.6000001]
    table = merged_bins(values, bins=5)
    assert table["people"].to_list() == [1, 2, 2, 3, 2]
    assert table["people"].sum() == len(values)
    state = CrowdState(sample_inquiry(), n_resamples=0, min_cell=0)
    res = state.pooling_result
    assert res
    alt = pooling_alt(state)
    cells = [int(c) for c in __import__("re").findall(r"<td>(\d+)</td>", alt)]
    assert sum(cells) == len(res["values"])


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
@pytest.mark.parametrize("min_cell", [3, 5, 11])
def test_merged_bins_hold_min_cell_and_add_up(seed: int, min_cell: int) -> None:
    rng = np.random.default_rng(seed)
    values = rng.beta(2, 5, size=int(rng.integers(min_cell, 80))).tolist()
    table = merged_bins(values, bins=20, min_cell=min_cell)
    assert table["people"].sum() == len(values)
    assert table["people"].min() >= min_cell
    # bins tile [0, 1] without gaps or overlaps
    assert table["low"][0] == 0.0 and table["high"][-1] == 1.0
    assert table["low"].to_list()[1:] == table["high"].to_list()[:-1]
    assert merged_bins(values[: min_cell - 1], bins=20, min_cell=min_cell).height == 0


def test_confidence_histogram_bins_hold_min_cell() -> None:
    rng = np.random.default_rng(7)
    conf = pl.DataFrame(
        {"group": [0] * 40 + [1] * 9 + [2] * 3, "confidence": rng.uniform(0.3, 1, 52)}
    )
    live = confidence_figure(conf)  # the dashboard: plotly bins every value
    assert [t.type for t in live.data] == ["histogram"] * 3
    fig = confidence_figure(conf, min_cell=5)
    assert [t.type for t in fig.data] == ["bar", "bar"]  # the group of 3 is not drawn
    assert [sum(t.y) for t in fig.data] == [40, 9]
    for trace in fig.data:
        assert min(trace.y) >= 5
    assert audit_report(fig.to_html(), min_cell=5).passed


def test_forecasts_histogram_and_boxes_publish_no_small_cell() -> None:
    state = CrowdState(sample_inquiry(), n_resamples=0, min_cell=5)
    res = state.pooling_result
    assert res and not res["suppressed"]
    raw = pooling_figure(res["values"], res["table"])
    assert not audit_report(raw.to_html(), min_cell=5).passed  # bins of 1-4 forecasts
    fig = pooling_figure(res["values"], res["table"], min_cell=5)
    bars = fig.data[0]
    assert bars.type == "bar" and min(bars.y) >= 5 and sum(bars.y) == len(res["values"])
    assert audit_report(fig.to_html(), min_cell=5).passed
    alt = pooling_alt(state)
    assert "merged" in alt


def test_box_plots_never_publish_points() -> None:
    values = list(np.random.default_rng(3).normal(50, 10, 40))
    live = estimates_figure(values)
    assert live.data[0].boxpoints == "all"
    assert not audit_report(live.to_html(), min_cell=5).passed
    box = estimates_figure(values, min_cell=5).data[0]
    assert box.type == "box" and box.boxpoints is False and box.x is None
    assert box.lowerfence == box.q1 and box.upperfence == box.q3  # no whisker to an extreme
    assert audit_report(estimates_figure(values, min_cell=5).to_html(), min_cell=5).passed
    # 12 people: 3 per quarter, so only the median (6 per side)
    median_only = estimates_figure(values[:12], min_cell=5).data
    assert [t.type for t in median_only] == ["scatter"] and len(median_only[0].x) == 1
    # 8 people: 4 per side, nothing but the title
    assert len(estimates_figure(values[:8], min_cell=5).data[0].x) == 0
    assert not audit_report(estimates_figure(values[:12], min_cell=3).to_html(), min_cell=5).passed


@pytest.mark.parametrize("min_cell", [2, 5, 11])
def test_withheld_shares_cannot_be_worked_out(min_cell: int) -> None:
    for a in range(0, 25):
        for d in range(0, 25):
            for p in (0, 1, 3, 7):
                counts = {"agree": a, "disagree": d, "pass": p}
                hidden = withheld_shares(counts, min_cell=min_cell)
                shown = {k: v for k, v in counts.items() if k not in hidden}
                assert not any(is_small_cell(v, min_cell=min_cell) for v in shown.values())
                if hidden:
                    # n minus the shown counts is all a reader gets: at least two cells
                    # share it and it is large enough that each could be 0 or >= min_cell
                    assert len(hidden) >= 2
                    assert sum(counts[k] for k in hidden) >= min_cell or len(hidden) == 3


def test_board_shares_withheld_in_published_cards(consensus: ConsensusState) -> None:
    from coprod_widgets.html import statement_cards

    board = consensus.board_table()
    unprotected = ConsensusState.from_result(consensus.result, min_cell=0)
    live = statement_cards(unprotected, board, max_rows=board.height)
    # the finding: percentages x n give counts of 1-4 in most cells
    assert not audit_report(f'<section id="board">{live}</section>', min_cell=5).passed
    # the interactive board of a state with min_cell (Voila report, published app) is the
    # published one
    assert statement_cards(consensus, board, max_rows=board.height) == (
        published_statement_cards(consensus, board, max_rows=board.height)
    )
    html = published_statement_cards(consensus, board, max_rows=board.height)
    assert "fewer than 5" in html and "withheld" in html
    audit = audit_report(f'<section id="board">{html}</section>', min_cell=5)
    assert audit.passed, audit.summary()


def test_opinion_map_draws_no_person_when_published(consensus: ConsensusState) -> None:
    live = opinion_map_figure(consensus)
    assert sum(len(t.x) for t in live.data if t.mode == "markers" and t.name != "Statements") > 0
    fig = opinion_map_figure(consensus, min_cell=5)
    people = [t for t in fig.data if t.name != "Statements"]
    assert people and all(t.mode == "lines" and t.meta["n"] >= 5 for t in people)
    assert not any("Not clustered" in t.name for t in fig.data)
    assert audit_report(fig.to_html(), min_cell=5).passed


def test_small_cell_notice_reads_well() -> None:
    from coprod_widgets.crowd.report import CrowdEstimatesSection
    from coprod_widgets.evidence.report import SECTIONS as EVIDENCE
    from coprod_widgets.report import build_report
    from coprod_widgets.report.context import ReportContext

    inq = sample_inquiry()
    crowd = CrowdEstimatesSection(n_resamples=0).render(ReportContext(inq, min_cell=5))
    assert "given by of" not in crowd
    assert "multiple-choice answers given by fewer than 5 people are not shown" in crowd
    page = build_report(inq, min_cell=5, sections=list(EVIDENCE))
    assert "rated by of" not in page and "rated by fewer than 5 people" in page


def test_dri_axis_follows_the_data_and_text_says_usually() -> None:
    from coprod_widgets.deliberation.figures import dri_figure

    table = pl.DataFrame(
        {
            "group": ["A", "B"],
            "wave": ["pre", "pre"],
            "dri": [-3.0, 0.4],
            "baseline_low": [-0.5, -0.4],
            "baseline_high": [0.5, 0.6],
        }
    )
    fig = dri_figure(table)
    low, high = fig.layout.xaxis.range
    assert low < -3.0 and high >= 1.0  # -3 (rho_C = 1, rho_P = -1) is on the chart
    assert "0.50" not in str(fig.data[0].hovertemplate)  # hover reads the bounds
    assert list(fig.data[0].customdata[0]) == [-0.5, 0.5]
    from coprod_analytics.deliberation import simulate_dri_data
    from coprod_widgets.deliberation.figures import dri_html
    from coprod_widgets.deliberation.state import ShiftState

    sim = simulate_dri_data(12, 6, 4, seed=0)
    state = ShiftState(
        considerations=sim.considerations, preferences=sim.preferences, n_resamples=19
    )
    html = dri_html(state)
    assert "usually between -1 and 1" in html and "from -1 to 1" not in html


def test_delphi_quartiles_only_with_enough_people_per_quarter() -> None:
    from coprod_widgets.crowd.figures import delphi_figure

    table = pl.DataFrame(
        {
            "round": [1, 2],
            "n": [40, 12],
            "median": [4.0, 4.5],
            "q1": [3.0, 4.0],
            "q3": [5.0, 5.0],
        }
    )
    live = delphi_figure(table).data[0].error_y
    assert list(live.array) == [1.0, 0.5]
    published = delphi_figure(table, min_cell=5).data[0].error_y
    assert list(published.array) == [1.0, None]  # 12 people: 3 per quarter


def test_a_small_group_cannot_be_worked_out_from_the_others() -> None:
    # simulated: 20 people in groups of 10, 4 and 6 (found by trying seeds)
    from coprod_analytics import simulate_inquiry
    from coprod_widgets.consensus.figures import published_group_sizes
    from coprod_widgets.report import build_report

    inquiry = simulate_inquiry(20, 10, seed=5)
    state = ConsensusState(inquiry, seed=0, min_cell=5, bridging=False)
    sizes = published_group_sizes(state, min_cell=5)
    assert sorted(n for n in sizes.values() if n is not None) == [10]
    assert sum(n is None for n in sizes.values()) == 2  # the 4 and, with it, the 6
    page = build_report(
        inquiry, seed=0, min_cell=5, options={"opinion_groups": {"bridging": False}}
    )
    groups = page.split('<section id="opinion-groups"')[1].split("</section>")[0]
    assert "fewer than 5 people" in groups and "withheld" in groups
    stability = page.split('<section id="stability"')[1].split("</section>")[0]
    assert "<td>6</td>" not in stability  # the withheld size is not given away there
    audit = audit_report(page, min_cell=5)
    assert audit.passed, audit.summary()
