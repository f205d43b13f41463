"""The activity kinds and :class:`ActivityRecord`: an activity as the session's log says it
stands now (its items, open state, Delphi round or panel wave, settings, ideas, places).

What each kind's answer holds and which inquiry table it feeds is in
:mod:`coprod_analytics.session.activities`; this module holds the kinds and the tables they
feed (:data:`ACTIVITY_KINDS`, :data:`ANSWER_TABLES`), the record, the pool of a pairwise
activity over the session's statements (:func:`bind_statements`) and the round an answer is
kept apart by (:func:`slot_round`, :func:`wave_name`).

Pure Python: no web code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import polars as pl

__all__ = [
    "ACTIVITY_KINDS",
    "ANSWER_TABLES",
    "PANEL_WAVES",
    "PREFER_NOT_TO_SAY",
    "ActivityRecord",
    "bind_statements",
    "rows_frame",
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
    had_ideas : bool
        An idea was ever accepted into the pool (its id, ``"idea-<statement id>"``, stays in
        the answers comparing it even if it is rejected later, so the ``pairwise`` table's
        ids stay text).
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
    had_ideas: bool = False
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


def rows_frame(frames: dict[str, pl.DataFrame], name: str, schema: dict[str, Any]) -> pl.DataFrame:
    """The answer rows of the table ``name``, in ``schema`` (other columns left out).

    Parameters
    ----------
    frames : dict of str to polars.DataFrame
        Answer rows per table (:func:`~coprod_analytics.session.activities.row_frames`).
    name : str
        The table.
    schema : dict
        Its columns and their dtypes.

    Returns
    -------
    polars.DataFrame
        Empty, with the schema's columns, when ``frames`` has no such table.

    Examples
    --------
    >>> rows_frame({}, "support", {"participant_id": pl.Int64}).columns
    ['participant_id']
    """
    f = frames.get(name)
    if f is None:
        return pl.DataFrame(schema=schema)
    return f.select([pl.col(c).cast(t) for c, t in schema.items()])
