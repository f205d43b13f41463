"""How soon a phone on a weak signal can answer: from opening the participant address to the
first activity drawn and taking an answer, in headless Chromium on Chromium's "Slow 3G"
profile (400 ms latency, ~400 kbit/s each way; target: within 3 s), and the bytes on the wire.

Measured in the same run: the baseline (the same page without throttling) and Slow 3G, each on
a first visit (joins) in English and in Spanish (its catalog inline in the page). The ratio to the
3 s target is printed; nothing is asserted (tests never time things:
tests/test_slow3g_participant.py checks the byte budget and that the page gets there).

Run: .venv/bin/python benchmarks/bench_phone_load.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

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
SLOW_3G = {
    "offline": False,
    "latency": 400,
    "downloadThroughput": 400 * 1024 / 8,
    "uploadThroughput": 400 * 1024 / 8,
}
TARGET_S = 3.0


def make_session(db: Path) -> None:
    with SessionStore(db, title="Weak signal") as s:
        s.add_statements([f"Statement {i}" for i in range(10)])
        s.define_activities(
            [
                {"activity_id": "statements", "kind": "statements", "title": "Agree or disagree",
                 "open": True, "items": []},
                {"activity_id": "r", "kind": "ratings", "title": "Ratings", "open": True,
                 "items": [{"item_id": i, "text": f"Item {i}"} for i in range(1, 4)]},
            ]
        )  # fmt: skip


def open_once(browser: Any, url: str, *, slow: bool) -> tuple[float, int]:
    """Seconds to a usable page and bytes on the wire, in a fresh context (a first visit)."""
    ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    if slow:
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
    sizes: dict[str, float] = {}
    cdp.on(
        "Network.loadingFinished",
        lambda e: sizes.__setitem__(e["requestId"], e["encodedDataLength"]),
    )
    t = time.perf_counter()
    page.goto(url, wait_until="commit")
    page.wait_for_selector("#tabs:not([hidden])", timeout=120_000)
    page.wait_for_selector("#activity:not([hidden]) section.item, #vote:not([hidden])")
    took = time.perf_counter() - t
    ctx.close()
    return took, int(sum(sizes.values()))


def main() -> None:
    from playwright.sync_api import sync_playwright

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "s.db"
        make_session(db)
        proc = subprocess.Popen(
            [sys.executable, "-m", "coprod_analytics.cli", "serve", str(db), "--port", "0",
             "--no-qr", "--no-dashboard"],
            stdout=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        assert proc.stdout is not None
        url = None
        for line in proc.stdout:
            if m := re.match(r"Participants: (\S+)", line):
                url = m.group(1)
                break
        if url is None:
            sys.exit("coprod serve did not start")
        try:
            with sync_playwright() as pw:
                b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
                open_once(b, url, slow=False)  # warm-up
                print(f"{'case':<28} {'median s':>9} {'bytes':>8} {'vs 3 s':>7}")
                for lang in ("en", "es"):
                    target = url + ("" if lang == "en" else f"?lang={lang}")
                    for slow in (False, True):
                        runs = [open_once(b, target, slow=slow) for _ in range(args.repeat)]
                        med = statistics.median(r[0] for r in runs)
                        name = f"{lang} {'Slow 3G' if slow else 'baseline (no throttle)'}"
                        print(f"{name:<28} {med:>9.2f} {runs[-1][1]:>8} {med / TARGET_S:>6.2f}x")
                b.close()
        finally:
            proc.terminate()
            proc.wait(30)


if __name__ == "__main__":
    main()
