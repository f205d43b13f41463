"""Live priorities: the budget ballot, pairwise "which is better?", rankings, open questions.

Four activity kinds (see :mod:`coprod_analytics.session.activities` for the framework):

- ``budget`` — items: a ``.pb`` file, or ``budget_projects`` (+ ``budget_meta``) of an
  inquiry. One answer is the whole ballot, no ``item_id``: ``projects`` (approval: a set
  within the cost limit; ordinal: best first) or ``points`` ({project: n}, cumulative /
  scoring) -> ``budget_votes`` (+ ``budget_projects``, ``budget_meta``).
- ``pairwise`` — items: ``pairwise_items`` (item_id, text), or the items of a ``pairwise``
  table; participants' ``idea`` joins the pool once a facilitator accepts it. One answer:
  ``pair`` [a, b] (the pair offered) and ``winner`` (a or b) or ``cant_decide``: true ->
  ``pairwise`` (a can't-decide is a ``tie`` row); ``idea``: a text.
- ``ranking`` — items: ``ranking_items`` (item_id, text, optional ``k``), or the items of a
  ``rankings`` table. One answer: ``order``, distinct items of the list, best first, at most
  ``k`` -> ``rankings``.
- ``open_question`` — items: ``open_questions`` (question_id, text), or the questions of a
  ``free_text`` table. One answer: ``text`` (moderated like a submitted statement) ->
  ``free_text``.

**Pairwise over statements.** Instead of an item list, a pairwise activity may compare the
session's own agree/disagree statements: ``pairwise.json`` in the inquiry folder (in place of
``pairwise_items.csv``) holding ``{"over": "statements", "title": "...", "ideas": true}``
(``title`` and ``ideas`` optional), or ``coprod session activity DB add-pairwise --over
statements`` on a running session. Its pool is the accepted statements at each moment (not
moderated out, not meta), so a statement approved during the session joins it and one
moderated out leaves it; item ids are statement ids, so the ``pairwise`` table's Bradley–Terry
ranking ranks statements (``pairwise_items`` gives their texts). Ideas sent in such an
activity wait in the same moderation queue and, once accepted, join its pool under their
statement id (marked ``idea``); they are not put to the agree/disagree vote.

The latest ballot of a participant counts (budget, ranking), and the latest answer to each
pair (pairwise). An idea or an open answer is stored as a ``statement`` event tagged with
its activity (and question), so the facilitator's moderation queue handles them as it
handles submitted statements; they never enter the agree/disagree statements.

Pure Python and polars: no web code.
"""

from __future__ import annotations

import math
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError
from coprod_analytics.session.activities.records import rows_frame

#: An ``ActivityRecord`` (typed loosely: activities.py imports this module).
ActivityRecord = Any
#: A ``StatementRecord``.
StatementRecord = Any

__all__ = [
    "BALLOT",
    "PRIORITY_KINDS",
    "budget_definition",
    "check_priority_answer",
    "pair_key",
    "priority_answer_rows",
    "priority_definitions",
    "priority_item_tables",
    "priority_row_schemas",
    "priority_tables",
    "read_pairwise_choice",
    "statements_pairwise",
]

#: The file that asks for a pairwise activity over the session's statements.
PAIRWISE_CHOICE = "pairwise.json"
_CHOICE_KEYS = {"over", "title", "ideas"}

#: The item lists of the priority kinds: ``(table, id column, activity kind)``.
ITEM_LISTS = (
    ("pairwise_items", "item_id", "pairwise"),
    ("ranking_items", "item_id", "ranking"),
    ("open_questions", "question_id", "open_question"),
)

#: The activity kinds of this module, in agenda order.
PRIORITY_KINDS = ("budget", "pairwise", "ranking", "open_question")

#: The ``item_id`` under which a whole ballot (budget, ranking) is kept.
BALLOT = "ballot"

TITLES = {
    "budget": "Spend the budget",
    "pairwise": "Which is better?",
    "ranking": "Put them in order",
    "open_question": "Your ideas",
}
FIELDS: dict[str, set[str]] = {
    "budget": {"projects", "points"},
    "pairwise": {"pair", "winner", "cant_decide", "idea"},
    "ranking": {"order"},
    "open_question": {"text"},
}
#: Longest idea or open answer, in characters (as a submitted statement).
MAX_TEXT = 500
#: ``k`` of a ranking when the items do not say.
DEFAULT_K = 5
_META_INTS = ("min_length", "max_length", "min_sum_points", "max_sum_points", "max_points")


def _bad(name: str, message: str) -> ValidationError:
    return ValidationError(message, column=name)


def pair_key(a: Any, b: Any) -> str:
    """The one key of an unordered pair (its ids as text, sorted, joined by ``|``).

    Parameters
    ----------
    a, b : any
        Item ids.

    Returns
    -------
    str

    Examples
    --------
    >>> pair_key(2, 1), pair_key("1", 2)
    ('1|2', '1|2')
    """
    x, y = sorted((str(a), str(b)))
    return f"{x}|{y}"


def _text(fields: dict[str, Any], name: str) -> str:
    value = fields.get(name)
    if not isinstance(value, str) or not value.strip():
        raise _bad(name, f"'{name}' must be some text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise _bad(name, f"'{name}' is not valid Unicode (a lone surrogate)") from exc
    if len(value) > MAX_TEXT:
        raise _bad(name, f"'{name}' is {len(value)} characters long; at most {MAX_TEXT}")
    return value.strip()


def _ids(fields: dict[str, Any], name: str, act: ActivityRecord) -> list[Any]:
    value = fields.get(name)
    if not isinstance(value, list):
        raise _bad(name, f"'{name}' must be a list of item ids")
    out: list[Any] = []
    seen: set[str] = set()
    for v in value:
        item = act.item(v)
        if item is None:
            raise _bad(name, f"'{name}' names {v!r}, which is not on the list")
        if str(v) in seen:
            raise _bad(name, f"'{name}' names {v!r} twice")
        seen.add(str(v))
        out.append(item["item_id"])
    return out


def check_priority_answer(
    act: ActivityRecord, item_id: Any, fields: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check one answer to a budget, pairwise, ranking or open-question activity.

    Parameters
    ----------
    act : ActivityRecord
        The activity (one of :data:`PRIORITY_KINDS`).
    item_id : any
        The question answered (``open_question``); ignored by the others (a ballot is one
        answer; a pair names itself in ``pair``).
    fields : dict
        The answer's fields (module table).

    Returns
    -------
    (dict, dict)
        The item the answer is kept under (``{"item_id": "ballot"}``, the pair's key, the
        question) and the answer as stored.

    Raises
    ------
    ValidationError
        Naming the field: a ballot over the limit or outside the file's rules, a pair that
        is not two items of the pool, a ranking with an unknown or repeated item or longer
        than ``k``, an empty or too long text.

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> a = ActivityRecord("b", "budget", "B", [{"item_id": "p1", "text": "Park", "cost": 60},
    ...     {"item_id": "p2", "text": "Bus", "cost": 50}],
    ...     settings={"vote_type": "approval", "budget": 100, "limit": 100})
    >>> check_priority_answer(a, None, {"projects": ["p2"]})[1]
    {'projects': ['p2']}
    >>> check_priority_answer(a, None, {"projects": ["p1", "p2"]})
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: column 'projects': the projects cost 110 together; the limit is 100
    """
    kind = act.kind
    allowed = FIELDS[kind]
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise _bad(unknown[0], f"'{unknown[0]}' is not a field of a {kind} answer")
    if kind == "budget":
        return {"item_id": BALLOT}, _check_ballot(act, fields)
    if kind == "ranking":
        order = _ids(fields, "order", act)
        k = int(act.settings.get("k") or len(act.items))
        if not order:
            raise _bad("order", "'order' must list at least one item")
        if len(order) > k:
            raise _bad("order", f"'order' lists {len(order)} items; at most {k}")
        return {"item_id": BALLOT}, {"order": order}
    if kind == "open_question":
        item = act.item(item_id)
        if item is None:
            raise _bad("item_id", f"'item_id' {item_id!r} is not a question of '{act.activity_id}'")
        return item, {"text": _text(fields, "text")}
    # pairwise
    if "idea" in fields:
        if len(fields) > 1:
            raise _bad("idea", "an 'idea' is sent on its own, without a choice")
        if not act.settings.get("ideas", True):
            raise _bad("idea", "this activity does not take new ideas")
        return {"item_id": "idea"}, {"idea": _text(fields, "idea")}
    pair = fields.get("pair")
    if not isinstance(pair, list) or len(pair) != 2:
        raise _bad("pair", "'pair' must be the two items shown, [a, b]")
    items = [act.item(p) for p in pair]
    if items[0] is None or items[1] is None:
        bad = pair[0] if items[0] is None else pair[1]
        raise _bad("pair", f"'pair' names {bad!r}, which is not one of the items")
    a, b = items[0]["item_id"], items[1]["item_id"]
    if str(a) == str(b):
        raise _bad("pair", "'pair' must be two different items")
    cant = fields.get("cant_decide")
    winner = fields.get("winner")
    if cant is not None and cant is not False:
        if cant is not True or winner is not None:
            raise _bad("cant_decide", "'cant_decide' is true, and then no 'winner' is given")
        return {"item_id": pair_key(a, b)}, {"pair": [a, b], "winner": None}
    if winner is None or str(winner) not in (str(a), str(b)):
        raise _bad("winner", f"'winner' must be one of the pair, {a!r} or {b!r}")
    won = a if str(winner) == str(a) else b
    return {"item_id": pair_key(a, b)}, {"pair": [a, b], "winner": won}


def _check_ballot(act: ActivityRecord, fields: dict[str, Any]) -> dict[str, Any]:
    rules = act.settings
    vote_type = str(rules.get("vote_type", "approval"))
    min_len = int(rules.get("min_length") or 0)
    max_len = int(rules.get("max_length") or len(act.items))
    if vote_type in ("cumulative", "scoring"):
        if "projects" in fields:
            raise _bad("projects", f"a {vote_type} ballot gives 'points', not a list of projects")
        pts = fields.get("points")
        if not isinstance(pts, dict):
            raise _bad("points", "'points' must map projects to whole numbers of points")
        out: dict[str, int] = {}
        for pid, n in pts.items():
            item = act.item(pid)
            if item is None:
                raise _bad("points", f"'points' names {pid!r}, which is not a project")
            if isinstance(n, bool) or not isinstance(n, int) or n < 0:
                raise _bad("points", f"the points of {pid!r} must be a whole number >= 0")
            max_points = rules.get("max_points")
            if max_points is not None and n > int(max_points):
                raise _bad("points", f"at most {max_points} points per project; {pid!r} has {n}")
            if n:
                out[str(item["item_id"])] = n
        total = sum(out.values())
        cap = rules.get("max_sum_points")
        if cap is not None and total > int(cap):
            raise _bad("points", f"the points add up to {total}; at most {cap} may be given")
        floor = int(rules.get("min_sum_points") or 1)
        if total < floor:
            raise _bad("points", f"give at least {floor} point{'s' if floor != 1 else ''}")
        order = [str(it["item_id"]) for it in act.items]
        return {"points": {k: out[k] for k in order if k in out}}
    if "points" in fields:
        raise _bad("points", f"a {vote_type} ballot lists 'projects', not points")
    projects = _ids(fields, "projects", act)
    if len(projects) < max(min_len, 1):
        raise _bad("projects", f"choose at least {max(min_len, 1)} project(s)")
    if len(projects) > max_len:
        raise _bad("projects", f"choose at most {max_len} projects; got {len(projects)}")
    limit = rules.get("limit")
    if limit is not None:
        cost = sum(float((act.item(p) or {}).get("cost", 0.0)) for p in projects)
        if cost > float(limit) + 1e-9:
            raise _bad(
                "projects",
                f"the projects cost {_num(cost)} together; the limit is {_num(float(limit))}",
            )
    return {"projects": projects}


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:g}"


# ---------------------------------------------------------------------------------- tables
def _ballot_schema(act: ActivityRecord) -> dict[str, Any]:
    schema: dict[str, Any] = {"participant_id": pl.String, "project_id": pl.String}
    vote_type = str(act.settings.get("vote_type", "approval"))
    if vote_type in ("cumulative", "scoring"):
        schema["points"] = pl.Int64
    elif vote_type == "ordinal":
        schema["rank"] = pl.Int64
    return schema


def _pairwise_id(act: ActivityRecord) -> Any:
    """The dtype of a pairwise activity's item ids: text once an idea was ever accepted (a
    rejected idea's comparisons keep its id)."""
    if getattr(act, "over_statements", False):
        return pl.Int64
    if getattr(act, "had_ideas", False):
        return pl.String
    return _id_dtype([it["item_id"] for it in act.pool()])


def priority_row_schemas(act: ActivityRecord) -> dict[str, dict[str, Any]]:
    """The columns of the answer rows of a priority activity (:func:`priority_answer_rows`).

    Parameters
    ----------
    act : ActivityRecord
        An activity (of any kind: none of this module's gives no table).

    Returns
    -------
    dict of str to dict
        ``budget_votes:<activity_id>``, ``rankings`` or ``pairwise`` to its columns.

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> a = ActivityRecord("r", "ranking", "R", [{"item_id": 1, "text": "x"}])
    >>> priority_row_schemas(a)["rankings"]
    {'participant_id': Int64, 'item_id': Int64, 'rank': Int64}
    """
    if act.kind == "budget":
        return {f"budget_votes:{act.activity_id}": _ballot_schema(act)}
    if act.kind == "ranking":
        iid = _id_dtype([it["item_id"] for it in act.items])
        return {"rankings": {"participant_id": pl.Int64, "item_id": iid, "rank": pl.Int64}}
    if act.kind == "pairwise":
        iid = _pairwise_id(act)
        return {
            "pairwise": {"participant_id": pl.Int64, "winner": iid, "loser": iid, "tie": pl.Boolean}
        }
    return {}


def _id_dtype(ids: list[Any]) -> Any:
    return pl.Int64 if ids and all(isinstance(i, int) for i in ids) else pl.String


def priority_answer_rows(
    act: ActivityRecord, pid: int, answer: dict[str, Any], rows: dict[str, list[dict[str, Any]]]
) -> None:
    """Add one latest answer of ``pid`` to the rows of its table (in place).

    Parameters
    ----------
    act : ActivityRecord
        The activity answered.
    pid : int
        The participant.
    answer : dict
        The answer as stored.
    rows : dict of str to list of dict
        Rows per table name, extended.

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> a = ActivityRecord("r", "ranking", "R", [{"item_id": 1, "text": "x"}])
    >>> rows = {}
    >>> priority_answer_rows(a, 4, {"order": [1]}, rows)
    >>> rows["rankings"]
    [{'participant_id': 4, 'item_id': 1, 'rank': 1}]
    """
    if act.kind == "budget":
        ordinal = act.settings.get("vote_type") == "ordinal"
        if "points" in answer:
            for project, n in answer["points"].items():
                rows.setdefault(f"budget_votes:{act.activity_id}", []).append(
                    {"participant_id": str(pid), "project_id": str(project), "points": n}
                )
        else:
            for rank, project in enumerate(answer.get("projects", []), start=1):
                row: dict[str, Any] = {"participant_id": str(pid), "project_id": str(project)}
                if ordinal:
                    row["rank"] = rank
                rows.setdefault(f"budget_votes:{act.activity_id}", []).append(row)
    elif act.kind == "ranking":
        for rank, item in enumerate(answer.get("order", []), start=1):
            rows.setdefault("rankings", []).append(
                {"participant_id": pid, "item_id": item, "rank": rank}
            )
    elif act.kind == "pairwise":
        a, b = answer["pair"]
        w = answer.get("winner")
        tie = w is None
        winner, loser = (a, b) if tie or str(w) == str(a) else (b, a)
        rows.setdefault("pairwise", []).append(
            {"participant_id": pid, "winner": winner, "loser": loser, "tie": tie}
        )


def priority_tables(
    activities: dict[str, ActivityRecord],
    rows: dict[str, pl.DataFrame],
    statements: dict[int, StatementRecord] | None = None,
) -> dict[str, pl.DataFrame]:
    """The inquiry tables of the priority activities (names and columns as the file inputs).

    Parameters
    ----------
    activities : dict of str to ActivityRecord
        The session's activities.
    rows : dict of str to polars.DataFrame
        The answer rows per table (see :func:`priority_row_schemas`; from
        :func:`~coprod_analytics.session.activities.row_frames`).
    statements : dict of int to StatementRecord, optional
        The session's statements (open answers are statements tagged with their question).

    Returns
    -------
    dict of str to polars.DataFrame
        ``budget_projects``, ``budget_meta``, ``budget_votes`` (participant ids as text,
        as pabulib writes them; an inquiry holds one election: the first budget activity
        of the agenda), ``pairwise`` (participant_id, winner, loser, tie),
        ``rankings`` (participant_id, item_id, rank), ``free_text`` (text_id,
        participant_id, question_id, text, time, moderation; rejected answers left out).

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> a = ActivityRecord("r", "ranking", "R", [{"item_id": 1, "text": "x"}])
    >>> priority_tables({"r": a}, {})["rankings"].columns
    ['participant_id', 'item_id', 'rank']
    """
    out: dict[str, pl.DataFrame] = {}
    for act in activities.values():
        if act.kind == "budget" and "budget_projects" not in out:  # one election per inquiry
            name = f"budget_votes:{act.activity_id}"
            out.update(_budget_tables(act, rows_frame(rows, name, _ballot_schema(act))))
        elif act.kind in ("ranking", "pairwise"):
            out.update({n: rows_frame(rows, n, sc) for n, sc in priority_row_schemas(act).items()})
        elif act.kind == "open_question":
            qid = _id_dtype([it["item_id"] for it in act.items])
            recs = [
                r
                for r in (statements or {}).values()
                if r.activity_id == act.activity_id and r.moderation != -1
            ]
            out["free_text"] = pl.DataFrame(
                {
                    "text_id": pl.Series([r.statement_id for r in recs], dtype=pl.Int64),
                    "participant_id": pl.Series([r.author_id for r in recs], dtype=pl.Int64),
                    "question_id": pl.Series([_qid(act, r.item_id) for r in recs], dtype=qid),
                    "text": pl.Series([r.text for r in recs], dtype=pl.String),
                    "time": pl.Series([r.created_ms for r in recs], dtype=pl.Int64)
                    .cast(pl.Datetime("ms"))
                    .dt.replace_time_zone("UTC"),
                    "moderation": pl.Series([r.moderation for r in recs], dtype=pl.Int8),
                }
            )
    return out


def priority_item_tables(activities: dict[str, ActivityRecord]) -> dict[str, pl.DataFrame]:
    """The item lists of the pairwise, ranking and open-question activities (as the file
    inputs name them), so that an exported session seeds the same activities again.

    Parameters
    ----------
    activities : dict of str to ActivityRecord
        The session's activities.

    Returns
    -------
    dict of str to polars.DataFrame
        ``pairwise_items`` (item_id, text: the pool, accepted ideas included),
        ``ranking_items`` (item_id, text, k) and ``open_questions`` (question_id, text),
        for the kinds the session has (the budget's projects are ``budget_projects``, see
        :func:`priority_tables`).

    Examples
    --------
    >>> from coprod_analytics.session.activities import ActivityRecord
    >>> a = ActivityRecord("ranking", "ranking", "R", [{"item_id": 1, "text": "Parks"},
    ...                    {"item_id": 2, "text": "Buses"}], settings={"k": 1})
    >>> priority_item_tables({"ranking": a})["ranking_items"].rows()
    [(1, 'Parks', 1), (2, 'Buses', 1)]
    """
    out: dict[str, pl.DataFrame] = {}
    for name, id_col, kind in ITEM_LISTS:
        act = next((a for a in activities.values() if a.kind == kind), None)
        if act is None:
            continue
        items = act.pool() if kind == "pairwise" else act.items
        if not items:
            continue
        ids = [it["item_id"] for it in items]
        dtype = _id_dtype(ids)  # ideas ("idea-7") beside whole-number items: text ids
        cols: dict[str, pl.Series] = {
            id_col: pl.Series(ids if dtype == pl.Int64 else [str(i) for i in ids], dtype=dtype),
            "text": pl.Series([it.get("text") for it in items], dtype=pl.String),
        }
        if kind == "ranking":
            k = int(act.settings.get("k") or len(items))
            cols["k"] = pl.Series([k] * len(items), dtype=pl.Int64)
        out[name] = pl.DataFrame(cols)
    return out


def _qid(act: ActivityRecord, item_id: Any) -> Any:
    item = act.item(item_id)
    return None if item is None else item["item_id"]


def _budget_tables(act: ActivityRecord, ballots: pl.DataFrame) -> dict[str, pl.DataFrame]:
    rules = act.settings
    vote_type = str(rules.get("vote_type", "approval"))
    items = act.items
    extra = [c for c in ("category", "target") if any(it.get(c) is not None for it in items)]
    projects = pl.DataFrame(
        {
            "project_id": pl.Series([str(it["item_id"]) for it in items], dtype=pl.String),
            "cost": pl.Series([it["cost"] for it in items]),
            "name": pl.Series([it.get("text") for it in items], dtype=pl.String),
            **{c: pl.Series([it.get(c) for it in items], dtype=pl.String) for c in extra},
        }
    )
    meta = dict(rules.get("meta") or {})
    meta.setdefault("budget", _num(float(rules.get("budget", 0))))
    meta["vote_type"] = vote_type
    meta["num_projects"] = str(len(items))
    meta["num_votes"] = str(ballots.get_column("participant_id").n_unique())
    meta_frame = pl.DataFrame(
        {"key": list(meta), "value": [str(v) for v in meta.values()]},
        schema={"key": pl.String, "value": pl.String},
    )
    return {"budget_projects": projects, "budget_meta": meta_frame, "budget_votes": ballots}


# ---------------------------------------------------------------------------------- seeding
def _py_id(value: Any) -> Any:
    return int(value) if isinstance(value, int) else str(value)


def budget_definition(tables: dict[str, pl.DataFrame]) -> dict[str, Any] | None:
    """The ``budget`` activity of an election's tables (``budget_projects`` and
    ``budget_meta``, as :func:`~coprod_analytics.io.pabulib.read_pabulib` gives them).

    The ballot follows the file: its ``vote_type`` (approval, ordinal, cumulative,
    scoring), ``min_length`` / ``max_length``, ``max_sum_points`` / ``min_sum_points`` /
    ``max_points``; an approval ballot's total cost is limited by ``max_sum_cost`` when the
    file gives one, else by the budget.

    Parameters
    ----------
    tables : dict of str to polars.DataFrame
        An inquiry's tables.

    Returns
    -------
    dict or None
        The ``define`` payload, or None without ``budget_projects``.

    Examples
    --------
    >>> t = {"budget_projects": pl.DataFrame({"project_id": ["a", "b"], "cost": [60, 50]}),
    ...      "budget_meta": pl.DataFrame({"key": ["budget", "vote_type"],
    ...                                   "value": ["100", "approval"]})}
    >>> d = budget_definition(t)
    >>> d["settings"]["limit"], [it["cost"] for it in d["items"]]
    (100, [60, 50])
    """
    projects = tables.get("budget_projects")
    if projects is None or not projects.height:
        return None
    meta_t = tables.get("budget_meta")
    meta: dict[str, str] = {}
    if meta_t is not None and meta_t.height:
        meta = {str(k): str(v) for k, v in meta_t.select("key", "value").iter_rows()}
    if "budget" not in meta:
        raise ValidationError(
            "a budget activity needs the budget: add a row key=budget to budget_meta",
            table="budget_meta",
        )
    budget = _number(meta["budget"], "budget")
    vote_type = meta.get("vote_type", "approval").strip().lower()
    vote_type = "approval" if vote_type == "choose-1" else vote_type
    settings: dict[str, Any] = {"vote_type": vote_type, "budget": budget}
    for key in _META_INTS:
        if meta.get(key, "").strip():
            settings[key] = int(_number(meta[key], key))
    if vote_type == "approval":
        cap = meta.get("max_sum_cost", "").strip()
        settings["limit"] = _number(cap, "max_sum_cost") if cap else budget
    elif meta.get("max_sum_cost", "").strip():
        settings["limit"] = _number(meta["max_sum_cost"], "max_sum_cost")
    if vote_type in ("cumulative", "scoring") and "max_sum_points" not in settings:
        settings["max_sum_points"] = projects.height
    settings["meta"] = meta
    items = []
    for r in projects.iter_rows(named=True):
        cost = _number(str(r["cost"]), "cost")
        item: dict[str, Any] = {
            "item_id": str(r["project_id"]),
            "text": str(r.get("name") or f"Project {r['project_id']}"),
            "cost": cost,
        }
        for c in ("category", "target"):
            if r.get(c) is not None:
                item[c] = str(r[c])
        items.append(item)
    return {"kind": "budget", "items": items, "settings": settings}


def _number(text: str, name: str) -> int | float:
    try:
        x = float(str(text).replace(",", "."))
    except ValueError:
        raise ValidationError(
            f"{name} must be a number; got {text!r}", table="budget_meta"
        ) from None
    if not math.isfinite(x):
        raise ValidationError(f"{name} must be a finite number", table="budget_meta")
    return int(x) if x.is_integer() else x


def _list_items(t: pl.DataFrame | None, id_col: str) -> list[dict[str, Any]]:
    if t is None or not t.height or id_col not in t.columns:
        return []
    return [
        {"item_id": _py_id(r[id_col]), "text": str(r.get("text") or f"Item {r[id_col]}")}
        for r in t.iter_rows(named=True)
    ]


def _ids_of(t: pl.DataFrame | None, cols: tuple[str, ...]) -> list[dict[str, Any]]:
    if t is None or not t.height:
        return []
    seen: dict[str, Any] = {}
    for c in cols:
        for v in t.get_column(c).drop_nulls().to_list():
            seen.setdefault(str(v), v)
    return [{"item_id": _py_id(v), "text": f"Item {v}"} for v in seen.values()]


def statements_pairwise(
    title: str | None = None, *, ideas: bool = True, activity_id: str = "pairwise"
) -> dict[str, Any]:
    """The ``define`` payload of a pairwise activity over the session's statements.

    Parameters
    ----------
    title : str, optional
        Its heading on phones (default "Which is better?").
    ideas : bool, default True
        Whether participants may send ideas (moderated; accepted ones join the pool).
    activity_id : str, default "pairwise"
        Its id.

    Returns
    -------
    dict
        ``{"action": "define", "activity_id", "kind": "pairwise", "title", "items": [],
        "settings": {"over": "statements", "ideas"}}``.

    Examples
    --------
    >>> statements_pairwise("Which matters more?")["settings"]
    {'over': 'statements', 'ideas': True}
    """
    return {
        "action": "define",
        "activity_id": activity_id,
        "kind": "pairwise",
        "title": title or TITLES["pairwise"],
        "items": [],
        "settings": {"over": "statements", "ideas": bool(ideas)},
    }


def read_pairwise_choice(folder: Any) -> dict[str, Any] | None:
    """Read an inquiry folder's ``pairwise.json`` (a pairwise activity over statements).

    Parameters
    ----------
    folder : path
        The inquiry folder.

    Returns
    -------
    dict or None
        The ``define`` payload (see :func:`statements_pairwise`), or None without the file.

    Raises
    ------
    ValidationError
        Naming the file and the key: not a JSON object, ``over`` other than
        ``"statements"``, an unknown key, a ``title`` that is not text, ``ideas`` not a
        boolean, or a ``pairwise_items.csv`` beside it (one or the other).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "pairwise.json").write_text('{"over": "statements", "title": "Which first?"}')
    >>> read_pairwise_choice(d)["title"]
    'Which first?'
    """
    import json
    from pathlib import Path

    path = Path(folder) / PAIRWISE_CHOICE
    if not path.exists():
        return None

    def bad(message: str, key: str | None = None) -> ValidationError:
        return ValidationError(f"{path}: {message}", table="pairwise", column=key)

    if (Path(folder) / "pairwise_items.csv").exists():
        raise bad("give pairwise_items.csv or pairwise.json, not both")
    try:
        choice = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad(f"not valid JSON ({exc})") from None
    if not isinstance(choice, dict):
        raise bad('must be an object such as {"over": "statements"}')
    unknown = sorted(set(choice) - _CHOICE_KEYS)
    if unknown:
        raise bad(f"unknown key {unknown[0]!r}; the keys are {sorted(_CHOICE_KEYS)}", unknown[0])
    if choice.get("over") != "statements":
        raise bad(f"'over' must be \"statements\"; got {choice.get('over')!r}", "over")
    title = choice.get("title")
    if title is not None and (not isinstance(title, str) or not title.strip()):
        raise bad("'title' must be some text", "title")
    ideas = choice.get("ideas", True)
    if not isinstance(ideas, bool):
        raise bad(f"'ideas' must be true or false; got {ideas!r}", "ideas")
    return statements_pairwise(title.strip() if title else None, ideas=ideas)


def priority_definitions(
    tables: dict[str, pl.DataFrame],
    extra: dict[str, pl.DataFrame] | None = None,
    *,
    pairwise: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """The ``define`` payloads of the priority activities an inquiry's tables hold.

    Parameters
    ----------
    tables : dict of str to polars.DataFrame
        An inquiry's tables (``budget_projects`` / ``budget_meta``; the answer tables
        ``pairwise``, ``rankings``, ``free_text`` give the items when no item list does).
    extra : dict of str to polars.DataFrame, optional
        Item lists read beside them: ``pairwise_items`` (item_id, text), ``ranking_items``
        (item_id, text, optional ``k``), ``open_questions`` (question_id, text); the same
        names in ``tables`` are used when ``extra`` does not give them.
    pairwise : dict, optional
        A pairwise activity over statements (:func:`statements_pairwise`, e.g. from
        :func:`read_pairwise_choice`), in place of one over an item list.

    Returns
    -------
    list of dict
        ``{"action": "define", "activity_id", "kind", "title", "items", "settings"}``, in
        :data:`PRIORITY_KINDS` order.

    Examples
    --------
    >>> t = {"rankings": pl.DataFrame({"participant_id": [1, 1], "item_id": ["a", "b"],
    ...                                "rank": [1, 2]})}
    >>> [(d["kind"], len(d["items"]), d["settings"]) for d in priority_definitions(t)]
    [('ranking', 2, {'k': 2})]
    """
    extra = {
        **{name: tables[name] for name, _c, _k in ITEM_LISTS if name in tables},
        **(extra or {}),
    }
    defs: list[dict[str, Any]] = []
    budget = budget_definition(tables)
    if budget is not None:
        defs.append(budget)
    pw = _list_items(extra.get("pairwise_items"), "item_id") or _ids_of(
        tables.get("pairwise"), ("winner", "loser")
    )
    if pairwise is not None:
        defs.append(pairwise)
    elif len(pw) >= 2:
        defs.append({"kind": "pairwise", "items": pw, "settings": {"ideas": True}})
    ri = extra.get("ranking_items")
    rk = _list_items(ri, "item_id") or _ids_of(tables.get("rankings"), ("item_id",))
    if rk:
        k = min(DEFAULT_K, len(rk))
        if ri is not None and "k" in ri.columns and ri.get_column("k").drop_nulls().len():
            k = int(ri.get_column("k").drop_nulls()[0])
            if not 1 <= k <= len(rk):
                raise ValidationError(
                    f"k must be between 1 and the {len(rk)} items; got {k}",
                    table="ranking_items",
                    column="k",
                )
        elif ri is None:  # the longest ballot of the rankings table
            k = min(len(rk), int(tables["rankings"].get_column("rank").max() or len(rk)))  # type: ignore[arg-type]
        defs.append({"kind": "ranking", "items": rk, "settings": {"k": k}})
    oq = _list_items(extra.get("open_questions"), "question_id") or [
        {**it, "text": f"Question {it['item_id']}"}
        for it in _ids_of(tables.get("free_text"), ("question_id",))
    ]
    if oq:
        defs.append({"kind": "open_question", "items": oq, "settings": {}})
    return [
        {
            "action": "define",
            "activity_id": d.get("activity_id", d["kind"]),
            "kind": d["kind"],
            "title": d.get("title") or TITLES[d["kind"]],
            "items": d["items"],
            "settings": d["settings"],
        }
        for d in defs
    ]
