"""Plotly figures of the consensus views, built from the state's tables.

Pure formatting: each function takes tables (or a :class:`ConsensusState`) and returns a
``plotly.graph_objects.Figure``. The widgets wrap them in a ``FigureWidget``; the static
report renders them as HTML with plotly.js inlined. Texts from the data reach plotly only
through :func:`~coprod_widgets.style.hover_text` (escaped).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from coprod_analytics.format import fmt_pct
from coprod_widgets.style import UNCLUSTERED, group_colour, group_label, hover_text

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from coprod_widgets.consensus.state import ConsensusState

__all__ = [
    "STATEMENTS_TRACE",
    "confidence_figure",
    "opinion_map_figure",
    "silhouette_figure",
    "stability_figure",
]

#: Name of the statements trace of the opinion map.
STATEMENTS_TRACE = "Statements"
_FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}


def _layout(fig: go.Figure, *, title: str, height: int) -> go.Figure:
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 15}},
        height=height,
        margin={"l": 40, "r": 10, "t": 50, "b": 40},
        font=_FONT,
        plot_bgcolor="white",
        paper_bgcolor="white",
        hoverlabel={"align": "left"},
    )
    return fig


def opinion_map_figure(state: ConsensusState, *, height: int = 460) -> go.Figure:
    """Participants as points coloured by group (one trace per group, then the people
    not clustered), plus the statements when ``state.show_statements``.

    Each group trace's ``meta`` holds its group id, so a click tells the group.

    Parameters
    ----------
    state : ConsensusState
        The computed state (groups, selection, statements shown or not).
    height : int, default 460
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_widgets.consensus.state import ConsensusState
    >>> state = ConsensusState(sample_inquiry(), seed=0)
    >>> fig = opinion_map_figure(state)
    >>> sum(1 for t in fig.data if t.name.startswith("Group ")) == state.result.k
    True
    """
    import plotly.graph_objects as go

    people = state.participant_table()
    groups = state.group_table()
    fig = go.Figure()
    selected = state.selected_group
    rest = people.filter(pl.col("group").is_null())
    if rest.height:
        fig.add_trace(
            go.Scatter(
                x=rest.get_column("x").round(4).to_list(),
                y=rest.get_column("y").round(4).to_list(),
                mode="markers",
                name=f"Not clustered ({rest.height}, too few votes)",
                marker={"color": UNCLUSTERED, "size": 4, "opacity": 0.35},
                hovertemplate="Not clustered (too few votes)<extra></extra>",
                meta={"group": None},
            )
        )
    for row in groups.iter_rows(named=True):
        g = row["group"]
        members = people.filter(pl.col("group") == g)
        conf = members.get_column("confidence")
        size_txt = f"fewer than {state.min_cell}" if row["size"] is None else str(row["size"])
        dim = selected is not None and selected != g
        label = row["label"]
        if conf.null_count() == conf.len():
            # nothing per point to show: keep the widget's payload small
            custom = None
            hover = f"{label}<br>membership confidence: not computed<extra></extra>"
        else:
            custom = [[fmt_pct(c)] for c in conf.to_list()]
            hover = f"{label}<br>membership confidence: %{{customdata[0]}}<extra></extra>"
        fig.add_trace(
            go.Scatter(
                x=members.get_column("x").round(4).to_list(),
                y=members.get_column("y").round(4).to_list(),
                mode="markers",
                name=f"{label} ({size_txt})",
                legendgroup=f"group{g}",
                marker={
                    "color": group_colour(g),
                    "size": 7,
                    "opacity": 0.15 if dim else 0.8,
                    "line": {"width": 0.5, "color": "white"},
                },
                customdata=custom,
                hovertemplate=hover,
                meta={"group": g},
            )
        )
    stmts = state.statement_table()
    fig.add_trace(
        go.Scatter(
            x=stmts.get_column("x").to_list(),
            y=stmts.get_column("y").to_list(),
            mode="markers",
            name=STATEMENTS_TRACE,
            visible=bool(state.show_statements),
            marker={"symbol": "x-thin", "size": 9, "color": "#333333", "line": {"width": 1.5}},
            customdata=[
                [None, str(sid), hover_text(txt)]
                for sid, txt in zip(
                    stmts.get_column("statement_id").to_list(),
                    stmts.get_column("text").to_list(),
                    strict=True,
                )
            ],
            hovertemplate="Statement %{customdata[1]}<br>%{customdata[2]}<extra></extra>",
            meta={"group": None},
        )
    )
    for row in groups.iter_rows(named=True):
        fig.add_annotation(
            x=row["x"],
            y=row["y"],
            text=row["label"],
            showarrow=False,
            font={"size": 14, "color": "black"},
            bgcolor="rgba(255,255,255,0.8)",
            bordercolor=group_colour(row["group"]),
        )
    fig.update_xaxes(showticklabels=False, zeroline=False, showgrid=False, title=None)
    fig.update_yaxes(showticklabels=False, zeroline=False, showgrid=False, title=None)
    fig.update_layout(legend={"orientation": "h", "y": -0.05, "itemclick": False})
    return _layout(
        fig, title="Opinion map: people who vote alike sit close together", height=height
    )


def silhouette_figure(silhouettes: dict[int, float], k: int, *, height: int = 260) -> go.Figure:
    """Silhouette of each number of groups tried (higher: a clearer split); the k shown
    is highlighted.

    Parameters
    ----------
    silhouettes : dict of int to float
        Silhouette per k.
    k : int
        The k shown (highlighted).
    height : int, default 260
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> list(silhouette_figure({2: 0.6, 3: 0.4}, 2).data[0].x)
    ['2', '3']
    """
    import plotly.graph_objects as go

    ks = sorted(silhouettes)
    fig = go.Figure(
        go.Bar(
            x=[str(x) for x in ks],
            y=[silhouettes[x] for x in ks],
            marker={"color": ["#0072B2" if x == k else "#9ecae1" for x in ks]},
            hovertemplate="k = %{x}: silhouette %{y:.3f}<extra></extra>",
            name="silhouette",
        )
    )
    fig.update_xaxes(title="number of groups (k)")
    fig.update_yaxes(title="silhouette", range=[min(0.0, *silhouettes.values()), 1])
    return _layout(fig, title="How clearly the room splits into k groups", height=height)


def stability_figure(scores: dict[int, float], k: int, *, height: int = 260) -> go.Figure:
    """Resampling stability per k (as the core reports it).

    Parameters
    ----------
    scores : dict of int to float
        Stability (1 - PAC) per k.
    k : int
        The k shown (highlighted).
    height : int, default 260
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> list(stability_figure({2: 0.9, 3: 0.5}, 2).data[0].y)
    [0.9, 0.5]
    """
    import plotly.graph_objects as go

    ks = sorted(scores)
    fig = go.Figure(
        go.Bar(
            x=[str(x) for x in ks],
            y=[float(scores[x]) for x in ks],
            marker={"color": ["#0072B2" if x == k else "#9ecae1" for x in ks]},
            hovertemplate="k = %{x}: stability %{y:.3f}<extra></extra>",
            name="stability",
        )
    )
    fig.update_xaxes(title="number of groups (k)")
    fig.update_yaxes(title="stability")
    return _layout(fig, title="Stability of the split under resampling", height=height)


def confidence_figure(confidence: pl.DataFrame, *, height: int = 260) -> go.Figure:
    """Histogram of membership confidence per group.

    Parameters
    ----------
    confidence : polars.DataFrame
        ``group`` and ``confidence`` per clustered participant.
    height : int, default 260
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> conf = pl.DataFrame({"group": [0, 0, 1], "confidence": [0.9, 0.8, 0.4]})
    >>> [t.name for t in confidence_figure(conf).data]
    ['Group A', 'Group B']
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for (g,), part in confidence.sort("group").group_by(["group"], maintain_order=True):
        fig.add_trace(
            go.Histogram(
                x=part.get_column("confidence").to_list(),
                name=group_label(g),
                marker={"color": group_colour(g)},
                xbins={"start": 0, "end": 1.0001, "size": 0.05},
                opacity=0.75,
            )
        )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title="membership confidence", range=[0, 1])
    fig.update_yaxes(title="participants")
    return _layout(fig, title="How sure each person's group is", height=height)
