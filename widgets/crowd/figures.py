"""Plotly figures of the crowd, agreement and evidence views, built from the states' tables.

Pure formatting, as :mod:`coprod_widgets.consensus.figures`: tables in, ``plotly.graph_objects.Figure``
out; texts from the data reach plotly only through
:func:`~coprod_widgets.style.hover_text` (escaped).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from coprod_widgets.consensus.figures import _layout
from coprod_widgets.style import AGREE, DISAGREE, GROUP_COLOURS, group_colour, hover_text, short

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = [
    "METHOD_LABELS",
    "agreement_figure",
    "delphi_figure",
    "estimates_figure",
    "estimators_figure",
    "evidence_figure",
    "evidence_groups_figure",
    "pooling_figure",
    "popular_figure",
]

#: Plain names of the crowd estimators.
METHOD_LABELS: dict[str, str] = {
    "mean": "mean",
    "median": "median",
    "trimmed_mean": "trimmed mean",
    "winsorized_mean": "winsorized mean",
    "geometric_mean": "geometric mean",
    "confidence_weighted_mean": "confidence-weighted mean",
}
TRUTH = "#000000"
_BLUE = GROUP_COLOURS[0]
_ORANGE = GROUP_COLOURS[1]


def _truth_line(fig: go.Figure, truth: float | None) -> None:
    if truth is not None:
        fig.add_vline(
            x=truth,
            line={"color": TRUTH, "dash": "dash", "width": 2},
            annotation_text=f"true value {truth:g}",
            annotation_position="top",
        )


def estimates_figure(
    values: Sequence[float],
    *,
    truth: float | None = None,
    log_scale: bool = False,
    unit: str = "",
    height: int = 260,
) -> go.Figure:
    """Every guess as a dot over a box plot (median and quartiles), the truth dashed."""
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Box(
            x=list(values),
            name="guesses",
            boxpoints="all",
            jitter=0.5,
            pointpos=0,
            marker={"color": _BLUE, "size": 5, "opacity": 0.55},
            line={"color": "#444444"},
            fillcolor="rgba(0,0,0,0)",
            hovertemplate="guess %{x}<extra></extra>",
            orientation="h",
        )
    )
    _truth_line(fig, truth)
    fig.update_xaxes(
        type="log" if log_scale else "linear", title=hover_text(unit) if unit else "guess"
    )
    fig.update_yaxes(showticklabels=False)
    fig.update_layout(showlegend=False)
    return _layout(fig, title="Every guess (box: median and quartiles)", height=height)


def estimators_figure(
    estimators: pl.DataFrame,
    *,
    truth: float | None = None,
    log_scale: bool = False,
    height: int = 300,
) -> go.Figure:
    """Each crowd estimator with its bootstrap interval (a forest plot), the truth dashed."""
    import plotly.graph_objects as go

    rows = list(estimators.iter_rows(named=True))[::-1]
    labels = [METHOD_LABELS.get(r["method"], r["method"]) for r in rows]
    vals = [r["value"] for r in rows]
    plus = [None if r["ci_high"] is None else r["ci_high"] - r["value"] for r in rows]
    minus = [None if r["ci_low"] is None else r["value"] - r["ci_low"] for r in rows]
    fig = go.Figure(
        go.Scatter(
            x=vals,
            y=labels,
            mode="markers",
            marker={"color": _BLUE, "size": 10},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": plus,
                "arrayminus": minus,
                "color": _BLUE,
            },
            hovertemplate="%{y}: %{x:.4g}<extra></extra>",
            name="estimate",
        )
    )
    _truth_line(fig, truth)
    fig.update_xaxes(type="log" if log_scale else "linear", title="crowd estimate")
    fig.update_layout(showlegend=False)
    return _layout(fig, title="Crowd estimates with 95% intervals", height=height)


def delphi_figure(table: pl.DataFrame, *, height: int = 260) -> go.Figure:
    """Median per Delphi round with its interquartile range."""
    import plotly.graph_objects as go

    rounds = [str(r) for r in table.get_column("round").to_list()]
    med = table.get_column("median").to_list()
    fig = go.Figure(
        go.Scatter(
            x=rounds,
            y=med,
            mode="lines+markers",
            marker={"color": _BLUE, "size": 10},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (table["q3"] - table["median"]).to_list(),
                "arrayminus": (table["median"] - table["q1"]).to_list(),
            },
            hovertemplate="round %{x}: median %{y:.4g}<extra></extra>",
            name="median",
        )
    )
    fig.update_xaxes(title="round", type="category")
    fig.update_yaxes(title="median (bars: quartiles)")
    return _layout(fig, title="Delphi rounds: median and interquartile range", height=height)


def pooling_figure(values: Sequence[float], table: pl.DataFrame, *, height: int = 260) -> go.Figure:
    """Histogram of the forecasts with the mean and the pooled forecasts marked."""
    import plotly.graph_objects as go

    fig = go.Figure(
        go.Histogram(
            x=list(values),
            xbins={"start": 0, "end": 1.0001, "size": 0.05},
            marker={"color": "#9ecae1"},
            name="forecasts",
            hovertemplate="%{x}: %{y} forecasts<extra></extra>",
        )
    )
    styles = ("dot", "dashdot", "dash", "solid")
    for (method, value), dash in zip(table.iter_rows(), styles, strict=False):
        fig.add_vline(
            x=value,
            line={"color": _ORANGE if dash == "solid" else "#333333", "dash": dash, "width": 2},
        )
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": _ORANGE if dash == "solid" else "#333333", "dash": dash},
                name=f"{short(method, 50)}: {value:.3f}",
            )
        )
    fig.update_xaxes(title="probability", range=[0, 1])
    fig.update_yaxes(title="forecasts")
    fig.update_layout(legend={"orientation": "h", "y": -0.3})
    return _layout(fig, title="Forecasts and their pools", height=height)


def popular_figure(table: pl.DataFrame, *, height: int = 280) -> go.Figure:
    """Actual and mean predicted share of each answer (the surprise is the difference)."""
    import plotly.graph_objects as go

    options = [hover_text(o, width=30, max_lines=2) for o in table.get_column("option").to_list()]
    fig = go.Figure(
        [
            go.Bar(
                x=options,
                y=table.get_column("actual_share").to_list(),
                name="actual share",
                marker={"color": _BLUE},
                hovertemplate="%{x}: %{y:.1%} answered<extra></extra>",
            ),
            go.Bar(
                x=options,
                y=table.get_column("predicted_share").to_list(),
                name="predicted share",
                marker={"color": _ORANGE},
                hovertemplate="%{x}: %{y:.1%} predicted<extra></extra>",
            ),
        ]
    )
    fig.update_yaxes(title="share of respondents", tickformat=".0%")
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.25})
    return _layout(fig, title="Answers: actual vs predicted shares", height=height)


def agreement_figure(items: pl.DataFrame, *, height: int = 300) -> go.Figure:
    """Per rating item: Tastle–Wierman consensus and Leik's dispersion (both 0–1)."""
    import plotly.graph_objects as go

    labels = [
        hover_text(f"{i}: {t}", width=28, max_lines=2)
        for i, t in items.select("item_id", "text").iter_rows()
    ]
    fig = go.Figure(
        [
            go.Bar(
                x=labels,
                y=items.get_column("tastle_wierman").to_list(),
                name="consensus (Tastle–Wierman; 1 = all the same)",
                marker={"color": AGREE},
                hovertemplate="consensus %{y:.2f}<extra></extra>",
            ),
            go.Bar(
                x=labels,
                y=items.get_column("leik").to_list(),
                name="dispersion (Leik; 1 = split between the ends)",
                marker={"color": DISAGREE},
                hovertemplate="dispersion %{y:.2f}<extra></extra>",
            ),
        ]
    )
    fig.update_yaxes(range=[0, 1])
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.35})
    return _layout(fig, title="Consensus and dispersion per item", height=height)


def evidence_figure(board: pl.DataFrame, *, height: int | None = None) -> go.Figure:
    """Credibility and relevance of each evidence item with their intervals, in board order."""
    import plotly.graph_objects as go

    rows = list(board.iter_rows(named=True))[::-1]
    labels = [hover_text(short(r["title"], 45), width=45, max_lines=1) for r in rows]
    traces = []
    for crit, colour, offset in (("credibility", _BLUE, -0.15), ("relevance", _ORANGE, 0.15)):
        traces.append(
            go.Scatter(
                x=[r[crit] for r in rows],
                y=[i + offset for i in range(len(rows))],
                mode="markers",
                name=crit,
                marker={"color": colour, "size": 9},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        None if r[f"{crit}_high"] is None else r[f"{crit}_high"] - r[crit]
                        for r in rows
                    ],
                    "arrayminus": [
                        None if r[f"{crit}_low"] is None else r[crit] - r[f"{crit}_low"]
                        for r in rows
                    ],
                    "color": colour,
                },
                customdata=labels,
                hovertemplate=f"%{{customdata}}<br>{crit} %{{x:.2f}}<extra></extra>",
            )
        )
    fig = go.Figure(traces)
    fig.update_yaxes(tickvals=list(range(len(rows))), ticktext=labels, automargin=True)
    fig.update_xaxes(title="mean rating (95% interval)")
    fig.update_layout(legend={"orientation": "h", "y": -0.15})
    return _layout(
        fig, title="Evidence: credibility and relevance", height=height or 120 + 40 * len(rows)
    )


def evidence_groups_figure(
    breakdown: pl.DataFrame, titles: dict[Any, str], *, criterion: str = "credibility"
) -> go.Figure:
    """Each group's mean rating of each evidence item (suppressed cells left out)."""
    import plotly.graph_objects as go

    shown = breakdown.filter(pl.col(criterion).is_not_null())
    ids = list(dict.fromkeys(breakdown.get_column("evidence_id").to_list()))
    labels = {e: hover_text(short(titles.get(e, str(e)), 45), width=45, max_lines=1) for e in ids}
    fig = go.Figure()
    for (g, label), part in shown.sort("group").group_by(["group", "label"], maintain_order=True):
        fig.add_trace(
            go.Scatter(
                x=part.get_column(criterion).to_list(),
                y=[labels[e] for e in part.get_column("evidence_id").to_list()],
                mode="markers",
                name=hover_text(label, width=60, max_lines=1),
                marker={"color": group_colour(g), "size": 10},
                hovertemplate=f"%{{y}}<br>{criterion} %{{x:.2f}}<extra></extra>",
            )
        )
    fig.update_yaxes(categoryorder="array", categoryarray=[labels[e] for e in ids][::-1])
    fig.update_xaxes(title=f"mean {criterion} in the group")
    fig.update_layout(legend={"orientation": "h", "y": -0.15})
    return _layout(
        fig, title=f"How groups rate each item ({criterion})", height=140 + 36 * len(ids)
    )
