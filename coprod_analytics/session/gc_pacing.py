"""Python's full garbage collections between a poller's refreshes: :class:`IdleCollections`.

A live view holds the whole session in memory: at 100,000 answers about 300,000 objects the
collector tracks (each latest answer is a tuple holding a dict). CPython starts a full
collection by itself whenever the objects that lived long grew by a quarter, in the middle
of whatever runs then, and a full collection walks every tracked object: 0.15-0.4 s on two
busy cores, seven times in the first minute of a 2,000-participant room. In a refresh that
is time every answer it shows waits. :class:`IdleCollections` stops the interpreter from
starting full collections and runs them itself, between two refreshes, at most every
``every`` seconds and only after something changed; the young generations are collected
as usual. Nothing is kept that a full collection would free for longer than ``every``
seconds of refreshes.
"""

from __future__ import annotations

import gc
import time
import types

__all__ = ["IdleCollections"]

#: The interpreter's thresholds, kept while at least one :class:`IdleCollections` is on (the
#: count of them) and put back when the last one stops.
_saved: tuple[int, int, int] = gc.get_threshold()
_active = 0


class IdleCollections:
    """Full garbage collections run by a poller between its refreshes, not by the
    interpreter in the middle of one.

    Use it as a context manager around the polling loop (or :meth:`start` / :meth:`stop`)
    and call :meth:`idle` after each refresh. While any is on, the interpreter starts no
    full collection itself (its third threshold is set out of reach); the thresholds are
    put back when the last one stops.

    Parameters
    ----------
    every : float, default 10.0
        Least seconds between two full collections.

    Attributes
    ----------
    collections : int
        Full collections this one has run.
    seconds : float
        Their total duration.

    Examples
    --------
    >>> import gc
    >>> before = gc.get_threshold()
    >>> with IdleCollections(every=0.0) as pacing:
    ...     gc.get_threshold()[2] > 10**6
    ...     pacing.changed()
    ...     pacing.idle()
    True
    True
    >>> gc.get_threshold() == before
    True
    """

    def __init__(self, every: float = 10.0) -> None:
        self.every = float(every)
        self.collections = 0
        self.seconds = 0.0
        self._on = False
        self._dirty = False
        self._last = time.monotonic()

    def start(self) -> None:
        """Stop the interpreter from starting full collections (until :meth:`stop`)."""
        global _active, _saved
        if self._on:
            return
        if _active == 0:
            _saved = gc.get_threshold()
            gc.set_threshold(_saved[0], _saved[1], 2**31 - 1)
        _active += 1
        self._on = True
        self._last = time.monotonic()

    def stop(self) -> None:
        """Give full collections back to the interpreter (when no other one is on)."""
        global _active
        if not self._on:
            return
        self._on = False
        _active -= 1
        if _active == 0:
            gc.set_threshold(*_saved)

    def changed(self) -> None:
        """Note that a refresh built new objects (the next :meth:`idle` may collect)."""
        self._dirty = True

    def idle(self) -> bool:
        """Run a full collection when one is due: something changed since the last and
        ``every`` seconds passed.

        Returns
        -------
        bool
            Whether it collected.
        """
        if not (self._on and self._dirty and time.monotonic() - self._last >= self.every):
            return False
        started = time.perf_counter()
        gc.collect()
        self.seconds += time.perf_counter() - started
        self.collections += 1
        self._dirty = False
        self._last = time.monotonic()
        return True

    def __enter__(self) -> IdleCollections:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        self.stop()
