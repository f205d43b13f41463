"""``coprod demo``: the main job on the sample inquiry shipped in ``data/``."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

SAMPLE_DIR_NAME = "sample-inquiry"


def sample_path(data_dir: Path | None = None) -> Path:
    """The sample inquiry folder: ``data/sample-inquiry`` of a checkout, else written afresh
    to a temporary folder (an installed package has no ``data/``)."""
    if data_dir is None:
        data_dir = Path(__file__).resolve().parents[2] / "data"
    here = data_dir / SAMPLE_DIR_NAME
    if (here / "votes.csv").exists():
        return here
    from coprod_analytics.cli.simulate import write_inquiry_folder
    from coprod_analytics.simulate import sample_inquiry

    out = Path(tempfile.mkdtemp(prefix="coprod-sample-")) / SAMPLE_DIR_NAME
    return write_inquiry_folder(sample_inquiry(), out)


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "demo",
        help="run the demo on the sample citizens' inquiry",
        description="Run the demo on the sample citizens' inquiry shipped in data/.",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from coprod_analytics.cli.summary import summary_text

    path = sample_path()
    print(f"Sample inquiry: {path}\n")
    print(summary_text(path))
    return 0
