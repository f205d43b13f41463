"""Views of deliberation change, Q-methodology and representativeness, and their panels.

- :class:`ShiftView` -- before/after distributions of an item, the paired test of every item
  (with the stated correction), the shift by group (dropdown), DiD against a control arm
  and the Deliberative Reason Index next to its permutation baseline.
- :class:`QFactorView` -- loadings heat map with the flagged Q-sorts, the selected factor's
  statements (z-scores, factor scores), distinguishing and consensus statements.
- :class:`RepresentationView` -- participants vs population per attribute (bars with
  intervals and over/under colours), raking weights, opinion-group make-up, exposure and
  attrition.

Views observe their state (:mod:`coprod_widgets.deliberation.state`) and only format and
draw; nothing is displayed in a constructor. Importing this module registers the dashboard
panels (folded; shown only when the inquiry has the data).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import polars as pl

from coprod_analytics.inquiry import Inquiry
from coprod_widgets.deliberation.figures import (
    distribution_figure,
    dri_figure,
    dri_html,
    group_shift_figure,
    loadings_alt,
    loadings_figure,
    population_alt,
    population_figure,
    q_html,
    representation_html,
    shift_alt,
    shift_html,
)
from coprod_widgets.deliberation.state import (
    EVERYONE,
    QMethodState,
    RepresentationState,
    ShiftState,
    has_deliberation_data,
    has_population,
    has_qsorts,
)
from coprod_widgets.families import Panel
from coprod_widgets.html import CSS

__all__ = [
    "QFactorView",
    "RepresentationView",
    "ShiftView",
    "has_deliberation_data",
    "has_population",
    "has_qsorts",
]


def _html(value: str = "") -> widgets.HTML:
    return widgets.HTML(value=value)


def _set_figure(target: Any, fresh: Any) -> None:
    with target.batch_update():
        target.data = []
        target.add_traces(list(fresh.data))
        target.layout = fresh.layout


class ShiftView(widgets.VBox):
    """Deliberation change: distributions, tests, groups, DiD and DRI.

    Attributes
    ----------
    item : ipywidgets.Dropdown
    by : ipywidgets.Dropdown
        "Everyone" or an attribute to split by.
    distribution, groups, dri : plotly.graph_objects.FigureWidget or None
    results : ipywidgets.HTML
        Test results of every item (and DiD), the correction stated.
    dri_table : ipywidgets.HTML
    """

    def __init__(self, state: ShiftState, **kwargs: Any) -> None:
        import plotly.graph_objects as go

        self.state = state
        children: list[Any] = [_html(CSS)]
        self.distribution: Any = None
        self.groups: Any = None
        self.dri: Any = None
        self.item = widgets.Dropdown(options=state.items, description="Item:")
        self.by = widgets.Dropdown(
            options=[("Everyone", EVERYONE)] + [(c, c) for c in state.by_options],
            description="Split by:",
        )
        self.alt = _html()
        self.results = _html()
        self.dri_table = _html()
        if state.panel is not None:
            self.item.value = state.item
            self.by.value = state.by
            self.links = [
                widgets.link((state, "item"), (self.item, "value")),
                widgets.link((state, "by"), (self.by, "value")),
            ]
            self.distribution = go.FigureWidget(self._distribution_fig())
            self.groups = go.FigureWidget(self._groups_fig())
            children += [
                widgets.HBox([self.item, self.by]),
                self.distribution,
                self.alt,
                self.groups,
                self.results,
            ]
            state.observe(self._on_change, names=["item", "by", "min_cell"])
        if state.dri() is not None:
            table = state.dri_table()
            assert table is not None
            self.dri = go.FigureWidget(dri_figure(table))
            self.dri_table.value = dri_html(state)
            children += [self.dri, self.dri_table]
        self.refresh()
        super().__init__(children, **kwargs)
        self.add_class("coprod-shift")

    def _distribution_fig(self) -> Any:
        s = self.state
        return distribution_figure(s.distribution(), item=s.item, pre=s.pre, post=s.post)

    def _groups_fig(self) -> Any:
        return group_shift_figure(self.state.item_shift(), by=self.state.by)

    def refresh(self) -> None:
        """Redraw from the state."""
        if self.state.panel is None:
            return
        self.alt.value = '<div class="coprod">' + shift_alt(self.state) + "</div>"
        self.results.value = shift_html(self.state)

    def _on_change(self, change: Any) -> None:
        _set_figure(self.distribution, self._distribution_fig())
        _set_figure(self.groups, self._groups_fig())
        self.refresh()


class QFactorView(widgets.VBox):
    """Q-methodology: loadings heat map, the selected factor's statements, distinguishing
    and consensus statements.

    Attributes
    ----------
    n_factors : ipywidgets.BoundedIntText
    factor : ipywidgets.Dropdown
    heatmap : plotly.graph_objects.FigureWidget
    tables : ipywidgets.HTML
    """

    def __init__(self, state: QMethodState, **kwargs: Any) -> None:
        import plotly.graph_objects as go

        self.state = state
        n_sorts = state.result.loadings.height
        self.n_factors = widgets.BoundedIntText(
            value=state.n_factors, min=1, max=max(1, n_sorts - 1), description="Factors:"
        )
        self.factor = widgets.Dropdown(
            options=state.factors, value=state.factor, description="Read:"
        )
        self.links = [
            widgets.link((state, "n_factors"), (self.n_factors, "value")),
            widgets.link((state, "factor"), (self.factor, "value")),
        ]
        self.heatmap = go.FigureWidget(loadings_figure(state.loadings_table()))
        self.alt = _html()
        self.tables = _html()
        self.refresh()
        state.observe(self._on_n_factors, names="n_factors")
        state.observe(lambda change: self.refresh(), names="factor")
        super().__init__(
            [
                _html(CSS),
                widgets.HBox([self.n_factors, self.factor]),
                self.heatmap,
                self.alt,
                self.tables,
            ],
            **kwargs,
        )
        self.add_class("coprod-qmethod")

    def refresh(self) -> None:
        """Redraw the tables from the state."""
        self.alt.value = '<div class="coprod">' + loadings_alt(self.state) + "</div>"
        self.tables.value = q_html(self.state)

    def _on_n_factors(self, change: Any) -> None:
        self.factor.options = self.state.factors
        self.factor.value = self.state.factor
        _set_figure(self.heatmap, loadings_figure(self.state.loadings_table()))
        self.refresh()


class RepresentationView(widgets.VBox):
    """Participants vs population per attribute, weights, group make-up, exposure, attrition.

    Attributes
    ----------
    attribute : ipywidgets.Dropdown
    figure : plotly.graph_objects.FigureWidget
    tables : ipywidgets.HTML
    """

    def __init__(self, state: RepresentationState, **kwargs: Any) -> None:
        import plotly.graph_objects as go

        self.state = state
        self.attribute = widgets.Dropdown(
            options=state.attributes, value=state.attribute, description="Attribute:"
        )
        self.links = [widgets.link((state, "attribute"), (self.attribute, "value"))]
        self.figure = go.FigureWidget(self._fig())
        self.alt = _html()
        self.tables = _html()
        self.refresh()
        state.observe(self._on_change, names=["attribute", "min_cell"])
        super().__init__([_html(CSS), self.attribute, self.figure, self.alt, self.tables], **kwargs)
        self.add_class("coprod-representation")

    def _fig(self) -> Any:
        return population_figure(self.state.comparison_table(), attribute=self.state.attribute)

    def refresh(self) -> None:
        """Redraw the tables from the state."""
        table = self.state.comparison_table()
        self.alt.value = (
            '<div class="coprod">'
            + population_alt(table, attribute=self.state.attribute)
            + "</div>"
        )
        self.tables.value = representation_html(self.state)

    def _on_change(self, change: Any) -> None:
        _set_figure(self.figure, self._fig())
        self.refresh()


# ------------------------------------------------------------------------ dashboard panels
def opinion_groups_of(inquiry: Inquiry, *, seed: int = 0) -> pl.DataFrame | None:
    """``participant_id, group`` of the inquiry's opinion groups (None without votes)."""
    if inquiry.votes.height == 0:
        return None
    from coprod_analytics.consensus import opinion_groups

    return opinion_groups(inquiry, seed=seed).participants.select("participant_id", "group")


def _build_shift(inquiry: Inquiry, *, min_cell: int) -> ShiftView:
    return ShiftView(ShiftState.from_inquiry(inquiry, min_cell=min_cell))


def _build_q(inquiry: Inquiry, *, min_cell: int) -> QFactorView:
    return QFactorView(QMethodState.from_inquiry(inquiry, pseudonymise=min_cell > 0))


def _build_representation(inquiry: Inquiry, *, min_cell: int) -> RepresentationView:
    groups = opinion_groups_of(inquiry)
    return RepresentationView(
        RepresentationState.from_inquiry(inquiry, groups=groups, min_cell=min_cell)
    )


#: The dashboard panels of this family (folded; built when first opened).
PANELS = (
    Panel(
        "deliberation-change",
        "Did views move? Before and after deliberation",
        400,
        has_deliberation_data,
        _build_shift,
    ),
    Panel("q-method", "Viewpoints (Q-methodology factors)", 410, has_qsorts, _build_q),
    Panel(
        "representativeness",
        "Who took part? Participants vs population",
        420,
        has_population,
        _build_representation,
    ),
)
