"""The live panel of one activity on the facilitator's dashboard: :class:`ActivityPanel`.

A panel draws a :class:`~coprod_analytics.session.panels.LivePanel` (the numbers come from
the core, :meth:`LiveSession.panel <coprod_analytics.session.live.LiveSession.panel>`): a
heading, the tables (:func:`~coprod_widgets.session.figures.panel_html`) and the families'
charts (:func:`~coprod_widgets.session.figures.chart_specs`), each chart a
:class:`~coprod_widgets.chart.Chart` that is rebuilt only when the rows it draws changed. It only draws; the dashboard
decides when (only when the activity's answers changed).
"""

from __future__ import annotations

import html
import logging
from typing import Any

import ipywidgets as widgets
import polars as pl

from coprod_analytics.session.panels import LivePanel
from coprod_widgets.chart import Chart
from coprod_widgets.i18n import gettext_for
from coprod_widgets.session.figures import chart_specs, header_html, panel_html

_ = gettext_for("dashboard")

__all__ = ["ActivityPanel"]

log = logging.getLogger("coprod_widgets.session.panels")


class ActivityPanel(widgets.VBox):
    """The live result of one activity: heading, tables and charts.

    Parameters
    ----------
    activity_id : str
        The activity shown.
    extra : ipywidgets.Widget, optional
        A widget shown below the tables (the statements panel holds the consensus
        dashboard).
    **kwargs
        Passed to ``ipywidgets.VBox``.

    Attributes
    ----------
    header, body : ipywidgets.HTML
        The heading and the tables (or the plain message of an early panel).
    charts : ipywidgets.Box
        The charts, side by side where there is room (:class:`~coprod_widgets.chart.Chart`), keyed in :attr:`chart_by_key`.
    result : LivePanel or None
        The numbers drawn last.
    version : int
        The activity's version drawn last (-1: never drawn).

    Examples
    --------
    >>> p = ActivityPanel("ratings")
    >>> p.update(LivePanel("ratings", "ratings", "Ratings", True, 1, 0, {}, "No answers yet."))
    >>> "No answers yet." in p.body.value, p.numbers().height
    (True, 0)
    """

    def __init__(self, activity_id: str, *, extra: Any = None, **kwargs: Any) -> None:
        self.activity_id = activity_id
        self.header = widgets.HTML()
        self.body = widgets.HTML()
        self.charts = widgets.Box(layout=widgets.Layout(flex_flow="row wrap", width="100%"))
        self.chart_by_key: dict[str, Chart] = {}
        self._drawn: dict[str, pl.DataFrame] = {}
        self.result: LivePanel | None = None
        self.version = -1
        children = [self.header, self.body, self.charts]
        if extra is not None:
            children.append(extra)
        super().__init__(children, **kwargs)
        self.add_class("coprod-live-panel")
        self.add_class(f"coprod-live-panel-{_css_name(activity_id)}")

    @property
    def message(self) -> str | None:
        """The plain message of the panel drawn last (None when all is shown).

        Returns
        -------
        str or None
        """
        return None if self.result is None else self.result.message

    def numbers(self) -> pl.DataFrame:
        """Every number the panel shows (:meth:`LivePanel.to_frame
        <coprod_analytics.session.panels.LivePanel.to_frame>`).

        Returns
        -------
        polars.DataFrame
            ``section``, ``item_id``, ``round``, ``category``, ``statistic``, ``value``.
        """
        if self.result is None:
            return LivePanel("", "", "", False, 1, 0, {}).to_frame()
        return self.result.to_frame()

    def update(self, panel: LivePanel, *, version: int | None = None) -> None:
        """Draw ``panel``; a chart that cannot be drawn leaves a plain line instead.

        Parameters
        ----------
        panel : LivePanel
            The numbers to draw.
        version : int, optional
            The activity's version they belong to (kept in :attr:`version`).
        """
        self.result = panel
        if version is not None:
            self.version = version
        self.header.value = header_html(panel)
        self.body.value = panel_html(panel)
        try:
            specs = chart_specs(panel)
            shown: list[Chart] = []
            for spec in specs:
                chart = self.chart_by_key.get(spec.key)
                drawn = self._drawn.get(spec.key)
                if chart is None:
                    # named by its figure's title (a key such as "map" names nothing)
                    chart = self.chart_by_key[spec.key] = Chart(
                        spec.build(),
                        layout=widgets.Layout(flex="1 1 480px", min_width="420px"),
                    )
                elif drawn is None or not drawn.equals(spec.data):
                    chart.update(spec.build())  # only a chart whose data changed
                self._drawn[spec.key] = spec.data
                shown.append(chart)
        except Exception as exc:  # a chart must never take the panel down
            log.exception("the charts of %r could not be drawn", panel.activity_id)
            text = _("Charts not drawn: {error}").format(error=exc)
            self.body.value += f"<p class='muted'>{html.escape(text)}</p>"
            shown = []
        if [id(c) for c in shown] != [id(c) for c in self.charts.children]:
            self.charts.children = shown


def _css_name(text: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in str(text))[:40]
