"""Headless tests of the crowd-estimate and agreement states and views (the evidence board's
are in tests/test_evidence_widgets.py), and of the dashboard panels of both families."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from coprod_analytics import Inquiry, sample_inquiry
from coprod_analytics.crowd.agreement import krippendorff_alpha, tastle_wierman_consensus
from coprod_analytics.crowd.estimates import crowd_estimates, diversity_prediction, pool_log_odds
from coprod_widgets import ConsensusDashboard
from coprod_widgets.crowd.state import (
    AgreementState,
    CrowdState,
    agreement_reading,
    kendall_reading,
)
from coprod_widgets.crowd.views import AgreementPanel, CrowdEstimateView
from coprod_widgets.dashboard import Disclosure
from coprod_widgets.evidence.views import EvidenceBoard

EVIL = '<img src=x onerror="alert(1)">'


@pytest.fixture(scope="module")
def inquiry() -> Inquiry:
    return sample_inquiry()


def _tiny(**tables: object) -> Inquiry:
    return Inquiry(
        {"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1]}, tables=tables
    )


def test_crowd_state_matches_the_core(inquiry: Inquiry) -> None:
    state = CrowdState(inquiry, n_resamples=200, seed=3)
    assert state.question_ids == [1, 2, 3, 4]
    assert state.question == 1 and state.round == 2  # the last Delphi round by default
    e = inquiry.tables["estimates"].filter((pl.col("question_id") == 1) & (pl.col("round") == 2))
    want = crowd_estimates(e, truth=4.0, n_resamples=200, seed=3).to_frame()
    got = state.estimate_result["estimators"]
    assert got.equals(want.drop("round"))
    d = state.estimate_result["diversity"]
    ref = diversity_prediction(e["value"], 4.0)
    assert d.crowd_error == ref.crowd_error and abs(d.residual) < 1e-9
    # switching the round recomputes on that round's answers
    state.round = 1
    e1 = inquiry.tables["estimates"].filter((pl.col("question_id") == 1) & (pl.col("round") == 1))
    assert state.estimate_result["estimators"]["value"][1] == pytest.approx(e1["value"].median())
    # switching question resets to its last round
    state.question = 4
    assert state.round == 2 and state.estimate_result["truth"] == 420.0
    with pytest.raises(Exception, match="question must be one of"):
        state.question = 99


def test_delphi_rule_is_a_parameter(inquiry: Inquiry) -> None:
    state = CrowdState(inquiry, n_resamples=0)
    table = state.estimate_result["delphi"].table
    assert table["round"].to_list() == [1, 2]
    assert table["consensus"].to_list() == (table["cv"] <= 0.5).to_list()
    state.delphi_rule, state.delphi_threshold = "iqr", 0.01
    d = state.estimate_result["delphi"]
    assert d.rule == "IQR <= 0.01" and not any(d.table["consensus"].to_list())


def test_pooling_and_surprisingly_popular(inquiry: Inquiry) -> None:
    state = CrowdState(inquiry, n_resamples=0)
    p = inquiry.tables["probabilities"]["probability"]
    assert state.pooling_result["pooled"] == pytest.approx(pool_log_odds(p, clip=0.01))
    state.extremize = 2.5
    assert state.pooling_result["pooled"] == pytest.approx(
        pool_log_odds(p, extremize=2.5, clip=0.01)
    )
    with pytest.raises(Exception, match="extremize must be > 0"):
        state.extremize = 0.0
    sp = state.popular_result["result"]
    # the sample's planted truth: park-and-ride is more common than people predict, though
    # "better buses" is the majority answer
    assert sp.answer == "park-and-ride"
    assert sp.majority_answer == "better buses"
    assert state.popular_result["table"]["votes"].sum() == 125


def test_crowd_small_cells_and_escaping() -> None:
    inq = _tiny(
        estimates={
            "participant_id": [1, 2, 3, 1, 2, 3, 4, 5, 6],
            "question_id": [1, 1, 1, 2, 2, 2, 2, 2, 2],
            "value": [1.0, 2.0, 3.0, 5, 6, 7, 8, 9, 10],
        },
        questions={"question_id": [1, 2], "text": [EVIL, "ok?"], "truth": [2.0, None]},
        choices={
            "participant_id": [1, 2, 3, 4, 5, 6],
            "question_id": [7] * 6,
            "answer": ["a", "a", "a", "a", "a", EVIL],
        },
        predictions={
            "participant_id": [1, 2],
            "question_id": [7, 7],
            "option": ["a", "a"],
            "share": [0.9, 0.9],
        },
    )
    state = CrowdState(inq, n_resamples=50, min_cell=5)
    view = CrowdEstimateView(state)
    assert state.estimate_result["suppressed"] and state.values().height == 0
    assert "Fewer than 5 people answered" in view.summary.value
    assert EVIL not in view.summary.value and "&lt;img src=x" in view.summary.value
    state.question = 2
    assert not state.estimate_result["suppressed"]
    assert state.estimate_result["diversity"] is None  # no truth known
    assert state.estimate_result["delphi"] is None  # no rounds
    assert "Diversity Prediction" not in view.summary.value
    # the rare answer's count is suppressed; the SP answer is still named, escaped
    t = state.popular_result["table"]
    assert t.filter(pl.col("option") == EVIL)["votes"].to_list() == [None]
    assert EVIL not in view.popular.value and "&lt;img" in view.popular.value
    assert "fewer than 5" in view.popular.value


def test_crowd_view_follows_the_state(inquiry: Inquiry) -> None:
    state = CrowdState(inquiry, n_resamples=50)
    view = CrowdEstimateView(state)
    assert len(view.estimators.data[0].x) == 6  # six estimators
    assert "<details" in view.guesses_alt.value and "aria-label" in view.guesses_alt.value
    view.question.value = 3  # the user picks a question
    assert state.question == 3 and "injured" in view.summary.value
    view.round.value = 1
    assert state.round == 1 and "round 1 of 2" in view.summary.value
    view.log_scale.value = True
    assert view.guesses.figure.layout.xaxis.type == "log"
    view.extremize.value = 2.0
    assert "a = 2" in view.pooling.value
    assert "Delphi rounds" in view.delphi.value and view.delphi_chart is not None


def test_agreement_state_and_panel(inquiry: Inquiry) -> None:
    state = AgreementState(inquiry, n_resamples=200, seed=1)
    sets = state.result["sets"]
    r = inquiry.tables["ratings"]
    ref = krippendorff_alpha(r, level_of_measurement="ordinal", n_resamples=200, seed=1)
    assert sets["alpha"][0] == pytest.approx(ref.value)
    assert (sets["ci_low"][0], sets["ci_high"][0]) == (ref.ci_low, ref.ci_high)
    assert sets["reading"][0] == agreement_reading(ref.value)
    item1 = r.filter(pl.col("item_id") == 1)["rating"].to_numpy()
    freq = [int((item1 == c).sum()) for c in range(1, 8)]
    assert state.result["items"]["tastle_wierman"][0] == pytest.approx(
        tastle_wierman_consensus(freq)
    )
    assert sets["kendall_raters"][0] == 125
    panel = AgreementPanel(state)
    assert "raters agree poorly" in panel.summary.value
    panel.level_of_measurement.value = "interval"
    assert state.level_of_measurement == "interval"
    assert "alpha (interval)" in panel.summary.value


def test_agreement_readings_and_thresholds() -> None:
    assert agreement_reading(0.8) == "raters agree well"
    assert agreement_reading(0.667).startswith("raters agree moderately")
    assert agreement_reading(0.6669) == "raters agree poorly"
    assert kendall_reading(0.7) == "strong agreement on the order"
    # perfect agreement between raters reads "well", and W = 1
    ratings = pl.DataFrame(
        {
            "participant_id": np.repeat(np.arange(6), 4),
            "item_id": np.tile(np.arange(4), 6),
            "rating": np.tile([1.0, 3.0, 5.0, 7.0], 6),
        }
    )
    state = AgreementState(_tiny(ratings=ratings), n_resamples=50)
    row = state.result["sets"].row(0, named=True)
    assert row["alpha"] == pytest.approx(1.0) and row["reading"] == "raters agree well"
    assert row["kendall_w"] == pytest.approx(1.0)
    # a missing rating: W uses the raters with every item; items below min_cell dropped
    ratings = ratings.filter(~((pl.col("participant_id") == 0) & (pl.col("item_id") == 0)))
    state = AgreementState(_tiny(ratings=ratings), n_resamples=0, min_cell=6)
    assert state.result["items"]["item_id"].to_list() == [1, 2, 3]
    assert "fewer than 6 people" in state.result["note"]


def test_dashboard_shows_the_three_panels_only_with_data(inquiry: Inquiry) -> None:
    dash = ConsensusDashboard(inquiry, min_cell=5)
    titles = [c.get_title(0) for c in dash.children if isinstance(c, Disclosure)]
    for title in ("Crowd estimates", "How much do raters agree?", "Weighing the evidence"):
        assert title in titles
    assert "evidence" not in dash.panels  # folded: not built yet
    board = dash.build_panel("evidence")
    assert isinstance(board, EvidenceBoard) and board.state.min_cell == 5
    assert isinstance(dash.build_panel("agreement"), AgreementPanel)
    assert isinstance(dash.build_panel("crowd-estimates"), CrowdEstimateView)


def test_the_families_list_names_evidence_after_crowd() -> None:
    from coprod_widgets.families import FAMILIES, panels, sections

    keys = [f.key for f in FAMILIES]
    assert keys.index("evidence") == keys.index("crowd") + 1
    ev = FAMILIES[keys.index("evidence")]
    assert (ev.core, ev.views, ev.report) == (
        "coprod_analytics.evidence",
        "coprod_widgets.evidence.views",
        "coprod_widgets.evidence.report",
    )
    by_key = {p.key: p for p in panels()}
    assert by_key["evidence"].build.__module__ == "coprod_widgets.evidence.views"
    assert by_key["agreement"].build.__module__ == "coprod_widgets.crowd.views"
    assert [type(s).__module__ for s in sections() if s.key == "evidence"] == [
        "coprod_widgets.evidence.report"
    ]
    plain = ConsensusDashboard(_tiny())
    titles = [c.get_title(0) for c in plain.children if isinstance(c, Disclosure)]
    assert "Crowd estimates" not in titles and "Weighing the evidence" not in titles
