"""The published-output audit (issue 17): a report is read back and searched for counts
below min_cell; ``coprod export`` refuses to write one that fails."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("plotly")

from coprod_analytics import Inquiry, sample_inquiry
from coprod_analytics.cli import main
from coprod_widgets.report import ReportContext, build_report
from coprod_widgets.report.audit import ReportAudit, audit_report


@pytest.fixture(scope="module")
def sample_page() -> str:
    # resampling on, so the membership-confidence histogram is in the page too
    return build_report(
        sample_inquiry(),
        seed=0,
        min_cell=5,
        options={"opinion_groups": {"stability": True, "n_resamples": 50, "progress": False}},
    )


def _population_inquiry() -> Inquiry:
    """The sample with three people aged 85+ and a population table naming that band."""
    inq = sample_inquiry()
    ppl = inq.participants
    three = ppl.get_column("participant_id").head(3).to_list()
    ppl = ppl.with_columns(
        pl.when(pl.col("participant_id").is_in(three))
        .then(pl.lit("85+"))
        .otherwise(pl.col("age_band"))
        .alias("age_band")
    )
    assert ppl.filter(pl.col("age_band") == "85+").height == 3
    pop = pl.DataFrame(
        {
            "attribute": ["age_band"] * 6,
            "category": ["16-24", "25-34", "35-49", "50-64", "65+", "85+"],
            "share": [0.14, 0.17, 0.25, 0.24, 0.18, 0.02],
        }
    )
    return Inquiry(
        inq.vote_log,
        inq.statements,
        ppl,
        metadata=inq.metadata,
        tables={**inq.tables, "population": pop},
    )


def test_audit_passes_on_every_section_of_the_sample_report(sample_page: str) -> None:
    audit = audit_report(sample_page, min_cell=5)
    assert isinstance(audit, ReportAudit)
    assert audit.passed, audit.summary()
    assert {"overview", "opinion-groups", "statements", "stability", "crowd-estimates"} <= set(
        audit.sections
    )
    assert audit.sections[-1] == "provenance"
    assert audit.n_figures >= 10 and audit.n_tables >= 10
    assert audit.to_frame().height == 0
    assert audit.summary().startswith("passed")
    stability = sample_page.split('<section id="stability"')[1].split("</section>")[0]
    assert "How sure each person" in stability  # the confidence histogram was audited


def test_audit_finds_what_an_unprotected_report_gives_away() -> None:
    page = build_report(sample_inquiry(), seed=0, min_cell=0)
    audit = audit_report(page, min_cell=5)
    assert not audit.passed
    found = audit.to_frame()
    sections = set(found["section"].to_list())
    # the findings: board percentages x n, boxes of every guess, forecast bins
    assert {"overview", "statements", "crowd-estimates"} <= sections
    whats = " | ".join(found["what"].to_list())
    assert "draws individual points" in whats
    assert "histogram 'forecasts' has bins of" in whats
    assert audit.summary().startswith(f"failed: {found.height} count(s) below 5")
    # min_cell 0 or 1: nothing is small
    assert audit_report(page, min_cell=0).passed


def test_audit_passes_with_a_category_of_three_people() -> None:
    page = build_report(_population_inquiry(), seed=0, min_cell=5)
    assert '<section id="representativeness"' in page
    audit = audit_report(page, min_cell=5)
    assert audit.passed, audit.summary()


@dataclass(frozen=True)
class Leaky:
    """A section that publishes what it must not (so the audit can fail)."""

    kind: str
    key: str = "leaky"
    title: str = "Leaky"
    order: int = 900

    def applies(self, ctx: ReportContext) -> bool:
        return True

    def render(self, ctx: ReportContext) -> str:
        import plotly.graph_objects as go

        if self.kind == "table":
            return (
                "<table aria-label='Ages'><thead><tr><th>age</th><th>n</th></tr></thead>"
                "<tbody><tr><td>85+</td><td>3</td></tr></tbody></table>"
            )
        if self.kind == "share":
            return (
                "<table aria-label='Areas'><thead><tr><th>area</th><th>votes</th>"
                "<th>agree_rate</th></tr></thead><tbody><tr><td>x</td><td>20</td>"
                "<td>15%</td></tr></tbody></table>"
            )
        if self.kind == "text":
            return "<p>Only 2 people over 85 took part.</p>"
        if self.kind == "histogram":
            fig = go.Figure(go.Histogram(x=[0.1] * 12 + [0.9] * 2, xbins={"start": 0, "size": 0.1}))
            return ctx.figure_html(fig, alt="")
        fig = go.Figure(go.Bar(x=["a", "b"], y=[12, 3]))
        fig.update_yaxes(title="people")
        return ctx.figure_html(fig, alt="")


@pytest.mark.parametrize(
    ("kind", "what"),
    [
        ("table", "count 3 in column 'n'"),
        ("share", "15% in column 'agree_rate' of 20 gives 3 people"),
        ("text", "count 2 in text"),
        ("histogram", "bins of [2] people"),
        ("bar", "bars of [3]"),
    ],
)
def test_a_leaky_section_fails_the_audit(kind: str, what: str) -> None:
    page = build_report(sample_inquiry(), seed=0, min_cell=5, sections=[Leaky(kind)])
    audit = audit_report(page, min_cell=5)
    assert not audit.passed
    assert [f.section for f in audit.findings] == ["leaky"]
    assert what in audit.findings[0].what


def test_export_refuses_a_leaky_report(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from coprod_analytics.io.parquet import write_parquet
    from coprod_widgets.report import builder

    src = write_parquet(sample_inquiry(), tmp_path / "inq")
    monkeypatch.setattr(builder, "_family_sections", lambda: [Leaky("table")])
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    out = tmp_path / "r.html"
    assert main(["export", str(src), "-o", str(out), "--no-stability"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "not written: section 'leaky': count 3 in column 'n'" in err
    assert not out.exists()
    # asked for explicitly, everything is published
    assert main(["export", str(src), "-o", str(out), "--no-stability", "--min-cell", "0"]) == 0
    assert out.exists()


def test_audit_reads_a_file(tmp_path: Path, sample_page: str) -> None:
    path = tmp_path / "report.html"
    path.write_text(sample_page, encoding="utf-8")
    assert audit_report(path).passed
    assert audit_report(str(path)).passed


def test_participants_words_are_not_read_as_counts() -> None:
    # a statement saying "3 people" is what someone wrote, not a count the report makes
    card = '<div class="card"><div class="text">Only 3 people use the <b>bus</b>.</div></div>'
    table = (
        "<table><thead><tr><th>text</th><th>votes</th></tr></thead>"
        "<tbody><tr><td>We 2 people asked</td><td>40</td></tr></tbody></table>"
    )
    assert audit_report(f'<section id="s">{card}{table}</section>').passed
    leak = f'<section id="s">{card}<p>4 people agreed.</p></section>'
    assert [f.what for f in audit_report(leak).findings] == ["count 4 in text '4 people agreed.'"]


def test_a_table_whose_own_audit_failed_fails_the_report() -> None:
    # the note suppress_small_cells prints under a table its linear-system audit failed
    from coprod_analytics.privacy import suppress_small_cells

    # group A is one cell of 3 and its total is published: nothing can protect it
    t = pl.DataFrame({"group": ["A", "B", "B"], "n": [3, 9, 12]})
    res = suppress_small_cells(t, count_column="n", margins=[("group",)])
    assert res.audit is not None and not res.audit.passed
    page = f'<section id="t"><p class="muted">{res.note}</p></section>'
    assert [f.section for f in audit_report(page).findings] == ["t"]
    # a protected table's note ("cannot be worked out") is no finding
    ok = suppress_small_cells(
        pl.DataFrame({"group": ["A", "A", "B", "B"], "n": [3, 9, 1, 12]}),
        count_column="n",
        margins=[("group",), ()],
    )
    assert audit_report(f'<section id="t"><p>{ok.note}</p></section>').passed
    note = (
        "Cells with fewer than 5 participants are suppressed (1 of 4 rows). Some hidden "
        "counts can still be worked out from the totals: merge categories before publishing."
    )
    audit = audit_report(f'<section id="t"><p class="muted">{note}</p></section>')
    assert not audit.passed and "own audit" in audit.findings[0].what


def test_a_share_axis_is_not_read_as_counts() -> None:
    # "share of respondents" on a percent axis: a bar of 1.0 is 100%, not one person
    import plotly.graph_objects as go

    from coprod_widgets.report.audit import audit_report

    fig = go.Figure(go.Bar(x=["a", "b"], y=[1.0, 0.0], name="actual share"))
    fig.update_yaxes(title="share of respondents", tickformat=".0%")
    page = (
        '<section id="s"><h2>S</h2>'
        + fig.to_html(full_html=False, include_plotlyjs=False)
        + "</section>"
    )
    assert audit_report(page, min_cell=5).passed
    counts = go.Figure(go.Bar(x=["a", "b"], y=[1, 7], name="answers"))
    counts.update_yaxes(title="number of respondents")
    leaky = (
        '<section id="s"><h2>S</h2>'
        + counts.to_html(full_html=False, include_plotlyjs=False)
        + "</section>"
    )
    assert not audit_report(leaky, min_cell=5).passed
