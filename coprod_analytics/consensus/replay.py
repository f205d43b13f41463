"""Replay a vote log through Pol.is's update rules (``opinion_groups(mode="replay")``).

Live Pol.is does not recompute its groups from scratch: its math worker folds new votes into
the conversation every few seconds and then

* keeps every participant who was ever "in the conversation" in it (sticky membership),
* warm-starts the base and group k-means from the previous update's clusters,
* shows a new number of groups only after the same best k has won ``k_buffer`` (4)
  updates in a row (the k-smoother).

So the groups in an export depend on the history of updates. This module replays the vote
log in time order, one update every ``cadence`` votes (or time window), with the same rules;
with ``as_of`` it shows what Pol.is would have shown at that moment. The exports do not
record Pol.is's real update times, so the cadence is a parameter; moderation is taken as it
stands in the inquiry (exports do not record when a statement was moderated).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from coprod_analytics.consensus.matrix import VoteMatrix, vote_matrix
from coprod_analytics.consensus.pipeline import PipelineOutput, PolisState, run_update
from coprod_analytics.errors import ParameterError
from coprod_analytics.progress import progress as progress_bar

if TYPE_CHECKING:  # pragma: no cover
    from coprod_analytics.inquiry import Inquiry

__all__ = ["Cadence", "ReplayUpdate", "parse_cadence", "replay_timeline", "replay_updates"]

_UNITS = {"ms": 1, "s": 1000, "m": 60_000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}


@dataclass(frozen=True)
class Cadence:
    """How often the replay updates: every ``step`` votes or every ``step`` milliseconds.

    Attributes
    ----------
    unit : {"votes", "ms"}
        What ``step`` counts.
    step : int
        Votes or milliseconds between updates.

    Examples
    --------
    >>> parse_cadence("30s")
    Cadence(unit='ms', step=30000)
    """

    unit: str
    step: int


def parse_cadence(cadence: int | str | dt.timedelta) -> Cadence:
    """The replay cadence from an int, a timedelta or a string like ``"500"``, ``"30s"``,
    ``"10m"``, ``"1h"``, ``"1d"``.

    Parameters
    ----------
    cadence : int, str or datetime.timedelta
        Votes per update (int or digits) or a time window.

    Returns
    -------
    Cadence

    Raises
    ------
    ParameterError
        For anything else (zero, negative, an unknown unit).

    Examples
    --------
    >>> parse_cadence(200), parse_cadence("1h")
    (Cadence(unit='votes', step=200), Cadence(unit='ms', step=3600000))
    """
    msg = (
        "The 'cadence' parameter of opinion_groups must be an int >= 1 (votes per update), "
        "a timedelta or a string like '30s', '10m', '1h', '1d'. Got {!r}."
    )
    if isinstance(cadence, bool):
        raise ParameterError(msg.format(cadence))
    if isinstance(cadence, int | np.integer):
        if cadence < 1:
            raise ParameterError(msg.format(cadence))
        return Cadence("votes", int(cadence))
    if isinstance(cadence, dt.timedelta):
        ms = int(cadence.total_seconds() * 1000)
        if ms < 1:
            raise ParameterError(msg.format(cadence))
        return Cadence("ms", ms)
    if isinstance(cadence, str):
        text = cadence.strip().lower()
        if text.isdigit():
            return parse_cadence(int(text))
        hit = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)", text)
        if hit:
            ms = int(float(hit.group(1)) * _UNITS[hit.group(2)])
            if ms >= 1:
                return Cadence("ms", ms)
    raise ParameterError(msg.format(cadence))


def _ordered_log(inquiry: Inquiry) -> tuple[pl.DataFrame, pl.Series, pl.Series]:
    """The vote log in time order (stable; votes without a time keep their log position
    before all timed ones), with row (first appearance) and column indices."""
    log = inquiry.vote_log.with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_seq"))
    log = log.sort(["time", "_seq"], nulls_last=False)
    pids = log.get_column("participant_id").unique(maintain_order=True)
    sids = inquiry.statements.get_column("statement_id")
    p_index = pl.DataFrame({"participant_id": pids, "_row": np.arange(len(pids), dtype=np.int32)})
    s_index = pl.DataFrame({"statement_id": sids, "_col": np.arange(len(sids), dtype=np.int32)})
    coo = log.join(p_index, on="participant_id", how="left", maintain_order="left").join(
        s_index, on="statement_id", how="left", maintain_order="left"
    )
    coo = coo.with_columns(pl.col("time").dt.epoch("ms").fill_null(-1).alias("_t"))
    return coo, pids, sids


def _cuts(times: np.ndarray, kind: str, step: int) -> list[int]:
    """Prefix lengths at which an update runs (always including the full log)."""
    n = times.shape[0]
    if n == 0:
        return []
    if kind == "votes":
        cuts = list(range(step, n, step))
    else:
        timed = times[times >= 0]
        if timed.size == 0:
            cuts = []
        else:
            start = int(timed[0])
            edges = np.arange(start + step, int(timed[-1]) + 1, step, dtype=np.int64)
            # votes with time < edge are in the update at that edge
            cuts = sorted(set(np.searchsorted(times, edges, side="left").tolist()) - {0, n})
    cuts.append(n)
    return cuts


@dataclass(frozen=True, eq=False)
class ReplayUpdate:
    """One update of a replay.

    Attributes
    ----------
    n_votes : int
        Votes in the log up to this update.
    time : int
        Epoch milliseconds of the last of them (-1 when unknown).
    output : PipelineOutput
        The update's arrays.

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> last = replay_timeline(simulate_inquiry(40, 12, n_groups=2, seed=1), progress=False)[-1]
    >>> last.output.k
    2
    """

    n_votes: int
    time: int
    output: PipelineOutput


def replay_timeline(
    inquiry: Inquiry,
    *,
    cadence: int | str | dt.timedelta = 500,
    progress: bool = True,
    **params: Any,
) -> list[ReplayUpdate]:
    """Every update of the replay, in time order.

    Parameters
    ----------
    inquiry : Inquiry
        The vote log (``Inquiry.vote_log``) and the statements.
    cadence : int, str or datetime.timedelta, default 500
        See :func:`parse_cadence`.
    progress : bool, default True
        Show a progress bar over the updates.
    **params
        Keyword arguments of :func:`~coprod_analytics.consensus.pipeline.run_update`.

    Returns
    -------
    list of ReplayUpdate

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> inq = simulate_inquiry(40, 12, n_groups=2, seed=1)
    >>> steps = replay_timeline(inq, cadence=100, progress=False)
    >>> [u.n_votes for u in steps][:3], steps[-1].n_votes == inq.vote_log.height
    ([100, 200, 300], True)
    """
    c = parse_cadence(cadence)
    coo, pids, sids = _ordered_log(inquiry)
    rows = coo.get_column("_row").to_numpy().astype(np.int64)
    cols = coo.get_column("_col").to_numpy().astype(np.int64)
    vals = coo.get_column("vote").to_numpy()
    times = coo.get_column("_t").to_numpy()
    m = len(sids)
    stmts = inquiry.statements
    excluded = ((stmts.get_column("moderation") == -1) | stmts.get_column("is_meta")).to_numpy()
    excluded = np.asarray(excluded, dtype=bool)
    key = rows * max(m, 1) + cols
    state: PolisState | None = None
    timeline: list[ReplayUpdate] = []
    cuts = _cuts(times, c.unit, c.step)
    for cut in progress_bar(cuts, enabled=progress, desc="Replay", unit="update"):
        rev = key[:cut][::-1]
        _, first_rev = np.unique(rev, return_index=True)
        latest = np.sort(cut - 1 - first_rev)
        n_rows = int(rows[:cut].max()) + 1
        matrix = VoteMatrix(
            participant_ids=pids.head(n_rows),
            statement_ids=sids,
            rows=rows[latest].astype(np.int32),
            cols=cols[latest].astype(np.int32),
            values=vals[latest],
            excluded=excluded,
            times=times[latest],
        )
        out = run_update(matrix, np.arange(n_rows, dtype=np.int64), previous=state, **params)
        state = out.state
        timeline.append(ReplayUpdate(cut, int(times[cut - 1]), out))
    return timeline


def replay_updates(
    inquiry: Inquiry,
    *,
    cadence: int | str | dt.timedelta = 500,
    progress: bool = True,
    **params: Any,
) -> PipelineOutput:
    """The last update of :func:`replay_timeline` (what Pol.is showed at the end).

    Parameters
    ----------
    inquiry : Inquiry
        The vote log and the statements.
    cadence : int, str or datetime.timedelta, default 500
        See :func:`parse_cadence`.
    progress : bool, default True
        Show a progress bar over the updates.
    **params
        Keyword arguments of :func:`~coprod_analytics.consensus.pipeline.run_update`.

    Returns
    -------
    PipelineOutput

    Examples
    --------
    >>> from coprod_analytics.simulate import simulate_inquiry
    >>> out = replay_updates(simulate_inquiry(40, 12, n_groups=2, seed=1), progress=False)
    >>> out.k, out.state.n_updates
    (2, 1)
    """
    timeline = replay_timeline(inquiry, cadence=cadence, progress=progress, **params)
    if not timeline:
        matrix = vote_matrix(inquiry)
        out = run_update(matrix, np.arange(matrix.shape[0], dtype=np.int64), **params)
    else:
        out = timeline[-1].output
    pids = out.matrix.participant_ids
    return replace(out, state=replace(out.state, key_ids=pids))
