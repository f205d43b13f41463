"""Figures of an opinion-groups result without a dashboard: ``OpinionGroups.plot()`` and
``.plot_statements()`` (the core's coprod_analytics.consensus.plots, plotly imported inside
the functions; the widgets re-export the same functions) and ConsensusState.from_result."""

from __future__ import annotations

import polars as pl
import pytest
from planted_votes import planted_votes

from coprod_analytics.consensus import opinion_groups
from coprod_analytics.consensus.plots import plot_opinion_map, plot_statements
from coprod_analytics.errors import ParameterError
from coprod_analytics.inquiry import Inquiry
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


def test_result_methods_delegate_to_the_core_and_widgets_reuse_it(result) -> None:  # type: ignore[no-untyped-def]
    import coprod_widgets.consensus.figures as widget_figures

    # one implementation: the widgets import the core's functions, not a copy
    assert widget_figures.plot_opinion_map is plot_opinion_map
    assert widget_figures.plot_statements is plot_statements
    assert result.plot().to_dict() == plot_opinion_map(result).to_dict()
    by_method = result.plot_statements(kind="divisive", max_statements=4).to_dict()
    assert by_method == plot_statements(result, kind="divisive", max_statements=4).to_dict()


def test_one_trace_per_group(result) -> None:  # type: ignore[no-untyped-def]
    for min_cell in (0, 5):
        fig = result.plot(min_cell=min_cell)
        groups = [t for t in fig.data if t.meta and t.meta.get("group") is not None]
        assert [t.meta["group"] for t in groups] == list(range(result.k))
        assert [t.name for t in result.plot_statements(min_cell=min_cell).data] == [
            "Group A",
            "Group B",
            "Group C",
        ]


def test_published_figures_name_and_count_nobody(result) -> None:  # type: ignore[no-untyped-def]

    from coprod_widgets.report.audit import audit_report

    # participants with recognisable ids: none of them may reach a published figure
    votes, _ = planted_votes(3, separation=2.5, seed=1)
    named = votes.with_columns(pl.format("person-{}", pl.col("participant_id")))
    named_res = opinion_groups(Inquiry(votes=named), bridging=False, progress=False)
    live = named_res.plot(show_statements=True)
    assert all(t.mode == "markers" for t in live.data)  # the analyst's view draws people
    fig = named_res.plot(min_cell=5, show_statements=True)
    # no person is a point: groups are outlines, nobody unclustered is drawn
    assert all(t.mode == "lines" for t in fig.data if t.name != "Statements")
    assert "person-" not in fig.to_json()
    for trace in fig.data:
        if trace.name != "Statements":
            assert trace.customdata is None and trace.meta["n"] >= 5
    assert audit_report(fig.to_html(), min_cell=5).passed
    # the statements chart: no group bar where its voters or agree count are small
    bars = result.plot_statements(kind="all", max_statements=200, min_cell=5)
    totals = [c for t in bars.data for c in t.customdata if c is not None]
    assert totals and min(totals) >= 5
    early = [
        x for t in bars.data for x, y in zip(t.x, t.y, strict=True) if str(y).startswith("#99 ")
    ]
    assert early and all(x is None for x in early)  # two votes per group: not shown
    assert audit_report(bars.to_html(), min_cell=5).passed
    unprotected = result.plot_statements(kind="all", max_statements=200)
    assert any(x is not None for t in unprotected.data for x, y in zip(t.x, t.y, strict=True)
               if str(y).startswith("#99 "))  # fmt: skip


def test_plots_need_plotly_with_an_install_hint(monkeypatch: pytest.MonkeyPatch, result) -> None:  # type: ignore[no-untyped-def]
    import builtins

    real = builtins.__import__

    def no_plotly(name, *args, **kwargs):  # type: ignore[no-untyped-def]
        if name.split(".")[0] == "plotly":
            raise ImportError("No module named 'plotly'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_plotly)
    with pytest.raises(ImportError, match=r'pip install "coprod-analytics\[widgets\]"'):
        result.plot()
    with pytest.raises(ImportError, match="coprod-analytics"):
        result.plot_statements()


def test_importing_the_plots_module_imports_no_plotly() -> None:
    import subprocess
    import sys

    code = (
        "import sys; import coprod_analytics.consensus.plots, coprod_analytics.consensus.result;"
        "print(any(m.split('.')[0] == 'plotly' for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_bad_min_cell() -> None:
    votes, _ = planted_votes(2, seed=0)
    res = opinion_groups(Inquiry(votes=votes), bridging=False, progress=False)
    with pytest.raises(ParameterError, match="'min_cell' parameter of plot_opinion_map"):
        res.plot(min_cell=-1)
