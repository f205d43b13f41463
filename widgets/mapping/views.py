"""The community map view: :class:`MappingView` (draws only; the state computes).

A map of the published grid cells and hotspot centres over the facilitator's GeoJSON layers,
with its text alternative, and the hotspot, coverage, support, appraisal and who-mapped
tables. Sliders set the state's hotspot radius, minimum size, coverage distance and grid.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets

from coprod_analytics.inquiry import Inquiry
from coprod_widgets.chart import Chart
from coprod_widgets.families import Panel
from coprod_widgets.html import CSS
from coprod_widgets.i18n import gettext_for
from coprod_widgets.mapping.figures import (
    change_html,
    coverage_html,
    hotspots_html,
    map_alt,
    map_figure,
    support_html,
    who_html,
)
from coprod_widgets.mapping.state import MappingState, has_places
from coprod_widgets.style import esc

__all__ = ["PANELS", "MappingView"]

_ = gettext_for("dashboard")


class MappingView(widgets.VBox):
    """The community map and its tables.

    Parameters
    ----------
    state : MappingState
        The state it observes.
    **kwargs
        Passed to ``ipywidgets.VBox``.

    Examples
    --------
    >>> from coprod_analytics.mapping import simulate_places
    >>> view = MappingView(MappingState(simulate_places().inquiry()))
    >>> view.radius.value = 40.0
    >>> view.state.radius_m
    40.0
    """

    def __init__(self, state: MappingState, **kwargs: Any) -> None:
        self.state = state
        style = {"description_width": "initial"}
        self.radius = widgets.FloatSlider(
            value=state.radius_m,
            min=10,
            max=500,
            step=10,
            description=_("Hotspot radius (m)"),
            style=style,
        )
        self.min_points = widgets.IntSlider(
            value=state.min_points,
            min=2,
            max=20,
            description=_("Places per hotspot"),
            style=style,
        )
        self.within = widgets.FloatSlider(
            value=state.within_m,
            min=50,
            max=2000,
            step=50,
            description=_("Covered within (m)"),
            style=style,
        )
        self.grid = widgets.FloatSlider(
            value=state.grid_m,
            min=50,
            max=1000,
            step=50,
            description=_("Map cells (m)"),
            style=style,
        )
        self.map = Chart(self._figure(), alt=_("community map of mapped places, counted in cells"))
        self.map_alt = widgets.HTML()
        self.hotspots = widgets.HTML()
        self.coverage = widgets.HTML()
        self.support = widgets.HTML()
        self.change = widgets.HTML()
        self.who = widgets.HTML()
        self.notes = widgets.HTML()
        super().__init__(
            [
                widgets.HTML(CSS),
                widgets.HBox([self.radius, self.min_points]),
                widgets.HBox([self.within, self.grid]),
                self.map,
                self.map_alt,
                self.hotspots,
                self.coverage,
                self.support,
                self.change,
                self.who,
                self.notes,
            ],
            **kwargs,
        )
        self.radius.observe(lambda c: setattr(state, "radius_m", float(c["new"])), names="value")
        self.min_points.observe(
            lambda c: setattr(state, "min_points", int(c["new"])), names="value"
        )
        self.within.observe(lambda c: setattr(state, "within_m", float(c["new"])), names="value")
        self.grid.observe(lambda c: setattr(state, "grid_m", float(c["new"])), names="value")
        state.observe(lambda _c: self.refresh(), names=["hotspot_table", "grid", "coverage_table"])
        self.refresh()

    def _figure(self) -> Any:
        s = self.state
        return map_figure(s.grid, hotspots=s.hotspot_table, layers=s.layers)

    def refresh(self) -> None:
        """Redraw everything from the state."""
        s = self.state
        self.map.update(self._figure())
        self.map_alt.value = map_alt(s.grid)
        self.hotspots.value = hotspots_html(
            s.hotspot_table, radius_m=s.radius_m, min_points=s.min_points, plan=s.plan
        )
        self.coverage.value = coverage_html(s.coverage_table, within_m=s.within_m, plan=s.plan)
        self.support.value = support_html(s.support, s.support_table) if s.support else ""
        self.change.value = change_html(s.change, s.change_table) if s.change else ""
        self.who.value = who_html(s.who) if s.who else ""
        self.notes.value = "".join(f"<p class='muted'>{esc(n)}</p>" for n in s.notes)


def _build_mapping(inquiry: Inquiry, *, min_cell: int = 5) -> MappingView:
    return MappingView(MappingState(inquiry, min_cell=min_cell))


#: The dashboard panels of this family (folded; built when first opened).
PANELS = (Panel("community-map", "Community map", 650, has_places, _build_mapping),)
