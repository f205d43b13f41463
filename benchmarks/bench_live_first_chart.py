"""How soon the facilitator sees a chart: from opening the dashboard's address to the first
plotly chart drawn in headless Chromium (target: within 3 s).

Two ways of serving the same notebook on the same session database, measured in the same run:

- baseline: a plain Voila server, which starts a kernel and runs the notebook when the page is
  requested (what `coprod serve` did before);
- default: what `coprod serve` does now: a preheated kernel that has already run the notebook
  (``--preheat_kernel``), the address printed only once that kernel is ready.

Each is opened ``--repeat`` times on a fresh server (the first page takes the preheated kernel).

Run: .venv/bin/python benchmarks/bench_live_first_chart.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from coprod_analytics.session import NewEvent, SessionStore
from coprod_analytics.simulate import simulate_inquiry
from coprod_apps import app_notebook
from coprod_apps.launcher import start_voila
from coprod_apps.live.serve import dashboard_ready

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
CHART = ".js-plotly-plot .main-svg"


def make_session(db: Path) -> None:
    """200 participants on 30 statements: enough votes for opinion groups."""
    src = simulate_inquiry(200, 30, n_groups=3, seed=3)
    with SessionStore(db, title="First chart") as s:
        s.add_statements([f"Statement {i}" for i in range(30)])
        ids = {p: s.join() for p in sorted(set(src.votes["participant_id"].to_list()))}
        s.append(
            [
                NewEvent("vote", participant_id=ids[p], statement_id=sid, vote=v)
                for p, sid, v in src.votes.select("participant_id", "statement_id", "vote").rows()
            ]
        )


def open_once(browser, url: str) -> float:  # type: ignore[no-untyped-def]
    page = browser.new_page()
    try:
        t = time.perf_counter()
        page.goto(url)
        page.wait_for_selector(CHART, timeout=120_000)
        return time.perf_counter() - t
    finally:
        page.close()


def measure(browser, db: Path, *, preheat: bool, repeat: int) -> list[float]:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(repeat):
        ready = Path(tempfile.mkdtemp()) / "ready"
        env = {"COPROD_SESSION_DB": str(db)}
        if preheat:
            env["COPROD_DASHBOARD_READY"] = str(ready)
        server = start_voila(app_notebook("live_dashboard.ipynb"), env=env, preheat=preheat)
        try:
            if preheat:
                dashboard_ready(ready, server, timeout=300)
            times.append(open_once(browser, server.url))
        finally:
            server.stop()
    return times


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "s.db"
        make_session(db)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
            try:
                base = measure(browser, db, preheat=False, repeat=args.repeat)
                fast = measure(browser, db, preheat=True, repeat=args.repeat)
            finally:
                browser.close()
    mb, mf = statistics.median(base), statistics.median(fast)
    print("Opening the live dashboard -> first chart drawn (headless Chromium, 2 cores)")
    print(f"  baseline, kernel started on request : median {mb:5.2f} s  runs {_fmt(base)}")
    print(f"  default, preheated kernel           : median {mf:5.2f} s  runs {_fmt(fast)}")
    print(f"  ratio baseline / default            : {mb / mf:5.1f}x   (target: default < 3 s)")
    sys.stdout.flush()


def _fmt(xs: list[float]) -> str:
    return ", ".join(f"{x:.2f}" for x in xs)


if __name__ == "__main__":
    main()
