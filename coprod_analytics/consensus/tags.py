"""Honest tags: a statement is called consensus, divisive or representative only when the
votes are enough to say so.

Pol.is's own selections (``consensus``, ``is_divisive``, ``rep_rank``) use smoothed
z-scores that pass with two votes per group (2 of 2 agree gives ``pat`` = 2.65). Early in a
live session that lists statements with 2 votes per group under "common ground". This module
adds the rule the board uses before it makes a claim.

The rule
--------
Every rate below is a share of *all* votes in the group (passes count in the denominator),
with its Wilson interval at level ``1 - alpha`` (default 95%); the threshold is 1/2 (a
majority):

* **consensus (agree)**: in every group (in the whole room when there are fewer than two
  groups) the interval of the agree rate lies above 1/2. **consensus (disagree)** likewise
  with the disagree rate.
* **divisive**: one group's agree-rate interval lies above 1/2 and another group's
  disagree-rate interval lies above 1/2.
* **representative** of group g in direction d (Pol.is's selection, ``rep_rank``): the
  interval of the group's d-rate lies above 1/2 and above the rest of the room's d-rate.

A statement whose claim is still possible — every interval that must clear the threshold
reaches above it — but not yet clear is **"too few votes yet"**. With no passes, a group
needs at least 4 of 4 agreeing votes (Wilson lower bound 0.51) before it counts towards a
consensus; 2 of 2 gives a lower bound of 0.34.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from coprod_analytics.intervals import wilson_interval

__all__ = ["TOO_FEW_VOTES", "TagEvidence", "tag_evidence"]

#: What the board says instead of a claim the votes cannot carry yet.
TOO_FEW_VOTES = "too few votes yet"


@dataclass(frozen=True, eq=False)
class TagEvidence:
    """Which tags the votes support (arrays; see the module docs for the rule).

    Attributes
    ----------
    consensus : np.ndarray of object
        Per statement: ``"agree"``, ``"disagree"`` or None (no clear consensus).
    divisive : np.ndarray of bool
        Per statement: clearly divisive.
    representative : np.ndarray of bool
        ``(k, n_statements)``: the group's rate in the direction of its representativeness
        (``direction``) clears 1/2 and the rest of the room.
    too_few_votes : np.ndarray of bool
        Per statement: no claim is clear yet but one is still possible.

    Examples
    --------
    >>> ev = tag_evidence(np.array([[2]]), np.array([[0]]), np.array([[2]]),
    ...                   np.array([["agree"]]), excluded=np.array([False]))
    >>> ev.consensus.tolist(), ev.too_few_votes.tolist()
    ([None], [True])
    """

    consensus: np.ndarray
    divisive: np.ndarray
    representative: np.ndarray
    too_few_votes: np.ndarray


def tag_evidence(
    agree: np.ndarray,
    disagree: np.ndarray,
    total: np.ndarray,
    direction: np.ndarray,
    *,
    excluded: np.ndarray,
    alpha: float = 0.05,
) -> TagEvidence:
    """Apply the honest-tag rule to per-group vote counts.

    Parameters
    ----------
    agree, disagree, total : np.ndarray
        ``(k, n_statements)`` counts per group (``total`` includes passes). With ``k < 2``
        pass the whole room as one row.
    direction : np.ndarray of str
        ``(k, n_statements)``: ``"agree"`` or ``"disagree"``, the side on which each group's
        representativeness is tested (Pol.is's ``repful_for``).
    excluded : np.ndarray of bool
        Per statement: moderated out or meta (never tagged).
    alpha : float, default 0.05
        Interval level ``1 - alpha``.

    Returns
    -------
    TagEvidence

    Examples
    --------
    Two groups; statement 0 has 2 of 2 agreeing in each group, statement 1 has 30 of 30:

    >>> a = np.array([[2, 30], [2, 30]])
    >>> ev = tag_evidence(a, 0 * a, a, np.full((2, 2), "agree"), excluded=np.zeros(2, bool))
    >>> ev.consensus.tolist(), ev.too_few_votes.tolist()
    ([None, 'agree'], [True, False])
    """
    agree = np.atleast_2d(np.asarray(agree, dtype=np.float64))
    disagree = np.atleast_2d(np.asarray(disagree, dtype=np.float64))
    total = np.atleast_2d(np.asarray(total, dtype=np.float64))
    k, m = total.shape
    a_lo, a_hi = wilson_interval(agree, total, alpha=alpha)
    d_lo, d_hi = wilson_interval(disagree, total, alpha=alpha)
    # a group without votes on a statement can neither carry nor block a claim yet
    a_lo, d_lo = np.nan_to_num(a_lo, nan=0.0), np.nan_to_num(d_lo, nan=0.0)
    a_hi, d_hi = np.nan_to_num(a_hi, nan=1.0), np.nan_to_num(d_hi, nan=1.0)
    half = 0.5
    ok = ~np.asarray(excluded, dtype=bool)
    if k == 0:
        none = np.zeros(m, dtype=bool)
        return TagEvidence(np.full(m, None, dtype=object), none, np.zeros((0, m), bool), none)
    cons_a = (a_lo > half).all(axis=0) & ok
    cons_d = (d_lo > half).all(axis=0) & ok & ~cons_a
    consensus = np.full(m, None, dtype=object)
    consensus[cons_a] = "agree"
    consensus[cons_d] = "disagree"
    maybe_cons = ((a_hi > half).all(axis=0) | (d_hi > half).all(axis=0)) & ok
    if k >= 2:
        # a group cannot clear both (the two rates sum to at most 1), so two groups differ
        divisive = ((a_lo > half).any(axis=0) & (d_lo > half).any(axis=0)) & ok
        may_a, may_d = a_hi > half, d_hi > half
        n_a, n_d, both = may_a.sum(axis=0), may_d.sum(axis=0), (may_a & may_d).sum(axis=0)
        maybe_div = (n_a >= 1) & (n_d >= 1) & (n_a + n_d - both >= 2) & ok
    else:
        divisive = np.zeros(m, dtype=bool)
        maybe_div = np.zeros(m, dtype=bool)
    # representativeness against the rest of the room
    is_agree = np.asarray(direction) == "agree"
    lo = np.where(is_agree, a_lo, d_lo)
    rest_a = agree.sum(axis=0, keepdims=True) - agree
    rest_d = disagree.sum(axis=0, keepdims=True) - disagree
    rest_cnt = np.where(is_agree, rest_a, rest_d)
    rest_tot = total.sum(axis=0, keepdims=True) - total
    with np.errstate(invalid="ignore", divide="ignore"):
        rest_rate = np.where(rest_tot > 0, rest_cnt / np.maximum(rest_tot, 1), 0.0)
    representative = (lo > half) & (lo > rest_rate) & ok[None, :]
    clear_any = (consensus != None) | divisive  # noqa: E711
    too_few = (maybe_cons | maybe_div) & ~clear_any & ok
    return TagEvidence(
        consensus=consensus,
        divisive=divisive,
        representative=representative,
        too_few_votes=too_few,
    )
