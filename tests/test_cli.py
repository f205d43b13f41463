"""The coprod command, end to end through a real subprocess."""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import POLIS_CONVERSATIONS, require_shared
from test_polis_io import independent_counts

from coprod_analytics.cli import COMMANDS, build_parser, missing_extra

COPROD = [sys.executable, "-m", "coprod_analytics"]


def run(*args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*COPROD, *args], capture_output=True, text=True, check=check)


def test_help_lists_the_commands():
    out = run("--help", check=True).stdout
    assert "usage: coprod" in out
    flat = " ".join(out.split())  # argparse wraps long help lines
    # the one command table, every entry with its one-line help, in its order
    positions = [flat.index(f" {c.name} {c.help}") for c in COMMANDS]
    assert positions == sorted(positions)


def test_version():
    from coprod_analytics.provenance import package_version

    res = run("--version", check=True)
    assert res.stdout.strip() == f"coprod-analytics {package_version()}"


# reStructuredText that must not reach a terminal: ``x``, :func:`x`, `x`_
_RST_MARKUP = re.compile(r"``|:[a-z]+:`|`_")


@pytest.mark.parametrize("name", [c.name for c in COMMANDS])
def test_every_command_help_is_plain_text(name):
    spec = next(c for c in COMMANDS if c.name == name)
    if missing_extra(spec.extra) is not None:
        pytest.skip(f"the {spec.extra} extra is not installed")  # test_install_wheel covers it
    parser = build_parser(name)
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    text = sub.choices[name].format_help()
    assert f"usage: coprod {name}" in text
    assert not _RST_MARKUP.search(text), f"coprod {name} --help shows markup: " + "; ".join(
        line for line in text.splitlines() if _RST_MARKUP.search(line)
    )


def test_a_missing_extra_exits_2_with_one_line(monkeypatch, capsys):
    """Without ipywidgets, `coprod report` names the pip command; no traceback, nothing run."""
    import importlib.util

    from coprod_analytics import cli

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a, **k: None if name == "ipywidgets" else real(name, *a, **k),
    )
    assert cli.main(["report", "anything"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "coprod report: error: needs the optional package 'ipywidgets'; install it with: "
        'pip install "coprod-analytics[widgets]"'
    ]
    assert cli.missing_extra(None) is None


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


def test_summary():
    out = run("summary", str(require_shared("polis", "london.youth.policing")), check=True).stdout
    assert "Where the room agrees" in out
    assert "CC BY 4.0" in out  # the Pol.is attribution travels with anything derived


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


def test_simulate_sample_writes_the_shipped_sample(tmp_path):
    """`coprod simulate --sample` writes the sample inquiry the package ships (no checkout
    needed: it is made by the simulator, so it is the same everywhere)."""
    from coprod_analytics.io.polis import read_polis
    from coprod_analytics.simulate import sample_inquiry

    run("simulate", "--sample", "-o", str(tmp_path / "sample"), check=True)
    inq = read_polis(tmp_path / "sample")
    assert inq.vote_log.equals(sample_inquiry().vote_log)
    assert "age_band" in inq.participants.columns
