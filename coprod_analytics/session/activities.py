"""Activities of a live inquiry: what participants answer besides statement votes.

An inquiry folder's item tables become **activities** on the session's agenda, each with its
items and a kind that says what an answer holds and which inquiry table it feeds:

- ``statements`` (items: ``statements``): agree / disagree / pass (``/api/vote``) -> votes.
- ``evidence`` (``evidence_items``): ``credibility``, ``relevance`` on the scale, optional
  ``confidence`` -> ``evidence``.
- ``ratings`` (``rating_items``): ``rating`` on the item's scale -> ``ratings``.
- ``questions`` (``questions``), by the question's ``type``: ``estimate``: ``value`` and
  optional ``confidence`` -> ``estimates`` (with the Delphi ``round``); ``probability``:
  ``probability`` in [0, 1] -> ``probabilities``; ``choice``: ``answer`` (one of the options)
  and optional ``predictions`` ({option: share}) -> ``choices`` and ``predictions``.
- ``panel`` (``panel_items``, or a ``panel`` table): ``value`` on the item's scale, in the
  wave (round) open: 1 ``pre``, 2 ``post`` -> ``panel``.
- ``population`` (``population``): ``category`` (one of the attribute's categories or
  :data:`PREFER_NOT_TO_SAY`) -> the participants' attribute columns.
- ``budget``, ``pairwise``, ``ranking``, ``open_question``: see
  :mod:`~coprod_analytics.session.priorities` (the budget ballot, "which is better?" with
  participants' ideas, rankings of the top k, open questions -> ``budget_votes``,
  ``pairwise``, ``rankings``, ``free_text``).
- ``mapping``, ``appraisal``: see :mod:`~coprod_analytics.session.mapping_activity` (places
  on a map or plan, or an area from a list; support for needs others mapped; appraisal
  rounds of the needs -> ``places``, ``support``, ``appraisals``).

Activities and the agenda are events in the session's append-only log (``kind =
'activity'``): a definition (``{"action": "define", ...}``) and agenda steps (``open``,
``close``, ``round``: the next Delphi round or panel wave). Answers are ``answer`` events;
the latest answer of a participant to an item (in a Delphi round, in a panel wave) counts,
and the log keeps them all.

Pure Python and polars: no web code.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from coprod_analytics.errors import ValidationError

__all__ = [
    "ACTIVITY_KINDS",
    "ANSWER_TABLES",
    "PANEL_WAVES",
    "PREFER_NOT_TO_SAY",
    "ActivityRecord",
    "activities_from_folder",
    "activities_from_inquiry",
    "answer_tables",
    "bind_statements",
    "check_answer",
    "item_tables",
    "slot_round",
]

#: Kinds of activity, in the order a folder's activities are put on the agenda.
ACTIVITY_KINDS = (
    "population",
    "panel",
    "statements",
    "evidence",
    "ratings",
    "questions",
    "budget",
    "pairwise",
    "ranking",
    "open_question",
    "mapping",
    "appraisal",
)

#: The answer always offered to a population question (stored as given).
PREFER_NOT_TO_SAY = "prefer not to say"

#: The name of panel wave 1, 2, ... in the ``panel`` table's ``wave`` column.
PANEL_WAVES = ("pre", "post")

#: Tables the answers of each activity kind feed (``participants``: attribute columns).
ANSWER_TABLES: dict[str, tuple[str, ...]] = {
    "statements": ("votes",),
    "evidence": ("evidence",),
    "ratings": ("ratings",),
    "questions": ("estimates", "probabilities", "choices", "predictions"),
    "panel": ("panel",),
    "population": ("participants",),
    "budget": ("budget_votes",),
    "pairwise": ("pairwise",),
    "ranking": ("rankings",),
    "open_question": ("free_text",),
    "mapping": ("places", "support"),
    "appraisal": ("appraisals",),
}

_QUESTION_TYPES = ("estimate", "probability", "choice")
_TITLES: dict[str, str] = {
    "statements": "Agree or disagree",
    "evidence": "Weigh the evidence",
    "ratings": "Ratings",
    "questions": "Questions",
    "panel": "Quick poll",
    "population": "About you (optional)",
}
_DEFAULT_SCALE = {"evidence": (1.0, 5.0), "ratings": (1.0, 5.0), "panel": (1.0, 5.0)}
#: The fields an answer of each kind may carry (optional ones may be null).
_FIELDS: dict[str, set[str]] = {
    "evidence": {"credibility", "relevance", "confidence"},
    "ratings": {"rating"},
    "panel": {"value"},
    "population": {"category"},
}
_QUESTION_FIELDS: dict[str, set[str]] = {
    "estimate": {"value", "confidence"},
    "probability": {"probability"},
    "choice": {"answer", "predictions"},
}
#: Longest option or category text, in characters.
_MAX_OPTION = 200
#: Item fields a participant's page never gets (known truths, who mapped a need).
_PRIVATE = frozenset({"truth", "statement_id", "participant_id", "place_text", "time"})


@dataclass
class ActivityRecord:
    """An activity as the log says it stands now.

    Parameters
    ----------
    activity_id : str
        Its id (``"evidence"``, ``"questions"``, ...).
    kind : str
        One of :data:`ACTIVITY_KINDS`.
    title : str
        What participants see as its heading.
    items : list of dict
        Its items (``item_id``, ``text`` and the kind's fields).
    is_open : bool
        Taking answers now.
    round : int
        The Delphi round (``questions``) or panel wave (``panel``): 1, 2, ...
    opened_seq : int
        ``seq`` of the event that last opened it (the most recent is the current activity).
    settings : dict
        The kind's rules (a budget ballot's ``vote_type``, ``budget``, ``limit``, ...; a
        ranking's ``k``; whether a pairwise activity takes ``ideas``).
    ideas : dict of str to dict
        Participants' ideas accepted into a pairwise activity's pool (by item id); for an
        appraisal, the needs mapped live in its source activity (by place id).
    places : dict of str to dict
        A mapping activity's places as they stand (by place id ``"<participant>-<id>"``).
    statements : dict of int to StatementRecord, optional
        The session's statements (shared with its state), for a pairwise activity whose
        ``settings`` say ``"over": "statements"``: its pool is then the accepted statements
        at each moment (see :meth:`statement_items` and :func:`bind_statements`).

    Examples
    --------
    >>> a = ActivityRecord("ratings", "ratings", "Ratings", [{"item_id": 1, "text": "Buses"}])
    >>> a.item(1)["text"], a.item("1")["text"], a.item(2)
    ('Buses', 'Buses', None)
    """

    activity_id: str
    kind: str
    title: str
    items: list[dict[str, Any]]
    is_open: bool = False
    round: int = 1
    opened_seq: int = 0
    settings: dict[str, Any] = field(default_factory=dict)
    ideas: dict[str, dict[str, Any]] = field(default_factory=dict)
    places: dict[str, dict[str, Any]] = field(default_factory=dict)
    statements: dict[int, Any] | None = field(default=None, repr=False, compare=False)
    _by_key: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False)

    @property
    def over_statements(self) -> bool:
        """A pairwise activity whose pool is the session's accepted statements."""
        return self.kind == "pairwise" and self.settings.get("over") == "statements"

    def statement_items(self) -> list[dict[str, Any]]:
        """The pool of a pairwise activity over statements: the accepted statements.

        Accepted (moderation 1), not meta, and either plain agree/disagree statements or
        ideas submitted in this activity, in the order they were added; ``item_id`` is the
        statement id (ideas carry ``"idea": True``). Empty before :func:`bind_statements`.

        Returns
        -------
        list of dict

        Examples
        --------
        >>> from coprod_analytics.session.state import SessionState
        >>> st = SessionState()
        >>> st.apply((1, "statement", None, None, 0, None, "Parks", '{"moderation": 1}', 0))
        >>> st.apply((2, "statement", None, None, 1, None, "Buses", '{"moderation": 0}', 0))
        >>> st.apply((3, "activity", None, None, None, None, None, '{"action": "define", '
        ...     '"activity_id": "pw", "kind": "pairwise", "settings": {"over": "statements"}}', 0))
        >>> [it["text"] for it in st.activities["pw"].pool()]
        ['Parks']
        >>> st.apply((4, "moderation", None, None, 1, None, None, '{"decision": 1}', 0))
        >>> [it["item_id"] for it in st.activities["pw"].pool()]
        [0, 1]
        """
        out: list[dict[str, Any]] = []
        for r in (self.statements or {}).values():
            if r.moderation != 1 or r.is_meta or r.activity_id not in (None, self.activity_id):
                continue
            item: dict[str, Any] = {"item_id": r.statement_id, "text": r.text}
            if r.activity_id is not None:
                item["idea"] = True
            out.append(item)
        return out

    def item(self, item_id: Any) -> dict[str, Any] | None:
        """The item with this id (compared as text, so ``1`` and ``"1"`` are one item).

        Parameters
        ----------
        item_id : any
            The item's id.

        Returns
        -------
        dict or None
            The item, or None when the activity has no such item.
        """
        if not self._by_key and self.items:
            self._by_key = {str(it["item_id"]): it for it in self.items}
        if isinstance(item_id, bool) or not isinstance(item_id, (int, str)):
            return None
        if self.over_statements:
            return next((it for it in self.pool() if str(it["item_id"]) == str(item_id)), None)
        return self._by_key.get(str(item_id)) or self.ideas.get(str(item_id))

    def pool(self) -> list[dict[str, Any]]:
        """The items and the accepted ideas (a pairwise activity's pool).

        Returns
        -------
        list of dict
            The items, then the ideas in the order they were accepted (over statements:
            :meth:`statement_items`).
        """
        if self.over_statements:
            return self.statement_items()
        return [*self.items, *self.ideas.values()]

    def public(self) -> dict[str, Any]:
        """The activity as a participant's page gets it (no known truths).

        Returns
        -------
        dict
            ``activity_id``, ``kind``, ``title``, ``open``, ``round`` (and ``wave`` for a
            panel), ``items`` (without ``truth``).
        """
        out: dict[str, Any] = {
            "activity_id": self.activity_id,
            "kind": self.kind,
            "title": self.title,
            "open": self.is_open,
            "round": self.round,
            "items": [
                {k: v for k, v in it.items() if k not in _PRIVATE}
                for it in (self.pool() if self.kind in ("pairwise", "appraisal") else self.items)
            ],
        }
        if self.kind == "panel":
            out["wave"] = wave_name(self.round)
        if self.settings:
            out["settings"] = {k: v for k, v in self.settings.items() if k not in ("meta", "base")}
        return out


def bind_statements(state: Any) -> None:
    """Let the pairwise activities over statements of ``state`` see its statements (live).

    Parameters
    ----------
    state : SessionState
        The session's state; its ``statements`` dict is shared, not copied, so a statement
        accepted or moderated out later joins or leaves the pools at once.

    Examples
    --------
    >>> from coprod_analytics.session.state import SessionState
    >>> st = SessionState()
    >>> st.apply((1, "statement", None, None, 0, None, "Parks", '{"moderation": 1}', 0))
    >>> st.activities["pw"] = ActivityRecord("pw", "pairwise", "P", [],
    ...                                      settings={"over": "statements"})
    >>> bind_statements(st)
    >>> st.activities["pw"].pool()
    [{'item_id': 0, 'text': 'Parks'}]
    """
    for act in state.activities.values():
        if act.over_statements:
            act.statements = state.statements


def wave_name(round_: int) -> str:
    """The ``wave`` value of panel wave ``round_`` (1 ``pre``, 2 ``post``, then ``wave3``...).

    Parameters
    ----------
    round_ : int
        The wave number.

    Returns
    -------
    str
        Its name in the ``panel`` table.

    Examples
    --------
    >>> wave_name(1), wave_name(2), wave_name(3)
    ('pre', 'post', 'wave3')
    """
    return PANEL_WAVES[round_ - 1] if 1 <= round_ <= len(PANEL_WAVES) else f"wave{round_}"


def slot_round(activity: ActivityRecord, item: dict[str, Any]) -> int:
    """The round an answer is kept apart by (0: one answer per item, the latest).

    Delphi rounds keep estimates apart, panel waves keep panel answers apart; every other
    answer replaces the participant's earlier answer to the same item.

    Parameters
    ----------
    activity : ActivityRecord
        The activity.
    item : dict
        The item answered.

    Returns
    -------
    int
        The activity's current round, or 0.

    Examples
    --------
    >>> a = ActivityRecord("questions", "questions", "Q", [], round=2)
    >>> slot_round(a, {"type": "estimate"}), slot_round(a, {"type": "choice"})
    (2, 0)
    """
    if activity.kind in ("panel", "appraisal") or (
        activity.kind == "questions" and item.get("type", "estimate") == "estimate"
    ):
        return activity.round
    return 0


# ---------------------------------------------------------------------------------- answers
def _bad(field_name: str, message: str) -> ValidationError:
    return ValidationError(message, column=field_name)


def _number(fields: dict[str, Any], name: str, *, required: bool = True) -> float | None:
    value = fields.get(name)
    if value is None:
        if required:
            raise _bad(name, f"'{name}' is missing; give a number")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(name, f"'{name}' must be a number; got {value!r}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise _bad(name, f"'{name}' must be a finite number; got {str(value)[:20]}")
    return number


def _on_scale(value: float, name: str, lo: float, hi: float) -> float:
    if not lo <= value <= hi:
        raise _bad(name, f"'{name}' must be between {lo:g} and {hi:g}; got {value:g}")
    return value


def check_answer(
    activity: ActivityRecord, item_id: Any, fields: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Check one answer to an item of ``activity`` and keep only its fields.

    Parameters
    ----------
    activity : ActivityRecord
        The activity answered (not ``statements``: votes go through ``record_vote``).
    item_id : any
        The item answered.
    fields : dict
        The answer's fields (see the module's table).

    Returns
    -------
    (dict, dict)
        The item and the answer as stored (numbers as floats, only the known fields).

    Raises
    ------
    ValidationError
        Naming the field (``column``) in the participant's words: an unknown item, a
        missing or non-numeric value, a value off the scale, an unknown option.

    Examples
    --------
    >>> a = ActivityRecord("evidence", "evidence", "E", [{"item_id": 1, "text": "Survey",
    ...                    "scale_min": 1.0, "scale_max": 5.0}])
    >>> check_answer(a, 1, {"credibility": 4, "relevance": 5, "confidence": None})[1]
    {'credibility': 4.0, 'relevance': 5.0}
    >>> check_answer(a, 1, {"credibility": 9, "relevance": 5})
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: column 'credibility': 'credibility' must be between 1 and 5; got 9
    """
    from coprod_analytics.session.mapping_activity import MAPPING_KINDS, check_mapping_answer
    from coprod_analytics.session.priorities import PRIORITY_KINDS, check_priority_answer

    if activity.kind in PRIORITY_KINDS:
        return check_priority_answer(activity, item_id, fields)
    if activity.kind in MAPPING_KINDS:
        return check_mapping_answer(activity, item_id, fields)
    item = activity.item(item_id)
    if item is None:
        raise _bad("item_id", f"'item_id' {item_id!r} is not an item of '{activity.activity_id}'")
    kind = activity.kind
    lo = float(item.get("scale_min", 1.0))
    hi = float(item.get("scale_max", 5.0))
    out: dict[str, Any] = {}
    if kind == "evidence":
        for name in ("credibility", "relevance"):
            out[name] = _on_scale(_number(fields, name) or 0.0, name, lo, hi)
        conf = _number(fields, "confidence", required=False)
        if conf is not None:
            out["confidence"] = _on_scale(conf, "confidence", 0.0, hi)
    elif kind in ("ratings", "panel"):
        name = "rating" if kind == "ratings" else "value"
        out[name] = _on_scale(_number(fields, name) or 0.0, name, lo, hi)
    elif kind == "questions":
        qtype = item.get("type", "estimate")
        if qtype == "estimate":
            out["value"] = _number(fields, "value")
            conf = _number(fields, "confidence", required=False)
            if conf is not None:
                out["confidence"] = _on_scale(conf, "confidence", 0.0, 5.0)
        elif qtype == "probability":
            out["probability"] = _on_scale(
                _number(fields, "probability") or 0.0, "probability", 0.0, 1.0
            )
        else:
            options = list(item.get("options", []))
            answer = fields.get("answer")
            if answer not in options:
                raise _bad("answer", f"'answer' must be one of {options}; got {answer!r}")
            out["answer"] = answer
            preds = fields.get("predictions")
            if preds is not None:
                out["predictions"] = _check_predictions(preds, options)
    elif kind == "population":
        options = list(item.get("options", []))
        category = fields.get("category")
        if category not in options:
            raise _bad("category", f"'category' must be one of {options}; got {category!r}")
        out["category"] = category
    else:
        raise _bad("activity_id", f"'{activity.activity_id}' does not take answers here")
    if kind == "questions":
        allowed = _QUESTION_FIELDS[str(item.get("type", "estimate"))]
    else:
        allowed = _FIELDS[kind]
    unknown = sorted(set(fields) - allowed)
    if unknown:
        raise _bad(unknown[0], f"'{unknown[0]}' is not a field of a {kind} answer")
    return item, out


def _check_predictions(preds: Any, options: list[str]) -> dict[str, float]:
    if not isinstance(preds, dict):
        raise _bad("predictions", "'predictions' must map each option to a share between 0 and 1")
    unknown = [k for k in preds if k not in options]
    if unknown:
        raise _bad("predictions", f"'predictions' names {unknown[0]!r}, not one of {options}")
    out: dict[str, float] = {}
    for option in options:
        share = preds.get(option, 0.0)
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not 0 <= share <= 1:
            # (a huge int compares fine: it is simply above 1)
            raise _bad("predictions", f"'predictions' share of {option!r} must be between 0 and 1")
        out[option] = float(share)
    total = sum(out.values())
    if abs(total - 1.0) > 0.02:
        raise _bad(
            "predictions", f"'predictions' shares must add up to 1 (100%); they add up to {total:g}"
        )
    return out


# ---------------------------------------------------------------------------------- tables
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
        item = act.item(item_id) or {}
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
            qtype = item.get("type", "estimate")
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


# ---------------------------------------------------------------------------------- seeding
def _opt_float(value: Any) -> float | None:
    if value is None:
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _py_id(value: Any) -> Any:
    return int(value) if isinstance(value, int) else str(value)


def _scale(row: dict[str, Any], kind: str) -> dict[str, float]:
    lo, hi = _DEFAULT_SCALE.get(kind, (1.0, 5.0))
    given_lo, given_hi = _opt_float(row.get("scale_min")), _opt_float(row.get("scale_max"))
    lo = lo if given_lo is None else given_lo
    hi = hi if given_hi is None else given_hi
    if hi <= lo:
        raise ValidationError(
            f"item {row.get('item_id', row.get('evidence_id'))!r}: scale_max ({hi:g}) must be "
            f"above scale_min ({lo:g})",
            column="scale_max",
        )
    return {"scale_min": lo, "scale_max": hi}


def activities_from_inquiry(
    inquiry: Any,
    *,
    panel_items: pl.DataFrame | None = None,
    item_lists: dict[str, pl.DataFrame] | None = None,
    map_folder: str | os.PathLike[str] | None = None,
    pairwise: dict[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Activity definitions (``define`` event payloads) for the item tables of an inquiry.

    Question types come from a ``type`` column of ``questions`` when it has one
    (``estimate``, ``probability``, ``choice``; options in ``options``, joined by ``|``);
    otherwise questions are estimates, and the question ids that only the ``probabilities``
    or ``choices`` tables hold become probability or choice questions (options: the answers
    given, in order of first appearance, and the options of ``predictions``).

    Parameters
    ----------
    inquiry : Inquiry
        An inquiry (or any object with such ``tables``) whose ``tables`` hold
        ``evidence_items``, ``rating_items``, ``questions``, ``population`` and maybe answer
        tables.
    panel_items : polars.DataFrame, optional
        The panel poll (``item_id``, ``text``, ``scale_min``, ``scale_max``); without it, the
        inquiry's ``panel_items`` table, else the items of its ``panel`` table (if any)
        make the poll.
    item_lists : dict of str to polars.DataFrame, optional
        ``pairwise_items``, ``ranking_items``, ``open_questions`` (see
        :func:`~coprod_analytics.session.priorities.priority_definitions`); without them,
        the inquiry's tables of those names; the budget ballot comes from the inquiry's
        ``budget_projects`` and ``budget_meta``.
    map_folder : path, optional
        A folder with map files (``map_categories.csv`` and ``map.geojson``,
        ``map_plan.json`` or ``map_areas.csv``): a ``mapping`` activity (see
        :func:`~coprod_analytics.session.mapping_base.mapping_definitions`); the needs of
        the inquiry's ``places`` become an ``appraisal`` activity either way.
    pairwise : dict, optional
        A pairwise activity over the session's statements (see
        :func:`~coprod_analytics.session.priorities.statements_pairwise`), in place of one
        over ``pairwise_items``.

    Returns
    -------
    list of dict
        One ``{"action": "define", "activity_id", "kind", "title", "items"}`` per activity
        with items, in :data:`ACTIVITY_KINDS` order (``statements`` not included).

    Examples
    --------
    >>> from coprod_analytics import Inquiry
    >>> inq = Inquiry(tables={"rating_items": {"item_id": [1], "text": ["Buses"]},
    ...                       "probabilities": {"participant_id": [0], "question_id": [101],
    ...                                         "probability": [0.3]}})
    >>> [(d["kind"], len(d["items"])) for d in activities_from_inquiry(inq)]
    [('ratings', 1), ('questions', 1)]
    """
    tables: dict[str, pl.DataFrame] = dict(getattr(inquiry, "tables", {}) or {})
    defs: dict[str, list[dict[str, Any]]] = {}

    population = tables.get("population")
    if population is not None and population.height:
        items = []
        for attr in population.get_column("attribute").unique(maintain_order=True).to_list():
            sub = population.filter(pl.col("attribute") == attr)
            cats = [str(c) for c in sub.get_column("category").to_list()]
            items.append(
                {
                    "item_id": str(attr),
                    "text": str(attr).replace("_", " "),
                    "options": [*cats, PREFER_NOT_TO_SAY],
                    "shares": dict(zip(cats, sub.get_column("share").to_list(), strict=True)),
                }
            )
        defs["population"] = items

    if panel_items is None and "panel_items" in tables and tables["panel_items"].height:
        panel_items = tables["panel_items"]
    if panel_items is None and "panel" in tables and tables["panel"].height:
        panel = tables["panel"]
        stats = panel.group_by("item_id", maintain_order=True).agg(
            pl.col("value").min().alias("lo"), pl.col("value").max().alias("hi")
        )
        panel_items = pl.DataFrame(
            {
                "item_id": stats.get_column("item_id"),
                "text": [f"Item {i}" for i in stats.get_column("item_id").to_list()],
                "scale_min": stats.get_column("lo").floor(),
                "scale_max": stats.get_column("hi").ceil(),
            }
        )
    if panel_items is not None and panel_items.height:
        defs["panel"] = [
            {
                "item_id": _py_id(r["item_id"]),
                "text": str(r.get("text") or f"Item {r['item_id']}"),
                **_scale(r, "panel"),
            }
            for r in panel_items.iter_rows(named=True)
        ]

    ev = tables.get("evidence_items")
    if ev is not None and ev.height:
        defs["evidence"] = [
            {
                "item_id": _py_id(r["evidence_id"]),
                "text": str(r.get("title") or f"Evidence {r['evidence_id']}"),
                "source": r.get("source"),
                **_scale(r, "evidence"),
            }
            for r in ev.iter_rows(named=True)
        ]

    ri = tables.get("rating_items")
    if ri is not None and ri.height:
        defs["ratings"] = [
            {
                "item_id": _py_id(r["item_id"]),
                "text": str(r.get("text") or f"Item {r['item_id']}"),
                **_scale(r, "ratings"),
            }
            for r in ri.iter_rows(named=True)
        ]

    questions = _questions(tables)
    if questions:
        defs["questions"] = questions

    from coprod_analytics.session.mapping_base import mapping_definitions
    from coprod_analytics.session.priorities import priority_definitions

    return (
        [
            {
                "action": "define",
                "activity_id": kind,
                "kind": kind,
                "title": _TITLES[kind],
                "items": defs[kind],
            }
            for kind in ACTIVITY_KINDS
            if kind in defs
        ]
        + priority_definitions(tables, item_lists, pairwise=pairwise)
        + mapping_definitions(tables, map_folder)
    )


def _questions(tables: dict[str, pl.DataFrame]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    choice_options: dict[str, list[str]] = {}
    for name, col in (("choices", "answer"), ("predictions", "option")):
        t = tables.get(name)
        if t is not None and t.height:
            for qid, opt in t.select("question_id", col).unique(maintain_order=True).iter_rows():
                opts = choice_options.setdefault(str(qid), [])
                if opt is not None and str(opt) not in opts:
                    opts.append(str(opt))
    q = tables.get("questions")
    if q is not None and q.height:
        for r in q.iter_rows(named=True):
            qid = r["question_id"]
            qtype = str(r.get("type") or "estimate").strip().lower()
            if qtype not in _QUESTION_TYPES:
                raise ValidationError(
                    f"question type must be one of {list(_QUESTION_TYPES)}; got {qtype!r}",
                    table="questions",
                    column="type",
                )
            item: dict[str, Any] = {
                "item_id": _py_id(qid),
                "text": str(r.get("text") or f"Question {qid}"),
                "type": qtype,
            }
            if r.get("unit") is not None:
                item["unit"] = str(r["unit"])
            if _opt_float(r.get("truth")) is not None:
                item["truth"] = _opt_float(r["truth"])
            if qtype == "choice":
                opts = [o.strip() for o in str(r.get("options") or "").split("|") if o.strip()]
                item["options"] = opts or choice_options.get(str(qid), [])
                if not item["options"]:
                    raise ValidationError(
                        f"choice question {qid!r} needs its options ('options', joined by '|')",
                        table="questions",
                        column="options",
                    )
            out.append(item)
            seen.add(str(qid))
    pt = tables.get("probabilities")
    if pt is not None and pt.height:
        for qid in pt.get_column("question_id").unique(maintain_order=True).to_list():
            if str(qid) not in seen:
                seen.add(str(qid))
                out.append(
                    {"item_id": _py_id(qid), "text": f"Question {qid}", "type": "probability"}
                )
    for qid, opts in choice_options.items():
        if qid not in seen and opts:
            seen.add(qid)
            ids = tables["choices"] if "choices" in tables else tables["predictions"]
            raw = next(v for v in ids.get_column("question_id").to_list() if str(v) == qid)
            out.append(
                {
                    "item_id": _py_id(raw),
                    "text": f"Question {qid}",
                    "type": "choice",
                    "options": [o[:_MAX_OPTION] for o in opts],
                }
            )
    return out


def activities_from_folder(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Activity definitions for an inquiry folder (see :func:`activities_from_inquiry`).

    Reads the folder's ``<table>.csv`` files (as
    :func:`~coprod_analytics.io.inputs.read_input_files` does), plus ``panel_items.csv``
    (``item_id``, ``text``, ``scale_min``, ``scale_max``), ``pairwise_items.csv``
    (``item_id``, ``text``), ``ranking_items.csv`` (``item_id``, ``text``, optional ``k``)
    and ``open_questions.csv`` (``question_id``, ``text``) when present, ``pairwise.json``
    (``{"over": "statements", "title": ..., "ideas": ...}``: a pairwise activity over the
    session's statements, see :func:`~coprod_analytics.session.priorities.read_pairwise_choice`)
    in place of ``pairwise_items.csv``, and the map files
    of a ``mapping`` activity (see
    :func:`~coprod_analytics.session.mapping_activity.read_map_folder`).

    Parameters
    ----------
    path : path
        The inquiry folder.

    Returns
    -------
    list of dict
        The ``define`` payloads.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "panel_items.csv").write_text("item_id,text,scale_min,scale_max\\n1,Trust?,1,7\\n")
    >>> _ = (d / "evidence_items.csv").write_text("evidence_id,title,source\\n1,Survey,Bus co\\n")
    >>> [d["kind"] for d in activities_from_folder(d)]
    ['panel', 'evidence']
    """
    from types import SimpleNamespace

    from coprod_analytics.io.inputs import read_input_files

    folder = Path(path)
    panel_items = None
    if (folder / "panel_items.csv").exists():
        panel_items = pl.read_csv(folder / "panel_items.csv", infer_schema_length=None)
        if "item_id" not in panel_items.columns:
            raise ValidationError("panel_items.csv needs an 'item_id' column", table="panel_items")
    lists: dict[str, pl.DataFrame] = {}
    for name, id_col in (
        ("pairwise_items", "item_id"),
        ("ranking_items", "item_id"),
        ("open_questions", "question_id"),
    ):
        f = folder / f"{name}.csv"
        if f.exists():
            t = pl.read_csv(f, infer_schema_length=None)
            if id_col not in t.columns:
                raise ValidationError(f"{name}.csv needs an '{id_col}' column", table=name)
            lists[name] = t
    from coprod_analytics.session.priorities import read_pairwise_choice

    pairwise = read_pairwise_choice(folder)
    tables = read_input_files(folder)
    return activities_from_inquiry(
        SimpleNamespace(tables=tables),
        panel_items=panel_items,
        item_lists=lists,
        map_folder=folder,
        pairwise=pairwise,
    )
