"""What the browser tests share: Debian's headless Chromium, its flags, a phone's viewport, and
``coprod serve`` started as a facilitator would (the addresses read from what it prints).

Chromium runs with the flags of ``docs/design/VOILA_NOTES.md``: without the networking ones it
floods this machine's closed network.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from conftest import IN_CI, ROOT

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: A phone: what ``browser.new_context(**PHONE)`` opens.
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
}


def require_chromium() -> None:
    """Skip (or, under CI=true, fail) when Playwright or Debian's chromium is missing."""
    pytest.importorskip("playwright.sync_api")
    if not os.path.exists(CHROMIUM) and shutil.which("chromium") is None:
        msg = "Debian's chromium is missing: run bash scripts/ensure-chromium.sh"
        if IN_CI:
            pytest.fail(msg + " (under CI=true a missing browser is a failure)")
        pytest.skip(msg)


def launch(pw: Any) -> Any:
    """A headless Chromium from a ``sync_playwright()`` handle."""
    return pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)


@contextlib.contextmanager
def coprod_serve(
    db: Path, *args: str, dashboard: bool = True, timeout: float = 300.0
) -> Iterator[dict[str, str]]:
    """Run ``coprod serve DB ARGS... --port 0 --no-qr`` and yield the addresses it printed
    (``participant``, and ``dashboard`` unless ``dashboard=False``); stopped with SIGTERM.

    Waits for the printed lines (a state), not for a time: ``timeout`` only ends a server that
    never gets there, with what it printed.
    """
    cmd: Sequence[str] = [
        sys.executable,
        "-m",
        "coprod_analytics.cli",
        "serve",
        str(db),
        *args,
        "--port",
        "0",
        "--no-qr",
        *(() if dashboard else ("--no-dashboard",)),
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        cwd=ROOT,
    )
    want = 2 if dashboard else 1
    urls: dict[str, str] = {}
    lines: list[str] = []
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(urls) < want:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        if m := re.match(r"Participants: (\S+)", line):
            urls["participant"] = m.group(1)
        if m := re.match(r"Facilitator dashboard .*: (\S+)", line):
            urls["dashboard"] = m.group(1)
    if len(urls) < want:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("coprod serve did not print its addresses:\n" + "".join(lines))
    # keep reading what it prints, so that a full pipe never blocks the server
    threading.Thread(target=lambda: [None for _ in proc.stdout or []], daemon=True).start()
    try:
        yield urls
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
