"""The live numbers of the priority activities: budget ballot, pairwise, ranking, open question.

The computations behind :func:`~coprod_analytics.session.panels.live_panel` for the kinds of
:mod:`coprod_analytics.session.priorities`, through the preferences family's public
functions, so the exported inquiry (and the exported ``.pb``) reproduces every number:

=================  ==========================================================================
activity kind      sections (and the core function behind them)
=================  ==========================================================================
``budget``         ``budget_counts``: ballots, projects, budget; ``budget``: per project its
                   cost, voters (and points) and whether each rule funds it;
                   ``budget_rules``: per rule the projects funded, cost, budget left and share
                   of voters with a funded project
                   (:func:`~coprod_analytics.preferences.budgeting.compare_budget_rules` with
                   greedy, Method of Equal Shares, Equal Shares completed by ``add1`` and
                   sequential Phragmén: :data:`LIVE_BUDGET_RULES`)
``pairwise``       ``pairwise_counts``: comparisons, "can't decide" answers, raters, ideas
                   accepted and waiting for moderation; ``pairwise``: the Bradley–Terry
                   log-strength of every item of the pool with its 95% interval
                   (:func:`~coprod_analytics.preferences.pairwise.bradley_terry_pairwise`)
``ranking``        ``ranking_counts``: ballots; ``ranking``: per item its Schulze, Borda and
                   Copeland rank (tied items share a rank) and score, and first choices
                   (:func:`~coprod_analytics.preferences.rankings.rank_ballots`)
``open_question``  ``open_question``: answers accepted and waiting per question;
                   ``answers``: the latest accepted answers (text as given: escape it)
=================  ==========================================================================

Equal Shares completed by ``add1`` reruns the rule once per currency unit added to every
voter's budget: with a handful of ballots on a large budget that can be tens of thousands of
runs (4 s measured with 3 ballots on a 435,600 budget; each run takes about 0.2 ms, so even
the 1,700 runs of 3 ballots on the sample's 100,000 budget held every refresh of the dashboard
for 0.35 s). It is computed once a bound on those runs (the largest cost per supporter of a
supported project, less the equal share) is at most :data:`ADD1_MAX_ROUNDS` (about 20 ms);
until then a note says so (``coprod budget --rule mes --completion
add1`` gives it on the export at any time).

Pure polars and the core's functions: no widgets.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError

__all__ = [
    "ADD1_MAX_ROUNDS",
    "LIVE_BUDGET_RULES",
    "PAIRWISE_FALLBACK_L2",
    "PRIORITY_KEYS",
    "PRIORITY_SCHEMAS",
    "RANKING_METHODS",
    "SHOWN_ANSWERS",
    "priority_computations",
]

log = logging.getLogger("coprod_analytics.session.panels")

#: The budgeting rules of the live panel: (label, rule, utility, completion).
LIVE_BUDGET_RULES: tuple[tuple[str, str, str, str], ...] = (
    ("greedy", "greedy", "cost", "none"),
    ("mes", "mes", "cost", "none"),
    ("mes+add1", "mes", "cost", "add1"),
    ("phragmen", "phragmen", "cost", "none"),
)
#: Most estimated reruns of Equal Shares' ``add1`` completion computed live.
ADD1_MAX_ROUNDS = 100
#: L2 penalty of the Bradley–Terry fit when the comparisons do not connect every item both
#: ways (the plain estimate does not exist), as the ranking board uses.
PAIRWISE_FALLBACK_L2 = 0.1
#: The ranked-ballot rules of the live ranking panel, in the order shown.
RANKING_METHODS = ("schulze", "borda", "copeland")
#: Accepted open answers listed, newest first.
SHOWN_ANSWERS = 12

_S, _I, _F, _B = pl.String, pl.Int64, pl.Float64, pl.Boolean
#: The columns of every section of this module.
PRIORITY_SCHEMAS: dict[str, dict[str, Any]] = {
    "budget_counts": {"activity_id": _S, "ballots": _I, "projects": _I, "budget": _F},
    "budget": {"project_id": _S, "name": _S, "cost": _F, "votes": _I, "score": _F}
    | {label: _B for label, *_ in LIVE_BUDGET_RULES},
    "budget_rules": {"rule": _S, "funded": _I, "cost": _F}
    | dict.fromkeys(("leftover_share", "share_with_funded", "mean_funded"), _F),
    "pairwise_counts": {"activity_id": _S}
    | dict.fromkeys(
        ("comparisons", "cant_decide", "raters", "items", "ideas_accepted", "ideas_waiting"), _I
    ),
    "pairwise": {"item_id": _S, "text": _S, "idea": _B, "rank": _I}
    | dict.fromkeys(("log_strength", "ci_low", "ci_high", "p_beats_average"), _F)
    | dict.fromkeys(("wins", "comparisons"), _F),
    "ranking_counts": {"activity_id": _S, "ballots": _I, "k": _I},
    "ranking": {"item_id": _S, "text": _S}
    | {f"{m}_rank": _I for m in RANKING_METHODS}
    | {f"{m}_score": _F for m in RANKING_METHODS}
    | {"first_choices": _I, "listed": _I},
    "open_question": {"question_id": _S, "text": _S, "answers": _I, "waiting": _I},
    "answers": {"text_id": _I, "question_id": _S, "question": _S, "text": _S, "time": _S},
}
#: Per section: the id column, round column and category column of its long form.
PRIORITY_KEYS: dict[str, tuple[str, str | None, str | None]] = {
    "budget_counts": ("activity_id", None, None),
    "budget": ("project_id", None, None),
    "budget_rules": ("rule", None, None),
    "pairwise_counts": ("activity_id", None, None),
    "pairwise": ("item_id", None, None),
    "ranking_counts": ("activity_id", None, None),
    "ranking": ("item_id", None, None),
    "open_question": ("question_id", None, None),
    "answers": ("text_id", None, "question_id"),
}


def _frame(section: str, rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = PRIORITY_SCHEMAS[section]
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in rows], schema=schema, orient="row")


def _as_bool(col: pl.Series) -> pl.Series:
    """A ``tie`` column as booleans: true/false text (the inquiry schema), 0/1 or bool."""
    if col.dtype == pl.Boolean:
        return col.fill_null(False)
    if col.dtype.is_numeric():
        return (col.fill_null(0) != 0).alias(col.name)
    low = col.cast(pl.String).str.strip_chars().str.to_lowercase()
    return low.is_in(["true", "1", "yes"]).fill_null(False).alias(col.name)


# ---------------------------------------------------------------------------------- budget
def _add1_rounds(election: Any) -> float:
    """A bound on the reruns of Equal Shares' add1 completion (see the module docstring)."""
    import numpy as np

    n = election.n_voters
    if n == 0:
        return 0.0
    support = np.bincount(election.ballots.project_index, minlength=election.n_projects)
    costs = np.asarray(election.costs, dtype=float)
    has = support > 0
    if not has.any():
        return 0.0
    per_supporter = float((costs[has] / support[has]).max())
    return max(0.0, per_supporter - float(election.budget) / n)


def _budget(live: Any) -> None:
    from coprod_analytics.io.pabulib import election_from_tables
    from coprod_analytics.preferences.budgeting import compare_budget_rules

    act = live.act
    t = live.tables
    projects, votes = t.get("budget_projects"), t.get("budget_votes")
    ids = [str(it["item_id"]) for it in act.items]
    budget = float(act.settings.get("budget") or 0.0)
    ballots = 0 if votes is None or not votes.height else votes["participant_id"].n_unique()
    live.n_rows = live.answered = ballots
    live.sections["budget_counts"] = _frame(
        "budget_counts",
        [
            {
                "activity_id": act.activity_id,
                "ballots": ballots,
                "projects": len(ids),
                "budget": budget,
            }
        ],
    )
    if projects is None or projects["project_id"].cast(pl.String).to_list() != ids:
        live.notes.append(
            "Only the session's first budget ballot is counted live (one election per inquiry)."
        )
        live.sections["budget"] = _frame("budget", [])
        return
    names = {str(it["item_id"]): str(it.get("text") or it["item_id"]) for it in act.items}
    costs = {str(it["item_id"]): float(it.get("cost") or 0.0) for it in act.items}
    counts = {} if votes is None or not votes.height else _count(votes, "project_id")
    rows: dict[str, dict[str, Any]] = {
        i: {"project_id": i, "name": names[i], "cost": costs[i], "votes": counts.get(i, 0)}
        for i in ids
    }
    if ballots >= live.min_answers:
        live.ready = True
        tables = {k: t[k] for k in ("budget_projects", "budget_votes", "budget_meta") if k in t}
        election = election_from_tables(tables)
        rules = list(LIVE_BUDGET_RULES)
        bound = _add1_rounds(election)
        if bound > ADD1_MAX_ROUNDS:
            rules = [r for r in rules if r[0] != "mes+add1"]
            live.notes.append(
                "Equal Shares completed by add1 appears once more ballots are in (it would "
                f"rerun Equal Shares up to about {math.ceil(bound):,} times now)."
            )
        cmp = compare_budget_rules(election, rules=rules)
        live.results["budget"] = cmp
        live.results["budget_tables"] = tables
        for r in cmp.projects.iter_rows(named=True):
            rows[str(r["project_id"])].update(
                {"score": r["score"], **{label: r[label] for label in cmp.outcomes}}
            )
        live.sections["budget_rules"] = _frame(
            "budget_rules",
            [
                {
                    "rule": label,
                    "funded": a.n_selected,
                    "cost": a.to_frame()["total_cost"][0],
                    "leftover_share": a.to_frame()["leftover_share"][0],
                    "share_with_funded": a.to_frame()["share_with_funded"][0],
                    "mean_funded": a.to_frame()["mean_funded"][0],
                }
                for label, a in cmp.analyses.items()
            ],
        )
    live.sections["budget"] = _frame("budget", list(rows.values()))


def _count(table: pl.DataFrame, key: str) -> dict[str, int]:
    return {str(k): int(n) for k, n in table.group_by(key).len().iter_rows()}


# ---------------------------------------------------------------------------------- pairwise
def _pairwise(live: Any) -> None:
    from coprod_analytics.preferences.pairwise import bradley_terry_pairwise

    act = live.act
    pool = act.pool()
    keys = [str(it["item_id"]) for it in pool]
    table = live.tables.get("pairwise")
    comps = pl.DataFrame(schema={"participant_id": _I, "winner": _S, "loser": _S, "tie": _B})
    if table is not None and table.height:
        comps = table.select(
            pl.col("participant_id").cast(_I),
            pl.col("winner").cast(_S),
            pl.col("loser").cast(_S),
            (
                _as_bool(table["tie"])
                if "tie" in table.columns
                else pl.Series("tie", [False] * table.height)
            ),
        ).filter(pl.col("winner").is_in(keys) & pl.col("loser").is_in(keys))
    live.n_rows = comps.height
    live.answered = comps["participant_id"].n_unique()
    ideas = [it for it in pool if it.get("idea")]
    live.sections["pairwise_counts"] = _frame(
        "pairwise_counts",
        [
            {
                "activity_id": act.activity_id,
                "comparisons": comps.height,
                "cant_decide": int(comps["tie"].sum()),
                "raters": comps["participant_id"].n_unique(),
                "items": len(pool),
                "ideas_accepted": len(ideas),
                "ideas_waiting": live.pending,
            }
        ],
    )
    fitted: dict[str, dict[str, Any]] = {}
    compared = set(comps["winner"].to_list()) | set(comps["loser"].to_list())
    if comps.height >= live.min_answers and len(compared) >= 2:
        live.ready = True
        try:
            bt = bradley_terry_pairwise(comps, l2=0.0)
        except ValidationError as exc:
            if "strongly connected" not in str(exc):
                raise
            bt = bradley_terry_pairwise(comps, l2=PAIRWISE_FALLBACK_L2)
            live.notes.append(
                "Not every item has both won and lost against the rest yet, so the plain "
                "estimate does not exist: the strengths shown are regularised (L2 penalty "
                f"{PAIRWISE_FALLBACK_L2:g})."
            )
        live.results["pairwise"] = bt
        live.parameters["l2"] = bt.l2
        f = bt.to_frame().with_columns(p_beats_average=1 / (1 + (-pl.col("log_strength")).exp()))
        fitted = {str(r["item_id"]): r for r in f.iter_rows(named=True)}
    rows = [
        {
            **fitted.get(k, {}),
            "item_id": k,
            "text": str(it.get("text") or k),
            "idea": bool(it.get("idea", False)),
        }
        for k, it in zip(keys, pool, strict=True)
    ]
    live.sections["pairwise"] = _frame("pairwise", rows).sort(
        "rank", "item_id", nulls_last=True, maintain_order=True
    )


# ---------------------------------------------------------------------------------- ranking
def _ranking(live: Any) -> None:
    from coprod_analytics.preferences.rankings import rank_ballots

    act = live.act
    keys = [str(it["item_id"]) for it in act.items]
    table = live.tables.get("rankings")
    ballots = pl.DataFrame(schema={"participant_id": _I, "item_id": _S, "rank": _I})
    if table is not None and table.height:
        ballots = table.select(
            pl.col("participant_id").cast(_I), pl.col("item_id").cast(_S), pl.col("rank").cast(_I)
        ).filter(pl.col("item_id").is_in(keys))
    n = ballots["participant_id"].n_unique()
    live.n_rows = live.answered = n
    k = int(act.settings.get("k") or len(keys))
    live.sections["ranking_counts"] = _frame(
        "ranking_counts", [{"activity_id": act.activity_id, "ballots": n, "k": k}]
    )
    rows: dict[str, dict[str, Any]] = {
        key: {"item_id": key, "text": str(it.get("text") or key)}
        for key, it in zip(keys, act.items, strict=True)
    }
    first = _count(ballots.filter(pl.col("rank") == 1), "item_id") if n else {}
    listed = _count(ballots, "item_id") if n else {}
    for key, r in rows.items():
        r["first_choices"], r["listed"] = first.get(key, 0), listed.get(key, 0)
    if n >= live.min_answers:
        live.ready = True
        found = {m: rank_ballots(ballots, method=m, items=keys) for m in RANKING_METHODS}
        live.results["ranking"] = found
        for m, res in found.items():
            for item, score, rank in res.scores.select("item_id", "score", "rank").iter_rows():
                rows[str(item)].update({f"{m}_rank": rank, f"{m}_score": score})
    live.sections["ranking"] = _frame("ranking", list(rows.values())).sort(
        "schulze_rank", "item_id", nulls_last=True, maintain_order=True
    )


# ---------------------------------------------------------------------------------- open question
def _open_question(live: Any) -> None:
    act = live.act
    keys = [str(it["item_id"]) for it in act.items]
    texts = {str(it["item_id"]): str(it.get("text") or it["item_id"]) for it in act.items}
    table = live.tables.get("free_text")
    ft = pl.DataFrame(
        schema={
            "text_id": _I,
            "participant_id": _I,
            "question_id": _S,
            "text": _S,
            "time": _S,
            "moderation": _I,
        }
    )
    if table is not None and table.height:
        ft = table.select(
            pl.col("text_id").cast(_I),
            pl.col("participant_id").cast(_I),
            pl.col("question_id").cast(_S),
            pl.col("text").cast(_S),
            pl.col("time").cast(_S),
            (
                pl.col("moderation").cast(_I)
                if "moderation" in table.columns
                else pl.lit(1, dtype=_I).alias("moderation")
            ),
        ).filter(pl.col("question_id").is_in(keys))
    accepted = ft.filter(pl.col("moderation") == 1)
    waiting = ft.filter(pl.col("moderation") == 0)
    live.n_rows = ft.height
    live.answered = ft["participant_id"].n_unique()
    n_ok, n_wait = _count(accepted, "question_id"), _count(waiting, "question_id")
    live.sections["open_question"] = _frame(
        "open_question",
        [
            {
                "question_id": k,
                "text": texts[k],
                "answers": n_ok.get(k, 0),
                "waiting": n_wait.get(k, 0),
            }
            for k in keys
        ],
    )
    latest = accepted.sort("text_id", descending=True).head(SHOWN_ANSWERS)
    live.sections["answers"] = _frame(
        "answers",
        [r | {"question": texts[r["question_id"]]} for r in latest.iter_rows(named=True)],
    )
    live.ready = accepted.height > 0
    if ft.height and not accepted.height:
        live.notes.append(
            f"{ft.height} answer{'s' if ft.height != 1 else ''} waiting for moderation: "
            "approve them in the moderation queue."
        )


def priority_computations() -> dict[str, tuple[Any, tuple[tuple[str, str], ...]]]:
    """The computation of each priority kind's sections, and its answer tables.

    Returns
    -------
    dict
        kind -> (computation of a panel's sections, ``((table, id column), ...)`` saying who
        answered).

    Examples
    --------
    >>> sorted(priority_computations())
    ['budget', 'open_question', 'pairwise', 'ranking']
    """
    return {
        "budget": (_budget, (("budget_votes", "project_id"),)),
        "pairwise": (_pairwise, (("pairwise", "winner"),)),
        "ranking": (_ranking, (("rankings", "item_id"),)),
        "open_question": (_open_question, (("free_text", "question_id"),)),
    }
