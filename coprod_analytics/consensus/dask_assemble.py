"""From the Dask engine's tallies to an :class:`~coprod_analytics.consensus.result.OpinionGroups`.

The local engine's :func:`~coprod_analytics.consensus.assemble.assemble` reads the whole vote
matrix; here only what the workers added up reaches the client: the participants (one row
each), the ``(k, n_statements)`` group tallies and the statement tallies. The tables are
built with the same functions (canonical letters, representativeness, consensus, honest
tags, priority), so they hold the same numbers; what needs the whole matrix on one machine
(bridging, bootstrap intervals, stability, the verdict) is left null and said in ``notes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.consensus.assemble import canonical_order
from coprod_analytics.consensus.pipeline import PolisState
from coprod_analytics.consensus.repness import SIGNIFICANCE_Z, repness_stats, select_representative
from coprod_analytics.consensus.result import OpinionGroups
from coprod_analytics.consensus.tags import tag_evidence
from coprod_analytics.consensus.tallies import comment_priority, select_consensus
from coprod_analytics.provenance import Provenance

__all__ = ["DaskTallies", "assemble_tallies"]


@dataclass(frozen=True, eq=False)
class DaskTallies:
    """What the Dask engine gathered on the client.

    Attributes
    ----------
    participants : polars.DataFrame
        ``participant_id``, ``x``, ``y``, ``in_conv``, ``n_votes`` in row order.
    labels : np.ndarray
        Group (0..k-1) of every participant row, -1 when not clustered.
    k : int
        Groups shown.
    best_k : int
        The best k by silhouette.
    silhouettes : dict of int to float
        Silhouette of every k tried.
    statements : polars.DataFrame
        ``statement_id``, ``text``, ``moderation``, ``is_meta`` in column order.
    excluded : np.ndarray of bool
        Moderated-out or meta columns.
    counts : np.ndarray
        ``(3, m)`` agrees, disagrees, all votes of everyone.
    group_counts : np.ndarray
        ``(3, k, m)`` the same per group (clustered participants).
    stmt_xy : np.ndarray
        ``(m, 2)`` statement projection.
    state : PolisState
        Pol.is's state after this (cold) update.
    bridging : np.ndarray or None
        Per column: the bridging intercept (NaN where not fitted); None when bridging was
        not asked for.
    bridging_factor : np.ndarray or None
        Per column: the bridging factor (NaN where not fitted); None when bridging was not
        asked for.

    Examples
    --------
    >>> DaskTallies.__name__
    'DaskTallies'
    """

    participants: pl.DataFrame
    labels: np.ndarray
    k: int
    best_k: int
    silhouettes: dict[int, float]
    statements: pl.DataFrame
    excluded: np.ndarray
    counts: np.ndarray
    group_counts: np.ndarray
    stmt_xy: np.ndarray
    state: PolisState
    bridging: np.ndarray | None = None
    bridging_factor: np.ndarray | None = None


def _nullable(values: np.ndarray) -> pl.Series:
    return pl.Series(values=np.asarray(values, dtype=np.float64), nan_to_null=True)


def assemble_tallies(
    t: DaskTallies,
    *,
    parameters: dict[str, Any],
    seed: int,
    fingerprint: str,
    alpha: float = 0.05,
    notes: tuple[str, ...] = (),
) -> OpinionGroups:
    """Build the result tables from the gathered tallies (same columns as the local engine).

    Parameters
    ----------
    t : DaskTallies
        What the workers added up.
    parameters : dict
        Recorded in the result and its provenance.
    seed : int
        Recorded.
    fingerprint : str
        Fingerprint of the dataset (see :mod:`~coprod_analytics.consensus.dask_engine`).
    alpha : float, default 0.05
        Level of the honest tags' Wilson intervals.
    notes : tuple of str
        What the reader should know.

    Returns
    -------
    OpinionGroups
        With ``matrix=None`` (no verdict), null interval and confidence columns, and null
        bridging columns unless the tallies carry them.

    Examples
    --------
    >>> from coprod_analytics.consensus.dask_engine import opinion_groups_dask
    >>> assemble_tallies.__name__  # exercised through opinion_groups_dask
    'assemble_tallies'
    """
    k = t.k
    labels = t.labels
    m = t.statements.height
    n = t.participants.height
    agree, disagree, total = t.group_counts[0], t.group_counts[1], t.group_counts[2]
    all_agree, all_disagree, all_total = t.counts[0], t.counts[1], t.counts[2]
    sids = t.statements.get_column("statement_id")
    sid_list = sids.to_list()
    sizes = np.bincount(labels[labels >= 0], minlength=k) if k else np.zeros(0, np.int64)
    srank = np.empty(m, dtype=np.int64)
    srank[sids.arg_sort().to_numpy()] = np.arange(m)
    mapping = canonical_order(sizes, agree, disagree, srank) if k else np.arange(k)
    shown = np.where(labels >= 0, mapping[np.maximum(labels, 0)], -1)
    rep = repness_stats(agree, disagree, total)
    excluded = t.excluded
    reps = select_representative(rep, excluded) if k >= 1 else []
    cons_a, cons_d = select_consensus(all_agree, all_disagree, all_total, excluded)
    extremity = np.hypot(t.stmt_xy[:, 0], t.stmt_xy[:, 1])
    is_meta = t.statements.get_column("is_meta").to_numpy().astype(bool)
    priority = comment_priority(
        agree.sum(axis=0), disagree.sum(axis=0), total.sum(axis=0), extremity, is_meta
    )
    gac = np.prod((agree + 1.0) / (total + 2.0), axis=0) if k else np.ones(m)
    z = SIGNIFICANCE_Z
    if k >= 2:
        sig_a = (rep.pa > 0.5) & (rep.pat > z)
        sig_d = (rep.pd > 0.5) & (rep.pdt > z)
        n_a, n_d = sig_a.sum(axis=0), sig_d.sum(axis=0)
        both = (sig_a & sig_d).sum(axis=0)
        divisive = (n_a >= 1) & (n_d >= 1) & ((n_a + n_d - both) >= 2) & ~excluded
    else:
        divisive = np.zeros(m, dtype=bool)
    consensus: list[str | None] = [None] * m
    for j in cons_a:
        consensus[j] = "agree"
    for j in cons_d:
        if consensus[j] is None:
            consensus[j] = "disagree"
    direction = np.where(rep.rat > rep.rdt, "agree", "disagree")
    if k >= 2:
        evidence = tag_evidence(agree, disagree, total, direction, excluded=excluded, alpha=alpha)
    else:
        evidence = tag_evidence(
            all_agree[None, :],
            all_disagree[None, :],
            all_total[None, :],
            np.full((1, m), "agree"),
            excluded=excluded,
            alpha=alpha,
        )
    rep_clear = evidence.representative if k >= 2 else np.zeros((k, m), dtype=bool)
    rep_for: list[list[int]] = [[] for _ in range(m)]
    rank = np.full((k, m), -1, dtype=np.int64)
    for g, lst in enumerate(reps):
        for r, rs in enumerate(lst):
            rank[g, rs.column] = r + 1
            rep_for[rs.column].append(int(mapping[g]))
    nulls = pl.Series([None] * m, dtype=pl.Float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        agree_rate = np.where(all_total > 0, all_agree / np.maximum(all_total, 1), np.nan)
    statements = t.statements.with_columns(
        excluded=pl.Series(excluded),
        agree=pl.Series(all_agree.astype(np.int64)),
        disagree=pl.Series(all_disagree.astype(np.int64)),
        **{"pass": pl.Series((all_total - all_agree - all_disagree).astype(np.int64))},
        n_votes=pl.Series(all_total.astype(np.int64)),
        agree_rate=_nullable(agree_rate),
        x=pl.Series(t.stmt_xy[:, 0]),
        y=pl.Series(t.stmt_xy[:, 1]),
        extremity=pl.Series(extremity),
        group_aware_consensus=pl.Series(gac),
        gac_ci_low=nulls,
        gac_ci_high=nulls,
        bridging=nulls if t.bridging is None else _nullable(t.bridging),
        bridging_factor=nulls if t.bridging_factor is None else _nullable(t.bridging_factor),
        consensus=pl.Series(consensus, dtype=pl.String),
        is_consensus=pl.Series([c is not None for c in consensus], dtype=pl.Boolean),
        is_divisive=pl.Series(divisive),
        consensus_clear=pl.Series(evidence.consensus.tolist(), dtype=pl.String),
        divisive_clear=pl.Series(evidence.divisive),
        too_few_votes=pl.Series(evidence.too_few_votes),
        representative_for=pl.Series(rep_for, dtype=pl.List(pl.Int64)),
        priority=pl.Series(priority),
    )
    p = t.participants
    participants = pl.DataFrame(
        {
            "participant_id": p.get_column("participant_id"),
            "x": p.get_column("x"),
            "y": p.get_column("y"),
            "group": pl.Series(shown, dtype=pl.Int64),
            "in_conv": p.get_column("in_conv"),
            "n_votes": p.get_column("n_votes").cast(pl.Int64),
            "confidence": pl.Series([None] * n, dtype=pl.Float64),
        }
    ).with_columns(pl.when(pl.col("group") >= 0).then(pl.col("group")).alias("group"))
    g_idx = np.repeat(np.arange(k), m)
    tot = total.reshape(-1).astype(np.float64)

    def rate(a: np.ndarray) -> pl.Series:
        with np.errstate(invalid="ignore", divide="ignore"):
            return _nullable(np.where(tot > 0, a.reshape(-1) / np.maximum(tot, 1), np.nan))

    passes = total - agree - disagree
    gv_nulls = pl.Series([None] * (k * m), dtype=pl.Float64)
    group_votes = pl.DataFrame(
        {
            "group": pl.Series(mapping[g_idx].astype(np.int64), dtype=pl.Int64),
            "statement_id": pl.concat([sids] * k) if k else sids.clear(),
            "agree": agree.reshape(-1),
            "disagree": disagree.reshape(-1),
            "pass": passes.reshape(-1),
            "total": total.reshape(-1),
            "agree_rate": rate(agree),
            "disagree_rate": rate(disagree),
            "pass_rate": rate(passes),
            "pa": rep.pa.reshape(-1),
            "pd": rep.pd.reshape(-1),
            "pat": rep.pat.reshape(-1),
            "pdt": rep.pdt.reshape(-1),
            "ra": rep.ra.reshape(-1),
            "rd": rep.rd.reshape(-1),
            "rat": rep.rat.reshape(-1),
            "rdt": rep.rdt.reshape(-1),
            "repful_for": pl.Series(
                np.where(rep.rat.reshape(-1) > rep.rdt.reshape(-1), "agree", "disagree").tolist(),
                dtype=pl.String,
            ),
            "rep_rank": pl.Series(rank.reshape(-1)),
            "rep_clear": pl.Series(rep_clear.reshape(-1), dtype=pl.Boolean),
            "agree_ci_low": gv_nulls,
            "agree_ci_high": gv_nulls,
        }
    ).with_columns(pl.when(pl.col("rep_rank") > 0).then(pl.col("rep_rank")).alias("rep_rank"))
    centers = np.zeros((k, 2))
    if k:
        ok = labels >= 0
        for ax, col in enumerate(("x", "y")):
            vals = p.get_column(col).to_numpy()
            centers[:, ax] = np.bincount(labels[ok], weights=vals[ok], minlength=k) / np.maximum(
                sizes, 1
            )
    groups = pl.DataFrame(
        {
            "group": pl.Series(mapping, dtype=pl.Int64),
            "size": pl.Series(sizes.astype(np.int64), dtype=pl.Int64),
            "x": pl.Series(centers[:, 0], dtype=pl.Float64),
            "y": pl.Series(centers[:, 1], dtype=pl.Float64),
            "representative": pl.Series(
                [[sid_list[r.column] for r in reps[g]] for g in range(k)],
                dtype=pl.List(sids.dtype),
            ),
            "representative_direction": pl.Series(
                [[r.direction for r in reps[g]] for g in range(k)], dtype=pl.List(pl.String)
            ),
        }
    ).sort("group")
    prov = Provenance(
        method="opinion_groups", input_fingerprint=fingerprint, parameters=parameters, seed=seed
    )
    return OpinionGroups(
        participants=participants,
        statements=statements,
        group_votes=group_votes.sort("group", maintain_order=True),
        groups=groups,
        k=int(k),
        best_k=int(t.best_k),
        silhouettes={int(a): float(b) for a, b in t.silhouettes.items()},
        consensus_agree=[sid_list[j] for j in cons_a],
        consensus_disagree=[sid_list[j] for j in cons_d],
        stability=None,
        mode="batch",
        as_of=None,
        parameters=parameters,
        seed=seed,
        fingerprint=fingerprint,
        provenance=prov,
        notes=notes,
        state=t.state,
        matrix=None,
    )
