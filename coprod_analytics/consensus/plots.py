"""Figures of an opinion-groups result without a dashboard, like pandas' ``.plot()``.

:func:`plot_opinion_map` and :func:`plot_statements` (also
:meth:`OpinionGroups.plot <coprod_analytics.consensus.OpinionGroups.plot>` and
:meth:`~coprod_analytics.consensus.OpinionGroups.plot_statements`) return plotly figures.
The widgets (``coprod_widgets.consensus``) draw the same figures from here.

plotly is an optional extra: it is imported **inside** the plotting functions, never when
this module is imported (``tests/test_architecture.py`` allows exactly this module a
function-level ``import plotly``; the core stays importable without it). Without plotly the
functions raise an ``ImportError`` naming ``pip install "coprod-analytics[widgets]"``.

The tables behind the figures are plain polars and need no plotly: :func:`statement_board`
(what a statement board lists, with its honest tags) and :func:`group_votes_table` (agree /
disagree / pass per group and statement with intervals, small cells suppressed).

With ``min_cell`` > 0 (a published page) no person is drawn (groups are ellipses), group
sizes and shares that would give a count below ``min_cell`` away are withheld with a
complementary cell (:func:`~coprod_analytics.privacy.withheld_cells`), and no hover text
names a participant.
"""

from __future__ import annotations

import html
import textwrap
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.consensus.tags import TOO_FEW_VOTES
from coprod_analytics.errors import ParameterError, check_param
from coprod_analytics.intervals import wilson_interval
from coprod_analytics.privacy import is_small_cell, suppress_small_cells, withheld_cells

#: An :class:`~coprod_analytics.consensus.OpinionGroups` (read by attribute: this module is
#: imported by ``result.py`` for ``OpinionGroups.plot``, so it cannot import it back).
OpinionGroups = Any
#: A ``plotly.graph_objects.Figure`` (typed ``Any``: plotly is imported inside functions only).
Figure = Any

__all__ = [
    "BOARD_KINDS",
    "GROUP_COLOURS",
    "SORT_KEYS",
    "STATEMENTS_TRACE",
    "UNCLUSTERED",
    "group_votes_table",
    "plot_opinion_map",
    "plot_statements",
    "published_group_sizes",
    "statement_board",
]

#: What a statement board can list: key -> label.
BOARD_KINDS: dict[str, str] = {
    "consensus": "Common ground (consensus)",
    "divisive": "What divides groups",
    "representative": "What sets a group apart",
    "all": "All statements",
}

#: How a statement board can be sorted: key -> label.
SORT_KEYS: dict[str, str] = {
    "consensus": "Group-aware consensus (high first)",
    "agree": "Agree rate (high first)",
    "disagree": "Disagree rate (high first)",
    "votes": "Number of votes (most first)",
    "bridging": "Bridging score (high first)",
    "representativeness": "Representativeness (best first)",
    "id": "Statement id",
}

#: Okabe–Ito colours of the opinion groups, in order (the widgets use the same).
GROUP_COLOURS: tuple[str, ...] = (
    "#0072B2",  # blue
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#CC79A7",  # reddish purple
    "#F0E442",  # yellow
    "#000000",  # black
)
#: Colour of people not in any group.
UNCLUSTERED = "#999999"
#: Name of the statements trace of the opinion map.
STATEMENTS_TRACE = "Statements"

_FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}
_SHARES = ("agree", "disagree", "pass")


def _go() -> Any:
    """``plotly.graph_objects``, or an ImportError saying how to install it."""
    try:
        import plotly.graph_objects as go
    except ImportError as exc:  # pragma: no cover - plotly is installed in the test env
        raise ImportError(
            "Plotting opinion groups needs plotly, an optional extra: "
            'pip install "coprod-analytics[widgets]"'
        ) from exc
    return go


def _label(group: Any) -> str:
    # as coprod_analytics.consensus.result.group_letter (not imported: result.py imports
    # this module for OpinionGroups.plot, and imports never go round)
    if group is None:
        return "Not clustered"
    g = int(group)
    return f"Group {chr(ord('A') + g)}" if 0 <= g < 26 else f"Group {g}"


def _colour(group: Any) -> str:
    return UNCLUSTERED if group is None else GROUP_COLOURS[int(group) % len(GROUP_COLOURS)]


def _hover(text: Any, width: int = 80, max_lines: int = 4) -> str:
    lines = textwrap.wrap(" ".join(str(text or "").split()), width, break_long_words=True)
    if len(lines) > max_lines:
        lines = [*lines[: max_lines - 1], lines[max_lines - 1][: width - 1] + "…"]
    return "<br>".join(html.escape(x, quote=False) for x in lines)


def _layout(fig: Figure, *, title: str, height: int) -> Figure:
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


def _check_result(result: Any, func: str) -> OpinionGroups:
    check_param(
        all(hasattr(result, a) for a in ("participants", "statements", "group_votes", "groups")),
        "result",
        func,
        "an OpinionGroups result",
        type(result).__name__,
    )
    return result  # type: ignore[no-any-return]


def _check_min_cell(min_cell: Any, func: str) -> int:
    check_param(
        isinstance(min_cell, int) and not isinstance(min_cell, bool) and min_cell >= 0,
        "min_cell",
        func,
        "an int >= 0",
        min_cell,
    )
    return int(min_cell)


# ----------------------------------------------------------------------------- tables
def published_group_sizes(result: OpinionGroups, *, min_cell: int) -> dict[int, int | None]:
    """Opinion-group sizes to publish: None where withheld
    (:func:`~coprod_analytics.privacy.withheld_cells`), so that a small group's size cannot
    be worked out from the others and the total.

    Parameters
    ----------
    result : OpinionGroups
        The analysis.
    min_cell : int
        The small-cell limit (0: every size).

    Returns
    -------
    dict
        Group id to size (None: withheld), in group order.

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_analytics.consensus import opinion_groups
    >>> published_group_sizes(opinion_groups(sample_inquiry(), progress=False), min_cell=5)
    {0: 56, 1: 39}
    """
    people = result.participants.filter(pl.col("group").is_not_null())
    sizes = {int(g): int(n) for g, n in people.group_by("group").len().sort("group").iter_rows()}
    hidden = withheld_cells(sizes, min_cell=min_cell)
    return {g: (None if g in hidden else n) for g, n in sizes.items()}


def group_votes_table(
    result: OpinionGroups, statement_ids: list[Any] | None = None, *, min_cell: int = 0
) -> pl.DataFrame:
    """Per group × statement: ``total``, ``agree``, ``disagree``, ``pass``, the three rates,
    ``agree_ci_low``/``agree_ci_high`` and ``ci_method`` (``"bootstrap"`` when the analysis
    resampled, else ``"wilson"``), ``rep_rank`` and ``repful_for``.

    Parameters
    ----------
    result : OpinionGroups
        The analysis.
    statement_ids : list, optional
        Only these statements, in this order (default: all).
    min_cell : int, default 0
        Cells with fewer voters are suppressed (counts, rates and interval null;
        :func:`~coprod_analytics.privacy.suppress_small_cells`).

    Returns
    -------
    polars.DataFrame

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_analytics.consensus import opinion_groups
    >>> res = opinion_groups(sample_inquiry(), progress=False)
    >>> gv = group_votes_table(res, [1, 2])
    >>> gv.select("group", "statement_id", "ci_method").rows()
    [(0, 1, 'wilson'), (1, 1, 'wilson'), (0, 2, 'wilson'), (1, 2, 'wilson')]
    """
    gv = result.group_votes
    if statement_ids is not None:
        order = pl.DataFrame(
            {"statement_id": statement_ids, "_order": np.arange(len(statement_ids))}
        ).with_columns(pl.col("statement_id").cast(gv.schema["statement_id"]))
        gv = gv.join(order, on="statement_id", how="inner").sort("_order", "group")
        gv = gv.drop("_order")
    lo, hi = wilson_interval(gv.get_column("agree").to_numpy(), gv.get_column("total").to_numpy())
    boot = gv.get_column("agree_ci_low").is_not_null()
    gv = gv.with_columns(
        ci_method=pl.when(boot).then(pl.lit("bootstrap")).otherwise(pl.lit("wilson")),
        agree_ci_low=pl.when(boot)
        .then(pl.col("agree_ci_low"))
        .otherwise(pl.Series(lo).fill_nan(None)),
        agree_ci_high=pl.when(boot)
        .then(pl.col("agree_ci_high"))
        .otherwise(pl.Series(hi).fill_nan(None)),
    ).select(
        "group",
        "statement_id",
        "total",
        *_SHARES,
        "agree_rate",
        "disagree_rate",
        "pass_rate",
        "agree_ci_low",
        "agree_ci_high",
        "ci_method",
        "rep_rank",
        "repful_for",
    )
    if min_cell:
        gv = suppress_small_cells(
            gv,
            count_column="total",
            min_cell=min_cell,
            also=[
                *_SHARES,
                "agree_rate",
                "disagree_rate",
                "pass_rate",
                "agree_ci_low",
                "agree_ci_high",
            ],
        ).frame
    return gv


def statement_board(
    result: OpinionGroups,
    *,
    kind: str = "consensus",
    group: int | None = None,
    filter_text: str = "",
    sort_by: str = "consensus",
) -> pl.DataFrame:
    """The statements a board lists, with their honest tags, filtered and sorted.

    Only claims the votes carry are tags (the rule of
    :mod:`coprod_analytics.consensus.tags`); a statement listed while its votes are too few
    carries the tag "too few votes yet" instead, after the clear ones.

    Parameters
    ----------
    result : OpinionGroups
        The analysis.
    kind : {"consensus", "divisive", "representative", "all"}, default "consensus"
        What to list (:data:`BOARD_KINDS`).
    group : int, optional
        Representative statements of this group only (default: of any group).
    filter_text : str, default ""
        Keep statements whose text contains it (case-insensitive) or whose id it is.
    sort_by : str, default "consensus"
        One of :data:`SORT_KEYS`.

    Returns
    -------
    polars.DataFrame
        ``statement_id``, ``text``, ``tags`` (list: "consensus: agree", "divisive",
        "represents Group A (agree)", "too few votes yet" ...), ``group_aware_consensus``,
        ``gac_ci_low``, ``gac_ci_high``, ``agree_rate``, ``disagree_rate``, ``n_votes``,
        ``bridging``, ``rep_rank`` (rank for ``group``, or the best over groups),
        ``rep_direction`` and ``evidence`` (``"clear"`` or ``"too few votes yet"``).

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_analytics.consensus import opinion_groups
    >>> res = opinion_groups(sample_inquiry(), progress=False)
    >>> board = statement_board(res, kind="divisive")
    >>> all("divisive" in t or "too few votes yet" in t for t in board["tags"].to_list())
    True
    """
    func = "statement_board"
    if kind not in BOARD_KINDS:
        raise ParameterError(
            f"The 'kind' parameter of {func} must be one of {list(BOARD_KINDS)}. Got {kind!r}."
        )
    if sort_by not in SORT_KEYS:
        raise ParameterError(
            f"The 'sort_by' parameter of {func} must be one of {list(SORT_KEYS)}. Got {sort_by!r}."
        )
    s = result.statements.filter(~pl.col("excluded"))
    gv = result.group_votes.filter(pl.col("rep_rank").is_not_null())
    if group is not None:
        gv = gv.filter(pl.col("group") == group)
    reps = (
        gv.sort("rep_rank")
        .group_by("statement_id", maintain_order=True)
        .agg(
            rep_rank=pl.col("rep_rank").first(),
            rep_direction=pl.col("repful_for").first(),
            rep_groups=pl.col("group"),
            rep_directions=pl.col("repful_for"),
            rep_clears=pl.col("rep_clear"),
        )
    )
    s = s.join(reps, on="statement_id", how="left")
    tags = []
    unclear = []
    cols = ("consensus_clear", "divisive_clear", "too_few_votes", "rep_groups")
    for row in s.select(*cols, "rep_directions", "rep_clears").iter_rows(named=True):
        tag: list[str] = []
        if row["consensus_clear"]:
            tag.append(f"consensus: {row['consensus_clear']}")
        if row["divisive_clear"]:
            tag.append("divisive")
        # each group's own direction: a statement can set one group apart by agreeing and
        # another by disagreeing
        rep_unclear = False
        for g, direction, clear in zip(
            row["rep_groups"] or [], row["rep_directions"] or [], row["rep_clears"] or [],
            strict=True,
        ):  # fmt: skip
            if clear:
                tag.append(f"represents {_label(g)} ({direction})")
            else:
                rep_unclear = True
        low = bool(row["too_few_votes"]) or (rep_unclear and not tag)
        if low:
            tag.append(TOO_FEW_VOTES)
        tags.append(tag)
        unclear.append(low)
    s = s.with_columns(
        tags=pl.Series(tags, dtype=pl.List(pl.String)),
        evidence=pl.Series([TOO_FEW_VOTES if u else "clear" for u in unclear], dtype=pl.String),
    ).drop("rep_directions", "rep_clears")
    few = pl.col("evidence") == TOO_FEW_VOTES
    if kind == "consensus":
        # statements with a clear consensus, then Pol.is's consensus statements and the
        # highest group-aware consensus while their votes are too few to say
        high = pl.col("group_aware_consensus") >= pl.col("group_aware_consensus").quantile(0.9)
        s = s.filter(
            pl.col("consensus_clear").is_not_null()
            | ((pl.col("is_consensus") | high) & pl.col("too_few_votes"))
        )
    elif kind == "divisive":
        s = s.filter(pl.col("divisive_clear") | (pl.col("is_divisive") & pl.col("too_few_votes")))
    elif kind == "representative":
        s = s.filter(pl.col("rep_rank").is_not_null())
    text = filter_text.strip().lower()
    if text:
        s = s.filter(
            pl.col("text").fill_null("").str.to_lowercase().str.contains(text, literal=True)
            | (pl.col("statement_id").cast(pl.String) == text)
        )
    s = s.with_columns(
        disagree_rate=pl.col("disagree") / pl.col("n_votes").cast(pl.Float64).clip(1)
    )
    order = {
        "consensus": ("group_aware_consensus", True),
        "agree": ("agree_rate", True),
        "disagree": ("disagree_rate", True),
        "votes": ("n_votes", True),
        "bridging": ("bridging", True),
    }
    if sort_by in order:
        col, desc = order[sort_by]
        s = s.sort(col, descending=desc, nulls_last=True)
    elif sort_by == "representativeness":
        s = s.sort(["rep_rank", "group_aware_consensus"], descending=[False, True], nulls_last=True)
    else:
        s = s.sort("statement_id")
    if kind != "all":
        # clear claims first, "too few votes yet" after them (stable within each)
        s = s.sort(few, maintain_order=True)
    return s.select(
        "statement_id",
        "text",
        "tags",
        "group_aware_consensus",
        "gac_ci_low",
        "gac_ci_high",
        "agree_rate",
        "disagree_rate",
        "n_votes",
        "bridging",
        "rep_rank",
        "rep_direction",
        "evidence",
    )


# ----------------------------------------------------------------------------- figures
def plot_opinion_map(
    result: OpinionGroups,
    *,
    show_statements: bool = False,
    selected_group: int | None = None,
    min_cell: int = 0,
    title: str | None = None,
    height: int = 460,
) -> Figure:
    """The opinion map of a result: one trace per group (A, B, ...), the people not
    clustered, the statements.

    Each group trace's ``meta`` holds its group id. With ``min_cell`` > 0 (a published
    page) no person is drawn: each group whose size is published
    (:func:`published_group_sizes`) is a filled ellipse holding about 86% of its members
    (two standard deviations around its centre); smaller groups (and one complementary
    group) and the people not clustered are not drawn, and no hover text names or counts
    fewer than ``min_cell`` people.

    Parameters
    ----------
    result : OpinionGroups
        A result of :func:`~coprod_analytics.consensus.opinion_groups`.
    show_statements : bool, default False
        Show the statements' trace (a virtual participant who agreed with one only).
    selected_group : int, optional
        Dim every other group.
    min_cell : int, default 0
        0: every person is a point; otherwise the published drawing above.
    title : str, optional
        The figure's title (default: "Opinion map — " and the verdict on the groups).
    height : int, default 460
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Raises
    ------
    ImportError
        plotly is not installed (``pip install "coprod-analytics[widgets]"``).

    Examples
    --------
    >>> from coprod_analytics.consensus import opinion_groups
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> res = opinion_groups(simulate_inquiry(60, 20, n_groups=2, seed=3), bridging=False)
    >>> fig = plot_opinion_map(res)
    >>> [t.name for t in fig.data if t.name.startswith("Group")]
    ['Group A (37)', 'Group B (23)']
    >>> [t.mode for t in plot_opinion_map(res, min_cell=5).data if t.name.startswith("Group")]
    ['lines', 'lines']
    """
    func = "plot_opinion_map"
    _check_result(result, func)
    min_cell = _check_min_cell(min_cell, func)
    go = _go()
    people = result.participants
    groups = result.groups.select("group", "size", "x", "y")
    fig = go.Figure()
    sizes: dict[int, int | None] = {}
    rest = people.filter(pl.col("group").is_null())
    if min_cell:
        sizes = published_group_sizes(result, min_cell=min_cell)
        _group_ellipses(fig, people, [g for g, n in sizes.items() if n is not None], min_cell)
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
        g = int(row["group"])
        members = people.filter(pl.col("group") == g)
        conf = members.get_column("confidence")
        dim = selected_group is not None and selected_group != g
        label = _label(g)
        if conf.null_count() == conf.len():
            custom = None  # nothing per point to show: keep the payload small
            hover = f"{label}<br>membership confidence: not computed<extra></extra>"
        else:
            custom = [[None if c is None else f"{100 * c:.0f}%"] for c in conf.to_list()]
            hover = f"{label}<br>membership confidence: %{{customdata[0]}}<extra></extra>"
        fig.add_trace(
            go.Scatter(
                x=members.get_column("x").round(4).to_list(),
                y=members.get_column("y").round(4).to_list(),
                mode="markers",
                name=f"{label} ({row['size']})",
                legendgroup=f"group{g}",
                marker={
                    "color": _colour(g),
                    "size": 7,
                    "opacity": 0.15 if dim else 0.8,
                    "line": {"width": 0.5, "color": "white"},
                },
                customdata=custom,
                hovertemplate=hover,
                meta={"group": g},
            )
        )
    stmts = result.statements.filter(~pl.col("excluded"))
    fig.add_trace(
        go.Scatter(
            x=stmts.get_column("x").to_list(),
            y=stmts.get_column("y").to_list(),
            mode="markers",
            name=STATEMENTS_TRACE,
            visible=bool(show_statements),
            marker={"symbol": "x-thin", "size": 9, "color": "#333333", "line": {"width": 1.5}},
            customdata=[
                [None, str(sid), _hover(txt)]
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
        if min_cell and sizes.get(int(row["group"])) is None:
            continue
        fig.add_annotation(
            x=row["x"],
            y=row["y"],
            text=_label(row["group"]),
            showarrow=False,
            font={"size": 14, "color": "black"},
            bgcolor="rgba(255,255,255,0.8)",
            bordercolor=_colour(row["group"]),
        )
    fig.update_xaxes(showticklabels=False, zeroline=False, showgrid=False, title=None)
    fig.update_yaxes(showticklabels=False, zeroline=False, showgrid=False, title=None)
    fig.update_layout(legend={"orientation": "h", "y": -0.05, "itemclick": False})
    if title is None:
        title = "Opinion map"
        if result.matrix is not None:
            title += f" — {_hover(result.verdict.text)}"
    fig = _layout(fig, title=title, height=height)
    if title.startswith("Opinion map — "):
        fig.update_layout(title={"font": {"size": 13}})
    return fig


def _group_ellipses(fig: Figure, people: pl.DataFrame, shown: list[int], min_cell: int) -> None:
    """Each shown group of at least ``min_cell`` people as a filled two-SD ellipse."""
    go = _go()
    angle = np.linspace(0, 2 * np.pi, 49)
    circle = np.stack([np.cos(angle), np.sin(angle)])
    for g in shown:
        xy = people.filter(pl.col("group") == g).select("x", "y").drop_nulls().to_numpy()
        if xy.shape[0] < max(min_cell, 3):
            continue
        centre = xy.mean(axis=0)
        vals, vecs = np.linalg.eigh(np.cov(xy, rowvar=False))
        shape = vecs @ np.diag(2 * np.sqrt(np.clip(vals, 0, None))) @ circle
        n = int(xy.shape[0])
        fig.add_trace(
            go.Scatter(
                x=np.round(centre[0] + shape[0], 3).tolist(),
                y=np.round(centre[1] + shape[1], 3).tolist(),
                mode="lines",
                fill="toself",
                name=f"{_label(g)} ({n} people)",
                legendgroup=f"group{g}",
                line={"color": _colour(g), "width": 2},
                opacity=0.45,
                hovertemplate=f"{_label(g)}: {n} people<extra></extra>",
                meta={"group": g, "n": n},
            )
        )


def plot_statements(
    result: OpinionGroups,
    *,
    kind: str = "consensus",
    group: int | None = None,
    max_statements: int = 12,
    min_cell: int = 0,
    height: int | None = None,
) -> Figure:
    """Agree rates per group of the statements a board lists, with their 95% intervals.

    Parameters
    ----------
    result : OpinionGroups
        A result of :func:`~coprod_analytics.consensus.opinion_groups`.
    kind : {"consensus", "divisive", "representative", "all"}, default "consensus"
        Which statements (:func:`statement_board`; only claims the votes carry are tags,
        the others say "too few votes yet").
    group : int, optional
        With ``kind="representative"``: the statements that set this group apart.
    max_statements : int, default 12
        Statements drawn, in board order.
    min_cell : int, default 0
        With > 0 (a published page), a group's bar is left out (no bar, no count) where it
        has fewer voters on the statement or where its agree count is small or withheld
        with a complementary count (:func:`~coprod_analytics.privacy.withheld_cells`).
    height : int, optional
        Pixels (default: grows with the number of statements).

    Returns
    -------
    plotly.graph_objects.Figure
        One horizontal bar trace per group; a statement's label is its id, the start of its
        text and its tags.

    Raises
    ------
    ImportError
        plotly is not installed (``pip install "coprod-analytics[widgets]"``).

    Examples
    --------
    >>> from coprod_analytics.consensus import opinion_groups
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> res = opinion_groups(simulate_inquiry(60, 20, n_groups=2, seed=3), bridging=False)
    >>> fig = plot_statements(res, kind="divisive", max_statements=3)
    >>> [t.name for t in fig.data], len(fig.data[0].y) <= 3
    (['Group A', 'Group B'], True)
    """
    func = "plot_statements"
    _check_result(result, func)
    min_cell = _check_min_cell(min_cell, func)
    if kind not in BOARD_KINDS:
        raise ParameterError(
            f"The 'kind' parameter of {func} must be one of {list(BOARD_KINDS)}. Got {kind!r}."
        )
    go = _go()
    board = statement_board(
        result,
        kind=kind,
        group=group,
        sort_by="representativeness" if group is not None else "consensus",
    ).head(max_statements)
    ids = board.get_column("statement_id").to_list()
    labels = []
    for row in board.iter_rows(named=True):
        text = " ".join(str(row["text"] or "").split())
        text = text if len(text) <= 48 else text[:47] + "…"
        tags = "; ".join(row["tags"] or [])
        labels.append(f"#{row['statement_id']} {text}" + (f" [{tags}]" if tags else ""))
    label_of = dict(zip(ids, labels, strict=True))
    gv = group_votes_table(result, ids, min_cell=min_cell)
    fig = go.Figure()
    for g in [int(x) for x in result.groups.get_column("group").to_list()]:
        ys, rate, lo, hi, totals = [], [], [], [], []
        for r in gv.filter(pl.col("group") == g).iter_rows(named=True):
            shown = r["agree_rate"] is not None
            if shown and min_cell:
                counts = {k: r[k] for k in _SHARES}
                shown = "agree" not in withheld_cells(counts, min_cell=min_cell) and (
                    not is_small_cell(r["total"], min_cell=min_cell)
                )
            ys.append(label_of[r["statement_id"]])
            rate.append(r["agree_rate"] if shown else None)
            lo.append(r["agree_ci_low"] if shown else None)
            hi.append(r["agree_ci_high"] if shown else None)
            totals.append(r["total"] if shown else None)
        fig.add_trace(
            go.Bar(
                y=ys,
                x=rate,
                orientation="h",
                name=_label(g),
                marker={"color": _colour(g)},
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
                customdata=totals,
                hovertemplate="%{y}<br>agree %{x:.0%} of %{customdata} votes<extra></extra>",
            )
        )
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title="agree rate (95% interval)")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(barmode="group", legend={"orientation": "h", "y": -0.15})
    if kind == "representative" and group is not None:
        title = f"What sets {_label(group)} apart (representative statements)"
    elif kind == "representative":
        title = "What sets each group apart (representative statements)"
    else:
        title = BOARD_KINDS[kind]
    return _layout(
        fig,
        title=f"{title}: agree rate by group",
        height=height or 140 + 60 * max(len(ids), 1),
    )
