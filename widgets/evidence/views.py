"""The evidence board view and its dashboard panel (:data:`PANELS`).

:class:`EvidenceBoard` is an ``ipywidgets.VBox`` that observes an
:class:`~coprod_widgets.evidence.state.EvidenceState` and only formats and draws; its
controls set traits on the state. Nothing is displayed in a constructor. :data:`PANELS`
holds the folded dashboard panel N_("Weighing the evidence"), shown only when the inquiry has
evidence ratings (listed in :data:`coprod_widgets.families.FAMILIES`).
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from coprod_analytics.inquiry import Inquiry
from coprod_widgets.chart import Chart
from coprod_widgets.evidence.figures import (
    evidence_alt,
    evidence_figure,
    evidence_groups_alt,
    evidence_groups_figure,
    evidence_html,
)
from coprod_widgets.evidence.state import (
    EVIDENCE_SORT_KEYS,
    GROUP_SOURCES,
    EvidenceState,
    has_evidence_data,
)
from coprod_widgets.families import Panel
from coprod_widgets.html import CSS
from coprod_widgets.i18n import N_, gettext_for

__all__ = ["PANELS", "EvidenceBoard"]

_ = gettext_for("report")


def _html(value: str = "") -> widgets.HTML:
    return widgets.HTML(value=value)


class EvidenceBoard(widgets.VBox):
    """Ranked evidence with credibility / relevance intervals and group divergence.

    Parameters
    ----------
    state : EvidenceState
        The state it observes (the evidence board shown).
    **kwargs
        Passed to ``ipywidgets.VBox``.

    Attributes
    ----------
    sort : ipywidgets.Dropdown
        Sort order (:data:`~coprod_widgets.evidence.state.EVIDENCE_SORT_KEYS`).
    groups : ipywidgets.Dropdown
        Where the groups come from (the sources this inquiry has).
    table : ipywidgets.HTML
        The ranked table (escaped titles) and reliability sentences.
    figure, groups_figure : Chart (``groups_figure`` None without groups)
    alt, groups_alt : ipywidgets.HTML

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> board = EvidenceBoard(EvidenceState(sample_inquiry(), groups="planted_group",
    ...                                     n_resamples=100))
    >>> "planted groups" in board.table.value
    True
    """

    def __init__(self, state: EvidenceState, **kwargs: Any) -> None:
        self.state = state
        self.sort = widgets.Dropdown(
            options=[(label, key) for key, label in EVIDENCE_SORT_KEYS.items()],
            value=state.sort_by,
            description=_("Sort by:"),
            layout=widgets.Layout(width="460px"),
        )
        sources = [state.group_source] + [
            s for s in self._available_sources() if s != state.group_source
        ]
        self.groups = widgets.Dropdown(
            options=[(_(GROUP_SOURCES[s]), s) for s in sources],
            value=state.group_source,
            description=_("Groups:"),
            layout=widgets.Layout(width="640px"),
        )
        self.links = [
            widgets.link((state, "sort_by"), (self.sort, "value")),
            widgets.link((state, "group_source"), (self.groups, "value")),
        ]
        self.table = _html()
        self.alt = _html()
        self.groups_alt = _html()
        self.figure = Chart(self._board_fig())
        self.groups_figure: Any = Chart(self._groups_fig())
        self.refresh()
        state.observe(self._on_change, names=["result", "sort_by"])
        super().__init__(
            [
                _html(CSS),
                widgets.HBox([self.sort, self.groups]),
                self.table,
                self.figure,
                self.alt,
                self.groups_figure,
                self.groups_alt,
            ],
            **kwargs,
        )
        self.add_class("coprod-evidence")

    def _available_sources(self) -> list[str]:
        inq = self.state.inquiry
        out = ["opinion_groups"] if inq.votes.height else []
        out += [c for c in ("polis_group_id", "planted_group") if c in inq.participants.columns]
        return [*out, "none"]

    def _board_fig(self) -> Any:
        res = self.state.result
        alpha = 0.05 if res is None else float(res.parameters.get("alpha", 0.05))
        return evidence_figure(self.state.board_table(), alpha=alpha)

    def _groups_fig(self) -> Any:
        g = self.state.group_breakdown()
        if g is None:
            import plotly.graph_objects as go

            return go.Figure(layout={"height": 10, "title": {"text": ""}})
        titles = dict(self.state.titles().select("evidence_id", "title").iter_rows())
        return evidence_groups_figure(g, titles)

    def refresh(self) -> None:
        """Redraw the HTML parts from the state.

        Returns
        -------
        None
        """
        self.table.value = evidence_html(self.state)
        self.alt.value = '<div class="coprod">' + evidence_alt(self.state) + "</div>"
        self.groups_alt.value = '<div class="coprod">' + evidence_groups_alt(self.state) + "</div>"

    def _on_change(self, change: Any) -> None:
        self.figure.update(self._board_fig())
        if change["name"] == "result":
            self.groups_figure.update(self._groups_fig())
        self.refresh()


# ----------------------------------------------------------------------------- panels
def _build_evidence(inquiry: Inquiry, *, min_cell: int = 0) -> EvidenceBoard:
    return EvidenceBoard(EvidenceState(inquiry, min_cell=min_cell))


#: The dashboard panels of this family (folded; built when first opened).
PANELS = (Panel("evidence", N_("Weighing the evidence"), 420, has_evidence_data, _build_evidence),)
