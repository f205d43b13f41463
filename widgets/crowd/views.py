"""Views of crowd estimates and rater agreement; their dashboard panels (:data:`PANELS`).

Each view is an ``ipywidgets.VBox`` that observes a state of :mod:`coprod_widgets.crowd.state`
and only formats and draws; controls set traits on the state. Nothing is displayed in a
constructor. :data:`PANELS` holds two folded dashboard panels (N_("Crowd estimates"), "How much
do raters agree?"), shown only when the inquiry has such data (listed in
:data:`coprod_widgets.families.FAMILIES`).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from coprod_analytics.inquiry import Inquiry
from coprod_widgets.chart import Chart
from coprod_widgets.crowd.figures import (
    agreement_alt,
    agreement_figure,
    agreement_html,
    delphi_alt,
    delphi_figure,
    delphi_html,
    estimates_alt,
    estimates_figure,
    estimates_html,
    estimators_figure,
    pooling_alt,
    pooling_figure,
    pooling_html,
    popular_alt,
    popular_figure,
    popular_html,
)
from coprod_widgets.crowd.state import (
    DELPHI_RULES,
    AgreementState,
    CrowdState,
    has_agreement_data,
    has_crowd_data,
)
from coprod_widgets.families import Panel
from coprod_widgets.html import CSS
from coprod_widgets.i18n import N_, gettext_for

__all__ = ["PANELS", "AgreementPanel", "CrowdEstimateView"]

_ = gettext_for("report")


def _html(value: str = "") -> widgets.HTML:
    return widgets.HTML(value=value)


class CrowdEstimateView(widgets.VBox):
    """Crowd estimates per question, Delphi rounds, pooled forecasts and the
    surprisingly-popular answer.

    Parameters
    ----------
    state : CrowdState
        The state it observes (the crowd estimates, forecasts and choices shown).
    **kwargs
        Passed to ``ipywidgets.VBox``.

    Attributes
    ----------
    question, round : ipywidgets.Dropdown
        The question and Delphi round shown (linked to the state).
    log_scale : ipywidgets.Checkbox
    rule, threshold : ipywidgets.Dropdown, ipywidgets.FloatText
        The Delphi consensus rule.
    summary : ipywidgets.HTML
        Question, estimators with intervals, truth and Diversity Prediction terms.
    guesses, estimators, delphi_chart : Chart (``delphi_chart`` None
        without rounds)
    delphi : ipywidgets.HTML
    probability_question, extremize : ipywidgets.Dropdown, ipywidgets.FloatSlider
    pooling, popular : ipywidgets.HTML
    pooling_chart, popular_chart : Chart or None

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> view = CrowdEstimateView(CrowdState(sample_inquiry(), n_resamples=100))
    >>> view.state.extremize = 2.5
    >>> "a = 2.5" in view.pooling.value
    True
    """

    def __init__(self, state: CrowdState, **kwargs: Any) -> None:
        self.state = state
        self.links: list[Any] = []
        children: list[Any] = [_html(CSS)]
        self.summary = _html()
        self.delphi = _html()
        self.guesses_alt = _html()
        self.delphi_alt = _html()
        self.guesses: Any = None
        self.estimators: Any = None
        self.delphi_chart: Any = None
        if state.question_ids:
            self.question = widgets.Dropdown(
                options=state.question_options(state.question_ids),
                value=state.question,
                description=_("Question:"),
                layout=widgets.Layout(width="640px"),
            )
            self.round = widgets.Dropdown(
                options=state.rounds(), value=state.round, description="Round:"
            )
            self.log_scale = widgets.Checkbox(
                value=state.log_scale, description=_("Log scale"), indent=False
            )
            self.rule = widgets.Dropdown(
                options=[(label, key) for key, label in DELPHI_RULES.items()],
                value=state.delphi_rule,
                description=_("Consensus:"),
            )
            self.threshold = widgets.FloatText(
                value=state.delphi_threshold, description=_("at most:"), step=0.1
            )
            self.links += [
                widgets.link((state, "question"), (self.question, "value")),
                widgets.link((state, "log_scale"), (self.log_scale, "value")),
                widgets.link((state, "delphi_rule"), (self.rule, "value")),
                widgets.link((state, "delphi_threshold"), (self.threshold, "value")),
            ]
            self.round.observe(self._on_round_widget, names="value")
            res = state.estimate_result or {}
            self.guesses = Chart(self._guesses_fig())
            self.estimators = Chart(self._estimators_fig())
            if res.get("delphi") is not None:
                self.delphi_chart = Chart(delphi_figure(res["delphi"].table))
            children += [
                self.question,
                widgets.HBox([self.round, self.log_scale, self.rule, self.threshold]),
                self.summary,
                self.guesses,
                self.estimators,
                self.guesses_alt,
                self.delphi,
            ]
            if self.delphi_chart is not None:
                children += [self.delphi_chart, self.delphi_alt]
            state.observe(self._on_estimates, names="estimate_result")
            state.observe(self._on_log, names="log_scale")
        self.pooling = _html()
        self.pooling_alt = _html()
        self.pooling_chart: Any = None
        if state.probability_question_ids:
            self.probability_question = widgets.Dropdown(
                options=state.question_options(state.probability_question_ids),
                value=state.probability_question,
                description=_("Forecast:"),
                layout=widgets.Layout(width="640px"),
            )
            self.extremize = widgets.FloatSlider(
                value=state.extremize,
                min=1.0,
                max=3.0,
                step=0.1,
                description=_("Extremize a:"),
                continuous_update=False,
            )
            self.links += [
                widgets.link((state, "probability_question"), (self.probability_question, "value")),
                widgets.link((state, "extremize"), (self.extremize, "value")),
            ]
            res = state.pooling_result or {}
            if res and not res.get("suppressed"):
                self.pooling_chart = Chart(
                    pooling_figure(res["values"], res["table"], min_cell=state.min_cell)
                )
            children += [
                _html('<div class="coprod"><h3>' + _("Probability forecasts") + "</h3></div>"),
                self.probability_question,
                self.extremize,
                self.pooling,
            ]
            if self.pooling_chart is not None:
                children += [self.pooling_chart, self.pooling_alt]
            state.observe(self._on_pooling, names="pooling_result")
        self.popular = _html()
        self.popular_alt = _html()
        self.popular_chart: Any = None
        if state.choice_question_ids:
            self.choice_question = widgets.Dropdown(
                options=state.question_options(state.choice_question_ids),
                value=state.choice_question,
                description=_("Question:"),
                layout=widgets.Layout(width="640px"),
            )
            self.links.append(
                widgets.link((state, "choice_question"), (self.choice_question, "value"))
            )
            res = state.popular_result or {}
            if res:
                self.popular_chart = Chart(popular_figure(res["table"]))
            children += [
                _html(
                    '<div class="coprod"><h3>'
                    + _("Multiple choice: the surprisingly popular answer")
                    + "</h3></div>"
                ),
                self.choice_question,
                self.popular,
            ]
            if self.popular_chart is not None:
                children += [self.popular_chart, self.popular_alt]
            state.observe(self._on_popular, names="popular_result")
        self.refresh()
        super().__init__(children, **kwargs)
        self.add_class("coprod-crowd")

    # ---------------------------------------------------------------- formatting
    def _guesses_fig(self) -> Any:
        s = self.state
        vals = s.values().get_column("value").to_list()
        return estimates_figure(
            vals,
            truth=s.truth(s.question),
            log_scale=s.log_scale,
            unit=s.unit(s.question),
            min_cell=s.min_cell,
        )

    def _estimators_fig(self) -> Any:
        import polars as pl

        s = self.state
        res = s.estimate_result or {}
        est = res.get("estimators")
        if est is None:
            est = pl.DataFrame(
                schema={"method": pl.String, "value": pl.Float64, "ci_low": pl.Float64}
                | {"ci_high": pl.Float64}
            )
        return estimators_figure(est, truth=res.get("truth"), log_scale=s.log_scale)

    def refresh(self) -> None:
        """Redraw the HTML parts from the state.

        Returns
        -------
        None
        """
        s = self.state
        if s.question_ids:
            self.summary.value = estimates_html(s)
            self.guesses_alt.value = '<div class="coprod">' + estimates_alt(s) + "</div>"
            self.delphi.value = delphi_html(s)
            self.delphi_alt.value = '<div class="coprod">' + delphi_alt(s) + "</div>"
        if s.probability_question_ids:
            self.pooling.value = pooling_html(s)
            self.pooling_alt.value = '<div class="coprod">' + pooling_alt(s) + "</div>"
        if s.choice_question_ids:
            self.popular.value = popular_html(s)
            self.popular_alt.value = '<div class="coprod">' + popular_alt(s) + "</div>"

    # ---------------------------------------------------------------- events
    def _on_round_widget(self, change: Any) -> None:
        if change["new"] is not None and change["new"] != self.state.round:
            self.state.round = change["new"]

    def _on_estimates(self, change: Any) -> None:
        s = self.state
        rounds = s.rounds()
        if list(self.round.options) != rounds:
            self.round.options = rounds
        if self.round.value != s.round:
            self.round.value = s.round
        self.guesses.update(self._guesses_fig())
        self.estimators.update(self._estimators_fig())
        res = s.estimate_result or {}
        if self.delphi_chart is not None and res.get("delphi") is not None:
            self.delphi_chart.update(delphi_figure(res["delphi"].table))
        self.refresh()

    def _on_log(self, change: Any) -> None:
        self.guesses.update(self._guesses_fig())
        self.estimators.update(self._estimators_fig())

    def _on_pooling(self, change: Any) -> None:
        res = self.state.pooling_result or {}
        if self.pooling_chart is not None and res and not res.get("suppressed"):
            self.pooling_chart.update(
                pooling_figure(res["values"], res["table"], min_cell=self.state.min_cell)
            )
        self.refresh()

    def _on_popular(self, change: Any) -> None:
        res = self.state.popular_result or {}
        if self.popular_chart is not None and res:
            self.popular_chart.update(popular_figure(res["table"]))
        self.refresh()


class AgreementPanel(widgets.VBox):
    """How much raters agree: alpha per item set with its plain reading, Kendall's W, and
    consensus / agreement / dispersion per item.

    Parameters
    ----------
    state : AgreementState
        The state it observes (the agreement measures shown).
    **kwargs
        Passed to ``ipywidgets.VBox``.

    Attributes
    ----------
    level_of_measurement : ipywidgets.Dropdown
        Level of measurement of alpha (linked to the state).
    summary : ipywidgets.HTML
    figure : Chart
    alt : ipywidgets.HTML

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> panel = AgreementPanel(AgreementState(sample_inquiry(), n_resamples=100))
    >>> "raters agree poorly" in panel.summary.value
    True
    """

    def __init__(self, state: AgreementState, **kwargs: Any) -> None:
        self.state = state
        self.level_of_measurement = widgets.Dropdown(
            options=[
                (_("ordinal (Likert)"), "ordinal"),
                (_("interval"), "interval"),
                (_("nominal"), "nominal"),
            ],
            value=state.level_of_measurement,
            description=_("Measured as:"),
        )
        self.links = [
            widgets.link((state, "level_of_measurement"), (self.level_of_measurement, "value"))
        ]
        self.summary = _html()
        self.alt = _html()
        self.figure = Chart(agreement_figure(state.result["items"]))
        self.refresh()
        state.observe(self._on_result, names="result")
        super().__init__(
            [_html(CSS), self.level_of_measurement, self.summary, self.figure, self.alt], **kwargs
        )
        self.add_class("coprod-agreement")

    def refresh(self) -> None:
        """Redraw the HTML parts from the state.

        Returns
        -------
        None
        """
        self.summary.value = agreement_html(self.state)
        self.alt.value = '<div class="coprod">' + agreement_alt(self.state) + "</div>"

    def _on_result(self, change: Any) -> None:
        self.figure.update(agreement_figure(self.state.result["items"]))
        self.refresh()


# ----------------------------------------------------------------------------- panels
def _build_crowd(inquiry: Inquiry, *, min_cell: int = 0) -> CrowdEstimateView:
    return CrowdEstimateView(CrowdState(inquiry, min_cell=min_cell))


def _build_agreement(inquiry: Inquiry, *, min_cell: int = 0) -> AgreementPanel:
    return AgreementPanel(AgreementState(inquiry, min_cell=min_cell))


#: The dashboard panels of this family (folded; built when first opened).
PANELS = (
    Panel("crowd-estimates", N_("Crowd estimates"), 400, has_crowd_data, _build_crowd),
    Panel("agreement", N_("How much do raters agree?"), 410, has_agreement_data, _build_agreement),
)
