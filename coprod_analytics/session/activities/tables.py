"""The session's answers folded into the inquiry's tables: :func:`answer_tables` (the latest
answers, named and typed as the file inputs) and :func:`item_tables` (the items' descriptive
tables), so the exported folder is an inquiry the analyses read like any other.

Pure Python and polars: no web code.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from coprod_analytics.session.activities.definitions import _opt_float
from coprod_analytics.session.activities.records import ActivityRecord, rows_frame, wave_name

__all__ = [
    "ORDER",
    "answer_rows",
    "answer_tables",
    "item_tables",
    "row_frames",
    "row_schemas",
    "tables_from_rows",
]

#: The latest answers: ``(participant_id, activity_id, item key, round) -> (item_id, round,
#: answer, time_ms)``.
Latest = dict[tuple[int, str, str, int], tuple[Any, int, dict[str, Any], int]]


#: The hidden columns that order an answer-row frame: the answer's time, then its slot
#: (participant, activity, item key, round). A total order, so that rows kept up to date
#: answer by answer (:class:`~coprod_analytics.session.activities.live_rows.LiveRows`) come
#: out in the order a fresh read gives.
ORDER: dict[str, Any] = {
    "__t": pl.Int64,
    "__p": pl.Int64,
    "__a": pl.String,
    "__k": pl.String,
    "__r": pl.Int64,
}

#: The tables a question's answers go to, by its type.
_QUESTION_TABLES: dict[str, tuple[str, ...]] = {
    "estimate": ("estimates",),
    "probability": ("probabilities",),
    "choice": ("choices", "predictions"),
}

#: The table of the population answers' rows, one per participant and attribute (the
#: ``participants`` table is these rows, one column per attribute).
PEOPLE_ROWS = "participants"


def _id_dtype(items: list[dict[str, Any]]) -> Any:
    ids = [it["item_id"] for it in items]
    return pl.Int64 if ids and all(isinstance(i, int) for i in ids) else pl.String


def row_schemas(activities: dict[str, ActivityRecord]) -> dict[str, dict[str, Any]]:
    """The columns of the answer rows each table of the activities' kinds is made of.

    Parameters
    ----------
    activities : dict of str to ActivityRecord
        The session's activities.

    Returns
    -------
    dict of str to dict
        Table name (a budget's ballots: ``budget_votes:<activity_id>``; the population
        answers: ``participants``, one row per attribute) to its columns and dtypes.

    Examples
    --------
    >>> a = ActivityRecord("r", "ratings", "R", [{"item_id": 1, "text": "Buses"}])
    >>> list(row_schemas({"r": a})["ratings"])
    ['participant_id', 'item_id', 'rating', 'scale_min', 'scale_max']
    """
    from coprod_analytics.session.mapping_activity import mapping_row_schemas
    from coprod_analytics.session.priorities import priority_row_schemas

    out: dict[str, dict[str, Any]] = {}
    for act in activities.values():
        iid = _id_dtype(act.items)
        pid = {"participant_id": pl.Int64}
        if act.kind == "evidence":
            out["evidence"] = {
                **pid,
                "evidence_id": iid,
                "credibility": pl.Float64,
                "relevance": pl.Float64,
                "confidence": pl.Float64,
            }
        elif act.kind == "ratings":
            out["ratings"] = {
                **pid,
                "item_id": iid,
                "rating": pl.Float64,
                "scale_min": pl.Float64,
                "scale_max": pl.Float64,
            }
        elif act.kind == "panel":
            out["panel"] = {**pid, "item_id": iid, "wave": pl.String, "value": pl.Float64}
        elif act.kind == "questions":
            qid = {**pid, "question_id": iid}
            out["estimates"] = {
                **qid,
                "value": pl.Float64,
                "confidence": pl.Float64,
                "round": pl.Int64,
            }
            out["probabilities"] = {**qid, "probability": pl.Float64}
            out["choices"] = {**qid, "answer": pl.String}
            out["predictions"] = {**qid, "option": pl.String, "share": pl.Float64}
        elif act.kind == "population":
            out[PEOPLE_ROWS] = {**pid, "attribute": pl.String, "category": pl.String}
        out.update(priority_row_schemas(act))
        out.update(mapping_row_schemas(act))
    return out


def answer_rows(
    act: ActivityRecord,
    pid: int,
    item_id: Any,
    rnd: int,
    ans: dict[str, Any],
    rows: dict[str, list[dict[str, Any]]],
) -> None:
    """Add the rows of one latest answer to the rows of its tables (in place).

    Parameters
    ----------
    act : ActivityRecord
        The activity answered.
    pid : int
        The participant.
    item_id : any
        The item answered, as stored.
    rnd : int
        The Delphi round or panel wave.
    ans : dict
        The answer, as stored.
    rows : dict of str to list of dict
        Rows per table name (see :func:`row_schemas`), extended.

    Examples
    --------
    >>> a = ActivityRecord("q", "questions", "Q", [{"item_id": 1, "text": "Riders?"}])
    >>> rows = {}
    >>> answer_rows(a, 3, 1, 0, {"value": 120.0}, rows)
    >>> rows["estimates"]
    [{'participant_id': 3, 'question_id': 1, 'value': 120.0, 'confidence': None, 'round': 0}]
    """
    from coprod_analytics.session.mapping_activity import MAPPING_KINDS, mapping_answer_rows
    from coprod_analytics.session.priorities import PRIORITY_KINDS, priority_answer_rows

    kind = act.kind
    if kind in PRIORITY_KINDS:
        priority_answer_rows(act, pid, ans, rows)
    elif kind in MAPPING_KINDS:
        mapping_answer_rows(act, pid, item_id, rnd, ans, rows)
    elif kind == "evidence":
        rows.setdefault("evidence", []).append(
            {
                "participant_id": pid,
                "evidence_id": item_id,
                "credibility": ans["credibility"],
                "relevance": ans["relevance"],
                "confidence": ans.get("confidence"),
            }
        )
    elif kind == "ratings":
        item = act.item(item_id) or {}
        rows.setdefault("ratings", []).append(
            {
                "participant_id": pid,
                "item_id": item_id,
                "rating": ans["rating"],
                "scale_min": float(item.get("scale_min", 1.0)),
                "scale_max": float(item.get("scale_max", 5.0)),
            }
        )
    elif kind == "panel":
        rows.setdefault("panel", []).append(
            {
                "participant_id": pid,
                "item_id": item_id,
                "wave": wave_name(rnd),
                "value": ans["value"],
            }
        )
    elif kind == "population":
        rows.setdefault(PEOPLE_ROWS, []).append(
            {"participant_id": pid, "attribute": str(item_id), "category": ans["category"]}
        )
    elif kind == "questions":
        qtype = (act.item(item_id) or {}).get("type", "estimate")
        q = {"participant_id": pid, "question_id": item_id}
        if qtype == "estimate":
            rows.setdefault("estimates", []).append(
                {**q, "value": ans["value"], "confidence": ans.get("confidence"), "round": rnd}
            )
        elif qtype == "probability":
            rows.setdefault("probabilities", []).append({**q, "probability": ans["probability"]})
        else:
            rows.setdefault("choices", []).append({**q, "answer": ans["answer"]})
            for option, share in (ans.get("predictions") or {}).items():
                rows.setdefault("predictions", []).append({**q, "option": option, "share": share})


def row_frames(activities: dict[str, ActivityRecord], latest: Latest) -> dict[str, pl.DataFrame]:
    """The answer rows of the latest answers, one frame per table (see :func:`row_schemas`),
    each with the hidden :data:`ORDER` columns and sorted by them.

    Parameters
    ----------
    activities : dict of str to ActivityRecord
        The session's activities (answers to any other activity are left out).
    latest : dict
        The latest answer per participant, activity, item and round (see ``Latest``).

    Returns
    -------
    dict of str to polars.DataFrame
        Only the tables some answer has rows in.

    Examples
    --------
    >>> a = ActivityRecord("r", "ranking", "R", [{"item_id": 1, "text": "x"},
    ...                    {"item_id": 2, "text": "y"}])
    >>> f = row_frames({"r": a}, {(4, "r", "None", 0): (None, 0, {"order": [2, 1]}, 9)})
    >>> f["rankings"].select("item_id", "rank", "__t").rows()
    [(2, 1, 9), (1, 2, 9)]
    """
    schemas = row_schemas(activities)
    rows: dict[str, list[dict[str, Any]]] = {}
    for (pid, aid, key, rnd), (item_id, rnd_, ans, t) in latest.items():
        act = activities.get(aid)
        if act is None:
            continue
        one: dict[str, list[dict[str, Any]]] = {}
        answer_rows(act, pid, item_id, rnd_, ans, one)
        for name, got in one.items():
            for r in got:
                r.update(__t=t, __p=pid, __a=aid, __k=key, __r=rnd)
            rows.setdefault(name, []).extend(got)
    return {
        name: pl.from_dicts(got, schema={**schemas[name], **ORDER}).sort(
            list(ORDER), maintain_order=True
        )
        for name, got in rows.items()
        if name in schemas
    }


def answer_tables(
    activities: dict[str, ActivityRecord], latest: Latest, *, statements: Any = None
) -> dict[str, pl.DataFrame]:
    """The inquiry tables of the latest answers (names and columns as the file inputs).

    Rows come in the order of the answers' time (ties: participant, activity, item, round).

    Parameters
    ----------
    activities : dict of str to ActivityRecord
        The session's activities.
    latest : dict
        The latest answer per participant, activity, item and round (see ``Latest``).
    statements : dict of int to StatementRecord, optional
        The session's statements (open answers are statements tagged with their question).

    Returns
    -------
    dict of str to polars.DataFrame
        ``evidence``, ``ratings``, ``estimates``, ``probabilities``, ``choices``,
        ``predictions``, ``panel``, and ``budget_projects``, ``budget_meta``,
        ``budget_votes``, ``pairwise``, ``rankings``, ``free_text`` (see
        :func:`~coprod_analytics.session.priorities.priority_tables`), ``places``,
        ``support``, ``appraisals`` (see
        :func:`~coprod_analytics.session.mapping_activity.mapping_tables`) for the activities the
        session has (empty tables when nobody answered yet; ``confidence`` left out when no
        answer gave one), and ``participants``: ``participant_id`` plus one column per
        population attribute answered.

    Examples
    --------
    >>> a = ActivityRecord("ratings", "ratings", "R", [{"item_id": 1, "text": "Buses",
    ...                    "scale_min": 1.0, "scale_max": 7.0}])
    >>> t = answer_tables({"ratings": a}, {(3, "ratings", "1", 0): (1, 0, {"rating": 5.0}, 0)})
    >>> t["ratings"].rows()
    [(3, 1, 5.0, 1.0, 7.0)]
    """
    return tables_from_rows(activities, row_frames(activities, latest), statements=statements)


def tables_from_rows(
    activities: dict[str, ActivityRecord],
    frames: dict[str, pl.DataFrame],
    *,
    statements: Any = None,
) -> dict[str, pl.DataFrame]:
    """The inquiry tables of the activities, from their answer rows (:func:`row_frames`).

    Parameters
    ----------
    activities : dict of str to ActivityRecord
        The activities whose tables to build (all of a kind: one table holds a kind's
        answers).
    frames : dict of str to polars.DataFrame
        The answer rows per table (hidden columns are left out).
    statements : dict of int to StatementRecord, optional
        The session's statements.

    Returns
    -------
    dict of str to polars.DataFrame
        As :func:`answer_tables`.

    Examples
    --------
    >>> a = ActivityRecord("p", "population", "P", [{"item_id": "age", "text": "Age"}])
    >>> f = row_frames({"p": a}, {(5, "p", "age", 0): ("age", 0, {"category": "30-44"}, 0)})
    >>> tables_from_rows({"p": a}, f)["participants"].rows()
    [(5, '30-44')]
    """
    from coprod_analytics.session.mapping_activity import mapping_tables
    from coprod_analytics.session.priorities import priority_tables

    schemas = row_schemas(activities)
    out: dict[str, pl.DataFrame] = {}
    for act in activities.values():
        if act.kind in ("evidence", "ratings", "panel"):
            out[act.kind] = rows_frame(frames, act.kind, schemas[act.kind])
        elif act.kind == "questions":
            types = {it.get("type", "estimate") for it in act.items}
            for qtype, names in _QUESTION_TABLES.items():
                if qtype in types:
                    out.update({n: rows_frame(frames, n, schemas[n]) for n in names})
    out.update(priority_tables(activities, frames, statements))
    out.update(mapping_tables(activities, frames))
    for name in ("evidence", "estimates"):  # an optional column nobody gave is left out
        t = out.get(name)
        if t is not None and t.height and t.get_column("confidence").null_count() == t.height:
            out[name] = t.drop("confidence")
    attrs = [
        str(it["item_id"])
        for act in activities.values()
        if act.kind == "population"
        for it in act.items
    ]
    if attrs:
        people: dict[int, dict[str, Any]] = {}
        answered = rows_frame(frames, PEOPLE_ROWS, schemas[PEOPLE_ROWS])
        for pid, attr, category in answered.iter_rows():  # in time order: the latest wins
            people.setdefault(pid, {})[attr] = category
        pids = sorted(people)
        out["participants"] = pl.DataFrame(
            {
                "participant_id": pl.Series(pids, dtype=pl.Int64),
                **{a: pl.Series([people[p].get(a) for p in pids], dtype=pl.String) for a in attrs},
            }
        )
    return out


def item_tables(activities: dict[str, ActivityRecord]) -> dict[str, pl.DataFrame]:
    """The descriptive tables of the activities' items (as the file inputs name them).

    Parameters
    ----------
    activities : dict of str to ActivityRecord
        The session's activities.

    Returns
    -------
    dict of str to polars.DataFrame
        ``evidence_items``, ``panel_items`` and ``rating_items`` (with the ``scale_min`` and
        ``scale_max`` the live forms used), ``questions`` (with ``type`` and ``options``,
        the options joined by ``|``), ``population``, and the item lists of the priority
        kinds (``pairwise_items``, ``ranking_items``, ``open_questions``, see
        :func:`~coprod_analytics.session.priorities.priority_item_tables`), when the session
        has them.

    Examples
    --------
    >>> a = ActivityRecord("evidence", "evidence", "E", [{"item_id": 1, "text": "Survey",
    ...                    "source": "Bus operator", "scale_min": 1.0, "scale_max": 5.0}])
    >>> item_tables({"evidence": a})["evidence_items"].rows()
    [(1, 'Survey', 'Bus operator', 1.0, 5.0)]
    """
    from coprod_analytics.session.priorities import priority_item_tables

    out: dict[str, pl.DataFrame] = {}
    for act in activities.values():
        items = act.items
        iid = _id_dtype(items)
        if act.kind == "evidence":
            out["evidence_items"] = pl.DataFrame(
                {
                    "evidence_id": pl.Series([it["item_id"] for it in items], dtype=iid),
                    "title": pl.Series([it.get("text") for it in items], dtype=pl.String),
                    "source": pl.Series([it.get("source") for it in items], dtype=pl.String),
                    **_scale_columns(items),
                }
            )
        elif act.kind == "panel":
            out["panel_items"] = pl.DataFrame(
                {
                    "item_id": pl.Series([it["item_id"] for it in items], dtype=iid),
                    "text": pl.Series([it.get("text") for it in items], dtype=pl.String),
                    **_scale_columns(items),
                }
            )
        elif act.kind == "ratings":
            out["rating_items"] = pl.DataFrame(
                {
                    "item_id": pl.Series([it["item_id"] for it in items], dtype=iid),
                    "text": pl.Series([it.get("text") for it in items], dtype=pl.String),
                    **_scale_columns(items),
                }
            )
        elif act.kind == "questions":
            out["questions"] = pl.DataFrame(
                {
                    "question_id": pl.Series([it["item_id"] for it in items], dtype=iid),
                    "text": pl.Series([it.get("text") for it in items], dtype=pl.String),
                    "truth": pl.Series([it.get("truth") for it in items], dtype=pl.Float64),
                    "unit": pl.Series([it.get("unit") for it in items], dtype=pl.String),
                    "type": pl.Series(
                        [it.get("type", "estimate") for it in items], dtype=pl.String
                    ),
                    "options": pl.Series(
                        ["|".join(it["options"]) if it.get("options") else None for it in items],
                        dtype=pl.String,
                    ),
                }
            )
        elif act.kind == "population" and act.items:
            shares = [
                (str(it["item_id"]), cat, float(sh))
                for it in act.items
                for cat, sh in (it.get("shares") or {}).items()
            ]
            if shares:
                out["population"] = pl.DataFrame(
                    shares, schema=["attribute", "category", "share"], orient="row"
                )
    out.update(priority_item_tables(activities))
    return out


def _scale_columns(items: list[dict[str, Any]]) -> dict[str, pl.Series]:
    """``scale_min`` and ``scale_max`` of the items (the scale the live form used)."""
    return {
        c: pl.Series([_opt_float(it.get(c)) for it in items], dtype=pl.Float64)
        for c in ("scale_min", "scale_max")
    }
