"""Static report sections of deliberation change, Q-methodology and representativeness."""

from __future__ import annotations

import re

import polars as pl
import pytest

pytest.importorskip("plotly")

from conftest import require_shared
from test_widgets_deliberation import CENSUS, EVIL

from coprod_analytics import Inquiry, sample_inquiry
from coprod_analytics.deliberation import simulate_panel
from coprod_widgets.report import build_report


def _evil(col: str, old: str) -> pl.Expr:
    return pl.when(pl.col(col) == old).then(pl.lit(EVIL)).otherwise(col).alias(col)


@pytest.fixture(scope="module")
def page() -> str:
    q = pl.read_csv(require_shared("reference", "qmethod_lipset", "qsorts.csv"))
    q = q.rename({q.columns[0]: "statement_id"})
    qlong = q.unpivot(index="statement_id", variable_name="participant_id", value_name="score")
    panel = simulate_panel(150, 4, seed=2).panel.with_columns(_evil("item_id", "q4"))
    inq = sample_inquiry()
    inq = Inquiry(
        inq.vote_log,
        inq.statements,
        inq.participants.with_columns(_evil("area", "Old Town")),
        metadata=inq.metadata,
        tables={
            "panel": panel,
            "qsorts": qlong,
            "population": CENSUS.with_columns(_evil("category", "Old Town")),
        },
    )
    return build_report(inq, seed=0, min_cell=11)


def _section(page: str, key: str) -> str:
    return page.split(f'<section id="{key}"')[1].split("</section>")[0]


def test_sections_present_in_order(page: str) -> None:
    ids = re.findall(r'<section id="([^"]+)"', page)
    assert ids[-4:] == ["deliberation-change", "q-method", "representativeness", "provenance"]
    assert "Benjamini-Hochberg" in _section(page, "deliberation-change")
    assert "parameters of paired_shift" in page and "parameters of q_method" in page


def test_hostile_texts_escaped(page: str) -> None:
    assert EVIL not in page
    assert "&lt;script&gt;alert" in _section(page, "deliberation-change")
    assert "&lt;script&gt;alert" in _section(page, "representativeness")


def test_small_cells_suppressed_and_said(page: str) -> None:
    # 10 participants aged 16-24 < 11: their count and share are not published
    sec = _section(page, "representativeness")
    rows = re.findall(r"<tr><td>16-24</td><td>([^<]*)</td><td>([^<]*)</td>", sec)
    assert len(rows) >= 2  # the chart's text alternative and the table
    for n, share in rows:
        assert n in ("", "suppressed") and share in ("", "–")
    assert "fewer than 11 people" in sec
    assert "Cells with fewer than 11 participants are suppressed" in _section(page, "provenance")


def test_charts_inline_with_text_alternatives(page: str) -> None:
    for key in ("deliberation-change", "q-method", "representativeness"):
        sec = _section(page, key)
        assert 'class="plotly-graph-div"' in sec
        assert '<details class="alt">' in sec


def test_qsorts_published_under_pseudonyms(page: str) -> None:
    sec = _section(page, "q-method")
    assert "Q-sort 1" in sec
    assert "US1" not in sec and "JP5" not in sec
