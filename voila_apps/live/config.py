"""Tunables of the participant server: :class:`ServerConfig`."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ServerConfig"]


@dataclass
class ServerConfig:
    """Tunables of :class:`~coprod_apps.live.server.LiveServer`.

    Parameters
    ----------
    join_code : str, optional
        Participants must send this code to join (``None``: anyone with the address joins).
    request_rate : (float, float), default (5, 30)
        Requests per second per participant token (average, burst).
    submit_rate : (float, float), default (1/20, 3)
        Statement submissions per participant (per second, burst).
    join_rate : (float, float), default (100, 1000)
        Join attempts per second over the whole server (per second, burst). Joins are not
        limited per address: a room of phones shares one Wi-Fi address.
    join_fail_rate : (float, float), default (0.2, 10)
        WRONG join codes per client address (per second, burst); checked before the code
        is compared, so guessing is slow.
    join_fail_all_rate : (float, float), default (1, 30)
        WRONG join codes over the whole server (per second, burst): guessing from many
        addresses stays slow too. Once spent, an address that sent a wrong code recently
        waits; an address without wrong codes still joins.
    trusted_proxies : tuple of str, default ()
        Reverse proxies (addresses or CIDR ranges) whose ``X-Forwarded-For`` and
        ``X-Forwarded-Proto`` headers are believed (``coprod serve --trusted-proxy``).
    priority_interval : float, default 10
        Seconds between Pol.is priority recomputations (0 turns them off: fewest votes
        first).
    poll_interval : float, default 0.5
        Seconds between reads of events other processes appended (moderation, settings).
    seed : int, default 0
        Seed of the random choice of the next statement.
    lang : str, optional
        The participant page's language when a phone has not chosen one (``coprod serve
        --lang``; a key of :data:`coprod_apps.live.i18n.LANGUAGES`). None: the phone's own
        languages decide.
    id_slot : (int, int), default (0, 1)
        ``(index, count)``: this server hands out participant and statement ids equal to
        ``index`` modulo ``count`` (the workers of ``coprod serve --workers N`` hand out
        disjoint ids).
    priorities_file : str, optional
        Read the Pol.is priorities from this JSON file (written by ``coprod serve``'s
        parent process for all its workers) instead of computing them.

    Examples
    --------
    >>> ServerConfig(join_code="ABCD").request_rate
    (5.0, 30.0)
    """

    join_code: str | None = None
    request_rate: tuple[float, float] = (5.0, 30.0)
    submit_rate: tuple[float, float] = (1 / 20, 3.0)
    join_rate: tuple[float, float] = (100.0, 1000.0)
    join_fail_rate: tuple[float, float] = (0.2, 10.0)
    join_fail_all_rate: tuple[float, float] = (1.0, 30.0)
    trusted_proxies: tuple[str, ...] = ()
    priority_interval: float = 10.0
    poll_interval: float = 0.5
    seed: int = 0
    lang: str | None = None
    id_slot: tuple[int, int] = (0, 1)
    priorities_file: str | None = None
