"""The HTTP side of the participant server: tornado handlers and :func:`make_app`.

Each handler parses the request (JSON bodies only, as ``Content-Type: application/json``,
which also keeps other web sites' plain form posts out), asks the session rules
(:class:`~coprod_apps.live.rules.SessionRules`) and answers JSON. Refusals are
``{"error": message, "code": code}`` with a 4xx status (a ``Retry-After`` header with 429);
every answer carries strict security headers. Nothing but the participant page and API is
exposed: no Jupyter handlers, no dashboard, no one else's votes.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import tornado.web

from coprod_analytics.session import MAX_STATEMENT_CHARS
from coprod_apps.live.rules import ApiError, SessionRules

__all__ = ["MAX_BODY_BYTES", "SECURITY_HEADERS", "STATIC_DIR", "make_app"]

log = logging.getLogger("coprod_apps.live.handlers")

#: The participant page, script and style sheet (package data).
STATIC_DIR = Path(__file__).resolve().parent / "static"
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


def make_app(rules: SessionRules) -> tornado.web.Application:
    """The tornado application of the participant page and API over ``rules``.

    Parameters
    ----------
    rules : SessionRules
        The session the API serves.

    Returns
    -------
    tornado.web.Application
        ``/`` (the page), ``/static/participant[-part].{js,css}``, ``/healthz`` and ``/api/...``
        (session, join, next, vote, statements, activities, answer); anything else is a
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
    handlers: list[Any] = [
        (r"/", _PageHandler, args),
        (r"/api/session", _SessionHandler, args),
        (r"/api/join", _JoinHandler, args),
        (r"/api/next", _NextHandler, args),
        (r"/api/vote", _VoteHandler, args),
        (r"/api/statements", _StatementHandler, args),
        (r"/api/activities", _ActivitiesHandler, args),
        (r"/api/answer", _AnswerHandler, args),
        (r"/healthz", _HealthHandler, args),
        (
            r"/static/(participant(?:-[a-z]+)?\.(?:js|css))",
            _StaticHandler,
            {"path": str(STATIC_DIR)},
        ),
    ]
    return tornado.web.Application(
        handlers,
        default_handler_class=_NotFoundHandler,
        default_handler_args=args,
        xsrf_cookies=False,  # no cookies are used: the token travels in a header
        compress_response=False,
        log_function=_quiet_log,
    )


def _quiet_log(handler: tornado.web.RequestHandler) -> None:
    status = handler.get_status()
    if status >= 500:
        log.error("%d %s", status, handler._request_summary())


class _Base(tornado.web.RequestHandler):
    rules: SessionRules

    def initialize(self, rules: SessionRules) -> None:
        self.rules = rules

    def set_default_headers(self) -> None:
        for k, v in SECURITY_HEADERS.items():
            self.set_header(k, v)
        self.set_header("Server", "coprod")

    def reply(self, status: int, payload: dict[str, Any]) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(payload, ensure_ascii=False))

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
        if len(self.request.body) > MAX_BODY_BYTES:
            raise ApiError(413, "too_large", f"request body over {MAX_BODY_BYTES} bytes")
        try:
            data = json.loads(self.request.body or b"null")
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "bad_json", f"the request body is not valid JSON ({exc})") from exc
        if not isinstance(data, dict):
            raise ApiError(400, "bad_json", "the request body must be a JSON object")
        return data

    def token(self) -> str | None:
        auth = self.request.headers.get("Authorization", "")
        return auth[7:].strip() if auth.startswith("Bearer ") else None

    def authed(self) -> int:
        pid = self.rules.participant(self.token())
        self.rules.check_rate(self.rules.request_limit, pid)
        return pid

    async def guarded(self, fn: Callable[[], Any]) -> None:
        try:
            result = fn()
            if asyncio.iscoroutine(result):
                result = await result
            self.reply(200, result)
        except ApiError as err:
            if err.status == 429:
                self.set_header("Retry-After", str(max(1, round(err.extra.get("retry_after", 1)))))
            self.reply(err.status, {"error": err.message, "code": err.code, **err.extra})


class _PageHandler(_Base):
    def get(self) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish((STATIC_DIR / "participant.html").read_bytes())


class _StaticHandler(tornado.web.StaticFileHandler):
    def set_default_headers(self) -> None:
        for k, v in SECURITY_HEADERS.items():
            if k != "Cache-Control":
                self.set_header(k, v)


class _HealthHandler(_Base):
    def get(self) -> None:
        self.reply(200, {"ok": True})


class _NotFoundHandler(_Base):
    def prepare(self) -> None:
        self.reply(404, {"error": f"no such page or API: {self.request.path}", "code": "not_found"})


class _SessionHandler(_Base):
    def get(self) -> None:
        st = self.rules.state
        self.reply(
            200,
            {
                "session_id": self.rules.session_id,
                "title": st.title or "Live session",
                "open": st.is_open,
                "join_code_required": self.rules.config.join_code is not None,
                "allow_submissions": bool(st.settings.get("allow_submissions", True)),
                "max_text": MAX_STATEMENT_CHARS,
                "agenda": [
                    {
                        "activity_id": a.activity_id,
                        "kind": a.kind,
                        "title": a.title,
                        "open": a.is_open,
                    }
                    for a in st.activities.values()
                ],
            },
        )


class _JoinHandler(_Base):
    async def post(self) -> None:
        await self.guarded(
            lambda: self.rules.join(self.body_json().get("join_code"), self.request.remote_ip or "")
        )


class _NextHandler(_Base):
    async def get(self) -> None:
        def run() -> dict[str, Any]:
            pid = self.authed()
            return {"statement": self.rules.next_statement(pid), **self.rules.progress(pid)}

        await self.guarded(run)


class _VoteHandler(_Base):
    async def post(self) -> None:
        async def run() -> dict[str, Any]:
            pid = self.authed()
            out = await self.rules.vote(pid, self.body_json())
            return {**out, **self.rules.progress(pid)}

        await self.guarded(run)


class _StatementHandler(_Base):
    async def post(self) -> None:
        async def run() -> dict[str, Any]:
            pid = self.authed()
            return await self.rules.submit(pid, self.body_json())

        await self.guarded(run)


class _ActivitiesHandler(_Base):
    async def get(self) -> None:
        def run() -> dict[str, Any]:
            return self.rules.activities(self.authed())

        await self.guarded(run)


class _AnswerHandler(_Base):
    async def post(self) -> None:
        async def run() -> dict[str, Any]:
            pid = self.authed()
            return await self.rules.answer(pid, self.body_json())

        await self.guarded(run)
