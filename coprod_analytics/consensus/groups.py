"""The entry point of the opinion-groups family: :func:`opinion_groups` and :func:`update`."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, Literal

import polars as pl

from coprod_analytics.consensus.assemble import assemble
from coprod_analytics.consensus.matrix import vote_matrix
from coprod_analytics.consensus.params import _is_int, check_common_params
from coprod_analytics.consensus.pipeline import (
    PipelineOutput,
    polis_row_order,
    reorder_rows,
    row_keys_for,
    run_update,
)
from coprod_analytics.consensus.replay import replay_updates
from coprod_analytics.consensus.result import OpinionGroups
from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.inquiry import Inquiry

__all__ = ["check_common_params", "opinion_groups", "update"]


_FUNC = "opinion_groups"

#: What ``as_of`` accepts: epoch milliseconds, an ISO 8601 string or a datetime.
TimeLike = int | str | dt.datetime
#: What ``cadence`` accepts: votes per update, a window like ``"1h"`` or a timedelta.
Cadence = int | str | dt.timedelta


def opinion_groups(
    inquiry: Inquiry | pl.DataFrame,
    *,
    mode: Literal["batch", "replay"] = "batch",
    as_of: TimeLike | None = None,
    seed: int = 0,
    previous: OpinionGroups | None = None,
    min_votes: int = 7,
    min_participants: int = 15,
    base_k: int = 100,
    max_k: int = 5,
    k: int | None = None,
    base_iters: int = 100,
    group_iters: int = 20,
    row_order: Literal["polis", "log"] = "polis",
    cadence: Cadence = 500,
    k_buffer: int = 4,
    bridging: bool = True,
    n_resamples: int = 0,
    alpha: float = 0.05,
    stability: bool = False,
    reducer: Any = None,
    clusterer: Any = None,
    engine: Literal["local", "dask"] = "local",
    client: Any = None,
    progress: bool = True,
) -> OpinionGroups:
    """Pol.is-compatible opinion groups, consensus and divisions of an inquiry.

    Parameters
    ----------
    inquiry : Inquiry or polars.DataFrame
        Agree/disagree/pass votes (latest vote wins) and statements with moderation; or the
        votes table alone exactly as ``Inquiry.votes`` stores it (``participant_id``,
        ``statement_id``, ``vote``, optional ``time``).
    mode : {"batch", "replay"}, default "batch"
        ``"batch"``: one recomputation from scratch with Pol.is's cold start (what Pol.is
        computes after a full reload). ``"replay"``: replay the vote log in time order
        through Pol.is's update rules (warm starts, sticky in-conversation membership, the
        ``k_buffer``-update k-smoother), one update every ``cadence``.
    as_of : int, str or datetime, optional
        Only votes (and statements) up to this time (epoch ms, ISO 8601 or datetime): what
        Pol.is would have shown then.
    seed : int, default 0
        Random seed (iterative SVD start on large data, resampling, bridging, bootstrap).
    previous : OpinionGroups, optional
        An earlier result on the same inquiry: warm-start from its state (like one more
        Pol.is update) and keep its group labels where members overlap (Hungarian matching).
    min_votes : int, default 7
        In-conversation threshold: votes needed to be clustered (Pol.is: 7).
    min_participants : int, default 15
        Top up the in-conversation set with the heaviest voters until this many.
    base_k : int, default 100
        Number of base clusters.
    max_k : int, default 5
        Largest number of groups tried; at most ``2 + n_base // 12``.
    k : int, optional
        Force the number of groups instead of choosing by silhouette.
    base_iters, group_iters : int, default 100, 20
        Iteration caps of the base and group k-means.
    row_order : {"polis", "log"}, default "polis"
        Row order for the batch cold start: ``"polis"`` (votes sorted by statement,
        participant, time, as a Pol.is reload reads them) or ``"log"`` (first appearance in
        the vote log).
    cadence : int, str or datetime.timedelta, default 500
        Replay only: update every ``cadence`` votes (int) or every time window (e.g.
        ``"1h"``, ``"1d"``).
    k_buffer : int, default 4
        Replay/warm start: a new best k is shown after winning this many updates in a row.
    bridging : bool, default True
        Add Community-Notes-style bridging scores (:mod:`~coprod_analytics.consensus.bridging`).
    n_resamples : int, default 0
        Bootstrap resamples for intervals on group agree rates and group-aware consensus
        (0: none; then :meth:`OpinionGroups.conf_int` raises).
    alpha : float, default 0.05
        Interval level ``1 - alpha``.
    stability : bool, default False
        Resampling consensus clustering: membership confidence and the k the data supports
        (:attr:`OpinionGroups.stability`).
    reducer : scikit-learn transformer, optional
        Replace Pol.is's projection for an experiment: any estimator with ``fit_transform``
        (e.g. :class:`~coprod_analytics.consensus.estimators.PolisReducer`, UMAP). It gets
        the dense vote matrix (NaN where not voted if its tags allow NaN, else
        mean-imputed); its first two columns are the map, all are clustered. Batch mode
        without ``previous`` only. None (default): Pol.is's sparse projection.
    clusterer : scikit-learn clusterer, optional
        Replace Pol.is's clustering: any estimator with ``fit_predict`` (e.g. HDBSCAN;
        negative labels leave a participant unclustered). None (default): Pol.is's
        two-level clustering (:class:`~coprod_analytics.consensus.estimators.PolisClusterer`
        when a ``reducer`` is given).
    engine : {"local", "dask"}, default "local"
        ``"dask"`` runs the batch analysis as Dask tasks over participant partitions
        (:func:`~coprod_analytics.consensus.dask_engine.opinion_groups_dask`; the same groups
        as the local engine, without bridging, resampling or the verdict — see
        ``docs/guide/dask.md``); needs the ``dask`` extra.
    client : distributed.Client, optional
        The Dask client of ``engine="dask"`` (default: a LocalCluster sized to the machine).
    progress : bool, default True
        Progress bars on the bootstrap, the stability analysis and the replay (on stderr;
        nothing is shown for work that does not run).

    Returns
    -------
    OpinionGroups
        Tables of participants, statements, group votes and groups, with provenance.

    Raises
    ------
    ParameterError
        For an out-of-range parameter.
    ValidationError
        When ``inquiry`` is neither an Inquiry nor a votes table.

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> inq = simulate_inquiry(60, 20, n_groups=2, seed=3)
    >>> res = opinion_groups(inq, bridging=False)
    >>> res.k, res.participants.columns[:4]
    (2, ['participant_id', 'x', 'y', 'group'])
    >>> opinion_groups(inq.votes, bridging=False).participants.equals(res.participants)
    True
    >>> for line in res.summary().splitlines()[1:3]:
    ...     print(line)
    Verdict: two separate camps: the groups are distinct, with few people in between
    Group A (37 participants)
    >>> res.verdict.to_dict()["structure"], res.verdict.supported_k
    ('separate', 2)
    """
    func = _FUNC
    check_param(mode in ("batch", "replay"), "mode", func, "'batch' or 'replay'", mode)
    check_param(row_order in ("polis", "log"), "row_order", func, "'polis' or 'log'", row_order)
    check_param(_is_int(seed), "seed", func, "an int", seed)
    check_common_params(
        func,
        min_votes=min_votes,
        min_participants=min_participants,
        base_k=base_k,
        max_k=max_k,
        k=k,
        base_iters=base_iters,
        group_iters=group_iters,
    )
    check_param(_is_int(k_buffer) and k_buffer >= 1, "k_buffer", func, "an int >= 1", k_buffer)
    check_param(
        _is_int(n_resamples) and n_resamples >= 0,
        "n_resamples",
        func,
        "an int >= 0",
        n_resamples,
    )
    check_param(
        isinstance(alpha, float | int) and not isinstance(alpha, bool) and 0 < float(alpha) < 1,
        "alpha",
        func,
        "a number in (0, 1)",
        alpha,
    )
    if isinstance(inquiry, pl.DataFrame):
        inquiry = Inquiry(votes=inquiry)
    if not isinstance(inquiry, Inquiry):
        raise ValidationError(
            "expected an Inquiry (see coprod_analytics.Inquiry or load_inquiry) or a votes "
            f"table (polars DataFrame); got {type(inquiry).__name__}"
        )
    check_param(
        previous is None or isinstance(previous, OpinionGroups),
        "previous",
        func,
        "None or an OpinionGroups result",
        type(previous).__name__,
    )
    custom = reducer is not None or clusterer is not None
    if custom:
        for name, est, method in (
            ("reducer", reducer, "fit_transform"),
            ("clusterer", clusterer, "fit_predict"),
        ):
            check_param(
                est is None or (hasattr(est, method) and hasattr(est, "get_params")),
                name,
                func,
                f"None or a scikit-learn estimator with {method}",
                type(est).__name__,
            )
        check_param(
            mode == "batch" and previous is None,
            "reducer",
            func,
            "None in replay mode or with previous= (custom estimators have no warm start)",
            type(reducer).__name__ if reducer is not None else type(clusterer).__name__,
        )
    check_param(engine in ("local", "dask"), "engine", func, "'local' or 'dask'", engine)
    if engine == "dask":
        check_param(
            mode == "batch"
            and as_of is None
            and previous is None
            and not custom
            and n_resamples == 0
            and not stability
            and row_order == "polis",
            "engine",
            func,
            "'local' with replay, as_of, previous, n_resamples, stability, "
            "reducer/clusterer or row_order='log'",
            engine,
        )
        from coprod_analytics.consensus.dask_engine import opinion_groups_dask

        return opinion_groups_dask(
            inquiry,
            client=client,
            seed=seed,
            min_votes=min_votes,
            min_participants=min_participants,
            base_k=base_k,
            max_k=max_k,
            k=k,
            base_iters=base_iters,
            group_iters=group_iters,
            alpha=float(alpha),
            bridging=bridging,
            progress=progress,
        )
    as_of_str = None
    if as_of is not None:
        inquiry = inquiry.as_of(as_of)
        as_of_str = str(inquiry.metadata.get("as_of"))
    parameters: dict[str, Any] = {
        "mode": mode,
        "as_of": as_of_str,
        "min_votes": min_votes,
        "min_participants": min_participants,
        "base_k": base_k,
        "max_k": max_k,
        "k": k,
        "base_iters": base_iters,
        "group_iters": group_iters,
        "row_order": row_order,
        "k_buffer": k_buffer,
        "bridging": bridging,
        "n_resamples": n_resamples,
        "alpha": alpha,
        "stability": stability,
        "warm_start": previous is not None,
    }
    if custom:
        parameters["reducer"] = None if reducer is None else repr(reducer)
        parameters["clusterer"] = None if clusterer is None else repr(clusterer)
    common: dict[str, Any] = {
        "min_votes": min_votes,
        "min_participants": min_participants,
        "base_k": base_k,
        "max_k": max_k,
        "base_iters": base_iters,
        "group_iters": group_iters,
        "k_buffer": k_buffer,
        "force_k": k,
        "seed": seed,
    }
    if mode == "replay":
        parameters["cadence"] = str(cadence) if not isinstance(cadence, int) else cadence
        out = replay_updates(inquiry, cadence=cadence, progress=progress, **common)
    else:
        matrix = vote_matrix(inquiry)
        if row_order == "polis":
            matrix = reorder_rows(matrix, polis_row_order(matrix))
        prev_state = previous.state if previous is not None else None
        keys, key_ids = row_keys_for(
            matrix.participant_ids, None if prev_state is None else prev_state.key_ids
        )
        out = run_update(matrix, keys, previous=prev_state, **common)
        if custom:
            from coprod_analytics.consensus.estimators import with_estimators

            out = with_estimators(
                out,
                reducer=reducer,
                clusterer=clusterer,
                k=k,
                base_k=base_k,
                max_k=max_k,
                base_iters=base_iters,
                group_iters=group_iters,
            )
        out = _with_key_ids(out, key_ids)
    return assemble(
        out,
        inquiry,
        mode=mode,
        as_of=as_of_str,
        parameters=parameters,
        seed=int(seed),
        previous=previous,
        bridging=bridging,
        n_resamples=n_resamples,
        alpha=float(alpha),
        stability=stability,
        progress=progress,
    )


def _with_key_ids(out: PipelineOutput, key_ids: pl.Series) -> PipelineOutput:
    return replace(out, state=replace(out.state, key_ids=key_ids))


#: The parameters :func:`update` carries over from the previous result.
_CARRIED = (
    "min_votes",
    "min_participants",
    "base_k",
    "max_k",
    "k",
    "base_iters",
    "group_iters",
    "row_order",
    "k_buffer",
    "bridging",
    "n_resamples",
    "alpha",
    "stability",
)


def update(
    previous: OpinionGroups,
    inquiry: Inquiry | pl.DataFrame,
    *,
    progress: bool = True,
    **overrides: Any,
) -> OpinionGroups:
    """Recompute after new votes, warm-started from ``previous`` with its parameters.

    Group labels follow the previous result (members matched by the Hungarian algorithm),
    so a facilitator's screen does not reshuffle colours on every vote.

    Parameters
    ----------
    previous : OpinionGroups
        The last result (its parameters, seed and Pol.is state are reused).
    inquiry : Inquiry or polars.DataFrame
        The inquiry with the new votes.
    progress : bool, default True
        Progress bars (see :func:`opinion_groups`).
    **overrides
        Keyword arguments of :func:`opinion_groups` that replace the previous ones.

    Returns
    -------
    OpinionGroups

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> inq = simulate_inquiry(60, 20, n_groups=2, seed=3)
    >>> first = opinion_groups(inq, bridging=False)
    >>> more = inq.with_votes({"participant_id": [inq.votes["participant_id"][0]],
    ...                        "statement_id": [inq.statements["statement_id"][0]],
    ...                        "vote": [1]})
    >>> update(first, more).k
    2
    """
    check_param(
        isinstance(previous, OpinionGroups),
        "previous",
        "update",
        "an OpinionGroups result",
        type(previous).__name__,
    )
    params = dict(previous.parameters)
    kw: dict[str, Any] = {key: params[key] for key in _CARRIED if key in params}
    kw["seed"] = previous.seed
    kw.update(overrides)
    return opinion_groups(inquiry, mode="batch", previous=previous, progress=progress, **kw)
