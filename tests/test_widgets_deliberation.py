"""Deliberation views, headless: input kinds, states (against the core) and what views show."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import traitlets

pytest.importorskip("plotly")

from conftest import require_shared

from coprod_analytics import Inquiry, sample_inquiry
from coprod_analytics.deliberation import (
    compare_to_population,
    deliberative_reason_index,
    did_shift,
    paired_shift,
    rake_weights,
    simulate_panel,
)
from coprod_analytics.errors import ValidationError
from coprod_widgets.dashboard import ConsensusDashboard, Disclosure
from coprod_widgets.deliberation.state import QMethodState, RepresentationState, ShiftState
from coprod_widgets.deliberation.views import QFactorView, RepresentationView, ShiftView

EVIL = '<script>alert("x")</script>'

#: A made-up census of the sample inquiry's town (the shares are invented).
CENSUS = pl.DataFrame(
    {
        "attribute": ["age_band"] * 5 + ["area"] * 5,
        "category": [
            "16-24",
            "25-34",
            "35-49",
            "50-64",
            "65+",
            "Millbrook",
            "North Hill",
            "Old Town",
            "Riverside",
            "Station Quarter",
        ],
        "share": [0.14, 0.17, 0.25, 0.24, 0.20, 0.2, 0.2, 0.2, 0.25, 0.15],
    }
)


@pytest.fixture(scope="module")
def sim():  # type: ignore[no-untyped-def]
    return simulate_panel(240, 6, shift=1.2, seed=3)


@pytest.fixture(scope="module")
def dri_data() -> tuple[pl.DataFrame, pl.DataFrame]:
    """Two groups of 12 whose preferences follow their considerations exactly (DRI = 1)."""
    rng = np.random.default_rng(4)
    cons, prefs = [], []
    for pid in range(24):
        ratings = rng.permutation(8) + 1
        for j, r in enumerate(ratings):
            cons.append((pid, f"g{pid % 2}", f"c{j}", float(r)))
            if j < 6:
                prefs.append((pid, f"o{j}", float(r)))
    return (
        pl.DataFrame(
            cons, schema=["participant_id", "group", "consideration_id", "rating"], orient="row"
        ),
        pl.DataFrame(prefs, schema=["participant_id", "option_id", "rank"], orient="row"),
    )


@pytest.fixture(scope="module")
def lipset_wide() -> pl.DataFrame:
    q = pl.read_csv(require_shared("reference", "qmethod_lipset", "qsorts.csv"))
    return q.rename({q.columns[0]: "statement"})


def _long(wide: pl.DataFrame) -> pl.DataFrame:
    return wide.unpivot(
        index="statement", variable_name="participant_id", value_name="score"
    ).rename({"statement": "statement_id"})


# ------------------------------------------------------------------------ input kinds
def test_inquiry_holds_the_new_kinds(sim, dri_data) -> None:  # type: ignore[no-untyped-def]
    cons, prefs = dri_data
    inq = sample_inquiry().with_tables(
        panel=sim.panel.with_columns(pl.col("value").cast(pl.String)),
        considerations=cons,
        preferences=prefs,
        population=CENSUS,
    )
    assert inq.tables["panel"].schema["value"] == pl.Float64  # validated and cast
    assert inq.tables["population"].height == 10


def test_bad_inputs_are_named() -> None:
    panel = pl.DataFrame(
        {
            "participant_id": [1, 1],
            "item_id": ["q1", "q1"],
            "wave": ["pre", "pre"],
            "value": [1, 2],
        }
    )
    with pytest.raises(ValidationError, match=r"table 'panel'.*duplicate row"):
        sample_inquiry().with_tables(panel=panel)
    pop = CENSUS.with_columns(
        pl.when(pl.int_range(10) == 2).then(-0.1).otherwise("share").alias("share")
    )
    with pytest.raises(ValidationError, match=r"table 'population', row 3, column 'share'"):
        sample_inquiry().with_tables(population=pop)
    with pytest.raises(ValidationError, match="missing required column"):
        sample_inquiry().with_tables(qsorts=pl.DataFrame({"participant_id": [1], "score": [1]}))


# ------------------------------------------------------------------------ deliberation change
def test_shift_state_is_the_core_and_finds_the_planted_items(sim) -> None:  # type: ignore[no-untyped-def]
    state = ShiftState(sim.panel)
    core = paired_shift(sim.panel).table
    table = state.shift_table()
    assert table["estimate"].to_list() == pytest.approx(core["estimate"].to_list())
    assert table["p_adjusted"].to_list() == pytest.approx(core["p_adjusted"].to_list())
    # the planted items come from our own simulator (simulate_panel), not an outside reference
    moving = set(sim.truth.filter(pl.col("moving"))["item_id"].to_list())
    found = set(table.filter(pl.col("p_adjusted") < 0.05)["item_id"].to_list())
    assert moving <= found
    assert "Benjamini-Hochberg" in state.correction_text


def test_shift_by_group_did_and_suppression(sim) -> None:  # type: ignore[no-untyped-def]
    state = ShiftState(sim.panel, min_cell=5)
    state.by = "opinion_group"
    table = state.shift_table()
    assert table.columns[:2] == ["item_id", "opinion_group"]
    assert table.height == 6 * sim.panel["opinion_group"].n_unique()
    with pytest.raises(traitlets.TraitError, match="cannot split by"):
        state.by = "value"
    did = state.did_table()
    assert did is not None
    core = did_shift(sim.panel).table
    assert did["estimate"].to_list() == pytest.approx(core["estimate"].to_list())
    # no control arm -> no DiD
    assert ShiftState(sim.panel.filter(pl.col("arm") == "treatment")).did_table() is None
    # a threshold above every group: everything suppressed, and said
    notes: list[str] = []
    big = ShiftState(sim.panel, min_cell=10_000)
    out = big.shift_table(notes)
    assert out["n"].null_count() == out.height and out["estimate"].null_count() == out.height
    assert notes and "fewer than 10000" in notes[0]
    dist = big.distribution()
    assert dist["n"].null_count() == dist.height


def test_dri_is_the_core_and_beats_chance(dri_data) -> None:  # type: ignore[no-untyped-def]
    cons, prefs = dri_data
    state = ShiftState(considerations=cons, preferences=prefs, n_resamples=99)
    table = state.dri_table()
    assert table is not None
    core = deliberative_reason_index(cons, prefs, group="group", n_resamples=99, seed=0)
    assert table["dri"].to_list() == pytest.approx(core.groups["dri"].to_list())
    # coherent data: every group's DRI sits above the range chance gives
    assert (table["dri"] > table["baseline_high"]).all()
    small = ShiftState(considerations=cons, preferences=prefs, n_resamples=9, min_cell=13)
    t2 = small.dri_table()
    assert t2 is not None and t2["dri"].null_count() == t2.height  # 12 people per group < 13


def test_shift_view_follows_the_state_and_escapes(sim, dri_data) -> None:  # type: ignore[no-untyped-def]
    cons, prefs = dri_data
    panel = sim.panel.with_columns(
        pl.when(pl.col("item_id") == "q2").then(pl.lit(EVIL)).otherwise("item_id").alias("item_id")
    )
    state = ShiftState(panel, considerations=cons, preferences=prefs, n_resamples=19)
    view = ShiftView(state)
    assert "Benjamini-Hochberg" in view.results.value
    assert "<script>" not in view.results.value and "&lt;script&gt;" in view.results.value
    view.item.value = EVIL  # the dropdown sets the state
    assert state.item == EVIL
    assert "<script>" not in view.distribution.layout.title.text
    assert "&lt;script&gt;" in view.alt.value
    state.by = "age_band"
    assert view.by.value == "age_band"
    n_bands = panel["age_band"].n_unique()
    assert len(view.groups.data[0].x) == n_bands
    assert view.dri is not None and "chance" in view.dri_table.value
    assert '<table aria-label="Answers to' in view.alt.value
    # charts are plotly's mimetype in an output area (no plotly.js bundle in widget state),
    # and the output follows the state
    shown = view.groups_chart.outputs[0]["data"]["application/vnd.plotly.v1+json"]
    assert len(shown["data"][0]["x"]) == n_bands
    assert not any(type(w).__name__ == "FigureWidget" for w in view.children)


# ------------------------------------------------------------------------ Q-methodology
@pytest.mark.shared_data
def test_q_state_matches_r_on_lipset(lipset_wide: pl.DataFrame) -> None:
    ref = pl.read_csv(require_shared("reference", "qmethod_lipset", "expected_loadings.csv"))
    state = QMethodState(_long(lipset_wide), n_factors=3)  # the long input kind
    load = state.loadings_table()
    assert load["qsort"].to_list() == ref[ref.columns[0]].to_list()
    np.testing.assert_allclose(
        load.select("f1", "f2", "f3").to_numpy(), ref.drop(ref.columns[0]).to_numpy(), atol=1e-4
    )
    expected = pl.read_csv(
        require_shared("reference", "qmethod_lipset", "expected_distinguishing_consensus.csv")
    )
    expected = expected.rename({expected.columns[0]: "statement"})
    assert sorted(state.consensus_statements()) == sorted(
        expected.filter(pl.col("dist.and.cons") == "Consensus")["statement"].to_list()
    )
    for f in ("f1", "f2", "f3"):
        state.factor = f
        dist = set(state.distinguishing_table()["statement"].to_list())
        ok = expected.filter(
            pl.col("dist.and.cons").is_in([f"Distinguishes {f} only", "Distinguishes all"])
        )["statement"].to_list()
        assert dist == set(ok)
        z = state.statements_table()["zscore"].to_list()
        assert z == sorted(z, reverse=True)


@pytest.mark.shared_data
def test_q_view_pseudonymises_and_follows(lipset_wide: pl.DataFrame) -> None:
    state = QMethodState(lipset_wide, n_factors=3, pseudonymise=True)
    view = QFactorView(state)
    assert list(view.heatmap.data[0].y)[:2] == ["Q-sort 1", "Q-sort 2"]
    assert "US1" not in view.tables.value + view.alt.value
    view.factor.value = "f2"
    assert "Statements of factor f2" in view.tables.value
    state.n_factors = 2
    assert list(view.factor.options) == ["f1", "f2"]
    assert list(view.heatmap.data[0].x) == ["f1", "f2"]
    assert "*" in "".join(np.asarray(view.heatmap.data[0].text).ravel())


# ------------------------------------------------------------------------ representativeness
def test_representation_state_is_the_core_and_suppresses() -> None:
    ppl = sample_inquiry().participants
    state = RepresentationState(ppl, CENSUS, min_cell=5)
    assert state.attributes == ["age_band", "area"]
    core = compare_to_population(ppl, CENSUS, attribute="age_band")
    assert state.comparison_table()["status"].to_list() == core.table["status"].to_list()
    w = rake_weights(
        ppl,
        {
            a: dict(zip(g["category"], g["share"], strict=True))
            for (a,), g in CENSUS.group_by("attribute")
        },
    )
    assert state.weights().design_effect == pytest.approx(w.design_effect)
    assert state.weights().effective_n < ppl.height
    state.min_cell = 11  # 10 people aged 16-24
    row = state.comparison_table().filter(pl.col("category") == "16-24")
    assert row["n"].item() is None and row["sample_share"].item() is None
    assert row["population_share"].item() == pytest.approx(0.14)  # reference values stay


def test_representation_view_with_groups_and_attrition(sim) -> None:  # type: ignore[no-untyped-def]
    ppl = sim.participants.select("participant_id", "age_band", "gender")
    ages = sorted(ppl["age_band"].unique().to_list())
    genders = sorted(ppl["gender"].unique().to_list())
    pop = pl.DataFrame(
        {
            "attribute": ["age_band"] * len(ages) + ["gender"] * len(genders),
            "category": ages + genders,
            "share": [1.0] * (len(ages) + len(genders)),
        }
    )
    groups = sim.participants.select("participant_id", pl.col("opinion_group").alias("group"))
    state = RepresentationState(
        ppl, pop, groups=groups, panel=sim.panel.select("participant_id", "wave")
    )
    view = RepresentationView(state)
    assert "Raking weights" in view.tables.value and "design effect" in view.tables.value
    assert "Make-up of the opinion groups" in view.tables.value
    assert "Who stayed until the post wave" in view.tables.value
    view.attribute.value = "gender"
    assert "gender" in view.figure.layout.title.text
    assert len(view.figure.data[0].x) == len(genders)
    assert "Participants vs population by gender" in view.alt.value


# ------------------------------------------------------------------------ dashboard panels
def test_panels_show_only_with_their_data(sim, dri_data) -> None:  # type: ignore[no-untyped-def]
    cons, prefs = dri_data
    sample = sample_inquiry()  # it holds a panel and a population: take them out
    plain = ConsensusDashboard(
        Inquiry(
            sample.vote_log,
            sample.statements,
            sample.participants,
            metadata=sample.metadata,
            tables={k: v for k, v in sample.tables.items() if k not in ("panel", "population")},
        )
    )
    titles = [c.get_title(0) for c in plain.children if isinstance(c, Disclosure)]
    assert not any("deliberation" in t or "population" in t for t in titles)
    inq = sample_inquiry().with_tables(panel=sim.panel, population=CENSUS)
    dash = ConsensusDashboard(inq, min_cell=5)
    titles = [c.get_title(0) for c in dash.children if isinstance(c, Disclosure)]
    assert "Did views move? Before and after deliberation" in titles
    assert "Who took part? Participants vs population" in titles
    assert "Viewpoints (Q-methodology factors)" not in titles
    view = dash.build_panel("deliberation-change")
    assert isinstance(view, ShiftView) and view.state.min_cell == 5
    # the participants' area is joined into the panel for splitting
    assert "area" in view.state.by_options
    rep = dash.build_panel("representativeness")
    assert isinstance(rep, RepresentationView) and rep.state.groups is not None
    only_dri = Inquiry(
        {"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1]},
        tables={"considerations": cons, "preferences": prefs},
    )
    d2 = ConsensusDashboard(only_dri)
    assert any(
        isinstance(c, Disclosure) and c.get_title(0).startswith("Did views move")
        for c in d2.children
    )


def test_the_family_applies_the_small_cell_rule_only_through_the_one_function() -> None:
    """No count is compared with ``min_cell`` by hand in this family's widgets: every
    published table goes through ``coprod_analytics.privacy.suppress_small_cells``."""
    import re
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "widgets" / "deliberation"
    by_hand = re.compile(r"(<|<=|>|>=)\s*(self\.|ctx\.|state\.)?min_cell\b")
    offenders = [
        f"{path.name}:{i}"
        for path in sorted(folder.glob("*.py"))
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if by_hand.search(line) and "check_param" not in line and "min_cell >= 0" not in line
    ]
    assert offenders == []
    assert "suppress_small_cells(" in (folder / "state.py").read_text(encoding="utf-8")


def test_representation_html_says_weighting_was_skipped_not_that_it_failed() -> None:
    """Early in a live session nobody has given the attribute: the page says weighting was
    skipped (and why), never "raking did NOT converge"."""
    import polars as pl

    from coprod_widgets.deliberation.figures import representation_html
    from coprod_widgets.deliberation.state import RepresentationState

    ppl = pl.DataFrame({"participant_id": [1, 2, 3], "age": [None, None, None]}).cast(
        {"age": pl.String}
    )
    pop = pl.DataFrame(
        {"attribute": ["age", "age"], "category": ["old", "young"], "share": [0.5, 0.5]}
    )
    page = representation_html(RepresentationState(ppl, pop))
    assert "Weighting skipped" in page
    assert "did NOT converge" not in page
    assert "Nobody has given their age yet" in page
