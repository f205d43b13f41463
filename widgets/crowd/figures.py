"""Figures and HTML fragments of the crowd-estimate and agreement views (shared by the views
and the static report).

Pure formatting of the states' results, as :mod:`coprod_widgets.consensus.figures`:

- plotly figures: tables in, ``plotly.graph_objects.Figure`` out; texts from the data reach
  plotly only through :func:`~coprod_widgets.style.hover_text` (escaped);
- HTML fragments: every value from the data goes through :func:`~coprod_widgets.style.esc`
  (via :func:`~coprod_widgets.html.table_html`), numbers through
  :mod:`coprod_analytics.format`, and each chart's text alternative is an
  :func:`~coprod_widgets.html.alt_table`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from coprod_analytics.format import MISSING
from coprod_analytics.privacy import is_small_cell, small_cell_expr
from coprod_widgets.consensus.figures import _layout
from coprod_widgets.core_text import core_text
from coprod_widgets.figure import new_figure
from coprod_widgets.html import alt_table, coprod_div, interval_label, table_html
from coprod_widgets.i18n import N_, fmt_number, fmt_p, fmt_pct, gettext_for
from coprod_widgets.style import AGREE, DISAGREE, GROUP_COLOURS, esc, hover_text, short

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from coprod_widgets.crowd.state import AgreementState, CrowdState

__all__ = [
    "METHOD_LABELS",
    "agreement_alt",
    "agreement_figure",
    "agreement_html",
    "delphi_alt",
    "delphi_figure",
    "delphi_html",
    "estimates_alt",
    "estimates_figure",
    "estimates_html",
    "estimators_figure",
    "interval_label",
    "pooling_alt",
    "pooling_figure",
    "pooling_html",
    "popular_alt",
    "popular_figure",
    "popular_html",
]

_ = gettext_for("report")

#: Plain names of the crowd estimators.
METHOD_LABELS: dict[str, str] = {
    "mean": N_("mean"),
    "median": N_("median"),
    "trimmed_mean": N_("trimmed mean"),
    "winsorized_mean": N_("winsorized mean"),
    "geometric_mean": N_("geometric mean"),
    "confidence_weighted_mean": N_("confidence-weighted mean"),
}
TRUTH = "#000000"
_BLUE = GROUP_COLOURS[0]
_ORANGE = GROUP_COLOURS[1]


def _truth_line(fig: go.Figure, truth: float | None) -> None:
    if truth is not None:
        fig.add_vline(
            x=truth,
            line={"color": TRUTH, "dash": "dash", "width": 2},
            annotation_text=_("true value {value}").format(value=fmt_number(truth, 6)),
            annotation_position="top",
        )


def estimates_figure(
    values: Sequence[float],
    *,
    truth: float | None = None,
    log_scale: bool = False,
    unit: str = "",
    min_cell: int = 0,
    height: int = 260,
) -> go.Figure:
    """Every guess as a dot over a box plot (median and quartiles), the truth dashed.

    With ``min_cell`` > 0 (a published report) no guess is drawn: the box shows the
    quartiles only when each quarter holds at least ``min_cell`` people, otherwise only
    the median (when each half does), otherwise nothing; whiskers (the extremes, single
    people's guesses) are never drawn. The box's ``meta`` records ``n``.

    Parameters
    ----------
    values : sequence of float
        The guesses.
    truth : float, optional
        The true value (a dashed line).
    log_scale : bool, default False
        A logarithmic axis.
    unit : str, default ""
        The quantity's unit (untrusted; escaped).
    min_cell : int, default 0
        Smallest number of people on each side of a published quantile (0: every guess
        is drawn).
    height : int, default 260
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> len(estimates_figure([3, 4, 5], truth=4).data)
    1
    >>> box = estimates_figure(list(range(40)), min_cell=5).data[0]
    >>> box.boxpoints, list(box.q1), list(box.median), list(box.q3), box.meta
    (False, [9.75], [19.5], [29.25], {'n': 40})
    >>> [t.type for t in estimates_figure(list(range(12)), min_cell=5).data]
    ['scatter']
    """
    import numpy as np
    import plotly.graph_objects as go

    vals = [float(v) for v in values if v is not None]
    title = _("Every guess (box: median and quartiles)")
    if not min_cell:
        fig = go.Figure(
            go.Box(
                x=vals,
                name=_("guesses"),
                boxpoints="all",
                jitter=0.5,
                pointpos=0,
                marker={"color": _BLUE, "size": 5, "opacity": 0.55},
                line={"color": "#444444"},
                fillcolor="rgba(0,0,0,0)",
                hovertemplate=_("guess %{x}<extra></extra>"),
                orientation="h",
            )
        )
    else:
        n = len(vals)
        fig = go.Figure()
        q1, med, q3 = (float(q) for q in np.quantile(vals, [0.25, 0.5, 0.75])) if n else (0, 0, 0)
        if n and not is_small_cell(n // 4, min_cell=min_cell, suppress_zeros=True):
            title = _("Guesses of {n} people: median and quartiles").format(n=n)
            fig.add_trace(
                go.Box(
                    q1=[q1],
                    median=[med],
                    q3=[q3],
                    lowerfence=[q1],
                    upperfence=[q3],
                    y=[_("guesses")],
                    name=_("guesses"),
                    boxpoints=False,
                    line={"color": "#444444"},
                    fillcolor="rgba(0,114,178,0.15)",
                    orientation="h",
                    meta={"n": n},
                )
            )
        elif n and not is_small_cell(n // 2, min_cell=min_cell, suppress_zeros=True):
            title = _("Guesses of {n} people: the median (too few people for quartiles)").format(
                n=n
            )
            fig.add_trace(
                go.Scatter(
                    x=[med],
                    y=[_("guesses")],
                    mode="markers",
                    marker={"symbol": "line-ns-open", "size": 24, "color": "#444444"},
                    name=_("median"),
                    hovertemplate=_("median %{x:.4g}<extra></extra>"),
                    meta={"n": n, "summary": "median"},
                )
            )
        else:
            title = _("Too few guesses to chart without showing single people's answers")
            fig.add_trace(go.Scatter(x=[], y=[], mode="markers", name=_("guesses"), meta={"n": n}))
    _truth_line(fig, truth)
    fig.update_xaxes(
        type="log" if log_scale else "linear", title=hover_text(unit) if unit else _("guess")
    )
    fig.update_yaxes(showticklabels=False)
    fig.update_layout(showlegend=False)
    return _layout(fig, title=title, height=height)


def estimators_figure(
    estimators: pl.DataFrame,
    *,
    truth: float | None = None,
    log_scale: bool = False,
    height: int = 300,
) -> go.Figure:
    """Each crowd estimator with its bootstrap interval (a forest plot), the truth dashed.

    Parameters
    ----------
    estimators : polars.DataFrame
        :func:`~coprod_analytics.crowd.estimates.crowd_estimates`' table (``method``,
        ``value``, ``ci_low``, ``ci_high``, optionally ``alpha``).
    truth : float, optional
        The true value (a dashed line).
    log_scale : bool, default False
        A logarithmic axis.
    height : int, default 300
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_analytics.crowd import crowd_estimates
    >>> table = crowd_estimates(sample_inquiry(), n_resamples=0).to_frame()
    >>> estimators_figure(table.head(6)).layout.title.text
    'Crowd estimates with 95% intervals'
    """
    import plotly.graph_objects as go

    rows = list(estimators.iter_rows(named=True))[::-1]
    labels = [_(METHOD_LABELS.get(r["method"], r["method"])) for r in rows]
    vals = [r["value"] for r in rows]
    plus = [None if r["ci_high"] is None else r["ci_high"] - r["value"] for r in rows]
    minus = [None if r["ci_low"] is None else r["value"] - r["ci_low"] for r in rows]
    fig = go.Figure(
        go.Scatter(
            x=vals,
            y=labels,
            mode="markers",
            marker={"color": _BLUE, "size": 10},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": plus,
                "arrayminus": minus,
                "color": _BLUE,
            },
            hovertemplate="%{y}: %{x:.4g}<extra></extra>",
            name=_("estimate"),
        )
    )
    _truth_line(fig, truth)
    fig.update_xaxes(type="log" if log_scale else "linear", title=_("crowd estimate"))
    fig.update_layout(showlegend=False)
    return _layout(
        fig,
        title=_("Crowd estimates with {level} intervals").format(level=_level(estimators)),
        height=height,
    )


def _quartiles_published(table: pl.DataFrame, min_cell: int) -> pl.DataFrame:
    """Quartiles only for rounds with at least ``min_cell`` people in each quarter."""
    if not min_cell or "n" not in table.columns:
        return table
    few = small_cell_expr("_quarter", min_cell=min_cell, suppress_zeros=True)
    return (
        table.with_columns(_quarter=pl.col("n") // 4)
        .with_columns([pl.when(few).then(None).otherwise(pl.col(c)).alias(c) for c in ("q1", "q3")])
        .drop("_quarter")
    )


def delphi_figure(
    table: pl.DataFrame, *, min_cell: int = 0, height: int = 260, title: str | None = None
) -> go.Figure:
    """Median per Delphi round with its interquartile range.

    Parameters
    ----------
    table : polars.DataFrame
        :class:`~coprod_analytics.crowd.estimates.DelphiRounds`' table of one question.
    min_cell : int, default 0
        Quartiles of a round are drawn only when each quarter holds at least this many
        people (0: always).
    height : int, default 260
        Pixels.
    title : str, optional
        The chart's title (plotly's HTML subset: escape data with ``hover_text``); by
        default "Delphi rounds: median and interquartile range".

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_analytics.crowd import delphi_rounds
    >>> d = delphi_rounds(sample_inquiry())
    >>> list(delphi_figure(d.table.filter(pl.col("question_id") == 1)).data[0].x)
    ['1', '2']
    """
    import plotly.graph_objects as go

    table = _quartiles_published(table, min_cell)
    rounds = [str(r) for r in table.get_column("round").to_list()]
    med = table.get_column("median").to_list()
    return new_figure(
        go.Scatter(
            x=rounds,
            y=med,
            mode="lines+markers",
            marker={"color": _BLUE, "size": 10},
            error_y={
                "type": "data",
                "symmetric": False,
                "array": (table["q3"] - table["median"]).to_list(),
                "arrayminus": (table["median"] - table["q1"]).to_list(),
            },
            hovertemplate=_("round %{x}: median %{y:.4g}<extra></extra>"),
            name=_("median"),
        ),
        title=_("Delphi rounds: median and interquartile range") if title is None else title,
        height=height,
        xaxis={"title": {"text": _("round")}, "type": "category"},
        yaxis={"title": {"text": _("median (bars: quartiles)")}},
    )


def pooling_figure(
    values: Sequence[float], table: pl.DataFrame, *, min_cell: int = 0, height: int = 260
) -> go.Figure:
    """Histogram of the forecasts with the mean and the pooled forecasts marked.

    With ``min_cell`` > 0 (a published report) the forecasts are counted in twentieths
    here and neighbouring bins merged until each holds at least ``min_cell`` people
    (:func:`~coprod_widgets.consensus.figures.merged_bins`); no single forecast reaches
    the page.

    Parameters
    ----------
    values : sequence of float
        The forecasts.
    table : polars.DataFrame
        ``method``, ``value``: the pools marked as lines.
    min_cell : int, default 0
        Smallest number of people a published bin may hold (0: plotly bins every value).
    height : int, default 260
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> t = pl.DataFrame({"method": ["mean"], "value": [0.6]})
    >>> len(pooling_figure([0.5, 0.7], t).data)
    2
    >>> list(pooling_figure([0.1] * 3 + [0.5] * 4 + [0.9] * 5, t, min_cell=5).data[0].y)
    [7, 5]
    """
    import plotly.graph_objects as go

    from coprod_widgets.consensus.figures import binned_bar, merged_bins

    if min_cell:
        fig = go.Figure(
            binned_bar(
                merged_bins(values, bins=20, min_cell=min_cell),
                name=_("forecasts"),
                colour="#9ecae1",
                unit=_("forecasts"),
            )
        )
    else:
        fig = go.Figure(
            go.Histogram(
                x=list(values),
                xbins={"start": 0, "end": 1.0001, "size": 0.05},
                marker={"color": "#9ecae1"},
                name=_("forecasts"),
                hovertemplate=_("%{x}: %{y} forecasts<extra></extra>"),
            )
        )
    styles = ("dot", "dashdot", "dash", "solid")
    for (method, value), dash in zip(table.iter_rows(), styles, strict=False):
        fig.add_vline(
            x=value,
            line={"color": _ORANGE if dash == "solid" else "#333333", "dash": dash, "width": 2},
        )
        fig.add_trace(
            go.Scatter(
                x=[None],
                y=[None],
                mode="lines",
                line={"color": _ORANGE if dash == "solid" else "#333333", "dash": dash},
                name=f"{short(method, 50)}: {fmt_pct(value, 1)}",
            )
        )
    fig.update_xaxes(title=_("probability"), range=[0, 1])
    fig.update_yaxes(title=_("forecasts"))
    fig.update_layout(legend={"orientation": "h", "y": -0.3})
    return _layout(fig, title=_("Forecasts and their pools"), height=height)


def popular_figure(
    table: pl.DataFrame, *, height: int = 280, title: str | None = None
) -> go.Figure:
    """Actual and mean predicted share of each answer (the surprise is the difference).

    Parameters
    ----------
    table : polars.DataFrame
        :class:`~coprod_analytics.crowd.estimates.SurprisinglyPopular`' table.
    height : int, default 280
        Pixels.
    title : str, optional
        The chart's title (plotly's HTML subset: escape data with ``hover_text``); by
        default "Answers: actual vs predicted shares".

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_analytics.crowd import surprisingly_popular
    >>> len(popular_figure(surprisingly_popular(sample_inquiry()).table).data)
    2
    """
    import plotly.graph_objects as go

    options = [hover_text(o, width=30, max_lines=2) for o in table.get_column("option").to_list()]
    return new_figure(
        [
            go.Bar(
                x=options,
                y=table.get_column("actual_share").to_list(),
                name=_("actual share"),
                marker={"color": _BLUE},
                hovertemplate=_("%{x}: %{y:.1%} answered<extra></extra>"),
            ),
            go.Bar(
                x=options,
                y=table.get_column("predicted_share").to_list(),
                name=_("predicted share"),
                marker={"color": _ORANGE},
                hovertemplate=_("%{x}: %{y:.1%} predicted<extra></extra>"),
            ),
        ],
        title=_("Answers: actual vs predicted shares") if title is None else title,
        height=height,
        yaxis={"title": {"text": _("share of respondents")}, "tickformat": ".0%"},
        barmode="group",
        legend={"orientation": "h", "y": -0.25},
    )


def agreement_figure(items: pl.DataFrame, *, height: int = 300) -> go.Figure:
    """Per rating item: Tastle–Wierman consensus and Leik's dispersion (both 0–1).

    Parameters
    ----------
    items : polars.DataFrame
        :attr:`AgreementState.result` ``["items"]``.
    height : int, default 300
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.crowd.state import AgreementState
    >>> state = AgreementState(sample_inquiry(), n_resamples=0)
    >>> len(agreement_figure(state.result["items"]).data)
    2
    """
    import plotly.graph_objects as go

    labels = [
        hover_text(f"{i}: {t}", width=28, max_lines=2)
        for i, t in items.select("item_id", "text").iter_rows()
    ]
    return new_figure(
        [
            go.Bar(
                x=labels,
                y=items.get_column("tastle_wierman").to_list(),
                name=_("consensus (Tastle–Wierman; 1 = all the same)"),
                marker={"color": AGREE},
                hovertemplate=_("consensus %{y:.2f}<extra></extra>"),
            ),
            go.Bar(
                x=labels,
                y=items.get_column("leik").to_list(),
                name=_("dispersion (Leik; 1 = split between the ends)"),
                marker={"color": DISAGREE},
                hovertemplate=_("dispersion %{y:.2f}<extra></extra>"),
            ),
        ],
        title=_("Consensus and dispersion per item"),
        height=height,
        yaxis={"range": [0, 1]},
        barmode="group",
        legend={"orientation": "h", "y": -0.35},
    )


# =========================================================================================
# HTML fragments
# =========================================================================================


def _num4(value: Any) -> str:
    return fmt_number(value, 4)


def _p(value: Any) -> str:
    """``"= 0.031"`` or ``"< 0.001"``."""
    text = fmt_p(value)
    return text if text.startswith("<") else f"= {text}"


def _level(est: pl.DataFrame) -> str:
    return interval_label(est["alpha"][0] if "alpha" in est.columns and est.height else None)


# ------------------------------------------------------------------------------- estimates
def _estimator_frame(est: pl.DataFrame) -> pl.DataFrame:
    cols = [
        pl.col("method")
        .replace_strict({k: _(v) for k, v in METHOD_LABELS.items()}, default=pl.col("method"))
        .alias("method"),
        pl.col("value").alias("estimate"),
        pl.col("ci_low").alias(f"{_level(est)} low"),
        pl.col("ci_high").alias(f"{_level(est)} high"),
    ]
    if "abs_error" in est.columns:
        cols.append(pl.col("abs_error").alias("error vs truth"))
    return est.select(cols)


def estimates_html(state: CrowdState) -> str:
    """The question, its crowd estimators with intervals and the Diversity Prediction terms.

    Parameters
    ----------
    state : CrowdState
        The state shown.

    Returns
    -------
    str
        Escaped HTML (empty when there is nothing to show).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.crowd.state import CrowdState
    >>> state = CrowdState(sample_inquiry(), n_resamples=0)
    >>> "Diversity Prediction" in estimates_html(state)
    True
    """
    res = state.estimate_result
    if not res:
        return coprod_div(
            "<p class='muted'>" + esc(_("No numeric estimates in this inquiry.")) + "</p>"
        )
    q = res["question"]
    unit = state.unit(q)
    head = f"<h3>{esc(state.question_text(q))}</h3>"
    facts = [_("{n} answers").format(n=res["n"]) if not res["suppressed"] else ""]
    if res["round"] is not None:
        facts.append(
            _("round {round} of {rounds}").format(round=res["round"], rounds=len(state.rounds()))
        )
    if unit:
        facts.append(_("unit: {unit}").format(unit=esc(unit)))
    if res["truth"] is not None:
        facts.append(
            _("true value: {value}").format(value=f"<strong>{fmt_number(res['truth'], 6)}</strong>")
        )
    head += f"<p class='muted'>{' · '.join(f for f in facts if f)}</p>"
    if res["suppressed"]:
        return coprod_div(
            head,
            "<p>"
            + _(
                "Fewer than {n} people answered this question in this round, so its answers "
                "are not shown."
            ).format(n=state.min_cell)
            + "</p>",
        )
    est = res["estimators"]
    parts = [
        head,
        table_html(
            _estimator_frame(est),
            caption=_("Crowd estimates (bootstrap {level} intervals)").format(level=_level(est)),
            aria_label=_("Crowd estimates with intervals"),
            formatters={
                "estimate": _num4,
                f"{_level(est)} low": _num4,
                f"{_level(est)} high": _num4,
            },
        ),
    ]
    if res["truth"] is not None and "abs_error" in est.columns:
        best = est.sort("abs_error").row(0, named=True)
        parts.append(
            "<p>"
            + _("Closest to the truth: the {method} ({value}, off by {error}).").format(
                method=f"<strong>{esc(_(str(METHOD_LABELS.get(best['method']))))}</strong>",
                value=_num4(best["value"]),
                error=fmt_number(best["abs_error"]),
            )
            + "</p>"
        )
    d = res["diversity"]
    if d is not None:
        parts.append(
            "<p>"
            + _(
                "<strong>Diversity Prediction Theorem</strong> (mean, squared error): crowd "
                "error {crowd} = average individual error {average} − diversity {diversity}. "
                "The crowd's mean is closer to the truth than the typical individual because "
                "the guesses differ."
            ).format(
                crowd=_num4(d.crowd_error),
                average=_num4(d.average_error),
                diversity=_num4(d.diversity),
            )
            + "</p>"
        )
    return coprod_div(*parts)


def estimates_alt(state: CrowdState) -> str:
    """Text alternative of the guesses and estimators charts.

    Parameters
    ----------
    state : CrowdState
        The state shown.

    Returns
    -------
    str
        Escaped HTML (empty when there is nothing to show).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.crowd.state import CrowdState
    >>> state = CrowdState(sample_inquiry(), n_resamples=0)
    >>> "<details" in estimates_alt(state)
    True
    """
    res = state.estimate_result
    if not res or res["suppressed"]:
        return ""
    vals = state.values().get_column("value")
    q = vals.quantile(0.25), vals.median(), vals.quantile(0.75)
    stats = ["answers", "smallest", "lower quartile", "median", "upper quartile", "largest"]
    numbers = [float(vals.len()), vals.min(), *q, vals.max()]
    if state.min_cell:
        # published: no single person's guess (the extremes), quantiles only with at
        # least min_cell people on each side
        keep = ["answers"]
        if not is_small_cell(vals.len() // 2, min_cell=state.min_cell, suppress_zeros=True):
            keep.append("median")
        if not is_small_cell(vals.len() // 4, min_cell=state.min_cell, suppress_zeros=True):
            keep += ["lower quartile", "upper quartile"]
        numbers = [v for st, v in zip(stats, numbers, strict=True) if st in keep]
        stats = [st for st in stats if st in keep]
    frame = pl.DataFrame(
        {"statistic": stats, "value": numbers},
        schema={"statistic": pl.String, "value": pl.Float64},
    )
    return alt_table(
        frame,
        summary=_("Text alternative: the spread of the guesses"),
        label=_("Spread of the guesses"),
        formatters={"value": _num4},
    )


def delphi_html(state: CrowdState) -> str:
    """Delphi rounds: median, IQR, CV, consensus (the rule) and stability per round.

    Parameters
    ----------
    state : CrowdState
        The state shown.

    Returns
    -------
    str
        Escaped HTML (empty when there is nothing to show).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.crowd.state import CrowdState
    >>> state = CrowdState(sample_inquiry(), n_resamples=0)
    >>> "Delphi rounds" in delphi_html(state)
    True
    """
    res = state.estimate_result
    d = None if not res else res["delphi"]
    if d is None:
        return ""
    t = d.table.select(
        "round",
        "n",
        "median",
        "q1",
        "q3",
        "iqr",
        "cv",
        pl.col("consensus").replace_strict({True: "yes", False: "no"}, return_dtype=pl.String),
        pl.col("p_value").alias("Wilcoxon p vs previous"),
        pl.col("stable").replace_strict(
            {True: "yes", False: "no"}, default=None, return_dtype=pl.String
        ),
    )
    last = d.table.tail(1).row(0, named=True) if d.table.height else None
    words = ""
    if last is not None:
        words = (
            "<p>"
            + (
                _(
                    "In the last round shown (round {round}) the room <strong>reached</strong> "
                    "consensus by the rule {rule}"
                )
                if last["consensus"]
                else _(
                    "In the last round shown (round {round}) the room <strong>did not "
                    "reach</strong> consensus by the rule {rule}"
                )
            ).format(round=last["round"], rule=esc(d.rule))
            + (
                "; "
                + _(
                    "answers had <strong>stopped moving</strong> (no significant change from "
                    "the previous round)."
                )
                if last["stable"]
                else "; "
                + _(
                    "answers <strong>still moved</strong> from the previous round (paired "
                    "Wilcoxon test, p ≤ 0.05)."
                )
                if last["stable"] is False
                else "."
            )
            + "</p>"
        )
    return coprod_div(
        "<h4>" + esc(_("Delphi rounds")) + "</h4>",
        words,
        table_html(
            t,
            caption=_("Per round (consensus rule: {rule})").format(rule=d.rule),
            aria_label=_("Delphi rounds"),
            formatters={c: _num4 for c in ("median", "q1", "q3", "iqr", "cv")},
        ),
    )


def delphi_alt(state: CrowdState) -> str:
    """Text alternative of the Delphi chart.

    Parameters
    ----------
    state : CrowdState
        The state shown.

    Returns
    -------
    str
        Escaped HTML (empty when there is nothing to show).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.crowd.state import CrowdState
    >>> state = CrowdState(sample_inquiry(), n_resamples=0)
    >>> "<details" in delphi_alt(state)
    True
    """
    res = state.estimate_result
    if not res or res["delphi"] is None:
        return ""
    return alt_table(
        _quartiles_published(res["delphi"].table, state.min_cell).select(
            "round", "median", "q1", "q3"
        ),
        summary=_("Text alternative: median and quartiles per round"),
        label=_("Median and quartiles per Delphi round"),
    )


def pooling_html(state: CrowdState) -> str:
    """The pooled forecast of the shown probability question.

    Parameters
    ----------
    state : CrowdState
        The state shown.

    Returns
    -------
    str
        Escaped HTML (empty when there is nothing to show).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.crowd.state import CrowdState
    >>> state = CrowdState(sample_inquiry(), n_resamples=0)
    >>> "log-odds" in pooling_html(state)
    True
    """
    res = state.pooling_result
    if not res:
        return ""
    head = f"<h4>{esc(state.question_text(res['question']))}</h4>"
    if res["suppressed"]:
        return coprod_div(
            head,
            "<p>"
            + _("Fewer than {n} people gave a forecast, so it is not shown.").format(
                n=state.min_cell
            )
            + "</p>",
        )
    return coprod_div(
        head,
        "<p>"
        + _(
            "{n} forecasts. Pooled in log-odds with extremizing factor a = {a}: {pooled}. a = 1 "
            "is the geometric mean of the odds; a &gt; 1 pushes the pool away from 50%, which "
            "corrects the under-confidence of averaged forecasts (Satopää et al. 2014). "
            "Forecasts of exactly 0 or 1 count as 1% and 99%."
        ).format(
            n=res["n"],
            a=fmt_number(res["extremize"]),
            pooled=f"<strong>{fmt_pct(res['pooled'], 1)}</strong>",
        )
        + "</p>",
        table_html(
            res["table"],
            aria_label=_("Pooled forecasts"),
            formatters={"value": lambda v: fmt_pct(v, 1)},
        ),
    )


def pooling_alt(state: CrowdState) -> str:
    """Text alternative of the forecasts histogram.

    Parameters
    ----------
    state : CrowdState
        The state shown.

    Returns
    -------
    str
        Escaped HTML (empty when there is nothing to show).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.crowd.state import CrowdState
    >>> state = CrowdState(sample_inquiry(), n_resamples=0)
    >>> "<details" in pooling_alt(state)
    True
    """
    res = state.pooling_result
    if not res or res["suppressed"]:
        return ""
    from coprod_widgets.consensus.figures import merged_bins

    counts = merged_bins(res["values"], bins=5, min_cell=state.min_cell)
    bins = pl.DataFrame(
        {
            "forecast": [
                f"{fmt_pct(lo)}–{fmt_pct(hi)}"
                for lo, hi in counts.select("low", "high").iter_rows()
            ],
            "forecasts": counts.get_column("people"),
        }
    )
    return alt_table(
        bins,
        summary=_("Text alternative: how many forecasts fall in each fifth")
        + (
            " "
            + _("(neighbouring fifths merged until each holds {n} or more)").format(
                n=state.min_cell
            )
            if state.min_cell
            else ""
        ),
        label=_("Forecasts per fifth of the probability scale"),
    )


def popular_html(state: CrowdState) -> str:
    """The surprisingly-popular answer and the table behind it.

    Parameters
    ----------
    state : CrowdState
        The state shown.

    Returns
    -------
    str
        Escaped HTML (empty when there is nothing to show).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.crowd.state import CrowdState
    >>> state = CrowdState(sample_inquiry(), n_resamples=0)
    >>> "park-and-ride" in popular_html(state)
    True
    """
    res = state.popular_result
    if not res:
        return ""
    sp = res["result"]
    fmt: dict[str, Callable[[Any], str]] = {
        "actual_share": fmt_pct,
        "predicted_share": fmt_pct,
        "surprise": lambda v: MISSING if v is None else f"{100 * v:+.1f} points",
    }
    same = sp.answer == sp.majority_answer
    return coprod_div(
        f"<h4>{esc(state.question_text(res['question']))}</h4>",
        "<p>"
        + _(
            "The <strong>surprisingly popular</strong> answer is {answer}: it was given more "
            "often than people predicted ({n} respondents; Prelec, Seung &amp; McCoy 2017)."
        ).format(answer=f"<strong>{esc(sp.answer)}</strong>", n=sp.n)
        + " "
        + (
            _("It is also the most common answer.")
            if same
            else _("The most common answer was {answer}.").format(answer=esc(sp.majority_answer))
        )
        + (" " + _("Two or more answers tie.") if sp.tied else "")
        + "</p>",
        table_html(
            res["table"],
            aria_label=_("Answers: actual and predicted shares"),
            formatters=fmt,
        ),
        f"<p class='muted'>{esc(core_text(res['note']))}</p>" if res["note"] else "",
    )


def popular_alt(state: CrowdState) -> str:
    """Text alternative of the surprisingly-popular chart.

    Parameters
    ----------
    state : CrowdState
        The state shown.

    Returns
    -------
    str
        Escaped HTML (empty when there is nothing to show).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.crowd.state import CrowdState
    >>> state = CrowdState(sample_inquiry(), n_resamples=0)
    >>> "<details" in popular_alt(state)
    True
    """
    res = state.popular_result
    if not res:
        return ""
    return alt_table(
        res["table"].select("option", "actual_share", "predicted_share"),
        summary=_("Text alternative: actual and predicted share of each answer"),
        label=_("Actual and predicted share of each answer"),
        formatters={"actual_share": fmt_pct, "predicted_share": fmt_pct},
    )


# ------------------------------------------------------------------------------- agreement
def agreement_html(state: AgreementState) -> str:
    """Krippendorff's alpha per item set with its reading, Kendall's W, and the per-item
    consensus table.

    Parameters
    ----------
    state : AgreementState
        The state shown.

    Returns
    -------
    str
        Escaped HTML (empty when there is nothing to show).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.crowd.state import AgreementState
    >>> state = AgreementState(sample_inquiry(), n_resamples=0)
    >>> "raters agree poorly" in agreement_html(state)
    True
    """
    res = state.result
    if not res:
        return ""
    parts = []
    for row in res["sets"].iter_rows(named=True):
        if row["alpha"] is None:
            parts.append(f"<p>{esc(row['item_set'])}: {esc(_(row['reading']))}</p>")
            continue
        ci = ""
        if row["ci_low"] is not None:
            ci = " " + _("({level} interval {low} to {high})").format(
                level=interval_label(row.get("ci_alpha")),
                low=fmt_number(row["ci_low"], 2),
                high=fmt_number(row["ci_high"], 2),
            )
        parts.append(
            "<p>"
            + _(
                "{set}, {items} items, {raters} raters: Krippendorff's alpha ({level}) = "
                "{alpha}{ci}: {reading}."
            ).format(
                set=f"<strong>{esc(row['item_set'])}</strong>",
                items=row["items"],
                raters=row["raters"],
                level=esc(state.level_of_measurement),
                alpha=f"<strong>{fmt_number(row['alpha'], 2)}</strong>",
                ci=ci,
                reading=f"<strong>{esc(_(row['reading']))}</strong>",
            )
            + (
                " "
                + _("Chance that alpha is below 0.667: {chance}.").format(
                    chance=fmt_pct(row["prob_below_0.667"])
                )
                if row["prob_below_0.667"] is not None
                else ""
            )
            + "</p>"
        )
        if row["kendall_w"] is not None:
            parts.append(
                "<p>"
                + _(
                    "Kendall's W (do raters order the items alike?) = {w} over {raters} raters "
                    "who rated every item: {reading} (Friedman p {p})."
                ).format(
                    w=fmt_number(row["kendall_w"], 2),
                    raters=row["kendall_raters"],
                    reading=esc(_(row["kendall_reading"])),
                    p=_p(row["kendall_p"]),
                )
                + "</p>"
            )
        else:
            parts.append(
                "<p class='muted'>"
                + _("Kendall's W not applicable: {why}").format(why=esc(row["kendall_note"]))
                + "</p>"
            )
    parts.append(
        "<p class='muted'>"
        + _(
            "Readings: alpha ≥ 0.80 raters agree well; 0.667 to 0.80 moderately (tentative "
            "conclusions only); below 0.667 poorly (Krippendorff 2004). The interval resamples "
            "the items. For opinion questions low agreement means the room differs, not that "
            "the ratings are wrong. Kendall's W words follow Schmidt (1997)."
        )
        + "</p>"
    )
    items = res["items"].select(
        "item_id",
        "text",
        pl.col("n").alias("raters"),
        "median",
        pl.col("tastle_wierman").alias("consensus (Tastle–Wierman)"),
        pl.col("van_der_eijk").alias("agreement A (van der Eijk)"),
        pl.col("leik").alias("dispersion (Leik)"),
    )
    parts.append(
        table_html(
            items,
            caption=_(
                "Per item: consensus 1 = everyone gave the same answer, 0 = split between the "
                "two ends; A from −1 (split) through 0 (uniform) to 1; dispersion the opposite"
            ),
            aria_label=_("Agreement per rating item"),
            formatters={
                c: lambda v: fmt_number(v, 2)
                for c in (
                    "consensus (Tastle–Wierman)",
                    "agreement A (van der Eijk)",
                    "dispersion (Leik)",
                )
            },
        )
    )
    if res["note"]:
        parts.append(f"<p class='muted'>{esc(core_text(res['note']))}</p>")
    return coprod_div(*parts)


def agreement_alt(state: AgreementState) -> str:
    """Text alternative of the per-item chart.

    Parameters
    ----------
    state : AgreementState
        The state shown.

    Returns
    -------
    str
        Escaped HTML (empty when there is nothing to show).

    Examples
    --------
    >>> from coprod_analytics import sample_inquiry
    >>> from coprod_widgets.crowd.state import AgreementState
    >>> state = AgreementState(sample_inquiry(), n_resamples=0)
    >>> "<details" in agreement_alt(state)
    True
    """
    res = state.result
    if not res:
        return ""
    return alt_table(
        res["items"].select(
            "item_id",
            "text",
            pl.col("tastle_wierman").round(3).alias("consensus"),
            pl.col("leik").round(3).alias("dispersion"),
        ),
        summary=_("Text alternative: consensus and dispersion per item"),
        label=_("Consensus and dispersion per item"),
    )
