"""A published app works offline (issue 16): ``coprod publish`` writes an app folder whose
README says how to serve it; run exactly like that, from inside the folder, the page asks no
other host for anything (Voila's own lab template would ask a CDN for Font Awesome: the folder
carries our ``coprod`` template and its ``run.py`` uses it) and the report renders.

In Debian's headless Chromium, every request of the page is recorded and any to another host
is refused (as it would fail offline). The folder has no ``voila.py``, which would hide
Voila itself from ``python -m voila`` run there."""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from browser import launch, require_chromium, until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Rendering the report (a kernel runs the notebook) takes a while on a busy 2-core machine.
RENDER_MS = 240_000


def readme_command(app: Path) -> list[str]:
    """The serving command of the app's README (its "Run it" block's last line)."""
    text = (app / "README.md").read_text()
    block = re.search(r"## Run it\n\n```\n(.*?)```", text, re.S)
    assert block is not None, "the README has no 'Run it' block"
    return shlex.split(block.group(1).strip().splitlines()[-1])


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from coprod_analytics import simulate_inquiry
    from coprod_apps.publish import publish_app

    folder = tmp_path_factory.mktemp("offline") / "app"
    return publish_app(simulate_inquiry(40, 12, seed=1), folder, wheel=False, progress=False)


@pytest.fixture(scope="module")
def served(app: Path) -> Iterator[str]:
    """The app served as its README says, from inside the folder (this environment's Python
    standing for the README's virtual environment, another free port for 8866)."""
    require_chromium()
    from coprod_apps.launcher import free_port

    cmd = readme_command(app)
    assert cmd[:2] == ["python", "run.py"] and "--port=8866" in cmd, cmd
    port = free_port()
    cmd = [sys.executable, *cmd[1:]]
    cmd[cmd.index("--port=8866")] = f"--port={port}"
    env = {k: v for k, v in os.environ.items() if k not in ("JUPYTER_PATH", "COPROD_INPUT")}
    log_path = app.parent / "voila.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd, cwd=app, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )

        def ready() -> bool:
            if proc.poll() is not None:
                pytest.fail("the app exited:\n" + log_path.read_text()[-2000:])
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/voila.js") as r:
                    return bool(r.status == 200)
            except OSError:
                return False

        until(ready, "the published app's Voila server", timeout=180)
        try:
            yield f"http://127.0.0.1:{port}/"
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(30)


def test_the_folder_carries_the_template_and_no_voila_py(app: Path) -> None:
    names = sorted(p.name for p in app.iterdir())
    assert "voila.py" not in names and {"run.py", "voila.json", "share"} <= set(names)
    template = app / "share" / "voila" / "templates" / "coprod"
    assert (template / "index.html.j2").is_file() and (template / "conf.json").is_file()
    assert "cdn.jsdelivr.net" in (template / "index.html.j2").read_text()  # what it removes
    # python -m voila, run in the folder, finds Voila (nothing there hides it)
    out = subprocess.run(
        [sys.executable, "-m", "voila", "--help"], cwd=app, capture_output=True, text=True
    )
    assert out.returncode == 0 and "--template" in out.stdout, out.stderr[-1000:]


def test_served_as_the_readme_says_asks_no_other_host(served: str) -> None:
    from playwright.sync_api import sync_playwright

    host = urlparse(served).netloc
    asked: list[str] = []
    refused: list[str] = []

    def route(r: Any) -> None:
        url = r.request.url
        asked.append(url)
        if url.startswith(("data:", "blob:")) or urlparse(url).netloc == host:
            r.continue_()
        else:  # offline, this would fail
            refused.append(url)
            r.abort()

    with sync_playwright() as pw:
        browser = launch(pw)
        try:
            ctx = browser.new_context()
            ctx.route("**/*", route)
            page = ctx.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("websocket", lambda ws: asked.append(ws.url))
            page.goto(served, timeout=RENDER_MS)
            # rendered: Voila's cells shown in our labelled <main>, the report's heading in it
            main = page.locator("main#rendered_cells")
            main.wait_for(state="visible", timeout=RENDER_MS)
            page.locator("main#rendered_cells h1").first.wait_for(timeout=RENDER_MS)
            page.locator("main#rendered_cells .widget-tab, main#rendered_cells .jp-OutputArea")\
                .first.wait_for(timeout=RENDER_MS)  # fmt: skip
            assert page.title().startswith("Inquiry report")
            # Font Awesome (bundled in Voila's own script, not asked of a CDN) is there
            fonts = page.evaluate("() => [...document.fonts].map(f => f.family)")
            assert any("Font Awesome" in f for f in fonts), fonts
            ctx.close()
        finally:
            browser.close()
    assert refused == []
    assert any(urlparse(u).path.endswith("voila.js") for u in asked)  # the recorder saw them
    assert all(urlparse(u).netloc == host for u in asked if not u.startswith(("data:", "blob:")))
    assert errors == []
