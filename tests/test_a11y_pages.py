"""Everyone in the room, on the pages beyond the participant's phone (issue 16), in Debian's
headless Chromium: axe-core (shipped by the ``axe-playwright-python`` wheel, injected with
Playwright) finds no serious or critical WCAG 2.2 violation on the facilitator dashboard
(``coprod serve``), the Voila report (``coprod report``), the static export (``coprod
export``) and a published app (``coprod publish``, served with Voila) -- with every folded
panel opened. Beyond axe: one h1 and a title that says what the page is, labelled landmarks,
charts labelled for assistive technology (a named figure whose drawing is ``role="img"``
with an ``aria-label``, beside their text alternatives), a visible focus ring, and the budget chart's two rules told apart by more
than colour.

One server per page type for the module (the sample inquiry of ``data/``), one browser."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from browser import coprod_serve, launch, require_chromium, until
from conftest import ROOT
from test_a11y_participant import axe_source

pytestmark = [pytest.mark.browser, pytest.mark.slow]

SAMPLE = ROOT / "data" / "sample-inquiry"
RENDER_MS = 180_000
#: What axe may not see as a violation, because it is in markup we do not write: (rule id,
#: CSS selector of the element) pairs, each with its reason. Never a whole rule.
EXCLUDED: dict[tuple[str, str], str] = {
    # ipywidgets 8.1's sliders (IntRangeSlider/FloatSlider: the report's filters) draw a
    # noUiSlider handle, <div class="noUi-handle" role="slider" tabindex="0">, with no
    # accessible name: the widget's description is a <label> not tied to the handle, and
    # ipywidgets offers no way to set aria-label on it from Python (upstream markup).
    ("aria-input-field-name", ".noUi-handle"): "ipywidgets' slider handle has no name",
}


def axe_violations(page: Any, source: str) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.x A and
    AA rules and axe's best practices), less the :data:`EXCLUDED` rule+element pairs."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(source)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    found = []
    for v in result["violations"]:
        if v["impact"] not in ("serious", "critical"):
            continue
        nodes = [
            n
            for n in v["nodes"]
            if not any(
                rule == v["id"] and page.locator(sel).count() and _matches(page, n, sel)
                for rule, sel in EXCLUDED
            )
        ]
        if nodes:
            found.append(
                {
                    "id": v["id"],
                    "impact": v["impact"],
                    "n": len(nodes),
                    "nodes": [
                        (n["target"], n["html"][:160], n["failureSummary"][:200]) for n in nodes
                    ][:4],
                }
            )
    return found


def _matches(page: Any, node: dict[str, Any], selector: str) -> bool:
    """Whether axe's node (its CSS path) is an element that ``selector`` matches."""
    target = node["target"][-1] if isinstance(node["target"][-1], str) else None
    if target is None:
        return False
    return bool(
        page.evaluate(
            "([t, s]) => { const el = document.querySelector(t); return !!el && el.matches(s); }",
            [target, selector],
        )
    )


# ---------------------------------------------------------------- servers, one per page type
@pytest.fixture(scope="module")
def axe() -> str:
    return axe_source()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


@pytest.fixture(scope="module")
def dashboard_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    db = tmp_path_factory.mktemp("a11y-dash") / "inquiry.db"
    with coprod_serve(db, "--from", str(SAMPLE)) as urls:
        yield urls["dashboard"]


@pytest.fixture(scope="module")
def report_url() -> Iterator[str]:
    require_chromium()
    from coprod_apps.launcher import start_voila
    from coprod_apps.report_app import INPUT_ENV, MIN_CELL_ENV, report_notebook_path

    server = start_voila(report_notebook_path(), env={INPUT_ENV: str(SAMPLE), MIN_CELL_ENV: "5"})
    yield server.url
    server.stop()


@pytest.fixture(scope="module")
def published_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A ``coprod publish`` folder served as its README says (``voila report.ipynb`` run
    from the folder), with the coprod template every coprod app uses (``--template=coprod``
    and our templates on ``JUPYTER_PATH``: the folder does not carry them yet).

    Not through ``start_voila``: ``python -m voila`` run from the folder imports the folder's
    own ``voila.py`` (its config file) instead of Voila."""
    require_chromium()
    import os
    import signal
    import subprocess
    import sys
    import urllib.request

    from coprod_apps.launcher import free_port
    from coprod_apps.publish import publish_app

    app = publish_app(
        SAMPLE, tmp_path_factory.mktemp("a11y-pub") / "app", wheel=False, progress=False
    )
    port = free_port()
    share = ROOT / "voila_apps" / "share"
    voila = Path(sys.executable).with_name("voila")
    cmd = [str(voila), "report.ipynb", "--no-browser", "--Voila.ip=127.0.0.1",
           f"--port={port}", "--Voila.port_retries=0", "--token=", "--template=coprod"]  # fmt: skip
    log = open(app.parent / "voila.log", "wb")
    proc = subprocess.Popen(
        cmd,
        cwd=app,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "JUPYTER_PATH": str(share)},
        start_new_session=True,
    )

    def ready() -> bool:
        if proc.poll() is not None:
            pytest.fail("voila exited:\n" + (app.parent / "voila.log").read_text()[-2000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/voila/static/voila.js") as r:
                return bool(r.status == 200)
        except OSError:
            return False

    until(ready, "the published app's Voila server", timeout=120)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module")
def static_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from coprod_widgets.report import write_report

    out = tmp_path_factory.mktemp("a11y-static") / "sample.html"
    write_report(out, SAMPLE, seed=0)
    return out


# ---------------------------------------------------------------- opening the pages
def open_page(browser: Any, url: str) -> Any:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.errors = []  # type: ignore[attr-defined]
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))  # type: ignore[attr-defined]
    page.goto(url, timeout=RENDER_MS)
    return page


def open_every_panel(page: Any) -> None:
    """Open every folded section (a report's family panels: disclosure buttons with
    ``aria-expanded``; ipywidgets accordions where a page still has them), one by one."""
    closed = page.locator("button.coprod-disclosure-button[aria-expanded='false']")
    folded = page.locator(".jupyter-widget-Collapse:not(.jupyter-widget-Collapse-open)")
    for _ in range(60):
        if closed.count():
            button = closed.first.element_handle()
            button.click()
            page.wait_for_function("el => el.getAttribute('aria-expanded') === 'true'", arg=button)
        elif folded.count():
            panel = folded.first.element_handle()
            panel.query_selector(".jupyter-widget-Collapse-header").click()
            page.wait_for_function(
                "el => el.classList.contains('jupyter-widget-Collapse-open')", arg=panel
            )
        else:
            return
    pytest.fail("some folded sections never opened")


def voila_report_ready(page: Any) -> None:
    page.wait_for_selector(".coprod-statement-board .card", timeout=RENDER_MS)
    page.wait_for_selector(".coprod-opinion-map .js-plotly-plot .scatterlayer", timeout=RENDER_MS)


def landmarks_and_labels(page: Any) -> dict[str, Any]:
    """One h1, the page title, the labelled <main>, and every chart's accessible name."""
    return page.evaluate(
        """() => ({
          h1: Array.from(document.querySelectorAll('h1')).filter(
                h => h.getClientRects().length > 0).map(h => h.textContent.trim()),
          title: document.title,
          lang: document.documentElement.lang,
          main: Array.from(document.querySelectorAll('main, [role=main]')).map(
                m => m.getAttribute('aria-label') || m.getAttribute('aria-labelledby') || ''),
          charts: Array.from(document.querySelectorAll('.js-plotly-plot')).map(p => {
                const box = p.closest('[role=figure], figure');
                const svg = p.querySelector('svg.main-svg');
                const name = box ? box.getAttribute('aria-label') || '' : '';
                return svg && svg.getAttribute('role') === 'img'
                       && svg.getAttribute('aria-label') === name ? name : null; }),
        })"""
    )


def check_page(page: Any, axe: str, *, title: str, h1: str, charts: bool = True) -> None:
    found = landmarks_and_labels(page)
    assert found["title"] == title, found
    assert found["lang"] == "en"
    assert len(found["h1"]) == 1 and h1 in found["h1"][0], found["h1"]
    assert len(found["main"]) == 1 and found["main"][0], found["main"]
    assert found["charts"] or not charts, "no chart drawn"
    # every chart is a named figure whose drawing is an image of the same name, beside its
    # text alternative (a figure, not an image, so plotly's toolbar buttons stay reachable)
    until(lambda: all(landmarks_and_labels(page)["charts"]), "every chart labelled", 30)
    found = landmarks_and_labels(page)
    assert "chart" not in found["charts"] or len(set(found["charts"])) > 1, found["charts"]
    assert axe_violations(page, axe) == []


def test_voila_report(browser: Any, axe: str, report_url: str) -> None:
    page = open_page(browser, report_url)
    try:
        voila_report_ready(page)
        check_page(page, axe, title="Inquiry report: opinion groups and consensus", h1="Riverside")
        open_every_panel(page)
        until(lambda: page.locator(".js-plotly-plot").count() >= 8, "every panel's charts", 120)
        check_page(page, axe, title="Inquiry report: opinion groups and consensus", h1="Riverside")
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        page.close()


def test_published_app(browser: Any, axe: str, published_url: str) -> None:
    page = open_page(browser, published_url)
    try:
        voila_report_ready(page)
        check_page(page, axe, title="Inquiry report: opinion groups and consensus", h1="Riverside")
        open_every_panel(page)
        until(lambda: page.locator(".js-plotly-plot").count() >= 8, "every panel's charts", 120)
        check_page(page, axe, title="Inquiry report: opinion groups and consensus", h1="Riverside")
    finally:
        page.close()


def test_static_export(browser: Any, axe: str, static_path: Path) -> None:
    page = open_page(browser, static_path.as_uri())
    try:
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        title = page.title()
        assert title.startswith("Riverside")
        check_page(page, axe, title=title, h1="Riverside")
        # the landmarks of the page: a header with the contents' navigation, the main part
        assert page.get_by_role("navigation", name="Contents").count() == 1
    finally:
        page.close()


def test_facilitator_dashboard(browser: Any, axe: str, dashboard_url: str) -> None:
    from playwright.sync_api import expect

    page = open_page(browser, dashboard_url)
    try:
        expect(page.locator(".coprod-agenda-row").first).to_be_visible(timeout=RENDER_MS)
        # the sample session has no votes yet: its panels are tables and texts, no charts
        check_page(
            page, axe, title="Live session: facilitator dashboard", h1="Live session", charts=False
        )
        # present mode keeps one h1 (the page's): the projector's title is an h2
        page.get_by_role("button", name="Present").click()
        expect(page.locator(".coprod-present")).to_be_visible(timeout=30_000)
        assert page.locator("h1").count() == 1
        assert axe_violations(page, axe) == []
        page.locator(".coprod-present").get_by_role("button", name="Exit").click()
        expect(page.locator(".coprod-agenda")).to_be_visible(timeout=30_000)
        # a visible focus ring on the agenda's buttons, reached with the keyboard
        ring = None
        for _ in range(200):
            page.keyboard.press("Tab")
            ring = page.evaluate(
                """() => { const el = document.activeElement;
                   const s = getComputedStyle(el);
                   return {text: el.textContent.trim(), visible: el.matches(':focus-visible'),
                           style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"""
            )
            if ring["text"] in ("Open", "Close"):
                break
        assert ring is not None and ring["text"] in ("Open", "Close"), ring
        assert ring["visible"] and ring["style"] != "none" and ring["width"] >= 2, ring
        assert page.errors == []  # type: ignore[attr-defined]
    finally:
        page.close()


def test_budget_rules_differ_by_more_than_colour() -> None:
    """The budget chart's series: each its own colour AND its own fill pattern, and a direct
    label on every bar (no colour as the only cue)."""
    from coprod_analytics import load_inquiry
    from coprod_widgets.preferences.figures import rules_figure, satisfaction_figure
    from coprod_widgets.preferences.state import BudgetState

    state = BudgetState(load_inquiry(SAMPLE))
    for fig in (rules_figure(state), satisfaction_figure(state)):
        colours = [t.marker.color for t in fig.data]
        patterns = [t.marker.pattern.shape or "" for t in fig.data]
        assert len(fig.data) >= 2
        assert len(set(colours)) == len(colours), colours
        assert len(set(patterns)) == len(patterns), patterns
    rules = rules_figure(state)
    assert all(t.text and all(str(x).split()[0] in ("served", "spent") for x in t.text)
               for t in rules.data)  # fmt: skip
