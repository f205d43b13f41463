"""Planted opinion structure for calibrating the groups verdict, written here and NOT with
our simulator (``coprod_analytics.simulate``): a logistic vote model in the style of
scikit-learn's ``make_blobs`` (Gaussian group centres), with missing votes and passes.

``planted_votes(k, ...)`` with ``k = 1`` draws votes without groups (every participant
independent, each statement its own agree rate); ``continuum=True`` places participants
uniformly along one latent axis (differences of degree, no camps).
"""

from __future__ import annotations

import numpy as np
import polars as pl

#: Group shares of the planted groups (unequal, as real rooms are).
SHARES = {1: (1.0,), 2: (0.6, 0.4), 3: (0.45, 0.35, 0.2), 4: (0.35, 0.3, 0.2, 0.15)}


def planted_votes(
    k: int,
    *,
    n_participants: int = 150,
    n_statements: int = 40,
    separation: float = 1.5,
    vote_rate: float = 0.6,
    pass_rate: float = 0.1,
    continuum: bool = False,
    seed: int = 0,
) -> tuple[pl.DataFrame, np.ndarray]:
    """Votes (``participant_id``, ``statement_id``, ``vote``) and the planted group of
    every participant (0 .. k-1; all 0 for k = 1 and for a continuum).

    The agree log-odds of participant i on statement j is ``b_j + c_{g(i), j}`` with
    ``b_j ~ N(0, 0.8^2)`` and group centres ``c_g ~ N(0, separation^2)`` per statement
    (``c = 0`` for k = 1); for a continuum ``b_j + separation * t_i * w_j`` with
    ``t_i ~ U(-1, 1)``, ``w_j ~ N(0, 1)``. Each participant votes on a statement with
    probability ``vote_rate``; a vote is a pass with probability ``pass_rate``.
    """
    rng = np.random.default_rng(seed)
    n, m = n_participants, n_statements
    base = rng.normal(0.0, 0.8, m)
    if continuum:
        t = rng.uniform(-1.0, 1.0, n)
        w = rng.normal(0.0, 1.0, m)
        logit = base[None, :] + separation * t[:, None] * w[None, :]
        truth = np.zeros(n, dtype=np.int64)
    else:
        shares = np.asarray(SHARES[k])
        sizes = np.floor(shares * n).astype(int)
        sizes[0] += n - sizes.sum()
        truth = np.repeat(np.arange(k), sizes)
        centres = rng.normal(0.0, separation, (k, m)) if k > 1 else np.zeros((1, m))
        logit = base[None, :] + centres[truth]
    p = 1.0 / (1.0 + np.exp(-logit))
    vote = np.where(rng.random((n, m)) < p, 1, -1)
    vote = np.where(rng.random((n, m)) < pass_rate, 0, vote)
    voted = rng.random((n, m)) < vote_rate
    perm = rng.permutation(n)  # participant ids do not reveal the groups
    pid, sid = np.nonzero(voted)
    frame = pl.DataFrame(
        {"participant_id": perm[pid], "statement_id": sid, "vote": vote[pid, sid]},
        schema={"participant_id": pl.Int64, "statement_id": pl.Int64, "vote": pl.Int64},
    )
    by_id = np.empty(n, dtype=np.int64)
    by_id[perm] = truth
    return frame, by_id
