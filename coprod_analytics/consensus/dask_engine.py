"""Opinion groups on Dask: the batch Pol.is pipeline over data that outgrows one machine.

The votes are read piece by piece from Parquet (:mod:`~coprod_analytics.io.parquet_dataset`),
hashed by participant into partitions that live on the workers, and every step of the
local engine (:mod:`~coprod_analytics.consensus.pipeline`) runs as Dask tasks over those
partitions; only small things reach the client (statement tallies, ``m x m`` or ``m x b``
products, 100 cluster centres) until the end, when the participants table (one row each)
is gathered:

1. latest vote wins, per partition (:func:`~coprod_analytics.consensus.dask_blocks.build_block`);
2. statement tallies and Pol.is's centre (column means; moderated-out and meta columns 0);
3. the two principal axes: the summed Gram matrix ``C^T C`` of the centred sparse rows
   (``pca="gram"``, exact, for up to 4,000 statements) or randomised subspace iteration
   (:func:`subspace_eigs`), a fixed number of ``C^T (C X)`` passes over the partitions
   (``pca="iterative"``; each partition keeps its centred votes between passes);
4. the sparsity-aware projection and the in-conversation rule (with the top-up to 15);
5. the 100 base clusters by Pol.is's k-means, partition-parallel: the same cold start (the
   first 100 distinct points in Pol.is's reload order) and the same Lloyd steps and
   stopping rule, each step one pass of per-partition sums;
6. the group clustering of the base centres, locally
   (:func:`~coprod_analytics.consensus.clustering.choose_groups`);
7. group tallies over the partitions; representativeness, consensus, the honest tags and
   priority from them (:mod:`~coprod_analytics.consensus.dask_assemble`).

On data that fits in memory it gives the local engine's groups (batch mode, Pol.is row
order, cold start), and with ``bridging=True`` the local engine's bridging scores (fitted by
alternating least squares over the same partitions, :mod:`.dask_bridging`). Not on Dask
yet: bootstrap intervals, stability, the verdict (they need the whole matrix), replay and
warm starts, ``as_of``; the result says so in ``notes``. Dask is optional: it is imported only inside this module's functions.
"""

from __future__ import annotations

import hashlib
import operator
import os
from typing import Any, Literal

import numpy as np
import polars as pl

from coprod_analytics.consensus import dask_blocks as blk
from coprod_analytics.consensus.clustering import choose_groups
from coprod_analytics.consensus.dask_assemble import DaskTallies, assemble_tallies
from coprod_analytics.consensus.dask_cluster import (
    _announce,
    client_for,
    dask_client,
    import_distributed,
    load_blocks,
    map_over,
    tree_sum,
)
from coprod_analytics.consensus.dask_pca import PCA_PASSES, _iterative_axes
from coprod_analytics.consensus.kmeans import ClusterState, _same_clustering
from coprod_analytics.consensus.params import _is_int, check_common_params
from coprod_analytics.consensus.pca import PCAResult, statement_projection
from coprod_analytics.consensus.pipeline import PolisState
from coprod_analytics.consensus.result import OpinionGroups
from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.inquiry import Inquiry
from coprod_analytics.progress import progress as _progress

__all__ = [
    "DASK_NOTE",
    "dask_client",
    "groups_cli_result",
    "opinion_groups_dask",
]

_FUNC = "opinion_groups_dask"
#: Above this many statements the Gram matrix is not formed (subspace iteration instead).
GRAM_MAX_STATEMENTS = 4000
#: What the Dask engine does not compute (recorded in every result's notes).
DASK_NOTE = (
    "computed on Dask: bootstrap intervals, stability and the verdict are not computed by "
    "this engine yet"
)


def opinion_groups_dask(
    data: str | os.PathLike[str] | Inquiry | pl.DataFrame,
    *,
    statements: pl.DataFrame | None = None,
    client: Any = None,
    seed: int = 0,
    min_votes: int = 7,
    min_participants: int = 15,
    base_k: int = 100,
    max_k: int = 5,
    k: int | None = None,
    base_iters: int = 100,
    group_iters: int = 20,
    alpha: float = 0.05,
    n_partitions: int | None = None,
    pca: Literal["auto", "gram", "iterative"] = "auto",
    pca_passes: int = PCA_PASSES,
    bridging: bool = True,
    progress: bool = True,
) -> OpinionGroups:
    """Pol.is-compatible opinion groups computed on a Dask cluster (batch, cold start).

    Parameters
    ----------
    data : path, str, Inquiry or polars.DataFrame
        A votes dataset: one Parquet file, a folder of them or a glob, with columns
        ``participant_id``, ``statement_id``, ``vote`` and optionally ``time`` (read piece
        by piece, never whole); an inquiry Parquet folder (``inquiry.json``: its
        ``statements.parquet`` gives moderation, its ``votes.parquet`` is read piece by
        piece); or an Inquiry / votes table in memory (sent to the workers in pieces).
    statements : polars.DataFrame, optional
        The statements table (``statement_id``, optional ``text``, ``moderation``,
        ``is_meta``): moderated-out and meta statements are zeroed as in Pol.is. Default:
        the Inquiry's statements, or every statement voted on (unmoderated).
    client : distributed.Client, optional
        The cluster to run on; None starts a LocalCluster sized to the machine
        (:func:`dask_client`) and stops it at the end.
    seed : int, default 0
        Random start of the iterative principal axes.
    min_votes, min_participants, base_k, max_k, k, base_iters, group_iters
        As in :func:`~coprod_analytics.consensus.opinion_groups`.
    alpha : float, default 0.05
        Level of the Wilson intervals behind the honest tags.
    n_partitions : int, optional
        Partitions of participants (default: about 2M votes each, at least two per
        worker).
    pca : {"auto", "gram", "iterative"}, default "auto"
        ``"gram"``: sum the ``m x m`` Gram matrix over partitions and solve it exactly
        (one pass); ``"iterative"``: randomised block iteration (:func:`subspace_eigs`,
        blocks of 2 + 8 vectors, Rayleigh–Ritz on the block Krylov space), ``pca_passes``
        passes of ``C^T (C X)`` over the partitions; ``"auto"``: gram up to 4,000
        statements.
    pca_passes : int, default 10
        Passes of the iterative principal axes (at least 1), fixed in advance. The top
        axis of planted or real groups (a clear gap in the spectrum) is found in a few;
        the second axis, when it is noise (a flat spectrum), and agreement with the exact
        axes to 1e-6 take more (30 or so). Recorded in ``parameters["pca_passes"]`` (1 for
        gram; fewer than asked only when the blocks span every statement).
    bridging : bool, default True
        Fit the bridging model (alternating least squares over the partitions,
        :mod:`~coprod_analytics.consensus.dask_bridging`; the local engine's scores up to
        rounding) and fill ``bridging`` and ``bridging_factor``.
    progress : bool, default True
        A progress bar on stderr (the dashboard address is printed once).

    Returns
    -------
    OpinionGroups
        The local engine's tables; interval and confidence columns are null (bridging too
        with ``bridging=False``), ``matrix`` is None (no verdict) and ``notes`` says so.

    Raises
    ------
    ParameterError
        For an out-of-range parameter.
    ValidationError
        For bad data, naming the file, row and column.

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> client = dask_client(n_workers=1, processes=False, dashboard_address=None)
    >>> inq = simulate_inquiry(60, 20, n_groups=2, seed=3)
    >>> res = opinion_groups_dask(inq, client=client, bridging=False, progress=False)
    >>> client.close()
    >>> res.k, res.participants.height, res.parameters["engine"]
    (2, 60, 'dask')
    """
    check_param(_is_int(seed), "seed", _FUNC, "an int", seed)
    check_common_params(
        _FUNC,
        min_votes=min_votes,
        min_participants=min_participants,
        base_k=base_k,
        max_k=max_k,
        k=k,
        base_iters=base_iters,
        group_iters=group_iters,
    )
    check_param(
        pca in ("auto", "gram", "iterative"), "pca", _FUNC, "'auto', 'gram' or 'iterative'", pca
    )
    check_param(
        _is_int(pca_passes) and pca_passes >= 1, "pca_passes", _FUNC, "an int >= 1", pca_passes
    )
    check_param(
        n_partitions is None or (_is_int(n_partitions) and n_partitions >= 1),
        "n_partitions",
        _FUNC,
        "None or an int >= 1",
        n_partitions,
    )
    if not isinstance(data, str | os.PathLike | Inquiry | pl.DataFrame):
        raise ValidationError(
            "expected a Parquet votes dataset (file, folder or glob), an Inquiry or a votes "
            f"table; got {type(data).__name__}"
        )
    if isinstance(data, str | os.PathLike) and os.path.isfile(os.path.join(data, "inquiry.json")):
        # an inquiry Parquet folder: its statements give moderation, its votes are read
        if statements is None:
            statements = pl.read_parquet(os.path.join(data, "statements.parquet"))
        data = os.path.join(data, "votes.parquet")
    import_distributed()
    with client_for(client) as cl:
        return _run(
            cl,
            data,
            statements=statements,
            seed=int(seed),
            min_votes=min_votes,
            min_participants=min_participants,
            base_k=base_k,
            max_k=max_k,
            k=k,
            base_iters=base_iters,
            group_iters=group_iters,
            alpha=float(alpha),
            n_partitions=n_partitions,
            pca=pca,
            pca_passes=int(pca_passes),
            bridging=bool(bridging),
            progress=progress,
        )


def groups_cli_result(args: Any) -> OpinionGroups:
    """``coprod groups PATH --engine dask``: what PATH is decides what is read.

    A Pol.is export folder (``votes.csv``) is read into memory and sent to the workers in
    pieces; an inquiry Parquet folder (``inquiry.json``) gives its ``statements.parquet``
    and its ``votes.parquet`` is read piece by piece; anything else is a Parquet votes
    dataset (file, folder or glob).

    Parameters
    ----------
    args : argparse.Namespace
        The parsed options of ``coprod groups``.

    Returns
    -------
    OpinionGroups

    Raises
    ------
    ParameterError
        For an option the Dask engine does not support yet.

    Examples
    --------
    >>> import argparse
    >>> args = argparse.Namespace(path="x", mode="replay", as_of=None, n_resamples=0,
    ...                           stability=False, scheduler=None, seed=0, alpha=0.05,
    ...                           no_progress=True)
    >>> groups_cli_result(args)
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ParameterError: The '--mode' parameter of coprod groups --engine dask must be batch. Got 'replay'.
    """
    from pathlib import Path

    func = "coprod groups --engine dask"
    check_param(args.mode == "batch", "--mode", func, "batch", args.mode)
    check_param(args.as_of is None, "--as-of", func, "unset", args.as_of)
    check_param(args.n_resamples == 0, "--n-resamples", func, "0", args.n_resamples)
    check_param(not args.stability, "--stability", func, "unset", args.stability)
    path = Path(args.path)
    data: Any = args.path
    statements = None
    if path.is_dir() and (path / "votes.csv").exists():
        from coprod_analytics.io.load import load_inquiry

        data = load_inquiry(path)
    if getattr(args, "statements", None) is not None:
        from coprod_analytics.io.load import load_statements

        statements = load_statements(args.statements)
    client = None if args.scheduler is None else dask_client(args.scheduler)
    try:
        return opinion_groups_dask(
            data,
            statements=statements,
            client=client,
            seed=args.seed,
            alpha=args.alpha,
            bridging=not getattr(args, "no_bridging", False),
            progress=not args.no_progress,
        )
    finally:
        if client is not None:
            client.close()


_STAGES = (
    "read and split",
    "latest votes",
    "statement tallies",
    "principal axes",
    "projection",
    "base clusters",
    "groups",
    "group tallies",
    "tables",
)


def _fingerprint(hashes: list[int], statements: pl.DataFrame) -> str:
    from coprod_analytics.provenance import fingerprint_frames

    h = hashlib.sha256()
    h.update(np.asarray(hashes, dtype=np.uint64).tobytes())
    h.update(fingerprint_frames(statements).encode())
    return h.hexdigest()


def _run(
    client: Any,
    data: Any,
    *,
    statements: pl.DataFrame | None,
    seed: int,
    min_votes: int,
    min_participants: int,
    base_k: int,
    max_k: int,
    k: int | None,
    base_iters: int,
    group_iters: int,
    alpha: float,
    n_partitions: int | None,
    pca: str,
    pca_passes: int,
    bridging: bool,
    progress: bool,
) -> OpinionGroups:

    _announce(client)
    bar = _progress(iter(_STAGES), enabled=progress, desc="Opinion groups on Dask", unit="step")

    def step() -> None:
        next(bar, None)

    held: list[Any] = []  # arrays sent to the workers that the blocks' recomputation needs
    # ---- 1-2. read every piece, split it by participant; latest vote wins per partition
    if statements is None and isinstance(data, Inquiry):
        statements = data.statements
    loaded = load_blocks(client, data, statements, n_partitions, on_read=step)
    blocks, stmts, parts = loaded.blocks, loaded.statements, loaded.n_partitions
    m = stmts.height
    hashes = loaded.hashes
    step()
    # ---- 3. statement tallies and the centre
    counts = tree_sum(client, map_over(client, blk.column_stats, blocks))
    n = int(sum(client.gather(map_over(client, operator.attrgetter("n_rows"), blocks))))
    agree, disagree, total = counts
    excluded = ((stmts.get_column("moderation") == -1) | stmts.get_column("is_meta")).to_numpy()
    excluded = np.asarray(excluded, dtype=bool)
    with np.errstate(invalid="ignore", divide="ignore"):
        center = np.where(total > 0, (agree - disagree) / np.maximum(total, 1), 0.0)
    center[excluded] = 0.0
    has_votes = total > 0
    n_polis = int(has_votes.sum())
    n_excl = int((excluded & has_votes).sum())
    passes = total - agree - disagree
    sumsq = agree * (1 - center) ** 2 + disagree * (1 + center) ** 2 + passes * center**2
    sumsq[excluded] = 0.0
    dead = sumsq == 0
    step()
    # ---- 4. principal axes
    d = max(0, min(2, n, m))
    comps = np.zeros((2, m))
    sv = np.zeros(2)
    passes_done = 1
    solver = (
        "gram" if (pca == "gram" or (pca == "auto" and m <= GRAM_MAX_STATEMENTS)) else "iterative"
    )
    if d and not dead.all():
        if solver == "gram":
            g = tree_sum(
                client, map_over(client, blk.gram, blocks, center=center, excluded=excluded)
            )
            w, v = np.linalg.eigh(g)
            order = np.argsort(w)[::-1][:d]
            vecs, vals = v[:, order].T, np.sqrt(np.clip(w[order], 0.0, None))
        else:
            # every partition keeps its centred votes for the passes (the projection drops
            # them); the old futures go now, so that Dask does not count the votes twice
            blocks = map_over(
                client, blk.with_centred, blocks, keep=held, center=center, excluded=excluded
            )
            vecs, vals, passes_done = _iterative_axes(
                client, blocks, center, excluded, m, d, seed, progress, passes=pca_passes
            )
        vecs = np.array(vecs, dtype=np.float64)
        vecs[:, dead] = 0.0
        for i in range(d):
            vec = vecs[i]
            j = int(np.argmax(np.abs(vec)))
            comps[i] = -vec if vec[j] < 0 else vec
            sv[i] = vals[i]
    step()
    # ---- 5. projection and who is in the conversation
    blocks = map_over(
        client,
        blk.project_block,
        blocks,
        keep=held,
        center=center,
        excluded=excluded,
        comps=comps,
        n_statements=n_polis,
        n_excluded_voted=n_excl,
        min_in=min(min_votes, n_polis),
    )
    stmt_xy = statement_projection(PCAResult(center, comps, sv, None), n_polis)
    n_in = int(sum(client.gather(map_over(client, blk.in_conv_count, blocks))))
    short = min_participants - n_in
    if short > 0:
        cands = pl.concat(
            client.gather(map_over(client, blk.topup_candidates, blocks, short=short))
        )
        added = cands.sort(
            ["n_votes", "rowmin", "participant_id"], descending=[True, False, False]
        ).head(short)
        blocks = map_over(
            client, blk.with_topup, blocks, keep=held, added=added.get_column("participant_id")
        )
    step()
    # ---- 6. base clusters: Pol.is's k-means, one pass of sums per Lloyd step
    firsts = pl.concat(
        client.gather(map_over(client, blk.first_distinct_in_conv, blocks, k=base_k))
    )
    firsts = firsts.sort(["rowmin", "participant_id"])
    pts0 = firsts.select("x", "y").to_numpy()
    if pts0.shape[0]:
        _, first = np.unique(pts0, axis=0, return_index=True)
        centers = pts0[np.sort(first)[:base_k]].astype(np.float64)
    else:
        centers = np.zeros((0, 2))
    ids = np.arange(centers.shape[0], dtype=np.int64)
    remap = np.arange(centers.shape[0])
    last_centers = centers
    it = base_iters
    bar_iters = _progress(
        range(base_iters + 1), enabled=progress and centers.shape[0] > 0, desc="Base clusters"
    )
    while centers.shape[0]:
        next(bar_iters, None)
        sums = tree_sum(client, map_over(client, blk.assign_sums, blocks, centers=centers))
        cnt = sums[0]
        with np.errstate(invalid="ignore", divide="ignore"):
            new = np.column_stack([sums[1] / cnt, sums[2] / cnt])
        keep = cnt > 0
        remap = np.cumsum(keep) - 1
        last_centers = centers
        if not keep.all():
            new = new[keep]
            ids = ids[keep]
        done = it == 0 or _same_clustering(centers, new)
        centers = new
        if done:
            break
        it -= 1
    for _ in bar_iters:  # close the bar
        pass
    blocks = map_over(client, blk.base_labels, blocks, keep=held, centers=last_centers, remap=remap)
    frames = client.gather(map_over(client, blk.participant_frame, blocks))
    people = pl.concat(frames).sort(["rowmin", "participant_id"])
    step()
    # ---- 7. groups: weighted k-means of the base centres, locally
    base_lab = people.get_column("base").to_numpy()
    order = np.argsort(base_lab, kind="stable")
    bounds = np.searchsorted(base_lab[order], np.arange(ids.shape[0] + 1))
    members = tuple(order[bounds[i] : bounds[i + 1]].astype(np.int64) for i in range(ids.shape[0]))
    base = ClusterState(ids, centers, members)
    labels = np.full(n, -1, dtype=np.int64)
    silhouettes: dict[int, float] = {}
    group_states: dict[int, ClusterState] = {}
    if base.n == 0:
        kk = best_k = 0
        glab = np.zeros(0, dtype=np.int64)
    else:
        choice = choose_groups(base, max_k=max_k, group_iters=group_iters, force_k=k)
        silhouettes = choice.silhouettes
        group_states = {key: st for key, (st, _) in choice.clusterings.items()}
        best_k = choice.best_k
        gstate, glab = choice.clusterings[best_k]
        kk = gstate.n
        ok = base_lab >= 0
        labels[ok] = glab[base_lab[ok]]
    step()
    # ---- 8. group tallies
    if kk:
        gcounts = tree_sum(
            client, map_over(client, blk.group_tallies, blocks, group_of_base=glab, k=kk)
        )
    else:
        gcounts = np.zeros((3, 0, m), dtype=np.int64)
    step()
    # ---- 8b. bridging scores: alternating least squares over the same partitions
    bridge_i = bridge_f = None
    if bridging:
        from coprod_analytics.consensus.dask_bridging import fit_bridging_blocks

        fit = fit_bridging_blocks(client, blocks, excluded, seed=seed, progress=progress)
        bridge_i, bridge_f = fit.intercept, fit.factor
    # ---- 9. tables
    in_conv = people.get_column("in_conv").to_numpy()
    pids = people.get_column("participant_id")
    state = PolisState(
        row_keys=np.arange(n, dtype=np.int64),
        in_conv_keys=np.flatnonzero(in_conv).astype(np.int64),
        base=base,
        group_clusterings=group_states,
        last_k=best_k,
        last_k_count=1 if kk else 0,
        smoothed_k=best_k,
        key_ids=pids,
        n_updates=1,
    )
    tallies = DaskTallies(
        participants=people.select("participant_id", "x", "y", "in_conv", "n_votes"),
        labels=labels,
        k=kk,
        best_k=best_k,
        silhouettes=silhouettes,
        statements=stmts,
        excluded=excluded,
        counts=counts,
        group_counts=gcounts,
        stmt_xy=stmt_xy,
        state=state,
        bridging=bridge_i,
        bridging_factor=bridge_f,
    )
    parameters: dict[str, Any] = {
        "engine": "dask",
        "mode": "batch",
        "as_of": None,
        "min_votes": min_votes,
        "min_participants": min_participants,
        "base_k": base_k,
        "max_k": max_k,
        "k": k,
        "base_iters": base_iters,
        "group_iters": group_iters,
        "row_order": "polis",
        "bridging": bool(bridging),
        "n_resamples": 0,
        "alpha": alpha,
        "stability": False,
        "warm_start": False,
        "n_partitions": parts,
        "pca": solver,
        "pca_passes": passes_done,
    }
    result = assemble_tallies(
        tallies,
        parameters=parameters,
        seed=seed,
        fingerprint=_fingerprint(hashes, stmts),
        alpha=alpha,
        notes=(DASK_NOTE,),
    )
    step()
    for _ in bar:
        pass
    return result
