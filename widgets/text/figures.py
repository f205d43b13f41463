"""Figures and HTML fragments of the free-text family, shared by the view and the report.

Every data string (topic labels, texts, ids) is escaped: :func:`coprod_widgets.style.esc`
in HTML and :func:`coprod_widgets.style.hover_text` in plotly labels.
"""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from coprod_analytics.text import Topics, TopicVotes
from coprod_widgets.core_text import core_text
from coprod_widgets.html import alt_table, table_html
from coprod_widgets.i18n import fmt_pct, gettext_for
from coprod_widgets.style import GROUP_COLOURS, esc, hover_text, short

__all__ = [
    "topic_groups_html",
    "topic_map_alt",
    "topic_map_figure",
    "topic_sizes_alt",
    "topic_sizes_figure",
    "topic_texts_html",
    "topics_html",
]

_ = gettext_for("report")


def _name(topic: int, label: str) -> str:
    if label:
        return _("Topic {n}: {words}").format(n=topic, words=label)
    return _("Topic {n}").format(n=topic)


def topic_sizes_figure(result: Topics, *, height: int | None = None) -> go.Figure:
    """A horizontal bar per topic (number of texts), largest on top.

    Parameters
    ----------
    result : Topics
    height : int, optional

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics.text import topics
    >>> fig = topic_sizes_figure(topics(["a <b>bus</b>", "a tree"], n_topics=2))
    >>> "<b>" in str(fig.data[0].y)
    False
    """
    t = result.topics
    names = [
        hover_text(_name(r, lab), width=60, max_lines=1)
        for r, lab in t.select("topic", "label").iter_rows()
    ]
    fig = go.Figure(
        go.Bar(
            x=t["size"].to_list(),
            y=names,
            orientation="h",
            marker_color=[GROUP_COLOURS[i % len(GROUP_COLOURS)] for i in range(t.height)],
            hovertemplate=_("%{y}<br>%{x} texts<extra></extra>"),
        )
    )
    fig.update_layout(
        height=height or max(200, 40 + 28 * t.height),
        margin={"l": 10, "r": 10, "t": 30, "b": 30},
        yaxis={"autorange": "reversed"},
        xaxis_title=_("texts"),
        title=_("Topics by number of texts"),
    )
    return fig


def topic_sizes_alt(result: Topics) -> str:
    """The text alternative of :func:`topic_sizes_figure` (a sentence and a table).

    Parameters
    ----------
    result : Topics
        The topics.

    Returns
    -------
    str
        HTML (every text escaped).

    Examples
    --------
    >>> from coprod_analytics.text import topics
    >>> "<script>" in topic_sizes_alt(topics(["<script>x</script> bus", "tree"], n_topics=1))
    False
    """
    frame = result.topics.select("topic", "label", "size", "share")
    return alt_table(
        frame,
        summary=_("{k} topics in {n} texts (table)").format(
            k=result.k, n=result.assignments.height
        ),
        label=_("Topic sizes"),
        formatters={"share": fmt_pct},
    )


def topic_map_figure(result: Topics, *, height: int = 420) -> go.Figure:
    """Texts on a 2-D map of their vectors, coloured by topic (hover: the text, escaped).

    Parameters
    ----------
    result : Topics
    height : int, default 420

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics.text import topics
    >>> fig = topic_map_figure(topics(["a bus", "the bus", "a tree", "the tree"], n_topics=2))
    >>> len(fig.data)
    2
    """
    fig = go.Figure()
    a = result.assignments
    for topic, label in result.topics.select("topic", "label").iter_rows():
        part = a.filter(pl.col("topic") == topic)
        fig.add_trace(
            go.Scattergl(
                x=part["x"].to_list(),
                y=part["y"].to_list(),
                mode="markers",
                name=hover_text(_name(topic, label), width=40, max_lines=1),
                marker={"color": GROUP_COLOURS[(topic - 1) % len(GROUP_COLOURS)], "size": 7},
                text=[
                    f"#{hover_text(i, 20, 1)}: {hover_text(x)}"
                    for i, x in part.select("text_id", "text").iter_rows()
                ],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    fig.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 30, "b": 10},
        xaxis={"visible": False},
        yaxis={"visible": False},
        title=_("Map of the texts (nearby texts use similar words)"),
    )
    return fig


def topic_map_alt(result: Topics, *, max_rows: int = 200) -> str:
    """The text alternative of :func:`topic_map_figure`: every text's topic.

    Parameters
    ----------
    result : Topics
        The topics.
    max_rows : int, default 200
        Most texts listed.

    Returns
    -------
    str
        HTML (every text escaped).

    Examples
    --------
    >>> from coprod_analytics.text import topics
    >>> "<details" in topic_map_alt(topics(["a bus", "a tree"], n_topics=1))
    True
    """
    frame = result.assignments.select(
        "text_id",
        "topic",
        pl.col("text").map_elements(lambda s: short(s, 100), return_dtype=pl.String),
    ).head(max_rows)
    return alt_table(
        frame, summary=_("Which topic each text is in (table)"), label=_("Texts by topic")
    )


def topics_html(result: Topics) -> str:
    """The topics table: number, label, size, share and the representative quotes (ids and
    their texts, escaped).

    Parameters
    ----------
    result : Topics
        The topics.

    Returns
    -------
    str
        HTML.

    Examples
    --------
    >>> from coprod_analytics.text import topics
    >>> html = topics_html(topics(["a <i>bus</i>", "a tree"], n_topics=1))
    >>> "<i>" in html, "&lt;i&gt;" in html
    (False, True)
    """
    texts = dict(result.assignments.select("text_id", "text").iter_rows())
    rows = []
    for r in result.topics.iter_rows(named=True):
        quotes = "".join(
            f"<li><span class='muted'>#{esc(q)}</span> "
            f"<span dir='auto'>{esc(short(texts.get(q, ''), 160))}</span></li>"
            for q in r["quotes"]
        )
        rows.append(
            f"<tr><th scope='row'>{r['topic']}</th><td>{esc(r['label'])}</td>"
            f"<td>{r['size']}</td><td>{esc(fmt_pct(r['share']))}</td><td><ul>{quotes}</ul></td></tr>"
        )
    head = "".join(
        f"<th scope='col'>{esc(h)}</th>"
        for h in (_("Topic"), _("Words"), _("Texts"), _("Share"), _("For example"))
    )
    return (
        f"<table aria-label='{esc(_('Topics'))}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def topic_texts_html(texts: pl.DataFrame, *, max_rows: int = 30) -> str:
    """The texts of one topic (id and text, escaped).

    Parameters
    ----------
    texts : polars.DataFrame
        ``text_id``, ``text`` (and ``similarity``), as :meth:`Topics.texts_of` gives them.
    max_rows : int, default 30
        Most texts listed.

    Returns
    -------
    str
        HTML.

    Examples
    --------
    >>> topic_texts_html(pl.DataFrame({"text_id": ["1"], "text": ["<b>x</b>"], "similarity": [1.0]}))
    "<ul class='texts'><li><span class='muted'>#1</span> <span dir='auto'>&lt;b&gt;x&lt;/b&gt;</span></li></ul>"
    """
    items = "".join(
        f"<li><span class='muted'>#{esc(i)}</span> <span dir='auto'>{esc(x)}</span></li>"
        for i, x in texts.select("text_id", "text").head(max_rows).iter_rows()
    )
    more = (
        "<p class='muted'>" + _("… and {n} more").format(n=texts.height - max_rows) + "</p>"
        if texts.height > max_rows
        else ""
    )
    return f"<ul class='texts'>{items}</ul>{more}"


def topic_groups_html(votes: TopicVotes) -> str:
    """Topic × opinion group: each group's agree rate (with its interval) and the verdict.

    Parameters
    ----------
    votes : TopicVotes
        From :func:`coprod_analytics.text.topic_votes`.

    Returns
    -------
    str
        HTML (small cells shown as suppressed).

    Examples
    --------
    >>> from coprod_analytics import simulate_inquiry
    >>> from coprod_analytics.text import topics, topic_votes
    >>> inq = simulate_inquiry(60, 12, n_groups=2, seed=3)
    >>> html = topic_groups_html(topic_votes(topics(inq, n_topics=2), inq, progress=False))
    >>> "Group A" in html
    True
    """
    t = votes.table
    groups = sorted(set(t["group"].to_list()))

    def cell(topic: int, g: str) -> str:
        part = t.filter((pl.col("topic") == topic) & (pl.col("group") == g))
        if part.height == 0 or part["agree_rate"][0] is None:
            return "–"
        r = part.row(0, named=True)
        return f"{fmt_pct(r['agree_rate'])} ({fmt_pct(r['ci_low'])}–{fmt_pct(r['ci_high'])})"

    frame = pl.DataFrame(
        {
            _("Topic"): [
                f"{r['topic']}: {r['label']}" for r in votes.verdicts.iter_rows(named=True)
            ],
            **{
                _("Group {name} agrees").format(name=g): [
                    cell(r["topic"], g) for r in votes.verdicts.iter_rows(named=True)
                ]
                for g in groups
            },
            _("Reading"): votes.verdicts["verdict"].to_list(),
        }
    )
    note = f"<p class='muted'>{esc(core_text(votes.note))}</p>" if votes.note else ""
    level = f"{round(100 * (1 - votes.alpha))}%"
    return (
        table_html(
            frame,
            caption=_(
                "How each opinion group votes per topic (agree rate, {level} interval)"
            ).format(level=level),
        )
        + note
    )
