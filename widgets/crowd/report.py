"""Static-report sections of crowd estimates, rater agreement and evidence weighing.

Each section applies only when the inquiry has its data, renders the same HTML fragments as
the widgets (:mod:`coprod_widgets.crowd.render`) and inlines its charts with
:meth:`~coprod_widgets.report.context.ReportContext.figure_html`. Small cells: questions,
rounds, answers, items and group breakdowns of fewer than ``ctx.min_cell`` people are not
published, and each section says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from coprod_widgets.crowd.render import (
    agreement_alt,
    agreement_html,
    delphi_alt,
    delphi_html,
    estimates_alt,
    estimates_html,
    evidence_alt,
    evidence_groups_alt,
    evidence_html,
    pooling_alt,
    pooling_html,
    popular_alt,
    popular_html,
)
from coprod_widgets.crowd.state import has_agreement_data, has_crowd_data, has_evidence_data
from coprod_widgets.report.context import ReportContext

__all__ = ["AgreementSection", "CrowdEstimatesSection", "EvidenceSection"]


def _small_cells(ctx: ReportContext, what: str) -> str:
    if not ctx.min_cell:
        return ""
    return (
        f"<p class='muted'>Small cells: {what} of fewer than {ctx.min_cell} people are not "
        "shown.</p>"
    )


@dataclass(frozen=True)
class CrowdEstimatesSection:
    """Every estimate question (estimators, truth, Diversity Prediction, Delphi rounds),
    the pooled forecasts and the surprisingly-popular answers."""

    key: str = "crowd-estimates"
    title: str = "Crowd estimates"
    order: int = 400
    n_boot: int = 1000

    def applies(self, ctx: ReportContext) -> bool:
        return has_crowd_data(ctx.inquiry)

    def render(self, ctx: ReportContext) -> str:
        from coprod_widgets.crowd.figures import (
            delphi_figure,
            estimates_figure,
            estimators_figure,
            pooling_figure,
            popular_figure,
        )
        from coprod_widgets.crowd.state import CrowdState

        state = CrowdState(ctx.inquiry, seed=ctx.seed, n_boot=self.n_boot, min_cell=ctx.min_cell)
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
                        estimates_figure(vals, truth=truth, log_scale=log, unit=state.unit(q)),
                        alt=estimates_alt(state),
                    )
                )
                parts.append(
                    ctx.figure_html(
                        estimators_figure(res["estimators"], truth=truth, log_scale=log),
                        alt="<p class='muted'>The estimates and intervals are in the table "
                        "above.</p>",
                    )
                )
            if res.get("delphi") is not None and res["delphi"].table.height:
                parts.append(delphi_html(state))
                parts.append(
                    ctx.figure_html(delphi_figure(res["delphi"].table), alt=delphi_alt(state))
                )
        for q in state.probability_question_ids:
            state.probability_question = q
            parts.append(pooling_html(state))
            pr = state.pooling_result or {}
            if pr and not pr.get("suppressed"):
                parts.append(
                    ctx.figure_html(
                        pooling_figure(pr["values"], pr["table"]), alt=pooling_alt(state)
                    )
                )
        for q in state.choice_question_ids:
            state.choice_question = q
            parts.append(popular_html(state))
            sp = state.popular_result or {}
            if sp:
                parts.append(ctx.figure_html(popular_figure(sp["table"]), alt=popular_alt(state)))
        parts.append(
            _small_cells(ctx, "questions, Delphi rounds and multiple-choice answers given by")
        )
        ctx.provenance.append(
            {
                "method": "crowd estimates (coprod_analytics.crowd.estimates)",
                "parameters": {
                    "n_boot": self.n_boot,
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
    """Krippendorff's alpha per item set, Kendall's W and per-item consensus."""

    key: str = "agreement"
    title: str = "How much do raters agree?"
    order: int = 410
    n_boot: int = 1000

    def applies(self, ctx: ReportContext) -> bool:
        return has_agreement_data(ctx.inquiry)

    def render(self, ctx: ReportContext) -> str:
        from coprod_widgets.crowd.figures import agreement_figure
        from coprod_widgets.crowd.state import AgreementState

        state = AgreementState(
            ctx.inquiry, seed=ctx.seed, n_boot=self.n_boot, min_cell=ctx.min_cell
        )
        ctx.provenance.append(
            {
                "method": "rater agreement (coprod_analytics.crowd.agreement)",
                "parameters": {"level": state.level, "n_boot": self.n_boot, "seed": ctx.seed},
            }
        )
        return (
            agreement_html(state)
            + ctx.figure_html(agreement_figure(state.result["items"]), alt=agreement_alt(state))
            + _small_cells(ctx, "rating items rated by")
        )


@dataclass(frozen=True)
class EvidenceSection:
    """Ranked evidence with intervals and how opinion groups read it."""

    key: str = "evidence"
    title: str = "Weighing the evidence"
    order: int = 420
    n_boot: int = 1000

    def applies(self, ctx: ReportContext) -> bool:
        return has_evidence_data(ctx.inquiry)

    def render(self, ctx: ReportContext) -> str:
        from coprod_widgets.crowd.figures import evidence_figure, evidence_groups_figure
        from coprod_widgets.crowd.state import EvidenceState

        groups = None
        if ctx.inquiry.votes.height:
            # the groups of the report's opinion map (computed once, shared)
            groups = ctx.consensus_state().result
        state = EvidenceState(
            ctx.inquiry,
            opinion_groups=groups,
            seed=ctx.seed,
            n_boot=self.n_boot,
            min_cell=ctx.min_cell,
        )
        parts = [evidence_html(state)]
        board = state.board_table()
        if board.height:
            parts.append(ctx.figure_html(evidence_figure(board), alt=evidence_alt(state)))
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
                    f"{n_sup} evidence item × group breakdowns with fewer than {ctx.min_cell} "
                    "raters are not shown."
                )
        parts.append(_small_cells(ctx, "evidence items and group breakdowns rated by"))
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
SECTIONS = (CrowdEstimatesSection(), AgreementSection(), EvidenceSection())
