"""Rate limits of the participant server: a token bucket per key, :class:`RateLimit`."""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass, field

__all__ = ["RateLimit"]


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
