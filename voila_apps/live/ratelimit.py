"""Rate limits of the participant server: a token bucket per key, :class:`RateLimit`; and
of its log, :class:`LogLimiter` (one line per distinct failure per minute)."""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass, field

__all__ = ["LogLimiter", "RateLimit"]


@dataclass
class RateLimit:
    """A token bucket per key: ``rate`` requests per second on average, bursts up to ``burst``.

    At most ``max_keys`` buckets are kept: full (idle) buckets are forgotten first, then the
    least recently used, so a flood of new addresses cannot grow memory without bound.

    Parameters
    ----------
    rate : float
        Tokens added per second (the sustained request rate).
    burst : float
        Bucket size (how many requests may come at once after a quiet moment).
    max_keys : int, default 10000
        Most buckets kept at once.

    Examples
    --------
    >>> limit = RateLimit(rate=1.0, burst=2.0)
    >>> [limit.allow("phone", now=0.0) for _ in range(3)]
    [0.0, 0.0, 1.0]
    >>> limit.allow("phone", now=1.0)
    0.0
    """

    rate: float
    burst: float
    max_keys: int = 10_000
    _buckets: dict[Hashable, tuple[float, float]] = field(default_factory=dict, repr=False)

    def _tokens(self, who: Hashable, t: float) -> float:
        tokens, last = self._buckets.get(who, (self.burst, t))
        return min(self.burst, tokens + max(0.0, t - last) * self.rate)

    def wait(self, who: Hashable, now: float | None = None) -> float:
        """Seconds ``who`` must wait before its next request; takes no token.

        Parameters
        ----------
        who : hashable
            The key (a participant id, a client address).
        now : float, optional
            The time (``time.monotonic()`` when omitted).

        Returns
        -------
        float
            0.0 when a request may go now.

        Examples
        --------
        >>> RateLimit(rate=1.0, burst=1.0).wait("phone", now=0.0)
        0.0
        """
        t = time.monotonic() if now is None else now
        tokens = self._tokens(who, t)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def is_full(self, who: Hashable, now: float | None = None) -> bool:
        """Whether ``who``'s bucket is full (it took no token lately).

        Parameters
        ----------
        who : hashable
            The key.
        now : float, optional
            The time (``time.monotonic()`` when omitted).

        Returns
        -------
        bool
            True for a key never seen or refilled since.

        Examples
        --------
        >>> limit = RateLimit(rate=1.0, burst=2.0)
        >>> limit.is_full("a", now=0.0), limit.allow("a", now=0.0), limit.is_full("a", now=0.5)
        (True, 0.0, False)
        """
        if who not in self._buckets:
            return True
        t = time.monotonic() if now is None else now
        return self._tokens(who, t) >= self.burst

    def allow(self, who: Hashable, now: float | None = None) -> float:
        """Take a token for ``who`` when there is one.

        Parameters
        ----------
        who : hashable
            The key (a participant id, a client address).
        now : float, optional
            The time (``time.monotonic()`` when omitted).

        Returns
        -------
        float
            0.0 when ``who`` may proceed (a token was taken), else the seconds to wait.

        Examples
        --------
        >>> limit = RateLimit(rate=0.5, burst=1.0)
        >>> limit.allow("phone", now=0.0), limit.allow("phone", now=0.0)
        (0.0, 2.0)
        """
        t = time.monotonic() if now is None else now
        tokens = self._tokens(who, t)
        self._buckets.pop(who, None)  # re-insert: the dict stays in least-recent order
        if tokens >= 1.0:
            self._buckets[who] = (tokens - 1.0, t)
            wait = 0.0
        else:
            self._buckets[who] = (tokens, t)
            wait = (1.0 - tokens) / self.rate
        if len(self._buckets) > self.max_keys:
            self._prune(t)
        return wait

    def _prune(self, t: float) -> None:
        full = [
            k
            for k, (tok, last) in self._buckets.items()
            if tok + (t - last) * self.rate >= self.burst
        ]
        for k in full:
            del self._buckets[k]
        excess = len(self._buckets) - self.max_keys // 2
        if excess > 0:
            for k in list(self._buckets)[:excess]:
                del self._buckets[k]

    def __len__(self) -> int:
        return len(self._buckets)


class LogLimiter:
    """One log line per distinct failure per ``period`` seconds (a flood logs a handful).

    The first occurrence of a failure is logged; repeats within ``period`` are only counted,
    and the next line logged for that failure says how many were left out.

    Parameters
    ----------
    period : float, default 60
        Seconds during which a failure is logged at most once.

    Examples
    --------
    >>> limiter = LogLimiter(period=60)
    >>> [limiter.admit("disk full", now=t) for t in (0.0, 1.0, 2.0, 61.0)]
    [(True, 0), (False, 0), (False, 0), (True, 2)]
    """

    def __init__(self, period: float = 60.0) -> None:
        self.period = period
        self._seen: dict[Hashable, tuple[float, int]] = {}

    def admit(self, failure: Hashable, now: float | None = None) -> tuple[bool, int]:
        """Whether to log ``failure`` now, and how many of it were left out since last time.

        Parameters
        ----------
        failure : hashable
            What identifies the failure (e.g. its type and message).
        now : float, optional
            The time (``time.monotonic()`` when omitted).

        Returns
        -------
        (bool, int)
            Log it or not; repeats left out since it was last logged.
        """
        t = time.monotonic() if now is None else now
        last, skipped = self._seen.get(failure, (float("-inf"), 0))
        if t - last < self.period:
            self._seen[failure] = (last, skipped + 1)
            return False, 0
        if len(self._seen) > 1000:  # many distinct failures: forget the old ones
            self._seen = {k: v for k, v in self._seen.items() if t - v[0] < self.period}
        self._seen[failure] = (t, 0)
        return True, skipped
