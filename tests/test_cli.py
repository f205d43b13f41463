"""The coprod command, end to end through a real subprocess."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import POLIS_CONVERSATIONS, require_shared
from test_polis_io import independent_counts

COPROD = [sys.executable, "-m", "coprod_analytics"]


def run(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COPROD, *args], capture_output=True, text=True, check=check)


def test_help_lists_the_commands():
    out = run("--help", check=True).stdout
    for cmd in ("info", "summary", "demo", "simulate"):
        assert cmd in out
    assert "usage: coprod" in out


def test_console_script_exists():
    exe = Path(sys.executable).parent / "coprod"
    assert exe.exists(), "the coprod console script is not installed"
    assert subprocess.run([str(exe), "--help"], capture_output=True).returncode == 0


@pytest.mark.parametrize("name", POLIS_CONVERSATIONS)
def test_info_json_counts_match_an_independent_count(name):
    folder = require_shared("polis", name)
    facts = json.loads(run("info", str(folder), "--json", check=True).stdout)
    expected = independent_counts(folder)
    for key, value in expected.items():
        assert facts[key] == value, key


def test_info_text_reads_well():
    out = run("info", str(require_shared("polis", "vtaiwan.uberx")), check=True).stdout
    assert "UberX" in out
    assert "participants" in out and "1,921" in out


def test_errors_exit_2_with_one_line_and_no_traceback(tmp_path):
    bad = tmp_path / "conv"
    shutil.copytree(require_shared("polis", "london.youth.policing"), bad)
    votes = bad / "votes.csv"
    votes.chmod(0o644)
    lines = votes.read_text().splitlines(keepends=True)
    lines[4] = lines[4].rsplit(",", 1)[0] + ",5\n"
    votes.write_text("".join(lines))
    res = run("info", str(bad), "--json")
    assert res.returncode == 2
    assert "Traceback" not in res.stderr
    assert res.stderr.startswith("coprod info: error: ")
    assert "votes.csv, line 5, column 'vote'" in res.stderr
    assert res.stdout == ""
    missing = run("info", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "no such file or folder" in missing.stderr


def test_unknown_command_and_bad_arguments_exit_2():
    assert run("frobnicate").returncode == 2
    assert run().returncode == 2


def test_summary_and_the_core_demo(capsys):
    out = run("summary", str(require_shared("polis", "london.youth.policing")), check=True).stdout
    assert "Where the room agrees" in out
    assert "CC BY 4.0" in out  # the Pol.is attribution travels with anything derived
    # the core's own demo (what `coprod demo` runs when the live layer is not installed)
    import argparse

    from coprod_analytics.cli import demo

    assert demo.run(argparse.Namespace()) == 0
    printed = capsys.readouterr().out
    assert "Riverside Citizens' Inquiry" in printed
    assert "What divides the room" in printed


def test_simulate_writes_readable_inquiries(tmp_path):
    run(
        "simulate",
        "-o",
        str(tmp_path / "s"),
        "--participants",
        "50",
        "--statements",
        "8",
        check=True,
    )
    facts = json.loads(run("info", str(tmp_path / "s"), "--json", check=True).stdout)
    assert facts["statements"] == 8
    run("simulate", "-o", str(tmp_path / "p"), "--format", "parquet", check=True)
    facts = json.loads(run("info", str(tmp_path / "p"), "--json", check=True).stdout)
    assert facts["participants"] > 0


def test_demo_sample_is_written_afresh_outside_a_checkout(tmp_path):
    """Installed without the repository's data/, the demo writes the sample afresh."""
    from coprod_analytics.cli.demo import sample_path
    from coprod_analytics.io.polis import read_polis
    from coprod_analytics.simulate import sample_inquiry

    path = sample_path(tmp_path / "no-data-here")
    assert path.name == "sample-inquiry" and not str(path).startswith(str(tmp_path))
    inq = read_polis(path)
    assert inq.vote_log.equals(sample_inquiry().vote_log)
    assert "age_band" in inq.participants.columns
