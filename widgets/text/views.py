"""The topics view: what people wrote, grouped into topics (:class:`TopicsView`).

Draws only: a bar of topic sizes with its text alternative, the topics table with quotes,
the texts of a chosen topic, a 2-D map of the texts coloured by topic with its text
alternative, and topic × opinion group when the inquiry has votes. The state
(:class:`~coprod_widgets.text.state.TopicsState`) computes.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from coprod_analytics.inquiry import Inquiry
from coprod_widgets.chart import Chart
from coprod_widgets.families import Panel
from coprod_widgets.html import CSS
from coprod_widgets.i18n import N_, gettext_for
from coprod_widgets.text.figures import (
    topic_groups_html,
    topic_map_alt,
    topic_map_figure,
    topic_sizes_alt,
    topic_sizes_figure,
    topic_texts_html,
    topics_html,
)
from coprod_widgets.text.state import TopicsState, has_text_data

__all__ = ["PANELS", "TopicsView"]

_ = gettext_for("report")


class TopicsView(widgets.VBox):
    """Topics of the texts, the texts of one topic, a map, and topic × opinion group.

    Parameters
    ----------
    state : TopicsState
        The state it observes.
    **kwargs
        Passed to ``ipywidgets.VBox``.

    Examples
    --------
    >>> from coprod_analytics import simulate_inquiry
    >>> view = TopicsView(TopicsState(simulate_inquiry(40, 12, seed=1)))
    >>> view.n_topics.value = 2
    >>> view.state.result.k
    2
    """

    def __init__(self, state: TopicsState, **kwargs: Any) -> None:
        self.state = state
        options = [(_("chosen by the data"), 0)] + [(str(k), k) for k in range(2, 13)]
        self.n_topics = widgets.Dropdown(options=options, value=0, description=_("Topics"))
        self.topic = widgets.Dropdown(description=_("Show topic"))
        assert state.result is not None
        self.sizes = Chart(topic_sizes_figure(state.result), alt=_("number of texts per topic"))
        self.sizes_alt = widgets.HTML()
        self.table = widgets.HTML()
        self.texts = widgets.HTML()
        self.map = Chart(topic_map_figure(state.result), alt=_("map of the texts by topic"))
        self.map_alt = widgets.HTML()
        self.groups = widgets.HTML()
        super().__init__(
            [
                widgets.HTML(CSS),
                self.n_topics,
                self.sizes,
                self.sizes_alt,
                self.table,
                self.topic,
                self.texts,
                self.map,
                self.map_alt,
                self.groups,
            ],
            **kwargs,
        )
        self.n_topics.observe(self._on_n_topics, names="value")
        self.topic.observe(self._on_topic, names="value")
        state.observe(lambda _c: self.refresh(), names=["result"])
        state.observe(lambda _c: self._draw_texts(), names=["topic"])
        self.refresh()

    def _on_n_topics(self, change: dict[str, Any]) -> None:
        self.state.n_topics = change["new"] or None

    def _on_topic(self, change: dict[str, Any]) -> None:
        if change["new"]:
            self.state.topic = int(change["new"])

    def refresh(self) -> None:
        """Redraw everything from the state."""
        res = self.state.result
        if res is None:
            return
        self.sizes.update(topic_sizes_figure(res))
        self.map.update(topic_map_figure(res))
        self.sizes_alt.value = topic_sizes_alt(res)
        self.map_alt.value = topic_map_alt(res)
        self.table.value = topics_html(res)
        self.topic.options = [
            (f"{r}: {lab}"[:60], r) for r, lab in res.topics.select("topic", "label").iter_rows()
        ]
        self.topic.value = self.state.topic if self.state.topic <= res.k else 1
        self.groups.value = topic_groups_html(self.state.votes) if self.state.votes else ""
        self._draw_texts()

    def _draw_texts(self) -> None:
        if self.state.result is not None:
            self.texts.value = topic_texts_html(self.state.texts())


def _build_topics(inquiry: Inquiry, *, min_cell: int = 0) -> TopicsView:
    return TopicsView(TopicsState(inquiry, min_cell=min_cell))


#: The dashboard panels of this family (folded; built when first opened).
PANELS = (Panel("topics", N_("What people wrote (topics)"), 600, has_text_data, _build_topics),)
