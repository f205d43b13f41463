"""Static-report section of the free-text family: "What people wrote".

Applies when the inquiry has at least ten texts (statements or a ``free_text`` table);
renders the same fragments as the view (:mod:`coprod_widgets.text.figures`) and inlines its
charts with :meth:`~coprod_widgets.report.context.ReportContext.figure_html`. Topic × group
cells of fewer than ``ctx.min_cell`` voters are suppressed.
"""

from __future__ import annotations

from dataclasses import dataclass

from coprod_widgets.i18n import N_, gettext_for
from coprod_widgets.report.context import ReportContext
from coprod_widgets.style import esc
from coprod_widgets.text.figures import (
    topic_groups_html,
    topic_map_alt,
    topic_map_figure,
    topic_sizes_alt,
    topic_sizes_figure,
    topics_html,
)
from coprod_widgets.text.state import TopicsState, has_text_data

__all__ = ["SECTIONS", "WhatPeopleWroteSection"]

_ = gettext_for("report")


@dataclass(frozen=True)
class WhatPeopleWroteSection:
    """Topics of the statements (or open answers) with quotes by id, a map, and how each
    opinion group votes per topic.

    Attributes
    ----------
    key : str
        The section's anchor, ``"what-people-wrote"``.
    title : str
        Its heading.
    order : int
        Its place in the report (after the consensus sections).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.report.context import ReportContext
    >>> WhatPeopleWroteSection().applies(ReportContext(sample_inquiry()))
    True
    """

    key: str = "what-people-wrote"
    title: str = N_("What people wrote")
    order: int = 300

    def applies(self, ctx: ReportContext) -> bool:
        return has_text_data(ctx.inquiry)

    def render(self, ctx: ReportContext) -> str:
        groups = None
        if ctx.inquiry.votes.height:
            try:
                groups = ctx.consensus_state().result
            except Exception:  # topics still show without groups
                groups = None
        state = TopicsState(ctx.inquiry, seed=ctx.seed, min_cell=ctx.min_cell, groups=groups)
        res = state.result
        assert res is not None
        ctx.provenance.append(res.provenance.to_dict())
        how = (
            (
                _(
                    "{k} topics found in {n} texts by their words (TF-IDF of characters and words, "
                    "spectral clustering of the similarity graph, seed {seed})."
                )
                if not res.modularity
                else _(
                    "{k} topics found in {n} texts by their words (TF-IDF of characters and words, "
                    "spectral clustering of the similarity graph, number of topics chosen by "
                    "modularity, seed {seed})."
                )
            ).format(k=res.k, n=res.assignments.height, seed=res.seed)
            + " "
            + _("Quotes are the texts nearest each topic's centre.")
        )
        parts = [
            f"<p>{esc(how)}</p>",
            ctx.figure_html(topic_sizes_figure(res), alt=topic_sizes_alt(res)),
            topics_html(res),
            ctx.figure_html(topic_map_figure(res), alt=topic_map_alt(res)),
        ]
        if state.votes is not None:
            parts.append(topic_groups_html(state.votes))
            if state.votes.note:
                ctx.suppression_notes.append(state.votes.note)
        return "".join(parts)


SECTIONS = (WhatPeopleWroteSection(),)
