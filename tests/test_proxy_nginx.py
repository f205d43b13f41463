"""Behind Debian's real nginx with TLS (issue 18, "behind a proxy").

The nginx site of ``docs/guide/proxy.md`` (the page's ``nginx`` block, as written there,
with only the ports, the upstream and the certificate paths put in) runs in a temporary
folder as a non-daemon child of the test, in front of a live server started with
``trusted_proxies=("127.0.0.1",)``; the certificate is self-signed, made here with openssl.
Phones are loopback addresses other than nginx's (127.0.0.2, ...): a phone's request through
nginx is rate limited by its own address (from ``X-Forwarded-For``), a forged header is
believed neither through nginx nor sent straight to the server.

``scripts/ensure-nginx.sh`` installs nginx when missing (the test command runs it).
"""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import fail_or_skip
from test_faults_server import new_db

from coprod_analytics.session import read_events
from coprod_apps.live.config import ServerConfig
from coprod_apps.live.server import LiveServer

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs/guide/proxy.md"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _nginx() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not found or not shutil.which("openssl"):
        fail_or_skip("nginx or openssl is missing: run scripts/ensure-nginx.sh")
    return found


def site_from_guide(*, https: int, http: int, upstream: int, cert: Path, key: Path) -> str:
    """The guide's nginx site with this test's ports and certificate."""
    block = re.search(r"```nginx\n(.*?)```", GUIDE.read_text(), re.S)
    assert block is not None, "docs/guide/proxy.md has no nginx block"
    site = block.group(1)
    for old, new in (
        ("listen 443 ssl;", f"listen 127.0.0.1:{https} ssl;"),
        ("listen 80;", f"listen 127.0.0.1:{http};"),
        ("http://127.0.0.1:8765", f"http://127.0.0.1:{upstream}"),
        ("/etc/ssl/certs/vote.example.org.pem", str(cert)),
        ("/etc/ssl/private/vote.example.org.key", str(key)),
    ):
        assert old in site, old
        site = site.replace(old, new)
    return site


class Nginx:
    def __init__(self, folder: Path, upstream: int) -> None:
        self.folder = folder
        self.cert, self.key = folder / "cert.pem", folder / "key.pem"
        subprocess.run(
            [
                *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
                *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
                *("-keyout", str(self.key), "-out", str(self.cert)),
            ],
            check=True,
            capture_output=True,
        )
        self.https, self.http = _free_port(), _free_port()
        site = site_from_guide(
            https=self.https, http=self.http, upstream=upstream, cert=self.cert, key=self.key
        )
        (folder / "site.conf").write_text(site)
        temp = " ".join(
            f"{kind}_temp_path {folder / kind};"
            for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
        )
        (folder / "nginx.conf").write_text(
            "daemon off;\nworker_processes 1;\n"
            f"pid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} info;\n"
            "events { worker_connections 128; }\n"
            f"http {{\n access_log {folder / 'access.log'};\n {temp}\n"
            f" include {folder / 'site.conf'};\n}}\n"
        )
        cmd = [_nginx(), "-p", str(folder), "-e", str(folder / "error.log")]
        self.proc = subprocess.Popen(
            [*cmd, "-c", str(folder / "nginx.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while True:
            if self.proc.poll() is not None:
                pytest.fail("nginx exited:\n" + (folder / "error.log").read_text(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", self.https), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "nginx did not listen"
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful shutdown
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture
def upstream_port() -> int:
    return _free_port()


@pytest.fixture
def nginx(tmp_path: Path, upstream_port: int) -> Iterator[Nginx]:
    folder = tmp_path / "nginx"
    folder.mkdir()
    proxy = Nginx(folder, upstream_port)
    try:
        yield proxy
    finally:
        proxy.stop()


async def request(
    port: int,
    body: Any,
    *,
    source: str,
    tls: ssl.SSLContext | None = None,
    headers: dict[str, str] | None = None,
    path: str = "/api/join",
) -> tuple[int, dict[str, str], str]:
    data = json.dumps(body).encode()
    head = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    head += [f"Content-Length: {len(data)}", "Content-Type: application/json"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", port, ssl=tls, local_addr=(source, 0)
    )
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + data)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head_bytes, _, payload = answer.partition(b"\r\n\r\n")
    lines = head_bytes.decode("latin-1").split("\r\n")
    hdrs = {k.lower(): v for k, v in (ln.split(": ", 1) for ln in lines[1:] if ": " in ln)}
    return int(lines[0].split(" ", 2)[1]), hdrs, payload.decode(errors="replace")


def test_a_phone_through_nginx_is_known_by_its_forwarded_address(
    tmp_path: Path, nginx: Nginx, upstream_port: int
) -> None:
    db = new_db(tmp_path)
    tls = ssl.create_default_context(cafile=str(nginx.cert))

    async def main() -> None:
        srv = LiveServer(
            db,
            ServerConfig(
                priority_interval=0,
                join_code="ABC7",
                join_fail_rate=(0.001, 2.0),
                trusted_proxies=("127.0.0.1",),
            ),
        )
        await srv.start("127.0.0.1", upstream_port)
        try:
            # phone A (127.0.0.2) guesses through nginx: its own budget runs out
            statuses = [
                (await request(nginx.https, {"join_code": f"G{i}"}, source="127.0.0.2", tls=tls))[0]
                for i in range(3)
            ]
            assert statuses == [403, 403, 429]
            assert not srv.rules.join_fail_limit.is_full("127.0.0.2")
            assert srv.rules.join_fail_limit.is_full("127.0.0.1")  # not nginx's address
            # phone B (127.0.0.3) through nginx joins: A's guesses are not B's; HTTPS seen
            status, hdrs, text = await request(
                nginx.https, {"join_code": "abc7"}, source="127.0.0.3", tls=tls
            )
            assert status == 200, text
            assert "strict-transport-security" in hdrs
            # phone C forges X-Forwarded-For through nginx: nginx appends C's real address,
            # the right-most untrusted one, and that is the one counted
            status, _, _ = await request(
                nginx.https,
                {"join_code": "nope"},
                source="127.0.0.5",
                tls=tls,
                headers={"X-Forwarded-For": "203.0.113.7"},
            )
            assert status == 403
            assert not srv.rules.join_fail_limit.is_full("127.0.0.5")
            assert srv.rules.join_fail_limit.is_full("203.0.113.7")
            # straight to the server from an untrusted address: forged headers not believed
            forged = {"X-Forwarded-For": "198.51.100.9", "X-Forwarded-Proto": "https"}
            statuses, hsts = [], []
            for i in range(3):
                status, hdrs, _ = await request(
                    upstream_port, {"join_code": f"D{i}"}, source="127.0.0.4", headers=forged
                )
                statuses.append(status)
                hsts.append("strict-transport-security" in hdrs)
            assert statuses == [403, 403, 429] and not any(hsts)
            assert srv.rules.join_fail_limit.is_full("198.51.100.9")
            assert not srv.rules.join_fail_limit.is_full("127.0.0.4")
            # plain HTTP to nginx is sent to HTTPS
            status, hdrs, _ = await request(nginx.http, {}, source="127.0.0.6")
            assert status == 301 and hdrs["location"].startswith("https://")
        finally:
            await srv.stop()

    asyncio.run(asyncio.wait_for(main(), 120))
    assert read_events(db).filter(kind="join").height == 1
    access = (nginx.folder / "access.log").read_text()
    assert "127.0.0.2" in access and "127.0.0.3" in access
