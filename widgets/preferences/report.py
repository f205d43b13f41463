"""Static-report sections of participatory budgets, rankings and pairwise comparisons.

Each section applies only when the inquiry has its data, renders the same HTML fragments as
the widgets (:mod:`coprod_widgets.preferences.figures`) and inlines its charts with
:meth:`~coprod_widgets.report.context.ReportContext.figure_html`. Small cells: project vote
counts and satisfaction counts of fewer than ``ctx.min_cell`` voters, and rankings or
pairwise strengths from fewer than ``ctx.min_cell`` ballots or raters, are not published;
each section says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from coprod_widgets.i18n import N_, gettext_for
from coprod_widgets.preferences.figures import (
    budget_header_html,
    next_pairs_html,
    projects_html,
    ranking_html,
    rules_alt,
    rules_figure,
    rules_html,
    satisfaction_alt,
    satisfaction_figure,
    strengths_alt,
    strengths_figure,
)
from coprod_widgets.preferences.state import (
    BudgetState,
    RankingState,
    has_budget_data,
    has_ranking_data,
)
from coprod_widgets.report.context import ReportContext

__all__ = ["BudgetSection", "RankingSection"]

_ = gettext_for("report")


@dataclass(frozen=True)
class BudgetSection:
    """What each budgeting rule would fund, whom it serves, EJR/PJR, and the projects.

    Attributes
    ----------
    key : str
        The section's id in the report.
    title : str
        Its heading.
    order : int
        Its place in the report.
    max_projects : int
        Rows of the projects table.

    Examples
    --------
    >>> BudgetSection().key
    'budget'
    """

    key: str = "budget"
    title: str = N_("Participatory budget: what each rule would fund")
    order: int = 500
    max_projects: int = 60

    def applies(self, ctx: ReportContext) -> bool:
        return has_budget_data(ctx.inquiry)

    def render(self, ctx: ReportContext) -> str:
        state = BudgetState(ctx.inquiry, min_cell=ctx.min_cell)
        ctx.cache["budget_state"] = state
        ctx.provenance.append(
            {
                "method": "compare_budget_rules",
                "parameters": {"rules": state.rules, "budget": state.budget},
            }
        )
        parts = [
            budget_header_html(state),
            rules_html(state),
            ctx.figure_html(rules_figure(state), alt=rules_alt(state)),
            ctx.figure_html(satisfaction_figure(state), alt=satisfaction_alt(state)),
            projects_html(state, max_rows=self.max_projects),
        ]
        if state.approval and not state.proportionality:
            parts.append(
                "<p class='muted'>"
                + _(
                    "EJR / PJR were not checked in this report: the election is too large for "
                    "a quick check (run {code})."
                ).format(code="<code>BudgetState(...).check_proportionality()</code>")
                + "</p>"
            )
        n_sup = state.n_suppressed()
        if ctx.min_cell:
            parts.append(
                "<p class='muted'>"
                + _(
                    "Small cells: counts of fewer than {n} voters are not shown ({count} hidden)."
                ).format(n=ctx.min_cell, count=n_sup)
                + "</p>"
            )
        if n_sup:
            ctx.suppression_notes.append(
                _(
                    "Budget: {count} vote or satisfaction counts of fewer than {n} voters are "
                    "not shown."
                ).format(count=n_sup, n=ctx.min_cell)
            )
        return "".join(parts)


@dataclass(frozen=True)
class RankingSection:
    """Ranked-ballot rules side by side and Bradley–Terry strengths of pairwise data.

    Attributes
    ----------
    key : str
        The section's id in the report.
    title : str
        Its heading.
    order : int
        Its place in the report.

    Examples
    --------
    >>> RankingSection().title
    'Rankings and pairwise comparisons'
    """

    key: str = "rankings"
    title: str = N_("Rankings and pairwise comparisons")
    order: int = 510

    def applies(self, ctx: ReportContext) -> bool:
        return has_ranking_data(ctx.inquiry)

    def render(self, ctx: ReportContext) -> str:
        state = RankingState(ctx.inquiry, min_cell=ctx.min_cell)
        parts = [ranking_html(state)]
        if state.rankings_suppressed():
            ctx.suppression_notes.append(
                _("Rankings: fewer than {n} ballots, so no ranking is shown.").format(
                    n=ctx.min_cell
                )
            )
        if state.bradley_terry is not None:
            parts.append("<h3>" + _("Pairwise comparisons") + "</h3>")
            if state.pairwise_suppressed():
                parts.append(
                    "<p class='muted'>"
                    + _("Pairwise strengths from fewer than {n} raters are not shown.").format(
                        n=ctx.min_cell
                    )
                    + "</p>"
                )
                ctx.suppression_notes.append(
                    _("Pairwise: fewer than {n} raters, so no strengths are shown.").format(
                        n=ctx.min_cell
                    )
                )
            else:
                parts.append(ctx.figure_html(strengths_figure(state), alt=strengths_alt(state)))
                parts.append(next_pairs_html(state))
        if ctx.min_cell:
            parts.append(
                "<p class='muted'>"
                + _(
                    "Small cells: rankings or strengths from fewer than {n} ballots or raters "
                    "are not shown."
                ).format(n=ctx.min_cell)
                + "</p>"
            )
        return "".join(parts)


#: The sections of this family, in report order.
SECTIONS = (BudgetSection(), RankingSection())
