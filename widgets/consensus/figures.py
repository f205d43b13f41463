"""Plotly figures of the consensus views, built from the state's tables.

Pure formatting: each function takes tables (or a :class:`ConsensusState`) and returns a
``plotly.graph_objects.Figure``. The widgets wrap them in a ``FigureWidget``; the static
report renders them as HTML with plotly.js inlined. Texts from the data reach plotly only
escaped. The figures of a result alone (the opinion map and the statements chart) live in
the core, :mod:`coprod_analytics.consensus.plots` (``OpinionGroups.plot()``); this module
re-exports them and draws the state's view of them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from coprod_analytics.consensus.plots import (
    STATEMENTS_TRACE,
    plot_opinion_map,
    plot_statements,
)
from coprod_analytics.consensus.plots import published_group_sizes as _core_group_sizes
from coprod_analytics.privacy import is_small_cell, withheld_cells
from coprod_widgets.core_text import core_text
from coprod_widgets.figure import house_layout
from coprod_widgets.i18n import N_, current_language, fmt_amount, fmt_pct, gettext_for
from coprod_widgets.style import group_colour, group_label, group_name

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from coprod_widgets.consensus.state import ConsensusState

__all__ = [
    "STATEMENTS_TRACE",
    "binned_bar",
    "confidence_figure",
    "merged_bins",
    "opinion_map_figure",
    "plot_opinion_map",
    "plot_statements",
    "published_group_sizes",
    "published_statement_cards",
    "silhouette_figure",
    "silhouette_sentence",
    "stability_figure",
    "translate_opinion_map",
    "verdict_html",
    "verdict_words",
    "withheld_cells",
    "withheld_shares",
]

_ = gettext_for("report")


def _layout(fig: go.Figure, *, title: str, height: int) -> go.Figure:
    fig.update_layout(**house_layout(title=title, height=height))
    return fig


def merged_bins(values: Sequence[float], *, bins: int = 20, min_cell: int = 0) -> pl.DataFrame:
    """Counts of ``values`` in ``bins`` equal bins of [0, 1], neighbours merged until every
    bin holds at least ``min_cell`` values (the small-cell rule of a published histogram).

    Bin edges are exact (``i / bins``, not a running sum), bins are closed on the left and
    the last one on both sides, so every value in [0, 1] is counted once. With
    ``min_cell`` > 0, a bin below it (by :func:`~coprod_analytics.privacy.is_small_cell`)
    is merged with the next one; a small last bin joins the one before; when all values
    together are fewer than ``min_cell`` the table is empty (the histogram is not shown).

    Parameters
    ----------
    values : sequence of float
        Values in [0, 1] (others are ignored).
    bins : int, default 20
        Number of equal bins before merging.
    min_cell : int, default 0
        Smallest count a published bin may hold (0: no merging).

    Returns
    -------
    polars.DataFrame
        ``low``, ``high`` (the bin's edges) and ``people`` (its count), in order; the
        counts add up to the number of values in [0, 1].

    Examples
    --------
    >>> t = merged_bins([0.6, 0.6, 0.2, 0.9, 0.95, 0.1, 0.15], bins=5)
    >>> t["people"].to_list(), t["people"].sum()
    ([2, 1, 0, 2, 2], 7)
    >>> t = merged_bins([0.6, 0.6, 0.2, 0.9, 0.95, 0.1, 0.15], bins=5, min_cell=3)
    >>> t.rows()
    [(0.0, 0.4, 3), (0.4, 1.0, 4)]
    >>> merged_bins([0.5, 0.5], bins=5, min_cell=5).height
    0
    """
    x = np.asarray([v for v in values if v is not None], dtype=float)
    x = x[(x >= 0) & (x <= 1)]
    edges = np.array([i / bins for i in range(bins + 1)])
    index = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, bins - 1)
    counts = np.bincount(index, minlength=bins).tolist()
    if not min_cell:
        return pl.DataFrame(
            {"low": edges[:-1], "high": edges[1:], "people": counts},
            schema={"low": pl.Float64, "high": pl.Float64, "people": pl.Int64},
        )
    if is_small_cell(len(x), min_cell=min_cell, suppress_zeros=True):
        return pl.DataFrame(schema={"low": pl.Float64, "high": pl.Float64, "people": pl.Int64})
    merged: list[list[float]] = []
    start, acc = 0, 0
    for i, c in enumerate(counts):
        acc += c
        if not is_small_cell(acc, min_cell=min_cell, suppress_zeros=True):
            merged.append([edges[start], edges[i + 1], acc])
            start, acc = i + 1, 0
    if start < bins:  # a remainder below min_cell joins the bin before
        if merged:
            merged[-1][1] = edges[-1]
            merged[-1][2] += acc
        else:  # pragma: no cover - len(x) >= min_cell makes one full bin
            merged.append([edges[start], edges[-1], acc])
    return pl.DataFrame(
        {
            "low": [float(m[0]) for m in merged],
            "high": [float(m[1]) for m in merged],
            "people": [int(m[2]) for m in merged],
        },
        schema={"low": pl.Float64, "high": pl.Float64, "people": pl.Int64},
    )


def binned_bar(table: pl.DataFrame, *, name: str, colour: str, unit: str = "people") -> go.Bar:
    """A histogram drawn from :func:`merged_bins` counts (no individual value reaches the
    page): one bar per bin, as wide as the bin.

    Parameters
    ----------
    table : polars.DataFrame
        ``low``, ``high``, ``people`` as :func:`merged_bins` returns them.
    name : str
        The trace's name (trusted text; escape data first).
    colour : str
        The bars' colour.
    unit : str, default "people"
        What is counted, in the hover text.

    Returns
    -------
    plotly.graph_objects.Bar

    Examples
    --------
    >>> bar = binned_bar(merged_bins([0.1] * 6, bins=5), name="A", colour="#000")
    >>> list(bar.y)
    [6, 0, 0, 0, 0]
    """
    import plotly.graph_objects as go

    low = table.get_column("low").to_list()
    high = table.get_column("high").to_list()
    return go.Bar(
        x=[round((a + b) / 2, 6) for a, b in zip(low, high, strict=True)],
        y=table.get_column("people").to_list(),
        width=[round(b - a, 6) for a, b in zip(low, high, strict=True)],
        customdata=[[fmt_pct(a), fmt_pct(b)] for a, b in zip(low, high, strict=True)],
        name=name,
        marker={"color": colour, "line": {"width": 1, "color": "white"}},
        hovertemplate=_("%{customdata[0]} to %{customdata[1]}: %{y} {unit}<extra></extra>").replace(
            "{unit}", _(unit)
        ),
    )


def opinion_map_figure(state: ConsensusState, *, min_cell: int = 0, height: int = 460) -> go.Figure:
    """The state's opinion map: :func:`coprod_analytics.consensus.plots.plot_opinion_map`
    with the state's selected group and statements toggle.

    Each group trace's ``meta`` holds its group id, so a click tells the group. With
    ``min_cell`` > 0 (a published page: the views pass the state's ``min_cell``) no person
    is drawn: each group whose size is published is an ellipse holding about 86% of its
    members, smaller groups (and a complementary one) and the people not clustered are not
    drawn, and the legend says how many people each shape stands for.

    Parameters
    ----------
    state : ConsensusState
        The computed state (groups, selection, statements shown or not).
    min_cell : int, default 0
        0: every person is a point (the live dashboard); otherwise groups of fewer
        people are not drawn and no point stands for one person.
    height : int, default 460
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_widgets.consensus.state import ConsensusState
    >>> state = ConsensusState(sample_inquiry(), seed=0)
    >>> fig = opinion_map_figure(state)
    >>> sum(1 for t in fig.data if t.name.startswith("Group ")) == state.result.k
    True
    >>> fig = opinion_map_figure(state, min_cell=5)
    >>> [t.mode for t in fig.data if t.name.startswith("Group ")]
    ['lines', 'lines']
    """
    fig = plot_opinion_map(
        state.result,
        show_statements=bool(state.show_statements),
        selected_group=state.selected_group,
        min_cell=min_cell,
        title=_("Opinion map: people who vote alike sit close together"),
        height=height,
    )
    return translate_opinion_map(fig)


#: The core's English texts of the opinion map's traces (:mod:`coprod_analytics.consensus.plots`)
#: -> the message that says it in the reader's language (``{name}`` the group's letter).
_MAP_TEXTS = (
    (re.compile(r"^Group (?P<name>[A-Z]) \((?P<n>\d+) people\)$"), N_("Group {name} ({n} people)")),
    (
        re.compile(r"^Group (?P<name>[A-Z]): (?P<n>\d+) people<extra></extra>$"),
        N_("Group {name}: {n} people"),
    ),
    (re.compile(r"^Group (?P<name>[A-Z]) \((?P<n>\d+)\)$"), N_("Group {name} ({n})")),
    (re.compile(r"^Group (?P<name>[A-Z])$"), N_("Group {name}")),
    (
        re.compile(
            r"^Group (?P<name>[A-Z])<br>membership confidence: not computed<extra></extra>$"
        ),
        N_("Group {name}<br>membership confidence: not computed"),
    ),
    (
        re.compile(
            r"^Group (?P<name>[A-Z])<br>membership confidence: %\{customdata\[0\]\}<extra></extra>$"
        ),
        N_("Group {name}<br>membership confidence: %{customdata[0]}"),
    ),
    (
        re.compile(r"^Not clustered \((?P<n>\d+), too few votes\)$"),
        N_("Not clustered ({n}, too few votes)"),
    ),
    (
        re.compile(r"^Not clustered \(too few votes\)<extra></extra>$"),
        N_("Not clustered (too few votes)"),
    ),
    (re.compile(r"^Statements$"), N_("Statements")),
    (
        re.compile(r"^Statement %\{customdata\[1\]\}<br>%\{customdata\[2\]\}<extra></extra>$"),
        N_("Statement %{customdata[1]}<br>%{customdata[2]}"),
    ),
)


def _map_text(text: str) -> str:
    for pattern, message in _MAP_TEXTS:
        m = pattern.match(text)
        if m is None:
            continue
        out = _(message)
        for key, value in m.groupdict().items():
            out = out.replace("{" + key + "}", fmt_amount(int(value)) if key == "n" else value)
        return out + ("<extra></extra>" if text.endswith("<extra></extra>") else "")
    return core_text(text)  # numbered groups past Z, and any other sentence it knows


def translate_opinion_map(fig: go.Figure) -> go.Figure:
    """The opinion map's trace names and hover texts (the core writes them in English) in
    the current language; the figure is changed in place and returned.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        A figure of :func:`coprod_analytics.consensus.plots.plot_opinion_map`.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> import plotly.graph_objects as go
    >>> from coprod_widgets.i18n import use_language
    >>> fig = go.Figure(go.Scatter(name="Group A (56 people)", hovertemplate="Statements"))
    >>> with use_language("es"):
    ...     translate_opinion_map(fig).data[0].name
    'Grupo A (56 personas)'
    """
    if current_language() == "en":
        return fig
    for trace in fig.data:
        if isinstance(trace.name, str):
            trace.name = _map_text(trace.name)
        template = getattr(trace, "hovertemplate", None)
        if isinstance(template, str):
            trace.hovertemplate = _map_text(template)
    for note in fig.layout.annotations or ():
        if isinstance(note.text, str):
            note.text = group_name(note.text)
    return fig


def silhouette_figure(silhouettes: dict[int, float], k: int, *, height: int = 260) -> go.Figure:
    """Silhouette of each number of groups tried (higher: a clearer split); the k shown
    is highlighted.

    Parameters
    ----------
    silhouettes : dict of int to float
        Silhouette per k.
    k : int
        The k shown (highlighted).
    height : int, default 260
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> list(silhouette_figure({2: 0.6, 3: 0.4}, 2).data[0].x)
    ['2', '3']
    """
    import plotly.graph_objects as go

    ks = sorted(silhouettes)
    fig = go.Figure(
        go.Bar(
            x=[str(x) for x in ks],
            y=[silhouettes[x] for x in ks],
            marker={"color": ["#0072B2" if x == k else "#9ecae1" for x in ks]},
            hovertemplate=_("k = %{x}: silhouette %{y:.3f}<extra></extra>"),
            name=_("silhouette"),
        )
    )
    fig.update_xaxes(title=_("number of groups (k)"))
    fig.update_yaxes(title=_("silhouette"), range=[min(0.0, *silhouettes.values()), 1])
    return _layout(fig, title=_("How clearly the room splits into k groups"), height=height)


def stability_figure(scores: dict[int, float], k: int, *, height: int = 260) -> go.Figure:
    """Resampling stability per k (as the core reports it).

    Parameters
    ----------
    scores : dict of int to float
        Stability (1 - PAC) per k.
    k : int
        The k shown (highlighted).
    height : int, default 260
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> list(stability_figure({2: 0.9, 3: 0.5}, 2).data[0].y)
    [0.9, 0.5]
    """
    import plotly.graph_objects as go

    ks = sorted(scores)
    fig = go.Figure(
        go.Bar(
            x=[str(x) for x in ks],
            y=[float(scores[x]) for x in ks],
            marker={"color": ["#0072B2" if x == k else "#9ecae1" for x in ks]},
            hovertemplate=_("k = %{x}: stability %{y:.3f}<extra></extra>"),
            name=_("stability"),
        )
    )
    fig.update_xaxes(title=_("number of groups (k)"))
    fig.update_yaxes(title=_("stability"))
    return _layout(fig, title=_("Stability of the split under resampling"), height=height)


def confidence_figure(
    confidence: pl.DataFrame, *, min_cell: int = 0, height: int = 260
) -> go.Figure:
    """Histogram of membership confidence per group.

    With ``min_cell`` > 0 (a published report) the counts are binned here and neighbouring
    bins merged until each holds at least ``min_cell`` people (:func:`merged_bins`); a group
    of fewer people is left out, and no individual value reaches the page. With 0 (the live
    dashboard) plotly bins the values itself.

    Parameters
    ----------
    confidence : polars.DataFrame
        ``group`` and ``confidence`` per clustered participant.
    min_cell : int, default 0
        Smallest number of people a published bin may hold.
    height : int, default 260
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> conf = pl.DataFrame({"group": [0, 0, 1], "confidence": [0.9, 0.8, 0.4]})
    >>> [t.name for t in confidence_figure(conf).data]
    ['Group A', 'Group B']
    >>> conf = pl.DataFrame({"group": [0] * 7 + [1] * 2, "confidence": [0.9] * 5 + [0.4] * 4})
    >>> [(t.name, list(t.y)) for t in confidence_figure(conf, min_cell=5).data]
    [('Group A', [7])]
    """
    import plotly.graph_objects as go

    fig = go.Figure()
    for (g,), part in confidence.sort("group").group_by(["group"], maintain_order=True):
        values = part.get_column("confidence").to_list()
        if min_cell:
            table = merged_bins(values, bins=20, min_cell=min_cell)
            if table.height:
                trace = binned_bar(table, name=group_label(g), colour=group_colour(g))
                trace.update(opacity=0.75)
                fig.add_trace(trace)
            continue
        fig.add_trace(
            go.Histogram(
                x=values,
                name=group_label(g),
                marker={"color": group_colour(g)},
                xbins={"start": 0, "end": 1.0001, "size": 0.05},
                opacity=0.75,
            )
        )
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(title=_("membership confidence"), range=[0, 1])
    fig.update_yaxes(title=_("participants"))
    return _layout(fig, title=_("How sure each person's group is"), height=height)


_SHARES = ("agree", "disagree", "pass")


def withheld_shares(counts: dict[str, int | None], *, min_cell: int) -> set[str]:
    """Which of the agree/disagree/pass counts of one group × statement cell to withhold,
    so that no count below ``min_cell`` can be read off or worked out from the total.

    Primary: every count ``1 <= c < min_cell``
    (:func:`~coprod_analytics.privacy.is_small_cell`). Complementary: while only one count
    is withheld, or the withheld counts add up to fewer than ``min_cell`` (the total minus
    the shown counts gives their sum), the smallest shown count is withheld too; so each
    withheld count could be 0 or at least ``min_cell`` for all the page tells.

    Parameters
    ----------
    counts : dict of str to int
        ``agree``, ``disagree``, ``pass`` (None: unknown, treated as 0).
    min_cell : int
        Counts strictly below this are small (0 withholds nothing).

    Returns
    -------
    set of str
        The names to withhold (empty: show every share).

    Examples
    --------
    >>> sorted(withheld_shares({"agree": 12, "disagree": 8, "pass": 6}, min_cell=5))
    []
    >>> sorted(withheld_shares({"agree": 12, "disagree": 8, "pass": 2}, min_cell=5))
    ['disagree', 'pass']
    >>> sorted(withheld_shares({"agree": 20, "disagree": 3, "pass": 0}, min_cell=5))
    ['agree', 'disagree', 'pass']
    """
    return withheld_cells({k: counts.get(k) for k in _SHARES}, min_cell=min_cell)


def published_group_sizes(state: ConsensusState, *, min_cell: int) -> dict[Any, int | None]:
    """Opinion-group sizes to publish: None where withheld
    (:func:`~coprod_analytics.privacy.withheld_cells`), so that a small group's size cannot
    be worked out from the others and the total (the state's result through
    :func:`coprod_analytics.consensus.plots.published_group_sizes`).

    Parameters
    ----------
    state : ConsensusState
        The analysed state.
    min_cell : int
        The small-cell limit (0: every size).

    Returns
    -------
    dict
        Group id to size (None: withheld).

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_widgets.consensus.state import ConsensusState
    >>> published_group_sizes(ConsensusState(sample_inquiry(), seed=0), min_cell=5)
    {0: 56, 1: 39}
    """
    return dict(_core_group_sizes(state.result, min_cell=min_cell))


def published_statement_cards(
    state: ConsensusState, board: pl.DataFrame, *, max_rows: int = 12
) -> str:
    """The statement board for publication: :func:`~coprod_widgets.html.statement_cards`
    (which, with the state's ``min_cell`` > 0, withholds shares of fewer than ``min_cell``
    voters with a complementary share (:func:`withheld_shares`), so no count
    below ``min_cell`` can be recovered from a percentage times n, and a statement's
    group-aware consensus (a product of every group's agree rate) is withheld when any
    group's agree share is).

    Parameters
    ----------
    state : ConsensusState
        The analysed state (group votes and ``min_cell``; 0 shows everything).
    board : polars.DataFrame
        The statements to show (:meth:`ConsensusState.board_table`).
    max_rows : int, default 12
        Cards shown.

    Returns
    -------
    str
        A ``<div class="coprod">`` holding a ``role="list"`` of cards (every data value
        escaped), as :func:`~coprod_widgets.html.statement_cards`.

    Examples
    --------
    >>> from coprod_analytics.simulate import sample_inquiry
    >>> from coprod_widgets.consensus.state import ConsensusState
    >>> state = ConsensusState(sample_inquiry(), seed=0, min_cell=5)
    >>> html = published_statement_cards(state, state.board_table(), max_rows=3)
    >>> html.count('<div class="card"'), "fewer than 5" in html
    (3, True)
    """
    from coprod_widgets.html import statement_cards

    return statement_cards(state, board, max_rows=max_rows)


_SILHOUETTE_WORDS = (
    (0.70, N_("a strong structure")),
    (0.50, N_("a reasonable structure")),
    (0.25, N_("a weak structure that could be an artefact")),
    (-1.0, N_("no substantial structure")),
)


def silhouette_sentence(score: float) -> str:
    """Kaufman & Rousseeuw's reading of an average silhouette.

    Parameters
    ----------
    score : float
        Average silhouette.

    Returns
    -------
    str

    Examples
    --------
    >>> silhouette_sentence(0.55)
    'a reasonable structure'
    """
    for threshold, words in _SILHOUETTE_WORDS:
        if score > threshold:
            return _(words)
    return _(_SILHOUETTE_WORDS[-1][1])


def verdict_words(result: Any) -> str:
    """The verdict on the groups in plain words, in the current language.

    Parameters
    ----------
    result : OpinionGroups
        A result of :func:`~coprod_analytics.consensus.opinion_groups`.

    Returns
    -------
    str
        The core's ``result.verdict.text`` in English; the same sentence translated in the
        other languages.

    Examples
    --------
    >>> from coprod_analytics.consensus import opinion_groups
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> from coprod_widgets.i18n import use_language
    >>> res = opinion_groups(simulate_inquiry(90, 24, n_groups=3, separation=4.0, seed=1),
    ...                      bridging=False, progress=False)
    >>> verdict_words(res) == res.verdict.text
    True
    >>> with use_language("es"):
    ...     verdict_words(res).startswith("3 bandos separados")
    True
    """
    v = result.verdict
    if current_language() == "en":
        return str(v.text)
    k = v.supported_k
    if v.structure == "none":
        return _(
            "no structure beyond noise: the votes look like those of one room whose "
            "differences are random, so the groups drawn are not real divisions"
        )
    if v.structure == "continuum":
        return _(
            "{k} groups along a continuum: opinions differ by degree, not in separate camps, "
            "so where one group ends and the next begins is arbitrary"
        ).format(k=k)
    out = _("{k} separate camps: the groups are distinct, with few people in between").format(k=k)
    shown = getattr(result, "k", k)
    if shown != k:
        out += " " + _(
            "(the map shows {shown} groups: Pol.is's rule picks the number by the silhouette "
            "of its base clusters; opinion_groups(..., k={k}) draws {k})"
        ).format(shown=shown, k=k)
    return out


def verdict_html(result: Any) -> str:
    """The one verdict on the groups as an HTML paragraph (dashboard, report, stability).

    Parameters
    ----------
    result : OpinionGroups
        The analysis (its :attr:`~coprod_analytics.consensus.OpinionGroups.verdict`).

    Returns
    -------
    str
        ``<p class="coprod-verdict" data-structure="...">`` with the verdict's text, or ""
        when the result carries no vote matrix.

    Examples
    --------
    >>> from coprod_analytics.consensus import opinion_groups
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> res = opinion_groups(simulate_inquiry(90, 24, n_groups=3, separation=4.0, seed=1),
    ...                      bridging=False, progress=False)
    >>> verdict_html(res)[:73]
    '<p class="coprod-verdict" data-structure="separate" data-supported-k="3">'
    """
    from coprod_widgets.style import esc

    if getattr(result, "matrix", None) is None:
        return ""
    v = result.verdict
    return (
        f'<p class="coprod-verdict" data-structure="{esc(v.structure)}" '
        f'data-supported-k="{v.supported_k}">{esc(_("Verdict:"))} '
        f"<strong>{esc(verdict_words(result))}</strong>.</p>"
    )
