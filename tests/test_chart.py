"""Charts keep plotly.js out of the widget state (small saved notebooks), and still move."""

from __future__ import annotations

import json

import plotly.graph_objects as go

from coprod_widgets.chart import PLOTLY_MIME, Chart


def test_chart_state_holds_the_figure_not_the_library() -> None:
    fig = go.Figure(go.Scatter(x=list(range(50)), y=list(range(50))))
    chart = Chart(fig, alt="fifty points")
    state = json.dumps(chart.get_state(), default=str)
    assert len(state) < 20_000  # a FigureWidget's state carries ~5 MB of plotly.js
    assert go.FigureWidget(fig).get_state().get("_esm") is not None  # what we avoid
    output = chart.outputs[0]["data"]
    assert output["text/plain"] == "fifty points"
    assert output[PLOTLY_MIME]["data"][0]["x"][:3] == [0, 1, 2]


def test_update_and_batch_update_redraw_once_with_the_new_data() -> None:
    chart = Chart(go.Figure(go.Bar(x=["A", "B"], y=[1, 2])))
    seen: list[object] = []
    chart.observe(lambda change: seen.append(change["new"]), names="outputs")
    with chart.batch_update():
        chart.data[0].y = (3, 4)
        chart.figure.layout.title = "after"
    assert len(seen) == 1
    assert chart.outputs[0]["data"][PLOTLY_MIME]["data"][0]["y"] == [3, 4]
    chart.update(go.Figure(go.Bar(x=["C"], y=[9])), alt="one bar")
    assert chart.outputs[0]["data"][PLOTLY_MIME]["data"][0]["x"] == ["C"]
    assert chart.alt == "one bar" and len(seen) == 2


def test_drawing_a_chart_does_not_import_the_notebook_format_machinery() -> None:
    """plotly's renderer registry imports nbformat and jsonschema (over a second before a
    dashboard's first chart); a Chart builds plotly's mimetype directly instead."""
    import subprocess
    import sys

    code = (
        "import sys, plotly.graph_objects as go\n"
        "from coprod_widgets.chart import Chart, PLOTLY_MIME\n"
        "c = Chart(go.Figure(go.Bar(x=['A'], y=[1])))\n"
        "assert c.outputs[0]['data'][PLOTLY_MIME]['data'][0]['y'] == [1]\n"
        "print(sorted(m for m in ('nbformat', 'jsonschema') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
