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
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.consensus.matrix import VoteMatrix
from coprod_analytics.consensus.pipeline import PipelineOutput, PolisState, run_update
from coprod_analytics.errors import ParameterError

__all__ = ["parse_cadence", "replay_timeline", "replay_updates"]

_UNITS = {"ms": 1, "s": 1000, "m": 60_000, "min": 60_000, "h": 3_600_000, "d": 86_400_000}


def parse_cadence(cadence: Any) -> tuple[str, int]:
    """``("votes", n)`` or ``("ms", window)`` from an int, a timedelta or a string like
    ``"500"``, ``"30s"``, ``"10m"``, ``"1h"``, ``"1d"``.

    Examples
    --------
    >>> parse_cadence(200), parse_cadence("1h")
    (('votes', 200), ('ms', 3600000))
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
        return "votes", int(cadence)
    if isinstance(cadence, dt.timedelta):
        ms = int(cadence.total_seconds() * 1000)
        if ms < 1:
            raise ParameterError(msg.format(cadence))
        return "ms", ms
    if isinstance(cadence, str):
        text = cadence.strip().lower()
        if text.isdigit():
            return parse_cadence(int(text))
        hit = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)", text)
        if hit:
            ms = int(float(hit.group(1)) * _UNITS[hit.group(2)])
            if ms >= 1:
                return "ms", ms
    raise ParameterError(msg.format(cadence))


def _ordered_log(inquiry: Any) -> tuple[pl.DataFrame, pl.Series, pl.Series]:
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


def replay_timeline(
    inquiry: Any,
    *,
    cadence: Any = 500,
    **params: Any,
) -> list[tuple[int, int, PipelineOutput]]:
    """Every update of the replay: ``(n_votes_so_far, epoch_ms_of_last_vote, output)``."""
    kind, step = parse_cadence(cadence)
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
    timeline: list[tuple[int, int, PipelineOutput]] = []
    for cut in _cuts(times, kind, step):
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
        timeline.append((cut, int(times[cut - 1]), out))
    return timeline


def replay_updates(inquiry: Any, *, cadence: Any = 500, **params: Any) -> PipelineOutput:
    """The last update of :func:`replay_timeline` (what Pol.is showed at the end)."""
    from dataclasses import replace

    timeline = replay_timeline(inquiry, cadence=cadence, **params)
    if not timeline:
        from coprod_analytics.consensus.matrix import vote_matrix

        matrix = vote_matrix(inquiry)
        out = run_update(matrix, np.arange(matrix.shape[0], dtype=np.int64), **params)
    else:
        out = timeline[-1][2]
    pids = out.matrix.participant_ids
    return replace(out, state=replace(out.state, key_ids=pids))
