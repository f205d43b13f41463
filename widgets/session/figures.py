"""HTML fragments and figures of the live dashboard: the live panels and present mode.

Pure formatting of :class:`~coprod_analytics.session.panels.LivePanel` (the numbers come from
the core): every text from the session (titles, options, categories, statements) goes
through :func:`~coprod_widgets.style.esc` (or :func:`~coprod_widgets.style.hover_text` for
plotly), numbers through :mod:`coprod_analytics.format`. The charts are the families' own
figures, fed the live numbers: :func:`~coprod_widgets.crowd.figures.delphi_figure` (median
and quartiles per Delphi round), :func:`~coprod_widgets.crowd.figures.popular_figure`
(surprisingly popular), :func:`~coprod_widgets.evidence.figures.evidence_figure` (the
evidence board), :func:`~coprod_widgets.crowd.figures.agreement_figure`,
:func:`~coprod_widgets.deliberation.figures.group_shift_figure` (shift per item) and
:func:`~coprod_widgets.deliberation.figures.population_figure`.

Present mode (:func:`present_html`) draws no chart: big numbers and plain bars, readable from
the back of a room.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from coprod_analytics.format import MISSING, fmt_number, fmt_pct
from coprod_analytics.session.activities import wave_name
from coprod_analytics.session.panels import LivePanel
from coprod_widgets.core_text import core_text
from coprod_widgets.html import coprod_div, table_html
from coprod_widgets.i18n import N_, gettext_for
from coprod_widgets.session.figures_mapping import (
    mapping_chart_builders,
    mapping_html,
    mapping_present,
)
from coprod_widgets.session.figures_priorities import (
    bar_html,
    priority_chart_builders,
    priority_present,
    priority_tables,
    ranking_html,
    row_html,
)
from coprod_widgets.style import esc, hover_text

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

_ = gettext_for("dashboard")

__all__ = [
    "ChartSpec",
    "chart_specs",
    "header_html",
    "panel_figures",
    "panel_html",
    "present_html",
    "round_label",
]

_KIND_WORDS = {
    "questions": N_("Questions"),
    "evidence": N_("Evidence"),
    "ratings": N_("Ratings"),
    "panel": N_("Poll before and after"),
    "population": N_("Who is in the room"),
    "statements": N_("Statements"),
    "budget": N_("Budget ballot"),
    "pairwise": N_("Which is better?"),
    "ranking": N_("Ranking"),
    "open_question": N_("Open question"),
    "mapping": N_("Community map"),
    "appraisal": N_("Appraisal of the needs"),
}


def round_label(kind: str, round_: int) -> str:
    """How the agenda names an activity's round: a Delphi round or a panel wave.

    Parameters
    ----------
    kind : str
        The activity kind.
    round_ : int
        The round (wave) number.

    Returns
    -------
    str
        ``"round 2"`` (Delphi questions, appraisal), ``"wave 2 (after)"``, or ``""`` for kinds
        without rounds.

    Examples
    --------
    >>> round_label("questions", 2), round_label("panel", 1), round_label("ratings", 1)
    ('round 2', 'wave 1 (before)', '')
    """
    if kind in ("questions", "appraisal"):
        return _("round {n}").format(n=round_)
    if kind == "panel":
        name = wave_name(round_)
        shown = {"pre": _("before"), "post": _("after")}.get(name, name)
        return _("wave {n} ({wave})").format(n=round_, wave=shown)
    return ""


def _interval(lo: Any, hi: Any) -> str:
    if lo is None or hi is None:
        return MISSING
    return _("{low} to {high}").format(low=fmt_number(lo), high=fmt_number(hi))


def header_html(panel: LivePanel) -> str:
    """The panel's heading: kind, title, open or closed, round, who answered.

    Parameters
    ----------
    panel : LivePanel
        The live numbers.

    Returns
    -------
    str
        Escaped HTML.

    Examples
    --------
    >>> p = LivePanel("ratings", "ratings", "<b>Ratings</b>", True, 1, 4, {})
    >>> "&lt;b&gt;" in header_html(p) and "open" in header_html(p)
    True
    """
    state = _("open") if panel.is_open else _("closed")
    rnd = round_label(panel.kind, panel.round)
    who = _("{n} voted") if panel.kind == "statements" else _("{n} answered")
    bits = [state, *([rnd] if rnd else []), who.format(n=panel.answered)]
    kind = _(_KIND_WORDS[panel.kind]) if panel.kind in _KIND_WORDS else panel.kind
    heading = _("{kind}: {title}").format(kind=kind, title=panel.title)
    return f"<h3>{esc(heading)}</h3><p class='muted'>{esc(' · '.join(bits))}</p>"


def _notes(panel: LivePanel) -> str:
    parts = []
    if panel.message:
        parts.append(f"<p class='message'>{esc(panel.message)}</p>")
    parts += [f"<p class='muted'>{esc(core_text(n))}</p>" for n in panel.notes]
    return "".join(parts)


def _shown(panel: LivePanel, name: str, column: str) -> pl.DataFrame | None:
    """The section's rows whose ``column`` has a value, or None when there are none."""
    t = panel.section(name)
    if t.height == 0 or column not in t.columns:
        return None
    t = t.drop_nulls(column)
    return t if t.height else None


def _pct(v: Any) -> str:
    return fmt_pct(v, 0)


def _num(v: Any) -> str:
    return fmt_number(v, 3)


def panel_html(panel: LivePanel) -> str:
    """The facilitator's tables of one live panel (every number, plain words).

    Parameters
    ----------
    panel : LivePanel
        The live numbers.

    Returns
    -------
    str
        Escaped HTML: the message (little data yet), notes and one table per section.

    Examples
    --------
    >>> sec = {"ratings": pl.DataFrame({"item_id": ["1"], "text": ["Buses"], "n": [3],
    ...        "median": [4.0], "mean": [4.3], "tastle_wierman": [0.8], "van_der_eijk": [0.5],
    ...        "leik": [0.1]})}
    >>> html = panel_html(LivePanel("ratings", "ratings", "R", True, 1, 3, sec))
    >>> "Buses" in html and "4.33" not in html and "4.3" in html
    True
    """
    parts = [_notes(panel)]
    if panel.kind in ("mapping", "appraisal"):  # the map's tables need the panel's parameters
        return coprod_div(*parts, mapping_html(panel))
    for name, table in panel.sections.items():
        if table.height == 0:
            continue
        builder = _TABLES.get(name)
        if builder is not None:
            parts.append(builder(table))
        if name == "ranking_counts":  # the rules side by side, before the per-item table
            parts.append(ranking_html(panel))
    return coprod_div(*parts)


def _estimates_table(t: pl.DataFrame) -> str:
    ci, mid, med = _("95% interval of the median"), _("middle half of the answers"), _("median")
    rows = t.select(
        pl.col("text").alias(_("question")),
        pl.col("round").alias(_("round")),
        pl.col("n").alias(_("answers")),
        pl.col("median").alias(med),
        pl.struct("ci_low", "ci_high").alias(ci),
        pl.struct("q1", "q3").alias(mid),
        pl.col("unit").fill_null("").alias(_("unit")),
    )
    pair = {
        ci: lambda v: _interval(v["ci_low"], v["ci_high"]),
        mid: lambda v: _interval(v["q1"], v["q3"]),
        med: _num,
    }
    return table_html(rows, caption=_("Estimates (median per Delphi round)"), formatters=pair)


def _probabilities_table(t: pl.DataFrame) -> str:
    names = (_("mean"), _("median"), _("pooled (log-odds)"))
    rows = t.select(
        pl.col("text").alias(_("question")),
        pl.col("n").alias(_("answers")),
        pl.col("mean").alias(names[0]),
        pl.col("median").alias(names[1]),
        pl.col("pooled").alias(names[2]),
    )
    fmt = dict.fromkeys(names, _pct)
    return table_html(rows, caption=_("Probability forecasts"), formatters=fmt)


def _choices_table(t: pl.DataFrame) -> str:
    share, predicted, surprise = _("share"), _("predicted share"), _("surprise")
    rows = t.select(
        pl.col("text").alias(_("question")),
        pl.col("option").alias(_("option")),
        pl.col("votes").alias(_("answers")),
        pl.col("actual_share").alias(share),
        pl.col("predicted_share").alias(predicted),
        pl.col("surprise").alias(surprise),
        pl.when(pl.col("surprisingly_popular"))
        .then(pl.lit(_("surprisingly popular")))
        .when(pl.col("most_common"))
        .then(pl.lit(_("most common")))
        .otherwise(pl.lit(""))
        .alias(_("note")),
    )
    fmt = {
        share: _pct,
        predicted: _pct,
        surprise: lambda v: MISSING if v is None else _("{n} points").format(n=f"{100 * v:+.0f}"),
    }
    return table_html(rows, caption=_("Choices: the surprisingly popular answer"), formatters=fmt)


def _evidence_table(t: pl.DataFrame) -> str:
    cred, rel, weight = _("credibility"), _("relevance"), _("weight (credibility x relevance)")
    rows = t.select(
        pl.col("rank").alias(_("rank")),
        pl.col("title").alias(_("title")),
        pl.col("source").fill_null("").alias(_("source")),
        pl.col("n").alias(_("raters")),
        pl.struct("credibility", "credibility_low", "credibility_high").alias(cred),
        pl.struct("relevance", "relevance_low", "relevance_high").alias(rel),
        pl.col("score").alias(weight),
    )

    def with_ci(name: str) -> Any:
        return lambda v: (
            MISSING
            if v[name] is None
            else f"{fmt_number(v[name])} ({_interval(v[f'{name}_low'], v[f'{name}_high'])})"
        )

    fmt = {
        cred: with_ci("credibility"),
        rel: with_ci("relevance"),
        weight: lambda v: fmt_number(v, 2),
    }
    return table_html(rows, caption=_("Evidence board (mean rating, 95% interval)"), formatters=fmt)


def _ratings_table(t: pl.DataFrame) -> str:
    consensus, dispersion = _("consensus"), _("dispersion")
    rows = t.select(
        pl.col("text").alias(_("item")),
        pl.col("n").alias(_("raters")),
        pl.col("median").alias(_("median")),
        pl.col("mean").alias(_("mean")),
        pl.col("tastle_wierman").alias(consensus),
        pl.col("leik").alias(dispersion),
    )
    fmt = {consensus: lambda v: fmt_number(v, 2), dispersion: lambda v: fmt_number(v, 2)}
    return table_html(
        rows,
        caption=_(
            "Ratings (consensus 1 = everyone the same; dispersion 1 = split between the ends)"
        ),
        formatters=fmt,
    )


def _panel_table(t: pl.DataFrame) -> str:
    shift = _("shift (95% interval)")
    rows = t.select(
        pl.col("text").alias(_("item")),
        pl.col("n_pre").alias(_("answers before")),
        pl.col("mean_pre").alias(_("mean before")),
        pl.col("n_post").alias(_("answers after")),
        pl.col("mean_post").alias(_("mean after")),
        pl.col("pairs").alias(_("answered both")),
        pl.struct("shift", "ci_low", "ci_high").alias(shift),
    )
    fmt = {
        shift: lambda v: (
            MISSING
            if v["shift"] is None
            else f"{v['shift']:+.2f} ({_interval(v['ci_low'], v['ci_high'])})"
        )
    }
    return table_html(rows, caption=_("Before (wave 1) and after (wave 2)"), formatters=fmt)


def _population_table(t: pl.DataFrame) -> str:
    room, pop = _("share in the room"), _("share of the population")
    rows = t.select(
        pl.col("attribute").alias(_("attribute")),
        pl.col("category").alias(_("category")),
        pl.col("n").alias(_("in the room")),
        pl.col("sample_share").alias(room),
        pl.col("population_share").alias(pop),
        pl.col("status").replace({"missing": _("nobody yet")}).fill_null("").alias(_("status")),
    )
    fmt = {room: _pct, pop: _pct}
    return table_html(rows, caption=_("Who is in the room, against the population"), formatters=fmt)


def _population_answers_table(t: pl.DataFrame) -> str:
    rows = t.select(
        pl.col("attribute").alias(_("attribute")),
        pl.col("answered").alias(_("answered")),
        pl.col("prefer_not_to_say").alias(_("prefer not to say")),
        pl.col("not_answered").alias(_("not answered yet")),
    )
    return table_html(rows, caption=_("Answers to the questions about people"))


def _statements_table(t: pl.DataFrame) -> str:
    votes = int(t.get_column("votes").sum())
    top = (
        t.drop_nulls("agree_share")
        .sort("agree_share", descending=True)
        .head(5)
        .select(
            pl.col("text").alias(_("statement")),
            pl.col("votes").alias(_("votes")),
            pl.col("agree_share").alias(_("agree")),
        )
    )
    line = _("{votes} votes on {statements} statements.").format(
        votes=f"{votes:,}", statements=f"{t.height:,}"
    )
    head = f"<p>{esc(line)}</p>"
    if top.height == 0:
        return head
    return head + table_html(top, caption=_("Most agreed so far"), formatters={_("agree"): _pct})


_TABLES = {
    "estimates": _estimates_table,
    "probabilities": _probabilities_table,
    "choices": _choices_table,
    "evidence": _evidence_table,
    "ratings": _ratings_table,
    "panel": _panel_table,
    "population": _population_table,
    "population_answers": _population_answers_table,
    "statements": _statements_table,
    **priority_tables(),
}


# ------------------------------------------------------------------------------- figures
@dataclass(frozen=True)
class ChartSpec:
    """One chart of a live panel, not built yet: its key, the data it draws and how.

    Attributes
    ----------
    key : str
        Stays the same while the chart updates (``"estimates-1"``, ``"evidence"``, ...).
    data : polars.DataFrame
        The rows it draws: a chart whose data did not change is not rebuilt.
    build : callable
        ``build() -> plotly.graph_objects.Figure``.

    Examples
    --------
    >>> spec = ChartSpec("x", pl.DataFrame({"a": [1]}), lambda: None)
    >>> spec.key
    'x'
    """

    key: str
    data: pl.DataFrame
    build: Callable[[], Any]


def chart_specs(panel: LivePanel) -> list[ChartSpec]:
    """The charts of one live panel (the families' own figures fed the live numbers).

    Parameters
    ----------
    panel : LivePanel
        The live numbers.

    Returns
    -------
    list of ChartSpec
        Only charts with something to draw (statements: none; their opinion map is the
        consensus dashboard).

    Examples
    --------
    >>> sec = {"ratings": pl.DataFrame({"item_id": ["1"], "text": ["Buses"], "n": [3],
    ...        "median": [4.0], "mean": [4.3], "tastle_wierman": [0.8], "van_der_eijk": [0.5],
    ...        "leik": [0.1]})}
    >>> [c.key for c in chart_specs(LivePanel("ratings", "ratings", "R", True, 1, 3, sec))]
    ['ratings']
    """
    from coprod_widgets.crowd.figures import agreement_figure, delphi_figure, popular_figure
    from coprod_widgets.deliberation.figures import group_shift_figure, population_figure
    from coprod_widgets.evidence.figures import evidence_figure

    def delphi(sub: pl.DataFrame) -> go.Figure:
        return delphi_figure(
            sub.with_columns(pl.col("q1", "q3").fill_null(pl.col("median"))),
            title=hover_text(sub["text"][0], 60),
            height=280,
        )

    def popular(sub: pl.DataFrame) -> go.Figure:
        return popular_figure(sub, title=hover_text(sub["text"][0], 70))

    def shifts(rows: pl.DataFrame) -> go.Figure:
        return group_shift_figure(rows, by="item", title=_("Shift per item (after - before)"))

    out: list[ChartSpec] = []
    est = _shown(panel, "estimates", "median")
    if est is not None:
        for (qid,), sub in est.group_by(["question_id"], maintain_order=True):
            out.append(ChartSpec(f"estimates-{qid}", sub, functools.partial(delphi, sub)))
    choices = _shown(panel, "choices", "actual_share")
    if choices is not None:
        for (qid,), sub in choices.group_by(["question_id"], maintain_order=True):
            out.append(ChartSpec(f"choices-{qid}", sub, functools.partial(popular, sub)))
    board = _shown(panel, "evidence", "credibility")
    if board is not None:
        out.append(ChartSpec("evidence", board, lambda: evidence_figure(board)))
    ratings = _shown(panel, "ratings", "tastle_wierman")
    if ratings is not None:
        out.append(ChartSpec("ratings", ratings, lambda: agreement_figure(ratings)))
    shift = _shown(panel, "panel", "shift")
    if shift is not None:
        rows = shift.select(
            pl.col("text").alias("item"), pl.col("shift").alias("estimate"), "ci_low", "ci_high"
        ).drop_nulls()
        out.append(ChartSpec("panel", rows, lambda: shifts(rows)))
    pop = _shown(panel, "population", "sample_share")
    if pop is not None:
        for (attr,), sub in pop.group_by(["attribute"], maintain_order=True):
            table = sub.with_columns(pl.col("status").fill_null("ok"))
            out.append(
                ChartSpec(
                    f"population-{attr}",
                    table,
                    functools.partial(population_figure, table, attribute=str(attr)),
                )
            )
    out += [ChartSpec(key, data, build) for key, data, build in priority_chart_builders(panel)]
    out += [ChartSpec(key, data, build) for key, data, build in mapping_chart_builders(panel)]
    return out


def panel_figures(panel: LivePanel) -> list[tuple[str, go.Figure]]:
    """The charts of one live panel, built (see :func:`chart_specs`).

    Parameters
    ----------
    panel : LivePanel
        The live numbers.

    Returns
    -------
    list of (str, plotly.graph_objects.Figure)
        Key and figure of each chart.

    Examples
    --------
    >>> sec = {"ratings": pl.DataFrame({"item_id": ["1"], "text": ["Buses"], "n": [3],
    ...        "median": [4.0], "mean": [4.3], "tastle_wierman": [0.8], "van_der_eijk": [0.5],
    ...        "leik": [0.1]})}
    >>> [k for k, _ in panel_figures(LivePanel("ratings", "ratings", "R", True, 1, 3, sec))]
    ['ratings']
    """
    return [(spec.key, spec.build()) for spec in chart_specs(panel)]


# ------------------------------------------------------------------------------- present
_bar = bar_html
_row = row_html


def _present_questions(panel: LivePanel) -> list[str]:
    parts: list[str] = []
    est = _shown(panel, "estimates", "median")
    for (_qid,), shown in () if est is None else est.group_by(["question_id"], maintain_order=True):
        unit = shown["unit"][0] or ""
        parts.append(f"<h3>{esc(shown['text'][0])}</h3>")
        rounds = panel.round > 1 or any(int(r) > 1 for r in shown["round"].to_list())
        for r in shown.iter_rows(named=True):
            label = (
                _("Round {n}, {people} people").format(n=r["round"], people=r["n"])
                if rounds
                else _("{people} people").format(people=r["n"])
            )
            middle = _("middle half of the answers: {range}").format(
                range=_interval(r["q1"], r["q3"])
            )
            parts.append(
                f"<p>{esc(label)}: <span class='number'>{esc(fmt_number(r['median']))}</span>"
                f"<span class='unit'>{esc(unit)}</span></p>"
                f"<p class='muted'>{esc(middle)}</p>"
            )
    probabilities = _shown(panel, "probabilities", "pooled")
    for r in () if probabilities is None else probabilities.iter_rows(named=True):
        parts.append(
            f"<h3>{esc(r['text'])}</h3><p><span class='number'>{esc(fmt_pct(r['pooled']))}</span>"
            f"<span class='unit'>{esc(_('chance, pooled from {n} people').format(n=r['n']))}"
            "</span></p>"
        )
    choices = _shown(panel, "choices", "actual_share")
    for (_qid,), sub in (
        () if choices is None else choices.group_by(["question_id"], maintain_order=True)
    ):
        parts.append(f"<h3>{esc(sub['text'][0])}</h3>")
        for r in sub.iter_rows(named=True):
            flag = _("surprisingly popular") if r["surprisingly_popular"] else ""
            parts.append(
                _row(r["option"], fmt_pct(r["actual_share"]), _bar(r["actual_share"]), flag)
            )
    return parts


def _present_evidence(panel: LivePanel) -> list[str]:
    parts = []
    board = _shown(panel, "evidence", "score")
    for r in () if board is None else board.iter_rows(named=True):
        parts.append(
            f"<h3>{r['rank']}. {esc(r['title'])}</h3>"
            f"<p>{esc(_('credible'))} <strong>{esc(fmt_number(r['credibility'], 2))}</strong> · "
            f"{esc(_('relevant'))} <strong>{esc(fmt_number(r['relevance'], 2))}</strong> "
            f"<span class='muted'>({esc(_('{people} people').format(people=r['n']))})</span></p>"
        )
    return parts


def _present_ratings(panel: LivePanel) -> list[str]:
    parts = []
    ratings = _shown(panel, "ratings", "median")
    for r in () if ratings is None else ratings.iter_rows(named=True):
        agreement = _("agreement {share} · {people} people").format(
            share=fmt_pct(r["tastle_wierman"]), people=r["n"]
        )
        parts.append(
            f"<h3>{esc(r['text'])}</h3><p>{esc(_('typical answer'))} <span class='number'>"
            f"{esc(fmt_number(r['median']))}</span> <span class='muted'>{esc(agreement)}"
            "</span></p>"
        )
    return parts


def _present_panel(panel: LivePanel) -> list[str]:
    parts = []
    for r in panel.section("panel").iter_rows(named=True):
        if r["mean_pre"] is None and r["mean_post"] is None:
            continue
        after = (
            f" → {esc(_('after'))} <strong>{esc(fmt_number(r['mean_post'], 2))}</strong>"
            if r["mean_post"] is not None
            else ""
        )
        shift = f" <span class='number'>{r['shift']:+.2f}</span>" if r["shift"] is not None else ""
        parts.append(
            f"<h3>{esc(r['text'])}</h3><p>{esc(_('before'))} "
            f"<strong>{esc(fmt_number(r['mean_pre'], 2))}"
            f"</strong>{after}{shift}</p>"
        )
    return parts


def _present_population(panel: LivePanel) -> list[str]:
    parts = []
    pop = _shown(panel, "population", "category")
    for (attr,), sub in () if pop is None else pop.group_by(["attribute"], maintain_order=True):
        parts.append(f"<h3>{esc(str(attr).replace('_', ' '))}</h3>")
        for r in sub.iter_rows(named=True):
            flag = {"missing": _("nobody yet"), "under": _("too few"), "over": _("many")}.get(
                r["status"] or "", ""
            )
            value = f"{fmt_pct(r['sample_share'])} ({fmt_pct(r['population_share'])})"
            parts.append(
                _row(r["category"], value, _bar(r["sample_share"], r["population_share"]), flag)
            )
    if parts:
        key = _("bar: share in the room · white mark and (brackets): share of the population")
        parts.append(f"<p class='muted'>{esc(key)}</p>")
    return parts


def _present_statements(panel: LivePanel) -> list[str]:
    t = _shown(panel, "statements", "statement_id")
    if t is None:
        return []
    votes = int(t.get_column("votes").sum())
    parts = [
        f"<p><span class='number'>{votes:,}</span><span class='unit'>"
        f"{esc(_('votes from {people} people').format(people=f'{panel.answered:,}'))}"
        "</span></p>"
    ]
    top = t.drop_nulls("agree_share").sort("agree_share", descending=True).head(3)
    if top.height:
        parts.append(f"<h3>{esc(_('Most agreed so far'))}</h3>")
        parts += [
            _row(r["text"], fmt_pct(r["agree_share"]), _bar(r["agree_share"]))
            for r in top.iter_rows(named=True)
        ]
    return parts


_PRESENT = {
    "questions": _present_questions,
    "evidence": _present_evidence,
    "ratings": _present_ratings,
    "panel": _present_panel,
    "population": _present_population,
    "statements": _present_statements,
    **priority_present(),
    **mapping_present(),
}


def present_html(panel: LivePanel) -> str:
    """One activity's live result for the projector: big numbers, plain bars, no controls.

    Pass the panel through :func:`~coprod_analytics.session.panels.screen_view` first, so
    that answers to open questions stay off the screen.

    Parameters
    ----------
    panel : LivePanel
        The numbers to show.

    Returns
    -------
    str
        Escaped HTML in a ``coprod-big`` block.

    Examples
    --------
    >>> p = LivePanel("ratings", "ratings", "How we rate buses", True, 1, 0, {},
    ...               "No answers yet.")
    >>> html = present_html(p)
    >>> "How we rate buses" in html and "No answers yet." in html
    True
    """
    who = (
        _("{n} people have voted · {state}")
        if panel.kind == "statements"
        else _("{n} people have answered · {state}")
    )
    state = _("open") if panel.is_open else _("closed")
    parts = [
        f"<h2>{esc(panel.title)}</h2>",
        f"<p class='muted'>{esc(who.format(n=f'{panel.answered:,}', state=state))}</p>",
    ]
    if panel.message:
        parts.append(f"<p>{esc(panel.message)}</p>")
    parts += [f"<p class='muted'>{esc(core_text(n))}</p>" for n in panel.notes]
    parts += _PRESENT.get(panel.kind, lambda p: [])(panel)
    return "<div class='coprod-big'>" + "".join(parts) + "</div>"
