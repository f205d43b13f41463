"""Static report sections of budgets and rankings: present only with such data, escaped,
small cells suppressed, charts inline (plotly.js once, no CDN)."""

from __future__ import annotations

import re
import subprocess
import sys

import polars as pl
from conftest import require_shared

from coprod_analytics import Inquiry, sample_inquiry
from coprod_analytics.io.pabulib import PBElection, pb_election
from coprod_analytics.preferences import ballots_from_orders
from coprod_widgets.report import build_report


def _budget_tables(e: PBElection) -> dict[str, pl.DataFrame]:
    """The budget tables of an election, as an Inquiry stores them."""
    return dict(e.to_inquiry().tables)


def test_coprod_export_of_a_pb_file(tmp_path) -> None:
    pb = require_shared("pabulib", "poland_warszawa_2023_mokotow.pb")
    out = tmp_path / "r.html"
    subprocess.run(
        [sys.executable, "-m", "coprod_analytics", "export", str(pb), "-o", str(out)],
        check=True,
        capture_output=True,
        text=True,
    )
    page = out.read_text(encoding="utf-8")
    assert '<section id="budget"' in page and '<section id="provenance"' in page
    assert '<section id="opinion-groups"' not in page  # no votes: no consensus sections
    assert 'src="https://cdn.plot.ly' not in page and page.count("coprod-fig-") >= 2
    assert 'aria-label="Rules compared"' in page
    assert 'aria-label="Voters served and budget spent per rule"' in page
    assert "as funded (file)" in page and "Method of Equal Shares" in page
    assert "EJR / PJR were not checked" in page  # 81 projects: too slow for a report
    assert re.search(r"counts of fewer than 5 voters are not shown", page)


def test_sections_escape_suppress_and_apply_only_with_data() -> None:
    e = pb_election({"p1": 10, "p2": 10}, [["p1"]] * 7 + [["p2"]] * 2, budget=10)
    tables = _budget_tables(e)
    tables["budget_projects"] = tables["budget_projects"].with_columns(
        name=pl.Series(["<img src=x onerror=alert(1)>", "fine"])
    )
    ballots = ballots_from_orders(["ab", "ba", "ab"])
    page = build_report(Inquiry(tables={**tables, "rankings": ballots}), min_cell=5)
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    # p2's 2 votes and the 2 voters it serves are hidden: the section counts what it hid
    hidden = re.search(r"counts of fewer than 5 voters are not shown \((\d+) hidden\)", page)
    assert hidden and int(hidden.group(1)) > 0
    assert re.search(r"Budget: \d+ vote or satisfaction counts", page)  # in provenance
    assert "Rankings from fewer than 5 ballots are not shown" in page
    shown = build_report(Inquiry(tables={"rankings": ballots}), min_cell=0)
    assert 'aria-label="Rankings side by side"' in shown and '<section id="budget"' not in shown
    # an inquiry without budgets or rankings has neither section
    sample = sample_inquiry()  # its budget, rankings and pairwise tables left out
    priorities = ("budget_projects", "budget_votes", "budget_meta", "rankings", "pairwise")
    plain = build_report(
        Inquiry(
            sample.vote_log,
            sample.statements,
            sample.participants,
            metadata=sample.metadata,
            tables={k: t for k, t in sample.tables.items() if k not in priorities},
        )
    )
    assert '<section id="budget"' not in plain and '<section id="rankings"' not in plain


def test_pairwise_section_has_the_forest_plot_and_next_pair() -> None:
    comps = pl.DataFrame(
        {
            "winner": ["a", "a", "b", "c", "b"],
            "loser": ["b", "b", "c", "a", "a"],
            "participant_id": [1, 2, 3, 4, 5],
        }
    )
    page = build_report(Inquiry(tables={"pairwise": comps}), min_cell=5)
    assert 'aria-label="Bradley–Terry strengths"' in page and "Ask next:" in page
    few = build_report(Inquiry(tables={"pairwise": comps.head(3)}), min_cell=5)
    assert "Pairwise strengths from fewer than 5 raters are not shown" in few
    assert "Ask next:" not in few
