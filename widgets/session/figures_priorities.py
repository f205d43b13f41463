"""HTML and figures of the priority activities' live panels: budget, pairwise, ranking, open
question (the numbers come from :mod:`coprod_analytics.session.panels_priorities`).

The charts are the preferences family's own: the budget explorer's
:func:`~coprod_widgets.preferences.figures.rules_figure` and
:func:`~coprod_widgets.preferences.figures.satisfaction_figure` (over a
:class:`~coprod_widgets.preferences.state.BudgetState` holding the panel's comparison, not
recomputed), and the ranking board's
:func:`~coprod_widgets.preferences.figures.strengths_figure` (Bradley–Terry strengths with
their intervals); the rankings side by side with ties come from
:meth:`RankingState.ranking_table <coprod_widgets.preferences.state.RankingState.ranking_table>`.
Every text from the session (project names, items, ideas, answers) is escaped
(:func:`~coprod_widgets.style.esc`) or made safe for plotly
(:func:`~coprod_widgets.style.hover_text`).
"""

from __future__ import annotations

import functools
from dataclasses import replace
from typing import Any

import polars as pl

from coprod_analytics.format import MISSING, fmt_amount, fmt_number, fmt_pct
from coprod_analytics.session.panels import LivePanel
from coprod_widgets.html import table_html
from coprod_widgets.i18n import N_, gettext_for, ngettext_for
from coprod_widgets.style import esc

_ = gettext_for("dashboard")
_n = ngettext_for("dashboard")

__all__ = [
    "RULE_NAMES",
    "bar_html",
    "priority_chart_builders",
    "priority_present",
    "priority_tables",
    "row_html",
]

#: Plain names of the live budgeting rules.
RULE_NAMES = {
    "greedy": N_("Greedy by votes"),
    "mes": N_("Equal Shares"),
    "mes+add1": N_("Equal Shares + add1"),
    "phragmen": N_("Phragmén"),
}


def _rule(rule: str) -> str:
    return _(RULE_NAMES[rule]) if rule in RULE_NAMES else rule


def bar_html(share: Any, mark: Any = None) -> str:
    """A present-mode bar filled to ``share`` (0 to 1), with an optional white mark.

    Parameters
    ----------
    share : float or None
        The fill.
    mark : float, optional
        Where the mark stands.

    Returns
    -------
    str

    Examples
    --------
    >>> "width:50.0%" in bar_html(0.5)
    True
    """
    fill = 0.0 if share is None else max(0.0, min(1.0, float(share)))
    tick = (
        ""
        if mark is None
        else f"<span class='mark' style='left:{100 * max(0.0, min(1.0, float(mark))):.1f}%'></span>"
    )
    return (
        f"<span class='bar'><span class='fill' style='width:{100 * fill:.1f}%'></span>{tick}</span>"
    )


def row_html(label: str, value: str, bar: str = "", flag: str = "") -> str:
    """One present-mode row: label, bar, value and a flag (label, value and flag escaped).

    Parameters
    ----------
    label, value : str
        Shown as text.
    bar : str, optional
        From :func:`bar_html`.
    flag : str, optional
        A short word in a box.

    Returns
    -------
    str

    Examples
    --------
    >>> "&lt;b&gt;" in row_html("<b>", "1")
    True
    """
    flag_html = (
        f"<span class='flag'>{esc(flag)}</span>" if flag else "<span class='flag none'></span>"
    )
    return (
        f"<div class='row'><span class='label'>{esc(label)}</span>{bar}"
        f"<span class='value'>{esc(value)}</span>{flag_html}</div>"
    )


# ------------------------------------------------------------------------------- tables
def _budget_counts(t: pl.DataFrame) -> str:
    r = t.row(0, named=True)
    ballots = _n("{n} ballot", "{n} ballots", r["ballots"]).format(n=f"{r['ballots']:,}")
    projects = _n("{n} project", "{n} projects", r["projects"]).format(n=f"{r['projects']:,}")
    line = _("{ballots} on {projects}; budget {budget}.").format(
        ballots=ballots, projects=projects, budget=fmt_amount(r["budget"])
    )
    return f"<p>{esc(line)}</p>"


def _budget_rules(t: pl.DataFrame) -> str:
    cost, left, voters = _("cost"), _("budget left"), _("voters with ≥1 funded project")
    rows = t.select(
        pl.col("rule").replace({k: _(v) for k, v in RULE_NAMES.items()}).alias(_("rule")),
        pl.col("funded").alias(_("projects funded")),
        pl.col("cost").alias(cost),
        pl.col("leftover_share").alias(left),
        pl.col("share_with_funded").alias(voters),
    )
    fmt = {
        cost: fmt_amount,
        left: lambda v: fmt_pct(v, 0),
        voters: lambda v: fmt_pct(v, 0),
    }
    return table_html(rows, caption=_("What each rule funds now"), formatters=fmt)


def _budget(t: pl.DataFrame) -> str:
    rules = [c for c in RULE_NAMES if c in t.columns and t[c].drop_nulls().len()]
    cost = _("cost")
    rows = t.sort("votes", "project_id", descending=[True, False]).select(
        pl.col("name").alias(_("project")),
        pl.col("cost").alias(cost),
        pl.col("votes").alias(_("voters")),
        *(pl.col(r).alias(_rule(r)) for r in rules),
    )
    fmt: dict[str, Any] = {_rule(r): (lambda v: "✓" if v else "") for r in rules}
    fmt[cost] = fmt_amount
    return table_html(rows, caption=_("Projects (✓ = funded under that rule)"), formatters=fmt)


def _pairwise_counts(t: pl.DataFrame) -> str:
    r = t.row(0, named=True)

    def count(one: str, many: str, key: str) -> str:
        return _n(one, many, r[key]).format(n=f"{r[key]:,}")

    line = _(
        "{comparisons} from {people} ({cant_decide} “can't decide”); {items} in the pool, "
        "{ideas} from participants;"
    ).format(
        comparisons=count("{n} comparison", "{n} comparisons", "comparisons"),
        people=count("{n} person", "{n} people", "raters"),
        cant_decide=f"{r['cant_decide']:,}",
        items=count("{n} item", "{n} items", "items"),
        ideas=count("{n} idea", "{n} ideas", "ideas_accepted"),
    )
    waiting = _n(
        "{n} idea waiting for moderation", "{n} ideas waiting for moderation", r["ideas_waiting"]
    ).format(n=f"{r['ideas_waiting']:,}")
    return f"<p>{esc(line)} <strong>{esc(waiting)}</strong>.</p>"


def _pairwise(t: pl.DataFrame) -> str:
    item, strength = _("item"), _("strength (95% interval)")
    chance, comparisons = _("chance to beat an average item"), _("comparisons")
    idea = " " + _("(idea)")
    rows = t.select(
        pl.col("rank").alias(_("rank")),
        pl.struct("text", "idea").alias(item),
        pl.struct("log_strength", "ci_low", "ci_high").alias(strength),
        pl.col("p_beats_average").alias(chance),
        pl.col("comparisons").alias(comparisons),
    )
    fmt = {
        item: lambda v: str(v["text"]) + (idea if v["idea"] else ""),
        strength: lambda v: (
            MISSING
            if v["log_strength"] is None
            else f"{v['log_strength']:+.2f} ({v['ci_low']:+.2f} to {v['ci_high']:+.2f})"
        ),
        chance: lambda v: fmt_pct(v, 0),
        comparisons: lambda v: "0" if v is None else fmt_number(v),
    }
    return table_html(
        rows, caption=_("Bradley–Terry ranking (log-strength, mean 0)"), formatters=fmt
    )


def _ranking_counts(t: pl.DataFrame) -> str:
    r = t.row(0, named=True)
    ballots = _n("{n} ballot", "{n} ballots", r["ballots"]).format(n=f"{r['ballots']:,}")
    line = _("{ballots} (each orders up to {k} items).").format(ballots=ballots, k=r["k"])
    return f"<p>{esc(line)}</p>"


def _ranking(t: pl.DataFrame) -> str:
    rows = t.select(
        pl.col("text").alias(_("item")),
        pl.col("schulze_rank").alias(_("Schulze rank")),
        pl.col("borda_score").alias(_("Borda points")),
        pl.col("copeland_score").alias(_("Copeland score")),
        pl.col("first_choices").alias(_("first choices")),
        pl.col("listed").alias(_("on ballots")),
    )
    return table_html(rows, caption=_("Items (tied items share a rank)"))


def _open_question(t: pl.DataFrame) -> str:
    rows = t.select(
        pl.col("text").alias(_("question")),
        pl.col("answers").alias(_("answers approved")),
        pl.col("waiting").alias(_("waiting for moderation")),
    )
    return table_html(rows, caption=_("Answers"))


def _answers(t: pl.DataFrame) -> str:
    items = "".join(
        f"<li>{esc(r['text'])} <span class='muted'>({esc(r['question'])})</span></li>"
        for r in t.iter_rows(named=True)
    )
    return f"<p><strong>{esc(_('Latest approved answers'))}</strong></p><ul>{items}</ul>"


def priority_tables() -> dict[str, Any]:
    """Per section of the priority panels, the function drawing its table (escaped HTML).

    Returns
    -------
    dict of str to callable
        ``section -> build(table) -> str``.

    Examples
    --------
    >>> t = pl.DataFrame({"activity_id": ["r"], "ballots": [2], "k": [3]})
    >>> priority_tables()["ranking_counts"](t)
    '<p>2 ballots (each orders up to 3 items).</p>'
    """
    return {
        "budget_counts": _budget_counts,
        "budget_rules": _budget_rules,
        "budget": _budget,
        "pairwise_counts": _pairwise_counts,
        "pairwise": _pairwise,
        "ranking_counts": _ranking_counts,
        "ranking": _ranking,
        "open_question": _open_question,
        "answers": _answers,
    }


def side_by_side(panel: LivePanel) -> pl.DataFrame | None:
    """Schulze, Borda and Copeland side by side (ties share a cell), by item text: the
    ranking board's :meth:`~coprod_widgets.preferences.state.RankingState.ranking_table`.

    Parameters
    ----------
    panel : LivePanel
        A ranking panel.

    Returns
    -------
    polars.DataFrame or None
        ``position`` and one column per rule; None before the rules have run.
    """
    from coprod_analytics.inquiry import Inquiry
    from coprod_widgets.preferences.state import RankingState

    found = panel.results.get("ranking")
    if not found:
        return None
    texts = dict(
        zip(panel.section("ranking")["item_id"], panel.section("ranking")["text"], strict=True)
    )
    state = RankingState(Inquiry(), compute=False)
    state.rankings = {
        m: replace(res, ranking=tuple(tuple(texts.get(i, i) for i in g) for g in res.ranking))
        for m, res in found.items()
    }
    return state.ranking_table()


def ranking_html(panel: LivePanel) -> str:
    """The rules side by side, with ties (see :func:`side_by_side`).

    Parameters
    ----------
    panel : LivePanel
        A ranking panel.

    Returns
    -------
    str
        Escaped HTML (empty before the rules have run).
    """
    table = side_by_side(panel)
    if table is None:
        return ""
    return table_html(table, caption=_("Schulze, Borda and Copeland side by side (= marks a tie)"))


# ------------------------------------------------------------------------------- figures
def priority_chart_builders(panel: LivePanel) -> list[tuple[str, pl.DataFrame, Any]]:
    """The charts of a priority panel: ``(key, data drawn, build)``, build giving a figure.

    Parameters
    ----------
    panel : LivePanel
        The live numbers.

    Returns
    -------
    list of tuple
        Budget: the explorer's rules and satisfaction figures; pairwise: the Bradley–Terry
        strengths with intervals; none for rankings and open questions.

    Examples
    --------
    >>> from coprod_analytics.session.panels import LivePanel
    >>> early = LivePanel("ideas", "pairwise", "Ideas", True, 1, 0, {}, "No comparisons yet.")
    >>> priority_chart_builders(early)  # nothing to draw yet
    []
    """
    out: list[tuple[str, pl.DataFrame, Any]] = []
    cmp = panel.results.get("budget")
    if panel.kind == "budget" and cmp is not None:
        data = panel.section("budget_rules")

        @functools.cache
        def state() -> Any:
            from coprod_analytics.inquiry import Inquiry
            from coprod_widgets.preferences.state import BudgetState

            inq = Inquiry(tables=panel.results["budget_tables"])
            s = BudgetState(
                inq, rules=list(cmp.outcomes), check_proportionality=False, compute=False
            )
            s.comparison = cmp
            return s

        def rules() -> Any:
            from coprod_widgets.preferences.figures import rules_figure

            return rules_figure(state())

        def satisfaction() -> Any:
            from coprod_widgets.preferences.figures import satisfaction_figure

            return satisfaction_figure(state())

        out += [("budget-rules", data, rules), ("budget-satisfaction", data, satisfaction)]
    bt = panel.results.get("pairwise")
    if panel.kind == "pairwise" and bt is not None:
        table = panel.section("pairwise").drop_nulls("log_strength")
        texts = dict(zip(table["item_id"], table["text"], strict=True))

        def strengths() -> Any:
            from coprod_analytics.inquiry import Inquiry
            from coprod_widgets.preferences.figures import strengths_figure
            from coprod_widgets.preferences.state import RankingState

            s = RankingState(Inquiry(), compute=False)
            s.bradley_terry = replace(bt, items=tuple(texts.get(str(i), str(i)) for i in bt.items))
            return strengths_figure(s)

        out.append(("pairwise", table, strengths))
    return out


# ------------------------------------------------------------------------------- present
def _big(n: int, what: str) -> str:
    return f"<p><span class='number'>{n:,}</span><span class='unit'>{esc(what)}</span></p>"


def _present_budget(panel: LivePanel) -> list[str]:
    counts = panel.section("budget_counts")
    parts = [] if not counts.height else [_big(int(counts["ballots"][0]), _("ballots"))]
    projects = panel.section("budget")
    if not projects.height:
        return parts
    names = dict(zip(projects["project_id"], projects["name"], strict=True))
    for r in panel.section("budget_rules").iter_rows(named=True):
        funded = (
            projects.filter(pl.col(r["rule"])).get_column("project_id").to_list()
            if r["rule"] in projects.columns
            else []
        )
        parts.append(f"<h3>{esc(_rule(r['rule']))}</h3>")
        parts.append(f"<p>{esc(', '.join(names[i] for i in funded) or _('nothing funded'))}</p>")
        spent = _("{cost} spent · {share} of voters get a project they chose").format(
            cost=fmt_amount(r["cost"]), share=fmt_pct(r["share_with_funded"], 0)
        )
        parts.append(f"<p class='muted'>{esc(spent)}</p>")
    return parts


def _present_pairwise(panel: LivePanel) -> list[str]:
    counts = panel.section("pairwise_counts")
    parts = [] if not counts.height else [_big(int(counts["comparisons"][0]), _("comparisons"))]
    ranked = panel.section("pairwise")
    ranked = ranked.drop_nulls("log_strength") if ranked.height else ranked
    if ranked.height:
        parts.append(f"<h3>{esc(_('Chance to beat an average item'))}</h3>")
        parts += [
            row_html(
                f"{r['rank']}. {r['text']}",
                fmt_pct(r["p_beats_average"], 0),
                bar_html(r["p_beats_average"]),
            )
            for r in ranked.head(10).iter_rows(named=True)
        ]
    return parts


def _present_ranking(panel: LivePanel) -> list[str]:
    counts = panel.section("ranking_counts")
    parts = [] if not counts.height else [_big(int(counts["ballots"][0]), _("ballots"))]
    table = side_by_side(panel)
    if table is not None and table.height:
        for col in table.columns[1:]:
            top = table[col][0]
            parts.append(
                f"<h3>{esc(col)}</h3><p>{esc(_('first:'))} <strong>{esc(top)}</strong></p>"
            )
    return parts


def _present_open_question(panel: LivePanel) -> list[str]:
    counts = panel.section("open_question")
    parts = [] if not counts.height else [_big(int(counts["answers"].sum()), _("answers approved"))]
    answers = panel.section("answers")
    parts += [f"<p>“{esc(r['text'])}”</p>" for r in answers.iter_rows(named=True)]
    return parts


def priority_present() -> dict[str, Any]:
    """Per priority kind, the present-mode fragments of a panel (pass it through
    :func:`~coprod_analytics.session.panels.screen_view` first).

    Returns
    -------
    dict of str to callable
        ``kind -> parts(panel) -> list of str``.

    Examples
    --------
    >>> sorted(priority_present())
    ['budget', 'open_question', 'pairwise', 'ranking']
    """
    return {
        "budget": _present_budget,
        "pairwise": _present_pairwise,
        "ranking": _present_ranking,
        "open_question": _present_open_question,
    }
