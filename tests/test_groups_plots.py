"""Figures of an opinion-groups result without a dashboard (coprod_widgets.consensus.figures:
plot_opinion_map, plot_statements) and ConsensusState.from_result."""

from __future__ import annotations

import polars as pl
import pytest
from planted_votes import planted_votes

from coprod_analytics.consensus import opinion_groups
from coprod_analytics.errors import ParameterError
from coprod_analytics.inquiry import Inquiry
from coprod_widgets.consensus.figures import plot_opinion_map, plot_statements
from coprod_widgets.consensus.state import ConsensusState


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    votes, _ = planted_votes(3, separation=2.5, seed=1)
    # one statement with two votes per group: too few for any claim
    early = pl.DataFrame(
        {"participant_id": [0, 1, 2, 3, 4, 5], "statement_id": [99] * 6, "vote": [1] * 6}
    )
    return opinion_groups(Inquiry(votes=pl.concat([votes, early])), progress=False)


def test_opinion_map_has_a_trace_per_group_and_the_verdict(result) -> None:  # type: ignore[no-untyped-def]
    fig = plot_opinion_map(result, show_statements=True)
    groups = [t for t in fig.data if t.name.startswith("Group")]
    sizes = dict(result.groups.select("group", "size").iter_rows())
    assert [t.name for t in groups] == [f"Group {'ABC'[g]} ({sizes[g]})" for g in range(3)]
    assert sum(len(t.x) for t in groups) == int(result.participants["in_conv"].sum())
    assert result.verdict.text.split(":")[0] in fig.layout.title.text
    stmts = [t for t in fig.data if t.name == "Statements"]
    assert stmts and stmts[0].visible is True


def test_statements_figure_shows_rates_intervals_and_honest_tags(result) -> None:  # type: ignore[no-untyped-def]
    fig = plot_statements(result, kind="all", max_statements=200)
    assert [t.name for t in fig.data] == ["Group A", "Group B", "Group C"]
    for trace in fig.data:
        for x, up, down in zip(trace.x, trace.error_x.array, trace.error_x.arrayminus, strict=True):
            if x is not None:
                assert -1e-12 <= x - down <= x <= x + up <= 1 + 1e-12
    labels = list(fig.data[0].y)
    early = [y for y in labels if y.startswith("#99 ")]
    assert early and "too few votes yet" in early[0] and "consensus" not in early[0]
    consensus = plot_statements(result, kind="consensus", max_statements=5)
    assert 1 <= len(consensus.data[0].y) <= 5


def test_bad_kind_and_a_result_without_matrix() -> None:
    votes, _ = planted_votes(2, seed=0)
    res = opinion_groups(Inquiry(votes=votes), bridging=False, progress=False)
    with pytest.raises(ParameterError, match="'kind' parameter of plot_statements"):
        plot_statements(res, kind="best")
    from dataclasses import replace

    with pytest.raises(ParameterError, match="must carry its vote matrix"):
        ConsensusState.from_result(replace(res, matrix=None))
