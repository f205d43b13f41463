"""The static report's crowd, agreement and evidence sections."""

from __future__ import annotations

import re

import polars as pl
import pytest

from coprod_analytics import Inquiry, sample_inquiry
from coprod_widgets.report import build_report

EVIL = "<script>alert('x')</script>"


@pytest.fixture(scope="module")
def page() -> str:
    inq = sample_inquiry()
    items = inq.tables["evidence_items"].with_columns(
        pl.when(pl.col("evidence_id") == 3).then(pl.lit(EVIL)).otherwise("title").alias("title")
    )
    questions = inq.tables["questions"].with_columns(
        pl.when(pl.col("question_id") == 2).then(pl.lit(EVIL)).otherwise("text").alias("text")
    )
    return build_report(inq.with_tables(evidence_items=items, questions=questions), min_cell=5)


def _section(page: str, key: str) -> str:
    m = re.search(rf'<section id="{key}".*?</section>', page, flags=re.S)
    assert m, key
    return m.group(0)


def test_sections_present_in_order(page: str) -> None:
    keys = re.findall(r'<section id="([^"]+)"', page)
    i = [keys.index(k) for k in ("crowd-estimates", "agreement", "evidence", "provenance")]
    assert i == sorted(i)


def test_crowd_section(page: str) -> None:
    s = _section(page, "crowd-estimates")
    assert s.count("Diversity Prediction Theorem") == 4  # every question has a truth
    # the sample's questions table names the forecast (101) since it gained the question types
    assert "Delphi rounds" in s and "surprisingly popular" in s and "bus lane on Station Road" in s
    assert s.count('<figure class="chart" ') >= 4 * 3 + 2
    assert "<details" in s and 'aria-label="Spread of the guesses"' in s


def test_agreement_section(page: str) -> None:
    s = _section(page, "agreement")
    assert "Krippendorff&#x27;s alpha" in s or "Krippendorff's alpha" in s
    assert "raters agree poorly" in s and "Kendall" in s and "0.667" in s
    assert '<figure class="chart" ' in s


def test_evidence_section_escaped_and_grouped(page: str) -> None:
    s = _section(page, "evidence")
    assert EVIL not in page
    assert "&lt;script&gt;" in s
    assert "opinion groups found from the votes" in s  # says which groups
    assert s.count('<figure class="chart" ') == 2


def test_small_cells_suppressed_in_published_tables() -> None:
    inq = sample_inquiry()
    ev = inq.tables["evidence"]
    # one evidence item rated by only 3 people
    few = ev.filter(pl.col("evidence_id") == 1).head(3)
    rest = ev.filter(pl.col("evidence_id") != 1)
    page = build_report(inq.with_tables(evidence=pl.concat([rest, few])), min_cell=5)
    s = _section(page, "evidence")
    assert "Traffic counts on the High Street" not in s
    assert "1 item(s) rated by fewer than 5 people are not shown" in s
    # a threshold above every group size hides every group breakdown
    page = build_report(inq, min_cell=40)
    s = _section(page, "evidence")
    assert "not shown (a group of fewer than 40)" in s


def test_sections_absent_without_data() -> None:
    page = build_report(
        Inquiry({"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1]}), min_cell=0
    )
    for key in ("crowd-estimates", "agreement", "evidence"):
        assert f'<section id="{key}"' not in page
