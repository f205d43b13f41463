"""Pol.is comment priority for choosing the next statement, computed off the request path.

:func:`compute_priorities` runs the consensus pipeline on the session database (read-only)
and returns each statement's Pol.is priority. The server calls it in a separate worker
process every few seconds, so the heavy numerics never block vote acceptance; the worker
keeps the previous result and warm-starts from it (``opinion_groups(previous=...)``).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["MIN_VOTES", "choose_statement", "compute_priorities"]

log = logging.getLogger("coprod_analytics.session.priority")

#: fewer votes than this: no priorities yet (the server hands out the fewest-voted first)
MIN_VOTES = 10

_previous: Any = None


def compute_priorities(db_path: str) -> dict[int, float]:
    """Pol.is priority of each statement of a session.

    Runs :func:`~coprod_analytics.consensus.opinion_groups` on the session (warm-started
    from the previous call in this process). When the pipeline fails (too little data, a
    degenerate matrix, a bug), the failure is logged with its traceback on the
    ``coprod_analytics.session.priority`` logger and the result is empty, so the server
    falls back to handing out the statements with the fewest votes.

    Parameters
    ----------
    db_path : str
        The session database.

    Returns
    -------
    dict of int to float
        ``statement_id -> priority``; empty with fewer than :data:`MIN_VOTES` votes or
        when the pipeline failed.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from coprod_analytics.session import SessionStore
    >>> db = pathlib.Path(tempfile.mkdtemp()) / "s.db"
    >>> with SessionStore(db) as store:
    ...     _ = store.add_statements(["a", "b"])
    >>> compute_priorities(str(db))  # no votes yet
    {}
    """
    global _previous
    from coprod_analytics.consensus import opinion_groups
    from coprod_analytics.session import read_session

    inquiry = read_session(db_path)
    if inquiry.votes.height < MIN_VOTES:
        return {}
    try:
        res = opinion_groups(inquiry, bridging=False, previous=_previous, progress=False)
    except Exception:
        log.warning("warm-started priority computation failed; starting afresh", exc_info=True)
        try:
            res = opinion_groups(inquiry, bridging=False, progress=False)
        except Exception:
            log.exception(
                "the Pol.is priority of %s could not be computed; the next statement falls "
                "back to the fewest votes",
                db_path,
            )
            _previous = None
            return {}
    _previous = res
    table = res.statements.select("statement_id", "priority").drop_nulls()
    return {int(s): float(p) for s, p in table.iter_rows()}


def choose_statement(
    candidates: Sequence[int],
    n_votes: Mapping[int, int],
    priorities: Mapping[int, float],
    rng: random.Random,
) -> int | None:
    """Pick the next statement for a participant among ``candidates`` (not yet voted).

    With priorities: a random draw weighted by Pol.is priority (as Pol.is does, so that
    participants do not all get the same statement); statements newer than the last
    priority computation get the highest known priority (Pol.is boosts new statements).
    Without priorities: one of the statements with the fewest votes.

    Parameters
    ----------
    candidates : sequence of int
        Statement ids the participant may get.
    n_votes : mapping of int to int
        Votes each statement has so far.
    priorities : mapping of int to float
        Pol.is priorities (empty: fewest votes first).
    rng : random.Random
        The random draw's source.

    Returns
    -------
    int or None
        The chosen statement id; None when there are no candidates.

    Examples
    --------
    >>> choose_statement([3, 4], {3: 5, 4: 1}, {}, random.Random(0))
    4
    >>> choose_statement([], {}, {}, random.Random(0)) is None
    True
    """
    if not candidates:
        return None
    if priorities:
        top = max(priorities.values())
        weights = [max(priorities.get(c, top), 1e-9) for c in candidates]
        return rng.choices(list(candidates), weights=weights, k=1)[0]
    fewest = min(n_votes.get(c, 0) for c in candidates)
    pool = [c for c in candidates if n_votes.get(c, 0) == fewest]
    return rng.choice(pool)
