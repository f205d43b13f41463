"""The participant API's busiest calls straight off the socket, without tornado's streams.

Even on :mod:`~coprod_apps.live.hotpath`'s short path, most of a vote's CPU went to
tornado's connection machinery: an ``IOStream`` and its read and write buffers, a
``HTTP1Connection`` and a coroutine per request, headers parsed into ``HTTPHeaders`` and
written back one by one. :class:`HotFront` serves the listening sockets with an
:class:`asyncio.Protocol` of its own (:class:`HotProtocol`, one per connection) that reads a
plain request of a hot route (the rule of :func:`coprod_apps.live.hotpath._plain`: a
``GET`` without a body, or a ``POST`` of a JSON body of at most
:data:`~coprod_apps.live.hotpath.MAX_BODY_BYTES` announced by ``Content-Length``; HTTP/1.1,
each header once, a ``Host``, no ``Expect``), runs the same route function and writes the same answer
(status, security headers, ``Date``, gzip for a phone that asks, ``Connection: close`` when
the client asked for it) in one write.

Any other request (the page, static files, ``/healthz``, a chunked, oversized or
non-JSON body, HTTP/1.0, a malformed request) hands the connection over to tornado's
:class:`~tornado.httpserver.HTTPServer` as it stands: the socket, and the bytes already read
from it, become a tornado ``IOStream`` served by the same application (which answers every
such case: 413, 415, 405, 400), and the connection stays with tornado from then on. Requests
on one connection are answered in order (the next is read once the previous one is
answered), so the hand-over never reorders answers.

``COPROD_LIVE_TORNADO_ONLY=1`` in the server's environment leaves the sockets to tornado
alone, as before this module (a way around it should it ever misbehave).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
from typing import Any

import tornado.httpserver
import tornado.httputil
import tornado.iostream

from coprod_apps.live.hotpath import (
    BASE_HEADERS,
    MAX_BODY_BYTES,
    HotApplication,
    HotRoute,
    authed,
    bearer,
    failure,
    http_date,
    json_body,
    parse_json_object,
    plain_fields,
)
from coprod_apps.live.rules import SessionRules

__all__ = ["MAX_HEAD_BYTES", "HotFront", "HotProtocol"]

#: A request head longer than this (without its end) goes to tornado, which limits heads.
MAX_HEAD_BYTES = 16 * 1024
#: Connections idle this long are closed (tornado's ``idle_connection_timeout``).
IDLE_SECONDS = 120.0

_END = b"\r\n\r\n"
#: The bytes a request head may hold besides its line ends (RFC 9110/9112 as tornado checks
#: them: visible characters, spaces and tabs; no other controls, no bare CR or LF).
_HEAD_BYTES = bytes([9, *range(0x20, 0x7F), *range(0x80, 0x100)])
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: Header names seen to be tokens (a handful, the same on every request).
_NAMES: set[str] = set()
#: A ``Host`` the wire takes as it is (anything else: tornado checks it).
_PLAIN_HOST = re.compile(r"[A-Za-z0-9.\-_~:\[\]]+")
#: What every answer carries before its own headers (``Vary``: gzip depends on the request).
_FIXED = "".join(f"{k}: {v}\r\n" for k, v in {**BASE_HEADERS, "Vary": "Accept-Encoding"}.items())
_FIXED_BYTES = _FIXED.encode("latin-1")
_STATUS = {
    code: f"HTTP/1.1 {code} {tornado.httputil.responses.get(code, 'Unknown')}\r\n".encode()
    for code in (200, 400, 401, 403, 404, 409, 413, 415, 429, 500, 503)
}
_date: list[Any] = ["", b""]


def _date_line() -> bytes:
    """The ``Date`` header line of now (formatted once a second)."""
    now = http_date()
    if _date[0] != now:
        _date[0] = now
        _date[1] = f"Date: {now}\r\n".encode("latin-1")
    return bytes(_date[1])


def _token(name: str) -> bool:
    """Whether a header name is a token (remembered when it is: names repeat)."""
    if _TOKEN.fullmatch(name) is None:
        return False
    if len(_NAMES) < 1000:
        _NAMES.add(name)
    return True


class _Proxied:
    """What :func:`coprod_apps.live.handlers._apply_proxy` reads and rewrites of a request
    from a trusted proxy: its address, scheme and headers."""

    def __init__(self, remote_ip: str, headers: dict[str, str]) -> None:
        self.remote_ip = remote_ip
        self.protocol = "http"
        self.headers = tornado.httputil.HTTPHeaders(headers)


class HotFront:
    """The participant server's listening sockets served by :class:`HotProtocol`.

    Parameters
    ----------
    app : HotApplication
        The application: its ``hot`` routes are answered here, everything else by ``http``.
    http : tornado.httpserver.HTTPServer
        The tornado server of ``app`` (not listening itself) that takes the connections
        handed over.

    Attributes
    ----------
    connections : set of HotProtocol
        The connections served here now (not those handed to tornado).

    Examples
    --------
    >>> import asyncio
    >>> import tornado.httpserver
    >>> from coprod_analytics.session.state import SessionState
    >>> from coprod_apps.live.config import ServerConfig
    >>> from coprod_apps.live.handlers import make_app
    >>> async def write(event):
    ...     return 1
    >>> async def main():
    ...     rules = SessionRules(SessionState(), secret=b"k", session_id="s",
    ...                          config=ServerConfig(), write=write)
    ...     app = make_app(rules)
    ...     front = HotFront(app, tornado.httpserver.HTTPServer(app))
    ...     sock = socket.create_server(("127.0.0.1", 0))
    ...     await front.serve([sock])
    ...     reader, writer = await asyncio.open_connection(*sock.getsockname())
    ...     writer.write(b"GET /api/next HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n")
    ...     status = await reader.readline()
    ...     writer.close()
    ...     await front.close()
    ...     return status
    >>> asyncio.run(main())  # no token: the API's 401
    b'HTTP/1.1 401 Unauthorized\\r\\n'
    """

    def __init__(self, app: HotApplication, http: tornado.httpserver.HTTPServer) -> None:
        self.app = app
        self.http = http
        self.hot: dict[str, tuple[str, HotRoute]] = dict(app.hot)
        self.rules: SessionRules = app.rules
        self.connections: set[HotProtocol] = set()
        self._servers: list[asyncio.AbstractServer] = []
        self._sweeper: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def serve(self, sockets: list[socket.socket]) -> None:
        """Serve ``sockets`` (listening already) until :meth:`close`.

        Parameters
        ----------
        sockets : list of socket
            Listening sockets (as :func:`tornado.netutil.bind_sockets` gives them).
        """
        loop = self._loop = asyncio.get_running_loop()
        for sock in sockets:
            server = await loop.create_server(lambda: HotProtocol(self), sock=sock, backlog=1024)
            self._servers.append(server)
        self._sweeper = loop.call_later(IDLE_SECONDS / 4, self._sweep)

    def _sweep(self) -> None:
        """Close the connections idle for :data:`IDLE_SECONDS` (four sweeps 30 s apart
        without a request; a request sets ``idle`` back to 0, no clock read per request)."""
        assert self._loop is not None
        for conn in list(self.connections):
            conn.idle += 1
            if conn.task is None and conn.idle > 4:
                conn.transport.close()
        self._sweeper = self._loop.call_later(IDLE_SECONDS / 4, self._sweep)

    async def close(self, timeout: float = 2.0) -> None:
        """Stop accepting connections and close those served here (the requests in flight
        are given ``timeout`` seconds to be answered).

        Parameters
        ----------
        timeout : float, default 2.0
            Seconds to wait for the answers in flight.
        """
        if self._sweeper is not None:
            self._sweeper.cancel()
        for server in self._servers:
            server.close()
        busy = [c.task for c in self.connections if c.task is not None]
        if busy:
            with contextlib.suppress(Exception):
                await asyncio.wait(busy, timeout=timeout)
        for conn in list(self.connections):
            conn.transport.close()
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), timeout)
        self._servers.clear()


class HotProtocol(asyncio.Protocol):
    """One client connection of :class:`HotFront`: plain hot requests answered here, the
    connection handed to tornado at the first request that is not one.

    Parameters
    ----------
    front : HotFront
        The server it belongs to.

    Examples
    --------
    A request that is not a plain hot one (here HTTP/1.0) is handed to tornado, untouched:

    >>> class Front:
    ...     hot, connections = {}, set()
    >>> proto = HotProtocol(Front())  # type: ignore[arg-type]
    >>> handed = []
    >>> proto._hand_over = lambda: handed.append(proto.buf)
    >>> proto.data_received(b"GET /api/next HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n")
    >>> handed
    [b'GET /api/next HTTP/1.0\\r\\nHost: x\\r\\n\\r\\n']
    """

    def __init__(self, front: HotFront) -> None:
        self.front = front
        self.transport: asyncio.Transport = None  # type: ignore[assignment]
        self.peer: Any = None
        self.ip = ""
        self.buf = b""
        self.task: asyncio.Future[Any] | None = None
        self.closed = False
        self.paused = False
        self.closing = False
        self.idle = 0

    # ---------------------------------------------------------------- asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's: no subclass
        self.peer = transport.get_extra_info("peername")
        self.ip = str(self.peer[0]) if isinstance(self.peer, tuple) and self.peer else ""
        self.front.connections.add(self)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.front.connections.discard(self)

    def data_received(self, data: bytes) -> None:
        self.buf = self.buf + data if self.buf else data
        if self.task is None:
            self._next()
        elif len(self.buf) > MAX_HEAD_BYTES + MAX_BODY_BYTES and not self.paused:
            self.transport.pause_reading()  # answer the request in flight first
            self.paused = True

    # ---------------------------------------------------------------- requests
    def _next(self) -> None:
        """Answer the complete requests in the buffer, one at a time, or hand over."""
        while self.buf and self.task is None and not self.closed and not self.closing:
            buf = self.buf
            end = buf.find(_END)
            if end < 0 or end > MAX_HEAD_BYTES:
                if len(buf) > MAX_HEAD_BYTES:  # tornado limits heads (431 or a close)
                    self._hand_over()
                return
            raw = buf[:end]
            head = raw.decode("latin-1")
            headers: dict[str, str] = {}
            lines = head.split("\r\n")
            request = lines[0].split(" ")
            # anything tornado would refuse (a control character, a bare CR or LF, a bad
            # request line or header name) or read differently (a header twice) is its own
            plain = (
                len(request) == 3
                and request[2] == "HTTP/1.1"
                and "\t" not in lines[0]
                and raw.translate(None, _HEAD_BYTES) == b"\r\n" * (len(lines) - 1)
            )
            if plain:
                for line in lines[1:]:
                    name, sep, value = line.partition(":")
                    if not sep or (name not in _NAMES and not _token(name)):
                        plain = False
                        break
                    key = name.lower()
                    if key in headers:
                        plain = False
                        break
                    headers[key] = value.strip(" \t")
            route = self.front.hot.get(request[1].partition("?")[0]) if plain else None
            length = headers.get("content-length", "0")
            if (
                route is None
                or request[0] != route[0]
                or _PLAIN_HOST.fullmatch(headers.get("host", "")) is None  # tornado's 400
                or "expect" in headers
                or not plain_fields(
                    request[0],
                    length,
                    "transfer-encoding" in headers,
                    headers.get("content-type", ""),
                )
            ):
                self._hand_over()
                return
            total = end + 4 + int(length)
            if len(buf) < total:
                return  # the rest of the body is on its way
            self.buf = buf[total:]
            self.closing = headers.get("connection", "").lower() == "close"
            self._run(route[1], request, headers, buf[end + 4 : total])

    def _run(
        self,
        route: HotRoute,
        request: list[str],
        headers: dict[str, str],
        body: bytes,
    ) -> None:
        self.idle = 0
        call = _WireCall(self, request, headers, body)
        try:
            if self.front.app.trusted:
                proxied = _Proxied(self.ip, headers)
                self.front.app.proxy(proxied, self.front.app.trusted)  # type: ignore[arg-type]
                call.ip, call.https = proxied.remote_ip, proxied.protocol == "https"
            result = route(call)
        except BaseException as exc:
            self._failed(call, exc)
            return
        if isinstance(result, dict):
            self._answer(call, 200, None, result)
            return
        task = self.task = asyncio.ensure_future(result)
        task.add_done_callback(lambda t: self._done(call, t))

    def _done(self, call: _WireCall, task: asyncio.Future[Any]) -> None:
        self.task = None
        if task.cancelled():
            self.transport.close()
            return
        exc = task.exception()
        if exc is not None:
            self._failed(call, exc)
        else:
            self._answer(call, 200, None, task.result())
        if self.paused and not self.closed:
            self.paused = False
            self.transport.resume_reading()
        self._next()

    def _failed(self, call: _WireCall, exc: BaseException) -> None:
        self._answer(call, *failure(exc, f"{call.method} {call.uri} ({call.ip})"))

    def _answer(
        self, call: _WireCall, status: int, extra: dict[str, str] | None, payload: dict[str, Any]
    ) -> None:
        """Write the answer with every header the ordinary handlers send, in one write."""
        if self.closed:
            return
        try:
            body, gzipped = json_body(payload, call.headers.get("accept-encoding", ""))
        except (TypeError, ValueError) as exc:  # not JSON (a bug): a 500, never a reset
            self._failed(call, exc)
            return
        parts = [
            _STATUS.get(status)
            or f"HTTP/1.1 {status} {tornado.httputil.responses.get(status, 'Unknown')}\r\n".encode(),
            _FIXED_BYTES,
            _date_line(),
        ]
        if extra:
            parts.append("".join(f"{k}: {v}\r\n" for k, v in extra.items()).encode("latin-1"))
        if call.https:
            parts.append(b"Strict-Transport-Security: max-age=31536000\r\n")
        if gzipped:
            parts.append(b"Content-Encoding: gzip\r\n")
        parts.append(b"Content-Length: %d\r\n" % len(body))
        if self.closing:
            parts.append(b"Connection: close\r\n")
        parts.append(b"\r\n")
        parts.append(body)
        self.transport.write(b"".join(parts))
        if self.closing:
            self.transport.close()

    # ---------------------------------------------------------------- hand-over
    def _hand_over(self) -> None:
        """Give the connection (its socket and the bytes read from it) to tornado."""
        transport = self.transport
        if transport.get_write_buffer_size():  # an answer still leaving: hand over after it
            asyncio.get_running_loop().call_later(0.005, self._next)
            return
        self.closed = True
        self.front.connections.discard(self)
        transport.pause_reading()
        raw = transport.get_extra_info("socket")
        try:
            sock = socket.socket(fileno=os.dup(raw.fileno()))
        except OSError:  # the client went away meanwhile
            transport.abort()
            return
        transport.abort()  # closes its own descriptor only: the connection stays open
        sock.setblocking(False)
        http = self.front.http
        stream = tornado.iostream.IOStream(
            sock, max_buffer_size=http.max_buffer_size, read_chunk_size=http.read_chunk_size
        )
        if self.buf:  # what was read already: the stream reads it first
            stream._read_buffer += self.buf
            stream._read_buffer_size += len(self.buf)
            self.buf = b""
        http.handle_stream(stream, self.peer)


class _WireCall:
    """A hot request as the route functions see it (:class:`coprod_apps.live.hotpath.Caller`)."""

    __slots__ = ("body", "headers", "https", "ip", "method", "proto", "rules", "uri")

    def __init__(
        self, proto: HotProtocol, request: list[str], headers: dict[str, str], body: bytes
    ) -> None:
        self.proto = proto
        self.rules = proto.front.rules
        self.method, self.uri = request[0], request[1]
        self.headers = headers
        self.body = body
        self.ip = proto.ip
        self.https = False

    def authed(self) -> int:
        token = bearer(self.headers.get("authorization", ""))
        return authed(self.rules, self.proto.front.app.tokens, token)

    def body_json(self) -> dict[str, Any]:
        return parse_json_object(self.body)

    def remote_ip(self) -> str:
        return self.ip
