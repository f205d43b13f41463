"""Tables connect: every analysis takes an inquiry's tables exactly as the Inquiry stores
them — or the Inquiry itself — with no renaming, and both give the same answer.

The sample inquiry (data/sample-inquiry, made by the project's simulator) holds votes,
estimates, probabilities, choices + predictions, ratings and evidence; a real pabulib
election holds budget ballots.
"""

from __future__ import annotations

import polars as pl
import pytest
from conftest import require_shared

import coprod_analytics as ca
from coprod_analytics import crowd, deliberation, evidence, preferences


@pytest.fixture(scope="module")
def inquiry() -> ca.Inquiry:
    return ca.load_inquiry("data/sample-inquiry")


def _same(a: object, b: object) -> None:
    """Same result from the table and from the Inquiry (the Inquiry may add columns it
    knows more about, e.g. the true values of questions)."""
    assert type(a) is type(b)
    if isinstance(a, pl.DataFrame) and isinstance(b, pl.DataFrame):
        frame_a, frame_b = a, b
    else:
        frame_a, frame_b = a.to_frame(), b.to_frame()  # type: ignore[attr-defined]
    assert set(frame_a.columns) <= set(frame_b.columns)
    assert frame_a.equals(frame_b.select(frame_a.columns))


def test_ratings_feed_the_agreement_measures(inquiry: ca.Inquiry) -> None:
    ratings = inquiry.tables["ratings"]
    assert {"participant_id", "item_id", "rating"} <= set(ratings.columns)
    kw = {"n_resamples": 50, "progress": False}
    _same(crowd.krippendorff_alpha(ratings, **kw), crowd.krippendorff_alpha(inquiry, **kw))
    _same(crowd.fleiss_kappa(ratings, **kw), crowd.fleiss_kappa(inquiry, **kw))
    w = crowd.kendall_w(ratings, missing="drop-items")
    assert 0 <= float(w) <= 1


def test_crowd_tables_feed_the_crowd_estimators(inquiry: ca.Inquiry) -> None:
    kw = {"n_resamples": 50, "progress": False}
    _same(
        crowd.crowd_estimates(inquiry.tables["estimates"], **kw),
        crowd.crowd_estimates(inquiry, **kw),
    )
    _same(crowd.delphi_rounds(inquiry.tables["estimates"]), crowd.delphi_rounds(inquiry))
    _same(crowd.pool_forecasts(inquiry.tables["probabilities"]), crowd.pool_forecasts(inquiry))
    question = inquiry.tables["choices"].get_column("question_id")[0]
    _same(
        crowd.surprisingly_popular(
            inquiry.tables["choices"], inquiry.tables["predictions"], question=question
        ),
        crowd.surprisingly_popular(inquiry, question=question),
    )


def test_evidence_table_feeds_the_evidence_weighing(inquiry: ca.Inquiry) -> None:
    kw = {"n_resamples": 50, "progress": False}
    _same(
        evidence.weigh_evidence(inquiry.tables["evidence"], **kw),
        evidence.weigh_evidence(inquiry, **kw),
    )


def test_votes_feed_the_opinion_groups(inquiry: ca.Inquiry) -> None:
    a = ca.opinion_groups(inquiry.votes, seed=0, bridging=False)
    b = ca.opinion_groups(inquiry, seed=0, bridging=False)
    assert a.k == b.k
    assert a.participants.equals(b.participants)


def test_a_panel_table_feeds_the_shift_analyses() -> None:
    sim = deliberation.simulate_panel(60, 3, shift=1.0, seed=3)
    inq = ca.Inquiry(
        {"participant_id": [1], "statement_id": [1], "vote": [1]}, tables={"panel": sim.panel}
    )
    _same(deliberation.paired_shift(inq.tables["panel"]), deliberation.paired_shift(inq))


def test_budget_ballots_feed_the_voting_and_budget_rules() -> None:
    path = require_shared("pabulib", "poland_krakow_2019_bienczyce.pb")
    inq = ca.read_pabulib(path)
    assert inq.counts()["participants"] == 1045
    assert "1,045 participants" in repr(inq)
    ranked = preferences.schulze(inq.tables["budget_votes"])
    assert ranked.winners == preferences.schulze(inq).winners
    outcome = preferences.greedy_budget(inq)
    assert outcome.selected
