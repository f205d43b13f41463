"""The participant API's hot path (``coprod_apps.live.hotpath``) answers exactly as the
ordinary handlers do: the same JSON, the same security headers, the same refusals (401, 429
with ``Retry-After``, 500 as JSON), gzip when asked; requests it declines (a body on a GET,
a chunked or non-JSON body) still get the handlers' answers."""

from __future__ import annotations

import asyncio
import gzip
import json
from pathlib import Path
from typing import Any

from coprod_analytics.session import SessionStore
from coprod_apps.live.config import ServerConfig
from coprod_apps.live.handlers import SECURITY_HEADERS
from coprod_apps.live.server import LiveServer

Reply = tuple[int, dict[str, str], bytes]


async def raw(port: int, request: bytes) -> Reply:
    """One request on its own connection: status, headers (lower-case names), body."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(request)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def req(
    method: str, path: str, body: bytes = b"", *, token: str | None = None, **extra: str
) -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    if body or method == "POST":
        head += [f"Content-Length: {len(body)}", "Content-Type: application/json"]
    if token:
        head.append(f"Authorization: Bearer {token}")
    head += [f"{k.replace('_', '-')}: {v}" for k, v in extra.items()]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def serving(tmp_path: Path, test: Any, **config: Any) -> None:
    db = tmp_path / "s.db"
    with SessionStore(db, title="T") as s:
        # ~1.4 KB of UTF-8 each: an answer carrying one is gzipped for a phone that asks
        s.add_statements([f"statement {i} " + "€" * 450 for i in range(30)])

    async def main() -> None:
        srv = LiveServer(db, ServerConfig(priority_interval=0, **config))
        port = await srv.start("127.0.0.1", 0)
        try:
            await asyncio.wait_for(test(srv, port), 60)
        finally:
            await srv.stop()

    asyncio.run(main())


async def join(port: int) -> str:
    status, _, body = await raw(port, req("POST", "/api/join", b"{}"))
    assert status == 200, body
    return str(json.loads(body)["token"])


def _same_headers(a: dict[str, str], b: dict[str, str]) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert a[name.lower()] == value == b[name.lower()]
    for name in ("content-type", "server", "vary"):
        assert a[name] == b[name], name


def test_hot_path_answers_like_the_handlers(tmp_path: Path) -> None:
    async def test(srv: LiveServer, port: int) -> None:
        token = await join(port)
        # hot: no body; declined (a body on a GET): the ordinary handler
        hot = await raw(port, req("GET", "/api/next", token=token))
        cold = await raw(port, req("GET", "/api/next", b"{}", token=token))
        assert hot[0] == cold[0] == 200
        got, want = json.loads(hot[2]), json.loads(cold[2])
        assert got.pop("statement")["id"] >= 0 and want.pop("statement")["id"] >= 0  # random
        assert got == want
        _same_headers(hot[1], cold[1])
        # a vote on the hot path, then the same key again through the handler: a duplicate
        sid = json.loads(hot[2])["statement"]["id"]
        vote = json.dumps({"statement_id": sid, "vote": 1, "key": "k1"}).encode()
        status, _, body = await raw(port, req("POST", "/api/vote", vote, token=token))
        assert status == 200 and json.loads(body)["duplicate"] is False
        chunked = (
            b"POST /api/vote HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            b"Content-Type: application/json\r\nAuthorization: Bearer " + token.encode() + b"\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
            + f"{len(vote):x}".encode()
            + b"\r\n"
            + vote
            + b"\r\n0\r\n\r\n"
        )
        status, _, body = await raw(port, chunked)
        assert status == 200 and json.loads(body)["duplicate"] is True
        # refusals: the same JSON from both paths
        for path in ("/api/next", "/api/activities"):
            hot = await raw(port, req("GET", path, token="forged"))
            cold = await raw(port, req("GET", path, b"{}", token="forged"))
            assert hot[0] == cold[0] == 401
            assert json.loads(hot[2]) == json.loads(cold[2])
            _same_headers(hot[1], cold[1])
        # not JSON: declined, the handler's 415
        status, _, body = await raw(
            port,
            req("POST", "/api/vote", b"x=1", token=token).replace(
                b"application/json", b"text/plain"
            ),
        )
        assert status == 415 and json.loads(body)["code"] == "bad_content_type"
        # bad JSON on the hot path: 400 bad_json
        status, _, body = await raw(port, req("POST", "/api/answer", b"{nope", token=token))
        assert status == 400 and json.loads(body)["code"] == "bad_json"

    serving(tmp_path, test)


def test_hot_path_gzip_rate_limit_and_internal_error(tmp_path: Path) -> None:
    async def test(srv: LiveServer, port: int) -> None:
        token = await join(port)
        plain = await raw(port, req("GET", "/api/next", token=token))
        zipped = await raw(port, req("GET", "/api/next", token=token, Accept_Encoding="gzip"))
        assert "content-encoding" not in plain[1] and len(plain[2]) > 1024
        assert zipped[1]["content-encoding"] == "gzip" and len(zipped[2]) < 1024
        assert int(zipped[1]["content-length"]) == len(zipped[2])
        got, want = json.loads(gzip.decompress(zipped[2])), json.loads(plain[2])
        assert got.pop("statement")["text"].endswith("€" * 450)
        assert want.pop("statement")["text"].endswith("€" * 450)
        assert got == want
        # an unexpected error: a 500 JSON answer, and the server goes on serving
        rules = srv.rules
        original = rules.next_statement

        def broken(pid: int) -> Any:
            raise RuntimeError("boom")

        rules.next_statement = broken  # type: ignore[method-assign]
        status, headers, body = await raw(port, req("GET", "/api/next", token=token))
        assert status == 500 and json.loads(body) == {"error": "internal error", "code": "internal"}
        assert headers["x-frame-options"] == "DENY"
        rules.next_statement = original  # type: ignore[method-assign]
        # the request limit (burst 6 here): a 429 with Retry-After, from the hot path too
        statuses = []
        for _ in range(10):
            status, headers, body = await raw(port, req("GET", "/api/next", token=token))
            statuses.append(status)
        assert statuses[-1] == 429
        assert int(headers["retry-after"]) >= 1 and json.loads(body)["code"] == "rate_limited"

    serving(tmp_path, test, request_rate=(0.01, 6.0))


def test_page_gzipped_once_reads_the_same(tmp_path: Path) -> None:
    async def test(srv: LiveServer, port: int) -> None:
        get = "GET /?lang=fr HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        plain = await raw(port, (get + "\r\n").encode())
        zipped = await raw(port, (get + "Accept-Encoding: gzip, br\r\n\r\n").encode())
        assert plain[0] == zipped[0] == 200
        assert "content-encoding" not in plain[1] and zipped[1]["content-encoding"] == "gzip"
        assert "Accept-Encoding" in zipped[1]["vary"] and "Accept-Language" in zipped[1]["vary"]
        page = gzip.decompress(zipped[2])
        nonce = zipped[1]["content-security-policy"].split("'nonce-", 1)[1].split("'", 1)[0]
        # the same document but for its nonce (a fresh one per answer)
        other = plain[1]["content-security-policy"].split("'nonce-", 1)[1].split("'", 1)[0]
        assert nonce != other and page.count(nonce.encode()) >= 8
        assert page.replace(nonce.encode(), other.encode()) == plain[2]
        assert len(zipped[2]) < len(plain[2]) / 3

    serving(tmp_path, test)


def test_poll_steps_over_own_events_and_reads_others(tmp_path: Path) -> None:
    """The poller does not read the server's own answers back, yet folds in what another
    process appended between them, each event exactly once."""

    async def test(srv: LiveServer, port: int) -> None:
        token = await join(port)
        votes = 0
        for i in range(6):
            status, _, body = await raw(port, req("GET", "/api/next", token=token))
            sid = json.loads(body)["statement"]["id"]
            vote = json.dumps({"statement_id": sid, "vote": 1, "key": f"k{i}"}).encode()
            status, _, body = await raw(port, req("POST", "/api/vote", vote, token=token))
            assert status == 200
            votes += 1
            if i == 2:  # another process (the dashboard) adds a statement meanwhile
                with SessionStore(srv.db) as other:
                    other.add_statements(["from the dashboard"])
        srv.poll_external()
        st = srv.rules.state
        assert srv.rules.last_seq == st.last_seq
        assert any(rec.text == "from the dashboard" for rec in st.statements.values())
        assert sum(rec.n_votes for rec in st.statements.values()) == votes  # once each
        assert len(st.participants) == 1 and not srv.rules._own_seqs
        # folded from the log alone: the same
        with SessionStore(srv.db) as again:
            fresh = again.state()
        assert sum(rec.n_votes for rec in fresh.statements.values()) == votes
        assert len(fresh.statements) == len(st.statements)

    serving(tmp_path, test)


def _chunked(path: str, body: bytes) -> bytes:
    """A POST whose chunked body the hot path declines: the ordinary handler answers."""
    return (
        (
            f"POST {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            f"{len(body):x}\r\n"
        ).encode()
        + body
        + b"\r\n0\r\n\r\n"
    )


def test_join_on_the_hot_path_answers_like_the_handler(tmp_path: Path) -> None:
    """A join answered by the hot path carries what the handler's does (the listing and the
    next statement), the same wrong-code refusal, and the counts stay right when the
    dashboard adds and rejects statements meanwhile."""

    async def test(srv: LiveServer, port: int) -> None:
        body = json.dumps({"join_code": "ABC123"}).encode()
        hot = await raw(port, req("POST", "/api/join", body))
        cold = await raw(port, _chunked("/api/join", body))
        assert hot[0] == cold[0] == 200, (hot, cold)
        _same_headers(hot[1], cold[1])
        got, want = json.loads(hot[2]), json.loads(cold[2])
        assert set(got) == set(want) >= {"token", "participant_id", "activities", "next"}
        assert got["participant_id"] != want["participant_id"]
        assert got["activities"] == want["activities"]
        assert got["next"]["remaining"] == want["next"]["remaining"] == 30
        # a wrong code: the same refusal from both paths
        wrong = json.dumps({"join_code": "NOPE99"}).encode()
        hot = await raw(port, req("POST", "/api/join", wrong))
        cold = await raw(port, _chunked("/api/join", wrong))
        assert hot[0] == cold[0] == 403, (hot, cold)
        assert json.loads(hot[2]) == json.loads(cold[2])
        # remaining/voted after a vote, a statement added and one rejected by the dashboard
        token = str(got["token"])
        sid = got["next"]["statement"]["id"]
        vote = json.dumps({"statement_id": sid, "vote": 1, "key": "j1"}).encode()
        status, _, answer = await raw(port, req("POST", "/api/vote", vote, token=token))
        assert status == 200 and json.loads(answer)["remaining"] == 29
        with SessionStore(srv.db) as other:
            other.add_statements(["from the dashboard"])
            other.moderate(sid, accept=False)  # the one voted on leaves the votable set
        srv.poll_external()
        status, _, answer = await raw(port, req("GET", "/api/next", token=token))
        now = json.loads(answer)
        assert status == 200 and now["voted"] == 1 and now["remaining"] == 30
        assert now["statement"]["id"] != sid

    serving(tmp_path, test, join_code="ABC123")
