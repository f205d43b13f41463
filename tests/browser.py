"""What the browser tests share: Debian's headless Chromium, its flags, a phone's viewport,
``coprod serve`` started as a facilitator would (the addresses read from what it prints), a
session served to phones, one participant's phone, and waiting for a state.

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
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import pytest
from conftest import IN_CI, ROOT

from coprod_analytics.session import SessionStore

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
def chromium() -> Iterator[Any]:
    """A headless Chromium for as long as the ``with`` block (e.g. a module's browser fixture)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            yield browser
        finally:
            browser.close()


def until(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    """Poll ``check`` until it returns something truthy, and return that (a state, never a
    fixed wait): ``timeout`` only ends a wait for a state that never comes."""
    deadline = time.monotonic() + timeout
    while True:
        got = check()
        if got:
            return got
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


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


@dataclass
class Served:
    """A session served to phones: its participant address, its database and its id."""

    url: str
    db: Path
    session_id: str


@contextlib.contextmanager
def serve_phones(db: Path) -> Iterator[Served]:
    """``coprod serve DB --no-dashboard`` on a session already seeded, for phones only.

    Call :func:`require_chromium` first (before seeding), as the fixture that uses it would.
    """
    with coprod_serve(db, dashboard=False) as urls:
        with SessionStore(db) as s:
            session_id = s.session_id
        yield Served(urls["participant"], db, session_id)


class Phone:
    """One participant's phone: a browser context of its own on :data:`PHONE` (its own storage,
    so a new participant) and its page on the participant address, with the page's errors.

    The page is waited for until ``ready`` matches (a state); a subclass listens to more of the
    page in :meth:`watch`, from its first request on. As a ``with`` block, it closes the context
    at the end and then asserts that the page raised no error.
    """

    #: The selector that says the page has loaded and joined.
    ready = "#tabs:not([hidden])"

    def __init__(self, browser: Any, served: Served) -> None:
        self.served = served
        self.context = browser.new_context(**PHONE)
        self.errors: list[str] = []
        self.page = self.open()

    def open(self) -> Any:
        """A new page of this phone on the participant address (the next visit, once a page
        is closed); it becomes :attr:`page`."""
        page = self.context.new_page()
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.watch(page)
        page.goto(self.served.url)
        page.wait_for_selector(self.ready)
        self.page = page
        return page

    def watch(self, page: Any) -> None:
        """Listen to more of ``page`` before it loads (nothing more here)."""

    @property
    def token(self) -> str:
        """This participant's token, as the page keeps it in localStorage."""
        return str(
            self.page.evaluate(
                "sid => localStorage.getItem('coprod-token-' + sid)", self.served.session_id
            )
        )

    @property
    def pid(self) -> int:
        return int(self.token.split(".")[0])

    def tab(self, title: str) -> None:
        """Tap the activity's tab and wait for its heading."""
        self.page.get_by_role("navigation").get_by_role("button", name=re.compile(title)).click()
        self.page.wait_for_function(
            "t => document.getElementById('activity-h').textContent.startsWith(t) "
            "|| document.getElementById('statements-h').textContent.startsWith(t)",
            arg=title,
        )

    def card(self, heading: str) -> Any:
        """The item card with this heading."""
        return self.page.locator("section.item").filter(
            has=self.page.get_by_role("heading", name=heading, exact=True)
        )

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.context.close()
        if exc[0] is None:
            assert self.errors == [], self.errors
