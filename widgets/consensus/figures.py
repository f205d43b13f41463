"""Plotly figures of the consensus views, built from the state's tables.

Pure formatting: each function takes tables (or a :class:`ConsensusState`) and returns a
``plotly.graph_objects.Figure``. The widgets wrap them in a ``FigureWidget``; the static
report renders them as HTML with plotly.js inlined. Texts from the data reach plotly only
through :func:`~coprod_widgets.style.hover_text` (escaped).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from coprod_analytics.format import fmt_pct
from coprod_analytics.privacy import is_small_cell
from coprod_widgets.style import UNCLUSTERED, group_colour, group_label, hover_text

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from coprod_widgets.consensus.state import ConsensusState

__all__ = [
    "STATEMENTS_TRACE",
    "binned_bar",
    "confidence_figure",
    "merged_bins",
    "opinion_map_figure",
    "plot_opinion_map",
    "plot_statements",
    "published_group_sizes",
    "published_statement_cards",
    "silhouette_figure",
    "silhouette_sentence",
    "stability_figure",
    "verdict_html",
    "withheld_cells",
    "withheld_shares",
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


def merged_bins(values: Sequence[float], *, bins: int = 20, min_cell: int = 0) -> pl.DataFrame:
    """Counts of ``values`` in ``bins`` equal bins of [0, 1], neighbours merged until every
    bin holds at least ``min_cell`` values (the small-cell rule of a published histogram).

    Bin edges are exact (``i / bins``, not a running sum), bins are closed on the left and
    the last one on both sides, so every value in [0, 1] is counted once. With
    ``min_cell`` > 0, a bin below it (by :func:`~coprod_analytics.privacy.is_small_cell`)
    is merged with the next one; a small last bin joins the one before; when all values
    together are fewer than ``min_cell`` the table is empty (the histogram is not shown).

    Parameters
    ----------
    values : sequence of float
        Values in [0, 1] (others are ignored).
    bins : int, default 20
        Number of equal bins before merging.
    min_cell : int, default 0
        Smallest count a published bin may hold (0: no merging).

    Returns
    -------
    polars.DataFrame
        ``low``, ``high`` (the bin's edges) and ``people`` (its count), in order; the
        counts add up to the number of values in [0, 1].

    Examples
    --------
    >>> t = merged_bins([0.6, 0.6, 0.2, 0.9, 0.95, 0.1, 0.15], bins=5)
    >>> t["people"].to_list(), t["people"].sum()
    ([2, 1, 0, 2, 2], 7)
    >>> t = merged_bins([0.6, 0.6, 0.2, 0.9, 0.95, 0.1, 0.15], bins=5, min_cell=3)
    >>> t.rows()
    [(0.0, 0.4, 3), (0.4, 1.0, 4)]
    >>> merged_bins([0.5, 0.5], bins=5, min_cell=5).height
    0
    """
    x = np.asarray([v for v in values if v is not None], dtype=float)
    x = x[(x >= 0) & (x <= 1)]
    edges = np.array([i / bins for i in range(bins + 1)])
    index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    counts = np.bincount(index, minlength=bins).tolist()
    if not min_cell:
        return pl.DataFrame(
            {"low": edges[:-1], "high": edges[1:], "people": counts},
            schema={"low": pl.Float64, "high": pl.Float64, "people": pl.Int64},
        )
    if is_small_cell(len(x), min_cell=min_cell, suppress_zeros=True):
        return pl.DataFrame(schema={"low": pl.Float64, "high": pl.Float64, "people": pl.Int64})
    merged: list[list[float]] = []
    start, acc = 0, 0
    for i, c in enumerate(counts):
        acc += c
        if not is_small_cell(acc, min_cell=min_cell, suppress_zeros=True):
            merged.append([edges[start], edges[i + 1], acc])
            start, acc = i + 1, 0
    if start < bins:  # a remainder below min_cell joins the bin before
        if merged:
            merged[-1][1] = edges[-1]
            merged[-1][2] += acc
        else:  # pragma: no cover - len(x) >= min_cell makes one full bin
            merged.append([edges[start], edges[-1], acc])
    return pl.DataFrame(
        {
            "low": [float(m[0]) for m in merged],
            "high": [float(m[1]) for m in merged],
            "people": [int(m[2]) for m in merged],
        },
        schema={"low": pl.Float64, "high": pl.Float64, "people": pl.Int64},
    )


def binned_bar(table: pl.DataFrame, *, name: str, colour: str, unit: str = "people") -> go.Bar:
    """A histogram drawn from :func:`merged_bins` counts (no individual value reaches the
    page): one bar per bin, as wide as the bin.

    Parameters
    ----------
    table : polars.DataFrame
        ``low``, ``high``, ``people`` as :func:`merged_bins` returns them.
    name : str
        The trace's name (trusted text; escape data first).
    colour : str
        The bars' colour.
    unit : str, default "people"
        What is counted, in the hover text.

    Returns
    -------
    plotly.graph_objects.Bar

    Examples
    --------
    >>> bar = binned_bar(merged_bins([0.1] * 6, bins=5), name="A", colour="#000")
    >>> list(bar.y)
    [6, 0, 0, 0, 0]
    """
    import plotly.graph_objects as go

    low = table.get_column("low").to_list()
    high = table.get_column("high").to_list()
    return go.Bar(
        x=[round((a + b) / 2, 6) for a, b in zip(low, high, strict=True)],
        y=table.get_column("people").to_list(),
        width=[round(b - a, 6) for a, b in zip(low, high, strict=True)],
        customdata=[[fmt_pct(a), fmt_pct(b)] for a, b in zip(low, high, strict=True)],
        name=name,
        marker={"color": colour, "line": {"width": 1, "color": "white"}},
        hovertemplate=f"%{{customdata[0]}} to %{{customdata[1]}}: %{{y}} {unit}<extra></extra>",
    )


def opinion_map_figure(state: ConsensusState, *, min_cell: int = 0, height: int = 460) -> go.Figure:
    """Participants as points coloured by group (one trace per group, then the people
    not clustered), plus the statements when ``state.show_statements``.

    Each group trace's ``meta`` holds its group id, so a click tells the group. With
    ``min_cell`` > 0 (a published report) no person is drawn: each group of at least
    ``min_cell`` people is an ellipse holding about 86% of its members (two standard
    deviations around its centre), smaller groups and the people not clustered are not
    drawn, and the legend says how many people each shape stands for.

    Parameters
    ----------
    state : ConsensusState
        The computed state (groups, selection, statements shown or not).
    min_cell : int, default 0
        0: every person is a point (the live dashboard); otherwise groups of fewer
        people are not drawn and no point stands for one person.
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
    >>> fig = opinion_map_figure(state, min_cell=5)
    >>> [t.mode for t in fig.data if t.name.startswith("Group ")]
    ['lines', 'lines']
    """
    import plotly.graph_objects as go

    people = state.participant_table()
    groups = state.group_table()
    fig = go.Figure()
    selected = state.selected_group
    rest = people.filter(pl.col("group").is_null())
    sizes: dict[Any, int | None] = {}
    if min_cell:
        sizes = published_group_sizes(state, min_cell=min_cell)
        shown_groups = groups.filter(
            pl.col("group").is_in([g for g, n in sizes.items() if n is not None])
        )
        _group_ellipses(fig, people, shown_groups, min_cell=min_cell)
    elif rest.height:
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
    for row in groups.iter_rows(named=True) if not min_cell else ():
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
        if min_cell and sizes.get(row["group"]) is None:
            continue
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


def _group_ellipses(
    fig: go.Figure, people: pl.DataFrame, groups: pl.DataFrame, *, min_cell: int
) -> None:
    """Each group of at least ``min_cell`` people as a filled two-SD ellipse (no points)."""
    import plotly.graph_objects as go

    angle = np.linspace(0, 2 * np.pi, 49)
    circle = np.stack([np.cos(angle), np.sin(angle)])
    for row in groups.iter_rows(named=True):
        g = row["group"]
        xy = people.filter(pl.col("group") == g).select("x", "y").drop_nulls().to_numpy()
        if xy.shape[0] < max(min_cell, 3):
            continue
        centre = xy.mean(axis=0)
        cov = np.cov(xy, rowvar=False)
        vals, vecs = np.linalg.eigh(cov)
        shape = vecs @ np.diag(2 * np.sqrt(np.clip(vals, 0, None))) @ circle
        fig.add_trace(
            go.Scatter(
                x=np.round(centre[0] + shape[0], 3).tolist(),
                y=np.round(centre[1] + shape[1], 3).tolist(),
                mode="lines",
                fill="toself",
                name=f"{row['label']} ({xy.shape[0]} people)",
                legendgroup=f"group{g}",
                line={"color": group_colour(g), "width": 2},
                opacity=0.45,
                hovertemplate=f"{row['label']}: {xy.shape[0]} people<extra></extra>",
                meta={"group": g, "n": int(xy.shape[0])},
            )
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


def confidence_figure(
    confidence: pl.DataFrame, *, min_cell: int = 0, height: int = 260
) -> go.Figure:
    """Histogram of membership confidence per group.

    With ``min_cell`` > 0 (a published report) the counts are binned here and neighbouring
    bins merged until each holds at least ``min_cell`` people (:func:`merged_bins`); a group
    of fewer people is left out, and no individual value reaches the page. With 0 (the live
    dashboard) plotly bins the values itself.

    Parameters
    ----------
    confidence : polars.DataFrame
        ``group`` and ``confidence`` per clustered participant.
    min_cell : int, default 0
        Smallest number of people a published bin may hold.
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
    >>> conf = pl.DataFrame({"group": [0] * 7 + [1] * 2, "confidence": [0.9] * 5 + [0.4] * 4})
    >>> [(t.name, list(t.y)) for t in confidence_figure(conf, min_cell=5).data]
    [('Group A', [7])]
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for (g,), part in confidence.sort("group").group_by(["group"], maintain_order=True):
        values = part.get_column("confidence").to_list()
        if min_cell:
            table = merged_bins(values, bins=20, min_cell=min_cell)
            if table.height:
                trace = binned_bar(table, name=group_label(g), colour=group_colour(g))
                trace.update(opacity=0.75)
                fig.add_trace(trace)
            continue
        fig.add_trace(
            go.Histogram(
                x=values,
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


_SHARES = ("agree", "disagree", "pass")


def withheld_shares(counts: dict[str, int | None], *, min_cell: int) -> set[str]:
    """Which of the agree/disagree/pass counts of one group × statement cell to withhold,
    so that no count below ``min_cell`` can be read off or worked out from the total.

    Primary: every count ``1 <= c < min_cell``
    (:func:`~coprod_analytics.privacy.is_small_cell`). Complementary: while only one count
    is withheld, or the withheld counts add up to fewer than ``min_cell`` (the total minus
    the shown counts gives their sum), the smallest shown count is withheld too; so each
    withheld count could be 0 or at least ``min_cell`` for all the page tells.

    Parameters
    ----------
    counts : dict of str to int
        ``agree``, ``disagree``, ``pass`` (None: unknown, treated as 0).
    min_cell : int
        Counts strictly below this are small (0 withholds nothing).

    Returns
    -------
    set of str
        The names to withhold (empty: show every share).

    Examples
    --------
    >>> sorted(withheld_shares({"agree": 12, "disagree": 8, "pass": 6}, min_cell=5))
    []
    >>> sorted(withheld_shares({"agree": 12, "disagree": 8, "pass": 2}, min_cell=5))
    ['disagree', 'pass']
    >>> sorted(withheld_shares({"agree": 20, "disagree": 3, "pass": 0}, min_cell=5))
    ['agree', 'disagree', 'pass']
    """
    return withheld_cells({k: counts.get(k) for k in _SHARES}, min_cell=min_cell)


def withheld_cells(counts: Mapping[Any, int | None], *, min_cell: int) -> set[Any]:
    """Cells of one total to withhold: the small ones (primary) and, while fewer than two
    are withheld or they add up to fewer than ``min_cell``, the smallest shown one
    (complementary), so the total minus the shown cells gives no small count away.

    Parameters
    ----------
    counts : mapping
        Count per cell (None: 0).
    min_cell : int
        Counts strictly below this are small (0 withholds nothing).

    Returns
    -------
    set
        The keys to withhold.

    Examples
    --------
    >>> sorted(withheld_cells({"A": 56, "B": 39, "C": 3}, min_cell=5))
    ['B', 'C']
    >>> withheld_cells({"A": 56, "B": 39}, min_cell=5)
    set()
    """
    values = {k: int(v or 0) for k, v in counts.items()}
    out = {k for k, c in values.items() if is_small_cell(c, min_cell=min_cell)}
    while out and (
        len(out) < 2
        or is_small_cell(sum(values[k] for k in out), min_cell=min_cell, suppress_zeros=True)
    ):
        rest = sorted(((values[k], str(k)), k) for k in values if k not in out)
        if not rest:
            break
        out.add(rest[0][1])
    return out


def published_group_sizes(state: ConsensusState, *, min_cell: int) -> dict[Any, int | None]:
    """Opinion-group sizes to publish: None where withheld (:func:`withheld_cells`), so that
    a small group's size cannot be worked out from the others and the total.

    Parameters
    ----------
    state : ConsensusState
        The analysed state.
    min_cell : int
        The small-cell limit (0: every size).

    Returns
    -------
    dict
        Group id to size (None: withheld).

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_widgets.consensus.state import ConsensusState
    >>> published_group_sizes(ConsensusState(sample_inquiry(), seed=0), min_cell=5)
    {0: 56, 1: 39}
    """
    people = state.participant_table().filter(pl.col("group").is_not_null())
    sizes = dict(people.group_by("group").len().sort("group").iter_rows())
    hidden = withheld_cells(sizes, min_cell=min_cell)
    return {g: (None if g in hidden else int(n)) for g, n in sizes.items()}


def _published_bar(row: dict[str, object], *, who: str, colour: str, min_cell: int) -> str:
    from coprod_widgets.html import pct
    from coprod_widgets.style import esc

    swatch = (
        f'<span class="who"><span class="swatch" style="background:{colour}"></span>'
        f"{esc(who)}</span>"
    )
    total = row.get("total")
    if total is None or row.get("agree_rate") is None:
        reason = f"fewer than {min_cell} voters, not shown" if total is None else "no votes"
        return f'<div class="row">{swatch}<span class="muted">{esc(reason)}</span></div>'
    counts = {k: row.get(k) for k in _SHARES}
    hidden = withheld_shares(counts, min_cell=min_cell)  # type: ignore[arg-type]
    rates = {k: float(row.get(f"{k}_rate") or 0.0) for k in _SHARES}  # type: ignore[arg-type]
    words = {"agree": "agree", "disagree": "disagree", "pass": "pass"}
    texts = []
    for k in _SHARES:
        if k not in hidden:
            texts.append(f"{pct(rates[k])} {words[k]}")
        elif is_small_cell(counts[k], min_cell=min_cell):  # type: ignore[arg-type]
            texts.append(f"{words[k]}: fewer than {min_cell}")
        else:
            texts.append(f"{words[k]}: withheld")
    ci = ""
    lo, hi = row.get("agree_ci_low"), row.get("agree_ci_high")
    if "agree" not in hidden and lo is not None and hi is not None:
        lo_f, hi_f = float(lo), float(hi)  # type: ignore[arg-type]
        ci = (
            f'<span class="ci" style="left:{100 * lo_f:.1f}%;'
            f'width:{100 * max(hi_f - lo_f, 0):.1f}%"></span>'
        )
        texts[0] += f" (95% interval {pct(lo_f)} to {pct(hi_f)})"
    segments = "".join(
        f'<span class="{k}" style="width:{100 * rates[k]:.1f}%"></span>'
        for k in _SHARES
        if k not in hidden
    )
    gap = sum(rates[k] for k in hidden)
    if hidden:
        segments += (
            f'<span class="withheld" style="width:{100 * gap:.1f}%;'
            'background:repeating-linear-gradient(45deg,#ddd 0 3px,#fff 3px 6px)"></span>'
        )
    label = f"{who}: " + ", ".join(texts) + f", {total} voters"
    return (
        f'<div class="row">{swatch}'
        f'<span class="bar" role="img" aria-label="{esc(label)}" title="{esc(label)}">'
        f"{segments}{ci}</span><span>{esc(' · '.join(texts))} · n={esc(total)}</span></div>"
    )


def published_statement_cards(
    state: ConsensusState, board: pl.DataFrame, *, max_rows: int = 12
) -> str:
    """The statement board for publication: as
    :func:`~coprod_widgets.html.statement_cards`, but shares of fewer than ``min_cell``
    voters are withheld with a complementary share (:func:`withheld_shares`), so no count
    below ``min_cell`` can be recovered from a percentage times n, and a statement's
    group-aware consensus (a product of every group's agree rate) is withheld when any
    group's agree share is.

    Parameters
    ----------
    state : ConsensusState
        The analysed state (group votes and ``min_cell``; 0 shows everything).
    board : polars.DataFrame
        The statements to show (:meth:`ConsensusState.board_table`).
    max_rows : int, default 12
        Cards shown.

    Returns
    -------
    str
        A ``<div class="coprod" role="list">`` of cards (every data value escaped).

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_widgets.consensus.state import ConsensusState
    >>> state = ConsensusState(sample_inquiry(), seed=0, min_cell=5)
    >>> html = published_statement_cards(state, state.board_table(), max_rows=3)
    >>> html.count('<div class="card"'), "fewer than 5" in html
    (3, True)
    """
    from coprod_widgets.html import statement_cards
    from coprod_widgets.style import esc

    min_cell = state.min_cell
    if not min_cell:
        return statement_cards(state, board, max_rows=max_rows)
    if board.height == 0:
        return '<div class="coprod"><p class="muted">No statement matches.</p></div>'
    shown = board.head(max_rows)
    ids = shown.get_column("statement_id").to_list()
    by_sid: dict[object, list[dict[str, object]]] = {}
    for r in state.group_votes(ids).iter_rows(named=True):
        by_sid.setdefault(r["statement_id"], []).append(r)
    cards = []
    for row in shown.iter_rows(named=True):
        sid = row["statement_id"]
        rows = by_sid.get(sid, [])
        tags = "".join(f'<span class="tag">{esc(tg)}</span>' for tg in row["tags"] or [])
        agree_hidden = any(
            r.get("total") is None
            or "agree"
            in withheld_shares(
                {k: r.get(k) for k in _SHARES},  # type: ignore[misc]
                min_cell=min_cell,
            )
            for r in rows
        )
        gac = row["group_aware_consensus"]
        if gac is None:
            gac_txt = ""
        elif agree_hidden:
            gac_txt = "group-aware consensus withheld (a group's agree count is small)"
        else:
            gac_txt = f"group-aware consensus {gac:.2f}"
            if row["gac_ci_low"] is not None and row["gac_ci_high"] is not None:
                gac_txt += f" ({row['gac_ci_low']:.2f}–{row['gac_ci_high']:.2f})"
        bars = "".join(
            _published_bar(
                r, who=group_label(r["group"]), colour=group_colour(r["group"]), min_cell=min_cell
            )
            for r in rows
        )
        n_votes = row["n_votes"]
        votes_txt = (
            f"fewer than {min_cell} votes"
            if is_small_cell(n_votes, min_cell=min_cell)
            else f"{n_votes} votes"
        )
        cards.append(
            f'<div class="card" data-statement-id="{esc(sid)}">'
            f'<div class="muted">#{esc(sid)} · {esc(votes_txt)} · {esc(gac_txt)} '
            f'{tags}</div><div class="text">{esc(row["text"])}</div>{bars}</div>'
        )
    more = (
        f'<p class="muted">Showing {max_rows} of {board.height} statements.</p>'
        if board.height > max_rows
        else f'<p class="muted">{board.height} statement(s).</p>'
    )
    note = (
        f'<p class="muted">Shares of fewer than {min_cell} voters in a group are withheld '
        "(\u201cfewer than\u201d), together with one more share where needed "
        "(\u201cwithheld\u201d), so that no small count can be worked out from n.</p>"
    )
    return f'<div class="coprod" role="list">{"".join(cards)}{more}{note}</div>'


_SILHOUETTE_WORDS = (
    (0.70, "a strong structure"),
    (0.50, "a reasonable structure"),
    (0.25, "a weak structure that could be an artefact"),
    (-1.0, "no substantial structure"),
)


def silhouette_sentence(score: float) -> str:
    """Kaufman & Rousseeuw's reading of an average silhouette.

    Parameters
    ----------
    score : float
        Average silhouette.

    Returns
    -------
    str

    Examples
    --------
    >>> silhouette_sentence(0.55)
    'a reasonable structure'
    """
    for threshold, words in _SILHOUETTE_WORDS:
        if score > threshold:
            return words
    return _SILHOUETTE_WORDS[-1][1]


def verdict_html(result: Any) -> str:
    """The one verdict on the groups as an HTML paragraph (dashboard, report, stability).

    Parameters
    ----------
    result : OpinionGroups
        The analysis (its :attr:`~coprod_analytics.consensus.OpinionGroups.verdict`).

    Returns
    -------
    str
        ``<p class="coprod-verdict" data-structure="...">`` with the verdict's text, or ""
        when the result carries no vote matrix.

    Examples
    --------
    >>> from coprod_analytics.consensus import opinion_groups
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> res = opinion_groups(simulate_inquiry(90, 24, n_groups=3, separation=4.0, seed=1),
    ...                      bridging=False, progress=False)
    >>> verdict_html(res)[:73]
    '<p class="coprod-verdict" data-structure="separate" data-supported-k="3">'
    """
    from coprod_widgets.style import esc

    if getattr(result, "matrix", None) is None:
        return ""
    v = result.verdict
    return (
        f'<p class="coprod-verdict" data-structure="{esc(v.structure)}" '
        f'data-supported-k="{v.supported_k}">Verdict: <strong>{esc(v.text)}</strong>.</p>'
    )


def plot_opinion_map(result: Any, *, show_statements: bool = False, height: int = 460) -> go.Figure:
    """The opinion map of a result, for analysts who do not want a dashboard.

    Parameters
    ----------
    result : OpinionGroups
        A result of :func:`~coprod_analytics.consensus.opinion_groups`.
    show_statements : bool, default False
        Also draw the statements (a virtual participant who agreed with one only).
    height : int, default 460
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        One trace per group (A, B, ...), the people not clustered, the statements; the
        title carries the verdict.

    Examples
    --------
    >>> from coprod_analytics.consensus import opinion_groups
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> res = opinion_groups(simulate_inquiry(60, 20, n_groups=2, seed=3), bridging=False)
    >>> fig = plot_opinion_map(res)
    >>> [t.name for t in fig.data if t.name.startswith("Group")]
    ['Group A (37)', 'Group B (23)']
    """
    from coprod_widgets.consensus.state import ConsensusState

    state = ConsensusState.from_result(result)
    state.show_statements = show_statements
    fig = opinion_map_figure(state, height=height)
    if result.matrix is not None:
        fig.update_layout(
            title={"text": f"Opinion map — {hover_text(result.verdict.text)}", "font": {"size": 13}}
        )
    return fig


def plot_statements(
    result: Any, *, kind: str = "consensus", max_statements: int = 12, height: int | None = None
) -> go.Figure:
    """Agree rates per group of the statements a board lists, with 95% Wilson intervals.

    Parameters
    ----------
    result : OpinionGroups
        A result of :func:`~coprod_analytics.consensus.opinion_groups`.
    kind : {"consensus", "divisive", "representative", "all"}, default "consensus"
        Which statements (as the statement board; only claims the votes carry are tags,
        the others say "too few votes yet").
    max_statements : int, default 12
        Statements drawn, in board order.
    height : int, optional
        Pixels (default: grows with the number of statements).

    Returns
    -------
    plotly.graph_objects.Figure
        One horizontal bar trace per group; a statement's label is its id, the start of its
        text and its tags.

    Examples
    --------
    >>> from coprod_analytics.consensus import opinion_groups
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> res = opinion_groups(simulate_inquiry(60, 20, n_groups=2, seed=3), bridging=False)
    >>> fig = plot_statements(res, kind="divisive", max_statements=3)
    >>> [t.name for t in fig.data], len(fig.data[0].y) <= 3
    (['Group A', 'Group B'], True)
    """
    import plotly.graph_objects as go

    from coprod_widgets.consensus.state import BOARD_KINDS, ConsensusState

    check_kind = kind in BOARD_KINDS
    if not check_kind:
        from coprod_analytics.errors import ParameterError

        raise ParameterError(
            f"The 'kind' parameter of plot_statements must be one of {list(BOARD_KINDS)}. "
            f"Got {kind!r}."
        )
    state = ConsensusState.from_result(result)
    state.board_kind = kind
    board = state.board_table().head(max_statements)
    ids = board.get_column("statement_id").to_list()
    labels = []
    for row in board.iter_rows(named=True):
        text = " ".join(str(row["text"] or "").split())
        text = text if len(text) <= 48 else text[:47] + "…"
        tags = "; ".join(row["tags"] or [])
        labels.append(f"#{row['statement_id']} {text}" + (f" [{tags}]" if tags else ""))
    label_of = dict(zip(ids, labels, strict=True))
    gv = state.group_votes(ids)
    fig = go.Figure()
    for g in state.group_ids:
        rows = gv.filter(pl.col("group") == g)
        rate = rows.get_column("agree_rate").to_list()
        lo = rows.get_column("agree_ci_low").to_list()
        hi = rows.get_column("agree_ci_high").to_list()
        fig.add_trace(
            go.Bar(
                y=[label_of[sid] for sid in rows.get_column("statement_id").to_list()],
                x=rate,
                orientation="h",
                name=group_label(g),
                marker={"color": group_colour(g)},
                error_x={
                    "type": "data",
                    "symmetric": False,
                    "array": [
                        None if h is None or r is None else max(0.0, h - r)
                        for h, r in zip(hi, rate, strict=True)
                    ],
                    "arrayminus": [
                        None if lo_ is None or r is None else max(0.0, r - lo_)
                        for lo_, r in zip(lo, rate, strict=True)
                    ],
                },
                customdata=rows.get_column("total").to_list(),
                hovertemplate="%{y}<br>agree %{x:.0%} of %{customdata} votes<extra></extra>",
            )
        )
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title="agree rate (95% interval)")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.15})
    return _layout(
        fig,
        title=f"{state.board_title()}: agree rate by group",
        height=height or 140 + 60 * max(len(ids), 1),
    )
