"""Charts in widgets without plotly.js in the widget state: :class:`Chart`.

A plotly ``go.FigureWidget`` (an anywidget since plotly 6) keeps the whole plotly.js bundle
(about 5 MB) in its ``_esm`` trait, and a notebook executed and saved with nbconvert's
defaults stores the state of every widget: 5 MB more per chart (a notebook of eight charts
weighed 41 MB). A :class:`Chart` is an :class:`ipywidgets.Output` whose one output is the
figure as plotly's mimetype (``application/vnd.plotly.v1+json``): the widget state holds the
figure's JSON only, and the ``jupyterlab-plotly`` renderer that plotly installs draws it, in
JupyterLab and in Voila alike, offline. Every view of every family draws its charts with it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import ipywidgets as widgets

__all__ = ["PLOTLY_MIME", "Chart"]

#: The mimetype the ``jupyterlab-plotly`` renderer draws.
PLOTLY_MIME = "application/vnd.plotly.v1+json"


class Chart(widgets.Output):
    """A plotly figure shown in a widget, stored as the figure's JSON only.

    Parameters
    ----------
    figure : plotly.graph_objects.Figure or dict
        What to show.
    alt : str, default "chart"
        A short text alternative (the output's ``text/plain``; views put the full text
        alternative, a table, beside the chart).
    **kwargs
        Passed to :class:`ipywidgets.Output` (e.g. ``layout``).

    Attributes
    ----------
    figure : plotly.graph_objects.Figure
        The figure shown; change it inside :meth:`batch_update`, or replace it with
        :meth:`update`.
    alt : str
        The text alternative.

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
    """

    def __init__(self, figure: Any, *, alt: str = "chart", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.alt = alt
        self.update(figure)

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
            The new figure.
        alt : str, optional
            A new text alternative.
        """
        import plotly.graph_objects as go

        self.figure = go.Figure(figure)
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
        self.outputs = ({"output_type": "display_data", "data": bundle, "metadata": {}},)
