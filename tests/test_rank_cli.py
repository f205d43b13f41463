"""``coprod rank`` end to end, through the installed console script."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require_shared

from coprod_analytics.io.pabulib import pb_election, write_pabulib
from coprod_analytics.io.preflib import write_preflib
from coprod_analytics.preferences import ballots_from_orders, schulze

COPROD = Path(sys.executable).with_name("coprod")


def _coprod(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(COPROD), "rank", *args], capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture(scope="module")
def schulze_soc(tmp_path_factory: pytest.TempPathFactory) -> Path:
    case = next(
        c
        for c in json.loads(require_shared("reference", "worked_examples.json").read_text())[
            "cases"
        ]
        if c["id"] == "schulze_45_voters"
    )
    pairs = case["input"]["ballots_count_and_order_best_first"]
    ballots = ballots_from_orders([o for _, o in pairs], weights=[c for c, _ in pairs])
    return write_preflib(ballots, tmp_path_factory.mktemp("cli") / "schulze45.soc")


@pytest.mark.shared_data
@pytest.mark.parametrize("method", ["borda", "copeland", "schulze", "kemeny"])
def test_rank_preflib_json(schulze_soc: Path, method: str) -> None:
    proc = _coprod(str(schulze_soc), "--method", method, "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["method"] == method and out["winners"] == ["E"]
    assert out["n_voters"] == 45
    assert {row["item_id"] for row in out["scores"]} == set("ABCDE")
    if method == "schulze":
        assert [g[0] for g in out["ranking"]] == list("EACBD")
    if method == "kemeny":
        assert out["exact"] is True and out["n_optimal"] == 1


def test_rank_csv_ballots_and_pairwise(tmp_path: Path) -> None:
    ballots = tmp_path / "ballots.csv"
    ballots.write_text("participant_id,item_id,rank\n1,a,1\n1,b,2\n2,b,1\n2,a,2\n3,a,1\n")
    out = json.loads(_coprod(str(ballots), "--method", "borda", "--json").stdout)
    assert out["winners"] == ["a"] and out["ranking"] == [["a"], ["b"]]
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("winner,loser,participant_id\n0,1,r1\n0,1,r2\n1,2,r1\n2,0,r2\n")
    proc = _coprod(str(pairs), "--method", "bradley-terry", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    strengths = {row["item_id"]: row["log_strength"] for row in out["scores"]}
    assert strengths["0"] == pytest.approx(0.419617624, abs=1e-6)
    assert out["winners"] == ["0"] and out["n_comparisons"] == 4
    assert all(row["ci_low"] < row["log_strength"] < row["ci_high"] for row in out["scores"])
    text = _coprod(str(pairs), "--method", "bradley-terry")
    assert text.returncode == 0 and "Bradley–Terry (newton): 3 items" in text.stdout


def test_rank_errors_name_file_line_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("participant_id,item_id,rank\n1,a,1\n1,b,zero\n")
    proc = _coprod(str(bad), "--method", "schulze")
    assert proc.returncode == 2
    assert f"{bad}, line 3, column 'rank': expected an integer rank >= 1; got 'zero'" in proc.stderr
    assert "Traceback" not in proc.stderr
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("winner,loser\na,b\nb,c\n")
    proc = _coprod(str(pairs), "--method", "bradley-terry")
    assert proc.returncode == 2 and "not strongly connected" in proc.stderr
    assert _coprod(str(pairs), "--method", "bradley-terry", "--l2", "1").returncode == 0
    proc = _coprod(str(pairs), "--method", "borda")
    assert proc.returncode == 2 and "needs ranked ballots" in proc.stderr
    proc = _coprod(str(tmp_path / "missing.soc"))
    assert proc.returncode == 2 and "no such file" in proc.stderr
    other = tmp_path / "other.csv"
    other.write_text("x,y\n1,2\n")
    proc = _coprod(str(other))
    assert proc.returncode == 2 and "line 1: expected a ballots table" in proc.stderr


def test_rank_names_columns_with_keywords_named_after_the_canonical_ones(tmp_path: Path) -> None:
    f = tmp_path / "b.csv"
    f.write_text("voter,option,place\n1,a,1\n1,b,2\n2,b,1\n2,a,2\n3,a,1\n3,b,2\n")
    proc = _coprod(str(f), "--method", "schulze")
    assert proc.returncode == 2 and "expected a ballots table (columns participant_id" in (
        proc.stderr
    )
    proc = _coprod(
        str(f), "--participant-id", "voter", "--item-id", "option", "--rank", "place", "--json"
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["winners"] == ["a"] and out["n_voters"] == 3
    pairs = tmp_path / "p.csv"
    pairs.write_text("preferred,other\na,b\nb,a\na,b\n")
    proc = _coprod(
        str(pairs), "--method", "bradley-terry", "--winner", "preferred", "--loser", "other"
    )
    assert proc.returncode == 0, proc.stderr
    assert "strongest: a" in proc.stdout


def test_rank_reads_ordinal_pb_ballots_and_sends_other_pb_files_to_budget(tmp_path: Path) -> None:
    # an ordinal election: voters rank projects, so the ranking rules apply to its ballots
    # (hand-derived: 2 voters c > a > b, 1 voter a > b > c; a beats b 3-0, c beats a 2-1 and
    # c beats b 2-1, so c is the Condorcet winner)
    e = pb_election(
        {"a": 1, "b": 1, "c": 1},
        [["c", "a", "b"], ["c", "a", "b"], ["a", "b", "c"]],
        budget=1,
        vote_type="ordinal",
    )
    pb = write_pabulib(e, tmp_path / "ordinal.pb")
    proc = _coprod(str(pb), "--method", "schulze", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["winners"] == ["c"] and out["ranking"] == [["c"], ["a"], ["b"]]
    assert out["n_voters"] == 3
    approval = write_pabulib(pb_election({"a": 1}, [["a"]], budget=1), tmp_path / "appr.pb")
    proc = _coprod(str(approval), "--method", "borda")
    assert proc.returncode == 2
    assert "use 'coprod budget'" in proc.stderr and "Traceback" not in proc.stderr
    broken = tmp_path / "x.pb"
    broken.write_text("META\nkey;value\n")
    proc = _coprod(str(broken), "--method", "borda")
    assert proc.returncode == 2 and "x.pb" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.shared_data
def test_rank_on_a_real_ordinal_pb_file_agrees_with_the_core() -> None:
    path = require_shared("pabulib", "poland_krakow_2019_bienczyce.pb")
    proc = _coprod(str(path), "--method", "schulze", "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    from coprod_analytics import read_pabulib

    expected = schulze(read_pabulib(path).tables["budget_votes"])
    assert out["winners"] == expected.winners
    assert out["n_voters"] == 1045


def test_rank_help_is_plain_text() -> None:
    proc = _coprod("--help")
    assert proc.returncode == 0
    assert "``" not in proc.stdout and ":func:" not in proc.stdout and "::" not in proc.stdout
    assert "--participant-id" in proc.stdout and "ordinal .pb" in proc.stdout
