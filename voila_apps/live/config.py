"""Tunables of the participant server: :class:`ServerConfig`."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from coprod_analytics.errors import ValidationError

__all__ = ["ServerConfig", "check_public_url", "worker_share"]


def check_public_url(url: str, *, parameter: str = "--public-url") -> str:
    """The participant address phones use behind a proxy, checked and normalised.

    Parameters
    ----------
    url : str
        ``http://`` or ``https://`` with a host (and an optional port), at the root of
        that address (the participant page calls ``/api/...`` from the root), with no
        query, fragment, user or password.
    parameter : str, default "--public-url"
        The option's name, for the error message.

    Returns
    -------
    str
        The address ending in ``/``, its scheme and host in lower case.

    Raises
    ------
    ValidationError
        Naming the parameter and what is wrong with the address.

    Examples
    --------
    >>> check_public_url("HTTPS://Vote.Example.org")
    'https://vote.example.org/'
    >>> check_public_url("https://vote.example.org:8443/")
    'https://vote.example.org:8443/'
    >>> check_public_url("vote.example.org")
    Traceback (most recent call last):
    ...
    coprod_analytics.errors.ValidationError: --public-url 'vote.example.org' must start with https:// or http:// (e.g. https://vote.example.org/)
    """

    def bad(why: str) -> ValidationError:
        return ValidationError(f"{parameter} {url!r} {why}")

    text = str(url).strip()
    if any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise bad("contains spaces or control characters")
    parts = urllib.parse.urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not text.lower().startswith(scheme + "://"):
        raise bad("must start with https:// or http:// (e.g. https://vote.example.org/)")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise bad(f"has a bad port ({exc})") from None
    if not host:
        raise bad("has no host name")
    if parts.username is not None or parts.password is not None:
        raise bad("must not carry a user name or password")
    if parts.query or parts.fragment or "?" in text or "#" in text:
        raise bad("must not carry a query (?...) or a fragment (#...)")
    if parts.path not in ("", "/"):
        raise bad(
            "must be the root of its address (no path): the participant page calls /api/... "
            "from there, so the proxy must pass / to coprod serve"
        )
    shown = f"[{host}]" if ":" in host else host
    netloc = f"{shown}:{port}" if port is not None else shown
    return f"{scheme}://{netloc}/"


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
    public_url : str, optional
        The address phones use when the server sits behind a proxy (``coprod serve
        --public-url``; see :func:`check_public_url`): the printed participant address
        and its QR code use it instead of the server's own address.

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
    public_url: str | None = None


def worker_share(config: ServerConfig, workers: int) -> ServerConfig:
    """The settings of one of ``workers`` processes: the wrong-join-code budgets divided.

    Each worker keeps its own token buckets and the kernel spreads a client's connections
    over the workers, so with the whole budget each, N workers would together let N times
    as many wrong codes through as one server. Each worker gets ``1/N`` of the rate and of
    the burst of ``join_fail_rate`` (per address) and ``join_fail_all_rate`` (over the
    server), so together they allow no more than one process. A burst is never below one
    wrong code (a worker must be able to say "wrong code" at all), so for more workers than
    the burst (10 per address by default) the bursts add up to one code per worker.

    Joins, requests and submissions per participant are capacity limits, not guessing
    defences, and stay per worker.

    Parameters
    ----------
    config : ServerConfig
        The settings of the whole server.
    workers : int
        The number of worker processes (>= 1).

    Returns
    -------
    ServerConfig
        A copy with the two wrong-code budgets divided.

    Examples
    --------
    >>> one = ServerConfig(join_fail_rate=(0.2, 10.0), join_fail_all_rate=(1.0, 30.0))
    >>> w = worker_share(one, 2)
    >>> w.join_fail_rate, w.join_fail_all_rate
    ((0.1, 5.0), (0.5, 15.0))
    >>> worker_share(one, 1) == one
    True
    """
    import dataclasses

    n = max(1, int(workers))

    def share(budget: tuple[float, float]) -> tuple[float, float]:
        rate, burst = budget
        return (rate / n, max(1.0, burst / n))

    return dataclasses.replace(
        config,
        join_fail_rate=share(config.join_fail_rate),
        join_fail_all_rate=share(config.join_fail_all_rate),
    )
