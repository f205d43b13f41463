"""Pol.is comment priority for choosing the next statement, computed off the request path.

:func:`compute_priorities` runs the consensus pipeline on the session database (read-only)
and returns each statement's Pol.is priority. The server calls it in a separate worker
process every few seconds, so the heavy numerics never block vote acceptance; the worker
keeps the previous result and warm-starts from it (``opinion_groups(previous=...)``).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["choose_statement", "compute_priorities"]

_previous: Any = None


def compute_priorities(db_path: str) -> dict[int, float]:
    """Pol.is priority of each statement of a session (empty when too few votes yet)."""
    global _previous
    from coprod_analytics.consensus import opinion_groups
    from coprod_analytics.session import read_session

    inquiry = read_session(db_path)
    if inquiry.votes.height < 10:
        return {}
    try:
        res = opinion_groups(inquiry, bridging=False, previous=_previous)
    except Exception:  # too little data, degenerate matrix: fall back to fewest votes
        try:
            res = opinion_groups(inquiry, bridging=False)
        except Exception:
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
