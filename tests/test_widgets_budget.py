"""Budget explorer and ranking board, headless: budget/ranking tables in the inquiry, states
cross-checked against the core, what-if budget, EJR/PJR, suppression, escaping, panels."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from conftest import require_shared

from coprod_analytics import Inquiry, load_inquiry
from coprod_analytics.errors import ValidationError
from coprod_analytics.io.pabulib import (
    PBElection,
    election_from_tables,
    pb_election,
    read_pabulib_election,
)
from coprod_analytics.preferences import ballots_from_orders
from coprod_analytics.preferences.budgeting import outcome_analysis, run_budget_rule
from coprod_widgets import ConsensusDashboard
from coprod_widgets.dashboard import Disclosure
from coprod_widgets.preferences.state import FILE_LABEL, BudgetState, RankingState
from coprod_widgets.preferences.views import BudgetExplorer, RankingBoard

SMALL = (
    "poland_warszawa_2018_pole-mokotowskie.pb",
    "poland_gdansk_2020_zaspa-rozstaje.pb",
    "poland_krakow_2019_bienczyce.pb",
    "poland_zabrze_2021_.pb",
)


def _budget_tables(e: PBElection) -> dict[str, pl.DataFrame]:
    """The budget tables of an election, as an Inquiry stores them."""
    return dict(e.to_inquiry().tables)


def worked(case_id: str) -> dict:
    path = require_shared("reference", "worked_examples.json")
    cases = json.loads(path.read_text(encoding="utf-8"))["cases"]
    return next(c for c in cases if c["id"] == case_id)


def toy_inquiry(**meta: str) -> Inquiry:
    # greedy fails EJR here: the two c-voters can afford c but get nothing
    e = pb_election(
        {"a": 1, "b": 1, "c": 1, "d": 1},
        [["a", "b", "d"]] * 4 + [["c"]] * 2,
        budget=3,
        meta=meta or None,
    )
    return Inquiry(tables=_budget_tables(e))


# ------------------------------------------------------------------ inputs
@pytest.mark.shared_data
@pytest.mark.parametrize("name", [*SMALL, "poland_warszawa_2023_mokotow.pb"])
def test_pb_file_round_trips_through_the_inquiry(name: str) -> None:
    path = require_shared("pabulib", name)
    inq = load_inquiry(path)
    assert inq.votes.height == 0
    assert {"budget_projects", "budget_votes", "budget_meta"} <= set(inq.tables)
    back = election_from_tables(inq.tables)
    orig = read_pabulib_election(path)
    assert back.meta == orig.meta
    assert back.projects.equals(orig.projects)
    assert back.votes.equals(orig.votes.select(back.votes.columns))
    assert inq.metadata["source_format"] == "pabulib"


def test_budget_tables_validate_and_name_the_problem() -> None:
    tables = _budget_tables(pb_election({"a": 1, "b": 2}, [["a"], ["b"]], budget=2))
    bad = tables["budget_votes"].with_columns(
        pl.when(pl.col("project_id") == "b")
        .then(pl.lit("zz"))
        .otherwise(pl.col("project_id"))
        .alias("project_id")
    )
    with pytest.raises(ValidationError, match=r"row 2, column 'project_id'.*'zz'"):
        election_from_tables({**tables, "budget_votes": bad})
    with pytest.raises(ValidationError, match="add a row key=budget"):
        election_from_tables(
            {**tables, "budget_meta": pl.DataFrame({"key": ["x"], "value": ["1"]})}
        )
    with pytest.raises(ValidationError, match="column 'cost'"):
        Inquiry(tables={"budget_projects": {"project_id": ["a"], "cost": [-1]}})


def test_folder_of_tables_loads_rankings_pairwise_and_budget(tmp_path) -> None:
    ballots = ballots_from_orders(["abc", "bca"])
    ballots.write_csv(tmp_path / "rankings.csv")
    pl.DataFrame({"winner": ["x", "y"], "loser": ["y", "x"]}).write_csv(tmp_path / "pairwise.csv")
    for name, table in _budget_tables(
        pb_election({"01": 5, "2": 5}, [["01"], ["01", "2"]], budget=5)
    ).items():
        table.write_csv(tmp_path / f"{name}.csv")
    inq = load_inquiry(tmp_path)
    assert {"rankings", "pairwise", "budget_projects", "budget_votes"} <= set(inq.tables)
    # project ids keep their form ("01" is not the number 1)
    assert election_from_tables(inq.tables).project_ids == ("01", "2")
    assert BudgetState(inq).funded()["greedy"] == ["01"]


# ------------------------------------------------------------------ budget state
@pytest.mark.shared_data
@pytest.mark.parametrize("name", SMALL)
def test_budget_state_matches_the_core_rules(name: str) -> None:
    path = require_shared("pabulib", name)
    election = read_pabulib_election(path)
    state = BudgetState(load_inquiry(path))
    funded = state.funded()
    for label, (rule, utility, completion) in (
        ("greedy", ("greedy", "cost", "none")),
        ("mes+add1", ("mes", "cost", "add1")),
        ("mes+phragmen", ("mes", "cost", "phragmen")),
        ("phragmen", ("phragmen", "cost", "none")),
    ):
        core = run_budget_rule(election, rule, utility=utility, completion=completion)  # type: ignore[arg-type]
        assert funded[label] == list(core.selected), label
        a = outcome_analysis(election, core, check_proportionality=False)
        row = state.rules_table().filter(pl.col("rule") == label).row(0, named=True)
        assert row["share_with_funded"] == pytest.approx(a.share_with_funded)
        assert row["gini"] == pytest.approx(a.gini_cardinality)
    if "selected" in election.projects.columns:
        file_sel = election.projects.filter(pl.col("selected") == 1)["project_id"].to_list()
        assert sorted(funded[FILE_LABEL]) == sorted(file_sel)


@pytest.mark.shared_data
def test_file_selection_differs_from_greedy_in_bienczyce() -> None:
    # Kraków 2019 Bieńczyce: plain greedy by points funds project 6 too; the city did not
    state = BudgetState(load_inquiry(require_shared("pabulib", "poland_krakow_2019_bienczyce.pb")))
    assert set(state.funded()["greedy"]) - set(state.funded()[FILE_LABEL]) == {"6"}
    projects = state.projects_table()
    six = projects.filter(pl.col("project_id") == "6").row(0, named=True)
    assert six["greedy"] is True and six[FILE_LABEL] is False


def test_ejr_pjr_and_what_if_budget() -> None:
    state = BudgetState(toy_inquiry())
    table = state.rules_table()
    greedy = table.filter(pl.col("rule") == "greedy").row(0, named=True)
    mes = table.filter(pl.col("rule") == "mes").row(0, named=True)
    assert (greedy["ejr"], greedy["pjr"]) == (False, False)
    assert mes["ejr"] is True
    assert greedy["share_with_funded"] == pytest.approx(4 / 6)
    assert state.proportionality["greedy"]["ejr_witness"].projects == ("c",)
    # what-if: with budget 4 every project is funded by every completed rule
    state.budget = 4
    funded = state.funded()
    assert all(sorted(v) == ["a", "b", "c", "d"] for k, v in funded.items() if k != "mes")
    assert state.rules_table()["share_with_funded"].to_list() == [1.0] * len(state.rules)
    # and the core agrees at another budget
    e = election_from_tables(toy_inquiry().tables)
    e2 = pb_election(
        {"a": 1, "b": 1, "c": 1, "d": 1}, [["a", "b", "d"]] * 4 + [["c"]] * 2, budget=2
    )
    state.budget = 2
    assert state.funded()["mes+add1"] == list(
        run_budget_rule(e2, "mes", completion="add1").selected
    )
    assert e.budget == 3  # the what-if never changes the inquiry's election


def test_explorer_slider_modes_and_views() -> None:
    view = BudgetExplorer(toy_inquiry())
    assert view.update == "live" and view.budget_slider.continuous_update
    assert view.check_jr.layout.display == "none"  # small: checked automatically
    assert "NO" in view.rules.value  # greedy fails EJR, shown in words
    view.budget_slider.value = 4
    assert view.state.budget == 4
    assert "What-if" in view.header.value
    assert view.rules_figure.data[0].x == (1.0,) * len(view.state.rules)
    view.reset.click()
    assert view.state.budget == 3 and "What-if" not in view.header.value

    slow = BudgetExplorer(BudgetState(toy_inquiry()), update="button")
    assert not slow.budget_slider.continuous_update
    assert slow.recompute.layout.display is None
    slow.budget_slider.value = 4
    assert slow.state.budget == 3  # nothing recomputed until the button
    assert "Recompute" in slow.status.value
    slow.recompute.click()
    assert slow.state.budget == 4
    assert sorted(slow.state.funded()["greedy"]) == ["a", "b", "c", "d"]
    with pytest.raises(ValueError, match="'update' parameter of BudgetExplorer"):
        BudgetExplorer(toy_inquiry(), update="sometimes")


def test_on_demand_proportionality_check() -> None:
    state = BudgetState(toy_inquiry(), check_proportionality=False)
    assert state.rules_table()["ejr"].null_count() == len(state.rules)
    view = BudgetExplorer(state)
    assert view.check_jr.layout.display is None
    view.check_jr.click()
    assert state.rules_table().filter(pl.col("rule") == "greedy")["ejr"].item() is False
    assert "NO" in view.rules.value


def test_small_cells_suppressed_and_texts_escaped() -> None:
    e = pb_election(
        {"p1": 10, "p2": 10},
        [["p1"]] * 7 + [["p2"]] * 2,
        budget=10,
        meta={"description": "<b>District</b>"},
    )
    tables = _budget_tables(e)
    tables["budget_projects"] = tables["budget_projects"].with_columns(
        name=pl.Series(["<script>alert(1)</script>", "ok & fine"])
    )
    view = BudgetExplorer(Inquiry(tables=tables), min_cell=5)
    projects = view.state.projects_table()
    assert projects.filter(pl.col("project_id") == "p2")["votes"].item() is None
    assert projects.filter(pl.col("project_id") == "p1")["votes"].item() == 7
    sat = view.state.satisfaction_table("greedy")  # 2 voters got nothing: hidden
    assert sat.filter(pl.col("n_funded") == 0)["voters"].item() is None
    assert "fewer than 5" in view.projects.value
    for html in (view.projects.value, view.header.value):
        assert "<script>" not in html and "<b>District" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in view.projects.value
    assert "&lt;b&gt;District&lt;/b&gt;" in view.header.value
    # the chart's text alternative has the shares, suppressed cells blank
    assert 'aria-label="Share of voters by number of funded projects"' in (
        view.satisfaction_alt.value
    )
    unsup = BudgetState(Inquiry(tables=tables), min_cell=0)
    assert unsup.projects_table()["votes"].to_list() == [7, 2]


# ------------------------------------------------------------------ rankings
@pytest.mark.shared_data
def test_ranking_board_on_the_schulze_45_voter_example() -> None:
    case = worked("schulze_45_voters")
    pairs = case["input"]["ballots_count_and_order_best_first"]
    orders = [o for n, o in pairs for _ in range(n)]
    ballots = ballots_from_orders(orders)
    state = RankingState(Inquiry(tables={"rankings": ballots}))
    assert state.n_ballots == 45
    assert {m: w for m, w in state.winners().items()} == {
        "borda": ["E"],
        "copeland": ["E"],
        "schulze": ["E"],
        "kemeny": ["E"],
    }
    table = state.ranking_table()
    assert "".join(table["Schulze"].to_list()) == case["expected"]["schulze_order"]
    board = RankingBoard(state)
    assert "All four rules agree" in board.rankings.value
    assert board.strengths_figure is None  # no pairwise data


def test_ranking_ties_are_shown_not_broken() -> None:
    ballots = ballots_from_orders(["abc", "abc", "bca"])
    state = RankingState(Inquiry(tables={"rankings": ballots}))
    assert state.winners()["borda"] == ["a", "b"]
    table = state.ranking_table()
    assert table["Borda"].to_list()[:2] == ["a = b (tie)", "↑ (tie)"]
    html = RankingBoard(state).rankings.value
    assert "a tie" in html and "disagree" in html
    # a few ballots are not published under a small-cell threshold
    hidden = RankingBoard(RankingState(Inquiry(tables={"rankings": ballots}), min_cell=5))
    assert "fewer than 5 ballots" in hidden.rankings.value
    assert "a = b" not in hidden.rankings.value


@pytest.mark.shared_data
def test_pairwise_strengths_forest_plot_and_next_pair() -> None:
    case = worked("bradley_terry_choix_pairwise_2")
    comps = pl.DataFrame(
        case["input"]["comparisons_winner_loser"], schema=["winner", "loser"], orient="row"
    )
    state = RankingState(Inquiry(tables={"pairwise": comps}))
    bt = state.bradley_terry
    np.testing.assert_allclose(
        bt.log_strength, case["expected"]["log_strengths"], atol=case["tolerance"]
    )
    board = RankingBoard(state)
    trace = board.strengths_figure.data[0]
    table = state.strengths_table()
    np.testing.assert_allclose(
        np.asarray(trace.error_x.array), (table["ci_high"] - table["log_strength"]).to_numpy()
    )
    assert 'aria-label="Bradley–Terry strengths"' in board.strengths_alt.value
    first = state.next_pairs_table().row(0)
    assert f"{first[0]} vs {first[1]}" in board.next_pairs.value
    # a wider interval when the reader asks for 99%
    width95 = float(np.ptp([trace.error_x.array[0], -trace.error_x.arrayminus[0]]))
    board.level.value = 0.01
    t99 = board.strengths_figure.data[0]
    assert float(np.ptp([t99.error_x.array[0], -t99.error_x.arrayminus[0]])) > width95


def test_disconnected_pairwise_data_is_regularised_and_says_so() -> None:
    comps = pl.DataFrame({"winner": ["a", "a", "b"], "loser": ["b", "c", "c"]})
    state = RankingState(Inquiry(tables={"pairwise": comps}))
    assert state.bradley_terry.l2 == pytest.approx(0.1)
    assert any("regularised" in n for n in state.notes)
    assert "regularised" in RankingBoard(state).next_pairs.value
    # an explicit penalty is used as given, without the fallback note
    given = RankingState(Inquiry(tables={"pairwise": comps}), l2=1.0)
    assert given.bradley_terry.l2 == 1.0 and given.notes == []


# ------------------------------------------------------------------ dashboard panels
@pytest.mark.shared_data
def test_dashboard_of_a_pb_file_shows_the_budget_panel_only() -> None:
    dash = ConsensusDashboard(
        require_shared("pabulib", "poland_gdansk_2020_zaspa-rozstaje.pb"), min_cell=5
    )
    boxes = [c for c in dash.children if isinstance(c, Disclosure)]
    assert [b.get_title(0) for b in boxes] == ["Participatory budget: what each rule would fund"]
    assert boxes[0].selected_index == 0  # the only content: opened
    explorer = dash.panels["budget"]
    assert isinstance(explorer, BudgetExplorer)
    assert explorer.state.min_cell == 5
    assert "0 votes" not in dash.header.value


def test_dashboard_of_a_preflib_file_shows_the_ranking_panel(tmp_path) -> None:
    p = tmp_path / "pets.toc"
    p.write_text(
        "# DATA TYPE: toc\n# ALTERNATIVE NAME 1: cat\n# ALTERNATIVE NAME 2: dog\n"
        "# ALTERNATIVE NAME 3: fish\n3: 1,2,3\n2: {2,3},1\n",
        encoding="utf-8",
    )
    inq = load_inquiry(p)
    assert inq.tables["rankings"]["weight"].sum() == 3 * 3 + 2 * 3
    dash = ConsensusDashboard(inq)
    titles = [c.get_title(0) for c in dash.children if isinstance(c, Disclosure)]
    assert titles == ["Rankings and pairwise comparisons"]
    board = dash.panels["rankings"]
    assert board.state.winners()["schulze"] == ["cat"]
    # an inquiry with votes keeps its consensus views and gets no budget panel
    votes = Inquiry({"participant_id": [1, 2], "statement_id": [1, 1], "vote": [1, -1]})
    plain = ConsensusDashboard(votes)
    titles = [c.get_title(0) for c in plain.children if isinstance(c, Disclosure)]
    assert "Participatory budget: what each rule would fund" not in titles
    assert titles[0].startswith("First look")
