"""Low bandwidth (issue 16): the participant page on Chromium's "Slow 3G" profile, in Debian's
headless Chromium with the DevTools protocol's network emulation
(``Network.emulateNetworkConditions``: 400 ms latency, 400 kbit/s down and up, as DevTools
defines the preset).

Done when (the issue): the first load is under 50 KB on the wire, and the page is usable
within 3 s on Slow 3G. "Usable" is a state the test waits for -- the first activity drawn in
the phone's language with a control that takes an answer (recorded by a ``MutationObserver``
in the page the moment the state appears). The 3 s are asserted as the network makes them:
every request fetched before that state costs one emulated latency and every byte the emulated
throughput, and that sum must stay under 3 s; the browser's own clock for it
(``performance.now()``) is printed here and measured by ``benchmarks/bench_phone_load.py``
(tests wait for states, never assert wall-clock time). The structure that makes it: a first visit is two round trips (the document, with the style,
scripts, catalog and session inline, and the join, whose answer carries the open
activities), a returning phone two (the document, its activities), and nothing is asked of
another host. The inline code runs under a Content-Security-Policy nonce (fresh per answer;
no ``'unsafe-inline'``) and nothing violates it.

One ``coprod serve`` (the session of the accessibility tests: every kind of activity, the
"About you" questions first) and one browser for the module; each test is a new phone."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

import pytest
from browser import PHONE, coprod_serve, launch, require_chromium, until
from test_a11y_participant import seed

pytestmark = [pytest.mark.browser, pytest.mark.slow]

#: Chromium's "Slow 3G" preset (DevTools): 400 ms latency, 400 kbit/s down and up.
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * 1024 / 8,
    "uploadThroughput": 400 * 1024 / 8,
}
#: The first load's budget on the wire (the document and the API answers).
FIRST_LOAD_BYTES = 50 * 1024

#: The issue's target: usable within 3 s on Slow 3G (the browser's clock, emulated network).
USABLE_MS = 3000
#: The usable state: the page in its language and the shown activity taking an answer.
USABLE = (
    "lang => document.documentElement.lang === lang && !!document.querySelector("
    "'#activity:not([hidden]) section.item input:not([disabled]), "
    "#vote:not([hidden]) button:not([disabled])')"
)
#: Recorded in the page from its first moment: when USABLE first holds (performance.now(),
#: from the navigation's start) and every Content-Security-Policy violation.
WATCH = """
(lang => {
  window.__coprod = {usable: null, violations: []};
  document.addEventListener('securitypolicyviolation',
    e => window.__coprod.violations.push(e.violatedDirective + ' ' + e.blockedURI));
  const check = () => {
    if (window.__coprod.usable === null && (%(usable)s)(lang)) {
      window.__coprod.usable = performance.now();
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true,
                                                 attributes: true});
})(%(lang)s);
"""


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    require_chromium()
    tmp = tmp_path_factory.mktemp("slow3g")
    db = tmp / "s.db"
    seed(db, tmp / "inquiry")
    with coprod_serve(db, dashboard=False) as urls:
        yield urls["participant"]


@pytest.fixture(scope="module")
def browser(served: str) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch(pw)
        yield b
        b.close()


@dataclass
class Visit:
    """One phone's visit, throttled or not, with what went over the wire."""

    page: Any
    context: Any
    requests: list[tuple[str, str]] = field(default_factory=list)  # (method, url)
    sizes: dict[str, float] = field(default_factory=dict)  # request id -> bytes on the wire
    policies: list[str] = field(default_factory=list)  # the document's CSP headers
    errors: list[str] = field(default_factory=list)

    def wait_usable(self, lang: str) -> float:
        """Wait for the usable state; the browser's ms from navigation start to it."""
        self.page.wait_for_function(USABLE, arg=lang, timeout=120_000)
        return float(
            until(lambda: self.page.evaluate("() => window.__coprod.usable"), "usable", 60)
        )

    def wait_loaded(self) -> int:
        """Every request so far finished: the bytes on the wire."""
        until(lambda: len(self.sizes) >= len(self.requests), "every request to finish", 60)
        return int(sum(self.sizes.values()))

    def violations(self) -> list[str]:
        return list(self.page.evaluate("() => window.__coprod.violations"))


def open_phone(
    browser: Any, lang: str, *, slow: bool, context: Any = None, **options: Any
) -> Visit:
    """A new page (in a new phone unless ``context``) with the cache off, Slow 3G when
    ``slow``, recording requests, bytes, CSP headers, script errors and the moment it is
    usable in ``lang``."""
    ctx = context or browser.new_context(**{**PHONE, **options})
    page = ctx.new_page()
    visit = Visit(page, ctx)
    page.add_init_script(WATCH % {"usable": USABLE, "lang": json.dumps(lang)})
    page.on("pageerror", lambda exc: visit.errors.append(str(exc)))
    page.on("request", lambda r: visit.requests.append((r.method, r.url)))
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if slow:
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    cdp.on(
        "Network.loadingFinished",
        lambda e: visit.sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )

    def document(e: dict[str, Any]) -> None:
        if e["type"] == "Document":
            headers = {k.lower(): v for k, v in e["response"]["headers"].items()}
            visit.policies.append(headers.get("content-security-policy", ""))

    cdp.on("Network.responseReceived", document)
    return visit


def paths(visit: Visit) -> list[str]:
    """The requests as ``METHOD /path`` (query strings dropped)."""
    return [f"{m} {urlparse(u).path}" for m, u in visit.requests if not u.startswith("data:")]


def test_usable_within_3_s_on_slow_3g_in_two_round_trips(browser: Any, served: str) -> None:
    visit = open_phone(browser, "es", slow=True)
    try:
        visit.page.goto(served + "?lang=es", wait_until="commit")
        usable_ms = visit.wait_usable("es")
        # usable: the first activity ("About you") drawn in Spanish, and it takes an answer
        page = visit.page
        assert page.locator("#skip").inner_text() == "Saltar estas preguntas"
        card = page.locator("section.item").first
        card.get_by_role("radio").first.check()
        assert card.get_by_role("button").first.is_enabled()
        # two round trips: the document (style, scripts, Spanish catalog, session inline)
        # and the join, whose answer carried the open activities
        assert paths(visit) == ["GET /", "POST /api/join"]
        total = visit.wait_loaded()
        host = urlparse(served).netloc
        assert [u for _, u in visit.requests if urlparse(u).netloc != host] == []
        assert visit.violations() == [] and visit.errors == []
    finally:
        visit.context.close()
    print(f"Slow 3G: usable after {usable_ms:.0f} ms (browser clock), {total} bytes")
    assert 0 < total < FIRST_LOAD_BYTES, f"{total} bytes on the wire"
    # the target, as the network makes it: the emulated time of what the page had to
    # fetch before it was usable (each sequential request one latency, every byte at the
    # emulated throughput). No wall-clock assertion: how fast this machine runs the scripts is
    # measured by benchmarks/bench_phone_load.py, which prints the browser's clock.
    network_ms = (
        len(paths(visit)) * SLOW_3G["latency"] + total / SLOW_3G["downloadThroughput"] * 1000
    )
    assert network_ms < USABLE_MS, f"{network_ms:.0f} ms of Slow 3G network before usable"


def test_first_load_under_50_kb_in_every_language(browser: Any, served: str) -> None:
    for lang in ("en", "es", "fr", "pl", "zh-Hant", "ar", "cy"):
        visit = open_phone(browser, lang, slow=False)
        try:
            visit.page.goto(served + f"?lang={lang}", wait_until="commit")
            visit.wait_usable(lang)
            total = visit.wait_loaded()
            assert paths(visit) == ["GET /", "POST /api/join"], lang  # the catalog came inline
            assert visit.violations() == [] and visit.errors == []
        finally:
            visit.context.close()
        print(f"first load in {lang}: {total} bytes")
        assert total < FIRST_LOAD_BYTES, f"{lang}: {total} bytes on the wire"


def test_language_from_the_browser_and_returning_phone(browser: Any, served: str) -> None:
    # no ?lang: the server picks the browser's language (Accept-Language) and inlines it
    visit = open_phone(browser, "cy", slow=True, locale="cy-GB")
    try:
        visit.page.goto(served, wait_until="commit")
        visit.wait_usable("cy")
        assert visit.page.locator("html").get_attribute("dir") == "ltr"
        assert paths(visit) == ["GET /", "POST /api/join"]
        # the same phone again (its token kept): the document and its activities
        again = open_phone(browser, "cy", slow=True, context=visit.context)
        again.page.goto(served, wait_until="commit")
        again.wait_usable("cy")
        assert paths(again) == ["GET /", "GET /api/activities"]
        # a fresh nonce per answer, strict: no 'unsafe-inline', nothing from elsewhere
        policies = visit.policies + again.policies
        assert len(policies) == 2 and policies[0] != policies[1]
        for csp in policies:
            assert "'nonce-" in csp and "unsafe-inline" not in csp
            assert "default-src 'none'" in csp and "script-src 'self' 'nonce-" in csp
        assert again.violations() == [] and again.errors == [] and visit.errors == []
    finally:
        visit.context.close()


def test_language_chosen_before_on_the_phone_wins(browser: Any, served: str) -> None:
    # Arabic chosen on this phone before: the server (which cannot see that choice) inlines
    # the browser's language; the page loads the Arabic catalog and lays out right to left
    visit = open_phone(browser, "ar", slow=False, locale="fr-FR")
    try:
        visit.page.goto(served + "?lang=ar", wait_until="commit")
        visit.wait_usable("ar")
        later = open_phone(browser, "ar", slow=False, context=visit.context)
        later.page.goto(served, wait_until="commit")
        later.wait_usable("ar")
        assert later.page.locator("html").get_attribute("dir") == "rtl"
        assert "GET /static/participant-ar.js" in paths(later)
        assert later.page.locator("#skip").inner_text() != "Skip these questions"
        assert later.violations() == [] and later.errors == []
    finally:
        visit.context.close()


def test_inline_code_is_refused_without_the_nonce(browser: Any, served: str) -> None:
    # the policy is not decoration: a script the server did not stamp does not run
    visit = open_phone(browser, "en", slow=False)
    try:
        visit.page.goto(served + "?lang=en", wait_until="commit")
        visit.wait_usable("en")
        visit.page.evaluate(
            "() => { const s = document.createElement('script');"
            " s.textContent = 'window.__injected = true'; document.body.appendChild(s); }"
        )
        until(lambda: visit.violations(), "the policy's report of the refused script", 60)
        assert visit.page.evaluate("() => window.__injected === undefined")
    finally:
        visit.context.close()
