"""The participant API's busiest calls without tornado's per-request handler machinery.

A phone's votes, answers, next statement and activity listing (and its join) are most of the
server's requests, and most of the CPU each took went to tornado's ``RequestHandler``: a
handler object, its headers set one by one, the response transforms, a task per request.
:class:`HotApplication` answers these plain requests (the right method, a JSON body of at most
:data:`MAX_BODY_BYTES` announced by ``Content-Length``, or no body for a ``GET``) with a small
:class:`tornado.httputil.HTTPMessageDelegate` of its own, :class:`_HotCall`: the same rules,
the same JSON answers and errors, the same security headers, rate limits, trusted proxies
and gzip for a phone that asks for it. Anything else (another method, a chunked, oversized or
non-JSON body) goes to the ordinary handlers, which answer every such case (413, 415, 405).

Since :mod:`~coprod_apps.live.hotwire` reads the listening sockets itself, a connection
reaches tornado (and this path) only once it sent a request the wire leaves to tornado; the
wire answers the same routes with the same functions, headers and refusals.

This module also holds what both paths share: the headers of every answer
(:data:`SECURITY_HEADERS`), the JSON encoder, the token check, the reading of a JSON body
and the JSON of a refusal.
"""

from __future__ import annotations

import asyncio
import gzip
import ipaddress
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import tornado.httputil
import tornado.iostream
import tornado.web

from coprod_analytics.session.store import StoreUnwritable
from coprod_apps.live.ratelimit import LogLimiter
from coprod_apps.live.rules import ApiError, SessionRules

__all__ = [
    "BASE_HEADERS",
    "MAX_BODY_BYTES",
    "SECURITY_HEADERS",
    "HotApplication",
    "HotRoute",
    "authed",
    "encode_json",
    "error_answer",
    "http_date",
    "parse_json_object",
]

log = logging.getLogger("coprod_apps.live.handlers")

#: Largest request body accepted (a vote or a statement is far smaller).
MAX_BODY_BYTES = 8 * 1024

#: Headers of every answer: no scripts, styles or frames from elsewhere, no caching.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
#: Every answer's headers before the handler adds its own (``Date`` is filled in per second).
BASE_HEADERS = {
    "Server": "coprod",
    "Content-Type": "application/json; charset=utf-8",
    **SECURITY_HEADERS,
}
#: The JSON of every answer: one encoder (no per-call set-up), compact, UTF-8 as is.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def encode_json(obj: Any) -> str:
    """An answer's JSON: compact, UTF-8 as is, one encoder for every answer.

    Parameters
    ----------
    obj : object
        What to encode (JSON types).

    Returns
    -------
    str
        The JSON text.

    Examples
    --------
    >>> encode_json({"ok": True, "text": "café"})
    '{"ok":true,"text":"café"}'
    """
    return _ENCODER.encode(obj)


#: Verified tokens kept (token -> participant id) before the cache starts again.
MAX_TOKENS = 100_000
#: Answers at least this long are gzipped for a client that accepts it (as tornado does).
GZIP_MIN_BYTES = 1024

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
_date_cache: list[Any] = [0, ""]
_log_limit = LogLimiter(60.0)


def http_date() -> str:
    """The ``Date`` header of now, formatted once a second (not once per request).

    Returns
    -------
    str
        The date as HTTP writes it.

    Examples
    --------
    >>> http_date().endswith("GMT")
    True
    """
    now = int(time.time())
    if _date_cache[0] != now:
        _date_cache[0] = now
        _date_cache[1] = tornado.httputil.format_timestamp(now)
    return str(_date_cache[1])


def bearer_token(request: tornado.httputil.HTTPServerRequest) -> str | None:
    """The request's ``Authorization: Bearer`` token, if any."""
    return bearer(request.headers.get("Authorization", ""))


def bearer(auth: str) -> str | None:
    """The token of an ``Authorization`` header's value (``Bearer TOKEN``), if any."""
    return auth[7:].strip() if auth.startswith("Bearer ") else None


def authed(rules: SessionRules, tokens: dict[str, int], token: str | None) -> int:
    """The participant a bearer token stands for, after taking a token of their request
    limit (401 and 429 as :class:`ApiError`).

    A token once verified stands for the same participant for good (tokens do not expire):
    ``tokens`` keeps it, so its signature is checked once, not on every request.

    Parameters
    ----------
    rules : SessionRules
        The session.
    tokens : dict
        Verified tokens and their participant ids (one per application).
    token : str or None
        The request's bearer token.

    Returns
    -------
    int
        The participant id.

    Examples
    --------
    >>> import asyncio
    >>> from coprod_analytics.session.state import SessionState
    >>> from coprod_apps.live.config import ServerConfig
    >>> async def write(event):
    ...     return 1
    >>> rules = SessionRules(SessionState(), secret=b"k", session_id="s",
    ...                      config=ServerConfig(), write=write)
    >>> authed(rules, {}, None)
    Traceback (most recent call last):
    ...
    coprod_apps.live.rules_base.ApiError: ...
    """
    pid = tokens.get(token) if token else None
    if pid is None or pid not in rules.state.participants:
        pid = rules.participant(token)
        if len(tokens) >= MAX_TOKENS:
            tokens.clear()
        tokens[str(token)] = pid
    rules.check_rate(rules.request_limit, pid)
    return pid


def parse_json_object(body: bytes) -> dict[str, Any]:
    """A request body as a JSON object (400 ``bad_json`` as :class:`ApiError` otherwise).

    Parameters
    ----------
    body : bytes
        The request body.

    Returns
    -------
    dict
        The object.

    Examples
    --------
    >>> parse_json_object(b'{"vote": 1}')
    {'vote': 1}
    """
    try:
        if body[:1] == b"{" and body[1:2] != b"\x00":  # UTF-8 (no BOM, not UTF-16/32)
            data = json.loads(body.decode("utf-8"))  # skips json's encoding detection
        else:
            data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "bad_json", f"the request body is not valid JSON ({exc})") from exc
    except RecursionError:
        raise ApiError(400, "bad_json", "the request body is nested too deeply") from None
    if not isinstance(data, dict):
        raise ApiError(400, "bad_json", "the request body must be a JSON object")
    return data


def error_answer(exc: BaseException) -> tuple[int, dict[str, str], dict[str, Any]] | None:
    """The status, extra headers and JSON of a refusal, or None for an unexpected error.

    Parameters
    ----------
    exc : BaseException
        What the rules raised.

    Returns
    -------
    (int, dict, dict) or None
        ``(status, headers, payload)`` for an :class:`ApiError` (``Retry-After`` with 429)
        or :class:`StoreUnwritable` (503 ``store_unavailable``).

    Examples
    --------
    >>> error_answer(ApiError(403, "closed", "this session is closed"))
    (403, {}, {'error': 'this session is closed', 'code': 'closed'})
    """
    if isinstance(exc, ApiError):
        headers = {}
        if exc.status == 429:
            headers["Retry-After"] = str(max(1, round(exc.extra.get("retry_after", 1))))
        return exc.status, headers, {"error": exc.message, "code": exc.code, **exc.extra}
    if isinstance(exc, StoreUnwritable):  # nothing was stored; the writer logs the cause
        payload = {
            "error": "the session cannot store answers right now; your answer was not "
            "saved, try again in a moment",
            "code": "store_unavailable",
            "reason": exc.reason,
        }
        return 503, {"Retry-After": "5"}, payload
    return None


class Caller(Protocol):
    """What a route function gets: the rules, the participant, the body, the address."""

    rules: SessionRules

    def authed(self) -> int: ...

    def body_json(self) -> dict[str, Any]: ...

    def remote_ip(self) -> str: ...


#: A route: the JSON answer (or a coroutine of it) to one request.
HotRoute = Callable[[Caller], "dict[str, Any] | Awaitable[dict[str, Any]]"]


class HotApplication(tornado.web.Application):
    """A tornado application whose ``hot`` routes skip the ``RequestHandler`` machinery.

    Parameters
    ----------
    handlers : list
        The ordinary routes (they also answer every request the hot path declines).
    hot : dict
        ``{path: (method, route)}``.
    rules : SessionRules
        The session the routes serve.
    trusted_proxies : sequence of ip_network
        Reverse proxies whose ``X-Forwarded-For`` / ``X-Forwarded-Proto`` are believed.
    proxy : callable
        ``proxy(request, trusted)``: rewrites the client's address and scheme for a request
        from a trusted proxy (the ordinary handlers' rule).
    **settings
        tornado settings.

    Examples
    --------
    >>> from coprod_analytics.session.state import SessionState
    >>> from coprod_apps.live.config import ServerConfig
    >>> from coprod_apps.live.handlers import make_app
    >>> async def write(event):
    ...     return 1
    >>> rules = SessionRules(SessionState(), secret=b"k", session_id="s",
    ...                      config=ServerConfig(), write=write)
    >>> type(make_app(rules)).__name__  # what the participant server runs
    'HotApplication'
    """

    def __init__(
        self,
        handlers: list[Any],
        *,
        hot: dict[str, tuple[str, HotRoute]],
        rules: SessionRules,
        trusted_proxies: Sequence[Network],
        proxy: Callable[[tornado.httputil.HTTPServerRequest, Sequence[Network]], None],
        **settings: Any,
    ) -> None:
        super().__init__(handlers, **settings)
        self.hot = dict(hot)
        self.rules = rules
        self.trusted = tuple(trusted_proxies)
        self.proxy = proxy
        self.tokens: dict[str, int] = {}

    def find_handler(  # type: ignore[override]  # any HTTPMessageDelegate does
        self, request: tornado.httputil.HTTPServerRequest, **kwargs: Any
    ) -> tornado.httputil.HTTPMessageDelegate:
        route = self.hot.get(request.path)
        if route is not None and request.method == route[0] and _plain(request):
            return _HotCall(self, request, route[1])
        return super().find_handler(request, **kwargs)


def _plain(request: tornado.httputil.HTTPServerRequest) -> bool:
    """A request the hot path answers exactly as the handlers would: no body (``GET``), or
    a JSON body of at most :data:`MAX_BODY_BYTES` announced by ``Content-Length``."""
    headers = request.headers
    return plain_fields(
        request.method or "",
        headers.get("Content-Length", "0"),
        "Transfer-Encoding" in headers,
        headers.get("Content-Type", ""),
    )


def plain_fields(method: str, length: str, chunked: bool, ctype: str) -> bool:
    """:func:`_plain` from a request's method, ``Content-Length`` (``"0"`` when absent),
    whether it has a ``Transfer-Encoding`` and its ``Content-Type`` (both front ends)."""
    if chunked:
        return False
    if method == "GET":
        return length == "0"
    if not (length.isascii() and length.isdigit()) or int(length) > MAX_BODY_BYTES:
        return False
    return ctype.split(";", 1)[0].strip().lower() == "application/json"


def failure(exc: BaseException, summary: str) -> tuple[int, dict[str, str], dict[str, Any]]:
    """The answer to a route's exception: its 4xx/503 (:func:`error_answer`), or a 500 with
    one log line per distinct failure a minute (``summary`` names the request). Anything
    not an :class:`Exception` (a cancellation) is raised again."""
    answer = error_answer(exc)
    if answer is not None:
        return answer
    if not isinstance(exc, Exception):  # CancelledError, KeyboardInterrupt: not ours
        raise exc
    admit, skipped = _log_limit.admit((type(exc), str(exc)[:200]))
    if admit:
        more = f" ({skipped} more in the last minute)" if skipped else ""
        log.error("uncaught %s in %s%s", type(exc).__name__, summary, more, exc_info=exc)
    return 500, {}, {"error": "internal error", "code": "internal"}


def json_body(payload: dict[str, Any], accept_encoding: str) -> tuple[bytes, bool]:
    """The answer's body and whether it is gzipped (large answers to clients that take
    gzip). Raises TypeError or ValueError for a payload that is not JSON."""
    body = encode_json(payload).encode("utf-8")
    if len(body) >= GZIP_MIN_BYTES and "gzip" in accept_encoding:
        return gzip.compress(body, compresslevel=6, mtime=0), True
    return body, False


class _HotCall(tornado.httputil.HTTPMessageDelegate):
    """One request on the hot path: read the body, run the route, write the JSON answer."""

    def __init__(
        self, app: HotApplication, request: tornado.httputil.HTTPServerRequest, route: HotRoute
    ) -> None:
        self.app = app
        self.rules = app.rules
        self.request = request
        self.route = route
        self.chunks: list[bytes] = []
        self.closed = False
        self.task: asyncio.Task[None] | None = None

    # ---------------------------------------------------------------- the caller's view
    def authed(self) -> int:
        return authed(self.rules, self.app.tokens, bearer_token(self.request))

    def body_json(self) -> dict[str, Any]:
        return parse_json_object(self.request.body)

    def remote_ip(self) -> str:
        return self.request.remote_ip or ""

    # ---------------------------------------------------------------- HTTPMessageDelegate
    def data_received(self, chunk: bytes) -> None:
        self.chunks.append(chunk)  # at most MAX_BODY_BYTES: see _plain

    def on_connection_close(self) -> None:
        self.closed = True

    def finish(self) -> None:
        request = self.request
        request.body = b"".join(self.chunks)
        try:
            if self.app.trusted:
                self.app.proxy(request, self.app.trusted)
            result = self.route(self)
        except BaseException as exc:
            self._failed(exc)
            return
        if isinstance(result, dict):
            self._answer(200, {}, result)
        else:
            self.task = asyncio.ensure_future(self._finish_later(result))

    async def _finish_later(self, result: Awaitable[dict[str, Any]]) -> None:
        try:
            payload = await result
        except BaseException as exc:
            self._failed(exc)
            return
        self._answer(200, {}, payload)

    def _failed(self, exc: BaseException) -> None:
        req = self.request
        self._answer(*failure(exc, f"{req.method} {req.uri} ({req.remote_ip})"))

    def _answer(self, status: int, extra: dict[str, str], payload: dict[str, Any]) -> None:
        """Write the JSON answer with every header the ordinary handlers send."""
        req = self.request
        conn = req.connection
        if self.closed or conn is None:
            return
        try:
            body, gzipped = json_body(payload, req.headers.get("Accept-Encoding", ""))
        except (TypeError, ValueError) as exc:  # not JSON (a bug): a 500 answer, never a reset
            self._failed(exc)
            return
        headers = tornado.httputil.HTTPHeaders({**BASE_HEADERS, "Date": http_date(), **extra})
        if req.protocol == "https":
            headers["Strict-Transport-Security"] = "max-age=31536000"
        headers["Vary"] = "Accept-Encoding"
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        headers["Content-Length"] = str(len(body))
        reason = tornado.httputil.responses.get(status, "Unknown")
        try:
            conn.write_headers(
                tornado.httputil.ResponseStartLine("", status, reason), headers, body
            )
            conn.finish()
        except tornado.iostream.StreamClosedError:  # the phone went away meanwhile
            pass
