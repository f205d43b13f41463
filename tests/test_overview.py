"""The first-look overview: agreement, rejection, division and participation."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coprod_analytics import Inquiry, ParameterError, overview
from coprod_analytics.crowd.diversity import gini
from coprod_analytics.simulate import sample_inquiry


def test_planted_consensus_statements_lead_the_agreed_list():
    ov = overview(sample_inquiry())
    roles = sample_inquiry().statements.select("statement_id", "planted_role")
    agreed = ov.agreed().join(roles, on="statement_id")
    assert (agreed.get_column("planted_role") == "consensus").sum() >= 4
    rejected = ov.rejected().join(roles, on="statement_id")
    assert "consensus-disagree" in rejected.get_column("planted_role").to_list()


def test_rates_and_intervals_are_consistent():
    ov = overview(sample_inquiry())
    s = ov.statements
    total = s.get_column("agree_rate") + s.get_column("disagree_rate") + s.get_column("pass_rate")
    assert np.allclose(total.to_numpy(), 1.0)
    assert (s.get_column("agree_ci_low") <= s.get_column("agree_rate")).all()
    assert (s.get_column("agree_rate") <= s.get_column("agree_ci_high")).all()
    assert s.get_column("divisiveness").is_between(0, 1).all()


def test_divisiveness_extremes():
    inq = Inquiry(
        {
            "participant_id": [1, 2, 3, 4, 1, 2, 3, 4],
            "statement_id": [1, 1, 1, 1, 2, 2, 2, 2],
            "vote": [1, 1, -1, -1, 1, 1, 1, 1],
        }
    )
    s = overview(inq).statements.sort("statement_id")
    assert s.get_column("divisiveness").to_list() == [1.0, 0.0]


def test_moderated_out_statements_are_left_out():
    inq = Inquiry(
        {"participant_id": [1, 2], "statement_id": [1, 2], "vote": [1, 1]},
        statements={"statement_id": [1, 2], "moderation": [1, -1]},
    )
    assert overview(inq).statements.get_column("statement_id").to_list() == [1]


def test_parameters_checked():
    with pytest.raises(
        ParameterError, match=r"The 'top' parameter of overview must be an int >= 1\. Got 0\."
    ):
        overview(sample_inquiry(), top=0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, 1000), min_size=1, max_size=50))
def test_gini_bounds_and_invariance(values):
    g = gini(values)
    assert 0.0 <= g < 1.0
    assert gini(list(reversed(values))) == pytest.approx(g)
    assert gini([v * 3 for v in values]) == pytest.approx(g)


def test_html_escapes_statement_texts():
    inq = Inquiry(
        {"participant_id": [1, 2, 3, 4, 5], "statement_id": [1] * 5, "vote": [1] * 5},
        statements=pl.DataFrame({"statement_id": [1], "text": ["<script>alert(1)</script>"]}),
    )
    page = overview(inq)._repr_html_()
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_overview_of_an_inquiry_without_votes():
    ov = overview(
        Inquiry(tables={"estimates": {"participant_id": [1], "question_id": [1], "value": [2.0]}})
    )
    assert ov.participation["gini"] == 0.0
    assert ov.agreed().height == 0
    assert "no statement has" in ov.to_text()


def test_result_protocol_one_line_repr_and_intervals_at_any_level() -> None:
    inq = sample_inquiry()
    ov = overview(inq)
    text = repr(ov)
    assert "\n" not in text and len(text) < 200  # was 5,280 characters
    assert "150 participants" in text
    assert ov.summary() == ov.to_text()
    assert ov.to_frame().equals(ov.statements)
    assert ov.to_pandas().shape == ov.statements.shape
    assert ov.provenance is not None and ov.provenance.input_fingerprint == inq.fingerprint
    wide = ov.conf_int()
    narrow = ov.conf_int(alpha=0.2)
    assert wide.columns[-3:] == ["ci_low", "ci_high", "alpha"]
    assert (wide["ci_high"] - wide["ci_low"] >= narrow["ci_high"] - narrow["ci_low"]).all()
    # the stored 95% columns are the alpha=0.05 intervals
    assert np.allclose(wide["ci_low"].to_numpy(), ov.statements["agree_ci_low"].to_numpy())
    # an independent reference for the 80% intervals: statsmodels' Wilson interval
    from statsmodels.stats.proportion import proportion_confint

    s = ov.statements
    ref_lo, ref_hi = proportion_confint(
        s["agree"].to_numpy(), s["total"].to_numpy(), alpha=0.2, method="wilson"
    )
    assert np.allclose(narrow["ci_low"].to_numpy(), ref_lo)
    assert np.allclose(narrow["ci_high"].to_numpy(), ref_hi)
    with pytest.raises(ParameterError, match="'alpha' parameter of Overview"):
        ov.conf_int(alpha=1.5)
