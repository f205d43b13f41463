"""One call that composes the consensus views: :class:`ConsensusDashboard`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets

from coprod_analytics.inquiry import Inquiry
from coprod_widgets.consensus.state import ConsensusState
from coprod_widgets.consensus.views import OpinionMap, StabilityView, StatementBoard
from coprod_widgets.families import Panel, panels
from coprod_widgets.html import CSS, footer_html, header_html

__all__ = ["ConsensusDashboard"]


class ConsensusDashboard(widgets.VBox):
    """Header, first look, opinion map, statement board, stability and provenance.

    Parameters
    ----------
    inquiry_or_path : Inquiry, path or ConsensusState
        What to show: an inquiry, any input :func:`~coprod_analytics.load_inquiry` reads,
        or an existing state (then ``seed``, ``min_cell`` and ``options`` are ignored).
    seed : int, default 0
        Random seed of the analysis.
    min_cell : int, default 0
        Suppress per-group breakdowns of fewer people than this (0: show all). Use 5 when
        the dashboard is published.
    show_title : bool
        Show the inquiry's title and counts in the header (a page that already shows them,
        like the live facilitator view, passes False).
    extra_panels : sequence of Panel, optional
        The panels of the other families to offer (default: every panel of the families
        list, :func:`~coprod_widgets.families.panels`, that applies to the inquiry).
    **options
        Further keyword arguments of :func:`~coprod_analytics.consensus.opinion_groups`.

    Attributes
    ----------
    state : ConsensusState
    opinion_map : OpinionMap
    board : StatementBoard
    stability : StabilityView or None
        Built when its section is first opened (or by :meth:`build_stability`).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> dash = ConsensusDashboard(sample_inquiry())
    >>> dash.state.selected_group = 0
    >>> dash.board.title.value.count("Group A")
    1
    """

    def __init__(
        self,
        inquiry_or_path: Inquiry | ConsensusState | str | os.PathLike[str],
        *,
        seed: int = 0,
        min_cell: int = 0,
        show_title: bool = True,
        extra_panels: Sequence[Panel] | None = None,
        **options: Any,
    ) -> None:
        self.show_title = show_title
        # the folded panels of the other families (coprod_widgets.families), or a given list
        self._panel_specs: list[Panel] = list(panels() if extra_panels is None else extra_panels)
        if isinstance(inquiry_or_path, ConsensusState):
            state = inquiry_or_path
        else:
            state = ConsensusState(inquiry_or_path, seed=seed, min_cell=min_cell, **options)
        self.state = state
        self.header = widgets.HTML(self._header_html())
        self.header.add_class("coprod-header")
        self.first_look = widgets.HTML(self._first_look_html())
        self.opinion_map = OpinionMap(state, layout=widgets.Layout(flex="1 1 520px"))
        self.board = StatementBoard(state, layout=widgets.Layout(flex="1 1 520px"))
        # built when first opened (it is folded away, and the first page should be quick)
        self.stability: StabilityView | None = None
        self.footer = widgets.HTML(footer_html(state))
        self.footer.add_class("coprod-footer")
        first_look = widgets.Accordion(
            [self.first_look],
            titles=("First look: where the room agrees, what it rejects, what divides it",),
        )
        stability = widgets.Accordion(
            [widgets.VBox([])], titles=("How sure is the split? (group stability)",)
        )
        stability.selected_index = None
        stability.observe(self._open_stability, names="selected_index")
        self._stability_box = stability
        main = widgets.HBox(
            [self.opinion_map, self.board],
            layout=widgets.Layout(flex_flow="row wrap", align_items="flex-start", width="100%"),
        )
        self.panels: dict[str, Any] = {}
        self._panel_box: dict[str, Any] = {}
        extra = self._panel_boxes(state)
        state.observe(self._on_result, names=["result", "min_cell"])
        # an inquiry without votes (e.g. a budget or rankings only) shows just its panels
        consensus = [first_look, main, stability] if state.inquiry.votes.height else []
        if not consensus and extra:
            extra[0].selected_index = 0  # nothing else to show: open the first panel
        super().__init__([widgets.HTML(CSS), self.header, *consensus, *extra, self.footer])
        self.add_class("coprod-dashboard")

    def _first_look_html(self) -> str:
        ov = self.state.overview
        if ov is None:
            return ""
        from coprod_widgets.style import esc

        # Overview's HTML escapes its texts; its plain summary lines are added for context
        return (
            '<div class="coprod">'
            + ov._repr_html_()
            + (
                "<p class='muted'>" + esc(ov.to_text().splitlines()[3]) + "</p>"
                if len(ov.to_text().splitlines()) > 3
                else ""
            )
            + "</div>"
        )

    def _panel_boxes(self, state: ConsensusState) -> list[widgets.Accordion]:
        """One folded accordion per registered panel that applies to this inquiry."""
        inquiry = state.inquiry
        boxes = []
        for panel in self._panel_specs:
            if inquiry is None or not panel.applies(inquiry):
                continue
            box = widgets.Accordion([widgets.VBox([])], titles=(panel.title,))
            box.selected_index = None

            def _open(change: Any, panel: Any = panel, box: Any = box) -> None:
                if change["new"] == 0:
                    self.build_panel(panel.key, box=box)

            box.observe(_open, names="selected_index")
            self._panel_box[panel.key] = box
            boxes.append(box)
        return boxes

    def build_panel(self, key: str, *, box: Any = None) -> Any:
        """The widget of a panel of the families list (built on first use).

        Parameters
        ----------
        key : str
            The panel's key.
        box : ipywidgets.Box, optional
            Where to put it (default: the panel's own accordion).

        Returns
        -------
        ipywidgets.Widget
        """
        if key not in self.panels:
            panel = {p.key: p for p in self._panel_specs}[key]
            widget = panel.build(self.state.inquiry, min_cell=self.state.min_cell)
            self.panels[key] = widget
            target = box if box is not None else self._panel_box.get(key)
            if target is not None:
                target.children = (widget,)
        return self.panels[key]

    def build_stability(self) -> StabilityView:
        """The stability view (built on first use; computes the resampling stability).

        Returns
        -------
        StabilityView
        """
        if self.stability is None:
            # resampling stability is computed when a reader first asks how sure the split
            # is, so that the first page stays quick
            self._stability_box.children = (
                widgets.HTML("<p>Resampling the participants to see how sure the split is…</p>"),
            )
            self.state.compute_stability()
            self.stability = StabilityView(self.state)
            self._stability_box.children = (self.stability,)
        return self.stability

    def _open_stability(self, change: Any) -> None:
        if change["new"] == 0:
            self.build_stability()

    def _header_html(self) -> str:
        if self.state.inquiry.votes.height == 0:
            from coprod_widgets.style import esc

            return f'<div class="coprod"><h1>{esc(self.state.title)}</h1></div>'
        from coprod_widgets.consensus.figures import verdict_html

        head = header_html(self.state, title=self.show_title)
        if self.state.result is None:
            return head
        # the one verdict on the groups, right under the headline (every page says the same)
        return head[: -len("</div>")] + verdict_html(self.state.result) + "</div>"

    def _on_result(self, change: Any) -> None:
        self.header.value = self._header_html()
        self.first_look.value = self._first_look_html()
        self.footer.value = footer_html(self.state)
