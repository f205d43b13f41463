"""The budget explorer and the ranking board; their dashboard panels.

Each view is an ``ipywidgets.VBox`` observing a state of
:mod:`coprod_widgets.preferences.state`; it only formats and draws, and its controls set
traits on the state. Nothing is displayed in a constructor. Importing this module registers
two folded dashboard panels ("Participatory budget: rules compared" and "Rankings and
pairwise comparisons"), shown only when the inquiry has such data.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from coprod_analytics.errors import check_param
from coprod_analytics.inquiry import Inquiry
from coprod_widgets.chart import Chart
from coprod_widgets.families import Panel
from coprod_widgets.html import CSS
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

__all__ = ["UPDATE_MODES", "BudgetExplorer", "RankingBoard"]

_ = gettext_for("report")

#: How the what-if budget slider recomputes: on every move, on release, or on a button.
UPDATE_MODES = ("live", "release", "button")


class BudgetExplorer(widgets.VBox):
    """Budgeting rules side by side, whom each outcome serves, and a what-if budget.

    Parameters
    ----------
    state : BudgetState or Inquiry
        The state (or an inquiry holding a budgeting election; then ``min_cell`` applies).
    min_cell : int, default 0
        Counts of fewer voters than this are suppressed (when ``state`` is an Inquiry).
    update : {"live", "release", "button"}, optional
        How the budget slider recomputes. Default: from the time the rules took — live
        under 0.3 s, on release under 2 s, else with the "Recompute" button.
    **kwargs
        Passed on to ``ipywidgets.VBox``.

    Attributes
    ----------
    budget_slider : ipywidgets.FloatSlider
    recompute : ipywidgets.Button
        Runs the rules at the slider's budget (the only trigger in ``"button"`` mode).
    reset : ipywidgets.Button
        Back to the election's budget.
    check_jr : ipywidgets.Button
        Checks EJR / PJR on demand (approval ballots, when not checked automatically).
    rules, projects, header, status : ipywidgets.HTML
    rules_figure, satisfaction_figure : Chart
    rules_alt, satisfaction_alt : ipywidgets.HTML
        The charts' text alternatives.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> e = pb_election({"a": 1, "b": 1, "c": 1}, [["a", "b"]] * 3 + [["c"]] * 2, budget=2)
    >>> view = BudgetExplorer(e.to_inquiry())
    >>> view.update
    'live'
    >>> view.budget_slider.value = 3
    >>> view.state.funded()["greedy"]
    ['a', 'b', 'c']
    """

    def __init__(
        self,
        state: BudgetState | Inquiry,
        *,
        min_cell: int = 0,
        update: str | None = None,
        **kwargs: Any,
    ) -> None:

        if isinstance(state, Inquiry):
            state = BudgetState(state, min_cell=min_cell)
        self.state = state
        if update is None:
            update = "live" if state.elapsed < 0.3 else "release" if state.elapsed < 2 else "button"
        check_param(
            update in UPDATE_MODES, "update", "BudgetExplorer", f"one of {UPDATE_MODES}", update
        )
        self.update = update
        base = state.base_budget
        self.budget_slider = widgets.FloatSlider(
            value=state.budget,
            min=round(base * 0.1, 2),
            max=round(base * 2, 2),
            step=max(round(base / 100, 2), 0.01),
            description=_("Budget:"),
            readout_format=",.0f",
            continuous_update=update == "live",
            layout=widgets.Layout(width="460px"),
        )
        self.recompute = widgets.Button(
            description=_("Recompute"), icon="refresh", tooltip=_("Run the rules at this budget")
        )
        self.recompute.layout.display = None if update == "button" else "none"
        self.reset = widgets.Button(
            description=_("Real budget"), tooltip=_("Back to the real budget")
        )
        self.check_jr = widgets.Button(
            description=_("Check EJR/PJR"),
            tooltip=_("Check proportionality (may take a while)"),
        )
        needs_check = state.approval and not state.auto_proportionality
        self.check_jr.layout.display = None if needs_check else "none"
        self.status = widgets.HTML("")
        self.header = widgets.HTML(budget_header_html(state))
        self.rules = widgets.HTML(rules_html(state))
        self.rules_figure = Chart(rules_figure(state))
        self.rules_alt = widgets.HTML('<div class="coprod">' + rules_alt(state) + "</div>")
        self.satisfaction_figure = Chart(satisfaction_figure(state))
        self.satisfaction_alt = widgets.HTML(
            '<div class="coprod">' + satisfaction_alt(state) + "</div>"
        )
        self.projects = widgets.HTML(projects_html(state))
        self.budget_slider.observe(self._on_slider, names="value")
        self.recompute.on_click(self._on_recompute)
        self.reset.on_click(self._on_reset)
        self.check_jr.on_click(self._on_check)
        state.observe(self._on_result, names=["comparison", "proportionality"])
        state.observe(self._on_status, names="status")
        super().__init__(
            [
                widgets.HTML(CSS),
                self.header,
                widgets.HBox([self.budget_slider, self.recompute, self.reset, self.check_jr]),
                self.status,
                self.rules,
                self.rules_figure,
                self.rules_alt,
                self.satisfaction_figure,
                self.satisfaction_alt,
                self.projects,
            ],
            **kwargs,
        )
        self.add_class("coprod-budget-explorer")

    # ---------------------------------------------------------------- events
    def _on_slider(self, change: Any) -> None:
        if self.update == "button":
            pending = change["new"] != self.state.budget
            self.status.value = (
                "<span class='muted'>"
                + _("Press Recompute to run the rules at this budget.")
                + "</span>"
                if pending
                else ""
            )
            return
        self.state.budget = float(change["new"])

    def _on_recompute(self, _button: Any = None) -> None:
        self.state.budget = float(self.budget_slider.value)

    def _on_reset(self, _button: Any = None) -> None:
        self.budget_slider.value = self.state.base_budget
        self.state.budget = self.state.base_budget

    def _on_check(self, _button: Any = None) -> None:
        self.status.value = "<span class='muted'>" + _("Checking EJR / PJR…") + "</span>"
        self.state.check_proportionality()
        self.status.value = ""

    def _on_status(self, change: Any) -> None:
        if change["new"] == "computing":
            self.status.value = "<span class='muted'>" + _("Running the rules…") + "</span>"
        elif change["new"] == "ready":
            self.status.value = ""

    def _on_result(self, change: Any) -> None:
        s = self.state
        if self.budget_slider.value != s.budget:
            self.budget_slider.value = s.budget
        self.header.value = budget_header_html(s)
        self.rules.value = rules_html(s)
        self.projects.value = projects_html(s)
        self.rules_alt.value = '<div class="coprod">' + rules_alt(s) + "</div>"
        self.satisfaction_alt.value = '<div class="coprod">' + satisfaction_alt(s) + "</div>"
        self.rules_figure.update(rules_figure(s))
        self.satisfaction_figure.update(satisfaction_figure(s))


class RankingBoard(widgets.VBox):
    """Borda, Copeland, Schulze and Kemeny–Young side by side (ties shown) and, for
    pairwise data, Bradley–Terry strengths with intervals and the pair to ask next.

    Parameters
    ----------
    state : RankingState or Inquiry
        The state (or an inquiry holding rankings or pairwise comparisons; then
        ``min_cell`` applies).
    min_cell : int, default 0
        Results from fewer ballots or raters than this are not shown (when ``state`` is an
        Inquiry).
    **kwargs
        Passed on to ``ipywidgets.VBox``.

    Attributes
    ----------
    rankings : ipywidgets.HTML
    level : ipywidgets.Dropdown
        Interval level of the strengths (sets ``state.alpha``).
    strengths_figure : Chart or None
    strengths_alt, next_pairs : ipywidgets.HTML

    Examples
    --------
    >>> from coprod_analytics import Inquiry
    >>> import polars as pl
    >>> c = pl.DataFrame({"winner": ["a", "a", "b", "c"], "loser": ["b", "b", "c", "a"]})
    >>> board = RankingBoard(Inquiry(tables={"pairwise": c}))
    >>> "Ask next" in board.next_pairs.value
    True
    """

    def __init__(self, state: RankingState | Inquiry, *, min_cell: int = 0, **kwargs: Any) -> None:

        if isinstance(state, Inquiry):
            state = RankingState(state, min_cell=min_cell)
        self.state = state
        self.rankings = widgets.HTML(ranking_html(state))
        self.level = widgets.Dropdown(
            options=[("90%", 0.10), ("95%", 0.05), ("99%", 0.01)],
            value=state.alpha if state.alpha in (0.10, 0.05, 0.01) else 0.05,
            description=_("Interval:"),
        )
        self.strengths_figure: Any = None
        self.strengths_alt = widgets.HTML("")
        self.next_pairs = widgets.HTML("")
        parts: list[Any] = [widgets.HTML(CSS), self.rankings]
        if state.bradley_terry is not None:
            if state.pairwise_suppressed():
                self.next_pairs.value = (
                    "<div class='coprod'><p class='muted'>"
                    + _("Pairwise strengths from fewer than {n} raters are not shown.").format(
                        n=state.min_cell
                    )
                    + "</p></div>"
                )
                parts.append(self.next_pairs)
            else:
                self.strengths_figure = Chart(strengths_figure(state))
                self._draw_pairwise()
                parts += [self.level, self.strengths_figure, self.strengths_alt, self.next_pairs]
                self.level.observe(self._on_level, names="value")
                state.observe(self._on_fit, names="bradley_terry")
        super().__init__(parts, **kwargs)
        self.add_class("coprod-ranking-board")

    def _draw_pairwise(self) -> None:
        self.strengths_alt.value = '<div class="coprod">' + strengths_alt(self.state) + "</div>"
        self.next_pairs.value = next_pairs_html(self.state)

    def _on_level(self, change: Any) -> None:
        self.state.alpha = float(change["new"])

    def _on_fit(self, change: Any) -> None:
        if self.strengths_figure is not None:
            self.strengths_figure.update(strengths_figure(self.state))
        self._draw_pairwise()


def _build_budget(inquiry: Inquiry, *, min_cell: int = 0) -> BudgetExplorer:
    return BudgetExplorer(inquiry, min_cell=min_cell)


def _build_ranking(inquiry: Inquiry, *, min_cell: int = 0) -> RankingBoard:
    return RankingBoard(inquiry, min_cell=min_cell)


#: The dashboard panels of this family (folded; built when first opened).
PANELS = (
    Panel(
        "budget",
        N_("Participatory budget: what each rule would fund"),
        500,
        has_budget_data,
        _build_budget,
    ),
    Panel(
        "rankings",
        N_("Rankings and pairwise comparisons"),
        510,
        has_ranking_data,
        _build_ranking,
    ),
)
