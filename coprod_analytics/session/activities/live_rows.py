"""The answer rows of a live session, kept up to date answer by answer: :class:`LiveRows`.

A facilitator's dashboard reads a few hundred new answers at a time from a session that may
hold a hundred thousand. Rebuilding every answer table from all the latest answers on each
read costs a growing share of a second; :class:`LiveRows` keeps each table's answer rows
(:func:`~coprod_analytics.session.activities.row_frames`, with their hidden order columns)
and, for the answers that changed, drops their old rows and merges in the new ones. The
tables are then built from the rows as a fresh read builds them
(:func:`~coprod_analytics.session.activities.tables_from_rows`), in the same order: the
answers' time, ties broken by participant, activity, item and round.

A row depends on its answer and its activity's definition only, so a redefined activity, or
a table whose columns changed (a pairwise pool whose ids turned from numbers to text), is
rebuilt from all its answers (:meth:`LiveRows.rebuild`).

Pure polars: no web code.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from coprod_analytics.session.activities.records import ActivityRecord
from coprod_analytics.session.activities.tables import (
    ORDER,
    Latest,
    row_frames,
    row_schemas,
    tables_from_rows,
)

__all__ = ["LiveRows"]

#: The hidden columns naming an answer's slot (participant, activity, item key, round).
_SLOT = {k: ORDER[k] for k in ("__p", "__a", "__k", "__r")}


@dataclass
class LiveRows:
    """Answer rows per table, kept up to date as answers arrive.

    Parameters
    ----------
    frames : dict of str to polars.DataFrame
        Per table (see :func:`~coprod_analytics.session.activities.row_schemas`), its answer
        rows with the hidden order columns, in order (state).

    Examples
    --------
    >>> a = ActivityRecord("r", "ratings", "R", [{"item_id": 1, "text": "Buses"}])
    >>> rows = LiveRows()
    >>> rows.rebuild({"r": a}, {(1, "r", "1", 0): (1, 0, {"rating": 2.0}, 10)})
    >>> rows.update({"r": a}, {(2, "r", "1", 0): (1, 0, {"rating": 5.0}, 11),
    ...                        (1, "r", "1", 0): (1, 0, {"rating": 4.0}, 12)})
    >>> rows.tables({"r": a})["ratings"].select("participant_id", "rating").rows()
    [(2, 5.0), (1, 4.0)]
    """

    frames: dict[str, pl.DataFrame] = field(default_factory=dict)

    def fold(
        self,
        state: Any,
        touched: set[str] | None,
        answered: set[tuple[int, str, str, int]],
        redefined: Collection[str] = (),
    ) -> dict[str, pl.DataFrame]:
        """The answer tables of the kinds of the activities touched, after new events.

        Parameters
        ----------
        state : SessionState
            The session, with the new events applied.
        touched : set of str or None
            The activities whose tables changed (None: all, as on the first read).
        answered : set of tuple
            The slots ``(participant_id, activity_id, item key, round)`` answered by the new
            events: only their rows are replaced.
        redefined : collection of str
            Activities defined again: their kinds' rows are built again from all answers.

        Returns
        -------
        dict of str to polars.DataFrame
            The tables of every activity of the kinds touched (a mapping's and an
            appraisal's together: both give the ``places`` table), as
            :func:`~coprod_analytics.session.activities.answer_tables` gives them.
        """
        from coprod_analytics.session.mapping_activity import MAPPING_KINDS

        everything = state.activities
        kinds = {a.kind for aid, a in everything.items() if touched is None or aid in touched}
        if kinds & set(MAPPING_KINDS):
            kinds |= set(MAPPING_KINDS)
        acts = {aid: a for aid, a in everything.items() if a.kind in kinds}
        if not acts:
            return {}
        again = set(kinds) if touched is None else {acts[a].kind for a in redefined if a in acts}
        again |= self.stale(acts)
        if again:
            kept = {aid: a for aid, a in acts.items() if a.kind in again}
            self.rebuild(kept, state.latest_answers(kept))
        self.update(
            acts,
            {
                slot: state.answers[slot[0]][slot[1:]]
                for slot in answered
                if slot[1] in acts and acts[slot[1]].kind not in again
            },
        )
        return self.tables(acts, statements=state.statements)

    def rebuild(self, activities: dict[str, ActivityRecord], latest: Latest) -> None:
        """Build the rows of the activities' tables afresh.

        Parameters
        ----------
        activities : dict of str to ActivityRecord
            Every activity of the kinds to rebuild (a table holds all of a kind's answers).
        latest : dict
            Their latest answers (any others are left out).
        """
        for name in row_schemas(activities):
            self.frames.pop(name, None)
        self.frames.update(row_frames(activities, latest))

    def update(self, activities: dict[str, ActivityRecord], changed: Latest) -> None:
        """Replace the rows of the answers that changed by those of their latest answer.

        Parameters
        ----------
        activities : dict of str to ActivityRecord
            The session's activities.
        changed : dict
            The latest answer of each slot that changed (see ``Latest``).
        """
        if not changed:
            return
        new = row_frames(activities, changed)
        answered = {k[1]: activities[k[1]] for k in changed if k[1] in activities}
        gone = pl.DataFrame([tuple(k) for k in changed], schema=_SLOT, orient="row")
        for name in set(row_schemas(answered)) | set(new):
            old = self.frames.get(name)
            if old is not None and old.height:
                old = old.join(gone, on=list(_SLOT), how="anti", maintain_order="left")
            merged = _merge(old, new.get(name))
            if merged is not None:
                self.frames[name] = merged

    def stale(self, activities: dict[str, ActivityRecord]) -> set[str]:
        """The kinds whose tables' columns are no longer those the rows were built with.

        Parameters
        ----------
        activities : dict of str to ActivityRecord
            The session's activities.

        Returns
        -------
        set of str
            Activity kinds to :meth:`rebuild`.
        """
        out: set[str] = set()
        for act in activities.values():
            for name, schema in row_schemas({act.activity_id: act}).items():
                f = self.frames.get(name)
                if f is not None and any(f.schema[c] != t for c, t in schema.items()):
                    out.add(act.kind)
        return out

    def tables(
        self, activities: dict[str, ActivityRecord], *, statements: Any = None
    ) -> dict[str, pl.DataFrame]:
        """The inquiry tables of the activities, as
        :func:`~coprod_analytics.session.activities.answer_tables` gives them.

        Parameters
        ----------
        activities : dict of str to ActivityRecord
            Every activity of the kinds wanted.
        statements : dict of int to StatementRecord, optional
            The session's statements.

        Returns
        -------
        dict of str to polars.DataFrame
        """
        return tables_from_rows(activities, self.frames, statements=statements)


def _merge(old: pl.DataFrame | None, new: pl.DataFrame | None) -> pl.DataFrame | None:
    """Both sorted frames as one sorted frame: only the rows from the new ones' first time
    on are sorted again (answers mostly arrive in time order)."""
    if new is None or not new.height:
        return old
    if old is None or not old.height:
        return new
    cut = old.get_column("__t").search_sorted(new.get_column("__t")[0], side="left")
    if cut == old.height:
        return pl.concat([old, new])
    tail = pl.concat([old.slice(cut), new]).sort(list(ORDER), maintain_order=True)
    return pl.concat([old.slice(0, cut), tail])
