"""From one pipeline run to an :class:`~coprod_analytics.consensus.result.OpinionGroups`:
stable display labels, tallies and the statement, participant and group tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from coprod_analytics.consensus.pipeline import PipelineOutput, row_keys_for
from coprod_analytics.consensus.repness import SIGNIFICANCE_Z, repness_stats, select_representative
from coprod_analytics.consensus.resampling import bootstrap_arrays, pipeline_stability
from coprod_analytics.consensus.result import OpinionGroups
from coprod_analytics.consensus.stability import StabilityResult
from coprod_analytics.consensus.tags import tag_evidence
from coprod_analytics.consensus.tallies import comment_priority, group_vote_counts, select_consensus
from coprod_analytics.provenance import Provenance

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.consensus.matrix import VoteMatrix
    from coprod_analytics.inquiry import Inquiry

__all__ = ["DeferredBridging", "assemble", "canonical_order", "hungarian_relabel"]


def canonical_order(
    sizes: np.ndarray, agree: np.ndarray, disagree: np.ndarray, statement_rank: np.ndarray
) -> np.ndarray:
    """The canonical letters of groups: A is the largest group, B the next, and so on.

    Ties in size are broken by the groups' votes, never by row order or participant ids:
    more agree votes in total first, then more disagree votes, then the per-statement agree
    counts and disagree counts compared statement by statement in statement-id order. Two
    groups that tie on all of these cast identical votes.

    Parameters
    ----------
    sizes : np.ndarray
        ``(k,)`` clustered members per group.
    agree, disagree : np.ndarray
        ``(k, n_statements)`` agree and disagree counts per group.
    statement_rank : np.ndarray
        ``(n_statements,)`` rank of every column's statement id (0 = smallest id).

    Returns
    -------
    np.ndarray
        ``mapping[g]`` = the canonical label (0 = "A") of pipeline group ``g``.

    Examples
    --------
    >>> agree = np.array([[1, 0], [3, 0], [0, 1]])
    >>> canonical_order(np.array([5, 9, 5]), agree, np.zeros((3, 2)), np.arange(2)).tolist()
    [1, 0, 2]
    """
    k = int(sizes.shape[0])
    cols = np.argsort(statement_rank, kind="stable")
    keys = []
    for g in range(k):
        keys.append(
            (
                -int(sizes[g]),
                -float(agree[g].sum()),
                -float(disagree[g].sum()),
                tuple((-agree[g, cols]).tolist()),
                tuple((-disagree[g, cols]).tolist()),
                g,
            )
        )
    order = sorted(range(k), key=lambda g: keys[g])
    mapping = np.empty(k, dtype=np.int64)
    mapping[np.asarray(order, dtype=np.int64)] = np.arange(k)
    return mapping


def hungarian_relabel(
    new_labels: Sequence[int] | np.ndarray,
    new_keys: np.ndarray,
    old_labels: np.ndarray,
    old_keys: np.ndarray,
    k: int,
) -> np.ndarray:
    """Map new group labels (0..k-1) to previous labels by maximum member overlap.

    Parameters
    ----------
    new_labels, new_keys : array-like
        The new group (0..k-1, -1 for none) of every participant and their stable keys.
    old_labels, old_keys : np.ndarray
        The previous group of every participant (-1 for none) and their keys.
    k : int
        Number of new groups.

    Returns
    -------
    np.ndarray
        ``mapping[new] = label to show``; groups that match nothing get the smallest labels
        not used by a match.

    Examples
    --------
    >>> keys = np.arange(4)
    >>> hungarian_relabel([1, 1, 0, 0], keys, np.array([0, 0, 1, 1]), keys, 2).tolist()
    [1, 0]
    """
    from scipy.optimize import linear_sum_assignment

    new_labels = np.asarray(new_labels)
    old_ok = old_labels >= 0
    if k == 0 or not old_ok.any():
        return np.arange(k)
    k_old = int(old_labels[old_ok].max()) + 1
    old_map = dict(zip(old_keys[old_ok].tolist(), old_labels[old_ok].tolist(), strict=True))
    overlap = np.zeros((k, k_old))
    for key, lab in zip(new_keys.tolist(), new_labels.tolist(), strict=True):
        if lab >= 0 and key in old_map:
            overlap[lab, old_map[key]] += 1
    r, c = linear_sum_assignment(-overlap)
    mapping = np.full(k, -1, dtype=np.int64)
    for i, j in zip(r.tolist(), c.tolist(), strict=True):
        if overlap[i, j] > 0:
            mapping[i] = j
    used = set(mapping[mapping >= 0].tolist())
    free = (x for x in range(k + k_old) if x not in used)
    for i in range(k):
        if mapping[i] < 0:
            mapping[i] = next(free)
    return mapping


def _nullable(values: np.ndarray) -> pl.Series:
    """A float Series with NaN as null (built once, without a Series operation after)."""
    return pl.Series(values=np.asarray(values, dtype=np.float64), nan_to_null=True)


def _int_or_null(values: np.ndarray, keep: np.ndarray) -> pl.Series:
    """An Int64 Series with null where ``keep`` is False (small ints, exact as floats)."""
    out = np.where(keep, values, np.nan).astype(np.float64)
    return pl.Series(values=out, nan_to_null=True).cast(pl.Int64)


def _statement_meta(inquiry: Inquiry) -> dict[str, pl.Series]:
    st = inquiry.statements
    return {c: st.get_column(c) for c in ("statement_id", "text", "moderation", "is_meta")}


def assemble(
    out: PipelineOutput,
    inquiry: Inquiry,
    *,
    mode: str,
    as_of: str | None,
    parameters: dict[str, Any],
    seed: int,
    previous: OpinionGroups | None = None,
    bridging: bool = True,
    n_resamples: int = 0,
    alpha: float = 0.05,
    stability: bool = False,
    progress: bool = True,
) -> OpinionGroups:
    """Turn one pipeline run into an :class:`~coprod_analytics.consensus.result.OpinionGroups`.

    Parameters
    ----------
    out : PipelineOutput
        The arrays of one update (:func:`~coprod_analytics.consensus.pipeline.run_update`).
    inquiry : Inquiry
        The inquiry the update ran on (statement texts, moderation, fingerprint).
    mode, as_of, parameters, seed
        Recorded in the result and its provenance.
    previous : OpinionGroups, optional
        Keep its group labels where members overlap (:func:`hungarian_relabel`).
    bridging : bool, default True
        Add Community-Notes-style bridging scores.
    n_resamples : int, default 0
        Bootstrap resamples for the intervals (0: none).
    alpha : float, default 0.05
        Interval level ``1 - alpha``.
    stability : bool, default False
        Resampling stability of the groups and membership confidence.
    progress : bool, default True
        Progress bars on the bootstrap and the stability analysis.

    Returns
    -------
    OpinionGroups

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> from coprod_analytics.consensus.matrix import vote_matrix
    >>> from coprod_analytics.consensus.pipeline import run_update
    >>> inq = simulate_inquiry(60, 20, n_groups=2, seed=3)
    >>> m = vote_matrix(inq)
    >>> out = run_update(m, np.arange(m.shape[0]))
    >>> assemble(out, inq, mode="batch", as_of=None, parameters={}, seed=0, bridging=False).k
    2
    """
    matrix = out.matrix
    n, m = matrix.shape
    k = out.k
    labels = out.labels
    notes: list[str] = []
    # ---- tallies
    agree, disagree, total = group_vote_counts(matrix, labels, k)
    # ---- display labels: canonical (A = largest; see canonical_order), or, after a
    # previous result, kept stable against it by member overlap (Hungarian matching)
    sizes = np.bincount(labels[labels >= 0], minlength=k) if k else np.zeros(0, np.int64)
    srank = np.empty(m, dtype=np.int64)
    srank[matrix.statement_ids.arg_sort().to_numpy()] = np.arange(m)
    mapping = canonical_order(sizes, agree, disagree, srank) if k else np.arange(k)
    if previous is not None and previous.participants.height and k:
        prev_p = previous.participants
        pk, _ = row_keys_for(matrix.participant_ids, None)
        old = pl.DataFrame({"participant_id": matrix.participant_ids}).join(
            prev_p.select("participant_id", "group").with_columns(
                pl.col("participant_id").cast(matrix.participant_ids.dtype, strict=False)
            ),
            on="participant_id",
            how="left",
            maintain_order="left",
        )
        old_labels = old.get_column("group").fill_null(-1).to_numpy().astype(np.int64)
        canon = np.where(labels >= 0, mapping[np.maximum(labels, 0)], -1)
        mapping = hungarian_relabel(canon, pk, old_labels, pk, k)[mapping]
    shown = np.where(labels >= 0, mapping[np.maximum(labels, 0)], -1)
    all_agree, all_disagree, all_total = matrix.counts()
    rep = repness_stats(agree, disagree, total)
    excluded = matrix.excluded
    reps = select_representative(rep, excluded) if k >= 1 else []
    cons_a, cons_d = select_consensus(all_agree, all_disagree, all_total, excluded)
    extremity = np.hypot(out.stmt_xy[:, 0], out.stmt_xy[:, 1])
    is_meta_arr = (
        inquiry.statements.get_column("is_meta").to_numpy().astype(bool)
        if "is_meta" in inquiry.statements.columns
        else np.zeros(m, dtype=bool)
    )
    priority = comment_priority(
        agree.sum(axis=0), disagree.sum(axis=0), total.sum(axis=0), extremity, is_meta_arr
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
    sids = matrix.statement_ids
    sid_list = sids.to_list()
    consensus: list[str | None] = [None] * m
    for j in cons_a:
        consensus[j] = "agree"
    for j in cons_d:
        if consensus[j] is None:
            consensus[j] = "disagree"
    # ---- honest tags: what the votes are enough to claim (see consensus/tags.py)
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
    # ---- intervals and stability (their own modules; see their docs); bridging is
    # deferred to the first read of the statements table (DeferredBridging)
    gac_lo = np.full(m, np.nan)
    gac_hi = np.full(m, np.nan)
    rate_lo = np.full((k, m), np.nan)
    rate_hi = np.full((k, m), np.nan)
    if n_resamples and k:
        gac_lo, gac_hi, rate_lo, rate_hi = bootstrap_arrays(
            matrix, labels, k, n_resamples=n_resamples, alpha=alpha, seed=seed, progress=progress
        )
    confidence = np.full(n, np.nan)
    stab: StabilityResult | None = None
    if stability:
        got = pipeline_stability(out, seed=seed, progress=progress)
        if got is None:
            notes.append("stability analysis skipped: fewer than 4 clustered participants")
        else:
            confidence, stab = got
    # ---- tables
    meta = _statement_meta(inquiry)
    with np.errstate(invalid="ignore", divide="ignore"):
        agree_rate = np.where(all_total > 0, all_agree / np.maximum(all_total, 1), np.nan)
    # tables built column by column (eager polars operations cost more than these arrays)
    statements = pl.DataFrame(
        dict(
            meta,
            excluded=pl.Series(excluded),
            agree=pl.Series(all_agree.astype(np.int64)),
            disagree=pl.Series(all_disagree.astype(np.int64)),
            **{"pass": pl.Series((all_total - all_agree - all_disagree).astype(np.int64))},
            n_votes=pl.Series(all_total.astype(np.int64)),
            agree_rate=_nullable(agree_rate),
            x=pl.Series(out.stmt_xy[:, 0]),
            y=pl.Series(out.stmt_xy[:, 1]),
            extremity=pl.Series(extremity),
            group_aware_consensus=pl.Series(gac),
            gac_ci_low=_nullable(gac_lo),
            gac_ci_high=_nullable(gac_hi),
            bridging=pl.Series([None] * m, dtype=pl.Float64),
            bridging_factor=pl.Series([None] * m, dtype=pl.Float64),
            consensus=pl.Series(consensus, dtype=pl.String),
            is_consensus=pl.Series([c is not None for c in consensus], dtype=pl.Boolean),
            is_divisive=pl.Series(divisive),
            consensus_clear=pl.Series(evidence.consensus.tolist(), dtype=pl.String),
            divisive_clear=pl.Series(evidence.divisive),
            too_few_votes=pl.Series(evidence.too_few_votes),
            representative_for=pl.Series(rep_for, dtype=pl.List(pl.Int64)),
            priority=pl.Series(priority),
        )
    )
    participants = pl.DataFrame(
        {
            "participant_id": matrix.participant_ids,
            "x": out.xy[:, 0] if n else np.zeros(0),
            "y": out.xy[:, 1] if n else np.zeros(0),
            "group": _int_or_null(shown, shown >= 0),
            "in_conv": out.in_conv,
            "n_votes": out.n_votes.astype(np.int64),
            "confidence": _nullable(confidence),
        }
    )
    # group_votes and groups in the order of the shown labels (blocks of statements)
    by_label = np.argsort(mapping, kind="stable")

    def flat(a: np.ndarray) -> np.ndarray:
        return a[by_label].reshape(-1)

    with np.errstate(invalid="ignore", divide="ignore"):
        tot = flat(total).astype(np.float64)

        def rate(a: np.ndarray) -> pl.Series:
            return _nullable(np.where(tot > 0, flat(a) / np.maximum(tot, 1), np.nan))

    passes = total - agree - disagree
    rank_flat = flat(rank)
    group_votes = pl.DataFrame(
        {
            "group": pl.Series(np.repeat(mapping[by_label], m).astype(np.int64), dtype=pl.Int64),
            "statement_id": pl.concat([sids] * k) if k else sids.clear(),
            "agree": flat(agree),
            "disagree": flat(disagree),
            "pass": flat(passes),
            "total": flat(total),
            "agree_rate": rate(agree),
            "disagree_rate": rate(disagree),
            "pass_rate": rate(passes),
            "pa": flat(rep.pa),
            "pd": flat(rep.pd),
            "pat": flat(rep.pat),
            "pdt": flat(rep.pdt),
            "ra": flat(rep.ra),
            "rd": flat(rep.rd),
            "rat": flat(rep.rat),
            "rdt": flat(rep.rdt),
            "repful_for": pl.Series(
                np.where(flat(rep.rat) > flat(rep.rdt), "agree", "disagree").tolist(),
                dtype=pl.String,
            ),
            "rep_rank": _int_or_null(rank_flat, rank_flat > 0),
            "rep_clear": pl.Series(flat(rep_clear), dtype=pl.Boolean),
            "agree_ci_low": _nullable(flat(rate_lo)),
            "agree_ci_high": _nullable(flat(rate_hi)),
        }
    )
    centers = np.zeros((k, 2))
    if k:
        lab_ok = labels >= 0
        for ax in range(2):
            centers[:, ax] = np.bincount(
                labels[lab_ok], weights=out.xy[lab_ok, ax], minlength=k
            ) / np.maximum(sizes, 1)
    gl = by_label.tolist()
    groups = pl.DataFrame(
        {
            "group": pl.Series(mapping[by_label], dtype=pl.Int64),
            "size": pl.Series(sizes[by_label].astype(np.int64), dtype=pl.Int64),
            "x": pl.Series(centers[by_label, 0], dtype=pl.Float64),
            "y": pl.Series(centers[by_label, 1], dtype=pl.Float64),
            "representative": pl.Series(
                [[sid_list[r.column] for r in reps[g]] for g in gl],
                dtype=pl.List(sids.dtype),
            ),
            "representative_direction": pl.Series(
                [[r.direction for r in reps[g]] for g in gl],
                dtype=pl.List(pl.String),
            ),
        }
    )
    fingerprint = inquiry.fingerprint
    prov = Provenance(
        method="opinion_groups", input_fingerprint=fingerprint, parameters=parameters, seed=seed
    )
    state = out.state
    result = OpinionGroups(
        participants=participants,
        statements=statements,
        group_votes=group_votes,
        groups=groups,
        k=int(k),
        best_k=int(out.best_k),
        silhouettes={int(a): float(b) for a, b in out.silhouettes.items()},
        consensus_agree=[sid_list[j] for j in cons_a],
        consensus_disagree=[sid_list[j] for j in cons_d],
        stability=stab,
        mode=mode,
        as_of=as_of,
        parameters=parameters,
        seed=seed,
        fingerprint=fingerprint,
        provenance=prov,
        notes=tuple(notes),
        state=state,
        matrix=matrix,
    )
    if bridging:
        result._defer(DeferredBridging(matrix, seed))
    return result


class DeferredBridging:
    """The bridging columns of the statements table, computed on its first read.

    ``opinion_groups(..., bridging=True)`` (the default) returns without fitting the
    bridging model (about 20 ms on vtaiwan.uberx, 40% of the whole call); the first read of
    ``result.statements`` or ``result.notes`` fits it with the result's seed and fills
    ``bridging`` and ``bridging_factor``, exactly as an eager computation would (the fit is
    deterministic given the matrix and the seed). A fit that fails leaves them null and
    says why in ``notes``.

    Parameters
    ----------
    matrix : VoteMatrix
        The votes the groups were computed on.
    seed : int
        Seed of :func:`~coprod_analytics.consensus.bridging.bridging_scores`.

    Examples
    --------
    >>> from coprod_analytics.consensus import opinion_groups
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> res = opinion_groups(simulate_inquiry(60, 20, n_groups=2, seed=3))
    >>> "_deferred" in res.__dict__  # nothing fitted yet
    True
    >>> res.statements["bridging"].null_count(), "_deferred" in res.__dict__
    (0, False)
    """

    def __init__(self, matrix: VoteMatrix, seed: int) -> None:
        self.matrix = matrix
        self.seed = seed

    def fill(
        self, statements: pl.DataFrame, notes: tuple[str, ...]
    ) -> tuple[pl.DataFrame, tuple[str, ...]]:
        """The statements table with ``bridging`` and ``bridging_factor`` filled.

        Parameters
        ----------
        statements : polars.DataFrame
            The table with null bridging columns.
        notes : tuple of str
            The result's notes.

        Returns
        -------
        (polars.DataFrame, tuple of str)
            The filled table (same columns, same order) and the notes, with one added when
            the fit failed.
        """
        from coprod_analytics.consensus.bridging import bridging_scores

        try:
            bs = bridging_scores(self.matrix, seed=self.seed)
        except (ValueError, RuntimeError) as exc:
            return statements, (*notes, f"bridging scores not computed: {exc}")
        joined = statements.select("statement_id").join(
            bs.select(
                "statement_id",
                pl.col("bridging").cast(pl.Float64),
                pl.col("factor").cast(pl.Float64).alias("bridging_factor"),
            ),
            on="statement_id",
            how="left",
            maintain_order="left",
        )
        filled = statements.with_columns(
            joined.get_column("bridging"), joined.get_column("bridging_factor")
        )
        return filled, notes
