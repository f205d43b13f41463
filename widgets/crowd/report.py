"""Static-report sections of crowd estimates and rater agreement (:data:`SECTIONS`).

Each section applies only when the inquiry has its data, renders the same HTML fragments as
the widgets (:mod:`coprod_widgets.crowd.figures`) and inlines its charts with
:meth:`~coprod_widgets.report.context.ReportContext.figure_html`. Small cells: questions,
rounds, answers, items and group breakdowns of fewer than ``ctx.min_cell`` people are not
published, and each section says so. The evidence section is in
:mod:`coprod_widgets.evidence.report`.
"""

from __future__ import annotations

from dataclasses import dataclass

from coprod_widgets.crowd.figures import (
    agreement_alt,
    agreement_html,
    delphi_alt,
    delphi_html,
    estimates_alt,
    estimates_html,
    pooling_alt,
    pooling_html,
    popular_alt,
    popular_html,
)
from coprod_widgets.crowd.state import has_agreement_data, has_crowd_data
from coprod_widgets.i18n import N_, gettext_for
from coprod_widgets.report.context import ReportContext

__all__ = ["SECTIONS", "AgreementSection", "CrowdEstimatesSection"]

_ = gettext_for("report")


@dataclass(frozen=True)
class CrowdEstimatesSection:
    """Every estimate question (estimators, truth, Diversity Prediction, Delphi rounds),
    the pooled forecasts and the surprisingly-popular answers.

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
    >>> f'<section id="{CrowdEstimatesSection().key}"' in page
    True
    """

    key: str = "crowd-estimates"
    title: str = N_("Crowd estimates")
    order: int = 400
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
        return has_crowd_data(ctx.inquiry)

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
        from coprod_widgets.crowd.figures import (
            delphi_figure,
            estimates_figure,
            estimators_figure,
            pooling_figure,
            popular_figure,
        )
        from coprod_widgets.crowd.state import CrowdState

        state = CrowdState(
            ctx.inquiry, seed=ctx.seed, n_resamples=self.n_resamples, min_cell=ctx.min_cell
        )
        parts = []
        for q in state.question_ids:
            state.question = q
            res = state.estimate_result or {}
            parts.append(estimates_html(state))
            if not res.get("suppressed"):
                vals = state.values().get_column("value").to_list()
                truth = res.get("truth")
                log = bool(vals) and min(vals) > 0 and max(vals) > 20 * min(vals)
                parts.append(
                    ctx.figure_html(
                        estimates_figure(
                            vals,
                            truth=truth,
                            log_scale=log,
                            unit=state.unit(q),
                            min_cell=ctx.min_cell,
                        ),
                        alt=estimates_alt(state),
                    )
                )
                parts.append(
                    ctx.figure_html(
                        estimators_figure(res["estimators"], truth=truth, log_scale=log),
                        alt="<p class='muted'>"
                        + _("The estimates and intervals are in the table above.")
                        + "</p>",
                    )
                )
            if res.get("delphi") is not None and res["delphi"].table.height:
                parts.append(delphi_html(state))
                parts.append(
                    ctx.figure_html(
                        delphi_figure(res["delphi"].table, min_cell=ctx.min_cell),
                        alt=delphi_alt(state),
                    )
                )
        for q in state.probability_question_ids:
            state.probability_question = q
            parts.append(pooling_html(state))
            pr = state.pooling_result or {}
            if pr and not pr.get("suppressed"):
                parts.append(
                    ctx.figure_html(
                        pooling_figure(pr["values"], pr["table"], min_cell=ctx.min_cell),
                        alt=pooling_alt(state),
                    )
                )
        for q in state.choice_question_ids:
            state.choice_question = q
            parts.append(popular_html(state))
            sp = state.popular_result or {}
            if sp:
                parts.append(ctx.figure_html(popular_figure(sp["table"]), alt=popular_alt(state)))
        parts.append(
            ctx.small_cells_note(_("questions, Delphi rounds and multiple-choice answers given by"))
        )
        ctx.provenance.append(
            {
                "method": "crowd estimates (coprod_analytics.crowd.estimates)",
                "parameters": {
                    "n_resamples": self.n_resamples,
                    "delphi_rule": state.delphi_rule,
                    "delphi_threshold": state.delphi_threshold,
                    "extremize": state.extremize,
                    "seed": ctx.seed,
                },
            }
        )
        return "".join(parts)


@dataclass(frozen=True)
class AgreementSection:
    """Krippendorff's alpha per item set, Kendall's W and per-item consensus.

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
    >>> f'<section id="{AgreementSection().key}"' in page
    True
    """

    key: str = "agreement"
    title: str = N_("How much do raters agree?")
    order: int = 410
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
        return has_agreement_data(ctx.inquiry)

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
        from coprod_widgets.crowd.figures import agreement_figure
        from coprod_widgets.crowd.state import AgreementState

        state = AgreementState(
            ctx.inquiry, seed=ctx.seed, n_resamples=self.n_resamples, min_cell=ctx.min_cell
        )
        ctx.provenance.append(
            {
                "method": "rater agreement (coprod_analytics.crowd.agreement)",
                "parameters": {
                    "level_of_measurement": state.level_of_measurement,
                    "n_resamples": self.n_resamples,
                    "seed": ctx.seed,
                },
            }
        )
        return (
            agreement_html(state)
            + ctx.figure_html(agreement_figure(state.result["items"]), alt=agreement_alt(state))
            + ctx.small_cells_note(_("rating items rated by"))
        )


#: The sections of this family, in report order.
SECTIONS = (CrowdEstimatesSection(), AgreementSection())
