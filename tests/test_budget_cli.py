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
from coprod_analytics.io.pabulib import read_pabulib
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
    expected = equal_shares_budget(read_pabulib(path), completion="add1")
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
    assert proc.stdout.count("\n") >= 3


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
    assert out["selected"] == list(greedy_budget(read_pabulib(path)).selected) == ["658"]
    with pytest.raises(SystemExit):
        parser.parse_args(["budget", str(path), "--rule", "borda"])
