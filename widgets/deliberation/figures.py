"""Plotly figures and HTML of the deliberation views (shared by widgets and the report).

Pure formatting of the published tables of :mod:`coprod_widgets.deliberation.state`: each
``*_figure`` returns a ``plotly.graph_objects.Figure``, each ``*_html`` an escaped HTML
fragment; charts come with a text alternative (``alt_table``). Suppressed (null) cells are
drawn as gaps and listed as "suppressed" in the text alternative.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from coprod_analytics.format import SUPPRESSED
from coprod_analytics.privacy import is_small_cell
from coprod_widgets.consensus.figures import _layout
from coprod_widgets.core_text import core_text, representation_status
from coprod_widgets.deliberation.state import QMethodState, RepresentationState, ShiftState
from coprod_widgets.figure import new_figure, vline
from coprod_widgets.html import alt_table, pct, table_html
from coprod_widgets.i18n import fmt_number, fmt_p, gettext_for
from coprod_widgets.style import AGREE, DISAGREE, GROUP_COLOURS, PASS, esc, hover_text

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

__all__ = [
    "distribution_figure",
    "dri_figure",
    "dri_html",
    "group_shift_figure",
    "loadings_alt",
    "loadings_figure",
    "population_alt",
    "population_figure",
    "protect_distribution",
    "q_html",
    "representation_html",
    "shift_alt",
    "shift_html",
]

_ = gettext_for("report")

_STATUS_COLOUR = {"over": DISAGREE, "under": GROUP_COLOURS[0], "ok": PASS}


def _stat(v: Any) -> str:
    """A statistic in a sentence: :data:`SUPPRESSED` when withheld (None)."""
    return SUPPRESSED if v is None else fmt_number(v)


#: Count columns of the published tables: a null there is a suppressed small cell.
_COUNTS = (
    "n",
    "n_pre",
    "n_post",
    "n_retained",
    "n_dropped",
    "n_participants",
    "n_treated",
    "n_control",
    "n_statements",
    "n_votes",
)


def _count(v: Any) -> str:
    return SUPPRESSED if v is None else f"{int(v):,}"


def _table(frame: pl.DataFrame, *, formatters: dict[str, Any] | None = None, **kw: Any) -> str:
    """:func:`table_html` with suppressed counts written as :data:`SUPPRESSED`."""
    fmt = {c: _count for c in _COUNTS if c in frame.columns} | (formatters or {})
    return table_html(frame, formatters=fmt, **kw)


def _notes_html(notes: list[str]) -> str:
    return "".join(f"<p class='muted'>{esc(core_text(n))}</p>" for n in notes)


# ------------------------------------------------------------------------ deliberation change
def protect_distribution(dist: pl.DataFrame, *, min_cell: int) -> pl.DataFrame:
    """Complementary suppression of an answer distribution: where a wave has suppressed
    answers (``n`` null), the total of the wave still follows from the shares, so the
    suppressed count would be that total minus the shown counts; the smallest shown answers
    are withheld too until at least two are withheld and they hold ``min_cell`` or more.

    Parameters
    ----------
    dist : pl.DataFrame
        ``wave``, ``value``, ``n``, ``share`` (shares of the wave's total, suppressed
        rows with ``n`` null).
    min_cell : int
        The small-cell limit (0: the table is returned as it is).

    Returns
    -------
    pl.DataFrame
        The same rows, with ``n`` and ``share`` null where withheld.

    Examples
    --------
    >>> d = pl.DataFrame({"wave": ["pre"] * 4, "value": [1, 2, 3, 4],
    ...                   "n": [None, 12, 30, 8], "share": [None, 0.24, 0.6, 0.16]})
    >>> protect_distribution(d, min_cell=5)["n"].to_list()
    [None, 12, 30, None]
    """
    if not min_cell or dist.height == 0:
        return dist
    withheld: set[tuple[object, object]] = set()
    for (wave,), part in dist.group_by(["wave"], maintain_order=True):
        shown = part.filter(pl.col("n").is_not_null() & (pl.col("share") > 0))
        hidden = part.filter(pl.col("n").is_null())
        if hidden.height == 0 or shown.height == 0:
            continue
        total = round(float(shown["n"][0]) / float(shown["share"][0]))
        gap = total - int(shown["n"].sum())
        count = hidden.height
        for value, n in shown.sort("n").select("value", "n").iter_rows():
            if count >= 2 and not is_small_cell(gap, min_cell=min_cell, suppress_zeros=True):
                break
            withheld.add((wave, value))
            gap += int(n)
            count += 1
    if not withheld:
        return dist
    mask = pl.Series(
        [(w, v) in withheld for w, v in dist.select("wave", "value").iter_rows()], dtype=pl.Boolean
    )
    return dist.with_columns(
        [pl.when(mask).then(None).otherwise(pl.col(c)).alias(c) for c in ("n", "share")]
    )


def distribution_figure(
    dist: pl.DataFrame, *, item: str, pre: str, post: str, min_cell: int = 0
) -> go.Figure:
    """Share of answers per value, before (grey) and after (blue) deliberation.

    Parameters
    ----------
    dist : pl.DataFrame
        :meth:`ShiftState.distribution` (``wave``, ``value``, ``n``, ``share``).
    item : str
        The item's text or id (title).
    pre, post : str
        The labels of the two waves.
    min_cell : int, default 0
        With suppressed answers, more are withheld (:func:`protect_distribution`) so that
        the suppressed counts cannot be worked out from the shares.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics.deliberation import simulate_panel
    >>> state = ShiftState(simulate_panel(60, 2, seed=0).panel, min_cell=5)
    >>> fig = distribution_figure(state.distribution(), item="q1", pre="pre", post="post")
    >>> [t.name.split(" ")[0] for t in fig.data]
    ['pre', 'post']
    """
    import plotly.graph_objects as go

    dist = protect_distribution(dist, min_cell=min_cell)
    fig = go.Figure()
    for wave, colour in ((pre, PASS), (post, GROUP_COLOURS[0])):
        sub = dist.filter(pl.col("wave") == wave)
        fig.add_trace(
            go.Bar(
                x=sub["value"].to_list(),
                y=sub["share"].to_list(),
                name=f"{wave} (n = {int(sub['n'].sum())})",
                marker_color=colour,
                hovertemplate=_("{wave}: %{y:.0%} answered %{x}<extra></extra>").replace(
                    "{wave}", esc(wave)
                ),
            )
        )
    fig.update_layout(barmode="group", yaxis_tickformat=".0%", xaxis_title=_("answer"))
    return _layout(
        fig,
        title=_("Answers to {item}, {pre} and {post}").format(
            item=hover_text(item, 60), pre=pre, post=post
        ),
        height=320,
    )


def group_shift_figure(rows: pl.DataFrame, *, by: str, title: str | None = None) -> go.Figure:
    """Mean shift (post - pre) per group with its confidence interval.

    Parameters
    ----------
    rows : pl.DataFrame
        Rows of :meth:`ShiftState.shift_table` (``estimate``, ``ci_low``, ``ci_high`` and the
        ``by`` column).
    by : str
        The split column ("" for everyone).
    title : str, optional
        The chart's title (plotly's HTML subset: escape data with ``hover_text``); by
        default "Shift by" the split.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics.deliberation import simulate_panel
    >>> state = ShiftState(simulate_panel(60, 2, seed=0).panel, min_cell=5)
    >>> len(group_shift_figure(state.item_shift(), by="").data[0].x)
    1
    """
    import plotly.graph_objects as go

    rows = rows.drop_nulls("estimate")
    labels = [hover_text(v, 40) for v in rows[by].to_list()] if by else ["everyone"] * rows.height
    est = rows["estimate"].to_list()
    return new_figure(
        go.Scatter(
            x=est,
            y=labels,
            mode="markers",
            marker={"color": GROUP_COLOURS[0], "size": 10},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": [h - e for h, e in zip(rows["ci_high"].to_list(), est, strict=True)],
                "arrayminus": [e - lo for lo, e in zip(rows["ci_low"].to_list(), est, strict=True)],
            },
            hovertemplate=_("%{y}: shift %{x:.2f}<extra></extra>"),
        ),
        title=_("Shift by {what}").format(what=by or _("everyone")) if title is None else title,
        height=120 + 40 * max(rows.height, 1),
        shapes=[vline(0, {"color": "#888", "dash": "dot"})],
        xaxis={"title": {"text": _("mean shift (after - before) with 95% interval")}},
    )


def shift_html(state: ShiftState, notes: list[str] | None = None) -> str:
    """The test results of every item (and group), the correction and the DiD table.

    Parameters
    ----------
    state : ShiftState
        The state (its :attr:`by` split is used).
    notes : list of str, optional
        Collects suppression notes; they are also printed under the tables.

    Returns
    -------
    str
        Escaped HTML.

    Examples
    --------
    >>> from coprod_analytics.deliberation import simulate_panel
    >>> state = ShiftState(simulate_panel(60, 2, seed=0).panel, min_cell=5)
    >>> "Paired shift per item" in shift_html(state)
    True
    """
    notes = notes if notes is not None else []
    table = state.shift_table(notes)
    fmt = {"p_value": fmt_p, "p_adjusted": fmt_p}
    parts = [
        _table(
            table,
            caption=(
                _("Paired shift per item by {what} (after - before)").format(what=state.by)
                if state.by
                else _("Paired shift per item (after - before)")
            ),
            aria_label=_("Paired shift per item"),
            formatters=fmt,
        ),
        "<p class='muted'>"
        + _(
            "Paired t-test on participants who answered before and after; estimate = mean "
            "change with its 95% interval; Cohen's d<sub>z</sub> with its interval. Adjusted "
            "p-values: {correction} across the {n} rows."
        ).format(correction=esc(state.correction_text), n=table.height)
        + "</p>",
    ]
    did = state.did_table(notes)
    if did is not None:
        parts.append(
            _table(
                did,
                caption=_("Difference-in-differences against the control arm"),
                aria_label=_("Difference-in-differences"),
                formatters=fmt,
            )
        )
        parts.append(
            "<p class='muted'>"
            + _(
                "Estimate = change in the deliberating arm minus change in the control arm "
                "(Welch test on change scores)."
            )
            + "</p>"
        )
    return '<div class="coprod">' + "".join(parts) + _notes_html(notes) + "</div>"


def shift_alt(state: ShiftState) -> str:
    """Text alternative of the distribution chart of the selected item.

    Parameters
    ----------
    state : ShiftState
        The state (its selected :attr:`item`).

    Returns
    -------
    str
        Escaped HTML.

    Examples
    --------
    >>> from coprod_analytics.deliberation import simulate_panel
    >>> state = ShiftState(simulate_panel(60, 2, seed=0).panel, min_cell=5)
    >>> "Text alternative" in shift_alt(state)
    True
    """
    dist = protect_distribution(state.distribution(), min_cell=state.min_cell)
    return alt_table(
        dist.with_columns(pl.col("n").cast(pl.String).fill_null(SUPPRESSED)),
        summary=_("Text alternative: answers to {item} before and after").format(item=state.item),
        label=_("Answers to {item} per wave").format(item=state.item),
        formatters={"share": pct},
    )


def dri_figure(table: pl.DataFrame) -> go.Figure:
    """DRI per group and wave (points) next to the range chance alone gives (bars).

    Parameters
    ----------
    table : pl.DataFrame
        :meth:`ShiftState.dri_table`.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics.deliberation import simulate_dri_data
    >>> sim = simulate_dri_data(12, 6, 4, seed=0)
    >>> state = ShiftState(considerations=sim.considerations, preferences=sim.preferences,
    ...                    n_resamples=19)
    >>> [t.name for t in dri_figure(state.dri_table()).data]
    ['chance (95% of permutations)', 'observed DRI']
    """
    import plotly.graph_objects as go

    table = table.drop_nulls("dri")
    labels = [
        f"{hover_text(g, 30)} · {hover_text(w, 20)}"
        for g, w in table.select("group", "wave").rows()
    ]
    fig = go.Figure()
    fig.add_trace(
        go.Bar(
            y=labels,
            x=[h - lo for lo, h in table.select("baseline_low", "baseline_high").rows()],
            base=table["baseline_low"].to_list(),
            customdata=table.select("baseline_low", "baseline_high").rows(),
            orientation="h",
            marker_color="#DDDDDD",
            name=_("chance (95% of permutations)"),
            hovertemplate=_("chance range %{customdata[0]:.2f} to %{customdata[1]:.2f}")
            + "<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            y=labels,
            x=table["dri"].to_list(),
            mode="markers",
            marker={"color": AGREE, "size": 12, "symbol": "diamond"},
            name=_("observed DRI"),
            hovertemplate=_("DRI %{x:.2f}<extra></extra>"),
        )
    )
    # the DRI is usually between -1 and 1 but can go below -1: the axis follows the data
    shown = [
        v
        for c in ("dri", "baseline_low", "baseline_high")
        for v in table.get_column(c).to_list()
        if v is not None
    ]
    low = min([-1.0, *shown])
    high = max([1.0, *shown])
    pad = 0.05 * (high - low)
    fig.update_layout(
        xaxis_title=_("Deliberative Reason Index"), xaxis_range=[low - pad, high + pad]
    )
    return _layout(
        fig, title=_("Deliberative Reason Index"), height=140 + 40 * max(table.height, 1)
    )


def dri_html(state: ShiftState, notes: list[str] | None = None) -> str:
    """DRI table with its baseline, the pre/post change, and how to read it.

    Parameters
    ----------
    state : ShiftState
        A state with considerations and preferences.
    notes : list of str, optional
        Collects suppression notes.

    Returns
    -------
    str
        Escaped HTML ("" without DRI data).

    Examples
    --------
    >>> from coprod_analytics.deliberation import simulate_dri_data
    >>> sim = simulate_dri_data(12, 6, 4, seed=0)
    >>> state = ShiftState(considerations=sim.considerations, preferences=sim.preferences,
    ...                    n_resamples=19)
    >>> "Deliberative Reason Index per group" in dri_html(state)
    True
    """
    notes = notes if notes is not None else []
    table = state.dri_table(notes)
    if table is None:
        return ""
    parts = [
        _table(
            table,
            caption=_("Deliberative Reason Index per group and wave"),
            aria_label=_("Deliberative Reason Index"),
            formatters={"p_value": fmt_p},
        ),
        "<p class='muted'>"
        + _(
            "DRI (Niemeyer et al. 2024), usually between -1 and 1 (it can be lower): how "
            "consistently people who agree on what matters also agree on what to do. Random "
            "answers give values anywhere in the grey 'chance' range ({n} permutations, seed "
            "{seed}); p = share of permutations at least as high."
        ).format(n=state.n_resamples, seed=state.seed)
        + "</p>",
    ]
    change = state.dri_change()
    if change is not None:
        parts.append(
            _table(
                change,
                caption=_("Change of the DRI (Wilcoxon on pair consistencies; indicative)"),
                aria_label=_("Change of the DRI"),
                formatters={"p_value": fmt_p},
            )
        )
    return '<div class="coprod">' + "".join(parts) + _notes_html(notes) + "</div>"


# ------------------------------------------------------------------------ Q-methodology
def loadings_figure(loadings: pl.DataFrame) -> go.Figure:
    """Heat map of Q-sort x factor loadings; flagged loadings are marked with a star.

    Parameters
    ----------
    loadings : pl.DataFrame
        :meth:`QMethodState.loadings_table`.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> import numpy as np
    >>> grid = np.repeat([-2, -1, 0, 1, 2], [1, 2, 3, 2, 1])
    >>> rng = np.random.default_rng(0)
    >>> sorts = pl.DataFrame(np.column_stack([rng.permutation(grid) for _ in range(4)]),
    ...                      schema=["a", "b", "c", "d"])
    >>> from coprod_widgets.deliberation.state import QMethodState
    >>> list(loadings_figure(QMethodState(sorts, n_factors=2).loadings_table()).data[0].x)
    ['f1', 'f2']
    """
    import plotly.graph_objects as go

    factors = [c for c in loadings.columns if c not in ("qsort", "flagged")]
    z = loadings.select(factors).to_numpy().round(3).tolist()
    flagged = loadings["flagged"].to_list()
    text = [
        [f"{v:.2f}{'*' if flagged[i] == f else ''}" for v, f in zip(row, factors, strict=True)]
        for i, row in enumerate(z)
    ]
    fig = go.Figure(
        go.Heatmap(
            z=z,
            x=factors,
            y=[hover_text(q, 30) for q in loadings["qsort"].to_list()],
            text=text,
            texttemplate="%{text}",
            colorscale=[[0, DISAGREE], [0.5, "#FFFFFF"], [1, GROUP_COLOURS[0]]],
            zmin=-1,
            zmax=1,
            hovertemplate=_("%{y}, %{x}: loading %{z:.2f}<extra></extra>"),
        )
    )
    fig.update_yaxes(autorange="reversed")
    return _layout(
        fig, title=_("Loadings (* = flagged Q-sort)"), height=120 + 24 * max(loadings.height, 1)
    )


def q_html(state: QMethodState) -> str:
    """Factors, the selected factor's statements, distinguishing and consensus statements.

    Parameters
    ----------
    state : QMethodState
        The state (its selected :attr:`factor`).

    Returns
    -------
    str
        Escaped HTML.

    Examples
    --------
    >>> import numpy as np
    >>> grid = np.repeat([-2, -1, 0, 1, 2], [1, 2, 3, 2, 1])
    >>> rng = np.random.default_rng(0)
    >>> sorts = pl.DataFrame(np.column_stack([rng.permutation(grid) for _ in range(4)]),
    ...                      schema=["a", "b", "c", "d"])
    >>> from coprod_widgets.deliberation.state import QMethodState
    >>> "Consensus statements" in q_html(QMethodState(sorts, n_factors=2))
    True
    """
    f = state.factor
    cons = state.consensus_statements()
    dist = state.distinguishing_table()
    parts = [
        _table(state.factor_table(), caption=_("Factors"), aria_label=_("Q-method factors")),
        _table(
            state.statements_table(),
            caption=_(
                "Statements of factor {name}, most agreed first (z-score, factor score)"
            ).format(name=f),
            aria_label=_("Statements of factor {name}").format(name=f),
        ),
        _table(
            dist,
            caption=_("Statements distinguishing {name} from every other factor").format(name=f),
            aria_label=_("Distinguishing statements of {name}").format(name=f),
        )
        if dist.height
        else "<p>"
        + esc(_("No statement distinguishes {name} from every other factor.").format(name=f))
        + "</p>",
        "<p>"
        + _(
            "<strong>Consensus statements</strong> (no two factors differ significantly): "
            "{statements}."
        ).format(statements=esc(", ".join(cons)) if cons else _("none"))
        + "</p>",
        "<p class='muted'>"
        + esc(
            _(
                "Stars: significance of z-score differences (* p < .05, ** p < .01, "
                "*** p < .001, 6* p < 1e-6; standard error of differences as R qmethod)."
            )
        )
        + "</p>",
    ]
    parts += [f"<p class='muted'>{esc(_('Note:'))} {esc(core_text(n))}</p>" for n in state.notes()]
    return '<div class="coprod">' + "".join(parts) + "</div>"


def loadings_alt(state: QMethodState) -> str:
    """Text alternative of the loadings heat map.

    Parameters
    ----------
    state : QMethodState
        The state.

    Returns
    -------
    str
        Escaped HTML.

    Examples
    --------
    >>> import numpy as np
    >>> grid = np.repeat([-2, -1, 0, 1, 2], [1, 2, 3, 2, 1])
    >>> rng = np.random.default_rng(0)
    >>> sorts = pl.DataFrame(np.column_stack([rng.permutation(grid) for _ in range(4)]),
    ...                      schema=["a", "b", "c", "d"])
    >>> from coprod_widgets.deliberation.state import QMethodState
    >>> "loadings of 4 Q-sorts" in loadings_alt(QMethodState(sorts, n_factors=2))
    True
    """
    return alt_table(
        state.loadings_table().with_columns(pl.col(pl.Float64).round(3)),
        summary=_("Text alternative: loadings of {sorts} Q-sorts on {factors} factors").format(
            sorts=state.loadings_table().height, factors=state.n_factors
        ),
        label=_("Q-sort loadings"),
    )


# ------------------------------------------------------------------------ representativeness
def population_figure(table: pl.DataFrame, *, attribute: str) -> go.Figure:
    """Sample share per category with its interval (bars coloured over/under/ok) and the
    population share (black marks); suppressed categories show no bar.

    Parameters
    ----------
    table : pl.DataFrame
        :meth:`RepresentationState.comparison_table`.
    attribute : str
        The attribute (title).

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_widgets.deliberation.state import RepresentationState
    >>> ppl = pl.DataFrame({"participant_id": range(40), "age": ["young"] * 10 + ["old"] * 30})
    >>> pop = pl.DataFrame({"attribute": ["age"] * 2, "category": ["old", "young"],
    ...                     "share": [0.5, 0.5]})
    >>> table = RepresentationState(ppl, pop).comparison_table()
    >>> [t.name for t in population_figure(table, attribute="age").data]
    ['participants', 'population']
    """
    import plotly.graph_objects as go

    cats = [hover_text(c, 30) for c in table["category"].to_list()]
    share = table["sample_share"].to_list()
    lo, hi = table["ci_low"].to_list(), table["ci_high"].to_list()
    bars = go.Bar(
        x=cats,
        y=share,
        marker_color=[_STATUS_COLOUR.get(s, PASS) for s in table["status"].to_list()],
        name=_("participants"),
        error_y={
            "type": "data",
            "symmetric": False,
            "array": [None if h is None else h - s for h, s in zip(hi, share, strict=True)],
            "arrayminus": [None if lw is None else s - lw for lw, s in zip(lo, share, strict=True)],
        },
        hovertemplate=_("%{x}: %{y:.0%} of participants<extra></extra>"),
    )
    marks = go.Scatter(
        x=cats,
        y=table["population_share"].to_list(),
        mode="markers",
        marker={"symbol": "line-ew-open", "size": 26, "color": "#000", "line": {"width": 3}},
        name=_("population"),
        hovertemplate=_("%{x}: %{y:.0%} of the population<extra></extra>"),
    )
    return new_figure(
        [bars, marks],
        title=_("Participants vs population: {what}").format(what=hover_text(attribute, 40)),
        height=340,
        yaxis={"tickformat": ".0%", "title": {"text": _("share")}},
    )


def population_alt(table: pl.DataFrame, *, attribute: str) -> str:
    """Text alternative of :func:`population_figure`.

    Parameters
    ----------
    table : pl.DataFrame
        :meth:`RepresentationState.comparison_table`.
    attribute : str
        The attribute.

    Returns
    -------
    str
        Escaped HTML.

    Examples
    --------
    >>> from coprod_widgets.deliberation.state import RepresentationState
    >>> ppl = pl.DataFrame({"participant_id": range(40), "age": ["young"] * 10 + ["old"] * 30})
    >>> pop = pl.DataFrame({"attribute": ["age"] * 2, "category": ["old", "young"],
    ...                     "share": [0.5, 0.5]})
    >>> table = RepresentationState(ppl, pop).comparison_table()
    >>> "Participants vs population by age" in population_alt(table, attribute="age")
    True
    """
    return alt_table(
        table.select(
            "category",
            pl.col("n").cast(pl.String).fill_null(SUPPRESSED),
            "sample_share",
            "ci_low",
            "ci_high",
            "population_share",
            "status",
        ),
        summary=_("Text alternative: participants vs population by {what}").format(what=attribute),
        label=_("Participants vs population by {what}").format(what=attribute),
        formatters={c: pct for c in ("sample_share", "ci_low", "ci_high", "population_share")}
        | {"status": representation_status},
    )


def _breakdown_html(res: Any, *, caption: str, formatters: dict[str, Any] | None = None) -> str:
    test = ""
    if res.test and res.p_value is not None:
        test = (
            "<p class='muted'>"
            + esc(
                _(
                    "{test}: statistic {statistic}, p = {p} ({method}), effect size {effect}."
                ).format(
                    test=core_text(res.test),
                    statistic=_stat(res.statistic),
                    p=fmt_p(res.p_value),
                    method=res.p_method,
                    effect=_stat(res.effect_size),
                )
            )
            + "</p>"
        )
    return (
        _table(res.table, caption=caption, aria_label=caption, formatters=formatters)
        + test
        + _notes_html(list(res.notes))
    )


def representation_html(state: RepresentationState) -> str:
    """Goodness of fit, weights, group make-up, exposure and attrition of the attribute.

    Parameters
    ----------
    state : RepresentationState
        The state (its selected :attr:`attribute`).

    Returns
    -------
    str
        Escaped HTML.

    Examples
    --------
    >>> from coprod_widgets.deliberation.state import RepresentationState
    >>> ppl = pl.DataFrame({"participant_id": range(40), "age": ["young"] * 10 + ["old"] * 30})
    >>> pop = pl.DataFrame({"attribute": ["age"] * 2, "category": ["old", "young"],
    ...                     "share": [0.5, 0.5]})
    >>> "Raking weights" in representation_html(RepresentationState(ppl, pop))
    True
    """
    attr = state.attribute
    cmp = state.comparison()
    w = state.weights()
    col = w.weights.get_column("weight")
    w_min, w_max, n_people = col.min(), col.max(), w.weights.height
    margins = w.margins
    hidden_share = (
        bool(state.min_cell)
        and margins.height > 0
        and (margins.get_column("unweighted").null_count() > 0)
    )
    parts = [
        _breakdown_html(
            cmp,
            caption=_("Participants vs population by {what}").format(what=attr),
            formatters={c: pct for c in ("sample_share", "ci_low", "ci_high", "population_share")}
            | {"p_value": fmt_p, "p_adjusted": fmt_p, "status": representation_status},
        ),
        "<h4>"
        + esc(_("Raking weights"))
        + "</h4>"
        + (
            # skipped (nobody to weight yet): say so, not "did not converge"
            "<p>" + esc(_("Weighting skipped: every participant counts once.")) + "</p>"
            if w.iterations == 0
            # a hidden share: each category's weight is target x n / its size, and the design
            # effect is a sum over the sizes, so the range, the design effect and the
            # effective n would give a hidden size away (tests/test_published_interactive.py)
            else "<p>"
            + _("Weights reproducing the population on {attributes}: {n} participants").format(
                attributes=esc(", ".join(state.attributes)), n=n_people
            )
            + ("" if w.converged else " " + _("(raking did NOT converge)"))
            + ". "
            + _(
                "The range of the weights, the design effect and the effective n are not "
                "shown: a category of fewer than {n} people is hidden above, and these numbers "
                "would give its size away."
            ).format(n=state.min_cell)
            + "</p>"
            if hidden_share
            else "<p>"
            + _(
                "Weights reproducing the population on {attributes}: {n} participants, weights "
                "from {low} to {high}, design effect {deff}, effective n {neff}"
            ).format(
                attributes=esc(", ".join(state.attributes)),
                n=n_people,
                low=fmt_number(w_min),
                high=fmt_number(w_max),
                deff=fmt_number(w.design_effect),
                neff=f"{w.effective_n:.0f}",
            )
            + ("" if w.converged else " " + _("(raking did NOT converge)"))
            + ". "
            + _("Weighted analyses count as {neff} people, not {n}.").format(
                neff=f"{w.effective_n:.0f}", n=n_people
            )
            + "</p>"
        )
        + "".join(f"<p>{esc(core_text(n))}</p>" for n in w.notes),
        _table(
            state.weights().margins,
            caption=_("Target, achieved and unweighted shares"),
            aria_label=_("Raking margins"),
            formatters={"target": pct, "achieved": pct, "unweighted": pct},
        ),
    ]
    comp = state.composition()
    if comp is not None:
        parts.append("<h4>" + esc(_("Opinion groups by {what}").format(what=attr)) + "</h4>")
        parts.append(
            _breakdown_html(
                comp,
                caption=_("Make-up of the opinion groups by {what}").format(what=attr),
                formatters={"share_of_group": pct},
            )
        )
    exp = state.exposure()
    if exp is not None:
        parts.append("<h4>" + esc(_("Statement exposure")) + "</h4>")
        parts.append(_breakdown_html(exp, caption=_("Votes per statement by author's group")))
    att = state.attrition()
    if att is not None:
        parts.append("<h4>" + esc(_("Attrition by {what}").format(what=attr)) + "</h4>")
        parts.append(
            _breakdown_html(
                att,
                caption=_("Who stayed until the post wave, by {what}").format(what=attr),
                formatters={"retention": pct, "ci_low": pct, "ci_high": pct},
            )
        )
    return '<div class="coprod">' + "".join(parts) + "</div>"
