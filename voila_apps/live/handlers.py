"""The HTTP side of the participant server: tornado handlers and :func:`make_app`.

Each handler parses the request (JSON bodies only, as ``Content-Type: application/json``,
which also keeps other web sites' plain form posts out), asks the session rules
(:class:`~coprod_apps.live.rules.SessionRules`) and answers JSON. Refusals are
``{"error": message, "code": code}`` with a 4xx status (a ``Retry-After`` header with 429);
every answer carries strict security headers. Nothing but the participant page and API is
exposed: no Jupyter handlers, no dashboard, no one else's votes.

Hostile requests get a 4xx JSON answer, never a 500 or a reset: a body over
:data:`MAX_BODY_BYTES` is read and dropped in chunks (never held in memory) and answered 413;
JSON nested too deep for the parser is a 400 ``bad_json``. When the database cannot be
written (a full disk, a read-only file system) writes answer 503 ``store_unavailable`` with a
``Retry-After`` (the phone keeps the answer and sends it again) and ``/healthz`` answers 503
with the reason; the log gets one line per distinct failure per minute.

Behind a reverse proxy (``trusted_proxies``, from ``coprod serve --trusted-proxy CIDR``) the
client's address is the right-most address of ``X-Forwarded-For`` that is not a trusted
proxy, and ``X-Forwarded-Proto`` gives the scheme; both headers are ignored from any other
address (see :func:`client_address`). Rate limits and log lines use that address.

The busiest calls (``POST /api/vote``, ``POST /api/answer``, ``GET /api/next``, ``GET
/api/activities``) are answered by :mod:`~coprod_apps.live.hotpath` when the request is plain
(most of the server's CPU went to tornado's per-request handler machinery); the functions
that answer them (``_vote``, ``_answer``, ``_next``, ``_activities``) are shared with the
handlers below, which answer every request the hot path declines.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import tornado.httputil
import tornado.web

from coprod_analytics.session import MAX_STATEMENT_CHARS
from coprod_analytics.session.store import StoreUnwritable
from coprod_apps.live.hotpath import (
    BASE_HEADERS,
    MAX_BODY_BYTES,
    SECURITY_HEADERS,
    Caller,
    HotApplication,
    HotRoute,
    authed,
    bearer_token,
    encode_json,
    error_answer,
    http_date,
    parse_json_object,
)
from coprod_apps.live.page import (
    js_lang,
    new_nonce,
    page_lang,
    page_policy,
    render_page,
    render_page_gzip,
)
from coprod_apps.live.ratelimit import LogLimiter
from coprod_apps.live.rules import ApiError, SessionRules

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_DISCARD_BYTES",
    "SECURITY_HEADERS",
    "STATIC_DIR",
    "client_address",
    "make_app",
    "parse_networks",
    "session_description",
]

log = logging.getLogger("coprod_apps.live.handlers")

#: The participant page, script and style sheet (package data).
STATIC_DIR = Path(__file__).resolve().parent / "static"
#: Larger bodies (up to this size) are read, dropped and answered 413; beyond it the 413 is
#: sent at once and the connection closed.
MAX_DISCARD_BYTES = 4 * 1024 * 1024

#: ``/healthz``: a coroutine answering ``(ok, details)``.
Health = Callable[[], Awaitable[tuple[bool, dict[str, Any]]]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_log_limit = LogLimiter(60.0)


def parse_networks(cidrs: Iterable[str]) -> tuple[Network, ...]:
    """Trusted proxies as networks (``"10.0.0.0/8"``, ``"127.0.0.1"``, ``"::1"``).

    Parameters
    ----------
    cidrs : iterable of str
        Addresses or CIDR ranges.

    Returns
    -------
    tuple of ip_network
        The networks.

    Raises
    ------
    ParameterError
        Naming the entry that is not an address or a range.

    Examples
    --------
    >>> parse_networks(["127.0.0.1", "10.0.0.0/8"])
    (IPv4Network('127.0.0.1/32'), IPv4Network('10.0.0.0/8'))
    """
    from coprod_analytics.errors import check_param

    out = []
    for cidr in cidrs:
        try:
            out.append(ipaddress.ip_network(str(cidr).strip(), strict=False))
        except ValueError:
            check_param(False, "trusted_proxy", "coprod serve", "an address or CIDR range", cidr)
    return tuple(out)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[v6]:port"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "v4:port"
        text = text.split(":", 1)[0]
    try:
        addr = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped
    return addr


def client_address(remote: str, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The client's address: the right-most ``X-Forwarded-For`` hop not a trusted proxy.

    ``X-Forwarded-For`` is believed only when the connection itself comes from a trusted
    proxy, and only as far back as the chain of trusted proxies goes: the first address
    (from the right) that is not a trusted proxy is the client, whatever the client wrote
    to the left of it. A hop that is not an address ends the walk.

    Parameters
    ----------
    remote : str
        The connection's peer address.
    forwarded_for : sequence of str
        Every ``X-Forwarded-For`` header value (in order).
    trusted : sequence of ip_network
        The trusted proxies (see :func:`parse_networks`).

    Returns
    -------
    str
        The client's address.

    Examples
    --------
    >>> nets = parse_networks(["127.0.0.1"])
    >>> client_address("127.0.0.1", ["6.6.6.6, 198.51.100.7"], nets)  # via the proxy
    '198.51.100.7'
    >>> client_address("192.0.2.9", ["6.6.6.6"], nets)  # not from a trusted proxy
    '192.0.2.9'
    """
    peer = _ip(remote)
    if not trusted or peer is None or not any(peer in net for net in trusted):
        return remote
    hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
    client = str(peer)
    for hop in reversed(hops):
        addr = _ip(hop)
        if addr is None:
            break
        client = str(addr)
        if not any(addr in net for net in trusted):
            break
    return client


def make_app(
    rules: SessionRules,
    *,
    health: Health | None = None,
    trusted_proxies: Sequence[Network] = (),
) -> tornado.web.Application:
    """The tornado application of the participant page and API over ``rules``.

    Parameters
    ----------
    rules : SessionRules
        The session the API serves.
    health : coroutine function, optional
        What ``/healthz`` reports: ``(ok, details)`` (default: always ok).
    trusted_proxies : sequence of ip_network
        Reverse proxies whose ``X-Forwarded-For`` / ``X-Forwarded-Proto`` are believed.

    Returns
    -------
    tornado.web.Application
        ``/`` (the page), ``/static/participant[-part].{js,css}``, ``/healthz`` and ``/api/...``
        (session, join, next, vote, statements, activities, answer, map); anything else is a
        JSON 404.

    Examples
    --------
    >>> from coprod_analytics.session.state import SessionState
    >>> from coprod_apps.live.config import ServerConfig
    >>> async def write(event):
    ...     return 1
    >>> rules = SessionRules(SessionState(), secret=b"k", session_id="s",
    ...                      config=ServerConfig(), write=write)
    >>> sorted(r.matcher.regex.pattern for r in make_app(rules).wildcard_router.rules)[:2]
    ['/$', '/api/activities$']
    """
    args = {"rules": rules}
    handlers: list[Any] = [  # tornado tries them in order: the busiest first
        (r"/api/answer", _AnswerHandler, args),
        (r"/api/vote", _VoteHandler, args),
        (r"/api/next", _NextHandler, args),
        (r"/api/activities", _ActivitiesHandler, args),
        (r"/api/join", _JoinHandler, args),
        (r"/", _PageHandler, args),
        (r"/api/session", _SessionHandler, args),
        (r"/api/statements", _StatementHandler, args),
        (r"/api/map", _MapHandler, args),
        (r"/healthz", _HealthHandler, args),
        (
            r"/static/(participant(?:-[a-z]+)?\.(?:js|css))",
            _StaticHandler,
            {"path": str(STATIC_DIR)},
        ),
    ]
    # the busiest calls skip tornado's RequestHandler when the request is plain (see hotpath)
    hot: dict[str, tuple[str, HotRoute]] = {
        "/api/answer": ("POST", _answer),
        "/api/vote": ("POST", _vote),
        "/api/next": ("GET", _next),
        "/api/activities": ("GET", _activities),
        "/api/join": ("POST", _join),
    }
    return HotApplication(
        handlers,
        hot=hot,
        rules=rules,
        trusted_proxies=tuple(trusted_proxies),
        proxy=_apply_proxy,
        default_handler_class=_NotFoundHandler,
        default_handler_args=args,
        xsrf_cookies=False,  # no cookies are used: the token travels in a header
        compress_response=True,  # a phone on a weak signal: the page is ~30 KB gzipped
        log_function=_quiet_log,
        coprod_health=health,
        coprod_trusted_proxies=tuple(trusted_proxies),
    )


def _apply_proxy(req: tornado.httputil.HTTPServerRequest, trusted: Sequence[Network]) -> None:
    """Behind a trusted proxy: the client's address and scheme from its headers."""
    peer = _ip(req.remote_ip or "")
    if peer is not None and any(peer in net for net in trusted):  # from our proxy
        forwarded = req.headers.get_list("X-Forwarded-For")
        req.remote_ip = client_address(str(peer), forwarded, trusted)
        proto = req.headers.get("X-Forwarded-Proto", "").split(",")[-1].strip().lower()
        if proto in ("http", "https"):
            req.protocol = proto


def _quiet_log(handler: tornado.web.RequestHandler) -> None:
    status = handler.get_status()
    if status >= 500 and status != 503:  # 503: the writer logs the store's failure
        admit, skipped = _log_limit.admit((status, handler.request.method, handler.request.path))
        if admit:
            more = f" ({skipped} more in the last minute)" if skipped else ""
            log.error("%d %s%s", status, handler._request_summary(), more)


@tornado.web.stream_request_body
class _Base(tornado.web.RequestHandler):
    """JSON answers, security headers, the client's address, bounded bodies, 503s.

    Bodies are streamed: at most :data:`MAX_BODY_BYTES` are kept (``request.body``), a larger
    body is read and dropped and :meth:`body_json` answers 413.
    """

    rules: SessionRules

    def initialize(self, rules: SessionRules) -> None:
        self.rules = rules
        self._body_size = 0

    def clear(self) -> None:
        # tornado's clear() formats the date and sets each header one by one per request
        self._headers = tornado.httputil.HTTPHeaders({**BASE_HEADERS, "Date": http_date()})
        self._write_buffer = []
        self._status_code = 200
        self._reason = "OK"

    def set_default_headers(self) -> None:  # what clear() sets (kept for tornado's callers)
        for k, v in BASE_HEADERS.items():
            self.set_header(k, v)

    def prepare(self) -> None:
        req = self.request
        trusted = self.settings.get("coprod_trusted_proxies") or ()
        if trusted:
            _apply_proxy(req, trusted)
        if req.protocol == "https":
            self.set_header("Strict-Transport-Security", "max-age=31536000")
        length = req.headers.get("Content-Length", "")
        if length.isascii() and length.isdigit() and int(length) > MAX_DISCARD_BYTES:
            self.set_header("Connection", "close")
            self._too_large()

    def data_received(self, chunk: bytes) -> None:
        # the server cuts a body over MAX_DISCARD_BYTES (its max_body_size)
        self._body_size += len(chunk)
        if self._body_size <= MAX_BODY_BYTES:
            self.request.body += chunk

    def _too_large(self) -> None:
        self.request.body = b""
        self.reply(413, {"error": f"request body over {MAX_BODY_BYTES} bytes", "code": "too_large"})

    def log_exception(self, typ: Any, value: Any, tb: Any) -> None:
        if isinstance(value, tornado.web.HTTPError):
            return super().log_exception(typ, value, tb)
        admit, skipped = _log_limit.admit((typ, str(value)[:200]))
        if admit:
            more = f" ({skipped} more in the last minute)" if skipped else ""
            log.error(
                "uncaught %s in %s%s",
                typ.__name__,
                self._request_summary(),
                more,
                exc_info=(typ, value, tb),
            )

    def reply(self, status: int, payload: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(encode_json(payload).encode("utf-8"))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, tornado.web.HTTPError) and status_code < 500:
            self.reply(status_code, {"error": exc.log_message or self._reason, "code": "http"})
        else:
            self.reply(status_code, {"error": "internal error", "code": "internal"})

    def body_json(self) -> dict[str, Any]:
        ctype = self.request.headers.get("Content-Type", "")
        if ctype.split(";", 1)[0].strip().lower() != "application/json":
            raise ApiError(
                415, "bad_content_type", "send the request body as Content-Type: application/json"
            )
        if self._body_size > MAX_BODY_BYTES or len(self.request.body) > MAX_BODY_BYTES:
            raise ApiError(413, "too_large", f"request body over {MAX_BODY_BYTES} bytes")
        return parse_json_object(self.request.body)

    def token(self) -> str | None:
        return bearer_token(self.request)

    def authed(self) -> int:
        app = self.application
        assert isinstance(app, HotApplication)
        return authed(self.rules, app.tokens, self.token())

    def remote_ip(self) -> str:
        return self.request.remote_ip or ""

    def compute_etag(self) -> None:
        # no ETag: nothing is cached (Cache-Control: no-store), and hashing every answer
        # (the ~100 KB page with its fresh nonce) bought nothing
        return None

    async def guarded(self, fn: Callable[[], Any]) -> None:
        try:
            result = fn()
            if asyncio.iscoroutine(result):
                result = await result
            self.reply(200, result)
        except (ApiError, StoreUnwritable) as exc:
            answer = error_answer(exc)
            assert answer is not None
            status, headers, payload = answer
            for k, v in headers.items():
                self.set_header(k, v)
            self.reply(status, payload)


class _PageHandler(_Base):
    """The page with everything a first visit needs inline (see :mod:`.page`)."""

    def get(self) -> None:
        lang = page_lang(
            self.get_query_argument("lang", None),
            self.rules.config.lang,
            self.request.headers.get("Accept-Language"),
        )
        nonce = new_nonce()
        boot = {"session": session_description(self.rules), "lang": js_lang(lang)}
        self.set_header("Content-Security-Policy", page_policy(nonce))
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Vary", "Accept-Language")
        if "gzip" in self.request.headers.get("Accept-Encoding", ""):
            # the constant ~100 KB deflated once, not per visit (tornado's gzip leaves it)
            self.set_header("Content-Encoding", "gzip")
            self.finish(render_page_gzip(boot, lang=lang, nonce=nonce, static_dir=STATIC_DIR))
            return
        self.finish(render_page(boot, lang=lang, nonce=nonce, static_dir=STATIC_DIR))


class _StaticHandler(tornado.web.StaticFileHandler):
    def set_default_headers(self) -> None:
        for k, v in SECURITY_HEADERS.items():
            if k != "Cache-Control":
                self.set_header(k, v)


class _HealthHandler(_Base):
    async def get(self) -> None:
        health = self.settings.get("coprod_health")
        ok, details = (True, {}) if health is None else await health()
        self.reply(200 if ok else 503, {"ok": ok, **details})


class _NotFoundHandler(_Base):
    def prepare(self) -> None:
        self.reply(404, {"error": f"no such page or API: {self.request.path}", "code": "not_found"})


class _SessionHandler(_Base):
    def get(self) -> None:
        self.reply(200, session_description(self.rules))


def session_description(rules: SessionRules) -> dict[str, Any]:
    """What ``GET /api/session`` answers (and the page carries inline).

    Parameters
    ----------
    rules : SessionRules
        The session.

    Returns
    -------
    dict
        ``session_id``, ``title``, ``open``, ``join_code_required``, ``allow_submissions``,
        ``max_text``, ``lang`` and ``agenda`` (each activity's ``activity_id``, ``kind``,
        ``title``, ``open``).

    Examples
    --------
    >>> from coprod_analytics.session.state import SessionState
    >>> from coprod_apps.live.config import ServerConfig
    >>> async def write(event):
    ...     return 1
    >>> rules = SessionRules(SessionState(), secret=b"k", session_id="s",
    ...                      config=ServerConfig(), write=write)
    >>> session_description(rules)["join_code_required"]
    False
    """
    st = rules.state
    return {
        "session_id": rules.session_id,
        "title": st.title or "Live session",
        "open": st.is_open,
        "join_code_required": rules.config.join_code is not None,
        "allow_submissions": bool(st.settings.get("allow_submissions", True)),
        "max_text": MAX_STATEMENT_CHARS,
        "lang": rules.config.lang,
        "agenda": [
            {"activity_id": a.activity_id, "kind": a.kind, "title": a.title, "open": a.is_open}
            for a in st.activities.values()
        ],
    }


class _JoinHandler(_Base):
    async def post(self) -> None:
        await self.guarded(lambda: _join(self))


#: The join answer carries the base drawing of the first open mapping activity (as
#: ``GET /api/map`` answers it, under the activity's ``"map"``) when it is smaller than this.
MAX_JOIN_MAP_BYTES = 20 * 1024
_map_sizes: dict[int, tuple[Any, int]] = {}  # id(base) -> (base, bytes): measured once


def _with_first_map(rules: SessionRules, pid: int, listing: dict[str, Any]) -> None:
    """Put the first open mapping activity's base into ``listing`` when small: the phone
    draws its map without a third round trip."""
    act = next((a for a in listing.get("activities", []) if a.get("kind") == "mapping"), None)
    if act is None:
        return
    answer = rules.map_base(pid, act["activity_id"])
    base = answer.get("base")
    if base is None:
        return
    seen = _map_sizes.get(id(base))
    if seen is None or seen[0] is not base:
        if len(_map_sizes) > 16:
            _map_sizes.clear()
        size = len(json.dumps(answer, ensure_ascii=False).encode("utf-8"))
        seen = _map_sizes[id(base)] = (base, size)
    if seen[1] < MAX_JOIN_MAP_BYTES:
        act["map"] = answer


# The busiest calls, one function each: answered by the hot path (hotpath.HotApplication) or,
# for a request it declines (see hotpath._plain), by the handler of the same path.
async def _join(call: Caller) -> dict[str, Any]:
    # remote_ip is the client's address (behind a trusted proxy: see _apply_proxy)
    rules = call.rules
    body = call.body_json()
    out = await rules.join(body.get("join_code"), call.remote_ip(), body.get("key"))
    # what the page asks next, in the same answer (a round trip less on a weak signal)
    pid = out["participant_id"]
    listing = rules.activities(pid)
    out["activities"] = listing
    _with_first_map(rules, pid, listing)
    if listing.get("statements", {}).get("open"):
        out["next"] = {"statement": rules.next_statement(pid), **rules.progress(pid)}
    return out


def _next(call: Caller) -> dict[str, Any]:
    pid = call.authed()
    return {"statement": call.rules.next_statement(pid), **call.rules.progress(pid)}


async def _vote(call: Caller) -> dict[str, Any]:
    pid = call.authed()
    out = await call.rules.vote(pid, call.body_json())
    return {**out, **call.rules.progress(pid)}


def _activities(call: Caller) -> dict[str, Any]:
    return call.rules.activities(call.authed())


async def _answer(call: Caller) -> dict[str, Any]:
    pid = call.authed()
    return await call.rules.answer(pid, call.body_json())


class _NextHandler(_Base):
    async def get(self) -> None:
        await self.guarded(lambda: _next(self))


class _VoteHandler(_Base):
    async def post(self) -> None:
        await self.guarded(lambda: _vote(self))


class _StatementHandler(_Base):
    async def post(self) -> None:
        async def run() -> dict[str, Any]:
            pid = self.authed()
            return await self.rules.submit(pid, self.body_json())

        await self.guarded(run)


class _ActivitiesHandler(_Base):
    async def get(self) -> None:
        await self.guarded(lambda: _activities(self))


class _AnswerHandler(_Base):
    async def post(self) -> None:
        await self.guarded(lambda: _answer(self))


class _MapHandler(_Base):
    async def get(self) -> None:
        def run() -> dict[str, Any]:
            pid = self.authed()
            return self.rules.map_base(pid, self.get_query_argument("activity_id", None))

        await self.guarded(run)
