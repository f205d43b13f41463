"""The facilitator's live view of a session, as plain state (no widgets): :class:`LiveSession`.

:meth:`LiveSession.poll` opens a FRESH read-only connection to the session database each
time (WAL readers never block the server's writer), checks whether the log grew, and only
then re-reads it: participation counts are refreshed on every change, the opinion groups at
most every ``recompute_interval`` seconds, warm-started from the previous result so group
labels stay stable (``opinion_groups(previous=...)``, Hungarian label matching).

"Is there enough data yet?" (:meth:`LiveSession.readiness`)
-----------------------------------------------------------
- ``"not yet"``: fewer than 15 participants have cast 7 votes (Pol.is clusters only
  participants with 7 votes and needs 15 of them), so there are no groups to speak of;
- ``"groups forming"``: groups exist, but the median accepted statement has fewer than
  ``10 x max(k, 2)`` votes, i.e. fewer than about 10 per group and statement, where a
  group's agree rate is still uncertain by more than +-0.3 (95% Wilson interval at 50%); or
  the groups moved: fewer than 90% of participants clustered in both of the last two
  updates kept their group;
- ``"enough"``: both hold.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

__all__ = ["LiveSession", "Readiness"]

log = logging.getLogger("coprod_analytics.session.live")

MIN_VOTES = 7
MIN_PARTICIPANTS = 15
PER_GROUP_VOTES = 10
STABLE_SHARE = 0.9


@dataclass(frozen=True)
class Readiness:
    """The "enough data yet?" verdict and the numbers behind it.

    Parameters
    ----------
    level : str
        ``"not yet"``, ``"groups forming"`` or ``"enough"``.
    message : str
        The verdict in plain words, for the facilitator.
    participants_clustered : int
        Participants with enough votes to be placed in a group.
    median_votes_per_statement : float
        Median votes an accepted statement has.
    target_votes_per_statement : int
        Votes per statement wanted for the groups found.
    label_stability : float or None
        Share of participants who kept their group in the last update.

    Examples
    --------
    >>> Readiness("not yet", "3 of 15", 3, 2.0, 20, None).level
    'not yet'
    """

    level: str  # "not yet", "groups forming", "enough"
    message: str
    participants_clustered: int
    median_votes_per_statement: float
    target_votes_per_statement: int
    label_stability: float | None


@dataclass
class LiveSession:
    """Poll a session database and keep what the facilitator's dashboard shows.

    Parameters
    ----------
    db_path : str or Path
        The session database (read-only).
    recompute_interval : float
        Least seconds between two opinion-group recomputations.
    seed : int
        Seed of the analysis.
    last_seq : int
        ``seq`` of the last event read (state, not an input).
    inquiry : Inquiry or None
        The session as last read, with its tables (state).
    result : OpinionGroups or None
        The last opinion groups (state).
    previous_groups : dict
        Participant to group of the previous recomputation (state).
    label_stability : float or None
        Share of participants who kept their group label (state).
    counts : dict
        Headline counts for the dashboard (state).
    pending : list of dict
        Statements waiting for moderation (state).
    is_open : bool
        The session takes votes (state).
    settings : dict
        The session's settings (state).
    updates : int
        How often something new was read (state).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics.session import SessionStore
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> with SessionStore(db) as s:
    ...     _ = s.add_statements(["a", "b"])
    ...     _ = s.record_vote(s.join(), 0, 1)
    >>> live = LiveSession(db)
    >>> live.poll(), live.counts["votes"], live.poll()
    (True, 1, False)
    """

    db_path: str | os.PathLike[str]
    recompute_interval: float = 3.0
    seed: int = 0
    last_seq: int = 0
    inquiry: Any = None
    result: Any = None
    previous_groups: dict[Any, int] = field(default_factory=dict)
    label_stability: float | None = None
    counts: dict[str, Any] = field(default_factory=dict)
    pending: list[dict[str, Any]] = field(default_factory=list)
    is_open: bool = True
    settings: dict[str, Any] = field(default_factory=dict)
    updates: int = 0
    _last_compute: float = 0.0
    _dirty_groups: bool = False

    def _fresh_seq(self) -> int:
        uri = f"{Path(self.db_path).resolve().as_uri()}?mode=ro"
        conn = sqlite3.connect(uri, uri=True)
        try:
            row = conn.execute("SELECT COALESCE(MAX(seq), 0) FROM events").fetchone()
            return int(row[0])
        finally:
            conn.close()

    def poll(self, *, force_groups: bool = False) -> bool:
        """Re-read the store if it changed, and recompute the groups when due.

        A failed recomputation is logged (``coprod_analytics.session.live``) and the last
        groups are kept.

        Parameters
        ----------
        force_groups : bool, default False
            Recompute the opinion groups now if anything changed, even before
            ``recompute_interval`` has passed.

        Returns
        -------
        bool
            True when something new is there to draw.
        """
        changed = False
        seq = self._fresh_seq()
        if seq != self.last_seq:
            from coprod_analytics.session import read_session

            self.inquiry = read_session(self.db_path)
            self.last_seq = seq
            self._refresh_counts()
            self._dirty_groups = True
            self.updates += 1
            changed = True
        due = time.monotonic() - self._last_compute >= self.recompute_interval
        if self._dirty_groups and (due or force_groups):
            changed = self._recompute() or changed
        return changed

    def _refresh_counts(self) -> None:
        inq = self.inquiry
        meta = inq.metadata
        self.is_open = bool(meta.get("session_open", True))
        self.settings = dict(meta.get("settings") or {})
        c = inq.counts()
        per_p = inq.votes.group_by("participant_id").len()
        stmts = inq.statements
        accepted = stmts.filter((pl.col("moderation") == 1) & ~pl.col("is_meta"))
        tallies = inq.statement_tallies().filter(
            pl.col("statement_id").is_in(accepted["statement_id"].implode())
        )
        last = inq.vote_log.get_column("time").max()
        self.counts = {
            **c,
            "joined": inq.participants.height,
            "voters": int(per_p.height),
            "with_min_votes": int((per_p["len"] >= MIN_VOTES).sum()) if per_p.height else 0,
            "accepted_statements": accepted.height,
            "median_votes_per_statement": float(tallies["total"].median() or 0.0)
            if tallies.height
            else 0.0,
            "last_vote": None if last is None else str(last),
        }
        pend = stmts.filter(pl.col("moderation") == 0)
        self.pending = [
            {"statement_id": r["statement_id"], "text": r["text"], "author_id": r["author_id"]}
            for r in pend.iter_rows(named=True)
        ]

    def _recompute(self) -> bool:
        from coprod_analytics.consensus import opinion_groups

        self._last_compute = time.monotonic()
        self._dirty_groups = False
        if self.counts.get("with_min_votes", 0) < 2 or self.inquiry.votes.height < 10:
            return False
        kwargs: dict[str, Any] = {"bridging": False, "seed": self.seed, "progress": False}
        try:
            res = opinion_groups(self.inquiry, previous=self.result, **kwargs)
        except Exception:
            log.warning("warm-started opinion groups failed; starting afresh", exc_info=True)
            try:
                res = opinion_groups(self.inquiry, **kwargs)
            except Exception:
                log.exception(
                    "the opinion groups of %s could not be computed; the dashboard keeps the "
                    "last ones",
                    self.db_path,
                )
                return False
        clustered = res.participants.filter(pl.col("in_conv"))
        groups = dict(
            zip(clustered["participant_id"].to_list(), clustered["group"].to_list(), strict=True)
        )
        both = [p for p in groups if p in self.previous_groups]
        if both:
            same = sum(groups[p] == self.previous_groups[p] for p in both)
            self.label_stability = same / len(both)
        self.previous_groups = groups
        self.result = res
        return True

    def readiness(self) -> Readiness:
        """Whether there is enough data for stable groups (see the module documentation).

        Returns
        -------
        Readiness
            The verdict and the numbers behind it.

        Examples
        --------
        >>> import tempfile, pathlib
        >>> from coprod_analytics.session import SessionStore
        >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
        >>> SessionStore(db).close()
        >>> live = LiveSession(db)
        >>> _ = live.poll()
        >>> live.readiness().level
        'not yet'
        """
        clustered = int(self.counts.get("with_min_votes", 0))
        median = float(self.counts.get("median_votes_per_statement", 0.0))
        k = self.result.k if self.result is not None else 2
        target = PER_GROUP_VOTES * max(k, 2)
        stab = self.label_stability
        if clustered < MIN_PARTICIPANTS:
            level = "not yet"
            msg = (
                f"{clustered} of the {MIN_PARTICIPANTS} participants with {MIN_VOTES}+ votes "
                "needed before opinion groups mean anything"
            )
        elif median < target or (stab is not None and stab < STABLE_SHARE):
            level = "groups forming"
            parts = [f"median {median:.0f} of {target} votes per statement"]
            if stab is not None:
                parts.append(f"{100 * stab:.0f}% kept their group in the last update")
            msg = "groups are forming: " + "; ".join(parts)
        else:
            level = "enough"
            msg = f"enough data: median {median:.0f} votes per statement (target {target})"
        return Readiness(level, msg, clustered, median, target, stab)
