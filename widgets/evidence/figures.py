"""Figures and HTML fragments of the evidence board (shared by the view and the static report).

Pure formatting of :class:`~coprod_widgets.evidence.state.EvidenceState`'s tables:

- plotly figures: tables in, ``plotly.graph_objects.Figure`` out; texts from the data reach
  plotly only through :func:`~coprod_widgets.style.hover_text` (escaped);
- HTML fragments: every value from the data goes through :func:`~coprod_widgets.style.esc`
  (via :func:`~coprod_widgets.html.table_html`), numbers through
  :mod:`coprod_analytics.format`, and each chart's text alternative is an
  :func:`~coprod_widgets.html.alt_table`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from coprod_widgets.consensus.figures import _layout
from coprod_widgets.figure import new_figure
from coprod_widgets.html import alt_table, coprod_div, interval_label, table_html
from coprod_widgets.i18n import N_, fmt_number, fmt_p, gettext_for
from coprod_widgets.style import GROUP_COLOURS, esc, group_colour, group_name, hover_text, short

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from coprod_widgets.evidence.state import EvidenceState

__all__ = [
    "evidence_alt",
    "evidence_figure",
    "evidence_groups_alt",
    "evidence_groups_figure",
    "evidence_html",
]

_ = gettext_for("report")
_CRITERIA = (N_("credibility"), N_("relevance"))

_BLUE = GROUP_COLOURS[0]
_ORANGE = GROUP_COLOURS[1]


def evidence_figure(
    board: pl.DataFrame, *, height: int | None = None, alpha: float = 0.05
) -> go.Figure:
    """Credibility and relevance of each evidence item with their intervals, in board order.

    Parameters
    ----------
    board : polars.DataFrame
        :meth:`EvidenceState.board_table`.
    height : int, optional
        Pixels (default grows with the number of items).
    alpha : float, default 0.05
        The intervals' alpha (for the axis title).

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.evidence.state import EvidenceState
    >>> state = EvidenceState(sample_inquiry(), groups="planted_group", n_resamples=0)
    >>> len(evidence_figure(state.board_table()).data)
    2
    """
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
                name=_(crit),
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
                hovertemplate=f"%{{customdata}}<br>{_(crit)} %{{x:.2f}}<extra></extra>",
            )
        )
    return new_figure(
        traces,
        title=_("Evidence: credibility and relevance"),
        height=height or 120 + 40 * len(rows),
        yaxis={"tickvals": list(range(len(rows))), "ticktext": labels, "automargin": True},
        xaxis={
            "title": {
                "text": _("mean rating ({level} interval)").format(level=interval_label(alpha))
            }
        },
        legend={"orientation": "h", "y": -0.15},
    )


def evidence_groups_figure(
    breakdown: pl.DataFrame, titles: dict[Any, str], *, criterion: str = "credibility"
) -> go.Figure:
    """Each group's mean rating of each evidence item (suppressed cells left out).

    Parameters
    ----------
    breakdown : polars.DataFrame
        :meth:`EvidenceState.group_breakdown`.
    titles : dict
        Evidence id -> title (untrusted; escaped here).
    criterion : {"credibility", "relevance"}, default "credibility"
        The criterion drawn.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.evidence.state import EvidenceState
    >>> state = EvidenceState(sample_inquiry(), groups="planted_group", n_resamples=0)
    >>> titles = dict(state.titles().select("evidence_id", "title").iter_rows())
    >>> len(evidence_groups_figure(state.group_breakdown(), titles).data)
    3
    """
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
                name=hover_text(group_name(label), width=60, max_lines=1),
                marker={"color": group_colour(g), "size": 10},
                hovertemplate=f"%{{y}}<br>{_(criterion)} %{{x:.2f}}<extra></extra>",
            )
        )
    fig.update_yaxes(categoryorder="array", categoryarray=[labels[e] for e in ids][::-1])
    fig.update_xaxes(title=_("mean {criterion} in the group").format(criterion=_(criterion)))
    fig.update_layout(legend={"orientation": "h", "y": -0.15})
    return _layout(
        fig,
        title=_("How groups rate each item ({criterion})").format(criterion=_(criterion)),
        height=140 + 36 * len(ids),
    )


def _ci(v: Any, lo: Any, hi: Any) -> str:
    if v is None or lo is None or hi is None:
        return fmt_number(v)
    return f"{fmt_number(v)} ({fmt_number(lo)}–{fmt_number(hi)})"


def evidence_html(state: EvidenceState, *, max_rows: int = 50) -> str:
    """The ranked evidence table with intervals, consensus and group divergence.

    Parameters
    ----------
    state : EvidenceState
        The state shown.
    max_rows : int, default 50
        Items shown at most.

    Returns
    -------
    str
        Escaped HTML.

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.evidence.state import EvidenceState
    >>> state = EvidenceState(sample_inquiry(), groups="planted_group", n_resamples=0)
    >>> "Evidence, ranked" in evidence_html(state)
    True
    """
    res = state.result
    if res is None:
        return coprod_div(
            "<p class='muted'>" + esc(_("No evidence item has enough ratings to show.")) + "</p>"
        )
    board = state.board_table()
    rel = res.reliability
    lo, hi = res.scale
    level = interval_label(res.parameters.get("alpha"))
    cred, relv = f"credibility ({level})", f"relevance ({level})"
    cols: dict[str, list[Any]] = {
        "rank": [],
        "evidence": [],
        "source": [],
        "raters": [],
        cred: [],
        relv: [],
        "weight": [],
        "consensus on credibility": [],
    }
    has_groups = "credibility_group_gap" in board.columns
    if has_groups:
        cols["group gap in credibility"] = []
    for r in board.head(max_rows).iter_rows(named=True):
        cols["rank"].append(r["rank"])
        cols["evidence"].append(r["title"])
        cols["source"].append(r["source"] or "")
        cols["raters"].append(r["n"])
        cols[cred].append(_ci(r["credibility"], r["credibility_low"], r["credibility_high"]))
        cols[relv].append(_ci(r["relevance"], r["relevance_low"], r["relevance_high"]))
        cols["weight"].append(fmt_number(r["score"], 2))
        cols["consensus on credibility"].append(fmt_number(r["credibility_consensus"], 2))
        if has_groups:
            if r.get("divergence_suppressed"):
                gap = _("not shown (a group of fewer than {n})").format(n=state.min_cell)
            elif r["credibility_group_gap"] is None:
                gap = fmt_number(None)
            else:
                p = r["credibility_group_p"]
                words = fmt_p(p)
                words = words if words.startswith("<") else f"= {words}"
                gap = fmt_number(r["credibility_group_gap"], 2) + (
                    (f" (p {words}" + (", " + _("groups differ") if p < 0.05 else "") + ")")
                    if p is not None
                    else ""
                )
            cols["group gap in credibility"].append(gap)
    frame = pl.DataFrame(cols, schema_overrides={"rank": pl.Int64, "raters": pl.Int64})
    parts = [
        "<p>"
        + _(
            "Ratings on the scale {low}–{high}. <strong>Weight</strong> = credibility × "
            "relevance, each rescaled to 0–1; the board is ranked by it unless sorted otherwise. "
            "Consensus 1 = every rater gave the same rating, 0 = split between the two ends."
        ).format(low=fmt_number(lo), high=fmt_number(hi))
        + "</p>",
        table_html(frame, caption=_("Evidence, ranked"), aria_label=_("Evidence ranked")),
    ]
    for crit, est in rel.items():
        if est.value == est.value:  # not NaN
            ci = (
                " "
                + _("({level} interval {low} to {high})").format(
                    level=interval_label(est.alpha),
                    low=fmt_number(est.ci_low, 2),
                    high=fmt_number(est.ci_high, 2),
                )
                if est.ci_low is not None and est.ci_high is not None
                else ""
            )
            parts.append(
                "<p>"
                + _(
                    "Reliability of the {criterion} ratings across raters and items: "
                    "Krippendorff's alpha {alpha}{ci}."
                ).format(criterion=_(crit), alpha=fmt_number(est.value, 2), ci=ci)
                + "</p>"
            )
    if has_groups:
        parts.append(
            f"<p class='muted'>{esc(state.source_sentence)} "
            + _(
                "Group gap: largest minus smallest group mean; p from a Kruskal–Wallis test "
                "across groups."
            )
            + "</p>"
        )
    else:
        parts.append(
            "<p class='muted'>"
            + _(
                "No opinion groups are known for this inquiry, so how groups read each item "
                "differently is not shown."
            )
            + "</p>"
        )
    if state.n_items_dropped:
        parts.append(
            "<p class='muted'>"
            + _("{count} item(s) rated by fewer than {n} people are not shown.").format(
                count=state.n_items_dropped, n=state.min_cell
            )
            + "</p>"
        )
    return coprod_div(*parts)


def evidence_alt(state: EvidenceState) -> str:
    """Text alternative of the evidence chart.

    Parameters
    ----------
    state : EvidenceState
        The state shown.

    Returns
    -------
    str
        Escaped HTML (empty without items).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.evidence.state import EvidenceState
    >>> state = EvidenceState(sample_inquiry(), groups="planted_group", n_resamples=0)
    >>> "<details" in evidence_alt(state)
    True
    """
    board = state.board_table()
    if board.height == 0:
        return ""
    return alt_table(
        board.select(
            "title",
            pl.col("credibility").round(2),
            pl.col("credibility_low").round(2),
            pl.col("credibility_high").round(2),
            pl.col("relevance").round(2),
            pl.col("relevance_low").round(2),
            pl.col("relevance_high").round(2),
        ),
        summary=_("Text alternative: credibility and relevance of each item with intervals"),
        label=_("Credibility and relevance of each evidence item"),
    )


def evidence_groups_alt(state: EvidenceState) -> str:
    """Text alternative of the per-group chart (suppressed cells say so).

    Parameters
    ----------
    state : EvidenceState
        The state shown.

    Returns
    -------
    str
        Escaped HTML (empty without groups).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.evidence.state import EvidenceState
    >>> state = EvidenceState(sample_inquiry(), groups="planted_group", n_resamples=0)
    >>> "<details" in evidence_groups_alt(state)
    True
    """
    g = state.group_breakdown()
    if g is None:
        return ""
    titles = dict(state.titles().select("evidence_id", "title").iter_rows())
    frame = g.select(
        pl.col("evidence_id")
        .replace_strict(titles, default=None, return_dtype=pl.String)
        .alias("evidence"),
        pl.col("label").alias("group"),
        pl.col("n").alias("raters"),
        pl.col("credibility").round(2),
        pl.col("relevance").round(2),
    )
    return alt_table(
        frame,
        summary=_(
            "Text alternative: each group's mean ratings (empty: fewer raters than the "
            "small-cell threshold)"
        ),
        label=_("Mean ratings per group and evidence item"),
    )
