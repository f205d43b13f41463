"""``coprod serve --public-url URL`` behind a proxy (issue 18): the printed participant
address and its QR code are the public address (with the join code), the facilitator gets
the SSH tunnel to the loopback-only dashboard on that host, and a bad URL is refused with a
clear message and exit 2 before anything starts."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from coprod_analytics.errors import ValidationError
from coprod_apps.live.config import check_public_url
from coprod_apps.live.qr import qr_text
from coprod_apps.live.serve import ServeInfo, print_addresses

ROOT = Path(__file__).resolve().parents[1]


def coprod(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "coprod_analytics.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
    )


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://vote.example.org", "https://vote.example.org/"),
        ("HTTPS://Vote.Example.ORG/", "https://vote.example.org/"),
        ("http://10.0.0.5:8080/", "http://10.0.0.5:8080/"),
        ("https://[2001:db8::1]:8443", "https://[2001:db8::1]:8443/"),
        ("  https://vote.example.org/  ", "https://vote.example.org/"),
    ],
)
def test_good_addresses_are_normalised(given: str, expected: str) -> None:
    assert check_public_url(given) == expected


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("vote.example.org", "must start with https:// or http://"),
        ("ftp://vote.example.org/", "must start with https:// or http://"),
        ("https://", "has no host name"),
        ("https://vote.example.org:99999/", "bad port"),
        ("https://me:secret@vote.example.org/", "user name or password"),
        ("https://vote.example.org/?a=1", "query"),
        ("https://vote.example.org/#join=X", "fragment"),
        ("https://vote.example.org/vote/", "root of its address"),
        ("https://vote.example .org/", "spaces"),
    ],
)
def test_bad_addresses_are_refused_naming_the_option(given: str, says: str) -> None:
    with pytest.raises(ValidationError, match="--public-url") as err:
        check_public_url(given)
    assert says in str(err.value)


def test_the_cli_refuses_a_bad_public_url_with_exit_2_and_no_traceback(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    out = coprod("serve", str(db), "--no-dashboard", "--public-url", "vote.example.org/x")
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert re.search(
        r"coprod serve: error: --public-url 'vote.example.org/x' must start", out.stderr
    )
    assert not db.exists()  # refused before the session was created


def test_printed_addresses_and_qr_use_the_public_url_and_show_the_tunnel() -> None:
    import io

    public = "https://vote.example.org/#join=ABCD"
    info = ServeInfo(public, "http://127.0.0.1:8866/voila?token=t", "ABCD", server=None)
    info.public_url = "https://vote.example.org/"
    out = io.StringIO()
    print_addresses(info, out)
    printed = out.getvalue()
    assert f"Participants: {public}\n" in printed
    assert qr_text(public) in printed
    assert "ssh -N -L 8866:127.0.0.1:8866 vote.example.org" in printed


def test_coprod_serve_prints_the_public_address(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "coprod_analytics.cli",
            "serve",
            str(db),
            "--no-dashboard",
            "--port",
            "0",
            "--join-code",
            "K7QZPX",
            "--public-url",
            "https://Vote.Example.org",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        for line in proc.stdout:  # wait for the state: the addresses are printed
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        printed = "".join(lines)
        assert "Participants: https://vote.example.org/#join=K7QZPX\n" in printed, printed
        assert qr_text("https://vote.example.org/#join=K7QZPX") in printed
        assert "127.0.0.1" not in printed.split("Participants:")[1].splitlines()[0]
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(60)
