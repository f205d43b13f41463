"""The session's answers folded into the inquiry's tables: :func:`answer_tables` (the latest
answers, named and typed as the file inputs) and :func:`item_tables` (the items' descriptive
tables), so the exported folder is an inquiry the analyses read like any other.

Pure Python and polars: no web code.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from coprod_analytics.session.activities.definitions import _opt_float
from coprod_analytics.session.activities.records import ActivityRecord, wave_name

__all__ = ["answer_tables", "item_tables"]

#: The latest answers: ``(participant_id, activity_id, item key, round) -> (item_id, round,
#: answer, time_ms)``.
Latest = dict[tuple[int, str, str, int], tuple[Any, int, dict[str, Any], int]]


def _frame(rows: list[dict[str, Any]], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


def _id_dtype(items: list[dict[str, Any]]) -> Any:
    ids = [it["item_id"] for it in items]
    return pl.Int64 if ids and all(isinstance(i, int) for i in ids) else pl.String


def answer_tables(
    activities: dict[str, ActivityRecord], latest: Latest, *, statements: Any = None
) -> dict[str, pl.DataFrame]:
    """The inquiry tables of the latest answers (names and columns as the file inputs).

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
    from coprod_analytics.session.mapping_activity import (
        MAPPING_KINDS,
        mapping_answer_rows,
        mapping_tables,
    )
    from coprod_analytics.session.priorities import (
        PRIORITY_KINDS,
        priority_answer_rows,
        priority_tables,
    )

    rows: dict[str, list[dict[str, Any]]] = {}
    people: dict[int, dict[str, Any]] = {}
    for (pid, aid, _key, _rnd), (item_id, rnd, ans, _t) in sorted(
        latest.items(), key=lambda kv: kv[1][3]
    ):
        act = activities.get(aid)
        if act is None:
            continue
        if act.kind in PRIORITY_KINDS:
            priority_answer_rows(act, pid, ans, rows)
            continue
        if act.kind in MAPPING_KINDS:
            mapping_answer_rows(act, pid, item_id, rnd, ans, rows)
            continue
        if act.kind == "evidence":
            rows.setdefault("evidence", []).append(
                {
                    "participant_id": pid,
                    "evidence_id": item_id,
                    "credibility": ans["credibility"],
                    "relevance": ans["relevance"],
                    "confidence": ans.get("confidence"),
                }
            )
        elif act.kind == "ratings":
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
        elif act.kind == "panel":
            rows.setdefault("panel", []).append(
                {
                    "participant_id": pid,
                    "item_id": item_id,
                    "wave": wave_name(rnd),
                    "value": ans["value"],
                }
            )
        elif act.kind == "population":
            people.setdefault(pid, {})[str(item_id)] = ans["category"]
        elif act.kind == "questions":
            qtype = (act.item(item_id) or {}).get("type", "estimate")
            if qtype == "estimate":
                rows.setdefault("estimates", []).append(
                    {
                        "participant_id": pid,
                        "question_id": item_id,
                        "value": ans["value"],
                        "confidence": ans.get("confidence"),
                        "round": rnd,
                    }
                )
            elif qtype == "probability":
                rows.setdefault("probabilities", []).append(
                    {
                        "participant_id": pid,
                        "question_id": item_id,
                        "probability": ans["probability"],
                    }
                )
            else:
                rows.setdefault("choices", []).append(
                    {"participant_id": pid, "question_id": item_id, "answer": ans["answer"]}
                )
                for option, share in (ans.get("predictions") or {}).items():
                    rows.setdefault("predictions", []).append(
                        {
                            "participant_id": pid,
                            "question_id": item_id,
                            "option": option,
                            "share": share,
                        }
                    )
    out: dict[str, pl.DataFrame] = {}
    for act in activities.values():
        iid = _id_dtype(act.items)
        if act.kind == "evidence":
            out["evidence"] = _frame(
                rows.get("evidence", []),
                {
                    "participant_id": pl.Int64,
                    "evidence_id": iid,
                    "credibility": pl.Float64,
                    "relevance": pl.Float64,
                    "confidence": pl.Float64,
                },
            )
        elif act.kind == "ratings":
            out["ratings"] = _frame(
                rows.get("ratings", []),
                {
                    "participant_id": pl.Int64,
                    "item_id": iid,
                    "rating": pl.Float64,
                    "scale_min": pl.Float64,
                    "scale_max": pl.Float64,
                },
            )
        elif act.kind == "panel":
            out["panel"] = _frame(
                rows.get("panel", []),
                {
                    "participant_id": pl.Int64,
                    "item_id": iid,
                    "wave": pl.String,
                    "value": pl.Float64,
                },
            )
        elif act.kind == "questions":
            types = {it.get("type", "estimate") for it in act.items}
            if "estimate" in types:
                out["estimates"] = _frame(
                    rows.get("estimates", []),
                    {
                        "participant_id": pl.Int64,
                        "question_id": iid,
                        "value": pl.Float64,
                        "confidence": pl.Float64,
                        "round": pl.Int64,
                    },
                )
            if "probability" in types:
                out["probabilities"] = _frame(
                    rows.get("probabilities", []),
                    {"participant_id": pl.Int64, "question_id": iid, "probability": pl.Float64},
                )
            if "choice" in types:
                out["choices"] = _frame(
                    rows.get("choices", []),
                    {"participant_id": pl.Int64, "question_id": iid, "answer": pl.String},
                )
                out["predictions"] = _frame(
                    rows.get("predictions", []),
                    {
                        "participant_id": pl.Int64,
                        "question_id": iid,
                        "option": pl.String,
                        "share": pl.Float64,
                    },
                )
    out.update(priority_tables(activities, rows, statements))
    out.update(mapping_tables(activities, rows))
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
