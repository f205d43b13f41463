"""``coprod summary PATH``: the analysis summary of an inquiry, in plain words."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "summary",
        help="what the room agrees on, rejects and is divided about",
        description=(
            "Print the analysis summary of an input: participation, the statements the room "
            "agrees with, rejects and is divided about."
        ),
    )
    p.add_argument("path", type=Path, help="input file or folder")
    p.add_argument("--top", type=int, default=5, help="statements per list (default 5)")
    p.set_defaults(func=run)


def summary_text(path: Path, top: int = 5) -> str:
    from coprod_analytics.first_look import overview
    from coprod_analytics.io.load import load_inquiry

    inquiry = load_inquiry(path)
    text = overview(inquiry, top=top).to_text()
    attribution = inquiry.metadata.get("attribution")
    if attribution:
        text += "\n\n" + attribution
    return text


def run(args: argparse.Namespace) -> int:
    print(summary_text(args.path, args.top))
    return 0
