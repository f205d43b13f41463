"""Figures and HTML of the budget explorer and the ranking board (shared by the widgets and
the static report).

Pure formatting of :mod:`coprod_widgets.preferences.state` tables: every value from the data
goes through :func:`~coprod_widgets.style.esc` (HTML) or
:func:`~coprod_widgets.style.hover_text` (plotly labels), and every chart has a text
alternative (:func:`~coprod_widgets.html.alt_table`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import polars as pl

from coprod_widgets.core_text import core_text
from coprod_widgets.figure import new_figure, vline
from coprod_widgets.html import alt_table, pct, table_html
from coprod_widgets.i18n import fmt_amount, fmt_pct, gettext_for
from coprod_widgets.style import esc, group_colour, hover_text

if TYPE_CHECKING:  # pragma: no cover
    import plotly.graph_objects as go

    from coprod_widgets.preferences.state import BudgetState, RankingState

__all__ = [
    "budget_header_html",
    "next_pairs_html",
    "projects_html",
    "ranking_html",
    "rules_alt",
    "rules_figure",
    "rules_html",
    "satisfaction_alt",
    "satisfaction_figure",
    "strengths_alt",
    "strengths_figure",
]

_ = gettext_for("report")


def _yes_no(value: Any) -> str:
    return _("not checked") if value is None else (_("yes") if value else _("NO"))


# ---------------------------------------------------------------------------- budgets
def budget_header_html(state: BudgetState) -> str:
    """The election in one paragraph: ballots, projects, voters, budget (and a what-if).

    Parameters
    ----------
    state : BudgetState
        The budget explorer's state.

    Returns
    -------
    str
        An HTML fragment.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> from coprod_widgets.preferences.state import BudgetState
    >>> state = BudgetState(pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]],
    ...                                 budget=1).to_inquiry())
    >>> "3 voters" in budget_header_html(state)
    True
    """
    e = state.election
    what_if = (
        " <strong>"
        + _(
            "What-if: the rules below run with a budget of {budget} ({share} of the real one)."
        ).format(budget=fmt_amount(state.budget), share=fmt_pct(state.budget / state.base_budget))
        + "</strong>"
        if state.budget != state.base_budget
        else ""
    )
    rule = e.meta.get("rule")
    rule_txt = " " + _("The city's rule: {rule}.").format(rule=esc(rule)) if rule else ""
    return (
        f'<div class="coprod"><p><strong dir="auto">{esc(state.title)}</strong>: '
        + _("{voters} voters, {kind} ballots, {projects} projects, budget {budget}.").format(
            voters=fmt_amount(e.n_voters),
            kind=esc(e.vote_type),
            projects=e.n_projects,
            budget=fmt_amount(state.base_budget),
        )
        + f"{rule_txt}{what_if}</p></div>"
    )


def rules_html(state: BudgetState) -> str:
    """The rules side by side: funded projects, money spent, voters served, EJR/PJR.

    Parameters
    ----------
    state : BudgetState
        The budget explorer's state.

    Returns
    -------
    str
        An HTML fragment (a table and a note).

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> from coprod_widgets.preferences.state import BudgetState
    >>> state = BudgetState(pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]],
    ...                                 budget=1).to_inquiry())
    >>> "What each rule would fund" in rules_html(state)
    True
    """
    table = state.rules_table()
    frame = table.select(
        "rule",
        # translated here, in this thread (the language is a context variable)
        pl.Series("description", [_(d) for d in table["description"]], dtype=pl.String),
        pl.col("funded").alias("projects funded"),
        pl.col("cost").alias("cost"),
        pl.col("leftover_share").alias("budget left"),
        pl.col("share_with_funded").alias("voters with ≥1 funded project"),
        pl.col("mean_funded").round(2).alias("funded projects per voter (mean)"),
        pl.col("gini").round(3).alias("Gini of funded projects per voter"),
        "ejr",
        "pjr",
    )
    fmt = {
        "cost": fmt_amount,
        "budget left": pct,
        "voters with ≥1 funded project": pct,
        "ejr": _yes_no,
        "pjr": _yes_no,
    }
    if not state.approval:
        frame = frame.drop("ejr", "pjr")
    note = (
        "<p class='muted'>"
        + _(
            "EJR / PJR (extended / proportional justified representation): every group of "
            "voters large enough to afford projects they all approve gets enough of what they "
            "approve. Checked for approval ballots only."
        )
        + "</p>"
        if state.approval
        else "<p class='muted'>"
        + _("EJR / PJR are defined for approval ballots; these are {kind} ballots.").format(
            kind=esc(state.vote_type)
        )
        + "</p>"
    )
    return (
        '<div class="coprod">'
        + table_html(
            frame,
            caption=_("What each rule would fund"),
            aria_label=_("Rules compared"),
            formatters=fmt,
        )
        + note
        + "</div>"
    )


def projects_html(state: BudgetState, *, max_rows: int = 40) -> str:
    """The projects with a tick per rule that funds them (most supported first).

    Parameters
    ----------
    state : BudgetState
        The budget explorer's state.
    max_rows : int, default 40
        Rows shown.

    Returns
    -------
    str
        An HTML fragment.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> from coprod_widgets.preferences.state import BudgetState
    >>> state = BudgetState(pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]],
    ...                                 budget=1).to_inquiry())
    >>> "✓" in projects_html(state)
    True
    """
    table = state.projects_table()
    rules = [
        c for c in table.columns if c not in ("project_id", "name", "cost", "votes", "funded_by")
    ]
    fmt: dict[str, Any] = {r: (lambda v: "✓" if v else "") for r in rules}
    fmt["cost"] = fmt_amount
    fmt["votes"] = lambda v: (
        _("fewer than {n}").format(n=state.min_cell) if v is None else fmt_amount(v)
    )
    frame = table.with_columns(
        pl.col("name").map_elements(lambda s: s[:80], return_dtype=pl.String)
    )
    return (
        '<div class="coprod">'
        + table_html(
            frame,
            caption=_("Projects (✓ = funded under that rule)"),
            aria_label=_("Projects funded under each rule"),
            max_rows=max_rows,
            formatters=fmt,
        )
        + "</div>"
    )


#: Bar series of the budget charts: each its own colour (Okabe-Ito, the sky blue left out as
#: too close to the blue) AND its own fill pattern, so that colour is never the only cue.
SERIES_COLOURS = ("#0072B2", "#E69F00", "#CC79A7", "#000000", "#009E73", "#F0E442")
SERIES_PATTERNS = ("", "/", ".", "x", "-", "+")


def _series_marker(k: int) -> dict[str, Any]:
    """Colour and fill pattern of the ``k``-th bar series (cycling)."""
    colour = SERIES_COLOURS[k % len(SERIES_COLOURS)]
    shape = SERIES_PATTERNS[k % len(SERIES_PATTERNS)]
    return {
        "color": colour,
        "line": {"color": "#222", "width": 1},
        "pattern": {"shape": shape, "fgcolor": "#fff" if k % 6 == 3 else "#222", "solidity": 0.3},
    }


def rules_figure(state: BudgetState, *, height: int = 340) -> go.Figure:
    """Per rule: the share of voters with at least one funded project and the share of the
    budget spent (horizontal bars).

    Parameters
    ----------
    state : BudgetState
        The budget explorer's state.
    height : int, default 340
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> from coprod_widgets.preferences.state import BudgetState
    >>> state = BudgetState(pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]],
    ...                                 budget=1).to_inquiry())
    >>> len(rules_figure(state).data) == 2
    True
    """
    import plotly.graph_objects as go

    table = state.rules_table()
    rules = table["rule"].to_list()
    traces = []
    for k, (col, name) in enumerate(
        (
            ("share_with_funded", _("Voters with ≥1 funded project")),
            ("spent", _("Budget spent")),
        )
    ):
        values = (1 - table["leftover_share"]).to_list() if col == "spent" else table[col].to_list()
        traces.append(
            go.Bar(
                y=[hover_text(r) for r in rules],
                x=values,
                name=name,
                orientation="h",
                marker=_series_marker(k),
                # a direct label on every bar: the series' name and value, not colour alone
                text=[f"{_('served') if k == 0 else _('spent')} {pct(v)}" for v in values],
                textposition="auto",
                cliponaxis=False,
                hovertemplate="%{y}: %{x:.0%}<extra>" + name + "</extra>",
            )
        )
    return new_figure(
        traces,
        title=_("Whom each rule serves, and how much it spends"),
        height=height,
        barmode="group",
        xaxis={"tickformat": ".0%", "range": [0, 1]},
        yaxis={"autorange": "reversed"},
    )


def rules_alt(state: BudgetState) -> str:
    """Text alternative of :func:`rules_figure`: voters served and budget spent per rule.

    Parameters
    ----------
    state : BudgetState
        The budget explorer's state.

    Returns
    -------
    str
        An HTML table.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> from coprod_widgets.preferences.state import BudgetState
    >>> state = BudgetState(pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]],
    ...                                 budget=1).to_inquiry())
    >>> "budget spent" in rules_alt(state)
    True
    """
    table = state.rules_table().select(
        "rule",
        pl.col("share_with_funded").alias("voters with ≥1 funded project"),
        (1 - pl.col("leftover_share")).alias("budget spent"),
    )
    return alt_table(
        table,
        summary=_("Text alternative: voters served and budget spent per rule"),
        label=_("Voters served and budget spent per rule"),
        formatters={"voters with ≥1 funded project": pct, "budget spent": pct},
    )


def satisfaction_figure(state: BudgetState, *, height: int = 340) -> go.Figure:
    """Share of voters by number of funded projects on their ballot, one bar series per
    rule (suppressed cells left out).

    Parameters
    ----------
    state : BudgetState
        The budget explorer's state.
    height : int, default 340
        Pixels.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> from coprod_widgets.preferences.state import BudgetState
    >>> state = BudgetState(pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]],
    ...                                 budget=1).to_inquiry())
    >>> len(satisfaction_figure(state).data) == len(state.analyses())
    True
    """
    import plotly.graph_objects as go

    long = state.satisfaction_long()
    traces = []
    for k, rule in enumerate(dict.fromkeys(long["rule"].to_list())):
        part = long.filter((pl.col("rule") == rule) & pl.col("share").is_not_null())
        traces.append(
            go.Bar(
                x=part["n_funded"].to_list(),
                y=part["share"].to_list(),
                name=hover_text(rule),
                marker=_series_marker(k),
                hovertemplate=_("%{x} funded: %{y:.1%} of voters")
                + "<extra>"
                + hover_text(rule)
                + "</extra>",
            )
        )
    return new_figure(
        traces,
        title=_("How many of their projects voters got"),
        height=height,
        barmode="group",
        xaxis={"title": {"text": _("funded projects on a voter's ballot")}, "dtick": 1},
        yaxis={"title": {"text": _("share of voters")}, "tickformat": ".0%"},
    )


def satisfaction_alt(state: BudgetState) -> str:
    """Text alternative of :func:`satisfaction_figure`: shares of voters by funded
    projects, per rule.

    Parameters
    ----------
    state : BudgetState
        The budget explorer's state.

    Returns
    -------
    str
        An HTML table.

    Examples
    --------
    >>> from coprod_analytics.io.pabulib import pb_election
    >>> from coprod_widgets.preferences.state import BudgetState
    >>> state = BudgetState(pb_election({"a": 1, "b": 1}, [["a"], ["a"], ["b"]],
    ...                                 budget=1).to_inquiry())
    >>> "n_funded" in satisfaction_alt(state)
    True
    """
    long = state.satisfaction_long()
    wide = long.pivot(on="rule", index="n_funded", values="share").sort("n_funded")
    fmt = {c: pct for c in wide.columns if c != "n_funded"}
    return alt_table(
        wide,
        summary=_(
            "Text alternative: share of voters by number of funded projects, per rule (blank: "
            "fewer than the small-cell threshold)"
        ),
        label=_("Share of voters by number of funded projects"),
        formatters=fmt,
    )


# ---------------------------------------------------------------------------- rankings
def ranking_html(state: RankingState) -> str:
    """The ranked-ballot rules side by side (ties shown) and the winners in words.

    Parameters
    ----------
    state : RankingState
        The ranking board's state.

    Returns
    -------
    str
        An HTML fragment (empty without ranked ballots).

    Examples
    --------
    >>> from coprod_analytics import Inquiry
    >>> from coprod_analytics.preferences import ballots_from_orders
    >>> from coprod_widgets.preferences.state import RankingState
    >>> state = RankingState(Inquiry(tables={"rankings": ballots_from_orders(["ab", "ba", "ab"]),
    ...     "pairwise": {"winner": ["a", "a", "b"], "loser": ["b", "b", "a"]}}))
    >>> "3 ranked ballots" in ranking_html(state)
    True
    """
    if not state.rankings:
        return ""
    if state.rankings_suppressed():
        return (
            "<div class='coprod'><p class='muted'>"
            + _("Rankings from fewer than {n} ballots are not shown.").format(n=state.min_cell)
            + "</p></div>"
        )
    lines = []
    for method, res in state.rankings.items():
        from coprod_widgets.preferences.state import RANKING_RULES

        who = ", ".join(esc(w) for w in res.winners)
        tie = " " + _("(a tie)") if res.tied else ""
        lines.append(f"<li>{esc(RANKING_RULES[method])}: <span dir='auto'>{who}</span>{tie}</li>")
    agree = len({tuple(r.winners) for r in state.rankings.values()}) == 1
    verdict = (
        _("All four rules agree on the winner.")
        if agree
        else _("The rules disagree on the winner: the choice of rule matters here.")
    )
    notes = "".join(
        f"<p class='muted'>{esc(_('Note:'))} {esc(n)}</p>" for n in state.notes if "Kemeny" in n
    )
    ballots = _("{n} ranked ballots.").format(n=fmt_amount(state.n_ballots))
    return (
        f'<div class="coprod"><p>{ballots} {verdict}</p>'
        f"<ul>{''.join(lines)}</ul>"
        + table_html(
            state.ranking_table(),
            caption=_("Rankings side by side (= marks a tie)"),
            aria_label=_("Rankings side by side"),
        )
        + notes
        + "</div>"
    )


def strengths_figure(state: RankingState, *, height: int | None = None) -> go.Figure:
    """Forest plot of Bradley–Terry log-strengths with their intervals, strongest on top.

    Parameters
    ----------
    state : RankingState
        The ranking board's state.
    height : int, optional
        Pixels (default: from the number of items).

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> from coprod_analytics import Inquiry
    >>> from coprod_analytics.preferences import ballots_from_orders
    >>> from coprod_widgets.preferences.state import RankingState
    >>> state = RankingState(Inquiry(tables={"rankings": ballots_from_orders(["ab", "ba", "ab"]),
    ...     "pairwise": {"winner": ["a", "a", "b"], "loser": ["b", "b", "a"]}}))
    >>> strengths_figure(state).data[0].y == ("a", "b")
    True
    """
    import plotly.graph_objects as go

    table = state.strengths_table()
    items = [hover_text(i, width=40, max_lines=1) for i in table["item_id"].to_list()]
    theta = table["log_strength"].to_numpy()
    lo = table["ci_low"].to_numpy()
    hi = table["ci_high"].to_numpy()
    return new_figure(
        go.Scatter(
            x=theta,
            y=items,
            mode="markers",
            marker={"color": group_colour(0), "size": 9},
            error_x={
                "type": "data",
                "symmetric": False,
                "array": hi - theta,
                "arrayminus": theta - lo,
                "color": group_colour(0),
            },
            name=_("log-strength"),
            hovertemplate="%{y}: %{x:.2f}<extra></extra>",
        ),
        title=_("Bradley–Terry strengths from pairwise comparisons"),
        height=height or max(260, 60 + 26 * len(items)),
        shapes=[vline(0, {"color": "#999", "dash": "dot"})],
        yaxis={"autorange": "reversed"},
        xaxis={
            "title": {
                "text": _("log-strength (mean 0) with {level} interval").format(
                    level=fmt_pct(1 - state.alpha)
                )
            }
        },
    )


def strengths_alt(state: RankingState) -> str:
    """Text alternative of :func:`strengths_figure`: the strengths with their intervals.

    Parameters
    ----------
    state : RankingState
        The ranking board's state.

    Returns
    -------
    str
        An HTML table.

    Examples
    --------
    >>> from coprod_analytics import Inquiry
    >>> from coprod_analytics.preferences import ballots_from_orders
    >>> from coprod_widgets.preferences.state import RankingState
    >>> state = RankingState(Inquiry(tables={"rankings": ballots_from_orders(["ab", "ba", "ab"]),
    ...     "pairwise": {"winner": ["a", "a", "b"], "loser": ["b", "b", "a"]}}))
    >>> "log_strength" in strengths_alt(state)
    True
    """
    table = state.strengths_table().select(
        "rank",
        "item_id",
        pl.col("log_strength").round(3),
        pl.col("ci_low").round(3),
        pl.col("ci_high").round(3),
        "p_beats_average",
        "comparisons",
    )
    return alt_table(
        table,
        summary=_(
            "Text alternative: Bradley–Terry strengths of {n} items with {level} intervals"
        ).format(n=table.height, level=fmt_pct(1 - state.alpha)),
        label=_("Bradley–Terry strengths"),
        formatters={"p_beats_average": pct},
    )


def next_pairs_html(state: RankingState) -> str:
    """The pair(s) to ask about next, in words and as a table.

    Parameters
    ----------
    state : RankingState
        The ranking board's state.

    Returns
    -------
    str
        An HTML fragment (empty without pairwise data).

    Examples
    --------
    >>> from coprod_analytics import Inquiry
    >>> from coprod_analytics.preferences import ballots_from_orders
    >>> from coprod_widgets.preferences.state import RankingState
    >>> state = RankingState(Inquiry(tables={"rankings": ballots_from_orders(["ab", "ba", "ab"]),
    ...     "pairwise": {"winner": ["a", "a", "b"], "loser": ["b", "b", "a"]}}))
    >>> "Ask next" in next_pairs_html(state)
    True
    """
    pairs = state.next_pairs_table()
    if pairs.height == 0:
        return ""
    first = pairs.row(0, named=True)
    regularised = any("regularised" in n for n in state.notes)
    note = "".join(
        f"<p class='muted'>{esc(_('Note:'))} {esc(core_text(n))}</p>"
        for n in state.notes
        if "regularised" in n
    )
    return (
        '<div class="coprod">'
        + "<p>"
        + _(
            "<strong>Ask next:</strong> {a} vs {b} (predicted {share} for {a}): the comparison "
            "that would most reduce the uncertainty of the strengths."
        ).format(
            a=esc(first["item_a"]),
            b=esc(first["item_b"]),
            share=pct(first["p_a_wins"]),
        )
        + "</p>"
        + table_html(
            pairs,
            caption=_("Most informative next pairs"),
            aria_label=_("Most informative next pairs"),
            formatters={"p_a_wins": pct},
        )
        + (note if regularised else "")
        + "</div>"
    )
