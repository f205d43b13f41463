"""Which pair a participant is asked about next in a live pairwise activity.

:class:`PairChooser` ranks every pair of the pool (items and accepted ideas, or the accepted
statements of an activity over statements) by the
Bradley–Terry next-pair suggestion of
:func:`~coprod_analytics.preferences.pairwise.suggest_next_pair` (the expected reduction of
the model's uncertainty, fitted on everyone's latest answers), and gives each participant
the best pair they have not answered yet; only when they have answered every pair does a
pair come back. Equally informative pairs are spread over participants (by participant id),
so a room does not all answer the same pair first. The ranking is refitted when answers
to the activity arrive (answers to other activities leave it be; the fit reads the
counts of outcomes the state keeps, :attr:`SessionState.pair_outcomes`, never a scan of
every answer), at most once per
``refit_seconds`` and never more often than every five fit
durations (a pool of hundreds of statements takes a second to fit; the server stays
responsive), and at once when the pool changes.

Pure Python, numpy and polars: no web code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from coprod_analytics.session.activities import ActivityRecord
from coprod_analytics.session.priorities import pair_key
from coprod_analytics.session.state import SessionState

__all__ = ["PairChooser"]


@dataclass
class _Ranking:
    n_answers: int
    pool: tuple[str, ...]
    at: float
    pairs: list[tuple[str, str, float]]
    keys: list[str]
    took: float = 0.0


@dataclass
class PairChooser:
    """Chooses the next pair per participant and remembers what was offered.

    Parameters
    ----------
    refit_seconds : float, default 1.0
        Least time between two refits of the model while answers keep arriving.

    Attributes
    ----------
    offered : dict
        ``(participant_id, activity_id) -> set of pair keys`` offered to that participant
        since the server started.

    Examples
    --------
    >>> st = SessionState()
    >>> st.activities["p"] = ActivityRecord("p", "pairwise", "P",
    ...     [{"item_id": i, "text": t} for i, t in [(1, "Parks"), (2, "Buses"), (3, "Bikes")]],
    ...     is_open=True)
    >>> chooser = PairChooser()
    >>> a, b = chooser.pair(st, st.activities["p"], 0)
    >>> (a["text"], b["text"]) in {("Parks", "Buses"), ("Parks", "Bikes"), ("Buses", "Bikes")}
    True
    >>> chooser.was_offered(0, "p", a["item_id"], b["item_id"])
    True
    """

    refit_seconds: float = 1.0
    offered: dict[tuple[int, str], set[str]] = field(default_factory=dict)
    _current: dict[tuple[int, str], tuple[str, int]] = field(default_factory=dict)
    _rankings: dict[str, _Ranking] = field(default_factory=dict)

    def was_offered(self, pid: int, activity_id: str, a: Any, b: Any) -> bool:
        """Whether the pair ``a``, ``b`` was offered to ``pid`` (True when nothing is known
        of ``pid``: offers are kept in memory, and a server restarted since cannot tell).

        Parameters
        ----------
        pid : int
            The participant.
        activity_id : str
            The pairwise activity.
        a, b : any
            The two item ids.

        Returns
        -------
        bool
        """
        seen = self.offered.get((pid, activity_id))
        return seen is None or pair_key(a, b) in seen

    def _ranking(self, state: SessionState, act: ActivityRecord) -> _Ranking:
        from coprod_analytics.preferences.pairwise import suggest_next_pair

        pool = tuple(str(it["item_id"]) for it in act.pool())
        n = state.activity_answers.get(act.activity_id, 0)  # other activities' answers: no refit
        old = self._rankings.get(act.activity_id)
        now = time.monotonic()
        if old is not None and old.pool == pool:
            gap = max(self.refit_seconds, 5 * old.took)
            if old.n_answers == n or now - old.at < gap:
                return old
        known = set(pool)
        counts = [
            (w, lo, tie, float(times))
            for (w, lo, tie), times in state.pair_outcomes.get(act.activity_id, {}).items()
            if w in known and lo in known
        ]
        schema = {"winner": pl.String, "loser": pl.String, "tie": pl.Boolean, "weight": pl.Float64}
        table = pl.DataFrame(counts, schema=schema, orient="row")
        m = len(pool)
        ranked = suggest_next_pair(table, items=list(pool), top=m * (m - 1) // 2)
        pairs = list(
            zip(
                ranked.get_column("item_a").to_list(),
                ranked.get_column("item_b").to_list(),
                ranked.get_column("score").to_list(),
                strict=True,
            )
        )
        keys = [pair_key(a, b) for a, b, _s in pairs]
        ranking = _Ranking(n, pool, now, pairs, keys, time.monotonic() - now)
        self._rankings[act.activity_id] = ranking
        return ranking

    def pair(
        self, state: SessionState, act: ActivityRecord, pid: int
    ) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The pair participant ``pid`` is asked about now (kept until they answer it).

        Parameters
        ----------
        state : SessionState
            The session's state (everyone's latest answers).
        act : ActivityRecord
            A pairwise activity.
        pid : int
            The participant.

        Returns
        -------
        (dict, dict) or None
            The two items (as in the pool), or None when the pool has fewer than two.
        """
        if act.over_statements and act.statements is not state.statements:
            act.statements = state.statements  # the pool is the state's accepted statements
        if len(act.pool()) < 2:
            return None
        mine = state.answers.get(pid, {})
        answered = state.pairs_answered.get((pid, act.activity_id), set())
        slot = (pid, act.activity_id)
        cur, offered_at = self._current.get(slot, (None, 0))
        if cur is not None:
            got = mine.get((act.activity_id, cur, 0))
            if got is None or got[3] < offered_at:  # not answered since it was offered
                a_id, b_id = cur.split("|", 1)
                a, b = act.item(a_id), act.item(b_id)
                if a is not None and b is not None:
                    return a, b
        ranked = self._ranking(state, act)
        ties: list[tuple[str, str, float]] = []  # the best unanswered pairs (ranked: best first)
        for p, k in zip(ranked.pairs, ranked.keys, strict=True):
            if k in answered:
                continue
            if ties and abs(p[2] - ties[0][2]) > 1e-9 * max(1.0, abs(ties[0][2])):
                break
            ties.append(p)
        if ties:
            a_id, b_id, _ = ties[pid % len(ties)]
        else:  # every pair answered: ask again, the most informative first but not the last
            last = cur if cur is not None else ""
            again = [p for p, k in zip(ranked.pairs, ranked.keys, strict=True) if k != last]
            again = again or ranked.pairs
            a_id, b_id, _ = again[0]
        key = pair_key(a_id, b_id)
        self._current[slot] = (key, time.time_ns() // 1_000_000)
        self.offered.setdefault(slot, set()).add(key)
        a, b = act.item(a_id), act.item(b_id)
        if a is None or b is None:  # pragma: no cover - the pool changed meanwhile
            return None
        return a, b
