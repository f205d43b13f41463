"""The Dask plumbing shared by the Dask engines: a client, and a votes dataset on it.

:func:`dask_client` starts (or connects to) a cluster; :func:`load_blocks` reads a votes
dataset piece by piece, hashes it by participant into partitions and keeps each
partition's latest votes on the workers as a :class:`~.dask_blocks.VoteBlock`; the
engines (:mod:`.dask_engine`: opinion groups; :mod:`.dask_bridging`: bridging scores;
:mod:`coprod_analytics.crowd.dask_agreement`) then run passes over those partitions and
add up small arrays with :func:`tree_sum`. Dask is optional: it is imported only inside
these functions.
"""

from __future__ import annotations

import math
import operator
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl

from coprod_analytics.consensus import dask_blocks as blk
from coprod_analytics.errors import ValidationError, check_param
from coprod_analytics.inquiry import Inquiry

__all__ = [
    "LoadedBlocks",
    "client_for",
    "dask_client",
    "import_distributed",
    "load_blocks",
    "map_over",
    "tree_sum",
]

#: Rows per piece read by one task.
ROWS_PER_PIECE = 2_000_000
#: Votes per partition of participants when ``n_partitions`` is not given.
VOTES_PER_PARTITION = 2_000_000


_INSTALL_HINT = (
    "the Dask engine needs dask and distributed: pip install 'coprod-analytics[dask]' "
    "(or pip install 'dask[dataframe]' distributed)"
)
_shown_dashboards: set[str] = set()


def import_distributed() -> Any:
    """The ``distributed`` package, or an ImportError saying how to install it.

    Returns
    -------
    module
        ``distributed``.

    Raises
    ------
    ImportError
        Naming ``pip install 'coprod-analytics[dask]'``.

    Examples
    --------
    >>> import_distributed().__name__
    'distributed'
    """
    try:
        import distributed
    except ImportError:
        raise ImportError(_INSTALL_HINT) from None
    return distributed


def _announce(client: Any) -> None:
    link = getattr(client, "dashboard_link", None)
    if link and link not in _shown_dashboards:
        _shown_dashboards.add(link)
        print(f"Dask dashboard: {link}", file=sys.stderr)


def dask_client(
    address: str | None = None,
    *,
    n_workers: int | None = None,
    memory_limit: str | int | None = None,
    local_directory: str | None = None,
    dashboard_address: str | None = ":0",
    processes: bool = True,
) -> Any:
    """A Dask client: connected to ``address``, or to a new LocalCluster sized to the machine.

    The LocalCluster has one single-threaded worker process per core (at most 8), each
    limited to its share of 75% of the machine's memory, spilling to a temporary folder
    (``local_directory``; a temporary one is removed with the client) when it fills.
    ``client.close()`` stops it. The dashboard
    address is printed once on stderr.

    Parameters
    ----------
    address : str, optional
        A running scheduler (``tcp://host:8786``); None starts a LocalCluster.
    n_workers : int, optional
        Worker processes (default: cores, at most 8).
    memory_limit : str or int, optional
        Per worker (``"3GB"`` or bytes); default 75% of memory shared out.
    local_directory : str, optional
        Where workers spill; default a new temporary folder.
    dashboard_address : str or None, default ":0"
        Dashboard address (":0": any free port); None: any free port, not printed.
    processes : bool, default True
        Worker processes (False: threads in this process, for small data and doctests).

    Returns
    -------
    distributed.Client

    Examples
    --------
    >>> client = dask_client(n_workers=1, processes=False, dashboard_address=None)
    >>> len(client.scheduler_info()["workers"])
    1
    >>> client.close()
    """
    distributed = import_distributed()
    if address is not None:
        client = distributed.Client(address)
        _announce(client)
        return client
    import psutil

    cores = os.cpu_count() or 1
    workers = n_workers if n_workers is not None else max(1, min(cores, 8))
    check_param(
        isinstance(workers, int) and workers >= 1,
        "n_workers",
        "dask_client",
        "an int >= 1",
        workers,
    )
    if memory_limit is None:
        memory_limit = int(psutil.virtual_memory().total * 0.75 / workers)
    spill = local_directory or tempfile.mkdtemp(prefix="coprod-dask-")
    client = distributed.Client(
        n_workers=workers,
        threads_per_worker=1,
        processes=processes,
        memory_limit=memory_limit,
        local_directory=spill,
        dashboard_address=dashboard_address or ":0",
    )
    if local_directory is None:  # our temporary spill folder goes with the client
        import weakref

        weakref.finalize(client, shutil.rmtree, spill, True)
    if dashboard_address is not None:
        _announce(client)
    return client


@contextmanager
def client_for(client: Any) -> Iterator[Any]:
    """``client`` itself, or (None) a LocalCluster's client started here and closed after.

    Parameters
    ----------
    client : distributed.Client or None

    Yields
    ------
    distributed.Client

    Examples
    --------
    >>> c = dask_client(n_workers=1, processes=False, dashboard_address=None)
    >>> with client_for(c) as same:
    ...     same is c
    True
    >>> c.close()
    """
    if client is not None:
        yield client
        return
    own = dask_client()
    try:
        yield own
    finally:
        own.close()


def tree_sum(client: Any, futures: list[Any]) -> np.ndarray:
    """Add up the arrays of ``futures`` on the workers, pairwise, and gather the sum.

    Parameters
    ----------
    client : distributed.Client
    futures : list of Future
        Arrays of one shape.

    Returns
    -------
    np.ndarray

    Examples
    --------
    >>> c = dask_client(n_workers=1, processes=False, dashboard_address=None)
    >>> tree_sum(c, [c.submit(np.ones, 2) for _ in range(3)]).tolist()
    [3.0, 3.0]
    >>> c.close()
    """
    futs = list(futures)
    while len(futs) > 1:
        nxt = [client.submit(np.add, futs[i], futs[i + 1]) for i in range(0, len(futs) - 1, 2)]
        if len(futs) % 2:
            nxt.append(futs[-1])
        futs = nxt
    return np.asarray(client.gather(futs[0]))


def map_over(
    client: Any, func: Any, *iterables: Any, keep: list[Any] | None = None, **kwargs: Any
) -> list[Any]:
    """``client.map`` with every array-like keyword argument sent once to all workers.

    numpy arrays and polars frames and series given as keyword arguments are scattered
    (``broadcast=True``) and passed as futures. Passed as plain values, a numpy array of
    20,000 floats (a centre or a direction of a 20,000-statement dataset) made this
    version of distributed fail inside the scheduler (``assert ts.priority``) and the
    client hang; futures do not. Scattered data is lost once no client holds it, so the
    scattered futures are appended to ``keep`` (the caller holds them as long as the
    results may need recomputing) or, without ``keep``, the results are waited for
    before returning.

    Parameters
    ----------
    client : distributed.Client
    func : callable
    *iterables
        As in ``client.map`` (futures of the partitions).
    keep : list, optional
        Where to hold the scattered futures.
    **kwargs
        Passed to every call (arrays as futures); ``pure=`` and other ``client.map``
        options pass through.

    Returns
    -------
    list of Future

    Examples
    --------
    >>> c = dask_client(n_workers=1, processes=False, dashboard_address=None)
    >>> futs = map_over(c, np.dot, c.scatter([np.ones(3), np.zeros(3)]), b=np.arange(3.0))
    >>> [float(x) for x in c.gather(futs)]
    [3.0, 0.0]
    >>> c.close()
    """
    scattered = []
    shared = {}
    for k, v in kwargs.items():
        if isinstance(v, np.ndarray | pl.Series | pl.DataFrame):
            v = client.scatter(v, broadcast=True, hash=False)
            scattered.append(v)
        shared[k] = v
    futures = list(client.map(func, *iterables, **shared))
    if scattered:
        if keep is not None:
            keep.extend(scattered)
        else:
            from distributed import wait

            wait(futures)
    return futures


@dataclass
class LoadedBlocks:
    """A votes dataset on the workers: one :class:`~.dask_blocks.VoteBlock` future per
    partition of participants, and the statements table of its columns.

    Attributes
    ----------
    blocks : list of distributed.Future
        One future per partition, each holding that partition's latest votes.
    statements : polars.DataFrame
        The statements table, in the order of the blocks' columns.
    hashes : list of int
        Content hash of every piece read (the dataset's fingerprint).
    n_partitions : int
        Partitions of participants.

    Examples
    --------
    >>> import polars as pl
    >>> LoadedBlocks([], pl.DataFrame({"statement_id": [1]}), [], 0).n_partitions
    0
    """

    blocks: list[Any]
    statements: pl.DataFrame
    hashes: list[int]
    n_partitions: int


def load_blocks(
    client: Any,
    data: Any,
    statements: pl.DataFrame | None,
    n_partitions: int | None,
    *,
    on_read: Any = None,
) -> LoadedBlocks:
    """Read a votes dataset piece by piece, split it by participant and keep the latest
    votes of every partition on the workers (the first two steps of the Dask engine).

    Parameters
    ----------
    client : distributed.Client
    data : path, str, Inquiry or polars.DataFrame
        As in :func:`opinion_groups_dask`.
    statements : polars.DataFrame, optional
        The statements table (columns in its order); default every statement voted on.
    n_partitions : int, optional
        Partitions of participants (default: about 2M votes each, two per worker at least).
    on_read : callable, optional
        Called once the pieces are read and split.

    Returns
    -------
    LoadedBlocks

    Examples
    --------
    >>> client = dask_client(n_workers=1, processes=False, dashboard_address=None)
    >>> votes = pl.DataFrame({"participant_id": [1, 1, 2], "statement_id": [0, 0, 1],
    ...                       "vote": [1, -1, 0]})
    >>> loaded = load_blocks(client, votes, None, 2)
    >>> sum(b.n_rows for b in client.gather(loaded.blocks)), loaded.statements.height
    (2, 2)
    >>> client.close()
    """
    from distributed import wait

    pieces, n_events = _pieces(client, data)
    n_workers = max(1, len(client.scheduler_info().get("workers", {})))
    parts = n_partitions or max(2 * n_workers, math.ceil(n_events / VOTES_PER_PARTITION))
    split = client.map(blk.split_piece, pieces, n_buckets=parts, pure=False)
    # Take every piece's parts out of its tuple as soon as it is split (a higher priority
    # than the splits still queued), so that each tuple is released while still in memory:
    # taking them later, partition by partition, unspills a whole tuple for every part.
    by_piece = [
        [client.submit(operator.getitem, s, b, priority=1) for b in range(parts + 2)] for s in split
    ]
    del split
    sid_futs = [row[parts] for row in by_piece]
    hash_futs = [row[parts + 1] for row in by_piece]
    voted = pl.concat([s.to_frame() for s in client.gather(sid_futs)], how="vertical_relaxed")[
        "statement_id"
    ]
    hashes = [int(h) % (1 << 64) for h in client.gather(hash_futs)]
    stmts = _statement_table(statements, voted)
    m = stmts.height
    sids = stmts.get_column("statement_id")
    srank = np.empty(m, dtype=np.int64)
    srank[sids.arg_sort().to_numpy()] = np.arange(m)
    stmt_map = pl.DataFrame(
        {"statement_id": sids, "_col": np.arange(m, dtype=np.int64), "_srank": srank}
    )
    if on_read is not None:
        on_read()
    map_f = client.scatter(stmt_map, broadcast=True, hash=False)
    del sid_futs, hash_futs
    blocks = [
        client.submit(blk.build_block, [row[b] for row in by_piece], map_f) for b in range(parts)
    ]
    del by_piece
    wait(blocks)
    return LoadedBlocks(blocks, stmts, hashes, parts)


def _pieces(client: Any, data: Any) -> tuple[list[Any], int]:
    """What the split tasks read: dataset pieces, or in-memory chunks sent to the workers."""
    if isinstance(data, str | os.PathLike):
        from coprod_analytics.io.parquet_dataset import votes_dataset

        ds = votes_dataset(data, rows_per_piece=ROWS_PER_PIECE)
        if ds.n_rows == 0:
            raise ValidationError("no votes to analyse", file=ds.source)
        return list(ds.pieces), ds.n_rows
    inquiry = data if isinstance(data, Inquiry) else Inquiry(votes=data)
    log = inquiry.vote_log
    if log.height == 0:
        raise ValidationError("no votes to analyse", table="votes")
    frame = log.select(
        "participant_id",
        "statement_id",
        pl.col("vote").cast(pl.Int8),
        pl.col("time").dt.epoch("ms").cast(pl.Int64),
        seq=pl.int_range(pl.len(), dtype=pl.Int64),
    )
    n_chunks = max(1, math.ceil(frame.height / ROWS_PER_PIECE))
    step = math.ceil(frame.height / n_chunks)
    chunks = [frame.slice(i * step, step) for i in range(n_chunks)]
    return list(client.scatter(chunks, hash=False)), frame.height


def _statement_table(statements: pl.DataFrame | None, voted: pl.Series) -> pl.DataFrame:
    if statements is None:
        table = Inquiry(statements=pl.DataFrame({"statement_id": voted.unique().sort()}))
    else:
        table = Inquiry(statements=statements)
    return table.statements.select("statement_id", "text", "moderation", "is_meta")
