"""The interactive outputs protect people too (issue 17): the Voila report and a published
app (``coprod publish``) draw the published figures when ``min_cell`` is set, the page a
reader gets is audited in-process (every panel opened), ``coprod publish`` refuses an app
that fails the audit, and the weights summary gives no hidden category size away."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import polars as pl
import pytest

pytest.importorskip("plotly")

from test_published_audit import _population_inquiry

from coprod_analytics import Inquiry, sample_inquiry
from coprod_analytics.cli import main
from coprod_apps.report_app import app_parameters, report_app
from coprod_widgets.dashboard import ConsensusDashboard
from coprod_widgets.deliberation.figures import representation_html
from coprod_widgets.deliberation.state import RepresentationState
from coprod_widgets.report.audit import audit_dashboard, dashboard_page


@pytest.fixture(scope="module")
def sample_app() -> ConsensusDashboard:
    # what the Voila report shows: report_app with the app's default parameters
    params = app_parameters({})
    assert params["min_cell"] == 5
    dash = report_app(None, seed=params["seed"], min_cell=params["min_cell"])
    assert isinstance(dash, ConsensusDashboard)
    return dash


def test_the_voila_report_passes_the_audit_with_every_panel_open(
    sample_app: ConsensusDashboard,
) -> None:
    audit = audit_dashboard(sample_app)
    assert audit.passed, audit.summary()
    # the audit read every part a reader can open: panels, stability, the whole board
    assert {"header", "opinion-map", "board", "board-all", "stability", "footer"} <= set(
        audit.sections
    )
    assert set(sample_app.panels) <= set(audit.sections) and len(sample_app.panels) >= 3
    assert audit.n_figures >= 10


def test_the_same_dashboard_without_min_cell_fails(sample_app: ConsensusDashboard) -> None:
    # the audit has teeth: the analyst's unprotected view gives small counts away
    open_dash = ConsensusDashboard(sample_inquiry(), min_cell=0, progress=False)
    audit = audit_dashboard(open_dash, min_cell=5)
    assert not audit.passed
    sections = {f.section for f in audit.findings}
    assert "board" in sections  # percentages x n on the statement board


def test_published_views_draw_no_person_and_withhold_sizes(sample_app: ConsensusDashboard) -> None:
    fig = sample_app.opinion_map.figure.figure
    groups = [t for t in fig.data if t.name != "Statements"]
    assert groups and all(t.mode == "lines" for t in groups)
    assert not any("Not clustered" in t.name for t in fig.data)
    # the board is the published one: shares of fewer than 5 voters are withheld
    cards = sample_app.board.cards.value
    assert "fewer than 5" in cards or "withheld" in cards


def test_a_small_group_is_withheld_with_a_complementary_one() -> None:
    from coprod_analytics.consensus import opinion_groups
    from coprod_widgets.consensus.state import ConsensusState
    from coprod_widgets.html import header_html

    res = opinion_groups(sample_inquiry(), progress=False)
    sizes = dict(res.groups.select("group", "size").iter_rows())
    # a min_cell above the smaller group: its size is not printed and neither is the other
    # one (the clustered total minus the other would give it)
    limit = min(sizes.values()) + 1
    state = ConsensusState.from_result(res, min_cell=limit)
    head = header_html(state)
    assert all(f"{n:,} people" not in head for n in sizes.values())
    assert f"fewer than {limit} people" in head and "size withheld" in head
    table = state.group_table()
    assert table.get_column("size").null_count() == len(sizes)


def test_population_with_a_category_of_three_passes(tmp_path: Path) -> None:
    inq = _population_inquiry()
    dash = ConsensusDashboard(inq, min_cell=5, progress=False)
    audit = audit_dashboard(dash)
    assert audit.passed, audit.summary()
    page = dashboard_page(dash)
    # the representation panel was opened and its hidden category is named, not counted
    assert "85+" in page and "Raking weights" in page


def _recover_from_weights(
    text: str, targets: dict[str, float], shown: dict[str, float]
) -> set[int]:
    """The attack: with one raking attribute a category's weight is target x n / size, so
    the printed min and max weight and the design effect give hidden sizes away.

    ``targets``: every category's published target share; ``shown``: the published
    unweighted shares (the hidden ones are absent). Returns the sizes of the hidden
    categories that the printed numbers single out."""
    m = re.search(
        r"(\d+) participants, weights from ([\d.]+) to ([\d.]+), design effect ([\d.]+)", text
    )
    if m is None:
        return set()
    n, w_lo, w_hi, deff = int(m.group(1)), *(float(m.group(i)) for i in (2, 3, 4))
    known = {c: round(s * n) for c, s in shown.items()}
    hidden = [c for c in targets if c not in shown]
    rest = n - sum(known.values())
    found: set[int] = set()
    # the extremes: size = target x n / weight, an integer for the category it belongs to
    for c in hidden:
        for w in (w_lo, w_hi):
            size = targets[c] * n / w
            if abs(size - round(size)) < 0.02 and 0 < round(size) <= rest:
                found.add(round(size))
                if len(hidden) == 2:
                    found.add(rest - round(size))
    # the design effect: sum of target^2 x n / size over the categories, one split fits
    if len(hidden) == 2:
        a, b = hidden
        fits = [
            k
            for k in range(1, rest)
            if abs(
                sum(targets[c] ** 2 * n / known[c] for c in known)
                + targets[a] ** 2 * n / k
                + targets[b] ** 2 * n / (rest - k)
                - deff
            )
            < 0.005
        ]
        if len(fits) == 1:
            found |= {fits[0], rest - fits[0]}
    return found


def test_the_weights_summary_gives_no_hidden_size_away() -> None:
    inq = _population_inquiry()
    pop = inq.tables["population"]
    targets = dict(pop.select("category", "share").iter_rows())
    true_three = 3
    # before: the analyst's view (min_cell=0 prints every number) -- and what the published
    # page would give if it printed the weights next to the hidden shares
    open_state = RepresentationState(inq.participants, pop, min_cell=0)
    open_state.attribute = "age_band"
    protected = RepresentationState(inq.participants, pop, min_cell=5)
    protected.attribute = "age_band"
    margins = protected.weights().margins
    shown = {c: s for c, s in margins.select("category", "unweighted").iter_rows() if s is not None}
    assert len(shown) == 4  # 85+ (3 people) hidden with a complementary category
    leaked = _recover_from_weights(representation_html(open_state), targets, shown)
    assert true_three in leaked  # the attack works on the printed numbers
    # after: the published page does not print them
    html = representation_html(protected)
    assert "weights from" not in html and not re.search(r"design effect \d|effective n \d", html)
    assert "the design effect and the effective n are not shown" in html
    assert _recover_from_weights(html, targets, shown) == set()


def test_weights_are_printed_when_nothing_is_hidden() -> None:
    ppl = pl.DataFrame({"participant_id": range(40), "age": ["young"] * 10 + ["old"] * 30})
    pop = pl.DataFrame(
        {"attribute": ["age"] * 2, "category": ["old", "young"], "share": [0.5, 0.5]}
    )
    html = representation_html(RepresentationState(ppl, pop, min_cell=5))
    assert "design effect" in html and "weights from" in html


def test_publish_refuses_a_leaky_app(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from coprod_analytics.io.parquet import write_parquet
    from coprod_widgets import html as html_module

    src = write_parquet(sample_inquiry(), tmp_path / "inq")
    out = tmp_path / "app"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False)
    # a leak in the interactive page only (the header prints a 3-person group)
    real = html_module.header_html

    def leaky(state, *, title=True):  # type: ignore[no-untyped-def]
        return real(state, title=title).replace("</div>", "<p>Only 3 people over 85.</p></div>")

    monkeypatch.setattr("coprod_widgets.dashboard.header_html", leaky)
    assert main(["publish", str(src), "-o", str(out), "--no-wheel", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "coprod publish: not written: section 'app: header': count 3" in err
    assert not out.exists()
    # asked for explicitly, everything is published (no audit)
    args = ["publish", str(src), "-o", str(out), "--no-wheel", "--no-progress", "--min-cell", "0"]
    assert main(args) == 0
    assert (out / "report.ipynb").exists()


def test_publish_writes_a_clean_app(tmp_path: Path) -> None:
    from coprod_apps.publish import publish_app

    inq: Inquiry = _population_inquiry()
    out = publish_app(inq, tmp_path / "app", wheel=False, progress=False)
    assert (out / "run.py").read_text().count("COPROD_MIN_CELL', '5'") == 1
