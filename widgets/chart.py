"""Charts in widgets without plotly.js in the widget state: :class:`Chart`.

A plotly ``go.FigureWidget`` (an anywidget since plotly 6) keeps the whole plotly.js bundle
(about 5 MB) in its ``_esm`` trait, and a notebook executed and saved with nbconvert's
defaults stores the state of every widget: 5 MB more per chart (a notebook of eight charts
weighed 41 MB). A :class:`Chart` is an :class:`ipywidgets.Output` whose one output is the
figure as plotly's mimetype (``application/vnd.plotly.v1+json``): the widget state holds the
figure's JSON only, and the ``jupyterlab-plotly`` renderer that plotly installs draws it, in
JupyterLab and in Voila alike, offline. Every view of every family draws its charts with it.

For assistive technology the chart's box is a named figure (``role="figure"`` and an
``aria-label``: the chart's text alternative, else its title; a figure, not an image, since
plotly's toolbar buttons inside it must stay reachable) and its drawing (plotly's SVG) an
image with the same name (``role="img"``), beside the full text alternative (a table) that
views put next to it. ipywidgets gives no way to set attributes on a widget's element, so the
name travels in the figure (``layout.meta``) and a tiny widget (:class:`ChartLabel`, a few
lines of JavaScript, no library; one model for every chart) drawn inside each chart's box
sets the attributes, and sets them again when plotly redraws.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import anywidget
import ipywidgets as widgets

from coprod_widgets.i18n import gettext_for

__all__ = ["META_KEY", "PLOTLY_MIME", "Chart", "ChartLabel", "chart_label", "figure_label"]

_ = gettext_for("report")

#: The mimetype the ``jupyterlab-plotly`` renderer draws.
PLOTLY_MIME = "application/vnd.plotly.v1+json"
#: The mimetype of a widget's view inside an output.
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"

#: Where a chart's accessible name travels to the page: in the figure's layout ``meta``.
META_KEY = "coprod_label"

_LABEL_ESM = """
function render({ el }) {
  el.style.display = "none";
  const apply = () => {
    const box = el.closest(".widget-output");
    if (!box) return null;
    const gd = box.querySelector(".js-plotly-plot");
    const meta = gd && gd.layout && gd.layout.meta;
    const name = (meta && meta.coprod_label) || "chart";
    // the chart's box is a named figure (plotly's toolbar buttons stay reachable inside it)
    if (box.getAttribute("aria-label") !== name) {
      box.setAttribute("role", "figure");
      box.setAttribute("aria-label", name);
    }
    // ... and the drawing itself an image with the same name
    const svg = box.querySelector("svg.main-svg");
    if (svg && svg.getAttribute("aria-label") !== name) {
      svg.setAttribute("role", "img");
      svg.setAttribute("aria-label", name);
    }
    return box;
  };
  let observer = null;
  let tries = 0;
  const tick = () => {
    const box = apply();
    if (box) {
      observer = new MutationObserver(() => apply());
      observer.observe(box, { childList: true, subtree: true });
    } else if (tries++ < 600) {
      requestAnimationFrame(tick);
    }
  };
  tick();
  return () => { if (observer) observer.disconnect(); };
}
export default { render };
"""


class ChartLabel(anywidget.AnyWidget):  # type: ignore[misc]
    """The widget that names a :class:`Chart` for assistive technology (``role="figure"``
    and ``aria-label`` on its box, ``role="img"`` and ``aria-label`` on its drawing).

    One model serves every chart (:func:`chart_label`): each chart's output shows a view of
    it, which reads the chart's name from the figure's ``layout.meta`` (:data:`META_KEY`)
    and sets the attributes on that chart's elements. One model that lives as long as the
    kernel: a chart thrown away never closes a model the page is still setting up.

    Parameters
    ----------
    *args, **kwargs
        Passed to :class:`anywidget.AnyWidget` (use :func:`chart_label` rather than creating
        one).

    Examples
    --------
    >>> chart_label() is chart_label()
    True
    """

    _esm = _LABEL_ESM


_SHARED_LABEL: ChartLabel | None = None


def chart_label() -> ChartLabel:
    """The one :class:`ChartLabel` model of this kernel (created on first use).

    Returns
    -------
    ChartLabel

    Examples
    --------
    >>> isinstance(chart_label(), ChartLabel)
    True
    """
    global _SHARED_LABEL
    if _SHARED_LABEL is None:
        _SHARED_LABEL = ChartLabel()
    return _SHARED_LABEL


def figure_label(figure: Any) -> str:
    """A plotly figure's accessible name: its title as plain text, else "chart".

    Parameters
    ----------
    figure : plotly.graph_objects.Figure
        The figure.

    Returns
    -------
    str
        The title without its ``<br>`` line breaks (not HTML-escaped), or "chart".

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> figure_label(go.Figure(layout={"title": "Budget<br>spent"})), figure_label(go.Figure())
    ('Budget spent', 'chart')
    """
    import html
    import re

    title = figure.layout.title
    text = getattr(title, "text", None) if title is not None else None
    if not text:
        return _("chart")
    plain = html.unescape(re.sub(r"<[^>]*>", " ", str(text)))
    return " ".join(plain.split()) or _("chart")


class Chart(widgets.Output):
    """A plotly figure shown in a widget, stored as the figure's JSON only.

    Parameters
    ----------
    figure : plotly.graph_objects.Figure or dict
        What to show.
    alt : str, default "chart"
        A short text alternative (the output's ``text/plain``, and the chart's accessible
        name, :attr:`label`; views put the full text alternative, a table, beside the
        chart).
    **kwargs
        Passed to :class:`ipywidgets.Output` (e.g. ``layout``).

    Attributes
    ----------
    figure : plotly.graph_objects.Figure
        The figure shown; change it inside :meth:`batch_update`, or replace it with
        :meth:`update`.
    alt : str
        The text alternative.
    label : str
        The chart's accessible name (``aria-label`` of its box and drawing): ``alt``,
        or the figure's title when ``alt`` is left at "chart".

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> chart = Chart(go.Figure(go.Bar(x=["A", "B"], y=[3, 4])), alt="votes per group")
    >>> chart.data[0].y
    (3, 4)
    >>> with chart.batch_update():
    ...     chart.data[0].y = (5, 6)
    >>> chart.outputs[0]["data"][PLOTLY_MIME]["data"][0]["y"]
    [5, 6]
    >>> "plotly.js" in str(chart.get_state())  # no bundle in the widget state
    False
    >>> chart.label
    'votes per group'
    >>> Chart(go.Figure(layout={"title": "Budget spent"})).label
    'Budget spent'
    """

    def __init__(self, figure: Any, *, alt: str = "chart", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alt = alt
        self.update(figure)

    @property
    def label(self) -> str:
        """The chart's accessible name: :attr:`alt`, else the figure's title.

        Returns
        -------
        str
        """
        if self.alt and self.alt != "chart":
            return self.alt
        return figure_label(self.figure)

    @property
    def data(self) -> Any:
        """The figure's traces (as ``go.FigureWidget.data``).

        Returns
        -------
        tuple of plotly traces
        """
        return self.figure.data

    def add_traces(self, traces: Any) -> None:
        """Add traces to the figure and redraw.

        Parameters
        ----------
        traces : plotly trace or list of traces
            What to add.
        """
        self.figure.add_traces(traces)
        self._redraw()

    @contextlib.contextmanager
    def batch_update(self) -> Iterator[None]:
        """Change :attr:`figure` in place; the chart is redrawn once, on leaving the block.

        Yields
        ------
        None
        """
        with self.figure.batch_update():
            yield
        self._redraw()

    def update(self, figure: Any, *, alt: str | None = None) -> None:
        """Show ``figure`` instead (one state message, no flicker).

        Parameters
        ----------
        figure : plotly.graph_objects.Figure or dict
            The new figure. A ``Figure`` is shown as it is, not copied (building one
            validates every property again: a live panel redrawn under load paid it twice),
            so pass a new one each time, and change the shown one inside
            :meth:`batch_update`.
        alt : str, optional
            A new text alternative.
        """
        import plotly.graph_objects as go

        self.figure = figure if isinstance(figure, go.Figure) else go.Figure(figure)
        if alt is not None:
            self.alt = alt
        self._redraw()

    def _redraw(self) -> None:
        import json

        from plotly.io import to_json

        # the mimetype plotly's own "plotly_mimetype" renderer writes (the figure as plain
        # JSON), built directly: going through ``plotly.io.renderers`` imports nbformat and
        # jsonschema, about 1.3 s before a dashboard's first chart
        figure = json.loads(to_json(self.figure.to_dict(), validate=False, remove_uids=False))
        bundle = {PLOTLY_MIME: figure, "text/plain": self.alt}
        # the chart's accessible name, read on the page by the shared ChartLabel's view
        layout = figure.setdefault("layout", {})
        meta = layout.get("meta")
        layout["meta"] = {**(meta if isinstance(meta, dict) else {}), META_KEY: self.label}
        view = {"model_id": chart_label().model_id, "version_major": 2, "version_minor": 1}
        label = {WIDGET_VIEW_MIME: view, "text/plain": self.label}
        self.outputs = (
            {"output_type": "display_data", "data": bundle, "metadata": {}},
            {"output_type": "display_data", "data": label, "metadata": {}},
        )
