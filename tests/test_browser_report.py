"""The Voila report app and the static report in a real headless Chromium (Debian's).

One Voila server per input for the whole module; screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import launch, require_chromium
from conftest import ROOT, require_shared

pytestmark = pytest.mark.browser

ARTIFACTS = ROOT / "test-artifacts"
RENDER_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        yield b
        b.close()


def _serve(input_path: Path) -> Any:
    from coprod_apps.launcher import start_voila
    from coprod_apps.report_app import INPUT_ENV, MIN_CELL_ENV, report_notebook_path

    return start_voila(report_notebook_path(), env={INPUT_ENV: str(input_path), MIN_CELL_ENV: "5"})


@pytest.fixture(scope="module")
def vtaiwan_server() -> Iterator[Any]:
    require_chromium()
    server = _serve(require_shared("polis", "vtaiwan.uberx"))
    yield server
    server.stop()
    assert not server.running()


def _open(browser: Any, url: str) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    requests: list[str] = []
    page.on("request", lambda req: requests.append(req.url))
    page.goto(url, timeout=RENDER_TIMEOUT_MS)
    page.wait_for_selector(".coprod-statement-board .card", timeout=RENDER_TIMEOUT_MS)
    page.wait_for_selector(
        ".coprod-opinion-map .js-plotly-plot .scatterlayer", timeout=RENDER_TIMEOUT_MS
    )
    page.errors = errors  # type: ignore[attr-defined]
    page.requests = requests  # type: ignore[attr-defined]
    return page


def test_voila_report_renders_vtaiwan(browser: Any, vtaiwan_server: Any) -> None:
    from coprod_analytics import load_inquiry
    from coprod_analytics.consensus import opinion_groups

    inq = load_inquiry(require_shared("polis", "vtaiwan.uberx"))
    k = opinion_groups(inq, seed=0).k
    page = _open(browser, vtaiwan_server.url)
    try:
        assert "UberX" in page.locator(".coprod-header h1").inner_text()
        # the icons have their font, from this server (loaded before the requests are checked
        # below): the page declares Font Awesome's faces and loading one, as the first icon on
        # the page would, works (the folded sections' buttons no longer draw an icon)
        loaded = page.evaluate(
            "async () => { await document.fonts.ready;"
            " const faces = [...document.fonts].filter(f => f.family.includes('Font Awesome'));"
            " const got = await Promise.all(faces.map(f => f.load().then(() => f.status,"
            " () => 'error'))); return got; }"
        )
        assert loaded and "loaded" in loaded, loaded
        # offline: nothing from another host (Voila's lab template asks a CDN for Font
        # Awesome; the coprod template drops that, the icons come bundled with Voila)
        origin = vtaiwan_server.url.split("/", 3)[:3]
        elsewhere = [
            u for u in page.requests if u.split("/", 3)[:3] != origin and u.startswith("http")
        ]
        assert elsewhere == [], elsewhere
        # the opinion map: one legend entry and one button per group (plus "Everyone")
        legend = page.locator(".coprod-opinion-map .legend .legendtext").all_text_contents()
        assert sum(1 for t in legend if t.strip().startswith("Group ")) == k
        buttons = page.locator(".coprod-group-buttons button").all_inner_texts()
        assert [b.strip() for b in buttons] == ["Everyone"] + [
            f"Group {chr(65 + g)}" for g in range(k)
        ]
        assert page.locator(".coprod-opinion-map .scatterlayer .trace").count() >= k
        # attribution of the Pol.is open data is on the page
        assert "Computational Democracy Project" in page.locator(".coprod-footer").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "voila-report-vtaiwan.png"), full_page=True)
        assert (ARTIFACTS / "voila-report-vtaiwan.png").stat().st_size > 10_000
    finally:
        page.close()


def _recorder(dialogs: list[str]) -> Any:
    """A dialog handler that records the message and dismisses the dialog."""

    def on_dialog(dialog: Any) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    return on_dialog


def _board(page: Any, group: str) -> Any:
    """The board's cards once a render for ``group`` (a letter or "everyone") is complete.

    The board writes its selection into ``data-board`` of the element that holds the cards,
    in the same update as the cards, so waiting for that attribute is waiting for the
    state (never for time) and the cards read after it are a whole render.
    """
    render = page.locator(f'.coprod-board-cards .coprod-board-render[data-board^="{group}|"]')
    render.wait_for(state="attached", timeout=60_000)
    return render


def test_selecting_a_group_changes_the_board(browser: Any, vtaiwan_server: Any) -> None:
    page = _open(browser, vtaiwan_server.url)
    try:
        title = page.locator(".coprod-board-title")
        before = _board(page, "everyone")
        before_title = title.inner_text()
        before_ids = [c.get_attribute("data-statement-id") for c in before.locator(".card").all()]
        page.locator(".coprod-group-buttons button", has_text="Group B").click()
        after = _board(page, "B")
        after_ids = [c.get_attribute("data-statement-id") for c in after.locator(".card").all()]
        page.wait_for_function(
            "document.querySelector('.coprod-board-title').innerText.includes('Group B')",
            timeout=60_000,
        )
        assert "What sets Group B apart" in title.inner_text()
        assert title.inner_text() != before_title
        assert before_ids and after_ids and after_ids != before_ids
        # the selected group's bar row is emphasised on every card
        assert after.locator(".row.sel").count() == len(after_ids)
        # the filter box narrows the board
        page.locator(".coprod-statement-board input[type=text]").fill("zzzz-no-such-text")
        filtered = page.locator(
            '.coprod-board-cards .coprod-board-render[data-board$="|zzzz-no-such-text"]'
        )
        filtered.wait_for(state="attached", timeout=60_000)
        assert "No statement matches" in filtered.inner_text()
        assert filtered.locator(".card").count() == 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "voila-report-group-b.png"))
    finally:
        page.close()


def test_hostile_statement_shows_as_text_in_voila(browser: Any, tmp_path_factory: Any) -> None:
    from test_widgets_state import evil_inquiry

    from coprod_analytics.io.parquet import write_parquet

    require_chromium()
    src = write_parquet(evil_inquiry(), tmp_path_factory.mktemp("evil") / "inq")
    server = _serve(src)
    try:
        page = browser.new_page()
        dialogs: list[str] = []
        page.on("dialog", _recorder(dialogs))
        page.goto(server.url, timeout=RENDER_TIMEOUT_MS)
        page.wait_for_selector(".coprod-statement-board .card", timeout=RENDER_TIMEOUT_MS)
        page.locator(".coprod-statement-board select").first.select_option(label="All statements")
        page.wait_for_function(
            "document.querySelector('.coprod-board-cards').innerText.includes('<script>')",
            timeout=60_000,
        )
        text = page.locator(".coprod-board-cards").inner_text()
        assert '<script>alert("x")</script><img src=x onerror="alert(1)">' in text
        assert page.locator(".coprod-board-cards script").count() == 0
        assert page.locator(".coprod-board-cards img").count() == 0
        assert "<b>Title</b>" in page.locator(".coprod-header h1").inner_text()
        page.wait_for_timeout(500)
        assert dialogs == []
        page.close()
    finally:
        server.stop()


@pytest.fixture(scope="module")
def static_report(tmp_path_factory: Any) -> Path:
    from test_widgets_state import evil_inquiry

    from coprod_widgets.report import write_report

    out = tmp_path_factory.mktemp("static")
    write_report(out / "vtaiwan.html", require_shared("polis", "vtaiwan.uberx"), seed=0)
    write_report(out / "evil.html", evil_inquiry(), seed=0, min_cell=0)
    return out


def _offline_page(browser: Any) -> tuple[Any, Any, list[str]]:
    ctx = browser.new_context(offline=True)
    requested: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            requested.append(r.request.url)
            r.abort()

    ctx.route("**/*", route)
    return ctx, ctx.new_page(), requested


def test_static_report_renders_offline(browser: Any, static_report: Path) -> None:
    ctx, page, requested = _offline_page(browser)
    try:
        page.goto((static_report / "vtaiwan.html").as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        plots = page.locator(".js-plotly-plot")
        assert plots.count() >= 2
        for i in range(plots.count()):
            assert plots.nth(i).locator("svg.main-svg").count() >= 1
        assert page.locator(".js-plotly-plot .scatterlayer .trace").count() >= 2
        assert "sub-licensed under CC BY 4.0" in page.inner_text("#provenance")
        assert requested == []
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "static-report-vtaiwan.png"))
    finally:
        ctx.close()


def test_static_report_shows_hostile_text_as_text(browser: Any, static_report: Path) -> None:
    ctx, page, _ = _offline_page(browser)
    dialogs: list[str] = []
    page.on("dialog", _recorder(dialogs))
    try:
        page.goto((static_report / "evil.html").as_uri())
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        text = page.inner_text("#statements")
        assert '<script>alert("x")</script>' in text
        assert page.locator("#statements img").count() == 0
        assert page.locator("#statements script").count() == 0
        assert dialogs == []
    finally:
        ctx.close()
