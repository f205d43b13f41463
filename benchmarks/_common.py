"""Helpers shared by the benchmarks: timing (best of N) and where the reference data is."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    env = os.environ.get("COPROD_SHARED_DATA")
    path = Path(env) if env else ROOT.parent / "shared" / "data"
    if not path.exists():
        sys.exit(f"reference data not found at {path}; set COPROD_SHARED_DATA")
    return path


def best_of(fn: Callable[[], Any], repeat: int = 5) -> float:
    """Best wall-clock seconds of ``repeat`` runs (after one warm-up run)."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)
