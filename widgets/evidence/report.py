"""Static-report section of evidence weighing (:data:`SECTIONS`).

The section applies only when the inquiry has evidence ratings, renders the same HTML
fragments as the widgets (:mod:`coprod_widgets.evidence.figures`) and inlines its charts
with :meth:`~coprod_widgets.report.context.ReportContext.figure_html`. Small cells: items and
group breakdowns of fewer than ``ctx.min_cell`` raters are not published, and the section
says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from coprod_widgets.evidence.figures import (
    evidence_alt,
    evidence_figure,
    evidence_groups_alt,
    evidence_groups_figure,
    evidence_html,
)
from coprod_widgets.evidence.state import EvidenceState, has_evidence_data
from coprod_widgets.i18n import N_, gettext_for
from coprod_widgets.report.context import ReportContext

__all__ = ["SECTIONS", "EvidenceSection"]

_ = gettext_for("report")


@dataclass(frozen=True)
class EvidenceSection:
    """Ranked evidence with intervals and how opinion groups read it.

    Attributes
    ----------
    key : str
        The section's anchor.
    title : str
        Its heading.
    order : int
        Its place in the report.
    n_resamples : int, default 1000
        Bootstrap resamples of its intervals.

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.report import build_report
    >>> page = build_report(sample_inquiry(), min_cell=5)
    >>> f'<section id="{EvidenceSection().key}"' in page
    True
    """

    key: str = "evidence"
    title: str = N_("Weighing the evidence")
    order: int = 420
    n_resamples: int = 1000

    def applies(self, ctx: ReportContext) -> bool:
        """Whether the inquiry has this section's data.

        Parameters
        ----------
        ctx : ReportContext
            The report being built.

        Returns
        -------
        bool
        """
        return has_evidence_data(ctx.inquiry)

    def render(self, ctx: ReportContext) -> str:
        """The section's HTML (values escaped, small cells suppressed).

        Parameters
        ----------
        ctx : ReportContext
            The report being built (inquiry, seed, ``min_cell``).

        Returns
        -------
        str
        """

        groups = None
        if ctx.inquiry.votes.height:
            # the groups of the report's opinion map (computed once, shared)
            groups = ctx.consensus_state().result
        state = EvidenceState(
            ctx.inquiry,
            opinion_groups=groups,
            seed=ctx.seed,
            n_resamples=self.n_resamples,
            min_cell=ctx.min_cell,
        )
        parts = [evidence_html(state)]
        board = state.board_table()
        if board.height:
            alpha = float(state.result.parameters.get("alpha", 0.05)) if state.result else 0.05
            parts.append(
                ctx.figure_html(evidence_figure(board, alpha=alpha), alt=evidence_alt(state))
            )
        breakdown = state.group_breakdown()
        if breakdown is not None:
            titles = dict(state.titles().select("evidence_id", "title").iter_rows())
            parts.append(
                ctx.figure_html(
                    evidence_groups_figure(breakdown, titles), alt=evidence_groups_alt(state)
                )
            )
            n_sup = breakdown.filter(breakdown["n"].is_null()).height
            if ctx.min_cell and n_sup:
                ctx.suppression_notes.append(
                    _(
                        "{count} evidence item × group breakdowns with fewer than {n} raters "
                        "are not shown."
                    ).format(count=n_sup, n=ctx.min_cell)
                )
        parts.append(ctx.small_cells_note(_("evidence items and group breakdowns rated by")))
        ctx.provenance.append(
            {
                "method": "evidence weighing (coprod_analytics.evidence.weighing.weigh_evidence)",
                "parameters": dict(state.result.parameters) | {"groups": state.group_source}
                if state.result is not None
                else {"groups": state.group_source},
            }
        )
        return "".join(parts)


#: The sections of this family, in report order.
SECTIONS = (EvidenceSection(),)
