"""``coprod budget``: end to end through the installed console script."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_shared

from coprod_analytics.cli import budget as budget_cli
from coprod_analytics.io.pabulib import pb_election, read_pabulib_election, write_pabulib
from coprod_analytics.preferences.budgeting import equal_shares_budget, greedy_budget

COPROD = Path(sys.executable).with_name("coprod")


def _coprod(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COPROD), "budget", *args], capture_output=True, text=True, timeout=120
    )


def test_json_output_of_mes_with_add1_on_a_real_file() -> None:
    path = require_shared("pabulib", "poland_krakow_2019_bienczyce.pb")
    proc = _coprod(str(path), "--rule", "mes", "--completion", "add1", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    expected = equal_shares_budget(read_pabulib_election(path), completion="add1")
    assert out["selected"] == list(expected.selected)
    assert all(isinstance(p, str) for p in out["selected"])
    assert out["cost"] == expected.cost
    assert out["budget"] == 904700
    assert out["rule"] == "mes" and out["completion"] == "add1" and out["utility"] == "cost"
    assert out["leftover"] == 904700 - out["cost"]


def test_json_ids_keep_the_file_form() -> None:
    path = require_shared("pabulib", "poland_zabrze_2021_.pb")
    proc = _coprod(str(path), "--rule", "greedy", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["selected"] == ["P0065"]  # ids like "P0065" stay strings with their zeros
    assert out["cost"] == 500000 and out["budget"] == 500000
    assert out["completion"] is None


def test_text_output_and_cardinality_option() -> None:
    path = require_shared("pabulib", "poland_gdansk_2020_zaspa-rozstaje.pb")
    proc = _coprod(str(path), "--rule", "mes", "--utility", "cardinality")
    assert proc.returncode == 0, proc.stderr
    assert "cumulative ballots, 5 projects, 1226 voters" in proc.stdout
    assert "mes: 2 projects funded" in proc.stdout and "funded: 5, 1" in proc.stdout


def _json(*args: str) -> dict:
    proc = _coprod(*args, "--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


@pytest.fixture(scope="module")
def rules_disagree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three voters, budget 3 (1 each): A costs 3 and all three approve it; B costs 1 and
    voters 1, 2 approve it; C costs 1 and voter 3 approves it.

    Hand-derived outcomes:

    - greedy by votes: A has 3 votes and fits exactly -> (A).
    - sequential Phragmén: new loads A (3 + 0)/3 = 1, B 1/2, C 1/1 -> B (voters 1, 2 at
      load 1/2); then A (3 + 1/2 + 1/2 + 0)/3 = 4/3, C 1 -> C; then A would cost 3 more
      than the 2 spent allows -> stop: (B, C).
    - Equal Shares, cost utility: rho = payment / cost; A: each pays 1, rho = 1/3; B: each
      pays 1/2, rho = 1/2; C: rho = 1 -> A first, which spends every voter's 1 -> (A).
    - Equal Shares, cardinality utility: rho = payment; A 1, B 1/2, C 1 -> B (voters 1, 2
      keep 1/2 each); A: supporters hold 2 < 3, out; C: voter 3 pays 1 -> (B, C).
    """
    e = pb_election({"A": 3, "B": 1, "C": 1}, [["A", "B"], ["A", "B"], ["A", "C"]], budget=3)
    return write_pabulib(e, tmp_path_factory.mktemp("budget") / "disagree.pb")


def test_rule_option_changes_the_outcome(rules_disagree: Path) -> None:
    greedy = _json(str(rules_disagree), "--rule", "greedy")
    phragmen = _json(str(rules_disagree), "--rule", "phragmen")
    assert greedy["selected"] == ["A"] and greedy["cost"] == 3 and greedy["leftover"] == 0
    assert phragmen["selected"] == ["B", "C"] and phragmen["cost"] == 2
    assert phragmen["rule"] == "phragmen" and phragmen["utility"] is None
    # whom it serves: greedy funds a project of every voter; Phragmén too, more evenly
    assert greedy["share_with_funded"] == 1.0 and phragmen["share_with_funded"] == 1.0


def test_utility_option_changes_the_outcome(rules_disagree: Path) -> None:
    cost = _json(str(rules_disagree), "--rule", "mes", "--utility", "cost")
    card = _json(str(rules_disagree), "--rule", "mes", "--utility", "cardinality")
    assert cost["selected"] == ["A"] and cost["utility"] == "cost"
    assert card["selected"] == ["B", "C"] and card["utility"] == "cardinality"
    assert card["parameters"] == {"utility": "cardinality", "completion": "none"}
    text = _coprod(str(rules_disagree), "--rule", "mes", "--utility", "cardinality")
    assert "funded: B, C" in text.stdout and "cost 2 of 3 (leftover 1)" in text.stdout


@pytest.mark.shared_data
def test_rule_option_on_a_real_file_funds_different_projects() -> None:
    # Gdańsk 2020, Zaspa-Rozstaje (cumulative ballots): project 4 has the most points
    # (score 2262 in PROJECTS) and costs the whole budget (435,600), so greedy funds it
    # alone; sequential Phragmén funds the three cheaper projects 5, 1 and 2 instead.
    path = str(require_shared("pabulib", "poland_gdansk_2020_zaspa-rozstaje.pb"))
    greedy = _json(path, "--rule", "greedy")
    phragmen = _json(path, "--rule", "phragmen")
    assert greedy["selected"] == ["4"] and greedy["leftover"] == 0
    assert phragmen["selected"] == ["5", "1", "2"]
    assert phragmen["cost"] == 5900 + 10400 + 260000
    assert set(greedy["selected"]).isdisjoint(phragmen["selected"])
    # the two utilities fund the same projects here but buy them in a different order
    cost = _json(path, "--rule", "mes", "--utility", "cost")
    card = _json(path, "--rule", "mes", "--utility", "cardinality")
    assert cost["selected"] == ["1", "5"] and card["selected"] == ["5", "1"]


@pytest.mark.shared_data
def test_completion_option_spends_what_equal_shares_leaves() -> None:
    # Zabrze 2021: every voter approves one project and each costs 500,000 (the whole
    # budget), so no project's supporters hold its cost in equal shares: MES alone funds
    # nothing; raising the per-voter budget (add1) or greedy completion funds P0065.
    path = str(require_shared("pabulib", "poland_zabrze_2021_.pb"))
    none = _json(path, "--rule", "mes")
    add1 = _json(path, "--rule", "mes", "--completion", "add1")
    greedy = _json(path, "--rule", "mes", "--completion", "greedy")
    assert none["selected"] == [] and none["leftover"] == 500000
    assert add1["selected"] == ["P0065"] == greedy["selected"]
    assert add1["completion"] == "add1" and add1["parameters"]["increment"] == 1.0


def test_budget_help_is_plain_text() -> None:
    proc = _coprod("--help")
    assert proc.returncode == 0
    assert "``" not in proc.stdout and ":func:" not in proc.stdout and "::" not in proc.stdout
    assert "--utility" in proc.stdout and "cardinality" in proc.stdout


def test_malformed_file_is_one_line_error_naming_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pb"
    bad.write_text(
        "META\nkey;value\nbudget;10\nPROJECTS\nproject_id;cost\n1;5\nVOTES\nvoter_id;vote\n1;7\n",
        encoding="utf-8",
    )
    proc = _coprod(str(bad), "--json")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "broken.pb, line 9, column 'vote'" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_missing_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    proc = _coprod(str(tmp_path / "nope.pb"))
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr


def test_parser_registration_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="coprod")
    sub = parser.add_subparsers(dest="command")
    budget_cli.add_parser(sub)
    path = require_shared("pabulib", "poland_warszawa_2018_pole-mokotowskie.pb")
    args = parser.parse_args(["budget", str(path), "--rule", "phragmen", "--json"])
    assert args.func is budget_cli.run
    assert args.func(args) == 0
    out = json.loads(capsys.readouterr().out)
    # one project, eight voters: every rule funds it (the rules differ in the tests above)
    assert out["selected"] == list(greedy_budget(read_pabulib_election(path)).selected) == ["658"]
    with pytest.raises(SystemExit):
        parser.parse_args(["budget", str(path), "--rule", "borda"])
