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
draw; nothing is displayed in a constructor. Charts reach the page as plotly's mimetype in an
output area (a saved notebook stores the figure, not the 5 MB plotly.js bundle a
``FigureWidget`` carries). :data:`PANELS` lists the dashboard panels of this family (folded;
shown only when the inquiry has the data).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import polars as pl

from coprod_analytics.inquiry import Inquiry
from coprod_widgets.chart import Chart
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
from coprod_widgets.i18n import N_, gettext_for

__all__ = [
    "QFactorView",
    "RepresentationView",
    "ShiftView",
    "has_deliberation_data",
    "has_population",
    "has_qsorts",
]

_ = gettext_for("report")


def _html(value: str = "") -> widgets.HTML:
    return widgets.HTML(value=value)


class ShiftView(widgets.VBox):
    """Deliberation change: distributions, tests, groups, DiD and DRI.

    Parameters
    ----------
    state : ShiftState
        The state to draw (the view follows its ``item``, ``by`` and ``min_cell``).
    **kwargs
        Passed to ``ipywidgets.VBox``.

    Examples
    --------
    >>> from coprod_analytics.deliberation import simulate_panel
    >>> view = ShiftView(ShiftState(simulate_panel(60, 2, seed=0).panel, min_cell=5))
    >>> view.item.value = "q2"
    >>> view.state.item
    'q2'

    Attributes
    ----------
    item : ipywidgets.Dropdown
    by : ipywidgets.Dropdown
        "Everyone" or an attribute to split by.
    distribution, groups, dri : plotly.graph_objects.Figure or None
        The charts currently shown (in ``distribution_chart``, ``groups_chart`` and
        ``dri_chart``, output areas holding plotly's mimetype).
    results : ipywidgets.HTML
        Test results of every item (and DiD), the correction stated.
    dri_table : ipywidgets.HTML
    """

    def __init__(self, state: ShiftState, **kwargs: Any) -> None:
        self.state = state
        children: list[Any] = [_html(CSS)]
        self.distribution: Any = None
        self.groups: Any = None
        self.dri: Any = None
        self.item = widgets.Dropdown(options=state.items, description=_("Item:"))
        self.by = widgets.Dropdown(
            options=[("Everyone", EVERYONE)] + [(c, c) for c in state.by_options],
            description=_("Split by:"),
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
            self.distribution = self._distribution_fig()
            self.groups = self._groups_fig()
            self.distribution_chart = Chart(self.distribution)
            self.groups_chart = Chart(self.groups)
            children += [
                widgets.HBox([self.item, self.by]),
                self.distribution_chart,
                self.alt,
                self.groups_chart,
                self.results,
            ]
            state.observe(self._on_change, names=["item", "by", "min_cell"])
        if state.dri() is not None:
            table = state.dri_table()
            assert table is not None
            self.dri = dri_figure(table)
            self.dri_chart = Chart(self.dri)
            self.dri_table.value = dri_html(state)
            children += [self.dri_chart, self.dri_table]
        self.refresh()
        super().__init__(children, **kwargs)
        self.add_class("coprod-shift")

    def _distribution_fig(self) -> Any:
        s = self.state
        return distribution_figure(
            s.distribution(), item=s.item, pre=s.pre, post=s.post, min_cell=s.min_cell
        )

    def _groups_fig(self) -> Any:
        return group_shift_figure(self.state.item_shift(), by=self.state.by)

    def refresh(self) -> None:
        """Redraw from the state.

        Returns
        -------
        None
        """
        if self.state.panel is None:
            return
        self.alt.value = '<div class="coprod">' + shift_alt(self.state) + "</div>"
        self.results.value = shift_html(self.state)

    def _on_change(self, change: Any) -> None:
        self.distribution = self._distribution_fig()
        self.groups = self._groups_fig()
        self.distribution_chart.update(self.distribution)
        self.groups_chart.update(self.groups)
        self.refresh()


class QFactorView(widgets.VBox):
    """Q-methodology: loadings heat map, the selected factor's statements, distinguishing
    and consensus statements.

    Parameters
    ----------
    state : QMethodState
        The state to draw (the view follows its ``n_factors`` and ``factor``).
    **kwargs
        Passed to ``ipywidgets.VBox``.

    Examples
    --------
    >>> import numpy as np
    >>> grid = np.repeat([-2, -1, 0, 1, 2], [1, 2, 3, 2, 1])
    >>> rng = np.random.default_rng(0)
    >>> sorts = pl.DataFrame(np.column_stack([rng.permutation(grid) for _ in range(4)]),
    ...                      schema=["a", "b", "c", "d"])
    >>> view = QFactorView(QMethodState(sorts, n_factors=2))
    >>> view.factor.value = "f2"
    >>> "Statements of factor f2" in view.tables.value
    True

    Attributes
    ----------
    n_factors : ipywidgets.BoundedIntText
    factor : ipywidgets.Dropdown
    heatmap : plotly.graph_objects.Figure
        The loadings heat map shown (in ``heatmap_chart``).
    tables : ipywidgets.HTML
    """

    def __init__(self, state: QMethodState, **kwargs: Any) -> None:
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
        self.heatmap = loadings_figure(state.loadings_table())
        self.heatmap_chart = Chart(self.heatmap)
        self.alt = _html()
        self.tables = _html()
        self.refresh()
        state.observe(self._on_n_factors, names="n_factors")
        state.observe(lambda change: self.refresh(), names="factor")
        super().__init__(
            [
                _html(CSS),
                widgets.HBox([self.n_factors, self.factor]),
                self.heatmap_chart,
                self.alt,
                self.tables,
            ],
            **kwargs,
        )
        self.add_class("coprod-qmethod")

    def refresh(self) -> None:
        """Redraw the tables from the state.

        Returns
        -------
        None
        """
        self.alt.value = '<div class="coprod">' + loadings_alt(self.state) + "</div>"
        self.tables.value = q_html(self.state)

    def _on_n_factors(self, change: Any) -> None:
        self.factor.options = self.state.factors
        self.factor.value = self.state.factor
        self.heatmap = loadings_figure(self.state.loadings_table())
        self.heatmap_chart.update(self.heatmap)
        self.refresh()


class RepresentationView(widgets.VBox):
    """Participants vs population per attribute, weights, group make-up, exposure, attrition.

    Parameters
    ----------
    state : RepresentationState
        The state to draw (the view follows its ``attribute`` and ``min_cell``).
    **kwargs
        Passed to ``ipywidgets.VBox``.

    Examples
    --------
    >>> ppl = pl.DataFrame({"participant_id": range(40), "age": ["young"] * 10 + ["old"] * 30})
    >>> pop = pl.DataFrame({"attribute": ["age"] * 2, "category": ["old", "young"],
    ...                     "share": [0.5, 0.5]})
    >>> view = RepresentationView(RepresentationState(ppl, pop))
    >>> "Raking weights" in view.tables.value
    True

    Attributes
    ----------
    attribute : ipywidgets.Dropdown
    figure : plotly.graph_objects.Figure
        The chart shown (in ``chart``).
    tables : ipywidgets.HTML
    """

    def __init__(self, state: RepresentationState, **kwargs: Any) -> None:
        self.state = state
        self.attribute = widgets.Dropdown(
            options=state.attributes, value=state.attribute, description="Attribute:"
        )
        self.links = [widgets.link((state, "attribute"), (self.attribute, "value"))]
        self.figure = self._fig()
        self.chart = Chart(self.figure)
        self.alt = _html()
        self.tables = _html()
        self.refresh()
        state.observe(self._on_change, names=["attribute", "min_cell"])
        super().__init__([_html(CSS), self.attribute, self.chart, self.alt, self.tables], **kwargs)
        self.add_class("coprod-representation")

    def _fig(self) -> Any:
        return population_figure(self.state.comparison_table(), attribute=self.state.attribute)

    def refresh(self) -> None:
        """Redraw the tables from the state.

        Returns
        -------
        None
        """
        table = self.state.comparison_table()
        self.alt.value = (
            '<div class="coprod">'
            + population_alt(table, attribute=self.state.attribute)
            + "</div>"
        )
        self.tables.value = representation_html(self.state)

    def _on_change(self, change: Any) -> None:
        self.figure = self._fig()
        self.chart.update(self.figure)
        self.refresh()


# ------------------------------------------------------------------------ dashboard panels
def opinion_groups_of(inquiry: Inquiry, *, seed: int = 0) -> pl.DataFrame | None:
    """``participant_id, group`` of the inquiry's opinion groups (None without votes).

    Parameters
    ----------
    inquiry : Inquiry
        The inquiry.
    seed : int, default 0
        Seed of the opinion-group analysis.

    Returns
    -------
    pl.DataFrame or None

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> opinion_groups_of(sample_inquiry()).columns
    ['participant_id', 'group']
    """
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
        N_("Did views move? Before and after deliberation"),
        400,
        has_deliberation_data,
        _build_shift,
    ),
    Panel("q-method", N_("Viewpoints (Q-methodology factors)"), 410, has_qsorts, _build_q),
    Panel(
        "representativeness",
        N_("Who took part? Participants vs population"),
        420,
        has_population,
        _build_representation,
    ),
)
